/*
 * The master process.  It binds every listener, forks the pool and then
 * only supervises: signals arrive as bytes on a self-pipe and are acted
 * on in the loop, children are reaped there, the pool is kept in shape,
 * reloads swap configuration generations without closing a listener that
 * both generations share, and stops are fast (TERM) or graceful (QUIT).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "control.h"
#include "io.h"
#include "log.h"
#include "master.h"
#include "pool.h"
#include "scoreboard.h"
#include "service.h"
#include "title.h"
#include "version.h"
#include "worker.h"

struct master master;

#define FAST_STOP_MS	5000	/* TERM to KILL on a fast stop */

static const int master_sigs[] = {
	SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGTTIN, SIGTTOU, SIGCHLD,
};

static void
master_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	(void)!write(master.sigpipe[1], &c, 1);
	errno = saved;
}

static int
master_signals(void)
{
	struct sigaction sa;
	size_t i;

	if (pipe2(master.sigpipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_warn("pipe");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = master_signal;
	for (i = 0; i < sizeof(master_sigs) / sizeof(master_sigs[0]); i++)
		if (sigaction(master_sigs[i], &sa, NULL) == -1) {
			log_warn("sigaction");
			return -1;
		}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

void
master_title(void)
{
	int idle, busy, live = pool_live(&idle, &busy);

	title_set("master -c %s (%d worker%s)", master.cfg->path, live,
	    live == 1 ? "" : "s");
}

pid_t
master_spawn(int slot)
{
	sigset_t all, old;
	pid_t pid;

	scoreboard_worker_reset(slot, 0, master.generation);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		log_pid_reset();
		close(master.sigpipe[0]);
		close(master.sigpipe[1]);
		close(master.life[1]);
		control_close_all();
		sb->workers[slot].pid = getpid();
		worker_main(slot, master.generation, master.cfg, master.ls,
		    master.nls, master.life[0]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		log_warn("fork worker %d", slot);
		sb->workers[slot].state = SB_EMPTY;
		return -1;
	}
	sb->workers[slot].pid = pid;
	log_debug("worker %d started (pid %d, generation %u)", slot, (int)pid,
	    master.generation);
	return pid;
}

void
master_stop(int how)
{
	size_t i;

	if (master.stopping == STOP_FAST ||
	    (master.stopping == how && how == STOP_GRACEFUL))
		return;
	pool.stopping = 1;
	if (how == STOP_FAST) {
		log_notice("fast stop: terminating %d workers", pool_running());
		master.stopping = STOP_FAST;
		master.stop_deadline = monotonic_ms() + FAST_STOP_MS;
		pool_signal_all(SIGTERM);
	} else {
		log_notice("graceful stop: letting %d workers finish (up to "
		    "%dms)", pool_running(), master.cfg->shutdown_timeout_ms);
		master.stopping = STOP_GRACEFUL;
		pool_drain_generation(UINT32_MAX,
		    master.cfg->shutdown_timeout_ms);
		master.stop_deadline = monotonic_ms() +
		    (uint64_t)master.cfg->shutdown_timeout_ms + FAST_STOP_MS;
	}
	/* The master stops listening at once; workers keep their copies. */
	for (i = 0; i < master.nls; i++)
		listener_close(&master.ls[i]);
	sd_notify(0, "STOPPING=1");
}

void
master_scale(int n)
{
	if (n < 1)
		n = 1;
	if (n > master.cfg->max_workers)
		n = master.cfg->max_workers;
	log_notice("pool size %d -> %d", pool.target, n);
	pool.target = n;
	pool_shrink_to(n);
	pool_maintain();
	master_title();
}

static void
master_handle_signal(int sig)
{
	struct reload_report rep;
	int idle, busy;

	switch (sig) {
	case SIGCHLD:
		pool_reap();
		break;
	case SIGHUP:
		(void)master_reload(0, &rep);
		reload_report_free(&rep);
		break;
	case SIGTERM:
	case SIGINT:
		master_stop(STOP_FAST);
		break;
	case SIGQUIT:
		master_stop(STOP_GRACEFUL);
		break;
	case SIGUSR1:
		log_notice("SIGUSR1: logs go to stderr; nothing to reopen");
		break;
	case SIGTTIN:
	case SIGTTOU:
		(void)pool_live(&idle, &busy);
		master_scale(pool.target + (sig == SIGTTIN ? 1 : -1));
		break;
	}
}

static void
master_cleanup(void)
{
	size_t i;

	for (i = 0; i < master.nls; i++)
		listener_remove(&master.ls[i]);
	control_close_all();
	if (master.cfg->pid_file != NULL && unlink(master.cfg->pid_file) == -1 &&
	    errno != ENOENT)
		log_warn("unlink %s", master.cfg->pid_file);
}

static void
master_check_ready(void)
{
	int idle, busy, live;

	if (master.announced || !pool_generation_ready())
		return;
	master.announced = 1;
	live = pool_live(&idle, &busy);
	log_notice("ready: generation %u, %d workers, %zu listeners",
	    master.generation, live, master.nls);
	sd_notifyf(0, "READY=1\nSTATUS=serving, %d workers\nMAINPID=%d", live,
	    (int)getpid());
}

int
master_run(struct netd_config *cfg)
{
	struct pollfd pfd[CONTROL_MAX_CLIENTS + 2];
	unsigned char sigs[64];
	int n, timeout, last_live = -1, idle, busy, live;
	nfds_t npfd;
	ssize_t r;

	master.cfg = cfg;
	master.generation = 1;
	master.start_ms = realtime_ms();
	log_set_level(cfg->log_level);
	if (scoreboard_init() == -1 || udp_guard_init() == -1)
		return 1;
	sb->master_pid = getpid();
	sb->master_start_ms = master.start_ms;
	sb->generation = 1;
	pool.slots = sb->slots;
	strlcpy(sb->master.config, cfg->path, sizeof(sb->master.config));
	if (master_config_check(cfg, NULL) == -1)
		return 1;
	if (listeners_build(cfg, NULL, 0, &master.ls, &master.nls, 0,
	    NULL) == -1)
		return 1;
	services_register(cfg);
	if (pipe2(master.life, O_CLOEXEC) == -1) {
		log_warn("pipe");
		return 1;
	}
	if (master_signals() == -1)
		return 1;
	if (control_open(cfg) == -1)
		return 1;
	pool.generation = 1;
	pool.target = cfg->workers;
	pool.min_spare = cfg->min_spare;
	pool.max_spare = cfg->max_spare;
	pool.max_workers = cfg->max_workers;
	pool.shutdown_timeout_ms = cfg->shutdown_timeout_ms;
	pool.spawn_rate = 1;
	pool.last_tick = monotonic_ms();
	log_notice("netd %s starting: master pid %d, %d workers", NETD_VERSION,
	    (int)getpid(), cfg->workers);
	pool_maintain();

	for (;;) {
		if (master.stopping && pool_running() == 0)
			break;
		if (master.stopping &&
		    monotonic_ms() >= master.stop_deadline) {
			log_warnx("workers still running at the stop "
			    "deadline: killing");
			pool_signal_all(SIGKILL);
			master.stop_deadline = monotonic_ms() + 60000;
		}
		timeout = pool_next_timeout();
		pfd[0].fd = master.sigpipe[0];
		pfd[0].events = POLLIN;
		npfd = 1 + control_pollfds(&pfd[1], CONTROL_MAX_CLIENTS + 1,
		    &timeout);
		n = poll(pfd, npfd, timeout);
		if (n == -1 && errno != EINTR) {
			log_warn("poll");
			continue;
		}
		if (n > 0 && (pfd[0].revents & POLLIN)) {
			while ((r = read(master.sigpipe[0], sigs,
			    sizeof(sigs))) > 0)
				for (ssize_t i = 0; i < r; i++)
					master_handle_signal(sigs[i]);
		}
		if (n > 0)
			control_handle(&pfd[1], npfd - 1);
		control_tick();
		pool_maintain();
		master_check_ready();
		sb->master.target = pool.target;
		sb->master.min_spare = pool.min_spare;
		sb->master.max_spare = pool.max_spare;
		sb->master.max_workers = pool.max_workers;
		sb->master.stopping = master.stopping;
		live = pool_live(&idle, &busy);
		if (live != last_live) {
			master_title();
			last_live = live;
		}
	}
	log_notice("stopped");
	master_cleanup();
	return 0;
}
