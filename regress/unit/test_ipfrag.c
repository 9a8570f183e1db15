/*
 * Unit tests for IP fragments (ipfrag.c): reassembly in and out of
 * order, duplicates, overlaps under each personality's policy, holes,
 * the limits, malformed offsets and lengths, the 65535-byte ceiling,
 * the timeout's ICMP error; and the output fragmenter, whose pieces
 * must reassemble to what it was given.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "unit.h"
#include "engine_fixture.h"

#define ATTACKER	"198.18.0.1"
#define H_PLAIN		"198.18.0.10"	/* no personality: drop */
#define H_OLD		"198.18.0.11"
#define H_NEW		"198.18.0.12"
#define H_DROP		"198.18.0.13"

static const char conf_text[] =
    "option reassembly timeout 1\n"
    "annotate \"Pers Old\" fragment old\n"
    "annotate \"Pers New\" fragment new\n"
    "annotate \"Pers Drop\" fragment drop\n"
    "create default\n"
    "set default default icmp action open\n"
    "create plain\n"
    "set plain default icmp action open\n"
    "create t_old\n"
    "set t_old personality \"Pers Old\"\n"
    "create t_new\n"
    "set t_new personality \"Pers New\"\n"
    "create t_drop\n"
    "set t_drop personality \"Pers Drop\"\n"
    "bind " H_PLAIN " plain\n"
    "bind " H_OLD " t_old\n"
    "bind " H_NEW " t_new\n"
    "bind " H_DROP " t_drop\n";

static void
setup(void)
{
	CHECK(fixture_engine(conf_text, 16) == 0);
}

/* An ICMP echo request to dst with len bytes of patterned data. */
static size_t
make_echo(uint8_t *pkt, const char *dst, uint16_t id, size_t dlen)
{
	struct icmp_hdr	*icmp = (struct icmp_hdr *)(pkt + IP_HDR_LEN);
	ip_addr_t	 s, d;
	size_t		 i, len = IP_HDR_LEN + 8 + dlen;

	ip_pton(ATTACKER, &s);
	ip_pton(dst, &d);
	ip_pack_hdr(pkt, 0, len, id, 0, 64, IP_PROTO_ICMP, s, d);
	memset(icmp, 0, 8);
	icmp->icmp_type = ICMP_ECHO;
	memcpy((uint8_t *)icmp + 4, "\x12\x34\x00\x01", 4);
	for (i = 0; i < dlen; i++)
		pkt[IP_HDR_LEN + 8 + i] = 'a' + i % 26;
	ip_checksum(pkt, len);
	return (len);
}

/* Fragment [off, off + n) of the payload of whole, into frag. */
static size_t
cut(uint8_t *frag, const uint8_t *whole, size_t off, size_t n, int more)
{
	struct ip_hdr	*ip = (struct ip_hdr *)frag;
	int		 sum;

	memcpy(frag, whole, IP_HDR_LEN);
	memcpy(frag + IP_HDR_LEN, whole + IP_HDR_LEN + off, n);
	ip->ip_len = htons(IP_HDR_LEN + n);
	ip->ip_off = htons((off / 8) | (more ? IP_MF : 0));
	ip->ip_sum = 0;
	sum = ip_cksum_add(frag, IP_HDR_LEN, 0);
	ip->ip_sum = ip_cksum_carry(sum);
	return (IP_HDR_LEN + n);
}

/* Feed a fragment; 1 and the datagram in out when it completed one. */
static int
feed(const uint8_t *whole, size_t off, size_t n, int more, uint8_t *out,
    size_t *outlen)
{
	uint8_t		 frag[HONEYD_MAX_PKT];
	uint8_t		*dgram = NULL;
	size_t		 len = cut(frag, whole, off, n, more), dlen;

	if (ipfrag_input(frag, len, &dgram, &dlen) != 1)
		return (0);
	if (out != NULL) {
		memcpy(out, dgram, dlen);
		*outlen = dlen;
	}
	free(dgram);
	return (1);
}

/* The reassembly of whole: same bytes, but for the checksum it keeps. */
static int
same_datagram(const uint8_t *a, const uint8_t *b, size_t len)
{
	const struct ip_hdr	*ip = (const struct ip_hdr *)b;
	int			 sum = ip_cksum_add(b, IP_HDR_LEN, 0);

	return (ntohs(ip->ip_len) == len && ip->ip_off == 0 &&
	    ip_cksum_carry(sum) == 0 && memcmp(a, b, len) == 0);
}

static void
test_in_order(void)
{
	uint8_t	 pkt[4096], out[4096];
	size_t	 len = make_echo(pkt, H_PLAIN, 100, 3000), olen = 0;
	size_t	 pl = len - IP_HDR_LEN;

	CHECK(feed(pkt, 0, 1480, 1, NULL, NULL) == 0);
	CHECK(feed(pkt, 1480, 1480, 1, NULL, NULL) == 0);
	CHECK(ipfrag_count() == 1);
	CHECK(feed(pkt, 2960, pl - 2960, 0, out, &olen) == 1);
	CHECK(olen == len && same_datagram(pkt, out, len));
	CHECK(ipfrag_count() == 0 && ipfrag_held() == 0);
}

static void
test_out_of_order_and_dups(void)
{
	uint8_t	 pkt[4096], out[4096];
	size_t	 len = make_echo(pkt, H_PLAIN, 101, 3000), olen = 0;
	size_t	 pl = len - IP_HDR_LEN;

	CHECK(feed(pkt, 2960, pl - 2960, 0, NULL, NULL) == 0);
	CHECK(feed(pkt, 2960, pl - 2960, 0, NULL, NULL) == 0);	/* dup */
	CHECK(feed(pkt, 1480, 1480, 1, NULL, NULL) == 0);
	CHECK(feed(pkt, 1480, 1480, 1, NULL, NULL) == 0);	/* dup */
	CHECK(feed(pkt, 0, 1480, 1, out, &olen) == 1);
	CHECK(olen == len && same_datagram(pkt, out, len));
	CHECK(ipfrag_count() == 0);

	/* Two datagrams interleaved, told apart by their IDs. */
	make_echo(pkt, H_PLAIN, 102, 64);
	CHECK(feed(pkt, 0, 32, 1, NULL, NULL) == 0);
	make_echo(pkt, H_PLAIN, 103, 64);
	CHECK(feed(pkt, 0, 32, 1, NULL, NULL) == 0);
	CHECK(ipfrag_count() == 2);
	CHECK(feed(pkt, 32, 40, 0, NULL, NULL) == 1);
	make_echo(pkt, H_PLAIN, 102, 64);
	CHECK(feed(pkt, 32, 40, 0, NULL, NULL) == 1);
	CHECK(ipfrag_count() == 0);
}

static void
test_holes(void)
{
	uint8_t	 pkt[256];
	size_t	 len = make_echo(pkt, H_PLAIN, 104, 100);

	CHECK(feed(pkt, 0, 24, 1, NULL, NULL) == 0);
	CHECK(feed(pkt, 48, len - IP_HDR_LEN - 48, 0, NULL, NULL) == 0);
	CHECK(feed(pkt, 32, 16, 1, NULL, NULL) == 0);	/* 24-32 missing */
	CHECK(ipfrag_count() == 1);
	CHECK(feed(pkt, 24, 8, 1, NULL, NULL) == 1);
	CHECK(ipfrag_count() == 0);
}

/*
 * [0,24) then [24,40) from "old", [24,40) again from "new" (other
 * bytes), then the rest: what [24,40) holds in the end.
 */
static int
overlap(const char *dst, uint16_t id, uint8_t *out)
{
	uint8_t	 o[256], n[256];
	size_t	 len = make_echo(o, dst, id, 100), olen;

	memcpy(n, o, len);
	memset(n + IP_HDR_LEN + 24, 'N', 16);
	memset(o + IP_HDR_LEN + 24, 'O', 16);
	if (feed(o, 0, 24, 1, NULL, NULL) || feed(o, 24, 16, 1, NULL, NULL) ||
	    feed(n, 24, 16, 1, NULL, NULL))
		return (-1);
	/* Under "new" a later, partial overlap also wins where it lands. */
	if (feed(n, 32, 16, 1, NULL, NULL))
		return (-1);
	if (!feed(o, 48, len - IP_HDR_LEN - 48, 0, out, &olen))
		return (0);
	return (olen == len ? 1 : -1);
}

static void
test_overlap_policies(void)
{
	struct engine_stats	*st = &engine->stats;
	uint8_t			 out[256];
	uint64_t		 before;

	memset(out, 0, sizeof(out));
	/* The plain stack drops the datagram, as Linux does. */
	before = st->frag_overlap;
	CHECK(overlap(H_PLAIN, 110, out) == 0);
	CHECK(st->frag_overlap == before + 1);
	ipfrag_flush();
	CHECK(overlap(H_OLD, 111, out) == 1);
	CHECK(out[IP_HDR_LEN + 24] == 'O' && out[IP_HDR_LEN + 39] == 'O');
	CHECK(overlap(H_NEW, 112, out) == 1);
	CHECK(out[IP_HDR_LEN + 24] == 'N' && out[IP_HDR_LEN + 39] == 'N');
	CHECK(out[IP_HDR_LEN + 40] == 'a' + 32 % 26);	/* the last won */
	before = st->frag_overlap;
	CHECK(overlap(H_DROP, 113, out) == 0);
	CHECK(st->frag_overlap == before + 1);
	/* The dead datagram swallows the rest of it until it expires. */
	CHECK(ipfrag_count() == 1);
	ipfrag_flush();
	CHECK(ipfrag_count() == 0 && ipfrag_held() == 0);
}

static void
check_malformed(const uint8_t *frag, size_t len, const char *what)
{
	uint64_t	 before = engine->stats.drop_frag;
	uint8_t		*dgram = NULL;
	size_t		 dlen;

	CHECK(ipfrag_input(frag, len, &dgram, &dlen) == 0);
	if (engine->stats.drop_frag != before + 1)
		fprintf(stderr, "not counted malformed: %s\n", what);
	CHECK(engine->stats.drop_frag == before + 1);
}

/* The first 16 bytes of whole's payload after a 60-byte header. */
static size_t
first_with_options(uint8_t *frag, const uint8_t *whole)
{
	struct ip_hdr	*ip = (struct ip_hdr *)frag;
	int		 sum;

	memcpy(frag, whole, IP_HDR_LEN);
	memset(frag + IP_HDR_LEN, IP_OPT_NOP, IP_HDR_LEN_MAX - IP_HDR_LEN);
	memcpy(frag + IP_HDR_LEN_MAX, whole + IP_HDR_LEN, 16);
	ip->ip_hl = IP_HDR_LEN_MAX / 4;
	ip->ip_len = htons(IP_HDR_LEN_MAX + 16);
	ip->ip_off = htons(IP_MF);
	ip->ip_sum = 0;
	sum = ip_cksum_add(frag, IP_HDR_LEN_MAX, 0);
	ip->ip_sum = ip_cksum_carry(sum);
	return (IP_HDR_LEN_MAX + 16);
}

static void
test_malformed(void)
{
	uint8_t		 pkt[HONEYD_MAX_PKT], frag[HONEYD_MAX_PKT];
	struct ip_hdr	*ip = (struct ip_hdr *)frag;
	size_t		 len = make_echo(pkt, H_PLAIN, 120, 100), flen;
	int		 sum;

	/* Data not a multiple of 8 before the end. */
	check_malformed(frag, cut(frag, pkt, 0, 20, 1), "MF, 20 bytes");
	/* No data at all. */
	check_malformed(frag, cut(frag, pkt, 8, 0, 1), "empty");
	/* Past 65535 bytes: the ping of death. */
	flen = cut(frag, pkt, 0, 16, 0);
	ip->ip_off = htons(IP_OFFMASK);
	ip->ip_sum = 0;
	sum = ip_cksum_add(frag, IP_HDR_LEN, 0);
	ip->ip_sum = ip_cksum_carry(sum);
	check_malformed(frag, flen, "offset 65528 + 16");
	CHECK(ipfrag_count() == 0);

	/* Ends that disagree with what is held or known. */
	CHECK(feed(pkt, 0, 48, 1, NULL, NULL) == 0);
	check_malformed(frag, cut(frag, pkt, 16, 16, 0), "last below held");
	CHECK(feed(pkt, 48, len - IP_HDR_LEN - 48, 0, NULL, NULL) == 1);
	make_echo(pkt, H_PLAIN, 121, 100);
	CHECK(feed(pkt, 64, len - IP_HDR_LEN - 64, 0, NULL, NULL) == 0);
	check_malformed(frag, cut(frag, pkt, 64, 8, 0), "second total");
	check_malformed(frag, cut(frag, pkt, 96, 16, 1), "past the total");
	ipfrag_flush();

	/* A first fragment's 60-byte header would take it past 65535. */
	make_echo(pkt, H_PLAIN, 122, 100);
	CHECK(feed(pkt, 65496, 16, 0, NULL, NULL) == 0);
	check_malformed(frag, first_with_options(frag, pkt), "long first");
	make_echo(pkt, H_PLAIN, 123, 100);
	CHECK(ipfrag_input(frag, first_with_options(frag, pkt), NULL,
	    NULL) == 0);
	check_malformed(frag, cut(frag, pkt, 65496, 16, 0), "end past it");
	ipfrag_flush();
	CHECK(ipfrag_count() == 0 && ipfrag_held() == 0);
}

/* The largest datagram reassembles; one byte more is refused. */
static void
test_max_size(void)
{
	static uint8_t	 pkt[HONEYD_MAX_PKT], out[HONEYD_MAX_PKT];
	struct ip_hdr	*ip = (struct ip_hdr *)pkt;
	size_t		 off, n, pl = IP_LEN_MAX - IP_HDR_LEN, olen = 0;
	int		 done = 0;

	make_echo(pkt, H_PLAIN, 130, pl - 8);
	CHECK(ntohs(ip->ip_len) == IP_LEN_MAX);
	for (off = 0; off < pl; off += n) {
		n = pl - off > 1480 ? 1480 : pl - off;
		done = feed(pkt, off, n, off + n < pl, out, &olen);
	}
	CHECK(done == 1 && olen == IP_LEN_MAX &&
	    same_datagram(pkt, out, IP_LEN_MAX));
	CHECK(ipfrag_count() == 0 && ipfrag_held() == 0);
}

static void
test_limits(void)
{
	struct engine_stats	*st = &engine->stats;
	uint8_t			 pkt[HONEYD_MAX_PKT];
	uint64_t		 before = st->frag_limit;
	unsigned int		 i;

	/* More queues than allowed: the oldest go. */
	for (i = 0; i < IPFRAG_MAXQ + 10; i++) {
		make_echo(pkt, H_PLAIN, 1000 + i, 100);
		CHECK(feed(pkt, 0, 16, 1, NULL, NULL) == 0);
	}
	CHECK(ipfrag_count() == IPFRAG_MAXQ);
	CHECK(st->frag_limit == before + 10);
	/* The newest is held, the first is gone: its rest starts anew. */
	CHECK(feed(pkt, 16, 100 + 8 - 16, 0, NULL, NULL) == 1);
	make_echo(pkt, H_PLAIN, 1000, 100);
	CHECK(feed(pkt, 16, 100 + 8 - 16, 0, NULL, NULL) == 0);
	ipfrag_flush();

	/* Fragments far out cost their whole buffer: bytes bound them. */
	before = st->frag_limit;
	for (i = 0; i < 200; i++) {
		make_echo(pkt, H_PLAIN, 3000 + i, 60000);
		CHECK(feed(pkt, 59000, 800, 1, NULL, NULL) == 0);
		CHECK(ipfrag_held() <= IPFRAG_MAXBYTES);
	}
	CHECK(st->frag_limit > before);
	CHECK(ipfrag_count() < 200);
	ipfrag_flush();
	CHECK(ipfrag_count() == 0 && ipfrag_held() == 0);
}

static uint8_t	 sent[64][2048];
static size_t	 sent_len[64];
static int	 nsent;

static void
collect(const void *p, size_t len)
{
	if (nsent < 64 && len <= sizeof(sent[0])) {
		memcpy(sent[nsent], p, len);
		sent_len[nsent] = len;
	}
	nsent++;
}

/* The whole path: a big echo in fragments, its reply in fragments. */
static void
test_through_engine(void)
{
	static struct fixture_reply r;
	uint8_t		 pkt[8192], frag[2048], out[HONEYD_MAX_PKT];
	uint8_t		*dgram;
	struct icmp_hdr	*icmp = (struct icmp_hdr *)(out + IP_HDR_LEN);
	size_t		 len = make_echo(pkt, H_PLAIN, 140, 4000), dlen = 0;
	size_t		 off, n, pl = len - IP_HDR_LEN;
	int		 npkts = 0, done = 0;

	for (off = 0; off < pl; off += n) {
		n = pl - off > 1480 ? 1480 : pl - off;
		ip_input(frag, cut(frag, pkt, off, n, off + n < pl));
	}
	/* 4028 bytes of reply: three pieces that reassemble to it. */
	while (fixture_next(&r) == 1) {
		npkts++;
		dgram = NULL;
		CHECK(r.len <= IPFRAG_MTU);
		if (ipfrag_input(r.pkt, r.len, &dgram, &dlen) == 1) {
			memcpy(out, dgram, dlen);
			done++;
		}
		free(dgram);
	}
	CHECK(npkts == 3 && done == 1 && dlen == len);
	CHECK(done == 1 && icmp->icmp_type == ICMP_ECHOREPLY &&
	    memcmp(out + IP_HDR_LEN + 8, pkt + IP_HDR_LEN + 8, 4000) == 0);
	CHECK(engine->stats.frag_out == 1);
	CHECK(ipfrag_count() == 0);
}

static void
test_output(void)
{
	uint8_t		 pkt[HONEYD_MAX_PKT], out[HONEYD_MAX_PKT];
	struct ip_hdr	*ip = (struct ip_hdr *)pkt, *fip;
	uint8_t		*dgram;
	size_t		 len, dlen = 0;
	int		 i, sum, mf, done = 0;

	/* Small: as it is. */
	len = make_echo(pkt, H_PLAIN, 150, 100);
	nsent = 0;
	CHECK(ipfrag_output(pkt, len, 1500, collect) == 0);
	CHECK(nsent == 1 && sent_len[0] == len &&
	    memcmp(sent[0], pkt, len) == 0);

	/* 5000 bytes with DF, from the attacker's side for the test. */
	len = make_echo(pkt, H_PLAIN, 151, 5000 - IP_HDR_LEN - 8);
	ip->ip_off = htons(IP_DF);
	ip_checksum(pkt, len);
	nsent = 0;
	CHECK(ipfrag_output(pkt, len, 1500, collect) == 0);
	CHECK(nsent == 4);
	for (i = 0; i < nsent && i < 64; i++) {
		fip = (struct ip_hdr *)sent[i];
		mf = (ntohs(fip->ip_off) & IP_MF) != 0;
		sum = ip_cksum_add(sent[i], IP_HDR_LEN, 0);
		CHECK(sent_len[i] <= 1500 && ntohs(fip->ip_len) == sent_len[i]);
		CHECK(ip_cksum_carry(sum) == 0);
		CHECK(fip->ip_id == ip->ip_id);
		CHECK((ntohs(fip->ip_off) & IP_DF) == 0);
		CHECK(mf == (i < nsent - 1));
		CHECK(!mf || (sent_len[i] - IP_HDR_LEN) % 8 == 0);
		dgram = NULL;
		if (ipfrag_input(sent[i], sent_len[i], &dgram, &dlen) == 1) {
			memcpy(out, dgram, dlen);
			done++;
		}
		free(dgram);
	}
	CHECK(done == 1 && dlen == len);
	/* The reassembly is the original but for DF and the checksum. */
	ip->ip_off = 0;
	ip_checksum(pkt, len);
	CHECK(done == 1 && same_datagram(pkt, out, len));

	/* DF and ID 0 (RFC 6864's atomic datagram): split, it gets an ID. */
	ip->ip_off = htons(IP_DF);
	ip->ip_id = 0;
	ip_checksum(pkt, len);
	nsent = 0;
	CHECK(ipfrag_output(pkt, len, 1500, collect) == 0);
	CHECK(nsent == 4 && ((struct ip_hdr *)sent[0])->ip_id != 0);
	for (i = 1; i < nsent && i < 64; i++)
		CHECK(((struct ip_hdr *)sent[i])->ip_id ==
		    ((struct ip_hdr *)sent[0])->ip_id);
	/* Without DF an ID of 0 is the stack's choice: kept. */
	ip->ip_off = 0;
	ip_checksum(pkt, len);
	nsent = 0;
	CHECK(ipfrag_output(pkt, len, 1500, collect) == 0);
	CHECK(nsent == 4 && ((struct ip_hdr *)sent[3])->ip_id == 0);

	/* Options: a copied one goes into every piece, others only first. */
	memmove(pkt + 28, pkt + IP_HDR_LEN, len - IP_HDR_LEN);
	/* Stream ID (copied), an empty record route (not), end. */
	memcpy(pkt + IP_HDR_LEN, "\x88\x04\x12\x34\x07\x03\x04\x00", 8);
	len += 8;
	ip->ip_hl = 7;
	ip->ip_len = htons(len);
	ip_checksum(pkt, len);
	nsent = 0;
	CHECK(ipfrag_output(pkt, len, 1500, collect) == 0);
	CHECK(nsent == 4 && ((struct ip_hdr *)sent[0])->ip_hl == 7);
	CHECK(((struct ip_hdr *)sent[1])->ip_hl == 6);
	CHECK(memcmp(sent[1] + IP_HDR_LEN, "\x88\x04\x12\x34", 4) == 0);
	CHECK(memcmp(sent[1] + 24, pkt + 28 + 1472, 8) == 0);

	/* Nothing fits, or it is not a packet. */
	CHECK(ipfrag_output(pkt, len, 30, collect) == -1);
	CHECK(ipfrag_output(pkt, 10, 1500, collect) == -1);
	CHECK(ipfrag_count() == 0);
}

static void
stop(evutil_socket_t fd, short ev, void *arg)
{
	event_base_loopbreak(engine->base);
}

/* A first fragment left alone: time exceeded, reassembly, quoting it. */
static void
test_conf_timeout(void)
{
	static const char	*good = "option reassembly timeout 45\n";
	static const char	*bad[] = {
		"option reassembly timeout 0\n",
		"option reassembly timeout 3601\n",
		"option reassembly timeout soon\n",
		"option reassembly wait 5\n",
	};
	struct honeyd_config	*c;
	size_t			 i;

	c = config_parse_buffer("t", good, strlen(good), NULL, NULL);
	CHECK(c != NULL && c->opts.reassembly_timeout == 45);
	config_free(c);
	c = config_parse_buffer("t", "", 0, NULL, NULL);
	CHECK(c != NULL && c->opts.reassembly_timeout == IPFRAG_TIMEOUT);
	config_free(c);
	/* The parser refuses them: no configuration comes back. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = config_parse_buffer("t", bad[i], strlen(bad[i]), NULL,
		    NULL);
		CHECK(c == NULL);
		if (c != NULL)
			config_free(c);
	}
}

static void
test_timeout(void)
{
	struct engine_stats	*st = &engine->stats;
	static struct fixture_reply r;
	uint8_t			*out = r.pkt;
	uint8_t			 pkt[256], frag[256];
	struct icmp_hdr		*icmp = (struct icmp_hdr *)(out + IP_HDR_LEN);
	struct ip_hdr		*q;
	struct timeval		 tv = { 1, 500000 };
	struct event		*ev;
	uint64_t		 before = st->frag_timeout;

	fixture_replies(NULL);
	make_echo(pkt, H_PLAIN, 160, 100);
	ip_input(frag, cut(frag, pkt, 0, 16, 1));
	make_echo(pkt, H_PLAIN, 161, 100);	/* no first: silence */
	ip_input(frag, cut(frag, pkt, 16, 16, 1));
	CHECK(ipfrag_count() == 2);
	ev = evtimer_new(engine->base, stop, NULL);
	evtimer_add(ev, &tv);
	/* The queue's timer (1 s here) fires first, then ours stops it. */
	event_base_dispatch(engine->base);
	event_free(ev);
	CHECK(ipfrag_count() == 0);
	CHECK(st->frag_timeout == before + 2);
	CHECK(fixture_replies(&r) == 1);
	CHECK(r.len >= IP_HDR_LEN + 8 + IP_HDR_LEN + 8);
	CHECK(icmp->icmp_type == ICMP_TIMEXCEED &&
	    icmp->icmp_code == ICMP_TIMEXCEED_REASS);
	q = (struct ip_hdr *)(out + IP_HDR_LEN + 8);
	CHECK(ntohs(q->ip_id) == 160 && (ntohs(q->ip_off) & IP_MF));
}

int
main(void)
{
	setup();
	test_in_order();
	test_out_of_order_and_dups();
	test_holes();
	test_overlap_policies();
	test_malformed();
	test_max_size();
	test_limits();
	test_through_engine();
	test_output();
	test_conf_timeout();
	test_timeout();
	ipfrag_flush();
	CHECK(ipfrag_count() == 0 && ipfrag_held() == 0);
	CHECK(fixture_other == 0);	/* nothing but packets */
	return (unit_done());
}
