/*
 * Engine: what a TCP connection (tcp.c) and a UDP flow (udp.c) have in
 * common.  Both are keyed by their 4-tuple, hold a reference on their
 * virtual host, and answer with the template bound to its address.  A
 * reload frees that template, so the next answer looks it up again
 * (and the host re-derives its personality state) first.
 */

#include <sys/types.h>

#include <string.h>

#include "honeyd.h"

/* The tuple of a received packet: its source is the peer. */
void
flow_tuple(struct tuple *tp, int proto, const struct ipin *in,
    uint16_t sport, uint16_t dport)
{
	memset(tp, 0, sizeof(*tp));
	tp->proto = proto;
	tp->src = in->src;
	tp->dst = in->dst;
	tp->sport = sport;
	tp->dport = dport;
}

/* A flow started by the packet "in"; the caller takes the host's ref. */
void
flow_init(struct flow *f, const struct tuple *tp, const struct ipin *in)
{
	f->tuple = *tp;
	f->host = in->host;
	f->tmpl = in->tmpl;
	f->tmpl_gen = engine->generation;
}

/* The order of the connection and flow tables. */
int
flow_cmp(const struct flow *a, const struct flow *b)
{
	const struct tuple	*x = &a->tuple, *y = &b->tuple;

	if (x->proto != y->proto)
		return (x->proto < y->proto ? -1 : 1);
	if (x->dst != y->dst)
		return (x->dst < y->dst ? -1 : 1);
	if (x->src != y->src)
		return (x->src < y->src ? -1 : 1);
	if (x->dport != y->dport)
		return (x->dport < y->dport ? -1 : 1);
	if (x->sport != y->sport)
		return (x->sport < y->sport ? -1 : 1);
	return (0);
}

/*
 * The template to answer with: the one the flow started with until a
 * reload, then whatever its address is bound to now; NULL if nothing.
 */
const struct template *
flow_template(struct flow *f)
{
	if (f->tmpl == NULL || f->tmpl_gen != engine->generation) {
		f->tmpl = config_lookup(engine->conf, f->tuple.dst,
		    f->tuple.src, f->tuple.proto);
		f->tmpl_gen = engine->generation;
		if (f->tmpl != NULL)
			personality_host_update(f->host, f->tmpl);
	}
	return (f->tmpl);
}
