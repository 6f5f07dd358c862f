/*
 * oom: resolver calls (tests/c/calls.h) with malloc failing. The program defines malloc,
 * calloc, realloc, free and the aligned allocators itself: with the shim preloaded, its
 * allocations (Rust's through the C library's malloc) and the C library's own reach these
 * first. Each passes the request on to the C library's allocator (glibc: __libc_malloc & co.;
 * musl: the next definition, found with dlsym(RTLD_NEXT)) unless it is the one chosen to fail:
 * then it returns NULL with errno ENOMEM, as an exhausted allocator does (realloc leaves the
 * block alone). Built with gcc (glibc) and musl-gcc (musl) by tests/scarce.rs.
 *
 *   oom count CALL...
 *       "count CALL => K": how many malloc/calloc/realloc calls the call made (cold: in a fresh
 *       child process; then warm: again in the same process)
 *   oom sweep CALL...
 *       for every N from 1 until the call makes fewer than N allocations: the call, in a fresh
 *       child process (cold caches), with its Nth allocation failing; then the same once more in
 *       one process whose caches are warm (one successful call first), where the blocks live
 *       before and after each call (after freeaddrinfo) must be as many. One line per N:
 *       "sweep CALL cold|warm N => RESULT [leak=D]", then a summary line per call:
 *       "summary CALL cold|warm allocations=K failures=F oom=O ok=S crash=C leaked=L other=X"
 *       where O counts the calls that returned the out-of-memory error, S those that succeeded
 *       anyway (the allocation that failed was not needed), X those that returned anything else.
 *   oom sweep-warm CALL...
 *       the warm half only (no child processes: for valgrind)
 *
 * The out-of-memory result of each kind: getaddrinfo/getnameinfo EAI_MEMORY; the hostent
 * functions and res_* h_errno NETDB_INTERNAL or NO_RECOVERY with errno/return ENOMEM (see
 * oom_result).
 */
#include "calls.h"

#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the allocator ---- */

#ifdef __GLIBC__
extern void *__libc_malloc(size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
#define REAL_MALLOC __libc_malloc
#define REAL_REALLOC __libc_realloc
#define REAL_FREE __libc_free
#define REAL_MEMALIGN __libc_memalign
#else
static void *(*next_malloc)(size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);
static void *(*next_aligned_alloc)(size_t, size_t);
static void resolve_next(void)
{
	if (next_malloc)
		return;
	next_realloc = dlsym(RTLD_NEXT, "realloc");
	next_free = dlsym(RTLD_NEXT, "free");
	next_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
	next_malloc = dlsym(RTLD_NEXT, "malloc");
}
static void *REAL_MALLOC(size_t n) { resolve_next(); return next_malloc(n); }
static void *REAL_REALLOC(void *p, size_t n) { resolve_next(); return next_realloc(p, n); }
static void REAL_FREE(void *p) { resolve_next(); next_free(p); }
static void *REAL_MEMALIGN(size_t a, size_t n) { resolve_next(); return next_aligned_alloc(a, n); }
#endif

/* Counting is on during a call; fail_at is the 1-based number of the call that fails. */
static volatile int counting;
static long allocs, fail_at;
static long live;

/* Whether this allocation is the one to fail (counted either way). */
static int fail_now(void)
{
	if (!counting)
		return 0;
	allocs++;
	if (allocs == fail_at) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *malloc(size_t n)
{
	void *p;
	if (fail_now())
		return NULL;
	p = REAL_MALLOC(n);
	if (p)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

/* malloc and clearing (musl's own calloc calls malloc, which would count twice). */
void *calloc(size_t a, size_t b)
{
	void *p;
	if (b && a > (size_t)-1 / b) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(a * b);
	if (p)
		memset(p, 0, a * b);
	return p;
}

void *realloc(void *q, size_t n)
{
	void *p;
	if (fail_now())
		return NULL;
	p = REAL_REALLOC(q, n);
	if (p && !q)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	if (!p && q && !n)
		__atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

void free(void *p)
{
	if (p)
		__atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
	REAL_FREE(p);
}

void *aligned_alloc(size_t a, size_t n)
{
	void *p;
	if (fail_now())
		return NULL;
	p = REAL_MEMALIGN(a, n);
	if (p)
		__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return p;
}

void *memalign(size_t a, size_t n)
{
	return aligned_alloc(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
	void *p = aligned_alloc(a, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

/* ---- the calls ---- */

static char *words[CALL_WORDS];
static int nwords;

/* Runs the call with allocation `fail` failing (0: none); the number of allocations. */
static long counted_call(long fail, struct result *r)
{
	allocs = 0;
	fail_at = fail;
	counting = 1;
	run_call(words, nwords, r);
	counting = 0;
	return allocs;
}

/* Whether *r is the out-of-memory error of its kind. */
static int oom_result(const struct result *r)
{
	switch (r->kind) {
	case K_GAI:
	case K_GNI:
		return r->rc == EAI_MEMORY;
	case K_HOSTENT:
		return !r->rc && (r->h == NETDB_INTERNAL || r->h == NO_RECOVERY);
	case K_HOSTENT_R:
		return r->rc == ENOMEM && !r->count
		       && (r->herr_r == NETDB_INTERNAL || r->herr_r == NO_RECOVERY);
	case K_RES:
		return r->rc == -1 && r->h == NETDB_INTERNAL && r->err == ENOMEM;
	}
	return 0;
}

struct tally {
	long failures, oom, ok, crash, leaked, other;
};

static void report(const char *call, const char *phase, long n, const struct result *r,
		   const struct result *good, long leak, struct tally *t)
{
	char line[512], want[512];
	call_text(r, line, sizeof line);
	call_text(good, want, sizeof want);
	t->failures++;
	if (oom_result(r))
		t->oom++;
	else if (!strcmp(line, want))
		t->ok++;
	else
		t->other++;
	if (leak)
		t->leaked++;
	printf("sweep %s %s %ld => %s%s", call, phase, n, line, leak ? "" : "\n");
	if (leak)
		printf(" leak=%ld\n", leak);
}

static void summary(const char *call, const char *phase, long total, const struct tally *t)
{
	printf("summary %s %s allocations=%ld failures=%ld oom=%ld ok=%ld crash=%ld leaked=%ld "
	       "other=%ld\n",
	       call, phase, total, t->failures, t->oom, t->ok, t->crash, t->leaked, t->other);
}

/* The result and allocation count of the call in a fresh child, allocation `fail` failing;
 * -1 when the child crashed. */
static long cold_call(long fail, struct result *r, int *sig)
{
	int fds[2], status;
	long n = -1;
	pid_t pid;
	*sig = 0;
	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (!pid) {
		struct result mine;
		long k;
		close(fds[0]);
		k = counted_call(fail, &mine);
		if (write(fds[1], &k, sizeof k) != sizeof k
		    || write(fds[1], &mine, sizeof mine) != sizeof mine)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &n, sizeof n) != sizeof n || read(fds[0], r, sizeof *r) != sizeof *r)
		n = -1;
	close(fds[0]);
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status)) {
		*sig = WTERMSIG(status);
		n = -1;
	}
	return n;
}

static void sweep(const char *call, int cold)
{
	struct result good, r;
	struct tally t;
	long total, n, before, k;
	int sig;
	if (!cold)
		goto warm;
	/* Cold: each failure in a fresh process. */
	total = cold_call(0, &good, &sig);
	if (total < 0) {
		printf("summary %s cold CRASH without failure signal=%d\n", call, sig);
		return;
	}
	memset(&t, 0, sizeof t);
	for (n = 1; n <= total; n++) {
		k = cold_call(n, &r, &sig);
		if (k < 0) {
			t.failures++;
			t.crash++;
			printf("sweep %s cold %ld => CRASH signal=%d\n", call, n, sig);
			continue;
		}
		report(call, "cold", n, &r, &good, 0, &t);
	}
	summary(call, "cold", total, &t);
warm:
	/* Warm: one process, caches filled by a first call. */
	counted_call(0, &good);
	total = counted_call(0, &good);
	memset(&t, 0, sizeof t);
	for (n = 1; n <= total; n++) {
		before = live;
		counted_call(n, &r);
		report(call, "warm", n, &r, &good, live - before, &t);
	}
	summary(call, "warm", total, &t);
}

int main(int argc, char **argv)
{
	char copy[512];
	int i, sig;
	if (argc < 3
	    || (strcmp(argv[1], "count") && strcmp(argv[1], "sweep")
		&& strcmp(argv[1], "sweep-warm"))) {
		fprintf(stderr, "usage: oom count|sweep|sweep-warm CALL...\n");
		return 1;
	}
	calls_init();
	calls_warm_up();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 2; i < argc; i++) {
		struct result r;
		nwords = split_call(argv[i], copy, sizeof copy, words);
		if (!strcmp(argv[1], "count")) {
			long cold = cold_call(0, &r, &sig), warm;
			counted_call(0, &r);
			warm = counted_call(0, &r);
			printf("count %s => cold=%ld warm=%ld\n", argv[i], cold, warm);
		} else {
			sweep(argv[i], !strcmp(argv[1], "sweep"));
		}
	}
	return 0;
}
