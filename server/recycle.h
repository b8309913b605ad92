/* Recycling: when a worker has served long enough to be replaced. */
#ifndef NETD_RECYCLE_H
#define NETD_RECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct netd_config;

enum recycle_reason {
	RECYCLE_NONE,
	RECYCLE_REQUESTS,	/* max_requests served */
	RECYCLE_AGE,		/* max_age lived */
	RECYCLE_RSS,		/* max_rss resident */
	RECYCLE_NREASONS
};

/* One worker's limits, each its key plus its jitter; 0: none. */
struct recycle_limits {
	uint64_t	 requests;
	uint64_t	 age_ms;
	uint64_t	 rss;
};

/* Roll a new worker's limits from cfg (uniform within each jitter). */
void	recycle_roll(const struct netd_config *cfg, struct recycle_limits *l);
/*
 * Is a worker that has lived age_ms and holds rss bytes (0: unknown) due?
 * Its reason, with what was measured against what in why; or RECYCLE_NONE.
 */
int	recycle_due(const struct recycle_limits *l, uint64_t age_ms,
	    uint64_t rss, char *why, size_t len);
/* "max_requests", "max_age", "max_rss" (the key that caused it). */
const char *recycle_name(int reason);

/* Into a worker's status object: "recycle" (why it leaves), "limits". */
void	recycle_slot_json(json_t *o, int reason,
	    const struct recycle_limits *l);
/* {"max_requests": n, "max_age": n, "max_rss": n}: workers recycled. */
json_t	*recycle_counts_json(const uint64_t counts[RECYCLE_NREASONS]);

#endif
