/*
 * Engine: per virtual host state.  Templates are shared; what must
 * differ between hosts (IP ID counters, ISN and timestamp clocks) lives
 * here, created on a host's first packet.  The table is bounded: when
 * full, the least recently used host that no connection holds is
 * forgotten, as if it had rebooted.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "personality.h"

RB_HEAD(host_tree, host);
TAILQ_HEAD(host_lru, host);

static struct host_tree	 hosts = RB_INITIALIZER(&hosts);
static struct host_lru	 host_lru = TAILQ_HEAD_INITIALIZER(host_lru);
static size_t		 host_n, host_max;

/* How far from the old end to look for a host nobody holds. */
#define HOST_EVICT_SCAN		64

static int
host_cmp(struct host *a, struct host *b)
{
	return (a->addr < b->addr ? -1 : a->addr > b->addr);
}

RB_GENERATE_STATIC(host_tree, host, entry, host_cmp)

void
host_init(size_t max)
{
	host_max = max;
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
			return (0);
		}
		if (++scanned == HOST_EVICT_SCAN)
			break;
	}
	return (-1);
}

struct host *
host_get(uint32_t addr)
{
	struct host	 key, *h;

	key.addr = addr;
	if ((h = RB_FIND(host_tree, &hosts, &key)) != NULL) {
		if (TAILQ_FIRST(&host_lru) != h) {
			TAILQ_REMOVE(&host_lru, h, lru);
			TAILQ_INSERT_HEAD(&host_lru, h, lru);
		}
		return (h);
	}
	if (host_n >= host_max && host_evict() == -1)
		return (NULL);
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->addr = addr;
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

/* Forget every host nobody holds (the fuzzer, between inputs). */
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
