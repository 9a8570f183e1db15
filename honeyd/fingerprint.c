/*
 * The fingerprint database: nmap-os-db files of both generations,
 * lookup by name, and the canonical printout the parent sends to the
 * engine.
 *
 * nmap-os-db holds about 5,700 entries, 74,000 test lines and 500,000
 * values, but only 15,000 distinct lines and 7,000 distinct values.
 * So both are interned: a line's text is parsed once into a struct
 * fpline shared by every entry that has it, and each distinct value
 * is parsed once into a struct fpexpr.  Loading the whole file is
 * mostly a hash lookup per line, and an entry is little more than its
 * name and a pointer per test line.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "honeyd.h"
#include "fingerprint.h"

#define FPDB_MAXFILE	(64 * 1024 * 1024)
#define FPDB_MAXERRORS	25
#define ARENA_BLOCK	(256 * 1024)

/* Value types, from the test descriptions in the nmap book. */
static const struct fpxtype t_hex = { FPX_NUM, NULL };
static const struct fpxtype t_yn = { FPX_SYM, "Y N" };
static const struct fpxtype t_ipid = { FPX_NUMSYM, "Z RD RI BI I" };
static const struct fpxtype t_ss = { FPX_SYM, "S O" };
static const struct fpxtype t_ts = { FPX_NUMSYM, "U" };
static const struct fpxtype t_opts = { FPX_TCPOPTS, NULL };
static const struct fpxtype t_cc = { FPX_SYM, "Y N S O" };
static const struct fpxtype t_quirks = { FPX_FLAGSET, "RU" };
static const struct fpxtype t_seqnum = { FPX_SYM, "Z A A+ O" };
static const struct fpxtype t_acknum = { FPX_SYM, "Z S S+ O" };
static const struct fpxtype t_flags = { FPX_FLAGSET, "EUAPRSF" };
static const struct fpxtype t_good = { FPX_NUMSYM, "G" };
static const struct fpxtype t_ripck = { FPX_SYM, "G Z I" };
static const struct fpxtype t_rud = { FPX_SYM, "G I" };
static const struct fpxtype t_dfi = { FPX_SYM, "N S Y O" };
static const struct fpxtype t_cd = { FPX_NUMSYM, "Z S O" };
/* First generation: fewer rules are known, so words are accepted. */
static const struct fpxtype t_word = { FPX_WORD, NULL };
static const struct fpxtype t_g1flags = { FPX_FLAGSET, "BUAPRSF" };
static const struct fpxtype t_g1ops = { FPX_CHARS, "MNWTEL" };

struct fpattrdef {
	const char		*name;
	const struct fpxtype	*type;
};

/* The attributes one kind of test line may have, in print order. */
struct fpkind {
	u_int			 nattr;
	const struct fpattrdef	*attr;
};

struct fptestdef {
	const char		*name;
	const struct fpkind	*kind;
};

static const struct fpattrdef seq_attr[FP_SEQ_MAX] = {
	{ "R", &t_yn }, { "SP", &t_hex }, { "GCD", &t_hex },
	{ "ISR", &t_hex }, { "TI", &t_ipid }, { "CI", &t_ipid },
	{ "II", &t_ipid }, { "SS", &t_ss }, { "TS", &t_ts },
};
static const struct fpattrdef ops_attr[FP_OPS_MAX] = {
	{ "R", &t_yn }, { "O1", &t_opts }, { "O2", &t_opts },
	{ "O3", &t_opts }, { "O4", &t_opts }, { "O5", &t_opts },
	{ "O6", &t_opts },
};
static const struct fpattrdef win_attr[FP_WIN_MAX] = {
	{ "R", &t_yn }, { "W1", &t_hex }, { "W2", &t_hex },
	{ "W3", &t_hex }, { "W4", &t_hex }, { "W5", &t_hex },
	{ "W6", &t_hex },
};
static const struct fpattrdef ecn_attr[FP_ECN_MAX] = {
	{ "R", &t_yn }, { "DF", &t_yn }, { "T", &t_hex }, { "TG", &t_hex },
	{ "W", &t_hex }, { "O", &t_opts }, { "CC", &t_cc },
	{ "Q", &t_quirks },
};
static const struct fpattrdef tcp_attr[FP_T_MAX] = {
	{ "R", &t_yn }, { "DF", &t_yn }, { "T", &t_hex }, { "TG", &t_hex },
	{ "W", &t_hex }, { "S", &t_seqnum }, { "A", &t_acknum },
	{ "F", &t_flags }, { "O", &t_opts }, { "RD", &t_hex },
	{ "Q", &t_quirks },
};
static const struct fpattrdef u1_attr[FP_U1_MAX] = {
	{ "R", &t_yn }, { "DF", &t_yn }, { "T", &t_hex }, { "TG", &t_hex },
	{ "IPL", &t_hex }, { "UN", &t_hex }, { "RIPL", &t_good },
	{ "RID", &t_good }, { "RIPCK", &t_ripck }, { "RUCK", &t_good },
	{ "RUD", &t_rud },
};
static const struct fpattrdef ie_attr[FP_IE_MAX] = {
	{ "R", &t_yn }, { "DFI", &t_dfi }, { "T", &t_hex }, { "TG", &t_hex },
	{ "CD", &t_cd },
};
static const struct fpattrdef g1seq_attr[FP_G1S_MAX] = {
	{ "Class", &t_word }, { "Val", &t_hex }, { "gcd", &t_hex },
	{ "SI", &t_hex }, { "IPID", &t_word }, { "TS", &t_word },
};
static const struct fpattrdef g1tcp_attr[FP_G1T_MAX] = {
	{ "Resp", &t_yn }, { "DF", &t_yn }, { "W", &t_hex },
	{ "ACK", &t_word }, { "Flags", &t_g1flags }, { "Ops", &t_g1ops },
};
static const struct fpattrdef g1pu_attr[FP_G1U_MAX] = {
	{ "Resp", &t_yn }, { "DF", &t_yn }, { "TOS", &t_hex },
	{ "IPLEN", &t_hex }, { "RIPTL", &t_hex }, { "RID", &t_word },
	{ "RIPCK", &t_word }, { "UCK", &t_word }, { "ULEN", &t_hex },
	{ "DAT", &t_word },
};

static const struct fpkind k_seq = { FP_SEQ_MAX, seq_attr };
static const struct fpkind k_ops = { FP_OPS_MAX, ops_attr };
static const struct fpkind k_win = { FP_WIN_MAX, win_attr };
static const struct fpkind k_ecn = { FP_ECN_MAX, ecn_attr };
static const struct fpkind k_tcp = { FP_T_MAX, tcp_attr };
static const struct fpkind k_u1 = { FP_U1_MAX, u1_attr };
static const struct fpkind k_ie = { FP_IE_MAX, ie_attr };
static const struct fpkind k_g1seq = { FP_G1S_MAX, g1seq_attr };
static const struct fpkind k_g1tcp = { FP_G1T_MAX, g1tcp_attr };
static const struct fpkind k_g1pu = { FP_G1U_MAX, g1pu_attr };

static const struct fptestdef tests[FPT_MAX] = {
	{ "SEQ", &k_seq }, { "OPS", &k_ops }, { "WIN", &k_win },
	{ "ECN", &k_ecn }, { "T1", &k_tcp }, { "T2", &k_tcp },
	{ "T3", &k_tcp }, { "T4", &k_tcp }, { "T5", &k_tcp },
	{ "T6", &k_tcp }, { "T7", &k_tcp }, { "U1", &k_u1 },
	{ "IE", &k_ie },
};
static const struct fptestdef g1tests[G1_MAX] = {
	{ "TSeq", &k_g1seq }, { "T1", &k_g1tcp }, { "T2", &k_g1tcp },
	{ "T3", &k_g1tcp }, { "T4", &k_g1tcp }, { "T5", &k_g1tcp },
	{ "T6", &k_g1tcp }, { "T7", &k_g1tcp }, { "PU", &k_g1pu },
};

/* Attribute names that only one generation uses in T1-T7. */
static const char *const g1only[] = { "Resp", "ACK", "Flags", "Ops", NULL };
static const char *const g2only[] = { "R", "T", "TG", "S", "A", "F", "O",
	"RD", "Q", NULL };

/* Everything of a database is allocated from its arena. */
struct arenablk {
	struct arenablk	*next;
	size_t		 used;
	size_t		 size;
	max_align_t	 data[];
};

/* Open-addressed hash table; an entry is empty when key is NULL. */
struct fphent {
	const void	*ctx;		/* the key's kind or type */
	const char	*key;
	size_t		 klen;
	uint32_t	 hash;
	void		*val;
};

struct fphash {
	struct fphent	*ent;
	size_t		 cap;		/* a power of two */
	size_t		 n;
};

/*
 * names: name -> index + 1; exprs: (type, text) -> fpexpr.  While a
 * file is read, lines: (kind, text) -> fpline, keyed by the text in the
 * caller's buffer, and strs: the words of Class and CPE lines.
 */
struct fpdb {
	struct fingerprint	*fps;
	size_t			 nfps, capfps;
	struct fphash		 names;
	struct fphash		 lines;
	struct fphash		 exprs;
	struct fphash		 strs;
	struct arenablk		*arena;
};

/* Parser state; the entry being read is built in fp. */
struct fpparse {
	struct fpdb		*db;
	const char		*file;
	u_int			 lineno;
	int			 errors;
	int			 nomem;
	int			 skipping;	/* inside MatchPoints */
	int			 incur;		/* fp is being read */
	struct fingerprint	 fp;
	struct fpmeta		*meta;
	size_t			 nmeta, capmeta;
	/* T1-T7 lines that name neither generation, read before one did */
	struct fppend {
		const char	*name, *body;
		size_t		 nlen, blen;
		u_int		 lineno;
	}			 pend[8];
	int			 npend;
};

/* Text built while mapping first-generation values. */
struct sbuf {
	char		 b[FPX_MAXLEN + 1];
	size_t		 len;
	u_int		 nalt;
	int		 overflow;
};

typedef int	(*mapfn)(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);

static void	 parse_error(struct fpparse *, u_int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 parse_warn(struct fpparse *, u_int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	*arena_alloc(struct fpdb *, size_t);
static char	*arena_strdup(struct fpdb *, const char *, size_t);
static uint32_t	 fph_hash(const void *, const char *, size_t);
static struct fphent *fph_find(const struct fphash *, const void *,
		    const char *, size_t, uint32_t);
static int	 fph_grow(struct fphash *);
static int	 fph_add(struct fphash *, const void *, const char *, size_t,
		    uint32_t, void *);
static const char *intern_str(struct fpparse *, const char *, size_t);
static const struct fpexpr *intern_expr(struct fpparse *,
		    const struct fpxtype *, const char *, size_t,
		    const char *, size_t);
static int	 attr_lookup(const struct fpkind *, const char *, size_t);
static int	 line_parse_attr(struct fpparse *, const char *,
		    const struct fpkind *, struct fpline *, const char *,
		    size_t, int *);
static const struct fpline *intern_line(struct fpparse *, const char *,
		    const struct fpkind *, const char *, size_t);
static struct fpline *line_new(struct fpparse *, const struct fpkind *);
static int	 body_gen(const char *, size_t);
static int	 name_in(const char *const *, const char *, size_t);
static int	 test_lookup(const struct fptestdef *, int, const char *,
		    size_t);
static void	 parse_test(struct fpparse *, const char *, size_t,
		    const char *, size_t);
static void	 pend_flush(struct fpparse *, int);
static void	 parse_class(struct fpparse *, const char *, size_t);
static void	 parse_cpe(struct fpparse *, const char *, size_t);
static void	 parse_entry(struct fpparse *, const char *, size_t);
static struct fpmeta *meta_add(struct fpparse *);
static void	 parse_line(struct fpparse *, const char *, size_t);
static void	 entry_open(struct fpparse *, const char *, size_t);
static void	 entry_close(struct fpparse *);
static int	 entry_empty(const struct fingerprint *);
static void	 sb_add(struct sbuf *, const char *, size_t);
static void	 sb_alt(struct sbuf *);
static int	 map_lookup(const char *const [][2], const struct fpexpr *,
		    const struct fpterm *, struct sbuf *);
static int	 map_copy(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_ipid(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_ts(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_ack(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_flags(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_ops(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_riptl(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_rid(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_ripck(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_uck(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static int	 map_dat(const struct fpexpr *, const struct fpterm *,
		    struct sbuf *);
static void	 map_attr(struct fpparse *, const struct fpline *, u_int,
		    mapfn, struct fpline *, const struct fpkind *, u_int);
static void	 map_resp(struct fpparse *, const struct fpline *, u_int,
		    struct fpline *, const struct fpkind *, u_int);
static void	 map_synack(struct fpparse *, struct fingerprint *);
static void	 map_g1(struct fpparse *, struct fingerprint *);
static void	 print_line(FILE *, const char *, const struct fpkind *,
		    const struct fpline *);
static void	 print_class(FILE *, const struct fpmeta *);
static void	 fphash_clear(struct fphash *);
static void	 fpdb_shrink(struct fpdb *);
static size_t	 name_first(const struct fpdb *, const char *);
static int	 fp_answers(const struct fingerprint *, enum fp_test);
static const void *fp_value(const struct fingerprint *, enum fp_test, u_int);
static int	 fp_same(const void *, const void *);
static size_t	 fpdb_typical(const struct fpdb *, const size_t *, size_t,
		    const void **, size_t *);
static int	 fpdb_number(struct fpdb *);
static void	 print_entry(FILE *, const struct fingerprint *, int);

static void
parse_error(struct fpparse *p, u_int lineno, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	if (++p->errors > FPDB_MAXERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_diag("%s:%u: %s", p->file, lineno, msg);
	if (p->errors == FPDB_MAXERRORS)
		log_diag("%s: too many errors", p->file);
}

static void
parse_warn(struct fpparse *p, u_int lineno, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_diag("%s:%u: %s", p->file, lineno, msg);
}

static void *
arena_alloc(struct fpdb *db, size_t size)
{
	struct arenablk	*b = db->arena, *nb;
	size_t		 bsize;
	void		*ptr;

	size = (size + 15) & ~(size_t)15;
	if (b == NULL || b->size - b->used < size) {
		bsize = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;
		if ((nb = malloc(sizeof(*nb) + bsize)) == NULL)
			return (NULL);
		nb->size = bsize;
		nb->used = 0;
		/* A big one-off goes behind the current block, keeping it. */
		if (b != NULL && bsize != ARENA_BLOCK) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			db->arena = nb;
		}
		b = nb;
	}
	ptr = (char *)b->data + b->used;
	b->used += size;
	return (ptr);
}

static char *
arena_strdup(struct fpdb *db, const char *s, size_t len)
{
	char	*d;

	if ((d = arena_alloc(db, len + 1)) == NULL)
		return (NULL);
	memcpy(d, s, len);
	d[len] = '\0';
	return (d);
}

/* Seeded with the context, so that equal text of two kinds differs. */
static uint32_t
fph_hash(const void *ctx, const char *s, size_t len)
{
	return (fnv1a(FNV_BASIS ^ (uint32_t)((uintptr_t)ctx >> 4), s, len));
}

static struct fphent *
fph_find(const struct fphash *h, const void *ctx, const char *key,
    size_t klen, uint32_t hv)
{
	struct fphent	*e;
	size_t		 i, mask = h->cap - 1;

	if (h->cap == 0)
		return (NULL);
	for (i = hv & mask; (e = &h->ent[i])->key != NULL; i = (i + 1) & mask)
		if (e->hash == hv && e->ctx == ctx && e->klen == klen &&
		    memcmp(e->key, key, klen) == 0)
			return (e);
	return (NULL);
}

static int
fph_grow(struct fphash *h)
{
	struct fphent	*old = h->ent, *e;
	size_t		 oldcap = h->cap, i, j, mask;

	h->cap = oldcap ? oldcap * 2 : 1024;
	if ((h->ent = calloc(h->cap, sizeof(*h->ent))) == NULL) {
		h->ent = old;
		h->cap = oldcap;
		return (-1);
	}
	mask = h->cap - 1;
	for (i = 0; i < oldcap; i++) {
		e = &old[i];
		if (e->key == NULL)
			continue;
		for (j = e->hash & mask; h->ent[j].key != NULL;
		    j = (j + 1) & mask)
			;
		h->ent[j] = *e;
	}
	free(old);
	return (0);
}

/* The key must outlive the table: it is not copied. */
static int
fph_add(struct fphash *h, const void *ctx, const char *key, size_t klen,
    uint32_t hv, void *val)
{
	struct fphent	*e;
	size_t		 i, mask;

	if ((h->n + 1) * 2 > h->cap && fph_grow(h) == -1)
		return (-1);
	mask = h->cap - 1;
	for (i = hv & mask; h->ent[i].key != NULL; i = (i + 1) & mask)
		;
	e = &h->ent[i];
	e->ctx = ctx;
	e->key = key;
	e->klen = klen;
	e->hash = hv;
	e->val = val;
	h->n++;
	return (0);
}

static const char *
intern_str(struct fpparse *p, const char *s, size_t len)
{
	struct fphent	*e;
	uint32_t	 hv = fph_hash(NULL, s, len);
	char		*d;

	if ((e = fph_find(&p->db->strs, NULL, s, len, hv)) != NULL)
		return (e->val);
	if ((d = arena_strdup(p->db, s, len)) == NULL ||
	    fph_add(&p->db->strs, NULL, d, len, hv, d) == -1) {
		p->nomem = 1;
		return (NULL);
	}
	return (d);
}

static const struct fpexpr *
intern_expr(struct fpparse *p, const struct fpxtype *type, const char *s,
    size_t len, const char *attr, size_t alen)
{
	struct fphent	*e;
	struct fpexpr	*x;
	const char	*errstr;
	uint32_t	 hv = fph_hash(type, s, len);

	if ((e = fph_find(&p->db->exprs, type, s, len, hv)) != NULL)
		return (e->val);
	if ((x = fpexpr_parse(type, s, len, &errstr)) == NULL) {
		parse_error(p, p->lineno, "%.*s=%.*s: %s", (int)alen, attr,
		    (int)(len > 64 ? 64 : len), s, errstr);
		return (NULL);
	}
	if (fph_add(&p->db->exprs, type, x->raw, len, hv, x) == -1) {
		fpexpr_free(x);
		p->nomem = 1;
		return (NULL);
	}
	return (x);
}

static int
attr_lookup(const struct fpkind *k, const char *name, size_t len)
{
	u_int	 i;

	for (i = 0; i < k->nattr; i++)
		if (strlen(k->attr[i].name) == len &&
		    memcmp(k->attr[i].name, name, len) == 0)
			return (i);
	return (-1);
}

static struct fpline *
line_new(struct fpparse *p, const struct fpkind *k)
{
	struct fpline	*l;
	size_t		 size = sizeof(*l) + k->nattr * sizeof(l->v[0]);

	if ((l = arena_alloc(p->db, size)) == NULL) {
		p->nomem = 1;
		return (NULL);
	}
	memset(l, 0, size);
	l->nattr = k->nattr;
	return (l);
}

/* One ATTR=VALUE of a test line; *warned is set if it was ignored. */
static int
line_parse_attr(struct fpparse *p, const char *test, const struct fpkind *k,
    struct fpline *l, const char *s, size_t len, int *warned)
{
	const char	*eq;
	size_t		 nlen;
	int		 a;

	if ((eq = memchr(s, '=', len)) == NULL || eq == s) {
		parse_error(p, p->lineno, "%s: expected ATTR=VALUE, got "
		    "\"%.*s\"", test, (int)(len > 64 ? 64 : len), s);
		return (-1);
	}
	nlen = eq - s;
	if ((a = attr_lookup(k, s, nlen)) == -1) {
		/* A newer nmap may add checks; skipping one is harmless. */
		parse_warn(p, p->lineno, "%s: unknown attribute %.*s, ignored",
		    test, (int)nlen, s);
		*warned = 1;
		return (0);
	}
	if (l->v[a] != NULL) {
		parse_error(p, p->lineno, "%s: attribute %.*s repeated", test,
		    (int)nlen, s);
		return (-1);
	}
	l->v[a] = intern_expr(p, k->attr[a].type, eq + 1, len - nlen - 1,
	    s, nlen);
	return (l->v[a] == NULL ? -1 : 0);
}

static const struct fpline *
intern_line(struct fpparse *p, const char *test, const struct fpkind *k,
    const char *body, size_t blen)
{
	struct fphent	*e;
	struct fpline	*l;
	const char	*s, *end = body + blen, *pct;
	uint32_t	 hv = fph_hash(k, body, blen);
	int		 warned = 0;

	if ((e = fph_find(&p->db->lines, k, body, blen, hv)) != NULL)
		return (e->val);
	if ((l = line_new(p, k)) == NULL)
		return (NULL);
	for (s = body; blen > 0; s = pct + 1) {
		if ((pct = memchr(s, '%', end - s)) == NULL)
			pct = end;
		if (line_parse_attr(p, test, k, l, s, pct - s, &warned) == -1)
			return (NULL);
		if (pct == end)
			break;
	}
	/* Lines that warned are not shared, so each use warns again. */
	if (!warned && fph_add(&p->db->lines, k, body, blen, hv, l) == -1) {
		p->nomem = 1;
		return (NULL);
	}
	return (l);
}

static int
name_in(const char *const *list, const char *s, size_t len)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == len && memcmp(*list, s, len) == 0)
			return (1);
	return (0);
}

/* Which generation do the attribute names of a T1-T7 line belong to? */
static int
body_gen(const char *body, size_t blen)
{
	const char	*s, *end = body + blen, *pct, *eq;

	for (s = body; blen > 0; s = pct + 1) {
		if ((pct = memchr(s, '%', end - s)) == NULL)
			pct = end;
		if ((eq = memchr(s, '=', pct - s)) != NULL) {
			if (name_in(g1only, s, eq - s))
				return (1);
			if (name_in(g2only, s, eq - s))
				return (2);
		}
		if (pct == end)
			break;
	}
	return (0);
}

static int
test_lookup(const struct fptestdef *defs, int n, const char *name,
    size_t len)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strlen(defs[i].name) == len &&
		    memcmp(defs[i].name, name, len) == 0)
			return (i);
	return (-1);
}

static void
parse_test(struct fpparse *p, const char *name, size_t nlen,
    const char *body, size_t blen)
{
	const struct fpline	**slot;
	const struct fptestdef	*def;
	int			 t2, t1, gen;

	t2 = test_lookup(tests, FPT_MAX, name, nlen);
	t1 = test_lookup(g1tests, G1_MAX, name, nlen);
	if (t1 == -1 && t2 == -1) {
		parse_warn(p, p->lineno, "unknown test %.*s, ignored",
		    (int)nlen, name);
		return;
	}
	if (t1 == -1)
		gen = 2;
	else if (t2 == -1)
		gen = 1;
	else if ((gen = body_gen(body, blen)) == 0) {
		/*
		 * Either generation's: it waits for a line that decides,
		 * as the printout (in canonical order) may put it first.
		 */
		if (p->fp.gen == 0 && p->npend < (int)(sizeof(p->pend) /
		    sizeof(p->pend[0]))) {
			p->pend[p->npend++] = (struct fppend){ name, body,
			    nlen, blen, p->lineno };
			return;
		}
		gen = p->fp.gen != 0 ? p->fp.gen : 2;
	}
	if (p->fp.gen == 0)
		pend_flush(p, gen);
	else if (p->fp.gen != gen) {
		parse_error(p, p->lineno, "%.*s: first- and second-generation "
		    "tests mixed in one fingerprint", (int)nlen, name);
		return;
	}
	if (gen == 2) {
		def = &tests[t2];
		slot = &p->fp.test[t2];
	} else {
		def = &g1tests[t1];
		slot = &p->fp.g1[t1];
	}
	if (*slot != NULL) {
		parse_error(p, p->lineno, "%s test repeated", def->name);
		return;
	}
	*slot = intern_line(p, def->name, def->kind, body, blen);
}

/* The generation is known now: the lines that waited take it. */
static void
pend_flush(struct fpparse *p, int gen)
{
	u_int	 lineno = p->lineno;
	int	 i, n = p->npend;

	p->fp.gen = gen;
	p->npend = 0;
	for (i = 0; i < n; i++) {
		p->lineno = p->pend[i].lineno;
		parse_test(p, p->pend[i].name, p->pend[i].nlen,
		    p->pend[i].body, p->pend[i].blen);
	}
	p->lineno = lineno;
}

static struct fpmeta *
meta_add(struct fpparse *p)
{
	struct fpmeta	*m;
	size_t		 ncap;

	if (p->nmeta == p->capmeta) {
		ncap = p->capmeta ? p->capmeta * 2 : 16;
		if ((m = reallocarray(p->meta, ncap, sizeof(*m))) == NULL) {
			p->nomem = 1;
			return (NULL);
		}
		p->meta = m;
		p->capmeta = ncap;
	}
	m = &p->meta[p->nmeta++];
	memset(m, 0, sizeof(*m));
	return (m);
}

/* "Class vendor | family | generation | device type"; any may be empty. */
static void
parse_class(struct fpparse *p, const char *s, size_t len)
{
	struct fpmeta	*m;
	const char	*f[4], *fe[4], *end = s + len, *bar;
	int		 i;

	for (i = 0; i < 4; i++) {
		if ((bar = memchr(s, '|', end - s)) == NULL)
			bar = end;
		if ((bar == end) != (i == 3)) {
			parse_error(p, p->lineno, "Class needs four fields: "
			    "vendor | family | generation | device type");
			return;
		}
		f[i] = s;
		fe[i] = bar;
		if (bar < end)
			s = bar + 1;
		while (f[i] < fe[i] && isspace((unsigned char)*f[i]))
			f[i]++;
		while (fe[i] > f[i] && isspace((unsigned char)fe[i][-1]))
			fe[i]--;
	}
	if ((m = meta_add(p)) == NULL)
		return;
	m->type = FPM_CLASS;
	for (i = 0; i < 4; i++)
		m->f[i] = intern_str(p, f[i], fe[i] - f[i]);
}

static void
parse_cpe(struct fpparse *p, const char *s, size_t len)
{
	struct fpmeta	*m;

	if (len == 0) {
		parse_error(p, p->lineno, "CPE without a name");
		return;
	}
	if ((m = meta_add(p)) == NULL)
		return;
	m->type = FPM_CPE;
	m->f[0] = intern_str(p, s, len);
}

/*
 * "Entry N of M [typical]": which of the M entries of its name this one
 * was in the file it was chosen from (fingerprint_print_entry).
 */
static void
parse_entry(struct fpparse *p, const char *s, size_t len)
{
	char		 buf[64], word[16];
	u_int		 n, m;
	int		 used = 0;

	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len);
	buf[len] = '\0';
	word[0] = '\0';
	if (sscanf(buf, "%u of %u%n %15s%n", &n, &m, &used, word,
	    &used) < 2 || (size_t)used != len || n == 0 || n > m ||
	    (word[0] != '\0' && strcmp(word, "typical") != 0))
		goto bad;
	if (p->fp.nth != 0) {
		parse_error(p, p->lineno, "Entry repeated");
		return;
	}
	p->fp.nth = n;
	p->fp.nsame = m;
	p->fp.typical = word[0] != '\0';
	return;
 bad:
	parse_error(p, p->lineno, "malformed Entry line, expected "
	    "Entry N of M [typical]");
}

static void
entry_open(struct fpparse *p, const char *name, size_t len)
{
	entry_close(p);
	memset(&p->fp, 0, sizeof(p->fp));
	p->nmeta = 0;
	p->npend = 0;
	p->incur = 1;
	p->skipping = 0;
	p->fp.lineno = p->lineno;
	if ((p->fp.name = arena_strdup(p->db, name, len)) == NULL)
		p->nomem = 1;
}

static int
entry_empty(const struct fingerprint *fp)
{
	int	 i;

	for (i = 0; i < FPT_MAX; i++)
		if (fp->test[i] != NULL)
			return (0);
	for (i = 0; i < G1_MAX; i++)
		if (fp->g1[i] != NULL)
			return (0);
	return (1);
}

static void
entry_close(struct fpparse *p)
{
	struct fpdb		*db = p->db;
	struct fingerprint	*fps;
	struct fpmeta		*meta = NULL;
	size_t			 ncap, len;
	uint32_t		 hv;

	if (!p->incur)
		return;
	/* Only lines that name neither generation: the second. */
	if (p->npend > 0)
		pend_flush(p, 2);
	p->incur = 0;
	if (p->errors || p->nomem)
		return;
	if (entry_empty(&p->fp)) {
		parse_warn(p, p->fp.lineno, "fingerprint %s has no tests, "
		    "skipped", p->fp.name);
		return;
	}
	if (p->nmeta > 0) {
		if ((meta = arena_alloc(db, p->nmeta * sizeof(*meta))) == NULL)
			goto nomem;
		memcpy(meta, p->meta, p->nmeta * sizeof(*meta));
	}
	p->fp.meta = meta;
	p->fp.nmeta = p->nmeta;
	if (p->fp.gen == 1)
		map_g1(p, &p->fp);
	if (db->nfps == db->capfps) {
		ncap = db->capfps ? db->capfps * 2 : 256;
		if ((fps = reallocarray(db->fps, ncap, sizeof(*fps))) == NULL)
			goto nomem;
		db->fps = fps;
		db->capfps = ncap;
	}
	db->fps[db->nfps++] = p->fp;
	/* Names repeat in nmap-os-db: the first for now, fpdb_number. */
	len = strlen(p->fp.name);
	hv = fph_hash(NULL, p->fp.name, len);
	if (fph_find(&db->names, NULL, p->fp.name, len, hv) == NULL &&
	    fph_add(&db->names, NULL, p->fp.name, len, hv,
	    (void *)(uintptr_t)db->nfps) == -1)
		goto nomem;
	return;
 nomem:
	p->nomem = 1;
}

static void
parse_line(struct fpparse *p, const char *s, size_t len)
{
	const char	*w, *paren;
	size_t		 wlen;

	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	if (len == 0 || *s == '#')
		return;
	if (memchr(s, '\0', len) != NULL) {
		parse_error(p, p->lineno, "NUL byte in line");
		return;
	}
	for (w = s; w < s + len && !isspace((unsigned char)*w) && *w != '(';
	    w++)
		;
	wlen = w - s;
	while (w < s + len && isspace((unsigned char)*w))
		w++;

	if (wlen == 11 && memcmp(s, "Fingerprint", 11) == 0) {
		if (w == s + len || w == s + wlen) {
			parse_error(p, p->lineno, "Fingerprint without a name");
			return;
		}
		entry_open(p, w, s + len - w);
		return;
	}
	if (wlen == 11 && memcmp(s, "MatchPoints", 11) == 0) {
		/* nmap's scoring weights: nothing an emulator needs. */
		entry_close(p);
		p->skipping = 1;
		return;
	}
	if ((wlen == 5 && memcmp(s, "Class", 5) == 0) ||
	    (wlen == 5 && memcmp(s, "Entry", 5) == 0) ||
	    (wlen == 3 && memcmp(s, "CPE", 3) == 0)) {
		if (!p->incur)
			parse_error(p, p->lineno, "%.*s outside a fingerprint",
			    (int)wlen, s);
		else if (wlen == 3)
			parse_cpe(p, w, s + len - w);
		else if (*s == 'C')
			parse_class(p, w, s + len - w);
		else
			parse_entry(p, w, s + len - w);
		return;
	}

	paren = s + wlen;
	if (wlen == 0 || paren == s + len || *paren != '(' ||
	    s[len - 1] != ')') {
		parse_error(p, p->lineno, "malformed line, expected "
		    "TEST(ATTR=VALUE%%...)");
		return;
	}
	if (p->skipping)
		return;
	if (!p->incur) {
		parse_error(p, p->lineno, "test line outside a fingerprint");
		return;
	}
	parse_test(p, s, wlen, paren + 1, s + len - 1 - (paren + 1));
}

/* The array grew by doubling; give back what the last step overshot. */
static void
fpdb_shrink(struct fpdb *db)
{
	struct fingerprint	*fps;

	if (db->nfps > 0 && db->nfps < db->capfps &&
	    (fps = reallocarray(db->fps, db->nfps, sizeof(*fps))) != NULL) {
		db->fps = fps;
		db->capfps = db->nfps;
	}
}

struct fpdb *
fpdb_load_buffer(const char *file, const char *buf, size_t len)
{
	struct fpparse	 p;
	const char	*line, *end = buf + len, *nl;

	memset(&p, 0, sizeof(p));
	p.file = file;
	if ((p.db = calloc(1, sizeof(*p.db))) == NULL) {
		log_diag("%s: %s", file, strerror(errno));
		return (NULL);
	}
	for (line = buf; line < end && !p.nomem &&
	    p.errors < FPDB_MAXERRORS; line = nl < end ? nl + 1 : end) {
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			nl = end;
		p.lineno++;
		parse_line(&p, line, nl - line);
	}
	entry_close(&p);
	free(p.meta);
	/* Only needed while reading; the lines table points into buf. */
	fphash_clear(&p.db->lines);
	fphash_clear(&p.db->strs);
	if (!p.nomem && !p.errors && fpdb_number(p.db) == -1)
		p.nomem = 1;
	if (p.nomem)
		log_diag("%s: out of memory", file);
	if (p.nomem || p.errors) {
		fpdb_free(p.db);
		return (NULL);
	}
	fpdb_shrink(p.db);
	return (p.db);
}

struct fpdb *
fpdb_load(const char *path)
{
	struct fpdb	*db = NULL;
	struct stat	 st;
	char		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		log_diag("%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == -1) {
		log_diag("%s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > FPDB_MAXFILE) {
		log_diag("%s: %s", path, S_ISREG(st.st_mode) ?
		    "file too large" : "not a regular file");
		goto done;
	}
	if ((buf = malloc(st.st_size + 1)) == NULL) {
		log_diag("%s: %s", path, strerror(errno));
		goto done;
	}
	while (off < (size_t)st.st_size &&
	    (n = read(fd, buf + off, st.st_size - off)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_diag("%s: %s", path, strerror(errno));
			goto done;
		}
		off += n;
	}
	db = fpdb_load_buffer(path, buf, off);
 done:
	free(buf);
	close(fd);
	return (db);
}

static void
fphash_clear(struct fphash *h)
{
	free(h->ent);
	memset(h, 0, sizeof(*h));
}

void
fpdb_free(struct fpdb *db)
{
	struct arenablk	*b, *next;
	size_t		 i;

	if (db == NULL)
		return;
	for (i = 0; i < db->exprs.cap; i++)
		if (db->exprs.ent[i].key != NULL)
			fpexpr_free(db->exprs.ent[i].val);
	fphash_clear(&db->exprs);
	fphash_clear(&db->lines);
	fphash_clear(&db->names);
	fphash_clear(&db->strs);
	for (b = db->arena; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(db->fps);
	free(db);
}

size_t
fpdb_count(const struct fpdb *db)
{
	return (db->nfps);
}

const struct fingerprint *
fpdb_nth(const struct fpdb *db, size_t i)
{
	return (i < db->nfps ? &db->fps[i] : NULL);
}

/* Exact, case-sensitive; of entries sharing a name, the typical one. */
const struct fingerprint *
fpdb_find(const struct fpdb *db, const char *name)
{
	struct fphent	*e;
	size_t		 len = strlen(name);

	e = fph_find(&db->names, NULL, name, len, fph_hash(NULL, name, len));
	return (e != NULL ? &db->fps[(uintptr_t)e->val - 1] : NULL);
}

/*
 * The n-th entry (1-based) of that name, the typical one for 0, NULL if
 * there is none.  A walk: only configuration loads ask.
 */
const struct fingerprint *
fpdb_find_entry(const struct fpdb *db, const char *name, u_int n)
{
	size_t	 i;

	if (n == 0)
		return (fpdb_find(db, name));
	for (i = 0; i < db->nfps; i++)
		if (db->fps[i].nth == n && strcmp(db->fps[i].name, name) == 0)
			return (&db->fps[i]);
	return (NULL);
}

/* How many entries have that name in the file they came from. */
u_int
fpdb_entries(const struct fpdb *db, const char *name)
{
	const struct fingerprint	*fp;

	return ((fp = fpdb_find(db, name)) != NULL ? fp->nsame : 0);
}

/* The index of the first entry of that name, before fpdb_number. */
static size_t
name_first(const struct fpdb *db, const char *name)
{
	struct fphent	*e;
	size_t		 len = strlen(name);

	e = fph_find(&db->names, NULL, name, len, fph_hash(NULL, name, len));
	return ((uintptr_t)e->val - 1);
}

/* Whether fp answers probe t (U1, IE): the line is there, R is not N. */
static int
fp_answers(const struct fingerprint *fp, enum fp_test t)
{
	const struct fpexpr	*r;

	if (fp->test[t] == NULL)
		return (0);
	r = fingerprint_attr(fp, t, 0);		/* R, for both */
	return (r == NULL || fpexpr_match(r, "Y"));
}

/* An attribute's value to compare: the expression, NULL, or no line. */
static const char	 fp_noline;

static const void *
fp_value(const struct fingerprint *fp, enum fp_test t, u_int a)
{
	if (fp->test[t] == NULL)
		return (&fp_noline);
	return (a < fp->test[t]->nattr ? fp->test[t]->v[a] : NULL);
}

/* Expressions are interned by text, but a first-generation one is not. */
static int
fp_same(const void *x, const void *y)
{
	if (x == y)
		return (1);
	if (x == NULL || y == NULL || x == &fp_noline || y == &fp_noline)
		return (0);
	return (strcmp(((const struct fpexpr *)x)->raw,
	    ((const struct fpexpr *)y)->raw) == 0);
}

#define FP_MAXATTR	16		/* more than any test has */

/*
 * Of k entries sharing a name, the most typical: for each attribute of
 * each test, the value most of them have (the first such on a tie), and
 * the entry that has most of these values, the first on a tie.  If most
 * of them answer the ping (IE) or the UDP probe (U1), only an entry
 * that does may win: a user who asks for "Linux 2.6.32" expects a host
 * that answers as most Linux 2.6.32 hosts did.  Entries are compared
 * by what they say, so the choice depends on the file alone.
 */
static size_t
fpdb_typical(const struct fpdb *db, const size_t *m, size_t k,
    const void **dv, size_t *dc)
{
	const struct fingerprint *fp;
	const void	*mode[FPT_MAX][FP_MAXATTR], *v;
	size_t		 i, j, nd, best, nie = 0, nu1 = 0;
	u_int		 t, a, score, top = 0;
	int		 pass, found = 0;

	/* Distinct values and their counts, in order of first sight. */
	for (t = 0; t < FPT_MAX; t++)
		for (a = 0; a < FP_MAXATTR; a++) {
			nd = 0;
			for (i = 0; i < k; i++) {
				v = fp_value(&db->fps[m[i]], t, a);
				for (j = 0; j < nd && !fp_same(v, dv[j]); j++)
					;
				if (j == nd) {
					dv[nd] = v;
					dc[nd++] = 0;
				}
				dc[j]++;
			}
			for (best = 0, j = 1; j < nd; j++)
				if (dc[j] > dc[best])
					best = j;
			mode[t][a] = dv[best];
		}
	for (i = 0; i < k; i++) {
		nie += fp_answers(&db->fps[m[i]], FPT_IE);
		nu1 += fp_answers(&db->fps[m[i]], FPT_U1);
	}
	best = 0;
	/* Pass 0 keeps the answering rule; pass 1 if no entry meets it. */
	for (pass = 0; pass < 2 && !found; pass++)
		for (i = 0; i < k; i++) {
			fp = &db->fps[m[i]];
			if (pass == 0 &&
			    ((2 * nie > k && !fp_answers(fp, FPT_IE)) ||
			    (2 * nu1 > k && !fp_answers(fp, FPT_U1))))
				continue;
			for (score = 0, t = 0; t < FPT_MAX; t++)
				for (a = 0; a < FP_MAXATTR; a++)
					score += fp_same(fp_value(fp, t, a),
					    mode[t][a]);
			if (!found || score > top) {
				top = score;
				best = i;
				found = 1;
			}
		}
	return (m[best]);
}

/*
 * Number the entries of each name (unless an Entry line did) and point
 * the name at its typical entry: the one marked so, else fpdb_typical's.
 */
static int
fpdb_number(struct fpdb *db)
{
	struct fphent	*e;
	size_t		*grp = NULL, *next = NULL, *last = NULL, *m = NULL;
	size_t		*dc = NULL, i, j, k, rep, len;
	const void	**dv = NULL;
	int		 rv = -1;

	if (db->nfps == 0)
		return (0);
	if ((grp = calloc(db->nfps, sizeof(*grp))) == NULL ||
	    (next = calloc(db->nfps, sizeof(*next))) == NULL ||
	    (last = calloc(db->nfps, sizeof(*last))) == NULL ||
	    (m = calloc(db->nfps, sizeof(*m))) == NULL ||
	    (dv = calloc(db->nfps, sizeof(*dv))) == NULL ||
	    (dc = calloc(db->nfps, sizeof(*dc))) == NULL)
		goto done;
	for (i = 0; i < db->nfps; i++) {
		grp[i] = name_first(db, db->fps[i].name);
		next[i] = SIZE_MAX;
		if (grp[i] != i)
			next[last[grp[i]]] = i;
		last[grp[i]] = i;
	}
	for (i = 0; i < db->nfps; i++) {
		if (grp[i] != i)
			continue;
		rep = SIZE_MAX;
		for (k = 0, j = i; j != SIZE_MAX; j = next[j]) {
			m[k++] = j;
			if (db->fps[j].typical && rep == SIZE_MAX)
				rep = j;
		}
		for (j = 0; j < k; j++) {
			if (db->fps[m[j]].nth == 0) {
				db->fps[m[j]].nth = j + 1;
				db->fps[m[j]].nsame = k;
			}
			db->fps[m[j]].typical = 0;
		}
		if (rep == SIZE_MAX)
			rep = k > 1 ? fpdb_typical(db, m, k, dv, dc) : i;
		db->fps[rep].typical = 1;
		len = strlen(db->fps[i].name);
		e = fph_find(&db->names, NULL, db->fps[i].name, len,
		    fph_hash(NULL, db->fps[i].name, len));
		e->val = (void *)(uintptr_t)(rep + 1);
	}
	rv = 0;
 done:
	free(grp);
	free(next);
	free(last);
	free(m);
	free(dv);
	free(dc);
	return (rv);
}

/* A random entry: from r if given, else from arc4random. */
const struct fingerprint *
fpdb_random(const struct fpdb *db, struct fprng *r)
{
	uint32_t	 i;

	if (db->nfps == 0)
		return (NULL);
	i = r != NULL ? fprng_uniform(r, db->nfps) :
	    arc4random_uniform(db->nfps);
	return (&db->fps[i]);
}

/* For pers_check: 0 if the personality exists, -1 if not. */
int
fpdb_check_name(const char *name, void *arg)
{
	return (fpdb_find(arg, name) != NULL ? 0 : -1);
}

/*
 * First generation mapping.  Each old alternative is rewritten into the
 * new syntax, or dropped where the new format has no equivalent; an
 * attribute left with no alternative stays unchecked.  The old lines
 * stay in fp->g1[] for what has no slot (TSeq Class/SI/Val, PU TOS and
 * ULEN).
 */
static void
sb_add(struct sbuf *sb, const char *s, size_t len)
{
	if (sb->len + len > FPX_MAXLEN) {
		sb->overflow = 1;
		return;
	}
	memcpy(sb->b + sb->len, s, len);
	sb->len += len;
}

static void
sb_alt(struct sbuf *sb)
{
	if (sb->nalt++ > 0)
		sb_add(sb, "|", 1);
}

static int
map_lookup(const char *const tab[][2], const struct fpexpr *e,
    const struct fpterm *t, struct sbuf *sb)
{
	const char	*s = e->raw + t->off;
	u_int		 i;

	for (i = 0; tab[i][0] != NULL; i++) {
		if (strlen(tab[i][0]) == t->len &&
		    memcmp(tab[i][0], s, t->len) == 0) {
			sb_alt(sb);
			sb_add(sb, tab[i][1], strlen(tab[i][1]));
			return (0);
		}
	}
	return (-1);
}

static int
map_copy(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	sb_alt(sb);
	sb_add(sb, e->raw + t->off, t->len);
	return (0);
}

static int
map_ipid(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	/* RPI (random positive increments) is what RI means now. */
	static const char *const tab[][2] = { { "I", "I" }, { "BI", "BI" },
	    { "RI", "RI" }, { "RPI", "RI" }, { "RD", "RD" }, { "Z", "Z" },
	    { NULL, NULL } };

	return (map_lookup(tab, e, t, sb));
}

static int
map_ts(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	/* The new TS is the rounded log2 of the rate, with 1, 7, 8 fixed. */
	static const char *const tab[][2] = { { "0", "0" }, { "U", "U" },
	    { "2HZ", "1" }, { "100HZ", "7" }, { "200HZ", "8" },
	    { "1000HZ", "A" }, { NULL, NULL } };

	return (map_lookup(tab, e, t, sb));
}

static int
map_ack(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	static const char *const tab[][2] = { { "S++", "S+" }, { "S", "S" },
	    { "O", "O" }, { NULL, NULL } };

	return (map_lookup(tab, e, t, sb));
}

/* Reorder the letters the way nmap prints F; the old bogus flag B has
 * no successor, so such an alternative is dropped. */
static int
map_flags(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	const char	*s = e->raw + t->off, *f;

	if (t->op == FPX_SYMBOL && memchr(s, 'B', t->len) != NULL)
		return (-1);
	sb_alt(sb);
	for (f = "EUAPRSF"; *f != '\0'; f++)
		if (t->op == FPX_SYMBOL && memchr(s, *f, t->len) != NULL)
			sb_add(sb, f, 1);
	return (0);
}

/*
 * Old option strings name options without values.  Give each the value
 * a SYN/ACK most often carries: MSS 1460, wscale 0, timestamps set and
 * echoed; E meant "MSS echoed", and the old probes offered 265.
 */
static int
map_ops(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	const char	*s = e->raw + t->off, *v;
	u_int		 i;

	sb_alt(sb);
	for (i = 0; t->op == FPX_SYMBOL && i < t->len; i++) {
		switch (s[i]) {
		case 'M':
			v = "M5B4";
			break;
		case 'E':
			v = "M109";
			break;
		case 'W':
			v = "W0";
			break;
		case 'T':
			v = "T11";
			break;
		case 'N':
			v = "N";
			break;
		default:
			v = "L";
			break;
		}
		sb_add(sb, v, strlen(v));
	}
	return (0);
}

/* nmap now reports the expected 0x148 as G. */
static int
map_riptl(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	if (t->op == FPX_EQ && t->lo == 0x148) {
		sb_alt(sb);
		sb_add(sb, "G", 1);
		return (0);
	}
	return (map_copy(e, t, sb));
}

static int
map_rid(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	static const char *const tab[][2] = { { "E", "G" }, { NULL, NULL } };

	return (map_lookup(tab, e, t, sb));
}

static int
map_ripck(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	static const char *const tab[][2] = { { "E", "G" }, { "F", "I" },
	    { "0", "Z" }, { NULL, NULL } };

	return (map_lookup(tab, e, t, sb));
}

static int
map_uck(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	static const char *const tab[][2] = { { "E", "G" }, { "0", "0" },
	    { NULL, NULL } };

	return (map_lookup(tab, e, t, sb));
}

static int
map_dat(const struct fpexpr *e, const struct fpterm *t, struct sbuf *sb)
{
	static const char *const tab[][2] = { { "E", "G" }, { "F", "I" },
	    { NULL, NULL } };

	return (map_lookup(tab, e, t, sb));
}

static void
map_attr(struct fpparse *p, const struct fpline *old, u_int oa, mapfn fn,
    struct fpline *l, const struct fpkind *k, u_int na)
{
	const struct fpexpr	*e = old->v[oa];
	struct sbuf		 sb;
	const char		*name = k->attr[na].name;
	u_int			 i;

	if (e == NULL)
		return;
	memset(&sb, 0, sizeof(sb));
	for (i = 0; i < e->nterms; i++) {
		/* Only the option strings have a meaning for empty. */
		if (e->term[i].op == FPX_EMPTY && fn != map_ops)
			continue;
		fn(e, &e->term[i], &sb);
	}
	if (sb.nalt == 0 || sb.overflow)
		return;
	l->v[na] = intern_expr(p, k->attr[na].type, sb.b, sb.len, name,
	    strlen(name));
}

/* An old line without Resp described a response. */
static void
map_resp(struct fpparse *p, const struct fpline *old, u_int oa,
    struct fpline *l, const struct fpkind *k, u_int na)
{
	if (old->v[oa] != NULL)
		map_attr(p, old, oa, map_copy, l, k, na);
	else
		l->v[na] = intern_expr(p, k->attr[na].type, "Y", 1, "R", 1);
}

/*
 * The SEQ probes whose answers OPS and WIN describe are SYNs to an
 * open port, which is what the old T1 was: its window and options
 * answer all six.
 */
static void
map_synack(struct fpparse *p, struct fingerprint *fp)
{
	const struct fpline	*t1 = fp->test[FPT_T1];
	struct fpline		*l;
	int			 i;

	if (t1 == NULL)
		return;
	if (t1->v[FP_T_W] != NULL && (l = line_new(p, &k_win)) != NULL) {
		for (i = FP_WIN_W1; i <= FP_WIN_W6; i++)
			l->v[i] = t1->v[FP_T_W];
		fp->test[FPT_WIN] = l;
	}
	if (t1->v[FP_T_O] != NULL && (l = line_new(p, &k_ops)) != NULL) {
		for (i = FP_OPS_O1; i <= FP_OPS_O6; i++)
			l->v[i] = t1->v[FP_T_O];
		fp->test[FPT_OPS] = l;
	}
}

static void
map_g1(struct fpparse *p, struct fingerprint *fp)
{
	const struct fpline	*o;
	struct fpline		*l;
	int			 i;

	if ((o = fp->g1[G1_TSEQ]) != NULL &&
	    (l = line_new(p, &k_seq)) != NULL) {
		map_attr(p, o, FP_G1S_GCD, map_copy, l, &k_seq, FP_SEQ_GCD);
		map_attr(p, o, FP_G1S_IPID, map_ipid, l, &k_seq, FP_SEQ_TI);
		map_attr(p, o, FP_G1S_TS, map_ts, l, &k_seq, FP_SEQ_TS);
		fp->test[FPT_SEQ] = l;
	}
	for (i = 0; i < 7; i++) {
		if ((o = fp->g1[G1_T1 + i]) == NULL ||
		    (l = line_new(p, &k_tcp)) == NULL)
			continue;
		map_resp(p, o, FP_G1T_RESP, l, &k_tcp, FP_T_R);
		map_attr(p, o, FP_G1T_DF, map_copy, l, &k_tcp, FP_T_DF);
		map_attr(p, o, FP_G1T_W, map_copy, l, &k_tcp, FP_T_W);
		map_attr(p, o, FP_G1T_ACK, map_ack, l, &k_tcp, FP_T_A);
		map_attr(p, o, FP_G1T_FLAGS, map_flags, l, &k_tcp, FP_T_F);
		map_attr(p, o, FP_G1T_OPS, map_ops, l, &k_tcp, FP_T_O);
		fp->test[FPT_T1 + i] = l;
	}
	if ((o = fp->g1[G1_PU]) != NULL && (l = line_new(p, &k_u1)) != NULL) {
		map_resp(p, o, FP_G1U_RESP, l, &k_u1, FP_U1_R);
		map_attr(p, o, FP_G1U_DF, map_copy, l, &k_u1, FP_U1_DF);
		map_attr(p, o, FP_G1U_IPLEN, map_copy, l, &k_u1, FP_U1_IPL);
		map_attr(p, o, FP_G1U_RIPTL, map_riptl, l, &k_u1, FP_U1_RIPL);
		map_attr(p, o, FP_G1U_RID, map_rid, l, &k_u1, FP_U1_RID);
		map_attr(p, o, FP_G1U_RIPCK, map_ripck, l, &k_u1, FP_U1_RIPCK);
		map_attr(p, o, FP_G1U_UCK, map_uck, l, &k_u1, FP_U1_RUCK);
		map_attr(p, o, FP_G1U_DAT, map_dat, l, &k_u1, FP_U1_RUD);
		fp->test[FPT_U1] = l;
	}
	map_synack(p, fp);
}

static void
print_line(FILE *f, const char *name, const struct fpkind *k,
    const struct fpline *l)
{
	const char	*sep = "";
	u_int		 i;

	if (l == NULL)
		return;
	fprintf(f, "%s(", name);
	for (i = 0; i < k->nattr; i++) {
		if (l->v[i] == NULL)
			continue;
		fprintf(f, "%s%s=%s", sep, k->attr[i].name, l->v[i]->raw);
		sep = "%";
	}
	fputs(")\n", f);
}

/* As nmap writes it: an empty field leaves "||" behind. */
static void
print_class(FILE *f, const struct fpmeta *m)
{
	int	 i;

	fputs("Class", f);
	for (i = 0; i < 4; i++) {
		/* "Class|" would not read back as the keyword. */
		if (i > 0)
			fputs(i == 1 || m->f[i - 1][0] != '\0' ? " |" : "|", f);
		if (m->f[i][0] != '\0')
			fprintf(f, " %s", m->f[i]);
	}
	fputc('\n', f);
}

/*
 * One entry, canonically: parsing this back and printing it again
 * gives the same bytes.  Second-generation entries come out in nmap's
 * current format, as nmap-os-db has them; first-generation entries in
 * their own, because the current format has no place for what did not
 * map and the engine must get back exactly what the parent read.  A
 * repeated name gets an Entry line: a file of chosen entries (the
 * engine's) then finds by name and number what this one did.
 */
void
fingerprint_print_entry(FILE *f, const struct fingerprint *fp)
{
	print_entry(f, fp, fp->nsame > 1);
}

static void
print_entry(FILE *f, const struct fingerprint *fp, int entry)
{
	u_int	 i;

	fprintf(f, "Fingerprint %s\n", fp->name);
	if (entry)
		fprintf(f, "Entry %u of %u%s\n", fp->nth, fp->nsame,
		    fp->typical ? " typical" : "");
	for (i = 0; i < fp->nmeta; i++) {
		if (fp->meta[i].type == FPM_CLASS)
			print_class(f, &fp->meta[i]);
		else
			fprintf(f, "CPE %s\n", fp->meta[i].f[0]);
	}
	if (fp->gen == 1) {
		for (i = 0; i < G1_MAX; i++)
			print_line(f, g1tests[i].name, g1tests[i].kind,
			    fp->g1[i]);
	} else {
		for (i = 0; i < FPT_MAX; i++)
			print_line(f, tests[i].name, tests[i].kind,
			    fp->test[i]);
	}
}

const char *
fingerprint_name(const struct fingerprint *fp)
{
	return (fp->name);
}

const struct fpexpr *
fingerprint_attr(const struct fingerprint *fp, enum fp_test t, u_int a)
{
	const struct fpline	*l;

	if ((u_int)t >= FPT_MAX || (l = fp->test[t]) == NULL || a >= l->nattr)
		return (NULL);
	return (l->v[a]);
}

const struct fpexpr *
fingerprint_g1attr(const struct fingerprint *fp, enum fp_g1test t, u_int a)
{
	const struct fpline	*l;

	if ((u_int)t >= G1_MAX || (l = fp->g1[t]) == NULL || a >= l->nattr)
		return (NULL);
	return (l->v[a]);
}

/*
 * How to pick each attribute.  Sequence rate, predictability and
 * timestamp rate are measured with noise, so a host aims at the middle
 * of their ranges; everything else is exact and any listed value does.
 */
int
fp_pick_flags(enum fp_test t, u_int a)
{
	if (t == FPT_SEQ &&
	    (a == FP_SEQ_SP || a == FP_SEQ_ISR || a == FP_SEQ_TS))
		return (FPX_PICK_MIDDLE);
	return (0);
}

/* Pick a value for one attribute; -1 if the fingerprint leaves it out. */
int
fingerprint_pick(const struct fingerprint *fp, enum fp_test t, u_int a,
    struct fprng *r, struct fpval *val)
{
	const struct fpexpr	*e;

	if ((e = fingerprint_attr(fp, t, a)) == NULL)
		return (-1);
	return (fpexpr_pick(e, r, fp_pick_flags(t, a), val));
}

const char *
fp_test_name(enum fp_test t)
{
	return ((u_int)t < FPT_MAX ? tests[t].name : NULL);
}
