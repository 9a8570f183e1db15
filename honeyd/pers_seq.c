/*
 * The personality's clocks and counters: TCP initial sequence numbers,
 * IP IDs and TCP timestamps, built to measure as the fingerprint says
 * when nmap measures them (nmap's book, chapter 8, "TCP/IP
 * Fingerprinting Methods").
 *
 * ISN.  nmap sends six SYNs 100 ms apart and, over the five
 * differences d_i of the ISNs it gets back (each taken the short way
 * round the 32-bit circle) and the times t_i between its sends,
 * reports GCD = gcd(d_i), ISR = round(8 log2(mean(d_i / t_i))) and
 * SP = round(8 log2(sd(d_i / t_i / k))), the sample standard
 * deviation, with k = GCD when GCD > 9, else 1.  So the generator adds
 * rate * elapsed (real time, as nmap's own clock counts it) plus a
 * deviation that alternates in sign from one ISN to the next: over any
 * five consecutive differences the rates are R + D three times and
 * R - D twice (or the other way round), whose sample deviation is
 * sqrt(6/5) D.  Every increase is a multiple of GCD, and consecutive
 * multipliers are kept coprime (nudged by one or two) so that the gcd
 * nmap computes is GCD itself, or a multiple the fingerprint accepts.
 *
 * IP ID.  nmap classes a series of IDs by its differences (mod 2^16):
 * all zero Z; any step above 20000 RD (three samples or more); all
 * equal: the value; a step above 1000 not a multiple of 256 (or at
 * least 25600) RI; all steps multiples of 256 up to 5120 BI; all
 * below 10 I.  Each class has a generator here; streams whose classes
 * agree share a counter, as one stack's do.
 *
 * TS.  nmap averages the timestamp increase per second over the same
 * probes and reports 1 up to 5.66 Hz, 7 for 70-150 Hz, 8 for
 * 150-350 Hz, otherwise round(log2(Hz)); U without timestamps, 0 when
 * they are zero.
 */

#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "fingerprint.h"
#include "pers.h"

#define ISN_MAXSTEP	0x7fffffffU	/* nmap folds larger steps */
#define PERS_SEQ_SNAP	0.003	/* seconds: "about 100 ms" */
#define ICMP_APART	12000	/* separate ICMP IDs: this far from TCP's */
#define ICMP_MARGIN	6000	/* beyond three random increments */

static uint32_t	 gcd32(uint32_t, uint32_t);
static uint32_t	 isn_coprime(uint32_t, uint32_t, const struct pers_plan *);
static uint32_t	 isn_maxm(const struct pers_plan *);
static int	 incremental(int);
static uint16_t	 ipid_step(uint16_t *, int, uint16_t, struct fprng *);

uint64_t
pers_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static uint32_t
gcd32(uint32_t a, uint32_t b)
{
	uint32_t	 t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return (a);
}

/*
 * Nudge the multiplier m so that its gcd with the previous one is a
 * multiple of GCD the fingerprint accepts (usually 1).
 */
static uint32_t
isn_coprime(uint32_t m, uint32_t prev, const struct pers_plan *p)
{
	static const int	 step[] = { 0, 1, -1, 2, -2, 3, -3, 4 };
	uint32_t		 c, d;
	u_int			 i;

	for (i = 0; i < sizeof(step) / sizeof(step[0]); i++) {
		if (step[i] < 0 && m <= (uint32_t)-step[i])
			continue;
		c = m + step[i];
		d = gcd32(c, prev);
		if (d < 8 && (p->gcdmask & (1U << d)))
			return (c);
	}
	return (m);
}

/* The largest multiplier whose step, nudged, stays below 2^31. */
static uint32_t
isn_maxm(const struct pers_plan *p)
{
	uint32_t	 m = ISN_MAXSTEP / p->gcd;

	return (m > 8 ? m - 4 : m);
}

void
pers_isn_init(struct pers_isn *g, const struct pers_plan *p,
    struct fprng *r)
{
	memset(g, 0, sizeof(*g));
	g->isn = fprng_next(r);
	g->m = 1;
}

/* The next ISN at monotonic time now (microseconds). */
uint32_t
pers_isn_next(struct pers_isn *g, const struct pers_plan *p, uint64_t now,
    struct fprng *r)
{
	double		 dt, want;
	uint64_t	 m;

	g->prev = g->isn;
	g->prev_us = g->us;
	g->pm = g->m;
	if (p->gcd == 0)
		return (g->isn);
	if (p->isn_random) {
		g->us = now;
		return (g->isn = fprng_next(r));
	}
	if (g->n++ == 0) {
		g->us = now;
		return (g->isn);
	}
	dt = now > g->us ? (now - g->us) / 1e6 : 0;
	g->us = now;
	if (dt > 30) {
		/* Long idle: only the rate matters, not the pattern. */
		g->isn += (uint32_t)fmod(p->isn_rate * dt, 4294967296.0);
		g->m = 1;
		return (g->isn);
	}
	want = (p->isn_rate + ((g->n & 1) ? p->isn_dev : -p->isn_dev)) * dt;
	m = want / p->gcd + 0.5;
	if (m < 1)
		m = 1;
	if (m > isn_maxm(p))
		m = isn_maxm(p);
	g->m = isn_coprime(m, g->m, p);
	g->isn += g->m * p->gcd;
	return (g->isn);
}

/*
 * The ISN for nmap's SEQ probe k (2..6), replacing the one just handed
 * out: the previous probe's ISN plus the planned step, scaled to the
 * time that really passed when the step is large enough to scale.
 */
uint32_t
pers_isn_seqprobe(struct pers_isn *g, const struct pers_plan *p, int k)
{
	double		 step = p->isn_pat[k - 2], dt;
	uint64_t	 m;

	if (p->gcd == 0 || p->isn_random || g->n < 2)
		return (g->isn);
	dt = g->us > g->prev_us ? (g->us - g->prev_us) / 1e6 : PERS_SEQ_GAP;
	/*
	 * nmap keeps its 100 ms to within a fraction of a millisecond;
	 * our own receive times wander more (capture, queues).  Near
	 * 100 ms the nominal step measures truer than the elapsed time.
	 */
	if (fabs(dt - PERS_SEQ_GAP) < PERS_SEQ_SNAP)
		dt = PERS_SEQ_GAP;
	/*
	 * Large steps follow the time that passed (a scanner running
	 * late sees the rate it expects); a step that would pass 2^31,
	 * and fold, is clipped: the mean suffers least that way.
	 */
	if (step > 64)
		step *= dt / PERS_SEQ_GAP;
	m = step + 0.5;
	/* Small patterns were chosen whole; large ones keep coprime. */
	if (step > 64) {
		if (m > isn_maxm(p))
			m = isn_maxm(p);
		m = isn_coprime(m, g->pm, p);
	}
	g->m = m;
	return (g->isn = g->prev + (uint32_t)m * p->gcd);
}

/*
 * GCD, ISR and SP of n ISNs taken t[i] seconds after the first, as
 * nmap's book defines them.  -1 if n < 4 or the ISNs never change.
 */
int
pers_seq_measure(const uint32_t *isn, const double *t, int n,
    struct pers_seqstat *st)
{
	double		 rate[16], mean = 0, sd = 0, dt;
	uint32_t	 d, g = 0;
	int		 i;

	if (n < 4 || n > 16)
		return (-1);
	for (i = 0; i < n - 1; i++) {
		d = isn[i + 1] - isn[i];
		if (d > 0x80000000U)
			d = -d;
		g = gcd32(g, d);
		dt = t[i + 1] - t[i] > 0 ? t[i + 1] - t[i] : 1e-6;
		rate[i] = d / dt;
		mean += rate[i] / (n - 1);
	}
	if ((st->gcd = g) == 0)
		return (-1);
	st->isr = mean < 1 ? 0 : (uint32_t)(8 * log2(mean) + 0.5);
	for (i = 0; i < n - 1; i++)
		sd += pow((rate[i] - mean) / (g > 9 ? g : 1), 2);
	sd = sqrt(sd / (n - 2));
	st->sp = sd <= 1 ? 0 : (uint32_t)(8 * log2(sd) + 0.5);
	return (0);
}

void
pers_ipid_init(uint16_t *ctr, const struct pers_plan *p, struct fprng *r)
{
	/*
	 * nmap's shared-sequence test asks whether the first ICMP ID is
	 * below the last TCP ID plus three steps (compared as plain
	 * numbers).  A separate ICMP counter lives below the TCP one
	 * when SS says S, above it when SS says O; the TCP counter
	 * starts where there is room for that.
	 */
	ctr[0] = (p->ss == 'O' ? 1000 : 26000) + fprng_uniform(r, 12000);
	ctr[1] = 1000 + fprng_uniform(r, 60000);
	ctr[2] = p->ss == 'O' ? ctr[0] + ICMP_APART : ctr[0] - ICMP_APART;
}

/*
 * nmap's first SEQ probe starts the series it measures: move the TCP
 * counter (unseen: nothing nmap compares precedes it) where the next
 * steps neither wrap nor run into the ICMP counter, and put a
 * separate ICMP counter on the side SS asks for.  nmap subtracts the
 * IDs as plain numbers.
 */
void
pers_ipid_seqstart(uint16_t *ctr, const struct pers_plan *p,
    struct fprng *r)
{
	uint16_t	 lo;

	if (!incremental(p->idcls[PST_TCP]))
		return;
	lo = p->ss == 'O' ? 1000 : 26000;
	if (ctr[0] < lo || ctr[0] > lo + 12000)
		ctr[0] = lo + fprng_uniform(r, 12000);
	if (p->idctr[PST_ICMP] == 2)
		ctr[2] = p->ss == 'O' ? ctr[0] + ICMP_APART :
		    ctr[0] - ICMP_APART;
}

/* Classes nmap compares for SS. */
static int
incremental(int cls)
{
	return (cls == PID_I || cls == PID_BI || cls == PID_RI);
}

/* The next value of counter c in class cls. */
static uint16_t
ipid_step(uint16_t *c, int cls, uint16_t val, struct fprng *r)
{
	uint32_t	 inc;

	switch (cls) {
	case PID_Z:
		return (0);
	case PID_CONST:
		return (val);
	case PID_BI:
		return (*c += 256);
	case PID_RI:
		inc = 1001 + fprng_uniform(r, 999);
		if (inc % 256 == 0)
			inc++;
		return (*c += inc);
	case PID_RD:
		return (*c += 20001 + fprng_uniform(r, 40000));
	case PID_I:
	default:
		return (++*c);
	}
}

uint16_t
pers_ipid_next(uint16_t *ctr, const struct pers_plan *p,
    enum pers_stream s, struct fprng *r)
{
	uint16_t	 id;
	int		 tcp = ctr[0];

	id = ipid_step(&ctr[p->idctr[s]], p->idcls[s], p->idval[s], r);
	if (s != PST_ICMP || p->idctr[s] != 2 ||
	    !incremental(p->idcls[PST_TCP]) || !incremental(p->idcls[s]))
		return (id);
	/*
	 * A separate ICMP counter that wrapped, or that TCP's caught up
	 * with, moves back to its side of the TCP counter (rarely: the
	 * two IDs nmap compares for II come from one move or none).
	 */
	if (p->ss == 'O' && (int)id < tcp + ICMP_MARGIN && tcp < 65535 -
	    ICMP_APART)
		id = ctr[2] = tcp + ICMP_APART;
	else if (p->ss != 'O' && (int)id >= tcp && tcp > ICMP_APART)
		id = ctr[2] = tcp - ICMP_APART;
	return (id);
}

/* The clock rate that nmap reports as TS value v. */
double
pers_ts_hz(uint32_t v)
{
	switch (v) {
	case 1:
		return (2);
	case 7:
		return (100);
	case 8:
		return (200);
	case 0xA:
		return (1000);
	default:
		return (v > 0x22 ? ldexp(1, 0x22) : ldexp(1, v));
	}
}

/* The timestamp clock: base at boot, counting at the plan's rate. */
uint32_t
pers_ts_clock(const struct pers_plan *p, uint32_t base, uint64_t boot,
    uint64_t now)
{
	double	 t = now > boot ? (now - boot) / 1e6 : 0;

	if (p->ts == PTS_ZERO)
		return (0);
	return (base + (uint32_t)fmod(floor(p->ts_hz * t), 4294967296.0));
}

/* CRC-32 as nmap computes it over RST data (IEEE, reflected). */
uint32_t
pers_crc32(const uint8_t *buf, size_t len)
{
	uint32_t	 c = 0xffffffff;
	size_t		 i;
	int		 k;

	for (i = 0; i < len; i++) {
		c ^= buf[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320 & -(c & 1));
	}
	return (~c);
}

/*
 * Four bytes whose CRC-32 is want.  Over four bytes the CRC is an
 * affine bijection of the 32 message bits, so the bits follow from
 * Gaussian elimination over GF(2).
 */
void
pers_crc32_forge(uint32_t want, uint8_t out[4])
{
	uint32_t	 col[32], bit[32], x = 0, c0;
	uint8_t		 m[4], used[32];
	int		 i, j, piv, pivof[32];

	memset(m, 0, sizeof(m));
	c0 = pers_crc32(m, 4);
	for (i = 0; i < 32; i++) {
		m[i / 8] = 1 << (i % 8);
		col[i] = pers_crc32(m, 4) ^ c0;
		m[i / 8] = 0;
		bit[i] = 1U << i;
		used[i] = 0;
	}
	/* Gauss-Jordan: each pivot column ends with one bit set. */
	for (j = 31; j >= 0; j--) {
		for (piv = -1, i = 0; i < 32 && piv == -1; i++)
			if (!used[i] && (col[i] >> j & 1))
				piv = i;
		if ((pivof[j] = piv) == -1)
			continue;
		used[piv] = 1;
		for (i = 0; i < 32; i++) {
			if (i != piv && (col[i] >> j & 1)) {
				col[i] ^= col[piv];
				bit[i] ^= bit[piv];
			}
		}
	}
	want ^= c0;
	for (j = 0; j < 32; j++)
		if ((want >> j & 1) && pivof[j] != -1)
			x ^= bit[pivof[j]];
	for (i = 0; i < 4; i++)
		out[i] = x >> (8 * i);
}

/*
 * May the ICMP stream count per destination (stackmodel_idslot())?
 * Only where nmap's SS test has nothing to compare it with: when the
 * TCP IDs are not incremental (Linux's TI=Z), a counter per peer is
 * what nmap's II test sees anyway, its two pings coming from one
 * address.
 */
int
pers_ipid_perdst(const struct pers_plan *p)
{
	return (p->idctr[PST_ICMP] == 2 && !incremental(p->idcls[PST_TCP]));
}

/* The next ID of stream s from counter c, a destination's own. */
uint16_t
pers_ipid_step(uint16_t *c, const struct pers_plan *p, enum pers_stream s,
    struct fprng *r)
{
	return (ipid_step(c, p->idcls[s], p->idval[s], r));
}
