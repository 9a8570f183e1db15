/*
 * The service manager's readiness protocol (sd_notify(3)), spoken by
 * the parent without libsystemd: one datagram of "KEY=value" lines to
 * the AF_UNIX socket named by $NOTIFY_SOCKET.  A name starting with
 * '@' is in the abstract namespace.  Without the variable, or when the
 * socket is gone, every call does nothing: honeyd runs the same under
 * any supervisor or none.
 *
 * The unit (conf/honeyd.service.in) is Type=notify: systemd waits for
 * READY=1, which the parent sends once the engine has installed its
 * first configuration, and a reload is RELOADING=1 ... READY=1.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "honeyd.h"

static int	notify_send(const char *);

/*
 * One datagram, from a socket made for it: the parent sends a few in
 * its lifetime, and a socket kept open would be one more descriptor
 * for every fork to close.
 */
static int
notify_send(const char *msg)
{
	struct sockaddr_un	 sun;
	const char		*path;
	socklen_t		 len;
	size_t			 plen;
	int			 fd, rv = -1;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return (0);
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    plen >= sizeof(sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET %s: not a socket path", path);
		return (-1);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	/* An abstract name is exactly its bytes: no trailing NUL counted. */
	len = offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '@' ? 0 : 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify socket");
		return (-1);
	}
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1)
		log_warn("notify %s", path);
	else
		rv = 0;
	close(fd);
	return (rv);
}

/* The engine runs its first configuration, or a reload has ended. */
int
notify_ready(void)
{
	char	 msg[64];

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld\n",
	    (long)getpid());
	return (notify_send(msg));
}

/*
 * A reload starts.  MONOTONIC_USEC ties the message to this reload
 * (systemd's Type=notify-reload requires it; Type=notify ignores it).
 */
int
notify_reloading(void)
{
	struct timespec	 ts;
	char		 msg[80];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (-1);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\n",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	return (notify_send(msg));
}

/* One line for "systemctl status"; a newline would end the field. */
int
notify_status(const char *text)
{
	char	 msg[256];
	size_t	 i, off;

	off = strlcpy(msg, "STATUS=", sizeof(msg));
	for (i = 0; text[i] != '\0' && off < sizeof(msg) - 2; i++)
		msg[off++] = text[i] == '\n' ? ' ' : text[i];
	msg[off++] = '\n';
	msg[off] = '\0';
	return (notify_send(msg));
}
