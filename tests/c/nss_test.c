/*
 * nss_test: an NSS hosts module with scripted answers, for the nsswitch tests
 * (tests/nsswitch.rs). Built by the tests as libnss_NAME.so.2 (-DNSS_NAME=NAME) in a few
 * variants: -DNO_BYNAME4, -DNO_BYNAME3, -DNO_BYNAME, -DNO_BYADDR leave entry points out, as
 * older modules do.
 *
 * The script is the file named by NSS_TEST_SCRIPT, read at every call. One rule per line
 * (blank lines and lines starting with # are skipped); the first rule that matches a call
 * answers it:
 *
 *   ENTRY KEY STATUS [OPTION...]
 *     ENTRY   byname4 | byname3 | byname2 | byname | byaddr | * (any)
 *     KEY     the name asked (any case), the address asked (byaddr, as inet_ntop writes
 *             it), or * (anything)
 *     STATUS  SUCCESS | NOTFOUND | UNAVAIL | TRYAGAIN
 *     errno=E       *errnop (ERANGE, EAGAIN, ENOENT, ECONNREFUSED, EBUSY or a number)
 *     herrno=H      *h_errnop (HOST_NOT_FOUND, TRY_AGAIN, NO_RECOVERY, NO_DATA,
 *                   NETDB_INTERNAL or a number)
 *     af=inet|inet6 only calls for that family (byname2, byname3, byaddr)
 *     name=N        h_name (default: the name asked)
 *     alias=A       an alias (repeat for more)
 *     addr=IP       an address (repeat; IPv4 or IPv6); IP*N: N addresses counting up
 *     canon=C       what byname3 stores in *canonp (default: h_name)
 *     nest=NAME     first calls getaddrinfo(NAME) (AF_INET) from inside the module and adds
 *                   the first address it gets (a module that resolves names itself: the
 *                   recursion tests). A call that comes back into the module meanwhile is
 *                   answered UNAVAIL (NO_RECOVERY), as modules guard themselves; with
 *                   NSS_TEST_NOGUARD set it is answered as any other, and nests again (a
 *                   module without a guard: under glibc it recurses until the stack is gone)
 *
 * No rule: NOTFOUND with HOST_NOT_FOUND. SUCCESS without an address of the family asked:
 * NOTFOUND with NO_DATA. A buffer too small for the answer: TRYAGAIN, ERANGE, NETDB_INTERNAL,
 * as every module reports it. Each call is appended to the file named by NSS_TEST_LOG (when
 * set): "ENTRY NAME|ADDR AF BUFLEN STATUS".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#ifndef NSS_NAME
#define NSS_NAME test
#endif
#define CAT2(a, b, c) a##b##c
#define CAT(a, b, c) CAT2(a, b, c)
#define FN(f) CAT(_nss_, NSS_NAME, _##f)
#define STR2(x) #x
#define STR(x) STR2(x)

#define MAXLIST 256
#define MAXLINE 4096

struct rule {
	enum nss_status status;
	int err, herr, has_err, has_herr;
	const char *name, *canon, *nest;
	const char *aliases[MAXLIST];
	int naliases;
	unsigned char addrs[MAXLIST][16];
	int families[MAXLIST];
	int naddrs;
};

static const struct {
	const char *name;
	int v;
} errnos[] = {{"ERANGE", ERANGE}, {"EAGAIN", EAGAIN}, {"ENOENT", ENOENT},
	      {"ECONNREFUSED", ECONNREFUSED}, {"EBUSY", EBUSY}, {"EINVAL", EINVAL}},
  herrnos[] = {{"HOST_NOT_FOUND", HOST_NOT_FOUND}, {"TRY_AGAIN", TRY_AGAIN},
	       {"NO_RECOVERY", NO_RECOVERY}, {"NO_DATA", NO_DATA},
	       {"NETDB_INTERNAL", NETDB_INTERNAL}};

static int code(const char *s, const void *table, size_t n)
{
	const struct {
		const char *name;
		int v;
	} *t = table;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, t[i].name))
			return t[i].v;
	return atoi(s);
}

static const char *status_name(enum nss_status s)
{
	switch (s) {
	case NSS_STATUS_SUCCESS: return "SUCCESS";
	case NSS_STATUS_NOTFOUND: return "NOTFOUND";
	case NSS_STATUS_UNAVAIL: return "UNAVAIL";
	case NSS_STATUS_TRYAGAIN: return "TRYAGAIN";
	default: return "OTHER";
	}
}

static void log_call(const char *entry, const char *key, int af, size_t buflen,
		     enum nss_status s)
{
	const char *path = getenv("NSS_TEST_LOG");
	if (!path)
		return;
	FILE *f = fopen(path, "ae");
	if (!f)
		return;
	fprintf(f, "%s %s %s %zu %s\n", entry, key,
		af == AF_INET ? "inet" : af == AF_INET6 ? "inet6" : "any", buflen, status_name(s));
	fclose(f);
}

/* The rule for this call, read into *r (whose strings point into line); 0 when none. */
static int find_rule(const char *entry, const char *key, int af, char *line, struct rule *r)
{
	const char *path = getenv("NSS_TEST_SCRIPT");
	FILE *f = path ? fopen(path, "re") : NULL;
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, MAXLINE, f)) {
		char *save, *w[3], *opt;
		int i;
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#')
			continue;
		for (i = 0; i < 3; i++)
			if (!(w[i] = strtok_r(i ? NULL : line, " \t", &save)))
				break;
		if (i < 3)
			continue;
		if (strcmp(w[0], "*") && strcmp(w[0], entry))
			continue;
		if (strcmp(w[1], "*") && strcasecmp(w[1], key))
			continue;
		memset(r, 0, sizeof *r);
		r->status = !strcmp(w[2], "SUCCESS")    ? NSS_STATUS_SUCCESS
			    : !strcmp(w[2], "UNAVAIL")  ? NSS_STATUS_UNAVAIL
			    : !strcmp(w[2], "TRYAGAIN") ? NSS_STATUS_TRYAGAIN
							: NSS_STATUS_NOTFOUND;
		found = 1;
		while (found && (opt = strtok_r(NULL, " \t", &save))) {
			char *v = strchr(opt, '=');
			if (!v)
				continue;
			*v++ = 0;
			if (!strcmp(opt, "errno")) {
				r->err = code(v, errnos, sizeof errnos / sizeof *errnos);
				r->has_err = 1;
			} else if (!strcmp(opt, "herrno")) {
				r->herr = code(v, herrnos, sizeof herrnos / sizeof *herrnos);
				r->has_herr = 1;
			} else if (!strcmp(opt, "af")) {
				int want = !strcmp(v, "inet6") ? AF_INET6 : AF_INET;
				if (af != AF_UNSPEC && af != want)
					found = 0;
			} else if (!strcmp(opt, "name"))
				r->name = v;
			else if (!strcmp(opt, "canon"))
				r->canon = v;
			else if (!strcmp(opt, "nest"))
				r->nest = v;
			else if (!strcmp(opt, "alias") && r->naliases < MAXLIST)
				r->aliases[r->naliases++] = v;
			else if (!strcmp(opt, "addr")) {
				int fam = strchr(v, ':') ? AF_INET6 : AF_INET, n = 1, k;
				char *star = strchr(v, '*');
				unsigned char a[16];
				if (star) {
					*star = 0;
					n = atoi(star + 1);
				}
				if (inet_pton(fam, v, a) != 1)
					continue;
				for (k = 0; k < n && r->naddrs < MAXLIST; k++) {
					int i = fam == AF_INET6 ? 15 : 3;
					memcpy(r->addrs[r->naddrs], a, 16);
					r->families[r->naddrs++] = fam;
					while (i >= 0 && ++a[i] == 0)
						i--;
				}
			}
		}
	}
	fclose(f);
	return found;
}

/* Nesting depth of getaddrinfo calls made by this module on this thread. */
static __thread int nesting;

/* Whether this call came back into the module from inside its own nested lookup: then it
   is answered UNAVAIL, unless NSS_TEST_NOGUARD is set. */
static int guarded(int *h_errnop)
{
	if (nesting == 0 || getenv("NSS_TEST_NOGUARD"))
		return 0;
	*h_errnop = NO_RECOVERY;
	return 1;
}

/* nest=NAME: getaddrinfo(NAME) from inside the module; its first IPv4 address is added. */
static void nest(struct rule *r)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
	if (!r->nest || r->naddrs >= MAXLIST)
		return;
	nesting++;
	if (getaddrinfo(r->nest, NULL, &hints, &res) == 0) {
		memcpy(r->addrs[r->naddrs], &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
		r->families[r->naddrs++] = AF_INET;
		freeaddrinfo(res);
	}
	nesting--;
}

/* The common preamble of every entry point: the rule's status, errno and h_errno; 1 when
   the call answers SUCCESS and the entry is to be built. */
static int start(struct rule *r, int found, enum nss_status *st, int *errnop, int *h_errnop)
{
	if (!found) {
		*st = NSS_STATUS_NOTFOUND;
		*h_errnop = HOST_NOT_FOUND;
		return 0;
	}
	if (r->has_err)
		*errnop = r->err;
	if (r->has_herr)
		*h_errnop = r->herr;
	*st = r->status;
	if (r->status == NSS_STATUS_SUCCESS)
		nest(r);
	return r->status == NSS_STATUS_SUCCESS;
}

static enum nss_status erange(int *errnop, int *h_errnop)
{
	*errnop = ERANGE;
	*h_errnop = NETDB_INTERNAL;
	return NSS_STATUS_TRYAGAIN;
}

/* Room in the caller's buffer, handed out in order. */
struct room {
	char *p;
	size_t left;
};

static void *take(struct room *m, size_t n, size_t align)
{
	size_t pad = (align - (uintptr_t)m->p % align) % align;
	if (pad + n > m->left)
		return NULL;
	void *at = m->p + pad;
	m->p += pad + n;
	m->left -= pad + n;
	return at;
}

static char *copy(struct room *m, const char *s)
{
	char *d = take(m, strlen(s) + 1, 1);
	if (d)
		strcpy(d, s);
	return d;
}

/* A struct hostent of family af from the rule, in the buffer: 0, or -1 when too small. */
static int fill_hostent(const struct rule *r, const char *asked, int af, struct hostent *h,
			char *buf, size_t buflen, const unsigned char *only_addr)
{
	struct room m = {buf, buflen};
	int len = af == AF_INET6 ? 16 : 4, n = 0, i;
	char **addrs, **aliases;
	for (i = 0; i < r->naddrs; i++)
		n += r->families[i] == af;
	if (only_addr)
		n = 1;
	if (!(addrs = take(&m, (n + 1) * sizeof *addrs, sizeof(char *))) ||
	    !(aliases = take(&m, (r->naliases + 1) * sizeof *aliases, sizeof(char *))))
		return -1;
	n = 0;
	for (i = 0; i < r->naddrs || (only_addr && n == 0); i++) {
		const unsigned char *a = only_addr ? only_addr : r->addrs[i];
		if (!only_addr && r->families[i] != af)
			continue;
		if (!(addrs[n] = take(&m, len, 1)))
			return -1;
		memcpy(addrs[n++], a, len);
	}
	addrs[n] = NULL;
	for (i = 0; i < r->naliases; i++)
		if (!(aliases[i] = copy(&m, r->aliases[i])))
			return -1;
	aliases[i] = NULL;
	if (!(h->h_name = copy(&m, r->name ? r->name : asked)))
		return -1;
	h->h_aliases = aliases;
	h->h_addrtype = af;
	h->h_length = len;
	h->h_addr_list = addrs;
	return 0;
}

static int has_family(const struct rule *r, int af)
{
	for (int i = 0; i < r->naddrs; i++)
		if (r->families[i] == af)
			return 1;
	return 0;
}

static enum nss_status byname(const char *entry, const char *name, int af, struct hostent *h,
			      char *buf, size_t buflen, int *errnop, int *h_errnop, char **canonp)
{
	char line[MAXLINE];
	struct rule r;
	enum nss_status st;
	if (guarded(h_errnop)) {
		log_call(entry, name, af, buflen, NSS_STATUS_UNAVAIL);
		return NSS_STATUS_UNAVAIL;
	}
	if (start(&r, find_rule(entry, name, af, line, &r), &st, errnop, h_errnop)) {
		if (!has_family(&r, af)) {
			st = NSS_STATUS_NOTFOUND;
			*h_errnop = NO_DATA;
		} else if (fill_hostent(&r, name, af, h, buf, buflen, NULL) != 0) {
			st = erange(errnop, h_errnop);
		} else if (canonp) {
			if (!r.canon)
				*canonp = h->h_name;
			else {
				struct room m = {buf + buflen, 0};
				/* canon= is stored in the buffer's last bytes, after checking room. */
				size_t n = strlen(r.canon) + 1;
				size_t used = (size_t)(strchr(h->h_name, 0) + 1 - buf);
				if (used + n > buflen)
					st = erange(errnop, h_errnop);
				else {
					m.p = buf + buflen - n;
					*canonp = strcpy(m.p, r.canon);
				}
			}
		}
	}
	log_call(entry, name, af, buflen, st);
	return st;
}

#ifndef NO_BYNAME4
enum nss_status FN(gethostbyname4_r)(const char *name, struct gaih_addrtuple **pat, char *buf,
				     size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp)
{
	char line[MAXLINE];
	struct rule r;
	enum nss_status st;
	(void)ttlp;
	if (guarded(h_errnop)) {
		log_call("byname4", name, AF_UNSPEC, buflen, NSS_STATUS_UNAVAIL);
		return NSS_STATUS_UNAVAIL;
	}
	if (start(&r, find_rule("byname4", name, AF_UNSPEC, line, &r), &st, errnop, h_errnop)) {
		struct room m = {buf, buflen};
		struct gaih_addrtuple *first = NULL, **next = &first;
		char *n = r.naddrs ? copy(&m, r.name ? r.name : name) : NULL;
		int i;
		if (r.naddrs == 0) {
			st = NSS_STATUS_NOTFOUND;
			*h_errnop = NO_DATA;
		}
		for (i = 0; i < r.naddrs && st == NSS_STATUS_SUCCESS; i++) {
			struct gaih_addrtuple *t = n ? take(&m, sizeof *t, sizeof(void *)) : NULL;
			if (!t) {
				st = erange(errnop, h_errnop);
				break;
			}
			memset(t, 0, sizeof *t);
			t->name = i == 0 ? n : NULL;
			t->family = r.families[i];
			memcpy(t->addr, r.addrs[i], r.families[i] == AF_INET6 ? 16 : 4);
			*next = t;
			next = &t->next;
		}
		if (st == NSS_STATUS_SUCCESS)
			*pat = first;
	}
	log_call("byname4", name, AF_UNSPEC, buflen, st);
	return st;
}
#endif

#ifndef NO_BYNAME3
enum nss_status FN(gethostbyname3_r)(const char *name, int af, struct hostent *h, char *buf,
				     size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp,
				     char **canonp)
{
	(void)ttlp;
	return byname("byname3", name, af, h, buf, buflen, errnop, h_errnop, canonp);
}
#endif

enum nss_status FN(gethostbyname2_r)(const char *name, int af, struct hostent *h, char *buf,
				     size_t buflen, int *errnop, int *h_errnop)
{
	return byname("byname2", name, af, h, buf, buflen, errnop, h_errnop, NULL);
}

#ifndef NO_BYNAME
enum nss_status FN(gethostbyname_r)(const char *name, struct hostent *h, char *buf,
				    size_t buflen, int *errnop, int *h_errnop)
{
	return byname("byname", name, AF_INET, h, buf, buflen, errnop, h_errnop, NULL);
}
#endif

#ifndef NO_BYADDR
enum nss_status FN(gethostbyaddr_r)(const void *addr, socklen_t len, int af, struct hostent *h,
				    char *buf, size_t buflen, int *errnop, int *h_errnop)
{
	char line[MAXLINE], key[INET6_ADDRSTRLEN] = "?";
	struct rule r;
	enum nss_status st;
	if ((af == AF_INET && len == 4) || (af == AF_INET6 && len == 16))
		inet_ntop(af, addr, key, sizeof key);
	if (guarded(h_errnop)) {
		log_call("byaddr", key, af, buflen, NSS_STATUS_UNAVAIL);
		return NSS_STATUS_UNAVAIL;
	}
	if (start(&r, find_rule("byaddr", key, af, line, &r), &st, errnop, h_errnop) &&
	    fill_hostent(&r, key, af, h, buf, buflen, addr) != 0)
		st = erange(errnop, h_errnop);
	log_call("byaddr", key, af, buflen, st);
	return st;
}
#endif

/* Which variant this is, for the tests' messages. */
const char *FN(variant)(void) { return STR(NSS_NAME); }
