/*
 * Socketpairs, forking, dropping privileges and signal events; see
 * proc.h.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* setresuid, getresuid */
#endif

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "proc.h"

static void	 sockbuf_grow(int, int, int);
static int	 lookup_group(const char *, gid_t *);
static int	 enter_chroot(const char *);
static int	 check_ids(uid_t, gid_t);
static int	 clear_caps(void);

/*
 * A non-blocking, close-on-exec stream pair with large buffers, so a
 * burst of packets waits in the kernel rather than being dropped.
 */
int
proc_socketpair(int fds[2])
{
	int	 i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, fds) == -1)
		return (-1);
	for (i = 0; i < 2; i++) {
		sockbuf_grow(fds[i], SO_SNDBUFFORCE, SO_SNDBUF);
		sockbuf_grow(fds[i], SO_RCVBUFFORCE, SO_RCVBUF);
	}
	return (0);
}

/*
 * Root may go past net.core.[rw]mem_max with the FORCE option; anyone
 * else gets as much as the limit allows.  Failing is not an error: the
 * socket works with its default size.
 */
static void
sockbuf_grow(int sock, int forceopt, int opt)
{
	int	 size = PROC_SOCKBUF_SIZE;

	if (setsockopt(sock, SOL_SOCKET, forceopt, &size, sizeof(size)) == -1)
		(void)setsockopt(sock, SOL_SOCKET, opt, &size, sizeof(size));
}

/*
 * Fork a child joined to us by a proc_socketpair().  Each side gets its
 * own end in *fd and the other end is closed; returns as fork(2) does.
 */
pid_t
proc_fork(int *fd)
{
	pid_t	 pid;
	int	 fds[2], saved;

	if (proc_socketpair(fds) == -1)
		return (-1);
	switch ((pid = fork())) {
	case -1:
		saved = errno;
		close(fds[0]);
		close(fds[1]);
		errno = saved;
		return (-1);
	case 0:
		close(fds[0]);
		*fd = fds[1];
		return (0);
	default:
		close(fds[1]);
		*fd = fds[0];
		return (pid);
	}
}

/*
 * Resolve a user given by name or number, and a group likewise; with no
 * group, the user's primary group.  A number without a passwd entry
 * needs an explicit group.  Call before chroot: the files are outside.
 */
int
proc_lookup_user(const char *user, const char *group, uid_t *uid,
    gid_t *gid)
{
	struct passwd	*pw;
	const char	*errstr;

	if ((pw = getpwnam(user)) == NULL) {
		*uid = strtonum(user, 0, UINT32_MAX - 1, &errstr);
		if (errstr != NULL) {
			errno = ENOENT;
			return (-1);
		}
		pw = getpwuid(*uid);
	} else
		*uid = pw->pw_uid;

	if (group != NULL)
		return (lookup_group(group, gid));
	if (pw == NULL) {
		errno = ENOENT;
		return (-1);
	}
	*gid = pw->pw_gid;
	return (0);
}

static int
lookup_group(const char *group, gid_t *gid)
{
	struct group	*gr;
	const char	*errstr;

	if ((gr = getgrnam(group)) != NULL) {
		*gid = gr->gr_gid;
		return (0);
	}
	*gid = strtonum(group, 0, UINT32_MAX - 1, &errstr);
	if (errstr != NULL) {
		errno = ENOENT;
		return (-1);
	}
	return (0);
}

/*
 * Give up root for good, in a fixed order: chroot first (it needs
 * root), the title while it is still cheap, then groups before the gid
 * and the gid before the uid, since each step needs the privilege the
 * next one removes.  Then check it took: all three uids and gids are
 * the new ones, no new privileges can be gained through exec, and no
 * capability is left.  With chroot_dir NULL no chroot is done.
 * Returns -1 with errno: EPERM for uid 0, for an unsafe chroot
 * directory or for a drop that did not take.
 */
int
proc_drop_privileges(const char *chroot_dir, uid_t uid, gid_t gid,
    const char *title)
{
	/* Root without capabilities still owns every root file. */
	if (uid == 0) {
		errno = EPERM;
		return (-1);
	}
	if (chroot_dir != NULL && enter_chroot(chroot_dir) == -1)
		return (-1);
	if (title != NULL)
		setproctitle("%s", title);
	if (setgroups(1, &gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		return (-1);
	if (check_ids(uid, gid) == -1)
		return (-1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return (-1);
	return (clear_caps());
}

/*
 * The directory must be root's and writable by nobody else, or someone
 * could plant files in our new root.  It is checked and entered through
 * one open descriptor, so what we check is what we chroot into.
 */
static int
enter_chroot(const char *dir)
{
	struct stat	 st;
	int		 fd, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		errno = EPERM;
		goto fail;
	}
	if (fchdir(fd) == -1 || chroot(".") == -1 || chdir("/") == -1)
		goto fail;
	close(fd);
	return (0);

 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

static int
check_ids(uid_t uid, gid_t gid)
{
	uid_t	 ruid, euid, suid;
	gid_t	 rgid, egid, sgid;

	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		return (-1);
	if (ruid != uid || euid != uid || suid != uid ||
	    rgid != gid || egid != gid || sgid != gid) {
		errno = EPERM;
		return (-1);
	}
	return (0);
}

/*
 * Leaving uid 0 clears the permitted, effective and ambient sets, but
 * not an inheritable set we may have been started with: empty them all
 * and read them back, with the raw syscalls rather than libcap.
 */
static int
clear_caps(void)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[_LINUX_CAPABILITY_U32S_3];
	int				 i;

	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	if (syscall(SYS_capset, &hdr, data) == -1 ||
	    syscall(SYS_capget, &hdr, data) == -1)
		return (-1);
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (data[i].effective != 0 || data[i].permitted != 0 ||
		    data[i].inheritable != 0) {
			errno = EPERM;
			return (-1);
		}
	}
	return (0);
}

/*
 * Handle each of sigs with cb on base's loop, for the rest of the
 * process's life.
 */
int
proc_signals(struct event_base *base, const int *sigs, int n,
    void (*cb)(int, short, void *))
{
	struct event	*ev;
	int		 i;

	for (i = 0; i < n; i++)
		if ((ev = evsignal_new(base, sigs[i], cb, NULL)) == NULL ||
		    evsignal_add(ev, NULL) == -1)
			return (-1);
	return (0);
}
