/*
 * Parent: proxied connections.  "proxy HOST:PORT" relays a connection
 * to HOST:PORT, where HOST may be $ipsrc (back to the peer itself) or
 * $ipdst, an IPv4 address or an IPv6 one in brackets ([2001:db8::1]),
 * and PORT $sport or $dport.  A connection over either family may go
 * to a target of either: $ipsrc and $ipdst are of the connection's.
 * The engine cannot connect from its chroot, so it asks; the parent
 * checks the request against its own configuration, opens a
 * non-blocking socket, starts the connect and passes the socket at
 * once: the engine sees the connect finish (or fail) and relays.  UDP
 * gets a connected datagram socket.
 *
 * Addresses honeyd claims are refused as targets: the connection would
 * come straight back to us, and again, without end.  The engine's word
 * is checked as far as the parent can: the connection's address must be
 * claimed, and a peer connected back to must have sent us a frame.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"

/*
 * "[ADDR]", an IPv6 address in brackets (the parser's form), into a:
 * 0, or -1 if it is not one.
 */
static int
proxy_parse6(const char *host, struct in6_addr *a)
{
	char	 buf[INET6_ADDRSTRLEN];
	size_t	 len = strlen(host);

	if (len < 3 || host[0] != '[' || host[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return (-1);
	memcpy(buf, host + 1, len - 2);
	buf[len - 2] = '\0';
	return (inet_pton(AF_INET6, buf, a) == 1 ? 0 : -1);
}

/*
 * No IPv6 target is unspecified or multicast, nor an IPv4-mapped
 * address, which would go round the check of IPv4 claims.
 */
static int
proxy_bad6(const struct in6_addr *a)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
				    0, 0, 0xff, 0xff };

	return (IN6_IS_ADDR_UNSPECIFIED(a) || a->s6_addr[0] == 0xff ||
	    memcmp(a->s6_addr, mapped, sizeof(mapped)) == 0);
}

/* Where action a sends the connection tp; -1 if nowhere sensible. */
int
proxy_target(const struct action *a, const struct tuple *tp,
    struct proxy_dest *d)
{
	struct in_addr	 in;
	const char	*errstr;
	int		 src;

	memset(d, 0, sizeof(*d));
	if (a->proxy_host == NULL || a->proxy_port == NULL)
		return (-1);
	if ((src = strcmp(a->proxy_host, "$ipsrc") == 0) ||
	    strcmp(a->proxy_host, "$ipdst") == 0) {
		d->v6 = tp->v6;
		d->addr = tp->v6 ? 0 : src ? tp->src : tp->dst;
		if (tp->v6)
			d->addr6 = src ? tp->src6 : tp->dst6;
	} else if (inet_pton(AF_INET, a->proxy_host, &in) == 1)
		d->addr = ntohl(in.s_addr);
	else if (proxy_parse6(a->proxy_host, &d->addr6) == 0)
		d->v6 = 1;
	else
		return (-1);
	if (strcmp(a->proxy_port, "$sport") == 0)
		d->port = tp->sport;
	else if (strcmp(a->proxy_port, "$dport") == 0)
		d->port = tp->dport;
	else {
		d->port = strtonum(a->proxy_port, 1, 65535, &errstr);
		if (errstr != NULL)
			return (-1);
	}
	if (d->port == 0)
		return (-1);
	if (d->v6)
		return (proxy_bad6(&d->addr6) ? -1 : 0);
	if (d->addr == 0 || d->addr == 0xffffffff || (d->addr >> 28) == 0xe)
		return (-1);
	return (0);
}


static void
proxy_reply(uint32_t id, int refused, int error, int fd,
    const struct proxy_dest *d)
{
	struct svc_reply	 rep;

	memset(&rep, 0, sizeof(rep));
	rep.id = id;
	rep.refused = refused;
	rep.error = error;
	if (d != NULL)
		rep.dest = *d;
	if (engine_by_id(id) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (imsgev_compose(engine_by_id(id), IMSG_PROXY_FD, 0, 0, fd, &rep,
	    sizeof(rep)) == -1)
		log_warn("proxy reply for connection %u", id);
}

/* A socket with its connect under way, or -1 with errno. */
static int
proxy_socket(int proto, const struct proxy_dest *d)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sslen;
	int			 fd, saved;

	memset(&ss, 0, sizeof(ss));
	if (d->v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = d->addr6;
		sin6->sin6_port = htons(d->port);
		sslen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(d->addr);
		sin->sin_port = htons(d->port);
		sslen = sizeof(*sin);
	}
	if ((fd = socket(ss.ss_family, (proto == IPPROTO_TCP ? SOCK_STREAM :
	    SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&ss, sslen) == -1 &&
	    errno != EINPROGRESS) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/*
 * Whether d is the peer of tp (the engine's word) and never sent us a
 * frame: an IPv4 one whose MAC we learned (wire.c), an IPv6 one that
 * Neighbor Discovery or any frame taught us (ndp.c).
 */
static int
proxy_unseen_peer(const struct proxy_dest *d, const struct tuple *tp)
{
	uint8_t	 mac[6];
	int	 iface;

	if (d->v6 != tp->v6)
		return (0);
	if (!d->v6)
		return (d->addr == tp->src && !wire_seen(d->addr));
	return (memcmp(&d->addr6, &tp->src6, sizeof(d->addr6)) == 0 &&
	    ndp_neighbor(&d->addr6, &iface, mac) == -1);
}

/* IMSG_PROXY_CONNECT from the engine. */
void
proxy_connect(struct imsg *imsg)
{
	struct svc_req		 req;
	const struct template	*t;
	const struct action	*a;
	const char		*tmpl;
	struct proxy_dest	 d;
	int			 fd;
	char			 ip[INET6_ADDRSTRLEN];

	if (svc_parse_req(imsg, &req, &tmpl) == -1)
		fatalx("bad proxy request from the engine");
	if ((a = svc_action(tmpl, &req.tuple, ACTION_PROXY, &t)) == NULL ||
	    proxy_target(a, &req.tuple, &d) == -1 ||
	    (d.v6 ? claim6_contains(&parent->claimed, &d.addr6) :
	    claim_contains(&parent->claimed, d.addr))) {
		proxy_reply(req.id, SVC_E_CONFIG, 0, -1, NULL);
		return;
	}
	/*
	 * Back to the peer: only one that sent us a frame.  The engine
	 * names the peer; this keeps an engine gone bad from making us
	 * connect anywhere a "$ipsrc:$sport" proxy would let it.
	 */
	if (proxy_unseen_peer(&d, &req.tuple)) {
		log_warnx("proxy for connection %u: %s never sent us a frame",
		    req.id, addr_dest_fmt(&d, ip, sizeof(ip)));
		proxy_reply(req.id, SVC_E_CONFIG, 0, -1, NULL);
		return;
	}
	if ((fd = proxy_socket(req.tuple.proto, &d)) == -1) {
		proxy_reply(req.id, SVC_E_SYSTEM, errno, -1, &d);
		return;
	}
	proxy_reply(req.id, SVC_OK, 0, fd, &d);
}
