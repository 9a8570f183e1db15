/*
 * Stack models: how each family of operating systems answers where
 * nmap's tests do not look.
 *
 * A fingerprint tells how a stack answers nmap's probes, and nothing
 * else.  Everything else a virtual host sends (the options of a
 * SYN+ACK to a SYN unlike nmap's, the ack of a reset to a NULL
 * segment, how much of a datagram an ICMP error quotes and how many
 * errors go out, IP options, fragment overlaps, challenge ACKs, how
 * often a SYN+ACK is resent) follows the row of its family in
 * stack_models[], chosen from the fingerprint's Class line
 * (pers_plan.c).  The plain stack, a template without a personality,
 * is a Linux host and takes Linux's row.
 *
 * Each choice names where it comes from: an RFC, the OS's manual or
 * documented sysctl default, or the behaviour nmap-os-db records for
 * the family (its O1, U1 IPL and T7 lines are measurements of real
 * machines).  Where a choice could not be checked against a document
 * it says XXX.  The decision functions below are pure, so
 * regress/unit/test_stackmodel.c checks each family's choices.
 *
 * Over IPv6 nmap -6 -O has no database to match but a classifier
 * trained on real hosts (nmap's FPModel.cc): for each answer to its
 * probes it reads the payload length, the traffic class and the hop
 * limit (rounded to 32, 64, 128 or 255), the type and code of the
 * answers to its two odd echo requests (IE1, code 9 after a hop-by-hop
 * header; IE2, after a hop-by-hop header out of place) and to its
 * neighbor solicitation, and each TCP answer's window, flags, options
 * and MSS.  The flow label is printed with the fingerprint but not
 * weighed.  So each row says what its family does there too: the hop
 * limit (hlim6), an echo request with a code (echo6), flow labels
 * (flow6); the class means nmap's model holds for the family are the
 * measurements cited.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include <dumbnet.h>

#include "honeyd.h"
#include "fingerprint.h"
#include "pers.h"

/* RFC 1812 4.3.2.3: an ICMP error fits in 576 bytes. */
#define SM_ERR_MAX	576
#define SM_ERR_HDRS	(IP_HDR_LEN + ICMP_HDR_LEN + 4)

#define SM_FLOWLABEL_MASK	0xfffffU	/* RFC 8200 3 */
#define SM_MSS6_MIN		(1280 - 60)	/* RFC 8200 5's MTU */

static size_t	 layout_linux(const struct synopts *, uint8_t *);
static size_t	 layout_windows(const struct synopts *, uint8_t *);
static size_t	 layout_freebsd(const struct synopts *, uint8_t *);
static size_t	 layout_openbsd(const struct synopts *, uint8_t *);
static size_t	 layout_macos(const struct synopts *, uint8_t *);

/* A field a row leaves out is 0: the family does not. */
static const struct stack_model stack_models[SF_MAX] = {
	/*
	 * Linux (ip-sysctl.txt defaults; the source of each habit is
	 * named where honeyd follows it).
	 *  - options: tcp_options_write(): MSS; SACK permitted and
	 *    timestamps together, else each after two NOPs; NOP, WS.
	 *  - reset to a segment without ACK: RFC 793, seq + SYN + FIN +
	 *    data (tcp_v4_send_reset()); nmap-os-db's T7 A=S+.
	 *  - ICMP errors: the whole datagram up to a 576-byte error
	 *    (icmp_send()), a token bucket per peer of icmp_ratelimit
	 *    1000 ms for icmp_ratemask's types, six deep (inetpeer);
	 *    and, checked first and spent last, one for the whole host:
	 *    icmp_msgs_per_sec 1000 in bursts of icmp_msgs_burst 50
	 *    (icmp_global_allow(), since 3.18), and the same one for
	 *    ICMPv6 errors: icmp6_send() asks icmpv6_global_allow(),
	 *    which asks icmp_global_allow() (net/ipv6/icmp.c; one
	 *    kernel-wide bucket, per network namespace since 6.12).
	 *    Honeyd shares it where one machine holds addresses of both
	 *    families (stackmodel_machine_bucket()).  Since 5.10 an error
	 *    spends 0 to 2 of its credits at random ("icmp: randomize
	 *    the global rate limiter", against SAD DNS); honeyd spends
	 *    1, the mean.
	 *  - IP options: record route and timestamp come back on every
	 *    answer (ip_options_echo()); accept_source_route 0 drops
	 *    source-routed packets.
	 *  - IP ID: a connected socket counts its own (ip_select_ident()).
	 *    Packets from no socket of their own without DF (echo
	 *    replies, errors) take ip_idents[] counters hashed by
	 *    destination, source and protocol (__ip_select_ident(); one
	 *    per destination in inetpeer before 3.16): each peer sees
	 *    its own sequence.  Since 5.10 a counter also jumps by a
	 *    random amount below the jiffies since its last use; honeyd
	 *    counts by the fingerprint's step (nmap's II sends two pings
	 *    back to back, where the jump is 0 or 1).
	 *  - protocol unreachable, timestamp replies: yes
	 *    (ip_local_deliver_finish(), icmp_timestamp()); no mask
	 *    replies (removed in 2.6).
	 *  - overlapping fragments drop the datagram since 4.19
	 *    (CVE-2018-5391), as RFC 5722 asks of IPv6.
	 *  - challenge ACKs since 3.6 (RFC 5961, tcp_send_challenge_ack()).
	 *  - SYN+ACK: tcp_synack_retries 5, from a 1 s RTO, doubling.
	 *  - IPv6: hop limit 64 (conf/default/hop_limit).  An echo
	 *    request's code comes back in the reply: icmpv6_echo_reply()
	 *    copies the request's header and changes only the type (IE1
	 *    is answered code 9 in every Linux class of nmap's model).
	 *    Flow labels: auto_flowlabels 1 since 4.3 ("ipv6: Enable
	 *    auto flow labels by default"), a hash of the flow's
	 *    addresses, protocol and ports (or ICMPv6 type and code)
	 *    under a key drawn at boot (ip6_make_flowlabel()), on every
	 *    packet, ICMPv6 answers included; flowlabel_state_ranges 0
	 *    since 4.3 (all 20 bits); flowlabel_reflect 0 (nothing
	 *    copied from the peer's label).  The SYN+ACK's window is a
	 *    whole number of segments (the MSS, less 12 with timestamps),
	 *    as many as fit in 65535 (tcp_select_initial_window():
	 *    nmap-os-db's W1=FE88 is 45 x 1448 over IPv4, the model's
	 *    Linux 4.19 says 64260, 45 x 1428, over IPv6).  IPv6
	 *    fragment IDs are random since 5.13 (__ipv6_select_ident():
	 *    "ipv6: use prandom_u32() for ID generation"; before, a
	 *    counter per pair of addresses).
	 */
	[SF_LINUX] = {
		.name = "Linux",
		.layout = layout_linux,
		.optpad = TCP_OPT_EOL,
		.rst = SMR_SYN | SMR_FIN,
		.qdata = 0,		/* up to a 576-byte error */
		.rl = { .scope = SMRL_PEER, .cost_ms = 1000, .burst = 6 },
		.grl = { .scope = SMRL_HOST, .cost_ms = 1, .burst = 50 },
		.grl_families = 1,
		.ipopts = SMO_ALL,
		.srcroute_drop = 1,
		.conn_ipid = 1,
		.ipid_dst = 1,
		.proto_unreach = 1,
		.tstamp = 1,
		.frag = FRAG_DROP,
		.frag_dups = 1,
		.challenge_ack = 1,
		.synack_retries = 5,
		.synack_rto_ms = 1000,
		.err_tos = 1,
		.md5_drop = 1,
		.hlim6 = 64,
		.echo6 = SME6_KEEP,
		.flow6 = SMF6_HASH,
		.win_mss = 1,
		.frag6_rand = 1,
	},
	/*
	 * Windows (Vista and later; nmap-os-db's 223 "MNWST11" entries).
	 *  - options: MSS; NOP, WS; SACK permitted and timestamps
	 *    together, else each after two NOPs ("MNWNNS": 81 entries).
	 *  - reset: T7 A=S+ in 582 of 861 entries: FIN counts.
	 *  - ICMP errors: as much as fits in 576 bytes (U1 IPL=164 in
	 *    Vista and later); no rate limit (nmap's book, "UDP scan":
	 *    Windows does not limit its port unreachables).
	 *  - IP options: echo replies carry record route back (ping -r).
	 *    XXX not checked for errors and TCP.
	 *  - source routes: DisableIPSourceRouting 2 drops them
	 *    (Microsoft's TCP/IP registry parameters).  XXX the default
	 *    is 1 on some versions: the Security Options entry "MSS:
	 *    (DisableIPSourceRouting)" calls 1 "Medium", source-routed
	 *    packets accepted but not forwarded, and registry guides
	 *    for XP to 10 name 1 the default; no Microsoft page found
	 *    says what Vista and later do without the value, so honeyd
	 *    keeps the hardened 2.
	 *  - IP ID: one counter for every peer and protocol (what
	 *    nmap's idle scan relies on), as the fingerprint's classes.
	 *  - no protocol unreachable: an nmap -sO of Windows sees every
	 *    protocol open|filtered.  XXX from observation, no document.
	 *  - timestamp requests answered (the classic "ICMP timestamp
	 *    disclosure" finding); no mask replies.
	 *  - fragments: Novak's "Windows" policy, the first copy wins.
	 *  - challenge ACKs: XXX not documented; RFC 793 is assumed.
	 *  - SYN+ACK: TcpMaxConnectResponseRetransmissions 2, initial
	 *    RTO 3 s (Get-NetTCPSetting InitialRtoMs 3000).
	 *  - IPv6: hop limit 128 (Get-NetIPv6Protocol DefaultHopLimit;
	 *    128 in nmap's model for Windows 7 to 10).  Echo replies say
	 *    code 0 whatever the request's (IE1 answered 129/0 in every
	 *    Windows class of the model).  Flow label 0.  XXX no
	 *    Microsoft document on flow labels was found; RFC 6437 lets
	 *    a source leave it 0.  XXX fragment IDs: one counter for the
	 *    host assumed, as before RFC 7739; not checked.
	 */
	[SF_WINDOWS] = {
		.name = "Windows",
		.layout = layout_windows,
		.optpad = TCP_OPT_EOL,
		.rst = SMR_SYN | SMR_FIN,
		.qdata = 0,		/* up to a 576-byte error */
		.rl = { .scope = SMRL_NONE },
		.ipopts = SMO_ECHO,
		.srcroute_drop = 1,
		.tstamp = 1,
		.frag = FRAG_OLD,
		.synack_retries = 2,
		.synack_rto_ms = 3000,
		.hlim6 = 128,
		.echo6 = SME6_ZERO,
		.flow6 = SMF6_NONE,
	},
	/*
	 * FreeBSD (and Juniper's JUNOS, built on it).
	 *  - options: tcp_addoptions() pads each option to its own
	 *    alignment: NOP to an odd offset for WS, even for SACK
	 *    permitted, 4n+2 for timestamps ("MNWST11", "MNWNNT11");
	 *    EOLs fill the last word ("MNWSLL").
	 *  - reset: tcp_dropwithreset() acks seq + data + SYN + FIN since
	 *    10.3 (T7 A=S+ in every 11.1 and later entry; before, A=S: a
	 *    FIN did not count, and a fingerprint saying so wins).
	 *  - ICMP errors: the IP header and icmp_quotelen 8 bytes, the
	 *    whole TCP header for TCP (icmp_error(); U1 IPL=38); icmplim
	 *    200 a second for the host (icmp(4)).
	 *  - IP options: icmp_reflect() returns record route and
	 *    timestamp on ICMP answers, TCP does not; accept_sourceroute
	 *    0 (inet(4)) drops source-routed packets.
	 *  - protocol unreachable (rip_input()), tstamprepl 1 (icmp(4)),
	 *    maskrepl 0.
	 *  - IP ID: one counter for the host (ip_fillid(), random_id 0).
	 *  - fragments: Novak's "BSD" policy, the first copy wins.
	 *  - challenge ACKs: insecure_rst and insecure_syn 0 (tcp(4),
	 *    12.0 and later): RFC 5961 3.2 and 4.2.
	 *  - SYN+ACK: syncache rexmtlimit 3 (syncache(4)), from a 1 s
	 *    RTO (TCPTV_RTOBASE), doubling.
	 *  - IPv6: hop limit 64 (net.inet6.ip6.hlim, inet6(4)).  KAME's
	 *    icmp6_input() drops an echo request whose code is not 0
	 *    ("badcode"): IE1 goes unanswered, as in the model's FreeBSD
	 *    9 to 12 classes.  auto_flowlabel 1 (inet6(4)) labels a
	 *    connection's segments; icmp6_reflect() sends ICMPv6 with
	 *    label 0.  Fragment IDs random (ip6_randomid()).
	 */
	[SF_FREEBSD] = {
		.name = "FreeBSD",
		.layout = layout_freebsd,
		.optpad = TCP_OPT_EOL,
		.rst = SMR_SYN | SMR_FIN,
		.qdata = 8,
		.qtcphdr = 1,
		.rl = { .scope = SMRL_HOST, .cost_ms = 5, .burst = 200 },
		.ipopts = SMO_ECHO | SMO_ERROR,
		.srcroute_drop = 1,
		.proto_unreach = 1,
		.tstamp = 1,
		.frag = FRAG_OLD,
		.challenge_ack = 1,
		.synack_retries = 3,
		.synack_rto_ms = 1000,
		.hlim6 = 64,
		.echo6 = SME6_DROP,
		.flow6 = SMF6_TCP,
		.frag6_rand = 1,
	},
	/*
	 * OpenBSD.
	 *  - options: tcp_output(): MSS; NOP NOP SACK permitted; NOP WS;
	 *    NOP NOP timestamps ("MNNSNWNNT11", 84 of 90 entries).
	 *  - reset: T7 A=S, as FreeBSD (the 4.4BSD tcp_respond() path).
	 *  - ICMP errors: IP header and 8 bytes (U1 IPL=38); errppslimit
	 *    100 a second (icmp(4)).
	 *  - IP options as FreeBSD; source-routed packets are dropped
	 *    (ip.sourceroute 0, sysctl(2)).
	 *  - protocol unreachable, tstamprepl 1, maskrepl 0 (icmp(4)).
	 *  - IP ID: random (ip_randomid()), as the fingerprint says.
	 *  - fragments: Novak's "BSD" policy.
	 *  - challenge ACKs: XXX not found in tcp_input.c; RFC 793.
	 *  - SYN+ACK: the syn cache resends from TCPTV_SRTTDFLT 3 s,
	 *    doubling, until tcptv_keep_init 75 s: four times.
	 *  - IPv6: KAME's too: hop limit 64, an echo request with a code
	 *    dropped (icmp6_input(): "if (code != 0) goto badcode"), so
	 *    IE1 goes unanswered (the model's OpenBSD 5.3 to 6.1).  XXX
	 *    flow labels assumed as FreeBSD's.  Fragment IDs random
	 *    (ip6_randomid(), ip6_id.c).
	 */
	[SF_OPENBSD] = {
		.name = "OpenBSD",
		.layout = layout_openbsd,
		.optpad = TCP_OPT_EOL,
		.rst = SMR_SYN,
		.qdata = 8,
		.rl = { .scope = SMRL_HOST, .cost_ms = 10, .burst = 100 },
		.ipopts = SMO_ECHO | SMO_ERROR,
		.srcroute_drop = 1,
		.proto_unreach = 1,
		.tstamp = 1,
		.frag = FRAG_OLD,
		.synack_retries = 4,
		.synack_rto_ms = 3000,
		.hlim6 = 64,
		.echo6 = SME6_DROP,
		.flow6 = SMF6_TCP,
		.frag6_rand = 1,
	},
	/*
	 * NetBSD: the 4.4BSD layout macOS keeps, MSS; NOP WS; NOP NOP
	 * timestamps; SACK permitted, padded with NOPs ("MNWNNT11SNN",
	 * all 16 entries).  Errors, options, queries and fragments as
	 * OpenBSD (icmp(4): errppslimit 100, tstamprepl 1); no RFC 5961.
	 * IPv6 as the other KAME stacks.
	 */
	[SF_NETBSD] = {
		.name = "NetBSD",
		.layout = layout_macos,
		.optpad = TCP_OPT_NOP,
		.rst = SMR_SYN,
		.qdata = 8,
		.rl = { .scope = SMRL_HOST, .cost_ms = 10, .burst = 100 },
		.ipopts = SMO_ECHO | SMO_ERROR,
		.srcroute_drop = 1,
		.proto_unreach = 1,
		.tstamp = 1,
		.frag = FRAG_OLD,
		.synack_retries = 4,
		.synack_rto_ms = 3000,
		.hlim6 = 64,
		.echo6 = SME6_DROP,
		.flow6 = SMF6_TCP,
		.frag6_rand = 1,
	},
	/*
	 * macOS and iOS (XNU's BSD half).
	 *  - options: MSS; NOP WS; NOP NOP timestamps; SACK permitted;
	 *    EOLs ("MNWNNT11SLL": 137 of the Apple entries).
	 *  - reset: T7 A=S.
	 *  - ICMP errors: IP header and 8 bytes (U1 IPL=38); icmplim 250
	 *    a second (sysctl net.inet.icmp.icmplim).
	 *  - timestamp requests unanswered: net.inet.icmp.timestamp is
	 *    0.  Protocol unreachable yes; source routes dropped.
	 *  - fragments: Novak lists Mac OS X under "First".
	 *  - challenge ACKs: XXX not documented; RFC 793.
	 *  - SYN+ACK: XXX as FreeBSD's TCPTV_RTOBASE 1 s, doubling, four
	 *    times within TCPTV_KEEP_INIT.
	 *  - IPv6: KAME's: hop limit 64 (net.inet6.ip6.hlim), IE1
	 *    unanswered (no Apple class of nmap's model answers it),
	 *    net.inet6.ip6.auto_flowlabel 1 for connections, random
	 *    fragment IDs (KAME's ip6_randomid()).
	 */
	[SF_MACOS] = {
		.name = "macOS",
		.layout = layout_macos,
		.optpad = TCP_OPT_EOL,
		.rst = SMR_SYN,
		.qdata = 8,
		.rl = { .scope = SMRL_HOST, .cost_ms = 4, .burst = 250 },
		.ipopts = SMO_ECHO | SMO_ERROR,
		.srcroute_drop = 1,
		.proto_unreach = 1,
		.frag = FRAG_OLD,
		.synack_retries = 4,
		.synack_rto_ms = 1000,
		.hlim6 = 64,
		.echo6 = SME6_DROP,
		.flow6 = SMF6_TCP,
		.frag6_rand = 1,
	},
	/*
	 * Cisco IOS and IOS XE.
	 *  - options: the fingerprint's own order (IOS agrees to MSS
	 *    alone in 110 of 154 entries); what was not offered goes.
	 *  - reset: T7 A=S in 96 of 136 entries: SYN and data count.
	 *  - ICMP errors: IP header and 8 bytes (U1 IPL=38); "ip icmp
	 *    rate-limit unreachable" defaults to one each 500 ms.
	 *  - IP options: honoured as a router does, on ICMP answers; "ip
	 *    source-route" is on by default, so a source-routed packet
	 *    is answered.
	 *  - "ip unreachables" on: protocol unreachable; timestamp
	 *    requests answered; "ip mask-reply" off.
	 *  - fragments: Novak's "Last" policy is Cisco IOS's.
	 *  - challenge ACKs: the fix for cisco-sa-20040420-tcp-ios, the
	 *    draft that became RFC 5961 (written at Cisco).
	 *  - SYN+ACK: XXX resent from 1 s, doubling, within "ip tcp
	 *    synwait-time" 30 s: four times.
	 *  - IPv6: "ipv6 hop-limit" 64 by default, as the ICMPv6 answers
	 *    of every IOS class of nmap's model say; its IOS 15.0 and
	 *    IOS XR classes answer TCP with 255.  IE1 is answered with
	 *    its code 9 (all IOS classes).  XXX flow label 0: no Cisco
	 *    document found.
	 */
	[SF_IOS] = {
		.name = "Cisco IOS",
		.optpad = TCP_OPT_EOL,
		.rst = SMR_SYN,
		.qdata = 8,
		.rl = { .scope = SMRL_HOST, .cost_ms = 500, .burst = 1 },
		.ipopts = SMO_ECHO | SMO_ERROR,
		.proto_unreach = 1,
		.tstamp = 1,
		.frag = FRAG_NEW,
		.challenge_ack = 1,
		.synack_retries = 4,
		.synack_rto_ms = 1000,
		.hlim6 = 64,
		.hlim6_tcp = 255,
		.echo6 = SME6_KEEP,
		.flow6 = SMF6_NONE,
	},
	/*
	 * Any other stack: printers, cameras, small routers, the lwIP
	 * family, and systems no row describes.  RFC minimums:
	 *  - options: the fingerprint's own order, less what was not
	 *    offered.
	 *  - reset: RFC 793 "Reset Generation", SYN, FIN and data count
	 *    (lwIP's T7 A=S+).
	 *  - ICMP errors: IP header and 8 bytes (RFC 792); no limit.
	 *  - IP options ignored (lwIP), source routes not checked.
	 *  - protocol unreachable (RFC 1122 3.2.2.1 SHOULD); only echo
	 *    among the queries (lwIP's icmp_input()).
	 *  - fragments: Novak's "BSD-right" of HP JetDirect, the last
	 *    copy wins.
	 *  - no challenge ACKs; SYN+ACK resent 6 times from 3 s (lwIP's
	 *    TCP_SYNMAXRTX and initial RTO).
	 *  - IPv6: hop limit 64, IANA's default; echo replies of code 0
	 *    (the printers of nmap's model answer IE1 129/0); no flow
	 *    label (lwIP sets none; RFC 6437 allows 0).
	 */
	[SF_EMBEDDED] = {
		.name = "embedded",
		.optpad = TCP_OPT_EOL,
		.rst = SMR_SYN | SMR_FIN,
		.qdata = 8,
		.rl = { .scope = SMRL_NONE },
		.proto_unreach = 1,
		.frag = FRAG_NEW,
		.synack_retries = 6,
		.synack_rto_ms = 3000,
		.hlim6 = 64,
		.echo6 = SME6_ZERO,
		.flow6 = SMF6_NONE,
	},
};

/* Class families (and vendors) each row stands for. */
static const struct {
	const char		*vendor;	/* NULL: any */
	const char		*family;
	enum stack_family	 sf;
} stack_names[] = {
	{ NULL, "Linux", SF_LINUX },
	{ "Google", "Android", SF_LINUX },	/* a Linux kernel */
	{ NULL, "Windows", SF_WINDOWS },
	{ NULL, "FreeBSD", SF_FREEBSD },
	{ "Juniper", "JUNOS", SF_FREEBSD },
	{ NULL, "OpenBSD", SF_OPENBSD },
	{ NULL, "NetBSD", SF_NETBSD },
	{ "Apple", "Mac OS X", SF_MACOS },
	{ "Apple", "OS X", SF_MACOS },
	{ "Apple", "macOS", SF_MACOS },
	{ "Apple", "iOS", SF_MACOS },
	{ "Apple", "iPhone OS", SF_MACOS },
	{ "Cisco", "IOS", SF_IOS },
	{ "Cisco", "IOS XE", SF_IOS },
	{ "Cisco", "IOS-XE", SF_IOS },
};

const struct stack_model *
stackmodel_get(enum stack_family sf)
{
	if ((u_int)sf >= SF_MAX)
		sf = SF_EMBEDDED;
	return (&stack_models[sf]);
}

/* The row of a Class line's vendor and family; any other is embedded. */
enum stack_family
stackmodel_family(const char *vendor, const char *family)
{
	size_t	 i;

	if (family == NULL)
		return (SF_EMBEDDED);
	for (i = 0; i < sizeof(stack_names) / sizeof(stack_names[0]); i++) {
		if (strcmp(stack_names[i].family, family) != 0)
			continue;
		if (stack_names[i].vendor == NULL || (vendor != NULL &&
		    strcmp(stack_names[i].vendor, vendor) == 0))
			return (stack_names[i].sf);
	}
	return (SF_EMBEDDED);
}

/*
 * What a SYN+ACK's options agree to, read back from built options.
 * -1 if they hold anything else: then they are not ours to redo.
 */
int
stackmodel_synopts_parse(const uint8_t *o, size_t n, struct synopts *so)
{
	size_t	 i, olen;

	memset(so, 0, sizeof(*so));
	so->ws = -1;
	for (i = 0; i < n; i += olen) {
		if (o[i] == TCP_OPT_EOL)
			break;
		if (o[i] == TCP_OPT_NOP) {
			olen = 1;
			continue;
		}
		if (i + 1 >= n || (olen = o[i + 1]) < 2 || i + olen > n)
			return (-1);
		if (o[i] == TCP_OPT_MSS && olen == 4) {
			so->has_mss = 1;
			so->mss = o[i + 2] << 8 | o[i + 3];
		} else if (o[i] == TCP_OPT_SACKOK && olen == 2)
			so->sack = 1;
		else if (o[i] == TCP_OPT_TIMESTAMP && olen == 10) {
			so->ts = 1;
			memcpy(so->tsopt, o + i + 2, 8);
		} else if (o[i] == TCP_OPT_WSCALE && olen == 3)
			so->ws = o[i + 2];
		else
			return (-1);
	}
	return (0);
}

static size_t
put_mss(const struct synopts *so, uint8_t *o)
{
	if (!so->has_mss)
		return (0);
	o[0] = TCP_OPT_MSS;
	o[1] = 4;
	o[2] = so->mss >> 8;
	o[3] = so->mss & 0xff;
	return (4);
}

static size_t
put_ws(const struct synopts *so, uint8_t *o)
{
	o[0] = TCP_OPT_WSCALE;
	o[1] = 3;
	o[2] = so->ws;
	return (3);
}

static size_t
put_sack(uint8_t *o)
{
	o[0] = TCP_OPT_SACKOK;
	o[1] = 2;
	return (2);
}

static size_t
put_ts(const struct synopts *so, uint8_t *o)
{
	o[0] = TCP_OPT_TIMESTAMP;
	o[1] = 10;
	memcpy(o + 2, so->tsopt, 8);
	return (10);
}

/* n NOPs at o. */
static size_t
put_nops(uint8_t *o, size_t n)
{
	memset(o, TCP_OPT_NOP, n);
	return (n);
}

/*
 * SACK permitted and timestamps as Linux and Windows write them: side
 * by side, 12 bytes, or the one there is after two NOPs.
 */
static size_t
put_sack_ts(const struct synopts *so, uint8_t *o)
{
	size_t	 k = 0;

	if (so->sack && so->ts)
		k += put_sack(o + k);
	else if (so->sack || so->ts)
		k += put_nops(o + k, 2);
	if (so->ts)
		k += put_ts(so, o + k);
	else if (so->sack)
		k += put_sack(o + k);
	return (k);
}

/* MSS; S T | N N T | N N S; N W */
static size_t
layout_linux(const struct synopts *so, uint8_t *o)
{
	size_t	 k = put_mss(so, o);

	k += put_sack_ts(so, o + k);
	if (so->ws >= 0) {
		k += put_nops(o + k, 1);
		k += put_ws(so, o + k);
	}
	return (k);
}

/* MSS; N W; S T | N N T | N N S */
static size_t
layout_windows(const struct synopts *so, uint8_t *o)
{
	size_t	 k = put_mss(so, o);

	if (so->ws >= 0) {
		k += put_nops(o + k, 1);
		k += put_ws(so, o + k);
	}
	return (k + put_sack_ts(so, o + k));
}

/* tcp_addoptions(): each option NOP-padded to its own alignment. */
static size_t
layout_freebsd(const struct synopts *so, uint8_t *o)
{
	size_t	 k = put_mss(so, o);

	if (so->ws >= 0) {
		while (k % 2 != 1)
			k += put_nops(o + k, 1);
		k += put_ws(so, o + k);
	}
	if (so->sack) {
		while (k % 2 != 0)
			k += put_nops(o + k, 1);
		k += put_sack(o + k);
	}
	if (so->ts) {
		while (k % 4 != 2)
			k += put_nops(o + k, 1);
		k += put_ts(so, o + k);
	}
	return (k);
}

/* MSS; N N S; N W; N N T */
static size_t
layout_openbsd(const struct synopts *so, uint8_t *o)
{
	size_t	 k = put_mss(so, o);

	if (so->sack) {
		k += put_nops(o + k, 2);
		k += put_sack(o + k);
	}
	if (so->ws >= 0) {
		k += put_nops(o + k, 1);
		k += put_ws(so, o + k);
	}
	if (so->ts) {
		k += put_nops(o + k, 2);
		k += put_ts(so, o + k);
	}
	return (k);
}

/* MSS; N W; N N T; S (4.4BSD's order, kept by XNU and NetBSD) */
static size_t
layout_macos(const struct synopts *so, uint8_t *o)
{
	size_t	 k = put_mss(so, o);

	if (so->ws >= 0) {
		k += put_nops(o + k, 1);
		k += put_ws(so, o + k);
	}
	if (so->ts) {
		k += put_nops(o + k, 2);
		k += put_ts(so, o + k);
	}
	if (so->sack)
		k += put_sack(o + k);
	return (k);
}

/*
 * The options of a SYN+ACK agreeing to so, laid out as the family
 * does, into out (room bytes).  Returns their length, padded to a
 * word with the family's filler when it is NOP (EOL padding is what
 * tcp_output() adds anyway), or 0 for a family whose layout is the
 * fingerprint's own (m->layout NULL) or if it does not fit.
 */
size_t
stackmodel_synopts(const struct stack_model *m, const struct synopts *so,
    uint8_t *out, size_t room)
{
	uint8_t	 buf[64];
	size_t	 k;

	if (m->layout == NULL)
		return (0);
	k = m->layout(so, buf);
	while (m->optpad == TCP_OPT_NOP && k % 4 != 0)
		buf[k++] = TCP_OPT_NOP;
	if (k > room)
		return (0);
	memcpy(out, buf, k);
	return (k);
}

/*
 * The ack of a reset to a segment without ACK for no connection (RFC
 * 793, "Reset Generation": seq plus the segment's length), as a stack
 * counts that length: data always, SYN and FIN where rst (SMR_*, a
 * row's, or what nmap's T7 showed) says so.
 */
uint32_t
stackmodel_rst_ack(uint8_t rst, uint8_t flags, uint32_t seq, size_t dlen)
{
	uint32_t	 ack = seq + (uint32_t)dlen;

	if ((rst & SMR_SYN) && (flags & TH_SYN))
		ack++;
	if ((rst & SMR_FIN) && (flags & TH_FIN))
		ack++;
	return (ack);
}

/*
 * How many bytes of datagram d (len bytes received) an ICMP error of
 * the family quotes: the IP header and qdata bytes after it (the whole
 * TCP header too where qtcphdr says so), or, qdata 0, as much as fits
 * in a 576-byte error.  Never more than room, never more than it got.
 */
size_t
stackmodel_quote_len(const struct stack_model *m, const uint8_t *d,
    size_t len, size_t room)
{
	size_t	 hlen, want, thlen;

	want = SM_ERR_MAX - SM_ERR_HDRS;
	if (m->qdata != 0 && len >= IP_HDR_LEN) {
		hlen = (d[0] & 0xf) * 4;
		if (hlen < IP_HDR_LEN || hlen > len)
			hlen = IP_HDR_LEN;
		want = hlen + m->qdata;
		/* The TCP header's length is in its 13th byte. */
		if (m->qtcphdr && d[9] == IP_PROTO_TCP && len >= hlen + 13 &&
		    (thlen = (d[hlen + 12] >> 4) * 4) > m->qdata)
			want = hlen + thlen;
	}
	if (want > len)
		want = len;
	if (want > room)
		want = room;
	return (want);
}

/*
 * One ICMP error against bucket b of rule rl at now_ms: 1 if it may
 * go, 0 if the family's rate limit holds it back.  A bucket holds
 * burst errors' worth of credit, each error costs cost_ms, and credit
 * comes back a millisecond a millisecond.  A fresh bucket (last_ms 0)
 * is full.
 */
int
stackmodel_rl_take(const struct sm_ratelimit *rl, struct sm_bucket *b,
    uint64_t now_ms)
{
	uint64_t	 full, credit;

	if (rl->scope == SMRL_NONE)
		return (1);
	full = (uint64_t)rl->burst * rl->cost_ms;
	if (b->last_ms == 0)
		credit = full;
	else
		credit = b->tokens + (now_ms > b->last_ms ? now_ms -
		    b->last_ms : 0);
	if (credit > full)
		credit = full;
	b->last_ms = now_ms != 0 ? now_ms : 1;
	if (credit < rl->cost_ms) {
		b->tokens = credit;
		return (0);
	}
	b->tokens = credit - rl->cost_ms;
	return (1);
}

/*
 * One ICMP error of family m against its peer's bucket and the host's
 * (global, for a family with a limit on top, m->grl): 1 if it may go.
 * As Linux's icmp_send() does, the host's credit is looked at first
 * and spent only when the peer's bucket let the error go, so an error
 * the peer's bucket holds back costs the host nothing.
 */
int
stackmodel_rl_allow(const struct stack_model *m, struct sm_bucket *peer,
    struct sm_bucket *global, uint64_t now_ms)
{
	struct sm_bucket	 peek;

	if (m->grl.scope != SMRL_NONE) {
		peek = *global;
		if (!stackmodel_rl_take(&m->grl, &peek, now_ms))
			return (0);
	}
	if (!stackmodel_rl_take(&m->rl, peer, now_ms))
		return (0);
	if (m->grl.scope != SMRL_NONE)
		(void)stackmodel_rl_take(&m->grl, global, now_ms);
	return (1);
}

/*
 * The host-wide bucket (m->grl) of a machine with addresses of both
 * families, for a family that keeps one for both (m->grl_families):
 * a template with a MAC of its own ("set T ethernet" with a literal
 * MAC) answers all its addresses, IPv4 and IPv6, from one machine, as
 * ipv6.sh's dual-stack host does.  NULL otherwise: each address keeps
 * its own (personality.c, icmp6err.c).  Direct-mapped by the MAC; a
 * slot another machine held starts full.
 */
#define SM_MACHINE_BITS	8

struct sm_machine {
	uint8_t		 mac[ETH_ADDR_LEN];
	struct sm_bucket b;
};
static struct sm_machine sm_machines[1 << SM_MACHINE_BITS];

struct sm_bucket *
stackmodel_machine_bucket(const struct stack_model *m,
    const struct template *t)
{
	struct sm_machine	*s;
	uint8_t			 mac[ETH_ADDR_LEN];
	uint32_t		 k = 0;
	int			 i;

	if (m->grl.scope == SMRL_NONE || !m->grl_families || t == NULL ||
	    t->ethernet == NULL || ether_parse_mac(t->ethernet, mac) == -1)
		return (NULL);
	for (i = 0; i < ETH_ADDR_LEN; i++)
		k = (k << 8 | k >> 24) ^ mac[i];
	k *= 2654435761U;
	s = &sm_machines[k >> (32 - SM_MACHINE_BITS)];
	if (memcmp(s->mac, mac, sizeof(mac)) != 0) {
		memcpy(s->mac, mac, sizeof(mac));
		s->b.last_ms = 0;
	}
	return (&s->b);
}

/*
 * The IP ID counter of destination dst among a host's slots: its own
 * if it has one, else a slot of its own starting at start (the one
 * filled longest ago when all are taken, so memory stays a few bytes a
 * host; a peer that comes back after eight others starts again, as a
 * kernel's hashed counter is shared with whatever else hashed there).
 */
uint16_t *
stackmodel_idslot(struct host_idslots *s, uint32_t dst, uint16_t start)
{
	u_int	 i;

	for (i = 0; i < s->used; i++)
		if (s->dst[i] == dst)
			return (&s->id[i]);
	if (s->used < HOST_IDSLOTS)
		i = s->used++;
	else {
		i = s->next;
		s->next = (s->next + 1) % HOST_IDSLOTS;
	}
	s->dst[i] = dst;
	s->id[i] = start;
	return (&s->id[i]);
}

/*
 * Milliseconds to wait after SYN+ACK number n went out (0: the first,
 * then its retransmissions) before the next is sent, or, after the
 * last the family sends, before it forgets the half-open connection:
 * its first RTO, doubled each time.  -1 past that: give up at once.
 */
int
stackmodel_synack_rto(const struct stack_model *m, u_int n)
{
	if (n > m->synack_retries)
		return (-1);
	if (n > 16)
		n = 16;
	return ((int)((uint32_t)m->synack_rto_ms << n));
}

/*
 * The hop limit of family m's IPv6 answer carrying next header nxt:
 * the family's, its TCP's own where that differs.
 */
uint8_t
stackmodel_hlim6(const struct stack_model *m, uint8_t nxt)
{
	if (nxt == IP_PROTO_TCP && m->hlim6_tcp != 0)
		return (m->hlim6_tcp);
	return (m->hlim6 != 0 ? m->hlim6 : IP6_HLIM_DEFAULT);
}

/*
 * The code of family m's echo reply to an echo request of code, or -1
 * where the family drops the request.  RFC 4443 4.2 gives the reply
 * code 0 and says nothing of requests with another code.
 */
int
stackmodel_echo6_code(const struct stack_model *m, uint8_t code)
{
	if (code == 0)
		return (0);
	switch (m->echo6) {
	case SME6_KEEP:
		return (code);
	case SME6_DROP:
		return (-1);
	default:
		return (0);
	}
}

/*
 * The flow label (20 bits, host order) of family m's IPv6 answer pkt
 * of len bytes, its upper layer right after the fixed header: 0, or a
 * hash under key of the flow's addresses, next header and ports (an
 * ICMPv6 message's type and code standing for the ports), as Linux's
 * ip6_make_flowlabel() hashes them.  A flow keeps its label and the
 * labels of two flows look unrelated (RFC 6437 3).
 */
uint32_t
stackmodel_flow6(const struct stack_model *m, uint64_t key,
    const uint8_t *pkt, size_t len)
{
	struct fprng	 r;
	uint32_t	 h;
	size_t		 n = 0;
	uint8_t		 nxt;

	if (len < IP6_HDR_LEN || m->flow6 == SMF6_NONE)
		return (0);
	nxt = pkt[6];
	if (m->flow6 == SMF6_TCP && nxt != IP_PROTO_TCP)
		return (0);
	if (nxt == IP_PROTO_TCP || nxt == IP_PROTO_UDP)
		n = 4;
	else if (nxt == IP_PROTO_ICMPV6)
		n = 2;
	if (len - IP6_HDR_LEN < n)
		n = 0;
	h = fnv1a(FNV_BASIS, pkt + 8, 2 * IP6_ADDR_LEN);
	h = fnv1a(h, &nxt, 1);
	h = fnv1a(h, pkt + IP6_HDR_LEN, n);
	fprng_seed(&r, key ^ h);
	return (fprng_next(&r) & SM_FLOWLABEL_MASK);
}

/*
 * The MSS an IPv6 SYN+ACK offers for a personality's IPv4 mss: one
 * taken from the link's MTU is 20 bytes less, the IPv6 header's extra
 * length (RFC 6691 2); one under what the IPv6 minimum MTU leaves (RFC
 * 8200 5), 1220, is a stack's fixed choice (lwIP's TCP_MSS 536) and
 * stays.
 */
uint16_t
stackmodel_mss6(uint16_t mss)
{
	if (mss < SM_MSS6_MIN + 20)
		return (mss);
	return (mss - 20);
}

/* win, whole segments of seg4, in segments of seg6. */
static uint16_t
win6_segs(uint16_t win, uint32_t seg4, uint32_t seg6)
{
	if (win == 65535 / seg4 * seg4)
		return ((uint16_t)(65535 / seg6 * seg6));
	if ((uint32_t)win / seg4 * seg6 > 65535)
		return (win);
	return ((uint16_t)(win / seg4 * seg6));
}

/*
 * The window of family m's IPv6 SYN+ACK for the personality's IPv4
 * window win, its IPv4 MSS mss4 and its IPv6 MSS mss6, timestamps ts:
 * unchanged, but for a family whose windows are whole segments
 * (m->win_mss) when win is (segments of the MSS less 12 with
 * timestamps, else of the MSS): as many of the IPv6 segments as there
 * were IPv4 ones, or as fit in 65535 where the IPv4 window was that
 * many.
 */
uint16_t
stackmodel_win6(const struct stack_model *m, uint16_t win, uint16_t mss4,
    uint16_t mss6, int ts)
{
	if (!m->win_mss || win == 0 || mss4 <= 12 || mss6 <= 12)
		return (win);
	if (ts && win % (mss4 - 12) == 0)
		return (win6_segs(win, mss4 - 12, mss6 - 12));
	if (win % mss4 == 0)
		return (win6_segs(win, mss4, mss6));
	return (win);
}

/*
 * The identification of the fragments of family m's next IPv6
 * datagram: random (rnd, from the caller's generator) where the family
 * draws it, else the host's counter *ctr, counted on; never 0, which
 * some stacks take as unset.
 */
uint32_t
stackmodel_frag6_id(const struct stack_model *m, uint32_t *ctr, uint32_t rnd)
{
	if (m->frag6_rand)
		return (rnd != 0 ? rnd : 1U << 31);
	if (*ctr == 0)
		*ctr = rnd | 1;
	return ((*ctr)++);
}
