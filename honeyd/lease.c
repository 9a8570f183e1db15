/*
 * Parent: the DHCP clients' side that needs privilege ("dhcp T on
 * IFACE"; the clients themselves run in the engine, dhcp.c, because
 * they parse what servers send and anyone on the segment can forge
 * that).  Here: which client has which MAC on which interface, the
 * addresses they lease (claimed, answered for with the client's MAC,
 * while leased), capturing the servers' answers for the engine, and
 * putting the clients' frames on the wire.
 *
 * The parent trusts the engine no more than it must.  Of a server's
 * answer it reads only what the IP and UDP headers say and, at fixed
 * offsets after a bounds check, yiaddr and chaddr: a lease the engine
 * reports must be of an address a server's answer to that client's MAC
 * carried.  A frame the engine sends for a client must be BOOTREQUEST
 * from UDP 68 to 67 with the client's MAC as chaddr, from 0.0.0.0 (a
 * client without an address) or from its leased address.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"

#define LEASE_OFFERS		4	/* yiaddrs remembered per client */
#define LEASE_DRAIN_MS		2000	/* for the RELEASEs at shutdown */
#define BOOTP_CHADDR		28
#define BOOTP_YIADDR		16

struct lease {
	TAILQ_ENTRY(lease)	 entry;
	uint32_t		 id;
	struct iface		*ifp;
	uint8_t			 mac[ETH_ADDR_LEN];
	char			*tmpl;
	uint32_t		 offered[LEASE_OFFERS]; /* host order */
	int			 noffered;
	uint32_t		 addr;		/* leased: claimed; 0 none */
	int			 keep;		/* lease_sync's mark */
};

static TAILQ_HEAD(, lease) leases = TAILQ_HEAD_INITIALIZER(leases);
static uint32_t		 lease_nextid = 1;

static struct lease *
lease_find(uint32_t id)
{
	struct lease	*l;

	TAILQ_FOREACH(l, &leases, entry)
		if (l->id == id)
			return (l);
	return (NULL);
}

static struct iface *
lease_iface(const char *name)
{
	int	 i;

	for (i = 0; i < parent->nifaces; i++)
		if (strcmp(parent->ifaces[i].name, name) == 0)
			return (&parent->ifaces[i]);
	return (NULL);
}

static struct lease *
lease_same(struct iface *ifp, const uint8_t *mac, const char *tmpl)
{
	struct lease	*l;

	TAILQ_FOREACH(l, &leases, entry)
		if (l->ifp == ifp && strcmp(l->tmpl, tmpl) == 0 &&
		    memcmp(l->mac, mac, ETH_ADDR_LEN) == 0)
			return (l);
	return (NULL);
}

static int
lease_new(struct iface *ifp, const uint8_t *mac, const char *tmpl)
{
	struct dhcp_start	 ds;
	struct iovec		 iov[2];
	struct lease		*l;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->tmpl = strdup(tmpl)) == NULL) {
		free(l);
		return (-1);
	}
	l->id = lease_nextid++;
	l->ifp = ifp;
	memcpy(l->mac, mac, ETH_ADDR_LEN);
	l->keep = 1;
	TAILQ_INSERT_TAIL(&leases, l, entry);
	memset(&ds, 0, sizeof(ds));
	ds.id = l->id;
	memcpy(ds.mac, mac, ETH_ADDR_LEN);
	iov[0].iov_base = &ds;
	iov[0].iov_len = sizeof(ds);
	iov[1].iov_base = l->tmpl;
	iov[1].iov_len = strlen(l->tmpl) + 1;
	if (imsgev_composev(parent->engine, IMSG_DHCP_START, 0, 0, -1, iov,
	    2) == -1)
		fatal("dhcp start");
	return (0);
}

static void
lease_free(struct lease *l)
{
	if (l->addr != 0)
		(void)ether_lease(l->ifp, l->addr, NULL);
	TAILQ_REMOVE(&leases, l, entry);
	free(l->tmpl);
	free(l);
}

/* One of conf's "dhcp" statements: kept if it runs, else started. */
static int
lease_want(const struct dhcp_conf *d, size_t i, int *changed)
{
	struct iface	*ifp;
	struct lease	*l;
	uint8_t		 mac[ETH_ADDR_LEN];

	if ((ifp = lease_iface(d->iface)) == NULL) {
		log_warnx("dhcp %s on %s: honeyd does not listen on %s "
		    "(-i)", d->tmpl->name, d->iface, d->iface);
		return (0);
	}
	if (!ether_dhcp_mac(i, mac))
		return (0);
	if ((l = lease_same(ifp, mac, d->tmpl->name)) != NULL) {
		l->keep = 1;
		return (0);
	}
	*changed = 1;
	return (lease_new(ifp, mac, d->tmpl->name));
}

/*
 * The engine runs conf: the clients of its "dhcp" statements run,
 * those of statements gone stop (and release).  A client whose
 * template, interface and MAC are unchanged keeps its lease.
 */
void
lease_sync(const struct honeyd_config *conf)
{
	const struct dhcp_conf	*d;
	struct lease		*l, *next;
	size_t			 i = 0;
	int			 changed = 0;

	TAILQ_FOREACH(l, &leases, entry)
		l->keep = 0;
	TAILQ_FOREACH(d, &conf->dhcp, entry) {
		if (i >= DHCP_MAX_CLIENTS) {
			log_warnx("more than %d dhcp statements: the others "
			    "are ignored", DHCP_MAX_CLIENTS);
			break;
		}
		if (lease_want(d, i++, &changed) == -1)
			fatal("dhcp client");
	}
	for (l = TAILQ_FIRST(&leases); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		if (l->keep)
			continue;
		if (imsgev_compose(parent->engine, IMSG_DHCP_STOP, 0, 0, -1,
		    &l->id, sizeof(l->id)) == -1)
			fatal("dhcp stop");
		lease_free(l);
		changed = 1;
	}
	if (changed)
		parent_claims_update();
}

/* Whether ifp has DHCP clients: the capture filter takes their replies. */
int
lease_on(const struct iface *ifp)
{
	struct lease	*l;

	TAILQ_FOREACH(l, &leases, entry)
		if (l->ifp == ifp)
			return (1);
	return (0);
}

/* The leased addresses, for the claimed set (honeyd.c). */
int
lease_claims(struct claimset *cs)
{
	struct lease	*l;

	TAILQ_FOREACH(l, &leases, entry)
		if (l->addr != 0 && claim_add(cs, l->addr, l->addr) == -1)
			return (-1);
	return (0);
}

static struct lease *
lease_by_mac(const struct iface *ifp, const uint8_t *mac)
{
	struct lease	*l;

	TAILQ_FOREACH(l, &leases, entry)
		if (l->ifp == ifp && memcmp(l->mac, mac, ETH_ADDR_LEN) == 0)
			return (l);
	return (NULL);
}

/*
 * The UDP datagram of an IPv4 packet from sport to dport, not a
 * fragment: where its payload starts, and how long it is, or NULL.
 */
static const uint8_t *
lease_udp(const uint8_t *pkt, size_t len, int sport, int dport,
    size_t *plen)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	const struct udp_hdr	*udp;
	size_t			 hlen, iplen;

	if (len < IP_HDR_LEN || ip->ip_v != 4 || ip->ip_p != IP_PROTO_UDP)
		return (NULL);
	hlen = ip->ip_hl * 4;
	iplen = ntohs(ip->ip_len);
	if (hlen < IP_HDR_LEN || iplen > len || iplen < hlen + UDP_HDR_LEN ||
	    (ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) != 0)
		return (NULL);
	udp = (const struct udp_hdr *)(pkt + hlen);
	if (ntohs(udp->uh_sport) != sport || ntohs(udp->uh_dport) != dport)
		return (NULL);
	*plen = iplen - hlen - UDP_HDR_LEN;
	return ((const uint8_t *)(udp + 1));
}

/* Remember what a server's answer offers the client it names. */
static void
lease_note_offer(struct iface *ifp, const uint8_t *b, size_t blen)
{
	struct lease	*l;
	uint32_t	 yiaddr;

	if (blen < BOOTP_CHADDR + ETH_ADDR_LEN ||
	    (l = lease_by_mac(ifp, b + BOOTP_CHADDR)) == NULL)
		return;
	memcpy(&yiaddr, b + BOOTP_YIADDR, sizeof(yiaddr));
	yiaddr = ntohl(yiaddr);
	if (yiaddr == 0)
		return;
	l->offered[l->noffered++ % LEASE_OFFERS] = yiaddr;
}

/*
 * A captured frame: 1 if it is a DHCP server's answer for one of ifp's
 * clients (sent to its MAC or broadcast), which goes to the engine and
 * nowhere else; 0 if it is none of this module's business.
 */
int
lease_input(struct iface *ifp, const uint8_t *frame, size_t len)
{
	const struct eth_hdr	*eth = (const struct eth_hdr *)frame;
	const struct ip_hdr	*ip;
	const uint8_t		*b;
	size_t			 blen;
	uint32_t		 src;

	/* The ports first: they rule out nearly every frame at once. */
	if (TAILQ_EMPTY(&leases) || len < ETH_HDR_LEN ||
	    (b = lease_udp(frame + ETH_HDR_LEN, len - ETH_HDR_LEN,
	    DHCP_SERVER_PORT, DHCP_CLIENT_PORT, &blen)) == NULL)
		return (0);
	if (memcmp(eth->eth_dst.data, ETH_ADDR_BROADCAST, ETH_ADDR_LEN) != 0 &&
	    lease_by_mac(ifp, eth->eth_dst.data) == NULL)
		return (0);
	ip = (const struct ip_hdr *)(frame + ETH_HDR_LEN);
	lease_note_offer(ifp, b, blen);
	memcpy(&src, &ip->ip_src, sizeof(src));
	/* The way back to the server, for renewals and the release. */
	if (src != 0 && !claim_contains(&parent->claimed, ntohl(src)))
		wire_learn(ifp, ntohl(src), eth->eth_src.data);
	if (imsg_compose(&parent->engine->ibuf, IMSG_DHCP_IN, ifp->index, 0,
	    -1, frame + ETH_HDR_LEN, len - ETH_HDR_LEN) == -1)
		parent->stats.frames_engine_drop++;
	return (1);
}

/* Whether a client frame from the engine may go out as l's. */
static int
lease_frame_ok(const struct lease *l, const uint8_t *pkt, size_t len,
    uint32_t *src, uint32_t *dst)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	const uint8_t		*b;
	size_t			 blen;

	if (len > HONEYD_MAX_PKT || (b = lease_udp(pkt, len,
	    DHCP_CLIENT_PORT, DHCP_SERVER_PORT, &blen)) == NULL ||
	    blen < BOOTP_CHADDR + ETH_ADDR_LEN || b[0] != 1 ||
	    memcmp(b + BOOTP_CHADDR, l->mac, ETH_ADDR_LEN) != 0)
		return (0);
	memcpy(src, &ip->ip_src, sizeof(*src));
	memcpy(dst, &ip->ip_dst, sizeof(*dst));
	*src = ntohl(*src);
	*dst = ntohl(*dst);
	if (*src == 0)
		return (*dst == INADDR_BROADCAST);
	return (*src == l->addr);
}

/* IMSG_DHCP_OUT: a client's frame, broadcast or to its server. */
void
lease_output(struct imsg *imsg)
{
	struct lease	*l;
	uint8_t		 frame[ETH_HDR_LEN + 1500];
	size_t		 len = imsg_get_len(imsg);
	uint32_t	 src, dst;

	/* Stopped meanwhile: its last words are not worth sending. */
	if ((l = lease_find(imsg->hdr.peerid)) == NULL)
		return;
	if (!lease_frame_ok(l, imsg->data, len, &src, &dst) ||
	    len > sizeof(frame) - ETH_HDR_LEN) {
		parent->stats.out_refused++;
		log_debug("refused a DHCP frame of client %u", l->id);
		return;
	}
	if (dst != INADDR_BROADCAST) {
		/* From its leased address: the ordinary way out. */
		wire_output(imsg->data, len);
		return;
	}
	memcpy(frame, ETH_ADDR_BROADCAST, ETH_ADDR_LEN);
	memcpy(frame + ETH_ADDR_LEN, l->mac, ETH_ADDR_LEN);
	frame[12] = ETH_TYPE_IP >> 8;
	frame[13] = ETH_TYPE_IP & 0xff;
	memcpy(frame + ETH_HDR_LEN, imsg->data, len);
	if (wire_send_frame(l->ifp, frame, ETH_HDR_LEN + len) == 0)
		parent->stats.out_frames++;
}

/*
 * Whether l may lease addr: offered to it, nobody else's, and on the
 * interface's subnet if it has one (a forged answer could otherwise
 * have us answer ARP for any address).
 */
static int
lease_addr_ok(const struct lease *l, uint32_t addr)
{
	const struct iface	*ifp = l->ifp;
	const struct lease	*o;
	int			 i, n;

	if (addr == 0 || addr == INADDR_BROADCAST || addr == ifp->addr ||
	    (ifp->addr != 0 && ((addr & ifp->mask) != (ifp->addr & ifp->mask) ||
	    (addr | ifp->mask) == INADDR_BROADCAST)))
		return (0);
	TAILQ_FOREACH(o, &leases, entry)
		if (o != l && o->addr == addr)
			return (0);
	n = l->noffered < LEASE_OFFERS ? l->noffered : LEASE_OFFERS;
	for (i = 0; i < n; i++)
		if (l->offered[i] == addr)
			return (1);
	return (0);
}

/* IMSG_DHCP_LEASE: a client got an address, or lost it. */
void
lease_update(struct imsg *imsg)
{
	struct dhcp_lease	 dl;
	struct lease		*l;
	char			 a[INET_ADDRSTRLEN];

	if (imsg_get_data(imsg, &dl, sizeof(dl)) == -1)
		fatalx("bad dhcp lease from engine");
	if ((l = lease_find(dl.id)) == NULL || l->addr == dl.addr)
		return;
	if (dl.addr != 0 && !lease_addr_ok(l, dl.addr)) {
		log_warnx("refused a lease of %s for client %u: not offered "
		    "to it, or not on %s's subnet",
		    addr_fmt(dl.addr, a, sizeof(a)), l->id, l->ifp->name);
		return;
	}
	if (l->addr != 0)
		(void)ether_lease(l->ifp, l->addr, NULL);
	if (dl.addr != 0 && ether_lease(l->ifp, dl.addr, l->mac) == -1)
		fatalx("ether_lease: no room");
	l->addr = dl.addr;
	parent_claims_update();
	/* Announce it, as a host that configured an address does. */
	if (l->addr != 0)
		arp_request(l->ifp, l->addr, l->addr);
}

/*
 * Shutdown: the engine was told to stop and sends its RELEASEs before
 * it exits; put them on the wire until it has gone or time is up.
 */
/*
 * The engine died, and its clients' state with it: forget the leases
 * (their addresses are no longer claimed); the next engine's clients
 * start again, from lease_sync().
 */
void
lease_forget(void)
{
	struct lease	*l;
	int		 had = 0;

	while ((l = TAILQ_FIRST(&leases)) != NULL) {
		had = 1;
		lease_free(l);
	}
	if (had)
		parent_claims_update();
}

void
lease_drain(void)
{
	struct imsgbuf	*ibuf;
	struct pollfd	 pfd;
	struct imsg	 imsg;
	struct lease	*l;
	ssize_t		 n;
	int		 waited = 0;

	if (parent->engine == NULL)
		return;
	ibuf = &parent->engine->ibuf;

	TAILQ_FOREACH(l, &leases, entry)
		if (l->addr != 0)
			break;
	if (l == NULL)
		return;
	pfd.fd = ibuf->fd;
	pfd.events = POLLIN;
	while (waited < LEASE_DRAIN_MS && poll(&pfd, 1, 100) >= 0) {
		waited += 100;
		if ((pfd.revents & (POLLIN | POLLHUP)) == 0)
			continue;
		if (imsgbuf_read(ibuf) <= 0)
			break;
		while ((n = imsg_get(ibuf, &imsg)) > 0) {
			if (imsg.hdr.type == IMSG_DHCP_OUT)
				lease_output(&imsg);
			imsg_free(&imsg);
		}
		wire_flush();
		if (n == -1)
			break;
	}
	wire_flush();
}
