/*
 * Subsystems: which programs can take the preloaded library (an ELF with
 * an interpreter; a script's interpreter in its stead), the hosts a
 * per-host subsystem serves (each IPv4 address bound, each IPv6 /128,
 * at most SUBSYS_HOSTS_MAX), and the engine's table of listening ports
 * (sublisten.c), by family: IPv4, IPv6 or both (an AF_INET6 socket on
 * ::), every host or one.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "subsys.h"
#include "unit.h"

/* subsys.c is the parent's: it names the parent's state. */
struct parent	*parent;
struct honeyd_opts honeyd_opts;

static char	 tmpdir[] = "/tmp/test_subsys.XXXXXX";

static void
write_file(const char *name, const char *text, char *path, size_t size)
{
	FILE	*f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(path, 0755);
}

static void
test_elf(void)
{
	char	 path[PATH_MAX], file[PATH_MAX], cmd[PATH_MAX + 8];

	CHECK(subsys_elf_static("/bin/sh -c true", path, sizeof(path)) == 0);
	CHECK(strcmp(path, "/bin/sh") == 0);
	/* Found in PATH, as the shell would. */
	CHECK(subsys_elf_static("sh -c true", path, sizeof(path)) == 0);
	CHECK(strlen(path) > 3 && strcmp(path + strlen(path) - 3, "/sh") == 0);
	CHECK(subsys_elf_static("/nonexistent/prog -x", path,
	    sizeof(path)) == -1);
	CHECK(subsys_elf_static("no-such-program-anywhere", path,
	    sizeof(path)) == -1);
	CHECK(subsys_elf_static("", path, sizeof(path)) == -1);
	/* Debian's ldconfig is static-pie: PT_DYNAMIC but no PT_INTERP. */
	if (access("/sbin/ldconfig", R_OK) == 0)
		CHECK(subsys_elf_static("/sbin/ldconfig -p", path,
		    sizeof(path)) == 1);
	else
		MISSING("/sbin/ldconfig");
	/* A script: its interpreter decides. */
	write_file("dyn.sh", "#! /bin/sh -e\necho hi\n", file, sizeof(file));
	snprintf(cmd, sizeof(cmd), "%s arg", file);
	CHECK(subsys_elf_static(cmd, path, sizeof(path)) == 0);
	CHECK(strcmp(path, "/bin/sh") == 0);
	write_file("static.sh", "#!/sbin/ldconfig\n", file, sizeof(file));
	CHECK(subsys_elf_static(file, path, sizeof(path)) == 1);
	/* Not an ELF, no #!: the shell runs it, and the shell is dynamic. */
	write_file("plain", "echo hi\n", file, sizeof(file));
	CHECK(subsys_elf_static(file, path, sizeof(path)) == 0);
	unlink(file);
	snprintf(file, sizeof(file), "%s/dyn.sh", tmpdir);
	unlink(file);
	snprintf(file, sizeof(file), "%s/static.sh", tmpdir);
	unlink(file);
}

static void
listen_msg(uint32_t type, const void *payload, size_t len)
{
	struct imsg	 imsg;

	memset(&imsg, 0, sizeof(imsg));
	imsg.hdr.type = type;
	imsg.hdr.len = IMSG_HEADER_SIZE + len;
	imsg.data = (void *)(uintptr_t)payload;
	imsg.fd = -1;
	sublisten_dispatch(&imsg);
}

static void
add_listen6(uint32_t id, int af, uint32_t addr, const char *addr6,
    uint16_t port, const char *tmpl)
{
	struct subsys_listen	 l;
	char			 buf[sizeof(l) + 64];
	size_t			 n;

	memset(&l, 0, sizeof(l));
	l.id = id;
	l.af = af;
	l.addr = addr;
	if (addr6 != NULL)
		CHECK(inet_pton(AF_INET6, addr6, &l.addr6) == 1);
	l.pid = 1234;
	l.port = port;
	l.proto = IPPROTO_TCP;
	memcpy(buf, &l, sizeof(l));
	n = sizeof(l);
	n += snprintf(buf + n, sizeof(buf) - n, "%s", tmpl) + 1;
	n += snprintf(buf + n, sizeof(buf) - n, "cmd") + 1;
	listen_msg(IMSG_SUBSYS_LISTEN, buf, n);
}

static void
add_listen(uint32_t id, uint32_t addr, uint16_t port, const char *tmpl)
{
	add_listen6(id, SUBSYS_AF4, addr, NULL, port, tmpl);
}

/* sublisten_find() for a packet to the IPv4 host at addr. */
static int
find4(const char *tmpl, uint32_t addr, uint16_t port)
{
	struct ipin	 in;

	memset(&in, 0, sizeof(in));
	in.dst = addr;
	return (sublisten_find(tmpl, &in, port));
}

/* ... to the IPv6 host at a. */
static int
find6(const char *tmpl, const char *a, uint16_t port)
{
	struct ipin	 in;

	memset(&in, 0, sizeof(in));
	in.v6 = 1;
	CHECK(inet_pton(AF_INET6, a, &in.dst6) == 1);
	in.dst = addr6_fold(&in.dst6);
	return (sublisten_find(tmpl, &in, port));
}

static void
test_sublisten6(void)
{
	uint32_t	 id;

	/* :: without IPV6_V6ONLY: both families, every host. */
	add_listen6(10, SUBSYS_AF4 | SUBSYS_AF6, 0, NULL, 80, "web");
	CHECK(find4("web", 0xc613010a, 80) == 1);
	CHECK(find6("web", "2001:db8::10", 80) == 1);
	/* IPv6 alone, one host. */
	add_listen6(11, SUBSYS_AF6, 0, "2001:db8::20", 81, "web");
	CHECK(find6("web", "2001:db8::20", 81) == 1);
	CHECK(find6("web", "2001:db8::21", 81) == 0);
	CHECK(find4("web", 0xc613010a, 81) == 0);
	/* IPv4 alone: no IPv6. */
	add_listen6(12, SUBSYS_AF4, 0, NULL, 82, "web");
	CHECK(find4("web", 0xc613010a, 82) == 1);
	CHECK(find6("web", "2001:db8::10", 82) == 0);
	/* Two IPv6 hosts' own processes on one port: each its address. */
	add_listen6(13, SUBSYS_AF6, 0, "2001:db8::50", 83, "who");
	add_listen6(14, SUBSYS_AF6, 0, "2001:db8::51", 83, "who");
	CHECK(find6("who", "2001:db8::50", 83) == 1);
	CHECK(find6("who", "2001:db8::51", 83) == 1);
	CHECK(find6("who", "2001:db8::52", 83) == 0);
	CHECK(find4("who", 0xc613010a, 83) == 0);
	id = 13;
	listen_msg(IMSG_SUBSYS_UNLISTEN, &id, sizeof(id));
	CHECK(find6("who", "2001:db8::50", 83) == 0);
	CHECK(find6("who", "2001:db8::51", 83) == 1);
	for (id = 10; id <= 14; id++)
		listen_msg(IMSG_SUBSYS_UNLISTEN, &id, sizeof(id));
	CHECK(find6("web", "2001:db8::10", 80) == 0);
	CHECK(find6("who", "2001:db8::51", 83) == 0);
}

/* The helpers of subsys.h: IPv4 mapped, :: for none. */
static void
test_mapped(void)
{
	uint8_t		 a[16];
	uint32_t	 v4;

	subsys_map4(a, htonl(0xc613010a));
	CHECK(subsys_addr4(a, &v4) == 1 && v4 == htonl(0xc613010a));
	CHECK(!subsys_addr_any(a));
	subsys_map4(a, 0);
	CHECK(subsys_addr_any(a) && subsys_addr4(a, &v4) == 0);
	CHECK(inet_pton(AF_INET6, "2001:db8::1", a) == 1);
	CHECK(subsys_addr4(a, &v4) == 0 && !subsys_addr_any(a));
}

static void
test_sublisten(void)
{
	struct ctlrec	 r;
	uint32_t	 after = 0, id;
	int		 n = 0;

	add_listen(1, 0, 8080, "web");
	add_listen(2, 0xc6130b0a, 8081, "solo");
	CHECK(find4("web", 0xc613010a, 8080) == 1);
	CHECK(find4("web", 0xc613010b, 8080) == 1);
	CHECK(find4("web", 0xc613010a, 8081) == 0);
	CHECK(find4("other", 0xc613010a, 8080) == 0);
	/* Another host's process: not this one's port. */
	CHECK(find4("solo", 0xc6130b0a, 8081) == 1);
	CHECK(find4("solo", 0xc6130b0b, 8081) == 0);
	while (sublisten_ctl_next(&after, 0, &r))
		n++;
	CHECK(n == 2);
	id = 1;
	listen_msg(IMSG_SUBSYS_UNLISTEN, &id, sizeof(id));
	CHECK(find4("web", 0xc613010a, 8080) == 0);
	CHECK(find4("solo", 0xc6130b0a, 8081) == 1);
	/* An id not listening: nothing happens. */
	id = 99;
	listen_msg(IMSG_SUBSYS_UNLISTEN, &id, sizeof(id));
	CHECK(find4("solo", 0xc6130b0a, 8081) == 1);
	id = 2;
	listen_msg(IMSG_SUBSYS_UNLISTEN, &id, sizeof(id));
	after = 0;
	CHECK(sublisten_ctl_next(&after, 0, &r) == 0);
}

/* The hosts of t's first subsystem in conf text, into hosts. */
static size_t
hosts_of(const char *text, const char *tmpl, struct subsys_host *hosts)
{
	struct honeyd_config	*c;
	const struct template	*t;
	size_t			 n = 0;

	c = config_parse_buffer("t", text, strlen(text), NULL, NULL);
	CHECK(c != NULL);
	if (c == NULL)
		return (0);
	t = config_find_template(c, tmpl);
	CHECK(t != NULL && !TAILQ_EMPTY(&t->subsystems));
	if (t != NULL && !TAILQ_EMPTY(&t->subsystems))
		n = subsys_hosts(c, t, TAILQ_FIRST(&t->subsystems), hosts);
	config_free(c);
	return (n);
}

static int
is_host6(const struct subsys_host *h, const char *a)
{
	struct in6_addr	 want;

	return (h->host == 0 && inet_pton(AF_INET6, a, &want) == 1 &&
	    memcmp(&h->host6, &want, sizeof(want)) == 0);
}

static void
test_hosts(void)
{
	static const struct in6_addr	 none;
	struct subsys_host		 h[SUBSYS_HOSTS_MAX];
	size_t				 n, i;
	int				 v4only = 1;

	/* Each IPv4 address of each bind, then each IPv6 /128. */
	n = hosts_of("create t\nadd t subsystem \"/bin/true\"\n"
	    "create u\nbind 198.18.0.30 u\n"
	    "bind 198.18.0.10 t\nbind 198.18.0.20 - 198.18.0.22 t\n"
	    "bind 2001:db8::5 t\nbind 2001:db8:1::/64 t\n"
	    "bind 2001:db8::6 u\n", "t", h);
	CHECK(n == 5);
	if (n == 5) {
		CHECK(h[0].host == 0xc612000a && h[1].host == 0xc6120014 &&
		    h[2].host == 0xc6120015 && h[3].host == 0xc6120016);
		for (i = 0; i < 4; i++)
			CHECK(memcmp(&h[i].host6, &none, sizeof(none)) == 0);
		/* The /64 is a prefix: served by a shared one only. */
		CHECK(is_host6(&h[4], "2001:db8::5"));
	}

	/* A /24 bound: the first SUBSYS_HOSTS_MAX addresses, in order. */
	n = hosts_of("create t\nadd t subsystem \"/bin/true\"\n"
	    "bind 198.18.1.0/24 t\nbind 2001:db8::5 t\n", "t", h);
	CHECK(n == SUBSYS_HOSTS_MAX);
	for (i = 0; i < n; i++)
		if (h[i].host != 0xc6120100 + i)
			v4only = 0;
	CHECK(v4only);

	/* Nothing bound: no host. */
	CHECK(hosts_of("create t\nadd t subsystem \"/bin/true\"\n", "t",
	    h) == 0);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	test_elf();
	test_hosts();
	test_sublisten();
	test_sublisten6();
	test_mapped();
	rmdir(tmpdir);
	return (unit_done());
}
