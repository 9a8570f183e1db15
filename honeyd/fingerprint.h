/*
 * The fingerprint database's header: the database (fingerprint.c) and
 * the test-value expressions it is made of (fpexpr.c).  The personality
 * engine that plays the fingerprints back has its own, pers.h.
 *
 * A fingerprint describes how one operating system answers nmap's OS
 * detection probes.  Two file generations exist:
 *
 *  gen 2  nmap's current nmap-os-db: SEQ OPS WIN ECN T1-T7 U1 IE, each
 *         a line NAME(ATTR=VALUE%...).  An attribute missing from a line
 *         is one nmap does not check; a missing line likewise.
 *  gen 1  the format of the Honeyd paper (nmap before 4.50): TSeq,
 *         T1-T7 with Resp/DF/W/ACK/Flags/Ops, and PU.  Such entries are
 *         kept as written (g1[]) and also mapped onto the gen 2 slots
 *         (test[]) where a test corresponds, so the engine reads one
 *         structure whatever the file said:
 *           TSeq gcd -> SEQ GCD, IPID -> TI, TS -> TS (2HZ is 1, ...)
 *           T1-T7 Resp -> R (Y when absent), DF, W, ACK -> A (S++ is
 *             S+), Flags -> F, Ops -> O (values supplied: M5B4, W0, T11)
 *           PU Resp -> U1 R, DF, IPLEN -> IPL, RIPTL -> RIPL, RID,
 *             RIPCK, UCK -> RUCK, DAT -> RUD (E is G, F is I)
 *         TSeq Class/SI/Val and PU TOS/ULEN have no slot: read g1[].
 *         WIN and OPS repeat T1's W and O: the old T1 was a SYN to an
 *         open port, as the SEQ probes are.  Gen 1 has no ECN or IE.
 *
 * Values are expressions: alternatives A|B, ranges A-B, >A, <A and the
 * empty string.  Numbers are hexadecimal.  An emulator has no use for
 * matching at run time: it picks one concrete value per attribute
 * (fingerprint_pick, fpexpr_pick) from a generator seeded by the
 * fingerprint's name, once, and keeps it.  fpexpr_match is for checks and tests.
 */

#ifndef FINGERPRINT_H
#define FINGERPRINT_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Expressions (fpexpr.c).
 */

/* What an attribute's values may be; the nmap book fixes this per test. */
enum fpx_base {
	FPX_NUM,	/* hex numbers only: W=8000, T=3B-45, GCD=<6 */
	FPX_NUMSYM,	/* hex numbers or one of syms: TI=Z|RD|1F4 */
	FPX_SYM,	/* one of syms: R=Y, A=S+|O */
	FPX_FLAGSET,	/* letters of syms, each at most once: F=AS, Q=RU */
	FPX_CHARS,	/* letters of syms, repeats allowed: Ops=MNWNNT */
	FPX_TCPOPTS,	/* TCP options: O1=M5B4NW8ST11 */
	FPX_WORD,	/* any word of [A-Za-z0-9+]: first-generation text */
};

struct fpxtype {
	enum fpx_base	 base;
	/* SYM, NUMSYM: words separated by spaces; FLAGSET, CHARS: letters */
	const char	*syms;
};

enum fpx_op {
	FPX_EMPTY,		/* matches only the empty string */
	FPX_SYMBOL,		/* exact text */
	FPX_EQ,			/* number, lo == hi */
	FPX_RANGE,		/* lo-hi, inclusive */
	FPX_GT,			/* >X: lo = X + 1, hi = UINT32_MAX */
	FPX_LT,			/* <X: lo = 0, hi = X - 1 */
};

/* One alternative of an expression. */
struct fpterm {
	uint8_t		 op;		/* enum fpx_op */
	uint8_t		 len;		/* its text: length */
	uint16_t	 off;		/* its text: offset in raw */
	uint32_t	 lo, hi;	/* numbers: inclusive bounds */
};

struct fpexpr {
	const struct fpxtype	*type;
	const char		*raw;		/* the text as written */
	uint16_t		 nterms;
	struct fpterm		 term[];
};

#define FPX_MAXLEN	4096		/* longest expression text */

/* Deterministic generator: the same seed makes the same choices again. */
struct fprng {
	uint64_t	 s;
};

/* Picker policy bits. */
#define FPX_PICK_MIDDLE	0x01	/* ranges: the central half only */
#define FPX_PICK_FIRST	0x02	/* the first alternative, not any */

/* A picked value: a number or a piece of the expression's text. */
struct fpval {
	int		 isnum;
	uint32_t	 num;
	const char	*str;		/* !isnum: not NUL-terminated */
	size_t		 len;
};

/*
 * Gen 2 tests, in file order, and their attributes.  Each enum indexes
 * struct fpline's v[] for that test.
 */
enum fp_test {
	FPT_SEQ, FPT_OPS, FPT_WIN, FPT_ECN,
	FPT_T1, FPT_T2, FPT_T3, FPT_T4, FPT_T5, FPT_T6, FPT_T7,
	FPT_U1, FPT_IE,
	FPT_MAX
};
#define FPT_TCP(n)	(FPT_T1 + (n) - 1)	/* n = 1..7 */

enum {
	FP_SEQ_R, FP_SEQ_SP, FP_SEQ_GCD, FP_SEQ_ISR, FP_SEQ_TI, FP_SEQ_CI,
	FP_SEQ_II, FP_SEQ_SS, FP_SEQ_TS, FP_SEQ_MAX
};
enum {
	FP_OPS_R, FP_OPS_O1, FP_OPS_O2, FP_OPS_O3, FP_OPS_O4, FP_OPS_O5,
	FP_OPS_O6, FP_OPS_MAX
};
enum {
	FP_WIN_R, FP_WIN_W1, FP_WIN_W2, FP_WIN_W3, FP_WIN_W4, FP_WIN_W5,
	FP_WIN_W6, FP_WIN_MAX
};
enum {
	FP_ECN_R, FP_ECN_DF, FP_ECN_T, FP_ECN_TG, FP_ECN_W, FP_ECN_O,
	FP_ECN_CC, FP_ECN_Q, FP_ECN_MAX
};
enum {					/* T1..T7 */
	FP_T_R, FP_T_DF, FP_T_T, FP_T_TG, FP_T_W, FP_T_S, FP_T_A, FP_T_F,
	FP_T_O, FP_T_RD, FP_T_Q, FP_T_MAX
};
enum {
	FP_U1_R, FP_U1_DF, FP_U1_T, FP_U1_TG, FP_U1_IPL, FP_U1_UN,
	FP_U1_RIPL, FP_U1_RID, FP_U1_RIPCK, FP_U1_RUCK, FP_U1_RUD, FP_U1_MAX
};
enum {
	FP_IE_R, FP_IE_DFI, FP_IE_T, FP_IE_TG, FP_IE_CD, FP_IE_MAX
};

/* Gen 1 tests and attributes, kept as written. */
enum fp_g1test {
	G1_TSEQ,
	G1_T1, G1_T2, G1_T3, G1_T4, G1_T5, G1_T6, G1_T7,
	G1_PU,
	G1_MAX
};

enum {
	FP_G1S_CLASS, FP_G1S_VAL, FP_G1S_GCD, FP_G1S_SI, FP_G1S_IPID,
	FP_G1S_TS, FP_G1S_MAX
};
enum {
	FP_G1T_RESP, FP_G1T_DF, FP_G1T_W, FP_G1T_ACK, FP_G1T_FLAGS,
	FP_G1T_OPS, FP_G1T_MAX
};
enum {
	FP_G1U_RESP, FP_G1U_DF, FP_G1U_TOS, FP_G1U_IPLEN, FP_G1U_RIPTL,
	FP_G1U_RID, FP_G1U_RIPCK, FP_G1U_UCK, FP_G1U_ULEN, FP_G1U_DAT,
	FP_G1U_MAX
};

/* One test line: its attributes' expressions, NULL where unchecked. */
struct fpline {
	u_int			 nattr;
	const struct fpexpr	*v[];
};

/* A Class or CPE line, in file order (they interleave). */
#define FPM_CLASS	1
#define FPM_CPE		2

struct fpmeta {
	int		 type;		/* FPM_* */
	/* CLASS: vendor, family, generation, device type; CPE: f[0] */
	const char	*f[4];
};

struct fingerprint {
	const char		*name;
	int			 gen;		/* 1 or 2, see above */
	u_int			 lineno;	/* its Fingerprint line */
	const struct fpmeta	*meta;
	u_int			 nmeta;
	const struct fpline	*test[FPT_MAX];	/* NULL: unchecked */
	const struct fpline	*g1[G1_MAX];	/* gen 1 as written */
	u_int			 nth;		/* of the entries of its name */
	u_int			 nsame;		/* entries of its name */
	int			 typical;	/* the one the name finds */
};

/*
 * The whole file.  Opaque: everything in it, fingerprints, lines and
 * expressions included, lives until fpdb_free().  Lookup by name is
 * exact and case-sensitive.  nmap-os-db repeats some names (112 entries
 * are "Linux 2.6.32"); the name then finds its most typical entry (see
 * fpdb_typical in fingerprint.c), and fpdb_find_entry the N-th.  A line
 * "Entry N of M [typical]" after the Fingerprint line, which only
 * fingerprint_print_entry writes, carries that identity into a file of
 * chosen entries (the engine's).  Load errors are logged as "file:line: message"
 * and make the load fail; unknown tests or attributes are warnings.
 */
struct fpdb;

/* fingerprint.c */
struct fpdb	*fpdb_load(const char *);
struct fpdb	*fpdb_load_buffer(const char *, const char *, size_t);
void		 fpdb_free(struct fpdb *);
size_t		 fpdb_count(const struct fpdb *);
const struct fingerprint *fpdb_nth(const struct fpdb *, size_t);
const struct fingerprint *fpdb_find(const struct fpdb *, const char *);
const struct fingerprint *fpdb_find_entry(const struct fpdb *, const char *,
		    u_int);
u_int		 fpdb_entries(const struct fpdb *, const char *);
const struct fingerprint *fpdb_random(const struct fpdb *, struct fprng *);
int		 fpdb_check_name(const char *, void *);
void		 fingerprint_print_entry(FILE *, const struct fingerprint *);
const char	*fingerprint_name(const struct fingerprint *);
const struct fpexpr *fingerprint_attr(const struct fingerprint *,
		    enum fp_test, u_int);
const struct fpexpr *fingerprint_g1attr(const struct fingerprint *,
		    enum fp_g1test, u_int);
int		 fingerprint_pick(const struct fingerprint *, enum fp_test,
		    u_int, struct fprng *, struct fpval *);
int		 fp_pick_flags(enum fp_test, u_int);
const char	*fp_test_name(enum fp_test);

/* fpexpr.c */
struct fpexpr	*fpexpr_parse(const struct fpxtype *, const char *, size_t,
		    const char **);
void		 fpexpr_free(struct fpexpr *);
int		 fpexpr_match(const struct fpexpr *, const char *);
int		 fpexpr_match_num(const struct fpexpr *, uint32_t);
int		 fpexpr_pick(const struct fpexpr *, struct fprng *, int,
		    struct fpval *);
int		 fpexpr_pick_num(const struct fpexpr *, struct fprng *, int,
		    uint32_t *);
int		 fpexpr_pick_str(const struct fpexpr *, struct fprng *, int,
		    char *, size_t);
int		 fpexpr_hexnum(const char *, size_t, uint32_t *);
void		 fprng_seed(struct fprng *, uint64_t);
uint32_t	 fprng_next(struct fprng *);
uint32_t	 fprng_uniform(struct fprng *, uint32_t);

#endif /* FINGERPRINT_H */
