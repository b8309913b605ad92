/* Child processes of the master: spawn, signal, reap, describe an exit. */
#ifndef NETD_PROC_H
#define NETD_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scoreboard.h"

#define PROC_MAX	(SB_SLOTS + 8)

/* Make the life pipe: children read EOF from it once the master is gone. */
int	proc_init(void);
/*
 * Fork a child that runs fn(arg) and never returns.  Every signal is
 * blocked across fork; the child starts with them blocked and unblocks
 * them once its own handlers are set.  Returns the child's handle, or -1.
 */
int	proc_spawn(void (*fn)(void *), void *arg);
pid_t	proc_pid(int id);
/*
 * Is pid a child of ours not yet reaped?  Then /proc/pid is that child
 * (a zombie at worst), whatever any shared memory says.
 */
int	proc_known(pid_t pid);
/*
 * Signal a child: only a live child of ours, through its pidfd, so that a
 * pid the kernel has handed to another process can never be hit.
 * 0, or -1 with errno (ESRCH: no such child of ours).
 */
int	proc_signal(int id, int sig);
/*
 * Reap one child of ours that has ended: 1 with its handle, wait status
 * and the last signal we sent it (0 if none); 0 when none is left.
 */
int	proc_reap(int *id, int *status, int *sent);
/* "exited with status 1", "killed by signal 11 (Segmentation fault)" ... */
void	proc_describe(int status, int sent, char *buf, size_t len);
/* In a child: the read end of the life pipe. */
int	proc_life_fd(void);
/* Live children. */
int	proc_count(void);
/* Resident bytes of child id (/proc/PID/statm); 0 if unknown. */
uint64_t proc_rss(int id);

#endif
