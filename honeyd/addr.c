/*
 * IPv4 addresses in host byte order, as the configuration, the logs and
 * the service environment write them.
 */

#include <sys/types.h>

#include <stdio.h>

#include "honeyd.h"

/* a.b.c.d into buf (INET_ADDRSTRLEN is enough); returns buf. */
const char *
addr_fmt(uint32_t a, char *buf, size_t size)
{
	snprintf(buf, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
	return (buf);
}
