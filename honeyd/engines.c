/*
 * Parent: engines on every core (-e N).
 *
 * The parent hands each captured IPv4 frame to one engine, chosen by
 * the address of the virtual host it is for (the destination), so one
 * host's state, clocks and connections live in one engine and no state
 * is shared between engines.  engine_for_addr() is the one place that
 * chooses.
 *
 * Routing topologies ("route" statements) are not sharded: every
 * address a topology routes (its routers, their networks and
 * gateways, the local ends of its tunnels; of IPv6 topologies too,
 * engine_for_addr6()) belongs to engine 0.  A
 * packet into a topology crosses routers and links whose queues, loss
 * and delays are state of the whole tree, not of one host; held in one
 * engine they stay exact, as with a single engine.  The same holds for
 * what the bound machines of a topology send (FRAME_EXT frames) and for
 * DHCP clients, whose address changes with their lease: engine 0 runs
 * them and receives their frames.
 *
 * Counters: "show status" and "show stats" are served by engine 0,
 * which holds the control socket; the parent asks the other engines for
 * their tallies (IMSG_ENGINE_TALLY_REQ) and, once all answered or died,
 * hands engine 0 their sum (IMSG_CTL_ENGINES) with its own record.  At
 * exit each engine sends its tally last, and the parent logs the sum.
 * Listings of what lives in the engines (hosts, connections, services)
 * go on from engine 0 to engines 1..N-1: the parent passes the cursor
 * (IMSG_CTL_LIST_MORE) and brings back each part (IMSG_CTL_LIST_PART).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"

struct gather {
	TAILQ_ENTRY(gather)	 entry;
	uint32_t		 id;
	uint32_t		 peerid;	/* engine 0's client */
	unsigned int		 waiting;	/* engines yet to answer */
	unsigned int		 have;		/* ... that answered */
	struct engine_tally	 t[ENGINES_MAX];
};
TAILQ_HEAD(gathers, gather);

static struct gathers	 gathers = TAILQ_HEAD_INITIALIZER(gathers);

/* A listing part asked of an engine: moved on if that engine dies. */
struct listing {
	TAILQ_ENTRY(listing)	 entry;
	uint32_t		 peerid;	/* engine 0's client */
	struct ctl_cursor	 k;
};
TAILQ_HEAD(listings, listing);

static struct listings	 listings = TAILQ_HEAD_INITIALIZER(listings);
static uint32_t		 gather_lastid;
static struct engine_tally exit_sum;
static int		 exit_tallies;

static void	 gather_done(struct gather *);
static void	 listing_forward(struct listing *);

/* One engine per online core, at most ENGINES_DEFAULT_MAX. */
int
engines_default(void)
{
	long	 n;

	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return (1);
	return (n > ENGINES_DEFAULT_MAX ? ENGINES_DEFAULT_MAX : (int)n);
}

/*
 * The engine of the virtual host at addr (host order); NULL while it
 * is being restarted.  Consecutive addresses are spread by a
 * multiplicative hash, so a scan of a network loads every engine.
 */
struct imsgev *
engine_for_addr(uint32_t addr)
{
	uint32_t	 h;

	if (parent->nengines <= 1 || claim_contains(&parent->pinned, addr))
		return (parent->engines[0]);
	h = addr * 2654435761U;
	return (parent->engines[(h >> 16) % (uint32_t)parent->nengines]);
}

/*
 * The engine of the IPv6 host at a: engine 0 for an address of an IPv6
 * topology, else by the fold its state is kept under (host_get6()).
 */
struct imsgev *
engine_for_addr6(const struct in6_addr *a)
{
	if (parent->nengines > 1 && claim6_contains(&parent->pinned, a))
		return (parent->engines[0]);
	return (engine_for_addr(addr6_fold(a)));
}

/* The engine that made connection id (relay_newid): it gets the answer. */
struct imsgev *
engine_by_id(uint32_t id)
{
	uint32_t	 i = id >> ENGINE_ID_SHIFT;

	if (i >= (uint32_t)parent->nengines)
		return (NULL);
	return (parent->engines[i]);
}

/*
 * Does t run a subsystem shared by its hosts?  Its UDP sockets are
 * read by the engine that holds them, which must hold the hosts' flows.
 */
static int
engines_shared_subsys(const struct template *t)
{
	const struct tmpl_subsys	*ts;

	if (t == NULL)
		return (0);
	TAILQ_FOREACH(ts, &t->subsystems, entry)
		if (ts->flags & SUBSYS_F_SHARED)
			return (1);
	return (0);
}

/*
 * The addresses that belong to engine 0 whatever their hash: those of
 * the routing topology, the hosts of templates with a shared subsystem
 * (IPv4's and IPv6's; all, for the default template), and cs (the
 * DHCP clients' leases), which is used up.
 */
void
engines_pin(const struct honeyd_config *conf, struct claimset *leases)
{
	const struct route_conf	*r;
	struct claimset		 cs = *leases;
	size_t			 i;

	claim_init(leases);
	if (conf != NULL && engines_shared_subsys(config_find_template(conf,
	    "default")) && claim_add(&cs, 0, UINT32_MAX) == -1)
		goto fail;
	for (i = 0; conf != NULL && i < conf->nbinds; i++)
		if (engines_shared_subsys(conf->binds[i].tmpl) &&
		    claim_add(&cs, conf->binds[i].lo, conf->binds[i].hi) == -1)
			goto fail;
	for (i = 0; conf != NULL && i < conf->nbinds6; i++)
		if (engines_shared_subsys(conf->binds6[i].tmpl) &&
		    claim6_add(&cs, &conf->binds6[i].net,
		    conf->binds6[i].plen) == -1)
			goto fail;
	if (conf != NULL)
		TAILQ_FOREACH(r, &conf->routes, entry)
			if (config_route_addrs(r, &cs) == -1)
				goto fail;
	claim_normalize(&cs);
	claim_clear(&parent->pinned);
	parent->pinned = cs;
	return;
 fail:
	/* Out of memory: everything to engine 0 is still correct. */
	claim_clear(&cs);
	claim_clear(&parent->pinned);
	claim_init(&parent->pinned);
	(void)claim_add(&parent->pinned, 0, UINT32_MAX);
}

/*
 * Engine 0 asks for the parent's status for its client peerid: the
 * other engines' tallies are gathered first.
 */
void
engines_gather(uint32_t peerid)
{
	struct gather	*g;
	int		 i;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		fatal("gather");
	if (++gather_lastid == 0)
		gather_lastid = 1;
	g->id = gather_lastid;
	g->peerid = peerid;
	TAILQ_INSERT_TAIL(&gathers, g, entry);
	for (i = 1; i < parent->nengines; i++) {
		if (parent->engines[i] == NULL ||
		    imsgev_compose(parent->engines[i], IMSG_ENGINE_TALLY_REQ,
		    g->id, 0, -1, NULL, 0) == -1)
			continue;
		g->waiting |= 1U << i;
	}
	if (g->waiting == 0)
		gather_done(g);
}

/* IMSG_ENGINE_TALLY from engine index: for a gather, or its last. */
void
engines_tally(int index, struct imsg *imsg)
{
	struct engine_tally	 t;
	struct gather		*g;
	unsigned int		 bit = 1U << index;

	if (imsg_get_data(imsg, &t, sizeof(t)) == -1)
		fatalx("bad tally from engine %d", index);
	t.index = index;
	if (imsg->hdr.peerid == 0) {
		engines_exit_tally(index, &t);
		return;
	}
	TAILQ_FOREACH(g, &gathers, entry)
		if (g->id == imsg->hdr.peerid)
			break;
	if (g == NULL || (g->waiting & bit) == 0)
		return;
	g->t[index] = t;
	g->have |= bit;
	g->waiting &= ~bit;
	if (g->waiting == 0)
		gather_done(g);
}

/*
 * Engine 0 carries a listing on in the other engines: the cursor goes
 * to the one it names, or to the next that runs; past the last, the
 * answer is the end.
 */
void
engines_list_more(struct imsg *imsg)
{
	struct listing	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("listing");
	if (imsg_get_data(imsg, &l->k, sizeof(l->k)) == -1)
		fatalx("bad listing request from engine 0");
	l->peerid = imsg->hdr.peerid;
	TAILQ_INSERT_TAIL(&listings, l, entry);
	listing_forward(l);
}

static void
listing_next_engine(struct ctl_cursor *k)
{
	k->engine++;
	k->cur = k->start;
	k->cur_id = 0;
	k->udp_phase = 0;
	memset(&k->cur_tuple, 0, sizeof(k->cur_tuple));
}

static void
listing_forward(struct listing *l)
{
	while (l->k.engine > 0 && l->k.engine < parent->nengines) {
		if (parent->engines[l->k.engine] != NULL &&
		    imsgev_compose(parent->engines[l->k.engine],
		    IMSG_CTL_LIST_MORE, l->peerid, 0, -1, &l->k,
		    sizeof(l->k)) == 0)
			return;
		listing_next_engine(&l->k);
	}
	l->k.engine = -1;
	if (parent->engine != NULL)
		(void)imsgev_compose(parent->engine, IMSG_CTL_LIST_PART,
		    l->peerid, 0, -1, &l->k, sizeof(l->k));
	TAILQ_REMOVE(&listings, l, entry);
	free(l);
}

/* A part of a listing, from the engine it was asked of, to engine 0. */
void
engines_list_part(struct imsg *imsg)
{
	struct ctl_cursor	 k;
	struct listing		*l;
	struct iovec		 iov[2];
	size_t			 len = imsg_get_len(imsg);

	if (len < sizeof(k))
		fatalx("bad listing part");
	memcpy(&k, imsg->data, sizeof(k));
	TAILQ_FOREACH(l, &listings, entry)
		if (l->peerid == imsg->hdr.peerid)
			break;
	if (l == NULL)
		return;
	TAILQ_REMOVE(&listings, l, entry);
	free(l);
	if (k.engine >= parent->nengines)
		k.engine = -1;
	if (parent->engine == NULL)
		return;
	/* The records as they are; the cursor with the end made plain. */
	iov[0].iov_base = &k;
	iov[0].iov_len = sizeof(k);
	iov[1].iov_base = (uint8_t *)imsg->data + sizeof(k);
	iov[1].iov_len = len - sizeof(k);
	if (imsgev_composev(parent->engine, IMSG_CTL_LIST_PART,
	    imsg->hdr.peerid, 0, -1, iov, 2) == -1)
		log_warn("control: listing part");
}

/* Engine index died: gathers waiting for it go on without it. */
void
engines_gone(int index)
{
	struct gather	*g, *next;
	struct listing	*l, *lnext;
	unsigned int	 bit = 1U << index;

	for (l = TAILQ_FIRST(&listings); l != NULL; l = lnext) {
		lnext = TAILQ_NEXT(l, entry);
		if (index == 0) {
			/* Its clients are gone with it. */
			TAILQ_REMOVE(&listings, l, entry);
			free(l);
		} else if (l->k.engine == index) {
			listing_next_engine(&l->k);
			listing_forward(l);
		}
	}

	for (g = TAILQ_FIRST(&gathers); g != NULL; g = next) {
		next = TAILQ_NEXT(g, entry);
		if ((g->waiting & bit) == 0)
			continue;
		g->waiting &= ~bit;
		if (g->waiting == 0)
			gather_done(g);
	}
}

static void
gather_done(struct gather *g)
{
	TAILQ_REMOVE(&gathers, g, entry);
	control_parent_answer(g->peerid, g->t, g->have);
	free(g);
}

void
engines_exit_tally(int index, const struct engine_tally *t)
{
	tally_add(&exit_sum, t);
	exit_tallies++;
}

/* At exit, with several engines: their counters summed, one log. */
void
engines_log_total(void)
{
	if (parent->nengines <= 1 || exit_tallies == 0)
		return;
	log_info("engine counters, summed over %d engines:", exit_tallies);
	/* As one engine's lines, which scripts read. */
	log_procinit("engine");
	stats_log(stats_engine, stats_engine_n, &exit_sum.stats);
	log_procinit("parent");
}
