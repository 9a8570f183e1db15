/*
 * Engine: IP fragments, in and out (RFC 791, RFC 815).
 *
 * In: a fragment that passed the dispatcher's header checks is queued
 * by (source, destination, ID, protocol).  A queue keeps the payload
 * from offset 0 up to the highest end seen and a map of the 8-byte
 * blocks received; the datagram is complete when the first fragment,
 * the last one and every block between have arrived, and then goes
 * back through ip_input() whole.  Overlaps are resolved as the
 * destination's personality is annotated ("annotate P fragment
 * drop|old|new"; old when it is not): drop forgets the datagram, old
 * keeps the bytes held, new lets the later fragment's bytes win.
 *
 * Memory is bounded: IPFRAG_MAXQ queues and IPFRAG_MAXBYTES held, each
 * queue counted as its structure plus its payload buffer.  To make room
 * the oldest queues are forgotten (an attacker filling the table pushes
 * out older datagrams, not the new ones; both are counted).  A queue
 * lives IPFRAG_TIMEOUT seconds ("option reassembly timeout N" changes
 * that); one that holds its first fragment is answered with ICMP time
 * exceeded, fragment reassembly, as the destination's personality
 * shapes errors; the others are forgotten silently.
 *
 * Out: a packet longer than the link's MTU is split into fragments of
 * 8-byte multiples, sharing its ID, DF cleared, as the host's own
 * stack would before putting it on the wire.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"

struct ipfrag_q {
	RB_ENTRY(ipfrag_q)	 entry;
	TAILQ_ENTRY(ipfrag_q)	 age;		/* oldest first */
	uint32_t		 src, dst;	/* network order */
	uint16_t		 id;		/* network order */
	uint8_t			 proto;
	enum frag_policy	 policy;
	int			 dead;		/* dropped for an overlap */
	int			 dups;		/* FRAG_DROP spares repeats */
	uint64_t		 born;		/* ms, monotonic */
	uint8_t			 hdr[IP_HDR_LEN_MAX]; /* the first fragment's */
	size_t			 hlen;		/* 0: first not seen yet */
	size_t			 firstlen;	/* its payload */
	size_t			 total;		/* payload; 0: last not seen */
	size_t			 maxend;	/* highest end held */
	uint8_t			*data;
	size_t			 cap;
	struct fragmap		 held;		/* blocks held */
};

RB_HEAD(ipfrag_tree, ipfrag_q);
TAILQ_HEAD(ipfrag_list, ipfrag_q);

static struct ipfrag_tree	 ipfrag_qs = RB_INITIALIZER(&ipfrag_qs);
static struct ipfrag_list	 ipfrag_age =
				    TAILQ_HEAD_INITIALIZER(ipfrag_age);
static size_t			 ipfrag_nq, ipfrag_bytes;
static struct event		*ipfrag_ev;

static void	 ipfrag_expire(int, short, void *);

/* A fragment as its header says, checked for sense. */
struct ipfrag {
	const uint8_t		*pkt;
	size_t			 hlen;
	size_t			 off, end;	/* payload bytes */
	int			 more;
};

static int
ipfrag_cmp(struct ipfrag_q *a, struct ipfrag_q *b)
{
	if (a->src != b->src)
		return (a->src < b->src ? -1 : 1);
	if (a->dst != b->dst)
		return (a->dst < b->dst ? -1 : 1);
	if (a->id != b->id)
		return (a->id < b->id ? -1 : 1);
	return (a->proto < b->proto ? -1 : a->proto > b->proto);
}

RB_GENERATE_STATIC(ipfrag_tree, ipfrag_q, entry, ipfrag_cmp)

static uint64_t
ipfrag_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * The running configuration's "option reassembly timeout" in ms.  It
 * applies to every queue, those of an earlier configuration too, so
 * that age order stays the order they expire in.
 */
static uint64_t
ipfrag_timeout(void)
{
	if (engine->conf == NULL)
		return (IPFRAG_TIMEOUT * 1000ULL);
	return (engine->conf->opts.reassembly_timeout * 1000ULL);
}

/*
 * The overlap policy of the personality that answers for dst.  Unless
 * annotated, the stack's family decides (stackmodel.c): the plain stack
 * and Linux personalities do as Linux has since 4.19 (CVE-2018-5391),
 * an overlap drops the datagram, but a fragment that only repeats what
 * is held is dropped alone (*dups), as a retransmitted duplicate is.
 */
static enum frag_policy
ipfrag_policy(uint32_t src, uint32_t dst, int proto, int *dups)
{
	const struct template	*t;
	const struct annotation	*a;

	*dups = 0;
	if (engine->conf == NULL ||
	    (t = config_lookup(engine->conf, ntohl(dst), ntohl(src),
	    proto)) == NULL)
		return (FRAG_OLD);
	if (t->personality != NULL)
		TAILQ_FOREACH(a, &engine->conf->annotations, entry)
			if (strcmp(a->personality, t->personality) == 0 &&
			    a->fragment != FRAG_UNSET)
				return (a->fragment);
	return (personality_frag_policy(t, dups));
}

static void
ipfrag_free(struct ipfrag_q *q)
{
	RB_REMOVE(ipfrag_tree, &ipfrag_qs, q);
	TAILQ_REMOVE(&ipfrag_age, q, age);
	ipfrag_nq--;
	ipfrag_bytes -= sizeof(*q) + q->cap;
	free(q->data);
	free(q);
}

/* Forget the oldest queue but keep; 0 if there was one. */
static int
ipfrag_evict(struct ipfrag_q *keep)
{
	struct ipfrag_q	*q = TAILQ_FIRST(&ipfrag_age);

	if (q == keep)
		q = TAILQ_NEXT(q, age);
	if (q == NULL)
		return (-1);
	engine->stats.frag_limit++;
	ipfrag_free(q);
	return (0);
}

static void
ipfrag_arm(void)
{
	struct ipfrag_q	*q = TAILQ_FIRST(&ipfrag_age);
	struct timeval	 tv;
	uint64_t	 now, ms;

	if (ipfrag_ev == NULL)
		return;
	if (q == NULL) {
		evtimer_del(ipfrag_ev);
		return;
	}
	now = ipfrag_now();
	ms = q->born + ipfrag_timeout() > now ?
	    q->born + ipfrag_timeout() - now : 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ipfrag_ev, &tv);
}

static struct ipfrag_q *
ipfrag_new(const struct ip_hdr *ip)
{
	struct ipfrag_q	*q;

	if (ipfrag_ev == NULL &&
	    (ipfrag_ev = evtimer_new(engine->base, ipfrag_expire, NULL)) ==
	    NULL)
		return (NULL);
	while (ipfrag_nq >= IPFRAG_MAXQ ||
	    ipfrag_bytes + sizeof(*q) > IPFRAG_MAXBYTES)
		if (ipfrag_evict(NULL) == -1)
			return (NULL);
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return (NULL);
	memcpy(&q->src, &ip->ip_src, sizeof(q->src));
	memcpy(&q->dst, &ip->ip_dst, sizeof(q->dst));
	q->id = ip->ip_id;
	q->proto = ip->ip_p;
	q->policy = ipfrag_policy(q->src, q->dst, q->proto, &q->dups);
	q->born = ipfrag_now();
	RB_INSERT(ipfrag_tree, &ipfrag_qs, q);
	TAILQ_INSERT_TAIL(&ipfrag_age, q, age);
	ipfrag_nq++;
	ipfrag_bytes += sizeof(*q);
	if (TAILQ_FIRST(&ipfrag_age) == q)
		ipfrag_arm();
	return (q);
}

/*
 * What the fragment's header says, or -1 if it makes no sense: data
 * that is not a multiple of 8 before the end, none at all, or past
 * the largest datagram (the "ping of death").
 */
static int
ipfrag_parse(const uint8_t *pkt, size_t len, struct ipfrag *f)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	uint16_t		 off = ntohs(ip->ip_off);

	f->pkt = pkt;
	f->hlen = ip->ip_hl * 4;
	f->off = (size_t)(off & IP_OFFMASK) * 8;
	f->more = (off & IP_MF) != 0;
	if (len <= f->hlen)
		return (-1);
	f->end = f->off + (len - f->hlen);
	if (f->more && ((len - f->hlen) & 7) != 0)
		return (-1);
	if (f->hlen + f->end > IP_LEN_MAX)
		return (-1);
	return (0);
}

/* Is the fragment consistent with the end already known or held? */
static int
ipfrag_consistent(const struct ipfrag_q *q, const struct ipfrag *f)
{
	if (!f->more) {
		if (q->total != 0 && q->total != f->end)
			return (-1);
		if (f->end < q->maxend)
			return (-1);
		/* The first fragment's header must fit with it all. */
		if (q->hlen != 0 && q->hlen + f->end > IP_LEN_MAX)
			return (-1);
		return (0);
	}
	if (q->total != 0 && f->end > q->total)
		return (-1);
	if (f->off == 0 && f->hlen + (q->total != 0 ? q->total :
	    q->maxend) > IP_LEN_MAX)
		return (-1);
	return (0);
}

/*
 * The 8-byte blocks of a datagram held so far, shared with ip6frag.c:
 * both families count fragments in 8-byte units up to 65535 bytes.
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

/* Room for the payload up to end: -1 if the limits say no. */
static int
ipfrag_grow(struct ipfrag_q *q, size_t end)
{
	uint8_t	*p;
	size_t	 cap;

	if (end <= q->cap)
		return (0);
	cap = (end + 1023) & ~(size_t)1023;
	if (cap > IP_LEN_MAX)
		cap = IP_LEN_MAX;
	while (ipfrag_bytes + (cap - q->cap) > IPFRAG_MAXBYTES)
		if (ipfrag_evict(q) == -1)
			return (-1);
	if ((p = realloc(q->data, cap)) == NULL)
		return (-1);
	ipfrag_bytes += cap - q->cap;
	q->data = p;
	q->cap = cap;
	return (0);
}

/* Copy the fragment's blocks in, as the policy says for those held. */
static void
ipfrag_copy(struct ipfrag_q *q, const struct ipfrag *f)
{
	const uint8_t	*src = f->pkt + f->hlen;
	size_t		 b, lo, hi;

	for (b = f->off / 8; b * 8 < f->end; b++) {
		lo = b * 8;
		hi = lo + 8 < f->end ? lo + 8 : f->end;
		if (!fragmap_set(&q->held, b) && q->policy != FRAG_NEW)
			continue;
		memcpy(q->data + lo, src + (lo - f->off), hi - lo);
	}
	if (f->end > q->maxend)
		q->maxend = f->end;
	if (!f->more)
		q->total = f->end;
	if (f->off == 0 && q->hlen == 0) {
		q->hlen = f->hlen;
		q->firstlen = f->end;
		memcpy(q->hdr, f->pkt, f->hlen);
	}
}

/* The whole datagram, header from the first fragment; NULL if no memory. */
static uint8_t *
ipfrag_build(const struct ipfrag_q *q, size_t *lenp)
{
	struct ip_hdr	*ip;
	uint8_t		*pkt;
	size_t		 len = q->hlen + q->total;
	int		 sum;

	if ((pkt = malloc(len)) == NULL)
		return (NULL);
	memcpy(pkt, q->hdr, q->hlen);
	memcpy(pkt + q->hlen, q->data, q->total);
	ip = (struct ip_hdr *)pkt;
	ip->ip_len = htons((uint16_t)len);
	ip->ip_off &= htons(IP_DF | IP_RF);
	ip->ip_sum = 0;
	sum = ip_cksum_add(pkt, q->hlen, 0);
	ip->ip_sum = ip_cksum_carry(sum);
	*lenp = len;
	return (pkt);
}

static int
ipfrag_complete(const struct ipfrag_q *q)
{
	return (q->hlen != 0 && fragmap_complete(&q->held, q->total));
}

/* Add f to q: -1 if it was dropped, 1 if the datagram is complete. */
static int
ipfrag_add(struct ipfrag_q *q, const struct ipfrag *f)
{
	if (q->dead)
		return (-1);
	if (ipfrag_consistent(q, f) == -1) {
		engine->stats.drop_frag++;
		return (-1);
	}
	if (q->policy == FRAG_DROP && q->dups &&
	    fragmap_covered(&q->held, f->off, f->end))
		return (-1);	/* a duplicate: it alone goes */
	if (q->policy == FRAG_DROP && fragmap_overlaps(&q->held, f->off, f->end)) {
		engine->stats.frag_overlap++;
		/* Later fragments of it are swallowed until it expires. */
		q->dead = 1;
		ipfrag_bytes -= q->cap;
		free(q->data);
		q->data = NULL;
		q->cap = 0;
		return (-1);
	}
	if (ipfrag_grow(q, f->end) == -1) {
		engine->stats.frag_limit++;
		return (-1);
	}
	ipfrag_copy(q, f);
	return (ipfrag_complete(q) ? 1 : 0);
}

/*
 * A fragment that passed the header checks.  1 and *out (malloc'ed,
 * the caller frees it) when it completed its datagram, else 0: held or
 * dropped, and counted.
 */
int
ipfrag_input(const uint8_t *pkt, size_t len, uint8_t **out, size_t *outlen)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	struct ipfrag_q		 key, *q;
	struct ipfrag		 f;
	int			 rv;

	engine->stats.frag_in++;
	if (ipfrag_parse(pkt, len, &f) == -1) {
		engine->stats.drop_frag++;
		return (0);
	}
	memcpy(&key.src, &ip->ip_src, sizeof(key.src));
	memcpy(&key.dst, &ip->ip_dst, sizeof(key.dst));
	key.id = ip->ip_id;
	key.proto = ip->ip_p;
	if ((q = RB_FIND(ipfrag_tree, &ipfrag_qs, &key)) == NULL &&
	    (q = ipfrag_new(ip)) == NULL) {
		engine->stats.frag_limit++;
		return (0);
	}
	if ((rv = ipfrag_add(q, &f)) != 1)
		return (0);
	*out = ipfrag_build(q, outlen);
	ipfrag_free(q);
	ipfrag_arm();
	if (*out == NULL) {
		engine->stats.frag_limit++;
		return (0);
	}
	engine->stats.frag_done++;
	return (1);
}

/* Never an error about an ICMP error (RFC 1122 3.2.2). */
static int
ipfrag_is_icmp_error(const struct ipfrag_q *q)
{
	if (q->proto != IP_PROTO_ICMP || q->firstlen < 1)
		return (0);
	switch (q->data[0]) {
	case ICMP_UNREACH:
	case ICMP_SRCQUENCH:
	case ICMP_REDIRECT:
	case ICMP_TIMEXCEED:
	case ICMP_PARAMPROB:
		return (1);
	}
	return (0);
}

/*
 * Time exceeded, reassembly, quoting the first fragment as received
 * (with the payload as it is held now), from the destination as its
 * template and personality answer.
 */
static void
ipfrag_time_exceeded(struct ipfrag_q *q)
{
	uint8_t		 buf[IP_HDR_LEN_MAX + 64];
	struct ipin	 in;
	size_t		 dlen;

	if (engine->conf == NULL || ipfrag_is_icmp_error(q))
		return;
	dlen = q->firstlen < 64 ? q->firstlen : 64;
	memcpy(buf, q->hdr, q->hlen);
	memcpy(buf + q->hlen, q->data, dlen);
	memset(&in, 0, sizeof(in));
	in.ip = (const struct ip_hdr *)buf;
	in.hlen = q->hlen;
	in.len = q->hlen + dlen;
	in.l4 = buf + q->hlen;
	in.l4len = dlen;
	in.src = ntohl(q->src);
	in.dst = ntohl(q->dst);
	if ((in.tmpl = config_lookup(engine->conf, in.dst, in.src,
	    q->proto)) == NULL || (in.host = host_get(in.dst)) == NULL)
		return;
	personality_host_update(in.host, in.tmpl);
	icmp_error(&in, in.host, in.tmpl, in.dst, ICMP_TIMEXCEED,
	    ICMP_TIMEXCEED_REASS);
}

/* The timer: queues past their time go, in age order. */
static void
ipfrag_expire(int fd, short event, void *arg)
{
	struct ipfrag_q	*q;
	uint64_t	 now = ipfrag_now();

	while ((q = TAILQ_FIRST(&ipfrag_age)) != NULL &&
	    q->born + ipfrag_timeout() <= now) {
		if (!q->dead) {
			engine->stats.frag_timeout++;
			if (q->hlen != 0)
				ipfrag_time_exceeded(q);
		}
		ipfrag_free(q);
	}
	ipfrag_arm();
}

size_t
ipfrag_count(void)
{
	return (ipfrag_nq);
}

size_t
ipfrag_held(void)
{
	return (ipfrag_bytes);
}

/* Forget every queue: at exit, and between a fuzzer's inputs. */
void
ipfrag_flush(void)
{
	struct ipfrag_q	*q;

	while ((q = TAILQ_FIRST(&ipfrag_age)) != NULL)
		ipfrag_free(q);
	if (ipfrag_ev != NULL) {
		event_free(ipfrag_ev);
		ipfrag_ev = NULL;
	}
}

/*
 * The options a later fragment carries: those whose copied flag is set
 * (RFC 791), padded to a word.  Returns the header length built.
 */
static size_t
ipfrag_later_hdr(const uint8_t *hdr, size_t hlen, uint8_t *out)
{
	size_t	 i, n = IP_HDR_LEN, olen;

	memcpy(out, hdr, IP_HDR_LEN);
	for (i = IP_HDR_LEN; i < hlen; i += olen) {
		if (hdr[i] == IP_OPT_EOL)
			break;
		if (hdr[i] == IP_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (i + 1 >= hlen || (olen = hdr[i + 1]) < 2 ||
		    i + olen > hlen)
			break;
		if (hdr[i] & 0x80) {
			memcpy(out + n, hdr + i, olen);
			n += olen;
		}
	}
	while (n % 4 != 0)
		out[n++] = IP_OPT_EOL;
	((struct ip_hdr *)out)->ip_hl = n / 4;
	return (n);
}

/*
 * Send pkt through send(), in fragments of at most mtu bytes if it is
 * longer.  A fragment being fragmented again keeps its place: offsets
 * add to its own, and MF stays on its last piece if it had it.
 * -1 if the packet cannot be split (malformed, or mtu too small).
 */
int
ipfrag_output(const uint8_t *pkt, size_t len, size_t mtu,
    void (*send)(const void *, size_t))
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	struct ip_hdr		*fip;
	uint8_t			*frag;
	size_t			 hlen, fhlen, chunk, off, n;
	uint16_t		 ipoff, id;
	int			 sum;

	if (len < IP_HDR_LEN || (hlen = ip->ip_hl * 4) < IP_HDR_LEN ||
	    hlen > len || ntohs(ip->ip_len) != len)
		return (-1);
	if (len <= mtu) {
		send(pkt, len);
		return (0);
	}
	if (mtu < hlen + 8 || (chunk = (mtu - hlen) & ~(size_t)7) == 0 ||
	    (frag = malloc(mtu)) == NULL)
		return (-1);
	ipoff = ntohs(ip->ip_off);
	/*
	 * An ID of 0 is what some stacks give datagrams with DF, which are
	 * never fragments (RFC 6864); split, this one needs a real one.
	 */
	id = ip->ip_id;
	if (id == 0 && (ipoff & IP_DF))
		id = htons(1 + arc4random_uniform(0xffff));
	fip = (struct ip_hdr *)frag;
	for (off = 0; off < len - hlen; off += n) {
		n = len - hlen - off < chunk ? len - hlen - off : chunk;
		if (off == 0) {
			memcpy(frag, pkt, hlen);
			fhlen = hlen;
		} else
			fhlen = ipfrag_later_hdr(pkt, hlen, frag);
		memcpy(frag + fhlen, pkt + hlen + off, n);
		fip->ip_id = id;
		fip->ip_len = htons((uint16_t)(fhlen + n));
		fip->ip_off = htons((ipoff & IP_RF) |
		    (((ipoff & IP_OFFMASK) + off / 8) & IP_OFFMASK) |
		    (off + n < len - hlen || (ipoff & IP_MF) ? IP_MF : 0));
		fip->ip_sum = 0;
		sum = ip_cksum_add(frag, fhlen, 0);
		fip->ip_sum = ip_cksum_carry(sum);
		send(frag, fhlen + n);
	}
	free(frag);
	return (0);
}
