/*
 * Parent: putting the engine's packets on the wire.
 *
 * The engine hands over bare IPv4 packets.  The parent refuses any whose
 * source is not a claimed address, finds the next hop's MAC and sends
 * the frame with libdnet.  Next hops are learned from captured frames
 * (the sender's MAC is the way back), then from the kernel's ARP cache;
 * failing both, an ARP request is sent and the packet dropped (TCP
 * retransmits; counted as out_noneigh).
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"

/* A direct-mapped cache: a flood of new sources only overwrites. */
#define NEIGH_BITS	16
#define NEIGH_SLOTS	(1U << NEIGH_BITS)

struct neigh {
	uint32_t	 ip;		/* host order, 0 = empty */
	uint8_t		 iface;
	uint8_t		 mac[ETH_ADDR_LEN];
};

static struct neigh	*neigh_table;
static route_t		*route_handle;
static arp_t		*arp_handle;

int
wire_init(void)
{
	/* calloc: untouched slots cost no resident memory. */
	if ((neigh_table = calloc(NEIGH_SLOTS, sizeof(*neigh_table))) == NULL)
		return (-1);
	route_handle = route_open();
	arp_handle = arp_open();
	return (0);
}

static struct neigh *
neigh_slot(uint32_t ip)
{
	return (&neigh_table[(ip * 2654435761U) >> (32 - NEIGH_BITS)]);
}

void
wire_learn(struct iface *ifp, uint32_t ip, const uint8_t *mac)
{
	struct neigh	*n = neigh_slot(ip);

	if (ip == 0 || mac[0] & 1)	/* no multicast next hops */
		return;
	n->ip = ip;
	n->iface = ifp->index;
	memcpy(n->mac, mac, ETH_ADDR_LEN);
}

/* The interface whose own subnet holds ip, or the only one. */
struct iface *
wire_iface_for(uint32_t ip)
{
	int	 i;

	for (i = 0; i < parent->nifaces; i++) {
		struct iface	*ifp = &parent->ifaces[i];

		if (ifp->addr != 0 && (ip & ifp->mask) ==
		    (ifp->addr & ifp->mask))
			return (ifp);
	}
	return (&parent->ifaces[0]);
}

/* The next hop for dst: dst itself, or the kernel's gateway for it. */
static uint32_t
wire_nexthop(uint32_t dst)
{
	struct route_entry	 re;
	int			 i;

	for (i = 0; i < parent->nifaces; i++) {
		struct iface	*ifp = &parent->ifaces[i];

		if (ifp->addr != 0 &&
		    (dst & ifp->mask) == (ifp->addr & ifp->mask))
			return (dst);
	}
	if (route_handle == NULL)
		return (dst);
	memset(&re, 0, sizeof(re));
	addr_pack(&re.route_dst, ADDR_TYPE_IP, IP_ADDR_BITS, &(uint32_t){
	    htonl(dst) }, IP_ADDR_LEN);
	if (route_get(route_handle, &re) == 0 &&
	    re.route_gw.addr_type == ADDR_TYPE_IP && re.route_gw.addr_ip != 0)
		return (ntohl(re.route_gw.addr_ip));
	return (dst);
}

/* Find the MAC for dst, or ask for it and return NULL. */
static const struct neigh *
wire_resolve(uint32_t src, uint32_t dst)
{
	struct neigh		*n = neigh_slot(dst);
	struct arp_entry	 ae;
	uint32_t		 hop;

	if (n->ip == dst)
		return (n);
	hop = wire_nexthop(dst);
	n = neigh_slot(hop);
	if (n->ip == hop)
		return (n);
	if (arp_handle != NULL) {
		memset(&ae, 0, sizeof(ae));
		addr_pack(&ae.arp_pa, ADDR_TYPE_IP, IP_ADDR_BITS,
		    &(uint32_t){ htonl(hop) }, IP_ADDR_LEN);
		if (arp_get(arp_handle, &ae) == 0 &&
		    ae.arp_ha.addr_type == ADDR_TYPE_ETH) {
			wire_learn(wire_iface_for(hop), hop,
			    ae.arp_ha.addr_eth.data);
			if (n->ip == hop)
				return (n);
		}
	}
	arp_request(wire_iface_for(hop), src, hop);
	return (NULL);
}

void
wire_output(const uint8_t *pkt, size_t len)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	const struct neigh	*n;
	uint8_t			 frame[ETH_HDR_LEN + HONEYD_MAX_PKT];
	struct iface		*ifp;
	uint32_t		 src, dst;

	if (len < IP_HDR_LEN || len > HONEYD_MAX_PKT || ip->ip_v != 4) {
		parent->stats.out_refused++;
		return;
	}
	memcpy(&src, &ip->ip_src, sizeof(src));
	memcpy(&dst, &ip->ip_dst, sizeof(dst));
	src = ntohl(src);
	dst = ntohl(dst);
	if (!claim_contains(&parent->claimed, src)) {
		parent->stats.out_refused++;
		log_debug("refused packet from unclaimed source %s",
		    inet_ntoa((struct in_addr){ htonl(src) }));
		return;
	}
	if ((n = wire_resolve(src, dst)) == NULL) {
		parent->stats.out_noneigh++;
		return;
	}
	ifp = &parent->ifaces[n->iface];
	memcpy(frame, n->mac, ETH_ADDR_LEN);
	memcpy(frame + ETH_ADDR_LEN, ifp->mac, ETH_ADDR_LEN);
	frame[12] = ETH_TYPE_IP >> 8;
	frame[13] = ETH_TYPE_IP & 0xff;
	memcpy(frame + ETH_HDR_LEN, pkt, len);
	if (wire_send_frame(ifp, frame, ETH_HDR_LEN + len) == 0)
		parent->stats.out_frames++;
}

int
wire_send_frame(struct iface *ifp, const void *frame, size_t len)
{
	if (eth_send(ifp->eth, frame, len) != (ssize_t)len) {
		parent->stats.out_errors++;
		log_debug("eth_send %s: %s", ifp->name, strerror(errno));
		return (-1);
	}
	return (0);
}
