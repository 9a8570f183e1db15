/*
 * Fuzz target: the engine's packet path.  Arbitrary bytes become a
 * sequence of IPv4 (and, raw, IPv6) packets into ip_input(), interleaved with the
 * parent's answers (services, proxies) and with time passing, against
 * one configuration that has a bit of everything: open, reset and
 * blocked ports, tarpits, service and proxy actions for TCP and UDP,
 * personalities from nmap.prints (Windows, Linux, Cisco, OpenBSD...), a
 * routing topology with latency, loss, bandwidth and RED, an unreachable
 * network, a dynamic template, and a small host table.
 *
 * The engine runs in-process as regress/unit/test_dispatch.c sets it
 * up.  What it sends the parent is read straight from its output queue:
 * packets are checked (well-formed, checksummed, from a claimed source)
 * and remembered, service and proxy requests are answered with one end
 * of a socketpair (or refused) as the input says, and the other end is
 * played by the input too.  Time is virtual: clock_gettime(MONOTONIC),
 * gettimeofday() and time() are this file's, and only the input moves
 * them, so timers (retransmission, delayed routing, tarpit, timeouts)
 * run in microseconds and every run of an input is the same run;
 * arc4random() is a generator seeded by the input for the same reason.
 *
 * Input: one seed byte (randomness; how the parent answers requests),
 * then records:
 *	ctl aux len_hi len_lo, then (len & 0xfff) bytes
 * ctl & 0x03	time to pass afterwards: none, 50 ms, 1 s, 20 s
 * ctl & 0x04	fix the IP and transport checksums
 * ctl & 0x08	fix the IP header: version, lengths, no fragment, one of
 *		our protocols, addresses from the tables below (aux & 7
 *		the destination, aux >> 3 & 3 the source); with aux & 0x20
 *		the packet then goes in as fragments (frag_send: aux >> 6
 *		picks their size and order, overlaps and a withheld one)
 * ctl & 0x10	TCP: answer the engine's last segment on that flow (or
 *		its last segment at all, taking its addresses and ports)
 *		with sequence and acknowledgement numbers it accepts;
 *		ctl >> 6 then moves the sequence number (0, +700, +3000,
 *		-10: out of order, beyond a hole, overlapping), and SACK
 *		blocks are taken as offsets from the engine's last
 *		sequence number
 * ctl & 0x20	not a packet: the service side of a request does what
 *		aux says (svc_act) with the bytes, or (aux >> 4 == 15) the
 *		configuration is reloaded under the running connections
 * Records with neither 0x04 nor 0x08 reach ip_input() raw.
 *
 * Invariants, after each input: every packet the engine sent was
 * well-formed and from an address the configuration claims or a packet
 * went to (the default template answers for any: the parent's claim
 * filters what reaches the engine); once everything is flushed,
 * no connection, flow, relay, held packet or host reference is left,
 * and ten virtual minutes expired every fragment queue.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "tcp.h"
#include "fuzz.h"

/* ------------------------------------------------------ virtual time */

static uint64_t		 vclock_us = 1000ULL * 1000000;	/* monotonic */
#define VEPOCH_US	(1700000000ULL * 1000000)	/* realtime - it */

int	 clock_gettime(clockid_t, struct timespec *);
int	 gettimeofday(struct timeval *, void *);
time_t	 time(time_t *);
int	 timerfd_create(int, int);

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	switch (id) {
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
		ts->tv_sec = vclock_us / 1000000;
		ts->tv_nsec = (vclock_us % 1000000) * 1000;
		return (0);
	default:
		/* libFuzzer times itself with the real clock. */
		return (syscall(SYS_clock_gettime, id, ts));
	}
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	uint64_t	 us = VEPOCH_US + vclock_us;

	tv->tv_sec = us / 1000000;
	tv->tv_usec = us % 1000000;
	return (0);
}

time_t
time(time_t *t)
{
	time_t	 now = (VEPOCH_US + vclock_us) / 1000000;

	if (t != NULL)
		*t = now;
	return (now);
}

/* The router's timerfd runs on the kernel's clock: use its fallback. */
int
timerfd_create(int clockid, int flags)
{
	errno = ENOSYS;
	return (-1);
}

/* ------------------------------------------------ seeded randomness */

static uint64_t		 rng_state;

uint32_t	 arc4random(void);
uint32_t	 arc4random_uniform(uint32_t);
void		 arc4random_buf(void *, size_t);

uint32_t
arc4random(void)
{
	/* splitmix64 */
	uint64_t	 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return ((uint32_t)((z ^ (z >> 31)) >> 32));
}

uint32_t
arc4random_uniform(uint32_t n)
{
	return (n < 2 ? 0 : arc4random() % n);
}

void
arc4random_buf(void *buf, size_t len)
{
	uint8_t	*p = buf;
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = arc4random() & 0xff;
}

/* ------------------------------------------------- the configuration */

static const char conf_text[] =
    "route entry 198.18.1.1 network 198.18.0.0/16\n"
    "route 198.18.1.1 link 198.18.1.0/24\n"
    "route 198.18.1.1 add net 198.18.2.0/23 198.18.2.1 latency 10ms "
    "loss 5 bandwidth 1Mbps drop between 5 ms - 20 ms\n"
    "route 198.18.2.1 link 198.18.2.0/24\n"
    "route 198.18.2.1 add net 198.18.3.0/24 198.18.3.1 latency 30ms\n"
    "route 198.18.3.1 link 198.18.3.0/24\n"
    "route 198.18.1.1 unreach 198.18.9.0/24\n"
    "route 198.18.2.1 add net 198.18.2.128/25 tunnel 198.18.1.66 "
    "198.18.2.200\n"
    "option service max 8\n"
    "create default\n"
    "set default default tcp action reset\n"
    "set default default udp action block\n"
    "set default default icmp action open\n"
    "create win\n"
    "set win personality \"Microsoft Windows XP SP2 or SP3, or Windows "
    "Server 2003\"\n"
    "set win default tcp action reset\n"
    "set win default udp action reset\n"
    "set win uptime 123456\n"
    "add win tcp port 80 \"sh web.sh $ipsrc $sport\"\n"
    "add win tcp port 135 open\n"
    "add win tcp port 139 tarpit open\n"
    "add win tcp port 445 block\n"
    "add win udp port 53 \"sh dns.sh\"\n"
    "add win udp port 137 open\n"
    "create linux\n"
    "set linux personality \"Linux 2.6.32\"\n"
    "set linux default tcp action reset\n"
    "set linux default udp action reset\n"
    "set linux default icmp action open\n"
    "add linux tcp port 22 proxy $ipsrc:22\n"
    "add linux tcp port 23 tarpit \"sh telnet.sh\"\n"
    "add linux tcp port 25 \"sh smtp.sh\"\n"
    "add linux udp port 161 proxy 192.0.2.1:161\n"
    "add linux udp port 53 open\n"
    "create cisco\n"
    "set cisco personality \"Cisco 7206 running IOS 11.1(24)\"\n"
    "set cisco default tcp action reset\n"
    "set cisco default icmp action open\n"
    "add cisco tcp port 23 \"sh router.sh\"\n"
    "create bsd\n"
    "set bsd personality \"OpenBSD 3.9 - 4.4\"\n"
    "set bsd default tcp action block\n"
    "set bsd droprate in 5\n"
    "add bsd tcp port 22 open\n"
    "create solaris\n"
    "set solaris personality \"Sun Solaris 9 (SPARC)\"\n"
    "set solaris default tcp action reset\n"
    "add solaris tcp port 79 tarpit proxy $ipsrc:79\n"
    "add solaris tcp port 21 proxy $ipdst:$dport\n"
    "dynamic dyn\n"
    "add dyn use win if source ip = 198.18.0.0/24\n"
    "add dyn use linux if tcp\n"
    "add dyn otherwise use cisco\n"
    "bind 198.18.1.1 cisco\n"
    "bind 198.18.2.1 cisco\n"
    "bind 198.18.3.1 bsd\n"
    "bind 198.18.1.10 win\n"
    "bind 198.18.1.11 linux\n"
    "bind 198.18.1.12 dyn\n"
    "bind 198.18.2.20 linux\n"
    "bind 198.18.3.30 solaris\n"
    "annotate \"Linux 2.6.32\" fragment new\n"
    "annotate \"Sun Solaris 9 (SPARC)\" fragment drop\n";

/* Where fixed-up packets go, and come from (fix IP: aux). */
static const char *const dsts[8] = {
	"198.18.1.10", "198.18.1.11", "198.18.1.12", "198.18.2.20",
	"198.18.3.30", "198.18.1.1", "198.18.9.5", "198.18.1.99",
};
static const char *const srcs[4] = {
	"198.18.0.1", "198.18.200.7", "203.0.113.9", "198.18.0.77",
};

/* ------------------------------------------------------ the engine */

#define HOSTS_MAX	16	/* small: the table fills, hosts get evicted */
#define SVC_MAX		16
#define OUT_RING	8

struct fsvc {
	uint32_t	 id;
	int		 fd, errfd;	/* ours; -1 once closed */
	int		 used;
};

struct out_seg {
	uint32_t	 src, dst;	/* network order */
	uint16_t	 sport, dport;	/* network order */
	uint32_t	 seq, ack;	/* host order */
	uint8_t		 flags;
	size_t		 dlen;
};

static struct engine	 eng;
static struct imsgev	 eng_iev;
static struct claimset	 claimed;
static struct fsvc	 svcs[SVC_MAX];
static struct out_seg	 outs[OUT_RING];
static uint32_t		 seen_dst[64];	/* addresses packets went to */
static unsigned int	 nseen;
static unsigned int	 nouts;
static uint8_t		 policy;	/* how requests are answered */
static unsigned int	 nrequests;
static uint8_t		 pktbuf[HONEYD_MAX_PKT];
static char		*prints_text;	/* the fingerprints in use */
static size_t		 prints_len;
static int		 verbose;	/* FUZZ_VERBOSE: what goes in and out */

static void
trace(const char *dir, const uint8_t *p, size_t len)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)p;
	const struct tcp_hdr	*th;
	char			 s[16], d[16];
	char			 s6[INET6_ADDRSTRLEN], d6[INET6_ADDRSTRLEN];

	if (!verbose)
		return;
	if (len < IP_HDR_LEN) {
		fprintf(stderr, "%s %zu bytes\n", dir, len);
		return;
	}
	if (p[0] >> 4 == 6 && len >= IP6_HDR_LEN) {
		inet_ntop(AF_INET6, p + 8, s6, sizeof(s6));
		inet_ntop(AF_INET6, p + 24, d6, sizeof(d6));
		fprintf(stderr, "%s t=%llu %s > %s next %d hlim %d len %zu\n",
		    dir, (unsigned long long)vclock_us / 1000, s6, d6, p[6],
		    p[7], len);
		return;
	}
	inet_ntop(AF_INET, &ip->ip_src, s, sizeof(s));
	inet_ntop(AF_INET, &ip->ip_dst, d, sizeof(d));
	fprintf(stderr, "%s t=%llu %s > %s proto %d ttl %d len %zu", dir,
	    (unsigned long long)vclock_us / 1000, s, d, ip->ip_p, ip->ip_ttl,
	    len);
	if (ip->ip_p == IP_PROTO_TCP && len >= ip->ip_hl * 4U + TCP_HDR_LEN) {
		th = (const struct tcp_hdr *)(p + ip->ip_hl * 4);
		fprintf(stderr, " %u > %u flags %02x seq %u ack %u win %u",
		    ntohs(th->th_sport), ntohs(th->th_dport), th->th_flags,
		    ntohl(th->th_seq), ntohl(th->th_ack), ntohs(th->th_win));
	}
	fputc('\n', stderr);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char	*prints;
	struct fpdb	*db;
	const struct template *t;
	FILE		*f;
	int		 fd, i;

	log_init(1, 0);
	signal(SIGPIPE, SIG_IGN);	/* as engine_main: EPIPE instead */
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	rng_state = 1;
	(void)pers_rng();	/* the per-run secrets: the same every run */
	if ((prints = getenv("HONEYD_PRINTS")) == NULL)
		prints = "nmap.prints";
	if ((db = fpdb_load(prints)) == NULL)
		fuzz_fail("%s: cannot load (run from the top of the tree, or "
		    "set HONEYD_PRINTS)", prints);
	engine = &eng;
	if ((eng.base = event_base_new()) == NULL)
		fuzz_fail("event_base_new");
	/* No socket: the queue is read in place (parent_side). */
	imsgbuf_init(&eng_iev.ibuf, -1);
	eng.parent = &eng_iev;
	eng.conf = config_parse_buffer("fuzz", conf_text,
	    sizeof(conf_text) - 1, fpdb_check_name, db);
	if (eng.conf == NULL || personality_attach(eng.conf, db) == -1)
		fuzz_fail("the fuzz configuration does not load");
	/*
	 * What the parent sends the engine: only the prints in use (here
	 * once per template), printed as honeyd.c prints them.
	 */
	if ((f = open_memstream(&prints_text, &prints_len)) == NULL)
		fuzz_fail("open_memstream");
	TAILQ_FOREACH(t, &eng.conf->tmpl_order, order)
		if (t->pers != NULL)
			fingerprint_print_entry(f, t->pers);
	if (fclose(f) == EOF)
		fuzz_fail("prints in use");
	config_free(eng.conf);
	fpdb_free(db);
	if ((db = fpdb_load_buffer("prints", prints_text,
	    prints_len)) == NULL || (eng.conf = config_parse_buffer("fuzz",
	    conf_text, sizeof(conf_text) - 1, fpdb_check_name, db)) == NULL ||
	    personality_attach(eng.conf, db) == -1)
		fuzz_fail("the fuzz configuration does not load from its "
		    "prints in use");
	eng.db = db;
	eng.generation = 1;
	claim_init(&claimed);
	if (config_claimed_ranges(eng.conf, &claimed) == -1)
		fuzz_fail("claimed ranges");
	claim_normalize(&claimed);
	host_init(HOSTS_MAX);
	tcp_init();
	ip6frag_hooks(NULL, ip6_reasm_timeout);	/* as engine_main() */
	/* The logs format everything an attacker sends: into nowhere. */
	for (i = 0; i < LOGF_MAX; i++)
		if ((fd = open("/dev/null", O_WRONLY)) != -1)
			eventlog_setfd(i, fd);
	for (i = 0; i < SVC_MAX; i++)
		svcs[i].fd = svcs[i].errfd = -1;
	return (0);
}

/* ------------------------------------------------ the parent's side */

static int
was_dst(uint32_t a)
{
	unsigned int	 i;

	for (i = 0; i < nseen && i < 64; i++)
		if (seen_dst[i] == a)
			return (1);
	return (0);
}

/*
 * An IPv6 answer (ip6.c): its lengths, a unicast source, and the
 * ICMPv6 checksum.  Any destination has a host ("default"), so its
 * source is whatever an input sent to.
 */
static void
check_out6(const uint8_t *p, size_t len)
{
	struct in6_addr	 src, dst;

	if (len < IP6_HDR_LEN || len > IPFRAG_MTU ||
	    ((size_t)p[4] << 8 | p[5]) != len - IP6_HDR_LEN || p[7] == 0)
		fuzz_fail("engine sent an IPv6 packet of %zu bytes, payload "
		    "length %u, hop limit %u", len, p[4] << 8 | p[5], p[7]);
	memcpy(&src, p + 8, sizeof(src));
	memcpy(&dst, p + 24, sizeof(dst));
	if (src.s6_addr[0] == 0xff)
		fuzz_fail("engine sent from an IPv6 multicast address");
	if (p[6] == IP_PROTO_ICMPV6 && ip6_cksum(&src, &dst,
	    IP_PROTO_ICMPV6, p + IP6_HDR_LEN, len - IP6_HDR_LEN) != 0)
		fuzz_fail("engine sent a bad ICMPv6 checksum");
	trace("out", p, len);
}

static void
check_out(const uint8_t *p, size_t len)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)p;
	const struct tcp_hdr	*th;
	struct out_seg		*o;
	size_t			 hlen;
	uint32_t		 src;
	int			 sum;

	if (len > 0 && p[0] >> 4 == 6) {
		check_out6(p, len);
		return;
	}
	if (len < IP_HDR_LEN || len > HONEYD_MAX_PKT || ip->ip_v != 4)
		fuzz_fail("engine sent a packet of %zu bytes, not IPv4", len);
	hlen = ip->ip_hl * 4;
	if (hlen < IP_HDR_LEN || hlen > len || ntohs(ip->ip_len) != len)
		fuzz_fail("engine sent a packet with hlen %zu ip_len %u for "
		    "%zu bytes", hlen, ntohs(ip->ip_len), len);
	sum = ip_cksum_add(p, hlen, 0);
	if (ip_cksum_carry(sum) != 0)
		fuzz_fail("engine sent a bad IP checksum");
	memcpy(&src, &ip->ip_src, sizeof(src));
	if (!claim_contains(&claimed, ntohl(src)) && !was_dst(src))
		fuzz_fail("engine sent from unclaimed %s",
		    inet_ntoa((struct in_addr){ src }));
	trace("out", p, len);
	/* A fragment's transport header is somewhere else, or in part. */
	if (ip->ip_off & htons(IP_MF | IP_OFFMASK)) {
		if (len > IPFRAG_MTU)
			fuzz_fail("engine sent a fragment of %zu bytes", len);
		return;
	}
	if (len > IPFRAG_MTU)
		fuzz_fail("engine sent %zu bytes unfragmented", len);
	if (ip->ip_p != IP_PROTO_TCP || len - hlen < TCP_HDR_LEN)
		return;
	if (ip_l4_cksum(ip, p + hlen, len - hlen) != 0)
		fuzz_fail("engine sent a bad TCP checksum");
	th = (const struct tcp_hdr *)(p + hlen);
	if (th->th_off < 5 || (size_t)th->th_off * 4 > len - hlen)
		fuzz_fail("engine sent a TCP header of %d words in %zu bytes",
		    th->th_off, len - hlen);
	o = &outs[nouts++ % OUT_RING];
	memcpy(&o->src, &ip->ip_src, 4);
	memcpy(&o->dst, &ip->ip_dst, 4);
	o->sport = th->th_sport;
	o->dport = th->th_dport;
	o->seq = ntohl(th->th_seq);
	o->ack = ntohl(th->th_ack);
	o->flags = th->th_flags;
	o->dlen = len - hlen - th->th_off * 4;
}

static struct fsvc *
svc_slot(void)
{
	int	 i;

	for (i = 0; i < SVC_MAX; i++)
		if (!svcs[i].used)
			return (&svcs[i]);
	return (NULL);
}

static void
deliver(uint32_t type, const void *data, size_t len, int fd)
{
	struct imsg	 imsg;

	memset(&imsg, 0, sizeof(imsg));
	imsg.hdr.type = type;
	imsg.hdr.len = IMSG_HEADER_SIZE + len;
	imsg.data = len > 0 ? (void *)(uintptr_t)data : NULL;
	imsg.fd = fd;
	relay_dispatch(&imsg);
	imsg_free(&imsg);
}

/* A service or proxy request: answered at once, as the policy says. */
static void
answer(uint32_t type, const uint8_t *data, size_t len)
{
	struct svc_req		 req;
	struct {
		struct svc_reply rep;
		char		 cmd[8];
	}			 msg;
	struct fsvc		*s;
	int			 how, sp[2], ep[2], proxy;

	if (len <= sizeof(req) || data[len - 1] != '\0')
		fuzz_fail("malformed request from the engine");
	memcpy(&req, data, sizeof(req));
	proxy = type == IMSG_PROXY_CONNECT;
	how = (policy >> (nrequests++ % 4 * 2)) & 3;
	memset(&msg, 0, sizeof(msg));
	msg.rep.id = req.id;
	strlcpy(msg.cmd, "sh x.sh", sizeof(msg.cmd));
	if (verbose)
		fprintf(stderr, "request %u: %s, answer %d\n", req.id,
		    proxy ? "proxy" : "service", how);
	if (how == 0 || (s = svc_slot()) == NULL) {
		msg.rep.refused = how == 0 ? SVC_E_LIMIT : SVC_E_SYSTEM;
		msg.rep.error = EMFILE;
		deliver(proxy ? IMSG_PROXY_FD : IMSG_SVC_FD, &msg,
		    proxy ? sizeof(msg.rep) : sizeof(msg), -1);
		return;
	}
	if (socketpair(AF_UNIX, (proxy && req.tuple.proto == IPPROTO_UDP ?
	    SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0, sp) == -1)
		fuzz_fail("socketpair: %s", strerror(errno));
	s->used = 1;
	s->id = req.id;
	s->fd = sp[0];
	s->errfd = -1;
	msg.rep.pid = 4242;
	deliver(proxy ? IMSG_PROXY_FD : IMSG_SVC_FD, &msg,
	    proxy ? sizeof(msg.rep) : sizeof(msg), sp[1]);
	if (proxy || how != 2)
		return;
	if (pipe2(ep, O_NONBLOCK) == -1)
		fuzz_fail("pipe: %s", strerror(errno));
	s->errfd = ep[1];
	deliver(IMSG_SVC_ERRFD, &req.id, sizeof(req.id), ep[0]);
}

static void
svc_close(struct fsvc *s)
{
	if (s->fd != -1)
		close(s->fd);
	if (s->errfd != -1)
		close(s->errfd);
	s->fd = s->errfd = -1;
	s->used = 0;
}

static void
svc_stopped(const uint8_t *data, size_t len)
{
	struct svc_exit	 ex;
	uint32_t	 id;
	int		 i;

	if (len != sizeof(id))
		fuzz_fail("malformed stop from the engine");
	memcpy(&id, data, sizeof(id));
	for (i = 0; i < SVC_MAX; i++)
		if (svcs[i].used && svcs[i].id == id) {
			svc_close(&svcs[i]);
			memset(&ex, 0, sizeof(ex));
			ex.id = id;
			ex.why = SVC_KILLED_CLOSED;
			ex.signal = 15;
			ex.status = -1;
			deliver(IMSG_SVC_EXIT, &ex, sizeof(ex), -1);
		}
}

/* A batch of frames: well formed, and each frame as check_out wants. */
static void
check_batch(const uint8_t *p, size_t len)
{
	struct framebatch_frame	 f;
	size_t			 off = 0;

	if (framebatch_check(p, len) == -1)
		fuzz_fail("malformed batch of frames from the engine");
	while (framebatch_next(p, len, &off, &f)) {
		if (f.kind != FRAME_OUT)
			fuzz_fail("frame of kind %u from the engine", f.kind);
		check_out(f.pkt, f.len);
	}
}

/* Everything the engine queued for the parent, as the parent takes it. */
static void
parent_side(void)
{
	struct imsgbuf	*ib = &eng_iev.ibuf;
	struct imsg_hdr	 hdr;
	const uint8_t	*p;
	size_t		 len;

	if (framebatch_flush(ib) == -1)
		fuzz_fail("the engine's batch of frames does not compose");
	while (ib->opos < ib->olen) {
		if (ib->olen - ib->opos < IMSG_HEADER_SIZE)
			fuzz_fail("truncated message in the engine's queue");
		memcpy(&hdr, ib->obuf + ib->opos, sizeof(hdr));
		if (hdr.len < IMSG_HEADER_SIZE ||
		    ib->olen - ib->opos < hdr.len || (hdr.flags & IMSG_F_HASFD))
			fuzz_fail("bad message in the engine's queue");
		p = ib->obuf + ib->opos + IMSG_HEADER_SIZE;
		len = hdr.len - IMSG_HEADER_SIZE;
		ib->opos += IMSG_ALIGN(hdr.len);
		switch (hdr.type) {
		case IMSG_PKT_OUT_BATCH:
			check_batch(p, len);
			break;
		case IMSG_SVC_START:
		case IMSG_PROXY_CONNECT:
			answer(hdr.type, p, len);
			break;
		case IMSG_SVC_STOP:
			svc_stopped(p, len);
			break;
		default:
			fuzz_fail("unexpected message %u from the engine",
			    hdr.type);
		}
	}
	ib->olen = ib->opos = 0;
}

static void
loop_once(void)
{
	parent_side();
	event_base_loop(eng.base, EVLOOP_NONBLOCK);
	parent_side();
}

/* Time passes in 16 steps or so: timers due in between run late. */
static void
pass_time(uint64_t ms)
{
	uint64_t	 step, unit = ms / 16 > 10 ? ms / 16 : 10;

	loop_once();
	while (ms > 0) {
		step = ms > unit ? unit : ms;
		vclock_us += step * 1000;
		ms -= step;
		loop_once();
	}
}

/*
 * A reload, as engine_reconf_done() and engine_install() do it: the
 * fingerprints in use and the configuration parsed anew from the text
 * the parent would send, swapped in, the old ones freed at once while
 * connections, flows and hosts live on.
 */
static void
reload(void)
{
	struct honeyd_config	*conf, *oconf = eng.conf;
	struct fpdb		*db, *odb = eng.db;

	if ((db = fpdb_load_buffer("prints", prints_text,
	    prints_len)) == NULL ||
	    (conf = config_parse_buffer("fuzz", conf_text,
	    sizeof(conf_text) - 1, fpdb_check_name, db)) == NULL ||
	    personality_attach(conf, db) == -1)
		fuzz_fail("reload failed");
	eng.conf = conf;
	eng.db = db;
	eng.generation++;
	config_free(oconf);
	fpdb_free(odb);
}

/*
 * The service end of request aux % n: aux >> 4 says what it does.
 * 15 is no service's doing: the configuration is reloaded.
 */
static void
svc_act(uint8_t aux, const uint8_t *p, size_t len)
{
	struct fsvc	*s = NULL;
	uint8_t		 buf[4096];
	int		 i, n = 0;

	if (aux >> 4 == 15) {
		reload();
		loop_once();
		return;
	}

	for (i = 0; i < SVC_MAX; i++)
		if (svcs[i].used && n++ == (aux & 0x0f) % SVC_MAX)
			s = &svcs[i];
	if (s == NULL) {
		for (i = 0; i < SVC_MAX && s == NULL; i++)
			if (svcs[i].used)
				s = &svcs[i];
		if (s == NULL)
			return;
	}
	switch (aux >> 4) {
	case 8:
		if (s->errfd != -1 && len > 0)
			(void)write(s->errfd, p, len);
		break;
	case 9:
		if (s->fd != -1)
			(void)shutdown(s->fd, SHUT_WR);
		break;
	case 10:
		/* The service exits; the parent closes what it held. */
		svc_close(s);
		break;
	case 11:
		while (s->fd != -1 && read(s->fd, buf, sizeof(buf)) > 0)
			;
		break;
	case 12:
		if (s->errfd != -1) {
			close(s->errfd);
			s->errfd = -1;
		}
		break;
	default:
		if (s->fd != -1 && len > 0)
			(void)write(s->fd, p, len);
		break;
	}
	loop_once();
}

/* ------------------------------------------------ building packets */

static uint32_t
addr(const char *s)
{
	struct in_addr	 in;

	inet_pton(AF_INET, s, &in);
	return (in.s_addr);
}

static void
fix_ip(uint8_t *p, size_t len, uint8_t aux)
{
	static const uint8_t	 protos[3] = {
		IP_PROTO_TCP, IP_PROTO_UDP, IP_PROTO_ICMP
	};
	struct ip_hdr		*ip = (struct ip_hdr *)p;
	struct tcp_hdr		*th;
	struct udp_hdr		*uh;
	uint32_t		 a;
	size_t			 hlen;

	ip->ip_v = 4;
	if (ip->ip_hl < 5 || ip->ip_hl * 4U > len)
		ip->ip_hl = 5;
	hlen = ip->ip_hl * 4;
	ip->ip_len = htons(len);
	ip->ip_off &= htons(IP_DF | IP_RF);
	if (ip->ip_p != IP_PROTO_TCP && ip->ip_p != IP_PROTO_UDP &&
	    ip->ip_p != IP_PROTO_ICMP)
		ip->ip_p = protos[ip->ip_p % 3];
	a = addr(dsts[aux & 7]);
	if ((aux & 7) != 7)
		memcpy(&ip->ip_dst, &a, 4);
	a = addr(srcs[(aux >> 3) & 3]);
	memcpy(&ip->ip_src, &a, 4);
	if (ip->ip_p == IP_PROTO_TCP && len - hlen >= TCP_HDR_LEN) {
		th = (struct tcp_hdr *)(p + hlen);
		if (th->th_off < 5 || th->th_off * 4U > len - hlen)
			th->th_off = 5;
	} else if (ip->ip_p == IP_PROTO_UDP && len - hlen >= UDP_HDR_LEN) {
		uh = (struct udp_hdr *)(p + hlen);
		uh->uh_ulen = htons(len - hlen);
	}
}

/* Answer the engine's last word on this flow, or its last at all. */
/* SACK blocks: offsets from base, as the fuzzer cannot guess our ISN. */
static void
fix_sack(uint8_t *opt, size_t optlen, uint32_t base)
{
	uint32_t	 v;
	size_t		 i, olen, k;

	for (i = 0; i < optlen; i += olen) {
		if (opt[i] == TCP_OPT_EOL)
			break;
		if (opt[i] == TCP_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (i + 1 >= optlen || (olen = opt[i + 1]) < 2 ||
		    i + olen > optlen)
			break;
		if (opt[i] != TCP_OPT_SACK)
			continue;
		for (k = i + 2; k + 4 <= i + olen; k += 4) {
			memcpy(&v, opt + k, 4);
			v = htonl(ntohl(v) + base);
			memcpy(opt + k, &v, 4);
		}
	}
}

static void
fix_tcp(uint8_t *p, size_t len, uint8_t ctl)
{
	static const int32_t	 delta[4] = { 0, 700, 3000, -10 };
	struct ip_hdr	*ip = (struct ip_hdr *)p;
	struct tcp_hdr	*th;
	struct out_seg	*o = NULL;
	unsigned int	 i;
	size_t		 hlen = ip->ip_hl * 4;

	if (ip->ip_p != IP_PROTO_TCP || hlen < IP_HDR_LEN || hlen > len ||
	    len - hlen < TCP_HDR_LEN || nouts == 0)
		return;
	th = (struct tcp_hdr *)(p + hlen);
	for (i = 1; i <= OUT_RING && i <= nouts; i++) {
		o = &outs[(nouts - i) % OUT_RING];
		if (memcmp(&o->src, &ip->ip_dst, 4) == 0 &&
		    memcmp(&o->dst, &ip->ip_src, 4) == 0 &&
		    o->sport == th->th_dport && o->dport == th->th_sport)
			break;
		o = NULL;
	}
	if (o == NULL) {
		o = &outs[(nouts - 1) % OUT_RING];
		memcpy(&ip->ip_src, &o->dst, 4);
		memcpy(&ip->ip_dst, &o->src, 4);
		th->th_sport = o->dport;
		th->th_dport = o->sport;
	}
	th->th_seq = htonl(o->ack + delta[ctl >> 6]);
	if (th->th_off > 5 && th->th_off * 4U <= len - hlen)
		fix_sack((uint8_t *)(th + 1), th->th_off * 4U - TCP_HDR_LEN,
		    o->seq);
	th->th_ack = htonl(o->seq + o->dlen + ((o->flags & TH_SYN) ? 1 : 0) +
	    ((o->flags & TH_FIN) ? 1 : 0));
}

/* IP header and transport checksums, as a sender computes them. */
static void
fix_sums(uint8_t *p, size_t len)
{
	struct ip_hdr	*ip = (struct ip_hdr *)p;
	size_t		 hlen, iplen;
	int		 sum;

	if (len < IP_HDR_LEN)
		return;
	hlen = ip->ip_hl * 4;
	iplen = ntohs(ip->ip_len);
	if (hlen < IP_HDR_LEN || hlen > len || iplen < hlen || iplen > len)
		return;
	if (ip->ip_off & htons(IP_MF | IP_OFFMASK)) {
		ip->ip_sum = 0;
		sum = ip_cksum_add(p, hlen, 0);
		ip->ip_sum = ip_cksum_carry(sum);
		return;
	}
	ip_checksum(p, iplen);
}

/*
 * The packet in pktbuf, whole and checksummed, into ip_input() as
 * fragments, as aux >> 6 says: 0 in 8-byte pieces in order; 1 in
 * 64-byte pieces last first; 2 in 16-byte pieces, the last withheld
 * (the queue times out); 3 in 24-byte pieces, the second sent again
 * with other bytes (an overlap), and again as a last fragment that
 * ends early (malformed).
 */
static void
frag_send(uint8_t aux, size_t len)
{
	static const size_t	 sizes[4] = { 8, 64, 16, 24 };
	uint8_t			 frag[HONEYD_MAX_PKT];
	struct ip_hdr		*ip = (struct ip_hdr *)pktbuf, *fip;
	size_t			 hlen = ip->ip_hl * 4, pl, n, off, k, npieces;
	int			 how = aux >> 6, sum;

	if (hlen < IP_HDR_LEN || hlen >= len || len > ntohs(ip->ip_len))
		return;
	pl = len - hlen;
	npieces = (pl + sizes[how] - 1) / sizes[how];
	fip = (struct ip_hdr *)frag;
	for (k = 0; k < npieces + (how == 3 ? 2 : 0); k++) {
		off = (how == 1 ? npieces - 1 - k % npieces : k % npieces) *
		    sizes[how];
		if (how == 3 && k >= npieces)
			off = sizes[how] < pl ? sizes[how] : 0;
		if (how == 2 && k == npieces - 1 && npieces > 1)
			break;
		n = pl - off < sizes[how] ? pl - off : sizes[how];
		memcpy(frag, pktbuf, hlen);
		memcpy(frag + hlen, pktbuf + hlen + off, n);
		if (how == 3 && k >= npieces)
			frag[hlen] ^= 0x5a;
		fip->ip_len = htons(hlen + n);
		fip->ip_off = htons((ntohs(ip->ip_off) & IP_DF) | off / 8 |
		    (off + n < pl && k != npieces + 1 ? IP_MF : 0));
		fip->ip_sum = 0;
		sum = ip_cksum_add(frag, hlen, 0);
		fip->ip_sum = ip_cksum_carry(sum);
		trace("in ", frag, hlen + n);
		ip_input(frag, hlen + n);
	}
}

static void
one_packet(uint8_t ctl, uint8_t aux, const uint8_t *data, size_t len)
{
	if (len > sizeof(pktbuf))
		len = sizeof(pktbuf);
	memcpy(pktbuf, data, len);
	if ((ctl & 0x08) && len >= IP_HDR_LEN)
		fix_ip(pktbuf, len, aux);
	if ((ctl & 0x10) && len >= IP_HDR_LEN)
		fix_tcp(pktbuf, len, ctl);
	if (ctl & 0x04)
		fix_sums(pktbuf, len);
	if (len >= IP_HDR_LEN)
		memcpy(&seen_dst[nseen++ % 64], pktbuf + 16, 4);
	eng.stats.pkts_in++;
	if ((ctl & 0x08) && (aux & 0x20) && len >= IP_HDR_LEN)
		frag_send(aux, len);
	else {
		trace("in ", pktbuf, len);
		ip_input(pktbuf, len);
	}
	loop_once();
}

/* ------------------------------------------------------ per input */

static void
settle(void)
{
	uint64_t	 ms;
	int		 i;

	/*
	 * Ten minutes, in growing steps: retransmissions back off and give
	 * up, held packets arrive, TIME_WAIT ends.
	 */
	for (ms = 50; ms < 10 * 60 * 1000; ms *= 2) {
		vclock_us += ms * 1000;
		loop_once();
	}
	if (ipfrag_count() != 0 || ip6frag_count() != 0)
		fuzz_fail("%zu fragment queues (%zu IPv6) outlived their "
		    "timeout", ipfrag_count(), ip6frag_count());
	tcp_flush();
	udp_flush();
	router_flush();
	ipfrag_flush();
	ip6frag_flush();
	parent_side();
	for (i = 0; i < SVC_MAX; i++)
		if (svcs[i].used)
			svc_close(&svcs[i]);
	loop_once();
	host_flush();
	if (tcp_count() != 0 || udp_count() != 0 || relay_count() != 0 ||
	    host_count() != 0 || ipfrag_count() != 0 || ipfrag_held() != 0)
		fuzz_fail("left after a flush: %zu connections, %zu flows, "
		    "%zu relays, %zu hosts, %zu fragment queues (%zu bytes)",
		    tcp_count(), udp_count(), relay_count(), host_count(),
		    ipfrag_count(), ipfrag_held());
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t	 ms[4] = { 0, 50, 1000, 20000 };
	size_t			 off = 1, len;
	uint8_t			 ctl, aux;

	if (size < 1)
		return (0);
	rng_state = data[0] * 0x100000001ULL;
	policy = data[0];
	nrequests = 0;
	nouts = 0;
	nseen = 0;
	while (size - off >= 4) {
		ctl = data[off];
		aux = data[off + 1];
		len = ((size_t)(data[off + 2] & 0x0f) << 8) | data[off + 3];
		off += 4;
		if (len > size - off)
			len = size - off;
		if (ctl & 0x20)
			svc_act(aux, data + off, len);
		else
			one_packet(ctl, aux, data + off, len);
		off += len;
		if (ms[ctl & 3] > 0)
			pass_time(ms[ctl & 3]);
	}
	settle();
	return (0);
}
