/*
 * What honeydctl prints: an answer's records as columns or as one JSON
 * document, and monitor events.  Records describe themselves (ctlrec.c),
 * so a table here only says how the kinds we know look best; any other
 * kind, or a field the table does not name, still prints, as "key:
 * value" lines, so that a newer daemon never breaks an older client.
 *
 * Whatever the daemon sends is untrusted: control bytes never reach the
 * terminal raw, and the JSON written is valid whatever the bytes.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"
#include "honeydctl.h"

struct outrec {
	TAILQ_ENTRY(outrec)	 entry;
	const char		*kind;
	size_t			 off;		/* the first field */
	size_t			 len;
	char			 data[];
};
TAILQ_HEAD(outrecs, outrec);

struct output {
	FILE		*fp;
	int		 json;
	struct outrecs	 recs;
};

/* How a kind prints as columns: its keys in order, and their headers. */
#define COLS_MAX	10

struct column {
	const char	*key;
	const char	*header;
};

struct layout {
	const char	*kind;
	struct column	 cols[COLS_MAX];
};

static const struct layout layouts[] = {
	{ "template", {
	    { "name", "TEMPLATE" }, { "personality", "PERSONALITY" },
	    { "tcp", "TCP" }, { "udp", "UDP" }, { "icmp", "ICMP" },
	    { "ports", "PORTS" }, { "hosts", "HOSTS" } } },
	{ "host", {
	    { "address", "ADDRESS" }, { "template", "TEMPLATE" },
	    { "personality", "PERSONALITY" }, { "ethernet", "ETHERNET" },
	    { "uptime", "UPTIME" }, { "connections", "CONNS" } } },
	{ "bind", {
	    { "address", "ADDRESS" }, { "template", "TEMPLATE" } } },
	{ "route", {
	    { "router", "ROUTER" }, { "kind", "KIND" },
	    { "net", "NETWORK" }, { "gateway", "GATEWAY" },
	    { "mtu", "MTU" }, { "latency", "LATENCY" },
	    { "loss", "LOSS" }, { "bandwidth", "BANDWIDTH" } } },
	{ "connection", {
	    { "proto", "PROTO" }, { "src_ip", "SOURCE" },
	    { "src_port", "SPORT" }, { "dst_ip", "DESTINATION" },
	    { "dst_port", "DPORT" }, { "state", "STATE" },
	    { "age", "AGE" }, { "bytes_in", "IN" }, { "bytes_out", "OUT" } } },
	{ "service", {
	    { "pid", "PID" }, { "template", "TEMPLATE" },
	    { "proto", "PROTO" }, { "port", "PORT" },
	    { "src_ip", "SOURCE" }, { "uptime", "UPTIME" },
	    { "command", "COMMAND" } } },
};

/*
 * Text.
 */

/* The length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned int	 c;
	size_t		 len, i;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return (0);
	if (len > n)
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and past U+10FFFF are not UTF-8. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return (0);
	return (len);
}

/* A JSON string; invalid UTF-8 bytes become U+FFFD. */
void
json_string(FILE *fp, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), l;

	fputc('"', fp);
	while (n > 0) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(fp, "\\u%04x", *s);
		else if ((l = utf8_len(s, n)) == 0)
			fputs("\\ufffd", fp);
		else {
			fwrite(s, 1, l, fp);
			s += l;
			n -= l;
			continue;
		}
		s++;
		n--;
	}
	fputc('"', fp);
}

/* The length of the JSON number at s, 0 if there is none. */
static size_t
json_numlen(const char *s)
{
	const char	*p = s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (isdigit((unsigned char)*p))
			p++;
	else
		return (0);
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return (0);
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return (0);
		while (isdigit((unsigned char)*p))
			p++;
	}
	return (p - s);
}

/* A number field as given; one that is no JSON number, as a string. */
void
json_number(FILE *fp, const char *s)
{
	if (*s != '\0' && json_numlen(s) == strlen(s))
		fputs(s, fp);
	else
		json_string(fp, s);
}

static void
json_value(FILE *fp, int type, const char *v)
{
	if (type == CTLF_NUMBER)
		json_number(fp, v);
	else if (type == CTLF_BOOL && (strcmp(v, "true") == 0 ||
	    strcmp(v, "false") == 0))
		fputs(v, fp);
	else
		json_string(fp, v);
}

/*
 * Text for a terminal: control bytes and invalid UTF-8 as \xNN.  Returns
 * the columns used, roughly (a UTF-8 sequence counts one).
 */
static size_t
put_vis(FILE *fp, const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), l, cols = 0;

	while (n > 0) {
		l = utf8_len(s, n);
		if (l == 0 || *s < 0x20 || *s == 0x7f) {
			fprintf(fp, "\\x%02x", *s);
			l = 1;
			cols += 4;
		} else {
			fwrite(s, 1, l, fp);
			cols++;
		}
		s += l;
		n -= l;
	}
	return (cols);
}

static size_t
vis_width(const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n = strlen(str), l, cols = 0;

	while (n > 0) {
		l = utf8_len(s, n);
		if (l == 0 || *s < 0x20 || *s == 0x7f) {
			l = 1;
			cols += 4;
		} else
			cols++;
		s += l;
		n -= l;
	}
	return (cols);
}

static void
put_pad(FILE *fp, size_t n)
{
	while (n-- > 0)
		fputc(' ', fp);
}

/*
 * Records.
 */

struct output *
output_new(FILE *fp, int json)
{
	struct output	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return (NULL);
	o->fp = fp;
	o->json = json;
	TAILQ_INIT(&o->recs);
	return (o);
}

void
output_free(struct output *o)
{
	struct outrec	*r;

	if (o == NULL)
		return;
	while ((r = TAILQ_FIRST(&o->recs)) != NULL) {
		TAILQ_REMOVE(&o->recs, r, entry);
		free(r);
	}
	free(o);
}

/* Keep a record for output_end(): 0, or -1 if it is not well formed. */
int
output_record(struct output *o, const void *data, size_t len)
{
	struct outrec	*r;
	struct ctlfield	 f;
	const char	*kind;
	size_t		 off, first;
	int		 n;

	if (data == NULL || ctlrec_kind(data, len, &kind, &off) == -1)
		return (-1);
	first = off;
	while ((n = ctlrec_next(data, len, &off, &f)) == 1)
		;
	if (n == -1)
		return (-1);
	if ((r = malloc(sizeof(*r) + len)) == NULL)
		return (-1);
	memcpy(r->data, data, len);
	r->kind = r->data;
	r->off = first;
	r->len = len;
	TAILQ_INSERT_TAIL(&o->recs, r, entry);
	return (0);
}

/* The value of key in r, or NULL; its type in *type. */
static const char *
rec_get(const struct outrec *r, const char *key, int *type)
{
	struct ctlfield	 f;
	size_t		 off = r->off;

	while (ctlrec_next(r->data, r->len, &off, &f) == 1) {
		if (strcmp(f.key, key) == 0) {
			if (type != NULL)
				*type = f.type;
			return (f.value);
		}
	}
	return (NULL);
}

static void
json_record(FILE *fp, const struct outrec *r)
{
	struct ctlfield	 f;
	size_t		 off = r->off;
	int		 first = 1;

	fputc('{', fp);
	while (ctlrec_next(r->data, r->len, &off, &f) == 1) {
		if (!first)
			fputc(',', fp);
		first = 0;
		json_string(fp, f.key);
		fputc(':', fp);
		json_value(fp, f.type, f.value);
	}
	fputc('}', fp);
}

/* Was kind already printed, by a record before r? */
static int
kind_seen(const struct output *o, const struct outrec *r)
{
	const struct outrec	*p;

	for (p = TAILQ_FIRST(&o->recs); p != r; p = TAILQ_NEXT(p, entry))
		if (strcmp(p->kind, r->kind) == 0)
			return (1);
	return (0);
}

/* {"kind":[{...},...],...,"result":"text"}: one document. */
static void
json_end(struct output *o, const char *text)
{
	const struct outrec	*r, *q;
	int			 first = 1, firstrec;

	fputc('{', o->fp);
	TAILQ_FOREACH(r, &o->recs, entry) {
		if (kind_seen(o, r))
			continue;
		if (!first)
			fputc(',', o->fp);
		first = 0;
		json_string(o->fp, r->kind);
		fputs(":[", o->fp);
		firstrec = 1;
		for (q = r; q != NULL; q = TAILQ_NEXT(q, entry)) {
			if (strcmp(q->kind, r->kind) != 0)
				continue;
			if (!firstrec)
				fputc(',', o->fp);
			firstrec = 0;
			json_record(o->fp, q);
		}
		fputc(']', o->fp);
	}
	if (text != NULL && *text != '\0') {
		if (!first)
			fputc(',', o->fp);
		fputs("\"result\":", o->fp);
		json_string(o->fp, text);
	}
	fputs("}\n", o->fp);
}

/* Generic: "key: value" lines, a blank line between records. */
static void
human_generic(FILE *fp, const struct outrec *r, const char *indent)
{
	struct ctlfield	 f;
	size_t		 off = r->off;

	while (ctlrec_next(r->data, r->len, &off, &f) == 1) {
		fputs(indent, fp);
		put_vis(fp, f.key);
		fputs(": ", fp);
		put_vis(fp, f.value);
		fputc('\n', fp);
	}
}

/* status: "Key: value", values aligned. */
static void
human_status(FILE *fp, const struct outrec *r)
{
	struct ctlfield	 f;
	size_t		 off = r->off, w = 0, kw;
	int		 c;

	while (ctlrec_next(r->data, r->len, &off, &f) == 1)
		if ((kw = vis_width(f.key)) > w)
			w = kw;
	off = r->off;
	while (ctlrec_next(r->data, r->len, &off, &f) == 1) {
		/* config_file: "Config file" */
		c = (unsigned char)f.key[0];
		if (c >= 'a' && c <= 'z')
			fputc(c - 'a' + 'A', fp);
		else if (c == '_')
			fputc(' ', fp);
		else
			put_vis(fp, (char []){ (char)c, '\0' });
		for (const char *p = f.key + 1; *p != '\0'; p++) {
			if (*p == '_')
				fputc(' ', fp);
			else
				put_vis(fp, (char []){ *p, '\0' });
		}
		fputc(':', fp);
		put_pad(fp, w - vis_width(f.key) + 1);
		put_vis(fp, f.value);
		fputc('\n', fp);
	}
}

/* Counters from first up to the next other kind: "name value". */
static const struct outrec *
human_counters(FILE *fp, const struct outrec *first)
{
	const struct outrec	*r, *end;
	const char		*proc, *last = NULL, *name, *val;
	size_t			 nw = 0, vw = 0, w;

	for (end = first; end != NULL && strcmp(end->kind, "counter") == 0;
	    end = TAILQ_NEXT(end, entry)) {
		if ((name = rec_get(end, "name", NULL)) != NULL &&
		    (w = vis_width(name)) > nw)
			nw = w;
		if ((val = rec_get(end, "value", NULL)) != NULL &&
		    (w = vis_width(val)) > vw)
			vw = w;
	}
	for (r = first; r != end; r = TAILQ_NEXT(r, entry)) {
		name = rec_get(r, "name", NULL);
		val = rec_get(r, "value", NULL);
		if (name == NULL || val == NULL) {
			human_generic(fp, r, "");
			continue;
		}
		proc = rec_get(r, "process", NULL);
		if (proc != NULL && (last == NULL || strcmp(proc, last) != 0)) {
			put_vis(fp, proc);
			fputs(":\n", fp);
			last = proc;
		}
		fputs(proc != NULL ? "  " : "", fp);
		w = put_vis(fp, name);
		put_pad(fp, nw - w + 2 + vw - vis_width(val));
		put_vis(fp, val);
		fputc('\n', fp);
	}
	return (end);
}

static const struct layout *
layout_of(const char *kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (strcmp(layouts[i].kind, kind) == 0)
			return (&layouts[i]);
	return (NULL);
}

static int
layout_has(const struct layout *l, const char *key)
{
	int	 i;

	for (i = 0; i < COLS_MAX && l->cols[i].key != NULL; i++)
		if (strcmp(l->cols[i].key, key) == 0)
			return (1);
	return (0);
}

/* One row: the columns of widths w[] (0: not shown), then other keys. */
static void
human_row(FILE *fp, const struct layout *l, const size_t *w, int right[],
    const struct outrec *r)
{
	struct ctlfield	 f;
	const char	*v;
	size_t		 off = r->off, used;
	int		 i, type = CTLF_STRING, pending = 0;

	for (i = 0; i < COLS_MAX && l->cols[i].key != NULL; i++) {
		if (w[i] == 0)
			continue;
		put_pad(fp, pending);
		if ((v = rec_get(r, l->cols[i].key, &type)) == NULL)
			v = "-";
		if (right[i])
			put_pad(fp, w[i] - vis_width(v));
		used = put_vis(fp, v);
		pending = right[i] ? 2 : (int)(w[i] - used + 2);
	}
	fputc('\n', fp);
	while (ctlrec_next(r->data, r->len, &off, &f) == 1) {
		if (layout_has(l, f.key))
			continue;
		fputs("    ", fp);
		put_vis(fp, f.key);
		fputs(": ", fp);
		put_vis(fp, f.value);
		fputc('\n', fp);
	}
}

/*
 * Records of a known kind from first up to the next other kind, under
 * one header.  A column no record has is left out, so that fields the
 * daemon names otherwise only fall back to "key: value" lines.
 */
static const struct outrec *
human_table(FILE *fp, const struct layout *l, const struct outrec *first)
{
	const struct outrec	*r, *end;
	const char		*v;
	size_t			 w[COLS_MAX] = { 0 }, vw, pending = 0;
	int			 right[COLS_MAX] = { 0 }, i, type, shown = 0;

	for (end = first; end != NULL && strcmp(end->kind, l->kind) == 0;
	    end = TAILQ_NEXT(end, entry)) {
		for (i = 0; i < COLS_MAX && l->cols[i].key != NULL; i++) {
			if ((v = rec_get(end, l->cols[i].key, &type)) == NULL)
				continue;
			if (w[i] == 0) {
				w[i] = strlen(l->cols[i].header);
				right[i] = 1;
			}
			if (type != CTLF_NUMBER)
				right[i] = 0;
			if ((vw = vis_width(v)) > w[i])
				w[i] = vw;
		}
	}
	for (i = 0; i < COLS_MAX && l->cols[i].key != NULL; i++) {
		if (w[i] == 0)
			continue;
		put_pad(fp, pending);
		if (right[i])
			put_pad(fp, w[i] - strlen(l->cols[i].header));
		fputs(l->cols[i].header, fp);
		pending = right[i] ? 2 : w[i] - strlen(l->cols[i].header) + 2;
		shown = 1;
	}
	if (shown)
		fputc('\n', fp);
	for (r = first; r != end; r = TAILQ_NEXT(r, entry)) {
		if (shown)
			human_row(fp, l, w, right, r);
		else {
			human_generic(fp, r, "");
			if (TAILQ_NEXT(r, entry) != end)
				fputc('\n', fp);
		}
	}
	return (end);
}

static void
human_end(struct output *o, const char *text)
{
	const struct outrec	*r, *next;
	const struct layout	*l;

	for (r = TAILQ_FIRST(&o->recs); r != NULL; r = next) {
		if (r != TAILQ_FIRST(&o->recs))
			fputc('\n', o->fp);
		if (strcmp(r->kind, "status") == 0) {
			human_status(o->fp, r);
			next = TAILQ_NEXT(r, entry);
		} else if (strcmp(r->kind, "counter") == 0)
			next = human_counters(o->fp, r);
		else if ((l = layout_of(r->kind)) != NULL)
			next = human_table(o->fp, l, r);
		else {
			put_vis(o->fp, r->kind);
			fputs(":\n", o->fp);
			human_generic(o->fp, r, "  ");
			next = TAILQ_NEXT(r, entry);
		}
	}
	if (text != NULL && *text != '\0') {
		put_vis(o->fp, text);
		fputc('\n', o->fp);
	}
}

/* The answer is complete (END, with its text or NULL): print it all. */
void
output_end(struct output *o, const char *text)
{
	if (o->json)
		json_end(o, text);
	else
		human_end(o, text);
	fflush(o->fp);
}

/*
 * Monitor events: one JSON object per IMSG_CTL_EVENT.
 */

static void
put_quoted(FILE *fp, const char *v)
{
	const char	*p;
	char		*q, *o;
	int		 plain = (*v != '\0');

	for (p = v; *p != '\0' && plain; p++)
		if (isspace((unsigned char)*p) || *p == '"' || *p == '\\' ||
		    *p == '=')
			plain = 0;
	if (plain) {
		put_vis(fp, v);
		return;
	}
	/* "...", with \" and \\; put_vis shows what control bytes remain. */
	if ((q = o = malloc(2 * strlen(v) + 3)) == NULL)
		return;
	*o++ = '"';
	for (p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '"';
	*o = '\0';
	put_vis(fp, q);
	free(q);
}

/* "TIME EVENT key=value ...", from the flat object in m[0..n). */
static void
event_summary(FILE *fp, const struct flat_member *m, int n)
{
	const char	*time = NULL, *event = NULL;
	int		 i, sp = 0;

	for (i = 0; i < n; i++) {
		if (time == NULL && strcmp(m[i].key, "time") == 0)
			time = m[i].value;
		else if (event == NULL && strcmp(m[i].key, "event") == 0)
			event = m[i].value;
	}
	if (time != NULL) {
		put_vis(fp, time);
		sp = 1;
	}
	if (event != NULL) {
		fputs(sp ? " " : "", fp);
		put_vis(fp, event);
		sp = 1;
	}
	for (i = 0; i < n; i++) {
		if (m[i].value == time || m[i].value == event)
			continue;
		fputs(sp ? " " : "", fp);
		sp = 1;
		put_vis(fp, m[i].key);
		fputc('=', fp);
		put_quoted(fp, m[i].value);
	}
	fputc('\n', fp);
}

/*
 * One event, as its JSON line (-j) or summarized.  What the flat reader
 * cannot read prints raw, or with -j as {"raw":"the text"}, so that -j
 * output stays one JSON object per line.  stdout is flushed.
 */
void
output_event(FILE *fp, int json, const char *data, size_t len)
{
	struct flat_member	 m[FLAT_MAX];
	char			*line;
	size_t			 i;
	int			 n;

	if ((line = malloc(len + 1)) == NULL)
		return;
	memcpy(line, data, len);
	line[len] = '\0';
	/* A NUL ends the text; trailing blanks and newlines go. */
	len = strlen(line);
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		line[--len] = '\0';
	if (!json && flat_parse(line, len, m, &n) == 0) {
		event_summary(fp, m, n);
		flat_free(m, n);
	} else if (json && flat_parse(line, len, m, &n) == 0) {
		flat_free(m, n);
		/* JSON's own whitespace may be a newline: not ours. */
		for (i = 0; i < len; i++)
			if (line[i] == '\n' || line[i] == '\r')
				line[i] = ' ';
		fputs(line, fp);
		fputc('\n', fp);
	} else if (json) {
		/* What we cannot vouch for still makes a JSON line. */
		fputs("{\"raw\":", fp);
		json_string(fp, line);
		fputs("}\n", fp);
	} else {
		put_vis(fp, line);
		fputc('\n', fp);
	}
	free(line);
	fflush(fp);
}

/*
 * A strict reader of flat JSON objects: {"key": value, ...} whose values
 * are strings, numbers, true or false.  Anything else, -1.
 */

struct jreader {
	const unsigned char	*p, *end;
};

static void
jr_space(struct jreader *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
jr_hex4(struct jreader *j, unsigned int *v)
{
	int	 i, c;

	if (j->end - j->p < 4)
		return (-1);
	*v = 0;
	for (i = 0; i < 4; i++) {
		c = *j->p++;
		if (!isxdigit(c))
			return (-1);
		*v = *v * 16 + (isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
	}
	return (0);
}

static size_t
utf8_put(char *o, unsigned int c)
{
	if (c < 0x80) {
		o[0] = c;
		return (1);
	}
	if (c < 0x800) {
		o[0] = 0xc0 | (c >> 6);
		o[1] = 0x80 | (c & 0x3f);
		return (2);
	}
	if (c < 0x10000) {
		o[0] = 0xe0 | (c >> 12);
		o[1] = 0x80 | ((c >> 6) & 0x3f);
		o[2] = 0x80 | (c & 0x3f);
		return (3);
	}
	o[0] = 0xf0 | (c >> 18);
	o[1] = 0x80 | ((c >> 12) & 0x3f);
	o[2] = 0x80 | ((c >> 6) & 0x3f);
	o[3] = 0x80 | (c & 0x3f);
	return (4);
}

/* \uXXXX, a surrogate pair whole: the code point in *c. */
static int
jr_unicode(struct jreader *j, unsigned int *c)
{
	unsigned int	 lo;

	if (jr_hex4(j, c) == -1)
		return (-1);
	if (*c >= 0xdc00 && *c <= 0xdfff)
		return (-1);
	if (*c < 0xd800 || *c > 0xdbff)
		return (0);
	if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
		return (-1);
	j->p += 2;
	if (jr_hex4(j, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
		return (-1);
	*c = 0x10000 + ((*c - 0xd800) << 10) + (lo - 0xdc00);
	return (0);
}

static int
jr_escape(struct jreader *j, char *out, size_t *o)
{
	static const char	 from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*e;
	unsigned int		 c;

	if (j->p >= j->end)
		return (-1);
	c = *j->p++;
	if (c == 'u') {
		if (jr_unicode(j, &c) == -1 || c == 0)
			return (-1);
		*o += utf8_put(out + *o, c);
		return (0);
	}
	if (c == '\0' || (e = strchr(from, c)) == NULL)
		return (-1);
	out[(*o)++] = to[e - from];
	return (0);
}

/* A string, decoded into a new NUL-terminated one. */
static char *
jr_string(struct jreader *j)
{
	char	*out;
	size_t	 o = 0, l;

	if (j->p >= j->end || *j->p != '"')
		return (NULL);
	j->p++;
	/* Escapes never grow: \uXXXX is 6 bytes, at most 4 in UTF-8. */
	if ((out = malloc(j->end - j->p + 1)) == NULL)
		return (NULL);
	for (;;) {
		if (j->p >= j->end || *j->p < 0x20)
			goto fail;
		if (*j->p == '"')
			break;
		if (*j->p == '\\') {
			j->p++;
			if (jr_escape(j, out, &o) == -1)
				goto fail;
			continue;
		}
		if ((l = utf8_len(j->p, j->end - j->p)) == 0)
			goto fail;
		memcpy(out + o, j->p, l);
		o += l;
		j->p += l;
	}
	j->p++;
	out[o] = '\0';
	return (out);
 fail:
	free(out);
	return (NULL);
}

static char *
jr_literal(struct jreader *j, const char *lit)
{
	size_t	 n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return (NULL);
	j->p += n;
	return (strdup(lit));
}

static int
jr_value(struct jreader *j, struct flat_member *m)
{
	char	 num[64];
	size_t	 n, max;

	if (j->p >= j->end)
		return (-1);
	if (*j->p == '"') {
		m->type = CTLF_STRING;
		m->value = jr_string(j);
	} else if (*j->p == 't' || *j->p == 'f') {
		m->type = CTLF_BOOL;
		m->value = jr_literal(j, *j->p == 't' ? "true" : "false");
	} else {
		/* The number's text, copied so json_numlen sees a NUL. */
		max = j->end - j->p < (ptrdiff_t)sizeof(num) - 1 ?
		    (size_t)(j->end - j->p) : sizeof(num) - 1;
		memcpy(num, j->p, max);
		num[max] = '\0';
		/* One that fills num may go on: too long for us. */
		if ((n = json_numlen(num)) == 0 || n == sizeof(num) - 1)
			return (-1);
		num[n] = '\0';
		j->p += n;
		m->type = CTLF_NUMBER;
		m->value = strdup(num);
	}
	return (m->value == NULL ? -1 : 0);
}

void
flat_free(struct flat_member *m, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		free(m[i].key);
		free(m[i].value);
	}
}

/* text[0..len) into m[0..*np): 0, or -1 (nothing left allocated). */
int
flat_parse(const char *text, size_t len, struct flat_member *m, int *np)
{
	struct jreader	 j;
	int		 n = 0;

	j.p = (const unsigned char *)text;
	j.end = j.p + len;
	jr_space(&j);
	if (j.p >= j.end || *j.p++ != '{')
		return (-1);
	jr_space(&j);
	if (j.p < j.end && *j.p == '}')
		goto close;
	for (;;) {
		if (n == FLAT_MAX)
			goto fail;
		m[n].value = NULL;
		if ((m[n].key = jr_string(&j)) == NULL)
			goto fail;
		n++;
		jr_space(&j);
		if (j.p >= j.end || *j.p++ != ':')
			goto fail;
		jr_space(&j);
		if (jr_value(&j, &m[n - 1]) == -1)
			goto fail;
		jr_space(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			jr_space(&j);
			continue;
		}
		if (j.p < j.end && *j.p == '}')
			break;
		goto fail;
	}
 close:
	j.p++;
	jr_space(&j);
	if (j.p != j.end)
		goto fail;
	*np = n;
	return (0);
 fail:
	flat_free(m, n);
	return (-1);
}

/* A message of the daemon's, for a terminal. */
void
output_text(FILE *fp, const char *text)
{
	(void)put_vis(fp, text);
}
