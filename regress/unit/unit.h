/*
 * Minimal unit test helpers: CHECK() counts, SKIP() explains a case not
 * run (it counts as neither), unit_done() prints the final
 * "N passed, M failed" line and gives the exit status for main.
 */

#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>

static int	unit_passed, unit_failed;

#define CHECK(cond) do {						\
	if (cond)							\
		unit_passed++;						\
	else {								\
		unit_failed++;						\
		fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n",	\
		    __FILE__, __LINE__, __func__, #cond);		\
	}								\
} while (0)

#define SKIP(why)	printf("SKIP: %s: %s\n", __func__, (why))

static inline int
unit_done(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return (unit_failed == 0 ? 0 : 1);
}

#endif /* UNIT_H */
