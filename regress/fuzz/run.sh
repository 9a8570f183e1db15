#!/bin/bash
# regress/fuzz/run.sh: run the libFuzzer targets built by "make fuzz"
# (build-fuzz/fuzz/fuzz_NAME), one after the other.
#
#   regress/fuzz/run.sh [-t SECONDS] [-j JOBS] [NAME...]
#
# Each target runs SECONDS (default $FUZZ_SECONDS, else 60) on a working
# corpus build-fuzz/corpus/NAME, seeded from the committed one
# regress/fuzz/corpus/NAME; what it finds goes to build-fuzz/artifacts/
# NAME/ (crash-*, leak-*, timeout-*, oom-*).  -j runs that many targets
# at once (the machine is shared: 2 at most).  To keep a new input as a
# regression case, copy it into regress/fuzz/corpus/NAME/ and commit it;
# "make test" replays that directory (test_fuzz_NAME).  To minimize the
# committed corpus after a long run:
#   build-fuzz/fuzz/fuzz_NAME -merge=1 NEWDIR build-fuzz/corpus/NAME
# FUZZ_FLAGS adds libFuzzer options (-use_value_profile=1, -jobs=...).
# Exit status non-zero if a target found anything.

set -u
cd "$(dirname "$0")/../.." || exit 2

secs=${FUZZ_SECONDS:-60}
jobs=1
while getopts t:j: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- config fprint imsg packet passive framebatch ip6

# Per target: the largest input worth trying, and a dictionary if any.
opts_for() {
	case $1 in
	packet) echo "-max_len=4096" ;;
	config) echo "-max_len=8192 -dict=regress/fuzz/config.dict" ;;
	fprint) echo "-max_len=8192 -dict=regress/fuzz/fprint.dict" ;;
	imsg) echo "-max_len=16384" ;;
	passive) echo "-max_len=8192" ;;
	framebatch) echo "-max_len=140000" ;;
	ip6) echo "-max_len=16384" ;;
	esac
}

run_one() {
	local name=$1 bin=build-fuzz/fuzz/fuzz_$1 work art log
	work=build-fuzz/corpus/$name
	art=build-fuzz/artifacts/$name
	log=build-fuzz/fuzz-$name.log
	if [ ! -x "$bin" ]; then
		echo "$name: $bin not built (make fuzz-build)"
		return 1
	fi
	mkdir -p "$work" "$art"
	cp -n regress/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null
	# stderr of the target (parse errors) is closed: -close_fd_mask=2;
	# libFuzzer and the sanitizers still report.
	# shellcheck disable=SC2046
	"$bin" $(opts_for "$name") ${FUZZ_FLAGS:-} -max_total_time="$secs" \
	    -timeout=10 \
	    -rss_limit_mb=2048 -close_fd_mask=2 -print_final_stats=1 \
	    -artifact_prefix="$art/" "$work" >"$log" 2>&1
	local rc=$?
	printf '%s: exit %d, %s, %s\n' "$name" "$rc" \
	    "$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
	    awk '{print $2 " runs"}')" \
	    "$(ls "$art" | wc -l) artifacts in $art"
	[ "$rc" -eq 0 ] || tail -n 40 "$log"
	return "$rc"
}

fail=0
running=0
for t in "$@"; do
	if [ "$jobs" -gt 1 ]; then
		run_one "$t" &
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait -n || fail=1
			running=$((running - 1))
		fi
	else
		run_one "$t" || fail=1
	fi
done
while [ "$running" -gt 0 ]; do
	wait -n || fail=1
	running=$((running - 1))
done
exit "$fail"
