/*
 * honeydctl: ask the running honeyd for its state, change its
 * configuration live, watch its events.  One connection and one request
 * per command; the answer is read until IMSG_CTL_END or IMSG_CTL_ERROR.
 * Without a command, commands come from standard input, one per line
 * (with line editing when it is a terminal).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "honeyd.h"
#include "honeydctl.h"

static int		 json;
static const char	*sockpath = HONEYD_CTLSOCK;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: honeydctl [-j] [-s socket] [command ...]\n"
	    "       honeydctl help: the commands\n");
	exit(1);
}

/* "honeydctl: [where]text", the daemon's text made safe to print. */
static void
ctl_warnx(const char *where, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
ctl_warnx(const char *where, const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "honeydctl: %s", where);
	output_text(stderr, buf);
	fputc('\n', stderr);
}

static int
ctl_connect(const char *where)
{
	struct sockaddr_un	 sun;
	int			 fd, e;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		ctl_warnx(where, "%s: socket path too long", sockpath);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		ctl_warnx(where, "socket: %s", strerror(errno));
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return (fd);
	e = errno;
	close(fd);
	if (e == ENOENT || e == ECONNREFUSED)
		ctl_warnx(where, "%s: no daemon listening "
		    "(is honeyd running?)", sockpath);
	else if (e == EACCES || e == EPERM)
		ctl_warnx(where, "%s: permission denied "
		    "(root or the group of honeyd's engine)", sockpath);
	else
		ctl_warnx(where, "%s: %s", sockpath, strerror(e));
	return (-1);
}

/* The text of END or ERROR: up to its first NUL, never past its end. */
static char *
ctl_text(struct imsg *imsg)
{
	size_t	 len = imsg_get_len(imsg);
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		return (NULL);
	if (len > 0)
		memcpy(s, imsg->data, len);
	s[len] = '\0';
	return (s);
}

/*
 * One message of the answer: 1 when the answer is complete, 0 to read
 * on, -1 when it failed (said on stderr).
 */
static int
ctl_dispatch(struct imsg *imsg, struct output *out, const char *where)
{
	size_t	 len = imsg_get_len(imsg);
	char	*text;
	int	 rv;

	switch (imsg->hdr.type) {
	case IMSG_CTL_RECORD:
		if (output_record(out, imsg->data, len) == 0)
			return (0);
		ctl_warnx(where, "malformed answer: a bad record");
		return (-1);
	case IMSG_CTL_EVENT:
		output_event(stdout, json, imsg->data != NULL ?
		    imsg->data : "", len);
		return (0);
	case IMSG_CTL_END:
	case IMSG_CTL_ERROR:
		if ((text = ctl_text(imsg)) == NULL) {
			ctl_warnx(where, "out of memory");
			return (-1);
		}
		if (imsg->hdr.type == IMSG_CTL_END) {
			output_end(out, text);
			rv = 1;
		} else {
			ctl_warnx(where, "%s", *text != '\0' ? text :
			    "the daemon refused without a reason");
			rv = -1;
		}
		free(text);
		return (rv);
	default:
		ctl_warnx(where, "malformed answer: message type %u",
		    imsg->hdr.type);
		return (-1);
	}
}

/* Read the answer until it is complete: 0, or -1. */
static int
ctl_answer(struct imsgbuf *ibuf, struct output *out, const char *where)
{
	struct imsg	 imsg;
	ssize_t		 n;
	int		 rv;

	for (;;) {
		if ((n = imsgbuf_read(ibuf)) == -1) {
			ctl_warnx(where, "%s: %s", sockpath, strerror(errno));
			return (-1);
		}
		if (n == 0) {
			ctl_warnx(where, "%s: the daemon closed the connection",
			    sockpath);
			return (-1);
		}
		while ((n = imsg_get(ibuf, &imsg)) > 0) {
			rv = ctl_dispatch(&imsg, out, where);
			imsg_free(&imsg);
			if (rv != 0)
				return (rv == 1 ? 0 : -1);
		}
		if (n == -1) {
			ctl_warnx(where, "malformed answer: %s",
			    strerror(errno));
			return (-1);
		}
	}
}

/*
 * "reload FILE" names a file as the user sees it; the daemon resolves
 * paths in its own working directory, so a relative one is made
 * absolute here, in ours.  0, or -1 with the reason told.
 */
static int
ctl_reload_path(struct parse_result *res, const char *where)
{
	char	 cwd[CTL_ARG_MAX], path[CTL_ARG_MAX];

	if (res->action != CTL_RELOAD || !res->hasarg || res->arg[0] == '/')
		return (0);
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		ctl_warnx(where, "reload %s: the working directory: %s",
		    res->arg, strerror(errno));
		return (-1);
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", cwd, res->arg) >=
	    sizeof(path)) {
		ctl_warnx(where, "reload %s: path too long", res->arg);
		return (-1);
	}
	strlcpy(res->arg, path, sizeof(res->arg));
	return (0);
}

/* One command: a request, its answer printed.  0, or -1. */
static int
ctl_run(const struct parse_result *res, const char *where)
{
	struct imsgbuf	 ibuf;
	struct output	*out = NULL;
	const void	*data = NULL;
	size_t		 len = 0;
	uint32_t	 mask = res->monmask;
	int		 fd, rv = -1;

	if ((fd = ctl_connect(where)) == -1)
		return (-1);
	imsgbuf_init(&ibuf, fd);
	if (res->action == CTL_MONITOR) {
		data = &mask;
		len = sizeof(mask);
	} else if (res->hasarg) {
		data = res->arg;
		len = strlen(res->arg) + 1;
	}
	if (imsg_compose(&ibuf, res->type, 0, getpid(), -1, data, len) == -1 ||
	    imsgbuf_flush(&ibuf) == -1) {
		ctl_warnx(where, "%s: sending the request: %s", sockpath,
		    strerror(errno));
		goto done;
	}
	if ((out = output_new(stdout, json)) == NULL) {
		ctl_warnx(where, "out of memory");
		goto done;
	}
	rv = ctl_answer(&ibuf, out, where);
 done:
	output_free(out);
	imsgbuf_clear(&ibuf);
	close(fd);
	return (rv);
}

/* One line of input: 0 if done (or nothing to do), -1 if it failed. */
static int
ctl_line(const char *line, const char *where)
{
	struct parse_result	 res;
	char			 err[1024];
	const char		*p = line;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return (0);
	if (parse_line(p, &res, err, sizeof(err)) == -1) {
		ctl_warnx(where, "%s", err);
		return (-1);
	}
	if (res.action == CTL_HELP) {
		parse_help(stdout);
		return (0);
	}
	if (ctl_reload_path(&res, where) == -1)
		return (-1);
	return (ctl_run(&res, where));
}

static int
ctl_stdin(void)
{
	char		*line = NULL, where[64];
	size_t		 cap = 0;
	ssize_t		 n;
	unsigned long	 lineno = 0;
	int		 failed = 0;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		snprintf(where, sizeof(where), "stdin:%lu: ", lineno);
		if (ctl_line(line, where) == -1)
			failed = 1;
	}
	free(line);
	return (failed);
}

/* A terminal: line editing and history, "quit" or ^D to leave. */
static int
ctl_interactive(void)
{
	char	*line;
	int	 failed = 0;

	using_history();
	while ((line = readline("honeydctl> ")) != NULL) {
		if (strcmp(line, "quit") == 0 || strcmp(line, "exit") == 0) {
			free(line);
			break;
		}
		if (*line != '\0')
			add_history(line);
		if (ctl_line(line, "") == -1)
			failed = 1;
		free(line);
	}
	return (failed);
}

int
main(int argc, char *argv[])
{
	struct parse_result	 res;
	char			 err[1024];
	int			 ch;

	while ((ch = getopt(argc, argv, "+hjs:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			sockpath = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0)
		return (isatty(STDIN_FILENO) ? ctl_interactive() : ctl_stdin());
	if (parse(argc, argv, &res, err, sizeof(err)) == -1) {
		ctl_warnx("", "%s", err);
		fprintf(stderr, "(honeydctl help: the commands)\n");
		return (1);
	}
	if (res.action == CTL_HELP) {
		parse_help(stdout);
		return (0);
	}
	if (ctl_reload_path(&res, "") == -1)
		return (1);
	return (ctl_run(&res, "") == 0 ? 0 : 1);
}
