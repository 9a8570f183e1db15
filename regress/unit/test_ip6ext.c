/*
 * Unit tests for the IPv6 extension header walk (ip6ext.c) and the
 * ICMPv6 errors (icmp6err.c): each RFC 8200 rule with its verdict and
 * pointer, the option action bits with unicast and multicast
 * destinations, routing header type 0 (RFC 5095), first fragments
 * short of their chain (RFC 7112), atomic fragments, the bounds; every
 * truncation of crafted chains, and random ones.  Then the errors:
 * what they quote (1280 bytes at most), their checksum, when none is
 * due (RFC 4443 2.4(e)), and the rate limit.
 */

#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "unit.h"

#define SRC	"2001:db8::1"
#define DST	"2001:db8::10"
#define MCAST	"ff02::1"

/* A header whose body starts with the string literal s. */
#define EXT(nh, s, n)	ext((nh), (const uint8_t *)(s), sizeof(s) - 1, (n))

static struct engine	 eng;
static uint8_t		 pkt[70000];
static size_t		 plen;		/* bytes of pkt built */
static size_t		 lastnh;	/* the Next Header byte to fill */

/* A packet from SRC to dst: its IPv6 header. */
static void
start(const char *dst)
{
	ip6_addr_t	 s, d;

	memset(pkt, 0, sizeof(pkt));
	ip6_pton(SRC, &s);
	ip6_pton(dst, &d);
	ip6_pack_hdr(pkt, 0, 0, 0, 0, 64, s, d);
	plen = IP6_HDR_LEN;
	lastnh = 6;
}

/*
 * An extension header nh of n bytes (a multiple of 8), the first blen
 * bytes after its first two given, the rest zero.
 */
static size_t
ext(uint8_t nh, const uint8_t *body, size_t blen, size_t n)
{
	size_t	 at = plen;

	pkt[lastnh] = nh;
	memset(pkt + at, 0, n);
	if (blen > 0)
		memcpy(pkt + at + 2, body, blen);
	if (nh != IP_PROTO_FRAGMENT)
		pkt[at + 1] = n / 8 - 1;
	lastnh = at;
	plen += n;
	return (at);
}

/* Options in a header of n bytes, padded with PadN or Pad1. */
static size_t
opts(uint8_t nh, const uint8_t *o, size_t olen, size_t n)
{
	uint8_t	 body[256];
	size_t	 rest = n - 2 - olen;

	memset(body, 0, sizeof(body));
	if (olen > 0)
		memcpy(body, o, olen);
	if (rest >= 2) {
		body[olen] = IP6_OPT_PADN;
		body[olen + 1] = rest - 2;
	}
	return (ext(nh, body, n - 2, n));
}

static size_t
frag(uint16_t off, int more, uint32_t id)
{
	uint8_t	 b[6];

	b[0] = (off | (more ? 1 : 0)) >> 8;
	b[1] = (off | (more ? 1 : 0)) & 0xff;
	b[2] = id >> 24;
	b[3] = id >> 16;
	b[4] = id >> 8;
	b[5] = id;
	return (ext(IP_PROTO_FRAGMENT, b, 6, 8));
}

/* The upper layer: proto and n bytes; the payload length set. */
static size_t
upper(uint8_t proto, size_t n)
{
	size_t	 i;

	pkt[lastnh] = proto;
	for (i = 0; i < n; i++)
		pkt[plen + i] = (uint8_t)i;
	if (proto == IP_PROTO_TCP && n >= TCP_HDR_LEN)
		pkt[plen + 12] = 5 << 4;
	plen += n;
	pkt[4] = (plen - IP6_HDR_LEN) >> 8;
	pkt[5] = (plen - IP6_HDR_LEN) & 0xff;
	return (plen);
}

static enum ip6ext_verdict
walk(struct ip6ext *x)
{
	return (ip6ext_walk(pkt, plen, x));
}

static void
test_plain(void)
{
	struct ip6ext	 x;
	uint8_t		 ra[4] = { IP6_OPT_RTALERT, 2, 0, 0 };

	start(DST);
	upper(IP_PROTO_TCP, 20);
	CHECK(walk(&x) == IP6EXT_PASS && x.proto == IP_PROTO_TCP &&
	    x.off == 40 && x.nhoff == 6 && x.len == 60 && x.nhdrs == 0 &&
	    x.frag == IP6EXT_F_NONE);

	/* Link padding past the payload length is not the packet's. */
	CHECK(ip6ext_walk(pkt, plen + 6, &x) == IP6EXT_PASS && x.len == 60);

	start(DST);
	opts(IP_PROTO_HOPOPTS, ra, 4, 8);
	opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
	EXT(IP_PROTO_ROUTING, "\x02\x00", 24);
	opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_PASS && x.proto == IP_PROTO_UDP &&
	    x.off == 88 && x.nhoff == 80 && x.nhdrs == 4);

	start(DST);
	opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
	upper(IP_PROTO_NONE, 0);
	CHECK(walk(&x) == IP6EXT_PASS && x.proto == IP_PROTO_NONE &&
	    x.off == 48);
	start(DST);
	upper(IP_PROTO_ICMPV6, 8);
	CHECK(walk(&x) == IP6EXT_PASS && x.proto == IP_PROTO_ICMPV6);
}

static void
test_bad_ip(void)
{
	struct ip6ext	 x;

	start(DST);
	upper(IP_PROTO_UDP, 8);
	pkt[0] = 0x45;
	CHECK(walk(&x) == IP6EXT_DROP);
	start(DST);
	upper(IP_PROTO_UDP, 8);
	CHECK(ip6ext_walk(pkt, 39, &x) == IP6EXT_DROP);
	CHECK(ip6ext_walk(pkt, 47, &x) == IP6EXT_DROP);	/* plen past it */
	pkt[4] = pkt[5] = 0;				/* jumbogram */
	CHECK(walk(&x) == IP6EXT_DROP);
	pkt[4] = pkt[5] = 0xff;
	CHECK(walk(&x) == IP6EXT_DROP);
}

/* The action bits of an unknown option, to unicast and to multicast. */
static void
test_options(void)
{
	static const struct {
		uint8_t			 type;
		enum ip6ext_verdict	 uni, multi;
	} c[] = {
		{ 0x1e, IP6EXT_PASS, IP6EXT_PASS },	/* 00: skip */
		{ 0x5e, IP6EXT_DROP, IP6EXT_DROP },	/* 01: discard */
		{ 0x9e, IP6EXT_ERROR, IP6EXT_ERROR },	/* 10: always */
		{ 0xde, IP6EXT_ERROR, IP6EXT_DROP },	/* 11: unicast */
	};
	struct ip6ext	 x;
	uint8_t		 o[4];
	size_t		 i, at;
	int		 m, h;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (m = 0; m < 2; m++)
			for (h = 0; h < 2; h++) {
				start(m ? MCAST : DST);
				o[0] = c[i].type;
				o[1] = 2;
				o[2] = o[3] = 0xaa;
				at = opts(h ? IP_PROTO_HOPOPTS :
				    IP_PROTO_DSTOPTS, o, 4, 8);
				upper(IP_PROTO_UDP, 8);
				CHECK(walk(&x) == (m ? c[i].multi : c[i].uni));
				if (x.verdict == IP6EXT_ERROR)
					CHECK(x.err.type == ICMP6_PARAM_PROB &&
					    x.err.code == ICMP6_PARAMPROB_OPTION &&
					    x.err.param == at + 2);
			}

	/* After a known one: the pointer names the unknown one. */
	start(DST);
	at = EXT(IP_PROTO_HOPOPTS,
	    "\x05\x02\x00\x00\x01\x00\x80\x00\x01\x00\x00\x00\x00\x00", 16);
	upper(IP_PROTO_TCP, 20);
	CHECK(walk(&x) == IP6EXT_ERROR && x.err.param == at + 8);

	/* Router alert of a wrong length; a jumbo option (RFC 2675). */
	start(DST);
	opts(IP_PROTO_HOPOPTS, (const uint8_t *)"\x05\x01\x00", 3, 8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_DROP);
	start(DST);
	at = EXT(IP_PROTO_HOPOPTS,
	    "\xc2\x04\x00\x01\x00\x00", 8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_ERROR && x.err.code == 0 &&
	    x.err.param == at + 2);

	/* Padding: 6 bytes in a row pass, 8 do not (Pad1s or PadN). */
	start(DST);
	EXT(IP_PROTO_DSTOPTS, "\x01\x04\0\0\0\0", 8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_PASS);
	start(DST);
	ext(IP_PROTO_DSTOPTS, NULL, 0, 16);	/* 14 Pad1s */
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_DROP);
	start(DST);
	EXT(IP_PROTO_DSTOPTS,
	    "\x01\x0c\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_DROP);

	/* Options cut by the header's end. */
	start(DST);
	EXT(IP_PROTO_DSTOPTS, "\x1e\x05\0\0\0\0", 8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_DROP);
	start(DST);
	EXT(IP_PROTO_DSTOPTS, "\x00\x00\x00\x00\x00\x1e",
	    8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_DROP);
}

/* At most IP6EXT_MAXOPTS options, at most IP6EXT_MAXHDRS headers. */
static void
test_bounds(void)
{
	struct ip6ext	 x;
	uint8_t		 o[64];
	size_t		 i, n;

	for (n = IP6EXT_MAXOPTS; n <= IP6EXT_MAXOPTS + 1; n++) {
		memset(o, 0, sizeof(o));
		for (i = 0; i < n; i++) {
			o[i * 2] = 0x1e;
			o[i * 2 + 1] = 0;
		}
		start(DST);
		opts(IP_PROTO_DSTOPTS, o, n * 2, 24);
		upper(IP_PROTO_UDP, 8);
		CHECK(walk(&x) == (n <= IP6EXT_MAXOPTS ? IP6EXT_PASS :
		    IP6EXT_DROP));
	}
	for (n = IP6EXT_MAXHDRS; n <= IP6EXT_MAXHDRS + 1; n++) {
		start(DST);
		for (i = 0; i < n; i++)
			opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
		upper(IP_PROTO_UDP, 8);
		CHECK(walk(&x) == (n <= IP6EXT_MAXHDRS ? IP6EXT_PASS :
		    IP6EXT_DROP));
	}
	/* A chain of the largest headers, as far as 65535 bytes go. */
	start(DST);
	for (i = 0; i < 7; i++)
		ext(IP_PROTO_DSTOPTS, NULL, 0, 2048);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_DROP);		/* all padding */
}

static void
test_next_header(void)
{
	struct ip6ext	 x;
	size_t		 at;

	start(DST);
	upper(253, 8);
	CHECK(walk(&x) == IP6EXT_ERROR && x.err.type == ICMP6_PARAM_PROB &&
	    x.err.code == ICMP6_PARAMPROB_NEXTHEADER && x.err.param == 6);
	start(DST);
	at = opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
	upper(IP_PROTO_AH, 16);
	CHECK(walk(&x) == IP6EXT_ERROR && x.err.param == at);

	/* Hop-by-hop anywhere but first is an unknown next header. */
	start(DST);
	at = opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
	opts(IP_PROTO_HOPOPTS, NULL, 0, 8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_ERROR &&
	    x.err.code == ICMP6_PARAMPROB_NEXTHEADER && x.err.param == at);
	start(DST);
	opts(IP_PROTO_HOPOPTS, NULL, 0, 8);
	opts(IP_PROTO_HOPOPTS, NULL, 0, 8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_ERROR && x.err.param == 40);
}

/* RFC 5095 and RFC 8200 4.4. */
static void
test_routing(void)
{
	static const struct {
		uint8_t	 type, left;
		int	 err;
	} c[] = {
		{ 0, 0, 0 }, { 0, 1, 1 }, { 0, 255, 1 }, { 2, 0, 0 },
		{ 2, 1, 1 }, { 4, 3, 1 }, { 253, 0, 0 }, { 253, 9, 1 },
	};
	struct ip6ext	 x;
	uint8_t		 b[6] = { 0 };
	size_t		 i, at;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		start(DST);
		opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
		b[0] = c[i].type;
		b[1] = c[i].left;
		at = ext(IP_PROTO_ROUTING, b, 2, 40);
		upper(IP_PROTO_TCP, 20);
		if (c[i].err)
			CHECK(walk(&x) == IP6EXT_ERROR &&
			    x.err.type == ICMP6_PARAM_PROB &&
			    x.err.code == ICMP6_PARAMPROB_HEADER &&
			    x.err.param == at + 2);
		else
			CHECK(walk(&x) == IP6EXT_PASS &&
			    x.proto == IP_PROTO_TCP);
	}
}

static void
test_fragments(void)
{
	struct ip6ext	 x;
	size_t		 at, dat;

	/* A later fragment: its payload is no header. */
	start(DST);
	at = frag(1232, 1, 0xdeadbeef);
	upper(IP_PROTO_UDP, 64);
	pkt[at + 8] = 0;		/* would be a bad hop-by-hop */
	CHECK(walk(&x) == IP6EXT_FRAG && x.frag == IP6EXT_F_FRAG &&
	    x.foff == 1232 && x.fmore && x.fid == 0xdeadbeef &&
	    x.fhoff == 40 && x.fnhoff == 6 && x.fnxt == IP_PROTO_UDP &&
	    x.off == 48);

	/* A first fragment with its chain; options after it unjudged. */
	start(DST);
	dat = opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
	at = frag(0, 1, 7);
	opts(IP_PROTO_DSTOPTS, (const uint8_t *)"\x9e\x00", 2, 8);
	upper(IP_PROTO_TCP, 24);
	CHECK(walk(&x) == IP6EXT_FRAG && x.foff == 0 && x.fmore &&
	    x.fhoff == at && x.fnhoff == dat && x.fnxt == IP_PROTO_DSTOPTS &&
	    x.proto == IP_PROTO_TCP && x.off == at + 16);

	/* ... short of its upper-layer header: RFC 7112. */
	start(DST);
	frag(0, 1, 7);
	opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
	upper(IP_PROTO_TCP, 16);
	CHECK(walk(&x) == IP6EXT_ERROR && x.err.type == ICMP6_PARAM_PROB &&
	    x.err.code == ICMP6_PARAMPROB_CHAIN && x.err.param == 0);
	start(DST);
	frag(0, 1, 7);
	ext(IP_PROTO_DSTOPTS, NULL, 0, 8);
	pkt[plen - 8 + 1] = 4;		/* says 40 bytes */
	upper(IP_PROTO_TCP, 16);
	CHECK(walk(&x) == IP6EXT_ERROR && x.err.code == ICMP6_PARAMPROB_CHAIN);
	/* ... or one with a fragment header inside. */
	start(DST);
	frag(0, 1, 7);
	frag(0, 1, 8);
	upper(IP_PROTO_UDP, 8);
	CHECK(walk(&x) == IP6EXT_DROP);

	/* An atomic fragment is a whole packet (RFC 6946). */
	start(DST);
	at = frag(0, 0, 9);
	upper(IP_PROTO_ICMPV6, 8);
	CHECK(walk(&x) == IP6EXT_PASS && x.frag == IP6EXT_F_ATOMIC &&
	    x.fhoff == at && x.fid == 9 && x.proto == IP_PROTO_ICMPV6 &&
	    x.off == 48);
	/* ... whose options are judged. */
	start(DST);
	frag(0, 0, 9);
	at = opts(IP_PROTO_DSTOPTS, (const uint8_t *)"\x9e\x00", 2, 8);
	upper(IP_PROTO_TCP, 20);
	CHECK(walk(&x) == IP6EXT_ERROR && x.err.param == at + 2);
	/* Hop-by-hop options before the fragment header are judged. */
	start(DST);
	at = opts(IP_PROTO_HOPOPTS, (const uint8_t *)"\x5e\x00", 2, 8);
	frag(8, 0, 9);
	upper(IP_PROTO_TCP, 8);
	CHECK(walk(&x) == IP6EXT_DROP);
}

/*
 * Every prefix of a packet, its payload length cut to match and left
 * as it was: no read past the bytes (ASan), no pointer past them, and a
 * chain cut short is never passed.
 */
static void
truncations(void)
{
	struct ip6ext	 x;
	uint8_t		 save[2];
	size_t		 n, full = plen;
	int		 bad = 0;

	memcpy(save, pkt + 4, 2);
	for (n = 0; n < full; n++) {
		uint8_t	*cut = malloc(n ? n : 1);

		memcpy(cut, pkt, n);
		if (n >= IP6_HDR_LEN) {
			ip6ext_walk(cut, n, &x);
			if (x.verdict != IP6EXT_DROP)
				bad++;
			cut[4] = (n - IP6_HDR_LEN) >> 8;
			cut[5] = (n - IP6_HDR_LEN) & 0xff;
		}
		ip6ext_walk(cut, n, &x);
		if ((x.verdict == IP6EXT_PASS || x.verdict == IP6EXT_FRAG) &&
		    (x.off > n || x.len > n))
			bad++;
		if (x.verdict == IP6EXT_ERROR && x.err.param >= n)
			bad++;
		free(cut);
	}
	CHECK(bad == 0);
}

static void
test_truncations(void)
{
	uint8_t	 o[4] = { 0x1e, 2, 0, 0 };

	start(DST);
	opts(IP_PROTO_HOPOPTS, o, 4, 8);
	opts(IP_PROTO_DSTOPTS, o, 4, 8);
	EXT(IP_PROTO_ROUTING, "\x00\x00", 24);
	frag(0, 1, 1);
	opts(IP_PROTO_DSTOPTS, o, 4, 8);
	upper(IP_PROTO_TCP, 20);
	truncations();
	start(DST);
	frag(0, 0, 1);
	EXT(IP_PROTO_ROUTING, "\x00\x01", 24);
	upper(IP_PROTO_UDP, 8);
	truncations();
	start(MCAST);
	opts(IP_PROTO_HOPOPTS, (const uint8_t *)"\xc2\x04\0\0\0\0", 6, 8);
	upper(IP_PROTO_ICMPV6, 8);
	truncations();
}

/* Random chains: the walk stays inside the packet whatever it holds. */
static void
test_random(void)
{
	static const uint8_t	 nhs[] = { 0, 43, 44, 60, 6, 17, 58, 59,
				    51, 0, 60, 60, 44 };
	struct ip6ext		 x;
	size_t			 i, n, len;
	int			 bad = 0, seen[4] = { 0 };

	for (i = 0; i < 200000; i++) {
		len = IP6_HDR_LEN + arc4random_uniform(200);
		arc4random_buf(pkt, len);
		pkt[0] = 0x60;
		n = len - IP6_HDR_LEN - arc4random_uniform(4);
		if (n > len - IP6_HDR_LEN || n == 0)
			n = len - IP6_HDR_LEN;
		pkt[4] = n >> 8;
		pkt[5] = n & 0xff;
		/* Chains of real headers, mostly short. */
		pkt[6] = nhs[arc4random_uniform(sizeof(nhs))];
		for (n = IP6_HDR_LEN; n + 1 < len; n += 8) {
			pkt[n] = nhs[arc4random_uniform(sizeof(nhs))];
			pkt[n + 1] = arc4random_uniform(8) ? 0 : pkt[n + 1];
		}
		ip6ext_walk(pkt, len, &x);
		seen[x.verdict]++;
		if ((x.verdict == IP6EXT_PASS || x.verdict == IP6EXT_FRAG) &&
		    (x.off > x.len || x.len > len || x.nhoff >= x.off))
			bad++;
		if (x.verdict == IP6EXT_ERROR && x.err.param >= len)
			bad++;
		if (x.nhdrs > IP6EXT_MAXHDRS + 1)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(seen[0] > 0 && seen[1] > 0 && seen[2] > 0 && seen[3] > 0);
}

/* The ones' complement sum of an ICMPv6 message with its pseudo-header. */
static int
icmp6_sum_ok(const uint8_t *p, size_t len)
{
	uint32_t	 sum = 0;
	size_t		 i, n = len - IP6_HDR_LEN;

	for (i = 8; i < 40; i += 2)
		sum += p[i] << 8 | p[i + 1];
	sum += (uint32_t)n + IP_PROTO_ICMPV6;
	for (i = IP6_HDR_LEN; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (i < len)
		sum += p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (sum == 0xffff);
}

static void
test_error_build(void)
{
	struct ip6err	 e = { ICMP6_PARAM_PROB, ICMP6_PARAMPROB_OPTION, 42 };
	uint8_t		 out[ICMP6ERR_MAX], me[16];
	ip6_addr_t	 a;
	size_t		 n;

	ip6_pton(DST, &a);
	memcpy(me, &a, 16);
	start(DST);
	upper(IP_PROTO_UDP, 3000);
	n = icmp6err_build(pkt, plen, &e, me, 64, out);
	CHECK(n == ICMP6ERR_MAX);
	CHECK(out[0] == 0x60 && out[6] == IP_PROTO_ICMPV6 && out[7] == 64 &&
	    (out[4] << 8 | out[5]) == ICMP6ERR_MAX - 40);
	CHECK(memcmp(out + 8, me, 16) == 0 && memcmp(out + 24, pkt + 8, 16)
	    == 0);
	CHECK(out[40] == ICMP6_PARAM_PROB && out[41] == 2 && out[44] == 0 &&
	    out[47] == 42);
	CHECK(memcmp(out + 48, pkt, ICMP6ERR_QUOTE) == 0);
	CHECK(icmp6_sum_ok(out, n));

	/* A small one whole; an odd length; link padding not quoted. */
	start(DST);
	upper(IP_PROTO_UDP, 9);
	e.type = ICMP6_DST_UNREACH;
	e.code = ICMP6_DST_UNREACH_NOPORT;
	e.param = 0;
	n = icmp6err_build(pkt, plen + 10, &e, me, 255, out);
	CHECK(n == 48 + 49 && memcmp(out + 48, pkt, 49) == 0 &&
	    out[44] == 0 && out[47] == 0 && icmp6_sum_ok(out, n));

	/* Packet Too Big carries the MTU. */
	e.type = ICMP6_PACKET_TOO_BIG;
	e.code = 0;
	e.param = 1280;
	n = icmp6err_build(pkt, plen, &e, me, 64, out);
	CHECK(n > 0 && out[46] == 5 && out[47] == 0 && icmp6_sum_ok(out, n));
}

static void
test_error_due(void)
{
	struct ip6err	 pp0 = { ICMP6_PARAM_PROB, 0, 6 },
			 pp2 = { ICMP6_PARAM_PROB, 2, 42 },
			 ptb = { ICMP6_PACKET_TOO_BIG, 0, 1280 },
			 un = { ICMP6_DST_UNREACH, 4, 0 };
	uint8_t		 out[ICMP6ERR_MAX], me[16] = { 0x20, 0x01 };
	int		 t;

	start(DST);
	upper(IP_PROTO_UDP, 8);
	CHECK(icmp6err_due(pkt, plen, &pp0));
	CHECK(!icmp6err_due(pkt, 39, &pp0));

	/* To multicast: only PTB and an unknown option's code 2. */
	start(MCAST);
	upper(IP_PROTO_UDP, 8);
	CHECK(!icmp6err_due(pkt, plen, &pp0) && !icmp6err_due(pkt, plen,
	    &un));
	CHECK(icmp6err_due(pkt, plen, &pp2) && icmp6err_due(pkt, plen, &ptb));
	CHECK(icmp6err_build(pkt, plen, &un, me, 64, out) == 0);

	/* From no single node. */
	start(DST);
	upper(IP_PROTO_UDP, 8);
	memset(pkt + 8, 0, 16);
	CHECK(!icmp6err_due(pkt, plen, &ptb));
	pkt[8] = 0xff;
	CHECK(!icmp6err_due(pkt, plen, &ptb));

	/* About errors and redirects, even behind headers: never. */
	for (t = 0; t < 256; t++) {
		start(DST);
		opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
		frag(0, 1, 3);
		upper(IP_PROTO_ICMPV6, 8);
		pkt[plen - 8] = t;
		CHECK(icmp6err_due(pkt, plen, &pp0) ==
		    (t >= 128 && t != ND_REDIRECT));
	}
	/* A later fragment of an error cannot be told: answered. */
	start(DST);
	frag(8, 0, 3);
	upper(IP_PROTO_ICMPV6, 8);
	pkt[plen - 8] = 1;
	CHECK(icmp6err_due(pkt, plen, &pp0));
	/* A chain cut short: not known to be an error. */
	start(DST);
	opts(IP_PROTO_DSTOPTS, NULL, 0, 8);
	upper(IP_PROTO_ICMPV6, 0);
	CHECK(icmp6err_due(pkt, plen, &pp0));
}

static void
test_ratelimit(void)
{
	struct stack_model	 peer = { .rl = { SMRL_PEER, 1000, 6 } },
				 host = { .rl = { SMRL_HOST, 100, 2 } },
				 none = { .rl = { SMRL_NONE, 0, 0 } },
				 lnx = { .rl = { SMRL_PEER, 1000, 6 },
				     .grl = { SMRL_HOST, 1, 50 } };
	uint8_t			 p[16] = { 0x20, 1, 0xd, 0xb8, 0, 7 },
				 me2[16] = { 0x20, 1, 0xd, 0xb8, [15] = 11 };
	uint8_t			 a[16] = { 0x20, 1, 0xd, 0xb8, [15] = 1 },
				 b[16] = { 0x20, 1, 0xd, 0xb8, [15] = 2 },
				 me[16] = { 0x20, 1, 0xd, 0xb8, [15] = 10 };
	int			 i, n = 0;

	for (i = 0; i < 10; i++)
		n += icmp6err_ratelimit(&peer, ICMP6_DST_UNREACH, me, a, 5000);
	CHECK(n == 6);
	/* Another peer has its own bucket; Packet Too Big is never held. */
	CHECK(icmp6err_ratelimit(&peer, ICMP6_DST_UNREACH, me, b, 5000));
	CHECK(icmp6err_ratelimit(&peer, ICMP6_PACKET_TOO_BIG, me, a, 5000));
	CHECK(!icmp6err_ratelimit(&peer, ICMP6_PARAM_PROB, me, a, 5999));
	CHECK(icmp6err_ratelimit(&peer, ICMP6_PARAM_PROB, me, a, 6000));
	CHECK(!icmp6err_ratelimit(&peer, ICMP6_PARAM_PROB, me, a, 6000));

	/* One bucket for the host, whoever asks. */
	CHECK(icmp6err_ratelimit(&host, ICMP6_DST_UNREACH, me, a, 100));
	CHECK(icmp6err_ratelimit(&host, ICMP6_DST_UNREACH, me, b, 100));
	CHECK(!icmp6err_ratelimit(&host, ICMP6_DST_UNREACH, me, a, 100));
	for (i = 0, n = 0; i < 100; i++)
		n += icmp6err_ratelimit(&none, ICMP6_DST_UNREACH, me, a, 1);
	CHECK(n == 100);

	/*
	 * Linux's host-wide bucket on top: 60 peers with a full bucket
	 * each, yet 50 errors in a burst; then one a millisecond.  A peer
	 * its own bucket holds back costs the host nothing; another host
	 * has its own.
	 */
	for (i = 0, n = 0; i < 60; i++) {
		p[14] = i;
		n += icmp6err_ratelimit(&lnx, ICMP6_DST_UNREACH, me, p, 9000);
	}
	CHECK(n == 50);
	p[14] = 200;
	CHECK(!icmp6err_ratelimit(&lnx, ICMP6_DST_UNREACH, me, p, 9000));
	CHECK(icmp6err_ratelimit(&lnx, ICMP6_PACKET_TOO_BIG, me, p, 9000));
	CHECK(icmp6err_ratelimit(&lnx, ICMP6_DST_UNREACH, me2, p, 9000));
	CHECK(icmp6err_ratelimit(&lnx, ICMP6_DST_UNREACH, me, p, 9001));
	CHECK(!icmp6err_ratelimit(&lnx, ICMP6_DST_UNREACH, me, p, 9001));
	for (i = 0, n = 0; i < 10; i++)
		n += icmp6err_ratelimit(&lnx, ICMP6_TIME_EXCEEDED, me, p,
		    9100);
	CHECK(n == 5);		/* the peer's six, less the one it spent */
	CHECK(icmp6err_ratelimit(&lnx, ICMP6_DST_UNREACH, me, a, 9100));
}

int
main(void)
{
	engine = &eng;
	test_plain();
	test_bad_ip();
	test_options();
	test_bounds();
	test_next_header();
	test_routing();
	test_fragments();
	test_truncations();
	test_random();
	CHECK(eng.stats.ext6_drop > 0 && eng.stats.ext6_error > 0);
	test_error_build();
	test_error_due();
	test_ratelimit();
	return (unit_done());
}
