#!/usr/bin/env bash
#
# make demo: honeyd in the foreground inside its own pair of network
# namespaces, with conf/honeyd.conf.  Ctrl-C stops it and removes the
# namespaces.  Only 198.18.0.0/15 addresses are used.

. "$(dirname "$0")/lib.sh"

CONF=${CONF:-conf/honeyd.conf}
NETS=${NETS:-198.19.0.0/16 198.18.0.64/26}

demo_end() {
	trap '' INT TERM
	trap - EXIT
	# Not a test: no tally, just leave nothing behind.
	TB_FINISHED=1
	tb_teardown
	echo "demo stopped; namespaces removed"
	exit 0
}

tb_setup
trap demo_end EXIT INT TERM HUP

cat <<EOF

honeyd demo: the attacker namespace is $NS_A ($ADDR_A),
honeyd listens in $NS_S on $IF_S and claims $NETS.
Virtual hosts (see $CONF): router 198.19.1.1, Linux web servers
198.19.1.10-11, Windows server 198.19.1.20, printer 198.18.0.70 (on the
attacker's own subnet, reached by proxy ARP).

Probe it from another terminal:

  ip netns exec $NS_A ping -c 3 198.19.1.10
  ip netns exec $NS_A nmap -n -sS -p 1-1024 198.19.1.10
  ip netns exec $NS_A nmap -n -O 198.19.1.20
  ip netns exec $NS_A ping -c 3 198.18.0.70
  ip netns exec $NS_A curl -i http://198.19.1.10/
  ip netns exec $NS_A telnet 198.19.1.1      (cisco/cisco)

With CONF=conf/figure5.conf, the paper's routed network (Figure 5):

  ip netns exec $NS_A traceroute -n 198.19.16.2
  ip netns exec $NS_A nmap -n -O 198.19.0.1

Ctrl-C stops honeyd and removes the namespaces.

EOF
# shellcheck disable=SC2086
ip netns exec "$NS_S" "$HONEYD" -d -i "$IF_S" -f "$CONF" -p "$(_tb_prints)" \
    -P "$TB_TMP/honeyd.pid" -S "$TB_REPO" $NETS
