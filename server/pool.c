/*
 * The pool: the master's policy for its workers, over a slot table that
 * lives in the master's own memory (workers never see it; status sees a
 * copy published into the scoreboard's read-only view).  Respawn what
 * died, with per-slot exponential backoff for workers that keep dying;
 * stop a slot whose worker says it can never start (until the next
 * reload); keep the pool between `workers` and `max_workers` by the spare
 * rules; retire extras (idle ones first, never by force); bound how long
 * old generations may drain (deadlines, stalls and recycling are
 * watched in pool_watch.c, over the slot table of pool_slot.h, which
 * pool_view.c publishes for status).  Workers are forked and signalled
 * only through proc.c.  What the master reads from the scoreboard is
 * each worker's reported state, checked, used only to count idle and
 * busy.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "conn_limit.h"
#include "events.h"
#include "exits.h"
#include "generation.h"
#include "io.h"
#include "log.h"
#include "pool.h"
#include "pool_slot.h"
#include "proc.h"
#include "recycle.h"
#include "scoreboard.h"
#include "worker.h"

static struct slot slots[SB_SLOTS];
static int nslots;		/* slots [nslots, SB_SLOTS) were never used */
static const struct generation *gen;	/* the one being served */
static int target;		/* base size: workers, or what scale set */
static int spawn_rate = 1;	/* spare spawns per tick, doubling */
static uint64_t last_tick;
static uint64_t recycled[RECYCLE_NREASONS];	/* by reason, ever */
static struct worker_args spawn_args;

struct slot *
pool_slot(int i)
{
	return i >= 0 && i < nslots ? &slots[i] : NULL;
}

int
pool_nslots(void)
{
	return nslots;
}

const uint64_t *
pool_recycled(void)
{
	return recycled;
}

const struct generation *
pool_generation(void)
{
	return gen;
}

uint32_t
pool_current(void)
{
	return gen != NULL ? gen->id : 0;
}

static void
slot_free(struct slot *s)
{
	int idx = (int)(s - slots);

	/* What it counted (max_connections, max_per_source) is undone. */
	if (s->state == SLOT_RUNNING || s->state == SLOT_DRAINING) {
		scoreboard_worker_gone(idx);
		conn_limit_forget(idx);
	}
	sb->workers[idx].state = SB_EMPTY;
	s->state = SLOT_FREE;
	s->proc = -1;
	s->retiring = 0;
	s->term_sent = 0;
	s->stalled = 0;
}

static void
slot_backoff(struct slot *s, uint64_t now)
{
	s->fails++;
	s->delay = BACKOFF_MIN_MS;
	for (int i = 1; i < s->fails && s->delay < BACKOFF_MAX_MS; i++)
		s->delay *= 2;
	if (s->delay > BACKOFF_MAX_MS)
		s->delay = BACKOFF_MAX_MS;
	s->state = SLOT_BACKOFF;
	s->generation = pool_current();
	s->retry_at = now + s->delay;
	s->retry_wall = realtime_ms() + s->delay;
}

/* A recycled worker has left: said, counted, kept as its slot's last exit. */
static void
recycle_done(struct slot *s, int reason, uint64_t lived)
{
	recycled[reason]++;
	snprintf(s->last_exit, sizeof(s->last_exit), "recycled (%s)",
	    recycle_name(reason));
	log_info("worker %d (pid %d, generation %u) recycled (%s) after %.1fs",
	    (int)(s - slots), (int)s->pid, s->generation, recycle_name(reason),
	    (double)lived / 1000);
}

/* A draining worker is gone: how many are still draining. */
static void
drain_progress(uint32_t g, pid_t pid)
{
	int i, left = 0;

	for (i = 0; i < nslots; i++)
		if (slots[i].state == SLOT_DRAINING)
			left++;
	events_emit(EV_DRAIN, json_pack("{s:s, s:i, s:i, s:i}", "phase",
	    left == 0 ? "done" : "progress", "generation", (int)g, "pid",
	    (int)pid, "left", left));
}

/*
 * A worker that dies after it began serving dies of something a request
 * did (a crash, the OOM killer): its slot backs off, but the pool starts
 * another worker meanwhile, so that a request that kills its worker
 * cannot darken the service.  One that dies before it ever served holds
 * its place while it backs off: whatever kills it would kill a
 * replacement too, and replacing it would only be a fork storm.
 */
static void
slot_exited(struct slot *s, int status, int sent, int was_ready)
{
	int idx = (int)(s - slots), code, unexpected, leaving;
	uint32_t was_gen = s->generation;
	int was_draining = s->state == SLOT_DRAINING;
	uint64_t now = monotonic_ms(), lived = now - s->started;
	const char *reason;
	char why[96], serving[600];

	proc_describe(status, sent, why, sizeof(why));
	strlcpy(s->last_exit, why, sizeof(s->last_exit));
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	unexpected = WIFSIGNALED(status) && WTERMSIG(status) != sent;
	if (s->recycle != RECYCLE_NONE && !unexpected && code <= 0)
		recycle_done(s, s->recycle, lived);
	leaving = s->state == SLOT_DRAINING || s->retiring ||
	    s->generation != pool_current();
	events_emit(EV_EXIT, json_pack("{s:i, s:i, s:i, s:s, s:I, s:b}",
	    "slot", idx, "pid", (int)s->pid, "generation", (int)s->generation,
	    "reason", why, "lived_ms", (json_int_t)lived, "leaving", leaving));
	/* Read before the slot is freed: what it served, whom it dropped. */
	exits_count(exits_reason(status, sent, s->stalled, leaving));
	(void)exits_serving(idx, WIFSIGNALED(status) ? "worker killed" :
	    "worker exited", serving, sizeof(serving));
	if (leaving) {
		if (unexpected || (code != 0 && code != -1))
			log_warnx("worker %d (pid %d, generation %u) %s while "
			    "leaving, after %.1fs%s", idx, (int)s->pid,
			    s->generation, why, (double)lived / 1000, serving);
		else
			log_debug("worker %d (pid %d, generation %u) %s", idx,
			    (int)s->pid, s->generation, why);
		slot_free(s);
		if (was_draining)
			drain_progress(was_gen, s->pid);
		return;
	}
	if (code == WORKER_EXIT_OK) {
		/* Recycled after max_requests: replace at once. */
		if (SB_LOAD(sb->workers[idx].recycle) == RECYCLE_REQUESTS)
			recycle_done(s, RECYCLE_REQUESTS, lived);
		slot_free(s);
		s->fails = 0;
		return;
	}
	if ((reason = worker_exit_reason(code)) != NULL) {
		slot_free(s);
		s->state = SLOT_FAILED;
		s->generation = pool_current();
		snprintf(s->last_exit, sizeof(s->last_exit), "%s (exit %d)",
		    reason, code);
		log_msg(LOG_LVL_ERR, "worker %d (pid %d) cannot start: %s "
		    "(exit %d); slot stopped until the next reload", idx,
		    (int)s->pid, reason, code);
		events_emit(EV_FAILED, json_pack("{s:i, s:s}", "slot", idx,
		    "reason", s->last_exit));
		return;
	}
	if (lived >= HEALTHY_MS)
		s->fails = 0;
	slot_free(s);
	slot_backoff(s, now);
	s->holds_place = !was_ready;
	events_emit(EV_BACKOFF, json_pack("{s:i, s:i, s:I}", "slot", idx,
	    "failures", s->fails, "retry_in_ms", (json_int_t)s->delay));
	if (s->fails > 1)
		log_warnx("worker %d (pid %d, generation %u) %s after %llums "
		    "(%d times in a row)%s; respawning in %.1fs", idx,
		    (int)s->pid, s->generation, why, (unsigned long long)lived,
		    s->fails, serving, (double)s->delay / 1000);
	else
		log_warnx("worker %d (pid %d, generation %u) %s after %.1fs%s; "
		    "respawning in %.1fs", idx, (int)s->pid, s->generation,
		    why, (double)lived / 1000, serving,
		    (double)s->delay / 1000);
}

void
pool_exited(int id, int status, int sent)
{
	int i;

	for (i = 0; i < nslots; i++)
		if (slots[i].state != SLOT_FREE &&
		    slots[i].state != SLOT_BACKOFF &&
		    slots[i].state != SLOT_FAILED &&
		    slots[i].proc == id)
			break;
	if (i == nslots) {
		log_debug("reaped a child that has no slot");
		return;
	}
	/* Its last word: had it left "starting"?  Only counted on. */
	slot_exited(&slots[i], status, sent,
	    scoreboard_worker_state(i) != SB_STARTING);
}

static int
slot_start(int idx)
{
	struct slot *s = &slots[idx];
	int id;

	scoreboard_worker_reset(idx);
	recycle_roll(gen->cfg, &s->limits);
	s->recycle = RECYCLE_NONE;
	s->quit_pending = 0;
	spawn_args.slot = idx;
	spawn_args.gen = gen;
	spawn_args.max_requests = s->limits.requests;
	if ((id = proc_spawn(worker_start, &spawn_args)) == -1) {
		log_warn("fork worker %d", idx);
		sb->workers[idx].state = SB_EMPTY;
		/* try again later, as for a crash */
		s->state = SLOT_BACKOFF;
		s->generation = pool_current();
		s->delay = BACKOFF_MAX_MS / 30;
		s->retry_at = monotonic_ms() + s->delay;
		s->retry_wall = realtime_ms() + s->delay;
		strlcpy(s->last_exit, "fork failed", sizeof(s->last_exit));
		return -1;
	}
	if (idx >= nslots)
		nslots = idx + 1;
	s->state = SLOT_RUNNING;
	s->proc = id;
	s->pid = proc_pid(id);
	s->generation = pool_current();
	s->retiring = 0;
	s->term_sent = 0;
	s->started = monotonic_ms();
	s->started_wall = realtime_ms();
	log_debug("worker %d started (pid %d, generation %u)", idx,
	    (int)proc_pid(id), pool_current());
	events_emit(EV_SPAWN, json_pack("{s:i, s:i, s:i}", "slot", idx, "pid",
	    (int)s->pid, "generation", (int)pool_current()));
	return 0;
}

static int
slot_find_free(void)
{
	int i;

	for (i = 0; i < SB_SLOTS; i++)
		if (slots[i].state == SLOT_FREE)
			return i;
	return -1;
}

void
pool_slot_signal(struct slot *s, int sig)
{
	if (proc_signal(s->proc, sig) == -1 && errno != ESRCH)
		log_warn("signal %d to worker %d", sig, (int)(s - slots));
}

/*
 * Live workers of the serving generation; *busy of them have connections,
 * and *idle is the room they have left in workers' worth of connections
 * (free connection slots / worker_connections, rounded down): with one
 * connection a worker, the idle workers; with many, the pool's spare
 * capacity, which is what min_spare and max_spare are about.
 */
int
pool_live(int *idle, int *busy)
{
	struct slot *s;
	uint64_t room = 0, wc;
	uint32_t n;
	int i, live = 0, st;

	*idle = *busy = 0;
	wc = gen != NULL ? (uint64_t)gen->cfg->worker_connections : 1;
	for (i = 0; i < nslots; i++) {
		s = &slots[i];
		if (s->generation != pool_current() || s->retiring)
			continue;
		if ((s->state == SLOT_BACKOFF && s->holds_place) ||
		    s->state == SLOT_FAILED)
			live++;
		if (s->state != SLOT_RUNNING)
			continue;
		live++;
		st = scoreboard_worker_state(i);
		if (st != SB_IDLE && st != SB_BUSY)
			continue;
		/* Its own count, checked: it only sways spawning. */
		n = SB_LOAD(sb->workers[i].conns);
		if (n > wc)
			n = (uint32_t)wc;
		if (n > 0)
			(*busy)++;
		room += wc - n;
	}
	*idle = (int)(room / wc);
	return live;
}

int
pool_running(void)
{
	int i, n = 0;

	for (i = 0; i < nslots; i++)
		if (slots[i].state == SLOT_RUNNING ||
		    slots[i].state == SLOT_DRAINING)
			n++;
	return n;
}

int
pool_ready(void)
{
	int i, idle, busy;

	for (i = 0; i < nslots; i++)
		if (slots[i].state == SLOT_RUNNING &&
		    slots[i].generation == pool_current() &&
		    scoreboard_worker_state(i) == SB_STARTING)
			return 0;
	return pool_live(&idle, &busy) > 0 && idle + busy > 0;
}

int
pool_cannot_start(char *why, size_t len)
{
	int i, n = 0;

	for (i = 0; i < nslots; i++) {
		if (slots[i].state == SLOT_FREE ||
		    slots[i].generation != pool_current())
			continue;
		if (slots[i].state != SLOT_FAILED)
			return 0;
		if (n++ == 0)
			strlcpy(why, slots[i].last_exit, len);
	}
	return n > 0;
}

/* Retire one worker of the serving generation: idle first, then busy. */
static int
retire_one(void)
{
	struct slot *s;
	int i, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = nslots - 1; i >= 0; i--) {
			s = &slots[i];
			if (s->generation != pool_current() || s->retiring)
				continue;
			if (s->state == SLOT_BACKOFF ||
			    s->state == SLOT_FAILED) {
				slot_free(s);
				s->fails = 0;
				return 0;
			}
			if (s->state != SLOT_RUNNING)
				continue;
			if (pass == 0 && scoreboard_worker_state(i) == SB_BUSY)
				continue;
			s->retiring = 1;
			pool_slot_signal(s, SIGQUIT);
			return 0;
		}
	return -1;
}

static void
shrink_to(int n)
{
	int idle, busy;

	while (pool_live(&idle, &busy) > n)
		if (retire_one() == -1)
			break;
}

int
pool_target(void)
{
	return target;
}

int
pool_scale(int n, const char *by)
{
	int from = target;

	if (n < 1)
		n = 1;
	if (gen != NULL && n > gen->cfg->max_workers)
		n = gen->cfg->max_workers;
	log_notice("pool size %d -> %d", from, n);
	events_emit(EV_SCALE, json_pack("{s:i, s:i, s:s}", "from", from, "to",
	    n, "by", by));
	target = n;
	shrink_to(n);
	pool_maintain();
	return from;
}

/* Workers of generations before `older_than` leave within timeout_ms. */
static void
drain_older(uint32_t older_than, int timeout_ms)
{
	uint64_t now = monotonic_ms();
	struct slot *s;
	int i, n = 0;

	for (i = 0; i < nslots; i++) {
		s = &slots[i];
		if (s->generation >= older_than)
			continue;
		if (s->state == SLOT_BACKOFF || s->state == SLOT_FAILED) {
			slot_free(s);
			s->fails = 0;
			continue;
		}
		if (s->state != SLOT_RUNNING)
			continue;
		s->state = SLOT_DRAINING;
		s->drain_ms = timeout_ms;
		s->deadline = now + (uint64_t)timeout_ms;
		s->deadline_wall = realtime_ms() + (uint64_t)timeout_ms;
		pool_slot_signal(s, SIGQUIT);
		n++;
	}
	if (n > 0)
		events_emit(EV_DRAIN, json_pack("{s:s, s:i, s:i}", "phase",
		    "start", "left", n, "timeout_ms", timeout_ms));
}

void
pool_configure(const struct generation *g)
{
	gen = g;
	if (target != 0 && target != g->cfg->workers)
		events_emit(EV_SCALE, json_pack("{s:i, s:i, s:s}", "from",
		    target, "to", g->cfg->workers, "by", "reload"));
	target = g->cfg->workers;
	drain_older(g->id, g->cfg->shutdown_timeout_ms);
}

void
pool_stop(int graceful, int timeout_ms)
{
	uint64_t now = monotonic_ms();
	struct slot *s;
	int i;

	if (graceful) {
		drain_older(UINT32_MAX, timeout_ms);
		return;
	}
	for (i = 0; i < nslots; i++) {
		s = &slots[i];
		if (s->state == SLOT_BACKOFF || s->state == SLOT_FAILED) {
			slot_free(s);
			continue;
		}
		if (s->state != SLOT_RUNNING && s->state != SLOT_DRAINING)
			continue;
		s->state = SLOT_DRAINING;
		s->term_sent = 1;
		s->deadline = now + FAST_STOP_MS - KILL_GRACE_MS;
		s->deadline_wall = realtime_ms() + FAST_STOP_MS;
		pool_slot_signal(s, SIGTERM);
	}
}

void
pool_kill_all(void)
{
	int i;

	for (i = 0; i < nslots; i++)
		if (slots[i].state == SLOT_RUNNING ||
		    slots[i].state == SLOT_DRAINING)
			pool_slot_signal(&slots[i], SIGKILL);
}

void
pool_maintain(void)
{
	uint64_t now = monotonic_ms();
	int i, idx, idle, busy, live, want, n, max;
	int tick = now - last_tick >= 1000;

	if (gen == NULL)
		return;
	max = gen->cfg->max_workers;
	pool_check_stalls(now);
	pool_recycle_check(now);
	for (i = 0; i < nslots; i++) {
		struct slot *s = &slots[i];

		if (s->state == SLOT_BACKOFF && now >= s->retry_at)
			(void)slot_start(i);
	}
	live = pool_live(&idle, &busy);
	/* Never below `workers` (or the size set by scale). */
	while (live < target && live < max) {
		if ((idx = slot_find_free()) == -1) {
			pool_terminate_oldest_draining(now);
			break;
		}
		if (slot_start(idx) == -1)
			break;
		live++;
	}
	pool_recycle_quit(now);
	if (!tick)
		return;
	last_tick = now;
	/*
	 * Under load, keep min_spare idle workers: while fewer are idle,
	 * start 1, 2, 4 ... up to 32 a second (Apache prefork's rule), so
	 * that a burst of clients is met within a few seconds.
	 */
	if (busy > 0 && idle < gen->cfg->min_spare && live < max) {
		want = spawn_rate;
		for (n = 0; n < want && live < max; n++, live++)
			if ((idx = slot_find_free()) == -1 ||
			    slot_start(idx) == -1)
				break;
		if (spawn_rate < 32)
			spawn_rate *= 2;
		log_info("pool: %d busy, %d idle: started %d spare worker%s",
		    busy, idle, n, log_s(n));
	} else
		spawn_rate = 1;
	/* Extras above the base size leave slowly, one a second. */
	if (live > target && idle > 0 &&
	    (idle > gen->cfg->max_spare || busy == 0)) {
		(void)retire_one();
		log_debug("pool: retiring an idle worker (%d live, %d idle)",
		    live, idle);
	}
}
