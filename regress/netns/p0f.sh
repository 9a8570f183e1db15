#!/bin/bash
# p0f 3, watching the attacker's side, names the operating system family
# of the server side of ordinary connections to open ports: every packet
# carries the personality, not just nmap's probes, and the SYN+ACK a
# client sees is the one nmap's fingerprint describes.  The
# personalities are ones whose SYN+ACK both nmap-os-db and p0f.fp know,
# at least one for every OS family p0f.fp names SYN+ACKs of (its
# [tcp:response] labels; a family missing from CASES and from NOFIT
# fails the test).
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require p0f nc

P0F_FP=/etc/p0f/p0f.fp

# address, personality, what p0f must say (a regex on its os= field)
CASES="198.19.2.1|Linux 3.6 - 3.10|^Linux
198.19.2.2|Linux 2.6.32|^Linux
198.19.2.3|Microsoft Windows 7, Windows Server 2012, or Windows 8.1 Update 1|^Windows
198.19.2.4|Microsoft Windows XP SP2 or SP3, or Windows Server 2003|^Windows
198.19.2.5|FreeBSD 9.0-RELEASE|^FreeBSD
198.19.2.6|OpenBSD 4.9 - 5.4|^OpenBSD
198.19.2.7|Sun Solaris 2.6|^Solaris
198.19.2.8|Apple Mac OS X 10.4 (Tiger) (Darwin 8.0.0)|^Mac OS X
198.19.2.9|HP-UX B.11.00 - B.11.31|^HP-UX
198.19.2.10|Linux 2.4.21 - 2.4.27|^Linux 2\\.4
198.19.2.11|FreeBSD 8.0-RELEASE|^FreeBSD 8
198.19.2.12|FreeBSD 10.3-RELEASE|^FreeBSD
198.19.2.13|Microsoft Windows 2000 Server SP3 or SP4|^Windows"

# Families p0f.fp knows whose SYN+ACK no entry of nmap's database
# describes: p0f wants a window of exactly 3993 (OpenVMS 7.x) or 25
# MSS, 36500 (Tru64 4.x); the OpenVMS, Tru64 and Digital UNIX entries
# of nmap-os-db and nmap.prints have W1 1000, 111C, 1800, 4470, 832C,
# BB8, F000 or F53C, and a host that answered ordinary clients with
# p0f's window would no longer be the one nmap describes.
NOFIT="OpenVMS Tru64"

# Every family of p0f's SYN+ACK labels (s:unix:Linux:3.x -> Linux).
families=$(awk '/^\[/ { sec = $0; next }
    sec == "[tcp:response]" && /^label/ {
	sub(/^label[ \t]*=[ \t]*/, ""); split($0, f, ":"); print f[3] }' \
    "$P0F_FP" | sort -u)
check "p0f.fp has SYN+ACK labels" test -n "$families"
while IFS= read -r fam; do
	[ -n "$fam" ] || continue
	if grep -qF "|^$fam" <<<"$CASES"; then
		tb_pass "p0f family $fam: a personality here"
	elif [[ " $NOFIT " == *" $fam "* ]]; then
		tb_pass "p0f family $fam: no nmap-os-db entry fits (NOFIT)"
	else
		tb_fail "p0f family $fam: a personality here or in NOFIT"
	fi
done <<<"$families"

conf=$TB_TMP/honeyd.conf
{
	echo "create default"
	echo "set default default tcp action reset"
	i=0
	while IFS='|' read -r addr pers want; do
		i=$((i + 1))
		echo "create p$i"
		echo "set p$i personality \"$pers\""
		echo "set p$i default tcp action reset"
		echo "add p$i tcp port 80 open"
		echo "bind $addr p$i"
	done <<<"$CASES"
} >"$conf"
honeyd_start "$conf" 198.19.0.0/16

# p0f on the attacker's interface, logging to a file; "main event
# loop" on its stderr says it listens.
in_a p0f -i "$IF_A" -o "$TB_TMP/p0f.log" 'tcp port 80' \
    >"$TB_TMP/p0f.out" 2>&1 &
p0f_pid=$!
for i in $(seq 50); do
	grep -q 'main event loop' "$TB_TMP/p0f.out" 2>/dev/null && break
	sleep 0.1
done
check_match "p0f listening on $IF_A" 'main event loop' \
    "$(cat "$TB_TMP/p0f.out")"

# A plain connection from the attacker's own stack to each host.
while IFS='|' read -r addr pers want; do
	check "connection to $addr port 80 ($pers)" \
	    in_a nc -z -w 3 "$addr" 80
done <<<"$CASES"
sleep 1
kill -TERM "$p0f_pid" 2>/dev/null
wait "$p0f_pid" 2>/dev/null

log=$(cat "$TB_TMP/p0f.log" 2>/dev/null)
while IFS='|' read -r addr pers want; do
	got=$(printf '%s\n' "$log" | grep 'mod=syn+ack' |
	    grep "|srv=$addr/80|" | sed -n 's/.*|os=\([^|]*\)|.*/\1/p' |
	    head -n 1)
	check_match "p0f: $addr ($pers) is \"${got:-nothing}\"" "$want" \
	    "$got"
done <<<"$CASES"

tb_finish
