/*
 * hostile: a generator of hostile traffic for honeyd's soak test.
 *
 * From the attacker's side of the testbed it puts frames of many bad
 * kinds on an Ethernet interface through a packet socket, as fast as it
 * can, bounded by count and time.  Every kind draws its packets at
 * random from a seed, so a run can be repeated:
 *
 *	ip	IPv4 headers that lie: version, header length, total length,
 *		checksum, options, truncated frames
 *	tcp	TCP segments with bad offsets, any flags, broken options,
 *		bad checksums, truncated headers
 *	udp	UDP with lying lengths, zero and bad checksums
 *	icmp	every type and code, truncated, errors quoting garbage
 *	arp	ARP with bad lengths, odd operations, from sources outside
 *		the claimed ranges (a claimed sender would be a conflict)
 *	frag	fragments that never complete, overlapping ones, tiny ones,
 *		offsets past 65535
 *	storm	RST, SYN and ACK storms from random sources and from the
 *		virtual hosts' own addresses
 *	bcast	broadcast and multicast destinations, Ethernet and IP
 *	synflood  SYNs from distinct random sources (address and port)
 *
 *	hostile -i IF -g MAC -M MAC -d DST -c NDST [-S SRC -a NSRC]
 *	        [-k KIND,...] [-n COUNT] [-t SECS] [-x SEED]
 *
 *	-d DST -c NDST	the virtual hosts: destinations, and the spoofed
 *			sources of "storm"
 *	-S SRC -a NSRC	random sources are drawn from here (default
 *			198.18.128.0 and 32768: inside 198.18.0.0/15, off
 *			the testbed's subnets)
 *
 * It prints one line: sent=N and the count of each kind.  Only
 * addresses the caller gives, or 198.18.0.0/15 and broadcast and
 * multicast on the test's own link, are ever written into a packet.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64
#define FRAME_MAX	1514
#define MAX_COUNT	50000000UL
#define MAX_SECS	600
#define ETH_HLEN_	14

enum kind {
	K_IP, K_TCP, K_UDP, K_ICMP, K_ARP, K_FRAG, K_STORM, K_BCAST,
	K_SYNFLOOD, K_MAX
};

static const char *kind_names[K_MAX] = {
	"ip", "tcp", "udp", "icmp", "arp", "frag", "storm", "bcast",
	"synflood"
};

struct gen {
	uint8_t		 mac[ETH_ALEN], gw[ETH_ALEN];
	uint32_t	 dst, ndst;	/* host order */
	uint32_t	 src, nsrc;
	uint64_t	 rng;
	uint32_t	 flood_seq;	/* distinct (address, port) sources */
	uint16_t	 frag_id;
};

/* xorshift64*: fast, and a seed repeats a run. */
static uint32_t
rnd(struct gen *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return (uint32_t)((g->rng * 2685821657736338717ULL) >> 32);
}

static uint32_t
rnd_below(struct gen *g, uint32_t n)
{
	return (n == 0 ? 0 : rnd(g) % n);
}

static uint16_t
cksum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t	*p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static void
eth_header(struct gen *g, uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst != NULL ? dst : g->gw, ETH_ALEN);
	memcpy(f + ETH_ALEN, g->mac, ETH_ALEN);
	put16(f + 12, type);
}

static uint32_t
pick_dst(struct gen *g)
{
	return (g->dst + rnd_below(g, g->ndst));
}

static uint32_t
pick_src(struct gen *g)
{
	return (g->src + rnd_below(g, g->nsrc));
}

/* A correct 20-byte IPv4 header for len bytes of IP. */
static void
ip_header(uint8_t *ip, size_t len, int proto, uint32_t src, uint32_t dst,
    uint16_t id, uint16_t off)
{
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)len);
	put16(ip + 4, id);
	put16(ip + 6, off);
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, cksum(ip, 20, 0));
}

/* The transport checksum over the pseudo-header. */
static uint16_t
l4_cksum(const uint8_t *ip, const uint8_t *l4, size_t len, int proto)
{
	uint32_t	 sum = 0;
	int		 i;

	for (i = 12; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	sum += (uint32_t)proto + (uint32_t)len;
	return (cksum(l4, len, sum));
}

static void
fill_random(struct gen *g, uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd(g);
}

/* A TCP segment, options and payload random; correct checksum. */
static size_t
tcp_segment(struct gen *g, uint8_t *ip, uint32_t src, uint32_t dst,
    uint8_t flags, int garbage)
{
	uint8_t	*t = ip + 20;
	size_t	 optlen = garbage ? 4 * rnd_below(g, 11) : 0;
	size_t	 paylen = garbage ? rnd_below(g, 64) : 0;
	size_t	 len = 20 + optlen + paylen;

	put16(t, 1024 + rnd_below(g, 60000));
	put16(t + 2, garbage ? rnd(g) & 0xffff : 22 + rnd_below(g, 3) * 29);
	put32(t + 4, rnd(g));
	put32(t + 8, rnd(g));
	t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	t[13] = flags;
	put16(t + 14, rnd(g) & 0xffff);
	put16(t + 16, 0);
	put16(t + 18, garbage ? rnd(g) & 0xffff : 0);
	fill_random(g, t + 20, optlen + paylen);
	ip_header(ip, 20 + len, IPPROTO_TCP, src, dst, rnd(g) & 0xffff, 0);
	put16(t + 16, l4_cksum(ip, t, len, IPPROTO_TCP));
	return (20 + len);
}

/* IP headers that lie about themselves. */
static size_t
gen_ip(struct gen *g, uint8_t *f)
{
	uint8_t	*ip = f + ETH_HLEN_;
	size_t	 len = tcp_segment(g, ip, pick_src(g), pick_dst(g), 0x02, 1);

	switch (rnd_below(g, 7)) {
	case 0:		/* version */
		ip[0] = (uint8_t)((rnd_below(g, 16) << 4) | 5);
		break;
	case 1:		/* header length: too short or past the packet */
		ip[0] = (uint8_t)(0x40 | rnd_below(g, 16));
		break;
	case 2:		/* total length */
		put16(ip + 2, rnd(g) & 0xffff);
		break;
	case 3:		/* header checksum */
		ip[10] ^= (uint8_t)(1 + rnd_below(g, 255));
		return (ETH_HLEN_ + len);
	case 4:		/* options: garbage, checksum fixed up */
		ip[0] = (uint8_t)(0x40 | (5 + rnd_below(g, 11)));
		fill_random(g, ip + 20, (ip[0] & 0xf) * 4 - 20);
		break;
	case 5:		/* truncated frame */
		return (ETH_HLEN_ + rnd_below(g, (uint32_t)len));
	default:	/* protocol nobody speaks */
		ip[9] = (uint8_t)rnd(g);
		break;
	}
	put16(ip + 10, 0);
	put16(ip + 10, cksum(ip, 20, 0));
	return (ETH_HLEN_ + len);
}

static size_t
gen_tcp(struct gen *g, uint8_t *f)
{
	uint8_t	*ip = f + ETH_HLEN_, *t = ip + 20;
	size_t	 len = tcp_segment(g, ip, pick_src(g), pick_dst(g),
	    (uint8_t)rnd(g), 1);

	switch (rnd_below(g, 5)) {
	case 0:		/* data offset below 5 or past the segment */
		t[12] = (uint8_t)(rnd_below(g, 16) << 4);
		break;
	case 1:		/* bad checksum */
		t[16] ^= (uint8_t)(1 + rnd_below(g, 255));
		return (ETH_HLEN_ + len);
	case 2:		/* truncated header, IP length agrees */
		len = 20 + rnd_below(g, 20);
		put16(ip + 2, (uint16_t)len);
		put16(ip + 10, 0);
		put16(ip + 10, cksum(ip, 20, 0));
		return (ETH_HLEN_ + len);
	case 3:		/* options with lengths 0, 1 and past the end */
		t[12] = 0x60;
		t[20] = (uint8_t)(2 + rnd_below(g, 6));
		t[21] = (uint8_t)rnd_below(g, 3) * 40;
		break;
	default:	/* any flags, valid otherwise */
		return (ETH_HLEN_ + len);
	}
	put16(t + 16, 0);
	put16(t + 16, l4_cksum(ip, t, len - 20, IPPROTO_TCP));
	return (ETH_HLEN_ + len);
}

static size_t
gen_udp(struct gen *g, uint8_t *f)
{
	uint8_t	*ip = f + ETH_HLEN_, *u = ip + 20;
	size_t	 paylen = rnd_below(g, 200), len = 8 + paylen;

	put16(u, 1024 + rnd_below(g, 60000));
	put16(u + 2, rnd_below(g, 4) == 0 ? rnd(g) & 0xffff :
	    53 + rnd_below(g, 3) * 84);
	put16(u + 4, (uint16_t)len);
	put16(u + 6, 0);
	fill_random(g, u + 8, paylen);
	ip_header(ip, 20 + len, IPPROTO_UDP, pick_src(g), pick_dst(g),
	    rnd(g) & 0xffff, 0);
	switch (rnd_below(g, 4)) {
	case 0:		/* length field lies */
		put16(u + 4, rnd(g) & 0xffff);
		put16(u + 6, l4_cksum(ip, u, len, IPPROTO_UDP));
		break;
	case 1:		/* no checksum */
		break;
	case 2:		/* bad checksum */
		put16(u + 6, (l4_cksum(ip, u, len, IPPROTO_UDP) ^ 0x5a5a) | 1);
		break;
	default:
		put16(u + 6, l4_cksum(ip, u, len, IPPROTO_UDP));
		break;
	}
	return (ETH_HLEN_ + 20 + len);
}

static size_t
gen_icmp(struct gen *g, uint8_t *f)
{
	uint8_t	*ip = f + ETH_HLEN_, *c = ip + 20;
	size_t	 len = 8 + rnd_below(g, 120);

	c[0] = (uint8_t)(rnd_below(g, 3) == 0 ? 8 : rnd(g));
	c[1] = (uint8_t)(rnd_below(g, 2) == 0 ? 0 : rnd(g));
	put16(c + 2, 0);
	fill_random(g, c + 4, len - 4);
	/* An error quoting a header: sometimes a real one, addresses ours. */
	if (rnd_below(g, 2) == 0 && len >= 36)
		ip_header(c + 8, 20 + rnd_below(g, 100), rnd(g) & 0xff,
		    pick_dst(g), pick_src(g), rnd(g) & 0xffff, 0);
	ip_header(ip, 20 + len, IPPROTO_ICMP, pick_src(g), pick_dst(g),
	    rnd(g) & 0xffff, 0);
	put16(c + 2, cksum(c, len, 0));
	if (rnd_below(g, 6) == 0)
		c[2] ^= 0xff;
	if (rnd_below(g, 6) == 0)
		return (ETH_HLEN_ + 20 + rnd_below(g, (uint32_t)len));
	return (ETH_HLEN_ + 20 + len);
}

/* ARP, never naming a claimed address as its sender. */
static size_t
gen_arp(struct gen *g, uint8_t *f)
{
	static const uint8_t	 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff };
	uint8_t			*a = f + ETH_HLEN_;

	eth_header(g, f, rnd_below(g, 2) ? bcast : g->gw, ETHERTYPE_ARP);
	put16(a, rnd_below(g, 4) == 0 ? rnd(g) & 0xffff : 1);
	put16(a + 2, rnd_below(g, 4) == 0 ? rnd(g) & 0xffff : 0x0800);
	a[4] = (uint8_t)(rnd_below(g, 4) == 0 ? rnd(g) : 6);
	a[5] = (uint8_t)(rnd_below(g, 4) == 0 ? rnd(g) : 4);
	put16(a + 6, (uint16_t)rnd_below(g, 6));
	memcpy(a + 8, g->mac, ETH_ALEN);
	put32(a + 14, pick_src(g));
	fill_random(g, a + 18, ETH_ALEN);
	put32(a + 24, pick_dst(g));
	return (ETH_HLEN_ + 28 - rnd_below(g, 4) * 5);
}

/* Fragments: never completed, overlapping, tiny, or past 65535. */
static size_t
gen_frag(struct gen *g, uint8_t *f)
{
	uint8_t		*ip = f + ETH_HLEN_;
	size_t		 paylen = 8 * (1 + rnd_below(g, 20));
	uint16_t	 off, id;

	/* A few IDs again and again: overlaps with what is queued. */
	id = rnd_below(g, 2) ? g->frag_id++ : (uint16_t)rnd_below(g, 16);
	switch (rnd_below(g, 4)) {
	case 0:		/* a middle piece of a datagram never finished */
		off = (uint16_t)(0x2000 | (1 + rnd_below(g, 100)));
		break;
	case 1:		/* overlapping the first piece */
		off = (uint16_t)(rnd_below(g, 2) ? 0x2000 : 0) |
		    (uint16_t)rnd_below(g, 3);
		break;
	case 2:		/* past 65535 once reassembled */
		off = (uint16_t)(0x1fff - rnd_below(g, 4));
		break;
	default:	/* tiny: 8 bytes, headers split across pieces */
		paylen = 8;
		off = (uint16_t)(0x2000 | rnd_below(g, 2));
		break;
	}
	fill_random(g, ip + 20, paylen);
	ip_header(ip, 20 + paylen, rnd_below(g, 3) == 0 ? IPPROTO_ICMP :
	    IPPROTO_TCP, pick_src(g), pick_dst(g), id, off);
	return (ETH_HLEN_ + 20 + paylen);
}

/* RST, SYN and ACK storms, half of them from the virtual hosts. */
static size_t
gen_storm(struct gen *g, uint8_t *f)
{
	static const uint8_t	 flags[] = { 0x04, 0x02, 0x10, 0x14, 0x12 };
	uint32_t		 src;

	src = rnd_below(g, 2) ? pick_dst(g) : pick_src(g);
	return (ETH_HLEN_ + tcp_segment(g, f + ETH_HLEN_, src, pick_dst(g),
	    flags[rnd_below(g, sizeof(flags))], 0));
}

/* Broadcast and multicast, at the Ethernet and the IP layer. */
static size_t
gen_bcast(struct gen *g, uint8_t *f)
{
	static const uint8_t	 bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff };
	uint8_t			 mcast[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	uint32_t		 dst;
	size_t			 len;

	switch (rnd_below(g, 4)) {
	case 0:
		dst = 0xffffffffU;
		break;
	case 1:
		dst = 0xe0000001U + rnd_below(g, 255);
		break;
	case 2:		/* the directed broadcast of the virtual net */
		dst = g->dst | 0xffU;
		break;
	default:	/* a virtual host, in a broadcast frame */
		dst = pick_dst(g);
		break;
	}
	len = rnd_below(g, 2) ? gen_icmp(g, f) : gen_udp(g, f);
	put32(f + ETH_HLEN_ + 16, dst);
	put16(f + ETH_HLEN_ + 10, 0);
	put16(f + ETH_HLEN_ + 10, cksum(f + ETH_HLEN_, 20, 0));
	mcast[5] = (uint8_t)dst;
	eth_header(g, f, rnd_below(g, 2) ? bcast : mcast, ETHERTYPE_IP);
	return (len);
}

/* SYNs from distinct sources: each (address, port) pair once. */
static size_t
gen_synflood(struct gen *g, uint8_t *f)
{
	uint8_t		*ip = f + ETH_HLEN_;
	uint32_t	 n = g->flood_seq++;
	uint32_t	 src = g->src + n % g->nsrc;
	uint16_t	 sport = (uint16_t)(1024 + (n / g->nsrc) % 60000);
	size_t		 len;

	len = tcp_segment(g, ip, src, pick_dst(g), 0x02, 0);
	put16(ip + 20, sport);
	put16(ip + 36, 0);
	put16(ip + 36, l4_cksum(ip, ip + 20, len - 20, IPPROTO_TCP));
	return (ETH_HLEN_ + len);
}

static size_t (*const generators[K_MAX])(struct gen *, uint8_t *) = {
	gen_ip, gen_tcp, gen_udp, gen_icmp, gen_arp, gen_frag, gen_storm,
	gen_bcast, gen_synflood
};

static size_t
generate(struct gen *g, enum kind k, uint8_t *f)
{
	size_t	 len;

	memset(f, 0, FRAME_MAX);
	eth_header(g, f, NULL, ETHERTYPE_IP);
	len = generators[k](g, f);
	/* Ethernet's minimum: the kernel pads, but say so ourselves. */
	return (len < 60 ? 60 : len);
}

static int
parse_kinds(const char *arg, enum kind *enabled)
{
	char	*copy, *w, *save = NULL;
	int	 k, n = 0;


	if ((copy = strdup(arg)) == NULL)
		err(2, "strdup");
	for (w = strtok_r(copy, ",", &save); w != NULL;
	    w = strtok_r(NULL, ",", &save)) {
		for (k = 0; k < K_MAX; k++)
			if (strcmp(w, kind_names[k]) == 0)
				break;
		if (k == K_MAX)
			errx(2, "unknown kind %s", w);
		if (n == K_MAX * 4)
			errx(2, "too many kinds");
		enabled[n++] = (enum kind)k;
	}
	free(copy);
	return (n);
}

static void
parse_mac(const char *s, uint8_t *mac)
{
	unsigned int	 b[ETH_ALEN];
	int		 i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
	    &b[4], &b[5]) != ETH_ALEN)
		errx(2, "bad MAC %s", s);
	for (i = 0; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)b[i];
}

/* Only the benchmarking range is ever a unicast address here. */
static uint32_t
parse_addr(const char *s)
{
	struct in_addr	 in;
	uint32_t	 a;

	if (inet_pton(AF_INET, s, &in) != 1)
		errx(2, "bad address %s", s);
	a = ntohl(in.s_addr);
	if ((a & 0xfffe0000U) != 0xc6120000U)
		errx(2, "%s is outside 198.18.0.0/15", s);
	return (a);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
open_link(const char *ifname, int *ifindex)
{
	struct ifreq	 ifr;
	int		 s;

	if ((s = socket(AF_PACKET, SOCK_RAW, 0)) == -1)
		err(2, "socket");
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name) - 1);
	if (ioctl(s, SIOCGIFINDEX, &ifr) == -1)
		err(2, "%s", ifname);
	*ifindex = ifr.ifr_ifindex;
	return (s);
}

int
main(int argc, char **argv)
{
	static uint8_t		 frames[BATCH][FRAME_MAX];
	struct mmsghdr		 msgs[BATCH];
	struct iovec		 iov[BATCH];
	struct sockaddr_ll	 sll;
	struct gen		 g;
	enum kind		 kind_of[BATCH];
	uint64_t		 counts[K_MAX] = { 0 }, sent = 0, count = 100000;
	double			 secs = 10, end;
	const char		*ifname = NULL, *kinds = NULL;
	enum kind		 enabled[K_MAX * 4];
	int			 nkinds, ch, s, i, n;
	int			 have_gw = 0, have_mac = 0, ifindex;
	uint64_t		 seed = 1;

	memset(&g, 0, sizeof(g));
	g.src = 0xc6128000U;	/* 198.18.128.0 */
	g.nsrc = 32768;
	g.ndst = 1;
	while ((ch = getopt(argc, argv, "a:c:d:g:i:k:M:n:S:t:x:")) != -1) {
		switch (ch) {
		case 'a':
			g.nsrc = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			g.ndst = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			g.dst = parse_addr(optarg);
			break;
		case 'g':
			parse_mac(optarg, g.gw);
			have_gw = 1;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'k':
			kinds = optarg;
			break;
		case 'M':
			parse_mac(optarg, g.mac);
			have_mac = 1;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'S':
			g.src = parse_addr(optarg);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'x':
			seed = strtoull(optarg, NULL, 10);
			break;
		default:
			errx(2, "usage: hostile -i IF -g MAC -M MAC -d DST "
			    "-c NDST [-S SRC -a NSRC] [-k KINDS] [-n COUNT] "
			    "[-t SECS] [-x SEED]");
		}
	}
	if (ifname == NULL || !have_gw || !have_mac || g.dst == 0)
		errx(2, "-i, -g, -M and -d are required");
	if (count == 0 || count > MAX_COUNT || !(secs > 0 && secs <= MAX_SECS))
		errx(2, "-n in 1..%lu, -t in (0, %d]", MAX_COUNT, MAX_SECS);
	if (g.ndst == 0 || g.ndst > 65536 || g.nsrc == 0 ||
	    ((g.src + g.nsrc - 1) & 0xfffe0000U) != 0xc6120000U ||
	    ((g.dst + g.ndst - 1) & 0xfffe0000U) != 0xc6120000U)
		errx(2, "-c and -a must keep the addresses in 198.18.0.0/15");
	nkinds = parse_kinds(kinds != NULL ? kinds :
	    "ip,tcp,udp,icmp,arp,frag,storm,bcast,synflood", enabled);
	g.rng = seed * 0x9e3779b97f4a7c15ULL + 1;

	s = open_link(ifname, &ifindex);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_halen = ETH_ALEN;
	memset(msgs, 0, sizeof(msgs));
	end = now() + secs;
	while (sent < count && now() < end) {
		n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		for (i = 0; i < n; i++) {
			kind_of[i] = enabled[(sent + i) % nkinds];
			iov[i].iov_base = frames[i];
			iov[i].iov_len = generate(&g, kind_of[i], frames[i]);
			msgs[i].msg_hdr.msg_name = &sll;
			msgs[i].msg_hdr.msg_namelen = sizeof(sll);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		if ((n = sendmmsg(s, msgs, n, 0)) == -1) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(100);
				continue;
			}
			err(2, "sendmmsg");
		}
		for (i = 0; i < n; i++)
			counts[kind_of[i]]++;
		sent += n;
	}
	printf("sent=%llu", (unsigned long long)sent);
	for (i = 0; i < K_MAX; i++)
		if (counts[i] > 0)
			printf(" %s=%llu", kind_names[i],
			    (unsigned long long)counts[i]);
	printf("\n");
	close(s);
	return (0);
}
