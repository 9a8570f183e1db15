/*
 * Parent: putting the engine's packets on the wire.
 *
 * The engine hands over bare IPv4 and IPv6 packets.  The parent refuses
 * any whose source is not a claimed address, finds the next hop's MAC
 * and queues the frame, from the source host's own MAC if it has one
 * (ether.c, ndp.c); the queue goes out with one sendmmsg(2) per
 * interface when a batch from the engine is done (wire_flush), when the
 * queue is full, and in any case before the event loop waits again.
 * The packet
 * socket is send-only (protocol 0): one bound to a protocol (libdnet's
 * eth_open uses ETH_P_ALL) is handed a copy of every frame on the link.
 *
 * A source on an interface's own subnet is someone's neighbour: it
 * goes out only while arpguard.c says the address is ours (it holds
 * the first packet while it probes the address, and counts the others
 * as out_withdrawn).
 *
 * Next hops are learned from captured frames (the sender's MAC is the
 * way back), then, for IPv4, from the kernel's ARP cache.  Failing
 * that, the packet waits while the parent asks for the MAC as a host
 * does (RFC 4861 7.2.2 for IPv6, the same rules for ARP): an ARP
 * request or a Neighbor Solicitation from the packet's source, sent
 * WIRE_SOLICITS times WIRE_RETRANS_MS apart.  The answer (any frame
 * that teaches the MAC) sends what waited; silence drops it, counted
 * as out_noneigh.  A Neighbor Solicitation goes out on the interface
 * the neighbour was heard on (ndp.c keeps that even for a frame from a
 * group MAC, no next hop), on each only for one never heard.
 * At most WIRE_PEND_FRAMES packets wait per neighbour
 * (a newer one replaces the oldest, as RFC 4861 asks), WIRE_PEND_MAX
 * neighbours at once (the oldest make room) and WIRE_PEND_BYTES in all
 * (a packet beyond is dropped).
 *
 * A packet for a "bind A to IFACE" machine (extbind.c) goes out on
 * IFACE alone, to the MAC learned for A there.  It is the only packet
 * let out with a source honeyd does not claim (the remote peer's: the
 * topology forwards it), counted as out_extbind.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/tree.h>

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
	uint8_t			 v6[WIRE_BATCH]; /* which sll it takes */
	struct sockaddr_ll	 sll;		/* the interface, IPv4 */
	struct sockaddr_ll	 sll6;		/* ... and IPv6 */
	uint8_t			*buf;
	size_t			 used;
	int			 n;
};

/* Packets waiting for a neighbour's MAC (see above). */
struct pend {
	RB_ENTRY(pend)		 entry;
	TAILQ_ENTRY(pend)	 age;
	int			 family;
	struct in6_addr		 addr;		/* the neighbour; IPv4:
						   first 4 bytes */
	struct in6_addr		 src;		/* who asks (IPv4 too) */
	int			 iface;		/* where to ask; IPv6:
						   -1 = everywhere */
	int			 tries;		/* questions sent */
	struct event		*ev;
	int			 n;
	uint8_t			*pkt[WIRE_PEND_FRAMES];
	size_t			 len[WIRE_PEND_FRAMES];
};

RB_HEAD(pend_tree, pend);
TAILQ_HEAD(pend_age, pend);

static int
pend_cmp(const struct pend *a, const struct pend *b)
{
	if (a->family != b->family)
		return (a->family < b->family ? -1 : 1);
	return (memcmp(&a->addr, &b->addr, sizeof(a->addr)));
}

RB_GENERATE_STATIC(pend_tree, pend, entry, pend_cmp)

static struct pend_tree	 pend_tree = RB_INITIALIZER(&pend_tree);
static struct pend_age	 pend_age = TAILQ_HEAD_INITIALIZER(pend_age);
static size_t		 pend_count;
static size_t		 pend_bytes;	/* all packets waiting */

static struct neigh	*neigh_table;
static route_t		*route_handle;
static arp_t		*arp_handle;
static struct wire_queue wire_queues[HONEYD_MAX_IFACES];
static struct event	*wire_ev;	/* flushes what a caller left */

static void	 wire_queue_flush(struct iface *, struct wire_queue *);
static void	 wire_output6(const uint8_t *, size_t);
static void	 wire_resolved(int, const void *);
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
	sll.sll_protocol = htons(ETH_TYPE_IPV6);
	q->sll6 = sll;
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
	if (pend_count > 0)
		wire_resolved(AF_INET, &ip);
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

/* Find the MAC for dst, or NULL and its next hop in *hopp. */
static const struct neigh *
wire_resolve(uint32_t dst, uint32_t *hopp)
{
	struct neigh		*n = neigh_slot(dst);
	struct arp_entry	 ae;
	uint32_t		 hop;

	*hopp = dst;
	if (n->ip == dst)
		return (n);
	*hopp = hop = wire_nexthop(dst);
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

/* Waiting for a neighbour's MAC. */

static void	 pend_step(int, short, void *);

static struct pend *
pend_find(int family, const void *addr)
{
	struct pend	 key;

	memset(&key.addr, 0, sizeof(key.addr));
	key.family = family;
	memcpy(&key.addr, addr, family == AF_INET ? sizeof(uint32_t) :
	    sizeof(key.addr));
	return (RB_FIND(pend_tree, &pend_tree, &key));
}

/* Forget p; its packets, unsent, count as out_noneigh. */
static void
pend_free(struct pend *p)
{
	int	 i;

	RB_REMOVE(pend_tree, &pend_tree, p);
	TAILQ_REMOVE(&pend_age, p, age);
	pend_count--;
	for (i = 0; i < p->n; i++) {
		free(p->pkt[i]);
		pend_bytes -= p->len[i];
	}
	parent->stats.out_noneigh += p->n;
	if (p->ev != NULL)
		event_free(p->ev);
	free(p);
}

/* Ask for p's MAC: on the interface that leads there, or every one. */
static void
pend_ask(struct pend *p)
{
	uint32_t	 src, hop;
	int		 i;

	p->tries++;
	if (p->family == AF_INET) {
		memcpy(&src, &p->src, sizeof(src));
		memcpy(&hop, &p->addr, sizeof(hop));
		arp_request(&parent->ifaces[p->iface], src, hop);
		return;
	}
	/*
	 * Interfaces know no IPv6 prefix of theirs: where the neighbour
	 * was heard, if it was, else on each.
	 */
	if (p->iface >= 0 && p->iface < parent->nifaces) {
		ndp_solicit(&parent->ifaces[p->iface], &p->src, &p->addr);
		return;
	}
	for (i = 0; i < parent->nifaces; i++)
		ndp_solicit(&parent->ifaces[i], &p->src, &p->addr);
}

/* Ask again, or after the last question's wait, give up. */
static void
pend_step(int fd, short event, void *arg)
{
	struct pend	*p = arg;
	struct timeval	 tv = { WIRE_RETRANS_MS / 1000,
			    (WIRE_RETRANS_MS % 1000) * 1000 };

	if (p->tries >= WIRE_SOLICITS) {
		log_debug("neighbour unanswered: %d packets dropped", p->n);
		pend_free(p);
		return;
	}
	pend_ask(p);
	evtimer_add(p->ev, &tv);
}

/* p, made (and asked for) if there was none; NULL without memory. */
static struct pend *
pend_get(int family, const void *addr, const void *src, int iface)
{
	struct pend	*p;
	size_t		 alen = family == AF_INET ? sizeof(uint32_t) :
			    sizeof(struct in6_addr);

	if ((p = pend_find(family, addr)) != NULL)
		return (p);
	if (pend_count >= WIRE_PEND_MAX)
		pend_free(TAILQ_FIRST(&pend_age));
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	if ((p->ev = evtimer_new(parent->base, pend_step, p)) == NULL) {
		free(p);
		return (NULL);
	}
	p->family = family;
	memcpy(&p->addr, addr, alen);
	memcpy(&p->src, src, alen);
	p->iface = iface;
	RB_INSERT(pend_tree, &pend_tree, p);
	TAILQ_INSERT_TAIL(&pend_age, p, age);
	pend_count++;
	pend_step(-1, 0, p);
	return (p);
}

/*
 * Keep pkt (from src, IPv4 or IPv6 as family says) until addr, its
 * next hop, is heard from; the first one asks.
 */
static void
wire_pend(int family, const void *addr, const void *src, int iface,
    const uint8_t *pkt, size_t len)
{
	struct pend	*p;
	uint8_t		*copy;

	if ((p = pend_get(family, addr, src, iface)) == NULL)
		goto drop;
	if (p->n == WIRE_PEND_FRAMES) {
		free(p->pkt[0]);
		pend_bytes -= p->len[0];
		memmove(p->pkt, p->pkt + 1, (p->n - 1) * sizeof(p->pkt[0]));
		memmove(p->len, p->len + 1, (p->n - 1) * sizeof(p->len[0]));
		p->n--;
		parent->stats.out_noneigh++;
	}
	if (pend_bytes + len > WIRE_PEND_BYTES || (copy = malloc(len)) == NULL)
		goto drop;
	memcpy(copy, pkt, len);
	p->pkt[p->n] = copy;
	p->len[p->n++] = len;
	pend_bytes += len;
	parent->stats.out_queued++;
	return;
 drop:
	parent->stats.out_noneigh++;
}

/* addr was heard from: what waited for it goes out, in order. */
static void
wire_resolved(int family, const void *addr)
{
	struct pend	*p;
	int		 i, n;

	if ((p = pend_find(family, addr)) == NULL)
		return;
	/* Out of the table first: a packet sent may wait anew. */
	RB_REMOVE(pend_tree, &pend_tree, p);
	TAILQ_REMOVE(&pend_age, p, age);
	pend_count--;
	event_free(p->ev);
	n = p->n;
	for (i = 0; i < n; i++)
		pend_bytes -= p->len[i];
	for (i = 0; i < n; i++) {
		wire_output(p->pkt[i], p->len[i]);
		free(p->pkt[i]);
	}
	free(p);
}

/* ndp.c learned a's MAC. */
void
wire_resolved6(const struct in6_addr *a)
{
	if (pend_count > 0)
		wire_resolved(AF_INET6, a);
}

/* Drop every waiting packet (exit, tests). */
void
wire_pend_flush(void)
{
	struct pend	*p;

	while ((p = TAILQ_FIRST(&pend_age)) != NULL)
		pend_free(p);
}

/*
 * Queue a frame of pkt, to dmac from smac, for the interface's next
 * sendmmsg.
 */
static void
wire_enqueue(struct iface *ifp, const uint8_t *dmac, const uint8_t *smac,
    uint16_t type, const uint8_t *pkt, size_t len)
{
	struct wire_queue	*q = &wire_queues[ifp->index];
	uint8_t			*frame;

	/* A test's wire was never opened. */
	if (q->buf == NULL && (q->buf = malloc(WIRE_QBUF)) == NULL) {
		parent->stats.out_errors++;
		return;
	}
	if (q->n == WIRE_BATCH || WIRE_QBUF - q->used < ETH_HDR_LEN + len)
		wire_queue_flush(ifp, q);
	frame = q->buf + q->used;
	memcpy(frame, dmac, ETH_ADDR_LEN);
	memcpy(frame + ETH_ADDR_LEN, smac, ETH_ADDR_LEN);
	frame[12] = type >> 8;
	frame[13] = type & 0xff;
	memcpy(frame + ETH_HDR_LEN, pkt, len);
	q->iov[q->n].iov_base = frame;
	q->iov[q->n].iov_len = ETH_HDR_LEN + len;
	q->v6[q->n] = type == ETH_TYPE_IPV6;
	if (q->n++ == 0)
		event_active(wire_ev, 0, 0);
	/* Keep frames 8-byte aligned in the buffer. */
	q->used += (ETH_HDR_LEN + len + 7) & ~(size_t)7;
}

void
wire_output(const uint8_t *pkt, size_t len)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	const struct neigh	*n;
	struct iface		*ifp;
	uint8_t			 smac[ETH_ADDR_LEN];
	uint32_t		 src, dst, macsrc, hop;
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
	else if ((n = wire_resolve(dst, &hop)) == NULL) {
		wire_pend(AF_INET, &hop, &src, wire_iface_for(hop)->index,
		    pkt, len);
		return;
	}
	if (n == NULL) {
		parent->stats.out_noneigh++;
		return;
	}
	ifp = &parent->ifaces[n->iface];
	if (fwd)
		parent->stats.out_extbind++;
	/* To a bound machine, from its router's MAC. */
	macsrc = xif != -1 ? extbind_gateway(dst) : src;
	if (!ether_host_mac(ifp, macsrc, smac))
		memcpy(smac, ifp->mac, ETH_ADDR_LEN);
	wire_enqueue(ifp, n->mac, smac, ETH_TYPE_IP, pkt, len);
}

/*
 * An IPv6 packet of the engine's: checked as an IPv4 one is (its size,
 * and a source honeyd claims and no other node defends, ndp.c), sent
 * to the neighbour it answers, or kept while ndp.c asks for its MAC.
 * XXX no next hop but the neighbour itself: an off-link source is
 * reached through the MAC its packets came from (the router's).
 */
static void
wire_output6(const uint8_t *pkt, size_t len)
{
	struct in6_addr	 src, dst;
	uint8_t		 mac[ETH_ADDR_LEN], smac[ETH_ADDR_LEN];
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
		/* A group has no MAC to ask for, nor has ::. */
		if (dst.s6_addr[0] == 0xff ||
		    IN6_IS_ADDR_UNSPECIFIED(&dst))
			parent->stats.out_noneigh++;
		else
			wire_pend(AF_INET6, &dst, &src,
			    ndp_neighbor_iface(&dst), pkt, len);
		return;
	}
	ifp = &parent->ifaces[iface];
	if (!ndp_host_mac(&src, smac))
		memcpy(smac, ifp->mac, ETH_ADDR_LEN);
	wire_enqueue(ifp, mac, smac, ETH_TYPE_IPV6, pkt, len);
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
		/* A test's wire is a connected socket: no address. */
		if (q->sll.sll_family == AF_PACKET) {
			q->msgs[i].msg_hdr.msg_name = q->v6[i] ? &q->sll6 :
			    &q->sll;
			q->msgs[i].msg_hdr.msg_namelen = sizeof(q->sll);
		}
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

/* One frame at once (ARP, Neighbor Discovery), not queued. */
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
