/*
 * Engine: per virtual host state.  Templates are shared; what must
 * differ between hosts (IP ID counters, ISN and timestamp clocks) lives
 * here, created on a host's first packet, so memory grows with the
 * hosts that received traffic, not with the addresses bound.  The table
 * is bounded ("option hosts max", HOST_MAX_DEFAULT): when full, the
 * least recently used host that no connection holds is forgotten, as if
 * it had rebooted (counted in hosts_evicted).  A host a connection holds
 * is never forgotten; if the oldest HOST_EVICT_SCAN are all held, the
 * new host's packet is dropped (drop_nohost).
 */

#include <sys/types.h>
#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "fingerprint.h"

RB_HEAD(host_tree, host);
TAILQ_HEAD(host_lru, host);

static struct host_tree	 hosts = RB_INITIALIZER(&hosts);
static struct host_lru	 host_lru = TAILQ_HEAD_INITIALIZER(host_lru);
static size_t		 host_n, host_max;

static struct host	*host_find_make(struct host *);

/* How far from the old end to look for a host nobody holds. */
#define HOST_EVICT_SCAN		64

/*
 * IPv6 hosts share the table, its bound and its eviction: they sort
 * after every IPv4 host, by the folded address and then the address.
 */
static int
host_cmp(struct host *a, struct host *b)
{
	if (a->v6 != b->v6)
		return (a->v6 < b->v6 ? -1 : 1);
	if (a->addr != b->addr)
		return (a->addr < b->addr ? -1 : 1);
	return (a->v6 ? memcmp(&a->addr6, &b->addr6, sizeof(a->addr6)) : 0);
}

RB_GENERATE_STATIC(host_tree, host, entry, host_cmp)

void
host_init(size_t max)
{
	host_max = max;
}

/*
 * A new bound, from the configuration being installed.  A smaller one
 * than the hosts now known takes effect as new hosts arrive: each
 * forgets old ones until the table fits.
 */
void
host_reconf(const struct honeyd_config *conf)
{
	host_max = conf->opts.hosts_max;
}

static void
host_free(struct host *h)
{
	RB_REMOVE(host_tree, &hosts, h);
	TAILQ_REMOVE(&host_lru, h, lru);
	personality_host_free(h);
	free(h);
	host_n--;
}

static int
host_evict(void)
{
	struct host	*h;
	int		 scanned = 0;

	TAILQ_FOREACH_REVERSE(h, &host_lru, host_lru, lru) {
		if (h->refs == 0) {
			host_free(h);
			engine->stats.hosts_evicted++;
			return (0);
		}
		if (++scanned == HOST_EVICT_SCAN)
			break;
	}
	return (-1);
}

/* The loop's cached time: a packet's host costs no system call. */
static time_t
host_now(void)
{
	struct timeval	 tv;

	if (engine->base == NULL ||
	    event_base_gettimeofday_cached(engine->base, &tv) == -1)
		gettimeofday(&tv, NULL);
	return (tv.tv_sec);
}

struct host *
host_get(uint32_t addr)
{
	struct host	 key;

	memset(&key, 0, sizeof(key));
	key.addr = addr;
	return (host_find_make(&key));
}

/*
 * An IPv6 host: its addr is the fold of its address (addr6_fold()),
 * which the personality's clocks are seeded with.
 */
struct host *
host_get6(const struct in6_addr *a)
{
	struct host	 key;

	memset(&key, 0, sizeof(key));
	key.v6 = 1;
	key.addr6 = *a;
	key.addr = addr6_fold(a);
	return (host_find_make(&key));
}

static struct host *
host_find_make(struct host *key)
{
	struct host	*h;

	if ((h = RB_FIND(host_tree, &hosts, key)) != NULL) {
		h->seen = host_now();
		if (TAILQ_FIRST(&host_lru) != h) {
			TAILQ_REMOVE(&host_lru, h, lru);
			TAILQ_INSERT_HEAD(&host_lru, h, lru);
		}
		return (h);
	}
	while (host_n >= host_max)
		if (host_evict() == -1)
			return (NULL);
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->addr = key->addr;
	h->v6 = key->v6;
	h->addr6 = key->addr6;
	h->created = h->seen = host_now();
	/* Marks the personality state as not derived yet. */
	h->generation = engine->generation - 1;
	RB_INSERT(host_tree, &hosts, h);
	TAILQ_INSERT_HEAD(&host_lru, h, lru);
	host_n++;
	return (h);
}

void
host_ref(struct host *h)
{
	h->refs++;
}

void
host_unref(struct host *h)
{
	if (h->refs > 0)
		h->refs--;
}

size_t
host_count(void)
{
	return (host_n);
}

/* Forget every host nobody holds: at the engine's exit, and between a
 * fuzzer's inputs. */
void
host_flush(void)
{
	struct host	*h, *next;

	for (h = RB_MIN(host_tree, &hosts); h != NULL; h = next) {
		next = RB_NEXT(host_tree, &hosts, h);
		if (h->refs == 0)
			host_free(h);
	}
}

/*
 * "show hosts": the first host at or after *cursor and at most hi, in
 * r; 1 and *cursor moved past it, or 0 at the end.  Resuming by address
 * keeps a long listing right while hosts come and go under it.
 */
/*
 * IPv6 hosts follow the IPv4 ones, in the table's order (fold, then
 * address).  Their cursor has bit 32 set, the fold in the low 32 bits
 * and, above bit 32, how many hosts of that fold are already listed:
 * folds seldom collide, so skipping those few is cheap.
 */
#define HOST_CUR6	((uint64_t)1 << 32)

/* The IPv6 host at *cursor, the cursor moved past it; NULL: no more. */
static struct host *
host_step6(uint64_t *cursor)
{
	struct host	 key, *h;
	uint32_t	 fold = (uint32_t)*cursor;
	uint64_t	 skip = *cursor >> 33;

	memset(&key, 0, sizeof(key));
	key.v6 = 1;
	key.addr = fold;
	h = RB_NFIND(host_tree, &hosts, &key);
	for (; h != NULL && h->addr == fold && skip > 0; skip--)
		h = RB_NEXT(host_tree, &hosts, h);
	if (h == NULL)
		return (NULL);
	skip = h->addr == fold ? (*cursor >> 33) + 1 : 1;
	*cursor = HOST_CUR6 | skip << 33 | h->addr;
	return (h);
}

static int
host_ctl_next6(uint64_t *cursor, struct ctlrec *r)
{
	struct host	*h;

	if ((h = host_step6(cursor)) == NULL)
		return (0);
	ctl_host_record(r, h, host_now());
	return (1);
}

/*
 * The next IPv6 host inside net/plen (show hosts 2001:db8::/64), after
 * no IPv4 one: 1, 0 at the end, -1 when scan hosts outside it went by
 * (the tree is ordered by fold, so a prefix is no range of it).
 */
int
host_ctl_next_in6(uint64_t *cursor, const struct in6_addr *net, int plen,
    int scan, struct ctlrec *r)
{
	struct host	*h;

	if (*cursor < HOST_CUR6)
		*cursor = HOST_CUR6;
	while (scan-- > 0) {
		if ((h = host_step6(cursor)) == NULL)
			return (0);
		if (addr6_in_net(&h->addr6, net, plen)) {
			ctl_host_record(r, h, host_now());
			return (1);
		}
	}
	return (-1);
}

int
host_ctl_next(uint64_t *cursor, uint32_t hi, int v6, struct ctlrec *r)
{
	struct host	 key, *h;

	if (*cursor >= HOST_CUR6)
		return (v6 ? host_ctl_next6(cursor, r) : 0);
	memset(&key, 0, sizeof(key));
	key.addr = (uint32_t)*cursor;
	if ((h = RB_NFIND(host_tree, &hosts, &key)) == NULL || h->v6 ||
	    h->addr > hi) {
		*cursor = HOST_CUR6;
		return (v6 ? host_ctl_next6(cursor, r) : 0);
	}
	ctl_host_record(r, h, host_now());
	*cursor = (uint64_t)h->addr + 1;
	return (1);
}
