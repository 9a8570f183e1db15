#!/bin/bash
# Engines on every core (-e 2): two engines run, each sandboxed; the
# virtual hosts are spread over both by their address; "show status"
# and "show stats" sum the engines' counters; kill -9 of one engine
# restarts only it, and the connections of the other survive; a reload
# reaches both; the exit log sums the counters of both.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require "$TB_PY"

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default icmp action open
add default tcp port 7 "sh scripts/echo.sh"
CONF
)
J=$TB_TMP/events.json
HONEYD_ENGINES=2 honeyd_start "$conf" -S "$TB_REPO" -j "$J" 198.19.0.0/16
# counter NAME: the value of counter NAME of the engines in "show stats".
counter() {
	ctl_json stats | "$TB_PY" -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r.get("kind") == "counter" and r.get("process") == "engine" and \
       r.get("name") == sys.argv[1]:
        print(r["value"]); break
' "$1"
}
status() {
	ctl_json status | jget status "$1"
}
# engine_of ADDR: the engine honeyd -e 2 gives ADDR (engines.c's hash).
engine_of() {
	local a b c d x
	IFS=. read -r a b c d <<<"$1"
	x=$(( (a << 24) | (b << 16) | (c << 8) | d ))
	echo $(( (((x * 2654435761) & 0xffffffff) >> 16) % 2 ))
}

# ------------------------------------------------------------ two engines
engines=$(pgrep -P "$HONEYD_PID" | while read -r p; do
	grep -q engine "/proc/$p/cmdline" 2>/dev/null && echo "$p"
done)
check_eq "two engines run" 2 "$(echo "$engines" | grep -c .)"
for p in $engines; do
	check_eq "engine $p is chrooted" /var/empty "$(readlink "/proc/$p/root")"
	check_match "engine $p is unprivileged" '^[1-9]' \
	    "$(awk '$1 == "Uid:" { print $2 }' "/proc/$p/status")"
	check_match "engine $p is under seccomp" '^2$' \
	    "$(awk '$1 == "Seccomp:" { print $2 }' "/proc/$p/status")"
done
check_eq "show status: engines" 2 "$(status engines)"
E0=$(status engine_pid)
E1=$(status engine_1_pid)
check "engine 0 (control, pid $E0) and engine 1 (pid $E1) are the two" \
    test -n "$E0" -a -n "$E1" -a "$E0" != "$E1"
check_match "... both among the parent's children" "$E0" "$engines"
check_match "... both among the parent's children" "$E1" "$engines"

# ------------------------------------------------- hosts over both engines
on0=0 on1=0 answered=0
for i in $(seq 1 16); do
	a=198.19.1.$i
	if [ "$(engine_of "$a")" = 0 ]; then on0=$((on0 + 1)); else
		on1=$((on1 + 1)); fi
	answered=$((answered + $(ping_count "$a" 1)))
done
tb_note "16 hosts: $on0 hash to engine 0, $on1 to engine 1"
check_eq "every host answers a ping" 16 "$answered"
check_eq "engine 0 holds its hosts" "$on0" "$(status engine_0_hosts)"
check_eq "engine 1 holds its hosts" "$on1" "$(status engine_1_hosts)"
check_eq "show status: hosts summed over the engines" 16 "$(status hosts)"
check_eq "show stats: icmp_echo summed over the engines" 16 \
    "$(counter icmp_echo)"
check_eq "show hosts lists the hosts of both engines" 16 \
    "$(ctl_json hosts | jcount host)"
check_eq "show hosts NET filters in both engines" 1 \
    "$(ctl_json hosts 198.19.1.5/32 | jcount host)"
p0=$(status engine_0_packets_in)
p1=$(status engine_1_packets_in)
check "both engines received packets ($p0, $p1)" test "${p0:-0}" -gt 0 \
    -a "${p1:-0}" -gt 0
check_eq "show status: packets_in is their sum" "$((p0 + p1))" \
    "$(status packets_in)"

# ---------------------------------------------- kill -9 heals only one
# A held echo connection on a host of each engine.
for i in $(seq 1 40); do
	a=198.19.2.$i
	[ "$(engine_of "$a")" = 0 ] && [ -z "${H0:-}" ] && H0=$a
	[ "$(engine_of "$a")" = 1 ] && [ -z "${H1:-}" ] && H1=$a
done
GO=$TB_TMP/go
for h in "$H0" "$H1"; do
	in_a "$TB_PY" "$TB_REPO/regress/tools/hold_conn.py" "$h" 7 "$GO" \
	    --wait 30 >"$TB_TMP/hold.$h" 2>&1 &
	holders="${holders:-} $!"
done
for i in $(seq 50); do
	grep -q before= "$TB_TMP/hold.$H0" && grep -q before= \
	    "$TB_TMP/hold.$H1" && break
	sleep 0.1
done
check_match "an echo on engine 0's $H0 before the kill" before=ok \
    "$(cat "$TB_TMP/hold.$H0")"
check_match "an echo on engine 1's $H1 before the kill" before=ok \
    "$(cat "$TB_TMP/hold.$H1")"
out=$(ctl_json connections)
check_match "show connections lists engine 0's connection" \
    "\"$H0\"" "$out"
check_match "show connections lists engine 1's connection" \
    "\"$H1\"" "$out"
check_eq "show services lists the services of both engines" 2 \
    "$(ctl_json services | grep -c 'scripts/echo.sh')"
svcs=$(pgrep -P "$HONEYD_PID" | grep -vxF "$engines" | grep -c .)
check_eq "two services run, children of the parent" 2 "$svcs"

kill -KILL "$E1"
for i in $(seq 50); do
	grep -q 'engine restarted (restart 1)' "$HONEYD_LOG" && break
	sleep 0.1
done
check_match "the parent logged which engine died" \
    'engine terminated by signal 9 \(engine 1 of 2\)' "$(honeyd_log)"
check_match "... and its restart" 'engine restarted \(restart 1\)' \
    "$(honeyd_log)"
touch "$GO"
for p in $holders; do
	wait "$p" 2>/dev/null
done
check_match "engine 0's connection survived" after=ok \
    "$(cat "$TB_TMP/hold.$H0")"
check_match "engine 1's connection ended with it" after=fail \
    "$(cat "$TB_TMP/hold.$H1")"
check_eq "engine 0 is the same process" "$E0" "$(status engine_pid)"
N1=$(status engine_1_pid)
check "engine 1 is a new process ($N1)" test -n "$N1" -a "$N1" != "$E1"
check_eq "engine 0 restarts: 0" 0 "$(status engine_0_restarts)"
check_eq "engine 1 restarts: 1" 1 "$(status engine_1_restarts)"
check_eq "the new engine 1 is chrooted" /var/empty \
    "$(readlink "/proc/$N1/root")"
check_eq "a host of engine 1 answers again" 1 "$(ping_count "$H1" 1)"
check_eq "a host of engine 0 answers" 1 "$(ping_count "$H0" 1)"

# --------------------------------------------------- reload reaches both
connects() {
	in_a timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null && echo open ||
	    echo closed
}
check_eq "before the reload, :22 on engine 0's host is closed" closed \
    "$(connects "$H0" 22)"
check_eq "before the reload, :22 on engine 1's host is closed" closed \
    "$(connects "$H1" 22)"
echo 'add default tcp port 22 open' >>"$conf"
check_match "reload through the control socket" '"end"' \
    "$(ctl_json reload 2>&1)"
check_eq "after it, :22 on engine 0's host is open" open \
    "$(connects "$H0" 22)"
check_eq "after it, :22 on engine 1's host is open" open \
    "$(connects "$H1" 22)"
check_eq "show status: reloads 1" 1 "$(status reloads)"

# -------------------------------------------------- the exit log sums
synack=$(counter tcp_synack)
honeyd_stop
check_match "the exit log sums the counters of both engines" \
    'engine counters, summed over 2 engines' "$(honeyd_log)"
check_match "... their SYN+ACKs ($synack) among them" \
    "engine: .* synack $synack;" "$(honeyd_log | grep -A8 "summed over 2 engines")"

tb_finish
