/*
 * Logging for all honeyd processes: stderr in the foreground, syslog
 * when daemonized.  log_init() opens syslog with LOG_NDELAY so the
 * socket exists before the engine chroots away from /dev/log.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "honeyd.h"

/* Until log_init() says we are a daemon, everything goes to stderr. */
static int		 log_syslog;
static int		 log_verbose;
static const char	*log_procname = "honeyd";
/*
 * While a configuration loads, the first error it causes is kept so
 * that a control client who asked for the reload is told what the log
 * says (log_capture_start, log_capture_first).
 */
static int		 log_capturing;
static char		 log_first[512];

static void		 log_capture(const char *, va_list)
			    __attribute__((format(printf, 1, 0)));
static void		 vlog(int, const char *, va_list)
			    __attribute__((format(printf, 2, 0)));

void
log_init(int debug, int facility)
{
	log_syslog = !debug;
	if (!debug)
		openlog("honeyd", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		log_procname = name;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	int	 saved_errno = errno;

	if (!log_syslog) {
		fprintf(stderr, "%s: ", log_procname);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
	errno = saved_errno;
}

static void
log_errno(int pri, const char *fmt, va_list ap)
{
	char	 buf[1024];
	int	 saved_errno = errno;

	if (fmt == NULL)
		snprintf(buf, sizeof(buf), "%s", strerror(saved_errno));
	else {
		vsnprintf(buf, sizeof(buf), fmt, ap);
		strlcat(buf, ": ", sizeof(buf));
		strlcat(buf, strerror(saved_errno), sizeof(buf));
	}
	if (!log_syslog)
		fprintf(stderr, "%s: %s\n", log_procname, buf);
	else
		syslog(pri, "%s", buf);
	errno = saved_errno;
}

void
log_capture_start(void)
{
	log_capturing = 1;
	log_first[0] = '\0';
}

/* The first error since log_capture_start(), or NULL; stops capturing. */
const char *
log_capture_first(void)
{
	log_capturing = 0;
	return (log_first[0] != '\0' ? log_first : NULL);
}

/* Warnings ("file:line: warning: ...") are not the error that counts. */
static void
log_capture(const char *fmt, va_list ap)
{
	char	 buf[sizeof(log_first)];

	if (!log_capturing || log_first[0] != '\0')
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (strstr(buf, ": warning: ") == NULL)
		strlcpy(log_first, buf, sizeof(log_first));
}

/*
 * A diagnostic about an input file ("file:line: message"): printed as
 * is on stderr, where honeyd -n and the regress suite read it, and to
 * syslog when daemonized so a refused reload says why.
 */
void
log_diag(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved_errno = errno;

	va_start(ap, fmt);
	log_capture(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	if (!log_syslog) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else
		vsyslog(LOG_ERR, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_capture(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose == 0)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_errno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
