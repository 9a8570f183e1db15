#!/bin/bash
# IPv6 neighbour resolution for output (wire.c, ndp.c): the engine's
# answer to a source whose MAC the parent does not know waits while the
# parent asks for it, as a host does (RFC 4861 7.2.2): a Neighbor
# Solicitation to the solicited-node group, from the virtual host's own
# address and MAC; the Advertisement sends it.  A neighbour that never
# answers is asked three times, a second apart, and the answer dropped
# and counted (out_noneigh).  IPv4 shares the machinery (ARP requests
# instead), checked at the end.
#
# The pings come from regress/tools/resolve_probe.py in A, from a group MAC
# that the parent refuses to learn as a next hop: to the parent that
# source is a neighbour never heard, as one whose cache slot another
# source took.  A holds 2001:db8::1, ::2 and ::4 (its kernel answers
# solicitations for them; only ::1 ever speaks first); 2001:db8::3 is
# nobody's.  Over IPv4 A's 198.18.0.3 is such a source.
. "$(dirname "$0")/../lib.sh"

HONEYDCTL=${HONEYDCTL:-$(dirname "$HONEYD")/honeydctl}
tb_setup
tb_require "$HONEYDCTL"
"$TB_PY" -c 'import scapy' 2>/dev/null ||
	tb_abort "python3-scapy installed" "regress/deps.sh installs it"

tb_ipv6_on_a 2001:db8::1/48 2001:db8::2/48 2001:db8::4/48
err=$(ip -n "$NS_A" addr add 198.18.0.3/24 dev "$IF_A" 2>&1) ||
    tb_abort "198.18.0.3 on A" "$err"

WEB6=2001:db8::5
WEBMAC=00:16:3e:00:00:05
LAN6=2001:db8:0:1::10
OWNED=2001:db8::2
OWNED2=2001:db8::4
SILENT=2001:db8::3
WEB4=198.18.0.80
OWNED4=198.18.0.3

conf=$(tb_conf honeyd.conf <<'CONF'
create web
set web ethernet "00:16:3e:00:00:05"
set web default icmp action open

create lan
set lan default icmp action open

bind 2001:db8::5 web
bind 198.18.0.80 web
bind 2001:db8:0:1::/64 lan
CONF
)
honeyd_start "$conf"

# probe SRC DST [TIMEOUT]: resolve_probe.py's report in $out, its status
# in $PROBE_RC.
probe() {
	out=$(in_a timeout 20 "$TB_PY" "$TB_TOOLS/resolve_probe.py" -i "$IF_A" \
	    --dst-mac "$MAC_S" --src "$1" --dst "$2" --timeout "${3:-3}" 2>&1)
	PROBE_RC=$?
}
# first_line PATTERN TEXT: the number of TEXT's first line matching.
first_line() {
	printf '%s\n' "$2" | grep -n -E -m 1 "$1" | cut -d: -f1
}
stat_of() {
	ctl_json stats | "$TB_PY" -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("process") == "parent" and r.get("name") == sys.argv[1]:
        print(r["value"]); break
' "$1"
}

# A ping the daemon hears from a MAC it can learn is answered at once,
# with no solicitation: the way back is the frame's sender.
check "ping -6 $WEB6 from A answers" \
    eval "in_a ping -6 -n -c 1 -W 3 -I 2001:db8::1 $WEB6 >/dev/null"

# The daemon's own Advertisements (ndp.c), for a claimed address: to a
# solicitation at the solicited-node group, with the target link-layer
# address option (the host's MAC) and Override; to a unicast one (the
# asker knows the MAC), without either, as Linux answers (RFC 4861
# 7.2.4).  Both solicited.  (The ping above made WEB6 claimed.)
# nsprobe [--unicast]: ns_probe.py's report in $out, its status in
# $PROBE_RC.
nsprobe() {
	out=$(in_a timeout 10 "$TB_PY" "$TB_TOOLS/ns_probe.py" -i "$IF_A" \
	    --src 2001:db8::1 --target $WEB6 --dst-mac $WEBMAC "$@" 2>&1)
	PROBE_RC=$?
}
nsprobe
tb_note "multicast solicitation for $WEB6:" "$out"
check_eq "a solicitation for $WEB6 at its group is advertised" 0 "$PROBE_RC"
check_eq "... solicited, Override, with the host's MAC as TLLA" \
    "na $WEB6 2001:db8::1 $WEB6 rso=011 tlla=$WEBMAC" "$out"
nsprobe --unicast
tb_note "unicast solicitation for $WEB6:" "$out"
check_eq "a unicast solicitation for $WEB6 is advertised" 0 "$PROBE_RC"
check_eq "... solicited, without Override or a TLLA option" \
    "na $WEB6 2001:db8::1 $WEB6 rso=010 tlla=-" "$out"

# From OWNED, MAC unknown: solicited, then answered.
probe $OWNED $WEB6 3
tb_note "probe from $OWNED:" "$out"
check_eq "the echo request from $OWNED is answered" 0 "$PROBE_RC"
ns=$(first_line "^ns $WEB6 $OWNED $WEBMAC\$" "$out")
na=$(first_line "^na $OWNED $OWNED\$" "$out")
re=$(first_line "^reply $WEB6 $OWNED " "$out")
check "the daemon solicited $OWNED from $WEB6 and its MAC (line ${ns:-none})" \
    test -n "$ns"
check "... A advertised it (line ${na:-none})" test -n "$na"
check "... and the answer came after both (line ${re:-none})" \
    eval "[ -n '$re' ] && [ -n '$ns' ] && [ -n '$na' ] && [ $re -gt $ns ] && [ $re -gt $na ]"
check_match "... to A's MAC, from the Advertisement" \
    "^reply $WEB6 $OWNED $MAC_A\$" "$out"
check_eq "... solicited once" 1 \
    "$(printf '%s\n' "$out" | grep -c "^ns $WEB6 $OWNED ")"

# A host of a prefix without ethernet asks from the sensor's MAC.
probe $OWNED2 $LAN6 3
tb_note "probe from $OWNED2 to $LAN6:" "$out"
check_eq "the echo request to $LAN6 is answered" 0 "$PROBE_RC"
check_match "... after a solicitation from $LAN6 at the sensor's MAC" \
    "^ns $LAN6 $OWNED2 $MAC_S\$" "$out"

# From SILENT, nobody's: three solicitations a second apart, no answer,
# and the waiting answer dropped, counted.
noneigh=$(stat_of out_noneigh)
probe $SILENT $WEB6 4.5
tb_note "probe from $SILENT:" "$out"
check_eq "the echo request from $SILENT is not answered" 1 "$PROBE_RC"
check_eq "... $SILENT was solicited three times" 3 \
    "$(printf '%s\n' "$out" | grep -c "^ns $WEB6 $SILENT $WEBMAC\$")"
sleep 0.5
check_eq "... and the answer counted as out_noneigh" $((noneigh + 1)) \
    "$(stat_of out_noneigh)"
check "show stats counts queued answers" \
    eval "[ \"\$(stat_of out_queued)\" -ge 3 ]"
check "... and the solicitations sent (ndp_resolves)" \
    eval "[ \"\$(stat_of ndp_resolves)\" -ge 5 ]"
out=$(in_s "$HONEYDCTL" -s "$TB_TMP/honeyd.sock" show stats 2>&1)
check_match "honeydctl show stats shows ndp_resolves" "ndp_resolves" "$out"

# IPv4 alike: the answer waits for an ARP request's reply.  (The
# address is on the sensor's subnet: the guard probes it first.)
probe $OWNED4 $WEB4 4
tb_note "probe from $OWNED4:" "$out"
check_eq "IPv4: the echo request from $OWNED4 is answered" 0 "$PROBE_RC"
rq=$(first_line "^who-has $OWNED4 $WEB4 $WEBMAC\$" "$out")
is=$(first_line "^is-at $OWNED4 $MAC_A\$" "$out")
re=$(first_line "^reply $WEB4 $OWNED4 $MAC_A\$" "$out")
check "... the daemon asked for $OWNED4 in ARP as $WEB4 (line ${rq:-none})" \
    test -n "$rq"
check "... and answered after A's reply (lines ${is:-none}, ${re:-none})" \
    eval "[ -n '$re' ] && [ -n '$is' ] && [ -n '$rq' ] && [ $re -gt $is ] && [ $is -gt $rq ]"

honeyd_stop
check_match "the exit log counts them" \
    "neighbour resolution queued [1-9][0-9]* ndp solicits [1-9]" \
    "$(honeyd_log)"

tb_finish
