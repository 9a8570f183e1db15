#!/bin/bash
# Install what honeyd needs to build (deps.sh build) or to build and run
# its test suite (deps.sh test, the default).  Idempotent: when every
# package is already installed it only asks dpkg and returns.
#
# Needs root (or sudo) only when something is missing.

set -eu

BUILD_PKGS="build-essential pkg-config bison flex libpcap-dev libdumbnet-dev
	libevent-dev libbsd-dev libseccomp-dev"
# honeydctl's line editing
BUILD_PKGS="$BUILD_PKGS libedit-dev"
TEST_PKGS="nmap hping3 p0f tcpdump python3-scapy traceroute iputils-ping
	iproute2 ethtool curl socat netcat-openbsd telnet procps python3
	nftables bc gdb groff-base"
# A syslog daemon to receive -j syslog's events (netns/syslog.sh).
TEST_PKGS="$TEST_PKGS rsyslog"
# arping: netns/arpguard.sh's second machine announces its address.
TEST_PKGS="$TEST_PKGS iputils-arping"
# A DHCP server for the "dhcp" statement's clients (netns/dhcp.sh).
TEST_PKGS="$TEST_PKGS dnsmasq-base"
# A real SSH server run as a subsystem (netns/subsystem.sh).
TEST_PKGS="$TEST_PKGS dropbear-bin"

usage() {
	echo "usage: $0 [build|test]" >&2
	exit 2
}

mode=${1:-test}
case $mode in
build)	pkgs=$BUILD_PKGS ;;
test)	pkgs="$BUILD_PKGS $TEST_PKGS" ;;
-h|--help) usage ;;
*)	usage ;;
esac
[ $# -le 1 ] || usage

# Print the packages of "$@" that are not fully installed.  One
# dpkg-query for all of them; a package it does not know is missing.
find_missing() {
	dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null |
	    awk -v want="$*" '$2 ~ /^ii/ { ok[$1] = 1 }
		END { n = split(want, w, " ");
		      for (i = 1; i <= n; i++) if (!(w[i] in ok)) print w[i] }' |
	    sort -u | tr '\n' ' ' | sed 's/ $//'
}

# shellcheck disable=SC2086
missing=$(find_missing $pkgs)

if [ -z "$missing" ]; then
	echo "deps.sh: all $mode dependencies present"
	exit 0
fi

echo "deps.sh: installing: $missing"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "deps.sh: need root to install: $missing" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_install() {
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing
}
$SUDO apt-get update -q
if ! apt_install; then
	# A stale or half-fetched index is the usual cause: refresh once more.
	echo "deps.sh: install failed, retrying after another update" >&2
	sleep 2
	$SUDO apt-get update -q
	apt_install
fi

# Verify: everything asked for must now be installed.
# shellcheck disable=SC2086
still=$(find_missing $missing)
if [ -n "$still" ]; then
	echo "deps.sh: still missing after install: $still" >&2
	exit 1
fi
echo "deps.sh: done"
