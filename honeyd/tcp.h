/*
 * The engine's TCP: connection and segment structures shared by tcp.c
 * and the personality engine, which shapes every segment we send.
 */

#ifndef HONEYD_TCP_H
#define HONEYD_TCP_H

#define TCP_CONN_MAX		65536	/* all connections */
#define TCP_EMBRYONIC_MAX	4096	/* of which half-open */
#define TCP_SYNACK_RTO_MS	1000
#define TCP_FIN_RTO_MS		1000
#define TCP_MAX_REXMIT		4
#define TCP_IDLE_MS		(10 * 60 * 1000)
#define TCP_RCV_WINDOW		65535
#define TCP_MAX_DATA		1460

#define SEQ_LT(a, b)		((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b)		((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)		((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b)		((int32_t)((a) - (b)) >= 0)

enum tcp_state {
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_LAST_ACK,
};

/* Options a peer offered (tcp_seg.has). */
#define TCP_HAS_MSS		0x01
#define TCP_HAS_WSCALE		0x02
#define TCP_HAS_SACKOK		0x04
#define TCP_HAS_TS		0x08

/* A received segment, parsed. */
struct tcp_seg {
	const struct tcp_hdr	*th;
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
};

struct tcp_conn {
	RB_ENTRY(tcp_conn)	 entry;
	TAILQ_ENTRY(tcp_conn)	 lru;		/* embryonic or active list */
	uint32_t		 laddr, raddr;	/* host order; l = virtual */
	uint16_t		 lport, rport;
	struct host		*host;		/* referenced */
	enum tcp_state		 state;
	enum action_kind	 action;	/* copied: configs reload */
	uint32_t		 iss, snd_una, snd_nxt;
	uint32_t		 irs, rcv_nxt;
	uint16_t		 peer_mss;
	int			 peer_has;	/* options the peer offered */
	uint8_t			 rcv_wscale;	/* peer's shift */
	uint8_t			 snd_wscale;	/* ours */
	int			 ts_ok;		/* timestamps negotiated */
	uint32_t		 ts_recent;
	struct event		*timer;
	int			 rexmits;
	uint64_t		 bytes_in, bytes_out;
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
 * change flags, sequence or acknowledgement for odd probes.
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
void	 tcp_output(struct host *, const struct template *, uint32_t,
	    uint32_t, const struct tcp_reply *, enum out_kind);
void	 tcp_conn_open(struct ipin *, const struct tcp_seg *,
	    const struct action *);
void	 tcp_conn_data(struct tcp_conn *, struct ipin *,
	    const struct tcp_seg *);
void	 tcp_conn_free(struct tcp_conn *);

/* personality.c */
int	 personality_tcp_reply(struct ipin *, const struct tcp_seg *,
	    enum tcp_reply_kind, struct tcp_reply *);

#endif /* HONEYD_TCP_H */
