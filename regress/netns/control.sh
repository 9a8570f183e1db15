#!/bin/bash
# The control socket (honeyd/control.c), spoken to by a small client of
# our own (regress/tools/ctlclient.py): every "show", monitor, "show
# stats" against the exit log, who may connect, and that clients that
# misbehave (garbage, never reading, stalling, many at once) cost only
# their own connection while a ping flood is still answered.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require setpriv

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default udp action reset
set default default icmp action open

create linux
set linux personality "Linux 3.2"
set linux default tcp action reset
set linux default icmp action open
add linux tcp port 22 open
add linux tcp port 80 "sh -c 'echo hello'"

bind 198.19.1.10 linux
bind 198.19.1.20 linux
CONF
)

honeyd_start "$conf" 198.19.0.0/16
SOCK=$TB_TMP/honeyd.sock
engine_pid() {
	ps -o pid= --ppid "$HONEYD_PID" | head -n 1 | tr -d ' '
}
rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"
}

# ------------------------------------------------------------ the socket
check "the control socket exists and is a socket" test -S "$SOCK"
check_eq "socket mode 0660" "660" "$(stat -c %a "$SOCK")"
check_eq "socket owned by root" "0" "$(stat -c %u "$SOCK")"
gid=$(stat -c %g "$SOCK")
EPID=$(engine_pid)

# A second honeyd must not steal a live socket.
out=$(in_s timeout 10 "$HONEYD" -d -i "$IF_S" -f "$conf" -p "$(_tb_prints)" \
    -P "$TB_TMP/second.pid" -c "$SOCK" 198.19.0.0/16 2>&1)
check_match "a second honeyd refuses the live socket" \
    "another honeyd answers there" "$out"
check "the socket is still there" test -S "$SOCK"

# ---------------------------------------------------------------- status
out=$(ctl_json status)
check_match "show status: one status record, then END" '"end"' "$out"
check_eq "show status: engine_pid is the engine's" "$EPID" \
    "$(echo "$out" | jget status engine_pid)"
check_eq "show status: parent_pid is the parent's" "$HONEYD_PID" \
    "$(echo "$out" | jget status parent_pid)"
check_eq "show status: claimed networks" "198.19.0.0/16" \
    "$(echo "$out" | jget status claimed)"
check_eq "show status: interfaces" "$IF_S" \
    "$(echo "$out" | jget status interfaces)"
check_eq "show status: no service runs before a connection" "0" \
    "$(echo "$out" | jget status services)"
check_match "show status: arp_watched counts the ARP table" '^[0-9]+$' \
    "$(echo "$out" | jget status arp_watched)"
check_match "show status: version, started, config, counters" \
    '"version": "[0-9.]+".*"started": "20[0-9-]+T.*"config": ".*honeyd.conf".*"frames_in": [0-9]+.*"engine_started"' \
    "$out"

# ----------------------------------------------------------------- hosts
check "ping 198.19.1.10" ping_ok 198.19.1.10
check "ping 198.19.1.77" ping_ok 198.19.1.77
out=$(ctl_json hosts)
check_eq "show hosts: the two pinged hosts" "2" "$(echo "$out" | jcount host)"
check_match "show hosts: 198.19.1.10 is linux, has an ip_id" \
    '"address": "198.19.1.10", "template": "linux", "personality": "Linux 3.2", "connections": 0, "ip_id": [0-9]+' \
    "$out"
check_match "show hosts: 198.19.1.77 is default" \
    '"address": "198.19.1.77", "template": "default"' "$out"
out=$(ctl_json hosts 198.19.1.64/26)
check_eq "show hosts NET: only the one inside" "198.19.1.77" \
    "$(echo "$out" | jget host address)"
out=$(ctl_json hosts bogus.example)
check_match "show hosts NAME: an error, no lookup" '"error": "not an address' \
    "$out"

# ------------------------------------------------- templates, binds, ...
out=$(ctl_json templates)
check_match "show templates: linux with its ports" \
    '"name": "linux".*"ports": "tcp/22 open, tcp/80 \\"sh -c '"'"'echo hello'"'"'\\""' \
    "$out"
out=$(ctl_json templates nosuch)
check_match "show templates NAME: unknown is an error" \
    '"error": "no template \\"nosuch\\""' "$out"
out=$(ctl_json templates linux)
check_eq "show templates linux: one record" "1" \
    "$(echo "$out" | jcount template)"
out=$(ctl_json binds)
check_eq "show binds: two" "2" "$(echo "$out" | jcount bind)"
out=$(ctl_json routes)
check_match "show routes: none, END" '^\{"end"' "$out"
out=$(ctl_json services)
check_match "show services: the limits" '"kind": "limits", "max": [0-9]+' \
    "$out"

# ----------------------------------------------------------- connections
# A connection held open from A while we look (closed by RST after,
# once $TB_TMP/conn.done exists, 10 s at most).
in_a "$TB_PY" -c '
import os, socket, struct, sys, time
s = socket.create_connection(("198.19.1.10", 22), timeout=5)
s.sendall(b"x" * 100)
end = time.monotonic() + 10
while not os.path.exists(sys.argv[1]) and time.monotonic() < end:
    time.sleep(0.1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
' "$TB_TMP/conn.done" &
cpid=$!
# Until the engine has the 100 bytes (5 s at most).
for _ in $(seq 25); do
	out=$(ctl_json connections)
	printf '%s\n' "$out" | grep -q '"bytes_in": 100' && break
	sleep 0.2
done
check_match "show connections: the open one, ESTABLISHED, bytes in" \
    '"proto": "tcp", "src": "198.18.0.1", "sport": [0-9]+, "dst": "198.19.1.10", "dport": 22, "state": "ESTABLISHED", "bytes_in": 100' \
    "$out"
out=$(ctl_json connections 198.19.1.20)
check_eq "show connections ADDR: none for another address" "0" \
    "$(echo "$out" | jcount connection)"
touch "$TB_TMP/conn.done"
wait "$cpid"

# --------------------------------------------------------------- monitor
ctl_json --count 1 --timeout 8 monitor 1 >"$TB_TMP/mon.out" 2>&1 &
mpid=$!
# ctlclient.py says "subscribed" once its request is sent (5 s at most);
# a ping the engine sees before the request gets no event: another
# ping, until the monitor has its one event (and ends) or 5 pings.
for _ in $(seq 50); do
	grep -q '^subscribed' "$TB_TMP/mon.out" && break
	sleep 0.1
done
for _ in 1 2 3 4 5; do
	ping_count 198.19.1.20 1 >/dev/null
	sleep 0.2
	kill -0 "$mpid" 2>/dev/null || break
done
wait "$mpid"
check_match "monitor 1: a ping's icmp event" \
    '"event":"icmp".*"src_ip":"198.18.0.1","dst_ip":"198.19.1.20"' \
    "$(cat "$TB_TMP/mon.out")"
out=$(ctl_json verbose)
check_match "log verbose: answered" '"end": "logging verbose"' "$out"
out=$(ctl_json brief)
check_match "log brief: answered" '"end": "logging brief"' "$out"

# ---------------------------------------------------------- credentials
chmod 711 "$TB_TMP"
out=$(setpriv --reuid=65000 --regid=65000 --clear-groups \
    "$TB_PY" "$TB_TOOLS/ctlclient.py" -s "$SOCK" status 2>&1)
check_match "an outsider cannot connect (socket mode)" \
    'result=error.*(Permission denied|closed)' "$out"
out=$(setpriv --reuid=65000 --regid=65000 --groups="$gid" \
    "$TB_PY" "$TB_TOOLS/ctlclient.py" -s "$SOCK" status 2>&1)
check_match "a member of the group (supplementary) may" '"end"' "$out"
out=$(setpriv --reuid=65000 --regid="$gid" --clear-groups \
    "$TB_PY" "$TB_TOOLS/ctlclient.py" -s "$SOCK" reload /etc/shadow 2>&1)
check_match "reload FILE: only root" '"error": "only root' "$out"
# The mode widened by hand: the engine still says no.
chmod 666 "$SOCK"
out=$(setpriv --reuid=65000 --regid=65000 --clear-groups \
    "$TB_PY" "$TB_TOOLS/ctlclient.py" -s "$SOCK" status 2>&1)
check_match "an outsider on a widened socket is closed by the engine" \
    'connection closed|Broken pipe|reset by peer' "$out"
chmod 660 "$SOCK"

# ------------------------------------------------------------ the abuse
rss0=$(rss_kb "$EPID")
ctl_json stall 40 >"$TB_TMP/stall.out" 2>&1 &
stallpid=$!
ctl_json hog 12 >"$TB_TMP/hog.out" 2>&1 &
hogpid=$!
pids=
for i in $(seq 64); do
	ctl_json loop 40 hosts >"$TB_TMP/loop.$i" 2>&1 &
	pids="$pids $!"
done
ctl_json garbage 1048576 >"$TB_TMP/garbage.out" 2>&1 &
garbpid=$!
flood=$(in_a timeout 60 ping -n -q -f -c 2000 198.19.1.10 2>&1)
loss=$(echo "$flood" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
check "ping flood during the abuse: under 1% lost ($loss%)" \
    "$TB_PY" -c "import sys; sys.exit(not float('${loss:-100}') < 1)"
# shellcheck disable=SC2086
wait $pids
nok=$(cat "$TB_TMP"/loop.* | grep -c '^result=ok answers=40 records=120$')
check_eq "64 clients in a loop all had their 40 answers (3 hosts each)" \
    "64" "$nok" || tb_note "$(cat "$TB_TMP/loop.1")"
wait "$garbpid"
check_match "1 MB of garbage: that client closed" 'result=closed' \
    "$(cat "$TB_TMP/garbage.out")"
wait "$hogpid"
wait "$stallpid"
check_match "a stalled request is closed after the timeout" \
    'result=closed after=(2[89]|3[0-9])' "$(cat "$TB_TMP/stall.out")"
check_eq "the engine is still the same process" "$EPID" "$(engine_pid)"
rss1=$(rss_kb "$EPID")
check "engine RSS grew less than 64 MB (${rss0} kB -> ${rss1} kB)" \
    test $((rss1 - rss0)) -lt 65536
out=$(ctl_json stats)
check_match "counted: garbage, timeouts, refused" \
    '"ctl_garbage", "process": "engine", "value": [1-9]' "$out"
check_match "counted: a timeout" \
    '"ctl_timeouts", "process": "engine", "value": [1-9]' "$out"
check_match "counted: refused credentials" \
    '"ctl_refused", "process": "engine", "value": [1-9]' "$out"

# ---------------------------------------------- show stats vs. exit log
sleep 1
ctl_json stats >"$TB_TMP/stats.json"
honeyd_stop
check "the socket is removed at exit" test ! -e "$SOCK"
out=$("$TB_PY" - "$TB_TMP/stats.json" "$HONEYD_LOG" <<'PY'
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"kind"' in l]
want = {"engine": [r["value"] for r in recs if r["process"] == "engine"],
        "parent": [r["value"] for r in recs if r["process"] == "parent"]}
starts = {"engine": ("in ", "icmp ", "tcp established ", "fragments in ",
                     "ipv6 reassembly in ", "ipv6 in ",
                     "route in ", "tunnel in ", "control clients "),
          "parent": ("frames in ", "arp conflicts ", "ipv6 frames ",
                     "neighbour resolution ", "capture pauses ")}
got = {"engine": [], "parent": []}
for line in open(sys.argv[2]):
    proc, _, msg = line.rstrip("\n").partition(": ")
    if proc not in got:
        continue
    if msg.startswith(starts[proc]) or " pcap received " in msg:
        got[proc] += [int(t) for t in re.split(r"[ ;]+", msg) if t.isdigit()]
bad = [p for p in got if got[p] != want[p] or not want[p]]
print("engine %d parent %d counters; %s" % (len(want["engine"]),
      len(want["parent"]), "mismatch " + str(bad) if bad else "equal"))
for p in bad:
    print(p, "show stats:", want[p])
    print(p, "exit log:  ", got[p])
PY
)
check_match "show stats equals the exit log, every counter" \
    "engine [0-9]+ parent [0-9]+ counters; equal" "$out"

# -c none: no control socket at all (the last -c wins).
honeyd_start "$conf" -c none 198.19.0.0/16
check "-c none: no socket" test ! -e "$SOCK"
check "-c none: still answers pings" ping_ok 198.19.1.10
honeyd_stop

tb_finish
