#!/bin/bash
# make install and uninstall into a staging tree (DESTDIR), and honeyd
# run as its systemd unit would run it:
#  - install lays out the expected files, creates no user (DESTDIR),
#    and never overwrites an operator's configuration; its manual pages
#    render without a warning;
#  - systemd-analyze verify accepts the installed unit (when there);
#  - the installed binary, started with the unit's ExecStart line (paths
#    moved into the staging tree, HONEYD_OPTS for the testbed), under
#    the unit's CapabilityBoundingSet and NoNewPrivileges, stays in the
#    foreground, tells $NOTIFY_SOCKET (an abstract name) READY=1 with
#    its own pid, answers ping and runs an installed service script;
#    SIGHUP reports RELOADING=1 then READY=1, a bad reload too;
#  - with -d and a socket path, READY=1 comes after "engine ready";
#  - uninstall removes every file install wrote but the changed config.
# The build under test is installed as it is (NOBUILD=1, OBJ=its dir).
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require make curl setpriv groff "$TB_PY"

OBJDIR=$(dirname "$HONEYD")
ROOT=$TB_TMP/root
UNIT=$ROOT/lib/systemd/system/honeyd.service
INST=(make -s --no-print-directory NOBUILD=1 OBJ="$OBJDIR" DESTDIR="$ROOT"
    PREFIX=/usr)

# ---------------------------------------------------------------- install

user_before=$(getent passwd _honeyd)
out=$("${INST[@]}" install 2>&1)
check_eq "make install DESTDIR=... PREFIX=/usr succeeds" 0 "$?" ||
    tb_abort "install" "$out"
check_match "install says it creates no user in a staging tree" \
    "DESTDIR is a staging tree: not creating the user _honeyd" "$out"
check_eq "no user created or changed on the real system" "$user_before" \
    "$(getent passwd _honeyd)"

expected="etc/default/honeyd
etc/honeyd/honeyd.conf
etc/logrotate.d/honeyd
lib/systemd/system/honeyd.service
usr/lib/honeyd/honeyd_preload.so
usr/sbin/honeyd
usr/share/honeyd/nmap.prints
usr/share/man/man5/honeyd.conf.5
usr/share/man/man8/honeyd.8"
for f in conf/*.conf; do
	expected="$expected
usr/share/honeyd/examples/${f#conf/}"
done
for f in scripts/*.sh; do
	expected="$expected
usr/share/honeyd/$f"
done
[ ! -f "$OBJDIR/honeydctl" ] || expected="$expected
usr/sbin/honeydctl"
[ ! -f honeydctl/honeydctl.8 ] || expected="$expected
usr/share/man/man8/honeydctl.8"
expected=$(printf '%s\n' "$expected" | sort)
installed=$(cd "$ROOT" && find . -type f | sed 's|^\./||' | sort)
check_eq "install wrote exactly the expected files" "$expected" "$installed"
check "installed honeyd is the build under test" cmp "$HONEYD" \
    "$ROOT/usr/sbin/honeyd"
check "chroot directory var/empty made, mode 755" \
    test "$(stat -c %a "$ROOT/var/empty")" = 755
check_match "unit has the install's paths substituted" \
    "^ExecStart=/usr/sbin/honeyd -F -f /etc/honeyd/honeyd.conf " \
    "$(cat "$UNIT")"
check_nomatch "no @VARIABLE@ left in unit and logrotate file" "@[A-Z]+@" \
    "$(cat "$UNIT" "$ROOT/etc/logrotate.d/honeyd")"
check_match "logrotate snippet signals only the main process" \
    "systemctl kill --kill-who=main --signal=USR1 honeyd.service" \
    "$(cat "$ROOT/etc/logrotate.d/honeyd")"

for f in "$ROOT"/usr/share/man/man*/*; do
	check_eq "groff: no warning in ${f#"$ROOT"/}" "" \
	    "$(groff -mandoc -ww -z "$f" 2>&1)"
done

if command -v systemd-analyze >/dev/null 2>&1; then
	# The unit names /usr/sbin/honeyd, which verify wants to find.
	sed "s|=/usr/sbin/honeyd|=$ROOT/usr/sbin/honeyd|" "$UNIT" \
	    >"$TB_TMP/honeyd.service"
	out=$(systemd-analyze verify --man=no "$TB_TMP/honeyd.service" 2>&1)
	check_eq "systemd-analyze verify: no complaint about the unit" "" \
	    "$out"
else
	tb_note "no systemd-analyze here: the unit is not verified"
fi

# ------------------------------------------- notify listener (python3)

cat >"$TB_TMP/notify.py" <<'PY'
# notify.py ADDR OUT [LOG]: receive sd_notify datagrams on ADDR ('@' for
# an abstract name), one line each in OUT; with LOG, whether LOG held
# "engine ready" when the datagram came.
import os, socket, sys
addr, out = sys.argv[1], sys.argv[2]
log = sys.argv[3] if len(sys.argv) > 3 else None
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".bound", "w").close()
with open(out, "a") as f:
    while True:
        d = s.recv(4096).decode(errors="replace")
        line = " ".join(x for x in d.split("\n") if x)
        if log is not None:
            with open(log, errors="replace") as lf:
                seen = "engine ready" in lf.read()
            line += " engine-ready-logged=" + ("yes" if seen else "no")
        f.write(line + "\n")
        f.flush()
PY

# wait_line FILE REGEX [N]: until FILE has N (1) lines matching, 10 s.
wait_line() {
	local i
	for i in $(seq 100); do
		[ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] &&
		    return 0
		sleep 0.1
	done
	return 1
}

# --------------------------------------- the unit's command line, run

# ExecStart with every installed path moved under $ROOT; HONEYD_OPTS
# (the EnvironmentFile's) gets the testbed's interface and networks, and
# a control socket of our own.
logdir=$ROOT/var/log/honeyd
mkdir -p "$logdir"
opts="-c $TB_TMP/ctl.sock -S $ROOT/usr/share/honeyd -i $IF_S 198.19.0.0/17"
execstart=$(sed -n 's/^ExecStart=//p' "$UNIT" |
    sed -e "s| /| $ROOT/|g" -e "s|^/|$ROOT/|" -e "s|\$HONEYD_OPTS|$opts|")
read -ra cmd <<<"$execstart"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT" | tr 'A-Z' 'a-z' |
    sed -e 's/cap_//g' -e 's/ /,+/g')
check_match "unit sets NoNewPrivileges=yes" "^NoNewPrivileges=yes" \
    "$(cat "$UNIT")"
tb_note "unit's capabilities: $caps"
tb_note "unit's command: ${cmd[*]}"

nsock=@honeyd-notify-$TB_ID
ip netns exec "$NS_S" "$TB_PY" "$TB_TMP/notify.py" "$nsock" \
    "$TB_TMP/notify.a" &
listener=$!
for i in $(seq 50); do
	[ -e "$TB_TMP/notify.a.bound" ] && break
	sleep 0.1
done
ip netns exec "$NS_S" env NOTIFY_SOCKET="$nsock" setpriv --no-new-privs \
    --bounding-set="-all,+$caps" -- "${cmd[@]}" </dev/null \
    >"$TB_TMP/unit.log" 2>&1 &
unitpid=$!

if check "READY=1 reaches the abstract \$NOTIFY_SOCKET" \
    wait_line "$TB_TMP/notify.a" "READY=1"; then
	check_match "READY=1 names MAINPID, the process started: -F does not daemonize" \
	    "READY=1 MAINPID=$unitpid( |$)" "$(cat "$TB_TMP/notify.a")"
	check "ping 198.19.1.10 (the installed honeyd.conf's linuxweb) answers" \
	    ping_ok 198.19.1.10
	out=$(in_a timeout 10 curl -s -i http://198.19.1.10/ 2>&1)
	check_match "installed scripts/web.sh serves under the unit's capabilities" \
	    "^Server: Apache/2.4.41" "$out"
	check "packet log in the unit's log directory records the ping" \
	    grep -q "icmp(1) .* 198.19.1.10" "$logdir/packets.log"
	check "JSON log in the unit's log directory" \
	    test -s "$logdir/events.json"

	kill -HUP "$unitpid"
	check "SIGHUP: RELOADING=1, then READY=1 again" \
	    wait_line "$TB_TMP/notify.a" "READY=1" 2
	check_match "RELOADING=1 says when (MONOTONIC_USEC)" \
	    "^RELOADING=1 MONOTONIC_USEC=[0-9]+$" "$(cat "$TB_TMP/notify.a")"
	echo "this is not a statement" >>"$ROOT/etc/honeyd/honeyd.conf"
	kill -HUP "$unitpid"
	check "a bad reload ends with READY=1 too" \
	    wait_line "$TB_TMP/notify.a" "READY=1" 3
	check_match "and says why in STATUS" \
	    "STATUS=configuration not reloaded" "$(cat "$TB_TMP/notify.a")"
	check "still answering after the refused reload" ping_ok 198.19.1.10
	check_eq "READY and RELOADING in order: start, reload, bad reload" \
	    "READY=1 RELOADING=1 READY=1 RELOADING=1 READY=1" \
	    "$(grep -oE '^(READY|RELOADING)=1' "$TB_TMP/notify.a" |
	    tr '\n' ' ' | sed 's/ $//')"
else
	tb_note "the unit's honeyd (it logs to syslog):" \
	    "$(tail -n 15 "$TB_TMP/unit.log")"
fi
kill -TERM "$unitpid" 2>/dev/null
for i in $(seq 50); do
	_tb_alive "$unitpid" || break
	sleep 0.1
done
wait "$unitpid"
check_eq "unit's honeyd exits with status 0 on SIGTERM" 0 "$?"
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
check_nomatch "no sanitizer report from the unit's honeyd" "$TB_SAN_RE" \
    "$(cat "$TB_TMP/unit.log")"
check_eq "no process left in the sensor namespace" "" \
    "$(ip netns pids "$NS_S")"

# ------------------------- -d with a socket path: READY after the engine

"$TB_PY" "$TB_TMP/notify.py" "$TB_TMP/notify.sock" "$TB_TMP/notify.b" \
    "$TB_TMP/honeyd.1.log" &
listener=$!
for i in $(seq 50); do
	[ -e "$TB_TMP/notify.b.bound" ] && break
	sleep 0.1
done
HONEYD=$ROOT/usr/sbin/honeyd
PRINTS=$ROOT/usr/share/honeyd/nmap.prints
export NOTIFY_SOCKET=$TB_TMP/notify.sock
honeyd_start "$ROOT/usr/share/honeyd/examples/honeyd.conf" 198.19.0.0/17
unset NOTIFY_SOCKET
check "READY=1 reaches the \$NOTIFY_SOCKET path" \
    wait_line "$TB_TMP/notify.b" "READY=1"
check_match "READY=1 after \"engine ready\", MAINPID the parent's pid" \
    "^READY=1 MAINPID=$HONEYD_PID engine-ready-logged=yes$" \
    "$(grep READY "$TB_TMP/notify.b")"
check_nomatch "no READY=1 before \"engine ready\"" "engine-ready-logged=no" \
    "$(cat "$TB_TMP/notify.b")"
check "ping answers" ping_ok 198.19.1.10
honeyd_stop
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

# ------------------------------------------------ reinstall, uninstall

out=$("${INST[@]}" install 2>&1)
check_match "a second install keeps the existing honeyd.conf" \
    "keeping the existing $ROOT/etc/honeyd/honeyd.conf" "$out"
check "and does not overwrite it" grep -q "this is not a statement" \
    "$ROOT/etc/honeyd/honeyd.conf"
out=$("${INST[@]}" uninstall 2>&1)
check_match "uninstall keeps the changed honeyd.conf and says so" \
    "keeping $ROOT/etc/honeyd/honeyd.conf" "$out"
check_match "uninstall says the user stays" "the user _honeyd.* stay" "$out"
left=
while read -r f; do
	[ "$f" = etc/honeyd/honeyd.conf ] && continue
	[ ! -e "$ROOT/$f" ] || left="$left $f"
done <<<"$installed"
check_eq "uninstall removed every other file install wrote" "" "$left"
check "the changed honeyd.conf is still there" \
    test -f "$ROOT/etc/honeyd/honeyd.conf"
rm -f "$ROOT/etc/honeyd/honeyd.conf"
check_eq "nothing but logs left in the staging tree" "" \
    "$(cd "$ROOT" && find . -type f ! -path './var/log/*')"

tb_finish
