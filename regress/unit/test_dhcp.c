/*
 * Unit tests for the DHCP clients: the engine's parse of a server's
 * answer (dhcp.c) on a good reply, on every truncation of it and on
 * malformed ones; the bind a lease adds and takes away again
 * (config_unbind); the MAC of each "dhcp" statement and of a leased
 * address (ether.c).
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "unit.h"

#define A(a, b, c, d)	((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static const uint8_t	 chaddr[6] = { 0x00, 0x00, 0x0c, 0x12, 0x34, 0x56 };

/* A DHCPACK for 198.18.0.100 from 198.18.0.1; its length. */
static size_t
reply(uint8_t *buf, size_t size, const uint8_t *opts, size_t olen)
{
	struct ip_hdr	*ip = (struct ip_hdr *)buf;
	struct udp_hdr	*udp = (struct udp_hdr *)(ip + 1);
	uint8_t		*b = (uint8_t *)(udp + 1);
	uint32_t	 v;
	size_t		 len = IP_HDR_LEN + UDP_HDR_LEN + 240 + olen;

	memset(buf, 0, size);
	ip->ip_v = 4;
	ip->ip_hl = 5;
	ip->ip_len = htons(len);
	ip->ip_ttl = 64;
	ip->ip_p = IP_PROTO_UDP;
	ip->ip_src = htonl(A(198, 18, 0, 1));
	ip->ip_dst = htonl(A(198, 18, 0, 100));
	udp->uh_sport = htons(67);
	udp->uh_dport = htons(68);
	udp->uh_ulen = htons(len - IP_HDR_LEN);
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	v = htonl(0xdeadbeef);
	memcpy(b + 4, &v, 4);
	v = htonl(A(198, 18, 0, 100));
	memcpy(b + 16, &v, 4);
	memcpy(b + 28, chaddr, 6);
	v = htonl(0x63825363);
	memcpy(b + 236, &v, 4);
	memcpy(b + 240, opts, olen);
	return (len);
}

/* Take one address out of its bind: 0, or -1 if it was not bound. */
static int
unbind1(struct honeyd_config *conf, uint32_t addr)
{
	int	 found = 0;

	if (config_unbind(conf, addr, addr, &found) == -1)
		return (-1);
	return (found ? 0 : -1);
}

static const uint8_t	 ack_opts[] = {
	53, 1, 5,			/* DHCPACK */
	0,				/* pad */
	54, 4, 198, 18, 0, 1,		/* server */
	51, 4, 0, 0, 0, 120,		/* lease */
	58, 4, 0, 0, 0, 10,		/* T1 */
	59, 4, 0, 0, 0, 100,		/* T2 */
	1, 4, 255, 255, 255, 0,		/* ignored */
	255,
};

static void
test_parse_good(void)
{
	uint8_t		 buf[1024];
	struct dhcp_msg	 m;
	size_t		 len;

	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	CHECK(dhcp_parse(buf, len, &m) == 0);
	CHECK(m.type == 5);
	CHECK(m.xid == 0xdeadbeef);
	CHECK(memcmp(m.chaddr, chaddr, 6) == 0);
	CHECK(m.yiaddr == A(198, 18, 0, 100));
	CHECK(m.server == A(198, 18, 0, 1));
	CHECK(m.lease == 120 && m.t1 == 10 && m.t2 == 100);
	/* Ethernet padding after the datagram does not matter. */
	CHECK(dhcp_parse(buf, len + 18, &m) == 0 && m.type == 5);
}

/* Every prefix of a reply: refused, never read past (ASan watches). */
static void
test_parse_truncated(void)
{
	uint8_t		 buf[1024], *copy;
	struct dhcp_msg	 m;
	size_t		 len, n;
	int		 bad = 0;

	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	for (n = 0; n < len; n++) {
		if ((copy = malloc(n ? n : 1)) == NULL)
			break;
		memcpy(copy, buf, n);
		if (dhcp_parse(copy, n, &m) != -1)
			bad++;
		free(copy);
	}
	CHECK(bad == 0);
}

static void
test_parse_bad(void)
{
	uint8_t		 buf[1024];
	struct dhcp_msg	 m;
	size_t		 len;
	static const uint8_t over[] = { 53, 1, 5, 51, 200, 0, 0 };
	static const uint8_t badlen[] = { 53, 2, 5, 5, 255 };
	static const uint8_t lone[] = { 53, 1, 2, 54 };
	static const uint8_t noend[] = { 53, 1, 2 };

	len = reply(buf, sizeof(buf), over, sizeof(over));
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), badlen, sizeof(badlen));
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), lone, sizeof(lone));
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), noend, sizeof(noend));
	CHECK(dhcp_parse(buf, len, &m) == 0 && m.type == 2);

	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	buf[IP_HDR_LEN + UDP_HDR_LEN + 236] ^= 1;	/* magic */
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	buf[IP_HDR_LEN + UDP_HDR_LEN] = 1;		/* a request */
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	buf[IP_HDR_LEN + 3] = 67;			/* to port 67 */
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	buf[6] = 0x20;					/* MF */
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	buf[IP_HDR_LEN + 4] = 0xff;			/* UDP length */
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	buf[0] = 0x4f;					/* 60-byte header */
	CHECK(dhcp_parse(buf, len, &m) == -1);
	len = reply(buf, sizeof(buf), ack_opts, sizeof(ack_opts));
	buf[2] = 0xff;					/* ip_len */
	CHECK(dhcp_parse(buf, len, &m) == -1);
}

/* A lease's bind goes in and out again; the rest stays as it was. */
static void
test_unbind(void)
{
	static const char	 text[] =
	    "create a\ncreate b\n"
	    "bind 198.18.0.10 a\nbind 198.18.0.11 a\nbind 198.18.0.12 a\n"
	    "bind 198.18.0.20 b\n";
	struct honeyd_config	*conf;
	struct template		*a, *b;
	int			 replaced;

	conf = config_parse_buffer("test", text, sizeof(text) - 1, NULL,
	    NULL);
	CHECK(conf != NULL);
	if (conf == NULL)
		return;
	a = config_find_template(conf, "a");
	b = config_find_template(conf, "b");
	CHECK(conf->nbinds == 2);
	CHECK(unbind1(conf, A(198, 18, 0, 11)) == 0);
	CHECK(conf->nbinds == 3);
	CHECK(config_find_bind(conf, A(198, 18, 0, 11)) == NULL);
	CHECK(config_find_bind(conf, A(198, 18, 0, 10))->tmpl == a);
	CHECK(config_find_bind(conf, A(198, 18, 0, 12))->tmpl == a);
	CHECK(unbind1(conf, A(198, 18, 0, 11)) == -1);
	CHECK(unbind1(conf, A(198, 18, 0, 99)) == -1);
	CHECK(unbind1(conf, A(198, 18, 0, 20)) == 0);
	CHECK(conf->nbinds == 2);
	CHECK(config_bind(conf, A(198, 18, 0, 100), A(198, 18, 0, 100), b,
	    &replaced) == 0 && !replaced);
	CHECK(config_find_bind(conf, A(198, 18, 0, 100))->tmpl == b);
	CHECK(unbind1(conf, A(198, 18, 0, 100)) == 0);
	CHECK(config_find_bind(conf, A(198, 18, 0, 100)) == NULL);
	CHECK(unbind1(conf, A(198, 18, 0, 10)) == 0);
	CHECK(unbind1(conf, A(198, 18, 0, 12)) == 0);
	CHECK(conf->nbinds == 0);
	config_free(conf);
}

/* Each statement's MAC; a leased address shows its client's. */
static void
test_macs(void)
{
	static const char	 text[] =
	    "create h\nset h ethernet \"00:aa:bb:cc:dd:ee\"\n"
	    "create n\n"
	    "dhcp h on eth0\n"
	    "dhcp h on eth1 ethernet \"02:00:00:00:00:01\"\n";
	static const char	 nomac[] = "create n\ndhcp n on eth0\n";
	struct honeyd_config	*conf;
	struct ether_map	*em;
	struct iface		 ifp, other;
	uint8_t			 m[6];

	conf = config_parse_buffer("test", text, sizeof(text) - 1, NULL,
	    NULL);
	CHECK(conf != NULL);
	if (conf == NULL)
		return;
	CHECK((em = ether_map_build(conf)) != NULL);
	ether_install(em);
	CHECK(ether_dhcp_mac(0, m) == 1 && m[1] == 0xaa && m[5] == 0xee);
	CHECK(ether_dhcp_mac(1, m) == 1 && m[0] == 0x02 && m[5] == 0x01);
	CHECK(ether_dhcp_mac(2, m) == 0);
	config_free(conf);
	conf = config_parse_buffer("test", nomac, sizeof(nomac) - 1, NULL,
	    NULL);
	CHECK(conf != NULL && ether_map_build(conf) == NULL);
	if (conf != NULL)
		config_free(conf);

	memset(&ifp, 0, sizeof(ifp));
	memset(&other, 0, sizeof(other));
	ifp.addr = other.addr = A(198, 18, 0, 2);
	ifp.mask = other.mask = 0xffffff00;
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 100), m) == 0);
	CHECK(ether_lease(&ifp, A(198, 18, 0, 100), chaddr) == 0);
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 100), m) == 1 &&
	    memcmp(m, chaddr, 6) == 0);
	CHECK(ether_host_mac(&other, A(198, 18, 0, 100), m) == 0);
	CHECK(ether_lease(&ifp, A(198, 18, 0, 100), NULL) == 0);
	CHECK(ether_host_mac(&ifp, A(198, 18, 0, 100), m) == 0);
	ether_install(NULL);
}

int
main(void)
{
	log_init(1, 0);
	test_parse_good();
	test_parse_truncated();
	test_parse_bad();
	test_unbind();
	test_macs();
	return (unit_done());
}
