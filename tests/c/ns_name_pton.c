/*
 * ns_name_pton: glibc's own ns_name_pton (libresolv) on names read one per line from stdin,
 * hex-encoded (so that any byte but NUL can be given). Prints one line per name: "ok HEX", the
 * name in wire form as glibc encodes it (up to its root byte), or "err". For
 * tests/name_syntax.rs, which compares the library's parser with it.
 */
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>

static int hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int main(void)
{
	char line[4096];
	while (fgets(line, sizeof line, stdin)) {
		char name[2048];
		size_t n = 0;
		for (size_t i = 0; line[i] && line[i] != '\n'; i += 2) {
			int hi = hex(line[i]), lo = hex(line[i + 1]);
			if (hi < 0 || lo < 0 || n + 1 >= sizeof name) {
				fprintf(stderr, "bad input line\n");
				return 1;
			}
			name[n++] = (char)(hi << 4 | lo);
		}
		name[n] = 0;
		unsigned char wire[NS_MAXCDNAME];
		if (ns_name_pton(name, wire, sizeof wire) < 0) {
			puts("err");
			continue;
		}
		size_t len = 0;
		while (len < sizeof wire && wire[len])
			len += wire[len] + 1u;
		len++;
		printf("ok ");
		for (size_t i = 0; i < len && i < sizeof wire; i++)
			printf("%02x", wire[i]);
		putchar('\n');
	}
	return 0;
}
