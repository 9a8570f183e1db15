/*
 * The configuration language: the language of the Honeyd paper (section
 * 2.5) and of Honeyd 1.5c, so existing configurations keep working.
 * One statement per line; "\" at the end of a line continues it.  A
 * hand-written lexer with a sorted keyword table feeds the grammar;
 * errors are reported as "file:line: message" and parsing goes on with
 * the next line so one run shows every mistake.
 */

%{
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "fingerprint.h"

#define WORD_MAX	8192	/* longest word or quoted string */
#define NOCHAR		(-2)	/* nothing pushed back */

struct file {
	TAILQ_ENTRY(file)	 entry;
	FILE			*stream;	/* NULL: reading buf */
	const char		*buf;
	size_t			 len, off;
	char			*name;
	int			 lineno;
	int			 ungot;		/* one pushed back char */
	int			 eol;		/* last token was '\n' */
};
TAILQ_HEAD(files, file);

/* Route options, gathered in any order. */
struct route_opts {
	int			 flags;		/* ROUTE_F_* */
	uint32_t		 latency;
	double			 loss;
	uint64_t		 bandwidth;
	uint32_t		 drop_lo, drop_hi;
	uint32_t		 mtu;
};

/* A router or gateway of a route: either family. */
struct rtaddr {
	int			 ok;
	int			 v6;
	uint32_t		 a;
	struct in6_addr		 a6;
};

struct cond {
	enum dyn_cond		 cond;
	uint32_t		 net, mask;	/* network byte order */
	char			*os;
	uint32_t		 tm_start, tm_end;
	int			 proto;
	struct in6_addr		 net6;		/* DYN_SRC_IP6 */
	int			 plen6;
	int			 ok;
};

struct range {
	uint32_t		 lo, hi;
	int			 ok;
	int			 v6;		/* net6/plen6, not lo..hi */
	struct in6_addr		 net6;
	int			 plen6;
	struct in6_addr		 lo6, hi6;	/* v6: what is bound */
};

typedef struct {
	union {
		int64_t			 number;
		double			 real;
		char			*string;
		struct action		 action;
		struct template		*tmpl;
		struct cond		 cond;
		struct range		 range;
		struct route_opts	 ropts;
		struct rtaddr		 rtaddr;
	} v;
	int lineno;
} YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

static struct files		 files = TAILQ_HEAD_INITIALIZER(files);
static struct file		*file;
static struct honeyd_config	*conf;
static int			 errors;
static int			 (*pers_check)(const char *, void *);
static void			*pers_arg;
static char			 lasttok[64];	/* for syntax errors */
static int			 from_file;	/* the parent's: check names */
static int			 no_include;	/* a client's statement */

int		 yylex(void);
int		 yyparse(void);
void		 yyerror(const char *);
static void	 conf_error(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static void	 conf_warn(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	 kw_lookup(const char *);
static int	 lgetc(void);
static void	 lungetc(int);
static int	 is_word(int);
static int	 lex_word(int);
static int	 lex_quoted(void);
static int	 lex_number(const char *);
static struct file *file_new(const char *);
static struct file *file_open(const char *);
static void	 file_close(struct file *);
static int	 popfile(void);
static void	 include_push(char *);
static struct honeyd_config *parse_run(struct file *,
		    int (*)(const char *, void *), void *);
static int	 parse_into(struct honeyd_config *, struct file *,
		    int (*)(const char *, void *), void *);

static int	 parse_net(const char *, uint32_t *, uint32_t *);
static int	 parse_range(const char *, struct range *);
static int	 parse_net6(const char *, struct range *);
static int	 parse_range6(const char *, const char *, struct range *);
static int	 parse_source(const char *, struct cond *);
static void	 conf_bind6(struct range *, struct template *);
static void	 conf_unbind6(struct range *);
static int64_t	 parse_hundredths(const char *);
static double	 percent(const char *, int64_t);
static int64_t	 parse_unit(const char *, const char *);
static int64_t	 parse_bandwidth(const char *);
static int64_t	 bw_mult(int64_t, int64_t);
static int64_t	 parse_tod(const char *, const char *);
static int64_t	 num_range(int64_t, int64_t, int64_t, const char *);

static struct template *tmpl_named(const char *);
static struct template *tmpl_ref(const char *);
static struct template *tmpl_mod(const char *);
static void	 conf_create(char *, int);
static void	 conf_clone(char *, struct template *);
static void	 conf_delete(struct template *);
static void	 conf_delete_port(struct template *, int, int64_t);
static int	 action_check(struct action *, int);
static void	 conf_set_default(struct template *, int, struct action *);
static void	 conf_set_personality(struct template *, char *, int64_t);
static void	 conf_set_string(char **, char *);
static void	 conf_set_ethernet(struct template *, char *);
static void	 conf_set_id(struct template *, int64_t, int64_t);
static void	 conf_set_spoof(struct template *, int64_t, int64_t);
static void	 conf_add_port(struct template *, int, int64_t,
		    struct action *);
static void	 conf_add_subsystem(struct template *, char *, int);
static void	 conf_add_rule(struct template *, struct cond *,
		    struct template *);
static void	 conf_bind(struct range *, struct template *);
static void	 conf_bind_dynamic(struct cond *, char *, struct template *);
static void	 conf_bind_ext(char *, char *);
static void	 conf_unbind(struct range *);
static struct route_conf *conf_route(int, struct rtaddr *);
static void	 conf_route_net(struct route_conf *, struct range *);
static void	 conf_route_gw(struct route_conf *, struct rtaddr *);
static void	 parse_rtaddr(const char *, struct rtaddr *);
static void	 parse_rtnet(const char *, struct range *);
static void	 conf_route_opts(struct route_opts *, struct route_opts *);
static void	 conf_annotate(char *, int, enum frag_policy);
static void	 conf_option(char *, char *, char *, enum option_kind);
static void	 conf_dhcp(struct template *, char *, char *);
static void	 proxy_action(struct action *, char *, char *);
%}

%token	ACTION ADD AM ANNOTATE BANDWIDTH BETWEEN BIND BLOCK CLONE CLOSED
%token	CREATE DEFAULT DELETE DHCP DROP DROPRATE DYNAMIC ENTRY ETHERNET
%token	FILTERED FINSCAN FRAGMENT FROM GBPS GID ICMP IF IN INCLUDE INTERNAL
%token	IP KBPS LATENCY LINK LOSS MAXFDS MBPS MS MTU NET NETWORK NEW NO OLD ON
%token	OPEN OPTION OS OTHERWISE PERSONALITY PM PORT PROHIBIT PROXY RANDOM RESET
%token	RESTART ROUTE SET SHARED SOURCE SPOOF SUBSYSTEM SYN TARPIT TCP
%token	TEMPLATE TIME TO TUNNEL UDP UID UNBIND UNREACH UPTIME USE
%token	<v.string>	STRING QSTRING
%token	<v.number>	NUMBER
%type	<v.string>	string name include
%type	<v.tmpl>	tmplref tmplmod
%type	<v.number>	proto address uint msec bandwidth subsysflags
%type	<v.number>	timespec fragpolicy
%type	<v.real>	percent
%type	<v.action>	action actbody
%type	<v.cond>	condition
%type	<v.range>	addrrange
%type	<v.ropts>	routeopts routeopt
%type	<v.rtaddr>	rtaddr
%type	<v.range>	rtnet

%destructor { free($$); } <v.string>
%destructor { action_clear(&$$); } <v.action>
%destructor { free($$.os); } <v.cond>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'		{ include_push($2); }
		| grammar statement '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE string		{ $$ = $2; }
		;

statement	: create
		| clone
		| delete
		| set
		| add
		| bind
		| unbind
		| route
		| annotate
		| option
		| dhcp
		;

string		: STRING
		| QSTRING
		;

name		: string
		| DEFAULT			{ $$ = strdup("default"); }
		| TEMPLATE			{ $$ = strdup("template"); }
		;

/* A template used as it is. */
tmplref		: STRING			{ $$ = tmpl_ref($1); free($1); }
		| QSTRING			{ $$ = tmpl_named($1); free($1); }
		| DEFAULT			{ $$ = tmpl_named("default"); }
		| TEMPLATE			{ $$ = tmpl_named("template"); }
		;

/* A template about to change: an address gets one of its own. */
tmplmod		: STRING			{ $$ = tmpl_mod($1); free($1); }
		| QSTRING			{ $$ = tmpl_named($1); free($1); }
		| DEFAULT			{ $$ = tmpl_named("default"); }
		| TEMPLATE			{ $$ = tmpl_named("template"); }
		;

uint		: NUMBER
		;

proto		: TCP				{ $$ = IPPROTO_TCP; }
		| UDP				{ $$ = IPPROTO_UDP; }
		| ICMP				{ $$ = IPPROTO_ICMP; }
		;

address		: STRING {
			uint32_t	 a;

			$$ = -1;
			if (addr_parse($1, &a) == -1)
				conf_error("bad address \"%s\"", $1);
			else
				$$ = a;
			free($1);
		}
		;

addrrange	: STRING {
			$$.ok = parse_range($1, &$$) == 0;
			free($1);
		}
		| STRING '-' STRING {
			uint32_t	 lo, hi;

			$$.ok = $$.v6 = 0;
			if (strchr($1, ':') != NULL ||
			    strchr($3, ':') != NULL)
				$$.ok = parse_range6($1, $3, &$$) == 0;
			else if (addr_parse($1, &lo) == -1 ||
			    addr_parse($3, &hi) == -1 || lo > hi)
				conf_error("bad address range \"%s - %s\"",
				    $1, $3);
			else {
				$$.lo = lo;
				$$.hi = hi;
				$$.ok = 1;
			}
			free($1);
			free($3);
		}
		;

percent		: NUMBER		{ $$ = percent(NULL, $1); }
		| STRING		{ $$ = percent($1, 0); free($1); }
		;

create		: CREATE name			{ conf_create($2, 0); }
		| DYNAMIC name			{ conf_create($2, 1); }
		;

clone		: CLONE name tmplref		{ conf_clone($2, $3); }
		;

delete		: DELETE tmplref		{ conf_delete($2); }
		| DELETE tmplmod proto PORT uint {
			conf_delete_port($2, $3, $5);
		}
		;

set		: SET tmplmod DEFAULT proto ACTION action {
			conf_set_default($2, $4, &$6);
		}
		| SET tmplmod PERSONALITY string {
			conf_set_personality($2, $4, 0);
		}
		| SET tmplmod PERSONALITY string ENTRY uint {
			conf_set_personality($2, $4,
			    num_range($6, 1, UINT32_MAX, "entry"));
		}
		| SET tmplmod PERSONALITY RANDOM {
			if ($2 != NULL) {
				free($2->personality);
				$2->personality = NULL;
				$2->flags |= TMPL_F_PERS_RANDOM;
			}
		}
		| SET tmplmod ETHERNET string {
			conf_set_ethernet($2, $4);
		}
		| SET tmplmod UPTIME uint {
			int64_t	 n = num_range($4, 0, UINT32_MAX, "uptime");

			if ($2 != NULL && n != -1) {
				$2->uptime = n;
				$2->flags |= TMPL_F_UPTIME;
			}
		}
		| SET tmplmod DROPRATE IN percent {
			if ($2 != NULL && $5 >= 0)
				$2->droprate_in = $5;
		}
		| SET tmplmod DROPRATE SYN percent {
			if ($2 != NULL && $5 >= 0)
				$2->droprate_syn = $5;
		}
		| SET tmplmod MAXFDS uint {
			int64_t	 n = num_range($4, 4, INT_MAX, "maxfds");

			if ($2 != NULL && n != -1)
				$2->maxfds = n;
		}
		| SET tmplmod UID uint		{ conf_set_id($2, $4, -1); }
		| SET tmplmod UID uint GID uint	{ conf_set_id($2, $4, $6); }
		| SET tmplmod GID uint		{ conf_set_id($2, -1, $4); }
		| SET tmplmod SPOOF FROM address {
			conf_set_spoof($2, $5, -1);
		}
		| SET tmplmod SPOOF TO address {
			conf_set_spoof($2, -1, $5);
		}
		| SET tmplmod SPOOF FROM address TO address {
			conf_set_spoof($2, $5, $7);
		}
		;

action		: TARPIT actbody {
			$$ = $2;
			$$.flags |= ACTION_F_TARPIT;
		}
		| actbody
		;

actbody		: OPEN			{ memset(&$$, 0, sizeof($$));
					  $$.kind = ACTION_OPEN; }
		| BLOCK			{ memset(&$$, 0, sizeof($$));
					  $$.kind = ACTION_BLOCK; }
		| FILTERED		{ memset(&$$, 0, sizeof($$));
					  $$.kind = ACTION_BLOCK; }
		| RESET			{ memset(&$$, 0, sizeof($$));
					  $$.kind = ACTION_RESET; }
		| CLOSED		{ memset(&$$, 0, sizeof($$));
					  $$.kind = ACTION_RESET; }
		| PROHIBIT		{ memset(&$$, 0, sizeof($$));
					  $$.kind = ACTION_PROHIBIT; }
		| string {
			memset(&$$, 0, sizeof($$));
			$$.kind = ACTION_COMMAND;
			$$.cmd = $1;
			if (*$1 == '\0')
				conf_error("empty command");
		}
		| INTERNAL string {
			/* Honeyd 1.5c's Python services: no interpreter here. */
			conf_error("internal (Python) services are not "
			    "supported");
			free($2);
			memset(&$$, 0, sizeof($$));
			YYERROR;
		}
		| PROXY STRING		{ proxy_action(&$$, $2, NULL); }
		| PROXY STRING ':' STRING { proxy_action(&$$, $2, $4); }
		| PROXY STRING ':' NUMBER {
			char	*port;

			if (asprintf(&port, "%lld", (long long)$4) == -1)
				port = NULL;
			proxy_action(&$$, $2, port);
		}
		;

add		: ADD tmplmod proto PORT uint action {
			conf_add_port($2, $3, $5, &$6);
		}
		| ADD tmplmod SUBSYSTEM string subsysflags {
			conf_add_subsystem($2, $4, $5);
		}
		| ADD tmplmod USE tmplref IF condition {
			conf_add_rule($2, &$6, $4);
		}
		| ADD tmplmod OTHERWISE USE tmplref {
			struct cond	 c;

			memset(&c, 0, sizeof(c));
			c.cond = DYN_OTHERWISE;
			c.ok = 1;
			conf_add_rule($2, &c, $5);
		}
		;

subsysflags	: /* empty */			{ $$ = 0; }
		| subsysflags SHARED		{ $$ = $1 | SUBSYS_F_SHARED; }
		| subsysflags RESTART		{ $$ = $1 | SUBSYS_F_RESTART; }
		;

condition	: SOURCE OS '=' string {
			memset(&$$, 0, sizeof($$));
			$$.cond = DYN_SRC_OS;
			$$.os = $4;
			$$.ok = 1;
		}
		| SOURCE IP '=' STRING {
			memset(&$$, 0, sizeof($$));
			$$.ok = parse_source($4, &$$) == 0;
			free($4);
		}
		| TIME BETWEEN timespec '-' timespec {
			memset(&$$, 0, sizeof($$));
			$$.cond = DYN_TIME;
			$$.tm_start = $3;
			$$.tm_end = $5;
			$$.ok = $3 != -1 && $5 != -1;
		}
		| proto {
			memset(&$$, 0, sizeof($$));
			$$.cond = DYN_PROTO;
			$$.proto = $1;
			$$.ok = 1;
		}
		| OTHERWISE {
			memset(&$$, 0, sizeof($$));
			$$.cond = DYN_OTHERWISE;
			$$.ok = 1;
		}
		;

timespec	: string		{ $$ = parse_tod($1, NULL); free($1); }
		| STRING AM		{ $$ = parse_tod($1, "am"); free($1); }
		| STRING PM		{ $$ = parse_tod($1, "pm"); free($1); }
		;

bind		: BIND addrrange tmplref {
			conf_bind(&$2, $3);
		}
		| BIND condition STRING tmplref {
			conf_bind_dynamic(&$2, $3, $4);
		}
		| BIND STRING TO string {
			conf_bind_ext($2, $4);
		}
		;

/* Not printed back: the addresses are simply no longer bound. */
unbind		: UNBIND addrrange		{ conf_unbind(&$2); }
		;

route		: ROUTE ENTRY rtaddr {
			conf_route(ROUTE_ENTRY, &$3);
		}
		| ROUTE ENTRY rtaddr NETWORK rtnet {
			struct route_conf	*r;

			if ((r = conf_route(ROUTE_ENTRY, &$3)) != NULL) {
				r->flags |= ROUTE_F_NETWORK;
				conf_route_net(r, &$5);
			}
		}
		| ROUTE rtaddr LINK rtnet {
			conf_route_net(conf_route(ROUTE_LINK, &$2), &$4);
		}
		| ROUTE rtaddr UNREACH rtnet {
			conf_route_net(conf_route(ROUTE_UNREACH, &$2), &$4);
		}
		| ROUTE rtaddr ADD NET rtnet rtaddr routeopts {
			struct route_conf	*r;

			r = conf_route(ROUTE_NET, &$2);
			conf_route_net(r, &$5);
			conf_route_gw(r, &$6);
			if (r != NULL) {
				conf_route_opts(NULL, &$7);
				if (($7.flags & ROUTE_F_MTU) && r->v6 &&
				    $7.mtu < IP6_LINK_MTU_MIN)
					conf_error("mtu %u: an IPv6 link takes "
					    "at least %d bytes", $7.mtu,
					    IP6_LINK_MTU_MIN);
				r->flags |= $7.flags;
				r->latency = $7.latency;
				r->loss = $7.loss;
				r->bandwidth = $7.bandwidth;
				r->drop_lo = $7.drop_lo;
				r->drop_hi = $7.drop_hi;
				r->mtu = $7.mtu;
			}
		}
		| ROUTE rtaddr ADD NET rtnet TUNNEL address address {
			struct route_conf	*r;

			r = conf_route(ROUTE_TUNNEL, &$2);
			conf_route_net(r, &$5);
			if (r != NULL && r->v6)
				conf_error("tunnel: GRE tunnels carry IPv4 "
				    "only");
			else if (r != NULL && $7 != -1 && $8 != -1) {
				r->gw = $7;
				r->tunnel_dst = $8;
			}
		}
		;

/* A route's router or gateway, of either family. */
rtaddr		: STRING {
			parse_rtaddr($1, &$$);
			free($1);
		}
		;

/* A route's network: an IPv4 network, or an IPv6 prefix. */
rtnet		: STRING {
			parse_rtnet($1, &$$);
			free($1);
		}
		;

routeopts	: /* empty */		{ memset(&$$, 0, sizeof($$)); }
		| routeopts routeopt {
			$$ = $1;
			conf_route_opts(&$$, &$2);
		}
		;

routeopt	: LATENCY msec {
			memset(&$$, 0, sizeof($$));
			$$.flags = ROUTE_F_LATENCY;
			$$.latency = $2 == -1 ? 0 : $2;
		}
		| LOSS percent {
			memset(&$$, 0, sizeof($$));
			$$.flags = ROUTE_F_LOSS;
			$$.loss = $2 < 0 ? 0 : $2;
		}
		| BANDWIDTH bandwidth {
			memset(&$$, 0, sizeof($$));
			$$.flags = ROUTE_F_BANDWIDTH;
			$$.bandwidth = $2 == -1 ? 0 : $2;
		}
		| MTU uint {
			memset(&$$, 0, sizeof($$));
			$$.flags = ROUTE_F_MTU;
			/* IPv4's least (RFC 791); IPv6's is checked above. */
			$$.mtu = num_range($2, IP_LINK_MTU_MIN, 65535,
			    "mtu") == -1 ? IP6_LINK_MTU_MIN : $2;
		}
		| DROP BETWEEN msec '-' msec {
			memset(&$$, 0, sizeof($$));
			$$.flags = ROUTE_F_DROP;
			$$.drop_lo = $3 == -1 ? 0 : $3;
			$$.drop_hi = $5 == -1 ? 0 : $5;
			if ($3 != -1 && $5 != -1 && $3 >= $5)
				conf_error("drop between: %lld ms is not less "
				    "than %lld ms", (long long)$3,
				    (long long)$5);
		}
		;

msec		: NUMBER MS	{ $$ = num_range($1, 0, UINT32_MAX, "time"); }
		| STRING	{ $$ = parse_unit($1, "ms"); free($1); }
		;

bandwidth	: NUMBER		{ $$ = $1; }
		| NUMBER KBPS		{ $$ = bw_mult($1, 1000); }
		| NUMBER MBPS		{ $$ = bw_mult($1, 1000000); }
		| NUMBER GBPS		{ $$ = bw_mult($1, 1000000000); }
		| STRING		{ $$ = parse_bandwidth($1); free($1); }
		;

annotate	: ANNOTATE string FINSCAN	{ conf_annotate($2, 1, 0); }
		| ANNOTATE string NO FINSCAN	{ conf_annotate($2, 0, 0); }
		| ANNOTATE string FRAGMENT fragpolicy {
			conf_annotate($2, -1, $4);
		}
		;

fragpolicy	: DROP			{ $$ = FRAG_DROP; }
		| OLD			{ $$ = FRAG_OLD; }
		| NEW			{ $$ = FRAG_NEW; }
		;

option		: OPTION string string NUMBER {
			char	*s;

			if (asprintf(&s, "%lld", (long long)$4) == -1)
				s = NULL;
			conf_option($2, $3, s, OPTION_INT);
		}
		| OPTION string string STRING {
			char		*end;
			enum option_kind k = OPTION_STRING;

			if (isdigit((unsigned char)*$4) &&
			    strspn($4, "0123456789.") == strlen($4)) {
				errno = 0;
				(void)strtod($4, &end);
				if (*end == '\0' && errno == 0)
					k = OPTION_FLOAT;
			}
			conf_option($2, $3, $4, k);
		}
		| OPTION string string QSTRING {
			conf_option($2, $3, $4, OPTION_STRING);
		}
		;

dhcp		: DHCP tmplref ON string {
			conf_dhcp($2, $4, NULL);
		}
		| DHCP tmplref ON string ETHERNET string {
			conf_dhcp($2, $4, $6);
		}
		;

%%

/*
 * Diagnostics.  The line is that of the last token read: the statement
 * being reduced, or the end of its line.
 */
static void
conf_vmsg(const char *what, const char *fmt, va_list ap)
{
	char	 msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_diag("%s:%d: %s%s", file->name, yylval.lineno, what, msg);
}

static void
conf_error(const char *fmt, ...)
{
	va_list	 ap;

	errors++;
	va_start(ap, fmt);
	conf_vmsg("", fmt, ap);
	va_end(ap);
}

static void
conf_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	conf_vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void
yyerror(const char *msg)
{
	if (lasttok[0] == '\0')
		conf_error("%s", msg);
	else
		conf_error("%s at %s", msg, lasttok);
}

/* The lexer. */

struct keyword {
	const char	*name;
	int		 token;
};

/* Sorted by strcmp(): capitals first. */
static const struct keyword keywords[] = {
	{ "Gbps",	GBPS },
	{ "Kbps",	KBPS },
	{ "Mbps",	MBPS },
	{ "action",	ACTION },
	{ "add",	ADD },
	{ "am",		AM },
	{ "annotate",	ANNOTATE },
	{ "bandwidth",	BANDWIDTH },
	{ "between",	BETWEEN },
	{ "bind",	BIND },
	{ "block",	BLOCK },
	{ "clone",	CLONE },
	{ "closed",	CLOSED },
	{ "create",	CREATE },
	{ "default",	DEFAULT },
	{ "delete",	DELETE },
	{ "dhcp",	DHCP },
	{ "drop",	DROP },
	{ "droprate",	DROPRATE },
	{ "dynamic",	DYNAMIC },
	{ "entry",	ENTRY },
	{ "ethernet",	ETHERNET },
	{ "filtered",	FILTERED },
	{ "finscan",	FINSCAN },
	{ "fragment",	FRAGMENT },
	{ "from",	FROM },
	{ "gid",	GID },
	{ "icmp",	ICMP },
	{ "if",		IF },
	{ "in",		IN },
	{ "include",	INCLUDE },
	{ "internal",	INTERNAL },
	{ "ip",		IP },
	{ "latency",	LATENCY },
	{ "link",	LINK },
	{ "loss",	LOSS },
	{ "maxfds",	MAXFDS },
	{ "ms",		MS },
	{ "mtu",	MTU },
	{ "net",	NET },
	{ "network",	NETWORK },
	{ "new",	NEW },
	{ "no",		NO },
	{ "old",	OLD },
	{ "on",		ON },
	{ "open",	OPEN },
	{ "option",	OPTION },
	{ "os",		OS },
	{ "otherwise",	OTHERWISE },
	{ "personality", PERSONALITY },
	{ "pm",		PM },
	{ "port",	PORT },
	{ "prohibit",	PROHIBIT },
	{ "proxy",	PROXY },
	{ "random",	RANDOM },
	{ "reset",	RESET },
	{ "restart",	RESTART },
	{ "route",	ROUTE },
	{ "set",	SET },
	{ "shared",	SHARED },
	{ "source",	SOURCE },
	{ "spoof",	SPOOF },
	{ "subsystem",	SUBSYSTEM },
	{ "syn",	SYN },
	{ "tarpit",	TARPIT },
	{ "tcp",	TCP },
	{ "template",	TEMPLATE },
	{ "time",	TIME },
	{ "to",		TO },
	{ "tunnel",	TUNNEL },
	{ "udp",	UDP },
	{ "uid",	UID },
	{ "unbind",	UNBIND },
	{ "unreach",	UNREACH },
	{ "uptime",	UPTIME },
	{ "use",	USE },
};

static int
kw_cmp(const void *k, const void *e)
{
	return (strcmp(k, ((const struct keyword *)e)->name));
}

static int
kw_lookup(const char *s)
{
	const struct keyword	*kw;

	kw = bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), kw_cmp);
	return (kw == NULL ? STRING : kw->token);
}

/*
 * Whether printconf.c may print s without quotes: it must come back as
 * the same plain name, not a keyword, number or address.
 */
int
config_word_is_bare(const char *s)
{
	const char	*p;

	if (!isalpha((unsigned char)*s) && *s != '_')
		return (0);
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("_.-", *p) == NULL)
			return (0);
	return (p - s < WORD_MAX && kw_lookup(s) == STRING);
}

static int
lgetc(void)
{
	int	 c;

	if (file->ungot != NOCHAR) {
		c = file->ungot;
		file->ungot = NOCHAR;
		return (c);
	}
	if (file->stream != NULL)
		return (getc(file->stream));
	if (file->off < file->len)
		return ((unsigned char)file->buf[file->off++]);
	return (EOF);
}

static void
lungetc(int c)
{
	file->ungot = c;
}

/* A backslash ending a line joins the next one to it. */
static int
continuation(void)
{
	int	 c;

	if ((c = lgetc()) == '\n') {
		file->lineno++;
		return (1);
	}
	lungetc(c);
	return (0);
}

static int
is_word(int c)
{
	if (c == EOF || c == '\0')
		return (0);
	return (isalnum(c) || strchr("$_.-/:*()+@%,~!?[]", c) != NULL);
}

int
yylex(void)
{
	int	 c;

 top:
	while ((c = lgetc()) == ' ' || c == '\t' || c == '\r' ||
	    (c == '\\' && continuation()))
		;
	yylval.lineno = file->lineno;
	if (c == '#')
		while ((c = lgetc()) != '\n' && c != EOF)
			;
	if (c == EOF) {
		/* A last line without newline still ends its statement. */
		if (!file->eol) {
			file->eol = 1;
			strlcpy(lasttok, "end of file", sizeof(lasttok));
			return ('\n');
		}
		if (popfile() == -1)
			return (0);
		goto top;
	}
	file->eol = c == '\n';
	if (c == '\n') {
		file->lineno++;
		strlcpy(lasttok, "end of line", sizeof(lasttok));
		return ('\n');
	}
	if (c == '"')
		return (lex_quoted());
	if (is_word(c))
		return (lex_word(c));
	if (!isprint(c)) {
		conf_error("illegal character 0x%02x", c);
		goto top;
	}
	snprintf(lasttok, sizeof(lasttok), "\"%c\"", c);
	return (c);
}

static int
lex_word(int c)
{
	char	 buf[WORD_MAX];
	size_t	 n = 0;
	int	 token;

	do {
		if (n < sizeof(buf) - 1)
			buf[n++] = c;
	} while (is_word(c = lgetc()));
	lungetc(c);
	buf[n] = '\0';
	if (n == sizeof(buf) - 1)
		conf_error("word too long");
	snprintf(lasttok, sizeof(lasttok), "\"%.40s\"", buf);
	if (strcmp(buf, "-") == 0 || strcmp(buf, ":") == 0)
		return (buf[0]);
	if (strspn(buf, "0123456789") == n)
		return (lex_number(buf));
	if ((token = kw_lookup(buf)) != STRING)
		return (token);
	if ((yylval.v.string = strdup(buf)) == NULL) {
		conf_error("out of memory");
		return (0);
	}
	return (STRING);
}

static int
lex_number(const char *s)
{
	errno = 0;
	yylval.v.number = strtoll(s, NULL, 10);
	if (errno == ERANGE) {
		conf_error("number too large");
		yylval.v.number = -1;
	}
	return (NUMBER);
}

/* "..." with \" and \\ as the only escapes; never a keyword. */
static int
lex_quoted(void)
{
	char	 buf[WORD_MAX];
	size_t	 n = 0;
	int	 c, next;

	while ((c = lgetc()) != '"') {
		if (c == '\n' || c == EOF) {
			conf_error("unterminated quoted string");
			lungetc(c);
			break;
		}
		if (c == '\0') {
			conf_error("illegal character 0x00");
			continue;
		}
		if (c == '\\') {
			if (continuation())
				continue;
			if ((next = lgetc()) == '"' || next == '\\')
				c = next;
			else
				lungetc(next);
		}
		if (n < sizeof(buf) - 1)
			buf[n++] = c;
	}
	buf[n] = '\0';
	if (n == sizeof(buf) - 1)
		conf_error("string too long");
	snprintf(lasttok, sizeof(lasttok), "\"%.40s\"", buf);
	if ((yylval.v.string = strdup(buf)) == NULL) {
		conf_error("out of memory");
		return (0);
	}
	return (QSTRING);
}

/* Files and includes. */

static struct file *
file_new(const char *name)
{
	struct file	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	if ((f->name = strdup(name)) == NULL) {
		free(f);
		return (NULL);
	}
	f->lineno = 1;
	f->ungot = NOCHAR;
	f->eol = 1;
	return (f);
}

static struct file *
file_open(const char *path)
{
	struct file	*f;

	if ((f = file_new(path)) == NULL)
		return (NULL);
	if ((f->stream = fopen(path, "r")) == NULL) {
		file_close(f);
		return (NULL);
	}
	return (f);
}

static void
file_close(struct file *f)
{
	if (f->stream != NULL)
		fclose(f->stream);
	free(f->name);
	free(f);
}

/* Back to the including file; -1 at the end of the top one. */
static int
popfile(void)
{
	struct file	*prev;

	if ((prev = TAILQ_PREV(file, files, entry)) == NULL)
		return (-1);
	TAILQ_REMOVE(&files, file, entry);
	file_close(file);
	file = prev;
	return (0);
}

/*
 * Runs once the include line is complete, so the next token comes from
 * the new file.  A relative path is taken from the including file's
 * directory, the way a C preprocessor finds "file".
 */
static void
include_push(char *path)
{
	struct file	*f;
	const char	*slash;
	char		*full = NULL;
	int		 depth = 0;

	TAILQ_FOREACH(f, &files, entry)
		depth++;
	/* The parent runs as root: a client may not make it read files. */
	if (no_include) {
		conf_error("include is not allowed here");
		goto done;
	}
	if (depth > CONF_MAX_INCLUDE) {
		conf_error("include \"%s\": nested too deeply", path);
		goto done;
	}
	if (path[0] != '/' && (slash = strrchr(file->name, '/')) != NULL) {
		if (asprintf(&full, "%.*s/%s", (int)(slash - file->name),
		    file->name, path) == -1) {
			full = NULL;
			conf_error("out of memory");
			goto done;
		}
	}
	if ((f = file_open(full != NULL ? full : path)) == NULL) {
		conf_error("include \"%s\": %s", path, strerror(errno));
		goto done;
	}
	TAILQ_INSERT_TAIL(&files, f, entry);
	file = f;
 done:
	free(full);
	free(path);
}

static struct honeyd_config *
parse_run(struct file *f, int (*check)(const char *, void *), void *arg)
{
	struct honeyd_config	*c;

	if ((c = config_new()) == NULL) {
		file_close(f);
		return (NULL);
	}
	if (parse_into(c, f, check, arg) == -1) {
		config_free(c);
		return (NULL);
	}
	return (c);
}

/*
 * Parse f into c, which may hold statements already; on error c is
 * left half changed and only fit to be freed.
 */
static int
parse_into(struct honeyd_config *c, struct file *f,
    int (*check)(const char *, void *), void *arg)
{
	conf = c;
	TAILQ_INSERT_TAIL(&files, f, entry);
	file = f;
	errors = 0;
	pers_check = check;
	pers_arg = arg;
	lasttok[0] = '\0';
	if (yyparse() != 0)
		errors++;
	while ((f = TAILQ_FIRST(&files)) != NULL) {
		TAILQ_REMOVE(&files, f, entry);
		file_close(f);
	}
	file = NULL;
	conf = NULL;
	/* The routes must form trees; only worth checking if they parsed. */
	if (errors == 0) {
		router_free(c->topo);
		if (router_build(c) == -1)
			errors++;
	}
	if (errors > 0)
		return (-1);
	config_finish(c);
	return (0);
}

/*
 * Parse the file at path.  pers_check, if not NULL, says whether a
 * personality name exists (0) or not (-1).  NULL after printing every
 * error found to stderr.
 */
struct honeyd_config *
config_parse_file(const char *path, int (*check)(const char *, void *),
    void *arg)
{
	struct honeyd_config	*c;
	struct file		*f;

	if ((f = file_open(path)) == NULL) {
		log_diag("%s: %s", path, strerror(errno));
		return (NULL);
	}
	from_file = 1;
	c = parse_run(f, check, arg);
	from_file = 0;
	return (c);
}

/* The same from memory, e.g. the canonical text the engine receives. */
struct honeyd_config *
config_parse_buffer(const char *name, const char *buf, size_t len,
    int (*check)(const char *, void *), void *arg)
{
	struct file	*f;

	if ((f = file_new(name)) == NULL)
		return (NULL);
	f->buf = buf;
	f->len = len;
	return (parse_run(f, check, arg));
}

/*
 * Go on parsing into a configuration parsed already, e.g. a statement
 * a control client sent, named as its own file ("honeydctl:1: ...").
 * It may not include files.  0, or -1 after printing its errors; then
 * c is half changed and only fit to be freed.
 */
int
config_parse_more(struct honeyd_config *c, const char *name,
    const char *buf, size_t len, int (*check)(const char *, void *),
    void *arg)
{
	struct file	*f;
	int		 rv;

	if ((f = file_new(name)) == NULL)
		return (-1);
	f->buf = buf;
	f->len = len;
	from_file = 1;
	no_include = 1;
	rv = parse_into(c, f, check, arg);
	from_file = no_include = 0;
	return (rv);
}

/* Values. */

/* "a.b.c.d/len" (host bits are cleared, with a warning) or "a.b.c.d". */
static int
parse_net(const char *s, uint32_t *lo, uint32_t *hi)
{
	char	 buf[ADDR_RANGE_LEN];

	switch (addr_parse_net(s, lo, hi)) {
	case -1:
		conf_error("bad %s \"%s\"", strchr(s, '/') != NULL ?
		    "network" : "address", s);
		return (-1);
	case 1:
		conf_warn("%s has host bits set, using %s", s,
		    addr_fmt_range(*lo, *hi, buf, sizeof(buf)));
		break;
	}
	return (0);
}

/* An address, a network, or "a.b.c.d-e.f.g.h"; or an IPv6 prefix. */
static int
parse_range(const char *s, struct range *r)
{
	char		 buf[INET6_ADDRSTRLEN];
	const char	*dash;

	r->v6 = 0;
	if (strchr(s, ':') != NULL && (dash = strchr(s, '-')) != NULL) {
		if (dash - s >= (ptrdiff_t)sizeof(buf)) {
			conf_error("bad address range \"%s\"", s);
			return (-1);
		}
		memcpy(buf, s, dash - s);
		buf[dash - s] = '\0';
		return (parse_range6(buf, dash + 1, r));
	}
	if (strchr(s, ':') != NULL)
		return (parse_net6(s, r));
	if (strchr(s, '-') == NULL)
		return (parse_net(s, &r->lo, &r->hi));
	if (addr_parse_range(s, &r->lo, &r->hi) == -1) {
		conf_error("bad address range \"%s\"", s);
		return (-1);
	}
	return (0);
}

/*
 * "2001:db8::/64" or an IPv6 address.  Unlike IPv4 networks, host bits
 * are an error: a /64 is too large to bind by a typo's accident.
 */
static int
parse_net6(const char *s, struct range *r)
{
	char	 buf[INET6_ADDRSTRLEN + 8];
	int	 bit;

	r->v6 = 1;
	if (strchr(s, '-') != NULL) {
		conf_error("\"%s\": an IPv6 range is bound as prefixes", s);
		return (-1);
	}
	switch (addr6_parse_net(s, &r->net6, &r->plen6)) {
	case -1:
		conf_error("bad IPv6 %s \"%s\"", strchr(s, '/') != NULL ?
		    "prefix" : "address", s);
		return (-1);
	case 1:
		conf_error("IPv6 prefix \"%s\" has host bits set: %s?", s,
		    addr6_fmt_net(&r->net6, r->plen6, buf, sizeof(buf)));
		return (-1);
	}
	if (!addr6_net_unicast(&r->net6, r->plen6)) {
		conf_error("\"%s\" holds multicast, unspecified or loopback "
		    "addresses", s);
		return (-1);
	}
	r->lo6 = r->hi6 = r->net6;
	for (bit = r->plen6; bit < 128; bit++)
		r->hi6.s6_addr[bit / 8] |= 0x80 >> (bit % 8);
	return (0);
}

/*
 * "2001:db8::10 - 2001:db8::1f": bound as the fewest prefixes covering
 * it (addr6_range_next()), each of which must hold host addresses only.
 */
static int
parse_range6(const char *from, const char *to, struct range *r)
{
	struct in6_addr	 lo, net;
	int		 plen, more;

	r->v6 = 1;
	if (strchr(from, ':') == NULL || strchr(to, ':') == NULL) {
		conf_error("address range \"%s - %s\" mixes IPv4 and IPv6",
		    from, to);
		return (-1);
	}
	if (addr6_parse(from, &r->lo6) == -1 ||
	    addr6_parse(to, &r->hi6) == -1) {
		conf_error("bad IPv6 address range \"%s - %s\"", from, to);
		return (-1);
	}
	if (memcmp(&r->lo6, &r->hi6, sizeof(r->lo6)) > 0) {
		conf_error("IPv6 address range \"%s - %s\" ends before it "
		    "starts", from, to);
		return (-1);
	}
	lo = r->lo6;
	do {
		more = addr6_range_next(&lo, &r->hi6, &net, &plen);
		if (!addr6_net_unicast(&net, plen)) {
			conf_error("\"%s - %s\" holds multicast, unspecified "
			    "or loopback addresses", from, to);
			return (-1);
		}
	} while (more);
	/* Its first prefix, for what names the range by one. */
	lo = r->lo6;
	(void)addr6_range_next(&lo, &r->hi6, &r->net6, &r->plen6);
	return (0);
}

/*
 * The network of "source ip = NET": IPv4 as elsewhere, or an IPv6
 * prefix or address.  A source prefix may be any (::/0 is every IPv6
 * source); host bits are dropped with a warning, as for IPv4.
 */
static int
parse_source(const char *s, struct cond *c)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	uint32_t	 lo, hi;

	if (strchr(s, ':') == NULL) {
		if (parse_net(s, &lo, &hi) == -1)
			return (-1);
		c->cond = DYN_SRC_IP;
		c->net = htonl(lo);
		c->mask = htonl(lo ^ hi ^ UINT32_MAX);
		return (0);
	}
	switch (addr6_parse_net(s, &c->net6, &c->plen6)) {
	case -1:
		conf_error("bad IPv6 %s \"%s\"", strchr(s, '/') != NULL ?
		    "prefix" : "address", s);
		return (-1);
	case 1:
		conf_warn("%s has host bits set, using %s", s,
		    addr6_fmt_net(&c->net6, c->plen6, buf, sizeof(buf)));
		break;
	}
	c->cond = DYN_SRC_IP6;
	return (0);
}

/*
 * "12", "0.5", "33.25": hundredths, the resolution Honeyd always kept;
 * further digits are rounded.  -1 if malformed.
 */
static int64_t
parse_hundredths(const char *s)
{
	int64_t		 v = 0;
	int		 i;

	if (!isdigit((unsigned char)*s))
		return (-1);
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (*s - '0');
		if (v > 1000000)
			return (-1);
	}
	v *= 100;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return (-1);
		for (i = 0; isdigit((unsigned char)s[i]); i++)
			;
		if (s[i] != '\0')
			return (-1);
		v += (s[0] - '0') * 10;
		if (i > 1)
			v += s[1] - '0';
		if (i > 2 && s[2] >= '5')
			v++;
	} else if (*s != '\0')
		return (-1);
	return (v);
}

/* A percentage 0..100 from a word or a number; -1 if bad. */
static double
percent(const char *s, int64_t n)
{
	int64_t	 v;

	/* n * 100 must not overflow: anything past 100 is bad anyway. */
	v = s != NULL ? parse_hundredths(s) :
	    (n < 0 || n > 100 ? -1 : n * 100);
	if (v < 0 || v > 10000) {
		if (s != NULL)
			conf_error("bad percentage \"%s\"", s);
		else if (n >= 0)
			conf_error("bad percentage %lld", (long long)n);
		return (-1);
	}
	return (v / 100.0);
}

/* "55ms": the number before unit; -1 if it is not that. */
static int64_t
parse_unit(const char *s, const char *unit)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)*s) || errno != 0 ||
	    strcmp(end, unit) != 0 || v > UINT32_MAX) {
		conf_error("bad value \"%s\", expected a number of %s", s,
		    unit);
		return (-1);
	}
	return (v);
}

/* "10Mbps" and friends, in bits per second. */
static int64_t
parse_bandwidth(const char *s)
{
	static const struct {
		const char	*unit;
		int64_t		 mult;
	} units[] = {
		{ "Kbps", 1000 }, { "Mbps", 1000000 }, { "Gbps", 1000000000 }
	};
	char		*end;
	long long	 v;
	size_t		 i;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (isdigit((unsigned char)*s) && errno == 0)
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(end, units[i].unit) == 0)
				return (bw_mult(v, units[i].mult));
	conf_error("bad bandwidth \"%s\"", s);
	return (-1);
}

/* n units of mult bits per second; -1 if beyond reason. */
static int64_t
bw_mult(int64_t n, int64_t mult)
{
	if ((n = num_range(n, 0, UINT32_MAX, "bandwidth")) == -1)
		return (-1);
	return (n * mult);
}

/*
 * A time of day, "17:30", "17:30:15", "5:30pm" or "5:30" "pm", as
 * seconds after midnight.  12am is midnight, 12pm noon.  -1 if bad.
 */
static int64_t
parse_tod(const char *s, const char *ampm)
{
	unsigned int	 h, m, sec = 0;
	int		 n = 0, pm = -1;
	const char	*rest;

	if (sscanf(s, "%2u:%2u%n:%2u%n", &h, &m, &n, &sec, &n) < 2)
		goto bad;
	rest = s + n;
	while (*rest == ' ')
		rest++;
	if (*rest != '\0' && ampm != NULL)
		goto bad;
	if (ampm == NULL)
		ampm = rest;
	if (strcasecmp(ampm, "am") == 0)
		pm = 0;
	else if (strcasecmp(ampm, "pm") == 0)
		pm = 1;
	else if (*ampm != '\0')
		goto bad;
	if (m > 59 || sec > 59 || (pm == -1 && h > 23) ||
	    (pm != -1 && (h < 1 || h > 12)))
		goto bad;
	if (pm != -1)
		h = h % 12 + (pm ? 12 : 0);
	return (h * 3600 + m * 60 + sec);
 bad:
	conf_error("bad time \"%s\"", s);
	return (-1);
}

/* n if lo <= n <= hi, else -1 after an error (n -1: already told). */
static int64_t
num_range(int64_t n, int64_t lo, int64_t hi, const char *what)
{
	if (n == -1)
		return (-1);
	if (n < lo || n > hi) {
		conf_error("%s %lld out of range %lld..%lld", what,
		    (long long)n, (long long)lo, (long long)hi);
		return (-1);
	}
	return (n);
}

/* Templates. */

static struct template *
tmpl_named(const char *name)
{
	struct template	*t;

	if ((t = config_find_template(conf, name)) == NULL)
		conf_error("unknown template \"%s\"", name);
	return (t);
}

/*
 * A bare word naming a template may be an address, as in Honeyd where
 * "bind" made every address a template of its own: it then means the
 * template bound to that address.
 */
static struct template *
tmpl_ref(const char *word)
{
	const struct bind	*b;
	struct template		*t;
	uint32_t		 a;

	if (addr_parse(word, &a) == -1)
		return (tmpl_named(word));
	if ((b = config_find_bind(conf, a)) != NULL)
		return (b->tmpl);
	if ((t = config_find_template(conf, word)) == NULL)
		conf_error("no template bound to %s", word);
	return (t);
}

/*
 * Changing the template of an address ("set 198.18.0.5 ethernet ...")
 * must not change its neighbours bound to the same template: the
 * address gets a copy named after it, bound to it alone.
 */
static struct template *
tmpl_mod(const char *word)
{
	const struct bind	*b;
	struct template		*t, *bt;
	char			 name[INET_ADDRSTRLEN];
	uint32_t		 a;
	int			 replaced;

	if (addr_parse(word, &a) == -1)
		return (tmpl_named(word));
	addr_fmt(a, name, sizeof(name));
	t = config_find_template(conf, name);
	if ((b = config_find_bind(conf, a)) == NULL || b->tmpl == t) {
		if (t == NULL)
			conf_error("no template bound to %s", word);
		return (t);
	}
	bt = b->tmpl;
	if (t != NULL) {
		conf_error("template \"%s\" exists but %s is bound to "
		    "template \"%s\"", name, name, bt->name);
		return (NULL);
	}
	if ((t = template_clone(conf, name, bt)) == NULL ||
	    config_bind(conf, a, a, t, &replaced) == -1) {
		conf_error("out of memory");
		return (NULL);
	}
	return (t);
}

static void
conf_create(char *name, int dynamic)
{
	struct template	*t;

	if (name == NULL)
		conf_error("out of memory");
	else if ((t = template_create(conf, name)) == NULL) {
		if (errno == EEXIST)
			conf_error("template \"%s\" already exists", name);
		else
			conf_error("out of memory");
	} else if (dynamic)
		t->flags |= TMPL_F_DYNAMIC;
	free(name);
}

static void
conf_clone(char *name, struct template *src)
{
	if (name == NULL)
		conf_error("out of memory");
	else if (src != NULL && template_clone(conf, name, src) == NULL) {
		if (errno == EEXIST)
			conf_error("template \"%s\" already exists", name);
		else
			conf_error("out of memory");
	}
	free(name);
}

static void
conf_delete(struct template *t)
{
	const char	*why;

	if (t == NULL)
		return;
	if ((why = template_used_by(conf, t)) != NULL)
		conf_error("cannot delete template \"%s\": %s", t->name, why);
	else
		template_free(conf, t);
}

static void
conf_delete_port(struct template *t, int proto, int64_t n)
{
	struct port	*p;

	if ((n = num_range(n, 1, 65535, "port")) == -1 || t == NULL)
		return;
	if ((p = template_find_port(t, proto, n)) == NULL)
		conf_error("template \"%s\" has no %s port %lld", t->name,
		    proto == IPPROTO_TCP ? "tcp" : "udp", (long long)n);
	else
		template_del_port(t, p);
}

/* Whether a is meaningful for proto; frees it if not. */
static int
action_check(struct action *a, int proto)
{
	const char	*err = NULL;

	if ((a->flags & ACTION_F_TARPIT) &&
	    (a->kind == ACTION_BLOCK || a->kind == ACTION_RESET ||
	    a->kind == ACTION_PROHIBIT))
		err = "tarpit needs open, a command or proxy";
	else if (proto == IPPROTO_ICMP && (a->flags & ACTION_F_TARPIT ||
	    a->kind == ACTION_COMMAND || a->kind == ACTION_PROXY ||
	    a->kind == ACTION_PROHIBIT))
		err = "icmp can only be open, block or reset";
	else if (a->kind == ACTION_PROXY && a->proxy_host == NULL)
		err = "";	/* told already */
	if (err == NULL)
		return (0);
	if (*err != '\0')
		conf_error("%s", err);
	action_clear(a);
	return (-1);
}

static void
conf_set_default(struct template *t, int proto, struct action *a)
{
	int	 hp;

	if (action_check(a, proto) == -1)
		return;
	if (t == NULL) {
		action_clear(a);
		return;
	}
	hp = proto == IPPROTO_TCP ? HP_TCP :
	    proto == IPPROTO_UDP ? HP_UDP : HP_ICMP;
	action_clear(&t->defaults[hp]);
	t->defaults[hp] = *a;
}

/*
 * "entry N" picks the N-th entry of a repeated name (n; 0: the typical
 * one, -1: a bad number, already told).  Only a real fingerprint file
 * says how many there are; other checkers (tests) take any number.
 */
static void
conf_set_personality(struct template *t, char *name, int64_t n)
{
	u_int	 m;

	if (pers_check != NULL && pers_check(name, pers_arg) == -1)
		conf_error("unknown personality \"%s\"", name);
	else if (n > 0 && pers_check == fpdb_check_name &&
	    (m = fpdb_entries(pers_arg, name)) < n)
		conf_error("personality \"%s\" has %u entr%s, not %lld",
		    name, m, m == 1 ? "y" : "ies", (long long)n);
	if (t != NULL) {
		t->flags &= ~TMPL_F_PERS_RANDOM;
		t->pers_entry = n > 0 ? n : 0;
	}
	conf_set_string(t != NULL ? &t->personality : NULL, name);
}

/* Replace *dst with s (taken), or drop s if there is no template. */
static void
conf_set_string(char **dst, char *s)
{
	if (dst == NULL) {
		free(s);
		return;
	}
	free(*dst);
	*dst = s;
}

/*
 * The parent, reading the files, checks that a vendor exists (ether.c);
 * the engine has no MAC to give and no file to read.
 */
static void
conf_set_ethernet(struct template *t, char *s)
{
	uint8_t	 mac[6];
	int	 literal;

	if (from_file && ether_resolve(s, mac, &literal) == -1)
		conf_error("%s", ether_error());
	conf_set_string(t != NULL ? &t->ethernet : NULL, s);
}

/* Services never run as root: uid and gid 0 are refused, as in Honeyd. */
static void
conf_set_id(struct template *t, int64_t uid, int64_t gid)
{
	if (uid != -1 && (uid = num_range(uid, 1, INT32_MAX, "uid")) == -1)
		return;
	if (gid != -1 && (gid = num_range(gid, 1, INT32_MAX, "gid")) == -1)
		return;
	if (t == NULL)
		return;
	if (uid != -1) {
		t->uid = uid;
		t->flags |= TMPL_F_UID;
	}
	if (gid != -1) {
		t->gid = gid;
		t->flags |= TMPL_F_GID;
	}
}

static void
conf_set_spoof(struct template *t, int64_t from, int64_t to)
{
	if (t == NULL)
		return;
	if (from >= 0) {
		t->spoof_src = from;
		t->flags |= TMPL_F_SPOOF_SRC;
	}
	if (to >= 0) {
		t->spoof_dst = to;
		t->flags |= TMPL_F_SPOOF_DST;
	}
}

/*
 * An IPv6 proxy host: "[ADDR]", kept so (the brackets say which colon
 * ends the address when the configuration is printed back).
 */
static int
proxy_host6(const char *host)
{
	char		 buf[INET6_ADDRSTRLEN];
	struct in6_addr	 a;
	size_t		 len = strlen(host);

	if (len < 3 || host[0] != '[' || host[len - 1] != ']' ||
	    len - 2 >= sizeof(buf))
		return (-1);
	memcpy(buf, host + 1, len - 2);
	buf[len - 2] = '\0';
	return (addr6_parse(buf, &a));
}

/*
 * "proxy HOST:PORT" with HOST an IPv4 address, an IPv6 one in brackets
 * ([2001:db8::1]:80), $ipsrc or $ipdst and PORT a number, $sport or
 * $dport.  Host names are refused: resolving them would need the
 * resolver in the parent and again in the chrooted engine, each
 * perhaps with a different answer.
 */
static void
proxy_action(struct action *a, char *host, char *port)
{
	char		*colon;
	uint32_t	 addr;
	long		 n;
	char		*end;

	memset(a, 0, sizeof(*a));
	a->kind = ACTION_PROXY;
	if (port == NULL) {
		/* An IPv6 address's colons are inside its brackets. */
		if (host[0] != '[')
			colon = strrchr(host, ':');
		else if ((colon = strstr(host, "]:")) != NULL)
			colon++;
		if (colon != NULL) {
			*colon = '\0';
			port = strdup(colon + 1);
		}
	}
	if (port == NULL) {
		conf_error("proxy \"%s\": expected HOST:PORT", host);
		goto fail;
	}
	if (strchr(host, ':') != NULL && host[0] != '[') {
		conf_error("proxy host \"%s\": an IPv6 address goes in "
		    "brackets, [ADDR]:PORT", host);
		goto fail;
	}
	if (strcmp(host, "$ipsrc") != 0 && strcmp(host, "$ipdst") != 0 &&
	    addr_parse(host, &addr) == -1 && proxy_host6(host) == -1) {
		conf_error("proxy host \"%s\" is not an address, $ipsrc or "
		    "$ipdst", host);
		goto fail;
	}
	errno = 0;
	n = strtol(port, &end, 10);
	if (strcmp(port, "$sport") != 0 && strcmp(port, "$dport") != 0 &&
	    (!isdigit((unsigned char)*port) || *end != '\0' || n < 1 ||
	    n > 65535)) {
		conf_error("proxy port \"%s\" is not a port, $sport or $dport",
		    port);
		goto fail;
	}
	a->proxy_host = host;
	a->proxy_port = port;
	return;
 fail:
	free(host);
	free(port);
}

static void
conf_add_port(struct template *t, int proto, int64_t n, struct action *a)
{
	struct port	*p;

	if (proto == IPPROTO_ICMP) {
		conf_error("only tcp and udp have ports");
		action_clear(a);
		return;
	}
	if (action_check(a, proto) == -1)
		return;
	if ((n = num_range(n, 1, 65535, "port")) == -1 || t == NULL) {
		action_clear(a);
		return;
	}
	if ((p = template_add_port(t, proto, n)) == NULL) {
		if (errno == EEXIST)
			conf_error("template \"%s\" has %s port %lld already",
			    t->name, proto == IPPROTO_TCP ? "tcp" : "udp",
			    (long long)n);
		else
			conf_error("out of memory");
		action_clear(a);
		return;
	}
	p->action = *a;
}

static void
conf_add_subsystem(struct template *t, char *cmd, int flags)
{
	struct tmpl_subsys	*s;

	if (*cmd == '\0')
		conf_error("empty subsystem command");
	else if (t != NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			conf_error("out of memory");
			goto done;
		}
		s->cmd = cmd;
		s->flags = flags;
		TAILQ_INSERT_TAIL(&t->subsystems, s, entry);
		return;
	}
 done:
	free(cmd);
}

static void
conf_add_rule(struct template *t, struct cond *c, struct template *target)
{
	struct dyn_rule	*r;

	if (t == NULL || target == NULL || !c->ok)
		goto fail;
	if ((t->flags & TMPL_F_DYNAMIC) == 0) {
		conf_error("template \"%s\" is not dynamic", t->name);
		goto fail;
	}
	if (target == t) {
		conf_error("dynamic template \"%s\" cannot use itself",
		    t->name);
		goto fail;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->target = strdup(target->name)) == NULL) {
		free(r);
		conf_error("out of memory");
		goto fail;
	}
	r->cond = c->cond;
	r->net = c->net;
	r->mask = c->mask;
	r->os = c->os;
	r->tm_start = c->tm_start;
	r->tm_end = c->tm_end;
	r->proto = c->proto;
	r->net6 = c->net6;
	r->plen6 = c->plen6;
	r->tmpl = target;
	TAILQ_INSERT_TAIL(&t->rules, r, entry);
	return;
 fail:
	free(c->os);
}

/* Bind, telling when addresses bound before change template. */
static void
conf_bind(struct range *r, struct template *t)
{
	char	 lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	int	 replaced;

	if (!r->ok || t == NULL)
		return;
	if (r->v6) {
		conf_bind6(r, t);
		return;
	}
	if (config_bind(conf, r->lo, r->hi, t, &replaced) == -1) {
		conf_error("out of memory");
		return;
	}
	if (!replaced)
		return;
	addr_fmt(r->lo, lo, sizeof(lo));
	addr_fmt(r->hi, hi, sizeof(hi));
	if (r->lo == r->hi)
		conf_warn("%s was bound already, now to template \"%s\"",
		    lo, t->name);
	else
		conf_warn("%s-%s held addresses bound already, now to "
		    "template \"%s\"", lo, hi, t->name);
}

/*
 * Honeyd's "bind CONDITION ADDR T": the address gets a dynamic template
 * named after it, and the condition becomes one of its rules.
 */
static void
conf_bind_dynamic(struct cond *c, char *word, struct template *target)
{
	struct template	*t;
	struct range	 r;
	char		 name[INET_ADDRSTRLEN];
	uint32_t	 a;

	if (addr_parse(word, &a) == -1) {
		conf_error("bad address \"%s\"", word);
		goto fail;
	}
	if (target == NULL || !c->ok)
		goto fail;
	addr_fmt(a, name, sizeof(name));
	if ((t = config_find_template(conf, name)) == NULL) {
		if ((t = template_create(conf, name)) == NULL) {
			conf_error("out of memory");
			goto fail;
		}
		t->flags |= TMPL_F_DYNAMIC;
	} else if ((t->flags & TMPL_F_DYNAMIC) == 0) {
		conf_error("template \"%s\" is not dynamic", name);
		goto fail;
	}
	r.lo = r.hi = a;
	r.ok = 1;
	r.v6 = 0;
	conf_bind(&r, t);
	conf_add_rule(t, c, target);
	free(word);
	return;
 fail:
	free(c->os);
	free(word);
}

/* "2001:db8::/64" or "2001:db8::10-2001:db8::1f", for a message. */
static const char *
range6_fmt(const struct range *r, char *buf, size_t len)
{
	struct in6_addr	 lo = r->lo6, net;
	char		 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int		 plen;

	if (addr6_range_next(&lo, &r->hi6, &net, &plen) == 0)
		return (addr6_fmt_net(&net, plen, buf, len));
	snprintf(buf, len, "%s-%s", addr6_fmt(&r->lo6, a, sizeof(a)),
	    addr6_fmt(&r->hi6, b, sizeof(b)));
	return (buf);
}

/*
 * An IPv6 prefix or range, bound as prefixes: as for IPv4, what was
 * bound there before is replaced.
 */
static void
conf_bind6(struct range *r, struct template *t)
{
	struct in6_addr	 lo = r->lo6, net;
	char		 buf[2 * INET6_ADDRSTRLEN + 8];
	int		 plen, more, replaced, any = 0;

	do {
		more = addr6_range_next(&lo, &r->hi6, &net, &plen);
		if (config_bind6(conf, &net, plen, t, &replaced) == -1) {
			conf_error("out of memory");
			return;
		}
		any |= replaced;
	} while (more);
	if (!any)
		return;
	range6_fmt(r, buf, sizeof(buf));
	if (strchr(buf, '-') == NULL && strchr(buf, '/') == NULL)
		conf_warn("%s was bound already, now to template \"%s\"",
		    buf, t->name);
	else
		conf_warn("%s held addresses bound already, now to template "
		    "\"%s\"", buf, t->name);
}

/* "unbind" of an IPv6 prefix or range: config_unbind6() of each prefix. */
static void
conf_unbind6(struct range *r)
{
	struct in6_addr	 lo = r->lo6, net;
	char		 buf[2 * INET6_ADDRSTRLEN + 8];
	int		 plen, more, found, any = 0;

	do {
		more = addr6_range_next(&lo, &r->hi6, &net, &plen);
		if (config_unbind6(conf, &net, plen, &found) == -1) {
			conf_error("out of memory");
			return;
		}
		any |= found;
	} while (more);
	if (any)
		return;
	range6_fmt(r, buf, sizeof(buf));
	if (strchr(buf, '-') == NULL)
		conf_error("%s is not bound", buf);
	else
		conf_error("nothing in %s is bound", buf);
}

static void
conf_unbind(struct range *r)
{
	char	 lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	int	 found;

	if (!r->ok)
		return;
	if (r->v6) {
		conf_unbind6(r);
		return;
	}
	if (config_unbind(conf, r->lo, r->hi, &found) == -1) {
		conf_error("out of memory");
		return;
	}
	if (found)
		return;
	addr_fmt(r->lo, lo, sizeof(lo));
	addr_fmt(r->hi, hi, sizeof(hi));
	if (r->lo == r->hi)
		conf_error("%s is not bound", lo);
	else
		conf_error("nothing in %s-%s is bound", lo, hi);
}

static void
conf_bind_ext(char *word, char *iface)
{
	struct ext_bind	*e;
	uint32_t	 a;

	if (addr_parse(word, &a) == -1) {
		conf_error("bad address \"%s\"", word);
		goto done;
	}
	TAILQ_FOREACH(e, &conf->ext_binds, entry)
		if (e->addr == a) {
			conf_error("%s is bound to %s already (%s:%d)", word,
			    e->iface, e->file, e->lineno);
			goto done;
		}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (e->file = strdup(file->name)) == NULL) {
		free(e);
		conf_error("out of memory");
		goto done;
	}
	/* router.c checks it against the topology and names the line. */
	e->lineno = yylval.lineno;
	e->addr = a;
	e->iface = iface;
	TAILQ_INSERT_TAIL(&conf->ext_binds, e, entry);
	iface = NULL;
 done:
	free(word);
	free(iface);
}

/*
 * A route's router or gateway: an IPv4 address, or a unicast IPv6 one
 * that is not IPv4-mapped (the topology keeps IPv4 addresses as those:
 * router.c).
 */
static void
parse_rtaddr(const char *s, struct rtaddr *ra)
{
	memset(ra, 0, sizeof(*ra));
	if (strchr(s, ':') == NULL) {
		if (addr_parse(s, &ra->a) == -1)
			conf_error("bad address \"%s\"", s);
		else
			ra->ok = 1;
		return;
	}
	ra->v6 = 1;
	if (addr6_parse(s, &ra->a6) == -1)
		conf_error("bad IPv6 address \"%s\"", s);
	else if (!addr6_net_unicast(&ra->a6, 128) ||
	    IN6_IS_ADDR_V4MAPPED(&ra->a6))
		conf_error("\"%s\" is no router's address: multicast, "
		    "unspecified, loopback or IPv4-mapped", s);
	else
		ra->ok = 1;
}

/* A route's network: IPv4 as "network" takes it, or an IPv6 prefix. */
static void
parse_rtnet(const char *s, struct range *r)
{
	memset(r, 0, sizeof(*r));
	if (strchr(s, ':') == NULL) {
		r->ok = parse_net(s, &r->lo, &r->hi) == 0;
		return;
	}
	r->ok = parse_net6(s, r) == 0;
	if (r->ok && IN6_IS_ADDR_V4MAPPED(&r->net6)) {
		conf_error("\"%s\": IPv4-mapped addresses are routed as IPv4",
		    s);
		r->ok = 0;
	}
}

static const char *
family_name(int v6)
{
	return (v6 ? "IPv6" : "IPv4");
}

static struct route_conf *
conf_route(int kind, struct rtaddr *router)
{
	struct route_conf	*r;

	if (!router->ok)
		return (NULL);
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		conf_error("out of memory");
		return (NULL);
	}
	r->kind = kind;
	r->v6 = router->v6;
	r->router = router->a;
	r->router6 = router->a6;
	/* router.c checks the whole topology later and names the line. */
	r->lineno = yylval.lineno;
	if ((r->file = strdup(file->name)) == NULL)
		conf_error("out of memory");
	TAILQ_INSERT_TAIL(&conf->routes, r, entry);
	return (r);
}

/* A route is of one family: its router's. */
static void
conf_route_net(struct route_conf *r, struct range *net)
{
	char	 a[INET6_ADDRSTRLEN];

	if (r == NULL || !net->ok)
		return;
	if (net->v6 != r->v6) {
		conf_error("route %s: an %s network for an %s router: a "
		    "route is of one family", r->v6 ? addr6_fmt(&r->router6,
		    a, sizeof(a)) : addr_fmt(r->router, a, sizeof(a)),
		    family_name(net->v6), family_name(r->v6));
		return;
	}
	if (r->v6) {
		r->net6 = net->net6;
		r->plen6 = net->plen6;
		return;
	}
	r->net = net->lo;
	r->mask = net->lo ^ net->hi ^ UINT32_MAX;
}

static void
conf_route_gw(struct route_conf *r, struct rtaddr *gw)
{
	char	 a[INET6_ADDRSTRLEN];

	if (r == NULL || !gw->ok)
		return;
	if (gw->v6 != r->v6) {
		conf_error("route %s: an %s gateway for an %s router: a "
		    "route is of one family", r->v6 ? addr6_fmt(&r->router6,
		    a, sizeof(a)) : addr_fmt(r->router, a, sizeof(a)),
		    family_name(gw->v6), family_name(r->v6));
		return;
	}
	r->gw = gw->a;
	r->gw6 = gw->a6;
}

/*
 * Merge option o into all, each at most once; with all NULL, check the
 * complete set.
 */
static void
conf_route_opts(struct route_opts *all, struct route_opts *o)
{
	if (all == NULL) {
		if ((o->flags & ROUTE_F_DROP) &&
		    (o->flags & ROUTE_F_BANDWIDTH) == 0)
			conf_warn("drop between has no effect without "
			    "bandwidth");
		return;
	}
	if (all->flags & o->flags) {
		conf_error("route option given twice");
		return;
	}
	all->flags |= o->flags;
	if (o->flags & ROUTE_F_LATENCY)
		all->latency = o->latency;
	if (o->flags & ROUTE_F_LOSS)
		all->loss = o->loss;
	if (o->flags & ROUTE_F_BANDWIDTH)
		all->bandwidth = o->bandwidth;
	if (o->flags & ROUTE_F_DROP) {
		all->drop_lo = o->drop_lo;
		all->drop_hi = o->drop_hi;
	}
	if (o->flags & ROUTE_F_MTU)
		all->mtu = o->mtu;
}

static void
conf_annotate(char *pers, int finscan, enum frag_policy frag)
{
	struct annotation	*a;

	if (pers_check != NULL && pers_check(pers, pers_arg) == -1)
		conf_error("unknown personality \"%s\"", pers);
	TAILQ_FOREACH(a, &conf->annotations, entry)
		if (strcmp(a->personality, pers) == 0)
			break;
	if (a == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL) {
			conf_error("out of memory");
			free(pers);
			return;
		}
		a->personality = pers;
		a->finscan = -1;
		TAILQ_INSERT_TAIL(&conf->annotations, a, entry);
	} else
		free(pers);
	if (finscan != -1)
		a->finscan = finscan;
	if (frag != FRAG_UNSET)
		a->fragment = frag;
}

static void
conf_option(char *plugin, char *key, char *value, enum option_kind kind)
{
	struct plugin_option	*o;
	char			 what[256];
	int			 r;

	if (value == NULL || (o = calloc(1, sizeof(*o))) == NULL) {
		conf_error("out of memory");
		goto done;
	}
	/* A section honeyd reads is checked here, where the line is known. */
	if ((r = config_option_set(conf, plugin, key, value, what,
	    sizeof(what))) != 1) {
		if (r == -1)
			conf_error("%s", what);
		free(o);
		goto done;
	}
	o->plugin = plugin;
	o->key = key;
	o->value = value;
	o->kind = kind;
	TAILQ_INSERT_TAIL(&conf->options, o, entry);
	/* Kept for Honeyd's plugins; none of ours reads it. */
	if (from_file) {
		snprintf(what, sizeof(what), "\"option %s\"", plugin);
		config_warn_inert(file->name, yylval.lineno, what);
	}
	return;
done:
	free(plugin);
	free(key);
	free(value);
}

static void
conf_dhcp(struct template *t, char *iface, char *ether)
{
	struct dhcp_conf	*d;

	if (t != NULL) {
		if ((d = calloc(1, sizeof(*d))) == NULL)
			conf_error("out of memory");
		else {
			d->tmpl = t;
			d->iface = iface;
			d->ethernet = ether;
			TAILQ_INSERT_TAIL(&conf->dhcp, d, entry);
			return;
		}
	}
	free(iface);
	free(ether);
}
