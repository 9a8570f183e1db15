/*
 * Unit tests for the routing topology (router.c) through the engine's
 * dispatcher: crafted packets go into ip_input(), the event loop runs
 * the link delays, and the answers are read back from the imsg channel
 * the parent would read.  TTLs, ICMP errors from routers, delays (as
 * lower bounds only), loss, random early drop, a link's MTU against DF,
 * reloads while packets are held, and GRE tunnels both ways with the
 * GRE they refuse.  The
 * same topology statements over IPv6 (into ip6_input() through
 * ip_input()): hop limits, ICMPv6 time exceeded, packet too big and
 * no route from the routers, their rate limit, and latency.
 */

#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "unit.h"
#include "engine_fixture.h"

#define ATTACKER	"198.19.0.1"
#define ENTRY		"198.18.0.1"
#define ONLINK		"198.18.0.5"	/* on the entry's link */
#define R_SLOW		"198.18.16.1"	/* 10 ms away */
#define H_SLOW		"198.18.16.7"
#define H_LOSSY		"198.18.32.7"	/* behind a 50% loss link */
#define H_NARROW	"198.18.48.7"	/* behind 1 Mbps with RED */
#define UNREACH		"198.18.64.9"
#define OUTSIDE		"198.18.200.1"	/* not in the topology */
#define T_LOCAL		"198.18.0.66"	/* R_SLOW's tunnel to 198.18.24/24 */
#define T_REMOTE	"198.19.99.1"
#define T_SITE		"198.18.24.5"	/* a host of the remote site */
#define REAL		"198.18.16.9"	/* a real machine behind R_SLOW */
#define R_NARROW	"198.18.20.1"	/* behind R_SLOW, over a 576 MTU */
#define H_NARROWMTU	"198.18.20.7"
#define ATTACKER6	"2001:db8:ee::1"
#define ENTRY6		"2001:db8:a::1"
#define ONLINK6		"2001:db8:a::5"
#define R1_6		"2001:db8:a:10::1"	/* 10 ms away */
#define R2_6		"2001:db8:a:18::1"	/* behind a 1280 MTU link */
#define H_SLOW6		"2001:db8:a:10::7"
#define H_DEEP6		"2001:db8:a:18::7"
#define UNREACH6	"2001:db8:a:ff::9"
#define NOROUTE6	"2001:db8:a:1f::9"	/* R1 has no route */

static const char conf_text[] =
    "route entry " ENTRY "\n"
    "route " ENTRY " link 198.18.0.0/24\n"
    "route " ENTRY " add net 198.18.16.0/20 " R_SLOW " latency 10ms\n"
    "route " ENTRY " add net 198.18.32.0/20 198.18.32.1 loss 50\n"
    "route " ENTRY " add net 198.18.48.0/20 198.18.48.1 bandwidth 1Mbps "
	"drop between 5ms - 10ms\n"
    "route " ENTRY " unreach 198.18.64.0/20\n"
    "route " R_SLOW " link 198.18.16.0/24\n"
    "route 198.18.32.1 link 198.18.32.0/24\n"
    "route 198.18.48.1 link 198.18.48.0/24\n"
    "route " R_SLOW " add net 198.18.24.0/24 tunnel " T_LOCAL " " T_REMOTE
	"\n"
    "route " R_SLOW " add net 198.18.20.0/24 " R_NARROW " mtu 576\n"
    "route " R_NARROW " link 198.18.20.0/24\n"
    "bind " REAL " to eth1\n"
    "route entry " ENTRY6 " network 2001:db8:a::/48\n"
    "route " ENTRY6 " link 2001:db8:a::/64\n"
    "route " ENTRY6 " add net 2001:db8:a:10::/60 " R1_6 " latency 10ms\n"
    "route " ENTRY6 " unreach 2001:db8:a:ff::/64\n"
    "route " R1_6 " link 2001:db8:a:10::/64\n"
    "route " R1_6 " add net 2001:db8:a:18::/64 " R2_6 " mtu 1280\n"
    "route " R2_6 " link 2001:db8:a:18::/64\n"
    "route " ENTRY6 " add net 2001:db8:a:20::/64 2001:db8:a:20::1 loss 50\n"
    "route 2001:db8:a:20::1 link 2001:db8:a:20::/64\n"
    "create default\n"
    "set default default icmp action open\n"
    "set default default udp action reset\n"
    "set default default tcp action reset\n";

static uint64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

static struct honeyd_config *
parse(void)
{
	return (config_parse_buffer("test", conf_text, sizeof(conf_text) - 1,
	    NULL, NULL));
}

static void
setup(void)
{
	CHECK(fixture_engine(conf_text, 64) == 0);
	CHECK(engine->conf != NULL && engine->conf->topo != NULL);
}

/* Run the event loop until something is answered or ms pass. */
static int
wait_replies(struct fixture_reply *r, int ms)
{
	struct timeval	 tv = { 0, 2000 };
	uint64_t	 end = now_us() + (uint64_t)ms * 1000;
	int		 n;

	for (;;) {
		if ((n = fixture_replies(r)) > 0 || now_us() > end)
			return (n);
		event_base_loopexit(engine->base, &tv);
		event_base_dispatch(engine->base);
	}
}

static size_t
make_ip(uint8_t *pkt, int proto, size_t l4len, const char *dst, int ttl)
{
	ip_addr_t	 s, d;

	ip_pton(ATTACKER, &s);
	ip_pton(dst, &d);
	ip_pack_hdr(pkt, 0, IP_HDR_LEN + l4len, 777, 0, ttl, proto, s, d);
	return (IP_HDR_LEN + l4len);
}

static size_t
make_echo(uint8_t *pkt, const char *dst, int ttl, size_t datalen)
{
	struct icmp_hdr	*icmp = (struct icmp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 len;

	len = make_ip(pkt, IP_PROTO_ICMP, ICMP_HDR_LEN + 4 + datalen, dst,
	    ttl);
	memset(icmp, 0, ICMP_HDR_LEN + 4 + datalen);
	icmp->icmp_type = ICMP_ECHO;
	memcpy((uint8_t *)icmp + ICMP_HDR_LEN, "\x12\x34\x00\x01", 4);
	ip_checksum(pkt, len);
	return (len);
}

static size_t
make_udp(uint8_t *pkt, const char *dst, int ttl)
{
	struct udp_hdr	*uh = (struct udp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 len;

	len = make_ip(pkt, IP_PROTO_UDP, UDP_HDR_LEN + 4, dst, ttl);
	udp_pack_hdr(uh, 40000, 33434, UDP_HDR_LEN + 4);
	memcpy(pkt + IP_HDR_LEN + UDP_HDR_LEN, "abcd", 4);
	ip_checksum(pkt, len);
	return (len);
}

static int
from(const struct fixture_reply *r, const char *addr)
{
	ip_addr_t	 a;

	ip_pton(addr, &a);
	return (memcmp(r->pkt + 12, &a, 4) == 0);
}

static int
icmp_is(const struct fixture_reply *r, int type, int code)
{
	return (r->len >= IP_HDR_LEN + ICMP_HDR_LEN &&
	    r->pkt[9] == IP_PROTO_ICMP && r->pkt[IP_HDR_LEN] == type &&
	    r->pkt[IP_HDR_LEN + 1] == code);
}

static int
ttl(const struct fixture_reply *r)
{
	return (r->pkt[8]);
}

/* Checksums of what leaves must hold, delayed or not. */
static int
sums_ok(const struct fixture_reply *r)
{
	int	 sum = ip_cksum_add(r->pkt, IP_HDR_LEN, 0);

	return (ip_cksum_carry(sum) == 0);
}

static int	 base_ttl;	/* what the default personality stamps */

#define GRE_T_BADSUM	0x10000		/* gre_input: spoil the checksum */

/* in, in GRE with flags from src to dst, into the engine. */
static void
gre_input(const uint8_t *in, size_t len, int flags, const char *src,
    const char *dst)
{
	uint8_t		 pkt[2048];
	ip_addr_t	 s, d;
	size_t		 glen = flags & 0x8000 ? 8 : 4;
	int		 sum;

	ip_pton(src, &s);
	ip_pton(dst, &d);
	ip_pack_hdr(pkt, 0, IP_HDR_LEN + glen + len, 99, 0, 64,
	    IP_PROTO_GRE, s, d);
	memset(pkt + IP_HDR_LEN, 0, glen);
	pkt[IP_HDR_LEN] = flags >> 8;
	pkt[IP_HDR_LEN + 1] = flags & 0xff;
	pkt[IP_HDR_LEN + 2] = 0x08;
	memcpy(pkt + IP_HDR_LEN + glen, in, len);
	if (flags & 0x8000) {
		sum = ip_cksum_add(pkt + IP_HDR_LEN, glen + len, 0);
		sum = ip_cksum_carry(sum) ^ (flags & GRE_T_BADSUM ? 1 : 0);
		memcpy(pkt + IP_HDR_LEN + 4, &(uint16_t){ (uint16_t)sum }, 2);
	}
	ip_checksum(pkt, IP_HDR_LEN + glen + len);
	ip_input(pkt, IP_HDR_LEN + glen + len);
}

/* r is GRE (RFC 2784, plain) from the tunnel's local end to its remote. */
static int
gre_out(const struct fixture_reply *r)
{
	static const uint8_t	 hdr[4] = { 0, 0, 0x08, 0 };

	return (r->len >= IP_HDR_LEN + 4 + IP_HDR_LEN &&
	    r->pkt[9] == IP_PROTO_GRE && from(r, T_LOCAL) && sums_ok(r) &&
	    memcmp(r->pkt + 16, "\xc6\x13\x63\x01", 4) == 0 &&
	    memcmp(r->pkt + IP_HDR_LEN, hdr, 4) == 0 &&
	    (size_t)(r->pkt[2] << 8 | r->pkt[3]) == r->len);
}

/* The packet inside r, moved to its start. */
static void
gre_strip(struct fixture_reply *r)
{
	memmove(r->pkt, r->pkt + IP_HDR_LEN + 4, r->len - IP_HDR_LEN - 4);
	r->len -= IP_HDR_LEN + 4;
}

/* An echo request from the remote site, as make_echo's. */
static size_t
site_echo(uint8_t *pkt, const char *dst, int ttl)
{
	size_t	 len = make_echo(pkt, dst, ttl, 8);
	ip_addr_t a;

	ip_pton(T_SITE, &a);
	memcpy(pkt + 12, &a, 4);
	ip_checksum(pkt, len);
	return (len);
}

static void
test_entry(void)
{
	uint8_t		 pkt[256];
	struct fixture_reply	 r;
	size_t		 len;

	ip_input(pkt, make_echo(pkt, ENTRY, 64, 8));
	CHECK(fixture_replies(&r) == 1 && from(&r, ENTRY) &&
	    icmp_is(&r, ICMP_ECHOREPLY, 0));
	base_ttl = ttl(&r);
	CHECK(base_ttl > 2);

	/* One router away: one TTL less each way, no delay. */
	ip_input(pkt, make_echo(pkt, ONLINK, 64, 8));
	CHECK(fixture_replies(&r) == 1 && from(&r, ONLINK) &&
	    ttl(&r) == base_ttl - 1);
	CHECK(sums_ok(&r));

	/* TTL 1 dies at the entry router, which says so itself. */
	ip_input(pkt, make_echo(pkt, ONLINK, 1, 8));
	CHECK(fixture_replies(&r) == 1 && from(&r, ENTRY) &&
	    icmp_is(&r, ICMP_TIMEXCEED, ICMP_TIMEXCEED_INTRANS));
	/* Its quote is the packet as it reached the router: TTL 1. */
	CHECK(r.len >= IP_HDR_LEN + 8 + IP_HDR_LEN &&
	    r.pkt[IP_HDR_LEN + 8 + 8] == 1);
	CHECK(sums_ok(&r));

	/* No error about an error, whatever its TTL. */
	len = make_echo(pkt, ONLINK, 1, 8);
	pkt[IP_HDR_LEN] = ICMP_UNREACH;
	pkt[IP_HDR_LEN + 1] = ICMP_UNREACH_PORT;
	ip_checksum(pkt, len);
	ip_input(pkt, len);
	CHECK(fixture_replies(&r) == 0);

	/* unreach: net unreachable from the router. */
	ip_input(pkt, make_echo(pkt, UNREACH, 64, 8));
	CHECK(fixture_replies(&r) == 1 && from(&r, ENTRY) &&
	    icmp_is(&r, ICMP_UNREACH, ICMP_UNREACH_NET));

	/* Outside the topology: answered as before, TTL untouched. */
	ip_input(pkt, make_echo(pkt, OUTSIDE, 64, 8));
	CHECK(fixture_replies(&r) == 1 && from(&r, OUTSIDE) &&
	    ttl(&r) == base_ttl);
}

static void
test_latency(void)
{
	uint8_t		 pkt[256];
	struct fixture_reply	 r;
	uint64_t	 t0;

	/* 10 ms each way: nothing at once, the answer after 20 ms. */
	t0 = now_us();
	ip_input(pkt, make_echo(pkt, H_SLOW, 64, 8));
	CHECK(fixture_replies(NULL) == 0);
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(now_us() - t0 >= 20000);
	CHECK(from(&r, H_SLOW) && icmp_is(&r, ICMP_ECHOREPLY, 0) &&
	    ttl(&r) == base_ttl - 2 && sums_ok(&r));

	/* TTL 2 dies at the second router, 10 ms in and 10 ms back. */
	t0 = now_us();
	ip_input(pkt, make_udp(pkt, H_SLOW, 2));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(now_us() - t0 >= 20000);
	CHECK(from(&r, R_SLOW) &&
	    icmp_is(&r, ICMP_TIMEXCEED, ICMP_TIMEXCEED_INTRANS) &&
	    ttl(&r) == base_ttl - 1 && sums_ok(&r));

	/* TTL 3 reaches the host: port unreachable from it. */
	ip_input(pkt, make_udp(pkt, H_SLOW, 3));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from(&r, H_SLOW) && icmp_is(&r, ICMP_UNREACH,
	    ICMP_UNREACH_PORT) && ttl(&r) == base_ttl - 2);

	/* The router itself answers ping, one router away. */
	ip_input(pkt, make_echo(pkt, R_SLOW, 64, 8));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from(&r, R_SLOW) && ttl(&r) == base_ttl - 1);
}

/* 400 pings over a 50% link: a binomial count, 4 sigma bounds. */
static void
test_loss(void)
{
	uint8_t		 pkt[256];
	uint64_t	 lost0 = engine->stats.route_loss;
	int		 i, got;

	for (i = 0; i < 400; i++)
		ip_input(pkt, make_echo(pkt, H_LOSSY, 64, 8));
	got = fixture_replies(NULL);
	CHECK(got >= 200 - 40 && got <= 200 + 40);
	CHECK(engine->stats.route_loss - lost0 == (uint64_t)(400 - got));
}

/*
 * 1 Mbps: 1028 bytes take 8.2 ms, so the second packet of a burst
 * already queues past 5 ms and the third past 10 ms: random early
 * drop lets few through.
 */
static void
test_red(void)
{
	uint8_t		 pkt[2048];
	uint64_t	 q0 = engine->stats.route_queue;
	int		 i, got = 0, n;

	for (i = 0; i < 20; i++)
		ip_input(pkt, make_echo(pkt, H_NARROW, 64, 1000));
	CHECK(fixture_replies(NULL) == 0);
	CHECK(engine->stats.route_queue - q0 >= 18);
	while ((n = wait_replies(NULL, 500)) > 0)
		got += n;
	CHECK(got >= 1 && got <= 2);
}

/*
 * Held packets are bounded (8192 in router.c): a burst beyond that is
 * counted and dropped, the rest still arrives.
 */
static void
test_bound(void)
{
	uint8_t		 pkt[256];
	uint64_t	 held0 = engine->stats.route_held;
	int		 i, got = 0, n;

	for (i = 0; i < 9000; i++)
		ip_input(pkt, make_echo(pkt, H_SLOW, 64, 8));
	CHECK(engine->stats.route_held - held0 == 9000 - 8192);
	while ((n = wait_replies(NULL, 500)) > 0)
		got += n;
	CHECK(got == 8192);
}

/* A reload while packets are held must not lose track of them. */
static void
test_reload(void)
{
	uint8_t			 pkt[256];
	struct fixture_reply	 r;
	struct honeyd_config	*nc;

	ip_input(pkt, make_echo(pkt, H_SLOW, 64, 8));
	CHECK((nc = parse()) != NULL);
	config_free(engine->conf);
	engine->conf = nc;
	engine->generation++;
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from(&r, H_SLOW) && ttl(&r) == base_ttl - 2);
}

/*
 * The remote site's packets come out of the tunnel at R_SLOW; answers
 * to the site go back into it, from anywhere in the tree.
 */
static void
test_tunnel(void)
{
	struct engine_stats	*st = &engine->stats;
	struct fixture_reply	 r;
	uint8_t			 pkt[256], big[256];
	uint64_t		 in0 = st->tunnel_in, out0 = st->tunnel_out;
	uint64_t		 t0;
	size_t			 len;

	/* Below the tunnel's router: one router, no link crossed. */
	gre_input(pkt, site_echo(pkt, H_SLOW, 64), 0, T_REMOTE, T_LOCAL);
	CHECK(fixture_replies(&r) == 1 && gre_out(&r));
	gre_strip(&r);
	CHECK(from(&r, H_SLOW) && icmp_is(&r, ICMP_ECHOREPLY, 0) &&
	    ttl(&r) == base_ttl - 1 && sums_ok(&r));
	CHECK(st->tunnel_in - in0 == 1 && st->tunnel_out - out0 == 1);

	/* With a GRE checksum that holds: taken as well. */
	gre_input(pkt, site_echo(pkt, R_SLOW, 64), 0x8000, T_REMOTE,
	    T_LOCAL);
	CHECK(fixture_replies(&r) == 1 && gre_out(&r));
	gre_strip(&r);
	CHECK(from(&r, R_SLOW) && icmp_is(&r, ICMP_ECHOREPLY, 0) &&
	    ttl(&r) == base_ttl);

	/* TTL 1 dies at the tunnel's router, which says so through it. */
	gre_input(pkt, site_echo(pkt, H_SLOW, 1), 0, T_REMOTE, T_LOCAL);
	CHECK(fixture_replies(&r) == 1 && gre_out(&r));
	gre_strip(&r);
	CHECK(from(&r, R_SLOW) &&
	    icmp_is(&r, ICMP_TIMEXCEED, ICMP_TIMEXCEED_INTRANS));

	/* Not below the router: net unreachable from it. */
	gre_input(pkt, site_echo(pkt, ONLINK, 64), 0, T_REMOTE, T_LOCAL);
	CHECK(fixture_replies(&r) == 1 && gre_out(&r));
	gre_strip(&r);
	CHECK(from(&r, R_SLOW) && icmp_is(&r, ICMP_UNREACH,
	    ICMP_UNREACH_NET));

	/*
	 * From the wire to the site: over the 10 ms link to R_SLOW, which
	 * spends its TTL and sends it into the tunnel.
	 */
	t0 = now_us();
	ip_input(pkt, make_echo(pkt, T_SITE, 64, 8));
	CHECK(fixture_replies(NULL) == 0);
	CHECK(wait_replies(&r, 2000) == 1 && gre_out(&r));
	CHECK(now_us() - t0 >= 10000);
	gre_strip(&r);
	CHECK(r.pkt[8] == 62 && icmp_is(&r, ICMP_ECHO, 0) && sums_ok(&r));

	/*
	 * An answer to the site from the other side of the tree: up to
	 * the entry, down the 10 ms link to R_SLOW, into the tunnel.
	 */
	t0 = now_us();
	ip_input(pkt, site_echo(pkt, ONLINK, 64));
	CHECK(fixture_replies(NULL) == 0);
	CHECK(wait_replies(&r, 2000) == 1 && gre_out(&r));
	CHECK(now_us() - t0 >= 10000);
	gre_strip(&r);
	CHECK(from(&r, ONLINK) && icmp_is(&r, ICMP_ECHOREPLY, 0) &&
	    ttl(&r) == base_ttl - 2);

	/* A datagram in two fragments, each in its own GRE packet. */
	len = site_echo(big, H_SLOW, 64);
	memcpy(pkt, big, IP_HDR_LEN + 8);
	pkt[2] = 0;
	pkt[3] = IP_HDR_LEN + 8;
	pkt[6] = 0x20;			/* MF, offset 0 */
	pkt[10] = pkt[11] = 0;
	ip_checksum(pkt, IP_HDR_LEN);
	gre_input(pkt, IP_HDR_LEN + 8, 0, T_REMOTE, T_LOCAL);
	CHECK(fixture_replies(NULL) == 0);
	memcpy(pkt, big, IP_HDR_LEN);
	memcpy(pkt + IP_HDR_LEN, big + IP_HDR_LEN + 8, len - IP_HDR_LEN - 8);
	pkt[2] = 0;
	pkt[3] = len - 8;
	pkt[6] = 0;
	pkt[7] = 1;			/* offset 8 bytes, last */
	pkt[10] = pkt[11] = 0;
	ip_checksum(pkt, IP_HDR_LEN);
	gre_input(pkt, len - 8, 0, T_REMOTE, T_LOCAL);
	CHECK(fixture_replies(&r) == 1 && gre_out(&r));
	gre_strip(&r);
	CHECK(from(&r, H_SLOW) && icmp_is(&r, ICMP_ECHOREPLY, 0) &&
	    r.len == len);

	/* An ordinary answer still goes to the wire. */
	ip_input(pkt, make_echo(pkt, ONLINK, 64, 8));
	CHECK(fixture_replies(&r) == 1 && r.pkt[9] == IP_PROTO_ICMP);
	CHECK(st->tunnel_in - in0 == 5 && st->tunnel_out - out0 == 7);
}

/* GRE the tunnel refuses: counted, never answered. */
static void
test_tunnel_bad(void)
{
	static struct fixture_reply r;
	struct engine_stats	*st = &engine->stats;
	uint8_t			 pkt[256], outer[256];
	uint64_t		 drop0 = st->tunnel_drop, in0 = st->tunnel_in;
	uint64_t		 proto0 = st->drop_proto;
	size_t			 len, olen;
	ip_addr_t		 s, d;

	len = site_echo(pkt, H_SLOW, 64);
	gre_input(pkt, len, 0x0001, T_REMOTE, T_LOCAL);	/* version 1 */
	gre_input(pkt, len, 0x2000, T_REMOTE, T_LOCAL);	/* key */
	gre_input(pkt, len, 0x1000, T_REMOTE, T_LOCAL);	/* sequence */
	gre_input(pkt, len, 0, ONLINK, T_LOCAL);	/* not the remote */
	gre_input(pkt, make_echo(pkt, H_SLOW, 64, 8), 0, T_REMOTE,
	    T_LOCAL);					/* not from the site */
	gre_input(pkt, site_echo(pkt, "198.18.24.9", 64), 0, T_REMOTE,
	    T_LOCAL);					/* back into it */
	len = site_echo(pkt, H_SLOW, 64);
	pkt[10] ^= 1;
	gre_input(pkt, len, 0, T_REMOTE, T_LOCAL);	/* IP checksum */
	/* GRE in GRE. */
	len = site_echo(pkt, H_SLOW, 64);
	ip_pton(T_SITE, &s);
	ip_pton(H_SLOW, &d);
	ip_pack_hdr(outer, 0, IP_HDR_LEN + 4 + len, 5, 0, 64, IP_PROTO_GRE,
	    s, d);
	memcpy(outer + IP_HDR_LEN, "\0\0\x08\0", 4);
	memcpy(outer + IP_HDR_LEN + 4, pkt, len);
	olen = IP_HDR_LEN + 4 + len;
	ip_checksum(outer, olen);
	gre_input(outer, olen, 0, T_REMOTE, T_LOCAL);
	/* A GRE checksum that does not hold. */
	len = site_echo(pkt, H_SLOW, 64);
	gre_input(pkt, len, 0x8000 | GRE_T_BADSUM, T_REMOTE, T_LOCAL);
	CHECK(fixture_replies(NULL) == 0);
	CHECK(st->tunnel_drop - drop0 == 9);
	CHECK(st->tunnel_in == in0);

	/* Truncated: a 2-byte GRE header. */
	ip_pton(T_REMOTE, &s);
	ip_pton(T_LOCAL, &d);
	ip_pack_hdr(outer, 0, IP_HDR_LEN + 2, 6, 0, 64, IP_PROTO_GRE, s, d);
	outer[IP_HDR_LEN] = outer[IP_HDR_LEN + 1] = 0;
	ip_checksum(outer, IP_HDR_LEN + 2);
	ip_input(outer, IP_HDR_LEN + 2);
	CHECK(st->tunnel_drop - drop0 == 10);
	/*
	 * GRE to an address that is no tunnel's end: a protocol that host
	 * does not serve, answered with protocol unreachable as Linux does.
	 */
	proto0 = st->drop_proto;
	ip_pack_hdr(outer, 0, IP_HDR_LEN + 2, 7, 0, 64, IP_PROTO_GRE, s, s);
	ip_pton(OUTSIDE, &d);
	memcpy(outer + 16, &d, 4);
	ip_checksum(outer, IP_HDR_LEN + 2);
	ip_input(outer, IP_HDR_LEN + 2);
	CHECK(st->tunnel_drop - drop0 == 10 && st->drop_proto - proto0 == 1);
	CHECK(fixture_next(&r) == 1 && r.len >= IP_HDR_LEN + 8 &&
	    r.pkt[9] == IP_PROTO_ICMP && r.pkt[IP_HDR_LEN] == ICMP_UNREACH &&
	    r.pkt[IP_HDR_LEN + 1] == ICMP_UNREACH_PROTO);
	CHECK(fixture_replies(NULL) == 0);
}

/* p, from REAL instead, its checksums redone. */
static size_t
from_real(uint8_t *p, size_t len)
{
	ip_addr_t	 a;

	ip_pton(REAL, &a);
	memcpy(p + 12, &a, 4);
	ip_checksum(p, len);
	return (len);
}

/*
 * "bind REAL to eth1": what the topology delivers to REAL leaves as it
 * came, its TTL spent by the routers, after their latency; what REAL
 * sends out (ip_input_ext) goes up the tree the same way, into the
 * tunnel if it is for the site.  No virtual host answers for REAL.
 */
static void
test_extbind(void)
{
	struct engine_stats	*st = &engine->stats;
	struct fixture_reply	 r;
	uint8_t			 pkt[256], orig[256];
	uint64_t		 t0, out0 = st->ext_out, in0 = st->ext_in;
	uint64_t		 noaddr0 = st->drop_noaddr, ttl0 = st->route_ttl;
	size_t			 len;

	t0 = now_us();
	len = make_echo(pkt, REAL, 64, 8);
	memcpy(orig, pkt, len);
	ip_input(pkt, len);
	CHECK(fixture_replies(NULL) == 0);
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(now_us() - t0 >= 10000);
	CHECK(r.len == len && from(&r, ATTACKER) && ttl(&r) == 62 &&
	    sums_ok(&r) && icmp_is(&r, ICMP_ECHO, 0));
	/* Nothing but the TTL and its checksum changed. */
	CHECK(memcmp(r.pkt + 12, orig + 12, len - 12) == 0 &&
	    memcmp(r.pkt, orig, 8) == 0);
	CHECK(st->ext_out - out0 == 1);

	/* TTL 2 dies at R_SLOW, as on the way to any host. */
	ip_input(pkt, make_udp(pkt, REAL, 2));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from(&r, R_SLOW) &&
	    icmp_is(&r, ICMP_TIMEXCEED, ICMP_TIMEXCEED_INTRANS));
	CHECK(st->ext_out - out0 == 1);

	/* REAL's packet to the attacker: up two routers, 10 ms. */
	len = from_real(pkt, make_echo(pkt, ATTACKER, 64, 8));
	memcpy(pkt + 16, (uint8_t[]){ 198, 19, 0, 1 }, 4);
	ip_checksum(pkt, len);
	t0 = now_us();
	ip_input_ext(pkt, len);
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(now_us() - t0 >= 10000);
	CHECK(r.len == len && from(&r, REAL) && ttl(&r) == 62 &&
	    sums_ok(&r) && st->ext_in - in0 == 1);

	/* Its transport is its own: a bad ICMP checksum goes on as is. */
	pkt[IP_HDR_LEN + 2] ^= 0xff;
	ip_input_ext(pkt, len);
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(r.pkt[IP_HDR_LEN + 2] == pkt[IP_HDR_LEN + 2] && sums_ok(&r));

	/* Out of TTL on the way up: counted, dropped. */
	pkt[8] = 2;
	ip_checksum(pkt, len);
	ip_input_ext(pkt, len);
	CHECK(wait_replies(NULL, 100) == 0);
	CHECK(st->route_ttl - ttl0 == 1);

	/* To the remote site: up to R_SLOW and into its tunnel. */
	len = from_real(pkt, site_echo(pkt, ATTACKER, 64));
	memcpy(pkt + 16, (uint8_t[]){ 198, 18, 24, 5 }, 4);
	ip_checksum(pkt, len);
	ip_input_ext(pkt, len);
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(gre_out(&r));

	/* Only from a bound machine. */
	len = make_echo(pkt, ATTACKER, 64, 8);
	memcpy(pkt + 12, (uint8_t[]){ 198, 18, 16, 7 }, 4);
	ip_checksum(pkt, len);
	ip_input_ext(pkt, len);
	CHECK(wait_replies(NULL, 100) == 0);
	CHECK(st->drop_noaddr - noaddr0 == 1);
}

/* IPv6. */

static struct in6_addr
A6(const char *s)
{
	struct in6_addr	 a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return (a);
}

/* An echo request from ATTACKER6 with datalen bytes of data. */
static size_t
make_echo6(uint8_t *pkt, const char *dst, int hlim, size_t datalen)
{
	struct in6_addr	 s = A6(ATTACKER6), d = A6(dst);
	uint8_t		*l4 = pkt + IP6_HDR_LEN;
	size_t		 l4len = 8 + datalen;
	uint16_t	 sum;

	memset(pkt, 0, IP6_HDR_LEN + l4len);
	pkt[0] = 0x60;
	pkt[4] = l4len >> 8;
	pkt[5] = l4len & 0xff;
	pkt[6] = IP_PROTO_ICMPV6;
	pkt[7] = hlim;
	memcpy(pkt + 8, &s, 16);
	memcpy(pkt + 24, &d, 16);
	l4[0] = ICMP6_ECHO_REQUEST;
	l4[5] = 9;
	l4[7] = 1;
	sum = ip6_cksum(&s, &d, IP_PROTO_ICMPV6, l4, l4len);
	memcpy(l4 + 2, &sum, 2);
	return (IP6_HDR_LEN + l4len);
}

static int
from6(const struct fixture_reply *r, const char *addr)
{
	struct in6_addr	 a = A6(addr);

	return (r->len >= IP6_HDR_LEN && (r->pkt[0] >> 4) == 6 &&
	    memcmp(r->pkt + 8, &a, 16) == 0);
}

/* An ICMPv6 message of type and code, to ATTACKER6, its sum sound. */
static int
icmp6_is(const struct fixture_reply *r, int type, int code)
{
	struct in6_addr	 s, d, a = A6(ATTACKER6);

	if (r->len < IP6_HDR_LEN + 8 || r->pkt[6] != IP_PROTO_ICMPV6)
		return (0);
	memcpy(&s, r->pkt + 8, 16);
	memcpy(&d, r->pkt + 24, 16);
	return (memcmp(&d, &a, 16) == 0 && r->pkt[IP6_HDR_LEN] == type &&
	    r->pkt[IP6_HDR_LEN + 1] == code &&
	    ip6_cksum(&s, &d, IP_PROTO_ICMPV6, r->pkt + IP6_HDR_LEN,
	    r->len - IP6_HDR_LEN) == 0);
}

static uint32_t
param6(const struct fixture_reply *r)
{
	const uint8_t	*p = r->pkt + IP6_HDR_LEN + 4;

	return ((uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);
}

/* Hop limits, the routers' errors, delays: as over IPv4. */
/* ping with DF set, total bytes long. */
static size_t
make_echo_df(uint8_t *pkt, const char *dst, size_t total)
{
	size_t	 len = make_echo(pkt, dst, 64, total - IP_HDR_LEN - 8);

	pkt[6] |= IP_DF >> 8;
	ip_checksum(pkt, len);
	return (len);
}

/*
 * An IPv4 link's MTU: a packet over it with DF set ends at the router
 * before the link, which says fragmentation needed with the MTU (RFC
 * 1191); without DF it crosses (the router would fragment it, the host
 * reassemble it).
 */
static void
test_mtu(void)
{
	static uint8_t		 pkt[2048];
	static struct fixture_reply r;
	uint64_t		 t0;
	size_t			 len;

	t0 = now_us();
	len = make_echo_df(pkt, H_NARROWMTU, 577);
	ip_input(pkt, len);
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(now_us() - t0 >= 20000);
	CHECK(from(&r, R_SLOW) &&
	    icmp_is(&r, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG) && sums_ok(&r));
	/* The next hop's MTU in the low half of the unused word. */
	CHECK(r.len >= IP_HDR_LEN + 8 + IP_HDR_LEN &&
	    memcmp(r.pkt + IP_HDR_LEN + 4, "\0\0\x02\x40", 4) == 0);
	/* The quote: the packet as R_SLOW got it, one TTL spent. */
	CHECK(r.pkt[IP_HDR_LEN + 8 + 8] == 63 &&
	    memcmp(r.pkt + IP_HDR_LEN + 8 + 12, pkt + 12, 8) == 0);

	/* 576 bytes fit; more without DF cross the link too. */
	ip_input(pkt, make_echo_df(pkt, H_NARROWMTU, 576));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from(&r, H_NARROWMTU) && icmp_is(&r, ICMP_ECHOREPLY, 0));
	ip_input(pkt, make_echo(pkt, H_NARROWMTU, 64, 1400));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from(&r, H_NARROWMTU) && icmp_is(&r, ICMP_ECHOREPLY, 0));
	/*
	 * Into R_SLOW's tunnel, 1476 bytes with DF at most (GRE and its
	 * IP header take 24 of the wire's 1500); the error goes back.
	 */
	ip_input(pkt, make_echo_df(pkt, T_SITE, 1477));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from(&r, R_SLOW) &&
	    icmp_is(&r, ICMP_UNREACH, ICMP_UNREACH_NEEDFRAG) &&
	    memcmp(r.pkt + IP_HDR_LEN + 4, "\0\0\x05\xc4", 4) == 0);
	ip_input(pkt, make_echo_df(pkt, T_SITE, 1476));
	CHECK(wait_replies(&r, 2000) == 1 && gre_out(&r) && r.len == 1500);

	/* The TTL runs out before the MTU matters. */
	len = make_echo_df(pkt, H_NARROWMTU, 577);
	pkt[8] = 1;
	ip_checksum(pkt, len);
	ip_input(pkt, len);
	CHECK(fixture_replies(&r) == 1 && from(&r, ENTRY) &&
	    icmp_is(&r, ICMP_TIMEXCEED, ICMP_TIMEXCEED_INTRANS));
}

static void
test_v6_walk(void)
{
	static uint8_t		 pkt[2048];
	static struct fixture_reply r;
	uint64_t		 t0;
	size_t			 len;

	/* The entry answers as itself; one router away, one hop less. */
	ip_input(pkt, make_echo6(pkt, ENTRY6, 64, 8));
	CHECK(fixture_replies(&r) == 1 && from6(&r, ENTRY6) &&
	    icmp6_is(&r, ICMP6_ECHO_REPLY, 0) && r.pkt[7] == 64);
	ip_input(pkt, make_echo6(pkt, ONLINK6, 64, 8));
	CHECK(fixture_replies(&r) == 1 && from6(&r, ONLINK6) &&
	    icmp6_is(&r, ICMP6_ECHO_REPLY, 0) && r.pkt[7] == 63);

	/* Hop limit 1 dies at the entry: time exceeded from it, code 0. */
	len = make_echo6(pkt, ONLINK6, 1, 8);
	ip_input(pkt, len);
	CHECK(fixture_replies(&r) == 1 && from6(&r, ENTRY6) &&
	    icmp6_is(&r, ICMP6_TIME_EXCEEDED, ICMP6_TIME_EXCEED_TRANSIT));
	/* The quote: the packet as it reached the router. */
	CHECK(r.len == IP6_HDR_LEN + 8 + len &&
	    memcmp(r.pkt + IP6_HDR_LEN + 8, pkt, len) == 0);

	/* Three routers deep, 10 ms each way. */
	t0 = now_us();
	ip_input(pkt, make_echo6(pkt, H_DEEP6, 64, 8));
	CHECK(fixture_replies(NULL) == 0);
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(now_us() - t0 >= 20000);
	CHECK(from6(&r, H_DEEP6) && icmp6_is(&r, ICMP6_ECHO_REPLY, 0) &&
	    r.pkt[7] == 64 - 3);

	/* Hop limit 2 dies at R1, 10 ms in and 10 back; 3 at R2. */
	t0 = now_us();
	ip_input(pkt, make_echo6(pkt, H_DEEP6, 2, 8));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(now_us() - t0 >= 20000);
	CHECK(from6(&r, R1_6) && icmp6_is(&r, ICMP6_TIME_EXCEEDED, 0) &&
	    r.pkt[7] == 63 && r.pkt[IP6_HDR_LEN + 8 + 7] == 1);
	ip_input(pkt, make_echo6(pkt, H_DEEP6, 3, 8));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from6(&r, R2_6) && icmp6_is(&r, ICMP6_TIME_EXCEEDED, 0) &&
	    r.pkt[7] == 62);

	/* Over R2's link MTU: packet too big from R1, with the MTU. */
	len = make_echo6(pkt, H_DEEP6, 64, 1281 - IP6_HDR_LEN - 8);
	ip_input(pkt, len);
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from6(&r, R1_6) && icmp6_is(&r, ICMP6_PACKET_TOO_BIG, 0) &&
	    param6(&r) == 1280);
	/* Quoted up to the minimum MTU, no more (RFC 4443 2.4(c)). */
	CHECK(r.len == 1280);
	/* 1280 bytes fit. */
	ip_input(pkt, make_echo6(pkt, H_DEEP6, 64, 1280 - IP6_HDR_LEN - 8));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from6(&r, H_DEEP6) && icmp6_is(&r, ICMP6_ECHO_REPLY, 0));

	/* Unreachable, and no route: from the router the walk stops at. */
	ip_input(pkt, make_echo6(pkt, UNREACH6, 64, 8));
	CHECK(fixture_replies(&r) == 1 && from6(&r, ENTRY6) &&
	    icmp6_is(&r, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE));
	ip_input(pkt, make_echo6(pkt, NOROUTE6, 64, 8));
	CHECK(wait_replies(&r, 2000) == 1);
	CHECK(from6(&r, R1_6) &&
	    icmp6_is(&r, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOROUTE));

	/* No error about an ICMPv6 error. */
	len = make_echo6(pkt, H_DEEP6, 1, 8);
	pkt[IP6_HDR_LEN] = ICMP6_DST_UNREACH;
	ip_input(pkt, len);
	CHECK(wait_replies(NULL, 50) == 0);

	/* Outside the topology: answered as before, hop limit untouched. */
	ip_input(pkt, make_echo6(pkt, "2001:db8:b::5", 64, 8));
	CHECK(fixture_replies(&r) == 1 && from6(&r, "2001:db8:b::5") &&
	    r.pkt[7] == 64);
}

/* 400 pings over a 50% IPv6 link: as test_loss(). */
static void
test_v6_loss(void)
{
	uint8_t		 pkt[256];
	uint64_t	 lost0 = engine->stats.route_loss;
	int		 i, got;

	for (i = 0; i < 400; i++)
		ip_input(pkt, make_echo6(pkt, "2001:db8:a:20::7", 64, 8));
	got = fixture_replies(NULL);
	CHECK(got >= 200 - 40 && got <= 200 + 40);
	CHECK(engine->stats.route_loss - lost0 == (uint64_t)(400 - got));
}

/* A router's time exceeded spends its family's bucket (Linux: six). */
static void
test_v6_ratelimit(void)
{
	uint8_t		 pkt[256];
	uint64_t	 rl0 = engine->stats.icmp6_err_rl;
	int		 i, got = 0;

	for (i = 0; i < 20; i++) {
		ip_input(pkt, make_echo6(pkt, ONLINK6, 1, 8));
		got += fixture_replies(NULL);
	}
	CHECK(got > 0 && got < 20);
	CHECK(engine->stats.icmp6_err_rl - rl0 == (uint64_t)(20 - got));
}

/* Statements mixing families, and what IPv6 links may not have. */
static void
test_v6_parse(void)
{
	static const char *const bad[] = {
		"route entry 198.18.0.1 network 2001:db8::/48\n",
		"route 2001:db8::1 link 198.18.0.0/24\n",
		"route 2001:db8::1 add net 2001:db8:1::/64 198.18.0.2\n",
		"route 198.18.0.1 add net 198.18.1.0/24 2001:db8::2\n",
		"route 198.18.0.1 add net 198.18.1.0/24 198.18.1.1 mtu 67\n",
		"route 2001:db8::1 add net 2001:db8:1::/64 2001:db8:1::1 "
		    "mtu 1279\n",
		"route 2001:db8::1 add net 2001:db8:1::/64 tunnel "
		    "198.18.0.2 198.19.0.1\n",
		"route ::ffff:198.18.0.1 link 2001:db8::/64\n",
		"route entry 2001:db8::1\nroute entry 2001:db8::2\n",
	};
	static const char good[] =
	    "route entry 198.18.0.1\nroute entry 2001:db8::1\n"
	    "route 2001:db8::1 add net 2001:db8:1::/64 2001:db8:1::1 "
	    "mtu 1280 latency 5ms\n"
	    "route 2001:db8:1::1 link 2001:db8:1::/64\n";
	struct honeyd_config	*c;
	char			 buf[256];
	struct in6_addr		 a = A6("2001:db8:1::9");
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = config_parse_buffer("t", bad[i], strlen(bad[i]), NULL,
		    NULL);
		CHECK(c == NULL);
		config_free(c);
	}
	c = config_parse_buffer("t", good, sizeof(good) - 1, NULL, NULL);
	CHECK(c != NULL && c->topo != NULL);
	if (c == NULL)
		return;
	router_describe6(c, &a, 64, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "2001:db8::1 2001:db8:1::1: deliver, hops 2, "
	    "latency 5 ms, loss 0.0000%") == 0);
	router_describe6(c, &a, 64, 1281, buf, sizeof(buf));
	CHECK(strcmp(buf, "2001:db8::1: packet too big from 2001:db8::1, "
	    "mtu 1280, hops 0, latency 0 ms, loss 0.0000%") == 0);
	router_describe(c, 0xc6120005, 64, 0, buf, sizeof(buf));
	/* The IPv4 entry without network routes only what it links. */
	CHECK(strcmp(buf, "not routed") == 0);
	config_free(c);
	c = parse();
	CHECK(c != NULL);
	if (c == NULL)
		return;
	router_describe(c, 0xc6121407, 64, 577, buf, sizeof(buf));
	CHECK(strcmp(buf, "198.18.0.1 198.18.16.1: fragmentation needed from "
	    "198.18.16.1, mtu 576, hops 1, latency 10 ms, loss 0.0000%") == 0);
	router_describe(c, 0xc6121407, 64, 576, buf, sizeof(buf));
	CHECK(strncmp(buf, "198.18.0.1 198.18.16.1 198.18.20.1: deliver,",
	    44) == 0);
	config_free(c);
}

int
main(void)
{
	setup();
	test_entry();
	test_latency();
	test_loss();
	test_red();
	test_bound();
	test_reload();
	test_tunnel();
	test_tunnel_bad();
	test_extbind();
	test_mtu();
	test_v6_walk();
	test_v6_loss();
	test_v6_ratelimit();
	test_v6_parse();
	CHECK(fixture_other == 0);
	config_free(engine->conf);
	fpdb_free(engine->db);
	return (unit_done());
}
