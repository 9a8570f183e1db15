/*
 * Unit tests for privsep/sandbox.c.  Every case runs in a forked child
 * that enters the sandbox; the parent judges by how the child ended
 * (exit status or signal) and what it wrote on stderr.  The children
 * need no privilege: the filter only needs no_new_privs.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "imsg.h"
#include "sandbox.h"
#include "unit.h"

/* As sandbox.c decides whether the sanitizers' extra list is in. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED	1
#endif
#endif

#define CHILD_TIMEOUT_MS	20000

struct outcome {
	int	 status;
	char	 err[8192];
};

static int	 child_failed;
static pid_t	 test_pid;		/* the parent of every child */

/* A check inside a child: reported on its stderr, counted in its exit. */
#define CCHECK(cond) do {						\
	if (!(cond)) {							\
		child_failed++;						\
		fprintf(stderr, "%s:%d: child: CHECK(%s) failed "	\
		    "(errno %d)\n", __FILE__, __LINE__, #cond, errno);	\
	}								\
} while (0)

/*
 * Fork, run fn(arg) in the child with stderr to a pipe, collect the
 * pipe until EOF (bounded) and the exit status.  A child that takes
 * too long is killed, and the status says so.
 */
static int
run_child(void (*fn)(void *), void *arg, struct outcome *o)
{
	struct pollfd	 pfd;
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2];

	memset(o, 0, sizeof(*o));
	if (pipe(p) == -1)
		return (-1);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		close(p[1]);
		child_failed = 0;
		fn(arg);
		fflush(stderr);
		_exit(child_failed ? 1 : 0);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, CHILD_TIMEOUT_MS) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if ((n = read(p[0], o->err + len, sizeof(o->err) - 1 -
		    len)) <= 0)
			break;
		len += n;
		if (len == sizeof(o->err) - 1)
			break;
	}
	close(p[0]);
	if (waitpid(pid, &o->status, 0) != pid)
		return (-1);
	return (0);
}

static int
killed_by(const struct outcome *o, int sig)
{
	return (WIFSIGNALED(o->status) && WTERMSIG(o->status) == sig);
}

static int
exited_ok(const struct outcome *o)
{
	return (WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0);
}

static void
show(const char *what, const struct outcome *o)
{
	fprintf(stderr, "# %s: status %#x (%s %d); stderr:\n%s", what,
	    o->status, WIFSIGNALED(o->status) ? "signal" : "exit",
	    WIFSIGNALED(o->status) ? WTERMSIG(o->status) :
	    WEXITSTATUS(o->status), o->err);
}

/* ------------------------------------------------------- allowed */

static int	 usr1_seen, tfd_fired;

static void
on_usr1(int sig, short ev, void *arg)
{
	usr1_seen = 1;
	if (tfd_fired)
		event_base_loopexit(arg, NULL);
}

static void
on_timerfd(int fd, short ev, void *arg)
{
	uint64_t	 n;

	if (read(fd, &n, sizeof(n)) == sizeof(n) && n > 0)
		tfd_fired = 1;
	if (usr1_seen)
		event_base_loopexit(arg, NULL);
}

static int	 once_ran;

static void
once_fn(void)
{
	once_ran = 1;
}

static void
on_timeout(int fd, short ev, void *arg)
{
	event_base_loopexit(arg, NULL);
}

/* Memory as malloc uses it, and never executable. */
static void
child_memory(void)
{
	char	*p, *q;
	int	 i;

	CCHECK((p = malloc(1 << 20)) != NULL);		/* mmap */
	memset(p, 1, 1 << 20);
	CCHECK((q = realloc(p, 4 << 20)) != NULL);	/* mremap */
	free(q);
	for (i = 0; i < 1000; i++)			/* brk */
		free(malloc(100 + i));
	CCHECK(malloc_trim(0) >= 0);			/* madvise, brk */
	CCHECK((p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED);
	CCHECK(mprotect(p, 4096, PROT_READ) == 0);
	CCHECK(munmap(p, 4096) == 0);
}

/*
 * A descriptor passed over imsg, as the parent passes services'.  The
 * socketpair sp and the pipe pp are made before the sandbox.
 */
static void
child_fd_passing(int sp[2], int pp[2])
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	struct stat	 st;
	char		 c = 0;
	int		 fd, fl;

	imsgbuf_init(&a, sp[0]);
	imsgbuf_init(&b, sp[1]);
	CCHECK(imsg_compose(&a, 1, 0, 0, pp[1], "x", 1) == 0);
	CCHECK(imsgbuf_write(&a) == 0);
	CCHECK(imsgbuf_read(&b) > 0);
	CCHECK(imsg_get(&b, &imsg) > 0);
	fd = imsg_get_fd(&imsg);
	CCHECK(fd != -1);
	CCHECK(fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode));
	CCHECK((fl = fcntl(fd, F_GETFL)) != -1 &&
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0);
	CCHECK(write(fd, "y", 1) == 1);
	CCHECK(read(pp[0], &c, 1) == 1 && c == 'y');
	imsg_free(&imsg);
	close(fd);
	close(pp[0]);
	/* A relay's half-close, and a proxy's connect outcome. */
	CCHECK(shutdown(sp[0], SHUT_WR) == 0);
	fl = -1;
	CCHECK(getsockopt(sp[0], SOL_SOCKET, SO_ERROR, &fl,
	    &(socklen_t){ sizeof(fl) }) == 0 && fl == 0);
	imsgbuf_clear(&a);
	imsgbuf_clear(&b);
	close(sp[0]);
	close(sp[1]);
}

/*
 * What the engine does, set up as it is set up: the event loop with
 * its signal events, then the sandbox, then everything it does at run
 * time.  The parent sends SIGUSR1 once the child says it is ready.
 */
static void
child_allowed(void *arg)
{
	struct event_base	*base;
	struct event		*sig, *tev, *to;
	struct itimerspec	 its;
	struct timespec		 ts;
	struct timeval		 tv = { 10, 0 };
	int			*ready = arg, ll = -1, tfd, sp[2], pp[2];
	pid_t			 pid = getpid();

	CCHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0);
	CCHECK(pipe(pp) == 0);
	openlog("test_sandbox", LOG_NDELAY, LOG_USER);
	tzset();
	CCHECK((base = event_base_new()) != NULL);
	CCHECK((sig = evsignal_new(base, SIGUSR1, on_usr1, base)) != NULL);
	CCHECK(evsignal_add(sig, NULL) == 0);
	CCHECK(sandbox_enter("child", &ll) == 0);
	CCHECK(ll >= 0);

	CCHECK(getpid() == pid);
	child_memory();
	(void)arc4random();				/* getrandom */
	CCHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	CCHECK(time(NULL) > 0);
	CCHECK(pthread_once(&(pthread_once_t){ PTHREAD_ONCE_INIT },
	    once_fn) == 0 && once_ran);			/* futex wake */
	child_fd_passing(sp, pp);
	/* syslog(3) survives whether or not there is a /dev/log. */
	syslog(LOG_DEBUG, "test_sandbox: a line from the sandbox");
	errno = 0;
	CCHECK(socket(AF_UNIX, SOCK_DGRAM, 0) == -1 && errno == EACCES);

	/* The router's timer, and libevent's signal delivery. */
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	CCHECK(tfd != -1);
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = 1000000;
	CCHECK(timerfd_settime(tfd, 0, &its, NULL) == 0);
	CCHECK((tev = event_new(base, tfd, EV_READ, on_timerfd, base)) !=
	    NULL && event_add(tev, NULL) == 0);
	CCHECK((to = evtimer_new(base, on_timeout, base)) != NULL &&
	    evtimer_add(to, &tv) == 0);
	CCHECK(write(*ready, "r", 1) == 1);
	CCHECK(event_base_dispatch(base) == 0);
	CCHECK(usr1_seen);
	CCHECK(tfd_fired);
	fprintf(stderr, "child: done\n");
	exit(child_failed ? 1 : 0);
}

/* Like run_child, for child_allowed: sends SIGUSR1 when it is ready. */
static void
test_allowed(void)
{
	struct outcome	 o;
	struct pollfd	 pfd;
	char		 c;
	pid_t		 pid;
	int		 rp[2], ep[2];
	ssize_t		 n;
	size_t		 len = 0;

	memset(&o, 0, sizeof(o));
	if (pipe(rp) == -1 || pipe(ep) == -1) {
		CHECK(0);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		close(rp[0]);
		close(ep[0]);
		dup2(ep[1], STDERR_FILENO);
		child_allowed(&rp[1]);
		_exit(1);
	}
	CHECK(pid > 0);
	close(rp[1]);
	close(ep[1]);
	pfd.fd = rp[0];
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, CHILD_TIMEOUT_MS) == 1 && read(rp[0], &c, 1) == 1);
	kill(pid, SIGUSR1);
	pfd.fd = ep[0];
	while (poll(&pfd, 1, CHILD_TIMEOUT_MS) == 1 && (n = read(ep[0],
	    o.err + len, sizeof(o.err) - 1 - len)) > 0)
		len += n;
	close(rp[0]);
	close(ep[0]);
	CHECK(waitpid(pid, &o.status, 0) == pid);
	CHECK(exited_ok(&o));
	CHECK(strstr(o.err, "child: done") != NULL);
	CHECK(strstr(o.err, "refused") == NULL);
	if (!exited_ok(&o))
		show("allowed", &o);
}

/* ------------------------------------------------------ /proc view */

static void
child_wait(void *arg)
{
	int	*p = arg;
	char	 c;

	if (sandbox_enter("child", NULL) == -1)
		_exit(2);
	(void)write(p[1], "r", 1);
	/* Until the parent closes its end. */
	while (read(p[0], &c, 1) > 0)
		;
}

static void
status_field(pid_t pid, const char *field, char *val, size_t size)
{
	char	 path[64], line[256];
	size_t	 n = strlen(field);
	FILE	*f;

	val[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			snprintf(val, size, "%s", line + n + 1 +
			    strspn(line + n + 1, " \t"));
			val[strcspn(val, "\n")] = '\0';
			break;
		}
	fclose(f);
}

static void
test_proc_status(void)
{
	char	 c, seccomp[32], nnp[32];
	pid_t	 pid;
	int	 up[2], down[2], status;

	if (pipe(up) == -1 || pipe(down) == -1) {
		CHECK(0);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		int	 p[2] = { down[0], up[1] };

		close(up[0]);
		close(down[1]);
		child_wait(p);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	CHECK(read(up[0], &c, 1) == 1);
	status_field(pid, "Seccomp", seccomp, sizeof(seccomp));
	status_field(pid, "NoNewPrivs", nnp, sizeof(nnp));
	CHECK(strcmp(seccomp, "2") == 0);
	CHECK(strcmp(nnp, "1") == 0);
	close(down[1]);
	close(up[0]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
}

/* ----------------------------------------------------- forbidden */

struct forbidden {
	const char	*what;
	int		 nr;		/* what the message must name */
	void		(*fn)(void);
};

static void
do_socket_inet(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
}

static void
do_socket_packet(void)
{
	(void)socket(AF_PACKET, SOCK_RAW, 0);
}

static void
do_open(void)
{
	(void)open("/etc/passwd", O_RDONLY);
}

/*
 * The calls a sanitizer's report may make: the program's own still
 * kill, in the sanitizer build as in the plain one.
 */
static void
do_readlink(void)
{
	char	 buf[64];

	(void)syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", buf,
	    sizeof(buf));
}

static void
do_pipe2(void)
{
	int	 p[2];

	(void)syscall(SYS_pipe2, p, 0);
}

static void
do_ioctl(void)
{
	int	 n;

	(void)ioctl(STDERR_FILENO, FIONREAD, &n);
}

static void
do_execve(void)
{
	char	*argv[] = { "true", NULL };

	execve("/bin/true", argv, NULL);
}

static void
do_ptrace(void)
{
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

static void
do_fork(void)
{
	/* The raw call: glibc's fork() may take another route. */
	if (syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0) == 0)
		_exit(0);
}

static void
do_mmap_exec(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void
do_mprotect_exec(void)
{
	static char	 page[8192] __attribute__((aligned(4096)));

	(void)mprotect(page, 4096, PROT_READ | PROT_EXEC);
}

static void
do_sendto_addr(void)
{
	struct sockaddr_in	 sin;

	/* Refused for the address alone, whatever the descriptor. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)sendto(STDERR_FILENO, "x", 1, 0, (struct sockaddr *)&sin,
	    sizeof(sin));
}

static void
do_kill_parent(void)
{
	/* Signal 0 only checks: a broken filter costs nothing. */
	(void)kill(test_pid, 0);
}

static void
do_tgkill_usr1(void)
{
	(void)syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1);
}

static void
do_fcntl_dupfd(void)
{
	(void)fcntl(STDERR_FILENO, F_DUPFD, 10);
}

static void
do_setsockopt(void)
{
	int	 one = 1;

	(void)setsockopt(STDERR_FILENO, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one));
}

static void
do_timerfd_realtime(void)
{
	(void)timerfd_create(CLOCK_REALTIME, 0);
}

static void
do_setrlimit(void)
{
	struct rlimit	 rl = { 0, 0 };

	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

static void
do_futex_wait(void)
{
	struct timespec	 ts = { 0, 1000000 };
	uint32_t	 word = 0;

	(void)syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
}

static const struct forbidden forbidden[] = {
	{ "socket(AF_INET)", SYS_socket, do_socket_inet },
	{ "socket(AF_PACKET)", SYS_socket, do_socket_packet },
	{ "open", SYS_openat, do_open },
	{ "readlinkat", SYS_readlinkat, do_readlink },
	{ "pipe2", SYS_pipe2, do_pipe2 },
	{ "ioctl(FIONREAD)", SYS_ioctl, do_ioctl },
	{ "execve", SYS_execve, do_execve },
	{ "ptrace", SYS_ptrace, do_ptrace },
	{ "clone (fork)", SYS_clone, do_fork },
	{ "mmap(PROT_EXEC)", SYS_mmap, do_mmap_exec },
	{ "mprotect(PROT_EXEC)", SYS_mprotect, do_mprotect_exec },
	{ "sendto with an address", SYS_sendto, do_sendto_addr },
	{ "kill", SYS_kill, do_kill_parent },
	{ "tgkill(SIGUSR1)", SYS_tgkill, do_tgkill_usr1 },
	{ "fcntl(F_DUPFD)", SYS_fcntl, do_fcntl_dupfd },
	{ "setsockopt", SYS_setsockopt, do_setsockopt },
	{ "timerfd_create(CLOCK_REALTIME)", SYS_timerfd_create,
	    do_timerfd_realtime },
	{ "setrlimit", SYS_prlimit64, do_setrlimit },
	{ "futex(FUTEX_WAIT)", SYS_futex, do_futex_wait },
};

static void
child_forbidden(void *arg)
{
	const struct forbidden	*f = arg;

	if (sandbox_enter("child", NULL) == -1) {
		fprintf(stderr, "child: sandbox_enter failed\n");
		_exit(2);
	}
	f->fn();
	/* Reached only when the call failed instead. */
	fprintf(stderr, "child: survived, errno %d\n", errno);
	_exit(3);
}

static void
test_forbidden(void)
{
	const struct forbidden	*f;
	struct outcome		 o;
	char			 want[64];
	size_t			 i;
	int			 ok;

	for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		f = &forbidden[i];
		CHECK(run_child(child_forbidden, (void *)f, &o) == 0);
		snprintf(want, sizeof(want), "child: sandbox: refused "
		    "system call %d (", f->nr);
		ok = killed_by(&o, SIGSYS) && strstr(o.err, want) != NULL;
		CHECK(ok);
		if (!ok)
			show(f->what, &o);
	}
}

/* abort(3) still dies by SIGABRT, not by a refused call on its way. */
static void
child_abort(void *arg)
{
	if (sandbox_enter("child", NULL) == -1)
		_exit(2);
	abort();
}

static void
test_abort(void)
{
	struct outcome	 o;

	CHECK(run_child(child_abort, NULL, &o) == 0);
	CHECK(killed_by(&o, SIGABRT));
	CHECK(strstr(o.err, "refused") == NULL);
	if (!killed_by(&o, SIGABRT))
		show("abort", &o);
}

#if defined(__x86_64__)
/* A 32-bit call through int $0x80: the other ABI, no way around. */
static void
child_int80(void *arg)
{
	long	 ret;

	if (sandbox_enter("child", NULL) == -1)
		_exit(2);
	/* 20 is getpid in the i386 table, allowed in the native one. */
	__asm__ volatile ("int $0x80" : "=a" (ret) : "0" (20L) : "memory");
	fprintf(stderr, "child: survived, returned %ld\n", ret);
	_exit(3);
}

/*
 * The call must not run.  Where the kernel has 32-bit emulation, the
 * filter kills the process (SIGSYS, no handler: no message); where it
 * has none (IA32_EMULATION off, or ia32_emulation=0 at boot), int $0x80
 * is a general protection fault and the kernel sends SIGSEGV before
 * seccomp sees anything.  Either is a pass; the output says which.
 */
static void
test_other_abi(void)
{
	struct outcome	 o;
	int		 ok;

	CHECK(run_child(child_int80, NULL, &o) == 0);
	ok = killed_by(&o, SIGSYS) || killed_by(&o, SIGSEGV);
	CHECK(ok);
	/* Killed outright: no handler ran, the call returned nothing. */
	CHECK(strstr(o.err, "refused") == NULL);
	CHECK(strstr(o.err, "survived") == NULL);
	if (killed_by(&o, SIGSYS))
		printf("int $0x80: killed by SIGSYS (the seccomp filter)\n");
	else if (killed_by(&o, SIGSEGV))
		printf("int $0x80: killed by SIGSEGV (no 32-bit emulation in "
		    "this kernel; the call never ran)\n");
	if (!ok)
		show("int $0x80", &o);
}
#endif

/* ------------------------------------------------------ Landlock */

static void
child_landlock(void *arg)
{
	struct sockaddr_in	 sin;
	char			 c;
	int			 abi, fd, before, s;

	CCHECK((before = open("/dev/null", O_RDONLY)) != -1);
	abi = sandbox_landlock();
	CCHECK(abi >= 1);
	/* No new file, but one opened before still works. */
	errno = 0;
	CCHECK((fd = open("/dev/null", O_RDONLY)) == -1 && errno == EACCES);
	errno = 0;
	CCHECK(open("/tmp", O_RDONLY | O_DIRECTORY) == -1 &&
	    errno == EACCES);
	CCHECK(read(before, &c, 1) == 0);
	if (abi < 4)
		return;
	/* No TCP connect either (ABI 4), even to the loopback. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CCHECK((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	errno = 0;
	CCHECK(connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno == EACCES);
}

static int
landlock_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	return (syscall(SYS_landlock_create_ruleset, NULL, 0, 1U));
#else
	return (-1);
#endif
}

static void
test_landlock(void)
{
	struct outcome	 o;

	if (landlock_abi() < 1) {
		SKIP("no Landlock in this kernel");
		return;
	}
	CHECK(run_child(child_landlock, NULL, &o) == 0);
	CHECK(exited_ok(&o));
	if (!exited_ok(&o))
		show("landlock", &o);
}

/*
 * A kernel without Landlock (not built in: ENOSYS; not enabled at
 * boot: EOPNOTSUPP), played by a first filter: the sandbox goes on
 * without it.
 */
static void
child_no_landlock(void *arg)
{
	scmp_filter_ctx	 ctx;
	int		 ll = -1;

	CCHECK((ctx = seccomp_init(SCMP_ACT_ALLOW)) != NULL);
	CCHECK(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(*(int *)arg),
	    SCMP_SYS(landlock_create_ruleset), 0) == 0);
	CCHECK(seccomp_load(ctx) == 0);
	seccomp_release(ctx);
	CCHECK(sandbox_landlock() == 0);
	CCHECK(sandbox_enter("child", &ll) == 0 && ll == 0);
}

static void
test_no_landlock(void)
{
	struct outcome	 o;
	int		 errs[] = { ENOSYS, EOPNOTSUPP };
	size_t		 i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		CHECK(run_child(child_no_landlock, &errs[i], &o) == 0);
		CHECK(exited_ok(&o));
		if (!exited_ok(&o))
			show("no landlock", &o);
	}
}

/* ---------------------------------------------------- sanitizers */

#ifdef SANITIZED
static void
child_asan(void *arg)
{
	volatile size_t	 n = 16;
	volatile int	 i = 16;
	volatile char	*p;

	if (sandbox_enter("child", NULL) == -1)
		_exit(2);
	/* A size UBSan's object-size check cannot see: ASan's turn. */
	p = malloc(n);
	p[i] = 1;
	free((char *)p);
	_exit(0);
}

static void
child_ubsan(void *arg)
{
	volatile int	 i = INT_MAX, j;

	if (sandbox_enter("child", NULL) == -1)
		_exit(2);
	j = i + 1;
	fprintf(stderr, "child: %d\n", j);
	_exit(0);
}

/* A sanitizer's report comes out whole inside the sandbox. */
static void
test_sanitizer_reports(void)
{
	struct outcome	 o;

	CHECK(run_child(child_asan, NULL, &o) == 0);
	CHECK(strstr(o.err, "ERROR: AddressSanitizer: heap-buffer-overflow")
	    != NULL);
	CHECK(strstr(o.err, "SUMMARY: AddressSanitizer") != NULL);
	CHECK(strstr(o.err, "refused") == NULL);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) != 0);
	if (strstr(o.err, "SUMMARY") == NULL || strstr(o.err, "refused"))
		show("asan report", &o);

	CHECK(run_child(child_ubsan, NULL, &o) == 0);
	CHECK(strstr(o.err, "runtime error: signed integer overflow") !=
	    NULL);
	CHECK(strstr(o.err, "refused") == NULL);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) != 0);
	if (strstr(o.err, "runtime error") == NULL || strstr(o.err, "refused"))
		show("ubsan report", &o);
}
#endif

int
main(void)
{
	test_pid = getpid();
	test_allowed();
	test_proc_status();
	test_forbidden();
	test_abort();
#if defined(__x86_64__)
	test_other_abi();
#endif
	test_landlock();
	test_no_landlock();
#ifdef SANITIZED
	test_sanitizer_reports();
#endif
	return (unit_done());
}
