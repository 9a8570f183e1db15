/*
 * Unit tests for the batches of frames between the parent and the
 * engine (framebatch.c): what one side composes the other walks back
 * frame by frame, a batch per destination, split when full; a batch
 * whose lengths do not add up is refused whole by the parser, and by
 * the parent (wire_output_batch) which counts it and sends nothing.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "unit.h"

struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

static struct parent	 par;

/* A pair of imsgbufs over a non-blocking socketpair: [0] sends. */
static void
pair(struct imsgbuf ib[2])
{
	int	 fds[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	imsgbuf_init(&ib[0], fds[0]);
	imsgbuf_init(&ib[1], fds[1]);
}

static void
unpair(struct imsgbuf ib[2])
{
	framebatch_forget(&ib[0]);
	close(ib[0].fd);
	close(ib[1].fd);
	imsgbuf_clear(&ib[0]);
	imsgbuf_clear(&ib[1]);
}

/* Write what ib[0] queued, read it at ib[1], take one message. */
static int
take(struct imsgbuf ib[2], struct imsg *imsg)
{
	ssize_t	 n;

	if ((n = imsg_get(&ib[1], imsg)) != 0)
		return (n);
	while (imsgbuf_queuelen(&ib[0]) > 0)
		if (imsgbuf_write(&ib[0]) == -1)
			return (-1);
	if (imsgbuf_read(&ib[1]) <= 0)
		return (0);
	return (imsg_get(&ib[1], imsg));
}

static void
fill(uint8_t *p, size_t len, uint8_t seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i);
}

/* Frames of every length class go through in order, aligned. */
static void
test_roundtrip(void)
{
	static const size_t	 lens[] = { 1, 2, 3, 4, 5, 20, 60, 1500,
				    HONEYD_MAX_PKT, 40, HONEYD_MAX_PKT };
	static uint8_t		 pkt[HONEYD_MAX_PKT];
	struct imsgbuf		 ib[2];
	struct framebatch_frame	 f;
	struct imsg		 imsg;
	size_t			 i = 0, off, got = 0, msgs = 0;
	int			 ok = 1;

	pair(ib);
	CHECK(!framebatch_pending(&ib[0]));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fill(pkt, lens[i], (uint8_t)i);
		CHECK(framebatch_add(&ib[0], IMSG_PKT_IN_BATCH, FRAME_IN,
		    (uint8_t)i, pkt, lens[i]) == 0);
	}
	CHECK(framebatch_pending(&ib[0]));
	CHECK(framebatch_flush(&ib[0]) == 0);
	CHECK(!framebatch_pending(&ib[0]));
	while (take(ib, &imsg) > 0) {
		msgs++;
		CHECK(imsg.hdr.type == IMSG_PKT_IN_BATCH);
		CHECK(framebatch_check(imsg.data, imsg_get_len(&imsg)) > 0);
		off = 0;
		while (framebatch_next(imsg.data, imsg_get_len(&imsg), &off,
		    &f)) {
			fill(pkt, lens[got], (uint8_t)got);
			if (f.len != lens[got] || f.iface != got ||
			    f.kind != FRAME_IN ||
			    ((uintptr_t)f.pkt & 3) != 0 ||
			    memcmp(f.pkt, pkt, f.len) != 0)
				ok = 0;
			got++;
		}
		imsg_free(&imsg);
	}
	CHECK(ok);
	CHECK(got == sizeof(lens) / sizeof(lens[0]));
	/* Two largest frames do not fit in one batch: two messages. */
	CHECK(msgs == 2);
	unpair(ib);
}

/* Two destinations keep two batches; a change of type splits one. */
static void
test_destinations(void)
{
	struct imsgbuf	 a[2], b[2];
	struct imsg	 imsg;
	uint8_t		 pkt[40];
	int		 i;

	pair(a);
	pair(b);
	memset(pkt, 0x45, sizeof(pkt));
	for (i = 0; i < 3; i++) {
		CHECK(framebatch_add(&a[0], IMSG_PKT_IN_BATCH, FRAME_IN, 0,
		    pkt, sizeof(pkt)) == 0);
		CHECK(framebatch_add(&b[0], IMSG_PKT_IN_BATCH, FRAME_EXT, 1,
		    pkt, sizeof(pkt)) == 0);
	}
	CHECK(framebatch_add(&a[0], IMSG_PKT_OUT_BATCH, FRAME_OUT, 0, pkt,
	    sizeof(pkt)) == 0);
	CHECK(framebatch_flush_all() == 0);
	CHECK(take(a, &imsg) > 0);
	CHECK(imsg.hdr.type == IMSG_PKT_IN_BATCH &&
	    framebatch_check(imsg.data, imsg_get_len(&imsg)) == 3);
	imsg_free(&imsg);
	CHECK(take(a, &imsg) > 0);
	CHECK(imsg.hdr.type == IMSG_PKT_OUT_BATCH &&
	    framebatch_check(imsg.data, imsg_get_len(&imsg)) == 1);
	imsg_free(&imsg);
	CHECK(take(a, &imsg) == 0);
	CHECK(take(b, &imsg) > 0);
	CHECK(imsg.hdr.type == IMSG_PKT_IN_BATCH &&
	    framebatch_check(imsg.data, imsg_get_len(&imsg)) == 3);
	imsg_free(&imsg);
	/* Sizes no IP packet has are refused and counted. */
	(void)framebatch_dropped();
	CHECK(framebatch_add(&b[0], IMSG_PKT_IN_BATCH, FRAME_IN, 0, pkt,
	    0) == -1);
	CHECK(framebatch_add(&b[0], IMSG_PKT_IN_BATCH, FRAME_IN, 0, pkt,
	    HONEYD_MAX_PKT + 1) == -1);
	CHECK(framebatch_dropped() == 2);
	CHECK(!framebatch_pending(&b[0]));
	/* A destination forgotten drops what it had. */
	CHECK(framebatch_add(&b[0], IMSG_PKT_IN_BATCH, FRAME_IN, 0, pkt,
	    sizeof(pkt)) == 0);
	framebatch_forget(&b[0]);
	CHECK(!framebatch_pending(&b[0]));
	unpair(a);
	unpair(b);
}

/* Build a record by hand: len, kind, then len bytes and padding. */
static size_t
rec(uint8_t *p, uint16_t len, uint8_t kind, size_t padded)
{
	struct framebatch_rec	 r;

	r.len = len;
	r.kind = kind;
	r.iface = 0;
	memcpy(p, &r, sizeof(r));
	memset(p + sizeof(r), 0x45, padded - sizeof(r));
	return (padded);
}

/* Lengths that do not add up: the whole batch is refused. */
static void
test_bad_lengths(void)
{
	uint8_t			 b[256] = { 0 };
	struct framebatch_frame	 f;
	size_t			 n, off;

	CHECK(framebatch_check(b, 0) == -1);		/* empty */
	n = rec(b, 20, FRAME_OUT, 24);
	CHECK(framebatch_check(b, n) == 1);
	CHECK(framebatch_check(b, n - 1) == -1);	/* unaligned */
	CHECK(framebatch_check(b, n - 4) == -1);	/* cut in the packet */
	n += rec(b + n, 0, FRAME_OUT, 4);		/* a frame of 0 */
	CHECK(framebatch_check(b, n) == -1);
	n = rec(b, 20, FRAME_OUT, 24);
	n += rec(b + n, 200, FRAME_OUT, 24);		/* past the end */
	CHECK(framebatch_check(b, n) == -1);
	n = rec(b, 20, FRAME_OUT, 24);
	n += rec(b + n, 65535, FRAME_OUT, 24);		/* far past it */
	CHECK(framebatch_check(b, n) == -1);
	n = rec(b, 17, FRAME_OUT, 20);			/* 4 + 17 > 20 */
	CHECK(framebatch_check(b, n) == -1);
	n = rec(b, 16, FRAME_OUT, 20);
	n += rec(b + n, 8, FRAME_OUT, 12);
	CHECK(framebatch_check(b, n) == 2);
	/* A bare record header with nothing after it. */
	memset(b + n, 0, 4);
	CHECK(framebatch_check(b, n + 4) == -1);
	/* The walker stops at a bad record too, never reads past. */
	n = rec(b, 16, FRAME_OUT, 20);
	n += rec(b + n, 200, FRAME_OUT, 24);
	off = 0;
	CHECK(framebatch_next(b, n, &off, &f) == 1 && f.len == 16);
	CHECK(framebatch_next(b, n, &off, &f) == 0);
}

/* The parent refuses a bad batch whole, and checks each frame of one. */
static void
test_parent_checks(void)
{
	uint8_t		 b[256];
	struct ip_hdr	*ip;
	size_t		 n;
	uint64_t	 refused;

	log_init(1, 0);
	parent = &par;
	CHECK((par.base = event_base_new()) != NULL);
	CHECK(wire_init() == 0);
	claim_init(&par.claimed);
	CHECK(claim_add(&par.claimed, 0xc6120100, 0xc61201ff) == 0);
	claim_normalize(&par.claimed);

	n = rec(b, 20, FRAME_OUT, 24);
	n += rec(b + n, 300, FRAME_OUT, 24);
	wire_output_batch(b, n);
	CHECK(par.stats.out_badbatch == 1);
	CHECK(par.stats.out_refused == 0 && par.stats.out_frames == 0);

	/* Well formed, but from a source we do not claim, or too short. */
	n = rec(b, 20, FRAME_OUT, 24);
	ip = (struct ip_hdr *)(b + sizeof(struct framebatch_rec));
	memset(ip, 0, IP_HDR_LEN);
	ip->ip_v = 4;
	ip->ip_hl = 5;
	ip->ip_src = htonl(0xc6130101);
	ip->ip_dst = htonl(0xc6120001);
	n += rec(b + n, 8, FRAME_OUT, 12);
	n += rec(b + n, 12, FRAME_IN, 16);		/* not the engine's */
	refused = par.stats.out_refused;
	wire_output_batch(b, n);
	CHECK(par.stats.out_badbatch == 1);
	CHECK(par.stats.out_refused == refused + 3);
	CHECK(par.stats.out_frames == 0);
}

int
main(void)
{
	test_roundtrip();
	test_destinations();
	test_bad_lengths();
	test_parent_checks();
	return (unit_done());
}
