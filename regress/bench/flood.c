/*
 * flood: a load generator for honeyd's benchmark.
 *
 * From the attacker's side of the testbed it puts TCP SYNs or ICMP echo
 * requests on an Ethernet interface through a raw packet socket, at a
 * given rate or as fast as it can, and counts the answers (SYN+ACK, RST,
 * echo reply) that come back on the same interface.  Every probe carries
 * its own number (the TCP sequence number, or the echo payload), so each
 * answer is matched to exactly one probe and retransmissions count once.
 *
 *	flood -i IF -g MAC -s SRC -d DST [-m syn|ping] [-p PORT] [-r PPS]
 *	      [-n COUNT] [-t SECS] [-w MSEC] [-a NSRC] [-c NDST] [-L N] [-T]
 *
 *	-i IF	interface to send on and listen to
 *	-g MAC	next hop's Ethernet address
 *	-M MAC	source Ethernet address (the interface's); answers are
 *		taken whatever their destination address
 *	-s SRC	first source address; -a NSRC of them are cycled (1)
 *	-d DST	first destination; -c NDST of them are cycled (1)
 *	-m	syn (default), ping, or connect: SYNs whose SYN+ACKs are
 *		acknowledged, so that each answered probe leaves an
 *		established connection (to hold many at once)
 *	-p PORT	TCP destination port (80)
 *	-r PPS	packets per second, 0 for as fast as possible (0)
 *	-n	at most COUNT probes (1000000)
 *	-t	for at most SECS seconds of sending (3)
 *	-w	wait MSEC for late answers after the last probe (500)
 *	-L N	latency mode: N probes, one at a time, each waiting for its
 *		answer (at most -w MSEC), -G USEC apart on average (2000):
 *		each gap is drawn between half and one and a half times
 *		that, so that probes do not fall into step with anything
 *		periodic in the stack measured (a capture pause, a timer)
 *	-P N	pass mode, without a network: N round trips of one byte
 *		between this process and a child over a socketpair, -G
 *		USEC apart as for -L.  What a reply that crosses two
 *		sleeping processes costs at least on this machine, as
 *		honeyd's crosses its parent and engine
 *	-T	send through a PACKET_TX_RING (one send(2) a batch) instead
 *		of sendmmsg(2): gen_cpu_us / sent compares the two ways a
 *		packet socket sends, as honeyd's parent might.  Not with
 *		-L or -m connect: a socket with a TX ring sends only from it
 *
 * One line of key=value pairs is printed at the end.  Everything is
 * bounded by count and time.  The answers to the (made-up) sources
 * must come back to this interface: the caller routes them here.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH		64		/* frames per sendmmsg/recvmmsg */
#define FRAME_MAX	128
#define MAX_COUNT	50000000UL
#define MAX_SECS	60
#define MAX_WAIT_MS	10000
#define MAX_SAMPLES	100000
#define PING_MAGIC	0x686e7964U	/* "hnyd" */
#define SPORT_BASE	1024
#define SPORT_SPAN	64000
/* The -T ring: 256 slots of 2 kB, as a sender of small frames would. */
#define RING_BLOCK	65536
#define RING_BLOCKS	8
#define RING_SLOT	2048
#define RING_SLOTS	(RING_BLOCK / RING_SLOT * RING_BLOCKS)
#define RING_DATA	TPACKET_ALIGN(sizeof(struct tpacket2_hdr))

enum mode {
	MODE_SYN,
	MODE_PING,
	MODE_CONNECT,		/* SYN, then ACK the SYN+ACK */
};

struct flood {
	enum mode	 mode;
	int		 sock;		/* sending */
	int		 rsock;		/* receiving */
	int		 ifindex;
	uint8_t		 mac[ETH_ALEN], gw[ETH_ALEN];
	uint32_t	 src, dst;	/* host order */
	uint32_t	 nsrc, ndst;
	uint16_t	 port, echo_id;
	uint32_t	 seq_base;
	uint32_t	 sport_off;	/* runs differ: no stale state hits */
	double		 rate;
	unsigned long	 count;
	double		 secs;
	int		 wait_ms;
	int		 samples, gap_us;
	uint8_t		*ring;		/* -T: the TX ring, else NULL */
	unsigned int	 ring_head;

	/* Results. */
	unsigned long	 sent, answered, dups, synack, rst, echo;
	unsigned long	 send_errors;
	unsigned long	 acked;		/* ACKs sent (connect) */
	uint8_t		*seen;		/* one bit per probe */
	double		 elapsed;
};

static uint16_t
cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

static uint32_t
cksum_add(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t	*p = buf;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return (sum);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static uint32_t
probe_src(const struct flood *f, unsigned long i)
{
	return (f->src + i % f->nsrc);
}

static uint32_t
probe_dst(const struct flood *f, unsigned long i)
{
	return (f->dst + i % f->ndst);
}

static uint16_t
probe_sport(const struct flood *f, unsigned long i)
{
	return (SPORT_BASE + (i / f->nsrc + f->sport_off) % SPORT_SPAN);
}

/* Build probe number i into frame; returns its length. */
static size_t
build_probe(const struct flood *f, unsigned long i, uint8_t *frame)
{
	struct ether_header	*eh = (struct ether_header *)frame;
	struct iphdr		*ip = (struct iphdr *)(eh + 1);
	uint8_t			*l4 = (uint8_t *)(ip + 1);
	size_t			 l4len;
	uint32_t		 sum, v;

	memcpy(eh->ether_dhost, f->gw, ETH_ALEN);
	memcpy(eh->ether_shost, f->mac, ETH_ALEN);
	eh->ether_type = htons(ETHERTYPE_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->id = htons((uint16_t)i);
	ip->saddr = htonl(probe_src(f, i));
	ip->daddr = htonl(probe_dst(f, i));
	if (f->mode != MODE_PING) {
		struct tcphdr	*th = (struct tcphdr *)l4;
		uint8_t		*opt = (uint8_t *)(th + 1);

		l4len = sizeof(*th) + 4;
		memset(th, 0, l4len);
		th->source = htons(probe_sport(f, i));
		th->dest = htons(f->port);
		th->seq = htonl(f->seq_base + (uint32_t)i);
		th->doff = l4len / 4;
		th->syn = 1;
		th->window = htons(64240);
		opt[0] = TCPOPT_MAXSEG;		/* MSS 1460 */
		opt[1] = 4;
		opt[2] = 1460 >> 8;
		opt[3] = 1460 & 0xff;
		ip->protocol = IPPROTO_TCP;
		sum = cksum_add(&ip->saddr, 8, IPPROTO_TCP + l4len);
		th->check = htons(cksum_fold(cksum_add(th, l4len, sum)));
	} else {
		struct icmphdr	*ic = (struct icmphdr *)l4;
		uint8_t		*data = (uint8_t *)(ic + 1);

		l4len = sizeof(*ic) + 8;
		memset(ic, 0, l4len);
		ic->type = ICMP_ECHO;
		ic->un.echo.id = htons(f->echo_id);
		ic->un.echo.sequence = htons((uint16_t)i);
		v = htonl(PING_MAGIC);
		memcpy(data, &v, 4);
		v = htonl((uint32_t)i);
		memcpy(data + 4, &v, 4);
		ip->protocol = IPPROTO_ICMP;
		ic->checksum = htons(cksum_fold(cksum_add(ic, l4len, 0)));
	}
	ip->tot_len = htons(sizeof(*ip) + l4len);
	ip->check = htons(cksum_fold(cksum_add(ip, sizeof(*ip), 0)));
	return (sizeof(*eh) + sizeof(*ip) + l4len);
}

/*
 * The probe number an answer belongs to, or -1 if it is not one of
 * ours: the right addresses, ports and ids, and a number in range.
 */
static long
match_reply(struct flood *f, const uint8_t *frame, size_t len, int *kind)
{
	const struct ether_header	*eh = (const struct ether_header *)frame;
	const struct iphdr		*ip;
	const uint8_t			*l4;
	unsigned long			 i;
	size_t				 hlen;
	uint32_t			 v;

	if (len < sizeof(*eh) + sizeof(*ip) ||
	    ntohs(eh->ether_type) != ETHERTYPE_IP)
		return (-1);
	ip = (const struct iphdr *)(eh + 1);
	hlen = ip->ihl * 4;
	if (ip->version != 4 || hlen < sizeof(*ip) ||
	    len < sizeof(*eh) + hlen + 8)
		return (-1);
	l4 = (const uint8_t *)ip + hlen;
	len -= sizeof(*eh) + hlen;
	v = ntohl(ip->saddr) - f->dst;
	if (v >= f->ndst)
		return (-1);
	if (f->mode != MODE_PING) {
		const struct tcphdr	*th = (const struct tcphdr *)l4;

		if (ip->protocol != IPPROTO_TCP || len < sizeof(*th) ||
		    ntohs(th->source) != f->port || !th->ack)
			return (-1);
		i = (uint32_t)(ntohl(th->ack_seq) - 1 - f->seq_base);
		if (th->rst)
			*kind = 1;
		else if (th->syn)
			*kind = 0;
		else
			return (-1);
		if (i >= f->count || ntohs(th->dest) != probe_sport(f, i))
			return (-1);
	} else {
		const struct icmphdr	*ic = (const struct icmphdr *)l4;

		if (ip->protocol != IPPROTO_ICMP || len < sizeof(*ic) + 8 ||
		    ic->type != ICMP_ECHOREPLY ||
		    ntohs(ic->un.echo.id) != f->echo_id)
			return (-1);
		memcpy(&v, l4 + sizeof(*ic), 4);
		if (ntohl(v) != PING_MAGIC)
			return (-1);
		memcpy(&v, l4 + sizeof(*ic) + 4, 4);
		i = ntohl(v);
		*kind = 2;
		if (i >= f->count)
			return (-1);
	}
	if (ntohl(ip->daddr) != probe_src(f, i) ||
	    ntohl(ip->saddr) != probe_dst(f, i))
		return (-1);
	return ((long)i);
}

/* Count an answer once; returns 1 if it was new. */
static int
account(struct flood *f, const uint8_t *frame, size_t len, long *idx)
{
	int	 kind;
	long	 i;

	if ((i = match_reply(f, frame, len, &kind)) < 0)
		return (0);
	if (f->seen[i / 8] & (1 << (i % 8))) {
		f->dups++;
		return (0);
	}
	f->seen[i / 8] |= 1 << (i % 8);
	f->answered++;
	if (kind == 0)
		f->synack++;
	else if (kind == 1)
		f->rst++;
	else
		f->echo++;
	if (idx != NULL)
		*idx = i;
	return (1);
}

/*
 * The ACK that completes probe i's handshake, whose SYN+ACK is in
 * frame, into out; returns its length.
 */
static size_t
build_ack(const struct flood *f, unsigned long i, const uint8_t *frame,
    uint8_t *out)
{
	const struct iphdr	*rip = (const struct iphdr *)(frame +
				    sizeof(struct ether_header));
	const struct tcphdr	*rth = (const struct tcphdr *)((const uint8_t *)
				    rip + rip->ihl * 4);
	struct ether_header	*eh = (struct ether_header *)out;
	struct iphdr		*ip = (struct iphdr *)(eh + 1);
	struct tcphdr		*th = (struct tcphdr *)(ip + 1);
	uint32_t		 sum;

	build_probe(f, i, out);
	ip->tot_len = htons(sizeof(*ip) + sizeof(*th));
	ip->check = 0;
	ip->check = htons(cksum_fold(cksum_add(ip, sizeof(*ip), 0)));
	th->doff = sizeof(*th) / 4;
	th->syn = 0;
	th->ack = 1;
	th->seq = htonl(f->seq_base + (uint32_t)i + 1);
	th->ack_seq = htonl(ntohl(rth->seq) + 1);
	th->check = 0;
	sum = cksum_add(&ip->saddr, 8, IPPROTO_TCP + sizeof(*th));
	th->check = htons(cksum_fold(cksum_add(th, sizeof(*th), sum)));
	return (sizeof(*eh) + sizeof(*ip) + sizeof(*th));
}

/*
 * Connect mode: acknowledge each SYN+ACK among the n frames, the
 * retransmitted ones too (our ACK may have been lost).
 */
static void
ack_batch(struct flood *f, uint8_t bufs[][2048], struct mmsghdr *in, int n)
{
	static uint8_t	 frames[BATCH][FRAME_MAX];
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov[BATCH];
	int		 i, k = 0, kind;
	long		 idx;

	for (i = 0; i < n; i++) {
		idx = match_reply(f, bufs[i], in[i].msg_len, &kind);
		if (idx < 0 || kind != 0)
			continue;
		iov[k].iov_base = frames[k];
		iov[k].iov_len = build_ack(f, idx, bufs[i], frames[k]);
		memset(&msgs[k].msg_hdr, 0, sizeof(msgs[k].msg_hdr));
		msgs[k].msg_hdr.msg_iov = &iov[k];
		msgs[k].msg_hdr.msg_iovlen = 1;
		k++;
	}
	for (i = 0; i < k; ) {
		int	 r = sendmmsg(f->sock, msgs + i, k - i, 0);

		if (r == -1) {
			if (errno != EINTR && errno != ENOBUFS &&
			    errno != EAGAIN)
				err(2, "sendmmsg");
			if (errno != EINTR) {
				f->send_errors++;
				i++;
			}
			continue;
		}
		i += r;
		f->acked += r;
	}
}

/* Take every answer waiting on the receive socket, without blocking. */
static void
drain(struct flood *f)
{
	static uint8_t	 bufs[BATCH][2048];
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov[BATCH];
	int		 i, n;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(f->rsock, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++)
			account(f, bufs[i], msgs[i].msg_len, NULL);
		if (f->mode == MODE_CONNECT)
			ack_batch(f, bufs, msgs, n);
		if (n < BATCH)
			return;
	}
}

/*
 * Take answers as they come until deadline (monotonic seconds).  A
 * sleep, not a spin: on a small machine the target needs the CPU.
 */
static void
wait_until(struct flood *f, double deadline)
{
	struct pollfd	 pfd;
	struct timespec	 ts;
	double		 left;

	pfd.fd = f->rsock;
	pfd.events = POLLIN;
	while ((left = deadline - now()) > 0) {
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		if (ppoll(&pfd, 1, &ts, NULL) > 0)
			drain(f);
	}
}

/*
 * -T: n probes into the ring's next slots, then one send(2).  A slot
 * the kernel has not given back yet (its frame still on its way) is
 * waited for by a blocking send, which returns once all are out.
 */
static void
send_ring(struct flood *f, unsigned long first, int n)
{
	struct tpacket2_hdr	*h;
	int			 i;

	for (i = 0; i < n; i++) {
		h = (struct tpacket2_hdr *)(f->ring +
		    (size_t)f->ring_head * RING_SLOT);
		if (h->tp_status != TP_STATUS_AVAILABLE &&
		    send(f->sock, NULL, 0, 0) == -1)
			err(2, "send (ring)");
		if (h->tp_status != TP_STATUS_AVAILABLE) {
			f->send_errors++;
			continue;
		}
		h->tp_len = build_probe(f, first + i, (uint8_t *)h + RING_DATA);
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
		    __ATOMIC_RELEASE);
		f->ring_head = (f->ring_head + 1) % RING_SLOTS;
		f->sent++;
	}
	if (send(f->sock, NULL, 0, MSG_DONTWAIT) == -1 && errno != EAGAIN &&
	    errno != ENOBUFS)
		err(2, "send (ring)");
}

static void
send_batch(struct flood *f, unsigned long first, int n)
{
	static uint8_t	 frames[BATCH][FRAME_MAX];
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov[BATCH];
	int		 i, done, r;

	if (f->ring != NULL) {
		send_ring(f, first, n);
		return;
	}
	for (i = 0; i < n; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = build_probe(f, first + i, frames[i]);
		memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	for (done = 0; done < n; ) {
		r = sendmmsg(f->sock, msgs + done, n - done, 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			if (errno != ENOBUFS && errno != EAGAIN)
				err(2, "sendmmsg");
			/* The device refused it: not sent, not counted. */
			f->send_errors++;
			done++;
			continue;
		}
		done += r;
		f->sent += r;
	}
}

/* Send count probes at rate (or flat out) for at most secs. */
static void
run_flood(struct flood *f)
{
	double		 start, end, t, next;
	unsigned long	 i = 0;
	int		 n;

	start = now();
	end = start + f->secs;
	while (i < f->count && (t = now()) < end) {
		n = BATCH;
		if (f->rate > 0) {
			/* How many probes are due by now. */
			next = start + i / f->rate;
			if (next > t) {
				wait_until(f, next < end ? next : end);
				continue;
			}
			if ((t - start) * f->rate - i < n)
				n = (int)((t - start) * f->rate - i) + 1;
		}
		if ((unsigned long)n > f->count - i)
			n = f->count - i;
		send_batch(f, i, n);
		i += n;
		drain(f);
	}
	f->elapsed = now() - start;
	/* Late answers, until all are in or the wait is over. */
	end = now() + f->wait_ms / 1000.0;
	while (f->answered < f->sent && (t = now()) < end)
		wait_until(f, t + 0.01 < end ? t + 0.01 : end);
}

/* The receive timestamp of a frame, from its SCM_TIMESTAMPNS. */
static int
rx_time(struct msghdr *msg, struct timespec *ts)
{
	struct cmsghdr	*c;

	for (c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(ts, CMSG_DATA(c), sizeof(*ts));
			return (0);
		}
	return (-1);
}

/* Wait for the answer to probe i; its round trip in microseconds. */
static double
await_answer(struct flood *f, unsigned long i, const struct timespec *t0)
{
	uint8_t		 buf[2048];
	char		 cbuf[256];
	struct msghdr	 msg;
	struct iovec	 iov;
	struct timespec	 t1;
	struct pollfd	 pfd;
	double		 deadline = now() + f->wait_ms / 1000.0, left;
	ssize_t		 n;
	long		 idx;

	pfd.fd = f->rsock;
	pfd.events = POLLIN;
	while ((left = deadline - now()) > 0) {
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(f->rsock, &msg, MSG_DONTWAIT)) <= 0)
			continue;
		idx = -1;
		if (!account(f, buf, n, &idx) || idx != (long)i)
			continue;
		if (rx_time(&msg, &t1) == -1)
			clock_gettime(CLOCK_REALTIME, &t1);
		return ((t1.tv_sec - t0->tv_sec) * 1e6 +
		    (t1.tv_nsec - t0->tv_nsec) / 1e3);
	}
	return (-1);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* A gap of about us microseconds, drawn as -G says. */
static void
sleep_gap(int us)
{
	struct timespec	 gap;
	long		 t;

	t = us / 2 + arc4random_uniform(us + 1);
	gap.tv_sec = t / 1000000;
	gap.tv_nsec = (t % 1000000) * 1000L;
	nanosleep(&gap, NULL);
}

/* The distribution of n round trips (sorted here), on the line begun. */
static void
print_rtts(double *rtt, int n)
{
	qsort(rtt, n, sizeof(*rtt), dbl_cmp);
	if (n > 0)
		printf(" min_us=%.1f p10_us=%.1f median_us=%.1f p90_us=%.1f "
		    "p99_us=%.1f max_us=%.1f", rtt[0], rtt[n / 10],
		    rtt[n / 2], rtt[n * 9 / 10], rtt[n * 99 / 100],
		    rtt[n - 1]);
	printf("\n");
}

/* One probe at a time; print the distribution of round trips. */
static void
run_latency(struct flood *f)
{
	uint8_t		 frame[FRAME_MAX];
	struct timespec	 t0;
	double		*rtt, r;
	size_t		 len;
	int		 i, n = 0;

	if ((rtt = calloc(f->samples, sizeof(*rtt))) == NULL)
		err(2, "calloc");
	for (i = 0; i < f->samples; i++) {
		len = build_probe(f, i, frame);
		drain(f);
		clock_gettime(CLOCK_REALTIME, &t0);
		if (send(f->sock, frame, len, 0) != (ssize_t)len)
			err(2, "send");
		f->sent++;
		if ((r = await_answer(f, i, &t0)) >= 0)
			rtt[n++] = r;
		sleep_gap(f->gap_us);
	}
	printf("mode=%s latency samples=%d answered=%d", f->mode == MODE_SYN ?
	    "syn" : "ping", f->samples, n);
	print_rtts(rtt, n);
	free(rtt);
}

/* -P: a byte to a child and back, samples times. */
static void
run_pass(int samples, int gap_us)
{
	struct timespec	 t0, t1;
	double		*rtt;
	pid_t		 pid;
	char		 c = 0;
	int		 sv[2], i, n = 0;

	if ((rtt = calloc(samples, sizeof(*rtt))) == NULL)
		err(2, "calloc");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		err(2, "socketpair");
	if ((pid = fork()) == -1)
		err(2, "fork");
	if (pid == 0) {
		close(sv[0]);
		while (read(sv[1], &c, 1) == 1 && write(sv[1], &c, 1) == 1)
			;
		_exit(0);
	}
	close(sv[1]);
	for (i = 0; i < samples; i++) {
		sleep_gap(gap_us);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
			err(2, "pass");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		rtt[n++] = (t1.tv_sec - t0.tv_sec) * 1e6 +
		    (t1.tv_nsec - t0.tv_nsec) / 1e3;
	}
	close(sv[0]);
	waitpid(pid, NULL, 0);
	printf("mode=pass latency samples=%d answered=%d", samples, n);
	print_rtts(rtt, n);
	free(rtt);
}

static void
parse_mac(const char *s, uint8_t *mac)
{
	unsigned int	 b[ETH_ALEN];
	int		 i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
	    &b[5]) != ETH_ALEN)
		errx(2, "bad MAC address: %s", s);
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			errx(2, "bad MAC address: %s", s);
		mac[i] = b[i];
	}
}

static uint32_t
parse_addr(const char *s)
{
	struct in_addr	 a;

	if (inet_pton(AF_INET, s, &a) != 1)
		errx(2, "bad address: %s", s);
	return (ntohl(a.s_addr));
}

static unsigned long
parse_num(const char *s, unsigned long lo, unsigned long hi, const char *what)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi)
		errx(2, "%s: %s not in %lu..%lu", what, s, lo, hi);
	return (v);
}

static void
open_sockets(struct flood *f, const char *ifname)
{
	struct sockaddr_ll	 sll;
	struct ifreq		 ifr;
	int			 one = 1, size = 64 * 1024 * 1024;

	if ((f->sock = socket(AF_PACKET, SOCK_RAW, 0)) == -1 ||
	    (f->rsock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP))) == -1)
		err(2, "packet socket");
	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		errx(2, "interface name too long");
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(f->sock, SIOCGIFINDEX, &ifr) == -1)
		err(2, "%s", ifname);
	f->ifindex = ifr.ifr_ifindex;
	if (ioctl(f->sock, SIOCGIFHWADDR, &ifr) == -1)
		err(2, "%s: hardware address", ifname);
	memcpy(f->mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = f->ifindex;
	sll.sll_protocol = 0;		/* send only */
	if (bind(f->sock, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		err(2, "bind");
	/* Straight to the device: a flood gains nothing from the qdisc. */
	(void)setsockopt(f->sock, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
	    sizeof(one));
	sll.sll_protocol = htons(ETH_P_IP);
	if (bind(f->rsock, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		err(2, "bind");
	if (setsockopt(f->rsock, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1)
		(void)setsockopt(f->rsock, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	(void)setsockopt(f->rsock, SOL_SOCKET, SO_TIMESTAMPNS, &one,
	    sizeof(one));
}

/* -T: a TX ring on the sending socket (TPACKET_V2), mapped. */
static void
open_ring(struct flood *f)
{
	struct tpacket_req	 req;
	int			 v = TPACKET_V2;

	memset(&req, 0, sizeof(req));
	req.tp_block_size = RING_BLOCK;
	req.tp_block_nr = RING_BLOCKS;
	req.tp_frame_size = RING_SLOT;
	req.tp_frame_nr = RING_SLOTS;
	if (setsockopt(f->sock, SOL_PACKET, PACKET_VERSION, &v,
	    sizeof(v)) == -1 ||
	    setsockopt(f->sock, SOL_PACKET, PACKET_TX_RING, &req,
	    sizeof(req)) == -1)
		err(2, "PACKET_TX_RING");
	f->ring = mmap(NULL, (size_t)RING_BLOCK * RING_BLOCKS,
	    PROT_READ | PROT_WRITE, MAP_SHARED, f->sock, 0);
	if (f->ring == MAP_FAILED)
		err(2, "mmap (ring)");
}

/* Our own CPU time in microseconds: the benchmark takes it off. */
static double
cpu_us(void)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return (0);
	return (ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec);
}

/* Answers the receiving socket itself dropped: our loss, not theirs. */
static unsigned int
rx_drops(struct flood *f)
{
	struct tpacket_stats	 st;
	socklen_t		 len = sizeof(st);

	if (getsockopt(f->rsock, SOL_PACKET, PACKET_STATISTICS, &st,
	    &len) == -1)
		return (0);
	return (st.tp_drops);
}

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr, "usage: flood -i iface -g gwmac -s src -d dst "
	    "[-M srcmac] [-m syn|ping|connect] [-p port] [-r pps]\n"
	    "\t[-n count] [-t secs] [-w msec] [-a nsrc] [-c ndst] "
	    "[-L samples] [-G usec] [-T]\n"
	    "       flood -P samples [-G usec]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct flood	 f;
	const char		*ifname = NULL;
	unsigned int		 drops;
	uint8_t			 srcmac[ETH_ALEN];
	int			 ch, havegw = 0, havesrc = 0, pass = 0;
	int			 txring = 0;

	f.mode = MODE_SYN;
	f.port = 80;
	f.count = 1000000;
	f.secs = 3;
	f.wait_ms = 500;
	f.nsrc = f.ndst = 1;
	f.gap_us = 2000;
	while ((ch = getopt(argc, argv, "a:c:d:G:g:i:L:M:m:n:P:p:r:s:Tt:w:")) !=
	    -1) {
		switch (ch) {
		case 'a':
			f.nsrc = parse_num(optarg, 1, 65536, "-a");
			break;
		case 'c':
			f.ndst = parse_num(optarg, 1, 1 << 20, "-c");
			break;
		case 'd':
			f.dst = parse_addr(optarg);
			break;
		case 'G':
			f.gap_us = parse_num(optarg, 0, 1000000, "-G");
			break;
		case 'g':
			parse_mac(optarg, f.gw);
			havegw = 1;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'L':
			f.samples = parse_num(optarg, 1, MAX_SAMPLES, "-L");
			break;
		case 'M':
			parse_mac(optarg, srcmac);
			havesrc = 1;
			break;
		case 'm':
			if (strcmp(optarg, "syn") == 0)
				f.mode = MODE_SYN;
			else if (strcmp(optarg, "ping") == 0)
				f.mode = MODE_PING;
			else if (strcmp(optarg, "connect") == 0)
				f.mode = MODE_CONNECT;
			else
				usage();
			break;
		case 'n':
			f.count = parse_num(optarg, 1, MAX_COUNT, "-n");
			break;
		case 'P':
			pass = parse_num(optarg, 1, MAX_SAMPLES, "-P");
			break;
		case 'p':
			f.port = parse_num(optarg, 1, 65535, "-p");
			break;
		case 'r':
			f.rate = parse_num(optarg, 0, 100000000, "-r");
			break;
		case 's':
			f.src = parse_addr(optarg);
			break;
		case 'T':
			txring = 1;
			break;
		case 't':
			f.secs = parse_num(optarg, 1, MAX_SECS, "-t");
			break;
		case 'w':
			f.wait_ms = parse_num(optarg, 0, MAX_WAIT_MS, "-w");
			break;
		default:
			usage();
		}
	}
	if (pass > 0 && optind == argc) {
		run_pass(pass, f.gap_us);
		return (0);
	}
	if (ifname == NULL || !havegw || f.src == 0 || f.dst == 0 ||
	    optind != argc)
		usage();
	if (txring && (f.samples > 0 || f.mode == MODE_CONNECT))
		usage();
	if (f.samples > 0 && (unsigned long)f.samples > f.count)
		f.count = f.samples;
	if ((f.seen = calloc(f.count / 8 + 1, 1)) == NULL)
		err(2, "calloc");
	f.echo_id = getpid() & 0xffff;
	/*
	 * A stack still holds half-open connections from an earlier run:
	 * the same ports with other sequence numbers would meet them.
	 */
	if (getentropy(&f.seq_base, sizeof(f.seq_base)) == -1 ||
	    getentropy(&f.sport_off, sizeof(f.sport_off)) == -1)
		err(2, "getentropy");
	f.sport_off %= SPORT_SPAN;
	open_sockets(&f, ifname);
	if (txring)
		open_ring(&f);
	if (havesrc)
		memcpy(f.mac, srcmac, ETH_ALEN);
	drain(&f);
	if (f.samples > 0) {
		run_latency(&f);
		return (0);
	}
	run_flood(&f);
	drops = rx_drops(&f);
	printf("mode=%s sent=%lu answered=%lu synack=%lu rst=%lu echo=%lu "
	    "dup=%lu senderr=%lu rxdrop=%u secs=%.3f sent_pps=%.0f "
	    "answered_pps=%.0f loss_pct=%.3f gen_cpu_us=%.0f acked=%lu\n",
	    f.mode == MODE_SYN ? "syn" : f.mode == MODE_PING ? "ping" :
	    "connect", f.sent, f.answered, f.synack,
	    f.rst, f.echo, f.dups, f.send_errors, drops, f.elapsed,
	    f.sent / f.elapsed, f.answered / f.elapsed,
	    f.sent > 0 ? 100.0 * (f.sent - f.answered) / f.sent : 0.0,
	    cpu_us(), f.acked);
	return (0);
}
