/*
 * scarce: resolver calls (tests/c/calls.h) with little stack or few descriptors, each in a
 * child process of its own (a crash ends that child only), each child cold (no earlier lookup
 * in the process). Built with gcc (glibc) and musl-gcc (musl) by tests/scarce.rs.
 *
 *   scarce stack SIZE CALL...
 *       each call on a thread created with pthread_attr_setstacksize(SIZE)
 *   scarce depth CALL...
 *       each call on a thread whose 1 MiB stack (pthread_attr_setstack) was filled with a
 *       pattern first: after the call, "depth=N" is how far below the thread function's own
 *       frame the call wrote (its deepest use of the caller's stack, in bytes; what lies
 *       within 256 bytes of that frame is not told apart), "inner=N" the
 *       deepest use of the shim's own stack (-1: none seen)
 *   scarce fds N CALL...
 *       each call on the main thread after every descriptor above 2 is closed and
 *       RLIMIT_NOFILE's soft limit is set to N (so N - 3 descriptors are free); "fds same" when
 *       the open descriptors after the call are those before it
 *
 * One line per call: "CALL => RESULT [depth=N] [fds same|fds CHANGED]", or
 * "CALL => CRASH signal=N" / "CALL => EXIT status=N". Exit status 0 unless a usage error.
 */
#include "calls.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAINT 0xa5
#define DEPTH_STACK (1 << 20)

static char *call_words[CALL_WORDS];
static int call_nwords;
static struct result call_result;
static unsigned char *paint_base;
static long measured_depth = -1;
static long inner_depth = -1;

/* The deepest use of the shim's own stack (src/abi/stack.rs): a mapping of 128 KiB right
 * above a 4 KiB inaccessible guard page, zero when mapped; how far below its top the lowest
 * byte that is not zero lies. -1 when there is none (not the shim, or no stack switch). */
static long shim_stack_depth(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long lo, hi, guard_hi = 0;
	char perms[8];
	long best = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
			continue;
		/* The kernel merges the stack with an anonymous mapping right above it (under
		 * qemu-user, which packs the guest's mappings, it does): the stack is the 128 KiB
		 * above the guard, whatever follows. */
		if (lo == guard_hi && hi - lo >= 128 * 1024 && !strncmp(perms, "rw", 2)) {
			unsigned char *p = (unsigned char *)lo, *top = p + 128 * 1024;
			while (p < top && !*p)
				p++;
			if (p < top && (long)(top - p) > best)
				best = (long)(top - p);
		}
		guard_hi = hi - lo == 4096 && !strncmp(perms, "---", 3) ? hi : 0;
	}
	fclose(f);
	return best;
}

static void *thread_main(void *arg)
{
	volatile char here = 0;
	(void)arg;
	if (paint_base) {
		/* Painted again from here: what the thread's start touched below this frame is not
		 * the call's. A plain loop of volatile stores (no call to memset, whose own frame
		 * would lie in the range), up to 256 bytes below this frame. */
		volatile unsigned char *p = paint_base;
		unsigned char *end = (unsigned char *)&here - 256;
		while (p < end)
			*p++ = PAINT;
	}
	run_call(call_words, call_nwords, &call_result);
	if (paint_base) {
		unsigned char *p = paint_base;
		while (*p == PAINT)
			p++;
		measured_depth = (long)((unsigned char *)&here - p);
	}
	if (paint_base)
		inner_depth = shim_stack_depth();
	return NULL;
}

/* The open descriptors (numbers only), the directory's own left out. */
static int fd_set_text(char *out, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t used = 0;
	int self;
	if (!d)
		return -1;
	self = dirfd(d);
	out[0] = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == self)
			continue;
		used += snprintf(out + used, used < len ? len - used : 0, "%s,", e->d_name);
	}
	closedir(d);
	return 0;
}

/* The child: one call, reported on stdout. */
static int child(const char *mode, long arg, const char *call)
{
	char copy[512], line[512], before[256], after[256];
	pthread_attr_t attr;
	pthread_t t;
	int rc;
	call_nwords = split_call(call, copy, sizeof copy, call_words);
	if (!call_nwords)
		return 1;
	if (!strcmp(mode, "fds")) {
		struct rlimit rl;
		int fd;
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		getrlimit(RLIMIT_NOFILE, &rl);
		rl.rlim_cur = arg;
		if (setrlimit(RLIMIT_NOFILE, &rl)) {
			perror("setrlimit");
			return 1;
		}
		/* Listing the descriptors needs one itself: done at the limit it would fail. */
		fd_set_text(before, sizeof before);
		run_call(call_words, call_nwords, &call_result);
		fd_set_text(after, sizeof after);
		call_text(&call_result, line, sizeof line);
		printf("%s => %s %s\n", call, line,
		       strcmp(before, after) ? "fds CHANGED" : "fds same");
		return 0;
	}
	pthread_attr_init(&attr);
	if (!strcmp(mode, "stack")) {
		rc = pthread_attr_setstacksize(&attr, arg);
		if (rc) {
			printf("%s => STACKSIZE %ld REFUSED\n", call, arg);
			return 0;
		}
	} else {
		paint_base = mmap(NULL, DEPTH_STACK, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (paint_base == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		memset(paint_base, PAINT, DEPTH_STACK);
		pthread_attr_setstack(&attr, paint_base, DEPTH_STACK);
	}
	rc = pthread_create(&t, &attr, thread_main, NULL);
	if (rc) {
		printf("%s => PTHREAD_CREATE %d\n", call, rc);
		return 0;
	}
	pthread_join(t, NULL);
	call_text(&call_result, line, sizeof line);
	if (measured_depth >= 0)
		printf("%s => %s depth=%ld inner=%ld\n", call, line, measured_depth, inner_depth);
	else
		printf("%s => %s\n", call, line);
	return 0;
}

int main(int argc, char **argv)
{
	long arg = 0;
	int i, first = 2;
	if (argc < 3 || (strcmp(argv[1], "stack") && strcmp(argv[1], "depth")
			 && strcmp(argv[1], "fds"))) {
		fprintf(stderr, "usage: scarce stack SIZE|depth|fds N CALL...\n");
		return 1;
	}
	if (strcmp(argv[1], "depth")) {
		arg = atol(argv[2]);
		first = 3;
	}
	calls_init();
	calls_warm_up();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = first; i < argc; i++) {
		int status;
		pid_t pid;
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid) {
			int rc = child(argv[1], arg, argv[i]);
			fflush(stdout);
			_exit(rc);
		}
		if (waitpid(pid, &status, 0) != pid) {
			perror("waitpid");
			return 1;
		}
		if (WIFSIGNALED(status))
			printf("%s => CRASH signal=%d\n", argv[i], WTERMSIG(status));
		else if (WEXITSTATUS(status))
			printf("%s => EXIT status=%d\n", argv[i], WEXITSTATUS(status));
	}
	return 0;
}
