/*
 * A worker waits on every listener through its own epoll set.  Listeners
 * are registered with EPOLLEXCLUSIVE, so a new connection or datagram
 * wakes one idle worker rather than all of them (no thundering herd).  The
 * scoreboard counts returns from epoll_wait ("wakeups") against what was
 * taken ("accepts"); a worker the kernel wakes and puts back to sleep
 * without epoll_wait returning is not seen there, so wakeups is a lower
 * bound (the tests also count context switches).  It
 * serves one connection or datagram at a time, recycles after
 * max_requests, drains on QUIT, stops at once on TERM, and leaves when the
 * master is gone (the life pipe reads EOF).
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "privs.h"
#include "scoreboard.h"
#include "service.h"
#include "title.h"
#include "worker.h"

#define LIFE_EVENT	UINT32_MAX
#define NEVENTS		16

volatile sig_atomic_t worker_stop_now;
static volatile sig_atomic_t worker_draining;
static int worker_slot;

static void
worker_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		worker_stop_now = 1;
	else if (sig == SIGQUIT)
		worker_draining = 1;
}

static void
worker_signals(void)
{
	struct sigaction sa;
	sigset_t all;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = worker_signal;	/* no SA_RESTART: poll sees EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGTTIN, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	io_interrupt = &worker_stop_now;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
}

void
worker_set_busy(const char *service, const char *peer)
{
	scoreboard_set_state(worker_slot, SB_BUSY, service, peer);
	title_set("worker %d %s %s", worker_slot, service, peer);
}

void
worker_set_idle(void)
{
	scoreboard_set_state(worker_slot, SB_IDLE, NULL, NULL);
	title_set("worker %d %s", worker_slot,
	    worker_draining ? "draining" : "idle");
}

static void
worker_exit(int code)
{
	scoreboard_set_state(worker_slot, SB_EXITING, NULL, NULL);
	_exit(code);
}

/* Take one connection from a stream listener; 1 if one was served. */
static int
worker_accept(const struct netd_config *cfg, struct listener *l)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int fd;

	fd = accept4(l->fd, (struct sockaddr *)&peer, &len,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		switch (errno) {
		case EAGAIN:
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			return 0;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* Pause rather than spin on a full descriptor table. */
			log_warn("%s: accept (pausing 1s)", l->addr.text);
			SB_ADD(sb->listeners[l->sb].errors, 1);
			(void)poll(NULL, 0, 1000);
			return 0;
		default:
			log_warn("%s: accept", l->addr.text);
			SB_ADD(sb->listeners[l->sb].errors, 1);
			return 0;
		}
	}
	sb->workers[worker_slot].accepts++;
	sb->workers[worker_slot].listener = l->sb;
	service_stream(worker_slot, l->sb, fd, &cfg->services[l->svc], &peer,
	    len);
	if (close(fd) == -1)
		log_debug("close: %s", strerror(errno));
	return 1;
}

/* Take one datagram; 1 if one was handled. */
static int
worker_recv(const struct netd_config *cfg, struct listener *l)
{
	static char buf[65536];
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	ssize_t n;

	n = recvfrom(l->fd, buf, sizeof(buf), MSG_DONTWAIT,
	    (struct sockaddr *)&peer, &len);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("%s: recvfrom", l->addr.text);
		return 0;
	}
	sb->workers[worker_slot].accepts++;
	sb->workers[worker_slot].listener = l->sb;
	service_dgram(worker_slot, l->sb, l->fd, &cfg->services[l->svc], buf,
	    (size_t)n, &peer, len);
	return 1;
}

/* Serve the ready listeners; the number served.  Sets *leaving. */
static int
worker_events(const struct netd_config *cfg, struct listener *ls,
    struct epoll_event *evs, int n, int *leaving)
{
	struct sb_worker *w = &sb->workers[worker_slot];
	int i, served = 0, ok;
	size_t k;

	for (i = 0; i < n && !worker_stop_now; i++) {
		if (evs[i].data.u32 == LIFE_EVENT) {
			if (!*leaving)
				log_notice("worker %d: master is gone, exiting",
				    worker_slot);
			*leaving = 1;
			continue;
		}
		k = evs[i].data.u32;
		ok = ls[k].addr.proto == PROTO_UDP ? worker_recv(cfg, &ls[k]) :
		    worker_accept(cfg, &ls[k]);
		if (!ok)
			continue;
		served++;
		w->requests++;
		w->listener = -1;
		/* A datagram (or a refused peer) never made us busy. */
		if (w->state != SB_IDLE)
			worker_set_idle();
		if (cfg->max_requests > 0 &&
		    w->requests >= (uint64_t)cfg->max_requests && !*leaving) {
			log_info("worker %d: served %llu requests "
			    "(max_requests), recycling", worker_slot,
			    (unsigned long long)w->requests);
			*leaving = 1;
		}
	}
	return served;
}

void
worker_main(int slot, uint32_t generation, const struct netd_config *cfg,
    struct listener *ls, size_t nls, int life_fd)
{
	struct epoll_event ev, evs[NEVENTS];
	struct sb_worker *w = &sb->workers[slot];
	int ep, n, leaving = 0;
	size_t k;

	worker_slot = slot;
	worker_signals();
	title_set("worker %d starting", slot);
	if (privs_drop(cfg) == -1)
		worker_exit(2);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("worker %d: epoll_create1", slot);
		worker_exit(2);
	}
	for (k = 0; k < nls; k++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u32 = (uint32_t)k;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ls[k].fd, &ev) == -1) {
			log_warn("worker %d: epoll_ctl %s", slot,
			    ls[k].addr.text);
			worker_exit(2);
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = LIFE_EVENT;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, life_fd, &ev) == -1) {
		log_warn("worker %d: epoll_ctl life pipe", slot);
		worker_exit(2);
	}
	log_debug("worker %d (pid %d, generation %u) ready", slot,
	    (int)getpid(), generation);
	worker_set_idle();

	for (;;) {
		if (worker_stop_now)
			worker_exit(0);
		if (worker_draining || leaving) {
			/*
			 * Serve what is already pending before leaving: an
			 * exclusive wakeup this worker took, or readiness
			 * queued on its epoll set, reaches no sibling, and a
			 * client could wait on a queue nobody watches.
			 */
			if ((n = epoll_wait(ep, evs, NEVENTS, 0)) > 0)
				(void)worker_events(cfg, ls, evs, n, &leaving);
			worker_exit(0);
		}
		n = epoll_wait(ep, evs, NEVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("worker %d: epoll_wait", slot);
			worker_exit(2);
		}
		w->wakeups++;
		(void)worker_events(cfg, ls, evs, n, &leaving);
	}
}
