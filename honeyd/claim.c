/*
 * The set of claimed addresses: the networks honeyd answers for.  Kept
 * as a sorted array of disjoint inclusive ranges in host byte order so
 * membership is a binary search and the pcap filter can be derived.
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

int
claim_add(struct claimset *cs, uint32_t lo, uint32_t hi)
{
	struct netrange	*r;
	size_t		 ncap;

	if (lo > hi)
		return (-1);
	if (cs->n == cs->cap) {
		ncap = cs->cap ? cs->cap * 2 : 16;
		if ((r = reallocarray(cs->r, ncap, sizeof(*r))) == NULL)
			return (-1);
		cs->r = r;
		cs->cap = ncap;
	}
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

/* Sort and merge overlapping or adjacent ranges. */
void
claim_normalize(struct claimset *cs)
{
	size_t	 i, out;

	claim6_normalize(cs);
	if (cs->n == 0)
		return;
	qsort(cs->r, cs->n, sizeof(*cs->r), netrange_cmp);
	for (i = 1, out = 0; i < cs->n; i++) {
		if (cs->r[out].hi == UINT32_MAX ||
		    cs->r[i].lo <= cs->r[out].hi + 1) {
			if (cs->r[i].hi > cs->r[out].hi)
				cs->r[out].hi = cs->r[i].hi;
		} else
			cs->r[++out] = cs->r[i];
	}
	cs->n = out + 1;
}

int
claim_contains(const struct claimset *cs, uint32_t addr)
{
	size_t	 lo = 0, hi = cs->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr < cs->r[mid].lo)
			hi = mid;
		else if (addr > cs->r[mid].hi)
			lo = mid + 1;
		else
			return (1);
	}
	return (0);
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
	size_t		 ncap;

	if (plen < 0 || plen > 128)
		return (-1);
	if (cs->n6 == cs->cap6) {
		ncap = cs->cap6 ? cs->cap6 * 2 : 16;
		if ((r = reallocarray(cs->r6, ncap, sizeof(*r))) == NULL)
			return (-1);
		cs->r6 = r;
		cs->cap6 = ncap;
	}
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

/*
 * Sort, and drop every prefix inside the one before: what is left
 * is disjoint, so the one that may hold an address is the last that
 * starts at or below it.
 */
void
claim6_normalize(struct claimset *cs)
{
	size_t	 i, out;

	if (cs->n6 == 0)
		return;
	qsort(cs->r6, cs->n6, sizeof(*cs->r6), net6_cmp);
	for (i = 1, out = 0; i < cs->n6; i++)
		if (!addr6_in_net(&cs->r6[i].net, &cs->r6[out].net,
		    cs->r6[out].plen))
			cs->r6[++out] = cs->r6[i];
	cs->n6 = out + 1;
}

int
claim6_contains(const struct claimset *cs, const struct in6_addr *a)
{
	size_t	 lo = 0, hi = cs->n6, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(&cs->r6[mid].net, a, sizeof(*a)) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo > 0 && addr6_in_net(a, &cs->r6[lo - 1].net,
	    cs->r6[lo - 1].plen));
}
