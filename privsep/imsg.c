/*
 * imsg framing over a unix stream socket; see imsg.h for the rules.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

/* Every header starts aligned, so its payload does too. */
_Static_assert(IMSG_HEADER_SIZE % IMSG_ALIGNMENT == 0,
    "imsg header size must keep payloads aligned");

#define IMSG_OBUF_MIN		(64 * 1024)
/*
 * An output buffer larger than this is given back once drained; only a
 * peer far behind makes one, and it may grow to 2 * IMSG_MAX_QUEUE.
 */
#define IMSG_OBUF_KEEP		(4 * 1024 * 1024)
/* Room for fds in one read; our sender puts one per sendmsg. */
#define IMSG_RECV_FDS		16

static int	 obuf_reserve(struct imsgbuf *, size_t);
static void	 obuf_compact(struct imsgbuf *);
static void	 obuf_drained(struct imsgbuf *);
static int	 ofd_reserve(struct imsgbuf *);
static ssize_t	 send_chunk(int, const void *, size_t, int);
static int	 recv_fds(struct imsgbuf *, struct msghdr *);

void
imsgbuf_init(struct imsgbuf *ibuf, int fd)
{
	memset(ibuf, 0, sizeof(*ibuf));
	ibuf->fd = fd;
}

void
imsgbuf_clear(struct imsgbuf *ibuf)
{
	size_t	 i;

	for (i = ibuf->ofdpos; i < ibuf->ofdlen; i++)
		close(ibuf->ofds[i].fd);
	for (; ibuf->rfdcount > 0; ibuf->rfdcount--) {
		close(ibuf->rfds[ibuf->rfdhead]);
		ibuf->rfdhead = (ibuf->rfdhead + 1) % IMSG_MAX_FDS;
	}
	free(ibuf->obuf);
	free(ibuf->ofds);
	free(ibuf->rbuf);
	imsgbuf_init(ibuf, ibuf->fd);
}

size_t
imsgbuf_queuelen(const struct imsgbuf *ibuf)
{
	return (ibuf->olen - ibuf->opos);
}

int
imsg_compose(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec	 iov;

	/* Cast away const: composev only reads from it. */
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = datalen;
	return (imsg_composev(ibuf, type, peerid, pid, fd, &iov, 1));
}

int
imsg_composev(struct imsgbuf *ibuf, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const struct iovec *iov, int iovcnt)
{
	struct imsg_hdr	 hdr;
	unsigned char	*p;
	size_t		 len, wlen;
	int		 i;

	len = IMSG_HEADER_SIZE;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > IMSG_MAX_SIZE - len) {
			errno = EMSGSIZE;
			goto fail;
		}
		len += iov[i].iov_len;
	}
	wlen = IMSG_ALIGN(len);
	/* A peer that stopped reading must not eat all our memory. */
	if (imsgbuf_queuelen(ibuf) + wlen > IMSG_MAX_QUEUE) {
		errno = ENOBUFS;
		goto fail;
	}
	if (obuf_reserve(ibuf, wlen) == -1)
		goto fail;
	if (fd != -1 && ofd_reserve(ibuf) == -1)
		goto fail;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = len;
	hdr.flags = fd != -1 ? IMSG_F_HASFD : 0;
	hdr.peerid = peerid;
	hdr.pid = pid;

	p = ibuf->obuf + ibuf->olen;
	memcpy(p, &hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	memset(p, 0, wlen - len);

	if (fd != -1) {
		ibuf->ofds[ibuf->ofdlen].off = ibuf->olen;
		ibuf->ofds[ibuf->ofdlen].fd = fd;
		ibuf->ofdlen++;
	}
	ibuf->olen += wlen;
	return (0);

 fail:
	if (fd != -1)
		close(fd);
	return (-1);
}

/*
 * Make room for need more bytes at obuf + olen.  Sent bytes are only
 * squeezed out when they are at least as many as those still queued,
 * so each queued byte is moved at most about once; otherwise the buffer
 * doubles, which keeps it under twice the queue bound.
 */
static int
obuf_reserve(struct imsgbuf *ibuf, size_t need)
{
	unsigned char	*p;
	size_t		 cap;

	if (ibuf->ocap - ibuf->olen >= need)
		return (0);
	if (ibuf->opos > 0 && ibuf->opos >= imsgbuf_queuelen(ibuf)) {
		obuf_compact(ibuf);
		if (ibuf->ocap - ibuf->olen >= need)
			return (0);
	}
	cap = ibuf->ocap > 0 ? ibuf->ocap : IMSG_OBUF_MIN;
	while (cap - ibuf->olen < need)
		cap *= 2;
	if ((p = realloc(ibuf->obuf, cap)) == NULL)
		return (-1);
	ibuf->obuf = p;
	ibuf->ocap = cap;
	return (0);
}

/* Move the unsent bytes, and the fd positions with them, to the front. */
static void
obuf_compact(struct imsgbuf *ibuf)
{
	struct imsg_ofd	 ofd;
	size_t		 i;

	memmove(ibuf->obuf, ibuf->obuf + ibuf->opos, imsgbuf_queuelen(ibuf));
	for (i = ibuf->ofdpos; i < ibuf->ofdlen; i++) {
		ofd = ibuf->ofds[i];
		ofd.off -= ibuf->opos;
		ibuf->ofds[i - ibuf->ofdpos] = ofd;
	}
	ibuf->ofdlen -= ibuf->ofdpos;
	ibuf->ofdpos = 0;
	ibuf->olen -= ibuf->opos;
	ibuf->opos = 0;
}

/* Everything is sent: start over, and drop a buffer a burst left big. */
static void
obuf_drained(struct imsgbuf *ibuf)
{
	ibuf->olen = ibuf->opos = 0;
	ibuf->ofdlen = ibuf->ofdpos = 0;
	if (ibuf->ocap > IMSG_OBUF_KEEP) {
		free(ibuf->obuf);
		ibuf->obuf = NULL;
		ibuf->ocap = 0;
	}
}

static int
ofd_reserve(struct imsgbuf *ibuf)
{
	struct imsg_ofd	*p;
	size_t		 cap;

	if (ibuf->ofdlen < ibuf->ofdcap)
		return (0);
	cap = ibuf->ofdcap > 0 ? ibuf->ofdcap * 2 : 8;
	if ((p = reallocarray(ibuf->ofds, cap, sizeof(*p))) == NULL)
		return (-1);
	ibuf->ofds = p;
	ibuf->ofdcap = cap;
	return (0);
}

/*
 * Send queued bytes until the socket is full.  An fd travels with the
 * first byte of its message: a sendmsg carrying an fd starts exactly at
 * that message, and a sendmsg without one stops right before it.
 */
int
imsgbuf_write(struct imsgbuf *ibuf)
{
	struct imsg_ofd	*ofd;
	size_t		 end, want;
	ssize_t		 n;
	int		 fd;

	while (ibuf->opos < ibuf->olen) {
		fd = -1;
		end = ibuf->olen;
		ofd = ibuf->ofdpos < ibuf->ofdlen ?
		    &ibuf->ofds[ibuf->ofdpos] : NULL;
		if (ofd != NULL && ofd->off == ibuf->opos) {
			fd = ofd->fd;
			if (ibuf->ofdpos + 1 < ibuf->ofdlen)
				end = ofd[1].off;
		} else if (ofd != NULL)
			end = ofd->off;

		want = end - ibuf->opos;
		n = send_chunk(ibuf->fd, ibuf->obuf + ibuf->opos, want, fd);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			return (-1);
		}
		/* Any byte sent means the fd went with it. */
		if (fd != -1) {
			close(fd);
			ibuf->ofdpos++;
		}
		ibuf->opos += n;
		if ((size_t)n < want)
			return (0);
	}
	obuf_drained(ibuf);
	return (0);
}

static ssize_t
send_chunk(int sock, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct cmsghdr	*cmsg;
	struct msghdr	 msg;
	struct iovec	 iov;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	/* A dead peer is an EPIPE for the caller, not a SIGPIPE. */
	return (sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL));
}

/* For start-up and shutdown: wait until everything is sent. */
int
imsgbuf_flush(struct imsgbuf *ibuf)
{
	struct pollfd	 pfd;

	pfd.fd = ibuf->fd;
	pfd.events = POLLOUT;
	for (;;) {
		if (imsgbuf_write(ibuf) == -1)
			return (-1);
		if (imsgbuf_queuelen(ibuf) == 0)
			return (0);
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (-1);
	}
}

/*
 * One recvmsg into the free end of the receive buffer.  Whole messages
 * already taken by imsg_get() are dropped first, which is why their
 * payload pointers die here.
 */
ssize_t
imsgbuf_read(struct imsgbuf *ibuf)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int) * IMSG_RECV_FDS)];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;

	if (ibuf->rbuf == NULL &&
	    (ibuf->rbuf = malloc(IMSG_RBUF_SIZE)) == NULL)
		return (-1);
	if (ibuf->rpos > 0) {
		memmove(ibuf->rbuf, ibuf->rbuf + ibuf->rpos,
		    ibuf->rlen - ibuf->rpos);
		ibuf->rlen -= ibuf->rpos;
		ibuf->rpos = 0;
	}
	/* Only a caller that does not drain imsg_get() gets here. */
	if (ibuf->rlen == IMSG_RBUF_SIZE) {
		errno = ENOBUFS;
		return (-1);
	}

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = ibuf->rbuf + ibuf->rlen;
	iov.iov_len = IMSG_RBUF_SIZE - ibuf->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	while ((n = recvmsg(ibuf->fd, &msg, MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	if (n == -1)
		return (-1);
	ibuf->rlen += n;
	if (recv_fds(ibuf, &msg) == -1)
		return (-1);
	return (n);
}

/*
 * Queue the fds that came with a read.  Losing one would hand later
 * fds to the wrong messages, so a full queue or truncated control data
 * closes the extra fds and fails the read as a protocol error.
 */
static int
recv_fds(struct imsgbuf *ibuf, struct msghdr *msg)
{
	struct cmsghdr	*cmsg;
	size_t		 i, nfds;
	int		 fd, lost = 0;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (ibuf->rfdcount == IMSG_MAX_FDS) {
				close(fd);
				lost = 1;
				continue;
			}
			ibuf->rfds[(ibuf->rfdhead + ibuf->rfdcount) %
			    IMSG_MAX_FDS] = fd;
			ibuf->rfdcount++;
		}
	}
	if (lost || (msg->msg_flags & MSG_CTRUNC)) {
		errno = EBADMSG;
		return (-1);
	}
	return (0);
}

/*
 * Take the next whole message.  Returns its length (header included),
 * 0 if none is complete yet, -1 with EBADMSG on a malformed stream.
 */
ssize_t
imsg_get(struct imsgbuf *ibuf, struct imsg *imsg)
{
	struct imsg_hdr	 hdr;
	size_t		 avail;

	avail = ibuf->rlen - ibuf->rpos;
	if (avail < IMSG_HEADER_SIZE)
		return (0);
	memcpy(&hdr, ibuf->rbuf + ibuf->rpos, sizeof(hdr));
	if (hdr.len < IMSG_HEADER_SIZE || hdr.len > IMSG_MAX_SIZE ||
	    (hdr.flags & ~IMSG_F_HASFD) != 0) {
		errno = EBADMSG;
		return (-1);
	}
	if (avail < IMSG_ALIGN(hdr.len))
		return (0);

	imsg->fd = -1;
	if (hdr.flags & IMSG_F_HASFD) {
		/* The fd arrives no later than its message's first byte. */
		if (ibuf->rfdcount == 0) {
			errno = EBADMSG;
			return (-1);
		}
		imsg->fd = ibuf->rfds[ibuf->rfdhead];
		ibuf->rfdhead = (ibuf->rfdhead + 1) % IMSG_MAX_FDS;
		ibuf->rfdcount--;
	}
	imsg->hdr = hdr;
	imsg->data = hdr.len > IMSG_HEADER_SIZE ?
	    ibuf->rbuf + ibuf->rpos + IMSG_HEADER_SIZE : NULL;
	ibuf->rpos += IMSG_ALIGN(hdr.len);
	return (hdr.len);
}

int
imsg_get_fd(struct imsg *imsg)
{
	int	 fd = imsg->fd;

	imsg->fd = -1;
	return (fd);
}

size_t
imsg_get_len(const struct imsg *imsg)
{
	return (imsg->hdr.len - IMSG_HEADER_SIZE);
}

/* Fixed-size payloads: anything but exactly len bytes is malformed. */
int
imsg_get_data(const struct imsg *imsg, void *buf, size_t len)
{
	if (imsg_get_len(imsg) != len) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > 0)
		memcpy(buf, imsg->data, len);
	return (0);
}

void
imsg_free(struct imsg *imsg)
{
	if (imsg->fd != -1)
		close(imsg->fd);
	imsg->fd = -1;
}
