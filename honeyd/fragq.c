/*
 * Engine: what the reassembly queues of IPv4 (ipfrag.c) and IPv6
 * (ip6frag.c) share.
 *
 * A family's queue structure begins with a struct fragq: its place in
 * age order, birth, the payload held and the map of its 8-byte blocks.
 * The family's struct fragtab holds its limits and the hooks for what
 * differs: how its queues are indexed (by key, in its own tree), what
 * answers one that timed out, and which counters count.  Here is the
 * rest, once: memory is bounded by a number of queues and of bytes,
 * each queue counted as its structure, its payload buffer and whatever
 * else it holds (extra); to make room the oldest queues are forgotten,
 * so that an attacker filling the table pushes out older datagrams,
 * not the new ones; and one timer, for the oldest queue, expires them
 * in age order.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"

/* The largest datagram (IPv4) or payload (IPv6) either family builds. */
#define FRAGQ_LEN_MAX	65535

static uint64_t
fragq_now(const struct fragtab *t)
{
	struct timespec	 ts;

	if (t->now != NULL)
		return (t->now());
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
fragq_timer(int fd, short event, void *arg)
{
	fragq_expire(arg);
}

/* The timer, for the oldest queue's end (none without an event base). */
void
fragq_arm(struct fragtab *t)
{
	struct fragq	*q = TAILQ_FIRST(&t->age);
	struct timeval	 tv;
	uint64_t	 now, end, ms;

	if (t->ev == NULL)
		return;
	if (q == NULL) {
		evtimer_del(t->ev);
		return;
	}
	now = fragq_now(t);
	end = q->born + t->lifetime();
	ms = end > now ? end - now : 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(t->ev, &tv);
}

void
fragq_free(struct fragtab *t, struct fragq *q)
{
	TAILQ_REMOVE(&t->age, q, age);
	t->nq--;
	t->bytes -= t->qsize + q->cap + q->extra;
	t->unlink(q);
	free(q->data);
	free(q);
}

/* Forget the oldest queue but keep; -1 if there was none. */
static int
fragq_evict(struct fragtab *t, struct fragq *keep)
{
	struct fragq	*q = TAILQ_FIRST(&t->age);

	if (q == keep)
		q = TAILQ_NEXT(q, age);
	if (q == NULL)
		return (-1);
	t->evicted();
	fragq_free(t, q);
	return (0);
}

/* Make room for n more bytes held by keep: -1 if the limits say no. */
static int
fragq_room(struct fragtab *t, struct fragq *keep, size_t n)
{
	if (n > t->maxbytes)
		return (-1);
	while (t->bytes + n > t->maxbytes)
		if (fragq_evict(t, keep) == -1)
			return (-1);
	return (0);
}

/*
 * A new queue of t->qsize bytes, zeroed, youngest in age order; the
 * caller fills in its key and indexes it.  NULL if the limits or the
 * memory say no.
 */
struct fragq *
fragq_new(struct fragtab *t)
{
	struct fragq	*q;

	if (t->ev == NULL && engine != NULL && engine->base != NULL &&
	    (t->ev = evtimer_new(engine->base, fragq_timer, t)) == NULL)
		return (NULL);
	while (t->nq >= t->maxq)
		if (fragq_evict(t, NULL) == -1)
			return (NULL);
	if (fragq_room(t, NULL, t->qsize) == -1 ||
	    (q = calloc(1, t->qsize)) == NULL)
		return (NULL);
	q->born = fragq_now(t);
	TAILQ_INSERT_TAIL(&t->age, q, age);
	t->nq++;
	t->bytes += t->qsize;
	if (TAILQ_FIRST(&t->age) == q)
		fragq_arm(t);
	return (q);
}

/* Room for the payload up to end: -1 if the limits say no. */
int
fragq_grow(struct fragtab *t, struct fragq *q, size_t end)
{
	uint8_t	*p;
	size_t	 cap;

	if (end <= q->cap)
		return (0);
	cap = (end + 1023) & ~(size_t)1023;
	if (cap > FRAGQ_LEN_MAX)
		cap = FRAGQ_LEN_MAX;
	if (fragq_room(t, q, cap - q->cap) == -1 ||
	    (p = realloc(q->data, cap)) == NULL)
		return (-1);
	t->bytes += cap - q->cap;
	q->data = p;
	q->cap = cap;
	return (0);
}

/* Count n more bytes that q holds besides its payload: -1 if no room. */
int
fragq_charge(struct fragtab *t, struct fragq *q, size_t n)
{
	if (fragq_room(t, q, n) == -1)
		return (-1);
	q->extra += n;
	t->bytes += n;
	return (0);
}

/* A fragment [.., end) held: the highest end, and the last's. */
void
fragq_extend(struct fragq *q, size_t end, int more)
{
	if (end > q->maxend)
		q->maxend = end;
	if (!more)
		q->total = end;
}

/*
 * Dropped for an overlap: the payload goes, the queue stays to swallow
 * the datagram's later fragments until it expires.
 */
void
fragq_kill(struct fragtab *t, struct fragq *q)
{
	q->dead = 1;
	t->bytes -= q->cap;
	free(q->data);
	q->data = NULL;
	q->cap = 0;
}

/* The queues past their time go, in age order; the live ones answered. */
void
fragq_expire(struct fragtab *t)
{
	struct fragq	*q;
	uint64_t	 now = fragq_now(t);

	while ((q = TAILQ_FIRST(&t->age)) != NULL &&
	    q->born + t->lifetime() <= now) {
		if (!q->dead)
			t->expired(q);
		fragq_free(t, q);
	}
	fragq_arm(t);
}

/* Forget every queue: at exit, and between a fuzzer's inputs. */
void
fragq_flush(struct fragtab *t)
{
	struct fragq	*q;

	while ((q = TAILQ_FIRST(&t->age)) != NULL)
		fragq_free(t, q);
	if (t->ev != NULL) {
		event_free(t->ev);
		t->ev = NULL;
	}
}

/*
 * The 8-byte blocks of a datagram held so far: both families count
 * fragments in 8-byte units up to 65535 bytes.
 */
int
fragmap_has(const struct fragmap *m, size_t b)
{
	return ((m->map[b / 8] >> (b % 8)) & 1);
}

/* Mark block b held; 1 if it was not yet. */
int
fragmap_set(struct fragmap *m, size_t b)
{
	if (fragmap_has(m, b))
		return (0);
	m->map[b / 8] |= 1 << (b % 8);
	m->nblocks++;
	return (1);
}

/* Whether any block of the bytes [off, end) is held already. */
int
fragmap_overlaps(const struct fragmap *m, size_t off, size_t end)
{
	size_t	 b;

	for (b = off / 8; b < (end + 7) / 8; b++)
		if (fragmap_has(m, b))
			return (1);
	return (0);
}

/* Whether every block of the bytes [off, end) is held already. */
int
fragmap_covered(const struct fragmap *m, size_t off, size_t end)
{
	size_t	 b;

	for (b = off / 8; b < (end + 7) / 8; b++)
		if (!fragmap_has(m, b))
			return (0);
	return (1);
}

/* Whether the blocks of [0, total) are all held. */
int
fragmap_complete(const struct fragmap *m, size_t total)
{
	return (total != 0 && m->nblocks == (total + 7) / 8);
}
