#!/bin/bash
# 1 MB through services, intact: up (a service hashes what it gets),
# down (a service sends a file) and both ways at once (echo), first on
# a clean link, then with 5% loss each way.  Loss comes from tc netem
# on the veth where the kernel has it; otherwise the client moves to a
# third namespace C routed through A, and A drops 5% of what it
# forwards (nftables), which neither TCP end can see.  The times are
# printed (# lines), not asserted.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nc nft sha256sum bc

# A service sees the service directory (-S) of the host's files, no
# more: the file it sends lives there, with the scripts.
svc=$TB_TMP/svc
mkdir -p "$svc" && cp -r "$TB_REPO/scripts" "$svc/" && chmod -R a+rX "$svc"
head -c 1000000 /dev/urandom >"$svc/big"
chmod 644 "$svc/big"
sum=$(sha256sum <"$svc/big" | cut -d' ' -f1)

conf=$(tb_conf honeyd.conf <<CONF
create default
set default default tcp action reset
create t
set t default tcp action reset
set t default icmp action open
add t tcp port 7 "sh scripts/echo.sh"
add t tcp port 8 "exec sha256sum"
add t tcp port 19 "exec cat big"
bind 198.19.1.10 t
CONF
)
honeyd_start "$conf" -S "$svc" -j "$TB_TMP/events.json" 198.19.0.0/16
H=198.19.1.10
CLIENT="in_a"

# client CMD...: run where the client lives now.
client() {
	$CLIENT "$@"
}

# transfers LABEL: the three transfers, checked and timed.
transfers() {
	local t0 t1 out
	t0=$(date +%s.%N)
	out=$(client timeout 120 nc -N $H 8 <"$svc/big")
	t1=$(date +%s.%N)
	check_eq "$1: 1 MB up, the service's hash matches" "$sum  -" "$out"
	tb_note "$1: 1 MB up in $(echo "$t1 - $t0" | bc) s"
	t0=$(date +%s.%N)
	client timeout 120 nc -d $H 19 >"$TB_TMP/down"
	t1=$(date +%s.%N)
	check "$1: 1 MB down intact" cmp "$svc/big" "$TB_TMP/down"
	tb_note "$1: 1 MB down in $(echo "$t1 - $t0" | bc) s"
	t0=$(date +%s.%N)
	client timeout 120 nc -N $H 7 <"$svc/big" >"$TB_TMP/echo"
	t1=$(date +%s.%N)
	check "$1: 1 MB up and back through echo, intact" \
	    cmp "$svc/big" "$TB_TMP/echo"
	tb_note "$1: 1 MB each way through echo in $(echo "$t1 - $t0" | bc) s"
}

transfers "clean link"

# ---- 5% loss each way
NS_C=
if in_a tc qdisc add dev "$IF_A" root netem loss 5% 2>/dev/null &&
    in_s tc qdisc add dev "$IF_S" root netem loss 5% 2>/dev/null; then
	tb_note "loss: tc netem loss 5% on both ends of the veth"
else
	in_a tc qdisc del dev "$IF_A" root 2>/dev/null
	tb_note "loss: no netem here; client in namespace C, A drops 5%" \
	    "of what it forwards"
	NS_C="hd${TB_TAG:+-$TB_TAG}-$TB_ID-c"
	# tb_finish removes C too, on every way out.
	eval "_transfer_$(declare -f tb_finish)"
	tb_finish() {
		local pids
		if [ -n "$NS_C" ] && [ -e "/run/netns/$NS_C" ]; then
			pids=$(ip netns pids "$NS_C" 2>/dev/null)
			# shellcheck disable=SC2086
			[ -z "$pids" ] || kill -KILL $pids 2>/dev/null
			ip netns del "$NS_C" 2>/dev/null
		fi
		_transfer_tb_finish "$@"
	}
	err=$(
		set -e
		exec 2>&1
		ip netns add "$NS_C"
		ip -n "$NS_C" link add "hdc$TB_ID" type veth peer \
		    name "hdx$TB_ID" netns "$NS_A"
		ip -n "$NS_C" link set lo up
		ip -n "$NS_C" addr add 198.18.1.1/24 dev "hdc$TB_ID"
		ip -n "$NS_A" addr add 198.18.1.2/24 dev "hdx$TB_ID"
		ip netns exec "$NS_C" ethtool -K "hdc$TB_ID" rx off tx off \
		    tso off gso off gro off >/dev/null
		ip netns exec "$NS_A" ethtool -K "hdx$TB_ID" rx off tx off \
		    tso off gso off gro off >/dev/null
		ip -n "$NS_C" link set "hdc$TB_ID" up
		ip -n "$NS_A" link set "hdx$TB_ID" up
		ip -n "$NS_C" route add default via 198.18.1.2
		ip netns exec "$NS_A" sysctl -qw net.ipv4.ip_forward=1
		ip netns exec "$NS_A" nft -f - <<NFT
table inet loss {
	chain lossy {
		type filter hook forward priority 0;
		numgen random mod 100 < 5 counter drop
	}
}
NFT
	) || tb_abort "namespace C set up" "$err"
	CLIENT="ip netns exec $NS_C"
	check "C reaches the virtual host through A" sh -c \
	    "$CLIENT ping -n -q -c 20 -i 0.05 -W 1 $H | grep -q ' [1-9][0-9]* received'"
fi

transfers "5% loss"
if [ -n "$NS_C" ]; then
	drops=$(in_a nft list table inet loss | sed -n 's/.*packets \([0-9]*\).*/\1/p')
	check "loss: A really dropped packets ($drops)" test "${drops:-0}" -gt 50
fi

honeyd_stop
log=$(honeyd_log)
rexmit=$(printf '%s\n' "$log" | sed -n 's/.* rexmit \([0-9]*\) .*/\1/p')
ooo=$(printf '%s\n' "$log" | sed -n 's/.* ooo \([0-9]*\) .*/\1/p')
check "loss: the engine retransmitted ($rexmit segments)" \
    test "${rexmit:-0}" -gt 0
check "loss: the engine held out-of-order data ($ooo segments)" \
    test "${ooo:-0}" -gt 0
check "JSON log: every line parses (json.tool --json-lines)" \
    json_lines_ok "$TB_TMP/events.json"
check_match "JSON log: the echo sessions, 1000000 bytes each way" \
    '"event":"connection_end".*"dst_port":7,.*"bytes_in":1000000,"bytes_out":1000000' \
    "$(cat "$TB_TMP/events.json")"
tb_finish
