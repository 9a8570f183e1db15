/*
 * Fuzz target: the IPv6 input path's pure parts: the extension header
 * walk (ip6ext.c), reassembly (ip6frag.c) and the ICMPv6 errors they
 * ask for (icmp6err.c), fed a sequence of packets with time passing.
 *
 * Input: records "ctl len_hi len_lo", then (len & 0xfff) bytes.
 * ctl & 0x03	time to pass before the packet: none, 1 s, 30 s, 61 s
 * ctl & 0x04	set version 6 and the payload length to the bytes
 * ctl & 0x08	an IPv6 header of ours, then the bytes but the first,
 *		which is its Next Header: the source from a small table
 *		(ctl >> 4 & 3: unicast, ours, multicast, unspecified),
 *		the destination ours or multicast (ctl >> 6 & 1)
 *
 * Invariants: the walk stays inside the packet (offsets, pointers);
 * a fragment's verdict has a fragment header inside it; every error
 * built is at most 1280 bytes, checksummed, quotes the packet's start
 * and goes to its source; reassembled datagrams have a payload length
 * that matches their bytes and a chain with no fragment header left
 * where there was one; the limits hold; once everything expired,
 * nothing is held.
 */

#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fuzz.h"

static struct engine	 eng;
static uint64_t		 now_ms;
static uint8_t		 buf[IP6_HDR_LEN + 0x1000];

static const uint8_t	 addrs[4][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 },
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 },
	{ 0xff, 0x02, [15] = 0x01 },
	{ 0 },
};

static uint64_t
fuzz_clock(void)
{
	return (now_ms);
}

static int
sum_ok(const uint8_t *p, size_t len)
{
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 8; i < IP6_HDR_LEN; i += 2)
		sum += p[i] << 8 | p[i + 1];
	sum += (uint32_t)(len - IP6_HDR_LEN) + IP_PROTO_ICMPV6;
	for (i = IP6_HDR_LEN; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (i < len)
		sum += p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (sum == 0xffff);
}

/* An error about pkt, as the input path would build it. */
static void
check_error(const uint8_t *pkt, size_t len, const struct ip6err *e)
{
	uint8_t	 out[ICMP6ERR_MAX];
	size_t	 n, q;

	n = icmp6err_build(pkt, len, e, addrs[1], 64, out);
	if (n == 0)
		return;
	if (n > ICMP6ERR_MAX || n < IP6_HDR_LEN + 8)
		fuzz_fail("an error of %zu bytes", n);
	q = n - IP6_HDR_LEN - 8;
	if (q > len || memcmp(out + 48, pkt, q) != 0 ||
	    memcmp(out + 24, pkt + 8, 16) != 0)
		fuzz_fail("an error that misquotes");
	if (!sum_ok(out, n))
		fuzz_fail("an error with a bad checksum");
	if (out[40] != e->type || out[41] != e->code)
		fuzz_fail("an error of another type");
}

static void
timeout_hook(const uint8_t *pkt, size_t len)
{
	struct ip6err	 e = { ICMP6_TIME_EXCEEDED,
			    ICMP6_TIME_EXCEED_REASSEMBLY, 0 };

	if (len < IP6_HDR_LEN + 8)
		fuzz_fail("a timed-out first fragment of %zu bytes", len);
	check_error(pkt, len, &e);
}

static void
check_walk(const uint8_t *pkt, size_t len, const struct ip6ext *x)
{
	switch (x->verdict) {
	case IP6EXT_PASS:
	case IP6EXT_FRAG:
		if (x->len > len || x->len < IP6_HDR_LEN || x->off > x->len ||
		    x->nhoff >= x->off || x->nhdrs > IP6EXT_MAXHDRS)
			fuzz_fail("a walk outside the packet");
		if (x->frag != IP6EXT_F_NONE && x->fhoff + 8 > x->len)
			fuzz_fail("a fragment header outside the packet");
		if (x->verdict == IP6EXT_FRAG && x->frag != IP6EXT_F_FRAG)
			fuzz_fail("a fragment verdict without a fragment");
		break;
	case IP6EXT_ERROR:
		if (x->err.param >= len || x->err.type != ICMP6_PARAM_PROB)
			fuzz_fail("an error pointing outside the packet");
		check_error(pkt, len, &x->err);
		break;
	case IP6EXT_DROP:
		break;
	}
}

static void
one(const uint8_t *pkt, size_t len)
{
	struct ip6ext	 x, y;
	struct ip6err	 err;
	uint8_t		*out;
	size_t		 outlen;
	int		 rv;

	ip6ext_walk(pkt, len, &x);
	check_walk(pkt, len, &x);
	if (x.verdict == IP6EXT_DROP || x.verdict == IP6EXT_ERROR ||
	    (x.verdict == IP6EXT_PASS && x.frag != IP6EXT_F_ATOMIC))
		return;
	rv = ip6frag_input(pkt, &x, &out, &outlen, &err);
	if (rv == -1) {
		if (err.param >= x.len)
			fuzz_fail("a fragment error pointing outside it");
		check_error(pkt, len, &err);
	}
	if (rv != 1)
		return;
	if (outlen < IP6_HDR_LEN || outlen > IP6_HDR_LEN + 65535 ||
	    outlen != IP6_HDR_LEN + ((size_t)out[4] << 8 | out[5]))
		fuzz_fail("a datagram of %zu bytes", outlen);
	ip6ext_walk(out, outlen, &y);
	check_walk(out, outlen, &y);
	free(out);
	if (ip6frag_count() > IP6FRAG_MAXQ ||
	    ip6frag_held() > IP6FRAG_MAXBYTES)
		fuzz_fail("reassembly past its limits");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	engine = &eng;
	ip6frag_hooks(fuzz_clock, timeout_hook);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint64_t	 steps[4] = { 0, 1000, 30000, 61000 };
	size_t			 off = 0, n, at;
	uint8_t			 ctl;

	if (engine == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	now_ms = 1;
	while (len - off >= 3) {
		ctl = data[off];
		n = ((size_t)data[off + 1] << 8 | data[off + 2]) & 0xfff;
		off += 3;
		if (n > len - off)
			n = len - off;
		now_ms += steps[ctl & 3];
		ip6frag_expire();
		at = 0;
		if (ctl & 0x08) {
			memset(buf, 0, IP6_HDR_LEN);
			memcpy(buf + 8, addrs[ctl >> 4 & 3], 16);
			memcpy(buf + 24, addrs[(ctl >> 6 & 1) + 1], 16);
			buf[6] = IP_PROTO_NONE;
			buf[7] = 64;
			at = IP6_HDR_LEN;
			if (n > 0) {
				buf[6] = data[off++];
				n--;
			}
		}
		memcpy(buf + at, data + off, n);
		off += n;
		n += at;
		if ((ctl & 0x0c) && n >= IP6_HDR_LEN) {
			buf[0] = 0x60 | (buf[0] & 0x0f);
			buf[4] = (n - IP6_HDR_LEN) >> 8;
			buf[5] = (n - IP6_HDR_LEN) & 0xff;
		}
		one(buf, n);
	}
	now_ms += 61000;
	ip6frag_expire();
	if (ip6frag_count() != 0 || ip6frag_held() != 0)
		fuzz_fail("%zu queues left after they expired",
		    ip6frag_count());
	ip6frag_flush();
	return (0);
}
