/*
 * IPv4 addresses in host byte order, as the configuration, the logs,
 * the control socket and the service environment write them: the one
 * place where they are parsed and formatted and where prefix lengths
 * become masks.
 *
 * Only numbers are parsed: a name would be a DNS lookup, which the
 * sandbox forbids and a configuration should not depend on (libdnet's
 * addr_pton falls back to one).  honeydctl links this file too, and
 * has no libdnet.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"

/* a.b.c.d into buf (INET_ADDRSTRLEN is enough); returns buf. */
const char *
addr_fmt(uint32_t a, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
	return (buf);
}

/* "a.b.c.d", and nothing else, into *a. */
int
addr_parse(const char *s, uint32_t *a)
{
	struct in_addr	 in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return (-1);
	*a = ntohl(in.s_addr);
	return (0);
}

/* The mask of a prefix of bits (0 to 32) bits. */
uint32_t
addr_mask(int bits)
{
	return (bits <= 0 ? 0 : bits >= 32 ? UINT32_MAX :
	    UINT32_MAX << (32 - bits));
}

/* The prefix length of a mask: its leading one bits. */
int
addr_masklen(uint32_t mask)
{
	int	 bits = 0;

	while (bits < 32 && (mask & (0x80000000U >> bits)) != 0)
		bits++;
	return (bits);
}

/* The prefix length if lo..hi is exactly one network, else -1. */
static int
addr_range_bits(uint32_t lo, uint32_t hi)
{
	uint32_t	 mask;
	int		 bits;

	for (bits = 0; bits <= 32; bits++) {
		mask = addr_mask(bits);
		if ((lo & ~mask) == 0 && (lo | ~mask) == hi)
			return (bits);
	}
	return (-1);
}

/* One address, a network if lo..hi is exactly one, else "lo-hi". */
const char *
addr_fmt_range(uint32_t lo, uint32_t hi, char *buf, size_t size)
{
	char	 a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int	 bits;

	addr_fmt(lo, a, sizeof(a));
	if ((bits = addr_range_bits(lo, hi)) == 32)
		snprintf(buf, size, "%s", a);
	else if (bits != -1)
		snprintf(buf, size, "%s/%d", a, bits);
	else
		snprintf(buf, size, "%s-%s", a, addr_fmt(hi, b, sizeof(b)));
	return (buf);
}

/*
 * "ADDR/BITS" or "ADDR": the address's text into buf (len bytes) and
 * BITS into *bits, maxbits without it.  BITS is decimal digits, at most
 * maxdigits of them (0: any number), and no more than maxbits.  -1 if
 * s is malformed or its address too long for buf.
 */
static int
addr_split_net(const char *s, char *buf, size_t len, long maxbits,
    int maxdigits, long *bits)
{
	const char	*slash;
	char		*end;

	*bits = maxbits;
	if ((slash = strchr(s, '/')) == NULL)
		slash = s + strlen(s);
	else {
		*bits = strtol(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end != '\0' ||
		    *bits > maxbits ||
		    (maxdigits > 0 && end - slash > maxdigits + 1))
			return (-1);
	}
	if (slash - s >= (ptrdiff_t)len)
		return (-1);
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	return (0);
}

/*
 * "a.b.c.d/bits" or "a.b.c.d": the inclusive range.  Host bits are
 * cleared, as routers do, and the answer is then 1 so that the
 * configuration can warn.
 */
int
addr_parse_net(const char *s, uint32_t *lo, uint32_t *hi)
{
	char		 buf[INET_ADDRSTRLEN];
	uint32_t	 a, mask;
	long		 bits;

	if (addr_split_net(s, buf, sizeof(buf), 32, 0, &bits) == -1 ||
	    addr_parse(buf, &a) == -1)
		return (-1);
	mask = addr_mask(bits);
	*lo = a & mask;
	*hi = *lo | ~mask;
	return (*lo != a);
}

/* An address, a network, or "a.b.c.d-e.f.g.h"; 1 as addr_parse_net. */
int
addr_parse_range(const char *s, uint32_t *lo, uint32_t *hi)
{
	char		 buf[INET_ADDRSTRLEN];
	const char	*dash;

	if ((dash = strchr(s, '-')) == NULL)
		return (addr_parse_net(s, lo, hi));
	if (dash - s >= (ptrdiff_t)sizeof(buf))
		return (-1);
	memcpy(buf, s, dash - s);
	buf[dash - s] = '\0';
	if (addr_parse(buf, lo) == -1 || addr_parse(dash + 1, hi) == -1 ||
	    *lo > *hi)
		return (-1);
	return (0);
}

/*
 * IPv6 addresses stay in network byte order (struct in6_addr): they are
 * compared as bytes, and nothing does arithmetic on them but prefixes.
 */

/* An IPv6 address as inet_ntop writes it (INET6_ADDRSTRLEN is enough). */
const char *
addr6_fmt(const struct in6_addr *a, char *buf, size_t size)
{
	if (inet_ntop(AF_INET6, a, buf, size) == NULL)
		strlcpy(buf, "?", size);
	return (buf);
}

/* "2001:db8::5", and nothing else (no zone, no name), into *a. */
int
addr6_parse(const char *s, struct in6_addr *a)
{
	return (inet_pton(AF_INET6, s, a) == 1 ? 0 : -1);
}

/* a with all but its first plen bits cleared. */
void
addr6_mask(struct in6_addr *a, int plen)
{
	int	 i;

	for (i = 0; i < 16; i++) {
		if (plen >= 8)
			plen -= 8;
		else {
			a->s6_addr[i] &= (uint8_t)(0xff00 >> plen);
			plen = 0;
		}
	}
}

/* Whether a is inside net/plen. */
int
addr6_in_net(const struct in6_addr *a, const struct in6_addr *net, int plen)
{
	struct in6_addr	 m = *a;

	addr6_mask(&m, plen);
	return (memcmp(&m, net, sizeof(m)) == 0);
}

/*
 * "2001:db8::/64" or an address (a /128) into net and *plen: 0, 1 if
 * host bits were set (net has them cleared, so the caller can say so),
 * -1 if malformed.
 */
int
addr6_parse_net(const char *s, struct in6_addr *net, int *plen)
{
	char		 buf[INET6_ADDRSTRLEN];
	struct in6_addr	 a;
	long		 bits;

	if (addr_split_net(s, buf, sizeof(buf), 128, 3, &bits) == -1 ||
	    addr6_parse(buf, &a) == -1)
		return (-1);
	*net = a;
	*plen = bits;
	addr6_mask(net, bits);
	return (memcmp(net, &a, sizeof(a)) != 0);
}

/* "2001:db8::10-2001:db8::1f" into *lo and *hi: 0, or -1 if malformed. */
int
addr6_parse_range(const char *s, struct in6_addr *lo, struct in6_addr *hi)
{
	char		 buf[INET6_ADDRSTRLEN];
	const char	*dash;

	if ((dash = strchr(s, '-')) == NULL ||
	    dash - s >= (ptrdiff_t)sizeof(buf))
		return (-1);
	memcpy(buf, s, dash - s);
	buf[dash - s] = '\0';
	if (addr6_parse(buf, lo) == -1 || addr6_parse(dash + 1, hi) == -1 ||
	    memcmp(lo, hi, sizeof(*lo)) > 0)
		return (-1);
	return (0);
}

/*
 * The largest prefix starting at *lo (<= hi) that ends at or before hi,
 * into net and *plen, and *lo moved past it: 1 while addresses of the
 * range are left, 0 once the prefix reached hi.  Called until it is 0,
 * this covers lo..hi with the fewest prefixes (at most 2 * 128 - 2).
 */
int
addr6_range_next(struct in6_addr *lo, const struct in6_addr *hi,
    struct in6_addr *net, int *plen)
{
	struct in6_addr	 last;
	int		 p, i;

	*net = *lo;
	/* Shorten while lo's next host bit is clear and the end fits. */
	for (p = 128; p > 0; p--) {
		if (lo->s6_addr[(p - 1) / 8] & (0x80 >> ((p - 1) % 8)))
			break;
		last = *lo;
		for (i = p - 1; i < 128; i++)
			last.s6_addr[i / 8] |= 0x80 >> (i % 8);
		if (memcmp(&last, hi, sizeof(last)) > 0)
			break;
	}
	*plen = p;
	for (i = p; i < 128; i++)
		lo->s6_addr[i / 8] |= 0x80 >> (i % 8);
	if (memcmp(lo, hi, sizeof(*lo)) == 0)
		return (0);
	/* Below hi, so the last address plus one does not wrap. */
	for (i = 15; lo->s6_addr[i] == 0xff; i--)
		lo->s6_addr[i] = 0;
	lo->s6_addr[i]++;
	return (1);
}

/* "net/plen", or the address alone for a /128. */
const char *
addr6_fmt_net(const struct in6_addr *net, int plen, char *buf, size_t size)
{
	char	 a[INET6_ADDRSTRLEN];

	addr6_fmt(net, a, sizeof(a));
	if (plen == 128)
		snprintf(buf, size, "%s", a);
	else
		snprintf(buf, size, "%s/%d", a, plen);
	return (buf);
}

/*
 * Whether net/plen holds host addresses only: no multicast (ff00::/8),
 * nor the unspecified or loopback address, which no host answers for.
 */
int
addr6_net_unicast(const struct in6_addr *net, int plen)
{
	static const struct in6_addr	 any, loop = {{{ 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 1 }}};
	struct in6_addr			 mc;

	memset(&mc, 0, sizeof(mc));
	mc.s6_addr[0] = 0xff;
	return (!addr6_in_net(net, &mc, 8) && !addr6_in_net(&mc, net, plen) &&
	    !addr6_in_net(&any, net, plen) && !addr6_in_net(&loop, net, plen));
}

/*
 * 32 bits of an IPv6 address for what keys on an IPv4 one (a hash, a
 * derived MAC): the four words folded together, the interface
 * identifier first so that hosts of one /64 differ.
 */
uint32_t
addr6_fold(const struct in6_addr *a)
{
	uint32_t	 w[4];

	memcpy(w, a, sizeof(w));
	return (ntohl(w[3]) ^ ntohl(w[2]) * 0x9e3779b1U ^
	    ntohl(w[1]) * 0x85ebca6bU ^ ntohl(w[0]) * 0xc2b2ae35U);
}

/* A proxy's target address (proxy_target()) as text. */
const char *
addr_dest_fmt(const struct proxy_dest *d, char *buf, size_t size)
{
	if (d->v6)
		return (addr6_fmt(&d->addr6, buf, size));
	return (addr_fmt(d->addr, buf, size));
}
