#!/bin/bash
# honeydctl against a fake control socket (regress/tools/fakectl.py, which
# answers with canned records): columns and JSON, command prefixes,
# statements and their quoting, standard input with a failing line, the
# errors for no daemon, a bad path and no permission, and answers that
# are malformed or cut short (exit 1, no crash, no sanitizer report).
# It needs no namespace.  HONEYDCTL defaults to the honeydctl next to
# $HONEYD (build-asan/honeydctl under regress/run.sh).
if [ -n "${HONEYDCTL:-}" ]; then
	case $HONEYDCTL in
	/*) ;;
	*) HONEYDCTL=$PWD/$HONEYDCTL ;;
	esac
fi
. "$(dirname "$0")/../lib.sh"
HONEYDCTL=${HONEYDCTL:-$(dirname "$HONEYD")/honeydctl}

tb_require "$TB_PY" setpriv timeout
[ -x "$HONEYDCTL" ] || tb_abort "honeydctl built" "no $HONEYDCTL (make)"
TB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/honeyd-$TB_NAME.XXXXXX") ||
	tb_abort "temporary directory"
chmod 755 "$TB_TMP"
tb_note "client: $HONEYDCTL"

SOCK=$TB_TMP/ctl.sock
REQ=$TB_TMP/requests
: > "$REQ"
"$TB_PY" "$TB_TOOLS/fakectl.py" "$SOCK" honeyd/honeyd.h "$REQ" \
    2>"$TB_TMP/fakectl.err" &
FAKE_PID=$!
for _ in $(seq 50); do
	[ -S "$SOCK" ] && break
	sleep 0.1
done
[ -S "$SOCK" ] || tb_abort "fake control socket up" "$(cat "$TB_TMP/fakectl.err")"

# ctl ARGS...: honeydctl on the fake socket; OUT, ERR and RC.  Every
# stderr is kept for the sanitizer check at the end.
ctl() {
	OUT=$(timeout 10 "$HONEYDCTL" -s "$SOCK" "$@" 2>"$TB_TMP/err")
	RC=$?
	ERR=$(cat "$TB_TMP/err")
	cat "$TB_TMP/err" >> "$TB_TMP/allerr"
}

# ctl_in INPUT ARGS...: the same with INPUT on standard input.
ctl_in() {
	local input=$1
	shift
	OUT=$(printf '%s' "$input" |
	    timeout 10 "$HONEYDCTL" -s "$SOCK" "$@" 2>"$TB_TMP/err")
	RC=$?
	ERR=$(cat "$TB_TMP/err")
	cat "$TB_TMP/err" >> "$TB_TMP/allerr"
}

# pyjson EXPR: EXPR (python, over d, the JSON document in OUT) holds.
pyjson() {
	printf '%s\n' "$OUT" | "$TB_PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"
}

lastreq() {
	tail -n 1 "$REQ"
}

# ----------------------------------------------------------- columns

ctl show status
check_eq "show status: exit 0" 0 "$RC"
check_match "show status: Key: value lines" '^Version: +0\.9-fake$' "$OUT"
check_match "show status: key made readable" \
    '^Config file: +/etc/honeyd/honeyd\.conf$' "$OUT"

ctl sh stats
check_eq "sh stats (prefixes): exit 0" 0 "$RC"
check_match "counters: aligned name and value" '^  packets_in +12345$' "$OUT"
check_match "counters: grouped by process" '^parent:$' "$OUT"
check_eq "sh stats asked for IMSG_CTL_SHOW_STATS" \
    "IMSG_CTL_SHOW_STATS b''" "$(lastreq)"

ctl sh te
check_match "templates: a header" '^TEMPLATE +PERSONALITY +PORTS +HOSTS$' \
    "$OUT"
check_match "templates: control bytes shown escaped" 'here\\x01' "$OUT"
check_nomatch "templates: no raw control byte reaches the terminal" \
    $'\x01' "$OUT"

ctl show bi
check_match "binds: a field the table lacks as key: value" \
    '^    since: boot$' "$OUT"
check_match "an unknown kind prints generically" '^gizmo:$' "$OUT"

ctl show hosts 198.19.1.10
check_match "show hosts ADDR: the host" '^198\.19\.1\.10 +web' "$OUT"
check_eq "show hosts ADDR: the argument sent NUL-terminated" \
    "IMSG_CTL_SHOW_HOSTS b'198.19.1.10\\x00'" "$(lastreq)"

ctl reload /etc/honeyd/new.conf
check_eq "reload FILE: the END text printed" \
    "reloaded /etc/honeyd/new.conf" "$OUT"

(cd "$TB_TMP" && ctl reload new.conf)
check_eq "reload FILE: a relative path sent absolute, in the client's cwd" \
    "IMSG_CTL_RELOAD b'$TB_TMP/new.conf\\x00'" "$(lastreq)"

ctl log v
check_eq "log v: IMSG_CTL_LOG_VERBOSE" "IMSG_CTL_LOG_VERBOSE b''" \
    "$(lastreq)"

ctl help
check_eq "help: exit 0" 0 "$RC"
check_match "help: the whole grammar" 'show connections \[ADDR\|NET\]' "$OUT"
check_match "help: monitor" 'monitor \[packets\|services\|all\]' "$OUT"

# -------------------------------------------------------------- JSON

ctl -j show status
check "-j show status: typed members" pyjson \
    'd["status"][0]["uptime"] == 3600 and d["status"][0]["verbose"] is False'
ctl -j sh stats
check "-j sh stats: one array of counters" pyjson \
    'list(d) == ["counter"] and len(d["counter"]) == 4 and d["counter"][0]["value"] == 12345'
ctl -j sh templates
check "-j: strings escaped, bad UTF-8 replaced, numbers as given" pyjson \
    'd["template"][1]["name"] == "we\"ird\\tab\there\x01" and d["template"][1]["personality"] == "caf\u00e9 \ufffd end" and d["template"][1]["hosts"] == -1500'
ctl -j sh co
check "-j: an array per kind, in the order received" pyjson \
    'list(d) == ["connection", "summary"] and [c["proto"] for c in d["connection"]] == ["tcp", "udp"]'
ctl -j show hosts
check "-j: booleans" pyjson 'd["host"][0]["reachable"] is True'
ctl -j reload
check "-j reload: the END text as result" pyjson \
    'd == {"result": "reloaded the configuration"}'
ctl -j show routes
check "-j: an empty answer is {}" pyjson 'd == {}'

# ----------------------------------------------------------- monitor

ctl monitor packets
check_eq "monitor packets: the mask sent" \
    "IMSG_CTL_MONITOR b'\\x01\\x00\\x00\\x00'" "$(lastreq)"
check_match "monitor: time, event, key=value" \
    '^2026-12-06T20:00:00\.000Z connect proto=tcp src_ip=198\.18\.0\.1 src_port=40000 open=true$' \
    "$OUT"
check_match "monitor: quoted values, decoded escapes" \
    'command="sh \\"x\\"'$'\xc3\xa9''" exit=-1$' "$OUT"
check_match "monitor: an unreadable event printed raw, escaped" \
    '^not json \\x1b\[31m at all$' "$OUT"
check_match "monitor: the daemon going away is said" \
    'closed the connection' "$ERR"
ctl m
check_eq "monitor: all by default" "IMSG_CTL_MONITOR b'\\x03\\x00\\x00\\x00'" \
    "$(lastreq)"
ctl -j monitor services
check_eq "monitor services: the mask sent" \
    "IMSG_CTL_MONITOR b'\\x02\\x00\\x00\\x00'" "$(lastreq)"
check "-j monitor: every line one JSON object" "$TB_PY" -c '
import json, sys
lines = sys.argv[1].split("\n")
objs = [json.loads(l) for l in lines]
assert len(objs) == 3 and objs[0]["event"] == "connect", objs
assert objs[2] == {"raw": "not json \x1b[31m at all"}, objs[2]' "$OUT"

# -------------------------------------------------------- statements

ctl set web personality "Linux 2.6.32"
check_eq "statement: exit 0" 0 "$RC"
check_eq "statement: words with blanks re-quoted" \
    "IMSG_CTL_CONFIG b'set web personality \"Linux 2.6.32\"\\x00'" \
    "$(lastreq)"
ctl cr web2
check_eq "statement: its keyword may be a prefix" \
    "IMSG_CTL_CONFIG b'create web2\\x00'" "$(lastreq)"
ctl add web tcp port 80 fail
check_eq "refused statement: exit 1" 1 "$RC"
check_eq "refused statement: the daemon's text" \
    'honeydctl: line 1: syntax error near "fail"' "$ERR"

n=$(wc -l < "$REQ")
ctl sh st
check_eq "ambiguous prefix: exit 1" 1 "$RC"
check_match "ambiguous prefix: the choices" 'ambiguous "st".*status stats' \
    "$ERR"
ctl frob
check_match "unknown word: the choices" 'unknown "frob".*show monitor' "$ERR"
check_eq "nothing sent for a bad command" "$n" "$(wc -l < "$REQ")"

# ---------------------------------------------------- standard input

ctl_in 'bind 198.18.1.50 web

# a comment
set web personality "Linux 2.6.32"   
add web tcp port 22 fail
show hosts
bogus
unbind 198.18.1.50
'
check_eq "stdin with failing lines: exit 1" 1 "$RC"
check_match "stdin: the refused statement and its line" \
    '^honeydctl: stdin:5: line 1: syntax error near "fail"$' "$ERR"
check_match "stdin: the bad command and its line" \
    '^honeydctl: stdin:7: unknown "bogus"' "$ERR"
check_eq "stdin: every line tried, in order" \
    "IMSG_CTL_CONFIG b'bind 198.18.1.50 web\\x00'
IMSG_CTL_CONFIG b'set web personality \"Linux 2.6.32\"\\x00'
IMSG_CTL_CONFIG b'add web tcp port 22 fail\\x00'
IMSG_CTL_SHOW_HOSTS b''
IMSG_CTL_CONFIG b'unbind 198.18.1.50\\x00'" "$(tail -n 5 "$REQ")"
check_match "stdin: answers printed" '^198\.19\.1\.11 +web' "$OUT"
ctl_in 'bind 198.18.1.50 web
show status
'
check_eq "stdin, all good: exit 0" 0 "$RC"
ctl_in '{"x":1}
show status
' -j
check_match "stdin -j: one document per command" '^\{"status":\[' "$OUT"

# ------------------------------------------------------------ errors

OUT=$("$HONEYDCTL" -s "$TB_TMP/nosuch.sock" show status 2>&1)
RC=$?
check_eq "no daemon: exit 1" 1 "$RC"
check_eq "no daemon: said so" \
    "honeydctl: $TB_TMP/nosuch.sock: no daemon listening (is honeyd running?)" \
    "$OUT"
OUT=$("$HONEYDCTL" -s /nonexistent/dir/honeyd.sock show status 2>&1)
check_match "bad path: said so" \
    '^honeydctl: /nonexistent/dir/honeyd\.sock: no daemon listening' "$OUT"
: > "$TB_TMP/plainfile"
OUT=$("$HONEYDCTL" -s "$TB_TMP/plainfile" show status 2>&1)
check_match "not a socket: no daemon listening" 'no daemon listening' "$OUT"
long=$TB_TMP/$(printf 'x%.0s' $(seq 120))
OUT=$("$HONEYDCTL" -s "$long" show status 2>&1)
check_match "path too long: said so" 'socket path too long' "$OUT"
OUT=$(printf 'show status\nshow stats\n' |
    "$HONEYDCTL" -s "$TB_TMP/nosuch.sock" 2>&1)
check_match "stdin, no daemon: each line said" \
    'stdin:2: .*no daemon listening' "$OUT"

# An unprivileged user cannot open the (0600, root) socket.
cp "$HONEYDCTL" "$TB_TMP/honeydctl"
chmod 755 "$TB_TMP/honeydctl"
OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$TB_TMP/honeydctl" -s "$SOCK" show status 2>&1)
RC=$?
check_eq "permission denied: exit 1" 1 "$RC"
check_eq "permission denied: said so" \
    "honeydctl: $SOCK: permission denied (root or the group of honeyd's engine)" \
    "$OUT"

# Malformed answers: exit 1 with a message, never a crash.
for mode in badrec badfield close garbage huge badtype hasfd noend \
    emptyerror; do
	ctl show connections "$mode"
	check_eq "malformed answer ($mode): exit 1" 1 "$RC"
	check_match "malformed answer ($mode): said" \
	    '^honeydctl: .*(malformed answer|closed the connection|refused)' \
	    "$ERR"
done
ctl -j show connections close
check_eq "-j, connection lost mid-answer: nothing half printed" "" "$OUT"

check_nomatch "no sanitizer report from honeydctl" "$TB_SAN_RE" \
    "$(cat "$TB_TMP/allerr")"

kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
tb_finish
