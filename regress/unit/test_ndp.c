/*
 * Unit tests for the parent's Neighbor Discovery (ndp.c) and its IPv6
 * output (wire.c): what it answers and from which MAC, the probe before
 * a claim, withdrawal when another node defends an address, Router
 * Solicitations left alone, and the engine's IPv6 packets refused
 * unless from a claimed address no other node has, queued with the
 * IPv4 ones, and kept while a neighbour not heard yet is asked for
 * (three times, then dropped and counted; bounded).  The wire is a
 * datagram socket this test reads.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "unit.h"

struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

static struct parent	 par;
static int		 wire_peer;
static struct honeyd_config *conf;

static const uint8_t	 mac_us[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t	 mac_a[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 0xa };
static const uint8_t	 mac_r[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 0x52 };
static const uint8_t	 mac_web[ETH_ADDR_LEN] = { 0, 0x16, 0x3e, 0, 0, 5 };

#define IFP		(&par.ifaces[0])

static struct in6_addr
A6(const char *s)
{
	struct in6_addr	 a;

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET6, s, &a);
	return (a);
}

static void
setup(void)
{
	static const char	*text = "create web\n"
	    "set web ethernet \"00:16:3e:00:00:05\"\n"
	    "create lan\n"
	    "create rtr\n"
	    "set rtr ethernet \"cisco\"\n"
	    "bind 2001:db8::5 web\n"
	    "bind 2001:db8:0:1::/64 lan\n"
	    "bind 2001:db8:0:5::/64 rtr\n";
	int			 fds[2];

	log_init(1, 0);
	parent = &par;
	CHECK((par.base = event_base_new()) != NULL);
	CHECK(wire_init() == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) == 0);
	CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
	IFP->wfd = fds[0];
	wire_peer = fds[1];
	memcpy(IFP->mac, mac_us, ETH_ADDR_LEN);
	par.nifaces = 1;
	conf = config_parse_buffer("test", text, strlen(text), NULL, NULL);
	CHECK(conf != NULL);
	claim_init(&par.claimed);
	CHECK(config_claimed_ranges(conf, &par.claimed) == 0);
	claim_normalize(&par.claimed);
	ndp_config(conf);
}

/* Run the parent's events for ms milliseconds. */
static void
run(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(par.base, &tv);
	event_base_dispatch(par.base);
}

/* A frame from smac carrying m; what ndp_input() says of it. */
static int
from(const uint8_t *smac, const struct ndp_msg *m)
{
	uint8_t		 f[ETH_HDR_LEN + 128];
	size_t		 len;

	memset(f, 0xff, ETH_ADDR_LEN);
	memcpy(f + ETH_ADDR_LEN, smac, ETH_ADDR_LEN);
	f[12] = 0x86;
	f[13] = 0xdd;
	len = ndp_build(f + ETH_HDR_LEN, sizeof(f) - ETH_HDR_LEN, m);
	CHECK(len > 0);
	return (ndp_input(IFP, f, ETH_HDR_LEN + len));
}

/* A solicitation for target from the asker 2001:db8::1 at mac_a. */
static int
solicit(const char *target)
{
	struct ndp_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = NDP_NEIGHBOR_SOLICIT;
	m.src = A6("2001:db8::1");
	m.target = A6(target);
	ndp_solicited_node(&m.target, &m.dst);
	m.has_lla = 1;
	memcpy(m.lla, mac_a, ETH_ADDR_LEN);
	return (from(mac_a, &m));
}

/* The same, to target itself (unicast), as a node that knows its MAC. */
static int
solicit_unicast(const char *target)
{
	struct ndp_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = NDP_NEIGHBOR_SOLICIT;
	m.src = A6("2001:db8::1");
	m.dst = m.target = A6(target);
	m.has_lla = 1;
	memcpy(m.lla, mac_a, ETH_ADDR_LEN);
	return (from(mac_a, &m));
}

/* Another node (mac_r) advertises target as its own. */
static int
advertise(const char *target)
{
	struct ndp_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = NDP_NEIGHBOR_ADVERT;
	m.src = m.target = A6(target);
	m.dst = A6("ff02::1");
	m.flags = NDP_NA_OVERRIDE;
	m.has_lla = 1;
	memcpy(m.lla, mac_r, ETH_ADDR_LEN);
	return (from(mac_r, &m));
}

struct seen {
	uint8_t		 dst[ETH_ADDR_LEN], src[ETH_ADDR_LEN];
	struct ndp_msg	 m;
	size_t		 len;
	uint8_t		 pkt[1600];
};

/* The next frame on the wire: 0, or -1 if none is there. */
static int
next_frame(struct seen *s)
{
	uint8_t	 f[ETH_HDR_LEN + 1600];
	ssize_t	 n;

	memset(s, 0, sizeof(*s));
	if ((n = recv(wire_peer, f, sizeof(f), 0)) < ETH_HDR_LEN)
		return (-1);
	memcpy(s->dst, f, ETH_ADDR_LEN);
	memcpy(s->src, f + ETH_ADDR_LEN, ETH_ADDR_LEN);
	s->len = n - ETH_HDR_LEN;
	memcpy(s->pkt, f + ETH_HDR_LEN, s->len);
	if (f[12] != 0x86 || f[13] != 0xdd)
		return (-1);
	ndp_parse(s->pkt, s->len, &s->m);
	return (0);
}

/* An engine's packet from src to dst, plen bytes of payload said. */
static void
out6(const char *src, const char *dst, size_t len, size_t plen)
{
	uint8_t		 pkt[IP6_HDR_LEN + 64];
	struct in6_addr	 s = A6(src), d = A6(dst);

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x60;
	pkt[4] = plen >> 8;
	pkt[5] = plen & 0xff;
	pkt[6] = IP_PROTO_ICMPV6;
	pkt[7] = 64;
	memcpy(pkt + 8, &s, 16);
	memcpy(pkt + 24, &d, 16);
	wire_output(pkt, len);
}

static void
test_answer(void)
{
	struct seen	 s;
	struct in6_addr	 t = A6("2001:db8::5"), group;
	static const uint8_t grp_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 5 };

	/* First asked for: probed from ::, the answer waits. */
	CHECK(arpguard_count() == 0);
	CHECK(solicit("2001:db8::5") == 1);
	/* Its state is in the ARP guard's table, one guard for both. */
	CHECK(arpguard_count() == 1);
	CHECK(next_frame(&s) == 0);
	ndp_solicited_node(&t, &group);
	CHECK(memcmp(s.dst, grp_mac, 6) == 0);
	CHECK(memcmp(s.src, mac_web, 6) == 0);
	CHECK(s.m.type == NDP_NEIGHBOR_SOLICIT && !s.m.has_lla);
	CHECK(memcmp(&s.m.src, &in6addr_any, 16) == 0);
	CHECK(memcmp(&s.m.dst, &group, 16) == 0);
	CHECK(memcmp(&s.m.target, &t, 16) == 0);
	CHECK(next_frame(&s) == -1);
	CHECK(par.stats.ndp_probes == 1 && par.stats.ndp_withheld == 1);

	/* The probe passed in silence: the held answer goes out. */
	run(NDP_PROBE_MS + 200);
	CHECK(next_frame(&s) == 0);
	CHECK(memcmp(s.dst, mac_a, 6) == 0 && memcmp(s.src, mac_web, 6) == 0);
	CHECK(s.m.type == NDP_NEIGHBOR_ADVERT);
	CHECK(s.m.flags == (NDP_NA_SOLICITED | NDP_NA_OVERRIDE));
	CHECK(s.m.has_lla && memcmp(s.m.lla, mac_web, 6) == 0);
	CHECK(memcmp(&s.m.src, &t, 16) == 0 && memcmp(&s.m.target, &t, 16) == 0);
	t = A6("2001:db8::1");
	CHECK(memcmp(&s.m.dst, &t, 16) == 0);

	/* Claimed now: answered at once. */
	CHECK(solicit("2001:db8::5") == 1);
	CHECK(next_frame(&s) == 0 && s.m.type == NDP_NEIGHBOR_ADVERT);
	CHECK(par.stats.ndp_adverts == 2);

	/*
	 * A unicast solicitation: no target link-layer address option,
	 * nor Override, as Linux and the BSDs answer it (RFC 4861 7.2.4).
	 */
	CHECK(solicit_unicast("2001:db8::5") == 1);
	CHECK(next_frame(&s) == 0 && s.m.type == NDP_NEIGHBOR_ADVERT);
	CHECK(memcmp(s.dst, mac_a, 6) == 0 && memcmp(s.src, mac_web, 6) == 0);
	CHECK(s.m.flags == NDP_NA_SOLICITED && !s.m.has_lla);
	CHECK(s.len == IP6_HDR_LEN + 24);
	t = A6("2001:db8::5");
	CHECK(memcmp(&s.m.target, &t, 16) == 0);
	/* The same for the answer held while the address is probed. */
	CHECK(solicit_unicast("2001:db8:0:1::78") == 1);
	CHECK(next_frame(&s) == 0 && s.m.type == NDP_NEIGHBOR_SOLICIT);
	run(NDP_PROBE_MS + 200);
	CHECK(next_frame(&s) == 0 && s.m.type == NDP_NEIGHBOR_ADVERT &&
	    s.m.flags == NDP_NA_SOLICITED && !s.m.has_lla);
	CHECK(par.stats.ndp_adverts == 4);

	/* A host of a prefix without ethernet: the interface's MAC. */
	CHECK(solicit("2001:db8:0:1::77") == 1);
	CHECK(next_frame(&s) == 0 && memcmp(s.src, mac_us, 6) == 0);
	run(NDP_PROBE_MS + 200);
	CHECK(next_frame(&s) == 0 && s.m.type == NDP_NEIGHBOR_ADVERT &&
	    memcmp(s.m.lla, mac_us, 6) == 0);

	/* Not claimed: nothing. */
	CHECK(solicit("2001:db8::6") == 1);
	CHECK(next_frame(&s) == -1);
}

static void
test_guard(void)
{
	struct seen	 s;
	struct in6_addr	 a;
	uint64_t	 conflicts = par.stats.ndp_conflicts;

	/* Another node advertises a claimed address: never answered. */
	CHECK(advertise("2001:db8:0:1::7") == 1);
	CHECK(par.stats.ndp_conflicts == conflicts + 1);
	CHECK(solicit("2001:db8:0:1::7") == 1);
	CHECK(next_frame(&s) == -1);
	a = A6("2001:db8:0:1::7");
	CHECK(!ndp_may_send(&a));

	/* It answers our probe: the held answer is never sent. */
	CHECK(solicit("2001:db8:0:1::8") == 1);
	CHECK(next_frame(&s) == 0 && s.m.type == NDP_NEIGHBOR_SOLICIT);
	CHECK(advertise("2001:db8:0:1::8") == 1);
	run(NDP_PROBE_MS + 200);
	CHECK(next_frame(&s) == -1);
	CHECK(par.stats.ndp_conflicts == conflicts + 2);

	/* Another node's probe for a claimed address withdraws it. */
	memset(&s.m, 0, sizeof(s.m));
	s.m.type = NDP_NEIGHBOR_SOLICIT;
	s.m.target = A6("2001:db8:0:1::9");
	ndp_solicited_node(&s.m.target, &s.m.dst);
	CHECK(from(mac_r, &s.m) == 1);
	a = s.m.target;
	CHECK(!ndp_may_send(&a) && par.stats.ndp_conflicts == conflicts + 3);

	/* Router Solicitations are left alone. */
	memset(&s.m, 0, sizeof(s.m));
	s.m.type = NDP_ROUTER_SOLICIT;
	s.m.src = A6("2001:db8::1");
	s.m.dst = A6("ff02::2");
	CHECK(from(mac_a, &s.m) == 1);
	CHECK(next_frame(&s) == -1);
}

/* A vendor's MAC: its OUI, the rest derived per host, stable. */
static void
test_vendor(void)
{
	struct in6_addr	 a = A6("2001:db8:0:5::1"), b = A6("2001:db8:0:5::2");
	uint8_t		 oui[ETH_ADDR_LEN], ma[ETH_ADDR_LEN], mb[ETH_ADDR_LEN];
	uint8_t		 again[ETH_ADDR_LEN];
	int		 literal;

	if (access(ether_prefixes, R_OK) == -1) {
		MISSING(ether_prefixes);
		return;
	}
	CHECK(ether_resolve("cisco", oui, &literal) == 0 && !literal);
	CHECK(ndp_host_mac(&a, ma) == 1 && ndp_host_mac(&b, mb) == 1);
	CHECK(memcmp(ma, oui, 3) == 0 && memcmp(mb, oui, 3) == 0);
	CHECK(memcmp(ma, mb, ETH_ADDR_LEN) != 0);
	CHECK(ndp_host_mac(&a, again) == 1 && memcmp(ma, again, 6) == 0);
	CHECK((ma[0] & 1) == 0);
}

/* The solicitation s is: for target, from src at mac (its SLLA). */
static int
is_resolve(const struct seen *s, const char *src, const char *target,
    const uint8_t *mac)
{
	struct in6_addr	 a = A6(src), t = A6(target), group;
	uint8_t		 gmac[ETH_ADDR_LEN] = { 0x33, 0x33 };

	ndp_solicited_node(&t, &group);
	memcpy(gmac + 2, &group.s6_addr[12], 4);
	return (s->m.type == NDP_NEIGHBOR_SOLICIT &&
	    memcmp(&s->m.src, &a, 16) == 0 &&
	    memcmp(&s->m.target, &t, 16) == 0 &&
	    memcmp(&s->m.dst, &group, 16) == 0 &&
	    memcmp(s->dst, gmac, 6) == 0 && memcmp(s->src, mac, 6) == 0 &&
	    s->m.has_lla && memcmp(s->m.lla, mac, 6) == 0);
}

static void
test_output(void)
{
	struct seen	 s;
	uint64_t	 refused = par.stats.out_refused;

	/* To the asker, learned from its solicitation, from the host's MAC. */
	out6("2001:db8::5", "2001:db8::1", IP6_HDR_LEN + 16, 16);
	/* Queued for sendmmsg with IPv4's frames: nothing until flushed. */
	CHECK(next_frame(&s) == -1);
	wire_flush();
	CHECK(next_frame(&s) == 0);
	CHECK(memcmp(s.dst, mac_a, 6) == 0 && memcmp(s.src, mac_web, 6) == 0);
	CHECK(s.len == IP6_HDR_LEN + 16);
	/* Refused: a source not claimed, lengths that do not add up. */
	out6("2001:db8::6", "2001:db8::1", IP6_HDR_LEN + 16, 16);
	out6("2001:db8::5", "2001:db8::1", IP6_HDR_LEN + 16, 17);
	out6("2001:db8::5", "2001:db8::1", IP6_HDR_LEN - 1, 0);
	wire_flush();
	CHECK(next_frame(&s) == -1);
	CHECK(par.stats.out_refused == refused + 3);
	/* From a withdrawn address. */
	out6("2001:db8:0:1::7", "2001:db8::1", IP6_HDR_LEN + 16, 16);
	CHECK(par.stats.out_withdrawn == 1);
	/* To a neighbour never heard: asked for, from the source, kept. */
	out6("2001:db8::5", "2001:db8::99", IP6_HDR_LEN + 16, 16);
	CHECK(next_frame(&s) == 0);
	CHECK(is_resolve(&s, "2001:db8::5", "2001:db8::99", mac_web));
	CHECK(par.stats.ndp_resolves == 1 && par.stats.out_queued == 1);
	CHECK(par.stats.out_noneigh == 0);
	/* A second packet waits with it, no second question. */
	out6("2001:db8::5", "2001:db8::99", IP6_HDR_LEN + 8, 8);
	wire_flush();
	CHECK(next_frame(&s) == -1);
	/* Its advertisement teaches its MAC: both go, in order. */
	CHECK(advertise("2001:db8::99") == 1);
	wire_flush();
	CHECK(next_frame(&s) == 0 && memcmp(s.dst, mac_r, 6) == 0 &&
	    s.len == IP6_HDR_LEN + 16);
	CHECK(next_frame(&s) == 0 && memcmp(s.dst, mac_r, 6) == 0 &&
	    s.len == IP6_HDR_LEN + 8);
	CHECK(next_frame(&s) == -1);
	/* Known now: sent at once. */
	out6("2001:db8::5", "2001:db8::99", IP6_HDR_LEN + 16, 16);
	wire_flush();
	CHECK(next_frame(&s) == 0 && memcmp(s.dst, mac_r, 6) == 0);
	CHECK(par.stats.out_noneigh == 0 && par.stats.out_queued == 2);
	/* A group or :: has nothing to ask for. */
	out6("2001:db8::5", "ff02::1", IP6_HDR_LEN + 16, 16);
	out6("2001:db8::5", "::", IP6_HDR_LEN + 16, 16);
	CHECK(next_frame(&s) == -1 && par.stats.out_noneigh == 2);
}

/* A neighbour that never answers: asked three times, then dropped. */
static void
test_unanswered(void)
{
	struct seen	 s;
	uint64_t	 noneigh = par.stats.out_noneigh;
	int		 asked = 0, i;

	/* From a prefix host without ethernet: the interface's MAC. */
	for (i = 0; i < WIRE_PEND_FRAMES + 2; i++)
		out6("2001:db8:0:1::77", "2001:db8::98", IP6_HDR_LEN + 16,
		    16);
	/* The oldest made room for the newest. */
	CHECK(par.stats.out_noneigh == noneigh + 2);
	run((WIRE_SOLICITS - 1) * WIRE_RETRANS_MS + 300);
	while (next_frame(&s) == 0)
		asked += is_resolve(&s, "2001:db8:0:1::77", "2001:db8::98",
		    mac_us);
	CHECK(asked == WIRE_SOLICITS);
	CHECK(par.stats.out_noneigh == noneigh + 2);
	run(WIRE_RETRANS_MS);
	CHECK(next_frame(&s) == -1);
	CHECK(par.stats.out_noneigh == noneigh + 2 + WIRE_PEND_FRAMES);
	/* Heard from only now: nothing left to send. */
	CHECK(advertise("2001:db8::98") == 1);
	wire_flush();
	CHECK(next_frame(&s) == -1);
}

/* Many neighbours asked for at once: the oldest make room. */
static void
test_pend_bounded(void)
{
	struct seen	 s;
	char		 a[64];
	uint64_t	 noneigh = par.stats.out_noneigh;
	int		 i;

	for (i = 0; i < WIRE_PEND_MAX + 10; i++) {
		snprintf(a, sizeof(a), "2001:db8:0:7::%x", i + 1);
		out6("2001:db8::5", a, IP6_HDR_LEN + 16, 16);
		while (next_frame(&s) == 0)
			;
	}
	CHECK(par.stats.out_noneigh == noneigh + 10);
	wire_pend_flush();
	CHECK(par.stats.out_noneigh == noneigh + WIRE_PEND_MAX + 10);
}

/*
 * With two interfaces, a neighbour is asked for where it was heard,
 * even from a MAC that is no next hop (a group's); one never heard, on
 * every interface.
 */
static void
test_ask_where_heard(void)
{
	static const uint8_t	 grp[ETH_ADDR_LEN] = { 3, 0, 0, 0, 0, 0x42 };
	struct iface		*if1 = &par.ifaces[1];
	struct seen		 s;
	struct in6_addr		 a = A6("2001:db8::a1"), b = A6("2001:db8::b1");
	uint8_t			 mac[ETH_ADDR_LEN];
	int			 fds[2], peer0 = wire_peer, iface, n0, n1;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) == 0);
	CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
	if1->index = 1;
	if1->wfd = fds[0];
	memcpy(if1->mac, mac_us, ETH_ADDR_LEN);
	par.nifaces = 2;

	/* Heard on the second interface from a group MAC: asked there. */
	ndp_learn(if1, &a, grp);
	CHECK(ndp_neighbor(&a, &iface, mac) == -1);
	CHECK(ndp_neighbor_iface(&a) == 1);
	out6("2001:db8::5", "2001:db8::a1", IP6_HDR_LEN + 16, 16);
	CHECK(next_frame(&s) == -1);
	wire_peer = fds[1];
	CHECK(next_frame(&s) == 0);
	CHECK(is_resolve(&s, "2001:db8::5", "2001:db8::a1", mac_web));
	CHECK(next_frame(&s) == -1);
	/* Its retries too. */
	run(WIRE_RETRANS_MS + 100);
	CHECK(next_frame(&s) == 0 && s.m.type == NDP_NEIGHBOR_SOLICIT);
	wire_peer = peer0;
	CHECK(next_frame(&s) == -1);

	/* Never heard: on both. */
	out6("2001:db8::5", "2001:db8::a2", IP6_HDR_LEN + 16, 16);
	for (n0 = 0; next_frame(&s) == 0; )
		n0 += is_resolve(&s, "2001:db8::5", "2001:db8::a2", mac_web);
	wire_peer = fds[1];
	for (n1 = 0; next_frame(&s) == 0; )
		n1 += is_resolve(&s, "2001:db8::5", "2001:db8::a2", mac_web);
	wire_peer = peer0;
	CHECK(n0 == 1 && n1 == 1);

	/* A group MAC does not replace a MAC learned for the address. */
	ndp_learn(IFP, &b, mac_r);
	ndp_learn(if1, &b, grp);
	CHECK(ndp_neighbor(&b, &iface, mac) == 0 && iface == 0 &&
	    memcmp(mac, mac_r, 6) == 0);

	wire_pend_flush();
	par.nifaces = 1;
	close(fds[0]);
	close(fds[1]);
}

int
main(void)
{
	setup();
	test_answer();
	test_guard();
	test_vendor();
	test_output();
	test_unanswered();
	test_pend_bounded();
	test_ask_where_heard();
	wire_pend_flush();
	arpguard_flush();
	ndp_flush();
	config_free(conf);
	claim_clear(&par.claimed);
	close(wire_peer);
	close(IFP->wfd);
	event_base_free(par.base);
	return (unit_done());
}
