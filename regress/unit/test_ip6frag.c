/*
 * Unit tests for IPv6 reassembly (ip6frag.c): in and out of order, with
 * an unfragmentable part, atomic fragments beside a queue (RFC 6946),
 * overlaps that kill the datagram and its later fragments (RFC 5722),
 * duplicates, lengths that are not multiples of 8 and datagrams past
 * 65535 bytes (RFC 8200 4.5), inconsistent ends, the limits on queues
 * and bytes, the 60-second timeout and its time exceeded message, every
 * truncation of a fragment, and random fragment storms.  Time is the
 * test's own clock, given through ip6frag_hooks().
 */

#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "unit.h"

#define SRC	"2001:db8::1"
#define DST	"2001:db8::10"

static struct engine	 eng;
static uint64_t		 now_ms = 1000;
static uint8_t		 te_pkt[ICMP6ERR_MAX];
static size_t		 te_len;
static int		 te_calls;

static uint64_t
clock_test(void)
{
	return (now_ms);
}

static void
timeout_test(const uint8_t *p, size_t len)
{
	struct ip6err	 e = { ICMP6_TIME_EXCEEDED,
			    ICMP6_TIME_EXCEED_REASSEMBLY, 0 };
	uint8_t		 me[16] = { 0x20, 1, 0xd, 0xb8, [15] = 0x10 };

	te_calls++;
	te_len = icmp6err_build(p, len, &e, me, 64, te_pkt);
}

/*
 * A datagram: IPv6 header, unfrag bytes of destination options (0 or
 * a multiple of 8), then a UDP "header" and n patterned bytes.
 */
static size_t
datagram(uint8_t *p, size_t unfrag, size_t n, const char *src)
{
	ip6_addr_t	 s, d;
	size_t		 i, len = IP6_HDR_LEN + unfrag + n;

	ip6_pton(src, &s);
	ip6_pton(DST, &d);
	memset(p, 0, IP6_HDR_LEN + unfrag);
	ip6_pack_hdr(p, 0, 0, len - IP6_HDR_LEN, unfrag ? IP_PROTO_DSTOPTS :
	    IP_PROTO_UDP, 64, s, d);
	if (unfrag) {
		p[IP6_HDR_LEN] = IP_PROTO_UDP;
		p[IP6_HDR_LEN + 1] = unfrag / 8 - 1;
		p[IP6_HDR_LEN + 2] = IP6_OPT_PADN;
		p[IP6_HDR_LEN + 3] = 4;
		/* Then options to skip: padding is bounded (ip6ext.c). */
		for (i = 8; i < unfrag; i += 8) {
			p[IP6_HDR_LEN + i] = 0x1e;
			p[IP6_HDR_LEN + i + 1] = 6;
		}
	}
	for (i = 0; i < n; i++)
		p[IP6_HDR_LEN + unfrag + i] = (uint8_t)(i * 7 + i / 256);
	return (len);
}

/* The fragment [off, off + n) of the datagram d (unfrag as made). */
static size_t
cut(uint8_t *f, const uint8_t *d, size_t unfrag, size_t off, size_t n,
    int more, uint32_t id)
{
	size_t	 h = IP6_HDR_LEN + unfrag, len = h + 8 + n;
	uint16_t offlg = off | (more ? 1 : 0);

	memcpy(f, d, h);
	f[unfrag ? IP6_HDR_LEN : 6] = IP_PROTO_FRAGMENT;
	f[h] = IP_PROTO_UDP;
	f[h + 1] = 0;
	f[h + 2] = offlg >> 8;
	f[h + 3] = offlg & 0xff;
	f[h + 4] = id >> 24;
	f[h + 5] = id >> 16;
	f[h + 6] = id >> 8;
	f[h + 7] = id;
	memcpy(f + h + 8, d + h + off, n);
	f[4] = (len - IP6_HDR_LEN) >> 8;
	f[5] = (len - IP6_HDR_LEN) & 0xff;
	return (len);
}

/* One fragment in: ip6frag_input()'s answer, as the input path does. */
static int
feed(const uint8_t *f, size_t len, uint8_t **out, size_t *outlen,
    struct ip6err *err)
{
	struct ip6ext	 x;

	*out = NULL;
	switch (ip6ext_walk(f, len, &x)) {
	case IP6EXT_FRAG:
		return (ip6frag_input(f, &x, out, outlen, err));
	case IP6EXT_PASS:
		if (x.frag == IP6EXT_F_ATOMIC)
			return (ip6frag_input(f, &x, out, outlen, err));
		return (2);
	case IP6EXT_ERROR:
		*err = x.err;
		return (-2);
	default:
		return (-3);
	}
}

/* Send d in pieces of n bytes, in the order of idx; check the result. */
static int
reassemble(const uint8_t *d, size_t dlen, size_t unfrag, size_t n,
    const int *order, int count, uint32_t id)
{
	uint8_t		 f[2000], *out = NULL;
	struct ip6err	 err;
	struct ip6ext	 x;
	size_t		 body = dlen - IP6_HDR_LEN - unfrag, off, outlen, k;
	int		 i, rv = 0, done = 0;

	for (i = 0; i < count; i++) {
		off = order[i] * n;
		k = body - off < n ? body - off : n;
		rv = feed(f, cut(f, d, unfrag, off, k, off + k < body, id),
		    &out, &outlen, &err);
		if (rv == 1) {
			done++;
			if (i != count - 1 || outlen != dlen ||
			    memcmp(out, d, dlen) != 0 ||
			    ip6ext_walk(out, outlen, &x) != IP6EXT_PASS ||
			    x.proto != IP_PROTO_UDP)
				done = 100;
			free(out);
		} else if (rv != 0) {
			fprintf(stderr, "reassemble: piece %d: %d\n", i, rv);
			done = 100;
		}
	}
	return (done);
}

static void
test_orders(void)
{
	static const int	 in[] = { 0, 1, 2, 3 }, rev[] = { 3, 2, 1, 0 },
				 mid[] = { 2, 0, 3, 1 }, rev3[] = { 2, 1, 0 };
	uint8_t			 d[4000];
	size_t			 len;
	uint64_t		 done = eng.stats.frag6_done;

	len = datagram(d, 0, 3000, SRC);
	CHECK(reassemble(d, len, 0, 800, in, 4, 1) == 1);
	CHECK(reassemble(d, len, 0, 800, rev, 4, 2) == 1);
	CHECK(reassemble(d, len, 0, 800, mid, 4, 3) == 1);
	/* With a destination options header before the fragment header. */
	len = datagram(d, 8, 3000, SRC);
	CHECK(reassemble(d, len, 8, 800, mid, 4, 4) == 1);
	len = datagram(d, 24, 1601, SRC);
	CHECK(reassemble(d, len, 24, 800, rev3, 3, 5) == 1);
	CHECK(eng.stats.frag6_done == done + 5);
	CHECK(ip6frag_count() == 0 && ip6frag_held() == 0);
}

/* The same identification from another source is another datagram. */
static void
test_keys(void)
{
	static const int	 a[] = { 0 }, b[] = { 1 };
	uint8_t			 d1[2000], d2[2000];
	size_t			 l1, l2;

	l1 = datagram(d1, 0, 1000, SRC);
	l2 = datagram(d2, 0, 1000, "2001:db8::2");
	CHECK(reassemble(d1, l1, 0, 504, a, 1, 77) == 0);
	CHECK(reassemble(d2, l2, 0, 504, b, 1, 77) == 0);
	CHECK(ip6frag_count() == 2);
	CHECK(reassemble(d1, l1, 0, 504, b, 1, 77) == 1);
	CHECK(reassemble(d2, l2, 0, 504, a, 1, 77) == 1);
	CHECK(ip6frag_count() == 0);
}

static void
test_atomic(void)
{
	static const int	 a[] = { 0 };
	uint8_t			 d[2000], f[2000], *out;
	struct ip6err		 err;
	size_t			 len, flen, outlen;

	len = datagram(d, 8, 1000, SRC);
	/* A queue with the identification waits... */
	CHECK(reassemble(d, len, 8, 504, a, 1, 99) == 0);
	/* ... and an atomic fragment with it is a packet of its own. */
	flen = cut(f, d, 8, 0, 1000, 0, 99);
	CHECK(feed(f, flen, &out, &outlen, &err) == 1);
	CHECK(out != NULL && outlen == len && memcmp(out, d, len) == 0);
	free(out);
	CHECK(ip6frag_count() == 1);
	CHECK(eng.stats.frag6_atomic >= 1);
	ip6frag_flush();
}

static void
test_overlap(void)
{
	uint8_t		 d[4000], f[2000], *out;
	struct ip6err	 err;
	size_t		 outlen;
	uint64_t	 ov = eng.stats.frag6_overlap;

	datagram(d, 0, 3000, SRC);
	CHECK(feed(f, cut(f, d, 0, 0, 1000, 1, 5), &out, &outlen, &err) == 0);
	/* An exact repeat goes alone. */
	CHECK(feed(f, cut(f, d, 0, 0, 1000, 1, 5), &out, &outlen, &err) == 0);
	CHECK(eng.stats.frag6_overlap == ov);
	/* Inside what is held with the same bytes: a duplicate too. */
	CHECK(feed(f, cut(f, d, 0, 8, 504, 1, 5), &out, &outlen, &err) == 0);
	CHECK(eng.stats.frag6_overlap == ov && ip6frag_count() == 1);
	/* Overlapping by 8 bytes: the datagram is dead... */
	CHECK(feed(f, cut(f, d, 0, 992, 1000, 1, 5), &out, &outlen, &err) ==
	    0);
	CHECK(eng.stats.frag6_overlap == ov + 1);
	/* ... and so are the fragments that would complete it. */
	CHECK(feed(f, cut(f, d, 0, 1000, 1000, 1, 5), &out, &outlen, &err) ==
	    0);
	CHECK(feed(f, cut(f, d, 0, 2000, 1000, 0, 5), &out, &outlen, &err) ==
	    0);
	CHECK(ip6frag_count() == 1);
	/* It expires without a time exceeded message. */
	te_calls = 0;
	now_ms += IP6FRAG_TIMEOUT * 1000;
	ip6frag_expire();
	CHECK(te_calls == 0 && ip6frag_count() == 0 && ip6frag_held() == 0);
	/* After that the identification is free again. */
	CHECK(feed(f, cut(f, d, 0, 0, 1504, 1, 5), &out, &outlen, &err) == 0);
	CHECK(feed(f, cut(f, d, 0, 1504, 1496, 0, 5), &out, &outlen, &err) ==
	    1);
	free(out);

	/* The same blocks again with other bytes: an overlap. */
	CHECK(feed(f, cut(f, d, 0, 0, 1000, 1, 6), &out, &outlen, &err) == 0);
	f[48 + 100] ^= 0xff;
	CHECK(feed(f, 1048, &out, &outlen, &err) == 0);
	CHECK(eng.stats.frag6_overlap == ov + 2);
	ip6frag_flush();
}

static void
test_lengths(void)
{
	uint8_t		 d[70000], f[2000], *out;
	struct ip6err	 err;
	struct ip6ext	 x;
	size_t		 flen, outlen;
	uint64_t	 bad = eng.stats.drop_frag6;

	datagram(d, 0, 3000, SRC);
	/* Not a multiple of 8 with more to come: pointer at the length. */
	CHECK(feed(f, cut(f, d, 0, 0, 1001, 1, 6), &out, &outlen, &err) == -1);
	CHECK(err.type == ICMP6_PARAM_PROB && err.code == 0 && err.param == 4);
	/* The last may end anywhere. */
	CHECK(feed(f, cut(f, d, 0, 8, 1001, 0, 6), &out, &outlen, &err) == 0);
	ip6frag_flush();

	/* Past 65535 bytes: pointer at the fragment offset. */
	flen = cut(f, d, 0, 65528, 16, 0, 7);
	CHECK(feed(f, flen, &out, &outlen, &err) == -1);
	CHECK(err.code == 0 && err.param == 42);
	datagram(d, 16, 3000, SRC);
	flen = cut(f, d, 16, 65512, 8, 1, 7);
	CHECK(feed(f, flen, &out, &outlen, &err) == -1 && err.param == 58);
	flen = cut(f, d, 16, 65504, 8, 1, 7);
	CHECK(feed(f, flen, &out, &outlen, &err) == 0);
	/* A first fragment whose header would push it past: refused. */
	datagram(d, 24, 3000, SRC);
	flen = cut(f, d, 24, 0, 8, 1, 7);
	bad = eng.stats.drop_frag6;
	CHECK(feed(f, flen, &out, &outlen, &err) == 0);
	CHECK(eng.stats.drop_frag6 == bad + 1);
	ip6frag_flush();

	/* Ends that disagree: the later fragment goes. */
	datagram(d, 0, 3000, SRC);
	CHECK(feed(f, cut(f, d, 0, 1000, 1000, 0, 8), &out, &outlen, &err) ==
	    0);
	CHECK(feed(f, cut(f, d, 0, 2000, 1000, 0, 8), &out, &outlen, &err) ==
	    0);	/* another end */
	/* An atomic fragment: whole at once, the queue untouched. */
	CHECK(feed(f, cut(f, d, 0, 0, 504, 0, 8), &out, &outlen, &err) == 1);
	free(out);
	CHECK(feed(f, cut(f, d, 0, 1504, 1000, 1, 8), &out, &outlen, &err) ==
	    0);	/* past the end */
	CHECK(eng.stats.drop_frag6 >= bad + 3);

	/* An empty fragment. */
	flen = cut(f, d, 0, 8, 0, 1, 9);
	CHECK(ip6ext_walk(f, flen, &x) == IP6EXT_FRAG &&
	    ip6frag_input(f, &x, &out, &outlen, &err) == 0);
	ip6frag_flush();
}

static void
test_timeout(void)
{
	uint8_t		 d[4000], f[2000], *out;
	struct ip6err	 err;
	size_t		 len, flen, outlen;
	uint64_t	 to = eng.stats.frag6_timeout;

	len = datagram(d, 8, 3000, SRC);
	flen = cut(f, d, 8, 0, 1600, 1, 11);
	CHECK(feed(f, flen, &out, &outlen, &err) == 0);
	now_ms += 10000;
	CHECK(feed(f, cut(f, d, 8, 2000, 1000, 0, 12), &out, &outlen, &err) ==
	    0);	/* no first fragment */
	flen = cut(f, d, 8, 0, 1600, 1, 11);
	te_calls = 0;
	now_ms += IP6FRAG_TIMEOUT * 1000 - 10000 - 1;
	ip6frag_expire();
	CHECK(te_calls == 0 && ip6frag_count() == 2);
	now_ms += 1;
	ip6frag_expire();
	CHECK(te_calls == 1 && ip6frag_count() == 1);
	/* Time exceeded, reassembly, quoting the first fragment. */
	CHECK(te_len == ICMP6ERR_MAX && te_pkt[40] == ICMP6_TIME_EXCEEDED &&
	    te_pkt[41] == 1 && memcmp(te_pkt + 48, f, ICMP6ERR_QUOTE) == 0);
	CHECK(memcmp(te_pkt + 24, d + 8, 16) == 0);
	now_ms += 10000;
	ip6frag_expire();
	CHECK(te_calls == 1 && ip6frag_count() == 0 && ip6frag_held() == 0);
	CHECK(eng.stats.frag6_timeout == to + 2);
	(void)len;
}

/* Never more than IP6FRAG_MAXQ queues or IP6FRAG_MAXBYTES held. */
static void
test_limits(void)
{
	uint8_t		 d[70000], f[2000], *out;
	struct ip6err	 err;
	size_t		 i, maxq = 0, maxb = 0, outlen;
	uint64_t	 lim = eng.stats.frag6_limit;

	datagram(d, 0, 65000, SRC);
	for (i = 0; i < IP6FRAG_MAXQ * 4; i++) {
		/* Far fragments: each queue holds up to its end. */
		(void)feed(f, cut(f, d, 0, 64000, 8, 1, 1000 + i), &out,
		    &outlen, &err);
		if (ip6frag_count() > maxq)
			maxq = ip6frag_count();
		if (ip6frag_held() > maxb)
			maxb = ip6frag_held();
	}
	CHECK(maxq <= IP6FRAG_MAXQ && maxb <= IP6FRAG_MAXBYTES);
	CHECK(eng.stats.frag6_limit > lim);
	/* The newest stay: the last datagram still completes. */
	i = IP6FRAG_MAXQ * 4 - 1;
	for (size_t off = 0; off < 64000; off += 1000) {
		int rv = feed(f, cut(f, d, 0, off, 1000, 1, 1000 + i), &out,
		    &outlen, &err);
		CHECK(rv == 0);
	}
	CHECK(feed(f, cut(f, d, 0, 64008, 992, 0, 1000 + i), &out, &outlen,
	    &err) == 1 && outlen == 40 + 65000);
	free(out);
	ip6frag_flush();
	CHECK(ip6frag_count() == 0 && ip6frag_held() == 0);
}

/* Every prefix of fragments, payload length matched: nothing breaks. */
static void
test_truncations(void)
{
	uint8_t		 d[4000], f[2000], c[2000], *out;
	struct ip6err	 err;
	size_t		 len, flen, n, outlen;
	int		 rv, bad = 0;

	len = datagram(d, 16, 1000, SRC);
	flen = cut(f, d, 16, 0, 504, 1, 21);
	for (n = IP6_HDR_LEN; n <= flen; n++) {
		memcpy(c, f, n);
		c[4] = (n - IP6_HDR_LEN) >> 8;
		c[5] = (n - IP6_HDR_LEN) & 0xff;
		rv = feed(c, n, &out, &outlen, &err);
		if (rv == 1)
			free(out);
		if (rv == -1 && err.param >= n)
			bad++;
	}
	flen = cut(f, d, 16, 504, 1000 - 504, 0, 21);
	for (n = IP6_HDR_LEN; n <= flen; n++) {
		memcpy(c, f, n);
		c[4] = (n - IP6_HDR_LEN) >> 8;
		c[5] = (n - IP6_HDR_LEN) & 0xff;
		rv = feed(c, n, &out, &outlen, &err);
		if (rv == 1) {
			struct ip6ext	 x;

			if (ip6ext_walk(out, outlen, &x) == IP6EXT_FRAG)
				bad++;
			free(out);
		}
	}
	CHECK(bad == 0);
	ip6frag_flush();
	(void)len;
}

/*
 * Random fragments of a few datagrams, random offsets and lengths:
 * the limits hold, and whatever completes has a payload length that
 * matches its bytes.
 */
static void
test_storm(void)
{
	uint8_t		 d[70000], f[70000], *out;
	struct ip6err	 err;
	size_t		 i, off, n, outlen, ok = 0;
	int		 bad = 0, rv;

	datagram(d, 8, 60000, SRC);
	for (i = 0; i < 100000; i++) {
		off = arc4random_uniform(8) ? arc4random_uniform(64) * 8 :
		    arc4random_uniform(8192) * 8;
		n = 8 * arc4random_uniform(40) + (arc4random_uniform(4) ? 0 :
		    arc4random_uniform(8));
		if (off + n > 60000)
			continue;
		rv = feed(f, cut(f, d, 8, off, n, arc4random_uniform(3) != 0,
		    arc4random_uniform(32)), &out, &outlen, &err);
		if (rv == 1) {
			ok++;
			if (outlen != IP6_HDR_LEN + ((size_t)out[4] << 8 |
			    out[5]) || out[IP6_HDR_LEN] != IP_PROTO_UDP)
				bad++;
			free(out);
		}
		if (ip6frag_count() > IP6FRAG_MAXQ ||
		    ip6frag_held() > IP6FRAG_MAXBYTES)
			bad++;
		if (arc4random_uniform(1000) == 0) {
			now_ms += 30000;
			ip6frag_expire();
		}
	}
	CHECK(bad == 0 && ok > 0);
	ip6frag_flush();
	CHECK(ip6frag_count() == 0 && ip6frag_held() == 0);
}

int
main(void)
{
	engine = &eng;
	ip6frag_hooks(clock_test, timeout_test);
	test_orders();
	test_keys();
	test_atomic();
	test_overlap();
	test_lengths();
	test_timeout();
	test_limits();
	test_truncations();
	test_storm();
	return (unit_done());
}
