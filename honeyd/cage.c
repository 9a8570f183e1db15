/*
 * Parent: the cage a service runs in.  An attacker who owns a service
 * script owns a process on the sensor; the cage leaves that process
 * nothing of the sensor to reach but its own connection:
 *
 *   namespaces: mount, PID, IPC, UTS and network, each new.  The
 *   parent is root, so plain unshare(2) makes them; a user namespace
 *   would add nothing but a mapping to keep right.  The new network
 *   namespace has a loopback that is down and nothing else: the
 *   service talks over its stdin and stdout only (proxies stay with
 *   the parent).  The hostname is the template's name.
 *
 *   processes: after unshare(CLONE_NEWPID) the forked child (the
 *   keeper, the pid the parent knows) forks twice: a reaper, PID 1 of
 *   the new namespace, which only waits and is never the script (a
 *   PID 1 ignores the SIGTERM the parent sends on close), and the
 *   script, PID 2.  The keeper waits for the script and ends as it
 *   did, with its exit status or by its signal, so the parent logs the
 *   script's end; it then kills the reaper, and with it whatever the
 *   script left behind.  All three are in the service's process
 *   group, which the parent signals.
 *
 *   files: a new root on a tmpfs, read-only, holding read-only binds of
 *   /bin, /sbin, /usr, /lib* and the service directory (-S), an /etc
 *   of a few files named below (no shadow, no keys: an allow-list), a
 *   /dev of null, zero, full, random, urandom and tty, a /proc of its
 *   own PID namespace (hidepid=2, read-only) and a writable /tmp of
 *   CAGE_TMP_SIZE; pivot_root(2) into it.
 *
 *   Landlock, where the kernel has it: read-only everywhere, writable
 *   /tmp, writable existing files in /dev; no TCP bind or connect, no
 *   signals out of the service (as far as the ABI goes).
 *
 *   seccomp (cage_seccomp): the native ABI only, and no ptrace, mounts,
 *   namespaces, kernel modules, kexec, bpf, keyrings, userfaultfd,
 *   perf, io_uring, packet or raw sockets.
 *
 * cage_init probes what the kernel grants (a container may refuse a
 * namespace kind) and says once what services go without.
 */

#include <sys/types.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "proc.h"
#include "sandbox.h"

#define CAGE_TMP_SIZE	"16m"
#define CAGE_OLD	"/.old"		/* the old root while building */
#define CAGE_OLD_REL	".old"		/* the same, from the tmpfs */
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	int		 flag;
	const char	*name;
	const char	*without;
} cage_kinds[] = {
	{ CLONE_NEWNS, "mount", "they see the sensor's files" },
	{ CLONE_NEWPID, "PID", "they see the sensor's processes" },
	{ CLONE_NEWIPC, "IPC", "they share its System V IPC" },
	{ CLONE_NEWUTS, "UTS", "they see its hostname" },
	{ CLONE_NEWNET, "network", "they reach its network" },
};

static const char *const cage_dirs[] = {
	"/bin", "/sbin", "/usr", "/lib", "/lib32", "/lib64", "/libx32",
};

/* What shells, the C library and interpreters read; no secrets. */
static const char *const cage_etc[] = {
	"alternatives", "bash.bashrc", "group", "host.conf", "hosts",
	"inputrc", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime",
	"mime.types", "nsswitch.conf", "passwd", "profile", "protocols",
	"resolv.conf", "services", "shells", "timezone",
};

static const char *const cage_dev[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

static const char *const cage_devlinks[][2] = {
	{ "/dev/fd", "/proc/self/fd" },
	{ "/dev/stdin", "/proc/self/fd/0" },
	{ "/dev/stdout", "/proc/self/fd/1" },
	{ "/dev/stderr", "/proc/self/fd/2" },
};

static const struct sandbox_path cage_landlock[] = {
	{ "/", SANDBOX_READ },
	{ "/dev", SANDBOX_READ | SANDBOX_WRITE },
	{ "/tmp", SANDBOX_READ | SANDBOX_WRITE | SANDBOX_CREATE },
};

static int		 cage_ns;	/* the kinds the kernel grants */
static int		 cage_fs;	/* the new root can be built */
static const char	*cage_svcdir;

static int	 cage_err(const char *, const char *);
static int	 cage_probe_ns(int);
static int	 cage_probe_fs(char *, size_t);
static __dead void cage_keeper(pid_t, pid_t, int, uid_t, gid_t, pid_t);
static __dead void cage_reaper(int, int, uid_t, gid_t);
static void	 cage_drop(uid_t, gid_t);
static int	 cage_root(void);
static int	 cage_bind(const char *, unsigned long);
static int	 cage_mkdirs(const char *);
static int	 cage_seccomp(void);

/*
 * Which namespace kinds the kernel grants, and whether the new root
 * can be built, each tried once in a child.  What is refused is logged
 * now, once; services then run without it.
 */
void
cage_init(const char *svcdir)
{
	char	 msg[256];
	size_t	 i;
	int	 e;

	cage_svcdir = svcdir;
	for (i = 0; i < NITEMS(cage_kinds); i++) {
		if ((e = cage_probe_ns(cage_kinds[i].flag)) == 0)
			cage_ns |= cage_kinds[i].flag;
		else
			log_warnx("service cage: no %s namespace (%s): %s",
			    cage_kinds[i].name, strerror(e),
			    cage_kinds[i].without);
	}
	if ((cage_ns & CLONE_NEWNS) == 0)
		return;
	cage_fs = 1;
	if (cage_probe_fs(msg, sizeof(msg)) == -1) {
		cage_fs = 0;
		log_warnx("service cage: no read-only root (%s): services see "
		    "the sensor's files", msg);
	}
}

/* 0 if a child may unshare(flag), else the errno it got. */
static int
cage_probe_ns(int flag)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		return (errno);
	if (pid == 0)
		_exit(unshare(flag) == -1 ? (errno & 0x7f) : 0);
	if (waitpid(pid, &status, 0) == -1)
		return (errno);
	if (!WIFEXITED(status))
		return (EINTR);
	return (WEXITSTATUS(status));
}

/* Build the cage once, as a service would, up to where it would exec. */
static int
cage_probe_fs(char *msg, size_t size)
{
	ssize_t	 n;
	pid_t	 pid, ppid = getpid();
	int	 p[2], status;

	strlcpy(msg, "probe failed", size);
	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	if ((pid = fork()) == 0) {
		if (dup2(p[1], STDERR_FILENO) == -1 ||
		    cage_enter(SVC_DEFAULT_UID, SVC_DEFAULT_GID, "probe",
		    &ppid) == -1)
			_exit(126);
		_exit(0);
	}
	close(p[1]);
	if (pid == -1 || waitpid(pid, &status, 0) == -1) {
		close(p[0]);
		return (-1);
	}
	if ((n = read(p[0], msg, size - 1)) > 0) {
		msg[n] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
	}
	close(p[0]);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1);
}

/*
 * In the forked child, root still, its stdio in place: into the cage.
 * Returns 0 in the process that goes on to exec the script, with *ppid
 * the parent it must see (0: the keeper, outside its PID namespace);
 * -1, having said why on stderr, if it failed.  uid and gid are what
 * the keeper and the reaper drop to.
 */
int
cage_enter(uid_t uid, gid_t gid, const char *hostname, pid_t *ppid)
{
	pid_t	 reaper, pid;
	int	 life[2];

	if (cage_ns == 0)
		return (0);
	if (unshare(cage_ns) == -1)
		return (cage_err("unshare", NULL));
	if (cage_ns & CLONE_NEWPID) {
		if (pipe2(life, O_CLOEXEC) == -1)
			return (cage_err("pipe", NULL));
		if ((reaper = fork()) == -1)
			return (cage_err("fork", NULL));
		if (reaper == 0)
			cage_reaper(life[0], life[1], uid, gid);
		close(life[0]);
		if ((pid = fork()) == -1) {
			(void)kill(reaper, SIGKILL);
			return (cage_err("fork", NULL));
		}
		if (pid != 0)
			cage_keeper(pid, reaper, life[1], uid, gid,
			    *ppid);
		close(life[1]);
		*ppid = 0;
	}
	if ((cage_ns & CLONE_NEWUTS) &&
	    sethostname(hostname, strlen(hostname)) == -1)
		return (cage_err("sethostname", hostname));
	if (cage_fs && cage_root() == -1)
		return (-1);
	return (0);
}

/*
 * The keeper waits for the script and then ends the way it did.  All
 * signals are blocked: the SIGTERM the parent sends the group on close
 * is the script's to handle, not ours.
 */
static __dead void
cage_keeper(pid_t pid, pid_t reaper, int life, uid_t uid, gid_t gid,
    pid_t ppid)
{
	sigset_t	 set;
	int		 status, sig;

	sigfillset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	cage_drop(uid, gid);
	/* A change of credentials cleared it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != ppid)
		_exit(126);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			_exit(126);
	/*
	 * PID 1 gone, the kernel kills the rest of the namespace.  The
	 * reaper may not have dropped to our uid yet: then the pipe
	 * closing tells it.
	 */
	close(life);
	(void)kill(reaper, SIGKILL);
	(void)waitpid(reaper, NULL, 0);
	if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
		(void)signal(sig, SIG_DFL);
		sigdelset(&set, sig);
		sigprocmask(SIG_SETMASK, &set, NULL);
		(void)raise(sig);
		_exit(128 + sig);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 126);
}

/*
 * PID 1 of the namespace: orphans are reparented to it and reaped by
 * the kernel (SIGCHLD ignored).  It ends when the keeper does (its end
 * of the pipe closes), should the keeper die before killing it.
 */
static __dead void
cage_reaper(int life, int keeper_end, uid_t uid, gid_t gid)
{
	char	 c;

	close(keeper_end);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	(void)signal(SIGCHLD, SIG_IGN);
	cage_drop(uid, gid);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		_exit(126);
	while (read(life, &c, 1) == -1 && errno == EINTR)
		;
	_exit(0);
}

/* The keeper and the reaper run as the service, and cannot be traced. */
static void
cage_drop(uid_t uid, gid_t gid)
{
	if (proc_drop_privileges(NULL, uid, gid, NULL) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		_exit(126);
}

static int
cage_err(const char *what, const char *path)
{
	int	 saved = errno;

	dprintf(STDERR_FILENO, "honeyd: cage: %s%s%s: %s\n", what,
	    path != NULL ? " " : "", path != NULL ? path : "",
	    strerror(saved));
	errno = saved;
	return (-1);
}

/*
 * The new root.  Mounts made now are private to the namespace.  A tmpfs
 * over /tmp becomes the root, the old one stays at CAGE_OLD while the
 * binds are made from it, and is then let go.
 */
static int
cage_root(void)
{
	char	 path[PATH_MAX];
	size_t	 i;

	/* The service directory's parents must be open to its uid. */
	umask(022);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		return (cage_err("private", "/"));
	if (mount("cage", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0755,size=256k") == -1)
		return (cage_err("mount tmpfs", "/tmp"));
	if (chdir("/tmp") == -1 || mkdir(CAGE_OLD_REL, 0700) == -1 ||
	    syscall(SYS_pivot_root, ".", CAGE_OLD_REL) == -1 ||
	    chdir("/") == -1)
		return (cage_err("pivot_root", "/tmp"));
	if (mkdir("/etc", 0755) == -1 || mkdir("/dev", 0755) == -1 ||
	    mkdir("/proc", 0555) == -1 || mkdir("/tmp", 01777) == -1)
		return (cage_err("mkdir", "/"));
	for (i = 0; i < NITEMS(cage_dirs); i++)
		if (cage_bind(cage_dirs[i], MS_NOSUID | MS_NODEV) == -1)
			return (-1);
	for (i = 0; i < NITEMS(cage_etc); i++) {
		snprintf(path, sizeof(path), "/etc/%s", cage_etc[i]);
		if (cage_bind(path, MS_NOSUID | MS_NODEV | MS_NOEXEC) == -1)
			return (-1);
	}
	for (i = 0; i < NITEMS(cage_dev); i++) {
		snprintf(path, sizeof(path), "/dev/%s", cage_dev[i]);
		if (cage_bind(path, MS_NOSUID | MS_NOEXEC) == -1)
			return (-1);
	}
	for (i = 0; i < NITEMS(cage_devlinks); i++)
		if (symlink(cage_devlinks[i][1], cage_devlinks[i][0]) == -1)
			return (cage_err("symlink", cage_devlinks[i][0]));
	if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=1777,size=" CAGE_TMP_SIZE) == -1)
		return (cage_err("mount tmpfs", "/tmp"));
	/* Under /usr, say, it is there already. */
	if (access(cage_svcdir, F_OK) == -1 &&
	    (cage_mkdirs(cage_svcdir) == -1 ||
	    cage_bind(cage_svcdir, MS_NOSUID | MS_NODEV) == -1))
		return (-1);
	/*
	 * Without a PID namespace of its own, a new /proc would show the
	 * sensor's processes (and older kernels would share its options).
	 */
	if ((cage_ns & CLONE_NEWPID) && mount("proc", "/proc", "proc",
	    MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "hidepid=2") == -1)
		return (cage_err("mount", "/proc"));
	if (umount2(CAGE_OLD, MNT_DETACH) == -1 || rmdir(CAGE_OLD) == -1)
		return (cage_err("umount", CAGE_OLD));
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
	    MS_NOSUID | MS_NODEV, NULL) == -1)
		return (cage_err("read-only", "/"));
	return (0);
}

/*
 * Bind CAGE_OLD/path at path, read-only, with flags and what the
 * source mount had of nosuid, nodev and noexec.  A symbolic link is
 * made again (/bin -> usr/bin); what does not exist is left out.
 */
static int
cage_bind(const char *path, unsigned long flags)
{
	char		 src[PATH_MAX], link[PATH_MAX];
	struct stat	 st;
	struct statvfs	 sv;
	ssize_t		 n;
	int		 fd;

	if ((size_t)snprintf(src, sizeof(src), "%s%s", CAGE_OLD, path) >=
	    sizeof(src))
		return (cage_err("too long", path));
	if (lstat(src, &st) == -1)
		return (errno == ENOENT ? 0 : cage_err("lstat", src));
	if (S_ISLNK(st.st_mode)) {
		if ((n = readlink(src, link, sizeof(link) - 1)) == -1)
			return (cage_err("readlink", src));
		link[n] = '\0';
		return (symlink(link, path) == -1 ? cage_err("symlink", path) :
		    0);
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(path, 0755) == -1)
			return (cage_err("mkdir", path));
	} else {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644)) == -1)
			return (cage_err("create", path));
		close(fd);
	}
	if (statvfs(src, &sv) == -1)
		return (cage_err("statvfs", src));
	flags |= (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) |
	    (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
	    (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
	/* A bind takes the flags only when it is mounted again. */
	if (mount(src, path, NULL, MS_BIND, NULL) == -1 ||
	    mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | flags,
	    NULL) == -1)
		return (cage_err("bind", path));
	return (0);
}

/* mkdir -p for the service directory's parents, in the new root. */
static int
cage_mkdirs(const char *path)
{
	char	 dir[PATH_MAX];
	char	*p;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		return (cage_err("too long", path));
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			return (cage_err("mkdir", dir));
		*p = '/';
	}
	return (0);
}

/*
 * The script's last steps, after it dropped its privileges and set
 * no_new_privs: Landlock, then the filter.  -1, said on stderr, if
 * either failed.
 */
int
cage_lock(void)
{
	if (sandbox_landlock_paths(cage_landlock, NITEMS(cage_landlock)) ==
	    -1)
		return (cage_err("landlock", NULL));
	if (cage_seccomp() == -1)
		return (cage_err("seccomp", NULL));
	return (0);
}

/*
 * A deny-list: what no script needs and an attacker would, refused
 * with EPERM as an unprivileged process meets it.  A foreign ABI (i386
 * int 0x80, x32) kills: its numbers would be a way round the list.
 */
static const int cage_denied[] = {
	SCMP_SYS(ptrace), SCMP_SYS(process_vm_readv),
	SCMP_SYS(process_vm_writev), SCMP_SYS(pidfd_getfd),
	SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root),
	SCMP_SYS(chroot), SCMP_SYS(open_tree), SCMP_SYS(move_mount),
	SCMP_SYS(fsopen), SCMP_SYS(fsconfig), SCMP_SYS(fsmount),
	SCMP_SYS(fspick), SCMP_SYS(mount_setattr),
	SCMP_SYS(unshare), SCMP_SYS(setns),
	SCMP_SYS(kexec_load), SCMP_SYS(kexec_file_load), SCMP_SYS(bpf),
	SCMP_SYS(init_module), SCMP_SYS(finit_module),
	SCMP_SYS(delete_module), SCMP_SYS(keyctl), SCMP_SYS(add_key),
	SCMP_SYS(request_key), SCMP_SYS(userfaultfd),
	SCMP_SYS(perf_event_open), SCMP_SYS(open_by_handle_at),
	/* Its operations would not pass through this filter. */
	SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter),
	SCMP_SYS(io_uring_register),
};

/* clone(2) into new namespaces: unshare(2) by another name. */
static const int cage_clone_ns[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

static int
cage_seccomp(void)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 rv = 0, af[] = { AF_INET, AF_INET6 };

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		errno = ENOMEM;
		return (-1);
	}
	if ((rv = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0)
		goto fail;
	for (i = 0; i < NITEMS(cage_denied) && rv >= 0; i++)
		if (cage_denied[i] >= 0)
			rv = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
			    cage_denied[i], 0);
	for (i = 0; i < NITEMS(cage_clone_ns) && rv >= 0; i++)
		rv = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ,
		    cage_clone_ns[i], cage_clone_ns[i]));
	/* Its flags are in memory, out of reach: glibc falls back to clone. */
	if (rv >= 0)
		rv = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
		    SCMP_SYS(clone3), 0);
	if (rv >= 0)
		rv = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_PACKET, 0));
	/* The type may carry SOCK_NONBLOCK and SOCK_CLOEXEC. */
	for (i = 0; i < NITEMS(af) && rv >= 0; i++)
		rv = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, af[i], 0),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
	if (rv < 0 || (rv = seccomp_load(ctx)) < 0)
		goto fail;
	seccomp_release(ctx);
	return (0);

 fail:
	seccomp_release(ctx);
	errno = -rv;
	return (-1);
}
