/*
 * which: says which build of the shim is in the process and what getaddrinfo returns, then
 * (optionally) becomes another program, environment inherited, as a shell running a command
 * would. Built for glibc and for musl by tests/layout.rs.
 *
 *   which NAME [-- CMD ARGS...]
 *
 * prints "libc=<the C library this program is built for> shim=<dnsshim_libc() of the loaded
 * shim, or none> gai=<OK or the EAI_ code number>", then one "addr A" line per IPv4 address,
 * then, if "--" follows, execvp(CMD, ARGS) (exit 127 if that fails).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: which NAME [-- CMD ARGS...]\n");
		return 2;
	}
#ifdef __GLIBC__
	const char *own = "glibc";
#else
	const char *own = "musl";
#endif
	const char *(*shim_libc)(void) =
	    (const char *(*)(void))dlsym(RTLD_DEFAULT, "dnsshim_libc");
	struct addrinfo hints, *res = 0, *ai;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(argv[1], 0, &hints, &res);
	printf("libc=%s shim=%s gai=", own, shim_libc ? shim_libc() : "none");
	if (rc == 0)
		printf("OK\n");
	else
		printf("%d\n", rc);
	for (ai = res; ai; ai = ai->ai_next) {
		char buf[INET_ADDRSTRLEN];
		struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;
		printf("addr %s\n", inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf));
	}
	if (res)
		freeaddrinfo(res);
	fflush(stdout);
	if (argc > 3 && strcmp(argv[2], "--") == 0) {
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		return 127;
	}
	return rc == 0 ? 0 : 1;
}
