/*
 * Engine: the IPv6 input path (RFC 8200) and its way out.
 *
 * ip_input() hands over every packet whose version nibble is 6.  The
 * fixed header is checked the way a host's stack checks it (version,
 * payload length against what was captured, a hop limit a router would
 * not have forwarded, sources that never send), the template and the
 * template found for the destination.  ip6_upper() then walks the
 * extension header chain (ip6ext.c) and acts on its verdict: the upper
 * layer is delivered to the host (host_get6(), made only then), a
 * fragment goes to the reassembly (ip6frag.c) and its datagram is
 * walked again, a bad header is answered with an ICMPv6 error
 * (icmp6err.c) from the host's own address as its family's rate limit
 * allows.  ICMPv6 is answered (icmp6.c); TCP goes to the state machine
 * IPv4 uses (tcp.c), seen through a struct ipin that carries the IPv6
 * addresses (ip6_ipin()), and UDP to udp.c likewise: the same ports,
 * connections, services and proxies as over IPv4.  Answers leave
 * through ip6_output(), which gives them the personality's hop limit
 * and fragments what the link does not take.
 * A destination behind virtual routers takes the topology's detour
 * first (router_input6(), router.c): it arrives at ip6_dispatch()
 * later, or a router answers it (ip6_error_from()); answers from there
 * spend the routers' hops in router_output().
 */

#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"

static int	 ip6_check(const uint8_t *, size_t, struct ip6in *);
static void	 ip6_upper(struct ip6in *, const uint8_t *, size_t, int);
static void	 ip6_send_as(const struct stack_model *, uint8_t *, size_t);

/*
 * One's complement sum of the pseudo-header (RFC 8200 8.1) and the
 * upper-layer packet l4 of len bytes: 0 over a packet whose checksum
 * holds, else what goes in its checksum field (zeroed first).  The
 * parent's NDP (ndp.c) uses it too.
 */
uint16_t
ip6_cksum(const struct in6_addr *src, const struct in6_addr *dst,
    uint8_t nxt, const void *l4, size_t len)
{
	uint32_t	 word[2];
	int		 sum;

	word[0] = htonl((uint32_t)len);
	word[1] = htonl(nxt);
	sum = ip_cksum_add(src, sizeof(*src), 0);
	sum = ip_cksum_add(dst, sizeof(*dst), sum);
	sum = ip_cksum_add(word, sizeof(word), sum);
	sum = ip_cksum_add(l4, len, sum);
	return (ip_cksum_carry(sum));
}

/* Sources no packet comes from: multicast, unspecified, loopback. */
static int
ip6_martian_src(const struct in6_addr *a)
{
	static const struct in6_addr	 any, loop = {{{ 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 1 }}};

	return (a->s6_addr[0] == 0xff || memcmp(a, &any, sizeof(*a)) == 0 ||
	    memcmp(a, &loop, sizeof(*a)) == 0);
}

/* The fixed header: 0 and *in filled in, or -1 counted and dropped. */
static int
ip6_check(const uint8_t *buf, size_t len, struct ip6in *in)
{
	const struct ip6_hdr	*ip6 = (const struct ip6_hdr *)buf;
	size_t			 plen;

	if (len < IP6_HDR_LEN || (buf[0] >> 4) != 6)
		goto bad;
	plen = ntohs(ip6->ip6_plen);
	/* No jumbograms (RFC 2675): a zero length needs hop-by-hop. */
	if (plen == 0 || IP6_HDR_LEN + plen > len || ip6->ip6_hlim == 0)
		goto bad;
	in->pkt = buf;
	in->len = IP6_HDR_LEN + plen;	/* link padding trimmed */
	memcpy(&in->src, &ip6->ip6_src, sizeof(in->src));
	memcpy(&in->dst, &ip6->ip6_dst, sizeof(in->dst));
	in->nxt = ip6->ip6_nxt;
	in->l4 = buf + IP6_HDR_LEN;
	in->l4len = plen;
	return (0);
 bad:
	engine->stats.ip6_drop_hdr++;
	return (-1);
}

/*
 * An ICMPv6 error e about pkt (len bytes as received: the packet, the
 * reassembled datagram, or a timed-out first fragment) for in's host,
 * from its own address: ip6_input() never takes a multicast
 * destination, so in->dst is the host's.  Rate limited by the host's
 * family's bucket (stackmodel.c), as icmp_error() limits IPv4's.
 */
static void
ip6_error(struct ip6in *in, const uint8_t *pkt, size_t len,
    const struct ip6err *e)
{
	uint8_t				 out[ICMP6ERR_MAX];
	const struct stack_model	*m;
	size_t				 n;

	if (!icmp6err_due(pkt, len, e))
		return;
	if (in->host == NULL && (in->host = host_get6(&in->dst)) == NULL) {
		engine->stats.drop_nohost++;
		return;
	}
	m = personality_stack_model(in->host, in->tmpl);
	if (!icmp6err_ratelimit_machine(m, stackmodel_machine_bucket(m,
	    in->tmpl), e->type, in->dst.s6_addr, in->src.s6_addr,
	    pers_now_us() / 1000)) {
		engine->stats.icmp6_err_rl++;
		return;
	}
	if ((n = icmp6err_build(pkt, len, e, in->dst.s6_addr,
	    ip6_hoplimit(in->tmpl), out)) == 0)
		return;
	engine->stats.icmp6_err++;
	ip6_output(in->tmpl, out, n);
}

/*
 * A reassembly that timed out holding its first fragment (ip6frag.c's
 * hook): time exceeded, code 1, from the host it was addressed to
 * (RFC 8200 4.5).
 */
void
ip6_reasm_timeout(const uint8_t *first, size_t len)
{
	struct ip6err	 e = { ICMP6_TIME_EXCEEDED,
			    ICMP6_TIME_EXCEED_REASSEMBLY, 0 };
	struct ip6in	 in;

	if (engine == NULL || len < IP6_HDR_LEN)
		return;
	memset(&in, 0, sizeof(in));
	memcpy(&in.src, first + 8, sizeof(in.src));
	memcpy(&in.dst, first + 24, sizeof(in.dst));
	if ((in.tmpl = config_lookup6(engine->conf, &in.dst, &in.src,
	    first[6])) == NULL)
		return;
	ip6_error(&in, first, len, &e);
}

/*
 * The view of an IPv6 packet that the transports both families share
 * (tcp.c, udp.c) take: no IPv4 header, the addresses with their folds.
 */
static void
ip6_ipin(struct ip6in *in6, struct ipin *in)
{
	memset(in, 0, sizeof(*in));
	in->len = in6->len;
	in->hlen = (size_t)(in6->l4 - in6->pkt);
	in->l4 = in6->l4;
	in->l4len = in6->l4len;
	in->v6 = 1;
	in->src6 = in6->src;
	in->dst6 = in6->dst;
	in->src = addr6_fold(&in6->src);
	in->dst = addr6_fold(&in6->dst);
	in->host = in6->host;
	in->tmpl = in6->tmpl;
	in->in6 = in6;
}

/*
 * A TCP segment with a sound header and checksum goes to tcp.c, which
 * serves both families with one state machine.
 */
static void
ip6_tcp(struct ip6in *in6)
{
	const struct tcp_hdr	*th = (const struct tcp_hdr *)in6->l4;
	struct ipin		 in;

	if (in6->l4len < TCP_HDR_LEN || th->th_off < 5 ||
	    (size_t)th->th_off * 4 > in6->l4len ||
	    ip6_cksum(&in6->src, &in6->dst, IP_PROTO_TCP, in6->l4,
	    in6->l4len) != 0) {
		engine->stats.tcp6_drop++;
		return;
	}
	engine->stats.tcp6_in++;
	personality_host_update(in6->host, in6->tmpl);
	ip6_ipin(in6, &in);
	tcp_input(&in);
}

/*
 * A datagram with a sound header and checksum goes to udp.c, whose
 * port actions, flows and services serve both families.
 */
static void
ip6_udp(struct ip6in *in6)
{
	struct ipin	 in;
	size_t		 ulen;

	/* RFC 8200 8.1: the checksum is not optional over IPv6. */
	if (in6->l4len < UDP_HDR_LEN ||
	    (ulen = (size_t)in6->l4[4] << 8 | in6->l4[5]) < UDP_HDR_LEN ||
	    ulen > in6->l4len || (in6->l4[6] == 0 && in6->l4[7] == 0) ||
	    ip6_cksum(&in6->src, &in6->dst, IP_PROTO_UDP, in6->l4,
	    ulen) != 0) {
		engine->stats.udp6_drop++;
		return;
	}
	personality_host_update(in6->host, in6->tmpl);
	ip6_ipin(in6, &in);
	in.l4len = ulen;		/* what follows is not the datagram's */
	udp_input(&in);
}

/*
 * A datagram to a closed UDP port (udp.c): port unreachable, as the
 * IPv4 ones are, as the host's rate limit allows.
 */
void
ip6_port_unreach(struct ipin *in)
{
	struct ip6err	 e = { ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT,
			    0 };

	if (in->in6 == NULL)
		return;
	engine->stats.udp6_closed++;
	ip6_error(in->in6, in->in6->pkt, in->in6->len, &e);
}

/* A "prohibit" port: what ip6tables' icmp6-adm-prohibited reject sends. */
void
ip6_prohibited(struct ipin *in)
{
	struct ip6err	 e = { ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_ADMIN,
			    0 };

	if (in->in6 == NULL)
		return;
	ip6_error(in->in6, in->in6->pkt, in->in6->len, &e);
}

/* The upper layer the walk found, for the host (found here). */
static void
ip6_deliver(struct ip6in *in)
{
	if (in->host == NULL && (in->host = host_get6(&in->dst)) == NULL) {
		engine->stats.drop_nohost++;
		return;
	}
	switch (in->nxt) {
	case IP_PROTO_ICMPV6:
		icmp6_input(in);
		break;
	case IP_PROTO_UDP:
		ip6_udp(in);
		break;
	case IP_PROTO_TCP:
		ip6_tcp(in);
		break;
	case IP_PROTO_NONE:
		break;
	default:
		engine->stats.ip6_drop_next++;
		break;
	}
}

/*
 * The walk found a next header no one here speaks (RFC 8200 4: code 1
 * at the byte naming it), not a misplaced hop-by-hop header (code 1
 * too, but nothing named after it).  As for IPv4's protocol
 * unreachable, only a family that answers those answers it.
 */
static int
ip6_unknown_upper(const struct ip6ext *x)
{
	return (x->err.type == ICMP6_PARAM_PROB &&
	    x->err.code == ICMP6_PARAMPROB_NEXTHEADER &&
	    x->proto != IP_PROTO_NONE);
}

/*
 * The header chain of pkt (in->pkt, or a datagram reassembled from
 * it) walked (ip6ext.c), and acted on by the verdict: the upper layer
 * delivered, a fragment to the reassembly, a bad header answered.
 * again is set for a reassembled datagram, which is walked once more.
 */
static void
ip6_upper(struct ip6in *in, const uint8_t *pkt, size_t len, int again)
{
	struct ip6ext	 x;
	struct ip6err	 err;
	uint8_t		*out = NULL;
	size_t		 outlen;

	switch (ip6ext_walk(pkt, len, &x)) {
	case IP6EXT_PASS:
		/* An atomic fragment passes as the whole it is (RFC 6946). */
		if (x.frag == IP6EXT_F_ATOMIC) {
			engine->stats.frag6_in++;
			engine->stats.frag6_atomic++;
		}
		in->pkt = pkt;
		in->len = x.len;
		in->nxt = x.proto;
		in->l4 = pkt + x.off;
		in->l4len = x.len - x.off;
		ip6_deliver(in);
		return;
	case IP6EXT_FRAG:
		/* One level: a datagram is never a fragment (ip6frag.c). */
		if (again) {
			engine->stats.drop_frag6++;
			return;
		}
		switch (ip6frag_input(pkt, &x, &out, &outlen, &err)) {
		case 1:
			ip6_upper(in, out, outlen, 1);
			free(out);
			break;
		case -1:
			ip6_error(in, pkt, x.len, &err);
			break;
		}
		return;
	case IP6EXT_ERROR:
		if (ip6_unknown_upper(&x)) {
			if (in->host == NULL &&
			    (in->host = host_get6(&in->dst)) == NULL) {
				engine->stats.drop_nohost++;
				return;
			}
			if (!personality_stack_model(in->host,
			    in->tmpl)->proto_unreach) {
				engine->stats.ip6_drop_next++;
				return;
			}
		}
		log_debug("ipv6: %s", x.why);
		ip6_error(in, pkt, x.len, &x.err);
		return;
	case IP6EXT_DROP:
		/* Counted by the walk (ext6_drop). */
		return;
	}
}

void
ip6_input(const uint8_t *buf, size_t len)
{
	struct ip6in	 in;

	engine->stats.ip6_in++;
	memset(&in, 0, sizeof(in));
	if (ip6_check(buf, len, &in) == -1)
		return;
	if (ip6_martian_src(&in.src) || in.dst.s6_addr[0] == 0xff) {
		engine->stats.drop_srcaddr++;
		return;
	}
	/* Behind virtual routers: the topology delivers it, maybe later. */
	if (router_input6(&in) == 1)
		return;
	ip6_dispatch(&in);
}

/* A checked packet at its destination (router.c's too): the template. */
void
ip6_dispatch(struct ip6in *in)
{
	if ((in->tmpl = config_lookup6(engine->conf, &in->dst, &in->src,
	    in->pkt[6])) == NULL) {
		engine->stats.drop_noaddr++;
		return;
	}
	if (ip_droprate_in(in->tmpl))
		return;
	ip6_upper(in, in->pkt, in->len, 0);
}

/*
 * An error e about pkt from router "from" of the topology (router.c),
 * as the router's own template answers and limits it.
 */
void
ip6_error_from(const struct in6_addr *from, const uint8_t *pkt, size_t len,
    const struct ip6err *e)
{
	struct ip6in	 in;

	if (len < IP6_HDR_LEN)
		return;
	memset(&in, 0, sizeof(in));
	memcpy(&in.src, pkt + 8, sizeof(in.src));
	in.dst = *from;
	if ((in.tmpl = config_lookup6(engine->conf, from, NULL, 0)) == NULL) {
		engine->stats.drop_noaddr++;
		return;
	}
	ip6_error(&in, pkt, len, e);
}

/*
 * The stack model of a template's IPv6 answers (stackmodel.c): its
 * fingerprint's family, a plain Linux stack's without one.
 */
static const struct stack_model *
ip6_model(const struct template *t)
{
	if (t == NULL || t->pers == NULL)
		return (stackmodel_get(SF_LINUX));
	return (stackmodel_get(plan_family(t->pers)));
}

/* The hop limit a template's ICMPv6 answers start with: its family's. */
uint8_t
ip6_hoplimit(const struct template *t)
{
	return (stackmodel_hlim6(ip6_model(t), IP_PROTO_ICMPV6));
}

/*
 * The key of the flow labels of every host here, drawn at the first
 * answer as a kernel draws its own at boot.
 */
static uint64_t
ip6_flowkey(void)
{
	static uint64_t	 key;

	while (key == 0)
		key = (uint64_t)arc4random() << 32 | arc4random();
	return (key);
}

/*
 * An answer longer than the link takes, as fragments (RFC 8200 4.5):
 * the host's answers carry no extension headers, so the unfragmentable
 * part is the IPv6 header alone.  Each fragment holds a multiple of 8
 * bytes but the last; the identification is random where the family
 * m draws it, else the host's counter from a random start, so that a
 * peer cannot tell one host's from another's (stackmodel.c).
 */
static void
ip6_fragment(const struct stack_model *m, uint8_t *pkt, size_t len)
{
	uint8_t		 frag[IPFRAG_MTU];
	struct in6_addr	 src;
	struct host	*h;
	size_t		 off, n, step = (IPFRAG_MTU - IP6_HDR_LEN - 8) & ~7UL;
	uint32_t	 id;
	uint16_t	 offlg;

	memcpy(&src, pkt + 8, sizeof(src));
	if ((h = host_get6(&src)) == NULL) {
		engine->stats.drop_out++;
		return;
	}
	id = htonl(stackmodel_frag6_id(m, &h->ip6_fragid, arc4random()));
	memcpy(frag, pkt, IP6_HDR_LEN);
	frag[6] = IP_PROTO_FRAGMENT;
	for (off = 0; off < len - IP6_HDR_LEN; off += n) {
		n = len - IP6_HDR_LEN - off;
		if (n > step)
			n = step;
		offlg = (uint16_t)off | (off + n < len - IP6_HDR_LEN);
		frag[4] = (8 + n) >> 8;
		frag[5] = (8 + n) & 0xff;
		frag[IP6_HDR_LEN] = pkt[6];
		frag[IP6_HDR_LEN + 1] = 0;
		frag[IP6_HDR_LEN + 2] = offlg >> 8;
		frag[IP6_HDR_LEN + 3] = offlg & 0xff;
		memcpy(frag + IP6_HDR_LEN + 4, &id, sizeof(id));
		memcpy(frag + IP6_HDR_LEN + 8, pkt + IP6_HDR_LEN + off, n);
		engine_send(frag, IP6_HDR_LEN + 8 + n);
	}
	engine->stats.frag6_out++;
}

/*
 * An answer of the template's host: pkt holds the IPv6 header (the
 * addresses and next header set) and len - IP6_HDR_LEN bytes of
 * payload, its checksum done.  The rest of the header is the host's:
 * traffic class 0, the flow label and hop limit of its family.
 */
void
ip6_output(const struct template *t, uint8_t *pkt, size_t len)
{
	struct ip6_hdr			*ip6 = (struct ip6_hdr *)pkt;
	const struct stack_model	*m = ip6_model(t);

	if (len < IP6_HDR_LEN || len - IP6_HDR_LEN > 65535) {
		engine->stats.drop_out++;
		return;
	}
	ip6->ip6_flow = htonl(6U << 28 |
	    stackmodel_flow6(m, ip6_flowkey(), pkt, len));
	ip6->ip6_plen = htons((uint16_t)(len - IP6_HDR_LEN));
	ip6->ip6_hlim = stackmodel_hlim6(m, ip6->ip6_nxt);
	/* From behind virtual routers: hops spent, maybe held or dropped. */
	if (router_output(pkt, len) == 1)
		return;
	ip6_send_as(m, pkt, len);
}

/*
 * A packet the topology held (router.c): its source host's family
 * decides its fragment IDs, should it need fragments.
 */
void
ip6_send(uint8_t *pkt, size_t len)
{
	struct in6_addr	 src;

	memcpy(&src, pkt + 8, sizeof(src));
	ip6_send_as(ip6_model(config_lookup6(engine->conf, &src, NULL, 0)),
	    pkt, len);
}

/* A finished packet to the wire, in fragments if the link needs them. */
static void
ip6_send_as(const struct stack_model *m, uint8_t *pkt, size_t len)
{
	if (len > IPFRAG_MTU)
		ip6_fragment(m, pkt, len);
	else
		engine_send(pkt, len);
}
