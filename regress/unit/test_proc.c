/*
 * Unit tests for privsep/proc.c.  Privilege drops run in forked
 * children; the parent checks the result from the outside through
 * /proc/<pid>, which the chrooted child itself can no longer see.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "unit.h"

#define TITLE		"drop-test title"

/* What a child reports about itself after proc_drop_privileges(). */
struct report {
	int	 rv;
	int	 err;
	uid_t	 uid, euid;
	gid_t	 gid, egid;
	int	 nnp;		/* PR_GET_NO_NEW_PRIVS */
	int	 setuid_err;	/* errno of setuid(0) afterwards */
	char	 cwd[64];
};

static void
test_socketpair(void)
{
	int		 fds[2], i, v, type, domain;
	socklen_t	 len;

	CHECK(proc_socketpair(fds) == 0);
	for (i = 0; i < 2; i++) {
		CHECK(fcntl(fds[i], F_GETFL) & O_NONBLOCK);
		CHECK(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
		len = sizeof(type);
		CHECK(getsockopt(fds[i], SOL_SOCKET, SO_TYPE, &type,
		    &len) == 0 && type == SOCK_STREAM);
		len = sizeof(domain);
		CHECK(getsockopt(fds[i], SOL_SOCKET, SO_DOMAIN, &domain,
		    &len) == 0 && domain == AF_UNIX);
		if (geteuid() != 0)
			continue;
		/* The kernel reports double what was set. */
		len = sizeof(v);
		CHECK(getsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &v,
		    &len) == 0 && v >= PROC_SOCKBUF_SIZE);
		len = sizeof(v);
		CHECK(getsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &v,
		    &len) == 0 && v >= PROC_SOCKBUF_SIZE);
	}
	if (geteuid() != 0)
		SKIP("socket buffer sizes need root to exceed rmem_max");
	close(fds[0]);
	close(fds[1]);
}

/* The child holds the only other end: its exit is our EOF. */
static void
test_fork(void)
{
	struct pollfd	 pfd;
	pid_t		 pid;
	char		 c = 0;
	int		 fd = -1, status;

	pid = proc_fork(&fd);
	if (pid == 0)
		_exit(write(fd, "x", 1) == 1 ? 0 : 1);
	CHECK(pid > 0 && fd != -1);
	if (pid <= 0)
		return;
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	pfd.fd = fd;
	pfd.events = POLLIN;
	CHECK(poll(&pfd, 1, 5000) == 1);
	CHECK(read(fd, &c, 1) == 1 && c == 'x');
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK(read(fd, &c, 1) == 0);
	close(fd);
}

static void
test_lookup(void)
{
	struct passwd	*pw;
	struct group	*gr;
	uid_t		 uid, nobody_uid;
	gid_t		 gid, nobody_gid;

	if ((pw = getpwnam("nobody")) == NULL) {
		SKIP("no user nobody");
		return;
	}
	nobody_uid = pw->pw_uid;
	nobody_gid = pw->pw_gid;

	CHECK(proc_lookup_user("nobody", NULL, &uid, &gid) == 0 &&
	    uid == nobody_uid && gid == nobody_gid);
	CHECK(proc_lookup_user("0", NULL, &uid, &gid) == 0 &&
	    uid == 0 && gid == 0);
	CHECK(proc_lookup_user("nobody", "0", &uid, &gid) == 0 &&
	    uid == nobody_uid && gid == 0);
	if ((gr = getgrgid(0)) != NULL)
		CHECK(proc_lookup_user("nobody", gr->gr_name, &uid,
		    &gid) == 0 && gid == 0);
	CHECK(proc_lookup_user("no-such-user-here", NULL, &uid,
	    &gid) == -1 && errno == ENOENT);
	CHECK(proc_lookup_user("nobody", "no-such-group-here", &uid,
	    &gid) == -1 && errno == ENOENT);
	CHECK(proc_lookup_user("-1", NULL, &uid, &gid) == -1);
	CHECK(proc_lookup_user("4294967295", NULL, &uid, &gid) == -1);
	/* A bare number without a passwd entry needs a group. */
	if (getpwuid(3999999) == NULL) {
		CHECK(proc_lookup_user("3999999", NULL, &uid, &gid) == -1);
		CHECK(proc_lookup_user("3999999", "3999998", &uid,
		    &gid) == 0 && uid == 3999999 && gid == 3999998);
	}
}

/*
 * Fork a child that drops privileges, reports, and then waits until
 * the parent has looked at it.  Returns the child's pid (to be released
 * with child_release()), or -1.
 */
static pid_t
drop_in_child(const char *dir, uid_t uid, gid_t gid, struct report *rep,
    int *gofd)
{
	struct report	 r;
	pid_t		 pid;
	int		 up[2], down[2];
	char		 c;

	if (pipe(up) == -1 || pipe(down) == -1)
		return (-1);
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		memset(&r, 0, sizeof(r));
		r.rv = proc_drop_privileges(dir, uid, gid, TITLE);
		r.err = errno;
		r.uid = getuid();
		r.euid = geteuid();
		r.gid = getgid();
		r.egid = getegid();
		r.nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
		r.setuid_err = setuid(0) == -1 ? errno : 0;
		if (getcwd(r.cwd, sizeof(r.cwd)) == NULL)
			r.cwd[0] = '\0';
		if (write(up[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		/* Wait for the parent to look; EOF is its signal. */
		_exit(read(down[0], &c, 1) == -1 ? 1 : 0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], rep, sizeof(*rep)) != sizeof(*rep)) {
		memset(rep, 0, sizeof(*rep));
		rep->rv = -2;
	}
	close(up[0]);
	*gofd = down[1];
	return (pid);
}

static int
child_release(pid_t pid, int gofd)
{
	int	 status;

	close(gofd);
	if (waitpid(pid, &status, 0) != pid)
		return (-1);
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1);
}

/* Copy the value of one "Name:\tvalue" line of /proc/<pid>/status. */
static int
status_field(pid_t pid, const char *name, char *buf, size_t len)
{
	char	 path[64], line[256];
	FILE	*f;
	size_t	 n = strlen(name);
	int	 found = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (found == -1 && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, n) != 0 || line[n] != ':')
			continue;
		/* Groups: ends in a space; compare only the values. */
		line[strcspn(line, "\n")] = '\0';
		while (strlen(line) > n + 1 && line[strlen(line) - 1] == ' ')
			line[strlen(line) - 1] = '\0';
		strlcpy(buf, line + n + 1 + strspn(line + n + 1, " \t"), len);
		found = 0;
	}
	fclose(f);
	return (found);
}

static int
status_is(pid_t pid, const char *name, const char *want)
{
	char	 buf[128];

	return (status_field(pid, name, buf, sizeof(buf)) == 0 &&
	    strcmp(buf, want) == 0);
}

static int
link_is(pid_t pid, const char *what, const char *want)
{
	char	 path[64], buf[PATH_MAX];
	ssize_t	 n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	if ((n = readlink(path, buf, sizeof(buf) - 1)) == -1)
		return (0);
	buf[n] = '\0';
	return (strcmp(buf, want) == 0);
}

/* The title shows in the child's command line (setproctitle_init ran). */
static int
cmdline_has(pid_t pid, const char *want)
{
	char	 path[64], buf[512];
	ssize_t	 n;
	int	 fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	return (strstr(buf, want) != NULL);
}

static void
test_drop(const char *dir, uid_t uid, gid_t gid)
{
	struct report	 rep;
	char		 ids[64], gids[16];
	pid_t		 pid;
	int		 gofd;

	CHECK((pid = drop_in_child(dir, uid, gid, &rep, &gofd)) > 0);
	if (pid <= 0)
		return;
	CHECK(rep.rv == 0);
	if (rep.rv != 0)
		fprintf(stderr, "drop: %s\n", strerror(rep.err));
	/* As the child sees itself. */
	CHECK(rep.uid == uid && rep.euid == uid && rep.uid != 0);
	CHECK(rep.gid == gid && rep.egid == gid);
	CHECK(rep.nnp == 1);
	CHECK(rep.setuid_err == EPERM);
	CHECK(strcmp(rep.cwd, "/") == 0);
	/* As the kernel shows it from outside. */
	snprintf(ids, sizeof(ids), "%u\t%u\t%u\t%u", uid, uid, uid, uid);
	CHECK(status_is(pid, "Uid", ids));
	snprintf(ids, sizeof(ids), "%u\t%u\t%u\t%u", gid, gid, gid, gid);
	CHECK(status_is(pid, "Gid", ids));
	snprintf(gids, sizeof(gids), "%u", gid);
	CHECK(status_is(pid, "Groups", gids));
	CHECK(status_is(pid, "NoNewPrivs", "1"));
	CHECK(status_is(pid, "CapEff", "0000000000000000"));
	CHECK(status_is(pid, "CapPrm", "0000000000000000"));
	CHECK(status_is(pid, "CapInh", "0000000000000000"));
	CHECK(status_is(pid, "CapAmb", "0000000000000000"));
	CHECK(link_is(pid, "root", dir));
	CHECK(link_is(pid, "cwd", dir));
	CHECK(cmdline_has(pid, TITLE));
	CHECK(child_release(pid, gofd) == 0);
}

/* Refused before anything changed: still root, still in our cwd. */
static void
test_refused(const char *dir, uid_t uid, gid_t gid, int err)
{
	struct report	 rep;
	char		 cwd[64];
	pid_t		 pid;
	int		 gofd;

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		cwd[0] = '\0';
	CHECK((pid = drop_in_child(dir, uid, gid, &rep, &gofd)) > 0);
	if (pid <= 0)
		return;
	CHECK(rep.rv == -1 && rep.err == err);
	if (rep.rv != -1 || rep.err != err)
		fprintf(stderr, "%s: rv %d: %s\n", dir, rep.rv,
		    strerror(rep.err));
	CHECK(rep.euid == 0 && strcmp(rep.cwd, cwd) == 0);
	CHECK(child_release(pid, gofd) == 0);
}

static void
test_privileges(void)
{
	struct passwd	*pw;
	char		 dir[] = "/tmp/test_proc.XXXXXX";
	char		 bad[sizeof(dir) + 16], file[sizeof(dir) + 16];
	uid_t		 uid;
	gid_t		 gid;
	int		 fd;

	if (geteuid() != 0) {
		SKIP("not root: privilege drop not tested");
		return;
	}
	if ((pw = getpwnam("nobody")) == NULL) {
		SKIP("no user nobody");
		return;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) == -1) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(bad, sizeof(bad), "%s/bad", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	if (mkdir(bad, 0755) == -1 ||
	    (fd = open(file, O_CREAT | O_WRONLY, 0644)) == -1) {
		perror(dir);
		exit(2);
	}
	close(fd);

	test_drop(dir, uid, gid);

	chmod(bad, 0775);
	test_refused(bad, uid, gid, EPERM);		/* group writable */
	chmod(bad, 0757);
	test_refused(bad, uid, gid, EPERM);		/* other writable */
	chmod(bad, 0755);
	if (chown(bad, uid, gid) == 0)
		test_refused(bad, uid, gid, EPERM);	/* not root's */
	test_refused(file, uid, gid, ENOTDIR);
	test_refused("/nonexistent/test_proc", uid, gid, ENOENT);
	test_refused(dir, 0, 0, EPERM);			/* no drop at all */

	unlink(file);
	rmdir(bad);
	rmdir(dir);
}

int
main(int argc, char *argv[], char *envp[])
{
	setproctitle_init(argc, argv, envp);
	test_socketpair();
	test_fork();
	test_lookup();
	test_privileges();
	return (unit_done());
}
