/*
 * Parent: the real machines of "bind A to IFACE".  The engine routes
 * (router.c); the parent only moves their frames and checks them:
 *
 *   - to A: a packet from the engine for A goes out on IFACE alone, to
 *     the MAC A has there, from the MAC of the router that links A.
 *     Its source is the remote peer, which honeyd does not claim:
 *     wire.c lets such a packet out only if its destination is an A
 *     and it leaves on A's IFACE, and counts it (out_extbind);
 *   - from A: a frame captured on IFACE from A, unicast to us (the
 *     interface's MAC or the router's own), to an address honeyd does
 *     not claim, goes to the engine as a FRAME_EXT frame to be routed out
 *     (frames_extbind); to a claimed address it is any packet;
 *   - A's MAC is learned on IFACE only, from its frames and its ARP;
 *     honeyd never answers ARP for A on IFACE (A does) and leaves A out
 *     of arpguard.c there.  It asks for A's MAC when the configuration
 *     is installed, as the router that links A.
 *
 * A must be in the topology (router.c checks that when parsing).  An
 * IFACE honeyd does not listen on (-i) is warned about and ignored.
 */

#include <sys/types.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"

struct xbind {
	uint32_t	 addr;		/* A, host order */
	uint32_t	 gw;		/* the router that links it */
	int		 iface;		/* the struct iface's index */
};

static struct xbind	*xbinds;
static size_t		 nxbinds;

static struct iface *
extbind_ifp(const char *name)
{
	int	 i;

	for (i = 0; i < parent->nifaces; i++)
		if (strcmp(parent->ifaces[i].name, name) == 0)
			return (&parent->ifaces[i]);
	return (NULL);
}

/* The warning of a bind to an interface honeyd does not listen on. */
static void
extbind_warn(const struct ext_bind *e)
{
	char	 a[INET_ADDRSTRLEN];

	log_diag("%s:%d: warning: bind %s to %s: honeyd does not listen on "
	    "%s (-i): no effect", e->file, e->lineno,
	    addr_fmt(e->addr, a, sizeof(a)), e->iface, e->iface);
}

/*
 * honeyd -n: the interfaces of -i, if given, are those honeyd would
 * listen on; a bind to another is warned about as when it runs.
 */
void
extbind_check(const struct honeyd_config *conf)
{
	const struct ext_bind	*e;
	int			 i;

	if (honeyd_opts.nifaces == 0)
		return;
	TAILQ_FOREACH(e, &conf->ext_binds, entry) {
		for (i = 0; i < honeyd_opts.nifaces; i++)
			if (strcmp(honeyd_opts.ifaces[i], e->iface) == 0)
				break;
		if (i == honeyd_opts.nifaces)
			extbind_warn(e);
	}
}

static const struct xbind *
extbind_find(uint32_t addr)
{
	size_t	 i;

	for (i = 0; i < nxbinds; i++)
		if (xbinds[i].addr == addr)
			return (&xbinds[i]);
	return (NULL);
}

/*
 * conf is installed: its machines replace the old ones.  1 if they
 * changed (the capture filters must be set again), 0 if not, -1 if out
 * of memory (the old ones stay).
 */
int
extbind_sync(const struct honeyd_config *conf)
{
	const struct ext_bind	*e;
	struct xbind		*nx;
	struct iface		*ifp;
	size_t			 n = 0;
	int			 changed;

	TAILQ_FOREACH(e, &conf->ext_binds, entry)
		n++;
	if ((nx = calloc(n > 0 ? n : 1, sizeof(*nx))) == NULL) {
		log_warn("bind to interface");
		return (-1);
	}
	n = 0;
	TAILQ_FOREACH(e, &conf->ext_binds, entry) {
		if ((ifp = extbind_ifp(e->iface)) == NULL) {
			extbind_warn(e);
			continue;
		}
		nx[n].addr = e->addr;
		nx[n].gw = router_ext_gateway(conf, e->addr);
		nx[n].iface = ifp->index;
		n++;
	}
	changed = n != nxbinds ||
	    (n > 0 && memcmp(nx, xbinds, n * sizeof(*nx)) != 0);
	free(xbinds);
	xbinds = nx;
	nxbinds = n;
	/* Its MAC before the first packet for it, as its router asks. */
	for (n = 0; n < nxbinds; n++)
		arp_request(&parent->ifaces[xbinds[n].iface], xbinds[n].gw,
		    xbinds[n].addr);
	return (changed);
}

/* The index of the interface addr is bound to, or -1. */
int
extbind_iface(uint32_t addr)
{
	const struct xbind	*x;

	return ((x = extbind_find(addr)) != NULL ? x->iface : -1);
}

/* Whether addr is bound to ifp. */
int
extbind_on(const struct iface *ifp, uint32_t addr)
{
	const struct xbind	*x;

	return ((x = extbind_find(addr)) != NULL && x->iface == ifp->index);
}

/* The router that links addr, 0 if addr is no bound machine. */
uint32_t
extbind_gateway(uint32_t addr)
{
	const struct xbind	*x;

	return ((x = extbind_find(addr)) != NULL ? x->gw : 0);
}

/* filter, and what the machines bound to ifp send; malloc'ed. */
char *
extbind_filter(const struct iface *ifp, const char *filter)
{
	char	*s, *t;
	char	 a[INET_ADDRSTRLEN];
	size_t	 i;

	if ((s = strdup(filter)) == NULL)
		return (NULL);
	for (i = 0; i < nxbinds; i++) {
		if (xbinds[i].iface != ifp->index)
			continue;
		if (asprintf(&t, "(%s) or (ip and src host %s)", s,
		    addr_fmt(xbinds[i].addr, a, sizeof(a))) == -1) {
			free(s);
			return (NULL);
		}
		free(s);
		s = t;
	}
	return (s);
}
