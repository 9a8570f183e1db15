/*
 * Subsystems: what the parent (subsys.c) and the library preloaded into
 * a subsystem's program (subsys_preload.c) say to each other.  The
 * library is built on its own, without honeyd.h: this is all it shares.
 *
 * The program inherits one end of a SOCK_SEQPACKET socketpair at
 * SUBSYS_CTL_FD (its number is also in $HONEYD_SUBSYS_FD).  On it the
 * library asks, one request at a time, and the parent answers:
 *
 *   SUBSYS_M_LISTEN  library -> parent: laddr, lport, proto as bound,
 *                    af the families it takes (an AF_INET6 socket
 *                    bound to :: without IPV6_V6ONLY takes both, as
 *                    Linux's does); with it one end of a new
 *                    SOCK_SEQPACKET pair whose other end is the
 *                    program's listening socket.
 *   SUBSYS_M_REPLY   parent -> library: error 0, or the errno listen(2)
 *                    returns.
 *
 * A UDP socket bound to a port asks SUBSYS_M_LISTEN too (proto
 * IPPROTO_UDP); granted, its pair's other end goes to the engine, and
 * every datagram either way is a struct subsys_dgram and the payload:
 * towards the program raddr and rport the peer's, laddr and lport the
 * virtual host's; from it, where to and from (laddr 0: the host the
 * socket is bound to, or the one that last sent to it).
 *
 * On each listening socket the parent then sends one SUBSYS_M_CONN per
 * connection: laddr and lport the virtual host's, raddr and rport the
 * peer's, with the connection's descriptor (a stream socket whose other
 * end the engine relays to the TCP connection).  accept(2) takes it.
 * Addresses are IPv6 ones, an IPv4 address mapped (::ffff:a.b.c.d),
 * :: none given (any host); ports are in host order.
 */

#ifndef HONEYD_SUBSYS_H
#define HONEYD_SUBSYS_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <stdint.h>
#include <string.h>

#define SUBSYS_CTL_FD		3
#define SUBSYS_ENV_FD		"HONEYD_SUBSYS_FD"

enum subsys_msg_type {
	SUBSYS_M_LISTEN = 1,
	SUBSYS_M_REPLY,
	SUBSYS_M_CONN,
};

#define SUBSYS_AF4		0x01	/* a listen takes IPv4 */
#define SUBSYS_AF6		0x02	/* ... IPv6 */

struct subsys_msg {
	uint32_t	 type;		/* SUBSYS_M_* */
	int32_t		 error;		/* REPLY: 0 or an errno */
	uint8_t		 laddr[16], raddr[16];
	uint16_t	 lport, rport;
	uint8_t		 proto;		/* IPPROTO_TCP */
	uint8_t		 af;		/* LISTEN: SUBSYS_AF4, SUBSYS_AF6 */
	uint8_t		 pad[2];
};

struct subsys_dgram {
	uint8_t		 raddr[16], laddr[16];
	uint16_t	 rport, lport;
};

/* 1 if a is a mapped IPv4 address, *v4 (network order) the address. */
static inline int
subsys_addr4(const uint8_t *a, uint32_t *v4)
{
	static const uint8_t	 pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };

	if (memcmp(a, pfx, sizeof(pfx)) != 0)
		return (0);
	memcpy(v4, a + 12, sizeof(*v4));
	return (1);
}

/* a: the IPv4 address v4 (network order) mapped; :: if v4 is 0. */
static inline void
subsys_map4(uint8_t *a, uint32_t v4)
{
	memset(a, 0, 16);
	if (v4 == 0)
		return;
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &v4, sizeof(v4));
}

/* 1 if a is :: (no address). */
static inline int
subsys_addr_any(const uint8_t *a)
{
	static const uint8_t	 zero[16];

	return (memcmp(a, zero, sizeof(zero)) == 0);
}

/*
 * The longest payload of a datagram a program sends: what IP's length
 * field holds; one longer than the link takes leaves in fragments.
 */
#define SUBSYS_DGRAM_MAX	65507	/* 65535 - IPv4 and UDP headers */
#define SUBSYS_DGRAM_MAX6	65527	/* 65535 - UDP header (no jumbo) */

/*
 * A struct subsys_msg and one descriptor, as both sides send and
 * receive them.  The library passes its real sendmsg and recvmsg (it
 * interposes its own), the parent the libc ones.
 */
union subsys_cmsg {
	struct cmsghdr	 hdr;
	char		 buf[CMSG_SPACE(sizeof(int))];
};

static inline void
subsys_msghdr(struct msghdr *msg, struct iovec *iov, struct subsys_msg *m,
    union subsys_cmsg *cm)
{
	memset(msg, 0, sizeof(*msg));
	memset(cm, 0, sizeof(*cm));
	iov->iov_base = m;
	iov->iov_len = sizeof(*m);
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = cm->buf;
	msg->msg_controllen = sizeof(cm->buf);
}

static inline ssize_t
subsys_msg_send(int sock, struct subsys_msg *m, int fd, int flags,
    ssize_t (*sendfn)(int, const struct msghdr *, int))
{
	union subsys_cmsg	 cm;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*c;

	subsys_msghdr(&msg, &iov, m, &cm);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return (sendfn(sock, &msg, flags));
}

/*
 * What recvfn returned; *fdp the descriptor that came with it, or -1,
 * and *mflags the message's flags (MSG_TRUNC, MSG_CTRUNC).
 */
static inline ssize_t
subsys_msg_recv(int sock, struct subsys_msg *m, int *fdp, int *mflags,
    int flags, ssize_t (*recvfn)(int, struct msghdr *, int))
{
	union subsys_cmsg	 cm;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*c;
	ssize_t			 n;

	*fdp = -1;
	*mflags = 0;
	subsys_msghdr(&msg, &iov, m, &cm);
	if ((n = recvfn(sock, &msg, flags)) == -1)
		return (-1);
	*mflags = msg.msg_flags;
	if ((c = CMSG_FIRSTHDR(&msg)) != NULL && c->cmsg_type ==
	    SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fdp, CMSG_DATA(c), sizeof(*fdp));
	return (n);
}

#endif /* HONEYD_SUBSYS_H */
