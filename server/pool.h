/* The worker pool: the master's policy for how many workers, and which. */
#ifndef NETD_POOL_H
#define NETD_POOL_H

#include <stdint.h>

struct generation;

#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		30000
#define HEALTHY_MS		60000	/* alive this long: failures forgiven */
#define RECYCLE_WAIT_MS		5000	/* a replacement starting, at most */

/*
 * Serve generation g from now on: its settings apply, the pool goes back
 * to its `workers`, workers of older generations drain for up to its
 * shutdown_timeout, and slots that failed to start get another try.
 */
void	pool_configure(const struct generation *g);
/* Start, retire and respawn workers as the spare rules say. */
void	pool_maintain(void);
/* A child reaped (proc_reap) that was not the upgrade's: a worker. */
void	pool_exited(int id, int status, int sent);
/*
 * Set the pool size (clamped to 1..max_workers); the size before.  by
 * says who asked ("scale", "signal"), for the event stream.
 */
int	pool_scale(int n, const char *by);
int	pool_target(void);
/* Stopping: TERM everything (fast), or QUIT and drain (graceful). */
void	pool_stop(int graceful, int timeout_ms);
/* Draining workers past their deadline: TERM, then KILL. */
void	pool_deadlines(void);
/* Past the stop deadline. */
void	pool_kill_all(void);
/* Current-generation workers; idle and busy ones among them. */
int	pool_live(int *idle, int *busy);
/* Worker processes alive, any generation. */
int	pool_running(void);
/* Have the current generation's workers all started? */
int	pool_ready(void);
/*
 * Can no worker of the serving generation start: every one of its slots
 * stopped as failed, until a reload?  why: the last exit of one of them.
 */
int	pool_cannot_start(char *why, size_t len);
/* Milliseconds until the pool needs looking at again. */
int	pool_next_timeout(void);
/* Write the slot table into the scoreboard's view, for status. */
void	pool_publish(void);

#endif
