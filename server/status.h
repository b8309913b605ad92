/* The JSON document about the running daemon: status. */
#ifndef NETD_STATUS_H
#define NETD_STATUS_H

#include <jansson.h>

#include "config.h"

/*
 * The status document (netctl status --json, GET /status): "netd" (pid,
 * version, uptime, config, generation, last reload), "pool", "listeners",
 * "services", "workers".  Built from the scoreboard, so a worker can build
 * it too; the master adds what only it knows (slot states, backoff).
 */
json_t	*status_json(void);
/*
 * Every connection the workers list (each lists its first SB_CONN_ROWS):
 * slot, pid, service, peer, state, for, bytes_in, bytes_out.
 */
json_t	*status_connections_json(void);

#endif
