# shellcheck shell=bash
#
# regress/lib.sh: the network-namespace testbed for honeyd's integration
# tests.  Source it from a test script (bash), then:
#
#	tb_setup			# namespaces A (attacker) and S (sensor)
#	honeyd_start "$conf" 198.19.0.0/16
#	check "desc" cmd args...	# and check_eq, check_match, ...
#	tb_finish			# stops everything, prints the tally
#
# Addresses: only 198.18.0.0/15.  A = 198.18.0.1/24, S = 198.18.0.2/24 on
# one veth pair; A routes 198.19.0.0/16 via S; virtual hosts on A's own
# subnet (198.18.0.64/26) are reached through the daemon's proxy ARP.
#
# Environment:
#	HONEYD		daemon binary (default ./build/honeyd, repository-relative)
#	PRINTS		fingerprint file (default ./nmap.prints if present,
#			else conf/nmap.prints, else an empty file)
#	HONEYD_START_TIMEOUT	seconds to wait for "engine ready" (10)
#	HONEYD_STOP_TIMEOUT	seconds to wait for exit after SIGTERM (5)
#	TB_KEEP=1	keep the temporary directory (logs, configs)
#	TB_VERBOSE=1	print command output of passing checks too
#	TB_TAG		tag put into namespace names (set by regress/run.sh
#			so it can find leftovers of a killed test)
#
# The last line a test prints is "N passed, M failed, K skipped"
# (tb_skip counts the skipped); its exit status
# is non-zero when anything failed.  The testbed is removed on every
# exit path (EXIT/INT/TERM traps), daemons included.

set -u

TB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_REPO=$(cd "$TB_LIB_DIR/.." && pwd)
TB_TOOLS=$TB_LIB_DIR/tools
TB_NAME=$(basename "$0" .sh)
# The distribution's python has python3-scapy; a python3 found earlier
# in PATH (pyenv, venv) may not.
TB_PY=${TB_PY:-/usr/bin/python3}

# Resolve paths given relative to the caller's directory before moving
# to the repository root, where the defaults live.
_tb_abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$PWD/$1" ;;
	esac
}
if [ -n "${HONEYD:-}" ]; then
	HONEYD=$(_tb_abspath "$HONEYD")
else
	HONEYD=$TB_REPO/build/honeyd
fi
if [ -n "${PRINTS:-}" ]; then
	PRINTS=$(_tb_abspath "$PRINTS")
fi
cd "$TB_REPO" || exit 1

HONEYD_START_TIMEOUT=${HONEYD_START_TIMEOUT:-10}
HONEYD_STOP_TIMEOUT=${HONEYD_STOP_TIMEOUT:-5}
HONEYD_CHROOT=${HONEYD_CHROOT:-/var/empty}

export ADDR_A=198.18.0.1
export ADDR_S=198.18.0.2
export NET_AS=198.18.0.0/24
export NET_ROUTED=198.19.0.0/16

TB_PASS=0
TB_FAIL=0
TB_SKIP=0
TB_FINISHED=
TB_TORN=
TB_UP=
TB_TMP=
TB_NS_MADE=
NS_A=
NS_S=
HONEYD_PID=
HONEYD_LOG=
HONEYD_NSTART=0

# Sanitizer reports in a daemon log.  ("LeakSanitizer has encountered a
# fatal error" is not one: LSan cannot run in a chrooted, non-dumpable
# process such as the engine.  It is shown as a note.)
TB_SAN_RE='ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|MemorySanitizer|ThreadSanitizer)|runtime error:'
TB_LSAN_NORUN_RE='LeakSanitizer has encountered a fatal error'

# ---------------------------------------------------------------- output

# tb_pass DESC
tb_pass() {
	TB_PASS=$((TB_PASS + 1))
	printf 'ok - %s\n' "$1"
}

# tb_fail DESC [CONTEXT...]: each CONTEXT argument may hold several lines;
# at most 15 lines of each are shown.
tb_fail() {
	local desc=$1 c
	shift
	TB_FAIL=$((TB_FAIL + 1))
	printf 'FAIL - %s\n' "$desc"
	for c in "$@"; do
		[ -n "$c" ] || continue
		printf '%s\n' "$c" | tail -n 15 | sed 's/^/#   /'
	done
}

# tb_skip DESC WHY: a check not made for a reason outside the suite's
# control (a kernel feature, ptrace forbidden); counted as skipped.  A
# tool regress/deps.sh installs being absent is no reason: tb_require.
tb_skip() {
	TB_SKIP=$((TB_SKIP + 1))
	printf 'skip - %s: %s\n' "$1" "$2"
}

# tb_note TEXT: a comment line, not a check.
tb_note() {
	printf '# %s\n' "$*"
}

# ---------------------------------------------------------------- checks

# check DESC CMD [ARGS...]: passes if CMD exits 0.
check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tb_pass "$desc"
		[ -z "${TB_VERBOSE:-}" ] || [ -z "$out" ] ||
			printf '%s\n' "$out" | sed 's/^/#   /'
	else
		tb_fail "$desc" "command: $* (exit $rc)" "$out"
	fi
	return "$rc"
}

# check_status DESC WANT CMD [ARGS...]: passes if CMD exits with WANT.
check_status() {
	local desc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		tb_pass "$desc"
		[ -z "${TB_VERBOSE:-}" ] || [ -z "$out" ] ||
			printf '%s\n' "$out" | sed 's/^/#   /'
		return 0
	fi
	tb_fail "$desc" "command: $* (exit $rc, wanted $want)" "$out"
	return 1
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		tb_pass "$1"
		return 0
	fi
	tb_fail "$1" "expected: $2" "actual:   $3"
	return 1
}

# check_same DESC A B: A and B are equal and not empty.  For comparing
# two answers with each other: two missing answers are not the same.
check_same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		tb_pass "$1"
		return 0
	fi
	tb_fail "$1" "first:  ${2:-(nothing)}" "second: ${3:-(nothing)}"
	return 1
}

# check_differ DESC A B: A and B are both there and differ.
check_differ() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$2" != "$3" ]; then
		tb_pass "$1"
		return 0
	fi
	tb_fail "$1" "first:  ${2:-(nothing)}" "second: ${3:-(nothing)}"
	return 1
}

# check_all DESC TOTAL COUNT: COUNT of TOTAL things have a property, and
# there are some (TOTAL > 0): every one of none is a failure.
check_all() {
	if is_num "$2" "$3" && [ "$2" -gt 0 ] && [ "$2" -eq "$3" ]; then
		tb_pass "$1"
		return 0
	fi
	tb_fail "$1" "wanted all of ${2:-(nothing)}, and at least one" \
	    "actual: ${3:-(nothing)}"
	return 1
}

# json_lines_ok FILE: FILE holds at least one JSON document, one a line,
# and every line parses: an empty log does not pass for a good one.
json_lines_ok() {
	grep -q '[^[:space:]]' "$1" 2>/dev/null || {
		echo "$1: no event at all"
		return 1
	}
	"$TB_PY" -m json.tool --json-lines "$1" /dev/null
}

# is_num VALUE...: every VALUE is a decimal number (not empty), so that
# arithmetic on a missing answer cannot make 0.
is_num() {
	local v
	for v in "$@"; do
		case $v in
		'' | *[!0-9]*) return 1 ;;
		esac
	done
}

# check_match DESC REGEX TEXT: extended regex, anywhere in TEXT.
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		tb_pass "$1"
		return 0
	fi
	tb_fail "$1" "wanted a match for: $2" "in:" "$3"
	return 1
}

# check_nomatch DESC REGEX TEXT
check_nomatch() {
	if ! printf '%s\n' "$3" | grep -Eq -- "$2"; then
		tb_pass "$1"
		return 0
	fi
	tb_fail "$1" "wanted no match for: $2" "in:" "$(printf '%s\n' "$3" |
	    grep -E -- "$2")"
	return 1
}

# kv KEY TEXT: the value of the first "KEY=value" word in TEXT.
kv() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# ------------------------------------------------------------ lifecycle

# tb_abort DESC [CONTEXT...]: a failed precondition; counts as a failure
# and ends the test (after cleanup).
tb_abort() {
	tb_fail "$@"
	tb_finish
}

# tb_require CMD...: every tool must exist; a missing one fails the test
# (regress/deps.sh installs them).
tb_require() {
	local t missing=
	for t in "$@"; do
		case $t in
		scapy)
			"$TB_PY" -c 'import scapy.all' >/dev/null 2>&1 ||
				missing="$missing python3-scapy($TB_PY)" ;;
		*)
			command -v "$t" >/dev/null 2>&1 || missing="$missing $t" ;;
		esac
	done
	[ -z "$missing" ] ||
		tb_abort "required tools present" \
		    "missing:$missing (run regress/deps.sh test as root)"
}

_tb_on_exit() {
	local rc=$1
	if [ -z "$TB_FINISHED" ]; then
		tb_fail "test script reached its end without tb_finish" \
		    "(exit status $rc)"
		tb_finish
	fi
}

_tb_on_signal() {
	trap '' INT TERM
	if [ -z "$TB_FINISHED" ]; then
		tb_fail "test interrupted by SIG$1"
		tb_finish
	fi
	exit 1
}

trap '_tb_on_exit $?' EXIT
trap '_tb_on_signal INT' INT
trap '_tb_on_signal TERM' TERM
trap '_tb_on_signal HUP' HUP

# tb_finish: stop the daemon (with its checks), remove the testbed,
# print the tally as the last line and exit.
tb_finish() {
	local left
	if [ -n "$TB_FINISHED" ]; then
		exit $((TB_FAIL > 0))
	fi
	TB_FINISHED=1
	honeyd_stop
	if [ -n "$TB_UP" ]; then
		tb_teardown
		left=$(ip netns list 2>/dev/null |
		    awk -v made=" $TB_NS_MADE " 'index(made, " " $1 " ")')
		check_eq "testbed removed (no namespace left)" "" "$left"
	else
		tb_teardown
	fi
	if [ "$TB_PASS" -eq 0 ] && [ "$TB_FAIL" -eq 0 ]; then
		tb_fail "test made no check at all"
	fi
	trap - EXIT INT TERM HUP
	printf '%d passed, %d failed, %d skipped\n' "$TB_PASS" "$TB_FAIL" \
	    "$TB_SKIP"
	exit $((TB_FAIL > 0))
}

# _tb_unique_id: hex pid plus a random suffix; names stay short enough for
# 15-character interface names ("hda" + at most 10).
_tb_unique_id() {
	printf '%x%03x' "$$" $((RANDOM % 4096))
}

# tb_setup: create the two namespaces and the veth pair between them.
tb_setup() {
	local i err
	tb_require ip ethtool ping awk "$TB_PY" timeout
	[ "$(id -u)" -eq 0 ] ||
		tb_abort "running as root" "network namespaces need root"
	for i in 1 2 3 4 5; do
		TB_ID=$(_tb_unique_id)
		NS_A="hd${TB_TAG:+-$TB_TAG}-$TB_ID-a"
		NS_S="hd${TB_TAG:+-$TB_TAG}-$TB_ID-s"
		[ -e "/run/netns/$NS_A" ] || [ -e "/run/netns/$NS_S" ] || break
	done
	IF_A="hda$TB_ID"
	IF_S="hds$TB_ID"
	export TB_ID NS_A NS_S IF_A IF_S

	TB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/honeyd-$TB_NAME.XXXXXX") ||
		tb_abort "temporary directory created"
	# The daemon may drop privileges before touching its files.
	chmod 755 "$TB_TMP"
	export TB_TMP

	TB_UP=1
	# Record each namespace only once it is ours: teardown removes only
	# what this test created.
	err=$(ip netns add "$NS_A" 2>&1) || tb_abort "namespace $NS_A created" "$err"
	TB_NS_MADE="$NS_A"
	err=$(ip netns add "$NS_S" 2>&1) || tb_abort "namespace $NS_S created" "$err"
	TB_NS_MADE="$NS_A $NS_S"
	err=$(
		set -e
		exec 2>&1
		ip -n "$NS_A" link add "$IF_A" type veth peer name "$IF_S" \
		    netns "$NS_S"
		for ns in "$NS_A" "$NS_S"; do
			ip -n "$ns" link set lo up
			# No IPv6 chatter (DAD, router solicitations) on the wire.
			[ ! -d /proc/sys/net/ipv6 ] ||
				ip netns exec "$ns" sysctl -qw \
				    net.ipv6.conf.all.disable_ipv6=1 \
				    net.ipv6.conf.default.disable_ipv6=1
		done
		ip -n "$NS_A" addr add "$ADDR_A/24" dev "$IF_A"
		ip -n "$NS_S" addr add "$ADDR_S/24" dev "$IF_S"
		# The daemon checks checksums on what it captures: with
		# offload, packets from A would carry partial checksums.
		ip netns exec "$NS_A" ethtool -K "$IF_A" rx off tx off \
		    tso off gso off gro off >/dev/null
		ip netns exec "$NS_S" ethtool -K "$IF_S" rx off tx off \
		    tso off gso off gro off >/dev/null
		ip netns exec "$NS_S" sysctl -qw net.ipv4.ip_forward=0
		ip -n "$NS_A" link set "$IF_A" up
		ip -n "$NS_S" link set "$IF_S" up
		ip -n "$NS_A" route add "$NET_ROUTED" via "$ADDR_S"
	) || tb_abort "testbed set up" "$err"

	MAC_S=$(ip netns exec "$NS_S" cat "/sys/class/net/$IF_S/address")
	MAC_A=$(ip netns exec "$NS_A" cat "/sys/class/net/$IF_A/address")
	export MAC_A MAC_S

	# Offload really off on both ends?
	for i in A S; do
		local ns=NS_$i ifc=IF_$i feats
		feats=$(ip netns exec "${!ns}" ethtool -k "${!ifc}" 2>&1 |
		    grep -E '^(tx-checksumming|rx-checksumming|tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):' |
		    grep -v ': off' || true)
		[ -z "$feats" ] ||
			tb_abort "offload disabled on ${!ifc}" "$feats"
	done

	# Bounded wait for carrier on both ends.
	for i in $(seq 50); do
		if ip -n "$NS_A" link show "$IF_A" | grep -q 'state UP' &&
		    ip -n "$NS_S" link show "$IF_S" | grep -q 'state UP'; then
			break
		fi
		sleep 0.1
	done
	tb_note "testbed $TB_ID: $NS_A/$IF_A ($ADDR_A $MAC_A)" \
	    "<-> $NS_S/$IF_S ($ADDR_S $MAC_S), tmp $TB_TMP"
	check "testbed: attacker reaches the sensor's own address" \
	    ping_ok "$ADDR_S" || tb_abort "testbed unusable"
	# Forget S's neighbour entry learnt by that ping; tests start clean.
	ip -n "$NS_A" neigh flush dev "$IF_A" >/dev/null 2>&1 || true
}

# tb_teardown: remove everything tb_setup and honeyd_start made.
# Idempotent; safe on a half-built testbed.
tb_teardown() {
	local ns pids i
	[ -z "$TB_TORN" ] || return 0
	TB_TORN=1
	if [ -n "$HONEYD_PID" ]; then
		kill -KILL "$HONEYD_PID" 2>/dev/null
		wait "$HONEYD_PID" 2>/dev/null
		HONEYD_PID=
	fi
	for ns in $TB_NS_MADE; do
		[ -e "/run/netns/$ns" ] || continue
		# Whatever still runs inside our own namespaces was started
		# by this test: end it, bounded.
		for i in 1 2 3 4 5 6 7 8 9 10; do
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -n "$pids" ] || break
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null
			sleep 0.1
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$TB_TMP" ] && [ -d "$TB_TMP" ]; then
		if [ -n "${TB_KEEP:-}" ]; then
			tb_note "kept $TB_TMP"
		else
			rm -rf -- "$TB_TMP"
		fi
	fi
}

# in_a CMD...: run in the attacker namespace.  in_s: in the sensor's.
in_a() {
	ip netns exec "$NS_A" "$@"
}
in_s() {
	ip netns exec "$NS_S" "$@"
}

# trace_hops OUTPUT: from traceroute -n (-4 or -6), one line per hop:
# "HOP ADDRS RTT..." with ADDRS the answering addresses joined by ","
# ("*" if none) and each RTT in ms.
trace_hops() {
	printf '%s\n' "$1" | awk '$1 ~ /^[0-9]+$/ {
		addrs = ""; rtts = ""
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ ||
			    $i ~ /^[0-9a-f]*:[0-9a-f:]*$/) {
				if (index("," addrs ",", "," $i ",") == 0)
					addrs = addrs (addrs == "" ? "" : ",") $i
			} else if ($(i + 1) == "ms")
				rtts = rtts " " $i
		}
		print $1, (addrs == "" ? "*" : addrs) rtts
	}'
}

# rtts_near WANT HOPLINE [SLACK]: the RTTs of a hop line from
# trace_hops, for a configured round trip of WANT ms.  None may come
# early, and the fastest is within SLACK (2) ms of WANT: on a shared
# machine scheduling only ever adds delay, so the minimum is what
# measures the configured latency.
rtts_near() {
	printf '%s\n' "$2" | awk -v want="$1" -v slack="${3:-2}" '{
		for (i = 3; i <= NF; i++) {
			n++
			if (n == 1 || $i < min) min = $i
			if ($i < want - 0.05) { print $i " ms is earlier than " want; bad = 1 }
		}
	} END {
		if (n == 0) { print "no rtt on: " $0; exit 1 }
		if (min - want > slack) { print "fastest " min " ms, not within " slack " of " want; bad = 1 }
		if (!bad) print n " rtts, fastest " min " ms, within " slack " of " want
		exit bad
	}'
}

# ------------------------------------------------------------- the daemon

_tb_prints() {
	if [ -n "${PRINTS:-}" ]; then
		printf '%s\n' "$PRINTS"
	elif [ -f "$TB_REPO/nmap.prints" ]; then
		printf '%s\n' "$TB_REPO/nmap.prints"
	elif [ -f "$TB_REPO/conf/nmap.prints" ]; then
		printf '%s\n' "$TB_REPO/conf/nmap.prints"
	else
		: >"$TB_TMP/nmap.prints"
		printf '%s\n' "$TB_TMP/nmap.prints"
	fi
}

# _tb_alive PID: running and not a zombie.
_tb_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# honeyd_start CONF [ARGS...]: start the daemon in S, in the foreground
# (-d) of a background job, and wait until it logs "engine ready".
# ARGS usually end with the networks to claim.  The pid and control
# socket go to the test's own directory so that concurrent runs never
# share them.  A daemon that does not come up fails and ends the test.
honeyd_start() {
	local conf=$1 prints i
	shift
	[ -n "$TB_UP" ] || tb_abort "honeyd_start: call tb_setup first"
	[ -z "$HONEYD_PID" ] || honeyd_stop
	[ -x "$HONEYD" ] ||
		tb_abort "honeyd binary exists" "not executable: $HONEYD" \
		    "(build it: make; or set HONEYD=path)"
	[ -r "$conf" ] || tb_abort "config readable" "$conf"
	prints=$(_tb_prints)
	HONEYD_NSTART=$((HONEYD_NSTART + 1))
	HONEYD_LOG=$TB_TMP/honeyd.$HONEYD_NSTART.log
	# HONEYD_ENGINES=N: every test's daemon runs N engines (-e N);
	# 1 unless set, so that a test's pids and counters are one
	# engine's; 0 is honeyd's own default, one per core.
	set -- -e "${HONEYD_ENGINES:-1}" "$@"
	HONEYD_ARGS="-d -i $IF_S -f $conf -p $prints -P $TB_TMP/honeyd.pid -c $TB_TMP/honeyd.sock $*"
	tb_note "starting: $HONEYD $HONEYD_ARGS"
	# Not through in_s: a background function would add a subshell,
	# and $! must be the daemon itself (ip netns exec execs it).
	ip netns exec "$NS_S" "$HONEYD" -d -i "$IF_S" -f "$conf" \
	    -p "$prints" -P "$TB_TMP/honeyd.pid" -c "$TB_TMP/honeyd.sock" \
	    "$@" </dev/null >"$HONEYD_LOG" 2>&1 &
	HONEYD_PID=$!
	for i in $(seq $((HONEYD_START_TIMEOUT * 10))); do
		if grep -q 'engine ready' "$HONEYD_LOG" 2>/dev/null; then
			tb_pass "honeyd up (pid $HONEYD_PID, \"engine ready\" after ~$((i / 10)).$((i % 10))s)"
			return 0
		fi
		_tb_alive "$HONEYD_PID" || break
		sleep 0.1
	done
	if _tb_alive "$HONEYD_PID"; then
		kill -TERM "$HONEYD_PID" 2>/dev/null
		for i in $(seq 20); do
			_tb_alive "$HONEYD_PID" || break
			sleep 0.1
		done
		kill -KILL "$HONEYD_PID" 2>/dev/null
		wait "$HONEYD_PID" 2>/dev/null
		HONEYD_PID=
		tb_fail "honeyd up within ${HONEYD_START_TIMEOUT}s" \
		    "no \"engine ready\" line; log tail:" "$(tail -n 15 "$HONEYD_LOG")"
	else
		wait "$HONEYD_PID" 2>/dev/null
		tb_fail "honeyd up within ${HONEYD_START_TIMEOUT}s" \
		    "daemon exited (status $?); log tail:" \
		    "$(tail -n 15 "$HONEYD_LOG")"
		HONEYD_PID=
	fi
	tb_finish
}

# honeyd_stop: SIGTERM, bounded wait, then checks: it exited, with status
# 0, its other processes are gone, and the log has no sanitizer report.
honeyd_stop() {
	local pid=$HONEYD_PID i rc left san
	[ -n "$pid" ] || return 0
	HONEYD_PID=
	if ! _tb_alive "$pid"; then
		wait "$pid" 2>/dev/null
		rc=$?
		tb_fail "honeyd still running when the test stops it" \
		    "it exited earlier, status $rc; log tail:" \
		    "$(tail -n 15 "$HONEYD_LOG")"
	else
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq $((HONEYD_STOP_TIMEOUT * 10))); do
			_tb_alive "$pid" || break
			sleep 0.1
		done
		if _tb_alive "$pid"; then
			tb_fail "honeyd exits within ${HONEYD_STOP_TIMEOUT}s of SIGTERM" \
			    "$(tail -n 10 "$HONEYD_LOG")"
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		else
			tb_pass "honeyd exits within ${HONEYD_STOP_TIMEOUT}s of SIGTERM"
			wait "$pid" 2>/dev/null
			rc=$?
			if [ "$rc" -eq 0 ]; then
				tb_pass "honeyd exit status 0 after SIGTERM"
			else
				tb_fail "honeyd exit status 0 after SIGTERM" \
				    "status $rc$([ "$rc" -gt 128 ] &&
				    echo " (signal $((rc - 128)))")" \
				    "$(tail -n 10 "$HONEYD_LOG")"
			fi
		fi
	fi
	# The engine (and any service) must go with the parent.
	for i in $(seq 30); do
		left=$(ip netns pids "$NS_S" 2>/dev/null)
		[ -n "$left" ] || break
		sleep 0.1
	done
	if [ -z "$left" ]; then
		tb_pass "no honeyd process left in the sensor namespace"
	else
		tb_fail "no honeyd process left in the sensor namespace" \
		    "$(ps -o pid,ppid,uid,stat,args -p "$(echo $left |
		    tr ' ' ',')" 2>&1)"
	fi
	if grep -q -- "$TB_LSAN_NORUN_RE" "$HONEYD_LOG" 2>/dev/null; then
		tb_note "LeakSanitizer could not run in pid(s)" \
		    "$(grep -- "$TB_LSAN_NORUN_RE" "$HONEYD_LOG" |
		    sed -n 's/^==\([0-9]*\)==.*/\1/p' | tr '\n' ' ')" \
		    "(parent was $pid): no leak check there"
	fi
	san=$(grep -E -A 12 -- "$TB_SAN_RE" "$HONEYD_LOG" 2>/dev/null | head -n 40)
	if [ -z "$san" ]; then
		tb_pass "no sanitizer report in the honeyd log"
	else
		tb_fail "no sanitizer report in the honeyd log" "$san"
		# The whole report is worth having: keep the log.
		cp "$HONEYD_LOG" "${TMPDIR:-/tmp}/honeyd-$TB_NAME-$TB_ID.log" \
		    2>/dev/null && tb_note "full log: ${TMPDIR:-/tmp}/honeyd-$TB_NAME-$TB_ID.log"
	fi
}

# honeyd_log: the current daemon log.
honeyd_log() {
	cat "$HONEYD_LOG" 2>/dev/null
}

# honeyd_reload REGEX: SIGHUP the daemon and wait (5 s at most) until
# one more line of its log matches REGEX than before; status 1 if none
# did.  The caller checks what the reload did.
honeyd_reload() {
	local before i
	before=$(grep -Ec -- "$1" "$HONEYD_LOG")
	kill -HUP "$HONEYD_PID"
	for i in $(seq 50); do
		[ "$(grep -Ec -- "$1" "$HONEYD_LOG")" -gt "$before" ] &&
		    return 0
		sleep 0.1
	done
	return 1
}

# honeyd_pids: the pids of every process in the sensor namespace.
honeyd_pids() {
	ip netns pids "$NS_S" 2>/dev/null
}

# ns_pgrep NS PGREP-ARGS...: the pids pgrep finds that run in network
# namespace NS (pgrep alone sees every namespace's processes, those of
# the tests run beside this one too).
ns_pgrep() {
	local ns=$1 pids p
	shift
	pids=" $(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ') "
	for p in $(pgrep "$@"); do
		case $pids in
		*" $p "*) echo "$p" ;;
		esac
	done
}

# tb_listening FILE: wait (5 s at most) until tcpdump, its stderr going
# to FILE, says it captures: what is sent after that is seen.
tb_listening() {
	local i
	for i in $(seq 50); do
		grep -q 'listening on' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# pgrep_under PID PGREP-ARGS...: the pids pgrep finds that descend from
# PID (a caged service or subsystem has a network namespace of its own).
pgrep_under() {
	local top=$1 p q
	shift
	for p in $(pgrep "$@"); do
		q=$p
		while [ -n "$q" ] && [ "$q" -gt 1 ] && [ "$q" != "$top" ]; do
			q=$(awk '{ print $4 }' "/proc/$q/stat" 2>/dev/null)
		done
		[ "$q" != "$top" ] || echo "$p"
	done
}

# honeyd_engine PARENT: the pid of PARENT's engine (its child whose
# title names it), empty if none runs.
honeyd_engine() {
	local p
	for p in $(pgrep -P "$1"); do
		grep -q engine "/proc/$p/cmdline" 2>/dev/null && echo "$p"
	done | head -n 1
}

# tb_conf NAME: write stdin to $TB_TMP/NAME and print the path.
tb_conf() {
	cat >"$TB_TMP/$1"
	printf '%s\n' "$TB_TMP/$1"
}

# tb_base_conf [NAME]: the configuration several tests start from, with
# stdin's lines (more ports for linux, templates, bindings) inserted
# before linux is bound, so that they apply to it; prints the path.
#   default   TCP and UDP reset, ICMP answered
#   linux     the same, TCP port 22 open; bound to 198.19.1.10
tb_base_conf() {
	{
		cat <<'CONF'
create default
set default default tcp action reset
set default default udp action reset
set default default icmp action open

create linux
set linux default tcp action reset
set linux default udp action reset
set linux default icmp action open
add linux tcp port 22 open
CONF
		cat
		echo "bind 198.19.1.10 linux"
	} | tb_conf "${1:-honeyd.conf}"
}

# tb_ipv6_on NS IFACE ADDR/LEN...: IPv6 on IFACE in namespace NS, quiet
# (no router solicitations, no DAD, on IFACE and on interfaces made
# there later), holding these addresses.
tb_ipv6_on() {
	local ns=$1 ifc=$2 err
	shift 2
	[ -d /proc/sys/net/ipv6 ] ||
	    tb_abort "kernel with IPv6" "no /proc/sys/net/ipv6"
	err=$(
		set -e
		exec 2>&1
		ip netns exec "$ns" sysctl -qw \
		    net.ipv6.conf.all.disable_ipv6=0 \
		    net.ipv6.conf.default.router_solicitations=0 \
		    net.ipv6.conf.default.accept_dad=0 \
		    "net.ipv6.conf.$ifc.disable_ipv6=0" \
		    "net.ipv6.conf.$ifc.router_solicitations=0" \
		    "net.ipv6.conf.$ifc.accept_dad=0"
		for a in "$@"; do
			ip -n "$ns" -6 addr add "$a" dev "$ifc" nodad
		done
	) || tb_abort "IPv6 on $ifc in $ns set up" "$err"
}

# tb_ipv6_on_a ADDR/LEN...: the same on A's end of the link; the
# sensor's own stack stays without IPv6, the daemon speaks for it.
tb_ipv6_on_a() {
	tb_ipv6_on "$NS_A" "$IF_A" "$@"
}

# ---------------------------------------------------------------- probes

# ping_count ADDR [N]: N (3) echo requests from A; prints how many were
# answered.  Bounded: at most N*0.2 s sending plus 2 s of waiting.
ping_count() {
	local n=${2:-3} out
	out=$(in_a timeout $((n + 5)) ping -n -q -c "$n" -i 0.2 -W 2 -w $((n + 2)) \
	    "$1" 2>&1)
	printf '%s\n' "$out" | sed -n 's/.* \([0-9][0-9]*\) \(packets \)\{0,1\}received.*/\1/p' |
	    head -n 1 | grep . || echo 0
}

# ctl_json REQUEST...: a request to this test's daemon on its control
# socket by tools/ctlclient.py; the records, one JSON object a line.
ctl_json() {
	"$TB_PY" "$TB_TOOLS/ctlclient.py" -s "$TB_TMP/honeyd.sock" "$@"
}

# jget KIND KEY: the value of KEY in the first record of KIND on stdin.
jget() {
	"$TB_PY" -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r.get("kind") == sys.argv[1]:
        print(r.get(sys.argv[2], "")); break
' "$1" "$2"
}

# jcount KIND: how many records of KIND on stdin.
jcount() {
	"$TB_PY" -c '
import json, sys
print(sum(1 for l in sys.stdin if json.loads(l).get("kind") == sys.argv[1]))
' "$1"
}

# ping_ok ADDR: at least one of 3 pings is answered.
ping_ok() {
	local got
	got=$(ping_count "$1" 3)
	echo "$got of 3 answered"
	[ "$got" -gt 0 ]
}

# ping_none ADDR: none of 3 pings is answered.
ping_none() {
	local got
	got=$(ping_count "$1" 3)
	echo "$got of 3 answered"
	[ "$got" -eq 0 ]
}

# _tb_expand_ports "22,80,100-102": one port a line.
_tb_expand_ports() {
	local p
	for p in $(printf '%s\n' "$1" | tr ',' ' '); do
		case $p in
		*-*) seq "${p%-*}" "${p#*-}" ;;
		*) echo "$p" ;;
		esac
	done
}

# nmap_port_states ADDR tcp|tcp:-sF|udp PORTS [NMAP ARGS...]: scan from A and
# print "port/state" a line for every port asked for (ports nmap folded
# into "Ignored State" get that state; none at all: "port/unknown").
nmap_port_states() {
	local addr=$1 proto=$2 ports=$3 scan out listed ignored p st
	shift 3
	case $proto in
	tcp) scan=-sS ;;
	tcp:-s[FNXA]) scan=${proto#tcp:} ;;	# FIN, NULL, Xmas, ACK scans
	udp) scan=-sU ;;
	*) echo "nmap_port_states: proto tcp or udp" >&2; return 2 ;;
	esac
	out=$(in_a timeout 120 nmap -n -Pn "$scan" -p "$ports" \
	    --max-retries 2 --host-timeout 90s -oG - "$@" "$addr" 2>&1) || {
		printf '%s\n' "$out" >&2
		return 2
	}
	listed=$(printf '%s\n' "$out" | sed -n 's/.*Ports: \([^\t]*\).*/\1/p' |
	    tr ',' '\n' | sed 's/^ *//' | awk -F/ 'NF > 2 { print $1 "/" $2 }')
	ignored=$(printf '%s\n' "$out" |
	    sed -n 's/.*Ignored State: \([^ ]*\) .*/\1/p' | head -n 1)
	for p in $(_tb_expand_ports "$ports"); do
		st=$(printf '%s\n' "$listed" | awk -F/ -v p="$p" '$1 == p { print $2 }')
		echo "$p/${st:-${ignored:-unknown}}"
	done
}

# tb_packet ARGS...: regress/tools/send_packet.py from A with the testbed's
# interface, MACs and source address filled in (see the script's help).
# Exit: 0 answered, 1 no answer, 2 error.
tb_packet() {
	in_a timeout 40 "$TB_PY" "$TB_TOOLS/send_packet.py" -i "$IF_A" \
	    --dst-mac "$MAC_S" --src "$ADDR_A" "$@"
}

# tb_tcp_session ARGS...: regress/tools/tcp_session.py from A.
tb_tcp_session() {
	in_a timeout 40 "$TB_PY" "$TB_TOOLS/tcp_session.py" -i "$IF_A" "$@"
}
