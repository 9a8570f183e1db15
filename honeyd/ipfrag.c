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
 * Memory is bounded (fragq.c keeps the books): IPFRAG_MAXQ queues and
 * IPFRAG_MAXBYTES held, the oldest forgotten to make room (both the
 * refused and the forgotten are counted).  A queue lives IPFRAG_TIMEOUT
 * seconds ("option reassembly timeout N" changes that); one that holds
 * its first fragment is answered with ICMP time exceeded, fragment
 * reassembly, as the destination's personality shapes errors; the
 * others are forgotten silently.
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

#include <dumbnet.h>

#include "honeyd.h"

struct ipfrag_q {
	struct fragq		 fq;		/* first: fragq.c's part */
	RB_ENTRY(ipfrag_q)	 entry;
	uint32_t		 src, dst;	/* network order */
	uint16_t		 id;		/* network order */
	uint8_t			 proto;
	enum frag_policy	 policy;
	int			 dups;		/* FRAG_DROP spares repeats */
	uint8_t			 hdr[IP_HDR_LEN_MAX]; /* the first fragment's */
	size_t			 hlen;		/* 0: first not seen yet */
	size_t			 firstlen;	/* its payload */
};

RB_HEAD(ipfrag_tree, ipfrag_q);

static struct ipfrag_tree	 ipfrag_qs = RB_INITIALIZER(&ipfrag_qs);

static uint64_t	 ipfrag_timeout(void);
static void	 ipfrag_unlink(struct fragq *);
static void	 ipfrag_expired(struct fragq *);
static void	 ipfrag_evicted(void);

static struct fragtab		 ipfrag_tab = {
	.qsize = sizeof(struct ipfrag_q),
	.maxq = IPFRAG_MAXQ,
	.maxbytes = IPFRAG_MAXBYTES,
	.lifetime = ipfrag_timeout,
	.unlink = ipfrag_unlink,
	.expired = ipfrag_expired,
	.evicted = ipfrag_evicted,
	.age = TAILQ_HEAD_INITIALIZER(ipfrag_tab.age),
};

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
ipfrag_unlink(struct fragq *fq)
{
	RB_REMOVE(ipfrag_tree, &ipfrag_qs, (struct ipfrag_q *)fq);
}

static void
ipfrag_evicted(void)
{
	engine->stats.frag_limit++;
}

static struct ipfrag_q *
ipfrag_new(const struct ip_hdr *ip)
{
	struct ipfrag_q	*q;

	if ((q = (struct ipfrag_q *)fragq_new(&ipfrag_tab)) == NULL)
		return (NULL);
	memcpy(&q->src, &ip->ip_src, sizeof(q->src));
	memcpy(&q->dst, &ip->ip_dst, sizeof(q->dst));
	q->id = ip->ip_id;
	q->proto = ip->ip_p;
	q->policy = ipfrag_policy(q->src, q->dst, q->proto, &q->dups);
	RB_INSERT(ipfrag_tree, &ipfrag_qs, q);
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
		if (q->fq.total != 0 && q->fq.total != f->end)
			return (-1);
		if (f->end < q->fq.maxend)
			return (-1);
		/* The first fragment's header must fit with it all. */
		if (q->hlen != 0 && q->hlen + f->end > IP_LEN_MAX)
			return (-1);
		return (0);
	}
	if (q->fq.total != 0 && f->end > q->fq.total)
		return (-1);
	if (f->off == 0 && f->hlen + (q->fq.total != 0 ? q->fq.total :
	    q->fq.maxend) > IP_LEN_MAX)
		return (-1);
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
		if (!fragmap_set(&q->fq.held, b) && q->policy != FRAG_NEW)
			continue;
		memcpy(q->fq.data + lo, src + (lo - f->off), hi - lo);
	}
	fragq_extend(&q->fq, f->end, f->more);
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
	size_t		 len = q->hlen + q->fq.total;
	int		 sum;

	if ((pkt = malloc(len)) == NULL)
		return (NULL);
	memcpy(pkt, q->hdr, q->hlen);
	memcpy(pkt + q->hlen, q->fq.data, q->fq.total);
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
	return (q->hlen != 0 && fragmap_complete(&q->fq.held, q->fq.total));
}

/* Add f to q: -1 if it was dropped, 1 if the datagram is complete. */
static int
ipfrag_add(struct ipfrag_q *q, const struct ipfrag *f)
{
	if (q->fq.dead)
		return (-1);
	if (ipfrag_consistent(q, f) == -1) {
		engine->stats.drop_frag++;
		return (-1);
	}
	if (q->policy == FRAG_DROP && q->dups &&
	    fragmap_covered(&q->fq.held, f->off, f->end))
		return (-1);	/* a duplicate: it alone goes */
	if (q->policy == FRAG_DROP &&
	    fragmap_overlaps(&q->fq.held, f->off, f->end)) {
		engine->stats.frag_overlap++;
		fragq_kill(&ipfrag_tab, &q->fq);
		return (-1);
	}
	if (fragq_grow(&ipfrag_tab, &q->fq, f->end) == -1) {
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
	fragq_free(&ipfrag_tab, &q->fq);
	fragq_arm(&ipfrag_tab);
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
	switch (q->fq.data[0]) {
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
	memcpy(buf + q->hlen, q->fq.data, dlen);
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

/* A queue past its time (fragq_expire): answered if it has its first. */
static void
ipfrag_expired(struct fragq *fq)
{
	struct ipfrag_q	*q = (struct ipfrag_q *)fq;

	engine->stats.frag_timeout++;
	if (q->hlen != 0)
		ipfrag_time_exceeded(q);
}

size_t
ipfrag_count(void)
{
	return (ipfrag_tab.nq);
}

size_t
ipfrag_held(void)
{
	return (ipfrag_tab.bytes);
}

/* Forget every queue: at exit, and between a fuzzer's inputs. */
void
ipfrag_flush(void)
{
	fragq_flush(&ipfrag_tab);
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
