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
 *   --time (anywhere): prints "time_ms=N" on stderr, the time spent in the libc call.
 *   --nullname (anywhere): ghbn, ghbn2 and ghbn_r pass NULL instead of NAME.
 *
 * Exit status: 0 success, 2 not found (EAI_NONAME, EAI_NODATA, HOST_NOT_FOUND, NO_DATA),
 * 3 any other resolver error, 1 usage error, 4 a write past the caller's buffer (ghbn_r_retry).
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
#ifndef NETDB_INTERNAL
#define NETDB_INTERNAL -1
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

static const char *eai_name(int e)
{
	static char buf[32];
	switch (e) {
	case 0: return "OK";
	case -1: return "EAI_BADFLAGS";
	case -2: return "EAI_NONAME";
	case -3: return "EAI_AGAIN";
	case -4: return "EAI_FAIL";
	case -5: return "EAI_NODATA";
	case -6: return "EAI_FAMILY";
	case -7: return "EAI_SOCKTYPE";
	case -8: return "EAI_SERVICE";
	case -9: return "EAI_ADDRFAMILY";
	case -10: return "EAI_MEMORY";
	case -11: return "EAI_SYSTEM";
	case -12: return "EAI_OVERFLOW";
	}
	snprintf(buf, sizeof buf, "EAI_UNKNOWN(%d)", e);
	return buf;
}

static const char *herr_name(int e)
{
	static char buf[32];
	switch (e) {
	case NETDB_INTERNAL: return "NETDB_INTERNAL";
	case 0: return "NETDB_SUCCESS";
	case HOST_NOT_FOUND: return "HOST_NOT_FOUND";
	case TRY_AGAIN: return "TRY_AGAIN";
	case NO_RECOVERY: return "NO_RECOVERY";
	case NO_DATA: return "NO_DATA";
	}
	snprintf(buf, sizeof buf, "H_UNKNOWN(%d)", e);
	return buf;
}

static const char *errno_name(int e)
{
	static char buf[32];
	switch (e) {
	case 0: return "0";
	case ERANGE: return "ERANGE";
	case ENOENT: return "ENOENT";
	case EAGAIN: return "EAGAIN";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EBADMSG: return "EBADMSG";
	case ENXIO: return "ENXIO";
	}
	snprintf(buf, sizeof buf, "E(%d)", e);
	return buf;
}

static const char *family_name(int f)
{
	static char buf[16];
	switch (f) {
	case AF_INET: return "inet";
	case AF_INET6: return "inet6";
	case AF_UNSPEC: return "unspec";
	}
	snprintf(buf, sizeof buf, "%d", f);
	return buf;
}

static const char *socktype_name(int t)
{
	static char buf[16];
	switch (t) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_RAW: return "raw";
	case 0: return "0";
	}
	snprintf(buf, sizeof buf, "%d", t);
	return buf;
}

static const char *proto_name(int p)
{
	static char buf[16];
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case 0: return "0";
	}
	snprintf(buf, sizeof buf, "%d", p);
	return buf;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: probe [--time] gai NAME|- [--family F] [--socktype T] [--protocol P]\n"
		"             [--flags a,b,...] [--service SVC] [--nullhints]\n"
		"             [--show-flags] [--nullres]\n"
		"       probe [--time] [--nullname] ghbn NAME | ghbn2 NAME inet|inet6|N"
		" | ghbn_r NAME [BUFLEN]\n"
		"             | ghba ADDR | ghba_r ADDR [BUFLEN]\n"
		"       probe ghbn_r_retry NAME BUFLEN | freeaddrinfo_null\n");
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

static int parse_family(const char *s, int *out)
{
	if (!strcmp(s, "inet")) *out = AF_INET;
	else if (!strcmp(s, "inet6")) *out = AF_INET6;
	else if (!strcmp(s, "unspec")) *out = AF_UNSPEC;
	else return parse_int(s, out);
	return 0;
}

static int parse_flags(const char *s, int *out)
{
	char buf[256], *tok, *save;
	if (strlen(s) >= sizeof buf)
		return -1;
	strcpy(buf, s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "canonname")) *out |= AI_CANONNAME;
		else if (!strcmp(tok, "passive")) *out |= AI_PASSIVE;
		else if (!strcmp(tok, "numerichost")) *out |= AI_NUMERICHOST;
		else if (!strcmp(tok, "numericserv")) *out |= AI_NUMERICSERV;
		else if (!strcmp(tok, "v4mapped")) *out |= AI_V4MAPPED;
		else if (!strcmp(tok, "all")) *out |= AI_ALL;
		else if (!strcmp(tok, "addrconfig")) *out |= AI_ADDRCONFIG;
		else if (!strcmp(tok, "0")) ;
		else {
			int v;
			if (parse_int(tok, &v))
				return -1;
			*out |= v;
		}
	}
	return 0;
}

/* Address text; IPv6 scope ids appended as %N. */
static void format_addr(const struct sockaddr *sa, char *out, size_t len, int *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, out, len);
		*port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, out, len);
		if (s6->sin6_scope_id)
			snprintf(out + strlen(out), len - strlen(out), "%%%u",
				 (unsigned)s6->sin6_scope_id);
		*port = ntohs(s6->sin6_port);
	} else {
		snprintf(out, len, "sa_family(%d)", sa->sa_family);
		*port = -1;
	}
}

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
			if (!strcmp(val, "stream")) hints.ai_socktype = SOCK_STREAM;
			else if (!strcmp(val, "dgram")) hints.ai_socktype = SOCK_DGRAM;
			else if (!strcmp(val, "raw")) hints.ai_socktype = SOCK_RAW;
			else if (parse_int(val, &hints.ai_socktype)) return usage();
		} else if (!strcmp(opt, "--protocol")) {
			if (!strcmp(val, "tcp")) hints.ai_protocol = IPPROTO_TCP;
			else if (!strcmp(val, "udp")) hints.ai_protocol = IPPROTO_UDP;
			else if (parse_int(val, &hints.ai_protocol)) return usage();
		} else if (!strcmp(opt, "--flags")) {
			if (parse_flags(val, &hints.ai_flags)) return usage();
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
		format_addr(ai->ai_addr, addr, sizeof addr, &port);
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
	if (!h) {
		printf("h_errno=%s\n", herr_name(h_errno));
		return herr_status(h_errno);
	}
	print_hostent(h);
	return 0;
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
	if (ret || !res) {
		printf("h_errno=%s ret=%s\n", herr_name(herr), errno_name(ret));
		free(buf);
		return ret == ERANGE ? 3 : herr_status(herr);
	}
	print_hostent(res);
	free(buf);
	return 0;
}

static int cmd_ghba(int argc, char **argv)
{
	unsigned char addr[16];
	struct hostent *h;
	int family = AF_INET;
	socklen_t len = 4;

	if (argc != 1)
		return usage();
	if (inet_pton(AF_INET, argv[0], addr) != 1) {
		family = AF_INET6;
		len = 16;
		if (inet_pton(AF_INET6, argv[0], addr) != 1)
			return usage();
	}
	h_errno = 0;
	start_clock();
	h = gethostbyaddr(addr, len, family);
	stop_clock();
	if (!h) {
		printf("h_errno=%s\n", herr_name(h_errno));
		return herr_status(h_errno);
	}
	print_hostent(h);
	return 0;
}

/* Bytes after the caller's buffer that must stay untouched. */
#define CANARY_LEN 64
#define CANARY_BYTE 0xa5

static int cmd_ghbn_r_retry(int argc, char **argv)
{
	struct hostent he, *res;
	int herr, ret, buflen, i, ok;
	unsigned char *buf;

	if (argc != 2 || parse_int(argv[1], &buflen) || buflen < 0)
		return usage();
	for (;;) {
		buf = malloc(buflen + CANARY_LEN);
		if (!buf)
			return 1;
		memset(buf + buflen, CANARY_BYTE, CANARY_LEN);
		herr = 0;
		res = NULL;
		ret = gethostbyname_r(argv[0], &he, (char *)buf, buflen, &res, &herr);
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
	if (ret || !res) {
		printf("h_errno=%s ret=%s\n", herr_name(herr), errno_name(ret));
		free(buf);
		return ret == ERANGE ? 3 : herr_status(herr);
	}
	print_hostent(res);
	free(buf);
	return 0;
}

static int cmd_freeaddrinfo_null(void)
{
	freeaddrinfo(NULL);
	printf("freeaddrinfo(NULL) returned\n");
	return 0;
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
	else
		rc = usage();
	fflush(stdout);
	return rc;
}
