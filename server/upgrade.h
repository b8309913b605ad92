/*
 * Binary upgrade: the master starts a new master with its sockets, and
 * leaves once that one serves.  Both sides: the old master's (start,
 * watch, hand over) and the new master's (report, take over).
 */
#ifndef NETD_UPGRADE_H
#define NETD_UPGRADE_H

#include <poll.h>
#include <sys/types.h>

#include "report.h"

struct generation;

#define UPGRADE_WAIT_MS		60000	/* the new master must serve by */

enum upgrade_state {
	UPGRADE_NONE,
	UPGRADE_STARTING,	/* old side: the new master is starting */
	UPGRADE_DONE,		/* old side: handed over */
	UPGRADE_FAILED,		/* old side: still serving; see errors */
	UPGRADE_WAITING,	/* new side: serving, waiting to be told */
};

/* What the channel brought (upgrade_handle). */
enum upgrade_event {
	UPGRADE_EV_NONE,
	UPGRADE_EV_READY,	/* old side: the new master serves */
	UPGRADE_EV_GO,		/* new side: the old master let go */
	UPGRADE_EV_ORPHAN,	/* new side: the old master is gone */
};

/*
 * Old side: start path (NULL: the binary netd was started from, as it is
 * on disk now) as a new master serving g's listeners and the control
 * socket.  0, or -1 with the reason in err (nothing started).
 */
int	upgrade_start(const struct generation *g, const char *path,
	    char *err, size_t errlen);
/* Tell the new master it is the master now; -1 if it cannot hear. */
int	upgrade_go(void);
/* Stop an upgrade under way (netd is stopping): the new master is ended. */
void	upgrade_abort(const char *why);
/* A child reaped: 1 if it was the new master (0: not ours). */
int	upgrade_reaped(int id, int status, int sent);
/* Deadlines: a new master too slow to serve is ended. */
void	upgrade_tick(void);
/* Is a new master started and not yet reaped or handed over to? */
int	upgrade_busy(void);
int	upgrade_state(void);
pid_t	upgrade_pid(void);
const char *upgrade_binary(void);
/* Why it failed, and what the new master logged at err. */
const char *upgrade_why(void);
const struct report *upgrade_errors(void);

/* New side, in main: take the channel if this netd is an upgrade's. */
int	upgrade_child_init(void);
/* Serving: say so, and wait to be told to take over. */
void	upgrade_child_ready(void);
/* The master this one replaces (0 when none, or once it has let go). */
pid_t	upgrade_predecessor(void);
/* Done with the channel (taken over, or stopping). */
void	upgrade_child_done(void);

/*
 * upgrade_exec.c: the binary to run (path, or NULL for the one netd was
 * started from, as it is on disk now), checked and made absolute into
 * binary; and its start with g's listeners, the control socket and its
 * lock, and the channel's end chan.  0 / a proc.c handle, or -1 with the
 * reason in err.
 */
struct netd_config;
int	upgrade_exec_resolve(const struct netd_config *cfg, const char *path,
	    char *binary, size_t binlen, char *err, size_t errlen);
int	upgrade_exec_spawn(const struct generation *g, const char *binary,
	    int ctl, int lock, int chan, char *err, size_t errlen);

/* Both sides: the channel to poll, and what came on it. */
int	upgrade_pollfd(struct pollfd *pfd);
enum upgrade_event upgrade_handle(void);

#endif
