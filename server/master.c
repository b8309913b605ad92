/*
 * The master process.  It serves a generation (config, listeners,
 * services) that it was handed bound, forks the pool and then only
 * supervises: signals arrive as bytes on a self-pipe and are acted on in
 * the loop, children are reaped there, the pool is kept in shape,
 * reloads replace the generation without closing a listener that both
 * share, and stops are fast (TERM) or graceful (QUIT).  It owns the
 * serving generation and the stopping state, and publishes both, with
 * the reload history, into the scoreboard's view and to systemd
 * (notify.c).
 *
 * An upgrade (USR2, netctl upgrade; upgrade.c) starts a new master that
 * takes over the sockets.  The files a master serves on (control socket,
 * its lock, pid file, unix listeners) have one owner at a time: the old
 * master until it hands over, the new one after; a master that does not
 * own them never removes them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conn_limit.h"
#include "control.h"
#include "detach.h"
#include "events.h"
#include "generation.h"
#include "inherit.h"
#include "io.h"
#include "log.h"
#include "logfile.h"
#include "master.h"
#include "notify.h"
#include "pidfile.h"
#include "pool.h"
#include "proc.h"
#include "reload.h"
#include "saturation.h"
#include "scoreboard.h"
#include "sigpipe.h"
#include "stats.h"
#include "title.h"
#include "udp_guard.h"
#include "udp_local.h"
#include "upgrade.h"
#include "utf8.h"
#include "version.h"

#define STOP_FAST	1
#define STOP_GRACEFUL	2
#define STOP_GRACE_MS	5000	/* past the pool's own deadlines: KILL */

static struct generation *gen;	/* the one being served */
static int stopping;		/* 0, STOP_FAST, STOP_GRACEFUL */
static uint64_t stop_deadline;
static int announced;		/* "ready" said */
static int owner = 1;		/* the files are ours to remove */
static int handed_over;		/* an upgrade took over: we only drain */
static int reload_ready;	/* a reload waits to say READY=1 */

static const int master_sigs[] = {
	SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU,
	SIGCHLD,
};

const struct netd_config *
master_config(void)
{
	return gen->cfg;
}

uint32_t
master_generation(void)
{
	return gen->id;
}

int
master_stopping(void)
{
	return stopping;
}

int
master_serving(void)
{
	return pool_ready();
}

int
master_cannot_serve(char *why, size_t len)
{
	return pool_cannot_start(why, len);
}

static void
master_title(int live)
{
	if (handed_over)
		title_set("master -c %s (handed over to pid %d, %d worker%s "
		    "draining)", gen->cfg->path, (int)upgrade_pid(),
		    pool_running(), pool_running() == 1 ? "" : "s");
	else
		title_set("master -c %s (%d worker%s)", gen->cfg->path, live,
		    live == 1 ? "" : "s");
}

/* What status shows of the master: written here, read everywhere. */
static void
master_publish(void)
{
	struct sb_view *v = scoreboard_view();

	v->generation = gen->id;
	v->stopping = stopping;
	strlcpy(v->config, gen->cfg->path, sizeof(v->config));
	pool_publish();
}

/* The pool in one line: systemd's STATUS=, `systemctl status`. */
static void
master_status_text(char *buf, size_t len)
{
	unsigned long long active = 0, served = 0;
	int i, idle, busy, live;

	live = pool_live(&idle, &busy);
	for (i = 0; i < SB_SERVICES; i++)
		if (sbv->services[i].in_use &&
		    SB_LOAD(sb->services[i].active) > 0)
			active += (unsigned)SB_LOAD(sb->services[i].active);
	for (i = 0; i < SB_LISTENERS; i++)
		if (sbv->listeners[i].in_use)
			served += SB_LOAD(sb->listeners[i].connections);
	snprintf(buf, len, "generation %u: %d worker%s, %d busy, %d idle; "
	    "%llu connection%s, %llu served%s%s", gen->id, live,
	    live == 1 ? "" : "s", busy, idle, active, active == 1 ? "" : "s",
	    served, *reload_failure() != '\0' ? "; last reload failed: " : "",
	    reload_failure());
}

/* Why the master cannot reload or upgrade now, or NULL. */
static const char *
master_busy(void)
{
	if (stopping)
		return "netd is stopping";
	if (upgrade_predecessor() != 0)
		return "this master is still taking over from the one before";
	if (upgrade_busy())
		return "an upgrade is under way";
	return NULL;
}

int
master_reload(int dry_run, struct report *rep)
{
	struct generation *next, *prev = gen;
	uint32_t from = gen->id;
	const char *busy;
	char err[600], text[512];
	size_t i, k;

	if ((busy = master_busy()) != NULL) {
		report_add(rep, "%s", busy);
		return -1;
	}
	log_notice("%s configuration %s", dry_run ? "checking" : "reloading",
	    gen->cfg->path);
	if (!dry_run) {
		events_emit(EV_RELOAD_START, json_pack("{s:i, s:s}",
		    "generation", (int)gen->id, "config", gen->cfg->path));
		notify_reloading();
	}
	next = generation_load(gen->cfg->path, gen, dry_run ? GEN_DRY_RUN : 0,
	    rep);
	if (next == NULL) {
		for (i = 0; i < rep->nlines; i++)
			log_warnx("%s", rep->lines[i]);
		if (!dry_run) {
			reload_record(0, "refused: %s", rep->nlines > 0 ?
			    rep->lines[0] : "error");
			reload_failed(rep->nlines > 0 ? rep->lines[0] :
			    "error");
			snprintf(text, sizeof(text), "reload failed: %s; "
			    "serving generation %u", reload_failure(), gen->id);
			notify_reloaded(text);
			reload_end(0, from, gen->id, rep);
		}
		log_warnx("reload refused: configuration has errors; still "
		    "serving generation %u", gen->id);
		return -1;
	}
	if (dry_run) {
		reload_pool_size(pool_target(), gen->cfg->workers,
		    next->cfg->workers, rep);
		generation_free(next);
		return 0;
	}
	if (logfile_apply(next->cfg, err, sizeof(err)) == -1) {
		report_add(rep, "%s", err);
		log_warnx("reload refused: %s; still serving generation %u",
		    err, gen->id);
		reload_record(0, "refused: %s", err);
		generation_free(next);
		return -1;
	}
	generation_commit(next, prev, rep);
	k = rep->nlines;
	reload_pool_size(pool_target(), gen->cfg->workers, next->cfg->workers,
	    rep);
	gen = next;
	log_set_level(gen->cfg->log_level);
	pool_configure(gen);
	notify_fdstore_sync(gen, prev);
	generation_free(prev);
	master_publish();
	pool_maintain();
	reload_record(1, "generation %u -> %u", gen->id - 1, gen->id);
	reload_failed(NULL);
	reload_ready = 1;	/* READY=1 once the new generation serves */
	log_notice("reloaded: generation %u -> %u", gen->id - 1, gen->id);
	if (k < rep->nlines)
		log_notice("reload: %s", rep->lines[k]);
	reload_end(1, from, gen->id, rep);
	return 0;
}

/* Reopen the log files (USR1, `netctl reopen`); what was done in msg. */
int
master_reopen(const char *who, char *msg, size_t len)
{
	char buf[512];
	int n;

	if ((n = logfile_reopen(gen->cfg, buf, sizeof(buf))) == -1)
		log_warnx("%s: %s", who, buf);
	else if (n == 0)
		snprintf(buf, sizeof(buf), "logs go to %s; nothing to reopen",
		    gen->cfg->log_file != NULL ? gen->cfg->log_file :
		    "stderr");
	else
		snprintf(buf, sizeof(buf), "reopened %d log file%s", n,
		    n == 1 ? "" : "s");
	if (n != -1)
		log_notice("%s: %s", who, buf);
	if (msg != NULL)
		strlcpy(msg, buf, len);
	return n == -1 ? -1 : 0;
}

int
master_upgrade(const char *path, char *err, size_t errlen)
{
	const char *busy;

	if ((busy = master_busy()) != NULL) {
		snprintf(err, errlen, "%s", busy);
		return -1;
	}
	return upgrade_start(gen, path, err, errlen);
}

void
master_stop(int graceful)
{
	size_t i;
	int how = graceful ? STOP_GRACEFUL : STOP_FAST;

	if (stopping == STOP_FAST || stopping == how)
		return;
	if (how == STOP_FAST) {
		log_notice("fast stop: terminating %d worker%s", pool_running(),
		    log_s(pool_running()));
		stop_deadline = monotonic_ms() + STOP_GRACE_MS;
	} else {
		log_notice("graceful stop: letting %d worker%s finish (up to "
		    "%dms)", pool_running(), log_s(pool_running()),
		    gen->cfg->shutdown_timeout_ms);
		stop_deadline = monotonic_ms() +
		    (uint64_t)gen->cfg->shutdown_timeout_ms + STOP_GRACE_MS;
	}
	stopping = how;
	events_emit(EV_STOP, json_pack("{s:s, s:i}", "how", graceful ?
	    "graceful" : "fast", "workers", pool_running()));
	upgrade_abort("netd is stopping");
	pool_stop(graceful, gen->cfg->shutdown_timeout_ms);
	/* The master stops listening at once; workers keep their copies. */
	for (i = 0; i < gen->nls; i++)
		listener_close(&gen->ls[i]);
	notify_stopping();
}

/*
 * The new master serves: make it the main pid (before it can speak to
 * systemd), tell it to go, and leave it everything but our workers,
 * which finish their clients.
 */
static void
master_hand_over(void)
{
	pid_t pid = upgrade_pid();

	notify_mainpid(pid);
	if (upgrade_go() == -1)
		return;		/* it cannot hear: we serve on */
	notify_off();
	owner = 0;
	handed_over = 1;
	control_disown();
	pidfile_disown();
	master_stop(1);
	master_title(0);
}

/* Told to go (or the old master is gone): this master is the one now. */
static void
master_take_over(int orphan)
{
	pid_t old = upgrade_predecessor();

	upgrade_child_done();
	if (stopping)
		return;		/* ended before taking over */
	if (orphan)
		log_warnx("upgrade: pid %d is gone before it handed over; "
		    "this master serves on", (int)old);
	else
		log_notice("upgrade: took over from pid %d", (int)old);
	owner = 1;
	notify_on();
	control_sock_own();
	control_accept(1);
	if (pidfile_create(gen->cfg, gen->cfg->pid_file, old) == -1)
		log_warnx("pid file not written");
	notify_fdstore_sync(gen, NULL);
}

static void
master_handle_signal(int sig)
{
	struct report rep = { 0 };
	char err[512];
	int id, status, sent;

	switch (sig) {
	case SIGCHLD:
		while (proc_reap(&id, &status, &sent) == 1)
			if (!upgrade_reaped(id, status, sent))
				pool_exited(id, status, sent);
		break;
	case SIGUSR2:
		log_notice("SIGUSR2: upgrade");
		if (master_upgrade(NULL, err, sizeof(err)) == -1)
			log_warnx("upgrade refused: %s", err);
		break;
	case SIGHUP:
		(void)master_reload(0, &rep);
		report_free(&rep);
		break;
	case SIGTERM:
	case SIGINT:
		master_stop(0);
		break;
	case SIGQUIT:
		master_stop(1);
		break;
	case SIGUSR1:
		(void)master_reopen("SIGUSR1", NULL, 0);
		break;
	case SIGTTIN:
	case SIGTTOU:
		if (!stopping)
			(void)pool_scale(pool_target() +
			    (sig == SIGTTIN ? 1 : -1), "signal");
		break;
	}
}

static void
master_check_ready(void)
{
	char text[512];
	int idle, busy, live;

	if (stopping || handed_over || !pool_ready())
		return;
	if (reload_ready) {
		reload_ready = 0;
		master_status_text(text, sizeof(text));
		notify_reloaded(text);
	}
	if (announced)
		return;
	if (upgrade_predecessor() != 0) {
		upgrade_child_ready();	/* and wait for "go" */
		return;
	}
	announced = 1;
	live = pool_live(&idle, &busy);
	log_notice("ready: generation %u, %d worker%s, %zu listener%s",
	    gen->id, live, log_s(live), gen->nls, log_s((long long)gen->nls));
	master_status_text(text, sizeof(text));
	notify_ready(text);
	detach_ready();
}

/* Once a second: STATUS= if it changed, and a graceful stop's time. */
static void
master_notify_tick(void)
{
	static uint64_t last;
	uint64_t now = monotonic_ms();
	char text[512];

	if (!notify_active() || now - last < 1000)
		return;
	last = now;
	if (stopping == STOP_GRACEFUL && now < stop_deadline)
		notify_extend(stop_deadline - now + STOP_GRACE_MS);
	else if (announced && !stopping) {
		master_status_text(text, sizeof(text));
		notify_status(text);
	}
}

static void
master_cleanup(void)
{
	int keep = 1 << LISTENER_SOCKET_UNIT;

	/* Files the new master, or systemd's store, still serves on. */
	if (handed_over)
		keep = ~0;
	else if (!owner)
		keep |= 1 << LISTENER_PASSED;
	else if (notify_fdstore())
		keep |= 1 << LISTENER_BOUND | 1 << LISTENER_PASSED;
	generation_close(gen, keep);
	generation_free(gen);
	gen = NULL;
	control_close_all();
	events_close_all();
}

/*
 * The loop's wait: signals, the upgrade's channel, control clients, the
 * pool's next deadline, the watchdog.
 */
static void
master_wait(void)
{
	struct pollfd pfd[CONTROL_MAX_CLIENTS + EVENTS_MAX_SUBSCRIBERS + 3];
	int n, timeout, wd, up;
	nfds_t npfd, nctl;

	timeout = pool_next_timeout();
	if ((wd = notify_watchdog()) >= 0 && wd < timeout)
		timeout = wd;
	pfd[0].fd = sigpipe_fd();
	pfd[0].events = POLLIN;
	up = upgrade_pollfd(&pfd[1]);
	nctl = control_pollfds(&pfd[1 + up], CONTROL_MAX_CLIENTS + 1,
	    &timeout);
	npfd = 1 + (nfds_t)up + nctl + events_pollfds(&pfd[1 + up + nctl],
	    EVENTS_MAX_SUBSCRIBERS);
	n = poll(pfd, npfd, timeout);
	if (n == -1) {
		if (errno != EINTR)
			log_warn("poll");
		return;
	}
	if (n > 0 && (pfd[0].revents & POLLIN))
		sigpipe_drain(master_handle_signal);
	if (n > 0 && up && pfd[1].revents != 0) {
		switch (upgrade_handle()) {
		case UPGRADE_EV_READY:
			master_hand_over();
			break;
		case UPGRADE_EV_GO:
			master_take_over(0);
			break;
		case UPGRADE_EV_ORPHAN:
			master_take_over(1);
			break;
		case UPGRADE_EV_NONE:
			break;
		}
	}
	if (n > 0) {
		/* Subscribers first: a client made one must not be seen twice. */
		events_handle(&pfd[1 + up + nctl], npfd - 1 - (nfds_t)up - nctl);
		control_handle(&pfd[1 + up], nctl);
	}
}

int
master_run(struct generation *g)
{
	struct sb_view *v = scoreboard_view();
	char err[600];
	int last_live = -1, idle, busy, live;

	gen = g;
	log_set_level(gen->cfg->log_level);
	if (logfile_apply(gen->cfg, err, sizeof(err)) == -1) {
		log_errx("not started: %s", err);
		master_cleanup();
		return 1;
	}
	v->master_pid = getpid();
	v->master_start_ms = realtime_ms();
	/* Taking over: the files are the old master's until it lets go. */
	owner = upgrade_predecessor() == 0;
	notify_init(owner);
	if (udp_guard_init() == -1 || conn_limit_init() == -1 ||
	    proc_init() == -1 ||
	    sigpipe_init(master_sigs,
	    sizeof(master_sigs) / sizeof(master_sigs[0])) == -1 || control_open(gen->cfg) == -1 ||
	    (owner && pidfile_create(gen->cfg, gen->cfg->pid_file, 0) == -1)) {
		inherit_done();
		master_cleanup();
		return 1;
	}
	inherit_done();
	if (owner)
		notify_fdstore_sync(gen, NULL);
	else
		control_accept(0);	/* the old master answers until then */
	for (size_t i = 0; i < gen->nls; i++)
		if (gen->ls[i].addr.proto == PROTO_UDP) {
			udp_local_probe();	/* says which rules are off */
			break;
		}
	log_notice("netd %s starting: master pid %d, %d worker%s",
	    NETD_VERSION, (int)getpid(), gen->cfg->workers,
	    log_s(gen->cfg->workers));
	pool_configure(gen);
	pool_maintain();
	master_publish();

	for (;;) {
		/* Leave once the workers and an unfinished upgrade are gone. */
		if (stopping && pool_running() == 0 && !upgrade_busy() &&
		    !control_pending())
			break;
		if (stopping && monotonic_ms() >= stop_deadline) {
			log_warnx("workers still running at the stop "
			    "deadline: killing");
			pool_kill_all();
			stop_deadline = monotonic_ms() + 60000;
		}
		master_wait();
		control_tick();
		upgrade_tick();
		pool_deadlines();
		if (!stopping)
			pool_maintain();
		master_check_ready();
		master_notify_tick();
		master_publish();
		stats_tick(gen);
		saturation_tick();
		live = pool_live(&idle, &busy);
		if (live != last_live) {
			master_title(live);
			last_live = live;
		}
	}
	if (handed_over)
		log_notice("handed over to pid %d: leaving", (int)upgrade_pid());
	else
		log_notice("stopped");
	master_cleanup();
	return 0;
}
