#!/bin/sh
# honeyd service: echo.  Everything the peer sends comes back, until it
# closes its side (RFC 862).  "add T tcp port 7 "sh scripts/echo.sh""
exec cat
