#!/bin/sh
# honeyd service: an SMTP server (RFC 5321) that accepts mail and keeps
# none of it.  Every command goes to stderr:
#
#	add T tcp port 25 "sh scripts/smtp.sh mail.example.com"
set -f
host=${1:-mail.example.com}
cr=$(printf '\r')
from='' rcpts=0

reply() {
	printf '%s\r\n' "$*"
}

reply "220 $host ESMTP Postfix (Debian/GNU)"
while IFS= read -r line; do
	line=${line%"$cr"}
	printf '%s\n' "$line" >&2
	verb=$(printf '%s' "$line" | cut -c1-4 | tr '[:lower:]' '[:upper:]')
	case $verb in
	HELO)	reply "250 $host" ;;
	EHLO)	reply "250-$host"
		reply "250-PIPELINING"
		reply "250-SIZE 10240000"
		reply "250-8BITMIME"
		reply "250 SMTPUTF8" ;;
	MAIL)	from=1 rcpts=0
		reply "250 2.1.0 Ok" ;;
	RCPT)	if [ -z "$from" ]; then
			reply "503 5.5.1 Error: need MAIL command"
		else
			rcpts=$((rcpts + 1))
			reply "250 2.1.5 Ok"
		fi ;;
	DATA)	if [ "$rcpts" -eq 0 ]; then
			reply "503 5.5.1 Error: need RCPT command"
			continue
		fi
		reply "354 End data with <CR><LF>.<CR><LF>"
		n=0
		while IFS= read -r d; do
			d=${d%"$cr"}
			[ "$d" = . ] && break
			n=$((n + 1))
		done
		printf 'message of %d lines\n' "$n" >&2
		from='' rcpts=0
		reply "250 2.0.0 Ok: queued as $(date +%H%M%S)$$" ;;
	RSET)	from='' rcpts=0
		reply "250 2.0.0 Ok" ;;
	NOOP)	reply "250 2.0.0 Ok" ;;
	VRFY)	reply "252 2.0.0 Cannot VRFY user" ;;
	QUIT)	reply "221 2.0.0 Bye"
		exit 0 ;;
	*)	reply "502 5.5.2 Error: command not recognized" ;;
	esac
done
