/*
 * The engine of the unit tests (engine_fixture.h), linked into each.
 * Failures are returned, not counted: unit.h's counters belong to the
 * test's own file.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "engine_fixture.h"

int			 fixture_other;

static struct imsgbuf	 parent_side;

/* The batch of frames being handed out (IMSG_PKT_OUT_BATCH). */
static uint8_t		 batch[IMSG_MAX_PAYLOAD];
static size_t		 batch_len, batch_off;

/*
 * Engine state with configuration conf_text, no fingerprints and room
 * for maxhosts hosts.  0, or -1 if the configuration does not parse.
 */
int
fixture_engine(const char *conf_text, size_t maxhosts)
{
	static struct engine	 e;
	static struct imsgev	 iev;
	int			 fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == -1)
		return (-1);
	/* Bursts must not block the writer while nobody reads. */
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	framebatch_forget(&iev.ibuf);
	batch_len = batch_off = 0;
	engine = &e;
	e.base = event_base_new();
	e.parent = &iev;
	imsgbuf_init(&iev.ibuf, fds[0]);
	imsgbuf_init(&parent_side, fds[1]);
	e.db = fpdb_load_buffer("none", "", 0);
	e.conf = config_parse_buffer("test", conf_text, strlen(conf_text),
	    NULL, NULL);
	e.generation = 1;
	host_init(maxhosts);
	tcp_init();
	return (e.db != NULL && e.conf != NULL ? 0 : -1);
}

/* The next frame of the batch at hand into r: 1, or 0 if none. */
static int
batch_next(struct fixture_reply *r)
{
	struct framebatch_frame	 f;

	if (!framebatch_next(batch, batch_len, &batch_off, &f))
		return (0);
	r->len = f.len;
	memcpy(r->pkt, f.pkt, f.len);
	return (1);
}

/*
 * The next packet the engine queued for the wire, into r: 1, or 0 when
 * there is none.  Other messages are skipped and counted in
 * fixture_other.
 */
int
fixture_next(struct fixture_reply *r)
{
	struct imsgbuf	*ib = &engine->parent->ibuf;
	struct imsg	 imsg;
	int		 guard;

	(void)framebatch_flush(ib);
	for (guard = 0; guard < 100000; guard++) {
		if (batch_next(r))
			return (1);
		if (imsg_get(&parent_side, &imsg) > 0) {
			if (imsg.hdr.type == IMSG_PKT_OUT_BATCH &&
			    framebatch_check(imsg.data,
			    imsg_get_len(&imsg)) > 0) {
				batch_len = imsg_get_len(&imsg);
				batch_off = 0;
				memcpy(batch, imsg.data, batch_len);
				imsg_free(&imsg);
				continue;
			}
			fixture_other++;
			imsg_free(&imsg);
			continue;
		}
		if (imsgbuf_queuelen(ib) > 0)
			(void)imsgbuf_write(ib);
		if (imsgbuf_read(&parent_side) <= 0 &&
		    imsgbuf_queuelen(ib) == 0)
			return (0);
	}
	return (0);
}

/*
 * How many packets the engine queued for the wire since the last call;
 * the last of them in r (if r is not NULL).
 */
int
fixture_replies(struct fixture_reply *r)
{
	static struct fixture_reply	 scratch;
	int				 n = 0;

	while (fixture_next(r != NULL ? r : &scratch) == 1)
		n++;
	return (n);
}
