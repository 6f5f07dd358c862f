/*
 * rrquery: res_query(NAME, C_IN, TYPE) and the answer section as canonical text, for the
 * interop tests (tests/interop.rs). Built with gcc (glibc) and musl-gcc (musl), run with and
 * without LD_PRELOAD of the shim.
 *
 *   rrquery NAME A|TXT|SRV|CNAME
 *
 * Prints "res OK tc=0|1 ancount=N" (the header of the message res_query returned), then one
 * line per answer record:
 *   A 10.0.0.1
 *   CNAME target.name
 *   TXT <total length of the strings> <the strings concatenated>
 *   SRV <priority> <weight> <port> <target>
 *   TYPE<n> <rdlength>            (anything else)
 * On failure: "res FAIL h_errno=N". Exit status: 0 answer, 2 HOST_NOT_FOUND/NO_DATA, 3 other
 * failure, 4 malformed answer, 1 usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define T_A_ 1
#define T_CNAME_ 5
#define T_TXT_ 16
#define T_SRV_ 33

static int parse_type(const char *s)
{
	if (!strcmp(s, "A")) return T_A_;
	if (!strcmp(s, "CNAME")) return T_CNAME_;
	if (!strcmp(s, "TXT")) return T_TXT_;
	if (!strcmp(s, "SRV")) return T_SRV_;
	return -1;
}

static int malformed(const char *what)
{
	printf("malformed %s\n", what);
	return 4;
}

int main(int argc, char **argv)
{
	static unsigned char msg[65536];
	static char name[NS_MAXDNAME], txt[65536];
	const unsigned char *p, *end;
	int type, len, n, i, qd, an;

	if (argc != 3 || (type = parse_type(argv[2])) < 0) {
		fprintf(stderr, "usage: rrquery NAME A|TXT|SRV|CNAME\n");
		return 1;
	}
	h_errno = 0;
	len = res_query(argv[1], 1 /* C_IN */, type, msg, sizeof msg);
	if (len < 0) {
		printf("res FAIL h_errno=%d\n", h_errno);
		return h_errno == HOST_NOT_FOUND || h_errno == NO_DATA ? 2 : 3;
	}
	if (len < 12 || len > (int)sizeof msg)
		return malformed("length");
	end = msg + len;
	qd = get16(msg + 4);
	an = get16(msg + 6);
	printf("res OK tc=%d ancount=%d\n", (msg[2] >> 1) & 1, an);
	p = msg + 12;
	for (i = 0; i < qd; i++) {
		n = dn_expand(msg, end, p, name, sizeof name);
		if (n < 0 || end - p < n + 4)
			return malformed("question");
		p += n + 4;
	}
	for (i = 0; i < an; i++) {
		unsigned rtype, rdlen;
		const unsigned char *rd;
		n = dn_expand(msg, end, p, name, sizeof name);
		if (n < 0 || end - p < n + 10)
			return malformed("record header");
		p += n;
		rtype = get16(p);
		rdlen = get16(p + 8);
		rd = p + 10;
		if ((unsigned)(end - rd) < rdlen)
			return malformed("rdata length");
		p = rd + rdlen;
		if (rtype == T_A_ && rdlen == 4) {
			char a[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, rd, a, sizeof a);
			printf("A %s\n", a);
		} else if (rtype == T_CNAME_) {
			if (dn_expand(msg, end, rd, name, sizeof name) < 0)
				return malformed("CNAME");
			printf("CNAME %s\n", name);
		} else if (rtype == T_TXT_) {
			const unsigned char *q = rd;
			size_t t = 0;
			while (q < rd + rdlen) {
				unsigned l = *q++;
				if ((unsigned)(rd + rdlen - q) < l)
					return malformed("TXT");
				memcpy(txt + t, q, l);
				t += l;
				q += l;
			}
			txt[t] = 0;
			printf("TXT %zu %s\n", t, txt);
		} else if (rtype == T_SRV_ && rdlen >= 7) {
			if (dn_expand(msg, end, rd + 6, name, sizeof name) < 0)
				return malformed("SRV");
			printf("SRV %u %u %u %s\n", get16(rd), get16(rd + 2), get16(rd + 4), name);
		} else {
			printf("TYPE%u %u\n", rtype, rdlen);
		}
	}
	return 0;
}
