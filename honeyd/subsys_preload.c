/*
 * The library preloaded (LD_PRELOAD) into a subsystem's program.  It
 * stands between the program and the kernel for IPv4 and IPv6 sockets:
 *
 *   socket()         a placeholder: one end of an AF_UNIX SOCK_SEQPACKET
 *                    pair, so that poll, select, epoll, fcntl and close
 *                    work on it as on any descriptor;
 *   bind()           remembered; an AF_INET6 socket bound to :: takes
 *                    IPv4 too (as v4-mapped addresses) unless
 *                    IPV6_V6ONLY is set, as on Linux;
 *   listen()         asks the parent (subsys.h), which checks the port
 *                    against the configuration and takes the pair's
 *                    other end: connections arrive on it as messages
 *                    carrying a descriptor, so the listening socket is
 *                    readable exactly when accept() has one to give;
 *   accept()         receives that descriptor: a stream socket whose
 *                    other end the engine relays to the TCP connection;
 *   getsockname(), getpeername()  the virtual addresses;
 *   connect()        refused, ECONNREFUSED: a subsystem reaches no one;
 *   bind() of UDP    asks the parent as listen() does; granted, the
 *                    engine holds the pair's other end, and datagrams
 *                    pass with a header (subsys.h) that recvfrom(),
 *                    recv(), recvmsg(), sendto(), send() and sendmsg()
 *                    take off and put on; read() takes it off too,
 *                    and write() is EDESTADDRREQ, as on a UDP socket
 *                    never connected;
 *   sendto() on an unbound datagram socket: ENETUNREACH;
 *   dup(), dup2(), dup3(), and
 *   close(), close_range()  forget the socket, and never close the
 *                    parent's descriptor (dup2() onto it moves it).
 *
 *   fcntl(F_DUPFD, F_DUPFD_CLOEXEC)  as dup().
 *
 * Anything else passes through.  What the library does not see (a
 * static program, raw system calls) meets the cage: a network
 * namespace without interfaces, and Landlock.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subsys.h"

#define PRE_MAXFD	4096	/* descriptors the library can track */

enum pre_kind {
	PRE_NONE,
	PRE_STREAM,		/* placeholder, not listening */
	PRE_DGRAM,		/* placeholder for UDP */
	PRE_LISTEN,		/* listening: connections arrive on it */
	PRE_CONN,		/* an accepted connection */
	PRE_UDP,		/* a bound UDP socket: datagrams with headers */
};

struct pre_sock {
	enum pre_kind	 kind;
	int		 other;		/* the pair's other end until listen */
	int		 family;	/* AF_INET, AF_INET6 */
	int		 v6only;	/* IPV6_V6ONLY */
	uint8_t		 laddr[16], raddr[16];	/* as in subsys.h */
	uint16_t	 lport, rport;	/* host order */
	/* UDP: where the last one came to, over IPv4 and IPv6 */
	uint8_t		 lastl4[16], lastl6[16];
};

static struct pre_sock	 pre_socks[PRE_MAXFD];
static pthread_mutex_t	 pre_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 pre_ctl = -1;	/* -1: not a subsystem, pass all */

static int	(*real_socket)(int, int, int);
static int	(*real_bind)(int, const struct sockaddr *, socklen_t);
static int	(*real_listen)(int, int);
static int	(*real_accept4)(int, struct sockaddr *, socklen_t *, int);
static int	(*real_connect)(int, const struct sockaddr *, socklen_t);
static int	(*real_getsockname)(int, struct sockaddr *, socklen_t *);
static int	(*real_getpeername)(int, struct sockaddr *, socklen_t *);
static int	(*real_setsockopt)(int, int, int, const void *, socklen_t);
static int	(*real_getsockopt)(int, int, int, void *, socklen_t *);
static int	(*real_close)(int);
static int	(*real_close_range)(unsigned int, unsigned int, int);
static int	(*real_dup)(int);
static int	(*real_dup3)(int, int, int);
static int	(*real_fcntl)(int, int, ...);
static ssize_t	(*real_read)(int, void *, size_t);
static ssize_t	(*real_write)(int, const void *, size_t);
static ssize_t	(*real_sendto)(int, const void *, size_t, int,
		    const struct sockaddr *, socklen_t);
static ssize_t	(*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t	(*real_recvmsg)(int, struct msghdr *, int);
static ssize_t	(*real_recvfrom)(int, void *, size_t, int, struct sockaddr *,
		    socklen_t *);

static void pre_init(void) __attribute__((constructor));

static void
pre_init(void)
{
	const char	*s;

	real_socket = dlsym(RTLD_NEXT, "socket");
	real_bind = dlsym(RTLD_NEXT, "bind");
	real_listen = dlsym(RTLD_NEXT, "listen");
	real_accept4 = dlsym(RTLD_NEXT, "accept4");
	real_connect = dlsym(RTLD_NEXT, "connect");
	real_getsockname = dlsym(RTLD_NEXT, "getsockname");
	real_getpeername = dlsym(RTLD_NEXT, "getpeername");
	real_setsockopt = dlsym(RTLD_NEXT, "setsockopt");
	real_getsockopt = dlsym(RTLD_NEXT, "getsockopt");
	real_close = dlsym(RTLD_NEXT, "close");
	real_close_range = dlsym(RTLD_NEXT, "close_range");
	real_dup = dlsym(RTLD_NEXT, "dup");
	real_dup3 = dlsym(RTLD_NEXT, "dup3");
	/* fcntl64 is what programs built with 64-bit offsets call. */
	if ((real_fcntl = dlsym(RTLD_NEXT, "fcntl64")) == NULL)
		real_fcntl = dlsym(RTLD_NEXT, "fcntl");
	real_read = dlsym(RTLD_NEXT, "read");
	real_write = dlsym(RTLD_NEXT, "write");
	real_sendto = dlsym(RTLD_NEXT, "sendto");
	real_sendmsg = dlsym(RTLD_NEXT, "sendmsg");
	real_recvmsg = dlsym(RTLD_NEXT, "recvmsg");
	real_recvfrom = dlsym(RTLD_NEXT, "recvfrom");
	if ((s = getenv(SUBSYS_ENV_FD)) != NULL && *s != '\0')
		pre_ctl = atoi(s);
}

/* The tracked socket for fd, or NULL: the kernel's business. */
static struct pre_sock *
pre_find(int fd)
{
	if (pre_ctl == -1 || fd < 0 || fd >= PRE_MAXFD ||
	    pre_socks[fd].kind == PRE_NONE)
		return (NULL);
	return (&pre_socks[fd]);
}

static int
pre_fail(int err)
{
	errno = err;
	return (-1);
}

int
socket(int domain, int type, int protocol)
{
	int	 sv[2], base = type & 0xf;

	if (pre_ctl == -1 || (domain != AF_INET && domain != AF_INET6) ||
	    (base != SOCK_STREAM && base != SOCK_DGRAM))
		return (real_socket(domain, type, protocol));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | (type & (SOCK_NONBLOCK |
	    SOCK_CLOEXEC)), 0, sv) == -1)
		return (-1);
	if (sv[0] >= PRE_MAXFD) {
		real_close(sv[0]);
		real_close(sv[1]);
		return (pre_fail(EMFILE));
	}
	(void)fcntl(sv[1], F_SETFD, FD_CLOEXEC);
	pthread_mutex_lock(&pre_lock);
	memset(&pre_socks[sv[0]], 0, sizeof(pre_socks[0]));
	pre_socks[sv[0]].kind = base == SOCK_STREAM ? PRE_STREAM : PRE_DGRAM;
	pre_socks[sv[0]].other = sv[1];
	pre_socks[sv[0]].family = domain;
	pthread_mutex_unlock(&pre_lock);
	return (sv[0]);
}

static int	 pre_udp_bind(struct pre_sock *);

/*
 * The address and port of sa, for a socket of family: an IPv4 one
 * mapped; an AF_INET address on an AF_INET6 socket is taken as Linux
 * does for sendto() (mapped) unless the socket is IPv6's only.
 */
static int
pre_addr(const struct pre_sock *ps, const struct sockaddr *sa,
    socklen_t len, uint8_t *addr, uint16_t *port)
{
	const struct sockaddr_in	*sin = (const void *)sa;
	const struct sockaddr_in6	*sin6 = (const void *)sa;
	uint32_t			 v4;

	if (sa == NULL || len < sizeof(sa_family_t))
		return (pre_fail(EINVAL));
	if (sa->sa_family == AF_INET && len >= sizeof(*sin) &&
	    (ps->family == AF_INET || !ps->v6only)) {
		subsys_map4(addr, sin->sin_addr.s_addr);
		*port = ntohs(sin->sin_port);
		return (0);
	}
	if (sa->sa_family != AF_INET6 || ps->family != AF_INET6)
		return (pre_fail(EAFNOSUPPORT));
	if (len < sizeof(*sin6))
		return (pre_fail(EINVAL));
	memcpy(addr, &sin6->sin6_addr, 16);
	*port = ntohs(sin6->sin6_port);
	/* ::ffff:0.0.0.0 is IPv4's any address. */
	if (subsys_addr4(addr, &v4) && v4 == 0)
		memset(addr, 0, 16);
	return (0);
}

int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pre_sock			*ps;
	uint8_t				 addr[16];
	uint16_t			 port;
	uint32_t			 v4;

	if ((ps = pre_find(fd)) == NULL)
		return (real_bind(fd, sa, len));
	if (sa != NULL && len >= sizeof(sa_family_t) &&
	    sa->sa_family != ps->family)
		return (pre_fail(EAFNOSUPPORT));
	if (pre_addr(ps, sa, len, addr, &port) == -1)
		return (-1);
	if (ps->kind != PRE_STREAM && ps->kind != PRE_DGRAM)
		return (pre_fail(EINVAL));
	/* Linux: an IPv6-only socket has no IPv4 address to bind. */
	if (ps->family == AF_INET6 && ps->v6only && subsys_addr4(addr, &v4))
		return (pre_fail(EINVAL));
	memcpy(ps->laddr, addr, sizeof(ps->laddr));
	ps->lport = port;
	return (ps->kind == PRE_DGRAM && ps->lport != 0 ? pre_udp_bind(ps) :
	    0);
}

/* One request to the parent and its answer: 0, or -1 and errno. */
static int
pre_request(struct subsys_msg *m, int fd)
{
	ssize_t		 n;

	if (subsys_msg_send(pre_ctl, m, fd, MSG_NOSIGNAL, real_sendmsg) == -1)
		return (pre_fail(ENETDOWN));
	do
		n = recv(pre_ctl, m, sizeof(*m), 0);
	while (n == -1 && errno == EINTR);
	if (n != sizeof(*m) || m->type != SUBSYS_M_REPLY)
		return (pre_fail(ENETDOWN));
	return (m->error == 0 ? 0 : pre_fail(m->error));
}

/* What a socket bound as ps takes: SUBSYS_AF4, SUBSYS_AF6. */
static int
pre_families(const struct pre_sock *ps)
{
	uint32_t	 v4;

	if (ps->family == AF_INET || subsys_addr4(ps->laddr, &v4))
		return (SUBSYS_AF4);
	if (ps->v6only || !subsys_addr_any(ps->laddr))
		return (SUBSYS_AF6);
	return (SUBSYS_AF4 | SUBSYS_AF6);
}

/*
 * Ask the parent to serve ps's address and port for proto; granted, the
 * other end of the placeholder went to the engine and ps becomes kind.
 */
static int
pre_listen_req(struct pre_sock *ps, int proto, enum pre_kind kind)
{
	struct subsys_msg	 m;
	int			 rv;

	memset(&m, 0, sizeof(m));
	m.type = SUBSYS_M_LISTEN;
	memcpy(m.laddr, ps->laddr, sizeof(m.laddr));
	m.lport = ps->lport;
	m.proto = proto;
	m.af = pre_families(ps);
	pthread_mutex_lock(&pre_lock);
	if ((rv = pre_request(&m, ps->other)) == 0) {
		real_close(ps->other);
		ps->other = -1;
		ps->kind = kind;
	}
	pthread_mutex_unlock(&pre_lock);
	return (rv);
}

int
listen(int fd, int backlog)
{
	struct pre_sock		*ps;

	if ((ps = pre_find(fd)) == NULL)
		return (real_listen(fd, backlog));
	if (ps->kind == PRE_LISTEN)
		return (0);
	if (ps->kind != PRE_STREAM)
		return (pre_fail(EOPNOTSUPP));
	return (pre_listen_req(ps, IPPROTO_TCP, PRE_LISTEN));
}

/* A bound UDP socket: the parent hands its other end to the engine. */
static int
pre_udp_bind(struct pre_sock *ps)
{
	return (pre_listen_req(ps, IPPROTO_UDP, PRE_UDP));
}

/* addr and port as a socket of family names them. */
static void
pre_sockaddr(struct sockaddr *sa, socklen_t *len, int family,
    const uint8_t *addr, uint16_t port)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	uint32_t		 v4 = 0;

	if (sa == NULL || len == NULL)
		return;
	if (family == AF_INET6) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, addr, sizeof(sin6.sin6_addr));
		sin6.sin6_port = htons(port);
		memcpy(sa, &sin6, *len < sizeof(sin6) ? *len : sizeof(sin6));
		*len = sizeof(sin6);
		return;
	}
	(void)subsys_addr4(addr, &v4);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = v4;
	sin.sin_port = htons(port);
	memcpy(sa, &sin, *len < sizeof(sin) ? *len : sizeof(sin));
	*len = sizeof(sin);
}

/* A connection from the parent: its descriptor, or -1 and errno. */
static int
pre_take(int fd, struct subsys_msg *m, int flags)
{
	ssize_t		 n;
	int		 nfd, mflags;

	n = subsys_msg_recv(fd, m, &nfd, &mflags, flags & SOCK_CLOEXEC ?
	    MSG_CMSG_CLOEXEC : 0, recvmsg);
	if (n == -1)
		return (-1);
	if (nfd == -1)
		return (pre_fail(n == 0 ? EINVAL : ECONNABORTED));
	if (n != sizeof(*m) || m->type != SUBSYS_M_CONN || nfd >= PRE_MAXFD) {
		real_close(nfd);
		return (pre_fail(ECONNABORTED));
	}
	if (flags & SOCK_NONBLOCK)
		(void)fcntl(nfd, F_SETFL, fcntl(nfd, F_GETFL) | O_NONBLOCK);
	return (nfd);
}

int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct pre_sock		*ps;
	struct subsys_msg	 m;
	int			 nfd;

	if ((ps = pre_find(fd)) == NULL)
		return (real_accept4(fd, sa, len, flags));
	if (ps->kind != PRE_LISTEN)
		return (pre_fail(EINVAL));
	if ((nfd = pre_take(fd, &m, flags)) == -1)
		return (-1);
	pthread_mutex_lock(&pre_lock);
	memset(&pre_socks[nfd], 0, sizeof(pre_socks[0]));
	pre_socks[nfd].kind = PRE_CONN;
	pre_socks[nfd].other = -1;
	pre_socks[nfd].family = ps->family;
	pre_socks[nfd].v6only = ps->v6only;
	memcpy(pre_socks[nfd].laddr, m.laddr, sizeof(m.laddr));
	pre_socks[nfd].lport = m.lport;
	memcpy(pre_socks[nfd].raddr, m.raddr, sizeof(m.raddr));
	pre_socks[nfd].rport = m.rport;
	pthread_mutex_unlock(&pre_lock);
	pre_sockaddr(sa, len, ps->family, m.raddr, m.rport);
	return (nfd);
}

int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	return (accept4(fd, sa, len, 0));
}

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (pre_find(fd) == NULL)
		return (real_connect(fd, sa, len));
	return (pre_fail(ECONNREFUSED));
}

int
getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct pre_sock	*ps;

	if ((ps = pre_find(fd)) == NULL)
		return (real_getsockname(fd, sa, len));
	if (sa == NULL || len == NULL)
		return (pre_fail(EFAULT));
	pre_sockaddr(sa, len, ps->family, ps->laddr, ps->lport);
	return (0);
}

int
getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct pre_sock	*ps;

	if ((ps = pre_find(fd)) == NULL)
		return (real_getpeername(fd, sa, len));
	if (ps->kind != PRE_CONN)
		return (pre_fail(ENOTCONN));
	if (sa == NULL || len == NULL)
		return (pre_fail(EFAULT));
	pre_sockaddr(sa, len, ps->family, ps->raddr, ps->rport);
	return (0);
}

/*
 * Options of IP and TCP mean nothing on a unix socket: accepted and
 * forgotten.  The engine's TCP is the personality's, not the program's.
 * IPV6_V6ONLY is kept: it says which families a bind takes; as on
 * Linux it cannot change once bound.
 */
int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	struct pre_sock	*ps;
	int		 v;

	if ((ps = pre_find(fd)) == NULL)
		return (real_setsockopt(fd, level, name, val, len));
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
		if (ps->family != AF_INET6)
			return (pre_fail(ENOPROTOOPT));
		if (val == NULL || len < sizeof(int))
			return (pre_fail(EINVAL));
		if (ps->kind != PRE_STREAM && ps->kind != PRE_DGRAM)
			return (pre_fail(EINVAL));
		memcpy(&v, val, sizeof(v));
		ps->v6only = v != 0;
		return (0);
	}
	if (level != SOL_SOCKET)
		return (0);
	if (real_setsockopt(fd, level, name, val, len) == -1 &&
	    errno != EOPNOTSUPP && errno != ENOPROTOOPT)
		return (-1);
	return (0);
}

static int
pre_intopt(void *val, socklen_t *len, int v)
{
	if (val == NULL || len == NULL || *len < sizeof(int))
		return (pre_fail(EINVAL));
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return (0);
}

int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	struct pre_sock	*ps;

	if ((ps = pre_find(fd)) == NULL)
		return (real_getsockopt(fd, level, name, val, len));
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY &&
	    ps->family == AF_INET6)
		return (pre_intopt(val, len, ps->v6only));
	if (level != SOL_SOCKET)
		return (pre_intopt(val, len, 0));
	switch (name) {
	case SO_DOMAIN:
		return (pre_intopt(val, len, ps->family));
	case SO_TYPE:
		return (pre_intopt(val, len, ps->kind == PRE_DGRAM ?
		    SOCK_DGRAM : SOCK_STREAM));
	case SO_PROTOCOL:
		return (pre_intopt(val, len, ps->kind == PRE_DGRAM ?
		    IPPROTO_UDP : IPPROTO_TCP));
	case SO_ACCEPTCONN:
		return (pre_intopt(val, len, ps->kind == PRE_LISTEN));
	default:
		return (real_getsockopt(fd, level, name, val, len));
	}
}

/* A datagram out of a bound UDP socket, to sa. */
static ssize_t
pre_udp_send(struct pre_sock *ps, int fd, const struct iovec *iov,
    size_t iovlen, const struct sockaddr *sa, socklen_t salen, int flags)
{
	struct subsys_dgram		 h;
	struct iovec			 v[17];
	struct msghdr			 msg;
	ssize_t				 n;
	size_t				 i, len;
	uint32_t			 v4;
	int				 is4;

	if (sa == NULL)
		return (pre_fail(EDESTADDRREQ));
	if (iovlen > 16)
		return (pre_fail(EMSGSIZE));
	memset(&h, 0, sizeof(h));
	if (pre_addr(ps, sa, salen, h.raddr, &h.rport) == -1)
		return (-1);
	/* The peer's family must be one the socket's address takes. */
	is4 = subsys_addr4(h.raddr, &v4);
	if (!(pre_families(ps) & (is4 ? SUBSYS_AF4 : SUBSYS_AF6)))
		return (pre_fail(ENETUNREACH));
	/* Longer than IP's length field holds: the kernel's answer. */
	for (i = 0, len = 0; i < iovlen; i++)
		len += iov[i].iov_len;
	if (len > (is4 ? SUBSYS_DGRAM_MAX : SUBSYS_DGRAM_MAX6))
		return (pre_fail(EMSGSIZE));
	if (!subsys_addr_any(ps->laddr))
		memcpy(h.laddr, ps->laddr, sizeof(h.laddr));
	else
		memcpy(h.laddr, is4 ? ps->lastl4 : ps->lastl6,
		    sizeof(h.laddr));
	h.lport = ps->lport;
	v[0].iov_base = &h;
	v[0].iov_len = sizeof(h);
	memcpy(v + 1, iov, iovlen * sizeof(*iov));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = v;
	msg.msg_iovlen = iovlen + 1;
	if ((n = real_sendmsg(fd, &msg, flags | MSG_NOSIGNAL)) == -1)
		return (-1);
	return (n < (ssize_t)sizeof(h) ? 0 : n - (ssize_t)sizeof(h));
}

ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	struct pre_sock	*ps;
	struct iovec	 iov;

	if ((ps = pre_find(fd)) == NULL || ps->kind == PRE_CONN)
		return (real_sendto(fd, buf, len, flags, sa, salen));
	if (ps->kind != PRE_UDP)
		return (pre_fail(ps->kind == PRE_DGRAM ? ENETUNREACH :
		    ENOTCONN));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	return (pre_udp_send(ps, fd, &iov, 1, sa, salen, flags));
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	return (sendto(fd, buf, len, flags, NULL, 0));
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct pre_sock	*ps;

	if ((ps = pre_find(fd)) == NULL || ps->kind == PRE_CONN)
		return (real_sendmsg(fd, msg, flags));
	if (ps->kind != PRE_UDP)
		return (pre_fail(ps->kind == PRE_DGRAM ? ENETUNREACH :
		    ENOTCONN));
	return (pre_udp_send(ps, fd, msg->msg_iov, msg->msg_iovlen,
	    msg->msg_name, msg->msg_namelen, flags));
}

/* A datagram into a bound UDP socket: the header taken off. */
static ssize_t
pre_udp_recv(struct pre_sock *ps, int fd, struct msghdr *um, int flags)
{
	struct subsys_dgram	 h;
	struct iovec		 v[17];
	struct msghdr		 msg;
	ssize_t			 n;
	uint32_t		 v4;

	if (um->msg_iovlen > 16)
		return (pre_fail(EMSGSIZE));
	v[0].iov_base = &h;
	v[0].iov_len = sizeof(h);
	memcpy(v + 1, um->msg_iov, um->msg_iovlen * sizeof(*v));
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = v;
	msg.msg_iovlen = um->msg_iovlen + 1;
	if ((n = real_recvmsg(fd, &msg, flags)) == -1)
		return (-1);
	if (n < (ssize_t)sizeof(h))
		return (pre_fail(EAGAIN));
	memcpy(subsys_addr4(h.laddr, &v4) ? ps->lastl4 : ps->lastl6, h.laddr,
	    sizeof(h.laddr));
	um->msg_flags = msg.msg_flags;
	um->msg_controllen = 0;
	if (um->msg_name != NULL)
		pre_sockaddr(um->msg_name, &um->msg_namelen, ps->family,
		    h.raddr, h.rport);
	return (n - sizeof(h));
}

ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct pre_sock	*ps;

	if ((ps = pre_find(fd)) == NULL || ps->kind != PRE_UDP)
		return (real_recvmsg(fd, msg, flags));
	return (pre_udp_recv(ps, fd, msg, flags));
}

ssize_t
recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
    socklen_t *salen)
{
	struct pre_sock	*ps;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;

	if ((ps = pre_find(fd)) == NULL || ps->kind != PRE_UDP)
		return (real_recvfrom(fd, buf, len, flags, sa, salen));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_name = sa;
	msg.msg_namelen = sa != NULL && salen != NULL ? *salen : 0;
	if ((n = pre_udp_recv(ps, fd, &msg, flags)) != -1 && sa != NULL &&
	    salen != NULL)
		*salen = msg.msg_namelen;
	return (n);
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	return (recvfrom(fd, buf, len, flags, NULL, NULL));
}

ssize_t
read(int fd, void *buf, size_t len)
{
	struct pre_sock	*ps;

	if ((ps = pre_find(fd)) == NULL || ps->kind != PRE_UDP)
		return (real_read(fd, buf, len));
	return (recvfrom(fd, buf, len, 0, NULL, NULL));
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	struct pre_sock	*ps;

	if ((ps = pre_find(fd)) == NULL || ps->kind == PRE_CONN ||
	    ps->kind == PRE_STREAM)
		return (real_write(fd, buf, len));
	/* connect() is refused, so no datagram socket has a peer. */
	if (ps->kind == PRE_UDP || ps->kind == PRE_DGRAM)
		return (pre_fail(EDESTADDRREQ));
	return (pre_fail(ENOTCONN));
}

/* Forget fd's socket, closing the pair's other end it still holds. */
static void
pre_forget(int fd)
{
	struct pre_sock	*ps;
	int		 other = -1;

	if ((ps = pre_find(fd)) == NULL)
		return;
	pthread_mutex_lock(&pre_lock);
	other = ps->other;
	memset(ps, 0, sizeof(*ps));
	pthread_mutex_unlock(&pre_lock);
	if (other != -1)
		real_close(other);
}

/* The parent's socket stays: closing it would end every listen. */
int
close(int fd)
{
	if (pre_ctl != -1 && fd == pre_ctl)
		return (0);
	pre_forget(fd);
	return (real_close(fd));
}

/*
 * A program closing every descriptor above stderr before it serves (a
 * common daemon habit) would close the parent's socket: the range is
 * closed around it.
 */
int
close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int	 fd, ctl = (unsigned int)pre_ctl;

	if (real_close_range == NULL)
		return (pre_fail(ENOSYS));
	if (pre_ctl == -1 || ctl < first || ctl > last)
		goto pass;
	if (ctl > first && real_close_range(first, ctl - 1, flags) == -1)
		return (-1);
	if (ctl == last)
		return (0);
	first = ctl + 1;
 pass:
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		for (fd = first; fd <= last && fd < PRE_MAXFD; fd++)
			pre_forget(fd);
	return (real_close_range(first, last, flags));
}

/* The copy nfd of a tracked fd is tracked alike; it owns no pair end. */
static void
pre_copy(int fd, int nfd)
{
	struct pre_sock	*ps;

	if ((ps = pre_find(fd)) == NULL || nfd < 0 || nfd >= PRE_MAXFD)
		return;
	pthread_mutex_lock(&pre_lock);
	pre_socks[nfd] = *ps;
	pre_socks[nfd].other = -1;
	pthread_mutex_unlock(&pre_lock);
}

int
dup(int fd)
{
	int	 nfd;

	if ((nfd = real_dup(fd)) != -1)
		pre_copy(fd, nfd);
	return (nfd);
}

int
dup3(int fd, int nfd, int flags)
{
	char	 num[16];
	int	 moved;

	if (pre_ctl != -1 && nfd == pre_ctl && fd != nfd) {
		/* Move the parent's socket out of the way, for good. */
		if ((moved = real_dup(pre_ctl)) == -1)
			return (-1);
		pre_ctl = moved;
		snprintf(num, sizeof(num), "%d", moved);
		setenv(SUBSYS_ENV_FD, num, 1);
	}
	pre_forget(nfd);
	if (real_dup3(fd, nfd, flags) == -1)
		return (-1);
	pre_copy(fd, nfd);
	return (nfd);
}

/*
 * Every fcntl command takes an int, a pointer or nothing; passing one
 * word on is what the C library does with its variadic argument.
 */
int
fcntl(int fd, int cmd, ...)
{
	va_list	 ap;
	void	*arg;
	int	 nfd;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	nfd = real_fcntl(fd, cmd, arg);
	if (nfd != -1 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		pre_copy(fd, nfd);
	return (nfd);
}

/* What programs built with 64-bit file offsets call: the same. */
int	fcntl64(int, int, ...) __attribute__((alias("fcntl")));

int
dup2(int fd, int nfd)
{
	if (fd == nfd)
		return (fcntl(fd, F_GETFD) == -1 ? -1 : nfd);
	return (dup3(fd, nfd, 0));
}
