/*
 * Print a configuration in canonical form: what "honeyd -nv" shows and
 * the text the parent streams to the engine.  Parsing the output gives
 * the same configuration, and printing that gives the same bytes.
 *
 * Everything is printed before it is referred to: personality
 * annotations, plugin options and routes first, then every template
 * with its settings in creation order (clones come out as templates of
 * their own), then the rules of dynamic templates, which may name any
 * template, and last the binds in address order.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "honeyd.h"

static void	 print_string(FILE *, const char *);
static void	 print_name(FILE *, const char *);
static void	 print_addr(FILE *, uint32_t);
static void	 print_net(FILE *, uint32_t, uint32_t);
static void	 print_range(FILE *, uint32_t, uint32_t);
static void	 print_percent(FILE *, double);
static void	 print_bandwidth(FILE *, uint64_t);
static void	 print_tod(FILE *, uint32_t);
static void	 print_action(FILE *, const struct action *);
static void	 print_annotations(FILE *, const struct honeyd_config *);
static void	 print_options(FILE *, const struct honeyd_config *);
static void	 print_route(FILE *, const struct route_conf *);
static void	 print_template(FILE *, const struct template *);
static void	 print_settings(FILE *, const struct template *);
static void	 print_ports(FILE *, const struct template *);
static void	 print_rule(FILE *, const struct template *,
		    const struct dyn_rule *);
static void	 print_binds(FILE *, const struct honeyd_config *);
static void	 print_dhcp(FILE *, const struct honeyd_config *);

static const char *const proto_names[] = {
	[HP_TCP] = "tcp", [HP_UDP] = "udp", [HP_ICMP] = "icmp"
};

/* Quoted, with the two escapes the lexer knows. */
static void
print_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A name: bare when it reads back as the same name. */
static void
print_name(FILE *f, const char *s)
{
	if (strcmp(s, "default") == 0 || strcmp(s, "template") == 0 ||
	    config_word_is_bare(s))
		fputs(s, f);
	else
		print_string(f, s);
}

static void
print_addr(FILE *f, uint32_t a)
{
	char	 buf[INET_ADDRSTRLEN];

	fputs(addr_fmt(a, buf, sizeof(buf)), f);
}

static void
print_net(FILE *f, uint32_t net, uint32_t mask)
{
	print_addr(f, net);
	fprintf(f, "/%d", addr_masklen(mask));
}

/* One address, a network if lo..hi is exactly one, else "lo-hi". */
static void
print_range(FILE *f, uint32_t lo, uint32_t hi)
{
	char	 buf[ADDR_RANGE_LEN];

	fputs(addr_fmt_range(lo, hi, buf, sizeof(buf)), f);
}

/* Percentages are kept to hundredths; print no more digits than used. */
static void
print_percent(FILE *f, double p)
{
	long long	 h = llround(p * 100);

	if (h % 100 == 0)
		fprintf(f, "%lld", h / 100);
	else if (h % 10 == 0)
		fprintf(f, "%lld.%lld", h / 100, h / 10 % 10);
	else
		fprintf(f, "%lld.%02lld", h / 100, h % 100);
}

static void
print_bandwidth(FILE *f, uint64_t bw)
{
	if (bw != 0 && bw % 1000000000 == 0)
		fprintf(f, "%llu Gbps", (unsigned long long)(bw / 1000000000));
	else if (bw != 0 && bw % 1000000 == 0)
		fprintf(f, "%llu Mbps", (unsigned long long)(bw / 1000000));
	else if (bw != 0 && bw % 1000 == 0)
		fprintf(f, "%llu Kbps", (unsigned long long)(bw / 1000));
	else
		fprintf(f, "%llu", (unsigned long long)bw);
}

static void
print_tod(FILE *f, uint32_t t)
{
	fprintf(f, "%02u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
}

static void
print_action(FILE *f, const struct action *a)
{
	if (a->flags & ACTION_F_TARPIT)
		fputs("tarpit ", f);
	switch (a->kind) {
	case ACTION_UNSET:
	case ACTION_RESET:
		fputs("reset", f);
		break;
	case ACTION_BLOCK:
		fputs("block", f);
		break;
	case ACTION_PROHIBIT:
		fputs("prohibit", f);
		break;
	case ACTION_OPEN:
	case ACTION_SUBSYS:
		fputs("open", f);
		break;
	case ACTION_COMMAND:
		print_string(f, a->cmd);
		break;
	case ACTION_PROXY:
		fprintf(f, "proxy %s:%s", a->proxy_host, a->proxy_port);
		break;
	}
}

static void
print_annotations(FILE *f, const struct honeyd_config *conf)
{
	static const char *const frag[] = {
		[FRAG_DROP] = "drop", [FRAG_OLD] = "old", [FRAG_NEW] = "new"
	};
	const struct annotation	*a;

	TAILQ_FOREACH(a, &conf->annotations, entry) {
		if (a->finscan != -1) {
			fputs("annotate ", f);
			print_string(f, a->personality);
			fputs(a->finscan ? " finscan\n" : " no finscan\n", f);
		}
		if (a->fragment != FRAG_UNSET) {
			fputs("annotate ", f);
			print_string(f, a->personality);
			fprintf(f, " fragment %s\n", frag[a->fragment]);
		}
	}
	if (!TAILQ_EMPTY(&conf->annotations))
		fputc('\n', f);
}

static void
print_options(FILE *f, const struct honeyd_config *conf)
{
	const struct plugin_option	*o;

	config_print_options(f, conf);
	TAILQ_FOREACH(o, &conf->options, entry) {
		fputs("option ", f);
		print_name(f, o->plugin);
		fputc(' ', f);
		print_name(f, o->key);
		fputc(' ', f);
		if (o->kind == OPTION_STRING)
			print_name(f, o->value);
		else
			fputs(o->value, f);
		fputc('\n', f);
	}
	if (!TAILQ_EMPTY(&conf->options) || conf->opts.given != 0)
		fputc('\n', f);
}

/* A route's router (or gateway) and network, in the route's family. */
static void
print_route_addr(FILE *f, const struct route_conf *r, int gw)
{
	char	 buf[INET6_ADDRSTRLEN];

	if (!r->v6)
		print_addr(f, gw ? r->gw : r->router);
	else
		fputs(addr6_fmt(gw ? &r->gw6 : &r->router6, buf,
		    sizeof(buf)), f);
}

static void
print_route_net(FILE *f, const struct route_conf *r)
{
	char	 buf[INET6_ADDRSTRLEN + 8];

	if (!r->v6)
		print_net(f, r->net, r->mask);
	else
		fputs(addr6_fmt_net(&r->net6, r->plen6, buf, sizeof(buf)), f);
}

static void
print_route(FILE *f, const struct route_conf *r)
{
	fputs("route ", f);
	if (r->kind == ROUTE_ENTRY)
		fputs("entry ", f);
	print_route_addr(f, r, 0);
	switch (r->kind) {
	case ROUTE_ENTRY:
		if (r->flags & ROUTE_F_NETWORK) {
			fputs(" network ", f);
			print_route_net(f, r);
		}
		break;
	case ROUTE_LINK:
	case ROUTE_UNREACH:
		fputs(r->kind == ROUTE_LINK ? " link " : " unreach ", f);
		print_route_net(f, r);
		break;
	case ROUTE_TUNNEL:
		fputs(" add net ", f);
		print_route_net(f, r);
		fputs(" tunnel ", f);
		print_addr(f, r->gw);
		fputc(' ', f);
		print_addr(f, r->tunnel_dst);
		break;
	case ROUTE_NET:
		fputs(" add net ", f);
		print_route_net(f, r);
		fputc(' ', f);
		print_route_addr(f, r, 1);
		if (r->flags & ROUTE_F_LATENCY)
			fprintf(f, " latency %u ms", r->latency);
		if (r->flags & ROUTE_F_LOSS) {
			fputs(" loss ", f);
			print_percent(f, r->loss);
		}
		if (r->flags & ROUTE_F_BANDWIDTH) {
			fputs(" bandwidth ", f);
			print_bandwidth(f, r->bandwidth);
		}
		if (r->flags & ROUTE_F_DROP)
			fprintf(f, " drop between %u ms - %u ms", r->drop_lo,
			    r->drop_hi);
		if (r->flags & ROUTE_F_MTU)
			fprintf(f, " mtu %u", r->mtu);
		break;
	}
	fputc('\n', f);
}

/* "set T " for the next setting. */
static void
print_set(FILE *f, const struct template *t)
{
	fputs("set ", f);
	print_name(f, t->name);
	fputc(' ', f);
}

static void
print_settings(FILE *f, const struct template *t)
{
	int	 i;

	if (t->flags & TMPL_F_PERS_RANDOM) {
		print_set(f, t);
		fputs("personality random\n", f);
	} else if (t->personality != NULL) {
		print_set(f, t);
		fputs("personality ", f);
		print_string(f, t->personality);
		if (t->pers_entry != 0)
			fprintf(f, " entry %u", t->pers_entry);
		fputc('\n', f);
	}
	for (i = 0; i < HP_MAX; i++) {
		if (t->defaults[i].kind == ACTION_UNSET)
			continue;
		print_set(f, t);
		fprintf(f, "default %s action ", proto_names[i]);
		print_action(f, &t->defaults[i]);
		fputc('\n', f);
	}
	if (t->flags & TMPL_F_UPTIME) {
		print_set(f, t);
		fprintf(f, "uptime %u\n", t->uptime);
	}
	if (t->droprate_in != 0) {
		print_set(f, t);
		fputs("droprate in ", f);
		print_percent(f, t->droprate_in);
		fputc('\n', f);
	}
	if (t->droprate_syn != 0) {
		print_set(f, t);
		fputs("droprate syn ", f);
		print_percent(f, t->droprate_syn);
		fputc('\n', f);
	}
	if (t->ethernet != NULL) {
		print_set(f, t);
		fputs("ethernet ", f);
		print_string(f, t->ethernet);
		fputc('\n', f);
	}
	if (t->flags & (TMPL_F_UID | TMPL_F_GID)) {
		print_set(f, t);
		if (t->flags & TMPL_F_UID)
			fprintf(f, "uid %u", (unsigned int)t->uid);
		if ((t->flags & TMPL_F_UID) && (t->flags & TMPL_F_GID))
			fputc(' ', f);
		if (t->flags & TMPL_F_GID)
			fprintf(f, "gid %u", (unsigned int)t->gid);
		fputc('\n', f);
	}
	if (t->maxfds != 0) {
		print_set(f, t);
		fprintf(f, "maxfds %d\n", t->maxfds);
	}
	if (t->flags & (TMPL_F_SPOOF_SRC | TMPL_F_SPOOF_DST)) {
		print_set(f, t);
		fputs("spoof", f);
		if (t->flags & TMPL_F_SPOOF_SRC) {
			fputs(" from ", f);
			print_addr(f, t->spoof_src);
		}
		if (t->flags & TMPL_F_SPOOF_DST) {
			fputs(" to ", f);
			print_addr(f, t->spoof_dst);
		}
		fputc('\n', f);
	}
}

static void
print_ports(FILE *f, const struct template *t)
{
	struct port			*p;
	const struct tmpl_subsys	*s;

	RB_FOREACH(p, port_tree, (struct port_tree *)&t->ports) {
		fputs("add ", f);
		print_name(f, t->name);
		fprintf(f, " %s port %u ", p->proto == IPPROTO_TCP ? "tcp" :
		    "udp", p->number);
		print_action(f, &p->action);
		fputc('\n', f);
	}
	TAILQ_FOREACH(s, &t->subsystems, entry) {
		fputs("add ", f);
		print_name(f, t->name);
		fputs(" subsystem ", f);
		print_string(f, s->cmd);
		if (s->flags & SUBSYS_F_SHARED)
			fputs(" shared", f);
		if (s->flags & SUBSYS_F_RESTART)
			fputs(" restart", f);
		fputc('\n', f);
	}
}

static void
print_template(FILE *f, const struct template *t)
{
	fputs(t->flags & TMPL_F_DYNAMIC ? "dynamic " : "create ", f);
	print_name(f, t->name);
	fputc('\n', f);
	print_settings(f, t);
	print_ports(f, t);
	fputc('\n', f);
}

static void
print_rule(FILE *f, const struct template *t, const struct dyn_rule *r)
{
	char	 buf6[INET6_ADDRSTRLEN + 8];

	fputs("add ", f);
	print_name(f, t->name);
	if (r->cond == DYN_OTHERWISE) {
		fputs(" otherwise use ", f);
		print_name(f, r->tmpl->name);
		fputc('\n', f);
		return;
	}
	fputs(" use ", f);
	print_name(f, r->tmpl->name);
	fputs(" if ", f);
	switch (r->cond) {
	case DYN_SRC_IP:
		fputs("source ip = ", f);
		print_range(f, ntohl(r->net), ntohl(r->net) | ~ntohl(r->mask));
		break;
	case DYN_SRC_IP6:
		fputs("source ip = ", f);
		fputs(addr6_fmt_net(&r->net6, r->plen6, buf6, sizeof(buf6)), f);
		break;
	case DYN_SRC_OS:
		fputs("source os = ", f);
		print_string(f, r->os);
		break;
	case DYN_TIME:
		fputs("time between ", f);
		print_tod(f, r->tm_start);
		fputs(" - ", f);
		print_tod(f, r->tm_end);
		break;
	case DYN_PROTO:
		fputs(r->proto == IPPROTO_TCP ? "tcp" :
		    r->proto == IPPROTO_UDP ? "udp" : "icmp", f);
		break;
	case DYN_OTHERWISE:
		break;
	}
	fputc('\n', f);
}

static void
print_binds(FILE *f, const struct honeyd_config *conf)
{
	const struct ext_bind	*e;
	char			 buf[INET6_ADDRSTRLEN + 8];
	size_t			 i;

	for (i = 0; i < conf->nbinds; i++) {
		fputs("bind ", f);
		print_range(f, conf->binds[i].lo, conf->binds[i].hi);
		fputc(' ', f);
		print_name(f, conf->binds[i].tmpl->name);
		fputc('\n', f);
	}
	for (i = 0; i < conf->nbinds6; i++) {
		fprintf(f, "bind %s ", addr6_fmt_net(&conf->binds6[i].net,
		    conf->binds6[i].plen, buf, sizeof(buf)));
		print_name(f, conf->binds6[i].tmpl->name);
		fputc('\n', f);
	}
	TAILQ_FOREACH(e, &conf->ext_binds, entry) {
		fputs("bind ", f);
		print_addr(f, e->addr);
		fputs(" to ", f);
		print_name(f, e->iface);
		fputc('\n', f);
	}
}

static void
print_dhcp(FILE *f, const struct honeyd_config *conf)
{
	const struct dhcp_conf	*d;

	TAILQ_FOREACH(d, &conf->dhcp, entry) {
		fputs("dhcp ", f);
		print_name(f, d->tmpl->name);
		fputs(" on ", f);
		print_name(f, d->iface);
		if (d->ethernet != NULL) {
			fputs(" ethernet ", f);
			print_string(f, d->ethernet);
		}
		fputc('\n', f);
	}
}

void
config_print(FILE *f, const struct honeyd_config *conf)
{
	const struct template	*t;
	const struct route_conf	*r;
	const struct dyn_rule	*dr;
	int			 rules = 0;

	print_annotations(f, conf);
	print_options(f, conf);
	TAILQ_FOREACH(r, &conf->routes, entry)
		print_route(f, r);
	if (!TAILQ_EMPTY(&conf->routes))
		fputc('\n', f);
	TAILQ_FOREACH(t, &conf->tmpl_order, order)
		print_template(f, t);
	TAILQ_FOREACH(t, &conf->tmpl_order, order)
		TAILQ_FOREACH(dr, &t->rules, entry) {
			print_rule(f, t, dr);
			rules = 1;
		}
	if (rules)
		fputc('\n', f);
	print_binds(f, conf);
	print_dhcp(f, conf);
}
