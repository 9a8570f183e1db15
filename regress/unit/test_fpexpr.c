/*
 * Unit tests for honeyd/fpexpr.c: nmap test-value expressions, their
 * matching, and the picker that turns them into one concrete value.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "unit.h"

#define NSEEDS	5000

static const struct fpxtype hex = { FPX_NUM, NULL };
static const struct fpxtype t_yn = { FPX_SYM, "Y N" };
static const struct fpxtype ipid = { FPX_NUMSYM, "Z RD RI BI I" };
static const struct fpxtype seqnum = { FPX_SYM, "Z A A+ O" };
static const struct fpxtype acknum = { FPX_SYM, "Z S S+ O" };
static const struct fpxtype cc = { FPX_SYM, "Y N S O" };
static const struct fpxtype t_flags = { FPX_FLAGSET, "EUAPRSF" };
static const struct fpxtype quirks = { FPX_FLAGSET, "RU" };
static const struct fpxtype opts = { FPX_TCPOPTS, NULL };
static const struct fpxtype ts = { FPX_NUMSYM, "U" };
static const struct fpxtype good = { FPX_NUMSYM, "G" };
static const struct fpxtype g1ops = { FPX_CHARS, "MNWTEL" };
static const struct fpxtype word = { FPX_WORD, NULL };

static struct fpexpr	*parse(const struct fpxtype *, const char *);
static int		 matches(const struct fpxtype *, const char *,
			    const char *);
static int		 rejects(const struct fpxtype *, const char *);
static void		 test_hexnum(void);
static void		 test_parse(void);
static void		 test_match_numbers(void);
static void		 test_match_symbols(void);
static void		 test_malformed(void);
static void		 test_rng(void);
static int		 pick_matches(const struct fpxtype *, const char *,
			    int);
static void		 test_pick_always_matches(void);
static void		 test_pick_policy(void);
static void		 test_pick_num(void);

static struct fpexpr *
parse(const struct fpxtype *type, const char *s)
{
	const char	*errstr;

	return (fpexpr_parse(type, s, strlen(s), &errstr));
}

/* Parse expr, match value, free. */
static int
matches(const struct fpxtype *type, const char *expr, const char *value)
{
	struct fpexpr	*e;
	int		 m;

	if ((e = parse(type, expr)) == NULL)
		return (-1);
	m = fpexpr_match(e, value);
	fpexpr_free(e);
	return (m);
}

static int
rejects(const struct fpxtype *type, const char *expr)
{
	struct fpexpr	*e;
	const char	*errstr;

	if ((e = fpexpr_parse(type, expr, strlen(expr), &errstr)) != NULL) {
		fprintf(stderr, "accepted: \"%s\"\n", expr);
		fpexpr_free(e);
		return (0);
	}
	return (errstr != NULL);
}

static void
test_hexnum(void)
{
	uint32_t	 v;

	CHECK(fpexpr_hexnum("8000", 4, &v) == 0 && v == 0x8000);
	CHECK(fpexpr_hexnum("ffff", 4, &v) == 0 && v == 0xffff);
	CHECK(fpexpr_hexnum("E44A4E43", 8, &v) == 0 && v == 0xE44A4E43);
	CHECK(fpexpr_hexnum("FFFFFFFF", 8, &v) == 0 && v == UINT32_MAX);
	CHECK(fpexpr_hexnum("0", 1, &v) == 0 && v == 0);
	CHECK(fpexpr_hexnum("123456789", 9, &v) == -1);
	CHECK(fpexpr_hexnum("", 0, &v) == -1);
	CHECK(fpexpr_hexnum("G1", 2, &v) == -1);
	CHECK(fpexpr_hexnum("1 ", 2, &v) == -1);
	CHECK(fpexpr_hexnum("-1", 2, &v) == -1);
}

static void
test_parse(void)
{
	struct fpexpr	*e;

	e = parse(&hex, "1-6|64|>1F4|<3");
	CHECK(e != NULL);
	if (e != NULL) {
		CHECK(e->nterms == 4);
		CHECK(e->term[0].op == FPX_RANGE && e->term[0].lo == 1 &&
		    e->term[0].hi == 6);
		CHECK(e->term[1].op == FPX_EQ && e->term[1].lo == 0x64);
		CHECK(e->term[2].op == FPX_GT && e->term[2].lo == 0x1F5 &&
		    e->term[2].hi == UINT32_MAX);
		CHECK(e->term[3].op == FPX_LT && e->term[3].lo == 0 &&
		    e->term[3].hi == 2);
		CHECK(strcmp(e->raw, "1-6|64|>1F4|<3") == 0);
		fpexpr_free(e);
	}

	e = parse(&opts, "");
	CHECK(e != NULL && e->nterms == 1 && e->term[0].op == FPX_EMPTY);
	fpexpr_free(e);

	e = parse(&quirks, "|U");
	CHECK(e != NULL && e->nterms == 2 && e->term[0].op == FPX_EMPTY &&
	    e->term[1].op == FPX_SYMBOL);
	fpexpr_free(e);

	e = parse(&ipid, "Z|RD|1F4");
	CHECK(e != NULL && e->nterms == 3 && e->term[0].op == FPX_SYMBOL &&
	    e->term[1].op == FPX_SYMBOL && e->term[2].op == FPX_EQ &&
	    e->term[2].lo == 0x1F4);
	fpexpr_free(e);

	/* TS=A is the number ten, not a symbol: only U is listed. */
	e = parse(&ts, "U|A");
	CHECK(e != NULL && e->term[0].op == FPX_SYMBOL &&
	    e->term[1].op == FPX_EQ && e->term[1].lo == 10);
	fpexpr_free(e);

	CHECK(matches(&opts, "M5B4NW8ST11", "M5B4NW8ST11") == 1);
	CHECK(matches(&opts, "M5B4NNT11SLL|M218", "M218") == 1);
	CHECK(matches(&g1ops, "MNWNNTNNM", "MNWNNTNNM") == 1);
	CHECK(matches(&word, "TR|RI|i800", "i800") == 1);
	CHECK(matches(&t_flags, "AS", "AS") == 1);
	CHECK(matches(&t_flags, "EUAPRSF", "EUAPRSF") == 1);
}

static void
test_match_numbers(void)
{
	struct fpexpr	*e;

	CHECK(matches(&hex, "8000|FFFF", "8000") == 1);
	CHECK(matches(&hex, "8000|FFFF", "FFFF") == 1);
	CHECK(matches(&hex, "8000|FFFF", "ffff") == 1);
	CHECK(matches(&hex, "8000|FFFF", "08000") == 1);
	CHECK(matches(&hex, "8000|FFFF", "8001") == 0);
	CHECK(matches(&hex, "8000|FFFF", "") == 0);
	CHECK(matches(&hex, "8000|FFFF", "xyz") == 0);

	CHECK(matches(&hex, "3B-45", "3B") == 1);
	CHECK(matches(&hex, "3B-45", "40") == 1);
	CHECK(matches(&hex, "3B-45", "45") == 1);
	CHECK(matches(&hex, "3B-45", "3A") == 0);
	CHECK(matches(&hex, "3B-45", "46") == 0);

	CHECK(matches(&hex, ">A", "B") == 1);
	CHECK(matches(&hex, ">A", "FFFFFFFF") == 1);
	CHECK(matches(&hex, ">A", "A") == 0);
	CHECK(matches(&hex, "<6", "5") == 1);
	CHECK(matches(&hex, "<6", "0") == 1);
	CHECK(matches(&hex, "<6", "6") == 0);
	CHECK(matches(&hex, "0", "0") == 1);
	CHECK(matches(&hex, "0", "00000000") == 1);

	CHECK(matches(&ipid, "Z|RD|1F4", "1F4") == 1);
	CHECK(matches(&ipid, "Z|RD|1F4", "RD") == 1);
	CHECK(matches(&ipid, "Z|RD|1F4", "RI") == 0);
	CHECK(matches(&good, "G|>1000", "G") == 1);
	CHECK(matches(&good, "G|>1000", "1001") == 1);
	CHECK(matches(&good, "G|>1000", "1000") == 0);
	CHECK(matches(&ts, "U|7-9", "8") == 1);
	CHECK(matches(&ts, "U|7-9", "A") == 0);

	if ((e = parse(&hex, "1-6|64|>1F4")) != NULL) {
		CHECK(fpexpr_match_num(e, 1) && fpexpr_match_num(e, 6));
		CHECK(fpexpr_match_num(e, 0x64) && fpexpr_match_num(e, 0x1F5));
		CHECK(!fpexpr_match_num(e, 7) && !fpexpr_match_num(e, 0x1F4));
		fpexpr_free(e);
	} else
		CHECK(e != NULL);
}

static void
test_match_symbols(void)
{
	CHECK(matches(&t_yn, "Y", "Y") == 1);
	CHECK(matches(&t_yn, "N", "Y") == 0);
	CHECK(matches(&t_yn, "N|Y", "Y") == 1);
	CHECK(matches(&acknum, "S+|Z", "S+") == 1);
	CHECK(matches(&acknum, "S+|Z", "Z") == 1);
	CHECK(matches(&acknum, "S+|Z", "S") == 0);
	CHECK(matches(&seqnum, "A+|O", "A+") == 1);
	CHECK(matches(&cc, "Y|N|S|O", "S") == 1);
	CHECK(matches(&cc, "Y|N|S|O", "") == 0);
	CHECK(matches(&t_flags, "AS", "SA") == 0);
	CHECK(matches(&t_flags, "AR|R", "R") == 1);
	CHECK(matches(&quirks, "", "") == 1);
	CHECK(matches(&quirks, "", "U") == 0);
	CHECK(matches(&quirks, "|U", "") == 1);
	CHECK(matches(&quirks, "|U", "U") == 1);
	CHECK(matches(&quirks, "RU", "RU") == 1);
	CHECK(matches(&quirks, "RU", "R") == 0);
	CHECK(matches(&opts, "", "") == 1);
	CHECK(matches(&opts, "", "M5B4") == 0);
	CHECK(matches(&opts, "M5B4NW8ST11", "M5B4NW8ST1") == 0);
	/* Symbols are text: case and width count. */
	CHECK(matches(&t_yn, "Y", "y") == 0);
}

static void
test_malformed(void)
{
	char	*big;

	CHECK(rejects(&hex, "3B-"));
	CHECK(rejects(&hex, "-45"));
	CHECK(rejects(&hex, "45-3B"));
	CHECK(rejects(&hex, "1-2-3"));
	CHECK(rejects(&hex, ">"));
	CHECK(rejects(&hex, "<"));
	CHECK(rejects(&hex, ">FFFFFFFF"));
	CHECK(rejects(&hex, "<0"));
	CHECK(rejects(&hex, ">1-2"));
	CHECK(rejects(&hex, "G"));
	CHECK(rejects(&hex, "123456789"));
	CHECK(rejects(&hex, "8000|FFFG"));
	CHECK(rejects(&hex, " 8000"));
	CHECK(rejects(&hex, "0x10"));
	CHECK(rejects(&t_yn, "Q"));
	CHECK(rejects(&t_yn, "Y|X"));
	CHECK(rejects(&t_yn, "YN"));
	CHECK(rejects(&seqnum, "A++"));
	CHECK(rejects(&t_flags, "AA"));
	CHECK(rejects(&t_flags, "AX"));
	CHECK(rejects(&quirks, "X"));
	CHECK(rejects(&opts, "M"));
	CHECK(rejects(&opts, "T2"));
	CHECK(rejects(&opts, "T1"));
	CHECK(rejects(&opts, "MZZ"));
	CHECK(rejects(&opts, "W"));
	CHECK(rejects(&opts, "M123456789"));
	CHECK(rejects(&opts, "M5B4 N"));
	CHECK(rejects(&ipid, "RX"));
	CHECK(rejects(&ipid, "1-"));
	CHECK(rejects(&g1ops, "MNX"));
	CHECK(rejects(&word, "S+-"));
	CHECK(rejects(&good, "G|>H"));
	CHECK(rejects(&good, "g"));

	if ((big = malloc(FPX_MAXLEN + 2)) != NULL) {
		memset(big, '1', FPX_MAXLEN + 1);
		big[FPX_MAXLEN + 1] = '\0';
		CHECK(rejects(&word, big));
		free(big);
	}
	/* A NUL inside the given length is never part of a value. */
	{
		const char	*errstr;

		CHECK(fpexpr_parse(&word, "A\0B", 3, &errstr) == NULL);
	}
}

static void
test_rng(void)
{
	struct fprng	 r, r2;
	uint32_t	 bounds[] = { 1, 2, 3, 7, 1000, 0x80000001,
			    0xFFFFFFFF };
	uint32_t	 seen = 0, v;
	u_int		 i, j;
	int		 ok = 1, same = 1;

	fprng_seed(&r, 42);
	fprng_seed(&r2, 42);
	for (i = 0; i < 1000; i++)
		if (fprng_next(&r) != fprng_next(&r2))
			same = 0;
	CHECK(same);
	for (j = 0; j < sizeof(bounds) / sizeof(bounds[0]); j++)
		for (i = 0; i < 10000; i++)
			if (fprng_uniform(&r, bounds[j]) >= bounds[j])
				ok = 0;
	CHECK(ok);
	/* All of 0..7 come up: nothing is stuck. */
	for (i = 0; i < 1000; i++) {
		v = fprng_uniform(&r, 8);
		seen |= 1u << v;
	}
	CHECK(seen == 0xff);
	/* Seed zero is as good as any. */
	fprng_seed(&r, 0);
	CHECK(fprng_next(&r) != fprng_next(&r));
}

/* Over many seeds, every picked value matches its expression. */
static int
pick_matches(const struct fpxtype *type, const char *expr, int flags)
{
	struct fpexpr	*e;
	struct fprng	 r;
	char		 buf[256];
	int		 seed, ok = 1;

	if ((e = parse(type, expr)) == NULL) {
		fprintf(stderr, "cannot parse \"%s\"\n", expr);
		return (0);
	}
	for (seed = 0; seed < NSEEDS && ok; seed++) {
		fprng_seed(&r, seed);
		if (fpexpr_pick_str(e, &r, flags, buf, sizeof(buf)) == -1 ||
		    !fpexpr_match(e, buf)) {
			fprintf(stderr, "\"%s\": picked \"%s\" (seed %d)\n",
			    expr, buf, seed);
			ok = 0;
		}
	}
	fpexpr_free(e);
	return (ok);
}

static void
test_pick_always_matches(void)
{
	static const struct {
		const struct fpxtype	*type;
		const char		*expr;
	} cases[] = {
		{ &hex, "8000" },
		{ &hex, "8000|FFFF|4000" },
		{ &hex, "3B-45" },
		{ &hex, "0-FFFFFFFF" },
		{ &hex, "1-6|64|C8|12C|190|1F4" },
		{ &hex, ">0" },
		{ &hex, ">1" },
		{ &hex, ">1000000" },
		{ &hex, ">FFFFFFFE" },
		{ &hex, ">80000000" },
		{ &hex, "<1" },
		{ &hex, "<2" },
		{ &hex, "<104" },
		{ &hex, "<FFFFFFFF" },
		{ &hex, "FFFFFFFF" },
		{ &hex, "1-6|>1000000" },
		{ &ipid, "Z|RD|1F4" },
		{ &ipid, "I|RI|BI" },
		{ &ts, "U|7-9|21" },
		{ &good, "G|148|>1000" },
		{ &t_yn, "N|Y" },
		{ &acknum, "O|S|S+" },
		{ &seqnum, "A|O|Z" },
		{ &cc, "Y|N|S|O" },
		{ &t_flags, "AR|AS|R" },
		{ &quirks, "" },
		{ &quirks, "|U|RU" },
		{ &opts, "" },
		{ &opts, "M5B4NW8ST11|M218|" },
		{ &g1ops, "MNWNNTNNM" },
		{ &word, "TR|RI|i800" },
	};
	u_int	 i, f;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (f = 0; f < 4; f++)
			CHECK(pick_matches(cases[i].type, cases[i].expr, f));
}

static void
test_pick_policy(void)
{
	struct fpexpr	*e;
	struct fprng	 r;
	struct fpval	 v;
	uint32_t	 n, lo = UINT32_MAX, hi = 0;
	int		 seed, seen[3] = { 0, 0, 0 }, ok = 1, same = 1;

	/* The central half of 96-A0 is 99-9D. */
	if ((e = parse(&hex, "96-A0")) == NULL)
		return;
	for (seed = 0; seed < NSEEDS; seed++) {
		fprng_seed(&r, seed);
		if (fpexpr_pick(e, &r, FPX_PICK_MIDDLE, &v) == -1 || !v.isnum)
			ok = 0;
		if (v.num < lo)
			lo = v.num;
		if (v.num > hi)
			hi = v.num;
	}
	CHECK(ok && lo == 0x99 && hi == 0x9D);
	/* Without the flag the whole range is used. */
	lo = UINT32_MAX;
	hi = 0;
	for (seed = 0; seed < NSEEDS; seed++) {
		fprng_seed(&r, seed);
		fpexpr_pick(e, &r, 0, &v);
		lo = v.num < lo ? v.num : lo;
		hi = v.num > hi ? v.num : hi;
	}
	CHECK(lo == 0x96 && hi == 0xA0);
	fpexpr_free(e);

	/* A range of three: the middle means the middle value. */
	if ((e = parse(&hex, "7-9")) != NULL) {
		for (seed = 0; seed < 100; seed++) {
			fprng_seed(&r, seed);
			if (fpexpr_pick(e, &r, FPX_PICK_MIDDLE, &v) == -1 ||
			    v.num != 8)
				ok = 0;
		}
		CHECK(ok);
		fpexpr_free(e);
	}

	/* Alternatives are drawn uniformly; FIRST takes the first. */
	if ((e = parse(&hex, "8000|FFFF|4000")) != NULL) {
		for (seed = 0; seed < 3000; seed++) {
			fprng_seed(&r, seed);
			fpexpr_pick(e, &r, 0, &v);
			seen[v.num == 0x8000 ? 0 : v.num == 0xFFFF ? 1 : 2]++;
		}
		CHECK(seen[0] > 800 && seen[1] > 800 && seen[2] > 800);
		fprng_seed(&r, 7);
		CHECK(fpexpr_pick(e, &r, FPX_PICK_FIRST, &v) == 0 &&
		    v.num == 0x8000);
		fpexpr_free(e);
	}

	/* >X stays within a factor of two; <X avoids zero. */
	if ((e = parse(&hex, ">1000000")) != NULL) {
		ok = 1;
		for (seed = 0; seed < NSEEDS; seed++) {
			fprng_seed(&r, seed);
			if (fpexpr_pick_num(e, &r, 0, &n) == -1 ||
			    n <= 0x1000000 || n > 0x2000000)
				ok = 0;
		}
		CHECK(ok);
		fpexpr_free(e);
	}
	if ((e = parse(&hex, "<104")) != NULL) {
		ok = 1;
		for (seed = 0; seed < NSEEDS; seed++) {
			fprng_seed(&r, seed);
			if (fpexpr_pick_num(e, &r, 0, &n) == -1 || n == 0 ||
			    n >= 0x104)
				ok = 0;
		}
		CHECK(ok);
		fpexpr_free(e);
	}

	/* The same seed gives the same value: a host's choice is stable. */
	if ((e = parse(&hex, "1-FFFFFF|>5|<9")) != NULL) {
		for (seed = 0; seed < 1000; seed++) {
			struct fpval	 a, b;

			fprng_seed(&r, seed);
			fpexpr_pick(e, &r, 0, &a);
			fprng_seed(&r, seed);
			fpexpr_pick(e, &r, 0, &b);
			if (a.num != b.num)
				same = 0;
		}
		CHECK(same);
		fpexpr_free(e);
	}

	/* Symbols come back as text pointing into the expression. */
	if ((e = parse(&acknum, "S+")) != NULL) {
		fprng_seed(&r, 1);
		CHECK(fpexpr_pick(e, &r, 0, &v) == 0 && !v.isnum &&
		    v.len == 2 && memcmp(v.str, "S+", 2) == 0);
		fpexpr_free(e);
	}
	if ((e = parse(&opts, "")) != NULL) {
		char	 buf[8] = "x";

		fprng_seed(&r, 1);
		CHECK(fpexpr_pick(e, &r, 0, &v) == 0 && !v.isnum &&
		    v.len == 0);
		CHECK(fpexpr_pick_str(e, &r, 0, buf, sizeof(buf)) == 0 &&
		    buf[0] == '\0');
		fpexpr_free(e);
	}
}

static void
test_pick_num(void)
{
	struct fpexpr	*e;
	struct fprng	 r;
	uint32_t	 n;
	char		 small[3];
	int		 seed, ok = 1;

	/* Only the numeric alternatives are candidates. */
	if ((e = parse(&ipid, "Z|RD|1F4")) != NULL) {
		for (seed = 0; seed < 1000; seed++) {
			fprng_seed(&r, seed);
			if (fpexpr_pick_num(e, &r, 0, &n) == -1 || n != 0x1F4)
				ok = 0;
		}
		CHECK(ok);
		fpexpr_free(e);
	}
	if ((e = parse(&t_yn, "Y")) != NULL) {
		fprng_seed(&r, 1);
		CHECK(fpexpr_pick_num(e, &r, 0, &n) == -1);
		fpexpr_free(e);
	}
	/* A buffer too small is an error, not a truncated value. */
	if ((e = parse(&hex, "12345")) != NULL) {
		fprng_seed(&r, 1);
		CHECK(fpexpr_pick_str(e, &r, 0, small, sizeof(small)) == -1);
		fpexpr_free(e);
	}
}

int
main(void)
{
	test_hexnum();
	test_parse();
	test_match_numbers();
	test_match_symbols();
	test_malformed();
	test_rng();
	test_pick_always_matches();
	test_pick_policy();
	test_pick_num();
	return (unit_done());
}
