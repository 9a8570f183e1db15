/*
 * A fingerprint's plan: one concrete value for everything it leaves
 * open, chosen once from a generator seeded by its name (and
 * the test and attribute, so that each choice is independent of the
 * others and of the order they are made in).  Where a fingerprint
 * leaves a line or attribute out, nmap does not look at it; we answer
 * as most stacks in nmap-os-db do.
 *
 * The ISN generator's goals are planned in pers_isn.c.
 */

#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "fingerprint.h"
#include "pers.h"

#define DEFAULT_TTL	64
#define DEFAULT_WIN	0xFFFF
#define DEFAULT_IPL	0x164	/* the whole probe quoted */

/* The commonest answer of each TCP test in nmap-os-db. */
static const struct pers_resp resp_default[PR_MAX] = {
	/* ECN */ { 1, 1, 0, TH_SYN | TH_ACK, PS_O, PA_SP, 0, PCC_N,
	    PERS_NONE, 0, 0 },
	/* T1 */ { 1, 1, 0, TH_SYN | TH_ACK, PS_O, PA_SP, 0, PCC_N,
	    PERS_NONE, 0, 0 },
	/* T2 */ { 0, 0, 0, TH_RST | TH_ACK, PS_Z, PA_S, 0, PCC_N,
	    PERS_NONE, 0, 0 },
	/* T3 */ { 0, 1, 0, TH_RST | TH_ACK, PS_Z, PA_SP, 0, PCC_N,
	    PERS_NONE, 0, 0 },
	/* T4 */ { 1, 1, 0, TH_RST, PS_A, PA_Z, 0, PCC_N, PERS_NONE, 0, 0 },
	/* T5 */ { 1, 1, 0, TH_RST | TH_ACK, PS_Z, PA_SP, 0, PCC_N,
	    PERS_NONE, 0, 0 },
	/* T6 */ { 1, 1, 0, TH_RST, PS_A, PA_Z, 0, PCC_N, PERS_NONE, 0, 0 },
	/* T7 */ { 1, 1, 0, TH_RST | TH_ACK, PS_Z, PA_SP, 0, PCC_N,
	    PERS_NONE, 0, 0 },
};

/* Where to look for a TTL when a test gives none. */
static const enum fp_test ttl_order[] = {
	FPT_T1, FPT_ECN, FPT_T5, FPT_T3, FPT_T4, FPT_T6, FPT_T7, FPT_T2,
	FPT_IE, FPT_U1,
};

static int	 pick(const struct fingerprint *, enum fp_test, u_int,
		    uint64_t, struct fpval *);
static int	 sym_is(const struct fpval *, const char *);
static int	 pick_yn(const struct fingerprint *, enum fp_test, u_int,
		    uint64_t, int);
static int	 pick_sym(const struct fingerprint *, enum fp_test, u_int,
		    uint64_t, char *, size_t);
static uint8_t	 pick_alt(const struct fingerprint *, enum fp_test, u_int,
		    uint64_t);
static uint8_t	 flags_parse(const char *);
static uint32_t	 plan_hops(const struct fingerprint *);
static uint8_t	 plan_ttl(const struct fingerprint *, enum fp_test, uint32_t);
static void	 plan_resp(struct pers_resp *, const struct fingerprint *,
		    enum fp_test, uint64_t, int, uint32_t);
static void	 plan_synack_src(struct pers_plan *,
		    const struct fingerprint *, uint64_t, struct pers_ops *,
		    uint16_t *);
static void	 plan_seqprobes(struct pers_plan *,
		    const struct fingerprint *, uint64_t);
static int	 idcls_of(const char *, uint16_t *);
static void	 plan_ipid(struct pers_plan *, const struct fingerprint *,
		    uint64_t);
static int	 expr_ok_ts(const struct fingerprint *, uint32_t);
static void	 plan_ts(struct pers_plan *, const struct fingerprint *,
		    uint64_t);
static int32_t	 pick_good(const struct fingerprint *, u_int, uint64_t,
		    uint32_t);
static void	 plan_u1(struct pers_plan *, const struct fingerprint *,
		    uint64_t);
static void	 plan_u1_g1(struct pers_plan *, const struct fingerprint *);
static void	 plan_ie(struct pers_plan *, const struct fingerprint *,
		    uint64_t);

/* The seed of one attribute's choice. */
uint64_t
pers_attr_seed(uint64_t seed, enum fp_test t, u_int a)
{
	return (seed ^ ((uint64_t)(t << 8 | a) + 1) * 0x9e3779b97f4a7c15ULL);
}

static int
pick(const struct fingerprint *fp, enum fp_test t, u_int a, uint64_t seed,
    struct fpval *v)
{
	struct fprng	 r;

	fprng_seed(&r, pers_attr_seed(seed, t, a));
	return (fingerprint_pick(fp, t, a, &r, v));
}

static int
sym_is(const struct fpval *v, const char *s)
{
	return (!v->isnum && v->len == strlen(s) &&
	    memcmp(v->str, s, v->len) == 0);
}

static int
pick_yn(const struct fingerprint *fp, enum fp_test t, u_int a,
    uint64_t seed, int dflt)
{
	struct fpval	 v;

	if (pick(fp, t, a, seed, &v) == -1)
		return (dflt);
	if (sym_is(&v, "Y"))
		return (1);
	if (sym_is(&v, "N"))
		return (0);
	return (dflt);
}

uint32_t
pers_pick_num(const struct fingerprint *fp, enum fp_test t, u_int a,
    uint64_t seed, uint32_t dflt)
{
	const struct fpexpr	*e;
	struct fprng		 r;
	uint32_t		 n;

	if ((e = fingerprint_attr(fp, t, a)) == NULL)
		return (dflt);
	fprng_seed(&r, pers_attr_seed(seed, t, a));
	if (fpexpr_pick_num(e, &r, fp_pick_flags(t, a), &n) == -1)
		return (dflt);
	return (n);
}

/* A symbol (or a number in hex), NUL-terminated; -1 if unchecked. */
static int
pick_sym(const struct fingerprint *fp, enum fp_test t, u_int a,
    uint64_t seed, char *buf, size_t size)
{
	const struct fpexpr	*e;
	struct fprng		 r;

	if ((e = fingerprint_attr(fp, t, a)) == NULL)
		return (-1);
	fprng_seed(&r, pers_attr_seed(seed, t, a));
	return (fpexpr_pick_str(e, &r, 0, buf, size));
}

/*
 * S and A of a test: where "O" (a number unrelated to the probe's) is
 * only one of the alternatives, a value that fits the probe is taken
 * instead.  That is what the stack sends, and what a peer accepts: a
 * reset acknowledging some other number is ignored by a connect() in
 * SYN-SENT, which would then time out instead of failing at once.
 */
static const char *const s_fitting[] = { "A", "A+", "Z", NULL };
static const char *const a_fitting[] = { "S+", "S", "Z", NULL };

static int
pick_fitting(const struct fingerprint *fp, enum fp_test t, u_int a,
    uint64_t seed, const char *const *fitting, char *buf, size_t size)
{
	const struct fpexpr	*e;
	size_t			 i;

	if ((e = fingerprint_attr(fp, t, a)) != NULL && fpexpr_match(e, "O"))
		for (i = 0; fitting[i] != NULL; i++)
			if (fpexpr_match(e, fitting[i]))
				return (strlcpy(buf, fitting[i], size) <
				    size ? 0 : -1);
	return (pick_sym(fp, t, a, seed, buf, size));
}

/* Which alternative of an option string; PERS_NONE if unchecked. */
static uint8_t
pick_alt(const struct fingerprint *fp, enum fp_test t, u_int a,
    uint64_t seed)
{
	const struct fpexpr	*e;
	struct fprng		 r;

	if ((e = fingerprint_attr(fp, t, a)) == NULL || e->nterms == 0)
		return (PERS_NONE);
	fprng_seed(&r, pers_attr_seed(seed, t, a));
	return (fprng_uniform(&r, e->nterms < PERS_NONE ? e->nterms :
	    PERS_NONE - 1));
}

static uint8_t
flags_parse(const char *s)
{
	static const char	 letters[] = "FSRPAUE";
	const char		*p;
	uint8_t			 f = 0;

	for (; *s != '\0'; s++)
		if ((p = strchr(letters, *s)) != NULL)
			f |= 1 << (p - letters);
	return (f);
}

/*
 * The T of a test's answers: TG, nmap's guess, when T agrees with it
 * (T is the observed TTL plus the hop count nmap measured, so it
 * brackets the real initial value); else the middle of T; else
 * another test's.  Above 255 when the host was measured from afar:
 * see plan_hops().
 */
static uint32_t
pers_plan_ttl(const struct fingerprint *fp, enum fp_test t)
{
	const struct fpexpr	*te, *tge;
	uint32_t		 tg, v;
	u_int			 i;

	for (i = 0; i <= sizeof(ttl_order) / sizeof(ttl_order[0]); i++) {
		tg = 0;
		te = fingerprint_attr(fp, t, FP_T_T);
		tge = fingerprint_attr(fp, t, FP_T_TG);
		if (tge != NULL && tge->nterms > 0 && tge->term[0].op >= FPX_EQ)
			tg = tge->term[0].lo;
		if (tg != 0 && (te == NULL || fpexpr_match_num(te, tg)))
			return (tg);
		if (te != NULL && te->nterms > 0 && te->term[0].op >= FPX_EQ &&
		    te->term[0].op != FPX_GT) {
			v = te->term[0].lo + (te->term[0].hi -
			    te->term[0].lo) / 2;
			return (v > 0x1ff ? 0x1ff : v);
		}
		if (i == sizeof(ttl_order) / sizeof(ttl_order[0]))
			break;
		t = ttl_order[i];
	}
	return (DEFAULT_TTL);
}

/*
 * nmap adds the hops it counted (from the TTL left in the datagram U1
 * quotes) to the TTLs it sees.  A fingerprint taken from afar can ask
 * for more than 255: then the host quotes as if that many routers had
 * been on the way, and sends its TTLs that much lower.
 */
static uint32_t
plan_hops(const struct fingerprint *fp)
{
	static const enum fp_test	 tests[] = { FPT_ECN, FPT_T1, FPT_T2,
	    FPT_T3, FPT_T4, FPT_T5, FPT_T6, FPT_T7, FPT_U1, FPT_IE };
	uint32_t			 v, hops = 0;
	u_int				 i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if ((v = pers_plan_ttl(fp, tests[i])) > 255 + hops)
			hops = v - 255;
	return (hops);
}

static uint8_t
plan_ttl(const struct fingerprint *fp, enum fp_test t, uint32_t hops)
{
	uint32_t	 v = pers_plan_ttl(fp, t);

	v = v > hops ? v - hops : 1;
	return (v > 255 ? 255 : v);
}

/* One TCP test: ECN or T1-T7. */
static void
plan_resp(struct pers_resp *pr, const struct fingerprint *fp, enum fp_test t,
    uint64_t seed, int df, uint32_t hops)
{
	char	 buf[16];
	u_int	 w = t == FPT_ECN ? FP_ECN_W : FP_T_W;

	*pr = resp_default[PR_IDX(t)];
	pr->r = pick_yn(fp, t, FP_T_R, seed, fp->test[t] != NULL ? 1 : pr->r);
	pr->df = pick_yn(fp, t, FP_T_DF, seed, df);
	pr->ttl = plan_ttl(fp, t, hops);
	pr->win = pers_pick_num(fp, t, w, seed, pr->win);
	if (t == FPT_ECN) {
		pr->ops = pick_alt(fp, t, FP_ECN_O, seed);
		if (pick_sym(fp, t, FP_ECN_CC, seed, buf, sizeof(buf)) == 0)
			pr->cc = *buf == 'Y' ? PCC_Y : *buf == 'S' ? PCC_S :
			    *buf == 'O' ? PCC_O : PCC_N;
		if (pick_sym(fp, t, FP_ECN_Q, seed, buf, sizeof(buf)) == 0)
			pr->q = (strchr(buf, 'R') ? PQ_R : 0) |
			    (strchr(buf, 'U') ? PQ_U : 0);
		return;
	}
	pr->ops = pick_alt(fp, t, FP_T_O, seed);
	if (pick_sym(fp, t, FP_T_F, seed, buf, sizeof(buf)) == 0)
		pr->flags = flags_parse(buf);
	if (pick_fitting(fp, t, FP_T_S, seed, s_fitting, buf,
	    sizeof(buf)) == 0)
		pr->s = strcmp(buf, "Z") == 0 ? PS_Z : strcmp(buf, "A") == 0 ?
		    PS_A : strcmp(buf, "A+") == 0 ? PS_AP : PS_O;
	if (pick_fitting(fp, t, FP_T_A, seed, a_fitting, buf,
	    sizeof(buf)) == 0)
		pr->a = strcmp(buf, "Z") == 0 ? PA_Z : strcmp(buf, "S") == 0 ?
		    PA_S : strcmp(buf, "S+") == 0 ? PA_SP : PA_O;
	if (pick_sym(fp, t, FP_T_Q, seed, buf, sizeof(buf)) == 0)
		pr->q = (strchr(buf, 'R') ? PQ_R : 0) |
		    (strchr(buf, 'U') ? PQ_U : 0);
	pr->rd = pers_pick_num(fp, t, FP_T_RD, seed, 0);
}

/*
 * Where a SYN+ACK's options and window come from when OPS or WIN does
 * not say (a line of R=N only): another SYN+ACK the fingerprint
 * describes, T3's if it is one, else ECN's.  With neither, a SEQ TS
 * other than U still says the SYN+ACKs carried timestamps (nmap saw
 * their rate): a plain layout with one (pers_tcp.c).
 */
static void
plan_synack_src(struct pers_plan *p, const struct fingerprint *fp,
    uint64_t seed, struct pers_ops *ops, uint16_t *win)
{
	const struct pers_resp	*t3 = &p->resp[PR_IDX(FPT_T3)];
	const struct fpexpr	*ts;

	ops->alt = PERS_NONE;
	*win = DEFAULT_WIN;
	if (t3->r && (t3->flags & TH_SYN) &&
	    fingerprint_attr(fp, FPT_T3, FP_T_O) != NULL) {
		ops->test = FPT_T3;
		ops->attr = FP_T_O;
		*win = t3->win;
	} else if (fingerprint_attr(fp, FPT_ECN, FP_ECN_O) != NULL) {
		ops->test = FPT_ECN;
		ops->attr = FP_ECN_O;
		*win = p->resp[PR_IDX(FPT_ECN)].win;
	} else {
		ts = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_TS);
		if (ts != NULL && !fpexpr_match(ts, "U")) {
			ops->test = PERS_OPS_TS;
			ops->alt = 0;
		}
		return;
	}
	ops->alt = pick_alt(fp, ops->test, ops->attr, seed);
}

/* OPS and WIN: the answers to the six SEQ probes. */
static void
plan_seqprobes(struct pers_plan *p, const struct fingerprint *fp,
    uint64_t seed)
{
	const struct fpexpr	*e2, *e6;
	struct pers_ops		 src;
	uint16_t		 win;
	int			 i;

	plan_synack_src(p, fp, seed, &src, &win);
	for (i = 0; i < 6; i++) {
		p->seqops[i] = src;
		if (fingerprint_attr(fp, FPT_OPS, FP_OPS_O1 + i) != NULL) {
			p->seqops[i].test = FPT_OPS;
			p->seqops[i].attr = FP_OPS_O1 + i;
			p->seqops[i].alt = pick_alt(fp, FPT_OPS,
			    FP_OPS_O1 + i, seed);
		}
		p->seqwin[i] = pers_pick_num(fp, FPT_WIN, FP_WIN_W1 + i, seed,
		    win);
	}
	/* A stack whose MSS follows the peer's echoes 1400 and 265. */
	e2 = fingerprint_attr(fp, FPT_OPS, FP_OPS_O2);
	e6 = fingerprint_attr(fp, FPT_OPS, FP_OPS_O6);
	p->mss_echo = e2 != NULL && e6 != NULL &&
	    strstr(e2->raw, "M578") != NULL &&
	    strstr(e6->raw, "M109") != NULL;
	p->seq_r = pick_yn(fp, FPT_T1, FP_T_R, seed, 1);
}

static int
idcls_of(const char *s, uint16_t *val)
{
	uint32_t	 v;

	if (strcmp(s, "Z") == 0)
		return (PID_Z);
	if (strcmp(s, "RD") == 0)
		return (PID_RD);
	if (strcmp(s, "RI") == 0)
		return (PID_RI);
	if (strcmp(s, "BI") == 0)
		return (PID_BI);
	if (strcmp(s, "I") == 0)
		return (PID_I);
	if (fpexpr_hexnum(s, strlen(s), &v) == 0) {
		*val = v;
		return (v == 0 ? PID_Z : PID_CONST);
	}
	return (PID_I);
}

static int
incremental(int cls)
{
	return (cls == PID_I || cls == PID_BI || cls == PID_RI);
}

/*
 * IP ID classes and their counters: TCP and closed-port resets share
 * one when their classes agree, ICMP joins them unless SS says the
 * stack keeps ICMP apart.
 */
static void
plan_ipid(struct pers_plan *p, const struct fingerprint *fp, uint64_t seed)
{
	static const u_int	 attr[PST_MAX] = { FP_SEQ_TI, FP_SEQ_CI,
	    FP_SEQ_II };
	char			 buf[16];
	int			 s;

	for (s = 0; s < PST_MAX; s++) {
		if (pick_sym(fp, FPT_SEQ, attr[s], seed, buf, sizeof(buf)) == 0)
			p->idcls[s] = idcls_of(buf, &p->idval[s]);
		else if (s == PST_CLOSED) {
			p->idcls[s] = p->idcls[PST_TCP];
			p->idval[s] = p->idval[PST_TCP];
		} else
			p->idcls[s] = PID_I;
	}
	p->idctr[PST_TCP] = 0;
	p->idctr[PST_CLOSED] = p->idcls[PST_CLOSED] == p->idcls[PST_TCP] ?
	    0 : 1;
	if (pick_sym(fp, FPT_SEQ, FP_SEQ_SS, seed, buf, sizeof(buf)) == -1)
		strlcpy(buf, "S", sizeof(buf));
	p->ss = buf[0];
	p->idctr[PST_ICMP] = strcmp(buf, "S") == 0 &&
	    p->idcls[PST_ICMP] == p->idcls[PST_TCP] &&
	    incremental(p->idcls[PST_TCP]) ? 0 : 2;
}

/* Does the fingerprint accept TS value v? */
static int
expr_ok_ts(const struct fingerprint *fp, uint32_t v)
{
	const struct fpexpr	*e = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_TS);

	return (e != NULL && fpexpr_match_num(e, v));
}

/* TS; a stack whose options carry timestamps needs a clock anyway. */
static void
plan_ts(struct pers_plan *p, const struct fingerprint *fp, uint64_t seed)
{
	char	 buf[16];
	uint32_t v;

	p->ts_hz = 1000;
	if (pick_sym(fp, FPT_SEQ, FP_SEQ_TS, seed, buf, sizeof(buf)) == -1) {
		p->ts = PTS_CLOCK;
		return;
	}
	if (strcmp(buf, "U") == 0)
		p->ts = PTS_NONE;
	else if (fpexpr_hexnum(buf, strlen(buf), &v) == 0 && v == 0)
		p->ts = PTS_ZERO;
	else if (fpexpr_hexnum(buf, strlen(buf), &v) == 0) {
		p->ts = PTS_CLOCK;
		/* pers_ts_hz's ceiling; past it 2^v overflows to inf. */
		if (v > 0x22)
			v = 0x22;
		p->ts_hz = pers_ts_hz(v);
		/*
		 * A racing clock (per-connection offsets, as Linux has)
		 * steps close to 2^31 between probes.  nmap takes a step
		 * past 2^31 as one backwards, so ts_racing (pers_tcp.c)
		 * caps them there, and probes that nmap sends late (0.2 s
		 * apart rather than 0.1 s, when it scans many hosts) see
		 * a slower clock: the middle of what rounds to v leaves
		 * the on-time ones room to make up for them.
		 */
		if (v >= 0x18 && expr_ok_ts(fp, v - 1) == 0)
			p->ts_hz = exp2(v);
		else if (v >= 0x18)
			p->ts_hz = exp2(v - 0.95);
	} else
		p->ts = PTS_CLOCK;
}

/* A U1 value that is G or a number: -1 for G. */
static int32_t
pick_good(const struct fingerprint *fp, u_int a, uint64_t seed,
    uint32_t good)
{
	struct fpval	 v;

	if (pick(fp, FPT_U1, a, seed, &v) == -1 || !v.isnum)
		return (-1);
	/* nmap reports the value it sent as G, never as the number. */
	return (v.num == good ? (int32_t)(v.num ^ 1) : (int32_t)v.num);
}

/*
 * The stack model of the fingerprint (stackmodel.c): the first of its
 * Class lines whose vendor and family have a row of their own (a
 * router's "Cisco | embedded" line may come before its "Cisco | IOS"
 * one); its habits fill in where nmap's tests do not look.
 */
enum stack_family
plan_family(const struct fingerprint *fp)
{
	enum stack_family	 sf;
	u_int			 i;

	for (i = 0; i < fp->nmeta; i++) {
		if (fp->meta[i].type != FPM_CLASS || fp->meta[i].f[1] == NULL)
			continue;
		if ((sf = stackmodel_family(fp->meta[i].f[0],
		    fp->meta[i].f[1])) != SF_EMBEDDED)
			return (sf);
	}
	return (SF_EMBEDDED);
}

static void
plan_u1(struct pers_plan *p, const struct fingerprint *fp, uint64_t seed)
{
	char	 buf[16];

	p->u1_r = pick_yn(fp, FPT_U1, FP_U1_R, seed, 1);
	p->u1_df = pick_yn(fp, FPT_U1, FP_U1_DF, seed, 0);
	p->u1_ttl = plan_ttl(fp, FPT_U1, p->hops);
	p->u1_ipl = pers_pick_num(fp, FPT_U1, FP_U1_IPL, seed, DEFAULT_IPL);
	p->u1_un = pers_pick_num(fp, FPT_U1, FP_U1_UN, seed, 0);
	plan_u1_g1(p, fp);
	p->u1_ripl = pick_good(fp, FP_U1_RIPL, seed, 0x148);
	p->u1_rid = pick_good(fp, FP_U1_RID, seed, 0x1042);
	p->u1_ruck = pick_good(fp, FP_U1_RUCK, seed, 0x10000);
	p->u1_ripck = 'G';
	if (pick_sym(fp, FPT_U1, FP_U1_RIPCK, seed, buf, sizeof(buf)) == 0)
		p->u1_ripck = *buf;
	p->u1_rud = 'G';
	if (pick_sym(fp, FPT_U1, FP_U1_RUD, seed, buf, sizeof(buf)) == 0)
		p->u1_rud = *buf;
}

/*
 * First-generation PU also told the error's TOS and the UDP length in
 * the quote (0x134: as sent), which have no second-generation test.
 */
static void
plan_u1_g1(struct pers_plan *p, const struct fingerprint *fp)
{
	const struct fpexpr	*e;

	p->u1_ulen = -1;
	if ((e = fingerprint_g1attr(fp, G1_PU, FP_G1U_TOS)) != NULL &&
	    e->nterms > 0 && e->term[0].op >= FPX_EQ)
		p->u1_tos = e->term[0].lo;
	else if (stackmodel_get(p->family)->err_tos) {
		/*
		 * No test says; Linux's errors carry internetwork control
		 * precedence and the offender's TOS bits (icmp_send()).
		 */
		p->u1_tos = IP_TOS_PREC_INTERNETCONTROL;
		p->u1_tosbits = 0x1e;
	}
	if ((e = fingerprint_g1attr(fp, G1_PU, FP_G1U_ULEN)) != NULL &&
	    e->nterms > 0 && e->term[0].op >= FPX_EQ &&
	    e->term[0].lo != 0x134)
		p->u1_ulen = e->term[0].lo & 0xffff;
}

static void
plan_ie(struct pers_plan *p, const struct fingerprint *fp, uint64_t seed)
{
	char		 buf[16];
	uint32_t	 v;

	p->ie_r = pick_yn(fp, FPT_IE, FP_IE_R, seed, 1);
	p->ie_ttl = plan_ttl(fp, FPT_IE, p->hops);
	p->ie_dfi = 'N';
	if (pick_sym(fp, FPT_IE, FP_IE_DFI, seed, buf, sizeof(buf)) == 0)
		p->ie_dfi = *buf;
	p->ie_cd = -1;
	if (pick_sym(fp, FPT_IE, FP_IE_CD, seed, buf, sizeof(buf)) == 0) {
		if (strcmp(buf, "Z") == 0)
			p->ie_cd = 0;
		else if (strcmp(buf, "O") == 0)
			p->ie_cd = -2;
		else if (fpexpr_hexnum(buf, strlen(buf), &v) == 0)
			p->ie_cd = v & 0xff;
	}
}

/* Everything a host with this fingerprint and seed will say. */
void
pers_plan_derive(struct pers_plan *p, const struct fingerprint *fp,
    uint64_t seed)
{
	int	 i, df;

	memset(p, 0, sizeof(*p));
	p->family = plan_family(fp);
	p->hops = plan_hops(fp);
	df = pick_yn(fp, FPT_T1, FP_T_DF, seed, 1);
	plan_resp(&p->resp[PR_IDX(FPT_ECN)], fp, FPT_ECN, seed, df, p->hops);
	for (i = 1; i <= 7; i++)
		plan_resp(&p->resp[PR_IDX(FPT_TCP(i))], fp, FPT_TCP(i), seed,
		    df, p->hops);
	plan_seqprobes(p, fp, seed);
	p->resp[PR_IDX(FPT_T1)].win = p->seqwin[0];
	if (fingerprint_attr(fp, FPT_ECN, FP_ECN_W) == NULL)
		p->resp[PR_IDX(FPT_ECN)].win = p->seqwin[0];
	/* W1 of a stack that resets nmap's SYNs is a reset's window. */
	p->synwin = p->seqwin[0];
	if (!(p->resp[PR_IDX(FPT_T1)].flags & TH_SYN) || p->synwin == 0)
		p->synwin = p->resp[PR_IDX(FPT_ECN)].win != 0 ?
		    p->resp[PR_IDX(FPT_ECN)].win : DEFAULT_WIN;
	pers_plan_isn(p, fp, seed);
	plan_ipid(p, fp, seed);
	plan_ts(p, fp, seed);
	plan_u1(p, fp, seed);
	plan_ie(p, fp, seed);
}
