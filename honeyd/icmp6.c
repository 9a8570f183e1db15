/*
 * Engine: ICMPv6 (RFC 4443) for virtual hosts.  An echo request is
 * answered with an echo reply carrying its identifier, sequence and
 * data back, and a code as the host's family answers one (nmap -6 -O's
 * IE1 probe has code 9: stackmodel.c); everything else is counted and
 * dropped for now.  Neighbor Discovery is not here: the parent answers
 * it on the hosts' behalf (ndp.c), as it answers ARP.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"

#define ICMP6_ECHO_REQ	128
#define ICMP6_ECHO_REP	129

/* Room for the largest answer; ip6_output() refuses what the link won't. */
static uint8_t	 icmp6_buf[IP6_HDR_LEN + HONEYD_MAX_PKT];

static void
icmp6_echo(struct ip6in *in, uint8_t code)
{
	uint8_t		*l4 = icmp6_buf + IP6_HDR_LEN;
	struct ip6_hdr	*ip6 = (struct ip6_hdr *)icmp6_buf;
	uint16_t	 sum;

	memset(ip6, 0, IP6_HDR_LEN);
	memcpy(&ip6->ip6_src, &in->dst, sizeof(in->dst));
	memcpy(&ip6->ip6_dst, &in->src, sizeof(in->src));
	ip6->ip6_nxt = IP_PROTO_ICMPV6;
	memcpy(l4, in->l4, in->l4len);
	l4[0] = ICMP6_ECHO_REP;
	l4[1] = code;
	l4[2] = l4[3] = 0;
	sum = ip6_cksum(&in->dst, &in->src, IP_PROTO_ICMPV6, l4, in->l4len);
	memcpy(l4 + 2, &sum, sizeof(sum));
	engine->stats.icmp6_echo++;
	ip6_output(in->tmpl, icmp6_buf, IP6_HDR_LEN + in->l4len);
}

void
icmp6_input(struct ip6in *in)
{
	int	 code;

	engine->stats.icmp6_in++;
	if (in->l4len < 4 || ip6_cksum(&in->src, &in->dst, IP_PROTO_ICMPV6,
	    in->l4, in->l4len) != 0) {
		engine->stats.icmp6_drop++;
		return;
	}
	eventlog_icmp6(&in->src, &in->dst, in->l4[0], in->l4[1], in->l4len);
	if (in->l4[0] == ICMP6_ECHO_REQ && in->l4len >= 8 &&
	    (code = stackmodel_echo6_code(personality_stack_model(in->host,
	    in->tmpl), in->l4[1])) != -1) {
		icmp6_echo(in, (uint8_t)code);
		return;
	}
	engine->stats.icmp6_drop++;
}
