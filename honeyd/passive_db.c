/*
 * The SYN signatures of p0f 3's database (p0f.fp): its [tcp:request]
 * section, "label = type:class:name:flavor" lines each followed by
 * "sig = ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass" lines.
 * Other sections are skipped unread.  A malformed line is skipped with
 * a warning naming file:line (the first PASSIVE_WARN_MAX of them, then
 * a count), and the signatures of a malformed label with it.
 *
 * The parent reads the file (passive_db_read), parses it to warn, and
 * sends the text; the engine parses it again, quietly, once per
 * configuration generation.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "honeyd.h"
#include "passive.h"

#define PLINE_MAX		1024	/* longer lines are malformed */
#define PFILE_MAX		(4 * 1024 * 1024)

struct pparse {
	const char		*file;
	int			 lineno;
	int			 quiet;
	int			 nwarn;
	int			 in_section;	/* within [tcp:request] */
	int			 label_ok;	/* last label parsed */
	struct passive_db	*db;
};

static const struct {
	const char	*word;
	uint32_t	 bit;
} quirk_words[] = {
	{ "df", PQ_DF },	{ "id+", PQ_IDPLUS },	{ "id-", PQ_IDMINUS },
	{ "ecn", PQ_ECN },	{ "0+", PQ_ZERO },	{ "flow", PQ_FLOW },
	{ "seq-", PQ_SEQMINUS }, { "ack+", PQ_ACKPLUS },
	{ "ack-", PQ_ACKMINUS }, { "uptr+", PQ_UPTRPLUS },
	{ "urgf+", PQ_URGF },	{ "pushf+", PQ_PUSHF },
	{ "ts1-", PQ_TS1MINUS }, { "ts2+", PQ_TS2PLUS },
	{ "opt+", PQ_OPTPLUS },	{ "exws", PQ_EXWS },	{ "bad", PQ_BAD },
};

static const struct {
	const char	*word;
	uint8_t		 kind;
} opt_words[] = {
	{ "nop", POPT_NOP }, { "mss", POPT_MSS }, { "ws", POPT_WS },
	{ "sok", POPT_SOK }, { "sack", POPT_SACK }, { "ts", POPT_TS },
};

static void	 pwarn(struct pparse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
pwarn(struct pparse *p, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	if (p->nwarn++ >= PASSIVE_WARN_MAX || p->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s:%d: %s; line skipped", p->file, p->lineno, msg);
}

/* A decimal number of 1 to 6 digits, at most max. */
static int
pnum(const char *s, unsigned max, unsigned *out)
{
	unsigned	 v = 0;
	size_t		 n;

	for (n = 0; s[n] != '\0'; n++) {
		if (!isdigit((unsigned char)s[n]) || n == 6)
			return (-1);
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0 || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* "*" or a number up to max; -1 for "*". */
static int
pnum_any(const char *s, unsigned max, int32_t *out)
{
	unsigned	 v;

	if (strcmp(s, "*") == 0) {
		*out = -1;
		return (0);
	}
	if (pnum(s, max, &v) == -1)
		return (-1);
	*out = v;
	return (0);
}

static int
parse_ttl(const char *s, struct passive_sig *sg)
{
	char		 buf[16];
	char		*plus;
	unsigned	 t, d = 0;
	size_t		 n = strlen(s);

	if (n == 0 || n >= sizeof(buf))
		return (-1);
	memcpy(buf, s, n + 1);
	if (buf[n - 1] == '-') {
		sg->ttl_bad = 1;
		buf[n - 1] = '\0';
	} else if ((plus = strchr(buf, '+')) != NULL) {
		*plus++ = '\0';
		if (pnum(plus, 255, &d) == -1)
			return (-1);
	}
	if (pnum(buf, 255, &t) == -1 || t + d > 255 || t + d == 0)
		return (-1);
	sg->ittl = t + d;
	return (0);
}

/* "wsize,scale" */
static int
parse_window(char *s, struct passive_sig *sg)
{
	char		*scale;
	unsigned	 v;
	int32_t		 sc;

	if ((scale = strchr(s, ',')) == NULL)
		return (-1);
	*scale++ = '\0';
	if (pnum_any(scale, 255, &sc) == -1)
		return (-1);
	sg->scale = sc;
	if (strcmp(s, "*") == 0) {
		sg->wtype = PWIN_ANY;
		return (0);
	}
	if (strncmp(s, "mss*", 4) == 0) {
		sg->wtype = PWIN_MSS;
		s += 4;
	} else if (strncmp(s, "mtu*", 4) == 0) {
		sg->wtype = PWIN_MTU;
		s += 4;
	} else if (*s == '%') {
		sg->wtype = PWIN_MOD;
		s++;
	} else
		sg->wtype = PWIN_EXACT;
	if (pnum(s, 65535, &v) == -1 || (sg->wtype != PWIN_EXACT && v == 0))
		return (-1);
	sg->wval = v;
	return (0);
}

static int
parse_opt(const char *w, struct passive_sig *sg)
{
	unsigned	 v;
	size_t		 i;

	if (sg->nopts == PSIG_OPTS_MAX)
		return (-1);
	if (strncmp(w, "eol+", 4) == 0) {
		if (pnum(w + 4, PSIG_OPTS_MAX, &v) == -1)
			return (-1);
		sg->opts[sg->nopts++] = POPT_EOL;
		sg->eolpad = v;
		return (1);	/* nothing may follow */
	}
	if (w[0] == '?') {
		if (pnum(w + 1, 255, &v) == -1)
			return (-1);
		sg->opts[sg->nopts++] = v;
		return (0);
	}
	for (i = 0; i < sizeof(opt_words) / sizeof(opt_words[0]); i++)
		if (strcmp(w, opt_words[i].word) == 0) {
			sg->opts[sg->nopts++] = opt_words[i].kind;
			return (0);
		}
	return (-1);
}

static int
parse_layout(char *s, struct passive_sig *sg)
{
	char	*w;
	int	 r, ended = 0;

	if (*s == '\0')
		return (0);
	while ((w = strsep(&s, ",")) != NULL) {
		if (ended || (r = parse_opt(w, sg)) == -1)
			return (-1);
		ended = r;
	}
	return (0);
}

static int
parse_quirks(char *s, struct passive_sig *sg)
{
	char	*w;
	size_t	 i;

	if (*s == '\0')
		return (0);
	while ((w = strsep(&s, ",")) != NULL) {
		for (i = 0; i < sizeof(quirk_words) / sizeof(quirk_words[0]);
		    i++)
			if (strcmp(w, quirk_words[i].word) == 0)
				break;
		if (i == sizeof(quirk_words) / sizeof(quirk_words[0]))
			return (-1);
		sg->quirks |= quirk_words[i].bit;
	}
	return (0);
}

/* The eight fields of a sig line; what is wrong, or NULL. */
static const char *
parse_sig(char *s, struct passive_sig *sg)
{
	char	*f[8];
	int	 n;
	int32_t	 v;

	for (n = 0; n < 8; n++)
		if ((f[n] = strsep(&s, ":")) == NULL)
			return ("a sig has eight fields");
	if (s != NULL)
		return ("a sig has eight fields");
	if (strcmp(f[0], "*") == 0)
		sg->ver = 0;
	else if (strcmp(f[0], "4") == 0 || strcmp(f[0], "6") == 0)
		sg->ver = f[0][0] - '0';
	else
		return ("bad IP version");
	if (parse_ttl(f[1], sg) == -1)
		return ("bad initial TTL");
	if (pnum_any(f[2], PSIG_OPTS_MAX, &v) == -1 || v == -1)
		return ("bad IP options length");
	sg->olen = v;
	if (pnum_any(f[3], 65535, &sg->mss) == -1)
		return ("bad MSS");
	if (parse_window(f[4], sg) == -1)
		return ("bad window size or scale");
	if (parse_layout(f[5], sg) == -1)
		return ("bad option layout");
	if (parse_quirks(f[6], sg) == -1)
		return ("unknown quirk");
	if (strcmp(f[7], "0") == 0)
		sg->pclass = 0;
	else if (strcmp(f[7], "+") == 0)
		sg->pclass = 1;
	else if (strcmp(f[7], "*") == 0)
		sg->pclass = -1;
	else
		return ("bad payload class");
	return (NULL);
}

static int
add_sig(struct pparse *p, char *val)
{
	struct passive_db	*db = p->db;
	struct passive_sig	 sg, *ns;
	const char		*why;

	if (db->nlabels == 0) {
		pwarn(p, "sig before any label");
		return (0);
	}
	if (!p->label_ok)
		return (0);	/* its label was warned about */
	memset(&sg, 0, sizeof(sg));
	if ((why = parse_sig(val, &sg)) != NULL) {
		pwarn(p, "%s", why);
		return (0);
	}
	sg.label = db->nlabels - 1;
	if (db->nsigs == db->sigs_cap) {
		ns = reallocarray(db->sigs, db->sigs_cap * 2 + 16,
		    sizeof(*ns));
		if (ns == NULL)
			return (-1);
		db->sigs = ns;
		db->sigs_cap = db->sigs_cap * 2 + 16;
	}
	db->sigs[db->nsigs++] = sg;
	return (0);
}

static int
label_fill(struct passive_label *l, const char *class, const char *name,
    const char *flavor)
{
	memset(l, 0, sizeof(*l));
	if ((l->class = strdup(class)) == NULL ||
	    (l->name = strdup(name)) == NULL ||
	    (l->flavor = strdup(flavor)) == NULL ||
	    asprintf(&l->desc, "%s%s%s", name, *flavor ? " " : "",
	    flavor) == -1) {
		l->desc = NULL;
		return (-1);
	}
	return (0);
}

/* "type:class:name:flavor"; the flavor may hold colons. */
static int
add_label(struct pparse *p, char *val)
{
	struct passive_db	*db = p->db;
	struct passive_label	*nl;
	char			*type, *class, *name;

	p->label_ok = 0;
	type = strsep(&val, ":");
	class = strsep(&val, ":");
	name = strsep(&val, ":");
	if (val == NULL || (strcmp(type, "s") != 0 && strcmp(type, "g") != 0) ||
	    *class == '\0' || *name == '\0') {
		pwarn(p, "a label is type:class:name:flavor, type s or g");
		return (0);
	}
	if (db->nlabels == db->labels_cap) {
		nl = reallocarray(db->labels, db->labels_cap * 2 + 16,
		    sizeof(*nl));
		if (nl == NULL)
			return (-1);
		db->labels = nl;
		db->labels_cap = db->labels_cap * 2 + 16;
	}
	nl = &db->labels[db->nlabels++];
	if (label_fill(nl, class, name, val) == -1)
		return (-1);
	nl->generic = type[0] == 'g';
	p->label_ok = 1;
	return (0);
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

/* One line, NUL-terminated and writable.  -1: out of memory. */
static int
parse_line(struct pparse *p, char *line)
{
	char	*key, *val, *eq;

	line = trim(line);
	if (*line == '\0' || *line == ';')
		return (0);
	if (*line == '[') {
		p->in_section = strcmp(line, "[tcp:request]") == 0;
		p->label_ok = 0;
		return (0);
	}
	if (!p->in_section)
		return (0);
	if ((eq = strchr(line, '=')) == NULL) {
		pwarn(p, "not \"key = value\"");
		return (0);
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	if (strcmp(key, "label") == 0)
		return (add_label(p, val));
	if (strcmp(key, "sig") == 0)
		return (add_sig(p, val));
	if (strcmp(key, "sys") == 0)
		return (0);	/* where a tool runs: not needed */
	pwarn(p, "unknown key \"%s\"", key);
	return (0);
}

void
passive_db_free(struct passive_db *db)
{
	size_t	 i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nlabels; i++) {
		free(db->labels[i].class);
		free(db->labels[i].name);
		free(db->labels[i].flavor);
		free(db->labels[i].desc);
	}
	free(db->labels);
	free(db->sigs);
	free(db);
}

/*
 * Parse the text of a p0f.fp; name is the file, for warnings.  NULL
 * only when out of memory.  *nwarn (if not NULL) gets the number of
 * lines skipped.
 */
struct passive_db *
passive_db_parse(const char *name, const char *buf, size_t len, int quiet,
    int *nwarn)
{
	struct pparse	 p;
	char		 line[PLINE_MAX + 1];
	size_t		 off, n;
	const char	*nl;

	memset(&p, 0, sizeof(p));
	p.file = name;
	p.quiet = quiet;
	if ((p.db = calloc(1, sizeof(*p.db))) == NULL)
		return (NULL);
	for (off = 0; off < len; off += n + 1) {
		p.lineno++;
		nl = memchr(buf + off, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
		if (n > PLINE_MAX || memchr(buf + off, '\0', n) != NULL) {
			if (p.in_section)
				pwarn(&p, "line too long or with a NUL");
			continue;
		}
		memcpy(line, buf + off, n);
		line[n] = '\0';
		if (parse_line(&p, line) == -1) {
			passive_db_free(p.db);
			return (NULL);
		}
	}
	if (p.nwarn > PASSIVE_WARN_MAX && !quiet)
		log_warnx("%s: %d malformed lines skipped in all", name,
		    p.nwarn);
	if (nwarn != NULL)
		*nwarn = p.nwarn;
	return (p.db);
}

/*
 * The part of a p0f.fp the engine needs: the [tcp:request] sections
 * without comments, blank lines and lines too long (a fifth of the
 * file).  A new
 * string in *outp, its length in *outlenp; -1 if out of memory.
 */
int
passive_db_extract(const char *buf, size_t len, char **outp,
    size_t *outlenp)
{
	FILE		*f;
	const char	*line, *nl, *p;
	size_t		 n;
	int		 in = 0;

	if ((f = open_memstream(outp, outlenp)) == NULL)
		return (-1);
	for (line = buf; line < buf + len; line += n + 1) {
		nl = memchr(line, '\n', buf + len - line);
		n = nl != NULL ? (size_t)(nl - line) : (size_t)(buf + len - line);
		for (p = line; p < line + n && isspace((unsigned char)*p); p++)
			;
		/* Blank, comment, or too long to parse anyway. */
		if (p == line + n || *p == ';' || n > PLINE_MAX)
			continue;
		if (*p == '[')
			in = n - (p - line) >= 13 &&
			    strncmp(p, "[tcp:request]", 13) == 0;
		if (in)
			fprintf(f, "%.*s\n", (int)n, line);
	}
	return (fclose(f) == 0 ? 0 : -1);
}

size_t
passive_db_count(const struct passive_db *db)
{
	return (db == NULL ? 0 : db->nsigs);
}

/*
 * Read the whole file into *bufp (NUL-terminated, *lenp without it).
 * 0: read; 1: absent and not required (the feature is off); -1: error,
 * logged.
 */
int
passive_db_read(const char *path, int required, char **bufp, size_t *lenp)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !required)
			return (1);
		log_warn("p0f signatures %s", path);
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > PFILE_MAX) {
		log_warnx("p0f signatures %s: not a regular file of at most "
		    "%d bytes", path, PFILE_MAX);
		close(fd);
		return (-1);
	}
	if ((buf = malloc(st.st_size + 1)) == NULL)
		fatal("p0f signatures");
	while (len < (size_t)st.st_size &&
	    (n = read(fd, buf + len, st.st_size - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return (0);
}
