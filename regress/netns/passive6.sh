#!/bin/bash
# Passive fingerprinting over IPv6 (-0, p0f 3's SYN signatures): a
# dynamic template bound to 2001:db8::10 answers sources whose SYNs look
# like Linux with "lin" (port 22 open) and others with "other" (22
# closed).  First with a signature file that knows no Linux: the
# attacker's kernel (2001:db8::1) gets "other"; then, after SIGHUP
# re-reads the real p0f.fp, its IPv6 SYN (hop limit, flow label and
# all) says Linux: port 22 opens, and the packet log names the guess.
. "$(dirname "$0")/../lib.sh"

P0F_SYSTEM=/etc/p0f/p0f.fp

tb_setup
[ -r "$P0F_SYSTEM" ] ||
	tb_abort "p0f's signatures installed" "no $P0F_SYSTEM (apt-get install p0f)"

tb_ipv6_on_a 2001:db8::1/48

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
dynamic dyn
create lin
set lin default tcp action reset
add lin tcp port 22 open
create other
set other default tcp action reset
add dyn use lin if source os = linux
add dyn otherwise use other
bind 2001:db8::10 dyn
CONF
)
P0F=$TB_TMP/p0f.fp
PL=$TB_TMP/packets.log
H=2001:db8::10
cat >"$P0F" <<'EOF'
[tcp:request]
label = s:win:Windows:7 or 8
sig   = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0
EOF

# connect PORT: a plain connect from A's kernel: open, closed (a reset
# came back) or none.
connect() {
	local out
	if out=$(in_a timeout 5 bash -c "exec 3<>/dev/tcp/$H/$1" 2>&1); then
		echo open
		return
	fi
	case $out in
	*refused*) echo closed ;;
	*) echo none ;;
	esac
}

honeyd_start "$conf" -0 "$P0F" -l "$PL"
check_eq "no Linux signature: the kernel's IPv6 SYN gets other (22 closed)" \
    closed "$(connect 22)"
cp "$P0F_SYSTEM" "$P0F"
honeyd_reload 'configuration reloaded'
check_eq "the real p0f.fp: the kernel's IPv6 SYN says Linux (22 open)" \
    open "$(connect 22)"
check_eq "... and later connections keep it" open "$(connect 22)"
sleep 0.5
check_match "packet log: the IPv6 connection ends [Linux ...]" \
    "tcp\(6\) S 2001:db8::1 [0-9]+ $H 22 \[Linux [^]]+\]$" "$(cat "$PL")"
honeyd_stop

tb_finish
