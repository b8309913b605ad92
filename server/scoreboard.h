/* The scoreboard: worker slots and counters in memory shared by all processes. */
#ifndef NETD_SCOREBOARD_H
#define NETD_SCOREBOARD_H

#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "config.h"

#define SB_SLOTS	(2 * NETD_MAX_WORKERS)	/* room for draining ones */
#define SB_LISTENERS	256
#define SB_SERVICES	128

/* What a worker says it is doing (written by the worker). */
enum sb_state {
	SB_EMPTY,
	SB_STARTING,
	SB_IDLE,
	SB_BUSY,
	SB_EXITING,
};

/* Why a datagram got no reply. */
enum sb_drop {
	DROP_PORT,	/* source port 0 or below 1024 */
	DROP_LOOP,	/* source is another netd UDP service */
	DROP_BCAST,	/* broadcast or multicast source */
	DROP_RATE,	/* over udp_rate */
	DROP_DENIED,	/* not in allow */
	DROP_NREASONS
};

struct sb_worker {
	pid_t		 pid;
	int		 state;		/* enum sb_state */
	uint32_t	 generation;
	int		 listener;	/* serving on, or -1 */
	int		 service;	/* index in services[] counted, or -1 */
	char		 service_name[NETD_NAME_MAX];
	char		 peer[PEER_TEXT_MAX];
	uint64_t	 started_ms;	/* process start, wall clock */
	uint64_t	 since_ms;	/* current state since, wall clock */
	uint64_t	 requests;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 wakeups;	/* returns from epoll_wait with events */
	uint64_t	 accepts;	/* connections or datagrams taken */
};

struct sb_listener {
	int		 in_use;
	int		 proto;		/* enum listen_proto */
	char		 addr[ADDR_TEXT_MAX];
	char		 service[NETD_NAME_MAX];
	uint64_t	 connections;	/* accepted / datagrams received */
	uint64_t	 errors;	/* accept or service errors */
	uint64_t	 refused;	/* allow or max_connections */
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 drops[DROP_NREASONS];
};

struct sb_service {
	char		 name[NETD_NAME_MAX];
	int		 in_use;
	int		 active;	/* connections being served now */
	uint64_t	 connections;
	uint64_t	 refused_busy;
};

enum slot_state {
	SLOT_FREE,
	SLOT_RUNNING,
	SLOT_DRAINING,		/* old generation or stopping: finish, exit */
	SLOT_BACKOFF,		/* died early; respawn at retry_at */
};

struct slot {
	int		 state;
	pid_t		 pid;
	uint32_t	 generation;
	int		 retiring;	/* asked to leave; not a failure */
	int		 term_sent;
	uint64_t	 started;	/* monotonic ms */
	uint64_t	 deadline;	/* draining: terminate at (monotonic) */
	uint64_t	 deadline_wall;
	int		 fails;		/* early deaths in a row */
	uint64_t	 delay;		/* current backoff, ms */
	uint64_t	 retry_at;	/* monotonic */
	uint64_t	 retry_wall;
	char		 last_exit[64];
};

/* What only the master knows, published for status. */
struct sb_master {
	int		 target;
	int		 min_spare, max_spare, max_workers;
	int		 stopping;
	uint64_t	 reloads;
	uint64_t	 reload_failures;
	uint64_t	 reload_ms;	/* wall clock of the last reload */
	int		 reload_ok;
	char		 reload_msg[256];
	char		 config[1024];
};

struct scoreboard {
	uint64_t	 master_start_ms;
	pid_t		 master_pid;
	uint32_t	 generation;
	struct sb_listener listeners[SB_LISTENERS];
	struct sb_service  services[SB_SERVICES];
	struct sb_worker   workers[SB_SLOTS];
	struct slot	   slots[SB_SLOTS];
	struct sb_master   master;
};

extern struct scoreboard *sb;

int	scoreboard_init(void);
void	scoreboard_worker_reset(int slot, pid_t pid, uint32_t generation);
void	scoreboard_set_state(int slot, int state, const char *service,
	    const char *peer);
int	scoreboard_listener_alloc(int proto, const char *addr,
	    const char *service);
void	scoreboard_listener_free(int idx);
int	scoreboard_service_index(const char *name, int create);
const char *sb_state_name(int state);
const char *slot_state_name(int slot);

/* Counters shared between processes. */
#define SB_ADD(field, n)	__atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)
#define SB_SUB(field, n)	__atomic_sub_fetch(&(field), (n), __ATOMIC_RELAXED)
#define SB_LOAD(field)		__atomic_load_n(&(field), __ATOMIC_RELAXED)

#endif
