/*
 * The engine's common packet paths allocate nothing per packet: a ping,
 * a SYN to a closed port, and data on an established connection to a
 * port without a service are answered from stack buffers and state
 * that already exists.  A SYN to an open port makes a connection, whose
 * state is taken from a free list once the list has some.  malloc and
 * its kin are counted here by defining them in the program, in front of
 * the C library's (glibc's __libc_* entry points do the work); under
 * ASan, whose own allocator is in front, the counts are not taken.
 *
 * usage: test_alloc [N]
 * Also prints the engine's CPU time per answer on each path, over N
 * packets (20000), for the benchmark's in-process figures (informative:
 * nothing is asserted about speed).
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "unit.h"
#include "engine_fixture.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_COUNT	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_COUNT	1
#endif
#endif

#define ATTACKER	0xc6120001U	/* 198.18.0.1 */
#define VHOST		0xc6120a0aU	/* 198.18.10.10 */
#define ROUNDS		200

static unsigned long	 nalloc;

#ifndef NO_COUNT
extern void	*__libc_malloc(size_t);
extern void	*__libc_calloc(size_t, size_t);
extern void	*__libc_realloc(void *, size_t);
extern void	 __libc_free(void *);

void *
malloc(size_t n)
{
	nalloc++;
	return (__libc_malloc(n));
}

void *
calloc(size_t n, size_t m)
{
	nalloc++;
	return (__libc_calloc(n, m));
}

void *
realloc(void *p, size_t n)
{
	nalloc++;
	return (__libc_realloc(p, n));
}

void
free(void *p)
{
	__libc_free(p);
}
#endif

static const char conf_text[] =
    "create host\n"
    "set host personality \"Linux 3.2\"\n"
    "set host default tcp action reset\n"
    "set host default icmp action open\n"
    "add host tcp port 80 open\n"
    "bind 198.18.10.10 host\n";

static size_t
make_ip(uint8_t *pkt, int proto, size_t l4len)
{
	ip_addr_t	 s = htonl(ATTACKER), d = htonl(VHOST);

	ip_pack_hdr(pkt, 0, IP_HDR_LEN + l4len, 1234, 0, 64, proto, s, d);
	return (IP_HDR_LEN + l4len);
}

static void
send_echo(uint16_t seq)
{
	uint8_t		 pkt[128];
	struct icmp_hdr	*icmp = (struct icmp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 len;

	len = make_ip(pkt, IP_PROTO_ICMP, ICMP_HDR_LEN + 4 + 8);
	memset(icmp, 0, ICMP_HDR_LEN + 4 + 8);
	icmp->icmp_type = ICMP_ECHO;
	memcpy((uint8_t *)icmp + ICMP_HDR_LEN, "\x12\x34\x00\x01honeyd!!", 12);
	memcpy((uint8_t *)icmp + ICMP_HDR_LEN + 2, &seq, 2);
	ip_checksum(pkt, len);
	ip_input(pkt, len);
}

static void
send_tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
    int flags, const char *data)
{
	uint8_t		 pkt[256];
	struct tcp_hdr	*th = (struct tcp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 dlen = data != NULL ? strlen(data) : 0, len;

	len = make_ip(pkt, IP_PROTO_TCP, TCP_HDR_LEN + dlen);
	tcp_pack_hdr(th, sport, dport, seq, ack, flags, 65535, 0);
	if (dlen > 0)
		memcpy(pkt + IP_HDR_LEN + TCP_HDR_LEN, data, dlen);
	ip_checksum(pkt, len);
	ip_input(pkt, len);
}

/* A SYN as Linux sends it: MSS, SACK permitted, timestamps, shift 7. */
static void
send_syn_opts(uint16_t sport, uint16_t dport)
{
	static const uint8_t	 opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10,
	    0, 0, 0x30, 0x39, 0, 0, 0, 0, 1, 3, 3, 7 };
	uint8_t			 pkt[256];
	struct tcp_hdr		*th = (struct tcp_hdr *)(pkt + IP_HDR_LEN);
	size_t			 len;

	len = make_ip(pkt, IP_PROTO_TCP, TCP_HDR_LEN + sizeof(opts));
	tcp_pack_hdr(th, sport, dport, 1000, 0, TH_SYN, 64240, 0);
	th->th_off = (TCP_HDR_LEN + sizeof(opts)) / 4;
	memcpy(pkt + IP_HDR_LEN + TCP_HDR_LEN, opts, sizeof(opts));
	ip_checksum(pkt, len);
	ip_input(pkt, len);
}

static struct fixture_reply	 r;

/* The last reply queued, in r; how many there were. */
static int
drain(void)
{
	int	 n = 0;

	while (fixture_next(&r) == 1)
		n++;
	return (n);
}

/* Our ISN, from the SYN+ACK in r. */
static uint32_t
reply_seq(void)
{
	struct ip_hdr	*ip = (struct ip_hdr *)r.pkt;
	struct tcp_hdr	*th = (struct tcp_hdr *)(r.pkt + ip->ip_hl * 4);

	return (ntohl(th->th_seq));
}

static void
setup(void)
{
	struct fpdb	*db;

	CHECK(fixture_engine(conf_text, HOST_MAX_DEFAULT) == 0);
	if ((db = fpdb_load("nmap.prints")) == NULL) {
		MISSING("./nmap.prints (run from the top of the tree)");
		return;
	}
	config_free(engine->conf);
	fpdb_free(engine->db);
	engine->db = db;
	engine->conf = config_parse_buffer("test", conf_text,
	    strlen(conf_text), fpdb_check_name, db);
	CHECK(engine->conf != NULL &&
	    personality_attach(engine->conf, db) == 0);
	engine->generation++;
}

static void
test_paths(void)
{
	unsigned long	 before, ping, closed, open, data;
	uint32_t	 isn;
	int		 i, answers = 0;

	/* Warm up: the host, its personality state, the imsg buffers. */
	send_echo(0);
	send_tcp(30000, 81, 1, 0, TH_SYN, NULL);
	send_tcp(30001, 80, 1, 0, TH_SYN, NULL);
	drain();
	isn = reply_seq();
	send_tcp(30001, 80, 2, isn + 1, TH_ACK, NULL);
	send_tcp(30001, 80, 2, isn + 1, TH_ACK | TH_PUSH, "hello\n");
	drain();
	send_tcp(30002, 80, 1, 0, TH_SYN, NULL);
	send_tcp(30002, 80, 2, 0, TH_RST, NULL);
	drain();

	before = nalloc;
	for (i = 0; i < ROUNDS; i++) {
		send_echo(i + 1);
		answers += drain();
	}
	ping = nalloc - before;
	before = nalloc;
	for (i = 0; i < ROUNDS; i++) {
		send_tcp(31000 + i, 81, 1000, 0, TH_SYN, NULL);
		answers += drain();
	}
	closed = nalloc - before;
	before = nalloc;
	for (i = 0; i < ROUNDS; i++) {
		send_tcp(30001, 80, 8 + 6 * i, isn + 1, TH_ACK | TH_PUSH,
		    "hello\n");
		answers += drain();
	}
	data = nalloc - before;
	/* Connections that come and go: their state is recycled. */
	before = nalloc;
	for (i = 0; i < ROUNDS; i++) {
		send_tcp(40000 + i, 80, 1000, 0, TH_SYN, NULL);
		answers += drain();
		send_tcp(40000 + i, 80, 1001, 0, TH_RST, NULL);
	}
	open = nalloc - before;
	printf("allocations in %d packets: ping %lu, SYN to a closed port "
	    "%lu, data %lu, SYN to an open port (then RST) %lu\n", ROUNDS,
	    ping, closed, data, open);
	CHECK(answers >= 4 * ROUNDS);
#ifdef NO_COUNT
	SKIP("ASan's allocator: allocations not counted");
#else
	CHECK(ping == 0);
	CHECK(closed == 0);
	CHECK(data == 0);
	CHECK(open == 0);
#endif
}

/* This thread's CPU time, in microseconds. */
static double
cpu_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

/*
 * CPU per answer of the engine's own work: the packet into ip_input()
 * until the answer is queued for the parent.  The queue's write and
 * read (the fixture's socketpair; the real engine writes in batches)
 * are left out.  The SYNs offer options as Linux's do.  A SYN to an
 * open port is followed by the RST that frees its connection, timed
 * with it.
 */
static void
test_cost(int n)
{
	double		 t, ping = 0, closed = 0, open = 0;
	int		 i, answers = 0;

	for (i = 0; i < n; i++) {
		t = cpu_us();
		send_echo(i);
		ping += cpu_us() - t;
		answers += drain();
	}
	for (i = 0; i < n; i++) {
		t = cpu_us();
		send_syn_opts(1024 + i % 60000, 81);
		closed += cpu_us() - t;
		answers += drain();
	}
	for (i = 0; i < n; i++) {
		t = cpu_us();
		send_syn_opts(1024 + i % 60000, 80);
		open += cpu_us() - t;
		answers += drain();
		t = cpu_us();
		send_tcp(1024 + i % 60000, 80, 1001, 0, TH_RST, NULL);
		open += cpu_us() - t;
	}
	CHECK(answers == 3 * n);
	printf("engine CPU per answer (in process, %d each): ping %.2f us, "
	    "SYN to a closed port %.2f us, SYN to an open port %.2f us\n", n,
	    ping / n, closed / n, open / n);
}

int
main(int argc, char *argv[])
{
	int	 n = 20000;

	if (argc > 1)
		n = atoi(argv[1]);
	setup();
	test_paths();
	if (n > 0)
		test_cost(n);
	tcp_flush();
	host_flush();
	return (unit_done());
}
