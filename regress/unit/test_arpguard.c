/*
 * Unit tests for safe proxy ARP (arpguard.c, arp.c): an address is
 * probed before it is claimed, the held answer goes out once nobody
 * answered, another MAC using the address withdraws the claim (and
 * tells the engine), a withdrawn address comes back only after its
 * owner's silence, "option arp silence" claims only addresses asked
 * for that long, and the table stays bounded when a /16 is asked for.
 * The engine's packet to a next hop not known waits for its ARP reply
 * (wire.c), three requests a second apart, then is dropped.
 * Probe starts are rationed by a token bucket per interface, shared by
 * ARP and NDP; requests past it are neither answered nor probed.
 * The interface's sending socket is one end of a socketpair: the frames
 * the parent would put on the wire are read from the other.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "parent_fixture.h"
#include "unit.h"

#define FRAME_LEN	(ETH_HDR_LEN + ARP_HDR_LEN + ARP_ETHIP_LEN)

struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

static struct parent	 par;
static struct imsgev	 eng_iev;
static struct imsgbuf	 eng_side;
static int		 wire_peer;

static const uint8_t	 mac_us[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t	 mac_a[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 0xa };
static const uint8_t	 mac_r[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 0x52 };

#define NET		0xc6120000U	/* 198.18.0.0 */
#define ADDR_A		(NET | 1)	/* the asker */
#define UNKNOWN		(NET | 9)	/* a neighbour never heard */
#define IFP		(&par.ifaces[0])

static void
setup(void)
{
	int	 fds[2];

	CHECK(fixture_parent(&par, &eng_iev, &eng_side) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) == 0);
	/* A flood of probes must not block: excess ones fail, counted. */
	CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
	IFP->wfd = fds[0];
	wire_peer = fds[1];
	memcpy(IFP->mac, mac_us, ETH_ADDR_LEN);
	IFP->addr = NET | 2;
	IFP->mask = 0xffff0000U;
	par.nifaces = 1;
	claim_init(&par.claimed);
	CHECK(claim_add(&par.claimed, NET | 0x40, NET | 0xffff) == 0);
	claim_normalize(&par.claimed);
}

/* Set the options from config text. */
static void
options(const char *text)
{
	struct honeyd_config	*conf;

	conf = config_parse_buffer("test", text, strlen(text), NULL, NULL);
	CHECK(conf != NULL);
	if (conf == NULL)
		return;
	arpguard_config(conf);
	config_free(conf);
}

/* Run the parent's events for ms milliseconds. */
static void
run(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(par.base, &tv);
	event_base_dispatch(par.base);
}

/*
 * The engine's packet from src: an IPv4 header will do.  Its
 * destination is a neighbour nobody knows, so that wire.c, given it,
 * asks for its MAC in ARP.
 */
static int
may_send(uint32_t src)
{
	uint8_t		 pkt[IP_HDR_LEN];
	struct ip_hdr	*ip = (struct ip_hdr *)pkt;

	memset(pkt, 0, sizeof(pkt));
	ip->ip_v = 4;
	ip->ip_hl = 5;
	ip->ip_len = htons(sizeof(pkt));
	ip->ip_src = htonl(src);
	ip->ip_dst = htonl(UNKNOWN);
	return (arpguard_may_send(IFP, src, pkt, sizeof(pkt)));
}

struct arp_seen {
	int		 op;
	uint32_t	 spa, tpa;
	uint8_t		 dst[ETH_ADDR_LEN], sha[ETH_ADDR_LEN];
};

/* The next frame put on the wire, or -1 if none is there. */
static int
next_frame(struct arp_seen *s)
{
	uint8_t			 f[FRAME_LEN + 16];
	struct arp_hdr		*ah = (struct arp_hdr *)(f + ETH_HDR_LEN);
	struct arp_ethip	*ae = (struct arp_ethip *)(ah + 1);

	if (recv(wire_peer, f, sizeof(f), 0) != FRAME_LEN)
		return (-1);
	s->op = ntohs(ah->ar_op);
	memcpy(&s->spa, ae->ar_spa, 4);
	memcpy(&s->tpa, ae->ar_tpa, 4);
	s->spa = ntohl(s->spa);
	s->tpa = ntohl(s->tpa);
	memcpy(s->dst, f, ETH_ADDR_LEN);
	memcpy(s->sha, ae->ar_sha, ETH_ADDR_LEN);
	return (0);
}

static void
drain(void)
{
	struct arp_seen	 s;

	while (next_frame(&s) == 0)
		;
}

/* An ARP frame from mac, as arp_input receives it. */
static void
arp_in(int op, const uint8_t *mac, uint32_t spa, uint32_t tpa)
{
	uint8_t			 f[FRAME_LEN];
	struct arp_hdr		*ah = (struct arp_hdr *)(f + ETH_HDR_LEN);
	struct arp_ethip	*ae = (struct arp_ethip *)(ah + 1);

	memset(f, 0xff, ETH_ADDR_LEN);
	memcpy(f + ETH_ADDR_LEN, mac, ETH_ADDR_LEN);
	f[12] = ETH_TYPE_ARP >> 8;
	f[13] = ETH_TYPE_ARP & 0xff;
	ah->ar_hrd = htons(ARP_HRD_ETH);
	ah->ar_pro = htons(ARP_PRO_IP);
	ah->ar_hln = ETH_ADDR_LEN;
	ah->ar_pln = IP_ADDR_LEN;
	ah->ar_op = htons(op);
	memcpy(ae->ar_sha, mac, ETH_ADDR_LEN);
	spa = htonl(spa);
	tpa = htonl(tpa);
	memcpy(ae->ar_spa, &spa, 4);
	memset(ae->ar_tha, 0, ETH_ADDR_LEN);
	memcpy(ae->ar_tpa, &tpa, 4);
	arp_input(IFP, f, sizeof(f));
}

/* A's who-has: 1 if the daemon answered (now), 0 if not. */
static int
ask(uint32_t addr)
{
	struct arp_seen	 s;
	int		 answered = 0;

	arp_in(ARP_OP_REQUEST, mac_a, ADDR_A, addr);
	while (next_frame(&s) == 0)
		if (s.op == ARP_OP_REPLY && s.spa == addr)
			answered = 1;
	return (answered);
}

/* The engine's side: an IMSG_ARP_CONFLICT for addr from mac_r. */
static int
engine_told(uint32_t addr, int was)
{
	struct imsg		 imsg;
	struct arp_conflict	 c;
	int			 found = 0;

	if (imsgbuf_queuelen(&eng_iev.ibuf) > 0)
		(void)imsgbuf_write(&eng_iev.ibuf);
	if (imsgbuf_read(&eng_side) <= 0)
		return (0);
	while (imsg_get(&eng_side, &imsg) > 0) {
		if (imsg.hdr.type == IMSG_ARP_CONFLICT &&
		    imsg_get_data(&imsg, &c, sizeof(c)) == 0 &&
		    c.addr == addr && c.was == was &&
		    memcmp(c.mac, mac_r, ETH_ADDR_LEN) == 0)
			found = 1;
		imsg_free(&imsg);
	}
	return (found);
}

static void
test_probe_then_claim(void)
{
	struct arp_seen	 s;
	uint8_t		 f[ETH_HDR_LEN + IP_HDR_LEN + 16];
	uint32_t	 addr = NET | 70;
	int		 probes = 0, replies = 0, asked = 0;

	arp_in(ARP_OP_REQUEST, mac_a, ADDR_A, addr);
	/* The first probe at once, not the answer. */
	CHECK(next_frame(&s) == 0);
	CHECK(s.op == ARP_OP_REQUEST && s.spa == 0 && s.tpa == addr);
	CHECK(memcmp(s.dst, ETH_ADDR_BROADCAST, ETH_ADDR_LEN) == 0);
	CHECK(memcmp(s.sha, mac_us, ETH_ADDR_LEN) == 0);
	CHECK(next_frame(&s) == -1);
	/* The engine's packet meanwhile is held, a second one dropped. */
	CHECK(may_send(addr) == 0);
	CHECK(par.stats.out_held == 1);
	CHECK(may_send(addr) == 0);
	CHECK(par.stats.out_withdrawn == 1);
	run(ARPG_PROBES * ARPG_PROBE_MS + 200);
	/*
	 * ... and given to wire.c once claimed: it waits while wire.c asks
	 * for the next hop.
	 */
	CHECK(par.stats.out_queued == 1 && par.stats.out_noneigh == 0);
	while (next_frame(&s) == 0) {
		if (s.op == ARP_OP_REQUEST && s.spa == addr &&
		    s.tpa == UNKNOWN)
			asked++;
		if (s.op == ARP_OP_REQUEST && s.spa == 0)
			probes++;
		if (s.op == ARP_OP_REPLY && s.spa == addr && s.tpa == ADDR_A &&
		    memcmp(s.dst, mac_a, ETH_ADDR_LEN) == 0)
			replies++;
	}
	CHECK(probes == ARPG_PROBES - 1);
	CHECK(replies == 1);		/* the held answer */
	CHECK(asked == 1);
	/* The next hop answers: the packet that waited goes to it. */
	arp_in(ARP_OP_REPLY, mac_r, UNKNOWN, addr);
	wire_flush();
	CHECK(recv(wire_peer, f, sizeof(f), 0) == ETH_HDR_LEN + IP_HDR_LEN);
	CHECK(memcmp(f, mac_r, ETH_ADDR_LEN) == 0 &&
	    f[12] == ETH_TYPE_IP >> 8 && f[13] == (ETH_TYPE_IP & 0xff));
	CHECK(par.stats.out_noneigh == 0);
	CHECK(may_send(addr) == 1);
	CHECK(ask(addr) == 1);
	CHECK(ask(addr) == 1);
	CHECK(par.stats.arp_probes == 1);
}

/* A next hop that never answers: asked three times, then dropped. */
static void
test_unanswered(void)
{
	struct arp_seen	 s;
	uint8_t		 pkt[IP_HDR_LEN];
	struct ip_hdr	*ip = (struct ip_hdr *)pkt;
	uint32_t	 addr = NET | 70, silent = NET | 10;
	int		 asked = 0;

	memset(pkt, 0, sizeof(pkt));
	ip->ip_v = 4;
	ip->ip_hl = 5;
	ip->ip_len = htons(sizeof(pkt));
	ip->ip_src = htonl(addr);
	ip->ip_dst = htonl(silent);
	wire_output(pkt, sizeof(pkt));
	run((WIRE_SOLICITS - 1) * WIRE_RETRANS_MS + 300);
	while (next_frame(&s) == 0)
		asked += s.op == ARP_OP_REQUEST && s.spa == addr &&
		    s.tpa == silent;
	CHECK(asked == WIRE_SOLICITS);
	CHECK(par.stats.out_noneigh == 0);
	run(WIRE_RETRANS_MS);
	CHECK(par.stats.out_noneigh == 1);
	CHECK(next_frame(&s) == -1);
}

/* Large packets for many silent next hops: WIRE_PEND_BYTES in all. */
static void
test_pend_budget(void)
{
	static uint8_t	 big[60000];
	struct ip_hdr	*ip = (struct ip_hdr *)big;
	uint64_t	 queued = par.stats.out_queued;
	uint64_t	 noneigh = par.stats.out_noneigh;
	size_t		 fit = WIRE_PEND_BYTES / sizeof(big);
	int		 i;

	ip->ip_v = 4;
	ip->ip_hl = 5;
	ip->ip_len = htons(sizeof(big));
	ip->ip_src = htonl(NET | 70);
	for (i = 0; i < 20; i++) {
		ip->ip_dst = htonl(NET | (11 + i));
		wire_output(big, sizeof(big));
		drain();
	}
	CHECK(par.stats.out_queued == queued + fit);
	CHECK(par.stats.out_noneigh == noneigh + 20 - fit);
	wire_pend_flush();
	CHECK(par.stats.out_noneigh == noneigh + 20);
}

static void
test_withdraw(void)
{
	uint32_t	 addr = NET | 70, next = NET | 71;

	CHECK(ask(next) == 0);
	run(ARPG_PROBES * ARPG_PROBE_MS + 200);
	drain();
	CHECK(ask(next) == 1);
	/* Our own MAC saying so changes nothing. */
	arp_in(ARP_OP_REQUEST, mac_us, addr, addr);
	CHECK(ask(addr) == 1);
	CHECK(par.stats.arp_conflicts == 0);
	/* R's gratuitous ARP: not ours any more, its neighbour still is. */
	arp_in(ARP_OP_REQUEST, mac_r, addr, addr);
	CHECK(par.stats.arp_conflicts == 1);
	CHECK(engine_told(addr, ARP_CONFLICT_CLAIMED));
	CHECK(ask(addr) == 0);
	CHECK(may_send(addr) == 0);
	CHECK(ask(next) == 1);
	CHECK(may_send(next) == 1);
	/* R heard again: one conflict, not one per frame. */
	arp_in(ARP_OP_REPLY, mac_r, addr, ADDR_A);
	CHECK(par.stats.arp_conflicts == 1);
	/* Another machine's probe for a claimed address: it yields. */
	arp_in(ARP_OP_REQUEST, mac_r, 0, next);
	CHECK(par.stats.arp_conflicts == 2);
	CHECK(ask(next) == 0);
	/* ... and a probe is never answered. */
	arp_in(ARP_OP_REQUEST, mac_a, 0, NET | 72);
	CHECK(next_frame(&(struct arp_seen){ 0 }) == -1);
}

static void
test_probe_answered(void)
{
	struct arp_seen	 s;
	uint32_t	 addr = NET | 75;
	int		 replies = 0;

	CHECK(ask(addr) == 0);
	/* R answers our probe (to our MAC, from its own). */
	arp_in(ARP_OP_REPLY, mac_r, addr, 0);
	CHECK(engine_told(addr, ARP_CONFLICT_PROBING));
	run(ARPG_PROBES * ARPG_PROBE_MS + 200);
	while (next_frame(&s) == 0)
		if (s.op == ARP_OP_REPLY)
			replies++;
	CHECK(replies == 0);
	CHECK(ask(addr) == 0);
	CHECK(par.stats.arp_conflicts == 3);
}

/* After conflict_timeout of silence from its owner, probed again. */
static void
test_timeout(void)
{
	uint32_t	 addr = NET | 70;
	uint64_t	 probes;

	options("option arp conflict_timeout 1\n");
	CHECK(ask(addr) == 0);
	sleep(1);
	arp_in(ARP_OP_REQUEST, mac_r, addr, ADDR_A);	/* R speaks */
	CHECK(ask(addr) == 0);
	sleep(1);
	usleep(100 * 1000);
	probes = par.stats.arp_probes;
	CHECK(ask(addr) == 0);				/* probing */
	CHECK(par.stats.arp_probes == probes + 1);
	run(ARPG_PROBES * ARPG_PROBE_MS + 200);
	drain();
	CHECK(ask(addr) == 1);
	options("option arp conflict_timeout 300\n");
}

static void
test_silence(void)
{
	uint32_t	 addr = NET | 80;
	struct arp_seen	 s;
	int		 replies = 0;

	options("option arp silence 1\n");
	CHECK(ask(addr) == 0);
	CHECK(next_frame(&s) == -1);		/* watched, not probed */
	CHECK(may_send(addr) == 0);
	CHECK(ask(addr) == 0);
	sleep(1);
	CHECK(ask(addr) == 0);			/* now probed */
	run(ARPG_PROBES * ARPG_PROBE_MS + 200);
	while (next_frame(&s) == 0)
		if (s.op == ARP_OP_REPLY && s.spa == addr)
			replies++;
	CHECK(replies == 1);
	CHECK(ask(addr) == 1);
	/* Someone answers for a watched one: never claimed. */
	addr = NET | 81;
	CHECK(ask(addr) == 0);
	arp_in(ARP_OP_REPLY, mac_r, addr, ADDR_A);
	sleep(1);
	CHECK(ask(addr) == 0);
	CHECK(next_frame(&s) == -1);
	options("option arp silence 0\n");
}

/* A /16 asked for address by address: the table stays bounded. */
static void
test_bounded(void)
{
	uint32_t	 a;

	options("option arp probe_rate 0\n");	/* no limit */
	for (a = NET | 0x100; a <= (NET | 0xffff); a++) {
		arp_in(ARP_OP_REQUEST, mac_a, ADDR_A, a);
		drain();
	}
	CHECK(arpguard_count() == ARPG_MAX);
	CHECK(par.stats.arp_evicted > 65000 - ARPG_MAX);
	arpguard_flush();
	CHECK(arpguard_count() == 0);
	options("");
}

/* The bucket alone, on a clock of our own. */
static void
test_tokbucket(void)
{
	struct tokbucket	 b;
	int64_t			 t = 5000;
	int			 i, n;

	memset(&b, 0, sizeof(b));
	/* Full at first: burst at once, then none in the same ms. */
	for (n = 0, i = 0; i < 10; i++)
		n += tokbucket_take(&b, 2, 4, t);
	CHECK(n == 4);
	/* 2 a second: one after 500 ms, not before. */
	CHECK(tokbucket_take(&b, 2, 4, t + 499) == 0);
	CHECK(tokbucket_take(&b, 2, 4, t + 500) == 1);
	CHECK(tokbucket_take(&b, 2, 4, t + 500) == 0);
	/* Refused calls do not lose the credit they accrue. */
	for (i = 1; i < 50; i++)
		CHECK(tokbucket_take(&b, 2, 4, t + 500 + i * 10) == 0);
	CHECK(tokbucket_take(&b, 2, 4, t + 1000) == 1);
	/* Quiet for days: full again, never more than burst. */
	t += 86400LL * 1000 * 30;
	for (n = 0, i = 0; i < 10; i++)
		n += tokbucket_take(&b, 2, 4, t);
	CHECK(n == 4);
	/* A clock that went back gives nothing and breaks nothing. */
	CHECK(tokbucket_take(&b, 2, 4, t - 1000) == 0);
	/* A lower burst (a reload) caps what is there. */
	CHECK(tokbucket_take(&b, 2, 1, t + 10000) == 1);
	CHECK(tokbucket_take(&b, 2, 1, t + 10000) == 0);
	/* Rate 0: no limit. */
	for (n = 0, i = 0; i < 1000; i++)
		n += tokbucket_take(&b, 0, 1, t);
	CHECK(n == 1000);
}

/*
 * A neighbour asks for many distinct unprobed addresses at once: only
 * probe_burst of them are probed, the rest neither answered nor
 * probed, and counted; a claimed address is answered still, and a
 * refused one is probed when asked again once a token came back.  An
 * IPv6 solicitation draws on the same bucket.
 */
static void
test_rate_limited(void)
{
	static const uint8_t	 mac6[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 6 };
	struct arp_seen		 s;
	struct in6_addr		 t6, s6;
	uint64_t		 probes0 = par.stats.arp_probes;
	uint64_t		 ndp0 = par.stats.ndp_probes;
	uint64_t		 lim0 = par.stats.probe_limited;
	uint32_t		 claimed = NET | 0x71, a;
	int			 sent = 0;

	CHECK(ask(claimed) == 0);		/* probed under the default */
	run(ARPG_PROBES * ARPG_PROBE_MS + 200);
	drain();
	CHECK(ask(claimed) == 1);
	options("option arp probe_rate 2\noption arp probe_burst 3\n");
	arpguard_flush();		/* a fresh, full bucket */
	CHECK(ask(claimed) == 0);	/* flushed: probed again (token 1) */
	run(ARPG_PROBES * ARPG_PROBE_MS + 200);
	drain();
	CHECK(ask(claimed) == 1);
	/* Two tokens left, and one gained meanwhile. */
	for (a = NET | 0x200; a < (NET | 0x200) + 40; a++) {
		arp_in(ARP_OP_REQUEST, mac_a, ADDR_A, a);
		while (next_frame(&s) == 0)
			sent += s.op == ARP_OP_REQUEST && s.spa == 0;
	}
	CHECK(sent == 2 || sent == 3);
	CHECK(par.stats.arp_probes == probes0 + 2 + (uint64_t)sent);
	CHECK(par.stats.probe_limited == lim0 + 40 - (uint64_t)sent);
	/* Limited ones hold no entry: only the probed ones do. */
	CHECK(arpguard_count() == 1 + (size_t)sent);
	/* Claimed: answered whatever the bucket holds. */
	CHECK(ask(claimed) == 1);
	CHECK(ask(claimed) == 1);
	/* The engine's packet from an unprobed address: dropped, counted. */
	CHECK(may_send(NET | 0x300) == 0);
	CHECK(par.stats.probe_limited == lim0 + 41 - (uint64_t)sent);
	/* IPv6 shares the bucket: no DAD probe, no entry. */
	memset(&t6, 0, sizeof(t6));
	t6.s6_addr[0] = 0x20;
	t6.s6_addr[1] = 0x01;
	t6.s6_addr[2] = 0x0d;
	t6.s6_addr[3] = 0xb8;
	s6 = t6;
	t6.s6_addr[15] = 0x70;
	s6.s6_addr[15] = 0x01;
	guard6_solicited(IFP, &t6, mac6, &s6, 1);
	CHECK(par.stats.ndp_probes == ndp0);
	CHECK(par.stats.probe_limited == lim0 + 42 - (uint64_t)sent);
	CHECK(arpguard_count() == 1 + (size_t)sent);
	/* Half a second later a token is back: the asker's retry probes. */
	run(600);
	drain();
	CHECK(ask(NET | 0x220) == 0);
	CHECK(par.stats.arp_probes == probes0 + 3 + (uint64_t)sent);
	run(ARPG_PROBES * ARPG_PROBE_MS + 200);
	drain();
	CHECK(ask(NET | 0x220) == 1);
	options("");
	arpguard_flush();
}

static void
test_bad_option(void)
{
	static const char	 text[] = "option arp probes 3\n";
	struct honeyd_config	*conf;

	/* The parser refuses both: no configuration comes back. */
	conf = config_parse_buffer("test", text, strlen(text), NULL, NULL);
	CHECK(conf == NULL);
	if (conf != NULL)
		config_free(conf);
	conf = config_parse_buffer("test", "option arp silence -1\n", 22,
	    NULL, NULL);
	CHECK(conf == NULL);
	if (conf != NULL)
		config_free(conf);
}

int
main(void)
{
	setup();
	test_probe_then_claim();
	test_unanswered();
	test_pend_budget();
	test_withdraw();
	test_probe_answered();
	test_timeout();
	test_silence();
	test_bounded();
	test_tokbucket();
	test_rate_limited();
	test_bad_option();
	arpguard_flush();
	event_base_free(par.base);
	return (unit_done());
}
