/*
 * Which tests of a fingerprint the engine cannot reproduce as written:
 * the parent says so when it loads a configuration (honeyd -n too), so
 * that an operator knows which personality will not fool nmap fully.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <dumbnet.h>

#include "fingerprint.h"
#include "pers.h"

typedef void	 (*warnfn)(const char *, const char *, const char *);

static int	 ops_fit(const char *, size_t);
static int	 check_ops(const struct fingerprint *, enum fp_test, u_int);
static int	 check_ts(const struct fpexpr *);
static uint32_t	 expr_lo(const struct fpexpr *);
static uint32_t	 expr_hi(const struct fpexpr *);
static int	 check_seq(const struct fingerprint *, const char *, warnfn);
static int	 check_u1(const struct fingerprint *, const char *, warnfn);

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
    warnfn warn)
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
    warnfn warn)
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
    warnfn warn)
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
