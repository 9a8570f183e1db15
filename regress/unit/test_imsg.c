/*
 * Unit tests for privsep/imsg.c and privsep/imsg_event.c.  Both ends of
 * each socketpair live in this process and are pumped by hand, except
 * in test_imsgev where libevent does it.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* pipe2 */
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "imsg.h"
#include "unit.h"

#define SMALL_SOCKBUF	4096
#define BIG_SOCKBUF	(4 * 1024 * 1024)
#define MSG_TYPE(i)	(1000 + (uint32_t)(i))
#define MSG_PEERID(i)	((uint32_t)(i) * 7)

/* What the receiving side expects: message i has sizes[i] bytes. */
struct expect {
	size_t	 n;
	size_t	 next;		/* index of the next message to arrive */
	size_t	*sizes;
	int	*pipes;		/* read end of message i's pipe, or -1 */
	int	 bad;		/* messages that were not as expected */
};

typedef void	(*msg_cb)(struct imsg *, void *);

static void
make_pair(int sv[2], int sockbuf)
{
	int	 i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1) {
		perror("socketpair");
		exit(2);
	}
	for (i = 0; sockbuf > 0 && i < 2; i++) {
		if (setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &sockbuf,
		    sizeof(sockbuf)) == -1)
			setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sockbuf,
			    sizeof(sockbuf));
		if (setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &sockbuf,
		    sizeof(sockbuf)) == -1)
			setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sockbuf,
			    sizeof(sockbuf));
	}
}

static void
make_pipe(int p[2])
{
	/* The read end does not block, so a leaked write end shows. */
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		perror("pipe");
		exit(2);
	}
}

static int
count_fds(void)
{
	DIR	*d;
	int	 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (-1);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return (n);
}

/* 1 if the pipe's write ends are all closed and it holds no data. */
static int
pipe_closed(int rfd)
{
	char	 c;

	return (read(rfd, &c, 1) == 0);
}

static unsigned char
pattern(size_t i, size_t j)
{
	return ((unsigned char)(i * 131 + j * 7 + (j >> 8)));
}

static struct expect *
expect_new(size_t n)
{
	struct expect	*e;
	size_t		 i;

	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->sizes = calloc(n, sizeof(*e->sizes))) == NULL ||
	    (e->pipes = calloc(n, sizeof(*e->pipes))) == NULL) {
		perror("calloc");
		exit(2);
	}
	e->n = n;
	for (i = 0; i < n; i++)
		e->pipes[i] = -1;
	return (e);
}

/* Each fd went to its own message and nothing kept a copy of it. */
static int
expect_pipes_ok(struct expect *e)
{
	uint32_t	 v;
	size_t		 i;
	int		 ok = 1;

	for (i = 0; i < e->n; i++) {
		if (e->pipes[i] == -1)
			continue;
		if (read(e->pipes[i], &v, sizeof(v)) != sizeof(v) || v != i ||
		    !pipe_closed(e->pipes[i]))
			ok = 0;
		close(e->pipes[i]);
	}
	return (ok);
}

static void
expect_free(struct expect *e)
{
	free(e->sizes);
	free(e->pipes);
	free(e);
}

/* Queue message i; withfd passes the write end of a new pipe. */
static int
send_msg(struct imsgbuf *w, struct expect *e, size_t i, int withfd)
{
	unsigned char	*buf;
	size_t		 j;
	int		 p[2], fd = -1, rv;

	if ((buf = malloc(e->sizes[i] + 1)) == NULL) {
		perror("malloc");
		exit(2);
	}
	for (j = 0; j < e->sizes[i]; j++)
		buf[j] = pattern(i, j);
	if (withfd) {
		make_pipe(p);
		e->pipes[i] = p[0];
		fd = p[1];
	}
	rv = imsg_compose(w, MSG_TYPE(i), MSG_PEERID(i), getpid(), fd, buf,
	    e->sizes[i]);
	free(buf);
	return (rv);
}

/* Receiver side: compare a message with what was sent as number next. */
static void
check_msg(struct imsg *imsg, void *arg)
{
	struct expect	*e = arg;
	unsigned char	*p = imsg->data;
	size_t		 i = e->next++, j;
	uint32_t	 v = i;
	int		 fd;

	if (i >= e->n || imsg->hdr.type != MSG_TYPE(i) ||
	    imsg->hdr.peerid != MSG_PEERID(i) ||
	    imsg->hdr.pid != (uint32_t)getpid() ||
	    imsg_get_len(imsg) != e->sizes[i] ||
	    (p == NULL) != (e->sizes[i] == 0) ||
	    ((uintptr_t)p % IMSG_ALIGNMENT) != 0) {
		e->bad++;
		return;
	}
	for (j = 0; j < e->sizes[i]; j++)
		if (p[j] != pattern(i, j)) {
			e->bad++;
			return;
		}
	fd = imsg_get_fd(imsg);
	if ((fd != -1) != (e->pipes[i] != -1))
		e->bad++;
	if (fd == -1)
		return;
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC) ||
	    write(fd, &v, sizeof(v)) != sizeof(v))
		e->bad++;
	close(fd);
}

/*
 * Move everything queued on w into r, handing each message to cb.
 * Done when w is empty and r has nothing left to read.  Returns the
 * number of messages, or -1 on any error.
 */
static long
pump(struct imsgbuf *w, struct imsgbuf *r, msg_cb cb, void *arg)
{
	struct imsg	 imsg;
	ssize_t		 n, got;
	long		 count = 0, rounds;

	for (rounds = 0; rounds < 10000000; rounds++) {
		if (imsgbuf_write(w) == -1)
			return (-1);
		n = imsgbuf_read(r);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			return (-1);
		while ((got = imsg_get(r, &imsg)) > 0) {
			cb(&imsg, arg);
			imsg_free(&imsg);
			count++;
		}
		if (got == -1)
			return (-1);
		if (n == -1 && imsgbuf_queuelen(w) == 0)
			return (count);
	}
	return (-1);
}

static void
test_roundtrip(void)
{
	struct imsgbuf	 w, r;
	struct expect	*e;
	size_t		 i, n = 0, sz;
	int		 sv[2], rv = 0;

	make_pair(sv, 0);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	e = expect_new(200);
	/* Every small size (all paddings), then steps up to the limit. */
	for (sz = 0; sz <= 64; sz++)
		e->sizes[n++] = sz;
	for (sz = 1000; sz < IMSG_MAX_PAYLOAD; sz += 997)
		e->sizes[n++] = sz;
	e->sizes[n++] = IMSG_MAX_PAYLOAD - 1;
	e->sizes[n++] = IMSG_MAX_PAYLOAD;
	e->n = n;
	for (i = 0; i < n; i++)
		rv |= send_msg(&w, e, i, 0);
	CHECK(rv == 0);
	CHECK(pump(&w, &r, check_msg, e) == (long)n);
	CHECK(e->next == n && e->bad == 0);

	/* One byte too many is refused at compose. */
	e->sizes[0] = IMSG_MAX_PAYLOAD + 1;
	CHECK(send_msg(&w, e, 0, 0) == -1 && errno == EMSGSIZE);
	CHECK(imsgbuf_queuelen(&w) == 0);

	expect_free(e);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

static void
test_composev(void)
{
	struct imsgbuf	 w, r;
	struct imsg	 imsg;
	struct iovec	 iov[3];
	char		 buf[16];
	int		 sv[2];

	make_pair(sv, 0);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	iov[0].iov_base = "abc";
	iov[0].iov_len = 3;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = "defgh";
	iov[2].iov_len = 5;
	CHECK(imsg_composev(&w, 7, 8, 9, -1, iov, 3) == 0);
	CHECK(imsgbuf_queuelen(&w) == IMSG_ALIGN(IMSG_HEADER_SIZE + 8));
	CHECK(imsgbuf_flush(&w) == 0 && imsgbuf_queuelen(&w) == 0);
	CHECK(imsgbuf_read(&r) > 0);
	CHECK(imsg_get(&r, &imsg) == (ssize_t)(IMSG_HEADER_SIZE + 8));
	CHECK(imsg.hdr.type == 7 && imsg.hdr.peerid == 8 &&
	    imsg.hdr.pid == 9 && imsg.fd == -1);
	CHECK(imsg_get_data(&imsg, buf, 8) == 0 &&
	    memcmp(buf, "abcdefgh", 8) == 0);
	imsg_free(&imsg);
	CHECK(imsg_get(&r, &imsg) == 0);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Thousands of small messages: one write call sends them all, given
 * room in the socket, and a few reads take them all.
 */
static void
test_batching(void)
{
	struct imsgbuf	 w, r;
	struct expect	*e;
	struct imsg	 imsg;
	size_t		 i, n = 10000, total;
	ssize_t		 got;
	int		 sv[2], rv = 0, reads = 0;

	make_pair(sv, BIG_SOCKBUF);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	e = expect_new(n);
	for (i = 0; i < n; i++) {
		e->sizes[i] = 4;
		rv |= send_msg(&w, e, i, 0);
	}
	CHECK(rv == 0);
	total = n * (IMSG_HEADER_SIZE + 4);
	CHECK(imsgbuf_queuelen(&w) == total);
	CHECK(imsgbuf_write(&w) == 0);
	/* Without root the socket may hold less; most must still go. */
	CHECK(imsgbuf_queuelen(&w) < total / 2);
	while (e->next < n && rv == 0 && reads < 1000) {
		if (imsgbuf_write(&w) == -1 ||
		    (imsgbuf_read(&r) == -1 && errno != EAGAIN))
			rv = -1;
		reads++;
		while ((got = imsg_get(&r, &imsg)) > 0) {
			check_msg(&imsg, e);
			imsg_free(&imsg);
		}
		if (got == -1)
			rv = -1;
	}
	CHECK(rv == 0 && e->next == n && e->bad == 0);
	CHECK(reads <= 10);
	printf("batching: %zu messages in %d reads\n", n, reads);
	expect_free(e);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/*
 * A small socket buffer forces partial writes in the middle of large
 * messages and right at fd-carrying ones, while more messages keep
 * being queued behind them, so the output buffer is compacted with fds
 * still pending.
 */
static void
test_partial(void)
{
	struct imsgbuf	 w, r;
	struct expect	*e;
	struct imsg	 imsg;
	uint32_t	 seed = 12345;
	size_t		 i, n = 400;
	ssize_t		 got;
	int		 sv[2], rv = 0, partial = 0;

	make_pair(sv, SMALL_SOCKBUF);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	e = expect_new(n);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		e->sizes[i] = (seed >> 8) % (i % 3 == 0 ?
		    IMSG_MAX_PAYLOAD + 1 : 300);
	}

	/* Three largest messages cannot go in one write. */
	for (i = 0; i < 3; i++) {
		e->sizes[i] = IMSG_MAX_PAYLOAD;
		rv |= send_msg(&w, e, i, i == 1);
	}
	CHECK(imsgbuf_write(&w) == 0 && imsgbuf_queuelen(&w) > 0);
	CHECK(imsgbuf_write(&w) == 0 && imsgbuf_queuelen(&w) > 0);

	/* Queue, write once, read once, again and again. */
	for (; i < n; i++) {
		rv |= send_msg(&w, e, i, i % 7 == 0);
		if (i % 5 != 0)
			continue;
		if (imsgbuf_write(&w) == -1)
			rv = -1;
		if (imsgbuf_queuelen(&w) > 0)
			partial++;
		if (imsgbuf_read(&r) == -1 && errno != EAGAIN)
			rv = -1;
		while ((got = imsg_get(&r, &imsg)) > 0) {
			check_msg(&imsg, e);
			imsg_free(&imsg);
		}
		if (got == -1)
			rv = -1;
	}
	CHECK(rv == 0);
	CHECK(partial > 10);
	CHECK(pump(&w, &r, check_msg, e) >= 0);
	CHECK(e->next == n && e->bad == 0);
	CHECK(expect_pipes_ok(e));
	expect_free(e);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Squeezing sent bytes out of the output buffer must move the positions
 * of fds still to be sent along with their messages.  Get there on
 * purpose: a big message more than half sent, fd messages behind it,
 * then one more message that only fits once the buffer is compacted.
 */
static void
test_compact_fds(void)
{
	struct imsgbuf	 w, r;
	struct expect	*e;
	struct imsg	 imsg;
	size_t		 half;
	ssize_t		 got;
	int		 sv[2], rv = 0;

	make_pair(sv, SMALL_SOCKBUF);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	e = expect_new(5);
	e->sizes[1] = 50000;
	rv |= send_msg(&w, e, 0, 1);
	rv |= send_msg(&w, e, 1, 0);
	rv |= send_msg(&w, e, 2, 1);
	rv |= send_msg(&w, e, 3, 1);
	half = w.olen / 2;
	while (rv == 0 && w.opos < half) {
		rv |= imsgbuf_write(&w);
		if (imsgbuf_read(&r) == -1 && errno != EAGAIN)
			rv = -1;
		while ((got = imsg_get(&r, &imsg)) > 0) {
			check_msg(&imsg, e);
			imsg_free(&imsg);
		}
	}
	CHECK(rv == 0);
	/* Stopped inside message 1, with fds 2 and 3 still queued. */
	CHECK(e->next == 1 && w.ofdpos == 1 && w.ofdlen == 3);
	e->sizes[4] = w.ocap - w.olen + 1;
	CHECK(send_msg(&w, e, 4, 1) == 0);
	CHECK(w.opos == 0);		/* it was compacted */
	CHECK(pump(&w, &r, check_msg, e) >= 0);
	CHECK(e->next == 5 && e->bad == 0);
	CHECK(expect_pipes_ok(e));
	expect_free(e);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/* Send n pipe write ends in one raw SCM_RIGHTS message of len bytes. */
static int
send_raw_fds(int sock, int n, const void *buf, size_t len)
{
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	char		*cbuf;
	int		 i, p[2], rv;

	if ((cbuf = calloc(1, CMSG_SPACE(n * sizeof(int)))) == NULL)
		return (-1);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	for (i = 0; i < n; i++) {
		make_pipe(p);
		close(p[0]);
		memcpy(CMSG_DATA(cmsg) + i * sizeof(int), &p[1], sizeof(int));
	}
	rv = sendmsg(sock, &msg, 0) == (ssize_t)len ? 0 : -1;
	for (i = 0; i < n; i++) {
		memcpy(&p[1], CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
		close(p[1]);
	}
	free(cbuf);
	return (rv);
}

/*
 * More fds than the reader can account for, at once or piling up
 * unclaimed, is a protocol error; the extra fds are closed, not leaked
 * (main checks the fd count).
 */
static void
test_fd_flood(void)
{
	struct imsgbuf	 r;
	struct imsg_hdr	 hdr;
	ssize_t		 n;
	int		 sv[2], i;

	memset(&hdr, 0, sizeof(hdr));
	hdr.len = IMSG_HEADER_SIZE;
	hdr.flags = IMSG_F_HASFD;

	/* Far more fds in one message than a read has room for. */
	make_pair(sv, 0);
	imsgbuf_init(&r, sv[1]);
	CHECK(send_raw_fds(sv[0], 100, &hdr, sizeof(hdr)) == 0);
	CHECK(imsgbuf_read(&r) == -1 && errno == EBADMSG);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);

	/* One fd per message, but nobody calls imsg_get(). */
	make_pair(sv, 0);
	imsgbuf_init(&r, sv[1]);
	for (i = 0; i <= IMSG_MAX_FDS; i++)
		if (send_raw_fds(sv[0], 1, &hdr, sizeof(hdr)) == -1)
			break;
	CHECK(i == IMSG_MAX_FDS + 1);
	for (i = 0; i <= IMSG_MAX_FDS; i++)
		if ((n = imsgbuf_read(&r)) <= 0)
			break;
	CHECK(i == IMSG_MAX_FDS && n == -1 && errno == EBADMSG);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/* Pipes travel in messages among plain ones and each reaches its own. */
static void
test_fdpass(void)
{
	struct imsgbuf	 w, r;
	struct expect	*e;
	size_t		 i, n = 40;
	int		 sv[2], rv = 0;

	make_pair(sv, 0);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	e = expect_new(n);
	for (i = 0; i < n; i++) {
		e->sizes[i] = i * 3;
		/* Some fd messages back to back, some apart. */
		rv |= send_msg(&w, e, i, i % 5 == 2 || i == 20 || i == 21);
	}
	CHECK(rv == 0);
	CHECK(pump(&w, &r, check_msg, e) == (long)n);
	CHECK(e->next == n && e->bad == 0);
	CHECK(expect_pipes_ok(e));
	expect_free(e);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/* Whoever holds an fd closes it, on every path. */
static void
test_fd_ownership(void)
{
	struct imsgbuf	 w, r;
	struct imsg	 imsg;
	int		 sv[2], p[2];

	make_pair(sv, 0);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);

	/* Queued but never sent: imsgbuf_clear closes it. */
	make_pipe(p);
	CHECK(imsg_compose(&w, 1, 0, 0, p[1], NULL, 0) == 0);
	imsgbuf_clear(&w);
	CHECK(pipe_closed(p[0]));
	close(p[0]);

	/* A failed compose still takes the fd (too long: data not read). */
	make_pipe(p);
	CHECK(imsg_compose(&w, 1, 0, 0, p[1], NULL, IMSG_MAX_SIZE) == -1);
	CHECK(pipe_closed(p[0]));
	close(p[0]);

	/* Received and not claimed: imsg_free closes it. */
	make_pipe(p);
	CHECK(imsg_compose(&w, 1, 0, 0, p[1], NULL, 0) == 0);
	CHECK(imsgbuf_flush(&w) == 0);
	CHECK(pipe_closed(p[0]) == 0);		/* in flight: still open */
	CHECK(imsgbuf_read(&r) > 0);
	CHECK(imsg_get(&r, &imsg) > 0 && imsg.fd != -1);
	imsg_free(&imsg);
	CHECK(imsg.fd == -1 && pipe_closed(p[0]));
	close(p[0]);

	/* Received, still in the fd queue: imsgbuf_clear closes it. */
	make_pipe(p);
	CHECK(imsg_compose(&w, 1, 0, 0, p[1], NULL, 0) == 0);
	CHECK(imsgbuf_flush(&w) == 0);
	CHECK(imsgbuf_read(&r) > 0);
	imsgbuf_clear(&r);
	CHECK(pipe_closed(p[0]));
	close(p[0]);

	imsgbuf_clear(&w);
	close(sv[0]);
	close(sv[1]);
}

/* Fixed-size payloads are taken only at exactly their size. */
static void
test_exact_size(void)
{
	struct imsgbuf	 w, r;
	struct imsg	 imsg;
	struct { uint32_t a; uint16_t b, c; } in = { 1, 2, 3 }, out;
	char		 bigger[sizeof(in) + 1];
	int		 sv[2];

	make_pair(sv, 0);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	CHECK(imsg_compose(&w, 1, 0, 0, -1, &in, sizeof(in)) == 0);
	CHECK(imsg_compose(&w, 2, 0, 0, -1, NULL, 0) == 0);
	CHECK(imsgbuf_flush(&w) == 0);
	CHECK(imsgbuf_read(&r) > 0);

	CHECK(imsg_get(&r, &imsg) == (ssize_t)(IMSG_HEADER_SIZE + sizeof(in)));
	CHECK(imsg_get_len(&imsg) == sizeof(in));
	errno = 0;
	CHECK(imsg_get_data(&imsg, &out, sizeof(in) - 1) == -1 &&
	    errno == EBADMSG);
	errno = 0;
	CHECK(imsg_get_data(&imsg, bigger, sizeof(bigger)) == -1 &&
	    errno == EBADMSG);
	CHECK(imsg_get_data(&imsg, &out, sizeof(out)) == 0 &&
	    memcmp(&in, &out, sizeof(in)) == 0);
	imsg_free(&imsg);

	CHECK(imsg_get(&r, &imsg) == (ssize_t)IMSG_HEADER_SIZE);
	CHECK(imsg_get_len(&imsg) == 0 && imsg.data == NULL);
	CHECK(imsg_get_data(&imsg, NULL, 0) == 0);
	CHECK(imsg_get_data(&imsg, &out, sizeof(out)) == -1 &&
	    errno == EBADMSG);
	imsg_free(&imsg);
	CHECK(imsg_get(&r, &imsg) == 0);

	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/* Write a raw header to a fresh pair; return what imsg_get says. */
static ssize_t
get_raw(uint32_t len, uint16_t flags, size_t extra)
{
	struct imsgbuf	 r;
	struct imsg	 imsg;
	struct imsg_hdr	 hdr;
	unsigned char	 buf[sizeof(hdr) + 64];
	ssize_t		 rv;
	int		 sv[2];

	make_pair(sv, 0);
	imsgbuf_init(&r, sv[1]);
	memset(buf, 0, sizeof(buf));
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = 1;
	hdr.len = len;
	hdr.flags = flags;
	memcpy(buf, &hdr, sizeof(hdr));
	if (write(sv[0], buf, sizeof(hdr) + extra) == -1 ||
	    imsgbuf_read(&r) <= 0)
		rv = -2;
	else {
		errno = 0;
		rv = imsg_get(&r, &imsg);
		if (rv > 0)
			imsg_free(&imsg);
	}
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
	return (rv);
}

static void
test_malformed(void)
{
	CHECK(get_raw(IMSG_HEADER_SIZE - 1, 0, 0) == -1 && errno == EBADMSG);
	CHECK(get_raw(0, 0, 0) == -1 && errno == EBADMSG);
	CHECK(get_raw(IMSG_MAX_SIZE + 1, 0, 0) == -1 && errno == EBADMSG);
	CHECK(get_raw(UINT32_MAX, 0, 0) == -1 && errno == EBADMSG);
	/* Flagged as carrying an fd, but none came. */
	CHECK(get_raw(IMSG_HEADER_SIZE, IMSG_F_HASFD, 0) == -1 &&
	    errno == EBADMSG);
	CHECK(get_raw(IMSG_HEADER_SIZE, 0x8000, 0) == -1 && errno == EBADMSG);
	/* Sane ones: the largest is merely incomplete, not an error. */
	CHECK(get_raw(IMSG_MAX_SIZE, 0, 0) == 0);
	CHECK(get_raw(IMSG_HEADER_SIZE + 10, 0, 10) == 0);	/* no padding */
	CHECK(get_raw(IMSG_HEADER_SIZE + 10, 0, 12) ==
	    (ssize_t)IMSG_HEADER_SIZE + 10);
}

static void
test_eof(void)
{
	struct imsgbuf	 w, r;
	struct imsg	 imsg;
	int		 sv[2];

	make_pair(sv, 0);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	CHECK(imsgbuf_read(&r) == -1 && errno == EAGAIN);
	CHECK(imsg_compose(&w, 1, 0, 0, -1, "x", 1) == 0);
	CHECK(imsgbuf_flush(&w) == 0);
	close(sv[0]);
	/* Data first, then EOF. */
	CHECK(imsgbuf_read(&r) > 0);
	CHECK(imsg_get(&r, &imsg) > 0);
	imsg_free(&imsg);
	CHECK(imsgbuf_read(&r) == 0);

	/* Writing to a closed peer is EPIPE, without a SIGPIPE. */
	imsgbuf_clear(&w);
	imsgbuf_init(&w, sv[1]);
	CHECK(imsg_compose(&w, 1, 0, 0, -1, "x", 1) == 0);
	CHECK(imsgbuf_write(&w) == -1 && errno == EPIPE);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[1]);
}

/* A stuck peer: the queue stops at IMSG_MAX_QUEUE, then drains. */
static void
test_queue_bound(void)
{
	struct imsgbuf	 w, r;
	struct expect	*e;
	size_t		 i, n = IMSG_MAX_QUEUE / IMSG_MAX_SIZE + 2;
	int		 sv[2], p[2];

	make_pair(sv, 0);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	e = expect_new(n);
	for (i = 0; i < n; i++) {
		e->sizes[i] = IMSG_MAX_PAYLOAD;
		if (send_msg(&w, e, i, 0) == -1)
			break;
	}
	CHECK(i == IMSG_MAX_QUEUE / IMSG_MAX_SIZE && errno == ENOBUFS);
	CHECK(imsgbuf_queuelen(&w) <= IMSG_MAX_QUEUE);
	e->n = i;

	/* The refused message's fd is closed, not leaked. */
	make_pipe(p);
	CHECK(imsg_compose(&w, 1, 0, 0, p[1], NULL, IMSG_MAX_PAYLOAD) == -1 &&
	    errno == ENOBUFS);
	CHECK(pipe_closed(p[0]));
	close(p[0]);

	CHECK(pump(&w, &r, check_msg, e) == (long)e->n);
	CHECK(e->bad == 0);
	/* Drained, the queue takes messages again. */
	CHECK(imsg_compose(&w, 1, 0, 0, -1, "x", 1) == 0);
	expect_free(e);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/* A reader that never calls imsg_get() is told, not given a fake EOF. */
static void
test_undrained(void)
{
	struct imsgbuf	 w, r;
	char		 buf[1000];
	ssize_t		 n = 0;
	int		 sv[2], i, rv = 0;

	make_pair(sv, BIG_SOCKBUF);
	imsgbuf_init(&w, sv[0]);
	imsgbuf_init(&r, sv[1]);
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < 2 * IMSG_RBUF_SIZE / (int)sizeof(buf); i++)
		rv |= imsg_compose(&w, 1, 0, 0, -1, buf, sizeof(buf));
	CHECK(rv == 0);
	do {
		if (imsgbuf_write(&w) == -1)
			break;
		n = imsgbuf_read(&r);
	} while (n > 0 || (n == -1 && errno == EAGAIN &&
	    imsgbuf_queuelen(&w) > 0));
	CHECK(n == -1 && errno == ENOBUFS);
	imsgbuf_clear(&w);
	imsgbuf_clear(&r);
	close(sv[0]);
	close(sv[1]);
}

/* libevent: A sends messages, B answers the last, A stops the loop. */
struct evside {
	struct imsgev	 iev;
	size_t		 got;
	int		 done, bad;
};

static struct evside	 side_a, side_b;
#define EV_COUNT	5000
#define EV_DONE		99

static void
ev_dispatch(struct evside *me, struct imsg *imsg)
{
	uint32_t	 v;

	if (me == &side_b) {
		if (imsg_get_data(imsg, &v, sizeof(v)) == -1 || v != me->got)
			me->bad++;
		if (++me->got == EV_COUNT &&
		    imsgev_compose(&me->iev, EV_DONE, 0, 0, -1, NULL, 0) == -1)
			me->bad++;
	} else if (imsg->hdr.type == EV_DONE) {
		me->done = 1;
		event_base_loopbreak(me->iev.base);
	}
}

static void
ev_handler(int fd, short event, void *arg)
{
	struct evside	*me = arg;
	struct imsg	 imsg;
	ssize_t		 n;

	(void)fd;
	if (event & EV_READ) {
		n = imsgbuf_read(&me->iev.ibuf);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			me->bad++;
	}
	if ((event & EV_WRITE) && imsgbuf_write(&me->iev.ibuf) == -1)
		me->bad++;
	while ((n = imsg_get(&me->iev.ibuf, &imsg)) > 0) {
		ev_dispatch(me, &imsg);
		imsg_free(&imsg);
	}
	if (n == -1)
		me->bad++;
	imsgev_add(&me->iev);
}

static void
test_imsgev(void)
{
	struct event_base	*base;
	struct timeval		 tv = { 10, 0 };
	uint32_t		 i;
	int			 sv[2], rv = 0;

	make_pair(sv, SMALL_SOCKBUF);
	base = event_base_new();
	CHECK(imsgev_init(&side_a.iev, base, sv[0], ev_handler, &side_a) == 0);
	CHECK(imsgev_init(&side_b.iev, base, sv[1], ev_handler, &side_b) == 0);
	imsgev_add(&side_b.iev);
	CHECK(side_b.iev.events == EV_READ);
	for (i = 0; i < EV_COUNT; i++)
		rv |= imsgev_compose(&side_a.iev, 1, 0, 0, -1, &i, sizeof(i));
	CHECK(rv == 0);
	CHECK(side_a.iev.events == (EV_READ | EV_WRITE));
	event_base_loopexit(base, &tv);		/* in case it hangs */
	event_base_dispatch(base);
	CHECK(side_a.done && side_b.got == EV_COUNT);
	CHECK(side_a.bad == 0 && side_b.bad == 0);
	/* Both queues are empty, so neither waits for writability. */
	CHECK(side_a.iev.events == EV_READ && side_b.iev.events == EV_READ);
	imsgev_clear(&side_a.iev);
	imsgev_clear(&side_b.iev);
	CHECK(side_a.iev.ev == NULL && side_a.iev.events == 0);
	event_base_free(base);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	int	 nfds = count_fds();

	test_roundtrip();
	test_composev();
	test_batching();
	test_partial();
	test_compact_fds();
	test_fdpass();
	test_fd_flood();
	test_fd_ownership();
	test_exact_size();
	test_malformed();
	test_eof();
	test_queue_bound();
	test_undrained();
	test_imsgev();
	CHECK(count_fds() == nfds);	/* no fd leaked anywhere */
	return (unit_done());
}
