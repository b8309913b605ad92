/*
 * Timers for a worker's event loop: a binary min-heap of deadlines.  Add,
 * move and cancel cost O(log n); the next deadline is O(1).  A timer is
 * embedded in what it times (a connection), so nothing is allocated per
 * operation.
 */
#ifndef NETD_TIMER_H
#define NETD_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct timer {
	uint64_t	 at;		/* monotonic ms */
	size_t		 idx;		/* in the heap, or TIMER_IDLE */
	void		(*fire)(struct timer *);
};

#define TIMER_IDLE	((size_t)-1)

void	timer_init(struct timer *t, void (*fire)(struct timer *));
/* Arm (or move) t to fire at `at`; -1 if the heap cannot grow. */
int	timer_set(struct timer *t, uint64_t at);
void	timer_cancel(struct timer *t);
int	timer_armed(const struct timer *t);
/* Milliseconds until the next deadline (0 if due), or -1 if none. */
int	timer_next(uint64_t now);
/* Fire every timer due at now; each is disarmed before it fires. */
void	timer_run(uint64_t now);
size_t	timer_count(void);

#endif
