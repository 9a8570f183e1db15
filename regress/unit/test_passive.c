/*
 * Passive fingerprints (passive_db.c, passive.c): a small p0f 3 text
 * with good and malformed lines, hand-built SYNs matched against it,
 * IPv6 SYNs (hop limit, flow label, "*" signatures without their IPv4
 * quirks, mss + 60), the per-source cache behind "source os" rules for
 * both families, and the real
 * /etc/p0f/p0f.fp when it is installed.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "passive.h"
#include "unit.h"

#define REAL_P0F	"/etc/p0f/p0f.fp"

/* Generic before specific on purpose: the specific one must still win. */
static const char db_text[] =
"; a test database\n"
"classes = win,unix,other\n"
"\n"
"[mtu]\n"
"label = Ethernet\n"
"sig   = 1500\n"
"this line is nonsense but not in our section\n"
"\n"
"[tcp:request]\n"
"sig   = *:64:0:*:*,*:mss::0\n"				/* W1: no label */
"label = g:unix:Linux:2.2.x-3.x\n"
"sig   = *:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0\n"
"label = s:unix:Linux:3.11 and newer\n"
"sig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
"label = s:win:Windows:7 or 8\n"
"sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0\n"
"label = g:win:Windows:NT kernel\n"
"sig   = *:128:0:*:*,*:mss,nop,ws,nop,nop,sok:df,id+:0\n"
"label = s:unix:OpenVMS:8.x\n"
"sig   = 4:128:0:1460:mtu*2,0:mss,nop,ws::0\n"
"label = s:other:Modulo:\n"
"sig   = *:255:0:*:%512,0:mss:df:0\n"
"label = s:!:Tool:random ttl\n"
"sys   = @unix,@win\n"
"sig   = *:64-:0:1460:1024,0:mss::0\n"
"label = s:unix:Quirky:\n"
"sig   = *:64:0:*:*,*:mss,eol+3:seq-,ack+,uptr+,pushf+,opt+:+\n"
"label = s:unix:Stamps:\n"
"sig   = *:54+10:0:*:*,*:ts,nop,nop:ts1-,ts2+:0\n"
"label = s:unix:Scaled:\n"
"sig   = *:64:0:*:*,15:ws,nop:exws:0\n"
"label = s:unix:Broken:\n"
"sig   = *:64:0:*:*,*:mss,nop:bad:0\n"
"label = s:unix:Options:\n"
"sig   = *:64:4:*:*,*:mss:urgf+:*\n"
"label = x:unix:BadType:flavor\n"				/* W2 */
"sig   = *:64:0:*:*,*:mss::0\n"				/* silent */
"label = s:unix:NoFlavor\n"					/* W3 */
"label = s:unix:Good:x\n"
"sig   = 5:64:0:*:*,*:mss::0\n"				/* W4 */
"sig   = *:300:0:*:*,*:mss::0\n"				/* W5 */
"sig   = *:64:0:*:*:mss::0\n"				/* W6 */
"sig   = *:64:0:*:mss*0,*:mss::0\n"			/* W7 */
"sig   = *:64:0:*:*,*:mss,bogus::0\n"			/* W8 */
"sig   = *:64:0:*:*,*:mss:weird:0\n"			/* W9 */
"sig   = *:64:0:*:*,*:mss::x\n"				/* W10 */
"sig   = *:64:0:*:*,*:eol+1,mss::0\n"			/* W11 */
"sig   = 4:64:0\n"						/* W12 */
"sig   = *:64+?:0:*:*,*:mss::0\n"				/* W13 */
"garbage without an equals sign\n"				/* W14 */
"foo = bar\n"							/* W15 */
"sig   = *:64:0:*:*,*:mss:df:0:extra\n"			/* W16 */
"\n"
"[tcp:response]\n"
"label = s:unix:Linux:response\n"
"sig   = *:64:0:*:*,*:mss::0\n"
"garbage here is not ours\n";

#define DB_WARNINGS	16
#define DB_SIGS		12

struct syn {
	uint32_t	 src;
	uint8_t		 ttl;
	int		 df;
	uint16_t	 ipid;
	uint8_t		 tos;
	uint8_t		 ipopts;	/* bytes of IP NOP options */
	uint16_t	 win;
	uint8_t		 flags;
	uint32_t	 seq, ack;
	uint16_t	 urp;
	const uint8_t	*opts;
	size_t		 optlen;	/* a multiple of 4 */
	size_t		 payload;
};

static const uint8_t opt_linux[] = {		/* mss,sok,ts,nop,ws */
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7
};
static const uint8_t opt_linux10[] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 10
};
static const uint8_t opt_win[] = {		/* mss,nop,ws,nop,nop,sok */
	2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2
};
static const uint8_t opt_vms[] = {		/* mss,nop,ws */
	2, 4, 0x05, 0xb4, 1, 3, 3, 0
};
static const uint8_t opt_mss[] = { 2, 4, 0x05, 0xb4 };
static const uint8_t opt_quirky[] = { 2, 4, 0x05, 0xb4, 0, 0, 7, 0 };
static const uint8_t opt_stamps[] = {
	8, 10, 0, 0, 0, 0, 0, 0, 0, 9, 1, 1
};
static const uint8_t opt_scaled[] = { 3, 3, 15, 1 };
static const uint8_t opt_broken[] = { 2, 3, 5, 1 };
static const uint8_t opt_overrun[] = { 2, 8, 5, 0xb4 };

/* A SYN as an IPv4 packet, checksums right; its length. */
static size_t
mk_syn(uint8_t *buf, size_t size, const struct syn *s)
{
	struct ip_hdr	*ip = (struct ip_hdr *)buf;
	struct tcp_hdr	*th;
	size_t		 hlen = IP_HDR_LEN + s->ipopts;
	size_t		 len = hlen + TCP_HDR_LEN + s->optlen + s->payload;

	if (len > size)
		abort();
	memset(buf, 0, len);
	ip->ip_v = 4;
	ip->ip_hl = hlen / 4;
	ip->ip_tos = s->tos;
	ip->ip_len = htons(len);
	ip->ip_id = htons(s->ipid);
	ip->ip_off = s->df ? htons(IP_DF) : 0;
	ip->ip_ttl = s->ttl;
	ip->ip_p = IP_PROTO_TCP;
	ip->ip_src = htonl(s->src != 0 ? s->src : 0xc0000201);
	ip->ip_dst = htonl(0x0a000001);
	memset(buf + IP_HDR_LEN, 1, s->ipopts);
	th = (struct tcp_hdr *)(buf + hlen);
	th->th_sport = htons(40000);
	th->th_dport = htons(80);
	th->th_seq = htonl(s->seq);
	th->th_ack = htonl(s->ack);
	th->th_off = (TCP_HDR_LEN + s->optlen) / 4;
	th->th_flags = s->flags != 0 ? s->flags : TH_SYN;
	th->th_win = htons(s->win);
	th->th_urp = htons(s->urp);
	memcpy(buf + hlen + TCP_HDR_LEN, s->opts, s->optlen);
	memset(buf + hlen + TCP_HDR_LEN + s->optlen, 'x', s->payload);
	ip_checksum(buf, len);
	return (len);
}

static struct syn
linux_syn(void)
{
	struct syn	 s = { 0, 64, 1, 4321, 0, 0, 64240, 0, 1000, 0, 0,
			    opt_linux, sizeof(opt_linux), 0 };

	return (s);
}

static struct syn
win_syn(void)
{
	struct syn	 s = { 0, 128, 1, 777, 0, 0, 8192, 0, 1000, 0, 0,
			    opt_win, sizeof(opt_win), 0 };

	return (s);
}

/* The label's description for a SYN, or "-" for none. */
static const char *
desc_of(const struct passive_db *db, const struct syn *s)
{
	uint8_t				 buf[256];
	size_t				 len = mk_syn(buf, sizeof(buf), s);
	const struct passive_label	*l = passive_match(db, buf, len);

	return (l != NULL ? l->desc : "-");
}

#define CHECK_DESC(db, s, want) do {					\
	const char *got_ = desc_of((db), (s));				\
	CHECK(strcmp(got_, (want)) == 0);				\
	if (strcmp(got_, (want)) != 0)					\
		fprintf(stderr, "  got \"%s\", want \"%s\"\n",		\
		    got_, (want));					\
} while (0)

static void
test_parse(struct passive_db **dbp)
{
	struct passive_db	*db;
	char			*big;
	int			 nwarn = -1;
	size_t			 i;

	db = passive_db_parse("test.fp", db_text, sizeof(db_text) - 1, 0,
	    &nwarn);
	CHECK(db != NULL);
	if (db == NULL)
		exit(1);
	CHECK(nwarn == DB_WARNINGS);
	CHECK(passive_db_count(db) == DB_SIGS);
	for (i = 0; i < db->nlabels; i++)
		CHECK(strcmp(db->labels[i].name, "BadType") != 0);
	CHECK(db->sigs[0].ver == 0 && db->sigs[0].ittl == 64);
	CHECK(db->sigs[4].ver == 4 && db->sigs[4].mss == 1460 &&
	    db->sigs[4].wtype == PWIN_MTU && db->sigs[4].wval == 2);
	CHECK(db->sigs[6].ttl_bad == 1);
	CHECK(db->sigs[8].ittl == 64);		/* 54+10 */
	CHECK(db->sigs[7].eolpad == 3 && db->sigs[7].pclass == 1);
	CHECK(strcmp(db->labels[db->sigs[5].label].desc, "Modulo") == 0);
	CHECK(strcmp(db->labels[db->sigs[1].label].desc,
	    "Linux 3.11 and newer") == 0);
	CHECK(strcmp(db->labels[db->sigs[6].label].class, "!") == 0);
	*dbp = db;

	/* What the parent sends: the section, the same signatures. */
	CHECK(passive_db_extract(db_text, sizeof(db_text) - 1, &big,
	    &i) == 0);
	CHECK(strstr(big, "[mtu]") == NULL && strchr(big, ';') == NULL &&
	    strstr(big, "response") == NULL && strstr(big, "\n\n") == NULL);
	db = passive_db_parse("extract", big, i, 1, &nwarn);
	CHECK(db != NULL && passive_db_count(db) == DB_SIGS &&
	    nwarn == DB_WARNINGS);
	passive_db_free(db);
	free(big);

	/* Nothing at all, a long line, a NUL: no crash, no signature. */
	db = passive_db_parse("empty", "", 0, 1, &nwarn);
	CHECK(db != NULL && passive_db_count(db) == 0 && nwarn == 0);
	passive_db_free(db);
	if ((big = malloc(5000)) == NULL)
		exit(1);
	memcpy(big, "[tcp:request]\nlabel = s:unix:X:y\nsig = ", 39);
	memset(big + 39, '*', 5000 - 39);
	db = passive_db_parse("big", big, 5000, 1, &nwarn);
	CHECK(db != NULL && passive_db_count(db) == 0 && nwarn == 1);
	passive_db_free(db);
	memcpy(big, "[tcp:request]\nlabel = s:unix:X:y\nsig = *:64:0:*:*,*:\0"
	    "mss::0\n", 60);
	db = passive_db_parse("nul", big, 60, 1, &nwarn);
	CHECK(db != NULL && passive_db_count(db) == 0 && nwarn == 1);
	passive_db_free(db);
	free(big);
}

static void
test_os(const struct passive_db *db)
{
	struct syn	 s;

	/* A modern Linux window is no 3.11 one: the generic answers. */
	s = linux_syn();
	CHECK_DESC(db, &s, "Linux 2.2.x-3.x");
	s.win = 1460 * 20;
	s.opts = opt_linux10;
	CHECK_DESC(db, &s, "Linux 3.11 and newer");
	s = win_syn();
	CHECK_DESC(db, &s, "Windows 7 or 8");
	s.win = 64240;
	CHECK_DESC(db, &s, "Windows NT kernel");
	/* A SYN+ACK, or a SYN of no known system. */
	s = win_syn();
	s.flags = TH_SYN | TH_ACK;
	CHECK_DESC(db, &s, "-");
	s = win_syn();
	s.opts = opt_mss;
	s.optlen = sizeof(opt_mss);
	CHECK_DESC(db, &s, "-");
}

static void
test_ttl(const struct passive_db *db)
{
	struct syn	 s = win_syn();

	s.ttl = 128 - 15;
	CHECK_DESC(db, &s, "Windows 7 or 8");
	s.ttl = 128 - PASSIVE_MAX_DIST;
	CHECK_DESC(db, &s, "Windows 7 or 8");
	s.ttl = 128 - PASSIVE_MAX_DIST - 1;
	CHECK_DESC(db, &s, "-");
	s.ttl = 129;			/* above any initial TTL of its own */
	CHECK_DESC(db, &s, "-");
	s = linux_syn();
	s.ttl = 128;			/* Linux options, Windows TTL */
	CHECK_DESC(db, &s, "-");
	/* "64-": any TTL up to 64, however far. */
	s = linux_syn();
	s.df = 0;
	s.win = 1024;
	s.opts = opt_mss;
	s.optlen = sizeof(opt_mss);
	s.ttl = 3;
	CHECK_DESC(db, &s, "Tool random ttl");
	s.ttl = 65;
	CHECK_DESC(db, &s, "-");
	/* "54+10" is 64. */
	s = linux_syn();
	s.df = 0;
	s.opts = opt_stamps;
	s.optlen = sizeof(opt_stamps);
	s.ttl = 50;
	CHECK_DESC(db, &s, "Stamps");
}

static void
test_window(const struct passive_db *db)
{
	struct syn	 s;

	s = linux_syn();		/* mtu*2 = (1460 + 40) * 2 */
	s.ttl = 120;
	s.df = 0;
	s.opts = opt_vms;
	s.optlen = sizeof(opt_vms);
	s.win = 3000;
	CHECK_DESC(db, &s, "OpenVMS 8.x");
	s.win = 2920;
	CHECK_DESC(db, &s, "-");
	s = linux_syn();		/* %512, DF with a zero ID */
	s.ttl = 250;
	s.ipid = 0;
	s.opts = opt_mss;
	s.optlen = sizeof(opt_mss);
	s.win = 4096;
	CHECK_DESC(db, &s, "Modulo");
	s.win = 4100;
	CHECK_DESC(db, &s, "-");
	s = linux_syn();		/* exact window, scale */
	s.win = 1460 * 20;
	s.opts = opt_linux;		/* scale 7, not 10 */
	CHECK_DESC(db, &s, "Linux 2.2.x-3.x");
}

static void
test_quirks(const struct passive_db *db)
{
	struct syn		 s;
	struct passive_obs	 o;
	uint8_t			 buf[256];
	size_t			 len;

	s = linux_syn();
	s.df = 0;
	s.seq = 0;
	s.ack = 5;
	s.urp = 9;
	s.flags = TH_SYN | TH_PUSH;
	s.opts = opt_quirky;
	s.optlen = sizeof(opt_quirky);
	s.payload = 3;
	CHECK_DESC(db, &s, "Quirky");
	s.payload = 0;			/* its payload class is "+" */
	CHECK_DESC(db, &s, "-");
	s = linux_syn();
	s.df = 0;
	s.opts = opt_scaled;
	s.optlen = sizeof(opt_scaled);
	CHECK_DESC(db, &s, "Scaled");
	s.opts = opt_broken;
	s.optlen = sizeof(opt_broken);
	CHECK_DESC(db, &s, "Broken");
	s = linux_syn();		/* IP options, URG: payload "*" */
	s.df = 0;
	s.ipopts = 4;
	s.flags = TH_SYN | TH_URG;
	s.opts = opt_mss;
	s.optlen = sizeof(opt_mss);
	s.payload = 1;
	CHECK_DESC(db, &s, "Options");
	/* An option running past the header: "bad", layout cut there. */
	s = linux_syn();
	s.opts = opt_overrun;
	s.optlen = sizeof(opt_overrun);
	len = mk_syn(buf, sizeof(buf), &s);
	CHECK(passive_observe_syn(buf, len, &o) == 0);
	CHECK((o.quirks & PQ_BAD) && o.nopts == 0 && o.mss == -1);
	/* ECN, a missing DF: forgiven in the second round. */
	s = win_syn();
	s.flags = TH_SYN | TH_ECE | TH_CWR;
	CHECK_DESC(db, &s, "Windows 7 or 8");
	s = win_syn();
	s.tos = 2;
	s.df = 0;
	CHECK_DESC(db, &s, "Windows 7 or 8");
	s = win_syn();
	s.seq = 0;			/* seq- is never forgiven */
	CHECK_DESC(db, &s, "-");
}

static void
test_truncated(const struct passive_db *db)
{
	struct syn		 s = win_syn();
	struct passive_obs	 o;
	uint8_t			 buf[256];
	size_t			 len, n;
	struct ip_hdr		*ip = (struct ip_hdr *)buf;
	struct tcp_hdr		*th = (struct tcp_hdr *)(buf + IP_HDR_LEN);

	len = mk_syn(buf, sizeof(buf), &s);
	for (n = 0; n < len; n++)
		CHECK(passive_observe_syn(buf, n, &o) == -1);
	CHECK(passive_observe_syn(buf, len, &o) == 0);
	th->th_off = 15;		/* past the packet */
	CHECK(passive_match(db, buf, len) == NULL);
	len = mk_syn(buf, sizeof(buf), &s);
	ip->ip_off = htons(IP_MF);	/* a first fragment */
	CHECK(passive_match(db, buf, len) == NULL);
	ip->ip_off = 0;
	ip->ip_hl = 15;
	CHECK(passive_match(db, buf, len) == NULL);
	CHECK(passive_match(NULL, buf, len) == NULL);
}

static const char conf_text[] =
"dynamic dyn\n"
"dynamic glob\n"
"create winbox\n"
"create linbox\n"
"create other\n"
"add dyn use winbox if source os = windows\n"
"add dyn otherwise use other\n"
"add glob use linbox if source os = \"LIN*\"\n"
"add glob otherwise use other\n"
"bind 10.0.0.1 dyn\n"
"bind 10.0.0.2 glob\n"
"bind 2001:db8::2 glob\n";

/* Learn, then choose: what the engine does per packet. */
static void
test_cache(void)
{
	struct honeyd_config	*conf;
	struct template		*t;
	struct syn		 s;
	uint8_t			 buf[256];
	size_t			 len;
	const uint32_t		 a = 0xc6120001, b = 0xc6120002,
				 c = 0xc6120003;
	const char		*d;

	conf = config_parse_buffer("conf", conf_text, sizeof(conf_text) - 1,
	    NULL, NULL);
	CHECK(conf != NULL);
	if (conf == NULL)
		return;
	passive_reconf_append(db_text, 100);
	passive_reconf_append(db_text + 100, sizeof(db_text) - 1 - 100);
	passive_reconf_done(1);

	t = config_lookup(conf, 0x0a000001, a, IPPROTO_TCP);
	CHECK(t != NULL && strcmp(t->name, "other") == 0);
	s = win_syn();
	s.src = a;
	len = mk_syn(buf, sizeof(buf), &s);
	passive_observe(buf, len);
	t = config_lookup(conf, 0x0a000001, a, IPPROTO_TCP);
	CHECK(t != NULL && strcmp(t->name, "winbox") == 0);
	t = config_lookup(conf, 0x0a000001, a, IPPROTO_UDP);
	CHECK(t != NULL && strcmp(t->name, "winbox") == 0);
	t = config_lookup(conf, 0x0a000002, a, IPPROTO_TCP);
	CHECK(t != NULL && strcmp(t->name, "other") == 0);
	d = passive_os_desc(a);
	CHECK(d != NULL && strcmp(d, "Windows 7 or 8") == 0);
	/* The first SYN told: a later one of another system does not. */
	s = linux_syn();
	s.src = a;
	len = mk_syn(buf, sizeof(buf), &s);
	passive_observe(buf, len);
	CHECK(passive_os_name(a) != NULL &&
	    strcmp(passive_os_name(a), "Windows") == 0);
	/* Another source, a glob. */
	s.src = b;
	len = mk_syn(buf, sizeof(buf), &s);
	passive_observe(buf, len);
	t = config_lookup(conf, 0x0a000002, b, IPPROTO_ICMP);
	CHECK(t != NULL && strcmp(t->name, "linbox") == 0);
	t = config_lookup(conf, 0x0a000001, b, IPPROTO_TCP);
	CHECK(t != NULL && strcmp(t->name, "other") == 0);
	/* A corrupt checksum teaches nothing. */
	s = win_syn();
	s.src = c;
	len = mk_syn(buf, sizeof(buf), &s);
	buf[IP_HDR_LEN + 16] ^= 0x40;	/* th_sum */
	passive_observe(buf, len);
	CHECK(passive_os_name(c) == NULL);
	/* A reload keeps the labels the new file has, forgets others. */
	passive_reconf_append(db_text, sizeof(db_text) - 1);
	passive_reconf_done(1);
	CHECK(passive_os_name(a) != NULL && passive_os_name(b) != NULL);
	d = passive_os_desc(a);
	CHECK(d != NULL && strcmp(d, "Windows 7 or 8") == 0);
	passive_reconf_append(db_text, strstr(db_text, "label = s:win") -
	    db_text);
	passive_reconf_done(1);
	CHECK(passive_os_name(a) == NULL);
	d = passive_os_desc(b);
	CHECK(d != NULL && strcmp(d, "Linux 2.2.x-3.x") == 0);
	/* No text turns it off. */
	passive_reconf_done(1);
	CHECK(passive_os_name(a) == NULL && passive_os_name(b) == NULL);
	len = mk_syn(buf, sizeof(buf), &s);
	passive_observe(buf, len);
	CHECK(passive_os_name(c) == NULL);
	/* A rejected configuration keeps what runs. */
	passive_reconf_append(db_text, sizeof(db_text) - 1);
	passive_reconf_done(1);
	s.src = a;
	len = mk_syn(buf, sizeof(buf), &s);
	passive_observe(buf, len);
	passive_reconf_append("garbage", 7);
	passive_reconf_done(0);
	CHECK(passive_os_name(a) != NULL);
	passive_free();
	config_free(conf);
}

/*
 * IPv6: signatures for either version ("*") without their IPv4 quirks,
 * one for IPv6 alone with a flow label, one for IPv4 alone, and an MTU
 * window (mss + 60 over IPv6).
 */
static const char db6_text[] =
"[tcp:request]\n"
"label = s:unix:Linux:3.11 and newer\n"
"sig   = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0\n"
"label = s:unix:Flowy:\n"
"sig   = 6:64:0:*:mss*20,7:mss,sok,ts,nop,ws:flow:0\n"
"label = s:unix:Four:\n"
"sig   = 4:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0\n"
"label = s:unix:Mtu6:\n"
"sig   = 6:64:0:*:mtu*2,9:mss,sok,ts,nop,ws::0\n";

static const uint8_t opt_linux6[] = {		/* mss 1440, ws 10 */
	2, 4, 0x05, 0xa0, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 10
};

struct syn6 {
	struct in6_addr	 src;
	uint8_t		 hlim;
	uint8_t		 tclass;
	uint32_t	 flow;
	uint8_t		 nxt;		/* 0: TCP */
	uint16_t	 win;
	uint8_t		 scale;
};

/* A SYN as an IPv6 packet from s->src, checksum right; its length. */
static size_t
mk_syn6(uint8_t *buf, size_t size, const struct syn6 *s)
{
	struct tcp_hdr	*th;
	struct in6_addr	 dst;
	size_t		 plen = TCP_HDR_LEN + sizeof(opt_linux6);
	uint32_t	 vtf;

	if (IP6_HDR_LEN + plen > size)
		abort();
	memset(buf, 0, IP6_HDR_LEN + plen);
	vtf = htonl(6U << 28 | (uint32_t)s->tclass << 20 | s->flow);
	memcpy(buf, &vtf, sizeof(vtf));
	buf[4] = plen >> 8;
	buf[5] = plen & 0xff;
	buf[6] = s->nxt != 0 ? s->nxt : IP_PROTO_TCP;
	buf[7] = s->hlim;
	memcpy(buf + 8, &s->src, sizeof(s->src));
	CHECK(inet_pton(AF_INET6, "2001:db8::2", &dst) == 1);
	memcpy(buf + 24, &dst, sizeof(dst));
	th = (struct tcp_hdr *)(buf + IP6_HDR_LEN);
	th->th_sport = htons(40000);
	th->th_dport = htons(80);
	th->th_seq = htonl(1000);
	th->th_off = plen / 4;
	th->th_flags = TH_SYN;
	th->th_win = htons(s->win);
	memcpy(buf + IP6_HDR_LEN + TCP_HDR_LEN, opt_linux6, sizeof(opt_linux6));
	buf[IP6_HDR_LEN + plen - 1] = s->scale;
	th->th_sum = ip6_cksum(&s->src, &dst, IP_PROTO_TCP, th, plen);
	return (IP6_HDR_LEN + plen);
}

static struct syn6
linux_syn6(void)
{
	struct syn6	 s;

	memset(&s, 0, sizeof(s));
	CHECK(inet_pton(AF_INET6, "2001:db8:1::7", &s.src) == 1);
	s.hlim = 64;
	s.win = 1440 * 20;
	s.scale = 10;
	return (s);
}

static const char *
desc6_of(const struct passive_db *db, const struct syn6 *s)
{
	uint8_t				 buf[256];
	size_t				 len = mk_syn6(buf, sizeof(buf), s);
	const struct passive_label	*l = passive_match(db, buf, len);

	return (l != NULL ? l->desc : "-");
}

#define CHECK_DESC6(db, s, want) do {					\
	const char *got_ = desc6_of((db), (s));				\
	CHECK(strcmp(got_, (want)) == 0);				\
	if (strcmp(got_, (want)) != 0)					\
		fprintf(stderr, "  got \"%s\", want \"%s\"\n",		\
		    got_, (want));					\
} while (0)

/* What an IPv6 SYN shows, and what it matches. */
static void
test_ipv6(void)
{
	struct passive_db	*db;
	struct passive_obs	 o;
	struct syn6		 s;
	struct syn		 s4;
	uint8_t			 buf[256];
	size_t			 len, n;
	int			 nwarn = -1;

	db = passive_db_parse("db6", db6_text, sizeof(db6_text) - 1, 0,
	    &nwarn);
	CHECK(db != NULL && nwarn == 0 && passive_db_count(db) == 4);
	if (db == NULL)
		return;
	/* The hop limit as the TTL, no IP options, ECN, the flow label. */
	s = linux_syn6();
	s.hlim = 57;
	s.tclass = 0x02;
	s.flow = 0x12345;
	len = mk_syn6(buf, sizeof(buf), &s);
	CHECK(passive_observe_syn(buf, len, &o) == 0);
	CHECK(o.v6 && o.ttl == 57 && o.olen == 0 && o.mss == 1440 &&
	    o.scale == 10 && o.win == 28800 && o.nopts == 5 &&
	    o.quirks == (PQ_ECN | PQ_FLOW));
	s = linux_syn6();
	len = mk_syn6(buf, sizeof(buf), &s);
	CHECK(passive_observe_syn(buf, len, &o) == 0 && o.quirks == 0);
	/* A "*" signature's df and id+ do not hold an IPv6 SYN back. */
	CHECK_DESC6(db, &s, "Linux 3.11 and newer");
	s.hlim = 50;
	CHECK_DESC6(db, &s, "Linux 3.11 and newer");
	s.hlim = 65;
	CHECK_DESC6(db, &s, "-");
	/* A flow label: forgiven against "*", wanted by "6:...:flow". */
	s = linux_syn6();
	s.flow = 0xabcde;
	CHECK_DESC6(db, &s, "Linux 3.11 and newer");
	s.scale = 7;
	CHECK_DESC6(db, &s, "Flowy");
	s.flow = 0;
	CHECK_DESC6(db, &s, "-");	/* Four is IPv4's, Flowy wants flow */
	/* The IPv4 signature holds the IPv4 SYN alike. */
	s4 = linux_syn();
	s4.opts = opt_linux6;
	s4.optlen = sizeof(opt_linux6);
	s4.win = 1440 * 20;
	len = mk_syn(buf, sizeof(buf), &s4);
	buf[len - 1] = 7;
	ip_checksum(buf, len);
	CHECK(strcmp(passive_match(db, buf, len) != NULL ?
	    passive_match(db, buf, len)->desc : "-", "Four") == 0);
	/* mtu*2 over IPv6 is (1440 + 60) * 2, not (1440 + 40) * 2. */
	s = linux_syn6();
	s.scale = 9;
	s.win = 3000;
	CHECK_DESC6(db, &s, "Mtu6");
	s.win = 2960;
	CHECK_DESC6(db, &s, "-");
	/* Behind an extension header, cut short, or no SYN: not looked at. */
	s = linux_syn6();
	s.nxt = 0;			/* Hop-by-Hop */
	len = mk_syn6(buf, sizeof(buf), &s);
	buf[6] = 0;
	CHECK(passive_observe_syn(buf, len, &o) == -1);
	s = linux_syn6();
	len = mk_syn6(buf, sizeof(buf), &s);
	for (n = 0; n < len; n++)
		CHECK(passive_observe_syn(buf, n, &o) == -1);
	buf[5] = 8;			/* payload length under a TCP header */
	CHECK(passive_observe_syn(buf, len, &o) == -1);
	len = mk_syn6(buf, sizeof(buf), &s);
	buf[IP6_HDR_LEN + 13] |= TH_ACK;
	CHECK(passive_observe_syn(buf, len, &o) == -1);
	passive_db_free(db);
}

/* The cache and "source os" for IPv6 sources. */
static void
test_cache6(void)
{
	struct honeyd_config	*conf;
	struct template		*t;
	struct in6_addr		 dst, other;
	struct syn6		 s;
	uint8_t			 buf[256];
	size_t			 len;
	const char		*d;

	conf = config_parse_buffer("conf", conf_text, sizeof(conf_text) - 1,
	    NULL, NULL);
	CHECK(conf != NULL);
	if (conf == NULL)
		return;
	CHECK(inet_pton(AF_INET6, "2001:db8::2", &dst) == 1);
	CHECK(inet_pton(AF_INET6, "2001:db8:1::8", &other) == 1);
	passive_reconf_append(db6_text, sizeof(db6_text) - 1);
	passive_reconf_done(1);
	s = linux_syn6();
	t = config_lookup6(conf, &dst, &s.src, IPPROTO_TCP);
	CHECK(t != NULL && strcmp(t->name, "other") == 0);
	/* A corrupt checksum teaches nothing. */
	len = mk_syn6(buf, sizeof(buf), &s);
	buf[IP6_HDR_LEN + 16] ^= 0x40;
	passive_observe(buf, len);
	CHECK(passive_os_name6(&s.src) == NULL);
	len = mk_syn6(buf, sizeof(buf), &s);
	passive_observe(buf, len);
	d = passive_os_desc6(&s.src);
	CHECK(d != NULL && strcmp(d, "Linux 3.11 and newer") == 0);
	t = config_lookup6(conf, &dst, &s.src, IPPROTO_TCP);
	CHECK(t != NULL && strcmp(t->name, "linbox") == 0);
	t = config_lookup6(conf, &dst, &s.src, IPPROTO_ICMPV6);
	CHECK(t != NULL && strcmp(t->name, "linbox") == 0);
	t = config_lookup6(conf, &dst, NULL, IPPROTO_TCP);
	CHECK(t != NULL && strcmp(t->name, "other") == 0);
	/* Another IPv6 source, and the IPv4 one of the same fold: not it. */
	CHECK(passive_os_name6(&other) == NULL);
	CHECK(passive_os_name(addr6_fold(&s.src)) == NULL);
	t = config_lookup6(conf, &dst, &other, IPPROTO_TCP);
	CHECK(t != NULL && strcmp(t->name, "other") == 0);
	passive_free();
	config_free(conf);
}

static void
test_real(void)
{
	struct passive_db	*db, *sdb;
	struct syn		 s;
	struct syn6		 s6;
	char			*buf, *small;
	size_t			 len, slen;
	int			 nwarn = -1, swarn = -1;

	if (passive_db_read(REAL_P0F, 0, &buf, &len) != 0) {
		MISSING(REAL_P0F " not installed (package p0f)");
		return;
	}
	db = passive_db_parse(REAL_P0F, buf, len, 0, &nwarn);
	CHECK(passive_db_extract(buf, len, &small, &slen) == 0);
	free(buf);
	CHECK(db != NULL);
	if (db == NULL)
		return;
	sdb = passive_db_parse("extract", small, slen, 0, &swarn);
	CHECK(sdb != NULL && passive_db_count(sdb) == passive_db_count(db) &&
	    swarn == 0 && slen < len / 3);
	printf("the section sent to the engine: %zu of %zu bytes\n", slen,
	    len);
	passive_db_free(sdb);
	free(small);
	printf("%s: %zu SYN signatures, %zu labels, %d warnings\n",
	    REAL_P0F, passive_db_count(db), db->nlabels, nwarn);
	CHECK(passive_db_count(db) > 50);
	CHECK(nwarn == 0);
	s = linux_syn();
	CHECK(strncmp(desc_of(db, &s), "Linux ", 6) == 0);
	s = win_syn();
	CHECK_DESC(db, &s, "Windows 7 or 8");
	s.win = 64240;
	CHECK(strncmp(desc_of(db, &s), "Windows ", 8) == 0);
	/* A Linux IPv6 SYN, flow label or not. */
	s6 = linux_syn6();
	CHECK(strncmp(desc6_of(db, &s6), "Linux ", 6) == 0);
	s6.flow = 0x5a5a5;
	CHECK(strncmp(desc6_of(db, &s6), "Linux ", 6) == 0);
	passive_db_free(db);
	CHECK(passive_db_read("/nonexistent/p0f.fp", 0, &buf, &len) == 1);
	CHECK(passive_db_read("/nonexistent/p0f.fp", 1, &buf, &len) == -1);
	CHECK(passive_db_read("/", 1, &buf, &len) == -1);
}

int
main(void)
{
	struct passive_db	*db = NULL;

	log_init(1, 0);
	test_parse(&db);
	test_os(db);
	test_ttl(db);
	test_window(db);
	test_quirks(db);
	test_truncated(db);
	passive_db_free(db);
	test_cache();
	test_ipv6();
	test_cache6();
	test_real();
	return (unit_done());
}
