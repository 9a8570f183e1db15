/*
 * Unit tests for the personality's clocks (honeyd/pers_seq.c) and the
 * plans they follow (honeyd/pers_plan.c): generated ISNs, IP IDs and
 * timestamps, measured the way nmap's book (chapter 8) defines GCD,
 * ISR, SP, TI/CI/II, SS and TS, must fall where the fingerprint says.
 * Also: plans are stable for a seed and differ between seeds; the
 * CRC-32 forger behind RST data (RD).
 *
 * Every fingerprint of the shipped nmap.prints is checked; with
 * PERS_SEQ_DB=path (e.g. /usr/share/nmap/nmap-os-db) a whole database
 * is measured as well and the share that comes out exact is printed.
 */

#include <sys/types.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fingerprint.h"
#include "pers.h"
#include "unit.h"

#define TCP_OPT_LEN_MAX	40

#define SEEDS		8
#define NMAP_JITTER_US	240	/* nmap: gaps of 100 ms, sd 0.1 ms */
#define WIRE_JITTER_US	850	/* our receive latency: sd 0.25 ms */

struct result {
	int	 seq_ok, seq_n;
	int	 ipid_ok, ipid_n;
	int	 ts_ok, ts_n;
};

static int	 ipid_class(const uint16_t *, int, char *, size_t);
static int	 ts_class(const uint32_t *, const double *, int, char *,
		    size_t);
static int	 incremental(const char *);
static int	 attr_ok(const struct fingerprint *, u_int, const char *);
static void	 measure_fp(const struct fingerprint *, uint64_t,
		    struct result *, int);
static void	 test_crc(void);
static void	 test_measure(void);
static void	 test_stable(const struct fpdb *);
static void	 test_ipid_classes(void);
static void	 run_db(const char *, int, double);
static void	 test_opts(void);
static void	 test_gen1(void);

/* nmap's IP ID classification of n samples; "" when it omits it. */
static int
ipid_class(const uint16_t *id, int n, char *buf, size_t size)
{
	uint16_t	 d[16];
	int		 i, allzero = 1, alleq = 1, k = 1, j = 1;

	for (i = 1; i < n; i++) {
		if (id[i - 1] != 0 || id[i] != 0)
			allzero = 0;
		d[i - 1] = id[i] - id[i - 1];
		if (n > 2 && d[i - 1] > 20000)
			return (snprintf(buf, size, "RD"));
	}
	if (allzero)
		return (snprintf(buf, size, "Z"));
	for (i = 0; i < n - 1; i++)
		if (d[i] != 0)
			alleq = 0;
	if (alleq)
		return (snprintf(buf, size, "%X", id[0]));
	for (i = 0; i < n - 1; i++)
		if (d[i] > 1000 && (d[i] % 256 != 0 || d[i] >= 25600))
			return (snprintf(buf, size, "RI"));
	for (i = 0; i < n - 1; i++) {
		if (d[i] > 5120 || d[i] % 256 != 0)
			k = 0;
		if (d[i] > 9)
			j = 0;
	}
	if (k)
		return (snprintf(buf, size, "BI"));
	if (j)
		return (snprintf(buf, size, "I"));
	buf[0] = '\0';
	return (0);
}

/* nmap's TS value from timestamps taken at t[i] seconds. */
static int
ts_class(const uint32_t *ts, const double *t, int n, char *buf, size_t size)
{
	double		 hz = 0;
	uint32_t	 d, v;
	int		 i;

	for (i = 0; i < n; i++)
		if (ts[i] == 0)
			return (snprintf(buf, size, "0"));
	for (i = 0; i < n - 1; i++) {
		d = ts[i + 1] - ts[i];
		if (d > 0x80000000U)
			d = -d;
		hz += d / (t[i + 1] - t[i]) / (n - 1);
	}
	if (hz <= 0) {
		buf[0] = '\0';
		return (0);
	}
	if (hz <= 5.66)
		v = 1;
	else if (hz > 70 && hz <= 150)
		v = 7;
	else if (hz > 150 && hz <= 350)
		v = 8;
	else
		v = 0.5 + log2(hz);
	return (snprintf(buf, size, "%X", v));
}

static int
incremental(const char *c)
{
	return (strcmp(c, "I") == 0 || strcmp(c, "BI") == 0 ||
	    strcmp(c, "RI") == 0);
}

static int
attr_ok(const struct fingerprint *fp, u_int a, const char *v)
{
	const struct fpexpr	*e = fingerprint_attr(fp, FPT_SEQ, a);

	return (e == NULL || fpexpr_match(e, v));
}

/*
 * One host with this fingerprint and seed meets nmap's probes: six SEQ
 * SYNs 100 ms apart (ISNs, IP IDs, timestamps), two echo requests,
 * the U1 error, ECN, T2-T4, and T5-T7 25 ms apart.
 */
static void
measure_fp(const struct fingerprint *fp, uint64_t seed, struct result *res,
    int verbose)
{
	struct pers_plan	 p;
	struct pers_isn		 g;
	struct pers_seqstat	 st;
	struct fprng		 r;
	uint32_t		 isn[6], ts[6];
	uint16_t		 ctr[PST_MAX], tid[6], iid[2], cid[3];
	double			 t[6];
	uint64_t		 now = 1000000000ULL, start;
	char			 v[3][16], buf[16];
	int			 i, ok;

	pers_plan_derive(&p, fp, seed);
	fprng_seed(&r, seed);
	pers_isn_init(&g, &p, &r);
	pers_ipid_init(ctr, &p, &r);
	/* A host that has been talking for a while: pings, resets. */
	for (i = fprng_uniform(&r, 60); i > 0; i--) {
		(void)pers_ipid_next(ctr, &p, PST_ICMP, &r);
		(void)pers_ipid_next(ctr, &p, i % 3 ? PST_TCP : PST_CLOSED,
		    &r);
	}
	/* The port scan before: two SYNs at once, a while earlier. */
	(void)pers_isn_next(&g, &p, now, &r);
	(void)pers_isn_next(&g, &p, now + 20, &r);
	start = now + 400000;
	for (i = 0; i < 6; i++) {
		/* nmap's sends wander; the wire adds a little latency. */
		t[i] = i * 0.1 + fprng_uniform(&r, NMAP_JITTER_US) / 1e6;
		now = start + t[i] * 1e6 + fprng_uniform(&r, WIRE_JITTER_US);
		isn[i] = pers_isn_next(&g, &p, now, &r);
		if (i > 0)
			isn[i] = pers_isn_seqprobe(&g, &p, i + 1);
		else
			pers_ipid_seqstart(ctr, &p, &r);
		ts[i] = pers_ts_clock(&p, 12345, 0, now);
		tid[i] = pers_ipid_next(ctr, &p, PST_TCP, &r);
	}
	for (i = 0; i < 2; i++)
		iid[i] = pers_ipid_next(ctr, &p, PST_ICMP, &r);
	(void)pers_ipid_next(ctr, &p, PST_ICMP, &r);	/* U1 */
	for (i = 0; i < 4; i++)			/* ECN, T2-T4 */
		(void)pers_ipid_next(ctr, &p, PST_TCP, &r);
	for (i = 0; i < 3; i++)
		cid[i] = pers_ipid_next(ctr, &p, PST_CLOSED, &r);

	if (fingerprint_attr(fp, FPT_SEQ, FP_SEQ_ISR) != NULL &&
	    pers_seq_measure(isn, t, 6, &st) == 0) {
		res->seq_n++;
		snprintf(v[0], 16, "%X", st.gcd);
		snprintf(v[1], 16, "%X", st.isr);
		snprintf(v[2], 16, "%X", st.sp);
		ok = attr_ok(fp, FP_SEQ_GCD, v[0]) &&
		    attr_ok(fp, FP_SEQ_ISR, v[1]) &&
		    attr_ok(fp, FP_SEQ_SP, v[2]);
		res->seq_ok += ok;
		if (!ok && verbose)
			printf("  SEQ %s: GCD=%s ISR=%s SP=%s, want %s %s %s\n",
			    fingerprint_name(fp), v[0], v[1], v[2],
			    fingerprint_attr(fp, FPT_SEQ, FP_SEQ_GCD)->raw,
			    fingerprint_attr(fp, FPT_SEQ, FP_SEQ_ISR)->raw,
			    fingerprint_attr(fp, FPT_SEQ, FP_SEQ_SP) ?
			    fingerprint_attr(fp, FPT_SEQ, FP_SEQ_SP)->raw : "-");
	}
	if (fingerprint_attr(fp, FPT_SEQ, FP_SEQ_TI) != NULL) {
		res->ipid_n++;
		ipid_class(tid, 6, v[0], 16);
		ipid_class(iid, 2, v[1], 16);
		ipid_class(cid, 3, v[2], 16);
		ok = attr_ok(fp, FP_SEQ_TI, v[0]) &&
		    attr_ok(fp, FP_SEQ_II, v[1]) &&
		    attr_ok(fp, FP_SEQ_CI, v[2]);
		/* SS, when both classes are incremental. */
		if (incremental(v[0]) && incremental(v[1])) {
			strlcpy(buf, (int)iid[0] < (int)tid[5] + 3 *
			    (((int)tid[5] - (int)tid[0]) / 5) ? "S" : "O",
			    sizeof(buf));
			ok = ok && attr_ok(fp, FP_SEQ_SS, buf);
		}
		res->ipid_ok += ok;
		if (!ok && verbose)
			printf("  IPID %s: TI=%s II=%s CI=%s (tcp %u..%u icmp "
			    "%u %u)\n", fingerprint_name(fp), v[0], v[1], v[2],
			    tid[0], tid[5], iid[0], iid[1]);
	}
	if (fingerprint_attr(fp, FPT_SEQ, FP_SEQ_TS) != NULL &&
	    p.ts != PTS_NONE) {
		res->ts_n++;
		ts_class(ts, t, 6, v[0], 16);
		ok = attr_ok(fp, FP_SEQ_TS, v[0]);
		res->ts_ok += ok;
		if (!ok && verbose)
			printf("  TS %s: TS=%s\n", fingerprint_name(fp), v[0]);
	}
}

static void
test_crc(void)
{
	static const uint32_t	 want[] = { 0, 0xBD1AB510, 0xE44A4E43,
	    0xEA6C967D, 0xFFFFFFFF, 0x12345678 };
	uint8_t			 b[4];
	u_int			 i;

	/* The check value of CRC-32: "123456789". */
	CHECK(pers_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		pers_crc32_forge(want[i], b);
		CHECK(pers_crc32(b, 4) == want[i]);
	}
}

/* nmap's formulas on numbers worked by hand. */
static void
test_measure(void)
{
	struct pers_seqstat	 st;
	uint32_t		 isn[6] = { 1000, 2000, 3000, 4000, 5000,
	    6000 };
	uint32_t		 isn2[6] = { 0, 64000, 128000, 256000,
	    320000, 448000 };
	double			 t[6] = { 0, 0.1, 0.2, 0.3, 0.4, 0.5 };

	/* 10000 a second, no spread: ISR round(8 log2 10000) = 106. */
	CHECK(pers_seq_measure(isn, t, 6, &st) == 0);
	CHECK(st.gcd == 1000 && st.isr == 106 && st.sp == 0);
	/* Steps 1, 1, 2, 1, 2 of 64000: rates/gcd 10,10,20,10,20. */
	CHECK(pers_seq_measure(isn2, t, 6, &st) == 0);
	CHECK(st.gcd == 64000);
	CHECK(st.sp == (uint32_t)(8 * log2(sqrt(120.0 / 4)) + 0.5));
	/* Constant: no verdict. */
	memset(isn, 0, sizeof(isn));
	CHECK(pers_seq_measure(isn, t, 6, &st) == -1);
}

/* A plan is a function of fingerprint and seed. */
static void
test_stable(const struct fpdb *db)
{
	struct pers_plan	 a, b;
	const struct fingerprint *fp;
	int			 differ = 0, n;
	uint64_t		 s;

	for (n = 0; n < (int)fpdb_count(db); n++) {
		fp = fpdb_nth(db, n);
		pers_plan_derive(&a, fp, 42);
		pers_plan_derive(&b, fp, 42);
		CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	}
	/* Linux picks ISR, SP and TTL from ranges: hosts differ. */
	fp = fpdb_find(db, "Linux 4.4");
	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	pers_plan_derive(&a, fp, 1);
	for (s = 2; s < 20; s++) {
		pers_plan_derive(&b, fp, s);
		differ += memcmp(&a, &b, sizeof(a)) != 0;
	}
	CHECK(differ > 10);
}

/* Each IP ID generator, alone, measures as its class. */
static void
test_ipid_classes(void)
{
	static const struct {
		int		 cls;
		const char	*want;
	} c[] = {
		{ PID_Z, "Z" }, { PID_I, "I" }, { PID_BI, "BI" },
		{ PID_RI, "RI" }, { PID_RD, "RD" },
	};
	struct pers_plan	 p;
	struct fprng		 r;
	uint16_t		 ctr[PST_MAX], id[6];
	char			 buf[16];
	u_int			 i, k, s;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		for (s = 0; s < 200; s++) {
			memset(&p, 0, sizeof(p));
			p.idcls[PST_TCP] = c[i].cls;
			fprng_seed(&r, s);
			pers_ipid_init(ctr, &p, &r);
			ctr[0] = fprng_next(&r);	/* wraps too */
			for (k = 0; k < 6; k++)
				id[k] = pers_ipid_next(ctr, &p, PST_TCP, &r);
			ipid_class(id, 6, buf, sizeof(buf));
			if (strcmp(buf, c[i].want) != 0)
				break;
		}
		CHECK(s == 200);
	}
}

/*
 * ICMP's IDs may count per destination (a Linux host's echo replies,
 * stackmodel_idslot()) only where nmap's SS test has no TCP sequence
 * to compare them with: TI=Z.  Then the destination's own counter
 * steps as II says.
 */
static void
test_ipid_perdst(void)
{
	struct pers_plan	 p;
	struct fprng		 r;
	uint16_t		 c = 65535;

	fprng_seed(&r, 1);
	memset(&p, 0, sizeof(p));
	p.idcls[PST_TCP] = PID_Z;
	p.idcls[PST_ICMP] = PID_I;
	p.idctr[PST_ICMP] = 2;
	CHECK(pers_ipid_perdst(&p) == 1);
	CHECK(pers_ipid_step(&c, &p, PST_ICMP, &r) == 0);
	CHECK(pers_ipid_step(&c, &p, PST_ICMP, &r) == 1);
	p.idcls[PST_ICMP] = PID_BI;
	CHECK(pers_ipid_step(&c, &p, PST_ICMP, &r) == 257);
	/* TI=I: SS compares ICMP's IDs with TCP's, one counter stays. */
	p.idcls[PST_TCP] = PID_I;
	CHECK(pers_ipid_perdst(&p) == 0);
	p.idctr[PST_ICMP] = 0;
	CHECK(pers_ipid_perdst(&p) == 0);
}

/* Option strings into bytes, and leaving out what a peer lacked. */
static void
test_opts(void)
{
	static const uint8_t	 all[] = { 2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3,
	    3, 7, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7 };
	static const uint8_t	 some[] = { 2, 4, 0x05, 0x78, 1, 1, 8, 10, 0,
	    0, 0, 9, 0, 0, 0, 7 };
	static const uint8_t	 t10[] = { 8, 10, 0, 0, 0, 9, 0, 0, 0, 0, 0 };
	uint8_t			 b[TCP_OPT_LEN_MAX];
	const char		*s = "M5B4NNSNW7NNT11";
	size_t			 n;
	int			 ws = -1, ts = 0;

	n = pers_tcpopts_build(s, strlen(s), b, sizeof(b), -1, 9, 7, 0, &ws,
	    &ts);
	CHECK(n == sizeof(all) && memcmp(b, all, n) == 0);
	CHECK(ws == 7 && ts == 1);
	/* A peer offering MSS 1400 and timestamps only; MSS echoed. */
	ws = -1;
	ts = 0;
	n = pers_tcpopts_build(s, strlen(s), b, sizeof(b), 0x01 | 0x08, 9, 7,
	    0x578, &ws, &ts);
	CHECK(n == sizeof(some) && memcmp(b, some, n) == 0);
	CHECK(ws == -1 && ts == 1);
	/* T10: no echo; L: an explicit end of options. */
	n = pers_tcpopts_build("T10L", 4, b, sizeof(b), -1, 9, 7, 0, &ws, &ts);
	CHECK(n == sizeof(t10) && memcmp(b, t10, n) == 0);
	/* Too long for a header: cut at 40 bytes, never beyond. */
	n = pers_tcpopts_build("T11T11T11T11T11", 15, b, sizeof(b), -1, 1, 1,
	    0, &ws, &ts);
	CHECK(n == 40);
}

/*
 * A first-generation fingerprint (the Honeyd paper's IRIX) drives the
 * same machinery: T1-T7 from the old lines, TSeq's class and TS.
 */
static void
test_gen1(void)
{
	static const char	 irix[] =
	    "Fingerprint IRIX 6.5.15m on SGI O2\n"
	    "TSeq(Class=TD%gcd=<104%SI=<1AE%IPID=I%TS=2HZ)\n"
	    "T1(DF=N%W=EF2A%ACK=S++%Flags=AS%Ops=MNWNNTNNM)\n"
	    "T2(Resp=Y%DF=N%W=0%ACK=S%Flags=AR%Ops=)\n"
	    "T3(Resp=Y%DF=N%W=EF2A%ACK=O%Flags=A%Ops=NNT)\n"
	    "T4(DF=N%W=0%ACK=O%Flags=R%Ops=)\n"
	    "T5(DF=N%W=0%ACK=S++%Flags=AR%Ops=)\n"
	    "T6(DF=N%W=0%ACK=O%Flags=R%Ops=)\n"
	    "T7(DF=N%W=0%ACK=S%Flags=AR%Ops=)\n"
	    "PU(Resp=N)\n";
	struct fpdb		*db;
	const struct fingerprint *fp;
	struct pers_plan	 p;
	struct result		 res;

	db = fpdb_load_buffer("irix", irix, sizeof(irix) - 1);
	CHECK(db != NULL);
	if (db == NULL || (fp = fpdb_nth(db, 0)) == NULL)
		return;
	pers_plan_derive(&p, fp, 7);
	CHECK(p.seqwin[0] == 0xEF2A && p.seq_r == 1);
	CHECK(p.resp[PR_IDX(FPT_T1)].flags == (0x10 | 0x02));
	CHECK(p.resp[PR_IDX(FPT_T1)].df == 0);
	CHECK(p.resp[PR_IDX(FPT_T2)].r == 1 &&
	    p.resp[PR_IDX(FPT_T2)].a == PA_S);
	CHECK(p.resp[PR_IDX(FPT_T3)].flags == 0x10 &&
	    p.resp[PR_IDX(FPT_T3)].win == 0xEF2A);
	CHECK(p.resp[PR_IDX(FPT_T7)].a == PA_S);
	CHECK(p.u1_r == 0);
	CHECK(p.idcls[PST_TCP] == PID_I);
	CHECK(p.ts == PTS_CLOCK && p.ts_hz == 2);
	CHECK(p.gcd > 0 && p.gcd < 0x104 && !p.isn_random);
	memset(&res, 0, sizeof(res));
	measure_fp(fp, 7, &res, 1);
	CHECK(res.seq_n == 0 && res.ts_n == 1 && res.ts_ok == 1);
	CHECK(res.ipid_n == 1 && res.ipid_ok == 1);
	fpdb_free(db);
}

/*
 * No line says what options a SYN+ACK carries (OPS, ECN and T3 are
 * R=N) but SEQ measured a timestamp rate: the SYN+ACKs carry one, as
 * the Hirschmann L2E's do; with TS=U they carry none.  A racing clock
 * (TS=22 only) aims at the middle of what rounds to 22.
 */
static void
test_tsonly(void)
{
	static const char	 prints[] =
	    "Fingerprint TS three\n"
	    "SEQ(SP=7E-88%GCD=1-6%ISR=96-A0%TI=I%CI=I%TS=3)\n"
	    "OPS(R=N)\nWIN(R=N)\nECN(R=N)\n"
	    "T1(R=Y%DF=Y%T=3B-45%TG=40%S=O%A=S+%F=AS%RD=0%Q=)\n"
	    "T3(R=N)\n"
	    "Fingerprint TS none\n"
	    "SEQ(SP=7E-88%GCD=1-6%ISR=96-A0%TI=I%CI=I%TS=U)\n"
	    "OPS(R=N)\nWIN(R=N)\nECN(R=N)\n"
	    "T1(R=Y%DF=Y%T=3B-45%TG=40%S=O%A=S+%F=AS%RD=0%Q=)\n"
	    "T3(R=N)\n"
	    "Fingerprint TS racing\n"
	    "SEQ(SP=FE-10D%GCD=1-6%ISR=104-110%TI=RD%II=RI%TS=22)\n"
	    "OPS(O1=M5B4NNSNW0NNT11)\n";
	struct fpdb		*db;
	struct pers_plan	 p;

	db = fpdb_load_buffer("tsonly", prints, sizeof(prints) - 1);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	pers_plan_derive(&p, fpdb_find(db, "TS three"), 3);
	CHECK(p.seqops[0].test == PERS_OPS_TS && p.seqops[0].alt == 0 &&
	    p.seqops[5].test == PERS_OPS_TS);
	CHECK(p.ts == PTS_CLOCK);
	pers_plan_derive(&p, fpdb_find(db, "TS none"), 3);
	CHECK(p.seqops[0].alt == PERS_NONE && p.ts == PTS_NONE);
	pers_plan_derive(&p, fpdb_find(db, "TS racing"), 3);
	CHECK(p.ts == PTS_CLOCK && p.ts_hz == exp2(0x22));
	fpdb_free(db);
}

/* Measure every fingerprint of a file; require a share exact. */
static void
run_db(const char *path, int verbose, double need)
{
	struct fpdb		*db;
	struct result		 res;
	size_t			 i;
	int			 s;

	if (access(path, R_OK) == -1) {
		SKIP("no fingerprint file here; run from the top of the tree");
		return;
	}
	if ((db = fpdb_load(path)) == NULL) {
		CHECK(db != NULL);
		return;
	}
	memset(&res, 0, sizeof(res));
	for (i = 0; i < fpdb_count(db); i++)
		for (s = 0; s < SEEDS; s++)
			measure_fp(fpdb_nth(db, i), i * 1000 + s, &res,
			    verbose && s == 0);
	printf("%s: SEQ %d/%d, IP ID %d/%d, TS %d/%d measure as written\n",
	    path, res.seq_ok, res.seq_n, res.ipid_ok, res.ipid_n, res.ts_ok,
	    res.ts_n);
	CHECK(res.seq_ok >= need * res.seq_n);
	CHECK(res.ipid_ok >= need * res.ipid_n);
	CHECK(res.ts_ok >= need * res.ts_n);
	if (strcmp(path, "nmap.prints") == 0)
		test_stable(db);
	fpdb_free(db);
}

int
main(void)
{
	const char	*db = getenv("PERS_SEQ_DB");

	test_crc();
	test_measure();
	test_ipid_classes();
	test_ipid_perdst();
	test_opts();
	test_gen1();
	test_tsonly();
	/*
	 * A few fingerprints ask for less ISN spread than the timing of
	 * nmap's probes lets anyone show (see PERS_JITTER).
	 */
	run_db("nmap.prints", 1, 0.98);
	if (db != NULL)
		run_db(db, getenv("PERS_SEQ_VERBOSE") != NULL, 0.95);
	return (unit_done());
}
