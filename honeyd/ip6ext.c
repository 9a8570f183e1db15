/*
 * Engine: the extension header chain of a received IPv6 packet
 * (RFC 8200 4), walked before anything looks at the upper layer.
 *
 * The walk decides, header by header, what a host does with it: go on,
 * drop the packet silently, or drop it and answer an ICMPv6 Parameter
 * Problem (RFC 4443 3.4) whose pointer names the offending byte in the
 * packet as received.  It stops at the upper-layer header (TCP, UDP,
 * ICMPv6, or No Next Header) or at a fragment header that needs
 * reassembly first; the caller hands the reassembled datagram back to
 * the walk.  Nothing here sends or keeps anything: the result is a
 * struct ip6ext the input path acts on, and the counters.
 *
 * Headers before a fragment header are the unfragmentable part and are
 * processed in every fragment, as the node a packet is addressed to
 * would; those after it are processed once, after reassembly.  In a
 * first fragment they are only walked to see that the whole chain is
 * there (RFC 7112).
 *
 * An attacker controls every byte: every length is checked against the
 * packet, and chains, options and padding are bounded (RFC 8504 5.3
 * lets a host limit them) so that a walk costs little whatever comes.
 */

#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"

/* The upper layers the engine answers. */
static int
ip6ext_upper_known(uint8_t nh)
{
	return (nh == IP_PROTO_TCP || nh == IP_PROTO_UDP ||
	    nh == IP_PROTO_ICMPV6 || nh == IP_PROTO_NONE);
}

/* The smallest header of an upper layer: what a first fragment holds. */
static size_t
ip6ext_upper_min(uint8_t nh)
{
	switch (nh) {
	case IP_PROTO_TCP:
		return (TCP_HDR_LEN);
	case IP_PROTO_UDP:
		return (UDP_HDR_LEN);
	case IP_PROTO_ICMPV6:
		return (8);
	}
	return (0);
}

static int
ip6ext_is_ext(uint8_t nh)
{
	return (nh == IP_PROTO_HOPOPTS || nh == IP_PROTO_ROUTING ||
	    nh == IP_PROTO_FRAGMENT || nh == IP_PROTO_DSTOPTS);
}

static enum ip6ext_verdict
ip6ext_drop(struct ip6ext *x, const char *why)
{
	x->verdict = IP6EXT_DROP;
	x->why = why;
	if (engine != NULL)
		engine->stats.ext6_drop++;
	return (IP6EXT_DROP);
}

static enum ip6ext_verdict
ip6ext_error(struct ip6ext *x, const char *why, uint8_t code, size_t ptr)
{
	x->verdict = IP6EXT_ERROR;
	x->why = why;
	x->err.type = ICMP6_PARAM_PROB;
	x->err.code = code;
	x->err.param = (uint32_t)ptr;
	if (engine != NULL)
		engine->stats.ext6_error++;
	return (IP6EXT_ERROR);
}

/*
 * An option type the engine does not know, at pkt[i]: its two high
 * bits say what to do (RFC 8200 4.2).  -1 to go on.
 */
static int
ip6ext_opt_unknown(const uint8_t *pkt, size_t i, struct ip6ext *x)
{
	switch (pkt[i] & 0xc0) {
	case 0x00:	/* skip over it */
		return (-1);
	case 0x40:	/* discard the packet */
		return (ip6ext_drop(x, "unknown option, discard"));
	case 0xc0:	/* discard; answer unless to a multicast address */
		if (pkt[24] == 0xff)
			return (ip6ext_drop(x,
			    "unknown option, multicast destination"));
		/* FALLTHROUGH */
	default:	/* 0x80: discard and answer, even to multicast */
		return (ip6ext_error(x, "unknown option",
		    ICMP6_PARAMPROB_OPTION, i));
	}
}

/*
 * One known option: -1 to go on.  Only the hop-by-hop header has any
 * the engine knows beside padding.
 */
static int
ip6ext_opt_known(const uint8_t *pkt, size_t i, int hbh, struct ip6ext *x,
    int *known)
{
	*known = 1;
	if (hbh && pkt[i] == IP6_OPT_RTALERT) {
		/* RFC 2711 2.1: two bytes of value; Linux drops others. */
		if (pkt[i + 1] != IP6_OPT_RTALERT_LEN - 2)
			return (ip6ext_drop(x, "router alert length"));
		return (-1);
	}
	if (hbh && pkt[i] == IP6_OPT_JUMBO)
		/*
		 * RFC 2675 3: a jumbo payload option with a payload length
		 * that is not 0 (and the walk has refused those that are:
		 * no link here carries a jumbogram).
		 */
		return (ip6ext_error(x, "jumbo option", ICMP6_PARAMPROB_HEADER,
		    i));
	*known = 0;
	return (-1);
}

/*
 * The options of a hop-by-hop or destination options header of hlen
 * bytes at off, type-length-value (RFC 8200 4.2).  -1 to go on, else
 * the verdict.
 */
static int
ip6ext_opts(const uint8_t *pkt, size_t off, size_t hlen, int hbh,
    struct ip6ext *x)
{
	size_t	 i = off + 2, end = off + hlen, olen, pad = 0;
	int	 nopts = 0, known, rv;

	while (i < end) {
		if (pkt[i] == IP6_OPT_PAD1) {
			if (++pad > IP6EXT_MAXPAD)
				return (ip6ext_drop(x, "padding"));
			i++;
			continue;
		}
		if (end - i < 2 || (olen = pkt[i + 1]) > end - i - 2)
			return (ip6ext_drop(x, "option truncated"));
		if (pkt[i] == IP6_OPT_PADN) {
			/* RFC 4942 2.1.9.5: more than 7 bytes hides data. */
			if ((pad += 2 + olen) > IP6EXT_MAXPAD)
				return (ip6ext_drop(x, "padding"));
			i += 2 + olen;
			continue;
		}
		pad = 0;
		/* RFC 8504 5.3: a bounded number of options. */
		if (++nopts > IP6EXT_MAXOPTS)
			return (ip6ext_drop(x, "too many options"));
		if ((rv = ip6ext_opt_known(pkt, i, hbh, x, &known)) != -1)
			return (rv);
		if (!known && (rv = ip6ext_opt_unknown(pkt, i, x)) != -1)
			return (rv);
		i += 2 + olen;
	}
	return (-1);
}

/*
 * A routing header (RFC 8200 4.4).  The engine's hosts are final
 * destinations that implement no routing type, so with segments left
 * every type is one they do not recognize; type 0 is deprecated
 * outright (RFC 5095 3) and answered the same way.  Without segments
 * left the header is ignored, whatever its type.
 */
static int
ip6ext_routing(const uint8_t *pkt, size_t off, struct ip6ext *x)
{
	if (pkt[off + 3] == 0)
		return (-1);
	if (pkt[off + 2] == 0)
		return (ip6ext_error(x, "routing header type 0",
		    ICMP6_PARAMPROB_HEADER, off + 2));
	return (ip6ext_error(x, "routing type unknown",
	    ICMP6_PARAMPROB_HEADER, off + 2));
}

/*
 * A fragment header (RFC 8200 4.5).  -1 to go on walking: an atomic
 * fragment (RFC 6946) is a whole packet, and a first fragment's chain
 * must be walked to its end (RFC 7112).  Another fragment's payload is
 * no header: IP6EXT_FRAG at once.
 */
static int
ip6ext_fragment(const uint8_t *pkt, size_t off, size_t nhoff,
    struct ip6ext *x)
{
	uint16_t	 offlg = (uint16_t)(pkt[off + 2] << 8 | pkt[off + 3]);
	size_t		 foff = offlg & 0xfff8;
	int		 more = offlg & 1;

	if (foff == 0 && !more) {
		if (x->frag == IP6EXT_F_NONE) {
			x->frag = IP6EXT_F_ATOMIC;
			x->fhoff = off;
			x->fnhoff = nhoff;
			x->fnxt = pkt[off];
			x->fid = (uint32_t)pkt[off + 4] << 24 |
			    (uint32_t)pkt[off + 5] << 16 |
			    (uint32_t)pkt[off + 6] << 8 | pkt[off + 7];
		}
		return (-1);
	}
	x->frag = IP6EXT_F_FRAG;
	x->fhoff = off;
	x->fnhoff = nhoff;
	x->fnxt = pkt[off];
	x->foff = foff;
	x->fmore = more;
	x->fid = (uint32_t)pkt[off + 4] << 24 | (uint32_t)pkt[off + 5] << 16 |
	    (uint32_t)pkt[off + 6] << 8 | pkt[off + 7];
	if (foff != 0) {
		x->proto = x->fnxt;
		x->off = off + 8;
		x->nhoff = off;
		x->verdict = IP6EXT_FRAG;
		return (IP6EXT_FRAG);
	}
	return (-1);
}

/* One extension header of hlen bytes at off, processed: -1 to go on. */
static int
ip6ext_process(const uint8_t *pkt, size_t off, size_t hlen, uint8_t nh,
    size_t nhoff, struct ip6ext *x)
{
	switch (nh) {
	case IP_PROTO_HOPOPTS:
		/*
		 * RFC 8200 4.3: only right after the IPv6 header.  Next
		 * Header 0 anywhere else is unrecognized (RFC 8200 4).
		 */
		if (nhoff != 6)
			return (ip6ext_error(x, "hop-by-hop not first",
			    ICMP6_PARAMPROB_NEXTHEADER, nhoff));
		return (ip6ext_opts(pkt, off, hlen, 1, x));
	case IP_PROTO_DSTOPTS:
		return (ip6ext_opts(pkt, off, hlen, 0, x));
	case IP_PROTO_ROUTING:
		return (ip6ext_routing(pkt, off, x));
	case IP_PROTO_FRAGMENT:
		return (ip6ext_fragment(pkt, off, nhoff, x));
	}
	return (-1);
}

/* The length of the extension header nh at off, or 0 if cut short. */
static size_t
ip6ext_hdrlen(const uint8_t *pkt, size_t len, size_t off, uint8_t nh)
{
	size_t	 hlen;

	if (off + 2 > len)
		return (0);
	/* RFC 8200 4.5: the fragment header's second byte is reserved. */
	hlen = nh == IP_PROTO_FRAGMENT ? 8 : ((size_t)pkt[off + 1] + 1) * 8;
	if (hlen > len - off)
		return (0);
	return (hlen);
}

/* The chain has ended at nh, at off: the upper layer's verdict. */
static enum ip6ext_verdict
ip6ext_upper(struct ip6ext *x, uint8_t nh, size_t off, size_t nhoff)
{
	x->proto = nh;
	x->off = off;
	x->nhoff = nhoff;
	if (x->frag == IP6EXT_F_FRAG) {
		/*
		 * RFC 7112 5, RFC 8200 4.5: a first fragment holds the
		 * whole chain through the upper-layer header, else it is
		 * discarded with Parameter Problem code 3, pointer 0.  What
		 * follows the fragment header is judged after reassembly.
		 */
		if (ip6ext_upper_min(nh) > x->len - off)
			return (ip6ext_error(x, "first fragment short of the "
			    "upper-layer header", ICMP6_PARAMPROB_CHAIN, 0));
		x->verdict = IP6EXT_FRAG;
		return (IP6EXT_FRAG);
	}
	/*
	 * RFC 8200 4: a Next Header the node does not recognize is code
	 * 1, pointing at it.  (The input path may still answer "protocol
	 * unreachable" only as the host's stack model says.)
	 */
	if (!ip6ext_upper_known(nh))
		return (ip6ext_error(x, "unknown next header",
		    ICMP6_PARAMPROB_NEXTHEADER, nhoff));
	x->verdict = IP6EXT_PASS;
	return (IP6EXT_PASS);
}

/*
 * Walk the IPv6 packet pkt of len bytes as captured (its payload length
 * must fit in them; bytes past it are link padding and ignored).  The
 * verdict is returned and stored in *x with what goes with it.
 */
enum ip6ext_verdict
ip6ext_walk(const uint8_t *pkt, size_t len, struct ip6ext *x)
{
	size_t		 off = IP6_HDR_LEN, nhoff = 6, hlen, plen;
	uint8_t		 nh;
	int		 rv, first = 0;

	memset(x, 0, sizeof(*x));
	x->proto = IP_PROTO_NONE;
	if (len < IP6_HDR_LEN || (pkt[0] >> 4) != 6)
		return (ip6ext_drop(x, "not IPv6"));
	/* A payload length of 0 is a jumbogram (RFC 2675): no link here. */
	if ((plen = (size_t)pkt[4] << 8 | pkt[5]) == 0)
		return (ip6ext_drop(x, "jumbogram"));
	if (plen > len - IP6_HDR_LEN)
		return (ip6ext_drop(x, "payload length past the packet"));
	x->len = IP6_HDR_LEN + plen;
	for (nh = pkt[6]; ip6ext_is_ext(nh); nh = pkt[nhoff = off],
	    off += hlen) {
		/* RFC 8504 5.3: a host may bound the chain it walks. */
		if (x->nhdrs++ >= IP6EXT_MAXHDRS)
			return (ip6ext_drop(x, "too many extension headers"));
		/*
		 * A header cut short by the payload length is no packet
		 * (RFC 8200 gives no error for it; Linux drops it), but a
		 * first fragment short of its chain is RFC 7112's case.
		 */
		if ((hlen = ip6ext_hdrlen(pkt, x->len, off, nh)) == 0) {
			if (first)
				return (ip6ext_error(x, "first fragment short "
				    "of its header chain",
				    ICMP6_PARAMPROB_CHAIN, 0));
			return (ip6ext_drop(x, "extension header truncated"));
		}
		if (first) {
			/* Processed after reassembly; one fragment level. */
			if (nh == IP_PROTO_FRAGMENT)
				return (ip6ext_drop(x, "fragment header in a "
				    "fragment"));
			continue;
		}
		if ((rv = ip6ext_process(pkt, off, hlen, nh, nhoff, x)) != -1)
			return (rv);
		first = x->frag == IP6EXT_F_FRAG;
	}
	return (ip6ext_upper(x, nh, off, nhoff));
}
