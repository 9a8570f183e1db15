/*
 * An imsgbuf on a libevent event: always armed for reading, and for
 * writing only while the output queue holds something, so an idle
 * socket costs no wakeups.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <errno.h>

#include <event2/event.h>

#include "imsg.h"

int
imsgev_init(struct imsgev *iev, struct event_base *base, int fd,
    void (*handler)(int, short, void *), void *data)
{
	imsgbuf_init(&iev->ibuf, fd);
	iev->base = base;
	iev->handler = handler;
	iev->data = data;
	iev->events = 0;
	if ((iev->ev = event_new(base, fd, 0, handler, data)) == NULL)
		return (-1);
	return (0);
}

/*
 * The event is persistent, so it only needs touching when the wanted
 * set changes: the queue went from empty to not, or back.
 */
void
imsgev_add(struct imsgev *iev)
{
	short	 want = EV_READ;

	if (iev->ev == NULL)		/* cleared */
		return;
	if (imsgbuf_queuelen(&iev->ibuf) > 0)
		want |= EV_WRITE;
	if (want == iev->events)
		return;
	if (iev->events != 0)
		event_del(iev->ev);
	event_assign(iev->ev, iev->base, iev->ibuf.fd, want | EV_PERSIST,
	    iev->handler, iev->data);
	event_add(iev->ev, NULL);
	iev->events = want;
}

/*
 * The reading half of a handler: on EV_READ, read what the peer sent.
 * Returns 0 once the peer has closed its end, -1 on an error, else 1
 * (nothing to read yet is no error).
 */
int
imsgev_read(struct imsgev *iev, short event)
{
	ssize_t	 n;

	if ((event & EV_READ) == 0)
		return (1);
	if ((n = imsgbuf_read(&iev->ibuf)) == -1)
		return (errno == EAGAIN ? 1 : -1);
	return (n == 0 ? 0 : 1);
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	if (imsg_compose(&iev->ibuf, type, peerid, pid, fd, data,
	    datalen) == -1)
		return (-1);
	imsgev_add(iev);
	return (0);
}

int
imsgev_composev(struct imsgev *iev, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const struct iovec *iov, int iovcnt)
{
	if (imsg_composev(&iev->ibuf, type, peerid, pid, fd, iov,
	    iovcnt) == -1)
		return (-1);
	imsgev_add(iev);
	return (0);
}

/* Stop watching and free what is queued; the socket stays open. */
void
imsgev_clear(struct imsgev *iev)
{
	if (iev->ev != NULL)
		event_free(iev->ev);
	iev->ev = NULL;
	iev->events = 0;
	imsgbuf_clear(&iev->ibuf);
}
