/*
 * Unit tests for the routing topology (router.c) through the engine's
 * dispatcher: crafted packets go into ip_input(), the event loop runs
 * the link delays, and the answers are read back from the imsg channel
 * the parent would read.  TTLs, ICMP errors from routers, delays (as
 * lower bounds only), loss, random early drop and reloads while
 * packets are held.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "personality.h"
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
	CHECK(fixture_other == 0);
	config_free(engine->conf);
	fpdb_free(engine->db);
	return (unit_done());
}
