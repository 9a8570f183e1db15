/*
 * Engine: the DHCP clients of "dhcp T on IFACE [ethernet MAC]".  Each
 * gets an address from the network's server as a real machine would
 * (RFC 2131, options of RFC 2132): DISCOVER, OFFER, REQUEST, ACK; it
 * renews at T1 with a REQUEST to its server, rebinds at T2 with a
 * broadcast one, starts over on a NAK or when the lease runs out, and
 * releases the address when honeyd stops.  While leased the address is
 * bound to T in the running configuration, so the engine serves it as
 * any host of T.
 *
 * Why here and not in the parent: the client's input is the servers'
 * answers, bytes from the network that anyone on the segment can forge,
 * and every parse of outside bytes belongs in the chrooted, sandboxed
 * engine.  The parent (lease.c) reads no more than a reply's addresses,
 * ports, yiaddr and chaddr (fixed offsets, bounds checked), forwards
 * it, and checks what comes back: only DHCP client frames with the
 * client's own MAC, and only leases of an address a server offered it.
 *
 * The parent starts and stops clients (IMSG_DHCP_START, _STOP) by id
 * after each configuration the engine accepts; the engine tells it each
 * address a client gets or loses (IMSG_DHCP_LEASE).
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"

#define BOOTP_FIXED		236	/* op .. file */
#define BOOTP_MIN		300	/* what BOOTP relays expect, at least */
#define DHCP_MAGIC		0x63825363
#define DHCP_PKT_MAX		576	/* IP bytes every host must take */

/* Message types (option 53). */
#define DHCPDISCOVER		1
#define DHCPOFFER		2
#define DHCPREQUEST		3
#define DHCPDECLINE		4
#define DHCPACK			5
#define DHCPNAK			6
#define DHCPRELEASE		7

/* Options. */
#define DHO_PAD			0
#define DHO_SUBNET_MASK		1
#define DHO_ROUTERS		3
#define DHO_DNS			6
#define DHO_HOST_NAME		12
#define DHO_DOMAIN_NAME		15
#define DHO_REQUESTED_ADDR	50
#define DHO_LEASE_TIME		51
#define DHO_MSG_TYPE		53
#define DHO_SERVER_ID		54
#define DHO_PARAM_REQ		55
#define DHO_MAX_MSG_SIZE	57
#define DHO_T1			58
#define DHO_T2			59
#define DHO_CLIENT_ID		61
#define DHO_END			255

#define DHCP_INFINITE		0xffffffffU
/* Retransmission (RFC 2131 4.1): 4 s doubling to 64 s, give or take 1. */
#define DHCP_RETRY_FIRST	4
#define DHCP_RETRY_MAX		64
#define DHCP_REQUEST_TRIES	4	/* then start over with DISCOVER */
/* RENEWING and REBINDING retry at half the time left, but not sooner. */
#define DHCP_RETRY_MIN		4

enum dhcp_state {
	DS_SELECTING,		/* DISCOVER sent, waiting for an OFFER */
	DS_REQUESTING,		/* REQUEST for an offer sent */
	DS_BOUND,
	DS_RENEWING,		/* past T1: unicast REQUESTs to the server */
	DS_REBINDING,		/* past T2: broadcast REQUESTs */
};

struct dhcp_client {
	TAILQ_ENTRY(dhcp_client) entry;
	uint32_t		 id;		/* the parent's */
	uint8_t			 mac[ETH_ADDR_LEN];
	char			*tmpl;		/* template name */
	enum dhcp_state		 state;
	uint32_t		 xid;
	int			 tries;		/* of the current message */
	time_t			 started;	/* of this exchange, for secs */
	uint32_t		 offered;	/* REQUESTING: the offer */
	uint32_t		 server;	/* the server's id */
	uint32_t		 addr;		/* leased, 0: none */
	int			 bound;		/* addr bound in the config */
	time_t			 t1, t2, expiry; /* monotonic; 0: never */
	struct event		*ev;
};

static TAILQ_HEAD(, dhcp_client) dhcp_clients =
    TAILQ_HEAD_INITIALIZER(dhcp_clients);

static void	 dhcp_timeout(int, short, void *);
static void	 dhcp_discover(struct dhcp_client *);
static void	 dhcp_lease_lost(struct dhcp_client *, const char *);

static time_t
dhcp_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

static void
dhcp_schedule(struct dhcp_client *c, time_t secs)
{
	struct timeval	 tv;

	tv.tv_sec = secs > 0 ? secs : 0;
	tv.tv_usec = arc4random_uniform(1000000);
	evtimer_add(c->ev, &tv);
}

/* 4, 8, 16... up to 64 seconds, randomized by up to a second. */
static time_t
dhcp_backoff(int tries)
{
	time_t	 t = DHCP_RETRY_FIRST;

	while (tries-- > 0 && t < DHCP_RETRY_MAX)
		t *= 2;
	return (t - 1 + arc4random_uniform(2));
}

/* Two may be in one message: each call has its own of two buffers. */
static const char *
dhcp_addr(uint32_t a)
{
	static char	 buf[2][INET_ADDRSTRLEN];
	static int	 n;

	n = !n;
	return (addr_fmt(a, buf[n], sizeof(buf[n])));
}

static struct dhcp_client *
dhcp_find(uint32_t id)
{
	struct dhcp_client	*c;

	TAILQ_FOREACH(c, &dhcp_clients, entry)
		if (c->id == id)
			return (c);
	return (NULL);
}

/*
 * Options.  Each adder checks the room left; the caller sized the
 * buffer for all of them, so running out is a bug, not input.
 */
struct dhcp_opts {
	uint8_t		*p;
	size_t		 len, cap;
};

static void
opt_add(struct dhcp_opts *o, int code, const void *data, size_t len)
{
	if (len > 255 || o->len + 2 + len + 1 > o->cap)
		fatalx("dhcp: options overflow");
	o->p[o->len++] = code;
	o->p[o->len++] = len;
	memcpy(o->p + o->len, data, len);
	o->len += len;
}

static void
opt_addr(struct dhcp_opts *o, int code, uint32_t a)
{
	a = htonl(a);
	opt_add(o, code, &a, sizeof(a));
}

/* The template's name, if it is a host name (RFC 1123 label). */
static size_t
dhcp_hostname(const char *name, char *buf, size_t size)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n > 63 || n >= size || name[0] == '-' ||
	    name[n - 1] == '-')
		return (0);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return (0);
	memcpy(buf, name, n);
	return (n);
}

static void
dhcp_options(struct dhcp_client *c, struct dhcp_opts *o, int type,
    uint32_t reqip, uint32_t server)
{
	static const uint8_t	 params[] = { DHO_SUBNET_MASK, DHO_ROUTERS,
	    DHO_DNS, DHO_DOMAIN_NAME, DHO_LEASE_TIME, DHO_T1, DHO_T2 };
	uint8_t			 b = type, cid[1 + ETH_ADDR_LEN];
	uint16_t		 maxsize = htons(DHCP_PKT_MAX);
	char			 host[64];
	size_t			 n;

	opt_add(o, DHO_MSG_TYPE, &b, 1);
	/* Client identifier: hardware type 1 and the MAC, as most do. */
	cid[0] = 1;
	memcpy(cid + 1, c->mac, ETH_ADDR_LEN);
	opt_add(o, DHO_CLIENT_ID, cid, sizeof(cid));
	if (reqip != 0)
		opt_addr(o, DHO_REQUESTED_ADDR, reqip);
	if (server != 0)
		opt_addr(o, DHO_SERVER_ID, server);
	if (type == DHCPRELEASE)
		return;
	if ((n = dhcp_hostname(c->tmpl, host, sizeof(host))) > 0)
		opt_add(o, DHO_HOST_NAME, host, n);
	opt_add(o, DHO_MAX_MSG_SIZE, &maxsize, sizeof(maxsize));
	opt_add(o, DHO_PARAM_REQ, params, sizeof(params));
}

/*
 * One client message as an IP packet from src to dst.  ciaddr is the
 * client's address where it has one (RENEWING, REBINDING, RELEASE);
 * reqip and server are options 50 and 54, 0 for none.
 */
static size_t
dhcp_build(struct dhcp_client *c, uint8_t *buf, int type, uint32_t src,
    uint32_t dst, uint32_t ciaddr, uint32_t reqip, uint32_t server)
{
	struct ip_hdr	*ip = (struct ip_hdr *)buf;
	struct udp_hdr	*udp = (struct udp_hdr *)(ip + 1);
	uint8_t		*b = (uint8_t *)(udp + 1);
	struct dhcp_opts o;
	uint32_t	 v;
	uint16_t	 secs;
	size_t		 blen, len;

	memset(buf, 0, DHCP_PKT_MAX);
	b[0] = 1;			/* BOOTREQUEST */
	b[1] = 1;			/* Ethernet */
	b[2] = ETH_ADDR_LEN;
	v = htonl(c->xid);
	memcpy(b + 4, &v, 4);
	secs = htons(type == DHCPRELEASE ? 0 :
	    (uint16_t)(dhcp_now() - c->started));
	memcpy(b + 8, &secs, 2);
	v = htonl(ciaddr);
	memcpy(b + 12, &v, 4);
	memcpy(b + 28, c->mac, ETH_ADDR_LEN);
	v = htonl(DHCP_MAGIC);
	memcpy(b + BOOTP_FIXED, &v, 4);
	o.p = b + BOOTP_FIXED + 4;
	o.len = 0;
	o.cap = DHCP_PKT_MAX - IP_HDR_LEN - UDP_HDR_LEN - BOOTP_FIXED - 4;
	dhcp_options(c, &o, type, reqip, server);
	o.p[o.len++] = DHO_END;
	blen = BOOTP_FIXED + 4 + o.len;
	if (blen < BOOTP_MIN)
		blen = BOOTP_MIN;
	len = IP_HDR_LEN + UDP_HDR_LEN + blen;
	udp->uh_sport = htons(DHCP_CLIENT_PORT);
	udp->uh_dport = htons(DHCP_SERVER_PORT);
	udp->uh_ulen = htons(UDP_HDR_LEN + blen);
	ip->ip_v = 4;
	ip->ip_hl = IP_HDR_LEN / 4;
	ip->ip_len = htons(len);
	ip->ip_id = htons(arc4random_uniform(0x10000));
	ip->ip_ttl = 64;
	ip->ip_p = IP_PROTO_UDP;
	ip->ip_src = htonl(src);
	ip->ip_dst = htonl(dst);
	ip_checksum(buf, len);
	return (len);
}

static void
dhcp_send(struct dhcp_client *c, int type, uint32_t src, uint32_t dst,
    uint32_t ciaddr, uint32_t reqip, uint32_t server)
{
	uint8_t		 buf[DHCP_PKT_MAX];
	size_t		 len;

	len = dhcp_build(c, buf, type, src, dst, ciaddr, reqip, server);
	if (imsg_compose(&engine->parent->ibuf, IMSG_DHCP_OUT, c->id, 0, -1,
	    buf, len) == -1) {
		engine->stats.drop_out++;
		return;
	}
	imsgev_add(engine->parent);
}

static void
dhcp_tell_parent(struct dhcp_client *c)
{
	struct dhcp_lease	 dl;

	dl.id = c->id;
	dl.addr = c->addr;
	if (imsg_compose(&engine->parent->ibuf, IMSG_DHCP_LEASE, 0, 0, -1,
	    &dl, sizeof(dl)) == -1)
		fatal("engine: dhcp lease");
	imsgev_add(engine->parent);
}

/* Serve the leased address as a host of the client's template. */
static void
dhcp_bind(struct dhcp_client *c, struct honeyd_config *conf)
{
	struct template		*t;
	const struct bind	*b;
	int			 replaced;

	c->bound = 0;
	if (conf == NULL || c->addr == 0)
		return;
	if ((t = config_find_template(conf, c->tmpl)) == NULL) {
		log_warnx("dhcp: template \"%s\" is gone; %s answers as the "
		    "default", c->tmpl, dhcp_addr(c->addr));
		return;
	}
	/* An address the configuration binds itself keeps its template. */
	if ((b = config_find_bind(conf, c->addr)) != NULL) {
		if (b->tmpl != t)
			log_warnx("dhcp: leased %s is bound to \"%s\" by the "
			    "configuration: it stays so", dhcp_addr(c->addr),
			    b->tmpl->name);
		return;
	}
	if (config_bind(conf, c->addr, c->addr, t, &replaced) == -1) {
		log_warnx("dhcp: cannot bind %s", dhcp_addr(c->addr));
		return;
	}
	c->bound = 1;
}

static void
dhcp_unbind(struct dhcp_client *c)
{
	int	 found;

	if (c->bound && engine->conf != NULL)
		(void)config_unbind(engine->conf, c->addr, c->addr, &found);
	c->bound = 0;
}

static void
dhcp_discover(struct dhcp_client *c)
{
	c->state = DS_SELECTING;
	c->xid = arc4random();
	c->tries = 0;
	c->started = dhcp_now();
	c->offered = c->server = 0;
	dhcp_send(c, DHCPDISCOVER, 0, INADDR_BROADCAST, 0, 0, 0);
	dhcp_schedule(c, dhcp_backoff(0));
}

static void
dhcp_request_offer(struct dhcp_client *c)
{
	dhcp_send(c, DHCPREQUEST, 0, INADDR_BROADCAST, 0, c->offered,
	    c->server);
	dhcp_schedule(c, dhcp_backoff(c->tries));
}

/* RENEWING: to the server; REBINDING: to anyone, from the address. */
static void
dhcp_request_extend(struct dhcp_client *c)
{
	time_t	 now = dhcp_now(), until, wait;

	if (c->state == DS_RENEWING)
		dhcp_send(c, DHCPREQUEST, c->addr, c->server, c->addr, 0, 0);
	else
		dhcp_send(c, DHCPREQUEST, c->addr, INADDR_BROADCAST, c->addr,
		    0, 0);
	until = c->state == DS_RENEWING ? c->t2 : c->expiry;
	wait = (until - now) / 2;
	if (wait < DHCP_RETRY_MIN)
		wait = DHCP_RETRY_MIN;
	if (wait > until - now)
		wait = until - now;
	dhcp_schedule(c, wait);
}

static void
dhcp_timeout(int fd, short event, void *arg)
{
	struct dhcp_client	*c = arg;
	time_t			 now = dhcp_now();

	switch (c->state) {
	case DS_SELECTING:
		c->tries++;
		dhcp_send(c, DHCPDISCOVER, 0, INADDR_BROADCAST, 0, 0, 0);
		dhcp_schedule(c, dhcp_backoff(c->tries));
		break;
	case DS_REQUESTING:
		if (++c->tries >= DHCP_REQUEST_TRIES) {
			log_info("dhcp: %s: no answer to REQUEST for %s; "
			    "starting over", c->tmpl, dhcp_addr(c->offered));
			dhcp_discover(c);
		} else
			dhcp_request_offer(c);
		break;
	case DS_BOUND:
	case DS_RENEWING:
	case DS_REBINDING:
		if (c->expiry != 0 && now >= c->expiry) {
			dhcp_lease_lost(c, "lease expired");
			break;
		}
		if (c->t2 != 0 && now >= c->t2)
			c->state = DS_REBINDING;
		else if (c->state == DS_BOUND) {
			c->state = DS_RENEWING;
			c->xid = arc4random();
			c->started = now;
		}
		dhcp_request_extend(c);
		break;
	}
}

/* The address is gone: tell the parent, unbind, and start over. */
static void
dhcp_lease_lost(struct dhcp_client *c, const char *why)
{
	if (c->addr != 0) {
		log_info("dhcp: %s: %s lost: %s", c->tmpl,
		    dhcp_addr(c->addr), why);
		dhcp_unbind(c);
		c->addr = 0;
		dhcp_tell_parent(c);
	}
	dhcp_discover(c);
}

/*
 * Lease times: T1 and T2 from the server if they make sense, else half
 * and seven eighths of the lease (RFC 2131 4.4.5).
 */
static void
dhcp_set_times(struct dhcp_client *c, const struct dhcp_msg *m)
{
	time_t		 now = dhcp_now();
	uint32_t	 lease = m->lease, t1 = m->t1, t2 = m->t2;

	if (lease == 0 || lease == DHCP_INFINITE) {
		c->t1 = c->t2 = c->expiry = 0;
		return;
	}
	if (t2 == 0 || t2 >= lease)
		t2 = lease / 8 * 7;
	if (t1 == 0 || t1 >= t2)
		t1 = t2 < lease / 2 ? t2 / 2 : lease / 2;
	c->t1 = now + t1;
	c->t2 = now + t2;
	c->expiry = now + lease;
}

static void
dhcp_ack(struct dhcp_client *c, const struct dhcp_msg *m)
{
	int	 renewed = c->addr == m->yiaddr;

	if (m->yiaddr == 0 || m->yiaddr == INADDR_BROADCAST)
		return;
	if (!renewed && c->addr != 0) {
		dhcp_unbind(c);
		c->addr = 0;
		dhcp_tell_parent(c);
	}
	if (m->server != 0)
		c->server = m->server;
	c->state = DS_BOUND;
	dhcp_set_times(c, m);
	if (!renewed) {
		c->addr = m->yiaddr;
		/* The parent claims it before the first packet for it. */
		dhcp_tell_parent(c);
		dhcp_bind(c, engine->conf);
		log_info("dhcp: %s leased %s from %s for %us", c->tmpl,
		    dhcp_addr(c->addr), dhcp_addr(c->server), m->lease);
	} else if (log_getverbose())
		log_debug("dhcp: %s renewed %s for %us", c->tmpl,
		    dhcp_addr(c->addr), m->lease);
	evtimer_del(c->ev);
	if (c->t1 != 0)
		dhcp_schedule(c, c->t1 - dhcp_now());
}

static void
dhcp_reply(struct dhcp_client *c, const struct dhcp_msg *m)
{
	switch (m->type) {
	case DHCPOFFER:
		if (c->state != DS_SELECTING || m->server == 0 ||
		    m->yiaddr == 0 || m->yiaddr == INADDR_BROADCAST)
			return;
		c->state = DS_REQUESTING;
		c->offered = m->yiaddr;
		c->server = m->server;
		c->tries = 0;
		evtimer_del(c->ev);
		dhcp_request_offer(c);
		break;
	case DHCPACK:
		if (c->state == DS_SELECTING || c->state == DS_BOUND ||
		    (c->state == DS_REQUESTING && m->server != c->server))
			return;
		dhcp_ack(c, m);
		break;
	case DHCPNAK:
		if (c->state == DS_SELECTING || c->state == DS_BOUND ||
		    (c->state != DS_REBINDING && m->server != 0 &&
		    m->server != c->server))
			return;
		evtimer_del(c->ev);
		dhcp_lease_lost(c, "the server said NAK");
		break;
	}
}

/* A reply the parent captured: whose is it? */
void
dhcp_input(const uint8_t *pkt, size_t len)
{
	struct dhcp_client	*c;
	struct dhcp_msg		 m;

	if (dhcp_parse(pkt, len, &m) == -1)
		return;
	TAILQ_FOREACH(c, &dhcp_clients, entry)
		if (c->xid == m.xid &&
		    memcmp(c->mac, m.chaddr, ETH_ADDR_LEN) == 0)
			break;
	if (c != NULL)
		dhcp_reply(c, &m);
}

/* One option of a reply; the length was checked against the buffer. */
static int
dhcp_parse_opt(int code, const uint8_t *p, size_t len, struct dhcp_msg *m)
{
	uint32_t	 v;

	switch (code) {
	case DHO_MSG_TYPE:
		if (len != 1)
			return (-1);
		m->type = p[0];
		return (0);
	case DHO_SERVER_ID:
	case DHO_LEASE_TIME:
	case DHO_T1:
	case DHO_T2:
		if (len != 4)
			return (-1);
		memcpy(&v, p, 4);
		v = ntohl(v);
		if (code == DHO_SERVER_ID)
			m->server = v;
		else if (code == DHO_LEASE_TIME)
			m->lease = v;
		else if (code == DHO_T1)
			m->t1 = v;
		else
			m->t2 = v;
		return (0);
	default:
		return (0);
	}
}

/* The options after the magic cookie; -1 if they run past the end. */
static int
dhcp_parse_opts(const uint8_t *p, size_t len, struct dhcp_msg *m)
{
	size_t	 i = 0, olen;

	while (i < len) {
		if (p[i] == DHO_PAD) {
			i++;
			continue;
		}
		if (p[i] == DHO_END)
			return (0);
		if (len - i < 2 || (olen = p[i + 1]) > len - i - 2)
			return (-1);
		if (dhcp_parse_opt(p[i], p + i + 2, olen, m) == -1)
			return (-1);
		i += 2 + olen;
	}
	/* No END: what came is still whole options. */
	return (0);
}

/*
 * A server's answer, an IPv4 packet from the wire: IP, UDP 67->68,
 * BOOTP reply for Ethernet with the DHCP cookie.  0, or -1 if anything
 * is out of place or out of bounds.
 */
int
dhcp_parse(const uint8_t *pkt, size_t len, struct dhcp_msg *m)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	const struct udp_hdr	*udp;
	const uint8_t		*b;
	size_t			 hlen, iplen, ulen;
	uint32_t		 v;

	memset(m, 0, sizeof(*m));
	if (len < IP_HDR_LEN || ip->ip_v != 4)
		return (-1);
	hlen = ip->ip_hl * 4;
	iplen = ntohs(ip->ip_len);
	if (hlen < IP_HDR_LEN || iplen > len || iplen < hlen + UDP_HDR_LEN ||
	    ip->ip_p != IP_PROTO_UDP ||
	    (ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) != 0)
		return (-1);
	udp = (const struct udp_hdr *)(pkt + hlen);
	ulen = ntohs(udp->uh_ulen);
	if (ntohs(udp->uh_sport) != DHCP_SERVER_PORT ||
	    ntohs(udp->uh_dport) != DHCP_CLIENT_PORT ||
	    ulen < UDP_HDR_LEN + BOOTP_FIXED + 4 || ulen > iplen - hlen)
		return (-1);
	b = (const uint8_t *)(udp + 1);
	memcpy(&v, b + BOOTP_FIXED, 4);
	if (b[0] != 2 || b[1] != 1 || b[2] != ETH_ADDR_LEN ||
	    ntohl(v) != DHCP_MAGIC)
		return (-1);
	memcpy(&v, b + 4, 4);
	m->xid = ntohl(v);
	memcpy(&v, b + 16, 4);
	m->yiaddr = ntohl(v);
	memcpy(m->chaddr, b + 28, ETH_ADDR_LEN);
	return (dhcp_parse_opts(b + BOOTP_FIXED + 4,
	    ulen - UDP_HDR_LEN - BOOTP_FIXED - 4, m));
}

/* IMSG_DHCP_START: a new client, which begins with a DISCOVER. */
void
dhcp_start(struct imsg *imsg)
{
	struct dhcp_start	 ds;
	struct dhcp_client	*c;
	const char		*name;
	size_t			 len = imsg_get_len(imsg);

	if (len <= sizeof(ds) || ((char *)imsg->data)[len - 1] != '\0')
		fatalx("engine: bad dhcp start");
	memcpy(&ds, imsg->data, sizeof(ds));
	name = (const char *)imsg->data + sizeof(ds);
	if (dhcp_find(ds.id) != NULL)
		fatalx("engine: dhcp client %u started twice", ds.id);
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->tmpl = strdup(name)) == NULL ||
	    (c->ev = evtimer_new(engine->base, dhcp_timeout, c)) == NULL)
		fatal("engine: dhcp client");
	c->id = ds.id;
	memcpy(c->mac, ds.mac, ETH_ADDR_LEN);
	TAILQ_INSERT_TAIL(&dhcp_clients, c, entry);
	dhcp_discover(c);
}

static void
dhcp_release(struct dhcp_client *c)
{
	if (c->addr == 0 || c->state == DS_SELECTING ||
	    c->state == DS_REQUESTING)
		return;
	c->xid = arc4random();
	dhcp_send(c, DHCPRELEASE, c->addr, c->server, c->addr, 0, c->server);
	log_info("dhcp: %s released %s", c->tmpl, dhcp_addr(c->addr));
}

static void
dhcp_free(struct dhcp_client *c)
{
	TAILQ_REMOVE(&dhcp_clients, c, entry);
	event_free(c->ev);
	free(c->tmpl);
	free(c);
}

/* IMSG_DHCP_STOP: its statement is gone from the configuration. */
void
dhcp_stop(struct imsg *imsg)
{
	struct dhcp_client	*c;
	uint32_t		 id;

	if (imsg_get_data(imsg, &id, sizeof(id)) == -1)
		fatalx("engine: bad dhcp stop");
	if ((c = dhcp_find(id)) == NULL)
		return;
	dhcp_release(c);
	dhcp_unbind(c);
	c->addr = 0;
	dhcp_tell_parent(c);
	dhcp_free(c);
}

/* A new configuration: the leased addresses are bound in it too. */
void
dhcp_reconf(struct honeyd_config *conf)
{
	struct dhcp_client	*c;

	TAILQ_FOREACH(c, &dhcp_clients, entry)
		if (c->addr != 0)
			dhcp_bind(c, conf);
}

/*
 * honeyd stops: every lease is given back, and the messages are
 * written before the engine exits (the parent reads them until then).
 */
void
dhcp_shutdown(void)
{
	struct dhcp_client	*c;
	int			 tries;

	while ((c = TAILQ_FIRST(&dhcp_clients)) != NULL) {
		dhcp_release(c);
		dhcp_free(c);
	}
	for (tries = 0; tries < 100 &&
	    imsgbuf_queuelen(&engine->parent->ibuf) > 0; tries++)
		if (imsgbuf_write(&engine->parent->ibuf) == -1)
			break;
}
