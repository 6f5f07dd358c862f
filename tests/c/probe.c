/*
 * probe: calls one libc resolver function and prints what it returned as canonical lines, so
 * that musl, glibc and either of them with LD_PRELOAD=libdnsshim.so can be compared as text.
 * Built twice by the integration tests: gcc (glibc) and musl-gcc (musl).
 *
 *   probe gai NAME [--family inet|inet6|unspec|N] [--socktype stream|dgram|raw|0|N]
 *                  [--protocol tcp|udp|0|N] [--flags canonname,passive,numerichost,
 *                  numericserv,v4mapped,all,addrconfig] [--service SVC] [--nullhints]
 *                  [--show-flags] [--nullres]
 *       NAME "-" passes a NULL node.  Prints "gai OK" or "gai EAI_xxx", then per addrinfo:
 *       <family> <socktype> <protocol> <address> <port> <canonname or ->
 *       --show-flags appends " flags=0xN" (ai_flags) to each line; --nullres passes NULL as
 *       the result pointer (only meaningful with the shim: the C libraries crash).
 *   probe ghbn NAME | ghbn2 NAME inet|inet6|N | ghbn_r NAME [BUFLEN] | ghba ADDR
 *         | ghba_r ADDR [BUFLEN]
 *       On success: "name X", "alias X"..., "addrtype inet|inet6", "length N", "addr X"...
 *       On failure: "h_errno=NAME" (ghbn_r, ghba_r: "h_errno=NAME ret=ERRNO").
 *   probe ghbn_r_retry NAME BUFLEN
 *       gethostbyname_r with BUFLEN bytes followed by a canary, doubling BUFLEN after ERANGE:
 *       one line per call, "buflen N ret=ERRNO h_errno=NAME result=NULL|set canary=ok|BAD",
 *       then the hostent of the successful call.
 *   probe freeaddrinfo_null
 *       freeaddrinfo(NULL); prints "freeaddrinfo(NULL) returned".
 *   probe res_query|res_search NAME [OPTS] | res_querydomain NAME DOMAIN|- [OPTS]
 *       OPTS: --type A|AAAA|TXT|SRV|MX|PTR|NS|CNAME|SOA|CAA|N (default A), --class in|N,
 *       --buflen N (default 65536), --old (call the __res_* name: glibc's GLIBC_2.2.5 symbol,
 *       GLIBC_2.17 on aarch64, as a program built against glibc < 2.34 does; musl: dlsym),
 *       --repeat N (N calls,
 *       "calls N ok K" first), --dump-on-fail (print the buffer after a failure).
 *       Prints "res N" (the return value; "res N buflen=B" when N > B) then the message as
 *       lines: "hdr qr= opcode= aa= tc= rd= ra= ad= cd= rcode= qd= an= ns= ar=",
 *       "q NAME TYPE CLASS", "an|ns|ar OWNER TTL TYPE RDATA" (TXT: strings= bytes= fnv= head=;
 *       OPT: "ar . OPT payload=N"), "cut" where the buffer ends inside a record.
 *       On failure: "res -1 h_errno=NAME".
 *   probe res_send NAME [OPTS] [--ad] [--edns PAYLOAD]
 *       Sends a query built here (ID 0x4242, RD; AD with --ad; an OPT record with --edns):
 *       "send N" + the message, or "send -1".
 *   probe res_mkquery NAME|- [--op N] [--type T] [--class C] [--buflen N] [--old]
 *       "mkquery N", "bytes HEX" (the query after its random ID), the message; or "mkquery -1".
 *   probe res_init [--old]: "res_init RC".  A missing __res_* name prints "nosym" (exit 5).
 *   probe gni ADDR[%SCOPE] PORT [--flags numerichost,numericserv,nofqdn,namereqd,dgram,
 *                 numericscope,N] [--hostlen N|null] [--servlen N|null] [--salen N]
 *       getnameinfo: "gni OK host=H serv=S" ("(null)" for a buffer not passed), "gni EAI_xxx".
 *   probe ghba_r_retry ADDR BUFLEN: gethostbyaddr_r as ghbn_r_retry does gethostbyname_r.
 *   --time (anywhere): prints "time_ms=N" on stderr, the time spent in the libc call.
 *   --nullname (anywhere): ghbn, ghbn2 and ghbn_r pass NULL instead of NAME.
 *
 * Exit status: 0 success, 2 not found (EAI_NONAME, EAI_NODATA, HOST_NOT_FOUND, NO_DATA),
 * 3 any other resolver error, 1 usage error, 4 a write past the caller's buffer (ghbn_r_retry,
 * ghba_r_retry), 5 a __res_* name the C library does not have (--old).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common.h"

/* Same values in glibc and musl; musl hides some of them behind feature macros. */
#ifndef EAI_NODATA
#define EAI_NODATA -5
#endif
#ifndef EAI_ADDRFAMILY
#define EAI_ADDRFAMILY -9
#endif
#ifndef AI_V4MAPPED
#define AI_V4MAPPED 0x08
#endif
#ifndef AI_ALL
#define AI_ALL 0x10
#endif
#ifndef AI_ADDRCONFIG
#define AI_ADDRCONFIG 0x20
#endif
#ifndef AI_NUMERICSERV
#define AI_NUMERICSERV 0x400
#endif
#ifndef NO_ADDRESS
#define NO_ADDRESS NO_DATA
#endif

static int want_time;
static int null_name;
static struct timespec t0;

static void start_clock(void) { clock_gettime(CLOCK_MONOTONIC, &t0); }

static void stop_clock(void)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (want_time) {
		long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		fprintf(stderr, "time_ms=%ld\n", ms);
	}
}

NAME_FN(eai_name, eai_names, "EAI_UNKNOWN(", ")")
NAME_FN(herr_name, herr_names, "H_UNKNOWN(", ")")
NAME_FN(errno_name, errno_names, "E(", ")")
NAME_FN(family_name, family_names, "", "")
NAME_FN(socktype_name, socktype_names, "", "")
NAME_FN(proto_name, proto_names, "", "")
NAME_FN(rrtype_name, rrtype_names, "TYPE", "")
NAME_FN(rcode_name, rcode_names, "RCODE", "")

static int usage(void)
{
	fprintf(stderr,
		"usage: probe [--time] gai NAME|- [--family F] [--socktype T] [--protocol P]\n"
		"             [--flags a,b,...] [--service SVC] [--nullhints]\n"
		"             [--show-flags] [--nullres]\n"
		"       probe [--time] [--nullname] ghbn NAME | ghbn2 NAME inet|inet6|N"
		" | ghbn_r NAME [BUFLEN]\n"
		"             | ghba ADDR | ghba_r ADDR [BUFLEN]\n"
		"       probe ghbn_r_retry NAME BUFLEN | freeaddrinfo_null\n"
		"       probe res_query|res_search NAME [OPTS] | res_querydomain NAME DOMAIN|- [OPTS]\n"
		"             | res_send NAME [OPTS] | res_mkquery NAME [OPTS] | res_init [--old]\n"
		"       probe gni ADDR[%%SCOPE] PORT [--flags F] [--hostlen N|null] [--servlen N|null]\n"
		"             [--salen N] | ghba_r_retry ADDR BUFLEN\n");
	return 1;
}

static int parse_int(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 0);
	if (!*s || *end)
		return -1;
	*out = (int)v;
	return 0;
}

/* A name of t (exactly as written there) or a number into *out; -1 when s is neither. */
static int parse_name(const char *s, const struct code_name *t, size_t n, int *out)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!strcmp(s, t[i].name)) {
			*out = t[i].code;
			return 0;
		}
	return parse_int(s, out);
}

static int parse_family(const char *s, int *out)
{
	return parse_name(s, family_names, COUNT(family_names), out);
}

/* NAME,NAME,...: the flags of t named (or given as numbers) or'ed together. */
static int parse_flag_list(const char *s, const struct code_name *t, size_t n, int *out)
{
	char buf[256], *tok, *save;
	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int v;
		if (parse_name(tok, t, n, &v))
			return -1;
		*out |= v;
	}
	return 0;
}

/* --flags of gai. */
static const struct code_name ai_flag_names[] = {
	{AI_CANONNAME, "canonname"},
	{AI_PASSIVE, "passive"},
	{AI_NUMERICHOST, "numerichost"},
	{AI_NUMERICSERV, "numericserv"},
	{AI_V4MAPPED, "v4mapped"},
	{AI_ALL, "all"},
	{AI_ADDRCONFIG, "addrconfig"},
};

static int cmd_gai(int argc, char **argv)
{
	const char *node, *service = NULL;
	struct addrinfo hints, *res = NULL, *ai;
	int nullhints = 0, show_flags = 0, null_res = 0, rc, i;

	if (argc < 1)
		return usage();
	node = strcmp(argv[0], "-") ? argv[0] : NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(opt, "--nullhints")) {
			nullhints = 1;
			continue;
		}
		if (!strcmp(opt, "--show-flags")) {
			show_flags = 1;
			continue;
		}
		if (!strcmp(opt, "--nullres")) {
			null_res = 1;
			continue;
		}
		if (!val)
			return usage();
		i++;
		if (!strcmp(opt, "--family")) {
			if (parse_family(val, &hints.ai_family)) return usage();
		} else if (!strcmp(opt, "--socktype")) {
			if (parse_name(val, socktype_names, COUNT(socktype_names), &hints.ai_socktype))
				return usage();
		} else if (!strcmp(opt, "--protocol")) {
			if (parse_name(val, proto_names, COUNT(proto_names), &hints.ai_protocol))
				return usage();
		} else if (!strcmp(opt, "--flags")) {
			if (parse_flag_list(val, ai_flag_names, COUNT(ai_flag_names), &hints.ai_flags))
				return usage();
		} else if (!strcmp(opt, "--service")) {
			service = val;
		} else {
			return usage();
		}
	}

	start_clock();
	rc = getaddrinfo(node, service, nullhints ? NULL : &hints, null_res ? NULL : &res);
	stop_clock();
	printf("gai %s\n", eai_name(rc));
	if (rc) {
		if (rc == EAI_SYSTEM)
			printf("errno %s\n", errno_name(errno));
		return rc == EAI_NONAME || rc == EAI_NODATA ? 2 : 3;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		char addr[INET6_ADDRSTRLEN + 16];
		int port = -1;
		socklen_t want = 0;
		if (!ai->ai_addr) {
			printf("%s %s %s (null) - %s\n", family_name(ai->ai_family),
			       socktype_name(ai->ai_socktype), proto_name(ai->ai_protocol),
			       ai->ai_canonname ? ai->ai_canonname : "-");
			continue;
		}
		if (addr_port(ai->ai_addr, addr, sizeof addr, &port))
			snprintf(addr, sizeof addr, "sa_family(%d)", ai->ai_addr->sa_family);
		printf("%s %s %s %s %d %s", family_name(ai->ai_family),
		       socktype_name(ai->ai_socktype), proto_name(ai->ai_protocol), addr, port,
		       ai->ai_canonname ? ai->ai_canonname : "-");
		/* Normally nothing more: these only show up when a list is malformed. */
		if (ai->ai_family == AF_INET) want = sizeof(struct sockaddr_in);
		if (ai->ai_family == AF_INET6) want = sizeof(struct sockaddr_in6);
		if (ai->ai_addrlen != want)
			printf(" addrlen=%u", (unsigned)ai->ai_addrlen);
		if (ai->ai_addr->sa_family != ai->ai_family)
			printf(" sa_family=%d", ai->ai_addr->sa_family);
		if (show_flags)
			printf(" flags=0x%x", (unsigned)ai->ai_flags);
		printf("\n");
	}
	freeaddrinfo(res);
	return 0;
}

static void print_hostent(const struct hostent *h)
{
	char **p;
	printf("name %s\n", h->h_name ? h->h_name : "(null)");
	for (p = h->h_aliases; p && *p; p++)
		printf("alias %s\n", *p);
	printf("addrtype %s\n", family_name(h->h_addrtype));
	printf("length %d\n", h->h_length);
	for (p = h->h_addr_list; p && *p; p++) {
		char buf[INET6_ADDRSTRLEN];
		if (h->h_addrtype == AF_INET || h->h_addrtype == AF_INET6)
			inet_ntop(h->h_addrtype, *p, buf, sizeof buf);
		else
			strcpy(buf, "?");
		printf("addr %s\n", buf);
	}
}

static int herr_status(int e)
{
	return e == HOST_NOT_FOUND || e == NO_DATA ? 2 : 3;
}

/* What gethostbyname & co. returned: the hostent, or "h_errno=NAME". */
static int host_report(const struct hostent *h)
{
	if (!h) {
		printf("h_errno=%s\n", herr_name(h_errno));
		return herr_status(h_errno);
	}
	print_hostent(h);
	return 0;
}

/* What gethostbyname_r & co. returned: the hostent, or "h_errno=NAME ret=ERRNO". */
static int host_r_report(int ret, const struct hostent *res, int herr)
{
	if (ret || !res) {
		printf("h_errno=%s ret=%s\n", herr_name(herr), errno_name(ret));
		return ret == ERANGE ? 3 : herr_status(herr);
	}
	print_hostent(res);
	return 0;
}

static int cmd_ghbn(const char *cmd, int argc, char **argv)
{
	struct hostent *h;
	const char *name;
	int family = AF_INET;

	if (argc < 1)
		return usage();
	if (!strcmp(cmd, "ghbn2")) {
		if (argc != 2 || parse_family(argv[1], &family))
			return usage();
	} else if (argc != 1) {
		return usage();
	}
	h_errno = 0;
	start_clock();
	name = null_name ? NULL : argv[0];
	h = !strcmp(cmd, "ghbn") ? gethostbyname(name) : gethostbyname2(name, family);
	stop_clock();
	return host_report(h);
}

static int cmd_ghbn_r(int argc, char **argv)
{
	struct hostent he, *res = NULL;
	int herr = 0, ret, buflen = 65536;
	char *buf;

	if (argc < 1 || argc > 2 || (argc == 2 && (parse_int(argv[1], &buflen) || buflen < 0)))
		return usage();
	buf = malloc(buflen ? buflen : 1);
	if (!buf)
		return 1;
	start_clock();
	ret = gethostbyname_r(null_name ? NULL : argv[0], &he, buf, buflen, &res, &herr);
	stop_clock();
	ret = host_r_report(ret, res, herr);
	free(buf);
	return ret;
}

static int parse_addr(const char *s, unsigned char *addr, int *family, socklen_t *len)
{
	*family = AF_INET;
	*len = 4;
	if (inet_pton(AF_INET, s, addr) == 1)
		return 0;
	*family = AF_INET6;
	*len = 16;
	return inet_pton(AF_INET6, s, addr) == 1 ? 0 : -1;
}

static int cmd_ghba(int argc, char **argv)
{
	unsigned char addr[16];
	struct hostent *h;
	int family;
	socklen_t len;

	if (argc != 1 || parse_addr(argv[0], addr, &family, &len))
		return usage();
	h_errno = 0;
	start_clock();
	h = gethostbyaddr(addr, len, family);
	stop_clock();
	return host_report(h);
}

/* Bytes after the caller's buffer that must stay untouched. */
#define CANARY_LEN 64
#define CANARY_BYTE 0xa5

/* The call of ghbn_r_retry and ghba_r_retry: gethostbyname_r of `name`, or (name NULL)
 * gethostbyaddr_r of the address. */
struct r_call {
	const char *name;
	unsigned char addr[16];
	int family;
	socklen_t len;
};

/* The call with BUFLEN bytes followed by a canary, doubling BUFLEN after ERANGE: one line per
 * call, "buflen N ret=ERRNO h_errno=NAME result=NULL|set canary=ok|BAD", then the hostent of
 * the successful call. */
static int retry_r(const struct r_call *c, int buflen)
{
	struct hostent he, *res;
	int herr, ret, i, ok;
	unsigned char *buf;

	for (;;) {
		buf = malloc(buflen + CANARY_LEN);
		if (!buf)
			return 1;
		memset(buf + buflen, CANARY_BYTE, CANARY_LEN);
		herr = 0;
		res = NULL;
		if (c->name)
			ret = gethostbyname_r(c->name, &he, (char *)buf, buflen, &res, &herr);
		else
			ret = gethostbyaddr_r(c->addr, c->len, c->family, &he, (char *)buf, buflen,
					      &res, &herr);
		for (ok = 1, i = 0; i < CANARY_LEN; i++)
			if (buf[buflen + i] != CANARY_BYTE)
				ok = 0;
		printf("buflen %d ret=%s h_errno=%s result=%s canary=%s\n", buflen,
		       errno_name(ret), herr_name(herr), res ? "set" : "NULL", ok ? "ok" : "BAD");
		if (ret == ERANGE && buflen < (1 << 20)) {
			free(buf);
			buflen = buflen ? 2 * buflen : 1;
			continue;
		}
		if (!ret && res)
			print_hostent(res);
		free(buf);
		if (!ok)
			return 4;
		if (ret || !res)
			return ret == ERANGE ? 3 : herr_status(herr);
		return 0;
	}
}

static int cmd_ghbn_r_retry(int argc, char **argv)
{
	struct r_call c = {0};
	int buflen;

	if (argc != 2 || parse_int(argv[1], &buflen) || buflen < 0)
		return usage();
	c.name = argv[0];
	return retry_r(&c, buflen);
}

static int cmd_ghba_r(int argc, char **argv)
{
	unsigned char addr[16];
	struct hostent he, *res = NULL;
	int family, herr = 0, ret, buflen = 65536;
	socklen_t len;
	char *buf;

	if (argc < 1 || argc > 2 || parse_addr(argv[0], addr, &family, &len)
	    || (argc == 2 && (parse_int(argv[1], &buflen) || buflen < 0)))
		return usage();
	buf = malloc(buflen ? buflen : 1);
	if (!buf)
		return 1;
	start_clock();
	ret = gethostbyaddr_r(addr, len, family, &he, buf, buflen, &res, &herr);
	stop_clock();
	ret = host_r_report(ret, res, herr);
	free(buf);
	return ret;
}

static int cmd_freeaddrinfo_null(void)
{
	freeaddrinfo(NULL);
	printf("freeaddrinfo(NULL) returned\n");
	return 0;
}

/* ---- res_*, getnameinfo, gethostbyaddr_r with a canary ---- */

#include <dlfcn.h>
#include <net/if.h>
#include <resolv.h>

#ifndef NI_NUMERICSCOPE
#define NI_NUMERICSCOPE 0x100
#endif

typedef int (*query_fn)(const char *, int, int, unsigned char *, int);
typedef int (*querydomain_fn)(const char *, const char *, int, int, unsigned char *, int);
typedef int (*send_fn)(const unsigned char *, int, unsigned char *, int);
typedef int (*mkquery_fn)(int, const char *, int, int, const unsigned char *, int,
			  const unsigned char *, unsigned char *, int);
typedef int (*init_fn)(void);

#ifdef __GLIBC__
/* What a program built against glibc before 2.34 references: the __res_* names, version
 * OLD_RES (today compatibility symbols of libc.so.6): the first version of the architecture's
 * glibc port, GLIBC_2.2.5 on x86_64, GLIBC_2.17 on aarch64. */
#if defined(__x86_64__)
#define OLD_RES "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define OLD_RES "GLIBC_2.17"
#else
#error "the first GLIBC_ version of this architecture's port: add it here"
#endif
extern int old_res_query(const char *, int, int, unsigned char *, int);
extern int old_res_search(const char *, int, int, unsigned char *, int);
extern int old_res_querydomain(const char *, const char *, int, int, unsigned char *, int);
extern int old_res_send(const unsigned char *, int, unsigned char *, int);
extern int old_res_mkquery(int, const char *, int, int, const unsigned char *, int,
			   const unsigned char *, unsigned char *, int);
__asm__(".symver old_res_query,__res_query@" OLD_RES);
__asm__(".symver old_res_search,__res_search@" OLD_RES);
__asm__(".symver old_res_querydomain,__res_querydomain@" OLD_RES);
__asm__(".symver old_res_send,__res_send@" OLD_RES);
__asm__(".symver old_res_mkquery,__res_mkquery@" OLD_RES);
#endif

/* The function called for NAME: plain (what <resolv.h> gives) or old (the __res_* name). In
 * musl, the __res_* names are looked up with dlsym: musl itself has only some of them. */
static void *pick(const char *name, int old)
{
	if (!old) {
		if (!strcmp(name, "res_query")) return (void *)res_query;
		if (!strcmp(name, "res_search")) return (void *)res_search;
		if (!strcmp(name, "res_querydomain")) return (void *)res_querydomain;
		if (!strcmp(name, "res_send")) return (void *)res_send;
		if (!strcmp(name, "res_mkquery")) return (void *)res_mkquery;
		if (!strcmp(name, "res_init")) return (void *)res_init;
		return NULL;
	}
#ifdef __GLIBC__
	if (!strcmp(name, "res_query")) return (void *)old_res_query;
	if (!strcmp(name, "res_search")) return (void *)old_res_search;
	if (!strcmp(name, "res_querydomain")) return (void *)old_res_querydomain;
	if (!strcmp(name, "res_send")) return (void *)old_res_send;
	if (!strcmp(name, "res_mkquery")) return (void *)old_res_mkquery;
	if (!strcmp(name, "res_init")) return (void *)__res_init;
	return NULL;
#else
	{
		char sym[64];
		snprintf(sym, sizeof sym, "__%s", name);
		return dlsym(RTLD_DEFAULT, sym);
	}
#endif
}

static int parse_rrtype(const char *s, int *out)
{
	size_t i;
	for (i = 0; i < COUNT(rrtype_names); i++)
		if (!strcasecmp(s, rrtype_names[i].name)) {
			*out = rrtype_names[i].code;
			return 0;
		}
	return parse_int(s, out);
}

/* A (possibly compressed) name at *pos of msg[0..len) into out (presentation form, "\." and
 * "\\" escaped, other unprintable bytes as \DDD, "." for the root). Advances *pos past the
 * name. Returns -1 when malformed or cut. */
static int get_name(const unsigned char *msg, int len, int *pos, char *out, size_t outlen)
{
	int p = *pos, jumped = 0, hops = 0;
	size_t o = 0;
	for (;;) {
		int l;
		if (p >= len) return -1;
		l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++hops > 64) return -1;
			if (!jumped) *pos = p + 2;
			jumped = 1;
			p = (l & 0x3f) << 8 | msg[p + 1];
			continue;
		}
		if (l & 0xc0) return -1;
		p++;
		if (!l) break;
		if (p + l > len) return -1;
		if (o) {
			if (o + 1 >= outlen) return -1;
			out[o++] = '.';
		}
		for (; l; l--, p++) {
			unsigned char c = msg[p];
			if (o + 5 >= outlen) return -1;
			if (c == '.' || c == '\\') {
				out[o++] = '\\';
				out[o++] = c;
			} else if (c > 0x20 && c < 0x7f) {
				out[o++] = c;
			} else {
				o += snprintf(out + o, outlen - o, "\\%03u", c);
			}
		}
	}
	if (!jumped) *pos = p;
	if (!o) out[o++] = '.';
	out[o] = 0;
	return 0;
}

static void print_rdata(const unsigned char *msg, int len, int p, int type, int rdlen)
{
	char name[1100], name2[1100];
	int q = p, end = p + rdlen;
	char buf[INET6_ADDRSTRLEN];
	switch (type) {
	case 1:
		if (rdlen == 4 && inet_ntop(AF_INET, msg + p, buf, sizeof buf)) {
			printf(" %s", buf);
			return;
		}
		break;
	case 28:
		if (rdlen == 16 && inet_ntop(AF_INET6, msg + p, buf, sizeof buf)) {
			printf(" %s", buf);
			return;
		}
		break;
	case 2: case 5: case 12:
		if (!get_name(msg, len, &q, name, sizeof name) && q == end) {
			printf(" %s", name);
			return;
		}
		break;
	case 15:
		q += 2;
		if (rdlen > 2 && !get_name(msg, len, &q, name, sizeof name) && q == end) {
			printf(" %u %s", get16(msg + p), name);
			return;
		}
		break;
	case 33:
		q += 6;
		if (rdlen > 6 && !get_name(msg, len, &q, name, sizeof name) && q == end) {
			printf(" %u %u %u %s", get16(msg + p), get16(msg + p + 2), get16(msg + p + 4), name);
			return;
		}
		break;
	case 6:
		if (!get_name(msg, len, &q, name, sizeof name) && !get_name(msg, len, &q, name2, sizeof name2)
		    && q + 20 == end) {
			printf(" %s %s %lu %lu %lu %lu %lu", name, name2, get32(msg + q), get32(msg + q + 4),
			       get32(msg + q + 8), get32(msg + q + 12), get32(msg + q + 16));
			return;
		}
		break;
	case 16: {
		/* strings=N bytes=total fnv=hash of the concatenation head=first 16 bytes */
		int n, total;
		unsigned long h;
		char head[17];
		if (!txt_summary(msg, q, end, &n, &total, &h, head, 16, "\"")) {
			printf(" strings=%d bytes=%d fnv=%08lx head=\"%s\"", n, total, h, head);
			return;
		}
		break;
	}
	}
	printf(" rdlen=%d", rdlen);
}

/* The message msg[0..len) as canonical lines (len: what the buffer holds). */
static void print_message(const unsigned char *msg, int len)
{
	static const char *sect[] = {"an", "ns", "ar"};
	int pos = 12, i, s, cnt[4];
	char name[1100];
	if (len < 12) {
		printf("short %d\n", len);
		return;
	}
	for (i = 0; i < 4; i++) cnt[i] = get16(msg + 4 + 2 * i);
	printf("hdr qr=%d opcode=%d aa=%d tc=%d rd=%d ra=%d ad=%d cd=%d rcode=%s qd=%d an=%d ns=%d ar=%d\n",
	       msg[2] >> 7, (msg[2] >> 3) & 15, (msg[2] >> 2) & 1, (msg[2] >> 1) & 1, msg[2] & 1,
	       msg[3] >> 7, (msg[3] >> 5) & 1, (msg[3] >> 4) & 1, rcode_name(msg[3] & 15), cnt[0],
	       cnt[1], cnt[2], cnt[3]);
	for (i = 0; i < cnt[0]; i++) {
		if (get_name(msg, len, &pos, name, sizeof name) || pos + 4 > len) {
			printf("cut\n");
			return;
		}
		printf("q %s %s %u\n", name, rrtype_name(get16(msg + pos)), get16(msg + pos + 2));
		pos += 4;
	}
	for (s = 0; s < 3; s++)
		for (i = 0; i < cnt[s + 1]; i++) {
			int type, class, rdlen;
			unsigned long ttl;
			if (get_name(msg, len, &pos, name, sizeof name) || pos + 10 > len) {
				printf("cut\n");
				return;
			}
			type = get16(msg + pos);
			class = get16(msg + pos + 2);
			ttl = get32(msg + pos + 4);
			rdlen = get16(msg + pos + 8);
			pos += 10;
			if (pos + rdlen > len) {
				printf("cut\n");
				return;
			}
			if (type == 41)
				printf("%s %s OPT payload=%d", sect[s], name, class);
			else
				printf("%s %s %lu %s", sect[s], name, ttl, rrtype_name(type));
			if (type != 41)
				print_rdata(msg, len, pos, type, rdlen);
			printf("\n");
			pos += rdlen;
		}
	if (pos != len)
		printf("trailing %d\n", len - pos);
}

/* Options shared by the res_* commands. */
struct res_opts {
	int class, type, buflen, old, repeat, edns, ad, dump_on_fail, op;
};

static int res_options(int argc, char **argv, struct res_opts *o)
{
	int i;
	o->class = 1;
	o->type = 1;
	o->buflen = 65536;
	o->old = 0;
	o->repeat = 1;
	o->edns = -1;
	o->ad = 0;
	o->dump_on_fail = 0;
	o->op = 0;
	for (i = 0; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(opt, "--old")) { o->old = 1; continue; }
		if (!strcmp(opt, "--ad")) { o->ad = 1; continue; }
		if (!strcmp(opt, "--dump-on-fail")) { o->dump_on_fail = 1; continue; }
		if (!val)
			return -1;
		i++;
		if (!strcmp(opt, "--class")) {
			if (!strcasecmp(val, "in")) o->class = 1;
			else if (parse_int(val, &o->class)) return -1;
		} else if (!strcmp(opt, "--type")) {
			if (parse_rrtype(val, &o->type)) return -1;
		} else if (!strcmp(opt, "--buflen")) {
			if (parse_int(val, &o->buflen) || o->buflen < 0) return -1;
		} else if (!strcmp(opt, "--repeat")) {
			if (parse_int(val, &o->repeat) || o->repeat < 1) return -1;
		} else if (!strcmp(opt, "--edns")) {
			if (parse_int(val, &o->edns) || o->edns < 0 || o->edns > 65535) return -1;
		} else if (!strcmp(opt, "--op")) {
			if (parse_int(val, &o->op)) return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

/* "res N" + the message, or "res -1 h_errno=X". n > buflen (glibc over TCP) prints what the
 * buffer holds. */
static int res_report(int n, const unsigned char *buf, int buflen, int herr, int dump)
{
	if (n < 0) {
		printf("res -1 h_errno=%s\n", herr_name(herr));
		if (dump)
			print_message(buf, buflen < 512 ? buflen : 512);
		return herr == HOST_NOT_FOUND || herr == NO_DATA ? 2 : 3;
	}
	if (n > buflen)
		printf("res %d buflen=%d\n", n, buflen);
	else
		printf("res %d\n", n);
	print_message(buf, n < buflen ? n : buflen);
	return 0;
}

static int cmd_res(const char *cmd, int argc, char **argv)
{
	struct res_opts o;
	const char *name, *domain = NULL;
	unsigned char *buf;
	int need = !strcmp(cmd, "res_querydomain") ? 2 : 1, n = -1, k, ok = 0, herr;
	void *fn;

	if (argc < need || res_options(argc - need, argv + need, &o))
		return usage();
	name = argv[0];
	if (need == 2)
		domain = strcmp(argv[1], "-") ? argv[1] : NULL;
	fn = pick(cmd, o.old);
	if (!fn) {
		printf("nosym\n");
		return 5;
	}
	buf = calloc(1, o.buflen + 1);
	if (!buf)
		return 1;
	for (k = 0; k < o.repeat; k++) {
		h_errno = 0;
		memset(buf, 0, o.buflen);
		start_clock();
		if (need == 2)
			n = ((querydomain_fn)fn)(name, domain, o.class, o.type, buf, o.buflen);
		else
			n = ((query_fn)fn)(name, o.class, o.type, buf, o.buflen);
		stop_clock();
		ok += n >= 0;
	}
	herr = h_errno;
	if (o.repeat > 1)
		printf("calls %d ok %d\n", o.repeat, ok);
	k = res_report(n, buf, o.buflen, herr, o.dump_on_fail);
	free(buf);
	return k;
}

/* Encodes NAME (dots between labels, no escapes) as a query: ID 0x4242, RD, AD with --ad,
 * an OPT record with --edns PAYLOAD. */
static int build_query(const char *name, const struct res_opts *o, unsigned char *q, int qlen)
{
	int p = 12;
	const char *s = name, *dot;
	memset(q, 0, 12);
	q[0] = 0x42;
	q[1] = 0x42;
	q[2] = 0x01;
	q[3] = o->ad ? 0x20 : 0;
	q[5] = 1;
	if (*s == '.' && !s[1])
		s++;
	while (*s) {
		int l;
		dot = strchr(s, '.');
		l = dot ? dot - s : (int)strlen(s);
		if (l < 1 || l > 63 || p + l + 1 > qlen - 16)
			return -1;
		q[p++] = l;
		memcpy(q + p, s, l);
		p += l;
		s += l;
		if (*s == '.')
			s++;
	}
	q[p++] = 0;
	q[p++] = o->type >> 8;
	q[p++] = o->type;
	q[p++] = o->class >> 8;
	q[p++] = o->class;
	if (o->edns >= 0) {
		q[11] = 1;
		q[p++] = 0;
		q[p++] = 0;
		q[p++] = 41;
		q[p++] = o->edns >> 8;
		q[p++] = o->edns;
		memset(q + p, 0, 6);
		p += 6;
	}
	return p;
}

static int cmd_res_send(int argc, char **argv)
{
	struct res_opts o;
	unsigned char q[512], *buf;
	int ql, n, rc;
	void *fn;

	if (argc < 1 || res_options(argc - 1, argv + 1, &o))
		return usage();
	fn = pick("res_send", o.old);
	if (!fn) {
		printf("nosym\n");
		return 5;
	}
	ql = build_query(argv[0], &o, q, sizeof q);
	if (ql < 0)
		return usage();
	buf = calloc(1, o.buflen + 1);
	if (!buf)
		return 1;
	errno = 0;
	start_clock();
	n = ((send_fn)fn)(q, ql, buf, o.buflen);
	stop_clock();
	if (n < 0) {
		printf("send -1\n");
		rc = 3;
	} else {
		printf(n > o.buflen ? "send %d buflen=%d\n" : "send %d\n", n, o.buflen);
		if (n >= 2 && o.buflen >= 2 && (buf[0] != 0x42 || buf[1] != 0x42))
			printf("id-mismatch\n");
		print_message(buf, n < o.buflen ? n : o.buflen);
		rc = 0;
	}
	free(buf);
	return rc;
}

static int cmd_res_mkquery(int argc, char **argv)
{
	struct res_opts o;
	unsigned char *buf;
	int n, i;
	void *fn;

	if (argc < 1 || res_options(argc - 1, argv + 1, &o))
		return usage();
	if (o.buflen > 4096)
		o.buflen = 4096;
	fn = pick("res_mkquery", o.old);
	if (!fn) {
		printf("nosym\n");
		return 5;
	}
	buf = calloc(1, o.buflen + 1);
	if (!buf)
		return 1;
	n = ((mkquery_fn)fn)(o.op, strcmp(argv[0], "-") ? argv[0] : "", o.class, o.type, NULL, 0,
			     NULL, buf, o.buflen);
	if (n < 0) {
		printf("mkquery -1\n");
		free(buf);
		return 3;
	}
	/* The ID (first two bytes) is random: left out. */
	printf("mkquery %d\nbytes ", n);
	for (i = 2; i < n; i++)
		printf("%02x", buf[i]);
	printf("\n");
	print_message(buf, n);
	free(buf);
	return 0;
}

static int cmd_res_init(int argc, char **argv)
{
	void *fn = pick("res_init", argc == 1 && !strcmp(argv[0], "--old"));
	if (argc > 1 || (argc == 1 && strcmp(argv[0], "--old")))
		return usage();
	if (!fn) {
		printf("nosym\n");
		return 5;
	}
	printf("res_init %d\n", ((init_fn)fn)());
	return 0;
}

/* --flags of gni. */
static const struct code_name ni_flag_names[] = {
	{NI_NUMERICHOST, "numerichost"},
	{NI_NUMERICSERV, "numericserv"},
	{NI_NOFQDN, "nofqdn"},
	{NI_NAMEREQD, "namereqd"},
	{NI_DGRAM, "dgram"},
	{NI_NUMERICSCOPE, "numericscope"},
};

/* gni ADDR PORT [--flags ...] [--hostlen N|null] [--servlen N|null] [--salen N]
 * ADDR may carry %SCOPE (a number or an interface name). Prints "gni OK host=H serv=S"
 * ("(null)" for a buffer not passed) or "gni EAI_xxx". */
static int cmd_gni(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	char addr[128], *pct, *host = NULL, *serv = NULL;
	int port, flags = 0, hostlen = 1025, servlen = 32, salen = -1, rc, i;
	int hostnull = 0, servnull = 0;
	socklen_t len;

	if (argc < 2 || strlen(argv[0]) >= sizeof addr || parse_int(argv[1], &port))
		return usage();
	for (i = 2; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!val)
			return usage();
		i++;
		if (!strcmp(opt, "--flags")) {
			if (parse_flag_list(val, ni_flag_names, COUNT(ni_flag_names), &flags))
				return usage();
		} else if (!strcmp(opt, "--hostlen")) {
			if (!strcmp(val, "null")) hostnull = 1;
			else if (parse_int(val, &hostlen) || hostlen < 0) return usage();
		} else if (!strcmp(opt, "--servlen")) {
			if (!strcmp(val, "null")) servnull = 1;
			else if (parse_int(val, &servlen) || servlen < 0) return usage();
		} else if (!strcmp(opt, "--salen")) {
			if (parse_int(val, &salen)) return usage();
		} else {
			return usage();
		}
	}
	strcpy(addr, argv[0]);
	memset(&ss, 0, sizeof ss);
	pct = strchr(addr, '%');
	if (pct)
		*pct++ = 0;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1 && !pct) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		len = sizeof *s4;
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (pct) {
			int v;
			if (!parse_int(pct, &v))
				s6->sin6_scope_id = v;
			else if (!(s6->sin6_scope_id = if_nametoindex(pct)))
				return usage();
		}
		len = sizeof *s6;
	} else {
		return usage();
	}
	if (salen >= 0)
		len = salen;
	if (!hostnull)
		host = calloc(1, hostlen + 1);
	if (!servnull)
		serv = calloc(1, servlen + 1);
	start_clock();
	rc = getnameinfo((void *)&ss, len, host, hostnull ? 0 : hostlen, serv,
			 servnull ? 0 : servlen, flags);
	stop_clock();
	if (rc) {
		printf("gni %s\n", eai_name(rc));
		if (rc == EAI_SYSTEM)
			printf("errno %s\n", errno_name(errno));
	} else {
		printf("gni OK host=%s serv=%s\n", host && hostlen ? host : "(null)",
		       serv && servlen ? serv : "(null)");
	}
	free(host);
	free(serv);
	return rc == 0 ? 0 : rc == EAI_NONAME ? 2 : 3;
}

/* gethostbyaddr_r with BUFLEN bytes and a canary after them, doubling BUFLEN after ERANGE
 * (as ghbn_r_retry). */
static int cmd_ghba_r_retry(int argc, char **argv)
{
	struct r_call c = {0};
	int buflen;

	if (argc != 2 || parse_addr(argv[0], c.addr, &c.family, &c.len)
	    || parse_int(argv[1], &buflen) || buflen < 0)
		return usage();
	return retry_r(&c, buflen);
}

/* The commands above; -1 when CMD is not one of them. */
static int dispatch_res(const char *cmd, int argc, char **argv)
{
	if (!strcmp(cmd, "res_query") || !strcmp(cmd, "res_search")
	    || !strcmp(cmd, "res_querydomain"))
		return cmd_res(cmd, argc, argv);
	if (!strcmp(cmd, "res_send"))
		return cmd_res_send(argc, argv);
	if (!strcmp(cmd, "res_mkquery"))
		return cmd_res_mkquery(argc, argv);
	if (!strcmp(cmd, "res_init"))
		return cmd_res_init(argc, argv);
	if (!strcmp(cmd, "gni"))
		return cmd_gni(argc, argv);
	if (!strcmp(cmd, "ghba_r_retry"))
		return cmd_ghba_r_retry(argc, argv);
	return -1;
}

int main(int argc, char **argv)
{
	char *args[64];
	int n = 0, i, rc;

	/* --time may appear anywhere; strip it. */
	for (i = 1; i < argc && n < 63; i++) {
		if (!strcmp(argv[i], "--time"))
			want_time = 1;
		else if (!strcmp(argv[i], "--nullname"))
			null_name = 1;
		else
			args[n++] = argv[i];
	}
	args[n] = NULL;
	if (n < 1)
		return usage();
	if (!strcmp(args[0], "gai"))
		rc = cmd_gai(n - 1, args + 1);
	else if (!strcmp(args[0], "ghbn") || !strcmp(args[0], "ghbn2"))
		rc = cmd_ghbn(args[0], n - 1, args + 1);
	else if (!strcmp(args[0], "ghbn_r"))
		rc = cmd_ghbn_r(n - 1, args + 1);
	else if (!strcmp(args[0], "ghba"))
		rc = cmd_ghba(n - 1, args + 1);
	else if (!strcmp(args[0], "ghba_r"))
		rc = cmd_ghba_r(n - 1, args + 1);
	else if (!strcmp(args[0], "ghbn_r_retry"))
		rc = cmd_ghbn_r_retry(n - 1, args + 1);
	else if (!strcmp(args[0], "freeaddrinfo_null"))
		rc = cmd_freeaddrinfo_null();
	else if ((rc = dispatch_res(args[0], n - 1, args + 1)) == -1)
		rc = usage();
	fflush(stdout);
	return rc;
}
