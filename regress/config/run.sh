#!/bin/sh
#
# The configuration regress, after bgpd's regress/usr.sbin/bgpd/config:
# for every N.in the canonical printout must equal N.ok (and stderr
# N.err, or be empty), and parsing the printout (from memory, as the
# engine does) must print the same bytes again without a word on
# stderr.  Every eN.in must fail with exactly the messages in eN.err
# and print nothing.
#
# Each case runs twice: through config_check, which loads the file as
# honeyd does (config_load()) and answers the "#?" queries, and through
# the real "honeyd -nv" beside it, which must print and say the same:
# a configuration honeyd -n refuses cannot pass.  honeyd reads its
# fingerprints from a file made of the names in personalities, and its
# MAC vendors from nmap's table, whose path its messages name.
#
#	run.sh [path to config_check [path to honeyd]]

CHECK=${1:-${CONFIG_CHECK:-config_check}}
HONEYD=${2:-$(dirname "$CHECK")/honeyd}
abspath() {
	case $1 in
	/*)	echo "$1" ;;
	*/*)	echo "$(pwd)/$1" ;;
	*)	command -v "$1" ;;
	esac
}
CHECK=$(abspath "$CHECK")
HONEYD=$(abspath "$HONEYD")
command -v "$CHECK" >/dev/null || { echo "run.sh: no $CHECK" >&2; exit 2; }
[ -x "$HONEYD" ] || { echo "run.sh: no honeyd at $HONEYD" >&2; exit 2; }
cd "$(dirname "$0")" || exit 2
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
# One test line makes a fingerprint honeyd keeps; no p0f signatures.
while read -r name; do
	printf 'Fingerprint %s\nClass x | x | x | general purpose\n' "$name"
	printf 'IE(DFI=N%%T=40%%CD=S)\n\n'
done <personalities >"$tmp/prints"
: >"$tmp/p0f"
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

# honeyd -nv: its own notes ("honeyd: ...") and the query answers left
# out, the vendor table called as config_check's is.
honeyd_n() {
	"$HONEYD" -n -v -p "$tmp/prints" -0 "$tmp/p0f" -f "$1" \
	    >"$tmp/hout" 2>"$tmp/herr.raw"
	hrc=$?
	grep -v '^honeyd: ' "$tmp/herr.raw" |
	    sed 's|in [^ ]*nmap-mac-prefixes$|in mac-prefixes|' >"$tmp/herr"
	return $hrc
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
	honeyd_n "$n.in" || { bad "$n" "honeyd -n refuses it";
		cat "$tmp/herr"; return; }
	diff -u "$tmp/p1" "$tmp/hout" || {
		bad "$n" "honeyd -nv prints otherwise"; return; }
	diff -u "$tmp/err" "$tmp/herr" || {
		bad "$n" "honeyd -n says otherwise"; return; }
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
	if honeyd_n "$n.in"; then
		bad "$n" "honeyd -n accepts it"; return
	fi
	[ -s "$tmp/hout" ] && { bad "$n" "honeyd -n printed a config"; return; }
	diff -u "$n.err" "$tmp/herr" || {
		bad "$n" "honeyd -n says otherwise"; return; }
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
