/*
 * Engine: TCP.  A connection table keyed by the 4-tuple and the RFC 793
 * state machine of a passive opener: the handshake, data both ways with
 * in-order delivery (out-of-order data is held, tcpbuf.c), cumulative
 * acknowledgements, retransmission on timeout with exponential backoff
 * (RFC 6298) and fast retransmit with NewReno recovery helped by the
 * peer's SACK blocks (RFC 6582, 2018), Reno congestion control, a
 * receive window that follows the space left for the service, zero
 * window probes, and every closing state with its timeout.  Segments
 * that belong to no connection get RFC 793 resets.  Ports follow the
 * template: block is silence, reset answers RST, open accepts and
 * discards, a command or proxy gets a relay (relay.c) once the
 * handshake completes.
 *
 * Every segment is built by tcp_output(): the personality decides the
 * window, options and whether an odd probe is answered at all.
 *
 * A function that may free its connection says so; its callers return
 * at once after calling it.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "tcp.h"

/* The lists a connection is on, for eviction (see tcp.h). */
enum {
	TCPL_EMBRYONIC,
	TCPL_ACTIVE,
	TCPL_TIMEWAIT,
	TCPL_MAX
};

/* What the connection's one timer is armed for. */
enum {
	TT_NONE,
	TT_SYNACK,
	TT_REXMIT,
	TT_TLP,
	TT_PERSIST,
	TT_IDLE,
	TT_FINWAIT2,
	TT_TIMEWAIT,
};

/* Data of a segment that passed the window check, trimmed to it. */
struct tcp_text {
	uint32_t		 seq;
	const uint8_t		*data;
	size_t			 len;
	int			 fin;
};

/*
 * Segments find their connection through a hash of the tuple, and the
 * hash is the only index: "show connections" walks its chains.  A
 * descent of a tree in tuple order for every segment (a failing one
 * for every SYN) was the largest part of the engine's cost of a SYN to
 * an open port; once lookups went through the hash, the same tree kept
 * for the listing's order still cost every SYN an insertion and every
 * eviction a removal, each a dozen cache misses (some 40% of the
 * engine's time in a SYN flood).  The key is random per
 * engine: a sender cannot tell which tuples share a chain.  The table
 * has a chain for every two connections the bound allows, at least
 * 2^15: small enough that the chain of a SYN is often in the cache,
 * large enough that a chain is short.
 */
#define TCP_HASH_BITS_MIN	15
#define TCP_HASH_BITS_MAX	22

static struct tcp_conn	**tcp_hash;
static uint32_t		 tcp_hash_key;
static u_int		 tcp_hash_bits;
static struct tcp_lru	 tcp_lists[TCPL_MAX];
static size_t		 tcp_nlist[TCPL_MAX];
static size_t		 tcp_nconns;
static size_t		 tcp_conn_max = TCP_CONN_MAX; /* option connections */

static void	 tcp_conn_open(struct ipin *, const struct tcp_seg *,
		    const struct action *);
static void	 tcp_conn_input(struct tcp_conn *, struct ipin *,
		    const struct tcp_seg *);
static void	 tcp_conn_free(struct tcp_conn *, const char *);
static void	 tcp_conn_abort(struct tcp_conn *, const char *);
static void	 tcp_conn_close(struct tcp_conn *);
static size_t	 tcp_conn_room(const struct tcp_conn *);
static void	 tcp_conn_send(struct tcp_conn *, const uint8_t *, size_t);
static void	 tcp_conn_drained(struct tcp_conn *);
static void	 tcp_listen_input(struct ipin *, const struct tcp_seg *);
static void	 tcp_stray(struct ipin *, const struct tcp_seg *, int);
static void	 tcp_send_reset(struct ipin *, const struct tcp_seg *, int);
static void	 tcp_timeout(int, short, void *);
static int	 tcp_hash_resize(u_int);
static void	 tcp_hash_insert(struct tcp_conn *);
static void	 tcp_pace(int, short, void *);
static void	 tcp_conn_output(struct tcp_conn *);
static void	 tcp_timer_update(struct tcp_conn *, int);
static int	 tcp_conn_established(struct tcp_conn *);

static size_t	 tcp_relay_room(void *);
static void	 tcp_relay_input(void *, const uint8_t *, size_t);
static void	 tcp_relay_eof(void *);
static void	 tcp_relay_error(void *, const char *);
static void	 tcp_relay_drained(void *);

static const struct relay_ops tcp_relay_ops = {
	tcp_relay_room,
	tcp_relay_input,
	tcp_relay_eof,
	tcp_relay_error,
	tcp_relay_drained,
};

void
tcp_init(void)
{
	int	 i;

	for (i = 0; i < TCPL_MAX; i++)
		TAILQ_INIT(&tcp_lists[i]);
	if (tcp_hash == NULL) {
		tcp_hash_key = arc4random();
		if (tcp_hash_resize(TCP_HASH_BITS_MIN) == -1)
			fatal("tcp connection hash");
	}
}

/*
 * The bound on connections, from the configuration being installed.  A
 * smaller one than the connections now open evicts as new ones come.
 */
void
tcp_reconf(const struct honeyd_config *conf)
{
	u_int	 bits = TCP_HASH_BITS_MIN;

	tcp_conn_max = conf->opts.connections_max;
	while (bits < TCP_HASH_BITS_MAX && (1UL << (bits + 1)) < tcp_conn_max)
		bits++;
	/* Without room for a larger table, the old one serves. */
	if (bits != tcp_hash_bits && tcp_hash_resize(bits) == -1)
		log_warn("tcp connection hash of 2^%u chains", bits);
}

static uint32_t
tcp_hash_slot(const struct tuple *tp)
{
	uint32_t	 h = tcp_hash_key;

	h = (h ^ tp->src) * 0x9e3779b1U;
	h = (h ^ tp->dst) * 0x9e3779b1U;
	h = (h ^ ((uint32_t)tp->sport << 16 | tp->dport)) * 0x9e3779b1U;
	h = (h ^ tp->proto) * 0x9e3779b1U;
	return (h >> (32 - tcp_hash_bits));
}

/*
 * A table of 2^bits chains, the connections moved into it.  calloc:
 * only the pages of chains in use become resident.
 */
static int
tcp_hash_resize(u_int bits)
{
	struct tcp_conn	**old = tcp_hash, *c, *next;
	size_t		 i, n = tcp_hash != NULL ? 1UL << tcp_hash_bits : 0;

	if ((tcp_hash = calloc(1UL << bits, sizeof(*tcp_hash))) == NULL) {
		tcp_hash = old;
		return (-1);
	}
	tcp_hash_bits = bits;
	for (i = 0; i < n; i++)
		for (c = old[i]; c != NULL; c = next) {
			next = c->hnext;
			tcp_hash_insert(c);
		}
	free(old);
	return (0);
}

static struct tcp_conn *
tcp_conn_find(const struct tuple *tp)
{
	struct tcp_conn		*c;

	for (c = tcp_hash[tcp_hash_slot(tp)]; c != NULL; c = c->hnext)
		if (tuple_cmp(&c->flow.tuple, tp) == 0)
			return (c);
	return (NULL);
}

static void
tcp_hash_insert(struct tcp_conn *c)
{
	struct tcp_conn	**head = &tcp_hash[tcp_hash_slot(&c->flow.tuple)];

	c->hnext = *head;
	*head = c;
}

static void
tcp_hash_remove(struct tcp_conn *c)
{
	struct tcp_conn	**pp = &tcp_hash[tcp_hash_slot(&c->flow.tuple)];

	while (*pp != NULL && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp != NULL)
		*pp = c->hnext;
}

/* Connections in the table (the fuzzer checks none leaks). */
size_t
tcp_count(void)
{
	return (tcp_nconns);
}

static void
tcp_now(struct timeval *tv)
{
	if (event_base_gettimeofday_cached(engine->base, tv) == -1)
		gettimeofday(tv, NULL);
}

static uint32_t
tcp_ms_since(const struct timeval *then)
{
	struct timeval	 now, d;

	tcp_now(&now);
	timersub(&now, then, &d);
	if (d.tv_sec < 0)
		return (0);
	return (d.tv_sec * 1000 + d.tv_usec / 1000);
}

static uint32_t
tcp_sacked_bytes(const struct tcp_sackboard *sb)
{
	uint32_t	 n = 0;
	int		 i;

	for (i = 0; i < sb->n; i++)
		n += sb->r[i][1] - sb->r[i][0];
	return (n);
}

static uint32_t
tcp_flight(const struct tcp_conn *c)
{
	return (c->snd_max - c->snd_una);
}

static void
tcp_parse_sack(struct tcp_seg *seg, const uint8_t *p, size_t len)
{
	uint32_t	 v[2];

	if (len % 8 != 0)
		return;
	for (; len >= 8 && seg->nsack < 4; p += 8, len -= 8) {
		memcpy(v, p, sizeof(v));
		seg->sack[seg->nsack][0] = ntohl(v[0]);
		seg->sack[seg->nsack][1] = ntohl(v[1]);
		seg->nsack++;
	}
	seg->has |= TCP_HAS_SACK;
}

static void
tcp_seg_tuple(const struct ipin *in, const struct tcp_seg *seg,
    struct tuple *tp)
{
	flow_tuple(tp, IPPROTO_TCP, in, seg->sport, seg->dport);
}

/* Parse the header and the options a peer offers. */
static void
tcp_parse(struct ipin *in, struct tcp_seg *seg)
{
	const struct tcp_hdr	*th = (const struct tcp_hdr *)in->l4;
	const uint8_t		*opt = in->l4 + TCP_HDR_LEN;
	size_t			 hlen = th->th_off * 4, i, olen;

	memset(seg, 0, sizeof(*seg));
	seg->sport = ntohs(th->th_sport);
	seg->dport = ntohs(th->th_dport);
	seg->seq = ntohl(th->th_seq);
	seg->ack = ntohl(th->th_ack);
	seg->flags = th->th_flags;
	seg->win = ntohs(th->th_win);
	seg->data = in->l4 + hlen;
	seg->dlen = in->l4len - hlen;
	seg->optlen = hlen - TCP_HDR_LEN;
	seg->opts = opt;
	for (i = 0; i < seg->optlen; i += olen) {
		if (opt[i] == TCP_OPT_EOL)
			break;
		if (opt[i] == TCP_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (i + 1 >= seg->optlen || (olen = opt[i + 1]) < 2 ||
		    i + olen > seg->optlen)
			break;	/* malformed: ignore the rest */
		switch (opt[i]) {
		case TCP_OPT_MSS:
			if (olen == 4) {
				seg->mss = opt[i + 2] << 8 | opt[i + 3];
				seg->has |= TCP_HAS_MSS;
			}
			break;
		case TCP_OPT_WSCALE:
			if (olen == 3) {
				seg->wscale = opt[i + 2];
				seg->has |= TCP_HAS_WSCALE;
			}
			break;
		case TCP_OPT_SACKOK:
			seg->has |= TCP_HAS_SACKOK;
			break;
		case TCP_OPT_MD5:
			seg->has |= TCP_HAS_MD5;
			break;
		case TCP_OPT_SACK:
			tcp_parse_sack(seg, opt + i + 2, olen - 2);
			break;
		case TCP_OPT_TIMESTAMP:
			if (olen == 10) {
				memcpy(&seg->tsval, opt + i + 2, 4);
				memcpy(&seg->tsecr, opt + i + 6, 4);
				seg->tsval = ntohl(seg->tsval);
				seg->tsecr = ntohl(seg->tsecr);
				seg->has |= TCP_HAS_TS;
			}
			break;
		}
	}
}

void
tcp_input(struct ipin *in)
{
	struct tcp_seg		 seg;
	struct tuple		 tp;
	struct tcp_conn		*c;

	tcp_parse(in, &seg);
	if (personality_tcp_md5_drop(in, &seg))
		return;
	tcp_seg_tuple(in, &seg, &tp);
	if ((c = tcp_conn_find(&tp)) != NULL)
		tcp_conn_input(c, in, &seg);
	else
		tcp_listen_input(in, &seg);
}

/*
 * A SYN over IPv6 from the personality's IPv4 one (stackmodel.c): the
 * MSS 20 bytes less where it was the link's (RFC 6691), never more
 * than the link's MTU less the IPv6 and TCP headers, and the window of
 * a family whose windows are whole segments counted in the new ones.
 */
static void
tcp_syn6(const struct ipin *in, struct tcp_hdr *th)
{
	uint8_t		*opts = (uint8_t *)(th + 1);
	size_t		 i, olen, optlen = th->th_off * 4 - TCP_HDR_LEN;
	struct synopts	 so;
	uint16_t	 mss4, mss;

	for (i = 0; i < optlen; i += olen) {
		if (opts[i] == TCP_OPT_EOL)
			break;
		if (opts[i] == TCP_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (i + 1 >= optlen || (olen = opts[i + 1]) < 2 ||
		    i + olen > optlen)
			break;
		if (opts[i] != TCP_OPT_MSS || olen != 4)
			continue;
		mss4 = opts[i + 2] << 8 | opts[i + 3];
		if ((mss = stackmodel_mss6(mss4)) > TCP_MAX_DATA6)
			mss = TCP_MAX_DATA6;
		opts[i + 2] = mss >> 8;
		opts[i + 3] = mss & 0xff;
		if (stackmodel_synopts_parse(opts, optlen, &so) == 0)
			th->th_win = htons(stackmodel_win6(
			    personality_stack_model(in->host, in->tmpl),
			    ntohs(th->th_win), mss4, mss, so.ts));
	}
}

/*
 * An IPv6 segment: the header the host's (ip6_output() does the rest),
 * the checksum over RFC 8200's pseudo-header.
 */
static void
tcp_output6(const struct ipin *in, uint8_t *pkt, size_t len)
{
	struct ip6_hdr	*ip6 = (struct ip6_hdr *)pkt;
	struct tcp_hdr	*th = (struct tcp_hdr *)(pkt + IP6_HDR_LEN);
	uint16_t	 sum;

	memset(ip6, 0, IP6_HDR_LEN);
	ip6->ip6_nxt = IP_PROTO_TCP;
	memcpy(&ip6->ip6_src, &in->dst6, sizeof(in->dst6));
	memcpy(&ip6->ip6_dst, &in->src6, sizeof(in->src6));
	if (th->th_flags & TH_SYN)
		tcp_syn6(in, th);
	personality_tcp6_fields((uint8_t *)th);
	th->th_sum = 0;
	sum = ip6_cksum(&in->dst6, &in->src6, IP_PROTO_TCP, th,
	    len - IP6_HDR_LEN);
	memcpy(&th->th_sum, &sum, sizeof(sum));
	ip6_output(in->tmpl, pkt, len);
}

/*
 * Build and send one segment from a virtual host to the peer of in
 * (its host, template and addresses: in->dst is the host's), over the
 * family of in.
 */
void
tcp_output(const struct ipin *in, const struct tcp_reply *r,
    enum out_kind kind)
{
	uint8_t		 pkt[IP6_HDR_LEN + TCP_HDR_LEN_MAX +
			    TCP_MAX_DATA];
	size_t		 iphlen = in->v6 ? IP6_HDR_LEN : IP_HDR_LEN;
	struct tcp_hdr	*th = (struct tcp_hdr *)(pkt + iphlen);
	size_t		 hlen = TCP_HDR_LEN + ((r->optlen + 3) & ~3U);
	size_t		 len = iphlen + hlen + r->dlen;

	if (r->optlen > TCP_OPT_LEN_MAX || r->dlen > TCP_MAX_DATA)
		return;
	if (!in->v6)
		ip_pack_hdr(pkt, 0, len, 0, 0, 0, IP_PROTO_TCP,
		    htonl(in->dst), htonl(in->src));
	memset(th, 0, hlen);
	th->th_sport = htons(r->sport);
	th->th_dport = htons(r->dport);
	th->th_seq = htonl(r->seq);
	th->th_ack = htonl(r->ack);
	th->th_off = hlen / 4;
	th->th_flags = r->flags;
	th->th_win = htons(r->win);
	th->th_urp = htons(r->urp);
	memcpy(th + 1, r->opts, r->optlen);	/* padded with EOL (0) */
	if (r->dlen > 0)
		memcpy(pkt + iphlen + hlen, r->data, r->dlen);
	if (r->flags & TH_RST)
		engine->stats.tcp_rst++;
	if (in->v6)
		tcp_output6(in, pkt, len);
	else
		ip_output(in->host, in->tmpl, pkt, len, kind);
}

/* A reply to segment "seg" of "in", from the host's side. */
static void
tcp_reply_init(struct tcp_reply *r, const struct tcp_seg *seg)
{
	memset(r, 0, sizeof(*r));
	r->sport = seg->dport;
	r->dport = seg->sport;
}

/* A segment that makes no connection goes to the logs as a probe. */
static void
tcp_log_probe(struct ipin *in, const struct tcp_seg *seg, const char *state)
{
	struct tuple	 tp;

	tcp_seg_tuple(in, seg, &tp);
	eventlog_probe(&tp, in->len, seg->flags, state);
}

/*
 * RFC 793, "Reset Generation": a segment for no connection.  If it
 * carries an ACK the reset takes its sequence number from it; otherwise
 * the reset acknowledges everything the segment occupied.
 */
static void
tcp_send_reset(struct ipin *in, const struct tcp_seg *seg, int closed)
{
	struct tcp_reply	 r;

	if (seg->flags & TH_RST)
		return;
	tcp_reply_init(&r, seg);
	if (seg->flags & TH_ACK) {
		r.flags = TH_RST;
		r.seq = seg->ack;
	} else {
		r.flags = TH_RST | TH_ACK;
		r.ack = seg->seq + seg->dlen + !!(seg->flags & TH_SYN) +
		    !!(seg->flags & TH_FIN);
	}
	if (personality_tcp_reply(in, seg, closed ? TCP_R_CLOSED :
	    TCP_R_STRAY, &r) == -1)
		return;
	tcp_output(in, &r, closed ? OUT_TCP_CLOSED : OUT_TCP);
}

/*
 * "set T droprate syn P": a connection request (SYN without ACK) is
 * lost with probability P percent, whatever the port, as to a host
 * too busy to answer; it still reaches the logs.  Honeyd 1.5c dropped
 * a share of the SYNs that would open a connection.
 */
static int
tcp_syn_dropped(struct ipin *in, const struct tcp_seg *seg)
{
	if ((seg->flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN ||
	    in->tmpl->droprate_syn <= 0 ||
	    arc4random_uniform(1000000) >= in->tmpl->droprate_syn * 10000)
		return (0);
	engine->stats.drop_droprate_syn++;
	tcp_log_probe(in, seg, "dropped");
	return (1);
}

/*
 * FIN, NULL and Xmas segments to an open port where the personality is
 * annotated "finscan" (ignored, as RFC 793 says) or "no finscan" (a
 * reset, as a closed port answers): 1 if handled here.
 */
static int
tcp_finscan(struct ipin *in, const struct tcp_seg *seg)
{
	int	 finscan;

	if ((seg->flags & (TH_SYN | TH_ACK | TH_RST)) != 0 ||
	    (finscan = config_finscan(engine->conf,
	    in->tmpl->personality)) == -1)
		return (0);
	tcp_log_probe(in, seg, "open");
	if (finscan == 0)
		tcp_send_reset(in, seg, 1);
	return (1);
}

/* What an open port is while a subsystem listens on it. */
static const struct action	 act_subsys = { .kind = ACTION_SUBSYS };

/* A segment for no connection: the port's action decides. */
static void
tcp_listen_input(struct ipin *in, const struct tcp_seg *seg)
{
	const struct action	*act;

	if (tcp_syn_dropped(in, seg))
		return;
	act = template_action(in->tmpl, IP_PROTO_TCP, seg->dport);
	/* An open port a subsystem listens on is the program's. */
	if (act->kind == ACTION_OPEN &&
	    sublisten_find(in->tmpl->name, in, seg->dport))
		act = &act_subsys;
	switch (act->kind) {
	case ACTION_BLOCK:
		tcp_log_probe(in, seg, "filtered");
		return;
	case ACTION_RESET:
		tcp_log_probe(in, seg, "closed");
		tcp_send_reset(in, seg, 1);
		return;
	case ACTION_PROHIBIT:
		/* A rejecting firewall: no state, no RST. */
		tcp_log_probe(in, seg, "filtered");
		icmp_send_prohibited(in);
		return;
	default:
		break;
	}
	if ((seg->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN)
		tcp_conn_open(in, seg, act);
	else if (!tcp_finscan(in, seg)) {
		tcp_log_probe(in, seg, "open");
		tcp_stray(in, seg, 0);
	}
}

/* Odd segments to an open port: nmap's T2-T4 ask how a stack copes. */
static void
tcp_stray(struct ipin *in, const struct tcp_seg *seg, int closed)
{
	tcp_send_reset(in, seg, closed);
}

static int
tcp_state_list(enum tcp_state state)
{
	switch (state) {
	case TCPS_SYN_RECEIVED:
		return (TCPL_EMBRYONIC);
	case TCPS_TIME_WAIT:
		return (TCPL_TIMEWAIT);
	default:
		return (TCPL_ACTIVE);
	}
}

static void
tcp_conn_link(struct tcp_conn *c)
{
	c->list = tcp_state_list(c->state);
	TAILQ_INSERT_TAIL(&tcp_lists[c->list], c, lru);
	tcp_nlist[c->list]++;
}

static void
tcp_conn_unlink(struct tcp_conn *c)
{
	TAILQ_REMOVE(&tcp_lists[c->list], c, lru);
	tcp_nlist[c->list]--;
}

/* The connection's end, for the logs: once. */
static void
tcp_conn_logend(struct tcp_conn *c, const char *reason)
{
	if (c->logged_end)
		return;
	c->logged_end = 1;
	eventlog_flow_end(&c->flow.tuple, c->id, c->bytes_in, c->bytes_out,
	    &c->started, reason);
}

static void
tcp_set_state(struct tcp_conn *c, enum tcp_state state)
{
	tcp_conn_unlink(c);
	c->state = state;
	tcp_conn_link(c);
	/*
	 * Both sides closed: the service has nothing left to do, and for
	 * the logs the connection ended (TIME_WAIT is our own business).
	 */
	if (state == TCPS_TIME_WAIT) {
		if (c->relay != NULL)
			relay_free(c->relay);
		c->relay = NULL;
		tcp_conn_logend(c, "closed");
	}
}

/* Recently used connections go to the end of their list. */
static void
tcp_conn_touch(struct tcp_conn *c)
{
	tcp_now(&c->active);
	if (TAILQ_NEXT(c, lru) != NULL) {
		TAILQ_REMOVE(&tcp_lists[c->list], c, lru);
		TAILQ_INSERT_TAIL(&tcp_lists[c->list], c, lru);
	}
}

/*
 * Connections that ended are kept, up to TCP_FREE_MAX, with their timer
 * event, so that opening one (a SYN to an open port) allocates nothing
 * once the engine has run a while.
 */
static struct tcp_conn	*tcp_free_list;	/* chained by hnext */
static size_t		 tcp_nfree;

static void
tcp_conn_release(struct tcp_conn *c)
{
	if (c->pace != NULL)
		event_free(c->pace);
	c->pace = NULL;
	if (c->tmpl_name != c->tmpl_buf)
		free(c->tmpl_name);
	c->tmpl_name = NULL;
	if (c->timer != NULL && tcp_nfree < TCP_FREE_MAX) {
		evtimer_del(c->timer);
		c->hnext = tcp_free_list;
		tcp_free_list = c;
		tcp_nfree++;
		return;
	}
	if (c->timer != NULL)
		event_free(c->timer);
	free(c);
}

/* A zeroed connection with its timer and its template's name. */
static struct tcp_conn *
tcp_conn_alloc(const char *name)
{
	struct tcp_conn	*c;
	struct event	*timer = NULL;

	if ((c = tcp_free_list) != NULL) {
		tcp_free_list = c->hnext;
		tcp_nfree--;
		timer = c->timer;
		memset(c, 0, sizeof(*c));
		/* One made for another event loop (the unit tests') goes. */
		if (event_get_base(timer) != engine->base)
			event_free(timer);
		else
			c->timer = timer;
	} else if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	if (c->timer == NULL &&
	    (c->timer = evtimer_new(engine->base, tcp_timeout, c)) == NULL) {
		free(c);
		return (NULL);
	}
	if (strlcpy(c->tmpl_buf, name, sizeof(c->tmpl_buf)) <
	    sizeof(c->tmpl_buf))
		c->tmpl_name = c->tmpl_buf;
	else if ((c->tmpl_name = strdup(name)) == NULL) {
		tcp_conn_release(c);
		return (NULL);
	}
	return (c);
}

/*
 * Forget a connection: the logs get its end, the relay (and so the
 * service) goes, the host is let go.
 */
static void
tcp_conn_free(struct tcp_conn *c, const char *reason)
{
	tcp_conn_logend(c, reason);
	if (c->relay != NULL)
		relay_free(c->relay);
	tcp_conn_unlink(c);
	tcp_hash_remove(c);
	tcp_ring_free(&c->sndbuf);
	tcp_reass_free(&c->reass);
	host_unref(c->flow.host);
	tcp_conn_release(c);
	tcp_nconns--;
	engine->stats.tcp_conns_active = tcp_nconns;
}

/*
 * Make room for a new connection (policy in tcp.h).  Half-open ones are
 * capped on their own, so a SYN flood only ever evicts half-open
 * connections and established ones keep their place.
 */
static void
tcp_make_room(void)
{
	struct tcp_conn	*victim = NULL;

	if (tcp_nlist[TCPL_EMBRYONIC] >= TCP_EMBRYONIC_MAX)
		victim = TAILQ_FIRST(&tcp_lists[TCPL_EMBRYONIC]);
	else if (tcp_nconns >= tcp_conn_max) {
		if ((victim = TAILQ_FIRST(&tcp_lists[TCPL_TIMEWAIT])) == NULL &&
		    (victim = TAILQ_FIRST(&tcp_lists[TCPL_EMBRYONIC])) == NULL)
			victim = TAILQ_FIRST(&tcp_lists[TCPL_ACTIVE]);
	}
	if (victim == NULL)
		return;
	engine->stats.tcp_conns_evicted++;
	if (victim->state != TCPS_SYN_RECEIVED &&
	    victim->state != TCPS_TIME_WAIT)
		tcp_conn_abort(victim, "evicted");
	else
		tcp_conn_free(victim, "evicted");
}

static void
tcp_timer_set(struct tcp_conn *c, int kind, uint32_t msec)
{
	struct timeval	 tv;

	c->timer_kind = kind;
	evtimer_add(c->timer, engine_timeout(event_get_base(c->timer), msec,
	    &tv));
}

/*
 * A stand-in for the received packet when output has none; -1 when the
 * address lost its template in a reload.
 */
static int
tcp_conn_ipin(struct tcp_conn *c, struct ipin *in)
{
	flow_ipin(in, &c->flow.tuple);
	in->host = c->flow.host;
	if ((in->tmpl = (struct template *)flow_template(&c->flow)) == NULL)
		return (-1);
	return (0);
}

/* Find option "kind" in what we send; its offset or -1. */
static int
tcp_opt_find(const struct tcp_reply *r, int kind)
{
	size_t	 i, olen;

	for (i = 0; i < r->optlen; i += olen) {
		if (r->opts[i] == TCP_OPT_EOL)
			break;
		if (r->opts[i] == TCP_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (i + 1 >= r->optlen || (olen = r->opts[i + 1]) < 2 ||
		    i + olen > r->optlen)
			break;
		if (r->opts[i] == kind)
			return (i);
	}
	return (-1);
}

/*
 * What the handshake negotiated: an option is on only when both sides
 * sent it (RFC 7323, 2018), whatever the personality chose to offer.
 */
static void
tcp_synack_options(struct tcp_conn *c, const struct tcp_reply *r)
{
	uint16_t	 max;
	int		 o;

	c->snd_wscale = c->rcv_wscale = 0;
	if ((o = tcp_opt_find(r, TCP_OPT_WSCALE)) != -1 &&
	    r->opts[o + 1] == 3 && c->peer_has & TCP_HAS_WSCALE) {
		c->snd_wscale = r->opts[o + 2] > 14 ? 14 : r->opts[o + 2];
		c->rcv_wscale = c->peer_wscale > 14 ? 14 : c->peer_wscale;
	}
	c->ts_ok = r->ts_ok && (c->peer_has & TCP_HAS_TS);
	c->sack_ok = tcp_opt_find(r, TCP_OPT_SACKOK) != -1 &&
	    (c->peer_has & TCP_HAS_SACKOK);
	max = c->flow.tuple.v6 ? TCP_MAX_DATA6 : TCP_MAX_DATA;
	c->mss = c->peer_mss > max ? max : c->peer_mss;
	if (c->ts_ok)
		c->mss -= TCP_TS_ROOM;
}

/*
 * Our SYN+ACK, shaped by the personality.  Returns -1 when the
 * personality says this stack would not answer at all.
 */
static int
tcp_send_synack(struct tcp_conn *c, struct ipin *in,
    const struct tcp_seg *seg)
{
	struct tcp_reply	 r;

	memset(&r, 0, sizeof(r));
	r.sport = c->flow.tuple.dport;
	r.dport = c->flow.tuple.sport;
	r.seq = c->iss;
	r.ack = c->rcv_nxt;
	r.flags = TH_SYN | TH_ACK;
	r.conn = c;
	if (personality_tcp_reply(in, seg, TCP_R_SYNACK, &r) == -1)
		return (-1);
	if (seg != NULL) {
		tcp_synack_options(c, &r);
		c->syn_win = r.win;
		c->syn_optlen = r.optlen;
		memcpy(c->syn_opts, r.opts, r.optlen);
	} else {
		/*
		 * A retransmission repeats the first SYN+ACK's window and
		 * options: whichever copy arrives, the peer negotiates
		 * what we believe was negotiated.
		 */
		r.win = c->syn_win;
		r.optlen = c->syn_optlen;
		memcpy(r.opts, c->syn_opts, r.optlen);
	}
	if (c->aflags & ACTION_F_TARPIT && r.win > TCP_TARPIT_WINDOW)
		r.win = TCP_TARPIT_WINDOW;
	/* The personality may have chosen another ISN (nmap's SEQ probes). */
	c->snd_max = c->snd_nxt;
	c->rcv_adv = c->rcv_nxt + r.win;
	gettimeofday(&c->synack_sent, NULL);
	engine->stats.tcp_synack++;
	tcp_output(in, &r, OUT_TCP);
	return (0);
}

static struct tcp_conn *
tcp_conn_new(struct ipin *in, const struct tcp_seg *seg,
    const struct action *act)
{
	struct tcp_conn	*c;
	struct tuple	 tp;

	if ((c = tcp_conn_alloc(in->tmpl->name)) == NULL)
		return (NULL);
	tcp_seg_tuple(in, seg, &tp);
	flow_init(&c->flow, &tp, in);
	c->action = act->kind;
	c->aflags = act->flags;
	c->state = TCPS_SYN_RECEIVED;
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	c->peer_mss = seg->has & TCP_HAS_MSS ? seg->mss : TCP_DEFAULT_MSS;
	/* A tiny MSS would make us send a packet per byte. */
	if (c->peer_mss < TCP_MIN_MSS)
		c->peer_mss = TCP_MIN_MSS;
	c->peer_has = seg->has;
	c->peer_wscale = seg->wscale;
	c->ts_recent = seg->tsval;
	c->rto_ms = TCP_RTO_INIT_MS;
	tcp_ring_init(&c->sndbuf, TCP_SNDBUF);
	tcp_reass_init(&c->reass);
	tcp_now(&c->started);
	c->active = c->started;
	return (c);
}

static void
tcp_conn_open(struct ipin *in, const struct tcp_seg *seg,
    const struct action *act)
{
	struct tcp_conn	*c;

	/* SYN+FIN (nmap's T3): the personality answers, if at all. */
	if (seg->flags & TH_FIN && !personality_tcp_synfin_ok(in)) {
		tcp_log_probe(in, seg, "open");
		tcp_stray(in, seg, 0);
		return;
	}
	tcp_make_room();
	if ((c = tcp_conn_new(in, seg, act)) == NULL)
		return;
	c->iss = personality_tcp_isn(in->host, in->tmpl);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	/* The personality may decline: then no state is kept at all. */
	if (tcp_send_synack(c, in, seg) == -1) {
		tcp_conn_release(c);
		tcp_log_probe(in, seg, "open");
		return;
	}
	c->id = relay_newid();
	host_ref(c->flow.host);
	tcp_hash_insert(c);
	tcp_conn_link(c);
	tcp_nconns++;
	engine->stats.tcp_conns++;
	engine->stats.tcp_conns_active = tcp_nconns;
	eventlog_flow_start(&c->flow.tuple, c->id, in->len, in->tmpl, act);
	tcp_timer_set(c, TT_SYNACK, personality_synack_rto(in->host, in->tmpl,
	    0));
}

/*
 * The window we advertise: the space left for the service, never more
 * than the personality's value, a few bytes in a tarpit.  What we
 * advertise is remembered (rcv_adv): data up to there is accepted
 * even if the space shrank since.
 */
static void
tcp_conn_window(struct tcp_conn *c, struct tcp_reply *r)
{
	size_t		 space;
	uint32_t	 field, adv, right;

	space = TCP_RCVBUF;
	if (c->relay != NULL) {
		space = relay_queued(c->relay);
		space = space >= TCP_RCVBUF ? 0 : TCP_RCVBUF - space;
	}
	/*
	 * Receiver silly window avoidance (RFC 1122 4.2.3.3): the right
	 * edge moves only by a segment or half the buffer at a time.
	 */
	right = c->rcv_nxt + space;
	if (SEQ_GT(right, c->rcv_adv) && right - c->rcv_adv <
	    (TCP_RCVBUF / 2 < TCP_MAX_DATA ? TCP_RCVBUF / 2 : TCP_MAX_DATA))
		space = SEQ_GT(c->rcv_adv, c->rcv_nxt) ?
		    c->rcv_adv - c->rcv_nxt : 0;
	if (c->aflags & ACTION_F_TARPIT && space > TCP_TARPIT_WINDOW)
		space = TCP_TARPIT_WINDOW;
	field = space >> c->snd_wscale;
	if (field == 0 && space > 0 && c->aflags & ACTION_F_TARPIT)
		field = 1;
	if (field > 0xffff)
		field = 0xffff;
	if (r->win > field)
		r->win = field;
	adv = c->rcv_nxt + ((uint32_t)r->win << c->snd_wscale);
	if (SEQ_GT(adv, c->rcv_adv))
		c->rcv_adv = adv;
}

/*
 * SACK blocks (RFC 2018) for what we hold out of order, on segments
 * without data: the peer learns of every hole at once.  They follow
 * whatever options the personality put there, as far as room allows;
 * they appear only if the personality offered SACK in the handshake.
 */
static void
tcp_sack_blocks(struct tcp_conn *c, struct tcp_reply *r)
{
	struct tcp_rpiece	*p;
	uint32_t		 v[2];
	size_t			 n = r->optlen, len;
	int			 blocks = 0, max;

	if (!c->sack_ok || r->dlen > 0 || c->reass.n == 0 ||
	    n + 2 + 2 + 8 > TCP_OPT_LEN_MAX)
		return;
	max = (TCP_OPT_LEN_MAX - n - 4) / 8;
	r->opts[n++] = TCP_OPT_NOP;
	r->opts[n++] = TCP_OPT_NOP;
	r->opts[n++] = TCP_OPT_SACK;
	len = n++;
	p = TAILQ_FIRST(&c->reass.q);
	while (p != NULL && blocks < max) {
		v[0] = p->seq;
		v[1] = p->seq + p->len;
		/* Adjacent pieces make one block. */
		while ((p = TAILQ_NEXT(p, entry)) != NULL && p->seq == v[1])
			v[1] = p->seq + p->len;
		v[0] = htonl(v[0]);
		v[1] = htonl(v[1]);
		memcpy(r->opts + n, v, sizeof(v));
		n += 8;
		blocks++;
	}
	r->opts[len] = 2 + 8 * blocks;
	r->optlen = n;
}

/* One segment on a connection, from the host's side. */
static void
tcp_conn_segment(struct tcp_conn *c, uint32_t seq, uint8_t flags,
    const uint8_t *data, size_t dlen)
{
	struct tcp_reply	 r;
	struct ipin		 in;

	if (tcp_conn_ipin(c, &in) == -1)
		return;
	memset(&r, 0, sizeof(r));
	r.sport = c->flow.tuple.dport;
	r.dport = c->flow.tuple.sport;
	r.seq = seq;
	r.ack = c->rcv_nxt;
	r.flags = flags;
	r.data = data;
	r.dlen = dlen;
	r.conn = c;
	if (personality_tcp_reply(&in, NULL, TCP_R_CONN, &r) == -1)
		return;
	if (!(r.flags & TH_RST)) {
		tcp_conn_window(c, &r);
		tcp_sack_blocks(c, &r);
	}
	if (r.flags & TH_ACK)
		c->ack_now = 0;
	tcp_output(&in, &r, OUT_TCP);
}

/* RFC 5961 challenge ACK, and the answer to unacceptable segments. */
static void
tcp_conn_ack(struct tcp_conn *c)
{
	tcp_conn_segment(c, c->snd_nxt, TH_ACK, NULL, 0);
}

/* Abort: a reset to the peer, then forget the connection.  Frees c. */
static void
tcp_conn_abort(struct tcp_conn *c, const char *reason)
{
	if (c->state != TCPS_SYN_RECEIVED && c->state != TCPS_TIME_WAIT)
		tcp_conn_segment(c, c->snd_nxt, TH_RST | TH_ACK, NULL, 0);
	tcp_conn_free(c, reason);
}

/* Is our FIN sent at or before snd_nxt? */
static int
tcp_fin_out(const struct tcp_conn *c)
{
	return (c->fin_sent && SEQ_GT(c->snd_nxt, c->fin_seq));
}

/*
 * How much new data may go now: the window (the peer's and the
 * congestion window), the segment size, and sender-side silly window
 * avoidance (RFC 1122 4.2.3.4: no small segment while data is in
 * flight and more is waiting).
 */
static size_t
tcp_send_len(struct tcp_conn *c, size_t off, int force)
{
	size_t		 avail = c->sndbuf.len - off, len;
	uint32_t	 wnd, usable;

	wnd = c->cwnd;
	if (!c->in_recovery)	/* limited transmit */
		wnd += (c->dupacks < 2 ? c->dupacks : 2) * (uint32_t)c->mss;
	if (wnd > c->snd_wnd)
		wnd = c->snd_wnd;
	usable = SEQ_GT(c->snd_una + wnd, c->snd_nxt) ?
	    c->snd_una + wnd - c->snd_nxt : 0;
	if (force && usable == 0)
		usable = 1;
	len = avail < usable ? avail : usable;
	if (len > c->mss)
		len = c->mss;
	if (c->aflags & ACTION_F_TARPIT && len > TCP_TARPIT_SEG)
		len = TCP_TARPIT_SEG;
	else if (len < avail && len < c->mss && c->snd_nxt != c->snd_una)
		len = 0;
	return (len);
}

/* A tarpit sends one segment every TCP_TARPIT_MS. */
static int
tcp_tarpit_wait(struct tcp_conn *c)
{
	struct timeval	 tv;
	uint32_t	 since;

	if (!(c->aflags & ACTION_F_TARPIT))
		return (0);
	since = tcp_ms_since(&c->last_pace);
	if (since >= TCP_TARPIT_MS)
		return (0);
	if (c->pace == NULL &&
	    (c->pace = evtimer_new(engine->base, tcp_pace, c)) == NULL)
		return (1);
	if (!evtimer_pending(c->pace, NULL)) {
		tv.tv_sec = 0;
		tv.tv_usec = (TCP_TARPIT_MS - since) * 1000;
		evtimer_add(c->pace, &tv);
	}
	return (1);
}

/* Send one piece of the stream at seq; returns its length. */
static size_t
tcp_send_piece(struct tcp_conn *c, uint32_t seq, size_t len, int fin)
{
	uint8_t		 buf[TCP_MAX_DATA];
	size_t		 off = seq - c->snd_una;
	uint8_t		 flags = TH_ACK;

	len = tcp_ring_peek(&c->sndbuf, off, buf, len);
	if (len > 0 && off + len == c->sndbuf.len)
		flags |= TH_PUSH;
	if (fin)
		flags |= TH_FIN;
	tcp_conn_segment(c, seq, flags, buf, len);
	return (len);
}

/*
 * Send what the windows allow: new data, our FIN after the last byte,
 * or at least the ACK we owe.
 */
static void
tcp_conn_output_force(struct tcp_conn *c, int force)
{
	size_t		 off, len;
	uint32_t	 seq;
	int		 fin;

	if (c->state == TCPS_SYN_RECEIVED || c->state == TCPS_TIME_WAIT) {
		if (c->ack_now)
			tcp_conn_ack(c);
		return;
	}
	for (;;) {
		off = c->snd_nxt - c->snd_una;
		if (off > c->sndbuf.len)
			off = c->sndbuf.len;
		len = tcp_send_len(c, off, force);
		fin = c->fin_pending && off + len == c->sndbuf.len &&
		    !tcp_fin_out(c);
		if ((len == 0 && !fin) || tcp_tarpit_wait(c)) {
			if (c->ack_now)
				tcp_conn_ack(c);
			break;
		}
		seq = c->snd_nxt;
		if (len > 0 && !c->rtt_timing && seq == c->snd_max) {
			c->rtt_timing = 1;
			c->rtt_seq = seq;
			gettimeofday(&c->rtt_start, NULL);
		}
		len = tcp_send_piece(c, seq, len, fin);
		if (SEQ_GT(seq + len, c->snd_max))
			c->bytes_out += seq + len - SEQ_MAX(seq, c->snd_max);
		if (fin) {
			c->fin_sent = 1;
			c->fin_seq = seq + len;
		}
		c->snd_nxt = seq + len + fin;
		c->snd_max = SEQ_MAX(c->snd_max, c->snd_nxt);
		tcp_now(&c->last_pace);
		force = 0;
		if (fin || len == 0)
			break;
	}
}

static void
tcp_conn_output(struct tcp_conn *c)
{
	tcp_conn_output_force(c, 0);
}

/* Retransmit one segment at seq (Karn: no RTT sample from it). */
static void
tcp_conn_rexmit(struct tcp_conn *c, uint32_t seq, uint32_t end)
{
	size_t	 off = seq - c->snd_una, len;
	int	 fin;

	if (off > c->sndbuf.len)
		return;
	len = c->sndbuf.len - off;
	if (len > c->mss)
		len = c->mss;
	if (SEQ_LT(end, seq + len))
		len = end - seq;
	fin = c->fin_sent && seq + len == c->fin_seq;
	if (len == 0 && !fin)
		return;
	tcp_send_piece(c, seq, len, fin);
	c->rtt_timing = 0;
	engine->stats.tcp_rexmits++;
}

/*
 * RFC 8985 tail loss probe: two round trips without an ACK, and the
 * last segments were probably lost with nothing after them to report
 * it; a probe gets the peer to say so sooner than a timeout would.
 */
static uint32_t
tcp_pto(const struct tcp_conn *c)
{
	uint32_t	 pto = 2 * c->srtt_us / 1000;

	if (pto < 10)
		pto = 10;
	if (tcp_flight(c) <= c->mss)
		pto += TCP_RTO_MIN_MS;	/* a delayed ACK may be due */
	return (pto < c->rto_ms ? pto : c->rto_ms);
}

/*
 * Arm the timer for what the connection waits on now.  A running
 * retransmission timer keeps its deadline unless restart is set (new
 * data was acknowledged); others are re-armed when their kind changes.
 */
static void
tcp_timer_update(struct tcp_conn *c, int restart)
{
	int		 kind;
	uint32_t	 ms;

	if (c->state == TCPS_SYN_RECEIVED)
		return;
	if (c->state == TCPS_TIME_WAIT) {
		kind = TT_TIMEWAIT;
		ms = TCP_TIME_WAIT_MS;
	} else if (c->snd_max != c->snd_una) {
		kind = TT_REXMIT;
		ms = c->rto_ms;
		if (!c->tlp_sent && c->rtt_valid && c->rexmits == 0) {
			/* A running RTO is not shortened by a new send. */
			if (c->timer_kind == TT_REXMIT && !restart)
				return;
			kind = TT_TLP;
			ms = tcp_pto(c);
		}
	} else if (c->snd_wnd == 0 && c->sndbuf.len > 0) {
		kind = TT_PERSIST;
		ms = c->rto_ms;
	} else if (c->state == TCPS_FIN_WAIT_2) {
		kind = TT_FINWAIT2;
		ms = TCP_FIN_WAIT2_MS;
	} else {
		kind = TT_IDLE;
		ms = TCP_IDLE_MS;
	}
	if (kind == c->timer_kind && !restart)
		return;
	tcp_timer_set(c, kind, ms);
}

/* RFC 6298: smoothed RTT and its variation, in microseconds. */
static void
tcp_rtt_sample(struct tcp_conn *c)
{
	struct timeval	 now, d;
	uint32_t	 r, delta, rto;

	gettimeofday(&now, NULL);
	timersub(&now, &c->rtt_start, &d);
	c->rtt_timing = 0;
	c->rtt_valid = 1;
	if (d.tv_sec < 0 || d.tv_sec > 60)
		return;
	r = d.tv_sec * 1000000 + d.tv_usec;
	if (c->srtt_us == 0) {
		c->srtt_us = r;
		c->rttvar_us = r / 2;
	} else {
		delta = r > c->srtt_us ? r - c->srtt_us : c->srtt_us - r;
		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	rto = (c->srtt_us + (4 * c->rttvar_us > 1000 ? 4 * c->rttvar_us :
	    1000)) / 1000;
	if (rto < TCP_RTO_MIN_MS)
		rto = TCP_RTO_MIN_MS;
	if (rto > TCP_RTO_MAX_MS)
		rto = TCP_RTO_MAX_MS;
	c->rto_ms = rto;
}


/* Halve the window (RFC 5681 3.1, eq. 4). */
static void
tcp_cwnd_loss(struct tcp_conn *c)
{
	uint32_t	 half = tcp_flight(c) / 2;

	c->ssthresh = half > 2U * c->mss ? half : 2U * c->mss;
}

/*
 * Fast recovery: retransmit the next hole the peer's SACK blocks show
 * (without them, NewReno's one hole at snd_una), at most one segment
 * for each ACK that arrives.
 */
static void
tcp_recovery_rexmit(struct tcp_conn *c)
{
	uint32_t	 hole, end;

	if (SEQ_LT(c->rexmit_nxt, c->snd_una))
		c->rexmit_nxt = c->snd_una;
	hole = tcp_sack_next_hole(&c->sacked, c->rexmit_nxt, &end);
	if (hole == end) {
		if (c->rexmit_nxt != c->snd_una || c->sacked.n > 0)
			return;
		end = c->snd_max;
	}
	if (!SEQ_LT(hole, c->recover))
		return;
	tcp_conn_rexmit(c, hole, end);
	c->rexmit_nxt = hole + (c->mss < end - hole ? c->mss : end - hole);
}

/* Loss is known: halve the window and retransmit the first hole. */
static void
tcp_enter_recovery(struct tcp_conn *c)
{
	tcp_cwnd_loss(c);
	c->cwnd = c->ssthresh + 3U * c->mss;
	c->in_recovery = 1;
	c->recover = c->snd_max;
	c->rexmit_nxt = c->snd_una;
	engine->stats.tcp_fastrexmit++;
	tcp_recovery_rexmit(c);
}

/*
 * A duplicate ACK: one without data or window change, or one that
 * SACKs more (RFC 6675, so a peer that sends data too is heard).
 * Three of them, or three segments SACKed above a hole, mean loss;
 * the first two each let a new segment go (RFC 3042, tcp_send_len).
 */
static void
tcp_dupack(struct tcp_conn *c)
{
	c->dupacks++;
	if (c->in_recovery) {
		c->cwnd += c->mss;
		tcp_recovery_rexmit(c);
		return;
	}
	if (c->dupacks < 3 && tcp_sacked_bytes(&c->sacked) < 3U * c->mss)
		return;
	if (SEQ_LT(c->snd_una, c->recover))
		return;		/* RFC 6582: still the old episode */
	tcp_enter_recovery(c);
}

/* Acknowledged bytes leave the ring; our FIN counts one. */
static void
tcp_ack_advance(struct tcp_conn *c, uint32_t ack)
{
	uint32_t	 acked = ack - c->snd_una;

	if (c->fin_sent && SEQ_GT(ack, c->fin_seq)) {
		c->fin_acked = 1;
		acked--;
	}
	tcp_ring_drop(&c->sndbuf, acked);
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	tcp_sack_trim(&c->sacked, ack);
}

static void
tcp_cwnd_ack(struct tcp_conn *c, uint32_t ack, uint32_t acked)
{
	uint32_t	 inc;

	if (c->in_recovery) {
		if (SEQ_GEQ(ack, c->recover)) {
			c->in_recovery = 0;
			c->cwnd = c->ssthresh;
		} else {
			/* Partial ACK: the next hole, deflate. */
			c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
			c->cwnd += c->mss;
			tcp_recovery_rexmit(c);
		}
		return;
	}
	if (c->cwnd < c->ssthresh)
		inc = acked < c->mss ? acked : c->mss;
	else
		inc = (c->mss * c->mss) / (c->cwnd ? c->cwnd : 1);
	c->cwnd += inc > 0 ? inc : 1;
	if (c->cwnd > 4 * TCP_SNDBUF)
		c->cwnd = 4 * TCP_SNDBUF;
}

/* An ACK for new data. */
static void
tcp_ack_new(struct tcp_conn *c, uint32_t ack)
{
	uint32_t	 acked = ack - c->snd_una;

	if (c->rtt_timing && SEQ_GT(ack, c->rtt_seq))
		tcp_rtt_sample(c);
	tcp_ack_advance(c, ack);
	c->rexmits = 0;
	c->dupacks = 0;
	c->tlp_sent = 0;
	tcp_cwnd_ack(c, ack, acked);
	tcp_timer_update(c, 1);
	if (c->relay != NULL && !c->fin_pending)
		relay_resume(c->relay);
}

/*
 * The ACK field of a segment in a synchronized state.  Returns -1 when
 * the segment is to be dropped, 1 when the connection is gone (it was
 * freed), 0 to go on with its data.
 */
static int
tcp_ack_input(struct tcp_conn *c, const struct tcp_seg *seg)
{
	uint32_t	 wnd = (uint32_t)seg->win << c->rcv_wscale;
	uint32_t	 before;
	int		 i, win_update = 0, newsack = 0;

	/*
	 * RFC 5961 5.2: an ACK for data never sent, or older than the
	 * largest window the peer ever offered (Linux's max_window), is
	 * answered with an ACK and dropped.
	 */
	if (SEQ_GT(seg->ack, c->snd_max) ||
	    SEQ_LT(seg->ack, c->snd_una - c->max_sndwnd)) {
		tcp_conn_ack(c);
		return (-1);
	}
	if (c->sack_ok && seg->nsack > 0) {
		before = tcp_sacked_bytes(&c->sacked);
		for (i = 0; i < seg->nsack; i++)
			tcp_sack_update(&c->sacked, seg->sack[i][0],
			    seg->sack[i][1], c->snd_una, c->snd_max);
		newsack = tcp_sacked_bytes(&c->sacked) != before;
	}
	if (SEQ_LT(c->snd_wl1, seg->seq) || (c->snd_wl1 == seg->seq &&
	    SEQ_LEQ(c->snd_wl2, seg->ack))) {
		win_update = wnd != c->snd_wnd;
		c->snd_wnd = wnd;
		if (wnd > c->max_sndwnd)
			c->max_sndwnd = wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
	}
	if (SEQ_GT(seg->ack, c->snd_una))
		tcp_ack_new(c, seg->ack);
	else if (seg->ack == c->snd_una && tcp_flight(c) > 0 && (newsack ||
	    (seg->dlen == 0 && !(seg->flags & TH_FIN) && !win_update)))
		tcp_dupack(c);
	if (!c->fin_acked)
		return (0);
	switch (c->state) {
	case TCPS_FIN_WAIT_1:
		tcp_set_state(c, TCPS_FIN_WAIT_2);
		break;
	case TCPS_CLOSING:
		tcp_set_state(c, TCPS_TIME_WAIT);
		break;
	case TCPS_LAST_ACK:
		engine->stats.tcp_closed++;
		tcp_conn_free(c, "closed");
		return (1);
	default:
		break;
	}
	return (0);
}

/* In-order data from the peer: to the service, or discarded. */
static void
tcp_deliver(void *arg, const uint8_t *data, size_t len)
{
	struct tcp_conn	*c = arg;

	c->bytes_in += len;
	if (c->relay != NULL)
		relay_write(c->relay, data, len);
}

/* The peer closed its side: every byte before the FIN is delivered. */
static void
tcp_fin_input(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->rcv_fin = 1;
	switch (c->state) {
	case TCPS_ESTABLISHED:
		tcp_set_state(c, TCPS_CLOSE_WAIT);
		if (c->relay != NULL)
			relay_shutdown(c->relay);
		else
			tcp_conn_close(c);	/* open port: close too */
		break;
	case TCPS_FIN_WAIT_1:
		tcp_set_state(c, c->fin_acked ? TCPS_TIME_WAIT :
		    TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		tcp_set_state(c, TCPS_TIME_WAIT);
		break;
	default:
		break;
	}
}

/* Data and FIN of an acceptable segment, in order or held. */
static void
tcp_text_input(struct tcp_conn *c, const struct tcp_text *t)
{
	if (t->len == 0 && !t->fin)
		return;
	c->ack_now = 1;
	if (c->rcv_fin)
		return;		/* nothing counts after the FIN */
	if (t->fin && !c->reass.fin) {
		c->reass.fin = 1;
		c->reass.fin_seq = t->seq + t->len;
	}
	if (t->seq == c->rcv_nxt) {
		tcp_deliver(c, t->data, t->len);
		c->rcv_nxt += t->len;
	} else if (t->len > 0) {
		engine->stats.tcp_ooo++;
		if (tcp_reass_insert(&c->reass, t->seq, t->data, t->len,
		    c->rcv_nxt) == -1)
			engine->stats.tcp_ooo_drop++;
		/* A pure duplicate ACK at once: the peer's fast retransmit. */
		tcp_conn_ack(c);
		return;
	}
	tcp_reass_pull(&c->reass, &c->rcv_nxt, tcp_deliver, c);
	if (c->reass.fin && c->reass.fin_seq == c->rcv_nxt)
		tcp_fin_input(c);
}

/*
 * RFC 793's acceptability test, and the segment's text cut to the
 * window: what lies before rcv_nxt was had already, what lies past
 * what we advertised is not taken.  Returns -1 if unacceptable.
 */
static int
tcp_trim(struct tcp_conn *c, const struct tcp_seg *seg, struct tcp_text *t)
{
	uint32_t	 wnd, cut, end;

	wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	t->seq = seg->seq;
	t->data = seg->data;
	t->len = seg->dlen;
	t->fin = (seg->flags & TH_FIN) != 0;
	end = t->seq + t->len + t->fin;
	if (t->len + t->fin == 0) {
		if (wnd == 0 ? t->seq != c->rcv_nxt :
		    !(SEQ_GEQ(t->seq, c->rcv_nxt) &&
		    SEQ_LEQ(t->seq, c->rcv_nxt + wnd)))
			return (-1);
		return (0);
	}
	if (!(SEQ_LT(t->seq, c->rcv_nxt + wnd) && SEQ_GT(end, c->rcv_nxt)) &&
	    t->seq != c->rcv_nxt)
		return (-1);
	if (SEQ_LT(t->seq, c->rcv_nxt)) {
		cut = c->rcv_nxt - t->seq;
		if (cut > t->len) {
			/* All data old; the FIN too unless it is new. */
			t->fin = t->fin && end == c->rcv_nxt + 1;
			cut = t->len;
		}
		t->data += cut;
		t->len -= cut;
		t->seq += cut;
		c->ack_now = 1;
	}
	if (SEQ_GT(t->seq + t->len, c->rcv_nxt + wnd)) {
		t->len = SEQ_GT(c->rcv_nxt + wnd, t->seq) ?
		    c->rcv_nxt + wnd - t->seq : 0;
		t->fin = 0;
		c->ack_now = 1;
	}
	return (0);
}

/*
 * RST in a synchronized state, in the window: RFC 5961 3.2 takes it
 * only at rcv_nxt and challenges the rest, RFC 793 takes any, as the
 * host's family does.  Frees c or acks.
 */
static void
tcp_rst_input(struct tcp_conn *c, struct ipin *in, const struct tcp_seg *seg)
{
	if (seg->seq == c->rcv_nxt ||
	    !personality_challenge_ack(in->host, in->tmpl)) {
		engine->stats.tcp_reset_in++;
		tcp_conn_free(c, "reset");
		return;
	}
	tcp_conn_ack(c);	/* in window but not exact: challenge */
}

/*
 * The handshake's last ACK.  Returns 1 if c was freed, -1 to drop the
 * segment, 0 to go on with it as an established connection's.
 */
static int
tcp_synrcvd_input(struct tcp_conn *c, struct ipin *in,
    const struct tcp_seg *seg)
{
	struct tcp_text	 t;

	if (seg->flags & TH_RST) {
		if (tcp_trim(c, seg, &t) == 0) {
			engine->stats.tcp_reset_in++;
			tcp_conn_free(c, "reset");
			return (1);
		}
		return (-1);
	}
	if (seg->flags & TH_SYN) {
		if (seg->seq == c->irs && !(seg->flags & TH_ACK))
			(void)tcp_send_synack(c, in, seg);  /* resent SYN */
		else
			tcp_conn_ack(c);	/* RFC 5961 4.2 */
		return (-1);
	}
	if (!(seg->flags & TH_ACK))
		return (-1);
	if (!SEQ_GT(seg->ack, c->snd_una) || SEQ_GT(seg->ack, c->snd_max)) {
		tcp_send_reset(in, seg, 0);
		return (-1);
	}
	c->snd_una = seg->ack;
	c->snd_wnd = (uint32_t)seg->win << c->rcv_wscale;
	c->max_sndwnd = c->snd_wnd;
	c->snd_wl1 = seg->seq;
	c->snd_wl2 = seg->ack;
	if (c->rexmits == 0) {
		c->rtt_start = c->synack_sent;
		tcp_rtt_sample(c);
	}
	c->rexmits = 0;
	return (tcp_conn_established(c));
}

/*
 * The handshake completed: congestion state, the relay for a command
 * or proxy.  Returns 1 if c was freed.
 */
static int
tcp_conn_established(struct tcp_conn *c)
{
	tcp_set_state(c, TCPS_ESTABLISHED);
	c->cwnd = TCP_INIT_CWND * (uint32_t)c->mss;
	c->ssthresh = 0xffffffffU;
	c->recover = c->iss;
	c->timer_kind = TT_NONE;
	evtimer_del(c->timer);
	engine->stats.tcp_established++;
	if (c->action != ACTION_COMMAND && c->action != ACTION_PROXY &&
	    c->action != ACTION_SUBSYS)
		return (0);
	c->relay = relay_new(c->id, c->action, &c->flow.tuple, c->tmpl_name,
	    &tcp_relay_ops, c);
	if (c->relay == NULL) {
		tcp_conn_abort(c, "refused");
		return (1);
	}
	return (0);
}

/* TIME_WAIT: answer a retransmitted FIN; a new SYN starts over. */
static void
tcp_timewait_input(struct tcp_conn *c, struct ipin *in,
    const struct tcp_seg *seg)
{
	struct tcp_seg	 s = *seg;

	if (seg->flags & TH_RST)
		return;		/* RFC 1337: no assassination */
	if ((seg->flags & (TH_SYN | TH_ACK)) == TH_SYN &&
	    SEQ_GT(seg->seq, c->rcv_nxt)) {
		tcp_conn_free(c, "closed");
		tcp_listen_input(in, &s);
		return;
	}
	if (seg->flags & TH_FIN) {
		tcp_conn_ack(c);
		tcp_timer_update(c, 1);
	}
}

static void
tcp_conn_input(struct tcp_conn *c, struct ipin *in, const struct tcp_seg *seg)
{
	struct tcp_text	 t;
	int		 rv;

	tcp_conn_touch(c);
	if (c->state == TCPS_TIME_WAIT) {
		tcp_timewait_input(c, in, seg);
		return;
	}
	if (c->state == TCPS_SYN_RECEIVED &&
	    tcp_synrcvd_input(c, in, seg) != 0)
		return;
	if (tcp_trim(c, seg, &t) == -1) {
		if (!(seg->flags & TH_RST))
			tcp_conn_ack(c);
		return;
	}
	if (seg->flags & TH_RST) {
		tcp_rst_input(c, in, seg);
		return;
	}
	if (seg->flags & TH_SYN) {
		/* RFC 5961 4.2 challenges it; RFC 793 resets. */
		if (personality_challenge_ack(in->host, in->tmpl))
			tcp_conn_ack(c);
		else
			tcp_conn_abort(c, "syn");
		return;
	}
	if (!(seg->flags & TH_ACK))
		return;
	if (c->ts_ok && seg->has & TCP_HAS_TS &&
	    SEQ_LEQ(seg->seq, c->rcv_nxt))
		c->ts_recent = seg->tsval;
	if ((rv = tcp_ack_input(c, seg)) != 0) {
		if (rv == -1)
			tcp_conn_output(c);
		return;
	}
	tcp_text_input(c, &t);
	tcp_conn_output(c);
	tcp_timer_update(c, 0);
}

/* The service or proxy closed its output: our FIN after the data. */
static void
tcp_conn_close(struct tcp_conn *c)
{
	if (c->fin_pending)
		return;
	c->fin_pending = 1;
	if (c->state == TCPS_ESTABLISHED)
		tcp_set_state(c, TCPS_FIN_WAIT_1);
	else if (c->state == TCPS_CLOSE_WAIT)
		tcp_set_state(c, TCPS_LAST_ACK);
	tcp_conn_output(c);
	tcp_timer_update(c, 0);
}

/* Room in the send buffer for the service's output. */
static size_t
tcp_conn_room(const struct tcp_conn *c)
{
	if (c->fin_pending)
		return (0);
	return (tcp_ring_space(&c->sndbuf));
}

/* The service wrote: queue it and send what the windows allow. */
static void
tcp_conn_send(struct tcp_conn *c, const uint8_t *data, size_t len)
{
	if (c->fin_pending)
		return;
	tcp_ring_write(&c->sndbuf, data, len);
	tcp_conn_output(c);
	tcp_timer_update(c, 0);
}

/*
 * The service took data: tell the peer when the window opened enough
 * to matter (RFC 1122 4.2.3.3: by a segment or half the buffer).
 */
static void
tcp_conn_drained(struct tcp_conn *c)
{
	size_t		 queued = relay_queued(c->relay);
	uint32_t	 right, grow;

	if (queued >= TCP_RCVBUF || c->rcv_fin)
		return;
	right = c->rcv_nxt + (TCP_RCVBUF - queued);
	grow = SEQ_GT(right, c->rcv_adv) ? right - c->rcv_adv : 0;
	if (grow >= 2U * TCP_MAX_DATA || grow >= TCP_RCVBUF / 2) {
		c->ack_now = 1;
		tcp_conn_output(c);
	}
}

static size_t
tcp_relay_room(void *arg)
{
	return (tcp_conn_room(arg));
}

static void
tcp_relay_input(void *arg, const uint8_t *data, size_t len)
{
	tcp_conn_send(arg, data, len);
}

static void
tcp_relay_eof(void *arg)
{
	tcp_conn_close(arg);
}

static void
tcp_relay_error(void *arg, const char *reason)
{
	tcp_conn_abort(arg, reason);
}

static void
tcp_relay_drained(void *arg)
{
	tcp_conn_drained(arg);
}

/* SYN+ACK unanswered: resend as the host's family does, then forget. */
static void
tcp_timeout_synack(struct tcp_conn *c)
{
	struct ipin	 in;
	int		 ms;

	if (tcp_conn_ipin(c, &in) == -1 ||
	    (ms = personality_synack_rto(in.host, in.tmpl, ++c->rexmits)) ==
	    -1) {
		engine->stats.tcp_timeouts++;
		tcp_conn_free(c, "timeout");
		return;
	}
	(void)tcp_send_synack(c, &in, NULL);
	tcp_timer_set(c, TT_SYNACK, ms);
}

/*
 * Retransmission timeout: back off, shrink the congestion window to a
 * segment and go back to the first unacknowledged byte.  A peer that
 * acknowledges nothing for TCP_MAX_REXMIT rounds is given up.
 */
static void
tcp_timeout_rexmit(struct tcp_conn *c)
{
	if (++c->rexmits > TCP_MAX_REXMIT) {
		engine->stats.tcp_timeouts++;
		tcp_conn_abort(c, "timeout");
		return;
	}
	engine->stats.tcp_rto++;
	tcp_cwnd_loss(c);
	c->cwnd = c->mss;
	c->in_recovery = 0;
	c->dupacks = 0;
	c->recover = c->snd_max;
	c->sacked.n = 0;
	c->rtt_timing = 0;
	c->rto_ms = c->rto_ms * 2 > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS :
	    c->rto_ms * 2;
	c->snd_nxt = c->snd_una;
	engine->stats.tcp_rexmits++;
	tcp_conn_output_force(c, c->snd_wnd == 0);
	tcp_timer_update(c, 1);
}

/* The probe: new data if there is some, else the last segment again. */
static void
tcp_timeout_tlp(struct tcp_conn *c)
{
	uint32_t	 nxt = c->snd_nxt, last;
	size_t		 len;

	c->tlp_sent = 1;
	engine->stats.tcp_tlp++;
	/*
	 * Data SACKed above the first hole, and two round trips without
	 * news: that hole is lost (RFC 8985's reasoning), recover now; in
	 * recovery already, its retransmission was lost: once more.
	 */
	if (c->in_recovery && c->sacked.n > 0) {
		tcp_conn_rexmit(c, c->snd_una, c->sacked.r[0][0]);
		tcp_timer_set(c, TT_REXMIT, c->rto_ms);
		return;
	}
	if (c->sacked.n > 0 && !SEQ_LT(c->snd_una, c->recover)) {
		tcp_enter_recovery(c);
		tcp_timer_set(c, TT_REXMIT, c->rto_ms);
		return;
	}
	tcp_conn_output(c);
	if (c->snd_nxt == nxt) {
		len = c->snd_max - c->snd_una - (c->fin_sent ? 1 : 0);
		last = len > c->mss ? c->snd_una + len - c->mss : c->snd_una;
		tcp_conn_rexmit(c, last, c->snd_max);
	}
	tcp_timer_set(c, TT_REXMIT, c->rto_ms);
}

/* Zero window: probe it with one byte, backing off. */
static void
tcp_timeout_persist(struct tcp_conn *c)
{
	if (++c->rexmits > TCP_MAX_REXMIT) {
		engine->stats.tcp_timeouts++;
		tcp_conn_abort(c, "timeout");
		return;
	}
	c->rto_ms = c->rto_ms * 2 > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS :
	    c->rto_ms * 2;
	tcp_conn_output_force(c, 1);
	tcp_timer_update(c, 1);
}

static void
tcp_timeout(int fd, short event, void *arg)
{
	struct tcp_conn	*c = arg;
	uint32_t	 idle;

	switch (c->timer_kind) {
	case TT_SYNACK:
		tcp_timeout_synack(c);
		return;
	case TT_REXMIT:
		tcp_timeout_rexmit(c);
		return;
	case TT_TLP:
		tcp_timeout_tlp(c);
		return;
	case TT_PERSIST:
		tcp_timeout_persist(c);
		return;
	case TT_IDLE:
		if ((idle = tcp_ms_since(&c->active)) < TCP_IDLE_MS) {
			tcp_timer_set(c, TT_IDLE, TCP_IDLE_MS - idle);
			return;
		}
		engine->stats.tcp_timeouts++;
		tcp_conn_abort(c, "idle");
		return;
	case TT_FINWAIT2:
		engine->stats.tcp_timeouts++;
		tcp_conn_free(c, "timeout");
		return;
	case TT_TIMEWAIT:
		engine->stats.tcp_closed++;
		tcp_conn_free(c, "closed");
		return;
	}
}

/* The tarpit's next segment is due. */
static void
tcp_pace(int fd, short event, void *arg)
{
	struct tcp_conn	*c = arg;

	tcp_conn_output(c);
	tcp_timer_update(c, 0);
}

/* Drop every connection (shutdown). */
void
tcp_flush(void)
{
	struct tcp_conn	*c;
	size_t		 i, n = tcp_hash != NULL ? 1UL << tcp_hash_bits : 0;

	for (i = 0; i < n; i++)
		while ((c = tcp_hash[i]) != NULL)
			tcp_conn_free(c, "shutdown");
}

static const char *
tcp_state_name(enum tcp_state st)
{
	static const char	*names[] = {
		"SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK",
		"FIN_WAIT_1", "FIN_WAIT_2", "CLOSING", "TIME_WAIT",
	};

	if ((size_t)st >= sizeof(names) / sizeof(names[0]))
		return ("?");
	return (names[st]);
}

/*
 * "show connections": the connection after *after in the table's order,
 * in r; 1 and *after is it, or 0 at the end.  The order is the hash's:
 * by chain, and within a chain by tuple (flow_cmp), so the cursor is a
 * tuple as it was with a tree.  A first *after of zeros (no TCP tuple)
 * starts at the first chain.  A call may pass many empty chains: a
 * listing is rare, and walks the table once in all.  XXX a reload that
 * resizes the table reorders it, and a listing across it may miss or
 * repeat connections.
 */
int
tcp_ctl_next(struct tuple *after, struct ctlrec *r)
{
	struct tcp_conn	*c, *best = NULL;
	struct flow	 key;
	size_t		 i, n = 1UL << tcp_hash_bits;
	int		 all = after->proto == 0;

	if (tcp_hash == NULL)
		return (0);
	memset(&key, 0, sizeof(key));
	key.tuple = *after;
	for (i = all ? 0 : tcp_hash_slot(after); i < n && best == NULL;
	    i++, all = 1)
		for (c = tcp_hash[i]; c != NULL; c = c->hnext)
			if ((all || flow_cmp(&c->flow, &key) > 0) &&
			    (best == NULL || flow_cmp(&c->flow,
			    &best->flow) < 0))
				best = c;
	if ((c = best) == NULL)
		return (0);
	ctl_flow_record(r, &c->flow.tuple, tcp_state_name(c->state),
	    c->bytes_in, c->bytes_out, &c->started, c->tmpl_name);
	*after = c->flow.tuple;
	return (1);
}
