/*
 * The personality engine: how a virtual host's stack looks on the wire.
 *
 * Every packet a host sends passes through here: IP fields (TTL, DF,
 * IP ID), TCP windows, options, ISNs and answers to odd probes, ICMP
 * codes and quotes.  A host whose template names a fingerprint follows
 * its plan (pers_plan.c) and clocks (pers_seq.c) through pers_tcp.c
 * and pers_icmp.c; without a fingerprint a host behaves like a plain
 * modern Linux stack.
 *
 * The parent resolves "random" personalities and warns about tests a
 * fingerprint asks for that cannot be reproduced exactly.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "personality.h"
#include "pers.h"
#include "tcp.h"

#define DEFAULT_TTL	64
#define DEFAULT_WINDOW	64240
#define DEFAULT_MSS	1460
#define DEFAULT_WSCALE	7

/* Hosts not told their uptime have been up 1 hour to 60 days. */
#define UPTIME_MIN	3600
#define UPTIME_SPAN	(60 * 86400 - UPTIME_MIN)

struct pers_out		 pers_out;

static uint64_t		 pers_secret;
static struct fprng	 pers_runrng;
static int		 pers_seeded;

/*
 * Plans are shared: every host of one fingerprint makes the same
 * choices, as machines running one stack answer alike; what tells them
 * apart, their clocks, stays per host.  One plan per fingerprint in
 * use, for the engine's current configuration: a host holding a plan
 * of an older one derives its state again (pers_get) before using it.
 */
struct pers_shared {
	SLIST_ENTRY(pers_shared)	 entry;
	const struct fingerprint	*fp;
	struct pers_plan		 plan;
	struct pers_synack		 synack;	/* pers_synack.c */
};
static SLIST_HEAD(, pers_shared) pers_plans =
				    SLIST_HEAD_INITIALIZER(pers_plans);
static uint32_t		 pers_plans_gen;

static void	 pers_seed(void);
static uint64_t	 host_seed(uint32_t);
static void	 pers_clocks_init(struct pers_state *, const struct template *);
static void	 default_ip_fields(struct host *, struct ip_hdr *,
		    enum out_kind);
static size_t	 default_synack_options(struct ipin *,
		    const struct tcp_seg *, struct tcp_reply *);
static int	 default_tcp_reply(struct ipin *, const struct tcp_seg *,
		    enum tcp_reply_kind, struct tcp_reply *);
static void	 warn_test(const char *, const char *, const char *);
static const struct fingerprint *first_use(const struct honeyd_config *,
		    const struct template *, const struct fpdb *);

/* Resolve "set T personality random" to one concrete fingerprint. */
void
personality_resolve_random(struct honeyd_config *conf, struct fpdb *db)
{
	struct template		*t;
	const struct fingerprint *fp;
	size_t			 n = fpdb_count(db);

	if (n == 0)
		return;
	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		if ((t->flags & TMPL_F_PERS_RANDOM) == 0)
			continue;
		fp = fpdb_nth(db, arc4random_uniform(n));
		free(t->personality);
		if ((t->personality = strdup(fingerprint_name(fp))) == NULL)
			fatal("strdup");
		t->flags &= ~TMPL_F_PERS_RANDOM;
		log_info("template %s: random personality \"%s\"", t->name,
		    t->personality);
	}
}

static void
warn_test(const char *name, const char *test, const char *why)
{
	log_warnx("personality \"%s\": test %s cannot be emulated exactly: "
	    "%s", name, test, why);
}

/* The fingerprint of t, unless an earlier template uses it too. */
static const struct fingerprint *
first_use(const struct honeyd_config *conf, const struct template *t,
    const struct fpdb *db)
{
	const struct template	*u;

	if (t->personality == NULL)
		return (NULL);
	TAILQ_FOREACH(u, &conf->tmpl_order, order) {
		if (u == t)
			break;
		if (u->personality != NULL &&
		    strcmp(u->personality, t->personality) == 0)
			return (NULL);
	}
	return (fpdb_find(db, t->personality));
}

/* Print each fingerprint the config uses, once. */
void
personality_print_used(FILE *f, const struct honeyd_config *conf,
    const struct fpdb *db)
{
	const struct template	*t;
	const struct fingerprint *fp;

	TAILQ_FOREACH(t, &conf->tmpl_order, order)
		if ((fp = first_use(conf, t, db)) != NULL)
			fingerprint_print(f, fp);
}

/*
 * Warn about the tests of each fingerprint the config uses that the
 * engine cannot reproduce exactly (a "random" one is only known later,
 * when it is drawn).
 */
void
personality_check(const struct honeyd_config *conf, const struct fpdb *db)
{
	const struct template	*t;
	const struct fingerprint *fp;

	TAILQ_FOREACH(t, &conf->tmpl_order, order)
		if ((fp = first_use(conf, t, db)) != NULL)
			pers_check(fp, warn_test);
}

/* Point each template at its fingerprint in the engine's database. */
int
personality_attach(struct honeyd_config *conf, struct fpdb *db)
{
	struct template	*t;

	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		t->pers = NULL;
		if (t->personality == NULL)
			continue;
		if ((t->pers = fpdb_find(db, t->personality)) == NULL) {
			log_warnx("template %s: personality \"%s\" missing",
			    t->name, t->personality);
			return (-1);
		}
	}
	return (0);
}

static void
pers_seed(void)
{
	if (pers_seeded)
		return;
	pers_secret = (uint64_t)arc4random() << 32 | arc4random();
	fprng_seed(&pers_runrng, (uint64_t)arc4random() << 32 | arc4random());
	pers_seeded = 1;
}

/* Run-time randomness: RD IP IDs, odd sequence numbers. */
struct fprng *
pers_rng(void)
{
	pers_seed();
	return (&pers_runrng);
}

/* The plans of older configurations go: nobody uses them again. */
static void
pers_plans_flush(void)
{
	struct pers_shared	*s;

	while ((s = SLIST_FIRST(&pers_plans)) != NULL) {
		SLIST_REMOVE_HEAD(&pers_plans, entry);
		free(s);
	}
}

/*
 * The plan of fingerprint fp, made on first use.  Its choices depend on
 * the fingerprint's name and this run's secret, so a reload that keeps
 * the fingerprint keeps them too.
 */
static struct pers_shared *
pers_plan_get(const struct fingerprint *fp)
{
	struct pers_shared	*s;
	struct fprng		 r;
	uint64_t		 seed;

	if (pers_plans_gen != engine->generation) {
		pers_plans_flush();
		pers_plans_gen = engine->generation;
	}
	SLIST_FOREACH(s, &pers_plans, entry)
		if (s->fp == fp)
			return (s);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	pers_seed();
	fprng_seed(&r, pers_secret ^ name_key(fingerprint_name(fp)));
	seed = (uint64_t)fprng_next(&r) << 32 | fprng_next(&r);
	pers_plan_derive(&s->plan, fp, seed);
	s->fp = fp;
	SLIST_INSERT_HEAD(&pers_plans, s, entry);
	return (s);
}

/* A host's clocks depend on its address and this run's secret. */
static uint64_t
host_seed(uint32_t addr)
{
	struct fprng	 r;

	pers_seed();
	fprng_seed(&r, pers_secret ^ addr);
	return ((uint64_t)fprng_next(&r) << 32 | fprng_next(&r));
}

/* The host "boots": ISN, IP ID and timestamp clocks start. */
static void
pers_clocks_init(struct pers_state *st, const struct template *t)
{
	struct fprng	 r;
	uint32_t	 uptime;

	fprng_seed(&r, st->seed ^ 0x636c6f636b73ULL);
	uptime = t->flags & TMPL_F_UPTIME ? t->uptime :
	    UPTIME_MIN + fprng_uniform(&r, UPTIME_SPAN);
	pers_isn_init(&st->isn, st->plan, &r);
	pers_ipid_init(st->id, st->plan, &r);
	st->boot_us = pers_now_us();
	st->ts_base = (uint32_t)fmod((double)uptime * (st->plan->ts_hz >
	    65536 ? 1000 : st->plan->ts_hz), 4294967296.0);
}

/*
 * A host's personality state, derived again when the configuration
 * changed.  The same fingerprint (by name) keeps its clocks running,
 * as a real machine would not reboot for a reload.  NULL: no
 * fingerprint, the host stack's defaults apply.
 */
static struct pers_state *
pers_get(struct host *h, const struct template *t)
{
	const struct fingerprint *fp;
	struct pers_shared	*sh;
	struct pers_state	*st;
	uint32_t		 key;
	int			 fresh = 0;

	if (h == NULL || t == NULL || (fp = t->pers) == NULL)
		return (NULL);
	st = h->pers;
	if (st != NULL && st->gen == engine->generation && st->fp == fp)
		return (st);
	if ((sh = pers_plan_get(fp)) == NULL)
		return (NULL);
	key = name_key(fingerprint_name(fp));
	if (st == NULL) {
		if ((st = calloc(1, sizeof(*st))) == NULL)
			return (NULL);
		h->pers = st;
		st->seed = host_seed(h->addr);
		fresh = 1;
	}
	st->plan = &sh->plan;
	st->synack = &sh->synack;
	if (fresh || st->fpkey != key)
		pers_clocks_init(st, t);
	st->gen = engine->generation;
	st->fp = fp;
	st->fpkey = key;
	return (st);
}

void
pers_out_set(int proto, int ttl, int df, int stream)
{
	pers_out.set = 1;
	pers_out.sockid = 0;
	pers_out.tos = -1;
	pers_out.proto = proto;
	pers_out.ttl = ttl;
	pers_out.df = df;
	pers_out.stream = stream;
}

/* Derive a host's state when it is new or its config changed. */
void
personality_host_update(struct host *h, const struct template *t)
{
	if (h->generation != engine->generation) {
		h->generation = engine->generation;
		if (h->ip_id == 0)
			h->ip_id = arc4random() & 0xffff;
		if (h->isn == 0)
			h->isn = arc4random();
	}
	(void)pers_get(h, t);
}

void
personality_host_free(struct host *h)
{
	free(h->pers);
	h->pers = NULL;
}

/*
 * Linux: TCP and UDP sockets probe the path MTU, so they set DF; ICMP
 * answers come from a socket that does not (echo replies and errors go
 * without DF).  A packet with DF from no connected socket gets IP ID 0
 * (ip_select_ident()): resets, and SYN+ACKs, which leave from the
 * listener; the rest count.
 */
static void
default_ip_fields(struct host *h, struct ip_hdr *ip, enum out_kind kind)
{
	const uint8_t	*th = (const uint8_t *)ip + ip->ip_hl * 4;
	int		 df;

	df = kind != OUT_ICMP_ERROR && kind != OUT_ICMP_ECHO;
	ip->ip_ttl = DEFAULT_TTL;
	ip->ip_off = df ? htons(IP_DF) : 0;
	if (df && ip->ip_p == IP_PROTO_TCP && (kind == OUT_TCP_CLOSED ||
	    (th[13] & (TH_SYN | TH_RST)) != 0))
		ip->ip_id = 0;
	else
		ip->ip_id = htons(h != NULL ? h->ip_id++ : arc4random());
}

/*
 * TTL, DF and IP ID of every packet.  The hook that shaped the packet
 * said what it wants (pers_out); a packet nobody shaped gets what its
 * kind usually gets.
 */
void
personality_ip_fields(struct host *h, const struct template *t,
    struct ip_hdr *ip, enum out_kind kind)
{
	struct pers_state	*st;
	const struct pers_plan	*p;
	uint8_t			*th;

	if ((st = pers_get(h, t)) == NULL) {
		default_ip_fields(h, ip, kind);
		pers_out.set = 0;
		return;
	}
	p = st->plan;
	if (!pers_out.set || pers_out.proto != ip->ip_p) {
		pers_out_set(ip->ip_p, p->resp[PR_IDX(FPT_T1)].ttl,
		    p->resp[PR_IDX(FPT_T1)].df, PST_TCP);
		pers_out.x2 = 0;
		if (kind == OUT_TCP_CLOSED)
			pers_out_set(ip->ip_p, p->resp[PR_IDX(FPT_T5)].ttl,
			    p->resp[PR_IDX(FPT_T5)].df, PST_CLOSED);
		else if (kind == OUT_ICMP_ECHO || kind == OUT_ICMP_ERROR)
			pers_out_set(ip->ip_p, kind == OUT_ICMP_ECHO ?
			    p->ie_ttl : p->u1_ttl, kind == OUT_ICMP_ECHO ? 0 :
			    p->u1_df, PST_ICMP);
	}
	ip->ip_ttl = pers_out.ttl;
	ip->ip_off = pers_out.df ? htons(IP_DF) : 0;
	if (pers_out.tos >= 0)
		ip->ip_tos = pers_out.tos;
	if (pers_out.sockid) {
		if (++h->ip_id == 0)
			h->ip_id = 1;
		ip->ip_id = htons(h->ip_id);
	} else
		ip->ip_id = htons(pers_ipid_next(st->id, p, pers_out.stream,
		    pers_rng()));
	if (ip->ip_p == IP_PROTO_TCP && pers_out.x2 != 0) {
		th = (uint8_t *)ip + ip->ip_hl * 4;
		th[12] |= pers_out.x2;
	}
	pers_out.set = 0;
	pers_out.x2 = 0;
	pers_out.sockid = 0;
}

/* Echo replies: may the host answer at all? */
int
personality_echo_ok(struct ipin *in)
{
	struct pers_state	*st;

	if ((st = pers_get(in->host, in->tmpl)) == NULL)
		return (1);
	return (st->plan->ie_r);
}

/*
 * Whether a host answers as a Linux stack does where nmap's tests do
 * not look: the plain stack, and personalities whose Class is Linux.
 */
static int
linux_model(struct host *h, const struct template *t)
{
	struct pers_state	*st;

	return ((st = pers_get(h, t)) == NULL || st->plan->lnx);
}

/* Whether template t's personality is of a Linux stack (ipfrag.c). */
int
personality_tmpl_linux(const struct template *t)
{
	const struct fingerprint	*fp;

	return (t->personality != NULL && engine->db != NULL &&
	    (fp = fpdb_find(engine->db, t->personality)) != NULL &&
	    plan_linux(fp));
}

/*
 * Source-routed packets: a Linux host drops them (accept_source_route
 * is off but on routers); a fingerprint does not say, so any other
 * personality answers them as before.
 */
int
personality_srcroute_drop(struct ipin *in)
{
	return (linux_model(in->host, in->tmpl));
}

/*
 * ICMP errors of the plain stack are rate limited as Linux limits them
 * to each destination (icmp(7): a token bucket; icmp_ratelimit, 1000
 * ms a message for the types of icmp_ratemask, 0x1818: unreachable,
 * source quench, time exceeded, parameter problem).  The bucket holds
 * six messages' worth (inetpeer's burst factor): of a burst of twelve
 * closed-port datagrams the kernel answers six, as
 * regress/netns/differential.sh sees.  Linux's global limit,
 * icmp_msgs_per_sec 1000 in bursts of icmp_msgs_burst 50, is not
 * modelled.  Buckets live in a small table keyed by both addresses; a
 * pair that loses its slot starts again with a full bucket, as a peer
 * the kernel forgot does.  A Linux personality is limited alike (nmap
 * sends one U1 at a time, well within a fresh bucket); others are not.
 */
#define RL_SLOTS_BITS	10
#define RL_INTERVAL_MS	1000
#define RL_BURST	6

struct rl_slot {
	uint32_t	 from, to;
	uint64_t	 last_ms;
	uint32_t	 tokens;	/* milliseconds of credit */
};
static struct rl_slot	 rl_table[1 << RL_SLOTS_BITS];

int
personality_icmp_ratelimit(struct host *h, const struct template *t,
    uint32_t from, uint32_t to)
{
	struct rl_slot	*s;
	uint64_t	 now, credit;
	uint32_t	 k;

	if (!linux_model(h, t))
		return (1);
	now = pers_now_us() / 1000;
	k = ((from * 2654435761U) ^ to) * 2654435761U;
	s = &rl_table[k >> (32 - RL_SLOTS_BITS)];
	if (s->from != from || s->to != to || s->last_ms == 0) {
		s->from = from;
		s->to = to;
		s->tokens = RL_BURST * RL_INTERVAL_MS;
	} else {
		credit = s->tokens + (now - s->last_ms);
		s->tokens = credit > RL_BURST * RL_INTERVAL_MS ?
		    RL_BURST * RL_INTERVAL_MS : (uint32_t)credit;
	}
	s->last_ms = now != 0 ? now : 1;
	if (s->tokens < RL_INTERVAL_MS)
		return (0);
	s->tokens -= RL_INTERVAL_MS;
	return (1);
}

/*
 * A segment signed with TCP MD5 (RFC 2385) for a socket that has no
 * key: Linux drops it, open port or closed (tcp_inbound_hash(), and
 * tcp_v4_send_reset() finds no key to sign a reset with).
 */
int
personality_tcp_md5_drop(struct ipin *in, const struct tcp_seg *seg)
{
	return ((seg->has & TCP_HAS_MD5) && linux_model(in->host, in->tmpl));
}

/*
 * Record route and timestamp options come back on the plain stack's
 * answers, as on Linux's; a fingerprint does not say, so any
 * other personality's answers carry none, as before.
 */
int
personality_ipopts_echo(struct ipin *in)
{
	return (linux_model(in->host, in->tmpl));
}

/*
 * Timestamp requests: the plain stack and Linux personalities answer,
 * as Linux does; no fingerprint says what its OS does, so any other
 * personality stays silent.
 */
int
personality_tstamp_ok(struct ipin *in)
{
	return (linux_model(in->host, in->tmpl));
}

void
personality_echo_reply(struct ipin *in, struct ip_hdr *ip,
    struct icmp_hdr *icmp)
{
	struct pers_state	*st;

	if ((st = pers_get(in->host, in->tmpl)) != NULL)
		pers_echo_reply(st, in, ip, icmp);
}

/* The quote of an ICMP error: -1 means this stack sends none. */
ssize_t
personality_icmp_quote(struct ipin *in, struct host *h,
    const struct template *t, uint8_t *quote, size_t qlen, size_t room)
{
	struct pers_state	*st;

	if ((st = pers_get(h, t)) == NULL)
		return (qlen);
	return (pers_icmp_quote(st, quote, qlen, room));
}

/* The word after an ICMP error's header, zero by RFC 792. */
uint32_t
personality_icmp_unused(struct host *h, const struct template *t)
{
	struct pers_state	*st;

	if ((st = pers_get(h, t)) == NULL)
		return (0);
	return (st->plan->u1_un);
}

uint32_t
personality_tcp_isn(struct host *h, const struct template *t)
{
	struct pers_state	*st;

	if ((st = pers_get(h, t)) == NULL)
		return (h->isn += arc4random());
	return (pers_isn_next(&st->isn, st->plan, pers_now_us(),
	    pers_rng()));
}

/*
 * May a SYN that also carries FIN open a connection?  Never: it is
 * nmap's T3, answered (or not) from the no-connection path as the
 * fingerprint says; Linux and the BSDs drop it.
 */
int
personality_tcp_synfin_ok(struct ipin *in)
{
	return (0);
}

/*
 * The plain stack's timestamp clock: milliseconds, offset per address
 * pair as Linux offsets it (tcp_ts_off(), since 4.10), so the peer
 * learns nothing of the host's uptime.
 */
static uint32_t
default_ts(uint32_t host, uint32_t peer)
{
	return ((uint32_t)(pers_now_us() / 1000) +
	    (uint32_t)host_seed(host ^ (peer * 2654435761U)));
}

static void
put32(uint8_t *o, uint32_t v)
{
	v = htonl(v);
	memcpy(o, &v, 4);
}

/*
 * Linux's SYN+ACK options, built from what the SYN offered as
 * tcp_options_write() lays them out: MSS; SACK permitted and timestamps
 * together, or each after two NOPs; window scale after one.
 */
static size_t
default_synack_options(struct ipin *in, const struct tcp_seg *seg,
    struct tcp_reply *r)
{
	uint8_t	*o = r->opts;
	size_t	 n = 0;
	int	 sack, ts;

	o[n++] = TCP_OPT_MSS;
	o[n++] = 4;
	o[n++] = DEFAULT_MSS >> 8;
	o[n++] = DEFAULT_MSS & 0xff;
	if (seg == NULL)
		return (n);
	sack = (seg->has & TCP_HAS_SACKOK) != 0;
	ts = (seg->has & TCP_HAS_TS) != 0;
	if (sack && ts) {
		o[n++] = TCP_OPT_SACKOK;
		o[n++] = 2;
	} else if (sack || ts) {
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_NOP;
	}
	if (ts) {
		o[n++] = TCP_OPT_TIMESTAMP;
		o[n++] = 10;
		put32(o + n, default_ts(in->dst, in->src));
		put32(o + n + 4, seg->tsval);
		n += 8;
		r->ts_ok = 1;
	} else if (sack) {
		o[n++] = TCP_OPT_SACKOK;
		o[n++] = 2;
	}
	if (seg->has & TCP_HAS_WSCALE) {
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_WSCALE;
		o[n++] = 3;
		o[n++] = DEFAULT_WSCALE;
		r->wscale = DEFAULT_WSCALE;
	}
	return (n);
}

/* Timestamps on every segment of a connection that agreed to them. */
static void
default_conn_options(struct tcp_reply *r)
{
	struct tcp_conn	*c = r->conn;
	uint8_t		*o = r->opts + r->optlen;

	if (c == NULL || !c->ts_ok || r->optlen + 12 > sizeof(r->opts))
		return;
	o[0] = o[1] = TCP_OPT_NOP;
	o[2] = TCP_OPT_TIMESTAMP;
	o[3] = 10;
	put32(o + 4, default_ts(c->flow.tuple.dst, c->flow.tuple.src));
	put32(o + 8, c->ts_recent);
	r->optlen += 12;
}

static int
default_tcp_reply(struct ipin *in, const struct tcp_seg *seg,
    enum tcp_reply_kind kind, struct tcp_reply *r)
{
	switch (kind) {
	case TCP_R_SYNACK:
		r->win = DEFAULT_WINDOW;
		r->optlen = default_synack_options(in, seg, r);
		/* ECN setup SYN (RFC 3168 6.1.1): Linux agrees. */
		if (seg != NULL && (seg->flags & (TH_ECE | TH_CWR)) ==
		    (TH_ECE | TH_CWR))
			r->flags |= TH_ECE;
		break;
	case TCP_R_CONN:
		r->win = DEFAULT_WINDOW >> (r->conn != NULL ?
		    r->conn->snd_wscale : 0);
		default_conn_options(r);
		break;
	case TCP_R_STRAY:
		/*
		 * Linux's listener answers only an ACK (with a reset); a
		 * segment with neither SYN nor ACK, or SYN with FIN, it
		 * drops without a word (tcp_rcv_state_process()).
		 */
		if (!(seg->flags & TH_ACK))
			return (-1);
		r->win = 0;
		break;
	case TCP_R_CLOSED:
		/* No socket: every segment but a reset gets one. */
		r->win = 0;
		break;
	}
	return (0);
}

int
personality_tcp_reply(struct ipin *in, const struct tcp_seg *seg,
    enum tcp_reply_kind kind, struct tcp_reply *r)
{
	struct pers_state	*st;

	pers_out.set = 0;
	pers_out.x2 = 0;
	if ((st = pers_get(in->host, in->tmpl)) == NULL)
		return (default_tcp_reply(in, seg, kind, r));
	return (pers_tcp_reply(st, in->tmpl->pers, in, seg, kind, r));
}
