/*
 * Unit tests for honeyd/fingerprint.c: both file generations, lookup,
 * the canonical printout, and picking from real fingerprints.
 *
 * usage: test_fingerprint [nmap.prints [nmap-os-db]]
 * Defaults: ./nmap.prints (run from the top of the tree) and
 * /usr/share/nmap/nmap-os-db; a file that is missing is skipped.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "unit.h"

#define NMAP_OS_DB	"/usr/share/nmap/nmap-os-db"
/* Entries in the nmap-os-db of Debian 12 (nmap 7.93). */
#define NMAP_OS_DB_N	5678

/* The Honeyd paper's example, blank lines and all, as the paper prints it. */
static const char irix[] =
    "Fingerprint IRIX 6.5.15m on SGI O2\n"
    "\n"
    "TSeq(Class=TD%gcd=<104%SI=<1AE%IPID=I%TS=2HZ)\n"
    "\n"
    "T1(DF=N%W=EF2A%ACK=S++%Flags=AS%Ops=MNWNNTNNM)\n"
    "\n"
    "T2(Resp=Y%DF=N%W=0%ACK=S%Flags=AR%Ops=)\n"
    "\n"
    "T3(Resp=Y%DF=N%W=EF2A%ACK=O%Flags=A%Ops=NNT)\n"
    "\n"
    "T4(DF=N%W=0%ACK=O%Flags=R%Ops=)\n"
    "\n"
    "T5(DF=N%W=0%ACK=S++%Flags=AR%Ops=)\n"
    "\n"
    "T6(DF=N%W=0%ACK=O%Flags=R%Ops=)\n"
    "\n"
    "T7(DF=N%W=0%ACK=S%Flags=AR%Ops=)\n"
    "\n"
    "PU(Resp=N)\n";

static char	 lastmsg[1024];
static int	 nmsgs;

static void	 msgs_start(void);
static void	 msgs_stop(void);
static struct fpdb *load_buf(const char *, const char *, size_t);
static struct fpdb *load_file(const char *);
static double	 now_ms(void);
static char	*slurp(const char *, size_t *);
static char	*print_fp(const struct fingerprint *, size_t *);
static char	*print_db(const struct fpdb *, size_t *);
static struct fpdb *load_str(const char *);
static const char *raw(const struct fingerprint *, enum fp_test, u_int);
static const char *g1raw(const struct fingerprint *, enum fp_g1test, u_int);
static int	 roundtrip(const struct fingerprint *);
static int	 picks_match(const struct fingerprint *, int);
static void	 test_irix(void);
static void	 test_g1_pu(void);
static void	 expect_error(const char *, const char *);
static void	 expect_warning(const char *, const char *, size_t);
static void	 test_errors(void);
static void	 test_lookup(void);
static void	 test_full_db(const char *);
static void	 test_prints(const char *);

/*
 * A load's messages are what honeyd -n prints on stderr: each load below
 * sends stderr to a file, then counts its lines and keeps the last.
 */
static FILE	*msgs;
static int	 msgs_fd = -1;

static void
msgs_start(void)
{
	fflush(stderr);
	if ((msgs = tmpfile()) == NULL || (msgs_fd = dup(2)) == -1 ||
	    dup2(fileno(msgs), 2) == -1) {
		perror("capture stderr");
		exit(1);
	}
}

static void
msgs_stop(void)
{
	char	 line[sizeof(lastmsg)];

	fflush(stderr);
	dup2(msgs_fd, 2);
	close(msgs_fd);
	rewind(msgs);
	nmsgs = 0;
	lastmsg[0] = '\0';
	while (fgets(line, sizeof(line), msgs) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		strlcpy(lastmsg, line, sizeof(lastmsg));
		nmsgs++;
	}
	fclose(msgs);
}

static struct fpdb *
load_buf(const char *name, const char *buf, size_t len)
{
	struct fpdb	*db;

	msgs_start();
	db = fpdb_load_buffer(name, buf, len);
	msgs_stop();
	return (db);
}

static struct fpdb *
load_file(const char *path)
{
	struct fpdb	*db;

	msgs_start();
	db = fpdb_load(path);
	msgs_stop();
	return (db);
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 || (buf = malloc(n + 1)) == NULL) {
		fclose(f);
		return (NULL);
	}
	*len = fread(buf, 1, n, f);
	buf[*len] = '\0';
	fclose(f);
	return (buf);
}

static char *
print_fp(const struct fingerprint *fp, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;

	if ((f = open_memstream(&buf, len)) == NULL)
		return (NULL);
	fingerprint_print_entry(f, fp);
	fclose(f);
	return (buf);
}

static char *
print_db(const struct fpdb *db, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 i;

	if ((f = open_memstream(&buf, len)) == NULL)
		return (NULL);
	for (i = 0; i < fpdb_count(db); i++) {
		if (i > 0)
			fputc('\n', f);
		fingerprint_print_entry(f, fpdb_nth(db, i));
	}
	fclose(f);
	return (buf);
}

static struct fpdb *
load_str(const char *s)
{
	return (load_buf("t.prints", s, strlen(s)));
}

/* An attribute's text, "-" when the fingerprint does not check it. */
static const char *
raw(const struct fingerprint *fp, enum fp_test t, u_int a)
{
	const struct fpexpr	*e = fingerprint_attr(fp, t, a);

	return (e != NULL ? e->raw : "-");
}

static const char *
g1raw(const struct fingerprint *fp, enum fp_g1test t, u_int a)
{
	const struct fpexpr	*e = fingerprint_g1attr(fp, t, a);

	return (e != NULL ? e->raw : "-");
}

/* print -> parse -> print gives the same bytes and the same entry. */
static int
roundtrip(const struct fingerprint *fp)
{
	const struct fingerprint *fp2;
	struct fpdb	*db;
	char		*a, *b = NULL;
	size_t		 alen, blen = 0;
	int		 ok = 0;

	if ((a = print_fp(fp, &alen)) == NULL)
		return (0);
	if ((db = load_buf("roundtrip", a, alen)) != NULL &&
	    fpdb_count(db) == 1 && (fp2 = fpdb_nth(db, 0)) != NULL &&
	    (b = print_fp(fp2, &blen)) != NULL)
		ok = alen == blen && memcmp(a, b, alen) == 0 &&
		    strcmp(fp->name, fp2->name) == 0 && fp->gen == fp2->gen;
	if (!ok)
		fprintf(stderr, "roundtrip failed: %s\n", fp->name);
	free(a);
	free(b);
	fpdb_free(db);
	return (ok);
}

/* Every checked attribute: a picked value satisfies the expression. */
static int
picks_match(const struct fingerprint *fp, int nseeds)
{
	const struct fpexpr	*e;
	struct fprng		 r;
	char			 buf[FPX_MAXLEN + 1];
	u_int			 t, a;
	int			 seed, flags;

	for (t = 0; t < FPT_MAX; t++) {
		if (fp->test[t] == NULL)
			continue;
		for (a = 0; a < fp->test[t]->nattr; a++) {
			if ((e = fp->test[t]->v[a]) == NULL)
				continue;
			flags = fp_pick_flags(t, a);
			for (seed = 0; seed < nseeds; seed++) {
				fprng_seed(&r, seed ^ (t << 20) ^ (a << 24));
				if (fpexpr_pick_str(e, &r, flags, buf,
				    sizeof(buf)) == -1 ||
				    !fpexpr_match(e, buf)) {
					fprintf(stderr, "%s: %s attribute %u=%s: "
					    "picked %s\n", fp->name,
					    fp_test_name(t), a, e->raw, buf);
					return (0);
				}
			}
		}
	}
	return (1);
}

static void
test_irix(void)
{
	const struct fingerprint *fp;
	struct fpdb	*db;
	char		*out;
	size_t		 len;

	if ((db = load_str(irix)) == NULL) {
		CHECK(db != NULL);
		return;
	}
	CHECK(nmsgs == 0);
	CHECK(fpdb_count(db) == 1);
	fp = fpdb_find(db, "IRIX 6.5.15m on SGI O2");
	CHECK(fp != NULL);
	if (fp == NULL) {
		fpdb_free(db);
		return;
	}
	CHECK(fp->gen == 1);
	CHECK(fp->nmeta == 0);
	/* Kept as written... */
	CHECK(strcmp(g1raw(fp, G1_TSEQ, FP_G1S_CLASS), "TD") == 0);
	CHECK(strcmp(g1raw(fp, G1_TSEQ, FP_G1S_SI), "<1AE") == 0);
	CHECK(strcmp(g1raw(fp, G1_T1, FP_G1T_OPS), "MNWNNTNNM") == 0);
	CHECK(strcmp(g1raw(fp, G1_T1, FP_G1T_RESP), "-") == 0);
	CHECK(strcmp(g1raw(fp, G1_PU, FP_G1U_RESP), "N") == 0);
	/* ...and mapped onto the current tests. */
	CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_GCD), "<104") == 0);
	CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_TI), "I") == 0);
	CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_TS), "1") == 0);
	CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_SP), "-") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_R), "Y") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_DF), "N") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_W), "EF2A") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_A), "S+") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_F), "AS") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_O), "M5B4NW0NNT11NNM5B4") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_S), "-") == 0);
	CHECK(strcmp(raw(fp, FPT_T2, FP_T_O), "") == 0);
	CHECK(strcmp(raw(fp, FPT_T3, FP_T_A), "O") == 0);
	CHECK(strcmp(raw(fp, FPT_T3, FP_T_O), "NNT11") == 0);
	CHECK(strcmp(raw(fp, FPT_T4, FP_T_F), "R") == 0);
	CHECK(strcmp(raw(fp, FPT_T7, FP_T_A), "S") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_R), "N") == 0);
	CHECK(strcmp(raw(fp, FPT_OPS, FP_OPS_O1), "M5B4NW0NNT11NNM5B4") == 0);
	CHECK(strcmp(raw(fp, FPT_OPS, FP_OPS_O6), "M5B4NW0NNT11NNM5B4") == 0);
	CHECK(strcmp(raw(fp, FPT_WIN, FP_WIN_W3), "EF2A") == 0);
	CHECK(strcmp(raw(fp, FPT_OPS, FP_OPS_R), "-") == 0);
	CHECK(fp->test[FPT_ECN] == NULL && fp->test[FPT_IE] == NULL);
	CHECK(picks_match(fp, 200));

	/* Printed in its own generation's format, without the blanks. */
	if ((out = print_fp(fp, &len)) != NULL) {
		CHECK(strcmp(out, "Fingerprint IRIX 6.5.15m on SGI O2\n"
		    "TSeq(Class=TD%gcd=<104%SI=<1AE%IPID=I%TS=2HZ)\n"
		    "T1(DF=N%W=EF2A%ACK=S++%Flags=AS%Ops=MNWNNTNNM)\n"
		    "T2(Resp=Y%DF=N%W=0%ACK=S%Flags=AR%Ops=)\n"
		    "T3(Resp=Y%DF=N%W=EF2A%ACK=O%Flags=A%Ops=NNT)\n"
		    "T4(DF=N%W=0%ACK=O%Flags=R%Ops=)\n"
		    "T5(DF=N%W=0%ACK=S++%Flags=AR%Ops=)\n"
		    "T6(DF=N%W=0%ACK=O%Flags=R%Ops=)\n"
		    "T7(DF=N%W=0%ACK=S%Flags=AR%Ops=)\n"
		    "PU(Resp=N)\n") == 0);
		free(out);
	}
	CHECK(roundtrip(fp));
	fpdb_free(db);
}

/* A first-generation PU line, and old values with no new meaning. */
static void
test_g1_pu(void)
{
	const struct fingerprint *fp;
	struct fpdb	*db;

	db = load_str("Fingerprint Old box\n"
	    "Class Acme | Box | 1.X | general purpose\n"
	    "TSeq(Class=C%Val=1234%IPID=RPI|C%TS=100HZ|LINUX)\n"
	    "T1(DF=Y%W=0|FFFF%ACK=S++%Flags=BAS|AS%Ops=ME)\n"
	    "T5(Resp=N)\n"
	    "PU(DF=N%TOS=0%IPLEN=38%RIPTL=148%RID=E%RIPCK=F%UCK=0%ULEN=134"
	    "%DAT=E)\n");
	CHECK(db != NULL);
	if (db == NULL || (fp = fpdb_nth(db, 0)) == NULL) {
		fpdb_free(db);
		return;
	}
	CHECK(fp->gen == 1 && fp->nmeta == 1);
	CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_TI), "RI") == 0);
	CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_TS), "7") == 0);
	CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_GCD), "-") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_W), "0|FFFF") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_F), "AS") == 0);
	CHECK(strcmp(raw(fp, FPT_T1, FP_T_O), "M5B4M109") == 0);
	CHECK(strcmp(raw(fp, FPT_WIN, FP_WIN_W6), "0|FFFF") == 0);
	CHECK(strcmp(raw(fp, FPT_T5, FP_T_R), "N") == 0);
	CHECK(fp->test[FPT_T2] == NULL);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_R), "Y") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_DF), "N") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_IPL), "38") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_RIPL), "G") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_RID), "G") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_RIPCK), "I") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_RUCK), "0") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_RUD), "G") == 0);
	/* What has no modern slot stays reachable. */
	CHECK(strcmp(g1raw(fp, G1_PU, FP_G1U_TOS), "0") == 0);
	CHECK(strcmp(g1raw(fp, G1_PU, FP_G1U_ULEN), "134") == 0);
	CHECK(strcmp(g1raw(fp, G1_TSEQ, FP_G1S_VAL), "1234") == 0);
	CHECK(picks_match(fp, 100));
	CHECK(roundtrip(fp));
	fpdb_free(db);
}

/* Loading s fails, with a "t.prints:LINE: ..." message containing what. */
static void
expect_error(const char *s, const char *what)
{
	struct fpdb	*db;

	db = load_str(s);
	CHECK(db == NULL);
	CHECK(nmsgs > 0);
	if (strstr(lastmsg, what) == NULL) {
		fprintf(stderr, "expected \"%s\", got \"%s\"\n", what, lastmsg);
		CHECK(strstr(lastmsg, what) != NULL);
	}
	fpdb_free(db);
}

/* Loading s succeeds with n entries and a warning containing what. */
static void
expect_warning(const char *s, const char *what, size_t n)
{
	struct fpdb	*db;

	db = load_str(s);
	CHECK(db != NULL && fpdb_count(db) == n);
	CHECK(nmsgs > 0);
	if (strstr(lastmsg, what) == NULL) {
		fprintf(stderr, "expected \"%s\", got \"%s\"\n", what, lastmsg);
		CHECK(strstr(lastmsg, what) != NULL);
	}
	fpdb_free(db);
}

static void
test_errors(void)
{
	struct fpdb	*db;

	expect_error("Fingerprint X\nT1(R=Y%DF=Q)\n",
	    "t.prints:2: DF=Q: unknown value");
	expect_error("T1(R=Y)\n", "t.prints:1: test line outside");
	expect_error("Fingerprint X\nSEQ(SP=1\n", "t.prints:2: malformed");
	expect_error("Fingerprint X\nSEQ SP=1\n", "t.prints:2: malformed");
	expect_error("Fingerprint X\nSEQ(SP=1)x\n", "t.prints:2: malformed");
	expect_error("Fingerprint X\nClass a | b\nSEQ(SP=1)\n",
	    "t.prints:2: Class needs four fields");
	expect_error("Class a | b | c | d\n", "t.prints:1: Class outside");
	expect_error("Fingerprint X\nCPE\n", "t.prints:2: CPE without");
	expect_error("Fingerprint\n", "t.prints:1: Fingerprint without");
	expect_error("Fingerprint X\nSEQ(SP=1)\n\nSEQ(GCD=1)\n",
	    "t.prints:4: SEQ test repeated");
	expect_error("Fingerprint X\nSEQ(SP=1%SP=2)\n",
	    "t.prints:2: SEQ: attribute SP repeated");
	expect_error("Fingerprint X\nSEQ(SP=1%)\n",
	    "t.prints:2: SEQ: expected ATTR=VALUE");
	expect_error("Fingerprint X\nSEQ(SP)\n",
	    "t.prints:2: SEQ: expected ATTR=VALUE");
	expect_error("Fingerprint X\nSEQ(SP=3-1)\n",
	    "t.prints:2: SP=3-1: range is backwards");
	expect_error("Fingerprint X\nOPS(O1=M5B4X)\n",
	    "t.prints:2: O1=M5B4X: bad TCP option string");
	expect_error("Fingerprint X\nSEQ(SP=1)\nTSeq(Class=TD)\n",
	    "t.prints:3: TSeq: first- and second-generation");
	expect_error("Fingerprint X\nT1(Resp=Y)\nT2(R=Y)\n",
	    "t.prints:3: T2: first- and second-generation");
	/* A NUL byte: the length says where the buffer ends, not NUL. */
	{
		static const char	 nul[] =
		    "Fingerprint X\nSEQ(SP=1)\n\0\n";

		db = load_buf("t.prints", nul, sizeof(nul) - 1);
		CHECK(db == NULL && nmsgs == 1 &&
		    strstr(lastmsg, "t.prints:3: NUL byte") != NULL);
	}
	/* Errors are reported with the line of each file, every one. */
	db = load_str("Fingerprint X\nSEQ(SP=G)\nFingerprint Y\nSEQ(SP=H)\n");
	CHECK(db == NULL && nmsgs == 2);

	expect_warning("Fingerprint X\nFOO(A=1)\nSEQ(SP=1)\n",
	    "t.prints:2: unknown test FOO, ignored", 1);
	expect_warning("Fingerprint X\nSEQ(SP=1%XX=2)\n",
	    "t.prints:2: SEQ: unknown attribute XX, ignored", 1);
	expect_warning("Fingerprint X\nClass a | b | c | d\n"
	    "Fingerprint Y\nSEQ(SP=1)\n",
	    "t.prints:1: fingerprint X has no tests, skipped", 1);

	/* Nothing at all is a valid, empty database. */
	db = load_buf("empty", "", 0);
	CHECK(db != NULL && fpdb_count(db) == 0 && nmsgs == 0);
	if (db != NULL) {
		CHECK(fpdb_find(db, "X") == NULL);
		CHECK(fpdb_random(db, NULL) == NULL);
	}
	fpdb_free(db);

	CHECK(load_file("/nonexistent/nmap.prints") == NULL);
	CHECK(nmsgs == 1 && strstr(lastmsg, "/nonexistent/nmap.prints: ") ==
	    lastmsg);
	CHECK(load_file("/") == NULL);
}

static void
test_lookup(void)
{
	const struct fingerprint *fp, *a, *b;
	struct fpdb	*db;
	struct fprng	 r;
	struct fpval	 v;
	int		 i, ok = 1;

	db = load_str("# comment\n"
	    "  Fingerprint   Alpha 1  \n"
	    "Class A | Alpha || general purpose\n"
	    "CPE cpe:/o:a:alpha:1 auto\n"
	    "Class B & C | Beta | 2.X | router\n"
	    "SEQ(SP=0-5%GCD=1-6%ISR=96-A0%TI=I%TS=U)\r\n"
	    "OPS()\n"
	    "\n"
	    "Fingerprint Beta\n"
	    "T1(R=Y%DF=N%T=3B-45%TG=40%S=O%A=S+%F=AS%RD=0%Q=)\n"
	    "Fingerprint Alpha 1\n"
	    "T2(R=N)\n");
	CHECK(db != NULL);
	if (db == NULL)
		return;
	CHECK(fpdb_count(db) == 3);
	a = fpdb_find(db, "Alpha 1");
	CHECK(a != NULL && a == fpdb_nth(db, 0));
	CHECK(fpdb_find(db, "alpha 1") == NULL);
	CHECK(fpdb_find(db, "Alpha") == NULL);
	CHECK(fpdb_nth(db, 3) == NULL);
	CHECK(fpdb_check_name("Beta", db) == 0);
	CHECK(fpdb_check_name("Gamma", db) == -1);
	if (a != NULL) {
		CHECK(strcmp(fingerprint_name(a), "Alpha 1") == 0);
		CHECK(a->gen == 2 && a->lineno == 2 && a->nmeta == 3);
		CHECK(a->meta[0].type == FPM_CLASS &&
		    strcmp(a->meta[0].f[1], "Alpha") == 0 &&
		    strcmp(a->meta[0].f[2], "") == 0 &&
		    strcmp(a->meta[0].f[3], "general purpose") == 0);
		CHECK(a->meta[1].type == FPM_CPE &&
		    strcmp(a->meta[1].f[0], "cpe:/o:a:alpha:1 auto") == 0);
		CHECK(strcmp(a->meta[2].f[0], "B & C") == 0);
		/* OPS() is present but checks nothing. */
		CHECK(a->test[FPT_OPS] != NULL &&
		    a->test[FPT_OPS]->v[FP_OPS_O1] == NULL);
		CHECK(a->test[FPT_WIN] == NULL);
		CHECK(roundtrip(a));
		/* ISR aims at the middle of its range, SP may be anywhere. */
		for (i = 0; i < 1000; i++) {
			fprng_seed(&r, i);
			if (fingerprint_pick(a, FPT_SEQ, FP_SEQ_ISR, &r,
			    &v) == -1 || !v.isnum || v.num < 0x99 ||
			    v.num > 0x9D)
				ok = 0;
		}
		CHECK(ok);
		CHECK(fingerprint_pick(a, FPT_SEQ, FP_SEQ_SS, &r, &v) == -1);
		CHECK(fingerprint_pick(a, FPT_WIN, FP_WIN_W1, &r, &v) == -1);
		CHECK(fingerprint_attr(a, FPT_SEQ, 99) == NULL);
	}
	/* The same seed picks the same fingerprint. */
	fprng_seed(&r, 5);
	a = fpdb_random(db, &r);
	fprng_seed(&r, 5);
	b = fpdb_random(db, &r);
	CHECK(a != NULL && a == b);
	CHECK(fpdb_random(db, NULL) != NULL);

	fp = fpdb_find(db, "Beta");
	CHECK(fp != NULL && strcmp(raw(fp, FPT_T1, FP_T_Q), "") == 0);
	CHECK(fp != NULL && fp->nmeta == 0 && fp->meta == NULL);

	CHECK(strcmp(fp_test_name(FPT_U1), "U1") == 0);
	CHECK(fp_test_name(FPT_MAX) == NULL);
	fpdb_free(db);

	/* Attribute names reach their slots and types through the loader. */
	db = load_str("Fingerprint Attrs\n"
	    "SEQ(GCD=1-6%ISR=96-A0%TI=Z)\n"
	    "ECN(O=M5B4NW8)\n"
	    "T3(F=AS)\n"
	    "T4(RD=0)\n"
	    "U1(RIPCK=G%RUCK=G|>A)\n");
	CHECK(db != NULL);
	if (db == NULL)
		return;
	fp = fpdb_nth(db, 0);
	CHECK(strcmp(raw(fp, FPT_T4, FP_T_RD), "0") == 0);
	CHECK(strcmp(raw(fp, FPT_U1, FP_U1_RIPCK), "G") == 0);
	CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_ISR), "96-A0") == 0);
	CHECK(fingerprint_attr(fp, FPT_IE, FP_IE_MAX) == NULL);
	CHECK(fingerprint_attr(fp, FPT_SEQ, FP_SEQ_GCD)->type->base == FPX_NUM);
	CHECK(fingerprint_attr(fp, FPT_SEQ, FP_SEQ_TI)->type->base ==
	    FPX_NUMSYM);
	CHECK(fingerprint_attr(fp, FPT_T3, FP_T_F)->type->base == FPX_FLAGSET);
	CHECK(fingerprint_attr(fp, FPT_ECN, FP_ECN_O)->type->base ==
	    FPX_TCPOPTS);
	{
		const struct fpexpr	*e;

		e = fingerprint_attr(fp, FPT_U1, FP_U1_RUCK);
		CHECK(e != NULL && fpexpr_match(e, "G") &&
		    fpexpr_match(e, "B") && !fpexpr_match(e, "A"));
	}
	/* A name the test does not have is only a warning. */
	expect_warning("Fingerprint X\nSEQ(W=1%SP=1)\n",
	    "t.prints:2: SEQ: unknown attribute W, ignored", 1);
	fpdb_free(db);
}

/*
 * Five entries named X: two ignore pings, three answer them but each
 * its own way.  Attribute by attribute the two silent ones are the
 * majority, and entry 1 agrees with most of them; but most entries
 * answer, so the typical one must: entry 4 (DF=Y like most).
 */
static const char entries_prints[] =
    "Fingerprint X\n"
    "T1(R=Y%DF=Y%W=100)\n"
    "IE(R=N)\n"
    "Fingerprint X\n"
    "T1(R=Y%DF=Y%W=100)\n"
    "IE(R=N)\n"
    "Fingerprint Y\n"
    "T1(R=N)\n"
    "Fingerprint X\n"
    "T1(R=Y%DF=N%W=200)\n"
    "IE(DFI=N%T=40)\n"
    "Fingerprint X\n"
    "T1(R=Y%DF=Y%W=300)\n"
    "IE(DFI=Y%T=80)\n"
    "Fingerprint X\n"
    "T1(R=Y%DF=N%W=400)\n"
    "IE(DFI=S%T=FF)\n";

static int
conf_entry(struct fpdb *db, const char *text, u_int want)
{
	struct honeyd_config	*conf;
	struct template		*t;
	int			 ok;

	conf = config_parse_buffer("t.conf", text, strlen(text),
	    fpdb_check_name, db);
	if (conf == NULL)
		return (want == (u_int)-1);
	t = TAILQ_FIRST(&conf->tmpl_order);
	while (t != NULL && strcmp(t->name, "t") != 0)
		t = TAILQ_NEXT(t, order);
	ok = t != NULL && t->pers_entry == want;
	config_free(conf);
	return (ok);
}

static void
test_entries(void)
{
	const struct fingerprint *fp, *fp2;
	struct fpdb	*db, *db2;
	FILE		*f;
	char		*buf = NULL;
	size_t		 len;
	u_int		 i;

	db = load_str(entries_prints);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	fp = fpdb_find(db, "X");
	CHECK(fp != NULL && fp == fpdb_nth(db, 4) && fp->nth == 4 &&
	    fp->nsame == 5 && fp->typical);
	for (i = 1; i <= 5; i++) {
		fp2 = fpdb_find_entry(db, "X", i);
		CHECK(fp2 != NULL && fp2->nth == i &&
		    fp2 == fpdb_nth(db, i < 3 ? i - 1 : i) &&
		    fp2->typical == (i == 4));
	}
	CHECK(fpdb_find_entry(db, "X", 0) == fp);
	CHECK(fpdb_find_entry(db, "X", 6) == NULL);
	CHECK(fpdb_find_entry(db, "Z", 1) == NULL);
	CHECK(fpdb_entries(db, "X") == 5 && fpdb_entries(db, "Y") == 1 &&
	    fpdb_entries(db, "Z") == 0);
	fp2 = fpdb_find(db, "Y");
	CHECK(fp2 != NULL && fp2->nth == 1 && fp2->nsame == 1 &&
	    fp2->typical);

	/* Two chosen entries, as the engine gets them: found the same. */
	if ((f = open_memstream(&buf, &len)) != NULL) {
		fingerprint_print_entry(f, fpdb_find_entry(db, "X", 2));
		fingerprint_print_entry(f, fp);
		fingerprint_print_entry(f, fpdb_find(db, "Y"));
		fclose(f);
	}
	CHECK(buf != NULL && strstr(buf, "Fingerprint X\nEntry 2 of 5\n") &&
	    strstr(buf, "Fingerprint X\nEntry 4 of 5 typical\n") &&
	    strstr(buf, "Fingerprint Y\nT1(") != NULL);
	db2 = buf != NULL ? load_buf("engine", buf, len) : NULL;
	CHECK(db2 != NULL);
	if (db2 != NULL) {
		fp2 = fpdb_find(db2, "X");
		CHECK(fp2 != NULL && fp2 == fpdb_nth(db2, 1) && fp2->nth == 4);
		fp2 = fpdb_find_entry(db2, "X", 2);
		CHECK(fp2 != NULL && fp2 == fpdb_nth(db2, 0) &&
		    fp2->nsame == 5 && !fp2->typical);
		CHECK(fpdb_find_entry(db2, "X", 3) == NULL);
		fpdb_free(db2);
	}
	free(buf);

	/* Bad Entry lines fail the load. */
	CHECK(load_str("Fingerprint X\nEntry 0 of 2\nT2(R=N)\n") == NULL);
	CHECK(load_str("Fingerprint X\nEntry 3 of 2\nT2(R=N)\n") == NULL);
	CHECK(load_str("Fingerprint X\nEntry 1 of 2 best\nT2(R=N)\n") ==
	    NULL);
	CHECK(load_str("Fingerprint X\nEntry 1\nT2(R=N)\n") == NULL);
	CHECK(load_str("Fingerprint X\nEntry 1 of 2\nEntry 1 of 2\n"
	    "T2(R=N)\n") == NULL);
	CHECK(load_str("Entry 1 of 2\nFingerprint X\nT2(R=N)\n") == NULL);

	/* set T personality NAME entry N, checked against the file. */
	CHECK(conf_entry(db, "create t\nset t personality \"X\"\n", 0));
	CHECK(conf_entry(db, "create t\nset t personality \"X\" entry 5\n",
	    5));
	CHECK(conf_entry(db, "create t\nset t personality \"X\" entry 6\n",
	    (u_int)-1));
	CHECK(conf_entry(db, "create t\nset t personality \"X\" entry 0\n",
	    (u_int)-1));
	CHECK(conf_entry(db, "create t\nset t personality \"Y\" entry 2\n",
	    (u_int)-1));
	CHECK(conf_entry(db, "create t\nset t personality \"Y\" entry 1\n",
	    1));
	fpdb_free(db);
}

static void
test_full_db(const char *path)
{
	const struct fingerprint *fp, *first;
	struct fpdb	*db, *db2;
	char		*a, *b;
	size_t		 alen, blen, i, empty_ops = 0;
	double		 t0, ms;
	int		 ok = 1;

	if (access(path, R_OK) == -1) {
		MISSING("no nmap-os-db (package nmap)");
		return;
	}
	t0 = now_ms();
	db = load_file(path);
	ms = now_ms() - t0;
	CHECK(db != NULL);
	if (db == NULL)
		return;
	printf("load: %zu fingerprints from %s in %.1f ms\n",
	    fpdb_count(db), path, ms);
	CHECK(fpdb_count(db) == NMAP_OS_DB_N);
	CHECK(ms < 1000);

	fp = fpdb_nth(db, 0);
	CHECK(fp != NULL &&
	    strcmp(fp->name, "2N Helios IP VoIP doorbell") == 0);
	if (fp != NULL) {
		CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_GCD),
		    "51E80C|A3D018|F5B824|147A030|199883C") == 0);
		CHECK(strcmp(raw(fp, FPT_T2, FP_T_R), "N") == 0);
		CHECK(strcmp(raw(fp, FPT_T2, FP_T_DF), "-") == 0);
		CHECK(strcmp(raw(fp, FPT_U1, FP_U1_R), "-") == 0);
		CHECK(strcmp(raw(fp, FPT_IE, FP_IE_CD), "S") == 0);
		CHECK(fp->nmeta == 2 && fp->meta[0].type == FPM_CLASS &&
		    strcmp(fp->meta[0].f[0], "2N") == 0 &&
		    strcmp(fp->meta[1].f[0], "cpe:/h:2n:helios") == 0);
	}
	fp = fpdb_find(db, "Cisco 2500 router (IOS 11.1)");
	CHECK(fp != NULL);
	if (fp != NULL) {
		CHECK(fp->gen == 2);
		CHECK(strcmp(raw(fp, FPT_WIN, FP_WIN_W1), "860") == 0);
		CHECK(strcmp(raw(fp, FPT_OPS, FP_OPS_O3), "M218") == 0);
		CHECK(strcmp(raw(fp, FPT_ECN, FP_ECN_T), "100") == 0);
		CHECK(strcmp(raw(fp, FPT_T2, FP_T_A), "O|S") == 0);
		CHECK(strcmp(raw(fp, FPT_U1, FP_U1_IPL), "38") == 0);
		CHECK(strcmp(raw(fp, FPT_SEQ, FP_SEQ_TS), "U") == 0);
	}
	fp = fpdb_find(db, "2Wire BT2700HG-V ADSL modem");
	CHECK(fp != NULL && fpexpr_match_num(fingerprint_attr(fp, FPT_T4,
	    FP_T_RD), 0xE44A4E43));
	CHECK(fp != NULL && fpexpr_match(fingerprint_attr(fp, FPT_SEQ,
	    FP_SEQ_ISR), "9B"));
	/* Repeated names: lookup gives the most typical of them. */
	first = NULL;
	for (i = 0; i < fpdb_count(db); i++) {
		fp = fpdb_nth(db, i);
		if (first == NULL && strcmp(fp->name, "Linux 2.6.32") == 0)
			first = fp;
		if (fp->test[FPT_OPS] != NULL &&
		    fp->test[FPT_OPS]->v[FP_OPS_R] == NULL &&
		    fp->test[FPT_OPS]->v[FP_OPS_O1] == NULL)
			empty_ops++;
		if (fp->gen != 2)
			ok = 0;
	}
	CHECK(ok);
	CHECK(first != NULL && first->nth == 1 && first->nsame == 112);
	fp = fpdb_find(db, "Linux 2.6.32");
	CHECK(fp != NULL && fp->typical && fp->nsame == 112 &&
	    fpdb_find_entry(db, "Linux 2.6.32", fp->nth) == fp);
	/* The first ignores pings; most of them, and the typical, do not. */
	CHECK(first != NULL && strcmp(raw(first, FPT_IE, FP_IE_R), "N") == 0);
	CHECK(fp != NULL && fp->test[FPT_IE] != NULL &&
	    fingerprint_attr(fp, FPT_IE, FP_IE_R) == NULL &&
	    fp->test[FPT_U1] != NULL &&
	    fingerprint_attr(fp, FPT_U1, FP_U1_R) == NULL);
	printf("Linux 2.6.32: entry %u of %u\n", fp != NULL ? fp->nth : 0,
	    fp != NULL ? fp->nsame : 0);
	CHECK(fpdb_find_entry(db, "Linux 2.6.32", 1) == first);
	CHECK(fpdb_find_entry(db, "Linux 2.6.32", 113) == NULL);
	CHECK(fpdb_entries(db, "Linux 2.6.32") == 112);
	CHECK(empty_ops == 3);

	/* Every value of the file: picks always match. */
	for (i = 0, ok = 1; i < fpdb_count(db) && ok; i++)
		ok = picks_match(fpdb_nth(db, i), 4);
	CHECK(ok);

	/* The whole file: print -> parse -> print is the same. */
	a = print_db(db, &alen);
	db2 = a != NULL ? load_buf("print", a, alen) : NULL;
	b = db2 != NULL ? print_db(db2, &blen) : NULL;
	CHECK(db2 != NULL && fpdb_count(db2) == NMAP_OS_DB_N);
	CHECK(b != NULL && alen == blen && memcmp(a, b, alen) == 0);
	free(a);
	free(b);
	fpdb_free(db2);
	fpdb_free(db);
}

static void
test_prints(const char *path)
{
	const struct fingerprint *fp;
	struct fpdb	*db;
	char		*file, *out, *src, *p, *q;
	size_t		 flen, olen, i, n;
	double		 t0, ms;
	int		 ok = 1, t;

	if ((file = slurp(path, &flen)) == NULL) {
		SKIP("no nmap.prints here; run from the top of the tree");
		return;
	}
	t0 = now_ms();
	db = load_file(path);
	ms = now_ms() - t0;
	CHECK(db != NULL);
	if (db == NULL) {
		free(file);
		return;
	}
	n = fpdb_count(db);
	printf("load: %zu fingerprints from %s in %.1f ms\n", n, path, ms);
	CHECK(n >= 100 && n <= 200);

	for (i = 0; i < n; i++) {
		fp = fpdb_nth(db, i);
		/* Complete, uniquely named, stable through the engine. */
		for (t = 0; t < FPT_MAX; t++)
			if (fp->test[t] == NULL)
				ok = 0;
		if (fp->gen != 2 || fpdb_find(db, fp->name) != fp ||
		    !roundtrip(fp) || !picks_match(fp, 100))
			ok = 0;
	}
	CHECK(ok);
	CHECK(fpdb_find(db, "Cisco 7206 running IOS 11.1(24)") != NULL);
	CHECK(fpdb_find(db, "NetBSD 1.5.2 running on a Commodore Amiga "
	    "(68040 processor)") != NULL);

	/* The file is already canonical: comments aside, it prints as is. */
	if ((src = malloc(flen + 1)) != NULL &&
	    (out = print_db(db, &olen)) != NULL) {
		for (p = file, q = src; *p != '\0'; p = strchr(p, '\n') + 1) {
			if (*p != '#' && !(q == src && *p == '\n')) {
				memcpy(q, p, strcspn(p, "\n") + 1);
				q += strcspn(p, "\n") + 1;
			}
			if (strchr(p, '\n') == NULL)
				break;
		}
		*q = '\0';
		CHECK(strcmp(src, out) == 0);
		free(out);
	}
	free(src);
	free(file);
	fpdb_free(db);
}

int
main(int argc, char *argv[])
{
	test_irix();
	test_g1_pu();
	test_errors();
	test_lookup();
	test_entries();
	test_full_db(argc > 2 ? argv[2] : NMAP_OS_DB);
	test_prints(argc > 1 ? argv[1] : "nmap.prints");
	return (unit_done());
}
