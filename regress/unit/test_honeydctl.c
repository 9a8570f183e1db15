/*
 * honeydctl without its socket: the command parser (prefixes, ambiguity,
 * arguments, statements re-quoted), the output of records as JSON and
 * as columns, and the flat JSON reader of monitor events.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "honeydctl.h"
#include "unit.h"

static struct parse_result	 res;
static char			 err[1024];

/* Parse a command given as one string of blank-separated words. */
static int
p(const char *cmd)
{
	char	**words;
	int	  n, rv;

	err[0] = '\0';
	if (split_line(cmd, &words, &n) == -1)
		return (-2);
	rv = parse(n, words, &res, err, sizeof(err));
	free_words(words, n);
	return (rv);
}

static void
test_keywords(void)
{
	CHECK(p("show status") == 0 && res.action == CTL_SHOW &&
	    res.type == IMSG_CTL_SHOW_STATUS && !res.hasarg);
	CHECK(p("sh statu") == 0 && res.type == IMSG_CTL_SHOW_STATUS);
	CHECK(p("sh stats") == 0 && res.type == IMSG_CTL_SHOW_STATS);
	CHECK(p("s stats") == -1 && strstr(err, "show set") != NULL);
	CHECK(p("sh st") == -1 && strstr(err, "ambiguous") != NULL &&
	    strstr(err, "status stats") != NULL);
	CHECK(p("sh te") == 0 && res.type == IMSG_CTL_SHOW_TEMPLATES);
	CHECK(p("sh b") == 0 && res.type == IMSG_CTL_SHOW_BINDS);
	CHECK(p("sh r") == 0 && res.type == IMSG_CTL_SHOW_ROUTES);
	CHECK(p("sh c") == 0 && res.type == IMSG_CTL_SHOW_CONNECTIONS);
	CHECK(p("sh se") == 0 && res.type == IMSG_CTL_SHOW_SERVICES);
	CHECK(p("show") == -1 && strstr(err, "missing") != NULL &&
	    strstr(err, "templates") != NULL);
	CHECK(p("frobnicate") == -1 && strstr(err, "unknown") != NULL &&
	    strstr(err, "monitor") != NULL && strstr(err, "route") != NULL);
	CHECK(p("show frob") == -1 && strstr(err, "\"frob\"") != NULL);
	CHECK(p("") == -1);
	CHECK(p("help") == 0 && res.action == CTL_HELP);
	CHECK(p("help me") == -1 && strstr(err, "unexpected") != NULL);
	CHECK(p("log v") == 0 && res.type == IMSG_CTL_LOG_VERBOSE);
	CHECK(p("log brief") == 0 && res.type == IMSG_CTL_LOG_BRIEF);
	CHECK(p("log") == -1 && strstr(err, "verbose brief") != NULL);
}

static void
test_arguments(void)
{
	CHECK(p("sh ho") == 0 && res.type == IMSG_CTL_SHOW_HOSTS &&
	    !res.hasarg);
	CHECK(p("sh ho 198.18.0.0/24") == 0 && res.hasarg &&
	    strcmp(res.arg, "198.18.0.0/24") == 0);
	CHECK(p("sh ho 198.18.0.1 x") == -1 && strstr(err, "\"x\"") != NULL);
	CHECK(p("show templates web") == 0 && strcmp(res.arg, "web") == 0);
	/* An argument that looks like a keyword is still an argument. */
	CHECK(p("show templates status") == 0 &&
	    strcmp(res.arg, "status") == 0);
	CHECK(p("show connections 198.19.1.10") == 0 &&
	    res.type == IMSG_CTL_SHOW_CONNECTIONS &&
	    strcmp(res.arg, "198.19.1.10") == 0);
	/* IPv6 filters go to the engine as typed; the longest fits. */
	CHECK(p("show connections 2001:db8::/64") == 0 &&
	    res.type == IMSG_CTL_SHOW_CONNECTIONS &&
	    strcmp(res.arg, "2001:db8::/64") == 0);
	CHECK(p("sh ho ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128") ==
	    0 && strcmp(res.arg,
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128") == 0);
	CHECK(p("reload") == 0 && res.action == CTL_RELOAD && !res.hasarg);
	CHECK(p("rel /etc/honeyd/other.conf") == 0 &&
	    res.type == IMSG_CTL_RELOAD &&
	    strcmp(res.arg, "/etc/honeyd/other.conf") == 0);
	CHECK(p("monitor") == 0 && res.type == IMSG_CTL_MONITOR &&
	    res.monmask == CTL_MON_ALL);
	CHECK(p("mon p") == 0 && res.monmask == CTL_MON_PACKETS);
	CHECK(p("mon s") == 0 && res.monmask == CTL_MON_SERVICES);
	CHECK(p("mon all") == 0 && res.monmask == CTL_MON_ALL);
	CHECK(p("mon bogus") == -1 &&
	    strstr(err, "packets services all") != NULL);
}

static void
test_statements(void)
{
	char	*argv[] = { "set", "web", "personality", "Linux 2.6.32" };
	char	*argv2[] = { "se", "web", "", "a\"b\\c", "x#y" };

	CHECK(parse(4, argv, &res, err, sizeof(err)) == 0 &&
	    res.action == CTL_CONFIG && res.type == IMSG_CTL_CONFIG &&
	    strcmp(res.arg, "set web personality \"Linux 2.6.32\"") == 0);
	CHECK(parse(5, argv2, &res, err, sizeof(err)) == 0 &&
	    strcmp(res.arg, "set web \"\" \"a\\\"b\\\\c\" \"x#y\"") == 0);
	CHECK(p("cr web") == 0 && strcmp(res.arg, "create web") == 0);
	CHECK(p("bind 198.18.1.50 web") == 0 &&
	    strcmp(res.arg, "bind 198.18.1.50 web") == 0);
	CHECK(p("a web") == -1 && strstr(err, "add annotate") != NULL);
	CHECK(p("c web") == -1 && strstr(err, "create clone") != NULL);
	CHECK(p("route entry 198.18.0.1") == 0 &&
	    strcmp(res.arg, "route entry 198.18.0.1") == 0);
	CHECK(p("unbind 198.18.1.50") == 0 && res.action == CTL_CONFIG);
	CHECK(p("delete web") == 0 && strcmp(res.arg, "delete web") == 0);
	CHECK(p("clone web2 web") == 0 && res.action == CTL_CONFIG);
	CHECK(p("annotate \"Linux\" fragment old") == 0 &&
	    strcmp(res.arg, "annotate Linux fragment old") == 0);

	/* From a line, a statement goes as written, its keyword expanded. */
	CHECK(parse_line("se web personality \"Linux 2.6.32\"   \r", &res,
	    err, sizeof(err)) == 0 &&
	    strcmp(res.arg, "set web personality \"Linux 2.6.32\"") == 0);
	CHECK(parse_line("  add web tcp port 80 \"sh 'x y'\"", &res, err,
	    sizeof(err)) == 0 &&
	    strcmp(res.arg, "add web tcp port 80 \"sh 'x y'\"") == 0);
	CHECK(parse_line("create", &res, err, sizeof(err)) == 0 &&
	    strcmp(res.arg, "create") == 0);
	CHECK(parse_line("show hosts \"198.18.0.1\"", &res, err,
	    sizeof(err)) == 0 && strcmp(res.arg, "198.18.0.1") == 0);
	CHECK(parse_line("set web \"unterminated", &res, err,
	    sizeof(err)) == -1 && strstr(err, "quote") != NULL);
}

/* Records built as the daemon builds them, printed into a string. */
static char *
print(int json, const struct ctlrec *recs, int n, const char *text)
{
	struct output	*o;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp;
	int		 i;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	o = output_new(fp, json);
	for (i = 0; i < n; i++)
		CHECK(output_record(o, recs[i].buf, recs[i].len) == 0);
	output_end(o, text);
	output_free(o);
	fclose(fp);
	return (buf);
}

static char *
jstr(const char *s)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	json_string(fp, s);
	fclose(fp);
	return (buf);
}

static char *
jnum(const char *s)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	json_number(fp, s);
	fclose(fp);
	return (buf);
}

static void
check_str(char *got, const char *want)
{
	CHECK(got != NULL && strcmp(got, want) == 0);
	if (got != NULL && strcmp(got, want) != 0)
		fprintf(stderr, "  got:  %s\n  want: %s\n", got, want);
	free(got);
}

static void
test_json_strings(void)
{
	check_str(jstr("plain"), "\"plain\"");
	check_str(jstr("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
	check_str(jstr("\x01\t\n\x1f\x7f"),
	    "\"\\u0001\\u0009\\u000a\\u001f\\u007f\"");
	check_str(jstr("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9d"),
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9d\"");
	/* Not UTF-8: a lone byte, overlong, surrogate, truncated. */
	check_str(jstr("a\xff" "b"), "\"a\\ufffdb\"");
	check_str(jstr("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
	check_str(jstr("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	check_str(jstr("x\xe2\x82"), "\"x\\ufffd\\ufffd\"");
	check_str(jstr("\xf4\x90\x80\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check_str(jnum("42"), "42");
	check_str(jnum("-1.5e3"), "-1.5e3");
	check_str(jnum("0.25"), "0.25");
	check_str(jnum("01"), "\"01\"");
	check_str(jnum("1."), "\"1.\"");
	check_str(jnum(""), "\"\"");
	check_str(jnum("nan"), "\"nan\"");
	check_str(jnum("12abc"), "\"12abc\"");
}

static void
test_json_records(void)
{
	struct ctlrec	 r[4];

	ctlrec_init(&r[0], "host");
	ctlrec_addr(&r[0], "address", 0xc6130a0a);
	ctlrec_str(&r[0], "template", "we\"b");
	ctlrec_num(&r[0], "connections", 3);
	ctlrec_bool(&r[0], "reachable", 1);
	ctlrec_init(&r[1], "summary");
	ctlrec_int(&r[1], "total", -2);
	ctlrec_init(&r[2], "host");
	ctlrec_addr(&r[2], "address", 0xc6130a0b);
	ctlrec_bool(&r[2], "reachable", 0);
	ctlrec_float(&r[2], "loss", 0.5);
	check_str(print(1, r, 3, NULL),
	    "{\"host\":[{\"address\":\"198.19.10.10\",\"template\":\"we\\\"b\","
	    "\"connections\":3,\"reachable\":true},"
	    "{\"address\":\"198.19.10.11\",\"reachable\":false,\"loss\":0.5}],"
	    "\"summary\":[{\"total\":-2}]}\n");
	check_str(print(1, r, 0, NULL), "{}\n");
	check_str(print(1, r, 0, "reloaded"), "{\"result\":\"reloaded\"}\n");
	check_str(print(1, r + 1, 1, "done"),
	    "{\"summary\":[{\"total\":-2}],\"result\":\"done\"}\n");
}

static void
test_bad_records(void)
{
	struct output	*o;
	FILE		*fp;

	if ((fp = fopen("/dev/null", "w")) == NULL) {
		SKIP("no /dev/null");
		return;
	}
	o = output_new(fp, 1);
	CHECK(output_record(o, "", 0) == -1);
	CHECK(output_record(o, NULL, 0) == -1);
	CHECK(output_record(o, "host", 4) == -1);	/* no NUL */
	CHECK(output_record(o, "\0", 1) == -1);		/* empty kind */
	CHECK(output_record(o, "host\0", 5) == 0);	/* no fields */
	CHECK(output_record(o, "host\0sk\0v", 9) == -1);
	CHECK(output_record(o, "host\0xk\0v\0", 10) == -1);
	CHECK(output_record(o, "host\0s\0v\0", 9) == -1);	/* empty key */
	CHECK(output_record(o, "host\0sk\0\0", 9) == 0);	/* empty value */
	CHECK(output_record(o, "host\0sk\0v\0n", 11) == -1);
	output_free(o);
	fclose(fp);
}

static void
test_human(void)
{
	struct ctlrec	 r[4];
	char		*s;

	ctlrec_init(&r[0], "status");
	ctlrec_str(&r[0], "version", "1.0");
	ctlrec_str(&r[0], "config_file", "/etc/x\x1b[2J");
	check_str(print(0, r, 1, NULL),
	    "Version:     1.0\nConfig file: /etc/x\\x1b[2J\n");

	ctlrec_init(&r[0], "counter");
	ctlrec_str(&r[0], "name", "packets_in");
	ctlrec_str(&r[0], "process", "engine");
	ctlrec_num(&r[0], "value", 12345);
	ctlrec_init(&r[1], "counter");
	ctlrec_str(&r[1], "name", "drops");
	ctlrec_str(&r[1], "process", "engine");
	ctlrec_num(&r[1], "value", 7);
	ctlrec_init(&r[2], "counter");
	ctlrec_str(&r[2], "name", "frames");
	ctlrec_str(&r[2], "process", "parent");
	ctlrec_num(&r[2], "value", 100);
	check_str(print(0, r, 3, NULL),
	    "engine:\n  packets_in  12345\n  drops           7\n"
	    "parent:\n  frames        100\n");

	ctlrec_init(&r[0], "gadget");
	ctlrec_str(&r[0], "colour", "blue");
	ctlrec_num(&r[0], "size", 3);
	check_str(print(0, r, 1, "ok"), "gadget:\n  colour: blue\n  size: 3\nok\n");

	ctlrec_init(&r[0], "bind");
	ctlrec_addr(&r[0], "address", 0xc6130a0a);
	ctlrec_str(&r[0], "template", "web");
	ctlrec_str(&r[0], "since", "boot");
	ctlrec_init(&r[1], "bind");
	ctlrec_addr(&r[1], "address", 0xc6130a0b);
	check_str(print(0, r, 2, NULL),
	    "ADDRESS       TEMPLATE\n198.19.10.10  web\n    since: boot\n"
	    "198.19.10.11  -\n");

	/* Numbers right-aligned under their header. */
	ctlrec_init(&r[0], "template");
	ctlrec_str(&r[0], "name", "web");
	ctlrec_num(&r[0], "hosts", 12);
	s = print(0, r, 1, NULL);
	check_str(s, "TEMPLATE  HOSTS\nweb          12\n");
}

static void
test_flat(void)
{
	struct flat_member	 m[FLAT_MAX];
	const char		*s;
	int			 n;

	s = " { \"time\" : \"t\", \"n\": -12.5e+3, \"b\": true, "
	    "\"f\":false, \"e\":\"\\u00e9\\ud83d\\udc1d\\n\\\"\\/\" } \n";
	CHECK(flat_parse(s, strlen(s), m, &n) == 0 && n == 5);
	if (n == 5) {
		CHECK(strcmp(m[0].key, "time") == 0 &&
		    m[0].type == CTLF_STRING && strcmp(m[0].value, "t") == 0);
		CHECK(m[1].type == CTLF_NUMBER &&
		    strcmp(m[1].value, "-12.5e+3") == 0);
		CHECK(m[2].type == CTLF_BOOL && strcmp(m[2].value, "true") == 0);
		CHECK(m[3].type == CTLF_BOOL &&
		    strcmp(m[3].value, "false") == 0);
		CHECK(strcmp(m[4].value,
		    "\xc3\xa9\xf0\x9f\x90\x9d\n\"/") == 0);
		flat_free(m, n);
	}
	CHECK(flat_parse("{}", 2, m, &n) == 0 && n == 0);

	/* Strict: anything but a flat object of strings, numbers, bools. */
	static const char *bad[] = {
		"", "[]", "{", "{\"a\":1,}", "{\"a\":1} x", "{\"a\":{}}",
		"{\"a\":[1]}", "{\"a\":null}", "{\"a\":01}", "{\"a\":1.}",
		"{\"a\":-}", "{\"a\":\"x}", "{\"a\":\"\x01\"}", "{a:1}",
		"{\"a\" 1}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\u00zz\"}", "{\"a\":\"\\q\"}", "{\"a\":\"\xff\"}",
		"{\"a\":\"\\u0000\"}", "{\"a\":tru}", "{\"a\":1 \"b\":2}",
		"{\"a\":1}}", "{,}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = -1;
		if (flat_parse(bad[i], strlen(bad[i]), m, &n) != -1) {
			CHECK(0);
			fprintf(stderr, "  accepted: %s\n", bad[i]);
			flat_free(m, n);
		} else
			CHECK(1);
	}
	/* Within len only: the rest of the buffer is not looked at. */
	CHECK(flat_parse("{\"a\":1}garbage", 7, m, &n) == 0 && n == 1);
	flat_free(m, n);
	CHECK(flat_parse("{\"a\":12", 6, m, &n) == -1);
}

static char *
event(int json, const char *line)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	output_event(fp, json, line, strlen(line));
	fclose(fp);
	return (buf);
}

static void
test_events(void)
{
	const char	*ev = "{\"time\":\"T\",\"event\":\"connect\","
	    "\"proto\":\"tcp\",\"port\":80,\"cmd\":\"a b\",\"ok\":true}\n";

	check_str(event(0, ev),
	    "T connect proto=tcp port=80 cmd=\"a b\" ok=true\n");
	check_str(event(1, ev), "{\"time\":\"T\",\"event\":\"connect\","
	    "\"proto\":\"tcp\",\"port\":80,\"cmd\":\"a b\",\"ok\":true}\n");
	check_str(event(0, "{\"x\":\"\\u001b\"}"), "x=\\x1b\n");
	check_str(event(0, "not json\x1b"), "not json\\x1b\n");
	check_str(event(1, "not json\x1b"),
	    "{\"raw\":\"not json\\u001b\"}\n");
	check_str(event(1, "{\"a\":\n1}"), "{\"a\": 1}\n");
}

/* Random bytes as records and as events: refused or printed, no crash. */
static void
test_random(void)
{
	struct flat_member	 m[FLAT_MAX];
	struct output		*o[2];
	unsigned char		 buf[64];
	static const char	 alpha[] = "ab\0snb\"{}:,\\u0123456789e-.tf";
	FILE			*fp;
	size_t			 len, i;
	int			 k, n, ok = 0;

	if ((fp = fopen("/dev/null", "w")) == NULL) {
		SKIP("no /dev/null");
		return;
	}
	srandom(1);
	o[0] = output_new(fp, 0);
	o[1] = output_new(fp, 1);
	for (k = 0; k < 20000; k++) {
		len = random() % sizeof(buf);
		for (i = 0; i < len; i++)
			buf[i] = k % 2 ?
			    alpha[random() % (sizeof(alpha) - 1)] : random();
		if (output_record(o[k % 2], buf, len) == 0)
			ok++;
		if (flat_parse((char *)buf, len, m, &n) == 0)
			flat_free(m, n);
		output_event(fp, k % 2, (char *)buf, len);
	}
	output_end(o[0], "done");
	output_end(o[1], "done");
	output_free(o[0]);
	output_free(o[1]);
	fclose(fp);
	CHECK(ok > 0);		/* some were well formed, and printed */
}

int
main(void)
{
	test_keywords();
	test_arguments();
	test_statements();
	test_json_strings();
	test_json_records();
	test_bad_records();
	test_human();
	test_flat();
	test_events();
	test_random();
	return (unit_done());
}
