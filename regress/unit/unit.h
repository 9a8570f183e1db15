/*
 * Minimal unit test helpers: CHECK() counts, SKIP() explains a case not
 * run for a reason outside the suite's control (no root, no Landlock in
 * the kernel) and counts it as skipped, MISSING() is a case not run
 * because a file or tool regress/deps.sh installs is absent, and counts
 * as a failure.  unit_done() prints the final "N passed, M failed,
 * K skipped" line (regress/run.sh reads it) and gives the exit status
 * for main.
 */

#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>

static int	unit_passed, unit_failed, unit_skipped;

#define CHECK(cond) do {						\
	if (cond)							\
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n",	\
		    __FILE__, __LINE__, __func__, #cond);		\
	}								\
} while (0)

#define SKIP(why) do {							\
	unit_skipped++;							\
	printf("SKIP: %s: %s\n", __func__, (why));			\
} while (0)

#define MISSING(why) do {						\
	unit_failed++;							\
	fprintf(stderr, "%s:%d: %s: FAIL: %s (regress/deps.sh test "	\
	    "installs it)\n", __FILE__, __LINE__, __func__, (why));	\
} while (0)

static inline int
unit_done(void)
{
	printf("%d passed, %d failed, %d skipped\n", unit_passed,
	    unit_failed, unit_skipped);
	return (unit_failed == 0 ? 0 : 1);
}

#endif /* UNIT_H */
