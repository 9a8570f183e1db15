/*
 * Unit tests for the claimed address set (claim.c): merging,
 * membership and the pcap filter (parsing is test_addr.c's), for
 * IPv4 ranges and IPv6 prefixes.
 */

#include <sys/types.h>

#include <pcap.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "unit.h"

#define A(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void
test_merge(void)
{
	struct claimset	 cs;

	claim_init(&cs);
	CHECK(claim_add(&cs, A(198, 18, 2, 0), A(198, 18, 2, 255)) == 0);
	CHECK(claim_add(&cs, A(198, 18, 0, 0), A(198, 18, 0, 255)) == 0);
	CHECK(claim_add(&cs, A(198, 18, 1, 0), A(198, 18, 1, 10)) == 0);
	CHECK(claim_add(&cs, A(198, 18, 1, 5), A(198, 18, 1, 255)) == 0);
	CHECK(claim_add(&cs, A(198, 19, 0, 9), A(198, 19, 0, 9)) == 0);
	CHECK(claim_add(&cs, 5, 4) == -1);
	claim_normalize(&cs);
	/* Adjacent and overlapping ranges become one. */
	CHECK(cs.n == 2);
	CHECK(cs.r[0].lo == A(198, 18, 0, 0) && cs.r[0].hi ==
	    A(198, 18, 2, 255));
	CHECK(cs.r[1].lo == A(198, 19, 0, 9) && cs.r[1].hi == cs.r[1].lo);

	CHECK(claim_contains(&cs, A(198, 18, 0, 0)));
	CHECK(claim_contains(&cs, A(198, 18, 1, 7)));
	CHECK(claim_contains(&cs, A(198, 18, 2, 255)));
	CHECK(!claim_contains(&cs, A(198, 18, 3, 0)));
	CHECK(claim_contains(&cs, A(198, 19, 0, 9)));
	CHECK(!claim_contains(&cs, A(198, 19, 0, 8)));
	CHECK(!claim_contains(&cs, A(198, 19, 0, 10)));
	CHECK(!claim_contains(&cs, 0));
	CHECK(!claim_contains(&cs, 0xffffffff));
	claim_clear(&cs);
	CHECK(cs.n == 0 && !claim_contains(&cs, A(198, 18, 0, 0)));

	/* The top of the address space does not wrap when merging. */
	claim_add(&cs, 0xffffff00, 0xffffffff);
	claim_add(&cs, 0, 10);
	claim_normalize(&cs);
	CHECK(cs.n == 2 && claim_contains(&cs, 0xffffffff) &&
	    claim_contains(&cs, 0) && !claim_contains(&cs, 11));
	claim_clear(&cs);
}

/* A range inside another, and one given twice, leave the outer one. */
static void
test_merge_inside(void)
{
	struct claimset	 cs;

	claim_init(&cs);
	CHECK(claim_add(&cs, A(198, 18, 0, 10), A(198, 18, 0, 20)) == 0);
	CHECK(claim_add(&cs, A(198, 18, 0, 0), A(198, 18, 0, 255)) == 0);
	CHECK(claim_add(&cs, A(198, 18, 0, 0), A(198, 18, 0, 255)) == 0);
	CHECK(claim_add(&cs, A(198, 18, 0, 40), A(198, 18, 0, 40)) == 0);
	claim_normalize(&cs);
	CHECK(cs.n == 1 && cs.r[0].lo == A(198, 18, 0, 0) &&
	    cs.r[0].hi == A(198, 18, 0, 255));
	claim_clear(&cs);
	/* Empty: nothing is held, and normalizing it is harmless. */
	claim_normalize(&cs);
	CHECK(cs.n == 0 && cs.n6 == 0 && !claim_contains(&cs, 0));
}

static struct in6_addr
in6(const char *s)
{
	struct in6_addr	 a;

	memset(&a, 0, sizeof(a));
	CHECK(addr6_parse(s, &a) == 0);
	return (a);
}

/*
 * IPv6 prefixes: sorted, those inside another dropped, the same one
 * twice kept once; two /64s side by side stay two (prefixes only nest).
 */
static void
test_merge6(void)
{
	struct claimset	 cs;
	struct in6_addr	 a;

	claim_init(&cs);
	a = in6("2001:db8:0:2::");
	CHECK(claim6_add(&cs, &a, 64) == 0);
	a = in6("2001:db8:0:1::");
	CHECK(claim6_add(&cs, &a, 64) == 0);
	a = in6("2001:db8:0:1::5");	/* host bits: masked */
	CHECK(claim6_add(&cs, &a, 64) == 0);
	a = in6("2001:db8:0:1::9");
	CHECK(claim6_add(&cs, &a, 128) == 0);
	a = in6("2001:db8:1::");
	CHECK(claim6_add(&cs, &a, 48) == 0);
	a = in6("2001:db8:1:7::");
	CHECK(claim6_add(&cs, &a, 64) == 0);
	CHECK(claim6_add(&cs, &a, 129) == -1);
	claim_normalize(&cs);
	CHECK(cs.n == 0 && cs.n6 == 3);
	a = in6("2001:db8:0:1::");
	CHECK(cs.r6[0].plen == 64 && memcmp(&cs.r6[0].net, &a,
	    sizeof(a)) == 0);
	a = in6("2001:db8:0:2::");
	CHECK(cs.r6[1].plen == 64 && memcmp(&cs.r6[1].net, &a,
	    sizeof(a)) == 0);
	a = in6("2001:db8:1::");
	CHECK(cs.r6[2].plen == 48 && memcmp(&cs.r6[2].net, &a,
	    sizeof(a)) == 0);

	a = in6("2001:db8:0:1::");
	CHECK(claim6_contains(&cs, &a));
	a = in6("2001:db8:0:2:ffff:ffff:ffff:ffff");
	CHECK(claim6_contains(&cs, &a));
	a = in6("2001:db8:0:3::");
	CHECK(!claim6_contains(&cs, &a));
	a = in6("2001:db8:0:0:ffff:ffff:ffff:ffff");
	CHECK(!claim6_contains(&cs, &a));
	a = in6("2001:db8:1:ffff::1");
	CHECK(claim6_contains(&cs, &a));
	a = in6("2001:db8:2::");
	CHECK(!claim6_contains(&cs, &a));
	a = in6("::");
	CHECK(!claim6_contains(&cs, &a));
	claim_clear(&cs);
	CHECK(cs.n6 == 0 && !claim6_contains(&cs, &a));

	/* ::/0 swallows everything, and holds both ends. */
	a = in6("2001:db8::");
	CHECK(claim6_add(&cs, &a, 32) == 0);
	a = in6("::");
	CHECK(claim6_add(&cs, &a, 0) == 0);
	claim6_normalize(&cs);
	CHECK(cs.n6 == 1 && cs.r6[0].plen == 0);
	CHECK(claim6_contains(&cs, &a));
	a = in6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	CHECK(claim6_contains(&cs, &a));
	claim_clear(&cs);
}

/* addr6_range_next(): the fewest prefixes, in order, ending at hi. */
static void
test_range6(void)
{
	struct in6_addr	 lo, hi, net, x;
	int		 plen, n, more;

	lo = in6("2001:db8::3");
	hi = in6("2001:db8::20");
	n = 0;
	do {
		more = addr6_range_next(&lo, &hi, &net, &plen);
		switch (n++) {
		case 0:
			x = in6("2001:db8::3");
			CHECK(plen == 128 && memcmp(&net, &x, 16) == 0);
			break;
		case 1:
			x = in6("2001:db8::4");
			CHECK(plen == 126 && memcmp(&net, &x, 16) == 0);
			break;
		case 2:
			x = in6("2001:db8::8");
			CHECK(plen == 125 && memcmp(&net, &x, 16) == 0);
			break;
		case 3:
			x = in6("2001:db8::10");
			CHECK(plen == 124 && memcmp(&net, &x, 16) == 0);
			break;
		case 4:
			x = in6("2001:db8::20");
			CHECK(plen == 128 && memcmp(&net, &x, 16) == 0);
			break;
		}
	} while (more);
	CHECK(n == 5);

	/* One address; a whole prefix; everything; the worst case. */
	lo = hi = in6("2001:db8::7");
	CHECK(addr6_range_next(&lo, &hi, &net, &plen) == 0 && plen == 128);
	lo = in6("2001:db8:1::");
	hi = in6("2001:db8:1:0:ffff:ffff:ffff:ffff");
	CHECK(addr6_range_next(&lo, &hi, &net, &plen) == 0 && plen == 64);
	lo = in6("::");
	hi = in6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	CHECK(addr6_range_next(&lo, &hi, &net, &plen) == 0 && plen == 0);
	lo = in6("::1");
	hi = in6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	for (n = 1; addr6_range_next(&lo, &hi, &net, &plen) == 1; n++)
		;
	CHECK(n == 2 * 128 - 2 && plen == 128);

	CHECK(addr6_parse_range("2001:db8::10-2001:db8::1f", &lo, &hi) == 0);
	x = in6("2001:db8::1f");
	CHECK(memcmp(&hi, &x, 16) == 0);
	CHECK(addr6_parse_range("2001:db8::1f-2001:db8::10", &lo, &hi) == -1);
	CHECK(addr6_parse_range("2001:db8::10", &lo, &hi) == -1);
	CHECK(addr6_parse_range("2001:db8::10-198.18.0.1", &lo, &hi) == -1);
}

/*
 * config_bind6()/config_unbind6() against a model: random binds and
 * unbinds of prefixes and ranges inside 2001:db8::/120, each address's
 * template kept in an array as IPv4's bind would leave it; after each,
 * the longest-prefix lookup must agree for all 256 addresses, and the
 * claimed set must hold exactly the bound ones.
 */
static void
test_bind6_model(void)
{
	struct honeyd_config	*c;
	struct template		*t[4], *model[256];
	struct claimset		 cs;
	struct in6_addr		 base = in6("2001:db8::"), a, lo, hi, net;
	const struct bind6	*b;
	int			 i, k, x, y, plen, more, r, bad = 0, badc = 0;
	int			 found;

	CHECK((c = config_new()) != NULL);
	if (c == NULL)
		return;
	t[0] = NULL;
	CHECK((t[1] = template_create(c, "a")) != NULL);
	CHECK((t[2] = template_create(c, "b")) != NULL);
	CHECK((t[3] = template_create(c, "c")) != NULL);
	memset(model, 0, sizeof(model));
	srandom(14);
	for (k = 0; k < 3000; k++) {
		x = random() % 256;
		y = random() % 256;
		if (random() % 3 == 0) {	/* a prefix */
			plen = 120 + random() % 9;
			x &= ~((1 << (128 - plen)) - 1);
			y = x + (1 << (128 - plen)) - 1;
		} else if (x > y) {
			i = x;
			x = y;
			y = i;
		}
		r = random() % 4;
		for (i = x; i <= y; i++)
			model[i] = t[r];
		lo = hi = base;
		lo.s6_addr[15] = x;
		hi.s6_addr[15] = y;
		do {
			more = addr6_range_next(&lo, &hi, &net, &plen);
			if (r == 0)
				CHECK(config_unbind6(c, &net, plen,
				    &found) == 0);
			else
				CHECK(config_bind6(c, &net, plen, t[r],
				    &found) == 0);
		} while (more);
		claim_init(&cs);
		CHECK(config_claimed_ranges(c, &cs) == 0);
		claim_normalize(&cs);
		for (i = 0; i < 256; i++) {
			a = base;
			a.s6_addr[15] = i;
			b = config_find_bind6(c, &a);
			if ((b != NULL ? b->tmpl : NULL) != model[i])
				bad++;
			if (claim6_contains(&cs, &a) != (model[i] != NULL))
				badc++;
		}
		claim_clear(&cs);
		/* Sorted, a prefix before those inside it. */
		for (i = 1; i < (int)c->nbinds6; i++)
			if (memcmp(&c->binds6[i - 1].net, &c->binds6[i].net,
			    16) > 0 || (memcmp(&c->binds6[i - 1].net,
			    &c->binds6[i].net, 16) == 0 &&
			    c->binds6[i - 1].plen >= c->binds6[i].plen))
				bad++;
	}
	CHECK(bad == 0);
	CHECK(badc == 0);
	CHECK(c->nbinds6 <= 256);
	config_free(c);
}

/* Does the filter compile, and does it say what it should? */
static int
filter_compiles(const char *filter)
{
	pcap_t			*p;
	struct bpf_program	 prog;
	int			 ok;

	if ((p = pcap_open_dead(DLT_EN10MB, 65535)) == NULL)
		return (0);
	ok = pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (ok)
		pcap_freecode(&prog);
	pcap_close(p);
	return (ok);
}

static void
test_filter(void)
{
	struct claimset	 cs;
	char		*f;
	int		 i;

	claim_init(&cs);
	claim_add(&cs, A(198, 18, 0, 64), A(198, 18, 0, 127));
	claim_add(&cs, A(198, 19, 0, 0), A(198, 19, 255, 255));
	claim_normalize(&cs);
	f = claim_filter(&cs);
	CHECK(f != NULL);
	CHECK(strcmp(f, "arp or (ip and (dst net 198.18.0.64/26 or "
	    "dst net 198.19.0.0/16))") == 0);
	CHECK(filter_compiles(f));
	free(f);
	claim_clear(&cs);

	/* A range that is not a CIDR block splits into blocks. */
	claim_add(&cs, A(198, 18, 0, 1), A(198, 18, 0, 6));
	f = claim_filter(&cs);
	CHECK(strcmp(f, "arp or (ip and (dst net 198.18.0.1/32 or "
	    "dst net 198.18.0.2/31 or dst net 198.18.0.4/31 or "
	    "dst net 198.18.0.6/32))") == 0);
	CHECK(filter_compiles(f));
	free(f);
	claim_clear(&cs);

	/* Too many blocks: fall back to all IPv4, checked by the parent. */
	for (i = 0; i < 200; i++)
		claim_add(&cs, A(198, 18, i, 1), A(198, 18, i, 1));
	claim_normalize(&cs);
	f = claim_filter(&cs);
	CHECK(strcmp(f, "arp or ip") == 0);
	CHECK(filter_compiles(f));
	free(f);
	claim_clear(&cs);
}

int
main(void)
{
	test_merge();
	test_merge_inside();
	test_merge6();
	test_range6();
	test_bind6_model();
	test_filter();
	return (unit_done());
}
