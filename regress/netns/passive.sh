#!/bin/bash
# Passive fingerprinting of the attacker (-0, p0f 3's SYN signatures):
# a dynamic template answers sources whose SYNs look like Windows with
# one template (port 80 open) and every other source with another (80
# closed, 22 open).  Windows-looking SYNs come from scapy
# (regress/tools/syn_os.py), Linux ones from the attacker's own kernel
# and from scapy.  A source's first SYN decides, for its later packets
# too; the packet log's S and - lines end with [OS] and the JSON log
# has src_os; SIGHUP re-reads the signature file; a missing -0 file is
# an error.
. "$(dirname "$0")/../lib.sh"

P0F_SYSTEM=/etc/p0f/p0f.fp

tb_setup
tb_require nc "$TB_PY"
[ -r "$P0F_SYSTEM" ] ||
	tb_abort "p0f's signatures installed" "no $P0F_SYSTEM (apt-get install p0f)"

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset

dynamic dyn
create win
set win default tcp action reset
add win tcp port 80 open
create other
set other default tcp action reset
add other tcp port 22 open
add dyn use win if source os = windows
add dyn otherwise use other
bind 198.19.5.10 dyn
CONF
)
P0F=$TB_TMP/p0f.fp
cp "$P0F_SYSTEM" "$P0F"
PL=$TB_TMP/packets.log
J=$TB_TMP/events.json
H=198.19.5.10
T='[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{4}'

# syn OS SRC [PORT]: one SYN shaped like OS's from SRC; prints the
# answer's TCP flags (SA, RA) or "none".
syn() {
	local out
	out=$(in_a timeout 20 "$TB_PY" "$TB_TOOLS/syn_os.py" -i "$IF_A" \
	    --dst-mac "$MAC_S" --src "$2" --dst $H --dport "${3:-80}" \
	    --os "$1")
	case $out in
	answer*) kv flags "$out" ;;
	*) echo none ;;
	esac
}

# connect PORT: a plain connect from A's kernel (198.18.0.1): open,
# closed (refused: a reset came back) or none (no answer at all, which
# no check here wants).
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

# A missing -0 file is an error; the default missing only turns it off.
out=$(in_s "$HONEYD" -n -f "$conf" -p "$(_tb_prints)" \
    -0 "$TB_TMP/no-such.fp" 2>&1)
check_eq "-n with a missing -0 file: exit 1" 1 $?
check_match "... naming the file" "no-such\.fp" "$out"
check "-n with the -0 file: OK" in_s "$HONEYD" -n -f "$conf" \
    -p "$(_tb_prints)" -0 "$P0F"

honeyd_start "$conf" -0 "$P0F" -l "$PL" -j "$J" 198.19.0.0/16
check_nomatch "the real p0f.fp parses without warnings" \
    "p0f\.fp:[0-9]+: " "$(honeyd_log)"

# Windows-looking sources get "win", the others "other".
check_eq "Windows 7 SYN (window 8192): port 80 open" SA \
    "$(syn windows 198.18.0.21)"
check_eq "Windows SYN (window 64240): port 80 open" SA \
    "$(syn windows2 198.18.0.22)"
check_eq "Linux-looking scapy SYN: port 80 closed" RA \
    "$(syn linux 198.18.0.23)"
check_eq "the attacker's kernel (Linux): port 80 closed" closed \
    "$(connect 80)"
check_eq "the attacker's kernel (Linux): port 22 open" open "$(connect 22)"
check_eq "a SYN no signature knows: the otherwise template (80 closed)" RA \
    "$(syn bare 198.18.0.24)"
# The first SYN decides, for later ones too.
check_eq "Windows source, later bare SYN: still port 80 open" SA \
    "$(syn bare 198.18.0.21)"
check_eq "Windows source: port 22 closed (its template's)" RA \
    "$(syn windows 198.18.0.21 22)"
check_eq "Linux source, later Windows SYN: still port 80 closed" RA \
    "$(syn windows 198.18.0.23)"
check_eq "unknown source, then a Windows SYN: now port 80 open" SA \
    "$(syn windows 198.18.0.24)"
sleep 0.5

p=$(cat "$PL")
check_match "packet log: Windows connection start ends [Windows 7 or 8]" \
    "^$T tcp\(6\) S 198\.18\.0\.21 [0-9]+ $H 80 \[Windows 7 or 8\]$" "$p"
check_match "packet log: generic Windows signature's name" \
    "^$T tcp\(6\) S 198\.18\.0\.22 [0-9]+ $H 80 \[Windows NT kernel\]$" "$p"
check_match "packet log: the kernel's connection ends [Linux ...]" \
    "^$T tcp\(6\) S 198\.18\.0\.1 [0-9]+ $H 22 \[Linux [^]]+\]$" "$p"
check_match "packet log: the closed-port SYN (-) ends [Linux ...]" \
    "^$T tcp\(6\) - 198\.18\.0\.1 [0-9]+ $H 80: [0-9]+ S \[Linux [^]]+\]$" \
    "$p"
check_match "packet log: unknown source, no comment" \
    "^$T tcp\(6\) - 198\.18\.0\.24 [0-9]+ $H 80: 40 S$" "$p"

j=$(cat "$J")
out=$("$TB_PY" "$TB_TOOLS/check_events.py" "$J")
check "JSON log: every event has its documented fields" test $? -eq 0
tb_note "$(echo "$out" | tr '\n' ' ')"
check_match "JSON: connection_start has src_os" \
    '"event":"connection_start","proto":"tcp","src_ip":"198\.18\.0\.21",.*"src_os":"Windows 7 or 8"' \
    "$j"
check_match "JSON: probe has src_os" \
    '"event":"probe","proto":"tcp","src_ip":"198\.18\.0\.1",.*"src_os":"Linux [^"]+"' \
    "$j"
bare=$(grep '"src_ip":"198\.18\.0\.24"' "$J" | grep '"size":40,')
check_match "JSON: the unknown source's bare SYN is logged" '"event":"probe"' \
    "$bare"
check_nomatch "JSON: ... without src_os" '"src_os"' "$bare"

# SIGHUP with the same file keeps what was learned.
honeyd_reload 'configuration reloaded'
check_eq "reload, same file: the Windows source is still known (80 open)" \
    SA "$(syn bare 198.18.0.21)"

# SIGHUP re-reads the file: without Windows signatures, and with a
# malformed line, Windows SYNs teach nothing and Windows sources are
# forgotten.
cat >"$P0F" <<'EOF'
[tcp:request]
label = s:unix:Linux:test
sig   = *:64:0:*:*,*:mss,sok,ts,nop,ws:df,id+:0
sig   = this is not a signature
EOF
honeyd_reload 'configuration reloaded'
check_match "reload: the malformed line is named" \
    "p0f\.fp:4: a sig has eight fields; line skipped" "$(honeyd_log)"
check_eq "after reload: a new Windows source is not known (80 closed)" \
    RA "$(syn windows 198.18.0.25)"
check_eq "after reload: an old Windows source is forgotten (80 closed)" \
    RA "$(syn bare 198.18.0.21)"
check_eq "after reload: a Linux SYN gets the new label's name" RA \
    "$(syn linux 198.18.0.26)"
sleep 0.5
check_match "packet log: the new file's label" \
    "^$T tcp\(6\) - 198\.18\.0\.26 [0-9]+ $H 80: [0-9]+ S \[Linux test\]$" \
    "$(cat "$PL")"

# Back to the real one: Windows again.
cp "$P0F_SYSTEM" "$P0F"
honeyd_reload 'configuration reloaded'
check_eq "after a second reload: Windows SYN, port 80 open" SA \
    "$(syn windows 198.18.0.27)"

tb_finish
