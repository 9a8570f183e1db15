#!/bin/bash
# regress/run.sh: honeyd's test suite.
#
#   regress/run.sh [--unit-only | --netns-only] [FILE...]
#
# Runs, in order:
#   1. the unit test programs build/regress/unit/test_* and
#      build-asan/regress/unit/test_* (built by the Makefile),
#   2. regress/config/run.sh, if there is one, once with each build's
#      config_check program (build/config_check, build-asan/config_check)
#      and honeyd beside it,
#   3. every regress/netns/*.sh, against the daemon in $HONEYD, or by
#      default against both builds: build-asan/honeyd (the sanitizers
#      see the engine's memory errors) and build/honeyd (what make
#      install installs).  HONEYD_BOTH=0 runs the sanitizer build only.
#      A test with the line "# run.sh: plain build only" (a long one)
#      runs against build/honeyd alone when both builds are tested.
#      RUN_JOBS tests (default 3) run at once, each in namespaces and a
#      directory of its own; their output is kept until each ends and
#      printed whole, in the order they started.  A test with the line
#      "# run.sh: alone" (timing it cannot share) runs with no other.
# Before them, regress/maps.py checks that the READMEs list every file.
# With FILEs, only those (unit programs, regress/config/run.sh,
# regress/maps.py or netns tests, told apart by their path).
#
# Every program ends its output with "N passed, M failed" or "N passed,
# M failed, K skipped"; one that does not, or that crashes or times out
# (TEST_TIMEOUT seconds, default 600), counts as a failure.  The last
# line is the total, "N passed, M failed, K skipped", and the exit status
# is non-zero if anything failed.  The netns tests need root.

set -u

cd "$(dirname "$0")/.." || exit 2
REPO=$PWD

usage() {
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

mode=all
files=()
while [ $# -gt 0 ]; do
	case $1 in
	--unit-only) mode=unit ;;
	--netns-only) mode=netns ;;
	-h|--help) usage ;;
	--) shift; files+=("$@"); break ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) files+=("$1") ;;
	esac
	shift
done

TEST_TIMEOUT=${TEST_TIMEOUT:-600}
RUN_JOBS=${RUN_JOBS:-3}
case $RUN_JOBS in
'' | *[!0-9]* | 0) echo "run.sh: RUN_JOBS must be a number >= 1" >&2; exit 2 ;;
esac
# Namespace names of every test started from here carry this tag, and a
# netns test's its own (TB_TAG-N), so that leftovers of a killed test can
# be found and removed, and told from those of the tests beside it.
RUN_TAG=r$(printf '%x' $$)
TB_TAG=$RUN_TAG
export TB_TAG

# ------------------------------------------------------- what to run

unit_progs=()
config_prog=
maps_prog=
netns_tests=()

is_unit_prog() {
	[ -f "$1" ] && [ -x "$1" ] || return 1
	case $1 in
	*.o|*.d|*.c|*.h|*.a|*.so|*.log|*.dSYM) return 1 ;;
	esac
}

if [ ${#files[@]} -eq 0 ]; then
	for f in build/regress/unit/test_* build-asan/regress/unit/test_*; do
		is_unit_prog "$f" && unit_progs+=("$f")
	done
	[ -f regress/config/run.sh ] && config_prog=regress/config/run.sh
	[ -f regress/maps.py ] && maps_prog=regress/maps.py
	for f in regress/netns/*.sh; do
		[ -f "$f" ] && netns_tests+=("$f")
	done
else
	for f in "${files[@]}"; do
		f=${f#"$REPO"/}
		f=${f#./}
		case $f in
		regress/netns/*.sh|*/regress/netns/*.sh) netns_tests+=("$f") ;;
		regress/config/run.sh) config_prog=$f ;;
		regress/maps.py) maps_prog=$f ;;
		*) unit_progs+=("$f") ;;
		esac
	done
fi
case $mode in
unit) config_prog=; netns_tests=() ;;
netns) unit_progs=(); config_prog=; maps_prog= ;;
esac

# Daemon binaries for the netns tests: "label path" pairs.
variants=()
if [ -n "${HONEYD:-}" ]; then
	variants+=("honeyd=$HONEYD")
else
	variants+=("asan=build-asan/honeyd")
	[ "${HONEYD_BOTH:-1}" = 0 ] || variants+=("plain=build/honeyd")
fi

if [ ${#netns_tests[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
	cat >&2 <<EOF
run.sh: the integration tests (regress/netns/*.sh) need root: they create
network namespaces, veth pairs and raw sockets.  Run the suite as root
(sudo regress/run.sh), or only the unit tests: regress/run.sh --unit-only
EOF
	exit 2
fi

# ---------------------------------------------------------- running

# Each program's output, and the jobs' status files.
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/honeyd-run.XXXXXX") || exit 2

TOTAL_P=0
TOTAL_F=0
TOTAL_S=0
SUMMARY=()
SUMMARY_RE='^([A-Za-z]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'

# record LABEL PASSED FAILED SKIPPED SECONDS NOTE
record() {
	local verdict=PASS
	[ "$3" -eq 0 ] || verdict=FAIL
	TOTAL_P=$((TOTAL_P + $2))
	TOTAL_F=$((TOTAL_F + $3))
	TOTAL_S=$((TOTAL_S + $4))
	SUMMARY+=("$(printf '  %-4s %-48s %4d passed %4d failed %3d skipped %4ds%s' \
	    "$verdict" "$1" "$2" "$3" "$4" "$5" "${6:+  ($6)}")")
}

# leftovers [TAG]: remove namespaces a killed test left behind (those
# named hd-TAG-..., by default of every test of this run); prints them.
leftovers() {
	local ns pids i tag=${1:-$RUN_TAG}
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' |
	    grep -E "^hd-$tag-" || true); do
		echo "$ns"
		for i in 1 2 3 4 5 6 7 8 9 10; do
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -n "$pids" ] || break
			# shellcheck disable=SC2086
			kill -KILL $pids 2>/dev/null
			sleep 0.1
		done
		ip netns del "$ns" 2>/dev/null
	done
}

# judge LABEL LOG RC SECONDS [TAG]: read a finished program's output
# (already shown) and exit status, check for namespaces it left (those
# tagged TAG), and record the result.
judge() {
	local label=$1 log=$2 rc=$3 secs=$4 tag=${5:-$RUN_TAG} last p f s
	local note= left
	last=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)
	if [[ $last =~ $SUMMARY_RE ]]; then
		p=${BASH_REMATCH[2]}
		f=${BASH_REMATCH[3]}
		s=${BASH_REMATCH[5]:-0}
	else
		p=0
		f=1
		s=0
		note="no summary line"
	fi
	if [ "$rc" -eq 124 ]; then
		f=$((f + 1))
		note="${note:+$note; }timed out after ${TEST_TIMEOUT}s"
	elif [ "$rc" -eq 137 ]; then
		f=$((f + 1))
		note="${note:+$note; }killed by SIGKILL (or by the timeout)"
	elif [ "$rc" -gt 128 ]; then
		f=$((f + 1))
		note="${note:+$note; }killed by signal $((rc - 128))"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		note="${note:+$note; }exit status $rc"
	fi
	left=$(leftovers "$tag")
	if [ -n "$left" ]; then
		f=$((f + 1))
		note="${note:+$note; }left namespaces: $(echo $left)"
	fi
	[ -z "$note" ] || printf '=== %s: %s\n' "$label" "$note"
	record "$label" "$p" "$f" "$s" "$secs" "$note"
}

# run_prog LABEL CMD...: run one test program in the foreground, its
# output shown as it comes, and judge it.
run_prog() {
	local label=$1 log rc t0
	shift
	t0=$SECONDS
	log=$RUN_DIR/prog.log
	printf '\n=== %s\n' "$label"
	timeout -k 10 "$TEST_TIMEOUT" "$@" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	judge "$label" "$log" "$rc" $((SECONDS - t0))
}

# The netns tests as jobs: job N has JOB_LABEL[N], JOB_BIN[N] and
# JOB_TEST[N]; it runs in the background with TB_TAG=$RUN_TAG-N, its
# output into $RUN_DIR/N.out, and writes "STATUS SECONDS" to
# $RUN_DIR/N.rc when it ends.
JOB_LABEL=()
JOB_BIN=()
JOB_TEST=()
JOB_PID=()
job_next=0	# the next job to start
job_shown=0	# the next job to print, in order

job_start() {
	local n=$1
	(
		t0=$SECONDS
		HONEYD=${JOB_BIN[n]} TB_TAG=$RUN_TAG-$n timeout -k 10 \
		    "$TEST_TIMEOUT" bash "${JOB_TEST[n]}" </dev/null \
		    >"$RUN_DIR/$n.out" 2>&1 &
		tpid=$!
		# Stopped (run.sh interrupted): the test removes its testbed.
		trap 'kill -TERM $tpid 2>/dev/null' TERM
		wait "$tpid"
		rc=$?
		while kill -0 "$tpid" 2>/dev/null; do
			wait "$tpid"
			rc=$?
		done
		echo "$rc $((SECONDS - t0))" >"$RUN_DIR/$n.rc.new"
		mv "$RUN_DIR/$n.rc.new" "$RUN_DIR/$n.rc"
	) &
	JOB_PID[n]=$!
}

# job_running: how many started jobs have not ended.
job_running() {
	local n c=0
	for ((n = 0; n < job_next; n++)); do
		[ -e "$RUN_DIR/$n.rc" ] || c=$((c + 1))
	done
	echo "$c"
}

# job_show: print and judge the ended jobs that are next in order.
job_show() {
	local rc secs
	while [ "$job_shown" -lt "$job_next" ] &&
	    [ -e "$RUN_DIR/$job_shown.rc" ]; do
		wait "${JOB_PID[job_shown]}" 2>/dev/null
		read -r rc secs <"$RUN_DIR/$job_shown.rc"
		printf '\n=== %s\n' "${JOB_LABEL[job_shown]}"
		cat "$RUN_DIR/$job_shown.out"
		judge "${JOB_LABEL[job_shown]}" "$RUN_DIR/$job_shown.out" \
		    "$rc" "$secs" "$RUN_TAG-$job_shown"
		job_shown=$((job_shown + 1))
	done
}

# job_wait_below N: wait until fewer than N jobs run, printing those
# that end.
job_wait_below() {
	while [ "$(job_running)" -ge "$1" ]; do
		wait -n 2>/dev/null || sleep 0.2
		job_show
	done
	job_show
}

# run_jobs: every job, RUN_JOBS at once; one whose test says "# run.sh:
# alone" after all before it have ended, and before any after it starts.
run_jobs() {
	local n alone
	for ((n = 0; n < ${#JOB_TEST[@]}; n++)); do
		alone=
		grep -q '^# run.sh: alone' "${JOB_TEST[n]}" && alone=1
		if [ -n "$alone" ]; then
			job_wait_below 1
		else
			job_wait_below "$RUN_JOBS"
		fi
		job_start "$n"
		job_next=$((n + 1))
		[ -z "$alone" ] || job_wait_below 1
	done
	job_wait_below 1
}

# stop_jobs: end the running jobs (their tests remove their testbeds).
stop_jobs() {
	local n
	for ((n = 0; n < job_next; n++)); do
		[ -e "$RUN_DIR/$n.rc" ] || kill -TERM "${JOB_PID[n]}" 2>/dev/null
	done
	wait
}

trap 'stop_jobs; leftovers >/dev/null; rm -rf "$RUN_DIR"; exit 130' INT
trap 'stop_jobs; leftovers >/dev/null; rm -rf "$RUN_DIR"; exit 143' TERM

[ -z "$maps_prog" ] ||
	run_prog "$maps_prog" "${TB_PY:-/usr/bin/python3}" "$maps_prog"

for prog in "${unit_progs[@]}"; do
	if is_unit_prog "$prog"; then
		case $prog in
		*/*) run_prog "$prog" "$prog" ;;
		*) run_prog "$prog" "./$prog" ;;
		esac
	else
		printf '\n=== %s: not found or not executable\n' "$prog"
		record "$prog" 0 1 0 0 "not found"
	fi
done

# The configuration regress takes the config_check program of each build.
if [ -n "$config_prog" ]; then
	ran=
	for b in build build-asan; do
		[ -x "$b/config_check" ] || continue
		run_prog "$config_prog [$b]" bash "$config_prog" \
		    "$REPO/$b/config_check"
		ran=1
	done
	[ -n "$ran" ] || run_prog "$config_prog" bash "$config_prog"
fi

if [ ${#netns_tests[@]} -gt 0 ]; then
	for v in "${variants[@]}"; do
		label=${v%%=*}
		bin=${v#*=}
		if [ ! -x "$bin" ]; then
			printf '\n=== netns tests [%s]: daemon %s not built (make)\n' \
			    "$label" "$bin"
			record "regress/netns/* [$label]" 0 1 0 0 "no daemon $bin"
			continue
		fi
		for t in "${netns_tests[@]}"; do
			# A long test may ask for one build only when both
			# run: the plain one, which make install installs.
			if [ ${#variants[@]} -gt 1 ] && [ "$label" != plain ] &&
			    grep -q '^# run.sh: plain build only' "$t"; then
				continue
			fi
			n=${#JOB_TEST[@]}
			JOB_LABEL[n]="$t [$label]"
			JOB_BIN[n]=$bin
			JOB_TEST[n]=$t
		done
	done
	run_jobs
fi
rm -rf "$RUN_DIR"

if [ $((TOTAL_P + TOTAL_F)) -eq 0 ]; then
	echo
	echo "run.sh: no test ran (nothing built? try: make test)"
	record "(no test ran)" 0 1 0 0 "nothing to run"
fi

echo
echo "=== summary"
printf '%s\n' "${SUMMARY[@]}"
echo
printf 'run time %ds\n' "$SECONDS"
printf '%d passed, %d failed, %d skipped\n' "$TOTAL_P" "$TOTAL_F" "$TOTAL_S"
[ "$TOTAL_F" -eq 0 ]
