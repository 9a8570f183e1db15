/*
 * Unit tests for the stack models (honeyd/stackmodel.c): each family's
 * choices where nmap's tests do not look.  Linux's row is also checked
 * against the real kernel by regress/netns/differential.sh; for the
 * others there is no real stack here, so each case names the RFC, the
 * manual or the nmap-os-db measurements the row follows.
 */

#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "engine_fixture.h"
#include "unit.h"

/* A SYN+ACK's options as nmap letters: M N W S T L. */
static void
letters(const uint8_t *o, size_t n, char *buf)
{
	size_t	 i = 0, k = 0;

	while (i < n) {
		switch (o[i]) {
		case TCP_OPT_EOL:
			buf[k++] = 'L';
			i++;
			continue;
		case TCP_OPT_NOP:
			buf[k++] = 'N';
			i++;
			continue;
		case TCP_OPT_MSS:
			buf[k++] = 'M';
			break;
		case TCP_OPT_WSCALE:
			buf[k++] = 'W';
			break;
		case TCP_OPT_SACKOK:
			buf[k++] = 'S';
			break;
		case TCP_OPT_TIMESTAMP:
			buf[k++] = 'T';
			break;
		default:
			buf[k++] = '?';
			break;
		}
		if (i + 1 >= n || o[i + 1] < 2)
			break;
		i += o[i + 1];
	}
	buf[k] = '\0';
}

/* The layout family sf gives a SYN+ACK agreeing to w, s, t. */
static const char *
layout(enum stack_family sf, int w, int s, int t)
{
	static char	 buf[64];
	struct synopts	 so;
	uint8_t		 out[40];
	size_t		 n;

	memset(&so, 0, sizeof(so));
	so.has_mss = 1;
	so.mss = 1460;
	so.ws = w ? 7 : -1;
	so.sack = s;
	so.ts = t;
	n = stackmodel_synopts(stackmodel_get(sf), &so, out, sizeof(out));
	letters(out, n, buf);
	return (buf);
}

static int
is(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return (1);
	fprintf(stderr, "got \"%s\", want \"%s\"\n", a, b);
	return (0);
}

static void
test_family(void)
{
	/* Class lines of nmap-os-db: "vendor | family | gen | type". */
	CHECK(stackmodel_family("Linux", "Linux") == SF_LINUX);
	CHECK(stackmodel_family("Google", "Android") == SF_LINUX);
	CHECK(stackmodel_family("Microsoft", "Windows") == SF_WINDOWS);
	CHECK(stackmodel_family("FreeBSD", "FreeBSD") == SF_FREEBSD);
	CHECK(stackmodel_family("Juniper", "JUNOS") == SF_FREEBSD);
	CHECK(stackmodel_family("OpenBSD", "OpenBSD") == SF_OPENBSD);
	CHECK(stackmodel_family("Apple", "NetBSD") == SF_NETBSD);
	CHECK(stackmodel_family("Apple", "Mac OS X") == SF_MACOS);
	CHECK(stackmodel_family("Apple", "iOS") == SF_MACOS);
	CHECK(stackmodel_family("Cisco", "IOS") == SF_IOS);
	/* The vendor tells Cisco's IOS from anyone else's. */
	CHECK(stackmodel_family("Acme", "IOS") == SF_EMBEDDED);
	CHECK(stackmodel_family("Cisco", "embedded") == SF_EMBEDDED);
	CHECK(stackmodel_family("HP", "embedded") == SF_EMBEDDED);
	CHECK(stackmodel_family("Sun", "Solaris") == SF_EMBEDDED);
	CHECK(stackmodel_family(NULL, NULL) == SF_EMBEDDED);
	CHECK(stackmodel_get(SF_MAX) == stackmodel_get(SF_EMBEDDED));
}

/*
 * SYN+ACK options by what the SYN offered.  With everything offered
 * each layout is the one nmap-os-db records in O1 for the family.
 */
static void
test_layout(void)
{
	/* Linux tcp_options_write(): O1 "MST11NW7", "MNNSNW7". */
	CHECK(is(layout(SF_LINUX, 1, 1, 1), "MSTNW"));
	CHECK(is(layout(SF_LINUX, 1, 1, 0), "MNNSNW"));
	CHECK(is(layout(SF_LINUX, 1, 0, 1), "MNNTNW"));
	CHECK(is(layout(SF_LINUX, 0, 0, 0), "M"));
	/* Windows: O1 "MNWST11" (Vista on), "MNWNNS", "MNNS". */
	CHECK(is(layout(SF_WINDOWS, 1, 1, 1), "MNWST"));
	CHECK(is(layout(SF_WINDOWS, 1, 1, 0), "MNWNNS"));
	CHECK(is(layout(SF_WINDOWS, 0, 1, 0), "MNNS"));
	CHECK(is(layout(SF_WINDOWS, 0, 1, 1), "MST"));
	/* FreeBSD tcp_addoptions(): O1 "MNWST11", "MNWNNT11", "MSLL". */
	CHECK(is(layout(SF_FREEBSD, 1, 1, 1), "MNWST"));
	CHECK(is(layout(SF_FREEBSD, 1, 0, 1), "MNWNNT"));
	CHECK(is(layout(SF_FREEBSD, 0, 1, 0), "MS"));
	CHECK(is(layout(SF_FREEBSD, 1, 1, 0), "MNWS"));
	/* OpenBSD tcp_output(): O1 "MNNSNWNNT11". */
	CHECK(is(layout(SF_OPENBSD, 1, 1, 1), "MNNSNWNNT"));
	CHECK(is(layout(SF_OPENBSD, 1, 0, 1), "MNWNNT"));
	/* NetBSD: O1 "MNWNNT11SNN", NOPs fill the last word. */
	CHECK(is(layout(SF_NETBSD, 1, 1, 1), "MNWNNTSNN"));
	CHECK(is(layout(SF_NETBSD, 1, 1, 0), "MNWSNN"));
	/* macOS: O1 "MNWNNT11SLL" (tcp_output() pads with EOL). */
	CHECK(is(layout(SF_MACOS, 1, 1, 1), "MNWNNTS"));
	CHECK(is(layout(SF_MACOS, 0, 1, 0), "MS"));
	/* Cisco IOS and embedded stacks keep the fingerprint's order. */
	CHECK(is(layout(SF_IOS, 1, 1, 1), ""));
	CHECK(is(layout(SF_EMBEDDED, 1, 1, 1), ""));
}

/* Built options read back, values kept, then laid out again. */
static void
test_relayout(void)
{
	static const uint8_t	 in[] = { TCP_OPT_MSS, 4, 0x05, 0xb4,
	    TCP_OPT_SACKOK, 2, TCP_OPT_NOP, TCP_OPT_WSCALE, 3, 8 };
	static const uint8_t	 want[] = { TCP_OPT_MSS, 4, 0x05, 0xb4,
	    TCP_OPT_NOP, TCP_OPT_WSCALE, 3, 8, TCP_OPT_NOP, TCP_OPT_NOP,
	    TCP_OPT_SACKOK, 2 };
	static const uint8_t	 odd[] = { TCP_OPT_MSS, 4, 0x05, 0xb4, 30,
	    4, 0, 0 };
	struct synopts		 so;
	uint8_t			 out[40];
	size_t			 n;

	CHECK(stackmodel_synopts_parse(in, sizeof(in), &so) == 0);
	CHECK(so.has_mss && so.mss == 1460 && so.ws == 8 && so.sack &&
	    !so.ts);
	n = stackmodel_synopts(stackmodel_get(SF_WINDOWS), &so, out,
	    sizeof(out));
	CHECK(n == sizeof(want) && memcmp(out, want, n) == 0);
	/* An option no layout knows: left as the fingerprint built it. */
	CHECK(stackmodel_synopts_parse(odd, sizeof(odd), &so) == -1);
	/* No room: nothing. */
	CHECK(stackmodel_synopts(stackmodel_get(SF_WINDOWS), &so, out, 2) ==
	    0);
}

/*
 * RFC 793 "Reset Generation": a reset to a segment without ACK acks
 * seq plus the segment's length.  Linux, Windows and FreeBSD 10.3 on
 * count SYN and FIN (nmap-os-db T7 A=S+); OpenBSD, NetBSD, macOS and
 * Cisco IOS count SYN and data only (4.4BSD's tcp_dropwithreset(),
 * T7 A=S); lwIP and RFC 793 count both.
 */
static void
test_rst(void)
{
	uint8_t	 lx = stackmodel_get(SF_LINUX)->rst;
	uint8_t	 fb = stackmodel_get(SF_FREEBSD)->rst;
	uint8_t	 ob = stackmodel_get(SF_OPENBSD)->rst;
	uint8_t	 mac = stackmodel_get(SF_MACOS)->rst;
	uint8_t	 win = stackmodel_get(SF_WINDOWS)->rst;
	uint8_t	 ios = stackmodel_get(SF_IOS)->rst;
	uint8_t	 emb = stackmodel_get(SF_EMBEDDED)->rst;

	CHECK(stackmodel_rst_ack(lx, TH_SYN, 1000, 0) == 1001);
	CHECK(stackmodel_rst_ack(lx, TH_SYN | TH_FIN, 1000, 0) == 1002);
	CHECK(stackmodel_rst_ack(lx, TH_SYN, 1000, 10) == 1011);
	CHECK(stackmodel_rst_ack(lx, 0, 1000, 0) == 1000);
	CHECK(stackmodel_rst_ack(lx, TH_FIN | TH_PUSH | TH_URG, 1000, 0) ==
	    1001);
	CHECK(stackmodel_rst_ack(win, TH_FIN, 1000, 0) == 1001);
	CHECK(stackmodel_rst_ack(fb, TH_FIN | TH_PUSH | TH_URG, 1000, 0) ==
	    1001);
	CHECK(stackmodel_rst_ack(emb, TH_FIN, 1000, 3) == 1004);
	CHECK(stackmodel_rst_ack(ob, TH_FIN | TH_PUSH | TH_URG, 1000, 0) ==
	    1000);
	CHECK(stackmodel_rst_ack(mac, TH_SYN | TH_FIN, 1000, 5) == 1006);
	CHECK(stackmodel_rst_ack(ios, TH_FIN, 0xffffffff, 0) == 0xffffffff);
	CHECK(stackmodel_rst_ack(ios, TH_SYN, 0xffffffff, 0) == 0);
}

/* A datagram of len bytes: IP header of hlen, protocol p. */
static void
dgram(uint8_t *d, size_t hlen, int p, size_t thlen)
{
	memset(d, 0, 1500);
	d[0] = 0x40 | (hlen / 4);
	d[9] = p;
	d[hlen + 12] = (thlen / 4) << 4;
}

/*
 * ICMP error quotes: Linux up to a 576-byte error (RFC 1812 4.3.2.3,
 * icmp_send()); BSDs and IOS the IP header and 8 bytes (RFC 792, U1
 * IPL=38), FreeBSD the whole TCP header (icmp_error()).
 */
static void
test_quote(void)
{
	uint8_t	 d[1500];

	dgram(d, 20, IP_PROTO_UDP, 0);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_LINUX), d, 40, 548) ==
	    40);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_LINUX), d, 1400, 548) ==
	    548);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_LINUX), d, 1400,
	    1000) == 548);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_WINDOWS), d, 328,
	    548) == 328);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_OPENBSD), d, 328,
	    548) == 28);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_MACOS), d, 12, 548) ==
	    12);
	/* The header counts whole, options too. */
	dgram(d, 32, IP_PROTO_UDP, 0);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_NETBSD), d, 328,
	    548) == 40);
	dgram(d, 20, IP_PROTO_TCP, 40);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_FREEBSD), d, 100,
	    548) == 60);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_OPENBSD), d, 100,
	    548) == 28);
	CHECK(stackmodel_quote_len(stackmodel_get(SF_IOS), d, 100, 548) ==
	    28);
	/* A garbled header length is taken as 20. */
	d[0] = 0x41;
	CHECK(stackmodel_quote_len(stackmodel_get(SF_EMBEDDED), d, 100,
	    548) == 28);
}

/* How many of n errors sent gap_ms apart a rule lets through. */
static int
burst(enum stack_family sf, int n, int gap_ms)
{
	struct sm_bucket	 b;
	uint64_t		 now = 5000;
	int			 i, sent = 0;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < n; i++, now += gap_ms)
		sent += stackmodel_rl_take(&stackmodel_get(sf)->rl, &b, now);
	return (sent);
}

/*
 * ICMP error rate limits: Linux icmp_ratelimit 1000 ms per peer, a
 * bucket six deep (12 back to back get 6 answers, as the kernel in
 * differential.sh); FreeBSD icmplim 200/s (icmp(4)); OpenBSD and
 * NetBSD errppslimit 100/s; macOS icmplim 250; Cisco IOS "ip icmp
 * rate-limit unreachable" 500 ms; Windows and embedded stacks none.
 */
static void
test_ratelimit(void)
{
	CHECK(burst(SF_LINUX, 12, 0) == 6);
	CHECK(burst(SF_LINUX, 12, 1000) == 12);
	/* Six at once, then one a second: 11 in the first 5 s. */
	CHECK(burst(SF_LINUX, 11, 500) == 11);
	CHECK(burst(SF_LINUX, 20, 500) == 15);
	CHECK(stackmodel_get(SF_LINUX)->rl.scope == SMRL_PEER);
	CHECK(burst(SF_FREEBSD, 1000, 0) == 200);
	CHECK(burst(SF_FREEBSD, 400, 5) == 400);
	CHECK(stackmodel_get(SF_FREEBSD)->rl.scope == SMRL_HOST);
	CHECK(burst(SF_OPENBSD, 1000, 0) == 100);
	CHECK(burst(SF_NETBSD, 1000, 0) == 100);
	CHECK(burst(SF_MACOS, 1000, 0) == 250);
	CHECK(burst(SF_IOS, 10, 0) == 1);
	CHECK(burst(SF_IOS, 10, 500) == 10);
	CHECK(burst(SF_IOS, 10, 250) == 5);
	CHECK(burst(SF_WINDOWS, 1000, 0) == 1000);
	CHECK(burst(SF_EMBEDDED, 1000, 0) == 1000);
}

/* Of n errors to n peers at once, then m more a ms apart, how many go. */
static int
global_burst(enum stack_family sf, int n, int m)
{
	const struct stack_model *sm = stackmodel_get(sf);
	struct sm_bucket	 peer, global;
	uint64_t		 now = 5000;
	int			 i, sent = 0;

	memset(&global, 0, sizeof(global));
	for (i = 0; i < n + m; i++) {
		memset(&peer, 0, sizeof(peer));
		if (i >= n)
			now++;
		sent += stackmodel_rl_allow(sm, &peer, &global, now);
	}
	return (sent);
}

/*
 * Linux's global ICMP limit on top of its peers' buckets
 * (ip-sysctl.txt: icmp_msgs_per_sec 1000, icmp_msgs_burst 50): of 60
 * errors to 60 peers at once 50 go, then one a millisecond; an error
 * its peer's bucket holds back spends none of the host's credit
 * (icmp_send() spends it after icmpv4_xrlim_allow()).  The BSDs'
 * limit is the host's already, with nothing on top; Windows has none.
 */
static void
test_global_ratelimit(void)
{
	const struct stack_model *lx = stackmodel_get(SF_LINUX);
	struct sm_bucket	 peer, global;
	int			 i, sent;

	CHECK(lx->grl.scope == SMRL_HOST && lx->grl.burst == 50 &&
	    lx->grl.cost_ms == 1);
	CHECK(global_burst(SF_LINUX, 60, 0) == 50);
	CHECK(global_burst(SF_LINUX, 60, 20) == 70);
	CHECK(stackmodel_get(SF_FREEBSD)->grl.scope == SMRL_NONE);
	CHECK(global_burst(SF_WINDOWS, 300, 0) == 300);
	/* One peer: its own bucket (6) binds long before the host's. */
	memset(&peer, 0, sizeof(peer));
	memset(&global, 0, sizeof(global));
	for (i = sent = 0; i < 100; i++)
		sent += stackmodel_rl_allow(lx, &peer, &global, 5000);
	CHECK(sent == 6);
	/* The 94 held back cost the host nothing: 44 others still go. */
	for (i = sent = 0; i < 100; i++) {
		memset(&peer, 0, sizeof(peer));
		sent += stackmodel_rl_allow(lx, &peer, &global, 5000);
	}
	CHECK(sent == 44);
}

/*
 * Linux's host-wide bucket is one for ICMP and ICMPv6 errors
 * (icmpv6_global_allow() asks icmp_global_allow()): a template with a
 * literal MAC, one dual-stack machine, spends one bucket over both
 * families; without one, or for a row without that habit, none is
 * shared.
 */
static void
test_machine_ratelimit(void)
{
	const struct stack_model *lx = stackmodel_get(SF_LINUX);
	struct template		 t, t2;
	struct host		 h;
	struct sm_bucket	*mb;
	uint8_t			 me6[16] = { 0x20, 1, 0xd, 0xb8, [15] = 5 },
				 a6[16] = { 0x20, 1, 0xd, 0xb8, 0, 9 };
	uint64_t		 now;
	int			 i, sent;

	memset(&t, 0, sizeof(t));
	memset(&t2, 0, sizeof(t2));
	memset(&h, 0, sizeof(h));
	t.ethernet = "00:16:3e:00:00:05";
	t2.ethernet = "00:16:3e:00:00:06";
	CHECK(lx->grl_families);
	mb = stackmodel_machine_bucket(lx, &t);
	CHECK(mb != NULL && mb == stackmodel_machine_bucket(lx, &t));
	CHECK(stackmodel_machine_bucket(lx, &t2) != mb);
	CHECK(stackmodel_machine_bucket(stackmodel_get(SF_FREEBSD), &t) ==
	    NULL);
	CHECK(stackmodel_machine_bucket(stackmodel_get(SF_WINDOWS), &t) ==
	    NULL);
	t2.ethernet = "dell";
	CHECK(stackmodel_machine_bucket(lx, &t2) == NULL);
	t2.ethernet = NULL;
	CHECK(stackmodel_machine_bucket(lx, &t2) == NULL);
	CHECK(stackmodel_machine_bucket(lx, NULL) == NULL);

	/* IPv4 errors to 100 peers empty it (50, and a few refilled)... */
	mb = stackmodel_machine_bucket(lx, &t);
	mb->last_ms = 0;
	for (i = sent = 0; i < 100; i++)
		sent += personality_icmp_ratelimit(&h, &t, 0xc6120005,
		    0xc6130000 + i);
	CHECK(sent >= 50 && sent < 100);
	/* ... so an IPv6 error to a new peer waits, at the same moment. */
	now = mb->last_ms;
	CHECK(!icmp6err_ratelimit_machine(lx, mb, ICMP6_DST_UNREACH, me6, a6,
	    now));
	CHECK(icmp6err_ratelimit_machine(lx, NULL, ICMP6_DST_UNREACH, me6,
	    a6, now));
	CHECK(icmp6err_ratelimit_machine(lx, mb, ICMP6_PACKET_TOO_BIG, me6,
	    a6, now));
	/* 10 ms later, 10 errors' credit, over IPv6 to 20 new peers. */
	for (i = sent = 0; i < 20; i++) {
		a6[15] = 100 + i;
		sent += icmp6err_ratelimit_machine(lx, mb, ICMP6_DST_UNREACH,
		    me6, a6, now + 10);
	}
	CHECK(sent == 10);
}

/*
 * IP IDs per destination: Linux's echo replies and errors take a
 * counter per peer (__ip_select_ident()), so pings from B do not move
 * A's sequence; a host keeps HOST_IDSLOTS peers' counters, the oldest
 * starting again.  Only Linux's row counts so: Windows counts one
 * sequence for everything (nmap's idle scan relies on it), FreeBSD
 * one (ip_fillid(), random_id 0) and OpenBSD and macOS draw random
 * IDs (ip_randomid(), random_id 1), which the fingerprint's II shape
 * already gives per host.
 */
static void
test_idslots(void)
{
	struct host_idslots	 s;
	uint16_t		 a[3], b[3];
	uint32_t		 i;
	int			 k;

	memset(&s, 0, sizeof(s));
	for (k = 0; k < 3; k++) {
		a[k] = (*stackmodel_idslot(&s, 0x0a000001, 100))++;
		b[k] = (*stackmodel_idslot(&s, 0x0a000002, 60000))++;
		(*stackmodel_idslot(&s, 0x0a000002, 60000))++;
	}
	CHECK(a[0] == 100 && a[1] == 101 && a[2] == 102);
	CHECK(b[0] == 60000 && b[1] == 60002 && b[2] == 60004);
	CHECK(s.used == 2);
	/* Eight more peers: A's slot, the oldest, is reused. */
	for (i = 0; i < HOST_IDSLOTS; i++)
		(void)stackmodel_idslot(&s, 0x0b000000 + i, 1);
	CHECK(s.used == HOST_IDSLOTS);
	CHECK(*stackmodel_idslot(&s, 0x0a000001, 7) == 7);
	CHECK(sizeof(s) <= 64);
	CHECK(stackmodel_get(SF_LINUX)->ipid_dst == 1);
	for (k = SF_WINDOWS; k < SF_MAX; k++)
		CHECK(stackmodel_get(k)->ipid_dst == 0);
}

/*
 * Overlapping fragments: Linux drops the datagram since 4.19
 * (CVE-2018-5391, as RFC 5722 asks of IPv6) but spares exact repeats;
 * Novak's target-based reassembly: Windows, the BSDs and Mac OS X
 * keep the first copy, Cisco IOS ("Last") and HP JetDirect
 * ("BSD-right") the last.
 */
static void
test_frag(void)
{
	CHECK(stackmodel_get(SF_LINUX)->frag == FRAG_DROP);
	CHECK(stackmodel_get(SF_LINUX)->frag_dups == 1);
	CHECK(stackmodel_get(SF_WINDOWS)->frag == FRAG_OLD);
	CHECK(stackmodel_get(SF_FREEBSD)->frag == FRAG_OLD);
	CHECK(stackmodel_get(SF_OPENBSD)->frag == FRAG_OLD);
	CHECK(stackmodel_get(SF_NETBSD)->frag == FRAG_OLD);
	CHECK(stackmodel_get(SF_MACOS)->frag == FRAG_OLD);
	CHECK(stackmodel_get(SF_IOS)->frag == FRAG_NEW);
	CHECK(stackmodel_get(SF_EMBEDDED)->frag == FRAG_NEW);
	CHECK(stackmodel_get(SF_WINDOWS)->frag_dups == 0);
}

/*
 * SYN+ACK retransmission: Linux tcp_synack_retries 5 from 1 s
 * (ip-sysctl), Windows TcpMaxConnectResponseRetransmissions 2 from 3 s,
 * FreeBSD syncache rexmtlimit 3 from 1 s (syncache(4)), OpenBSD's syn
 * cache from 3 s within 75 s, lwIP TCP_SYNMAXRTX 6 from 3 s.
 */
static void
test_synack(void)
{
	const struct stack_model	*m;

	m = stackmodel_get(SF_LINUX);
	CHECK(stackmodel_synack_rto(m, 0) == 1000);
	CHECK(stackmodel_synack_rto(m, 4) == 16000);
	CHECK(stackmodel_synack_rto(m, 5) == 32000);
	CHECK(stackmodel_synack_rto(m, 6) == -1);
	m = stackmodel_get(SF_WINDOWS);
	CHECK(stackmodel_synack_rto(m, 0) == 3000);
	CHECK(stackmodel_synack_rto(m, 2) == 12000);
	CHECK(stackmodel_synack_rto(m, 3) == -1);
	m = stackmodel_get(SF_FREEBSD);
	CHECK(stackmodel_synack_rto(m, 3) == 8000);
	CHECK(stackmodel_synack_rto(m, 4) == -1);
	m = stackmodel_get(SF_OPENBSD);
	/* 3 + 6 + 12 + 24 s sent, the last waits 48: within 75 s. */
	CHECK(stackmodel_synack_rto(m, 3) == 24000);
	CHECK(stackmodel_synack_rto(m, 5) == -1);
	m = stackmodel_get(SF_EMBEDDED);
	CHECK(stackmodel_synack_rto(m, 6) == 192000);
	CHECK(stackmodel_synack_rto(m, 7) == -1);
}

/*
 * The rest of each row: RFC 5961 challenge ACKs (Linux 3.6, FreeBSD
 * insecure_rst 0, Cisco IOS), IP options (Linux ip_options_echo() on
 * every answer, BSD icmp_reflect() on ICMP only), source routes
 * (accept_source_route 0; IOS "ip source-route" on), protocol
 * unreachable (RFC 1122 3.2.2.1; not Windows), timestamp replies
 * (not macOS, net.inet.icmp.timestamp 0; not lwIP), mask replies
 * (nobody by default: RFC 1122 3.2.2.9), Linux's own connection IP
 * IDs and error TOS.
 */
static void
test_rows(void)
{
	const struct stack_model	*lx = stackmodel_get(SF_LINUX);
	const struct stack_model	*win = stackmodel_get(SF_WINDOWS);
	const struct stack_model	*fb = stackmodel_get(SF_FREEBSD);
	const struct stack_model	*ob = stackmodel_get(SF_OPENBSD);
	const struct stack_model	*mac = stackmodel_get(SF_MACOS);
	const struct stack_model	*ios = stackmodel_get(SF_IOS);
	const struct stack_model	*emb = stackmodel_get(SF_EMBEDDED);
	int				 sf;

	CHECK(lx->challenge_ack && fb->challenge_ack && ios->challenge_ack);
	CHECK(!win->challenge_ack && !ob->challenge_ack &&
	    !emb->challenge_ack);
	CHECK(lx->ipopts == SMO_ALL);
	CHECK(fb->ipopts == (SMO_ECHO | SMO_ERROR) && !(fb->ipopts & SMO_TCP));
	CHECK(win->ipopts == SMO_ECHO && emb->ipopts == 0);
	CHECK(lx->srcroute_drop && win->srcroute_drop && fb->srcroute_drop &&
	    mac->srcroute_drop);
	CHECK(!ios->srcroute_drop && !emb->srcroute_drop);
	CHECK(lx->proto_unreach && fb->proto_unreach && ios->proto_unreach &&
	    emb->proto_unreach && !win->proto_unreach);
	CHECK(lx->tstamp && win->tstamp && fb->tstamp && ob->tstamp &&
	    ios->tstamp && !mac->tstamp && !emb->tstamp);
	for (sf = 0; sf < SF_MAX; sf++) {
		CHECK(!stackmodel_get(sf)->mask);
		CHECK(stackmodel_get(sf)->name != NULL);
		CHECK(stackmodel_get(sf)->conn_ipid == (sf == SF_LINUX));
		CHECK(stackmodel_get(sf)->err_tos == (sf == SF_LINUX));
	}
}

/*
 * IPv6 (stackmodel.c's notes on nmap -6 -O): hop limits 64, Windows
 * 128, Cisco IOS 64 for ICMPv6 and 255 for TCP; an echo request with
 * a code is answered with it by Linux and IOS (icmpv6_echo_reply()),
 * with code 0 by Windows and the embedded row, and dropped by the KAME
 * stacks (icmp6_input()'s "badcode").
 */
static void
test_ipv6_rows(void)
{
	const struct stack_model	*lx = stackmodel_get(SF_LINUX);
	const struct stack_model	*win = stackmodel_get(SF_WINDOWS);
	const struct stack_model	*ios = stackmodel_get(SF_IOS);
	const struct stack_model	*emb = stackmodel_get(SF_EMBEDDED);
	int				 sf;

	CHECK(stackmodel_hlim6(lx, IP_PROTO_ICMPV6) == 64);
	CHECK(stackmodel_hlim6(lx, IP_PROTO_TCP) == 64);
	CHECK(stackmodel_hlim6(win, IP_PROTO_ICMPV6) == 128);
	CHECK(stackmodel_hlim6(win, IP_PROTO_TCP) == 128);
	CHECK(stackmodel_hlim6(ios, IP_PROTO_ICMPV6) == 64);
	CHECK(stackmodel_hlim6(ios, IP_PROTO_TCP) == 255);
	CHECK(stackmodel_hlim6(emb, IP_PROTO_UDP) == 64);
	for (sf = 0; sf < SF_MAX; sf++) {
		/* Code 0 is answered code 0 by everyone. */
		CHECK(stackmodel_echo6_code(stackmodel_get(sf), 0) == 0);
		CHECK(stackmodel_get(sf)->hlim6 != 0);
	}
	CHECK(stackmodel_echo6_code(lx, 9) == 9);
	CHECK(stackmodel_echo6_code(ios, 9) == 9);
	CHECK(stackmodel_echo6_code(win, 9) == 0);
	CHECK(stackmodel_echo6_code(emb, 9) == 0);
	CHECK(stackmodel_echo6_code(stackmodel_get(SF_FREEBSD), 9) == -1);
	CHECK(stackmodel_echo6_code(stackmodel_get(SF_OPENBSD), 9) == -1);
	CHECK(stackmodel_echo6_code(stackmodel_get(SF_NETBSD), 1) == -1);
	CHECK(stackmodel_echo6_code(stackmodel_get(SF_MACOS), 255) == -1);
	CHECK(lx->flow6 == SMF6_HASH && win->flow6 == SMF6_NONE &&
	    ios->flow6 == SMF6_NONE && emb->flow6 == SMF6_NONE);
	CHECK(stackmodel_get(SF_FREEBSD)->flow6 == SMF6_TCP);
}

/* An IPv6 header from src to dst, next header nxt, plen to follow. */
static void
hdr6(uint8_t *pkt, const char *src, const char *dst, uint8_t nxt,
    size_t plen)
{
	memset(pkt, 0, IP6_HDR_LEN);
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)(plen >> 8);
	pkt[5] = (uint8_t)plen;
	pkt[6] = nxt;
	pkt[7] = 64;
	if (inet_pton(AF_INET6, src, pkt + 8) != 1 ||
	    inet_pton(AF_INET6, dst, pkt + 24) != 1)
		abort();
}

static uint32_t
label_of(const uint8_t *pkt)
{
	return ((uint32_t)(pkt[1] & 0x0f) << 16 | pkt[2] << 8 | pkt[3]);
}

/*
 * Flow labels: none where the family sets none; a hash of the flow
 * where it does, the same for every packet of a flow, another for
 * another flow or another key, 20 bits; the KAME stacks' only on TCP.
 */
static void
test_flow6(void)
{
	const struct stack_model	*lx = stackmodel_get(SF_LINUX);
	const struct stack_model	*fb = stackmodel_get(SF_FREEBSD);
	uint8_t				 pkt[IP6_HDR_LEN + TCP_HDR_LEN];
	uint32_t			 a, seen[64];
	int				 i, j, same = 0;

	hdr6(pkt, "2001:db8::5", "2001:db8::99", IP_PROTO_TCP, TCP_HDR_LEN);
	memset(pkt + IP6_HDR_LEN, 0, TCP_HDR_LEN);
	pkt[IP6_HDR_LEN + 1] = 80;
	pkt[IP6_HDR_LEN + 2] = 0xc0;
	CHECK(stackmodel_flow6(stackmodel_get(SF_WINDOWS), 7, pkt,
	    sizeof(pkt)) == 0);
	a = stackmodel_flow6(lx, 7, pkt, sizeof(pkt));
	CHECK(a != 0 && a <= 0xfffff);
	CHECK(stackmodel_flow6(lx, 7, pkt, sizeof(pkt)) == a);
	CHECK(stackmodel_flow6(lx, 8, pkt, sizeof(pkt)) != a);
	CHECK(stackmodel_flow6(fb, 7, pkt, sizeof(pkt)) != 0);
	/* Sequence and flags are not the flow's. */
	pkt[IP6_HDR_LEN + 4] = 0x55;
	pkt[IP6_HDR_LEN + 13] = TH_RST;
	CHECK(stackmodel_flow6(lx, 7, pkt, sizeof(pkt)) == a);
	for (i = 0; i < 64; i++) {
		pkt[IP6_HDR_LEN + 3] = (uint8_t)i;
		seen[i] = stackmodel_flow6(lx, 7, pkt, sizeof(pkt));
		for (j = 0; j < i; j++)
			same += seen[j] == seen[i];
	}
	CHECK(same == 0);
	pkt[6] = IP_PROTO_ICMPV6;
	CHECK(stackmodel_flow6(lx, 7, pkt, sizeof(pkt)) != 0);
	CHECK(stackmodel_flow6(fb, 7, pkt, sizeof(pkt)) == 0);
	CHECK(stackmodel_flow6(lx, 7, pkt, IP6_HDR_LEN - 1) == 0);
}

/*
 * TCP over IPv6: the MSS 20 bytes less (RFC 6691) where that leaves
 * what RFC 8200's minimum MTU does, 1220, else as it was; Linux's window whole segments of it (45 x 1448
 * = 0xFE88 over IPv4 becomes 45 x 1428 = 64260, the window nmap's
 * model holds for Linux 4.19, and 20 x 1448 its Linux 4.4's 20 x 1428;
 * 44 x 1460 = 0xFAF0 without timestamps, 45 x 1440), other windows as
 * they were.
 */
static void
test_tcp6(void)
{
	const struct stack_model	*lx = stackmodel_get(SF_LINUX);
	const struct stack_model	*win = stackmodel_get(SF_WINDOWS);

	CHECK(stackmodel_mss6(1460) == 1440);
	CHECK(stackmodel_mss6(65495) == 65475);
	CHECK(stackmodel_mss6(1240) == 1220);
	CHECK(stackmodel_mss6(1239) == 1239);
	CHECK(stackmodel_mss6(536) == 536);
	CHECK(stackmodel_win6(lx, 0xFE88, 1460, 1440, 1) == 64260);
	CHECK(stackmodel_win6(lx, 0xFAF0, 1460, 1440, 0) == 64800);
	CHECK(stackmodel_win6(lx, 14600, 1460, 1440, 0) == 14400);
	CHECK(stackmodel_win6(lx, 28960, 1460, 1440, 1) == 28560);
	CHECK(stackmodel_win6(lx, 29200, 1460, 1440, 1) == 28800);
	CHECK(stackmodel_win6(lx, 5840, 1460, 1440, 0) == 5760);
	CHECK(stackmodel_win6(lx, 8192, 1460, 1440, 1) == 8192);
	CHECK(stackmodel_win6(lx, 0, 1460, 1440, 1) == 0);
	CHECK(stackmodel_win6(lx, 0xFE88, 0, 0, 1) == 0xFE88);
	CHECK(stackmodel_win6(win, 0xFFFF, 1460, 1440, 0) == 0xFFFF);
	CHECK(stackmodel_win6(win, 8192, 1460, 1440, 1) == 8192);
	CHECK(stackmodel_win6(win, 14600, 1460, 1440, 0) == 14600);
}

/*
 * IPv6 fragment IDs: random for Linux since 5.13 and the KAME stacks,
 * never 0; a counter of the host's, from a random start, for the rest.
 */
static void
test_frag6_id(void)
{
	const struct stack_model	*win = stackmodel_get(SF_WINDOWS);
	uint32_t			 ctr = 0;

	CHECK(stackmodel_frag6_id(stackmodel_get(SF_LINUX), &ctr, 77) == 77);
	CHECK(stackmodel_frag6_id(stackmodel_get(SF_FREEBSD), &ctr, 0) != 0);
	CHECK(stackmodel_frag6_id(stackmodel_get(SF_OPENBSD), &ctr, 5) == 5);
	CHECK(ctr == 0);
	CHECK(stackmodel_frag6_id(win, &ctr, 40) == 41);
	CHECK(stackmodel_frag6_id(win, &ctr, 9) == 42);
	CHECK(stackmodel_frag6_id(win, &ctr, 9) == 43);
	CHECK(stackmodel_frag6_id(stackmodel_get(SF_EMBEDDED), &ctr, 9) == 44);
}

#define NMAP_SRC	"2001:db8::99"

/* The checksum of the ICMPv6 or UDP message at pkt + off. */
static void
sum6(uint8_t *pkt, size_t off, size_t len, uint8_t nxt, size_t at)
{
	struct in6_addr	 s, d;
	uint16_t	 sum;

	memcpy(&s, pkt + 8, 16);
	memcpy(&d, pkt + 24, 16);
	pkt[off + at] = pkt[off + at + 1] = 0;
	sum = ip6_cksum(&s, &d, nxt, pkt + off, len - off);
	memcpy(pkt + off + at, &sum, 2);
}

/*
 * nmap's IE1 (FPEngine.cc): an echo request of code 9 with 120 bytes
 * of zeros after a hop-by-hop header holding one PadN option.
 */
static size_t
nmap_ie1(uint8_t *pkt, const char *dst)
{
	static const uint8_t	 hbh[8] = { IP_PROTO_ICMPV6, 0, 1, 4 };
	size_t			 len = IP6_HDR_LEN + 8 + 8 + 120;

	hdr6(pkt, NMAP_SRC, dst, IP_PROTO_HOPOPTS, len - IP6_HDR_LEN);
	memcpy(pkt + IP6_HDR_LEN, hbh, 8);
	memset(pkt + IP6_HDR_LEN + 8, 0, 8 + 120);
	pkt[IP6_HDR_LEN + 8] = 128;
	pkt[IP6_HDR_LEN + 9] = 9;
	pkt[IP6_HDR_LEN + 12] = 0xab;
	pkt[IP6_HDR_LEN + 13] = 0xcd;
	sum6(pkt, IP6_HDR_LEN + 8, len, IP_PROTO_ICMPV6, 2);
	return (len);
}

/*
 * nmap's IE2: an echo request after hop-by-hop, destination options, a
 * type 0 routing header with no segments left, and hop-by-hop again.
 */
static size_t
nmap_ie2(uint8_t *pkt, const char *dst)
{
	static const uint8_t	 ext[32] = {
		IP_PROTO_DSTOPTS, 0, 1, 4, 0, 0, 0, 0,
		IP_PROTO_ROUTING, 0, 1, 4, 0, 0, 0, 0,
		IP_PROTO_HOPOPTS, 0, 0, 0, 0, 0, 0, 0,
		IP_PROTO_ICMPV6, 0, 1, 4, 0, 0, 0, 0
	};
	size_t			 len = IP6_HDR_LEN + 32 + 8;

	hdr6(pkt, NMAP_SRC, dst, IP_PROTO_HOPOPTS, len - IP6_HDR_LEN);
	memcpy(pkt + IP6_HDR_LEN, ext, 32);
	memset(pkt + IP6_HDR_LEN + 32, 0, 8);
	pkt[IP6_HDR_LEN + 32] = 128;
	pkt[IP6_HDR_LEN + 36] = 0xab;
	pkt[IP6_HDR_LEN + 37] = 0xcd;
	sum6(pkt, IP6_HDR_LEN + 32, len, IP_PROTO_ICMPV6, 2);
	return (len);
}

/* nmap's U1: 300 bytes of 'C' to a closed UDP port. */
static size_t
nmap_u1(uint8_t *pkt, const char *dst)
{
	size_t	 len = IP6_HDR_LEN + 8 + 300;

	hdr6(pkt, NMAP_SRC, dst, IP_PROTO_UDP, len - IP6_HDR_LEN);
	memset(pkt + IP6_HDR_LEN, 0, 8);
	pkt[IP6_HDR_LEN] = 0xb0;
	pkt[IP6_HDR_LEN + 1] = 0x0b;
	pkt[IP6_HDR_LEN + 2] = 0x7a;
	pkt[IP6_HDR_LEN + 3] = 0x69;
	pkt[IP6_HDR_LEN + 4] = (uint8_t)((len - IP6_HDR_LEN) >> 8);
	pkt[IP6_HDR_LEN + 5] = (uint8_t)(len - IP6_HDR_LEN);
	memset(pkt + IP6_HDR_LEN + 8, 'C', 300);
	sum6(pkt, IP6_HDR_LEN, len, IP_PROTO_UDP, 6);
	return (len);
}

/* What nmap's vectorizer reads of an answer (FPEngine.cc). */
struct v6feat {
	size_t	 plen;
	int	 hlim;
	int	 type, code;
	uint32_t label;
};

static int
answer6(uint8_t *pkt, size_t len, struct v6feat *f)
{
	static struct fixture_reply	 r;

	ip_input(pkt, len);
	memset(f, 0, sizeof(*f));
	if (fixture_next(&r) != 1 || r.len < IP6_HDR_LEN + 8)
		return (0);
	f->plen = (size_t)r.pkt[4] << 8 | r.pkt[5];
	f->hlim = r.pkt[7];
	f->label = label_of(r.pkt);
	if (r.pkt[6] == IP_PROTO_ICMPV6) {
		f->type = r.pkt[IP6_HDR_LEN];
		f->code = r.pkt[IP6_HDR_LEN + 1];
	}
	return (fixture_replies(NULL) == 0);
}

/*
 * nmap -6 -O's ICMPv6 probes against a Linux, a Windows and a FreeBSD
 * host, answered as the class means of nmap's model say a real host
 * of each answers them: IE1 129 with code 9 (Linux), 0 (Windows), or
 * nothing (FreeBSD), 128 bytes; IE2 parameter problem code 1 quoting
 * the whole probe, 88 bytes; U1 port unreachable, 356 bytes; hop
 * limits 64 and 128; Linux's answers labelled, the others' not.
 */
static void
test_nmap6(void)
{
	static const char	 conf[] =
	    "create lx\nset lx personality \"Linux 5.X\"\n"
	    "bind 2001:db8::10 lx\n"
	    "create win\nset win personality \"Windows 10\"\n"
	    "bind 2001:db8::20 win\n"
	    "create fb\nset fb personality \"FreeBSD 12\"\n"
	    "bind 2001:db8::30 fb\n";
	static const char	 prints[] =
	    "Fingerprint Linux 5.X\n"
	    "Class Linux | Linux | 5.X | general purpose\n"
	    "T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)\n"
	    "Fingerprint Windows 10\n"
	    "Class Microsoft | Windows | 10 | general purpose\n"
	    "T5(R=Y%DF=Y%T=80%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)\n"
	    "Fingerprint FreeBSD 12\n"
	    "Class FreeBSD | FreeBSD | 12.X | general purpose\n"
	    "T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)\n";
	static uint8_t		 pkt[512];
	struct fpdb		*db;
	struct v6feat		 f;
	uint32_t		 lxlabel;

	if (fixture_engine(conf, 16) == -1 || (db = fpdb_load_buffer("t",
	    prints, sizeof(prints) - 1)) == NULL) {
		CHECK(0);
		return;
	}
	fpdb_free(engine->db);
	engine->db = db;
	CHECK(personality_attach(engine->conf, db) == 0);

	CHECK(answer6(pkt, nmap_ie1(pkt, "2001:db8::10"), &f));
	CHECK(f.type == 129 && f.code == 9 && f.plen == 128 && f.hlim == 64);
	CHECK(f.label != 0);
	lxlabel = f.label;
	CHECK(answer6(pkt, nmap_ie1(pkt, "2001:db8::20"), &f));
	CHECK(f.type == 129 && f.code == 0 && f.plen == 128 && f.hlim == 128);
	CHECK(f.label == 0);
	CHECK(!answer6(pkt, nmap_ie1(pkt, "2001:db8::30"), &f));

	CHECK(answer6(pkt, nmap_ie2(pkt, "2001:db8::10"), &f));
	CHECK(f.type == 4 && f.code == 1 && f.plen == 88 && f.hlim == 64);
	CHECK(f.label != 0 && f.label != lxlabel);
	CHECK(answer6(pkt, nmap_ie2(pkt, "2001:db8::20"), &f));
	CHECK(f.type == 4 && f.code == 1 && f.plen == 88 && f.hlim == 128);
	CHECK(f.label == 0);

	CHECK(answer6(pkt, nmap_u1(pkt, "2001:db8::10"), &f));
	CHECK(f.type == 1 && f.code == 4 && f.plen == 356 && f.hlim == 64);
	CHECK(answer6(pkt, nmap_u1(pkt, "2001:db8::20"), &f));
	CHECK(f.type == 1 && f.code == 4 && f.plen == 356 && f.hlim == 128);
	CHECK(f.label == 0);
	CHECK(answer6(pkt, nmap_u1(pkt, "2001:db8::30"), &f));
	CHECK(f.type == 1 && f.code == 4 && f.plen == 356 && f.hlim == 64);
	CHECK(f.label == 0);
}

int
main(void)
{
	test_family();
	test_layout();
	test_relayout();
	test_rst();
	test_quote();
	test_ratelimit();
	test_global_ratelimit();
	test_machine_ratelimit();
	test_idslots();
	test_frag();
	test_synack();
	test_rows();
	test_ipv6_rows();
	test_flow6();
	test_tcp6();
	test_frag6_id();
	test_nmap6();
	return (unit_done());
}
