#!/bin/bash
# IPv6 extension headers, fragments and ICMPv6 errors (RFC 8200, 4443):
# a large ping -6 is reassembled and its reply fragmented by the host;
# scapy's fragments of an echo request are reassembled, an overlapping
# pair drops the datagram (RFC 5722) and counts it, an atomic fragment
# is answered (RFC 6946); a routing header type 0 with segments left
# gets parameter problem code 0 pointing at its type, an unknown next
# header code 1 for a Linux personality (none for Windows, which sends
# no protocol unreachable), a closed UDP port port unreachable, and a
# burst of errors is rate limited.  The link is 2001:db8::/48 (A holds
# 2001:db8::1); the sensor's own stack stays without IPv6.
. "$(dirname "$0")/../lib.sh"

HONEYDCTL=${HONEYDCTL:-$(dirname "$HONEYD")/honeydctl}
tb_setup
tb_require scapy "$HONEYDCTL"

tb_ipv6_on_a 2001:db8::1/48

WEB6=2001:db8::5
WIN6=2001:db8::7
conf=$(tb_conf honeyd.conf <<'CONF'
create web
set web default icmp action open
set web default udp action reset

create win
set win personality "Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1"
set win default icmp action open

bind 2001:db8::5 web
bind 2001:db8::7 win
CONF
)
honeyd_start "$conf"
ctl() {
	in_s "$HONEYDCTL" -s "$TB_TMP/honeyd.sock" "$@"
}
# probe MODE ARGS...: regress/tools/frag6_probe.py from A.
probe() {
	in_a timeout 40 "$TB_PY" "$TB_TOOLS/frag6_probe.py" -i "$IF_A" \
	    --dst-mac "$MAC_S" --src 2001:db8::1 "$@"
}
# stat NAME: one engine counter of honeydctl show stats.
stat() {
	ctl show stats 2>/dev/null | tr -s ' \t' '\n\n' |
	    sed -n "/^$1\$/{n;p;q}"
}

# A large ping: fragments in, reassembled; fragments out.
out=$(in_a timeout 15 ping -6 -n -c 2 -i 0.5 -W 3 -s 3000 $WEB6 2>&1)
check_match "ping -6 -s 3000 $WEB6 is answered (reassembly in, fragments out)" \
    " 2 received" "$out"

out=$(probe frag3 --dst $WEB6 --size 1400)
check_match "an echo request in three fragments, last first, is answered" \
    "^answer echo len=1400 fragmented=0" "$out"

before=$(stat frag6_overlap)
out=$(probe overlap --dst $WEB6 --size 1400)
check_eq "overlapping fragments get no answer (RFC 5722)" "no answer" "$out"
after=$(stat frag6_overlap)
check "... and the overlap counter moves ($before -> $after)" \
    eval "[ '${after:-0}' -gt '${before:-0}' ]"

out=$(probe atomic --dst $WEB6)
check_match "an atomic fragment (offset 0, M 0) is answered (RFC 6946)" \
    "^answer echo len=32" "$out"

out=$(probe rh0 --dst $WEB6)
check_eq "routing header type 0, segments left 1: parameter problem code 0 at its type" \
    "answer type=4 code=0 ptr=42" "$out"

out=$(probe nh --nh 253 --dst $WEB6)
check_eq "next header 253 to a Linux host: parameter problem code 1 at byte 6" \
    "answer type=4 code=1 ptr=6" "$out"

out=$(probe nh --nh 253 --dst $WIN6)
check_eq "next header 253 to a Windows host: silence" "no answer" "$out"

out=$(probe udp --dport 4444 --dst $WEB6)
check_eq "UDP to a closed port: port unreachable (type 1 code 4)" \
    "answer type=1 code=4 ptr=0" "$out"

sleep 6	# the Linux bucket refills: an error a second, six deep
out=$(probe burst --count 20 --nh 253 --dst $WEB6)
n=$(printf '%s\n' "$out" | sed -n 's/^answers \([0-9]*\)$/\1/p')
check "a burst of 20 unknown next headers: rate limited ($out)" \
    eval "[ '${n:-0}' -gt 0 ] && [ '${n:-0}' -lt 20 ]"
rl=$(stat icmp6_err_rl)
check "... counted as rate-limited ($rl)" eval "[ '${rl:-0}' -gt 0 ]"

honeyd_stop
log=$(honeyd_log)
check_match "the exit log counts reassembled, atomic and overlapping fragments" \
    "ipv6 reassembly in [1-9][0-9]* atomic [1-9][0-9]* reassembled [1-9][0-9]* timeout [0-9]* overlap [1-9]" \
    "$log"
check_match "... errors sent, rate-limited, UDP closed and fragmented answers" \
    "errors [1-9][0-9]* rate-limited [1-9][0-9]*; udp6 closed 1 dropped 0; fragmented out [1-9]" \
    "$log"
tb_finish
