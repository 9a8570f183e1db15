/*
 * Unit tests for addresses (addr.c): the one parser of addresses,
 * networks and ranges (configuration, -n networks, control requests),
 * prefix masks, and the text ranges are shown as.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "honeyd.h"
#include "unit.h"

#define A(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void
test_parse(void)
{
	uint32_t	 a, lo, hi;

	CHECK(addr_parse("198.18.0.5", &a) == 0 && a == A(198, 18, 0, 5));
	CHECK(addr_parse("198.18.0", &a) == -1);
	CHECK(addr_parse("198.18.0.300", &a) == -1);
	/* Numbers only: a name would be a DNS lookup. */
	CHECK(addr_parse("localhost", &a) == -1);
	CHECK(addr_parse("", &a) == -1);

	CHECK(addr_parse_range("198.18.0.5", &lo, &hi) == 0);
	CHECK(lo == A(198, 18, 0, 5) && hi == lo);
	CHECK(addr_parse_range("198.18.0.0/16", &lo, &hi) == 0);
	CHECK(lo == A(198, 18, 0, 0) && hi == A(198, 18, 255, 255));
	CHECK(addr_parse_range("198.19.1.77/26", &lo, &hi) == 1);
	CHECK(lo == A(198, 19, 1, 64) && hi == A(198, 19, 1, 127));
	CHECK(addr_parse_range("198.18.0.10-198.18.1.20", &lo, &hi) == 0);
	CHECK(lo == A(198, 18, 0, 10) && hi == A(198, 18, 1, 20));
	CHECK(addr_parse_range("198.19.0.0/0", &lo, &hi) == 1);
	CHECK(lo == 0 && hi == UINT32_MAX);
	CHECK(addr_parse_range("0.0.0.0/0", &lo, &hi) == 0);
	CHECK(lo == 0 && hi == UINT32_MAX);

	CHECK(addr_parse_range("198.18.1.20-198.18.0.10", &lo, &hi) == -1);
	CHECK(addr_parse_range("198.18.0.0/33", &lo, &hi) == -1);
	CHECK(addr_parse_range("198.18.0.0/", &lo, &hi) == -1);
	CHECK(addr_parse_range("198.18.0.0/-1", &lo, &hi) == -1);
	CHECK(addr_parse_range("198.18.0.0/x", &lo, &hi) == -1);
	CHECK(addr_parse_range("198.18.0.1-", &lo, &hi) == -1);
	CHECK(addr_parse_range("198.18.0.1-198.18.0.9/24", &lo, &hi) == -1);
	CHECK(addr_parse_range("nonsense", &lo, &hi) == -1);
	CHECK(addr_parse_range("", &lo, &hi) == -1);
	CHECK(addr_parse_range("1111111111111111111111111111111111111111"
	    "11111111111111111111111111111111111111111111111", &lo,
	    &hi) == -1);
	CHECK(addr_parse_net("198.18.0.1-198.18.0.9", &lo, &hi) == -1);
}

static void
test_mask(void)
{
	int	 bits, ok = 1;

	CHECK(addr_mask(0) == 0);
	CHECK(addr_mask(1) == 0x80000000U);
	CHECK(addr_mask(24) == 0xffffff00U);
	CHECK(addr_mask(32) == UINT32_MAX);
	for (bits = 0; bits <= 32; bits++)
		if (addr_masklen(addr_mask(bits)) != bits)
			ok = 0;
	CHECK(ok);
}

static void
test_fmt(void)
{
	char	 buf[ADDR_RANGE_LEN];

	CHECK(strcmp(addr_fmt(A(198, 18, 0, 5), buf, sizeof(buf)),
	    "198.18.0.5") == 0);
	CHECK(strcmp(addr_fmt_range(A(198, 18, 0, 5), A(198, 18, 0, 5), buf,
	    sizeof(buf)), "198.18.0.5") == 0);
	CHECK(strcmp(addr_fmt_range(A(198, 18, 0, 64), A(198, 18, 0, 127),
	    buf, sizeof(buf)), "198.18.0.64/26") == 0);
	CHECK(strcmp(addr_fmt_range(0, UINT32_MAX, buf, sizeof(buf)),
	    "0.0.0.0/0") == 0);
	CHECK(strcmp(addr_fmt_range(A(198, 18, 0, 1), A(198, 18, 0, 2), buf,
	    sizeof(buf)), "198.18.0.1-198.18.0.2") == 0);
	CHECK(strcmp(addr_fmt_range(A(255, 255, 255, 255), A(255, 255, 255,
	    255), buf, sizeof(buf)), "255.255.255.255") == 0);
	CHECK(strcmp(addr_fmt_range(A(255, 255, 255, 254), UINT32_MAX, buf,
	    sizeof(buf)), "255.255.255.254/31") == 0);
	CHECK(strlen(addr_fmt_range(A(255, 255, 255, 253), UINT32_MAX, buf,
	    sizeof(buf))) == ADDR_RANGE_LEN - 1);
}

int
main(void)
{
	test_parse();
	test_mask();
	test_fmt();
	return (unit_done());
}
