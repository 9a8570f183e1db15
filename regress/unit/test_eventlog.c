/*
 * Unit tests for the log formatting of honeyd/eventlog.c (Honeyd's
 * packet log format, RFC 3339 stamps, syslog headers, JSON string
 * escaping, scan kinds) and for the services' pure helpers of honeyd/service.c and
 * honeyd/proxy.c: variable expansion, "option service" limits, proxy
 * targets.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "unit.h"

/* The parent's globals (honeyd.c), which these files refer to. */
struct parent		*parent;
struct honeyd_opts	 honeyd_opts;

static void
test_times(void)
{
	struct timeval	 tv;
	char		 buf[64];

	/* 2004-05-01 12:34:56.789012 UTC */
	tv.tv_sec = 1083414896;
	tv.tv_usec = 789012;
	CHECK(eventlog_fmt_rfc3339(buf, sizeof(buf), &tv) == 27);
	CHECK(strcmp(buf, "2004-05-01T12:34:56.789012Z") == 0);
	setenv("TZ", "UTC", 1);
	tzset();
	eventlog_fmt_time(buf, sizeof(buf), &tv);
	/* Honeyd's: local time, four digits of fraction. */
	CHECK(strcmp(buf, "2004-05-01-12:34:56.7890") == 0);
	setenv("TZ", "EST5", 1);
	tzset();
	eventlog_fmt_time(buf, sizeof(buf), &tv);
	CHECK(strcmp(buf, "2004-05-01-07:34:56.7890") == 0);
	tv.tv_usec = 5;
	eventlog_fmt_rfc3339(buf, sizeof(buf), &tv);
	CHECK(strcmp(buf, "2004-05-01T12:34:56.000005Z") == 0);
}

/* -j syslog's headers: RFC 5424 to a collector, syslog(3)'s locally. */
static void
test_syslog(void)
{
	struct timeval	 tv;
	char		 buf[128];
	const char	*h;

	tv.tv_sec = 1083414896;
	tv.tv_usec = 789012;
	h = "<30>1 2004-05-01T12:34:56.789012Z sensor1 honeyd 4242 icmp - ";
	CHECK(eventlog_fmt_syslog(buf, sizeof(buf), &tv, "sensor1", 4242,
	    "icmp") == strlen(h));
	CHECK(strcmp(buf, h) == 0);
	eventlog_fmt_syslog(buf, sizeof(buf), &tv, "", 7, NULL);
	CHECK(strcmp(buf, "<30>1 2004-05-01T12:34:56.789012Z - honeyd 7 - - ")
	    == 0);
	setenv("TZ", "UTC", 1);
	tzset();
	h = "<30>May  1 12:34:56 honeyd[4242]: ";
	CHECK(eventlog_fmt_syslog(buf, sizeof(buf), &tv, NULL, 4242,
	    "icmp") == strlen(h));
	CHECK(strcmp(buf, h) == 0);
	tv.tv_sec += 10 * 86400;
	eventlog_fmt_syslog(buf, sizeof(buf), &tv, NULL, 1, NULL);
	CHECK(strcmp(buf, "<30>May 11 12:34:56 honeyd[1]: ") == 0);
	/* Too small: nothing rather than half a header. */
	CHECK(eventlog_fmt_syslog(buf, 20, &tv, "sensor1", 1, "icmp") == 0);
	CHECK(eventlog_is_syslog("syslog") && eventlog_is_syslog("syslog:/x"));
	CHECK(!eventlog_is_syslog("syslog.json") &&
	    !eventlog_is_syslog("/var/log/syslog") && !eventlog_is_syslog(NULL));
}

static void
test_flags(void)
{
	char	 buf[16];

	eventlog_fmt_tcpflags(buf, sizeof(buf), TH_SYN);
	CHECK(strcmp(buf, " S") == 0);
	eventlog_fmt_tcpflags(buf, sizeof(buf), TH_RST | TH_ACK);
	CHECK(strcmp(buf, " RA") == 0);
	eventlog_fmt_tcpflags(buf, sizeof(buf), 0xff);
	CHECK(strcmp(buf, " FSRPAUEC") == 0);
	eventlog_fmt_tcpflags(buf, sizeof(buf), 0);
	CHECK(strcmp(buf, " ") == 0);
	CHECK(eventlog_fmt_tcpflags(buf, 5, TH_SYN) == 0);
}

static void
test_tuple(void)
{
	struct tuple	 tp;
	char		 buf[64];

	memset(&tp, 0, sizeof(tp));
	tp.proto = IPPROTO_TCP;
	tp.src = 0x01020304;
	tp.dst = 0xc6130a0a;
	tp.sport = 1234;
	tp.dport = 80;
	eventlog_fmt_tuple(buf, sizeof(buf), &tp);
	CHECK(strcmp(buf, "1.2.3.4 1234 198.19.10.10 80") == 0);
}

static void
test_json_str(void)
{
	char	 buf[64];
	size_t	 n;

	n = eventlog_json_str(buf, sizeof(buf), "plain", 5);
	CHECK(n == 5 && strcmp(buf, "plain") == 0);
	n = eventlog_json_str(buf, sizeof(buf), "a\"b\\c", 5);
	CHECK(strcmp(buf, "a\\\"b\\\\c") == 0);
	n = eventlog_json_str(buf, sizeof(buf), "\n\t\r\x01\x7f", 5);
	CHECK(strcmp(buf, "\\n\\t\\r\\u0001\\u007f") == 0);
	/* Bytes past ASCII: valid JSON whatever they are. */
	n = eventlog_json_str(buf, sizeof(buf), "\xc3\xa9\xff", 3);
	CHECK(strcmp(buf, "\\u00c3\\u00a9\\u00ff") == 0);
	/* An embedded NUL is escaped, not a terminator. */
	n = eventlog_json_str(buf, sizeof(buf), "a\0b", 3);
	CHECK(n == 8 && memcmp(buf, "a\\u0000b", 8) == 0);
	/* Too long: refused, never cut in the middle of an escape. */
	CHECK(eventlog_json_str(buf, 8, "\x01\x02", 2) == (size_t)-1);
}

static void
test_scan(void)
{
	CHECK(strcmp(eventlog_scan_kind(0), "null") == 0);
	CHECK(strcmp(eventlog_scan_kind(TH_FIN), "fin") == 0);
	CHECK(strcmp(eventlog_scan_kind(TH_FIN | TH_PUSH | TH_URG),
	    "xmas") == 0);
	CHECK(strcmp(eventlog_scan_kind(TH_FIN | TH_ACK), "maimon") == 0);
	CHECK(strcmp(eventlog_scan_kind(TH_SYN | TH_FIN), "synfin") == 0);
	/* ECN bits do not hide a pattern; ordinary segments are none. */
	CHECK(strcmp(eventlog_scan_kind(TH_FIN | TH_ECE), "fin") == 0);
	CHECK(eventlog_scan_kind(TH_SYN) == NULL);
	CHECK(eventlog_scan_kind(TH_ACK) == NULL);
	CHECK(eventlog_scan_kind(TH_RST) == NULL);
}

static void
test_expand(void)
{
	struct tuple	 tp;
	char		 buf[128];

	memset(&tp, 0, sizeof(tp));
	tp.src = 0xc6120001;	/* 198.18.0.1 */
	tp.dst = 0xc6130a0a;	/* 198.19.10.10 */
	tp.sport = 40000;
	tp.dport = 22;
	CHECK(svc_expand(buf, sizeof(buf), "sh scripts/x.sh $ipsrc $sport "
	    "$ipdst $dport", &tp) == 0);
	CHECK(strcmp(buf, "sh scripts/x.sh 198.18.0.1 40000 198.19.10.10 "
	    "22") == 0);
	/* Other variables are the shell's; a lone $ stays. */
	CHECK(svc_expand(buf, sizeof(buf), "echo $HOME $ $ipsr $dport$dport",
	    &tp) == 0);
	CHECK(strcmp(buf, "echo $HOME $ $ipsr 2222") == 0);
	CHECK(svc_expand(buf, 10, "$ipsrc", &tp) == -1);
	CHECK(svc_expand(buf, 11, "$ipsrc", &tp) == 0);
	CHECK(svc_expand(buf, 3, "abc", &tp) == -1);
}

static struct honeyd_config *
conf_of(const char *text)
{
	return (config_parse_buffer("test", text, strlen(text), NULL, NULL));
}

static void
test_limits(void)
{
	static const char	*bad[] = {
		"option service bogus 3\n",
		"option service max 0\n",
		"option service timeout abc\n",
	};
	struct honeyd_config	*c;
	const struct svc_limits	*l;
	size_t			 i;

	c = conf_of("create t\n");
	CHECK(c != NULL);
	if (c != NULL) {
		l = &c->opts.service;
		CHECK(l->max == 1024 && l->per_template == 512 &&
		    l->timeout == 600);
		config_free(c);
	}
	c = conf_of("option service timeout 3\noption service max 10\n"
	    "option service per_template 5\noption service memory 64\n"
	    "option other timeout 9\n");
	CHECK(c != NULL);
	if (c != NULL) {
		l = &c->opts.service;
		CHECK(l->timeout == 3 && l->max == 10 &&
		    l->per_template == 5 && l->memory == 64 && l->cpu == 60);
		config_free(c);
	}
	/* The parser refuses them: no configuration comes back. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(conf_of(bad[i]) == NULL);
}

static void
test_proxy_target(void)
{
	struct action		 a;
	struct tuple		 tp;
	struct proxy_dest	 d;
	char			 buf[INET6_ADDRSTRLEN];

	memset(&tp, 0, sizeof(tp));
	tp.src = 0xc6120001;
	tp.dst = 0xc6130a0a;
	tp.sport = 40000;
	tp.dport = 22;
	memset(&a, 0, sizeof(a));
	a.kind = ACTION_PROXY;
	a.proxy_host = "$ipsrc";
	a.proxy_port = "22";
	CHECK(proxy_target(&a, &tp, &d) == 0 && !d.v6 &&
	    d.addr == tp.src && d.port == 22);
	a.proxy_host = "$ipdst";
	a.proxy_port = "$sport";
	CHECK(proxy_target(&a, &tp, &d) == 0 &&
	    d.addr == tp.dst && d.port == 40000);
	a.proxy_host = "10.1.2.3";
	a.proxy_port = "$dport";
	CHECK(proxy_target(&a, &tp, &d) == 0 &&
	    d.addr == 0x0a010203 && d.port == 22);
	CHECK(strcmp(addr_dest_fmt(&d, buf, sizeof(buf)), "10.1.2.3") == 0);
	a.proxy_host = "224.0.0.1";
	CHECK(proxy_target(&a, &tp, &d) == -1);
	a.proxy_host = "host.example";
	CHECK(proxy_target(&a, &tp, &d) == -1);
	a.proxy_host = "10.1.2.3";
	a.proxy_port = "70000";
	CHECK(proxy_target(&a, &tp, &d) == -1);

	/* IPv6: in brackets, or the connection's own addresses. */
	a.proxy_host = "[2001:db8::9]";
	a.proxy_port = "80";
	CHECK(proxy_target(&a, &tp, &d) == 0 && d.v6 && d.port == 80);
	CHECK(strcmp(addr_dest_fmt(&d, buf, sizeof(buf)), "2001:db8::9") == 0);
	a.proxy_host = "2001:db8::9";		/* no brackets */
	CHECK(proxy_target(&a, &tp, &d) == -1);
	a.proxy_host = "[ff02::1]";
	CHECK(proxy_target(&a, &tp, &d) == -1);
	a.proxy_host = "[::]";
	CHECK(proxy_target(&a, &tp, &d) == -1);
	a.proxy_host = "[::ffff:198.18.0.5]";	/* dodges the claims */
	CHECK(proxy_target(&a, &tp, &d) == -1);
	a.proxy_host = "[2001:db8::9";
	CHECK(proxy_target(&a, &tp, &d) == -1);
	a.proxy_host = "[]";
	CHECK(proxy_target(&a, &tp, &d) == -1);
	tp.v6 = 1;
	inet_pton(AF_INET6, "2001:db8::1", &tp.src6);
	inet_pton(AF_INET6, "2001:db8::5", &tp.dst6);
	a.proxy_host = "$ipsrc";
	CHECK(proxy_target(&a, &tp, &d) == 0 && d.v6 &&
	    memcmp(&d.addr6, &tp.src6, 16) == 0);
	a.proxy_host = "$ipdst";
	CHECK(proxy_target(&a, &tp, &d) == 0 && d.v6 &&
	    memcmp(&d.addr6, &tp.dst6, 16) == 0);
	a.proxy_host = "198.18.0.9";		/* IPv6 to IPv4 */
	CHECK(proxy_target(&a, &tp, &d) == 0 && !d.v6 &&
	    d.addr == 0xc6120009);
}

/* "proxy [ADDR]:PORT": parsed, printed back the same, bad forms refused. */
static void
test_proxy_parse(void)
{
	static const char	*bad[] = {
		"create t\nadd t tcp port 80 proxy 2001:db8::1:80\n",
		"create t\nadd t tcp port 80 proxy [2001:db8::1]\n",
		"create t\nadd t tcp port 80 proxy [2001:db8::zz]:80\n",
		"create t\nadd t tcp port 80 proxy [198.18.0.1]:80\n",
		"create t\nadd t tcp port 80 proxy [2001:db8::1]:0\n",
		"create t\nadd t tcp port 80 proxy [:80\n",
	};
	struct honeyd_config	*c;
	const struct template	*t;
	const struct action	*a;
	size_t			 i;

	c = conf_of("create t\nadd t tcp port 80 proxy [2001:db8::1]:8080\n"
	    "add t tcp port 81 proxy [2001:db8::2] : 81\n"
	    "add t udp port 53 proxy $ipsrc:53\n");
	CHECK(c != NULL);
	if (c != NULL) {
		t = config_find_template(c, "t");
		CHECK(t != NULL);
		if (t != NULL) {
			a = template_action(t, IPPROTO_TCP, 80);
			CHECK(a->kind == ACTION_PROXY &&
			    strcmp(a->proxy_host, "[2001:db8::1]") == 0 &&
			    strcmp(a->proxy_port, "8080") == 0);
			a = template_action(t, IPPROTO_TCP, 81);
			CHECK(a->kind == ACTION_PROXY &&
			    strcmp(a->proxy_host, "[2001:db8::2]") == 0 &&
			    strcmp(a->proxy_port, "81") == 0);
		}
		config_free(c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(conf_of(bad[i]) == NULL);
}

int
main(void)
{
	test_times();
	test_syslog();
	test_flags();
	test_tuple();
	test_json_str();
	test_scan();
	test_expand();
	test_limits();
	test_proxy_target();
	test_proxy_parse();
	return (unit_done());
}
