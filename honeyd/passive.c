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
 * The cache: PASSIVE_CACHE_SIZE slots (64 KB, allocated with the first
 * answer), direct-mapped by a keyed hash of the source address.  A
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
	uint32_t			 src;
	const struct passive_label	*label;	/* NULL: empty */
};

static struct pcache_ent	*pcache;	/* on the first answer */
static uint32_t			 pcache_key;
static struct passive_db	*pdb;		/* the running signatures */
static char			*rc_text;	/* a reload being received */
static size_t			 rc_len;

static const struct passive_label *passive_lookup(uint32_t);
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

/* The quirks of the IP and TCP headers (the options' come later). */
static uint32_t
obs_quirks(const struct ip_hdr *ip, const struct tcp_hdr *th)
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
	if ((ip->ip_tos & 0x03) != 0 || (th->th_flags & (TH_ECE | TH_CWR)))
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

/*
 * What a SYN (not SYN+ACK) in an IPv4 packet shows; -1 if it is not
 * one, or is cut short.  Fragments are not looked at.
 */
int
passive_observe_syn(const uint8_t *pkt, size_t len, struct passive_obs *o)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	const struct tcp_hdr	*th;
	size_t			 hlen, iplen, thlen;
	uint16_t		 off;

	if (len < IP_HDR_LEN || ip->ip_v != 4 || ip->ip_p != IP_PROTO_TCP)
		return (-1);
	hlen = ip->ip_hl * 4;
	iplen = ntohs(ip->ip_len);
	off = ntohs(ip->ip_off);
	if (hlen < IP_HDR_LEN || iplen > len || iplen < hlen + TCP_HDR_LEN ||
	    (off & (IP_MF | IP_OFFMASK)) != 0)
		return (-1);
	th = (const struct tcp_hdr *)(pkt + hlen);
	thlen = th->th_off * 4;
	if (thlen < TCP_HDR_LEN || hlen + thlen > iplen ||
	    (th->th_flags & (TH_SYN | TH_ACK)) != TH_SYN)
		return (-1);
	memset(o, 0, sizeof(*o));
	o->ttl = ip->ip_ttl;
	o->olen = hlen - IP_HDR_LEN;
	o->mss = o->scale = -1;
	o->win = ntohs(th->th_win);
	o->payload = iplen > hlen + thlen;
	o->quirks = obs_quirks(ip, th);
	obs_options(o, (const uint8_t *)th + TCP_HDR_LEN, thlen - TCP_HDR_LEN);
	return (0);
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
		return (o->mss > 0 &&
		    o->win == (uint64_t)(o->mss + 40) * s->wval);
	case PWIN_MOD:
		return (o->win % s->wval == 0);
	}
	return (0);
}

static int
match_quirks(uint32_t want, uint32_t have, int fuzzy)
{
	uint32_t	 missing, extra;

	want &= ~PQ_FLOW;	/* IPv6 only */
	if (!fuzzy)
		return (want == have);
	missing = want & ~have;
	extra = have & ~want;
	return ((missing & ~(PQ_DF | PQ_IDPLUS)) == 0 &&
	    (extra & ~(PQ_IDMINUS | PQ_ECN)) == 0);
}

static int
match_sig(const struct passive_sig *s, const struct passive_obs *o,
    int fuzzy)
{
	if (s->ver == 6 || o->ttl > s->ittl ||
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
	return (match_window(s, o) && match_quirks(s->quirks, o->quirks,
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

/* Learn the OS of a packet's source from its SYN (engine, per packet). */
void
passive_observe(const uint8_t *pkt, size_t len)
{
	const struct ip_hdr		*ip = (const struct ip_hdr *)pkt;
	const struct passive_label	*l;
	struct pcache_ent		*e;
	struct passive_obs		 o;
	uint32_t			 src;
	size_t				 hlen;

	if (pdb == NULL || passive_observe_syn(pkt, len, &o) == -1)
		return;
	src = ntohl(ip->ip_src);
	if (passive_lookup(src) != NULL)
		return;		/* its first SYN told already */
	/* The dispatcher has not checked it yet: a corrupt SYN tells nothing. */
	hlen = ip->ip_hl * 4;
	if (ip_l4_cksum(ip, pkt + hlen, ntohs(ip->ip_len) - hlen) != 0 ||
	    (l = passive_match_obs(pdb, &o)) == NULL)
		return;
	if (pcache == NULL &&
	    (pcache = calloc(PASSIVE_CACHE_SIZE, sizeof(*pcache))) == NULL)
		return;
	e = pcache_slot(src);
	e->src = src;
	e->label = l;
}

static const struct passive_label *
passive_lookup(uint32_t src)
{
	const struct pcache_ent	*e;

	if (pdb == NULL || pcache == NULL)
		return (NULL);
	e = pcache_slot(src);
	return (e->label != NULL && e->src == src ? e->label : NULL);
}

/* The name (p0f's "Linux", "Windows") learned for src, or NULL. */
const char *
passive_os_name(uint32_t src)
{
	const struct passive_label	*l = passive_lookup(src);

	return (l != NULL ? l->name : NULL);
}

/* "Linux 2.6.x", for the logs, or NULL. */
const char *
passive_os_desc(uint32_t src)
{
	const struct passive_label	*l = passive_lookup(src);

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
