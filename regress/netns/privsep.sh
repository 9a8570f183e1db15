#!/bin/bash
# Privilege separation, audited from /proc while the daemon runs: a root
# parent and one engine child that is unprivileged, chrooted, without
# capabilities and with no_new_privs.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require ps

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default udp action reset
set default default icmp action open

create linux
set linux default tcp action reset
set linux default icmp action open
add linux tcp port 22 open

bind 198.19.1.10 linux
CONF
)
honeyd_start "$conf" 198.19.0.0/16

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
[ -z "$filters" ] ||
	check_match "engine has a seccomp filter ($filters)" '^[1-9][0-9]*$' \
	    "$filters"
check_eq "engine may not fork (RLIMIT_NPROC 0)" "0 0" \
    "$(awk '/^Max processes/ { print $3, $4 }' "/proc/$engine/limits")"
check_eq "parent has no seccomp filter" 0 "$(status_field "$parent" Seccomp)"

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

# And it still works, so the audit saw a live engine.
check "ping 198.19.1.10 answers (engine is working)" ping_ok 198.19.1.10
check_eq "engine is still the same process after the ping" "$engine" \
    "$(pgrep -P "$parent" | head -n 1)"
check_nomatch "the sandbox refused the engine nothing" \
    'sandbox: refused|engine terminated' "$(honeyd_log)"

tb_finish
