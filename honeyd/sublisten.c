/*
 * Engine: the ports subsystems listen on (subsys.c in the parent says
 * which).  A SYN to a port declared "open" whose template's program
 * listens there becomes a connection relayed to the program
 * (ACTION_SUBSYS); while none listens the port is a plain open one.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "honeyd.h"

struct sublisten {
	TAILQ_ENTRY(sublisten)	 entry;
	struct subsys_listen	 l;
	char			*tmpl, *cmd;
	time_t			 since;
};
TAILQ_HEAD(sublistens, sublisten);

static struct sublistens	 sublistens =
				    TAILQ_HEAD_INITIALIZER(sublistens);

static void
sublisten_add(struct imsg *imsg)
{
	struct sublisten	*s;
	size_t			 len = imsg_get_len(imsg), n;
	const char		*p;

	if (len <= sizeof(s->l) + 1)
		fatalx("engine: short subsystem listen");
	p = (const char *)imsg->data + sizeof(s->l);
	n = len - sizeof(s->l);
	if (p[n - 1] != '\0' || strlen(p) + 1 >= n)
		fatalx("engine: bad subsystem listen");
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->tmpl = strdup(p)) == NULL ||
	    (s->cmd = strdup(p + strlen(p) + 1)) == NULL)
		fatal("sublisten_add");
	memcpy(&s->l, imsg->data, sizeof(s->l));
	s->since = time(NULL);
	TAILQ_INSERT_TAIL(&sublistens, s, entry);
}

static void
sublisten_del(struct imsg *imsg)
{
	struct sublisten	*s;
	uint32_t		 id;

	if (imsg_get_data(imsg, &id, sizeof(id)) == -1)
		fatalx("engine: bad subsystem unlisten");
	TAILQ_FOREACH(s, &sublistens, entry)
		if (s->l.id == id)
			break;
	if (s == NULL)
		return;
	TAILQ_REMOVE(&sublistens, s, entry);
	free(s->tmpl);
	free(s->cmd);
	free(s);
}

void
sublisten_dispatch(struct imsg *imsg)
{
	if (imsg->hdr.type == IMSG_SUBSYS_LISTEN)
		sublisten_add(imsg);
	else
		sublisten_del(imsg);
}

/* 1 if a program of template tmpl listens on TCP port for host addr. */
int
sublisten_find(const char *tmpl, uint32_t addr, uint16_t port)
{
	struct sublisten	*s;

	TAILQ_FOREACH(s, &sublistens, entry)
		if (s->l.port == port && (s->l.addr == 0 ||
		    s->l.addr == addr) && strcmp(s->tmpl, tmpl) == 0)
			return (1);
	return (0);
}

/* "show services": the listening port after id *after, in r. */
int
sublisten_ctl_next(uint32_t *after, struct ctlrec *r)
{
	struct sublisten	*s, *best = NULL;

	TAILQ_FOREACH(s, &sublistens, entry)
		if (s->l.id > *after && (best == NULL || s->l.id < best->l.id))
			best = s;
	if (best == NULL)
		return (0);
	ctlrec_init(r, "subsystem");
	ctlrec_str(r, "template", best->tmpl);
	ctlrec_str(r, "command", best->cmd);
	ctlrec_int(r, "pid", best->l.pid);
	ctlrec_str(r, "proto", "tcp");
	if (best->l.addr == 0)
		ctlrec_str(r, "address", "*");
	else
		ctlrec_addr(r, "address", best->l.addr);
	ctlrec_num(r, "port", best->l.port);
	ctlrec_int(r, "age", time(NULL) - best->since);
	*after = best->l.id;
	return (1);
}
