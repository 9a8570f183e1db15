/*
 * Fuzz target: the parser of batches of frames (framebatch.c), which
 * the parent runs on what a possibly subverted engine sends.
 *
 * Input: one mode byte, then
 *   mode & 1 == 0	a batch's payload as received (copied 4-byte
 *			aligned, as imsg hands it over): framebatch_check
 *			accepts it or not; if it does, the walk yields as
 *			many frames, each inside the payload and covering
 *			it exactly, and the same frames composed again
 *			parse back the same; if not, the walk never leaves
 *			the payload.
 *   mode & 1 == 1	records "len_hi len_lo" then len bytes (fewer at
 *			the end): frames composed into batches (split when
 *			full), each of which must parse back to them.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "fuzz.h"

#define MAXFRAMES	4096

struct span {
	size_t		 off, len;
	uint8_t		 kind, iface;
};

static uint32_t		 aligned[(IMSG_MAX_PAYLOAD + 3) / 4];
static struct span	 spans[MAXFRAMES];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(1, 0);
	return (0);
}

/* Every batch queued on ib parses to frames n0.. of spans over src. */
static size_t
check_queue(struct imsgbuf *ib, const uint8_t *src, size_t n0)
{
	struct framebatch_frame	 f;
	struct imsg_hdr		 hdr;
	const uint8_t		*p;
	size_t			 len, off, n = n0;

	if (framebatch_flush(ib) == -1)
		fuzz_fail("a batch does not compose");
	while (ib->opos < ib->olen) {
		memcpy(&hdr, ib->obuf + ib->opos, sizeof(hdr));
		p = ib->obuf + ib->opos + IMSG_HEADER_SIZE;
		len = hdr.len - IMSG_HEADER_SIZE;
		ib->opos += IMSG_ALIGN(hdr.len);
		if (hdr.type != IMSG_PKT_OUT_BATCH ||
		    framebatch_check(p, len) <= 0)
			fuzz_fail("a composed batch does not parse");
		off = 0;
		while (framebatch_next(p, len, &off, &f)) {
			if (f.len != spans[n].len || f.kind != FRAME_OUT ||
			    memcmp(f.pkt, src + spans[n].off, f.len) != 0)
				fuzz_fail("frame %zu differs", n);
			n++;
		}
	}
	ib->olen = ib->opos = 0;
	return (n);
}

static void
fuzz_parse(const uint8_t *data, size_t len)
{
	struct imsgbuf		 ib;
	struct framebatch_frame	 f;
	const uint8_t		*buf = (const uint8_t *)aligned;
	size_t			 off = 0, n = 0, covered = 0;
	ssize_t			 count;

	if (len > sizeof(aligned))
		return;
	memcpy(aligned, data, len);
	count = framebatch_check(buf, len);
	while (framebatch_next(buf, len, &off, &f)) {
		if (f.pkt < buf || f.len == 0 || f.pkt + f.len > buf + len ||
		    off > len)
			fuzz_fail("a frame outside the batch");
		covered += IMSG_ALIGN(sizeof(struct framebatch_rec) + f.len);
		if (n < MAXFRAMES) {
			spans[n].off = f.pkt - buf;
			spans[n].len = f.len;
		}
		n++;
	}
	if (count == -1)
		return;
	if ((size_t)count != n || covered != len)
		fuzz_fail("check says %zd frames, the walk %zu", count, n);
	if (n > MAXFRAMES)
		return;
	imsgbuf_init(&ib, -1);
	for (off = 0; off < n; off++)
		(void)framebatch_add(&ib, IMSG_PKT_OUT_BATCH, FRAME_OUT, 0,
		    buf + spans[off].off, spans[off].len);
	if (check_queue(&ib, buf, 0) != n)
		fuzz_fail("frames lost composing again");
	framebatch_forget(&ib);
	imsgbuf_clear(&ib);
}

static void
fuzz_compose(const uint8_t *data, size_t len)
{
	struct imsgbuf	 ib;
	size_t		 off = 0, n = 0, flen, done = 0;

	imsgbuf_init(&ib, -1);
	while (len - off >= 2 && n < MAXFRAMES) {
		flen = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (flen > len - off)
			flen = len - off;
		if (flen == 0)
			continue;
		spans[n].off = off;
		spans[n].len = flen;
		/* A full batch is composed first; check it as it goes. */
		if (framebatch_add(&ib, IMSG_PKT_OUT_BATCH, FRAME_OUT, 0,
		    data + off, flen) == -1)
			fuzz_fail("frame %zu not added", n);
		n++;
		off += flen;
		if (ib.olen > 0)
			done = check_queue(&ib, data, done);
	}
	if (check_queue(&ib, data, done) != n)
		fuzz_fail("frames lost");
	framebatch_forget(&ib);
	imsgbuf_clear(&ib);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < 1)
		return (0);
	if (data[0] & 1)
		fuzz_compose(data + 1, len - 1);
	else
		fuzz_parse(data + 1, len - 1);
	return (0);
}
