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
	uint32_t		 addr;		/* host order */
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
	/* PROBE: the engine's first packet from it, sent if claimed. */
	uint8_t			*held;
	size_t			 held_len;
};

RB_HEAD(arpg_tree, arpg);
TAILQ_HEAD(arpg_lru, arpg);

static int
arpg_cmp(const struct arpg *a, const struct arpg *b)
{
	return (a->addr < b->addr ? -1 : a->addr > b->addr);
}

RB_GENERATE_STATIC(arpg_tree, arpg, entry, arpg_cmp)

static struct arpg_tree	 arpg_tree = RB_INITIALIZER(&arpg_tree);
static struct arpg_lru	 arpg_lru = TAILQ_HEAD_INITIALIZER(arpg_lru);
static size_t		 arpg_count;
static int		 arpg_silence;	/* s of silence; 0: off */
static int		 arpg_timeout = ARPG_CONFLICT_TIMEOUT;
static size_t		 arpg_held_bytes;	/* all entries' held */

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
}

size_t
arpguard_count(void)
{
	return (arpg_count);
}

/* The entry for addr, now the most recently used, or NULL. */
static struct arpg *
arpg_find(uint32_t addr)
{
	struct arpg	 key, *e;

	key.addr = addr;
	if ((e = RB_FIND(arpg_tree, &arpg_tree, &key)) != NULL) {
		TAILQ_REMOVE(&arpg_lru, e, lru);
		TAILQ_INSERT_HEAD(&arpg_lru, e, lru);
	}
	return (e);
}

/* A new entry, making room if the table is full; NULL if out of memory. */
static struct arpg *
arpg_new(uint32_t addr, enum arpg_state state)
{
	struct arpg	*e;

	if (arpg_count >= ARPG_MAX) {
		parent->stats.arp_evicted++;
		arpg_free(TAILQ_LAST(&arpg_lru, arpg_lru));
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	e->addr = addr;
	e->state = state;
	e->since = arpg_now();
	RB_INSERT(arpg_tree, &arpg_tree, e);
	TAILQ_INSERT_HEAD(&arpg_lru, e, lru);
	arpg_count++;
	return (e);
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
	parent->stats.arp_probes++;
	arpg_probe_step(-1, 0, e);
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
	char		 a[INET_ADDRSTRLEN];

	if (e->probes < ARPG_PROBES) {
		arp_probe(ifp, e->addr);
		e->probes++;
		tv.tv_sec = ARPG_PROBE_MS / 1000;
		tv.tv_usec = (ARPG_PROBE_MS % 1000) * 1000;
		evtimer_add(e->ev, &tv);
		return;
	}
	event_free(e->ev);
	e->ev = NULL;
	e->state = ARPG_CLAIMED;
	log_debug("%s: nobody answered our probes; claimed",
	    addr_fmt(e->addr, a, sizeof(a)));
	if (e->pending) {
		e->pending = 0;
		arp_reply(ifp, e->addr, e->pend_mac, e->pend_spa);
		parent->stats.arp_replies++;
	}
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
		if (arpg_now() - e->since >= (int64_t)arpg_silence * 1000)
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
	if (e == NULL && !arpg_silence &&
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
