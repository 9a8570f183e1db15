/*
 * Unit tests for the engine's host table (host.c) and its bound:
 * "option hosts max" holds, the least recently used host nobody holds
 * makes room (counted), a held host never does, and the memory a
 * touched host costs stays under a kilobyte, so that 1,000,000 of them
 * fit in 1 GB.
 *
 * usage: test_hosts [N]
 * With N, the memory figure is taken over N touched hosts (the
 * benchmark passes 1000000) instead of 100,000, and printed; each host
 * gets a ping and a SYN to an open port, as from a scan.  It also
 * prints the engine's CPU time per SYN+ACK in a SYN flood, in process,
 * and checks that "show connections" lists every connection once.
 */

#include <sys/types.h>
#include <sys/resource.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "unit.h"
#include "engine_fixture.h"

#define ATTACKER	0xc6120001U	/* 198.18.0.1 */
#define NET		0xc6000000U	/* 198.0.0.0/8: never on a wire */
#define PRINTS		"nmap.prints"

static const char conf_text[] =
    "create host\n"
    "set host personality \"Linux 3.2\"\n"
    "set host default tcp action reset\n"
    "add host tcp port 80 open\n"
    "bind 198.0.0.0/8 host\n";

/*
 * The engine, once, with the "Linux 3.2" personality (so that hosts
 * get their clocks) if nmap.prints is here.
 */
static void
engine_setup(void)
{
	struct fpdb	*db;

	CHECK(fixture_engine(conf_text, HOST_MAX_DEFAULT) == 0);
	if ((db = fpdb_load(PRINTS)) == NULL) {
		MISSING("./" PRINTS " (run from the top of the tree)");
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

/* No hosts, no connections, and the bound "option hosts max max". */
static void
setup(size_t max)
{
	struct honeyd_config	*conf;
	char			 text[64];

	tcp_flush();
	host_flush();
	snprintf(text, sizeof(text), "option hosts max %zu\n", max);
	conf = config_parse_buffer("test", text, strlen(text), NULL, NULL);
	CHECK(conf != NULL);
	if (conf != NULL) {
		host_reconf(conf);
		config_free(conf);
	}
	engine->stats.hosts_evicted = 0;
	engine->stats.drop_nohost = 0;
}

static size_t
make_ip(uint8_t *pkt, int proto, size_t l4len, uint32_t dst)
{
	ip_addr_t	 s = htonl(ATTACKER), d = htonl(dst);

	ip_pack_hdr(pkt, 0, IP_HDR_LEN + l4len, 1234, 0, 64, proto, s, d);
	return (IP_HDR_LEN + l4len);
}

static void
send_echo(uint32_t dst)
{
	uint8_t		 pkt[128];
	struct icmp_hdr	*icmp = (struct icmp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 len;

	len = make_ip(pkt, IP_PROTO_ICMP, ICMP_HDR_LEN + 4 + 8, dst);
	memset(icmp, 0, ICMP_HDR_LEN + 4 + 8);
	icmp->icmp_type = ICMP_ECHO;
	memcpy((uint8_t *)icmp + ICMP_HDR_LEN, "\x12\x34\x00\x01honeyd!!", 12);
	ip_checksum(pkt, len);
	ip_input(pkt, len);
}

static void
send_syn(uint32_t dst, uint16_t sport)
{
	uint8_t		 pkt[128];
	struct tcp_hdr	*th = (struct tcp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 len;

	len = make_ip(pkt, IP_PROTO_TCP, TCP_HDR_LEN, dst);
	tcp_pack_hdr(th, sport, 80, 1000, 0, TH_SYN, 1024, 0);
	ip_checksum(pkt, len);
	ip_input(pkt, len);
}

/* Read back and discard what the engine queued for the wire. */
static size_t
drain(void)
{
	static struct fixture_reply	 r;
	size_t				 n = 0;

	while (fixture_next(&r) == 1)
		n++;
	return (n);
}

static void
test_bound(void)
{
	uint32_t	 i;

	setup(100);
	for (i = 0; i < 150; i++) {
		send_echo(NET + i);
		drain();
	}
	CHECK(host_count() == 100);
	CHECK(engine->stats.hosts_evicted == 50);
	CHECK(engine->stats.icmp_echo == 150);
	/* The oldest are gone: a ping to the first makes a new host. */
	send_echo(NET);
	drain();
	CHECK(engine->stats.hosts_evicted == 51);
}

/* A host a connection holds is never forgotten. */
static void
test_held(void)
{
	struct host	*h, *g;
	uint32_t	 i;

	setup(4);
	CHECK((h = host_get(NET + 1000)) != NULL);
	host_ref(h);
	for (i = 0; i < 20; i++) {
		send_echo(NET + i);
		drain();
	}
	CHECK(host_count() == 4);
	/* Still the same host: its state survived 20 newer ones. */
	CHECK((g = host_get(NET + 1000)) == h);
	host_unref(h);
}

/* Every host held: the new one's packet is dropped, and counted. */
static void
test_all_held(void)
{
	struct host	*h[2];
	uint64_t	 echo;

	setup(2);
	CHECK((h[0] = host_get(NET + 1)) != NULL);
	CHECK((h[1] = host_get(NET + 2)) != NULL);
	host_ref(h[0]);
	host_ref(h[1]);
	echo = engine->stats.icmp_echo;
	send_echo(NET + 3);
	CHECK(drain() == 0);
	CHECK(engine->stats.icmp_echo == echo);
	CHECK(engine->stats.drop_nohost == 1);
	host_unref(h[0]);
	send_echo(NET + 3);
	CHECK(drain() == 1);
	CHECK(engine->stats.hosts_evicted == 1);
	host_unref(h[1]);
}

static size_t
heap_used(void)
{
	struct mallinfo2	 mi = mallinfo2();

	return (mi.uordblks + mi.hblkhd);
}

static long
rss_kb(void)
{
	struct rusage	 ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_maxrss);
}

/*
 * Memory per touched host: a ping and a SYN to each of n hosts of the
 * /8 (with the "Linux 3.2" personality, so their clocks exist).  The
 * SYNs' half-open connections are capped on their own (tcp.h); they
 * are freed before the figure is taken, so it is the hosts' alone.
 */
static void
test_memory(size_t n)
{
	size_t		 before, after, i;
	long		 rss0, rss1;
	double		 per, secs;
	struct timespec	 t0, t1;

	setup(n);
	before = heap_used();
	rss0 = rss_kb();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		send_echo(NET + 1 + i);
		send_syn(NET + 1 + i, 1024 + i % 50000);
		if (i % 64 == 63)
			drain();
	}
	drain();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tcp_flush();
	after = heap_used();
	rss1 = rss_kb();
	CHECK(host_count() == n);
	CHECK(engine->stats.hosts_evicted == 0);
	CHECK(engine->stats.icmp_echo >= n);
	per = (double)(after - before) / n;
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("hosts: %zu touched: heap %.1f MB (%.0f bytes a host), "
	    "peak RSS grew %.1f MB; %.2f s (%.2f us a host, ping and SYN)\n",
	    n, (after - before) / 1048576.0, per, (rss1 - rss0) / 1024.0,
	    secs, secs * 1e6 / n);
	/* 1,000,000 hosts in 1 GB. */
	CHECK(per < 1024);
}

/*
 * "show connections" walks the connection table by a tuple cursor
 * (tcp_ctl_next): from a cursor of zeros it lists every connection
 * once, in whatever order the table keeps, and then ends.
 */
static void
test_listing(void)
{
	static uint8_t	 seen[1000];
	struct ctlrec	 r;
	struct tuple	 cur;
	size_t		 n = 0, once = 0, i;

	setup(100);
	for (i = 0; i < 1000; i++)
		send_syn(NET + 1 + i % 3, 2000 + i);
	drain();
	CHECK(tcp_count() == 1000);
	memset(&cur, 0, sizeof(cur));
	while (n <= 2000 && tcp_ctl_next(&cur, &r) == 1) {
		n++;
		if (cur.sport >= 2000 && cur.sport < 3000 &&
		    cur.dst == NET + 1 + (cur.sport - 2000) % 3 &&
		    cur.src == ATTACKER && cur.dport == 80)
			seen[cur.sport - 2000]++;
	}
	for (i = 0; i < 1000; i++)
		once += seen[i] == 1;
	printf("# listing: %zu records, %zu of 1000 connections once\n", n,
	    once);
	CHECK(n == 1000 && once == 1000);
	tcp_flush();
	CHECK(tcp_count() == 0);
	memset(&cur, 0, sizeof(cur));
	CHECK(tcp_ctl_next(&cur, &r) == 0);
}

/*
 * The engine's CPU time for a SYN to an open port, in a flood: more
 * SYNs than half-open connections are kept, so that each also evicts
 * the oldest (its timer, its place in the table).  Printed, not
 * checked: a figure for the benchmark's cost per answer to be read
 * against, without the wakeups and copies between processes.
 */
static void
test_syn_cost(void)
{
	struct rusage	 r0, r1;
	uint32_t	 i, n = 200000;
	size_t		 answers = 0;
	double		 us;

	setup(100);
	getrusage(RUSAGE_SELF, &r0);
	for (i = 0; i < n; i++) {
		send_syn(NET + 1 + i % 4, 1024 + i % 60000);
		if (i % 64 == 63)
			answers += drain();
	}
	answers += drain();
	getrusage(RUSAGE_SELF, &r1);
	us = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1e6 +
	    (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
	    (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e6 +
	    (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
	printf("# SYN flood in process: %.3f us of CPU a SYN+ACK (%zu of %u "
	    "answered, %zu half-open kept)\n", us / n, answers, n,
	    tcp_count());
	CHECK(answers == n);
	tcp_flush();
}

int
main(int argc, char *argv[])
{
	size_t	 n = 100000;

	if (argc > 1)
		n = strtoul(argv[1], NULL, 10);
	engine_setup();
	test_bound();
	test_held();
	test_all_held();
	test_listing();
	test_syn_cost();
	test_memory(n);
	tcp_flush();
	host_flush();
	return (unit_done());
}
