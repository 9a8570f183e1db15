/*
 * Engine: ICMPv6 error messages (RFC 4443 2.4, 3) about a received
 * packet: whether one is due at all, the message itself, and its rate
 * limit.
 *
 * An error quotes as much of the offending packet as fits in the
 * IPv6 minimum MTU (RFC 4443 2.4(c)), so that it reaches its source
 * unfragmented whatever the path.  None is sent about an ICMPv6 error
 * or a redirect, to a multicast destination but for the two kinds that
 * must be, or to a source that names no single node (RFC 4443 2.4(e));
 * what the link layer's destination was (2.4(e.4), (e.5)) the caller
 * knows: the parent hands the engine only frames for claimed addresses.
 *
 * The limit (RFC 4443 2.4(f)) is the stack model's token bucket
 * (stackmodel_rl_take()), in a table keyed by the pair of addresses as
 * personality.c keys the IPv4 one.
 */

#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"

#define RL6_SLOTS_BITS	10

struct rl6_slot {
	ip6_addr_t	 from, to;
	struct sm_bucket b;
};
static struct rl6_slot	 rl6_table[1 << RL6_SLOTS_BITS];

/*
 * Whether the offending packet is itself an ICMPv6 error or a redirect
 * (RFC 4443 2.4(e.1), (e.2)): its header chain followed as far as the
 * bytes go.  A packet whose chain cannot be followed (cut short, a
 * later fragment) is not known to be one.
 */
static int
icmp6err_about_error(const uint8_t *pkt, size_t len)
{
	size_t	 off = IP6_HDR_LEN, hlen;
	uint8_t	 nh = pkt[6];
	int	 n;

	for (n = 0; n <= IP6EXT_MAXHDRS; n++) {
		switch (nh) {
		case IP_PROTO_HOPOPTS:
		case IP_PROTO_ROUTING:
		case IP_PROTO_DSTOPTS:
			if (len - off < 2)
				return (0);
			hlen = ((size_t)pkt[off + 1] + 1) * 8;
			break;
		case IP_PROTO_FRAGMENT:
			/* Only a first fragment has the upper layer. */
			if (len - off < 8 || (pkt[off + 2] << 8 |
			    (pkt[off + 3] & 0xf8)) != 0)
				return (0);
			hlen = 8;
			break;
		case IP_PROTO_ICMPV6:
			return (len - off >= 1 && (pkt[off] < 128 ||
			    pkt[off] == ND_REDIRECT));
		default:
			return (0);
		}
		if (hlen > len - off)
			return (0);
		nh = pkt[off];
		off += hlen;
	}
	return (0);
}

/*
 * Whether an error e about pkt (len bytes as received, at least the
 * IPv6 header) may be sent at all (RFC 4443 2.4(e)).
 */
int
icmp6err_due(const uint8_t *pkt, size_t len, const struct ip6err *e)
{
	static const uint8_t	 unspec[IP6_ADDR_LEN];

	if (len < IP6_HDR_LEN)
		return (0);
	/* (e.6): a source that is no single node. */
	if (pkt[8] == 0xff || memcmp(pkt + 8, unspec, IP6_ADDR_LEN) == 0)
		return (0);
	/* (e.3): multicast, but Packet Too Big and an option's code 2. */
	if (pkt[24] == 0xff && e->type != ICMP6_PACKET_TOO_BIG &&
	    !(e->type == ICMP6_PARAM_PROB &&
	    e->code == ICMP6_PARAMPROB_OPTION))
		return (0);
	if (icmp6err_about_error(pkt, len))
		return (0);
	return (1);
}

/*
 * Build the error e about pkt (len bytes as received) into out, which
 * holds ICMP6ERR_MAX bytes, from src with hop limit hlim, to the
 * packet's source.  Returns its length, or 0 if no error is due.
 */
size_t
icmp6err_build(const uint8_t *pkt, size_t len, const struct ip6err *e,
    const uint8_t *srcaddr, uint8_t hlim, uint8_t *out)
{
	ip6_addr_t	 src, dst;
	size_t		 q, plen;
	uint8_t		*icmp = out + IP6_HDR_LEN;

	if (!icmp6err_due(pkt, len, e))
		return (0);
	/* What the payload length says was received, if less. */
	plen = (size_t)pkt[4] << 8 | pkt[5];
	if (plen != 0 && IP6_HDR_LEN + plen < len)
		len = IP6_HDR_LEN + plen;
	q = len < ICMP6ERR_QUOTE ? len : ICMP6ERR_QUOTE;
	memcpy(&src, srcaddr, IP6_ADDR_LEN);
	memcpy(&dst, pkt + 8, IP6_ADDR_LEN);
	ip6_pack_hdr(out, 0, 0, 8 + q, IP_PROTO_ICMPV6, hlim, src, dst);
	icmp[0] = e->type;
	icmp[1] = e->code;
	icmp[2] = icmp[3] = 0;
	/* The pointer or the MTU; unused (0) for the other types. */
	icmp[4] = e->param >> 24;
	icmp[5] = e->param >> 16;
	icmp[6] = e->param >> 8;
	icmp[7] = e->param;
	memmove(icmp + 8, pkt, q);
	ip6_checksum(out, IP6_HDR_LEN + 8 + q);
	return (IP6_HDR_LEN + 8 + q);
}

static struct rl6_slot *
rl6_slot(const uint8_t *from, const uint8_t *to)
{
	uint32_t	 k = 0;
	size_t		 i;

	for (i = 0; i < IP6_ADDR_LEN; i++)
		k = ((k ^ from[i]) * 16777619U ^ to[i]) * 16777619U;
	k *= 2654435761U;
	return (&rl6_table[k >> (32 - RL6_SLOTS_BITS)]);
}

/* The bucket of from towards to; a slot another pair held starts full. */
static struct sm_bucket *
rl6_bucket(const uint8_t *from, const uint8_t *to)
{
	struct rl6_slot	*s = rl6_slot(from, to);

	if (memcmp(&s->from, from, IP6_ADDR_LEN) != 0 ||
	    memcmp(&s->to, to, IP6_ADDR_LEN) != 0) {
		memcpy(&s->from, from, IP6_ADDR_LEN);
		memcpy(&s->to, to, IP6_ADDR_LEN);
		s->b.last_ms = 0;
	}
	return (&s->b);
}

/*
 * Whether an error of type from one of our addresses to a peer may go
 * now (now_ms, monotonic), as family m's rate limits allow: its bucket
 * per peer (or per host), and its host-wide one on top (m->grl, Linux's
 * icmp_global_allow(), which icmp6_send() applies as icmp_send() does;
 * the host's bucket is its address towards ::).  Packet Too Big is
 * never held back: path MTU discovery depends on it (RFC 4443 2.4(f)
 * allows it; Linux's icmpv6_xrlim_allow() and icmpv6_mask_allow() do
 * so).
 */
int
icmp6err_ratelimit(const struct stack_model *m, uint8_t type,
    const uint8_t *from, const uint8_t *to, uint64_t now_ms)
{
	return (icmp6err_ratelimit_machine(m, NULL, type, from, to, now_ms));
}

/*
 * The same, machine (when not NULL) the host-wide bucket that the
 * machine's IPv4 errors spend too (stackmodel_machine_bucket()).
 */
int
icmp6err_ratelimit_machine(const struct stack_model *m,
    struct sm_bucket *machine, uint8_t type, const uint8_t *from,
    const uint8_t *to, uint64_t now_ms)
{
	static const uint8_t	 any[IP6_ADDR_LEN];
	struct sm_bucket	*peer, *global, fresh;
	int			 grl = m->grl.scope != SMRL_NONE;

	if (m->rl.scope == SMRL_NONE || type == ICMP6_PACKET_TOO_BIG)
		return (1);
	if (m->rl.scope == SMRL_HOST)
		to = any;
	if (grl && machine != NULL)
		return (stackmodel_rl_allow(m, rl6_bucket(from, to), machine,
		    now_ms));
	memset(&fresh, 0, sizeof(fresh));
	global = &fresh;
	if (grl && to != any && rl6_slot(from, any) == rl6_slot(from, to)) {
		/* The host's bucket keeps the slot; the peer starts full. */
		global = rl6_bucket(from, any);
		peer = &fresh;
	} else {
		peer = rl6_bucket(from, to);
		if (grl)
			global = rl6_bucket(from, any);
	}
	return (stackmodel_rl_allow(m, peer, global, now_ms));
}
