/*
 * The limits on services, from "option service KEY N" statements: the
 * parent enforces them (service.c), the engine shows them ("show
 * services", control.c); apart from service.c so the engine's side
 * links without the parent's.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "honeyd.h"

void
svc_limits_default(struct svc_limits *l)
{
	l->max = 1024;
	l->per_template = 512;
	l->timeout = 600;
	l->cpu = 60;
	l->memory = 256;
	l->fsize = 1024;
	l->nproc = 4096;
}

/*
 * "option service KEY N" statements: max, per_template, timeout
 * (seconds, 0 for none), cpu (seconds), memory (MB), fsize (KB),
 * nproc.  Returns -1, with a message, for an unknown key or a bad value.
 */
int
svc_limits_parse(struct svc_limits *l, const struct honeyd_config *conf)
{
	static const struct {
		const char	*key;
		size_t		 off;
		int		 isint;
		long long	 lo, hi;
	} keys[] = {
		{ "cpu", offsetof(struct svc_limits, cpu), 0, 1, 86400 },
		{ "fsize", offsetof(struct svc_limits, fsize), 0, 0, 1 << 22 },
		{ "max", offsetof(struct svc_limits, max), 1, 1, RELAY_MAX },
		{ "memory", offsetof(struct svc_limits, memory), 0, 16,
		    1 << 20 },
		{ "nproc", offsetof(struct svc_limits, nproc), 0, 1, 1 << 22 },
		{ "per_template", offsetof(struct svc_limits, per_template),
		    1, 1, RELAY_MAX },
		{ "timeout", offsetof(struct svc_limits, timeout), 1, 0,
		    86400 * 7 },
	};
	const struct plugin_option	*o;
	const char			*errstr;
	long long			 n;
	size_t				 i;
	int				 rv = 0;

	svc_limits_default(l);
	TAILQ_FOREACH(o, &conf->options, entry) {
		if (strcmp(o->plugin, "service") != 0)
			continue;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(o->key, keys[i].key) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			log_warnx("option service %s: unknown; known are cpu, "
			    "fsize, max, memory, nproc, per_template, timeout",
			    o->key);
			rv = -1;
			continue;
		}
		n = strtonum(o->value, keys[i].lo, keys[i].hi, &errstr);
		if (errstr != NULL) {
			log_warnx("option service %s %s: %s (%lld-%lld)",
			    o->key, o->value, errstr, keys[i].lo, keys[i].hi);
			rv = -1;
			continue;
		}
		if (keys[i].isint)
			*(int *)((char *)l + keys[i].off) = n;
		else
			*(long *)((char *)l + keys[i].off) = n;
	}
	return (rv);
}
