/*
 * Unit tests for the last steps of honeyd/cage.c: cage_lock's Landlock
 * domain and seccomp deny-list, each case in a forked child that sets
 * no_new_privs and locks itself as a service does before exec.  The
 * namespaces and the read-only root need root and a testbed: the netns
 * test services.sh looks at them from inside a service.
 */

#include <sys/types.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "unit.h"

/* Run fn locked in a child; its exit status, or 128 + the signal. */
static int
locked(int (*fn)(void))
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    cage_lock() == -1)
			_exit(99);
		_exit(fn());
	}
	if (waitpid(pid, &status, 0) == -1)
		return (-1);
	return (WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status));
}

/* 0 if the call failed with errno want, else 1. */
static int
refused(long rv, int want)
{
	return (rv == -1 && errno == want ? 0 : 1);
}

static int
do_ptrace(void)
{
	return (refused(ptrace(PTRACE_TRACEME, 0, NULL, NULL), EPERM));
}

static int
do_unshare(void)
{
	return (refused(unshare(CLONE_NEWUTS), EPERM));
}

static int
do_mount(void)
{
	return (refused(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM));
}

static int
do_packet(void)
{
	return (refused(socket(AF_PACKET, SOCK_RAW, 0), EPERM));
}

static int
do_raw(void)
{
	return (refused(socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC,
	    IPPROTO_ICMP), EPERM) | refused(socket(AF_INET6, SOCK_RAW,
	    IPPROTO_ICMPV6), EPERM));
}

/* UDP sockets, pipes and forks are what scripts do. */
static int
do_allowed(void)
{
	pid_t	 pid;
	int	 fd, p[2], status;

	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 || pipe(p) == -1)
		return (1);
	if ((pid = fork()) == 0)
		_exit(7);
	if (pid == -1 || waitpid(pid, &status, 0) == -1 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 7)
		return (1);
	return (0);
}

/* clone(2) into a namespace; should it work, the child leaves at once. */
static int
do_clone_ns(void)
{
	long	 rv;

	rv = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL,
	    NULL);
	if (rv == 0)
		_exit(0);
	return (refused(rv, EPERM));
}

static int
do_clone3(void)
{
	return (refused(syscall(SYS_clone3, NULL, 0), ENOSYS));
}

/* Landlock: nothing made outside /tmp, anything in it. */
static int
do_files(void)
{
	char	 tmp[] = "/tmp/test_cage.XXXXXX";
	int	 fd;

	if (refused(open("test_cage.tmp", O_WRONLY | O_CREAT | O_EXCL,
	    0600), EACCES))
		return (1);
	if ((fd = mkstemp(tmp)) == -1)
		return (2);
	close(fd);
	return (unlink(tmp) == -1 ? 3 : 0);
}

#if defined(__x86_64__)
/* getpid(2) through the i386 ABI: the filter kills the process. */
static int
do_i386(void)
{
	long	 rv;

	__asm__ volatile ("int $0x80" : "=a" (rv) : "a" (20L) : "memory");
	return (rv > 0 ? 0 : 1);
}
#endif

static int
landlock_abi(void)
{
#ifdef SYS_landlock_create_ruleset
	return (syscall(SYS_landlock_create_ruleset, NULL, 0, 1U));
#else
	return (0);
#endif
}

int
main(void)
{
	/* Not root: EPERM would come without the filter too. */
	if (geteuid() == 0) {
		CHECK(locked(do_ptrace) == 0);
		CHECK(locked(do_unshare) == 0);
		CHECK(locked(do_mount) == 0);
		CHECK(locked(do_packet) == 0);
		CHECK(locked(do_raw) == 0);
		CHECK(locked(do_clone_ns) == 0);
	} else
		SKIP("not root: refusals would not be the filter's");
	CHECK(locked(do_clone3) == 0);
	CHECK(locked(do_allowed) == 0);
	if (landlock_abi() > 0)
		CHECK(locked(do_files) == 0);
	else
		SKIP("no Landlock in this kernel");
#if defined(__x86_64__)
	CHECK(locked(do_i386) == 128 + SIGSYS);
#endif
	return (unit_done());
}
