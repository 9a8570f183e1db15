/*
 * config_check: parse a configuration and print it in canonical form,
 * as "honeyd -nv" does, for regress/config/run.sh.  It loads the file
 * with config_load(), as honeyd does, so it accepts what honeyd -n
 * accepts and nothing else (run.sh runs honeyd -n too).
 *
 *	config_check [-bs] [-m mac-prefixes] [-p personalities] file
 *
 * -p names a file of personality names, one a line; without it every
 * name is accepted.  -m names the table of MAC vendors (ether.c)
 * instead of nmap's.  -b reads the file into memory and parses that, as
 * the engine does with the text it receives.  -s prints the parse time
 * and size of the result instead of the configuration.
 *
 * Lines of the input starting with "#?" are queries run against the
 * parsed configuration; the answers follow the printout as "# "
 * comments so the output still parses:
 *	#? lookup DST [SRC]		the template answering for DST
 *	#? lookup6 DST6 [SRC6 [NXT]]	the same for IPv6 (a source of -:
 *					not known), the packet's Next
 *					Header a number (0 without)
 *	#? action DST tcp|udp|icmp PORT [SRC]
 *	#? bind ADDR			the bind interval holding ADDR
 *	#? claim			the addresses the config claims
 *	#? mac ADDR			the MAC the parent gives ADDR
 *	#? route DST [TTL]		the way through the routing
 *					topology for a packet to DST
 *	#? route DST6 [HLIM [SIZE]]	the same for an IPv6 DST6, and a
 *					packet of SIZE bytes (links' MTUs)
 *	#? resolve DST SRC HH:MM:SS PROTO OS
 *					the same as lookup for a packet of
 *					PROTO (tcp, udp, icmp or -) from a
 *					source running OS (a word or -) at
 *					that time of day
 * Exit 0 if the configuration is valid, 1 if not.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "honeyd.h"

struct names {
	char	**v;
	size_t	  n;
};

static int	 names_load(struct names *, const char *);
static int	 names_check(const char *, void *);
static void	 queries(FILE *, const char *, const struct honeyd_config *,
		    const struct ether_map *);
static void	 query(FILE *, char *, const struct honeyd_config *,
		    const struct ether_map *);
static void	 mac_query(FILE *, const char *, const struct ether_map *);
static void	 resolve(FILE *, char **, const struct honeyd_config *);
static void	 lookup6(FILE *, char **, int, const struct honeyd_config *);
static void	 stats(const struct honeyd_config *, double);
static struct honeyd_config *parse_buffer(const char *, struct names *);
static __dead void usage(void);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: config_check [-bs] [-m mac-prefixes] "
	    "[-p personalities] file\n");
	exit(2);
}

static int
names_load(struct names *nm, const char *path)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 sz = 0;
	ssize_t	 len;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while ((len = getline(&line, &sz, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		if ((nm->v = reallocarray(nm->v, nm->n + 1,
		    sizeof(*nm->v))) == NULL ||
		    (nm->v[nm->n++] = strdup(line)) == NULL)
			err(2, "names");
	}
	free(line);
	fclose(f);
	return (0);
}

static int
names_check(const char *name, void *arg)
{
	struct names	*nm = arg;
	size_t		 i;

	for (i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], name) == 0)
			return (0);
	return (-1);
}

static uint32_t
addr(const char *s)
{
	struct in_addr	 in;

	if (s == NULL || inet_pton(AF_INET, s, &in) != 1)
		errx(2, "bad query address %s", s ? s : "(none)");
	return (ntohl(in.s_addr));
}

static const char *
ntoa(uint32_t a, char *buf, size_t len)
{
	struct in_addr	 in;

	in.s_addr = htonl(a);
	return (inet_ntop(AF_INET, &in, buf, len));
}

static const char *
action_name(const struct action *a, char *buf, size_t len)
{
	static const char *const kinds[] = {
		[ACTION_UNSET] = "unset", [ACTION_BLOCK] = "block",
		[ACTION_RESET] = "reset", [ACTION_OPEN] = "open",
		[ACTION_COMMAND] = "command", [ACTION_PROXY] = "proxy"
	};

	snprintf(buf, len, "%s%s", a->flags & ACTION_F_TARPIT ? "tarpit " : "",
	    kinds[a->kind]);
	if (a->kind == ACTION_COMMAND)
		snprintf(buf + strlen(buf), len - strlen(buf), " %s", a->cmd);
	else if (a->kind == ACTION_PROXY)
		snprintf(buf + strlen(buf), len - strlen(buf), " %s:%s",
		    a->proxy_host, a->proxy_port);
	return (buf);
}

/*
 * "route ADDR [TTL [SIZE]]": the walk a packet to ADDR takes, a SIZE
 * one (an IPv4 one with DF) against the links' MTUs.
 */
static void
route_query(FILE *out, char **w, int n, const struct honeyd_config *conf)
{
	struct in6_addr	 a6;
	char		 buf[512];
	int		 ttl = n > 2 ? atoi(w[2]) : 64;
	size_t		 size = n > 3 ? (size_t)atoi(w[3]) : 0;
	int		 v6 = strchr(w[1], ':') != NULL;

	if (v6 && addr6_parse(w[1], &a6) == -1)
		errx(2, "bad address %s", w[1]);
	if (v6)
		router_describe6(conf, &a6, ttl, size, buf, sizeof(buf));
	else
		router_describe(conf, addr(w[1]), ttl, size, buf, sizeof(buf));
	fprintf(out, "# route %s %s %d", w[1], v6 ? "hlim" : "ttl", ttl);
	if (n > 3)
		fprintf(out, " size %d", atoi(w[3]));
	fprintf(out, ": %s\n", buf);
}

static void
resolve(FILE *out, char **w, const struct honeyd_config *conf)
{
	const struct bind	*b;
	const struct template	*t;
	struct dyn_match	 m;
	unsigned int		 h, mi, sec;

	if (sscanf(w[3], "%u:%u:%u", &h, &mi, &sec) != 3)
		errx(2, "bad time %s", w[3]);
	memset(&m, 0, sizeof(m));
	m.src = addr(w[2]);
	m.tod = h * 3600 + mi * 60 + sec;
	m.proto = strcmp(w[4], "tcp") == 0 ? IPPROTO_TCP :
	    strcmp(w[4], "udp") == 0 ? IPPROTO_UDP :
	    strcmp(w[4], "icmp") == 0 ? IPPROTO_ICMP : 0;
	m.os = strcmp(w[5], "-") == 0 ? NULL : w[5];
	b = config_find_bind(conf, addr(w[1]));
	t = template_resolve(b != NULL ? b->tmpl : conf->dflt, &m);
	fprintf(out, "# resolve %s from %s at %s %s %s: %s\n", w[1], w[2],
	    w[3], w[4], w[5], t ? t->name : "none");
}

static void
lookup6(FILE *out, char **w, int n, const struct honeyd_config *conf)
{
	const struct template	*t;
	struct in6_addr		 dst, src;
	int			 known = n > 2 && strcmp(w[2], "-") != 0;

	if (addr6_parse(w[1], &dst) == -1 ||
	    (known && addr6_parse(w[2], &src) == -1))
		errx(2, "bad query address %s %s", w[1], n > 2 ? w[2] : "");
	t = config_lookup6(conf, &dst, known ? &src : NULL,
	    n > 3 ? atoi(w[3]) : 0);
	fprintf(out, "# lookup6 %s from %s nxt %d: %s\n", w[1],
	    known ? w[2] : "-", n > 3 ? atoi(w[3]) : 0, t ? t->name : "none");
}

static void
mac_query(FILE *out, const char *a, const struct ether_map *em)
{
	uint8_t			 m[6];

	if (em == NULL)
		errx(2, "mac query of a configuration read with -b");
	if (ether_map_lookup(em, addr(a), m))
		fprintf(out, "# mac %s: %02x:%02x:%02x:%02x:%02x:%02x\n", a,
		    m[0], m[1], m[2], m[3], m[4], m[5]);
	else
		fprintf(out, "# mac %s: the interface's\n", a);
}

static void
query(FILE *out, char *q, const struct honeyd_config *conf,
    const struct ether_map *em)
{
	const struct template	*t;
	const struct bind	*b;
	struct claimset		 cs;
	char			*w[6], buf[256], lo[16], hi[16];
	int			 n = 0, proto;
	size_t			 i;

	while (n < 6 && (w[n] = strsep(&q, " \t\n")) != NULL)
		if (*w[n] != '\0')
			n++;
	if (n == 0)
		return;
	if (strcmp(w[0], "lookup") == 0 && n >= 2) {
		t = config_lookup(conf, addr(w[1]), n > 2 ? addr(w[2]) : 0, 0);
		fprintf(out, "# lookup %s from %s: %s\n", w[1],
		    n > 2 ? w[2] : "0.0.0.0", t ? t->name : "none");
	} else if (strcmp(w[0], "lookup6") == 0 && n >= 2) {
		lookup6(out, w, n, conf);
	} else if (strcmp(w[0], "action") == 0 && n >= 4) {
		proto = strcmp(w[2], "tcp") == 0 ? IPPROTO_TCP :
		    strcmp(w[2], "udp") == 0 ? IPPROTO_UDP : IPPROTO_ICMP;
		t = config_lookup(conf, addr(w[1]), n > 4 ? addr(w[4]) : 0,
		    proto);
		fprintf(out, "# action %s %s %s: %s\n", w[1], w[2], w[3],
		    action_name(template_action(t, proto, atoi(w[3])), buf,
		    sizeof(buf)));
	} else if (strcmp(w[0], "bind") == 0 && n >= 2) {
		if ((b = config_find_bind(conf, addr(w[1]))) == NULL)
			fprintf(out, "# bind %s: none\n", w[1]);
		else {
			fprintf(out, "# bind %s: %s-%s %s\n", w[1],
			    ntoa(b->lo, lo, sizeof(lo)),
			    ntoa(b->hi, hi, sizeof(hi)), b->tmpl->name);
		}
	} else if (strcmp(w[0], "resolve") == 0 && n == 6) {
		resolve(out, w, conf);
	} else if (strcmp(w[0], "route") == 0 && n >= 2) {
		route_query(out, w, n, conf);
	} else if (strcmp(w[0], "claim") == 0) {
		claim_init(&cs);
		if (config_claimed_ranges(conf, &cs) == -1)
			errx(2, "claim");
		claim_normalize(&cs);
		for (i = 0; i < cs.n; i++)
			fprintf(out, "# claim %s-%s\n",
			    ntoa(cs.r[i].lo, lo, sizeof(lo)),
			    ntoa(cs.r[i].hi, hi, sizeof(hi)));
		for (i = 0; i < cs.n6; i++)
			fprintf(out, "# claim %s\n", addr6_fmt_net(
			    &cs.r6[i].net, cs.r6[i].plen, buf, sizeof(buf)));
		claim_clear(&cs);
	} else if (strcmp(w[0], "mac") == 0 && n >= 2)
		mac_query(out, w[1], em);
	else
		errx(2, "bad query: %s", w[0]);
}

static void
queries(FILE *out, const char *path, const struct honeyd_config *conf,
    const struct ether_map *em)
{
	FILE	*f;
	char	*line = NULL;
	size_t	 sz = 0;

	if ((f = fopen(path, "r")) == NULL)
		err(2, "%s", path);
	while (getline(&line, &sz, f) != -1)
		if (strncmp(line, "#?", 2) == 0)
			query(out, line + 2, conf, em);
	free(line);
	fclose(f);
}

static void
stats(const struct honeyd_config *conf, double ms)
{
	struct rusage	 ru;
	size_t		 ntmpl = 0;
	struct template	*t;

	TAILQ_FOREACH(t, &conf->tmpl_order, order)
		ntmpl++;
	getrusage(RUSAGE_SELF, &ru);
	printf("parse %.1f ms, %zu templates, %zu bind intervals "
	    "(%zu bytes each, %zu bytes allocated), max rss %ld KB\n", ms,
	    ntmpl, conf->nbinds, sizeof(struct bind),
	    conf->binds_cap * sizeof(struct bind), ru.ru_maxrss);
}

/* The whole file in memory, parsed with config_parse_buffer(). */
static struct honeyd_config *
parse_buffer(const char *path, struct names *nm)
{
	struct honeyd_config	*conf;
	FILE			*f;
	char			*buf = NULL;
	size_t			 len = 0, n;
	char			 chunk[8192];

	if ((f = fopen(path, "r")) == NULL)
		err(2, "%s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if ((buf = realloc(buf, len + n)) == NULL)
			err(2, "realloc");
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	conf = config_parse_buffer(path, buf, len, nm->n ? names_check : NULL,
	    nm);
	free(buf);
	return (conf);
}

int
main(int argc, char *argv[])
{
	struct honeyd_config	*conf;
	struct ether_map	*em = NULL;
	struct names		 nm = { NULL, 0 };
	struct timespec		 t0, t1;
	int			 ch, bflag = 0, sflag = 0;
	size_t			 i;

	while ((ch = getopt(argc, argv, "bm:p:s")) != -1) {
		switch (ch) {
		case 'b':
			bflag = 1;
			break;
		case 'm':
			ether_prefixes = optarg;
			break;
		case 'p':
			if (names_load(&nm, optarg) == -1)
				err(2, "%s", optarg);
			break;
		case 's':
			sflag = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (bflag)
		conf = parse_buffer(argv[optind], &nm);
	else
		conf = config_load(argv[optind], NULL, NULL,
		    nm.n ? names_check : NULL, &nm, &em);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(nm.v);
	if (conf == NULL)
		return (1);
	if (sflag)
		stats(conf, (t1.tv_sec - t0.tv_sec) * 1e3 +
		    (t1.tv_nsec - t0.tv_nsec) / 1e6);
	else {
		config_print(stdout, conf);
		queries(stdout, argv[optind], conf, em);
	}
	ether_map_free(em);
	config_free(conf);
	return (0);
}
