/*
 * Fuzz target: the configuration parser (parse.y, config.c, router.c)
 * and its canonical printout (printconf.c).  Invariants:
 *   - any bytes parse or fail with a message, never crash;
 *   - a configuration that parses prints, and its printout parses again
 *     (the engine parses nothing else) and prints the same bytes;
 *   - the lookups the engine and parent make on it stay in bounds.
 * "include" is left out: the engine's text never has one, and files are
 * not the fuzzer's to open.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "fuzz.h"

#define FUZZ_CONF_MAX	(64 * 1024)

static char	*print_conf(const struct honeyd_config *, size_t *);
static void	 queries(const struct honeyd_config *, const uint8_t *,
		    size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(1, 0);
	return (0);
}

static char *
print_conf(const struct honeyd_config *conf, size_t *lenp)
{
	FILE	*f;
	char	*buf = NULL;

	if ((f = open_memstream(&buf, lenp)) == NULL)
		fuzz_fail("open_memstream");
	config_print(f, conf);
	if (fclose(f) == EOF)
		fuzz_fail("config printout");
	return (buf);
}

/* What the engine and the parent ask of a configuration. */
static void
queries(const struct honeyd_config *conf, const uint8_t *data, size_t len)
{
	struct claimset		 cs;
	struct dyn_match	 m;
	const struct template	*t;
	struct in6_addr		 a6;
	uint32_t		 a;
	size_t			 i;
	char			 buf[512];

	claim_init(&cs);
	if (config_claimed_ranges(conf, &cs) == 0)
		claim_normalize(&cs);
	claim_clear(&cs);
	for (i = 0; i + 4 <= len && i < 64; i += 4) {
		a = (uint32_t)data[i] << 24 | data[i + 1] << 16 |
		    data[i + 2] << 8 | data[i + 3];
		t = config_lookup(conf, a, ~a, data[i] % 3 == 0 ? 6 : 17);
		memset(&m, 0, sizeof(m));
		m.src = a ^ 0x5a5a5a5a;
		m.proto = data[i] % 3 == 0 ? 6 : 17;
		m.os = "Linux";
		m.tod = a % 86400;
		if (t == NULL)
			t = conf->dflt;
		if (t != NULL && (t = template_resolve(t, &m)) != NULL)
			(void)template_action(t, m.proto, a & 0xffff);
		router_describe(conf, a, data[i] & 0x3f, data[i] & 0x40 ?
		    1500 : 0, buf, sizeof(buf));
	}
	/* IPv6 walks: 2001:db8: and the input's bytes, sizes near MTUs. */
	for (i = 0; i + 12 <= len && i < 96; i += 12) {
		memset(&a6, 0, sizeof(a6));
		a6.s6_addr[0] = 0x20;
		a6.s6_addr[1] = 0x01;
		a6.s6_addr[2] = 0x0d;
		a6.s6_addr[3] = 0xb8;
		memcpy(&a6.s6_addr[4], data + i, 12);
		router_describe6(conf, &a6, data[i] & 0x3f,
		    1200 + (data[i + 1] << 1), buf, sizeof(buf));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct honeyd_config	*c1, *c2;
	char			*p1, *p2;
	size_t			 l1, l2;

	if (size > FUZZ_CONF_MAX || memmem(data, size, "include", 7) != NULL)
		return (0);
	if ((c1 = config_parse_buffer("fuzz", (const char *)data, size,
	    NULL, NULL)) == NULL)
		return (0);
	queries(c1, data, size);
	p1 = print_conf(c1, &l1);
	if ((c2 = config_parse_buffer("printout", p1, l1, NULL, NULL)) ==
	    NULL) {
		fprintf(stderr, "--- printout\n%s---\n", p1);
		fuzz_fail("the printout of a valid configuration does not "
		    "parse");
	}
	p2 = print_conf(c2, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0) {
		fprintf(stderr, "--- first\n%s--- second\n%s---\n", p1, p2);
		fuzz_fail("printout, parsed and printed again, differs");
	}
	free(p1);
	free(p2);
	config_free(c1);
	config_free(c2);
	return (0);
}
