#!/bin/bash
# -j syslog: the JSON events as syslog datagrams, received by a real
# rsyslogd with a config of our own.  On a unix socket (syslog:PATH, in
# the format syslog(3) uses, which rsyslog's imuxsock parses as it is)
# and over UDP to a collector (syslog:udp:ADDR:PORT, RFC 5424).  Every
# event arrives, as JSON that parses, with app-name honeyd, the sensor's
# host name and the engine's pid; a syslog daemon that stops does not
# stop honeyd (drops are counted) and SIGUSR1 connects to the new one;
# a socket that is not there at start is a clear error.  Plain
# "-j syslog" runs in a mount namespace whose /dev/log is our socket.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require rsyslogd nc "$TB_PY"

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default icmp action open

create t
set t default tcp action reset
set t default icmp action open
add t tcp port 22 open
bind 198.19.1.10 t
CONF
)
H=198.19.1.10
SOCK=$TB_TMP/log.sock
RCVD=$TB_TMP/received
RS_PID=$TB_TMP/rsyslog.pid
HOST=$(hostname)

# The collector runs in A, "the network": its unix socket is a file
# that S sees too, its UDP port is on A's address.
mkdir -p "$TB_TMP/rsyslog"
cat >"$TB_TMP/rsyslog.conf" <<EOF
global(workDirectory="$TB_TMP/rsyslog")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$SOCK")
module(load="imudp")
input(type="imudp" address="$ADDR_A" port="5514")
template(name="ev" type="string"
    string="%inputname% %app-name% %procid% %msgid% %hostname% %pri% %msg%\n")
*.* action(type="omfile" file="$RCVD" template="ev")
EOF

rsyslog_start() {
	local i
	rm -f "$SOCK" "$RS_PID"
	in_a rsyslogd -n -f "$TB_TMP/rsyslog.conf" -i "$RS_PID" \
	    >"$TB_TMP/rsyslog.log" 2>&1 &
	for i in $(seq 50); do
		[ -S "$SOCK" ] && [ -s "$RS_PID" ] && return 0
		sleep 0.1
	done
	return 1
}

rsyslog_stop() {
	local pid i
	[ -s "$RS_PID" ] || return 0
	pid=$(cat "$RS_PID")
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null
}

# wait_for REGEX: until a received line matches (5 s at most).
wait_for() {
	local i
	for i in $(seq 50); do
		grep -Eq -- "$1" "$RCVD" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# received INPUT: the JSON texts that came in by INPUT (imuxsock,
# imudp), one a line, after checking each line's syslog fields: app-name
# honeyd, procid an engine's, host name, facility daemon and severity
# info (30), and for RFC 5424 the event as MSGID.
received() {
	"$TB_PY" - "$RCVD" "$1" "$ENGINE_PID" "$HOST" <<'PY'
import json, sys
path, want, pid, host = sys.argv[1:5]
for n, line in enumerate(open(path), 1):
    f = line.rstrip("\n").split(" ", 6)
    if f[0] != want:
        continue
    ev = json.loads(f[6])
    bad = []
    if f[1] != "honeyd": bad.append("app-name " + f[1])
    if f[2] not in pid.split(","):
        bad.append("procid %s, engines %s" % (f[2], pid))
    if f[4] != host: bad.append("hostname " + f[4])
    if f[5] != "30": bad.append("pri " + f[5])
    if want == "imudp" and f[3] != ev["event"]:
        bad.append("msgid " + f[3])
    if bad:
        sys.exit("line %d: %s: %s" % (n, "; ".join(bad), line))
    print(json.dumps(ev, separators=(",", ":")))
PY
}

# The engines' pids, comma separated: with -e N any of them may log.
engine_pid() {
	ps -o pid= --ppid "$HONEYD_PID" | tr -d ' ' | paste -sd, -
}

check "rsyslogd starts with its own config (socket $SOCK)" rsyslog_start ||
	tb_abort "rsyslogd running" "$(cat "$TB_TMP/rsyslog.log")"

# ------------------------------------------------ a local unix socket
P=$TB_TMP/packets.log
honeyd_start "$conf" -l "$P" -j "syslog:$SOCK" 198.19.0.0/16
ENGINE_PID=$(engine_pid)
ping_ok $H >/dev/null
in_a timeout 5 nc -z $H 22
wait_for '"event":"connection_end"'
sleep 0.5
U=$TB_TMP/unix.json
received imuxsock >"$U"
check "unix socket: every line has honeyd's syslog fields, JSON that parses" \
    test $? -eq 0
out=$("$TB_PY" "$TB_TOOLS/check_events.py" "$U")
check "unix socket: every event has its documented fields" test $? -eq 0
tb_note "$(echo "$out" | tr '\n' ' ')"
u=$(cat "$U")
check_match "unix socket: the ping's ICMP events" \
    '"event":"icmp","proto":"icmp","src_ip":"198\.18\.0\.1","dst_ip":"198\.19\.1\.10","icmp_type":8,"icmp_code":0' "$u"
check_match "unix socket: the TCP connection" \
    '"event":"connection_start","proto":"tcp","src_ip":"198\.18\.0\.1",.*"dst_ip":"198\.19\.1\.10","dst_port":22' "$u"
check_match "unix socket: and its end" \
    '"event":"connection_end",.*"dst_port":22,' "$u"
# The same events the packet log has.
check_eq "unix socket: as many ICMP events as the packet log has" \
    "$(grep -c 'icmp(1) -' "$P")" "$(grep -c '"event":"icmp"' "$U")"
check_eq "unix socket: as many connections as the packet log has" \
    "$(grep -c 'tcp(6) S' "$P")" \
    "$(grep -c '"event":"connection_start"' "$U")"

# The syslog daemon goes away: honeyd goes on, counting what it drops.
check "rsyslogd stopped" rsyslog_stop
check "rsyslogd gone: honeyd still answers pings" ping_ok $H
check "rsyslogd gone: honeyd still runs" _tb_alive "$HONEYD_PID"
check_eq "rsyslogd gone: the engine says so, once" 1 \
    "$(grep -c 'syslog: events dropped until SIGUSR1 connects again' \
    "$HONEYD_LOG")"
# SIGUSR1 with no daemon there: said, and honeyd goes on.
kill -USR1 "$HONEYD_PID"
for i in $(seq 50); do
	grep -q 'not connected again' "$HONEYD_LOG" && break
	sleep 0.1
done
check_match "rsyslogd gone: SIGUSR1 says it cannot connect" \
    "-j syslog:.*: not connected again: cannot send to it: " "$(honeyd_log)"
check "rsyslogd gone, SIGUSR1: honeyd still answers pings" ping_ok $H
# A new one, and SIGUSR1: the events come again.
check "rsyslogd started again" rsyslog_start
kill -USR1 "$HONEYD_PID"
for i in $(seq 50); do
	[ "$(grep -c 'reopening log files' "$HONEYD_LOG")" -ge 2 ] && break
	sleep 0.1
done
sleep 0.3
ping_ok $H >/dev/null
check "SIGUSR1: events reach the new rsyslogd" wait_for \
    '^imuxsock honeyd .*"event":"icmp"'
honeyd_stop
check_match "the exit log counts the events dropped meanwhile" \
    'log dropped [1-9][0-9]*' "$(honeyd_log)"

# ------------------------------------------------ UDP to a collector
: >"$RCVD"
P=$TB_TMP/packets-udp.log
honeyd_start "$conf" -l "$P" -j "syslog:udp:$ADDR_A:5514" 198.19.0.0/16
ENGINE_PID=$(engine_pid)
ping_ok $H >/dev/null
in_a timeout 5 nc -z $H 22
wait_for '"event":"connection_end"'
sleep 0.5
D=$TB_TMP/udp.json
received imudp >"$D"
check "UDP: every line has honeyd's RFC 5424 fields (MSGID the event)" \
    test $? -eq 0
out=$("$TB_PY" "$TB_TOOLS/check_events.py" "$D")
check "UDP: every event has its documented fields" test $? -eq 0
tb_note "$(echo "$out" | tr '\n' ' ')"
d=$(cat "$D")
check_match "UDP: the ping's ICMP events" \
    '"event":"icmp","proto":"icmp","src_ip":"198\.18\.0\.1","dst_ip":"198\.19\.1\.10","icmp_type":8' "$d"
check_match "UDP: the TCP connection" \
    '"event":"connection_start","proto":"tcp",.*"dst_port":22' "$d"
check_eq "UDP: every event arrived" \
    "$(grep -c 'icmp(1) -' "$P")" "$(grep -c '"event":"icmp"' "$D")"
# The collector away: its port unreachable costs a few events; back,
# it gets them again without SIGUSR1 (UDP has no connection to lose).
check "UDP: collector stopped" rsyslog_stop
check "UDP: collector gone: honeyd still answers pings" ping_ok $H
check "UDP: collector restarted" rsyslog_start
: >"$RCVD"
ping_ok $H >/dev/null
check "UDP: it gets events again, no SIGUSR1 needed" wait_for \
    '^imudp honeyd .*"event":"icmp"'
honeyd_stop
check_match "UDP: the refused events were counted" \
    'log dropped [1-9][0-9]*' "$(honeyd_log)"

# ------------------------------------------------ plain -j syslog: /dev/log
# honeyd in a mount namespace of its own, whose /dev has null, zero,
# urandom and, when $0 is not empty, log: a link to our socket.
# shellcheck disable=SC2016	# expanded by that sh
DEVLOG_SH='mount -t tmpfs -o mode=755 tmpfs /dev &&
	mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
	mknod -m 666 /dev/urandom c 1 9 &&
	{ [ -z "$0" ] || ln -s "$0" /dev/log; } && exec "$@"'
devlog_honeyd() {
	local link=$1
	shift
	in_s timeout 10 unshare -m --propagation private sh -c "$DEVLOG_SH" \
	    "$link" "$HONEYD" -d -i "$IF_S" -f "$conf" -p "$(_tb_prints)" \
	    -P "$TB_TMP/honeyd.pid" -c "$TB_TMP/honeyd.sock" "$@"
}
: >"$RCVD"
HONEYD_NSTART=$((HONEYD_NSTART + 1))
HONEYD_LOG=$TB_TMP/honeyd.$HONEYD_NSTART.log
# Not through a function in the background: $! must be honeyd (ip netns
# exec, unshare and sh each exec the next).
ip netns exec "$NS_S" unshare -m --propagation private sh -c "$DEVLOG_SH" \
    "$SOCK" "$HONEYD" -d -i "$IF_S" -f "$conf" -p "$(_tb_prints)" \
    -P "$TB_TMP/honeyd.pid" -c "$TB_TMP/honeyd.sock" -j syslog \
    198.19.0.0/16 </dev/null >"$HONEYD_LOG" 2>&1 &
HONEYD_PID=$!
for _ in $(seq $((HONEYD_START_TIMEOUT * 10))); do
	grep -q 'engine ready' "$HONEYD_LOG" 2>/dev/null && break
	_tb_alive "$HONEYD_PID" || break
	sleep 0.1
done
check "-j syslog: honeyd up, /dev/log being our socket" \
    grep -q 'engine ready' "$HONEYD_LOG" ||
	tb_abort "honeyd -j syslog up" "$(tail -n 15 "$HONEYD_LOG")"
ENGINE_PID=$(engine_pid)
ping_ok $H >/dev/null
check "-j syslog: the ping's events reach rsyslogd through /dev/log" \
    wait_for '^imuxsock honeyd .*"event":"icmp","proto":"icmp","src_ip":"198\.18\.0\.1"'
sleep 0.3
received imuxsock >/dev/null
check "-j syslog: with honeyd's syslog fields" test $? -eq 0
# A syslog daemon that does not read (stopped): its socket's queue
# fills, and honeyd drops events rather than wait for it.
kill -STOP "$(cat "$RS_PID")"
check_eq "rsyslogd not reading: honeyd answers 40 pings in a row" 40 \
    "$(in_a timeout 20 ping -n -q -c 40 -i 0.05 -W 2 $H 2>&1 |
    sed -n 's/.* \([0-9]*\) received.*/\1/p')"
kill -CONT "$(cat "$RS_PID")"
honeyd_stop
check_match "rsyslogd not reading: the events it could not take are counted" \
    'log dropped [1-9][0-9]*' "$(honeyd_log)"
check_nomatch "rsyslogd not reading: a full queue is no error to report" \
    'syslog: events dropped' "$(honeyd_log)"
out=$(devlog_honeyd "" -j syslog 198.19.0.0/16 </dev/null 2>&1)
rc=$?
check "no /dev/log: honeyd -j syslog does not start" test "$rc" -ne 0 -a \
    "$rc" -ne 124
check_match "no /dev/log: and says why" \
    "-j syslog \(/dev/log\): cannot send to it: No such file or directory" \
    "$out"
check "rsyslogd stopped at the end" rsyslog_stop

# ------------------------------------------------ no socket at start
out=$(in_s timeout 10 "$HONEYD" -d -i "$IF_S" -f "$conf" -p "$(_tb_prints)" \
    -P "$TB_TMP/honeyd.pid" -c "$TB_TMP/honeyd.sock" \
    -j "syslog:$TB_TMP/nonexistent" 198.19.0.0/16 2>&1)
rc=$?
check "no socket: honeyd does not start" test "$rc" -ne 0 -a "$rc" -ne 124
check_match "no socket: and says why" \
    "-j syslog:$TB_TMP/nonexistent \($TB_TMP/nonexistent\): cannot send to it: No such file or directory" \
    "$out"
# As a daemon too: said on stderr before it goes to the background.
out=$(in_s timeout 10 "$HONEYD" -i "$IF_S" -f "$conf" -p "$(_tb_prints)" \
    -P "$TB_TMP/honeyd.pid" -c "$TB_TMP/honeyd.sock" \
    -j "syslog:$TB_TMP/nonexistent" 198.19.0.0/16 2>&1)
rc=$?
check_eq "no socket, no -d: honeyd exits with status 1" 1 "$rc"
check_match "no socket, no -d: and says why on stderr" \
    "-j syslog:$TB_TMP/nonexistent .*No such file or directory" "$out"
out=$(in_s timeout 10 "$HONEYD" -d -i "$IF_S" -f "$conf" -p "$(_tb_prints)" \
    -P "$TB_TMP/honeyd.pid" -c "$TB_TMP/honeyd.sock" \
    -j "syslog:udp:198.18.0.1" 198.19.0.0/16 2>&1)
check_match "a bad collector address: honeyd does not start, says why" \
    "-j syslog:udp:198\.18\.0\.1 \(udp:198\.18\.0\.1\): expected syslog:udp:ADDR:PORT" \
    "$out"
sleep 0.5
check_eq "no process left in the sensor namespace" "" "$(honeyd_pids)"

tb_finish
