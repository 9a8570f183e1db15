/*
 * Parent: service processes.  The engine, chrooted, cannot exec; it
 * asks, and the parent checks the request against its own copy of the
 * configuration (that template's port must run a command), enforces
 * the limits and forks.  The service is sandboxed before it execs
 * "/bin/sh -c COMMAND":
 *
 *   its own session (setsid), so its whole process group can be killed;
 *   stdin and stdout a socketpair whose other end goes to the engine,
 *   stderr a pipe to the engine (the service log); nothing else open;
 *   the template's uid and gid (default SVC_DEFAULT_UID/GID), never the
 *   engine's, with no supplementary groups and no way back up
 *   (PR_SET_NO_NEW_PRIVS, so setuid binaries do not elevate);
 *   resource limits: open files (the template's maxfds), processes of
 *   its uid, CPU seconds, address space, file size, no core dumps;
 *   the service directory (-S) as working directory: relative paths in
 *   commands, "sh scripts/web.sh", are found there;
 *   a clean environment: PATH, HOME, SHELL, LANG and HONEYD_IP_SRC,
 *   HONEYD_IP_DST, HONEYD_SRC_PORT, HONEYD_DST_PORT, HONEYD_PROTO,
 *   HONEYD_PERSONALITY, HONEYD_TEMPLATE; $ipsrc $ipdst $sport $dport in
 *   the command line are replaced by the connection's values (which
 *   are only ever digits and dots);
 *   it dies with the parent (PR_SET_PDEATHSIG);
 *   and it is caged (cage.c): its own namespaces, no network, a
 *   read-only root, Landlock, a seccomp filter.  The pid the parent
 *   knows is then the cage's keeper, which ends as the script did.
 *
 * A service that runs longer than "option service timeout" is killed
 * (SIGKILL to its process group).  When its connection goes first the
 * engine says so: SIGTERM, and SIGKILL SVC_GRACE_MS later.  SIGCHLD
 * reaps it and the engine hears how it ended.  Past "option service
 * max" services at once, or "per_template" of one template, the
 * request is refused: the engine resets that connection and logs it.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/tree.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "proc.h"

#define SVC_GRACE_MS		2000	/* SIGTERM, then SIGKILL */
#define SVC_ENV_MAX		16

struct service {
	RB_ENTRY(service)	 byid;
	RB_ENTRY(service)	 bypid;
	uint32_t		 id;
	pid_t			 pid;
	char			*tmpl;
	struct tuple		 tuple;
	struct timeval		 started;
	struct event		*timer;
	int			 why;		/* enum svc_end */
};

RB_HEAD(svc_byid, service);
RB_HEAD(svc_bypid, service);

static struct svc_byid	 svc_ids = RB_INITIALIZER(&svc_ids);
static struct svc_bypid	 svc_pids = RB_INITIALIZER(&svc_pids);
static size_t		 nservices;
static struct event_base *svc_base;
static uid_t		 svc_engine_uid;
static struct svc_limits svc_lim;
static const struct honeyd_config *svc_conf;
static char		 svc_dir[PATH_MAX];
static pid_t		 svc_ppid;	/* in a child: who must be its parent */

static void	 service_timer(int, short, void *);
static struct service *service_byid(uint32_t);

static int
svc_id_cmp(struct service *a, struct service *b)
{
	return (a->id < b->id ? -1 : a->id > b->id);
}

static int
svc_pid_cmp(struct service *a, struct service *b)
{
	return (a->pid < b->pid ? -1 : a->pid > b->pid);
}

RB_GENERATE_STATIC(svc_byid, service, byid, svc_id_cmp)
RB_GENERATE_STATIC(svc_bypid, service, bypid, svc_pid_cmp)

/*
 * The service directory is made absolute now: a relative -S must not
 * depend on where the parent happens to be later.
 */
void
service_init(struct event_base *base, uid_t engine_uid)
{
	struct rlimit	 rl;
	const char	*dir;

	svc_base = base;
	svc_engine_uid = engine_uid;
	/* A burst of services holds two descriptors each until passed. */
	rl.rlim_cur = rl.rlim_max = RELAY_NOFILE;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("raising the descriptor limit");
	dir = honeyd_opts.svcdir != NULL ? honeyd_opts.svcdir : HONEYD_SVCDIR;
	if (realpath(dir, svc_dir) == NULL) {
		log_warn("service directory %s (services will fail)", dir);
		strlcpy(svc_dir, dir, sizeof(svc_dir));
	}
	cage_init(svc_dir);
}

/* Where services and subsystems run: their relative paths start here. */
const char *
service_dir(void)
{
	return (svc_dir);
}

/* Services running now, for "show status". */
size_t
service_count(void)
{
	return (nservices);
}

/* The running configuration: its limits, and what requests must match. */
void
service_config(const struct honeyd_config *conf)
{
	svc_conf = conf;
	svc_lim = conf->opts.service;
}

/*
 * Replace $ipsrc, $ipdst, $sport and $dport in cmd.  Anything else,
 * "$HOME" included, is left for the shell.  -1 if it does not fit.
 */
int
svc_expand(char *dst, size_t size, const char *cmd, const struct tuple *tp)
{
	static const char	*vars[] = { "ipsrc", "ipdst", "sport", "dport" };
	char			 val[INET6_ADDRSTRLEN];
	size_t			 n = 0, vlen, i, k;

	for (i = 0; cmd[i] != '\0'; ) {
		for (k = 0; cmd[i] == '$' && k < 4; k++)
			if (strncmp(cmd + i + 1, vars[k], 5) == 0)
				break;
		if (cmd[i] != '$' || k == 4) {
			if (n + 1 >= size)
				return (-1);
			dst[n++] = cmd[i++];
			continue;
		}
		if (k < 2)
			tuple_addr_fmt(tp, k == 0, val, sizeof(val));
		else
			snprintf(val, sizeof(val), "%u",
			    k == 2 ? tp->sport : tp->dport);
		vlen = strlen(val);
		if (n + vlen >= size)
			return (-1);
		memcpy(dst + n, val, vlen);
		n += vlen;
		i += 6;
	}
	dst[n] = '\0';
	return (0);
}

/*
 * The action a request names, checked against our configuration: the
 * template must exist and its port must have an action of that kind.
 */
const struct action *
svc_action(const char *tmpl, const struct tuple *tp, enum action_kind kind,
    const struct template **tp_out)
{
	const struct template	*t;
	const struct action	*a;

	if (svc_conf == NULL ||
	    (t = config_find_template(svc_conf, tmpl)) == NULL)
		return (NULL);
	/*
	 * The engine says which connection; an address we do not claim
	 * had none (a confused or compromised engine asking).
	 */
	if (tp->v6 ? !claim6_contains(&parent->claimed, &tp->dst6) :
	    !claim_contains(&parent->claimed, tp->dst))
		return (NULL);
	a = template_action(t, tp->proto, tp->dport);
	if (a->kind != kind)
		return (NULL);
	*tp_out = t;
	return (a);
}

/* The request's template name: NUL-terminated inside the message. */
int
svc_parse_req(struct imsg *imsg, struct svc_req *req, const char **tmpl)
{
	size_t	 len = imsg_get_len(imsg);
	char	*name;

	if (len <= sizeof(*req))
		return (-1);
	memcpy(req, imsg->data, sizeof(*req));
	name = (char *)imsg->data + sizeof(*req);
	if (name[len - sizeof(*req) - 1] != '\0' ||
	    (req->tuple.proto != IPPROTO_TCP &&
	    req->tuple.proto != IPPROTO_UDP) || req->tuple.v6 > 1)
		return (-1);
	*tmpl = name;
	return (0);
}

static void
service_reply(uint32_t id, int refused, int error, int fd,
    const struct svc_reply *ok, const char *cmd)
{
	struct svc_reply	 rep;
	struct iovec		 iov[2];
	struct imsgev		*iev;

	if (ok != NULL)
		rep = *ok;
	else
		memset(&rep, 0, sizeof(rep));
	rep.id = id;
	rep.refused = refused;
	rep.error = error;
	iov[0].iov_base = &rep;
	iov[0].iov_len = sizeof(rep);
	iov[1].iov_base = (void *)(uintptr_t)(cmd != NULL ? cmd : "");
	iov[1].iov_len = strlen(iov[1].iov_base) + 1;
	/* Its engine is gone: the descriptor goes with the request. */
	if ((iev = engine_by_id(id)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (imsgev_composev(iev, IMSG_SVC_FD, 0, 0, fd, iov,
	    2) == -1)
		log_warn("service reply for connection %u", id);
}

static int
svc_count_template(const char *name)
{
	struct service	*s;
	int		 n = 0;

	RB_FOREACH(s, svc_byid, &svc_ids)
		if (strcmp(s->tmpl, name) == 0)
			n++;
	return (n);
}

/* The service's environment, built before the fork. */
static void
svc_env(char env[SVC_ENV_MAX][256], char **envp, const struct template *t,
    const struct tuple *tp)
{
	char	 a[INET6_ADDRSTRLEN];
	int	 n = 0;

	snprintf(env[n++], 256, "PATH=/usr/local/bin:/usr/bin:/bin");
	snprintf(env[n++], 256, "HOME=/");
	snprintf(env[n++], 256, "SHELL=/bin/sh");
	snprintf(env[n++], 256, "LANG=C");
	tuple_addr_fmt(tp, 1, a, sizeof(a));
	snprintf(env[n++], 256, "HONEYD_IP_SRC=%s", a);
	tuple_addr_fmt(tp, 0, a, sizeof(a));
	snprintf(env[n++], 256, "HONEYD_IP_DST=%s", a);
	snprintf(env[n++], 256, "HONEYD_SRC_PORT=%u", tp->sport);
	snprintf(env[n++], 256, "HONEYD_DST_PORT=%u", tp->dport);
	snprintf(env[n++], 256, "HONEYD_PROTO=%s",
	    tp->proto == IPPROTO_TCP ? "tcp" : "udp");
	snprintf(env[n++], 256, "HONEYD_PERSONALITY=%s",
	    t->personality != NULL ? t->personality : "");
	snprintf(env[n++], 256, "HONEYD_TEMPLATE=%s", t->name);
	for (envp[n] = NULL; n-- > 0; )
		envp[n] = env[n];
}

static void
svc_setlimit(int res, rlim_t v)
{
	struct rlimit	 rl;

	rl.rlim_cur = rl.rlim_max = v;
	if (setrlimit(res, &rl) == -1)
		_exit(126);
}

/*
 * The hostname the cage gives a service: the template's name where it
 * makes one, never the sensor's own.
 */
static const char *
svc_hostname(const char *name)
{
	size_t	 i, len = strlen(name);

	if (len == 0 || len > 63)
		return ("localhost");
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '.')
			return ("localhost");
	return (name);
}

/*
 * In the forked child, root still, its descriptors in place: into the
 * cage (cage.c), and into the service directory.  -1, said on stderr,
 * if that failed.
 */
int
svc_cage(const struct svc_ids *ids, const char *tmpl, pid_t ppid)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != ppid ||
	    cage_enter(ids->uid, ids->gid, svc_hostname(tmpl), &ppid) == -1)
		return (-1);
	if (chdir(svc_dir) == -1) {
		dprintf(STDERR_FILENO, "honeyd: service directory %s: %s\n",
		    svc_dir, strerror(errno));
		return (-1);
	}
	/* The cage's keeper is our parent now, or none we can see. */
	svc_ppid = ppid;
	return (0);
}

/*
 * Then the limits, the template's uid and gid for good (the drop every
 * process of ours makes, checked: proc.c), Landlock and the filter;
 * what runs next is the program.  A subsystem (cpu 0) runs
 * as long as honeyd does: no CPU limit.  Exits on failure.
 */
int
svc_lockdown(const struct svc_ids *ids, int cpu)
{
	/* Room for cage_lock's descriptors; lowered to maxfds below. */
	svc_setlimit(RLIMIT_NOFILE, ids->maxfds < 16 ? 16 : ids->maxfds);
	svc_setlimit(RLIMIT_NPROC, svc_lim.nproc);
	if (cpu)
		svc_setlimit(RLIMIT_CPU, svc_lim.cpu);
	svc_setlimit(RLIMIT_FSIZE, (rlim_t)svc_lim.fsize << 10);
	svc_setlimit(RLIMIT_CORE, 0);
	if (proc_drop_privileges(NULL, ids->uid, ids->gid, NULL) == -1) {
		dprintf(STDERR_FILENO, "honeyd: dropping to uid %u gid %u: "
		    "%s\n", (unsigned)ids->uid, (unsigned)ids->gid,
		    strerror(errno));
		_exit(126);
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != svc_ppid || cage_lock() == -1)
		_exit(126);
	/*
	 * Last, and only lowered: building the filter allocates, and under
	 * ASan an allocation wants more address space than that.
	 */
	svc_setlimit(RLIMIT_NOFILE, ids->maxfds);
	svc_setlimit(RLIMIT_AS, (rlim_t)svc_lim.memory << 20);
	umask(077);
	return (0);
}

/*
 * In the child: the sandbox, then exec.  Never returns.  The cage
 * (cage.c) comes first, as root; in it this is the script's process.
 */
static __dead void
service_exec(const char *cmd, int io, int err, const struct svc_ids *ids,
    char **envp, pid_t ppid, const char *tmpl)
{
	char		*argv[] = { "sh", "-c", (char *)(uintptr_t)cmd, NULL };
	sigset_t	 set;
	int		 i;

	for (i = 1; i < NSIG; i++)
		(void)signal(i, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (setsid() == -1 || dup2(io, STDIN_FILENO) == -1 ||
	    dup2(io, STDOUT_FILENO) == -1 || dup2(err, STDERR_FILENO) == -1)
		_exit(126);
	closefrom(STDERR_FILENO + 1);
	if (svc_cage(ids, tmpl, ppid) == -1)
		_exit(126);
	svc_lockdown(ids, 1);
	execve("/bin/sh", argv, envp);
	dprintf(STDERR_FILENO, "honeyd: /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

/* Fork the service; its stdio and stderr ends stay with us. */
static pid_t
service_fork(const char *cmd, const struct svc_ids *ids, char **envp,
    const char *tmpl, int *iofd, int *errfd)
{
	int	 sp[2], ep[2], saved;
	pid_t	 pid, ppid = getpid();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		return (-1);
	if (pipe2(ep, O_CLOEXEC) == -1) {
		saved = errno;
		close(sp[0]);
		close(sp[1]);
		errno = saved;
		return (-1);
	}
	if ((pid = fork()) == 0)
		service_exec(cmd, sp[1], ep[1], ids, envp, ppid, tmpl);
	saved = errno;
	close(sp[1]);
	close(ep[1]);
	if (pid == -1) {
		close(sp[0]);
		close(ep[0]);
		errno = saved;
		return (-1);
	}
	*iofd = sp[0];
	*errfd = ep[0];
	return (pid);
}

int
svc_ids_for(const struct template *t, struct svc_ids *ids)
{
	ids->uid = t->flags & TMPL_F_UID ? t->uid : SVC_DEFAULT_UID;
	ids->gid = t->flags & TMPL_F_GID ? t->gid : SVC_DEFAULT_GID;
	ids->maxfds = t->maxfds > 0 ? t->maxfds : SVC_DEFAULT_MAXFDS;
	/* A service as the engine's user could signal or trace it. */
	if (ids->uid == 0 || ids->uid == svc_engine_uid)
		return (-1);
	return (0);
}

static struct service *
service_add(const struct svc_req *req, const char *tmpl, pid_t pid)
{
	struct service	*s;
	struct timeval	 tv;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->tmpl = strdup(tmpl)) == NULL ||
	    (s->timer = evtimer_new(svc_base, service_timer, s)) == NULL)
		fatal("service_add");
	s->id = req->id;
	s->pid = pid;
	s->tuple = req->tuple;
	s->why = SVC_EXITED;
	gettimeofday(&s->started, NULL);
	if (RB_INSERT(svc_byid, &svc_ids, s) != NULL)
		log_warnx("service: connection %u twice", req->id);
	RB_INSERT(svc_bypid, &svc_pids, s);
	nservices++;
	if (svc_lim.timeout > 0) {
		tv.tv_sec = svc_lim.timeout;
		tv.tv_usec = 0;
		evtimer_add(s->timer, &tv);
	}
	return (s);
}

/* IMSG_SVC_START from the engine. */
void
service_start(struct imsg *imsg)
{
	struct svc_req		 req;
	struct svc_reply	 rep;
	struct svc_ids		 ids;
	const struct template	*t;
	const struct action	*a;
	const char		*tmpl;
	char			 cmd[SVC_CMD_MAX], env[SVC_ENV_MAX][256];
	char			*envp[SVC_ENV_MAX];
	int			 iofd, errfd;
	pid_t			 pid;

	if (svc_parse_req(imsg, &req, &tmpl) == -1)
		fatalx("bad service request from the engine");
	/*
	 * The engine never reuses a running service's id: a second one
	 * would share its tree node, and freeing either corrupt the tree.
	 */
	if (service_byid(req.id) != NULL) {
		log_warnx("engine asked twice for a service for connection %u",
		    req.id);
		service_reply(req.id, SVC_E_CONFIG, 0, -1, NULL, NULL);
		return;
	}
	if ((a = svc_action(tmpl, &req.tuple, ACTION_COMMAND, &t)) == NULL ||
	    svc_expand(cmd, sizeof(cmd), a->cmd, &req.tuple) == -1) {
		service_reply(req.id, SVC_E_CONFIG, 0, -1, NULL, NULL);
		return;
	}
	if (svc_ids_for(t, &ids) == -1) {
		service_reply(req.id, SVC_E_UID, 0, -1, NULL, NULL);
		return;
	}
	if ((int)nservices >= svc_lim.max ||
	    svc_count_template(tmpl) >= svc_lim.per_template) {
		service_reply(req.id, SVC_E_LIMIT, 0, -1, NULL, NULL);
		return;
	}
	svc_env(env, envp, t, &req.tuple);
	if ((pid = service_fork(cmd, &ids, envp, tmpl, &iofd,
	    &errfd)) == -1) {
		log_warn("service for connection %u", req.id);
		service_reply(req.id, SVC_E_SYSTEM, errno, -1, NULL, NULL);
		return;
	}
	service_add(&req, tmpl, pid);
	memset(&rep, 0, sizeof(rep));
	rep.pid = pid;
	rep.uid = ids.uid;
	rep.gid = ids.gid;
	service_reply(req.id, SVC_OK, 0, iofd, &rep, cmd);
	if (engine_by_id(req.id) == NULL)
		close(errfd);
	else if (imsgev_compose(engine_by_id(req.id), IMSG_SVC_ERRFD, 0, 0,
	    errfd,
	    &req.id, sizeof(req.id)) == -1)
		log_warn("service stderr for connection %u", req.id);
}

static struct service *
service_byid(uint32_t id)
{
	struct service	 key;

	key.id = id;
	return (RB_FIND(svc_byid, &svc_ids, &key));
}

static void
svc_timer_ms(struct service *s, int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

/* IMSG_SVC_STOP: the connection is gone; so goes its service. */
void
service_stop(struct imsg *imsg)
{
	struct service	*s;
	uint32_t	 id;
	int		 status;

	if (imsg_get_data(imsg, &id, sizeof(id)) == -1)
		fatalx("bad service stop from the engine");
	if ((s = service_byid(id)) == NULL || s->why != SVC_EXITED)
		return;
	/* Exited already, SIGCHLD not seen yet: it ended on its own. */
	if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
		(void)service_reaped(s->pid, status);
		return;
	}
	s->why = SVC_KILLED_CLOSED;
	(void)kill(-s->pid, SIGTERM);
	svc_timer_ms(s, SVC_GRACE_MS);
}

/* The runaway limit, or the grace after SIGTERM, ran out. */
static void
service_timer(int fd, short event, void *arg)
{
	struct service	*s = arg;

	if (s->why == SVC_EXITED) {
		s->why = SVC_KILLED_TIMEOUT;
		log_info("service pid %ld for connection %u ran past %d "
		    "seconds: killed", (long)s->pid, s->id, svc_lim.timeout);
	}
	(void)kill(-s->pid, SIGKILL);
}

static void
service_free(struct service *s)
{
	RB_REMOVE(svc_byid, &svc_ids, s);
	RB_REMOVE(svc_bypid, &svc_pids, s);
	nservices--;
	event_free(s->timer);
	free(s->tmpl);
	free(s);
}

/*
 * SIGCHLD reaped pid: if it was a service, its stragglers go too and
 * the engine is told.  Returns 0 if pid was no service of ours.
 */
int
service_reaped(pid_t pid, int status)
{
	struct service	 key, *s;
	struct svc_exit	 ex;
	struct timeval	 now, d;

	key.pid = pid;
	if ((s = RB_FIND(svc_bypid, &svc_pids, &key)) == NULL)
		return (0);
	(void)kill(-pid, SIGKILL);
	memset(&ex, 0, sizeof(ex));
	ex.id = s->id;
	ex.tuple = s->tuple;
	ex.pid = pid;
	ex.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	ex.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	/*
	 * Killed, it says why; if it exited on its own (it may have been
	 * on its way out when its connection went), it exited.
	 */
	ex.why = WIFSIGNALED(status) ? s->why : SVC_EXITED;
	gettimeofday(&now, NULL);
	timersub(&now, &s->started, &d);
	ex.duration_ms = d.tv_sec < 0 ? 0 : d.tv_sec * 1000 +
	    d.tv_usec / 1000;
	if (engine_by_id(s->id) != NULL && imsgev_compose(engine_by_id(s->id),
	    IMSG_SVC_EXIT, 0, 0, -1, &ex, sizeof(ex)) == -1)
		log_warn("service exit for connection %u", s->id);
	service_free(s);
	return (1);
}

/*
 * Engine index died (-1: shutdown): the process groups of the services
 * it ran are killed.
 */
void
service_killall(int index)
{
	struct service	*s, *next;

	for (s = RB_MIN(svc_byid, &svc_ids); s != NULL; s = next) {
		next = RB_NEXT(svc_byid, &svc_ids, s);
		if (index != -1 && (int)(s->id >> ENGINE_ID_SHIFT) != index)
			continue;
		(void)kill(-s->pid, SIGKILL);
		service_free(s);
	}
}
