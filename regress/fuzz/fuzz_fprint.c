/*
 * Fuzz target: the fingerprint file parser (fingerprint.c, fpexpr.c).
 * Invariants: any bytes load or fail with a message; a database that
 * loads prints, its printout loads again and prints the same bytes;
 * picking a value for every attribute of every fingerprint, deriving
 * the engine's plan from it (pers_plan.c, pers_isn.c), running its
 * counters (pers_seq.c) and building its TCP options (pers_tcp.c) stay
 * in bounds: the engine does all that per host.
 */

#include <sys/types.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "tcp.h"
#include "fuzz.h"

#define FUZZ_PRINTS_MAX	(128 * 1024)

static char	*print_db(const struct fpdb *, size_t *);
static void	 pick_all(const struct fpdb *, uint32_t);
static void	 plan_all(const struct fpdb *, uint32_t);
static void	 check_msg(const char *, const char *, const char *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return (0);
}

static char *
print_db(const struct fpdb *db, size_t *lenp)
{
	FILE	*f;
	char	*buf = NULL;
	size_t	 i;

	if ((f = open_memstream(&buf, lenp)) == NULL)
		fuzz_fail("open_memstream");
	for (i = 0; i < fpdb_count(db); i++) {
		if (i > 0)
			fputc('\n', f);
		fingerprint_print_entry(f, fpdb_nth(db, i));
	}
	if (fclose(f) == EOF)
		fuzz_fail("fingerprint printout");
	return (buf);
}

static void
pick_all(const struct fpdb *db, uint32_t seed)
{
	const struct fingerprint	*fp;
	struct fprng			 rng;
	struct fpval			 v;
	size_t				 i;
	u_int				 t, a;

	fprng_seed(&rng, seed);
	for (i = 0; i < fpdb_count(db) && i < 16; i++) {
		fp = fpdb_nth(db, i);
		(void)fpdb_find(db, fingerprint_name(fp));
		for (t = 0; t < FPT_MAX; t++)
			for (a = 0; a < 32; a++)
				(void)fingerprint_pick(fp, t, a, &rng, &v);
	}
	if (fpdb_count(db) > 0)
		(void)fpdb_random(db, &rng);
}

static void
check_msg(const char *name, const char *what, const char *msg)
{
}

/* What the engine derives from a fingerprint, and runs. */
static void
plan_all(const struct fpdb *db, uint32_t seed)
{
	const struct fingerprint	*fp;
	static struct pers_plan		 plan;
	struct pers_isn			 isn;
	struct fprng			 rng;
	struct fpval			 v;
	uint16_t			 ids[PST_MAX];
	uint8_t				 opts[TCP_OPT_LEN_MAX];
	size_t				 i;
	int				 k, ws, ts;

	fprng_seed(&rng, seed);
	for (i = 0; i < fpdb_count(db) && i < 8; i++) {
		fp = fpdb_nth(db, i);
		(void)pers_check(fp, check_msg);
		pers_plan_derive(&plan, fp, seed + i);
		/* gcc's UBSan has no float-cast-overflow: say it here. */
		if (!isfinite(plan.isn_rate) || !isfinite(plan.isn_dev) ||
		    !isfinite(plan.ts_hz))
			fuzz_fail("%s: ISN rate %g, spread %g, TS %g Hz",
			    fingerprint_name(fp), plan.isn_rate,
			    plan.isn_dev, plan.ts_hz);
		pers_isn_init(&isn, &plan, &rng);
		/* As nmap's SEQ probes 1-6 come, 100 ms apart. */
		for (k = 0; k < 8; k++) {
			(void)pers_isn_next(&isn, &plan, 100000ULL * k, &rng);
			if (k >= 2 && k <= 6)
				(void)pers_isn_seqprobe(&isn, &plan, k);
		}
		pers_ipid_init(ids, &plan, &rng);
		pers_ipid_seqstart(ids, &plan, &rng);
		for (k = 0; k < 3 * PST_MAX; k++)
			(void)pers_ipid_next(ids, &plan, k % PST_MAX, &rng);
		(void)pers_ts_clock(&plan, seed, 0, 5000000);
		for (k = FP_OPS_O1; k <= FP_OPS_O6; k++) {
			if (fingerprint_pick(fp, FPT_OPS, k, &rng, &v) == -1 ||
			    v.isnum)
				continue;
			ws = ts = -1;
			(void)pers_tcpopts_build(v.str, v.len, opts,
			    sizeof(opts), -1, seed, 0, 0, &ws, &ts);
			(void)pers_tcpopts_build(v.str, v.len, opts,
			    sizeof(opts), TCP_HAS_WSCALE | TCP_HAS_TS, 1, 2,
			    1460, &ws, &ts);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fpdb	*d1, *d2;
	char		*p1, *p2;
	size_t		 l1, l2;

	if (size > FUZZ_PRINTS_MAX)
		return (0);
	if ((d1 = fpdb_load_buffer("fuzz", (const char *)data, size)) == NULL)
		return (0);
	pick_all(d1, size);
	plan_all(d1, size);
	p1 = print_db(d1, &l1);
	if ((d2 = fpdb_load_buffer("printout", p1, l1)) == NULL) {
		fprintf(stderr, "--- printout\n%s---\n", p1);
		fuzz_fail("the printout of a valid database does not load");
	}
	p2 = print_db(d2, &l2);
	if (fpdb_count(d1) != fpdb_count(d2) || l1 != l2 ||
	    memcmp(p1, p2, l1) != 0) {
		fprintf(stderr, "--- first\n%s--- second\n%s---\n", p1, p2);
		fuzz_fail("printout, loaded and printed again, differs");
	}
	free(p1);
	free(p2);
	fpdb_free(d1);
	fpdb_free(d2);
	return (0);
}
