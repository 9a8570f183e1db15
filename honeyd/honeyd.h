/*
 * honeyd: one Linux host answers for many unused IPv4 addresses as if
 * real machines of many operating systems lived there.  This header is
 * the map of the system: its processes, the messages between them, the
 * configuration, and the functions the files offer one another, each
 * under the name of its file.  Three parts keep private headers: TCP
 * (tcp.h, with tcpbuf.c), the personality engine (pers.h, pers_*.c)
 * and the fingerprint database (fingerprint.h, fingerprint.c and
 * fpexpr.c).
 *
 * Processes:
 *   parent   root (honeyd.c).  Reads the configuration and fingerprint
 *            files, captures frames for the claimed addresses
 *            (capture.c) and puts the engine's packets on the wire
 *            (wire.c), answers ARP for them (arp.c), forks services
 *            (service.c), opens proxied connections (proxy.c) and the
 *            log files.  It reads no more of a packet than its
 *            addresses.
 *   engine   forked by the parent, which executes its own program
 *            afresh (-X engine) so the engine holds only what it is
 *            sent; chrooted and unprivileged (engine.c).  All
 *            protocol work on attacker bytes: the
 *            dispatcher (ip.c), ICMP, TCP and UDP, virtual routers,
 *            personalities, relays to services and proxies, the event
 *            logs.
 *   service  one per connection (or UDP flow) to a port that runs a
 *            command: a sandboxed child of the parent running a
 *            script, whose stdin and stdout the engine relays.
 *            Caged (cage.c): its own namespaces, no network, a
 *            read-only root, Landlock and a seccomp deny-list.
 *   subsystem a real program ("add T subsystem"), for as long as honeyd
 *            runs, in the same cage; a preloaded library turns its
 *            IPv4 and IPv6 sockets into requests to the parent (subsys.c,
 *            subsys_preload.c), whose connections the engine relays.
 * The parent and the engine talk imsg (privsep/) over a socketpair.
 *
 * Sections: processes and options, messages, configuration, parent,
 * engine, protocols, personality, routing, services, logs.
 */

#ifndef HONEYD_H
#define HONEYD_H

#include <sys/types.h>
#include <sys/time.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <event2/event.h>

#include "imsg.h"

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif
#ifndef __unused
#define __unused	__attribute__((__unused__))	/* RB_GENERATE_STATIC */
#endif

/* Defined by libdnet and fingerprint.h; only pointers pass through here. */
struct ip_hdr;
struct icmp_hdr;
struct fpdb;
struct fingerprint;

/*
 * Processes and options.
 */
#define HONEYD_VERSION		"2.0"
#define HONEYD_USER		"_honeyd"
#define HONEYD_USER_FALLBACK	"nobody"
#define HONEYD_CHROOT		"/var/empty"
#define HONEYD_CTLSOCK		"/run/honeyd.sock"
/* The Makefile sets these from PREFIX and SYSCONFDIR. */
#ifndef HONEYD_CONF
#define HONEYD_CONF		"/etc/honeyd/honeyd.conf"
#endif
#ifndef HONEYD_PRINTS
#define HONEYD_PRINTS		"/usr/local/share/honeyd/nmap.prints"
#endif
#ifndef HONEYD_P0F
#define HONEYD_P0F		"/etc/p0f/p0f.fp"	/* Debian's p0f */
#endif
#ifndef HONEYD_MACPREFIXES
/* Debian's nmap */
#define HONEYD_MACPREFIXES	"/usr/share/nmap/nmap-mac-prefixes"
#endif
#ifndef HONEYD_SVCDIR
#define HONEYD_SVCDIR		"/usr/local/share/honeyd"
#endif
#ifndef HONEYD_PRELOAD		/* subsystems' library, if not beside us */
#define HONEYD_PRELOAD		"/usr/local/lib/honeyd/honeyd_preload.so"
#endif

#define HONEYD_MAX_IFACES	8
#define HONEYD_MAX_PKT		65535	/* largest IPv4 packet */

/* The command line (honeyd.c); honeyd.8 describes every option. */
struct honeyd_opts {
	int		 debug;		/* -d: foreground, log to stderr */
	int		 noaction;	/* -n: check the config and exit */
	int		 engines;	/* -e: engine count (in one: index) */
	int		 foreground;	/* -F: foreground, log to syslog */
	int		 verbose;	/* -v: more logging, -nv prints */
	const char	*config;	/* -f */
	const char	*prints;	/* -p */
	const char	*p0f;		/* -0: SYN signatures */
	int		 p0f_given;	/* -0 was given: must exist */
	const char	*ifaces[HONEYD_MAX_IFACES];	/* -i */
	int		 nifaces;
	const char	*user;		/* -u */
	const char	*group;		/* -g */
	const char	*pktlog;	/* -l */
	const char	*svclog;	/* -s */
	const char	*jsonlog;	/* -j */
	const char	*ctlsock;	/* -c: honeydctl's; "", "none": no */
	const char	*svcdir;	/* -S: where services run */
	const char	*pidfile;	/* -P */
	const char	*chroot;	/* -C */
	char	       **nets;		/* networks to claim from argv */
	int		 nnets;
};

extern struct honeyd_opts	 honeyd_opts;

/*
 * Messages between the parent and the engine.
 */
enum imsg_type {
	IMSG_NONE,
	IMSG_RECONF_PRINTS,	/* parent -> engine: a chunk of the text of
				   the fingerprints the config uses */
	IMSG_RECONF_CONF,	/* parent -> engine: a chunk of the config's
				   canonical printout */
	IMSG_RECONF_DONE,	/* parent -> engine: parse both, swap in */
	IMSG_SVC_START,		/* engine -> parent: struct svc_req, tmpl */
	IMSG_SVC_FD,		/* parent -> engine: struct svc_reply, cmd;
				   the service's stdin/stdout socket */
	IMSG_SVC_ERRFD,		/* parent -> engine: uint32_t id; the
				   service's stderr pipe */
	IMSG_SVC_STOP,		/* engine -> parent: uint32_t id, kill it */
	IMSG_SVC_EXIT,		/* parent -> engine: struct svc_exit */
	IMSG_PROXY_CONNECT,	/* engine -> parent: struct svc_req, tmpl */
	IMSG_PROXY_FD,		/* parent -> engine: struct svc_reply; the
				   socket, its connect under way */
	IMSG_LOG_FD,		/* parent -> engine: int32_t LOGF_*, a log;
				   LOGF_SYSLOG's is longer (eventlog.c) */
	IMSG_RECONF_P0F,	/* parent -> engine: a chunk of the text of
				   the p0f SYN signatures (before DONE) */
	/*
	 * Reload is a transaction: after DONE the engine builds the new
	 * configuration aside and answers ACCEPT (it swapped it in) or
	 * REFUSE (text: why; it keeps the running one).  Only on ACCEPT
	 * does the parent commit its side (claims, filter, MACs, services).
	 */
	IMSG_RECONF_ACCEPT,	/* engine -> parent */
	IMSG_RECONF_REFUSE,	/* engine -> parent: the reason, text */
	IMSG_ENGINE_RESTART,	/* parent -> engine: struct engine_restart,
				   first to an engine that replaces a dead
				   one */

	/*
	 * Control (control.c serves the socket in the engine; honeydctl/
	 * is the client).  A client sends one request per command; the
	 * answer is any number of IMSG_CTL_RECORD (or IMSG_CTL_EVENT) and
	 * ends with IMSG_CTL_END, or with IMSG_CTL_ERROR whose text says
	 * why.  A request's payload, where it has one, is a NUL-terminated
	 * argument ("show hosts 198.18.0.0/24", a statement, a file).
	 */
	IMSG_CTL_SHOW_STATUS,
	IMSG_CTL_SHOW_STATS,
	IMSG_CTL_SHOW_TEMPLATES,	/* [name] */
	IMSG_CTL_SHOW_HOSTS,		/* [address or network] */
	IMSG_CTL_SHOW_BINDS,
	IMSG_CTL_SHOW_ROUTES,
	IMSG_CTL_SHOW_CONNECTIONS,	/* [address] */
	IMSG_CTL_SHOW_SERVICES,
	IMSG_CTL_MONITOR,		/* uint32_t CTL_MON_* mask */
	IMSG_CTL_RELOAD,		/* [file]; engine -> parent too */
	IMSG_CTL_LOG_VERBOSE,		/* engine -> parent too */
	IMSG_CTL_LOG_BRIEF,		/* engine -> parent too */
	IMSG_CTL_CONFIG,		/* one statement; engine -> parent too */
	IMSG_CTL_RECORD,		/* a record (ctlrec.c) */
	IMSG_CTL_EVENT,			/* monitor: one JSON log line */
	IMSG_CTL_END,			/* [text] the answer is complete */
	IMSG_CTL_ERROR,			/* text; the answer failed */
	IMSG_CTL_PARENT_INFO,		/* engine -> parent: peerid: the
					   client; the parent answers with
					   one IMSG_CTL_RECORD of its
					   status fields and its counters */
	IMSG_CTL_RESULT,		/* parent -> engine: peerid: the
					   client; int32_t ok, then text */
	IMSG_ARP_CONFLICT,		/* parent -> engine: struct
					   arp_conflict, for the JSON log */

	/*
	 * DHCP clients ("dhcp T on IFACE"; lease.c in the parent, dhcp.c
	 * in the engine).  The parent says which clients run, forwards
	 * the servers' answers and checks what the engine sends back.
	 */
	IMSG_DHCP_START,	/* parent -> engine: struct dhcp_start, tmpl */
	IMSG_DHCP_STOP,		/* parent -> engine: uint32_t id; release */
	IMSG_DHCP_IN,		/* parent -> engine: an IP packet, UDP 67->68 */
	IMSG_DHCP_OUT,		/* engine -> parent: peerid: the client; an
				   IP packet, UDP 68->67 */
	IMSG_DHCP_LEASE,	/* engine -> parent: struct dhcp_lease */

	/*
	 * Subsystems ("add T subsystem CMD"; subsys.c in the parent,
	 * sublisten.c in the engine).  The parent tells the engine which
	 * ports the programs listen on; a connection to one asks for the
	 * program's end as a service does, and is answered IMSG_SVC_FD.
	 */
	IMSG_SUBSYS_LISTEN,	/* parent -> engine: struct subsys_listen,
				   template name, command */
	IMSG_SUBSYS_UNLISTEN,	/* parent -> engine: uint32_t id */
	IMSG_SUBSYS_CONNECT,	/* engine -> parent: struct svc_req, tmpl */

	/* Frames, many per message (framebatch.c). */
	IMSG_PKT_IN_BATCH,	/* parent -> engine: FRAME_IN, FRAME_EXT */
	IMSG_PKT_OUT_BATCH,	/* engine -> parent: FRAME_OUT */

	/*
	 * Engines on every core (-e N, engines.c).  A reload is a
	 * transaction over all engines: each answers DONE with ACCEPT or
	 * REFUSE and holds what it built; COMMIT installs it, ABORT drops
	 * it, so a refusal by one leaves all on the running config.
	 */
	IMSG_RECONF_COMMIT,	/* parent -> engine */
	IMSG_RECONF_ABORT,	/* parent -> engine */
	IMSG_RECONF_INSTALLED,	/* engine -> parent: COMMIT done, the new
				   configuration runs */
	IMSG_ENGINE_TALLY_REQ,	/* parent -> engine: peerid: a gather */
	IMSG_ENGINE_TALLY,	/* engine -> parent: struct engine_tally;
				   peerid: the gather, or 0 at exit */
	IMSG_CTL_ENGINES,	/* parent -> engine 0: peerid: the client;
				   struct engine_tally, the other engines'
				   sum, before the parent's record */
	IMSG_CTL_LIST_MORE,	/* engine 0 -> parent -> engine N: peerid:
				   the client; struct ctl_cursor */
	IMSG_CTL_LIST_PART,	/* engine N -> parent -> engine 0: struct
				   ctl_cursor (engine -1: the end), then
				   records, each uint32_t len and bytes */
};

/*
 * Engines: at most ENGINES_MAX, the default one per online core up to
 * ENGINES_DEFAULT_MAX.  A connection id carries its engine's index in
 * its top bits, so that the parent answers the engine that asked.
 */
#define ENGINES_MAX		8
#define ENGINES_DEFAULT_MAX	8
#define ENGINE_ID_SHIFT		28

/* Another machine uses an address we claimed or probed (arpguard.c). */
#define ARP_CONFLICT_PROBING	0	/* it answered our probe */
#define ARP_CONFLICT_CLAIMED	1	/* we had claimed it */

struct arp_conflict {
	uint32_t	 addr;		/* host order */
	uint8_t		 mac[6];	/* the other machine's */
	uint8_t		 was;		/* ARP_CONFLICT_* */
	uint8_t		 pad;
};

/* Why this engine runs: its predecessor died (IMSG_ENGINE_RESTART). */
struct engine_restart {
	uint64_t	 restarts;	/* engines started after a death */
	char		 cause[128];	/* how the last one ended */
};

/* What "monitor" streams (IMSG_CTL_MONITOR). */
#define CTL_MON_PACKETS		0x01	/* packet and connection events */
#define CTL_MON_SERVICES	0x02	/* service and proxy events */
#define CTL_MON_ALL		(CTL_MON_PACKETS | CTL_MON_SERVICES)

/*
 * A control record (ctlrec.c) is self-describing so that the client
 * prints any of them as JSON or as columns: the record's kind
 * ("status", "counter", "host", ...) NUL-terminated, then fields, each
 * a type byte, a NUL-terminated key and a NUL-terminated value in text.
 * Numbers are decimal text so the JSON needs no conversion.
 */
#define CTL_REC_MAX		8192
#define CTLF_STRING		's'	/* JSON string */
#define CTLF_NUMBER		'n'	/* integer or decimal, JSON number */
#define CTLF_BOOL		'b'	/* "true" or "false" */

struct ctlrec {
	char		 buf[CTL_REC_MAX];
	size_t		 len;
	int		 overflow;	/* a field did not fit: left out */
};

struct ctlfield {
	int		 type;		/* CTLF_* */
	const char	*key;
	const char	*value;
};

/*
 * A flow as the logs and the services see it: src is always the remote
 * peer, dst the virtual host; host byte order.  An IPv6 flow (v6) has
 * its addresses in src6 and dst6, network order, and their folds
 * (addr6_fold()) in src and dst, which key tables and hashes only;
 * an IPv4 flow has src6 and dst6 zero.
 */
struct tuple {
	uint8_t		 proto;		/* IPPROTO_TCP, IPPROTO_UDP */
	uint8_t		 v6;
	uint32_t	 src, dst;
	uint16_t	 sport, dport;
	struct in6_addr	 src6, dst6;
};

/*
 * A listing (show hosts, connections, services) carried on in the other
 * engines: where it is, in which engine; start is where a walk of the
 * next engine begins.
 */
struct ctl_cursor {
	int32_t		 engine;
	int32_t		 list;
	uint64_t	 cur, start;
	uint32_t	 cur_id;
	int32_t		 udp_phase;
	uint32_t	 lo, hi;
	struct tuple	 cur_tuple;
	int32_t		 v6, plen6;	/* an IPv6 filter, net6/plen6 */
	struct in6_addr	 net6;
};

/*
 * Services and proxies.  The engine asks, the parent checks the request
 * against its own copy of the configuration (the port of that template
 * must have that command or proxy), enforces the limits, forks or
 * connects, and passes the descriptors back.
 */
struct svc_req {
	uint32_t	 id;		/* the connection's */
	struct tuple	 tuple;
	/* the resolved template's name follows, NUL-terminated */
};

/* Why a request was refused (svc_reply.refused). */
enum svc_refusal {
	SVC_OK,
	SVC_E_LIMIT,		/* too many services, overall or template */
	SVC_E_CONFIG,		/* the configuration has no such action */
	SVC_E_SYSTEM,		/* fork, socketpair, connect... failed */
	SVC_E_UID,		/* it would run as the engine's user */
};

/* Where a proxy connects (proxy_target()): an IPv4 or IPv6 address. */
struct proxy_dest {
	uint32_t	 addr;		/* IPv4, host order */
	struct in6_addr	 addr6;		/* v6 */
	uint16_t	 port;
	uint8_t		 v6;
};

struct svc_reply {
	uint32_t	 id;
	int32_t		 refused;	/* enum svc_refusal */
	int32_t		 error;		/* errno for SVC_E_SYSTEM */
	int32_t		 pid;		/* SVC_FD */
	uint32_t	 uid, gid;	/* SVC_FD */
	struct proxy_dest dest;		/* PROXY_FD: where */
	/* SVC_FD: the command line as run follows, NUL-terminated */
};

/* How a service ended (svc_exit.why). */
enum svc_end {
	SVC_EXITED,		/* on its own */
	SVC_KILLED_TIMEOUT,	/* ran past "option service timeout" */
	SVC_KILLED_CLOSED,	/* its connection was gone */
	SVC_KILLED_SHUTDOWN,	/* honeyd stopped */
};

struct svc_exit {
	uint32_t	 id;
	struct tuple	 tuple;
	int32_t		 pid;
	int32_t		 status;	/* exit status, or -1 */
	int32_t		 signal;	/* terminating signal, or 0 */
	int32_t		 why;		/* enum svc_end */
	uint32_t	 duration_ms;
};

/* The engine's log files (IMSG_LOG_FD). */
enum logfile {
	LOGF_PACKET,		/* -l: Honeyd's packet and connection log */
	LOGF_SERVICE,		/* -s: service stderr lines */
	LOGF_JSON,		/* -j: one JSON object per event */
	LOGF_SYSLOG,		/* -j syslog: the same, a datagram each */
	LOGF_MAX
};

/*
 * Configuration (parse.y, config.c, printconf.c).
 *
 * A template is a complete virtual machine description; addresses are
 * bound to templates, unbound claimed addresses use "default".  The
 * parent parses the files; the engine receives the canonical printout
 * (printconf.c) and parses that, so both hold the same struct.
 * Addresses are host byte order unless a comment says otherwise.
 *
 * XXX Some statements of Honeyd 1.5c's language are parsed, kept and
 * printed back, so existing configurations load, but nothing acts on
 * them: options for Honeyd's plugins (config_warn_inert() says so).
 * ("dhcp" is lease.c's and dhcp.c's, "bind A to IFACE" router.c's and
 * extbind.c's, "add T subsystem" subsys.c's and sublisten.c's, "annotate P
 * fragment" is ipfrag.c's, "annotate P finscan" and "set T droprate
 * syn" tcp.c's, "set T spoof" ip.c's.)
 */

/* Protocol slots for per-protocol defaults (and the engine's counters). */
enum honeyd_proto {
	HP_TCP,
	HP_UDP,
	HP_ICMP,
	HP_MAX
};

enum action_kind {
	ACTION_UNSET,		/* no explicit setting */
	ACTION_BLOCK,		/* silence ("filtered") */
	ACTION_RESET,		/* RST / port unreachable ("closed") */
	ACTION_PROHIBIT,	/* unreachable, administratively prohibited
				   ("filtered", as a rejecting firewall) */
	ACTION_OPEN,		/* accept, discard data */
	ACTION_COMMAND,		/* run a service script */
	ACTION_PROXY,		/* relay to host:port */
	ACTION_SUBSYS,		/* engine only: an open port a subsystem
				   listens on, relayed to it */
};

#define ACTION_F_TARPIT		0x01	/* slow the connection down */

/* PROXY: host is a.b.c.d, $ipsrc or $ipdst; port N, $sport or $dport. */
struct action {
	enum action_kind	 kind;
	int			 flags;		/* ACTION_F_* */
	char			*cmd;		/* COMMAND: the command line */
	char			*proxy_host;	/* PROXY: where to */
	char			*proxy_port;
};

struct port {
	RB_ENTRY(port)		 entry;
	uint8_t			 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t		 number;
	struct action		 action;
};
RB_HEAD(port_tree, port);
RB_PROTOTYPE(port_tree, port, entry, port_cmp)

/*
 * A dynamic template picks another template per packet: the first rule
 * whose condition holds wins.  "add T use T2 if source ip = NET",
 * "... if source os = NAME", "... if time between A - B", "... if tcp",
 * "add T otherwise use T2".  An IPv6 source is matched by
 * "source ip = PREFIX" (DYN_SRC_IP6), never by an IPv4 network.
 */
enum dyn_cond {
	DYN_OTHERWISE,
	DYN_SRC_IP,		/* net, mask */
	DYN_SRC_OS,		/* os: glob on the passive fingerprint's
				   name (passive.c), case-insensitive */
	DYN_TIME,		/* tm_start <= now < tm_end, may wrap */
	DYN_PROTO,		/* proto */
	DYN_SRC_IP6,		/* net6, plen6 */
};

struct dyn_rule {
	TAILQ_ENTRY(dyn_rule)	 entry;
	enum dyn_cond		 cond;
	uint32_t		 net, mask;	/* network byte order */
	char			*os;
	uint32_t		 tm_start, tm_end; /* seconds after midnight */
	int			 proto;		/* IPPROTO_* */
	struct in6_addr		 net6;		/* DYN_SRC_IP6 */
	int			 plen6;
	char			*target;	/* template name */
	struct template		*tmpl;		/* resolved */
};
TAILQ_HEAD(dyn_rules, dyn_rule);

/* "add T subsystem "cmd" [shared] [restart]": subsys.c runs them. */
#define SUBSYS_F_SHARED		0x01
#define SUBSYS_F_RESTART	0x02

struct tmpl_subsys {
	TAILQ_ENTRY(tmpl_subsys) entry;
	char			*cmd;
	int			 flags;		/* SUBSYS_F_* */
};
TAILQ_HEAD(tmpl_subsystems, tmpl_subsys);

#define TMPL_F_DYNAMIC		0x01
#define TMPL_F_UPTIME		0x02
#define TMPL_F_UID		0x04
#define TMPL_F_GID		0x08
#define TMPL_F_PERS_RANDOM	0x10
#define TMPL_F_SPOOF_SRC	0x20
#define TMPL_F_SPOOF_DST	0x40

struct template {
	RB_ENTRY(template)	 entry;
	TAILQ_ENTRY(template)	 order;		/* creation order */
	char			*name;
	int			 flags;		/* TMPL_F_* */
	char			*personality;	/* fingerprint name or NULL */
	u_int			 pers_entry;	/* "entry N"; 0: the typical */
	const struct fingerprint *pers;	/* resolved, NULL: host stack */
	struct action		 defaults[HP_MAX];
	struct port_tree	 ports;
	uint32_t		 uptime;	/* seconds since boot */
	double			 droprate_in;	/* percent of input dropped */
	double			 droprate_syn;	/* percent of SYNs dropped */
	char			*ethernet;	/* MAC or vendor name */
	uid_t			 uid;
	gid_t			 gid;
	int			 maxfds;	/* 0: not set */
	uint32_t		 spoof_src;	/* "set T spoof from A to B" */
	uint32_t		 spoof_dst;
	struct dyn_rules	 rules;		/* dynamic templates */
	struct tmpl_subsystems	 subsystems;
};
RB_HEAD(template_tree, template);
RB_PROTOTYPE(template_tree, template, entry, template_cmp)
TAILQ_HEAD(template_list, template);

/* One bind: a range of addresses (host byte order) to a template. */
struct bind {
	uint32_t		 lo, hi;
	struct template		*tmpl;
};

/* One IPv6 bind: a prefix (a /128 for an address) to a template. */
struct bind6 {
	struct in6_addr		 net;		/* host bits clear */
	int			 plen;
	struct template		*tmpl;
};

/*
 * The routing topology, statement by statement as written (section 2.3
 * of the paper); router.c builds the tree and checks it.
 */
enum route_kind {
	ROUTE_ENTRY,		/* route entry A [network NET] */
	ROUTE_LINK,		/* route A link NET */
	ROUTE_NET,		/* route A add net NET GW [options] */
	ROUTE_TUNNEL,		/* route A add net NET tunnel SRC DST */
	ROUTE_UNREACH,		/* route A unreach NET */
};

#define ROUTE_F_NETWORK		0x01	/* ENTRY: network given */
#define ROUTE_F_LATENCY		0x02
#define ROUTE_F_LOSS		0x04
#define ROUTE_F_BANDWIDTH	0x08
#define ROUTE_F_DROP		0x10
#define ROUTE_F_MTU		0x20

/* The least a link may take: RFC 791 for IPv4, RFC 8200 5 for IPv6. */
#define IP_LINK_MTU_MIN		68
#define IP6_LINK_MTU_MIN	1280

struct route_conf {
	TAILQ_ENTRY(route_conf)	 entry;
	enum route_kind		 kind;
	int			 flags;		/* ROUTE_F_* */
	uint32_t		 router;	/* A */
	uint32_t		 net, mask;	/* NET */
	uint32_t		 gw;		/* NET: GW, TUNNEL: SRC */
	uint32_t		 tunnel_dst;	/* TUNNEL: DST */
	uint32_t		 latency;	/* ms */
	double			 loss;		/* percent */
	uint64_t		 bandwidth;	/* bits per second */
	uint32_t		 drop_lo, drop_hi; /* ms of queueing delay */
	uint32_t		 mtu;		/* bytes */
	/* An IPv6 route: these instead of router, net, mask and gw. */
	int			 v6;
	struct in6_addr		 router6, net6, gw6;
	int			 plen6;
	char			*file;		/* where it was written, */
	int			 lineno;	/* for router.c's errors */
};
TAILQ_HEAD(route_confs, route_conf);
struct router_topo;		/* router.c: the built trees */

/* "annotate "personality" [no] finscan | fragment drop|old|new" */
enum frag_policy {
	FRAG_UNSET,
	FRAG_DROP,
	FRAG_OLD,
	FRAG_NEW,
};

struct annotation {
	TAILQ_ENTRY(annotation)	 entry;
	char			*personality;
	int			 finscan;	/* -1 unset, 0 no, 1 yes */
	enum frag_policy	 fragment;
};
TAILQ_HEAD(annotations, annotation);

/*
 * "bind A to IFACE": a real machine at A, reached on IFACE, is a host
 * of the routing topology (router.c routes, extbind.c moves frames).
 */
struct ext_bind {
	TAILQ_ENTRY(ext_bind)	 entry;
	uint32_t		 addr;
	char			*iface;
	char			*file;		/* where it was written, */
	int			 lineno;	/* for router.c's errors */
};
TAILQ_HEAD(ext_binds, ext_bind);

/* "dhcp T on IFACE [ethernet "MAC"]" */
struct dhcp_conf {
	TAILQ_ENTRY(dhcp_conf)	 entry;
	struct template		*tmpl;
	char			*iface;
	char			*ethernet;	/* NULL: the template's */
};
TAILQ_HEAD(dhcp_confs, dhcp_conf);

/* IMSG_DHCP_START: client id and its MAC; the template's name follows. */
struct dhcp_start {
	uint32_t		 id;
	uint8_t			 mac[6];
	uint8_t			 pad[2];
};

/* IMSG_DHCP_LEASE: the client's address now, host order; 0: none. */
struct dhcp_lease {
	uint32_t		 id;
	uint32_t		 addr;
};

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68
#define DHCP_MAX_CLIENTS	64	/* "dhcp" statements that run */

/* "option service KEY N" (config.c): the parent's limits on services. */
struct svc_limits {
	int		 max;		/* services at once */
	int		 per_template;	/* of one template at once */
	int		 timeout;	/* seconds; 0: none */
	long		 cpu;		/* RLIMIT_CPU, seconds */
	long		 memory;	/* RLIMIT_AS, MB */
	long		 fsize;		/* RLIMIT_FSIZE, KB */
	long		 nproc;		/* RLIMIT_NPROC of its uid */
};

/*
 * The "option" sections honeyd reads, checked and set by the parser
 * (config_option_set()); given has a bit per key of config.c's table
 * that a statement set, so that the printout says it again.
 */
struct conf_options {
	struct svc_limits	 service;
	int			 reassembly_timeout;	/* s */
	int			 arp_silence;		/* s; 0: claim at once */
	int			 arp_conflict_timeout;	/* s */
	int			 arp_probe_rate;	/* starts/s; 0: no limit */
	int			 arp_probe_burst;	/* starts at once */
	int			 capture_pause;		/* microseconds */
	int			 capture_bypass;	/* 0|1, wire.c */
	int			 hosts_max;		/* host.c's table */
	int			 connections_max;	/* tcp.c's table */
	uint32_t		 given;
};

/* "option PLUGIN KEY VALUE" of other sections: kept for plugins as text. */
enum option_kind {
	OPTION_INT,
	OPTION_FLOAT,
	OPTION_STRING,
};

struct plugin_option {
	TAILQ_ENTRY(plugin_option) entry;
	char			*plugin, *key, *value;
	enum option_kind	 kind;
};
TAILQ_HEAD(plugin_options, plugin_option);

struct honeyd_config {
	struct template_tree	 templates;
	struct template_list	 tmpl_order;	/* creation order */
	struct template		*dflt;		/* "default" or NULL */
	struct bind		*binds;		/* sorted, non-overlapping */
	size_t			 nbinds, binds_cap;
	struct bind6		*binds6;	/* by address, then shorter */
	size_t			 nbinds6, binds6_cap;
	uint32_t		 nbinds6_plen[129];	/* binds per length */
	uint8_t			 plens6[129];	/* lengths in use, longest 1st */
	int			 nplens6;
	struct route_confs	 routes;
	struct annotations	 annotations;
	struct ext_binds	 ext_binds;
	struct dhcp_confs	 dhcp;
	struct plugin_options	 options;
	struct conf_options	 opts;
	struct router_topo	*topo;		/* NULL: no routes */
};

/* Most dynamic templates a lookup follows before giving up. */
#define DYN_MAX_DEPTH		8
/* What a control client's statement is called in its errors. */
#define CONF_STMT_NAME		"honeydctl"
/* Deepest nesting of "include". */
#define CONF_MAX_INCLUDE	10

/* What a dynamic template may look at; os NULL and tod -1 never match. */
struct dyn_match {
	uint32_t		 src;		/* host order */
	int			 v6;		/* an IPv6 packet: src6, not src */
	const struct in6_addr	*src6;		/* NULL: not known */
	int			 proto;		/* 0: unknown */
	const char		*os;
	int			 tod;		/* seconds after midnight */
};

struct claimset;

/* parse.y */
struct honeyd_config *config_parse_file(const char *,
	    int (*)(const char *, void *), void *);
struct honeyd_config *config_parse_buffer(const char *, const char *, size_t,
	    int (*)(const char *, void *), void *);
int	 config_parse_more(struct honeyd_config *, const char *, const char *,
	    size_t, int (*)(const char *, void *), void *);
int	 config_word_is_bare(const char *);

/* config.c */
struct honeyd_config *config_new(void);
void	 config_free(struct honeyd_config *);
struct template *config_find_template(const struct honeyd_config *,
	    const char *);
struct template *template_create(struct honeyd_config *, const char *);
struct template *template_clone(struct honeyd_config *, const char *,
	    const struct template *);
void	 template_free(struct honeyd_config *, struct template *);
const char *template_used_by(const struct honeyd_config *,
	    const struct template *);
struct port *template_find_port(const struct template *, int, uint16_t);
struct port *template_add_port(struct template *, int, uint16_t);
void	 template_del_port(struct template *, struct port *);
const struct action *template_action(const struct template *, int, uint16_t);
int	 config_finscan(const struct honeyd_config *, const char *);
void	 action_clear(struct action *);
int	 config_bind(struct honeyd_config *, uint32_t, uint32_t,
	    struct template *, int *);
int	 config_unbind(struct honeyd_config *, uint32_t, uint32_t, int *);
struct honeyd_config *config_apply_statement(const struct honeyd_config *,
	    const char *, int (*)(const char *, void *), void *);
const struct bind *config_find_bind(const struct honeyd_config *, uint32_t);
int	 config_bind6(struct honeyd_config *, const struct in6_addr *, int,
	    struct template *, int *);
int	 config_unbind6(struct honeyd_config *, const struct in6_addr *, int,
	    int *);
const struct bind6 *config_find_bind6(const struct honeyd_config *,
	    const struct in6_addr *);
struct template *config_lookup6(const struct honeyd_config *,
	    const struct in6_addr *, const struct in6_addr *, int);
struct template *config_lookup(const struct honeyd_config *, uint32_t,
	    uint32_t, int);
struct template *template_resolve(const struct template *,
	    const struct dyn_match *);
int	 config_claimed_ranges(const struct honeyd_config *,
	    struct claimset *);
int	 config_route_addrs(const struct route_conf *, struct claimset *);
int	 config_claimed_tunnels(const struct honeyd_config *,
	    struct claimset *);
void	 config_finish(struct honeyd_config *);
void	 config_warn_inert(const char *, int, const char *);
int	 config_option_set(struct honeyd_config *, const char *, const char *,
	    const char *, char *, size_t);
void	 config_print_options(FILE *, const struct honeyd_config *);
struct ether_map;
struct honeyd_config *config_load(const char *, const struct honeyd_config *,
	    const char *, int (*)(const char *, void *), void *,
	    struct ether_map **);
#define CONFIG_HOSTS_MAX	16777216	/* "option hosts max" */
#define CONFIG_TCP_MAX		4194304		/* "option connections max" */

/* printconf.c */
void	 config_print(FILE *, const struct honeyd_config *);

/*
 * The parent (honeyd.c, claim.c, capture.c, wire.c, arp.c).
 *
 * Claimed addresses (claim.c): sorted disjoint inclusive ranges in host
 * byte order, from the command line or, without networks there, from
 * what the configuration binds and routes.  The parent answers ARP and
 * accepts frames only for these.
 */
struct netrange {
	uint32_t		 lo, hi;
};

/* Claimed IPv6 space: prefixes, sorted, none inside another. */
struct net6 {
	struct in6_addr		 net;
	int			 plen;
};

struct claimset {
	struct netrange		*r;
	size_t			 n, cap;
	struct net6		*r6;
	size_t			 n6, cap6;
};

#define CLAIM_FILTER_MAX	64	/* CIDR blocks before "ip" filter */

/* addr.c */
#define ADDR_RANGE_LEN	32	/* "a.b.c.d-e.f.g.h" and its NUL */
const char *addr_fmt(uint32_t, char *, size_t);
const char *addr_fmt_range(uint32_t, uint32_t, char *, size_t);
int	 addr_parse(const char *, uint32_t *);
int	 addr_parse_net(const char *, uint32_t *, uint32_t *);
int	 addr_parse_range(const char *, uint32_t *, uint32_t *);
uint32_t addr_mask(int);
int	 addr_masklen(uint32_t);
const char *addr6_fmt(const struct in6_addr *, char *, size_t);
const char *addr6_fmt_net(const struct in6_addr *, int, char *, size_t);
int	 addr6_parse(const char *, struct in6_addr *);
int	 addr6_parse_net(const char *, struct in6_addr *, int *);
int	 addr6_parse_range(const char *, struct in6_addr *,
	    struct in6_addr *);
int	 addr6_range_next(struct in6_addr *, const struct in6_addr *,
	    struct in6_addr *, int *);
const char *addr_dest_fmt(const struct proxy_dest *, char *, size_t);
void	 addr6_mask(struct in6_addr *, int);
int	 addr6_in_net(const struct in6_addr *, const struct in6_addr *, int);
int	 addr6_net_unicast(const struct in6_addr *, int);
uint32_t addr6_fold(const struct in6_addr *);

/* ctlrec.c: control records, built by the daemon, read by honeydctl */
void	 ctlrec_init(struct ctlrec *, const char *);
void	 ctlrec_str(struct ctlrec *, const char *, const char *);
void	 ctlrec_num(struct ctlrec *, const char *, uint64_t);
void	 ctlrec_int(struct ctlrec *, const char *, int64_t);
void	 ctlrec_float(struct ctlrec *, const char *, double);
void	 ctlrec_bool(struct ctlrec *, const char *, int);
void	 ctlrec_addr(struct ctlrec *, const char *, uint32_t);
int	 ctlrec_append(struct ctlrec *, const void *, size_t);
int	 ctlrec_kind(const void *, size_t, const char **, size_t *);
int	 ctlrec_next(const void *, size_t, size_t *, struct ctlfield *);

/* hash.c */
#define FNV_BASIS	2166136261U	/* where an FNV-1a hash starts */
uint32_t fnv1a(uint32_t, const void *, size_t);
uint32_t name_key(const char *);

/* claim.c */
void	 claim_init(struct claimset *);
void	 claim_clear(struct claimset *);
int	 claim_add(struct claimset *, uint32_t, uint32_t);
void	 claim_normalize(struct claimset *);
int	 claim_contains(const struct claimset *, uint32_t);
int	 claim6_add(struct claimset *, const struct in6_addr *, int);
void	 claim6_normalize(struct claimset *);
int	 claim6_contains(const struct claimset *, const struct in6_addr *);
char	*claim_filter(const struct claimset *);

/* An interface the parent captures and sends on (-i). */
struct iface {
	char			 name[32];
	int			 index;		/* ours, the imsg peerid */
	struct pcap		*pcap;
	int			 wfd;		/* wire.c: send-only socket */
	struct event		*ev;
	uint8_t			 mac[6];
	uint32_t		 addr, mask;	/* own address, host order */
};

/* The parent's counters, logged when it exits. */
struct parent_stats {
	uint64_t	 frames_in;	/* captured */
	uint64_t	 frames_ip;	/* IPv4 handed to the engine */
	uint64_t	 frames_short;	/* truncated or unparsable */
	uint64_t	 frames_other;	/* not IPv4/ARP, not claimed, not to us */
	uint64_t	 frames_engine_drop; /* engine queue full */
	uint64_t	 frames_no_engine; /* while an engine restarts */
	uint64_t	 engine_restarts; /* engines started after a death */
	uint64_t	 arp_requests;	/* for claimed addresses */
	uint64_t	 arp_replies;
	uint64_t	 out_frames;	/* sent for the engine */
	uint64_t	 out_refused;	/* source not claimed, or malformed */
	uint64_t	 out_noneigh;	/* next hop MAC unknown */
	uint64_t	 out_errors;	/* the kernel refused the frame */
	uint64_t	 arp_conflicts;	/* claims withdrawn (arpguard.c) */
	uint64_t	 arp_probes;	/* addresses probed */
	uint64_t	 arp_withheld;	/* requests for withdrawn addresses */
	uint64_t	 arp_evicted;	/* guard entries evicted for room */
	uint64_t	 probe_limited;	/* ARP/NS not answered: no probe may
					   start now (both families) */
	uint64_t	 out_withdrawn;	/* from an address not (yet) ours */
	uint64_t	 out_held;	/* held while its address was probed */
	uint64_t	 out_extbind;	/* from an unclaimed source to a
					   "bind A to IFACE" machine */
	uint64_t	 frames_extbind; /* from such a machine, to route */
	uint64_t	 out_badbatch;	/* engine's batches refused whole */
	uint64_t	 frames_ip6;	/* IPv6 handed to the engine */
	uint64_t	 ndp_solicits;	/* NS for claimed addresses (ndp.c) */
	uint64_t	 ndp_adverts;	/* NA sent */
	uint64_t	 ndp_probes;	/* DAD probes sent */
	uint64_t	 ndp_conflicts;	/* claims withdrawn: another owner */
	uint64_t	 ndp_withheld;	/* NS for withdrawn or probed ones */
	uint64_t	 ndp_evicted;	/* guard entries evicted for room */
	uint64_t	 out_queued;	/* waited for a neighbour's MAC */
	uint64_t	 ndp_resolves;	/* NS sent to learn a neighbour's */
	uint64_t	 capture_pauses; /* under load (capture.c) */
};

/* The parent's state (honeyd.c). */
struct parent {
	struct event_base	*base;
	struct iface		 ifaces[HONEYD_MAX_IFACES];
	int			 nifaces;
	struct claimset		 claimed;
	struct imsgev		*engine;	/* NULL while none runs */
	pid_t			 engine_pid;
	time_t			 engine_started;
	char			 engine_death[128]; /* why the last died */
	/* -e N: engine 0 is engine above; each is NULL while dead. */
	struct imsgev		*engines[ENGINES_MAX];
	uint64_t		 engine_restarts_of[ENGINES_MAX];
	int			 nengines;
	struct claimset		 pinned;	/* engines.c: engine 0's */
	struct parent_stats	 stats;
	struct timeval		 started;	/* for "show status" */
	struct timeval		 loaded;	/* the running config */
	uint64_t		 reloads;
};

extern struct parent	*parent;

/* engines.c */
struct engine_tally;
int		 engines_default(void);
struct imsgev	*engine_for_addr(uint32_t);
struct imsgev	*engine_for_addr6(const struct in6_addr *);
struct imsgev	*engine_by_id(uint32_t);
void		 engines_pin(const struct honeyd_config *, struct claimset *);
void		 engines_gather(uint32_t);
void		 engines_tally(int, struct imsg *);
void		 engines_gone(int);
void		 engines_exit_tally(int, const struct engine_tally *);
void		 engines_log_total(void);
void		 engines_list_more(struct imsg *);
void		 engines_list_part(struct imsg *);

/* capture.c */
int	 capture_open(struct iface *, const char *filter);
int	 capture_setfilter(struct iface *, const char *filter);
#define CAPTURE_PAUSE_MAX	2000	/* microseconds, "option capture pause" */
#define CAPTURE_PAUSE_DEFAULT	1000
void	 capture_config(const struct honeyd_config *);
void	 capture_close(struct iface *);
int	 capture_pause_next(int, int64_t, int);

/* framebatch.c: a batch's record, then the packet, padded to 4 */
struct framebatch_rec {
	uint16_t	 len;		/* of the packet, 1 to 65535 */
	uint8_t		 kind;		/* FRAME_* */
	uint8_t		 iface;		/* captured on (FRAME_IN, _EXT) */
};
#define FRAME_IN	0	/* captured, to a claimed address */
#define FRAME_EXT	1	/* from a bound machine, to route */
#define FRAME_OUT	2	/* the engine's, for the wire */
struct framebatch_frame {
	const uint8_t	*pkt;
	size_t		 len;
	uint8_t		 kind, iface;
};
int	 framebatch_add(struct imsgbuf *, uint32_t, uint8_t, uint8_t,
	    const void *, size_t);
int	 framebatch_pending(struct imsgbuf *);
int	 framebatch_flush(struct imsgbuf *);
int	 framebatch_flush_all(void);
void	 framebatch_forget(struct imsgbuf *);
size_t	 framebatch_dropped(void);
ssize_t	 framebatch_check(const void *, size_t);
int	 framebatch_next(const void *, size_t, size_t *,
	    struct framebatch_frame *);

/* wire.c */
int	 wire_init(void);
int	 wire_open(struct iface *);
void	 wire_learn(struct iface *, uint32_t ip, const uint8_t *mac);
void	 wire_output(const uint8_t *pkt, size_t len);
void	 wire_output_batch(const void *, size_t);
void	 wire_bypass(int);
void	 wire_flush(void);
int	 wire_send_frame(struct iface *, const void *frame, size_t len);
int	 wire_seen(uint32_t ip);
#define WIRE_PEND_MAX		256	/* neighbours asked for at once */
#define WIRE_PEND_FRAMES	3	/* packets waiting for each */
#define WIRE_PEND_BYTES		(1024 * 1024)	/* ... for all of them */
#define WIRE_SOLICITS		3	/* RFC 4861 MAX_MULTICAST_SOLICIT */
#define WIRE_RETRANS_MS		1000	/* RFC 4861 RETRANS_TIMER */
void	 wire_resolved6(const struct in6_addr *);
void	 wire_pend_flush(void);

/* ether.c: the virtual hosts' own MACs ("set T ethernet") */
struct ether_map;
extern const char *ether_prefixes;	/* HONEYD_MACPREFIXES */
int	 ether_parse_mac(const char *, uint8_t *);
int	 ether_vendor_find(const char *, size_t, const char *, uint8_t *);
int	 ether_resolve(const char *, uint8_t *, int *);
const char *ether_error(void);
void	 ether_release(void);
void	 ether_derive(const uint8_t *, uint32_t, uint32_t, uint8_t *);
struct ether_map *ether_map_build(const struct honeyd_config *);
void	 ether_map_free(struct ether_map *);
int	 ether_map_lookup(const struct ether_map *, uint32_t, uint8_t *);
void	 ether_install(struct ether_map *);
int	 ether_host_mac(const struct iface *, uint32_t, uint8_t *);
int	 ether_dhcp_mac(size_t, uint8_t *);
int	 ether_lease(const struct iface *, uint32_t, const uint8_t *);

/*
 * lease.c: the parent's side of the DHCP clients: their MACs and
 * interfaces, the addresses they lease (claimed while leased), the
 * servers' answers it forwards and the client frames it lets out.
 */
void	 lease_sync(const struct honeyd_config *);
int	 lease_input(struct iface *, const uint8_t *frame, size_t len);
void	 lease_output(struct imsg *);
void	 lease_update(struct imsg *);
int	 lease_claims(struct claimset *);
int	 lease_on(const struct iface *);
void		 lease_forget(void);
void	 lease_drain(void);

/* honeyd.c */
void	 parent_claims_update(void);

/*
 * extbind.c: "bind A to IFACE" machines, the parent's side: which
 * interface each is on, the router address it is linked to, the
 * frames it sends and the ones the engine forwards to it.
 */
int	 extbind_sync(const struct honeyd_config *);
void	 extbind_check(const struct honeyd_config *);
int	 extbind_iface(uint32_t);
int	 extbind_on(const struct iface *, uint32_t);
uint32_t extbind_gateway(uint32_t);
char	*extbind_filter(const struct iface *, const char *);

/* arp.c */
void	 arp_input(struct iface *, const uint8_t *frame, size_t len);
void	 arp_request(struct iface *, uint32_t spa, uint32_t tpa);
void	 arp_reply(struct iface *, uint32_t spa, const uint8_t *tha,
	    uint32_t tpa);
void	 arp_probe(struct iface *, uint32_t tpa);

/* arpguard.c: claim an on-link address only while nobody else uses it */
#define ARPG_MAX		4096	/* addresses tracked at once */
#define ARPG_PROBES		2	/* probes before a claim, */
#define ARPG_PROBE_MS		500	/* ... this far apart and after */
#define ARPG_CONFLICT_TIMEOUT	300	/* s an owner is silent: re-probe */
#define ARPG_HOLD_LEN		1500	/* the engine's packet held while */
#define ARPG_HOLD_MAX		(256 * 1024) /* ... probing; all of them */
#define ARPG_PROBE_RATE		100	/* probe starts a second per iface */
#define ARPG_PROBE_BURST	256	/* ... and at once (a /24 sweep) */
#define ARPG_RATE_MAX		100000	/* "option arp probe_rate" limit */
/* A token bucket: how many probes an interface may start now. */
struct tokbucket {
	int64_t		 level;		/* thousandths of a token */
	int64_t		 stamp;		/* ms, when level was right */
	int		 primed;	/* 0: never used, full */
};
int	 tokbucket_take(struct tokbucket *, int rate, int burst,
	    int64_t now_ms);
void	 arpguard_config(const struct honeyd_config *);
void	 arpguard_observe(struct iface *, int op, const uint8_t *sha,
	    uint32_t spa, uint32_t tpa);
int	 arpguard_may_answer(struct iface *, uint32_t tpa,
	    const uint8_t *sha, uint32_t spa);
int	 arpguard_may_send(struct iface *, uint32_t src, const uint8_t *pkt,
	    size_t len);
void	 arpguard_flush(void);
size_t	 arpguard_count(void);
void	 guard6_conflict(const struct in6_addr *, const uint8_t *mac);
void	 guard6_solicited(struct iface *, const struct in6_addr *target,
	    const uint8_t *mac, const struct in6_addr *src, int group);
int	 guard6_may_send(const struct in6_addr *);

/* ndp.c: Neighbor Discovery for claimed IPv6 addresses (RFC 4861) */
#define NDP_ROUTER_SOLICIT	133
#define NDP_NEIGHBOR_SOLICIT	135
#define NDP_NEIGHBOR_ADVERT	136
#define NDP_REDIRECT		137
#define NDP_OPT_SOURCE_LLA	1
#define NDP_OPT_TARGET_LLA	2
#define NDP_NA_ROUTER		0x80	/* flags of an advertisement */
#define NDP_NA_SOLICITED	0x40
#define NDP_NA_OVERRIDE		0x20
#define NDP_PROBE_MS		1000	/* RFC 4862's RetransTimer */
struct ndp_msg {
	uint8_t		 type;		/* NDP_* message types */
	uint8_t		 flags;		/* NDP_NA_* */
	struct in6_addr	 src, dst, target;
	int		 has_lla;	/* the link-layer address option */
	uint8_t		 lla[6];
};
int	 ndp_parse(const uint8_t *, size_t, struct ndp_msg *);
size_t	 ndp_build(uint8_t *, size_t, const struct ndp_msg *);
void	 ndp_solicited_node(const struct in6_addr *, struct in6_addr *);
void	 ndp_config(const struct honeyd_config *);
int	 ndp_host_mac(const struct in6_addr *, uint8_t *);
void	 ndp_learn(const struct iface *, const struct in6_addr *,
	    const uint8_t *);
int	 ndp_neighbor(const struct in6_addr *, int *, uint8_t *);
int	 ndp_neighbor_iface(const struct in6_addr *);
int	 ndp_input(struct iface *, const uint8_t *, size_t);
int	 ndp_may_send(const struct in6_addr *);
void	 ndp_flush(void);
void	 ndp_solicit(struct iface *, const struct in6_addr *,
	    const struct in6_addr *);
void	 ndp_advertise(struct iface *, const struct in6_addr *,
	    const uint8_t *, const struct in6_addr *, int group);
void	 ndp_probe(struct iface *, const struct in6_addr *);

/*
 * The engine (engine.c, host.c, ip.c, flow.c).
 */

/* The engine's counters, logged when it exits. */
struct engine_stats {
	uint64_t	 pkts_in;	/* frames received (FRAME_IN, _EXT) */
	uint64_t	 drop_short;	/* shorter than its headers */
	uint64_t	 drop_version;	/* not IPv4 (nor IPv6: ip6.c) */
	uint64_t	 drop_hlen;	/* bad IP header length */
	uint64_t	 drop_len;	/* IP total length vs captured */
	uint64_t	 drop_ipsum;	/* bad IP header checksum */
	uint64_t	 drop_frag;	/* malformed fragments (ipfrag.c) */
	uint64_t	 drop_proto;	/* not ICMP, TCP or UDP (answered:
					   protocol unreachable) */
	uint64_t	 drop_l4sum;	/* bad ICMP/TCP/UDP checksum */
	uint64_t	 drop_noaddr;	/* no template for the address */
	uint64_t	 drop_droprate;	/* template "droprate in" */
	uint64_t	 drop_droprate_syn; /* template "droprate syn" */
	uint64_t	 drop_nohost;	/* host table full */
	uint64_t	 hosts_evicted;	/* forgotten to make room (host.c) */
	uint64_t	 drop_srcaddr;	/* broadcast/multicast/martian src;
					   source-routed (plain stack) */
	uint64_t	 proto_in[HP_MAX];
	uint64_t	 pkts_out;
	uint64_t	 drop_out;	/* queue to the parent full */
	uint64_t	 drop_batch;	/* parent's batches refused whole */
	uint64_t	 icmp_echo;	/* echo requests answered */
	uint64_t	 icmp_errors;	/* unreachables, time exceeded sent */
	uint64_t	 tcp_rst;	/* resets sent */
	uint64_t	 tcp_synack;	/* SYN+ACKs sent, resent ones too */
	uint64_t	 tcp_conns;	/* connections created */
	uint64_t	 tcp_conns_active; /* open now */
	uint64_t	 tcp_conns_evicted; /* to make room (tcp.h) */
	uint64_t	 tcp_established; /* handshakes completed */
	uint64_t	 tcp_closed;	/* ended by FIN both ways */
	uint64_t	 tcp_reset_in;	/* ended by the peer's RST */
	uint64_t	 tcp_timeouts;	/* given up: no answer, idle */
	uint64_t	 tcp_rexmits;	/* segments retransmitted */
	uint64_t	 tcp_rto;	/* retransmission timeouts */
	uint64_t	 tcp_fastrexmit; /* fast retransmits */
	uint64_t	 tcp_tlp;	/* tail loss probes */
	uint64_t	 tcp_ooo;	/* out-of-order segments */
	uint64_t	 tcp_ooo_drop;	/* ... that could not be held */
	uint64_t	 udp_flows;	/* UDP flows to services, proxies */
	uint64_t	 udp_dropped;	/* ... datagrams they had no room for */
	uint64_t	 svc_started;
	uint64_t	 svc_refused;
	uint64_t	 proxy_started;
	uint64_t	 proxy_failed;
	uint64_t	 log_dropped;	/* log lines lost: writer too slow */
	uint64_t	 route_in;	/* packets into the virtual topology */
	uint64_t	 route_out;	/* answers routed back out of it */
	uint64_t	 route_loss;	/* lost on a lossy link */
	uint64_t	 route_queue;	/* dropped by a queue (RED, full) */
	uint64_t	 route_held;	/* delay queue full */
	uint64_t	 tunnel_in;	/* packets (datagrams) out of a tunnel */
	uint64_t	 tunnel_out;	/* packets sent into a GRE tunnel */
	uint64_t	 tunnel_drop;	/* GRE or tunneled packets dropped */
	uint64_t	 route_ttl;	/* answers out of TTL on the way back */
	uint64_t	 ext_in;	/* from bound machines, routed out */
	uint64_t	 ext_out;	/* forwarded to bound machines */
	uint64_t	 frag_in;	/* fragments received */
	uint64_t	 frag_done;	/* datagrams reassembled */
	uint64_t	 frag_timeout;	/* queues timed out */
	uint64_t	 frag_overlap;	/* datagrams dropped: overlap, "drop" */
	uint64_t	 frag_limit;	/* queues evicted, fragments refused */
	uint64_t	 frag_out;	/* packets sent as fragments */
	uint64_t	 frag6_in;	/* IPv6 fragments received (ip6frag.c) */
	uint64_t	 frag6_atomic;	/* ... atomic: offset 0, no more */
	uint64_t	 frag6_done;	/* IPv6 datagrams reassembled */
	uint64_t	 frag6_timeout;	/* ... queues timed out */
	uint64_t	 frag6_overlap;	/* ... dropped: overlap (RFC 5722) */
	uint64_t	 frag6_limit;	/* ... evicted, fragments refused */
	uint64_t	 drop_frag6;	/* malformed IPv6 fragments */
	uint64_t	 ext6_drop;	/* bad extension headers (ip6ext.c) */
	uint64_t	 ext6_error;	/* ... answered: parameter problem */
	uint64_t	 ctl_accepted;	/* control clients (control.c) */
	uint64_t	 ctl_refused;	/* ... refused: credentials */
	uint64_t	 ctl_toomany;	/* ... refused: CTL_CLIENTS_MAX */
	uint64_t	 ctl_garbage;	/* ... closed: malformed request */
	uint64_t	 ctl_timeouts;	/* ... closed: request incomplete */
	uint64_t	 ctl_monitor_dropped; /* events a monitor missed */
	uint64_t	 ip6_in;	/* IPv6 packets (ip6.c) */
	uint64_t	 ip6_drop_hdr;	/* bad fixed header */
	uint64_t	 ip6_drop_next;	/* next header not handled yet */
	uint64_t	 icmp6_in;	/* ICMPv6 messages (icmp6.c) */
	uint64_t	 icmp6_echo;	/* echo requests answered */
	uint64_t	 icmp6_drop;	/* bad checksum, types not answered */
	uint64_t	 icmp6_err;	/* ICMPv6 errors sent (ip6.c) */
	uint64_t	 icmp6_err_rl;	/* ... held back by the rate limit */
	uint64_t	 udp6_closed;	/* UDP to closed ports: unreachable */
	uint64_t	 udp6_drop;	/* ... bad, or to filtered ports */
	uint64_t	 frag6_out;	/* IPv6 answers sent as fragments */
	uint64_t	 tcp6_in;	/* TCP segments over IPv6 (ip6.c) */
	uint64_t	 tcp6_drop;	/* ... bad header or checksum */
	uint64_t	 prohibited;	/* TCP/UDP to "prohibit" ports, both
					   families: unreachable sent */
	/*
	 * Gauges, read when the counters are taken (engine_stats_now), so
	 * that a sum over engines (-e N) sums them too.
	 */
	uint64_t	 g_hosts;	/* hosts held */
	uint64_t	 g_frag_held;	/* fragments held */
	uint64_t	 g_frag6_held;	/* IPv6 fragments held */
	uint64_t	 g_frag_bytes;	/* bytes of IPv4 fragments held */
	uint64_t	 g_route_held;	/* packets held by links */
};

/*
 * An engine's counters and sizes, summed over engines for "show stats"
 * and the exit log (IMSG_ENGINE_TALLY, IMSG_CTL_ENGINES).
 */
struct engine_tally {
	struct engine_stats	 stats;
	uint64_t		 hosts, conns, udp, relays;
	int32_t			 index, pid;
};

/* The engine's state (engine.c). */
struct engine {
	struct event_base	*base;
	int			 index;		/* of -e N; 0 serves control */
	int			 several;	/* N > 1 */
	/* A reload built and answered, waiting for COMMIT or ABORT. */
	struct honeyd_config	*rc_built;
	struct fpdb		*rc_built_db;
	struct imsgev		*parent;
	struct honeyd_config	*conf;		/* the running config */
	struct fpdb		*db;		/* its personalities */
	uint32_t		 generation;	/* bumped by each install */
	struct engine_stats	 stats;
	/* A reload being received: text accumulated until DONE. */
	char			*rc_prints, *rc_conf;
	size_t			 rc_prints_len, rc_conf_len;
};

extern struct engine	*engine;

/*
 * IP ID counters per destination (stackmodel_idslot()): where a stack
 * counts the IDs of packets from no connected socket per peer (Linux),
 * the last few peers keep a counter each; an older peer starts again.
 */
#define HOST_IDSLOTS	8
struct host_idslots {
	uint32_t		 dst[HOST_IDSLOTS];
	uint16_t		 id[HOST_IDSLOTS];
	uint8_t			 used;		/* slots filled */
	uint8_t			 next;		/* the one to reuse next */
};

/*
 * Per virtual host state: created on the first packet, kept in a
 * bounded table, evicted least recently used when it holds nothing.
 */
struct host {
	RB_ENTRY(host)		 entry;
	TAILQ_ENTRY(host)	 lru;
	uint32_t		 addr;		/* host order */
	uint32_t		 refs;		/* connections using it */
	uint16_t		 ip_id;		/* next IP ID, sequential */
	struct host_idslots	 ip_ids;	/* per destination */
	uint32_t		 isn;		/* last ISN handed out */
	uint32_t		 generation;	/* config its state is from */
	struct pers_state	*pers;		/* personality clocks */
	time_t			 created, seen;	/* for "show hosts" */
	int			 v6;		/* addr6 is its address */
	struct in6_addr		 addr6;
	uint32_t		 ip6_fragid;	/* next fragment ID, 0: unset */
};

/* A received packet that passed the dispatcher's checks. */
struct ipin {
	const struct ip_hdr	*ip;
	size_t			 len;		/* ip_len, padding trimmed */
	size_t			 hlen;		/* IP header length */
	const uint8_t		*l4;		/* transport header */
	size_t			 l4len;
	uint32_t		 src, dst;	/* host order */
	struct host		*host;
	struct template		*tmpl;
	/* IPv6 (ip6.c): ip is NULL, src and dst are the addresses' folds */
	int			 v6;
	struct in6_addr		 src6, dst6;
	struct ip6in		*in6;		/* the packet */
};

#define HOST_MAX_DEFAULT	65536
#define TCP_CONN_MAX		65536	/* connections in all, tcp.c */

/*
 * What a TCP connection and a UDP flow share (flow.c): the tuple that
 * keys them, the host they hold, and the template they answer with.
 */
struct flow {
	struct tuple		 tuple;
	struct host		*host;		/* referenced */
	const struct template	*tmpl;		/* see flow_template() */
	uint32_t		 tmpl_gen;	/* engine generation of tmpl */
};

/* What an outgoing packet is, for the personality's IP ID and DF rules. */
enum out_kind {
	OUT_TCP,		/* from an open port or a connection */
	OUT_TCP_CLOSED,		/* reset from a closed port */
	OUT_ICMP_ECHO,		/* echo reply */
	OUT_ICMP_ERROR,		/* unreachable, time exceeded */
	OUT_UDP,		/* a service's datagram */
};

/* engine.c */
__dead void	 engine_main(int, int, int, uid_t, gid_t, const char *);
void		 engine_tally_fill(struct engine_tally *);
void		 engine_stats_now(void);
void		 engine_send(const void *, size_t);
const struct timeval *engine_timeout(struct event_base *, uint32_t,
		    struct timeval *);

/* host.c */
void		 host_init(size_t);
void		 host_reconf(const struct honeyd_config *);
struct host	*host_get(uint32_t);
struct host	*host_get6(const struct in6_addr *);
void		 host_ref(struct host *);
void		 host_unref(struct host *);
size_t		 host_count(void);
void		 host_flush(void);
int		 host_ctl_next(uint64_t *, uint32_t, int, struct ctlrec *);
int		 host_ctl_next_in6(uint64_t *, const struct in6_addr *, int,
		    int, struct ctlrec *);

/* dhcp.c: the engine's DHCP clients (RFC 2131) */
void		 dhcp_start(struct imsg *);
void		 dhcp_stop(struct imsg *);
void		 dhcp_input(const uint8_t *, size_t);
void		 dhcp_reconf(struct honeyd_config *);
void		 dhcp_shutdown(void);
struct dhcp_msg {
	int		 type;		/* option 53, 0: BOOTP only */
	uint32_t	 xid;
	uint8_t		 chaddr[6];
	uint32_t	 yiaddr;	/* host order, as the rest */
	uint32_t	 server;	/* option 54, 0: none */
	uint32_t	 lease, t1, t2;	/* options 51, 58, 59; 0: none */
};
int		 dhcp_parse(const uint8_t *, size_t, struct dhcp_msg *);

/* ip.c */
void		 ip_input(const uint8_t *, size_t);
void		 ip_dispatch(struct ipin *);
int		 ip_droprate_in(const struct template *);
void		 ip_output(struct host *, const struct template *, uint8_t *,
		    size_t, enum out_kind);
uint16_t	 ip_l4_cksum(const struct ip_hdr *, const void *, size_t);
int		 ip_input_inner(const uint8_t *, size_t, struct ipin *,
		    uint8_t **);
void		 ip_input_ext(const uint8_t *, size_t);

/* ipfrag.c */
#define IPFRAG_MAXQ		1024	/* datagrams being reassembled */
#define IPFRAG_MAXBYTES		(4 * 1024 * 1024) /* held by them */
#define IPFRAG_TIMEOUT		30	/* s; "option reassembly timeout" */
#define IPFRAG_MTU		1500	/* IP bytes of the link, on output */

int		 ipfrag_input(const uint8_t *, size_t, uint8_t **, size_t *);
int		 ipfrag_output(const uint8_t *, size_t, size_t,
		    void (*)(const void *, size_t));
size_t		 ipfrag_count(void);
size_t		 ipfrag_held(void);
void		 ipfrag_flush(void);

/* The 8-byte blocks of a datagram held, IPv4 or IPv6 (up to 65535). */
struct fragmap {
	size_t		 nblocks;
	uint8_t		 map[(65535 / 8 + 1 + 7) / 8];
};

int		 fragmap_has(const struct fragmap *, size_t);
int		 fragmap_set(struct fragmap *, size_t);
int		 fragmap_overlaps(const struct fragmap *, size_t, size_t);
int		 fragmap_covered(const struct fragmap *, size_t, size_t);
int		 fragmap_complete(const struct fragmap *, size_t);

/*
 * fragq.c: the bookkeeping both families' reassembly queues share.  A
 * family's queue begins with a struct fragq; its struct fragtab gives
 * the limits and the hooks for what differs.
 */
struct fragq {
	TAILQ_ENTRY(fragq)	 age;		/* oldest first */
	uint64_t		 born;		/* ms */
	int			 dead;		/* dropped for an overlap */
	size_t			 total;		/* payload; 0: last not seen */
	size_t			 maxend;	/* highest end held */
	uint8_t			*data;		/* payload from offset 0 */
	size_t			 cap;
	size_t			 extra;		/* other bytes it holds */
	struct fragmap		 held;		/* blocks held */
};
TAILQ_HEAD(fragq_list, fragq);

struct fragtab {
	size_t			 qsize;		/* the family's queue */
	size_t			 maxq, maxbytes;
	uint64_t		(*now)(void);	/* ms; NULL: monotonic */
	uint64_t		(*lifetime)(void); /* ms a queue lives */
	void			(*unlink)(struct fragq *); /* out of the
						   family's index, its
						   extra freed */
	void			(*expired)(struct fragq *); /* timed out,
						   not dead: count, answer */
	void			(*evicted)(void); /* count it */
	struct fragq_list	 age;
	size_t			 nq, bytes;
	struct event		*ev;
};

struct fragq	*fragq_new(struct fragtab *);
void		 fragq_free(struct fragtab *, struct fragq *);
int		 fragq_grow(struct fragtab *, struct fragq *, size_t);
int		 fragq_charge(struct fragtab *, struct fragq *, size_t);
void		 fragq_extend(struct fragq *, size_t, int);
void		 fragq_kill(struct fragtab *, struct fragq *);
void		 fragq_arm(struct fragtab *);
void		 fragq_expire(struct fragtab *);
void		 fragq_flush(struct fragtab *);

/* icmp6err.c */
#define ICMP6ERR_MAX		1280	/* bytes of an error, RFC 4443 2.4(c) */
#define ICMP6ERR_QUOTE		(ICMP6ERR_MAX - 40 - 8) /* quoted at most */
#define ICMP6_PARAMPROB_CHAIN	3	/* RFC 7112: header chain incomplete */

/* An ICMPv6 error to send: type and code, and the pointer or MTU. */
struct ip6err {
	uint8_t		 type, code;
	uint32_t	 param;
};

/* Addresses are 16 bytes in network order. */
struct stack_model;
int		 icmp6err_due(const uint8_t *, size_t, const struct ip6err *);
size_t		 icmp6err_build(const uint8_t *, size_t, const struct ip6err *,
		    const uint8_t *, uint8_t, uint8_t *);
int		 icmp6err_ratelimit(const struct stack_model *, uint8_t,
		    const uint8_t *, const uint8_t *, uint64_t);
struct sm_bucket;
int		 icmp6err_ratelimit_machine(const struct stack_model *,
		    struct sm_bucket *, uint8_t, const uint8_t *,
		    const uint8_t *, uint64_t);

/*
 * ip6ext.c.  The IPv6 input path, for a packet pkt of len bytes:
 * ip6ext_walk(pkt, len, &x), then by its verdict
 *   PASS   the upper layer x.proto's header is at x.off, the packet
 *          x.len bytes (IP_PROTO_NONE: nothing to do); an atomic
 *          fragment (x.frag IP6EXT_F_ATOMIC) passes so too
 *   FRAG   ip6frag_input(pkt, &x, &out, &outlen, &err): 1, walk out
 *          again and free it; -1, answer err as for ERROR; 0, done
 *   ERROR  answer x.err: icmp6err_build() if icmp6err_ratelimit() lets
 *          it go (x.why says why, for the debug log)
 *   DROP   nothing (x.why)
 */
#define IP6EXT_MAXHDRS		8	/* extension headers in one chain */
#define IP6EXT_MAXOPTS		8	/* options in one header, padding aside */
#define IP6EXT_MAXPAD		7	/* bytes of padding in a row */

enum ip6ext_verdict {
	IP6EXT_PASS,		/* to the upper layer: proto at off */
	IP6EXT_FRAG,		/* a fragment: to ip6frag_input() */
	IP6EXT_DROP,		/* drop it silently */
	IP6EXT_ERROR		/* drop it and answer err */
};

/* What the walk of a received packet's header chain found. */
struct ip6ext {
	enum ip6ext_verdict verdict;
	const char	*why;		/* DROP, ERROR: for the debug log */
	size_t		 len;		/* the packet: 40 + its payload length */
	uint8_t		 proto;		/* upper layer, IP_PROTO_NONE: none */
	size_t		 off;		/* its header */
	size_t		 nhoff;		/* the Next Header byte naming it */
	int		 nhdrs;		/* extension headers walked */
	int		 frag;		/* IP6EXT_F_* */
	size_t		 fhoff;		/* the fragment header: unfragmentable
					   part's length */
	size_t		 fnhoff;	/* the Next Header byte naming it */
	uint8_t		 fnxt;		/* its Next Header */
	size_t		 foff;		/* fragment offset, bytes */
	int		 fmore;		/* M flag */
	uint32_t	 fid;		/* identification, host order */
	struct ip6err	 err;		/* IP6EXT_ERROR */
};
#define IP6EXT_F_NONE		0
#define IP6EXT_F_FRAG		1	/* a fragment of a datagram */
#define IP6EXT_F_ATOMIC		2	/* offset 0, M 0: whole (RFC 6946) */

enum ip6ext_verdict ip6ext_walk(const uint8_t *, size_t, struct ip6ext *);

/*
 * ip6frag.c.  ip6frag_hooks(NULL, fn) at start: fn(first, len) gets the
 * first fragment of a datagram that timed out, to answer with time
 * exceeded, reassembly (ICMP6_TIME_EXCEEDED, code 1).
 */
#define IP6FRAG_MAXQ		256	/* datagrams being reassembled */
#define IP6FRAG_MAXBYTES	(2 * 1024 * 1024) /* held by them */
#define IP6FRAG_TIMEOUT		60	/* s, RFC 8200 4.5 */

int		 ip6frag_input(const uint8_t *, const struct ip6ext *,
		    uint8_t **, size_t *, struct ip6err *);
void		 ip6frag_hooks(uint64_t (*)(void),
		    void (*)(const uint8_t *, size_t));
void		 ip6frag_expire(void);
size_t		 ip6frag_count(void);
size_t		 ip6frag_held(void);
void		 ip6frag_flush(void);

/*
 * A received IPv6 packet that passed the fixed header's checks
 * (ip6.c); addresses in network order, as everywhere for IPv6.
 */
struct ip6in {
	const uint8_t		*pkt;
	size_t			 len;		/* 40 + payload length */
	struct in6_addr		 src, dst;
	uint8_t			 nxt;		/* the upper layer's */
	const uint8_t		*l4;		/* its header */
	size_t			 l4len;
	struct host		*host;
	struct template		*tmpl;
};

/* ip6.c */
void		 ip6_input(const uint8_t *, size_t);
void		 ip6_output(const struct template *, uint8_t *, size_t);
uint8_t		 ip6_hoplimit(const struct template *);
uint16_t	 ip6_cksum(const struct in6_addr *, const struct in6_addr *,
		    uint8_t, const void *, size_t);
void		 ip6_reasm_timeout(const uint8_t *, size_t);
void		 ip6_dispatch(struct ip6in *);
void		 ip6_send(uint8_t *, size_t);
void		 ip6_error_from(const struct in6_addr *, const uint8_t *,
		    size_t, const struct ip6err *);
void		 ip6_port_unreach(struct ipin *);
void		 ip6_prohibited(struct ipin *);

/* icmp6.c */
void		 icmp6_input(struct ip6in *);

/* flow.c */
void		 flow_tuple(struct tuple *, int, const struct ipin *,
		    uint16_t, uint16_t);
void		 flow_init(struct flow *, const struct tuple *,
		    const struct ipin *);
int		 flow_cmp(const struct flow *, const struct flow *);
void		 flow_ipin(struct ipin *, const struct tuple *);
int		 tuple_cmp(const struct tuple *, const struct tuple *);
const char	*tuple_addr_fmt(const struct tuple *, int, char *, size_t);
const struct template *flow_template(struct flow *);

/*
 * Protocols (icmp.c, tcp.c, udp.c; TCP's structures are in tcp.h).
 * ip_dispatch() hands each a checked packet with its host and template.
 */

/* icmp.c */
void		 icmp_input(struct ipin *);
void		 icmp_error(struct ipin *, struct host *,
		    const struct template *, uint32_t, int, int);
void		 icmp_error_needfrag(struct ipin *, struct host *,
		    const struct template *, uint32_t, uint16_t);
void		 icmp_send_unreach(struct ipin *, int);
void		 icmp_send_prohibited(struct ipin *);

/* tcp.c */
void		 tcp_init(void);
void		 tcp_reconf(const struct honeyd_config *);
void		 tcp_input(struct ipin *);
void		 tcp_flush(void);
size_t		 tcp_count(void);
int		 tcp_ctl_next(struct tuple *, struct ctlrec *);

/* udp.c */
void		 udp_input(struct ipin *);
void		 udp_flush(void);
size_t		 udp_count(void);
int		 udp_ctl_next(struct tuple *, struct ctlrec *);

/*
 * Personality (personality.c; the plan and clocks behind it in pers.h,
 * the fingerprint database in fingerprint.h): what every packet a
 * virtual host sends looks like.  A template without a fingerprint gets
 * a plain modern Linux stack.  What a fingerprint does not say (nmap's
 * probes never look) each OS family's row in stackmodel.c decides.
 */

/* personality.c */
int		 personality_attach(struct honeyd_config *, struct fpdb *);
void		 personality_host_update(struct host *,
		    const struct template *);
void		 personality_host_free(struct host *);
void		 personality_ip_fields(struct host *, const struct template *,
		    struct ip_hdr *, enum out_kind);
void		 personality_tcp6_fields(uint8_t *);
int		 personality_echo_ok(struct ipin *);
int		 personality_tstamp_ok(struct ipin *);
int		 personality_srcroute_drop(struct ipin *);
int		 personality_ipopts_echo(struct ipin *);
enum frag_policy personality_frag_policy(const struct template *, int *);
int		 personality_proto_unreach(struct ipin *);
int		 personality_challenge_ack(struct host *,
		    const struct template *);
int		 personality_synack_rto(struct host *, const struct template *,
		    u_int);
int		 personality_icmp_ratelimit(struct host *,
		    const struct template *, uint32_t, uint32_t);
void		 personality_echo_reply(struct ipin *, struct ip_hdr *,
		    struct icmp_hdr *);
ssize_t		 personality_icmp_quote(struct ipin *, struct host *,
		    const struct template *, uint8_t *, size_t, size_t);
uint32_t	 personality_icmp_unused(struct host *,
		    const struct template *);
uint32_t	 personality_tcp_isn(struct host *, const struct template *);
int		 personality_tcp_synfin_ok(struct ipin *);

/*
 * Routing (router.c): the virtual topologies of "route" statements.
 * Packets for hosts behind virtual routers take a detour through
 * router_input() (IPv6: router_input6()) on the way in and
 * router_output() on the way out, for either family;
 * GRE to a tunnel's local end goes to router_tunnel_input().
 */

/* router.c */
int		 router_build(struct honeyd_config *);
void		 router_free(struct router_topo *);
int		 router_input(struct ipin *);
int		 router_input6(struct ip6in *);
int		 router_output(uint8_t *, size_t);
int		 router_tunnel_input(struct ipin *);
uint32_t	 router_ext_gateway(const struct honeyd_config *, uint32_t);
void		 router_ext_input(uint8_t *, size_t);
void		 router_describe(const struct honeyd_config *, uint32_t, int,
		    size_t, char *, size_t);
void		 router_describe6(const struct honeyd_config *,
		    const struct in6_addr *, int, size_t, char *, size_t);
size_t		 router_held(void);
void		 router_flush(void);

/*
 * Services and proxies.  In the engine a relay (relay.c) asks the
 * parent for a service (service.c) or a proxied connection (proxy.c)
 * and then moves bytes between the connection or UDP flow and the
 * descriptor the parent passed.  The owner's callbacks: room (bytes it
 * takes now), input (bytes from the fd), eof, error (could not start,
 * or broke; the owner frees the relay), drained (queued bytes were
 * written).  Service limits come from "option service KEY VALUE"
 * (honeyd.8).
 */
struct relay;
struct relay_ops {
	size_t	(*room)(void *);
	void	(*input)(void *, const uint8_t *, size_t);
	void	(*eof)(void *);
	void	(*error)(void *, const char *);
	void	(*drained)(void *);
};

#define RELAY_MAX		4096	/* at once, services and proxies */
/*
 * The parent and the engine hold a descriptor or two per relay (the
 * parent until it has passed them): both raise their limit to this.
 */
#define RELAY_NOFILE		(4 * RELAY_MAX + 256)
#define RELAY_QUEUE_MAX		(128 * 1024)	/* bytes towards one fd */

#define SVC_DEFAULT_UID		32767	/* no template uid: Honeyd's */
#define SVC_DEFAULT_GID		32767
#define SVC_DEFAULT_MAXFDS	64
#define SVC_CMD_MAX		4096	/* expanded command line */

/* relay.c */
void		 relay_init(void);
uint32_t	 relay_newid(void);
struct relay	*relay_new(uint32_t, enum action_kind, const struct tuple *,
		    const char *, const struct relay_ops *, void *);
void		 relay_free(struct relay *);
int		 relay_write(struct relay *, const uint8_t *, size_t);
size_t		 relay_queued(const struct relay *);
void		 relay_shutdown(struct relay *);
void		 relay_resume(struct relay *);
size_t		 relay_count(void);
void		 relay_set_dgram(struct relay *);
void		 relay_dispatch(struct imsg *);
int		 relay_ctl_next(uint32_t *, struct ctlrec *);

/* service.c */
void		 service_init(struct event_base *, uid_t);
void		 service_config(const struct honeyd_config *);
void		 service_start(struct imsg *);
void		 service_stop(struct imsg *);
int		 service_reaped(pid_t, int);
void		 service_killall(int);
size_t		 service_count(void);
const char	*service_dir(void);
int		 svc_expand(char *, size_t, const char *,
		    const struct tuple *);
int		 svc_parse_req(struct imsg *, struct svc_req *, const char **);
const struct action *svc_action(const char *, const struct tuple *,
		    enum action_kind, const struct template **);

/* The identity and descriptor limit a service or subsystem runs with. */
struct svc_ids {
	uid_t		 uid;
	gid_t		 gid;
	int		 maxfds;
};

int		 svc_ids_for(const struct template *, struct svc_ids *);
int		 svc_cage(const struct svc_ids *, const char *, pid_t);
int		 svc_lockdown(const struct svc_ids *, int);

/*
 * Subsystems (subsys.c in the parent, sublisten.c in the engine): real
 * programs that serve a template's hosts through the library preloaded
 * into them (subsys_preload.c, subsys.h).
 */
#define SUBSYS_HOSTS_MAX	64	/* processes of one unshared one */
#define SUBSYS_BACKOFF_MIN	1	/* s before a restart, doubling */
#define SUBSYS_BACKOFF_MAX	60
#define SUBSYS_LISTEN_MAX	64	/* ports one program listens on */

struct subsys_listen {
	uint32_t	 id;		/* the listening socket's */
	uint32_t	 addr;		/* host order; 0: every host */
	int32_t		 pid;
	uint16_t	 port;
	uint8_t		 proto;
	uint8_t		 af;		/* SUBSYS_AF4, SUBSYS_AF6 (subsys.h) */
	struct in6_addr	 addr6;		/* IPv6's host; ::: every host */
	/* the template's name, then the command, NUL-terminated */
};

/* A host of a per-host subsystem: IPv4 (host6 ::) or IPv6 (host 0). */
struct subsys_host {
	uint32_t	 host;		/* host order */
	struct in6_addr	 host6;
};

/* subsys.c */
void		 subsys_init(struct event_base *);
void		 subsys_config(const struct honeyd_config *);
void		 subsys_engine_sync(struct imsgev *);
void		 subsys_connect(struct imsg *);
int		 subsys_reaped(pid_t, int);
void		 subsys_killall(void);
int		 subsys_elf_static(const char *, char *, size_t);
size_t		 subsys_hosts(const struct honeyd_config *,
		    const struct template *, const struct tmpl_subsys *,
		    struct subsys_host *);

/* sublisten.c */
void		 sublisten_dispatch(struct imsg *);
int		 sublisten_find(const char *, const struct ipin *, uint16_t);
int		 sublisten_udp_input(struct ipin *, const struct tuple *);
int		 sublisten_ctl_next(uint32_t *, int, struct ctlrec *);

/* cage.c */
void		 cage_init(const char *);
int		 cage_enter(uid_t, gid_t, const char *, pid_t *);
int		 cage_lock(void);

/* proxy.c */
void		 proxy_connect(struct imsg *);
int		 proxy_target(const struct action *, const struct tuple *,
		    struct proxy_dest *);

/*
 * Logs: the event logs the engine writes (eventlog.c: packet, service
 * and JSON logs, see honeyd.8) and the daemon's own (log.c: stderr or
 * syslog).
 */

/* eventlog.c */
void		 eventlog_close(void);
void		 eventlog_setfd(int, int);
void		 eventlog_flow_start(const struct tuple *, uint32_t, size_t,
		    const struct template *, const struct action *);
void		 eventlog_flow_end(const struct tuple *, uint32_t, uint64_t,
		    uint64_t, const struct timeval *, const char *);
void		 eventlog_probe(const struct tuple *, size_t, int,
		    const char *);
void		 eventlog_icmp(uint32_t, uint32_t, int, int, size_t);
void		 eventlog_icmp6(const struct in6_addr *, const struct in6_addr *,
		    int, int, size_t);
void		 eventlog_service_line(const struct tuple *, const char *,
		    size_t);
void		 eventlog_service_start(const struct svc_reply *,
		    const struct tuple *, const char *);
void		 eventlog_service_exit(const struct svc_exit *);
void		 eventlog_refused(uint32_t, const struct tuple *, const char *,
		    const char *);
void		 eventlog_proxy(uint32_t, const struct tuple *,
		    const struct proxy_dest *, const char *);
void		 eventlog_engine_restart(uint64_t, const char *);
size_t		 eventlog_fmt_time(char *, size_t, const struct timeval *);
size_t		 eventlog_fmt_rfc3339(char *, size_t, const struct timeval *);
size_t		 eventlog_fmt_syslog(char *, size_t, const struct timeval *,
		    const char *, long, const char *);
size_t		 eventlog_fmt_tcpflags(char *, size_t, int);
#define TUPLE_TEXT_MAX	(2 * 46 + 16)	/* eventlog_fmt_tuple()'s */
size_t		 eventlog_fmt_tuple(char *, size_t, const struct tuple *);
size_t		 eventlog_json_str(char *, size_t, const char *, size_t);
const char	*eventlog_scan_kind(int);
void		 eventlog_send(struct imsgev *, const char *[LOGF_MAX], int);
int		 eventlog_is_syslog(const char *);
int		 eventlog_syslog_check(const char *);
void		 eventlog_imsg(struct imsg *);
void		 eventlog_arp_conflict(struct imsg *);

/*
 * Passive fingerprints of the attacker (passive_db.c reads p0f 3's SYN
 * signatures, passive.c matches SYNs and keeps a bounded per-source
 * cache in the engine; structures in passive.h).
 */
struct passive_db;
struct passive_label;
struct passive_obs;

/* passive_db.c */
struct passive_db *passive_db_parse(const char *, const char *, size_t, int,
		    int *);
void		 passive_db_free(struct passive_db *);
size_t		 passive_db_count(const struct passive_db *);
int		 passive_db_read(const char *, int, char **, size_t *);
int		 passive_db_extract(const char *, size_t, char **, size_t *);

/* passive.c */
int		 passive_observe_syn(const uint8_t *, size_t,
		    struct passive_obs *);
const struct passive_label *passive_match(const struct passive_db *,
		    const uint8_t *, size_t);
void		 passive_observe(const uint8_t *, size_t);
const char	*passive_os_name(uint32_t);
const char	*passive_os_desc(uint32_t);
const char	*passive_os_name6(const struct in6_addr *);
const char	*passive_os_desc6(const struct in6_addr *);
void		 passive_reconf_append(const void *, size_t);
int		 passive_reconf_done(int);
void		 passive_free(void);

/* notify.c: readiness for systemd (Type=notify), without libsystemd */
int	 notify_ready(void);
int	 notify_reloading(void);
int	 notify_status(const char *);
/*
 * Counters (stats.c): one table per process, read by the exit log and
 * by "show stats".
 */
#define STAT_F_EOL		0x01	/* the exit log's line ends here */

struct stat_desc {
	const char	*name;		/* in "show stats" */
	const char	*log;		/* the exit log's text before it */
	size_t		 offset;	/* into the stats struct, or */
	uint64_t	(*gauge)(void);	/* a value read now */
	int		 flags;		/* STAT_F_* */
};

/* stats.c */
extern const struct stat_desc	 stats_engine[];	/* engine_stats */
extern const size_t		 stats_engine_n;
extern const struct stat_desc	 stats_parent[];	/* parent_stats */
extern const size_t		 stats_parent_n;
uint64_t	 stats_value(const struct stat_desc *, const void *);
void		 stats_log(const struct stat_desc *, size_t, const void *);
void		 tally_add(struct engine_tally *, const struct engine_tally *);
int		 stats_find(const struct stat_desc *, size_t, const char *);

/*
 * Control socket (control.c): created by the parent, served by the
 * engine, which holds the live state.  A client (honeydctl) must be
 * root, the engine's user, or in the engine's group.
 */
#define CTL_CLIENTS_MAX		256	/* at once; more are refused */
#define CTL_QUEUE_MAX		(1024 * 1024) /* bytes queued to a client */
#define CTL_REQ_TIMEOUT		30	/* s to finish a started request */

/* control_parent.c */
int		 control_open(const char *, gid_t);
void		 control_parent_info(struct imsg *);
void		 control_parent_answer(uint32_t, const struct engine_tally *,
		    unsigned int);

/* control.c */
void		 control_init(int);
void		 control_event(int, const char *, size_t);
int		 control_monitoring(int);
size_t		 control_queued(void);
void		 control_dispatch_parent(struct imsg *);
void		 control_list_more(struct imsg *);
int		 ctl_request_arg(const struct imsg *, const char **);
void		 ctl_host_record(struct ctlrec *, const struct host *,
		    time_t);
void		 ctl_flow_record(struct ctlrec *, const struct tuple *,
		    const char *, uint64_t, uint64_t, const struct timeval *,
		    const char *);
void		 ctl_time_field(struct ctlrec *, const char *,
		    const struct timeval *);

/* log.c */
void	 log_init(int debug, int facility);
void	 log_procinit(const char *name);
void	 log_setverbose(int v);
int	 log_getverbose(void);
void	 log_diag(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_capture_start(void);
const char *log_capture_first(void);
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
__dead void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
__dead void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif /* HONEYD_H */
