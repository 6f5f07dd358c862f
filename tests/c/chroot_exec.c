/*
 * chroot_exec: what a container runtime does when it starts a container's process:
 * chroot(2) into ROOT, chdir("/"), execve PROG with exactly the environment given.
 *
 *   chroot_exec ROOT [NAME=VALUE...] -- PROG [ARG...]
 *
 * Used by tests/dropin.rs instead of chroot(1): chroot(1) is a host (glibc) program, and an
 * LD_PRELOAD meant for the musl program inside the root would be applied to chroot(1) itself.
 * Exit status: PROG's, or 125 (usage, chroot failed), 127 (execve failed).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_ENV 64

int main(int argc, char **argv)
{
	char *env[MAX_ENV + 1];
	int n = 0, i;

	if (argc < 4) {
		fprintf(stderr, "usage: chroot_exec ROOT [NAME=VALUE...] -- PROG [ARG...]\n");
		return 125;
	}
	for (i = 2; i < argc && strcmp(argv[i], "--"); i++) {
		if (n == MAX_ENV || !strchr(argv[i], '=')) {
			fprintf(stderr, "chroot_exec: bad or too many variables at %s\n", argv[i]);
			return 125;
		}
		env[n++] = argv[i];
	}
	env[n] = NULL;
	if (i + 1 >= argc) {
		fprintf(stderr, "chroot_exec: no program after --\n");
		return 125;
	}
	if (chroot(argv[1]) || chdir("/")) {
		perror("chroot_exec: chroot");
		return 125;
	}
	execve(argv[i + 1], argv + i + 1, env);
	perror("chroot_exec: execve");
	return 127;
}
