/*
 * Parent: subsystems.  "add T subsystem CMD [shared] [restart]" runs a
 * real, unmodified program for the hosts of template T: one process for
 * them all (shared), or one per address bound to T (at most
 * SUBSYS_HOSTS_MAX; an IPv6 address is a /128 bind, a shorter prefix is
 * served by a shared one alone).  It runs caged as a service script does (its own
 * namespaces, no network, T's uid), with subsys_preload.c preloaded:
 * the library turns the program's IPv4 and IPv6 socket calls into
 * requests on a socket to us (subsys.h).  We check each against our
 * configuration, and tell the engine which ports listen
 * (IMSG_SUBSYS_LISTEN); the engine's TCP, shaped by the personality,
 * answers the handshake, and a connection asks us for the program's
 * end (IMSG_SUBSYS_CONNECT): we make a socketpair, send one end to the
 * program's listening socket and the other to the engine, as for a
 * service (IMSG_SVC_FD).
 *
 * The rule for a listen: the port declared "open" in T ("add T tcp
 * port P open"), the address 0.0.0.0 or :: or one of the hosts the
 * process serves.  A process per host serves its one address, IPv4's
 * or IPv6's, and that family alone (a socket bound to :: takes it; one
 * of the other family alone is refused), and a connection or datagram
 * to that address reaches that process.
 * A UDP socket's bind asks the same; granted, its other end goes to
 * the engine, which puts datagrams on it and sends those the
 * program writes.  A static program cannot take the library: it is
 * not started.  "restart" starts a program that ended again, after
 * SUBSYS_BACKOFF_MIN seconds, doubling while it keeps dying young; a
 * reload gives any that ended another start.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "honeyd.h"
#include "subsys.h"

#define SUBSYS_LIB		"honeyd_preload.so"
#define SUBSYS_CAGE_LIB		"/tmp/.honeyd_preload.so"
#define SUBSYS_STABLE_SECS	60	/* ran this long: back-off resets */

struct subsys;

struct sublsn {
	TAILQ_ENTRY(sublsn)	 entry;
	struct subsys		*ss;
	uint32_t		 id;
	uint32_t		 addr;		/* host order; 0: all hosts */
	struct in6_addr		 addr6;		/* IPv6's host; ::: all */
	uint16_t		 port;
	uint8_t			 proto;
	uint8_t			 af;		/* SUBSYS_AF4, SUBSYS_AF6 */
	int			 fd;		/* to the listening socket; UDP:
					   the engine's end, a copy */
	struct event		*ev;		/* TCP: its end closing */
};
TAILQ_HEAD(sublsns, sublsn);

struct subsys {
	TAILQ_ENTRY(subsys)	 entry;
	char			*tmpl, *cmd;
	int			 flags;		/* SUBSYS_F_*, as configured */
	int			 restart;	/* start it again when it ends */
	int			 stopping;	/* no longer configured */
	uint32_t		 host;		/* IPv4's; 0: none */
	struct in6_addr		 host6;		/* IPv6's; ::: none */
	pid_t			 pid;		/* 0: not running */
	int			 ctl;		/* to the library */
	struct event		*ctlev, *timer;
	int			 backoff;	/* s before the next start */
	time_t			 started;
	int			 mark;		/* still configured */
	struct svc_ids		 ids;
	struct sublsns		 lsns;
};
TAILQ_HEAD(subsystems, subsys);

static struct subsystems	 subsystems =
				    TAILQ_HEAD_INITIALIZER(subsystems);
static struct event_base	*ss_base;
static const struct honeyd_config *ss_conf;
static char			 ss_lib[PATH_MAX];
static uint32_t			 ss_lastid;

static int	 subsys_start(struct subsys *);
static void	 subsys_send_listen(const struct sublsn *, struct imsgev *);
static void	 subsys_stop(struct subsys *);
static void	 subsys_ctl(int, short, void *);
static void	 subsys_timer(int, short, void *);

/*
 * The library: beside our program (a build tree), else where "make
 * install" put it.
 */
void
subsys_init(struct event_base *base)
{
	char	 exe[PATH_MAX];
	ssize_t	 n;

	ss_base = base;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		snprintf(ss_lib, sizeof(ss_lib), "%s/%s", dirname(exe),
		    SUBSYS_LIB);
		if (access(ss_lib, R_OK) == 0)
			return;
	}
	strlcpy(ss_lib, HONEYD_PRELOAD, sizeof(ss_lib));
}

/*
 * The program a command runs: its first word, found in PATH as the
 * shell would, or in the service directory where the program will run;
 * a script's interpreter in its stead.
 */
static int
subsys_program(const char *cmd, char *path, size_t size)
{
	static const char	*dirs[] = { "/usr/local/bin", "/usr/bin",
				    "/bin" };
	char			 word[PATH_MAX], line[PATH_MAX];
	size_t			 i, len;
	FILE			*f;

	len = strcspn(cmd, " \t");
	if (len == 0 || len >= sizeof(word))
		return (-1);
	memcpy(word, cmd, len);
	word[len] = '\0';
	if (word[0] == '/')
		strlcpy(path, word, size);
	else if (strchr(word, '/') != NULL)
		snprintf(path, size, "%s/%s", service_dir(), word);
	else {
		for (i = 0; i < 3; i++) {
			snprintf(path, size, "%s/%s", dirs[i], word);
			if (access(path, X_OK) == 0)
				break;
		}
		if (i == 3)
			return (-1);
	}
	if ((f = fopen(path, "re")) == NULL)
		return (-1);
	if (fgets(line, sizeof(line), f) != NULL && line[0] == '#' &&
	    line[1] == '!') {
		line[strcspn(line, "\r\n")] = '\0';
		len = strspn(line + 2, " \t");
		snprintf(word, sizeof(word), "%s", line + 2 + len);
		word[strcspn(word, " \t")] = '\0';
		strlcpy(path, word, size);
	}
	fclose(f);
	return (0);
}

/*
 * 1 if the command's program is an ELF without an interpreter (static,
 * static-pie): the dynamic loader never runs, no library is preloaded.
 * 0 if dynamic, or not an ELF at all; -1 if it cannot be read.  The
 * program's path goes to path.
 */
int
subsys_elf_static(const char *cmd, char *path, size_t size)
{
	Elf64_Ehdr	 eh;
	Elf64_Phdr	 ph;
	int		 fd, i, rv = 1;

	if (subsys_program(cmd, path, size) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph)) {
		close(fd);
		return (0);
	}
	for (i = 0; i < eh.e_phnum && rv == 1; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) !=
		    sizeof(ph)) {
			rv = -1;
			break;
		}
		if (ph.p_type == PT_INTERP)
			rv = 0;
	}
	close(fd);
	return (rv);
}

/*
 * Configuration.
 */

/* 1 if ss serves every host of its template (no host of its own). */
static int
subsys_shared(const struct subsys *ss)
{
	return (ss->host == 0 && IN6_IS_ADDR_UNSPECIFIED(&ss->host6));
}

static struct subsys *
subsys_find(const char *tmpl, const struct tmpl_subsys *ts, uint32_t host,
    const struct in6_addr *host6)
{
	struct subsys	*ss;

	TAILQ_FOREACH(ss, &subsystems, entry)
		if (!ss->stopping && strcmp(ss->tmpl, tmpl) == 0 &&
		    strcmp(ss->cmd, ts->cmd) == 0 && ss->flags == ts->flags &&
		    ss->host == host && IN6_ARE_ADDR_EQUAL(&ss->host6, host6))
			return (ss);
	return (NULL);
}

/* The process of host (IPv4) or host6 (IPv6), or of all (neither). */
static void
subsys_want(const struct template *t, const struct tmpl_subsys *ts,
    uint32_t host, const struct in6_addr *host6)
{
	struct subsys	*ss;

	/* One that ended for good is given another chance by a reload. */
	if ((ss = subsys_find(t->name, ts, host, host6)) != NULL) {
		ss->mark = 1;
		if (ss->pid == 0 && !evtimer_pending(ss->timer, NULL))
			ss->restart = subsys_start(ss) == 0 &&
			    (ss->flags & SUBSYS_F_RESTART);
		return;
	}
	if ((ss = calloc(1, sizeof(*ss))) == NULL ||
	    (ss->tmpl = strdup(t->name)) == NULL ||
	    (ss->cmd = strdup(ts->cmd)) == NULL ||
	    (ss->timer = evtimer_new(ss_base, subsys_timer, ss)) == NULL)
		fatal("subsystem");
	ss->flags = ts->flags;
	ss->host = host;
	ss->host6 = *host6;
	ss->ctl = -1;
	ss->mark = 1;
	ss->backoff = SUBSYS_BACKOFF_MIN;
	TAILQ_INIT(&ss->lsns);
	TAILQ_INSERT_TAIL(&subsystems, ss, entry);
	ss->restart = subsys_start(ss) == 0 && (ss->flags & SUBSYS_F_RESTART);
}

/*
 * The hosts a per-host subsystem of t serves, into hosts (at most
 * SUBSYS_HOSTS_MAX): each address bound to t, IPv4's first.  An IPv6
 * address is a /128 bind: a shorter prefix holds more addresses than
 * could each have a process, and is served only by a shared subsystem.
 * What is left out is logged; the number of hosts is returned.
 */
size_t
subsys_hosts(const struct honeyd_config *conf, const struct template *t,
    const struct tmpl_subsys *ts, struct subsys_host *hosts)
{
	const struct bind6	*b6;
	char			 a6[INET6_ADDRSTRLEN];
	uint64_t		 a;
	size_t			 i, n = 0;

	for (i = 0; i < conf->nbinds; i++) {
		if (conf->binds[i].tmpl != t)
			continue;
		for (a = conf->binds[i].lo; a <= conf->binds[i].hi; a++) {
			if (n == SUBSYS_HOSTS_MAX)
				goto full;
			memset(&hosts[n], 0, sizeof(hosts[n]));
			hosts[n++].host = (uint32_t)a;
		}
	}
	for (i = 0; i < conf->nbinds6; i++) {
		b6 = &conf->binds6[i];
		if (b6->tmpl != t)
			continue;
		if (b6->plen != 128) {
			log_warnx("subsystem %s of %s: %s/%d is a prefix, "
			    "not an address: its hosts are not served (use "
			    "\"shared\")", ts->cmd, t->name,
			    addr6_fmt(&b6->net, a6, sizeof(a6)), b6->plen);
			continue;
		}
		if (n == SUBSYS_HOSTS_MAX)
			goto full;
		hosts[n].host = 0;
		hosts[n++].host6 = b6->net;
	}
	return (n);
 full:
	log_warnx("subsystem %s of %s: more than %d hosts; the rest are not "
	    "served (use \"shared\")", ts->cmd, t->name, SUBSYS_HOSTS_MAX);
	return (n);
}

/* One process per host of t's (subsys_hosts()). */
static void
subsys_want_hosts(const struct honeyd_config *conf, const struct template *t,
    const struct tmpl_subsys *ts)
{
	struct subsys_host	 hosts[SUBSYS_HOSTS_MAX];
	size_t			 i, n;

	n = subsys_hosts(conf, t, ts, hosts);
	for (i = 0; i < n; i++)
		subsys_want(t, ts, hosts[i].host, &hosts[i].host6);
}

static void
subsys_free(struct subsys *ss)
{
	TAILQ_REMOVE(&subsystems, ss, entry);
	event_free(ss->timer);
	free(ss->tmpl);
	free(ss->cmd);
	free(ss);
}

/*
 * The running configuration: start what is new, stop what went.  A
 * subsystem the reload left as it was keeps running.
 */
void
subsys_config(const struct honeyd_config *conf)
{
	const struct template	*t;
	const struct tmpl_subsys *ts;
	struct subsys		*ss, *next;

	ss_conf = conf;
	TAILQ_FOREACH(ss, &subsystems, entry)
		ss->mark = 0;
	TAILQ_FOREACH(t, &conf->tmpl_order, order)
		TAILQ_FOREACH(ts, &t->subsystems, entry) {
			if (ts->flags & SUBSYS_F_SHARED)
				subsys_want(t, ts, 0, &in6addr_any);
			else
				subsys_want_hosts(conf, t, ts);
		}
	TAILQ_FOREACH_SAFE(ss, &subsystems, entry, next) {
		if (ss->mark)
			continue;
		subsys_stop(ss);
		ss->stopping = 1;
		if (ss->pid == 0)
			subsys_free(ss);
	}
}

/*
 * The program.
 */

static void
subsys_env(char env[8][PATH_MAX + 32], char **envp, const struct subsys *ss,
    const char *lib)
{
	char			 a[INET6_ADDRSTRLEN];
	int			 n = 0;

	snprintf(env[n++], sizeof(env[0]),
	    "PATH=/usr/local/bin:/usr/bin:/bin");
	snprintf(env[n++], sizeof(env[0]), "HOME=/");
	snprintf(env[n++], sizeof(env[0]), "LANG=C");
	snprintf(env[n++], sizeof(env[0]), "LD_PRELOAD=%s", lib);
	snprintf(env[n++], sizeof(env[0]), "%s=%d", SUBSYS_ENV_FD,
	    SUBSYS_CTL_FD);
	/* One arena a thread would ask more address space than allowed. */
	snprintf(env[n++], sizeof(env[0]), "MALLOC_ARENA_MAX=2");
	snprintf(env[n++], sizeof(env[0]), "HONEYD_TEMPLATE=%s", ss->tmpl);
	if (ss->host != 0)
		snprintf(env[n++], sizeof(env[0]), "HONEYD_IP=%s",
		    addr_fmt(ss->host, a, sizeof(a)));
	else if (!subsys_shared(ss))
		snprintf(env[n++], sizeof(env[0]), "HONEYD_IP=%s",
		    addr6_fmt(&ss->host6, a, sizeof(a)));
	for (envp[n] = NULL; n-- > 0; )
		envp[n] = env[n];
}

/*
 * The library where the caged program can read it: its own path if the
 * cage shows it, else a copy in the cage's private /tmp.
 */
static const char *
subsys_cage_lib(int libfd)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 fd;

	if (access(ss_lib, R_OK) == 0)
		return (ss_lib);
	if ((fd = open(SUBSYS_CAGE_LIB, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0444)) == -1)
		return (NULL);
	while ((n = read(libfd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n) {
			n = -1;
			break;
		}
	close(fd);
	return (n == 0 ? SUBSYS_CAGE_LIB : NULL);
}

static __dead void
subsys_exec(struct subsys *ss, int ctl, int libfd, pid_t ppid)
{
	char		 cmd[SVC_CMD_MAX + 8], env[8][PATH_MAX + 32];
	char		*envp[9];
	char		*argv[] = { "sh", "-c", cmd, NULL };
	const char	*lib;
	sigset_t	 set;
	int		 i, null;

	for (i = 1; i < NSIG; i++)
		(void)signal(i, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if ((null = open("/dev/null", O_RDONLY)) == -1 || setsid() == -1 ||
	    dup2(null, STDIN_FILENO) == -1 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) == -1 ||
	    dup2(ctl, SUBSYS_CTL_FD) == -1 || dup2(libfd, 4) == -1)
		_exit(126);
	closefrom(5);
	if (svc_cage(&ss->ids, ss->tmpl, ppid) == -1)
		_exit(126);
	if ((lib = subsys_cage_lib(4)) == NULL) {
		dprintf(STDERR_FILENO, "honeyd: subsystem %s: cannot place "
		    "%s in its cage\n", ss->cmd, ss_lib);
		_exit(126);
	}
	close(4);
	subsys_env(env, envp, ss, lib);
	snprintf(cmd, sizeof(cmd), "exec %s", ss->cmd);
	svc_lockdown(&ss->ids, 0);
	execve("/bin/sh", argv, envp);
	dprintf(STDERR_FILENO, "honeyd: /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

static int
subsys_start(struct subsys *ss)
{
	const struct template	*t;
	char			 prog[PATH_MAX];
	int			 sp[2], libfd;
	pid_t			 pid, ppid = getpid();

	if ((t = config_find_template(ss_conf, ss->tmpl)) == NULL)
		return (-1);
	switch (subsys_elf_static(ss->cmd, prog, sizeof(prog))) {
	case 1:
		log_warnx("subsystem %s: statically linked, its sockets "
		    "cannot be virtualised; not started", ss->cmd);
		return (-1);
	case -1:
		log_warn("subsystem %s: %s; not started", ss->cmd, prog);
		return (-1);
	}
	if (svc_ids_for(t, &ss->ids) == -1) {
		log_warnx("subsystem %s: it would run as root or as the "
		    "engine's user; not started", ss->cmd);
		return (-1);
	}
	if ((libfd = open(ss_lib, O_RDONLY | O_CLOEXEC)) == -1) {
		log_warn("subsystem %s: %s; not started", ss->cmd, ss_lib);
		return (-1);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("subsystem %s", ss->cmd);
		close(libfd);
		return (-1);
	}
	if ((pid = fork()) == 0)
		subsys_exec(ss, sp[1], libfd, ppid);
	close(sp[1]);
	close(libfd);
	if (pid == -1 || fcntl(sp[0], F_SETFL, O_NONBLOCK) == -1 ||
	    (ss->ctlev = event_new(ss_base, sp[0], EV_READ | EV_PERSIST,
	    subsys_ctl, ss)) == NULL) {
		log_warn("subsystem %s", ss->cmd);
		if (pid > 0)
			(void)kill(-pid, SIGKILL);
		close(sp[0]);
		return (-1);
	}
	event_add(ss->ctlev, NULL);
	ss->ctl = sp[0];
	ss->pid = pid;
	ss->started = time(NULL);
	log_info("subsystem %s of %s started, pid %ld", ss->cmd, ss->tmpl,
	    (long)pid);
	return (0);
}

/*
 * Listening sockets.
 */

/*
 * The engine a listening socket is told to (-e N): its host's, and for
 * a port on every host of a template engine 0, which holds all the
 * hosts of a template with a shared subsystem (engines.c).
 */
static int
subsys_lsn_wants(const struct sublsn *l, struct imsgev *iev)
{
	if (!IN6_IS_ADDR_UNSPECIFIED(&l->addr6))
		return (iev != NULL && iev == engine_for_addr6(&l->addr6));
	return (iev != NULL && iev == (l->addr == 0 ? parent->engines[0] :
	    engine_for_addr(l->addr)));
}

static void
subsys_send_listens(const struct sublsn *l)
{
	int	 i;

	for (i = 0; i < parent->nengines; i++)
		if (subsys_lsn_wants(l, parent->engines[i]))
			subsys_send_listen(l, parent->engines[i]);
}

static void
subsys_send_listen(const struct sublsn *l, struct imsgev *iev)
{
	struct subsys_listen	 m;
	struct iovec		 iov[3];
	int			 fd = -1;

	/* Each engine gets its own copy of a UDP socket's end. */
	if (l->proto == IPPROTO_UDP && (fd = dup(l->fd)) == -1) {
		log_warn("subsystem %s: port %u", l->ss->cmd, l->port);
		return;
	}
	memset(&m, 0, sizeof(m));
	m.id = l->id;
	m.addr = l->addr;
	m.addr6 = l->addr6;
	m.af = l->af;
	m.pid = l->ss->pid;
	m.port = l->port;
	m.proto = l->proto;
	iov[0].iov_base = &m;
	iov[0].iov_len = sizeof(m);
	iov[1].iov_base = l->ss->tmpl;
	iov[1].iov_len = strlen(l->ss->tmpl) + 1;
	iov[2].iov_base = l->ss->cmd;
	iov[2].iov_len = strlen(l->ss->cmd) + 1;
	if (imsgev_composev(iev, IMSG_SUBSYS_LISTEN, 0, 0, fd,
	    iov, 3) == -1)
		log_warn("subsystem listen");
}

static void
subsys_lsn_free(struct sublsn *l)
{
	int	 i;

	TAILQ_REMOVE(&l->ss->lsns, l, entry);
	for (i = 0; i < parent->nengines; i++)
		if (subsys_lsn_wants(l, parent->engines[i]))
			(void)imsgev_compose(parent->engines[i],
			    IMSG_SUBSYS_UNLISTEN, 0, 0, -1, &l->id,
			    sizeof(l->id));
	if (l->ev != NULL)
		event_free(l->ev);
	close(l->fd);
	free(l);
}

/* The program closed its listening socket: the port listens no more. */
static void
subsys_lsn_event(int fd, short event, void *arg)
{
	struct sublsn	*l = arg;
	char		 c;

	if (recv(fd, &c, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN)
		return;
	log_info("subsystem %s: port %u closed", l->ss->cmd, l->port);
	subsys_lsn_free(l);
}

/*
 * The families and the host of a listen as the library asked it, in
 * l; 0 or an errno.  A process per host takes its host's family alone.
 */
static int
subsys_lsn_addr(const struct subsys *ss, const struct subsys_msg *m,
    struct sublsn *l)
{
	uint32_t	 v4;

	l->af = m->af & (SUBSYS_AF4 | SUBSYS_AF6);
	if (subsys_addr4(m->laddr, &v4)) {
		if (l->af != SUBSYS_AF4 || v4 == 0)
			return (EINVAL);
		l->addr = ntohl(v4);
	} else if (!subsys_addr_any(m->laddr)) {
		if (l->af != SUBSYS_AF6)
			return (EINVAL);
		memcpy(&l->addr6, m->laddr, sizeof(l->addr6));
	} else if (l->af == 0)
		return (EINVAL);
	if (ss->host != 0)
		l->af &= ~SUBSYS_AF6;
	else if (!subsys_shared(ss))
		l->af &= ~SUBSYS_AF4;
	return (l->af == 0 ? EADDRNOTAVAIL : 0);
}

/* The rule of a listen (the top of this file) for l; 0 or an errno. */
static int
subsys_check(const struct subsys *ss, const struct subsys_msg *m,
    struct sublsn *l)
{
	const struct template	*t;
	const struct bind	*b;
	const struct bind6	*b6;
	const struct port	*p;
	const struct sublsn	*o;
	int			 n = 0, err;

	if (m->proto != IPPROTO_TCP && m->proto != IPPROTO_UDP)
		return (EOPNOTSUPP);
	if ((t = config_find_template(ss_conf, ss->tmpl)) == NULL)
		return (EACCES);
	if ((p = template_find_port(t, m->proto, m->lport)) == NULL ||
	    p->action.kind != ACTION_OPEN)
		return (EACCES);
	if ((err = subsys_lsn_addr(ss, m, l)) != 0)
		return (err);
	if (l->addr != 0 && (ss->host != 0 ? l->addr != ss->host :
	    (b = config_find_bind(ss_conf, l->addr)) == NULL || b->tmpl != t))
		return (EADDRNOTAVAIL);
	if (!IN6_IS_ADDR_UNSPECIFIED(&l->addr6) &&
	    (subsys_shared(ss) ? (b6 = config_find_bind6(ss_conf,
	    &l->addr6)) == NULL || b6->tmpl != t :
	    !IN6_ARE_ADDR_EQUAL(&l->addr6, &ss->host6)))
		return (EADDRNOTAVAIL);
	/* One port of a family per program (Linux's :: takes both). */
	TAILQ_FOREACH(o, &ss->lsns, entry) {
		if (o->port == m->lport && o->proto == m->proto &&
		    (o->af & l->af))
			return (EADDRINUSE);
		n++;
	}
	return (n >= SUBSYS_LISTEN_MAX ? ENOBUFS : 0);
}

static int
subsys_listen(struct subsys *ss, const struct subsys_msg *m, int fd)
{
	struct sublsn	*l;
	int		 err;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (ENOMEM);
	if ((err = subsys_check(ss, m, l)) != 0) {
		log_warnx("subsystem %s: listen on port %u refused: %s",
		    ss->cmd, m->lport, strerror(err));
		free(l);
		return (err);
	}
	/* A UDP socket's end is the engine's: we never read it. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    (m->proto == IPPROTO_TCP && (l->ev = event_new(ss_base, fd,
	    EV_READ | EV_PERSIST, subsys_lsn_event, l)) == NULL)) {
		free(l);
		return (ENOMEM);
	}
	if (++ss_lastid == 0)
		ss_lastid = 1;
	l->id = ss_lastid;
	l->ss = ss;
	l->fd = fd;
	l->port = m->lport;
	l->proto = m->proto;
	if (ss->host != 0)
		l->addr = ss->host;
	else if (!subsys_shared(ss))
		l->addr6 = ss->host6;
	if (l->ev != NULL)
		event_add(l->ev, NULL);
	TAILQ_INSERT_TAIL(&ss->lsns, l, entry);
	subsys_send_listens(l);
	log_info("subsystem %s of %s listens on %s port %u (%s)", ss->cmd,
	    ss->tmpl, l->proto == IPPROTO_UDP ? "udp" : "tcp", l->port,
	    l->af == SUBSYS_AF4 ? "IPv4" : l->af == SUBSYS_AF6 ? "IPv6" :
	    "IPv4 and IPv6");
	return (0);
}

static void
subsys_ctl_close(struct subsys *ss)
{
	struct sublsn	*l;

	while ((l = TAILQ_FIRST(&ss->lsns)) != NULL)
		subsys_lsn_free(l);
	if (ss->ctlev != NULL)
		event_free(ss->ctlev);
	ss->ctlev = NULL;
	if (ss->ctl != -1)
		close(ss->ctl);
	ss->ctl = -1;
}

/* A request from the library; a malformed one ends the conversation. */
static void
subsys_ctl(int fd, short event, void *arg)
{
	struct subsys		*ss = arg;
	struct subsys_msg	 m;
	ssize_t			 n;
	int			 lfd, mflags;

	if ((n = subsys_msg_recv(fd, &m, &lfd, &mflags, MSG_CMSG_CLOEXEC,
	    recvmsg)) == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n != sizeof(m) || m.type != SUBSYS_M_LISTEN || lfd == -1 ||
	    (mflags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (n != 0)
			log_warnx("subsystem %s: bad request; no more "
			    "listening", ss->cmd);
		if (lfd != -1)
			close(lfd);
		subsys_ctl_close(ss);
		return;
	}
	m.error = subsys_listen(ss, &m, lfd);
	if (m.error != 0)
		close(lfd);
	m.type = SUBSYS_M_REPLY;
	if (send(fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
		log_warn("subsystem %s: reply", ss->cmd);
}

/*
 * Connections.
 */

static void
subsys_reply(uint32_t id, int refused, int error, int fd,
    const struct subsys *ss)
{
	struct svc_reply	 rep;
	struct iovec		 iov[2];

	memset(&rep, 0, sizeof(rep));
	rep.id = id;
	rep.refused = refused;
	rep.error = error;
	if (ss != NULL) {
		rep.pid = ss->pid;
		rep.uid = ss->ids.uid;
		rep.gid = ss->ids.gid;
	}
	iov[0].iov_base = &rep;
	iov[0].iov_len = sizeof(rep);
	iov[1].iov_base = ss != NULL ? ss->cmd : "";
	iov[1].iov_len = strlen(iov[1].iov_base) + 1;
	if (engine_by_id(id) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (imsgev_composev(engine_by_id(id), IMSG_SVC_FD, 0, 0, fd, iov,
	    2) == -1)
		log_warn("subsystem reply for connection %u", id);
}

static struct sublsn *
subsys_lsn_for(const char *tmpl, const struct tuple *tp)
{
	struct subsys	*ss;
	struct sublsn	*l;

	TAILQ_FOREACH(ss, &subsystems, entry) {
		if (strcmp(ss->tmpl, tmpl) != 0 || (!subsys_shared(ss) &&
		    (tp->v6 ? !IN6_ARE_ADDR_EQUAL(&ss->host6, &tp->dst6) :
		    ss->host != tp->dst)))
			continue;
		TAILQ_FOREACH(l, &ss->lsns, entry) {
			if (l->proto != IPPROTO_TCP || l->port != tp->dport)
				continue;
			if (tp->v6 ? (l->af & SUBSYS_AF6) &&
			    (IN6_IS_ADDR_UNSPECIFIED(&l->addr6) ||
			    IN6_ARE_ADDR_EQUAL(&l->addr6, &tp->dst6)) :
			    (l->af & SUBSYS_AF4) &&
			    (l->addr == 0 || l->addr == tp->dst))
				return (l);
		}
	}
	return (NULL);
}

/* One connection to the program's listening socket; 0 or an errno. */
static int
subsys_pass(struct sublsn *l, const struct tuple *tp, int fd)
{
	struct subsys_msg	 m;

	memset(&m, 0, sizeof(m));
	m.type = SUBSYS_M_CONN;
	if (tp->v6) {
		memcpy(m.laddr, &tp->dst6, sizeof(m.laddr));
		memcpy(m.raddr, &tp->src6, sizeof(m.raddr));
	} else {
		subsys_map4(m.laddr, htonl(tp->dst));
		subsys_map4(m.raddr, htonl(tp->src));
	}
	m.lport = tp->dport;
	m.rport = tp->sport;
	m.proto = IPPROTO_TCP;
	if (subsys_msg_send(l->fd, &m, fd, MSG_DONTWAIT | MSG_NOSIGNAL,
	    sendmsg) == -1)
		return (errno);
	return (0);
}

/*
 * IMSG_SUBSYS_CONNECT: the engine has a connection to a port it was
 * told listens.  Checked again here: the listen may be gone, and the
 * engine is not trusted to name a host we do not claim.
 */
void
subsys_connect(struct imsg *imsg)
{
	struct svc_req	 req;
	struct sublsn	*l;
	const char	*tmpl;
	int		 sp[2], err;

	if (svc_parse_req(imsg, &req, &tmpl) == -1)
		fatalx("bad subsystem request from the engine");
	if (req.tuple.proto != IPPROTO_TCP || (req.tuple.v6 ?
	    !claim6_contains(&parent->claimed, &req.tuple.dst6) :
	    !claim_contains(&parent->claimed, req.tuple.dst)) ||
	    (l = subsys_lsn_for(tmpl, &req.tuple)) == NULL) {
		subsys_reply(req.id, SVC_E_CONFIG, 0, -1, NULL);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		subsys_reply(req.id, SVC_E_SYSTEM, errno, -1, NULL);
		return;
	}
	err = subsys_pass(l, &req.tuple, sp[1]);
	close(sp[1]);
	if (err != 0) {
		close(sp[0]);
		/* Its queue is full: it does not accept fast enough. */
		subsys_reply(req.id, err == EAGAIN ? SVC_E_LIMIT :
		    SVC_E_SYSTEM, err, -1, NULL);
		return;
	}
	subsys_reply(req.id, SVC_OK, 0, sp[0], l->ss);
}

/* A new engine knows nothing: tell it every port it listens on. */
void
subsys_engine_sync(struct imsgev *iev)
{
	struct subsys	*ss;
	struct sublsn	*l;

	TAILQ_FOREACH(ss, &subsystems, entry)
		TAILQ_FOREACH(l, &ss->lsns, entry)
			if (subsys_lsn_wants(l, iev))
				subsys_send_listen(l, iev);
}

/*
 * Ends.
 */

static void
subsys_stop(struct subsys *ss)
{
	ss->restart = 0;
	evtimer_del(ss->timer);
	subsys_ctl_close(ss);
	if (ss->pid > 0)
		(void)kill(-ss->pid, SIGTERM);
}

static void
subsys_timer(int fd, short event, void *arg)
{
	struct subsys	*ss = arg;

	if (subsys_start(ss) == -1)
		ss->restart = 0;
}

/* SIGCHLD: 1 if pid was a subsystem's. */
int
subsys_reaped(pid_t pid, int status)
{
	struct subsys	*ss;
	struct timeval	 tv;

	TAILQ_FOREACH(ss, &subsystems, entry)
		if (ss->pid == pid)
			break;
	if (ss == NULL)
		return (0);
	(void)kill(-pid, SIGKILL);
	ss->pid = 0;
	subsys_ctl_close(ss);
	if (WIFSIGNALED(status))
		log_warnx("subsystem %s of %s: killed by signal %d", ss->cmd,
		    ss->tmpl, WTERMSIG(status));
	else
		log_warnx("subsystem %s of %s: exited with status %d",
		    ss->cmd, ss->tmpl, WEXITSTATUS(status));
	if (ss->stopping) {
		subsys_free(ss);
		return (1);
	}
	if (!ss->restart)
		return (1);
	if (time(NULL) - ss->started >= SUBSYS_STABLE_SECS)
		ss->backoff = SUBSYS_BACKOFF_MIN;
	log_info("subsystem %s of %s: restarting in %d s", ss->cmd, ss->tmpl,
	    ss->backoff);
	tv.tv_sec = ss->backoff;
	tv.tv_usec = 0;
	evtimer_add(ss->timer, &tv);
	ss->backoff *= 2;
	if (ss->backoff > SUBSYS_BACKOFF_MAX)
		ss->backoff = SUBSYS_BACKOFF_MAX;
	return (1);
}

/* honeyd stops: so do the programs. */
void
subsys_killall(void)
{
	struct subsys	*ss;

	TAILQ_FOREACH(ss, &subsystems, entry) {
		ss->restart = 0;
		if (ss->pid > 0)
			(void)kill(-ss->pid, SIGKILL);
	}
}
