/*
 * nssload: lookups through NSS modules, for tests/nsswitch.rs. Built with gcc (glibc) and
 * -rdynamic: it defines dlopen itself, counting the NSS modules opened through the symbol
 * (the shim's loads; glibc's own go through its internal __libc_dlopen and are not seen),
 * and passes every call on to the C library's.
 *
 *   nssload count ROUNDS NAME ADDR
 *       ROUNDS rounds of every hosts function (getaddrinfo AF_UNSPEC, AF_INET with and
 *       without AI_CANONNAME, AF_INET6; gethostbyname, gethostbyname2, gethostbyname_r,
 *       gethostbyname2_r; gethostbyaddr, gethostbyaddr_r; getnameinfo) for NAME and ADDR,
 *       on the main thread, then on 4 threads at once and in a child forked while they are
 *       half-way through (between two rounds); prints the
 *       first round's results ("gai ...", "ghbn ...", ...), then one line per module file
 *       opened through dlopen: "dlopen FILE COUNT" (the child's own count after its rounds:
 *       "child dlopen FILE COUNT"), then "rounds OK" when every round gave the first
 *       round's results.
 *   nssload loop ROUNDS NAME ADDR
 *       the same rounds on the main thread only (for valgrind); prints "rounds OK".
 *   nssload gai NAME
 *       one getaddrinfo(NAME, AF_UNSPEC): "gai OK ADDR..." or "gai EAI_..." (the recursion
 *       tests: a module that looks itself up).
 *
 * Exit status 0, or 1 for a usage error, 6 when a round differs from the first.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXFILES 16

static struct {
	char file[128];
	int count;
} opened[MAXFILES];
static int nopened;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The C library's dlopen, found past this program's own. */
void *dlopen(const char *file, int mode)
{
	static void *(*real)(const char *, int);
	if (!real)
		real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	if (file && strstr(file, "libnss_")) {
		int i;
		pthread_mutex_lock(&lock);
		for (i = 0; i < nopened && strcmp(opened[i].file, file); i++)
			;
		if (i == nopened && nopened < MAXFILES)
			snprintf(opened[nopened++].file, sizeof opened[0].file, "%s", file);
		if (i < MAXFILES)
			opened[i].count++;
		pthread_mutex_unlock(&lock);
	}
	return real ? real(file, mode) : NULL;
}

static const char *name_arg, *addr_arg;

static void put(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(char *out, size_t len, const char *fmt, ...)
{
	size_t used = strlen(out);
	va_list ap;
	va_start(ap, fmt);
	if (used < len)
		vsnprintf(out + used, len - used, fmt, ap);
	va_end(ap);
}

static void put_hostent(char *out, size_t len, const char *call, const struct hostent *h)
{
	char a[INET6_ADDRSTRLEN];
	int i;
	if (!h) {
		put(out, len, "%s NULL h_errno=%d\n", call, h_errno);
		return;
	}
	put(out, len, "%s %s", call, h->h_name);
	for (i = 0; h->h_aliases[i]; i++)
		put(out, len, " alias=%s", h->h_aliases[i]);
	for (i = 0; h->h_addr_list[i]; i++)
		put(out, len, " %s", inet_ntop(h->h_addrtype, h->h_addr_list[i], a, sizeof a));
	put(out, len, "\n");
}

/* One round of every function; the results as text in out. */
static void round_(char *out, size_t len)
{
	static const struct {
		const char *label;
		int family, flags;
	} sets[] = {{"gai.unspec", AF_UNSPEC, AI_CANONNAME},
		    {"gai.inet", AF_INET, 0},
		    {"gai.inet-canon", AF_INET, AI_CANONNAME},
		    {"gai.inet6", AF_INET6, AI_CANONNAME}};
	struct hostent he, *h;
	char buf[8192], a[INET6_ADDRSTRLEN], host[NI_MAXHOST];
	unsigned char bin[16];
	int family = strchr(addr_arg, ':') ? AF_INET6 : AF_INET, herr, rc;
	size_t i, alen = family == AF_INET6 ? 16 : 4;
	out[0] = 0;
	for (i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		struct addrinfo hints = {.ai_family = sets[i].family,
					 .ai_socktype = SOCK_STREAM,
					 .ai_flags = sets[i].flags},
				*res, *ai;
		rc = getaddrinfo(name_arg, NULL, &hints, &res);
		if (rc) {
			put(out, len, "%s %s\n", sets[i].label, gai_strerror(rc));
			continue;
		}
		put(out, len, "%s canon=%s", sets[i].label,
		    res->ai_canonname ? res->ai_canonname : "-");
		for (ai = res; ai; ai = ai->ai_next)
			put(out, len, " %s",
			    ai->ai_family == AF_INET
				? inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr,
					    a, sizeof a)
				: inet_ntop(AF_INET6,
					    &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, a,
					    sizeof a));
		put(out, len, "\n");
		freeaddrinfo(res);
	}
	put_hostent(out, len, "ghbn", gethostbyname(name_arg));
	put_hostent(out, len, "ghbn2.inet6", gethostbyname2(name_arg, AF_INET6));
	gethostbyname_r(name_arg, &he, buf, sizeof buf, &h, &herr);
	put_hostent(out, len, "ghbn_r", h);
	gethostbyname2_r(name_arg, AF_INET, &he, buf, sizeof buf, &h, &herr);
	put_hostent(out, len, "ghbn2_r.inet", h);
	inet_pton(family, addr_arg, bin);
	put_hostent(out, len, "ghba", gethostbyaddr(bin, alen, family));
	gethostbyaddr_r(bin, alen, family, &he, buf, sizeof buf, &h, &herr);
	put_hostent(out, len, "ghba_r", h);
	{
		struct sockaddr_storage ss = {0};
		socklen_t sl;
		if (family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&ss;
			s->sin_family = AF_INET;
			memcpy(&s->sin_addr, bin, 4);
			sl = sizeof *s;
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
			s->sin6_family = AF_INET6;
			memcpy(&s->sin6_addr, bin, 16);
			sl = sizeof *s;
		}
		rc = getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, NULL, 0,
				 NI_NAMEREQD);
		put(out, len, "gni %s\n", rc ? gai_strerror(rc) : host);
	}
}

#define OUTLEN 16384
static char first[OUTLEN];
static int rounds, differed;

/* The threads stop half-way through their rounds while the child is forked: a fork while a
   thread is inside a lookup leaves the child with glibc's own locks held (gethostbyname's,
   the resolver's), and glibc alone then hangs in the child (POSIX leaves a multithreaded
   program's child only async-signal-safe functions). */
static pthread_barrier_t before_fork, after_fork;

static void *rounds_(void *arg)
{
	char *out = malloc(OUTLEN);
	int i;
	for (i = 0; out && i < rounds; i++) {
		if (arg && i == rounds / 2) {
			pthread_barrier_wait(&before_fork);
			pthread_barrier_wait(&after_fork);
		}
		round_(out, OUTLEN);
		if (strcmp(out, first)) {
			pthread_mutex_lock(&lock);
			if (!differed++)
				fprintf(stderr, "a round differs:\n%s--- first:\n%s", out, first);
			pthread_mutex_unlock(&lock);
		}
	}
	free(out);
	return NULL;
}

/* Called with no other thread running (a child forked while the lock was held must not
   wait on it). */
static void print_opened(const char *prefix)
{
	int i;
	for (i = 0; i < nopened; i++)
		printf("%sdlopen %s %d\n", prefix, opened[i].file, opened[i].count);
}

int main(int argc, char **argv)
{
	int threads = 0, i;
	pid_t pid;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "gai")) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
		char a[INET6_ADDRSTRLEN];
		int rc = getaddrinfo(argv[2], NULL, &hints, &res);
		if (rc) {
			printf("gai %s\n", gai_strerror(rc));
			return 0;
		}
		printf("gai OK");
		for (ai = res; ai; ai = ai->ai_next)
			if (ai->ai_family == AF_INET)
				printf(" %s", inet_ntop(AF_INET,
							&((struct sockaddr_in *)ai->ai_addr)->sin_addr,
							a, sizeof a));
		printf("\n");
		freeaddrinfo(res);
		return 0;
	}
	if (argc != 5 || (strcmp(argv[1], "count") && strcmp(argv[1], "loop"))) {
		fprintf(stderr, "usage: nssload count|loop ROUNDS NAME ADDR | gai NAME\n");
		return 1;
	}
	threads = !strcmp(argv[1], "count") ? 4 : 0;
	rounds = atoi(argv[2]);
	name_arg = argv[3];
	addr_arg = argv[4];
	round_(first, sizeof first);
	if (threads)
		printf("%s", first);
	rounds_(NULL);
	if (threads) {
		pthread_t t[4];
		pthread_barrier_init(&before_fork, NULL, threads + 1);
		pthread_barrier_init(&after_fork, NULL, threads + 1);
		for (i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, rounds_, t);
		/* The child is forked while the threads are half-way through their rounds. */
		pthread_barrier_wait(&before_fork);
		pid = fork();
		if (pid == 0) {
			rounds_(NULL);
			print_opened("child ");
			_exit(differed ? 6 : 0);
		}
		pthread_barrier_wait(&after_fork);
		for (i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		if (pid > 0) {
			int st;
			waitpid(pid, &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				differed++;
		}
		print_opened("");
	}
	if (differed)
		return 6;
	printf("rounds OK\n");
	return 0;
}
