/*
 * Subsystems: what the parent (subsys.c) and the library preloaded into
 * a subsystem's program (subsys_preload.c) say to each other.  The
 * library is built on its own, without honeyd.h: this is all it shares.
 *
 * The program inherits one end of a SOCK_SEQPACKET socketpair at
 * SUBSYS_CTL_FD (its number is also in $HONEYD_SUBSYS_FD).  On it the
 * library asks, one request at a time, and the parent answers:
 *
 *   SUBSYS_M_LISTEN  library -> parent: laddr, lport, proto as bound;
 *                    with it one end of a new SOCK_SEQPACKET pair whose
 *                    other end is the program's listening socket.
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
 * Addresses are in network byte order, ports in host order.
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

struct subsys_msg {
	uint32_t	 type;		/* SUBSYS_M_* */
	int32_t		 error;		/* REPLY: 0 or an errno */
	uint32_t	 laddr, raddr;
	uint16_t	 lport, rport;
	uint8_t		 proto;		/* IPPROTO_TCP */
	uint8_t		 pad[3];
};

struct subsys_dgram {
	uint32_t	 raddr, laddr;
	uint16_t	 rport, lport;
};

#define SUBSYS_DGRAM_MAX	1472	/* payload: fills a 1500 byte frame */

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
