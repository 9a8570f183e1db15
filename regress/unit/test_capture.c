/*
 * Unit tests for the capture pause's length (capture.c,
 * capture_pause_next): a batch of about 64 frames at the rate the last
 * read saw, never longer than the configured pause nor shorter than
 * 50 us; no pause once frames come slower than 4 in 500 us, or fill a
 * whole read.
 */

#include <sys/types.h>

#include <stdint.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "unit.h"

struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

/* capture.o brings lease.o, which tells the parent's main (honeyd.c). */
void
parent_claims_update(void)
{
}

/* The pause follows the rate: 64 frames' worth of it. */
static void
test_goal(void)
{
	/* 150,000 frames/s: 75 in 500 us, 64 take 426 us. */
	CHECK(capture_pause_next(75, 500, 1000) == 426);
	/* 300,000 frames/s: 64 take 213 us. */
	CHECK(capture_pause_next(300, 1000, 2000) == 213);
	/* A faster rate, a shorter pause, at the same longest. */
	CHECK(capture_pause_next(200, 1000, 1000) <
	    capture_pause_next(100, 1000, 1000));
}

/* Bounded by the configured pause above and 50 us below. */
static void
test_bounds(void)
{
	/* 50,000 frames/s: 64 take 1280 us, more than the longest. */
	CHECK(capture_pause_next(50, 1000, 1000) == 1000);
	CHECK(capture_pause_next(50, 1000, 2000) == 1280);
	CHECK(capture_pause_next(25, 500, 500) == 500);
	/* 511 frames in 10 us: the floor. */
	CHECK(capture_pause_next(511, 10, 1000) == 50);
	/* A longest below the floor still wins. */
	CHECK(capture_pause_next(511, 10, 20) == 20);
	/* The clock did not move: the floor, not zero. */
	CHECK(capture_pause_next(10, 0, 1000) == 50);
}

/* When pausing ends: too slow, a full read, or pausing off. */
static void
test_end(void)
{
	/* 8,000 frames/s is the edge: 8 in 1000 us pauses, 7 does not. */
	CHECK(capture_pause_next(8, 1000, 1000) == 1000);
	CHECK(capture_pause_next(7, 1000, 1000) == 0);
	/* Nothing read, or a whole batch (read again at once). */
	CHECK(capture_pause_next(0, 1000, 1000) == 0);
	CHECK(capture_pause_next(512, 1000, 1000) == 0);
	CHECK(capture_pause_next(600, 1000, 1000) == 0);
	/* "option capture pause 0". */
	CHECK(capture_pause_next(100, 500, 0) == 0);
	/* A clock that went back is no rate. */
	CHECK(capture_pause_next(100, -5, 1000) == 0);
	/* A long silence then a few frames: slower than the edge. */
	CHECK(capture_pause_next(20, 5000000, 1000) == 0);
}

int
main(void)
{
	test_goal();
	test_bounds();
	test_end();
	return (unit_done());
}
