/*
 * lookup: a small `getent hosts`-like program, to see what the C library's resolver returns.
 *
 *   lookup [-4|-6] NAME...
 *
 * Prints one "ADDRESS CANONICAL-NAME" line per address of each NAME, in the order
 * getaddrinfo(3) returns them. Exit status: 0 when every name resolved, 2 when some name was
 * not found (as getent), 1 on any other error (printed on stderr).
 *
 * Build it against musl and run it with and without the shim:
 *   musl-gcc -O2 -o lookup examples/lookup.c
 *   ./lookup big.example.com                      # musl < 1.2.4: fails or truncated list
 *   LD_PRELOAD=libdnsshim.so ./lookup big.example.com
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#ifndef EAI_NODATA
#define EAI_NODATA -5 /* same value in glibc and musl; musl may hide the name */
#endif

static int lookup(const char *name, int family)
{
	struct addrinfo hints, *res, *ai;
	const char *canon;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM; /* one entry per address, as getent prints */
	hints.ai_flags = AI_CANONNAME;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc == EAI_NONAME || rc == EAI_NODATA)
		return 2;
	if (rc) {
		fprintf(stderr, "lookup: %s: %s\n", name, gai_strerror(rc));
		return 1;
	}
	canon = res->ai_canonname ? res->ai_canonname : name;
	for (ai = res; ai; ai = ai->ai_next) {
		char buf[INET6_ADDRSTRLEN];
		const void *addr;
		if (ai->ai_family == AF_INET)
			addr = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			addr = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(ai->ai_family, addr, buf, sizeof buf))
			printf("%-39s %s\n", buf, canon);
	}
	freeaddrinfo(res);
	return 0;
}

int main(int argc, char **argv)
{
	int family = AF_UNSPEC, status = 0, i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-4"))
			family = AF_INET;
		else if (!strcmp(argv[i], "-6"))
			family = AF_INET6;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: lookup [-4|-6] NAME...\n");
		return 1;
	}
	for (; i < argc; i++) {
		int rc = lookup(argv[i], family);
		if (rc == 1 || (rc == 2 && status == 0))
			status = rc;
	}
	return status;
}
