/*
 * Test-value expressions of nmap fingerprints: parse, match, pick.
 *
 * An expression is alternatives separated by '|'.  Each alternative is
 * empty, a symbol, or, where the attribute is numeric, a hex number X,
 * a range X-Y, >X or <X.  Numbers are stored as inclusive bounds so a
 * match is one comparison and a pick one draw.
 *
 * Picking, the engine's side: one alternative is drawn uniformly
 * (every alternative listed is a behaviour nmap accepts, and the file
 * order says nothing about which is typical), then one value within it:
 *   X      X
 *   X-Y    uniform in [X, Y]; FPX_PICK_MIDDLE keeps to the central half,
 *          so a host's ISN rate or SP index sits safely inside the
 *          range nmap measures with noise
 *   >X     uniform in [X + 1, 2X]: above, but of the same magnitude
 *   <X     uniform in [1, X - 1]: zero is left out because for the
 *          counts and divisors nmap compares it means "degenerate"
 * Draws come from struct fprng, which the caller seeds so that the
 * choice is made once and can be made again identically.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

static int	 hexdigit(int);
static int	 sym_listed(const char *, const char *, size_t);
static int	 parse_num(const char *, size_t, struct fpterm *,
		    const char **);
static int	 parse_tcpopts(const char *, size_t);
static int	 parse_letters(const struct fpxtype *, const char *, size_t,
		    const char **);
static int	 parse_term(const struct fpxtype *, const char *, size_t,
		    struct fpterm *, const char **);
static int	 type_numeric(const struct fpxtype *);
static uint32_t	 pick_in(uint32_t, uint32_t, struct fprng *);
static uint32_t	 pick_number(const struct fpterm *, struct fprng *, int);
static const struct fpterm *pick_term(const struct fpexpr *, struct fprng *,
		    int, int);

static int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * Parse exactly len hex digits.  Eight at most: every numeric test
 * value nmap reports fits in 32 bits.
 */
int
fpexpr_hexnum(const char *s, size_t len, uint32_t *out)
{
	uint32_t	 v = 0;
	size_t		 i;
	int		 d;

	if (len == 0 || len > 8)
		return (-1);
	for (i = 0; i < len; i++) {
		if ((d = hexdigit((unsigned char)s[i])) == -1)
			return (-1);
		v = (v << 4) | (uint32_t)d;
	}
	*out = v;
	return (0);
}

/* Is s[0..len) one of the space-separated words of list? */
static int
sym_listed(const char *list, const char *s, size_t len)
{
	const char	*w, *e;

	if (list == NULL)
		return (0);
	for (w = list; *w != '\0'; w = e) {
		while (*w == ' ')
			w++;
		for (e = w; *e != ' ' && *e != '\0'; e++)
			;
		if (e > w && (size_t)(e - w) == len && memcmp(w, s, len) == 0)
			return (1);
	}
	return (0);
}

static int
parse_num(const char *s, size_t len, struct fpterm *t, const char **errstr)
{
	const char	*dash;
	uint32_t	 a, b;

	if (s[0] == '>' || s[0] == '<') {
		if (fpexpr_hexnum(s + 1, len - 1, &a) == -1)
			goto bad;
		if (s[0] == '>') {
			if (a == UINT32_MAX) {
				*errstr = "no number is greater";
				return (-1);
			}
			t->op = FPX_GT;
			t->lo = a + 1;
			t->hi = UINT32_MAX;
		} else {
			if (a == 0) {
				*errstr = "no number is less than 0";
				return (-1);
			}
			t->op = FPX_LT;
			t->lo = 0;
			t->hi = a - 1;
		}
		return (0);
	}
	if ((dash = memchr(s, '-', len)) != NULL) {
		if (fpexpr_hexnum(s, dash - s, &a) == -1 ||
		    fpexpr_hexnum(dash + 1, len - (dash - s) - 1, &b) == -1)
			goto bad;
		if (a > b) {
			*errstr = "range is backwards";
			return (-1);
		}
		t->op = FPX_RANGE;
		t->lo = a;
		t->hi = b;
		return (0);
	}
	if (fpexpr_hexnum(s, len, &a) == -1)
		goto bad;
	t->op = FPX_EQ;
	t->lo = t->hi = a;
	return (0);
 bad:
	*errstr = "bad hex number";
	return (-1);
}

/*
 * nmap's option string: M<mss> N W<wscale> T<0|1><0|1> S L, as the
 * SYN/ACK carried them.  Anything else cannot be built into a packet.
 */
static int
parse_tcpopts(const char *s, size_t len)
{
	size_t	 i = 0, j;

	while (i < len) {
		switch (s[i++]) {
		case 'M':
		case 'W':
			for (j = i; j < len &&
			    hexdigit((unsigned char)s[j]) != -1; j++)
				;
			if (j == i || j - i > 8)
				return (-1);
			i = j;
			break;
		case 'T':
			if (i + 2 > len || (s[i] != '0' && s[i] != '1') ||
			    (s[i + 1] != '0' && s[i + 1] != '1'))
				return (-1);
			i += 2;
			break;
		case 'N':
		case 'S':
		case 'L':
			break;
		default:
			return (-1);
		}
	}
	return (0);
}

static int
parse_letters(const struct fpxtype *type, const char *s, size_t len,
    const char **errstr)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\0' || type->syms == NULL ||
		    strchr(type->syms, s[i]) == NULL) {
			*errstr = "letter not allowed here";
			return (-1);
		}
		if (type->base == FPX_FLAGSET && memchr(s, s[i], i) != NULL) {
			*errstr = "letter repeated";
			return (-1);
		}
	}
	return (0);
}

static int
parse_term(const struct fpxtype *type, const char *s, size_t len,
    struct fpterm *t, const char **errstr)
{
	size_t	 i;

	if (len == 0) {
		t->op = FPX_EMPTY;
		return (0);
	}
	switch (type->base) {
	case FPX_NUM:
		return (parse_num(s, len, t, errstr));
	case FPX_NUMSYM:
		if (!sym_listed(type->syms, s, len))
			return (parse_num(s, len, t, errstr));
		break;
	case FPX_SYM:
		if (!sym_listed(type->syms, s, len)) {
			*errstr = "unknown value";
			return (-1);
		}
		break;
	case FPX_FLAGSET:
	case FPX_CHARS:
		if (parse_letters(type, s, len, errstr) == -1)
			return (-1);
		break;
	case FPX_TCPOPTS:
		if (parse_tcpopts(s, len) == -1) {
			*errstr = "bad TCP option string";
			return (-1);
		}
		break;
	case FPX_WORD:
		for (i = 0; i < len; i++) {
			if (!isalnum((unsigned char)s[i]) && s[i] != '+') {
				*errstr = "bad character in value";
				return (-1);
			}
		}
		break;
	default:
		*errstr = "unknown value type";
		return (-1);
	}
	t->op = FPX_SYMBOL;
	return (0);
}

/*
 * Parse len bytes of text as an expression of the given type.  The
 * result owns a copy of the text; free it with fpexpr_free().
 */
struct fpexpr *
fpexpr_parse(const struct fpxtype *type, const char *text, size_t len,
    const char **errstr)
{
	struct fpexpr	*e;
	char		*raw;
	const char	*s, *bar;
	size_t		 n, i, alen;

	*errstr = NULL;
	if (len > FPX_MAXLEN) {
		*errstr = "expression too long";
		return (NULL);
	}
	if (memchr(text, '\0', len) != NULL) {
		*errstr = "NUL in expression";
		return (NULL);
	}
	for (n = 1, i = 0; i < len; i++)
		if (text[i] == '|')
			n++;
	if ((e = malloc(sizeof(*e) + n * sizeof(e->term[0]) + len + 1)) ==
	    NULL) {
		*errstr = "out of memory";
		return (NULL);
	}
	raw = (char *)&e->term[n];
	memcpy(raw, text, len);
	raw[len] = '\0';
	e->type = type;
	e->raw = raw;
	e->nterms = n;

	for (s = raw, i = 0; i < n; i++, s = bar + 1) {
		if ((bar = strchr(s, '|')) == NULL)
			bar = raw + len;
		alen = bar - s;
		memset(&e->term[i], 0, sizeof(e->term[i]));
		if (alen > UINT8_MAX) {
			*errstr = "alternative too long";
			goto fail;
		}
		e->term[i].off = s - raw;
		e->term[i].len = alen;
		if (parse_term(type, s, alen, &e->term[i], errstr) == -1)
			goto fail;
	}
	return (e);
 fail:
	free(e);
	return (NULL);
}

void
fpexpr_free(struct fpexpr *e)
{
	free(e);
}

static int
type_numeric(const struct fpxtype *type)
{
	return (type->base == FPX_NUM || type->base == FPX_NUMSYM);
}

/*
 * Does a value, written as nmap reports it, satisfy the expression?
 * Numbers compare by value (hex, any case, leading zeros), everything
 * else by exact text.
 */
int
fpexpr_match(const struct fpexpr *e, const char *value)
{
	const struct fpterm	*t;
	size_t			 vlen = strlen(value);
	uint32_t		 v = 0;
	int			 isnum;
	u_int			 i;

	isnum = type_numeric(e->type) && fpexpr_hexnum(value, vlen, &v) == 0;
	for (i = 0; i < e->nterms; i++) {
		t = &e->term[i];
		switch (t->op) {
		case FPX_EMPTY:
			if (vlen == 0)
				return (1);
			break;
		case FPX_SYMBOL:
			if (t->len == vlen &&
			    memcmp(e->raw + t->off, value, vlen) == 0)
				return (1);
			break;
		default:
			if (isnum && v >= t->lo && v <= t->hi)
				return (1);
			break;
		}
	}
	return (0);
}

int
fpexpr_match_num(const struct fpexpr *e, uint32_t v)
{
	const struct fpterm	*t;
	u_int			 i;

	for (i = 0; i < e->nterms; i++) {
		t = &e->term[i];
		if (t->op >= FPX_EQ && v >= t->lo && v <= t->hi)
			return (1);
	}
	return (0);
}

/*
 * splitmix64: tiny, fast, and every seed (zero included) gives a
 * good stream.  Not for secrets; the values it picks are public.
 */
void
fprng_seed(struct fprng *r, uint64_t seed)
{
	r->s = seed;
}

uint32_t
fprng_next(struct fprng *r)
{
	uint64_t	 z;

	z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return ((uint32_t)((z ^ (z >> 31)) >> 32));
}

/* Uniform in [0, n) without modulo bias; n == 0 means 2^32. */
uint32_t
fprng_uniform(struct fprng *r, uint32_t n)
{
	uint32_t	 x, min;

	if (n == 0)
		return (fprng_next(r));
	min = -n % n;
	do {
		x = fprng_next(r);
	} while (x < min);
	return (x % n);
}

static uint32_t
pick_in(uint32_t lo, uint32_t hi, struct fprng *r)
{
	return (lo + fprng_uniform(r, hi - lo + 1));
}

static uint32_t
pick_number(const struct fpterm *t, struct fprng *r, int flags)
{
	uint32_t	 lo = t->lo, hi = t->hi, q;

	switch (t->op) {
	case FPX_GT:
		/* t->lo is X + 1: stay at or below 2X, clamped at the top. */
		q = lo - 1;
		hi = q > UINT32_MAX - q ? UINT32_MAX : 2 * q;
		if (hi < lo)
			hi = lo;
		break;
	case FPX_LT:
		if (hi > 0)
			lo = 1;
		break;
	case FPX_RANGE:
		if (flags & FPX_PICK_MIDDLE) {
			q = (uint32_t)(((uint64_t)hi - lo + 2) / 4);
			lo += q;
			hi -= q;
		}
		break;
	}
	return (pick_in(lo, hi, r));
}

/* Choose an alternative; numonly skips those that are not numbers. */
static const struct fpterm *
pick_term(const struct fpexpr *e, struct fprng *r, int flags, int numonly)
{
	u_int	 i, n, k;

	for (n = 0, i = 0; i < e->nterms; i++)
		if (!numonly || e->term[i].op >= FPX_EQ)
			n++;
	if (n == 0)
		return (NULL);
	k = (flags & FPX_PICK_FIRST) ? 0 : fprng_uniform(r, n);
	for (i = 0; i < e->nterms; i++) {
		if (numonly && e->term[i].op < FPX_EQ)
			continue;
		if (k-- == 0)
			return (&e->term[i]);
	}
	return (NULL);
}

/* One concrete value satisfying e; see the policy at the top. */
int
fpexpr_pick(const struct fpexpr *e, struct fprng *r, int flags,
    struct fpval *val)
{
	const struct fpterm	*t;

	if ((t = pick_term(e, r, flags, 0)) == NULL)
		return (-1);
	memset(val, 0, sizeof(*val));
	if (t->op >= FPX_EQ) {
		val->isnum = 1;
		val->num = pick_number(t, r, flags);
	} else {
		val->str = e->raw + t->off;
		val->len = t->op == FPX_SYMBOL ? t->len : 0;
	}
	return (0);
}

/* As fpexpr_pick, among the numeric alternatives only. */
int
fpexpr_pick_num(const struct fpexpr *e, struct fprng *r, int flags,
    uint32_t *out)
{
	const struct fpterm	*t;

	if ((t = pick_term(e, r, flags, 1)) == NULL)
		return (-1);
	*out = pick_number(t, r, flags);
	return (0);
}

/* As fpexpr_pick, written as nmap would report it (numbers in hex). */
int
fpexpr_pick_str(const struct fpexpr *e, struct fprng *r, int flags,
    char *buf, size_t size)
{
	struct fpval	 v;
	int		 n;

	if (fpexpr_pick(e, r, flags, &v) == -1)
		return (-1);
	if (v.isnum)
		n = snprintf(buf, size, "%X", (u_int)v.num);
	else
		n = snprintf(buf, size, "%.*s", (int)v.len, v.str);
	if (n < 0 || (size_t)n >= size)
		return (-1);
	return (0);
}
