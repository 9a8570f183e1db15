/*
 * Parent: putting the engine's packets on the wire.
 *
 * The engine hands over bare IPv4 packets.  The parent refuses any whose
 * source is not a claimed address, finds the next hop's MAC and queues
 * the frame, from the source host's own MAC if it has one (ether.c); the queue goes out with one sendmmsg(2) per interface when
 * a batch from the engine is done (wire_flush), when the queue is full,
 * and in any case before the event loop waits again.  The packet
 * socket is send-only (protocol 0): one bound to a protocol (libdnet's
 * eth_open uses ETH_P_ALL) is handed a copy of every frame on the link.
 *
 * A source on an interface's own subnet is someone's neighbour: it
 * goes out only while arpguard.c says the address is ours (it holds
 * the first packet while it probes the address, and counts the others
 * as out_withdrawn).
 *
 * Next hops are learned from captured frames (the sender's MAC is the
 * way back), then from the kernel's ARP cache; failing both, an ARP
 * request is sent and the packet dropped (TCP retransmits; counted as
 * out_noneigh).
 *
 * A packet for a "bind A to IFACE" machine (extbind.c) goes out on
 * IFACE alone, to the MAC learned for A there.  It is the only packet
 * let out with a source honeyd does not claim (the remote peer's: the
 * topology forwards it), counted as out_extbind.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * Frames waiting for sendmmsg, per interface.  The buffer holds at least
 * one largest frame; it is malloc'ed large, but only the pages small
 * frames touch become resident.
 */
#define WIRE_BATCH	64
#define WIRE_QBUF	(4 * (ETH_HDR_LEN + HONEYD_MAX_PKT))

struct wire_queue {
	struct mmsghdr		 msgs[WIRE_BATCH];
	struct iovec		 iov[WIRE_BATCH];
	struct sockaddr_ll	 sll;		/* the interface, IPv4 */
	uint8_t			*buf;
	size_t			 used;
	int			 n;
};

static struct neigh	*neigh_table;
static route_t		*route_handle;
static arp_t		*arp_handle;
static struct wire_queue wire_queues[HONEYD_MAX_IFACES];
static struct event	*wire_ev;	/* flushes what a caller left */

static void	 wire_queue_flush(struct iface *, struct wire_queue *);
static void	 wire_output6(const uint8_t *, size_t);
static void	 wire_flush_event(int, short, void *);

int
wire_init(void)
{
	/* calloc: untouched slots cost no resident memory. */
	if ((neigh_table = calloc(NEIGH_SLOTS, sizeof(*neigh_table))) == NULL)
		return (-1);
	if ((wire_ev = event_new(parent->base, -1, 0, wire_flush_event,
	    NULL)) == NULL)
		return (-1);
	route_handle = route_open();
	arp_handle = arp_open();
	return (0);
}

/*
 * Frames go to the driver directly, not through the interface's queueing
 * discipline (Linux 3.14): one lock and one queue less per frame, and
 * our own capture socket is not handed a copy of each.  The price: a
 * capture on the interface (tcpdump) does not see honeyd's frames, nor
 * does traffic control (tc), and a full driver queue drops a frame
 * instead of queueing it (out_errors).  So it is an option ("option
 * capture bypass", on by default; honeyd.conf.5).  Where the kernel
 * refuses, frames take the qdisc.
 */
static int	 wire_bypass_on = 1;

static void
wire_bypass_set(struct iface *ifp)
{
#ifdef PACKET_QDISC_BYPASS
	int	 on = wire_bypass_on;

	if (ifp->wfd != -1 && setsockopt(ifp->wfd, SOL_PACKET,
	    PACKET_QDISC_BYPASS, &on, sizeof(on)) == -1)
		log_debug("%s: PACKET_QDISC_BYPASS: %s", ifp->name,
		    strerror(errno));
#endif
}

/* "option capture bypass": for the interfaces open and those to come. */
void
wire_bypass(int on)
{
	int	 i;

	if (on == wire_bypass_on)
		return;
	wire_bypass_on = on;
	for (i = 0; i < parent->nifaces; i++)
		wire_bypass_set(&parent->ifaces[i]);
}

/* The sending side of an interface: a packet socket that never reads. */
int
wire_open(struct iface *ifp)
{
	struct wire_queue	*q = &wire_queues[ifp->index];
	struct sockaddr_ll	 sll;
	unsigned int		 ifindex;

	if ((ifindex = if_nametoindex(ifp->name)) == 0) {
		log_warn("%s", ifp->name);
		return (-1);
	}
	if ((ifp->wfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("packet socket");
		return (-1);
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	if (bind(ifp->wfd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		log_warn("bind %s", ifp->name);
		goto fail;
	}
	wire_bypass_set(ifp);
	if (q->buf == NULL && (q->buf = malloc(WIRE_QBUF)) == NULL) {
		log_warn("wire queue");
		goto fail;
	}
	sll.sll_protocol = htons(ETH_TYPE_IP);
	q->sll = sll;
	q->used = 0;
	q->n = 0;
	return (0);
 fail:
	close(ifp->wfd);
	ifp->wfd = -1;
	return (-1);
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
	int		 x;

	if (ip == 0 || mac[0] & 1)	/* no multicast next hops */
		return;
	/* A bound machine is where it is bound, whatever claims its MAC. */
	if ((x = extbind_iface(ip)) != -1 && x != ifp->index)
		return;
	n->ip = ip;
	n->iface = ifp->index;
	memcpy(n->mac, mac, ETH_ADDR_LEN);
}

/*
 * Whether ip is a next hop we learned: a frame came from it (or for a
 * local one, it spoke ARP).  The proxy asks before connecting back to
 * a peer the engine names.  XXX a flood of new sources may overwrite
 * the slot of a real one: its proxied connection is refused then.
 */
int
wire_seen(uint32_t ip)
{
	return (neigh_table != NULL && ip != 0 && neigh_slot(ip)->ip == ip);
}

/* The interface whose own subnet holds ip, or NULL. */
static struct iface *
wire_onlink(uint32_t ip)
{
	struct iface	*ifp;
	int		 i;

	for (i = 0; i < parent->nifaces; i++) {
		ifp = &parent->ifaces[i];
		if (ifp->addr != 0 &&
		    (ip & ifp->mask) == (ifp->addr & ifp->mask))
			return (ifp);
	}
	return (NULL);
}

/* Where to ask for ip's MAC: the interface on its subnet, else the first. */
static struct iface *
wire_iface_for(uint32_t ip)
{
	struct iface	*ifp;

	if ((ifp = wire_onlink(ip)) != NULL)
		return (ifp);
	return (&parent->ifaces[0]);
}

/* The next hop for dst: dst itself, or the kernel's gateway for it. */
static uint32_t
wire_nexthop(uint32_t dst)
{
	struct route_entry	 re;

	if (wire_onlink(dst) != NULL)
		return (dst);
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

/* A bound machine's MAC on its interface, or ask for it as its router. */
static const struct neigh *
wire_resolve_ext(struct iface *ifp, uint32_t dst)
{
	const struct neigh	*n = neigh_slot(dst);

	if (n->ip == dst && n->iface == ifp->index)
		return (n);
	arp_request(ifp, extbind_gateway(dst), dst);
	return (NULL);
}

void
wire_output(const uint8_t *pkt, size_t len)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	const struct neigh	*n;
	struct wire_queue	*q;
	struct iface		*ifp;
	uint8_t			*frame;
	uint32_t		 src, dst, macsrc;
	char			 a[INET_ADDRSTRLEN];
	int			 xif, fwd = 0;

	if (len > 0 && pkt[0] >> 4 == 6) {
		wire_output6(pkt, len);
		return;
	}
	if (len < IP_HDR_LEN || len > HONEYD_MAX_PKT || ip->ip_v != 4) {
		parent->stats.out_refused++;
		return;
	}
	memcpy(&src, &ip->ip_src, sizeof(src));
	memcpy(&dst, &ip->ip_dst, sizeof(dst));
	src = ntohl(src);
	dst = ntohl(dst);
	xif = extbind_iface(dst);
	if (!claim_contains(&parent->claimed, src)) {
		if (xif == -1) {
			parent->stats.out_refused++;
			log_debug("refused packet from unclaimed source %s",
			    addr_fmt(src, a, sizeof(a)));
			return;
		}
		fwd = 1;
	}
	/*
	 * Only our own sources are guarded: not a forwarded packet's (the
	 * peer's), nor a bound machine's own address.
	 */
	if (!fwd && extbind_iface(src) == -1 &&
	    (ifp = wire_onlink(src)) != NULL &&
	    !arpguard_may_send(ifp, src, pkt, len))
		return;
	if (xif != -1)
		n = wire_resolve_ext(&parent->ifaces[xif], dst);
	else
		n = wire_resolve(src, dst);
	if (n == NULL) {
		parent->stats.out_noneigh++;
		return;
	}
	ifp = &parent->ifaces[n->iface];
	if (fwd)
		parent->stats.out_extbind++;
	/* To a bound machine, from its router's MAC. */
	macsrc = xif != -1 ? extbind_gateway(dst) : src;
	q = &wire_queues[ifp->index];
	if (q->n == WIRE_BATCH || WIRE_QBUF - q->used < ETH_HDR_LEN + len)
		wire_queue_flush(ifp, q);
	frame = q->buf + q->used;
	memcpy(frame, n->mac, ETH_ADDR_LEN);
	if (!ether_host_mac(ifp, macsrc, frame + ETH_ADDR_LEN))
		memcpy(frame + ETH_ADDR_LEN, ifp->mac, ETH_ADDR_LEN);
	frame[12] = ETH_TYPE_IP >> 8;
	frame[13] = ETH_TYPE_IP & 0xff;
	memcpy(frame + ETH_HDR_LEN, pkt, len);
	q->iov[q->n].iov_base = frame;
	q->iov[q->n].iov_len = ETH_HDR_LEN + len;
	if (q->n++ == 0)
		event_active(wire_ev, 0, 0);
	/* Keep frames 8-byte aligned in the buffer. */
	q->used += (ETH_HDR_LEN + len + 7) & ~(size_t)7;
}

/*
 * An IPv6 packet of the engine's: checked as an IPv4 one is (its size,
 * and a source honeyd claims and no other node defends, ndp.c), sent
 * to the neighbour it answers, which spoke to us first.
 * XXX sent alone, not queued for sendmmsg; no solicitation for a
 * neighbour not heard (counted out_noneigh); no next hop but the
 * neighbour itself.
 */
static void
wire_output6(const uint8_t *pkt, size_t len)
{
	struct in6_addr	 src, dst;
	uint8_t		 frame[ETH_HDR_LEN + IPFRAG_MTU], mac[ETH_ADDR_LEN];
	struct iface	*ifp;
	int		 iface;

	if (len < IP6_HDR_LEN || len > IPFRAG_MTU ||
	    ((size_t)pkt[4] << 8 | pkt[5]) != len - IP6_HDR_LEN) {
		parent->stats.out_refused++;
		return;
	}
	memcpy(&src, pkt + 8, sizeof(src));
	memcpy(&dst, pkt + 24, sizeof(dst));
	if (!claim6_contains(&parent->claimed, &src)) {
		parent->stats.out_refused++;
		return;
	}
	if (!ndp_may_send(&src)) {
		parent->stats.out_withdrawn++;
		return;
	}
	if (ndp_neighbor(&dst, &iface, mac) == -1) {
		parent->stats.out_noneigh++;
		return;
	}
	ifp = &parent->ifaces[iface];
	memcpy(frame, mac, ETH_ADDR_LEN);
	if (!ndp_host_mac(&src, frame + ETH_ADDR_LEN))
		memcpy(frame + ETH_ADDR_LEN, ifp->mac, ETH_ADDR_LEN);
	frame[12] = ETH_TYPE_IPV6 >> 8;
	frame[13] = ETH_TYPE_IPV6 & 0xff;
	memcpy(frame + ETH_HDR_LEN, pkt, len);
	if (wire_send_frame(ifp, frame, ETH_HDR_LEN + len) == 0)
		parent->stats.out_frames++;
}

/*
 * A batch of the engine's frames (framebatch.c).  The engine parses
 * attacker bytes and may be subverted: a batch whose lengths do not add
 * up is refused whole and counted, and every frame of a good one goes
 * through wire_output()'s checks (size, a claimed source) alone.
 */
void
wire_output_batch(const void *data, size_t len)
{
	struct framebatch_frame	 f;
	size_t			 off = 0;

	if (framebatch_check(data, len) == -1) {
		parent->stats.out_badbatch++;
		log_debug("refused a malformed batch of frames");
		return;
	}
	while (framebatch_next(data, len, &off, &f)) {
		if (f.kind != FRAME_OUT) {
			parent->stats.out_refused++;
			continue;
		}
		wire_output(f.pkt, f.len);
	}
}

/*
 * Send what is queued, in order.  A frame the kernel refuses is counted
 * and skipped, as a failed send(2) of it alone would have been.
 */
static void
wire_queue_flush(struct iface *ifp, struct wire_queue *q)
{
	int	 i, done, r;

	for (i = 0; i < q->n; i++) {
		memset(&q->msgs[i].msg_hdr, 0, sizeof(q->msgs[i].msg_hdr));
		q->msgs[i].msg_hdr.msg_name = &q->sll;
		q->msgs[i].msg_hdr.msg_namelen = sizeof(q->sll);
		q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
		q->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	for (done = 0; done < q->n; ) {
		r = sendmmsg(ifp->wfd, q->msgs + done, q->n - done, 0);
		if (r > 0) {
			parent->stats.out_frames += r;
			done += r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		parent->stats.out_errors++;
		log_debug("send %s: %s", ifp->name, strerror(errno));
		done++;
	}
	q->n = 0;
	q->used = 0;
}

/* The end of a batch from the engine: everything queued goes out. */
void
wire_flush(void)
{
	int	 i;

	for (i = 0; i < parent->nifaces; i++)
		if (wire_queues[i].n > 0)
			wire_queue_flush(&parent->ifaces[i], &wire_queues[i]);
}

static void
wire_flush_event(int fd, short event, void *arg)
{
	wire_flush();
}

/* One frame at once (ARP), not queued. */
int
wire_send_frame(struct iface *ifp, const void *frame, size_t len)
{
	if (send(ifp->wfd, frame, len, 0) != (ssize_t)len) {
		parent->stats.out_errors++;
		log_debug("send %s: %s", ifp->name, strerror(errno));
		return (-1);
	}
	return (0);
}
