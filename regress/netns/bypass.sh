#!/bin/bash
# "option capture bypass": honeyd's frames go around the interface's
# queueing discipline by default (PACKET_QDISC_BYPASS), so a capture on
# the sensor's interface sees the echo requests but not the replies;
# with "bypass 0" it sees both, and a reload switches back.  Either way
# every ping is answered.  A bad value is refused before anything starts.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require tcpdump

bad=$(tb_conf bad.conf <<'CONF'
create t
option capture bypass 2
CONF
)
out=$("$HONEYD" -n -f "$bad" -p "$(_tb_prints)" 2>&1)
check_match "option capture bypass 2 is refused" \
    "option capture bypass 2: too large" "$out"

conf=$TB_TMP/honeyd.conf
write_conf() {
	cat >"$conf" <<CONF
create t
set t default icmp action open
bind 198.19.0.10 t
option capture bypass $1
CONF
}

# seen: "REQUESTS REPLIES" a capture in S sees for three pings from A,
# and the pings answered.
seen() {
	local cap=$TB_TMP/cap.$1 n pid
	# Not through in_s: $! must be timeout itself, not a subshell
	# whose killing would orphan it (a process left in S).
	ip netns exec "$NS_S" timeout 5 tcpdump -l -n -i "$IF_S" icmp \
	    >"$cap" 2>/dev/null &
	pid=$!
	sleep 1
	n=$(in_a ping -c 3 -i 0.2 -W 1 198.19.0.10 | grep -c "bytes from")
	sleep 0.5
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "$(grep -c 'echo request' "$cap") $(grep -c 'echo reply' "$cap") $n"
}

write_conf 0
honeyd_start "$conf" 198.19.0.0/16
check_eq "bypass 0: a capture sees 3 requests, 3 replies; 3 answered" \
    "3 3 3" "$(seen a)"

write_conf 1
honeyd_reload 'configuration reloaded'
check_eq "bypass 1 after a reload: the capture sees no reply; 3 answered" \
    "3 0 3" "$(seen b)"

honeyd_stop
tb_finish
