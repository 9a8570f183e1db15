/*
 * Engine: ICMP.  Echo requests are answered unless the template blocks
 * ICMP; errors (port unreachable for UDP; time exceeded and net
 * unreachable from virtual routers, router.c) quote the offending
 * datagram as the personality dictates.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"

/* RFC 1812 4.3.2.3: an error message fits in 576 bytes. */
#define ICMP_ERROR_MAX	576

static void	 icmp_echo_reply(struct ipin *);
static void	 icmp_tstamp_reply(struct ipin *);

static int
icmp_blocked(const struct template *t)
{
	return (t->defaults[HP_ICMP].kind == ACTION_BLOCK);
}

void
icmp_input(struct ipin *in)
{
	const struct icmp_hdr	*icmp = (const struct icmp_hdr *)in->l4;

	eventlog_icmp(in->src, in->dst, icmp->icmp_type, icmp->icmp_code,
	    in->len);
	if (icmp_blocked(in->tmpl))
		return;
	switch (icmp->icmp_type) {
	case ICMP_ECHO:
		icmp_echo_reply(in);
		break;
	case ICMP_TSTAMP:
		icmp_tstamp_reply(in);
		break;
	default:
		/* XXX mask requests are not answered (nor by Linux). */
		break;
	}
}

static void
icmp_echo_reply(struct ipin *in)
{
	uint8_t			 pkt[HONEYD_MAX_PKT];
	struct ip_hdr		*ip = (struct ip_hdr *)pkt;
	struct icmp_hdr		*icmp;
	size_t			 len = IP_HDR_LEN + in->l4len;

	if (len > sizeof(pkt) || !personality_echo_ok(in))
		return;
	ip_pack_hdr(ip, in->ip->ip_tos, len, 0, 0, 0, IP_PROTO_ICMP,
	    in->ip->ip_dst, in->ip->ip_src);
	icmp = (struct icmp_hdr *)(pkt + IP_HDR_LEN);
	memcpy(icmp, in->l4, in->l4len);
	icmp->icmp_type = ICMP_ECHOREPLY;
	personality_echo_reply(in, ip, icmp);
	engine->stats.icmp_echo++;
	ip_output(in->host, in->tmpl, pkt, len, OUT_ICMP_ECHO);
}

/*
 * RFC 792 timestamp reply, as Linux's icmp_timestamp() sends it: the
 * originate timestamp echoed, receive and transmit times in
 * milliseconds since midnight UT; a request without its originate
 * timestamp is dropped, whatever follows it is not returned.
 */
static void
icmp_tstamp_reply(struct ipin *in)
{
	uint8_t			 pkt[IP_HDR_LEN + ICMP_HDR_LEN + 16];
	struct ip_hdr		*ip = (struct ip_hdr *)pkt;
	uint8_t			*icmp = pkt + IP_HDR_LEN;
	struct timeval		 tv;
	uint32_t		 ms;
	size_t			 len = sizeof(pkt);

	if (in->l4len < ICMP_HDR_LEN + 8 || !personality_tstamp_ok(in))
		return;
	gettimeofday(&tv, NULL);
	ms = htonl((uint32_t)((tv.tv_sec % 86400) * 1000 +
	    tv.tv_usec / 1000));
	ip_pack_hdr(ip, in->ip->ip_tos, len, 0, 0, 0, IP_PROTO_ICMP,
	    in->ip->ip_dst, in->ip->ip_src);
	/* Type, code, checksum, identifier, sequence, originate. */
	memcpy(icmp, in->l4, ICMP_HDR_LEN + 8);
	icmp[0] = ICMP_TSTAMPREPLY;
	icmp[1] = 0;
	memcpy(icmp + ICMP_HDR_LEN + 8, &ms, 4);
	memcpy(icmp + ICMP_HDR_LEN + 12, &ms, 4);
	ip_output(in->host, in->tmpl, pkt, len, OUT_ICMP_ECHO);
}

/*
 * An ICMP error about the packet in "in", sent from address "from" as
 * host h with template t (the destination itself, or a router on the
 * way).  The quote is the original IP header and as much of its payload
 * as fits; the personality may shorten it, reproduce an OS's byte-order
 * mistakes, or decide this stack stays silent.  The word after the
 * checksum is the personality's, or mtu when that is not -1.
 */
static void
icmp_error_send(struct ipin *in, struct host *h, const struct template *t,
    uint32_t from, int type, int code, long mtu)
{
	uint8_t			 pkt[ICMP_ERROR_MAX];
	struct ip_hdr		*ip = (struct ip_hdr *)pkt;
	struct icmp_hdr		*icmp;
	uint8_t			*quote;
	ssize_t			 qlen;
	size_t			 len;
	uint32_t		 unused;

	if (icmp_blocked(t) || !personality_icmp_ratelimit(h, t, from,
	    in->src))
		return;
	qlen = in->len;
	if (qlen > (ssize_t)(sizeof(pkt) - IP_HDR_LEN - ICMP_HDR_LEN - 4))
		qlen = sizeof(pkt) - IP_HDR_LEN - ICMP_HDR_LEN - 4;
	icmp = (struct icmp_hdr *)(pkt + IP_HDR_LEN);
	quote = (uint8_t *)icmp + ICMP_HDR_LEN + 4;
	memset(icmp, 0, ICMP_HDR_LEN + 4);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	/* RFC 792 says zero; some stacks leave something there. */
	unused = htonl(mtu != -1 ? (uint32_t)mtu :
	    personality_icmp_unused(h, t));
	memcpy((uint8_t *)icmp + ICMP_HDR_LEN, &unused, sizeof(unused));
	memcpy(quote, in->ip, qlen);
	qlen = personality_icmp_quote(in, h, t, quote, qlen,
	    sizeof(pkt) - (quote - pkt));
	if (qlen < 0)
		return;
	len = (quote - pkt) + qlen;
	/*
	 * Linux's TOS on an error: internetwork control precedence plus
	 * the offender's TOS bits (icmp_send()).  A personality sets its
	 * own (pers_icmp_quote()).
	 */
	ip_pack_hdr(ip, IP_TOS_PREC_INTERNETCONTROL | (in->ip->ip_tos & 0x1e),
	    len, 0, 0, 0, IP_PROTO_ICMP, htonl(from), in->ip->ip_src);
	engine->stats.icmp_errors++;
	ip_output(h, t, pkt, len, OUT_ICMP_ERROR);
}

void
icmp_error(struct ipin *in, struct host *h, const struct template *t,
    uint32_t from, int type, int code)
{
	icmp_error_send(in, h, t, from, type, code, -1);
}

/*
 * Fragmentation needed and DF set, with the MTU of the next hop's link
 * in the low half of the word after the checksum (RFC 1191 4), as a
 * router answers a packet its next link does not take.
 */
void
icmp_error_needfrag(struct ipin *in, struct host *h, const struct template *t,
    uint32_t from, uint16_t mtu)
{
	icmp_error_send(in, h, t, from, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG,
	    mtu);
}

/* Port unreachable from the destination host itself. */
void
icmp_send_unreach(struct ipin *in, int code)
{
	icmp_error(in, in->host, in->tmpl, in->dst, ICMP_UNREACH, code);
}

/*
 * A TCP segment or UDP datagram to a "prohibit" port, answered as a
 * host firewall that rejects it would: communication administratively
 * prohibited (RFC 1812 5.2.7.1, RFC 4443 3.1), so scanners call the
 * port filtered rather than closed.
 */
void
icmp_send_prohibited(struct ipin *in)
{
	engine->stats.prohibited++;
	if (in->v6)
		ip6_prohibited(in);
	else
		icmp_send_unreach(in, ICMP_UNREACH_FILTER_PROHIB);
}
