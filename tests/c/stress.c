/*
 * stress: many lookups at once, across fork, under signals, in a loop (valgrind, RSS), and the
 * _r functions with every buffer size. Built with gcc and musl-gcc by tests/stress.rs, run
 * against the test server set up there (tests/stress.rs STRESS_ZONE / STRESS_HOSTS):
 *
 *   small.test   A 10.1.0.1, AAAA 2001:db8:1::1      (UDP)
 *   big.test     A 10.0.0.1..60, AAAA 2001:db8::1..30 (truncated over UDP: TCP)
 *   nx.test      NXDOMAIN
 *   hosts.test   10.9.0.1 in /etc/hosts (alias hostalias.test)
 *   tN.test      A 10.3.0.N (N = 0..63)
 *   slow.test    A 10.1.0.2, answered 300 ms late
 *   quiet.test   never answered
 *   10.1.0.1     PTR small.test
 *
 *   stress threads NTHREADS PER_THREAD
 *       NTHREADS threads, PER_THREAD lookups each, mixing every kind above (gai, gethostbyname,
 *       gethostbyname_r, gethostbyaddr); each gethostbyname result is checked again after the
 *       thread's next lookups, so storage shared between threads shows up.
 *   stress fork NTHREADS ROUNDS
 *       NTHREADS threads look names up without pause; the main thread forks ROUNDS times at
 *       random moments; each child looks up every kind (10 s alarm: a deadlock kills it).
 *   stress sigalrm ROUNDS DEADLINE_MS
 *       SIGALRM every millisecond (handler without SA_RESTART) while doing ROUNDS of every kind,
 *       slow.test and quiet.test included; each call must be right and within DEADLINE_MS.
 *   stress loop N
 *       N lookups of every kind, one after the other; prints the resident set size after each
 *       tenth, then after two tenths ("rss_warm_kb"), half ("rss_mid_kb") and all
 *       ("rss_end_kb"), and the descriptors.
 *   stress bufsweep MAX
 *       gethostbyname_r, gethostbyname2_r, gethostbyaddr_r with buffer sizes 0..MAX at several
 *       alignments, guard bytes before and after the buffer and around the struct hostent:
 *       nothing may be written outside, a success must point only into the buffer.
 *
 * Last line "PASS ..." or "FAIL ...". Exit status: 0 pass, 1 usage, 4 write outside a buffer,
 * 6 wrong result, 7 a child failed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NETDB_INTERNAL
#define NETDB_INTERNAL -1
#endif

static volatile int failures;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/* Reports the first few failures (stderr), counts all. */
static void fail(const char *what, const char *detail)
{
	pthread_mutex_lock(&report_lock);
	if (failures < 20)
		fprintf(stderr, "FAILED %s: %s\n", what, detail);
	failures++;
	pthread_mutex_unlock(&report_lock);
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- the checks, one per kind of lookup; 0 when right ---- */

static int check_gai(const char *name, int family, int want_rc, const char *const *want,
		     int nwant, int want_count, char *why, size_t whylen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc, n = 0, i;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != want_rc) {
		snprintf(why, whylen, "%s: rc %d (%s), want %d", name, rc, gai_strerror(rc),
			 want_rc);
		if (!rc)
			freeaddrinfo(res);
		return -1;
	}
	if (rc)
		return 0;
	for (ai = res; ai; ai = ai->ai_next) {
		char buf[INET6_ADDRSTRLEN];
		const void *a = ai->ai_family == AF_INET
					? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
					: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		inet_ntop(ai->ai_family, a, buf, sizeof buf);
		n++;
		if (nwant) {
			for (i = 0; i < nwant && strcmp(want[i], buf); i++)
				;
			if (i == nwant) {
				snprintf(why, whylen, "%s: unexpected address %s", name, buf);
				freeaddrinfo(res);
				return -1;
			}
		}
	}
	freeaddrinfo(res);
	if (n != want_count) {
		snprintf(why, whylen, "%s: %d addresses, want %d", name, n, want_count);
		return -1;
	}
	return 0;
}

static const char *const SMALL[] = {"10.1.0.1", "2001:db8:1::1"};
static const char *const HOSTS[] = {"10.9.0.1"};
static const char *const SLOW[] = {"10.1.0.2"};

static int kind_small(char *why, size_t n) { return check_gai("small.test", AF_UNSPEC, 0, SMALL, 2, 2, why, n); }
/* 60 addresses from 10.0.0.1: checked for count and range (distinctness by the server). */
static int kind_big(char *why, size_t n)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc, count = 0;
	unsigned char seen[61] = {0};
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo("big.test", NULL, &hints, &res);
	if (rc) {
		snprintf(why, n, "big.test: rc %d (%s)", rc, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		unsigned char *b = (unsigned char *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		count++;
		if (b[0] != 10 || b[1] != 0 || b[2] != 0 || b[3] < 1 || b[3] > 60 || seen[b[3]]++) {
			snprintf(why, n, "big.test: bad or repeated address %u.%u.%u.%u", b[0], b[1],
				 b[2], b[3]);
			freeaddrinfo(res);
			return -1;
		}
	}
	freeaddrinfo(res);
	if (count != 60) {
		snprintf(why, n, "big.test: %d addresses, want 60", count);
		return -1;
	}
	return 0;
}
static int kind_nx(char *why, size_t n) { return check_gai("nx.test", AF_UNSPEC, EAI_NONAME, NULL, 0, 0, why, n); }
static int kind_hosts(char *why, size_t n) { return check_gai("hosts.test", AF_INET, 0, HOSTS, 1, 1, why, n); }
static int kind_slow(char *why, size_t n) { return check_gai("slow.test", AF_INET, 0, SLOW, 1, 1, why, n); }
static int kind_quiet(char *why, size_t n) { return check_gai("quiet.test", AF_INET, EAI_AGAIN, NULL, 0, 0, why, n); }

/* gethostbyname of tK.test: the result must still be ours after `between` ran. */
static int kind_ghbn(int k, int (*between)(char *, size_t), char *why, size_t n)
{
	char name[32];
	struct hostent *h;
	unsigned char want[4] = {10, 3, 0, (unsigned char)k};
	snprintf(name, sizeof name, "t%d.test", k);
	h = gethostbyname(name);
	if (!h) {
		snprintf(why, n, "gethostbyname(%s): h_errno %d", name, h_errno);
		return -1;
	}
	if (between && between(why, n))
		return -1;
	if (strcmp(h->h_name, name) || h->h_length != 4 || !h->h_addr_list[0]
	    || memcmp(h->h_addr_list[0], want, 4) || h->h_addr_list[1]) {
		snprintf(why, n, "gethostbyname(%s): result changed to %s (another thread's?)", name,
			 h->h_name ? h->h_name : "(null)");
		return -1;
	}
	return 0;
}

static int kind_ghbn_r(char *why, size_t n)
{
	struct hostent he, *res = NULL;
	static __thread char buf[8192];
	int herr = 0, rc, count = 0;
	rc = gethostbyname_r("big.test", &he, buf, sizeof buf, &res, &herr);
	if (rc || !res) {
		snprintf(why, n, "gethostbyname_r(big.test): %d h_errno %d", rc, herr);
		return -1;
	}
	while (res->h_addr_list[count])
		count++;
	if (count != 60) {
		snprintf(why, n, "gethostbyname_r(big.test): %d addresses", count);
		return -1;
	}
	return 0;
}

static int kind_ghba(char *why, size_t n)
{
	struct hostent he, *res = NULL;
	char buf[2048];
	unsigned char a[4] = {10, 1, 0, 1};
	int herr = 0, rc = gethostbyaddr_r(a, 4, AF_INET, &he, buf, sizeof buf, &res, &herr);
	if (rc || !res || strcmp(res->h_name, "small.test")) {
		snprintf(why, n, "gethostbyaddr_r(10.1.0.1): %d %s", rc,
			 res ? res->h_name : "(null)");
		return -1;
	}
	return 0;
}

/* One lookup of kind `k` (0..7) for thread `t`. */
static int one(int k, int t, char *why, size_t n)
{
	switch (k) {
	case 0: return kind_small(why, n);
	case 1: return kind_big(why, n);
	case 2: return kind_nx(why, n);
	case 3: return kind_hosts(why, n);
	case 4: return kind_ghbn(t % 64, kind_small, why, n);
	case 5: return kind_ghbn_r(why, n);
	case 6: return kind_ghba(why, n);
	default: return kind_ghbn(t % 64, kind_nx, why, n);
	}
}
#define KINDS 8

/* ---- threads ---- */

struct targ {
	int id, count;
};

static void *thread_main(void *p)
{
	struct targ *a = p;
	char why[256];
	int j;
	for (j = 0; j < a->count; j++)
		if (one((a->id + j) % KINDS, a->id, why, sizeof why))
			fail("threads", why);
	return NULL;
}

static int cmd_threads(int nthreads, int per)
{
	pthread_t th[256];
	struct targ args[256];
	long t0 = now_ms();
	int i;
	if (nthreads < 1 || nthreads > 256)
		return 1;
	for (i = 0; i < nthreads; i++) {
		args[i].id = i;
		args[i].count = per;
		if (pthread_create(&th[i], NULL, thread_main, &args[i])) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("%s threads %d lookups %d failures %d time_ms %ld\n", failures ? "FAIL" : "PASS",
	       nthreads, nthreads * per, failures, now_ms() - t0);
	return failures ? 6 : 0;
}

/* ---- fork ---- */

static volatile int stop;
static volatile long background_lookups;

static void *busy_main(void *p)
{
	int id = (int)(long)p, j = 0;
	char why[256];
	while (!stop) {
		if (one((id + j) % KINDS, id, why, sizeof why))
			fail("fork: parent thread", why);
		__atomic_add_fetch(&background_lookups, 1, __ATOMIC_RELAXED);
		j++;
	}
	return NULL;
}

static void child(void)
{
	char why[256];
	int k, bad = 0;
	alarm(10); /* a deadlocked child dies of SIGALRM */
	for (k = 0; k < KINDS; k++) {
		if (one(k, 5, why, sizeof why)) {
			/* write(2) only: stdio locks may have been held at fork */
			ssize_t r = write(2, why, strlen(why));
			r += write(2, "\n", 1);
			(void)r;
			bad = 1;
		}
	}
	_exit(bad ? 6 : 0);
}

static int cmd_fork(int nthreads, int rounds)
{
	pthread_t th[64];
	int i, ok = 0, status;
	unsigned seed = 12345;
	if (nthreads < 1 || nthreads > 64)
		return 1;
	for (i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, busy_main, (void *)(long)i);
	for (i = 0; i < rounds; i++) {
		pid_t pid;
		struct timespec ts = {0, (long)((seed = seed * 1103515245 + 12345) >> 8) % 5000000};
		nanosleep(&ts, NULL);
		pid = fork();
		if (pid < 0) {
			fail("fork", strerror(errno));
			continue;
		}
		if (pid == 0)
			child();
		if (waitpid(pid, &status, 0) != pid) {
			fail("fork", "waitpid");
			continue;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			ok++;
		} else {
			char why[64];
			snprintf(why, sizeof why, "child %d: %s %d", i,
				 WIFSIGNALED(status) ? "signal" : "exit",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			fail("fork", why);
		}
	}
	stop = 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("%s fork rounds %d children_ok %d parent_lookups %ld failures %d\n",
	       failures || ok != rounds ? "FAIL" : "PASS", rounds, ok, background_lookups, failures);
	return failures || ok != rounds ? 7 : 0;
}

/* ---- signals ---- */

static volatile long alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static int cmd_sigalrm(int rounds, long deadline)
{
	struct sigaction sa;
	struct itimerval it = {{0, 1000}, {0, 1000}};
	static int (*const kinds[])(char *, size_t) = {kind_small, kind_big, kind_nx, kind_hosts,
						       kind_slow, kind_quiet, kind_ghbn_r, kind_ghba};
	static const char *const names[] = {"small", "big", "nx", "hosts", "slow", "quiet",
					    "ghbn_r", "ghba"};
	long worst[8] = {0};
	char why[256];
	int r, k;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = 0; /* no SA_RESTART: every blocking call sees EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 8; k++) {
			long t0 = now_ms(), t;
			/* quiet.test waits out the whole deadline: only in the first round */
			if (k == 5 && r > 0)
				continue;
			if (kinds[k](why, sizeof why))
				fail("sigalrm", why);
			t = now_ms() - t0;
			if (t > worst[k])
				worst[k] = t;
			if (t > deadline) {
				snprintf(why, sizeof why, "%s took %ld ms, deadline %ld ms", names[k],
					 t, deadline);
				fail("sigalrm", why);
			}
		}
	}
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	if (alarms < 1000)
		fail("sigalrm", "fewer than 1000 signals arrived: the test did not test");
	printf("%s sigalrm rounds %d signals %ld", failures ? "FAIL" : "PASS", rounds, alarms);
	for (k = 0; k < 8; k++)
		printf(" %s_max_ms %ld", names[k], worst[k]);
	printf(" failures %d\n", failures);
	return failures ? 6 : 0;
}

/* ---- loop: valgrind and RSS ---- */

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/* Every kind, plus the calls the loop alone makes. */
static int loop_one(int i, char *why, size_t n)
{
	switch (i % 12) {
	case 8: { /* numeric host, with a service */
		struct addrinfo *res = NULL;
		int rc = getaddrinfo("10.1.2.3", "80", NULL, &res);
		if (rc) {
			snprintf(why, n, "numeric: %d", rc);
			return -1;
		}
		freeaddrinfo(res);
		return 0;
	}
	case 9: { /* canonical name, both families */
		struct addrinfo hints, *res = NULL;
		int rc;
		memset(&hints, 0, sizeof hints);
		hints.ai_flags = AI_CANONNAME;
		rc = getaddrinfo("big.test", "443", &hints, &res);
		if (rc || !res->ai_canonname || strcmp(res->ai_canonname, "big.test")) {
			snprintf(why, n, "canon: %d", rc);
			if (!rc)
				freeaddrinfo(res);
			return -1;
		}
		freeaddrinfo(res);
		return 0;
	}
	case 10: { /* gethostbyname2 AF_INET6 and gethostbyaddr */
		unsigned char a[4] = {10, 1, 0, 1};
		struct hostent *h = gethostbyname2("small.test", AF_INET6);
		if (!h || h->h_length != 16) {
			snprintf(why, n, "gethostbyname2 inet6: %d", h_errno);
			return -1;
		}
		h = gethostbyaddr(a, 4, AF_INET);
		if (!h || strcmp(h->h_name, "small.test")) {
			snprintf(why, n, "gethostbyaddr: %d", h_errno);
			return -1;
		}
		return 0;
	}
	case 11: { /* gethostbyname2_r ERANGE then success, and a failure */
		struct hostent he, *res = NULL;
		char small[16], big[4096];
		int herr = 0, rc = gethostbyname2_r("big.test", AF_INET, &he, small, sizeof small,
						    &res, &herr);
		if (rc != ERANGE) {
			snprintf(why, n, "gethostbyname2_r small buffer: %d", rc);
			return -1;
		}
		rc = gethostbyname2_r("big.test", AF_INET6, &he, big, sizeof big, &res, &herr);
		if (rc || !res) {
			snprintf(why, n, "gethostbyname2_r: %d", rc);
			return -1;
		}
		rc = gethostbyname2_r("nx.test", AF_INET, &he, big, sizeof big, &res, &herr);
		if (res) {
			snprintf(why, n, "gethostbyname2_r nx.test: found");
			return -1;
		}
		return 0;
	}
	default:
		return one(i % 12, i, why, n);
	}
}

static int cmd_loop(int count)
{
	char why[256];
	int i, fds0 = count_fds(), fds1;
	long rss[10] = {0};
	for (i = 0; i < count; i++) {
		if (loop_one(i, why, sizeof why))
			fail("loop", why);
		if (count >= 10 && (i + 1) % (count / 10) == 0 && (i + 1) / (count / 10) <= 10)
			rss[(i + 1) / (count / 10) - 1] = rss_kb();
	}
	fds1 = count_fds();
	if (fds0 != fds1)
		fail("loop", "descriptor count changed");
	printf("rss_kb_each_tenth");
	for (i = 0; i < 10; i++)
		printf(" %ld", rss[i]);
	printf("\n%s loop lookups %d rss_warm_kb %ld rss_mid_kb %ld rss_end_kb %ld fds_before %d "
	       "fds_after %d failures %d\n",
	       failures ? "FAIL" : "PASS", count, rss[1], rss[4], rss[9], fds0, fds1, failures);
	return failures ? 6 : 0;
}

/* ---- buffer sizes of the _r functions ---- */

#define GUARD 64
#define GUARD_BYTE 0xa5

static int guard_ok(const unsigned char *p)
{
	int i;
	for (i = 0; i < GUARD; i++)
		if (p[i] != GUARD_BYTE)
			return 0;
	return 1;
}

static int inside(const void *p, const unsigned char *buf, size_t len, size_t size)
{
	const unsigned char *c = p;
	return c >= buf && c + size <= buf + len;
}

/* Every pointer of a successful result lies inside the caller's buffer. */
static int result_inside(const struct hostent *h, const unsigned char *buf, size_t len)
{
	char **p;
	if (!inside(h->h_name, buf, len, strlen(h->h_name) + 1))
		return 0;
	for (p = h->h_aliases;; p++) {
		if (!inside(p, buf, len, sizeof *p))
			return 0;
		if (!*p)
			break;
		if (!inside(*p, buf, len, strlen(*p) + 1))
			return 0;
	}
	for (p = h->h_addr_list;; p++) {
		if (!inside(p, buf, len, sizeof *p))
			return 0;
		if (!*p)
			break;
		if (!inside(*p, buf, len, h->h_length))
			return 0;
	}
	return 1;
}

enum { BY_NAME, BY_NAME6, BY_ADDR, BY_HOSTS };

static int sweep(int fn, int max, int *first_ok)
{
	static const char *const what[] = {"gethostbyname_r(big.test)",
					   "gethostbyname2_r(big.test, AF_INET6)",
					   "gethostbyaddr_r(10.1.0.1)",
					   "gethostbyname_r(hosts.test)"};
	int len, align, bad = 0;
	*first_ok = -1;
	for (align = 0; align < 8; align += 3) {
		for (len = 0; len <= max; len++) {
			unsigned char *mem = malloc(GUARD + align + len + GUARD);
			unsigned char *buf = mem + GUARD + align;
			unsigned char hemem[GUARD + sizeof(struct hostent) + GUARD];
			struct hostent *he = (struct hostent *)(hemem + GUARD), *res = NULL;
			unsigned char a[4] = {10, 1, 0, 1};
			int herr = 0, rc;
			char why[160];
			memset(mem, GUARD_BYTE, GUARD + align + len + GUARD);
			memset(hemem, GUARD_BYTE, sizeof hemem);
			switch (fn) {
			case BY_NAME:
				rc = gethostbyname_r("big.test", he, (char *)buf, len, &res, &herr);
				break;
			case BY_NAME6:
				rc = gethostbyname2_r("big.test", AF_INET6, he, (char *)buf, len, &res,
						      &herr);
				break;
			case BY_ADDR:
				rc = gethostbyaddr_r(a, 4, AF_INET, he, (char *)buf, len, &res, &herr);
				break;
			default:
				rc = gethostbyname_r("hosts.test", he, (char *)buf, len, &res, &herr);
				break;
			}
			if (!guard_ok(mem) || !guard_ok(buf + len) || !guard_ok(hemem)
			    || !guard_ok(hemem + GUARD + sizeof(struct hostent))) {
				snprintf(why, sizeof why, "%s buflen %d align %d: wrote outside",
					 what[fn], len, align);
				fail("bufsweep", why);
				bad = 4;
			} else if (rc == 0 && res) {
				if (res != he || !result_inside(res, buf, len)) {
					snprintf(why, sizeof why,
						 "%s buflen %d: result points outside the buffer",
						 what[fn], len);
					fail("bufsweep", why);
					bad = 4;
				}
				if (*first_ok < 0 || len < *first_ok)
					*first_ok = len;
			} else if (rc != ERANGE) {
				snprintf(why, sizeof why, "%s buflen %d: rc %d h_errno %d", what[fn],
					 len, rc, herr);
				fail("bufsweep", why);
				bad = bad ? bad : 6;
			} else if (*first_ok >= 0 && len > *first_ok && align == 0) {
				snprintf(why, sizeof why, "%s buflen %d: ERANGE after success at %d",
					 what[fn], len, *first_ok);
				fail("bufsweep", why);
				bad = bad ? bad : 6;
			}
			free(mem);
		}
	}
	return bad;
}

static int cmd_bufsweep(int max)
{
	int fn, first[4], rc = 0, r;
	for (fn = 0; fn < 4; fn++)
		if ((r = sweep(fn, max, &first[fn])) && !rc)
			rc = r;
	printf("%s bufsweep max %d first_ok byname %d byname6 %d byaddr %d hosts %d failures %d\n",
	       rc ? "FAIL" : "PASS", max, first[0], first[1], first[2], first[3], failures);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;
	if (argc >= 4 && !strcmp(argv[1], "threads"))
		rc = cmd_threads(atoi(argv[2]), atoi(argv[3]));
	else if (argc >= 4 && !strcmp(argv[1], "fork"))
		rc = cmd_fork(atoi(argv[2]), atoi(argv[3]));
	else if (argc >= 4 && !strcmp(argv[1], "sigalrm"))
		rc = cmd_sigalrm(atoi(argv[2]), atol(argv[3]));
	else if (argc >= 3 && !strcmp(argv[1], "loop"))
		rc = cmd_loop(atoi(argv[2]));
	else if (argc >= 3 && !strcmp(argv[1], "bufsweep"))
		rc = cmd_bufsweep(atoi(argv[2]));
	else {
		fprintf(stderr, "usage: stress threads N PER | fork N ROUNDS | sigalrm ROUNDS "
				"DEADLINE_MS | loop N | bufsweep MAX\n");
		return 1;
	}
	fflush(stdout);
	return rc;
}
