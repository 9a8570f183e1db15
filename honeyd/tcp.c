/*
 * Engine: TCP.  A connection table keyed by the 4-tuple, the three-way
 * handshake, teardown by FIN or RST from the peer, and RFC 793 resets
 * for segments that belong to no connection.  Ports follow the
 * template: block is silence, reset answers RST, open accepts.
 *
 * Every segment is built by tcp_output(): the personality decides the
 * window, options and whether an odd probe is answered at all.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "personality.h"
#include "tcp.h"

RB_HEAD(tcp_tree, tcp_conn);

static struct tcp_tree	 tcp_conns = RB_INITIALIZER(&tcp_conns);
static struct tcp_lru	 tcp_embryonic = TAILQ_HEAD_INITIALIZER(tcp_embryonic);
static struct tcp_lru	 tcp_active = TAILQ_HEAD_INITIALIZER(tcp_active);
static size_t		 tcp_nconns, tcp_nembryonic;

static void	 tcp_conn_input(struct tcp_conn *, struct ipin *,
		    const struct tcp_seg *);
static void	 tcp_listen_input(struct ipin *, const struct tcp_seg *);
static void	 tcp_stray(struct ipin *, const struct tcp_seg *, int);
static void	 tcp_timeout(int, short, void *);

static int
tcp_conn_cmp(struct tcp_conn *a, struct tcp_conn *b)
{
	if (a->laddr != b->laddr)
		return (a->laddr < b->laddr ? -1 : 1);
	if (a->raddr != b->raddr)
		return (a->raddr < b->raddr ? -1 : 1);
	if (a->lport != b->lport)
		return (a->lport < b->lport ? -1 : 1);
	if (a->rport != b->rport)
		return (a->rport < b->rport ? -1 : 1);
	return (0);
}

RB_GENERATE_STATIC(tcp_tree, tcp_conn, entry, tcp_conn_cmp)

void
tcp_init(void)
{
}

/* Parse the header and the options a peer offers. */
static void
tcp_parse(struct ipin *in, struct tcp_seg *seg)
{
	const struct tcp_hdr	*th = (const struct tcp_hdr *)in->l4;
	const uint8_t		*opt = in->l4 + TCP_HDR_LEN;
	size_t			 hlen = th->th_off * 4, i, olen;

	memset(seg, 0, sizeof(*seg));
	seg->th = th;
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
	struct tcp_conn		 key, *c;

	tcp_parse(in, &seg);
	key.laddr = in->dst;
	key.raddr = in->src;
	key.lport = seg.dport;
	key.rport = seg.sport;
	if ((c = RB_FIND(tcp_tree, &tcp_conns, &key)) != NULL)
		tcp_conn_input(c, in, &seg);
	else
		tcp_listen_input(in, &seg);
}

/*
 * Build and send one segment from a virtual host.  Addresses and ports
 * are given from the host's point of view.
 */
void
tcp_output(struct host *h, const struct template *t, uint32_t laddr,
    uint32_t raddr, const struct tcp_reply *r, enum out_kind kind)
{
	uint8_t		 pkt[IP_HDR_LEN + TCP_HDR_LEN_MAX + TCP_MAX_DATA];
	struct tcp_hdr	*th = (struct tcp_hdr *)(pkt + IP_HDR_LEN);
	size_t		 hlen = TCP_HDR_LEN + ((r->optlen + 3) & ~3U);
	size_t		 len = IP_HDR_LEN + hlen + r->dlen;

	if (r->optlen > TCP_OPT_LEN_MAX || r->dlen > TCP_MAX_DATA)
		return;
	ip_pack_hdr(pkt, 0, len, 0, 0, 0, IP_PROTO_TCP, htonl(laddr),
	    htonl(raddr));
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
		memcpy(pkt + IP_HDR_LEN + hlen, r->data, r->dlen);
	if (r->flags & TH_RST)
		engine->stats.tcp_rst++;
	ip_output(h, t, pkt, len, kind);
}

/* A reply to segment "seg" of "in", from the host's side. */
static void
tcp_reply_init(struct tcp_reply *r, const struct tcp_seg *seg)
{
	memset(r, 0, sizeof(*r));
	r->sport = seg->dport;
	r->dport = seg->sport;
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
	tcp_output(in->host, in->tmpl, in->dst, in->src, &r,
	    closed ? OUT_TCP_CLOSED : OUT_TCP);
}

/* A segment for no connection: the port's action decides. */
static void
tcp_listen_input(struct ipin *in, const struct tcp_seg *seg)
{
	const struct action	*act;

	act = template_action(in->tmpl, IP_PROTO_TCP, seg->dport);
	switch (act->kind) {
	case ACTION_BLOCK:
		return;
	case ACTION_RESET:
		tcp_send_reset(in, seg, 1);
		return;
	default:
		break;
	}
	if ((seg->flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN)
		tcp_conn_open(in, seg, act);
	else
		tcp_stray(in, seg, 0);
}

/* Odd segments to an open port: nmap's T2-T4 ask how a stack copes. */
static void
tcp_stray(struct ipin *in, const struct tcp_seg *seg, int closed)
{
	tcp_send_reset(in, seg, closed);
}

static void
tcp_conn_link(struct tcp_conn *c)
{
	if (c->state == TCPS_SYN_RECEIVED) {
		TAILQ_INSERT_TAIL(&tcp_embryonic, c, lru);
		tcp_nembryonic++;
	} else
		TAILQ_INSERT_TAIL(&tcp_active, c, lru);
}

static void
tcp_conn_unlink(struct tcp_conn *c)
{
	if (c->state == TCPS_SYN_RECEIVED) {
		TAILQ_REMOVE(&tcp_embryonic, c, lru);
		tcp_nembryonic--;
	} else
		TAILQ_REMOVE(&tcp_active, c, lru);
}

void
tcp_conn_free(struct tcp_conn *c)
{
	tcp_conn_unlink(c);
	RB_REMOVE(tcp_tree, &tcp_conns, c);
	if (c->timer != NULL)
		event_free(c->timer);
	host_unref(c->host);
	free(c);
	tcp_nconns--;
	engine->stats.tcp_conns_active = tcp_nconns;
}

/*
 * Make room for a new connection.  Half-open ones are capped on their
 * own, so a SYN flood only ever evicts half-open connections and
 * established ones keep their place.
 */
static int
tcp_make_room(void)
{
	struct tcp_conn	*victim = NULL;

	if (tcp_nembryonic >= TCP_EMBRYONIC_MAX)
		victim = TAILQ_FIRST(&tcp_embryonic);
	else if (tcp_nconns >= TCP_CONN_MAX)
		victim = TAILQ_FIRST(&tcp_embryonic) != NULL ?
		    TAILQ_FIRST(&tcp_embryonic) : TAILQ_FIRST(&tcp_active);
	if (victim == NULL)
		return (0);
	engine->stats.tcp_conns_evicted++;
	tcp_conn_free(victim);
	return (0);
}

static void
tcp_timer_set(struct tcp_conn *c, int msec)
{
	struct timeval	 tv;

	tv.tv_sec = msec / 1000;
	tv.tv_usec = (msec % 1000) * 1000;
	evtimer_add(c->timer, &tv);
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
	r.sport = c->lport;
	r.dport = c->rport;
	r.seq = c->iss;
	r.ack = c->rcv_nxt;
	r.flags = TH_SYN | TH_ACK;
	r.conn = c;
	if (personality_tcp_reply(in, seg, TCP_R_SYNACK, &r) == -1)
		return (-1);
	c->snd_wscale = r.wscale;
	c->ts_ok = r.ts_ok;
	engine->stats.tcp_synack++;
	tcp_output(in->host, in->tmpl, c->laddr, c->raddr, &r, OUT_TCP);
	return (0);
}

void
tcp_conn_open(struct ipin *in, const struct tcp_seg *seg,
    const struct action *act)
{
	struct tcp_conn	*c;

	/* SYN+FIN (nmap's T3): the personality answers, if at all. */
	if (seg->flags & TH_FIN && !personality_tcp_synfin_ok(in)) {
		tcp_stray(in, seg, 0);
		return;
	}
	tcp_make_room();
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	c->laddr = in->dst;
	c->raddr = in->src;
	c->lport = seg->dport;
	c->rport = seg->sport;
	c->host = in->host;
	c->action = act->kind;
	c->state = TCPS_SYN_RECEIVED;
	c->irs = seg->seq;
	c->rcv_nxt = seg->seq + 1;
	c->iss = personality_tcp_isn(in->host, in->tmpl);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->peer_mss = seg->has & TCP_HAS_MSS ? seg->mss : 536;
	c->peer_has = seg->has;
	c->rcv_wscale = seg->has & TCP_HAS_WSCALE ? seg->wscale : 0;
	c->ts_recent = seg->tsval;
	/* The personality may decline: then no state is kept at all. */
	if (tcp_send_synack(c, in, seg) == -1 ||
	    (c->timer = evtimer_new(engine->base, tcp_timeout, c)) == NULL) {
		free(c);
		return;
	}
	host_ref(c->host);
	RB_INSERT(tcp_tree, &tcp_conns, c);
	tcp_conn_link(c);
	tcp_nconns++;
	engine->stats.tcp_conns++;
	engine->stats.tcp_conns_active = tcp_nconns;
	tcp_timer_set(c, TCP_SYNACK_RTO_MS);
}

static void
tcp_set_state(struct tcp_conn *c, enum tcp_state state)
{
	tcp_conn_unlink(c);
	c->state = state;
	tcp_conn_link(c);
}

/* An ACK (and maybe FIN) from the host's side of a connection. */
static void
tcp_conn_ack(struct tcp_conn *c, struct ipin *in, uint8_t flags)
{
	struct tcp_reply	 r;
	const struct tcp_seg	*none = NULL;

	memset(&r, 0, sizeof(r));
	r.sport = c->lport;
	r.dport = c->rport;
	r.seq = c->snd_nxt;
	r.ack = c->rcv_nxt;
	r.flags = flags;
	r.conn = c;
	if (personality_tcp_reply(in, none, TCP_R_CONN, &r) == -1)
		return;
	tcp_output(c->host, in->tmpl, c->laddr, c->raddr, &r, OUT_TCP);
}

/* Is seq within what we are willing to receive? */
static int
tcp_seq_acceptable(const struct tcp_conn *c, const struct tcp_seg *seg)
{
	return (SEQ_GEQ(seg->seq, c->rcv_nxt) &&
	    SEQ_LT(seg->seq, c->rcv_nxt + TCP_RCV_WINDOW));
}

static void
tcp_conn_input(struct tcp_conn *c, struct ipin *in, const struct tcp_seg *seg)
{
	if (seg->flags & TH_RST) {
		/* RFC 5961: only an exact RST kills the connection. */
		if (seg->seq == c->rcv_nxt ||
		    (c->state == TCPS_SYN_RECEIVED && tcp_seq_acceptable(c,
		    seg)))
			tcp_conn_free(c);
		return;
	}
	if (seg->flags & TH_SYN) {
		if (c->state == TCPS_SYN_RECEIVED && seg->seq == c->irs &&
		    !(seg->flags & TH_ACK)) {
			/* The peer retransmitted its SYN. */
			(void)tcp_send_synack(c, in, seg);
			return;
		}
		/* RFC 5961 challenge ACK instead of a reset. */
		tcp_conn_ack(c, in, TH_ACK);
		return;
	}
	if (!(seg->flags & TH_ACK))
		return;
	if (c->state == TCPS_SYN_RECEIVED) {
		if (seg->ack != c->snd_nxt) {
			tcp_send_reset(in, seg, 0);
			return;
		}
		c->snd_una = seg->ack;
		tcp_set_state(c, TCPS_ESTABLISHED);
		evtimer_del(c->timer);
		tcp_timer_set(c, TCP_IDLE_MS);
	} else if (SEQ_GT(seg->ack, c->snd_una) &&
	    SEQ_LEQ(seg->ack, c->snd_nxt))
		c->snd_una = seg->ack;

	if (c->state == TCPS_LAST_ACK && c->snd_una == c->snd_nxt) {
		tcp_conn_free(c);
		return;
	}
	tcp_conn_data(c, in, seg);
}

/*
 * Data and FIN from the peer.  In order only: anything else is
 * answered with an ACK of what we have, never merged into the stream.
 */
void
tcp_conn_data(struct tcp_conn *c, struct ipin *in, const struct tcp_seg *seg)
{
	int	 fin = (seg->flags & TH_FIN) != 0;

	if (seg->dlen == 0 && !fin)
		return;
	if (seg->seq != c->rcv_nxt || c->state == TCPS_LAST_ACK) {
		tcp_conn_ack(c, in, TH_ACK);
		return;
	}
	c->rcv_nxt += seg->dlen;
	c->bytes_in += seg->dlen;
	if (c->ts_ok && seg->has & TCP_HAS_TS)
		c->ts_recent = seg->tsval;
	TAILQ_REMOVE(&tcp_active, c, lru);
	TAILQ_INSERT_TAIL(&tcp_active, c, lru);
	if (!fin) {
		tcp_conn_ack(c, in, TH_ACK);
		tcp_timer_set(c, TCP_IDLE_MS);
		return;
	}
	/* Peer closed: acknowledge and close our side at once. */
	c->rcv_nxt++;
	tcp_set_state(c, TCPS_LAST_ACK);
	c->rexmits = 0;
	tcp_conn_ack(c, in, TH_FIN | TH_ACK);
	c->snd_nxt++;
	tcp_timer_set(c, TCP_FIN_RTO_MS);
}

/* Retransmit our SYN+ACK or FIN a few times, then give up. */
static void
tcp_timeout(int fd, short event, void *arg)
{
	struct tcp_conn		*c = arg;
	struct ipin		 in;
	struct tcp_reply	 r;

	if (c->state == TCPS_ESTABLISHED || ++c->rexmits > TCP_MAX_REXMIT) {
		tcp_conn_free(c);
		return;
	}
	memset(&in, 0, sizeof(in));
	in.host = c->host;
	in.dst = c->laddr;
	in.src = c->raddr;
	if ((in.tmpl = config_lookup(engine->conf, c->laddr, c->raddr)) ==
	    NULL) {
		tcp_conn_free(c);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.sport = c->lport;
	r.dport = c->rport;
	r.ack = c->rcv_nxt;
	r.conn = c;
	if (c->state == TCPS_SYN_RECEIVED) {
		r.seq = c->iss;
		r.flags = TH_SYN | TH_ACK;
		if (personality_tcp_reply(&in, NULL, TCP_R_SYNACK, &r) == 0)
			tcp_output(c->host, in.tmpl, c->laddr, c->raddr, &r,
			    OUT_TCP);
		tcp_timer_set(c, TCP_SYNACK_RTO_MS << c->rexmits);
	} else {
		r.seq = c->snd_nxt - 1;
		r.flags = TH_FIN | TH_ACK;
		if (personality_tcp_reply(&in, NULL, TCP_R_CONN, &r) == 0)
			tcp_output(c->host, in.tmpl, c->laddr, c->raddr, &r,
			    OUT_TCP);
		tcp_timer_set(c, TCP_FIN_RTO_MS << c->rexmits);
	}
}

/* Drop every connection (shutdown). */
void
tcp_flush(void)
{
	struct tcp_conn	*c;

	while ((c = RB_MIN(tcp_tree, &tcp_conns)) != NULL)
		tcp_conn_free(c);
}
