/*
 * The personality engine's header: its inside (personality.c,
 * pers_plan.c, pers_isn.c, pers_check.c, pers_seq.c, pers_tcp.c,
 * pers_icmp.c), and what tcp.c asks it of each segment it sends.  The
 * rest of the daemon calls it through the personality_* functions of
 * honeyd.h.
 *
 * A virtual host with a fingerprint gets a plan: every value the
 * fingerprint leaves open (a range, alternatives) is chosen once, from a
 * generator seeded by the host's address, and kept, as a real machine
 * keeps its window size and TTL.  The plan holds small numbers only,
 * never pointers into the fingerprint database, so a host that outlives
 * a reload at worst answers with yesterday's values until its next
 * packet re-derives them.  Next to the plan live the clocks: ISN, IP ID
 * counters and the TCP timestamp clock.
 *
 * nmap's probes are recognised by their shape (flags, window, option
 * layout) and answered with the line of the fingerprint that describes
 * them; every other segment is answered the way the same stack answers
 * its nearest probe, so passive tools see the same machine.
 */

#ifndef PERS_H
#define PERS_H

#include <stdint.h>

struct host;
struct host_idslots;
struct template;
struct ipin;
struct ip_hdr;
struct icmp_hdr;
struct tcp_seg;
struct tcp_reply;

#define PERS_NONE	0xff	/* an unchecked attribute */
/* pers_ops test: no line says, but SEQ TS wants a timestamp (pers_plan) */
#define PERS_OPS_TS	FPT_MAX

/* The TCP answers a fingerprint describes, indexed from FPT_ECN. */
#define PR_IDX(test)	((test) - FPT_ECN)	/* ECN, T1..T7 */
#define PR_MAX		8

/* S: the answer's sequence number. */
enum { PS_Z, PS_A, PS_AP, PS_O };
/* A: its acknowledgement number. */
enum { PA_Z, PA_S, PA_SP, PA_O };
/* Q: quirks. */
#define PQ_R		0x01	/* reserved bits set */
#define PQ_U		0x02	/* urgent pointer without URG */
/* ECN CC. */
enum { PCC_N, PCC_Y, PCC_S, PCC_O };

/* Where an option string comes from: test, attribute, alternative. */
struct pers_ops {
	uint8_t		 test;		/* enum fp_test, or PERS_OPS_TS */
	uint8_t		 attr;
	uint8_t		 alt;		/* PERS_NONE: no options */
};

struct pers_resp {
	uint8_t		 r;		/* answers at all */
	uint8_t		 df;
	uint8_t		 ttl;
	uint8_t		 flags;		/* TH_* */
	uint8_t		 s, a;		/* PS_*, PA_* */
	uint8_t		 q;		/* PQ_* */
	uint8_t		 cc;		/* ECN: PCC_* */
	uint8_t		 ops;		/* alternative of O, or PERS_NONE */
	uint16_t	 win;
	uint32_t	 rd;		/* CRC32 of RST data, 0: none */
};

/* IP ID generation classes (TI, CI, II). */
enum pers_idcls {
	PID_Z,			/* always zero */
	PID_I,			/* +1 a packet */
	PID_BI,			/* +256: a byte-swapped counter */
	PID_RI,			/* random increments, 1001..1999 */
	PID_RD,			/* random, jumps above 20000 */
	PID_CONST,		/* one value */
};

/* IP ID streams: which packets draw from which class. */
enum pers_stream {
	PST_TCP,		/* open ports, connections (TI) */
	PST_CLOSED,		/* resets from closed ports (CI) */
	PST_ICMP,		/* echo replies (II) */
	PST_MAX
};

/* The ISN clock. */
struct pers_isn {
	uint32_t	 isn;		/* last one handed out */
	uint32_t	 prev;		/* the one before */
	uint32_t	 m;		/* last increment / gcd */
	uint32_t	 pm;		/* the one before */
	uint64_t	 us;		/* when, monotonic microseconds */
	uint64_t	 prev_us;
	uint32_t	 n;		/* handed out so far */
};

/* What nmap computes from the ISNs of its SEQ probes. */
struct pers_seqstat {
	uint32_t	 gcd;
	uint32_t	 isr;
	uint32_t	 sp;
};

#define PERS_SEQ_GAP	0.1	/* seconds between nmap's SEQ probes */

/* TCP timestamps (TS). */
enum { PTS_NONE, PTS_ZERO, PTS_CLOCK };

struct pers_plan {
	struct pers_resp resp[PR_MAX];
	struct pers_ops	 seqops[6];	/* answers to SEQ probes 1-6 */
	uint16_t	 seqwin[6];	/* WIN W1-W6 */
	uint16_t	 synwin;	/* ordinary SYN+ACKs and connections */
	uint8_t		 seq_r;		/* answers the SEQ probes */
	uint8_t		 mss_echo;	/* MSS follows the peer's */
	/* SEQ */
	uint32_t	 gcd;		/* 0: a constant ISN */
	uint32_t	 gcdmask;	/* bit k: gcd * k is acceptable */
	double		 isn_rate, isn_dev;	/* a second */
	double		 isn_pat[5];	/* steps between SEQ probes, / gcd */
	uint8_t		 isn_random;	/* every ISN drawn anew */
	uint8_t		 ts;		/* PTS_* */
	double		 ts_hz;
	uint8_t		 idcls[PST_MAX];
	uint16_t	 idval[PST_MAX];	/* PID_CONST */
	uint8_t		 idctr[PST_MAX];	/* counter each stream uses */
	uint8_t		 ss;		/* 'S', 'O': ICMP apart, below or above */
	uint8_t		 hops;		/* routers U1's quote pretends */
	/* U1 */
	uint8_t		 u1_r, u1_df, u1_ttl;
	uint8_t		 u1_ripck;	/* 'G', 'Z', 'I' */
	uint8_t		 u1_rud;	/* 'G', 'I' */
	uint16_t	 u1_ipl;	/* 0: as much as fits */
	int32_t		 u1_ripl, u1_rid, u1_ruck;	/* -1: G */
	uint32_t	 u1_un;
	int32_t		 u1_ulen;	/* gen 1 ULEN: quoted UDP length */
	uint8_t		 u1_tos;	/* gen 1 TOS of the error */
	uint8_t		 u1_tosbits;	/* OR the offender's TOS bits in */
	uint8_t		 family;	/* enum stack_family, of its Class */
	/* IE */
	uint8_t		 ie_r, ie_dfi, ie_ttl;	/* dfi: 'N' 'S' 'Y' 'O' */
	int16_t		 ie_cd;		/* -1 S, -2 O, else the code */
};

/*
 * Stack models (stackmodel.c): one row per family of operating systems
 * decides what a fingerprint does not say.
 */
enum stack_family {
	SF_LINUX,
	SF_WINDOWS,
	SF_FREEBSD,
	SF_OPENBSD,
	SF_NETBSD,
	SF_MACOS,
	SF_IOS,			/* Cisco IOS */
	SF_EMBEDDED,		/* any other */
	SF_MAX
};

/* The options a SYN+ACK agrees to, before the family lays them out. */
struct synopts {
	uint8_t		 has_mss;
	uint16_t	 mss;
	int16_t		 ws;		/* -1: none */
	uint8_t		 sack;
	uint8_t		 ts;
	uint8_t		 tsopt[8];	/* TSval, TSecr as on the wire */
};

/* What counts in the ack of a reset to a segment without ACK. */
#define SMR_SYN		0x01
#define SMR_FIN		0x02

/*
 * Which answers carry a packet's record route and timestamp back: a
 * bit per enum out_kind, as ip.c tests them.
 */
#define SMO_ECHO	(1 << OUT_ICMP_ECHO)	/* echo, timestamp replies */
#define SMO_ERROR	(1 << OUT_ICMP_ERROR)
#define SMO_TCP		(1 << OUT_TCP | 1 << OUT_TCP_CLOSED)
#define SMO_UDP		(1 << OUT_UDP)
#define SMO_ALL		(SMO_ECHO | SMO_ERROR | SMO_TCP | SMO_UDP)

/* How an ICMPv6 echo request whose code is not 0 is answered. */
#define SME6_ZERO	0	/* an echo reply of code 0 */
#define SME6_KEEP	1	/* an echo reply of the request's code */
#define SME6_DROP	2	/* not at all: a bad code */

/* The flow labels of a host's IPv6 answers (RFC 6437). */
#define SMF6_NONE	0	/* 0 on every answer */
#define SMF6_HASH	1	/* a keyed hash of the flow on every answer */
#define SMF6_TCP	2	/* the same on TCP segments; 0 on ICMPv6 */

/* ICMP error rate limits: none, a bucket per peer, one per host. */
enum { SMRL_NONE, SMRL_PEER, SMRL_HOST };

struct sm_ratelimit {
	uint8_t		 scope;		/* SMRL_* */
	uint32_t	 cost_ms;	/* credit an error costs */
	uint32_t	 burst;		/* errors a full bucket holds */
};

struct sm_bucket {
	uint64_t	 last_ms;	/* 0: never used, full */
	uint32_t	 tokens;	/* milliseconds of credit */
};

struct stack_model {
	const char	*name;
	size_t		(*layout)(const struct synopts *, uint8_t *);
					/* NULL: the fingerprint's order */
	uint8_t		 optpad;	/* fills the last word: EOL, NOP */
	uint8_t		 rst;		/* SMR_* */
	uint16_t	 qdata;		/* quoted past the IP header, 0: 576 */
	uint8_t		 qtcphdr;	/* a TCP header is quoted whole */
	struct sm_ratelimit rl;		/* ICMP errors */
	struct sm_ratelimit grl;	/* and all of them, on top of rl */
	uint8_t		 grl_families;	/* grl is one for IPv4 and IPv6 */
	uint8_t		 ipopts;	/* SMO_*: options echoed on */
	uint8_t		 srcroute_drop;	/* source-routed packets dropped */
	uint8_t		 conn_ipid;	/* connections count their own ID */
	uint8_t		 ipid_dst;	/* ICMP's IDs count per destination */
	uint8_t		 proto_unreach;	/* unknown protocols answered */
	uint8_t		 tstamp;	/* ICMP timestamp requests answered */
	uint8_t		 mask;		/* address mask requests answered */
	uint8_t		 frag;		/* enum frag_policy on overlap */
	uint8_t		 frag_dups;	/* FRAG_DROP spares exact repeats */
	uint8_t		 challenge_ack;	/* RFC 5961 3.2, 4.2 */
	uint8_t		 synack_retries;
	uint16_t	 synack_rto_ms;	/* first; doubling */
	uint8_t		 err_tos;	/* errors: precedence 6 + TOS bits */
	uint8_t		 md5_drop;	/* RFC 2385 segments without a key */
	uint8_t		 hlim6;		/* IPv6 hop limit of its answers */
	uint8_t		 hlim6_tcp;	/* ... of its TCP segments, 0: hlim6 */
	uint8_t		 echo6;		/* SME6_*: an echo with a code */
	uint8_t		 flow6;		/* SMF6_*: flow labels */
	uint8_t		 win_mss;	/* windows: whole segments */
	uint8_t		 frag6_rand;	/* IPv6 fragment IDs: random */
};

/*
 * An ordinary SYN+ACK's options for one set of offered options
 * (pers_synack.c): built once, then copied with the timestamp and an
 * echoed MSS filled in at their offsets.
 */
#define PERS_OPT_LEN_MAX	40	/* TCP_OPT_LEN_MAX, without dumbnet */

struct pers_synack_shape {
	uint8_t		 built;
	uint8_t		 keep;		/* no option string: r's fields stay */
	uint8_t		 opts[PERS_OPT_LEN_MAX];
	uint8_t		 optlen;
	uint8_t		 wscale;
	int		 ts_ok;
	int8_t		 ts_off, mss_off;	/* -1: none */
	uint8_t		 tsval_on, tsecr_on;
};

/* The cache of a plan: by window scale, SACK and timestamp offered. */
struct pers_synack {
	struct pers_synack_shape shape[8];
};

struct pers_state {
	uint32_t	 gen;		/* engine generation of the plan */
	const void	*fp;		/* the fingerprint, this generation */
	uint32_t	 fpkey;		/* name_key of its name, across reloads */
	uint64_t	 seed;		/* the host's clocks */
	const struct pers_plan *plan;	/* shared by the fingerprint's hosts */
	struct pers_synack *synack;	/* beside the plan, shared too */
	struct pers_isn	 isn;
	uint16_t	 id[PST_MAX];	/* IP ID counters */
	uint64_t	 boot_us;	/* monotonic time of the "boot" */
	uint32_t	 ts_base;	/* timestamp clock at boot_us */
	uint64_t	 ts_probe_us;	/* racing clock: the last probe's */
	uint32_t	 ts_probe;	/* answer, when and what it said */
};

/*
 * What the hook that shaped a packet wants in its IP header; the
 * packet leaves through ip_output() and personality_ip_fields() at
 * once, which applies and clears it.
 */
struct pers_out {
	int		 set;
	uint8_t		 proto;
	uint8_t		 ttl;
	uint8_t		 df;
	uint8_t		 stream;	/* enum pers_stream */
	uint8_t		 x2;		/* TCP reserved bits */
	uint8_t		 sockid;	/* a connected socket's own ID */
	int16_t		 tos;		/* -1: as built */
};

extern struct pers_out	 pers_out;

/* personality.c */
struct fprng	*pers_rng(void);
void		 pers_out_set(int, int, int, int);
int		 personality_tcp_md5_drop(struct ipin *, const struct tcp_seg *);
int		 personality_tcp_reply(struct ipin *, const struct tcp_seg *, int,
		    struct tcp_reply *);

/* pers_plan.c */
enum stack_family plan_family(const struct fingerprint *);
void		 pers_plan_derive(struct pers_plan *, const struct fingerprint *,
		    uint64_t);
uint64_t	 pers_attr_seed(uint64_t, enum fp_test, u_int);
uint32_t	 pers_pick_num(const struct fingerprint *, enum fp_test, u_int,
		    uint64_t, uint32_t);

/* pers_isn.c */
void		 pers_plan_isn(struct pers_plan *, const struct fingerprint *,
		    uint64_t);

/* pers_check.c */
int		 pers_check(const struct fingerprint *,
		    void (*)(const char *, const char *, const char *));

/* pers_seq.c */
uint64_t	 pers_now_us(void);
void		 pers_isn_init(struct pers_isn *, const struct pers_plan *,
		    struct fprng *);
uint32_t	 pers_isn_next(struct pers_isn *, const struct pers_plan *,
		    uint64_t, struct fprng *);
uint32_t	 pers_isn_seqprobe(struct pers_isn *, const struct pers_plan *,
		    int);
int		 pers_seq_measure(const uint32_t *, const double *, int,
		    struct pers_seqstat *);
uint16_t	 pers_ipid_next(uint16_t *, const struct pers_plan *,
		    enum pers_stream, struct fprng *);
void		 pers_ipid_init(uint16_t *, const struct pers_plan *,
		    struct fprng *);
void		 pers_ipid_seqstart(uint16_t *, const struct pers_plan *,
		    struct fprng *);
int		 pers_ipid_perdst(const struct pers_plan *);
uint16_t	 pers_ipid_step(uint16_t *, const struct pers_plan *,
		    enum pers_stream, struct fprng *);
uint32_t	 pers_ts_clock(const struct pers_plan *, uint32_t, uint64_t,
		    uint64_t);
double		 pers_ts_hz(uint32_t);
uint32_t	 pers_crc32(const uint8_t *, size_t);
void		 pers_crc32_forge(uint32_t, uint8_t[4]);

/* pers_tcp.c */
int		 pers_tcp_reply(struct pers_state *, const struct fingerprint *,
		    struct ipin *, const struct tcp_seg *, int,
		    struct tcp_reply *);
size_t		 pers_tcpopts_build(const char *, size_t, uint8_t *, size_t,
		    int, uint32_t, uint32_t, uint16_t, int *, int *);
void		 pers_synack_shape(struct pers_state *,
		    const struct fingerprint *, const struct tcp_seg *,
		    struct tcp_reply *);
uint32_t	 pers_tcp_ts_now(struct pers_state *);

/* pers_synack.c */
int		 pers_synack_opts(struct pers_state *,
		    const struct fingerprint *, const struct tcp_seg *,
		    struct tcp_reply *);

/* pers_icmp.c */
void		 pers_echo_reply(struct pers_state *, struct ipin *,
		    struct ip_hdr *, struct icmp_hdr *);
ssize_t		 pers_icmp_quote(struct pers_state *, uint8_t *, size_t,
		    size_t);

/* stackmodel.c */
const struct stack_model *stackmodel_get(enum stack_family);
const struct stack_model *personality_stack_model(struct host *,
		    const struct template *);
enum stack_family stackmodel_family(const char *, const char *);
int		 stackmodel_synopts_parse(const uint8_t *, size_t,
		    struct synopts *);
size_t		 stackmodel_synopts(const struct stack_model *,
		    const struct synopts *, uint8_t *, size_t);
uint32_t	 stackmodel_rst_ack(uint8_t, uint8_t, uint32_t, size_t);
size_t		 stackmodel_quote_len(const struct stack_model *,
		    const uint8_t *, size_t, size_t);
int		 stackmodel_rl_take(const struct sm_ratelimit *,
		    struct sm_bucket *, uint64_t);
int		 stackmodel_rl_allow(const struct stack_model *,
		    struct sm_bucket *, struct sm_bucket *, uint64_t);
struct sm_bucket *stackmodel_machine_bucket(const struct stack_model *,
		    const struct template *);
uint16_t	*stackmodel_idslot(struct host_idslots *, uint32_t, uint16_t);
int		 stackmodel_synack_rto(const struct stack_model *, u_int);
uint8_t		 stackmodel_hlim6(const struct stack_model *, uint8_t);
int		 stackmodel_echo6_code(const struct stack_model *, uint8_t);
uint32_t	 stackmodel_flow6(const struct stack_model *, uint64_t,
		    const uint8_t *, size_t);
uint32_t	 stackmodel_frag6_id(const struct stack_model *, uint32_t *,
		    uint32_t);
uint16_t	 stackmodel_mss6(uint16_t);
uint16_t	 stackmodel_win6(const struct stack_model *, uint16_t,
		    uint16_t, uint16_t, int);

#endif /* PERS_H */
