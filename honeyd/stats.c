/*
 * The counters of each process, in one table per process: the exit log
 * and honeydctl's "show stats" both read them from here, so the two can
 * never disagree or forget a counter.  A row names a counter (its name
 * in "show stats") and says how the exit log writes it: the text before
 * its value, and whether the value ends a line.  The log text keeps the
 * lines as they always were, since scripts grep them.
 *
 * A row reads a field of the stats struct or, for a gauge (how many
 * hosts there are now), calls a function.  The engine's gauges are
 * fields, set when its counters are taken (engine_stats_now), so that
 * they sum over engines like the rest.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "honeyd.h"

#define ES(f)		offsetof(struct engine_stats, f)
#define PS(f)		offsetof(struct parent_stats, f)
#define ROW(n, l, off)	{ (n), (l), (off), NULL, 0 }
#define EOL(n, l, off)	{ (n), (l), (off), NULL, STAT_F_EOL }
#define GAUGE(n, l, fn, fl) { (n), (l), 0, (fn), (fl) }


const struct stat_desc stats_engine[] = {
	ROW("pkts_in",		"in ",			ES(pkts_in)),
	ROW("drop_short",	"; dropped short ",	ES(drop_short)),
	ROW("drop_version",	" version ",		ES(drop_version)),
	ROW("drop_hlen",	" hlen ",		ES(drop_hlen)),
	ROW("drop_len",		" len ",		ES(drop_len)),
	ROW("drop_ipsum",	" ipsum ",		ES(drop_ipsum)),
	ROW("drop_proto",	" proto ",		ES(drop_proto)),
	ROW("drop_l4sum",	" l4sum ",		ES(drop_l4sum)),
	ROW("drop_noaddr",	" noaddr ",		ES(drop_noaddr)),
	ROW("drop_droprate",	" droprate ",		ES(drop_droprate)),
	ROW("drop_droprate_syn", " droprate-syn ",	ES(drop_droprate_syn)),
	ROW("drop_nohost",	" nohost ",		ES(drop_nohost)),
	EOL("drop_srcaddr",	" srcaddr ",		ES(drop_srcaddr)),

	ROW("icmp_in",		"icmp ",	ES(proto_in[HP_ICMP])),
	ROW("tcp_in",		" tcp ",	ES(proto_in[HP_TCP])),
	ROW("udp_in",		" udp ",	ES(proto_in[HP_UDP])),
	ROW("pkts_out",		"; out ",		ES(pkts_out)),
	ROW("drop_out",		" dropped ",		ES(drop_out)),
	ROW("drop_batch",	" bad-batch ",		ES(drop_batch)),
	ROW("icmp_echo",	"; echo ",		ES(icmp_echo)),
	ROW("icmp_errors",	" errors ",		ES(icmp_errors)),
	ROW("tcp_rst",		" rst ",		ES(tcp_rst)),
	ROW("tcp_synack",	" synack ",		ES(tcp_synack)),
	ROW("tcp_conns",	"; connections ",	ES(tcp_conns)),
	ROW("tcp_conns_active",	" active ",		ES(tcp_conns_active)),
	ROW("tcp_conns_evicted", " evicted ",	ES(tcp_conns_evicted)),
	ROW("hosts",		"; hosts ",		ES(g_hosts)),
	EOL("hosts_evicted",	" evicted ",		ES(hosts_evicted)),

	ROW("tcp_established",	"tcp established ",	ES(tcp_established)),
	ROW("tcp_closed",	" closed ",		ES(tcp_closed)),
	ROW("tcp_reset_in",	" reset ",		ES(tcp_reset_in)),
	ROW("tcp_timeouts",	" timeout ",		ES(tcp_timeouts)),
	ROW("tcp_rexmits",	" rexmit ",		ES(tcp_rexmits)),
	ROW("tcp_rto",		" rto ",		ES(tcp_rto)),
	ROW("tcp_fastrexmit",	" fastrexmit ",		ES(tcp_fastrexmit)),
	ROW("tcp_tlp",		" tlp ",		ES(tcp_tlp)),
	ROW("tcp_ooo",		" ooo ",		ES(tcp_ooo)),
	ROW("tcp_ooo_drop",	" ooo-drop ",		ES(tcp_ooo_drop)),
	ROW("udp_flows",	"; udp flows ",		ES(udp_flows)),
	ROW("udp_dropped",	" dropped ",		ES(udp_dropped)),
	ROW("svc_started",	"; services ",		ES(svc_started)),
	ROW("svc_refused",	" refused ",		ES(svc_refused)),
	ROW("proxy_started",	"; proxies ",		ES(proxy_started)),
	ROW("proxy_failed",	" failed ",		ES(proxy_failed)),
	EOL("log_dropped",	"; log dropped ",	ES(log_dropped)),

	ROW("frag_in",		"fragments in ",	ES(frag_in)),
	ROW("frag_done",	" reassembled ",	ES(frag_done)),
	ROW("frag_timeout",	" timeout ",		ES(frag_timeout)),
	ROW("frag_overlap",	" overlap ",		ES(frag_overlap)),
	ROW("frag_limit",	" limit ",		ES(frag_limit)),
	ROW("drop_frag",	" malformed ",		ES(drop_frag)),
	ROW("frag_held",	" held ",		ES(g_frag_held)),
	ROW("frag_out",		"; out ",		ES(frag_out)),
	EOL("frag_held_bytes",	"; bytes held ",	ES(g_frag_bytes)),

	ROW("frag6_in",	"ipv6 reassembly in ",	ES(frag6_in)),
	ROW("frag6_atomic",	" atomic ",		ES(frag6_atomic)),
	ROW("frag6_done",	" reassembled ",	ES(frag6_done)),
	ROW("frag6_timeout",	" timeout ",		ES(frag6_timeout)),
	ROW("frag6_overlap",	" overlap ",		ES(frag6_overlap)),
	ROW("frag6_limit",	" limit ",		ES(frag6_limit)),
	ROW("drop_frag6",	" malformed ",		ES(drop_frag6)),
	ROW("frag6_held",	" held ",		ES(g_frag6_held)),
	ROW("ext6_drop",	"; extension headers dropped ", ES(ext6_drop)),
	EOL("ext6_error",	" answered ",		ES(ext6_error)),

	ROW("route_in",		"route in ",		ES(route_in)),
	ROW("route_out",	" out ",		ES(route_out)),
	ROW("route_loss",	"; dropped loss ",	ES(route_loss)),
	ROW("route_queue",	" queue ",		ES(route_queue)),
	ROW("route_held",	" held ",		ES(route_held)),
	ROW("route_ttl",	" ttl ",		ES(route_ttl)),
	EOL("route_holding",	"; holding ",		ES(g_route_held)),
	ROW("tunnel_in",	"tunnel in ",		ES(tunnel_in)),
	ROW("tunnel_out",	" out ",		ES(tunnel_out)),
	ROW("tunnel_drop",	" dropped ",		ES(tunnel_drop)),
	ROW("ext_in",		"; bound machines in ",	ES(ext_in)),
	EOL("ext_out",		" out ",		ES(ext_out)),

	ROW("ctl_accepted",	"control clients ",	ES(ctl_accepted)),
	ROW("ctl_refused",	"; refused credentials ", ES(ctl_refused)),
	ROW("ctl_toomany",	" too-many ",		ES(ctl_toomany)),
	ROW("ctl_garbage",	" garbage ",		ES(ctl_garbage)),
	ROW("ctl_timeouts",	" timeout ",		ES(ctl_timeouts)),
	EOL("ctl_monitor_dropped", "; monitor dropped ",
	    ES(ctl_monitor_dropped)),

	ROW("ip6_in",		"ipv6 in ",		ES(ip6_in)),
	ROW("ip6_drop_hdr",	"; dropped header ",	ES(ip6_drop_hdr)),
	ROW("ip6_drop_next",	" next-header ",	ES(ip6_drop_next)),
	ROW("icmp6_in",		"; icmp6 ",		ES(icmp6_in)),
	ROW("icmp6_echo",	" echo ",		ES(icmp6_echo)),
	ROW("icmp6_drop",	" dropped ",		ES(icmp6_drop)),
	ROW("icmp6_err",	"; errors ",		ES(icmp6_err)),
	ROW("icmp6_err_rl",	" rate-limited ",	ES(icmp6_err_rl)),
	ROW("udp6_closed",	"; udp6 closed ",	ES(udp6_closed)),
	ROW("udp6_drop",	" dropped ",		ES(udp6_drop)),
	ROW("frag6_out",	"; fragmented out ",	ES(frag6_out)),
	ROW("tcp6_in",		"; tcp6 in ",		ES(tcp6_in)),
	ROW("tcp6_drop",	" dropped ",		ES(tcp6_drop)),
	EOL("prohibited",	"; prohibited ",	ES(prohibited)),
};
const size_t stats_engine_n = sizeof(stats_engine) / sizeof(stats_engine[0]);

const struct stat_desc stats_parent[] = {
	ROW("frames_in",	"frames in ",		PS(frames_in)),
	ROW("frames_ip",	" ip ",			PS(frames_ip)),
	ROW("frames_short",	" short ",		PS(frames_short)),
	ROW("frames_other",	" other ",		PS(frames_other)),
	ROW("frames_engine_drop", " engine-drop ",	PS(frames_engine_drop)),
	ROW("frames_no_engine",	" no-engine ",		PS(frames_no_engine)),
	ROW("engine_restarts",	"; engine restarts ",	PS(engine_restarts)),
	ROW("arp_requests",	"; arp requests ",	PS(arp_requests)),
	ROW("arp_replies",	" replies ",		PS(arp_replies)),
	ROW("out_frames",	"; out ",		PS(out_frames)),
	ROW("out_refused",	" refused ",		PS(out_refused)),
	ROW("out_noneigh",	" noneigh ",		PS(out_noneigh)),
	ROW("out_errors",	" errors ",		PS(out_errors)),
	EOL("out_badbatch",	" bad-batch ",		PS(out_badbatch)),
	ROW("arp_conflicts",	"arp conflicts ",	PS(arp_conflicts)),
	ROW("arp_probes",	" probes ",		PS(arp_probes)),
	ROW("arp_withheld",	" withheld ",		PS(arp_withheld)),
	ROW("arp_evicted",	" evicted ",		PS(arp_evicted)),
	ROW("probe_limited",	" probe-limited ",	PS(probe_limited)),
	ROW("out_withdrawn",	"; out withdrawn ",	PS(out_withdrawn)),
	ROW("out_held",		" held ",		PS(out_held)),
	ROW("frames_extbind",	"; bound machines in ",	PS(frames_extbind)),
	EOL("out_extbind",	" out ",		PS(out_extbind)),
	ROW("frames_ip6",	"ipv6 frames ",		PS(frames_ip6)),
	ROW("ndp_solicits",	"; ndp solicits ",	PS(ndp_solicits)),
	ROW("ndp_adverts",	" adverts ",		PS(ndp_adverts)),
	ROW("ndp_probes",	" probes ",		PS(ndp_probes)),
	ROW("ndp_conflicts",	" conflicts ",		PS(ndp_conflicts)),
	ROW("ndp_withheld",	" withheld ",		PS(ndp_withheld)),
	EOL("ndp_evicted",	" evicted ",		PS(ndp_evicted)),
	ROW("out_queued",	"neighbour resolution queued ", PS(out_queued)),
	EOL("ndp_resolves",	" ndp solicits ",	PS(ndp_resolves)),
	EOL("capture_pauses",	"capture pauses ",	PS(capture_pauses)),
};
const size_t stats_parent_n = sizeof(stats_parent) / sizeof(stats_parent[0]);

uint64_t
stats_value(const struct stat_desc *d, const void *stats)
{
	uint64_t	 v;

	if (d->gauge != NULL)
		return (d->gauge());
	memcpy(&v, (const char *)stats + d->offset, sizeof(v));
	return (v);
}

/* The exit log: one line per group of rows, as scripts expect them. */
void
stats_log(const struct stat_desc *tab, size_t n, const void *stats)
{
	char	 line[1024];
	size_t	 i, len = 0;
	int	 m;

	for (i = 0; i < n; i++) {
		m = snprintf(line + len, sizeof(line) - len, "%s%llu",
		    tab[i].log,
		    (unsigned long long)stats_value(&tab[i], stats));
		if (m > 0)
			len += (size_t)m;
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		if ((tab[i].flags & STAT_F_EOL) || i + 1 == n) {
			log_info("%s", line);
			len = 0;
		}
	}
}

/* Is key one of the table's counters? */
int
stats_find(const struct stat_desc *tab, size_t n, const char *key)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(tab[i].name, key) == 0)
			return (1);
	return (0);
}

/* An engine's tally added to a sum over engines (-e N). */
void
tally_add(struct engine_tally *sum, const struct engine_tally *t)
{
	uint64_t	*s = (uint64_t *)&sum->stats;
	const uint64_t	*v = (const uint64_t *)&t->stats;
	size_t		 i;

	for (i = 0; i < sizeof(sum->stats) / sizeof(uint64_t); i++)
		s[i] += v[i];
	sum->hosts += t->hosts;
	sum->conns += t->conns;
	sum->udp += t->udp;
	sum->relays += t->relays;
}
