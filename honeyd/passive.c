/*
 * Passive fingerprinting of the attacker: which operating system sent a
 * SYN, by p0f 3's signatures (passive_db.c), and a per-source memory of
 * the answer in the engine.
 *
 * Matching: the IP version, the initial TTL (the observed TTL may be
 * lower by at most PASSIVE_MAX_DIST hops; "N-" signatures accept any
 * TTL up to N), the IP options length, MSS, window size (exact,
 * mss*N, mtu*N with mtu = mss + 40, %N, *), window scale, the option
 * layout in order, the quirks and the payload class.  Specific
 * signatures win over generic ones; when none matches exactly, a
 * second pass forgives df and id+ missing and id- and ecn appearing
 * (what middleboxes and odd stacks do).
 *
 * IPv6 SYNs as p0f 3 reads them: the hop limit is the TTL, there are
 * no IP options (a SYN behind an extension header is not looked at),
 * the MTU is mss + 60, the traffic class carries ECN and a non-zero
 * flow label is the "flow" quirk.  A signature for either version ("*")
 * loses its IPv4-only quirks (df, id+, id-) against an IPv6 SYN and
 * "flow" against an IPv4 one; the second pass forgives "flow" appearing
 * against it (match_quirks()).
 *
 * The cache: PASSIVE_CACHE_SIZE slots (128 KB, allocated with the first
 * answer), direct-mapped by a keyed hash of the source address (an IPv6
 * one's fold, the whole address kept to tell sources apart).  A
 * source's first SYN that a signature matches fills its slot,
 * replacing whatever other source was there; its later packets, of
 * any protocol, are judged by that answer.  A
 * reload keeps an answer whose label the new file still has (the same
 * type, class, name and flavor) and forgets the others, so that
 * connections do not change templates for a reload of the same file.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "passive.h"

#define PASSIVE_CACHE_SIZE	4096	/* a power of two */

struct pcache_ent {
	uint32_t			 src;	/* an IPv6 one's fold */
	int				 v6;
	struct in6_addr			 src6;
	const struct passive_label	*label;	/* NULL: empty */
};

static struct pcache_ent	*pcache;	/* on the first answer */
static uint32_t			 pcache_key;
static struct passive_db	*pdb;		/* the running signatures */
static char			*rc_text;	/* a reload being received */
static size_t			 rc_len;

static const struct passive_label *passive_lookup(uint32_t,
		    const struct in6_addr *);
static const struct passive_label *passive_match_obs(const struct passive_db *,
		    const struct passive_obs *);
static void	 passive_cache_flush(void);

static void
obs_option(struct passive_obs *o, const uint8_t *p, size_t len)
{
	if (o->nopts == PSIG_OPTS_MAX)
		return;
	o->opts[o->nopts++] = p[0];
	switch (p[0]) {
	case POPT_MSS:
		if (len == 4)
			o->mss = (p[2] << 8) | p[3];
		else
			o->quirks |= PQ_BAD;
		break;
	case POPT_WS:
		if (len == 3) {
			o->scale = p[2];
			if (p[2] > 14)
				o->quirks |= PQ_EXWS;
		} else
			o->quirks |= PQ_BAD;
		break;
	case POPT_SOK:
		if (len != 2)
			o->quirks |= PQ_BAD;
		break;
	case POPT_TS:
		if (len != 10) {
			o->quirks |= PQ_BAD;
			break;
		}
		if (memcmp(p + 2, "\0\0\0\0", 4) == 0)
			o->quirks |= PQ_TS1MINUS;
		if (memcmp(p + 6, "\0\0\0\0", 4) != 0)
			o->quirks |= PQ_TS2PLUS;
		break;
	}
}

/* The option layout; lengths that overrun the header are "bad". */
static void
obs_options(struct passive_obs *o, const uint8_t *p, size_t len)
{
	size_t	 i = 0, n;

	while (i < len) {
		if (p[i] == POPT_EOL) {
			if (o->nopts < PSIG_OPTS_MAX)
				o->opts[o->nopts++] = POPT_EOL;
			o->eolpad = len - i - 1;
			for (i++; i < len; i++)
				if (p[i] != 0)
					o->quirks |= PQ_OPTPLUS;
			return;
		}
		if (p[i] == POPT_NOP) {
			if (o->nopts < PSIG_OPTS_MAX)
				o->opts[o->nopts++] = POPT_NOP;
			i++;
			continue;
		}
		if (i + 1 >= len || (n = p[i + 1]) < 2 || i + n > len) {
			o->quirks |= PQ_BAD;
			return;
		}
		obs_option(o, p + i, n);
		i += n;
	}
}

/* The quirks of the TCP header (the options' come later). */
static uint32_t
obs_tcp_quirks(const struct tcp_hdr *th)
{
	uint32_t	 q = 0;

	if (th->th_flags & (TH_ECE | TH_CWR))
		q |= PQ_ECN;
	if (th->th_seq == 0)
		q |= PQ_SEQMINUS;
	if (th->th_ack != 0)
		q |= PQ_ACKPLUS;
	if (th->th_urp != 0 && (th->th_flags & TH_URG) == 0)
		q |= PQ_UPTRPLUS;
	if (th->th_flags & TH_URG)
		q |= PQ_URGF;
	if (th->th_flags & TH_PUSH)
		q |= PQ_PUSHF;
	return (q);
}

/* The quirks of the IPv4 header. */
static uint32_t
obs_ip_quirks(const struct ip_hdr *ip)
{
	uint16_t	 off = ntohs(ip->ip_off);
	uint32_t	 q = 0;

	if (off & IP_DF) {
		q |= PQ_DF;
		if (ip->ip_id != 0)
			q |= PQ_IDPLUS;
	} else if (ip->ip_id == 0)
		q |= PQ_IDMINUS;
	if (off & IP_RF)
		q |= PQ_ZERO;
	if ((ip->ip_tos & 0x03) != 0)
		q |= PQ_ECN;
	return (q);
}

/* What the TCP header of a SYN at th shows, its segment seglen long. */
static int
obs_tcp(const struct tcp_hdr *th, size_t seglen, struct passive_obs *o)
{
	size_t	 thlen = th->th_off * 4;

	if (thlen < TCP_HDR_LEN || thlen > seglen ||
	    (th->th_flags & (TH_SYN | TH_ACK)) != TH_SYN)
		return (-1);
	o->mss = o->scale = -1;
	o->win = ntohs(th->th_win);
	o->payload = seglen > thlen;
	o->quirks |= obs_tcp_quirks(th);
	obs_options(o, (const uint8_t *)th + TCP_HDR_LEN, thlen - TCP_HDR_LEN);
	return (0);
}

/*
 * An IPv6 SYN: TCP right after the fixed header (p0f 3 looks no
 * further), the traffic class's ECN bits and the flow label its IP
 * quirks.
 */
static int
obs_syn6(const uint8_t *pkt, size_t len, struct passive_obs *o)
{
	size_t		 plen;
	uint32_t	 vtf;

	if (len < IP6_HDR_LEN + TCP_HDR_LEN || pkt[6] != IP_PROTO_TCP)
		return (-1);
	plen = (pkt[4] << 8) | pkt[5];
	if (plen > len - IP6_HDR_LEN)
		return (-1);
	memcpy(&vtf, pkt, sizeof(vtf));
	vtf = ntohl(vtf);
	memset(o, 0, sizeof(*o));
	o->v6 = 1;
	o->ttl = pkt[7];
	if (vtf & 0x00300000)		/* ECT or CE in the traffic class */
		o->quirks |= PQ_ECN;
	if (vtf & 0x000fffff)
		o->quirks |= PQ_FLOW;
	if (plen < TCP_HDR_LEN)
		return (-1);
	return (obs_tcp((const struct tcp_hdr *)(pkt + IP6_HDR_LEN), plen, o));
}

/*
 * What a SYN (not SYN+ACK) in an IPv4 or IPv6 packet shows; -1 if it
 * is not one, or is cut short.  Fragments are not looked at.
 */
int
passive_observe_syn(const uint8_t *pkt, size_t len, struct passive_obs *o)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	size_t			 hlen, iplen;
	uint16_t		 off;

	if (len >= 1 && (pkt[0] >> 4) == 6)
		return (obs_syn6(pkt, len, o));
	if (len < IP_HDR_LEN || ip->ip_v != 4 || ip->ip_p != IP_PROTO_TCP)
		return (-1);
	hlen = ip->ip_hl * 4;
	iplen = ntohs(ip->ip_len);
	off = ntohs(ip->ip_off);
	if (hlen < IP_HDR_LEN || iplen > len || iplen < hlen + TCP_HDR_LEN ||
	    (off & (IP_MF | IP_OFFMASK)) != 0)
		return (-1);
	memset(o, 0, sizeof(*o));
	o->ttl = ip->ip_ttl;
	o->olen = hlen - IP_HDR_LEN;
	o->quirks = obs_ip_quirks(ip);
	return (obs_tcp((const struct tcp_hdr *)(pkt + hlen), iplen - hlen,
	    o));
}

static int
match_window(const struct passive_sig *s, const struct passive_obs *o)
{
	switch (s->wtype) {
	case PWIN_ANY:
		return (1);
	case PWIN_EXACT:
		return (o->win == s->wval);
	case PWIN_MSS:
		return (o->mss > 0 && o->win == (uint64_t)o->mss * s->wval);
	case PWIN_MTU:
		return (o->mss > 0 && o->win ==
		    (uint64_t)(o->mss + (o->v6 ? 60 : 40)) * s->wval);
	case PWIN_MOD:
		return (o->win % s->wval == 0);
	}
	return (0);
}

static int
match_quirks(const struct passive_sig *s, uint32_t have, int v6, int fuzzy)
{
	uint32_t	 want = s->quirks, missing, extra, forgive = 0;

	/* A signature for either version: the other version's quirks out. */
	if (s->ver == 0)
		want &= v6 ? ~(PQ_DF | PQ_IDPLUS | PQ_IDMINUS | PQ_ZERO) :
		    ~PQ_FLOW;
	if (!fuzzy)
		return (want == have);
	/*
	 * XXX Unlike p0f, a flow label appearing is forgiven too against a
	 * signature for either version: stacks label their flows by
	 * default now (RFC 6437; Linux's auto_flowlabels), and p0f.fp's
	 * "*" signatures were written without them.
	 */
	if (s->ver == 0)
		forgive = PQ_FLOW;
	missing = want & ~have;
	extra = have & ~want;
	return ((missing & ~(PQ_DF | PQ_IDPLUS)) == 0 &&
	    (extra & ~(PQ_IDMINUS | PQ_ECN | forgive)) == 0);
}

static int
match_sig(const struct passive_sig *s, const struct passive_obs *o,
    int fuzzy)
{
	if ((s->ver == 6 && !o->v6) || (s->ver == 4 && o->v6) ||
	    o->ttl > s->ittl ||
	    (!s->ttl_bad && s->ittl - o->ttl > PASSIVE_MAX_DIST))
		return (0);
	if (s->olen != o->olen || (s->mss != -1 && s->mss != o->mss) ||
	    (s->scale != -1 && s->scale != (o->scale == -1 ? 0 : o->scale)))
		return (0);
	if (s->nopts != o->nopts || memcmp(s->opts, o->opts, o->nopts) != 0 ||
	    (o->nopts > 0 && o->opts[o->nopts - 1] == POPT_EOL &&
	    s->eolpad != o->eolpad))
		return (0);
	if (s->pclass != -1 && s->pclass != o->payload)
		return (0);
	return (match_window(s, o) && match_quirks(s, o->quirks, o->v6,
	    fuzzy));
}

/* The label of the best signature for what a SYN showed, or NULL. */
static const struct passive_label *
passive_match_obs(const struct passive_db *db, const struct passive_obs *o)
{
	const struct passive_sig	*s, *gen;
	size_t				 i;
	int				 fuzzy;

	if (db == NULL)
		return (NULL);
	for (fuzzy = 0; fuzzy < 2; fuzzy++) {
		gen = NULL;
		for (i = 0; i < db->nsigs; i++) {
			s = &db->sigs[i];
			if (!match_sig(s, o, fuzzy))
				continue;
			if (!db->labels[s->label].generic)
				return (&db->labels[s->label]);
			if (gen == NULL)
				gen = s;
		}
		if (gen != NULL)
			return (&db->labels[gen->label]);
	}
	return (NULL);
}

/* The label for a SYN in an IPv4 packet; NULL if none, or no SYN. */
const struct passive_label *
passive_match(const struct passive_db *db, const uint8_t *pkt, size_t len)
{
	struct passive_obs	 o;

	if (db == NULL || passive_observe_syn(pkt, len, &o) == -1)
		return (NULL);
	return (passive_match_obs(db, &o));
}

/*
 * The engine's side.
 */

static struct pcache_ent *
pcache_slot(uint32_t src)
{
	uint32_t	 h = (src ^ pcache_key) * 2654435761U;

	return (&pcache[h >> (32 - 12)]);
}

/*
 * Whether the checksum of an observed SYN holds: the dispatcher has not
 * checked it yet, and a corrupt SYN tells nothing.
 */
static int
passive_cksum_ok(const uint8_t *pkt, const struct passive_obs *o)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	struct in6_addr		 src6, dst6;
	size_t			 hlen;

	if (o->v6) {
		memcpy(&src6, pkt + 8, sizeof(src6));
		memcpy(&dst6, pkt + 24, sizeof(dst6));
		return (ip6_cksum(&src6, &dst6, IP_PROTO_TCP,
		    pkt + IP6_HDR_LEN, (pkt[4] << 8 | pkt[5])) == 0);
	}
	hlen = ip->ip_hl * 4;
	return (ip_l4_cksum(ip, pkt + hlen, ntohs(ip->ip_len) - hlen) == 0);
}

/* Learn the OS of a packet's source from its SYN (engine, per packet). */
void
passive_observe(const uint8_t *pkt, size_t len)
{
	const struct ip_hdr		*ip = (const struct ip_hdr *)pkt;
	const struct passive_label	*l;
	struct pcache_ent		*e;
	struct passive_obs		 o;
	struct in6_addr			 src6;
	uint32_t			 src;

	if (pdb == NULL || passive_observe_syn(pkt, len, &o) == -1)
		return;
	if (o.v6) {
		memcpy(&src6, pkt + 8, sizeof(src6));
		src = addr6_fold(&src6);
	} else
		src = ntohl(ip->ip_src);
	if (passive_lookup(src, o.v6 ? &src6 : NULL) != NULL)
		return;		/* its first SYN told already */
	if (!passive_cksum_ok(pkt, &o) ||
	    (l = passive_match_obs(pdb, &o)) == NULL)
		return;
	if (pcache == NULL &&
	    (pcache = calloc(PASSIVE_CACHE_SIZE, sizeof(*pcache))) == NULL)
		return;
	e = pcache_slot(src);
	e->src = src;
	e->v6 = o.v6;
	if (o.v6)
		e->src6 = src6;
	e->label = l;
}

/* The answer for an IPv4 source, or an IPv6 one (src its fold). */
static const struct passive_label *
passive_lookup(uint32_t src, const struct in6_addr *src6)
{
	const struct pcache_ent	*e;

	if (pdb == NULL || pcache == NULL)
		return (NULL);
	e = pcache_slot(src);
	if (e->label == NULL || e->src != src || e->v6 != (src6 != NULL))
		return (NULL);
	if (src6 != NULL && memcmp(&e->src6, src6, sizeof(*src6)) != 0)
		return (NULL);
	return (e->label);
}

/* The name (p0f's "Linux", "Windows") learned for src, or NULL. */
const char *
passive_os_name(uint32_t src)
{
	const struct passive_label	*l = passive_lookup(src, NULL);

	return (l != NULL ? l->name : NULL);
}

/* "Linux 2.6.x", for the logs, or NULL. */
const char *
passive_os_desc(uint32_t src)
{
	const struct passive_label	*l = passive_lookup(src, NULL);

	return (l != NULL ? l->desc : NULL);
}

/* The same for an IPv6 source. */
const char *
passive_os_name6(const struct in6_addr *src)
{
	const struct passive_label	*l;

	l = passive_lookup(addr6_fold(src), src);
	return (l != NULL ? l->name : NULL);
}

const char *
passive_os_desc6(const struct in6_addr *src)
{
	const struct passive_label	*l;

	l = passive_lookup(addr6_fold(src), src);
	return (l != NULL ? l->desc : NULL);
}

static void
passive_cache_flush(void)
{
	if (pcache != NULL)
		memset(pcache, 0, PASSIVE_CACHE_SIZE * sizeof(*pcache));
	pcache_key = arc4random();
}

/* IMSG_RECONF_P0F: a chunk of the signature file's text. */
void
passive_reconf_append(const void *data, size_t n)
{
	char	*p;

	if (rc_len + n > (size_t)8 * 1024 * 1024)
		fatalx("engine: p0f signatures too large");
	if ((p = realloc(rc_text, rc_len + n + 1)) == NULL)
		fatal("engine: p0f signatures");
	memcpy(p + rc_len, data, n);
	rc_len += n;
	p[rc_len] = '\0';
	rc_text = p;
}

static int
label_eq(const struct passive_label *a, const struct passive_label *b)
{
	return (a->generic == b->generic && strcmp(a->name, b->name) == 0 &&
	    strcmp(a->flavor, b->flavor) == 0 &&
	    strcmp(a->class, b->class) == 0);
}

/* Point what the cache learned at the same labels of a new file. */
static void
pcache_remap(const struct passive_db *db)
{
	struct pcache_ent	*e;
	size_t			 i;

	if (pcache == NULL)
		return;
	for (e = pcache; e < pcache + PASSIVE_CACHE_SIZE; e++) {
		if (e->label == NULL)
			continue;
		for (i = 0; db != NULL && i < db->nlabels; i++)
			if (label_eq(e->label, &db->labels[i]))
				break;
		e->label = db != NULL && i < db->nlabels ?
		    &db->labels[i] : NULL;
	}
}

/*
 * The configuration the text came with is installed (install 1) or
 * rejected (0).  No text: the feature is off.  -1 if the text does not
 * parse: nothing changed, and the engine refuses the configuration.
 */
int
passive_reconf_done(int install)
{
	struct passive_db	*db = NULL;

	if (install && rc_len > 0 && (db = passive_db_parse("p0f", rc_text,
	    rc_len, 1, NULL)) == NULL)
		install = -1;
	free(rc_text);
	rc_text = NULL;
	rc_len = 0;
	if (install <= 0)
		return (install);
	if (pdb == NULL)
		passive_cache_flush();
	else
		pcache_remap(db);
	passive_db_free(pdb);
	pdb = db;
	if (db != NULL)
		log_debug("%zu p0f SYN signatures", passive_db_count(db));
	return (0);
}

/* Forget everything (the engine's exit, the fuzzers' leak checks). */
void
passive_free(void)
{
	passive_db_free(pdb);
	pdb = NULL;
	free(rc_text);
	rc_text = NULL;
	rc_len = 0;
	free(pcache);
	pcache = NULL;
}
