/*
 * Engine: TCP's buffers, kept apart from the state machine so they can
 * be tested alone.
 *
 *   the send ring   bytes a service wrote, from snd_una on, kept until
 *                   the peer acknowledges them (retransmissions read
 *                   them again at any offset);
 *   reassembly      out-of-order data held until the hole before it
 *                   fills.  The first copy of a byte wins: a later
 *                   segment that overlaps held data only adds what is
 *                   new, so conflicting retransmissions can never
 *                   change the stream once part of it was accepted;
 *   the scoreboard  what the peer reported with SACK above snd_una.
 *
 * All sequence comparisons are modulo 2^32 (SEQ_* in tcp.h).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "tcp.h"

void
tcp_ring_init(struct tcp_ring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
}

void
tcp_ring_free(struct tcp_ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->head = r->len = 0;
}

size_t
tcp_ring_space(const struct tcp_ring *r)
{
	return (r->cap - r->len);
}

/* Append up to n bytes; returns how many fit. */
size_t
tcp_ring_write(struct tcp_ring *r, const uint8_t *p, size_t n)
{
	size_t	 tail, first;

	if (n > r->cap - r->len)
		n = r->cap - r->len;
	if (n == 0)
		return (0);
	if (r->buf == NULL && (r->buf = malloc(r->cap)) == NULL)
		return (0);
	tail = (r->head + r->len) % r->cap;
	first = r->cap - tail < n ? r->cap - tail : n;
	memcpy(r->buf + tail, p, first);
	memcpy(r->buf, p + first, n - first);
	r->len += n;
	return (n);
}

/* Copy up to n bytes starting off bytes past the head. */
size_t
tcp_ring_peek(const struct tcp_ring *r, size_t off, uint8_t *p, size_t n)
{
	size_t	 start, first;

	if (off >= r->len)
		return (0);
	if (n > r->len - off)
		n = r->len - off;
	start = (r->head + off) % r->cap;
	first = r->cap - start < n ? r->cap - start : n;
	memcpy(p, r->buf + start, first);
	memcpy(p + first, r->buf, n - first);
	return (n);
}

void
tcp_ring_drop(struct tcp_ring *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	r->len -= n;
	r->head = r->len == 0 ? 0 : (r->head + n) % r->cap;
}

void
tcp_reass_init(struct tcp_reass *q)
{
	memset(q, 0, sizeof(*q));
	TAILQ_INIT(&q->q);
}

void
tcp_reass_free(struct tcp_reass *q)
{
	struct tcp_rpiece	*p;

	while ((p = TAILQ_FIRST(&q->q)) != NULL) {
		TAILQ_REMOVE(&q->q, p, entry);
		free(p);
	}
	q->n = 0;
	q->bytes = 0;
}

static int
reass_add(struct tcp_reass *q, struct tcp_rpiece *before, uint32_t seq,
    const uint8_t *data, size_t len)
{
	struct tcp_rpiece	*p;

	if (q->n >= TCP_REASS_MAX)
		return (-1);
	if ((p = malloc(sizeof(*p) + len)) == NULL)
		return (-1);
	p->seq = seq;
	p->len = len;
	memcpy(p->data, data, len);
	if (before != NULL)
		TAILQ_INSERT_BEFORE(before, p, entry);
	else
		TAILQ_INSERT_TAIL(&q->q, p, entry);
	q->n++;
	q->bytes += len;
	return (0);
}

/*
 * Hold [seq, seq + len) apart from what is already held or below
 * rcv_nxt.  The caller has cut the segment to the receive window.
 * Returns -1 when a piece had to be dropped (too many held).
 */
int
tcp_reass_insert(struct tcp_reass *q, uint32_t seq, const uint8_t *data,
    size_t len, uint32_t rcv_nxt)
{
	struct tcp_rpiece	*p;
	uint32_t		 end = seq + len, pend, cut;

	if (SEQ_LT(seq, rcv_nxt)) {
		if (SEQ_LEQ(end, rcv_nxt))
			return (0);
		cut = rcv_nxt - seq;
		data += cut;
		seq = rcv_nxt;
	}
	TAILQ_FOREACH(p, &q->q, entry) {
		if (!SEQ_LT(seq, end))
			return (0);
		pend = p->seq + p->len;
		if (SEQ_LEQ(pend, seq))
			continue;
		if (SEQ_LT(seq, p->seq)) {
			/* A new piece up to this one. */
			cut = SEQ_MIN(end, p->seq) - seq;
			if (reass_add(q, p, seq, data, cut) == -1)
				return (-1);
			data += cut;
			seq += cut;
		}
		if (SEQ_LT(seq, pend)) {
			/* Already held: skip it. */
			cut = SEQ_MIN(end, pend) - seq;
			data += cut;
			seq += cut;
		}
	}
	if (SEQ_LT(seq, end))
		return (reass_add(q, NULL, seq, data, end - seq));
	return (0);
}

/*
 * Deliver what became contiguous at *rcv_nxt, advancing it; pieces
 * wholly below it are discarded.  Returns the bytes delivered.
 */
size_t
tcp_reass_pull(struct tcp_reass *q, uint32_t *rcv_nxt,
    void (*deliver)(void *, const uint8_t *, size_t), void *arg)
{
	struct tcp_rpiece	*p;
	size_t			 total = 0, off;

	while ((p = TAILQ_FIRST(&q->q)) != NULL) {
		if (SEQ_GT(p->seq, *rcv_nxt))
			break;
		TAILQ_REMOVE(&q->q, p, entry);
		q->n--;
		q->bytes -= p->len;
		off = *rcv_nxt - p->seq;
		if (off < p->len) {
			deliver(arg, p->data + off, p->len - off);
			total += p->len - off;
			*rcv_nxt += p->len - off;
		}
		free(p);
	}
	return (total);
}

/* Drop ranges, or their parts, below snd_una. */
void
tcp_sack_trim(struct tcp_sackboard *sb, uint32_t snd_una)
{
	int	 i, j;

	for (i = j = 0; i < sb->n; i++) {
		if (SEQ_LEQ(sb->r[i][1], snd_una))
			continue;
		sb->r[j][0] = SEQ_MAX(sb->r[i][0], snd_una);
		sb->r[j][1] = sb->r[i][1];
		j++;
	}
	sb->n = j;
}

/*
 * Add a reported block, merged with those it touches, keeping ranges
 * sorted.  Blocks outside (snd_una, snd_max] are the peer's mistake or
 * a lie and are ignored.  When full, the highest range is forgotten:
 * that only makes us retransmit more.
 */
void
tcp_sack_update(struct tcp_sackboard *sb, uint32_t start, uint32_t end,
    uint32_t snd_una, uint32_t snd_max)
{
	int	 i, j;

	if (!SEQ_LT(start, end) || SEQ_LEQ(end, snd_una) ||
	    SEQ_GT(end, snd_max))
		return;
	start = SEQ_MAX(start, snd_una);
	for (i = 0; i < sb->n; i++) {
		if (SEQ_GT(sb->r[i][0], end))
			break;
		if (SEQ_LT(sb->r[i][1], start))
			continue;
		/* Overlapping or adjacent: absorb it and look again. */
		start = SEQ_MIN(start, sb->r[i][0]);
		end = SEQ_MAX(end, sb->r[i][1]);
		for (j = i; j + 1 < sb->n; j++) {
			sb->r[j][0] = sb->r[j + 1][0];
			sb->r[j][1] = sb->r[j + 1][1];
		}
		sb->n--;
		i--;
	}
	if (sb->n == TCP_SACK_MAX) {
		if (i == sb->n)
			return;
		sb->n--;
	}
	for (j = sb->n; j > i; j--) {
		sb->r[j][0] = sb->r[j - 1][0];
		sb->r[j][1] = sb->r[j - 1][1];
	}
	sb->r[i][0] = start;
	sb->r[i][1] = end;
	sb->n++;
}

/*
 * The first hole at or after "from" that lies below some SACKed range:
 * returns its start and sets *end to where the next SACKed range
 * begins.  No such hole: *end equals the start returned.
 */
uint32_t
tcp_sack_next_hole(const struct tcp_sackboard *sb, uint32_t from,
    uint32_t *end)
{
	int	 i;

	for (i = 0; i < sb->n; i++) {
		if (SEQ_LT(from, sb->r[i][0])) {
			*end = sb->r[i][0];
			return (from);
		}
		if (SEQ_LT(from, sb->r[i][1]))
			from = sb->r[i][1];
	}
	*end = from;
	return (from);
}
