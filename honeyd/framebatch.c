/*
 * Frames between the parent and an engine, many to one message.
 *
 * One imsg per frame cost a 16-byte header and a pass of imsg_get() per
 * packet on both sides.  Instead each side gathers the frames for one
 * peer in a batch and composes the whole batch as a single imsg
 * (IMSG_PKT_IN_BATCH to an engine, IMSG_PKT_OUT_BATCH to the parent)
 * at the end of its event loop turn: the end of a capture read in the
 * parent, of a dispatch or a timer in the engine.  A lone ping is then
 * one batch of one frame, sent as soon as it was before.
 *
 * A batch's payload is a run of records: a struct framebatch_rec, then
 * the IP packet, then zeros up to the next multiple of 4 bytes, so that
 * every record, and every packet, starts 4-byte aligned in the imsg's
 * (aligned) receive buffer, where the engine reads headers in place.
 *
 * Batches are kept per destination imsgbuf, so that a parent with any
 * number of engines fills one batch per engine.  The batch buffers are
 * allocated once, at a destination's first frame: no allocation per
 * frame.  The receiving side must not trust a batch: framebatch_check()
 * walks all its lengths before a frame is used.
 *
 * What it saves is small: composing and taking a frame costs some 15 ns
 * of user time either way (measured; a batch of one frame 10 ns more,
 * for its extra copy), against microseconds of wakeups and kernel work
 * per answer, and one write(2) already carried many one-frame messages.
 * It is the unit the parent hands each of several engines.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"

#define FRAMEBATCH_DESTS	64	/* engines and the parent */
#define FRAMEBATCH_CAP		IMSG_MAX_PAYLOAD

struct framebatch {
	struct imsgbuf	*ibuf;		/* NULL: a free slot */
	uint32_t	 type;		/* of the pending batch */
	uint8_t		*buf;		/* FRAMEBATCH_CAP bytes */
	size_t		 len;
	size_t		 nframes;
};

static struct framebatch	 framebatches[FRAMEBATCH_DESTS];
static size_t			 framebatch_drops;

static struct framebatch *
framebatch_find(struct imsgbuf *ibuf, int create)
{
	struct framebatch	*fb, *free_fb = NULL;
	size_t			 i;

	for (i = 0; i < FRAMEBATCH_DESTS; i++) {
		fb = &framebatches[i];
		if (fb->ibuf == ibuf)
			return (fb);
		if (fb->ibuf == NULL && free_fb == NULL)
			free_fb = fb;
	}
	if (!create || free_fb == NULL)
		return (NULL);
	if (free_fb->buf == NULL &&
	    (free_fb->buf = malloc(FRAMEBATCH_CAP)) == NULL)
		return (NULL);
	free_fb->ibuf = ibuf;
	free_fb->len = free_fb->nframes = 0;
	return (free_fb);
}

/* Compose the pending batch; its frames are lost if that fails. */
static int
framebatch_send(struct framebatch *fb)
{
	int	 rv = 0;

	if (fb->nframes == 0)
		return (0);
	if (imsg_compose(fb->ibuf, fb->type, 0, 0, -1, fb->buf,
	    fb->len) == -1) {
		framebatch_drops += fb->nframes;
		rv = -1;
	}
	fb->len = fb->nframes = 0;
	return (rv);
}

/*
 * Add one frame (an IP packet, 1 to HONEYD_MAX_PKT bytes) to ibuf's
 * batch of type.  A full batch, or one of another type, is composed
 * first.  -1 if the frame cannot be added, or if composing the earlier
 * batch failed: framebatch_dropped() then says how many frames were
 * lost, for the caller's counters.
 */
int
framebatch_add(struct imsgbuf *ibuf, uint32_t type, uint8_t kind,
    uint8_t iface, const void *pkt, size_t len)
{
	struct framebatch	*fb;
	struct framebatch_rec	 rec;
	size_t			 need;
	int			 rv = 0;

	if (len == 0 || len > HONEYD_MAX_PKT) {
		errno = EMSGSIZE;
		framebatch_drops++;
		return (-1);
	}
	if ((fb = framebatch_find(ibuf, 1)) == NULL) {
		framebatch_drops++;
		return (-1);
	}
	need = IMSG_ALIGN(sizeof(rec) + len);
	if (fb->nframes > 0 && (fb->type != type ||
	    FRAMEBATCH_CAP - fb->len < need))
		rv = framebatch_send(fb);
	fb->type = type;
	rec.len = len;
	rec.kind = kind;
	rec.iface = iface;
	memcpy(fb->buf + fb->len, &rec, sizeof(rec));
	memcpy(fb->buf + fb->len + sizeof(rec), pkt, len);
	memset(fb->buf + fb->len + sizeof(rec) + len, 0,
	    need - sizeof(rec) - len);
	fb->len += need;
	fb->nframes++;
	return (rv);
}

/* Whether ibuf has frames waiting to be composed. */
int
framebatch_pending(struct imsgbuf *ibuf)
{
	struct framebatch	*fb;

	return ((fb = framebatch_find(ibuf, 0)) != NULL && fb->nframes > 0);
}

/* Compose ibuf's pending batch into its output queue (not written). */
int
framebatch_flush(struct imsgbuf *ibuf)
{
	struct framebatch	*fb;

	if ((fb = framebatch_find(ibuf, 0)) == NULL)
		return (0);
	return (framebatch_send(fb));
}

/* Every destination's pending batch, composed (the caller writes). */
int
framebatch_flush_all(void)
{
	size_t	 i;
	int	 rv = 0;

	for (i = 0; i < FRAMEBATCH_DESTS; i++)
		if (framebatch_send(&framebatches[i]) == -1)
			rv = -1;
	return (rv);
}

/*
 * The destination is gone (an engine died): its pending frames are
 * dropped uncounted, as its queue is, and the slot is free again.
 */
void
framebatch_forget(struct imsgbuf *ibuf)
{
	struct framebatch	*fb;

	if ((fb = framebatch_find(ibuf, 0)) == NULL)
		return;
	fb->ibuf = NULL;
	fb->len = fb->nframes = 0;
}

/* Frames lost since the last call (compose failed, bad size, no slot). */
size_t
framebatch_dropped(void)
{
	size_t	 n = framebatch_drops;

	framebatch_drops = 0;
	return (n);
}

/*
 * The number of frames in a received batch, or -1 if any record's
 * length is impossible: 0, longer than the rest of the batch, or
 * leaving a tail too short for a record.  An empty batch is malformed
 * too: no sender makes one.
 */
ssize_t
framebatch_check(const void *data, size_t len)
{
	const uint8_t		*p = data;
	struct framebatch_rec	 rec;
	size_t			 off = 0, need;
	ssize_t			 n = 0;

	if (len == 0 || (len % IMSG_ALIGNMENT) != 0)
		return (-1);
	while (off < len) {
		if (len - off < sizeof(rec))
			return (-1);
		memcpy(&rec, p + off, sizeof(rec));
		need = IMSG_ALIGN(sizeof(rec) + rec.len);
		if (rec.len == 0 || need > len - off)
			return (-1);
		off += need;
		n++;
	}
	return (n);
}

/*
 * Walk a batch framebatch_check() accepted: 1 and the next frame in *f,
 * 0 at the end.  *off starts at 0.
 */
int
framebatch_next(const void *data, size_t len, size_t *off,
    struct framebatch_frame *f)
{
	const uint8_t		*p = data;
	struct framebatch_rec	 rec;

	if (*off >= len || len - *off < sizeof(rec))
		return (0);
	memcpy(&rec, p + *off, sizeof(rec));
	if (rec.len == 0 || IMSG_ALIGN(sizeof(rec) + rec.len) > len - *off)
		return (0);
	f->pkt = p + *off + sizeof(rec);
	f->len = rec.len;
	f->kind = rec.kind;
	f->iface = rec.iface;
	*off += IMSG_ALIGN(sizeof(rec) + rec.len);
	return (1);
}
