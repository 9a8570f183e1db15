/*
 * The personality's TCP: every segment a virtual host with a
 * fingerprint sends is shaped here (pers_tcp_reply, through
 * personality_tcp_reply), from the plan its fingerprint gave it.
 *
 * nmap's probes (book, chapter 8) are recognised by their shape:
 *   SEQ 1-6  SYNs to an open port; windows 1, 63, 4, 4, 16, 512 and
 *            six distinct option layouts.  Answered with OPS O1-O6 and
 *            WIN W1-W6, flags, S, A, DF and TTL as T1 says.
 *   ECN      a SYN with ECE and CWR: the ECN line.
 *   T2-T4    a segment without SYN, a SYN+FIN, an ACK, open port.
 *   T5-T7    a SYN, an ACK, anything else, closed port.
 * Segments that are not probes are classed the same way (an ACK to a
 * closed port is answered as T6 says), and a SYN that is no probe gets
 * the answer to SEQ probe 1, which offered every option, less the
 * options the peer did not offer: so what p0f sees of an ordinary
 * connection is what nmap saw.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "tcp.h"

/* nmap's probes to an open port, by window and option layout. */
static const struct {
	uint16_t	 win;
	const char	*layout;
} seq_probe[6] = {
	{ 1, "WNMTS" }, { 63, "MWSTL" }, { 4, "TNNWNM" },
	{ 4, "STWL" }, { 16, "MSTWL" }, { 512, "MST" },
};

#define PP_OTHER	0	/* PP_SEQ(1..6) are 1..6 */
#define PP_ECN		7
#define NMAP_ECN_WIN	3	/* the window of nmap's ECN probe */

#define PERS_FAST_HZ	65536	/* above: per-connection clocks */
#define PQ_R_BITS	0x04	/* reserved bit nmap's quirk R sees */

static uint8_t	 rst_data[4];

static int	 seg_layout(const struct tcp_seg *, char *, size_t);
static int	 syn_probe(const struct tcp_seg *);
static enum fp_test stray_test(const struct tcp_seg *, enum tcp_reply_kind);
static int	 ops_text(const struct fingerprint *, enum fp_test, u_int,
		    uint8_t, const char **, size_t *);
static uint32_t	 ts_now(struct pers_state *, int);
static uint32_t	 ts_racing(struct pers_state *, uint64_t);
static void	 set_ops(struct pers_state *, const struct fingerprint *,
		    enum fp_test, u_int, uint8_t, const struct tcp_seg *, int,
		    int, struct tcp_reply *);
static void	 apply_sa(struct pers_state *, const struct pers_resp *,
		    const struct tcp_seg *, struct tcp_reply *);
static void	 apply_quirks(const struct pers_resp *, struct tcp_reply *);
static int	 reply_synack(struct pers_state *, const struct fingerprint *,
		    struct ipin *, const struct tcp_seg *, struct tcp_reply *);
static int	 reply_seqprobe(struct pers_state *,
		    const struct fingerprint *, struct ipin *,
		    const struct tcp_seg *, int, struct tcp_reply *);
static void	 seqprobe_isn(struct pers_state *, int, struct tcp_reply *);
static int	 seqprobe_refused(const struct pers_plan *,
		    const struct tcp_reply *, int);
static int	 reply_test(struct pers_state *, const struct fingerprint *,
		    const struct tcp_seg *, enum tcp_reply_kind,
		    struct tcp_reply *);
static void	 reply_conn(struct pers_state *, struct tcp_reply *);
static int	 nmap_probe_shape(const struct tcp_seg *, enum fp_test);
static uint8_t	 rst_counts(const struct pers_plan *);
static int	 opt_next(const char *, size_t, size_t *, uint32_t *, char *);
static int	 ops_kinds(const char *, size_t);
static void	 relayout(const struct stack_model *, struct tcp_reply *);
static size_t	 opt_put(uint8_t *, size_t, size_t, int, uint32_t, uint32_t,
		    uint32_t);

/* The kinds of a segment's options as letters, nmap style. */
static int
seg_layout(const struct tcp_seg *seg, char *buf, size_t size)
{
	const uint8_t	*o = seg->opts;
	size_t		 i = 0, n = 0, olen;

	while (i < seg->optlen && n + 1 < size) {
		switch (o[i]) {
		case TCP_OPT_EOL:
			buf[n++] = 'L';
			i = seg->optlen;
			continue;
		case TCP_OPT_NOP:
			buf[n++] = 'N';
			i++;
			continue;
		case TCP_OPT_MSS:
			buf[n++] = 'M';
			break;
		case TCP_OPT_WSCALE:
			buf[n++] = 'W';
			break;
		case TCP_OPT_SACKOK:
			buf[n++] = 'S';
			break;
		case TCP_OPT_TIMESTAMP:
			buf[n++] = 'T';
			break;
		default:
			buf[n++] = '?';
			break;
		}
		if (i + 1 >= seg->optlen || (olen = o[i + 1]) < 2)
			break;
		i += olen;
	}
	buf[n] = '\0';
	return (n);
}

/* Which of nmap's SYN probes this is, if any. */
static int
syn_probe(const struct tcp_seg *seg)
{
	char	 layout[TCP_OPT_LEN_MAX + 1];
	int	 i;

	/* nmap's ECN probe offers a window of 3; other ECN SYNs are SYNs. */
	if ((seg->flags & (TH_ECE | TH_CWR)) == (TH_ECE | TH_CWR) &&
	    seg->win == NMAP_ECN_WIN)
		return (PP_ECN);
	/* Most SYNs are no probe: their window says so, cheaper. */
	for (i = 0; i < 6 && seg->win != seq_probe[i].win; i++)
		;
	if (i == 6)
		return (PP_OTHER);
	seg_layout(seg, layout, sizeof(layout));
	for (i = 0; i < 6; i++)
		if (seg->win == seq_probe[i].win &&
		    strcmp(layout, seq_probe[i].layout) == 0)
			return (i + 1);
	return (PP_OTHER);
}

/* The test whose answer a segment for no connection gets. */
static enum fp_test
stray_test(const struct tcp_seg *seg, enum tcp_reply_kind kind)
{
	uint8_t	 f = seg->flags & (TH_SYN | TH_ACK);

	/*
	 * A segment with ACK is answered as nmap's ACK probes are (T6,
	 * T4): every stack takes the reset's sequence number from it
	 * (RFC 793), SYN+ACK included, which no nmap probe sends.
	 */
	if (kind == TCP_R_CLOSED)
		return (f & TH_ACK ? FPT_T6 : f == TH_SYN ? FPT_T5 : FPT_T7);
	if (seg->flags & TH_ACK)
		return (FPT_T4);
	return (seg->flags & TH_SYN ? FPT_T3 : FPT_T2);
}

/* The text of one alternative of an option string. */
static int
ops_text(const struct fingerprint *fp, enum fp_test t, u_int a, uint8_t alt,
    const char **s, size_t *len)
{
	static const char	 tsonly[] = "M5B4NNT11";
	const struct fpexpr	*e;

	if (t == PERS_OPS_TS && alt != PERS_NONE) {
		*s = tsonly;
		*len = sizeof(tsonly) - 1;
		return (0);
	}
	if (alt == PERS_NONE || (e = fingerprint_attr(fp, t, a)) == NULL ||
	    alt >= e->nterms)
		return (-1);
	*s = e->raw + e->term[alt].off;
	*len = e->term[alt].len;
	return (0);
}

/*
 * The host's timestamp clock now.  A stack whose timestamps nmap saw
 * race (offsets drawn per connection, as Linux does) gets that rate
 * for the probes only; connections keep a sane 1000 Hz clock, which
 * the peer's PAWS check expects to move slowly.
 */
static uint32_t
ts_now(struct pers_state *st, int probe)
{
	const struct pers_plan	*p = st->plan;
	uint64_t		 now = pers_now_us();
	uint32_t		 v;

	if (p->ts == PTS_ZERO)
		return (0);
	if (p->ts_hz > PERS_FAST_HZ && !probe)
		v = st->ts_base + (uint32_t)((now - st->boot_us) / 1000);
	else if (p->ts_hz > PERS_FAST_HZ)
		v = ts_racing(st, now);
	else
		v = pers_ts_clock(p, st->ts_base, st->boot_us, now);
	return (v == 0 && p->ts == PTS_CLOCK ? 1 : v);
}

/*
 * A racing clock for the probes.  nmap takes the smaller way round
 * between two timestamps (a step past 2^31 counts as one backwards);
 * at 2^34 Hz, probes 0.2 s apart would seem to step back.  So between
 * two answers the clock steps at most 2^31 - 1, whatever the time
 * between them: a scanner that falls behind sees a slower clock, as
 * it would a real stack's random offsets, never a reversed one.
 */
static uint32_t
ts_racing(struct pers_state *st, uint64_t now)
{
	double	 d;
	uint32_t v;

	if (st->ts_probe_us == 0 || now < st->ts_probe_us)
		v = pers_ts_clock(st->plan, st->ts_base, st->boot_us, now);
	else {
		d = st->plan->ts_hz * ((now - st->ts_probe_us) / 1e6);
		v = st->ts_probe + (uint32_t)(d < 2147483647.0 ? d :
		    2147483647.0);
	}
	st->ts_probe = v;
	st->ts_probe_us = now;
	return (v);
}

/*
 * Options from a fingerprint string; filter: leave out what the peer
 * did not offer (an ordinary SYN rather than a probe).
 */
static void
set_ops(struct pers_state *st, const struct fingerprint *fp, enum fp_test t,
    u_int a, uint8_t alt, const struct tcp_seg *seg, int filter, int probe,
    struct tcp_reply *r)
{
	const char	*s;
	size_t		 len;
	int		 ws = -1, ts = 0, has;
	uint32_t	 tsecr;

	r->optlen = 0;
	if (ops_text(fp, t, a, alt, &s, &len) == -1)
		return;
	has = seg != NULL ? seg->has : r->conn != NULL ? r->conn->peer_has :
	    TCP_HAS_MSS;
	tsecr = seg != NULL && (seg->has & TCP_HAS_TS) ? seg->tsval :
	    r->conn != NULL ? r->conn->ts_recent : 0;
	r->optlen = pers_tcpopts_build(s, len, r->opts, sizeof(r->opts),
	    filter ? has : -1, ts_now(st, probe), tsecr,
	    st->plan->mss_echo && (has & TCP_HAS_MSS) && !probe ?
	    (seg != NULL ? seg->mss : r->conn != NULL ? r->conn->peer_mss :
	    0) : 0, &ws, &ts);
	r->wscale = ws >= 0 && (has & TCP_HAS_WSCALE) ? (ws > 14 ? 14 : ws) :
	    0;
	r->ts_ok = ts && (has & TCP_HAS_TS);
	if (filter && !probe && (ops_kinds(s, len) & ~has) != 0)
		relayout(stackmodel_get(st->plan->family), r);
}

/* Which of window scale, SACK permitted, timestamps string s holds. */
static int
ops_kinds(const char *s, size_t len)
{
	size_t		 i = 0;
	uint32_t	 v;
	char		 tsd[2];
	int		 c, kinds = 0;

	while ((c = opt_next(s, len, &i, &v, tsd)) != 0)
		kinds |= c == 'W' ? TCP_HAS_WSCALE : c == 'S' ?
		    TCP_HAS_SACKOK : c == 'T' ? TCP_HAS_TS : 0;
	return (kinds);
}

/*
 * The fingerprint's string is the stack's layout when the SYN offered
 * everything, as nmap's do.  When the SYN offered less, the options it
 * kept are laid out again as the family lays them out
 * (stackmodel_synopts()): Linux's M,N,N,S,N,W for a SYN without
 * timestamps, where the string less T would give M,S,N,W.
 */
static void
relayout(const struct stack_model *m, struct tcp_reply *r)
{
	struct synopts	 so;
	size_t		 n;

	if (stackmodel_synopts_parse(r->opts, r->optlen, &so) == -1)
		return;
	if ((n = stackmodel_synopts(m, &so, r->opts, sizeof(r->opts))) > 0 ||
	    (!so.has_mss && so.ws < 0 && !so.sack && !so.ts))
		r->optlen = n;
}

/* S and A: the sequence and acknowledgement numbers a test asks for. */
static void
apply_sa(struct pers_state *st, const struct pers_resp *pr,
    const struct tcp_seg *seg, struct tcp_reply *r)
{
	struct fprng	*rng = pers_rng();

	switch (pr->s) {
	case PS_Z:
		r->seq = 0;
		break;
	case PS_A:
		r->seq = seg->ack;
		break;
	case PS_AP:
		r->seq = seg->ack + 1;
		break;
	default:
		/* Other: keep an ISN, else anything but those. */
		if (r->seq == 0 || r->seq == seg->ack ||
		    r->seq == seg->ack + 1)
			r->seq = seg->ack + 2 + fprng_uniform(rng, 1U << 30);
		break;
	}
	switch (pr->a) {
	case PA_Z:
		r->ack = 0;
		break;
	case PA_S:
		r->ack = seg->seq;
		break;
	case PA_SP:
		r->ack = seg->seq + 1;
		break;
	default:
		r->ack = seg->seq + 2 + fprng_uniform(rng, 1U << 30);
		break;
	}
}

static void
apply_quirks(const struct pers_resp *pr, struct tcp_reply *r)
{
	if (pr->q & PQ_U)
		r->urp = 0x7fff & (0x1000 | fprng_next(pers_rng()));
	pers_out.x2 = pr->q & PQ_R ? PQ_R_BITS : 0;
}

/* A SYN+ACK: to one of nmap's probes, or to anyone else. */
static int
reply_synack(struct pers_state *st, const struct fingerprint *fp,
    struct ipin *in, const struct tcp_seg *seg, struct tcp_reply *r)
{
	const struct pers_plan	*p = st->plan;
	const struct pers_resp	*pr;
	int			 probe = seg != NULL ? syn_probe(seg) : PP_OTHER;

	if (probe >= 1 && probe <= 6)
		return (reply_seqprobe(st, fp, in, seg, probe, r));
	if (probe == PP_ECN) {
		pr = &p->resp[PR_IDX(FPT_ECN)];
		if (!pr->r)
			return (-1);
		r->flags = TH_SYN | TH_ACK;
		r->flags |= pr->cc == PCC_Y ? TH_ECE : pr->cc == PCC_S ?
		    TH_ECE | TH_CWR : pr->cc == PCC_O ? TH_CWR : 0;
		r->win = pr->win;
		if (pr->ops != PERS_NONE)
			set_ops(st, fp, FPT_ECN, FP_ECN_O, pr->ops, seg, 0, 1,
			    r);
		else
			set_ops(st, fp, p->seqops[0].test, p->seqops[0].attr,
			    p->seqops[0].alt, seg, 1, 1, r);
		apply_quirks(pr, r);
	} else {
		pr = &p->resp[PR_IDX(FPT_T1)];
		r->win = p->synwin;
		if (pers_synack_opts(st, fp, seg, r) == -1)
			pers_synack_shape(st, fp, seg, r);
		pers_out.x2 = 0;
		/* An ECN setup SYN: agreed if nmap's ECN probe was. */
		if (seg != NULL && (seg->flags & (TH_ECE | TH_CWR)) ==
		    (TH_ECE | TH_CWR) &&
		    p->resp[PR_IDX(FPT_ECN)].cc == PCC_Y)
			r->flags |= TH_ECE;
	}
	pers_out_set(IP_PROTO_TCP, pr->ttl, pr->df, PST_TCP);
	return (0);
}

/*
 * One of the six SEQ probes: OPS and WIN give options and window, T1
 * the rest.  A stack that answers them with a reset (T1 without S) or
 * not at all sends that instead of a SYN+ACK, and keeps no state.
 */
static int
reply_seqprobe(struct pers_state *st, const struct fingerprint *fp,
    struct ipin *in, const struct tcp_seg *seg, int probe,
    struct tcp_reply *r)
{
	const struct pers_plan	*p = st->plan;
	const struct pers_resp	*pr = &p->resp[PR_IDX(FPT_T1)];
	struct tcp_reply	 rr;

	if (!p->seq_r || !pr->r)
		return (-1);
	r->win = p->seqwin[probe - 1];
	set_ops(st, fp, p->seqops[probe - 1].test, p->seqops[probe - 1].attr,
	    p->seqops[probe - 1].alt, seg, 0, 1, r);
	if (probe >= 2)
		seqprobe_isn(st, probe, r);
	else
		pers_ipid_seqstart(st->id, p, pers_rng());
	apply_sa(st, pr, seg, r);
	apply_quirks(pr, r);
	pers_out_set(IP_PROTO_TCP, pr->ttl, pr->df, PST_TCP);
	if ((pr->flags & TH_SYN) && !seqprobe_refused(p, r, probe)) {
		r->flags = pr->flags;
		return (0);
	}
	rr = *r;
	rr.flags = pr->flags & TH_SYN ? TH_RST | TH_ACK : pr->flags;
	rr.conn = NULL;
	tcp_output(in, &rr, OUT_TCP);
	return (-1);
}

/*
 * An answer to a later SEQ probe without options and with a zero
 * window, where the first had both: the stack had run out of room and
 * reset it (nmap records a reset's options and window in OPS and WIN
 * but leaves it out of SEQ).
 */
static int
seqprobe_refused(const struct pers_plan *p, const struct tcp_reply *r,
    int probe)
{
	return (probe >= 2 && r->optlen == 0 && r->win == 0 &&
	    p->seqwin[0] != 0);
}

/*
 * SEQ probes 2-6 get the planned steps (pers_isn_seqprobe) instead of
 * the ISN tcp.c drew for them; the embryonic connection follows.
 */
static void
seqprobe_isn(struct pers_state *st, int probe, struct tcp_reply *r)
{
	struct tcp_conn	*c = r->conn;
	uint32_t	 isn;

	isn = pers_isn_seqprobe(&st->isn, st->plan, probe);
	if (c != NULL && c->iss == r->seq) {
		c->iss = c->snd_una = isn;
		c->snd_nxt = isn + 1;
	}
	r->seq = isn;
}

/*
 * What a reset's ack counts (SMR_*): the family's rule, but whether a
 * FIN counts is what nmap's T7 (FIN, PSH, URG to a closed port) saw,
 * where it saw S or S+.
 */
static uint8_t
rst_counts(const struct pers_plan *p)
{
	const struct pers_resp	*t7 = &p->resp[PR_IDX(FPT_T7)];
	uint8_t			 rst = stackmodel_get(p->family)->rst;

	if (t7->r && t7->a == PA_SP)
		rst |= SMR_FIN;
	else if (t7->r && t7->a == PA_S)
		rst &= ~SMR_FIN;
	return (rst);
}

/* Whether seg is nmap's own probe of test t to a closed port. */
static int
nmap_probe_shape(const struct tcp_seg *seg, enum fp_test t)
{
	uint8_t	 f = seg->flags & ~(TH_ECE | TH_CWR);

	if (seg->dlen != 0)
		return (0);
	return ((t == FPT_T5 && f == TH_SYN) ||
	    (t == FPT_T7 && f == (TH_FIN | TH_PUSH | TH_URG)));
}

/* T2-T7, and every segment that falls in their classes. */
static int
reply_test(struct pers_state *st, const struct fingerprint *fp,
    const struct tcp_seg *seg, enum tcp_reply_kind kind,
    struct tcp_reply *r)
{
	const struct pers_resp	*pr;
	enum fp_test		 t = stray_test(seg, kind);
	pr = &st->plan->resp[PR_IDX(t)];
	if (!pr->r)
		return (-1);
	r->flags = pr->flags;
	r->seq = (pr->flags & TH_SYN) ? pers_isn_next(&st->isn, st->plan,
	    pers_now_us(), pers_rng()) : 0;
	apply_sa(st, pr, seg, r);
	/*
	 * A closed port's "S" or "S+" is RFC 793's reset for a segment
	 * without ACK: seq plus what the segment occupied.  nmap's T5
	 * and T7 get what the fingerprint says; any other (a SYN with
	 * data, SYN+FIN, NULL, a FIN) what the stack counts.
	 */
	if (kind == TCP_R_CLOSED && (pr->a == PA_SP || pr->a == PA_S) &&
	    !(seg->flags & TH_ACK) && !nmap_probe_shape(seg, t))
		r->ack = stackmodel_rst_ack(rst_counts(st->plan), seg->flags,
		    seg->seq, seg->dlen);
	r->win = pr->win;
	r->conn = NULL;
	set_ops(st, fp, t, FP_T_O, pr->ops, seg, 0, 1, r);
	r->data = NULL;
	r->dlen = 0;
	if (pr->rd != 0 && (pr->flags & TH_RST)) {
		pers_crc32_forge(pr->rd, rst_data);
		r->data = rst_data;
		r->dlen = sizeof(rst_data);
	}
	apply_quirks(pr, r);
	pers_out_set(IP_PROTO_TCP, pr->ttl, pr->df,
	    kind == TCP_R_CLOSED ? PST_CLOSED : PST_TCP);
	return (0);
}

/* A segment on a connection: the window and timestamps it carries. */
static void
reply_conn(struct pers_state *st, struct tcp_reply *r)
{
	const struct pers_plan	*p = st->plan;
	struct tcp_conn		*c = r->conn;
	uint32_t		 v;
	uint8_t			*o;

	r->win = p->synwin >> (c != NULL ? c->snd_wscale : 0);
	if (r->win == 0)
		r->win = 1;
	if (c != NULL && c->ts_ok && r->optlen + 12 <= sizeof(r->opts)) {
		o = r->opts + r->optlen;
		o[0] = o[1] = TCP_OPT_NOP;
		o[2] = TCP_OPT_TIMESTAMP;
		o[3] = 10;
		v = htonl(ts_now(st, 0));
		memcpy(o + 4, &v, 4);
		v = htonl(c->ts_recent);
		memcpy(o + 8, &v, 4);
		r->optlen += 12;
	}
	pers_out_set(IP_PROTO_TCP, p->resp[PR_IDX(FPT_T1)].ttl,
	    p->resp[PR_IDX(FPT_T1)].df, PST_TCP);
	pers_out.x2 = 0;
	/*
	 * Linux's zero IDs (TI=Z) are those of packets from no connected
	 * socket; a connection counts its own (ip_select_ident()).
	 */
	pers_out.sockid = stackmodel_get(p->family)->conn_ipid &&
	    p->idcls[PST_TCP] == PID_Z &&
	    p->resp[PR_IDX(FPT_T1)].df;
}

/*
 * The options of an ordinary SYN+ACK: SEQ probe 1's, less what the peer
 * did not offer.  pers_synack.c keeps them per plan.
 */
void
pers_synack_shape(struct pers_state *st, const struct fingerprint *fp,
    const struct tcp_seg *seg, struct tcp_reply *r)
{
	const struct pers_plan	*p = st->plan;

	set_ops(st, fp, p->seqops[0].test, p->seqops[0].attr,
	    p->seqops[0].alt, seg, 1, 0, r);
}

/* The timestamp clock of a connection's segments (pers_synack.c). */
uint32_t
pers_tcp_ts_now(struct pers_state *st)
{
	return (ts_now(st, 0));
}

/* The shape of a segment a host with a fingerprint sends. */
int
pers_tcp_reply(struct pers_state *st, const struct fingerprint *fp,
    struct ipin *in, const struct tcp_seg *seg, int kind,
    struct tcp_reply *r)
{
	switch (kind) {
	case TCP_R_SYNACK:
		return (reply_synack(st, fp, in, seg, r));
	case TCP_R_CONN:
		reply_conn(st, r);
		return (0);
	case TCP_R_CLOSED:
	case TCP_R_STRAY:
		return (reply_test(st, fp, seg, kind, r));
	}
	return (-1);
}

/*
 * The next option of nmap option string s: its letter (0 at the end),
 * *v its value (M, W), tsd its two timestamp digits (T).
 */
static int
opt_next(const char *s, size_t len, size_t *i, uint32_t *v, char *tsd)
{
	size_t	 j;
	int	 c;

	if (*i >= len)
		return (0);
	c = s[(*i)++];
	*v = 0;
	if (c == 'M' || c == 'W') {
		for (j = *i; j < len && isxdigit((unsigned char)s[j]); j++)
			;
		if (j > *i && fpexpr_hexnum(s + *i, j - *i, v) == -1)
			*v = 0;
		*i = j;
	} else if (c == 'T') {
		if (*i + 2 > len)
			return (0);
		tsd[0] = s[*i];
		tsd[1] = s[*i + 1];
		*i += 2;
	}
	return (c);
}

/* Put option c into out at n; the new length, or 0 if it does not fit. */
static size_t
opt_put(uint8_t *out, size_t n, size_t room, int c, uint32_t v,
    uint32_t tsval, uint32_t tsecr)
{
	static const uint8_t	 len[] = { ['N'] = 1, ['L'] = 1, ['S'] = 2,
	    ['M'] = 4, ['W'] = 3, ['T'] = 10 };

	if (c < 0 || (size_t)c >= sizeof(len) || len[c] == 0 ||
	    n + len[c] > room)
		return (0);
	switch (c) {
	case 'N':
	case 'L':
		out[n] = c == 'N' ? TCP_OPT_NOP : TCP_OPT_EOL;
		break;
	case 'S':
		out[n] = TCP_OPT_SACKOK;
		break;
	case 'M':
		out[n] = TCP_OPT_MSS;
		out[n + 2] = v >> 8;
		out[n + 3] = v;
		break;
	case 'W':
		out[n] = TCP_OPT_WSCALE;
		out[n + 2] = v;
		break;
	case 'T':
		out[n] = TCP_OPT_TIMESTAMP;
		tsval = htonl(tsval);
		tsecr = htonl(tsecr);
		memcpy(out + n + 2, &tsval, 4);
		memcpy(out + n + 6, &tsecr, 4);
		break;
	}
	if (len[c] > 1)
		out[n + 1] = len[c];
	return (n + len[c]);
}

/*
 * Build nmap option string s (M<mss> N W<shift> T<0|1><0|1> S L) into
 * out.  has >= 0 filters: options the peer did not offer (TCP_HAS_*)
 * are left out together with the NOPs that pad them, trailing EOLs
 * too.  mss, if not 0, replaces the string's MSS.  Returns the length;
 * *ws gets the window shift sent (or stays -1), *ts whether a
 * timestamp went out.
 */
size_t
pers_tcpopts_build(const char *s, size_t len, uint8_t *out, size_t room,
    int has, uint32_t tsval, uint32_t tsecr, uint16_t mss, int *ws, int *ts)
{
	size_t		 i = 0, n = 0, nops = 0, m;
	uint32_t	 v;
	char		 tsd[2] = { '0', '0' };
	int		 c;

	while ((c = opt_next(s, len, &i, &v, tsd)) != 0) {
		if (has >= 0 && ((c == 'W' && !(has & TCP_HAS_WSCALE)) ||
		    (c == 'S' && !(has & TCP_HAS_SACKOK)) ||
		    (c == 'T' && !(has & TCP_HAS_TS)))) {
			n -= nops;	/* its padding goes with it */
			nops = 0;
			continue;
		}
		nops = c == 'N' ? nops + 1 : 0;
		if (c == 'M' && mss != 0)
			v = mss;
		if ((m = opt_put(out, n, room, c, v, tsd[0] == '1' ?
		    (tsval != 0 ? tsval : 1) : 0, tsd[1] == '1' ?
		    (tsecr != 0 ? tsecr : 1) : 0)) == 0)
			break;
		n = m;
		if (c == 'W')
			*ws = v;
		if (c == 'T')
			*ts = 1;
	}
	while (has >= 0 && n > 0 && out[n - 1] == TCP_OPT_EOL)
		n--;
	return (n);
}
