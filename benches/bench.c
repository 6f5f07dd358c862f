/*
 * bench: the measuring half of `make bench` (benches/run.sh is the driving half).
 * One source, built with gcc (glibc) and musl-gcc (musl); each build runs with and without
 * LD_PRELOAD=libdnsshim.so, so the four contenders execute the same code.
 *
 *   bench lat NAME WARMUP N      N timed getaddrinfo(NAME, AF_UNSPEC, SOCK_STREAM) calls after
 *                                WARMUP untimed ones. Prints "result R" (R: the address count of
 *                                the first call, or EAI_xxx), then N lines of nanoseconds; on
 *                                stderr "<CPU ns of the timed calls> <N>". A NAME with "%d"
 *                                is a new name for each call: call i (warm-up calls first,
 *                                from 0) looks up NAME with i in place of %d.
 *   bench tput NAME THREADS MS   THREADS threads call getaddrinfo(NAME) in a loop for MS
 *                                milliseconds. Prints "<ok calls> <failed calls> <elapsed ns>
 *                                <process CPU µs>" (CPU of the whole process, threads included).
 *   bench loop NAME N            N calls, nothing printed but "result R" (for callgrind).
 *   bench spawn N PROG [VAR=VAL...]
 *                                posix_spawn PROG N times with exactly that environment, waiting
 *                                for each; prints N lines of nanoseconds (spawn to reaped).
 *   bench floor SERVER NAME WARMUP N
 *                                N timed exchanges after WARMUP untimed ones of the system calls
 *                                a lookup of NAME cannot do without, and nothing else: the A and
 *                                AAAA queries on two UDP sockets at once, one poll until both
 *                                are answered; for an answer with TC, the same question over TCP
 *                                (socket, connect, send, poll, recv, close). No parsing, no
 *                                sorting, no result. Prints "result T" (T: answers that were
 *                                truncated in the first exchange) and N lines of nanoseconds, as
 *                                lat does: the floor a resolver's large ÷ small is held against.
 *   bench stats                  reads numbers (one per line, '#'/"result" lines skipped) on
 *                                stdin; prints "n median p99 mean min max".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef EAI_NODATA
#define EAI_NODATA -5
#endif

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *eai_name(int rc)
{
	switch (rc) {
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_NODATA: return "EAI_NODATA";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_MEMORY: return "EAI_MEMORY";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	default: return "EAI_OTHER";
	}
}

/* One lookup as a typical client makes it; returns the address count or an EAI_* code. */
static int lookup(const char *name)
{
	struct addrinfo hints, *res = NULL, *p;
	int n = 0, rc;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0)
		return rc;
	for (p = res; p; p = p->ai_next)
		n++;
	freeaddrinfo(res);
	return n;
}

static void print_result(int r)
{
	if (r > 0)
		printf("result %d\n", r);
	else
		printf("result %s\n", eai_name(r));
}

/* CPU time (user + system) this process has used so far, in ns. */
static uint64_t cpu_ns(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

/* The name of call i: `name` itself, or with i in place of its "%d". */
static const char *nth_name(const char *name, long i, char *buf, size_t len)
{
	const char *p = strstr(name, "%d");
	if (!p)
		return name;
	snprintf(buf, len, "%.*s%ld%s", (int)(p - name), name, i, p + 2);
	return buf;
}

static int cmd_lat(const char *name, long warmup, long n)
{
	uint64_t *t = calloc((size_t)n, sizeof *t);
	uint64_t cpu0;
	int first = 0;
	char buf[256];
	if (!t)
		return 1;
	for (long i = 0; i < warmup; i++) {
		int r = lookup(nth_name(name, i, buf, sizeof buf));
		if (i == 0)
			first = r;
	}
	cpu0 = cpu_ns();
	for (long i = 0; i < n; i++) {
		const char *nm = nth_name(name, warmup + i, buf, sizeof buf);
		uint64_t a = now_ns();
		int r = lookup(nm);
		t[i] = now_ns() - a;
		if (warmup == 0 && i == 0)
			first = r;
	}
	/* On stderr: the process's CPU time over the timed calls, and their number. */
	fprintf(stderr, "%llu %ld\n", (unsigned long long)(cpu_ns() - cpu0), n);
	print_result(first);
	for (long i = 0; i < n; i++)
		printf("%llu\n", (unsigned long long)t[i]);
	free(t);
	return 0;
}

static int cmd_loop(const char *name, long n)
{
	int first = 0;
	for (long i = 0; i < n; i++) {
		int r = lookup(name);
		if (i == 0)
			first = r;
	}
	print_result(first);
	return 0;
}

struct worker {
	pthread_t th;
	const char *name;
	volatile int *stop;
	pthread_barrier_t *go;
	long ok, failed;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	pthread_barrier_wait(w->go);
	while (!*w->stop) {
		if (lookup(w->name) > 0)
			w->ok++;
		else
			w->failed++;
	}
	return NULL;
}

static int cmd_tput(const char *name, int threads, long ms)
{
	static volatile int stop;
	struct worker *w = calloc((size_t)threads, sizeof *w);
	pthread_barrier_t go;
	long ok = 0, failed = 0;
	if (!w || pthread_barrier_init(&go, NULL, (unsigned)threads + 1))
		return 1;
	for (int i = 0; i < threads; i++) {
		w[i].name = name;
		w[i].stop = &stop;
		w[i].go = &go;
		if (pthread_create(&w[i].th, NULL, work, &w[i])) {
			fprintf(stderr, "bench: pthread_create failed\n");
			return 1;
		}
	}
	pthread_barrier_wait(&go);
	uint64_t a = now_ns();
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&d, &d) == -1 && errno == EINTR)
		;
	stop = 1;
	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		ok += w[i].ok;
		failed += w[i].failed;
	}
	uint64_t el = now_ns() - a;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	unsigned long long cpu = (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
				 (unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	printf("%ld %ld %llu %llu\n", ok, failed, (unsigned long long)el, cpu);
	free(w);
	return 0;
}

static int cmd_spawn(long n, char **argv_env, int nenv, const char *prog)
{
	char *args[] = { (char *)prog, NULL };
	char **env = calloc((size_t)nenv + 1, sizeof *env);
	uint64_t *t = calloc((size_t)n, sizeof *t);
	if (!env || !t)
		return 1;
	for (int i = 0; i < nenv; i++)
		env[i] = argv_env[i];
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int st;
		uint64_t a = now_ns();
		int rc = posix_spawn(&pid, prog, NULL, NULL, args, env);
		if (rc != 0) {
			fprintf(stderr, "bench: posix_spawn %s: %s\n", prog, strerror(rc));
			return 1;
		}
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		t[i] = now_ns() - a;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench: %s exited abnormally (status %d)\n", prog, st);
			return 1;
		}
	}
	for (long i = 0; i < n; i++)
		printf("%llu\n", (unsigned long long)t[i]);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmd_stats(void)
{
	size_t cap = 1 << 16, n = 0;
	uint64_t *v = malloc(cap * sizeof *v);
	char line[128];
	long double sum = 0;
	if (!v)
		return 1;
	while (fgets(line, sizeof line, stdin)) {
		char *end;
		if (line[0] < '0' || line[0] > '9')
			continue;
		unsigned long long x = strtoull(line, &end, 10);
		if (n == cap) {
			uint64_t *nv = realloc(v, 2 * cap * sizeof *v);
			if (!nv)
				return 1;
			v = nv;
			cap *= 2;
		}
		v[n++] = x;
		sum += x;
	}
	if (n == 0) {
		printf("0 0 0 0 0 0\n");
		return 0;
	}
	qsort(v, n, sizeof *v, cmp_u64);
	/* Nearest-rank percentiles. */
	size_t med = (n + 1) / 2 - 1, p99 = (99 * n + 99) / 100 - 1;
	printf("%zu %llu %llu %.0Lf %llu %llu\n", n, (unsigned long long)v[med],
	       (unsigned long long)v[p99], sum / n, (unsigned long long)v[0],
	       (unsigned long long)v[n - 1]);
	free(v);
	return 0;
}

/* A query for NAME and TYPE (class IN, RD) with ID into q (512 bytes); its length, or -1. */
static int floor_query(unsigned char *q, const char *name, int type, int id)
{
	int n = 12;
	memset(q, 0, 12);
	q[0] = (unsigned char)(id >> 8);
	q[1] = (unsigned char)id;
	q[2] = 1; /* RD */
	q[5] = 1; /* QDCOUNT */
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || len > 63 || n + 1 + (int)len + 5 > 512)
			return -1;
		q[n++] = (unsigned char)len;
		memcpy(q + n, p, len);
		n += (int)len;
		p += len;
		if (*p)
			p++;
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = (unsigned char)type;
	q[n++] = 0;
	q[n++] = 1;
	return n;
}

/* One floor exchange (see the header); the number of truncated answers, or -1. */
static int floor_once(const struct sockaddr_in *sa, const char *name, int id)
{
	static unsigned char buf[65536];
	unsigned char q[2][512], out[514];
	struct pollfd pf[2];
	int len[2], left = 2, tcp = -1, tc = 0;
	for (int k = 0; k < 2; k++) {
		len[k] = floor_query(q[k], name, k ? 28 : 1, id + k);
		pf[k].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		pf[k].events = POLLIN;
		if (len[k] < 0 || pf[k].fd < 0 ||
		    connect(pf[k].fd, (const struct sockaddr *)sa, sizeof *sa) != 0 ||
		    send(pf[k].fd, q[k], (size_t)len[k], MSG_NOSIGNAL) != len[k])
			return -1;
	}
	while (left > 0) {
		if (poll(pf, 2, 5000) <= 0)
			return -1;
		for (int k = 0; k < 2; k++) {
			if (pf[k].fd < 0 || !pf[k].revents)
				continue;
			ssize_t n = recv(pf[k].fd, buf, sizeof buf, 0);
			close(pf[k].fd);
			pf[k].fd = -1;
			left--;
			if (n < 3 || !(buf[2] & 2))
				continue;
			/* Truncated: the same question over TCP, started at once. */
			tc++;
			tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			out[0] = 0;
			out[1] = (unsigned char)len[k];
			memcpy(out + 2, q[k], (size_t)len[k]);
			if (tcp < 0 ||
			    (connect(tcp, (const struct sockaddr *)sa, sizeof *sa) != 0 &&
			     errno != EINPROGRESS))
				return -1;
			/* On loopback the handshake is done when connect returns; else wait for it. */
			while (send(tcp, out, (size_t)len[k] + 2, MSG_NOSIGNAL) != len[k] + 2) {
				struct pollfd w = { .fd = tcp, .events = POLLOUT };
				if (errno != EAGAIN || poll(&w, 1, 5000) <= 0)
					return -1;
			}
		}
	}
	if (tcp >= 0) {
		struct pollfd p = { .fd = tcp, .events = POLLIN };
		long got = 0, want = -1;
		while (want < 0 || got < want + 2) {
			if (poll(&p, 1, 5000) <= 0)
				return -1;
			ssize_t n = recv(tcp, buf + got, sizeof buf - (size_t)got, 0);
			if (n <= 0)
				return -1;
			got += n;
			if (got >= 2)
				want = (long)buf[0] << 8 | buf[1];
		}
		close(tcp);
	}
	return tc;
}

static int cmd_floor(const char *server, const char *name, long warmup, long n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	uint64_t *t = calloc((size_t)n, sizeof *t);
	int tc = 0;
	if (!t || inet_pton(AF_INET, server, &sa.sin_addr) != 1)
		return 1;
	for (long i = 0; i < warmup + n; i++) {
		uint64_t a = now_ns();
		int r = floor_once(&sa, name, (int)(i * 2 & 0xfffe));
		if (r < 0) {
			fprintf(stderr, "bench floor: exchange %ld failed\n", i);
			return 1;
		}
		if (i >= warmup)
			t[i - warmup] = now_ns() - a;
		tc = r;
	}
	printf("result %d\n", tc);
	for (long i = 0; i < n; i++)
		printf("%llu\n", (unsigned long long)t[i]);
	free(t);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench lat NAME WARMUP N | tput NAME THREADS MS | loop NAME N |\n"
			"       spawn N PROG [VAR=VAL...] | floor SERVER NAME WARMUP N | stats\n");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (!strcmp(cmd, "lat") && argc == 5)
		return cmd_lat(argv[2], atol(argv[3]), atol(argv[4]));
	if (!strcmp(cmd, "loop") && argc == 4)
		return cmd_loop(argv[2], atol(argv[3]));
	if (!strcmp(cmd, "tput") && argc == 5)
		return cmd_tput(argv[2], atoi(argv[3]), atol(argv[4]));
	if (!strcmp(cmd, "spawn") && argc >= 4)
		return cmd_spawn(atol(argv[2]), argv + 4, argc - 4, argv[3]);
	if (!strcmp(cmd, "floor") && argc == 6)
		return cmd_floor(argv[2], argv[3], atol(argv[4]), atol(argv[5]));
	if (!strcmp(cmd, "stats") && argc == 2)
		return cmd_stats();
	return usage();
}
