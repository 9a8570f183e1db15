/*
 * Unit tests for the virtual hosts' MACs (ether.c): literal MACs, the
 * vendor lookup in a small table and in nmap's when it is installed,
 * the per-host derivation, and the map the parent looks addresses up in.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "unit.h"

#define A(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static const char table[] =
    "# comment 000000 Nobody\n"
    "000000 Xerox\n"
    "00000C Cisco Systems\r\n"
    "0000D8 Novell (3com)\n"
    "000102 3com\n"
    "000393 Apple\n"
    "0004AC IBM\n"
    "00A0C9 Intel\n"
    "garbage line\n"
    "12345 Short\n"
    "F0DEF1 Wistron Infocomm (Zhongshan)\n"
    "FFFFFF";

static int
find(const char *vendor, uint8_t *oui)
{
	return (ether_vendor_find(table, sizeof(table) - 1, vendor, oui));
}

static int
oui_is(const uint8_t *oui, uint8_t a, uint8_t b, uint8_t c)
{
	return (oui[0] == a && oui[1] == b && oui[2] == c);
}

static void
test_parse_mac(void)
{
	uint8_t	 m[6];

	CHECK(ether_parse_mac("00:0c:29:aa:bb:cc", m) == 0);
	CHECK(m[0] == 0x00 && m[1] == 0x0c && m[2] == 0x29 &&
	    m[3] == 0xaa && m[4] == 0xbb && m[5] == 0xcc);
	CHECK(ether_parse_mac("0-C-29-AA-bb-c", m) == 0);
	CHECK(m[1] == 0x0c && m[5] == 0x0c);
	CHECK(ether_parse_mac("00:0c:29:aa:bb", m) == -1);
	CHECK(ether_parse_mac("00:0c:29:aa:bb:cc:dd", m) == -1);
	CHECK(ether_parse_mac("00:0c:29:aa:bb:ccc", m) == -1);
	CHECK(ether_parse_mac("000:c:29:aa:bb:cc", m) == -1);
	CHECK(ether_parse_mac("00:0c:29:aa:bb:", m) == -1);
	CHECK(ether_parse_mac("00:0c:29:aa:bb:cx", m) == -1);
	CHECK(ether_parse_mac("00:-c:29:aa:bb:cc", m) == -1);
	CHECK(ether_parse_mac("3com", m) == -1);
	CHECK(ether_parse_mac("", m) == -1);
}

static void
test_vendor_table(void)
{
	uint8_t	 o[3];

	/* A name that begins with the vendor wins over an earlier match. */
	CHECK(find("3com", o) == 0 && oui_is(o, 0x00, 0x01, 0x02));
	CHECK(find("cisco", o) == 0 && oui_is(o, 0x00, 0x00, 0x0c));
	CHECK(find("CISCO SYSTEMS", o) == 0 && oui_is(o, 0x00, 0x00, 0x0c));
	CHECK(find("Apple", o) == 0 && oui_is(o, 0x00, 0x03, 0x93));
	/* Failing that, the first that contains it. */
	CHECK(find("infocomm", o) == 0 && oui_is(o, 0xf0, 0xde, 0xf1));
	CHECK(find("(3com", o) == 0 && oui_is(o, 0x00, 0x00, 0xd8));
	CHECK(find("Nobody", o) == -1);
	CHECK(find("Short", o) == -1);
	CHECK(find("garbage", o) == -1);
	CHECK(find("Hewlett", o) == -1);
	CHECK(find("", o) == -1);
	CHECK(ether_vendor_find("", 0, "cisco", o) == -1);
}

/* nmap's own table, if this machine has it. */
static void
test_vendor_nmap(void)
{
	uint8_t	 m[6];
	int	 literal;

	ether_prefixes = HONEYD_MACPREFIXES;
	if (access(ether_prefixes, R_OK) == -1) {
		MISSING(HONEYD_MACPREFIXES " not installed");
		return;
	}
	CHECK(ether_resolve("3com", m, &literal) == 0 && !literal);
	CHECK(oui_is(m, 0x00, 0x01, 0x02));
	CHECK(ether_resolve("cisco", m, &literal) == 0 && !literal);
	CHECK(oui_is(m, 0x00, 0x00, 0x0c));
	CHECK(ether_resolve("Apple", m, &literal) == 0 && !literal);
	CHECK(oui_is(m, 0x00, 0x03, 0x93));
	CHECK(ether_resolve("no such vendor, surely", m, &literal) == -1);
	CHECK(strstr(ether_error(), "no such vendor") != NULL);
	ether_release();
}

static void
test_resolve(void)
{
	uint8_t	 m[6];
	int	 literal;

	ether_prefixes = "/nonexistent/nmap-mac-prefixes";
	CHECK(ether_resolve("00:0c:29:aa:bb:cc", m, &literal) == 0);
	CHECK(literal && m[0] == 0x00 && m[2] == 0x29 && m[5] == 0xcc);
	CHECK(ether_resolve("01:00:5e:00:00:01", m, &literal) == -1);
	CHECK(strstr(ether_error(), "multicast") != NULL);
	/* No table: a vendor is an error, with the file's name. */
	CHECK(ether_resolve("cisco", m, &literal) == -1);
	CHECK(strstr(ether_error(), "/nonexistent/nmap-mac-prefixes") != NULL);
	ether_release();
}

static void
test_derive(void)
{
	static const uint8_t	 oui[3] = { 0x00, 0x00, 0x0c };
	static const uint8_t	 odd[3] = { 0x03, 0x12, 0x34 };
	uint8_t			 m1[6], m2[6], m3[6];
	uint32_t		 k = name_key("router"), a, v;
	int			 same = 0, bits = 0;
	uint8_t			*seen;

	ether_derive(oui, k, A(198, 18, 0, 10), m1);
	ether_derive(oui, k, A(198, 18, 0, 10), m2);
	CHECK(memcmp(m1, m2, 6) == 0);			/* stable */
	CHECK(m1[0] == 0x00 && m1[1] == 0x00 && m1[2] == 0x0c);
	ether_derive(oui, k, A(198, 18, 0, 11), m2);
	CHECK(memcmp(m1, m2, 6) != 0);			/* per address */
	ether_derive(oui, name_key("other"), A(198, 18, 0, 10), m3);
	CHECK(memcmp(m1, m3, 6) != 0);			/* per template */
	CHECK(name_key("router") == name_key("router"));
	/* Never multicast or locally administered, whatever the OUI. */
	ether_derive(odd, k, A(198, 18, 0, 10), m3);
	CHECK(m3[0] == 0x00 && m3[1] == 0x12 && m3[2] == 0x34);
	/* All of a /16 distinct: a permutation, not just a hash. */
	if ((seen = calloc(1 << 21, 1)) == NULL)
		return;
	for (a = A(198, 18, 0, 0); a <= A(198, 18, 255, 255); a++) {
		ether_derive(oui, k, a, m1);
		bits |= m1[0] & 0x03;
		if (m1[1] != 0x00 || m1[2] != 0x0c)
			same++;
		v = (uint32_t)m1[3] << 16 | m1[4] << 8 | m1[5];
		if (seen[v >> 3] & (1 << (v & 7)))
			same++;
		seen[v >> 3] |= 1 << (v & 7);
	}
	free(seen);
	CHECK(same == 0);
	CHECK(bits == 0);
}

static const char conf_text[] =
    "create default\n"
    "create router\n"
    "set router ethernet \"cisco\"\n"
    "bind 198.18.0.10 router\n"
    "bind 198.18.0.11 router\n"
    "create plain\n"
    "bind 198.18.0.20 plain\n"
    "create one\n"
    "set one ethernet \"00:0c:29:aa:bb:cc\"\n"
    "bind 198.18.0.30 one\n"
    "create many\n"
    "set many ethernet \"00:0c:29:aa:bb:cc\"\n"
    "bind 198.18.0.40 many\n"
    "bind 198.18.0.41 many\n"
    "dynamic dyn\n"
    "set dyn ethernet \"apple\"\n"
    "add dyn otherwise use plain\n"
    "bind 198.18.0.50 dyn\n"
    "dynamic dyn2\n"
    "add dyn2 otherwise use router\n"
    "bind 198.18.0.51 dyn2\n";

static char	 tmpfile_path[64];

static int
write_table(void)
{
	int	 fd;

	strlcpy(tmpfile_path, "/tmp/test_ether.XXXXXX", sizeof(tmpfile_path));
	if ((fd = mkstemp(tmpfile_path)) == -1)
		return (-1);
	if (write(fd, table, sizeof(table) - 1) != sizeof(table) - 1) {
		close(fd);
		return (-1);
	}
	close(fd);
	ether_prefixes = tmpfile_path;
	return (0);
}

static void
test_map(void)
{
	struct honeyd_config	*conf;
	struct ether_map	*em;
	uint8_t			 m[6], m2[6];

	if (write_table() == -1) {
		SKIP("cannot write a temporary table");
		return;
	}
	conf = config_parse_buffer("test", conf_text, sizeof(conf_text) - 1,
	    NULL, NULL);
	CHECK(conf != NULL);
	if (conf == NULL)
		goto out;
	em = ether_map_build(conf);
	CHECK(em != NULL);
	if (em == NULL)
		goto out;
	CHECK(ether_map_lookup(em, A(198, 18, 0, 10), m) == 1);
	CHECK(m[0] == 0x00 && m[1] == 0x00 && m[2] == 0x0c);
	ether_derive(m, name_key("router"), A(198, 18, 0, 10), m2);
	CHECK(memcmp(m, m2, 6) == 0);
	CHECK(ether_map_lookup(em, A(198, 18, 0, 11), m2) == 1);
	CHECK(memcmp(m, m2, 6) != 0 && m2[2] == 0x0c);
	CHECK(ether_map_lookup(em, A(198, 18, 0, 20), m) == 0);
	/* Unbound: "default", which has no ethernet. */
	CHECK(ether_map_lookup(em, A(198, 18, 0, 99), m) == 0);
	/* A literal for a single address is that address's MAC. */
	CHECK(ether_map_lookup(em, A(198, 18, 0, 30), m) == 1);
	CHECK(m[0] == 0x00 && m[1] == 0x0c && m[2] == 0x29 &&
	    m[3] == 0xaa && m[4] == 0xbb && m[5] == 0xcc);
	/* Several: the lowest gets it, the others derive from its OUI. */
	CHECK(ether_map_lookup(em, A(198, 18, 0, 40), m) == 1);
	CHECK(m[3] == 0xaa && m[4] == 0xbb && m[5] == 0xcc);
	CHECK(ether_map_lookup(em, A(198, 18, 0, 41), m) == 1);
	CHECK(m[0] == 0x00 && m[1] == 0x0c && m[2] == 0x29 &&
	    !(m[3] == 0xaa && m[4] == 0xbb && m[5] == 0xcc));
	/* A dynamic template's own setting, not its targets'. */
	CHECK(ether_map_lookup(em, A(198, 18, 0, 50), m) == 1);
	CHECK(m[0] == 0x00 && m[1] == 0x03 && m[2] == 0x93);
	CHECK(ether_map_lookup(em, A(198, 18, 0, 51), m) == 0);
	ether_map_free(em);

	/* "default" with a vendor: unbound addresses get MACs too. */
	free(conf->dflt->ethernet);
	conf->dflt->ethernet = strdup("intel");
	CHECK((em = ether_map_build(conf)) != NULL);
	if (em != NULL) {
		CHECK(ether_map_lookup(em, A(198, 18, 0, 99), m) == 1);
		CHECK(m[0] == 0x00 && m[1] == 0xa0 && m[2] == 0xc9);
		CHECK(ether_map_lookup(em, A(198, 18, 0, 20), m) == 0);
		ether_map_free(em);
	}
	/* A vendor that is not there: no map. */
	free(conf->dflt->ethernet);
	conf->dflt->ethernet = strdup("Hewlett");
	CHECK(ether_map_build(conf) == NULL);
 out:
	ether_release();
	if (conf != NULL)
		config_free(conf);
	unlink(tmpfile_path);
}

/* A derived MAC equal to the literal one is moved out of its way. */
static void
test_literal_clash(void)
{
	static const uint8_t	 oui[3] = { 0x00, 0x0c, 0x29 };
	struct honeyd_config	*conf;
	struct ether_map	*em;
	uint8_t			 lit[6], m[6], m2[6];
	char			 text[256];

	ether_derive(oui, name_key("clash"), A(198, 18, 0, 61), lit);
	snprintf(text, sizeof(text), "create clash\n"
	    "set clash ethernet \"%02x:%02x:%02x:%02x:%02x:%02x\"\n"
	    "bind 198.18.0.60 clash\nbind 198.18.0.61 clash\n",
	    lit[0], lit[1], lit[2], lit[3], lit[4], lit[5]);
	conf = config_parse_buffer("test", text, strlen(text), NULL, NULL);
	CHECK(conf != NULL);
	if (conf == NULL)
		return;
	CHECK((em = ether_map_build(conf)) != NULL);
	if (em != NULL) {
		CHECK(ether_map_lookup(em, A(198, 18, 0, 60), m) == 1);
		CHECK(memcmp(m, lit, 6) == 0);
		CHECK(ether_map_lookup(em, A(198, 18, 0, 61), m) == 1);
		CHECK(memcmp(m, lit, 6) != 0);
		ether_derive(oui, name_key("clash"), A(198, 18, 0, 60), m2);
		CHECK(memcmp(m, m2, 6) == 0);
		ether_map_free(em);
	}
	config_free(conf);
}

/* ether_host_mac: the running map, and only for the interface's subnet. */
static void
test_host_mac(void)
{
	struct honeyd_config	*conf;
	struct iface		 ifp;
	uint8_t			 m[6];

	memset(&ifp, 0, sizeof(ifp));
	ifp.addr = A(198, 18, 0, 2);
	ifp.mask = 0xffffff00;
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 10), m) == 0);
	if (write_table() == -1) {
		SKIP("cannot write a temporary table");
		return;
	}
	conf = config_parse_buffer("test", conf_text, sizeof(conf_text) - 1,
	    NULL, NULL);
	if (conf != NULL)
		ether_install(ether_map_build(conf));
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 10), m) == 1);
	CHECK(m[2] == 0x0c);
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 20), m) == 0);
	ifp.addr = A(198, 19, 0, 2);
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 10), m) == 0);
	ifp.addr = 0;
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 10), m) == 1);
	ether_install(NULL);
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 10), m) == 0);
	ether_release();
	if (conf != NULL)
		config_free(conf);
	unlink(tmpfile_path);
}

int
main(void)
{
	test_parse_mac();
	test_vendor_table();
	test_vendor_nmap();
	test_resolve();
	test_derive();
	test_map();
	test_literal_clash();
	test_host_mac();
	return (unit_done());
}
