/*
 * The master process.  It serves a generation (config, listeners,
 * services) that it was handed bound, forks the pool and then only
 * supervises: signals arrive as bytes on a self-pipe and are acted on in
 * the loop, children are reaped there, the pool is kept in shape,
 * reloads replace the generation without closing a listener that both
 * share, and stops are fast (TERM) or graceful (QUIT).  It owns the
 * serving generation and the stopping state, and publishes both, with
 * the reload history, into the scoreboard's view.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "conn_limit.h"
#include "control.h"
#include "detach.h"
#include "generation.h"
#include "io.h"
#include "log.h"
#include "master.h"
#include "pidfile.h"
#include "pool.h"
#include "proc.h"
#include "saturation.h"
#include "scoreboard.h"
#include "stats.h"
#include "title.h"
#include "udp_guard.h"
#include "utf8.h"
#include "version.h"

#define STOP_FAST	1
#define STOP_GRACEFUL	2
#define STOP_GRACE_MS	5000	/* past the pool's own deadlines: KILL */

static struct generation *gen;	/* the one being served */
static int sigpipe[2] = { -1, -1 };	/* signal handlers write here */
static int stopping;		/* 0, STOP_FAST, STOP_GRACEFUL */
static uint64_t stop_deadline;
static int announced;		/* "ready" said */

static const int master_sigs[] = {
	SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGTTIN, SIGTTOU, SIGCHLD,
};

static void
master_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	(void)!write(sigpipe[1], &c, 1);
	errno = saved;
}

static int
master_signals(void)
{
	struct sigaction sa;
	size_t i;

	if (pipe2(sigpipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_err("pipe");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = master_signal;
	for (i = 0; i < sizeof(master_sigs) / sizeof(master_sigs[0]); i++)
		if (sigaction(master_sigs[i], &sa, NULL) == -1) {
			log_err("sigaction");
			return -1;
		}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1) {
		log_err("sigaction");
		return -1;
	}
	return 0;
}

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

static void
master_title(int live)
{
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

static void
reload_record(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reload_record(int ok, const char *fmt, ...)
{
	struct sb_view *v = scoreboard_view();
	va_list ap;

	if (ok)
		v->reloads++;
	else
		v->reload_failures++;
	v->reload_ok = ok;
	v->reload_ms = realtime_ms();
	/* Cut on a character, so that the message stays readable. */
	va_start(ap, fmt);
	utf8_vsnprintf(v->reload_msg, sizeof(v->reload_msg), fmt, ap);
	va_end(ap);
}

int
master_reload(int dry_run, struct report *rep)
{
	struct generation *next, *prev = gen;
	size_t i;

	if (stopping) {
		report_add(rep, "netd is stopping");
		return -1;
	}
	log_notice("%s configuration %s", dry_run ? "checking" : "reloading",
	    gen->cfg->path);
	next = generation_load(gen->cfg->path, gen, dry_run ? GEN_DRY_RUN : 0,
	    rep);
	if (next == NULL) {
		for (i = 0; i < rep->nlines; i++)
			log_warnx("%s", rep->lines[i]);
		if (!dry_run)
			reload_record(0, "refused: %s", rep->nlines > 0 ?
			    rep->lines[0] : "error");
		log_warnx("reload refused: configuration has errors; still "
		    "serving generation %u", gen->id);
		return -1;
	}
	if (dry_run) {
		generation_free(next);
		return 0;
	}
	generation_commit(next, prev, rep);
	gen = next;
	log_set_level(gen->cfg->log_level);
	pool_configure(gen);
	generation_free(prev);
	master_publish();
	pool_maintain();
	reload_record(1, "generation %u -> %u", gen->id - 1, gen->id);
	log_notice("reloaded: generation %u -> %u", gen->id - 1, gen->id);
	return 0;
}

void
master_stop(int graceful)
{
	size_t i;
	int how = graceful ? STOP_GRACEFUL : STOP_FAST;

	if (stopping == STOP_FAST || stopping == how)
		return;
	if (how == STOP_FAST) {
		log_notice("fast stop: terminating %d workers", pool_running());
		stop_deadline = monotonic_ms() + STOP_GRACE_MS;
	} else {
		log_notice("graceful stop: letting %d workers finish (up to "
		    "%dms)", pool_running(), gen->cfg->shutdown_timeout_ms);
		stop_deadline = monotonic_ms() +
		    (uint64_t)gen->cfg->shutdown_timeout_ms + STOP_GRACE_MS;
	}
	stopping = how;
	pool_stop(graceful, gen->cfg->shutdown_timeout_ms);
	/* The master stops listening at once; workers keep their copies. */
	for (i = 0; i < gen->nls; i++)
		listener_close(&gen->ls[i]);
	sd_notify(0, "STOPPING=1");
}

static void
master_handle_signal(int sig)
{
	struct report rep = { 0 };

	switch (sig) {
	case SIGCHLD:
		pool_reap();
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
		log_notice("SIGUSR1: logs go to stderr; nothing to reopen");
		break;
	case SIGTTIN:
	case SIGTTOU:
		if (!stopping)
			(void)pool_scale(pool_target() +
			    (sig == SIGTTIN ? 1 : -1));
		break;
	}
}

static void
master_check_ready(void)
{
	int idle, busy, live;

	if (announced || !pool_ready())
		return;
	announced = 1;
	live = pool_live(&idle, &busy);
	log_notice("ready: generation %u, %d workers, %zu listeners",
	    gen->id, live, gen->nls);
	sd_notifyf(0, "READY=1\nSTATUS=serving, %d workers\nMAINPID=%d", live,
	    (int)getpid());
	detach_ready();
}

static void
master_cleanup(void)
{
	generation_close(gen);
	generation_free(gen);
	gen = NULL;
	control_close_all();
}

/* The loop's wait: signals, control clients, the pool's next deadline. */
static void
master_wait(void)
{
	struct pollfd pfd[CONTROL_MAX_CLIENTS + 2];
	unsigned char sigs[64];
	int n, timeout;
	nfds_t npfd;
	ssize_t r;

	timeout = pool_next_timeout();
	pfd[0].fd = sigpipe[0];
	pfd[0].events = POLLIN;
	npfd = 1 + control_pollfds(&pfd[1], CONTROL_MAX_CLIENTS + 1, &timeout);
	n = poll(pfd, npfd, timeout);
	if (n == -1) {
		if (errno != EINTR)
			log_warn("poll");
		return;
	}
	if (n > 0 && (pfd[0].revents & POLLIN))
		while ((r = read(sigpipe[0], sigs, sizeof(sigs))) > 0)
			for (ssize_t i = 0; i < r; i++)
				master_handle_signal(sigs[i]);
	if (n > 0)
		control_handle(&pfd[1], npfd - 1);
}

int
master_run(struct generation *g)
{
	struct sb_view *v = scoreboard_view();
	int last_live = -1, idle, busy, live;

	gen = g;
	log_set_level(gen->cfg->log_level);
	v->master_pid = getpid();
	v->master_start_ms = realtime_ms();
	if (udp_guard_init() == -1 || conn_limit_init() == -1 ||
	    proc_init() == -1 ||
	    master_signals() == -1 || control_open(gen->cfg) == -1 ||
	    pidfile_create(gen->cfg, gen->cfg->pid_file) == -1) {
		master_cleanup();
		return 1;
	}
	log_notice("netd %s starting: master pid %d, %d workers", NETD_VERSION,
	    (int)getpid(), gen->cfg->workers);
	pool_configure(gen);
	pool_maintain();
	master_publish();

	for (;;) {
		if (stopping && pool_running() == 0)
			break;
		if (stopping && monotonic_ms() >= stop_deadline) {
			log_warnx("workers still running at the stop "
			    "deadline: killing");
			pool_kill_all();
			stop_deadline = monotonic_ms() + 60000;
		}
		master_wait();
		control_tick();
		pool_deadlines();
		if (!stopping)
			pool_maintain();
		master_check_ready();
		master_publish();
		stats_tick(gen);
		saturation_tick();
		live = pool_live(&idle, &busy);
		if (live != last_live) {
			master_title(live);
			last_live = live;
		}
	}
	log_notice("stopped");
	master_cleanup();
	return 0;
}
