/*
 * Parent: packet capture.  One libpcap handle per interface in
 * immediate mode (no buffering delay), inbound only, filtered to ARP
 * and the claimed networks (and DHCP servers' answers where DHCP
 * clients run, and what "bind A to IFACE" machines send there).
 * Each readable event drains a batch of frames; IPv4 frames go to the
 * engine in one IMSG_PKT_IN_BATCH per read (framebatch.c; FRAME_IN, or
 * FRAME_EXT for a bound machine's packets to the outside, extbind.c),
 * DHCP answers to lease.c, ARP to arp.c.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dumbnet.h>
#include <pcap.h>

#include "honeyd.h"

#define CAPTURE_SNAPLEN		(ETH_HDR_LEN + HONEYD_MAX_PKT)
/*
 * The kernel's ring for the capture.  In immediate mode libpcap uses
 * TPACKET_V2, one slot per frame sized for the MTU (2 kB with offloads
 * off), and the whole ring is resident from the start: 4 MB are about
 * 2,600 slots in 5 MB of memory, 10 ms of a flood the parent cannot
 * keep up with; a ring the parent keeps up with stays nearly empty.
 */
#define CAPTURE_BUFSIZE		(4 * 1024 * 1024)
/*
 * Why not TPACKET_V3, whose ring the kernel hands over a block of
 * frames at a time (what libpcap uses outside immediate mode): the
 * kernel wakes the reader only when a block is full or its timeout
 * (1 ms at least) expires, so a lone frame waits for the timeout.
 * Measured on Linux 6.18 with a 1 ms timeout, the median round trip of
 * a single ping went from some 60 us to 880 us, for any load, and the
 * reads here already take up to CAPTURE_BATCH frames each.  Batching
 * under load is the pause below, which leaves a lone frame alone.
 */
#define CAPTURE_BATCH		512	/* frames per event, for fairness */
/*
 * Under load the parent pauses between reads (interrupt moderation):
 * woken for every frame, the parent and then the engine spend most of
 * an answer's cost going to sleep and waking up again (at 50,000 pings
 * a second, 11 us of CPU an answer against 3 with the pause).  Once
 * CAPTURE_BUSY frames have come within CAPTURE_BUSY_WINDOW, however
 * many reads took them (8,000 frames a second), frames arrive faster
 * than the parent should wake for them: it then reads again only after
 * a pause, when a batch has gathered in the kernel's ring.  While the
 * reads a pause apart find frames at that rate it keeps pausing; a
 * read that finds fewer ends it.  A full batch is followed by the next
 * read at once, so the pause never caps the rate.
 *
 * Each pause is as long as CAPTURE_GOAL frames take at the rate the
 * last read saw, within CAPTURE_PAUSE_MIN and "option capture pause"
 * microseconds (adaptive moderation, as network cards do): a batch
 * pays three wake-ups (the parent's, the engine's, the parent's again
 * for the answers), so the goal bounds their cost an answer, and a
 * faster flood is paused for less.  At the default 1000 us, 50,000
 * frames a second are read 50 at a time, 150,000 a second 64 at a time
 * every 430 us (64 of the ring's 2,600 slots).  Against a fixed 500 us
 * it saves 0.7 us of CPU an answer at 50,000 a second and doubles the
 * delay under that load (the median, 310 to 620 us).
 *
 * So a lone frame (a ping, a probe, a handshake) is read at once: the
 * pause delays only traffic of some 8,000 frames a second or more, by
 * at most the pause, which a careful attacker can time (honeyd.conf.5).
 * The pause has a timerfd of its own, armed only while pausing:
 * libevent's timers are whole milliseconds unless its loop takes a
 * timerfd, which it then sets before every wait.
 */
#define CAPTURE_BUSY		4
#define CAPTURE_BUSY_WINDOW	500	/* microseconds */
#define CAPTURE_GOAL		64	/* frames a paused read should find */
#define CAPTURE_PAUSE_MIN	50	/* microseconds */

struct capture_moderation {
	struct event	*resume_ev;	/* on tfd; NULL: neither is open */
	int		 tfd;
	int64_t		 since;		/* the frames counted since, us */
	int		 frames;
	int64_t		 last_read;	/* the read before this pause, us */
};

static int		 capture_pause;	/* microseconds, 0: none */
static struct capture_moderation capture_mod[HONEYD_MAX_IFACES];

static void	 capture_frame(u_char *, const struct pcap_pkthdr *,
		    const u_char *);
static void	 capture_ip(struct iface *, const uint8_t *, size_t);
static void	 capture_ip6(struct iface *, const uint8_t *, size_t);
static void	 capture_read(int, short, void *);
static void	 capture_resume(int, short, void *);
static int	 capture_moderation_open(struct iface *);
static void	 capture_moderation_close(struct iface *);

/*
 * libpcap drops outgoing frames only after the kernel has run them
 * through the filter and copied them into the ring: every frame we
 * send would cost a second time.  The kernel can skip them (Linux
 * 4.20); on an older one the direction filter still does the job.
 */
static void
capture_ignore_outgoing(struct iface *ifp, pcap_t *p)
{
#ifdef PACKET_IGNORE_OUTGOING
	int	 one = 1;

	if (setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_IGNORE_OUTGOING,
	    &one, sizeof(one)) == -1)
		log_debug("%s: PACKET_IGNORE_OUTGOING: %s", ifp->name,
		    strerror(errno));
#endif
}

int
capture_open(struct iface *ifp, const char *filter)
{
	char	 errbuf[PCAP_ERRBUF_SIZE];
	pcap_t	*p;

	if ((p = pcap_create(ifp->name, errbuf)) == NULL) {
		log_warnx("pcap_create %s: %s", ifp->name, errbuf);
		return (-1);
	}
	/* Promiscuous: frames may be addressed to a template's own MAC. */
	if (pcap_set_snaplen(p, CAPTURE_SNAPLEN) != 0 ||
	    pcap_set_promisc(p, 1) != 0 ||
	    pcap_set_immediate_mode(p, 1) != 0 ||
	    pcap_set_buffer_size(p, CAPTURE_BUFSIZE) != 0 ||
	    pcap_activate(p) < 0) {
		log_warnx("pcap %s: %s", ifp->name, pcap_geterr(p));
		goto fail;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		log_warnx("%s: not an Ethernet interface", ifp->name);
		goto fail;
	}
	/* Our own frames must not come back to us. */
	if (pcap_setdirection(p, PCAP_D_IN) != 0) {
		log_warnx("pcap_setdirection %s: %s", ifp->name,
		    pcap_geterr(p));
		goto fail;
	}
	capture_ignore_outgoing(ifp, p);
	if (pcap_setnonblock(p, 1, errbuf) != 0) {
		log_warnx("pcap_setnonblock %s: %s", ifp->name, errbuf);
		goto fail;
	}
	ifp->pcap = p;
	if (capture_setfilter(ifp, filter) == -1)
		goto fail;
	ifp->ev = event_new(parent->base, pcap_get_selectable_fd(p),
	    EV_READ | EV_PERSIST, capture_read, ifp);
	if (ifp->ev == NULL || event_add(ifp->ev, NULL) == -1) {
		log_warnx("%s: cannot add capture event", ifp->name);
		goto fail;
	}
	if (capture_moderation_open(ifp) == -1)
		log_warn("%s: no capture pause", ifp->name);
	return (0);
 fail:
	if (ifp->ev != NULL)
		event_free(ifp->ev);
	ifp->ev = NULL;
	pcap_close(p);
	ifp->pcap = NULL;
	return (-1);
}

/*
 * With DHCP clients on the interface, the servers' answers too: they
 * go to addresses not claimed yet, or to everyone.
 */
static char *
capture_filter_dhcp(const struct iface *ifp, const char *filter)
{
	char	*s;

	if (!lease_on(ifp))
		return (strdup(filter));
	if (asprintf(&s, "(%s) or (udp and src port %d and dst port %d)",
	    filter, DHCP_SERVER_PORT, DHCP_CLIENT_PORT) == -1)
		return (NULL);
	return (s);
}

int
capture_setfilter(struct iface *ifp, const char *claimed)
{
	struct bpf_program	 prog;
	char			*filter, *f;
	int			 rv = -1;

	if ((f = capture_filter_dhcp(ifp, claimed)) == NULL) {
		log_warn("pcap filter");
		return (-1);
	}
	filter = extbind_filter(ifp, f);
	free(f);
	if (filter == NULL) {
		log_warn("pcap filter");
		return (-1);
	}
	if (pcap_compile(ifp->pcap, &prog, filter, 1,
	    PCAP_NETMASK_UNKNOWN) != 0) {
		log_warnx("pcap filter \"%s\": %s", filter,
		    pcap_geterr(ifp->pcap));
		goto done;
	}
	if (pcap_setfilter(ifp->pcap, &prog) != 0) {
		log_warnx("pcap_setfilter %s: %s", ifp->name,
		    pcap_geterr(ifp->pcap));
		pcap_freecode(&prog);
		goto done;
	}
	pcap_freecode(&prog);
	log_debug("%s: capture filter %s", ifp->name, filter);
	rv = 0;
 done:
	free(filter);
	return (rv);
}

void
capture_close(struct iface *ifp)
{
	capture_moderation_close(ifp);
	if (ifp->ev != NULL)
		event_free(ifp->ev);
	if (ifp->pcap != NULL)
		pcap_close(ifp->pcap);
	ifp->ev = NULL;
	ifp->pcap = NULL;
}

/*
 * Install "option capture pause N" and "option capture bypass 0|1"
 * (wire.c: our frames around the qdisc), checked by the parser.
 */
void
capture_config(const struct honeyd_config *conf)
{
	capture_pause = conf->opts.capture_pause;
	wire_bypass(conf->opts.capture_bypass);
}

/* The pause's timer, armed only while pausing (see CAPTURE_BUSY). */
static int
capture_moderation_open(struct iface *ifp)
{
	struct capture_moderation	*m = &capture_mod[ifp->index];

	if (m->resume_ev != NULL)
		return (0);
	if ((m->tfd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		return (-1);
	if ((m->resume_ev = event_new(parent->base, m->tfd,
	    EV_READ | EV_PERSIST, capture_resume, ifp)) == NULL ||
	    event_add(m->resume_ev, NULL) == -1) {
		if (m->resume_ev != NULL)
			event_free(m->resume_ev);
		m->resume_ev = NULL;
		close(m->tfd);
		errno = ENOMEM;
		return (-1);
	}
	m->since = 0;
	m->frames = 0;
	return (0);
}

static void
capture_moderation_close(struct iface *ifp)
{
	struct capture_moderation	*m = &capture_mod[ifp->index];

	if (m->resume_ev == NULL)
		return;
	event_free(m->resume_ev);
	close(m->tfd);
	m->resume_ev = NULL;
}

/*
 * Microseconds of the monotonic clock, read once a batch through the
 * vDSO: the loop's cached clock is coarse (a tick, 4 ms here).
 */
static int64_t
capture_clock_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/*
 * Whether a read that took n frames should be followed by a first
 * pause: CAPTURE_BUSY frames within CAPTURE_BUSY_WINDOW, counted over
 * as many reads as took them.
 */
static int
capture_busy(struct iface *ifp, int n)
{
	struct capture_moderation	*m = &capture_mod[ifp->index];
	int64_t				 now;

	if (capture_pause == 0 || m->resume_ev == NULL || n <= 0 ||
	    n >= CAPTURE_BATCH)
		return (0);
	now = capture_clock_us();
	if (now - m->since >= CAPTURE_BUSY_WINDOW) {
		m->since = now;
		m->frames = 0;
	}
	m->frames += n;
	if (m->frames < CAPTURE_BUSY)
		return (0);
	m->last_read = now;
	return (1);
}

/*
 * The pause after a read that found n frames come in us microseconds:
 * CAPTURE_GOAL frames at their rate, within CAPTURE_PAUSE_MIN and
 * longest; 0 when they come slower than CAPTURE_BUSY a
 * CAPTURE_BUSY_WINDOW (pausing ends) or fill a batch (read at once).
 */
int
capture_pause_next(int n, int64_t us, int longest)
{
	int64_t	next;

	if (longest <= 0 || n <= 0 || n >= CAPTURE_BATCH || us < 0 ||
	    (int64_t)n * CAPTURE_BUSY_WINDOW < CAPTURE_BUSY * us)
		return (0);
	next = us * CAPTURE_GOAL / n;
	if (next < CAPTURE_PAUSE_MIN)
		next = CAPTURE_PAUSE_MIN;
	return (next < longest ? (int)next : longest);
}

/* A read after a pause took n frames: the next pause, 0 for none. */
static int
capture_pause_after(struct iface *ifp, int n)
{
	struct capture_moderation	*m = &capture_mod[ifp->index];
	int64_t				 now, us;

	now = capture_clock_us();
	us = now - m->last_read;
	m->last_read = now;
	return (capture_pause_next(n, us, capture_pause));
}

/* Arm (or, with 0, disarm) the pause's timer; either clears its expiry. */
static int
capture_timer_set(struct capture_moderation *m, int usec)
{
	struct itimerspec	 its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = (long)usec * 1000;
	return (timerfd_settime(m->tfd, 0, &its, NULL));
}

/* A pause of usec begins: its timer armed and counted, or -1 (logged). */
static int
capture_pause_arm(struct iface *ifp, int usec)
{
	if (capture_timer_set(&capture_mod[ifp->index], usec) == -1) {
		log_warn("%s: capture pause", ifp->name);
		return (-1);
	}
	parent->stats.capture_pauses++;
	return (0);
}

/*
 * Stop reading for a first pause, the longest (the rate is not known
 * yet); the timerfd brings capture_resume().
 */
static void
capture_pause_start(struct iface *ifp)
{
	if (event_del(ifp->ev) == -1)
		return;
	if (capture_pause_arm(ifp, capture_pause) == -1)
		event_add(ifp->ev, NULL);
}

/* Drain a batch, push it to the engines in one write each; the frames. */
static int
capture_drain(struct iface *ifp)
{
	struct imsgev	*iev;
	int		 n, i;

	if ((n = pcap_dispatch(ifp->pcap, CAPTURE_BATCH, capture_frame,
	    (u_char *)ifp)) == PCAP_ERROR)
		log_warnx("pcap_dispatch %s: %s", ifp->name,
		    pcap_geterr(ifp->pcap));
	for (i = 0; i < parent->nengines; i++) {
		if ((iev = parent->engines[i]) == NULL)
			continue;
		if (framebatch_flush(&iev->ibuf) == -1)
			parent->stats.frames_engine_drop +=
			    framebatch_dropped();
		if (imsgbuf_queuelen(&iev->ibuf) > 0 &&
		    imsgbuf_write(&iev->ibuf) == -1)
			log_warn("write to engine %d", i);
		imsgev_add(iev);
	}
	return (n);
}

/* Frames are readable: take them, and pause if they come fast. */
static void
capture_read(int fd, short event, void *arg)
{
	struct iface	*ifp = arg;

	if (capture_busy(ifp, capture_drain(ifp)))
		capture_pause_start(ifp);
}

/*
 * The pause is over: read what gathered.  Still busy, the next pause
 * starts at once, the capture event left out of the loop (two
 * epoll_ctl calls a pause saved); otherwise wait for frames again.
 * Setting the timer, armed or not, clears its expiry: no read(2).
 */
static void
capture_resume(int fd, short event, void *arg)
{
	struct iface			*ifp = arg;
	struct capture_moderation	*m = &capture_mod[ifp->index];
	int				 pause;

	if (ifp->ev == NULL) {
		capture_timer_set(m, 0);
		return;
	}
	pause = capture_pause_after(ifp, capture_drain(ifp));
	if (pause > 0 && capture_pause_arm(ifp, pause) == 0)
		return;
	if (capture_timer_set(m, 0) == -1)
		log_warn("%s: capture pause", ifp->name);
	if (event_add(ifp->ev, NULL) == -1)
		log_warnx("%s: cannot add capture event", ifp->name);
}

static void
capture_frame(u_char *arg, const struct pcap_pkthdr *hdr, const u_char *frame)
{
	struct iface		*ifp = (struct iface *)arg;
	const struct eth_hdr	*eth = (const struct eth_hdr *)frame;

	parent->stats.frames_in++;
	if (hdr->caplen < ETH_HDR_LEN || hdr->caplen < hdr->len) {
		parent->stats.frames_short++;
		return;
	}
	switch (ntohs(eth->eth_type)) {
	case ETH_TYPE_IP:
		capture_ip(ifp, frame, hdr->caplen);
		break;
	case ETH_TYPE_ARP:
		arp_input(ifp, frame, hdr->caplen);
		break;
	case ETH_TYPE_IPV6:
		capture_ip6(ifp, frame, hdr->caplen);
		break;
	default:
		parent->stats.frames_other++;
		break;
	}
}

/*
 * Capture is promiscuous, so it sees frames meant for other machines
 * on the segment: a frame is ours if it is addressed to the interface,
 * to the destination host's own MAC (ether.c), or to a group.  One to
 * another machine's MAC is not, whatever its IP destination.
 */
static int
capture_for_us(struct iface *ifp, const struct eth_hdr *eth, uint32_t dst)
{
	uint8_t	 own[ETH_ADDR_LEN];

	if ((eth->eth_dst.data[0] & 1) ||
	    memcmp(eth->eth_dst.data, ifp->mac, ETH_ADDR_LEN) == 0)
		return (1);
	return (ether_host_mac(ifp, dst, own) &&
	    memcmp(eth->eth_dst.data, own, ETH_ADDR_LEN) == 0);
}

/*
 * A frame from a "bind A to IFACE" machine on its interface, unicast
 * to us (the interface, or the router that links it), to an address
 * not claimed: the engine routes it out.  0 if it is none.
 */
static int
capture_ext(struct iface *ifp, const struct eth_hdr *eth, uint32_t src,
    const uint8_t *pkt, size_t len)
{
	if (!extbind_on(ifp, src) || (eth->eth_dst.data[0] & 1) ||
	    !capture_for_us(ifp, eth, extbind_gateway(src)))
		return (0);
	wire_learn(ifp, src, eth->eth_src.data);
	if (parent->engine == NULL) {
		parent->stats.frames_no_engine++;
		return (1);
	}
	if (framebatch_add(&parent->engine->ibuf, IMSG_PKT_IN_BATCH,
	    FRAME_EXT, ifp->index, pkt, len) == -1)
		parent->stats.frames_engine_drop += framebatch_dropped();
	parent->stats.frames_extbind++;
	return (1);
}

/*
 * The parent looks only at the addresses: everything else about the
 * packet is the engine's business.  The source MAC is remembered as
 * the way back to the sender.
 */
static void
capture_ip(struct iface *ifp, const uint8_t *frame, size_t len)
{
	const struct eth_hdr	*eth = (const struct eth_hdr *)frame;
	const struct ip_hdr	*ip;
	struct imsgev		*iev;
	uint32_t		 src, dst;

	if (len < ETH_HDR_LEN + IP_HDR_LEN) {
		parent->stats.frames_short++;
		return;
	}
	/* A DHCP server's answer to a client is the client's (lease.c). */
	if (lease_input(ifp, frame, len))
		return;
	ip = (const struct ip_hdr *)(frame + ETH_HDR_LEN);
	memcpy(&src, &ip->ip_src, sizeof(src));
	memcpy(&dst, &ip->ip_dst, sizeof(dst));
	if (!claim_contains(&parent->claimed, ntohl(dst))) {
		if (!capture_ext(ifp, eth, ntohl(src), frame + ETH_HDR_LEN,
		    len - ETH_HDR_LEN))
			parent->stats.frames_other++;
		return;
	}
	if (!capture_for_us(ifp, eth, ntohl(dst))) {
		parent->stats.frames_other++;
		return;
	}
	wire_learn(ifp, ntohl(src), eth->eth_src.data);
	/* Between an engine's death and its successor: counted, not kept. */
	if ((iev = engine_for_addr(ntohl(dst))) == NULL) {
		parent->stats.frames_no_engine++;
		return;
	}
	if (framebatch_add(&iev->ibuf, IMSG_PKT_IN_BATCH, FRAME_IN,
	    ifp->index, frame + ETH_HDR_LEN, len - ETH_HDR_LEN) == -1)
		parent->stats.frames_engine_drop += framebatch_dropped();
	parent->stats.frames_ip++;
}

/*
 * IPv6: Neighbor Discovery is the parent's (ndp.c); a packet to a
 * claimed address, in a frame to us, goes to the engine as IPv4 does.
 */
static void
capture_ip6(struct iface *ifp, const uint8_t *frame, size_t len)
{
	const struct eth_hdr	*eth = (const struct eth_hdr *)frame;
	struct in6_addr		 src, dst;
	uint8_t			 own[ETH_ADDR_LEN];
	struct imsgev		*iev;

	if (len < ETH_HDR_LEN + IP6_HDR_LEN) {
		parent->stats.frames_short++;
		return;
	}
	if (ndp_input(ifp, frame, len))
		return;
	memcpy(&src, frame + ETH_HDR_LEN + 8, sizeof(src));
	memcpy(&dst, frame + ETH_HDR_LEN + 24, sizeof(dst));
	if (!claim6_contains(&parent->claimed, &dst) ||
	    (!(eth->eth_dst.data[0] & 1) &&
	    memcmp(eth->eth_dst.data, ifp->mac, ETH_ADDR_LEN) != 0 &&
	    (!ndp_host_mac(&dst, own) ||
	    memcmp(eth->eth_dst.data, own, ETH_ADDR_LEN) != 0))) {
		parent->stats.frames_other++;
		return;
	}
	ndp_learn(ifp, &src, eth->eth_src.data);
	/* Its host's engine (a topology's: engine 0, engine_for_addr6()). */
	if ((iev = engine_for_addr6(&dst)) == NULL) {
		parent->stats.frames_no_engine++;
		return;
	}
	if (framebatch_add(&iev->ibuf, IMSG_PKT_IN_BATCH, FRAME_IN,
	    ifp->index, frame + ETH_HDR_LEN, len - ETH_HDR_LEN) == -1)
		parent->stats.frames_engine_drop += framebatch_dropped();
	parent->stats.frames_ip6++;
}
