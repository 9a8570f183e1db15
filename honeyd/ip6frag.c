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
 * Memory is bounded as for IPv4, by the same books (fragq.c):
 * IP6FRAG_MAXQ queues and IP6FRAG_MAXBYTES held, the kept head of the
 * first fragment too, the oldest forgotten to make room.  A queue
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

#include <dumbnet.h>

#include "honeyd.h"

#define IP6_PLEN_MAX	65535

struct ip6frag_q {
	struct fragq		 fq;		/* first: fragq.c's part */
	RB_ENTRY(ip6frag_q)	 entry;
	uint8_t			 src[IP6_ADDR_LEN], dst[IP6_ADDR_LEN];
	uint32_t		 id;
	uint8_t			*first;		/* the first fragment's head */
	size_t			 firstlen;	/* bytes of it kept */
	size_t			 unfrag;	/* its unfragmentable part;
						   0: first not seen yet */
	size_t			 fnhoff;	/* Next Header byte naming the
						   fragment header in it */
	uint8_t			 fnxt;		/* that header's Next Header */
};

RB_HEAD(ip6frag_tree, ip6frag_q);

static struct ip6frag_tree	 ip6frag_qs = RB_INITIALIZER(&ip6frag_qs);
static void			(*ip6frag_timeout_cb)(const uint8_t *, size_t);

static uint64_t	 ip6frag_lifetime(void);
static void	 ip6frag_unlink(struct fragq *);
static void	 ip6frag_expired(struct fragq *);
static void	 ip6frag_evicted(void);

static struct fragtab		 ip6frag_tab = {
	.qsize = sizeof(struct ip6frag_q),
	.maxq = IP6FRAG_MAXQ,
	.maxbytes = IP6FRAG_MAXBYTES,
	.lifetime = ip6frag_lifetime,
	.unlink = ip6frag_unlink,
	.expired = ip6frag_expired,
	.evicted = ip6frag_evicted,
	.age = TAILQ_HEAD_INITIALIZER(ip6frag_tab.age),
};

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

/*
 * The clock (ms; NULL: the monotonic clock) and the hook that answers a
 * queue that timed out holding its first fragment (NULL: none).
 */
void
ip6frag_hooks(uint64_t (*now)(void), void (*timeout)(const uint8_t *,
    size_t))
{
	ip6frag_tab.now = now;
	ip6frag_timeout_cb = timeout;
}

static uint64_t
ip6frag_lifetime(void)
{
	return (IP6FRAG_TIMEOUT * 1000ULL);
}

static void
ip6frag_unlink(struct fragq *fq)
{
	struct ip6frag_q	*q = (struct ip6frag_q *)fq;

	RB_REMOVE(ip6frag_tree, &ip6frag_qs, q);
	free(q->first);
}

static void
ip6frag_evicted(void)
{
	engine->stats.frag6_limit++;
}

static struct ip6frag_q *
ip6frag_new(const uint8_t *pkt, const struct ip6ext *x)
{
	struct ip6frag_q	*q;

	if ((q = (struct ip6frag_q *)fragq_new(&ip6frag_tab)) == NULL)
		return (NULL);
	memcpy(q->src, pkt + 8, IP6_ADDR_LEN);
	memcpy(q->dst, pkt + 24, IP6_ADDR_LEN);
	q->id = x->fid;
	RB_INSERT(ip6frag_tree, &ip6frag_qs, q);
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
	size_t	 top = end, total = q->fq.total, maxend = q->fq.maxend;

	if (!more && ((total != 0 && total != end) || end < maxend))
		return (-1);
	if (more && total != 0 && end > total)
		return (-1);
	/* With the first's header, the datagram fits 65535 bytes. */
	if (off != 0)
		unfrag = q->unfrag;
	else if (total != 0)
		top = total;
	else if (maxend > end)
		top = maxend;
	if (unfrag != 0 && unfrag - IP6_HDR_LEN + top > IP6_PLEN_MAX)
		return (-1);
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
	if (fragq_charge(&ip6frag_tab, &q->fq, n) == -1 ||
	    (q->first = malloc(n)) == NULL)
		return (-1);
	memcpy(q->first, pkt, n);
	q->firstlen = n;
	q->unfrag = x->fhoff;
	q->fnhoff = x->fnhoff;
	q->fnxt = x->fnxt;
	return (0);
}

/* Add the fragment to q: -1 if dropped, 1 if the datagram is complete. */
static int
ip6frag_add(struct ip6frag_q *q, const uint8_t *pkt, const struct ip6ext *x,
    size_t end)
{
	struct fragq	*fq = &q->fq;
	size_t		 b;

	if (fq->dead)
		return (-1);
	if (ip6frag_consistent(q, x->foff, end, x->fmore, x->foff == 0 ?
	    x->fhoff : 0) == -1) {
		engine->stats.drop_frag6++;
		return (-1);
	}
	/*
	 * RFC 8200 4.5 lets a duplicate the network made go alone: bytes
	 * all held already, and the same.  Any other overlap kills the
	 * datagram until its queue expires (RFC 5722).
	 */
	if (fragmap_covered(&fq->held, x->foff, end) &&
	    memcmp(fq->data + x->foff, pkt + x->fhoff + 8, end - x->foff) == 0)
		return (-1);
	if (fragmap_overlaps(&fq->held, x->foff, end)) {
		engine->stats.frag6_overlap++;
		fragq_kill(&ip6frag_tab, fq);
		return (-1);
	}
	if (fragq_grow(&ip6frag_tab, fq, end) == -1 || (x->foff == 0 &&
	    ip6frag_keep_first(q, pkt, x) == -1)) {
		engine->stats.frag6_limit++;
		return (-1);
	}
	for (b = x->foff / 8; b * 8 < end; b++)
		(void)fragmap_set(&fq->held, b);
	memcpy(fq->data + x->foff, pkt + x->fhoff + 8, end - x->foff);
	fragq_extend(fq, end, x->fmore);
	return (q->unfrag != 0 && fragmap_complete(&fq->held, fq->total));
}

/* The datagram: the first's unfragmentable part, then the rest. */
static uint8_t *
ip6frag_build(const struct ip6frag_q *q, size_t *lenp)
{
	uint8_t	*pkt;
	size_t	 len = q->unfrag + q->fq.total, plen = len - IP6_HDR_LEN;

	if ((pkt = malloc(len)) == NULL)
		return (NULL);
	memcpy(pkt, q->first, q->unfrag);
	memcpy(pkt + q->unfrag, q->fq.data, q->fq.total);
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
	fragq_free(&ip6frag_tab, &q->fq);
	fragq_arm(&ip6frag_tab);
	if (*out == NULL) {
		engine->stats.frag6_limit++;
		return (0);
	}
	engine->stats.frag6_done++;
	return (1);
}

/* A queue past its time (fragq_expire): answered if it has its first. */
static void
ip6frag_expired(struct fragq *fq)
{
	struct ip6frag_q	*q = (struct ip6frag_q *)fq;

	engine->stats.frag6_timeout++;
	if (q->unfrag != 0 && ip6frag_timeout_cb != NULL)
		ip6frag_timeout_cb(q->first, q->firstlen);
}

/*
 * The queues past their time go, in age order; those that hold their
 * first fragment are answered through the hook (RFC 8200 4.5).  The
 * timer runs this; a test with its own clock may call it.
 */
void
ip6frag_expire(void)
{
	fragq_expire(&ip6frag_tab);
}

size_t
ip6frag_count(void)
{
	return (ip6frag_tab.nq);
}

size_t
ip6frag_held(void)
{
	return (ip6frag_tab.bytes);
}

/* Forget every queue: at exit, and between a fuzzer's inputs. */
void
ip6frag_flush(void)
{
	fragq_flush(&ip6frag_tab);
}
