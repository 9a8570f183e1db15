#!/bin/bash
# Privilege separation, audited from /proc while the daemon runs: a root
# parent and one engine child that is unprivileged, chrooted, without
# capabilities and with no_new_privs.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require ps gdb

conf=$(tb_base_conf </dev/null)
# -v: the engine says how it is sandboxed.
honeyd_start "$conf" -v 198.19.0.0/16

# status_field PID FIELD: a field of /proc/PID/status, tabs as spaces.
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null |
	    tr -s '\t ' ' ' | sed 's/ $//'
}

parent=$HONEYD_PID
# Every process in the sensor namespace is the daemon's.
all=$(honeyd_pids | sort -n | tr '\n' ' ' | sed 's/ $//')
check_eq "two honeyd processes in the sensor namespace" 2 \
    "$(echo $all | wc -w)" || ps -o pid,ppid,uid,args -p "${all// /,}" |
    sed 's/^/#   /'
engine=$(pgrep -P "$parent" | head -n 1)
check_match "the parent has a child (the engine)" '^[0-9]+$' "$engine"
[ -n "$engine" ] || tb_abort "no engine process to audit"
check_eq "the parent's only child is the engine" "$engine" \
    "$(pgrep -P "$parent" | tr '\n' ' ' | sed 's/ $//')"
check_eq "both processes run the same program" \
    "$(readlink "/proc/$parent/exe")" "$(readlink "/proc/$engine/exe")"

tb_note "parent $parent: $(ps -o uid=,comm= -p "$parent")"
tb_note "engine $engine: $(ps -o uid=,comm= -p "$engine")"

# Parent: root (real, effective, saved, filesystem).
check_eq "parent uid 0 (real effective saved fs)" "0 0 0 0" \
    "$(status_field "$parent" Uid)"

# Engine: no uid or gid 0 anywhere, no supplementary groups.
uids=$(status_field "$engine" Uid)
gids=$(status_field "$engine" Gid)
check_match "engine uids (real effective saved fs) all non-zero: $uids" \
    '^[1-9][0-9]* [1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$' "$uids"
check_match "engine gids (real effective saved fs) all non-zero: $gids" \
    '^[1-9][0-9]* [1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$' "$gids"
# Supplementary groups: none, or only its own group (setgroups(1, &gid)).
egid=${gids%% *}
groups=$(status_field "$engine" Groups)
check_match "engine's supplementary groups: none or its own ($groups)" \
    "^($egid)?\$" "$groups"
check_eq "engine's root directory is the chroot $HONEYD_CHROOT" \
    "$HONEYD_CHROOT" "$(readlink "/proc/$engine/root")"
check_eq "engine's working directory is inside the chroot" \
    "$HONEYD_CHROOT" "$(readlink "/proc/$engine/cwd")"
check_eq "engine CapEff is empty" 0000000000000000 \
    "$(status_field "$engine" CapEff)"
check_eq "engine CapPrm is empty" 0000000000000000 \
    "$(status_field "$engine" CapPrm)"
check_eq "engine NoNewPrivs is 1" 1 "$(status_field "$engine" NoNewPrivs)"
# The sandbox (privsep/sandbox.c): a seccomp filter (mode 2; 1 would be
# strict mode), and no new processes.
check_eq "engine Seccomp is 2 (filter)" 2 "$(status_field "$engine" Seccomp)"
filters=$(status_field "$engine" Seccomp_filters)
if [ -n "$filters" ]; then
	check_match "engine has a seccomp filter ($filters)" '^[1-9][0-9]*$' \
	    "$filters"
else
	tb_skip "engine has a seccomp filter" \
	    "no Seccomp_filters in /proc/PID/status (a kernel before 5.9)"
fi
check_eq "engine may not fork (RLIMIT_NPROC 0)" "0 0" \
    "$(awk '/^Max processes/ { print $3, $4 }' "/proc/$engine/limits")"
check_eq "parent has no seccomp filter" 0 "$(status_field "$parent" Seccomp)"
sandbox=$(honeyd_log | grep 'engine: sandbox: ')
re='^engine: sandbox: seccomp filter'
re="$re(, Landlock ABI [1-9][0-9]*|; no Landlock in this kernel)\$"
check_match "engine logged its sandbox: ${sandbox#engine: }" "$re" "$sandbox"

# Besides the standard streams (the log, with -d), the engine holds no
# file of the host's filesystem open: configuration and fingerprints are
# the parent's to read.
fds=$(for fd in /proc/"$engine"/fd/*; do
	n=${fd##*/}
	[ "$n" -gt 2 ] || continue
	t=$(readlink "$fd") || continue
	case $t in
	/dev/null | /dev/urandom | /dev/random) ;;
	/*) echo "fd $n -> $t" ;;
	esac
done)
check_eq "engine has no host file open beyond fds 0-2" "" "$fds"

# The engine is a fresh exec of the program (honeyd -X engine), not a
# fork holding the parent's memory: its libraries sit where address
# space randomization put them for it, and it is the smaller process,
# having only what it was sent (the parent read the whole fingerprint
# file).
map_base() {
	grep -m 1 -E '/libc[.-]' "/proc/$1/maps" | cut -d- -f1
}
if [ "$(cat /proc/sys/kernel/randomize_va_space)" != 0 ]; then
	pbase=$(map_base "$parent")
	ebase=$(map_base "$engine")
	check "the engine's libc ($ebase) is not at the parent's ($pbase)" \
	    test -n "$ebase" -a "$ebase" != "$pbase"
else
	tb_note "no address space randomization: libc bases not compared"
fi
prss=$(status_field "$parent" VmRSS | cut -d' ' -f1)
erss=$(status_field "$engine" VmRSS | cut -d' ' -f1)
check "the engine's RSS (${erss} kB) is below the parent's (${prss} kB)" \
    test "$erss" -lt "$prss"
check_eq "the engine's title says what it is" "honeyd: engine" \
    "$(tr '\0' ' ' <"/proc/$engine/cmdline" | sed 's/ *$//')"
check_eq "the engine runs the parent's program" \
    "$(readlink "/proc/$parent/exe")" "$(readlink "/proc/$engine/exe")"

# And it still works, so the audit saw a live engine.
check "ping 198.19.1.10 answers (engine is working)" ping_ok 198.19.1.10
check_eq "engine is still the same process after the ping" "$engine" \
    "$(pgrep -P "$parent" | head -n 1)"
check_nomatch "the sandbox refused the engine nothing" \
    'sandbox: refused|engine terminated' "$(honeyd_log)"

# Daemonized, the engine logs through syslog(3).  Without a syslogd to
# reach (the chroot has no /dev/log), glibc tries a new socket for every
# line: the sandbox must refuse that softly, not kill the engine.
honeyd_stop
pidfile=$TB_TMP/daemon.pid
in_s "$HONEYD" -i "$IF_S" -f "$conf" -p "$(_tb_prints)" -P "$pidfile" \
    -c "$TB_TMP/daemon.sock" 198.19.0.0/16 </dev/null >/dev/null 2>&1
daemon=
for i in $(seq 100); do
	daemon=$(cat "$pidfile" 2>/dev/null)
	[ -z "$daemon" ] || break
	sleep 0.1
done
check_match "daemonized honeyd wrote its pid file" '^[0-9]+$' "$daemon"
[ -n "$daemon" ] || tb_abort "no daemonized honeyd to check"
engine=
for i in $(seq 100); do
	engine=$(pgrep -P "$daemon" | head -n 1)
	[ -z "$engine" ] || break
	sleep 0.1
done
answered=
for i in $(seq 10); do
	ping_ok 198.19.1.10 >/dev/null && answered=1 && break
	sleep 0.5
done
check_eq "daemonized: ping 198.19.1.10 answers" 1 "$answered"
check_eq "daemonized: the engine lives on, sandboxed" 2 \
    "$(status_field "$engine" Seccomp)"
kill -TERM "$daemon" 2>/dev/null
for i in $(seq 50); do
	[ -d "/proc/$daemon" ] || break
	sleep 0.1
done
check "daemonized honeyd exits on SIGTERM" test ! -d "/proc/$daemon"

# A refused system call, end to end: gdb makes the running engine open
# a file, as a careless change to the engine would; the engine names the
# call and dies by SIGSYS, the parent says so and starts a new engine (netns/selfheal.sh).
# The same in the sanitizer build as in the plain one (what make install
# installs): run.sh runs this test against both.
honeyd_start "$conf" 198.19.0.0/16
engine=$(pgrep -P "$HONEYD_PID" | head -n 1)
out=$(timeout 60 gdb -q -nx -p "$engine" -batch \
    -ex 'handle SIGSYS nostop noprint pass' \
    -ex 'call (int)open("/", 0)' 2>&1)
if printf '%s\n' "$out" | grep -q 'ptrace: '; then
	tb_skip "the engine's death by its sandbox" \
	    "gdb cannot attach here: $(printf '%s\n' "$out" | grep 'ptrace: ')"
	tb_finish
fi
for i in $(seq 50); do
	grep -q 'engine restarted' "$HONEYD_LOG" && break
	sleep 0.1
done
check_nomatch "the engine's open() did not return" '^\$1 = ' "$out"
check_match "the engine named the refused call" \
    'engine: sandbox: refused system call [0-9]+ \((open|openat)\)' \
    "$(honeyd_log)"
check_match "the parent logged the engine's death by SIGSYS" \
    "engine terminated by signal $(kill -l SYS)" "$(honeyd_log)"
check_match "the parent started a new engine" 'engine restarted' \
    "$(honeyd_log)"
check "... which answers ping" ping_ok 198.19.1.10
honeyd_stop

tb_finish
