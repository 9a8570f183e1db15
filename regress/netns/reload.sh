#!/bin/bash
# Configuration checks and reloads: honeyd -n reports errors with
# file:line and a non-zero status; SIGHUP swaps in a good new config and
# keeps the running one when the new one is bad.  Reload is a
# transaction: a configuration the engine refuses leaves the parent's
# claims as they were; connections to templates that stay live on; a bad
# p0f file is refused like a bad config.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nmap "$TB_PY"

states() {
	nmap_port_states "$@" | tr '\n' ' ' | sed 's/ $//'
}

first=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
create web
set web default tcp action reset
add web tcp port 80 open
bind 198.19.2.10 web
CONF
)
second=$(tb_conf second.conf <<'CONF'
option service max 7
create default
set default default tcp action reset
create web
set web default tcp action reset
add web tcp port 22 open
bind 198.19.2.10 web
CONF
)
broken=$(tb_conf broken.conf <<'CONF'
create default
set default default tcp action reset
create web
add web tcp port 99999 open
bind 198.19.2.10 nosuchtemplate
CONF
)

# -n: the daemon's own check, without privileges or interfaces.
out=$("$HONEYD" -n -f "$broken" -p "$(_tb_prints)" 2>&1)
check_status "honeyd -n rejects a broken config" 1 \
    "$HONEYD" -n -f "$broken" -p "$(_tb_prints)"
check_match "honeyd -n names file and line of the bad port" \
    "broken.conf:4: " "$out"
check_match "honeyd -n names file and line of the unknown template" \
    "broken.conf:5: " "$out"
check_status "honeyd -n accepts a good config" 0 \
    "$HONEYD" -n -f "$first" -p "$(_tb_prints)"
out=$("$HONEYD" -nv -f "$first" -p "$(_tb_prints)" 2>&1)
check_match "honeyd -nv prints the config back" "add web tcp port 80 open" \
    "$out"

honeyd_start "$first" 198.19.0.0/16
check_eq "first config: 80 open, 22 closed" "22/closed 80/open" \
    "$(states 198.19.2.10 tcp 22,80)"
limits() {
	"$TB_PY" "$TB_TOOLS/ctlclient.py" -s "$TB_TMP/honeyd.sock" services |
	    grep -o '"max": [0-9]*'
}
check_eq "first config: the default service limit" '"max": 1024' \
    "$(limits)"

# A good new config replaces the running one.
cp "$second" "$first"
honeyd_reload 'configuration reloaded'
check_match "engine reports the reload" "configuration reloaded" \
    "$(cat "$HONEYD_LOG")"
check_eq "after SIGHUP: 22 open, 80 closed" "22/open 80/closed" \
    "$(states 198.19.2.10 tcp 22,80)"
check_eq "after SIGHUP: the engine has the new option service max" \
    '"max": 7' "$(limits)"

# A bad one is refused and the running one stays.
cp "$broken" "$first"
honeyd_reload 'keeping the running one'
check_match "parent refuses the broken config" \
    "honeyd.conf:4: .*keeping the running one|keeping the running one" \
    "$(tr '\n' ' ' < "$HONEYD_LOG")"
check_match "the error names the line" "honeyd.conf:4: " \
    "$(cat "$HONEYD_LOG")"
check "daemon still running after a bad reload" kill -0 "$HONEYD_PID"
check_eq "after bad SIGHUP: still 22 open, 80 closed" "22/open 80/closed" \
    "$(states 198.19.2.10 tcp 22,80)"

# ---- The transaction, with the claims taken from the config (no
# networks on the command line), so what the parent claims follows it.
honeyd_stop
P0F_SYSTEM=/etc/p0f/p0f.fp
[ -r "$P0F_SYSTEM" ] || tb_abort "no $P0F_SYSTEM (regress/deps.sh installs p0f)"
p0f=$TB_TMP/p0f.fp
cp "$P0F_SYSTEM" "$p0f"
webconf() {	# webconf ACTION-OF-PORT-80 ADDRESS...
	local a=$1
	shift
	cat <<CONF
create default
set default default tcp action reset
set default default icmp action open
create web
set web default tcp action reset
set web default icmp action open
add web tcp port 7 "sh scripts/echo.sh"
add web tcp port 80 $a
CONF
	for a in "$@"; do
		echo "bind $a web"
	done
}
live=$TB_TMP/live.conf
webconf reset 198.19.2.10 >"$live"
# The engine refuses more personalities than it holds (256): the whole
# nmap-os-db has thousands of names to use.
PRINTS=/usr/share/nmap/nmap-os-db
[ -r "$PRINTS" ] || tb_abort "no $PRINTS (regress/deps.sh installs nmap)"
export PRINTS
honeyd_start "$live" -S "$TB_REPO" -0 "$p0f"
check_eq "claims from the config: 198.19.2.10 answers ping" 3 \
    "$(ping_count 198.19.2.10)"
check_eq "198.19.2.20, bound by no config yet, is silent" 0 \
    "$(ping_count 198.19.2.20 2)"

# A connection to an unchanged template, opened before the reload.
flag=$TB_TMP/after-reload
in_a "$TB_PY" - 198.19.2.10 "$flag" >"$TB_TMP/echo.out" 2>&1 <<'PY' &
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 7), timeout=10)
s.sendall(b"before\n")
print(s.recv(100).decode().strip(), flush=True)
for i in range(300):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.1)
s.sendall(b"after\n")
print(s.recv(100).decode().strip(), flush=True)
PY
echo_pid=$!
for i in $(seq 50); do
	grep -q before "$TB_TMP/echo.out" 2>/dev/null && break
	sleep 0.1
done
check_eq "the echo connection answers before the reload" before \
    "$(head -n 1 "$TB_TMP/echo.out")"

# Port 80 from reset to open, and one more address: the engine accepts,
# the parent claims the new address.
webconf open 198.19.2.10 198.19.2.20 >"$live"
honeyd_reload 'configuration loaded \(reload 1\)' ||
	tb_fail "the parent logs the accepted reload" "$(honeyd_log | tail -n 5)"
check_eq "right after the reload nmap sees 80 open" "80/open" \
    "$(states 198.19.2.10 tcp 80)"
check_eq "the address the new config binds answers ping" 3 \
    "$(ping_count 198.19.2.20)"
touch "$flag"
wait "$echo_pid"
check_eq "the connection opened before the reload still echoes" \
    "before after" "$(tr '\n' ' ' <"$TB_TMP/echo.out" | sed 's/ $//')"

# A config the parent accepts and the engine refuses: 257 personalities.
{
	webconf open 198.19.2.10 198.19.2.20 198.19.2.30
	grep '^Fingerprint ' "$PRINTS" | sed 's/^Fingerprint //' |
	    sort -u | head -n 257 | awk '{
		gsub(/\\/, "\\\\"); gsub(/"/, "\\\"")
		printf "create p%d\nset p%d personality \"%s\"\n", NR, NR, $0
	}'
} >"$TB_TMP/many.conf"
check_status "honeyd -n accepts the 257-personality config" 0 \
    "$HONEYD" -n -f "$TB_TMP/many.conf" -p "$PRINTS"
cp "$TB_TMP/many.conf" "$live"
honeyd_reload 'the engine refused it' ||
	tb_fail "the parent logs the engine's refusal" "$(honeyd_log | tail -n 5)"
check_match "the engine says why" \
    "engine: new configuration refused: 257 personalities in use; the engine holds at most 256" \
    "$(honeyd_log)"
check_match "the parent logs the reason and keeps the running one" \
    "configuration not reloaded: the engine refused it: 257 personalities.*keeping the running one" \
    "$(honeyd_log)"
check "daemon still running after the engine's refusal" kill -0 "$HONEYD_PID"
check_eq "the refused config's new address stays unclaimed" 0 \
    "$(ping_count 198.19.2.30 2)"
check_eq "the running config's addresses still answer" "3 3" \
    "$(ping_count 198.19.2.10) $(ping_count 198.19.2.20)"
check_eq "port 80 is still open" "80/open" "$(states 198.19.2.10 tcp 80)"

# A bad p0f file (-0 names a directory now) is refused, not fatal; a
# garbled one only costs the signatures it garbles.
webconf reset 198.19.2.10 198.19.2.20 >"$live"
rm -f "$p0f"
mkdir "$p0f"
honeyd_reload 'configuration not reloaded: errors above' ||
	tb_fail "the parent refuses a reload with a bad p0f file" \
	    "$(honeyd_log | tail -n 5)"
check "daemon still running after a bad p0f file" kill -0 "$HONEYD_PID"
check_match "the p0f file's error is logged" "p0f signatures $p0f" \
    "$(honeyd_log)"
check_eq "the running config stays: 80 open" "80/open" \
    "$(states 198.19.2.10 tcp 80)"
rmdir "$p0f"
printf '[tcp:request]\nlabel = s:unix:Linux:3.x\nsig = garbage\n' >"$p0f"
honeyd_reload 'configuration loaded \(reload 2\)' ||
	tb_fail "a garbled p0f file still reloads" "$(honeyd_log | tail -n 5)"
check_eq "after it: 80 reset" "80/closed" "$(states 198.19.2.10 tcp 80)"
check "daemon still running" kill -0 "$HONEYD_PID"

# The first configuration is a transaction too: refused at start, it
# is fatal, with the engine's reason.
honeyd_stop
out=$(in_s timeout 30 "$HONEYD" -d -i "$IF_S" -f "$TB_TMP/many.conf" \
    -p "$PRINTS" -P "$TB_TMP/refused.pid" 2>&1)
check_eq "a config the engine refuses at start: exit status 1" 1 "$?"
check_match "and the parent says why" \
    "parent: the engine refused the configuration: 257 personalities" \
    "$out"
check_nomatch "no engine ready" "engine ready" "$out"
check_nomatch "no sanitizer report at that exit" "Sanitizer|runtime error" \
    "$out"

tb_finish
