/*
 * The pool's slot table, shared by the pool's own files (pool.c owns it,
 * pool_watch.c watches deadlines, stalls and recycling, pool_view.c
 * publishes it for status): never included elsewhere.  A slot is the master's private record of one worker.
 */
#ifndef NETD_POOL_SLOT_H
#define NETD_POOL_SLOT_H

#include <stdint.h>
#include <sys/types.h>

#include "recycle.h"

struct generation;

#define KILL_GRACE_MS	2000	/* after TERM, before KILL */
#define FAST_STOP_MS	5000	/* TERM to KILL on a fast stop */

enum slot_state {
	SLOT_FREE,
	SLOT_RUNNING,
	SLOT_DRAINING,		/* old generation or stopping: finish, exit */
	SLOT_BACKOFF,		/* died early; respawn at retry_at */
	SLOT_FAILED,		/* cannot start; waits for a reload */
};

struct slot {
	int		 state;
	int		 proc;		/* proc.c handle */
	pid_t		 pid;		/* for messages; signals go by proc */
	uint32_t	 generation;
	int		 retiring;	/* asked to leave; not a failure */
	int		 term_sent;
	uint64_t	 started;	/* monotonic ms */
	uint64_t	 started_wall;
	uint64_t	 deadline;	/* draining: terminate at (monotonic) */
	uint64_t	 deadline_wall;
	int		 drain_ms;	/* the shutdown_timeout it was given */
	int		 fails;		/* early deaths in a row */
	int		 holds_place;	/* in backoff: counts toward the size */
	int		 stalled;	/* killed for not coming back */
	uint64_t	 delay;		/* current backoff, ms */
	uint64_t	 retry_at;	/* monotonic */
	uint64_t	 retry_wall;
	char		 last_exit[96];
	struct recycle_limits limits;	/* rolled at its start */
	int		 recycle;	/* leaving for this reason */
	int		 quit_pending;	/* recycled: QUIT once replaced */
	uint64_t	 quit_by;	/* ... or by then (monotonic) */
};

struct slot	*pool_slot(int i);	/* NULL past the slots in use */
int		 pool_nslots(void);
uint32_t	 pool_current(void);	/* the serving generation */
const struct generation *pool_generation(void);
const uint64_t	*pool_recycled(void);	/* by reason, ever */
void		 pool_slot_signal(struct slot *s, int sig);

uint64_t	 pool_stalls(void);
void		 pool_terminate_oldest_draining(uint64_t now);
void		 pool_check_stalls(uint64_t now);
void		 pool_recycle_check(uint64_t now);
void		 pool_recycle_quit(uint64_t now);

#endif
