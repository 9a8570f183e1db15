/*
 * Parent: proxy ARP.  A request for a claimed address is answered with
 * the interface's MAC, or the host's own if its template has one
 * (ether.c), so neighbours on the sensor's own subnet send the virtual
 * hosts' traffic to us.  Senders are learned as next hops.  Every ARP
 * frame is shown to arpguard.c, which says whether an address is ours
 * to answer for: one another machine uses is not.  A "bind A to IFACE"
 * machine's address is its own on IFACE (extbind.c): not answered
 * there, not guarded there, its owner learned.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"

#define ARP_FRAME_LEN	(ETH_HDR_LEN + ARP_HDR_LEN + ARP_ETHIP_LEN)

/* spa speaks with its own MAC, if it has one. */
static void
arp_send(struct iface *ifp, int op, const uint8_t *dst_mac,
    uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	uint8_t			 frame[ARP_FRAME_LEN], own[ETH_ADDR_LEN];
	struct arp_hdr		*ah = (struct arp_hdr *)(frame + ETH_HDR_LEN);
	struct arp_ethip	*ae = (struct arp_ethip *)(ah + 1);
	const uint8_t		*sha = ifp->mac;

	if (ether_host_mac(ifp, spa, own))
		sha = own;
	memcpy(frame, dst_mac, ETH_ADDR_LEN);
	memcpy(frame + ETH_ADDR_LEN, sha, ETH_ADDR_LEN);
	frame[12] = ETH_TYPE_ARP >> 8;
	frame[13] = ETH_TYPE_ARP & 0xff;
	ah->ar_hrd = htons(ARP_HRD_ETH);
	ah->ar_pro = htons(ARP_PRO_IP);
	ah->ar_hln = ETH_ADDR_LEN;
	ah->ar_pln = IP_ADDR_LEN;
	ah->ar_op = htons(op);
	memcpy(ae->ar_sha, sha, ETH_ADDR_LEN);
	spa = htonl(spa);
	tpa = htonl(tpa);
	memcpy(ae->ar_spa, &spa, IP_ADDR_LEN);
	memcpy(ae->ar_tha, tha, ETH_ADDR_LEN);
	memcpy(ae->ar_tpa, &tpa, IP_ADDR_LEN);
	wire_send_frame(ifp, frame, sizeof(frame));
}

void
arp_request(struct iface *ifp, uint32_t spa, uint32_t tpa)
{
	static const uint8_t	 zero[ETH_ADDR_LEN];

	arp_send(ifp, ARP_OP_REQUEST, (const uint8_t *)ETH_ADDR_BROADCAST,
	    spa, zero, tpa);
}

void
arp_reply(struct iface *ifp, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
	arp_send(ifp, ARP_OP_REPLY, tha, spa, tha, tpa);
}

/* RFC 5227's probe: who has tpa, asked by nobody (sender 0.0.0.0). */
void
arp_probe(struct iface *ifp, uint32_t tpa)
{
	static const uint8_t	 zero[ETH_ADDR_LEN];

	arp_send(ifp, ARP_OP_REQUEST, (const uint8_t *)ETH_ADDR_BROADCAST,
	    0, zero, tpa);
}

/*
 * A request sent to a unicast MAC is for that MAC's owner: the
 * interface, or the target's own.  Another machine's is not ours.
 */
static int
arp_for_us(struct iface *ifp, const uint8_t *frame, uint32_t tpa)
{
	uint8_t	 own[ETH_ADDR_LEN];

	if ((frame[0] & 1) || memcmp(frame, ifp->mac, ETH_ADDR_LEN) == 0)
		return (1);
	return (ether_host_mac(ifp, tpa, own) &&
	    memcmp(frame, own, ETH_ADDR_LEN) == 0);
}

void
arp_input(struct iface *ifp, const uint8_t *frame, size_t len)
{
	const struct arp_hdr	*ah;
	const struct arp_ethip	*ae;
	uint32_t		 spa, tpa;

	if (len < ARP_FRAME_LEN) {
		parent->stats.frames_short++;
		return;
	}
	ah = (const struct arp_hdr *)(frame + ETH_HDR_LEN);
	ae = (const struct arp_ethip *)(ah + 1);
	if (ntohs(ah->ar_hrd) != ARP_HRD_ETH ||
	    ntohs(ah->ar_pro) != ARP_PRO_IP ||
	    ah->ar_hln != ETH_ADDR_LEN || ah->ar_pln != IP_ADDR_LEN) {
		parent->stats.frames_other++;
		return;
	}
	memcpy(&spa, ae->ar_spa, sizeof(spa));
	memcpy(&tpa, ae->ar_tpa, sizeof(tpa));
	spa = ntohl(spa);
	tpa = ntohl(tpa);
	if (!extbind_on(ifp, spa != 0 ? spa : tpa))
		arpguard_observe(ifp, ntohs(ah->ar_op), ae->ar_sha, spa, tpa);
	if (spa != 0 && (!claim_contains(&parent->claimed, spa) ||
	    extbind_on(ifp, spa)))
		wire_learn(ifp, spa, ae->ar_sha);
	if (ntohs(ah->ar_op) != ARP_OP_REQUEST ||
	    !claim_contains(&parent->claimed, tpa) || extbind_on(ifp, tpa) ||
	    tpa == ifp->addr || spa == tpa || !arp_for_us(ifp, frame, tpa))
		return;
	parent->stats.arp_requests++;
	if (!arpguard_may_answer(ifp, tpa, ae->ar_sha, spa))
		return;
	arp_reply(ifp, tpa, ae->ar_sha, spa);
	parent->stats.arp_replies++;
}
