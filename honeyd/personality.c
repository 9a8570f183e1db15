/*
 * The personality engine: how a virtual host's stack looks on the wire.
 *
 * Every packet a host sends passes through here: IP fields (TTL, DF,
 * IP ID), TCP windows, options, ISNs and answers to odd probes, ICMP
 * codes and quotes.  A host whose template names a fingerprint follows
 * its plan (pers_plan.c) and clocks (pers_seq.c) through pers_tcp.c
 * and pers_icmp.c; without a fingerprint a host behaves like a plain
 * modern Linux stack.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
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

/* Point each template at its fingerprint in the engine's database. */
int
personality_attach(struct honeyd_config *conf, struct fpdb *db)
{
	struct template	*t;

	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		t->pers = NULL;
		if (t->personality == NULL)
			continue;
		if ((t->pers = fpdb_find_entry(db, t->personality,
		    t->pers_entry)) == NULL) {
			log_warnx("template %s: personality \"%s\" entry %u "
			    "missing", t->name, t->personality, t->pers_entry);
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
	/* Another entry of the same name is another machine. */
	key = name_key(fingerprint_name(fp)) ^ (fp->nth - 1);
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
 * listener; the rest count, ICMP's answers (no DF) with a counter per
 * destination (stackmodel.c, Linux's row).
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
	else if (h != NULL && !df)
		ip->ip_id = htons((*stackmodel_idslot(&h->ip_ids,
		    ip->ip_dst, arc4random()))++);
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
	} else if (pers_out.stream == PST_ICMP &&
	    stackmodel_get(p->family)->ipid_dst && pers_ipid_perdst(p))
		ip->ip_id = htons(pers_ipid_step(stackmodel_idslot(&h->ip_ids,
		    ip->ip_dst, fprng_next(pers_rng())), p, PST_ICMP,
		    pers_rng()));
	else
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

/*
 * An IPv6 TCP segment's share of the above: no IPv4 header to shape
 * (ip6_output() sets the hop limit), only the reserved bits a stack's
 * quirk sets in the TCP header th; the state is cleared alike.
 */
void
personality_tcp6_fields(uint8_t *th)
{
	if (pers_out.set && pers_out.proto == IP_PROTO_TCP &&
	    pers_out.x2 != 0)
		th[12] |= pers_out.x2;
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
 * The stack model a host answers with where nmap's tests do not look
 * (stackmodel.c): its fingerprint's family, Linux's for the plain
 * stack.
 */
static const struct stack_model *
host_model(struct host *h, const struct template *t)
{
	struct pers_state	*st;

	if ((st = pers_get(h, t)) == NULL)
		return (stackmodel_get(SF_LINUX));
	return (stackmodel_get(st->plan->family));
}

/*
 * The overlap policy of template t's stack (ipfrag.c), *dups whether
 * a fragment that only repeats what is held is dropped alone.  A
 * personality missing from the database keeps the old first-wins way.
 */
enum frag_policy
personality_frag_policy(const struct template *t, int *dups)
{
	const struct stack_model	*m = stackmodel_get(SF_LINUX);

	*dups = 0;
	if (t->personality != NULL) {
		if (t->pers == NULL)
			return (FRAG_OLD);
		m = stackmodel_get(plan_family(t->pers));
	}
	*dups = m->frag_dups;
	return (m->frag);
}

/* Source-routed packets: dropped where the family does (stackmodel.c). */
int
personality_srcroute_drop(struct ipin *in)
{
	return (host_model(in->host, in->tmpl)->srcroute_drop);
}

/*
 * ICMP errors are rate limited as the host's family limits them
 * (stackmodel.c): Linux a token bucket per peer, six deep, an error a
 * second (of a burst of twelve closed-port datagrams the kernel
 * answers six, as regress/netns/differential.sh sees); the BSDs and
 * Cisco IOS one limit for the host; Linux's global limit,
 * icmp_msgs_per_sec 1000 in bursts of icmp_msgs_burst 50, on top of
 * its peers' (stackmodel_rl_allow()).  Buckets live in a small table
 * keyed by both addresses (the peer's 0 for a host-wide limit, which
 * no peer has); a pair that loses its slot
 * starts again with a full bucket, as a peer the kernel forgot does.
 * nmap sends one U1 at a time, well within a fresh bucket.
 */
#define RL_SLOTS_BITS	10

struct rl_slot {
	uint32_t	 from, to;
	struct sm_bucket b;
};
static struct rl_slot	 rl_table[1 << RL_SLOTS_BITS];

static struct rl_slot *
rl_slot(uint32_t from, uint32_t to)
{
	uint32_t	 k;

	k = ((from * 2654435761U) ^ to) * 2654435761U;
	return (&rl_table[k >> (32 - RL_SLOTS_BITS)]);
}

static struct sm_bucket *
rl_bucket(uint32_t from, uint32_t to)
{
	struct rl_slot	*s = rl_slot(from, to);

	if (s->from != from || s->to != to) {
		s->from = from;
		s->to = to;
		s->b.last_ms = 0;
	}
	return (&s->b);
}

int
personality_icmp_ratelimit(struct host *h, const struct template *t,
    uint32_t from, uint32_t to)
{
	const struct stack_model	*m = host_model(h, t);
	struct sm_bucket		*peer, *global, fresh;

	if (m->rl.scope == SMRL_NONE)
		return (1);
	if (m->rl.scope == SMRL_HOST)
		to = 0;
	/* A dual-stack machine's bucket, that its IPv6 errors spend too. */
	if ((global = stackmodel_machine_bucket(m, t)) != NULL)
		return (stackmodel_rl_allow(m, rl_bucket(from, to), global,
		    pers_now_us() / 1000));
	memset(&fresh, 0, sizeof(fresh));
	global = &fresh;
	if (m->grl.scope != SMRL_NONE && to != 0 &&
	    rl_slot(from, 0) == rl_slot(from, to)) {
		/* The host's bucket keeps the slot; the peer starts full. */
		global = rl_bucket(from, 0);
		peer = &fresh;
	} else {
		peer = rl_bucket(from, to);
		if (m->grl.scope != SMRL_NONE)
			global = rl_bucket(from, 0);
	}
	return (stackmodel_rl_allow(m, peer, global, pers_now_us() / 1000));
}

/*
 * A segment signed with TCP MD5 (RFC 2385) for a socket that has no
 * key: Linux drops it, open port or closed (tcp_inbound_hash(), and
 * tcp_v4_send_reset() finds no key to sign a reset with).
 */
int
personality_tcp_md5_drop(struct ipin *in, const struct tcp_seg *seg)
{
	return ((seg->has & TCP_HAS_MD5) &&
	    host_model(in->host, in->tmpl)->md5_drop);
}

/*
 * Which answers carry record route and timestamp options back
 * (SMO_*): every one on Linux, ICMP's on the BSDs, none on small
 * stacks.
 */
int
personality_ipopts_echo(struct ipin *in)
{
	return (host_model(in->host, in->tmpl)->ipopts);
}

/* Timestamp requests: answered where the family does. */
int
personality_tstamp_ok(struct ipin *in)
{
	return (host_model(in->host, in->tmpl)->tstamp);
}

/* The host's family's model, for IPv6's input path (ip6.c). */
const struct stack_model *
personality_stack_model(struct host *h, const struct template *t)
{
	return (host_model(h, t));
}

/* A protocol no one here speaks: protocol unreachable, or silence. */
int
personality_proto_unreach(struct ipin *in)
{
	return (host_model(in->host, in->tmpl)->proto_unreach);
}

/* RFC 5961 challenge ACKs, or RFC 793's resets (tcp.c). */
int
personality_challenge_ack(struct host *h, const struct template *t)
{
	return (host_model(h, t)->challenge_ack);
}

/*
 * Milliseconds to wait after SYN+ACK number n (0: the first), or -1:
 * the family gives up on the half-open connection.
 */
int
personality_synack_rto(struct host *h, const struct template *t, u_int n)
{
	return (stackmodel_synack_rto(host_model(h, t), n));
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
		return (stackmodel_quote_len(stackmodel_get(SF_LINUX), quote,
		    qlen, room));
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
 * The plain stack's SYN+ACK options: what the SYN offered, laid out as
 * Linux's row says (stackmodel.c).
 */
static size_t
default_synack_options(struct ipin *in, const struct tcp_seg *seg,
    struct tcp_reply *r)
{
	struct synopts	 so;

	memset(&so, 0, sizeof(so));
	so.has_mss = 1;
	so.mss = DEFAULT_MSS;
	so.ws = -1;
	if (seg != NULL) {
		so.sack = (seg->has & TCP_HAS_SACKOK) != 0;
		so.ts = (seg->has & TCP_HAS_TS) != 0;
		if (seg->has & TCP_HAS_WSCALE)
			so.ws = r->wscale = DEFAULT_WSCALE;
	}
	if (so.ts) {
		put32(so.tsopt, default_ts(in->dst, in->src));
		put32(so.tsopt + 4, seg->tsval);
		r->ts_ok = 1;
	}
	return (stackmodel_synopts(stackmodel_get(SF_LINUX), &so, r->opts,
	    sizeof(r->opts)));
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

/* kind: enum tcp_reply_kind. */
int
personality_tcp_reply(struct ipin *in, const struct tcp_seg *seg, int kind,
    struct tcp_reply *r)
{
	struct pers_state	*st;

	pers_out.set = 0;
	pers_out.x2 = 0;
	if ((st = pers_get(in->host, in->tmpl)) == NULL)
		return (default_tcp_reply(in, seg, kind, r));
	return (pers_tcp_reply(st, in->tmpl->pers, in, seg, kind, r));
}
