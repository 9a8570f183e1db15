/*
 * Subsystems: which programs can take the preloaded library (an ELF with
 * an interpreter; a script's interpreter in its stead), and the engine's
 * table of listening ports (sublisten.c).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
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
add_listen(uint32_t id, uint32_t addr, uint16_t port, const char *tmpl)
{
	struct subsys_listen	 l;
	char			 buf[sizeof(l) + 64];
	size_t			 n;

	memset(&l, 0, sizeof(l));
	l.id = id;
	l.addr = addr;
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
test_sublisten(void)
{
	struct ctlrec	 r;
	uint32_t	 after = 0, id;
	int		 n = 0;

	add_listen(1, 0, 8080, "web");
	add_listen(2, 0xc6130b0a, 8081, "solo");
	CHECK(sublisten_find("web", 0xc613010a, 8080) == 1);
	CHECK(sublisten_find("web", 0xc613010b, 8080) == 1);
	CHECK(sublisten_find("web", 0xc613010a, 8081) == 0);
	CHECK(sublisten_find("other", 0xc613010a, 8080) == 0);
	/* Another host's process: not this one's port. */
	CHECK(sublisten_find("solo", 0xc6130b0a, 8081) == 1);
	CHECK(sublisten_find("solo", 0xc6130b0b, 8081) == 0);
	while (sublisten_ctl_next(&after, 0, &r))
		n++;
	CHECK(n == 2);
	id = 1;
	listen_msg(IMSG_SUBSYS_UNLISTEN, &id, sizeof(id));
	CHECK(sublisten_find("web", 0xc613010a, 8080) == 0);
	CHECK(sublisten_find("solo", 0xc6130b0a, 8081) == 1);
	/* An id not listening: nothing happens. */
	id = 99;
	listen_msg(IMSG_SUBSYS_UNLISTEN, &id, sizeof(id));
	CHECK(sublisten_find("solo", 0xc6130b0a, 8081) == 1);
	id = 2;
	listen_msg(IMSG_SUBSYS_UNLISTEN, &id, sizeof(id));
	after = 0;
	CHECK(sublisten_ctl_next(&after, 0, &r) == 0);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	test_elf();
	test_sublisten();
	rmdir(tmpdir);
	return (unit_done());
}
