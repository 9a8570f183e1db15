/*
 * Engine: reassembly of IPv6 fragments (RFC 8200 4.5).
 *
 * ip6ext_walk() finds the fragment header; a fragment then comes here
 * and is queued by (source, destination, identification).  A queue
 * keeps the fragmentable part from offset 0 up to the highest end seen,
 * which 8-byte blocks of it are held (the struct fragmap ipfrag.c uses
 * for IPv4), and the first fragment as received: its unfragmentable
 * part heads the datagram, and the rest of it is what a time exceeded
 * message quotes.  Complete, the datagram is handed back without its
 * fragment header, to be walked again.
 *
 * Unlike IPv4, there is no policy to choose: an overlap drops the whole
 * datagram and every fragment of it still to come, until the queue
 * expires (RFC 5722 4).  A fragment that only repeats bytes held is
 * dropped alone (RFC 8200 4.5 allows it for duplicates).  An
 * atomic fragment (offset 0, no more) is a whole packet that never
 * touches a queue, even one with its identification (RFC 6946 4).
 *
 * Memory is bounded as for IPv4: IP6FRAG_MAXQ queues and
 * IP6FRAG_MAXBYTES held, the oldest forgotten to make room.  A queue
 * lives IP6FRAG_TIMEOUT seconds from its first-arriving fragment; if
 * it holds the first fragment, the timeout hook is called with it to
 * answer ICMPv6 time exceeded, reassembly (code 1).  The clock and that
 * hook are ip6frag_hooks()'s, so that a test can move time itself.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"

#define IP6_PLEN_MAX	65535

struct ip6frag_q {
	RB_ENTRY(ip6frag_q)	 entry;
	TAILQ_ENTRY(ip6frag_q)	 age;		/* oldest first */
	uint8_t			 src[IP6_ADDR_LEN], dst[IP6_ADDR_LEN];
	uint32_t		 id;
	int			 dead;		/* dropped for an overlap */
	uint64_t		 born;		/* ms */
	uint8_t			*first;		/* the first fragment's head */
	size_t			 firstlen;	/* bytes of it kept */
	size_t			 unfrag;	/* its unfragmentable part;
						   0: first not seen yet */
	size_t			 fnhoff;	/* Next Header byte naming the
						   fragment header in it */
	uint8_t			 fnxt;		/* that header's Next Header */
	size_t			 total;		/* 0: last not seen */
	size_t			 maxend;	/* highest end held */
	uint8_t			*data;
	size_t			 cap;
	struct fragmap		 held;
};

RB_HEAD(ip6frag_tree, ip6frag_q);
TAILQ_HEAD(ip6frag_list, ip6frag_q);

static struct ip6frag_tree	 ip6frag_qs = RB_INITIALIZER(&ip6frag_qs);
static struct ip6frag_list	 ip6frag_age =
				    TAILQ_HEAD_INITIALIZER(ip6frag_age);
static size_t			 ip6frag_nq, ip6frag_bytes;
static struct event		*ip6frag_ev;
static uint64_t			(*ip6frag_clock)(void);
static void			(*ip6frag_timeout_cb)(const uint8_t *, size_t);

static int
ip6frag_cmp(struct ip6frag_q *a, struct ip6frag_q *b)
{
	int	 c;

	if ((c = memcmp(a->src, b->src, IP6_ADDR_LEN)) != 0)
		return (c);
	if ((c = memcmp(a->dst, b->dst, IP6_ADDR_LEN)) != 0)
		return (c);
	return (a->id < b->id ? -1 : a->id > b->id);
}

RB_GENERATE_STATIC(ip6frag_tree, ip6frag_q, entry, ip6frag_cmp)

static uint64_t
ip6frag_now(void)
{
	struct timespec	 ts;

	if (ip6frag_clock != NULL)
		return (ip6frag_clock());
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * The clock (ms; NULL: the monotonic clock) and the hook that answers a
 * queue that timed out holding its first fragment (NULL: none).
 */
void
ip6frag_hooks(uint64_t (*now)(void), void (*timeout)(const uint8_t *,
    size_t))
{
	ip6frag_clock = now;
	ip6frag_timeout_cb = timeout;
}

static void
ip6frag_free(struct ip6frag_q *q)
{
	RB_REMOVE(ip6frag_tree, &ip6frag_qs, q);
	TAILQ_REMOVE(&ip6frag_age, q, age);
	ip6frag_nq--;
	ip6frag_bytes -= sizeof(*q) + q->cap + q->firstlen;
	free(q->first);
	free(q->data);
	free(q);
}

/* Forget the oldest queue but keep; -1 if there was none. */
static int
ip6frag_evict(struct ip6frag_q *keep)
{
	struct ip6frag_q	*q = TAILQ_FIRST(&ip6frag_age);

	if (q == keep)
		q = TAILQ_NEXT(q, age);
	if (q == NULL)
		return (-1);
	engine->stats.frag6_limit++;
	ip6frag_free(q);
	return (0);
}

/* Make room for n more bytes held by keep: -1 if the limits say no. */
static int
ip6frag_room(struct ip6frag_q *keep, size_t n)
{
	if (n > IP6FRAG_MAXBYTES)
		return (-1);
	while (ip6frag_bytes + n > IP6FRAG_MAXBYTES)
		if (ip6frag_evict(keep) == -1)
			return (-1);
	return (0);
}

static void
ip6frag_timer(int fd, short event, void *arg)
{
	ip6frag_expire();
}

/* The timer, for the oldest queue's end (none in a bare test). */
static void
ip6frag_arm(void)
{
	struct ip6frag_q	*q = TAILQ_FIRST(&ip6frag_age);
	struct timeval		 tv;
	uint64_t		 now, end, ms;

	if (ip6frag_ev == NULL && engine != NULL && engine->base != NULL)
		ip6frag_ev = evtimer_new(engine->base, ip6frag_timer, NULL);
	if (ip6frag_ev == NULL)
		return;
	if (q == NULL) {
		evtimer_del(ip6frag_ev);
		return;
	}
	now = ip6frag_now();
	end = q->born + IP6FRAG_TIMEOUT * 1000ULL;
	ms = end > now ? end - now : 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ip6frag_ev, &tv);
}

static struct ip6frag_q *
ip6frag_new(const uint8_t *pkt, const struct ip6ext *x)
{
	struct ip6frag_q	*q;

	while (ip6frag_nq >= IP6FRAG_MAXQ)
		if (ip6frag_evict(NULL) == -1)
			return (NULL);
	if (ip6frag_room(NULL, sizeof(*q)) == -1 ||
	    (q = calloc(1, sizeof(*q))) == NULL)
		return (NULL);
	memcpy(q->src, pkt + 8, IP6_ADDR_LEN);
	memcpy(q->dst, pkt + 24, IP6_ADDR_LEN);
	q->id = x->fid;
	q->born = ip6frag_now();
	RB_INSERT(ip6frag_tree, &ip6frag_qs, q);
	TAILQ_INSERT_TAIL(&ip6frag_age, q, age);
	ip6frag_nq++;
	ip6frag_bytes += sizeof(*q);
	if (TAILQ_FIRST(&ip6frag_age) == q)
		ip6frag_arm();
	return (q);
}

/*
 * Is the fragment [off, end) consistent with the ends known or held,
 * and with the first fragment's unfragmentable part: unfrag bytes if
 * this is the first, else the one held (RFC 8200 4.5)?
 */
static int
ip6frag_consistent(const struct ip6frag_q *q, size_t off, size_t end,
    int more, size_t unfrag)
{
	size_t	 top = end;

	if (!more && ((q->total != 0 && q->total != end) || end < q->maxend))
		return (-1);
	if (more && q->total != 0 && end > q->total)
		return (-1);
	/* With the first's header, the datagram fits 65535 bytes. */
	if (off != 0)
		unfrag = q->unfrag;
	else if (q->total != 0)
		top = q->total;
	else if (q->maxend > end)
		top = q->maxend;
	if (unfrag != 0 && unfrag - IP6_HDR_LEN + top > IP6_PLEN_MAX)
		return (-1);
	return (0);
}

/* Room for the payload up to end: -1 if the limits say no. */
static int
ip6frag_grow(struct ip6frag_q *q, size_t end)
{
	uint8_t	*p;
	size_t	 cap;

	if (end <= q->cap)
		return (0);
	cap = (end + 1023) & ~(size_t)1023;
	if (cap > IP6_PLEN_MAX)
		cap = IP6_PLEN_MAX;
	if (ip6frag_room(q, cap - q->cap) == -1 ||
	    (p = realloc(q->data, cap)) == NULL)
		return (-1);
	ip6frag_bytes += cap - q->cap;
	q->data = p;
	q->cap = cap;
	return (0);
}

/* Keep the first fragment's head: its unfragmentable part, a quote. */
static int
ip6frag_keep_first(struct ip6frag_q *q, const uint8_t *pkt,
    const struct ip6ext *x)
{
	size_t	 n = x->len < ICMP6ERR_QUOTE ? x->len : ICMP6ERR_QUOTE;

	if (n < x->fhoff)
		n = x->fhoff;
	if (ip6frag_room(q, n) == -1 || (q->first = malloc(n)) == NULL)
		return (-1);
	memcpy(q->first, pkt, n);
	q->firstlen = n;
	ip6frag_bytes += n;
	q->unfrag = x->fhoff;
	q->fnhoff = x->fnhoff;
	q->fnxt = x->fnxt;
	return (0);
}

/* An overlap: the datagram is dead until its queue expires (RFC 5722). */
static void
ip6frag_kill(struct ip6frag_q *q)
{
	engine->stats.frag6_overlap++;
	q->dead = 1;
	ip6frag_bytes -= q->cap;
	free(q->data);
	q->data = NULL;
	q->cap = 0;
}

/* Add the fragment to q: -1 if dropped, 1 if the datagram is complete. */
static int
ip6frag_add(struct ip6frag_q *q, const uint8_t *pkt, const struct ip6ext *x,
    size_t end)
{
	size_t		 b;

	if (q->dead)
		return (-1);
	if (ip6frag_consistent(q, x->foff, end, x->fmore, x->foff == 0 ?
	    x->fhoff : 0) == -1) {
		engine->stats.drop_frag6++;
		return (-1);
	}
	/*
	 * RFC 8200 4.5 lets a duplicate the network made go alone: bytes
	 * all held already, and the same.  Any other overlap kills.
	 */
	if (fragmap_covered(&q->held, x->foff, end) &&
	    memcmp(q->data + x->foff, pkt + x->fhoff + 8, end - x->foff) == 0)
		return (-1);
	if (fragmap_overlaps(&q->held, x->foff, end)) {
		ip6frag_kill(q);
		return (-1);
	}
	if (ip6frag_grow(q, end) == -1 || (x->foff == 0 &&
	    ip6frag_keep_first(q, pkt, x) == -1)) {
		engine->stats.frag6_limit++;
		return (-1);
	}
	for (b = x->foff / 8; b * 8 < end; b++)
		(void)fragmap_set(&q->held, b);
	memcpy(q->data + x->foff, pkt + x->fhoff + 8, end - x->foff);
	if (end > q->maxend)
		q->maxend = end;
	if (!x->fmore)
		q->total = end;
	return (q->unfrag != 0 && fragmap_complete(&q->held, q->total));
}

/* The datagram: the first's unfragmentable part, then the rest. */
static uint8_t *
ip6frag_build(const struct ip6frag_q *q, size_t *lenp)
{
	uint8_t	*pkt;
	size_t	 len = q->unfrag + q->total, plen = len - IP6_HDR_LEN;

	if ((pkt = malloc(len)) == NULL)
		return (NULL);
	memcpy(pkt, q->first, q->unfrag);
	memcpy(pkt + q->unfrag, q->data, q->total);
	/* The header before the fragment header now names what it did. */
	pkt[q->fnhoff] = q->fnxt;
	pkt[4] = plen >> 8;
	pkt[5] = plen & 0xff;
	*lenp = len;
	return (pkt);
}

/* An atomic fragment: the packet without its fragment header. */
static uint8_t *
ip6frag_atomic(const uint8_t *pkt, const struct ip6ext *x, size_t *lenp)
{
	uint8_t	*out;
	size_t	 len = x->len - 8, plen = len - IP6_HDR_LEN;

	if ((out = malloc(len)) == NULL)
		return (NULL);
	memcpy(out, pkt, x->fhoff);
	memcpy(out + x->fhoff, pkt + x->fhoff + 8, x->len - x->fhoff - 8);
	out[x->fnhoff] = x->fnxt;
	out[4] = plen >> 8;
	out[5] = plen & 0xff;
	*lenp = len;
	return (out);
}

static int
ip6frag_param(struct ip6err *err, size_t ptr)
{
	engine->stats.drop_frag6++;
	err->type = ICMP6_PARAM_PROB;
	err->code = ICMP6_PARAMPROB_HEADER;
	err->param = (uint32_t)ptr;
	return (-1);
}

/*
 * A fragment that ip6ext_walk() found (x, of pkt).  1 and *out
 * (malloc'ed, the caller frees it; walk it again) when it completed its
 * datagram or was atomic; 0 when held or dropped silently; -1 when
 * dropped with *err to answer about pkt.  Counted in each case.
 */
int
ip6frag_input(const uint8_t *pkt, const struct ip6ext *x, uint8_t **out,
    size_t *outlen, struct ip6err *err)
{
	struct ip6frag_q	 key, *q;
	size_t			 dlen, end;

	if (x->frag == IP6EXT_F_NONE)
		return (0);
	engine->stats.frag6_in++;
	if (x->frag == IP6EXT_F_ATOMIC) {
		engine->stats.frag6_atomic++;
		return ((*out = ip6frag_atomic(pkt, x, outlen)) != NULL);
	}
	dlen = x->len - x->fhoff - 8;
	/* RFC 8200 4.5: all but the last carry multiples of 8 bytes. */
	if (x->fmore && (dlen & 7) != 0)
		return (ip6frag_param(err, 4));
	end = x->foff + dlen;
	/* RFC 8200 4.5: reassembled, the payload would pass 65535. */
	if (x->fhoff - IP6_HDR_LEN + end > IP6_PLEN_MAX)
		return (ip6frag_param(err, x->fhoff + 2));
	if (dlen == 0) {
		engine->stats.drop_frag6++;
		return (0);
	}
	memcpy(key.src, pkt + 8, IP6_ADDR_LEN);
	memcpy(key.dst, pkt + 24, IP6_ADDR_LEN);
	key.id = x->fid;
	if ((q = RB_FIND(ip6frag_tree, &ip6frag_qs, &key)) == NULL &&
	    (q = ip6frag_new(pkt, x)) == NULL) {
		engine->stats.frag6_limit++;
		return (0);
	}
	if (ip6frag_add(q, pkt, x, end) != 1)
		return (0);
	*out = ip6frag_build(q, outlen);
	ip6frag_free(q);
	ip6frag_arm();
	if (*out == NULL) {
		engine->stats.frag6_limit++;
		return (0);
	}
	engine->stats.frag6_done++;
	return (1);
}

/*
 * The queues past their time go, in age order; those that hold their
 * first fragment are answered through the hook (RFC 8200 4.5).  The
 * timer runs this; a test with its own clock may call it.
 */
void
ip6frag_expire(void)
{
	struct ip6frag_q	*q;
	uint64_t		 now = ip6frag_now();

	while ((q = TAILQ_FIRST(&ip6frag_age)) != NULL &&
	    q->born + IP6FRAG_TIMEOUT * 1000ULL <= now) {
		if (!q->dead) {
			engine->stats.frag6_timeout++;
			if (q->unfrag != 0 && ip6frag_timeout_cb != NULL)
				ip6frag_timeout_cb(q->first, q->firstlen);
		}
		ip6frag_free(q);
	}
	ip6frag_arm();
}

size_t
ip6frag_count(void)
{
	return (ip6frag_nq);
}

size_t
ip6frag_held(void)
{
	return (ip6frag_bytes);
}

/* Forget every queue: at exit, and between a fuzzer's inputs. */
void
ip6frag_flush(void)
{
	struct ip6frag_q	*q;

	while ((q = TAILQ_FIRST(&ip6frag_age)) != NULL)
		ip6frag_free(q);
	if (ip6frag_ev != NULL) {
		event_free(ip6frag_ev);
		ip6frag_ev = NULL;
	}
}
