#!/bin/bash
# IPv6, first step: virtual hosts answer ping -6 and Neighbor Discovery.
# The link is 2001:db8::/48 (A holds 2001:db8::1).  Bound: 2001:db8::5
# to "web" (a literal MAC, and 198.18.0.80 too: dual-stack), the prefix
# 2001:db8:0:1::/64 to "lan" and 2001:db8:0:2::/64 to "win" (a
# Windows personality: hop limit 128); a reload and honeydctl bind more
# (a /128 inside a bound /64, answering with its own template, and a range),
# "set win droprate in" 100 then 0 silences it then not,
# and a second run claims a prefix and a range from the command line.
# A "real" machine R on the link
# (a macvlan of A's interface, as in arpguard.sh) holds 2001:db8:0:1::75,
# inside the bound prefix: the daemon's probe must find it and never
# answer for it.
. "$(dirname "$0")/../lib.sh"

HONEYDCTL=${HONEYDCTL:-$(dirname "$HONEYD")/honeydctl}
tb_setup
tb_require "$HONEYDCTL"

NS_R="${NS_A%-a}-r"
IF_R="hdr$TB_ID"
err=$(ip netns add "$NS_R" 2>&1) || tb_abort "namespace $NS_R created" "$err"
TB_NS_MADE="$TB_NS_MADE $NS_R"
in_r() {
	ip netns exec "$NS_R" "$@"
}
err=$(
	set -e
	exec 2>&1
	ip -n "$NS_A" link add link "$IF_A" name "$IF_R" type macvlan \
	    mode bridge
	ip -n "$NS_A" link set "$IF_R" netns "$NS_R"
	ip -n "$NS_R" link set lo up
) || tb_abort "the real machine R's interface made" "$err"
# IPv6 on A and R only; the sensor's own stack stays without it.
tb_ipv6_on_a 2001:db8::1/48
tb_ipv6_on "$NS_R" "$IF_R" 2001:db8:0:1::75/48
err=$(ip -n "$NS_R" link set "$IF_R" up 2>&1) ||
    tb_abort "the real machine R's interface up" "$err"
MAC_R=$(in_r cat "/sys/class/net/$IF_R/address")
tb_note "real machine R: $NS_R/$IF_R (2001:db8:0:1::75 $MAC_R)"

WEB6=2001:db8::5
WEB4=198.18.0.80
WEBMAC=00:16:3e:00:00:05
LAN6=2001:db8:0:1::10
WIN6=2001:db8:0:2::20
LIVE6=2001:db8:0:1::75
UNBOUND6=2001:db8::99

conf=$(tb_conf honeyd.conf <<'CONF'
create web
set web ethernet "00:16:3e:00:00:05"
set web default icmp action open

create lan
set lan default icmp action open

create win
set win personality "Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1"
set win default icmp action open

bind 198.18.0.80 web
bind 2001:db8::5 web
bind 2001:db8:0:1::/64 lan
bind 2001:db8:0:2::/64 win
CONF
)
check "honeyd -n accepts the config" \
    "$HONEYD" -n -f "$conf" -p "$(_tb_prints)"
out=$("$HONEYD" -n -v -f "$conf" -p "$(_tb_prints)" 2>/dev/null)
check_match "honeyd -nv prints the IPv6 prefix back" \
    "^bind 2001:db8:0:1::/64 lan$" "$out"

J=$TB_TMP/events.json
honeyd_start "$conf" -j "$J"
in_a ip -6 neigh flush dev "$IF_A" >/dev/null 2>&1

# ping6_count ADDR [N]: as ping_count, over IPv6.
ping6_count() {
	local n=${2:-3} out
	out=$(in_a timeout $((n + 6)) ping -6 -n -q -c "$n" -i 0.3 -W 3 \
	    -w $((n + 4)) "$1" 2>&1)
	printf '%s\n' "$out" |
	    sed -n 's/.* \([0-9][0-9]*\) \(packets \)\{0,1\}received.*/\1/p' |
	    head -n 1 | grep . || echo 0
}
ping6_ok() {
	local got
	got=$(ping6_count "$1" 3)
	echo "$got of 3 answered"
	[ "$got" -gt 0 ]
}
ping6_none() {
	local got
	got=$(ping6_count "$1" 3)
	echo "$got of 3 answered"
	[ "$got" -eq 0 ]
}
# lladdr6 ADDR: the MAC A's neighbour table holds for ADDR.
lladdr6() {
	in_a ip -6 neigh show "$1" dev "$IF_A" |
	    sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'
}
# hlim ADDR: the hop limit of one echo reply from ADDR.
hlim() {
	in_a timeout 5 ping -6 -n -c 1 -W 3 "$1" 2>&1 |
	    sed -n 's/.* ttl=\([0-9]*\).*/\1/p' | head -n 1
}

check "ping -6 $WEB6 (a bound address) answers" ping6_ok $WEB6
check "ping -6 $LAN6 (inside a bound /64) answers" ping6_ok $LAN6
check "ping -6 $WIN6 (inside another bound /64) answers" ping6_ok $WIN6
check "ping $WEB4 (the same template over IPv4) answers" ping_ok $WEB4
check "ping -6 $UNBOUND6 (not bound) is not answered" ping6_none $UNBOUND6
check "ping -6 $LIVE6 (a live node's, inside the bound /64) is not answered by the daemon" \
    ping6_none $LIVE6

check_eq "$WEB6 is at the template's MAC (ip -6 neigh)" "$WEBMAC" \
    "$(lladdr6 $WEB6)"
check_eq "$WEB4 is at the same MAC (ip neigh): one dual-stack host" \
    "$WEBMAC" "$(in_a ip neigh show $WEB4 dev "$IF_A" |
    sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p')"
check_eq "$LAN6 (no ethernet) is at the sensor's MAC" "$MAC_S" \
    "$(lladdr6 $LAN6)"
lm=$(lladdr6 $LIVE6)
tb_note "A's neighbour entry for $LIVE6: '${lm:-none}' (R is $MAC_R)"
check "the daemon never advertised $LIVE6 (A holds no sensor MAC for it)" \
    eval "[ '$lm' != '$MAC_S' ]"

h=$(hlim $WEB6)
check_eq "a Linux-like host answers with hop limit 64" 64 "$h"
h=$(hlim $WIN6)
check_eq "a Windows personality answers with hop limit 128" 128 "$h"

out=$(honeyd_log)
check_match "the daemon's probe found $LIVE6 in use" \
    "$LIVE6 is used by $MAC_R" "$out"

# A reload that binds one more prefix claims it at once.
NEW6=2001:db8:0:4::44
check "ping -6 $NEW6 (not bound yet) is not answered" ping6_none $NEW6
printf 'bind 2001:db8:0:4::/64 lan\n' >>"$conf"
check "SIGHUP reloads the configuration" \
    honeyd_reload "configuration loaded [(]reload"
check "ping -6 $NEW6 (bound by the reload) answers" ping6_ok $NEW6
check "ping -6 $WEB6 still answers after the reload" ping6_ok $WEB6

# honeydctl: IPv6 binds listed, and bound live.
ctl() {
	in_s "$HONEYDCTL" -s "$TB_TMP/honeyd.sock" "$@"
}
out=$(ctl show binds 2>&1)
check_match "honeydctl show binds lists the IPv6 prefixes" \
    "2001:db8:0:1::/64 +lan" "$out"
check_match "... and the IPv6 address" "2001:db8::5 +web" "$out"
out=$(ctl -j show binds 2>&1)
check_match "... as JSON too" '"address": *"2001:db8:0:4::/64"' "$out"
LIVEB6=2001:db8:0:6::66
out=$(ctl bind 2001:db8:0:6::/64 lan 2>&1)
check_eq "honeydctl bind 2001:db8:0:6::/64 lan: exit 0 ($out)" 0 "$?"
check "ping -6 $LIVEB6 (bound live) answers" ping6_ok $LIVEB6
# A bind inside a bound prefix answers for itself (a Windows hop limit),
# the rest of the prefix keeps the first; a range answers at both ends.
out=$(ctl bind 2001:db8:0:6::1 win 2>&1)
check_eq "honeydctl bind 2001:db8:0:6::1 win (inside the /64): exit 0 ($out)" \
    0 "$?"
check_eq "2001:db8:0:6::1 answers as win: hop limit 128" 128 \
    "$(hlim 2001:db8:0:6::1)"
check_eq "$LIVEB6, the rest of the /64, still as lan: hop limit 64" 64 \
    "$(hlim $LIVEB6)"
out=$(ctl bind 2001:db8:0:7::10 - 2001:db8:0:7::1f win 2>&1)
check_eq "honeydctl bind 2001:db8:0:7::10 - 2001:db8:0:7::1f win: exit 0 \
($out)" 0 "$?"
check_eq "the range's first address answers as win" 128 \
    "$(hlim 2001:db8:0:7::10)"
check_eq "... and its last" 128 "$(hlim 2001:db8:0:7::1f)"
check "... and the address after it does not" ping6_none 2001:db8:0:7::20
# show hosts: the pinged IPv6 hosts, by their IPv6 address, after the
# IPv4 ones; an IPv4 filter leaves them out.
out=$(ctl -j show hosts 2>&1)
check_match "honeydctl show hosts lists $WEB6 (pinged) as web" \
    "\"address\": *\"$WEB6\", *\"template\": *\"web\"" "$out"
check_match "... $LIVEB6 (bound live, pinged) as lan" \
    "\"address\": *\"$LIVEB6\", *\"template\": *\"lan\"" "$out"
check_match "... and $WIN6 as win" \
    "\"address\": *\"$WIN6\", *\"template\": *\"win\"" "$out"
check_match "... and the IPv4 host $WEB4 too" \
    "\"address\": *\"$WEB4\"" "$out"
out=$(ctl -j show hosts 198.18.0.0/24 2>&1)
check_match "show hosts 198.18.0.0/24 lists $WEB4" "\"address\": *\"$WEB4\"" \
    "$out"
check_nomatch "... and no IPv6 host" '"address": *"2001:' "$out"

# "set T droprate in P" loses IPv6 packets as it does IPv4 ones.
out=$(ctl set win droprate in 100 2>&1)
check_eq "honeydctl set win droprate in 100: exit 0 ($out)" 0 "$?"
check "ping -6 $WIN6 (droprate in 100) is not answered" ping6_none $WIN6
check_match "... the echo requests counted as droprate drops" \
    "droprate +[1-9]" "$(ctl show stats 2>&1)"
out=$(ctl set win droprate in 0 2>&1)
check_eq "honeydctl set win droprate in 0: exit 0 ($out)" 0 "$?"
check "ping -6 $WIN6 (droprate in 0) answers again" ping6_ok $WIN6

honeyd_stop
check_match "the parent answered Neighbor Solicitations" \
    "ndp solicits [1-9][0-9]* adverts [1-9]" "$(honeyd_log)"
check_match "the engine answered ICMPv6 echo requests" \
    "icmp6 [1-9][0-9]* echo [1-9]" "$(honeyd_log)"
check "the JSON log is well-formed" json_lines_ok "$J"
check "the JSON log records an ICMPv6 echo request to $WEB6" \
    grep -q "\"proto\":\"icmp6\".*\"dst_ip\":\"$WEB6\".*\"icmp_type\":128" "$J"

# Networks on the command line may be IPv6 prefixes or ranges: their
# addresses are claimed, and unbound ones answered by "default".
conf2=$(tb_conf default6.conf <<'CONF'
create default
set default default icmp action open
CONF
)
honeyd_start "$conf2" 2001:db8:0:3::/64 198.18.0.64/26 \
    2001:db8:0:8::10-2001:db8:0:8::1f
CMD6=2001:db8:0:3::33
check "ping -6 $CMD6 (a command-line prefix, default template) answers" \
    ping6_ok $CMD6
check "ping -6 2001:db8:0:8::1f (a command-line range's end) answers" \
    ping6_ok 2001:db8:0:8::1f
check "ping -6 $WEB6 (outside the command line's networks) is not answered" \
    ping6_none $WEB6
honeyd_stop

tb_finish
