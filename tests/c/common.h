/*
 * What the test programs probe.c, conform.c and rrquery.c share: the names of the resolver's
 * codes and of DNS values, big-endian reads, FNV-1a, the summary of TXT data and the text of a
 * socket address. Everything here is static; a program that does not use a helper gets no
 * warning for it. Each program keeps its own spelling of a value without a name (NAME_FN), as
 * the suites compare their output byte for byte.
 */
#ifndef DNSSHIM_TESTS_C_COMMON_H
#define DNSSHIM_TESTS_C_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Same value in glibc and musl; musl hides it behind feature macros. */
#ifndef NETDB_INTERNAL
#define NETDB_INTERNAL -1
#endif

/* ---- names of codes ---- */

struct code_name {
	int code;
	const char *name;
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

/* The name of `code` in t[0..n), NULL when it has none. */
static inline const char *code_name(const struct code_name *t, size_t n, int code)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

/* The name of `code` in t[0..n), else "<prefix><code><suffix>" written to buf. */
static inline const char *name_or(const struct code_name *t, size_t n, int code, char *buf,
				  size_t len, const char *prefix, const char *suffix)
{
	const char *name = code_name(t, n, code);
	if (name)
		return name;
	snprintf(buf, len, "%s%d%s", prefix, code, suffix);
	return buf;
}

/* Defines `static const char *FN(int code)`: the name of `code` in TABLE, else
 * "<PREFIX><code><SUFFIX>" in a buffer of FN's own (two such names may be in one printf). */
#define NAME_FN(fn, table, prefix, suffix)                                                   \
	static const char *fn(int code)                                                      \
	{                                                                                    \
		static char buf[32];                                                         \
		return name_or(table, COUNT(table), code, buf, sizeof buf, prefix, suffix);  \
	}

/* getaddrinfo/getnameinfo results (the same numbers in glibc and musl). */
static const struct code_name eai_names[] = {
	{0, "OK"},
	{-1, "EAI_BADFLAGS"},
	{-2, "EAI_NONAME"},
	{-3, "EAI_AGAIN"},
	{-4, "EAI_FAIL"},
	{-5, "EAI_NODATA"},
	{-6, "EAI_FAMILY"},
	{-7, "EAI_SOCKTYPE"},
	{-8, "EAI_SERVICE"},
	{-9, "EAI_ADDRFAMILY"},
	{-10, "EAI_MEMORY"},
	{-11, "EAI_SYSTEM"},
	{-12, "EAI_OVERFLOW"},
};

static const struct code_name herr_names[] = {
	{NETDB_INTERNAL, "NETDB_INTERNAL"},
	{0, "NETDB_SUCCESS"},
	{HOST_NOT_FOUND, "HOST_NOT_FOUND"},
	{TRY_AGAIN, "TRY_AGAIN"},
	{NO_RECOVERY, "NO_RECOVERY"},
	{NO_DATA, "NO_DATA"},
};

/* The errno values the resolver functions return or set. */
static const struct code_name errno_names[] = {
	{0, "0"},
	{ERANGE, "ERANGE"},
	{ENOENT, "ENOENT"},
	{EAGAIN, "EAGAIN"},
	{EINVAL, "EINVAL"},
	{ENOMEM, "ENOMEM"},
	{EAFNOSUPPORT, "EAFNOSUPPORT"},
	{EBADMSG, "EBADMSG"},
	{ENXIO, "ENXIO"},
};

static const struct code_name family_names[] = {
	{AF_INET, "inet"},
	{AF_INET6, "inet6"},
	{AF_UNSPEC, "unspec"},
};

static const struct code_name socktype_names[] = {
	{SOCK_STREAM, "stream"},
	{SOCK_DGRAM, "dgram"},
	{SOCK_RAW, "raw"},
};

static const struct code_name proto_names[] = {
	{IPPROTO_TCP, "tcp"},
	{IPPROTO_UDP, "udp"},
};

/* DNS record types. */
static const struct code_name rrtype_names[] = {
	{1, "A"},    {2, "NS"},   {5, "CNAME"}, {6, "SOA"},  {12, "PTR"},  {15, "MX"},
	{16, "TXT"}, {28, "AAAA"}, {33, "SRV"},  {41, "OPT"}, {255, "ANY"}, {257, "CAA"},
};

/* DNS response codes. */
static const struct code_name rcode_names[] = {
	{0, "NOERROR"}, {1, "FORMERR"}, {2, "SERVFAIL"},
	{3, "NXDOMAIN"}, {4, "NOTIMP"}, {5, "REFUSED"},
};

/* ---- DNS messages ---- */

static inline unsigned get16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }

static inline unsigned long get32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8
	       | p[3];
}

/* 32-bit FNV-1a, continuing from h (2166136261 to start). */
static inline unsigned long fnv(const unsigned char *p, size_t n, unsigned long h)
{
	while (n--)
		h = ((h ^ *p++) * 16777619UL) & 0xffffffffUL;
	return h;
}

/* What TXT data msg[q..end) holds: the number of character-strings (*n), their total length
 * (*total), the FNV-1a of their concatenation (*h) and its first `headmax` bytes (head, NUL
 * terminated, headmax + 1 bytes; bytes outside 0x21..0x7e and those in `bad` as '_'). 0 when
 * the strings fill the data exactly, -1 when the last one runs past it. */
static inline int txt_summary(const unsigned char *msg, int q, int end, int *n, int *total,
			      unsigned long *h, char *head, size_t headmax, const char *bad)
{
	size_t hl = 0;
	int i;
	*n = 0;
	*total = 0;
	*h = 2166136261UL;
	while (q < end) {
		int l = msg[q++];
		if (q + l > end)
			break;
		*h = fnv(msg + q, l, *h);
		for (i = 0; i < l && hl < headmax; i++) {
			unsigned char c = msg[q + i];
			head[hl++] = c > 0x20 && c < 0x7f && !strchr(bad, c) ? c : '_';
		}
		q += l;
		*total += l;
		(*n)++;
	}
	head[hl] = 0;
	return q == end ? 0 : -1;
}

/* ---- addresses ---- */

/* The address of `sa` as text into out (an IPv6 scope id appended as %N) and its port
 * through *port; for another family -1 (out untouched, *port -1). */
static inline int addr_port(const struct sockaddr *sa, char *out, size_t len, int *port)
{
	*port = -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, out, len);
		*port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, out, len);
		if (s6->sin6_scope_id)
			snprintf(out + strlen(out), len - strlen(out), "%%%u",
				 (unsigned)s6->sin6_scope_id);
		*port = ntohs(s6->sin6_port);
	} else {
		return -1;
	}
	return 0;
}

#endif
