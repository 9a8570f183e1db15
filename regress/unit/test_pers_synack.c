/*
 * The SYN+ACK options kept per plan (pers_synack.c) are the ones the
 * personality derives for each SYN (pers_synack_shape): for every
 * fingerprint of nmap.prints, every set of options a SYN can offer,
 * with and without an MSS to echo and a timestamp to answer, the two
 * agree byte for byte, the window shift and timestamp flag too.  The
 * timestamp clock runs between the two calls: its value is compared
 * only for being there or not.
 *
 * usage: test_pers_synack [nmap.prints [nmap-os-db]]
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "tcp.h"
#include "unit.h"

#define NMAP_OS_DB	"/usr/share/nmap/nmap-os-db"

static int
same(const struct tcp_reply *a, const struct tcp_reply *b)
{
	uint8_t		 x[TCP_OPT_LEN_MAX], y[TCP_OPT_LEN_MAX];
	size_t		 i;

	if (a->optlen != b->optlen || a->wscale != b->wscale ||
	    a->ts_ok != b->ts_ok)
		return (0);
	memcpy(x, a->opts, a->optlen);
	memcpy(y, b->opts, b->optlen);
	/* A timestamp's value: only whether it is zero. */
	for (i = 0; i + 9 < a->optlen; i++)
		if (x[i] == TCP_OPT_TIMESTAMP && x[i + 1] == 10 &&
		    y[i] == TCP_OPT_TIMESTAMP) {
			if ((x[i + 2] | x[i + 3] | x[i + 4] | x[i + 5]) != 0)
				memset(x + i + 2, 1, 4);
			if ((y[i + 2] | y[i + 3] | y[i + 4] | y[i + 5]) != 0)
				memset(y + i + 2, 1, 4);
			break;
		}
	return (memcmp(x, y, a->optlen) == 0);
}

static int
check_fp(const struct fingerprint *fp, uint64_t seed)
{
	static struct pers_plan	 plan;
	struct pers_synack	 cache;
	struct pers_state	 st;
	struct tcp_seg		 seg;
	struct tcp_reply	 fast, slow;
	int			 has, round, bad = 0;

	memset(&plan, 0, sizeof(plan));
	pers_plan_derive(&plan, fp, seed);
	memset(&cache, 0, sizeof(cache));
	memset(&st, 0, sizeof(st));
	st.plan = &plan;
	st.synack = &cache;
	st.boot_us = pers_now_us() - 3600000000ULL;
	st.ts_base = 12345;
	for (round = 0; round < 2; round++)
		for (has = 0; has < 16; has++) {
			memset(&seg, 0, sizeof(seg));
			seg.flags = TH_SYN;
			seg.has = has;
			seg.mss = has & TCP_HAS_MSS ? 1400 - 100 * round : 0;
			seg.tsval = has & TCP_HAS_TS ? (round ? 0 : 777) : 0;
			memset(&fast, 0, sizeof(fast));
			memset(&slow, 0, sizeof(slow));
			fast.wscale = slow.wscale = 9;
			fast.ts_ok = slow.ts_ok = 9;
			if (pers_synack_opts(&st, fp, &seg, &fast) == -1)
				return (1);
			pers_synack_shape(&st, fp, &seg, &slow);
			if (!same(&fast, &slow)) {
				if (bad++ == 0)
					fprintf(stderr, "%s: has %#x round %d "
					    "differs\n", fingerprint_name(fp),
					    has, round);
			}
		}
	return (bad);
}

/* Every fingerprint of the file at path; -1 if it is not there. */
static int
check_db(const char *path)
{
	struct fpdb	*db;
	size_t		 i, n, bad = 0;

	if ((db = fpdb_load(path)) == NULL)
		return (-1);
	n = fpdb_count(db);
	CHECK(n > 100);
	for (i = 0; i < n; i++)
		if (check_fp(fpdb_nth(db, i), 0x5eed0000ULL + i) != 0)
			bad++;
	printf("%s: %zu fingerprints, %zu with a difference\n", path, n, bad);
	CHECK(bad == 0);
	fpdb_free(db);
	return (0);
}

int
main(int argc, char *argv[])
{
	if (check_db(argc > 1 ? argv[1] : "nmap.prints") == -1)
		MISSING("nmap.prints (run from the top of the tree)");
	/* nmap's own: thousands more, some with options after an EOL. */
	if (check_db(argc > 2 ? argv[2] : NMAP_OS_DB) == -1)
		MISSING("no nmap-os-db (package nmap)");
	return (unit_done());
}
