/*
 * The engine's TCP: connection and segment structures shared by tcp.c
 * and the personality engine, which shapes every segment we send.
 *
 * Limits (see also honeyd.8, "TCP"):
 *   TCP_CONN_MAX connections in all ("option connections max"), of
 *   which at most TCP_EMBRYONIC_MAX half-open.  A new SYN past the
 *   half-open cap evicts the oldest half-open connection, never an
 *   established one, so a SYN flood only recycles its own slots.  With
 *   the whole table full, a new connection evicts, in this order, the
 *   oldest TIME_WAIT connection, the oldest half-open one, then the
 *   established connection idle the longest (it gets a RST).  Each
 *   connection buffers at most TCP_RCVBUF bytes for its service (the
 *   window it advertises follows that space) and TCP_SNDBUF bytes from
 *   it; a connection without a service or proxy buffers nothing.
 *   A connection holds about 670 bytes besides those buffers, over
 *   IPv4 and IPv6 alike: its tuple has room for IPv6 addresses (32
 *   bytes of it).  Over IPv6 the MSS we offer and the segments we send
 *   are TCP_MAX_DATA6 at most (the link's MTU less 60).
 */

#ifndef HONEYD_TCP_H
#define HONEYD_TCP_H

/* TCP_CONN_MAX, the default of "option connections max": honeyd.h */
#define TCP_EMBRYONIC_MAX	4096	/* of which half-open */
#define TCP_RTO_INIT_MS		1000	/* RFC 6298 */
#define TCP_RTO_MIN_MS		200	/* as Linux; RFC 6298 says 1 s */
#define TCP_RTO_MAX_MS		60000
#define TCP_MAX_REXMIT		8	/* retransmissions without progress */
#define TCP_IDLE_MS		(10 * 60 * 1000)
#define TCP_FIN_WAIT2_MS	60000	/* peer never closes its side */
#define TCP_TIME_WAIT_MS	30000	/* 2 MSL with MSL = 15 s */
#define TCP_RCVBUF		65536	/* per connection, to the service */
#define TCP_SNDBUF		65536	/* per connection, from the service */
#define TCP_REASS_MAX		64	/* out-of-order pieces held */
#define TCP_MAX_DATA		1460	/* largest segment payload we send */
#define TCP_MAX_DATA6		(IPFRAG_MTU - 60) /* ... over IPv6 */
#define TCP_DEFAULT_MSS		536	/* peer sent no MSS option */
#define TCP_MIN_MSS		88	/* less is taken as this much */
#define TCP_TS_ROOM		12	/* room left for a timestamp option */
#define TCP_INIT_CWND		10	/* segments, RFC 6928 */
#define TCP_SACK_MAX		8	/* scoreboard ranges */
#define TCP_TMPL_NAME_INLINE	24	/* template names kept in place */
#define TCP_FREE_MAX		1024	/* freed connections kept for reuse */
/* tarpit: a window of a few bytes, one small segment a second */
#define TCP_TARPIT_WINDOW	16
#define TCP_TARPIT_SEG		16
#define TCP_TARPIT_MS		1000

#define SEQ_LT(a, b)		((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b)		((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)		((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b)		((int32_t)((a) - (b)) >= 0)
#define SEQ_MAX(a, b)		(SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b)		(SEQ_LT(a, b) ? (a) : (b))

/* RFC 793 states after the SYN; LISTEN and CLOSED hold no state. */
enum tcp_state {
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT,	/* peer closed, our side open */
	TCPS_LAST_ACK,		/* both closed, our FIN unacknowledged */
	TCPS_FIN_WAIT_1,	/* we closed first */
	TCPS_FIN_WAIT_2,	/* our FIN acknowledged, peer still open */
	TCPS_CLOSING,		/* both sent FIN, ours unacknowledged */
	TCPS_TIME_WAIT,
};

/* Options a peer offered (tcp_seg.has). */
#define TCP_HAS_MSS		0x01
#define TCP_HAS_WSCALE		0x02
#define TCP_HAS_SACKOK		0x04
#define TCP_HAS_TS		0x08
#define TCP_HAS_SACK		0x10
#define TCP_HAS_MD5		0x20	/* RFC 2385 signature */

/* A received segment, parsed. */
struct tcp_seg {
	uint16_t		 sport, dport;
	uint32_t		 seq, ack;
	uint8_t			 flags;
	uint16_t		 win;
	const uint8_t		*opts;
	size_t			 optlen;
	const uint8_t		*data;
	size_t			 dlen;
	int			 has;		/* TCP_HAS_* */
	uint16_t		 mss;
	uint8_t			 wscale;
	uint32_t		 tsval, tsecr;
	int			 nsack;		/* SACK blocks */
	uint32_t		 sack[4][2];	/* [start, end) */
};

/* Bytes from the service, kept until acknowledged: a ring. */
struct tcp_ring {
	uint8_t			*buf;		/* allocated on first use */
	size_t			 cap, head, len;
};

/* Out-of-order data held until the hole before it fills. */
struct tcp_rpiece {
	TAILQ_ENTRY(tcp_rpiece)	 entry;
	uint32_t		 seq;
	size_t			 len;
	uint8_t			 data[];
};
TAILQ_HEAD(tcp_rpieces, tcp_rpiece);

struct tcp_reass {
	struct tcp_rpieces	 q;		/* sorted, disjoint */
	int			 n;
	size_t			 bytes;
	int			 fin;		/* a FIN at fin_seq is known */
	uint32_t		 fin_seq;
};

/* Ranges the peer reported with SACK, above snd_una. */
struct tcp_sackboard {
	int			 n;
	uint32_t		 r[TCP_SACK_MAX][2];
};

struct relay;

struct tcp_conn {
	RB_ENTRY(tcp_conn)	 entry;
	struct tcp_conn		*hnext;		/* its chain in tcp_hash */
	TAILQ_ENTRY(tcp_conn)	 lru;		/* the list of its class */
	struct flow		 flow;		/* tuple, host, template */
	uint32_t		 id;		/* logs, relay */
	enum tcp_state		 state;
	int			 list;		/* which lru list */
	/* Copied at creation: the config may be reloaded under us. */
	enum action_kind	 action;
	int			 aflags;	/* ACTION_F_* */
	char			*tmpl_name;	/* tmpl_buf if it fits */
	char			 tmpl_buf[TCP_TMPL_NAME_INLINE];
	struct relay		*relay;		/* service or proxy */
	struct timeval		 started, active;

	/* Send side (RFC 793 names). */
	uint32_t		 iss, snd_una, snd_nxt, snd_max;
	uint32_t		 snd_wnd, snd_wl1, snd_wl2;
	uint32_t		 max_sndwnd;	/* largest snd_wnd seen */
	uint32_t		 cwnd, ssthresh;
	uint32_t		 recover, rexmit_nxt;
	int			 in_recovery, dupacks;
	uint16_t		 mss;		/* what we put in a segment */
	struct tcp_ring		 sndbuf;	/* from snd_una on */
	struct tcp_sackboard	 sacked;
	int			 fin_pending;	/* our side is closing */
	int			 fin_sent;	/* FIN occupies fin_seq */
	uint32_t		 fin_seq;
	int			 fin_acked;

	/* Receive side. */
	uint32_t		 irs, rcv_nxt, rcv_adv;
	struct tcp_reass	 reass;
	int			 rcv_fin;	/* peer's FIN delivered */
	int			 ack_now;	/* an ACK is owed */

	/* Negotiated in the handshake. */
	uint16_t		 peer_mss;
	int			 peer_has;	/* options the peer offered */
	uint8_t			 peer_wscale;	/* the shift it offered */
	uint8_t			 rcv_wscale;	/* peer's shift, if on */
	uint8_t			 snd_wscale;	/* ours, if on */
	int			 ts_ok;		/* timestamps negotiated */
	uint32_t		 ts_recent;
	int			 sack_ok;	/* both offered SACK */
	/* Our first SYN+ACK, repeated as it was by retransmissions. */
	uint16_t		 syn_win;
	uint8_t			 syn_optlen;
	uint8_t			 syn_opts[TCP_OPT_LEN_MAX];

	/* Timers: one event, its purpose decided by the state. */
	struct event		*timer;
	int			 timer_kind;
	struct event		*pace;		/* tarpit sends */
	struct timeval		 last_pace;
	int			 rexmits;
	int			 tlp_sent;	/* a tail loss probe is out */
	uint32_t		 srtt_us, rttvar_us, rto_ms;
	int			 rtt_timing;
	int			 rtt_valid;	/* srtt has a sample */
	struct timeval		 synack_sent;
	uint32_t		 rtt_seq;
	struct timeval		 rtt_start;

	uint64_t		 bytes_in, bytes_out;
	int			 logged_end;	/* the logs have its end */
};
TAILQ_HEAD(tcp_lru, tcp_conn);

/* What a reply is, for the personality. */
enum tcp_reply_kind {
	TCP_R_SYNACK,		/* answer to a SYN on an open port */
	TCP_R_CONN,		/* a segment on a connection */
	TCP_R_CLOSED,		/* answer from a closed port */
	TCP_R_STRAY,		/* odd segment to an open port */
};

/*
 * A segment to send.  tcp.c fills in ports, sequence numbers and flags
 * as RFC 793 would; the personality sets window and options and may
 * change flags, sequence or acknowledgement for odd probes.  On a
 * TCP_R_CONN segment tcp.c then lowers the window to the space left
 * for the service, so the window follows the data buffered (and the
 * personality's value, already shifted by snd_wscale, is a ceiling),
 * and appends SACK blocks to segments without data when SACK was
 * negotiated.  Data segments leave TCP_TS_ROOM bytes for options when
 * ts_ok.  TCP_R_CONN segments and retransmitted SYN+ACKs answer no
 * packet: seg is NULL and in carries only host, addresses and template
 * (in->ip is NULL).
 */
struct tcp_reply {
	uint16_t		 sport, dport;
	uint32_t		 seq, ack;
	uint8_t			 flags;
	uint16_t		 win;
	uint16_t		 urp;
	uint8_t			 opts[TCP_OPT_LEN_MAX];
	size_t			 optlen;
	const uint8_t		*data;
	size_t			 dlen;
	uint8_t			 wscale;	/* SYNACK: our shift */
	int			 ts_ok;		/* SYNACK: timestamps on */
	struct tcp_conn		*conn;		/* TCP_R_CONN */
};

/* tcp.c */
void	 tcp_output(const struct ipin *, const struct tcp_reply *,
	    enum out_kind);

/* tcpbuf.c: the send ring, reassembly and SACK scoreboard (pure) */
void	 tcp_ring_init(struct tcp_ring *, size_t);
void	 tcp_ring_free(struct tcp_ring *);
size_t	 tcp_ring_space(const struct tcp_ring *);
size_t	 tcp_ring_write(struct tcp_ring *, const uint8_t *, size_t);
size_t	 tcp_ring_peek(const struct tcp_ring *, size_t, uint8_t *, size_t);
void	 tcp_ring_drop(struct tcp_ring *, size_t);
void	 tcp_reass_init(struct tcp_reass *);
void	 tcp_reass_free(struct tcp_reass *);
int	 tcp_reass_insert(struct tcp_reass *, uint32_t, const uint8_t *,
	    size_t, uint32_t);
size_t	 tcp_reass_pull(struct tcp_reass *, uint32_t *,
	    void (*)(void *, const uint8_t *, size_t), void *);
void	 tcp_sack_update(struct tcp_sackboard *, uint32_t, uint32_t,
	    uint32_t, uint32_t);
void	 tcp_sack_trim(struct tcp_sackboard *, uint32_t);
uint32_t tcp_sack_next_hole(const struct tcp_sackboard *, uint32_t,
	    uint32_t *);

#endif /* HONEYD_TCP_H */
