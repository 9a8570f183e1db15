#!/bin/bash
# Dynamic templates see an IPv6 packet's source: "dyn", bound to
# 2001:db8:0:1::/64 and to 198.18.0.80, answers ping -6 from A's
# 2001:db8:0:a::1 as "win" (a Windows personality: hop limit 128) and
# from A's 2001:db8::1 as "lan" (hop limit 64).  Its first rule, an
# IPv4 network (0.0.0.0/0) to "mute", which answers no ICMP, takes
# A's IPv4 ping of 198.18.0.80 but no IPv6 one.  The link is
# 2001:db8::/48.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_ipv6_on_a 2001:db8::1/48 2001:db8:0:a::1/48

DST6=2001:db8:0:1::10
DST4=198.18.0.80
conf=$(tb_conf honeyd.conf <<'CONF'
create lan
set lan default icmp action open

create win
set win personality "Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1"
set win default icmp action open

create mute
set mute default icmp action block

dynamic dyn
add dyn use mute if source ip = 0.0.0.0/0
add dyn use win if source ip = 2001:db8:0:a::/64
add dyn otherwise use lan

bind 2001:db8:0:1::/64 dyn
bind 198.18.0.80 dyn
CONF
)
out=$("$HONEYD" -n -v -f "$conf" -p "$(_tb_prints)" 2>&1)
check_match "honeyd -nv prints the IPv6 source rule back" \
    "^add dyn use win if source ip = 2001:db8:0:a::/64$" "$out"

honeyd_start "$conf"

# hlim_from SRC DST: the hop limit of the first echo reply to SRC.
hlim_from() {
	in_a timeout 8 ping -6 -n -c 3 -i 0.3 -W 3 -w 6 -I "$1" "$2" 2>&1 |
	    sed -n 's/.* ttl=\([0-9]*\).*/\1/p' | head -n 1
}

check_eq "ping -6 from 2001:db8:0:a::1 is answered by win (hop limit 128)" \
    128 "$(hlim_from 2001:db8:0:a::1 $DST6)"
check_eq "ping -6 from 2001:db8::1 is answered by lan (hop limit 64)" \
    64 "$(hlim_from 2001:db8::1 $DST6)"
check "ping $DST4 (IPv4: the 0.0.0.0/0 rule, mute) is not answered" \
    ping_none $DST4

honeyd_stop
check_match "the engine answered ICMPv6 echo requests" \
    "icmp6 [1-9][0-9]* echo [1-9]" "$(honeyd_log)"

tb_finish
