/*
 * conform: the probe of the differential conformance suite (tests/conformance.rs). It calls
 * every resolver function the shim exports and prints one canonical line per call, so that
 * musl, musl + shim, glibc and glibc + shim can be compared line by line. Built with gcc
 * (glibc) and musl-gcc (musl).
 *
 *   conform SPEC...        each SPEC one argument, its words separated by spaces:
 *     init                 res_init
 *     strerror             gai_strerror of every EAI_* code
 *     host NAME [TYPE...]  gai NAME, ghbn NAME, and res NAME TYPE... (default type A)
 *     gai NAME [SET...]    getaddrinfo with the hint sets null, unspec, inet, inet6 (or
 *                          only those named, among them also inet-canon, inet6-plain and
 *                          unspec-plain), each result freed with freeaddrinfo
 *     ghbn NAME            gethostbyname, gethostbyname2(AF_INET6), gethostbyname_r,
 *                          gethostbyname2_r(AF_INET6); each _r call that succeeds is
 *                          followed by its smallest buffer (call_r: "ghbn_r.min NAME")
 *     ghbn4 NAME           gethostbyname2(AF_INET), gethostbyname2_r(AF_INET) (and its
 *                          smallest buffer)
 *     res NAME TYPE... [query|search|querydomain|send...]
 *                          per TYPE: res_query, res_search, res_querydomain (NAME split at
 *                          its first dot; no dot: domain ""), res_mkquery and res_send of
 *                          that query; only the calls named, when some are
 *     addr ADDR            gethostbyaddr, gethostbyaddr_r (and "ghba_r.min ADDR"), getnameinfo
 *                          with four flag sets
 *     rerr NAME [small]    gethostbyname_r and gethostbyname2_r(AF_INET6): the return value,
 *                          *h_errnop and the thread's h_errno, each set to a marker first
 *                          (small: a 16-byte buffer); without small, also the thread's
 *                          h_errno after gethostbyname and gethostbyname2(AF_INET6)
 *     raddr ADDR [small]   the same for gethostbyaddr_r and gethostbyaddr
 *     mkquery NAME         res_mkquery with data that has no NUL and ends at an unmapped
 *                          page (QUERY and the other opcodes), and NOTIFY with a name as data
 *     static NAME ADDR     gethostbyname(NAME), then gethostbyaddr(ADDR) (glibc: then also
 *                          gethostbyname2(NAME)): whether the first result is still intact
 *     gai-free NAME        getaddrinfo(NAME); every ai_addr pointed at the program's own
 *                          storage, the list cut after its first node; both parts freed
 *   And steps between calls (tests/cache.rs), which print nothing themselves:
 *     sleep MS             wait MS milliseconds
 *     write PATH TEXT      replace the file's contents with TEXT (\xHH escapes: \x0a, \x20)
 *     child SPEC           fork; the child makes that SPEC's calls (its lines printed by it)
 *                          and exits; the parent waits ("child | FAIL | status=N |" if it
 *                          failed)
 *   NAME and ADDR may contain \xHH escapes (any byte but NUL).
 *
 * Every line is "KEY | STATUS | DETAIL | RECORDS":
 *   KEY      the call and its variant, then the name as given ("gai.unspec big.test").
 *   STATUS   "OK", or the error as a name (EAI_NONAME, h_errno=NO_DATA, ret=ERANGE ...).
 *   DETAIL   everything else the call returned, in the order it returned it.
 *   RECORDS  the records alone, sorted and without duplicates (addresses; answer records
 *            without TTL; the host name of a reverse lookup), for comparisons where order
 *            and presentation are not specified.
 * Names are printed with bytes outside 0x21..0x7e and "\ | ," as \DDD.
 *
 * Exit status: 0 when every line was printed, 1 for a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

/* Same values in glibc and musl; musl hides some of them behind feature macros. */
#ifndef AI_V4MAPPED
#define AI_V4MAPPED 0x08
#endif
#ifndef AI_ALL
#define AI_ALL 0x10
#endif
#ifndef NI_MAXHOST
#define NI_MAXHOST 1025
#endif

/* Answer buffers: the largest DNS message. */
#define ANSLEN 65536
/* Buffers of the _r functions. */
#define RBUFLEN 262144

/* ---- a growable string ---- */

struct str {
	char *p;
	size_t n, cap;
};

static void put(struct str *s, const char *fmt, ...)
{
	va_list ap;
	int need;
	for (;;) {
		size_t room = s->cap - s->n;
		va_start(ap, fmt);
		need = vsnprintf(s->p ? s->p + s->n : NULL, s->p ? room : 0, fmt, ap);
		va_end(ap);
		if (need < 0)
			abort();
		if (s->p && (size_t)need < room) {
			s->n += need;
			return;
		}
		s->cap = (s->cap + need + 1) * 2;
		s->p = realloc(s->p, s->cap);
		if (!s->p)
			abort();
		s->p[s->n] = 0;
	}
}

static const char *str_get(struct str *s)
{
	if (!s->p)
		put(s, "%s", "");
	return s->p;
}

static void str_free(struct str *s)
{
	free(s->p);
	s->p = NULL;
	s->n = s->cap = 0;
}

/* A list of strings, sorted and deduplicated into one string. */
struct list {
	char **v;
	size_t n, cap;
};

static void list_add(struct list *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			abort();
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		abort();
	l->n++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The items sorted, duplicates dropped, joined by ", ", appended to out; the list freed. */
static void list_sorted(struct list *l, struct str *out)
{
	size_t i, k = 0;
	qsort(l->v, l->n, sizeof *l->v, cmp_str);
	for (i = 0; i < l->n; i++) {
		if (i && !strcmp(l->v[i], l->v[i - 1]))
			continue;
		put(out, "%s%s", k++ ? ", " : "", l->v[i]);
	}
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- names of codes ---- */

NAME_FN(eai_name, eai_names, "EAI_", "")
NAME_FN(herr_name, herr_names, "H", "")
NAME_FN(family_name, family_names, "af", "")
NAME_FN(socktype_name, socktype_names, "sock", "")
NAME_FN(proto_name, proto_names, "proto", "")
NAME_FN(rrtype_name, rrtype_names, "TYPE", "")
NAME_FN(rcode_name, rcode_names, "RCODE", "")

/* The errno names of common.h and three more. */
static const char *errno_name(int e)
{
	static const struct code_name more[] = {
		{ETIMEDOUT, "ETIMEDOUT"},
		{ECONNREFUSED, "ECONNREFUSED"},
		{EMSGSIZE, "EMSGSIZE"},
	};
	static char buf[32];
	const char *name = code_name(more, COUNT(more), e);
	return name ? name : name_or(errno_names, COUNT(errno_names), e, buf, sizeof buf, "E", "");
}

/* A question type by name (OPT is none) or number; -1 for anything else. */
static int rrtype_parse(const char *s)
{
	size_t i;
	char *end;
	long v;
	for (i = 0; i < COUNT(rrtype_names); i++)
		if (rrtype_names[i].code != 41 && !strcmp(s, rrtype_names[i].name))
			return rrtype_names[i].code;
	v = strtol(s, &end, 10);
	return *s && !*end && v >= 0 && v <= 65535 ? (int)v : -1;
}

/* ---- text forms ---- */

/* Bytes as a name: outside 0x21..0x7e, and \ | , as \DDD. */
static void put_bytes(struct str *out, const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '|' || c == ',')
			put(out, "\\%03u", c);
		else
			put(out, "%c", c);
	}
}

static void put_cstr(struct str *out, const char *s)
{
	if (!s)
		put(out, "(null)");
	else
		put_bytes(out, (const unsigned char *)s, strlen(s));
}

/* "a.b.c" from an argument with \xHH escapes; NULL when an escape is bad. */
static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		abort();
	while (*s) {
		if (s[0] == '\\' && s[1] == 'x') {
			unsigned v;
			if (sscanf(s + 2, "%2x", &v) != 1 || !v || !s[2] || !s[3]) {
				free(out);
				return NULL;
			}
			*o++ = (char)v;
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return out;
}

/* The line: KEY | STATUS | DETAIL | RECORDS. */
static void line(const char *call, const char *arg, const char *status, struct str *detail,
		 struct str *recs)
{
	struct str key = {0};
	put(&key, "%s ", call);
	put_cstr(&key, arg);
	printf("%s | %s | %s | %s\n", str_get(&key), status, str_get(detail), str_get(recs));
	fflush(stdout);
	str_free(&key);
	str_free(detail);
	str_free(recs);
}

/* ---- DNS messages, parsed here (no ns_* functions: musl lacks some) ---- */

/* The (possibly compressed) name at *pos of msg[0..len), as text into out; *pos moves past
 * it. -1 when it is malformed or runs past len. */
static int get_name(const unsigned char *msg, int len, int *pos, struct str *out)
{
	int p = *pos, jumped = 0, hops = 0, labels = 0;
	for (;;) {
		int l;
		if (p >= len)
			return -1;
		l = msg[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++hops > 128)
				return -1;
			if (!jumped)
				*pos = p + 2;
			jumped = 1;
			p = (l & 0x3f) << 8 | msg[p + 1];
			continue;
		}
		if (l & 0xc0)
			return -1;
		p++;
		if (!l)
			break;
		if (p + l > len)
			return -1;
		if (labels++)
			put(out, ".");
		{
			/* A dot inside a label is escaped too. */
			int i;
			for (i = 0; i < l; i++) {
				unsigned char c = msg[p + i];
				if (c == '.')
					put(out, "\\046");
				else
					put_bytes(out, &c, 1);
			}
		}
		p += l;
	}
	if (!jumped)
		*pos = p;
	if (!labels)
		put(out, ".");
	return 0;
}

/* The RDATA at msg[p..p+rdlen) into out. */
static void put_rdata(const unsigned char *msg, int len, int p, unsigned type, int rdlen,
		      struct str *out)
{
	int q = p, end = p + rdlen, mark = (int)out->n;
	char buf[INET6_ADDRSTRLEN];
	switch (type) {
	case 1:
		if (rdlen == 4 && inet_ntop(AF_INET, msg + p, buf, sizeof buf)) {
			put(out, "%s", buf);
			return;
		}
		break;
	case 28:
		if (rdlen == 16 && inet_ntop(AF_INET6, msg + p, buf, sizeof buf)) {
			put(out, "%s", buf);
			return;
		}
		break;
	case 2: case 5: case 12:
		if (!get_name(msg, len, &q, out) && q == end)
			return;
		break;
	case 15:
		put(out, "%u ", rdlen >= 2 ? get16(msg + p) : 0);
		q += 2;
		if (rdlen > 2 && !get_name(msg, len, &q, out) && q == end)
			return;
		break;
	case 33:
		if (rdlen > 6) {
			put(out, "%u %u %u ", get16(msg + p), get16(msg + p + 2), get16(msg + p + 4));
			q += 6;
			if (!get_name(msg, len, &q, out) && q == end)
				return;
		}
		break;
	case 6:
		if (!get_name(msg, len, &q, out)) {
			put(out, " ");
			if (!get_name(msg, len, &q, out) && q + 20 == end) {
				put(out, " %lu %lu %lu %lu %lu", get32(msg + q), get32(msg + q + 4),
				    get32(msg + q + 8), get32(msg + q + 12), get32(msg + q + 16));
				return;
			}
		}
		break;
	case 16: {
		/* strings, total bytes, FNV-1a of the concatenation, first 12 bytes */
		int n, total;
		unsigned long h;
		char head[13];
		if (!txt_summary(msg, q, end, &n, &total, &h, head, 12, ",|")) {
			put(out, "strings=%d bytes=%d fnv=%08lx head=%s", n, total, h, head);
			return;
		}
		break;
	}
	}
	/* Unknown or malformed: the length and a hash. */
	out->n = mark;
	out->p[mark] = 0;
	put(out, "rdlen=%d fnv=%08lx", rdlen, fnv(msg + p, rdlen, 2166136261UL));
}

/* The message msg[0..len) into detail (header without the ID, every section) and its
 * answer records (owner, type, data; no TTL) into recs. A message cut short says "cut";
 * bytes after the last record are reported when the message is `whole`. */
static void put_message(const unsigned char *msg, int len, int whole, struct str *detail,
			struct list *recs)
{
	static const char *sect[] = {"an", "ns", "ar"};
	int pos = 12, i, s, cnt[4];
	if (len < 12) {
		put(detail, "short=%d", len);
		return;
	}
	for (i = 0; i < 4; i++)
		cnt[i] = get16(msg + 4 + 2 * i);
	put(detail, "qr=%d op=%d aa=%d tc=%d rd=%d ra=%d ad=%d cd=%d %s qd=%d an=%d ns=%d ar=%d",
	    msg[2] >> 7, (msg[2] >> 3) & 15, (msg[2] >> 2) & 1, (msg[2] >> 1) & 1, msg[2] & 1,
	    msg[3] >> 7, (msg[3] >> 5) & 1, (msg[3] >> 4) & 1, rcode_name(msg[3] & 15), cnt[0],
	    cnt[1], cnt[2], cnt[3]);
	for (i = 0; i < cnt[0]; i++) {
		put(detail, "; q ");
		if (get_name(msg, len, &pos, detail) || pos + 4 > len) {
			put(detail, " cut");
			return;
		}
		put(detail, " %s %u", rrtype_name(get16(msg + pos)), get16(msg + pos + 2));
		pos += 4;
	}
	for (s = 0; s < 3; s++)
		for (i = 0; i < cnt[s + 1]; i++) {
			struct str owner = {0}, rd = {0};
			unsigned type, class, rdlen;
			unsigned long ttl;
			if (get_name(msg, len, &pos, &owner) || pos + 10 > len) {
				put(detail, "; cut");
				str_free(&owner);
				return;
			}
			type = get16(msg + pos);
			class = get16(msg + pos + 2);
			ttl = get32(msg + pos + 4);
			rdlen = get16(msg + pos + 8);
			pos += 10;
			if (pos + (int)rdlen > len) {
				put(detail, "; cut");
				str_free(&owner);
				return;
			}
			if (type == 41) {
				put(detail, "; %s OPT payload=%u flags=%08lx rdlen=%u", sect[s], class,
				    ttl, rdlen);
			} else {
				put_rdata(msg, len, pos, type, rdlen, &rd);
				put(detail, "; %s %s %lu", sect[s], str_get(&owner), ttl);
				if (class != 1)
					put(detail, " class%u", class);
				put(detail, " %s %s", rrtype_name(type), str_get(&rd));
				if (s == 0) {
					struct str r = {0};
					put(&r, "%s %s %s", str_get(&owner), rrtype_name(type), str_get(&rd));
					list_add(recs, str_get(&r));
					str_free(&r);
				}
			}
			str_free(&owner);
			str_free(&rd);
			pos += rdlen;
		}
	if (whole && pos != len)
		put(detail, "; trailing=%d", len - pos);
}

/* ---- the calls ---- */

static void call_init(void)
{
	struct str d = {0}, r = {0};
	char st[32];
	snprintf(st, sizeof st, "rc=%d", res_init());
	line("res_init", "-", st, &d, &r);
}

static void call_strerror(void)
{
	int e;
	for (e = 0; e >= -12; e--) {
		struct str d = {0}, r = {0};
		char k[16];
		snprintf(k, sizeof k, "%d", e);
		put(&d, "%s", gai_strerror(e));
		line("gai_strerror", k, "OK", &d, &r);
	}
}

/* The hint sets of `gai`; the `named` ones only when asked for by name. */
static const struct {
	const char *name;
	int null_hints, family, socktype, flags;
	const char *service;
	int named;
} hint_sets[] = {
	{"null", 1, 0, 0, 0, NULL, 0},
	{"unspec", 0, AF_UNSPEC, SOCK_STREAM, AI_CANONNAME, "80", 0},
	{"inet", 0, AF_INET, SOCK_DGRAM, 0, "domain", 0},
	{"inet6", 0, AF_INET6, SOCK_STREAM, AI_V4MAPPED | AI_ALL | AI_CANONNAME, NULL, 0},
	{"inet-canon", 0, AF_INET, SOCK_STREAM, AI_CANONNAME, NULL, 1},
	{"inet6-plain", 0, AF_INET6, SOCK_STREAM, 0, NULL, 1},
	{"unspec-plain", 0, AF_UNSPEC, SOCK_STREAM, 0, NULL, 1},
};

/* `only`: the hint sets to use (NULL: all). */
static void call_gai(const char *name, char **only, int n_only)
{
	size_t h;
	for (h = 0; h < sizeof hint_sets / sizeof hint_sets[0]; h++) {
		struct addrinfo hints, *res = NULL, *ai;
		struct str d = {0}, r = {0};
		struct list addrs = {0};
		char call[32];
		int rc, n = 0, k, wanted = !only && !hint_sets[h].named;
		for (k = 0; k < n_only; k++)
			wanted |= !strcmp(only[k], hint_sets[h].name);
		if (!wanted)
			continue;
		memset(&hints, 0, sizeof hints);
		hints.ai_family = hint_sets[h].family;
		hints.ai_socktype = hint_sets[h].socktype;
		hints.ai_flags = hint_sets[h].flags;
		errno = 0;
		rc = getaddrinfo(name, hint_sets[h].service, hint_sets[h].null_hints ? NULL : &hints,
				 &res);
		snprintf(call, sizeof call, "gai.%s", hint_sets[h].name);
		if (rc) {
			if (rc == EAI_SYSTEM)
				put(&d, "errno=%s", errno_name(errno));
			line(call, name, eai_name(rc), &d, &r);
			continue;
		}
		for (ai = res; ai; ai = ai->ai_next) {
			char a[INET6_ADDRSTRLEN + 16];
			int port;
			if (n++)
				put(&d, ", ");
			if (ai->ai_canonname) {
				put(&d, "canon=");
				put_cstr(&d, ai->ai_canonname);
				put(&d, " ");
			}
			if (!ai->ai_addr) {
				put(&d, "%s %s %s noaddr", family_name(ai->ai_family),
				    socktype_name(ai->ai_socktype), proto_name(ai->ai_protocol));
				continue;
			}
			if (addr_port(ai->ai_addr, a, sizeof a, &port))
				snprintf(a, sizeof a, "sa_family%d", ai->ai_addr->sa_family);
			put(&d, "%s %s %s %s %d flags=0x%x", family_name(ai->ai_family),
			    socktype_name(ai->ai_socktype), proto_name(ai->ai_protocol), a, port,
			    (unsigned)ai->ai_flags);
			if (ai->ai_addr->sa_family != ai->ai_family)
				put(&d, " sa_family=%d", ai->ai_addr->sa_family);
			list_add(&addrs, a);
		}
		freeaddrinfo(res);
		list_sorted(&addrs, &r);
		line(call, name, "OK", &d, &r);
	}
}

/* A hostent into detail (in order) and its addresses into recs (sorted). */
static void put_hostent(const struct hostent *h, struct str *d, struct str *r)
{
	struct list addrs = {0};
	char **p;
	put(d, "name=");
	put_cstr(d, h->h_name);
	put(d, " aliases=[");
	for (p = h->h_aliases; p && *p; p++) {
		if (p != h->h_aliases)
			put(d, " ");
		put_cstr(d, *p);
	}
	put(d, "] %s len=%d addrs=[", family_name(h->h_addrtype), h->h_length);
	for (p = h->h_addr_list; p && *p; p++) {
		char buf[INET6_ADDRSTRLEN];
		if ((h->h_addrtype == AF_INET && h->h_length == 4)
		    || (h->h_addrtype == AF_INET6 && h->h_length == 16))
			inet_ntop(h->h_addrtype, *p, buf, sizeof buf);
		else
			strcpy(buf, "?");
		put(d, "%s%s", p != h->h_addr_list ? " " : "", buf);
		list_add(&addrs, buf);
	}
	put(d, "]");
	list_sorted(&addrs, r);
}

/* The _r functions' buffer, pointer-aligned: the layouts are computed from its start. */
static char rbuf[RBUFLEN] __attribute__((aligned(16)));

/* One _r call and its arguments. */
struct rcall {
	enum { R_GHBN, R_GHBN2_INET6, R_GHBN2_INET, R_GHBA } kind;
	const char *name;
	const void *addr;
	socklen_t alen;
	int family;
};

static int r_run(const struct rcall *c, size_t buflen, struct hostent *he, struct hostent **h,
		 int *herr)
{
	*h = NULL;
	*herr = 0;
	switch (c->kind) {
	case R_GHBN:
		return gethostbyname_r(c->name, he, rbuf, buflen, h, herr);
	case R_GHBN2_INET6:
		return gethostbyname2_r(c->name, AF_INET6, he, rbuf, buflen, h, herr);
	case R_GHBN2_INET:
		return gethostbyname2_r(c->name, AF_INET, he, rbuf, buflen, h, herr);
	default:
		return gethostbyaddr_r(c->addr, c->alen, c->family, he, rbuf, buflen, h, herr);
	}
}

/* The host entry of a successful _r call: detail and records as for the full-size line
 * (reverse lookups: the records are the host name). */
static void put_r_result(const struct rcall *c, const struct hostent *h, struct str *d,
			 struct str *r)
{
	put_hostent(h, d, r);
	if (c->kind == R_GHBA) {
		str_free(r);
		put_cstr(r, h->h_name);
	}
}

/* The line of one _r call with an RBUFLEN-byte buffer; when it succeeds, the smallest buffer
 * it succeeds with, found by bisection, as a second line
 *   "CALL.min ARG | min=N | the host entry at N bytes | its records"
 * The status says otherwise when a size fails with anything but ERANGE ("buflen=N ret=..."),
 * when N - 1 bytes do not give ERANGE ("min=N below=ret=..."), or when N bytes fail when
 * asked again ("min=N again=ret=..."). Every step is a whole lookup. */
static void call_r(const struct rcall *c, const char *call, const char *arg)
{
	struct hostent he, *h;
	struct str d = {0}, r = {0};
	size_t lo = 0, hi = RBUFLEN;
	int herr, ret;
	char k[48], st[96];

	ret = r_run(c, RBUFLEN, &he, &h, &herr);
	if (ret || !h) {
		snprintf(st, sizeof st, "ret=%s h_errno=%s%s", errno_name(ret), herr_name(herr),
			 h ? " result-set" : "");
		line(call, arg, st, &d, &r);
		return;
	}
	put_r_result(c, h, &d, &r);
	line(call, arg, "OK", &d, &r);

	snprintf(k, sizeof k, "%s.min", call);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		ret = r_run(c, mid, &he, &h, &herr);
		if (!ret && h) {
			hi = mid;
		} else if (ret == ERANGE) {
			lo = mid + 1;
		} else {
			snprintf(st, sizeof st, "buflen=%zu ret=%s h_errno=%s", mid, errno_name(ret),
				 herr_name(herr));
			line(k, arg, st, &d, &r);
			return;
		}
	}
	if (hi > 0 && (ret = r_run(c, hi - 1, &he, &h, &herr)) != ERANGE) {
		snprintf(st, sizeof st, "min=%zu below=ret=%s", hi, errno_name(ret));
		line(k, arg, st, &d, &r);
		return;
	}
	ret = r_run(c, hi, &he, &h, &herr);
	if (ret || !h) {
		snprintf(st, sizeof st, "min=%zu again=ret=%s", hi, errno_name(ret));
		line(k, arg, st, &d, &r);
		return;
	}
	put_r_result(c, h, &d, &r);
	snprintf(st, sizeof st, "min=%zu", hi);
	line(k, arg, st, &d, &r);
}

static void call_ghbn(const char *name)
{
	struct hostent *h;
	struct str d = {0}, r = {0};
	struct rcall c = {R_GHBN, name, NULL, 0, 0};
	int i;

	for (i = 0; i < 2; i++) {
		h_errno = 0;
		h = i ? gethostbyname2(name, AF_INET6) : gethostbyname(name);
		if (h) {
			put_hostent(h, &d, &r);
			line(i ? "ghbn2.inet6" : "ghbn", name, "OK", &d, &r);
		} else {
			char st[48];
			snprintf(st, sizeof st, "h_errno=%s", herr_name(h_errno));
			line(i ? "ghbn2.inet6" : "ghbn", name, st, &d, &r);
		}
	}
	call_r(&c, "ghbn_r", name);
	c.kind = R_GHBN2_INET6;
	call_r(&c, "ghbn2_r.inet6", name);
}

/* gethostbyname2 and gethostbyname2_r with AF_INET (which glibc's NSS modules answer through
   another entry point than gethostbyname's). */
static void call_ghbn4(const char *name)
{
	struct hostent *h;
	struct str d = {0}, r = {0};
	struct rcall c = {R_GHBN2_INET, name, NULL, 0, 0};

	h_errno = 0;
	h = gethostbyname2(name, AF_INET);
	if (h) {
		put_hostent(h, &d, &r);
		line("ghbn2.inet", name, "OK", &d, &r);
	} else {
		char st[48];
		snprintf(st, sizeof st, "h_errno=%s", herr_name(h_errno));
		line("ghbn2.inet", name, st, &d, &r);
	}
	call_r(&c, "ghbn2_r.inet", name);
}

/* One res_query/res_search/res_querydomain result. */
static void res_line(const char *call, const char *name, int n, int herr,
		     const unsigned char *ans)
{
	struct str d = {0}, r = {0};
	struct list recs = {0};
	if (n < 0) {
		char st[48];
		snprintf(st, sizeof st, "h_errno=%s", herr_name(herr));
		/* The buffer after a failure: the last response, when there was one. */
		if (get16(ans + 2) || get16(ans + 4)) {
			put(&d, "buffer: ");
			put_message(ans, ANSLEN, 0, &d, &recs);
		}
		list_sorted(&recs, &r);
		str_free(&r);
		line(call, name, st, &d, &r);
		return;
	}
	put(&d, "len=%d ", n);
	put_message(ans, n < ANSLEN ? n : ANSLEN, 1, &d, &recs);
	list_sorted(&recs, &r);
	line(call, name, "OK", &d, &r);
}

/* Which of the res_* calls `res` makes. */
enum { R_QUERY = 1, R_SEARCH = 2, R_QUERYDOMAIN = 4, R_SEND = 8, R_ALL = 15 };

/* res_query, res_search or res_querydomain of NAME and TYPE. */
static void call_query(int which, const char *name, int type, const char *tname)
{
	static unsigned char ans[ANSLEN];
	char call[48], *label, *domain;
	int n;

	memset(ans, 0, sizeof ans);
	h_errno = 0;
	if (which == R_QUERY) {
		n = res_query(name, 1, type, ans, sizeof ans);
		snprintf(call, sizeof call, "res_query.%s", tname);
	} else if (which == R_SEARCH) {
		n = res_search(name, 1, type, ans, sizeof ans);
		snprintf(call, sizeof call, "res_search.%s", tname);
	} else {
		label = strdup(name);
		if (!label)
			abort();
		/* No dot: an empty domain (musl's res_querydomain crashes on NULL). */
		domain = strchr(label, '.');
		if (domain)
			*domain++ = 0;
		else
			domain = label + strlen(label);
		n = res_querydomain(label, domain, 1, type, ans, sizeof ans);
		free(label);
		snprintf(call, sizeof call, "res_querydomain.%s", tname);
	}
	res_line(call, name, n, h_errno, ans);
}

/* res_mkquery of NAME and TYPE, then res_send of that query. */
static void call_send(const char *name, int type, const char *tname)
{
	static unsigned char ans[ANSLEN], q[1024];
	struct str d = {0}, r = {0};
	char call[48];
	int n, ql, i;

	memset(q, 0, sizeof q);
	ql = res_mkquery(0, name, 1, type, NULL, 0, NULL, q, sizeof q);
	snprintf(call, sizeof call, "res_mkquery.%s", tname);
	if (ql < 0) {
		line(call, name, "-1", &d, &r);
		/* Nothing to send: the res_send line says so. */
		snprintf(call, sizeof call, "res_send.%s", tname);
		line(call, name, "no-query", &d, &r);
		return;
	}
	/* The bytes after the ID (which is random). */
	put(&d, "len=%d ", ql);
	for (i = 2; i < ql; i++)
		put(&d, "%02x", q[i]);
	line(call, name, "OK", &d, &r);

	memset(ans, 0, sizeof ans);
	n = res_send(q, ql, ans, sizeof ans);
	snprintf(call, sizeof call, "res_send.%s", tname);
	if (n < 0) {
		line(call, name, "-1", &d, &r);
	} else {
		struct list recs = {0};
		put(&d, "len=%d id=%s ", n, n >= 2 && !memcmp(ans, q, 2) ? "same" : "differs");
		put_message(ans, n < ANSLEN ? n : ANSLEN, 1, &d, &recs);
		list_sorted(&recs, &r);
		line(call, name, "OK", &d, &r);
	}
}

static void call_res(const char *name, const char *tname, int which)
{
	int type = rrtype_parse(tname);
	if (type < 0) {
		fprintf(stderr, "conform: bad type %s\n", tname);
		exit(1);
	}
	if (which & R_QUERY)
		call_query(R_QUERY, name, type, tname);
	if (which & R_SEARCH)
		call_query(R_SEARCH, name, type, tname);
	if (which & R_QUERYDOMAIN)
		call_query(R_QUERYDOMAIN, name, type, tname);
	if (which & R_SEND)
		call_send(name, type, tname);
}

/* The flag sets of `addr`'s getnameinfo calls. */
static const struct {
	const char *name;
	int flags;
} ni_sets[] = {
	{"0", 0},
	{"numeric", NI_NUMERICHOST | NI_NUMERICSERV},
	{"namereqd", NI_NAMEREQD},
	{"nofqdn.dgram", NI_NOFQDN | NI_DGRAM},
};

static void call_addr(const char *text)
{
	unsigned char a[16];
	struct sockaddr_storage ss;
	struct hostent *h;
	struct str d = {0}, r = {0};
	int family = AF_INET;
	socklen_t alen = 4, salen;
	size_t i;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, text, a) == 1) {
		struct sockaddr_in *s4 = (void *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(53);
		memcpy(&s4->sin_addr, a, 4);
		salen = sizeof *s4;
	} else if (inet_pton(AF_INET6, text, a) == 1) {
		struct sockaddr_in6 *s6 = (void *)&ss;
		family = AF_INET6;
		alen = 16;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(53);
		memcpy(&s6->sin6_addr, a, 16);
		salen = sizeof *s6;
	} else {
		fprintf(stderr, "conform: bad address %s\n", text);
		exit(1);
	}

	h_errno = 0;
	h = gethostbyaddr(a, alen, family);
	if (h) {
		put_hostent(h, &d, &r);
		str_free(&r);
		put_cstr(&r, h->h_name);
		line("ghba", text, "OK", &d, &r);
	} else {
		char st[48];
		snprintf(st, sizeof st, "h_errno=%s", herr_name(h_errno));
		line("ghba", text, st, &d, &r);
	}

	{
		struct rcall c = {R_GHBA, NULL, a, alen, family};
		call_r(&c, "ghba_r", text);
	}

	for (i = 0; i < sizeof ni_sets / sizeof ni_sets[0]; i++) {
		char host[NI_MAXHOST], serv[64], call[32];
		int rc;
		memset(host, 0, sizeof host);
		memset(serv, 0, sizeof serv);
		rc = getnameinfo((void *)&ss, salen, host, sizeof host, serv, sizeof serv,
				 ni_sets[i].flags);
		snprintf(call, sizeof call, "gni.%s", ni_sets[i].name);
		if (rc) {
			line(call, text, eai_name(rc), &d, &r);
			continue;
		}
		put(&d, "host=");
		put_cstr(&d, host);
		put(&d, " serv=");
		put_cstr(&d, serv);
		put_cstr(&r, host);
		line(call, text, "OK", &d, &r);
	}
}

/* ---- return values and h_errno of the _r functions ---- */

/* Markers: what the call leaves untouched keeps them. */
#define ERRNO_MARK 77
#define HERR_MARK 78

/* "ret=R h_errnop=X h_errno=Y[ result-set]" into st. */
static void r_status(char *st, size_t len, int ret, int herr, int thread_herr, int set)
{
	char a[32], b[32], c[32];
	snprintf(a, sizeof a, "%s", errno_name(ret));
	snprintf(b, sizeof b, "%s", herr_name(herr));
	snprintf(c, sizeof c, "%s", herr_name(thread_herr));
	snprintf(st, len, "ret=%s h_errnop=%s h_errno=%s%s", a, b, c, set ? " result-set" : "");
}

/* The thread's h_errno after a non-reentrant call that returned h. */
static void nr_line(const char *call, const char *name, struct hostent *h)
{
	struct str d = {0}, r = {0};
	char st[64], c[32];
	snprintf(c, sizeof c, "%s", herr_name(h_errno));
	snprintf(st, sizeof st, "h_errno=%s%s", c, h ? " result-set" : "");
	line(call, name, st, &d, &r);
}

static void call_rerr(const char *name, int small)
{
	static char buf[RBUFLEN];
	struct hostent *h, he;
	int i;
	if (!small) {
		h_errno = HERR_MARK;
		nr_line("ghbn.errs", name, gethostbyname(name));
		h_errno = HERR_MARK;
		nr_line("ghbn2.inet6.errs", name, gethostbyname2(name, AF_INET6));
	}
	for (i = 0; i < 2; i++) {
		struct str d = {0}, r = {0};
		char st[128], call[48];
		int ret, herr = HERR_MARK;
		h = NULL;
		h_errno = HERR_MARK;
		errno = ERRNO_MARK;
		ret = i ? gethostbyname2_r(name, AF_INET6, &he, buf, small ? 16 : sizeof buf, &h, &herr)
			: gethostbyname_r(name, &he, buf, small ? 16 : sizeof buf, &h, &herr);
		r_status(st, sizeof st, ret, herr, h_errno, h != NULL);
		if (h && !ret)
			put_hostent(h, &d, &r);
		snprintf(call, sizeof call, "%s.errs%s", i ? "ghbn2_r.inet6" : "ghbn_r",
			 small ? ".small" : "");
		line(call, name, st, &d, &r);
	}
}

/* ADDR as bytes for gethostbyaddr: family and length; exits on a bad address. */
static int addr_bytes(const char *text, unsigned char *a, socklen_t *alen)
{
	if (inet_pton(AF_INET, text, a) == 1) {
		*alen = 4;
		return AF_INET;
	}
	if (inet_pton(AF_INET6, text, a) == 1) {
		*alen = 16;
		return AF_INET6;
	}
	fprintf(stderr, "conform: bad address %s\n", text);
	exit(1);
}

static void call_raddr(const char *text, int small)
{
	static char buf[RBUFLEN];
	unsigned char a[16];
	struct hostent *h = NULL, he;
	struct str d = {0}, r = {0};
	socklen_t alen;
	int family = addr_bytes(text, a, &alen), ret, herr = HERR_MARK;
	char st[128];
	if (!small) {
		h_errno = HERR_MARK;
		nr_line("ghba.errs", text, gethostbyaddr(a, alen, family));
	}
	h_errno = HERR_MARK;
	errno = ERRNO_MARK;
	ret = gethostbyaddr_r(a, alen, family, &he, buf, small ? 16 : sizeof buf, &h, &herr);
	r_status(st, sizeof st, ret, herr, h_errno, h != NULL);
	if (h && !ret)
		put_hostent(h, &d, &r);
	line(small ? "ghba_r.errs.small" : "ghba_r.errs", text, st, &d, &r);
}

/* ---- res_mkquery's data argument ---- */

/* res_mkquery with `data` ending at the last byte before an unmapped page: a library that
 * reads it as a C string faults. NOTIFY (4) gets a NUL-terminated name there instead (glibc
 * reads it for that opcode). */
static void call_mkquery(const char *name)
{
	static const int ops[] = {0, 1, 2, 4, 5, 15};
	static const char notify_data[] = "notify.data.test";
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;
	if (map == MAP_FAILED || mprotect(map + page, page, PROT_NONE))
		abort();
	for (i = 0; i < COUNT(ops); i++) {
		unsigned char q[1024];
		const unsigned char *data;
		struct str d = {0}, r = {0};
		char call[32], st[16];
		int n, k;
		if (ops[i] == 4) {
			data = map + page - sizeof notify_data;
			memcpy((void *)data, notify_data, sizeof notify_data);
		} else {
			memset(map + page - 8, 'x', 8);
			data = map + page - 8;
		}
		memset(q, 0, sizeof q);
		n = res_mkquery(ops[i], name, 1, 1, data, ops[i] == 4 ? (int)sizeof notify_data : 8,
				NULL, q, sizeof q);
		snprintf(call, sizeof call, "res_mkquery.op%d", ops[i]);
		snprintf(st, sizeof st, "%d", n);
		if (n > 0)
			for (k = 2; k < n; k++)
				put(&d, "%02x", q[k]);
		line(call, name, n < 0 ? "-1" : st, &d, &r);
	}
	munmap(map, 2 * page);
}

/* ---- storage of the non-reentrant functions ---- */

/* Whether gethostbyname's result survives gethostbyaddr (and, glibc, gethostbyname2): each
 * function has its own storage in both libcs (musl shares one between gethostbyname and
 * gethostbyname2, so that pair is only tried with glibc). */
static void call_static(const char *name, const char *addr)
{
	unsigned char a[16];
	socklen_t alen;
	int family = addr_bytes(addr, a, &alen);
	struct hostent *h1, *h2;
	struct str d = {0}, r = {0};
	char *kept;
	h1 = gethostbyname(name);
	if (!h1) {
		line("static", name, "no-first-result", &d, &r);
		return;
	}
	kept = strdup(h1->h_name);
	if (!kept)
		abort();
	h2 = gethostbyaddr(a, alen, family);
	put(&d, "ghba %s:%s", addr, !h2 ? "failed" : h2 == h1 ? "same-hostent" : "own-hostent");
	if (h2 != h1)
		put(&d, " ghbn-name:%s", strcmp(h1->h_name, kept) ? "changed" : "kept");
#ifdef __GLIBC__
	h2 = gethostbyname2(name, AF_INET6);
	put(&d, " ghbn2:%s", !h2 ? "failed" : h2 == h1 ? "same-hostent" : "own-hostent");
	if (h2 != h1)
		put(&d, " ghbn-name:%s", strcmp(h1->h_name, kept) ? "changed" : "kept");
#endif
	free(kept);
	line("static", name, "OK", &d, &r);
}

/* ---- freeaddrinfo of a list the program changed ---- */

/* What both libcs allow a program to do to a result before freeing it: point ai_addr at its
 * own storage (neither reads it when freeing), and cut the list in two (each part is freed
 * alone: musl counts the nodes from the one passed, glibc frees node by node). */
static void call_gai_free(const char *name)
{
	struct addrinfo hints, *res = NULL, *ai, *tail;
	struct sockaddr_storage own[64];
	struct str d = {0}, r = {0};
	int rc, n = 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	rc = getaddrinfo(name, "80", &hints, &res);
	if (rc) {
		line("gai-free", name, eai_name(rc), &d, &r);
		return;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (n < (int)COUNT(own)) {
			memcpy(&own[n], ai->ai_addr, ai->ai_addrlen);
			ai->ai_addr = (struct sockaddr *)&own[n];
		}
		n++;
	}
	tail = res->ai_next;
	res->ai_next = NULL;
	if (tail)
		freeaddrinfo(tail);
	freeaddrinfo(res);
	put(&d, "nodes=%d freed", n);
	line("gai-free", name, "OK", &d, &r);
}

static int usage(void)
{
	fprintf(stderr, "usage: conform SPEC..., SPEC one of: 'init', 'strerror',\n"
			"  'host NAME [TYPE...]', 'gai NAME [null|unspec|inet|inet6...]',\n"
			"  'ghbn NAME', 'res NAME TYPE... [query|search|querydomain|send...]',\n"
			"  'addr ADDR', 'rerr NAME [small]', 'raddr ADDR [small]', 'mkquery NAME',\n"
			"  'static NAME ADDR', 'gai-free NAME', 'sleep MS', 'write PATH TEXT',\n"
			"  'child SPEC'\n");
	return 1;
}

static void step_sleep(const char *ms)
{
	long v = strtol(ms, NULL, 10);
	struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int step_write(const char *path, const char *text)
{
	char *t = unescape(text);
	FILE *f;
	int ok;
	if (!t)
		return -1;
	f = fopen(path, "w");
	ok = f && fputs(t, f) >= 0;
	if (f && fclose(f))
		ok = 0;
	free(t);
	if (!ok) {
		fprintf(stderr, "conform: write %s: %s\n", path, strerror(errno));
		exit(3);
	}
	return 0;
}

static int run_spec(char **word, int n, const char *arg);

static int step_child(char **word, int n)
{
	char *arg = n >= 2 ? unescape(word[1]) : NULL;
	pid_t pid;
	int status = 0;
	struct str d = {0}, r = {0};
	if (n < 1 || (n >= 2 && !arg))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(run_spec(word, n, arg) ? 1 : (fflush(stdout) ? 2 : 0));
	free(arg);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		put(&d, "status=%d", status);
		line("child", word[0], "FAIL", &d, &r);
	}
	return 0;
}

/* One SPEC; -1 when it is not one. */
static int run_spec(char **word, int n, const char *arg)
{
	int k, which = 0, types = 0;
	if (!strcmp(word[0], "init") && n == 1) {
		call_init();
	} else if (!strcmp(word[0], "strerror") && n == 1) {
		call_strerror();
	} else if (!strcmp(word[0], "host") && n >= 2) {
		call_gai(arg, NULL, 0);
		call_ghbn(arg);
		if (n == 2)
			call_res(arg, "A", R_ALL);
		for (k = 2; k < n; k++)
			call_res(arg, word[k], R_ALL);
	} else if (!strcmp(word[0], "gai") && n >= 2) {
		call_gai(arg, n > 2 ? word + 2 : NULL, n - 2);
	} else if (!strcmp(word[0], "ghbn") && n == 2) {
		call_ghbn(arg);
	} else if (!strcmp(word[0], "ghbn4") && n == 2) {
		call_ghbn4(arg);
	} else if (!strcmp(word[0], "res") && n >= 3) {
		for (k = 2; k < n; k++) {
			if (!strcmp(word[k], "query")) which |= R_QUERY;
			else if (!strcmp(word[k], "search")) which |= R_SEARCH;
			else if (!strcmp(word[k], "querydomain")) which |= R_QUERYDOMAIN;
			else if (!strcmp(word[k], "send")) which |= R_SEND;
			else types++;
		}
		if (!types)
			return -1;
		for (k = 2; k < n; k++)
			if (rrtype_parse(word[k]) >= 0)
				call_res(arg, word[k], which ? which : R_ALL);
	} else if (!strcmp(word[0], "addr") && n == 2) {
		call_addr(arg);
	} else if (!strcmp(word[0], "rerr") && (n == 2 || (n == 3 && !strcmp(word[2], "small")))) {
		call_rerr(arg, n == 3);
	} else if (!strcmp(word[0], "raddr") && (n == 2 || (n == 3 && !strcmp(word[2], "small")))) {
		call_raddr(arg, n == 3);
	} else if (!strcmp(word[0], "mkquery") && n == 2) {
		call_mkquery(arg);
	} else if (!strcmp(word[0], "static") && n == 3) {
		call_static(arg, word[2]);
	} else if (!strcmp(word[0], "gai-free") && n == 2) {
		call_gai_free(arg);
	} else if (!strcmp(word[0], "sleep") && n == 2) {
		step_sleep(word[1]);
	} else if (!strcmp(word[0], "write") && n == 3) {
		return step_write(word[1], word[2]);
	} else if (!strcmp(word[0], "child") && n >= 2) {
		return step_child(word + 1, n - 1);
	} else {
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i;
	for (i = 1; i < argc; i++) {
		char *spec = strdup(argv[i]), *save = NULL, *word[16], *arg = NULL, *w;
		int n = 0;
		if (!spec)
			abort();
		for (w = strtok_r(spec, " ", &save); w; w = strtok_r(NULL, " ", &save))
			if (n < 16)
				word[n++] = w;
		if (n < 1 || (n >= 2 && !(arg = unescape(word[1]))) || run_spec(word, n, arg))
			return usage();
		free(arg);
		free(spec);
	}
	return 0;
}
