#!/bin/bash
# Configuration checks and reloads: honeyd -n reports errors with
# file:line and a non-zero status; SIGHUP swaps in a good new config and
# keeps the running one when the new one is bad.
. "$(dirname "$0")/../lib.sh"

tb_setup
tb_require nmap

states() {
	nmap_port_states "$@" | tr '\n' ' ' | sed 's/ $//'
}

first=$(tb_conf honeyd.conf <<'CONF'
create default
set default default tcp action reset
create web
set web default tcp action reset
add web tcp port 80 open
bind 198.19.2.10 web
CONF
)
second=$(tb_conf second.conf <<'CONF'
create default
set default default tcp action reset
create web
set web default tcp action reset
add web tcp port 22 open
bind 198.19.2.10 web
CONF
)
broken=$(tb_conf broken.conf <<'CONF'
create default
set default default tcp action reset
create web
add web tcp port 99999 open
bind 198.19.2.10 nosuchtemplate
CONF
)

# -n: the daemon's own check, without privileges or interfaces.
out=$("$HONEYD" -n -f "$broken" -p "$(_tb_prints)" 2>&1)
check_status "honeyd -n rejects a broken config" 1 \
    "$HONEYD" -n -f "$broken" -p "$(_tb_prints)"
check_match "honeyd -n names file and line of the bad port" \
    "broken.conf:4: " "$out"
check_match "honeyd -n names file and line of the unknown template" \
    "broken.conf:5: " "$out"
check_status "honeyd -n accepts a good config" 0 \
    "$HONEYD" -n -f "$first" -p "$(_tb_prints)"
out=$("$HONEYD" -nv -f "$first" -p "$(_tb_prints)" 2>&1)
check_match "honeyd -nv prints the config back" "add web tcp port 80 open" \
    "$out"

honeyd_start "$first" 198.19.0.0/16
check_eq "first config: 80 open, 22 closed" "22/closed 80/open" \
    "$(states 198.19.2.10 tcp 22,80)"

# A good new config replaces the running one.
cp "$second" "$first"
honeyd_reload 'configuration reloaded'
check_match "engine reports the reload" "configuration reloaded" \
    "$(cat "$HONEYD_LOG")"
check_eq "after SIGHUP: 22 open, 80 closed" "22/open 80/closed" \
    "$(states 198.19.2.10 tcp 22,80)"

# A bad one is refused and the running one stays.
cp "$broken" "$first"
honeyd_reload 'keeping the running one'
check_match "parent refuses the broken config" \
    "honeyd.conf:4: .*keeping the running one|keeping the running one" \
    "$(tr '\n' ' ' < "$HONEYD_LOG")"
check_match "the error names the line" "honeyd.conf:4: " \
    "$(cat "$HONEYD_LOG")"
check "daemon still running after a bad reload" kill -0 "$HONEYD_PID"
check_eq "after bad SIGHUP: still 22 open, 80 closed" "22/open 80/closed" \
    "$(states 198.19.2.10 tcp 22,80)"

tb_finish
