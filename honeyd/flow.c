/*
 * Engine: what a TCP connection (tcp.c) and a UDP flow (udp.c) have in
 * common, over IPv4 and IPv6 alike.  Both are keyed by their 4-tuple, hold a reference on their
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
	if (in->v6) {
		tp->v6 = 1;
		tp->src6 = in->src6;
		tp->dst6 = in->dst6;
	}
}

/*
 * The addresses of tuple tp as a packet from the host would carry
 * them, into in (the rest of it zero): dst is the host's.
 */
void
flow_ipin(struct ipin *in, const struct tuple *tp)
{
	memset(in, 0, sizeof(*in));
	in->src = tp->src;
	in->dst = tp->dst;
	if (tp->v6) {
		in->v6 = 1;
		in->src6 = tp->src6;
		in->dst6 = tp->dst6;
	}
}

/*
 * The order of tuples: IPv4 ones as they always were, IPv6 ones after
 * them by fold, then whole address.
 */
int
tuple_cmp(const struct tuple *x, const struct tuple *y)
{
	int	 c;

	if (x->proto != y->proto)
		return (x->proto < y->proto ? -1 : 1);
	if (x->v6 != y->v6)
		return (x->v6 < y->v6 ? -1 : 1);
	if (x->dst != y->dst)
		return (x->dst < y->dst ? -1 : 1);
	if (x->src != y->src)
		return (x->src < y->src ? -1 : 1);
	if (x->dport != y->dport)
		return (x->dport < y->dport ? -1 : 1);
	if (x->sport != y->sport)
		return (x->sport < y->sport ? -1 : 1);
	if (!x->v6)
		return (0);
	if ((c = memcmp(&x->dst6, &y->dst6, sizeof(x->dst6))) != 0)
		return (c < 0 ? -1 : 1);
	if ((c = memcmp(&x->src6, &y->src6, sizeof(x->src6))) != 0)
		return (c < 0 ? -1 : 1);
	return (0);
}

/* One end of tp as text: the peer (src) or the host. */
const char *
tuple_addr_fmt(const struct tuple *tp, int src, char *buf, size_t size)
{
	if (tp->v6)
		return (addr6_fmt(src ? &tp->src6 : &tp->dst6, buf, size));
	return (addr_fmt(src ? tp->src : tp->dst, buf, size));
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
	return (tuple_cmp(&a->tuple, &b->tuple));
}

/*
 * The template to answer with: the one the flow started with until a
 * reload, then whatever its address is bound to now; NULL if nothing.
 */
const struct template *
flow_template(struct flow *f)
{
	if (f->tmpl == NULL || f->tmpl_gen != engine->generation) {
		f->tmpl = f->tuple.v6 ?
		    config_lookup6(engine->conf, &f->tuple.dst6) :
		    config_lookup(engine->conf, f->tuple.dst,
		    f->tuple.src, f->tuple.proto);
		f->tmpl_gen = engine->generation;
		if (f->tmpl != NULL)
			personality_host_update(f->host, f->tmpl);
	}
	return (f->tmpl);
}
