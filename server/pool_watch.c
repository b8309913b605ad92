/*
 * The pool's watchers, run from pool_maintain and the master's loop:
 * draining workers past their deadline (TERM, then KILL), the slot table
 * full of draining generations, workers that stopped coming back to their
 * loop (stall_timeout), and recycling by max_requests, max_age and
 * max_rss.  They act on the master's own slot table (pool_slot.h); of a
 * worker's row they read only what pool.c's comment allows.
 */
#include <signal.h>
#include <stdio.h>

#include "generation.h"
#include "io.h"
#include "log.h"
#include "pool.h"
#include "pool_slot.h"
#include "proc.h"
#include "recycle.h"
#include "scoreboard.h"

static uint64_t stalls;		/* workers killed as stalled, ever */
static uint64_t last_measure;	/* age and rss looked at (monotonic) */

uint64_t
pool_stalls(void)
{
	return stalls;
}

void
pool_deadlines(void)
{
	uint64_t now = monotonic_ms();
	struct slot *s;
	int i;

	for (i = 0; i < pool_nslots(); i++) {
		s = pool_slot(i);
		if (s->state != SLOT_DRAINING || now < s->deadline)
			continue;
		if (!s->term_sent) {
			log_warnx("worker %d (pid %d, generation %u) still busy "
			    "after shutdown_timeout (%dms): terminating", i,
			    (int)s->pid, s->generation, s->drain_ms);
			pool_slot_signal(s, SIGTERM);
			s->term_sent = 1;
		} else if (now >= s->deadline + KILL_GRACE_MS) {
			log_warnx("worker %d (pid %d) ignored TERM: killing", i,
			    (int)s->pid);
			pool_slot_signal(s, SIGKILL);
			s->deadline = now + 60000;
		}
	}
}

/*
 * Reloads in a tight loop while clients hold old workers could fill the
 * slot table with draining generations: when the serving generation needs
 * a slot and none is free, the draining worker nearest its deadline is
 * terminated now.
 */
void
pool_terminate_oldest_draining(uint64_t now)
{
	struct slot *s, *best = NULL;
	int i, bi = -1;

	for (i = 0; i < pool_nslots(); i++) {
		s = pool_slot(i);
		if (s->state == SLOT_DRAINING && !s->term_sent &&
		    (best == NULL || s->deadline < best->deadline)) {
			best = s;
			bi = i;
		}
	}
	if (best == NULL)
		return;
	log_warnx("no free worker slot: terminating draining worker %d "
	    "(pid %d, generation %u) early", bi,
	    (int)best->pid, best->generation);
	pool_slot_signal(best, SIGTERM);
	best->term_sent = 1;
	best->deadline = now;
}

/*
 * A worker comes back to its loop (or shows life while a client holds
 * it) at least once a second.  One that has not for stall_timeout is
 * stopped, frozen or stuck: it cannot serve, so it is killed and, being
 * no longer counted, replaced.  A worker still starting counts from its
 * fork.
 */
void
pool_check_stalls(uint64_t now)
{
	uint64_t last, limit = (uint64_t)pool_generation()->cfg->stall_timeout_ms;
	struct slot *s;
	int i, st;

	if (limit == 0)
		return;
	for (i = 0; i < pool_nslots(); i++) {
		s = pool_slot(i);
		if (s->state != SLOT_RUNNING)
			continue;
		st = scoreboard_worker_state(i);
		last = st == SB_STARTING ? s->started :
		    SB_LOAD(sb->workers[i].heartbeat_ms);
		if (last == 0 || last > now || now - last < limit)
			continue;
		log_warnx("worker %d (pid %d, generation %u) has not come "
		    "back to its loop for %llums (stopped, frozen or stuck): "
		    "killing it, starting another", i, (int)s->pid,
		    s->generation, (unsigned long long)(now - last));
		pool_slot_signal(s, SIGKILL);
		s->state = SLOT_DRAINING;
		s->stalled = 1;
		s->term_sent = 1;
		s->deadline = now + 60000;
		s->deadline_wall = 0;
		stalls++;
	}
}

/* Leave now, finishing its connections within shutdown_timeout. */
static void
slot_drain(struct slot *s, uint64_t now)
{
	s->state = SLOT_DRAINING;
	s->quit_pending = 0;
	s->drain_ms = pool_generation()->cfg->shutdown_timeout_ms;
	s->deadline = now + (uint64_t)s->drain_ms;
	s->deadline_wall = realtime_ms() + (uint64_t)s->drain_ms;
}

/*
 * Workers due for recycling: max_requests, which a worker counts and
 * says in its row (it is leaving already), or its max_age or max_rss,
 * which the master measures itself (the size once a second).  Such a worker no
 * longer counts toward the pool, so pool_maintain starts its
 * replacement at once; it is asked to leave when no worker of the
 * serving generation is still starting (recycle_quit), so that capacity
 * never dips.
 */
void
pool_recycle_check(uint64_t now)
{
	struct slot *s;
	char why[96];
	int i, st, reason, measure = now - last_measure >= 1000;

	if (measure)
		last_measure = now;
	for (i = 0; i < pool_nslots(); i++) {
		s = pool_slot(i);
		if (s->state != SLOT_RUNNING || s->retiring ||
		    s->generation != pool_current())
			continue;
		st = scoreboard_worker_state(i);
		if (st != SB_IDLE && st != SB_BUSY)
			continue;
		/* One with no connection left exits now: its slot respawns. */
		if (SB_LOAD(sb->workers[i].recycle) == RECYCLE_REQUESTS &&
		    SB_LOAD(sb->workers[i].conns) > 0) {
			reason = RECYCLE_REQUESTS;
			snprintf(why, sizeof(why), "served %llu, finishing",
			    (unsigned long long)SB_LOAD(sb->workers[i].requests));
		} else if ((reason = recycle_due(&s->limits, now - s->started,
		    measure && s->limits.rss > 0 ? proc_rss(s->proc) : 0,
		    why, sizeof(why))) == RECYCLE_NONE)
			continue;
		s->retiring = 1;
		s->recycle = reason;
		s->quit_pending = 1;
		s->quit_by = now + RECYCLE_WAIT_MS;
		if (reason == RECYCLE_REQUESTS)
			slot_drain(s, now);	/* no QUIT: it is leaving */
		log_info("worker %d (pid %d, generation %u) recycling: %s (%s); "
		    "starting its replacement", i, (int)s->pid, s->generation,
		    recycle_name(reason), why);
	}
}

/* Recycled workers whose replacements have started: ask them to leave. */
void
pool_recycle_quit(uint64_t now)
{
	struct slot *s;
	int i, starting = 0;

	for (i = 0; i < pool_nslots(); i++)
		if (pool_slot(i)->state == SLOT_RUNNING && !pool_slot(i)->retiring &&
		    pool_slot(i)->generation == pool_current() &&
		    scoreboard_worker_state(i) == SB_STARTING)
			starting = 1;
	for (i = 0; i < pool_nslots(); i++) {
		s = pool_slot(i);
		if (s->state != SLOT_RUNNING || !s->quit_pending ||
		    (starting && now < s->quit_by))
			continue;
		slot_drain(s, now);
		pool_slot_signal(s, SIGQUIT);
	}
}

/* Until the next of the deadlines above, or a starting worker's look. */
int
pool_next_timeout(void)
{
	uint64_t now = monotonic_ms(), next = now + 1000, t;
	int i;

	for (i = 0; i < pool_nslots(); i++) {
		struct slot *s = pool_slot(i);

		t = 0;
		/* A worker starting: look again soon, to say ready soon. */
		if (s->state == SLOT_RUNNING &&
		    scoreboard_worker_state(i) == SB_STARTING)
			t = now + 10;
		else if (s->state == SLOT_RUNNING && s->quit_pending)
			t = now + 10;
		else if (s->state == SLOT_RUNNING && !s->retiring &&
		    s->limits.age_ms > 0)
			t = s->started + s->limits.age_ms > now ?
			    s->started + s->limits.age_ms : now + 10;
		else if (s->state == SLOT_BACKOFF)
			t = s->retry_at;
		else if (s->state == SLOT_DRAINING)
			t = s->term_sent ? s->deadline + KILL_GRACE_MS :
			    s->deadline;
		if (t != 0 && t < next)
			next = t;
	}
	return next <= now ? 0 : (int)(next - now);
}
