/*
 * Parent: proxied connections.  "proxy HOST:PORT" relays a connection
 * to HOST:PORT, where HOST may be $ipsrc (back to the peer itself) or
 * $ipdst and PORT $sport or $dport.  The engine cannot connect from its
 * chroot, so it asks; the parent checks the request against its own
 * configuration, opens a non-blocking socket, starts the connect and
 * passes the socket at once: the engine sees the connect finish (or
 * fail) and relays.  UDP gets a connected datagram socket.
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

/* Where action a sends the connection tp; -1 if nowhere sensible. */
int
proxy_target(const struct action *a, const struct tuple *tp,
    uint32_t *addr, uint16_t *port)
{
	struct in_addr	 in;
	const char	*errstr;

	if (a->proxy_host == NULL || a->proxy_port == NULL)
		return (-1);
	if (strcmp(a->proxy_host, "$ipsrc") == 0)
		*addr = tp->src;
	else if (strcmp(a->proxy_host, "$ipdst") == 0)
		*addr = tp->dst;
	else if (inet_pton(AF_INET, a->proxy_host, &in) == 1)
		*addr = ntohl(in.s_addr);
	else
		return (-1);
	if (strcmp(a->proxy_port, "$sport") == 0)
		*port = tp->sport;
	else if (strcmp(a->proxy_port, "$dport") == 0)
		*port = tp->dport;
	else {
		*port = strtonum(a->proxy_port, 1, 65535, &errstr);
		if (errstr != NULL)
			return (-1);
	}
	if (*addr == 0 || *addr == 0xffffffff || (*addr >> 28) == 0xe ||
	    *port == 0)
		return (-1);
	return (0);
}

static void
proxy_reply(uint32_t id, int refused, int error, int fd, uint32_t addr,
    uint16_t port)
{
	struct svc_reply	 rep;

	memset(&rep, 0, sizeof(rep));
	rep.id = id;
	rep.refused = refused;
	rep.error = error;
	rep.addr = addr;
	rep.port = port;
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
proxy_socket(int proto, uint32_t addr, uint16_t port)
{
	struct sockaddr_in	 sin;
	int			 fd, saved;

	if ((fd = socket(AF_INET, (proto == IPPROTO_TCP ? SOCK_STREAM :
	    SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	sin.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

/* IMSG_PROXY_CONNECT from the engine. */
void
proxy_connect(struct imsg *imsg)
{
	struct svc_req		 req;
	const struct template	*t;
	const struct action	*a;
	const char		*tmpl;
	uint32_t		 addr;
	uint16_t		 port;
	int			 fd;
	char			 ip[INET_ADDRSTRLEN];

	if (svc_parse_req(imsg, &req, &tmpl) == -1)
		fatalx("bad proxy request from the engine");
	if ((a = svc_action(tmpl, &req.tuple, ACTION_PROXY, &t)) == NULL ||
	    proxy_target(a, &req.tuple, &addr, &port) == -1 ||
	    claim_contains(&parent->claimed, addr)) {
		proxy_reply(req.id, SVC_E_CONFIG, 0, -1, 0, 0);
		return;
	}
	/*
	 * Back to the peer: only one that sent us a frame.  The engine
	 * names the peer; this keeps an engine gone bad from making us
	 * connect anywhere a "$ipsrc:$sport" proxy would let it.
	 */
	if (addr == req.tuple.src && !wire_seen(addr)) {
		log_warnx("proxy for connection %u: %s never sent us a frame",
		    req.id, addr_fmt(addr, ip, sizeof(ip)));
		proxy_reply(req.id, SVC_E_CONFIG, 0, -1, 0, 0);
		return;
	}
	if ((fd = proxy_socket(req.tuple.proto, addr, port)) == -1) {
		proxy_reply(req.id, SVC_E_SYSTEM, errno, -1, addr, port);
		return;
	}
	proxy_reply(req.id, SVC_OK, 0, fd, addr, port);
}
