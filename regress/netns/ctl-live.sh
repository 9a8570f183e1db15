#!/bin/bash
# honeydctl against a running daemon: live configuration (a bind added
# answers ping and nmap at once, unbind and delete silence it, a new
# personality is what nmap -O sees right after), statements from
# standard input, reload with errors, every show command in columns and
# as JSON, and the errors for a wrong socket or a user without access.
# The claims come from the configuration, so a live bind also changes
# what the parent captures and answers ARP for.
. "$(dirname "$0")/../lib.sh"

HONEYDCTL=${HONEYDCTL:-$(dirname "$HONEYD")/honeydctl}
tb_setup
tb_require "$HONEYDCTL" nmap "$TB_PY"

conf=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
set default default icmp action block

create web
set web personality "FreeBSD 10.3-RELEASE"
set web default tcp action reset
set web default icmp action open
add web tcp port 80 open
bind 198.19.1.10 web
CONF
)
honeyd_start "$conf"
SOCK=$TB_TMP/honeyd.sock
ctl() {
	in_s "$HONEYDCTL" -s "$SOCK" "$@"
}
json_ok() {
	"$TB_PY" -c 'import json, sys; json.load(sys.stdin)'
}

# ---- live statements
check "198.19.1.50 is not claimed yet: no ping" ping_none 198.19.1.50
out=$(echo "bind 198.19.1.50 web" | ctl 2>&1)
check_eq "echo 'bind 198.19.1.50 web' | honeydctl: exit 0 ($out)" 0 "$?"
check "a live bind answers ping at once" ping_ok 198.19.1.50
check_eq "a live bind: nmap sees its open port" "80/open" \
    "$(nmap_port_states 198.19.1.50 tcp 80)"
out=$(ctl delete web tcp port 80 2>&1)
check_eq "honeydctl delete web tcp port 80: exit 0 ($out)" 0 "$?"
check_eq "the deleted port is closed at once" "80/closed" \
    "$(nmap_port_states 198.19.1.50 tcp 80)"
out=$(ctl unbind 198.19.1.50 2>&1)
check_eq "honeydctl unbind 198.19.1.50: exit 0 ($out)" 0 "$?"
check "after unbind: no ping" ping_none 198.19.1.50
out=$(ctl bind 198.19.1.60 nosuchtemplate 2>&1)
st=$?
check_eq "a statement naming no template: exit 1" 1 "$st"
check_match "... and says why" 'nosuchtemplate' "$out"
out=$(printf 'bind 198.19.1.61 web\nbind 198.19.1.62 nosuch\n# c\n\nbind 198.19.1.63 web\n' |
    ctl 2>&1)
st=$?
check_eq "stdin with one bad statement: exit 1" 1 "$st"
check_match "... names its line" ':2:' "$out"
check "... the good statements before and after it apply (.61)" \
    ping_ok 198.19.1.61
check "... (.63)" ping_ok 198.19.1.63

# ---- personality changed live, seen by nmap -O
osguess() {
	in_a timeout 120 nmap -n -Pn -O --osscan-guess -p 80,81 \
	    --max-retries 2 "$1" 2>&1 | sed -n 's/^\(OS details\|Aggressive OS guesses\|Running\): //p' |
	    head -n 2 | tr '\n' ' '
}
ctl add web tcp port 80 open >/dev/null 2>&1
check_match "nmap -O before: FreeBSD" 'FreeBSD' "$(osguess 198.19.1.10)"
out=$(ctl set web personality "Linux 2.6.32" 2>&1)
tb_note "set web personality: $out"
check_match "nmap -O right after the live change: Linux 2.6.32" \
    'Linux 2\.6\.32' "$(osguess 198.19.1.10)"

# ---- reload through honeydctl
bad=$(tb_conf bad.conf <<'CONF'
create default
set default default tcp action reset
set default frobnicate
CONF
)
out=$(ctl reload "$bad" 2>&1)
st=$?
check_eq "reload of a broken file: exit 1" 1 "$st"
check_match "... with its file:line" "bad.conf:3" "$out"
check "the running configuration still serves" ping_ok 198.19.1.10
out=$(ctl reload 2>&1)
check_eq "reload of the running file: exit 0 ($out)" 0 "$?"

# ---- show commands, plain and JSON
ping_ok 198.19.1.10 >/dev/null
for c in "show status" "show stats" "show templates" "show templates web" \
    "show hosts" "show hosts 198.19.1.10" "show binds" "show routes" \
    "show connections" "show services"; do
	# shellcheck disable=SC2086
	out=$(ctl $c 2>&1)
	check_eq "honeydctl $c: exit 0" 0 "$?"
	# shellcheck disable=SC2086
	ctl -j $c >"$TB_TMP/out.json" 2>&1
	check_eq "honeydctl -j $c: exit 0" 0 "$?"
	check "honeydctl -j $c: one JSON document" json_ok <"$TB_TMP/out.json"
done
check_match "show hosts lists the pinged host" '198\.19\.1\.10' \
    "$(ctl show hosts)"
check_match "show binds lists the configured bind" '198\.19\.1\.10' \
    "$(ctl show binds)"
out=$(ctl show templates nosuch 2>&1)
check_eq "show templates of an unknown one: exit 1" 1 "$?"
check_match "abbreviated: honeydctl sh statu" '[0-9]' "$(ctl sh statu 2>&1)"

# ---- errors
out=$(in_s "$HONEYDCTL" -s "$TB_TMP/nosuch.sock" show status 2>&1)
check_eq "wrong socket: exit 1" 1 "$?"
check_match "wrong socket: says so" 'nosuch\.sock' "$out"
if command -v setpriv >/dev/null; then
	# Not nobody: with no _honeyd user the engine runs as nobody.
	out=$(in_s setpriv --reuid=4242 --regid=4242 --clear-groups \
	    "$HONEYDCTL" -s "$SOCK" show status 2>&1)
	check_eq "a user outside the group: exit 1" 1 "$?"
	check_match "... permission denied" '[Pp]ermission' "$out"
else
	tb_fail "setpriv (util-linux) is installed"
fi

honeyd_stop
tb_finish
