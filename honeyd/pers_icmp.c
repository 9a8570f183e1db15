/*
 * The personality's ICMP: echo replies as IE describes them (the code
 * a stack puts in, DF), and the quote of an ICMP error as U1 describes
 * it, mistakes included: nmap sends a 328-byte UDP datagram to a
 * closed port and compares what comes back with what it sent.
 *   IPL    total length of the error; we quote IPL - 28 bytes
 *   RIPL   the quoted IP total length (G: as sent)
 *   RID    the quoted IP ID (G: as sent)
 *   RIPCK  the quoted IP checksum: G valid, Z zero, I wrong
 *   RUCK   the quoted UDP checksum (G: as sent)
 *   RUD    the quoted payload: G intact, I damaged
 *   UN     the "unused" word after the ICMP header
 * and the TTL left in the quote, which nmap takes for the hop count.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"

#define ICMP_ERR_HDRS	28	/* outer IP header, ICMP header, unused */
#define NMAP_U1_LEN	328	/* nmap's U1: IP, UDP and 300 bytes */

static uint16_t	 quote_ipsum(uint8_t *, size_t);

void
pers_echo_reply(struct pers_state *st, struct ipin *in, struct ip_hdr *ip,
    struct icmp_hdr *icmp)
{
	const struct pers_plan	*p = st->plan;
	int			 reqdf, df;

	reqdf = (ntohs(in->ip->ip_off) & IP_DF) != 0;
	if (p->ie_cd == -2)
		icmp->icmp_code ^= 1;
	else if (p->ie_cd >= 0)
		icmp->icmp_code = p->ie_cd;
	switch (p->ie_dfi) {
	case 'Y':
		df = 1;
		break;
	case 'S':
		df = reqdf;
		break;
	case 'O':
		df = !reqdf;
		break;
	default:
		df = 0;
		break;
	}
	pers_out_set(IP_PROTO_ICMP, p->ie_ttl, df, PST_ICMP);
}

/* A valid checksum for the quoted IP header. */
static uint16_t
quote_ipsum(uint8_t *q, size_t hlen)
{
	int	 sum;

	q[10] = q[11] = 0;
	sum = ip_cksum_add(q, hlen, 0);
	return (ip_cksum_carry(sum));
}

/*
 * Shape the quote in place: q holds qlen bytes of the offending
 * datagram, room is what the error can carry.  Returns the new length.
 */
ssize_t
pers_icmp_quote(struct pers_state *st, uint8_t *q, size_t qlen, size_t room)
{
	/* The IP header of nmap's U1, as far as the quote rule looks. */
	static const uint8_t	 u1_hdr[IP_HDR_LEN] = { 0x45, [9] = 17 };
	const struct pers_plan	*p = st->plan;
	const struct stack_model *m = stackmodel_get(p->family);
	size_t			 want, hlen;
	uint16_t		 v;

	if (!p->u1_r)
		return (-1);
	/*
	 * IPL says how much of nmap's U1 datagram the stack quotes: all
	 * of it (a stack that quotes what it received, as Linux does up
	 * to 576 bytes) or a prefix (the BSDs' header and 8 bytes).  Any
	 * other datagram gets the same rule, never bytes it did not
	 * carry; only a stack whose IPL is longer than U1 itself pads.
	 */
	want = p->u1_ipl > ICMP_ERR_HDRS ?
	    (size_t)p->u1_ipl - ICMP_ERR_HDRS : qlen;
	if (want == NMAP_U1_LEN || (want < NMAP_U1_LEN && want > qlen))
		want = qlen;
	/*
	 * Where the family's rule (stackmodel.c) quotes of U1 what IPL
	 * says, or no IPL says anything, the rule decides for every
	 * datagram: a BSD's header and 8 bytes count a header with
	 * options, FreeBSD quotes a TCP header whole, Linux stops at a
	 * 576-byte error.
	 */
	if (p->u1_ipl == 0 || (p->u1_ipl > ICMP_ERR_HDRS &&
	    (size_t)p->u1_ipl - ICMP_ERR_HDRS ==
	    stackmodel_quote_len(m, u1_hdr, NMAP_U1_LEN, NMAP_U1_LEN)))
		want = stackmodel_quote_len(m, q, qlen, room);
	if (want > room)
		want = room;
	if (want > qlen)
		memset(q + qlen, 0, want - qlen);
	qlen = want;
	pers_out_set(IP_PROTO_ICMP, p->u1_ttl, p->u1_df, PST_ICMP);
	pers_out.tos = p->u1_tos | (qlen >= 2 ? q[1] & p->u1_tosbits : 0);
	if (qlen < IP_HDR_LEN || (hlen = (q[0] & 0xf) * 4) < IP_HDR_LEN ||
	    hlen > qlen)
		return (qlen);
	/* The routers a far host's probes would have passed. */
	q[8] = q[8] > p->hops ? q[8] - p->hops : 1;
	if (p->u1_ripl >= 0) {
		v = htons(p->u1_ripl);
		memcpy(q + 2, &v, 2);
	}
	if (p->u1_rid >= 0) {
		v = htons(p->u1_rid);
		memcpy(q + 4, &v, 2);
	}
	if (q[9] == IP_PROTO_UDP && qlen >= hlen + UDP_HDR_LEN) {
		if (p->u1_ruck >= 0) {
			v = htons(p->u1_ruck);
			memcpy(q + hlen + 6, &v, 2);
		}
		if (p->u1_ulen >= 0) {
			v = htons(p->u1_ulen);
			memcpy(q + hlen + 4, &v, 2);
		}
		if (p->u1_rud == 'I' && qlen > hlen + UDP_HDR_LEN)
			q[hlen + UDP_HDR_LEN] ^= 0xff;
	}
	switch (p->u1_ripck) {
	case 'Z':
		q[10] = q[11] = 0;
		break;
	case 'I':
		v = quote_ipsum(q, hlen) ^ 0x5a5a;
		memcpy(q + 10, &v, 2);
		break;
	default:
		v = quote_ipsum(q, hlen);
		memcpy(q + 10, &v, 2);
		break;
	}
	return (qlen);
}
