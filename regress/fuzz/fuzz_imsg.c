/*
 * Fuzz target: the imsg reader (privsep/imsg.c) on arbitrary stream
 * bytes, and the parent's parser of the engine's service and proxy
 * requests (service.c), as a compromised engine would send them.
 *
 * The input is cut into chunks, each written to a socketpair (some with
 * a descriptor attached) and followed by imsgbuf_read() and imsg_get()
 * until it has nothing more or fails, as the daemons' handlers do.
 * Invariants: errors, never a crash or an over-read; every descriptor
 * received is closed by imsg_free() or imsgbuf_clear() (checked: the
 * lowest free descriptor is the same after each input).
 *
 * Chunk format: one control byte c, then (c & 0x7f) * 8 + 1 bytes of
 * stream (fewer at the end); c & 0x80 sends a descriptor with it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "fuzz.h"

static int	 send_chunk(int, const uint8_t *, size_t, int);
static int	 drain(struct imsgbuf *);
static void	 touch(const struct imsg *);
static int	 lowest_fd(void);

static volatile uint8_t	 sink;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(1, 0);
	return (0);
}

static int
lowest_fd(void)
{
	int	 fd;

	if ((fd = open("/dev/null", O_RDONLY)) == -1)
		fuzz_fail("open /dev/null: %s", strerror(errno));
	close(fd);
	return (fd);
}

static int
send_chunk(int fd, const uint8_t *p, size_t len, int withfd)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	int		 nfd = -1;
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (withfd && (nfd = open("/dev/null", O_RDONLY)) != -1) {
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &nfd, sizeof(int));
	}
	n = sendmsg(fd, &msg, 0);
	if (nfd != -1)
		close(nfd);
	return (n == (ssize_t)len ? 0 : -1);
}

/* Every payload byte is read: an over-read is the sanitizer's. */
static void
touch(const struct imsg *imsg)
{
	const uint8_t	*p = imsg->data;
	size_t		 i, len = imsg_get_len(imsg);
	uint8_t		 x = 0;

	if (len > 0 && p == NULL)
		fuzz_fail("payload of %zu bytes at NULL", len);
	for (i = 0; i < len; i++)
		x ^= p[i];
	sink = x;
}

/* The daemons' loop: -1 once the stream is broken, as they would die. */
static int
drain(struct imsgbuf *ibuf)
{
	struct imsg	 imsg;
	struct svc_req	 req;
	uint32_t	 id;
	const char	*tmpl;
	ssize_t		 n;
	int		 fd;

	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			return (-1);
		if (n == 0)
			return (0);
		if ((size_t)n != imsg.hdr.len || n < (ssize_t)IMSG_HEADER_SIZE)
			fuzz_fail("imsg_get returned %zd for len %u", n,
			    imsg.hdr.len);
		touch(&imsg);
		switch (imsg.hdr.type % 4) {
		case 0:
			if (svc_parse_req(&imsg, &req, &tmpl) == 0)
				sink = strlen(tmpl);
			break;
		case 1:
			(void)imsg_get_data(&imsg, &id, sizeof(id));
			break;
		case 2:
			if ((fd = imsg_get_fd(&imsg)) != -1)
				close(fd);
			break;
		default:
			break;
		}
		imsg_free(&imsg);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imsgbuf	 ibuf;
	size_t		 off = 0, n;
	int		 sv[2], before, withfd;

	before = lowest_fd();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		fuzz_fail("socketpair: %s", strerror(errno));
	imsgbuf_init(&ibuf, sv[0]);
	while (off < size) {
		withfd = data[off] & 0x80;
		n = (size_t)(data[off] & 0x7f) * 8 + 1;
		off++;
		if (n > size - off)
			n = size - off;
		if (n == 0 || send_chunk(sv[1], data + off, n, withfd) == -1)
			break;
		off += n;
		if (imsgbuf_read(&ibuf) <= 0 || drain(&ibuf) == -1)
			break;
	}
	imsgbuf_clear(&ibuf);
	close(sv[0]);
	close(sv[1]);
	if (lowest_fd() != before)
		fuzz_fail("a descriptor leaked");
	return (0);
}
