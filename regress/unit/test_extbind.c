/*
 * Unit tests for the parent's side of "bind A to IFACE" (extbind.c,
 * wire.c, arp.c): a packet from a source honeyd does not claim goes
 * out only to a bound machine and only on its interface, counted; the
 * machine's MAC is learned on that interface alone; honeyd asks for it
 * as the router that links it and never answers ARP for it there.
 * Frames go to datagram socketpairs, never to a wire.
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

#define ARP_LEN		(ETH_HDR_LEN + ARP_HDR_LEN + ARP_ETHIP_LEN)

struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

static struct parent	 par;
static struct imsgev	 eng_iev;
static struct imsgbuf	 eng_side;
static int		 peer[2];	/* what each interface sent */

static const uint8_t	 mac_us0[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t	 mac_us1[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t	 mac_real[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 0x99 };
static const uint8_t	 mac_evil[ETH_ADDR_LEN] = { 2, 0, 0, 0, 0, 0xee };

#define REAL		0xc6130909U	/* 198.19.9.9, on eth1 */
#define GW		0xc6130901U	/* 198.19.9.1, its router */
#define PEER		0xc6120001U	/* 198.18.0.1, not claimed */
#define OTHER		0xc6130932U	/* 198.19.9.50, virtual */

static const char conf_text[] =
    "route entry 198.19.0.1\n"
    "route 198.19.0.1 link 198.19.0.0/24\n"
    "route 198.19.0.1 add net 198.19.9.0/24 198.19.9.1 latency 20ms\n"
    "route 198.19.9.1 link 198.19.9.0/24\n"
    "bind 198.19.9.9 to eth1\n"
    "bind 198.19.9.10 to eth7\n";

static void
iface(int i, const char *name, const uint8_t *mac)
{
	struct iface	*ifp = &par.ifaces[i];
	int		 fds[2];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) == 0);
	CHECK(fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0);
	CHECK(fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0);
	strlcpy(ifp->name, name, sizeof(ifp->name));
	ifp->index = i;
	ifp->wfd = fds[0];
	peer[i] = fds[1];
	memcpy(ifp->mac, mac, ETH_ADDR_LEN);
}

/* The ARP frames interface i sent since last asked: requests for tpa. */
static int
arp_sent(int i, uint32_t spa, uint32_t tpa)
{
	uint8_t			 f[ARP_LEN + 16];
	const struct arp_ethip	*ae;
	uint32_t		 s, t;
	ssize_t			 n;
	int			 found = 0;

	while ((n = recv(peer[i], f, sizeof(f), 0)) > 0) {
		if (n != ARP_LEN)
			continue;
		ae = (const struct arp_ethip *)(f + ETH_HDR_LEN + ARP_HDR_LEN);
		memcpy(&s, ae->ar_spa, 4);
		memcpy(&t, ae->ar_tpa, 4);
		found += ntohl(s) == spa && ntohl(t) == tpa;
	}
	return (found);
}

static void
setup(void)
{
	struct honeyd_config	*conf;

	CHECK(fixture_parent(&par, &eng_iev, &eng_side) == 0);
	iface(0, "eth0", mac_us0);
	iface(1, "eth1", mac_us1);
	par.nifaces = 2;
	claim_init(&par.claimed);
	CHECK(claim_add(&par.claimed, 0xc6130000U, 0xc613ffffU) == 0);
	claim_normalize(&par.claimed);
	conf = config_parse_buffer("test", conf_text, sizeof(conf_text) - 1,
	    NULL, NULL);
	CHECK(conf != NULL);
	if (conf == NULL)
		return;
	/* eth7 is not listened on: warned about, left out. */
	CHECK(extbind_sync(conf) == 1);
	CHECK(arp_sent(1, GW, REAL) == 1);
	CHECK(extbind_sync(conf) == 0);
	config_free(conf);
	CHECK(extbind_iface(REAL) == 1);
	CHECK(extbind_iface(REAL + 1) == -1);
	CHECK(extbind_on(&par.ifaces[1], REAL));
	CHECK(!extbind_on(&par.ifaces[0], REAL));
	CHECK(extbind_gateway(REAL) == GW);
	/* Its MAC is asked for at once, on eth1, as its router. */
	CHECK(arp_sent(1, GW, REAL) == 1);
	CHECK(arp_sent(0, GW, REAL) == 0);
	CHECK(extbind_gateway(OTHER) == 0);
}

static void
send_pkt(uint32_t src, uint32_t dst)
{
	uint8_t		 pkt[IP_HDR_LEN];
	struct ip_hdr	*ip = (struct ip_hdr *)pkt;

	memset(pkt, 0, sizeof(pkt));
	ip->ip_v = 4;
	ip->ip_hl = 5;
	ip->ip_len = htons(sizeof(pkt));
	ip->ip_ttl = 62;
	ip->ip_src = htonl(src);
	ip->ip_dst = htonl(dst);
	wire_output(pkt, sizeof(pkt));
}

static void
test_forward_rule(void)
{
	struct parent_stats	 before = par.stats;

	/* Unclaimed source, to anyone but a bound machine: refused. */
	send_pkt(PEER, OTHER);
	CHECK(par.stats.out_refused == before.out_refused + 1);
	send_pkt(PEER, PEER + 1);
	CHECK(par.stats.out_refused == before.out_refused + 2);
	/* To the bound machine, MAC unknown: asked for on eth1 only. */
	send_pkt(PEER, REAL);
	CHECK(par.stats.out_refused == before.out_refused + 2);
	CHECK(par.stats.out_noneigh == before.out_noneigh + 1);
	CHECK(par.stats.out_extbind == before.out_extbind);
	CHECK(arp_sent(1, GW, REAL) == 1);
	CHECK(arp_sent(0, GW, REAL) == 0);
	/* Its address seen on another interface teaches nothing. */
	wire_learn(&par.ifaces[0], REAL, mac_evil);
	send_pkt(PEER, REAL);
	CHECK(par.stats.out_noneigh == before.out_noneigh + 2);
	CHECK(par.stats.out_extbind == before.out_extbind);
	CHECK(arp_sent(1, GW, REAL) == 1);
	/*
	 * Learned on its own interface, it would be sent (and counted as
	 * out_extbind, which regress/netns/bindif.sh checks): this test
	 * has no packet socket to queue it on.
	 */
	wire_learn(&par.ifaces[1], REAL, mac_real);
	CHECK(wire_seen(REAL));
	CHECK(par.stats.out_refused == before.out_refused + 2);
}

/* A request for the bound address on its interface is its own. */
static void
test_no_arp_for_it(void)
{
	uint8_t			 f[ARP_LEN];
	struct arp_hdr		*ah = (struct arp_hdr *)(f + ETH_HDR_LEN);
	struct arp_ethip	*ae = (struct arp_ethip *)(ah + 1);
	uint32_t		 spa = htonl(OTHER + 1), tpa = htonl(REAL);
	uint64_t		 replies = par.stats.arp_replies;

	memset(f, 0xff, ETH_ADDR_LEN);
	memcpy(f + ETH_ADDR_LEN, mac_evil, ETH_ADDR_LEN);
	f[12] = ETH_TYPE_ARP >> 8;
	f[13] = ETH_TYPE_ARP & 0xff;
	ah->ar_hrd = htons(ARP_HRD_ETH);
	ah->ar_pro = htons(ARP_PRO_IP);
	ah->ar_hln = ETH_ADDR_LEN;
	ah->ar_pln = IP_ADDR_LEN;
	ah->ar_op = htons(ARP_OP_REQUEST);
	memcpy(ae->ar_sha, mac_evil, ETH_ADDR_LEN);
	memcpy(ae->ar_spa, &spa, 4);
	memset(ae->ar_tha, 0, ETH_ADDR_LEN);
	memcpy(ae->ar_tpa, &tpa, 4);
	arp_input(&par.ifaces[1], f, sizeof(f));
	CHECK(par.stats.arp_replies == replies);
}

int
main(void)
{
	setup();
	test_forward_rule();
	test_no_arp_for_it();
	return (unit_done());
}
