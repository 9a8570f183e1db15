#!/bin/bash
# Self-healing: kill -9 of the engine, and the parent logs why, ends the
# dead engine's services, and starts a new engine with the running
# configuration at once: the next ping is answered within 2 s, the
# JSON log has an engine_restart event, the new engine is sandboxed as
# the first was.  Engines that keep dying are started later each time,
# and after the documented number in a row honeyd gives up, exiting 1;
# frames that arrive while no engine runs are counted and dropped.
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
honeyd_start "$conf" -S "$TB_REPO" -j "$J" 198.19.0.0/16
parent=$HONEYD_PID
engine=$(honeyd_engine "$parent")
check_match "an engine runs (pid $engine)" '^[0-9]+$' "$engine"
[ -n "$engine" ] || tb_abort "no engine"

# A service started before the kill: an echo connection held open.
GO=$TB_TMP/go
in_a "$TB_PY" "$TB_REPO/regress/tools/hold_conn.py" 198.19.1.7 7 "$GO" \
    --wait 30 >"$TB_TMP/hold.out" 2>&1 &
holder=$!
for i in $(seq 50); do
	grep -q before= "$TB_TMP/hold.out" && break
	sleep 0.1
done
check_match "a service echoes before the kill" before=ok \
    "$(cat "$TB_TMP/hold.out")"
svc=$(pgrep -P "$parent" | grep -vx "$engine" | head -n 1)
check_match "the service is a child of the parent (pid $svc)" '^[0-9]+$' \
    "$svc"

kill -KILL "$engine"
t0=$(date +%s%N)
answered=
for i in $(seq 20); do
	if in_a ping -c 1 -W 0.1 198.19.1.10 >/dev/null 2>&1; then
		answered=$(( ($(date +%s%N) - t0) / 1000000 ))
		break
	fi
done
check "the next ping after kill -9 is answered within 2 s (${answered:-none} ms)" \
    test -n "$answered" -a "${answered:-9999}" -le 2000
new=$(honeyd_engine "$parent")
check_match "a new engine runs (pid $new)" '^[0-9]+$' "$new"
check "... not the killed one" test "$new" != "$engine"
check "the service of the dead engine is gone" test ! -d "/proc/$svc"
touch "$GO"
wait "$holder" 2>/dev/null
check_match "its connection ended with the engine" 'after=fail' \
    "$(cat "$TB_TMP/hold.out")"
check_match "the parent logged why" 'engine terminated by signal 9' \
    "$(honeyd_log)"
check_match "... and the restart" 'engine restarted \(restart 1\)' \
    "$(honeyd_log)"
for i in $(seq 30); do
	grep -q '"engine_restart"' "$J" && break
	sleep 0.1
done
check_match "the JSON log has the restart, its count and cause" \
    '"event":"engine_restart".*"restarts":1.*"cause":"terminated by signal 9' \
    "$(grep engine_restart "$J")"
status_field() {
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$1/status"
}
check_match "the new engine is unprivileged" '^[1-9][0-9]*' \
    "$(status_field "$new" Uid)"
check_eq "the new engine is chrooted" /var/empty \
    "$(readlink "/proc/$new/root")"
check_eq "the new engine has no capabilities" 0000000000000000 \
    "$(status_field "$new" CapEff)"
HONEYDCTL=${HONEYDCTL:-$(dirname "$HONEYD")/honeydctl}
out=$(in_s "$HONEYDCTL" -s "$TB_TMP/honeyd.sock" show status 2>&1)
check_match "honeydctl reaches the new engine: one restart" \
    'Engine restarts: *1' "$out"
check_match "... and the cause" 'Engine last death: *terminated by signal 9' \
    "$out"
out=$(in_a "$TB_PY" "$TB_REPO/regress/tools/hold_conn.py" 198.19.1.8 7 \
    "$TB_TMP" --wait 1 2>&1)
check_match "a new service works with the new engine" 'after=ok' "$out"

# Engines that keep dying: 100 ms, then 200, 400... until the limit
# (ENGINE_DEATHS_MAX in a row, honeyd.8), then honeyd exits with 1.
# Pings meanwhile land where no engine runs.
in_a ping -i 0.01 -c 3000 -W 1 198.19.1.10 >/dev/null 2>&1 &
pinger=$!
kills=1
killed=$engine
for i in $(seq 300); do
	_tb_alive "$parent" || break
	e=$(honeyd_engine "$parent")
	if [ -n "$e" ] && [ "$e" != "$killed" ]; then
		kill -KILL "$e" && kills=$((kills + 1))
		killed=$e
	fi
	sleep 0.05
done
kill "$pinger" 2>/dev/null
wait "$pinger" 2>/dev/null
if _tb_alive "$parent"; then
	tb_fail "honeyd gave up after engines kept dying (killed $kills)"
else
	tb_pass "honeyd gave up after engines kept dying (killed $kills)"
	wait "$parent"
	check_eq "... with exit status 1" 1 "$?"
	HONEYD_PID=
fi
check_match "it said so" 'died [0-9]+ times in a row; giving up' \
    "$(honeyd_log)"
check_match "the delays grew" 'starting a new engine in 800 ms' \
    "$(honeyd_log)"
noeng=$(sed -n 's/.*no-engine \([0-9]*\);.*/\1/p' "$HONEYD_LOG" | tail -n 1)
check "frames that came while no engine ran were counted ($noeng)" \
    test "${noeng:-0}" -ge 1
check_nomatch "no sanitizer report" 'ERROR: AddressSanitizer|runtime error' \
    "$(honeyd_log)"
tb_finish
