/*
 * Unit tests for the pure parts of the engine's TCP: sequence number
 * arithmetic, the send ring (honeyd/tcpbuf.c), reassembly of
 * out-of-order data (first copy wins, never a corrupted stream) and
 * the SACK scoreboard.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <sys/tree.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "tcp.h"
#include "unit.h"

struct sink {
	uint8_t		 buf[8192];
	size_t		 len;
};

static void
sink_deliver(void *arg, const uint8_t *p, size_t n)
{
	struct sink	*s = arg;

	if (s->len + n <= sizeof(s->buf)) {
		memcpy(s->buf + s->len, p, n);
		s->len += n;
	}
}

static void
test_seq(void)
{
	CHECK(SEQ_LT(1, 2));
	CHECK(!SEQ_LT(2, 2));
	CHECK(SEQ_LEQ(2, 2));
	CHECK(SEQ_GT(3, 2));
	/* Across the wrap: 0xfffffff0 is before 0x10. */
	CHECK(SEQ_LT(0xfffffff0U, 0x10U));
	CHECK(SEQ_GT(0x10U, 0xfffffff0U));
	CHECK(SEQ_GEQ(0x0U, 0xffffffffU));
	CHECK(SEQ_MAX(0xfffffff0U, 0x10U) == 0x10U);
	CHECK(SEQ_MIN(0xfffffff0U, 0x10U) == 0xfffffff0U);
	/* Half the space away is "after" one way only. */
	CHECK(SEQ_LT(0, 0x7fffffffU));
	CHECK(SEQ_GT(0, 0x80000001U));
}

static void
test_ring(void)
{
	struct tcp_ring	 r;
	uint8_t		 in[100], out[100];
	size_t		 i, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = i;
	tcp_ring_init(&r, 64);
	CHECK(r.buf == NULL);		/* allocated on first use */
	CHECK(tcp_ring_space(&r) == 64);
	CHECK(tcp_ring_write(&r, in, 100) == 64);	/* what fits */
	CHECK(tcp_ring_space(&r) == 0);
	CHECK(tcp_ring_peek(&r, 10, out, 5) == 5 && memcmp(out, in + 10,
	    5) == 0);
	CHECK(tcp_ring_peek(&r, 64, out, 5) == 0);
	tcp_ring_drop(&r, 60);
	CHECK(r.len == 4);
	/* Now the data wraps around the end of the buffer. */
	CHECK(tcp_ring_write(&r, in + 64, 36) == 36);
	n = tcp_ring_peek(&r, 0, out, sizeof(out));
	CHECK(n == 40 && memcmp(out, in + 60, 40) == 0);
	CHECK(tcp_ring_peek(&r, 3, out, 2) == 2 && out[0] == 63 &&
	    out[1] == 64);
	tcp_ring_drop(&r, 1000);
	CHECK(r.len == 0 && r.head == 0);
	tcp_ring_free(&r);
	CHECK(r.buf == NULL);
}

/* Deliver in any order: the stream is the original, whatever comes. */
static void
test_reass_basic(void)
{
	struct tcp_reass	 q;
	struct sink		 s;
	const uint8_t		*d = (const uint8_t *)"abcdefghijklmnopqrstuvwxyz";
	uint32_t		 nxt = 1000;

	memset(&s, 0, sizeof(s));
	tcp_reass_init(&q);
	CHECK(tcp_reass_insert(&q, 1010, d + 10, 5, nxt) == 0);	/* klmno */
	CHECK(tcp_reass_insert(&q, 1020, d + 20, 6, nxt) == 0);	/* uvwxyz */
	CHECK(q.n == 2 && q.bytes == 11);
	CHECK(tcp_reass_pull(&q, &nxt, sink_deliver, &s) == 0);	/* a hole */
	/* The hole fills in order: everything up to the next hole. */
	sink_deliver(&s, d, 10);
	nxt += 10;
	CHECK(tcp_reass_pull(&q, &nxt, sink_deliver, &s) == 5);
	CHECK(nxt == 1015);
	CHECK(tcp_reass_insert(&q, 1015, d + 15, 5, nxt) == 0);
	CHECK(tcp_reass_pull(&q, &nxt, sink_deliver, &s) == 11);
	CHECK(nxt == 1026 && s.len == 26 && memcmp(s.buf, d, 26) == 0);
	CHECK(q.n == 0 && q.bytes == 0);
	tcp_reass_free(&q);
}

/* Overlaps keep the first copy: a conflicting resend changes nothing. */
static void
test_reass_overlap(void)
{
	struct tcp_reass	 q;
	struct sink		 s;
	uint8_t			 a[32], b[32];
	uint32_t		 nxt = 0;

	memset(&s, 0, sizeof(s));
	memset(a, 'A', sizeof(a));
	memset(b, 'B', sizeof(b));
	tcp_reass_init(&q);
	CHECK(tcp_reass_insert(&q, 10, a, 10, nxt) == 0);	/* [10,20) A */
	CHECK(tcp_reass_insert(&q, 25, a, 5, nxt) == 0);	/* [25,30) A */
	/* B covers [5,32): only [5,10), [20,25), [30,32) are new. */
	CHECK(tcp_reass_insert(&q, 5, b, 27, nxt) == 0);
	CHECK(q.bytes == 27);
	/* An exact duplicate adds nothing. */
	CHECK(tcp_reass_insert(&q, 10, b, 10, nxt) == 0);
	CHECK(q.bytes == 27);
	memset(a, 'x', 5);
	sink_deliver(&s, a, 5);
	nxt = 5;
	CHECK(tcp_reass_pull(&q, &nxt, sink_deliver, &s) == 27);
	CHECK(nxt == 32);
	CHECK(memcmp(s.buf + 5, "BBBBBAAAAAAAAAABBBBBAAAAABB", 27) == 0);
	/* Pieces are disjoint and sorted while held. */
	tcp_reass_free(&q);
}

/* Data before rcv_nxt is old; pieces that end up below it vanish. */
static void
test_reass_old(void)
{
	struct tcp_reass	 q;
	struct sink		 s;
	uint8_t			 a[16];
	uint32_t		 nxt = 100;

	memset(&s, 0, sizeof(s));
	memset(a, 'z', sizeof(a));
	tcp_reass_init(&q);
	CHECK(tcp_reass_insert(&q, 90, a, 10, nxt) == 0);	/* all old */
	CHECK(q.n == 0);
	CHECK(tcp_reass_insert(&q, 95, a, 10, nxt) == 0);	/* [100,105) */
	CHECK(q.n == 1 && q.bytes == 5);
	CHECK(tcp_reass_insert(&q, 110, a, 4, nxt) == 0);
	/* In-order data past both arrived directly: pull drops them. */
	nxt = 120;
	CHECK(tcp_reass_pull(&q, &nxt, sink_deliver, &s) == 0);
	CHECK(q.n == 0 && q.bytes == 0 && nxt == 120);
	tcp_reass_free(&q);
}

/* Across the 2^32 wrap. */
static void
test_reass_wrap(void)
{
	struct tcp_reass	 q;
	struct sink		 s;
	const uint8_t		*d = (const uint8_t *)"0123456789";
	uint32_t		 nxt = 0xfffffffcU;

	memset(&s, 0, sizeof(s));
	tcp_reass_init(&q);
	CHECK(tcp_reass_insert(&q, 0xfffffffeU, d + 2, 4, nxt) == 0);
	CHECK(tcp_reass_insert(&q, 2, d + 6, 4, nxt) == 0);
	sink_deliver(&s, d, 2);
	nxt += 2;
	CHECK(tcp_reass_pull(&q, &nxt, sink_deliver, &s) == 8);
	CHECK(nxt == 6 && s.len == 10 && memcmp(s.buf, d, 10) == 0);
	tcp_reass_free(&q);
}

/* A peer that sends many tiny pieces cannot make us hold more. */
static void
test_reass_limit(void)
{
	struct tcp_reass	 q;
	uint8_t			 a = 'q';
	int			 i, dropped = 0;

	tcp_reass_init(&q);
	for (i = 0; i < 2 * TCP_REASS_MAX; i++)
		if (tcp_reass_insert(&q, 10 + 2 * i, &a, 1, 0) == -1)
			dropped++;
	CHECK(q.n == TCP_REASS_MAX);
	CHECK(dropped == TCP_REASS_MAX);
	tcp_reass_free(&q);
	CHECK(q.n == 0 && TAILQ_EMPTY(&q.q));
}

static void
test_sack(void)
{
	struct tcp_sackboard	 sb;
	uint32_t		 h, end;
	int			 i;

	memset(&sb, 0, sizeof(sb));
	/* Outside (una, max]: ignored. */
	tcp_sack_update(&sb, 100, 200, 500, 1000);
	tcp_sack_update(&sb, 900, 1200, 500, 1000);
	CHECK(sb.n == 0);
	tcp_sack_update(&sb, 700, 800, 500, 1000);
	tcp_sack_update(&sb, 600, 650, 500, 1000);
	CHECK(sb.n == 2 && sb.r[0][0] == 600 && sb.r[1][0] == 700);
	/* Touching blocks merge. */
	tcp_sack_update(&sb, 650, 700, 500, 1000);
	CHECK(sb.n == 1 && sb.r[0][0] == 600 && sb.r[0][1] == 800);
	/* Holes: [500,600) lies below a SACKed range; above 800 none. */
	h = tcp_sack_next_hole(&sb, 500, &end);
	CHECK(h == 500 && end == 600);
	h = tcp_sack_next_hole(&sb, 650, &end);
	CHECK(h == 800 && end == 800);
	tcp_sack_update(&sb, 900, 950, 500, 1000);
	h = tcp_sack_next_hole(&sb, 650, &end);
	CHECK(h == 800 && end == 900);
	/* snd_una moves past part of it. */
	tcp_sack_trim(&sb, 700);
	CHECK(sb.n == 2 && sb.r[0][0] == 700 && sb.r[0][1] == 800);
	tcp_sack_trim(&sb, 960);
	CHECK(sb.n == 0);
	/* Full: a new highest range is forgotten, a lower one displaces. */
	for (i = 0; i < TCP_SACK_MAX; i++)
		tcp_sack_update(&sb, 100 + 20 * i, 110 + 20 * i, 0, 10000);
	CHECK(sb.n == TCP_SACK_MAX);
	tcp_sack_update(&sb, 5000, 5010, 0, 10000);
	CHECK(sb.n == TCP_SACK_MAX && sb.r[TCP_SACK_MAX - 1][0] != 5000);
	tcp_sack_update(&sb, 10, 20, 0, 10000);
	CHECK(sb.n == TCP_SACK_MAX && sb.r[0][0] == 10);
	/* Across the wrap. */
	memset(&sb, 0, sizeof(sb));
	tcp_sack_update(&sb, 0xfffffff0U, 0x10, 0xffffff00U, 0x100);
	CHECK(sb.n == 1 && sb.r[0][0] == 0xfffffff0U && sb.r[0][1] == 0x10);
}

int
main(void)
{
	test_seq();
	test_ring();
	test_reass_basic();
	test_reass_overlap();
	test_reass_old();
	test_reass_wrap();
	test_reass_limit();
	test_sack();
	return (unit_done());
}
