/*
 * The event logs.  The parent opens the files (the engine cannot, from
 * its chroot) and passes the descriptors; SIGUSR1 makes it open them
 * again and pass the new ones, for logrotate.  The engine writes:
 *
 *   -l  the packet log, in Honeyd's line format, so its parsers keep
 *       working (times are local, as Honeyd's were):
 *         2004-05-01-12:00:00.0000 tcp(6) S 10.0.0.1 1234 10.0.0.2 80
 *         2004-05-01-12:00:09.1234 tcp(6) E 10.0.0.1 1234 10.0.0.2 80: 12 345
 *         2004-05-01-12:00:00.0000 tcp(6) - 10.0.0.1 1234 10.0.0.2 81: 40 S
 *         2004-05-01-12:00:00.0000 udp(17) - 10.0.0.1 1234 10.0.0.2 53: 62
 *         2004-05-01-12:00:00.0000 icmp(1) - 10.0.0.1 10.0.0.2: 8(0): 84
 *       S starts a connection, E ends it with the bytes received and
 *       sent, - is a packet that belongs to none (its IP length, and
 *       for TCP its flags).  S lines and TCP - lines end with the
 *       source's operating system when its SYNs told (passive.c), as
 *       Honeyd's did: "... 10.0.0.2 80 [Linux 2.6.x]".
 *   -s  the service log: each stderr line of a service,
 *         2004-05-01-12:00:00.0000 tcp(6) 10.0.0.1 1234 10.0.0.2 80: |line|
 *   -j  one JSON object per line per event, fields in honeyd.8.
 *   -j syslog  the same objects, one syslog datagram each (below).
 *
 * A writer that cannot keep up (a pipe) gets LOG_PENDING_MAX bytes of
 * slack, then lines are dropped and counted (log_dropped).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <dumbnet.h>
#include <event2/buffer.h>

#include "honeyd.h"

#define LOG_LINE_MAX		4096
#define LOG_PENDING_MAX		(1024 * 1024)

/*
 * -j syslog: each JSON event is one datagram on a connected socket the
 * parent opened, "syslog" (/dev/log), "syslog:PATH" or
 * "syslog:udp:ADDR:PORT".  On a local socket it has the form syslog(3)
 * gives it, "<30>Dec  6 20:00:00 honeyd[PID]: {...}", because that is
 * what the readers of /dev/log parse: journald does not take RFC 5424
 * there, nor does rsyslog's imuxsock unless configured to.  To a
 * collector it is RFC 5424, naming the sensor:
 * "<30>1 2024-05-01T12:00:00.123456Z HOST honeyd PID EVENT - {...}".
 * Facility daemon, severity info, PID the engine's.  No BOM: the JSON
 * is ASCII, and rsyslog would keep a BOM in the message text.  What the
 * socket will not take at once is dropped and counted (log_dropped):
 * the engine never waits for a collector.  A daemon that went away
 * (ECONNREFUSED) is connected to again on SIGUSR1, as files are reopened.
 */
#define SYSLOG_PATH		"/dev/log"
#define SYSLOG_PRI		(LOG_DAEMON | LOG_INFO)
#define SYSLOG_HEAD_MAX		512

/* IMSG_LOG_FD's payload for LOGF_SYSLOG: how to frame the datagrams. */
struct log_syslog {
	int32_t		 which;		/* LOGF_SYSLOG */
	int32_t		 rfc5424;	/* to a collector, else to a local
					   log socket */
	char		 host[256];	/* the sensor's name, for RFC 5424 */
};

struct logsink {
	int			 fd;
	struct evbuffer		*pending;
	struct event		*ev;
};

static struct logsink	 sinks[LOGF_MAX] = {
	{ -1, NULL, NULL }, { -1, NULL, NULL }, { -1, NULL, NULL },
	{ -1, NULL, NULL }
};

/* The engine's framing of LOGF_SYSLOG datagrams. */
static struct log_syslog	 syslog_peer;
static pid_t			 syslog_pid;
static int			 syslog_warned;

/* A JSON object being built; a field that does not fit is left out. */
struct jline {
	char		 buf[LOG_LINE_MAX];
	size_t		 len;
	const char	*event;
	struct timeval	 tv;		/* its "time" */
	int		 class;		/* CTL_MON_*: which monitors */
};

static void	 sink_write_ev(int, short, void *);

/*
 * Formatting (pure: tested on its own).
 */

/* Honeyd's time stamp: local time, tenths of milliseconds. */
size_t
eventlog_fmt_time(char *buf, size_t size, const struct timeval *tv)
{
	struct tm	 tm;
	time_t		 t = tv->tv_sec;
	int		 n;

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, size, "%04d-%02d-%02d-%02d:%02d:%02d.%04d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(tv->tv_usec / 100));
	return (n < 0 ? 0 : (size_t)n);
}

/* RFC 3339, UTC, microseconds: 2024-05-01T12:00:00.123456Z */
size_t
eventlog_fmt_rfc3339(char *buf, size_t size, const struct timeval *tv)
{
	struct tm	 tm;
	time_t		 t = tv->tv_sec;
	int		 n;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)tv->tv_usec);
	return (n < 0 ? 0 : (size_t)n);
}

/*
 * A syslog message's header, up to its text: RFC 5424's for a collector
 * (host not NULL, msgid the event), else syslog(3)'s for the local log
 * socket.  Returns its length, 0 if it does not fit.
 */
size_t
eventlog_fmt_syslog(char *buf, size_t size, const struct timeval *tv,
    const char *host, long pid, const char *msgid)
{
	static const char	 mon[12][4] = { "Jan", "Feb", "Mar", "Apr",
				    "May", "Jun", "Jul", "Aug", "Sep", "Oct",
				    "Nov", "Dec" };
	struct tm		 tm;
	char			 t[40];
	time_t			 sec = tv->tv_sec;
	int			 n;

	if (host != NULL) {
		eventlog_fmt_rfc3339(t, sizeof(t), tv);
		n = snprintf(buf, size, "<%d>1 %s %s honeyd %ld %s - ",
		    SYSLOG_PRI, t, host[0] != '\0' ? host : "-", pid,
		    msgid != NULL ? msgid : "-");
	} else {
		if (localtime_r(&sec, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		n = snprintf(buf, size, "<%d>%s %2d %02d:%02d:%02d "
		    "honeyd[%ld]: ", SYSLOG_PRI, mon[tm.tm_mon % 12],
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, pid);
	}
	return (n < 0 || (size_t)n >= size ? 0 : (size_t)n);
}

/* Honeyd's flags: a space, then FSRPAUEC letters of those set. */
size_t
eventlog_fmt_tcpflags(char *buf, size_t size, int flags)
{
	static const char	 letters[] = "FSRPAUEC";
	size_t			 i, n = 0;

	if (size < 10)
		return (0);
	buf[n++] = ' ';
	for (i = 0; i < 8; i++)
		if (flags & (1 << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
	return (n);
}

static const char *
proto_name(int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return ("tcp(6)");
	case IPPROTO_UDP:
		return ("udp(17)");
	case IPPROTO_ICMP:
		return ("icmp(1)");
	default:
		return ("unkn(0)");
	}
}

static const char *
proto_word(int proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return ("tcp");
	case IPPROTO_UDP:
		return ("udp");
	default:
		return ("icmp");
	}
}

/* "SRC SPORT DST DPORT", the peer first; TUPLE_TEXT_MAX bytes hold it. */
size_t
eventlog_fmt_tuple(char *buf, size_t size, const struct tuple *tp)
{
	char	 s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int	 n;

	tuple_addr_fmt(tp, 1, s, sizeof(s));
	tuple_addr_fmt(tp, 0, d, sizeof(d));
	n = snprintf(buf, size, "%s %u %s %u", s, tp->sport, d, tp->dport);
	return (n < 0 ? 0 : (size_t)n);
}

/*
 * A JSON string body: quotes, backslashes and control characters
 * escaped; bytes past ASCII become \u0080-\u00ff, so any input makes
 * valid JSON.  Returns the length, or (size_t)-1 if it does not fit.
 */
size_t
eventlog_json_str(char *dst, size_t size, const char *src, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, n = 0;
	unsigned char		 ch;

	for (i = 0; i < len; i++) {
		ch = src[i];
		if (n + 7 > size)
			return ((size_t)-1);
		if (ch == '"' || ch == '\\') {
			dst[n++] = '\\';
			dst[n++] = ch;
		} else if (ch == '\n') {
			dst[n++] = '\\';
			dst[n++] = 'n';
		} else if (ch == '\t') {
			dst[n++] = '\\';
			dst[n++] = 't';
		} else if (ch == '\r') {
			dst[n++] = '\\';
			dst[n++] = 'r';
		} else if (ch < 0x20 || ch >= 0x7f) {
			memcpy(dst + n, "\\u00", 4);
			dst[n + 4] = hex[ch >> 4];
			dst[n + 5] = hex[ch & 0xf];
			n += 6;
		} else
			dst[n++] = ch;
	}
	if (n < size)
		dst[n] = '\0';
	return (n);
}

/* Probes of scanners that send what no connection ever would. */
const char *
eventlog_scan_kind(int flags)
{
	switch (flags & (TH_FIN | TH_SYN | TH_RST | TH_PUSH | TH_ACK |
	    TH_URG)) {
	case 0:
		return ("null");
	case TH_FIN:
		return ("fin");
	case TH_FIN | TH_PUSH | TH_URG:
		return ("xmas");
	case TH_FIN | TH_ACK:
		return ("maimon");
	case TH_FIN | TH_SYN:
		return ("synfin");
	case TH_FIN | TH_SYN | TH_RST | TH_PUSH | TH_ACK | TH_URG:
		return ("all");
	default:
		return (NULL);
	}
}

static int
jl_raw(struct jline *j, const char *s, size_t n)
{
	/* Room is kept for the closing "}\n". */
	if (j->len + n + 2 >= sizeof(j->buf))
		return (-1);
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	return (0);
}

static void
jl_key(struct jline *j, const char *key)
{
	(void)jl_raw(j, ",\"", 2);
	(void)jl_raw(j, key, strlen(key));
	(void)jl_raw(j, "\":", 2);
}

static void
jl_strn(struct jline *j, const char *key, const char *val, size_t vlen)
{
	size_t	 save = j->len, n;

	jl_key(j, key);
	if (jl_raw(j, "\"", 1) == -1)
		goto fail;
	n = eventlog_json_str(j->buf + j->len, sizeof(j->buf) - j->len - 2,
	    val, vlen);
	if (n == (size_t)-1)
		goto fail;
	j->len += n;
	if (jl_raw(j, "\"", 1) == -1)
		goto fail;
	return;
 fail:
	j->len = save;
}

static void
jl_str(struct jline *j, const char *key, const char *val)
{
	if (val != NULL)
		jl_strn(j, key, val, strlen(val));
}

static void
jl_fmt(struct jline *j, const char *key, const char *fmt, ...)
{
	char	 v[64];
	va_list	 ap;
	size_t	 save = j->len;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	jl_key(j, key);
	if (n < 0 || (size_t)n >= sizeof(v) || jl_raw(j, v, n) == -1)
		j->len = save;
}

static void
jl_begin(struct jline *j, const char *event, int class)
{
	char		 t[40];

	gettimeofday(&j->tv, NULL);
	eventlog_fmt_rfc3339(t, sizeof(t), &j->tv);
	j->event = event;
	j->len = 0;
	j->class = class;
	(void)jl_raw(j, "{\"time\":\"", 9);
	(void)jl_raw(j, t, strlen(t));
	(void)jl_raw(j, "\"", 1);
	jl_str(j, "event", event);
}

static void
jl_tuple(struct jline *j, const struct tuple *tp)
{
	char	 a[INET6_ADDRSTRLEN];

	jl_str(j, "proto", proto_word(tp->proto));
	tuple_addr_fmt(tp, 1, a, sizeof(a));
	jl_str(j, "src_ip", a);
	jl_fmt(j, "src_port", "%u", tp->sport);
	tuple_addr_fmt(tp, 0, a, sizeof(a));
	jl_str(j, "dst_ip", a);
	jl_fmt(j, "dst_port", "%u", tp->dport);
}

/*
 * Writing.
 */

static void
sink_put(int which, const char *line, size_t len)
{
	struct logsink	*s = &sinks[which];
	ssize_t		 n = 0;

	if (s->fd == -1)
		return;
	if (evbuffer_get_length(s->pending) == 0 &&
	    (n = write(s->fd, line, len)) == (ssize_t)len)
		return;
	if (n < 0)
		n = 0;
	if (evbuffer_get_length(s->pending) + len - n > LOG_PENDING_MAX) {
		engine->stats.log_dropped++;
		return;
	}
	evbuffer_add(s->pending, line + n, len - n);
	if (s->ev != NULL)
		event_add(s->ev, NULL);
}

static void
sink_write_ev(int fd, short event, void *arg)
{
	struct logsink	*s = arg;

	if (evbuffer_write(s->pending, fd) == -1 && errno != EAGAIN &&
	    errno != EINTR)
		evbuffer_drain(s->pending, evbuffer_get_length(s->pending));
	if (evbuffer_get_length(s->pending) == 0)
		event_del(s->ev);
}

/* One datagram, now or never: a slow collector loses events, not us. */
static void
syslog_put(const struct jline *j)
{
	char	 msg[SYSLOG_HEAD_MAX + LOG_LINE_MAX];
	size_t	 n;

	if (sinks[LOGF_SYSLOG].fd == -1)
		return;
	n = eventlog_fmt_syslog(msg, SYSLOG_HEAD_MAX, &j->tv,
	    syslog_peer.rfc5424 ? syslog_peer.host : NULL, (long)syslog_pid,
	    j->event);
	memcpy(msg + n, j->buf, j->len);
	n += j->len;
	if (write(sinks[LOGF_SYSLOG].fd, msg, n) == (ssize_t)n)
		return;
	engine->stats.log_dropped++;
	/*
	 * Said once per socket; a full queue (EAGAIN) is only counted.  A
	 * collector's refusal (an ICMP error) passes; a local daemon's
	 * socket stays dead until the parent connects a new one.
	 */
	if (errno != EAGAIN && !syslog_warned) {
		if (syslog_peer.rfc5424)
			log_warn("syslog collector: events dropped");
		else
			log_warn("syslog: events dropped until SIGUSR1 "
			    "connects again");
		syslog_warned = 1;
	}
}

static void
jl_end(struct jline *j)
{
	j->buf[j->len++] = '}';
	syslog_put(j);
	/* A monitor gets the line without its newline. */
	control_event(j->class, j->buf, j->len);
	j->buf[j->len++] = '\n';
	sink_put(LOGF_JSON, j->buf, j->len);
}

/* One line of the packet or service log, time stamp first. */
static void
pkt_line(int which, const char *fmt, ...)
{
	struct timeval	 tv;
	char		 line[LOG_LINE_MAX];
	size_t		 n;
	va_list		 ap;
	int		 m;

	if (sinks[which].fd == -1)
		return;
	gettimeofday(&tv, NULL);
	n = eventlog_fmt_time(line, sizeof(line), &tv);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += (size_t)m >= sizeof(line) - n - 1 ? sizeof(line) - n - 2 :
	    (size_t)m;
	line[n++] = '\n';
	sink_put(which, line, n);
}

/* Is a JSON line of this class (CTL_MON_*) wanted: a log, a monitor? */
static int
json_on(int class)
{
	return (sinks[LOGF_JSON].fd != -1 || sinks[LOGF_SYSLOG].fd != -1 ||
	    control_monitoring(class));
}

/* A new descriptor from the parent replaces the old one. */
void
eventlog_setfd(int which, int fd)
{
	struct logsink	*s;
	struct stat	 st;
	int		 fl;

	if (which < 0 || which >= LOGF_MAX) {
		close(fd);
		return;
	}
	s = &sinks[which];
	if (s->ev != NULL)
		event_free(s->ev);
	s->ev = NULL;
	if (s->fd != -1) {
		if (s->pending != NULL)
			(void)evbuffer_write(s->pending, s->fd);
		close(s->fd);
	}
	if (s->pending == NULL && (s->pending = evbuffer_new()) == NULL)
		fatal("evbuffer_new");
	evbuffer_drain(s->pending, evbuffer_get_length(s->pending));
	s->fd = fd;
	/* A pipe must not stop the engine; a file never blocks. */
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) &&
	    (fl = fcntl(fd, F_GETFL)) != -1)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	s->ev = event_new(engine->base, fd, EV_WRITE | EV_PERSIST,
	    sink_write_ev, s);
	if (which == LOGF_PACKET)
		pkt_line(LOGF_PACKET, " honeyd log started ------");
}

void
eventlog_close(void)
{
	int	 i;

	pkt_line(LOGF_PACKET, " honeyd log stopped ------");
	for (i = 0; i < LOGF_MAX; i++) {
		if (sinks[i].fd == -1)
			continue;
		(void)evbuffer_write(sinks[i].pending, sinks[i].fd);
		if (sinks[i].ev != NULL)
			event_free(sinks[i].ev);
		sinks[i].ev = NULL;
		close(sinks[i].fd);
		sinks[i].fd = -1;
	}
}

/*
 * Events.
 */

static const char *
action_word(const struct action *a)
{
	switch (a->kind) {
	case ACTION_COMMAND:
		return ("command");
	case ACTION_PROXY:
		return ("proxy");
	case ACTION_SUBSYS:
		return ("subsystem");
	default:
		return ("open");
	}
}

/* Honeyd's comment naming the source's OS, " [Linux 2.6.x]", or "". */
static void
os_comment(char *buf, size_t size, const char *os)
{
	if (os == NULL)
		buf[0] = '\0';
	else
		snprintf(buf, size, " [%.*s]", (int)(size - 4), os);
}

/*
 * Whether anyone takes packet events.  Formatting them costs more than
 * answering a SYN: a flood with no log must not pay for it.
 */
static int
pkt_wanted(void)
{
	return (sinks[LOGF_PACKET].fd != -1 || json_on(CTL_MON_PACKETS));
}

void
eventlog_flow_start(const struct tuple *tp, uint32_t id, size_t size,
    const struct template *t, const struct action *a)
{
	char		 tup[TUPLE_TEXT_MAX];
	struct jline	 j;
	char		 osc[80];
	const char	*os;

	if (!pkt_wanted())
		return;
	os = tp->v6 ? passive_os_desc6(&tp->src6) : passive_os_desc(tp->src);
	eventlog_fmt_tuple(tup, sizeof(tup), tp);
	os_comment(osc, sizeof(osc), os);
	pkt_line(LOGF_PACKET, " %s S %s%s", proto_name(tp->proto), tup, osc);
	if (!json_on(CTL_MON_PACKETS))
		return;
	jl_begin(&j, "connection_start", CTL_MON_PACKETS);
	jl_tuple(&j, tp);
	jl_fmt(&j, "conn_id", "%u", id);
	jl_fmt(&j, "size", "%zu", size);
	jl_str(&j, "template", t->name);
	jl_str(&j, "personality", t->personality);
	jl_str(&j, "action", action_word(a));
	if (a->flags & ACTION_F_TARPIT)
		jl_fmt(&j, "tarpit", "true");
	jl_str(&j, "src_os", os);
	jl_end(&j);
}

void
eventlog_flow_end(const struct tuple *tp, uint32_t id, uint64_t in,
    uint64_t out, const struct timeval *start, const char *reason)
{
	char		 tup[TUPLE_TEXT_MAX];
	struct jline	 j;
	struct timeval	 now, d;

	if (!pkt_wanted())
		return;
	eventlog_fmt_tuple(tup, sizeof(tup), tp);
	pkt_line(LOGF_PACKET, " %s E %s: %llu %llu", proto_name(tp->proto),
	    tup, (unsigned long long)in, (unsigned long long)out);
	if (!json_on(CTL_MON_PACKETS))
		return;
	gettimeofday(&now, NULL);
	timersub(&now, start, &d);
	if (d.tv_sec < 0)
		timerclear(&d);
	jl_begin(&j, "connection_end", CTL_MON_PACKETS);
	jl_tuple(&j, tp);
	jl_fmt(&j, "conn_id", "%u", id);
	jl_fmt(&j, "bytes_in", "%llu", (unsigned long long)in);
	jl_fmt(&j, "bytes_out", "%llu", (unsigned long long)out);
	jl_fmt(&j, "duration", "%lld.%03ld", (long long)d.tv_sec,
	    (long)d.tv_usec / 1000);
	jl_str(&j, "reason", reason);
	jl_end(&j);
}

/* A packet that belongs to no connection: a probe, maybe a scan's. */
void
eventlog_probe(const struct tuple *tp, size_t size, int flags,
    const char *state)
{
	char		 tup[TUPLE_TEXT_MAX], fl[16], osc[80];
	const char	*scan = NULL, *os = NULL;
	struct jline	 j;

	if (!pkt_wanted())
		return;
	eventlog_fmt_tuple(tup, sizeof(tup), tp);
	fl[0] = '\0';
	if (tp->proto == IPPROTO_TCP) {
		eventlog_fmt_tcpflags(fl, sizeof(fl), flags);
		scan = eventlog_scan_kind(flags);
		os = tp->v6 ? passive_os_desc6(&tp->src6) :
		    passive_os_desc(tp->src);
	}
	os_comment(osc, sizeof(osc), os);
	pkt_line(LOGF_PACKET, " %s - %s: %zu%s%s", proto_name(tp->proto), tup,
	    size, fl, osc);
	if (!json_on(CTL_MON_PACKETS))
		return;
	jl_begin(&j, scan != NULL ? "scan" : "probe", CTL_MON_PACKETS);
	jl_tuple(&j, tp);
	jl_fmt(&j, "size", "%zu", size);
	if (tp->proto == IPPROTO_TCP)
		jl_str(&j, "flags", fl + 1);
	jl_str(&j, "port_state", state);
	jl_str(&j, "scan", scan);
	jl_str(&j, "src_os", os);
	jl_end(&j);
}

/* An ICMP or ICMPv6 message, its addresses already text. */
static void
icmp_event(const char *proto, int protonum, const char *s, const char *d,
    int type, int code, size_t size)
{
	struct jline	 j;

	pkt_line(LOGF_PACKET, " %s(%d) - %s %s: %d(%d): %zu", proto,
	    protonum, s, d, type, code, size);
	if (!json_on(CTL_MON_PACKETS))
		return;
	jl_begin(&j, "icmp", CTL_MON_PACKETS);
	jl_str(&j, "proto", proto);
	jl_str(&j, "src_ip", s);
	jl_str(&j, "dst_ip", d);
	jl_fmt(&j, "icmp_type", "%d", type);
	jl_fmt(&j, "icmp_code", "%d", code);
	jl_fmt(&j, "size", "%zu", size);
	jl_end(&j);
}

void
eventlog_icmp(uint32_t src, uint32_t dst, int type, int code, size_t size)
{
	char		 s[16], d[16];

	if (!pkt_wanted())
		return;
	addr_fmt(src, s, sizeof(s));
	addr_fmt(dst, d, sizeof(d));
	icmp_event("icmp", IP_PROTO_ICMP, s, d, type, code, size);
}

void
eventlog_icmp6(const struct in6_addr *src, const struct in6_addr *dst,
    int type, int code, size_t size)
{
	char		 s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (!pkt_wanted())
		return;
	addr6_fmt(src, s, sizeof(s));
	addr6_fmt(dst, d, sizeof(d));
	icmp_event("icmp6", IP_PROTO_ICMPV6, s, d, type, code, size);
}

/* A service's stderr line: printed as sent, but never a control byte. */
void
eventlog_service_line(const struct tuple *tp, const char *line, size_t len)
{
	char	 tup[TUPLE_TEXT_MAX], clean[LOG_LINE_MAX];
	size_t	 i;

	if (sinks[LOGF_SERVICE].fd == -1)
		return;
	if (len >= sizeof(clean))
		len = sizeof(clean) - 1;
	for (i = 0; i < len; i++)
		clean[i] = (line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f ? '?' : line[i];
	clean[len] = '\0';
	eventlog_fmt_tuple(tup, sizeof(tup), tp);
	pkt_line(LOGF_SERVICE, " %s %s: |%s|", proto_name(tp->proto), tup,
	    clean);
}

void
eventlog_service_start(const struct svc_reply *rep, const struct tuple *tp,
    const char *cmd)
{
	struct jline	 j;

	if (!json_on(CTL_MON_SERVICES))
		return;
	jl_begin(&j, "service_start", CTL_MON_SERVICES);
	jl_tuple(&j, tp);
	jl_fmt(&j, "conn_id", "%u", rep->id);
	jl_fmt(&j, "pid", "%d", rep->pid);
	jl_fmt(&j, "uid", "%u", rep->uid);
	jl_fmt(&j, "gid", "%u", rep->gid);
	jl_str(&j, "command", cmd);
	jl_end(&j);
}

static const char *
svc_end_word(int why)
{
	switch (why) {
	case SVC_KILLED_TIMEOUT:
		return ("timeout");
	case SVC_KILLED_CLOSED:
		return ("closed");
	case SVC_KILLED_SHUTDOWN:
		return ("shutdown");
	default:
		return ("exited");
	}
}

void
eventlog_service_exit(const struct svc_exit *ex)
{
	struct jline	 j;

	if (!json_on(CTL_MON_SERVICES))
		return;
	jl_begin(&j, "service_exit", CTL_MON_SERVICES);
	jl_tuple(&j, &ex->tuple);
	jl_fmt(&j, "conn_id", "%u", ex->id);
	jl_fmt(&j, "pid", "%d", ex->pid);
	if (ex->signal != 0)
		jl_fmt(&j, "signal", "%d", ex->signal);
	else
		jl_fmt(&j, "exit_status", "%d", ex->status);
	jl_str(&j, "reason", svc_end_word(ex->why));
	jl_fmt(&j, "duration", "%u.%03u", ex->duration_ms / 1000,
	    ex->duration_ms % 1000);
	jl_end(&j);
}

/* A service or proxy that could not be had: the connection is reset. */
void
eventlog_refused(uint32_t id, const struct tuple *tp, const char *what,
    const char *reason)
{
	static time_t	 last;
	static uint64_t	 quiet;
	struct jline	 j;
	time_t		 now = time(NULL);

	/* Past a limit this may come for every connection: once a second. */
	if (now != last) {
		log_warnx("%s refused for connection %u: %s%s", what, id,
		    reason, quiet > 0 ? " (and earlier ones)" : "");
		last = now;
		quiet = 0;
	} else
		quiet++;
	if (!json_on(CTL_MON_SERVICES))
		return;
	jl_begin(&j, strcmp(what, "proxy") == 0 ? "proxy_failed" :
	    "service_refused", CTL_MON_SERVICES);
	jl_tuple(&j, tp);
	jl_fmt(&j, "conn_id", "%u", id);
	jl_str(&j, "reason", reason);
	jl_end(&j);
}

/* This engine replaces one that died (honeyd.c: self-healing). */
void
eventlog_engine_restart(uint64_t restarts, const char *cause)
{
	struct jline	 j;

	if (!json_on(CTL_MON_ALL))
		return;
	jl_begin(&j, "engine_restart", CTL_MON_ALL);
	jl_fmt(&j, "restarts", "%llu", (unsigned long long)restarts);
	jl_str(&j, "cause", cause);
	jl_end(&j);
}

/* A proxied connection: started (err NULL) or failed to connect. */
void
eventlog_proxy(uint32_t id, const struct tuple *tp,
    const struct proxy_dest *d, const char *err)
{
	char		 a[INET6_ADDRSTRLEN];
	struct jline	 j;

	if (!json_on(CTL_MON_SERVICES))
		return;
	jl_begin(&j, err == NULL ? "proxy_start" : "proxy_failed",
	    CTL_MON_SERVICES);
	jl_tuple(&j, tp);
	jl_fmt(&j, "conn_id", "%u", id);
	if (err == NULL && d != NULL) {
		addr_dest_fmt(d, a, sizeof(a));
		jl_str(&j, "target_ip", a);
		jl_fmt(&j, "target_port", "%u", d->port);
	} else
		jl_str(&j, "reason", err);
	jl_end(&j);
}

/*
 * Parent side: open a log for the engine.  "-" is standard output: a
 * file is shared (one offset with whatever else writes there), a pipe
 * or terminal is opened anew so that the engine's O_NONBLOCK stays
 * off the parent's own descriptors.
 */
static int
eventlog_open(const char *path)
{
	struct stat	 st;
	int		 fd = -1;

	if (strcmp(path, "-") == 0) {
		if (fstat(STDOUT_FILENO, &st) == 0 && !S_ISREG(st.st_mode))
			fd = open("/proc/self/fd/1", O_WRONLY | O_CLOEXEC |
			    O_NOCTTY);
		if (fd == -1)
			fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		return (fd);
	}
	return (open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0640));
}

/* -j names a syslog socket rather than a file. */
int
eventlog_is_syslog(const char *spec)
{
	return (spec != NULL && (strcmp(spec, "syslog") == 0 ||
	    strncmp(spec, "syslog:", 7) == 0));
}

static int
syslog_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int	 saved;

	if (fd == -1)
		return (-1);
	if (connect(fd, sa, len) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (-1);
	}
	return (fd);
}

static int
syslog_open_unix(const char *path)
{
	struct sockaddr_un	 sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	return (syslog_connect(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0),
	    (struct sockaddr *)&sun, sizeof(sun)));
}

/* "ADDR:PORT", an IPv4 address. */
static int
syslog_open_udp(const char *arg)
{
	struct sockaddr_in	 sin;
	char			 addr[INET_ADDRSTRLEN];
	const char		*colon, *errstr;
	long long		 port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if ((colon = strrchr(arg, ':')) == NULL ||
	    (size_t)(colon - arg) >= sizeof(addr))
		goto bad;
	memcpy(addr, arg, colon - arg);
	addr[colon - arg] = '\0';
	port = strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL || inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		goto bad;
	sin.sin_port = htons(port);
	return (syslog_connect(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
	    (struct sockaddr *)&sin, sizeof(sin)));
 bad:
	errno = EINVAL;
	return (-1);
}

/* Where a syslog spec sends: a socket's path, or "udp:ADDR:PORT". */
static const char *
syslog_where(const char *spec)
{
	return (spec[6] == ':' ? spec + 7 : SYSLOG_PATH);
}

/* What went wrong, for "-j SPEC: ..." */
static const char *
syslog_error(const char *spec)
{
	static char	 buf[128];

	if (errno == EINVAL && strncmp(syslog_where(spec), "udp:", 4) == 0)
		return ("expected syslog:udp:ADDR:PORT, an IPv4 address and "
		    "a port");
	snprintf(buf, sizeof(buf), "cannot send to it: %s", strerror(errno));
	return (buf);
}

/* The socket of a syslog spec, and the framing the engine is to use. */
static int
syslog_open(const char *spec, struct log_syslog *ls)
{
	const char	*arg = syslog_where(spec);
	size_t		 i;

	memset(ls, 0, sizeof(*ls));
	ls->which = LOGF_SYSLOG;
	if (strncmp(arg, "udp:", 4) != 0)
		return (syslog_open_unix(arg));
	ls->rfc5424 = 1;
	if (gethostname(ls->host, sizeof(ls->host) - 1) == -1)
		ls->host[0] = '\0';
	/* RFC 5424's HOSTNAME is printable ASCII without spaces. */
	for (i = 0; ls->host[i] != '\0'; i++)
		if (ls->host[i] <= ' ' || ls->host[i] > '~')
			ls->host[i] = '-';
	return (syslog_open_udp(arg + 4));
}

/*
 * Parent, before it daemonizes: a syslog socket that cannot be had is
 * said on stderr while someone reads it (not to syslog, maybe absent).
 */
int
eventlog_syslog_check(const char *spec)
{
	struct log_syslog	 ls;
	int			 fd;

	if ((fd = syslog_open(spec, &ls)) == -1) {
		warnx("-j %s (%s): %s", spec, syslog_where(spec),
		    syslog_error(spec));
		return (-1);
	}
	close(fd);
	return (0);
}

static void
syslog_send(struct imsgev *iev, const char *spec, int startup)
{
	struct log_syslog	 ls;
	int			 fd;

	if ((fd = syslog_open(spec, &ls)) == -1) {
		if (startup)
			fatalx("-j %s (%s): %s", spec, syslog_where(spec),
			    syslog_error(spec));
		log_warnx("-j %s (%s): not connected again: %s", spec,
		    syslog_where(spec), syslog_error(spec));
		return;
	}
	if (imsgev_compose(iev, IMSG_LOG_FD, 0, 0, fd, &ls, sizeof(ls)) == -1)
		log_warn("passing the syslog socket");
}

/*
 * Parent: open the logs (-l, -s, -j: paths[LOGF_*], NULL if not
 * wanted) and pass them to the engine.  At start-up a log that cannot be opened is fatal; on
 * SIGUSR1 it is reported and the engine keeps its old descriptor.
 */
void
eventlog_send(struct imsgev *iev, const char *paths[LOGF_MAX], int startup)
{
	int32_t		 which;
	int		 fd;

	for (which = 0; which < LOGF_MAX; which++) {
		if (paths[which] == NULL)
			continue;
		if (which == LOGF_SYSLOG) {
			syslog_send(iev, paths[which], startup);
			continue;
		}
		if ((fd = eventlog_open(paths[which])) == -1) {
			if (startup)
				fatal("log file %s", paths[which]);
			log_warn("reopening log file %s", paths[which]);
			continue;
		}
		if (imsgev_compose(iev, IMSG_LOG_FD, 0, 0, fd, &which,
		    sizeof(which)) == -1)
			log_warn("passing log file %s", paths[which]);
	}
}

/* Engine: a log descriptor from the parent. */
void
eventlog_imsg(struct imsg *imsg)
{
	struct log_syslog	 ls;
	int32_t			 which;
	int			 fd;

	if (imsg_get_len(imsg) == sizeof(ls)) {
		if (imsg_get_data(imsg, &ls, sizeof(ls)) == -1 ||
		    ls.which != LOGF_SYSLOG)
			fatalx("engine: bad log message");
		which = ls.which;
		ls.host[sizeof(ls.host) - 1] = '\0';
	} else if (imsg_get_data(imsg, &which, sizeof(which)) == -1 ||
	    which == LOGF_SYSLOG)
		fatalx("engine: bad log message");
	if ((fd = imsg_get_fd(imsg)) == -1)
		return;
	if (which == LOGF_SYSLOG) {
		syslog_peer = ls;
		syslog_pid = getpid();
		syslog_warned = 0;
	}
	eventlog_setfd(which, fd);
}

/*
 * Engine: the parent stopped answering ARP for an address another
 * machine on the link uses (arpguard.c).  It logged that itself.
 */
void
eventlog_arp_conflict(struct imsg *imsg)
{
	struct arp_conflict	 c;
	struct jline		 j;
	char			 a[16], m[ETH_ADDR_LEN * 3];

	if (imsg_get_data(imsg, &c, sizeof(c)) == -1)
		fatalx("engine: bad ARP conflict message");
	if (!json_on(CTL_MON_PACKETS))
		return;
	addr_fmt(c.addr, a, sizeof(a));
	eth_ntop((const eth_addr_t *)c.mac, m, sizeof(m));
	jl_begin(&j, "arp_conflict", CTL_MON_PACKETS);
	jl_str(&j, "ip", a);
	jl_str(&j, "mac", m);
	jl_str(&j, "was", c.was == ARP_CONFLICT_CLAIMED ? "claimed" :
	    "probing");
	jl_end(&j);
}
