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
 * start conversations of its own (an attacker who took it would).
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
	uint32_t		 raddr, laddr;	/* host order */
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

static struct sublisten *
sublisten_lookup(const char *tmpl, uint32_t addr, int proto, uint16_t port)
{
	struct sublisten	*s;

	TAILQ_FOREACH(s, &sublistens, entry)
		if (s->l.port == port && s->l.proto == proto &&
		    (s->l.addr == 0 || s->l.addr == addr) &&
		    strcmp(s->tmpl, tmpl) == 0)
			return (s);
	return (NULL);
}

/* 1 if a program of template tmpl listens on TCP port for host addr. */
int
sublisten_find(const char *tmpl, uint32_t addr, uint16_t port)
{
	return (sublisten_lookup(tmpl, addr, IPPROTO_TCP, port) != NULL);
}

static struct subpeer *
sublisten_peer(struct sublisten *s, uint32_t raddr, uint16_t rport,
    uint32_t laddr)
{
	size_t	 i;

	for (i = 0; i < SUBLISTEN_PEERS; i++)
		if (s->peers[i].when != 0 && s->peers[i].raddr == raddr &&
		    s->peers[i].rport == rport && s->peers[i].laddr == laddr)
			return (&s->peers[i]);
	return (NULL);
}

static void
sublisten_peer_seen(struct sublisten *s, const struct tuple *tp)
{
	struct subpeer	*p;

	if ((p = sublisten_peer(s, tp->src, tp->sport, tp->dst)) == NULL) {
		p = &s->peers[s->npeer];
		s->npeer = (s->npeer + 1) % SUBLISTEN_PEERS;
		p->raddr = tp->src;
		p->rport = tp->sport;
		p->laddr = tp->dst;
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

	if (in->tmpl == NULL || (s = sublisten_lookup(in->tmpl->name,
	    tp->dst, IPPROTO_UDP, tp->dport)) == NULL)
		return (0);
	memset(&h, 0, sizeof(h));
	h.raddr = htonl(tp->src);
	h.rport = tp->sport;
	h.laddr = htonl(tp->dst);
	h.lport = tp->dport;
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
		sublisten_peer_seen(s, tp);
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

/* One datagram from the program: to the peer it names. */
static void
sublisten_udp_send(struct sublisten *s, const struct subsys_dgram *h,
    const uint8_t *data, size_t len)
{
	uint8_t			 pkt[IP_HDR_LEN + UDP_HDR_LEN +
				    SUBSYS_DGRAM_MAX];
	struct udp_hdr		*uh = (struct udp_hdr *)(pkt + IP_HDR_LEN);
	const struct template	*t;
	struct host		*host;
	struct subpeer		*p;
	uint32_t		 src = ntohl(h->laddr);
	size_t			 plen;

	if (s->l.addr != 0 && src == 0)
		src = s->l.addr;
	if ((t = sublisten_source(s, src)) == NULL ||
	    (p = sublisten_peer(s, ntohl(h->raddr), h->rport, src)) == NULL ||
	    time(NULL) - p->when > SUBLISTEN_PEER_SECS) {
		s->dgrams_refused++;
		return;
	}
	if ((host = host_get(src)) == NULL) {
		engine->stats.udp_dropped++;
		return;
	}
	personality_host_update(host, t);
	plen = IP_HDR_LEN + UDP_HDR_LEN + len;
	ip_pack_hdr(pkt, 0, plen, 0, 0, 0, IP_PROTO_UDP, htonl(src),
	    h->raddr);
	udp_pack_hdr(uh, s->l.port, h->rport, UDP_HDR_LEN + len);
	memcpy(uh + 1, data, len);
	s->dgrams_out++;
	ip_output(host, t, pkt, plen, OUT_UDP);
}

static void
sublisten_udp_read(int fd, short event, void *arg)
{
	struct sublisten	*s = arg;
	struct subsys_dgram	 h;
	uint8_t			 buf[SUBSYS_DGRAM_MAX];
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
	/* Short, or longer than a frame (cut): not sent. */
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

	/*
	 * hosts_only: an engine other than 0 lists only the ports of one
	 * host, which it alone has; those on every host engine 0 lists.
	 */
	TAILQ_FOREACH(s, &sublistens, entry)
		if (s->l.id > *after && (!hosts_only || s->l.addr != 0) &&
		    (best == NULL || s->l.id < best->l.id))
			best = s;
	if (best == NULL)
		return (0);
	ctlrec_init(r, "subsystem");
	ctlrec_str(r, "template", best->tmpl);
	ctlrec_str(r, "command", best->cmd);
	ctlrec_int(r, "pid", best->l.pid);
	ctlrec_str(r, "proto", best->l.proto == IPPROTO_UDP ? "udp" : "tcp");
	if (best->l.addr == 0)
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
