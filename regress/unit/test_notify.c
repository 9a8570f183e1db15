/*
 * Unit tests for the readiness messages (notify.c): what reaches the
 * socket $NOTIFY_SOCKET names, by path and by abstract name, and that
 * without the variable nothing is sent and nothing fails.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "unit.h"

/* A datagram socket bound to path, or to an abstract name after '@'. */
static int
listener(const char *name)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, name, sizeof(sun.sun_path));
	len = offsetof(struct sockaddr_un, sun_path) + strlen(name) + 1;
	if (name[0] == '@') {
		sun.sun_path[0] = '\0';
		len--;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		return (-1);
	if (bind(fd, (struct sockaddr *)&sun, len) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* The next datagram as a string, "" if none is waiting. */
static const char *
next(int fd)
{
	static char	 buf[512];
	ssize_t		 n;

	if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) < 0)
		n = 0;
	buf[n] = '\0';
	return (buf);
}

static void
test_messages(int fd)
{
	char		 want[64], big[400];
	const char	*m;

	CHECK(notify_ready() == 0);
	snprintf(want, sizeof(want), "READY=1\nMAINPID=%ld\n",
	    (long)getpid());
	CHECK(strcmp(next(fd), want) == 0);

	CHECK(notify_reloading() == 0);
	m = next(fd);
	CHECK(strncmp(m, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	CHECK(m[27] >= '1' && m[27] <= '9');
	CHECK(m[strlen(m) - 1] == '\n');

	/* A newline in the text would end the field: it becomes a space. */
	CHECK(notify_status("a\nb") == 0);
	CHECK(strcmp(next(fd), "STATUS=a b\n") == 0);

	/* Long text is cut, and the message still ends its line. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(notify_status(big) == 0);
	m = next(fd);
	CHECK(strncmp(m, "STATUS=xxx", 10) == 0);
	CHECK(strlen(m) < sizeof(big) && m[strlen(m) - 1] == '\n');
	CHECK(*next(fd) == '\0');
}

static void
test_path(void)
{
	char	 dir[] = "/tmp/test_notify.XXXXXX", path[64];
	int	 fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/notify", dir);
	CHECK((fd = listener(path)) != -1);
	setenv("NOTIFY_SOCKET", path, 1);
	test_messages(fd);
	close(fd);
	/* The manager is gone: a failure, told, never fatal. */
	unlink(path);
	CHECK(notify_ready() == -1);
	rmdir(dir);
}

static void
test_abstract(void)
{
	char	 name[64];
	int	 fd;

	snprintf(name, sizeof(name), "@test_notify.%ld", (long)getpid());
	CHECK((fd = listener(name)) != -1);
	setenv("NOTIFY_SOCKET", name, 1);
	test_messages(fd);
	close(fd);
}

static void
test_unset(void)
{
	unsetenv("NOTIFY_SOCKET");
	CHECK(notify_ready() == 0);
	CHECK(notify_reloading() == 0);
	CHECK(notify_status("x") == 0);
	setenv("NOTIFY_SOCKET", "", 1);
	CHECK(notify_ready() == 0);
	/* Neither a path nor an abstract name. */
	setenv("NOTIFY_SOCKET", "relative", 1);
	CHECK(notify_ready() == -1);
	unsetenv("NOTIFY_SOCKET");
}

int
main(void)
{
	test_path();
	test_abstract();
	test_unset();
	return (unit_done());
}
