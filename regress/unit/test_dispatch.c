/*
 * Unit tests for the engine's dispatcher (ip.c) and checksums: crafted
 * packets go into ip_input() and the answers are read back from the
 * imsg channel the parent would read.  Malformed packets must be
 * dropped and counted under the right reason, and answer nothing.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "unit.h"
#include "engine_fixture.h"

#define VHOST		"198.18.0.10"
#define ATTACKER	"198.18.0.1"

static const char conf_text[] =
    "create default\n"
    "set default default icmp action block\n"
    "create host\n"
    "set host default tcp action reset\n"
    "set host default udp action reset\n"
    "add host tcp port 22 open\n"
    "add host udp port 53 block\n"
    "bind " VHOST " host\n";

static void
setup(void)
{
	CHECK(fixture_engine(conf_text, 16) == 0);
}

static size_t
make_ip(uint8_t *pkt, int proto, size_t l4len, const char *src,
    const char *dst)
{
	ip_addr_t	 s, d;

	ip_pton(src, &s);
	ip_pton(dst, &d);
	ip_pack_hdr(pkt, 0, IP_HDR_LEN + l4len, 1234, 0, 64, proto, s, d);
	return (IP_HDR_LEN + l4len);
}

static size_t
make_echo(uint8_t *pkt, const char *dst)
{
	struct icmp_hdr	*icmp = (struct icmp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 len;

	len = make_ip(pkt, IP_PROTO_ICMP, ICMP_HDR_LEN + 4 + 8, ATTACKER, dst);
	memset(icmp, 0, ICMP_HDR_LEN + 4 + 8);
	icmp->icmp_type = ICMP_ECHO;
	memcpy((uint8_t *)icmp + ICMP_HDR_LEN, "\x12\x34\x00\x01honeyd!!", 12);
	ip_checksum(pkt, len);
	return (len);
}

static size_t
make_syn(uint8_t *pkt, uint16_t dport)
{
	struct tcp_hdr	*th = (struct tcp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 len;

	len = make_ip(pkt, IP_PROTO_TCP, TCP_HDR_LEN, ATTACKER, VHOST);
	tcp_pack_hdr(th, 40000, dport, 1000, 0, TH_SYN, 1024, 0);
	ip_checksum(pkt, len);
	return (len);
}

static void
test_checksum_helper(void)
{
	uint8_t			 pkt[128];
	struct ip_hdr		*ip = (struct ip_hdr *)pkt;
	size_t			 len = make_syn(pkt, 22);

	/* A checksummed segment sums to zero with its pseudo header. */
	CHECK(ip_l4_cksum(ip, pkt + IP_HDR_LEN, len - IP_HDR_LEN) == 0);
	pkt[IP_HDR_LEN + 4] ^= 0x01;
	CHECK(ip_l4_cksum(ip, pkt + IP_HDR_LEN, len - IP_HDR_LEN) != 0);
}

static void
test_good_packets(void)
{
	static struct fixture_reply r;
	uint8_t			*out = r.pkt;
	uint8_t			 pkt[256];
	struct ip_hdr		*oip = (struct ip_hdr *)out;
	struct tcp_hdr		*th;
	size_t			 len;
	int			 sum;

	len = make_echo(pkt, VHOST);
	ip_input(pkt, len);
	CHECK(fixture_replies(&r) == 1);
	CHECK(r.len == len);
	CHECK(oip->ip_p == IP_PROTO_ICMP && out[IP_HDR_LEN] == ICMP_ECHOREPLY);
	CHECK(memcmp(&oip->ip_src, pkt + 16, 4) == 0);
	CHECK(memcmp(out + IP_HDR_LEN + 4, pkt + IP_HDR_LEN + 4, 12) == 0);
	sum = ip_cksum_add(out, IP_HDR_LEN, 0);
	CHECK(ip_cksum_carry(sum) == 0);

	/* The default template blocks ICMP: silence. */
	len = make_echo(pkt, "198.18.0.11");
	ip_input(pkt, len);
	CHECK(fixture_replies(NULL) == 0);

	len = make_syn(pkt, 22);
	ip_input(pkt, len);
	CHECK(fixture_replies(&r) == 1);
	th = (struct tcp_hdr *)(out + IP_HDR_LEN);
	CHECK(th->th_flags == (TH_SYN | TH_ACK));
	CHECK(ntohl(th->th_ack) == 1001);
	CHECK(ip_l4_cksum(oip, th, r.len - IP_HDR_LEN) == 0);

	len = make_syn(pkt, 23);
	ip_input(pkt, len);
	CHECK(fixture_replies(&r) == 1);
	th = (struct tcp_hdr *)(out + IP_HDR_LEN);
	CHECK(th->th_flags == (TH_RST | TH_ACK) && ntohl(th->th_ack) == 1001);
}

/* Each malformed packet must bump its own counter and answer nothing. */
static void
check_drop(const uint8_t *pkt, size_t len, uint64_t *counter,
    const char *what)
{
	uint64_t	 before = *counter;

	ip_input(pkt, len);
	if (*counter != before + 1)
		fprintf(stderr, "not counted: %s\n", what);
	CHECK(*counter == before + 1);
	CHECK(fixture_replies(NULL) == 0);
}

/* A protocol nobody serves: counted, and protocol unreachable comes back. */
static void
test_proto_unreach(const uint8_t *pkt, size_t len)
{
	static struct fixture_reply	 r;
	struct engine_stats		*st = &engine->stats;
	uint8_t				 bad[256];
	struct ip_hdr			*ip = (struct ip_hdr *)bad;
	uint64_t			 before = st->drop_proto;

	memcpy(bad, pkt, len);
	ip->ip_p = IP_PROTO_GRE;
	ip_checksum(bad, len);
	ip_input(bad, len);
	CHECK(st->drop_proto == before + 1);
	CHECK(fixture_replies(&r) == 1);
	CHECK(r.len >= IP_HDR_LEN + ICMP_HDR_LEN &&
	    ((struct ip_hdr *)r.pkt)->ip_p == IP_PROTO_ICMP &&
	    r.pkt[IP_HDR_LEN] == ICMP_UNREACH &&
	    r.pkt[IP_HDR_LEN + 1] == ICMP_UNREACH_PROTO);
}

static void
test_bad_packets(void)
{
	struct engine_stats	*st = &engine->stats;
	uint8_t			 pkt[256], bad[256];
	struct ip_hdr		*ip = (struct ip_hdr *)bad;
	size_t			 len = make_echo(pkt, VHOST);

	check_drop(pkt, 10, &st->drop_short, "short");
	memcpy(bad, pkt, len);
	ip->ip_v = 5;		/* 6 is IPv6's path (test_ip6) */
	check_drop(bad, len, &st->drop_version, "version");
	memcpy(bad, pkt, len);
	ip->ip_hl = 4;
	check_drop(bad, len, &st->drop_hlen, "hlen < 5");
	memcpy(bad, pkt, len);
	ip->ip_hl = 15;
	check_drop(bad, len, &st->drop_hlen, "hlen > len");
	memcpy(bad, pkt, len);
	ip->ip_len = htons(len + 1);
	ip_checksum(bad, len);
	check_drop(bad, len, &st->drop_len, "ip_len > captured");
	memcpy(bad, pkt, len);
	ip->ip_sum ^= 0x0100;
	check_drop(bad, len, &st->drop_ipsum, "ip checksum");
	memcpy(bad, pkt, len);
	ip->ip_off = htons(IP_MF | IP_OFFMASK);	/* past 65535 bytes */
	ip_checksum(bad, len);
	check_drop(bad, len, &st->drop_frag, "fragment");
	test_proto_unreach(pkt, len);
	memcpy(bad, pkt, len);
	bad[IP_HDR_LEN + 8] ^= 0xff;	/* payload, checksum left stale */
	check_drop(bad, len, &st->drop_l4sum, "icmp checksum");
	len = make_syn(pkt, 22);
	memcpy(bad, pkt, len);
	bad[IP_HDR_LEN + 7] ^= 0x10;
	check_drop(bad, len, &st->drop_l4sum, "tcp checksum");
	memcpy(bad, pkt, len);
	memcpy(&ip->ip_src, "\xe0\x00\x00\x05", 4);	/* multicast */
	ip_checksum(bad, len);
	check_drop(bad, len, &st->drop_srcaddr, "multicast source");

	/* No template answers for an address no host can have. */
	len = make_echo(bad, "224.0.0.5");
	check_drop(bad, len, &st->drop_noaddr, "multicast destination");
	len = make_echo(bad, "0.0.0.0");
	check_drop(bad, len, &st->drop_noaddr, "0.0.0.0 destination");

	/* Ethernet padding after ip_len is not part of the packet. */
	len = make_echo(pkt, VHOST);
	memset(pkt + len, 0xee, 10);
	ip_input(pkt, len + 10);
	CHECK(fixture_replies(NULL) == 1);
}

int
main(void)
{
	setup();
	test_checksum_helper();
	test_good_packets();
	test_bad_packets();
	CHECK(fixture_other == 0);	/* nothing but packets */
	return (unit_done());
}
