#!/bin/sh
#
# The configuration regress, after bgpd's regress/usr.sbin/bgpd/config:
# for every N.in the canonical printout must equal N.ok (and stderr
# N.err, or be empty), and parsing the printout (from memory, as the
# engine does) must print the same bytes again without a word on
# stderr.  Every eN.in must fail with exactly the messages in eN.err
# and print nothing.
#
#	run.sh [path to config_check]

CHECK=${1:-${CONFIG_CHECK:-config_check}}
case $CHECK in
/*)	;;
*/*)	CHECK=$(pwd)/$CHECK ;;
esac
command -v "$CHECK" >/dev/null || { echo "run.sh: no $CHECK" >&2; exit 2; }
cd "$(dirname "$0")" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() {
	pass=$((pass + 1))
}

bad() {
	echo "FAIL $1: $2"
	fail=$((fail + 1))
}

run() {
	"$CHECK" -m mac-prefixes -p personalities "$@"
}

good_case() {
	n=$1
	run "$n.in" >"$tmp/out" 2>"$tmp/err" || {
		bad "$n" "parse failed"; cat "$tmp/err"; return; }
	diff -u "$n.ok" "$tmp/out" || { bad "$n" "printout differs"; return; }
	if [ -f "$n.err" ]; then
		diff -u "$n.err" "$tmp/err" || {
			bad "$n" "stderr differs"; return; }
	elif [ -s "$tmp/err" ]; then
		cat "$tmp/err"; bad "$n" "unexpected stderr"; return
	fi
	# The answers to "#?" queries are comments after the printout.
	# The engine parses the printout from memory; so does this.
	grep -v '^# ' "$tmp/out" >"$tmp/p1"
	run -b "$tmp/p1" >"$tmp/p2" 2>"$tmp/err2" || {
		bad "$n" "printout does not parse"; cat "$tmp/err2"; return; }
	[ -s "$tmp/err2" ] && { bad "$n" "printout parses with warnings";
		cat "$tmp/err2"; return; }
	cmp -s "$tmp/p1" "$tmp/p2" || {
		diff -u "$tmp/p1" "$tmp/p2"; bad "$n" "reprint differs"; return; }
	ok
}

error_case() {
	n=$1
	if run "$n.in" >"$tmp/out" 2>"$tmp/err"; then
		bad "$n" "parse succeeded"; return
	fi
	[ -s "$tmp/out" ] && { bad "$n" "printed a config"; return; }
	diff -u "$n.err" "$tmp/err" || { bad "$n" "messages differ"; return; }
	ok
}

for f in $(ls [0-9]*.in | sort -n); do
	good_case "${f%.in}"
done
for f in $(ls e[0-9]*.in | sort -k1.2n); do
	error_case "${f%.in}"
done
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
