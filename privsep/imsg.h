/*
 * imsg: framed messages between honeyd's processes over a SOCK_STREAM
 * unix socketpair, with at most one file descriptor per message.
 *
 * A message is a struct imsg_hdr followed by hdr.len - IMSG_HEADER_SIZE
 * payload bytes.  On the wire every message is padded with zeros to a
 * multiple of IMSG_ALIGNMENT so that each header, and so each payload,
 * starts 4-byte aligned in the receive buffer: the engine may then read
 * an IP header in place.  hdr.len does not count the padding.
 *
 * Sending: imsg_compose() only appends to an output queue (one growable
 * buffer, no allocation per message); it fails with EMSGSIZE for a
 * message over IMSG_MAX_SIZE, ENOBUFS when the queue would pass
 * IMSG_MAX_QUEUE (a stuck peer: count a drop), or ENOMEM.
 * imsgbuf_write() sends as much as the socket takes, many messages per
 * sendmsg(2), and never blocks: 0 even if something is left (then arm
 * EV_WRITE while imsgbuf_queuelen() > 0), -1 on a real error such as
 * EPIPE.  imsgbuf_flush() blocks in poll(2) until the queue is empty.
 *
 * Receiving: imsgbuf_read() does one recvmsg(2) into a buffer that
 * holds many messages (it blocks only if the socket does); then call
 * imsg_get() until it returns 0, after every read: a reader that lets
 * messages pile up gets ENOBUFS once the buffer is full, and EBADMSG
 * once more than IMSG_MAX_FDS fds wait (so does a peer sending more fds
 * than messages).  The payload is not copied: imsg.data
 * points into the receive buffer, 4-byte aligned, and stays valid only
 * until the next imsg_get() or imsgbuf_read() on the same imsgbuf.
 * Fixed-size payloads are taken with imsg_get_data(), which insists on
 * the exact size (else EBADMSG).  imsg_get() returns -1 with EBADMSG for
 * a header with an impossible length or flags, or an fd that never came.
 *
 * File descriptors: the one passed to imsg_compose() belongs to the
 * imsgbuf from then on, even if the call fails; it is closed once sent
 * or by imsgbuf_clear().  A received one belongs to the struct imsg
 * until imsg_get_fd() hands it over; imsg_free() closes it otherwise.
 * The socket itself is never closed here; its owner closes it.
 */

#ifndef IMSG_H
#define IMSG_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>

struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;		/* header + payload, no padding */
	uint16_t	 flags;		/* IMSG_F_* */
	uint16_t	 pad;
	uint32_t	 peerid;
	uint32_t	 pid;
};

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)
/* A whole IPv4 packet plus a small header of our own fits. */
#define IMSG_MAX_SIZE		(65536 + 4096)
#define IMSG_MAX_PAYLOAD	(IMSG_MAX_SIZE - IMSG_HEADER_SIZE)
#define IMSG_ALIGNMENT		4
#define IMSG_ALIGN(n)		(((n) + IMSG_ALIGNMENT - 1) & \
				    ~(size_t)(IMSG_ALIGNMENT - 1))

#define IMSG_F_HASFD		0x0001	/* an fd travels with this message */

/* Bytes queued for output before compose fails with ENOBUFS. */
#define IMSG_MAX_QUEUE		(16 * 1024 * 1024)
/* Received fds not yet claimed by imsg_get(). */
#define IMSG_MAX_FDS		64
/* Receive buffer: room for several largest messages per read. */
#define IMSG_RBUF_SIZE		(4 * IMSG_MAX_SIZE)

struct imsg_ofd {
	size_t		 off;		/* where its message starts in obuf */
	int		 fd;
};

struct imsgbuf {
	int		 fd;		/* the socket */

	/* Output: obuf[opos..olen) is still to be sent. */
	unsigned char	*obuf;
	size_t		 ocap, olen, opos;
	struct imsg_ofd	*ofds;		/* ofds[ofdpos..ofdlen) in order */
	size_t		 ofdcap, ofdlen, ofdpos;

	/* Input: rbuf[rpos..rlen) is received but not yet taken. */
	unsigned char	*rbuf;
	size_t		 rlen, rpos;
	int		 rfds[IMSG_MAX_FDS];	/* ring of received fds */
	unsigned int	 rfdhead, rfdcount;
};

struct imsg {
	struct imsg_hdr	 hdr;
	void		*data;		/* payload or NULL; see above */
	int		 fd;		/* use imsg_get_fd() */
};

/* imsg.c */
void	 imsgbuf_init(struct imsgbuf *, int);
void	 imsgbuf_clear(struct imsgbuf *);
size_t	 imsgbuf_queuelen(const struct imsgbuf *);
int	 imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsg_composev(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
	    const struct iovec *, int);
int	 imsgbuf_write(struct imsgbuf *);
int	 imsgbuf_flush(struct imsgbuf *);
ssize_t	 imsgbuf_read(struct imsgbuf *);
ssize_t	 imsg_get(struct imsgbuf *, struct imsg *);
int	 imsg_get_fd(struct imsg *);
size_t	 imsg_get_len(const struct imsg *);
int	 imsg_get_data(const struct imsg *, void *, size_t);
void	 imsg_free(struct imsg *);

/*
 * imsg_event.c: an imsgbuf driven by one persistent libevent event.
 * The handler is an ordinary event callback: it calls imsgev_read(),
 * loops over imsg_get(), writes if the event says so, and ends with
 * imsgev_add().
 */
struct event;
struct event_base;

struct imsgev {
	struct imsgbuf	 ibuf;
	struct event	*ev;
	struct event_base *base;
	void		(*handler)(int, short, void *);
	void		*data;
	short		 events;	/* currently armed, 0 if none */
};

int	 imsgev_init(struct imsgev *, struct event_base *, int,
	    void (*)(int, short, void *), void *);
void	 imsgev_add(struct imsgev *);
int	 imsgev_read(struct imsgev *, short);
int	 imsgev_compose(struct imsgev *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsgev_composev(struct imsgev *, uint32_t, uint32_t, pid_t, int,
	    const struct iovec *, int);
void	 imsgev_clear(struct imsgev *);

#endif /* IMSG_H */
