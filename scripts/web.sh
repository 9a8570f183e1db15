#!/bin/sh
# honeyd service: a small web server.  HTTP/1.1 GET and HEAD, persistent
# connections, a configurable banner (the Server header):
#
#	add T tcp port 80 "sh scripts/web.sh 'Apache/2.4.41 (Ubuntu)'"
#
# Every request line goes to stderr, which honeyd puts in the service log.
set -f
server=${1:-Apache/2.2.22 (Debian)}
cr=$(printf '\r')

page() {
	printf '<html><head><title>%s</title></head>\n<body><h1>%s</h1>\n' \
	    "$1" "$1"
	printf '<p>%s</p>\n<hr><address>%s Server at %s Port %s</address>\n' \
	    "$2" "$server" "${HONEYD_IP_DST:-localhost}" \
	    "${HONEYD_DST_PORT:-80}"
	printf '</body></html>\n'
}

# respond STATUS BODY-TITLE BODY-TEXT [EXTRA-HEADER]
respond() {
	body=$(page "$2" "$3")
	body="$body
"
	printf 'HTTP/1.1 %s\r\nDate: %s\r\nServer: %s\r\n' "$1" \
	    "$(date -u '+%a, %d %b %Y %H:%M:%S GMT')" "$server"
	[ -z "$4" ] || printf '%s\r\n' "$4"
	printf 'Content-Length: %d\r\nContent-Type: text/html\r\n' "${#body}"
	[ -z "$close" ] || printf 'Connection: close\r\n'
	printf '\r\n'
	[ "$method" = HEAD ] || printf '%s' "$body"
}

while IFS= read -r line; do
	line=${line%"$cr"}
	[ -n "$line" ] || continue
	# shellcheck disable=SC2086
	set -- $line
	method=$1 path=${2:-} version=${3:-}
	close=
	while IFS= read -r h; do
		h=${h%"$cr"}
		[ -n "$h" ] || break
		case $h in
		[Cc]onnection:*[Cc]lose*) close=1 ;;
		esac
	done
	printf '%s %s %s\n' "$method" "$path" "$version" >&2
	case $version in
	HTTP/1.1) ;;
	HTTP/1.0) close=1 ;;
	*)
		close=1
		respond "400 Bad Request" "Bad Request" \
		    "Your browser sent a request that this server could not understand."
		exit 0 ;;
	esac
	case $method in
	GET|HEAD)
		case $path in
		/|/index.html|/index.htm)
			respond "200 OK" "It works!" \
			    "This is the default web page for this server." ;;
		*)
			respond "404 Not Found" "Not Found" \
			    "The requested URL was not found on this server." ;;
		esac ;;
	*)
		respond "501 Not Implemented" "Not Implemented" \
		    "$method not supported for current URL." "Allow: GET, HEAD" ;;
	esac
	[ -z "$close" ] || exit 0
done
