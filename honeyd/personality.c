/*
 * The personality engine: how a virtual host's stack looks on the wire.
 *
 * Every packet a host sends passes through here: IP fields (TTL, DF,
 * IP ID), TCP windows, options, ISNs and answers to odd probes, ICMP
 * quotes.  Without a fingerprint a host behaves like a plain modern
 * Linux stack.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "personality.h"
#include "tcp.h"

#define DEFAULT_TTL	64
#define DEFAULT_WINDOW	64240
#define DEFAULT_MSS	1460
#define DEFAULT_WSCALE	7

/* Resolve "set T personality random" to one concrete fingerprint. */
void
personality_resolve_random(struct honeyd_config *conf, struct fpdb *db)
{
	struct template		*t;
	const struct fingerprint *fp;
	size_t			 n = fpdb_count(db);

	if (n == 0)
		return;
	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		if ((t->flags & TMPL_F_PERS_RANDOM) == 0)
			continue;
		fp = fpdb_nth(db, arc4random_uniform(n));
		free(t->personality);
		if ((t->personality = strdup(fingerprint_name(fp))) == NULL)
			fatal("strdup");
		t->flags &= ~TMPL_F_PERS_RANDOM;
		log_info("template %s: random personality \"%s\"", t->name,
		    t->personality);
	}
}

/* Print each fingerprint the config uses, once. */
void
personality_print_used(FILE *f, const struct honeyd_config *conf,
    const struct fpdb *db)
{
	const struct template	*t, *u;
	const struct fingerprint *fp;

	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		if (t->personality == NULL ||
		    (fp = fpdb_find(db, t->personality)) == NULL)
			continue;
		TAILQ_FOREACH(u, &conf->tmpl_order, order) {
			if (u == t)
				break;
			if (u->personality != NULL &&
			    strcmp(u->personality, t->personality) == 0)
				break;
		}
		if (u == t)
			fingerprint_print(f, fp);
	}
}

/* Point each template at its fingerprint in the engine's database. */
int
personality_attach(struct honeyd_config *conf, struct fpdb *db)
{
	struct template	*t;

	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		t->pers = NULL;
		if (t->personality == NULL)
			continue;
		if ((t->pers = fpdb_find(db, t->personality)) == NULL) {
			log_warnx("template %s: personality \"%s\" missing",
			    t->name, t->personality);
			return (-1);
		}
	}
	return (0);
}

/* Derive a host's state when it is new or its config changed. */
void
personality_host_update(struct host *h, const struct template *t)
{
	if (h->generation == engine->generation)
		return;
	h->generation = engine->generation;
	if (h->ip_id == 0)
		h->ip_id = arc4random() & 0xffff;
	if (h->isn == 0)
		h->isn = arc4random();
}

void
personality_host_free(struct host *h)
{
	free(h->pers);
	h->pers = NULL;
}

void
personality_ip_fields(struct host *h, const struct template *t,
    struct ip_hdr *ip, enum out_kind kind)
{
	ip->ip_ttl = DEFAULT_TTL;
	switch (kind) {
	case OUT_ICMP_ERROR:
		ip->ip_off = 0;
		ip->ip_id = htons(h->ip_id++);
		break;
	default:
		ip->ip_off = htons(IP_DF);
		ip->ip_id = htons(h->ip_id++);
		break;
	}
}

void
personality_echo_reply(struct ipin *in, struct ip_hdr *ip,
    struct icmp_hdr *icmp)
{
}

/* The quote of an ICMP error: -1 means this stack sends none. */
ssize_t
personality_icmp_quote(struct ipin *in, struct host *h,
    const struct template *t, uint8_t *quote, size_t qlen, size_t room)
{
	return (qlen);
}

uint32_t
personality_tcp_isn(struct host *h, const struct template *t)
{
	return (h->isn += arc4random());
}

int
personality_tcp_synfin_ok(struct ipin *in)
{
	return (0);
}

/* Linux's SYN+ACK options: MSS, SACK permitted, window scale. */
static size_t
default_synack_options(const struct tcp_seg *seg, struct tcp_reply *r)
{
	uint8_t	*o = r->opts;
	size_t	 n = 0;

	o[n++] = TCP_OPT_MSS;
	o[n++] = 4;
	o[n++] = DEFAULT_MSS >> 8;
	o[n++] = DEFAULT_MSS & 0xff;
	if (seg == NULL)
		return (n);
	/* XXX timestamps need per-host clocks: not offered yet. */
	if (seg->has & TCP_HAS_SACKOK) {
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_SACKOK;
		o[n++] = 2;
	}
	if (seg->has & TCP_HAS_WSCALE) {
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_WSCALE;
		o[n++] = 3;
		o[n++] = DEFAULT_WSCALE;
		r->wscale = DEFAULT_WSCALE;
	}
	return (n);
}

int
personality_tcp_reply(struct ipin *in, const struct tcp_seg *seg,
    enum tcp_reply_kind kind, struct tcp_reply *r)
{
	switch (kind) {
	case TCP_R_SYNACK:
		r->win = DEFAULT_WINDOW;
		r->optlen = default_synack_options(seg, r);
		break;
	case TCP_R_CONN:
		r->win = DEFAULT_WINDOW >> (r->conn ? r->conn->snd_wscale : 0);
		break;
	case TCP_R_CLOSED:
	case TCP_R_STRAY:
		r->win = 0;
		break;
	}
	return (0);
}
