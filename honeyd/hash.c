/*
 * FNV-1a, the one hash of text and keys: keys of names (templates,
 * fingerprints) that stay the same across runs and reloads, so that
 * what is derived from them does too, and the fingerprint database's
 * tables.
 */

#include <sys/types.h>

#include <string.h>

#include "honeyd.h"

#define FNV_PRIME	16777619U

/* Continues the hash h over len bytes of buf; start with FNV_BASIS. */
uint32_t
fnv1a(uint32_t h, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return (h);
}

/* FNV-1a of a name. */
uint32_t
name_key(const char *name)
{
	return (fnv1a(FNV_BASIS, name, strlen(name)));
}
