#!/bin/sh
# honeyd service: the telnet login of a Cisco-like router.  Three tries,
# every attempt logged to stderr; cisco/cisco gets a user prompt with a
# few commands (show version, enable, exit):
#
#	add T tcp port 23 "sh scripts/router-telnet.sh Router"
set -f
host=${1:-Router}
cr=$(printf '\r')

# A line from the client, without CR and telnet negotiation bytes.
getline() {
	IFS= read -r l || exit 0
	l=$(printf '%s' "${l%"$cr"}" | tr -cd ' -~')
}

printf '\r\n\r\nUser Access Verification\r\n\r\n'
tries=0
while :; do
	printf 'Username: '
	getline; user=$l
	printf 'Password: '
	getline; pass=$l
	printf 'login user=%s password=%s\n' "$user" "$pass" >&2
	[ "$user" = cisco ] && [ "$pass" = cisco ] && break
	tries=$((tries + 1))
	printf '%% Login invalid\r\n\r\n'
	if [ "$tries" -ge 3 ]; then
		printf '%% Bad passwords\r\n'
		exit 0
	fi
done

printf '\r\n'
while :; do
	printf '%s>' "$host"
	getline
	printf 'command %s\n' "$l" >&2
	case $l in
	"") ;;
	"show version"|"sh ver"|"show ver")
		printf 'Cisco IOS Software, C2600 Software (C2600-IPBASE-M), Version 12.4(15)T1, RELEASE SOFTWARE (fc2)\r\n'
		printf 'ROM: System Bootstrap, Version 12.2(8r) [cmong 8r], RELEASE SOFTWARE (fc1)\r\n'
		printf '%s uptime is 42 weeks, 3 days, 7 hours, 12 minutes\r\n' "$host" ;;
	enable|en)
		printf 'Password: '
		getline
		printf 'enable password=%s\n' "$l" >&2
		printf '%% Access denied\r\n' ;;
	exit|quit|logout)
		exit 0 ;;
	*)
		printf '%% Unknown command or computer name, or unable to find computer address\r\n' ;;
	esac
done
