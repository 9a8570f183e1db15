/*
 * The engine's sandbox; see sandbox.h.
 *
 * The allow-list holds what the engine was seen to call once set up
 * (strace -f over the whole regress suite, both builds), and the few
 * calls of paths the suite does not take: the vDSO's fallbacks to the
 * kernel, abort(3), writev(2) to a log pipe that fell behind.  Each
 * entry says why.  Arguments are checked where that is cheap and
 * closes something: memory is never made executable, timers are only
 * monotonic, fcntl only reads and sets file status flags, signals only
 * go to the process itself.  Everything else raises SIGSYS.
 *
 * The one call that fails softly is socket(AF_UNIX): syslog(3) opens a
 * new socket to /dev/log each time its connection is gone (syslogd
 * restarted, or no /dev/log at all), and the chroot has no /dev/log to
 * reach anyway.  That must cost a log line, not the engine.
 *
 * The sanitizer build (make asan) runs the same filter, so that a call
 * the engine must not make kills it there too, in every test.  Its
 * runtime alone gets more: sigaltstack(2) at exit, and the probes of a
 * report (ioctl TCGETS; open, readlink, pipe from the runtime or during
 * a report) fail instead of killing; see sb_sanitizer below.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* si_syscall */
#endif

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>

#include <linux/futex.h>

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * The sanitizers' runtime needs a little more than the program (see
 * sb_sanitizer below).  GCC only tells of ASan; a UBSan-only build may
 * define SANDBOX_SANITIZER.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif

#ifndef SYS_SECCOMP
#define SYS_SECCOMP		1	/* si_code of a seccomp SIGSYS */
#endif

/*
 * Landlock's constants, past the ABI of older kernel headers.  ABI 1
 * has the thirteen rights from EXECUTE to MAKE_SYM.
 */
#define LL_FS_V1		((1ULL << 13) - 1)
#define LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)		/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)		/* ABI 6 */
#define LL_CREATE_VERSION	(1U << 0)
#define LL_FS_EXECUTE		(1ULL << 0)
#define LL_FS_WRITE_FILE	(1ULL << 1)
#define LL_FS_READ_FILE		(1ULL << 2)
#define LL_FS_READ_DIR		(1ULL << 3)
#define LL_RULE_PATH_BENEATH	1

/* struct landlock_path_beneath_attr: packed, as the kernel has it. */
struct ll_path_beneath {
	uint64_t	 allowed_access;
	int32_t		 parent_fd;
} __attribute__((packed));

/* struct landlock_ruleset_attr as of ABI 6; older ABIs take a prefix. */
struct ll_ruleset_attr {
	uint64_t	 handled_access_fs;
	uint64_t	 handled_access_net;
	uint64_t	 scoped;
};

/* One rule: a system call and up to two argument comparisons. */
struct sb_rule {
	int			 nr;
	unsigned int		 ncmp;
	struct scmp_arg_cmp	 cmp[2];
};

#define SB_ANY(name)		{ SCMP_SYS(name), 0, { { 0 } } }
#define SB_CMP(a, op, x, y)	{ (a), (op), (x), (y) }
#define SB_EQ(name, a, x)	\
	{ SCMP_SYS(name), 1, { SB_CMP(a, SCMP_CMP_EQ, x, 0) } }
/* Allowed when (arg & mask) == value. */
#define SB_MASK(name, a, m, v)	\
	{ SCMP_SYS(name), 1, { SB_CMP(a, SCMP_CMP_MASKED_EQ, m, v) } }

static const struct sb_rule sb_allow[] = {
	/* The event loop: libevent's epoll backend. */
	SB_ANY(epoll_wait),
	SB_ANY(epoll_pwait),		/* where there is no epoll_wait */
	SB_ANY(epoll_ctl),
	/*
	 * I/O on descriptors it holds: imsg with the parent (recvmsg also
	 * takes the service, proxy and log descriptors it passes), relays
	 * to services and proxies, log files, libevent's signal pipe, the
	 * router's timerfd, stderr.  evbuffer_write() is writev.
	 */
	SB_ANY(read),
	SB_ANY(write),
	SB_ANY(writev),
	SB_ANY(recvmsg),
	SB_ANY(sendmsg),
	/* send(2) on a connected socket only: syslog(3). */
	SB_EQ(sendto, 4, 0),
	SB_ANY(close),
	SB_ANY(shutdown),		/* a relay's half-close */
	/* Non-blocking relays and log pipes; nothing else of fcntl. */
	SB_EQ(fcntl, 1, F_GETFL),
	SB_EQ(fcntl, 1, F_SETFL),
	/* A log descriptor: file or pipe?  fstat(2) is fstatat(fd, ""). */
	SB_ANY(fstat),
	SB_MASK(newfstatat, 3, AT_EMPTY_PATH, AT_EMPTY_PATH),
	/* A proxy's connect(2) outcome. */
	{ SCMP_SYS(getsockopt), 2, { SB_CMP(1, SCMP_CMP_EQ, SOL_SOCKET, 0),
	    SB_CMP(2, SCMP_CMP_EQ, SO_ERROR, 0) } },
	/*
	 * The control socket (honeyd/control.c): clients are accepted
	 * non-blocking and close-on-exec only, and checked by their
	 * credentials and groups.
	 */
	SB_EQ(accept4, 3, SOCK_NONBLOCK | SOCK_CLOEXEC),
	{ SCMP_SYS(getsockopt), 2, { SB_CMP(1, SCMP_CMP_EQ, SOL_SOCKET, 0),
	    SB_CMP(2, SCMP_CMP_EQ, SO_PEERCRED, 0) } },
	{ SCMP_SYS(getsockopt), 2, { SB_CMP(1, SCMP_CMP_EQ, SOL_SOCKET, 0),
	    SB_CMP(2, SCMP_CMP_EQ, SO_PEERGROUPS, 0) } },
	/* The router holds packets on a timerfd (created at first use). */
	SB_EQ(timerfd_create, 0, CLOCK_MONOTONIC),
	SB_ANY(timerfd_settime),
	/* Time, where the vDSO falls back to the kernel. */
	SB_ANY(clock_gettime),
	SB_ANY(gettimeofday),
	SB_ANY(time),
	/* arc4random(3): seeding, and its fork check. */
	SB_ANY(getrandom),
	SB_ANY(getpid),
	/* malloc(3), realloc(3), malloc_trim(3); never executable. */
	SB_ANY(brk),
	SB_MASK(mmap, 2, PROT_EXEC, 0),
	SB_MASK(mprotect, 2, PROT_EXEC, 0),
	SB_ANY(mremap),
	SB_ANY(munmap),
	SB_ANY(madvise),
	/*
	 * glibc's once-only initialisations (pthread_once) end in a futex
	 * wake, whether or not anyone waits; a single thread never waits.
	 */
	SB_EQ(futex, 1, FUTEX_WAKE_PRIVATE),
	/* libevent's signal handlers (SIGTERM, SIGHUP, SIGUSR1...). */
	SB_ANY(rt_sigaction),
	SB_ANY(rt_sigprocmask),
	SB_ANY(rt_sigreturn),
	/* raise(3) and abort(3): tgkill below, to the thread it names. */
	SB_ANY(gettid),
	SB_ANY(exit_group),
};

#ifdef SANDBOX_SANITIZER
/*
 * At run time the ASan allocator only needs mmap and munmap, allowed
 * above; LeakSanitizer's exit check (clone, ptrace...) is turned off
 * in the sandbox (__lsan_is_turned_off below).  ASan's exit and abort
 * paths look at the alternate signal stack.
 */
static const struct sb_rule sb_sanitizer[] = {
	SB_ANY(sigaltstack),
};

/*
 * A report probes things it can do without.  Whether stderr is a
 * terminal, for colours: isatty(3) in libc, ioctl(TCGETS), which fails
 * here (ENOTTY: no terminal), and only that ioctl.
 */
static const struct sb_rule sb_sanitizer_notty[] = {
	SB_EQ(ioctl, 1, TCGETS),
};

/*
 * The executable's name and memory map (readlink, open), a symbolizer
 * (pipe), all with the runtime's own system calls.  The filter refuses
 * them as it does in the plain build, so that the program's own open(2)
 * kills it here as it does in production; the SIGSYS handler then makes
 * these calls fail with EACCES, rather than end the report half-way,
 * but only when they come from the sanitizers' runtime itself or while
 * an ASan report is being written, whose libbacktrace opens files
 * through libc (sb_runtime_call below).
 */
static const int sb_sanitizer_fail[] = {
	SCMP_SYS(open),
	SCMP_SYS(openat),
	SCMP_SYS(readlink),
	SCMP_SYS(readlinkat),
	SCMP_SYS(pipe),
	SCMP_SYS(pipe2),
};

/* The runtime's code: executable segments of libasan, libubsan... */
#define SB_RUNTIME_MAX		16
struct sb_range {
	uintptr_t	 lo, hi;
};
static struct sb_range	 sb_runtime[SB_RUNTIME_MAX];
static size_t		 sb_nruntime;
static volatile sig_atomic_t sb_reporting;	/* in an ASan report */
#endif

/* For the SIGSYS handler, which may not allocate: names looked up now. */
#define SB_NAMES_MAX		512
static char		 sb_names[SB_NAMES_MAX][24];
static const char	*sb_procname = "sandbox";

#ifdef SANDBOX_SANITIZER
static int		 sb_sandboxed;
#endif

static void	 sb_sigsys(int, siginfo_t *, void *);
static size_t	 sb_append(char *, size_t, size_t, const char *);
static size_t	 sb_append_num(char *, size_t, size_t, long);
static void	 sb_load_names(void);
static int	 sb_add(scmp_filter_ctx, uint32_t, const struct sb_rule *,
		    size_t);
static int	 sb_add_self(scmp_filter_ctx);
static int	 sandbox_seccomp(const char *);
#ifdef SANDBOX_SANITIZER
static int	 sb_find_runtime(struct dl_phdr_info *, size_t, void *);
static void	 sb_runtime_load(void);
static int	 sb_runtime_call(int, const siginfo_t *, void *);
#endif
#ifdef SYS_landlock_create_ruleset
static int	 sb_ll_path(int, uint64_t, const struct sandbox_path *);
#endif

/*
 * Everything, in order: no more processes, then Landlock where the
 * kernel has it, then the filter, which must come last since it
 * forbids the calls the other two need.  *landlock gets the Landlock
 * ABI that was applied, 0 for none.
 */
int
sandbox_enter(const char *name, int *landlock)
{
	struct rlimit	 rl;
	int		 abi;

	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_NPROC, &rl) == -1)
		return (-1);
	if ((abi = sandbox_landlock()) == -1)
		return (-1);
	if (landlock != NULL)
		*landlock = abi;
	return (sandbox_seccomp(name));
}

/*
 * A Landlock domain with no rule: every access it handles is denied.
 * Returns the ABI version applied, 0 if the kernel has no Landlock
 * (not built in, or not enabled at boot), -1 if it failed.
 */
int
sandbox_landlock(void)
{
	return (sandbox_landlock_paths(NULL, 0));
}

/*
 * The same domain with rules: beneath each path, what its access says
 * is still allowed (see sandbox.h).  A path that does not exist has no
 * rule.  Returns the ABI version applied, 0 without Landlock, -1 if it
 * failed.
 */
int
sandbox_landlock_paths(const struct sandbox_path *paths, size_t n)
{
#ifdef SYS_landlock_create_ruleset
	struct ll_ruleset_attr	 attr;
	size_t			 size, i;
	int			 abi, fd, saved;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LL_CREATE_VERSION);
	if (abi < 1)
		return (0);
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LL_FS_V1;
	size = offsetof(struct ll_ruleset_attr, handled_access_net);
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = offsetof(struct ll_ruleset_attr, scoped);
	}
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	if ((fd = syscall(SYS_landlock_create_ruleset, &attr, size, 0)) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		if (sb_ll_path(fd, attr.handled_access_fs, &paths[i]) == -1)
			goto fail;
	if (syscall(SYS_landlock_restrict_self, fd, 0) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	close(fd);
	return (abi);

 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
#else
	return (0);
#endif
}

#ifdef SYS_landlock_create_ruleset
/*
 * One rule: READ is reading and executing, WRITE writing to files that
 * exist (and their ioctls, for terminals), CREATE everything else the
 * domain handles: making, removing, linking and renaming.
 */
static int
sb_ll_path(int fd, uint64_t handled, const struct sandbox_path *p)
{
	struct ll_path_beneath	 rule;
	uint64_t		 rd, wr;
	int			 saved, rv;

	rd = LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR;
	wr = LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV;
	rule.allowed_access = 0;
	if (p->access & SANDBOX_READ)
		rule.allowed_access |= rd;
	if (p->access & SANDBOX_WRITE)
		rule.allowed_access |= wr;
	if (p->access & SANDBOX_CREATE)
		rule.allowed_access |= ~(rd | wr);
	rule.allowed_access &= handled;
	if ((rule.parent_fd = open(p->path, O_PATH | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? 0 : -1);
	rv = syscall(SYS_landlock_add_rule, fd, LL_RULE_PATH_BENEATH, &rule,
	    0);
	saved = errno;
	close(rule.parent_fd);
	errno = saved;
	return (rv == -1 ? -1 : 0);
}
#endif

/*
 * Install the SIGSYS handler, then the filter.  name prefixes the
 * handler's message, as the log does.
 */
static int
sandbox_seccomp(const char *name)
{
	struct sigaction	 sa;
	scmp_filter_ctx		 ctx;
	int			 rv;

	if (name != NULL)
		sb_procname = name;
	sb_load_names();
#ifdef SANDBOX_SANITIZER
	sb_runtime_load();
#endif
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = sb_sigsys;
	/*
	 * The handler resets SIGSYS to the default before its raise(), so
	 * that the process dies by it.  (Not SA_RESETHAND: the sanitizer
	 * build's handler returns from some calls and must stay.)
	 */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		return (-1);

	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	/* A foreign ABI (i386 int 0x80, x32) is no way around the list. */
	if ((rv = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (rv = sb_add(ctx, SCMP_ACT_ALLOW, sb_allow,
	    sizeof(sb_allow) / sizeof(sb_allow[0]))) < 0 ||
	    (rv = sb_add_self(ctx)) < 0 ||
	    /* The unused second datum is given: clang warns otherwise. */
	    (rv = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX, 0))) < 0)
		goto fail;
#ifdef SANDBOX_SANITIZER
	if ((rv = sb_add(ctx, SCMP_ACT_ALLOW, sb_sanitizer,
	    sizeof(sb_sanitizer) / sizeof(sb_sanitizer[0]))) < 0 ||
	    (rv = sb_add(ctx, SCMP_ACT_ERRNO(ENOTTY), sb_sanitizer_notty,
	    sizeof(sb_sanitizer_notty) / sizeof(sb_sanitizer_notty[0]))) < 0)
		goto fail;
#endif
	if ((rv = seccomp_load(ctx)) < 0)
		goto fail;
	seccomp_release(ctx);
#ifdef SANDBOX_SANITIZER
	sb_sandboxed = 1;
#endif
	return (0);

 fail:
	seccomp_release(ctx);
	errno = -rv;
	return (-1);
}

/*
 * Rules of a table.  A call the architecture does not have (libseccomp
 * gives it a negative pseudo number) has nothing to allow.
 */
static int
sb_add(scmp_filter_ctx ctx, uint32_t action, const struct sb_rule *r,
    size_t n)
{
	size_t	 i;
	int	 rv;

	for (i = 0; i < n; i++) {
		if (r[i].nr < 0)
			continue;
		if ((rv = seccomp_rule_add_array(ctx, action, r[i].nr,
		    r[i].ncmp, r[i].cmp)) < 0)
			return (rv);
	}
	return (0);
}

/*
 * abort(3) (glibc's malloc checks, assert) and the SIGSYS handler
 * signal the process itself: tgkill(2) to our own pid with those two
 * signals, so that the process dies by the signal that says why.
 */
static int
sb_add_self(scmp_filter_ctx ctx)
{
	const int	 sigs[] = { SIGABRT, SIGSYS };
	size_t		 i;
	int		 rv;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if ((rv = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    SCMP_SYS(tgkill), 2, SCMP_A0(SCMP_CMP_EQ, getpid(), 0),
		    SCMP_A2(SCMP_CMP_EQ, sigs[i], 0))) < 0)
			return (rv);
	return (0);
}

static void
sb_load_names(void)
{
	char	*s;
	int	 i;

	for (i = 0; i < SB_NAMES_MAX; i++) {
		if ((s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
		    i)) == NULL)
			continue;
		strlcpy(sb_names[i], s, sizeof(sb_names[i]));
		free(s);
	}
}

/*
 * Say which call was refused, with write(2) alone (we are in a signal
 * handler, perhaps in the middle of malloc), then die by SIGSYS.
 */
static void
sb_sigsys(int sig, siginfo_t *si, void *ctx)
{
	struct sigaction	 sa;
	char			 buf[160];
	size_t			 len = 0;
	int			 nr = si->si_syscall;

#ifdef SANDBOX_SANITIZER
	if (si->si_code == SYS_SECCOMP && sb_runtime_call(nr, si, ctx))
		return;
#endif
	if (si->si_code == SYS_SECCOMP) {
		len = sb_append(buf, len, sizeof(buf), sb_procname);
		len = sb_append(buf, len, sizeof(buf),
		    ": sandbox: refused system call ");
		len = sb_append_num(buf, len, sizeof(buf), nr);
		if (nr >= 0 && nr < SB_NAMES_MAX && sb_names[nr][0] != '\0') {
			len = sb_append(buf, len, sizeof(buf), " (");
			len = sb_append(buf, len, sizeof(buf), sb_names[nr]);
			len = sb_append(buf, len, sizeof(buf), ")");
		}
		len = sb_append(buf, len, sizeof(buf), "\n");
		(void)write(STDERR_FILENO, buf, len);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGSYS, &sa, NULL);
	raise(SIGSYS);
	_exit(128 + SIGSYS);
}

#ifdef SANDBOX_SANITIZER
/*
 * Note the executable segments of the sanitizers' runtime: a shared
 * libasan or libubsan (gcc) when *arg is 0, the program itself (clang
 * links the runtime in) when it is 1.  The program's own code makes its
 * system calls through libc, never from there.
 */
static int
sb_find_runtime(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char	*name = info->dlpi_name, *base;
	int		 i, prog = *(int *)arg;

	(void)size;
	if (prog) {
		/* The program is the object without a name. */
		if (name != NULL && *name != '\0')
			return (0);
	} else {
		if (name == NULL || *name == '\0')
			return (0);
		if ((base = strrchr(name, '/')) == NULL)
			base = name;
		else
			base++;
		if (strncmp(base, "libasan.", 8) != 0 &&
		    strncmp(base, "libubsan.", 9) != 0 &&
		    strncmp(base, "libclang_rt.", 12) != 0)
			return (0);
	}
	for (i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_LOAD ||
		    (info->dlpi_phdr[i].p_flags & PF_X) == 0 ||
		    sb_nruntime == SB_RUNTIME_MAX)
			continue;
		sb_runtime[sb_nruntime].lo = info->dlpi_addr +
		    info->dlpi_phdr[i].p_vaddr;
		sb_runtime[sb_nruntime].hi = sb_runtime[sb_nruntime].lo +
		    info->dlpi_phdr[i].p_memsz;
		sb_nruntime++;
	}
	/* Only the first object without a name is the program. */
	return (prog);
}

static void
sb_runtime_load(void)
{
	int	 prog = 0;

	sb_nruntime = 0;
	dl_iterate_phdr(sb_find_runtime, &prog);
	if (sb_nruntime == 0) {
		prog = 1;
		dl_iterate_phdr(sb_find_runtime, &prog);
	}
}

/*
 * One of a report's probes, made by the runtime's own code or during
 * an ASan report: make it fail with EACCES (the kernel skipped the call;
 * the return register comes back from ctx) and return 1.  Elsewhere
 * than on x86-64 and arm64, where the register is not known here, the
 * call kills as any other.
 */
static int
sb_runtime_call(int nr, const siginfo_t *si, void *ctx)
{
	uintptr_t	 pc = (uintptr_t)si->si_call_addr;
	size_t		 i;
	int		 probe = 0;

	for (i = 0; i < sizeof(sb_sanitizer_fail) /
	    sizeof(sb_sanitizer_fail[0]); i++)
		if (sb_sanitizer_fail[i] >= 0 && sb_sanitizer_fail[i] == nr)
			probe = 1;
	if (!probe)
		return (0);
	for (i = 0; i < sb_nruntime; i++)
		if (pc >= sb_runtime[i].lo && pc < sb_runtime[i].hi)
			break;
	if (i == sb_nruntime && !sb_reporting)
		return (0);
#if defined(__x86_64__)
	((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX] = -EACCES;
	return (1);
#elif defined(__aarch64__)
	((ucontext_t *)ctx)->uc_mcontext.regs[0] = -EACCES;
	return (1);
#else
	(void)ctx;
	return (0);
#endif
}
#endif

static size_t
sb_append(char *buf, size_t len, size_t size, const char *s)
{
	while (*s != '\0' && len < size)
		buf[len++] = *s++;
	return (len);
}

static size_t
sb_append_num(char *buf, size_t len, size_t size, long n)
{
	char	 digits[24];
	size_t	 i = sizeof(digits) - 1;

	digits[i] = '\0';
	if (n < 0) {
		len = sb_append(buf, len, size, "-");
		n = -n;
	}
	do {
		digits[--i] = '0' + n % 10;
		n /= 10;
	} while (n > 0 && i > 0);
	return (sb_append(buf, len, size, digits + i));
}

#ifdef SANDBOX_SANITIZER
/*
 * ASan calls this hook as it starts a report.  A report ends the
 * process (unless halt_on_error=0, when later probes of the program
 * itself fail too, after an error that fails the test anyway).
 */
void	 __asan_on_error(void);

void
__asan_on_error(void)
{
	sb_reporting = 1;
}

/*
 * LeakSanitizer's exit check stops the world with a ptrace(2)ing
 * thread: impossible in a chrooted, non-dumpable process, and now
 * forbidden too.  Say no before it tries, rather than let it fail.
 */
int	 __lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return (sb_sandboxed);
}
#endif
