/*
 * Parent: the virtual hosts' own MAC addresses ("set T ethernet").
 *
 * A template's value is a literal MAC or a vendor name looked up in
 * nmap's table of OUIs (HONEYD_MACPREFIXES, read by the parent when it
 * loads a configuration).  Every host of the template gets the vendor's
 * OUI and three bytes from a keyed permutation of its address (key: the
 * template's name), so its MAC is the same after a restart or a reload
 * and no two hosts of a /8 share one.  A literal MAC goes, as it is, to
 * the lowest address bound to its template; the others derive theirs
 * from its first three bytes.
 *
 * At load the config becomes an ether_map: a copy of its binds, each
 * pointing at its template's resolved OUI, so the per-packet lookup is
 * a binary search and a few multiplications, and nothing at all for a
 * config without "ethernet".
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"

struct ether_tmpl {
	const struct template	*tmpl;
	uint8_t			 mac[ETH_ADDR_LEN]; /* OUI, or literal */
	uint32_t		 key;		/* hash of the name */
	int			 literal;
	uint32_t		 exact;		/* gets the literal MAC */
};

struct ether_range {
	uint32_t		 lo, hi;
	const struct ether_tmpl	*et;		/* NULL: no ethernet */
};

struct ether_map {
	struct ether_tmpl	*t;		/* sorted by tmpl pointer */
	size_t			 nt;
	struct ether_range	*r;		/* the binds, sorted */
	size_t			 nr;
	const struct ether_tmpl	*dflt;		/* unbound addresses */
	uint8_t			(*dhcp)[ETH_ADDR_LEN]; /* per "dhcp" */
	size_t			 ndhcp;
};

const char		*ether_prefixes = HONEYD_MACPREFIXES;
static char		*prefix_text;		/* the file, while loading */
static size_t		 prefix_len;
static char		 ether_why[256];	/* why ether_resolve failed */
static struct ether_map	*ether_running;		/* the parent's */

/* The addresses DHCP clients hold (lease.c), and their MACs. */
struct ether_leased {
	const struct iface	*ifp;
	uint32_t		 addr;		/* 0: a free slot */
	uint8_t			 mac[ETH_ADDR_LEN];
};
static struct ether_leased ether_leases[DHCP_MAX_CLIENTS];

static int	 ether_leased_mac(const struct iface *, uint32_t, uint8_t *);

/* "00:0c:29:aa:bb:cc" (or with '-'): six bytes of one or two digits. */
int
ether_parse_mac(const char *s, uint8_t *mac)
{
	char	*end;
	long	 v;
	int	 i;

	for (i = 0; i < ETH_ADDR_LEN; i++) {
		if (!isxdigit((unsigned char)s[0]))
			return (-1);
		errno = 0;
		v = strtol(s, &end, 16);
		if (errno != 0 || end - s > 2 || v < 0 || v > 255)
			return (-1);
		mac[i] = v;
		if (i < ETH_ADDR_LEN - 1 && *end != ':' && *end != '-')
			return (-1);
		s = end + (i < ETH_ADDR_LEN - 1);
	}
	return (*s == '\0' ? 0 : -1);
}

/* "HHHHHH Vendor": the OUI, and where the name starts, or -1. */
static int
prefix_line(const char *l, size_t len, uint8_t *oui, size_t *name)
{
	char	 hex[3];
	int	 i;

	if (len < 8 || (l[6] != ' ' && l[6] != '\t'))
		return (-1);
	for (i = 0; i < 3; i++) {
		if (!isxdigit((unsigned char)l[2 * i]) ||
		    !isxdigit((unsigned char)l[2 * i + 1]))
			return (-1);
		hex[0] = l[2 * i];
		hex[1] = l[2 * i + 1];
		hex[2] = '\0';
		oui[i] = strtol(hex, NULL, 16);
	}
	for (*name = 7; *name < len && isspace((unsigned char)l[*name]);
	    (*name)++)
		;
	return (*name < len ? 0 : -1);
}

/*
 * The vendor's OUI in a table of nmap-mac-prefixes lines: the first
 * line whose name begins with vendor, ignoring case, or failing that
 * the first whose name contains it.  0, or -1 if none does.
 */
int
ether_vendor_find(const char *text, size_t len, const char *vendor,
    uint8_t *oui)
{
	const char	*l, *nl, *end = text + len;
	char		 name[256];
	uint8_t		 o[3], sub[3];
	size_t		 n, ll, vlen = strlen(vendor);
	int		 have_sub = 0;

	if (vlen == 0)
		return (-1);
	for (l = text; l < end; l = nl + 1) {
		if ((nl = memchr(l, '\n', end - l)) == NULL)
			nl = end;
		ll = nl - l;
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (prefix_line(l, ll, o, &n) == -1)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(ll - n), l + n);
		if (strncasecmp(name, vendor, vlen) == 0) {
			memcpy(oui, o, 3);
			return (0);
		}
		if (!have_sub && strcasestr(name, vendor) != NULL) {
			memcpy(sub, o, 3);
			have_sub = 1;
		}
	}
	if (!have_sub)
		return (-1);
	memcpy(oui, sub, 3);
	return (0);
}

/* The prefixes file, read once per load (ether_release frees it). */
static int
ether_read_prefixes(void)
{
	FILE	*f;
	char	 buf[8192];
	size_t	 n;
	char	*p;

	if (prefix_text != NULL)
		return (0);
	if ((f = fopen(ether_prefixes, "r")) == NULL)
		return (-1);
	prefix_len = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if ((p = realloc(prefix_text, prefix_len + n)) == NULL) {
			free(prefix_text);
			prefix_text = NULL;
			fclose(f);
			return (-1);
		}
		prefix_text = p;
		memcpy(prefix_text + prefix_len, buf, n);
		prefix_len += n;
	}
	fclose(f);
	if (prefix_text == NULL && (prefix_text = malloc(1)) == NULL)
		return (-1);
	return (0);
}

void
ether_release(void)
{
	free(prefix_text);
	prefix_text = NULL;
	prefix_len = 0;
}

/*
 * A template's value: a literal MAC (*literal = 1) or a vendor's OUI in
 * mac[0..2].  -1 with ether_error() saying why.
 */
int
ether_resolve(const char *value, uint8_t *mac, int *literal)
{
	memset(mac, 0, ETH_ADDR_LEN);
	*literal = 0;
	if (ether_parse_mac(value, mac) == 0) {
		*literal = 1;
		if (mac[0] & 0x01) {
			snprintf(ether_why, sizeof(ether_why),
			    "ethernet \"%s\" is a multicast address", value);
			return (-1);
		}
		return (0);
	}
	if (ether_read_prefixes() == -1) {
		snprintf(ether_why, sizeof(ether_why),
		    "ethernet \"%s\": %s: %s", value, ether_prefixes,
		    strerror(errno));
		return (-1);
	}
	if (ether_vendor_find(prefix_text, prefix_len, value, mac) == -1) {
		snprintf(ether_why, sizeof(ether_why),
		    "ethernet \"%s\": no such vendor in %s", value,
		    ether_prefixes);
		return (-1);
	}
	return (0);
}

const char *
ether_error(void)
{
	return (ether_why);
}

static uint32_t
ether_mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return (x);
}

/*
 * A host's MAC: the OUI with the multicast and locally administered
 * bits clear, then the address's low 24 bits through a four-round
 * Feistel network keyed on the template and the address's first byte.
 * A Feistel network is a permutation whatever its round function: two
 * addresses of one /8 never get the same MAC.
 */
void
ether_derive(const uint8_t *oui, uint32_t key, uint32_t addr, uint8_t *mac)
{
	uint32_t	 l, r, t, k;
	int		 i;

	k = ether_mix(key ^ (addr >> 24) * 0x9e3779b9U);
	l = (addr >> 12) & 0xfff;
	r = addr & 0xfff;
	for (i = 0; i < 4; i++) {
		t = r;
		r = l ^ (ether_mix(k + i * 0x632be5abU + r) & 0xfff);
		l = t;
	}
	mac[0] = oui[0] & ~0x03;
	mac[1] = oui[1];
	mac[2] = oui[2];
	mac[3] = l >> 4;
	mac[4] = (l & 0xf) << 4 | r >> 8;
	mac[5] = r & 0xff;
}

/*
 * The MAC of addr under et.  A host whose derived MAC would be the
 * literal one takes the exact address's derived MAC, which nobody uses.
 */
static void
ether_tmpl_mac(const struct ether_tmpl *et, uint32_t addr, uint8_t *mac)
{
	if (et->literal && addr == et->exact) {
		memcpy(mac, et->mac, ETH_ADDR_LEN);
		return;
	}
	ether_derive(et->mac, et->key, addr, mac);
	if (et->literal && et->exact != 0 &&
	    memcmp(mac, et->mac, ETH_ADDR_LEN) == 0)
		ether_derive(et->mac, et->key, et->exact, mac);
}

static int
ether_tmpl_cmp(const void *a, const void *b)
{
	const struct ether_tmpl	*x = a, *y = b;

	if (x->tmpl == y->tmpl)
		return (0);
	return ((uintptr_t)x->tmpl < (uintptr_t)y->tmpl ? -1 : 1);
}

static const struct ether_tmpl *
ether_map_tmpl(const struct ether_map *em, const struct template *t)
{
	struct ether_tmpl	 k;

	if (t == NULL || em->nt == 0)
		return (NULL);
	k.tmpl = t;
	return (bsearch(&k, em->t, em->nt, sizeof(k), ether_tmpl_cmp));
}

void
ether_map_free(struct ether_map *em)
{
	if (em == NULL)
		return;
	free(em->t);
	free(em->r);
	free(em->dhcp);
	free(em);
}

/* The templates with "ethernet", resolved. */
static int
ether_map_templates(struct ether_map *em, const struct honeyd_config *conf)
{
	const struct template	*t;
	struct ether_tmpl	*et;
	size_t			 n = 0;

	TAILQ_FOREACH(t, &conf->tmpl_order, order)
		if (t->ethernet != NULL)
			n++;
	if (n == 0)
		return (0);
	if ((em->t = calloc(n, sizeof(*em->t))) == NULL)
		return (-1);
	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		if (t->ethernet == NULL)
			continue;
		et = &em->t[em->nt++];
		et->tmpl = t;
		et->key = name_key(t->name);
		if (ether_resolve(t->ethernet, et->mac, &et->literal) == -1) {
			log_warnx("template \"%s\": %s", t->name,
			    ether_error());
			return (-1);
		}
	}
	qsort(em->t, em->nt, sizeof(*em->t), ether_tmpl_cmp);
	return (0);
}

/* Which address a literal MAC goes to; more than one is worth a word. */
static void
ether_map_literals(struct ether_map *em, const struct honeyd_config *conf)
{
	struct ether_tmpl	*et;
	uint64_t		 naddr;
	size_t			 i, j;

	for (i = 0; i < em->nt; i++) {
		et = &em->t[i];
		if (!et->literal)
			continue;
		naddr = 0;
		for (j = 0; j < em->nr; j++) {
			if (em->r[j].et != et)
				continue;
			if (naddr == 0)
				et->exact = em->r[j].lo;
			naddr += (uint64_t)em->r[j].hi - em->r[j].lo + 1;
		}
		if (naddr > 1 || em->dflt == et)
			log_warnx("template \"%s\": ethernet \"%s\" is one "
			    "host's MAC; %s derive theirs from its vendor "
			    "part", et->tmpl->name, et->tmpl->ethernet,
			    naddr > 0 ? "its other hosts" : "its hosts");
		if (em->dflt == et && naddr == 0)
			et->exact = 0;
	}
}

/*
 * The MAC of each "dhcp T on IFACE [ethernet E]": E, else T's ethernet.
 * A literal one is used as it is; a vendor gets its OUI and three bytes
 * derived from the template, the interface and the statement's place,
 * so a client keeps its MAC, and so its lease, across restarts.
 */
static int
ether_map_dhcp(struct ether_map *em, const struct honeyd_config *conf)
{
	const struct dhcp_conf	*d;
	const char		*value;
	uint8_t			 mac[ETH_ADDR_LEN];
	size_t			 n = 0;
	int			 literal;

	TAILQ_FOREACH(d, &conf->dhcp, entry)
		n++;
	if (n == 0)
		return (0);
	if ((em->dhcp = calloc(n, sizeof(*em->dhcp))) == NULL)
		return (-1);
	TAILQ_FOREACH(d, &conf->dhcp, entry) {
		if ((value = d->ethernet) == NULL &&
		    (value = d->tmpl->ethernet) == NULL) {
			log_warnx("dhcp %s on %s: no MAC address: give "
			    "\"ethernet\" or set %s ethernet", d->tmpl->name,
			    d->iface, d->tmpl->name);
			return (-1);
		}
		if (ether_resolve(value, mac, &literal) == -1) {
			log_warnx("dhcp %s on %s: %s", d->tmpl->name,
			    d->iface, ether_error());
			return (-1);
		}
		if (!literal)
			ether_derive(mac, name_key(d->tmpl->name) ^
			    name_key(d->iface), em->ndhcp, mac);
		memcpy(em->dhcp[em->ndhcp++], mac, ETH_ADDR_LEN);
	}
	return (0);
}

/* The running config's MACs, or NULL if a template's does not resolve. */
struct ether_map *
ether_map_build(const struct honeyd_config *conf)
{
	struct ether_map	*em;
	size_t			 i;

	if ((em = calloc(1, sizeof(*em))) == NULL)
		return (NULL);
	if (ether_map_templates(em, conf) == -1 ||
	    ether_map_dhcp(em, conf) == -1)
		goto fail;
	if (em->nt == 0)
		return (em);
	em->dflt = ether_map_tmpl(em, conf->dflt);
	if (conf->nbinds > 0 &&
	    (em->r = calloc(conf->nbinds, sizeof(*em->r))) == NULL)
		goto fail;
	for (i = 0; i < conf->nbinds; i++) {
		em->r[i].lo = conf->binds[i].lo;
		em->r[i].hi = conf->binds[i].hi;
		em->r[i].et = ether_map_tmpl(em, conf->binds[i].tmpl);
	}
	em->nr = conf->nbinds;
	ether_map_literals(em, conf);
	return (em);
 fail:
	ether_map_free(em);
	return (NULL);
}

/* addr's MAC under em: 1, or 0 if its template has no "ethernet". */
int
ether_map_lookup(const struct ether_map *em, uint32_t addr, uint8_t *mac)
{
	const struct ether_tmpl	*et = em->dflt;
	size_t			 lo = 0, hi = em->nr, mid;

	if (em->nt == 0)
		return (0);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr < em->r[mid].lo)
			hi = mid;
		else if (addr > em->r[mid].hi)
			lo = mid + 1;
		else {
			et = em->r[mid].et;
			break;
		}
	}
	if (et == NULL)
		return (0);
	ether_tmpl_mac(et, addr, mac);
	return (1);
}

/* The parent's running map; the old one is freed. */
void
ether_install(struct ether_map *em)
{
	ether_map_free(ether_running);
	ether_running = em;
}

/*
 * The MAC a claimed address shows on ifp: 1, or 0 for the interface's
 * own.  Only a neighbour has its own: an address outside the
 * interface's subnet is behind a router as far as the segment can
 * tell, and the router is us.
 */
int
ether_host_mac(const struct iface *ifp, uint32_t addr, uint8_t *mac)
{
	if (ether_leased_mac(ifp, addr, mac))
		return (1);
	if (ether_running == NULL || ether_running->nt == 0)
		return (0);
	if (ifp->addr != 0 && (addr & ifp->mask) != (ifp->addr & ifp->mask))
		return (0);
	return (ether_map_lookup(ether_running, addr, mac));
}

/* The MAC of the running config's i-th "dhcp" statement: 1, or 0. */
int
ether_dhcp_mac(size_t i, uint8_t *mac)
{
	if (ether_running == NULL || i >= ether_running->ndhcp)
		return (0);
	memcpy(mac, ether_running->dhcp[i], ETH_ADDR_LEN);
	return (1);
}

/* A DHCP client holds addr on ifp with mac (mac NULL: no longer). */
int
ether_lease(const struct iface *ifp, uint32_t addr, const uint8_t *mac)
{
	struct ether_leased	*el, *free_slot = NULL;
	size_t			 i;

	for (i = 0; i < DHCP_MAX_CLIENTS; i++) {
		el = &ether_leases[i];
		if (el->addr == addr && el->ifp == ifp) {
			if (mac == NULL)
				el->addr = 0;
			else
				memcpy(el->mac, mac, ETH_ADDR_LEN);
			return (0);
		}
		if (el->addr == 0 && free_slot == NULL)
			free_slot = el;
	}
	if (mac == NULL)
		return (0);
	if (free_slot == NULL)
		return (-1);
	free_slot->ifp = ifp;
	free_slot->addr = addr;
	memcpy(free_slot->mac, mac, ETH_ADDR_LEN);
	return (0);
}

static int
ether_leased_mac(const struct iface *ifp, uint32_t addr, uint8_t *mac)
{
	size_t	 i;

	if (addr == 0)
		return (0);
	for (i = 0; i < DHCP_MAX_CLIENTS; i++)
		if (ether_leases[i].addr == addr &&
		    ether_leases[i].ifp == ifp) {
			memcpy(mac, ether_leases[i].mac, ETH_ADDR_LEN);
			return (1);
		}
	return (0);
}
