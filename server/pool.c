/*
 * The pool: a flat table of slots, one per worker, indexed like the
 * scoreboard.  The master reaps here, respawns what died (with per-slot
 * exponential backoff for workers that keep dying), keeps the pool between
 * `workers` and `max_workers` following the spare rules, retires extras
 * (idle ones first, never by force), and bounds how long old generations
 * may drain.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "io.h"
#include "log.h"
#include "master.h"
#include "pool.h"

struct pool pool;

#define KILL_GRACE_MS	2000	/* after TERM, before KILL */

static void
slot_free(struct slot *s)
{
	int idx = (int)(s - pool.slots);
	struct sb_worker *w = &sb->workers[idx];

	/* A worker that died while counted by max_connections. */
	if (w->service >= 0 && w->service < SB_SERVICES)
		SB_SUB(sb->services[w->service].active, 1);
	w->service = -1;
	w->state = SB_EMPTY;
	w->pid = 0;
	s->state = SLOT_FREE;
	s->pid = 0;
	s->retiring = 0;
	s->term_sent = 0;
}

static void
describe_exit(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)%s",
		    WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
}

static void
slot_exited(struct slot *s, int status)
{
	int idx = (int)(s - pool.slots);
	uint64_t now = monotonic_ms(), lived = now - s->started;
	char why[64];

	describe_exit(status, why, sizeof(why));
	strlcpy(s->last_exit, why, sizeof(s->last_exit));
	if (s->state == SLOT_DRAINING || s->retiring || pool.stopping ||
	    s->generation != pool.generation) {
		log_debug("worker %d (pid %d) %s", idx, (int)s->pid, why);
		slot_free(s);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		/* Recycled after max_requests: replace at once. */
		slot_free(s);
		s->fails = 0;
		return;
	}
	if (lived >= HEALTHY_MS)
		s->fails = 0;
	s->fails++;
	s->delay = BACKOFF_MIN_MS;
	for (int i = 1; i < s->fails && s->delay < BACKOFF_MAX_MS; i++)
		s->delay *= 2;
	if (s->delay > BACKOFF_MAX_MS)
		s->delay = BACKOFF_MAX_MS;
	slot_free(s);
	s->state = SLOT_BACKOFF;
	s->generation = pool.generation;
	s->retry_at = now + s->delay;
	s->retry_wall = realtime_ms() + s->delay;
	if (s->fails > 1)
		log_warnx("worker %d %s after %llums (%d times in a row); "
		    "respawning in %.1fs", idx, why, (unsigned long long)lived,
		    s->fails, (double)s->delay / 1000);
	else
		log_warnx("worker %d %s; respawning in %.1fs", idx, why,
		    (double)s->delay / 1000);
}

void
pool_reap(void)
{
	pid_t pid;
	int status, i;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == 0)
			return;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			if (errno != ECHILD)
				log_warn("waitpid");
			return;
		}
		for (i = 0; i < SB_SLOTS; i++)
			if (pool.slots[i].pid == pid &&
			    pool.slots[i].state != SLOT_FREE)
				break;
		if (i == SB_SLOTS) {
			log_debug("reaped unknown child %d", (int)pid);
			continue;
		}
		slot_exited(&pool.slots[i], status);
	}
}

static int
slot_start(int idx)
{
	struct slot *s = &pool.slots[idx];
	pid_t pid;

	pid = master_spawn(idx);
	if (pid == -1) {
		/* fork failed: try again later, as for a crash */
		s->state = SLOT_BACKOFF;
		s->generation = pool.generation;
		s->delay = BACKOFF_MAX_MS / 30;
		s->retry_at = monotonic_ms() + s->delay;
		s->retry_wall = realtime_ms() + s->delay;
		strlcpy(s->last_exit, "fork failed", sizeof(s->last_exit));
		return -1;
	}
	s->state = SLOT_RUNNING;
	s->pid = pid;
	s->generation = pool.generation;
	s->retiring = 0;
	s->term_sent = 0;
	s->started = monotonic_ms();
	return 0;
}

static int
slot_find_free(void)
{
	int i;

	for (i = 0; i < SB_SLOTS; i++)
		if (pool.slots[i].state == SLOT_FREE)
			return i;
	return -1;
}

/* Current-generation workers that count toward the pool size. */
int
pool_live(int *idle, int *busy)
{
	struct slot *s;
	int i, live = 0, st;

	*idle = *busy = 0;
	for (i = 0; i < SB_SLOTS; i++) {
		s = &pool.slots[i];
		if (s->generation != pool.generation || s->retiring)
			continue;
		if (s->state == SLOT_BACKOFF)
			live++;
		if (s->state != SLOT_RUNNING)
			continue;
		live++;
		st = sb->workers[i].state;
		if (st == SB_IDLE)
			(*idle)++;
		else if (st == SB_BUSY)
			(*busy)++;
	}
	return live;
}

/* Every worker process still alive, any generation. */
int
pool_running(void)
{
	int i, n = 0;

	for (i = 0; i < SB_SLOTS; i++)
		if (pool.slots[i].state == SLOT_RUNNING ||
		    pool.slots[i].state == SLOT_DRAINING)
			n++;
	return n;
}

/* Have all current-generation workers finished starting? */
int
pool_generation_ready(void)
{
	int i, idle, busy;

	for (i = 0; i < SB_SLOTS; i++)
		if (pool.slots[i].state == SLOT_RUNNING &&
		    pool.slots[i].generation == pool.generation &&
		    sb->workers[i].state == SB_STARTING)
			return 0;
	return pool_live(&idle, &busy) > 0 && idle + busy > 0;
}

static void
slot_retire(int idx)
{
	struct slot *s = &pool.slots[idx];

	s->retiring = 1;
	if (kill(s->pid, SIGQUIT) == -1 && errno != ESRCH)
		log_warn("kill %d", (int)s->pid);
}

/* Retire one worker of the serving generation: idle first, then busy. */
static int
retire_one(void)
{
	int i, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = SB_SLOTS - 1; i >= 0; i--) {
			struct slot *s = &pool.slots[i];

			if (s->generation != pool.generation || s->retiring)
				continue;
			if (s->state == SLOT_BACKOFF) {
				slot_free(s);
				s->fails = 0;
				return 0;
			}
			if (s->state != SLOT_RUNNING)
				continue;
			if (pass == 0 && sb->workers[i].state == SB_BUSY)
				continue;
			slot_retire(i);
			return 0;
		}
	return -1;
}

void
pool_shrink_to(int n)
{
	int idle, busy;

	while (pool_live(&idle, &busy) > n)
		if (retire_one() == -1)
			break;
}

void
pool_drain_generation(uint32_t older_than, int timeout_ms)
{
	uint64_t now = monotonic_ms();
	struct slot *s;
	int i;

	for (i = 0; i < SB_SLOTS; i++) {
		s = &pool.slots[i];
		if (s->generation >= older_than)
			continue;
		if (s->state == SLOT_BACKOFF) {
			slot_free(s);
			s->fails = 0;
			continue;
		}
		if (s->state != SLOT_RUNNING)
			continue;
		s->state = SLOT_DRAINING;
		s->deadline = now + (uint64_t)timeout_ms;
		s->deadline_wall = realtime_ms() + (uint64_t)timeout_ms;
		if (kill(s->pid, SIGQUIT) == -1 && errno != ESRCH)
			log_warn("kill %d", (int)s->pid);
	}
}

void
pool_signal_all(int sig)
{
	int i;

	for (i = 0; i < SB_SLOTS; i++)
		if ((pool.slots[i].state == SLOT_RUNNING ||
		    pool.slots[i].state == SLOT_DRAINING) &&
		    kill(pool.slots[i].pid, sig) == -1 && errno != ESRCH)
			log_warn("kill %d", (int)pool.slots[i].pid);
}

/* Draining workers past their deadline: TERM, then KILL. */
static void
enforce_deadlines(uint64_t now)
{
	struct slot *s;
	int i;

	for (i = 0; i < SB_SLOTS; i++) {
		s = &pool.slots[i];
		if (s->state != SLOT_DRAINING || now < s->deadline)
			continue;
		if (!s->term_sent) {
			log_warnx("worker %d (pid %d, generation %u) still busy "
			    "after shutdown_timeout (%dms): terminating", i,
			    (int)s->pid, s->generation,
			    pool.shutdown_timeout_ms);
			kill(s->pid, SIGTERM);
			s->term_sent = 1;
		} else if (now >= s->deadline + KILL_GRACE_MS) {
			log_warnx("worker %d (pid %d) ignored TERM: killing", i,
			    (int)s->pid);
			kill(s->pid, SIGKILL);
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
static void
terminate_oldest_draining(uint64_t now)
{
	struct slot *s, *best = NULL;
	int i;

	for (i = 0; i < SB_SLOTS; i++) {
		s = &pool.slots[i];
		if (s->state == SLOT_DRAINING && !s->term_sent &&
		    (best == NULL || s->deadline < best->deadline))
			best = s;
	}
	if (best == NULL)
		return;
	log_warnx("no free worker slot: terminating draining worker %d "
	    "(pid %d, generation %u) early", (int)(best - pool.slots),
	    (int)best->pid, best->generation);
	kill(best->pid, SIGTERM);
	best->term_sent = 1;
	best->deadline = now;
}

void
pool_maintain(void)
{
	uint64_t now = monotonic_ms();
	int i, idx, idle, busy, live, want, n;
	int tick = now - pool.last_tick >= 1000;

	enforce_deadlines(now);
	if (pool.stopping)
		return;
	for (i = 0; i < SB_SLOTS; i++) {
		struct slot *s = &pool.slots[i];

		if (s->state == SLOT_BACKOFF && now >= s->retry_at)
			(void)slot_start(i);
	}
	live = pool_live(&idle, &busy);
	/* Never below `workers` (or the size set by scale). */
	while (live < pool.target && live < pool.max_workers) {
		if ((idx = slot_find_free()) == -1) {
			terminate_oldest_draining(now);
			break;
		}
		if (slot_start(idx) == -1)
			break;
		live++;
	}
	if (!tick)
		return;
	pool.last_tick = now;
	/* Under load, keep min_spare idle workers, faster each second. */
	if (busy > 0 && idle < pool.min_spare && live < pool.max_workers) {
		want = pool.min_spare - idle;
		if (want > pool.spawn_rate)
			want = pool.spawn_rate;
		for (n = 0; n < want && live < pool.max_workers; n++, live++)
			if ((idx = slot_find_free()) == -1 ||
			    slot_start(idx) == -1)
				break;
		if (pool.spawn_rate < 32)
			pool.spawn_rate *= 2;
		log_info("pool: %d busy, %d idle: started %d spare workers", busy,
		    idle, n);
	} else
		pool.spawn_rate = 1;
	/* Extras above the base size leave slowly, one a second. */
	if (live > pool.target && idle > 0 &&
	    (idle > pool.max_spare || busy == 0)) {
		(void)retire_one();
		log_debug("pool: retiring an idle worker (%d live, %d idle)",
		    live, idle);
	}
}

/* Milliseconds until the pool needs looking at again. */
int
pool_next_timeout(void)
{
	uint64_t now = monotonic_ms(), next = now + 1000, t;
	int i;

	for (i = 0; i < SB_SLOTS; i++) {
		struct slot *s = &pool.slots[i];

		t = 0;
		/* A worker starting: look again soon, to say ready soon. */
		if (s->state == SLOT_RUNNING &&
		    sb->workers[i].state == SB_STARTING)
			t = now + 10;
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
