/*
 * The control socket, the parent's part (control.c has the engine's):
 * creating the socket before the engine forks, and answering the
 * engine's IMSG_CTL_PARENT_INFO with what only the parent knows.  Kept
 * apart so that programs linking the engine's files need no parent.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"

#define CTL_BACKLOG		128

/* Does a live process answer on this socket? */
static int
ctl_alive(const struct sockaddr_un *sun)
{
	int	 fd, alive;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return (1);
	alive = connect(fd, (const struct sockaddr *)sun,
	    sizeof(*sun)) == 0 || (errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	return (alive);
}

/*
 * Create the listening socket, 0660 root:gid.  A stale socket left by a
 * honeyd that died is replaced; one that a live honeyd answers on is
 * not: two daemons must not fight over one path.  The descriptor is
 * left open across exec, for the engine.
 */
int
control_open(const char *path, gid_t gid)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 omask;
	int			 fd = -1, bound = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return (-1);
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control socket %s: exists and is not a "
			    "socket", path);
			return (-1);
		}
		if (ctl_alive(&sun)) {
			log_warnx("control socket %s: another honeyd answers "
			    "there; use -c to choose another path", path);
			return (-1);
		}
		if (unlink(path) == -1) {
			log_warn("control socket %s: unlink", path);
			return (-1);
		}
	} else if (errno != ENOENT) {
		log_warn("control socket %s", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		goto fail;
	/* Never reachable by others, not even between bind and chmod. */
	omask = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(omask);
		goto fail;
	}
	umask(omask);
	bound = 1;
	if (chmod(path, 0660) == -1 || chown(path, 0, gid) == -1 ||
	    listen(fd, CTL_BACKLOG) == -1)
		goto fail;
	return (fd);
 fail:
	log_warn("control socket %s", path);
	if (fd != -1)
		close(fd);
	if (bound)
		unlink(path);
	return (-1);
}

/* "198.19.0.0/16, 198.18.0.64/26" */
static void
ctl_ranges_text(char *buf, size_t size, const struct claimset *cs)
{
	char	 one[ADDR_RANGE_LEN];
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; i < cs->n; i++) {
		addr_fmt_range(cs->r[i].lo, cs->r[i].hi, one, sizeof(one));
		if (i > 0)
			strlcat(buf, ", ", size);
		strlcat(buf, one, size);
	}
}

/*
 * IMSG_CTL_PARENT_INFO: with several engines, the others' tallies are
 * gathered first (engines.c), and control_parent_answer() follows.
 */
void
control_parent_info(struct imsg *imsg)
{
	if (parent->nengines > 1)
		engines_gather(imsg->hdr.peerid);
	else
		control_parent_answer(imsg->hdr.peerid, NULL, 0);
}

/*
 * The other engines' part of the answer: their sum for engine 0 to add
 * to its own (IMSG_CTL_ENGINES), and in the record each one's pid,
 * restarts, packets and hosts, as engine_N_*.
 */
static void
ctl_engines(struct ctlrec *r, uint32_t peerid, const struct engine_tally *t,
    unsigned int have)
{
	struct engine_tally	 sum;
	char			 key[64];
	int			 i;

	memset(&sum, 0, sizeof(sum));
	ctlrec_num(r, "engines", parent->nengines);
	for (i = 0; i < parent->nengines; i++) {
		snprintf(key, sizeof(key), "engine_%d_restarts", i);
		ctlrec_num(r, key, parent->engine_restarts_of[i]);
		if (i == 0 || (have & (1U << i)) == 0)
			continue;
		tally_add(&sum, &t[i]);
		snprintf(key, sizeof(key), "engine_%d_pid", i);
		ctlrec_int(r, key, t[i].pid);
		snprintf(key, sizeof(key), "engine_%d_packets_in", i);
		ctlrec_num(r, key, t[i].stats.pkts_in);
		snprintf(key, sizeof(key), "engine_%d_hosts", i);
		ctlrec_num(r, key, t[i].hosts);
		snprintf(key, sizeof(key), "engine_%d_connections", i);
		ctlrec_num(r, key, t[i].conns);
	}
	if (imsgev_compose(parent->engine, IMSG_CTL_ENGINES, peerid, 0, -1,
	    &sum, sizeof(sum)) == -1)
		log_warn("control: answer to the engine");
}

/*
 * One record of kind "parent" with the parent's status fields, then
 * its counters (stats_parent's names, and pcap_received_IFACE,
 * pcap_dropped_IFACE), for the client peerid; t[i] for the engines i
 * in have, other than engine 0.
 */
void
control_parent_answer(uint32_t peerid, const struct engine_tally *t,
    unsigned int have)
{
	struct ctlrec		 r;
	struct timeval		 now;
	struct pcap_stat	 ps;
	char			 buf[1024], key[64];
	size_t			 i;
	int			 k;

	gettimeofday(&now, NULL);
	ctlrec_init(&r, "parent");
	ctlrec_str(&r, "version", HONEYD_VERSION);
	ctlrec_int(&r, "parent_pid", getpid());
	ctl_time_field(&r, "started", &parent->started);
	ctlrec_int(&r, "uptime", now.tv_sec - parent->started.tv_sec);
	ctlrec_str(&r, "config", honeyd_opts.config);
	ctl_time_field(&r, "config_loaded", &parent->loaded);
	ctlrec_num(&r, "reloads", parent->reloads);
	if (parent->engine_death[0] != '\0')
		ctlrec_str(&r, "engine_last_death", parent->engine_death);
	ctl_ranges_text(buf, sizeof(buf), &parent->claimed);
	ctlrec_str(&r, "claimed", buf);
	buf[0] = '\0';
	for (k = 0; k < parent->nifaces; k++) {
		if (k > 0)
			strlcat(buf, ", ", sizeof(buf));
		strlcat(buf, parent->ifaces[k].name, sizeof(buf));
	}
	ctlrec_str(&r, "interfaces", buf);
	/* What the parent holds now: gauges, not counters. */
	ctlrec_num(&r, "arp_watched", arpguard_count());
	ctlrec_num(&r, "services", service_count());
	for (i = 0; i < stats_parent_n; i++)
		ctlrec_num(&r, stats_parent[i].name,
		    stats_value(&stats_parent[i], &parent->stats));
	for (k = 0; k < parent->nifaces; k++) {
		if (parent->ifaces[k].pcap == NULL ||
		    pcap_stats(parent->ifaces[k].pcap, &ps) != 0)
			continue;
		snprintf(key, sizeof(key), "pcap_received_%s",
		    parent->ifaces[k].name);
		ctlrec_num(&r, key, ps.ps_recv);
		snprintf(key, sizeof(key), "pcap_dropped_%s",
		    parent->ifaces[k].name);
		ctlrec_num(&r, key, ps.ps_drop);
	}
	if (parent->engine == NULL)
		return;
	if (parent->nengines > 1)
		ctl_engines(&r, peerid, t, have);
	if (imsgev_compose(parent->engine, IMSG_CTL_RECORD, peerid,
	    0, -1, r.buf, r.len) == -1)
		log_warn("control: answer to the engine");
}
