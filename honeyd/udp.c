/*
 * Engine: UDP.  A port's action decides: block is silence, reset is an
 * ICMP port unreachable quoting the datagram (what lets traceroute and
 * nmap -sU see a closed port), open swallows the datagram.
 */

#include <sys/types.h>

#include <arpa/inet.h>

#include <dumbnet.h>

#include "honeyd.h"

void
udp_input(struct ipin *in)
{
	const struct udp_hdr	*uh = (const struct udp_hdr *)in->l4;
	const struct action	*act;

	act = template_action(in->tmpl, IP_PROTO_UDP, ntohs(uh->uh_dport));
	switch (act->kind) {
	case ACTION_BLOCK:
		break;
	case ACTION_RESET:
		icmp_send_unreach(in, ICMP_UNREACH_PORT);
		break;
	default:
		/* XXX services and proxies for UDP come with the services. */
		engine->stats.udp_open++;
		break;
	}
}
