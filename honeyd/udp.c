/*
 * Engine: UDP.  A port's action decides: block is silence, reset is an
 * ICMP port unreachable quoting the datagram (what lets traceroute and
 * nmap -sU see a closed port), open swallows the datagram (unless a
 * subsystem is bound there: sublisten.c gives it to the program).  A
 * command or proxy makes a flow per 4-tuple: its datagrams go to the service's
 * stdin (one after the other, as a byte stream) or to the proxied
 * socket (one send each), and every read from the service's stdout, or
 * datagram from the proxied socket, goes back to the peer as one
 * datagram of at most UDP_DGRAM_MAX bytes (longer ones are cut;
 * UDP_DGRAM_MAX6 over IPv6, which ip6.c hands over alike).
 *
 * Flows end when their service or socket closes, after UDP_IDLE_MS
 * without a datagram either way, or when UDP_FLOW_MAX flows exist and
 * a new one needs the place of the least recently used.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <sys/tree.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"

#define UDP_FLOW_MAX		1024
#define UDP_IDLE_MS		60000
#define UDP_DGRAM_MAX		1472	/* fills a 1500 byte frame */
#define UDP_DGRAM_MAX6		(IPFRAG_MTU - 48) /* ... over IPv6 */
#define UDP_QUEUE_MAX		16384	/* bytes waiting for the service */

struct udp_flow {
	RB_ENTRY(udp_flow)	 entry;
	TAILQ_ENTRY(udp_flow)	 lru;
	struct flow		 flow;		/* tuple, host, template */
	uint32_t		 id;
	struct relay		*relay;
	struct event		*timer;
	struct timeval		 started, active;
	uint64_t		 bytes_in, bytes_out;
};

RB_HEAD(udp_tree, udp_flow);
TAILQ_HEAD(udp_lru, udp_flow);

static struct udp_tree	 udp_flows = RB_INITIALIZER(&udp_flows);
static struct udp_lru	 udp_lru = TAILQ_HEAD_INITIALIZER(udp_lru);
static size_t		 udp_nflows;

static size_t	 udp_relay_room(void *);
static void	 udp_relay_input(void *, const uint8_t *, size_t);
static void	 udp_relay_eof(void *);
static void	 udp_relay_error(void *, const char *);
static void	 udp_relay_drained(void *);
static void	 udp_timeout(int, short, void *);

static const struct relay_ops udp_relay_ops = {
	udp_relay_room,
	udp_relay_input,
	udp_relay_eof,
	udp_relay_error,
	udp_relay_drained,
};

static int
udp_flow_cmp(struct udp_flow *a, struct udp_flow *b)
{
	return (flow_cmp(&a->flow, &b->flow));
}

RB_GENERATE_STATIC(udp_tree, udp_flow, entry, udp_flow_cmp)

static void
udp_flow_free(struct udp_flow *f, const char *reason)
{
	eventlog_flow_end(&f->flow.tuple, f->id, f->bytes_in, f->bytes_out,
	    &f->started, reason);
	if (f->relay != NULL)
		relay_free(f->relay);
	RB_REMOVE(udp_tree, &udp_flows, f);
	TAILQ_REMOVE(&udp_lru, f, lru);
	event_free(f->timer);
	host_unref(f->flow.host);
	free(f);
	udp_nflows--;
}

/* Open UDP flows (the fuzzer checks none outlives its input). */
size_t
udp_count(void)
{
	return (udp_nflows);
}

static void
udp_flow_touch(struct udp_flow *f)
{
	event_base_gettimeofday_cached(engine->base, &f->active);
	TAILQ_REMOVE(&udp_lru, f, lru);
	TAILQ_INSERT_TAIL(&udp_lru, f, lru);
}

static struct udp_flow *
udp_flow_new(struct ipin *in, const struct tuple *tp,
    const struct action *act)
{
	struct udp_flow	*f;
	struct timeval	 tv;

	if (udp_nflows >= UDP_FLOW_MAX)
		udp_flow_free(TAILQ_FIRST(&udp_lru), "evicted");
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->timer = evtimer_new(engine->base, udp_timeout, f)) == NULL) {
		free(f);
		return (NULL);
	}
	flow_init(&f->flow, tp, in);
	f->id = relay_newid();
	event_base_gettimeofday_cached(engine->base, &f->started);
	f->active = f->started;
	if ((f->relay = relay_new(f->id, act->kind, tp, in->tmpl->name,
	    &udp_relay_ops, f)) == NULL) {
		event_free(f->timer);
		free(f);
		return (NULL);
	}
	if (act->kind == ACTION_PROXY)
		relay_set_dgram(f->relay);
	host_ref(f->flow.host);
	RB_INSERT(udp_tree, &udp_flows, f);
	TAILQ_INSERT_TAIL(&udp_lru, f, lru);
	udp_nflows++;
	engine->stats.udp_flows++;
	eventlog_flow_start(tp, f->id, in->len, in->tmpl, act);
	tv.tv_sec = UDP_IDLE_MS / 1000;
	tv.tv_usec = 0;
	evtimer_add(f->timer, &tv);
	return (f);
}

/* A datagram for a command or proxy: to its flow, made if need be. */
static void
udp_flow_input(struct ipin *in, const struct tuple *tp,
    const struct action *act)
{
	struct udp_flow	 key, *f;
	size_t		 len = in->l4len - UDP_HDR_LEN;

	key.flow.tuple = *tp;
	if ((f = RB_FIND(udp_tree, &udp_flows, &key)) == NULL &&
	    (f = udp_flow_new(in, tp, act)) == NULL)
		return;
	udp_flow_touch(f);
	/* A service that does not read loses datagrams, as a socket would. */
	if (relay_queued(f->relay) + len <= UDP_QUEUE_MAX &&
	    relay_write(f->relay, in->l4 + UDP_HDR_LEN, len) == 0)
		f->bytes_in += len;
	else
		engine->stats.udp_dropped++;
}

void
udp_input(struct ipin *in)
{
	const struct udp_hdr	*uh = (const struct udp_hdr *)in->l4;
	const struct action	*act;
	struct tuple		 tp;

	flow_tuple(&tp, IPPROTO_UDP, in, ntohs(uh->uh_sport),
	    ntohs(uh->uh_dport));
	act = template_action(in->tmpl, IP_PROTO_UDP, tp.dport);
	switch (act->kind) {
	case ACTION_BLOCK:
		eventlog_probe(&tp, in->len, 0, "filtered");
		if (in->v6)
			engine->stats.udp6_drop++;
		break;
	case ACTION_RESET:
		eventlog_probe(&tp, in->len, 0, "closed");
		if (in->v6)
			ip6_port_unreach(in);
		else
			icmp_send_unreach(in, ICMP_UNREACH_PORT);
		break;
	case ACTION_PROHIBIT:
		eventlog_probe(&tp, in->len, 0, "filtered");
		icmp_send_prohibited(in);
		break;
	case ACTION_COMMAND:
	case ACTION_PROXY:
		udp_flow_input(in, &tp, act);
		break;
	default:
		eventlog_probe(&tp, in->len, 0, "open");
		/* A subsystem bound there takes it. */
		if (act->kind == ACTION_OPEN)
			(void)sublisten_udp_input(in, &tp);
		break;
	}
}

/*
 * One datagram over IPv6: the checksum is mandatory (RFC 8200 8.1), a
 * sum of zero goes as all ones.
 */
static void
udp_send6(struct udp_flow *f, const struct template *t, const uint8_t *data,
    size_t len)
{
	uint8_t			 pkt[IP6_HDR_LEN + UDP_HDR_LEN +
				    UDP_DGRAM_MAX6];
	struct ip6_hdr		*ip6 = (struct ip6_hdr *)pkt;
	struct udp_hdr		*uh;
	const struct tuple	*tp = &f->flow.tuple;
	uint16_t		 sum;

	if (len > UDP_DGRAM_MAX6)
		len = UDP_DGRAM_MAX6;
	uh = (struct udp_hdr *)(pkt + IP6_HDR_LEN);
	memset(ip6, 0, IP6_HDR_LEN);
	ip6->ip6_nxt = IP_PROTO_UDP;
	memcpy(&ip6->ip6_src, &tp->dst6, sizeof(tp->dst6));
	memcpy(&ip6->ip6_dst, &tp->src6, sizeof(tp->src6));
	udp_pack_hdr(uh, tp->dport, tp->sport, UDP_HDR_LEN + len);
	memcpy(uh + 1, data, len);
	uh->uh_sum = 0;
	sum = ip6_cksum(&tp->dst6, &tp->src6, IP_PROTO_UDP, uh,
	    UDP_HDR_LEN + len);
	if (sum == 0)
		sum = 0xffff;
	memcpy(&uh->uh_sum, &sum, sizeof(sum));
	f->bytes_out += len;
	ip6_output(t, pkt, IP6_HDR_LEN + UDP_HDR_LEN + len);
}

/* One datagram from the virtual host to the peer. */
static void
udp_send(struct udp_flow *f, const uint8_t *data, size_t len)
{
	uint8_t			 pkt[IP_HDR_LEN + UDP_HDR_LEN + UDP_DGRAM_MAX];
	struct udp_hdr		*uh = (struct udp_hdr *)(pkt + IP_HDR_LEN);
	const struct tuple	*tp = &f->flow.tuple;
	const struct template	*t;
	size_t			 plen;

	if ((t = flow_template(&f->flow)) == NULL)
		return;
	if (tp->v6) {
		udp_send6(f, t, data, len);
		return;
	}
	if (len > UDP_DGRAM_MAX)
		len = UDP_DGRAM_MAX;
	plen = IP_HDR_LEN + UDP_HDR_LEN + len;
	ip_pack_hdr(pkt, 0, plen, 0, 0, 0, IP_PROTO_UDP, htonl(tp->dst),
	    htonl(tp->src));
	udp_pack_hdr(uh, tp->dport, tp->sport, UDP_HDR_LEN + len);
	memcpy(uh + 1, data, len);
	f->bytes_out += len;
	ip_output(f->flow.host, t, pkt, plen, OUT_UDP);
}

static size_t
udp_relay_room(void *arg)
{
	return (UDP_DGRAM_MAX);
}

static void
udp_relay_input(void *arg, const uint8_t *data, size_t len)
{
	struct udp_flow	*f = arg;

	udp_flow_touch(f);
	udp_send(f, data, len);
}

static void
udp_relay_eof(void *arg)
{
	udp_flow_free(arg, "closed");
}

static void
udp_relay_error(void *arg, const char *reason)
{
	udp_flow_free(arg, reason);
}

static void
udp_relay_drained(void *arg)
{
}

static void
udp_timeout(int fd, short event, void *arg)
{
	struct udp_flow	*f = arg;
	struct timeval	 now, d, tv;
	uint32_t	 idle;

	event_base_gettimeofday_cached(engine->base, &now);
	timersub(&now, &f->active, &d);
	idle = d.tv_sec < 0 ? 0 : d.tv_sec * 1000 + d.tv_usec / 1000;
	if (idle < UDP_IDLE_MS) {
		tv.tv_sec = (UDP_IDLE_MS - idle) / 1000;
		tv.tv_usec = ((UDP_IDLE_MS - idle) % 1000) * 1000;
		evtimer_add(f->timer, &tv);
		return;
	}
	udp_flow_free(f, "timeout");
}

/* Drop every flow (shutdown). */
void
udp_flush(void)
{
	struct udp_flow	*f;

	while ((f = RB_MIN(udp_tree, &udp_flows)) != NULL)
		udp_flow_free(f, "shutdown");
}

/* "show connections": as tcp_ctl_next, for UDP flows. */
int
udp_ctl_next(struct tuple *after, struct ctlrec *r)
{
	struct udp_flow	 key, *f;

	key.flow.tuple = *after;
	if ((f = RB_NFIND(udp_tree, &udp_flows, &key)) != NULL &&
	    flow_cmp(&f->flow, &key.flow) == 0)
		f = RB_NEXT(udp_tree, &udp_flows, f);
	if (f == NULL)
		return (0);
	ctl_flow_record(r, &f->flow.tuple, "FLOW", f->bytes_in,
	    f->bytes_out, &f->started, f->flow.tmpl != NULL &&
	    f->flow.tmpl_gen == engine->generation ? f->flow.tmpl->name : NULL);
	*after = f->flow.tuple;
	return (1);
}
