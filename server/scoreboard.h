/*
 * The scoreboard: what workers report and what the master publishes, in
 * two shared mappings made before the first fork.
 *
 *  - sb (read-write in every process): each worker's own row and the
 *    per-listener and per-service counters.  A worker can write all of
 *    it, so the master reads from it only counts to show, never a pid, an
 *    index it acts on unchecked, or anything it decides on.
 *  - sbv, the view (written by the master alone): master, pool, slots
 *    (pids, backoff, deadlines), listener and service names.  Workers map
 *    it read-only from a sealed memfd, so none can forge what status shows.
 */
#ifndef NETD_SCOREBOARD_H
#define NETD_SCOREBOARD_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "addr.h"
#include "config.h"
#include "recycle.h"

#define SB_SLOTS	(2 * NETD_MAX_WORKERS)	/* room for draining ones */
/*
 * A configuration may have half as many listeners and services as the
 * tables hold, so that a reload that replaces all of them always fits
 * while the old ones are still counted.
 */
#define SB_LISTENERS	1024
#define SB_SERVICES	256
#define NETD_MAX_LISTENERS	(SB_LISTENERS / 2)
#define NETD_MAX_SERVICES	(SB_SERVICES / 2)

/* What a worker says it is doing (written by the worker). */
enum sb_state {
	SB_EMPTY,
	SB_STARTING,
	SB_IDLE,
	SB_BUSY,
	SB_EXITING,
	SB_NSTATES
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

/* Why a worker refused a connection. */
enum sb_refuse {
	REFUSE_DENIED,		/* not in allow */
	REFUSE_BUSY,		/* over max_connections */
	REFUSE_SOURCE,		/* over max_per_source */
	REFUSE_NREASONS
};

#define SB_CONN_STATES	4	/* enum conn_state */
#define SB_EXIT_REASONS	6	/* enum exit_reason */
#define SB_CONN_ROWS	1024	/* connections a worker lists (of any number) */

/* A worker's own row. */
struct sb_worker {
	int		 state;		/* enum sb_state */
	uint32_t	 conns;		/* open now */
	uint32_t	 conn_max;	/* room: worker_connections, bounded */
	uint32_t	 conn_states[SB_CONN_STATES];
	uint32_t	 table_hw;	/* rows of its table ever used */
	uint64_t	 refused[REFUSE_NREASONS];
	char		 service_name[NETD_NAME_MAX];
	char		 peer[PEER_TEXT_MAX];
	uint64_t	 since_ms;	/* current state since, wall clock */
	uint64_t	 heartbeat_ms;	/* last sign of life (monotonic) */
	uint64_t	 requests;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 wakeups;	/* returns from epoll_wait with events */
	uint64_t	 accepts;	/* connections or datagrams taken */
	int		 recycle;	/* leaving for this: enum recycle_reason */
	/* Connections it counts in each service's active: undone if it dies. */
	uint32_t	 active[SB_SERVICES];
};

/* A connection as a worker lists it (the first SB_CONN_ROWS of them). */
struct sb_conn {
	uint8_t		 in_use;
	uint8_t		 state;		/* enum conn_state */
	uint16_t	 service;	/* counter row */
	uint16_t	 family;
	uint16_t	 port;
	uint8_t		 addr[16];
	uint64_t	 since_ms;	/* wall clock */
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
};

struct sb_listener_count {
	uint64_t	 connections;	/* accepted / datagrams received */
	uint64_t	 errors;	/* accept or service errors */
	uint64_t	 refused;	/* allow or max_connections */
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;
	uint64_t	 drops[DROP_NREASONS];
};

struct sb_service_count {
	int		 active;	/* connections being served now */
	uint64_t	 connections;
	uint64_t	 refused_busy;
};

struct scoreboard {
	uint64_t		 accept_token;	/* accept_token.c's word */
	struct sb_worker	 workers[SB_SLOTS];
	struct sb_listener_count listeners[SB_LISTENERS];
	struct sb_service_count	 services[SB_SERVICES];
};

/* The master's view of a slot, as status shows it. */
enum sbv_slot_state {
	SBV_FREE,
	SBV_RUNNING,
	SBV_RETIRING,		/* asked to leave: pool shrinking */
	SBV_DRAINING,		/* old generation or stopping: finish, exit */
	SBV_BACKOFF,		/* died early; respawn at retry */
	SBV_FAILED,		/* cannot start; waits for a reload */
	SBV_STALLED,		/* did not come back to its loop: killed */
};

struct sbv_slot {
	int		 state;		/* enum sbv_slot_state */
	pid_t		 pid;
	uint32_t	 generation;
	uint64_t	 started_ms;	/* wall clock */
	uint64_t	 deadline_ms;	/* draining: terminated at (wall) */
	uint64_t	 retry_ms;	/* backoff: respawn at (wall) */
	int		 fails;		/* early deaths in a row */
	char		 last_exit[96];
	int		 recycle;	/* leaving, why: enum recycle_reason */
	struct recycle_limits limits;	/* its own, jitter included */
};

struct sbv_listener {
	int		 in_use;
	int		 proto;		/* enum listen_proto */
	char		 addr[ADDR_TEXT_MAX];
	char		 service[NETD_NAME_MAX];
};

struct sbv_service {
	int		 in_use;
	char		 name[NETD_NAME_MAX];
};

/*
 * What the master measures (stats.c, saturation.c): the accept queue of
 * each TCP listener, rates over the last second, each worker's CPU time
 * and memory from /proc, its own process figures, and whether the pool
 * is at its limit.
 */
struct sbv_listener_stats {
	int		 queue_known;	/* a TCP listener: TCP_INFO read */
	uint32_t	 queue;		/* connections waiting to be accepted */
	uint32_t	 queue_limit;	/* its backlog */
	uint32_t	 queue_peak;	/* the most seen waiting */
	double		 rate;		/* connections or datagrams a second */
	double		 in_rate;	/* bytes a second */
	double		 out_rate;
};

struct sbv_slot_stats {
	pid_t		 pid;		/* the worker these figures are of */
	uint64_t	 cpu_ms;	/* user + system */
	uint64_t	 rss;		/* resident bytes */
	double		 cpu;		/* share of one CPU, last second */
	double		 rate;		/* requests a second */
};

struct sbv_stats {
	uint64_t	 cpu_ms;	/* the master's, user + system */
	uint64_t	 rss;
	uint64_t	 vsize;
	int		 open_fds;
	int64_t		 max_fds;
	double		 requests_rate;	/* the whole pool, a second */
	double		 in_rate;
	double		 out_rate;
	int		 saturated;	/* at the limit now */
	uint64_t	 saturated_ms;	/* since (wall clock), if so */
	uint64_t	 saturations;	/* episodes */
	uint64_t	 saturated_total_ms;	/* time at the limit, ended ones */
};

struct sb_view {
	pid_t		 master_pid;
	uint64_t	 master_start_ms;
	uint32_t	 generation;
	int		 stopping;
	int		 target;
	int		 min_spare, max_spare, max_workers;
	uint64_t	 stalls;	/* workers replaced as stalled */
	uint64_t	 recycled[RECYCLE_NREASONS];	/* by reason */
	uint64_t	 exits[SB_EXIT_REASONS];	/* server/exits.c */
	uint64_t	 reloads;
	uint64_t	 reload_failures;
	uint64_t	 reload_ms;	/* wall clock of the last reload */
	int		 reload_ok;
	char		 reload_msg[256];
	char		 config[1024];
	/* Log files: reopened when log_gen moves (server/logfile.c). */
	uint32_t	 log_gen;
	struct sbv_log {
		char	 path[1024];	/* "": not a file */
		uint64_t dev, ino;
	}		 logs[2];	/* main, access */
	struct sbv_slot	 slots[SB_SLOTS];
	struct sbv_listener listeners[SB_LISTENERS];
	struct sbv_service services[SB_SERVICES];
	struct sbv_stats stats;
	struct sbv_listener_stats listener_stats[SB_LISTENERS];
	struct sbv_slot_stats slot_stats[SB_SLOTS];
};

extern struct scoreboard *sb;
extern const struct sb_view *sbv;
extern struct sb_conn *sbconn;	/* SB_SLOTS * SB_CONN_ROWS */

/* Master: make both mappings; the view stays writable here only. */
int	scoreboard_init(void);
struct sb_view *scoreboard_view(void);
/* Worker: map the view read-only and forget the writable one. */
int	scoreboard_attach(void);
/* The descriptor a worker keeps until scoreboard_attach(). */
int	scoreboard_view_fd(void);

void	scoreboard_worker_reset(int slot);
void	scoreboard_set_state(int slot, int state, const char *service,
	    const char *peer);
/* A worker's state as it reports it, checked: SB_EMPTY if nonsense. */
int	scoreboard_worker_state(int slot);

/* A worker's connection table (rows beyond SB_CONN_ROWS are not listed). */
void	scoreboard_conn_open(int slot, int row, int service,
	    const struct sockaddr_storage *peer, uint64_t since_ms);
void	scoreboard_conn_state(int slot, int row, int state);
void	scoreboard_conn_bytes(int slot, int row, uint64_t in, uint64_t out);
void	scoreboard_conn_close(int slot, int row);
/* Master, a worker gone: undo what it counted in service counters. */
void	scoreboard_worker_gone(int slot);

int	scoreboard_listener_alloc(int proto, const char *addr,
	    const char *service);
void	scoreboard_listener_rename(int idx, const char *service);
void	scoreboard_listener_free(int idx);
int	scoreboard_service_index(const char *name, int create);
void	scoreboard_service_free(int idx);
const char *sb_state_name(int state);
const char *sbv_slot_state_name(int state);

/* Counters shared between processes. */
#define SB_ADD(field, n)	__atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)
#define SB_SUB(field, n)	__atomic_sub_fetch(&(field), (n), __ATOMIC_RELAXED)
#define SB_LOAD(field)		__atomic_load_n(&(field), __ATOMIC_RELAXED)

#endif
