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
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
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
#include "personality.h"
#include "proc.h"

#define HONEYD_VERSION	"2.0"
#define CONF_CHUNK	(16 * 1024)

struct honeyd_opts	 honeyd_opts;
struct parent		*parent;

static struct honeyd_config	*parent_conf;
/* The engine has installed a configuration: systemd was told READY. */
static int			 engine_ready;
/* The p0f signatures' text, read with the config, until it is sent. */
static char			*p0f_text;
static size_t			 p0f_len;

static __dead void	 usage(void);
static void		 parse_args(int, char **);
static int		 load_config(struct honeyd_config **, struct fpdb **,
			    struct ether_map **);
static int		 load_p0f(void);
static struct fpdb	*prints_in_use(struct honeyd_config *, struct fpdb *);
static int		 claim_networks(struct honeyd_config *);
static int		 iface_setup(struct iface *, const char *, int);
static const char	*iface_default(void);
static void		 parent_dispatch_engine(int, short, void *);
static void		 parent_sig(int, short, void *);
static void		 parent_reload(void);
static void		 parent_reload_refused(const char *);
static void		 parent_engine_accept(void);
static __dead void	 parent_shutdown(int);
static int		 send_config(struct honeyd_config *, struct fpdb *);
static void		 parent_log_stats(void);
static void		 engine_log_death(int);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: honeyd [-dFnvV] [-0 p0f-file] [-f config] "
	    "[-i iface]... [-p fingerprints]\n\t[-u user] "
	    "[-g group] [-l pktlog] [-s svclog] [-j jsonlog] "
	    "[-c ctlsocket]\n\t[-P pidfile] [-C chrootdir] [-S svcdir] "
	    "[net ...]\n");
	exit(1);
}

static void
parse_args(int argc, char **argv)
{
	struct honeyd_opts	*o = &honeyd_opts;
	int			 ch;

	o->config = HONEYD_CONF;
	o->prints = HONEYD_PRINTS;
	o->p0f = HONEYD_P0F;
	o->ctlsock = HONEYD_CTLSOCK;
	o->chroot = HONEYD_CHROOT;
	while ((ch = getopt(argc, argv, "0:C:c:dFf:g:i:j:l:nP:p:S:s:u:vV")) !=
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
		default:
			usage();
		}
	}
	o->nets = argv + optind;
	o->nnets = argc - optind;
}

/*
 * Read the fingerprints, then the config checked against them, and
 * resolve its MACs (ether.c).
 */
static int
load_config(struct honeyd_config **confp, struct fpdb **dbp,
    struct ether_map **emp)
{
	struct fpdb		*db;
	struct honeyd_config	*conf;
	struct svc_limits	 lim;

	if (load_p0f() == -1)
		return (-1);
	if ((db = fpdb_load(honeyd_opts.prints)) == NULL)
		return (-1);
	conf = config_parse_file(honeyd_opts.config, fpdb_check_name, db);
	if (conf != NULL && (svc_limits_parse(&lim, conf) == -1 ||
	    ipfrag_conf_timeout(conf) == -1 ||
	    (*emp = ether_map_build(conf)) == NULL)) {
		config_free(conf);
		conf = NULL;
	}
	ether_release();
	if (conf == NULL) {
		fpdb_free(db);
		return (-1);
	}
	personality_check(conf, db);
	*confp = conf;
	*dbp = db;
	return (0);
}

/*
 * Read the p0f SYN signatures (-0) for the engine, which gets only
 * their section; parse them here too, for the warnings.  The default
 * file missing turns the feature off; a file given with -0 must be
 * there.
 */
static int
load_p0f(void)
{
	struct passive_db	*pdb;
	char			*buf;
	size_t			 len;
	int			 r;

	r = passive_db_read(honeyd_opts.p0f, honeyd_opts.p0f_given, &buf,
	    &len);
	if (r == -1)
		return (-1);
	free(p0f_text);
	p0f_text = NULL;
	p0f_len = 0;
	if (r == 1) {
		log_info("no %s: passive fingerprinting of sources is off",
		    honeyd_opts.p0f);
		return (0);
	}
	if ((pdb = passive_db_parse(honeyd_opts.p0f, buf, len, 0,
	    NULL)) == NULL ||
	    passive_db_extract(buf, len, &p0f_text, &p0f_len) == -1)
		fatal("p0f signatures");
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
 * Keep only the fingerprints the config uses, the only ones the parent
 * sends: the engine, forked next, would otherwise carry a copy of the
 * whole file's parsed database (megabytes for nmap-os-db) for nothing.
 * Random personalities are picked now, from the whole file.
 */
static struct fpdb *
prints_in_use(struct honeyd_config *conf, struct fpdb *db)
{
	struct fpdb	*used;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;

	personality_resolve_random(conf, db);
	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	personality_print_used(f, conf, db);
	if (fclose(f) == EOF)
		fatal("fingerprint printout");
	used = fpdb_load_buffer("fingerprints in use", buf, len);
	free(buf);
	if (used == NULL)
		return (db);
	fpdb_free(db);
	malloc_trim(0);
	return (used);
}

/* The command line's networks, else every address the config uses. */
static int
claim_networks(struct honeyd_config *conf)
{
	struct claimset	 cs;
	uint32_t	 lo, hi;
	int		 i;

	claim_init(&cs);
	for (i = 0; i < honeyd_opts.nnets; i++) {
		if (claim_parse(honeyd_opts.nets[i], &lo, &hi) == -1) {
			log_warnx("bad network to claim: %s",
			    honeyd_opts.nets[i]);
			goto fail;
		}
		if (claim_add(&cs, lo, hi) == -1)
			goto fail;
	}
	if (honeyd_opts.nnets == 0 && config_claimed_ranges(conf, &cs) == -1)
		goto fail;
	if (lease_claims(&cs) == -1)
		goto fail;
	claim_normalize(&cs);
	/* A DHCP client claims its address once it has one. */
	if (cs.n == 0 && TAILQ_EMPTY(&conf->dhcp)) {
		log_warnx("no addresses to claim: give networks on the "
		    "command line or bind addresses in the config");
		goto fail;
	}
	claim_clear(&parent->claimed);
	parent->claimed = cs;
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
		ifp->mask = ie.intf_addr.addr_bits == 0 ? 0 :
		    ~0U << (32 - ie.intf_addr.addr_bits);
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
send_text(uint32_t type, const char *buf, size_t len)
{
	size_t	 off, n;

	for (off = 0; off < len; off += n) {
		n = len - off > CONF_CHUNK ? CONF_CHUNK : len - off;
		if (imsgev_compose(parent->engine, type, 0, 0, -1, buf + off,
		    n) == -1)
			return (-1);
	}
	return (0);
}

static int
send_config(struct honeyd_config *conf, struct fpdb *db)
{
	char	*pbuf = NULL, *cbuf = NULL;
	size_t	 plen = 0, clen = 0;
	FILE	*pf, *cf;
	int	 rv = -1;

	if ((pf = open_memstream(&pbuf, &plen)) == NULL ||
	    (cf = open_memstream(&cbuf, &clen)) == NULL)
		fatal("open_memstream");
	personality_resolve_random(conf, db);
	personality_print_used(pf, conf, db);
	config_print(cf, conf);
	if (fclose(pf) == EOF || fclose(cf) == EOF)
		fatal("config printout");
	if (send_text(IMSG_RECONF_PRINTS, pbuf, plen) == 0 &&
	    send_text(IMSG_RECONF_CONF, cbuf, clen) == 0 &&
	    send_text(IMSG_RECONF_P0F, p0f_text, p0f_len) == 0 &&
	    imsgev_compose(parent->engine, IMSG_RECONF_DONE, 0, 0, -1,
	    NULL, 0) == 0)
		rv = 0;
	free(pbuf);
	free(cbuf);
	free(p0f_text);
	p0f_text = NULL;
	p0f_len = 0;
	return (rv);
}

static void
parent_dispatch_engine(int fd, short event, void *arg)
{
	struct imsgev	*iev = arg;
	struct imsgbuf	*ibuf = &iev->ibuf;
	struct imsg	 imsg;
	ssize_t		 n;

	switch (imsgev_read(iev, event)) {
	case -1:
		fatal("read from engine");
	case 0:
		log_warnx("engine closed its pipe");
		parent_shutdown(1);
	}
	if ((event & EV_WRITE) && imsgbuf_write(ibuf) == -1)
		fatal("write to engine");
	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			fatal("bad message from engine");
		if (n == 0)
			break;
		switch (imsg.hdr.type) {
		case IMSG_PKT_OUT:
			wire_output(imsg.data, imsg_get_len(&imsg));
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
		case IMSG_RECONF_ACCEPT:
			parent_engine_accept();
			break;
		case IMSG_RECONF_REFUSE:
			parent_reload_refused("the engine refused it");
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
 * SIGHUP: a new configuration replaces the running one only if it loads
 * cleanly; its errors reach the log (log_diag) so the refusal says why.
 */
static void
parent_reload(void)
{
	struct honeyd_config	*conf;
	struct fpdb		*db;
	struct ether_map	*em;
	char			*filter;
	int			 i;

	log_info("reloading configuration %s", honeyd_opts.config);
	notify_reloading();
	if (load_config(&conf, &db, &em) == -1) {
		log_warnx("configuration not reloaded: errors above; "
		    "keeping the running one");
		parent_reload_refused("errors in the configuration");
		return;
	}
	if (honeyd_opts.nnets == 0) {
		if (claim_networks(conf) == -1) {
			log_warnx("configuration not reloaded");
			parent_reload_refused("no addresses to claim");
			config_free(conf);
			fpdb_free(db);
			ether_map_free(em);
			return;
		}
		if ((filter = claim_filter(&parent->claimed)) == NULL)
			fatal("claim_filter");
		for (i = 0; i < parent->nifaces; i++)
			capture_setfilter(&parent->ifaces[i], filter);
		free(filter);
	}
	if (send_config(conf, db) == -1)
		fatal("sending the configuration to the engine");
	fpdb_free(db);
	service_config(conf);
	ether_install(em);
	config_free(parent_conf);
	parent_conf = conf;
	malloc_trim(0);		/* a parse's garbage is not worth keeping */
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

	if (claim_networks(parent_conf) == -1)
		return;
	if ((filter = claim_filter(&parent->claimed)) == NULL)
		fatal("claim_filter");
	for (i = 0; i < parent->nifaces; i++)
		if (parent->ifaces[i].pcap != NULL)
			capture_setfilter(&parent->ifaces[i], filter);
	free(filter);
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
	snprintf(status, sizeof(status), "configuration not reloaded: %s",
	    why);
	notify_status(status);
	notify_ready();
}

static void
parent_log_stats(void)
{
	struct parent_stats	*s = &parent->stats;
	struct pcap_stat	 ps;
	int			 i;

	log_info("frames in %llu ip %llu short %llu other %llu "
	    "engine-drop %llu; arp requests %llu replies %llu; "
	    "out %llu refused %llu noneigh %llu errors %llu",
	    (unsigned long long)s->frames_in, (unsigned long long)s->frames_ip,
	    (unsigned long long)s->frames_short,
	    (unsigned long long)s->frames_other,
	    (unsigned long long)s->frames_engine_drop,
	    (unsigned long long)s->arp_requests,
	    (unsigned long long)s->arp_replies,
	    (unsigned long long)s->out_frames,
	    (unsigned long long)s->out_refused,
	    (unsigned long long)s->out_noneigh,
	    (unsigned long long)s->out_errors);
	for (i = 0; i < parent->nifaces; i++)
		if (parent->ifaces[i].pcap != NULL &&
		    pcap_stats(parent->ifaces[i].pcap, &ps) == 0)
			log_info("%s: pcap received %u dropped %u",
			    parent->ifaces[i].name, ps.ps_recv, ps.ps_drop);
}

/* How the engine ended, when not as asked. */
static void
engine_log_death(int status)
{
	if (WIFSIGNALED(status))
		log_warnx("engine terminated by signal %d%s", WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (a system call its sandbox "
		    "refuses; honeyd -d shows which)" : "");
	else
		log_warnx("engine exited with status %d", WEXITSTATUS(status));
}

static __dead void
parent_shutdown(int status)
{
	int	 i, est;

	service_killall();
	if (parent->engine_pid > 0) {
		kill(parent->engine_pid, SIGTERM);
		lease_drain();
		/* It may have died first: that is why we are here. */
		if (waitpid(parent->engine_pid, &est, 0) > 0 && est != 0 &&
		    !(WIFSIGNALED(est) && WTERMSIG(est) == SIGTERM))
			engine_log_death(est);
		parent->engine_pid = 0;
	}
	parent_log_stats();
	for (i = 0; i < parent->nifaces; i++)
		capture_close(&parent->ifaces[i]);
	if (honeyd_opts.pidfile != NULL)
		unlink(honeyd_opts.pidfile);
	log_info("exiting");
	exit(status);
}

/* The engine's log files: opened here, passed there. */
static void
send_logs(int startup)
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
	eventlog_send(parent->engine, paths, startup);
}

static void
parent_sig(int sig, short event, void *arg)
{
	pid_t	 pid;
	int	 status;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		parent_shutdown(0);
		break;
	case SIGHUP:
		parent_reload();
		break;
	case SIGUSR1:
		log_info("reopening log files");
		send_logs(0);
		break;
	case SIGCHLD:
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid != parent->engine_pid) {
				(void)service_reaped(pid, status);
				continue;
			}
			parent->engine_pid = 0;
			engine_log_death(status);
			parent_shutdown(1);
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

int
main(int argc, char **argv, char **envp)
{
	static struct parent	 p;
	static struct imsgev	 engine_iev;
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
				    SIGUSR1 };
	struct fpdb		*db;
	struct ether_map	*em;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	int			 fd, i;
	const char		*user;

	setproctitle_init(argc, argv, envp);
	parse_args(argc, argv);
	parent = &p;
	log_init(honeyd_opts.debug || honeyd_opts.noaction, LOG_DAEMON);
	log_setverbose(honeyd_opts.verbose);

	if (load_config(&parent_conf, &db, &em) == -1)
		exit(1);
	ether_install(em);
	if (honeyd_opts.noaction) {
		if (honeyd_opts.verbose)
			config_print(stdout, parent_conf);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	db = prints_in_use(parent_conf, db);
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
	if (claim_networks(parent_conf) == -1)
		exit(1);
	if (eventlog_is_syslog(honeyd_opts.jsonlog) &&
	    eventlog_syslog_check(honeyd_opts.jsonlog) == -1)
		exit(1);
	/* -F: a supervisor (systemd's Type=notify) keeps the process. */
	if (!honeyd_opts.debug && !honeyd_opts.foreground &&
	    daemon(1, 0) == -1)
		fatal("daemon");
	if (honeyd_opts.pidfile != NULL)
		write_pidfile(honeyd_opts.pidfile);

	/* The engine gets nothing but its end of the socketpair. */
	switch ((pid = proc_fork(&fd))) {
	case -1:
		fatal("fork engine");
	case 0:
		/* Its copy comes over imsg, like everyone's. */
		free(p0f_text);
		p0f_text = NULL;
		engine_main(fd, uid, gid, honeyd_opts.chroot);
		/* NOTREACHED */
	default:
		break;
	}
	parent->engine_pid = pid;
	setproctitle("parent");
	log_procinit("parent");

	if ((parent->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	service_init(parent->base, uid);
	service_config(parent_conf);
	parent->engine = &engine_iev;
	if (imsgev_init(parent->engine, parent->base, fd,
	    parent_dispatch_engine, parent->engine) == -1)
		fatalx("imsg event");
	imsgev_add(parent->engine);
	if (proc_signals(parent->base, sigs, sizeof(sigs) / sizeof(sigs[0]),
	    parent_sig) == -1)
		fatalx("signal events");
	signal(SIGPIPE, SIG_IGN);
	if (wire_init() == -1)
		fatal("wire_init");
	if (honeyd_opts.nifaces == 0)
		honeyd_opts.ifaces[honeyd_opts.nifaces++] = iface_default();
	for (i = 0; i < honeyd_opts.nifaces; i++)
		if (iface_setup(&parent->ifaces[i], honeyd_opts.ifaces[i],
		    i) == -1)
			parent_shutdown(1);
	parent->nifaces = honeyd_opts.nifaces;
	send_logs(1);
	if (send_config(parent_conf, db) == -1)
		fatal("sending the configuration to the engine");
	fpdb_free(db);
	malloc_trim(0);

	event_base_dispatch(parent->base);
	parent_shutdown(0);
	return (0);
}
