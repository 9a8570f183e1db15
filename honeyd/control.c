/*
 * The control socket that honeydctl talks to.
 *
 * The parent creates it (control_open in control_parent.c) before it
 * forks the engine, because only root may put it in /run; the engine
 * inherits it and
 * serves it (control_init), because the engine holds the live state
 * (hosts, connections, relays, counters) and is unprivileged and
 * sandboxed: a client that sends garbage meets a process that can do
 * nothing.  What only the parent knows (its status and counters) the
 * engine asks for with IMSG_CTL_PARENT_INFO; reload and configuration
 * statements it forwards and answers when the parent's result comes.
 *
 * A client is root, the engine's user, or a member of the engine's
 * group (SO_PEERCRED, SO_PEERGROUPS).  It sends one request at a time;
 * the engine reads its next request only once the answer is complete.
 * Nothing a client does costs more than its own connection: a malformed
 * message, an fd, a wrong payload size close it; a request left half
 * sent is closed after CTL_REQ_TIMEOUT; its output queue never passes
 * CTL_QUEUE_MAX.  Long listings are produced a batch at a time as the
 * client reads, resuming from the last key listed, so a slow reader
 * holds a listing paused, not megabytes.  A monitor whose queue is full
 * loses events, which are counted.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"

#define CTL_LIST_LOW		(64 * 1024)	/* a listing refills below */
#define CTL_LIST_BATCH		256	/* records a client per turn */
#define CTL_SCAN_BATCH		4096	/* filtered out ones per turn */
#define CTL_PORTS_TEXT		2048	/* a template's ports, as text */
#define CTL_GROUPS_MAX		64	/* peer's groups without malloc */

enum ctl_list {
	CTL_L_NONE,
	CTL_L_TEMPLATES,
	CTL_L_HOSTS,
	CTL_L_BINDS,
	CTL_L_ROUTES,
	CTL_L_CONNS,
	CTL_L_SERVICES,
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	uint32_t		 id;		/* peerid towards the parent */
	struct imsgbuf		 ibuf;
	struct event		*ev;
	struct event		*timer;		/* request half sent */
	short			 events;	/* armed on ev */
	uid_t			 uid;
	uint32_t		 monitor;	/* CTL_MON_* */
	uint64_t		 mon_dropped;	/* events it had no room for */
	uint64_t		 mon_told;	/* ... of which it was told */
	uint32_t		 waiting;	/* request the parent answers */
	struct engine_tally	 others;	/* -e N: the other engines' */
	/* -e N: the listing goes on in the other engines, a part each. */
	int			 remote;
	int			 part;		/* walks for engine 0 */
	int			 rpending;	/* a part asked for */
	struct ctl_cursor	 rcur;
	/* A listing under way: what, where it resumes, its filter. */
	enum ctl_list		 list;
	uint64_t		 cur;		/* hosts, binds: next address */
	size_t			 cur_idx;	/* routes */
	uint32_t		 cur_id;	/* services: last id */
	struct tuple		 cur_tuple;	/* connections: last one */
	int			 udp_phase;
	char			*cur_name;	/* templates: last listed */
	int			 one;		/* templates: just cur_name */
	uint32_t		 lo, hi;	/* address filter */
	int			 v6, plen6;	/* or an IPv6 one */
	struct in6_addr		 net6;
};
TAILQ_HEAD(ctl_conns, ctl_conn);

static struct ctl_conns	 ctl_conns = TAILQ_HEAD_INITIALIZER(ctl_conns);
static size_t		 ctl_nconns;
static uint32_t		 ctl_lastid;
static uint32_t		 ctl_monmask;	/* OR of the monitors' masks */
static struct event	*ctl_lev, *ctl_pause;
static struct timeval	 ctl_started;
static uid_t		 ctl_uid;
static gid_t		 ctl_gid;

static void	 ctl_accept(int, short, void *);
static void	 ctl_resume_accept(int, short, void *);
static int	 ctl_peer_ok(int, uid_t *);
static int	 ctl_peer_group(int);
static void	 ctl_conn_new(int, uid_t);
static void	 ctl_conn_close(struct ctl_conn *);
static void	 ctl_conn_ev(int, short, void *);
static void	 ctl_conn_timeout(int, short, void *);
static int	 ctl_conn_run(struct ctl_conn *);
static void	 ctl_conn_arm(struct ctl_conn *);
static int	 ctl_dispatch(struct ctl_conn *, struct imsg *);
static int	 ctl_send(struct ctl_conn *, uint32_t, const void *, size_t);
static int	 ctl_end(struct ctl_conn *, uint32_t, const char *);
static int	 ctl_record(struct ctl_conn *, const struct ctlrec *);
static int	 ctl_fill(struct ctl_conn *);
static int	 ctl_go_remote(struct ctl_conn *);
static int	 ctl_fill_remote(struct ctl_conn *);
static int	 ctl_list_part(struct ctl_conn *, struct imsg *);
static int	 ctl_next(struct ctl_conn *, struct ctlrec *);
static void	 ctl_monmask_update(void);
static void	 ctl_monitor_lost(struct ctl_conn *);

/* A time as RFC 3339 text; the parent's answers use it too. */
void
ctl_time_field(struct ctlrec *r, const char *key, const struct timeval *tv)
{
	char	 t[40];

	eventlog_fmt_rfc3339(t, sizeof(t), tv);
	ctlrec_str(r, key, t);
}

/*
 * Engine side: accepting.
 */

void
control_init(int fd)
{
	ctl_uid = getuid();
	ctl_gid = getgid();
	gettimeofday(&ctl_started, NULL);
	if ((ctl_lev = event_new(engine->base, fd, EV_READ | EV_PERSIST,
	    ctl_accept, NULL)) == NULL ||
	    (ctl_pause = evtimer_new(engine->base, ctl_resume_accept,
	    NULL)) == NULL)
		fatalx("control: event");
	event_add(ctl_lev, NULL);
}

static void
ctl_resume_accept(int fd, short event, void *arg)
{
	event_add(ctl_lev, NULL);
}

static void
ctl_accept(int lfd, short event, void *arg)
{
	struct timeval	 tv = { 1, 0 };
	uid_t		 uid;
	int		 fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of descriptors: try again in a while. */
			log_warn("control: accept");
			event_del(ctl_lev);
			evtimer_add(ctl_pause, &tv);
		}
		return;
	}
	if (ctl_peer_ok(fd, &uid) == -1) {
		engine->stats.ctl_refused++;
		close(fd);
		return;
	}
	if (ctl_nconns >= CTL_CLIENTS_MAX) {
		engine->stats.ctl_toomany++;
		close(fd);
		return;
	}
	engine->stats.ctl_accepted++;
	ctl_conn_new(fd, uid);
}

/*
 * Root, the engine's own user, or the engine's group, primary or
 * supplementary: the socket's mode already says so, but a socket passed
 * on or a path's mode changed by hand must not widen it.
 */
static int
ctl_peer_ok(int fd, uid_t *uid)
{
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    len != sizeof(cred))
		return (-1);
	*uid = cred.uid;
	if (cred.uid == 0 || cred.uid == ctl_uid || cred.gid == ctl_gid)
		return (0);
	return (ctl_peer_group(fd));
}

/* Is the engine's group among the peer's supplementary groups? */
static int
ctl_peer_group(int fd)
{
	gid_t		 small[CTL_GROUPS_MAX], *groups = small;
	socklen_t	 len = sizeof(small);
	size_t		 i;
	int		 rv = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1) {
		/* More than we guessed: len says how many. */
		if (errno != ERANGE || len > NGROUPS_MAX * sizeof(gid_t) ||
		    (groups = malloc(len)) == NULL)
			return (-1);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups,
		    &len) == -1)
			goto done;
	}
	for (i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == ctl_gid) {
			rv = 0;
			break;
		}
 done:
	if (groups != small)
		free(groups);
	return (rv);
}

static void
ctl_conn_new(int fd, uid_t uid)
{
	struct ctl_conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	imsgbuf_init(&c->ibuf, fd);
	c->uid = uid;
	if (++ctl_lastid == 0)
		ctl_lastid = 1;
	c->id = ctl_lastid;
	if ((c->ev = event_new(engine->base, fd, 0, ctl_conn_ev, c)) ==
	    NULL || (c->timer = evtimer_new(engine->base, ctl_conn_timeout,
	    c)) == NULL) {
		if (c->ev != NULL)
			event_free(c->ev);
		free(c);
		close(fd);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl_conns, c, entry);
	ctl_nconns++;
	ctl_conn_arm(c);
}

static void
ctl_conn_close(struct ctl_conn *c)
{
	TAILQ_REMOVE(&ctl_conns, c, entry);
	ctl_nconns--;
	event_free(c->ev);
	event_free(c->timer);
	close(c->ibuf.fd);
	imsgbuf_clear(&c->ibuf);
	free(c->cur_name);
	if (c->monitor != 0)
		ctl_monmask_update();
	free(c);
}

static struct ctl_conn *
ctl_conn_find(uint32_t id)
{
	struct ctl_conn	*c;

	TAILQ_FOREACH(c, &ctl_conns, entry)
		if (c->id == id)
			return (c);
	return (NULL);
}

/* Busy: an answer is under way, the next request waits unread. */
static int
ctl_busy(const struct ctl_conn *c)
{
	return (c->waiting != 0 || c->list != CTL_L_NONE);
}

/*
 * Read only when idle, write while something is queued or a listing
 * wants room; the event changes only when that does.
 */
static void
ctl_conn_arm(struct ctl_conn *c)
{
	short	 want = 0;

	if (!ctl_busy(c))
		want |= EV_READ;
	/* A part from another engine due: nothing to write till then. */
	if (imsgbuf_queuelen(&c->ibuf) > 0 ||
	    (c->list != CTL_L_NONE && !c->rpending))
		want |= EV_WRITE;
	if (want == c->events)
		return;
	if (c->events != 0)
		event_del(c->ev);
	c->events = want;
	if (want == 0)
		return;
	event_assign(c->ev, engine->base, c->ibuf.fd, want | EV_PERSIST,
	    ctl_conn_ev, c);
	event_add(c->ev, NULL);
}

static void
ctl_conn_ev(int fd, short event, void *arg)
{
	struct ctl_conn	*c = arg;
	ssize_t		 n;

	if ((event & EV_WRITE) && imsgbuf_write(&c->ibuf) == -1)
		goto close;
	if (event & EV_READ) {
		if ((n = imsgbuf_read(&c->ibuf)) == 0)
			goto close;
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			if (errno == EBADMSG || errno == ENOBUFS)
				engine->stats.ctl_garbage++;
			goto close;
		}
	}
	if (ctl_conn_run(c) == -1)
		return;
	ctl_conn_arm(c);
	return;
 close:
	ctl_conn_close(c);
}

static void
ctl_conn_timeout(int fd, short event, void *arg)
{
	struct ctl_conn	*c = arg;

	engine->stats.ctl_timeouts++;
	ctl_conn_close(c);
}

/*
 * Take requests while idle, extend a listing, send.  -1 if the client
 * is gone (closed here).
 */
static int
ctl_conn_run(struct ctl_conn *c)
{
	struct timeval	 tv = { CTL_REQ_TIMEOUT, 0 };
	struct imsg	 imsg;
	ssize_t		 n;
	int		 rv;

	while (!ctl_busy(c)) {
		if ((n = imsg_get(&c->ibuf, &imsg)) == 0)
			break;
		if (n == -1) {
			engine->stats.ctl_garbage++;
			goto close;
		}
		rv = ctl_dispatch(c, &imsg);
		imsg_free(&imsg);
		if (rv == -1)
			goto close;
	}
	if (c->list != CTL_L_NONE && ctl_fill(c) == -1)
		goto close;
	ctl_monitor_lost(c);
	if (imsgbuf_queuelen(&c->ibuf) > 0 && imsgbuf_write(&c->ibuf) == -1)
		goto close;
	/* Part of a request and nothing more: it has a while to finish. */
	if (!ctl_busy(c) && c->ibuf.rlen > c->ibuf.rpos) {
		if (!evtimer_pending(c->timer, NULL))
			evtimer_add(c->timer, &tv);
	} else
		evtimer_del(c->timer);
	return (0);
 close:
	ctl_conn_close(c);
	return (-1);
}

/*
 * Sending.  No answer may push a queue past CTL_QUEUE_MAX: a client
 * that let it fill up without reading is closed.
 */
static int
ctl_send(struct ctl_conn *c, uint32_t type, const void *data, size_t len)
{
	if (imsgbuf_queuelen(&c->ibuf) + IMSG_ALIGN(IMSG_HEADER_SIZE + len) >
	    CTL_QUEUE_MAX)
		return (-1);
	return (imsg_compose(&c->ibuf, type, 0, 0, -1, data, len));
}

static int
ctl_end(struct ctl_conn *c, uint32_t type, const char *text)
{
	if (text == NULL)
		return (ctl_send(c, type, NULL, 0));
	return (ctl_send(c, type, text, strlen(text) + 1));
}

static int
ctl_record(struct ctl_conn *c, const struct ctlrec *r)
{
	return (ctl_send(c, IMSG_CTL_RECORD, r->buf, r->len));
}

static int
ctl_errorf(struct ctl_conn *c, const char *fmt, const char *arg)
{
	char	 buf[256];

	snprintf(buf, sizeof(buf), fmt, arg);
	return (ctl_end(c, IMSG_CTL_ERROR, buf));
}

/*
 * Requests.
 */

/*
 * A request's argument: NULL if none (no payload, or an empty string),
 * else the NUL-terminated text.  -1 if the payload is not one string.
 */
int
ctl_request_arg(const struct imsg *imsg, const char **arg)
{
	size_t		 len = imsg_get_len(imsg);
	const char	*s = imsg->data;

	*arg = NULL;
	if (len == 0)
		return (0);
	if (s[len - 1] != '\0' || strlen(s) != len - 1)
		return (-1);
	if (len > 1)
		*arg = s;
	return (0);
}

/*
 * Ask the parent; the client waits for its answer (wait: the request
 * being answered) and meanwhile reads nothing.
 */
static int
ctl_to_parent(struct ctl_conn *c, uint32_t type, const char *arg,
    uint32_t wait)
{
	if (imsgev_compose(engine->parent, type, c->id, 0, -1, arg,
	    arg != NULL ? strlen(arg) + 1 : 0) == -1)
		return (ctl_end(c, IMSG_CTL_ERROR, "the parent is busy"));
	memset(&c->others, 0, sizeof(c->others));
	c->waiting = wait;
	return (0);
}

/*
 * "2001:db8::5" or "2001:db8::/64": only IPv6 hosts and flows inside
 * it, no IPv4 one (an empty IPv4 range).
 */
static int
ctl_filter6(struct ctl_conn *c, const char *arg)
{
	if (addr6_parse_net(arg, &c->net6, &c->plen6) == -1) {
		c->list = CTL_L_NONE;
		return (ctl_errorf(c, "not an address or network: \"%.200s\"",
		    arg));
	}
	c->v6 = 1;
	c->lo = 1;
	c->hi = 0;
	return (0);
}

static int
ctl_start_list(struct ctl_conn *c, enum ctl_list what, const char *arg)
{
	c->list = what;
	c->remote = 0;
	c->rpending = 0;
	c->cur = 0;
	c->cur_idx = 0;
	c->cur_id = 0;
	memset(&c->cur_tuple, 0, sizeof(c->cur_tuple));
	c->udp_phase = 0;
	free(c->cur_name);
	c->cur_name = NULL;
	c->one = 0;
	c->lo = 0;
	c->hi = UINT32_MAX;
	c->v6 = 0;
	if (arg == NULL)
		return (0);
	if (what == CTL_L_TEMPLATES) {
		if (engine->conf == NULL ||
		    config_find_template(engine->conf, arg) == NULL) {
			c->list = CTL_L_NONE;
			return (ctl_errorf(c, "no template \"%.200s\"", arg));
		}
		if ((c->cur_name = strdup(arg)) == NULL)
			return (-1);
		c->one = 1;
		return (0);
	}
	if (strchr(arg, ':') != NULL)
		return (ctl_filter6(c, arg));
	if (addr_parse_range(arg, &c->lo, &c->hi) == -1) {
		c->list = CTL_L_NONE;
		return (ctl_errorf(c, "not an address or network: \"%.200s\"",
		    arg));
	}
	c->cur = c->lo;
	return (0);
}

/* The request's argument must be absent: an error answer if not. */
static int
ctl_noarg(struct ctl_conn *c, const char *arg)
{
	if (arg == NULL)
		return (0);
	(void)ctl_end(c, IMSG_CTL_ERROR, "this request takes no argument");
	return (-1);
}

static int
ctl_monitor(struct ctl_conn *c, struct imsg *imsg)
{
	uint32_t	 mask;

	if (imsg_get_data(imsg, &mask, sizeof(mask)) == -1)
		return (-1);
	if ((mask & ~CTL_MON_ALL) != 0)
		return (ctl_end(c, IMSG_CTL_ERROR, "unknown monitor mask"));
	/* No answer: events follow until the client leaves. */
	c->monitor = mask;
	ctl_monmask_update();
	return (0);
}

static int
ctl_reload(struct ctl_conn *c, const char *arg)
{
	/*
	 * Root reads the file: naming one is root's privilege, or a group
	 * member could read any file's first line in an error.
	 */
	if (arg != NULL && c->uid != 0)
		return (ctl_end(c, IMSG_CTL_ERROR,
		    "only root may reload from a named file"));
	return (ctl_to_parent(c, IMSG_CTL_RELOAD, arg, IMSG_CTL_RELOAD));
}

static int
ctl_log(struct ctl_conn *c, uint32_t type)
{
	int	 verbose = type == IMSG_CTL_LOG_VERBOSE;

	log_setverbose(verbose);
	(void)imsgev_compose(engine->parent, type, c->id, 0, -1, NULL, 0);
	return (ctl_end(c, IMSG_CTL_END, verbose ? "logging verbose" :
	    "logging brief"));
}

/* One request; -1 closes the client (malformed, or no room to answer). */
static int
ctl_dispatch(struct ctl_conn *c, struct imsg *imsg)
{
	const char	*arg = NULL;

	if ((imsg->hdr.flags & IMSG_F_HASFD) ||
	    (imsg->hdr.type != IMSG_CTL_MONITOR &&
	    ctl_request_arg(imsg, &arg) == -1))
		goto bad;
	switch (imsg->hdr.type) {
	case IMSG_CTL_SHOW_STATUS:
	case IMSG_CTL_SHOW_STATS:
		if (ctl_noarg(c, arg) == -1)
			return (0);
		return (ctl_to_parent(c, IMSG_CTL_PARENT_INFO, NULL,
		    imsg->hdr.type));
	case IMSG_CTL_SHOW_TEMPLATES:
		return (ctl_start_list(c, CTL_L_TEMPLATES, arg));
	case IMSG_CTL_SHOW_HOSTS:
		return (ctl_start_list(c, CTL_L_HOSTS, arg));
	case IMSG_CTL_SHOW_BINDS:
		if (ctl_noarg(c, arg) == -1)
			return (0);
		return (ctl_start_list(c, CTL_L_BINDS, NULL));
	case IMSG_CTL_SHOW_ROUTES:
		if (ctl_noarg(c, arg) == -1)
			return (0);
		return (ctl_start_list(c, CTL_L_ROUTES, NULL));
	case IMSG_CTL_SHOW_CONNECTIONS:
		return (ctl_start_list(c, CTL_L_CONNS, arg));
	case IMSG_CTL_SHOW_SERVICES:
		if (ctl_noarg(c, arg) == -1)
			return (0);
		return (ctl_start_list(c, CTL_L_SERVICES, NULL));
	case IMSG_CTL_MONITOR:
		if (ctl_monitor(c, imsg) == -1)
			goto bad;
		return (0);
	case IMSG_CTL_RELOAD:
		return (ctl_reload(c, arg));
	case IMSG_CTL_CONFIG:
		if (arg == NULL)
			return (ctl_end(c, IMSG_CTL_ERROR,
			    "config needs a statement"));
		return (ctl_to_parent(c, IMSG_CTL_CONFIG, arg,
		    IMSG_CTL_CONFIG));
	case IMSG_CTL_LOG_VERBOSE:
	case IMSG_CTL_LOG_BRIEF:
		if (ctl_noarg(c, arg) == -1)
			return (0);
		return (ctl_log(c, imsg->hdr.type));
	default:
		break;
	}
 bad:
	engine->stats.ctl_garbage++;
	return (-1);
}

/*
 * Answers from the parent (IMSG_CTL_RECORD, IMSG_CTL_RESULT), for the
 * client in peerid; dropped if it left meanwhile.
 */
static int
ctl_status(struct ctl_conn *c, const void *prec, size_t plen)
{
	struct ctlrec		 r;
	struct timeval		 now;
	struct engine_tally	 t;
	uint64_t		 drops = 0;
	size_t			 i;

	ctlrec_init(&r, "status");
	(void)ctlrec_append(&r, prec, plen);
	gettimeofday(&now, NULL);
	engine_tally_fill(&t);
	tally_add(&t, &c->others);
	ctlrec_int(&r, "engine_pid", getpid());
	ctl_time_field(&r, "engine_started", &ctl_started);
	ctlrec_int(&r, "engine_uptime", now.tv_sec - ctl_started.tv_sec);
	/* Over all engines: the others' came from the parent. */
	ctlrec_num(&r, "hosts", t.hosts);
	ctlrec_num(&r, "connections", t.conns);
	ctlrec_num(&r, "udp_flows_active", t.udp);
	ctlrec_num(&r, "relays", t.relays);
	ctlrec_num(&r, "packets_in", t.stats.pkts_in);
	ctlrec_num(&r, "packets_out", t.stats.pkts_out);
	for (i = 0; i < stats_engine_n; i++)
		if (strncmp(stats_engine[i].name, "drop_", 5) == 0 &&
		    strcmp(stats_engine[i].name, "drop_out") != 0)
			drops += stats_value(&stats_engine[i], &t.stats);
	ctlrec_num(&r, "dropped_in", drops);
	ctlrec_num(&r, "dropped_out", t.stats.drop_out);
	ctlrec_num(&r, "engine_0_packets_in", engine->stats.pkts_in);
	ctlrec_num(&r, "engine_0_hosts", host_count());
	ctlrec_num(&r, "engine_0_connections", tcp_count());
	ctlrec_num(&r, "control_clients", ctl_nconns);
	ctlrec_num(&r, "control_queued", control_queued());
	if (ctl_record(c, &r) == -1)
		return (-1);
	return (ctl_end(c, IMSG_CTL_END, NULL));
}

static int
ctl_counter(struct ctl_conn *c, const char *name, const char *proc,
    uint64_t v)
{
	struct ctlrec	 r;

	ctlrec_init(&r, "counter");
	ctlrec_str(&r, "name", name);
	ctlrec_str(&r, "process", proc);
	ctlrec_num(&r, "value", v);
	return (ctl_record(c, &r));
}

/*
 * The parent's counters from its record, then the engines', summed
 * over all engines (-e N).
 */
static int
ctl_stats(struct ctl_conn *c, const void *prec, size_t plen)
{
	struct ctlfield		 f;
	struct engine_tally	 t;
	const char		*kind, *errstr;
	size_t			 off, i;
	uint64_t		 v;

	if (ctlrec_kind(prec, plen, &kind, &off) == 0)
		while (ctlrec_next(prec, plen, &off, &f) == 1) {
			if (!stats_find(stats_parent, stats_parent_n, f.key) &&
			    strncmp(f.key, "pcap_", 5) != 0)
				continue;
			v = strtonum(f.value, 0, LLONG_MAX, &errstr);
			if (ctl_counter(c, f.key, "parent", v) == -1)
				return (-1);
		}
	engine_tally_fill(&t);
	tally_add(&t, &c->others);
	for (i = 0; i < stats_engine_n; i++)
		if (ctl_counter(c, stats_engine[i].name, "engine",
		    stats_value(&stats_engine[i], &t.stats)) == -1)
			return (-1);
	return (ctl_end(c, IMSG_CTL_END, NULL));
}

static int
ctl_result(struct ctl_conn *c, struct imsg *imsg)
{
	size_t		 len = imsg_get_len(imsg);
	const char	*text = "";
	int32_t		 ok = 0;

	if (len >= sizeof(ok) + 1) {
		memcpy(&ok, imsg->data, sizeof(ok));
		text = (const char *)imsg->data + sizeof(ok);
		if (text[len - sizeof(ok) - 1] != '\0')
			text = "";
	}
	return (ctl_end(c, ok ? IMSG_CTL_END : IMSG_CTL_ERROR, text));
}

void
control_dispatch_parent(struct imsg *imsg)
{
	struct ctl_conn	*c;
	int		 rv;

	if ((c = ctl_conn_find(imsg->hdr.peerid)) == NULL)
		return;
	if (imsg->hdr.type == IMSG_CTL_LIST_PART) {
		if (ctl_list_part(c, imsg) == -1)
			ctl_conn_close(c);
		else if (ctl_conn_run(c) == 0)
			ctl_conn_arm(c);
		return;
	}
	if (c->waiting == 0)
		return;
	switch (imsg->hdr.type) {
	case IMSG_CTL_ENGINES:
		/* The record follows: keep the sum for it. */
		if (imsg_get_data(imsg, &c->others, sizeof(c->others)) == -1)
			fatalx("control: bad engines' tally from the parent");
		return;
	case IMSG_CTL_RECORD:
		if (c->waiting == IMSG_CTL_SHOW_STATUS)
			rv = ctl_status(c, imsg->data, imsg_get_len(imsg));
		else if (c->waiting == IMSG_CTL_SHOW_STATS)
			rv = ctl_stats(c, imsg->data, imsg_get_len(imsg));
		else
			return;
		break;
	case IMSG_CTL_RESULT:
		if (c->waiting != IMSG_CTL_RELOAD &&
		    c->waiting != IMSG_CTL_CONFIG)
			return;
		rv = ctl_result(c, imsg);
		break;
	default:
		return;
	}
	c->waiting = 0;
	/* No room for the answer: the client stopped reading long ago. */
	if (rv == -1) {
		ctl_conn_close(c);
		return;
	}
	/* Its next request, if one is waiting in the buffer. */
	if (ctl_conn_run(c) == 0)
		ctl_conn_arm(c);
}

/*
 * With several engines (-e N), a listing of what lives in each engine
 * (hosts, connections, services) goes on in engines 1 to N-1 once this
 * one's walk is over: the parent passes the cursor on, and brings back
 * a part of records at a time (IMSG_CTL_LIST_MORE, _PART), asked for
 * only while the client's queue is short.
 */
static int
ctl_go_remote(struct ctl_conn *c)
{
	struct ctl_cursor	*k = &c->rcur;

	if (!engine->several || (c->list != CTL_L_HOSTS &&
	    c->list != CTL_L_CONNS && c->list != CTL_L_SERVICES))
		return (0);
	memset(k, 0, sizeof(*k));
	k->engine = 1;
	k->list = c->list;
	k->lo = c->lo;
	k->hi = c->hi;
	k->v6 = c->v6;
	k->plen6 = c->plen6;
	k->net6 = c->net6;
	/* Services: the limits and the subsystems are listed once. */
	k->start = c->list == CTL_L_SERVICES ? 1 : c->lo;
	k->cur = k->start;
	c->remote = 1;
	return (1);
}

static int
ctl_fill_remote(struct ctl_conn *c)
{
	if (c->rpending || imsgbuf_queuelen(&c->ibuf) >= CTL_LIST_LOW)
		return (0);
	if (imsgev_compose(engine->parent, IMSG_CTL_LIST_MORE, c->id, 0, -1,
	    &c->rcur, sizeof(c->rcur)) == -1) {
		c->list = CTL_L_NONE;
		return (ctl_end(c, IMSG_CTL_ERROR, "the parent is busy"));
	}
	c->rpending = 1;
	return (0);
}

/* IMSG_CTL_LIST_PART: records of another engine, for client c. */
static int
ctl_list_part(struct ctl_conn *c, struct imsg *imsg)
{
	const uint8_t	*p = imsg->data;
	size_t		 len = imsg_get_len(imsg), off;
	uint32_t	 n;

	if (len < sizeof(c->rcur))
		fatalx("control: bad listing part");
	if (!c->remote || !c->rpending)
		return (0);
	memcpy(&c->rcur, p, sizeof(c->rcur));
	c->rpending = 0;
	for (off = sizeof(c->rcur); off < len; off += n) {
		if (len - off < sizeof(n))
			fatalx("control: bad listing part");
		memcpy(&n, p + off, sizeof(n));
		off += sizeof(n);
		if (n > len - off)
			fatalx("control: bad listing part");
		if (ctl_send(c, IMSG_CTL_RECORD, p + off, n) == -1)
			return (-1);
	}
	if (c->rcur.engine == -1) {
		c->list = CTL_L_NONE;
		return (ctl_end(c, IMSG_CTL_END, NULL));
	}
	return (ctl_fill_remote(c));
}

#define CTL_PART_MAX	(32 * 1024)	/* bytes of records per part */

/*
 * Engine N: IMSG_CTL_LIST_MORE, a part of this engine's walk from the
 * cursor, back to the parent with the cursor moved on (to the next
 * engine when the walk is over).
 */
void
control_list_more(struct imsg *imsg)
{
	static uint8_t		 buf[sizeof(struct ctl_cursor) +
				    CTL_PART_MAX + sizeof(uint32_t) +
				    sizeof(struct ctlrec)];
	struct ctl_cursor	 k;
	struct ctl_conn		 c;
	struct ctlrec		 r;
	size_t			 len = sizeof(k);
	uint32_t		 n32;
	int			 n = 1, i;

	if (imsg_get_data(imsg, &k, sizeof(k)) == -1)
		fatalx("control: bad listing request from the parent");
	memset(&c, 0, sizeof(c));
	c.part = 1;
	c.list = k.list;
	c.cur = k.cur;
	c.cur_id = k.cur_id;
	c.udp_phase = k.udp_phase;
	c.cur_tuple = k.cur_tuple;
	c.lo = k.lo;
	c.hi = k.hi;
	c.v6 = k.v6;
	c.plen6 = k.plen6;
	c.net6 = k.net6;
	if (c.list != CTL_L_HOSTS && c.list != CTL_L_CONNS &&
	    c.list != CTL_L_SERVICES)
		fatalx("control: bad listing request from the parent");
	for (i = 0; i < CTL_LIST_BATCH && len < CTL_PART_MAX; i++) {
		if ((n = ctl_next(&c, &r)) == -1)
			break;
		if (n == 0) {
			/* The parent knows whether another engine follows. */
			k.engine = engine->index + 1;
			k.cur = k.start;
			k.cur_id = 0;
			k.udp_phase = 0;
			memset(&k.cur_tuple, 0, sizeof(k.cur_tuple));
			break;
		}
		n32 = r.len;
		memcpy(buf + len, &n32, sizeof(n32));
		memcpy(buf + len + sizeof(n32), r.buf, r.len);
		len += sizeof(n32) + r.len;
	}
	if (n != 0) {
		k.cur = c.cur;
		k.cur_id = c.cur_id;
		k.udp_phase = c.udp_phase;
		k.cur_tuple = c.cur_tuple;
	}
	memcpy(buf, &k, sizeof(k));
	if (imsgev_compose(engine->parent, IMSG_CTL_LIST_PART,
	    imsg->hdr.peerid, 0, -1, buf, len) == -1)
		log_warn("control: listing part");
}

/*
 * Listings: a batch of records per turn, while the client's queue is
 * short; END when the walk is over.
 */
static int
ctl_fill(struct ctl_conn *c)
{
	struct ctlrec	 r;
	int		 n, i;

	if (c->remote)
		return (ctl_fill_remote(c));
	for (i = 0; i < CTL_LIST_BATCH; i++) {
		if (imsgbuf_queuelen(&c->ibuf) >= CTL_LIST_LOW)
			return (0);
		if ((n = ctl_next(c, &r)) == -1)	/* scanned enough */
			return (0);
		if (n == 0 && ctl_go_remote(c))
			return (ctl_fill_remote(c));
		if (n == 0) {
			c->list = CTL_L_NONE;
			return (ctl_end(c, IMSG_CTL_END, NULL));
		}
		if (ctl_record(c, &r) == -1)
			return (-1);
	}
	return (0);
}

static const char *
ctl_action_text(const struct action *a, char *buf, size_t size)
{
	switch (a->kind) {
	case ACTION_BLOCK:
		snprintf(buf, size, "block");
		break;
	case ACTION_RESET:
		snprintf(buf, size, "reset");
		break;
	case ACTION_PROHIBIT:
		snprintf(buf, size, "prohibit");
		break;
	case ACTION_OPEN:
		snprintf(buf, size, "open");
		break;
	case ACTION_COMMAND:
		snprintf(buf, size, "\"%s\"", a->cmd != NULL ? a->cmd : "");
		break;
	case ACTION_PROXY:
		snprintf(buf, size, "proxy %s:%s", a->proxy_host != NULL ?
		    a->proxy_host : "", a->proxy_port != NULL ?
		    a->proxy_port : "");
		break;
	default:
		snprintf(buf, size, "unset");
		break;
	}
	if (a->flags & ACTION_F_TARPIT)
		strlcat(buf, " tarpit", size);
	return (buf);
}

static void
ctl_template_record(struct ctlrec *r, const struct template *t)
{
	static const char	*pnames[HP_MAX] = { "tcp", "udp", "icmp" };
	char			 ports[CTL_PORTS_TEXT], one[512], act[480];
	struct port		*p;
	size_t			 i, nb = 0;
	int			 k;

	ctlrec_init(r, "template");
	ctlrec_str(r, "name", t->name);
	ctlrec_str(r, "personality", t->personality);
	ctlrec_str(r, "fingerprint", t->pers != NULL ? t->pers->name : "");
	ctlrec_bool(r, "dynamic", (t->flags & TMPL_F_DYNAMIC) != 0);
	for (k = 0; k < HP_MAX; k++) {
		snprintf(one, sizeof(one), "%s_default", pnames[k]);
		ctlrec_str(r, one, ctl_action_text(&t->defaults[k], act,
		    sizeof(act)));
	}
	ports[0] = '\0';
	RB_FOREACH(p, port_tree, (struct port_tree *)&t->ports) {
		snprintf(one, sizeof(one), "%s%s/%u %s", ports[0] ? ", " : "",
		    p->proto == IPPROTO_UDP ? "udp" : "tcp", p->number,
		    ctl_action_text(&p->action, act, sizeof(act)));
		if (strlen(ports) + strlen(one) + 5 >= sizeof(ports)) {
			strlcat(ports, ", ...", sizeof(ports));
			break;
		}
		strlcat(ports, one, sizeof(ports));
	}
	ctlrec_str(r, "ports", ports);
	if (t->flags & TMPL_F_UPTIME)
		ctlrec_num(r, "uptime", t->uptime);
	ctlrec_str(r, "ethernet", t->ethernet);
	ctlrec_float(r, "droprate", t->droprate_in);
	for (i = 0; i < engine->conf->nbinds; i++)
		if (engine->conf->binds[i].tmpl == t)
			nb++;
	ctlrec_num(r, "binds", nb);
	if (t->flags & TMPL_F_UID)
		ctlrec_num(r, "uid", t->uid);
	if (t->flags & TMPL_F_GID)
		ctlrec_num(r, "gid", t->gid);
}

static int
ctl_next_template(struct ctl_conn *c, struct ctlrec *r)
{
	struct template	 key, *t;

	if (engine->conf == NULL)
		return (0);
	if (c->cur_name == NULL)
		t = RB_MIN(template_tree, &engine->conf->templates);
	else {
		key.name = c->cur_name;
		if ((t = RB_NFIND(template_tree, &engine->conf->templates,
		    &key)) != NULL && strcmp(t->name, c->cur_name) == 0)
			t = RB_NEXT(template_tree, &engine->conf->templates,
			    t);
	}
	if (t == NULL)
		return (0);
	ctl_template_record(r, t);
	free(c->cur_name);
	if ((c->cur_name = strdup(t->name)) == NULL)
		return (0);
	return (1);
}

/*
 * The named template of "show templates NAME", if it survived a reload
 * meanwhile: listed once.
 */
static int
ctl_one_template(struct ctl_conn *c, struct ctlrec *r)
{
	struct template	*t;

	if (engine->conf == NULL ||
	    (t = config_find_template(engine->conf, c->cur_name)) == NULL)
		return (0);
	ctl_template_record(r, t);
	c->one = 2;		/* listed: the next call ends */
	return (1);
}

/* IPv6 binds follow the IPv4 ones: the cursor counts them past 2^32. */
#define CTL_BIND6_BASE	((uint64_t)UINT32_MAX + 1)

static int
ctl_next_bind6(struct ctl_conn *c, struct ctlrec *r)
{
	const struct honeyd_config	*conf = engine->conf;
	const struct bind6		*b;
	struct in6_addr			 last;
	char				 buf[INET6_ADDRSTRLEN + 8];
	uint64_t			 i = c->cur - CTL_BIND6_BASE;
	int				 bit;

	if (i >= conf->nbinds6)
		return (0);
	b = &conf->binds6[i];
	last = b->net;
	for (bit = b->plen; bit < 128; bit++)
		last.s6_addr[bit / 8] |= 0x80 >> (bit % 8);
	ctlrec_init(r, "bind");
	ctlrec_str(r, "address", addr6_fmt_net(&b->net, b->plen, buf,
	    sizeof(buf)));
	ctlrec_str(r, "from", addr6_fmt(&b->net, buf, sizeof(buf)));
	ctlrec_str(r, "to", addr6_fmt(&last, buf, sizeof(buf)));
	if (b->plen > 64)	/* else more than a number holds */
		ctlrec_num(r, "addresses", 1ULL << (128 - b->plen));
	ctlrec_str(r, "template", b->tmpl != NULL ? b->tmpl->name : "");
	c->cur++;
	return (1);
}

static int
ctl_next_bind(struct ctl_conn *c, struct ctlrec *r)
{
	const struct honeyd_config	*conf = engine->conf;
	const struct bind		*b;
	size_t				 lo = 0, hi, mid;

	if (conf == NULL)
		return (0);
	if (c->cur >= CTL_BIND6_BASE)
		return (ctl_next_bind6(c, r));
	/* The first bind starting at or after the cursor. */
	hi = conf->nbinds;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (conf->binds[mid].lo < c->cur)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == conf->nbinds) {
		c->cur = CTL_BIND6_BASE;
		return (ctl_next_bind6(c, r));
	}
	b = &conf->binds[lo];
	ctlrec_init(r, "bind");
	ctlrec_addr(r, "from", b->lo);
	ctlrec_addr(r, "to", b->hi);
	ctlrec_num(r, "addresses", (uint64_t)b->hi - b->lo + 1);
	ctlrec_str(r, "template", b->tmpl != NULL ? b->tmpl->name : "");
	c->cur = (uint64_t)b->lo + 1;
	return (1);
}

static const char *
ctl_route_kind(enum route_kind k)
{
	switch (k) {
	case ROUTE_ENTRY:
		return ("entry");
	case ROUTE_LINK:
		return ("link");
	case ROUTE_NET:
		return ("net");
	case ROUTE_TUNNEL:
		return ("tunnel");
	case ROUTE_UNREACH:
		return ("unreach");
	}
	return ("?");
}

static void
ctl_net_field(struct ctlrec *r, const char *key, uint32_t net, uint32_t mask)
{
	char	 a[16], buf[24];
	int	 bits = 0;

	while (bits < 32 && (mask & (0x80000000U >> bits)))
		bits++;
	snprintf(buf, sizeof(buf), "%s/%d", addr_fmt(net, a, sizeof(a)),
	    bits);
	ctlrec_str(r, key, buf);
}

/* An IPv6 route's addresses, as text (IPv4 ones are typed fields). */
static void
ctl_route6_fields(struct ctlrec *r, const struct route_conf *rc)
{
	char	 buf[INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN];

	ctlrec_str(r, "router", addr6_fmt(&rc->router6, buf, sizeof(buf)));
	ctlrec_str(r, "kind", ctl_route_kind(rc->kind));
	if (rc->kind != ROUTE_ENTRY || (rc->flags & ROUTE_F_NETWORK)) {
		snprintf(buf, sizeof(buf), "%s/%d", addr6_fmt(&rc->net6, a,
		    sizeof(a)), rc->plen6);
		ctlrec_str(r, "net", buf);
	}
	if (rc->kind == ROUTE_NET)
		ctlrec_str(r, "gateway", addr6_fmt(&rc->gw6, buf,
		    sizeof(buf)));
}

static int
ctl_next_route(struct ctl_conn *c, struct ctlrec *r)
{
	const struct route_conf	*rc;
	size_t			 i = 0;

	if (engine->conf == NULL)
		return (0);
	TAILQ_FOREACH(rc, &engine->conf->routes, entry)
		if (i++ == c->cur_idx)
			break;
	if (rc == NULL)
		return (0);
	c->cur_idx++;
	ctlrec_init(r, "route");
	if (rc->v6) {
		ctl_route6_fields(r, rc);
		goto opts;
	}
	ctlrec_addr(r, "router", rc->router);
	ctlrec_str(r, "kind", ctl_route_kind(rc->kind));
	if (rc->kind != ROUTE_ENTRY || (rc->flags & ROUTE_F_NETWORK))
		ctl_net_field(r, "net", rc->net, rc->mask);
	if (rc->kind == ROUTE_NET || rc->kind == ROUTE_TUNNEL)
		ctlrec_addr(r, "gateway", rc->gw);
	if (rc->kind == ROUTE_TUNNEL)
		ctlrec_addr(r, "tunnel_to", rc->tunnel_dst);
 opts:
	if (rc->flags & ROUTE_F_MTU)
		ctlrec_num(r, "mtu", rc->mtu);
	if (rc->flags & ROUTE_F_LATENCY)
		ctlrec_num(r, "latency", rc->latency);
	if (rc->flags & ROUTE_F_LOSS)
		ctlrec_float(r, "loss", rc->loss);
	if (rc->flags & ROUTE_F_BANDWIDTH)
		ctlrec_num(r, "bandwidth", rc->bandwidth);
	if (rc->flags & ROUTE_F_DROP) {
		ctlrec_num(r, "drop_from", rc->drop_lo);
		ctlrec_num(r, "drop_to", rc->drop_hi);
	}
	return (1);
}

/* Connections whose either end is in the filter; -1: scanned enough. */
static int
ctl_next_conn(struct ctl_conn *c, struct ctlrec *r)
{
	const struct tuple	*t = &c->cur_tuple;
	int			 n, scanned;

	for (scanned = 0; scanned < CTL_SCAN_BATCH; scanned++) {
		n = c->udp_phase ? udp_ctl_next(&c->cur_tuple, r) :
		    tcp_ctl_next(&c->cur_tuple, r);
		if (n == 0 && !c->udp_phase) {
			c->udp_phase = 1;
			continue;
		}
		if (n == 0)
			return (0);
		/* An IPv4 filter leaves IPv6 flows out (their folds). */
		if (t->v6 && c->v6) {
			if (addr6_in_net(&t->src6, &c->net6, c->plen6) ||
			    addr6_in_net(&t->dst6, &c->net6, c->plen6))
				return (1);
			continue;
		}
		if (t->v6) {
			if (c->lo == 0 && c->hi == UINT32_MAX)
				return (1);
			continue;
		}
		if ((t->src >= c->lo && t->src <= c->hi) ||
		    (t->dst >= c->lo && t->dst <= c->hi))
			return (1);
	}
	return (-1);
}

static int
ctl_next(struct ctl_conn *c, struct ctlrec *r)
{
	const struct svc_limits	*lim;

	switch (c->list) {
	case CTL_L_TEMPLATES:
		if (c->one == 1)
			return (ctl_one_template(c, r));
		if (c->one == 2)
			return (0);
		return (ctl_next_template(c, r));
	case CTL_L_HOSTS:
		if (c->v6)
			return (host_ctl_next_in6(&c->cur, &c->net6, c->plen6,
			    CTL_SCAN_BATCH, r));
		/* IPv6 hosts only when no IPv4 filter narrows the list. */
		return (host_ctl_next(&c->cur, c->hi,
		    c->lo == 0 && c->hi == UINT32_MAX, r));
	case CTL_L_BINDS:
		return (ctl_next_bind(c, r));
	case CTL_L_ROUTES:
		return (ctl_next_route(c, r));
	case CTL_L_CONNS:
		return (ctl_next_conn(c, r));
	case CTL_L_SERVICES:
		/* The limits first, then every relay. */
		if (c->cur == 0 && engine->conf != NULL) {
			c->cur = 1;
			lim = &engine->conf->opts.service;
			ctlrec_init(r, "limits");
			ctlrec_num(r, "max", lim->max);
			ctlrec_num(r, "per_template", lim->per_template);
			ctlrec_num(r, "timeout", lim->timeout);
			ctlrec_num(r, "cpu", lim->cpu);
			ctlrec_num(r, "memory", lim->memory);
			ctlrec_num(r, "fsize", lim->fsize);
			ctlrec_num(r, "nproc", lim->nproc);
			ctlrec_num(r, "running", relay_count());
			return (1);
		}
		/* Then the ports subsystems listen on. */
		if (c->cur <= 1) {
			if (relay_ctl_next(&c->cur_id, r))
				return (1);
			c->cur = 2;
			c->cur_id = 0;
		}
		return (sublisten_ctl_next(&c->cur_id, c->part, r));
	default:
		return (0);
	}
}

/* A host's live state (host_ctl_next). */
void
ctl_host_record(struct ctlrec *r, const struct host *h, time_t now)
{
	const struct bind	*b = NULL;
	const struct template	*t = NULL;
	char			 buf[INET6_ADDRSTRLEN];

	if (engine != NULL && engine->conf != NULL && h->v6)
		t = config_lookup6(engine->conf, &h->addr6, NULL, 0);
	else if (engine != NULL && engine->conf != NULL) {
		if ((b = config_find_bind(engine->conf, h->addr)) != NULL)
			t = b->tmpl;
		else
			t = engine->conf->dflt;
	}
	ctlrec_init(r, "host");
	if (h->v6)
		ctlrec_str(r, "address", addr6_fmt(&h->addr6, buf,
		    sizeof(buf)));
	else
		ctlrec_addr(r, "address", h->addr);
	ctlrec_str(r, "template", t != NULL ? t->name : "");
	ctlrec_str(r, "personality", t != NULL ? t->personality : "");
	ctlrec_num(r, "connections", h->refs);
	ctlrec_num(r, "ip_id", h->ip_id);
	ctlrec_num(r, "isn", h->isn);
	ctlrec_int(r, "age", now - h->created);
	ctlrec_int(r, "idle", now - h->seen);
	if (h->pers != NULL && h->pers->boot_us != 0)
		ctlrec_num(r, "uptime",
		    (pers_now_us() - h->pers->boot_us) / 1000000);
}

/* A connection or UDP flow (tcp_ctl_next, udp_ctl_next). */
void
ctl_flow_record(struct ctlrec *r, const struct tuple *tp, const char *state,
    uint64_t in, uint64_t out, const struct timeval *started,
    const char *tmpl)
{
	struct timeval	 now;
	char		 a[INET6_ADDRSTRLEN];

	gettimeofday(&now, NULL);
	ctlrec_init(r, "connection");
	ctlrec_str(r, "proto", tp->proto == IPPROTO_UDP ? "udp" : "tcp");
	ctlrec_str(r, "src", tuple_addr_fmt(tp, 1, a, sizeof(a)));
	ctlrec_num(r, "sport", tp->sport);
	ctlrec_str(r, "dst", tuple_addr_fmt(tp, 0, a, sizeof(a)));
	ctlrec_num(r, "dport", tp->dport);
	ctlrec_str(r, "state", state);
	ctlrec_num(r, "bytes_in", in);
	ctlrec_num(r, "bytes_out", out);
	ctlrec_int(r, "age", now.tv_sec - started->tv_sec);
	ctlrec_str(r, "template", tmpl);
}

/* Bytes queued towards all clients: bounded whatever they do. */
size_t
control_queued(void)
{
	struct ctl_conn	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &ctl_conns, entry)
		n += imsgbuf_queuelen(&c->ibuf);
	return (n);
}

/*
 * Monitors.
 */

/*
 * A monitor that lost events is told so, in an event of its own, once
 * its queue has room again: a gap in the stream is not silent.
 */
static void
ctl_monitor_lost(struct ctl_conn *c)
{
	struct timeval	 tv;
	char		 t[40], line[160];
	int		 n;

	if (c->mon_dropped == c->mon_told ||
	    imsgbuf_queuelen(&c->ibuf) > CTL_QUEUE_MAX / 2)
		return;
	gettimeofday(&tv, NULL);
	eventlog_fmt_rfc3339(t, sizeof(t), &tv);
	n = snprintf(line, sizeof(line), "{\"time\":\"%s\",\"event\":"
	    "\"monitor_dropped\",\"dropped\":%llu}", t,
	    (unsigned long long)(c->mon_dropped - c->mon_told));
	if (n > 0 && (size_t)n < sizeof(line) &&
	    ctl_send(c, IMSG_CTL_EVENT, line, n) == 0)
		c->mon_told = c->mon_dropped;
}

static void
ctl_monmask_update(void)
{
	struct ctl_conn	*c;

	ctl_monmask = 0;
	TAILQ_FOREACH(c, &ctl_conns, entry)
		ctl_monmask |= c->monitor;
}

/* Does a monitor want events of this class (eventlog.c asks)? */
int
control_monitoring(int class)
{
	return ((ctl_monmask & (uint32_t)class) != 0);
}

/* One JSON event line, without its newline, to the monitors of class. */
void
control_event(int class, const char *line, size_t len)
{
	struct ctl_conn	*c;

	if (!control_monitoring(class))
		return;
	TAILQ_FOREACH(c, &ctl_conns, entry) {
		if ((c->monitor & (uint32_t)class) == 0)
			continue;
		if (ctl_send(c, IMSG_CTL_EVENT, line, len) == -1) {
			c->mon_dropped++;
			engine->stats.ctl_monitor_dropped++;
			continue;
		}
		ctl_conn_arm(c);
	}
}
