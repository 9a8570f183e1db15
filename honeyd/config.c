/*
 * The configuration as data: templates, their ports, the sorted table
 * of address binds, and the lookups the engine does per packet.
 * parse.y builds it with these functions, printconf.c prints it back.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "honeyd.h"

static int	 action_copy(struct action *, const struct action *);
static int	 rules_copy(struct template *, const struct template *);
static int	 subsystems_copy(struct template *, const struct template *);
static int	 ports_copy(struct template *, const struct template *);
static void	 rule_free(struct dyn_rule *);
static size_t	 bind_first_above(const struct honeyd_config *, uint32_t);
static int	 binds_reserve(struct honeyd_config *, size_t);
static int	 rule_matches(const struct dyn_rule *, const struct dyn_match *);
static void	 options_default(struct conf_options *);
static int	 option_find(const char *, const char *, int *);
static void	 option_keys(const char *, char *, size_t);

static int
port_cmp(struct port *a, struct port *b)
{
	if (a->proto != b->proto)
		return (a->proto < b->proto ? -1 : 1);
	if (a->number != b->number)
		return (a->number < b->number ? -1 : 1);
	return (0);
}

static int
template_cmp(struct template *a, struct template *b)
{
	return (strcmp(a->name, b->name));
}

RB_GENERATE(port_tree, port, entry, port_cmp)
RB_GENERATE(template_tree, template, entry, template_cmp)

struct honeyd_config *
config_new(void)
{
	struct honeyd_config	*conf;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		return (NULL);
	RB_INIT(&conf->templates);
	TAILQ_INIT(&conf->tmpl_order);
	TAILQ_INIT(&conf->routes);
	TAILQ_INIT(&conf->annotations);
	TAILQ_INIT(&conf->ext_binds);
	TAILQ_INIT(&conf->dhcp);
	TAILQ_INIT(&conf->options);
	options_default(&conf->opts);
	return (conf);
}

void
config_free(struct honeyd_config *conf)
{
	struct route_conf	*r;
	struct annotation	*a;
	struct ext_bind		*e;
	struct dhcp_conf	*d;
	struct plugin_option	*o;

	if (conf == NULL)
		return;
	while (!TAILQ_EMPTY(&conf->tmpl_order))
		template_free(conf, TAILQ_FIRST(&conf->tmpl_order));
	free(conf->binds);
	free(conf->binds6);
	router_free(conf->topo);
	while ((r = TAILQ_FIRST(&conf->routes)) != NULL) {
		TAILQ_REMOVE(&conf->routes, r, entry);
		free(r->file);
		free(r);
	}
	while ((a = TAILQ_FIRST(&conf->annotations)) != NULL) {
		TAILQ_REMOVE(&conf->annotations, a, entry);
		free(a->personality);
		free(a);
	}
	while ((e = TAILQ_FIRST(&conf->ext_binds)) != NULL) {
		TAILQ_REMOVE(&conf->ext_binds, e, entry);
		free(e->iface);
		free(e->file);
		free(e);
	}
	while ((d = TAILQ_FIRST(&conf->dhcp)) != NULL) {
		TAILQ_REMOVE(&conf->dhcp, d, entry);
		free(d->iface);
		free(d->ethernet);
		free(d);
	}
	while ((o = TAILQ_FIRST(&conf->options)) != NULL) {
		TAILQ_REMOVE(&conf->options, o, entry);
		free(o->plugin);
		free(o->key);
		free(o->value);
		free(o);
	}
	free(conf);
}

struct template *
config_find_template(const struct honeyd_config *conf, const char *name)
{
	struct template	 key;

	/* RB_FIND wants a non-const head; it does not modify it. */
	key.name = (char *)name;
	return (RB_FIND(template_tree,
	    (struct template_tree *)&conf->templates, &key));
}

/* A new, empty template, or NULL with errno EEXIST or ENOMEM. */
struct template *
template_create(struct honeyd_config *conf, const char *name)
{
	struct template	*t;

	if (config_find_template(conf, name) != NULL) {
		errno = EEXIST;
		return (NULL);
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	if ((t->name = strdup(name)) == NULL) {
		free(t);
		return (NULL);
	}
	RB_INIT(&t->ports);
	TAILQ_INIT(&t->rules);
	TAILQ_INIT(&t->subsystems);
	RB_INSERT(template_tree, &conf->templates, t);
	TAILQ_INSERT_TAIL(&conf->tmpl_order, t, order);
	return (t);
}

static int
strdup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return (-1);
	return (0);
}

/*
 * A deep copy of src named name.  Rules keep pointing at the same
 * targets: a clone of a dynamic template chooses among the same hosts.
 */
struct template *
template_clone(struct honeyd_config *conf, const char *name,
    const struct template *src)
{
	struct template	*t;
	int		 i;

	if ((t = template_create(conf, name)) == NULL)
		return (NULL);
	t->flags = src->flags;
	t->pers = src->pers;
	t->pers_entry = src->pers_entry;
	t->uptime = src->uptime;
	t->droprate_in = src->droprate_in;
	t->droprate_syn = src->droprate_syn;
	t->uid = src->uid;
	t->gid = src->gid;
	t->maxfds = src->maxfds;
	t->spoof_src = src->spoof_src;
	t->spoof_dst = src->spoof_dst;
	if (strdup_opt(&t->personality, src->personality) == -1 ||
	    strdup_opt(&t->ethernet, src->ethernet) == -1)
		goto fail;
	for (i = 0; i < HP_MAX; i++)
		if (action_copy(&t->defaults[i], &src->defaults[i]) == -1)
			goto fail;
	if (ports_copy(t, src) == -1 || rules_copy(t, src) == -1 ||
	    subsystems_copy(t, src) == -1)
		goto fail;
	return (t);
 fail:
	template_free(conf, t);
	errno = ENOMEM;
	return (NULL);
}

static int
ports_copy(struct template *t, const struct template *src)
{
	struct port	*p, *np;

	RB_FOREACH(p, port_tree, (struct port_tree *)&src->ports) {
		if ((np = template_add_port(t, p->proto, p->number)) == NULL)
			return (-1);
		if (action_copy(&np->action, &p->action) == -1)
			return (-1);
	}
	return (0);
}

static int
rules_copy(struct template *t, const struct template *src)
{
	struct dyn_rule	*r, *nr;

	TAILQ_FOREACH(r, &src->rules, entry) {
		if ((nr = calloc(1, sizeof(*nr))) == NULL)
			return (-1);
		*nr = *r;
		nr->os = nr->target = NULL;
		TAILQ_INSERT_TAIL(&t->rules, nr, entry);
		if (strdup_opt(&nr->os, r->os) == -1 ||
		    strdup_opt(&nr->target, r->target) == -1)
			return (-1);
	}
	return (0);
}

static int
subsystems_copy(struct template *t, const struct template *src)
{
	struct tmpl_subsys	*s, *ns;

	TAILQ_FOREACH(s, &src->subsystems, entry) {
		if ((ns = calloc(1, sizeof(*ns))) == NULL)
			return (-1);
		ns->flags = s->flags;
		TAILQ_INSERT_TAIL(&t->subsystems, ns, entry);
		if ((ns->cmd = strdup(s->cmd)) == NULL)
			return (-1);
	}
	return (0);
}

static void
rule_free(struct dyn_rule *r)
{
	free(r->os);
	free(r->target);
	free(r);
}

/* The caller makes sure nothing refers to t any more. */
void
template_free(struct honeyd_config *conf, struct template *t)
{
	struct port		*p;
	struct dyn_rule		*r;
	struct tmpl_subsys	*s;
	int			 i;

	RB_REMOVE(template_tree, &conf->templates, t);
	TAILQ_REMOVE(&conf->tmpl_order, t, order);
	if (conf->dflt == t)
		conf->dflt = NULL;
	while ((p = RB_MIN(port_tree, &t->ports)) != NULL)
		template_del_port(t, p);
	while ((r = TAILQ_FIRST(&t->rules)) != NULL) {
		TAILQ_REMOVE(&t->rules, r, entry);
		rule_free(r);
	}
	while ((s = TAILQ_FIRST(&t->subsystems)) != NULL) {
		TAILQ_REMOVE(&t->subsystems, s, entry);
		free(s->cmd);
		free(s);
	}
	for (i = 0; i < HP_MAX; i++)
		action_clear(&t->defaults[i]);
	free(t->personality);
	free(t->ethernet);
	free(t->name);
	free(t);
}

/*
 * Why t cannot be deleted, or NULL if nothing refers to it.  Scans
 * everything; "delete" is rare and this keeps no reference counts.
 */
const char *
template_used_by(const struct honeyd_config *conf, const struct template *t)
{
	const struct template	*o;
	const struct dyn_rule	*r;
	const struct dhcp_conf	*d;
	size_t			 i;

	for (i = 0; i < conf->nbinds; i++)
		if (conf->binds[i].tmpl == t)
			return ("it is bound to addresses");
	for (i = 0; i < conf->nbinds6; i++)
		if (conf->binds6[i].tmpl == t)
			return ("it is bound to addresses");
	TAILQ_FOREACH(o, &conf->tmpl_order, order)
		TAILQ_FOREACH(r, &o->rules, entry)
			if (r->tmpl == t && o != t)
				return ("a dynamic template uses it");
	TAILQ_FOREACH(d, &conf->dhcp, entry)
		if (d->tmpl == t)
			return ("a dhcp statement uses it");
	return (NULL);
}

struct port *
template_find_port(const struct template *t, int proto, uint16_t number)
{
	struct port	 key;

	key.proto = proto;
	key.number = number;
	return (RB_FIND(port_tree, (struct port_tree *)&t->ports, &key));
}

/* A new port with an unset action, or NULL if it exists or no memory. */
struct port *
template_add_port(struct template *t, int proto, uint16_t number)
{
	struct port	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->proto = proto;
	p->number = number;
	if (RB_INSERT(port_tree, &t->ports, p) != NULL) {
		free(p);
		errno = EEXIST;
		return (NULL);
	}
	return (p);
}

void
template_del_port(struct template *t, struct port *p)
{
	RB_REMOVE(port_tree, &t->ports, p);
	action_clear(&p->action);
	free(p);
}

/*
 * A personality's "annotate P [no] finscan": 1 (FIN, NULL and Xmas
 * segments to an open port are ignored, so such scans see it open), 0
 * (they are reset as at a closed port), -1 (not said: the fingerprint's
 * T2 answer decides, as for any odd segment to an open port).
 */
int
config_finscan(const struct honeyd_config *conf, const char *pers)
{
	const struct annotation	*a;

	if (pers == NULL)
		return (-1);
	TAILQ_FOREACH(a, &conf->annotations, entry)
		if (strcmp(a->personality, pers) == 0)
			return (a->finscan);
	return (-1);
}

/*
 * What happens to a packet for proto/port: the port's own action, else
 * the template's default for the protocol.  Defaults never set follow
 * real stacks rather than Honeyd 1.5c: closed TCP and UDP ports reset
 * (RST, ICMP port unreachable) and ICMP is answered.  1.5c left TCP open
 * by accident of zeroed memory, which gives every unconfigured host
 * 65535 open ports, the first thing a scanner would notice.
 */
const struct action *
template_action(const struct template *t, int proto, uint16_t port)
{
	static const struct action	 act_reset = { .kind = ACTION_RESET };
	static const struct action	 act_open = { .kind = ACTION_OPEN };
	static const struct action	 act_block = { .kind = ACTION_BLOCK };
	const struct action		*a;
	struct port			*p;

	if (t == NULL)
		return (&act_block);
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if ((p = template_find_port(t, proto, port)) != NULL)
			return (&p->action);
		a = &t->defaults[proto == IPPROTO_TCP ? HP_TCP : HP_UDP];
		return (a->kind == ACTION_UNSET ? &act_reset : a);
	case IPPROTO_ICMP:
		a = &t->defaults[HP_ICMP];
		return (a->kind == ACTION_UNSET ? &act_open : a);
	default:
		return (&act_block);
	}
}

static int
action_copy(struct action *dst, const struct action *src)
{
	*dst = *src;
	dst->cmd = dst->proxy_host = dst->proxy_port = NULL;
	if (strdup_opt(&dst->cmd, src->cmd) == -1 ||
	    strdup_opt(&dst->proxy_host, src->proxy_host) == -1 ||
	    strdup_opt(&dst->proxy_port, src->proxy_port) == -1) {
		action_clear(dst);
		return (-1);
	}
	return (0);
}

void
action_clear(struct action *a)
{
	free(a->cmd);
	free(a->proxy_host);
	free(a->proxy_port);
	memset(a, 0, sizeof(*a));
}

/* Index of the first bind whose hi is >= addr (nbinds if none). */
static size_t
bind_first_above(const struct honeyd_config *conf, uint32_t addr)
{
	size_t	 lo = 0, hi = conf->nbinds, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (conf->binds[mid].hi < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

const struct bind *
config_find_bind(const struct honeyd_config *conf, uint32_t addr)
{
	size_t	 i;

	i = bind_first_above(conf, addr);
	if (i < conf->nbinds && conf->binds[i].lo <= addr)
		return (&conf->binds[i]);
	return (NULL);
}

static int
binds_reserve(struct honeyd_config *conf, size_t extra)
{
	struct bind	*nb;
	size_t		 ncap;

	if (conf->nbinds + extra <= conf->binds_cap)
		return (0);
	ncap = conf->binds_cap ? conf->binds_cap * 2 : 16;
	while (ncap < conf->nbinds + extra)
		ncap *= 2;
	if ((nb = reallocarray(conf->binds, ncap, sizeof(*nb))) == NULL)
		return (-1);
	conf->binds = nb;
	conf->binds_cap = ncap;
	return (0);
}

/*
 * Bind lo..hi to t.  Whatever was bound there before is replaced: the
 * old intervals overlapping the new one are cut down to what lies
 * outside it, and the new one is merged with neighbours bound to the
 * same template so consecutive single binds collapse into one entry.
 * *replaced tells whether any address changed template.
 * XXX Binds in random order cost a memmove each (65,536 alternating
 * single binds shuffled: 0.3 s); generated configs come in order, and
 * the flat array keeps lookups a cache-friendly binary search.
 */
int
config_bind(struct honeyd_config *conf, uint32_t lo, uint32_t hi,
    struct template *t, int *replaced)
{
	struct bind	 nb[3];
	size_t		 i, j, n = 0;

	*replaced = 0;
	if (lo > hi || binds_reserve(conf, 2) == -1)
		return (-1);
	i = bind_first_above(conf, lo);
	for (j = i; j < conf->nbinds && conf->binds[j].lo <= hi; j++)
		if (conf->binds[j].tmpl != t)
			*replaced = 1;
	if (j > i && conf->binds[i].lo < lo) {
		nb[n].lo = conf->binds[i].lo;
		nb[n].hi = lo - 1;
		nb[n++].tmpl = conf->binds[i].tmpl;
	}
	nb[n].lo = lo;
	nb[n].hi = hi;
	nb[n++].tmpl = t;
	if (j > i && conf->binds[j - 1].hi > hi) {
		nb[n].lo = hi + 1;
		nb[n].hi = conf->binds[j - 1].hi;
		nb[n++].tmpl = conf->binds[j - 1].tmpl;
	}
	/* Take in the neighbours outside lo..hi if they merge. */
	if (i > 0 && conf->binds[i - 1].tmpl == nb[0].tmpl &&
	    conf->binds[i - 1].hi + 1 == nb[0].lo)
		nb[0].lo = conf->binds[--i].lo;
	if (j < conf->nbinds && conf->binds[j].tmpl == nb[n - 1].tmpl &&
	    nb[n - 1].hi + 1 == conf->binds[j].lo)
		nb[n - 1].hi = conf->binds[j++].hi;
	/* A remainder bound to t itself merges with the new interval. */
	if (n > 1 && nb[0].tmpl == nb[1].tmpl) {
		nb[1].lo = nb[0].lo;
		memmove(&nb[0], &nb[1], --n * sizeof(nb[0]));
	}
	if (n > 1 && nb[n - 2].tmpl == nb[n - 1].tmpl) {
		nb[n - 2].hi = nb[n - 1].hi;
		n--;
	}
	memmove(&conf->binds[i + n], &conf->binds[j],
	    (conf->nbinds - j) * sizeof(conf->binds[0]));
	memcpy(&conf->binds[i], nb, n * sizeof(nb[0]));
	conf->nbinds = conf->nbinds - (j - i) + n;
	return (0);
}

/*
 * "unbind": lo..hi bound to nothing, splitting the binds around it.
 * Binding the range to no template first leaves exactly one interval
 * to take out.  *found says whether any of it was bound.
 */
int
config_unbind(struct honeyd_config *conf, uint32_t lo, uint32_t hi,
    int *found)
{
	size_t	 i;

	if (config_bind(conf, lo, hi, NULL, found) == -1)
		return (-1);
	for (i = 0; i < conf->nbinds; i++)
		if (conf->binds[i].tmpl == NULL)
			break;
	if (i < conf->nbinds) {
		memmove(&conf->binds[i], &conf->binds[i + 1],
		    (conf->nbinds - i - 1) * sizeof(conf->binds[0]));
		conf->nbinds--;
	}
	return (0);
}

/*
 * The running configuration with one more statement (a control
 * client's): its canonical printout parsed again, then the statement
 * parsed into that copy, so the running one is untouched whatever
 * happens.  Errors name the statement "honeydctl:1: ...".  NULL after
 * printing them.
 */
struct honeyd_config *
config_apply_statement(const struct honeyd_config *running, const char *stmt,
    int (*check)(const char *, void *), void *arg)
{
	struct honeyd_config	*c;
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	config_print(f, running);
	if (fclose(f) == EOF) {
		free(buf);
		return (NULL);
	}
	c = config_parse_buffer("running configuration", buf, len, check,
	    arg);
	free(buf);
	if (c == NULL)
		return (NULL);
	if (config_parse_more(c, CONF_STMT_NAME, stmt, strlen(stmt), check,
	    arg) == -1) {
		config_free(c);
		return (NULL);
	}
	return (c);
}

static int
rule_matches(const struct dyn_rule *r, const struct dyn_match *m)
{
	switch (r->cond) {
	case DYN_OTHERWISE:
		return (1);
	case DYN_SRC_IP:
		return (!m->v6 && (htonl(m->src) & r->mask) == r->net);
	case DYN_SRC_IP6:
		return (m->src6 != NULL &&
		    addr6_in_net(m->src6, &r->net6, r->plen6));
	case DYN_SRC_OS:
		return (m->os != NULL &&
		    fnmatch(r->os, m->os, FNM_CASEFOLD) == 0);
	case DYN_PROTO:
		return (m->proto == r->proto);
	case DYN_TIME:
		if (m->tod < 0)
			return (0);
		if (r->tm_start <= r->tm_end)
			return ((uint32_t)m->tod >= r->tm_start &&
			    (uint32_t)m->tod < r->tm_end);
		/* The interval wraps around midnight. */
		return ((uint32_t)m->tod >= r->tm_start ||
		    (uint32_t)m->tod < r->tm_end);
	}
	return (0);
}

/*
 * Follow dynamic templates to a concrete one: the first rule that
 * matches, again and again.  NULL if no rule matches or the chain is
 * longer than DYN_MAX_DEPTH (a loop through several templates).
 */
struct template *
template_resolve(const struct template *t, const struct dyn_match *m)
{
	const struct dyn_rule	*r;
	int			 depth;

	for (depth = 0; t != NULL && (t->flags & TMPL_F_DYNAMIC); depth++) {
		if (depth == DYN_MAX_DEPTH)
			return (NULL);
		TAILQ_FOREACH(r, &t->rules, entry)
			if (rule_matches(r, m))
				break;
		t = r == NULL ? NULL : r->tmpl;
	}
	return ((struct template *)t);
}

/*
 * What a dynamic template may look at that is not the source: the
 * protocol, and the local time now, the same for either family.
 */
static void
dyn_match_init(struct dyn_match *m, int proto)
{
	struct tm	 tm;
	time_t		 now;

	memset(m, 0, sizeof(*m));
	m->proto = proto;
	m->tod = -1;
	now = time(NULL);
	if (localtime_r(&now, &tm) != NULL)
		m->tod = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/*
 * The template answering for dst when src talks to it with protocol
 * proto (0: unknown).  Time rules are judged by local time now;
 * source os rules by what the engine learned from the source's SYNs
 * (passive.c; nothing in the parent, so they never match there).
 */
struct template *
config_lookup(const struct honeyd_config *conf, uint32_t dst, uint32_t src,
    int proto)
{
	const struct bind	*b;
	struct dyn_match	 m;
	struct template		*t;

	b = config_find_bind(conf, dst);
	t = b != NULL ? b->tmpl : conf->dflt;
	if (t == NULL || (t->flags & TMPL_F_DYNAMIC) == 0)
		return (t);
	dyn_match_init(&m, proto);
	m.src = src;
	m.os = passive_os_name(src);
	return (template_resolve(t, &m));
}

static int
claim_net(struct claimset *cs, uint32_t net, uint32_t mask)
{
	return (claim_add(cs, net & mask, (net & mask) | ~mask));
}

/*
 * Add to cs the addresses route r puts in the topology: its router, the
 * network it links, routes or declares unreachable, and its gateway
 * (a tunnel's local end).  The parent claims them and pins them to
 * engine 0 (engines_pin()).
 */
int
config_route_addrs(const struct route_conf *r, struct claimset *cs)
{
	int	 net = r->kind != ROUTE_ENTRY || (r->flags & ROUTE_F_NETWORK);

	if (r->v6) {
		if (claim6_add(cs, &r->router6, 128) == -1 ||
		    (net && claim6_add(cs, &r->net6, r->plen6) == -1) ||
		    (r->kind == ROUTE_NET && claim6_add(cs, &r->gw6,
		    128) == -1))
			return (-1);
		return (0);
	}
	if (claim_add(cs, r->router, r->router) == -1 ||
	    (net && claim_net(cs, r->net, r->mask) == -1) ||
	    ((r->kind == ROUTE_NET || r->kind == ROUTE_TUNNEL) &&
	    claim_add(cs, r->gw, r->gw) == -1))
		return (-1);
	return (0);
}

/*
 * Add to cs every address the config answers for: the binds, and for
 * the routing topology the entry routers, every router and gateway,
 * and every network linked, routed or declared unreachable (routers
 * answer for those with ICMP), of either family, and the local end of
 * every tunnel.  The
 * remote ends of tunnels are real machines elsewhere and are left out;
 * "bind A to IFACE" machines are in the topology's networks, claimed
 * so that their traffic is captured, but never answered for in ARP on
 * their own interface (extbind.c).  The caller normalizes cs.
 */
int
config_claimed_ranges(const struct honeyd_config *conf, struct claimset *cs)
{
	const struct route_conf	*r;
	size_t			 i;

	for (i = 0; i < conf->nbinds; i++)
		if (claim_add(cs, conf->binds[i].lo, conf->binds[i].hi) == -1)
			return (-1);
	for (i = 0; i < conf->nbinds6; i++)
		if (claim6_add(cs, &conf->binds6[i].net,
		    conf->binds6[i].plen) == -1)
			return (-1);
	TAILQ_FOREACH(r, &conf->routes, entry)
		if (config_route_addrs(r, cs) == -1)
			return (-1);
	return (0);
}

/*
 * The local ends of the tunnels: the parent must capture the GRE
 * packets sent to them and send ours from them, so they are claimed
 * even when the command line names the networks.
 */
int
config_claimed_tunnels(const struct honeyd_config *conf, struct claimset *cs)
{
	const struct route_conf	*r;

	TAILQ_FOREACH(r, &conf->routes, entry)
		if (r->kind == ROUTE_TUNNEL && !r->v6 &&
		    claim_add(cs, r->gw, r->gw) == -1)
			return (-1);
	return (0);
}

/*
 * Statements of Honeyd 1.5c's language that are parsed, kept and
 * printed back but not acted on: the parent's parse (a file, a reload,
 * a control client's statement) says so, naming file:line.  Two are
 * left: subsystems (delete the call in parse.y, and regress/config's
 * 3.err, 5.err and 21.*, when they run) and options of sections only
 * Honeyd's plugins read (config_option_set() returns 1).
 */
void
config_warn_inert(const char *file, int lineno, const char *what)
{
	log_diag("%s:%d: warning: %s has no effect yet", file, lineno,
	    what);
}

/*
 * The keys of the "option" sections honeyd reads, sorted by section and
 * key, with the range of each value: arpguard.c, capture.c, host.c,
 * ipfrag.c, service.c and tcp.c read the fields.  Other sections are kept as text for
 * Honeyd's plugins and have no effect.
 */
#define OPT(f)		offsetof(struct conf_options, f), \
			sizeof(((struct conf_options *)0)->f)
static const struct option_key {
	const char	*section, *key;
	size_t		 off, size;	/* an int or a long */
	long long	 lo, hi;
} option_table[] = {
	{ "arp", "conflict_timeout", OPT(arp_conflict_timeout), 0, 86400 },
	{ "arp", "probe_burst", OPT(arp_probe_burst), 1, ARPG_RATE_MAX },
	{ "arp", "probe_rate", OPT(arp_probe_rate), 0, ARPG_RATE_MAX },
	{ "arp", "silence", OPT(arp_silence), 0, 86400 },
	{ "capture", "bypass", OPT(capture_bypass), 0, 1 },
	{ "capture", "pause", OPT(capture_pause), 0, CAPTURE_PAUSE_MAX },
	{ "connections", "max", OPT(connections_max), 1, CONFIG_TCP_MAX },
	{ "hosts", "max", OPT(hosts_max), 1, CONFIG_HOSTS_MAX },
	{ "reassembly", "timeout", OPT(reassembly_timeout), 1, 3600 },
	{ "service", "cpu", OPT(service.cpu), 1, 86400 },
	{ "service", "fsize", OPT(service.fsize), 0, 1 << 22 },
	{ "service", "max", OPT(service.max), 1, RELAY_MAX },
	{ "service", "memory", OPT(service.memory), 16, 1 << 20 },
	{ "service", "nproc", OPT(service.nproc), 1, 1 << 22 },
	{ "service", "per_template", OPT(service.per_template), 1, RELAY_MAX },
	{ "service", "timeout", OPT(service.timeout), 0, 86400 * 7 },
};
#define OPTION_KEYS	(sizeof(option_table) / sizeof(option_table[0]))
_Static_assert(OPTION_KEYS <= 32, "a bit of conf_options.given per key");

static void
options_default(struct conf_options *o)
{
	memset(o, 0, sizeof(*o));
	o->service.max = 1024;
	o->service.per_template = 512;
	o->service.timeout = 600;
	o->service.cpu = 60;
	o->service.memory = 256;
	o->service.fsize = 1024;
	o->service.nproc = 4096;
	o->reassembly_timeout = IPFRAG_TIMEOUT;
	o->arp_conflict_timeout = ARPG_CONFLICT_TIMEOUT;
	o->arp_probe_rate = ARPG_PROBE_RATE;
	o->arp_probe_burst = ARPG_PROBE_BURST;
	o->capture_pause = CAPTURE_PAUSE_DEFAULT;
	o->capture_bypass = 1;
	o->hosts_max = HOST_MAX_DEFAULT;
	o->connections_max = TCP_CONN_MAX;
}

/*
 * The index of section's key in option_table, or -1; *known says
 * whether honeyd reads the section at all.
 */
static int
option_find(const char *section, const char *key, int *known)
{
	size_t	 i;

	*known = 0;
	for (i = 0; i < OPTION_KEYS; i++) {
		if (strcmp(option_table[i].section, section) != 0)
			continue;
		*known = 1;
		if (strcmp(option_table[i].key, key) == 0)
			return (i);
	}
	return (-1);
}

/* "known is K" or "known are K1, K2, ..." for an error message. */
static void
option_keys(const char *section, char *buf, size_t len)
{
	size_t	 i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < OPTION_KEYS; i++) {
		if (strcmp(option_table[i].section, section) != 0)
			continue;
		if (n++ > 0)
			strlcat(buf, ", ", len);
		strlcat(buf, option_table[i].key, len);
	}
}

/*
 * "option SECTION KEY VALUE": set the value if honeyd reads the section
 * (0), or return 1 for a section of Honeyd's plugins.  A key the
 * section does not have or a value out of its range is -1, with the
 * message in err for the parser to put after file:line.
 */
int
config_option_set(struct honeyd_config *conf, const char *section,
    const char *key, const char *value, char *err, size_t errlen)
{
	const struct option_key	*k;
	const char		*errstr;
	char			 keys[128];
	long long		 n;
	int			 i, known;

	if ((i = option_find(section, key, &known)) == -1) {
		if (!known)
			return (1);
		option_keys(section, keys, sizeof(keys));
		snprintf(err, errlen, "option %s %s: unknown; known %s %s",
		    section, key, strchr(keys, ',') ? "are" : "is", keys);
		return (-1);
	}
	k = &option_table[i];
	n = strtonum(value, k->lo, k->hi, &errstr);
	if (errstr != NULL) {
		snprintf(err, errlen, "option %s %s %s: %s (%lld-%lld)",
		    section, key, value, errstr, k->lo, k->hi);
		return (-1);
	}
	if (k->size == sizeof(long))
		*(long *)((char *)&conf->opts + k->off) = n;
	else
		*(int *)((char *)&conf->opts + k->off) = n;
	conf->opts.given |= 1U << i;
	return (0);
}

/* The options of option_table a statement set, as statements again. */
void
config_print_options(FILE *f, const struct honeyd_config *conf)
{
	const struct option_key	*k;
	const char		*p;
	size_t			 i;
	long long		 n;

	for (i = 0; i < OPTION_KEYS; i++) {
		if ((conf->opts.given & (1U << i)) == 0)
			continue;
		k = &option_table[i];
		p = (const char *)&conf->opts + k->off;
		n = k->size == sizeof(long) ? *(const long *)p :
		    *(const int *)p;
		fprintf(f, "option %s %s %lld\n", k->section, k->key, n);
	}
}

/*
 * What "honeyd -n", a start and a reload accept, and regress/config's
 * checker with them: the file at path, or the running configuration
 * with the control client's statement stmt, parsed (which checks every
 * statement), then its MACs resolved from the vendor table (*emp).
 */
struct honeyd_config *
config_load(const char *path, const struct honeyd_config *running,
    const char *stmt, int (*check)(const char *, void *), void *arg,
    struct ether_map **emp)
{
	struct honeyd_config	*conf;

	if (stmt != NULL)
		conf = config_apply_statement(running, stmt, check, arg);
	else
		conf = config_parse_file(path, check, arg);
	if (conf != NULL && (*emp = ether_map_build(conf)) == NULL) {
		config_free(conf);
		conf = NULL;
	}
	ether_release();
	return (conf);
}

/*
 * Called once a parse succeeded: cache what lookups need and give back
 * the slack the bind table grew while it was being built.
 */
void
config_finish(struct honeyd_config *conf)
{
	struct bind	*nb;

	conf->dflt = config_find_template(conf, "default");
	if (conf->nbinds > 0 && conf->nbinds < conf->binds_cap &&
	    (nb = reallocarray(conf->binds, conf->nbinds,
	    sizeof(*nb))) != NULL) {
		conf->binds = nb;
		conf->binds_cap = conf->nbinds;
	}
}

/*
 * IPv6 binds.  A prefix is claimed whole, its hosts' state made as
 * they receive traffic (lazily, as for IPv4 ranges).  As for IPv4, a
 * later bind replaces what it covers: binding a prefix drops the binds
 * inside it, and one inside a bound prefix answers for its part of it,
 * so the template of an address is its longest bound prefix's.
 *
 * The binds are an array sorted by address, then the shorter prefix
 * first: a prefix comes before those inside it, so printing them in
 * order and parsing them again gives the same binds.  A lookup is one
 * binary search per prefix length in use, longest first (plens6[]):
 * O(L log n) for L distinct lengths, which configurations keep few
 * (a /64 or two and their /128s: 2 or 3 searches).
 */

static int
bind6_cmp(const struct bind6 *b, const struct in6_addr *net, int plen)
{
	int	 c;

	if ((c = memcmp(&b->net, net, sizeof(*net))) != 0)
		return (c);
	return (b->plen - plen);
}

/* Index of the first bind at or after net/plen (nbinds6 if none). */
static size_t
bind6_lower(const struct honeyd_config *conf, const struct in6_addr *net,
    int plen)
{
	size_t	 lo = 0, hi = conf->nbinds6, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bind6_cmp(&conf->binds6[mid], net, plen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* The bind of exactly net/plen, or NULL. */
static struct bind6 *
bind6_exact(const struct honeyd_config *conf, const struct in6_addr *net,
    int plen)
{
	size_t	 i = bind6_lower(conf, net, plen);

	if (i < conf->nbinds6 && bind6_cmp(&conf->binds6[i], net, plen) == 0)
		return (&conf->binds6[i]);
	return (NULL);
}

/* The longest bind holding a no longer than maxplen, or NULL. */
static struct bind6 *
bind6_match(const struct honeyd_config *conf, const struct in6_addr *a,
    int maxplen)
{
	struct bind6	*b;
	struct in6_addr	 m;
	int		 i;

	for (i = 0; i < conf->nplens6; i++) {
		if (conf->plens6[i] > maxplen)
			continue;
		m = *a;
		addr6_mask(&m, conf->plens6[i]);
		if ((b = bind6_exact(conf, &m, conf->plens6[i])) != NULL)
			return (b);
	}
	return (NULL);
}

/* The lengths in use, longest first, after a count went to or from 0. */
static void
bind6_plens(struct honeyd_config *conf)
{
	int	 p;

	conf->nplens6 = 0;
	for (p = 128; p >= 0; p--)
		if (conf->nbinds6_plen[p] > 0)
			conf->plens6[conf->nplens6++] = p;
}

static int
bind6_insert(struct honeyd_config *conf, const struct in6_addr *net, int plen,
    struct template *t)
{
	struct bind6	*nb;
	size_t		 i, ncap;

	if (conf->nbinds6 == conf->binds6_cap) {
		ncap = conf->binds6_cap ? conf->binds6_cap * 2 : 16;
		if ((nb = reallocarray(conf->binds6, ncap,
		    sizeof(*nb))) == NULL)
			return (-1);
		conf->binds6 = nb;
		conf->binds6_cap = ncap;
	}
	nb = conf->binds6;
	i = bind6_lower(conf, net, plen);
	memmove(&nb[i + 1], &nb[i], (conf->nbinds6 - i) * sizeof(*nb));
	nb[i].net = *net;
	nb[i].plen = plen;
	nb[i].tmpl = t;
	conf->nbinds6++;
	if (conf->nbinds6_plen[plen]++ == 0)
		bind6_plens(conf);
	return (0);
}

/* Take binds i up to j out. */
static void
bind6_remove(struct honeyd_config *conf, size_t i, size_t j)
{
	size_t	 k;
	int	 changed = 0;

	if (i == j)
		return;
	for (k = i; k < j; k++)
		if (--conf->nbinds6_plen[conf->binds6[k].plen] == 0)
			changed = 1;
	memmove(&conf->binds6[i], &conf->binds6[j],
	    (conf->nbinds6 - j) * sizeof(conf->binds6[0]));
	conf->nbinds6 -= j - i;
	if (changed)
		bind6_plens(conf);
}

/*
 * The binds inside net/plen (itself included) are binds i up to the
 * returned index: a prefix's insides follow it in the sorted array.
 */
static size_t
bind6_inside(const struct honeyd_config *conf, const struct in6_addr *net,
    int plen, size_t *i)
{
	size_t	 j;

	*i = bind6_lower(conf, net, plen);
	for (j = *i; j < conf->nbinds6 &&
	    addr6_in_net(&conf->binds6[j].net, net, plen); j++)
		;
	return (j);
}

/* The bind answering for a (its longest bound prefix), or NULL. */
const struct bind6 *
config_find_bind6(const struct honeyd_config *conf, const struct in6_addr *a)
{
	return (bind6_match(conf, a, 128));
}

/*
 * Bind net/plen (host bits clear) to t, replacing the binds inside it;
 * one holding it keeps the rest of its space.  A prefix inside one
 * bound to t already adds nothing and is dropped, as IPv4 merges.
 * *replaced tells whether a bind inside it (itself too) was bound to
 * another template: carving a prefix out of a larger bind is how an
 * exception is written, and how the printout writes it back, so that
 * is no replacement.  0, or -1 out of memory (nothing changed then).
 */
int
config_bind6(struct honeyd_config *conf, const struct in6_addr *net, int plen,
    struct template *t, int *replaced)
{
	const struct bind6	*outer;
	size_t			 i, j, k;

	*replaced = 0;
	outer = plen > 0 ? bind6_match(conf, net, plen - 1) : NULL;
	j = bind6_inside(conf, net, plen, &i);
	for (k = i; k < j; k++)
		if (conf->binds6[k].tmpl != t)
			*replaced = 1;
	if (outer != NULL && outer->tmpl == t) {
		bind6_remove(conf, i, j);
		return (0);
	}
	if (j == i)
		return (bind6_insert(conf, net, plen, t));
	/* The first bind inside becomes net/plen, which sorts there. */
	bind6_remove(conf, i + 1, j);
	conf->nbinds6_plen[conf->binds6[i].plen]--;
	conf->nbinds6_plen[plen]++;
	bind6_plens(conf);
	conf->binds6[i].net = *net;
	conf->binds6[i].plen = plen;
	conf->binds6[i].tmpl = t;
	return (0);
}

/*
 * "unbind" of net/plen, as IPv4's unbind of a range: the binds inside
 * it go, and the prefixes holding it are split around it, leaving
 * their template on the rest of their space: for each length from the
 * shortest of them down to plen, the half beside the one leading to
 * net/plen is bound (unless bound already) to the template of the
 * longest of them shorter than that half; at most plen prefixes.
 * *found tells whether any of it was bound.  0, or -1 out of memory
 * (with the binds split part way: the caller drops the configuration).
 */
int
config_unbind6(struct honeyd_config *conf, const struct in6_addr *net,
    int plen, int *found)
{
	struct template		*outer[129];
	const struct bind6	*b;
	struct in6_addr		 half;
	size_t			 i, j;
	int			 p, first = -1;

	j = bind6_inside(conf, net, plen, &i);
	*found = j > i;
	bind6_remove(conf, i, j);
	/* The template of the holding prefixes, by length. */
	for (p = 0; p < plen; p++) {
		outer[p] = first >= 0 ? outer[p - 1] : NULL;
		half = *net;
		addr6_mask(&half, p);
		if ((b = bind6_exact(conf, &half, p)) == NULL)
			continue;
		outer[p] = b->tmpl;
		if (first < 0)
			first = p;
		bind6_remove(conf, b - conf->binds6, b - conf->binds6 + 1);
	}
	if (first < 0)
		return (0);
	*found = 1;
	for (p = first + 1; p <= plen; p++) {
		half = *net;
		addr6_mask(&half, p);
		half.s6_addr[(p - 1) / 8] ^= 0x80 >> ((p - 1) % 8);
		if (bind6_exact(conf, &half, p) == NULL &&
		    bind6_insert(conf, &half, p, outer[p - 1]) == -1)
			return (-1);
	}
	return (0);
}

/*
 * The template answering for dst, its bind's, else "default", when src
 * (NULL: not known) sends it a packet whose fixed header names nxt.  A
 * dynamic template's rules see the source against IPv6 prefixes, the
 * time, and the protocol: ICMPv6 is "icmp".
 * XXX nxt is the fixed header's Next Header, so a packet with an
 * extension header (a fragment too) matches no protocol rule: the
 * lookup comes before the walk (ip6ext.c), which needs the template.
 * "source os" is what passive.c learned from the source's IPv6 SYNs.
 */
struct template *
config_lookup6(const struct honeyd_config *conf, const struct in6_addr *dst,
    const struct in6_addr *src, int nxt)
{
	const struct bind6	*b;
	struct template		*t;
	struct dyn_match	 m;

	b = config_find_bind6(conf, dst);
	t = b != NULL ? b->tmpl : conf->dflt;
	if (t == NULL || (t->flags & TMPL_F_DYNAMIC) == 0)
		return (t);
	dyn_match_init(&m, nxt == IPPROTO_ICMPV6 ? IPPROTO_ICMP : nxt);
	m.v6 = 1;
	m.src6 = src;
	m.os = src != NULL ? passive_os_name6(src) : NULL;
	return (template_resolve(t, &m));
}
