/*
 * The packet engine: chrooted, unprivileged, and the only process that
 * parses attacker bytes.  It receives IP packets from the parent, runs
 * them through the dispatcher (ip.c) and sends its answers back to the
 * parent for the wire.  Its configuration arrives as text over imsg and
 * is parsed aside, then swapped in whole.
 */

#include <sys/types.h>

#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "proc.h"
#include "sandbox.h"

struct engine		*engine;

/* Set while a batch from the parent is dispatched: it ends in a write. */
static int		 engine_in_batch;

static void	 engine_dispatch_parent(int, short, void *);
static void	 engine_frames(struct imsg *);
static void	 engine_flush(int, short, void *);
static void	 engine_write(void);
static void	 engine_restarted(struct imsg *);

/* Answers sent outside a dispatch (timers) go out at the turn's end. */
static struct event	*engine_flush_ev;

/* Set when this engine replaces a dead one, until it is logged. */
static struct engine_restart	 engine_restart_info;
static void	 engine_sig(int, short, void *);
static void	 engine_reconf_append(char **, size_t *, struct imsg *);
static struct honeyd_config *engine_reconf_build(struct fpdb **, char *,
		    size_t);
static void	 engine_reconf_done(void);
static void	 engine_install(struct honeyd_config *, struct fpdb *);
static void	 engine_reconf_commit(int);
static void	 engine_send_tally(uint32_t);
static void	 engine_log_stats(void);

/*
 * one: 0 for a lone engine, else its index + 1 among several (-e N);
 * fd: the socketpair to the parent; ctlfd: the control socket or -1
 * (engine 0 serves it).
 */
__dead void
engine_main(int one, int fd, int ctlfd, uid_t uid, gid_t gid,
    const char *chroot_dir)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	static struct engine	 e;
	static struct imsgev	 parent_iev;
	static char		 name[32];
	int			 landlock;

	engine = &e;
	e.index = one > 0 ? one - 1 : 0;
	e.several = one > 0;
	if (e.index > 0)
		snprintf(name, sizeof(name), "engine%d", e.index);
	else
		strlcpy(name, "engine", sizeof(name));
	log_procinit(name);
	relay_init();
	if (proc_drop_privileges(chroot_dir, uid, gid, "engine") == -1)
		fatal("engine: dropping privileges");
	if ((e.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	host_init(HOST_MAX_DEFAULT);
	tcp_init();
	/* IPv6 reassembly times out on its own timer, answered from here. */
	ip6frag_hooks(NULL, ip6_reasm_timeout);

	e.parent = &parent_iev;
	if (imsgev_init(e.parent, e.base, fd, engine_dispatch_parent,
	    e.parent) == -1)
		fatalx("engine: imsg event");
	imsgev_add(e.parent);
	if ((engine_flush_ev = event_new(e.base, -1, 0, engine_flush,
	    NULL)) == NULL)
		fatalx("engine: flush event");
	signal(SIGPIPE, SIG_IGN);
	/*
	 * SIGHUP and SIGUSR1 are caught only to be ignored: reload and
	 * log reopening are the parent's to start.
	 */
	if (proc_signals(e.base, sigs, sizeof(sigs) / sizeof(sigs[0]),
	    engine_sig) == -1)
		fatalx("engine: signal events");
	if (ctlfd != -1)
		control_init(ctlfd);
	/*
	 * Set up: from here on the engine only works on what it holds or
	 * is passed, before it reads a first byte from outside.
	 */
	if (sandbox_enter("engine", &landlock) == -1)
		fatal("engine: sandbox");
	if (landlock > 0)
		log_debug("sandbox: seccomp filter, Landlock ABI %d",
		    landlock);
	else
		log_debug("sandbox: seccomp filter; no Landlock in this "
		    "kernel");

	event_base_dispatch(e.base);
	dhcp_shutdown();
	/* One of several: the parent logs the sum of all engines'. */
	if (e.several)
		engine_send_tally(0);
	else
		engine_log_stats();
	tcp_flush();
	udp_flush();
	ipfrag_flush();
	ip6frag_flush();
	/* Held packets, then hosts no connection holds any more. */
	router_flush();
	host_flush();
	passive_free();
	eventlog_close();
	exit(0);
}

/*
 * Queue one packet for the wire, in the batch to the parent
 * (framebatch.c).  In a dispatch the batch goes out at its end; outside
 * one (timers) a flush event runs once the loop's other active events
 * have run, so what one turn's timers send leaves in one message.
 */
void
engine_send(const void *pkt, size_t len)
{
	struct imsgbuf	*ibuf = &engine->parent->ibuf;

	/* Longer than the link takes: fragments, as a host's stack sends. */
	if (len > IPFRAG_MTU) {
		if (ipfrag_output(pkt, len, IPFRAG_MTU, engine_send) == -1)
			engine->stats.drop_out++;
		else
			engine->stats.frag_out++;
		return;
	}
	/* (The unit tests' engine has no loop: it flushes itself.) */
	if (!engine_in_batch && engine_flush_ev != NULL &&
	    !framebatch_pending(ibuf))
		event_active(engine_flush_ev, 0, 0);
	if (framebatch_add(ibuf, IMSG_PKT_OUT_BATCH, FRAME_OUT, 0, pkt,
	    len) == -1)
		engine->stats.drop_out += framebatch_dropped();
	engine->stats.pkts_out++;
}

/* The batch to the parent, composed and written as far as it goes. */
static void
engine_write(void)
{
	struct imsgbuf	*ibuf = &engine->parent->ibuf;

	if (framebatch_flush(ibuf) == -1)
		engine->stats.drop_out += framebatch_dropped();
	if (imsgbuf_queuelen(ibuf) > 0 && imsgbuf_write(ibuf) == -1)
		fatal("engine: write to parent");
	imsgev_add(engine->parent);
}

/*
 * Timers of one length go into one of libevent's "common timeouts": a
 * queue per length, in order of expiry, with a single entry in the
 * loop's timer heap.  Adding and removing is then constant time.  In
 * the heap, a SYN flood armed a timer for every half-open connection
 * and evicted the oldest, whose timer is the heap's root: each
 * eviction sifted 4,096 timers down, a cache miss a level (some 18% of
 * the engine's time in a SYN flood to an open port).  libevent takes at
 * most 256 lengths a loop; the first ENGINE_TIMEOUTS lengths asked for
 * get a queue, later ones the heap (a round-trip estimate makes many).
 * The queues belong to one loop: they are made again for another.
 */
#define ENGINE_TIMEOUTS		64

static struct {
	struct event_base	*base;
	const struct timeval	*tv[ENGINE_TIMEOUTS];
	uint32_t		 msec[ENGINE_TIMEOUTS];
	int			 n;
} engine_tmo;

/* A timeout of msec for an event of base's; tv is the space for one. */
const struct timeval *
engine_timeout(struct event_base *base, uint32_t msec, struct timeval *tv)
{
	const struct timeval	*ctv;
	int			 i;

	tv->tv_sec = msec / 1000;
	tv->tv_usec = (msec % 1000) * 1000;
	if (base != engine_tmo.base) {
		engine_tmo.base = base;
		engine_tmo.n = 0;
	}
	for (i = 0; i < engine_tmo.n; i++)
		if (engine_tmo.msec[i] == msec)
			return (engine_tmo.tv[i]);
	if (base == NULL || engine_tmo.n == ENGINE_TIMEOUTS ||
	    (ctv = event_base_init_common_timeout(base, tv)) == NULL)
		return (tv);
	engine_tmo.msec[engine_tmo.n] = msec;
	engine_tmo.tv[engine_tmo.n++] = ctv;
	return (ctv);
}

static void
engine_flush(int fd, short event, void *arg)
{
	engine_write();
}

static void
engine_sig(int sig, short event, void *arg)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		event_base_loopbreak(engine->base);
		break;
	default:
		break;
	}
}

static void
engine_dispatch_parent(int fd, short event, void *arg)
{
	struct imsgev	*iev = arg;
	struct imsgbuf	*ibuf = &iev->ibuf;
	struct imsg	 imsg;
	ssize_t		 n;

	switch (imsgev_read(iev, event)) {
	case -1:
		fatal("engine: read from parent");
	case 0:
		/* The parent is gone: so are we. */
		event_base_loopbreak(engine->base);
		return;
	}
	engine_in_batch = 1;
	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			fatal("engine: bad message from parent");
		if (n == 0)
			break;
		switch (imsg.hdr.type) {
		case IMSG_PKT_IN_BATCH:
			engine_frames(&imsg);
			break;
		case IMSG_RECONF_PRINTS:
			engine_reconf_append(&engine->rc_prints,
			    &engine->rc_prints_len, &imsg);
			break;
		case IMSG_RECONF_CONF:
			engine_reconf_append(&engine->rc_conf,
			    &engine->rc_conf_len, &imsg);
			break;
		case IMSG_RECONF_P0F:
			passive_reconf_append(imsg.data, imsg_get_len(&imsg));
			break;
		case IMSG_RECONF_DONE:
			engine_reconf_done();
			break;
		case IMSG_RECONF_COMMIT:
		case IMSG_RECONF_ABORT:
			engine_reconf_commit(imsg.hdr.type ==
			    IMSG_RECONF_COMMIT);
			break;
		case IMSG_ENGINE_TALLY_REQ:
			engine_send_tally(imsg.hdr.peerid);
			break;
		case IMSG_SVC_FD:
		case IMSG_SVC_ERRFD:
		case IMSG_SVC_EXIT:
		case IMSG_PROXY_FD:
			relay_dispatch(&imsg);
			break;
		case IMSG_SUBSYS_LISTEN:
		case IMSG_SUBSYS_UNLISTEN:
			sublisten_dispatch(&imsg);
			break;
		case IMSG_LOG_FD:
			eventlog_imsg(&imsg);
			break;
		case IMSG_CTL_LIST_MORE:
			control_list_more(&imsg);
			break;
		case IMSG_CTL_LOG_VERBOSE:
		case IMSG_CTL_LOG_BRIEF:
			/* Engine 0's client asked (-e N). */
			log_setverbose(imsg.hdr.type == IMSG_CTL_LOG_VERBOSE);
			break;
		case IMSG_CTL_RECORD:
		case IMSG_CTL_RESULT:
		case IMSG_CTL_ENGINES:
		case IMSG_CTL_LIST_PART:
			control_dispatch_parent(&imsg);
			break;
		case IMSG_ARP_CONFLICT:
			eventlog_arp_conflict(&imsg);
			break;
		case IMSG_ENGINE_RESTART:
			engine_restarted(&imsg);
			break;
		case IMSG_DHCP_START:
			dhcp_start(&imsg);
			break;
		case IMSG_DHCP_STOP:
			dhcp_stop(&imsg);
			break;
		case IMSG_DHCP_IN:
			dhcp_input(imsg.data, imsg_get_len(&imsg));
			break;
		default:
			fatalx("engine: unexpected message %u",
			    imsg.hdr.type);
		}
		imsg_free(&imsg);
	}
	engine_in_batch = 0;
	/* Answers to this batch go out now, not on the next wakeup. */
	engine_write();
}

/*
 * A batch of captured frames.  The parent is trusted, but its batch is
 * checked whole before a frame is used, as the parent checks ours.
 */
static void
engine_frames(struct imsg *imsg)
{
	struct framebatch_frame	 f;
	size_t			 len = imsg_get_len(imsg), off = 0;

	if (framebatch_check(imsg->data, len) == -1) {
		engine->stats.drop_batch++;
		log_warnx("engine: malformed batch of frames from the parent");
		return;
	}
	while (framebatch_next(imsg->data, len, &off, &f)) {
		engine->stats.pkts_in++;
		if (engine->conf == NULL)
			continue;
		switch (f.kind) {
		case FRAME_IN:
			passive_observe(f.pkt, f.len);
			ip_input(f.pkt, f.len);
			break;
		case FRAME_EXT:
			ip_input_ext(f.pkt, f.len);
			break;
		default:
			engine->stats.drop_batch++;
			break;
		}
	}
}

/*
 * This engine replaces one that died.  The event waits for the log
 * files, which the parent sends next: it is logged with the first
 * configuration.
 */
static void
engine_restarted(struct imsg *imsg)
{
	if (imsg_get_data(imsg, &engine_restart_info,
	    sizeof(engine_restart_info)) == -1)
		fatalx("engine: bad restart message");
	engine_restart_info.cause[sizeof(engine_restart_info.cause) - 1] =
	    '\0';
	log_warnx("engine started again (restart %llu): the last one %s",
	    (unsigned long long)engine_restart_info.restarts,
	    engine_restart_info.cause);
}

static void
engine_reconf_append(char **buf, size_t *len, struct imsg *imsg)
{
	size_t	 n = imsg_get_len(imsg);
	char	*p;

	if ((p = realloc(*buf, *len + n + 1)) == NULL)
		fatal("engine: reconf");
	memcpy(p + *len, imsg->data, n);
	*len += n;
	p[*len] = '\0';
	*buf = p;
}

/*
 * The engine's own limit, which it enforces whatever the parent sends:
 * it derives one personality plan per fingerprint in use and keeps them
 * in a list each new host searches (personality.c), so it holds at most
 * this many distinct personalities.  nmap-os-db has thousands; a
 * configuration that uses more is refused at reload and the running one
 * stays.
 */
#define ENGINE_MAX_PERSONALITIES	256

/*
 * Build the new configuration aside from the text received; NULL with
 * why filled in if it cannot be.  The parent checked the same text, but
 * the engine has its own checks: the personalities it will hold.
 */
static struct honeyd_config *
engine_reconf_build(struct fpdb **dbp, char *why, size_t len)
{
	struct fpdb		*db;
	struct honeyd_config	*conf = NULL;
	const char		*first;

	log_capture_start();
	db = fpdb_load_buffer("fingerprints", engine->rc_prints != NULL ?
	    engine->rc_prints : "", engine->rc_prints_len);
	if (db != NULL && fpdb_count(db) > ENGINE_MAX_PERSONALITIES)
		snprintf(why, len, "%zu personalities in use; the engine "
		    "holds at most %d", fpdb_count(db),
		    ENGINE_MAX_PERSONALITIES);
	else if (db != NULL)
		conf = config_parse_buffer("config",
		    engine->rc_conf != NULL ? engine->rc_conf : "",
		    engine->rc_conf_len, fpdb_check_name, db);
	if (conf != NULL && personality_attach(conf, db) == -1) {
		config_free(conf);
		conf = NULL;
	}
	first = log_capture_first();
	if (conf == NULL && why[0] == '\0')
		snprintf(why, len, "%s", first != NULL ? first :
		    "the configuration does not load in the engine");
	if (conf == NULL && db != NULL)
		fpdb_free(db);
	*dbp = db;
	return (conf);
}

/*
 * IMSG_RECONF_DONE: only a complete configuration replaces the running
 * one, and the parent hears which way it went: ACCEPT once it is built,
 * REFUSE (with why) if the running one stays.  An accepted one waits
 * for COMMIT, when all engines accepted it, or ABORT.
 */
static void
engine_reconf_done(void)
{
	struct fpdb		*db;
	struct honeyd_config	*conf;
	char			 why[512];

	why[0] = '\0';
	conf = engine_reconf_build(&db, why, sizeof(why));
	free(engine->rc_prints);
	free(engine->rc_conf);
	engine->rc_prints = engine->rc_conf = NULL;
	engine->rc_prints_len = engine->rc_conf_len = 0;
	if (conf != NULL && passive_reconf_done(1) == -1) {
		strlcpy(why, "the p0f signatures do not load", sizeof(why));
		config_free(conf);
		fpdb_free(db);
		conf = NULL;
	} else if (conf == NULL)
		passive_reconf_done(0);
	if (conf == NULL) {
		log_warnx("engine: new configuration refused: %s; keeping "
		    "the running one", why);
		if (imsgev_compose(engine->parent, IMSG_RECONF_REFUSE, 0, 0,
		    -1, why, strlen(why) + 1) == -1)
			fatal("engine: answer to the parent");
		return;
	}
	if (engine->rc_built != NULL)
		fatalx("engine: a second configuration before COMMIT");
	engine->rc_built = conf;
	engine->rc_built_db = db;
	if (imsgev_compose(engine->parent, IMSG_RECONF_ACCEPT, 0, 0, -1,
	    NULL, 0) == -1)
		fatal("engine: answer to the parent");
}

/*
 * IMSG_RECONF_COMMIT (commit) or IMSG_RECONF_ABORT: the configuration
 * built at DONE runs now, or is dropped.  The p0f signatures went in
 * with it at DONE; an abort keeps them (the parent checked them).
 */
static void
engine_reconf_commit(int commit)
{
	struct honeyd_config	*conf = engine->rc_built;
	struct fpdb		*db = engine->rc_built_db;

	engine->rc_built = NULL;
	engine->rc_built_db = NULL;
	if (conf == NULL)
		return;
	if (!commit) {
		log_warnx("engine: new configuration dropped: another engine "
		    "refused it");
		config_free(conf);
		fpdb_free(db);
		return;
	}
	engine_install(conf, db);
	if (log_getverbose())
		log_debug("configuration installed");
	/* systemd hears READY only once every engine runs it. */
	if (imsgev_compose(engine->parent, IMSG_RECONF_INSTALLED, 0, 0, -1,
	    NULL, 0) == -1)
		fatal("engine: installed");
}

/* What the parent sums over engines; peerid: its gather, 0 at exit. */
void
engine_tally_fill(struct engine_tally *t)
{
	memset(t, 0, sizeof(*t));
	engine_stats_now();
	t->stats = engine->stats;
	t->hosts = host_count();
	t->conns = tcp_count();
	t->udp = udp_count();
	t->relays = relay_count();
	t->index = engine->index;
	t->pid = getpid();
}

static void
engine_send_tally(uint32_t peerid)
{
	struct engine_tally	 t;

	engine_tally_fill(&t);
	if (imsgev_compose(engine->parent, IMSG_ENGINE_TALLY, peerid, 0, -1,
	    &t, sizeof(t)) == -1)
		return;
	/* At exit, nothing will flush it later. */
	if (peerid == 0)
		(void)imsgbuf_flush(&engine->parent->ibuf);
}

/*
 * Swap in a new configuration.  Nothing outlives a packet holding a
 * pointer into a config or fingerprint database (connections copy what
 * they need), so the old ones are freed at once; hosts notice the new
 * generation and re-derive their personality state.
 */
static void
engine_install(struct honeyd_config *conf, struct fpdb *db)
{
	struct honeyd_config	*oconf = engine->conf;
	struct fpdb		*odb = engine->db;

	dhcp_reconf(conf);
	engine->conf = conf;
	engine->db = db;
	engine->generation++;
	host_reconf(conf);
	tcp_reconf(conf);
	if (oconf != NULL) {
		config_free(oconf);
		fpdb_free(odb);
		log_info("configuration reloaded");
	} else
		log_info("engine ready");
	if (engine_restart_info.restarts > 0) {
		eventlog_engine_restart(engine_restart_info.restarts,
		    engine_restart_info.cause);
		engine_restart_info.restarts = 0;
	}
	/* The parse's garbage, and the old config, are not worth keeping. */
	malloc_trim(0);
}

/* Every counter of stats.c's table, in the lines scripts grep. */
static void
engine_log_stats(void)
{
	engine_stats_now();
	stats_log(stats_engine, stats_engine_n, &engine->stats);
}

/* The gauges among the counters, as they are now. */
void
engine_stats_now(void)
{
	engine->stats.g_hosts = host_count();
	engine->stats.g_frag_held = ipfrag_count();
	engine->stats.g_frag6_held = ip6frag_count();
	engine->stats.g_frag_bytes = ipfrag_held();
	engine->stats.g_route_held = router_held();
}
