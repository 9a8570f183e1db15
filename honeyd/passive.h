/*
 * Passive fingerprints of the attacker: SYN signatures in p0f 3's
 * format (passive_db.c reads them, passive.c matches SYNs against them
 * and remembers the answer per source).  Only the [tcp:request]
 * section of the file is used.
 */

#ifndef PASSIVE_H
#define PASSIVE_H

#include <stdint.h>

#define PSIG_OPTS_MAX		40	/* TCP options fit in 40 bytes */
#define PASSIVE_MAX_DIST	32	/* hops between sender and us */
#define PASSIVE_WARN_MAX	5	/* warnings shown per file */

/* What a label says: "type:class:name:flavor". */
struct passive_label {
	char		*class;		/* "unix", "win", "!" (a tool) */
	char		*name;		/* "Linux", "Windows" */
	char		*flavor;	/* "2.6.x", may be "" */
	char		*desc;		/* "name flavor", for the logs */
	int		 generic;	/* "g": only if nothing specific */
};

/* How a signature's window size is given. */
enum psig_win {
	PWIN_ANY,		/* "*" */
	PWIN_EXACT,		/* "N" */
	PWIN_MSS,		/* "mss*N" */
	PWIN_MTU,		/* "mtu*N" */
	PWIN_MOD,		/* "%N" */
};

/* Option kinds of a layout, as TCP numbers them; EOL carries padding. */
#define POPT_EOL		0
#define POPT_NOP		1
#define POPT_MSS		2
#define POPT_WS			3
#define POPT_SOK		4
#define POPT_SACK		5
#define POPT_TS			8

/* Quirks: properties of the IP and TCP headers. */
#define PQ_DF			0x00001
#define PQ_IDPLUS		0x00002	/* id+: DF and a non-zero ID */
#define PQ_IDMINUS		0x00004	/* id-: no DF and a zero ID */
#define PQ_ECN			0x00008
#define PQ_ZERO			0x00010	/* 0+: the reserved IP flag */
#define PQ_FLOW			0x00020	/* IPv6 only: a flow label */
#define PQ_SEQMINUS		0x00040
#define PQ_ACKPLUS		0x00080
#define PQ_ACKMINUS		0x00100
#define PQ_UPTRPLUS		0x00200
#define PQ_URGF		0x00400
#define PQ_PUSHF		0x00800
#define PQ_TS1MINUS		0x01000
#define PQ_TS2PLUS		0x02000
#define PQ_OPTPLUS		0x04000
#define PQ_EXWS			0x08000
#define PQ_BAD			0x10000

struct passive_sig {
	uint8_t		 ver;		/* 4, 6 or 0: either */
	uint8_t		 ittl;		/* initial TTL */
	uint8_t		 ttl_bad;	/* "N-": any TTL up to N */
	uint8_t		 olen;		/* IP options length */
	int32_t		 mss;		/* -1: any */
	enum psig_win	 wtype;
	uint32_t	 wval;
	int16_t		 scale;		/* -1: any */
	uint8_t		 nopts;
	uint8_t		 opts[PSIG_OPTS_MAX];
	uint8_t		 eolpad;	/* bytes after EOL */
	uint32_t	 quirks;	/* PQ_* */
	int8_t		 pclass;	/* -1 any, 0 none, 1 some payload */
	uint32_t	 label;		/* index into labels */
};

struct passive_db {
	struct passive_label	*labels;
	size_t			 nlabels, labels_cap;
	struct passive_sig	*sigs;
	size_t			 nsigs, sigs_cap;
};

/* What a SYN shows (passive.c, for the matcher and the tests). */
struct passive_obs {
	uint8_t		 v6;		/* an IPv6 SYN */
	uint8_t		 ttl;
	uint8_t		 olen;
	int32_t		 mss;		/* -1: no option */
	uint16_t	 win;
	int16_t		 scale;		/* -1: no option */
	uint8_t		 nopts;
	uint8_t		 opts[PSIG_OPTS_MAX];
	uint8_t		 eolpad;
	uint32_t	 quirks;
	int		 payload;	/* any data */
};

#endif /* PASSIVE_H */
