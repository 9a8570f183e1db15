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
#include "personality.h"
#include "proc.h"
#include "sandbox.h"

struct engine		*engine;

/* IMSG_RECONF_REFUSE's text: why the engine kept the running config. */
#define ENGINE_REFUSED	"the engine could not load the configuration"

/* Set while a batch from the parent is dispatched: it ends in a write. */
static int		 engine_in_batch;

static void	 engine_dispatch_parent(int, short, void *);
static void	 engine_sig(int, short, void *);
static void	 engine_reconf_append(char **, size_t *, struct imsg *);
static void	 engine_reconf_done(void);
static void	 engine_install(struct honeyd_config *, struct fpdb *);
static void	 engine_log_stats(void);

__dead void
engine_main(int fd, uid_t uid, gid_t gid, const char *chroot_dir)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	static struct engine	 e;
	static struct imsgev	 parent_iev;
	int			 landlock;

	engine = &e;
	log_procinit("engine");
	relay_init();
	if (proc_drop_privileges(chroot_dir, uid, gid, "engine") == -1)
		fatal("engine: dropping privileges");
	if ((e.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	host_init(HOST_MAX_DEFAULT);
	tcp_init();

	e.parent = &parent_iev;
	if (imsgev_init(e.parent, e.base, fd, engine_dispatch_parent,
	    e.parent) == -1)
		fatalx("engine: imsg event");
	imsgev_add(e.parent);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * SIGHUP and SIGUSR1 are caught only to be ignored: reload and
	 * log reopening are the parent's to start.
	 */
	if (proc_signals(e.base, sigs, sizeof(sigs) / sizeof(sigs[0]),
	    engine_sig) == -1)
		fatalx("engine: signal events");
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
	engine_log_stats();
	tcp_flush();
	udp_flush();
	ipfrag_flush();
	passive_free();
	eventlog_close();
	exit(0);
}

/*
 * Queue one packet for the wire; the dispatcher flushes in batches.
 * Only outside a batch (timers) is the event armed for writing: armed
 * by a batch's first answer and disarmed after its write, it would
 * cost two epoll_ctl(2) calls for nothing.
 */
void
engine_send(const void *pkt, size_t len)
{
	/* Longer than the link takes: fragments, as a host's stack sends. */
	if (len > IPFRAG_MTU) {
		if (ipfrag_output(pkt, len, IPFRAG_MTU, engine_send) == -1)
			engine->stats.drop_out++;
		else
			engine->stats.frag_out++;
		return;
	}
	if (imsg_compose(&engine->parent->ibuf, IMSG_PKT_OUT, 0, 0, -1,
	    pkt, len) == -1) {
		engine->stats.drop_out++;
		return;
	}
	engine->stats.pkts_out++;
	if (!engine_in_batch)
		imsgev_add(engine->parent);
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
		case IMSG_PKT_IN:
			engine->stats.pkts_in++;
			if (engine->conf != NULL) {
				passive_observe(imsg.data,
				    imsg_get_len(&imsg));
				ip_input(imsg.data, imsg_get_len(&imsg));
			}
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
		case IMSG_SVC_FD:
		case IMSG_SVC_ERRFD:
		case IMSG_SVC_EXIT:
		case IMSG_PROXY_FD:
			relay_dispatch(&imsg);
			break;
		case IMSG_LOG_FD:
			eventlog_imsg(&imsg);
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
	if ((event & EV_WRITE) || imsgbuf_queuelen(ibuf) > 0)
		if (imsgbuf_write(ibuf) == -1)
			fatal("engine: write to parent");
	imsgev_add(iev);
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
 * Build the new configuration aside; only a complete one replaces the
 * running one.  The parent already validated the same text, so a
 * failure here means the two disagree: keep running the old one.
 */
static void
engine_reconf_done(void)
{
	struct fpdb		*db;
	struct honeyd_config	*conf;

	db = fpdb_load_buffer("fingerprints", engine->rc_prints != NULL ?
	    engine->rc_prints : "", engine->rc_prints_len);
	conf = db == NULL ? NULL : config_parse_buffer("config",
	    engine->rc_conf != NULL ? engine->rc_conf : "",
	    engine->rc_conf_len, fpdb_check_name, db);
	free(engine->rc_prints);
	free(engine->rc_conf);
	engine->rc_prints = engine->rc_conf = NULL;
	engine->rc_prints_len = engine->rc_conf_len = 0;
	if (conf == NULL || personality_attach(conf, db) == -1) {
		log_warnx("engine: new configuration rejected; keeping the "
		    "running one");
		if (imsg_compose(&engine->parent->ibuf, IMSG_RECONF_REFUSE,
		    0, 0, -1, ENGINE_REFUSED, sizeof(ENGINE_REFUSED)) == -1)
			fatal("engine: refuse");
		if (conf != NULL)
			config_free(conf);
		if (db != NULL)
			fpdb_free(db);
		passive_reconf_done(0);
		return;
	}
	passive_reconf_done(1);
	engine_install(conf, db);
	if (log_getverbose())
		log_debug("configuration installed");
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
	if (oconf != NULL) {
		config_free(oconf);
		fpdb_free(odb);
		log_info("configuration reloaded");
	} else
		log_info("engine ready");
	/* The parent tells a supervisor (notify.c); the batch's end sends. */
	if (imsg_compose(&engine->parent->ibuf, IMSG_RECONF_ACCEPT, 0, 0, -1,
	    NULL, 0) == -1)
		fatal("engine: accept");
	/* The parse's garbage, and the old config, are not worth keeping. */
	malloc_trim(0);
}

static void
engine_log_stats(void)
{
	struct engine_stats	*s = &engine->stats;

	log_info("in %llu; dropped short %llu version %llu "
	    "hlen %llu len %llu ipsum %llu frag %llu proto %llu l4sum %llu "
	    "noaddr %llu droprate %llu droprate-syn %llu nohost %llu "
	    "srcaddr %llu",
	    (unsigned long long)s->pkts_in, (unsigned long long)s->drop_short,
	    (unsigned long long)s->drop_version,
	    (unsigned long long)s->drop_hlen, (unsigned long long)s->drop_len,
	    (unsigned long long)s->drop_ipsum,
	    (unsigned long long)s->drop_frag,
	    (unsigned long long)s->drop_proto,
	    (unsigned long long)s->drop_l4sum,
	    (unsigned long long)s->drop_noaddr,
	    (unsigned long long)s->drop_droprate,
	    (unsigned long long)s->drop_droprate_syn,
	    (unsigned long long)s->drop_nohost,
	    (unsigned long long)s->drop_srcaddr);
	log_info("icmp %llu tcp %llu udp %llu; out %llu dropped "
	    "%llu; echo %llu errors %llu rst %llu synack %llu; "
	    "connections %llu active %llu evicted %llu; hosts %zu",
	    (unsigned long long)s->proto_in[HP_ICMP],
	    (unsigned long long)s->proto_in[HP_TCP],
	    (unsigned long long)s->proto_in[HP_UDP],
	    (unsigned long long)s->pkts_out, (unsigned long long)s->drop_out,
	    (unsigned long long)s->icmp_echo,
	    (unsigned long long)s->icmp_errors,
	    (unsigned long long)s->tcp_rst, (unsigned long long)s->tcp_synack,
	    (unsigned long long)s->tcp_conns,
	    (unsigned long long)s->tcp_conns_active,
	    (unsigned long long)s->tcp_conns_evicted, host_count());
	log_info("tcp established %llu closed %llu reset %llu timeout %llu "
	    "rexmit %llu rto %llu fastrexmit %llu tlp %llu ooo %llu "
	    "ooo-drop %llu; "
	    "udp flows %llu dropped %llu; services %llu refused %llu; "
	    "proxies %llu "
	    "failed %llu; log dropped %llu",
	    (unsigned long long)s->tcp_established,
	    (unsigned long long)s->tcp_closed,
	    (unsigned long long)s->tcp_reset_in,
	    (unsigned long long)s->tcp_timeouts,
	    (unsigned long long)s->tcp_rexmits,
	    (unsigned long long)s->tcp_rto,
	    (unsigned long long)s->tcp_fastrexmit,
	    (unsigned long long)s->tcp_tlp,
	    (unsigned long long)s->tcp_ooo,
	    (unsigned long long)s->tcp_ooo_drop,
	    (unsigned long long)s->udp_flows,
	    (unsigned long long)s->udp_dropped,
	    (unsigned long long)s->svc_started,
	    (unsigned long long)s->svc_refused,
	    (unsigned long long)s->proxy_started,
	    (unsigned long long)s->proxy_failed,
	    (unsigned long long)s->log_dropped);
	log_info("fragments in %llu reassembled %llu timeout %llu "
	    "overlap %llu limit %llu malformed %llu held %zu; out %llu",
	    (unsigned long long)s->frag_in, (unsigned long long)s->frag_done,
	    (unsigned long long)s->frag_timeout,
	    (unsigned long long)s->frag_overlap,
	    (unsigned long long)s->frag_limit,
	    (unsigned long long)s->drop_frag, ipfrag_count(),
	    (unsigned long long)s->frag_out);
	router_log_stats();
}
