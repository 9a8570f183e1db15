/*
 * What every fuzz target links: the parent's globals that library code
 * refers to (the daemon's main() defines them), and fuzz_fail(): report a broken invariant and abort, for both the
 * libFuzzer and the replay builds of the fuzz targets.  The message goes
 * to the descriptor FUZZ_REPORT_FD names if set (the replay driver
 * closes stderr while a target runs: parse errors are expected noise),
 * else to stderr.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "honeyd.h"
#include "fuzz.h"

struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

void
fuzz_fail(const char *fmt, ...)
{
	va_list		 ap;
	const char	*s;
	int		 fd = 2;

	if ((s = getenv("FUZZ_REPORT_FD")) != NULL)
		fd = atoi(s);
	va_start(ap, fmt);
	dprintf(fd, "fuzz: ");
	vdprintf(fd, fmt, ap);
	dprintf(fd, "\n");
	va_end(ap);
	abort();
}
