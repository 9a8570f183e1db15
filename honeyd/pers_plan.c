/*
 * A host's plan: one concrete value for everything its fingerprint
 * leaves open, chosen once from a generator seeded by the host (and
 * the test and attribute, so that each choice is independent of the
 * others and of the order they are made in).  Where a fingerprint
 * leaves a line or attribute out, nmap does not look at it; we answer
 * as most stacks in nmap-os-db do.
 *
 * Also here: the check that tells an operator which tests of a
 * fingerprint cannot be reproduced exactly.
 */

#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "personality.h"
#include "pers.h"

#define DEFAULT_TTL	64
#define DEFAULT_ISR	0x10A	/* random ISNs, as modern stacks */
#define DEFAULT_SP	0x102
#define DEFAULT_WIN	0xFFFF
#define DEFAULT_IPL	0x164	/* the whole probe quoted */
#define PERS_JITTER	0.002	/* 200 us in 100 ms */
#define ISN_STEP_MAX	(0.98 * 2147483648.0)	/* nmap folds larger steps */

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
static uint32_t	 pick_num(const struct fingerprint *, enum fp_test, u_int,
		    uint64_t, uint32_t);
static int	 pick_sym(const struct fingerprint *, enum fp_test, u_int,
		    uint64_t, char *, size_t);
static uint8_t	 pick_alt(const struct fingerprint *, enum fp_test, u_int,
		    uint64_t);
static uint8_t	 flags_parse(const char *);
static uint32_t	 plan_hops(const struct fingerprint *);
static uint8_t	 plan_ttl(const struct fingerprint *, enum fp_test, uint32_t);
static void	 plan_resp(struct pers_resp *, const struct fingerprint *,
		    enum fp_test, uint64_t, int, uint32_t);
static void	 plan_seqprobes(struct pers_plan *,
		    const struct fingerprint *, uint64_t);
static int	 gcd_candidates(const struct fingerprint *, uint64_t,
		    uint32_t *, int);
static int	 seq_fits(const struct fingerprint *,
		    const struct pers_seqstat *);
static int	 seq_eval(const double *, uint32_t, struct pers_seqstat *);
static int	 isn_search(const struct fingerprint *, uint32_t, double,
		    uint32_t, uint32_t, double *, struct pers_seqstat *);
static uint32_t	 expr_hash(const struct fpexpr *, uint32_t);
static void	 isn_design(uint32_t, uint32_t, uint32_t, double *);
static void	 plan_isn_choose(struct pers_plan *,
		    const struct fingerprint *, const uint32_t *, int, uint32_t,
		    uint32_t, uint32_t *, uint32_t *);
static void	 plan_isn_cached(struct pers_plan *,
		    const struct fingerprint *, const uint32_t *, int, uint32_t,
		    uint32_t, uint32_t *, uint32_t *);
static int	 isn_robust(uint32_t, uint32_t, uint32_t);
static int	 expr_ok(const struct fingerprint *, u_int, uint32_t);
static int	 plan_isn_pattern(struct pers_plan *,
		    const struct fingerprint *, uint32_t, uint32_t, int,
		    uint32_t *, uint32_t *);
static uint32_t	 isr_cap(const struct fingerprint *, uint32_t);
static void	 plan_gcdmask(struct pers_plan *, const struct fingerprint *);
static void	 plan_isn(struct pers_plan *, const struct fingerprint *,
		    uint64_t);
static int	 plan_isn_g1(struct pers_plan *, const struct fingerprint *);
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
static int	 ops_fit(const char *, size_t);
static int	 check_ops(const struct fingerprint *, enum fp_test, u_int);
static int	 check_ts(const struct fpexpr *);
static uint32_t	 expr_lo(const struct fpexpr *);
static uint32_t	 expr_hi(const struct fpexpr *);
static int	 check_seq(const struct fingerprint *, const char *,
		    void (*)(const char *, const char *, const char *));
static int	 check_u1(const struct fingerprint *, const char *,
		    void (*)(const char *, const char *, const char *));

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

static uint32_t
pick_num(const struct fingerprint *fp, enum fp_test t, u_int a,
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
uint32_t
pers_plan_ttl(const struct fingerprint *fp, enum fp_test t)
{
	const struct fpexpr	*te, *tge;
	uint32_t		 tg = 0, v;
	u_int			 i;

	for (i = 0; i <= sizeof(ttl_order) / sizeof(ttl_order[0]); i++) {
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
	pr->win = pick_num(fp, t, w, seed, pr->win);
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
	if (pick_sym(fp, t, FP_T_S, seed, buf, sizeof(buf)) == 0)
		pr->s = strcmp(buf, "Z") == 0 ? PS_Z : strcmp(buf, "A") == 0 ?
		    PS_A : strcmp(buf, "A+") == 0 ? PS_AP : PS_O;
	if (pick_sym(fp, t, FP_T_A, seed, buf, sizeof(buf)) == 0)
		pr->a = strcmp(buf, "Z") == 0 ? PA_Z : strcmp(buf, "S") == 0 ?
		    PA_S : strcmp(buf, "S+") == 0 ? PA_SP : PA_O;
	if (pick_sym(fp, t, FP_T_Q, seed, buf, sizeof(buf)) == 0)
		pr->q = (strchr(buf, 'R') ? PQ_R : 0) |
		    (strchr(buf, 'U') ? PQ_U : 0);
	pr->rd = pick_num(fp, t, FP_T_RD, seed, 0);
}

/* OPS and WIN: the answers to the six SEQ probes. */
static void
plan_seqprobes(struct pers_plan *p, const struct fingerprint *fp,
    uint64_t seed)
{
	const struct fpexpr	*e2, *e6;
	int			 i;

	for (i = 0; i < 6; i++) {
		p->seqops[i] = pick_alt(fp, FPT_OPS, FP_OPS_O1 + i, seed);
		p->seqwin[i] = pick_num(fp, FPT_WIN, FP_WIN_W1 + i, seed,
		    i == 0 ? DEFAULT_WIN : p->seqwin[0]);
	}
	if (p->seqops[0] == PERS_NONE)
		p->seqops[0] = pick_alt(fp, FPT_T1, FP_T_O, seed);
	/* A stack whose MSS follows the peer's echoes 1400 and 265. */
	e2 = fingerprint_attr(fp, FPT_OPS, FP_OPS_O2);
	e6 = fingerprint_attr(fp, FPT_OPS, FP_OPS_O6);
	p->mss_echo = e2 != NULL && e6 != NULL &&
	    strncmp(e2->raw, "M578", 4) == 0 &&
	    strncmp(e6->raw, "M109", 4) == 0;
	p->seq_r = pick_yn(fp, FPT_T1, FP_T_R, seed, 1);
}

/*
 * The GCDs a host could step by: every value the fingerprint lists,
 * smallest first within each alternative (the one a stack stepping by
 * it shows most often).  ">X" becomes a value of X's magnitude.
 */
static int
gcd_candidates(const struct fingerprint *fp, uint64_t seed, uint32_t *out,
    int max)
{
	const struct fpexpr	*e;
	const struct fpterm	*t;
	struct fprng		 r;
	int			 n = 0;
	u_int			 i;

	if ((e = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_GCD)) == NULL) {
		out[0] = 1;
		return (1);
	}
	fprng_seed(&r, pers_attr_seed(seed, FPT_SEQ, FP_SEQ_GCD));
	for (i = 0; i < e->nterms && n < max; i++) {
		t = &e->term[i];
		if (t->op < FPX_EQ)
			continue;
		if (t->op == FPX_GT)
			out[n++] = t->lo + fprng_uniform(&r, t->lo);
		else
			out[n++] = t->lo == 0 && t->hi > 0 ? 1 : t->lo;
	}
	if (n == 0)
		out[n++] = 1;
	return (n);
}

/* Do GCD, ISR and SP as nmap would measure them match fp? */
static int
seq_fits(const struct fingerprint *fp, const struct pers_seqstat *st)
{
	const struct fpexpr	*e;

	if ((e = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_GCD)) != NULL &&
	    !fpexpr_match_num(e, st->gcd))
		return (0);
	if ((e = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_ISR)) != NULL &&
	    !fpexpr_match_num(e, st->isr))
		return (0);
	if ((e = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_SP)) != NULL &&
	    !fpexpr_match_num(e, st->sp))
		return (0);
	return (1);
}

/* What nmap makes of five steps of m[i] * g, 100 ms apart. */
static int
seq_eval(const double *m, uint32_t g, struct pers_seqstat *st)
{
	uint32_t	 isn[6];
	double		 t[6];
	int		 i;

	isn[0] = 0x10000000;
	t[0] = 0;
	for (i = 0; i < 5; i++) {
		if (m[i] * g >= ISN_STEP_MAX)
			return (-1);
		isn[i + 1] = isn[i] + (uint32_t)(m[i] + 0.5) * g;
		t[i + 1] = (i + 1) * PERS_SEQ_GAP;
	}
	return (pers_seq_measure(isn, t, 6, st));
}

/*
 * Small steps, few multiples of a large GCD: rounding decides what
 * nmap sees, so try the integer patterns near the goal and keep the
 * closest one nmap accepts.
 */
static int
isn_search(const struct fingerprint *fp, uint32_t g, double mbar,
    uint32_t isr, uint32_t sp, double *pat, struct pers_seqstat *best)
{
	struct pers_seqstat	 st;
	double			 m[5];
	uint32_t		 cost, bestcost = UINT32_MAX;
	int			 shape, x, y, lo, i;

	lo = mbar > 8 ? mbar / 3 : 0;
	for (shape = 0; shape < 3; shape++) {
		for (x = lo; x <= lo + 40; x++) {
			for (y = lo; y <= lo + 40; y++) {
				for (i = 0; i < 5; i++)
					m[i] = shape == 0 ? (i % 2 ? y : x) :
					    shape == 1 ? (i == 0 ? x : y) :
					    (i < 2 ? x : y);
				if (seq_eval(m, g, &st) == -1 ||
				    !seq_fits(fp, &st))
					continue;
				cost = abs((int)st.isr - (int)isr) +
				    abs((int)st.sp - (int)sp);
				if (cost < bestcost) {
					bestcost = cost;
					memcpy(pat, m, sizeof(m));
					*best = st;
				}
			}
		}
	}
	return (bestcost == UINT32_MAX ? -1 : 0);
}

static uint32_t
expr_hash(const struct fpexpr *e, uint32_t h)
{
	const char	*s = e != NULL ? e->raw : "";

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619U;
	return (h * 16777619U);
}

/*
 * Steps of mean rate ISR and spread SP around a zero-mean pattern z:
 * alternating for small spreads, one large step and four small ones
 * when the spread exceeds the mean.
 */
static void
isn_design(uint32_t g, uint32_t isr, uint32_t sp, double *pat)
{
	static const double	 zalt[5] = { 1, -1, 1, -1, 0 };
	static const double	 zone[5] = { 1.789, -0.447, -0.447, -0.447,
	    -0.447 };
	const double		*z;
	double			 mbar, spread;
	int			 i;

	mbar = exp2(isr / 8.0) * PERS_SEQ_GAP / g;
	spread = sp == 0 ? 0 : exp2(sp / 8.0) * (g > 9 ? g : 1) *
	    PERS_SEQ_GAP / g / mbar;
	z = spread <= 0.95 ? zalt : zone;
	if (spread > 2.2)
		spread = 2.2;
	for (i = 0; i < 5; i++)
		pat[i] = mbar * (1 + spread * z[i]);
}

/*
 * Would a pattern still measure right with our clock and nmap's a
 * little apart (PERS_JITTER of a step)?  The spread nmap computes must
 * stand clear of the error that puts in the rates.
 */
static int
isn_robust(uint32_t g, uint32_t isr, uint32_t sp)
{
	double	 noise;

	noise = exp2(isr / 8.0) * PERS_JITTER / (g > 9 ? g : 1);
	if (sp == 0)
		return (noise < 0.5);
	return (noise < exp2(sp / 8.0) / 2);
}

static int
expr_ok(const struct fingerprint *fp, u_int a, uint32_t v)
{
	const struct fpexpr	*e = fingerprint_attr(fp, FPT_SEQ, a);

	return (e == NULL || fpexpr_match_num(e, v));
}

/*
 * The steps between nmap's six SEQ probes for GCD p->gcd, aiming at
 * isr0 and sp0, else at their neighbours; 0 when nmap's arithmetic
 * on them matches the fingerprint (*isr, *sp: what it measures).
 */
static int
plan_isn_pattern(struct pers_plan *p, const struct fingerprint *fp,
    uint32_t isr0, uint32_t sp0, int robust, uint32_t *isr, uint32_t *sp)
{
	static const int	 near[] = { 0, 1, -1, 2, -2, 3, -3, 4, -4,
	    6, -6, 8, -8 };
	struct pers_seqstat	 st;
	double			 pat[5], mbar;
	uint32_t		 spc;
	u_int			 i, j;
	int			 di;

	mbar = exp2(isr0 / 8.0) * PERS_SEQ_GAP / p->gcd;
	if (mbar <= 64 && isn_search(fp, p->gcd, mbar, isr0, sp0, pat,
	    &st) == 0 && (!robust || isn_robust(p->gcd, st.isr, st.sp))) {
		memcpy(p->isn_pat, pat, sizeof(pat));
		*isr = st.isr;
		*sp = st.sp;
		return (0);
	}
	/*
	 * Other ISRs, nearest first, over the whole range the fingerprint
	 * allows; for each, SPs near the pick that a pattern can reach
	 * (a spread up to 2.2 times the mean: SP at most ISR + 9).
	 */
	for (i = 0; i < 2 * 0x80; i++) {
		di = (i + 1) / 2 * (i % 2 ? 1 : -1);
		if ((int)isr0 + di < 0 || !expr_ok(fp, FP_SEQ_ISR, isr0 + di))
			continue;
		*isr = isr0 + di;
		spc = sp0 < *isr + 8 ? sp0 : *isr + 8;
		for (j = 0; j < sizeof(near) / sizeof(near[0]); j++) {
			if ((int)spc + near[j] < 0)
				continue;
			*sp = spc + near[j];
			if (!expr_ok(fp, FP_SEQ_SP, *sp) ||
			    (robust && !isn_robust(p->gcd, *isr, *sp)))
				continue;
			isn_design(p->gcd, *isr, *sp, pat);
			if (seq_eval(pat, p->gcd, &st) == 0 &&
			    seq_fits(fp, &st)) {
				memcpy(p->isn_pat, pat, sizeof(pat));
				return (0);
			}
		}
	}
	isn_design(p->gcd, isr0, sp0, p->isn_pat);
	*isr = isr0;
	*sp = sp0;
	return (-1);
}

/*
 * Steps above 2^31 fold back (nmap takes the short way round), so a
 * rate above about 2^34 a second cannot be shown with probes 100 ms
 * apart, and a scanner running late (probes 200 ms apart) halves that.
 * Prefer an ISR that leaves room for the latter, else for the former.
 */
static uint32_t
isr_cap(const struct fingerprint *fp, uint32_t isr)
{
	uint32_t	 roomy, max, v;

	roomy = 8 * log2(ISN_STEP_MAX / (2 * PERS_SEQ_GAP) / 1.5);
	max = 8 * log2(ISN_STEP_MAX / PERS_SEQ_GAP / 1.5);
	if (isr <= roomy)
		return (isr);
	for (v = roomy; v > 0; v--)
		if (expr_ok(fp, FP_SEQ_ISR, v))
			return (v);
	for (v = roomy + 1; v <= max && v < isr; v++)
		if (expr_ok(fp, FP_SEQ_ISR, v))
			return (v);
	return (isr);
}

static void
plan_gcdmask(struct pers_plan *p, const struct fingerprint *fp)
{
	const struct fpexpr	*e = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_GCD);
	uint32_t		 k;

	for (p->gcdmask = 0, k = 1; k < 8; k++)
		if (e == NULL || fpexpr_match_num(e, p->gcd * k))
			p->gcdmask |= 1U << k;
	if (p->gcdmask == 0)
		p->gcdmask = 1U << 1;
}

/*
 * For each GCD the fingerprint allows, a pattern that survives timing
 * noise, else one nmap accepts, else the first GCD's best effort.
 */
static void
plan_isn_choose(struct pers_plan *p, const struct fingerprint *fp,
    const uint32_t *cand, int n, uint32_t isr0, uint32_t sp0, uint32_t *isr,
    uint32_t *sp)
{
	int	 i, found = 0;

	for (i = 0; i < 2 * n && !found; i++) {
		if ((p->gcd = cand[i % n]) == 0)
			return;
		found = plan_isn_pattern(p, fp, isr0, sp0, i < n, isr,
		    sp) == 0;
	}
	if (!found && (p->gcd = cand[0]) != 0)
		(void)plan_isn_pattern(p, fp, isr0, sp0, 0, isr, sp);
}

/*
 * Choosing can take milliseconds and hosts of a template pick alike:
 * results are remembered by everything they depend on, so a sweep over
 * thousands of addresses costs a few choices, not one each.
 */
struct isn_cache {
	uint32_t	 key[4];
	uint32_t	 gcd, isr, sp;
	double		 pat[5];
};

static void
plan_isn_cached(struct pers_plan *p, const struct fingerprint *fp,
    const uint32_t *cand, int n, uint32_t isr0, uint32_t sp0, uint32_t *isr,
    uint32_t *sp)
{
	static struct isn_cache	 cache[256];
	struct isn_cache	*c;
	uint32_t		 key[4], h = 2166136261U;
	int			 i;

	h = expr_hash(fingerprint_attr(fp, FPT_SEQ, FP_SEQ_GCD), h);
	h = expr_hash(fingerprint_attr(fp, FPT_SEQ, FP_SEQ_ISR), h);
	h = expr_hash(fingerprint_attr(fp, FPT_SEQ, FP_SEQ_SP), h);
	key[0] = h;
	for (key[1] = 0, i = 0; i < n; i++)
		key[1] = (key[1] ^ cand[i]) * 16777619U;
	key[2] = isr0;
	key[3] = sp0;
	c = &cache[(h ^ key[1] ^ isr0 * 31 ^ sp0 * 131) % 256];
	if (memcmp(c->key, key, sizeof(key)) != 0) {
		plan_isn_choose(p, fp, cand, n, isr0, sp0, isr, sp);
		memcpy(c->key, key, sizeof(key));
		c->gcd = p->gcd;
		c->isr = *isr;
		c->sp = *sp;
		memcpy(c->pat, p->isn_pat, sizeof(c->pat));
	}
	p->gcd = c->gcd;
	*isr = c->isr;
	*sp = c->sp;
	memcpy(p->isn_pat, c->pat, sizeof(c->pat));
}

/*
 * The ISN generator: GCD, and the steps between nmap's SEQ probes.
 * For each GCD the fingerprint allows, the ISR and SP the host picked
 * are tried, then their neighbours, until nmap's own arithmetic (on
 * steps 100 ms apart) says the result matches; ordinary SYNs get the
 * same rate and spread, unpatterned.
 */
static void
plan_isn(struct pers_plan *p, const struct fingerprint *fp, uint64_t seed)
{
	uint32_t	 cand[16], isr0, sp0, isr, sp;
	int		 n;

	isr0 = isr_cap(fp, pick_num(fp, FPT_SEQ, FP_SEQ_ISR, seed,
	    DEFAULT_ISR));
	sp0 = pick_num(fp, FPT_SEQ, FP_SEQ_SP, seed, DEFAULT_SP);
	isr = isr0;
	sp = sp0;
	n = gcd_candidates(fp, seed, cand, 16);
	p->gcd = cand[0];
	if (fp->gen == 1 && plan_isn_g1(p, fp) == 0) {
		if (p->gcd != 0 && !p->isn_random) {
			isr = 8 * log2(p->isn_rate) + 0.5;
			sp = p->isn_dev <= 0 ? 0 : 8 * log2(p->isn_dev *
			    sqrt(1.2) / (p->gcd > 9 ? p->gcd : 1)) + 0.5;
			(void)plan_isn_pattern(p, fp, isr, sp, 0, &isr, &sp);
		}
		plan_gcdmask(p, fp);
		return;
	}
	plan_isn_cached(p, fp, cand, n, isr0, sp0, &isr, &sp);
	p->isn_rate = exp2(isr / 8.0);
	p->isn_dev = sp == 0 ? 0 : exp2(sp / 8.0) *
	    (p->gcd > 9 ? p->gcd : 1) / sqrt(1.2);
	if (p->isn_dev > 0.9 * p->isn_rate)
		p->isn_dev = 0.9 * p->isn_rate;
	plan_gcdmask(p, fp);
}

/*
 * First-generation TSeq: Class names the generator (C constant, 64K
 * and i800 fixed steps, TD time dependent, RI random increments, TR
 * truly random); gcd was mapped to GCD already.
 */
static int
plan_isn_g1(struct pers_plan *p, const struct fingerprint *fp)
{
	const struct fpexpr	*e;
	const char		*c;

	if ((e = fingerprint_g1attr(fp, G1_TSEQ, FP_G1S_CLASS)) == NULL ||
	    e->nterms == 0)
		return (-1);
	c = e->raw + e->term[0].off;
	p->isn_dev = 0;
	if (strncmp(c, "C", e->term[0].len) == 0)
		p->gcd = 0;
	else if (strncmp(c, "64K", e->term[0].len) == 0) {
		p->gcd = 64000;
		p->isn_rate = 64000 * 10;
	} else if (strncmp(c, "i800", e->term[0].len) == 0) {
		p->gcd = 800;
		p->isn_rate = 800 * 10;
	} else if (strncmp(c, "TD", e->term[0].len) == 0)
		p->isn_rate = exp2(0x90 / 8.0);
	else if (strncmp(c, "RI", e->term[0].len) == 0) {
		p->isn_rate = exp2(0xC0 / 8.0);
		p->isn_dev = p->isn_rate / 2;
	} else if (strncmp(c, "TR", e->term[0].len) == 0)
		p->isn_random = 1;
	else
		return (-1);
	return (0);
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
		p->ts_hz = pers_ts_hz(v);
		/*
		 * A racing clock (per-connection offsets, as Linux has)
		 * steps close to 2^31 between probes; the low end of what
		 * rounds to v leaves room for a scanner running late.
		 */
		if (v >= 0x18 && expr_ok_ts(fp, v - 1) == 0)
			p->ts_hz = exp2(v - 0.45);
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

static void
plan_u1(struct pers_plan *p, const struct fingerprint *fp, uint64_t seed)
{
	char	 buf[16];

	p->u1_r = pick_yn(fp, FPT_U1, FP_U1_R, seed, 1);
	p->u1_df = pick_yn(fp, FPT_U1, FP_U1_DF, seed, 0);
	p->u1_ttl = plan_ttl(fp, FPT_U1, p->hops);
	p->u1_ipl = pick_num(fp, FPT_U1, FP_U1_IPL, seed, DEFAULT_IPL);
	p->u1_un = pick_num(fp, FPT_U1, FP_U1_UN, seed, 0);
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
	plan_seqprobes(p, fp, seed);
	p->hops = plan_hops(fp);
	df = pick_yn(fp, FPT_T1, FP_T_DF, seed, 1);
	plan_resp(&p->resp[PR_IDX(FPT_ECN)], fp, FPT_ECN, seed, df, p->hops);
	for (i = 1; i <= 7; i++)
		plan_resp(&p->resp[PR_IDX(FPT_TCP(i))], fp, FPT_TCP(i), seed,
		    df, p->hops);
	p->resp[PR_IDX(FPT_T1)].win = p->seqwin[0];
	p->resp[PR_IDX(FPT_T1)].ops = p->seqops[0];
	if (fingerprint_attr(fp, FPT_ECN, FP_ECN_W) == NULL)
		p->resp[PR_IDX(FPT_ECN)].win = p->seqwin[0];
	/* W1 of a stack that resets nmap's SYNs is a reset's window. */
	p->synwin = p->seqwin[0];
	if (!(p->resp[PR_IDX(FPT_T1)].flags & TH_SYN) || p->synwin == 0)
		p->synwin = p->resp[PR_IDX(FPT_ECN)].win != 0 ?
		    p->resp[PR_IDX(FPT_ECN)].win : DEFAULT_WIN;
	plan_isn(p, fp, seed);
	plan_ipid(p, fp, seed);
	plan_ts(p, fp, seed);
	plan_u1(p, fp, seed);
	plan_ie(p, fp, seed);
}

/* Does option string s (len bytes) fit in a TCP header? */
static int
ops_fit(const char *s, size_t len)
{
	uint8_t	 buf[64];
	int	 ws = -1, ts = 0;

	return (pers_tcpopts_build(s, len, buf, sizeof(buf), -1, 1, 1, 0,
	    &ws, &ts) <= TCP_OPT_LEN_MAX);
}

static int
check_ops(const struct fingerprint *fp, enum fp_test t, u_int a)
{
	const struct fpexpr	*e;
	u_int			 i;

	if ((e = fingerprint_attr(fp, t, a)) == NULL)
		return (1);
	for (i = 0; i < e->nterms; i++)
		if (ops_fit(e->raw + e->term[i].off, e->term[i].len))
			return (1);
	return (0);
}

/* Is there a timestamp rate nmap would report as one of e's values? */
static int
check_ts(const struct fpexpr *e)
{
	const struct fpterm	*t;
	u_int			 i;

	/* nmap never reports 2 (up to 5.66 Hz is 1), nor above 2^34. */
	for (i = 0; i < e->nterms; i++) {
		t = &e->term[i];
		if (t->op < FPX_EQ ||
		    (t->lo <= 0x22 && !(t->lo == 2 && t->hi == 2)))
			return (1);
	}
	return (0);
}

/* The lowest value an expression admits, the highest. */
static uint32_t
expr_lo(const struct fpexpr *e)
{
	uint32_t	 v = UINT32_MAX;
	u_int		 i;

	for (i = 0; i < e->nterms; i++)
		if (e->term[i].op >= FPX_EQ && e->term[i].lo < v)
			v = e->term[i].lo;
	return (v);
}

static uint32_t
expr_hi(const struct fpexpr *e)
{
	uint32_t	 v = 0;
	u_int		 i;

	for (i = 0; i < e->nterms; i++)
		if (e->term[i].op >= FPX_EQ && e->term[i].hi > v)
			v = e->term[i].hi;
	return (v);
}

static int
check_seq(const struct fingerprint *fp, const char *name,
    void (*warn)(const char *, const char *, const char *))
{
	const struct fpexpr	*isr, *sp, *ts, *ii;
	int			 n = 0;

	isr = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_ISR);
	sp = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_SP);
	if (isr != NULL && sp != NULL && expr_lo(sp) != UINT32_MAX &&
	    expr_lo(sp) > expr_hi(isr) + 9 && expr_lo(sp) > 0) {
		warn(name, "SEQ", "SP asks for more spread than ISR allows");
		n++;
	}
	if ((ts = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_TS)) != NULL &&
	    !check_ts(ts)) {
		warn(name, "SEQ", "no timestamp rate measures as this TS");
		n++;
	}
	if ((ii = fingerprint_attr(fp, FPT_SEQ, FP_SEQ_II)) != NULL &&
	    fpexpr_match(ii, "RD") && ii->nterms == 1) {
		warn(name, "SEQ", "II=RD needs three samples, nmap takes two");
		n++;
	}
	return (n);
}

static int
check_u1(const struct fingerprint *fp, const char *name,
    void (*warn)(const char *, const char *, const char *))
{
	const struct fpexpr	*ipl, *rud;
	int			 n = 0;

	if ((ipl = fingerprint_attr(fp, FPT_U1, FP_U1_IPL)) == NULL)
		return (0);
	if (expr_hi(ipl) < 0x38 || expr_lo(ipl) > 576) {
		warn(name, "U1", "IPL outside what an ICMP error can carry");
		n++;
	}
	rud = fingerprint_attr(fp, FPT_U1, FP_U1_RUD);
	if (rud != NULL && !fpexpr_match(rud, "G") && expr_hi(ipl) <= 0x38) {
		warn(name, "U1", "RUD=I but no payload is quoted");
		n++;
	}
	if (expr_lo(ipl) > 0x164 && rud != NULL && fpexpr_match(rud, "G")) {
		warn(name, "U1", "IPL longer than the probe, padding breaks RUD");
		n++;
	}
	return (n);
}

/*
 * Tell the operator which tests of fp will not come out as written;
 * returns how many.
 */
int
pers_check(const struct fingerprint *fp,
    void (*warn)(const char *, const char *, const char *))
{
	const char	*name = fingerprint_name(fp);
	int		 n, i;

	n = check_seq(fp, name, warn);
	for (i = 0; i < 6; i++) {
		if (!check_ops(fp, FPT_OPS, FP_OPS_O1 + i)) {
			warn(name, "OPS", "options longer than 40 bytes");
			n++;
		}
	}
	if (!check_ops(fp, FPT_ECN, FP_ECN_O)) {
		warn(name, "ECN", "options longer than 40 bytes");
		n++;
	}
	for (i = 2; i <= 7; i++) {
		if (!check_ops(fp, FPT_TCP(i), FP_T_O)) {
			warn(name, fp_test_name(FPT_TCP(i)),
			    "options longer than 40 bytes");
			n++;
		}
	}
	return (n + check_u1(fp, name, warn));
}
