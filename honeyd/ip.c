/*
 * Engine: the central dispatcher and the single way out.
 *
 * ip_input() checks a captured packet the way a careful stack would
 * (lengths, version, header and transport checksums), finds the template
 * for its destination and hands it to ICMP, TCP or UDP; GRE for a
 * tunnel of the routing topology goes to router.c, whose inner packet
 * comes back for the same checks; anything else is counted and dropped.
 * Fragments wait in ipfrag.c for the rest of their datagram, which then
 * comes back here whole.  Every answer leaves through ip_output(),
 * where the personality sets the IP fields an OS gives away.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"

static int	 ip_check(const uint8_t *, size_t, struct ipin *);
static int	 ip_accept(struct ipin *);
static int	 ip_check_l4(struct ipin *);
static int	 ip_martian_src(uint32_t);
static int	 ip_srcrouted(const struct ipin *);
static void	 ip_deliver(struct ipin *);
static size_t	 ip_opts_echo(const struct ipin *, uint8_t *);

/* Options the answers to the packet being handled carry back. */
static uint8_t	 ip_echo[IP_OPT_LEN_MAX];
static size_t	 ip_echo_len;
static uint32_t	 ip_echo_to;	/* host order: whom they answer */
static int	 ip_echo_kinds;	/* 1 << enum out_kind: which carry them */

/* One's complement sum of a buffer, folded: 0 when its checksum holds. */
static uint16_t
ip_cksum_verify(const void *buf, size_t len)
{
	int	 sum = ip_cksum_add(buf, len, 0);

	return (ip_cksum_carry(sum));
}

/* One's complement sum of the pseudo header and the segment. */
uint16_t
ip_l4_cksum(const struct ip_hdr *ip, const void *l4, size_t len)
{
	int	 sum;

	sum = ip_cksum_add(&ip->ip_src, 2 * IP_ADDR_LEN, 0);
	sum += htons((uint16_t)(ip->ip_p + len));
	sum = ip_cksum_add(l4, len, sum);
	return (ip_cksum_carry(sum));
}

void
ip_input(const uint8_t *buf, size_t len)
{
	struct ipin	 in;
	uint8_t		*whole;
	size_t		 wlen;

	/* IPv6 has a path of its own (ip6.c). */
	if (len > 0 && buf[0] >> 4 == 6) {
		ip6_input(buf, len);
		return;
	}
	memset(&in, 0, sizeof(in));
	switch (ip_check(buf, len, &in)) {
	case -1:
		return;
	case 1:
		/* A fragment: the datagram it completes starts over. */
		if (ipfrag_input(buf, in.len, &whole, &wlen) == 1) {
			ip_input(whole, wlen);
			free(whole);
		}
		return;
	}
	/* GRE to a tunnel's local end: its inner packet enters there. */
	if (in.ip->ip_p == IP_PROTO_GRE && router_tunnel_input(&in) == 1)
		return;
	if (ip_accept(&in) == -1)
		return;
	/* Behind virtual routers: the topology delivers it, maybe later. */
	if (router_input(&in) == 1)
		return;
	ip_dispatch(&in);
}

/*
 * A packet out of a GRE tunnel (router.c) passes the checks of any
 * packet, counted alike, GRE inside GRE refused: 0 if it did, -1 if it
 * is dropped.  A fragment waits for its datagram, which is checked in
 * its place, from *whole (malloc'ed, the caller frees it); 1: held (or
 * dropped and counted by ipfrag.c).
 * The reassembly queues are the dispatcher's: a fragment from the wire
 * may complete a datagram from the tunnel, but then anyone may send
 * GRE from the tunnel's remote address anyway.
 */
int
ip_input_inner(const uint8_t *buf, size_t len, struct ipin *in,
    uint8_t **whole)
{
	size_t	 wlen;

	*whole = NULL;
	memset(in, 0, sizeof(*in));
	switch (ip_check(buf, len, in)) {
	case -1:
		return (-1);
	case 1:
		if (ipfrag_input(buf, in->len, whole, &wlen) != 1)
			return (1);
		memset(in, 0, sizeof(*in));
		if (ip_check(*whole, wlen, in) != 0)
			goto fail;
		break;
	}
	if (ip_accept(in) == 0)
		return (0);
 fail:
	free(*whole);
	*whole = NULL;
	return (-1);
}

/*
 * A packet from a "bind A to IFACE" machine to an address honeyd does
 * not claim (a FRAME_EXT frame): the topology routes it out.  Its IP header
 * must be sound, its source A; a fragment goes on as it is, as a
 * router would send it.
 */
void
ip_input_ext(const uint8_t *buf, size_t len)
{
	static uint8_t	 pkt[HONEYD_MAX_PKT];
	struct ipin	 in;

	memset(&in, 0, sizeof(in));
	if (len > sizeof(pkt) || ip_check(buf, len, &in) == -1)
		return;
	memcpy(pkt, buf, in.len);
	router_ext_input(pkt, in.len);
}

/* Only ICMP, TCP and UDP, with sound headers and checksums. */
static int
ip_accept(struct ipin *in)
{
	int	 slot;

	switch (in->ip->ip_p) {
	case IP_PROTO_TCP:
		slot = HP_TCP;
		break;
	case IP_PROTO_UDP:
		slot = HP_UDP;
		break;
	case IP_PROTO_ICMP:
		slot = HP_ICMP;
		break;
	case IP_PROTO_IGMP:
		/* Every host has IGMP and says nothing to a unicast query. */
		engine->stats.drop_proto++;
		return (-1);
	default:
		/* Served by nobody: answered with protocol unreachable. */
		engine->stats.drop_proto++;
		slot = -1;
		break;
	}
	if (slot >= 0 && ip_check_l4(in) == -1) {
		engine->stats.drop_l4sum++;
		return (-1);
	}
	if (slot >= 0)
		engine->stats.proto_in[slot]++;
	return (0);
}

/* Milliseconds since midnight UT: the IP timestamp option's clock. */
static uint32_t
ip_opt_clock(void)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	return ((uint32_t)((tv.tv_sec % 86400) * 1000 + tv.tv_usec / 1000));
}

/*
 * One record route or timestamp option, as a Linux host treats it: it
 * records itself once on receipt (ip_options_compile()) and once more
 * on the answer that carries the option back (ip_options_echo(),
 * ip_options_build()), where there is room.  A timestamp option with
 * no room left counts an overflow on receipt.  Prespecified addresses
 * are returned as they came.
 */
static void
ip_opt_record(uint8_t *d, size_t olen, uint32_t self)
{
	uint32_t	 now = htonl(ip_opt_clock());
	size_t		 ptr = d[2], room;
	int		 k, flag = d[3] & 0x0f;

	for (k = 0; k < 2; k++) {
		if (d[0] == IP_OPT_RR) {
			if (ptr < 4 || ptr + 3 > olen)
				break;
			memcpy(d + ptr - 1, &self, 4);
			ptr += 4;
			continue;
		}
		room = flag == IP_OPT_TS_TSONLY ? 4 :
		    flag == IP_OPT_TS_TSADDR ? 8 : 0;
		if (room == 0)
			break;
		if (ptr < 5 || ptr + room - 1 > olen) {
			if (k == 0 && (d[3] >> 4) < 15)
				d[3] += 0x10;
			break;
		}
		if (flag == IP_OPT_TS_TSADDR) {
			memcpy(d + ptr - 1, &self, 4);
			memcpy(d + ptr + 3, &now, 4);
		} else
			memcpy(d + ptr - 1, &now, 4);
		ptr += room;
	}
	d[2] = ptr;
}

/*
 * The options an answer to "in" carries back: record route and
 * timestamp, recorded in (ip_opt_record()), padded to a word; Linux
 * returns no other option (a source route it would, but such packets
 * were dropped).  Returns their length.
 */
static size_t
ip_opts_echo(const struct ipin *in, uint8_t *out)
{
	const uint8_t	*o = (const uint8_t *)in->ip + IP_HDR_LEN;
	size_t		 n = in->hlen - IP_HDR_LEN, i = 0, len = 0, olen;

	while (i < n && o[i] != IP_OPT_EOL) {
		if (o[i] == IP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || (olen = o[i + 1]) < 2 || i + olen > n)
			break;
		if ((o[i] == IP_OPT_RR || o[i] == IP_OPT_TS) && olen >= 4 &&
		    len + olen <= IP_OPT_LEN_MAX) {
			memcpy(out + len, o + i, olen);
			ip_opt_record(out + len, olen, htonl(in->dst));
			len += olen;
		}
		i += olen;
	}
	while (len & 3)
		out[len++] = IP_OPT_EOL;
	return (len);
}

/*
 * An answer to the packet being handled gets its options (ip_echo);
 * anything else goes as built.  ICMP errors stay within 576 bytes
 * (RFC 1812 4.3.2.3): their quote gives way.  Returns the packet to
 * send, pkt itself or a static copy.
 */
static uint8_t *
ip_add_opts(uint8_t *pkt, size_t *lenp, enum out_kind kind)
{
	static uint8_t		 buf[HONEYD_MAX_PKT];
	const struct ip_hdr	*ip = (const struct ip_hdr *)pkt;
	size_t			 len = *lenp, n = ip_echo_len;
	uint32_t		 dst;

	memcpy(&dst, &ip->ip_dst, sizeof(dst));
	if (n == 0 || ip->ip_hl != IP_HDR_LEN / 4 ||
	    ntohl(dst) != ip_echo_to || !(ip_echo_kinds & (1 << kind)))
		return (pkt);
	if (kind == OUT_ICMP_ERROR && len + n > 576)
		len = 576 - n;
	if (len + n > sizeof(buf) || len < IP_HDR_LEN)
		return (pkt);
	memcpy(buf, pkt, IP_HDR_LEN);
	memcpy(buf + IP_HDR_LEN, ip_echo, n);
	memcpy(buf + IP_HDR_LEN + n, pkt + IP_HDR_LEN, len - IP_HDR_LEN);
	((struct ip_hdr *)buf)->ip_hl = (IP_HDR_LEN + n) / 4;
	*lenp = len + n;
	return (buf);
}

/* Whether the packet carries a loose or strict source route option. */
static int
ip_srcrouted(const struct ipin *in)
{
	const uint8_t	*o = (const uint8_t *)in->ip + IP_HDR_LEN;
	size_t		 n = in->hlen - IP_HDR_LEN, i = 0;

	while (i < n && o[i] != IP_OPT_EOL) {
		if (o[i] == IP_OPT_NOP) {
			i++;
			continue;
		}
		if (o[i] == IP_OPT_LSRR || o[i] == IP_OPT_SSRR)
			return (1);
		if (i + 1 >= n || o[i + 1] < 2)
			break;
		i += o[i + 1];
	}
	return (0);
}

/*
 * "set T droprate in P": whether this packet, of either family, is one
 * of the P percent lost on the way in (counted).
 */
int
ip_droprate_in(const struct template *t)
{
	if (t->droprate_in <= 0 ||
	    arc4random_uniform(1000000) >= t->droprate_in * 10000)
		return (0);
	engine->stats.drop_droprate++;
	return (1);
}

/* A checked packet at its destination: the template decides. */
void
ip_dispatch(struct ipin *in)
{
	if ((in->tmpl = config_lookup(engine->conf, in->dst, in->src,
	    in->ip->ip_p)) == NULL) {
		engine->stats.drop_noaddr++;
		return;
	}
	if (ip_droprate_in(in->tmpl))
		return;
	if ((in->host = host_get(in->dst)) == NULL) {
		engine->stats.drop_nohost++;
		return;
	}
	personality_host_update(in->host, in->tmpl);
	if (ip_srcrouted(in) && personality_srcroute_drop(in)) {
		engine->stats.drop_srcaddr++;
		return;
	}
	/* What is sent while this packet is handled answers it. */
	ip_echo_len = 0;
	if (in->hlen > IP_HDR_LEN &&
	    (ip_echo_kinds = personality_ipopts_echo(in)) != 0) {
		ip_echo_len = ip_opts_echo(in, ip_echo);
		ip_echo_to = in->src;
	}
	ip_deliver(in);
	ip_echo_len = 0;
}

static void
ip_deliver(struct ipin *in)
{
	switch (in->ip->ip_p) {
	case IP_PROTO_TCP:
		tcp_input(in);
		break;
	case IP_PROTO_UDP:
		udp_input(in);
		break;
	case IP_PROTO_ICMP:
		icmp_input(in);
		break;
	default:
		/*
		 * RFC 1122 3.2.2.1: a protocol no one here speaks (GRE,
		 * SCTP...) is answered with protocol unreachable, as
		 * Linux's ip_local_deliver_finish() and the BSDs do, where
		 * the stack's family does; the personality shapes the
		 * quote as for any error.
		 */
		if (personality_proto_unreach(in))
			icmp_send_unreach(in, ICMP_UNREACH_PROTO);
		break;
	}
}

/*
 * The IP-level checks of RFC 1122 3.2.1, counted by reason: -1 if the
 * packet is dropped, 1 if it is a fragment, 0 if it is whole.
 */
static int
ip_check(const uint8_t *buf, size_t len, struct ipin *in)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)buf;
	struct engine_stats	*st = &engine->stats;
	size_t			 hlen, iplen;
	uint32_t		 a;

	if (len < IP_HDR_LEN) {
		st->drop_short++;
		return (-1);
	}
	if (ip->ip_v != 4) {
		st->drop_version++;
		return (-1);
	}
	hlen = ip->ip_hl * 4;
	if (hlen < IP_HDR_LEN || hlen > len) {
		st->drop_hlen++;
		return (-1);
	}
	iplen = ntohs(ip->ip_len);
	if (iplen < hlen || iplen > len) {
		st->drop_len++;
		return (-1);
	}
	if (ip_cksum_verify(buf, hlen) != 0) {
		st->drop_ipsum++;
		return (-1);
	}
	memcpy(&a, &ip->ip_src, sizeof(a));
	in->src = ntohl(a);
	memcpy(&a, &ip->ip_dst, sizeof(a));
	in->dst = ntohl(a);
	if (ip_martian_src(in->src) || in->src == in->dst) {
		st->drop_srcaddr++;
		return (-1);
	}
	/*
	 * Nor do we answer as one: the default template would otherwise
	 * reply from 0.0.0.0, 127/8 or a multicast group to anything the
	 * parent lets through (a claim as wide as 0.0.0.0/0).
	 */
	if (ip_martian_src(in->dst)) {
		st->drop_noaddr++;
		return (-1);
	}
	in->ip = ip;
	in->len = iplen;	/* Ethernet padding is not ours */
	in->hlen = hlen;
	in->l4 = buf + hlen;
	in->l4len = iplen - hlen;
	/* A fragment (1) goes to reassembly: its header passed. */
	return ((ntohs(ip->ip_off) & (IP_MF | IP_OFFMASK)) != 0 ? 1 : 0);
}

/* Sources no real peer has: we must never answer them. */
static int
ip_martian_src(uint32_t a)
{
	return (a == 0 || a == 0xffffffff ||
	    (a >> 24) == 0 ||			/* 0/8 */
	    (a >> 24) == 127 ||			/* loopback */
	    (a >> 28) == 0xe ||			/* multicast */
	    (a >> 28) == 0xf);			/* reserved */
}

/* Transport checksums and minimum header lengths. */
static int
ip_check_l4(struct ipin *in)
{
	const struct tcp_hdr	*th;
	const struct udp_hdr	*uh;

	switch (in->ip->ip_p) {
	case IP_PROTO_TCP:
		th = (const struct tcp_hdr *)in->l4;
		if (in->l4len < TCP_HDR_LEN || th->th_off < 5 ||
		    (size_t)th->th_off * 4 > in->l4len)
			return (-1);
		return (ip_l4_cksum(in->ip, in->l4, in->l4len) == 0 ? 0 : -1);
	case IP_PROTO_UDP:
		uh = (const struct udp_hdr *)in->l4;
		if (in->l4len < UDP_HDR_LEN ||
		    ntohs(uh->uh_ulen) < UDP_HDR_LEN ||
		    ntohs(uh->uh_ulen) > in->l4len)
			return (-1);
		in->l4len = ntohs(uh->uh_ulen);
		if (uh->uh_sum == 0)	/* sender did not compute one */
			return (0);
		return (ip_l4_cksum(in->ip, in->l4, in->l4len) == 0 ? 0 : -1);
	case IP_PROTO_ICMP:
		if (in->l4len < ICMP_HDR_LEN)
			return (-1);
		return (ip_cksum_verify(in->l4, in->l4len) == 0 ? 0 : -1);
	}
	return (-1);
}

/*
 * The one exit.  The caller built the packet with addresses, protocol,
 * length and transport header; the personality fills in what an OS
 * stamps on every packet (TTL, DF, IP ID), then checksums are computed.
 */
/*
 * "set T spoof from A to B": Honeyd 1.5c rewrote the addresses of
 * everything a host of T sends.  Here the parent still puts on the wire
 * only packets from a claimed address, so "from" must name one (else
 * they are refused and counted); with a routing topology the answer
 * takes the way back of the address it now carries.
 */
static void
ip_spoof(const struct template *t, struct ip_hdr *ip)
{
	if (t == NULL)
		return;
	if (t->flags & TMPL_F_SPOOF_SRC)
		ip->ip_src = htonl(t->spoof_src);
	if (t->flags & TMPL_F_SPOOF_DST)
		ip->ip_dst = htonl(t->spoof_dst);
}

void
ip_output(struct host *h, const struct template *t, uint8_t *pkt, size_t len,
    enum out_kind kind)
{
	struct ip_hdr	*ip;

	pkt = ip_add_opts(pkt, &len, kind);
	ip = (struct ip_hdr *)pkt;
	ip->ip_len = htons((uint16_t)len);
	personality_ip_fields(h, t, ip, kind);
	ip_spoof(t, ip);
	/* From behind virtual routers: TTL spent, maybe held or dropped. */
	if (router_output(pkt, len) == 1)
		return;
	ip_checksum(pkt, len);
	engine_send(pkt, len);
}
