/*
 * Parent: safe proxy ARP.  An address on the sensor's own link is
 * claimed (answered in ARP, sent from with our MAC) only while no other
 * machine there uses it:
 *
 *   - lazily, the first time honeyd would answer ARP for it or send
 *     from it, it is probed as RFC 5227 does (a request with sender
 *     0.0.0.0), ARPG_PROBES times ARPG_PROBE_MS apart; the answer is
 *     held meanwhile (and the engine's first packet from it) and sent
 *     once the last wait passed in silence;
 *   - any ARP from another MAC with that sender address (request,
 *     reply, gratuitous), or another machine's probe for it, withdraws
 *     the claim at once: logged, counted and sent to the engine for
 *     the JSON log;
 *   - a withdrawn address stays so until its owner was silent in ARP
 *     for "option arp conflict_timeout" seconds; then it is probed
 *     again before it is claimed;
 *   - "option arp silence N" claims an address only after it was
 *     asked for in ARP for N seconds with no answer from anyone (as
 *     Honeyd's arpd companion did), and then probes it.
 *
 * The state lives in a table of at most ARPG_MAX addresses, created on
 * demand, the least recently used evicted: an evicted address starts
 * over, so it is probed (or watched) again before it is claimed.
 * Addresses that are not on an interface's subnet are behind a router
 * as far as the link can tell, and are not guarded.
 *
 * The same table and the same probe guard the IPv6 addresses, for
 * ndp.c (the functions named guard6_*): one Duplicate Address
 * Detection probe (RFC 4862 5.4) of NDP_PROBE_MS instead of ARP's,
 * an advertisement instead of an ARP reply, the ndp_* counters.  What
 * differs is decided in ndp.c: which Neighbor Discovery means another
 * node has an address.  IPv6 has no "silence" mode, holds no packet
 * while it probes, and probes only an address a neighbour solicited:
 * see ndp.c for why that is the on-link test there.
 *
 * Each probe start puts two ARP broadcasts (one Neighbor Solicitation)
 * on the link, so a neighbour asking for thousands of distinct claimed
 * addresses a second would have honeyd multiply its flood onto the
 * LAN.  Probe starts are therefore rationed ("option arp probe_rate"
 * and "probe_burst"): a request or the engine's packet that would start
 * one when none may start is not answered (sent), starts nothing, and
 * is counted (probe_limited); the neighbour asks again, as ARP and ND
 * clients do.  Addresses already claimed are answered at any rate.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dumbnet.h>

#include "honeyd.h"

enum arpg_state {
	ARPG_WATCH,		/* dynamic: asked for, waiting for silence */
	ARPG_PROBE,		/* probing: not answered yet */
	ARPG_CLAIMED,		/* ours */
	ARPG_WITHDRAWN,		/* another machine's */
};

struct arpg {
	RB_ENTRY(arpg)		 entry;
	TAILQ_ENTRY(arpg)	 lru;
	int			 family;	/* AF_INET, AF_INET6 */
	uint32_t		 addr;		/* host order; IPv4 */
	struct in6_addr		 addr6;		/* IPv6 */
	enum arpg_state		 state;
	int64_t			 since;		/* ms; WATCH: first asked
						   for; WITHDRAWN: owner
						   last heard */
	int			 iface;		/* PROBE: where */
	int			 probes;	/* PROBE: sent */
	struct event		*ev;		/* PROBE: the next step */
	uint8_t			 owner[ETH_ADDR_LEN]; /* WITHDRAWN */
	/* PROBE: a request to answer if the probe finds it free. */
	int			 pending;
	uint8_t			 pend_mac[ETH_ADDR_LEN];
	uint32_t		 pend_spa;
	struct in6_addr		 pend_src6;
	int			 pend_group6;	/* asked at a group */
	/* PROBE: the engine's first packet from it, sent if claimed. */
	uint8_t			*held;
	size_t			 held_len;
};

RB_HEAD(arpg_tree, arpg);
TAILQ_HEAD(arpg_lru, arpg);

static int
arpg_cmp(const struct arpg *a, const struct arpg *b)
{
	if (a->family != b->family)
		return (a->family < b->family ? -1 : 1);
	if (a->family == AF_INET6)
		return (memcmp(&a->addr6, &b->addr6, sizeof(a->addr6)));
	return (a->addr < b->addr ? -1 : a->addr > b->addr);
}

RB_GENERATE_STATIC(arpg_tree, arpg, entry, arpg_cmp)

static struct arpg_tree	 arpg_tree = RB_INITIALIZER(&arpg_tree);
static struct arpg_lru	 arpg_lru = TAILQ_HEAD_INITIALIZER(arpg_lru);
static size_t		 arpg_count;
static int		 arpg_silence;	/* s of silence; 0: off */
static int		 arpg_timeout = ARPG_CONFLICT_TIMEOUT;
static size_t		 arpg_held_bytes;	/* all entries' held */
static int		 arpg_rate = ARPG_PROBE_RATE;	/* 0: unlimited */
static int		 arpg_burst = ARPG_PROBE_BURST;
/*
 * One bucket per interface, not one for the parent: the flood lands on
 * the link it came from, so that is what each bucket protects, and a
 * neighbour flooding one link must not keep the sensor from claiming
 * addresses on another.  The parent's total is at most HONEYD_MAX_IFACES
 * times the rate.  IPv4 and IPv6 starts share the interface's bucket.
 */
static struct tokbucket	 arpg_buckets[HONEYD_MAX_IFACES];

static void	 arpg_probe_step(int, short, void *);

/* Milliseconds of a clock that never jumps. */
static int64_t
arpg_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Install "option arp silence N" (dynamic claims: 0 off, else seconds
 * of silence) and "option arp conflict_timeout N", checked by the
 * parser.
 */
void
arpguard_config(const struct honeyd_config *conf)
{
	arpg_silence = conf->opts.arp_silence;
	arpg_timeout = conf->opts.arp_conflict_timeout;
	arpg_rate = conf->opts.arp_probe_rate;
	arpg_burst = conf->opts.arp_probe_burst;
}

/*
 * Take a token from b, which holds at most burst and gains rate a
 * second, at now_ms (a monotonic clock): 1 if there was one, 0 if not.
 * A rate of 0 is no limit.  A bucket never used is full.  Thousandths
 * of a token keep a low rate exact between calls a millisecond apart.
 */
int
tokbucket_take(struct tokbucket *b, int rate, int burst, int64_t now_ms)
{
	int64_t	 full = (int64_t)burst * 1000, dt;

	if (rate <= 0)
		return (1);
	if (!b->primed) {
		b->primed = 1;
		b->level = full;
	} else if ((dt = now_ms - b->stamp) > 0) {
		/*
		 * rate >= 1, so dt >= full already refills it: that test
		 * first keeps dt * rate from overflowing after days.
		 */
		if (dt >= full)
			b->level = full;
		else
			b->level += dt * rate;
	}
	b->stamp = now_ms;
	if (b->level > full)
		b->level = full;	/* burst lowered by a reload */
	if (b->level < 1000)
		return (0);
	b->level -= 1000;
	return (1);
}

/*
 * Whether a probe may start on ifp now; if not, the request (or
 * packet) that wanted it is counted and left unanswered.
 */
static int
arpg_may_start(const struct iface *ifp)
{
	if (ifp->index < 0 || ifp->index >= HONEYD_MAX_IFACES ||
	    tokbucket_take(&arpg_buckets[ifp->index], arpg_rate, arpg_burst,
	    arpg_now()))
		return (1);
	parent->stats.probe_limited++;
	return (0);
}

static void
arpg_unhold(struct arpg *e)
{
	free(e->held);
	arpg_held_bytes -= e->held_len;
	e->held = NULL;
	e->held_len = 0;
}

static void
arpg_free(struct arpg *e)
{
	RB_REMOVE(arpg_tree, &arpg_tree, e);
	TAILQ_REMOVE(&arpg_lru, e, lru);
	if (e->ev != NULL)
		event_free(e->ev);
	arpg_unhold(e);
	free(e);
	arpg_count--;
}

void
arpguard_flush(void)
{
	struct arpg	*e;

	while ((e = TAILQ_FIRST(&arpg_lru)) != NULL)
		arpg_free(e);
	memset(arpg_buckets, 0, sizeof(arpg_buckets));
}

size_t
arpguard_count(void)
{
	return (arpg_count);
}

/* The key of an address of either family. */
static void
arpg_key(struct arpg *key, int family, uint32_t addr,
    const struct in6_addr *addr6)
{
	memset(key, 0, sizeof(*key));
	key->family = family;
	if (family == AF_INET6)
		key->addr6 = *addr6;
	else
		key->addr = addr;
}

/* key's entry, now the most recently used, or NULL. */
static struct arpg *
arpg_lookup(const struct arpg *key)
{
	struct arpg	*e;

	if ((e = RB_FIND(arpg_tree, &arpg_tree, (struct arpg *)key)) != NULL) {
		TAILQ_REMOVE(&arpg_lru, e, lru);
		TAILQ_INSERT_HEAD(&arpg_lru, e, lru);
	}
	return (e);
}

static struct arpg *
arpg_find(uint32_t addr)
{
	struct arpg	 key;

	arpg_key(&key, AF_INET, addr, NULL);
	return (arpg_lookup(&key));
}

/*
 * A new entry for key, making room if the table is full; NULL if out of
 * memory.
 */
static struct arpg *
arpg_add(const struct arpg *key, enum arpg_state state)
{
	struct arpg	*e;

	if (arpg_count >= ARPG_MAX) {
		if (key->family == AF_INET6)
			parent->stats.ndp_evicted++;
		else
			parent->stats.arp_evicted++;
		arpg_free(TAILQ_LAST(&arpg_lru, arpg_lru));
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	e->family = key->family;
	e->addr = key->addr;
	e->addr6 = key->addr6;
	e->state = state;
	e->since = arpg_now();
	RB_INSERT(arpg_tree, &arpg_tree, e);
	TAILQ_INSERT_HEAD(&arpg_lru, e, lru);
	arpg_count++;
	return (e);
}

static struct arpg *
arpg_new(uint32_t addr, enum arpg_state state)
{
	struct arpg	 key;

	arpg_key(&key, AF_INET, addr, NULL);
	return (arpg_add(&key, state));
}

/* Whether a frame from mac with sender spa is one of ours. */
static int
arpg_ours(const uint8_t *mac, uint32_t spa)
{
	uint8_t	 own[ETH_ADDR_LEN];
	int	 i;

	for (i = 0; i < parent->nifaces; i++) {
		if (memcmp(mac, parent->ifaces[i].mac, ETH_ADDR_LEN) == 0)
			return (1);
		if (spa != 0 && ether_host_mac(&parent->ifaces[i], spa, own) &&
		    memcmp(mac, own, ETH_ADDR_LEN) == 0)
			return (1);
	}
	return (0);
}

/* Start probing e on ifp; a request may wait for the outcome. */
static void
arpg_probe_start(struct arpg *e, struct iface *ifp, const uint8_t *sha,
    uint32_t spa)
{
	e->state = ARPG_PROBE;
	e->iface = ifp->index;
	e->probes = 0;
	e->pending = 0;
	if (sha != NULL) {
		e->pending = 1;
		memcpy(e->pend_mac, sha, ETH_ADDR_LEN);
		e->pend_spa = spa;
	}
	if (e->ev == NULL &&
	    (e->ev = evtimer_new(parent->base, arpg_probe_step, e)) == NULL) {
		/* Cannot time it: not claimed, try again on the next use. */
		log_warnx("arp probe: cannot add a timer");
		arpg_free(e);
		return;
	}
	if (e->family == AF_INET)
		parent->stats.arp_probes++;
	arpg_probe_step(-1, 0, e);
}

/* The probe's count and wait: RFC 5227's for ARP, RFC 4862's for IPv6. */
static int
arpg_nprobes(const struct arpg *e)
{
	return (e->family == AF_INET6 ? 1 : ARPG_PROBES);
}

static int
arpg_probe_ms(const struct arpg *e)
{
	return (e->family == AF_INET6 ? NDP_PROBE_MS : ARPG_PROBE_MS);
}

/* The probe went unanswered: answer the request that waited for it. */
static void
arpg_answer(struct arpg *e, struct iface *ifp)
{
	if (!e->pending)
		return;
	e->pending = 0;
	if (e->family == AF_INET6) {
		ndp_advertise(ifp, &e->addr6, e->pend_mac, &e->pend_src6,
		    e->pend_group6);
		return;
	}
	arp_reply(ifp, e->addr, e->pend_mac, e->pend_spa);
	parent->stats.arp_replies++;
}

/* Send the next probe, or after the last wait, claim the address. */
static void
arpg_probe_step(int fd, short event, void *arg)
{
	struct arpg	*e = arg;
	struct iface	*ifp = &parent->ifaces[e->iface];
	struct timeval	 tv;
	uint8_t		*pkt;
	size_t		 len;
	char		 a[INET6_ADDRSTRLEN];

	if (e->probes < arpg_nprobes(e)) {
		if (e->family == AF_INET6)
			ndp_probe(ifp, &e->addr6);
		else
			arp_probe(ifp, e->addr);
		e->probes++;
		tv.tv_sec = arpg_probe_ms(e) / 1000;
		tv.tv_usec = (arpg_probe_ms(e) % 1000) * 1000;
		evtimer_add(e->ev, &tv);
		return;
	}
	event_free(e->ev);
	e->ev = NULL;
	e->state = ARPG_CLAIMED;
	if (e->family == AF_INET6)
		addr6_fmt(&e->addr6, a, sizeof(a));
	else
		addr_fmt(e->addr, a, sizeof(a));
	log_debug("%s: nobody answered our probes; claimed", a);
	arpg_answer(e, ifp);
	if (e->held != NULL) {
		/* Claimed now: wire_output lets it through. */
		pkt = e->held;
		len = e->held_len;
		e->held = NULL;
		e->held_len = 0;
		arpg_held_bytes -= len;
		wire_output(pkt, len);
		free(pkt);
	}
}

/* Tell the engine, for the JSON log. */
static void
arpg_event(uint32_t addr, const uint8_t *mac, int was)
{
	struct arp_conflict	 c;

	memset(&c, 0, sizeof(c));
	c.addr = addr;
	memcpy(c.mac, mac, ETH_ADDR_LEN);
	c.was = was;
	if (parent->engine != NULL)
		(void)imsgev_compose(parent->engine, IMSG_ARP_CONFLICT, 0, 0,
		    -1, &c, sizeof(c));
}

/* Another machine uses e's address: it is not ours from now on. */
static void
arpg_withdraw(struct arpg *e, const uint8_t *mac)
{
	char	 a[INET_ADDRSTRLEN], m[ETH_ADDR_LEN * 3];
	int	 was = e->state;

	if (e->ev != NULL) {
		event_free(e->ev);
		e->ev = NULL;
	}
	e->state = ARPG_WITHDRAWN;
	e->pending = 0;
	if (e->held != NULL) {
		parent->stats.out_withdrawn++;
		arpg_unhold(e);
	}
	e->since = arpg_now();
	memcpy(e->owner, mac, ETH_ADDR_LEN);
	addr_fmt(e->addr, a, sizeof(a));
	eth_ntop((const eth_addr_t *)mac, m, sizeof(m));
	if (was != ARPG_CLAIMED && was != ARPG_PROBE) {
		log_debug("%s is used by %s; not claiming it", a, m);
		return;
	}
	parent->stats.arp_conflicts++;
	log_info("%s is used by %s; no longer answering ARP for it%s", a, m,
	    was == ARPG_PROBE ? " (it answered our probe)" : "");
	arpg_event(e->addr, mac, was == ARPG_CLAIMED ? ARP_CONFLICT_CLAIMED :
	    ARP_CONFLICT_PROBING);
}

/*
 * Every ARP frame seen on the link.  A sender address we claim, probe
 * or watch, from a MAC not ours, is another machine's; so is one that
 * machine probes for (sender 0.0.0.0): it is about to take it, and
 * defending it would keep a real machine off its own address.
 */
void
arpguard_observe(struct iface *ifp, int op, const uint8_t *sha,
    uint32_t spa, uint32_t tpa)
{
	struct arpg	*e;
	uint32_t	 addr;

	if (spa != 0)
		addr = spa;
	else if (op == ARP_OP_REQUEST)
		addr = tpa;
	else
		return;
	if (!claim_contains(&parent->claimed, addr) || arpg_ours(sha, spa))
		return;
	if ((e = arpg_find(addr)) == NULL) {
		/* Only a use counts: a probe alone takes nothing yet. */
		if (spa == 0 || (e = arpg_new(addr, ARPG_WITHDRAWN)) == NULL)
			return;
	}
	if (e->state == ARPG_WITHDRAWN &&
	    memcmp(e->owner, sha, ETH_ADDR_LEN) == 0) {
		e->since = arpg_now();
		return;
	}
	if (spa == 0 && e->state != ARPG_CLAIMED && e->state != ARPG_PROBE)
		return;
	arpg_withdraw(e, sha);
}

/* A withdrawn address whose owner was quiet long enough starts over. */
static int
arpg_expired(struct arpg *e)
{
	return (e->state == ARPG_WITHDRAWN &&
	    arpg_now() - e->since >= (int64_t)arpg_timeout * 1000);
}

/*
 * Whether to answer a request for tpa from sha/spa on ifp now.  On the
 * first one the address is probed (or, dynamic, watched); a request
 * that starts a probe is answered when the probe finds it free.
 */
int
arpguard_may_answer(struct iface *ifp, uint32_t tpa, const uint8_t *sha,
    uint32_t spa)
{
	struct arpg	*e;

	/* Another machine's probe: it wants the address; let it have it. */
	if (spa == 0)
		return (0);
	if ((e = arpg_find(tpa)) != NULL && arpg_expired(e)) {
		arpg_free(e);
		e = NULL;
	}
	if (e == NULL) {
		/* Watching sends nothing; probing must wait its turn. */
		if (!arpg_silence && !arpg_may_start(ifp))
			return (0);
		if ((e = arpg_new(tpa, arpg_silence ? ARPG_WATCH :
		    ARPG_PROBE)) == NULL)
			return (0);
		if (!arpg_silence)
			arpg_probe_start(e, ifp, sha, spa);
		return (0);
	}
	switch (e->state) {
	case ARPG_CLAIMED:
		return (1);
	case ARPG_WATCH:
		/* Asked for again, and nobody answered all this time. */
		if (arpg_now() - e->since >= (int64_t)arpg_silence * 1000 &&
		    arpg_may_start(ifp))
			arpg_probe_start(e, ifp, sha, spa);
		return (0);
	case ARPG_PROBE:
		/* The latest asker gets the held answer. */
		e->pending = 1;
		memcpy(e->pend_mac, sha, ETH_ADDR_LEN);
		e->pend_spa = spa;
		return (0);
	case ARPG_WITHDRAWN:
		break;
	}
	parent->stats.arp_withheld++;
	return (0);
}

/*
 * While probing, keep the engine's first packet from e's address, if
 * it fits the budget: an attacker with a stale ARP entry, or a static
 * one, is answered a second late rather than not at all.
 */
static void
arpg_hold(struct arpg *e, const uint8_t *pkt, size_t len)
{
	if (e->held != NULL || len > ARPG_HOLD_LEN ||
	    arpg_held_bytes + len > ARPG_HOLD_MAX ||
	    (e->held = malloc(len)) == NULL) {
		parent->stats.out_withdrawn++;
		return;
	}
	memcpy(e->held, pkt, len);
	e->held_len = len;
	arpg_held_bytes += len;
	parent->stats.out_held++;
}

/*
 * Whether the engine's packet pkt from src may go out with our MAC now.
 * Only an on-link source is guarded.  The first packet from an unknown
 * one starts a probe (not with "option arp silence": only ARP requests
 * claim there) and is held until it ends; others are dropped and
 * counted (out_withdrawn).
 */
int
arpguard_may_send(struct iface *ifp, uint32_t src, const uint8_t *pkt,
    size_t len)
{
	struct arpg	*e;

	if ((e = arpg_find(src)) != NULL && arpg_expired(e)) {
		arpg_free(e);
		e = NULL;
	}
	if (e == NULL && !arpg_silence && arpg_may_start(ifp) &&
	    (e = arpg_new(src, ARPG_PROBE)) != NULL) {
		arpg_probe_start(e, ifp, NULL, 0);
		/* It may have failed and freed e. */
		e = arpg_find(src);
	}
	if (e != NULL && e->state == ARPG_CLAIMED)
		return (1);
	if (e != NULL && e->state == ARPG_PROBE)
		arpg_hold(e, pkt, len);
	else
		parent->stats.out_withdrawn++;
	return (0);
}

/* IPv6, for ndp.c. */

static struct arpg *
arpg_find6(const struct in6_addr *a)
{
	struct arpg	 key;

	arpg_key(&key, AF_INET6, 0, a);
	return (arpg_lookup(&key));
}

/* a's entry, made (to be probed) if there was none; NULL without memory. */
static struct arpg *
arpg_get6(const struct in6_addr *a)
{
	struct arpg	 key, *e;

	arpg_key(&key, AF_INET6, 0, a);
	if ((e = arpg_lookup(&key)) != NULL)
		return (e);
	return (arpg_add(&key, ARPG_PROBE));
}

/*
 * Another node uses a, at mac (ndp.c saw it advertise or probe for a,
 * or speak from it): withdrawn until it is silent long.
 */
void
guard6_conflict(const struct in6_addr *a, const uint8_t *mac)
{
	struct arpg	*e;
	char		 buf[INET6_ADDRSTRLEN];

	if ((e = arpg_get6(a)) == NULL)
		return;
	if (e->state != ARPG_WITHDRAWN) {
		parent->stats.ndp_conflicts++;
		log_info("%s is used by %02x:%02x:%02x:%02x:%02x:%02x: not "
		    "claimed", addr6_fmt(a, buf, sizeof(buf)), mac[0], mac[1],
		    mac[2], mac[3], mac[4], mac[5]);
	}
	if (e->ev != NULL) {
		event_free(e->ev);
		e->ev = NULL;
	}
	e->state = ARPG_WITHDRAWN;
	e->pending = 0;
	e->since = arpg_now();
	memcpy(e->owner, mac, ETH_ADDR_LEN);
}

/*
 * A solicitation for target, a claimed address, from src at mac on
 * ifp, to a multicast group if group (ndp_advertise() says why that
 * matters): answer it now, once the probe its first one starts finds it
 * free, or not while another node has it.
 */
void
guard6_solicited(struct iface *ifp, const struct in6_addr *target,
    const uint8_t *mac, const struct in6_addr *src, int group)
{
	struct arpg	*e;

	parent->stats.ndp_solicits++;
	if ((e = arpg_find6(target)) == NULL || arpg_expired(e)) {
		if (!arpg_may_start(ifp))
			return;
		if (e == NULL && (e = arpg_get6(target)) == NULL)
			return;
		arpg_probe_start(e, ifp, NULL, 0);
		/* The timer could not be had: e is gone, ask again. */
		if (arpg_find6(target) == NULL)
			return;
	}
	switch (e->state) {
	case ARPG_CLAIMED:
		ndp_advertise(ifp, target, mac, src, group);
		return;
	case ARPG_PROBE:
		/* The latest asker gets the held answer. */
		e->pending = 1;
		memcpy(e->pend_mac, mac, ETH_ADDR_LEN);
		e->pend_src6 = *src;
		e->pend_group6 = group;
		break;
	case ARPG_WATCH:
	case ARPG_WITHDRAWN:
		break;
	}
	parent->stats.ndp_withheld++;
}

/* Whether the engine may send from a: not while another node has it. */
int
guard6_may_send(const struct in6_addr *a)
{
	struct arpg	 key, *e;

	arpg_key(&key, AF_INET6, 0, a);
	e = RB_FIND(arpg_tree, &arpg_tree, &key);
	return (e == NULL || e->state != ARPG_WITHDRAWN || arpg_expired(e));
}
