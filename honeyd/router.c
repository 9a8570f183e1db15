/*
 * Engine: virtual routing topologies (section 2.3 of the paper).
 *
 * The "route" statements describe one rooted tree per entry point: the
 * root is the router packets enter by, every other router hangs off
 * the router that names it as the gateway of an "add net", and that
 * edge carries the link's latency, loss, bandwidth and drop thresholds.
 * router_build() turns the statements into the trees and rejects
 * anything else (a loop, a router no entry reaches) as "file:line:".
 *
 * A packet for an address inside the topology walks down its tree from
 * the entry: each router that forwards it spends one TTL, and the one
 * that spends the last answers ICMP time exceeded as itself, with its
 * own template and personality; "unreach" networks get ICMP net
 * unreachable.  Loss is drawn on every link crossed, so it compounds;
 * latency and queueing add up, and the packet is held on the engine's
 * event loop until it would have arrived.  Answers leaving a host
 * behind routers walk the same path back: every router on the way
 * spends a TTL, and the path's latency delays them again, which is why
 * traceroute shows twice the configured latency.  Like the paper, loss
 * is drawn once, on the way in.
 *
 * IPv6 topologies are the same trees walked by the same code: every
 * address is kept as an IPv6 one, IPv4's mapped (::ffff:a.b.c.d), and
 * the parser keeps each route to one family, so a tree is all IPv4 or
 * all IPv6.  For IPv6 (router_input6(), from ip6_input()) the hop
 * limit is the TTL, and the router that ends a walk answers ICMPv6
 * through ip6_error_from(): time exceeded, destination unreachable (no
 * route), or packet too big for a link whose "mtu" the packet is over,
 * since IPv6 routers never fragment (the walk stops before that link).
 * Tunnels and bound machines stay IPv4's.
 *
 * A link with a bandwidth is a queue per direction: the time its sender
 * stays busy estimates the queue, each packet adds its serialization
 * time, and "drop between A ms - B ms" drops with a probability rising
 * from 0 at A ms of queueing to 1 at B ms (random early drop).  Held
 * packets are bounded in count and bytes; what does not fit is counted
 * and dropped.
 *
 * "route R add net NET tunnel LOCAL REMOTE": R reaches NET, a real
 * network at a remote site, through a GRE tunnel (RFC 2784) between
 * LOCAL, an address the parent claims, and REMOTE, the site's router.
 * A packet whose walk takes the tunnel leaves in GRE from LOCAL to
 * REMOTE, after the TTL and the delay of the way to R and R's own TTL.
 * GRE from REMOTE to LOCAL is the way back: its inner packet, which
 * must come from NET, enters the topology at R and walks down from
 * there as if R had received it, so a site can route address space to
 * the virtual hosts below R through the tunnel; answers to NET go up
 * from the host to R and into the tunnel.  Nothing goes from a tunnel
 * to the wire or into another tunnel: honeyd is no router for real
 * traffic.
 *
 * "bind A to IFACE": A, an address a router of the topology links or
 * routes, is a real machine on IFACE.  Packets walk to it as to any
 * host (TTLs, losses, latencies) and are then handed, as they are,
 * to the parent, which puts them on IFACE to A's MAC.  What A sends to
 * an address honeyd does not claim comes back from the parent as
 * a FRAME_EXT frame and walks up from A to the entry as a virtual host's
 * answer does (router_ext_input); what it sends to claimed addresses
 * is any packet from the wire.  Forwarding is the one exception to
 * "no router for real traffic", and only between A and the rest.
 */

#include <sys/types.h>
#include <sys/timerfd.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"

#define RT_MAX_DEPTH		64		/* routers on one path */
#define RT_HELD_MAX		8192		/* packets held at once */
#define RT_HELD_BYTES		(16 * 1024 * 1024)
#define RT_QUEUE_MAX_US		(1000 * 1000)	/* link queue, no RED */
#define RT_LOSS_SCALE		1000000		/* loss per million */

enum rt_kind {
	RT_LINK,		/* route R link NET */
	RT_NET,			/* route R add net NET GW */
	RT_UNREACH,		/* route R unreach NET */
	RT_TUNNEL,		/* route R add net NET tunnel A B */
};

/* Directions of a link's queues. */
enum {
	RT_DOWN,		/* away from the entry */
	RT_UP,			/* back towards it */
};

/* A GRE tunnel's MTU: the wire's (IPFRAG_MTU) less GRE over IPv4. */
#define RT_TUNNEL_MTU	(IPFRAG_MTU - IP_HDR_LEN - 4)

/* Where a walk ends. */
enum rt_end {
	RT_DELIVER,		/* at the destination */
	RT_EXPIRED,		/* TTL spent: time exceeded from "at" */
	RT_NOROUTE,		/* net unreachable from "at" */
	RT_TUNNELED,		/* into the tunnel of "row" */
	RT_TOOBIG,		/* over the MTU of "at"'s link (IPv4: DF) */
};

struct rt_node;
struct rt_tunnel;

/* One edge of a tree: the parent reaches "to" over it. */
struct rt_link {
	struct rt_node		*from, *to;
	const struct route_conf	*rc;
	uint64_t		 latency;	/* us */
	uint32_t		 loss;		/* per RT_LOSS_SCALE */
	uint64_t		 bandwidth;	/* bit/s, 0: unlimited */
	uint64_t		 drop_lo, drop_hi; /* us; hi 0: no RED */
	uint64_t		 busy[2];	/* sender free again, us */
	uint32_t		 mtu;		/* IPv6, 0: none */
};

/* One line of a router's table. */
struct rt_row {
	struct in6_addr		 net;
	int			 plen;
	enum rt_kind		 kind;
	struct rt_link		*link;		/* RT_NET */
	struct rt_tunnel	*tun;		/* RT_TUNNEL */
	const struct route_conf	*rc;
};

enum rt_state {
	RT_UNSEEN,
	RT_WALKING,
	RT_PLACED,
	RT_BAD,
};

struct rt_node {
	RB_ENTRY(rt_node)	 entry;
	struct in6_addr		 addr;
	struct rt_row		*rows;		/* longest prefix first */
	size_t			 nrows;
	struct rt_link		*up;		/* from the parent */
	int			 is_entry;
	int			 depth;		/* routers above it */
	enum rt_state		 state;
	const struct route_conf	*first;		/* where it first appears */
};
RB_HEAD(rt_nodes, rt_node);

struct rt_entry {
	struct rt_node		*node;
	int			 has_net;
	int			 v6;		/* its family's default */
	struct in6_addr		 net;
	int			 plen;
	const struct route_conf	*rc;
};

/* A tunnel: its router, the remote network and both ends. */
struct rt_tunnel {
	struct rt_node		*node;
	struct in6_addr		 net;		/* IPv4-mapped */
	int			 plen;
	uint32_t		 local, remote;
};

struct router_topo {
	struct rt_nodes		 nodes;
	struct rt_entry		*entries;
	size_t			 nentries;
	struct rt_tunnel	*tunnels;
	size_t			 ntunnels;
};

/* The result of a walk. */
struct rt_path {
	enum rt_end		 end;
	struct rt_node		*at;		/* where it ended */
	struct rt_link		*links[RT_MAX_DEPTH];
	int			 nlinks;
	int			 hops;		/* routers that forwarded it */
	int			 ttl;		/* as it arrives at "at" */
	const struct rt_row	*row;		/* RT_TUNNELED: the tunnel's */
	uint32_t		 mtu;		/* RT_TOOBIG: the link's */
};

/* An answer's way from a host up and down the tree to a tunnel. */
struct rt_way {
	struct rt_link		*links[2 * RT_MAX_DEPTH];
	int			 dirs[2 * RT_MAX_DEPTH];
	int			 nlinks;
	int			 hops;
};

/* RFC 2784: the C bit, bits 1-5 (RFC 1701's R, K, S, s, Recur), version. */
#define GRE_F_CSUM		0x8000
#define GRE_F_1701		0x7c00
#define GRE_VERSION		0x0007
#define GRE_HDR_LEN		4
#define GRE_CSUM_LEN		4	/* checksum, reserved1 */
#define GRE_ENCAP_LEN		(IP_HDR_LEN + GRE_HDR_LEN)
#define GRE_TTL			64

/* A packet held until the topology would have delivered it. */
struct rt_held {
	RB_ENTRY(rt_held)	 entry;
	uint64_t		 due, seq;	/* us; seq keeps FIFO order */
	int			 out;		/* to the wire, else arriving */
	enum rt_end		 end;
	struct in6_addr		 at;
	uint32_t		 mtu;		/* RT_TOOBIG */
	size_t			 len, hlen, l4len;
	uint8_t			 pkt[];
};
RB_HEAD(rt_helds, rt_held);

static int	 rt_node_cmp(struct rt_node *, struct rt_node *);
static int	 rt_held_cmp(struct rt_held *, struct rt_held *);
static int	 router_is_ext(const struct honeyd_config *,
		    const struct in6_addr *);
RB_GENERATE_STATIC(rt_nodes, rt_node, entry, rt_node_cmp)
RB_GENERATE_STATIC(rt_helds, rt_held, entry, rt_held_cmp)

static struct rt_helds	 rt_held = RB_INITIALIZER(&rt_held);
static size_t		 rt_nheld, rt_held_bytes;
static uint64_t		 rt_seq;
static struct event	*rt_ev;
static int		 rt_tfd = -1;

static void	 rt_error(const struct route_conf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 rt_ext_error(const struct ext_bind *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 rt_fire(int, short, void *);
static void	 rt_release(struct rt_held *);
static int	 rt_ext_check(const struct honeyd_config *,
		    const struct router_topo *);
static int	 rt_walk(const struct router_topo *, const struct in6_addr *,
		    int, struct rt_path *);

static int
rt_node_cmp(struct rt_node *a, struct rt_node *b)
{
	return (memcmp(&a->addr, &b->addr, sizeof(a->addr)));
}

static int
rt_held_cmp(struct rt_held *a, struct rt_held *b)
{
	if (a->due != b->due)
		return (a->due < b->due ? -1 : 1);
	return (a->seq < b->seq ? -1 : a->seq > b->seq);
}

/*
 * Both families walk the same trees: an IPv4 address is kept as its
 * IPv4-mapped IPv6 one (::ffff:a.b.c.d, RFC 4291 2.5.5.2) and an IPv4
 * network as a prefix 96 bits longer.  The parser keeps the families
 * apart (no route mixes them, none names a mapped address), so every
 * tree is of one family and the two never meet.
 */
#define RT_V4_PLEN		96

static void
rt_v4(uint32_t a, struct in6_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = out->s6_addr[11] = 0xff;
	a = htonl(a);
	memcpy(&out->s6_addr[12], &a, sizeof(a));
}

static int
rt_is_v4(const struct in6_addr *a)
{
	return (IN6_IS_ADDR_V4MAPPED(a));
}

static uint32_t
rt_v4_of(const struct in6_addr *a)
{
	uint32_t	 v;

	memcpy(&v, &a->s6_addr[12], sizeof(v));
	return (ntohl(v));
}

static int
rt_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return (memcmp(a, b, sizeof(*a)) == 0);
}

/* A statement's router, network and gateway, as the trees keep them. */
static void
rt_conf_router(const struct route_conf *r, struct in6_addr *a)
{
	if (r->v6)
		*a = r->router6;
	else
		rt_v4(r->router, a);
}

static void
rt_conf_net(const struct route_conf *r, struct in6_addr *net, int *plen)
{
	if (r->v6) {
		*net = r->net6;
		*plen = r->plen6;
		return;
	}
	rt_v4(r->net & r->mask, net);
	*plen = RT_V4_PLEN + addr_masklen(r->mask);
}

static void
rt_conf_gw(const struct route_conf *r, struct in6_addr *a)
{
	if (r->v6)
		*a = r->gw6;
	else
		rt_v4(r->gw, a);
}

/* An address as its family writes it: IPv4 dotted. */
static const char *
rt_fmt(const struct in6_addr *a, char *buf, size_t size)
{
	if (rt_is_v4(a))
		return (addr_fmt(rt_v4_of(a), buf, size));
	return (addr6_fmt(a, buf, size));
}

/* An address, in one of two static buffers. */
static const char *
rt_addr(const struct in6_addr *a)
{
	static char	 buf[2][INET6_ADDRSTRLEN];
	static int	 i;

	i = !i;
	return (rt_fmt(a, buf[i], sizeof(buf[i])));
}

static const char *
rt_addr4(uint32_t a)
{
	struct in6_addr	 m;

	rt_v4(a, &m);
	return (rt_addr(&m));
}

/* "198.18.1.0/24", "2001:db8:1::/48", in one of two static buffers. */
static const char *
rt_net(const struct in6_addr *net, int plen)
{
	static char	 buf[2][INET6_ADDRSTRLEN + 8];
	static int	 i;
	char		 a[INET6_ADDRSTRLEN];

	i = !i;
	snprintf(buf[i], sizeof(buf[i]), "%s/%d", rt_fmt(net, a, sizeof(a)),
	    rt_is_v4(net) ? plen - RT_V4_PLEN : plen);
	return (buf[i]);
}

/* Errors name the statement as the parser's do: "file:line: msg". */
static void
rt_error(const struct route_conf *r, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_diag("%s:%d: %s", r->file != NULL ? r->file : "config",
	    r->lineno, msg);
}

static void
rt_ext_error(const struct ext_bind *e, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_diag("%s:%d: bind %s to %s: %s", e->file != NULL ? e->file :
	    "config", e->lineno, rt_addr4(e->addr), e->iface, msg);
}

/* Building and checking the trees. */

static struct rt_node *
rt_find(const struct router_topo *t, const struct in6_addr *addr)
{
	struct rt_node	 key;

	key.addr = *addr;
	return (RB_FIND(rt_nodes, &((struct router_topo *)t)->nodes, &key));
}

static struct rt_node *
rt_node_get(struct router_topo *t, const struct in6_addr *addr,
    const struct route_conf *r)
{
	struct rt_node	*n;

	if ((n = rt_find(t, addr)) != NULL)
		return (n);
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		rt_error(r, "out of memory");
		return (NULL);
	}
	n->addr = *addr;
	n->first = r;
	RB_INSERT(rt_nodes, &t->nodes, n);
	return (n);
}

static int
rt_add_entry(struct router_topo *t, const struct route_conf *r)
{
	struct rt_entry	*e, *ne;
	struct in6_addr	 router, net;
	int		 has_net = (r->flags & ROUTE_F_NETWORK) != 0, plen = 0;
	size_t		 i;

	rt_conf_router(r, &router);
	memset(&net, 0, sizeof(net));
	if (has_net)
		rt_conf_net(r, &net, &plen);
	for (i = 0; i < t->nentries; i++) {
		e = &t->entries[i];
		if (rt_eq(&e->node->addr, &router)) {
			rt_error(r, "route entry %s given twice (line %d)",
			    rt_addr(&router), e->rc->lineno);
			return (-1);
		}
		/* One entry without network per family. */
		if (!has_net && !e->has_net && e->v6 == r->v6) {
			rt_error(r, "route entry %s: a second entry without "
			    "network (the first is %s, line %d)",
			    rt_addr(&router), rt_addr(&e->node->addr),
			    e->rc->lineno);
			return (-1);
		}
		if (has_net && e->has_net && rt_eq(&e->net, &net) &&
		    e->plen == plen) {
			rt_error(r, "route entry %s: network %s already "
			    "enters at %s (line %d)", rt_addr(&router),
			    rt_net(&net, plen), rt_addr(&e->node->addr),
			    e->rc->lineno);
			return (-1);
		}
	}
	if ((ne = reallocarray(t->entries, t->nentries + 1,
	    sizeof(*ne))) == NULL) {
		rt_error(r, "out of memory");
		return (-1);
	}
	t->entries = ne;
	e = &t->entries[t->nentries];
	memset(e, 0, sizeof(*e));
	if ((e->node = rt_node_get(t, &router, r)) == NULL)
		return (-1);
	t->nentries++;
	e->node->is_entry = 1;
	e->has_net = has_net;
	e->v6 = r->v6;
	e->net = net;
	e->plen = plen;
	e->rc = r;
	return (0);
}

/* The edge "route A add net NET G ...": G's one way in. */
static struct rt_link *
rt_add_link(struct router_topo *t, struct rt_node *from,
    const struct route_conf *r)
{
	struct rt_node	*to;
	struct rt_link	*l;
	struct in6_addr	 gw;

	rt_conf_gw(r, &gw);
	if (rt_eq(&gw, &from->addr)) {
		rt_error(r, "gateway %s is the router itself", rt_addr(&gw));
		return (NULL);
	}
	if ((to = rt_node_get(t, &gw, r)) == NULL)
		return (NULL);
	if (to->is_entry) {
		rt_error(r, "gateway %s is a route entry: the topology must "
		    "be a tree", rt_addr(&gw));
		return (NULL);
	}
	/* Several networks may share a gateway, but not two parents. */
	if (to->up != NULL && to->up->from != from) {
		rt_error(r, "gateway %s is already reached from %s (line %d): "
		    "the topology must be a tree", rt_addr(&gw),
		    rt_addr(&to->up->from->addr), to->up->rc->lineno);
		return (NULL);
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		rt_error(r, "out of memory");
		return (NULL);
	}
	l->from = from;
	l->to = to;
	l->rc = r;
	l->latency = (uint64_t)r->latency * 1000;
	l->loss = (uint32_t)(r->loss * (RT_LOSS_SCALE / 100) + 0.5);
	l->bandwidth = r->bandwidth;
	if (r->flags & ROUTE_F_DROP) {
		l->drop_lo = (uint64_t)r->drop_lo * 1000;
		l->drop_hi = (uint64_t)r->drop_hi * 1000;
	}
	if (r->flags & ROUTE_F_MTU)
		l->mtu = r->mtu;
	if (to->up == NULL)
		to->up = l;
	return (l);
}

static int
rt_add_row(struct router_topo *t, const struct route_conf *r)
{
	struct rt_node	*n;
	struct rt_row	*row;
	struct in6_addr	 router, net;
	int		 plen;
	size_t		 i;

	rt_conf_router(r, &router);
	rt_conf_net(r, &net, &plen);
	if ((n = rt_node_get(t, &router, r)) == NULL)
		return (-1);
	for (i = 0; i < n->nrows; i++)
		if (rt_eq(&n->rows[i].net, &net) && n->rows[i].plen == plen) {
			rt_error(r, "router %s: %s is already in its table "
			    "(line %d)", rt_addr(&router), rt_net(&net, plen),
			    n->rows[i].rc->lineno);
			return (-1);
		}
	if ((row = reallocarray(n->rows, n->nrows + 1, sizeof(*row))) == NULL) {
		rt_error(r, "out of memory");
		return (-1);
	}
	n->rows = row;
	row = &n->rows[n->nrows];
	memset(row, 0, sizeof(*row));
	row->net = net;
	row->plen = plen;
	row->rc = r;
	switch (r->kind) {
	case ROUTE_LINK:
		row->kind = RT_LINK;
		break;
	case ROUTE_UNREACH:
		row->kind = RT_UNREACH;
		break;
	case ROUTE_TUNNEL:
		row->kind = RT_TUNNEL;
		break;
	default:
		row->kind = RT_NET;
		if ((row->link = rt_add_link(t, n, r)) == NULL)
			return (-1);
		break;
	}
	n->nrows++;
	return (0);
}

/* Mark the chain from n up to (not including) stop. */
static void
rt_settle(struct rt_node *n, struct rt_node *stop, int ok)
{
	struct rt_node	*m;
	int		 len = 0;

	for (m = n; m != stop; m = m->up->from)
		len++;
	for (m = n; m != stop; m = m->up->from, len--) {
		m->state = ok ? RT_PLACED : RT_BAD;
		m->depth = ok ? stop->depth + len : 0;
		if (ok && m->depth == RT_MAX_DEPTH + 1)
			rt_error(m->up->rc, "router %s is more than %d "
			    "routers deep", rt_addr(&m->addr), RT_MAX_DEPTH);
	}
}

/*
 * Follow n's parents to an entry.  Reports the first router of a chain
 * that no entry reaches, and a chain that comes back to itself, once.
 * Returns the number of errors.
 */
static int
rt_place(struct rt_node *n)
{
	struct rt_node	*m, *k;
	int		 errs = 0, ok;

	for (m = n; m->state == RT_UNSEEN && !m->is_entry && m->up != NULL;
	    m = m->up->from)
		m->state = RT_WALKING;
	if (m->state == RT_WALKING) {
		rt_error(m->up->rc, "routing loop through %s: the topology "
		    "must be a tree", rt_addr(&m->addr));
		for (k = m->up->from; k != m; k = k->up->from)
			k->state = RT_BAD;
		m->state = RT_BAD;
		errs++;
	} else if (m->state == RT_UNSEEN && m->is_entry) {
		m->state = RT_PLACED;
		m->depth = 0;
	} else if (m->state == RT_UNSEEN) {
		rt_error(m->first, "router %s is not reachable from a route "
		    "entry", rt_addr(&m->addr));
		m->state = RT_BAD;
		errs++;
	}
	ok = m->state == RT_PLACED;
	rt_settle(n, m, ok);
	if (ok && n->depth > RT_MAX_DEPTH)
		errs++;
	return (errs);
}

/* Statements in order first, so errors come out by line number. */
static int
rt_check_tree(struct router_topo *t, const struct honeyd_config *conf)
{
	const struct route_conf	*r;
	struct rt_node		*n;
	struct in6_addr		 a;
	int			 errs = 0;

	TAILQ_FOREACH(r, &conf->routes, entry) {
		rt_conf_router(r, &a);
		if ((n = rt_find(t, &a)) != NULL && n->state == RT_UNSEEN)
			errs += rt_place(n);
	}
	RB_FOREACH(n, rt_nodes, &t->nodes)
		if (n->state == RT_UNSEEN)
			errs += rt_place(n);
	return (errs);
}

static int
rt_row_cmp(const void *a, const void *b)
{
	const struct rt_row	*x = a, *y = b;

	if (x->plen != y->plen)
		return (x->plen > y->plen ? -1 : 1);
	return (memcmp(&x->net, &y->net, sizeof(x->net)));
}

/* The tunnels, once the rows have their final places. */
static int
rt_tunnels(struct router_topo *t)
{
	struct rt_node		*n;
	struct rt_tunnel	*tun;
	size_t			 i, count = 0;

	RB_FOREACH(n, rt_nodes, &t->nodes)
		for (i = 0; i < n->nrows; i++)
			count += n->rows[i].kind == RT_TUNNEL;
	if (count == 0)
		return (0);
	if ((t->tunnels = calloc(count, sizeof(*t->tunnels))) == NULL)
		return (-1);
	RB_FOREACH(n, rt_nodes, &t->nodes)
		for (i = 0; i < n->nrows; i++) {
			if (n->rows[i].kind != RT_TUNNEL)
				continue;
			tun = &t->tunnels[t->ntunnels++];
			tun->node = n;
			tun->net = n->rows[i].net;
			tun->plen = n->rows[i].plen;
			tun->local = n->rows[i].rc->gw;
			tun->remote = n->rows[i].rc->tunnel_dst;
			n->rows[i].tun = tun;
		}
	return (0);
}

/*
 * Build conf's routing trees from its route statements and check that
 * they are trees.  Errors go to log_diag() as "file:line: message"; then
 * conf->topo stays NULL and the result is -1.
 */
int
router_build(struct honeyd_config *conf)
{
	struct router_topo	*t;
	const struct route_conf	*r;
	struct rt_node		*n;
	int			 errs = 0;

	conf->topo = NULL;
	if (TAILQ_EMPTY(&conf->routes))
		return (rt_ext_check(conf, NULL) > 0 ? -1 : 0);
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rt_error(TAILQ_FIRST(&conf->routes), "out of memory");
		return (-1);
	}
	RB_INIT(&t->nodes);
	TAILQ_FOREACH(r, &conf->routes, entry)
		if (r->kind == ROUTE_ENTRY && rt_add_entry(t, r) == -1)
			errs++;
	TAILQ_FOREACH(r, &conf->routes, entry)
		if (r->kind != ROUTE_ENTRY && rt_add_row(t, r) == -1)
			errs++;
	if (errs == 0)
		errs = rt_check_tree(t, conf);
	if (errs > 0) {
		router_free(t);
		return (-1);
	}
	RB_FOREACH(n, rt_nodes, &t->nodes)
		if (n->nrows > 1)
			qsort(n->rows, n->nrows, sizeof(*n->rows), rt_row_cmp);
	if (rt_tunnels(t) == -1) {
		rt_error(TAILQ_FIRST(&conf->routes), "out of memory");
		router_free(t);
		return (-1);
	}
	if (rt_ext_check(conf, t) > 0) {
		router_free(t);
		return (-1);
	}
	conf->topo = t;
	return (0);
}

/*
 * Every "bind A to IFACE" must name a host of the topology: an address
 * a router delivers to, not a router, not bound to a template too (the
 * template would never see a packet).  The number of errors.
 */
static int
rt_ext_check(const struct honeyd_config *conf, const struct router_topo *t)
{
	const struct ext_bind	*e;
	const struct bind	*b;
	struct rt_path		 p;
	struct in6_addr		 a;
	int			 errs = 0;

	TAILQ_FOREACH(e, &conf->ext_binds, entry) {
		rt_v4(e->addr, &a);
		if (t != NULL && rt_find(t, &a) != NULL) {
			rt_ext_error(e, "%s is a router of the topology",
			    rt_addr(&a));
			errs++;
		} else if (!rt_walk(t, &a, -1, &p) ||
		    p.end != RT_DELIVER) {
			rt_ext_error(e, "no route of the topology leads to "
			    "%s", rt_addr(&a));
			errs++;
		} else if ((b = config_find_bind(conf, e->addr)) != NULL) {
			rt_ext_error(e, "%s is bound to template \"%s\" as "
			    "well", rt_addr(&a), b->tmpl->name);
			errs++;
		}
	}
	return (errs);
}

/* Whether addr is a "bind A to IFACE" machine of conf (IPv4 only). */
static int
router_is_ext(const struct honeyd_config *conf, const struct in6_addr *a)
{
	const struct ext_bind	*e;
	uint32_t		 addr;

	if (conf == NULL || !rt_is_v4(a))
		return (0);
	addr = rt_v4_of(a);
	TAILQ_FOREACH(e, &conf->ext_binds, entry)
		if (e->addr == addr)
			return (1);
	return (0);
}

/* The router whose link or route delivers to addr; 0: none. */
uint32_t
router_ext_gateway(const struct honeyd_config *conf, uint32_t addr)
{
	struct rt_path	 p;
	struct in6_addr	 a;

	rt_v4(addr, &a);
	if (!rt_walk(conf->topo, &a, -1, &p) || p.end != RT_DELIVER ||
	    p.at == NULL || rt_eq(&p.at->addr, &a))
		return (0);
	return (rt_v4_of(&p.at->addr));
}

void
router_free(struct router_topo *t)
{
	struct rt_node	*n;
	size_t		 i;

	if (t == NULL)
		return;
	while ((n = RB_MIN(rt_nodes, &t->nodes)) != NULL) {
		RB_REMOVE(rt_nodes, &t->nodes, n);
		for (i = 0; i < n->nrows; i++)
			free(n->rows[i].link);
		free(n->rows);
		free(n);
	}
	free(t->entries);
	free(t->tunnels);
	free(t);
}

/* Walking a tree. */

/* The entry a packet for dst comes in by; NULL: not ours to route. */
static const struct rt_entry *
rt_entry_for(const struct router_topo *t, const struct in6_addr *dst)
{
	const struct rt_entry	*e, *best = NULL, *dflt = NULL;
	size_t			 i;
	int			 v6 = !rt_is_v4(dst);

	for (i = 0; i < t->nentries; i++) {
		e = &t->entries[i];
		if (rt_eq(&e->node->addr, dst))
			return (e);
		if (!e->has_net) {
			if (e->v6 == v6)
				dflt = e;
		} else if (addr6_in_net(dst, &e->net, e->plen) &&
		    (best == NULL || e->plen > best->plen))
			best = e;
	}
	return (best != NULL ? best : dflt);
}

/* A gateway is reached by its own address, then longest prefix. */
static const struct rt_row *
rt_match(const struct rt_node *n, const struct in6_addr *dst)
{
	size_t	 i;

	for (i = 0; i < n->nrows; i++)
		if (n->rows[i].kind == RT_NET &&
		    rt_eq(&n->rows[i].link->to->addr, dst))
			return (&n->rows[i]);
	for (i = 0; i < n->nrows; i++)
		if (addr6_in_net(dst, &n->rows[i].net, n->rows[i].plen))
			return (&n->rows[i]);
	return (NULL);
}

/*
 * The way from router start down to dst; "ours": dst is the topology's
 * even if start has no route for it.  ttl -1 walks without spending
 * TTL (the way back of an answer).  0: dst is not in the topology.
 */
static int
rt_walk_from(struct rt_node *start, int ours, const struct in6_addr *dst,
    int ttl, struct rt_path *p)
{
	const struct rt_row	*row = NULL;
	struct rt_node		*n;

	memset(p, 0, sizeof(*p));
	for (n = start; !rt_eq(&n->addr, dst); n = row->link->to) {
		p->at = n;
		p->ttl = ttl;
		if ((row = rt_match(n, dst)) == NULL) {
			if (n == start && !ours)
				return (0);
			p->end = RT_NOROUTE;
			return (1);
		}
		if (row->kind == RT_UNREACH) {
			p->end = RT_NOROUTE;
			return (1);
		}
		if (ttl != -1 && ttl <= 1) {
			p->end = RT_EXPIRED;
			return (1);
		}
		if (ttl != -1)
			ttl--;
		p->hops++;
		if (row->kind == RT_TUNNEL) {
			/* The router sends it on: its TTL is spent. */
			p->end = RT_TUNNELED;
			p->row = row;
			p->ttl = ttl;
			return (1);
		}
		if (row->kind == RT_LINK)
			break;
		/* The tree check bounds the depth; this keeps it so. */
		if (p->nlinks == RT_MAX_DEPTH)
			return (0);
		p->links[p->nlinks++] = row->link;
	}
	p->end = RT_DELIVER;
	p->at = n;		/* the destination, or the router linking it */
	p->ttl = ttl;
	return (1);
}

/*
 * The way from the entry dst comes in by; only its own network is ours.
 * On 0, p is left alone: every packet asks, and most are for no
 * topology (rt_walk_from() clears the half KB of p when it walks).
 */
static int
rt_walk(const struct router_topo *t, const struct in6_addr *dst, int ttl,
    struct rt_path *p)
{
	const struct rt_entry	*e;

	if (t == NULL || (e = rt_entry_for(t, dst)) == NULL)
		return (0);
	return (rt_walk_from(e->node, e->has_net, dst, ttl, p));
}

/* Link behaviour. */

static uint64_t
rt_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* Each link crossed draws its own loss: the losses compound. */
static int
rt_lost(const struct rt_path *p)
{
	int	 i;

	for (i = 0; i < p->nlinks; i++)
		if (p->links[i]->loss > 0 &&
		    arc4random_uniform(RT_LOSS_SCALE) < p->links[i]->loss)
			return (1);
	return (0);
}

/* Random early drop on q us of queueing; a full queue drops all. */
static int
rt_red(const struct rt_link *l, uint64_t q)
{
	uint64_t	 span;

	if (l->drop_hi == 0)
		return (q >= RT_QUEUE_MAX_US);
	if (q <= l->drop_lo)
		return (0);
	if (q >= l->drop_hi)
		return (1);
	span = l->drop_hi - l->drop_lo;
	return (arc4random_uniform(RT_LOSS_SCALE) <
	    (q - l->drop_lo) * RT_LOSS_SCALE / span);
}

/*
 * Take len bytes over one link, starting at *t (us): queue behind what
 * the link is still sending, serialize, propagate.  -1: dropped.
 */
static int
rt_cross(struct rt_link *l, int dir, size_t len, uint64_t *t)
{
	uint64_t	 busy = l->busy[dir], q;

	if (l->bandwidth > 0) {
		q = busy > *t ? busy - *t : 0;
		if (rt_red(l, q))
			return (-1);
		*t = (busy > *t ? busy : *t) +
		    (uint64_t)len * 8 * 1000000 / l->bandwidth;
		l->busy[dir] = *t;
	}
	*t += l->latency;
	return (0);
}

/* How long the path takes for len bytes going dir; -1: dropped. */
static int
rt_delay(struct rt_path *p, int dir, size_t len, uint64_t now,
    uint64_t *delay)
{
	uint64_t	 t = now;
	int		 i, n = p->nlinks;

	for (i = 0; i < n; i++)
		if (rt_cross(p->links[dir == RT_DOWN ? i : n - 1 - i], dir,
		    len, &t) == -1)
			return (-1);
	*delay = t - now;
	return (0);
}

/* Holding packets on the event loop. */

static int
rt_timer_init(void)
{
	if (rt_ev != NULL)
		return (0);
	/*
	 * A timerfd has nanosecond resolution; libevent's own timers
	 * round epoll's timeout up to the next millisecond, too coarse
	 * for latencies a traceroute shows to the tenth of one.
	 */
	rt_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (rt_tfd != -1) {
		rt_ev = event_new(engine->base, rt_tfd, EV_READ | EV_PERSIST,
		    rt_fire, NULL);
		if (rt_ev != NULL && event_add(rt_ev, NULL) == -1) {
			event_free(rt_ev);
			rt_ev = NULL;
		}
	} else
		rt_ev = evtimer_new(engine->base, rt_fire, NULL);
	if (rt_ev == NULL) {
		log_warnx("router: no timer for delayed packets");
		return (-1);
	}
	return (0);
}

static void
rt_timer_arm(void)
{
	struct rt_held		*h;
	struct itimerspec	 its;
	struct timeval		 tv;
	uint64_t		 now, d;

	if ((h = RB_MIN(rt_helds, &rt_held)) == NULL)
		return;
	if (rt_tfd != -1) {
		memset(&its, 0, sizeof(its));
		its.it_value.tv_sec = h->due / 1000000;
		its.it_value.tv_nsec = (h->due % 1000000) * 1000;
		if (timerfd_settime(rt_tfd, TFD_TIMER_ABSTIME, &its,
		    NULL) == -1)
			log_warn("router: timerfd_settime");
		return;
	}
	now = rt_now();
	d = h->due > now ? h->due - now : 0;
	tv.tv_sec = d / 1000000;
	tv.tv_usec = d % 1000000;
	evtimer_add(rt_ev, &tv);
}

/* A copy of a packet to hold; NULL: over the bounds, counted. */
static struct rt_held *
rt_held_new(const void *pkt, size_t len)
{
	struct rt_held	*h;

	if ((h = malloc(sizeof(*h) + len)) == NULL) {
		engine->stats.route_held++;
		return (NULL);
	}
	memset(h, 0, sizeof(*h));
	memcpy(h->pkt, pkt, len);
	h->len = len;
	return (h);
}

/* Hold h for delay us; 0 if it was taken, -1 (and h freed) if not. */
static int
rt_hold(struct rt_held *h, uint64_t now, uint64_t delay)
{
	if (rt_nheld >= RT_HELD_MAX ||
	    rt_held_bytes + h->len > RT_HELD_BYTES || rt_timer_init() == -1) {
		engine->stats.route_held++;
		free(h);
		return (-1);
	}
	h->due = now + delay;
	h->seq = rt_seq++;
	RB_INSERT(rt_helds, &rt_held, h);
	rt_nheld++;
	rt_held_bytes += h->len;
	if (RB_MIN(rt_helds, &rt_held) == h)
		rt_timer_arm();
	return (0);
}

/* Tunnels. */

/* The tunnel whose network holds dst, the longest prefix; or NULL. */
static const struct rt_tunnel *
rt_tunnel_for(const struct router_topo *t, const struct in6_addr *dst)
{
	const struct rt_tunnel	*tun, *best = NULL;
	size_t			 i;

	for (i = 0; i < t->ntunnels; i++) {
		tun = &t->tunnels[i];
		if (addr6_in_net(dst, &tun->net, tun->plen) &&
		    (best == NULL || tun->plen > best->plen))
			best = tun;
	}
	return (best);
}

/*
 * The packet in GRE from the tunnel's local end to its remote one, to
 * hold or send; NULL if it would not fit an IPv4 packet, or no memory
 * (counted).  The inner packet's checksums are the caller's.
 */
static struct rt_held *
rt_gre_encap(const struct rt_tunnel *tun, const void *pkt, size_t len)
{
	struct rt_held	*h;
	struct ip_hdr	*ip;
	uint8_t		*gre;
	int		 sum;

	if (len > HONEYD_MAX_PKT - GRE_ENCAP_LEN ||
	    (h = malloc(sizeof(*h) + GRE_ENCAP_LEN + len)) == NULL) {
		engine->stats.tunnel_drop++;
		return (NULL);
	}
	memset(h, 0, sizeof(*h) + GRE_ENCAP_LEN);
	h->len = GRE_ENCAP_LEN + len;
	h->out = 1;
	ip = (struct ip_hdr *)h->pkt;
	ip->ip_v = 4;
	ip->ip_hl = IP_HDR_LEN / 4;
	ip->ip_len = htons((uint16_t)h->len);
	/* No DF: a large one goes out in fragments (engine_send). */
	ip->ip_id = htons((uint16_t)arc4random());
	ip->ip_ttl = GRE_TTL;
	ip->ip_p = IP_PROTO_GRE;
	ip->ip_src = htonl(tun->local);
	ip->ip_dst = htonl(tun->remote);
	sum = ip_cksum_add(ip, IP_HDR_LEN, 0);
	ip->ip_sum = ip_cksum_carry(sum);
	/* Flags and version 0; the protocol type is IPv4's EtherType. */
	gre = h->pkt + IP_HDR_LEN;
	gre[2] = ETH_TYPE_IP >> 8;
	gre[3] = ETH_TYPE_IP & 0xff;
	memcpy(gre + GRE_HDR_LEN, pkt, len);
	return (h);
}

/* Send h now, or hold it delay us; counts it if it went into a tunnel. */
static void
rt_send_held(struct rt_held *h, uint64_t now, uint64_t delay, int tunneled)
{
	if (delay > 0) {
		if (rt_hold(h, now, delay) == -1)
			return;
	} else {
		rt_release(h);
		free(h);
	}
	if (tunneled)
		engine->stats.tunnel_out++;
}

/* Whether node is one of the routers of the walk p. */
static int
rt_on_path(const struct rt_path *p, const struct rt_node *node)
{
	const struct rt_node	*m;

	if (node->depth > p->nlinks)
		return (0);
	if (node->depth == 0)
		m = p->nlinks > 0 ? p->links[0]->from : p->at;
	else
		m = p->links[node->depth - 1]->to;
	return (m == node);
}

/*
 * The way of an answer from the host p walked to, to router r: up to
 * the lowest router both hang below, then down to r.  Every router on
 * the way but the host itself spends a TTL, r included: it sends the
 * answer on into its tunnel.  -1: r is in another tree.
 */
static int
rt_way_to(const struct rt_path *p, struct rt_node *r, struct rt_way *w)
{
	struct rt_link	*down[RT_MAX_DEPTH];
	struct rt_node	*lca;
	int		 i, l, ndown = 0;

	memset(w, 0, sizeof(*w));
	/* Up from r to the first router of the host's walk. */
	for (lca = r; !rt_on_path(p, lca); lca = lca->up->from) {
		if (lca->up == NULL || ndown == RT_MAX_DEPTH)
			return (-1);
		down[ndown++] = lca->up;
	}
	l = lca->depth;
	for (i = p->nlinks - 1; i >= l; i--) {
		w->links[w->nlinks] = p->links[i];
		w->dirs[w->nlinks++] = RT_UP;
	}
	for (i = ndown - 1; i >= 0; i--) {
		w->links[w->nlinks] = down[i];
		w->dirs[w->nlinks++] = RT_DOWN;
	}
	/* p->hops counts the routers from the entry to the host. */
	w->hops = p->hops - l + ndown;
	return (0);
}

/* How long the way takes for len bytes; -1: dropped by a queue. */
static int
rt_way_delay(struct rt_way *w, size_t len, uint64_t now, uint64_t *delay)
{
	uint64_t	 t = now;
	int		 i;

	for (i = 0; i < w->nlinks; i++)
		if (rt_cross(w->links[i], w->dirs[i], len, &t) == -1)
			return (-1);
	*delay = t - now;
	return (0);
}

/* Never an ICMP error about an ICMP error (RFC 1122 3.2.2). */
static int
rt_icmp_error(const struct ipin *in)
{
	const struct icmp_hdr	*icmp = (const struct icmp_hdr *)in->l4;

	if (in->ip->ip_p != IP_PROTO_ICMP)
		return (0);
	switch (icmp->icmp_type) {
	case ICMP_ECHO:
	case ICMP_ECHOREPLY:
	case ICMP_TSTAMP:
	case ICMP_TSTAMPREPLY:
	case ICMP_INFO:
	case ICMP_INFOREPLY:
	case ICMP_MASK:
	case ICMP_MASKREPLY:
	case ICMP_RTRADVERT:
	case ICMP_RTRSOLICIT:
		return (0);
	}
	return (1);
}

/*
 * Whether router "at" answers the packet in "in" itself, as its template
 * says; in->host and in->tmpl become the router's for the ICMP error.
 */
static int
rt_router_answers(struct ipin *in, uint32_t at)
{
	struct template	*t;
	struct host	*h;

	if (rt_icmp_error(in))
		return (0);
	if ((t = config_lookup(engine->conf, at, in->src, in->ip->ip_p)) == NULL) {
		engine->stats.drop_noaddr++;
		return (0);
	}
	if ((h = host_get(at)) == NULL) {
		engine->stats.drop_nohost++;
		return (0);
	}
	personality_host_update(h, t);
	/* The router, not the destination, is handling this packet. */
	in->host = h;
	in->tmpl = t;
	return (1);
}

/*
 * An IPv6 packet arriving where its walk ended: delivered, or answered
 * by the router it ended at (RFC 4443 3.1-3.3: no route, packet too
 * big with the link's MTU, hop limit exceeded in transit).
 */
static void
rt_arrive6(struct rt_held *h)
{
	struct ip6in	 in;
	struct ip6err	 e;

	memset(&e, 0, sizeof(e));
	switch (h->end) {
	case RT_DELIVER:
		memset(&in, 0, sizeof(in));
		in.pkt = h->pkt;
		in.len = h->len;
		memcpy(&in.src, h->pkt + 8, sizeof(in.src));
		memcpy(&in.dst, h->pkt + 24, sizeof(in.dst));
		in.nxt = h->pkt[6];
		in.l4 = h->pkt + IP6_HDR_LEN;
		in.l4len = h->len - IP6_HDR_LEN;
		ip6_dispatch(&in);
		return;
	case RT_EXPIRED:
		e.type = ICMP6_TIME_EXCEEDED;
		e.code = ICMP6_TIME_EXCEED_TRANSIT;
		break;
	case RT_NOROUTE:
		e.type = ICMP6_DST_UNREACH;
		e.code = ICMP6_DST_UNREACH_NOROUTE;
		break;
	case RT_TOOBIG:
		e.type = ICMP6_PACKET_TOO_BIG;
		e.param = h->mtu;
		break;
	case RT_TUNNELED:
		return;
	}
	ip6_error_from(&h->at, h->pkt, h->len, &e);
}

/* A packet arriving where its walk ended. */
static void
rt_arrive(struct rt_held *h)
{
	struct ipin	 in;
	struct in6_addr	 dst;
	uint32_t	 a, at;

	if ((h->pkt[0] >> 4) == 6) {
		rt_arrive6(h);
		return;
	}
	at = rt_v4_of(&h->at);
	memset(&in, 0, sizeof(in));
	in.ip = (const struct ip_hdr *)h->pkt;
	in.len = h->len;
	in.hlen = h->hlen;
	in.l4 = h->pkt + h->hlen;
	in.l4len = h->l4len;
	memcpy(&a, &in.ip->ip_src, sizeof(a));
	in.src = ntohl(a);
	memcpy(&a, &in.ip->ip_dst, sizeof(a));
	in.dst = ntohl(a);
	switch (h->end) {
	case RT_DELIVER:
		/* A real machine's: on to the wire, as the routers left it. */
		rt_v4(in.dst, &dst);
		if (router_is_ext(engine->conf, &dst)) {
			engine->stats.ext_out++;
			engine_send(h->pkt, h->len);
			break;
		}
		ip_dispatch(&in);
		break;
	case RT_EXPIRED:
		if (rt_router_answers(&in, at))
			icmp_error(&in, in.host, in.tmpl, at, ICMP_TIMEXCEED,
			    ICMP_TIMEXCEED_INTRANS);
		break;
	case RT_NOROUTE:
		if (rt_router_answers(&in, at))
			icmp_error(&in, in.host, in.tmpl, at, ICMP_UNREACH,
			    ICMP_UNREACH_NET);
		break;
	case RT_TOOBIG:
		if (rt_router_answers(&in, at))
			icmp_error_needfrag(&in, in.host, in.tmpl, at,
			    (uint16_t)h->mtu);
		break;
	case RT_TUNNELED:
		break;
	}
}

static void
rt_release(struct rt_held *h)
{
	if (!h->out)
		rt_arrive(h);
	else if ((h->pkt[0] >> 4) == 6)
		ip6_send(h->pkt, h->len);
	else
		engine_send(h->pkt, h->len);
}

static void
rt_fire(int fd, short event, void *arg)
{
	struct rt_held	*h;
	uint64_t	 now, expirations;

	if (rt_tfd != -1 && read(rt_tfd, &expirations,
	    sizeof(expirations)) == -1 && errno != EAGAIN)
		log_warn("router: timerfd read");
	now = rt_now();
	while ((h = RB_MIN(rt_helds, &rt_held)) != NULL && h->due <= now) {
		RB_REMOVE(rt_helds, &rt_held, h);
		rt_nheld--;
		rt_held_bytes -= h->len;
		rt_release(h);
		free(h);
	}
	rt_timer_arm();
}

/* Drop every packet held: at exit, and between a fuzzer's inputs. */
void
router_flush(void)
{
	struct rt_held	*h;

	while ((h = RB_MIN(rt_helds, &rt_held)) != NULL) {
		RB_REMOVE(rt_helds, &rt_held, h);
		free(h);
	}
	rt_nheld = 0;
	rt_held_bytes = 0;
}

/*
 * A link's MTU.  IPv6 routers never fragment (RFC 8200 5), nor do IPv4
 * ones a packet with DF set (RFC 1191): the walk of such a packet of
 * len bytes (stoppable) ends before the first link on its way whose
 * MTU it is over, at the router that would send it there, which
 * answers packet too big or fragmentation needed.  That router checks
 * the TTL first, but a TTL that runs out later is never reached.  A
 * tunnel takes RT_TUNNEL_MTU, as a GRE interface over a 1500-byte link
 * does.  An IPv4 router fragments any other packet, and its
 * destination reassembles it: it crosses, whole.
 */
static void
rt_mtu_cut(struct rt_path *p, size_t len, int stoppable)
{
	int	 i;

	if (!stoppable)
		return;
	for (i = 0; i < p->nlinks; i++)
		if (p->links[i]->mtu != 0 && len > p->links[i]->mtu)
			break;
	if (i < p->nlinks) {
		p->mtu = p->links[i]->mtu;
		p->at = p->links[i]->from;
	} else if (p->end == RT_TUNNELED && len > RT_TUNNEL_MTU)
		p->mtu = RT_TUNNEL_MTU;		/* at the tunnel's router */
	else
		return;
	p->end = RT_TOOBIG;
	p->ttl += p->hops - i;		/* i routers forwarded it */
	p->hops = i;
	p->nlinks = i;
}

/* The TTL or hop limit as the routers on the way left it. */
static void
rt_set_ttl(uint8_t *pkt, size_t hlen, int ttl)
{
	struct ip_hdr	*ip = (struct ip_hdr *)pkt;
	int		 sum;

	if ((pkt[0] >> 4) == 6) {
		pkt[7] = (uint8_t)ttl;
		return;
	}
	ip->ip_ttl = (uint8_t)ttl;
	ip->ip_sum = 0;
	sum = ip_cksum_add(ip, hlen, 0);
	ip->ip_sum = ip_cksum_carry(sum);
}

/*
 * A packet (len bytes, its IP header hlen, hlen + l4len of IPv4) on its
 * walk p: lost, queued, or on its way to where the walk ends, maybe
 * later; into a tunnel in GRE.
 */
static void
rt_enter(const uint8_t *pkt, size_t len, size_t hlen, size_t l4len,
    struct rt_path *p)
{
	struct rt_held	*h, *g;
	uint64_t	 now, delay;

	engine->stats.route_in++;
	rt_mtu_cut(p, len, (pkt[0] >> 4) == 6 || (pkt[6] & (IP_DF >> 8)));
	if (rt_lost(p)) {
		engine->stats.route_loss++;
		return;
	}
	now = rt_now();
	if (rt_delay(p, RT_DOWN, len, now, &delay) == -1) {
		engine->stats.route_queue++;
		return;
	}
	if ((h = rt_held_new(pkt, len)) == NULL)
		return;
	h->end = p->end;
	h->at = p->at->addr;
	h->mtu = p->mtu;
	h->hlen = hlen;
	h->l4len = l4len;
	rt_set_ttl(h->pkt, hlen, p->ttl);
	if (p->end == RT_TUNNELED) {
		g = rt_gre_encap(p->row->tun, h->pkt, h->len);
		free(h);
		if (g != NULL)
			rt_send_held(g, now, delay, 1);
		return;
	}
	rt_send_held(h, now, delay, 0);
}

/*
 * The dispatcher's hook: 0 if the packet is not for the topology, 1 if
 * the topology took it (answered, dropped, or held to arrive later).
 */
int
router_input(struct ipin *in)
{
	struct rt_path	 p;
	struct in6_addr	 dst;

	if (engine->conf == NULL || engine->conf->topo == NULL)
		return (0);
	rt_v4(in->dst, &dst);
	if (!rt_walk(engine->conf->topo, &dst, in->ip->ip_ttl, &p))
		return (0);
	rt_enter((const uint8_t *)in->ip, in->len, in->hlen, in->l4len, &p);
	return (1);
}

/* The same for IPv6 (ip6_input()): the hop limit is its TTL. */
int
router_input6(struct ip6in *in)
{
	struct rt_path	 p;

	if (engine->conf == NULL || engine->conf->topo == NULL ||
	    !rt_walk(engine->conf->topo, &in->dst, in->pkt[7], &p))
		return (0);
	rt_enter(in->pkt, in->len, IP6_HDR_LEN, in->l4len, &p);
	return (1);
}

/*
 * The GRE header of in (RFC 2784): its length, or -1 if it is none we
 * take: a version but 0, RFC 1701's key, sequence or routing, a payload
 * but IPv4, a bad checksum, or too short.
 */
static int
rt_gre_check(const struct ipin *in)
{
	const uint8_t	*g = in->l4;
	uint16_t	 flags, proto;
	int		 sum;

	if (in->l4len < GRE_HDR_LEN)
		return (-1);
	flags = (uint16_t)(g[0] << 8 | g[1]);
	proto = (uint16_t)(g[2] << 8 | g[3]);
	if ((flags & (GRE_VERSION | GRE_F_1701)) != 0 || proto != ETH_TYPE_IP)
		return (-1);
	if ((flags & GRE_F_CSUM) == 0)
		return (GRE_HDR_LEN);
	if (in->l4len < GRE_HDR_LEN + GRE_CSUM_LEN)
		return (-1);
	sum = ip_cksum_add(g, in->l4len, 0);
	if (ip_cksum_carry(sum) != 0)
		return (-1);
	return (GRE_HDR_LEN + GRE_CSUM_LEN);
}

/*
 * ip_input()'s hook for GRE: 0 if the packet is for no tunnel's local
 * end (the dispatcher drops it as any other protocol), 1 if a tunnel
 * took it.  Its inner packet passes the checks of every packet, must
 * come from a network of a tunnel between the same two ends, and
 * enters the topology at that tunnel's router.
 */
int
router_tunnel_input(struct ipin *in)
{
	const struct router_topo *t;
	const struct rt_tunnel	*tun, *best = NULL;
	struct ipin		 inner;
	struct rt_path		 p;
	struct in6_addr		 src, dst;
	uint8_t			*whole = NULL;
	size_t			 i;
	int			 ours = 0, hlen, r;

	if (engine->conf == NULL || (t = engine->conf->topo) == NULL)
		return (0);
	for (i = 0; i < t->ntunnels; i++)
		ours |= t->tunnels[i].local == in->dst;
	if (!ours)
		return (0);
	if ((hlen = rt_gre_check(in)) == -1)
		goto drop;
	r = ip_input_inner(in->l4 + hlen, in->l4len - hlen, &inner, &whole);
	if (r == 1)		/* a fragment, held */
		return (1);
	/* GRE in GRE: nothing goes from a tunnel into another. */
	if (r == -1 || inner.ip->ip_p == IP_PROTO_GRE)
		goto drop;
	rt_v4(inner.src, &src);
	rt_v4(inner.dst, &dst);
	for (i = 0; i < t->ntunnels; i++) {
		tun = &t->tunnels[i];
		if (tun->local == in->dst && tun->remote == in->src &&
		    addr6_in_net(&src, &tun->net, tun->plen) &&
		    (best == NULL || tun->plen > best->plen))
			best = tun;
	}
	if (best == NULL) {
		log_debug("router: GRE from %s to %s: no tunnel for %s",
		    rt_addr4(in->src), rt_addr4(in->dst), rt_addr(&src));
		goto drop;
	}
	/* Always ours: what the router has no route for is unreachable. */
	if (!rt_walk_from(best->node, 1, &dst, inner.ip->ip_ttl, &p) ||
	    p.end == RT_TUNNELED)	/* from a tunnel into one: no */
		goto drop;
	engine->stats.tunnel_in++;
	rt_enter((const uint8_t *)inner.ip, inner.len, inner.hlen,
	    inner.l4len, &p);
	free(whole);
	return (1);
 drop:
	engine->stats.tunnel_drop++;
	free(whole);
	return (1);
}

/* An answer for a tunnel's network: up to its router and into it. */
/*
 * The checksums of a packet leaving the topology: all of them for our
 * own; only the IP header's for one forwarded from a real machine (the
 * rest is its sender's, and a fragment has no whole to sum).
 */
static void
rt_cksum(uint8_t *pkt, size_t len, int fwd)
{
	struct ip_hdr	*ip = (struct ip_hdr *)pkt;
	int		 sum;

	if (!fwd) {
		ip_checksum(pkt, len);
		return;
	}
	ip->ip_sum = 0;
	sum = ip_cksum_add(ip, ip->ip_hl * 4, 0);
	ip->ip_sum = ip_cksum_carry(sum);
}

static int
rt_output_tunnel(uint8_t *pkt, size_t len, const struct rt_tunnel *tun,
    struct rt_way *w, int fwd)
{
	struct ip_hdr	*ip = (struct ip_hdr *)pkt;
	struct rt_held	*h;
	uint64_t	 now, delay;

	engine->stats.route_out++;
	if (ip->ip_ttl <= w->hops) {
		engine->stats.route_ttl++;
		return (1);
	}
	ip->ip_ttl -= w->hops;
	now = rt_now();
	if (rt_way_delay(w, len, now, &delay) == -1) {
		engine->stats.route_queue++;
		return (1);
	}
	rt_cksum(pkt, len, fwd);
	if ((h = rt_gre_encap(tun, pkt, len)) != NULL)
		rt_send_held(h, now, delay, 1);
	return (1);
}

/*
 * The source and destination of an IPv4 or IPv6 packet of len bytes,
 * as the trees keep them; where its TTL or hop limit is.  NULL: too
 * short for its header.
 */
static uint8_t *
rt_pkt_addrs(uint8_t *pkt, size_t len, struct in6_addr *src,
    struct in6_addr *dst)
{
	struct ip_hdr	*ip = (struct ip_hdr *)pkt;
	uint32_t	 a;

	if (len >= IP6_HDR_LEN && (pkt[0] >> 4) == 6) {
		memcpy(src, pkt + 8, sizeof(*src));
		memcpy(dst, pkt + 24, sizeof(*dst));
		return (&pkt[7]);
	}
	if (len < IP_HDR_LEN || (pkt[0] >> 4) != 4)
		return (NULL);
	memcpy(&a, &ip->ip_src, sizeof(a));
	rt_v4(ntohl(a), src);
	memcpy(&a, &ip->ip_dst, sizeof(a));
	rt_v4(ntohl(a), dst);
	return (&ip->ip_ttl);
}

/*
 * ip_output()'s and ip6_output()'s hook, after the personality stamped
 * the packet: an answer from inside the topology loses a TTL (a hop)
 * per router on its way out and takes the path's time.  0: send it now
 * (its TTL adjusted); 1: the topology took it (held, or dropped).
 */
int
router_output(uint8_t *pkt, size_t len)
{
	const struct rt_tunnel	*tun;
	struct rt_path		 p;
	struct rt_way		 w;
	struct rt_held		*h;
	struct in6_addr		 src, dst;
	uint64_t		 now, delay;
	uint8_t			*ttl;

	if (engine->conf == NULL || engine->conf->topo == NULL ||
	    (ttl = rt_pkt_addrs(pkt, len, &src, &dst)) == NULL)
		return (0);
	if (!rt_walk(engine->conf->topo, &src, -1, &p) ||
	    p.end != RT_DELIVER)
		return (0);
	/* Tunnels are IPv4's: an IPv6 destination is in none. */
	if ((tun = rt_tunnel_for(engine->conf->topo, &dst)) != NULL &&
	    rt_way_to(&p, tun->node, &w) == 0)
		return (rt_output_tunnel(pkt, len, tun, &w, 0));
	if (p.hops == 0)
		return (0);
	engine->stats.route_out++;
	if (*ttl <= p.hops) {
		engine->stats.route_ttl++;
		return (1);
	}
	*ttl -= p.hops;
	now = rt_now();
	if (rt_delay(&p, RT_UP, len, now, &delay) == -1) {
		engine->stats.route_queue++;
		return (1);
	}
	if (delay == 0)
		return (0);
	/* IPv6 has no header checksum, and its hop limit is in no other. */
	if ((pkt[0] >> 4) == 4)
		ip_checksum(pkt, len);
	if ((h = rt_held_new(pkt, len)) == NULL)
		return (1);
	h->out = 1;
	rt_hold(h, now, delay);
	return (1);
}

/*
 * A packet from the real machine of a "bind A to IFACE" (the parent
 * captured it on IFACE) to an address outside: up from A to the entry,
 * a TTL per router and the path's time, as an answer of a virtual host
 * at A would go; into a tunnel if its network is one's.  Its transport
 * is the machine's business: only the IP header was checked.
 */
void
router_ext_input(uint8_t *pkt, size_t len)
{
	struct ip_hdr		*ip = (struct ip_hdr *)pkt;
	const struct rt_tunnel	*tun;
	struct rt_path		 p;
	struct rt_way		 w;
	struct rt_held		*h;
	struct in6_addr		 src, dst;
	uint64_t		 now, delay;

	if (rt_pkt_addrs(pkt, len, &src, &dst) == NULL ||
	    engine->conf == NULL || !router_is_ext(engine->conf, &src) ||
	    !rt_walk(engine->conf->topo, &src, -1, &p) ||
	    p.end != RT_DELIVER) {
		engine->stats.drop_noaddr++;
		return;
	}
	engine->stats.ext_in++;
	if ((tun = rt_tunnel_for(engine->conf->topo, &dst)) != NULL &&
	    rt_way_to(&p, tun->node, &w) == 0) {
		(void)rt_output_tunnel(pkt, len, tun, &w, 1);
		return;
	}
	engine->stats.route_out++;
	if (ip->ip_ttl <= p.hops) {
		engine->stats.route_ttl++;
		return;
	}
	ip->ip_ttl -= p.hops;
	now = rt_now();
	if (rt_delay(&p, RT_UP, len, now, &delay) == -1) {
		engine->stats.route_queue++;
		return;
	}
	rt_cksum(pkt, len, 1);
	if ((h = rt_held_new(pkt, len)) == NULL)
		return;
	h->out = 1;
	rt_send_held(h, now, delay, 0);
}

/*
 * The way to dst for a packet arriving with ttl, in words: the routers
 * it crosses, where it ends, its hops, latency and compound loss.  A
 * packet of size bytes (0: any) has DF set: a link's MTU may stop it.
 * For the configuration regress's "#? route" queries (config_check).
 */
void
router_describe(const struct honeyd_config *conf, uint32_t dst, int ttl,
    size_t size, char *buf, size_t len)
{
	struct in6_addr	 a;

	rt_v4(dst, &a);
	router_describe6(conf, &a, ttl, size, buf, len);
}

/* The same for an IPv6 destination (or an IPv4-mapped one). */
void
router_describe6(const struct honeyd_config *conf, const struct in6_addr *dst,
    int ttl, size_t size, char *buf, size_t len)
{
	static const char *const ends[] = {
		[RT_DELIVER] = "deliver", [RT_EXPIRED] = "time exceeded",
		[RT_NOROUTE] = "net unreachable", [RT_TUNNELED] = "tunnel",
		[RT_TOOBIG] = "packet too big"
	};
	const char	*end;
	struct rt_path	 p;
	uint64_t	 lat = 0;
	double		 pass = 1;
	int		 i;

	if (!rt_walk(conf->topo, dst, ttl, &p)) {
		snprintf(buf, len, "not routed");
		return;
	}
	if (size > 0)
		rt_mtu_cut(&p, size, 1);
	end = ends[p.end];
	if (p.end == RT_TOOBIG && IN6_IS_ADDR_V4MAPPED(dst))
		end = "fragmentation needed";
	for (i = 0; i < p.nlinks; i++) {
		lat += p.links[i]->latency;
		pass *= 1 - (double)p.links[i]->loss / RT_LOSS_SCALE;
	}
	snprintf(buf, len, "%s", p.nlinks > 0 ?
	    rt_addr(&p.links[0]->from->addr) : rt_addr(&p.at->addr));
	for (i = 0; i < p.nlinks; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), " %s",
		    rt_addr(&p.links[i]->to->addr));
	snprintf(buf + strlen(buf), len - strlen(buf),
	    ": %s%s%s", end, p.end == RT_DELIVER ? "" : " from ",
	    p.end == RT_DELIVER ? "" : rt_addr(&p.at->addr));
	if (p.end == RT_TOOBIG)
		snprintf(buf + strlen(buf), len - strlen(buf), ", mtu %u",
		    p.mtu);
	snprintf(buf + strlen(buf), len - strlen(buf),
	    ", hops %d, latency %llu ms, loss %.4f%%", p.hops,
	    (unsigned long long)lat / 1000, (1 - pass) * 100);
}

/* Packets held in delay queues now (a gauge of stats.c). */
size_t
router_held(void)
{
	return (rt_nheld);
}
