/*
 * fault: one resolver call under a hostile network or hostile files, with the facts the fault
 * tests assert: the exact return code, the time the call took (CLOCK_MONOTONIC, inside the
 * process), and whether the process's open descriptors are the same after the call (and the
 * free of its result) as before. Built with gcc (glibc) and musl-gcc (musl) by tests/faults.rs
 * (tests/reliability/mod.rs); also linked directly against libdnsshim.so for the
 * secure-execution test.
 *
 *   fault gai NAME [inet|inet6|unspec] [canon] [addrconfig] [nullhints]
 *       "gai OK|EAI_xxx", then "addr A" per entry (IPv4/IPv6 text, sorted, repeated entries
 *       shown as often as they came), "count N", "canon NAME" with canon. nullhints passes
 *       NULL hints (the C library's defaults: glibc AI_V4MAPPED|AI_ADDRCONFIG).
 *   fault ghbn NAME
 *       "ghbn OK" then "name N", "addr A"... (gethostbyname), or "ghbn h_errno=NAME".
 *   fault secure [gai|ghbn ...]
 *       "at_secure N uid U euid E": the secure-execution state of this process; then the
 *       call, if one follows.
 *
 * After the call: "fds same N" (N descriptors open, same numbers and targets before and after)
 * or "fds CHANGED before=[...] after=[...]"; "time_ms N" (the call alone).
 * Exit status: 0 success, 2 not found, 3 other resolver error, 1 usage, 5 descriptors changed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#ifndef EAI_NODATA
#define EAI_NODATA -5
#endif
#ifndef AT_SECURE
#define AT_SECURE 23
#endif

NAME_FN(eai_name, eai_names, "EAI_UNKNOWN(", ")")
NAME_FN(herr_name, herr_names, "H_UNKNOWN(", ")")

/* The open descriptors: "N->target" for each, the directory's own descriptor left out. */
#define FDS_MAX 8192
static int fds_list(char *out, size_t len)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t used = 0;
	int n = 0, self;
	if (!d)
		return -1;
	self = dirfd(d);
	out[0] = 0;
	/* readdir's order is the kernel's, ascending descriptor numbers for /proc/self/fd. */
	while ((e = readdir(d))) {
		char path[64], target[256];
		ssize_t tl;
		int fd;
		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == self)
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		tl = readlink(path, target, sizeof target - 1);
		if (tl < 0)
			tl = 0;
		target[tl] = 0;
		used += snprintf(out + used, used < len ? len - used : 0, "%s%d->%s", n ? "," : "",
				 fd, target);
		n++;
	}
	closedir(d);
	if (used >= len)
		return -1;
	return n;
}

static char fds_before[FDS_MAX], fds_after[FDS_MAX];
static int nfds_before;
static struct timespec t0, t1;

static void begin(void)
{
	nfds_before = fds_list(fds_before, sizeof fds_before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
}

static void end_call(void) { clock_gettime(CLOCK_MONOTONIC, &t1); }

/* Prints the descriptor and time lines; returns 5 when the descriptors changed, else rc. */
static int finish(int rc)
{
	int n = fds_list(fds_after, sizeof fds_after);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	int same = n >= 0 && n == nfds_before && !strcmp(fds_before, fds_after);
	if (same)
		printf("fds same %d\n", n);
	else
		printf("fds CHANGED before=[%s] after=[%s]\n", fds_before, fds_after);
	printf("time_ms %ld\n", ms);
	fflush(stdout);
	return same ? rc : 5;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_gai(int argc, char **argv)
{
	struct addrinfo hints, *res = NULL, *ai;
	char *addrs[70000];
	int n = 0, i, rc, nullhints = 0;
	if (argc < 1)
		return 1;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "inet")) hints.ai_family = AF_INET;
		else if (!strcmp(argv[i], "inet6")) hints.ai_family = AF_INET6;
		else if (!strcmp(argv[i], "unspec")) hints.ai_family = AF_UNSPEC;
		else if (!strcmp(argv[i], "canon")) hints.ai_flags |= AI_CANONNAME;
		else if (!strcmp(argv[i], "addrconfig")) hints.ai_flags |= AI_ADDRCONFIG;
		else if (!strcmp(argv[i], "nullhints")) nullhints = 1;
		else return 1;
	}
	begin();
	rc = getaddrinfo(argv[0], NULL, nullhints ? NULL : &hints, &res);
	end_call();
	printf("gai %s\n", eai_name(rc));
	if (rc == 0) {
		for (ai = res; ai && n < 70000; ai = ai->ai_next) {
			char buf[INET6_ADDRSTRLEN] = "?";
			if (ai->ai_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, buf,
					  sizeof buf);
			else if (ai->ai_family == AF_INET6)
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
					  buf, sizeof buf);
			addrs[n++] = strdup(buf);
		}
		qsort(addrs, n, sizeof addrs[0], cmp_str);
		for (i = 0; i < n; i++) {
			printf("addr %s\n", addrs[i]);
			free(addrs[i]);
		}
		printf("count %d\n", n);
		if (!nullhints && (hints.ai_flags & AI_CANONNAME))
			printf("canon %s\n", res->ai_canonname ? res->ai_canonname : "(null)");
		freeaddrinfo(res);
	}
	return finish(rc == 0 ? 0 : rc == EAI_NONAME || rc == EAI_NODATA ? 2 : 3);
}

static int cmd_ghbn(int argc, char **argv)
{
	struct hostent *h;
	char **p;
	if (argc != 1)
		return 1;
	begin();
	h_errno = 0;
	h = gethostbyname(argv[0]);
	end_call();
	if (!h) {
		int e = h_errno;
		printf("ghbn h_errno=%s\n", herr_name(e));
		return finish(e == HOST_NOT_FOUND || e == NO_DATA ? 2 : 3);
	}
	printf("ghbn OK\nname %s\n", h->h_name);
	for (p = h->h_addr_list; *p; p++) {
		char buf[INET6_ADDRSTRLEN];
		inet_ntop(h->h_addrtype, *p, buf, sizeof buf);
		printf("addr %s\n", buf);
	}
	return finish(0);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "secure")) {
		printf("at_secure %lu uid %d euid %d\n", getauxval(AT_SECURE), (int)getuid(),
		       (int)geteuid());
		if (argc == 2)
			return 0;
		argc--;
		argv++;
	}
	if (argc < 2)
		return 1;
	if (!strcmp(argv[1], "gai"))
		return cmd_gai(argc - 2, argv + 2);
	if (!strcmp(argv[1], "ghbn"))
		return cmd_ghbn(argc - 2, argv + 2);
	return 1;
}
