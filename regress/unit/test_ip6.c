/*
 * Unit tests for IPv6, first step: addresses and prefixes (addr.c), the
 * configuration's IPv6 binds (parse.y, config.c, printconf.c), the
 * claimed IPv6 space and its filter (claim.c), the Neighbor Discovery
 * messages the parent builds and reads (ndp.c), and the engine's echo
 * path (ip6.c, icmp6.c).
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "engine_fixture.h"
#include "unit.h"

/* ndp.c is the parent's: its state is not used here, only its parser. */
struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

static struct in6_addr
A6(const char *s)
{
	struct in6_addr	 a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return (a);
}

#define SAME6(a, b)	(memcmp((a), (b), 16) == 0)

static void
test_addr6(void)
{
	struct in6_addr	 a, net, x;
	char		 buf[INET6_ADDRSTRLEN + 8];
	int		 plen;

	CHECK(addr6_parse("2001:db8::5", &a) == 0);
	x = A6("2001:db8::5");
	CHECK(SAME6(&a, &x));
	CHECK(addr6_parse("2001:db8::zz", &a) == -1);
	CHECK(addr6_parse("198.18.0.1", &a) == -1);
	CHECK(addr6_parse("fe80::1%eth0", &a) == -1);	/* no zones */
	CHECK(addr6_parse("localhost", &a) == -1);

	CHECK(addr6_parse_net("2001:db8:1::/64", &net, &plen) == 0);
	x = A6("2001:db8:1::");
	CHECK(SAME6(&net, &x) && plen == 64);
	CHECK(addr6_parse_net("2001:db8:1::5", &net, &plen) == 0);
	CHECK(plen == 128);
	CHECK(addr6_parse_net("2001:db8:1::5/64", &net, &plen) == 1);
	CHECK(SAME6(&net, &x) && plen == 64);
	CHECK(addr6_parse_net("2001:db8:1::ff/121", &net, &plen) == 1);
	x = A6("2001:db8:1::80");
	CHECK(SAME6(&net, &x));
	CHECK(addr6_parse_net("::/0", &net, &plen) == 0 && plen == 0);
	CHECK(addr6_parse_net("2001:db8::/129", &net, &plen) == -1);
	CHECK(addr6_parse_net("2001:db8::/", &net, &plen) == -1);
	CHECK(addr6_parse_net("2001:db8::/-1", &net, &plen) == -1);
	CHECK(addr6_parse_net("2001:db8::/0064", &net, &plen) == -1);

	x = A6("2001:db8:1::");
	a = A6("2001:db8:1::ffff");
	CHECK(addr6_in_net(&a, &x, 64));
	CHECK(addr6_in_net(&a, &x, 112));
	CHECK(!addr6_in_net(&a, &x, 128));
	a = A6("2001:db8:2::1");
	CHECK(!addr6_in_net(&a, &x, 64));
	x = A6("::");
	CHECK(addr6_in_net(&a, &x, 0));

	x = A6("2001:db8:1::");
	CHECK(strcmp(addr6_fmt_net(&x, 64, buf, sizeof(buf)),
	    "2001:db8:1::/64") == 0);
	a = A6("2001:0db8:0000::0005");
	CHECK(strcmp(addr6_fmt_net(&a, 128, buf, sizeof(buf)),
	    "2001:db8::5") == 0);
	/* Only host addresses may be claimed. */
	a = A6("2001:db8::");
	CHECK(addr6_net_unicast(&a, 32));
	a = A6("ff02::");
	CHECK(!addr6_net_unicast(&a, 16));
	a = A6("::");
	CHECK(!addr6_net_unicast(&a, 0));
	CHECK(!addr6_net_unicast(&a, 128));
	a = A6("::1");
	CHECK(!addr6_net_unicast(&a, 128));
	a = A6("::2");
	CHECK(addr6_net_unicast(&a, 128));
	a = A6("fe00::");
	CHECK(!addr6_net_unicast(&a, 7));
	/* Hosts of one /64 fold apart. */
	a = A6("2001:db8::5");
	x = A6("2001:db8::6");
	CHECK(addr6_fold(&a) != addr6_fold(&x));
}

static const char *conf6 =
    "create web\n"
    "create lan\n"
    "bind 198.18.0.5 web\n"
    "bind 2001:db8:1::/64 lan\n"
    "bind 2001:db8::5 web\n"
    "bind 2001:db8:2::/48 lan\n";

static void
test_binds(void)
{
	struct honeyd_config	*c;
	struct template		*t;
	struct in6_addr		 a;
	struct claimset		 cs;
	char			*buf = NULL, *filter;
	size_t			 len = 0;
	FILE			*f;

	c = config_parse_buffer("test", conf6, strlen(conf6), NULL, NULL);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(c->nbinds == 1 && c->nbinds6 == 3);
	a = A6("2001:db8::5");
	CHECK((t = config_lookup6(c, &a, NULL, 0)) != NULL &&
	    strcmp(t->name, "web") == 0);
	a = A6("2001:db8:1::abcd");
	CHECK((t = config_lookup6(c, &a, NULL, 0)) != NULL &&
	    strcmp(t->name, "lan") == 0);
	a = A6("2001:db8:2:ffff::1");
	CHECK(config_lookup6(c, &a, NULL, 0) != NULL);
	a = A6("2001:db8::6");
	CHECK(config_lookup6(c, &a, NULL, 0) == NULL);
	a = A6("2001:db8:3::");
	CHECK(config_find_bind6(c, &a) == NULL);
	/* The dual-stack template is in use; unbinding it is not. */
	t = config_find_template(c, "web");
	CHECK(t != NULL && template_used_by(c, t) != NULL);

	/* Printed in address order, parsed back to the same. */
	f = open_memstream(&buf, &len);
	config_print(f, c);
	fclose(f);
	CHECK(strstr(buf, "bind 2001:db8::5 web\nbind 2001:db8:1::/64 lan\n"
	    "bind 2001:db8:2::/48 lan\n") != NULL);
	config_free(c);
	c = config_parse_buffer("printout", buf, len, NULL, NULL);
	CHECK(c != NULL && c->nbinds6 == 3);

	/* The claims and the filter. */
	claim_init(&cs);
	CHECK(c != NULL && config_claimed_ranges(c, &cs) == 0);
	CHECK(claim6_add(&cs, &(struct in6_addr){ .s6_addr = { 0x20, 0x01,
	    0x0d, 0xb8, 0, 1 } }, 112) == 0);	/* inside the /64 */
	claim_normalize(&cs);
	CHECK(cs.n == 1 && cs.n6 == 3);
	a = A6("2001:db8:1::1");
	CHECK(claim6_contains(&cs, &a));
	a = A6("2001:db8::5");
	CHECK(claim6_contains(&cs, &a));
	a = A6("2001:db8::4");
	CHECK(!claim6_contains(&cs, &a));
	a = A6("2001:db8:2:1::");
	CHECK(claim6_contains(&cs, &a));
	a = A6("2001:db8:3::");
	CHECK(!claim6_contains(&cs, &a));
	filter = claim_filter(&cs);
	CHECK(filter != NULL && strstr(filter, " or (ip6 and (dst net "
	    "ff02::/16 or dst net 2001:db8::5/128 or dst net "
	    "2001:db8:1::/64 or dst net 2001:db8:2::/48))") != NULL);
	CHECK(filter != NULL && strncmp(filter, "arp or (ip and (", 16) == 0);
	free(filter);
	claim_clear(&cs);
	config_free(c);
	free(buf);
}

/* Configurations the parser refuses, and what it says. */
static void
test_bind_errors(void)
{
	static const char *bad[] = {
		"create a\nbind 2001:db8::1/64 a\n",
		"create a\nbind 2001:db8::/130 a\n",
		"create a\nbind 2001:db8::2-2001:db8::1 a\n",
		"create a\nbind 2001:db8::2 - 198.18.0.1 a\n",
		"create a\nunbind 2001:db8::/64\n",
	};
	static const char *ok = "create a\nbind 2001:db8::/64 a\n"
	    "unbind 2001:db8::/64\nbind 2001:db8::1 a\n";
	/* Overlaps replace, as for IPv4: binds left, and a lookup. */
	static const struct {
		const char	*conf, *addr, *tmpl;
		size_t		 n;
	} over[] = {
		{ "create a\ncreate b\nbind 2001:db8::/64 a\n"
		    "bind 2001:db8::1 b\n", "2001:db8::1", "b", 2 },
		{ "create a\ncreate b\nbind 2001:db8::1 b\n"
		    "bind 2001:db8::/64 a\n", "2001:db8::1", "a", 1 },
		{ "create a\ncreate b\nbind 2001:db8::1 a\n"
		    "bind 2001:db8::1 b\n", "2001:db8::1", "b", 1 },
		{ "create a\nbind 2001:db8::1-2001:db8::2 a\n",
		    "2001:db8::2", "a", 2 },
	};
	struct honeyd_config	*c;
	struct template		*t;
	struct in6_addr		 a;
	size_t			 i;

	for (i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		c = config_parse_buffer("test", over[i].conf,
		    strlen(over[i].conf), NULL, NULL);
		CHECK(c != NULL && c->nbinds6 == over[i].n);
		a = A6(over[i].addr);
		CHECK(c != NULL && (t = config_lookup6(c, &a, NULL, 0)) !=
		    NULL && strcmp(t->name, over[i].tmpl) == 0);
		config_free(c);
	}

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = config_parse_buffer("test", bad[i], strlen(bad[i]), NULL,
		    NULL);
		CHECK(c == NULL);
		config_free(c);
	}
	c = config_parse_buffer("test", ok, strlen(ok), NULL, NULL);
	CHECK(c != NULL && c->nbinds6 == 1);
	config_free(c);
}

static void
test_ndp(void)
{
	struct ndp_msg	 m, p;
	struct in6_addr	 g, x;
	uint8_t		 pkt[128];
	size_t		 len;
	static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0, 0, 5 };

	x = A6("2001:db8::1:2345:6789");
	ndp_solicited_node(&x, &g);
	x = A6("ff02::1:ff45:6789");
	CHECK(SAME6(&g, &x));

	/* An advertisement, built and read back. */
	memset(&m, 0, sizeof(m));
	m.type = NDP_NEIGHBOR_ADVERT;
	m.src = m.target = A6("2001:db8::5");
	m.dst = A6("2001:db8::1");
	m.flags = NDP_NA_SOLICITED | NDP_NA_OVERRIDE;
	m.has_lla = 1;
	memcpy(m.lla, mac, 6);
	len = ndp_build(pkt, sizeof(pkt), &m);
	CHECK(len == IP6_HDR_LEN + 32);
	CHECK(pkt[7] == 255 && pkt[6] == IP_PROTO_ICMPV6);
	CHECK(pkt[IP6_HDR_LEN + 24] == NDP_OPT_TARGET_LLA);
	CHECK(ndp_parse(pkt, len, &p) == 0);
	CHECK(p.type == NDP_NEIGHBOR_ADVERT && p.flags == m.flags);
	CHECK(SAME6(&p.target, &m.target) && SAME6(&p.src, &m.src));
	CHECK(p.has_lla && memcmp(p.lla, mac, 6) == 0);
	CHECK(ndp_build(pkt, len - 1, &m) == 0);

	/* Damaged: checksum, hop limit, code, option length, truncation. */
	pkt[IP6_HDR_LEN + 10] ^= 1;
	CHECK(ndp_parse(pkt, len, &p) == -1);
	pkt[IP6_HDR_LEN + 10] ^= 1;
	pkt[7] = 254;
	CHECK(ndp_parse(pkt, len, &p) == -1);
	pkt[7] = 255;
	CHECK(ndp_parse(pkt, len - 1, &p) == -1);
	m.lla[0] = 0;
	len = ndp_build(pkt, sizeof(pkt), &m);
	pkt[IP6_HDR_LEN + 25] = 0;	/* a zero-length option loops */
	CHECK(ndp_parse(pkt, len, &p) == -1);
	pkt[IP6_HDR_LEN + 25] = 2;	/* past the end */
	CHECK(ndp_parse(pkt, len, &p) == -1);

	/* A probe: from ::, no link-layer address; with one it is bad. */
	memset(&m, 0, sizeof(m));
	m.type = NDP_NEIGHBOR_SOLICIT;
	m.target = A6("2001:db8::5");
	ndp_solicited_node(&m.target, &m.dst);
	len = ndp_build(pkt, sizeof(pkt), &m);
	CHECK(len == IP6_HDR_LEN + 24);
	CHECK(ndp_parse(pkt, len, &p) == 0 && p.type == NDP_NEIGHBOR_SOLICIT &&
	    !p.has_lla && SAME6(&p.target, &m.target));
	m.has_lla = 1;
	len = ndp_build(pkt, sizeof(pkt), &m);
	CHECK(ndp_parse(pkt, len, &p) == -1);

	/* A solicitation may not ask for a multicast target. */
	m.src = A6("2001:db8::1");
	m.target = A6("ff02::1");
	len = ndp_build(pkt, sizeof(pkt), &m);
	CHECK(ndp_parse(pkt, len, &p) == -1);
}

/* An echo request from 2001:db8::1 to dst, id 7, sequence 1. */
static size_t
echo6(uint8_t *pkt, const char *dst, uint8_t nxt, int hlim)
{
	struct ip6_hdr	*ip6 = (struct ip6_hdr *)pkt;
	struct in6_addr	 s = A6("2001:db8::1"), d = A6(dst);
	uint8_t		*l4 = pkt + IP6_HDR_LEN;
	uint16_t	 sum;

	memset(pkt, 0, IP6_HDR_LEN + 16);
	ip6->ip6_flow = htonl(6U << 28);
	ip6->ip6_plen = htons(16);
	ip6->ip6_nxt = nxt;
	ip6->ip6_hlim = hlim;
	memcpy(&ip6->ip6_src, &s, 16);
	memcpy(&ip6->ip6_dst, &d, 16);
	l4[0] = 128;
	l4[5] = 7;
	l4[7] = 1;
	memcpy(l4 + 8, "honeyd!", 8);
	sum = ip6_cksum(&s, &d, IP_PROTO_ICMPV6, l4, 16);
	memcpy(l4 + 2, &sum, 2);
	return (IP6_HDR_LEN + 16);
}

static void
test_echo(void)
{
	static struct fixture_reply	 r;
	uint8_t				 pkt[128];
	struct in6_addr			 s, d;
	size_t				 len;
	uint64_t			 before;

	/* One engine for this test and test_wire(). */
	if (fixture_engine("create lan\nbind 2001:db8:1::/64 lan\n"
	    "create web\nbind 2001:db8::5 web\nadd web tcp port 80 open\n"
	    "add web udp port 54 open\nadd web udp port 7 \"cat\"\n"
	    "add web udp port 55 prohibit\n"
	    "create quiet\nset quiet default udp action block\n"
	    "bind 2001:db8::8 quiet\n", 64) == -1) {
		CHECK(0);
		return;
	}
	len = echo6(pkt, "2001:db8::5", IP_PROTO_ICMPV6, 64);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1);
	CHECK(r.len == len && (r.pkt[0] >> 4) == 6);
	memcpy(&s, r.pkt + 8, 16);
	memcpy(&d, r.pkt + 24, 16);
	CHECK(SAME6(&s, pkt + 24) && SAME6(&d, pkt + 8));
	CHECK(r.pkt[7] == 64);			/* a plain stack's */
	CHECK(r.pkt[IP6_HDR_LEN] == 129);
	CHECK(memcmp(r.pkt + IP6_HDR_LEN + 4, pkt + IP6_HDR_LEN + 4, 12) == 0);
	CHECK(ip6_cksum(&s, &d, IP_PROTO_ICMPV6, r.pkt + IP6_HDR_LEN,
	    16) == 0);
	CHECK(engine->stats.icmp6_echo == 1);
	CHECK(host_count() == 1);

	/* A host inside a bound prefix; padding after the payload. */
	len = echo6(pkt, "2001:db8:1::77", IP_PROTO_ICMPV6, 1);
	ip_input(pkt, len + 6);
	CHECK(fixture_next(&r) == 1 && r.len == len);
	CHECK(host_count() == 2);

	/* Not answered: unbound, bad checksum, other next headers. */
	len = echo6(pkt, "2001:db8::6", IP_PROTO_ICMPV6, 64);
	before = engine->stats.drop_noaddr;
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0 && engine->stats.drop_noaddr == before + 1);
	len = echo6(pkt, "2001:db8::5", IP_PROTO_ICMPV6, 64);
	pkt[len - 1] ^= 0xff;
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0 && engine->stats.icmp6_drop == 1);
	len = echo6(pkt, "2001:db8::5", IP_PROTO_TCP, 64);
	ip_input(pkt, len);			/* TCP, bad checksum */
	CHECK(fixture_next(&r) == 0 && engine->stats.tcp6_drop == 1);

	/* The fixed header: hop limit 0, lengths, version. */
	before = engine->stats.ip6_drop_hdr;
	len = echo6(pkt, "2001:db8::5", IP_PROTO_ICMPV6, 0);
	ip_input(pkt, len);
	len = echo6(pkt, "2001:db8::5", IP_PROTO_ICMPV6, 64);
	ip_input(pkt, len - 1);
	ip_input(pkt, IP6_HDR_LEN - 1);
	pkt[4] = pkt[5] = 0;
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0 &&
	    engine->stats.ip6_drop_hdr == before + 4);
	/* A multicast source is never answered. */
	len = echo6(pkt, "2001:db8::5", IP_PROTO_ICMPV6, 64);
	pkt[8] = 0xff;
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0);
}

/*
 * An IPv6 packet from src to dst: next header nxt, then plen bytes of
 * pl; its length.
 */
static size_t
mk6(uint8_t *pkt, const char *src, const char *dst, uint8_t nxt,
    const uint8_t *pl, size_t plen)
{
	struct ip6_hdr	*ip6 = (struct ip6_hdr *)pkt;
	struct in6_addr	 s = A6(src), d = A6(dst);

	memset(pkt, 0, IP6_HDR_LEN);
	ip6->ip6_flow = htonl(6U << 28);
	ip6->ip6_plen = htons((uint16_t)plen);
	ip6->ip6_nxt = nxt;
	ip6->ip6_hlim = 64;
	memcpy(&ip6->ip6_src, &s, 16);
	memcpy(&ip6->ip6_dst, &d, 16);
	memmove(pkt + IP6_HDR_LEN, pl, plen);
	return (IP6_HDR_LEN + plen);
}

/* An echo request of n bytes (8 of header) from src to dst, in l4. */
static void
echo_body(uint8_t *l4, size_t n, const char *src, const char *dst)
{
	struct in6_addr	 s = A6(src), d = A6(dst);
	uint16_t	 sum;
	size_t		 i;

	memset(l4, 0, 8);
	l4[0] = 128;
	l4[5] = 9;
	l4[7] = 2;
	for (i = 8; i < n; i++)
		l4[i] = (uint8_t)i;
	sum = ip6_cksum(&s, &d, IP_PROTO_ICMPV6, l4, n);
	memcpy(l4 + 2, &sum, 2);
}

/* A reply is an ICMPv6 message of type and code, its checksum good. */
static int
icmp6_is(const struct fixture_reply *r, int type, int code)
{
	struct in6_addr	 s, d;

	if (r->len < IP6_HDR_LEN + 8 || r->pkt[6] != IP_PROTO_ICMPV6)
		return (0);
	memcpy(&s, r->pkt + 8, 16);
	memcpy(&d, r->pkt + 24, 16);
	return (r->pkt[IP6_HDR_LEN] == type &&
	    r->pkt[IP6_HDR_LEN + 1] == code &&
	    ip6_cksum(&s, &d, IP_PROTO_ICMPV6, r->pkt + IP6_HDR_LEN,
	    r->len - IP6_HDR_LEN) == 0);
}

static uint32_t
ptr_of(const struct fixture_reply *r)
{
	const uint8_t	*p = r->pkt + IP6_HDR_LEN + 4;

	return ((uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);
}

/* A fragment of body (a whole upper-layer message) at off, n bytes. */
static size_t
frag6(uint8_t *pkt, const char *src, const char *dst, uint32_t id,
    const uint8_t *body, size_t off, size_t n, int more)
{
	uint8_t	 pl[8 + 1500];

	pl[0] = IP_PROTO_ICMPV6;
	pl[1] = 0;
	pl[2] = (uint8_t)((off | (more != 0)) >> 8);
	pl[3] = (uint8_t)((off | (more != 0)) & 0xff);
	pl[4] = id >> 24;
	pl[5] = id >> 16;
	pl[6] = id >> 8;
	pl[7] = id;
	memcpy(pl + 8, body + off, n);
	return (mk6(pkt, src, dst, IP_PROTO_FRAGMENT, pl, 8 + n));
}

/*
 * The input path's extension headers, errors and fragments, each way
 * of ip6ext_walk()'s verdicts acted on (ip6.c).
 */
static void
test_wire(void)
{
	static struct fixture_reply	 r;
	static uint8_t			 body[4000], pkt[1600], whole[4000];
	uint8_t				 pl[64];
	size_t				 len, got, off;
	uint64_t			 before, t0, ms;
	uint32_t			 id = 0;
	char				 peer[INET6_ADDRSTRLEN];
	int				 n, nfrag;

	/* test_echo()'s engine. */
	if (engine == NULL) {
		CHECK(0);
		return;
	}

	/* An unknown next header: parameter problem code 1 at byte 6. */
	memset(pl, 0, sizeof(pl));
	len = mk6(pkt, "2001:db8::1", "2001:db8::5", 253, pl, 16);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1 && icmp6_is(&r, 4, 1) && ptr_of(&r) == 6);
	CHECK(r.len == IP6_HDR_LEN + 8 + len &&
	    memcmp(r.pkt + IP6_HDR_LEN + 8, pkt, len) == 0);
	CHECK(SAME6(r.pkt + 8, pkt + 24) && SAME6(r.pkt + 24, pkt + 8));
	CHECK(engine->stats.icmp6_err == 1);
	/* TCP with a bad checksum: counted, silent. */
	before = engine->stats.tcp6_drop;
	len = mk6(pkt, "2001:db8::1", "2001:db8::5", IP_PROTO_TCP, pl, 20);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0 && engine->stats.tcp6_drop == before + 1);

	/* Hop-by-hop with padding, then echo: walked and answered. */
	pl[0] = IP_PROTO_ICMPV6;
	pl[1] = 0;
	pl[2] = IP6_OPT_PADN;
	pl[3] = 4;
	memset(pl + 4, 0, 4);
	echo_body(pl + 8, 16, "2001:db8::1", "2001:db8::5");
	len = mk6(pkt, "2001:db8::1", "2001:db8::5", IP_PROTO_HOPOPTS, pl, 24);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1 && icmp6_is(&r, 129, 0) &&
	    r.len == IP6_HDR_LEN + 16);

	/* Routing header type 0, segments left: code 0, its type byte. */
	pl[0] = IP_PROTO_ICMPV6;
	pl[1] = 2;
	pl[2] = 0;
	pl[3] = 1;
	memset(pl + 4, 0, 20);
	echo_body(pl + 24, 16, "2001:db8::1", "2001:db8::5");
	len = mk6(pkt, "2001:db8::1", "2001:db8::5", IP_PROTO_ROUTING, pl, 40);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1 && icmp6_is(&r, 4, 0) &&
	    ptr_of(&r) == IP6_HDR_LEN + 2);

	/* UDP: a closed port is unreachable; a filtered one silent. */
	memset(pl, 0, 12);
	pl[1] = 99;
	pl[3] = 53;
	pl[5] = 12;
	{
		struct in6_addr s = A6("2001:db8::1"), d = A6("2001:db8::5");
		uint16_t sum = ip6_cksum(&s, &d, IP_PROTO_UDP, pl, 12);

		memcpy(pl + 6, &sum, 2);
	}
	len = mk6(pkt, "2001:db8::1", "2001:db8::5", IP_PROTO_UDP, pl, 12);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1 && icmp6_is(&r, 1, 4));
	CHECK(engine->stats.udp6_closed == 1);
	pl[6] ^= 1;				/* bad checksum */
	len = mk6(pkt, "2001:db8::1", "2001:db8::5", IP_PROTO_UDP, pl, 12);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0 && engine->stats.udp6_drop == 1);
	pl[6] = pl[7] = 0;
	{
		struct in6_addr s = A6("2001:db8::1"), d = A6("2001:db8::8");
		uint16_t sum = ip6_cksum(&s, &d, IP_PROTO_UDP, pl, 12);

		memcpy(pl + 6, &sum, 2);
	}
	len = mk6(pkt, "2001:db8::1", "2001:db8::8", IP_PROTO_UDP, pl, 12);
	ip_input(pkt, len);			/* "block": silence */
	CHECK(fixture_next(&r) == 0 && engine->stats.udp6_drop == 2 &&
	    engine->stats.udp6_closed == 1);
	/* "prohibit": administratively prohibited, quoting the datagram. */
	pl[3] = 55;
	pl[6] = pl[7] = 0;
	{
		struct in6_addr s = A6("2001:db8::1"), d = A6("2001:db8::5");
		uint16_t sum = ip6_cksum(&s, &d, IP_PROTO_UDP, pl, 12);

		memcpy(pl + 6, &sum, 2);
	}
	len = mk6(pkt, "2001:db8::1", "2001:db8::5", IP_PROTO_UDP, pl, 12);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1 && icmp6_is(&r, 1, 1) &&
	    r.len == IP6_HDR_LEN + 8 + len &&
	    memcmp(r.pkt + IP6_HDR_LEN + 8, pkt, len) == 0);
	CHECK(engine->stats.prohibited == 1 && engine->stats.udp6_closed == 1);

	/* A burst from one peer: the Linux bucket lets six go. */
	memset(pl, 0, sizeof(pl));
	before = engine->stats.icmp6_err_rl;
	for (n = 0, got = 0; n < 20; n++) {
		len = mk6(pkt, "2001:db8::2", "2001:db8::5", 253, pl, 8);
		ip_input(pkt, len);
		got += fixture_replies(&r);
	}
	CHECK(got == 6);
	CHECK(engine->stats.icmp6_err_rl == before + 14);

	/*
	 * A burst from 80 peers, one error each, to a host no error came
	 * from yet: Linux's host-wide bucket lets 50 go, and one more a
	 * millisecond while the burst lasts.
	 */
	before = engine->stats.icmp6_err_rl;
	t0 = pers_now_us();
	for (n = 0, got = 0; n < 80; n++) {
		snprintf(peer, sizeof(peer), "2001:db8::1:%x", n + 1);
		len = mk6(pkt, peer, "2001:db8:1::99", 253, pl, 8);
		ip_input(pkt, len);
		got += fixture_replies(&r);
	}
	ms = (pers_now_us() - t0) / 1000 + 1;
	CHECK(got >= 50 && got <= 50 + ms);
	CHECK(engine->stats.icmp6_err_rl == before + 80 - got);

	/* An atomic fragment is a whole packet: answered. */
	echo_body(body, 24, "2001:db8::3", "2001:db8::5");
	len = frag6(pkt, "2001:db8::3", "2001:db8::5", 77, body, 0, 24, 0);
	before = engine->stats.frag6_atomic;
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1 && icmp6_is(&r, 129, 0) &&
	    r.len == IP6_HDR_LEN + 24 && engine->stats.frag6_atomic ==
	    before + 1);

	/*
	 * 3000 bytes of echo in three fragments, last first: reassembled,
	 * and the 3048-byte reply leaves in fragments of the host's one
	 * identification that put it back together.
	 */
	echo_body(body, 3008, "2001:db8::3", "2001:db8::5");
	len = frag6(pkt, "2001:db8::3", "2001:db8::5", 78, body, 2400, 608, 0);
	ip_input(pkt, len);
	len = frag6(pkt, "2001:db8::3", "2001:db8::5", 78, body, 0, 1200, 1);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0);
	len = frag6(pkt, "2001:db8::3", "2001:db8::5", 78, body, 1200, 1200,
	    1);
	ip_input(pkt, len);
	memset(whole, 0, sizeof(whole));
	for (nfrag = 0, got = 0; fixture_next(&r) == 1; nfrag++) {
		CHECK(r.len <= 1500 && r.pkt[6] == IP_PROTO_FRAGMENT &&
		    r.pkt[IP6_HDR_LEN] == IP_PROTO_ICMPV6);
		if (nfrag == 0)
			id = (uint32_t)r.pkt[44] << 24 | r.pkt[45] << 16 |
			    r.pkt[46] << 8 | r.pkt[47];
		CHECK(((uint32_t)r.pkt[44] << 24 | r.pkt[45] << 16 |
		    r.pkt[46] << 8 | r.pkt[47]) == id);
		off = (size_t)(r.pkt[42] << 8 | r.pkt[43]) & 0xfff8;
		if (off + r.len - 48 <= sizeof(whole))
			memcpy(whole + off, r.pkt + 48, r.len - 48);
		got += r.len - 48;
		if ((r.pkt[43] & 1) == 0)
			break;
	}
	CHECK(nfrag == 2 && got == 3008 && engine->stats.frag6_out == 1);
	CHECK(whole[0] == 129 && memcmp(whole + 4, body + 4, 3004) == 0);
	{
		struct in6_addr s = A6("2001:db8::5"), d = A6("2001:db8::3");

		CHECK(ip6_cksum(&s, &d, IP_PROTO_ICMPV6, whole, 3008) == 0);
	}

	/* Overlapping fragments: the datagram is dropped (RFC 5722). */
	before = engine->stats.frag6_overlap;
	len = frag6(pkt, "2001:db8::3", "2001:db8::5", 79, body, 0, 1200, 1);
	ip_input(pkt, len);
	len = frag6(pkt, "2001:db8::3", "2001:db8::5", 79, body, 1192, 1200,
	    1);
	ip_input(pkt, len);
	len = frag6(pkt, "2001:db8::3", "2001:db8::5", 79, body, 2392, 616, 0);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0 && engine->stats.frag6_overlap ==
	    before + 1);

	/* Time exceeded, code 1, from the host the datagram was for. */
	len = frag6(pkt, "2001:db8::4", "2001:db8::5", 80, body, 0, 1200, 1);
	ip6_reasm_timeout(pkt, len);
	CHECK(fixture_next(&r) == 1 && icmp6_is(&r, 3, 1) &&
	    SAME6(r.pkt + 8, pkt + 24));
	ip6frag_flush();
}

/*
 * A TCP segment from 2001:db8::1 port 40000 to dst: flags, sequence
 * number, an MSS option of mss if not 0; its checksum good.
 */
static size_t
tcp6(uint8_t *pkt, const char *dst, uint16_t dport, uint8_t flags,
    uint32_t seq, uint32_t ack, uint16_t mss)
{
	struct in6_addr	 s = A6("2001:db8::1"), d = A6(dst);
	uint8_t		 pl[24];
	size_t		 n = mss != 0 ? 24 : 20;
	uint16_t	 sum;

	memset(pl, 0, sizeof(pl));
	pl[0] = 40000 >> 8;
	pl[1] = 40000 & 0xff;
	pl[2] = dport >> 8;
	pl[3] = dport & 0xff;
	seq = htonl(seq);
	ack = htonl(ack);
	memcpy(pl + 4, &seq, 4);
	memcpy(pl + 8, &ack, 4);
	pl[12] = (uint8_t)(n / 4) << 4;
	pl[13] = flags;
	pl[14] = 0xff;
	pl[15] = 0xff;
	if (mss != 0) {
		pl[20] = TCP_OPT_MSS;
		pl[21] = 4;
		pl[22] = mss >> 8;
		pl[23] = mss & 0xff;
	}
	sum = ip6_cksum(&s, &d, IP_PROTO_TCP, pl, n);
	memcpy(pl + 16, &sum, 2);
	return (mk6(pkt, "2001:db8::1", dst, IP_PROTO_TCP, pl, n));
}

/* A reply is a TCP segment to 2001:db8::1 port 40000, checksum good. */
static int
tcp6_is(const struct fixture_reply *r, const char *from, uint8_t flags)
{
	struct in6_addr	 s = A6(from), d = A6("2001:db8::1");

	return (r->len >= IP6_HDR_LEN + 20 && r->pkt[6] == IP_PROTO_TCP &&
	    SAME6(r->pkt + 8, &s) && SAME6(r->pkt + 24, &d) &&
	    r->pkt[IP6_HDR_LEN + 2] == 40000 >> 8 &&
	    r->pkt[IP6_HDR_LEN + 3] == (40000 & 0xff) &&
	    r->pkt[IP6_HDR_LEN + 13] == flags &&
	    ip6_cksum(&s, &d, IP_PROTO_TCP, r->pkt + IP6_HDR_LEN,
	    r->len - IP6_HDR_LEN) == 0);
}

/* The MSS option of a SYN+ACK, or 0. */
static unsigned
synack_mss(const struct fixture_reply *r)
{
	const uint8_t	*o = r->pkt + IP6_HDR_LEN + 20;
	size_t		 n = (r->pkt[IP6_HDR_LEN + 12] >> 4) * 4 - 20, i;

	for (i = 0; i + 1 < n; i += o[i] == TCP_OPT_NOP ? 1 : o[i + 1]) {
		if (o[i] == TCP_OPT_EOL ||
		    (o[i] != TCP_OPT_NOP && o[i + 1] < 2))
			break;
		if (o[i] == TCP_OPT_MSS && o[i + 1] == 4 && i + 4 <= n)
			return (o[i + 2] << 8 | o[i + 3]);
	}
	return (0);
}

/* TCP over IPv6 (ip6.c to tcp.c): resets, a handshake, data. */
static void
test_tcp6(void)
{
	static struct fixture_reply	 r;
	uint8_t				 pkt[256];
	size_t				 len;
	uint32_t			 iss;

	if (engine == NULL) {
		CHECK(0);
		return;
	}
	/* A closed port resets, acknowledging the SYN. */
	len = tcp6(pkt, "2001:db8::5", 25, TH_SYN, 1000, 0, 1460);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1 &&
	    tcp6_is(&r, "2001:db8::5", TH_RST | TH_ACK));
	CHECK(ntohl(*(uint32_t *)(r.pkt + IP6_HDR_LEN + 8)) == 1001);
	CHECK(r.pkt[7] == 64);			/* Linux's hop limit */
	/* An open port answers SYN+ACK, its MSS the link's less 60. */
	len = tcp6(pkt, "2001:db8::5", 80, TH_SYN, 5000, 0, 1460);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 1 &&
	    tcp6_is(&r, "2001:db8::5", TH_SYN | TH_ACK));
	CHECK(synack_mss(&r) == 1440);
	CHECK(tcp_count() == 1);
	memcpy(&iss, r.pkt + IP6_HDR_LEN + 4, 4);
	iss = ntohl(iss);
	/* The handshake completes, data is acknowledged. */
	len = tcp6(pkt, "2001:db8::5", 80, TH_ACK, 5001, iss + 1, 0);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0);
	memcpy(pkt + len, "hello", 5);
	pkt[5] += 5;				/* payload length */
	pkt[IP6_HDR_LEN + 13] = TH_ACK | TH_PUSH;
	pkt[IP6_HDR_LEN + 16] = pkt[IP6_HDR_LEN + 17] = 0;
	{
		struct in6_addr s = A6("2001:db8::1"), d = A6("2001:db8::5");
		uint16_t sum = ip6_cksum(&s, &d, IP_PROTO_TCP,
		    pkt + IP6_HDR_LEN, 25);

		memcpy(pkt + IP6_HDR_LEN + 16, &sum, 2);
	}
	ip_input(pkt, len + 5);
	CHECK(fixture_next(&r) == 1 && tcp6_is(&r, "2001:db8::5", TH_ACK));
	CHECK(ntohl(*(uint32_t *)(r.pkt + IP6_HDR_LEN + 8)) == 5006);
	/* A reset ends it. */
	len = tcp6(pkt, "2001:db8::5", 80, TH_RST, 5006, 0, 0);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0 && tcp_count() == 0);
	/* An address bound to nothing: silence. */
	len = tcp6(pkt, "2001:db8::6", 80, TH_SYN, 1, 0, 0);
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0);
	CHECK(engine->stats.tcp6_drop == 2);
}

/* A datagram to dport of 2001:db8::5 from 2001:db8::1, checksum good. */
static size_t
udp6(uint8_t *pkt, uint16_t dport)
{
	struct in6_addr	 s = A6("2001:db8::1"), d = A6("2001:db8::5");
	uint8_t		 pl[12];
	uint16_t	 sum;

	memset(pl, 0, sizeof(pl));
	pl[0] = 4000 >> 8;
	pl[1] = 4000 & 0xff;
	pl[2] = dport >> 8;
	pl[3] = dport & 0xff;
	pl[5] = 12;
	memcpy(pl + 8, "ping", 4);
	sum = ip6_cksum(&s, &d, IP_PROTO_UDP, pl, 12);
	memcpy(pl + 6, &sum, 2);
	return (mk6(pkt, "2001:db8::1", "2001:db8::5", IP_PROTO_UDP, pl, 12));
}

/* UDP over IPv6 (ip6.c to udp.c): open ports, a service's flow. */
static void
test_udp6(void)
{
	static struct fixture_reply	 r;
	uint8_t				 pkt[128];
	size_t				 len;
	int				 other;

	if (engine == NULL) {
		CHECK(0);
		return;
	}
	len = udp6(pkt, 54);			/* open: swallowed */
	ip_input(pkt, len);
	CHECK(fixture_next(&r) == 0 && udp_count() == 0);
	other = fixture_other;
	len = udp6(pkt, 7);			/* a command: a flow */
	ip_input(pkt, len);
	CHECK(udp_count() == 1);
	ip_input(pkt, len);			/* the same flow */
	CHECK(udp_count() == 1);
	CHECK(fixture_next(&r) == 0 && fixture_other == other + 1);
	udp_flush();
	CHECK(udp_count() == 0);
}

/* tuple_cmp(): IPv4 tuples in their old order, IPv6 ones after. */
static void
test_tuple(void)
{
	struct tuple	 a, b;
	char		 buf[INET6_ADDRSTRLEN];

	memset(&a, 0, sizeof(a));
	a.proto = IPPROTO_TCP;
	a.src = 0xc6120001;
	a.dst = 0xc6120005;
	a.sport = 1000;
	a.dport = 80;
	b = a;
	CHECK(tuple_cmp(&a, &b) == 0);
	b.sport = 999;
	CHECK(tuple_cmp(&a, &b) > 0 && tuple_cmp(&b, &a) < 0);
	b = a;
	b.v6 = 1;
	b.src6 = A6("2001:db8::1");
	b.dst6 = A6("2001:db8::5");
	CHECK(tuple_cmp(&a, &b) < 0);
	a = b;
	CHECK(tuple_cmp(&a, &b) == 0);
	/* Equal folds, different addresses: still two flows. */
	a.src6 = A6("2001:db8::2");
	CHECK(tuple_cmp(&a, &b) > 0 && tuple_cmp(&b, &a) < 0);
	CHECK(strcmp(tuple_addr_fmt(&a, 1, buf, sizeof(buf)),
	    "2001:db8::2") == 0);
	CHECK(strcmp(tuple_addr_fmt(&a, 0, buf, sizeof(buf)),
	    "2001:db8::5") == 0);
	a.v6 = 0;
	CHECK(strcmp(tuple_addr_fmt(&a, 1, buf, sizeof(buf)),
	    "198.18.0.1") == 0);
}

int
main(void)
{
	test_addr6();
	test_binds();
	test_bind_errors();
	test_ndp();
	test_echo();
	test_wire();
	test_tcp6();
	test_udp6();
	test_tuple();
	return (unit_done());
}
