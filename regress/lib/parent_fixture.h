/*
 * The parent in a unit test's own process: its event base, the wire
 * and one engine whose end of the imsg channel the test reads.  Only
 * the tests that define the global parent include it.  Failures are
 * returned, not counted, as in engine_fixture.c.
 */

#ifndef PARENT_FIXTURE_H
#define PARENT_FIXTURE_H

#include <sys/types.h>
#include <sys/socket.h>

/*
 * par becomes the process's parent, with an event base, wire_init()
 * done and eng as its one engine; what is sent to eng arrives on
 * *eng_side.  0, or -1.
 */
static inline int
fixture_parent(struct parent *par, struct imsgev *eng,
    struct imsgbuf *eng_side)
{
	int	 fds[2];

	log_init(1, 0);
	parent = par;
	if ((par->base = event_base_new()) == NULL || wire_init() != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
		return (-1);
	imsgbuf_init(&eng->ibuf, fds[0]);
	imsgbuf_init(eng_side, fds[1]);
	par->engine = eng;
	par->engines[0] = eng;
	par->nengines = 1;
	return (0);
}

#endif /* PARENT_FIXTURE_H */
