/*
 * "Pool at its limit" episodes, as Apache's "server reached
 * MaxRequestWorkers setting" and PHP-FPM's "max children reached": the
 * serving generation runs max_workers workers, all of them started, and
 * none has a free connection slot (with worker_connections = 1: every
 * worker busy), so that new clients wait in the listeners' accept queues
 * until a slot frees.  One warning when an episode begins, one notice
 * when it ends; the state, since when, and the number of episodes go
 * into the scoreboard's view for status and /metrics.  The workers'
 * connection counts are worker-written: they are only counted and
 * reported here, never acted on.
 */
#include <stdio.h>

#include "events.h"
#include "human.h"
#include "io.h"
#include "log.h"
#include "saturation.h"
#include "scoreboard.h"

/* Where an episode begins or ends: the log, and `netctl watch`. */
static void
saturation_event(int begin, int workers, uint64_t conns, uint64_t lasted_ms)
{
	char d[32];

	if (begin) {
		/* At the limit every live worker is full: all are busy. */
		events_emit(EV_SATURATED, json_pack("{s:i, s:i, s:i, s:I}",
		    "workers", workers, "max_workers", (int)sbv->max_workers,
		    "busy", workers, "connections", (json_int_t)conns));
		log_warnx("pool at its limit: max_workers (%d) reached and "
		    "all %llu connection slots in use; new clients wait in "
		    "the accept queue", workers, (unsigned long long)conns);
		return;
	}
	events_emit(EV_UNSATURATED, json_pack("{s:i, s:i, s:I}",
	    "workers", workers, "max_workers", (int)sbv->max_workers,
	    "lasted_ms", (json_int_t)lasted_ms));
	human_duration((double)lasted_ms / 1000, d, sizeof(d));
	log_notice("pool no longer at its limit (after %s)", d);
}

/* Is the pool at its limit?  Live workers and connections in *w, *c. */
static int
saturation_now(int *workers, uint64_t *conns)
{
	const struct sbv_slot *s;
	uint32_t n, max;
	int i, st, live = 0, room = 0;

	*conns = 0;
	for (i = 0; i < SB_SLOTS; i++) {
		s = &sbv->slots[i];
		if (s->state != SBV_RUNNING || s->generation != sbv->generation)
			continue;
		live++;
		st = scoreboard_worker_state(i);
		n = SB_LOAD(sb->workers[i].conns);
		max = SB_LOAD(sb->workers[i].conn_max);
		*conns += n;
		if (st == SB_STARTING || (st == SB_IDLE && n == 0) ||
		    n < max)
			room = 1;
	}
	*workers = live;
	return !sbv->stopping && sbv->max_workers > 0 &&
	    live >= sbv->max_workers && !room;
}

void
saturation_tick(void)
{
	struct sbv_stats *st = &scoreboard_view()->stats;
	uint64_t conns, now;
	int workers, at;

	at = saturation_now(&workers, &conns);
	if (at == st->saturated)
		return;
	now = realtime_ms();
	if (at) {
		st->saturated = 1;
		st->saturated_ms = now;
		st->saturations++;
		saturation_event(1, workers, conns, 0);
	} else {
		st->saturated = 0;
		if (now > st->saturated_ms)
			st->saturated_total_ms += now - st->saturated_ms;
		saturation_event(0, workers, conns, now > st->saturated_ms ?
		    now - st->saturated_ms : 0);
		st->saturated_ms = 0;
	}
}
