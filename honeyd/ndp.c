/*
 * Parent: Neighbor Discovery (RFC 4861) for the claimed IPv6 addresses,
 * as arp.c and arpguard.c are for IPv4.
 *
 *   - A Neighbor Solicitation for a claimed address is answered with a
 *     Neighbor Advertisement from the host's own MAC where "set T
 *     ethernet" gives one (derived per address for a prefix, as ether.c
 *     derives IPv4 hosts' MACs), else from the interface's.
 *   - Never for an address another node defends: the first time one is
 *     asked for, it is probed as Duplicate Address Detection does (RFC
 *     4862 5.4: a solicitation from the unspecified address to its
 *     solicited-node group) and the answer waits NDP_PROBE_MS; any
 *     advertisement for it from another MAC, another node's probe for
 *     it or a solicitation from it withdraws it, until its owner was
 *     silent for "option arp conflict_timeout" seconds; then it is
 *     probed again.  The engine's packets from a withdrawn address are
 *     not sent (wire.c asks ndp_may_send()).  The table and the probe
 *     are the ARP guard's (arpguard.c, guard6_*); what counts as
 *     another node's use is decided here.
 *   - Only addresses on the link are probed, but the test is not the
 *     ARP guard's (an interface's own subnet, wire_onlink()): the
 *     sensor's interfaces have no IPv6 address or prefix of their own
 *     (their stack may run without IPv6; the daemon speaks for it), and
 *     in IPv6 being on-link is what a neighbour makes of an address
 *     (RFC 4861 6.3.4, RFC 5942), not something the address says.  So
 *     the evidence is the link's: an address is probed only when a
 *     neighbour solicits it there, which it does only for an address it
 *     takes as on-link, and withdrawn only for Neighbor Discovery seen
 *     there.  An address behind a router (never solicited on the link)
 *     is never probed; sending from one starts no probe either (the ARP
 *     guard's first-send probe needs the subnet test this side lacks).
 *   - Router Solicitations, and Neighbor Discovery for anything not
 *     claimed, are left alone.
 *   - A neighbour the engine answers whose MAC is not known is asked
 *     for as a host does (ndp_solicit(), driven by wire.c).
 *
 * The neighbours learned from captured frames (the way back to an
 * attacker) live here too, in a small direct-mapped cache.  ndp_parse()
 * and ndp_build() are pure, for the unit tests.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"

/* The MAC each IPv6 bind's hosts show: its template's "ethernet". */
struct ndp_mac {
	int		 set;		/* the template has one */
	int		 literal;	/* one host's, not a vendor's */
	uint32_t	 key;		/* name_key of the template */
	uint8_t		 mac[ETH_ADDR_LEN];
};

static const struct honeyd_config *ndp_conf;	/* the running one */
static struct ndp_mac	*ndp_macs;		/* per binds6[], then dflt */

/* Neighbours: a flood of new sources only overwrites. */
#define NDP_NEIGH_SLOTS	4096

struct ndp_neigh {
	struct in6_addr	 addr;		/* :: = empty */
	int		 iface;
	int		 has_mac;	/* else only where it spoke */
	uint8_t		 mac[ETH_ADDR_LEN];
};

static struct ndp_neigh	 ndp_neighs[NDP_NEIGH_SLOTS];

static const struct in6_addr	 in6_any;

/* ff02::1:ffXX:XXXX, where a node listens for solicitations for a. */
void
ndp_solicited_node(const struct in6_addr *a, struct in6_addr *group)
{
	memset(group, 0, sizeof(*group));
	group->s6_addr[0] = 0xff;
	group->s6_addr[1] = 0x02;
	group->s6_addr[11] = 0x01;
	group->s6_addr[12] = 0xff;
	memcpy(&group->s6_addr[13], &a->s6_addr[13], 3);
}

/*
 * A Neighbor Solicitation or Advertisement (or a Router Solicitation,
 * which only its type says), from pkt, an IPv6 packet of len bytes:
 * 0, or -1 if it is not one or malformed (RFC 4861 7.1.1, 7.1.2).
 */
int
ndp_parse(const uint8_t *pkt, size_t len, struct ndp_msg *m)
{
	const struct ip6_hdr	*ip6 = (const struct ip6_hdr *)pkt;
	const uint8_t		*icmp = pkt + IP6_HDR_LEN, *opt;
	size_t			 plen, off, olen;

	memset(m, 0, sizeof(*m));
	if (len < IP6_HDR_LEN + 8 || (pkt[0] >> 4) != 6 ||
	    ip6->ip6_nxt != IP_PROTO_ICMPV6)
		return (-1);
	plen = ntohs(ip6->ip6_plen);
	/* Only a neighbour sends these: no router forwarded it. */
	if (plen < 8 || IP6_HDR_LEN + plen > len || ip6->ip6_hlim != 255 ||
	    icmp[1] != 0)
		return (-1);
	memcpy(&m->src, &ip6->ip6_src, sizeof(m->src));
	memcpy(&m->dst, &ip6->ip6_dst, sizeof(m->dst));
	if (ip6_cksum(&m->src, &m->dst, IP_PROTO_ICMPV6, icmp, plen) != 0)
		return (-1);
	m->type = icmp[0];
	if (m->type == NDP_ROUTER_SOLICIT)
		return (0);
	if ((m->type != NDP_NEIGHBOR_SOLICIT && m->type != NDP_NEIGHBOR_ADVERT) ||
	    plen < 24)
		return (-1);
	m->flags = icmp[4];
	memcpy(&m->target, icmp + 8, sizeof(m->target));
	if (m->target.s6_addr[0] == 0xff)
		return (-1);
	for (off = 24; off < plen; off += olen) {
		opt = icmp + off;
		if (plen - off < 2 || (olen = opt[1] * 8) == 0 ||
		    olen > plen - off)
			return (-1);
		if ((opt[0] == NDP_OPT_SOURCE_LLA ||
		    opt[0] == NDP_OPT_TARGET_LLA) && olen == 8) {
			m->has_lla = 1;
			memcpy(m->lla, opt + 2, ETH_ADDR_LEN);
		}
	}
	/* A probe's source is unspecified and says no link address. */
	if (m->type == NDP_NEIGHBOR_SOLICIT &&
	    memcmp(&m->src, &in6_any, sizeof(m->src)) == 0 && m->has_lla)
		return (-1);
	return (0);
}

/*
 * m as an IPv6 packet into buf: a solicitation or advertisement, with
 * m->lla as its source or target link-layer address option if has_lla.
 * Its length, or 0 if buf is too small.
 */
size_t
ndp_build(uint8_t *buf, size_t size, const struct ndp_msg *m)
{
	struct ip6_hdr	*ip6 = (struct ip6_hdr *)buf;
	uint8_t		*icmp = buf + IP6_HDR_LEN;
	size_t		 plen = 24 + (m->has_lla ? 8 : 0);
	uint16_t	 sum;

	if (size < IP6_HDR_LEN + plen)
		return (0);
	memset(buf, 0, IP6_HDR_LEN + plen);
	ip6->ip6_flow = htonl(6U << 28);
	ip6->ip6_plen = htons((uint16_t)plen);
	ip6->ip6_nxt = IP_PROTO_ICMPV6;
	ip6->ip6_hlim = 255;
	memcpy(&ip6->ip6_src, &m->src, sizeof(m->src));
	memcpy(&ip6->ip6_dst, &m->dst, sizeof(m->dst));
	icmp[0] = m->type;
	icmp[4] = m->type == NDP_NEIGHBOR_ADVERT ? m->flags : 0;
	memcpy(icmp + 8, &m->target, sizeof(m->target));
	if (m->has_lla) {
		icmp[24] = m->type == NDP_NEIGHBOR_ADVERT ? NDP_OPT_TARGET_LLA :
		    NDP_OPT_SOURCE_LLA;
		icmp[25] = 1;
		memcpy(icmp + 26, m->lla, ETH_ADDR_LEN);
	}
	sum = ip6_cksum(&m->src, &m->dst, IP_PROTO_ICMPV6, icmp, plen);
	memcpy(icmp + 2, &sum, sizeof(sum));
	return (IP6_HDR_LEN + plen);
}

/*
 * The running configuration's IPv6 hosts' MACs, resolved once here: a
 * template's "ethernet" does not resolve (a vendor missing) only where
 * the IPv4 side (ether.c) has refused the configuration already.
 */
void
ndp_config(const struct honeyd_config *conf)
{
	struct ndp_mac		*nm;
	const struct template	*t;
	size_t			 i;

	if ((nm = calloc(conf->nbinds6 + 1, sizeof(*nm))) == NULL)
		fatal("ndp_config");
	for (i = 0; i <= conf->nbinds6; i++) {
		t = i < conf->nbinds6 ? conf->binds6[i].tmpl : conf->dflt;
		if (t == NULL || t->ethernet == NULL ||
		    ether_resolve(t->ethernet, nm[i].mac, &nm[i].literal) == -1)
			continue;
		nm[i].set = 1;
		nm[i].key = name_key(t->name);
	}
	free(ndp_macs);
	ndp_macs = nm;
	ndp_conf = conf;
}

/*
 * The MAC a claimed address shows: 1, or 0 for the interface's own.
 * A literal MAC is the host's for a single address, and for a prefix
 * the vendor part of its hosts' derived ones.
 */
int
ndp_host_mac(const struct in6_addr *a, uint8_t *mac)
{
	const struct bind6	*b;
	const struct ndp_mac	*nm;

	if (ndp_conf == NULL || ndp_macs == NULL)
		return (0);
	b = config_find_bind6(ndp_conf, a);
	nm = &ndp_macs[b != NULL ? (size_t)(b - ndp_conf->binds6) :
	    ndp_conf->nbinds6];
	if (!nm->set)
		return (0);
	if (nm->literal && b != NULL && b->plen == 128)
		memcpy(mac, nm->mac, ETH_ADDR_LEN);
	else
		ether_derive(nm->mac, nm->key, addr6_fold(a), mac);
	return (1);
}

/* Whether mac is one of ours for a: the interface's or the host's. */
static int
ndp_our_mac(const struct iface *ifp, const struct in6_addr *a,
    const uint8_t *mac)
{
	uint8_t	 own[ETH_ADDR_LEN];

	if (memcmp(mac, ifp->mac, ETH_ADDR_LEN) == 0)
		return (1);
	return (ndp_host_mac(a, own) && memcmp(mac, own, ETH_ADDR_LEN) == 0);
}

/* Neighbours. */

static struct ndp_neigh *
ndp_neigh_slot(const struct in6_addr *a)
{
	return (&ndp_neighs[addr6_fold(a) % NDP_NEIGH_SLOTS]);
}

/*
 * a spoke from mac on ifp: the way back to it.  A group MAC is no next
 * hop, but the interface it came in on is still where to ask for a's
 * (wire.c); it does not replace a MAC known for a.
 */
void
ndp_learn(const struct iface *ifp, const struct in6_addr *a,
    const uint8_t *mac)
{
	struct ndp_neigh	*n = ndp_neigh_slot(a);
	int			 same = memcmp(&n->addr, a, sizeof(*a)) == 0;

	if (a->s6_addr[0] == 0xff || memcmp(a, &in6_any, sizeof(*a)) == 0)
		return;
	if (mac[0] & 1) {
		if (same && n->has_mac)
			return;
		n->addr = *a;
		n->iface = ifp->index;
		n->has_mac = 0;
		return;
	}
	n->addr = *a;
	n->iface = ifp->index;
	n->has_mac = 1;
	memcpy(n->mac, mac, ETH_ADDR_LEN);
	wire_resolved6(a);
}

/* a's interface and MAC: 0, or -1 if its MAC was never heard. */
int
ndp_neighbor(const struct in6_addr *a, int *iface, uint8_t *mac)
{
	const struct ndp_neigh	*n = ndp_neigh_slot(a);

	if (memcmp(&n->addr, a, sizeof(*a)) != 0 || !n->has_mac ||
	    memcmp(a, &in6_any, sizeof(*a)) == 0)
		return (-1);
	*iface = n->iface;
	memcpy(mac, n->mac, ETH_ADDR_LEN);
	return (0);
}

/* The interface a was last heard on, MAC or not, or -1. */
int
ndp_neighbor_iface(const struct in6_addr *a)
{
	const struct ndp_neigh	*n = ndp_neigh_slot(a);

	if (memcmp(&n->addr, a, sizeof(*a)) != 0 ||
	    memcmp(a, &in6_any, sizeof(*a)) == 0)
		return (-1);
	return (n->iface);
}

/* Sending. */

/* An IPv6 packet in a frame to dmac from a's MAC on ifp. */
static void
ndp_send(struct iface *ifp, const struct in6_addr *a, const uint8_t *dmac,
    const uint8_t *pkt, size_t len)
{
	uint8_t	 frame[ETH_HDR_LEN + IP6_HDR_LEN + 32];

	if (len > sizeof(frame) - ETH_HDR_LEN)
		return;
	memcpy(frame, dmac, ETH_ADDR_LEN);
	if (!ndp_host_mac(a, frame + ETH_ADDR_LEN))
		memcpy(frame + ETH_ADDR_LEN, ifp->mac, ETH_ADDR_LEN);
	frame[12] = ETH_TYPE_IPV6 >> 8;
	frame[13] = ETH_TYPE_IPV6 & 0xff;
	memcpy(frame + ETH_HDR_LEN, pkt, len);
	wire_send_frame(ifp, frame, ETH_HDR_LEN + len);
}

/* 33:33 and the group's last four bytes (RFC 2464 7). */
static void
ndp_group_mac(const struct in6_addr *group, uint8_t *mac)
{
	mac[0] = mac[1] = 0x33;
	memcpy(mac + 2, &group->s6_addr[12], 4);
}

/*
 * The advertisement of target, answering src at mac, whose solicitation
 * went to a multicast group (the solicited-node one) if group.
 *
 * RFC 4861 7.2.4: the Target Link-Layer Address option must be there
 * for a solicitation to a group; for a unicast one, sent to an address
 * whose MAC the asker already has (Neighbor Unreachability Detection,
 * and one of nmap -6 -O's probes), it may be left out.  Hosts differ in
 * that MAY, so it shows: Linux's ndisc_recv_ns() includes the option,
 * and sets Override, only for a solicitation to a group, and the
 * BSDs' KAME code (FreeBSD, OpenBSD, NetBSD, macOS nd6_ns_input()) does
 * the same (tlladdr only for a multicast destination; no Override
 * without it).  We answer as both do.  Windows was not checked.
 */
void
ndp_advertise(struct iface *ifp, const struct in6_addr *target,
    const uint8_t *mac, const struct in6_addr *src, int group)
{
	struct ndp_msg	 m;
	uint8_t		 pkt[IP6_HDR_LEN + 32];
	size_t		 len;

	memset(&m, 0, sizeof(m));
	m.type = NDP_NEIGHBOR_ADVERT;
	m.src = *target;
	m.dst = *src;
	m.target = *target;
	m.flags = NDP_NA_SOLICITED;
	if (group) {
		m.flags |= NDP_NA_OVERRIDE;
		m.has_lla = 1;
		if (!ndp_host_mac(target, m.lla))
			memcpy(m.lla, ifp->mac, ETH_ADDR_LEN);
	}
	if ((len = ndp_build(pkt, sizeof(pkt), &m)) == 0)
		return;
	ndp_send(ifp, target, mac, pkt, len);
	parent->stats.ndp_adverts++;
}

/*
 * The Neighbor Solicitation m (its target, and its source and link-layer
 * option if any, set) to the target's solicited-node group, from the
 * MAC of the host at "as".  0, or -1 if it could not be built.
 */
static int
ndp_send_ns(struct iface *ifp, struct ndp_msg *m, const struct in6_addr *as)
{
	uint8_t		 pkt[IP6_HDR_LEN + 32], dmac[ETH_ADDR_LEN];
	size_t		 len;

	m->type = NDP_NEIGHBOR_SOLICIT;
	ndp_solicited_node(&m->target, &m->dst);
	if ((len = ndp_build(pkt, sizeof(pkt), m)) == 0)
		return (-1);
	ndp_group_mac(&m->dst, dmac);
	ndp_send(ifp, as, dmac, pkt, len);
	return (0);
}

/* A probe for target: from ::, to its solicited-node group. */
void
ndp_probe(struct iface *ifp, const struct in6_addr *target)
{
	struct ndp_msg	 m;

	memset(&m, 0, sizeof(m));
	m.target = *target;
	if (ndp_send_ns(ifp, &m, target) == 0)
		parent->stats.ndp_probes++;
}

/*
 * Ask for target's MAC as src does (RFC 4861 7.2.2): to its
 * solicited-node group, with src's MAC as the source link-layer
 * address, so that target can answer without asking back.
 */
void
ndp_solicit(struct iface *ifp, const struct in6_addr *src,
    const struct in6_addr *target)
{
	struct ndp_msg	 m;

	memset(&m, 0, sizeof(m));
	m.src = *src;
	m.target = *target;
	m.has_lla = 1;
	if (!ndp_host_mac(src, m.lla))
		memcpy(m.lla, ifp->mac, ETH_ADDR_LEN);
	if (ndp_send_ns(ifp, &m, src) == 0)
		parent->stats.ndp_resolves++;
}

/*
 * A captured IPv6 frame: 1 if it was Neighbor Discovery (observed, and
 * answered where it asks for a claimed address), 0 if it is for the
 * engine to judge.
 */
int
ndp_input(struct iface *ifp, const uint8_t *frame, size_t len)
{
	const struct eth_hdr	*eth = (const struct eth_hdr *)frame;
	const uint8_t		*pkt = frame + ETH_HDR_LEN, *mac;
	struct ndp_msg		 m;
	int			 unspec;

	if (len < ETH_HDR_LEN + IP6_HDR_LEN + 8 ||
	    pkt[6] != IP_PROTO_ICMPV6 || pkt[IP6_HDR_LEN] < NDP_ROUTER_SOLICIT ||
	    pkt[IP6_HDR_LEN] > NDP_REDIRECT)
		return (0);
	if (ndp_parse(pkt, len - ETH_HDR_LEN, &m) == -1 ||
	    m.type == NDP_ROUTER_SOLICIT)
		return (1);
	mac = eth->eth_src.data;
	unspec = memcmp(&m.src, &in6_any, sizeof(m.src)) == 0;
	/* Another node's probe for, or claim of, an address we claim. */
	if (claim6_contains(&parent->claimed, &m.target) &&
	    !ndp_our_mac(ifp, &m.target, mac) &&
	    (m.type == NDP_NEIGHBOR_ADVERT || unspec)) {
		guard6_conflict(&m.target, mac);
		return (1);
	}
	/* Or one using it as its own source. */
	if (!unspec && claim6_contains(&parent->claimed, &m.src) &&
	    !ndp_our_mac(ifp, &m.src, mac)) {
		guard6_conflict(&m.src, mac);
		return (1);
	}
	/* What it says of itself, or of the address it advertises. */
	if (m.type == NDP_NEIGHBOR_SOLICIT && !unspec)
		ndp_learn(ifp, &m.src, m.has_lla ? m.lla : mac);
	else if (m.type == NDP_NEIGHBOR_ADVERT)
		ndp_learn(ifp, &m.target, m.has_lla ? m.lla : mac);
	if (m.type == NDP_NEIGHBOR_SOLICIT && !unspec &&
	    claim6_contains(&parent->claimed, &m.target))
		guard6_solicited(ifp, &m.target, m.has_lla ? m.lla : mac,
		    &m.src, m.dst.s6_addr[0] == 0xff);
	return (1);
}

/* Whether the engine may send from a: not while another node has it. */
int
ndp_may_send(const struct in6_addr *a)
{
	return (guard6_may_send(a));
}

/* Forget the MACs and neighbours (tests); the guard is arpguard's. */
void
ndp_flush(void)
{
	free(ndp_macs);
	ndp_macs = NULL;
	ndp_conf = NULL;
	memset(ndp_neighs, 0, sizeof(ndp_neighs));
}
