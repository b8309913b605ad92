/*
 * The recycling policy: each worker gets its own limits when it is
 * forked, its config key plus a random part of the key's jitter
 * (max_requests_jitter, max_age_jitter, max_rss_jitter, as gunicorn's
 * max_requests_jitter), so that workers started together do not all
 * leave together.  The worker counts its own requests (worker.c); the
 * master measures age and resident size (pool.c, proc.c) and asks
 * whether either is due here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "recycle.h"

static const char *names[RECYCLE_NREASONS] = {
	[RECYCLE_NONE] = "none",
	[RECYCLE_REQUESTS] = "max_requests",
	[RECYCLE_AGE] = "max_age",
	[RECYCLE_RSS] = "max_rss",
};

const char *
recycle_name(int reason)
{
	return reason > RECYCLE_NONE && reason < RECYCLE_NREASONS ?
	    names[reason] : names[RECYCLE_NONE];
}

/* 0..jitter, uniformly; 64 bits from two draws when it is that wide. */
static uint64_t
jitter(uint64_t max)
{
	uint64_t v;

	if (max == 0)
		return 0;
	if (max < UINT32_MAX)
		return arc4random_uniform((uint32_t)max + 1);
	v = ((uint64_t)arc4random() << 32) | arc4random();
	return max == UINT64_MAX ? v : v % (max + 1);
}

void
recycle_roll(const struct netd_config *cfg, struct recycle_limits *l)
{
	l->requests = cfg->max_requests > 0 ? (uint64_t)cfg->max_requests +
	    jitter((uint64_t)cfg->max_requests_jitter) : 0;
	l->age_ms = cfg->max_age_ms > 0 ? (uint64_t)cfg->max_age_ms +
	    jitter((uint64_t)cfg->max_age_jitter_ms) : 0;
	l->rss = cfg->max_rss > 0 && cfg->max_rss_jitter < UINT64_MAX -
	    cfg->max_rss ? cfg->max_rss + jitter(cfg->max_rss_jitter) :
	    cfg->max_rss;
}

int
recycle_due(const struct recycle_limits *l, uint64_t age_ms, uint64_t rss,
    char *why, size_t len)
{
	if (l->age_ms > 0 && age_ms >= l->age_ms) {
		snprintf(why, len, "lived %.1fs, max_age %.1fs",
		    (double)age_ms / 1000, (double)l->age_ms / 1000);
		return RECYCLE_AGE;
	}
	if (l->rss > 0 && rss >= l->rss) {
		snprintf(why, len, "resident %lluK, max_rss %lluK",
		    (unsigned long long)(rss / 1024),
		    (unsigned long long)(l->rss / 1024));
		return RECYCLE_RSS;
	}
	return RECYCLE_NONE;
}

/* A limit in JSON: null when there is none. */
static json_t *
limit_json(uint64_t v, double scale)
{
	if (v == 0)
		return json_null();
	return scale == 1 ? json_integer((json_int_t)v) :
	    json_real((double)v / scale);
}

void
recycle_slot_json(json_t *o, int reason, const struct recycle_limits *l)
{
	if (o == NULL)
		return;
	json_object_set_new(o, "recycle", reason != RECYCLE_NONE ?
	    json_string(recycle_name(reason)) : json_null());
	json_object_set_new(o, "limits", json_pack("{s:o, s:o, s:o}",
	    "max_requests", limit_json(l->requests, 1),
	    "max_age", limit_json(l->age_ms, 1000),
	    "max_rss", limit_json(l->rss, 1)));
}

json_t *
recycle_counts_json(const uint64_t counts[RECYCLE_NREASONS])
{
	return json_pack("{s:I, s:I, s:I}",
	    "max_requests", (json_int_t)counts[RECYCLE_REQUESTS],
	    "max_age", (json_int_t)counts[RECYCLE_AGE],
	    "max_rss", (json_int_t)counts[RECYCLE_RSS]);
}
