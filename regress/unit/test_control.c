/*
 * The control socket's engine side (control.c) and the counter tables
 * (stats.c): argument parsing, records, the tables covering every field
 * of the stats structs, and a client talking to an in-process engine
 * over a real socket: listings resumed by key, errors, and malformed
 * requests that close only their own connection.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "unit.h"
#include "engine_fixture.h"

static const char conf_text[] =
    "create default\n"
    "set default default icmp action open\n"
    "create linux\n"
    "add linux tcp port 22 open\n"
    "bind 198.19.1.10 linux\n";

static char	 sockdir[64], sockpath[128];

/* Every field of each stats struct has one row, no two rows the same. */
static void
test_tables(const struct stat_desc *tab, size_t n, size_t structsize)
{
	size_t	 i, j, fields = 0;
	int	 dup = 0, outside = 0;

	for (i = 0; i < n; i++) {
		if (tab[i].gauge == NULL) {
			fields++;
			if (tab[i].offset + sizeof(uint64_t) > structsize)
				outside++;
		}
		for (j = i + 1; j < n; j++) {
			if (strcmp(tab[i].name, tab[j].name) == 0)
				dup++;
			if (tab[i].gauge == NULL && tab[j].gauge == NULL &&
			    tab[i].offset == tab[j].offset)
				dup++;
		}
	}
	CHECK(fields == structsize / sizeof(uint64_t));
	CHECK(dup == 0);
	CHECK(outside == 0);
	CHECK(n > 0 && (tab[n - 1].flags & STAT_F_EOL));
}

static void
test_request_arg(void)
{
	struct imsg	 imsg;
	char		 buf[16];
	const char	*arg;

	memset(&imsg, 0, sizeof(imsg));
	imsg.hdr.len = IMSG_HEADER_SIZE;
	CHECK(ctl_request_arg(&imsg, &arg) == 0 && arg == NULL);
	memcpy(buf, "linux", 6);
	imsg.data = buf;
	imsg.hdr.len = IMSG_HEADER_SIZE + 6;
	CHECK(ctl_request_arg(&imsg, &arg) == 0 && arg != NULL &&
	    strcmp(arg, "linux") == 0);
	imsg.hdr.len = IMSG_HEADER_SIZE + 5;		/* no NUL */
	CHECK(ctl_request_arg(&imsg, &arg) == -1);
	memcpy(buf, "a\0b", 4);				/* NUL inside */
	imsg.hdr.len = IMSG_HEADER_SIZE + 4;
	CHECK(ctl_request_arg(&imsg, &arg) == -1);
	buf[0] = '\0';					/* empty: none */
	imsg.hdr.len = IMSG_HEADER_SIZE + 1;
	CHECK(ctl_request_arg(&imsg, &arg) == 0 && arg == NULL);
}

/* The value of key in a record, or NULL. */
static const char *
rec_get(const void *data, size_t len, const char *key)
{
	struct ctlfield	 f;
	const char	*kind;
	size_t		 off;

	if (ctlrec_kind(data, len, &kind, &off) == -1)
		return (NULL);
	while (ctlrec_next(data, len, &off, &f) == 1)
		if (strcmp(f.key, key) == 0)
			return (f.value);
	return (NULL);
}

static void
test_host_record(void)
{
	struct ctlrec	 r;
	struct host	*h;
	const char	*v;

	h = host_get(0xc613010a);
	CHECK(h != NULL);
	if (h == NULL)
		return;
	h->refs = 2;
	h->ip_id = 4242;
	ctl_host_record(&r, h, h->created + 5);
	CHECK(!r.overflow);
	CHECK(strcmp(r.buf, "host") == 0);
	v = rec_get(r.buf, r.len, "address");
	CHECK(v != NULL && strcmp(v, "198.19.1.10") == 0);
	v = rec_get(r.buf, r.len, "template");
	CHECK(v != NULL && strcmp(v, "linux") == 0);
	v = rec_get(r.buf, r.len, "connections");
	CHECK(v != NULL && strcmp(v, "2") == 0);
	v = rec_get(r.buf, r.len, "ip_id");
	CHECK(v != NULL && strcmp(v, "4242") == 0);
	v = rec_get(r.buf, r.len, "age");
	CHECK(v != NULL && strcmp(v, "5") == 0);
	h->refs = 0;
}

/*
 * A client over a real socket.
 */

static int
client_connect(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return (fd);
}

static void
spin(int n)
{
	while (n-- > 0)
		event_base_loop(engine->base, EVLOOP_NONBLOCK);
}

static void
client_send(int fd, uint32_t type, const void *data, size_t len)
{
	struct imsgbuf	 ib;

	imsgbuf_init(&ib, fd);
	CHECK(imsg_compose(&ib, type, 0, 0, -1, data, len) == 0);
	CHECK(imsgbuf_flush(&ib) == 0);
	imsgbuf_clear(&ib);
}

struct answer {
	size_t		 records;
	uint32_t	 end;		/* END, ERROR, or 0: closed/none */
	char		 text[128];
	uint32_t	 last;		/* hosts: last address, ascending */
	int		 order_ok;
};

/* Read until END or ERROR, running the engine meanwhile. */
static void
client_answer(int fd, struct answer *a)
{
	struct imsgbuf	 ib;
	struct imsg	 imsg;
	const char	*v;
	uint32_t	 lo, hi;
	ssize_t		 n;
	int		 guard;

	memset(a, 0, sizeof(*a));
	a->order_ok = 1;
	imsgbuf_init(&ib, fd);
	for (guard = 0; guard < 200000 && a->end == 0; guard++) {
		spin(1);
		if ((n = imsgbuf_read(&ib)) == 0)
			break;
		if (n == -1 && errno != EAGAIN)
			break;
		while (imsg_get(&ib, &imsg) > 0) {
			if (imsg.hdr.type == IMSG_CTL_RECORD) {
				a->records++;
				v = rec_get(imsg.data, imsg_get_len(&imsg),
				    "address");
				if (v != NULL &&
				    addr_parse_range(v, &lo, &hi) != -1) {
					if (a->records > 1 && lo <= a->last)
						a->order_ok = 0;
					a->last = lo;
				}
			} else if (imsg.hdr.type == IMSG_CTL_END ||
			    imsg.hdr.type == IMSG_CTL_ERROR) {
				a->end = imsg.hdr.type;
				if (imsg_get_len(&imsg) > 0)
					strlcpy(a->text, imsg.data,
					    sizeof(a->text));
			}
			imsg_free(&imsg);
		}
	}
	imsgbuf_clear(&ib);
}

/* Has the engine closed this client? */
static int
client_closed(int fd)
{
	char	 c;
	int	 i;

	for (i = 0; i < 1000; i++) {
		spin(1);
		if (read(fd, &c, 1) == 0)
			return (1);
	}
	return (0);
}

static int
listen_socket(void)
{
	struct sockaddr_un	 sun;
	int			 fd;

	strlcpy(sockdir, "/tmp/test_control.XXXXXX", sizeof(sockdir));
	if (mkdtemp(sockdir) == NULL)
		return (-1);
	snprintf(sockpath, sizeof(sockpath), "%s/sock", sockdir);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 16) == -1)
		return (-1);
	return (fd);
}

static void
test_listings(void)
{
	struct answer	 a;
	uint32_t	 i;
	int		 fd;

	/* 20000 hosts, listed in order, each once, across many turns. */
	for (i = 0; i < 20000; i++)
		(void)host_get(0xc6140000 + i);
	CHECK(host_count() == 20001);
	fd = client_connect();
	CHECK(fd != -1);
	client_send(fd, IMSG_CTL_SHOW_HOSTS, NULL, 0);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END);
	CHECK(a.records == 20001);
	CHECK(a.order_ok);
	/*
	 * A client that asks and does not read: the listing pauses with
	 * the engine's queue short (a listing of megabytes), then resumes
	 * and ends right.
	 */
	client_send(fd, IMSG_CTL_SHOW_HOSTS, NULL, 0);
	spin(2000);
	CHECK(control_queued() < 256 * 1024);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 20001 && a.order_ok);
	/* The same connection takes the next request. */
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "198.20.0.0/24", 14);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 256);
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "10.0.0.1", 9);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 0);
	client_send(fd, IMSG_CTL_SHOW_TEMPLATES, "nosuch", 7);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_ERROR &&
	    strcmp(a.text, "no template \"nosuch\"") == 0);
	client_send(fd, IMSG_CTL_SHOW_TEMPLATES, NULL, 0);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 2);
	client_send(fd, IMSG_CTL_SHOW_BINDS, NULL, 0);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 1);
	client_send(fd, IMSG_CTL_SHOW_BINDS, "x", 2);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_ERROR);
	client_send(fd, IMSG_CTL_LOG_BRIEF, NULL, 0);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END &&
	    strcmp(a.text, "logging brief") == 0);
	close(fd);
	spin(10);
}

/* Each kind of bad request closes its client, and is counted. */
static void
test_garbage(void)
{
	static const uint32_t	 badmask = 0x80;
	uint8_t			 junk[64];
	uint16_t		 shortmask = 1;
	uint64_t		 before;
	struct answer		 a;
	int			 fd, good;

	good = client_connect();
	before = engine->stats.ctl_garbage;

	fd = client_connect();
	memset(junk, 0xa5, sizeof(junk));
	CHECK(write(fd, junk, sizeof(junk)) == sizeof(junk));
	CHECK(client_closed(fd));
	close(fd);

	fd = client_connect();
	client_send(fd, IMSG_CTL_MONITOR, &shortmask, sizeof(shortmask));
	CHECK(client_closed(fd));
	close(fd);

	fd = client_connect();
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "198.19", 6);	/* no NUL */
	CHECK(client_closed(fd));
	close(fd);

	fd = client_connect();
	client_send(fd, IMSG_CTL_RECORD, "x", 2);	/* not a request */
	CHECK(client_closed(fd));
	close(fd);

	fd = client_connect();
	client_send(fd, 9999, NULL, 0);
	CHECK(client_closed(fd));
	close(fd);

	CHECK(engine->stats.ctl_garbage == before + 5);

	/* A mask it does not know is an error, not garbage. */
	fd = client_connect();
	client_send(fd, IMSG_CTL_MONITOR, &badmask, sizeof(badmask));
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_ERROR);
	close(fd);

	/* The well-behaved client kept its connection through all that. */
	client_send(good, IMSG_CTL_SHOW_BINDS, NULL, 0);
	client_answer(good, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 1);
	close(good);
	spin(10);
}

/* A monitor gets the event lines of its class, and only those. */
static void
test_monitor(void)
{
	struct imsgbuf	 ib;
	struct imsg	 imsg;
	uint32_t	 mask = CTL_MON_PACKETS;
	uint64_t	 before;
	char		 line[200];
	int		 fd, events = 0, told = 0, i;

	fd = client_connect();
	client_send(fd, IMSG_CTL_MONITOR, &mask, sizeof(mask));
	spin(5);
	CHECK(control_monitoring(CTL_MON_PACKETS));
	CHECK(!control_monitoring(CTL_MON_SERVICES));
	eventlog_icmp(0xc6120001, 0xc613010a, 8, 0, 64);
	control_event(CTL_MON_SERVICES, "{\"x\":1}", 7);
	imsgbuf_init(&ib, fd);
	for (i = 0; i < 100; i++) {
		spin(1);
		(void)imsgbuf_read(&ib);
		while (imsg_get(&ib, &imsg) > 0) {
			if (imsg.hdr.type == IMSG_CTL_EVENT &&
			    memmem(imsg.data, imsg_get_len(&imsg),
			    "\"event\":\"icmp\"", 14) != NULL)
				events++;
			else
				events += 100;
			imsg_free(&imsg);
		}
	}
	CHECK(events == 1);

	/*
	 * A monitor that does not read: its queue stops at the bound, the
	 * rest is counted as lost, and once it reads it is told how many.
	 */
	memset(line, 'x', sizeof(line));
	before = engine->stats.ctl_monitor_dropped;
	for (i = 0; i < 20000; i++) {
		control_event(CTL_MON_PACKETS, line, sizeof(line));
		if (i % 100 == 0)
			spin(1);
	}
	CHECK(control_queued() <= CTL_QUEUE_MAX);
	CHECK(engine->stats.ctl_monitor_dropped > before);
	for (i = 0; i < 5000 && !told; i++) {
		spin(1);
		(void)imsgbuf_read(&ib);
		while (imsg_get(&ib, &imsg) > 0) {
			if (imsg.hdr.type == IMSG_CTL_EVENT &&
			    memmem(imsg.data, imsg_get_len(&imsg),
			    "\"monitor_dropped\"", 17) != NULL)
				told = 1;
			imsg_free(&imsg);
		}
	}
	CHECK(told);
	imsgbuf_clear(&ib);
	close(fd);
	spin(10);
	CHECK(!control_monitoring(CTL_MON_PACKETS));
}

/* CTL_CLIENTS_MAX at once are served; the next is refused, counted. */
static void
test_too_many(void)
{
	static int	 fds[CTL_CLIENTS_MAX + 1];
	struct answer	 a;
	int		 i, opened = 0;

	for (i = 0; i <= CTL_CLIENTS_MAX; i++) {
		if ((fds[i] = client_connect()) != -1)
			opened++;
		spin(2);
	}
	CHECK(opened == CTL_CLIENTS_MAX + 1);
	CHECK(engine->stats.ctl_toomany == 1);
	CHECK(client_closed(fds[CTL_CLIENTS_MAX]));
	client_send(fds[0], IMSG_CTL_SHOW_BINDS, NULL, 0);
	client_answer(fds[0], &a);
	CHECK(a.end == IMSG_CTL_END);
	client_send(fds[CTL_CLIENTS_MAX - 1], IMSG_CTL_SHOW_BINDS, NULL, 0);
	client_answer(fds[CTL_CLIENTS_MAX - 1], &a);
	CHECK(a.end == IMSG_CTL_END);
	for (i = 0; i <= CTL_CLIENTS_MAX; i++)
		if (fds[i] != -1)
			close(fds[i]);
	spin(20);
}

/*
 * IPv6 hosts follow the IPv4 ones, by their IPv6 address, each once,
 * even three whose folds collide (addr6_fold(): w3 ^ w2 * 0x9e3779b1
 * ^ ...); an IPv4 filter leaves them out.
 */
static void
test_host_list6(void)
{
	static const char	*v6[] = { "2001:db8::1", "2001:db8::1:9e37:79b0",
				    "2001:db8::2:3c6e:f363", "2001:db8::77" };
	struct in6_addr		 a[4];
	struct ctlrec		 r;
	uint64_t		 cur;
	size_t			 i, n4, seen[4] = { 0 }, total = 0, steps;
	const char		*v;

	for (i = 0; i < 4; i++) {
		CHECK(inet_pton(AF_INET6, v6[i], &a[i]) == 1);
		CHECK(host_get6(&a[i]) != NULL);
	}
	CHECK(addr6_fold(&a[0]) == addr6_fold(&a[1]) &&
	    addr6_fold(&a[1]) == addr6_fold(&a[2]));
	n4 = host_count() - 4;
	for (cur = 0, steps = 0; steps <= n4 + 4 &&
	    host_ctl_next(&cur, UINT32_MAX, 1, &r); steps++) {
		total++;
		v = rec_get(r.buf, r.len, "address");
		for (i = 0; v != NULL && i < 4; i++)
			if (strcmp(v, v6[i]) == 0)
				seen[i]++;
	}
	CHECK(total == n4 + 4);
	for (i = 0; i < 4; i++)
		CHECK(seen[i] == 1);
	for (cur = 0, steps = 0; steps <= n4 + 4 &&
	    host_ctl_next(&cur, UINT32_MAX, 0, &r); steps++)
		;
	CHECK(steps == n4);
}

/*
 * An IPv6 filter (show hosts, connections 2001:db8::/120): only the
 * hosts inside it, whatever their folds, none of the IPv4 ones; a walk
 * that scanned enough resumes where it was.  Uses test_host_list6's
 * hosts.
 */
static void
test_filter6(void)
{
	struct in6_addr	 net;
	struct answer	 a;
	struct ctlrec	 r;
	uint64_t	 cur = 0;
	int		 fd, n, plen, found = 0, paused = 0, guard;

	CHECK(addr6_parse_net("2001:db8::/120", &net, &plen) == 0);
	for (guard = 0; guard < 100 &&
	    (n = host_ctl_next_in6(&cur, &net, plen, 1, &r)) != 0; guard++)
		n == 1 ? found++ : paused++;
	CHECK(found == 2 && paused > 0);
	fd = client_connect();
	CHECK(fd != -1);
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "2001:db8::/120", 15);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 2);
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "2001:db8::1:9e37:79b0", 22);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 1);
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "2001:db8::/32", 14);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 4);
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "2001:db8:1::/48", 16);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 0);
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "2001:db8::/129", 15);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_ERROR);
	client_send(fd, IMSG_CTL_SHOW_CONNECTIONS, "2001:db8::/64", 14);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 0);
	client_send(fd, IMSG_CTL_SHOW_CONNECTIONS, "2001:db8::x", 12);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_ERROR);
	/* An IPv4 filter still lists its hosts alone. */
	client_send(fd, IMSG_CTL_SHOW_HOSTS, "198.20.0.0/24", 14);
	client_answer(fd, &a);
	CHECK(a.end == IMSG_CTL_END && a.records == 256);
	close(fd);
	spin(10);
}

int
main(void)
{
	int	 lfd;

	test_tables(stats_engine, stats_engine_n, sizeof(struct engine_stats));
	test_tables(stats_parent, stats_parent_n, sizeof(struct parent_stats));
	test_request_arg();
	CHECK(fixture_engine(conf_text, HOST_MAX_DEFAULT) == 0);
	test_host_record();
	lfd = listen_socket();
	CHECK(lfd != -1);
	if (lfd != -1) {
		control_init(lfd);
		test_listings();
		test_garbage();
		test_monitor();
		test_too_many();
		test_host_list6();
		test_filter6();
		unlink(sockpath);
		rmdir(sockdir);
	}
	return (unit_done());
}
