/*
 * Engine: the IPv6 input path (RFC 8200) and its way out.
 *
 * ip_input() hands over every packet whose version nibble is 6.  The
 * fixed header is checked the way a host's stack checks it (version,
 * payload length against what was captured, a hop limit a router would
 * not have forwarded, sources that never send), the template and the
 * host (host_get6()) are found for the destination, and the upper
 * layer is dispatched on.  Only ICMPv6 is answered so far (icmp6.c);
 * every other next header, extension headers included, is counted and
 * dropped in one place, ip6_upper(), where the extension-header walk
 * goes.  Answers leave through ip6_output(), which gives them the
 * personality's hop limit.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"

static int	 ip6_check(const uint8_t *, size_t, struct ip6in *);
static int	 ip6_upper(struct ip6in *);

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
 * The upper-layer header: in->nxt, in->l4 and in->l4len name it, 0; or
 * -1, counted and dropped.  XXX Extension headers (RFC 8200 4) are not
 * walked yet, so every next header but ICMPv6 is counted in
 * ip6_drop_next.  The walk (ip6ext.c) plugs in here alone: its PASS
 * sets nxt, l4 and l4len from what it found; a fragment goes to the
 * reassembly (ip6frag.c), whose datagram comes back through
 * ip6_input(); a bad header is answered with parameter problem.
 */
static int
ip6_upper(struct ip6in *in)
{
	switch (in->nxt) {
	case IP_PROTO_ICMPV6:
		return (0);
	default:
		engine->stats.ip6_drop_next++;
		return (-1);
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
	if ((in.tmpl = config_lookup6(engine->conf, &in.dst)) == NULL) {
		engine->stats.drop_noaddr++;
		return;
	}
	if (ip6_upper(&in) == -1)
		return;
	if ((in.host = host_get6(&in.dst)) == NULL) {
		engine->stats.drop_nohost++;
		return;
	}
	switch (in.nxt) {
	case IP_PROTO_ICMPV6:
		icmp6_input(&in);
		break;
	}
}

/*
 * The hop limit a template's answers start with: its family's stack
 * default (the one the IPv4 TTL of the same family uses), a plain
 * Linux stack's without a fingerprint.
 */
uint8_t
ip6_hoplimit(const struct template *t)
{
	if (t == NULL || t->pers == NULL)
		return (IP6_HLIM_DEFAULT);
	switch (plan_family(t->pers)) {
	case SF_WINDOWS:
		return (128);
	case SF_IOS:
		return (255);
	default:
		return (IP6_HLIM_DEFAULT);
	}
}

/*
 * An answer of the template's host: pkt holds the IPv6 header (the
 * addresses and next header set) and len - IP6_HDR_LEN bytes of
 * payload, its checksum done.  The rest of the header is the host's.
 */
void
ip6_output(const struct template *t, uint8_t *pkt, size_t len)
{
	struct ip6_hdr	*ip6 = (struct ip6_hdr *)pkt;

	/* No fragments yet: an answer the link does not take is dropped. */
	if (len < IP6_HDR_LEN || len > IPFRAG_MTU) {
		engine->stats.drop_out++;
		return;
	}
	ip6->ip6_flow = htonl(6U << 28);	/* class 0, no flow label */
	ip6->ip6_plen = htons((uint16_t)(len - IP6_HDR_LEN));
	ip6->ip6_hlim = ip6_hoplimit(t);
	engine_send(pkt, len);
}
