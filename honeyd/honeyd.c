/*
 * honeyd: the privileged parent.
 *
 * It reads the configuration and fingerprint files, opens capture and
 * sending on each interface, forks the engine (which chroots and drops
 * privileges) and hands it the configuration over imsg.  From then on
 * it moves frames, captured ones to the engine and the engine's onto
 * the wire, and does the privileged work the engine asks for: services
 * (service.c), proxied connections (proxy.c) and log files (eventlog.c).
 * SIGHUP reloads the configuration, SIGUSR1 reopens the logs.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pcap.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"
#include "proc.h"

#define CONF_CHUNK	(16 * 1024)

/*
 * The engine is a fresh image of this program (-X engine): it holds
 * only what it is sent.  Its end of the socketpair is always fd 3; fd 4
 * is reserved for the control socket's listening descriptor, or closed.
 */
#define ENGINE_FD		3
#define ENGINE_FD_CTL		4
#define ENGINE_FD_EXE		5	/* close-on-exec: gone once it runs */

/* Longest statement or file name a control client may send. */
#define CTL_ARG_MAX		8192

struct honeyd_opts	 honeyd_opts;
struct parent		*parent;

static struct honeyd_config	*parent_conf;
/* The program, opened at start: the engine runs this, not the file now. */
static int			 self_exe = -1;
static const char		*internal_role;	/* -X */

/*
 * A configuration sent to the engine and waiting for its answer.  Its
 * parent side is installed only when the engine accepts it.
 */
/*
 * A configuration as the engine receives it: the fingerprints it uses,
 * its canonical printout and the p0f signatures.  The parent keeps the
 * running one's, so that an engine started after a death gets exactly
 * what its predecessor ran.
 */
struct conf_texts {
	char			*prints, *conf, *p0f;
	size_t			 plen, clen, p0flen;
};
static struct conf_texts	 running_texts;

/*
 * Self-healing: an engine that dies is replaced, after a delay that
 * doubles with each death in a row (from ENGINE_RESTART_MS up to
 * ENGINE_RESTART_MAX_MS); one that ran ENGINE_STABLE_SECS ends the row.
 * After ENGINE_DEATHS_MAX deaths in a row honeyd gives up and exits
 * non-zero, so that a supervisor sees it.
 */
#define ENGINE_RESTART_MS	100
#define ENGINE_RESTART_MAX_MS	10000
#define ENGINE_STABLE_SECS	60
#define ENGINE_DEATHS_MAX	6

/*
 * One per engine (-e N).  Each is started, sandboxed, healed and
 * counted on its own: one engine's death restarts only it.
 */
struct engine_proc {
	struct imsgev		 iev;
	int			 index;
	pid_t			 pid;
	time_t			 started;
	int			 deaths;	/* in a row */
	int			 restarting;	/* its config's answer due */
	struct event		*restart_ev;
};
static struct engine_proc	 engine_procs[ENGINES_MAX];
static uid_t			 engine_uid;
static gid_t			 engine_gid;
static int			 engine_ctlfd = -1; /* the control socket */

struct reload {
	struct honeyd_config	*conf;
	struct ether_map	*em;
	struct claimset		 claimed;
	int			 claims;	/* claimed replaces the set */
	char			*path;		/* becomes the config file */
	int			 client;	/* a control client asked: */
	uint32_t		 peerid;	/* this one */
	int			 startup;	/* the first configuration */
	unsigned int		 waiting;	/* engines yet to answer */
	unsigned int		 built;		/* ... that hold it built */
	int			 refused;	/* one refused: why */
	char			 why[512];
	struct conf_texts	 texts;		/* as sent */
	char			 done[PATH_MAX + 32]; /* its answer if good */
};
static struct reload		*reload_pending;
static int			 reload_hup;	/* SIGHUP while one pends */
static char			*config_path;	/* owned copy of -f, reloaded */
/* The engine has installed a configuration: systemd was told READY. */
static int			 engine_ready;
/* Engines sent COMMIT that have not said they run it yet. */
static unsigned int		 installing;

static __dead void	 usage(void);
static void		 parse_args(int, char **);
static int		 load_config(const char *, const char *,
			    struct honeyd_config **, struct fpdb **,
			    struct ether_map **);
static int		 load_p0f(char **, size_t *);
static int		 claim_networks(struct honeyd_config *,
			    struct claimset *);
static int		 iface_setup(struct iface *, const char *, int);
static const char	*iface_default(void);
static void		 parent_dispatch_engine(int, short, void *);
static void		 parent_sig(int, short, void *);
static void		 parent_reload(const char *, const char *, int,
			    uint32_t);
static int		 reload_prepare(struct reload *, const char *,
			    const char *);
static void		 reload_accept(void);
static void		 reload_answer(struct engine_proc *, int,
			    const char *);
static void		 reload_answered(void);
static int		 engines_restarting(void);
static int		 engine_owns_id(struct engine_proc *, struct imsg *);
static void		 engines_repin(const struct honeyd_config *);
static void		 reload_after(void);
static void		 reload_refuse(const char *);
static void		 reload_free(struct reload *);
static void		 ctl_result(uint32_t, int, const char *);
static const char	*ctl_arg(struct imsg *, int);
static void		 parent_reload_refused(const char *);
static void		 parent_engine_accept(void);
static void		 engine_installed(struct engine_proc *);
static __dead void	 parent_shutdown(int);
static void		 conf_pers_random(struct honeyd_config *,
			    struct fpdb *);
static void		 conf_pers_warn(const char *, const char *,
			    const char *);
static const struct fingerprint *conf_pers_first(
			    const struct honeyd_config *,
			    const struct template *, const struct fpdb *);
static void		 conf_pers_print(FILE *, const struct honeyd_config *,
			    const struct fpdb *);
static void		 conf_pers_check(const struct honeyd_config *,
			    const struct fpdb *);
static void		 conf_texts_make(struct conf_texts *,
			    struct honeyd_config *, struct fpdb *,
			    const char *, size_t);
static int		 conf_texts_send(struct imsgev *,
			    const struct conf_texts *);
static void		 conf_texts_free(struct conf_texts *);
static int		 engine_start(struct engine_proc *);
static void		 engine_detach(struct engine_proc *);
static void		 engine_died(struct engine_proc *, int);
static void		 engine_schedule(struct engine_proc *);
static void		 engine_restart(int, short, void *);
static void		 engine_restarted(struct engine_proc *, int,
			    const char *);
static void		 send_logs(struct imsgev *, int);
static void		 parent_log_stats(void);
static void		 engine_log_death(struct engine_proc *, int);
static void		 engine_exit_drain(struct engine_proc *);
static pid_t		 engine_spawn(int, uid_t, gid_t, int, int *);
static __dead void	 engine_exec_main(void);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: honeyd [-dFnvV] [-0 p0f-file] [-e engines] "
	    "[-f config]\n\t[-i iface]... [-p fingerprints] [-u user] "
	    "[-g group] [-l pktlog]\n\t[-s svclog] [-j jsonlog] "
	    "[-c ctlsocket] [-P pidfile] [-C chrootdir]\n\t[-S svcdir] "
	    "[net ...]\n");
	exit(1);
}

static void
parse_args(int argc, char **argv)
{
	struct honeyd_opts	*o = &honeyd_opts;
	const char		*errstr;
	int			 ch;

	o->config = HONEYD_CONF;
	o->prints = HONEYD_PRINTS;
	o->p0f = HONEYD_P0F;
	o->ctlsock = HONEYD_CTLSOCK;
	o->chroot = HONEYD_CHROOT;
	while ((ch = getopt(argc, argv, "0:C:c:de:Ff:g:i:j:l:nP:p:S:s:u:vVX:")) !=
	    -1) {
		switch (ch) {
		case '0':
			o->p0f = optarg;
			o->p0f_given = 1;
			break;
		case 'C':
			o->chroot = optarg;
			break;
		case 'c':
			o->ctlsock = optarg;
			break;
		case 'd':
			o->debug = 1;
			break;
		case 'e':
			/* The count; in an engine (-X), its index. */
			o->engines = strtonum(optarg, 0, ENGINES_MAX, &errstr);
			if (errstr != NULL)
				errx(1, "-e %s: %s (1 to %d)", optarg, errstr,
				    ENGINES_MAX);
			break;
		case 'F':
			o->foreground = 1;
			break;
		case 'f':
			o->config = optarg;
			break;
		case 'g':
			o->group = optarg;
			break;
		case 'i':
			if (o->nifaces == HONEYD_MAX_IFACES)
				errx(1, "too many interfaces (max %d)",
				    HONEYD_MAX_IFACES);
			o->ifaces[o->nifaces++] = optarg;
			break;
		case 'j':
			o->jsonlog = optarg;
			break;
		case 'l':
			o->pktlog = optarg;
			break;
		case 'n':
			o->noaction = 1;
			break;
		case 'P':
			o->pidfile = optarg;
			break;
		case 'p':
			o->prints = optarg;
			break;
		case 'S':
			o->svcdir = optarg;
			break;
		case 's':
			o->svclog = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			printf("honeyd %s\n", HONEYD_VERSION);
			exit(0);
		case 'X':
			/* Internal: how the parent starts the engine. */
			internal_role = optarg;
			break;
		default:
			usage();
		}
	}
	o->nets = argv + optind;
	o->nnets = argc - optind;
}

/*
 * Read the fingerprints, then the config checked against them, and
 * resolve its MACs (ether.c).  The config is the file at path, or the
 * running one with the statement stmt.
 */
static int
load_config(const char *path, const char *stmt, struct honeyd_config **confp,
    struct fpdb **dbp, struct ether_map **emp)
{
	struct fpdb		*db;
	struct honeyd_config	*conf;

	if ((db = fpdb_load(honeyd_opts.prints)) == NULL)
		return (-1);
	conf = config_load(path, parent_conf, stmt, fpdb_check_name, db, emp);
	if (conf == NULL) {
		fpdb_free(db);
		return (-1);
	}
	conf_pers_check(conf, db);
	*confp = conf;
	*dbp = db;
	return (0);
}

/*
 * Read the p0f SYN signatures (-0) for the engine, which gets only
 * their section (*textp, NULL if none); parse them here too, for the
 * errors and warnings.  The default file missing turns the feature off;
 * a file given with -0 must be there.  A bad file is an error like a
 * bad config: at a reload the running signatures stay.
 */
static int
load_p0f(char **textp, size_t *lenp)
{
	struct passive_db	*pdb;
	char			*buf;
	size_t			 len;
	int			 r;

	*textp = NULL;
	*lenp = 0;
	r = passive_db_read(honeyd_opts.p0f, honeyd_opts.p0f_given, &buf,
	    &len);
	if (r == -1)
		return (-1);
	if (r == 1) {
		log_info("no %s: passive fingerprinting of sources is off",
		    honeyd_opts.p0f);
		return (0);
	}
	if ((pdb = passive_db_parse(honeyd_opts.p0f, buf, len, 0,
	    NULL)) == NULL) {
		free(buf);
		log_warnx("%s: bad p0f signatures", honeyd_opts.p0f);
		return (-1);
	}
	if (passive_db_extract(buf, len, textp, lenp) == -1) {
		free(buf);
		passive_db_free(pdb);
		log_warn("%s: p0f signatures", honeyd_opts.p0f);
		return (-1);
	}
	free(buf);
	if (passive_db_count(pdb) == 0)
		log_warnx("%s: no [tcp:request] signatures",
		    honeyd_opts.p0f);
	else if (log_getverbose())
		log_debug("%s: %zu SYN signatures", honeyd_opts.p0f,
		    passive_db_count(pdb));
	passive_db_free(pdb);
	return (0);
}

/*
 * An IPv6 prefix of the command line, host bits and all, or a range
 * "2001:db8::10-2001:db8::1f" as its covering prefixes, into cs.
 */
static int
claim_net6(struct claimset *cs, const char *s)
{
	struct in6_addr	 net, lo, hi;
	int		 plen, more;

	if (strchr(s, '-') == NULL) {
		if (addr6_parse_net(s, &net, &plen) != 0 ||
		    !addr6_net_unicast(&net, plen))
			goto bad;
		return (claim6_add(cs, &net, plen));
	}
	if (addr6_parse_range(s, &lo, &hi) == -1)
		goto bad;
	do {
		more = addr6_range_next(&lo, &hi, &net, &plen);
		if (!addr6_net_unicast(&net, plen))
			goto bad;
		if (claim6_add(cs, &net, plen) == -1)
			return (-1);
	} while (more);
	return (0);
 bad:
	log_warnx("bad IPv6 prefix or range to claim: %s", s);
	return (-1);
}

/*
 * The command line's networks, else every address the config uses;
 * the local ends of tunnels in any case.  Into *csp; the caller
 * installs them.
 */
static int
claim_networks(struct honeyd_config *conf, struct claimset *csp)
{
	struct claimset	 cs;
	uint32_t	 lo, hi;
	int		 i;

	claim_init(&cs);
	for (i = 0; i < honeyd_opts.nnets; i++) {
		if (strchr(honeyd_opts.nets[i], ':') != NULL) {
			if (claim_net6(&cs, honeyd_opts.nets[i]) == -1)
				goto fail;
			continue;
		}
		if (addr_parse_range(honeyd_opts.nets[i], &lo, &hi) == -1) {
			log_warnx("bad network to claim: %s",
			    honeyd_opts.nets[i]);
			goto fail;
		}
		if (claim_add(&cs, lo, hi) == -1)
			goto fail;
	}
	if (honeyd_opts.nnets == 0 && config_claimed_ranges(conf, &cs) == -1)
		goto fail;
	if (config_claimed_tunnels(conf, &cs) == -1)
		goto fail;
	if (lease_claims(&cs) == -1)
		goto fail;
	claim_normalize(&cs);
	/* A DHCP client claims its address once it has one. */
	if (cs.n == 0 && cs.n6 == 0 && TAILQ_EMPTY(&conf->dhcp)) {
		log_warnx("no addresses to claim: give networks on the "
		    "command line or bind addresses in the config");
		goto fail;
	}
	*csp = cs;
	return (0);
 fail:
	claim_clear(&cs);
	return (-1);
}

static const char *
iface_default(void)
{
	static char	 name[32];
	pcap_if_t	*all, *d;
	char		 errbuf[PCAP_ERRBUF_SIZE];

	if (pcap_findalldevs(&all, errbuf) == -1)
		fatalx("pcap_findalldevs: %s", errbuf);
	for (d = all; d != NULL; d = d->next)
		if ((d->flags & PCAP_IF_LOOPBACK) == 0 &&
		    (d->flags & PCAP_IF_UP) != 0)
			break;
	if (d == NULL)
		fatalx("no interface to listen on; use -i");
	strlcpy(name, d->name, sizeof(name));
	pcap_freealldevs(all);
	return (name);
}

static int
iface_setup(struct iface *ifp, const char *name, int index)
{
	struct intf_entry	 ie;
	intf_t			*intf;
	char			*filter;

	memset(ifp, 0, sizeof(*ifp));
	strlcpy(ifp->name, name, sizeof(ifp->name));
	ifp->index = index;
	if ((intf = intf_open()) == NULL)
		fatal("intf_open");
	memset(&ie, 0, sizeof(ie));
	ie.intf_len = sizeof(ie);
	strlcpy(ie.intf_name, name, sizeof(ie.intf_name));
	if (intf_get(intf, &ie) == -1) {
		intf_close(intf);
		log_warn("interface %s", name);
		return (-1);
	}
	intf_close(intf);
	if (ie.intf_link_addr.addr_type != ADDR_TYPE_ETH) {
		log_warnx("%s: not an Ethernet interface", name);
		return (-1);
	}
	memcpy(ifp->mac, ie.intf_link_addr.addr_eth.data, 6);
	if (ie.intf_addr.addr_type == ADDR_TYPE_IP) {
		ifp->addr = ntohl(ie.intf_addr.addr_ip);
		ifp->mask = addr_mask(ie.intf_addr.addr_bits);
	}
	if (wire_open(ifp) == -1)
		return (-1);
	if ((filter = claim_filter(&parent->claimed)) == NULL)
		fatal("claim_filter");
	if (capture_open(ifp, filter) == -1) {
		free(filter);
		return (-1);
	}
	free(filter);
	log_info("listening on %s", name);
	return (0);
}

/*
 * Stream the config to the engine: the fingerprints it uses, then the
 * canonical printout, then DONE.  The engine parses both with the same
 * parsers the parent used, so there is one representation to trust.
 */
static int
send_text(struct imsgev *iev, uint32_t type, const char *buf, size_t len)
{
	size_t	 off, n;

	for (off = 0; off < len; off += n) {
		n = len - off > CONF_CHUNK ? CONF_CHUNK : len - off;
		if (imsgev_compose(iev, type, 0, 0, -1, buf + off,
		    n) == -1)
			return (-1);
	}
	return (0);
}

/*
 * The parent's side of personalities: it resolves "random" ones, sends
 * the engine the fingerprints the configuration uses, and warns about
 * tests a fingerprint asks for that cannot be reproduced exactly.
 */

/* Resolve "set T personality random" to one concrete fingerprint. */
static void
conf_pers_random(struct honeyd_config *conf, struct fpdb *db)
{
	struct template		*t;
	const struct fingerprint *fp;

	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		if ((t->flags & TMPL_F_PERS_RANDOM) == 0 ||
		    (fp = fpdb_random(db, NULL)) == NULL)
			continue;
		free(t->personality);
		if ((t->personality = strdup(fingerprint_name(fp))) == NULL)
			fatal("strdup");
		/* The entry drawn, not the typical one of its name. */
		t->pers_entry = fp->nsame > 1 ? fp->nth : 0;
		t->flags &= ~TMPL_F_PERS_RANDOM;
		log_info("template %s: random personality \"%s\"", t->name,
		    t->personality);
	}
}

static void
conf_pers_warn(const char *name, const char *test, const char *why)
{
	log_warnx("personality \"%s\": test %s cannot be emulated exactly: "
	    "%s", name, test, why);
}

/* The fingerprint of t, unless an earlier template uses it too. */
static const struct fingerprint *
conf_pers_first(const struct honeyd_config *conf, const struct template *t,
    const struct fpdb *db)
{
	const struct template	*u;

	if (t->personality == NULL)
		return (NULL);
	TAILQ_FOREACH(u, &conf->tmpl_order, order) {
		if (u == t)
			break;
		if (u->personality != NULL &&
		    u->pers_entry == t->pers_entry &&
		    strcmp(u->personality, t->personality) == 0)
			return (NULL);
	}
	return (fpdb_find_entry(db, t->personality, t->pers_entry));
}

/* Print each fingerprint the config uses, once. */
static void
conf_pers_print(FILE *f, const struct honeyd_config *conf,
    const struct fpdb *db)
{
	const struct template	*t;
	const struct fingerprint *fp;

	TAILQ_FOREACH(t, &conf->tmpl_order, order)
		if ((fp = conf_pers_first(conf, t, db)) != NULL)
			fingerprint_print_entry(f, fp);
}

/*
 * Warn about the tests of each fingerprint the config uses that the
 * engine cannot reproduce exactly (a "random" one is only known later,
 * when it is drawn).
 */
static void
conf_pers_check(const struct honeyd_config *conf, const struct fpdb *db)
{
	const struct template	*t;
	const struct fingerprint *fp;

	TAILQ_FOREACH(t, &conf->tmpl_order, order) {
		if ((fp = conf_pers_first(conf, t, db)) == NULL)
			continue;
		/* Which of a repeated name's entries answers (-v). */
		if (fp->nsame > 1)
			log_info("personality \"%s\" entry %u of %u%s",
			    fp->name, fp->nth, fp->nsame, t->pers_entry == 0 ?
			    " (the most typical)" : "");
		pers_check(fp, conf_pers_warn);
	}
}

/* The texts of a configuration, as the engine parses them. */
static void
conf_texts_make(struct conf_texts *t, struct honeyd_config *conf,
    struct fpdb *db, const char *p0f, size_t p0flen)
{
	FILE	*pf, *cf;

	memset(t, 0, sizeof(*t));
	if ((pf = open_memstream(&t->prints, &t->plen)) == NULL ||
	    (cf = open_memstream(&t->conf, &t->clen)) == NULL)
		fatal("open_memstream");
	conf_pers_random(conf, db);
	conf_pers_print(pf, conf, db);
	config_print(cf, conf);
	if (fclose(pf) == EOF || fclose(cf) == EOF)
		fatal("config printout");
	if (p0flen > 0) {
		if ((t->p0f = malloc(p0flen)) == NULL)
			fatal("p0f text");
		memcpy(t->p0f, p0f, p0flen);
		t->p0flen = p0flen;
	}
}

static int
conf_texts_send(struct imsgev *iev, const struct conf_texts *t)
{
	if (send_text(iev, IMSG_RECONF_PRINTS, t->prints, t->plen) == -1 ||
	    send_text(iev, IMSG_RECONF_CONF, t->conf, t->clen) == -1 ||
	    send_text(iev, IMSG_RECONF_P0F, t->p0f, t->p0flen) == -1 ||
	    imsgev_compose(iev, IMSG_RECONF_DONE, 0, 0, -1,
	    NULL, 0) == -1)
		return (-1);
	return (0);
}

static void
conf_texts_free(struct conf_texts *t)
{
	free(t->prints);
	free(t->conf);
	free(t->p0f);
	memset(t, 0, sizeof(*t));
}

static void
parent_dispatch_engine(int fd, short event, void *arg)
{
	struct engine_proc	*ep = arg;
	struct imsgev		*iev = &ep->iev;
	struct imsgbuf		*ibuf = &iev->ibuf;
	struct imsg		 imsg;
	ssize_t			 n;
	int			 i;

	/* A dead engine: SIGCHLD tells why and starts the next one. */
	switch (imsgev_read(iev, event)) {
	case -1:
		log_warn("read from engine %d", ep->index);
		engine_detach(ep);
		return;
	case 0:
		log_warnx("engine %d closed its pipe", ep->index);
		engine_detach(ep);
		return;
	}
	if ((event & EV_WRITE) && imsgbuf_write(ibuf) == -1) {
		log_warn("write to engine %d", ep->index);
		engine_detach(ep);
		return;
	}
	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			fatal("bad message from engine");
		if (n == 0)
			break;
		if (!engine_owns_id(ep, &imsg)) {
			imsg_free(&imsg);
			continue;
		}
		switch (imsg.hdr.type) {
		case IMSG_PKT_OUT_BATCH:
			wire_output_batch(imsg.data, imsg_get_len(&imsg));
			break;
		case IMSG_SVC_START:
			service_start(&imsg);
			break;
		case IMSG_SVC_STOP:
			service_stop(&imsg);
			break;
		case IMSG_PROXY_CONNECT:
			proxy_connect(&imsg);
			break;
		case IMSG_SUBSYS_CONNECT:
			subsys_connect(&imsg);
			break;
		case IMSG_RECONF_INSTALLED:
			engine_installed(ep);
			break;
		case IMSG_RECONF_ACCEPT:
			if (imsg_get_len(&imsg) != 0)
				fatalx("unexpected reload answer from engine");
			if (ep->restarting)
				engine_restarted(ep, 1, NULL);
			else
				reload_answer(ep, 1, NULL);
			break;
		case IMSG_RECONF_REFUSE:
			if (ep->restarting)
				engine_restarted(ep, 0, ctl_arg(&imsg, 0));
			else
				reload_answer(ep, 0, ctl_arg(&imsg, 0));
			break;
		case IMSG_ENGINE_TALLY:
			engines_tally(ep->index, &imsg);
			break;
		case IMSG_CTL_LIST_MORE:
			if (ep->index != 0)
				fatalx("listing request from engine %d",
				    ep->index);
			engines_list_more(&imsg);
			break;
		case IMSG_CTL_LIST_PART:
			engines_list_part(&imsg);
			break;
		case IMSG_CTL_RELOAD:
			parent_reload(ctl_arg(&imsg, 1), NULL, 1,
			    imsg.hdr.peerid);
			break;
		case IMSG_CTL_CONFIG:
			parent_reload(NULL, ctl_arg(&imsg, 0), 1,
			    imsg.hdr.peerid);
			break;
		case IMSG_CTL_PARENT_INFO:
			control_parent_info(&imsg);
			break;
		case IMSG_CTL_LOG_VERBOSE:
		case IMSG_CTL_LOG_BRIEF:
			log_setverbose(imsg.hdr.type == IMSG_CTL_LOG_VERBOSE);
			/* Engine 0 asked: the others log the same way. */
			for (i = 1; i < parent->nengines; i++)
				if (parent->engines[i] != NULL)
					(void)imsgev_compose(parent->engines[i],
					    imsg.hdr.type, 0, 0, -1, NULL, 0);
			break;
		case IMSG_DHCP_OUT:
			lease_output(&imsg);
			break;
		case IMSG_DHCP_LEASE:
			lease_update(&imsg);
			break;
		default:
			fatalx("unexpected message %u from engine",
			    imsg.hdr.type);
		}
		imsg_free(&imsg);
	}
	wire_flush();
	imsgev_add(iev);
}

/*
 * A request about a connection (service, proxy, subsystem) names it by
 * an id whose top bits are the engine's index (relay_newid): an engine
 * may ask only about its own, or the answer would go to another.
 */
static int
engine_owns_id(struct engine_proc *ep, struct imsg *imsg)
{
	uint32_t	 id;

	switch (imsg->hdr.type) {
	case IMSG_SVC_START:
	case IMSG_SVC_STOP:
	case IMSG_PROXY_CONNECT:
	case IMSG_SUBSYS_CONNECT:
		break;
	default:
		return (1);
	}
	if (imsg_get_len(imsg) < sizeof(id))
		return (1);	/* the handler refuses it */
	memcpy(&id, imsg->data, sizeof(id));
	if ((int)(id >> ENGINE_ID_SHIFT) == ep->index)
		return (1);
	log_warnx("engine %d asked about connection %u of another engine",
	    ep->index, id);
	return (0);
}

/*
 * A control message's argument: NUL-terminated text filling the payload
 * exactly; an empty payload is "" where empty is allowed.  The engine
 * forwards it, so a malformed one means the engine is broken: fatal.
 */
static const char *
ctl_arg(struct imsg *imsg, int empty_ok)
{
	size_t		 len = imsg_get_len(imsg);
	const char	*s = imsg->data;

	if (len == 0 && empty_ok)
		return ("");
	if (len == 0 || len > CTL_ARG_MAX || s[len - 1] != '\0' ||
	    strlen(s) != len - 1)
		fatalx("malformed message %u from engine", imsg->hdr.type);
	return (s);
}

/* IMSG_CTL_RESULT: int32_t ok, then the text, NUL-terminated. */
static void
ctl_result(uint32_t peerid, int ok, const char *text)
{
	struct iovec	 iov[2];
	int32_t		 v = ok;

	iov[0].iov_base = &v;
	iov[0].iov_len = sizeof(v);
	iov[1].iov_base = (void *)text;
	iov[1].iov_len = strlen(text) + 1;
	if (imsgev_composev(parent->engine, IMSG_CTL_RESULT, peerid, 0, -1,
	    iov, 2) == -1)
		fatal("answer to a control client");
}

/*
 * A reload, from SIGHUP or a control client (client, peerid): of the
 * file path ("" or NULL: the running config file), or of the running
 * configuration with the statement stmt.  The new configuration is
 * parsed and checked, its parent side computed aside and the whole
 * sent to the engine; reload_accept() or reload_refuse() ends it when
 * the engine answers.  One at a time: a client asking meanwhile is
 * refused; a SIGHUP is remembered and runs after it.
 */
static void
parent_reload(const char *path, const char *stmt, int client,
    uint32_t peerid)
{
	struct reload	*rl;
	const char	*why;

	/* An engine being healed takes the running one first. */
	if (reload_pending != NULL || engines_restarting()) {
		if (client)
			ctl_result(peerid, 0, "a reload is already in "
			    "progress");
		else
			reload_hup = 1;
		return;
	}
	notify_reloading();
	if (stmt != NULL && *stmt == '\0') {
		parent_reload_refused("empty statement");
		ctl_result(peerid, 0, "empty statement");
		return;
	}
	if (path == NULL || *path == '\0')
		path = honeyd_opts.config;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		fatal("reload");
	rl->client = client;
	rl->peerid = peerid;
	if (stmt != NULL)
		log_info("applying \"%s\"", stmt);
	else
		log_info("reloading configuration %s", path);
	log_capture_start();
	if (reload_prepare(rl, stmt == NULL ? path : NULL, stmt) == -1) {
		why = log_capture_first();
		log_warnx("configuration not reloaded: errors above; keeping "
		    "the running one");
		parent_reload_refused(why != NULL ? why : "errors");
		if (client)
			ctl_result(peerid, 0, why != NULL ? why :
			    "configuration not reloaded");
		reload_free(rl);
		return;
	}
	(void)log_capture_first();
	if (stmt != NULL)
		strlcpy(rl->done, "ok", sizeof(rl->done));
	else
		snprintf(rl->done, sizeof(rl->done), "reloaded %s", path);
	reload_pending = rl;
	/* No engine runs (all being healed): the next ones take it. */
	if (rl->waiting == 0)
		reload_answered();
}

/*
 * An engine's answer to the configuration of the pending reload.  The
 * transaction ends when every engine asked has answered (or died):
 * then all commit, or, if one refused, all drop what they built.
 */
static void
reload_answer(struct engine_proc *ep, int ok, const char *why)
{
	struct reload	*rl = reload_pending;
	unsigned int	 bit = 1U << ep->index;

	if (rl == NULL || (rl->waiting & bit) == 0)
		fatalx("unexpected reload answer from engine %d", ep->index);
	rl->waiting &= ~bit;
	if (ok)
		rl->built |= bit;
	else if (!rl->refused) {
		rl->refused = 1;
		strlcpy(rl->why, why, sizeof(rl->why));
	}
	reload_answered();
}

static void
reload_answered(void)
{
	struct reload	*rl = reload_pending;
	uint32_t	 type;
	int		 i;

	if (rl->waiting != 0)
		return;
	type = rl->refused ? IMSG_RECONF_ABORT : IMSG_RECONF_COMMIT;
	for (i = 0; i < parent->nengines; i++)
		if ((rl->built & (1U << i)) && parent->engines[i] != NULL &&
		    imsgev_compose(parent->engines[i], type, 0, 0, -1, NULL,
		    0) == -1)
			fatal("reload: answer to engine %d", i);
	if (rl->refused)
		reload_refuse(rl->why);
	else
		reload_accept();
}

static int
engines_restarting(void)
{
	int	 i;

	for (i = 0; i < parent->nengines; i++)
		if (engine_procs[i].restarting)
			return (1);
	return (0);
}

/*
 * Everything a configuration needs, computed aside and sent to the
 * engine: nothing of the running one changes here.
 */
static int
reload_prepare(struct reload *rl, const char *path, const char *stmt)
{
	struct fpdb	*db;
	char		*p0f;
	size_t		 p0flen;
	int		 rv, i;

	if (load_p0f(&p0f, &p0flen) == -1)
		return (-1);
	if (load_config(path, stmt, &rl->conf, &db, &rl->em) == -1) {
		free(p0f);
		return (-1);
	}
	if (path != NULL && (rl->path = strdup(path)) == NULL)
		fatal("reload");
	if (honeyd_opts.nnets == 0 && claim_networks(rl->conf,
	    &rl->claimed) == -1) {
		fpdb_free(db);
		free(p0f);
		return (-1);
	}
	rl->claims = honeyd_opts.nnets == 0;
	conf_texts_make(&rl->texts, rl->conf, db, p0f, p0flen);
	fpdb_free(db);
	free(p0f);
	rv = 0;
	for (i = 0; i < parent->nengines; i++) {
		if (parent->engines[i] == NULL)
			continue;
		if (conf_texts_send(parent->engines[i], &rl->texts) == -1)
			fatal("sending the configuration to the engine");
		rl->waiting |= 1U << i;
	}
	return (rv);
}

static void
reload_free(struct reload *rl)
{
	if (rl == NULL)
		return;
	if (rl->conf != NULL)
		config_free(rl->conf);
	ether_map_free(rl->em);
	claim_clear(&rl->claimed);
	conf_texts_free(&rl->texts);
	free(rl->path);
	free(rl);
	malloc_trim(0);		/* a parse's garbage is not worth keeping */
}

/* A SIGHUP that came while a reload was under way runs now. */
static void
reload_after(void)
{
	if (reload_hup) {
		reload_hup = 0;
		parent_reload(NULL, NULL, 0, 0);
	}
}

/* The engine runs the new configuration: the parent's side follows. */
static void
reload_accept(void)
{
	struct reload	*rl = reload_pending;
	char		*filter;
	int		 i, xchanged;

	reload_pending = NULL;
	conf_texts_free(&running_texts);
	running_texts = rl->texts;
	memset(&rl->texts, 0, sizeof(rl->texts));
	/* Before the filters: they take what the bound machines send. */
	xchanged = extbind_sync(rl->conf) == 1;
	if (rl->claims || xchanged) {
		if (rl->claims) {
			claim_clear(&parent->claimed);
			parent->claimed = rl->claimed;
			claim_init(&rl->claimed);
		}
		if ((filter = claim_filter(&parent->claimed)) == NULL)
			fatal("claim_filter");
		for (i = 0; i < parent->nifaces; i++)
			capture_setfilter(&parent->ifaces[i], filter);
		free(filter);
	}
	ether_install(rl->em);
	rl->em = NULL;
	engines_repin(rl->conf);
	service_config(rl->conf);
	subsys_config(rl->conf);
	arpguard_config(rl->conf);
	ndp_config(rl->conf);
	capture_config(rl->conf);
	if (parent_conf != NULL)
		config_free(parent_conf);
	parent_conf = rl->conf;
	rl->conf = NULL;
	if (rl->path != NULL && strcmp(rl->path, honeyd_opts.config) != 0) {
		free(config_path);
		honeyd_opts.config = config_path = rl->path;
		rl->path = NULL;
	}
	gettimeofday(&parent->loaded, NULL);
	if (!rl->startup) {
		parent->reloads++;
		log_info("configuration loaded (reload %llu)",
		    (unsigned long long)parent->reloads);
	}
	if (rl->client)
		ctl_result(rl->peerid, 1, rl->done);
	/* READY when every engine says it runs it (IMSG_RECONF_INSTALLED). */
	if ((installing = rl->built) == 0)
		parent_engine_accept();
	reload_free(rl);
	reload_after();
}

/* The engine keeps running the old one: so do we. */
static void
reload_refuse(const char *why)
{
	struct reload	*rl = reload_pending;

	reload_pending = NULL;
	if (rl->startup) {
		log_warnx("the engine refused the configuration: %s", why);
		reload_free(rl);
		parent_shutdown(1);
	}
	log_warnx("configuration not reloaded: the engine refused it: %s; "
	    "keeping the running one", why);
	parent_reload_refused(why);
	if (rl->client)
		ctl_result(rl->peerid, 0, why);
	reload_free(rl);
	reload_after();
}

/* Engine 0's addresses (engines.c): the topology's and the leases. */
static void
engines_repin(const struct honeyd_config *conf)
{
	struct claimset	 leases;

	claim_init(&leases);
	if (lease_claims(&leases) == -1) {
		claim_clear(&leases);
		claim_init(&leases);
		/* Out of memory: everything to engine 0 is still correct. */
		(void)claim_add(&leases, 0, UINT32_MAX);
	}
	engines_pin(conf, &leases);
}

/*
 * A DHCP client's lease began or ended (lease.c): claim again, and
 * capture what is claimed now.
 */
void
parent_claims_update(void)
{
	char	*filter;
	int	 i;

	struct claimset	 cs;

	if (parent_conf == NULL || claim_networks(parent_conf, &cs) == -1)
		return;
	claim_clear(&parent->claimed);
	parent->claimed = cs;
	engines_repin(parent_conf);
	if ((filter = claim_filter(&parent->claimed)) == NULL)
		fatal("claim_filter");
	for (i = 0; i < parent->nifaces; i++)
		if (parent->ifaces[i].pcap != NULL)
			capture_setfilter(&parent->ifaces[i], filter);
	free(filter);
}

/*
 * Engine ep runs the committed configuration, or died: once every
 * engine sent COMMIT did either, systemd hears that it is over.
 */
static void
engine_installed(struct engine_proc *ep)
{
	unsigned int	 bit = 1U << ep->index;

	if ((installing & bit) == 0)
		return;
	installing &= ~bit;
	if (installing == 0)
		parent_engine_accept();
}

/*
 * The engine runs a new configuration: the first tells systemd that
 * honeyd is up (Type=notify), a later one that a reload is over.
 */
static void
parent_engine_accept(void)
{
	lease_sync(parent_conf);
	notify_status(engine_ready ? "configuration reloaded" : "running");
	notify_ready();
	engine_ready = 1;
}

/* A reload that failed still ends: the running configuration stays. */
static void
parent_reload_refused(const char *why)
{
	char	 status[128];

	if (!engine_ready)
		return;
	strlcpy(status, "configuration not reloaded: ", sizeof(status));
	strlcat(status, why, sizeof(status));
	notify_status(status);
	notify_ready();
}

static void
parent_log_stats(void)
{
	struct pcap_stat	 ps;
	int			 i;

	stats_log(stats_parent, stats_parent_n, &parent->stats);
	for (i = 0; i < parent->nifaces; i++)
		if (parent->ifaces[i].pcap != NULL &&
		    pcap_stats(parent->ifaces[i].pcap, &ps) == 0)
			log_info("%s: pcap received %u dropped %u",
			    parent->ifaces[i].name, ps.ps_recv, ps.ps_drop);
}

/* How an engine ended, when not as asked. */
static void
engine_log_death(struct engine_proc *ep, int status)
{
	if (WIFSIGNALED(status))
		snprintf(parent->engine_death, sizeof(parent->engine_death),
		    "terminated by signal %d%s", WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (a system call its sandbox "
		    "refuses; honeyd -d shows which)" : "");
	else
		snprintf(parent->engine_death, sizeof(parent->engine_death),
		    "exited with status %d", WEXITSTATUS(status));
	if (parent->nengines > 1)
		log_warnx("engine %s (engine %d of %d)",
		    parent->engine_death, ep->index, parent->nengines);
	else
		log_warnx("engine %s", parent->engine_death);
}

/*
 * Start an engine and connect its pipe.  Its configuration follows:
 * the caller sends one.  Only engine 0 serves the control socket.
 */
static int
engine_start(struct engine_proc *ep)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = engine_spawn(ep->index, engine_uid, engine_gid,
	    ep->index == 0 ? engine_ctlfd : -1, &fd)) == -1)
		return (-1);
	ep->pid = pid;
	ep->started = time(NULL);
	if (imsgev_init(&ep->iev, parent->base, fd,
	    parent_dispatch_engine, ep) == -1)
		fatalx("imsg event");
	imsgev_add(&ep->iev);
	parent->engines[ep->index] = &ep->iev;
	if (ep->index == 0) {
		parent->engine = &ep->iev;
		parent->engine_pid = pid;
		parent->engine_started = ep->started;
	}
	return (0);
}

/* An engine's pipe is gone: its frames are dropped until the next. */
static void
engine_detach(struct engine_proc *ep)
{
	if (parent->engines[ep->index] == NULL)
		return;
	close(ep->iev.ibuf.fd);
	framebatch_forget(&ep->iev.ibuf);
	imsgev_clear(&ep->iev);
	parent->engines[ep->index] = NULL;
	if (ep->index == 0)
		parent->engine = NULL;
}

/*
 * An engine died.  Its services go with it (their connections lived
 * in it), a reload it was building fails for all (a transaction), and
 * a new engine starts after the back-off delay.  The others run on.
 */
static void
engine_died(struct engine_proc *ep, int status)
{
	struct reload	*rl = reload_pending;
	unsigned int	 bit = 1U << ep->index;

	ep->pid = 0;
	if (ep->index == 0)
		parent->engine_pid = 0;
	engine_log_death(ep, status);
	engine_detach(ep);
	service_killall(ep->index);
	if (ep->index == 0)
		lease_forget();
	engines_gone(ep->index);
	ep->restarting = 0;
	engine_installed(ep);
	if (rl != NULL && ((rl->waiting | rl->built) & bit)) {
		rl->waiting &= ~bit;
		rl->built &= ~bit;
		if (!rl->refused) {
			rl->refused = 1;
			snprintf(rl->why, sizeof(rl->why), "engine %d died",
			    ep->index);
		}
		/* Its client was engine 0's, and is gone too. */
		if (ep->index == 0)
			rl->client = 0;
		reload_answered();
	}
	if (time(NULL) - ep->started >= ENGINE_STABLE_SECS)
		ep->deaths = 0;
	engine_schedule(ep);
}

/* The next engine's start, later with each death in a row. */
static void
engine_schedule(struct engine_proc *ep)
{
	struct timeval	 tv;
	long		 ms;

	if (++ep->deaths > ENGINE_DEATHS_MAX) {
		log_warnx("the engine died %d times in a row; giving up",
		    ep->deaths);
		parent_shutdown(1);
	}
	ms = (long)ENGINE_RESTART_MS << (ep->deaths - 1);
	if (ms > ENGINE_RESTART_MAX_MS)
		ms = ENGINE_RESTART_MAX_MS;
	log_warnx("starting a new engine in %ld ms (death %d in a row)", ms,
	    ep->deaths);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ep->restart_ev, &tv);
}

/*
 * The next engine, with the logs and the configuration the last ran.
 * A reload under way finishes first: the new engine then takes the
 * configuration it committed.
 */
static void
engine_restart(int fd, short event, void *arg)
{
	struct engine_proc	*ep = arg;
	struct engine_restart	 er;
	struct timeval		 tv = { 0, ENGINE_RESTART_MS * 1000 };

	if (reload_pending != NULL) {
		evtimer_add(ep->restart_ev, &tv);
		return;
	}
	if (engine_start(ep) == -1) {
		log_warn("starting an engine");
		engine_schedule(ep);
		return;
	}
	parent->stats.engine_restarts++;
	parent->engine_restarts_of[ep->index]++;
	memset(&er, 0, sizeof(er));
	er.restarts = parent->stats.engine_restarts;
	strlcpy(er.cause, parent->engine_death, sizeof(er.cause));
	if (imsgev_compose(&ep->iev, IMSG_ENGINE_RESTART, 0, 0, -1,
	    &er, sizeof(er)) == -1)
		fatal("engine restart");
	send_logs(&ep->iev, 0);
	if (conf_texts_send(&ep->iev, &running_texts) == -1)
		fatal("sending the configuration to the engine");
	ep->restarting = 1;
}

/* A healed engine's answer to the running configuration. */
static void
engine_restarted(struct engine_proc *ep, int ok, const char *why)
{
	ep->restarting = 0;
	if (!ok) {
		log_warnx("the new engine refused the running configuration: "
		    "%s; giving up", why);
		parent_shutdown(1);
	}
	if (imsgev_compose(&ep->iev, IMSG_RECONF_COMMIT, 0, 0, -1, NULL,
	    0) == -1)
		fatal("engine restart");
	log_info("engine restarted (restart %llu): running the "
	    "configuration again", (unsigned long long)
	    parent->stats.engine_restarts);
	if (ep->index == 0)
		lease_sync(parent_conf);
	subsys_engine_sync(&ep->iev);
	reload_after();
}

/* The control socket's path; NULL for none (-c "" or -c none). */
static const char *
ctl_path(void)
{
	const char	*p = honeyd_opts.ctlsock;

	if (p == NULL || *p == '\0' || strcmp(p, "none") == 0)
		return (NULL);
	return (p);
}

/*
 * An engine asked to stop sends its counters last (IMSG_ENGINE_TALLY)
 * and exits: what is left in its pipe is read for them, so the exit
 * log sums every engine's.
 */
static void
engine_exit_drain(struct engine_proc *ep)
{
	struct imsgbuf	*ibuf = &ep->iev.ibuf;
	struct imsg	 imsg;
	ssize_t		 n;

	if (parent->engines[ep->index] == NULL)
		return;
	do {
		while ((n = imsg_get(ibuf, &imsg)) > 0) {
			if (imsg.hdr.type == IMSG_ENGINE_TALLY)
				engines_tally(ep->index, &imsg);
			imsg_free(&imsg);
		}
	} while (n == 0 && imsgbuf_read(ibuf) > 0);
}

static __dead void
parent_shutdown(int status)
{
	struct engine_proc	*ep;
	int			 i, est;

	service_killall(-1);
	subsys_killall();
	for (i = 0; i < parent->nengines; i++)
		if (engine_procs[i].pid > 0)
			kill(engine_procs[i].pid, SIGTERM);
	lease_drain();
	for (i = 0; i < parent->nengines; i++) {
		ep = &engine_procs[i];
		if (ep->pid <= 0)
			continue;
		/* It may have died first: that is why we are here. */
		if (waitpid(ep->pid, &est, 0) > 0 && est != 0 &&
		    !(WIFSIGNALED(est) && WTERMSIG(est) == SIGTERM))
			engine_log_death(ep, est);
		ep->pid = 0;
		engine_exit_drain(ep);
	}
	parent->engine_pid = 0;
	parent_log_stats();
	engines_log_total();
	arpguard_flush();
	wire_pend_flush();
	for (i = 0; i < parent->nifaces; i++)
		capture_close(&parent->ifaces[i]);
	if (honeyd_opts.pidfile != NULL)
		unlink(honeyd_opts.pidfile);
	if (ctl_path() != NULL)
		unlink(ctl_path());
	log_info("exiting");
	exit(status);
}

/*
 * An engine's log files: opened here, passed there.  Every engine
 * appends to the same files, a whole line per write.
 */
static void
send_logs(struct imsgev *iev, int startup)
{
	const char	*paths[LOGF_MAX] = { NULL };

	paths[LOGF_PACKET] = honeyd_opts.pktlog;
	paths[LOGF_SERVICE] = honeyd_opts.svclog;
	paths[LOGF_JSON] = honeyd_opts.jsonlog;
	/* -j syslog[:...]: the same events, to a syslog socket instead. */
	if (eventlog_is_syslog(honeyd_opts.jsonlog)) {
		paths[LOGF_SYSLOG] = honeyd_opts.jsonlog;
		paths[LOGF_JSON] = NULL;
	}
	eventlog_send(iev, paths, startup);
}

static void
parent_sig(int sig, short event, void *arg)
{
	pid_t	 pid;
	int	 status, i;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		parent_shutdown(0);
		break;
	case SIGHUP:
		parent_reload(NULL, NULL, 0, 0);
		break;
	case SIGUSR1:
		log_info("reopening log files");
		for (i = 0; i < parent->nengines; i++)
			if (parent->engines[i] != NULL)
				send_logs(parent->engines[i], 0);
		break;
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < parent->nengines; i++)
				if (pid == engine_procs[i].pid)
					break;
			if (i == parent->nengines) {
				if (!service_reaped(pid, status))
					(void)subsys_reaped(pid, status);
				continue;
			}
			engine_died(&engine_procs[i], status);
		}
		break;
	}
}

static void
write_pidfile(const char *path)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fatal("pidfile %s", path);
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

/* The chroot must exist, belong to root and be writable by no one else. */
static void
chroot_prepare(const char *dir)
{
	struct stat	 st;

	if (stat(dir, &st) == -1) {
		if (errno != ENOENT || mkdir(dir, 0755) == -1)
			fatal("chroot directory %s", dir);
		return;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("chroot directory %s must be a directory owned by "
		    "root and not writable by group or others", dir);
}

/*
 * Start the engine: fork, and exec this program afresh (the file
 * opened at start, so an upgrade on disk is not mixed with us) with the
 * hidden option -X engine, its socketpair end at ENGINE_FD and the
 * control socket (ctlfd, or nothing) at ENGINE_FD_CTL; every other
 * descriptor is closed.  It inherits nothing of our memory: no config,
 * fingerprints or MAC map but what it is sent.
 */
static pid_t
engine_spawn(int index, uid_t uid, gid_t gid, int ctlfd, int *fdp)
{
	extern char	**environ;
	char		 suid[16], sgid[16], sidx[16];
	char		*argv[16];
	int		 fd, e, c = -1, x, n = 0, i;
	pid_t		 pid;

	if ((pid = proc_fork(&fd)) != 0) {
		if (pid != -1)
			*fdp = fd;
		return (pid);
	}
	/* Out of the way of the fixed numbers first, then into them. */
	if ((e = fcntl(fd, F_DUPFD, 10)) == -1 ||
	    (x = fcntl(self_exe, F_DUPFD, 10)) == -1 ||
	    (ctlfd != -1 && (c = fcntl(ctlfd, F_DUPFD, 10)) == -1))
		_exit(127);
	if (dup2(e, ENGINE_FD) == -1 ||
	    dup3(x, ENGINE_FD_EXE, O_CLOEXEC) == -1 ||
	    (c != -1 && dup2(c, ENGINE_FD_CTL) == -1))
		_exit(127);
	if (c == -1)
		(void)close(ENGINE_FD_CTL);
	closefrom(ENGINE_FD_EXE + 1);
	snprintf(suid, sizeof(suid), "%lu", (unsigned long)uid);
	snprintf(sgid, sizeof(sgid), "%lu", (unsigned long)gid);
	argv[n++] = "honeyd";
	argv[n++] = "-X";
	argv[n++] = "engine";
	/* One of several: -e its index + 1; a lone engine has none. */
	if (parent->nengines > 1) {
		snprintf(sidx, sizeof(sidx), "%d", index + 1);
		argv[n++] = "-e";
		argv[n++] = sidx;
	}
	argv[n++] = "-u";
	argv[n++] = suid;
	argv[n++] = "-g";
	argv[n++] = sgid;
	argv[n++] = "-C";
	argv[n++] = (char *)honeyd_opts.chroot;
	if (honeyd_opts.debug)
		argv[n++] = "-d";
	for (i = 0; i < honeyd_opts.verbose && i < 3; i++)
		argv[n++] = "-v";
	argv[n] = NULL;
	fexecve(ENGINE_FD_EXE, argv, environ);
	log_warn("exec engine");
	_exit(127);
}

/* honeyd -X engine: the engine, started by engine_spawn(). */
static __dead void
engine_exec_main(void)
{
	const char	*errstr;
	uid_t		 uid;
	gid_t		 gid;

	log_init(honeyd_opts.debug, LOG_DAEMON);
	log_setverbose(honeyd_opts.verbose);
	if (strcmp(internal_role, "engine") != 0 || honeyd_opts.user == NULL ||
	    honeyd_opts.group == NULL)
		fatalx("-X is internal: honeyd starts its engine with it");
	uid = strtonum(honeyd_opts.user, 1, UINT_MAX - 1, &errstr);
	if (errstr == NULL)
		gid = strtonum(honeyd_opts.group, 0, UINT_MAX - 1, &errstr);
	if (errstr != NULL || fcntl(ENGINE_FD, F_GETFD) == -1)
		fatalx("-X engine: bad user, group or descriptor");
	/* Run from a descriptor, the kernel would call us "5". */
	(void)prctl(PR_SET_NAME, "honeyd", 0, 0, 0);
	engine_main(honeyd_opts.engines, ENGINE_FD,
	    fcntl(ENGINE_FD_CTL, F_GETFD) == -1 ? -1 :
	    ENGINE_FD_CTL, uid, gid, honeyd_opts.chroot);
}

int
main(int argc, char **argv, char **envp)
{
	static struct parent	 p;
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
				    SIGUSR1 };
	struct reload		*rl;
	struct fpdb		*db;
	char			*p0f;
	size_t			 p0flen;
	uid_t			 uid;
	gid_t			 gid;
	int			 i;
	const char		*user;

	setproctitle_init(argc, argv, envp);
	parse_args(argc, argv);
	if (internal_role != NULL)
		engine_exec_main();
	parent = &p;
	log_init(honeyd_opts.debug || honeyd_opts.noaction, LOG_DAEMON);
	log_setverbose(honeyd_opts.verbose);
	if (!honeyd_opts.noaction && (self_exe = open("/proc/self/exe",
	    O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "/proc/self/exe");

	/* The first configuration is a reload like any other. */
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		err(1, NULL);
	rl->startup = 1;
	if (load_p0f(&p0f, &p0flen) == -1 ||
	    load_config(honeyd_opts.config, NULL, &rl->conf, &db,
	    &rl->em) == -1)
		exit(1);
	if (honeyd_opts.noaction) {
		extbind_check(rl->conf);
		ether_install(rl->em);
		if (honeyd_opts.verbose)
			config_print(stdout, rl->conf);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");
	user = honeyd_opts.user;
	if (user == NULL)
		user = getpwnam(HONEYD_USER) != NULL ? HONEYD_USER :
		    HONEYD_USER_FALLBACK;
	if (proc_lookup_user(user, honeyd_opts.group, &uid, &gid) == -1)
		errx(1, "unknown user or group: %s", user);
	if (uid == 0)
		errx(1, "the engine must not run as root");
	chroot_prepare(honeyd_opts.chroot);
	if (claim_networks(rl->conf, &rl->claimed) == -1)
		exit(1);
	rl->claims = 1;
	if (eventlog_is_syslog(honeyd_opts.jsonlog) &&
	    eventlog_syslog_check(honeyd_opts.jsonlog) == -1)
		exit(1);
	gettimeofday(&parent->started, NULL);
	parent->loaded = parent->started;
	/* Made here, served by the engine, which gets it at a fixed fd. */
	if (ctl_path() != NULL &&
	    (engine_ctlfd = control_open(ctl_path(), gid)) == -1)
		exit(1);
	/* -F: a supervisor (systemd's Type=notify) keeps the process. */
	if (!honeyd_opts.debug && !honeyd_opts.foreground &&
	    daemon(1, 0) == -1)
		fatal("daemon");
	if (honeyd_opts.pidfile != NULL)
		write_pidfile(honeyd_opts.pidfile);

	setproctitle("parent");
	log_procinit("parent");
	if ((parent->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	/* Engine 0 gets the control socket: the parent keeps it. */
	engine_uid = uid;
	engine_gid = gid;
	parent->nengines = honeyd_opts.engines > 0 ? honeyd_opts.engines :
	    engines_default();
	for (i = 0; i < parent->nengines; i++) {
		engine_procs[i].index = i;
		if ((engine_procs[i].restart_ev = evtimer_new(parent->base,
		    engine_restart, &engine_procs[i])) == NULL)
			fatalx("evtimer_new");
		if (engine_start(&engine_procs[i]) == -1)
			fatal("starting the engine");
	}
	if (parent->nengines > 1)
		log_info("%d engines", parent->nengines);
	service_init(parent->base, uid);
	subsys_init(parent->base);
	if (proc_signals(parent->base, sigs, sizeof(sigs) / sizeof(sigs[0]),
	    parent_sig) == -1)
		fatalx("signal events");
	signal(SIGPIPE, SIG_IGN);
	if (wire_init() == -1)
		fatal("wire_init");
	if (honeyd_opts.nifaces == 0)
		honeyd_opts.ifaces[honeyd_opts.nifaces++] = iface_default();
	/* Nothing is claimed until the engine accepts the configuration. */
	for (i = 0; i < honeyd_opts.nifaces; i++)
		if (iface_setup(&parent->ifaces[i], honeyd_opts.ifaces[i],
		    i) == -1)
			parent_shutdown(1);
	parent->nifaces = honeyd_opts.nifaces;
	conf_texts_make(&rl->texts, rl->conf, db, p0f, p0flen);
	for (i = 0; i < parent->nengines; i++) {
		send_logs(parent->engines[i], 1);
		if (conf_texts_send(parent->engines[i], &rl->texts) == -1)
			fatal("sending the configuration to the engine");
		rl->waiting |= 1U << i;
	}
	fpdb_free(db);
	free(p0f);
	reload_pending = rl;
	malloc_trim(0);

	event_base_dispatch(parent->base);
	parent_shutdown(0);
	return (0);
}
