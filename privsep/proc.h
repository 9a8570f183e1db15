/*
 * Process plumbing: the socketpairs between honeyd's processes, forking
 * a child on one, the one fixed way a child gives up root, and the
 * signals a process handles on its event loop.
 *
 * setproctitle(3) comes from libbsd, which can only rewrite the process
 * title if main() calls setproctitle_init(argc, argv, envp) first,
 * before anything reads or changes argv or environ.  Without it the
 * title passed to proc_drop_privileges() is silently not shown.
 *
 * None of these functions log: they return -1 with errno set and the
 * caller decides (normally fatal()).
 */

#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

struct event_base;

/* Both ends are asked for this much socket buffer to absorb bursts. */
#define PROC_SOCKBUF_SIZE	(4 * 1024 * 1024)

/* proc.c */
int	 proc_socketpair(int [2]);
pid_t	 proc_fork(int *);
int	 proc_lookup_user(const char *, const char *, uid_t *, gid_t *);
int	 proc_drop_privileges(const char *, uid_t, gid_t, const char *);
int	 proc_signals(struct event_base *, const int *, int,
	    void (*)(int, short, void *));

#endif /* PROC_H */
