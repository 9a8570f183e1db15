/*
 * Engine: relays.  A connection whose port runs a command or a proxy
 * owns a relay: the relay asks the parent for the descriptor (the
 * engine cannot exec or connect from its chroot), then moves bytes
 * between it and its owner, a TCP connection or a UDP flow.
 *
 *   towards the fd   what the peer sent, queued in chunks until the fd
 *                    takes it; the owner's receive window follows the
 *                    queue (relay_queued).  A datagram relay keeps one
 *                    chunk per datagram and writes each whole.
 *   from the fd      read only while the owner has room, so a service
 *                    that writes faster than the peer reads is slowed
 *                    by its own blocking stdout.
 *   stderr           a service's error output, line by line, to the
 *                    service log (at most RELAY_LOG_LINES a service).
 *
 * Callbacks into the owner come last in every handler: the owner may
 * free the relay from any of them.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/tree.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "honeyd.h"

#define RELAY_CHUNK		16384	/* stream chunk size */
#define RELAY_READ		16384	/* bytes read at once */
#define RELAY_LINE_MAX		1024	/* service log line */
#define RELAY_LOG_LINES		1000	/* service log lines a service */

struct rchunk {
	TAILQ_ENTRY(rchunk)	 entry;
	size_t			 len, off, cap;
	uint8_t			 data[];
};
TAILQ_HEAD(rchunks, rchunk);

struct relay {
	RB_ENTRY(relay)		 entry;
	uint32_t		 id;
	enum action_kind	 kind;
	struct tuple		 tuple;
	const struct relay_ops	*ops;
	void			*owner;
	int			 fd, errfd;
	struct event		*rev, *wev, *eev;
	int			 connecting;	/* proxy connect under way */
	int			 dgram;		/* a datagram per chunk */
	int			 reading;	/* rev armed */
	int			 rd_eof;
	int			 wfailed;	/* the fd takes no more */
	int			 shut_wanted, shut_done;
	int			 refused;	/* the parent said no */
	struct rchunks		 q;
	size_t			 queued;
	char			 line[RELAY_LINE_MAX];
	size_t			 linelen;
	int			 lines;
	/* What the parent said it started, for "show services". */
	int32_t			 pid;
	uint32_t		 uid, gid;
	uint32_t		 target;	/* proxy */
	uint16_t		 tport;
	char			*cmd;
	time_t			 started;
};

RB_HEAD(relay_tree, relay);

static struct relay_tree relays = RB_INITIALIZER(&relays);
static size_t		 nrelays;
static uint32_t		 relay_lastid;

static void	 relay_read(int, short, void *);
static void	 relay_write_ev(int, short, void *);
static void	 relay_errread(int, short, void *);

static int
relay_cmp(struct relay *a, struct relay *b)
{
	return (a->id < b->id ? -1 : a->id > b->id);
}

RB_GENERATE_STATIC(relay_tree, relay, entry, relay_cmp)

/*
 * Connection ids: for the parent and in the logs.  Never 0.  The top
 * bits are the engine's index (-e N): ids are unique over engines, and
 * the parent answers the engine that asked.
 */
uint32_t
relay_newid(void)
{
	if (++relay_lastid >= 1U << ENGINE_ID_SHIFT)
		relay_lastid = 1;
	return ((uint32_t)engine->index << ENGINE_ID_SHIFT | relay_lastid);
}

size_t
relay_count(void)
{
	return (nrelays);
}

static struct relay *
relay_find(uint32_t id)
{
	struct relay	 key;

	key.id = id;
	return (RB_FIND(relay_tree, &relays, &key));
}

/* Ask the parent for a service or a proxied connection. */
static int
relay_request(struct relay *r, const char *tmpl)
{
	struct svc_req	 req;
	struct iovec	 iov[2];

	memset(&req, 0, sizeof(req));
	req.id = r->id;
	req.tuple = r->tuple;
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	iov[1].iov_base = (void *)(uintptr_t)tmpl;
	iov[1].iov_len = strlen(tmpl) + 1;
	return (imsgev_composev(engine->parent, r->kind == ACTION_COMMAND ?
	    IMSG_SVC_START : r->kind == ACTION_SUBSYS ? IMSG_SUBSYS_CONNECT :
	    IMSG_PROXY_CONNECT, 0, 0, -1, iov, 2));
}

struct relay *
relay_new(uint32_t id, enum action_kind kind, const struct tuple *tp,
    const char *tmpl, const struct relay_ops *ops, void *owner)
{
	struct relay	*r;

	if (nrelays >= RELAY_MAX) {
		eventlog_refused(id, tp, kind == ACTION_PROXY ? "proxy" :
		    "service", "engine relay limit");
		if (kind != ACTION_PROXY)
			engine->stats.svc_refused++;
		else
			engine->stats.proxy_failed++;
		return (NULL);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->id = id;
	r->kind = kind;
	r->tuple = *tp;
	r->ops = ops;
	r->owner = owner;
	r->fd = r->errfd = -1;
	TAILQ_INIT(&r->q);
	if (relay_find(id) != NULL || relay_request(r, tmpl) == -1) {
		free(r);
		return (NULL);
	}
	RB_INSERT(relay_tree, &relays, r);
	nrelays++;
	return (r);
}

void
relay_set_dgram(struct relay *r)
{
	r->dgram = 1;
}

static void
relay_flush_line(struct relay *r)
{
	if (r->linelen == 0)
		return;
	if (r->lines++ < RELAY_LOG_LINES)
		eventlog_service_line(&r->tuple, r->line, r->linelen);
	else
		engine->stats.log_dropped++;
	r->linelen = 0;
}

static void
relay_drop_queue(struct relay *r)
{
	struct rchunk	*ch;

	while ((ch = TAILQ_FIRST(&r->q)) != NULL) {
		TAILQ_REMOVE(&r->q, ch, entry);
		free(ch);
	}
	r->queued = 0;
}

static void
relay_close_err(struct relay *r)
{
	relay_flush_line(r);
	if (r->eev != NULL)
		event_free(r->eev);
	r->eev = NULL;
	if (r->errfd != -1)
		close(r->errfd);
	r->errfd = -1;
}

/*
 * Let go of the descriptors; a service still running is the parent's
 * to stop (a request it has not answered yet is stopped as soon as it
 * is).  Calls nothing back.
 */
void
relay_free(struct relay *r)
{
	uint32_t	 id = r->id;

	RB_REMOVE(relay_tree, &relays, r);
	nrelays--;
	if (r->kind == ACTION_COMMAND && !r->refused)
		(void)imsgev_compose(engine->parent, IMSG_SVC_STOP, 0, 0, -1,
		    &id, sizeof(id));
	if (r->rev != NULL)
		event_free(r->rev);
	if (r->wev != NULL)
		event_free(r->wev);
	if (r->fd != -1)
		close(r->fd);
	relay_close_err(r);
	relay_drop_queue(r);
	free(r->cmd);
	free(r);
}

size_t
relay_queued(const struct relay *r)
{
	return (r->queued);
}

static int
relay_ready(const struct relay *r)
{
	return (r->fd != -1 && !r->connecting);
}

static void
relay_arm_write(struct relay *r)
{
	if (r->wev != NULL && (r->queued > 0 || r->connecting ||
	    (r->shut_wanted && !r->shut_done)))
		event_add(r->wev, NULL);
}

static void
relay_do_shutdown(struct relay *r)
{
	if (r->shut_wanted && !r->shut_done && relay_ready(r) &&
	    r->queued == 0) {
		(void)shutdown(r->fd, SHUT_WR);
		r->shut_done = 1;
	}
}

/* Queue bytes towards the fd.  -1: no room, the bytes are dropped. */
int
relay_write(struct relay *r, const uint8_t *data, size_t len)
{
	struct rchunk	*ch;
	size_t		 n;

	if (r->wfailed || r->shut_wanted || len == 0)
		return (0);
	if (r->queued + len > RELAY_QUEUE_MAX)
		return (-1);
	while (len > 0) {
		ch = TAILQ_LAST(&r->q, rchunks);
		if (r->dgram || ch == NULL || ch->len == ch->cap) {
			n = r->dgram || len > RELAY_CHUNK ? len : RELAY_CHUNK;
			if ((ch = malloc(sizeof(*ch) + n)) == NULL)
				return (-1);
			ch->len = ch->off = 0;
			ch->cap = n;
			TAILQ_INSERT_TAIL(&r->q, ch, entry);
		}
		n = ch->cap - ch->len < len ? ch->cap - ch->len : len;
		memcpy(ch->data + ch->len, data, n);
		ch->len += n;
		data += n;
		len -= n;
		r->queued += n;
	}
	if (relay_ready(r))
		relay_arm_write(r);
	return (0);
}

/* The peer closed its side: EOF on the service's stdin, once drained. */
void
relay_shutdown(struct relay *r)
{
	r->shut_wanted = 1;
	relay_do_shutdown(r);
}

/* The owner has room again: read from the fd. */
void
relay_resume(struct relay *r)
{
	if (relay_ready(r) && !r->reading && !r->rd_eof && r->rev != NULL) {
		event_add(r->rev, NULL);
		r->reading = 1;
	}
}

static void
relay_read(int fd, short event, void *arg)
{
	struct relay	*r = arg;
	uint8_t		 buf[RELAY_READ];
	size_t		 room;
	ssize_t		 n;

	if ((room = r->ops->room(r->owner)) == 0) {
		event_del(r->rev);
		r->reading = 0;
		return;
	}
	if (r->dgram || room > sizeof(buf))
		room = sizeof(buf);
	if ((n = read(fd, buf, room)) == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		event_del(r->rev);
		r->reading = 0;
		r->rd_eof = 1;
		r->ops->error(r->owner, "relay error");
		return;
	}
	if (n == 0) {
		event_del(r->rev);
		r->reading = 0;
		r->rd_eof = 1;
		r->ops->eof(r->owner);
		return;
	}
	r->ops->input(r->owner, buf, n);
}

/* A proxy's connect finished: ok, or the connection is refused. */
static int
relay_connected(struct relay *r)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		eventlog_proxy(r->id, &r->tuple, 0, 0, strerror(err));
		engine->stats.proxy_failed++;
		return (-1);
	}
	r->connecting = 0;
	relay_resume(r);
	return (0);
}

/* Write queued chunks; returns the bytes written. */
static size_t
relay_flush(struct relay *r)
{
	struct rchunk	*ch;
	size_t		 total = 0;
	ssize_t		 n;

	while ((ch = TAILQ_FIRST(&r->q)) != NULL) {
		n = write(r->fd, ch->data + ch->off, ch->len - ch->off);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* The service is gone: what it did not read is lost. */
			total += r->queued;
			relay_drop_queue(r);
			r->wfailed = 1;
			break;
		}
		total += n;
		r->queued -= n;
		ch->off += n;
		if (r->dgram || ch->off == ch->len) {
			r->queued -= ch->len - ch->off;
			TAILQ_REMOVE(&r->q, ch, entry);
			free(ch);
		}
	}
	return (total);
}

static void
relay_write_ev(int fd, short event, void *arg)
{
	struct relay	*r = arg;
	size_t		 done;

	if (r->connecting && relay_connected(r) == -1) {
		event_del(r->wev);
		r->ops->error(r->owner, "proxy connect failed");
		return;
	}
	done = relay_flush(r);
	if (r->queued == 0) {
		event_del(r->wev);
		relay_do_shutdown(r);
	}
	if (done > 0)
		r->ops->drained(r->owner);
}

/* Service stderr: whole lines to the service log. */
static void
relay_errread(int fd, short event, void *arg)
{
	struct relay	*r = arg;
	char		 buf[RELAY_LINE_MAX];
	ssize_t		 n, i;

	if ((n = read(fd, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		relay_close_err(r);
		return;
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			relay_flush_line(r);
			continue;
		}
		if (r->linelen == sizeof(r->line))
			relay_flush_line(r);
		r->line[r->linelen++] = buf[i];
	}
}

static int
relay_setfd(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return (-1);
	return (0);
}

/* The parent's answer: a descriptor, or why not. */
static void
relay_attach(struct relay *r, int fd, int connecting)
{
	r->fd = fd;
	r->connecting = connecting;
	if (relay_setfd(fd) == -1 ||
	    (r->rev = event_new(engine->base, fd, EV_READ | EV_PERSIST,
	    relay_read, r)) == NULL ||
	    (r->wev = event_new(engine->base, fd, EV_WRITE | EV_PERSIST,
	    relay_write_ev, r)) == NULL) {
		r->ops->error(r->owner, "relay error");
		return;
	}
	relay_arm_write(r);
	relay_resume(r);
	relay_do_shutdown(r);
}

static const char *
relay_refusal(int why)
{
	switch (why) {
	case SVC_E_LIMIT:
		return ("limit");
	case SVC_E_CONFIG:
		return ("configuration");
	case SVC_E_UID:
		return ("uid");
	default:
		return ("system");
	}
}

static void
relay_svc_fd(struct imsg *imsg, int isproxy)
{
	struct svc_reply	 rep;
	struct relay		*r;
	const char		*cmd = "";
	size_t			 len = imsg_get_len(imsg);
	int			 fd = imsg_get_fd(imsg);

	if (len < sizeof(rep))
		fatalx("engine: short service reply");
	memcpy(&rep, imsg->data, sizeof(rep));
	if (!isproxy && len > sizeof(rep)) {
		cmd = (const char *)imsg->data + sizeof(rep);
		if (cmd[len - sizeof(rep) - 1] != '\0')
			fatalx("engine: bad service reply");
	}
	if ((r = relay_find(rep.id)) == NULL || r->fd != -1) {
		/* Its connection went first; relay_free asked to stop it. */
		if (fd != -1)
			close(fd);
		return;
	}
	if (rep.refused != SVC_OK || fd == -1) {
		if (fd != -1)
			close(fd);
		r->refused = 1;
		if (isproxy)
			engine->stats.proxy_failed++;
		else
			engine->stats.svc_refused++;
		eventlog_refused(r->id, &r->tuple, isproxy ? "proxy" :
		    "service", rep.refused == SVC_E_SYSTEM ?
		    strerror(rep.error) : relay_refusal(rep.refused));
		r->ops->error(r->owner, "refused");
		return;
	}
	r->pid = rep.pid;
	r->uid = rep.uid;
	r->gid = rep.gid;
	r->target = rep.addr;
	r->tport = rep.port;
	r->cmd = isproxy ? NULL : strdup(cmd);
	r->started = time(NULL);
	if (isproxy) {
		engine->stats.proxy_started++;
		eventlog_proxy(r->id, &r->tuple, rep.addr, rep.port, NULL);
	} else {
		engine->stats.svc_started++;
		eventlog_service_start(&rep, &r->tuple, cmd);
	}
	relay_attach(r, fd, isproxy);
}

static void
relay_svc_errfd(struct imsg *imsg)
{
	uint32_t	 id;
	struct relay	*r;
	int		 fd = imsg_get_fd(imsg);

	if (imsg_get_len(imsg) < sizeof(id))
		fatalx("engine: short stderr message");
	memcpy(&id, imsg->data, sizeof(id));
	if (fd == -1)
		return;
	if ((r = relay_find(id)) == NULL || r->errfd != -1 ||
	    relay_setfd(fd) == -1 ||
	    (r->eev = event_new(engine->base, fd, EV_READ | EV_PERSIST,
	    relay_errread, r)) == NULL) {
		close(fd);
		return;
	}
	r->errfd = fd;
	event_add(r->eev, NULL);
}

void
relay_dispatch(struct imsg *imsg)
{
	struct svc_exit	 ex;

	switch (imsg->hdr.type) {
	case IMSG_SVC_FD:
		relay_svc_fd(imsg, 0);
		break;
	case IMSG_PROXY_FD:
		relay_svc_fd(imsg, 1);
		break;
	case IMSG_SVC_ERRFD:
		relay_svc_errfd(imsg);
		break;
	case IMSG_SVC_EXIT:
		if (imsg_get_data(imsg, &ex, sizeof(ex)) == -1)
			fatalx("engine: bad service exit message");
		eventlog_service_exit(&ex);
		break;
	default:
		fatalx("engine: unexpected relay message %u", imsg->hdr.type);
	}
}

/*
 * Every relay holds a descriptor or two: raise the engine's limit while
 * it still may (before it drops privileges).
 */
void
relay_init(void)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = RELAY_NOFILE;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("engine: raising the descriptor limit");
}

/*
 * "show services": the running relay after *after (by id), in r; 1 and
 * *after is its id, or 0 at the end.  One still waiting for the parent
 * is listed with pid 0.
 */
int
relay_ctl_next(uint32_t *after, struct ctlrec *r)
{
	struct relay	 key, *rl;
	char		 tup[TUPLE_TEXT_MAX];

	key.id = *after + 1;
	if (*after == UINT32_MAX ||
	    (rl = RB_NFIND(relay_tree, &relays, &key)) == NULL)
		return (0);
	ctlrec_init(r, "service");
	ctlrec_num(r, "id", rl->id);
	ctlrec_str(r, "kind", rl->kind == ACTION_PROXY ? "proxy" :
	    rl->kind == ACTION_SUBSYS ? "subsystem" : "command");
	eventlog_fmt_tuple(tup, sizeof(tup), &rl->tuple);
	ctlrec_str(r, "connection", tup);
	ctlrec_str(r, "proto", rl->tuple.proto == IPPROTO_UDP ? "udp" : "tcp");
	if (rl->kind == ACTION_PROXY) {
		ctlrec_addr(r, "target", rl->target);
		ctlrec_num(r, "target_port", rl->tport);
	} else {
		ctlrec_str(r, "command", rl->cmd);
		ctlrec_int(r, "pid", rl->pid);
		ctlrec_num(r, "uid", rl->uid);
		ctlrec_num(r, "gid", rl->gid);
	}
	ctlrec_bool(r, "running", rl->fd != -1);
	ctlrec_num(r, "queued", rl->queued);
	ctlrec_int(r, "age", rl->started == 0 ? 0 : time(NULL) - rl->started);
	*after = rl->id;
	return (1);
}
