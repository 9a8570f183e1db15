/*
 * Engine: the ports subsystems listen on (subsys.c in the parent says
 * which).  A SYN to a port declared "open" whose template's program
 * listens there becomes a connection relayed to the program
 * (ACTION_SUBSYS); while none listens the port is a plain open one.
 * A UDP port comes with the program's socket: datagrams to the port go
 * on it with a header (subsys.h), and what the program writes there
 * leaves as datagrams from the virtual host it names, if that host is
 * one the program serves, and only to a peer that sent to that host's
 * port in the last SUBLISTEN_PEER_SECS: a program answers, it does not
 * start conversations of its own (an attacker who took it would).  One
 * longer than the link takes leaves in fragments, IPv4's or IPv6's, as
 * the host's own stack would send it.
 * IPv6 goes the same ways: a listen says which families it takes
 * (an AF_INET6 socket bound to :: takes both, as on Linux), and the
 * program sees the addresses of both in the header, IPv4's mapped.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "subsys.h"

#define SUBLISTEN_PEERS		256	/* recent peers of a UDP port */
#define SUBLISTEN_PEER_SECS	120

struct subpeer {
	uint8_t			 raddr[16], laddr[16];	/* as subsys.h's */
	uint16_t		 rport;
	time_t			 when;
};

struct sublisten {
	TAILQ_ENTRY(sublisten)	 entry;
	struct subsys_listen	 l;
	char			*tmpl, *cmd;
	time_t			 since;
	int			 fd;		/* UDP: the program's socket */
	struct event		*ev;
	uint64_t		 dgrams_in, dgrams_out, dgrams_refused;
	struct subpeer		 peers[SUBLISTEN_PEERS];
	size_t			 npeer;		/* next to overwrite */
};
TAILQ_HEAD(sublistens, sublisten);

static struct sublistens	 sublistens =
				    TAILQ_HEAD_INITIALIZER(sublistens);

static void	 sublisten_udp_read(int, short, void *);

static void
sublisten_free(struct sublisten *s)
{
	TAILQ_REMOVE(&sublistens, s, entry);
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->fd != -1)
		close(s->fd);
	free(s->tmpl);
	free(s->cmd);
	free(s);
}

static void
sublisten_add(struct imsg *imsg)
{
	struct sublisten	*s;
	size_t			 len = imsg_get_len(imsg), n;
	const char		*p;
	int			 fd = imsg_get_fd(imsg);

	if (len <= sizeof(s->l) + 1)
		fatalx("engine: short subsystem listen");
	p = (const char *)imsg->data + sizeof(s->l);
	n = len - sizeof(s->l);
	if (p[n - 1] != '\0' || strlen(p) + 1 >= n)
		fatalx("engine: bad subsystem listen");
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->tmpl = strdup(p)) == NULL ||
	    (s->cmd = strdup(p + strlen(p) + 1)) == NULL)
		fatal("sublisten_add");
	memcpy(&s->l, imsg->data, sizeof(s->l));
	s->since = time(NULL);
	s->fd = -1;
	TAILQ_INSERT_TAIL(&sublistens, s, entry);
	if (s->l.proto != IPPROTO_UDP) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (fd == -1)
		fatalx("engine: a UDP subsystem listen without its socket");
	s->fd = fd;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    (s->ev = event_new(engine->base, fd, EV_READ | EV_PERSIST,
	    sublisten_udp_read, s)) == NULL) {
		log_warn("engine: subsystem port %u", s->l.port);
		sublisten_free(s);
		return;
	}
	event_add(s->ev, NULL);
}

static void
sublisten_del(struct imsg *imsg)
{
	struct sublisten	*s;
	uint32_t		 id;

	if (imsg_get_data(imsg, &id, sizeof(id)) == -1)
		fatalx("engine: bad subsystem unlisten");
	TAILQ_FOREACH(s, &sublistens, entry)
		if (s->l.id == id)
			break;
	if (s != NULL)
		sublisten_free(s);
}

void
sublisten_dispatch(struct imsg *imsg)
{
	if (imsg->hdr.type == IMSG_SUBSYS_LISTEN)
		sublisten_add(imsg);
	else
		sublisten_del(imsg);
}

/* Does s take the host at addr (host order) or addr6 (v6)? */
static int
sublisten_takes(const struct sublisten *s, int v6, uint32_t addr,
    const struct in6_addr *addr6)
{
	if (v6)
		return ((s->l.af & SUBSYS_AF6) &&
		    (IN6_IS_ADDR_UNSPECIFIED(&s->l.addr6) ||
		    IN6_ARE_ADDR_EQUAL(&s->l.addr6, addr6)));
	return ((s->l.af & SUBSYS_AF4) && (s->l.addr == 0 ||
	    s->l.addr == addr));
}

static struct sublisten *
sublisten_lookup(const char *tmpl, const struct tuple *tp)
{
	struct sublisten	*s;

	TAILQ_FOREACH(s, &sublistens, entry)
		if (s->l.port == tp->dport && s->l.proto == tp->proto &&
		    sublisten_takes(s, tp->v6, tp->dst, &tp->dst6) &&
		    strcmp(s->tmpl, tmpl) == 0)
			return (s);
	return (NULL);
}

/* 1 if a program of template tmpl listens on TCP port for in's host. */
int
sublisten_find(const char *tmpl, const struct ipin *in, uint16_t port)
{
	struct tuple	 tp;

	memset(&tp, 0, sizeof(tp));
	tp.proto = IPPROTO_TCP;
	tp.v6 = in->v6 != 0;
	tp.dst = in->dst;
	tp.dst6 = in->dst6;
	tp.dport = port;
	return (sublisten_lookup(tmpl, &tp) != NULL);
}

/* The addresses of tp as a datagram's header gives them (subsys.h). */
static void
sublisten_hdr(struct subsys_dgram *h, const struct tuple *tp)
{
	memset(h, 0, sizeof(*h));
	if (tp->v6) {
		memcpy(h->raddr, &tp->src6, sizeof(h->raddr));
		memcpy(h->laddr, &tp->dst6, sizeof(h->laddr));
	} else {
		subsys_map4(h->raddr, htonl(tp->src));
		subsys_map4(h->laddr, htonl(tp->dst));
	}
	h->rport = tp->sport;
	h->lport = tp->dport;
}

static struct subpeer *
sublisten_peer(struct sublisten *s, const struct subsys_dgram *h)
{
	size_t	 i;

	for (i = 0; i < SUBLISTEN_PEERS; i++)
		if (s->peers[i].when != 0 && s->peers[i].rport == h->rport &&
		    memcmp(s->peers[i].raddr, h->raddr, 16) == 0 &&
		    memcmp(s->peers[i].laddr, h->laddr, 16) == 0)
			return (&s->peers[i]);
	return (NULL);
}

static void
sublisten_peer_seen(struct sublisten *s, const struct subsys_dgram *h)
{
	struct subpeer	*p;

	if ((p = sublisten_peer(s, h)) == NULL) {
		p = &s->peers[s->npeer];
		s->npeer = (s->npeer + 1) % SUBLISTEN_PEERS;
		memcpy(p->raddr, h->raddr, sizeof(p->raddr));
		p->rport = h->rport;
		memcpy(p->laddr, h->laddr, sizeof(p->laddr));
	}
	p->when = time(NULL);
}

/*
 * A datagram to an open UDP port: the program's, if it is bound there
 * (1); dropped if its socket is full, as the kernel would.
 */
int
sublisten_udp_input(struct ipin *in, const struct tuple *tp)
{
	struct sublisten	*s;
	struct subsys_dgram	 h;
	struct iovec		 iov[2];
	struct msghdr		 msg;

	if (in->tmpl == NULL ||
	    (s = sublisten_lookup(in->tmpl->name, tp)) == NULL)
		return (0);
	sublisten_hdr(&h, tp);
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = (void *)(uintptr_t)(in->l4 + UDP_HDR_LEN);
	iov[1].iov_len = in->l4len - UDP_HDR_LEN;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if (sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		engine->stats.udp_dropped++;
	else {
		s->dgrams_in++;
		sublisten_peer_seen(s, &h);
	}
	return (1);
}

/* The template the program may send from addr as, or NULL. */
static const struct template *
sublisten_source(const struct sublisten *s, uint32_t addr)
{
	const struct bind	*b;

	if (addr == 0 || (s->l.addr != 0 && addr != s->l.addr) ||
	    (b = config_find_bind(engine->conf, addr)) == NULL ||
	    strcmp(b->tmpl->name, s->tmpl) != 0)
		return (NULL);
	return (b->tmpl);
}

/* The template the program may send from IPv6 addr as, or NULL. */
static const struct template *
sublisten_source6(const struct sublisten *s, const struct in6_addr *addr)
{
	const struct bind6	*b;

	if (!(s->l.af & SUBSYS_AF6) || IN6_IS_ADDR_UNSPECIFIED(addr) ||
	    (!IN6_IS_ADDR_UNSPECIFIED(&s->l.addr6) &&
	    !IN6_ARE_ADDR_EQUAL(addr, &s->l.addr6)) ||
	    (b = config_find_bind6(engine->conf, addr)) == NULL ||
	    strcmp(b->tmpl->name, s->tmpl) != 0)
		return (NULL);
	return (b->tmpl);
}

/* A datagram from the program over IPv6; h checked by the caller. */
static void
sublisten_udp_send6(struct sublisten *s, const struct template *t,
    const struct subsys_dgram *h, const uint8_t *data, size_t len)
{
	static uint8_t		 pkt[IP6_HDR_LEN + UDP_HDR_LEN +
				    SUBSYS_DGRAM_MAX6];
	struct ip6_hdr		*ip6 = (struct ip6_hdr *)pkt;
	struct udp_hdr		*uh = (struct udp_hdr *)(pkt + IP6_HDR_LEN);
	struct in6_addr		 src, dst;
	uint16_t		 sum;

	if (len > SUBSYS_DGRAM_MAX6) {
		engine->stats.udp_dropped++;
		return;
	}
	memcpy(&src, h->laddr, sizeof(src));
	memcpy(&dst, h->raddr, sizeof(dst));
	memset(ip6, 0, IP6_HDR_LEN);
	ip6->ip6_nxt = IP_PROTO_UDP;
	memcpy(&ip6->ip6_src, &src, sizeof(src));
	memcpy(&ip6->ip6_dst, &dst, sizeof(dst));
	udp_pack_hdr(uh, s->l.port, h->rport, UDP_HDR_LEN + len);
	memcpy(uh + 1, data, len);
	uh->uh_sum = 0;
	/* Mandatory over IPv6 (RFC 8200 8.1): zero goes as all ones. */
	if ((sum = ip6_cksum(&src, &dst, IP_PROTO_UDP, uh,
	    UDP_HDR_LEN + len)) == 0)
		sum = 0xffff;
	memcpy(&uh->uh_sum, &sum, sizeof(sum));
	s->dgrams_out++;
	ip6_output(t, pkt, IP6_HDR_LEN + UDP_HDR_LEN + len);
}

/*
 * One datagram from the program: to the peer it names, from the host
 * it names (none: the one the socket is bound to), over the peer's IP.
 */
static void
sublisten_udp_send(struct sublisten *s, const struct subsys_dgram *hp,
    const uint8_t *data, size_t len)
{
	static uint8_t		 pkt[IP_HDR_LEN + UDP_HDR_LEN +
				    SUBSYS_DGRAM_MAX];
	struct udp_hdr		*uh = (struct udp_hdr *)(pkt + IP_HDR_LEN);
	struct subsys_dgram	 h = *hp;
	const struct template	*t;
	struct host		*host;
	struct subpeer		*p;
	struct in6_addr		 src6;
	uint32_t		 src = 0, dst;
	size_t			 plen;
	int			 v6 = !subsys_addr4(h.raddr, &dst);

	if (subsys_addr_any(h.laddr)) {
		if (v6)
			memcpy(h.laddr, &s->l.addr6, sizeof(h.laddr));
		else
			subsys_map4(h.laddr, htonl(s->l.addr));
	}
	memcpy(&src6, h.laddr, sizeof(src6));
	if (!v6 && subsys_addr4(h.laddr, &src))
		src = ntohl(src);
	if ((v6 ? (t = sublisten_source6(s, &src6)) == NULL :
	    (!(s->l.af & SUBSYS_AF4) ||
	    (t = sublisten_source(s, src)) == NULL)) ||
	    (p = sublisten_peer(s, &h)) == NULL ||
	    time(NULL) - p->when > SUBLISTEN_PEER_SECS) {
		s->dgrams_refused++;
		return;
	}
	if (v6) {
		sublisten_udp_send6(s, t, &h, data, len);
		return;
	}
	if (len > SUBSYS_DGRAM_MAX || (host = host_get(src)) == NULL) {
		engine->stats.udp_dropped++;
		return;
	}
	personality_host_update(host, t);
	plen = IP_HDR_LEN + UDP_HDR_LEN + len;
	ip_pack_hdr(pkt, 0, plen, 0, 0, 0, IP_PROTO_UDP, htonl(src), dst);
	udp_pack_hdr(uh, s->l.port, h.rport, UDP_HDR_LEN + len);
	memcpy(uh + 1, data, len);
	s->dgrams_out++;
	ip_output(host, t, pkt, plen, OUT_UDP);
}

static void
sublisten_udp_read(int fd, short event, void *arg)
{
	struct sublisten	*s = arg;
	struct subsys_dgram	 h;
	static uint8_t		 buf[SUBSYS_DGRAM_MAX6];
	struct iovec		 iov[2];
	struct msghdr		 msg;
	ssize_t			 n;

	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = buf;
	iov[1].iov_len = sizeof(buf);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The program closed the socket, or is gone. */
		sublisten_free(s);
		return;
	}
	/* Short, or longer than IP carries (cut): not sent. */
	if (n < (ssize_t)sizeof(h) || (msg.msg_flags & MSG_TRUNC)) {
		engine->stats.udp_dropped++;
		return;
	}
	sublisten_udp_send(s, &h, buf, n - sizeof(h));
}

/* "show services": the listening port after id *after, in r. */
int
sublisten_ctl_next(uint32_t *after, int hosts_only, struct ctlrec *r)
{
	struct sublisten	*s, *best = NULL;
	char			 a[INET6_ADDRSTRLEN];

	/*
	 * hosts_only: an engine other than 0 lists only the ports of one
	 * host, which it alone has; those on every host engine 0 lists.
	 */
	TAILQ_FOREACH(s, &sublistens, entry)
		if (s->l.id > *after && (!hosts_only || s->l.addr != 0 ||
		    !IN6_IS_ADDR_UNSPECIFIED(&s->l.addr6)) &&
		    (best == NULL || s->l.id < best->l.id))
			best = s;
	if (best == NULL)
		return (0);
	ctlrec_init(r, "subsystem");
	ctlrec_str(r, "template", best->tmpl);
	ctlrec_str(r, "command", best->cmd);
	ctlrec_int(r, "pid", best->l.pid);
	ctlrec_str(r, "proto", best->l.proto == IPPROTO_UDP ? "udp" : "tcp");
	ctlrec_str(r, "family", best->l.af == SUBSYS_AF4 ? "ipv4" :
	    best->l.af == SUBSYS_AF6 ? "ipv6" : "ipv4+ipv6");
	if (!IN6_IS_ADDR_UNSPECIFIED(&best->l.addr6))
		ctlrec_str(r, "address", addr6_fmt(&best->l.addr6, a,
		    sizeof(a)));
	else if (best->l.addr == 0)
		ctlrec_str(r, "address", "*");
	else
		ctlrec_addr(r, "address", best->l.addr);
	ctlrec_num(r, "port", best->l.port);
	ctlrec_int(r, "age", time(NULL) - best->since);
	if (best->l.proto == IPPROTO_UDP) {
		ctlrec_num(r, "datagrams_in", best->dgrams_in);
		ctlrec_num(r, "datagrams_out", best->dgrams_out);
		ctlrec_num(r, "datagrams_refused", best->dgrams_refused);
	}
	*after = best->l.id;
	return (1);
}
