/* The worker pool as the master sees it: slots, respawn, backoff, spares. */
#ifndef NETD_POOL_H
#define NETD_POOL_H

#include <stdint.h>
#include <sys/types.h>

#include "scoreboard.h"

struct pool {
	struct slot	*slots;		/* in the scoreboard */
	uint32_t	 generation;	/* the serving generation */
	int		 target;	/* base size: workers, scale */
	int		 min_spare, max_spare, max_workers;
	int		 shutdown_timeout_ms;
	int		 stopping;	/* no respawns */
	int		 spawn_rate;	/* spare spawns per tick, doubling */
	uint64_t	 last_tick;
	uint64_t	 last_retire;
};

extern struct pool pool;

#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		30000
#define HEALTHY_MS		60000	/* alive this long: failures forgiven */

void	pool_reap(void);
void	pool_maintain(void);
void	pool_shrink_to(int n);
void	pool_drain_generation(uint32_t older_than, int timeout_ms);
void	pool_signal_all(int sig);
int	pool_live(int *idle, int *busy);
int	pool_running(void);
int	pool_generation_ready(void);
int	pool_next_timeout(void);

#endif
