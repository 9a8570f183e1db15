#!/bin/sh
#
# Not a test, a figure: parse 65,536 single-address binds, one line per
# address, as generated configs do, and say how long it took and how
# big the bind table is.  Also the same in reverse order and in an
# order where neighbours alternate between two templates.
#
#	bench.sh [path to config_check]

CHECK=${1:-${CONFIG_CHECK:-config_check}}
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

gen() {
	awk -v order="$1" 'BEGIN {
		print "create a"
		print "create b"
		for (i = 0; i < 65536; i++) {
			j = order == "reverse" ? 65535 - i : i
			t = order == "alternate" ? (j % 2 ? "b" : "a") : "a"
			printf "bind 198.18.%d.%d %s\n", j / 256, j % 256, t
		}
	}' >"$tmp/$1.conf"
}

for order in forward reverse alternate; do
	gen $order
	printf '%-9s ' "$order:"
	"$CHECK" -s "$tmp/$order.conf" || exit 1
done
printf '%-9s ' "/12:"
printf 'create a\nbind 198.16.0.0/12 a\n' >"$tmp/net.conf"
"$CHECK" -s "$tmp/net.conf"
