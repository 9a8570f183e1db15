/*
 * Keys of names (templates, fingerprints) that stay the same across
 * runs and reloads, so that what is derived from them does too.
 */

#include <sys/types.h>

#include "honeyd.h"

/* FNV-1a of a name. */
uint32_t
name_key(const char *name)
{
	uint32_t	 h = 2166136261U;

	for (; *name != '\0'; name++)
		h = (h ^ (uint8_t)*name) * 16777619U;
	return (h);
}
