#!/bin/bash
#
# regress/bench/run.sh: honeyd's benchmark (make bench).  Not a test: it
# measures and prints, it asserts nothing about speed.
#
# In the testbed of regress/lib.sh (namespaces A and S, 198.18.0.0/15
# only, removed at the end) build/flood floods from A with TCP SYNs to
# an open and a closed port and with echo requests, first at the Linux
# kernel's own stack on the sensor's address 198.18.0.2, then at a
# virtual host of honeyd running in S.  For each it prints the answered
# packets per second and the loss flat out, the loss at half the
# kernel's rate, and the median round trip of single pings.  Then it
# measures honeyd's memory (PSS and RSS of all its processes together)
# and start-up time for 65,536 single binds and for a bound /12, before
# and after traffic to thousands of distinct virtual hosts.  A summary
# table ends the output.
#
# Environment:
#	FLOOD		load generator (default build/flood)
#	BENCH_SECS	seconds per flood (3)
#	BENCH_SAMPLES	pings for the round trip (2000)
#	BENCH_HOSTS	distinct virtual hosts touched before the second
#			memory figure (8192)
#	HONEYD, PRINTS, TB_KEEP	as for the tests (regress/lib.sh)

. "$(dirname "$0")/../lib.sh"

FLOOD=${FLOOD:-$TB_REPO/build/flood}
BENCH_SECS=${BENCH_SECS:-3}
BENCH_SAMPLES=${BENCH_SAMPLES:-2000}
BENCH_HOSTS=${BENCH_HOSTS:-8192}

# The flood's sources: a /24 on the link whose hosts have a made-up
# MAC address.  The answers to them still reach A's interface, where
# the flood counts them, but A's kernel drops them at once as frames for
# another host instead of routing them (or answering SYN+ACKs with
# resets): the attacker's side costs as little as on a real network.
SRC_NET=198.18.1.0/24
SRC_FIRST=198.18.1.1
SRC_N=250
SRC_MAC=02:00:00:00:00:01
KERNEL_ADDR=$ADDR_S
HONEYD_ADDR=198.19.0.10
PORT_OPEN=8080
PORT_CLOSED=8081
PERSONALITY="Linux 3.2"

declare -A R		# results, keyed "stack.test.what"

tb_require python3 "$FLOOD"
[ -x "$FLOOD" ] || tb_abort "flood built" "make $FLOOD"

# flood_run ADDR ARGS...: one flood from A at ADDR; prints its line.
flood_run() {
	local addr=$1
	shift
	in_a timeout $((BENCH_SECS + 30)) "$FLOOD" -i "$IF_A" -g "$MAC_S" \
	    -M "$SRC_MAC" -s "$SRC_FIRST" -a "$SRC_N" -d "$addr" "$@"
}

# measure STACK ADDR: rate, loss and latency of one stack, all tests.
measure() {
	local stack=$1 addr=$2 t args out rate half
	for t in open closed ping; do
		case $t in
		open)	args="-m syn -p $PORT_OPEN" ;;
		closed)	args="-m syn -p $PORT_CLOSED" ;;
		ping)	args="-m ping" ;;
		esac
		# shellcheck disable=SC2086
		out=$(flood_run "$addr" $args -t "$BENCH_SECS")
		tb_note "$stack $t flat out: $out"
		R[$stack.$t.pps]=$(kv answered_pps "$out")
		R[$stack.$t.sent]=$(kv sent_pps "$out")
		R[$stack.$t.loss]=$(kv loss_pct "$out")
		check_match "$stack answers the $t flood" 'answered=[1-9]' "$out"
		# Half the kernel's rate, the issue's yardstick.
		rate=${R[kernel.$t.pps]:-0}
		half=$(awk -v r="$rate" 'BEGIN { printf "%d", r / 2 }')
		if [ "$half" -gt 0 ]; then
			# shellcheck disable=SC2086
			out=$(flood_run "$addr" $args -r "$half" -t "$BENCH_SECS")
			tb_note "$stack $t at $half/s: $out"
			R[$stack.$t.half]=$half
			R[$stack.$t.halfpps]=$(kv answered_pps "$out")
			R[$stack.$t.halfloss]=$(kv loss_pct "$out")
		fi
	done
	out=$(flood_run "$addr" -m ping -L "$BENCH_SAMPLES" -G 1000 -w 200)
	tb_note "$stack ping round trip: $out"
	R[$stack.rtt]=$(kv median_us "$out")
	R[$stack.rtt90]=$(kv p90_us "$out")
	check_match "$stack answers single pings" 'answered=[1-9]' "$out"
}

# kernel_listener PORT: a TCP listener in S with a deep backlog.
kernel_listener() {
	# Not through in_s: $! must be the listener itself.
	ip netns exec "$NS_S" "$TB_PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(4096)
print("listening", flush=True)
time.sleep(600)
' "$KERNEL_ADDR" "$1" >"$TB_TMP/listener.log" 2>&1 &
	LISTENER_PID=$!
	local i
	for i in $(seq 50); do
		grep -q listening "$TB_TMP/listener.log" && return 0
		sleep 0.1
	done
	tb_abort "kernel listener up" "$(cat "$TB_TMP/listener.log")"
}

# honeyd_mem: "PSS RSS" in kB, summed over every process in S.
honeyd_mem() {
	local pid pss=0 rss=0 p r
	for pid in $(honeyd_pids); do
		[ -r "/proc/$pid/smaps_rollup" ] || continue
		p=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup")
		r=$(awk '$1 == "Rss:" { print $2 }' "/proc/$pid/smaps_rollup")
		pss=$((pss + ${p:-0}))
		rss=$((rss + ${r:-0}))
	done
	echo "$pss $rss"
}

# bench_start CONF [NETS...]: honeyd_start, but timing the start-up to
# "engine ready" in milliseconds (R[start]) with a finer poll.
bench_start() {
	local conf=$1 prints t0 t1 i
	shift
	prints=$(_tb_prints)
	HONEYD_NSTART=$((HONEYD_NSTART + 1))
	HONEYD_LOG=$TB_TMP/honeyd.$HONEYD_NSTART.log
	t0=$(date +%s%N)
	ip netns exec "$NS_S" "$HONEYD" -d -i "$IF_S" -f "$conf" \
	    -p "$prints" -P "$TB_TMP/honeyd.pid" -c "$TB_TMP/honeyd.sock" \
	    "$@" </dev/null >"$HONEYD_LOG" 2>&1 &
	HONEYD_PID=$!
	for i in $(seq 3000); do
		if grep -q 'engine ready' "$HONEYD_LOG" 2>/dev/null; then
			t1=$(date +%s%N)
			START_MS=$(( (t1 - t0) / 1000000 ))
			tb_pass "honeyd up with $(basename "$conf") in ${START_MS} ms"
			return 0
		fi
		_tb_alive "$HONEYD_PID" || break
		sleep 0.01
	done
	tb_abort "honeyd up with $(basename "$conf")" "$(tail -n 15 "$HONEYD_LOG")"
}

# touch_hosts FIRST N: a ping and a SYN to each of N virtual hosts.
touch_hosts() {
	local out
	out=$(flood_run "$1" -m ping -c "$2" -n "$2" -r 20000 -t 10)
	tb_note "ping sweep of $2 hosts: $out"
	out=$(flood_run "$1" -m syn -p "$PORT_OPEN" -c "$2" -n "$2" -r 20000 \
	    -t 10)
	tb_note "SYN sweep of $2 hosts: $out"
	check_match "sweep of $2 hosts answered" 'answered=[1-9]' "$out"
}

# memory NAME CONF [NETS...]: start-up time and memory, before and after
# traffic to BENCH_HOSTS distinct hosts.
memory() {
	local name=$1 conf=$2 m
	shift 2
	bench_start "$conf" "$@"
	R[$name.start]=$START_MS
	sleep 0.5
	m=$(honeyd_mem)
	R[$name.pss0]=${m% *}
	R[$name.rss0]=${m#* }
	touch_hosts 198.19.0.1 "$BENCH_HOSTS"
	m=$(honeyd_mem)
	R[$name.pss1]=${m% *}
	R[$name.rss1]=${m#* }
	tb_note "$name: start ${START_MS} ms; PSS/RSS kB ${R[$name.pss0]}/${R[$name.rss0]}, after traffic ${R[$name.pss1]}/${R[$name.rss1]}"
	honeyd_stop
	tb_note "$name counters: $(grep -E 'hosts [0-9]+' "$HONEYD_LOG" | tail -n 1)"
}

mb() {
	awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f MB", k / 1024 }'
}

summary() {
	local t
	printf '\n%-30s %12s %12s %8s\n' "honeyd benchmark" kernel honeyd ratio
	printf '%-30s %12s %12s %8s\n' "------------------------------" \
	    "------------" "------------" "--------"
	for t in open closed ping; do
		printf '%-30s %12s %12s %8s\n' "$t: answered/s flat out" \
		    "${R[kernel.$t.pps]:--}" "${R[honeyd.$t.pps]:--}" \
		    "$(awk -v k="${R[kernel.$t.pps]:-0}" -v h="${R[honeyd.$t.pps]:-0}" \
		    'BEGIN { if (k > 0) printf "%.2f", h / k; else print "-" }')"
		printf '%-30s %11s%% %11s%%\n' "$t: loss flat out" \
		    "${R[kernel.$t.loss]:--}" "${R[honeyd.$t.loss]:--}"
		printf '%-30s %11s%% %11s%%\n' \
		    "$t: loss at ${R[kernel.$t.half]:-?}/s" \
		    "${R[kernel.$t.halfloss]:--}" "${R[honeyd.$t.halfloss]:--}"
	done
	printf '%-30s %9s ms %9s ms\n' "ping round trip, median" \
	    "$(awk -v u="${R[kernel.rtt]:-}" 'BEGIN { printf "%.3f", u / 1000 }')" \
	    "$(awk -v u="${R[honeyd.rtt]:-}" 'BEGIN { printf "%.3f", u / 1000 }')"
	printf '%-30s %9s ms %9s ms\n' "ping round trip, 90th pct" \
	    "$(awk -v u="${R[kernel.rtt90]:-}" 'BEGIN { printf "%.3f", u / 1000 }')" \
	    "$(awk -v u="${R[honeyd.rtt90]:-}" 'BEGIN { printf "%.3f", u / 1000 }')"
	printf '\n%-30s %10s %12s %12s\n' "honeyd memory (PSS, all procs)" \
	    start "at start" "$BENCH_HOSTS hosts"
	printf '%-30s %7s ms %12s %12s\n' "65,536 single binds" \
	    "${R[binds.start]:--}" "$(mb "${R[binds.pss0]:-}")" \
	    "$(mb "${R[binds.pss1]:-}")"
	printf '%-30s %7s ms %12s %12s\n' "one /12 (1,048,576 addresses)" \
	    "${R[net12.start]:--}" "$(mb "${R[net12.pss0]:-}")" \
	    "$(mb "${R[net12.pss1]:-}")"
	printf '%-30s %10s %12s %12s\n' "(RSS, summed)" "" \
	    "$(mb "${R[binds.rss0]:-}")/$(mb "${R[net12.rss0]:-}")" \
	    "$(mb "${R[binds.rss1]:-}")/$(mb "${R[net12.rss1]:-}")"
}

tb_setup
in_s ip route add "$SRC_NET" dev "$IF_S"
for i in $(seq "$SRC_N"); do
	echo "neigh replace ${SRC_FIRST%.*}.$i lladdr $SRC_MAC dev $IF_S nud permanent"
done | in_s ip -batch - || tb_abort "flood sources set up"

# ------------------------------------------------------------- the kernel
kernel_listener "$PORT_OPEN"
# Resolve A before the clock starts.
flood_run "$KERNEL_ADDR" -m ping -L 5 -w 500 >/dev/null
measure kernel "$KERNEL_ADDR"
kill "$LISTENER_PID"
wait "$LISTENER_PID" 2>/dev/null

# ------------------------------------------------------------- honeyd
conf=$(tb_conf bench.conf <<CONF
create bench
set bench personality "$PERSONALITY"
set bench default tcp action reset
set bench default udp action reset
set bench default icmp action open
add bench tcp port $PORT_OPEN open
bind $HONEYD_ADDR bench
CONF
)
honeyd_start "$conf" 198.19.0.0/16
flood_run "$HONEYD_ADDR" -m ping -L 5 -w 500 >/dev/null
measure honeyd "$HONEYD_ADDR"
honeyd_stop
tb_note "honeyd counters: $(grep -E 'frames in|pcap received|hosts [0-9]+' "$HONEYD_LOG" | tr '\n' ' ')"

# ------------------------------------------------------------- memory
# 65,536 single binds, one a line: all of 198.19.0.0/16.
awk -v p="$PERSONALITY" 'BEGIN {
	print "create bench"
	printf "set bench personality \"%s\"\n", p
	print "set bench default tcp action reset"
	print "set bench default icmp action open"
	print "add bench tcp port 8080 open"
	for (i = 0; i < 65536; i++)
		printf "bind 198.19.%d.%d bench\n", i / 256, i % 256
}' >"$TB_TMP/binds.conf"
memory binds "$TB_TMP/binds.conf"

# A whole /12 bound.  Claimed is only 198.19.0.0/16: the testbed uses
# nothing outside 198.18.0.0/15, and the claim is a range either way.
sed -n '1,5p' "$TB_TMP/binds.conf" >"$TB_TMP/net12.conf"
echo "bind 198.16.0.0/12 bench" >>"$TB_TMP/net12.conf"
memory net12 "$TB_TMP/net12.conf" 198.19.0.0/16

honeyd_stop
tb_teardown
left=$(ip netns list 2>/dev/null | awk -v a="$NS_A" -v s="$NS_S" '$1 == a || $1 == s')
check_eq "testbed removed (no namespace left)" "" "$left"
summary
TB_FINISHED=1
trap - EXIT INT TERM HUP
printf '\n%d passed, %d failed\n' "$TB_PASS" "$TB_FAIL"
exit $((TB_FAIL > 0))
