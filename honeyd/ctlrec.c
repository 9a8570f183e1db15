/*
 * Control records: what the daemon answers honeydctl with.  A record is
 * its kind, then fields of (type, key, value), every part a
 * NUL-terminated string (honeyd.h).  Being self-describing, any record
 * prints as JSON or as columns without the client knowing it, and a
 * record of the parent's can be appended to one of the engine's.
 *
 * The daemon builds records (ctlrec_init and the typed adders); the
 * client reads them (ctlrec_kind, ctlrec_next), and checks every byte:
 * a record that is not well formed is refused, never read past its end.
 */

#include <sys/types.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "honeyd.h"

static void
ctlrec_put(struct ctlrec *r, const char *s)
{
	size_t	 n = strlen(s) + 1;

	if (r->overflow || n > sizeof(r->buf) - r->len) {
		r->overflow = 1;
		return;
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
}

/* One field, whole or not at all. */
static void
ctlrec_field(struct ctlrec *r, int type, const char *key, const char *val)
{
	size_t	 need = 1 + strlen(key) + 1 + strlen(val) + 1;

	if (r->overflow || need > sizeof(r->buf) - r->len) {
		r->overflow = 1;
		return;
	}
	/* The type byte is followed directly by the key. */
	r->buf[r->len++] = (char)type;
	ctlrec_put(r, key);
	ctlrec_put(r, val);
}

void
ctlrec_init(struct ctlrec *r, const char *kind)
{
	r->len = 0;
	r->overflow = 0;
	ctlrec_put(r, kind);
}

void
ctlrec_str(struct ctlrec *r, const char *key, const char *val)
{
	ctlrec_field(r, CTLF_STRING, key, val != NULL ? val : "");
}

void
ctlrec_num(struct ctlrec *r, const char *key, uint64_t v)
{
	char	 buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	ctlrec_field(r, CTLF_NUMBER, key, buf);
}

void
ctlrec_int(struct ctlrec *r, const char *key, int64_t v)
{
	char	 buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	ctlrec_field(r, CTLF_NUMBER, key, buf);
}

void
ctlrec_float(struct ctlrec *r, const char *key, double v)
{
	char	 buf[64];

	/* JSON has no NaN or infinity. */
	if (v != v || v > 1e300 || v < -1e300)
		v = 0;
	snprintf(buf, sizeof(buf), "%.6g", v);
	ctlrec_field(r, CTLF_NUMBER, key, buf);
}

void
ctlrec_bool(struct ctlrec *r, const char *key, int v)
{
	ctlrec_field(r, CTLF_BOOL, key, v ? "true" : "false");
}

void
ctlrec_addr(struct ctlrec *r, const char *key, uint32_t addr)
{
	char	 buf[16];

	ctlrec_str(r, key, addr_fmt(addr, buf, sizeof(buf)));
}

/* A string inside buf[off..len): its length, or -1 if unterminated. */
static ssize_t
ctlrec_string(const char *buf, size_t len, size_t off)
{
	const char	*end;

	if (off >= len)
		return (-1);
	if ((end = memchr(buf + off, '\0', len - off)) == NULL)
		return (-1);
	return (end - (buf + off));
}

/* The record's kind, and where its fields start; -1 if malformed. */
int
ctlrec_kind(const void *data, size_t len, const char **kind, size_t *off)
{
	ssize_t	 n;

	if ((n = ctlrec_string(data, len, 0)) <= 0)
		return (-1);
	*kind = data;
	*off = n + 1;
	return (0);
}

/*
 * The field at *off: 1 and the field, 0 at the end, -1 if malformed.
 * The strings point into data.
 */
int
ctlrec_next(const void *data, size_t len, size_t *off, struct ctlfield *f)
{
	const char	*buf = data;
	size_t		 o = *off;
	ssize_t		 nk, nv;

	if (o == len)
		return (0);
	if (o > len)
		return (-1);
	f->type = (unsigned char)buf[o++];
	if (f->type != CTLF_STRING && f->type != CTLF_NUMBER &&
	    f->type != CTLF_BOOL)
		return (-1);
	if ((nk = ctlrec_string(buf, len, o)) <= 0)
		return (-1);
	f->key = buf + o;
	o += nk + 1;
	if ((nv = ctlrec_string(buf, len, o)) < 0)
		return (-1);
	f->value = buf + o;
	o += nv + 1;
	*off = o;
	return (1);
}

/* Append the fields of another whole record (its kind is dropped). */
int
ctlrec_append(struct ctlrec *r, const void *data, size_t len)
{
	struct ctlfield	 f;
	const char	*kind;
	size_t		 off;
	int		 n;

	if (ctlrec_kind(data, len, &kind, &off) == -1)
		return (-1);
	while ((n = ctlrec_next(data, len, &off, &f)) == 1)
		ctlrec_field(r, f.type, f.key, f.value);
	return (n);
}
