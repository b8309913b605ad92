/*
 * The master's event stream (netctl watch): what happens to the pool, as
 * it happens, to every subscriber of the control socket.  The master
 * code calls events_emit() where it already logs the same thing.
 */
#ifndef NETD_EVENTS_H
#define NETD_EVENTS_H

#include <poll.h>
#include <sys/types.h>

#include <jansson.h>

#define EVENTS_MAX_SUBSCRIBERS	16
#define EVENTS_RING		64	/* recent events a new subscriber gets */
#define EVENTS_BUF_MAX		(256 * 1024)	/* unsent: past it, dropped */

/*
 * The events, by name on the wire ("event": "spawn"), with their fields:
 *
 * EV_SPAWN	 worker started: slot, pid, generation
 * EV_EXIT	 worker ended: slot, pid, generation, reason ("exited with
 *		 status 0", "killed by signal 9 (Killed)"), lived_ms, and
 *		 leaving (true when it was asked to go: drain, retire, stop)
 * EV_BACKOFF	 its slot waits before the next start: slot, failures,
 *		 retry_in_ms
 * EV_FAILED	 the slot cannot start until a reload: slot, reason
 * EV_RELOAD_START reload begun: generation, config
 * EV_RELOAD_END reload done: ok, from, to, changes (lines), or error
 * EV_SCALE	 pool size changed: from, to, by ("scale", "signal",
 *		 "reload")
 * EV_SATURATED	 the pool is at max_workers with no room left: workers,
 *		 max_workers, busy
 * EV_UNSATURATED room again: workers, max_workers, lasted_ms
 * EV_DRAIN	 workers of an old generation leaving: generation, left,
 *		 timeout_ms when it begins; left 0 when the last is gone
 * EV_STOP	 netd stopping: how ("fast", "graceful"), workers
 */
enum ev_type {
	EV_SPAWN,
	EV_EXIT,
	EV_BACKOFF,
	EV_FAILED,
	EV_RELOAD_START,
	EV_RELOAD_END,
	EV_SCALE,
	EV_SATURATED,
	EV_UNSATURATED,
	EV_DRAIN,
	EV_STOP,
	EV_COUNT
};

/* The event's name on the wire. */
const char *events_name(enum ev_type type);
/*
 * Send one event to every subscriber, and keep it for new ones.  Takes
 * the reference to fields (an object, or NULL for none); never blocks:
 * a subscriber too slow to keep up is dropped.
 */
void	events_emit(enum ev_type type, json_t *fields);
/*
 * Take over a control connection (non-blocking) as a subscriber: the
 * reply line, the recent events, then each new one.  0, or -1 when
 * there is no room (the caller still owns fd then).
 */
int	events_subscribe(int fd, uid_t uid, pid_t pid);
/* Subscribers in the master's poll: may lower *timeout. */
nfds_t	events_pollfds(struct pollfd *pfd, nfds_t max);
void	events_handle(struct pollfd *pfd, nfds_t n);
/* Close every subscriber (stopping, or in a child). */
void	events_close_all(void);

#endif
