#!/bin/bash
# run.sh: alone (a burst of 3000 probes, all answered)
# Bursts: 1,000 SYNs to an open port, 1,000 to a closed one and 1,000
# echo requests at 20,000 a second (build/flood) are all answered, each
# exactly once: many capture batches in, many sendmmsg batches out.
# The capture ring (2,600 frames) holds a whole burst, so a slow daemon
# (ASan, a busy machine) only answers later, within the flood's wait.
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

# Sources with a made-up MAC: A's kernel drops the answers unseen (no
# resets for the SYN+ACKs); the flood still counts them on the wire.
burst() {
	in_a timeout 30 "$FLOOD" -i "$IF_A" -g "$MAC_S" -M 02:00:00:00:00:01 \
	    -s 198.18.1.1 -a 50 -d 198.19.2.10 -n "$N" -r 20000 -t 5 \
	    -w 5000 "$@"
}

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

honeyd_stop
log=$(honeyd_log)
check_match "parent sent every answer, refused and lost none" \
    'out [0-9]+ refused 0 noneigh 0 errors 0' "$log"
check_match "engine answered $((3 * N)) probes" \
    "echo $((N + 3)) errors 0 rst $N synack $N" "$log"

tb_finish
