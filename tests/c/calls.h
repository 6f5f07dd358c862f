/*
 * Every resolver export, as one call each, for the programs that run them under scarce
 * resources (tests/c/scarce.c: small stacks, few descriptors; tests/c/oom.c: failing malloc).
 *
 * A call is one argument word: "KIND ARG...", e.g. "gai big.test unspec" or "resq big.test A".
 *
 *   gai NAME inet|inet6|unspec [canon]   getaddrinfo (SOCK_STREAM), then freeaddrinfo
 *   ghbn NAME                            gethostbyname
 *   ghbn2 NAME inet|inet6                gethostbyname2
 *   ghbnr NAME                           gethostbyname_r, 1 MiB buffer
 *   ghbn2r NAME inet|inet6               gethostbyname2_r, 1 MiB buffer
 *   ghba ADDR                            gethostbyaddr
 *   ghbar ADDR                           gethostbyaddr_r, 1 MiB buffer
 *   gni ADDR [namereqd]                  getnameinfo, host and service (port 80)
 *   resq NAME A|AAAA|PTR|TXT             res_query, class IN, 64 KiB answer buffer
 *   ress NAME TYPE                       res_search
 *   resqd NAME DOMAIN TYPE               res_querydomain
 *   resmk NAME TYPE                      res_mkquery (QUERY)
 *   ressend NAME TYPE                    res_mkquery, then res_send of that query
 *   resinit                              res_init
 *   gaistr                               gai_strerror(EAI_AGAIN)
 *
 * The call itself does no formatting (printf's own stack would be measured with it on a small
 * stack): it fills a struct result, which call_text() turns into one line afterwards. Each
 * function is looked up once with dlsym(RTLD_DEFAULT) (what the program's own references bind
 * to: the shim when it is preloaded) and called through that pointer, and calls_warm_up()
 * binds what run_call uses itself, so that no lazy PLT binding (glibc's _dl_runtime_resolve
 * saves the vector registers on the stack) runs inside a measured call.
 */
#ifndef DNSSHIM_TESTS_C_CALLS_H
#define DNSSHIM_TESTS_C_CALLS_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common.h"

#ifndef EAI_NODATA
#define EAI_NODATA -5
#endif

NAME_FN(eai_name, eai_names, "EAI_UNKNOWN(", ")")
NAME_FN(herr_name, herr_names, "H_UNKNOWN(", ")")

static const struct code_name call_errno_names[] = {
	{0, "0"},           {ERANGE, "ERANGE"}, {ENOENT, "ENOENT"},   {EAGAIN, "EAGAIN"},
	{EINVAL, "EINVAL"}, {ENOMEM, "ENOMEM"}, {EBADMSG, "EBADMSG"}, {EMFILE, "EMFILE"},
	{ENFILE, "ENFILE"}, {EAFNOSUPPORT, "EAFNOSUPPORT"},
};
NAME_FN(errno_name, call_errno_names, "E", "")

#define CALL_WORDS 5
#define CALL_BUF (1 << 20)

/* What a call did, filled inside the call, formatted after it. */
struct result {
	int rc;           /* return value (or the sign of a pointer: 0 NULL, 1 not) */
	int h;            /* h_errno after the call (hostent and res_ functions) */
	int herr_r;       /* *h_errnop of the _r functions */
	int err;          /* errno after the call */
	long count;       /* addresses, or bytes of a res_ answer */
	int family;       /* of the first address */
	unsigned char first[16];
	char name[300];   /* h_name, getnameinfo's host, gai's canonical name */
	char serv[32];
	int kind;
};

enum { K_GAI, K_HOSTENT, K_HOSTENT_R, K_GNI, K_RES, K_STR, K_USAGE };

/* The functions, through dlsym (see the header comment). */
static struct {
	int (*gai)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
	void (*freeai)(struct addrinfo *);
	struct hostent *(*ghbn)(const char *);
	struct hostent *(*ghbn2)(const char *, int);
	int (*ghbnr)(const char *, struct hostent *, char *, size_t, struct hostent **, int *);
	int (*ghbn2r)(const char *, int, struct hostent *, char *, size_t, struct hostent **,
		      int *);
	struct hostent *(*ghba)(const void *, socklen_t, int);
	int (*ghbar)(const void *, socklen_t, int, struct hostent *, char *, size_t,
		     struct hostent **, int *);
	int (*gni)(const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int);
	int (*resq)(const char *, int, int, unsigned char *, int);
	int (*ress)(const char *, int, int, unsigned char *, int);
	int (*resqd)(const char *, const char *, int, int, unsigned char *, int);
	int (*resmk)(int, const char *, int, int, const unsigned char *, int,
		     const unsigned char *, unsigned char *, int);
	int (*ressend)(const unsigned char *, int, unsigned char *, int);
	int (*resinit)(void);
	const char *(*gaistr)(int);
} fn;

static void *must_sym(const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);
	if (!p) {
		fprintf(stderr, "no symbol %s\n", name);
		exit(1);
	}
	return p;
}

static void calls_init(void)
{
	fn.gai = must_sym("getaddrinfo");
	fn.freeai = must_sym("freeaddrinfo");
	fn.ghbn = must_sym("gethostbyname");
	fn.ghbn2 = must_sym("gethostbyname2");
	fn.ghbnr = must_sym("gethostbyname_r");
	fn.ghbn2r = must_sym("gethostbyname2_r");
	fn.ghba = must_sym("gethostbyaddr");
	fn.ghbar = must_sym("gethostbyaddr_r");
	fn.gni = must_sym("getnameinfo");
	fn.resq = must_sym("res_query");
	fn.ress = must_sym("res_search");
	fn.resqd = must_sym("res_querydomain");
	fn.resmk = must_sym("res_mkquery");
	fn.ressend = must_sym("res_send");
	/* glibc's <resolv.h> calls it __res_init; musl has res_init only. */
	fn.resinit = dlsym(RTLD_DEFAULT, "__res_init");
	if (!fn.resinit)
		fn.resinit = must_sym("res_init");
	fn.gaistr = must_sym("gai_strerror");
}

static void run_call(char **w, int n, struct result *r);
static int parse_addr(const char *s, unsigned char *out);

/* A call of no kind and an address parsed: binds, in the process that will fork the calls,
 * the C library functions run_call itself uses (__errno_location, __h_errno_location, strcmp,
 * memset, inet_pton: glibc binds a program's references on first use, saving the vector
 * registers on the stack meanwhile, which would be measured as part of the first call). */
static void calls_warm_up(void)
{
	char nop[] = "nop";
	char *w[1] = {nop};
	unsigned char a[16];
	struct result r;
	run_call(w, 1, &r);
	parse_addr("::1", a);
}

/* Buffers of the calls: static, so that no small stack holds them. */
static char hostent_buf[CALL_BUF];
static unsigned char answer_buf[65536];
static unsigned char query_buf[1024];

static int family_of(const char *s)
{
	if (!s || !strcmp(s, "unspec"))
		return AF_UNSPEC;
	return strcmp(s, "inet6") ? AF_INET : AF_INET6;
}

static int type_of(const char *s)
{
	if (!s)
		return 1;
	if (!strcmp(s, "AAAA"))
		return 28;
	if (!strcmp(s, "PTR"))
		return 12;
	if (!strcmp(s, "TXT"))
		return 16;
	return 1;
}

static void copy_name(char *dst, size_t len, const char *src)
{
	size_t n;
	if (!src) {
		dst[0] = 0;
		return;
	}
	n = strlen(src);
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void take_hostent(struct result *r, const struct hostent *h)
{
	char **a;
	r->count = 0;
	if (!h)
		return;
	copy_name(r->name, sizeof r->name, h->h_name);
	r->family = h->h_addrtype;
	for (a = h->h_addr_list; *a; a++) {
		if (!r->count)
			memcpy(r->first, *a, h->h_length == 16 ? 16 : 4);
		r->count++;
	}
}

/* After a non-reentrant hostent call: errno, h_errno, NULL or not, the entry. */
static void hostent_done(struct result *r, const struct hostent *res)
{
	r->err = errno;
	r->h = h_errno;
	r->rc = res != NULL;
	take_hostent(r, res);
}

/* After an _r call that returned rc: errno, h_errno, the entry. */
static void hostent_r_done(struct result *r, int rc, const struct hostent *res)
{
	r->rc = rc;
	r->err = errno;
	r->h = h_errno;
	take_hostent(r, res);
}

/* An address argument: family and bytes; 0 when it is not an address. */
static int parse_addr(const char *s, unsigned char *out)
{
	if (s && inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (s && inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	return 0;
}

/* Runs the call `w[0..n)` (w[0] the kind), filling *r. */
static void run_call(char **w, int n, struct result *r)
{
	const char *k = w[0], *a1 = n > 1 ? w[1] : NULL, *a2 = n > 2 ? w[2] : NULL;
	const char *a3 = n > 3 ? w[3] : NULL;
	struct hostent he, *res = NULL;
	unsigned char addr[16];
	int af;
	memset(r, 0, sizeof *r);
	r->kind = K_USAGE;
	errno = 0;
	h_errno = 0;
	if (!strcmp(k, "gai") && a1) {
		struct addrinfo hints, *ai = NULL, *p;
		memset(&hints, 0, sizeof hints);
		hints.ai_family = family_of(a2);
		hints.ai_socktype = SOCK_STREAM;
		if (a3 && !strcmp(a3, "canon"))
			hints.ai_flags = AI_CANONNAME;
		r->kind = K_GAI;
		r->rc = fn.gai(a1, NULL, &hints, &ai);
		r->err = errno;
		if (r->rc == 0) {
			for (p = ai; p; p = p->ai_next) {
				if (!r->count) {
					r->family = p->ai_family;
					if (p->ai_family == AF_INET)
						memcpy(r->first,
						       &((struct sockaddr_in *)p->ai_addr)->sin_addr, 4);
					else
						memcpy(r->first,
						       &((struct sockaddr_in6 *)p->ai_addr)->sin6_addr,
						       16);
				}
				r->count++;
			}
			copy_name(r->name, sizeof r->name, ai->ai_canonname);
			fn.freeai(ai);
		}
	} else if (!strcmp(k, "ghbn") && a1) {
		r->kind = K_HOSTENT;
		hostent_done(r, fn.ghbn(a1));
	} else if (!strcmp(k, "ghbn2") && a1) {
		r->kind = K_HOSTENT;
		hostent_done(r, fn.ghbn2(a1, family_of(a2)));
	} else if (!strcmp(k, "ghbnr") && a1) {
		r->kind = K_HOSTENT_R;
		r->herr_r = -99;
		af = fn.ghbnr(a1, &he, hostent_buf, sizeof hostent_buf, &res, &r->herr_r);
		hostent_r_done(r, af, res);
	} else if (!strcmp(k, "ghbn2r") && a1) {
		r->kind = K_HOSTENT_R;
		r->herr_r = -99;
		af = fn.ghbn2r(a1, family_of(a2), &he, hostent_buf, sizeof hostent_buf, &res,
			       &r->herr_r);
		hostent_r_done(r, af, res);
	} else if (!strcmp(k, "ghba") && (af = parse_addr(a1, addr))) {
		r->kind = K_HOSTENT;
		hostent_done(r, fn.ghba(addr, af == AF_INET ? 4 : 16, af));
	} else if (!strcmp(k, "ghbar") && (af = parse_addr(a1, addr))) {
		r->kind = K_HOSTENT_R;
		r->herr_r = -99;
		af = fn.ghbar(addr, af == AF_INET ? 4 : 16, af, &he, hostent_buf,
			      sizeof hostent_buf, &res, &r->herr_r);
		hostent_r_done(r, af, res);
	} else if (!strcmp(k, "gni") && (af = parse_addr(a1, addr))) {
		union {
			struct sockaddr sa;
			struct sockaddr_in s4;
			struct sockaddr_in6 s6;
		} u;
		int flags = a2 && !strcmp(a2, "namereqd") ? NI_NAMEREQD : 0;
		r->kind = K_GNI;
		memset(&u, 0, sizeof u);
		u.sa.sa_family = af;
		if (af == AF_INET) {
			u.s4.sin_port = htons(80);
			memcpy(&u.s4.sin_addr, addr, 4);
		} else {
			u.s6.sin6_port = htons(80);
			memcpy(&u.s6.sin6_addr, addr, 16);
		}
		r->rc = fn.gni(&u.sa, af == AF_INET ? sizeof u.s4 : sizeof u.s6, r->name, 256,
			       r->serv, sizeof r->serv, flags);
		r->err = errno;
	} else if ((!strcmp(k, "resq") || !strcmp(k, "ress")) && a1) {
		r->kind = K_RES;
		r->rc = (k[3] == 'q' ? fn.resq : fn.ress)(a1, 1, type_of(a2), answer_buf,
							   sizeof answer_buf);
		r->err = errno;
		r->h = h_errno;
		r->count = r->rc;
	} else if (!strcmp(k, "resqd") && a1 && a2) {
		r->kind = K_RES;
		r->rc = fn.resqd(a1, a2, 1, type_of(a3), answer_buf, sizeof answer_buf);
		r->err = errno;
		r->h = h_errno;
		r->count = r->rc;
	} else if ((!strcmp(k, "resmk") || !strcmp(k, "ressend")) && a1) {
		r->kind = K_RES;
		r->rc = fn.resmk(0, a1, 1, type_of(a2), NULL, 0, NULL, query_buf, sizeof query_buf);
		r->err = errno;
		r->count = r->rc;
		if (r->rc > 0 && k[3] == 's') {
			r->rc = fn.ressend(query_buf, r->rc, answer_buf, sizeof answer_buf);
			r->err = errno;
			r->h = h_errno;
			r->count = r->rc;
		}
	} else if (!strcmp(k, "resinit")) {
		r->kind = K_RES;
		r->rc = fn.resinit();
		r->err = errno;
	} else if (!strcmp(k, "gaistr")) {
		r->kind = K_STR;
		copy_name(r->name, sizeof r->name, fn.gaistr(EAI_AGAIN));
		r->rc = r->name[0] != 0;
	}
}

/* Splits `call` (copied) into at most CALL_WORDS words at blanks. */
static int split_call(const char *call, char *copy, size_t len, char **w)
{
	int n = 0;
	char *p;
	copy_name(copy, len, call);
	for (p = strtok(copy, " "); p && n < CALL_WORDS; p = strtok(NULL, " "))
		w[n++] = p;
	return n;
}

/* The first address as text. */
static const char *first_text(const struct result *r, char *buf, size_t len)
{
	if (!r->count)
		return "-";
	inet_ntop(r->family == AF_INET6 ? AF_INET6 : AF_INET, r->first, buf, len);
	return buf;
}

/* One line for the result: "OK n=400 first=10.0.0.1 name=big.test", "EAI_AGAIN", ... */
static void call_text(const struct result *r, char *out, size_t len)
{
	char a[64];
	switch (r->kind) {
	case K_GAI:
	case K_GNI:
		if (r->rc)
			snprintf(out, len, "%s%s%s", eai_name(r->rc),
				 r->rc == EAI_SYSTEM ? " errno=" : "",
				 r->rc == EAI_SYSTEM ? errno_name(r->err) : "");
		else if (r->kind == K_GNI)
			snprintf(out, len, "OK host=%s serv=%s", r->name, r->serv);
		else
			snprintf(out, len, "OK n=%ld first=%s canon=%s", r->count,
				 first_text(r, a, sizeof a), r->name[0] ? r->name : "-");
		break;
	case K_HOSTENT:
		if (r->rc)
			snprintf(out, len, "OK n=%ld first=%s name=%s", r->count,
				 first_text(r, a, sizeof a), r->name);
		else
			snprintf(out, len, "NULL h_errno=%s errno=%s", herr_name(r->h),
				 errno_name(r->err));
		break;
	case K_HOSTENT_R:
		if (r->count || r->name[0])
			snprintf(out, len, "rc=%s OK n=%ld first=%s name=%s", errno_name(r->rc),
				 r->count, first_text(r, a, sizeof a), r->name);
		else
			snprintf(out, len, "rc=%s herr=%s h_errno=%s", errno_name(r->rc),
				 herr_name(r->herr_r), herr_name(r->h));
		break;
	case K_RES:
		if (r->rc >= 0)
			snprintf(out, len, "len=%d", r->rc);
		else
			snprintf(out, len, "-1 h_errno=%s errno=%s", herr_name(r->h),
				 errno_name(r->err));
		break;
	case K_STR:
		snprintf(out, len, "%s", r->rc ? "OK" : "EMPTY");
		break;
	default:
		snprintf(out, len, "USAGE");
	}
}

#endif
