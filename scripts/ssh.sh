#!/bin/sh
# honeyd service: an SSH banner.  Sends the identification string
# (configurable), logs the client's to stderr and keeps the connection
# until the client gives up:
#
#	add T tcp port 22 "sh scripts/ssh.sh 'OpenSSH_8.4p1 Debian-5+deb11u1'"
version=${1:-OpenSSH_8.4p1 Debian-5+deb11u1}
cr=$(printf '\r')
printf 'SSH-2.0-%s\r\n' "$version"
if IFS= read -r client; then
	client=${client%"$cr"}
	case $client in
	SSH-*)	printf 'client %s\n' "$client" >&2 ;;
	*)	printf 'Invalid SSH identification string.\r\n'
		printf 'no ssh client: %s\n' "$client" >&2
		exit 0 ;;
	esac
fi
# What follows (key exchange) is read and dropped until the client leaves.
exec cat >/dev/null
