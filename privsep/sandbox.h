/*
 * The engine's sandbox: what OpenBSD's pledge(2) and unveil(2) give
 * its daemons, built from Linux parts.  Once set up, the engine only
 * reads and writes descriptors it already holds (or is passed), keeps
 * time, draws random numbers and manages its memory; a system call
 * outside that list ends the process.
 *
 *   rlimits   no new processes (RLIMIT_NPROC 0).
 *   Landlock  no filesystem access, no TCP bind or connect, no abstract
 *             unix sockets or signals outside the process, as far as
 *             the running kernel's Landlock ABI goes; none at all on a
 *             kernel without Landlock.
 *   seccomp   an allow-list (libseccomp).  A refused call raises SIGSYS:
 *             a handler writes "NAME: sandbox: refused system call NR
 *             (name)" to stderr and the process dies by SIGSYS, which
 *             its parent logs.
 *
 * Call after dropping privileges (the filter needs no_new_privs, which
 * proc_drop_privileges sets) and after everything that opens or
 * creates descriptors at start-up.  The calling process must be single-
 * threaded: the filter is installed on the calling thread only.
 *
 * Like proc.h, these functions do not log: they return -1 with errno.
 */

#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>

/*
 * A Landlock rule for the services' cage (honeyd/cage.c): beneath path,
 * what is still allowed.  Everything else is read-only at most.
 */
struct sandbox_path {
	const char	*path;
	int		 access;
};
#define SANDBOX_READ		0x1	/* read files and directories, run */
#define SANDBOX_WRITE		0x2	/* write to files that exist */
#define SANDBOX_CREATE		0x4	/* create, remove, rename */

/* sandbox.c */
int	 sandbox_enter(const char *, int *);
int	 sandbox_landlock(void);
int	 sandbox_landlock_paths(const struct sandbox_path *, size_t);

#endif /* SANDBOX_H */
