#!/bin/bash
# run.sh: alone (a burst of 3000 probes, all answered)
# Bursts: 1,000 SYNs to an open port, 1,000 to a closed one and 1,000
# echo requests at 20,000 a second (build/flood) are all answered, each
# exactly once: many capture batches in, many sendmmsg batches out.
# The capture ring (2,600 frames) holds a whole burst, so a slow daemon
# (ASan, a busy machine) only answers later, within the flood's wait.
# The capture pause under load (capture.c): pings one at a time never
# start one, the bursts do, a reload to "option capture pause 0" turns
# it off and one to 2000 us on again, every probe still answered.
. "$(dirname "$0")/../lib.sh"

FLOOD=${FLOOD:-$TB_REPO/build/flood}
N=1000

tb_setup
tb_require "$FLOOD"

conf=$(tb_conf honeyd.conf <<'CONF'
create burst
set burst default tcp action reset
set burst default icmp action open
add burst tcp port 22 open
bind 198.19.2.10 burst
CONF
)
honeyd_start "$conf" 198.19.0.0/16

# pauses: the parent's count of capture pauses ("show stats").
pauses() {
	ctl_json stats | "$TB_PY" -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r.get("kind") == "counter" and r.get("process") == "parent" and \
       r.get("name") == "capture_pauses":
        print(r["value"]); break
'
}

# Sources with a made-up MAC: A's kernel drops the answers unseen (no
# resets for the SYN+ACKs); the flood still counts them on the wire.
burst() {
	in_a timeout 30 "$FLOOD" -i "$IF_A" -g "$MAC_S" -M 02:00:00:00:00:01 \
	    -s 198.18.1.1 -a 50 -d 198.19.2.10 -n "$N" -r 20000 -t 5 \
	    -w 5000 "$@"
}

out=$(in_a timeout 30 "$FLOOD" -i "$IF_A" -g "$MAC_S" \
    -M 02:00:00:00:00:01 -s 198.18.1.1 -d 198.19.2.10 -m ping -L 50 -G 5000)
check_match "50 pings one at a time: 50 replies" " answered=50 " "$out"
check_eq "pings one at a time start no capture pause" 0 "$(pauses)"

out=$(burst -m syn -p 22)
check_match "$N SYNs to open :22: $N SYN+ACKs" \
    "sent=$N answered=$N synack=$N .*dup=0 " "$out"
out=$(burst -m syn -p 25)
check_match "$N SYNs to closed :25: $N RSTs" \
    "sent=$N answered=$N synack=0 rst=$N .*dup=0 " "$out"
out=$(burst -m ping)
check_match "$N echo requests: $N replies" \
    "sent=$N answered=$N .*echo=$N dup=0 " "$out"
check "ping 198.19.2.10 still answers" ping_ok 198.19.2.10
p0=$(pauses)
check "the bursts started capture pauses ($p0)" test "${p0:-0}" -gt 0

# reload_pause US: the configuration again with "option capture pause US".
reload_pause() {
	{ cat "$conf"; echo "option capture pause $1"; } >"$TB_TMP/pause.conf"
	cp "$TB_TMP/pause.conf" "$conf"
	check "reload with option capture pause $1" \
	    honeyd_reload 'configuration loaded \(reload'
}
reload_pause 0
out=$(burst -m ping)
check_match "pause 0: $N echo requests, $N replies" \
    "sent=$N answered=$N .*echo=$N dup=0 " "$out"
check_eq "pause 0: no capture pause" "$p0" "$(pauses)"
reload_pause 2000
out=$(burst -m ping)
check_match "pause 2000 us: $N echo requests, $N replies" \
    "sent=$N answered=$N .*echo=$N dup=0 " "$out"
p1=$(pauses)
check "pause 2000 us: capture pauses again ($p0 -> $p1)" \
    test "${p1:-0}" -gt "$p0"

honeyd_stop
log=$(honeyd_log)
check_match "parent sent every answer, refused and lost none" \
    'out [0-9]+ refused 0 noneigh 0 errors 0' "$log"
# SYN+ACKs: N, then retransmitted to sources that never acknowledge.
check_match "engine answered $((5 * N)) probes" \
    "echo $((3 * N + 53)) errors 0 rst $N synack [1-9][0-9]{3,}" "$log"

tb_finish
