/*
 * The ISN generator's goals (GCD, ISR, SP): nmap's six SEQ probes come
 * 100 ms apart and are recognised (pers_tcp.c), so the steps between
 * their ISNs follow a pattern planned here, checked with nmap's own
 * arithmetic (pers_seq_measure) before a host ever sees a probe:
 *   - the GCD is one the fingerprint lists, tried in turn;
 *   - steps many times the GCD follow a zero-mean pattern around the
 *     mean rate (ISR) with the spread SP asks for;
 *   - a few multiples of a large GCD cannot: rounding decides, so the
 *     integer patterns near the goal are searched;
 *   - patterns whose spread would drown in timing noise (ours and
 *     nmap's, PERS_JITTER) come last.
 * Ordinary SYNs get the same mean rate and spread, unpatterned.
 */

#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"

#define DEFAULT_ISR	0x10A	/* random ISNs, as modern stacks */
#define DEFAULT_SP	0x102
#define PERS_JITTER	0.002	/* timing noise: 200 us in 100 ms */
#define ISN_STEP_MAX	(0.98 * 2147483648.0)	/* nmap folds larger steps */
/* 2^48 a second: far past any stack, and rate * time stays exact. */
#define ISR_LIMIT	(8 * 48)

static int	 gcd_candidates(const struct fingerprint *, uint64_t,
		    uint32_t *, int);
static int	 seq_fits(const struct fingerprint *,
		    const struct pers_seqstat *);
static int	 seq_eval(const double *, uint32_t, struct pers_seqstat *);
static int	 isn_search(const struct fingerprint *, uint32_t, double,
		    uint32_t, uint32_t, double *, struct pers_seqstat *);
static uint32_t	 expr_hash(const struct fpexpr *, uint32_t);
static void	 isn_design(uint32_t, uint32_t, uint32_t, double *);
static int	 isn_robust(uint32_t, uint32_t, uint32_t);
static int	 expr_ok(const struct fingerprint *, u_int, uint32_t);
static int	 plan_isn_pattern(struct pers_plan *,
		    const struct fingerprint *, uint32_t, uint32_t, int,
		    uint32_t *, uint32_t *);
static uint32_t	 isr_cap(const struct fingerprint *, uint32_t);
static void	 plan_gcdmask(struct pers_plan *, const struct fingerprint *);
static void	 plan_isn_choose(struct pers_plan *,
		    const struct fingerprint *, const uint32_t *, int, uint32_t,
		    uint32_t, uint32_t *, uint32_t *);
static void	 plan_isn_cached(struct pers_plan *,
		    const struct fingerprint *, const uint32_t *, int, uint32_t,
		    uint32_t, uint32_t *, uint32_t *);
static int	 plan_isn_g1(struct pers_plan *, const struct fingerprint *);

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

/* The expression's text and its NUL, so that "ab","c" and "a","bc" differ. */
static uint32_t
expr_hash(const struct fpexpr *e, uint32_t h)
{
	const char	*s = e != NULL ? e->raw : "";

	return (fnv1a(h, s, strlen(s) + 1));
}

/*
 * Steps of mean rate ISR and spread SP around a zero-mean pattern z of
 * unit spread: alternating for small spreads; two large steps and
 * three small, then one large and four small, as the spread passes
 * the mean (the largest step, which must stay below 2^31, grows
 * least that way).
 */
static void
isn_design(uint32_t g, uint32_t isr, uint32_t sp, double *pat)
{
	static const double	 zalt[5] = { 1, -1, 1, -1, 0 };
	static const double	 ztwo[5] = { 1.095, -0.730, 1.095, -0.730,
	    -0.730 };
	static const double	 zone[5] = { 1.789, -0.447, -0.447, -0.447,
	    -0.447 };
	const double		*z;
	double			 mbar, spread;
	int			 i;

	mbar = exp2(isr / 8.0) * PERS_SEQ_GAP / g;
	spread = sp == 0 ? 0 : exp2(sp / 8.0) * (g > 9 ? g : 1) *
	    PERS_SEQ_GAP / g / mbar;
	z = spread <= 0.95 ? zalt : spread <= 1.36 ? ztwo : zone;
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
	int		 d, pass;

	roomy = 8 * log2(ISN_STEP_MAX / (2 * PERS_SEQ_GAP) / 1.5);
	max = 8 * log2(ISN_STEP_MAX / PERS_SEQ_GAP / 1.5);
	if (isr <= roomy)
		return (isr);
	/* Nearest to roomy; first one clear of the range's edges. */
	for (pass = 0; pass < 2; pass++) {
		for (d = 0; d < 0x40; d++) {
			v = roomy - d;
			if (expr_ok(fp, FP_SEQ_ISR, v) && (pass ||
			    (expr_ok(fp, FP_SEQ_ISR, v - 2) &&
			    expr_ok(fp, FP_SEQ_ISR, v + 2))))
				return (v);
			v = roomy + d;
			if (v <= max && expr_ok(fp, FP_SEQ_ISR, v) && (pass ||
			    (expr_ok(fp, FP_SEQ_ISR, v - 2) &&
			    expr_ok(fp, FP_SEQ_ISR, v + 2))))
				return (v);
		}
	}
	/*
	 * Nothing the fingerprint allows is in reach.  Real ones reach a
	 * little past max; a bogus one (ISR=10020) would make 2^(ISR/8)
	 * infinite, and the generator's arithmetic undefined.
	 */
	return (isr > ISR_LIMIT ? ISR_LIMIT : isr);
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
	uint32_t		 key[4], h = FNV_BASIS;

	h = expr_hash(fingerprint_attr(fp, FPT_SEQ, FP_SEQ_GCD), h);
	h = expr_hash(fingerprint_attr(fp, FPT_SEQ, FP_SEQ_ISR), h);
	h = expr_hash(fingerprint_attr(fp, FPT_SEQ, FP_SEQ_SP), h);
	key[0] = h;
	key[1] = fnv1a(FNV_BASIS, cand, n * sizeof(*cand));
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
void
pers_plan_isn(struct pers_plan *p, const struct fingerprint *fp,
    uint64_t seed)
{
	uint32_t	 cand[16], isr0, sp0, isr, sp;
	int		 n;

	isr0 = isr_cap(fp, pers_pick_num(fp, FPT_SEQ, FP_SEQ_ISR, seed,
	    DEFAULT_ISR));
	sp0 = pers_pick_num(fp, FPT_SEQ, FP_SEQ_SP, seed, DEFAULT_SP);
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
