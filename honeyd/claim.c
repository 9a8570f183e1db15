/*
 * The set of claimed addresses: the networks honeyd answers for.  Kept
 * as a sorted array of disjoint inclusive ranges in host byte order so
 * membership is a binary search and the pcap filter can be derived.
 * IPv6 space is a second sorted array, of prefixes.  Both arrays grow,
 * merge and are searched by the same three functions over elements of
 * either type (claim_grow, claim_merge, claim_floor); only what a
 * merge means differs: IPv4 ranges join when they overlap or touch,
 * an IPv6 prefix inside another goes.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "honeyd.h"

void
claim_init(struct claimset *cs)
{
	memset(cs, 0, sizeof(*cs));
}

void
claim_clear(struct claimset *cs)
{
	free(cs->r);
	free(cs->r6);
	claim_init(cs);
}

/*
 * Room in the array base of n elements of size bytes (*cap of them
 * allocated) for one more: the array, moved perhaps; NULL if no memory.
 */
static void *
claim_grow(void *base, size_t n, size_t *cap, size_t size)
{
	void	*p;
	size_t	 ncap;

	if (n < *cap)
		return (base);
	ncap = *cap ? *cap * 2 : 16;
	if ((p = reallocarray(base, ncap, size)) == NULL)
		return (NULL);
	*cap = ncap;
	return (p);
}

/*
 * Sort the n elements of base by cmp, then let each one be absorbed
 * into the last one kept before it (absorb returns 1, having widened
 * that one if it must) or be kept.  Returns how many are kept.
 */
static size_t
claim_merge(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *),
    int (*absorb)(void *, const void *))
{
	uint8_t	*a = base;
	size_t	 i, out;

	if (n == 0)
		return (0);
	qsort(a, n, size, cmp);
	for (i = 1, out = 0; i < n; i++)
		if (!absorb(a + out * size, a + i * size) && ++out != i)
			memcpy(a + out * size, a + i * size, size);
	return (out + 1);
}

/*
 * In the n elements of base, sorted by cmp and disjoint, the last that
 * starts at or below key: the only one that may hold it.  NULL if none.
 */
static const void *
claim_floor(const void *base, size_t n, size_t size, const void *key,
    int (*cmp)(const void *, const void *))
{
	const uint8_t	*a = base;
	size_t		 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cmp(a + mid * size, key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo > 0 ? a + (lo - 1) * size : NULL);
}

int
claim_add(struct claimset *cs, uint32_t lo, uint32_t hi)
{
	struct netrange	*r;

	if (lo > hi)
		return (-1);
	if ((r = claim_grow(cs->r, cs->n, &cs->cap, sizeof(*r))) == NULL)
		return (-1);
	cs->r = r;
	cs->r[cs->n].lo = lo;
	cs->r[cs->n].hi = hi;
	cs->n++;
	return (0);
}

static int
netrange_cmp(const void *a, const void *b)
{
	const struct netrange	*x = a, *y = b;

	if (x->lo != y->lo)
		return (x->lo < y->lo ? -1 : 1);
	return (0);
}

/* Ranges that overlap or touch become one (none past the top). */
static int
netrange_absorb(void *into, const void *next)
{
	struct netrange		*x = into;
	const struct netrange	*y = next;

	if (x->hi != UINT32_MAX && y->lo > x->hi + 1)
		return (0);
	if (y->hi > x->hi)
		x->hi = y->hi;
	return (1);
}

/* Sort and merge overlapping or adjacent ranges, and the IPv6 ones. */
void
claim_normalize(struct claimset *cs)
{
	claim6_normalize(cs);
	cs->n = claim_merge(cs->r, cs->n, sizeof(*cs->r), netrange_cmp,
	    netrange_absorb);
}

int
claim_contains(const struct claimset *cs, uint32_t addr)
{
	const struct netrange	 key = { addr, addr };
	const struct netrange	*r;

	r = claim_floor(cs->r, cs->n, sizeof(*r), &key, netrange_cmp);
	return (r != NULL && addr <= r->hi);
}

/* Split [lo, hi] into CIDR blocks, calling fn for each. */
static int
range_to_cidrs(uint32_t lo, uint32_t hi,
    int (*fn)(uint32_t, int, void *), void *arg)
{
	int		 bits;
	uint64_t	 size;

	for (;;) {
		for (bits = 0; bits < 32; bits++) {
			size = 1ULL << (32 - bits);
			if ((lo & (uint32_t)(size - 1)) == 0 &&
			    (uint64_t)lo + size - 1 <= hi)
				break;
		}
		if (fn(lo, bits, arg) == -1)
			return (-1);
		size = 1ULL << (32 - bits);
		if ((uint64_t)lo + size - 1 >= hi)
			return (0);
		lo += (uint32_t)size;
	}
}

struct filter_buf {
	char	*s;
	size_t	 len;
	int	 count;
};

static void	 claim6_filter(const struct claimset *, struct filter_buf *);

static int
filter_add_cidr(uint32_t net, int bits, void *arg)
{
	struct filter_buf	*fb = arg;
	char			 term[64], a[INET_ADDRSTRLEN];

	snprintf(term, sizeof(term), "%sdst net %s/%d",
	    fb->count++ ? " or " : "", addr_fmt(net, a, sizeof(a)), bits);
	if (strlcat(fb->s, term, fb->len) >= fb->len)
		return (-1);
	return (0);
}

/*
 * The pcap filter for a claimed set: ARP, and IPv4 to claimed
 * addresses.  A set too large for a filter falls back to all IPv4;
 * the parent checks each destination anyway.
 */
char *
claim_filter(const struct claimset *cs)
{
	struct filter_buf	 fb;
	size_t			 i;

	fb.len = 8192;
	fb.count = 0;
	if ((fb.s = malloc(fb.len)) == NULL)
		return (NULL);
	strlcpy(fb.s, "arp or (ip and (", fb.len);
	for (i = 0; i < cs->n; i++)
		if (range_to_cidrs(cs->r[i].lo, cs->r[i].hi,
		    filter_add_cidr, &fb) == -1 || fb.count > CLAIM_FILTER_MAX)
			break;
	if (i < cs->n || fb.count == 0)
		strlcpy(fb.s, "arp or ip", fb.len);
	else
		strlcat(fb.s, "))", fb.len);
	if (cs->n6 > 0)
		claim6_filter(cs, &fb);
	return (fb.s);
}

/*
 * IPv6: the claimed prefixes, and the link-scope multicast groups
 * where Neighbor Discovery asks for them (ndp.c); a set too large
 * for a filter falls back to all IPv6.
 */
static void
claim6_filter(const struct claimset *cs, struct filter_buf *fb)
{
	char	 term[INET6_ADDRSTRLEN + 32], a[INET6_ADDRSTRLEN];
	size_t	 i, start = strlen(fb->s);

	if (strlcat(fb->s, " or (ip6 and (dst net ff02::/16", fb->len) >=
	    fb->len || cs->n6 > CLAIM_FILTER_MAX)
		goto all;
	for (i = 0; i < cs->n6; i++) {
		snprintf(term, sizeof(term), " or dst net %s/%d",
		    addr6_fmt(&cs->r6[i].net, a, sizeof(a)), cs->r6[i].plen);
		if (strlcat(fb->s, term, fb->len) >= fb->len)
			goto all;
	}
	if (strlcat(fb->s, "))", fb->len) < fb->len)
		return;
 all:
	fb->s[start] = '\0';
	strlcat(fb->s, " or ip6", fb->len);
}

int
claim6_add(struct claimset *cs, const struct in6_addr *net, int plen)
{
	struct net6	*r;

	if (plen < 0 || plen > 128)
		return (-1);
	if ((r = claim_grow(cs->r6, cs->n6, &cs->cap6, sizeof(*r))) == NULL)
		return (-1);
	cs->r6 = r;
	cs->r6[cs->n6].net = *net;
	addr6_mask(&cs->r6[cs->n6].net, plen);
	cs->r6[cs->n6].plen = plen;
	cs->n6++;
	return (0);
}

/* By address, and the wider of two prefixes at one address first. */
static int
net6_cmp(const void *a, const void *b)
{
	const struct net6	*x = a, *y = b;
	int			 c;

	if ((c = memcmp(&x->net, &y->net, sizeof(x->net))) != 0)
		return (c);
	return (x->plen - y->plen);
}

/* Prefixes nest or are apart: one inside the one before goes. */
static int
net6_absorb(void *into, const void *next)
{
	const struct net6	*x = into, *y = next;

	return (addr6_in_net(&y->net, &x->net, x->plen));
}

/* Sort, and drop every prefix inside another: what is left is disjoint. */
void
claim6_normalize(struct claimset *cs)
{
	cs->n6 = claim_merge(cs->r6, cs->n6, sizeof(*cs->r6), net6_cmp,
	    net6_absorb);
}

int
claim6_contains(const struct claimset *cs, const struct in6_addr *a)
{
	const struct net6	 key = { *a, 128 };
	const struct net6	*r;

	r = claim_floor(cs->r6, cs->n6, sizeof(*r), &key, net6_cmp);
	return (r != NULL && addr6_in_net(a, &r->net, r->plen));
}
