/*
 * A worker is an event loop over one epoll set: the listeners (with
 * EPOLLEXCLUSIVE, so a new connection or datagram wakes one worker rather
 * than all: no thundering herd), its connections (conn.c), their timers
 * (timer.c) and the life pipe.  It accepts while it has room for
 * worker_connections and stops watching the listeners when full, as
 * nginx does; worker_connections = 1 is the classic one client at a
 * time.  With accept_mutex, only the holder of a token (accept_token.c)
 * watches them: taken at the top of the loop, given back once what was
 * ready is accepted.  The scoreboard counts returns from epoll_wait with
 * events ("wakeups") against what was taken ("accepts"); a worker the
 * kernel wakes and puts back to sleep without epoll_wait returning is not
 * seen there, so wakeups is a lower bound.
 *
 * It leaves when asked (QUIT: a reload or graceful stop; max_requests
 * connections served; the master gone, told by a parent-death signal and
 * the life pipe): it closes its listeners at once, closes connections
 * idle between requests, finishes the others and exits; TERM stops it at
 * once.  It comes back to its loop at least once a second and says so in
 * its row (the heartbeat the master checks against stall_timeout).
 *
 * Before anything else a worker closes every descriptor it inherited but
 * its listeners, the life pipe and stdio (the master's control socket
 * and clients, its pidfds), maps the scoreboard's view read-only, and
 * drops privileges.  A failure there is permanent: it exits with a code
 * from worker.h that tells the master not to try again until a reload.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accept_token.h"
#include "conn.h"
#include "dgram.h"
#include "udp_batch.h"
#include "generation.h"
#include "io.h"
#include "log.h"
#include "log_sink.h"
#include "offload.h"
#include "privs.h"
#include "recycle.h"
#include "proc.h"
#include "scoreboard.h"
#include "service.h"
#include "timer.h"
#include "title.h"
#include "worker.h"

#define NEVENTS		64
#define ACCEPT_BUDGET	16	/* per wakeup: fairness between workers */
#define UDP_BUDGET	64	/* datagrams per wakeup, in batches */
#define FD_RESERVE	16	/* descriptors kept for files, logs, ... */

static volatile sig_atomic_t worker_stop_now;	/* TERM: drop everything */
static volatile sig_atomic_t worker_draining;	/* QUIT: finish, leave */
static int worker_slot;
static int worker_token;		/* accept_mutex: the token decides */
static int worker_ep = -1;
static int worker_max;		/* connections: worker_connections, bounded */
static int listening;		/* the listeners are in the epoll set */
static int closed;		/* the listeners are closed for good */
static int leaving;
static int gone_said;		/* "master is gone" logged */
static pid_t worker_master;	/* the parent at fork */
static const struct generation *worker_gen;
static uint64_t worker_max_requests;	/* its own: jitter included */

/* What an epoll event's pointer points at, for listeners and the pipe. */
static struct evtag {
	int	 kind;		/* enum ev_kind */
	size_t	 idx;
} *ltags, lifetag = { EV_LIFE, 0 }, tasktag = { EV_TASK, 0 };
static int task_watched;	/* the helper thread's fd is in the set */

static const struct {
	int		 code;
	const char	*reason;
} exit_reasons[] = {
	{ WORKER_EXIT_PRIVS,	"cannot drop privileges" },
	{ WORKER_EXIT_SETUP,	"cannot set up its event loop" },
	{ WORKER_EXIT_FDS,	"cannot close inherited descriptors" },
};

const char *
worker_exit_reason(int code)
{
	size_t i;

	for (i = 0; i < sizeof(exit_reasons) / sizeof(exit_reasons[0]); i++)
		if (exit_reasons[i].code == code)
			return exit_reasons[i].reason;
	return NULL;
}

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
	sa.sa_handler = worker_signal;	/* no SA_RESTART: epoll sees EINTR */
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

static void
worker_set_idle(void)
{
	scoreboard_set_state(worker_slot, SB_IDLE, NULL, NULL);
	title_set("worker %d idle", worker_slot);
}

static void __attribute__((noreturn))
worker_exit(int code)
{
	scoreboard_set_state(worker_slot, SB_EXITING, NULL, NULL);
	_exit(code);
}

static void
worker_heartbeat(void)
{
	__atomic_store_n(&sb->workers[worker_slot].heartbeat_ms,
	    monotonic_ms(), __ATOMIC_RELAXED);
}

static int
fd_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every descriptor but those in keep (sorted here). */
static int
close_others(int *keep, size_t n)
{
	unsigned int from = 0;
	size_t i;

	qsort(keep, n, sizeof(*keep), fd_cmp);
	for (i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned int)keep[i] < from)
			continue;
		if ((unsigned int)keep[i] > from &&
		    close_range(from, (unsigned int)keep[i] - 1, 0) == -1)
			return -1;
		from = (unsigned int)keep[i] + 1;
	}
	return close_range(from, ~0U, 0);
}

/* Keep stdio, logs, listeners, the life pipe and the view until mapped. */
static int
worker_close_fds(const struct generation *g)
{
	size_t i, n = 0;
	int *keep, rc;

	if ((keep = calloc(g->nls + 5 + LOG_NSTREAMS, sizeof(*keep))) == NULL)
		return -1;
	keep[n++] = STDIN_FILENO;
	keep[n++] = STDOUT_FILENO;
	keep[n++] = STDERR_FILENO;
	keep[n++] = proc_life_fd();
	keep[n++] = scoreboard_view_fd();
	n += log_sink_fds(keep + n, LOG_NSTREAMS);
	for (i = 0; i < g->nls; i++)
		keep[n++] = g->ls[i].fd;
	rc = close_others(keep, n);
	free(keep);
	return rc;
}

/* Watch the listeners (on), or stop (off: full, or leaving). */
static void
worker_listen(int on)
{
	const struct generation *g = worker_gen;
	struct epoll_event ev;
	size_t k;

	if (closed || listening == on)
		return;
	for (k = 0; k < g->nls; k++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.ptr = &ltags[k];
		if (epoll_ctl(worker_ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		    g->ls[k].fd, &ev) == -1)
			log_warn("worker %d: epoll_ctl %s", worker_slot,
			    g->ls[k].addr.text);
	}
	listening = on;
}

/* conn.c: a connection of a full table is closing. */
static void
worker_has_room(void)
{
	if (!worker_draining && !leaving && !worker_stop_now && !worker_token)
		worker_listen(1);
}

/*
 * Should this worker watch the listeners now: it has room, and with
 * accept_mutex it holds the token (not taken past 7/8 of its room, as
 * nginx: a sibling with more room should take the next ones).
 */
static int
worker_may_listen(void)
{
	int n = conn_count();

	if (!worker_token)
		return n < worker_max;
	if (n < worker_max - worker_max / 8 && accept_token_take())
		return 1;
	accept_token_give();
	return 0;
}

/*
 * Leaving: stop listening at once, even while clients still hold this
 * worker, so that a socket the new generation no longer has, or that a
 * stop closed, is really closed and refuses clients rather than queueing
 * them for nobody.  Connections already ready are taken first: their
 * wakeup may have gone to this worker only.
 */
static void accept_ready(const struct listener *l);

static void
worker_close_listeners(void)
{
	const struct generation *g = worker_gen;
	struct epoll_event evs[NEVENTS];
	struct evtag *t;
	struct listener *l;
	size_t k;
	int i, n;

	if (closed)
		return;
	if (listening) {
		n = epoll_wait(worker_ep, evs, NEVENTS, 0);
		for (i = 0; i < n; i++) {
			t = evs[i].data.ptr;
			if (t->kind == EV_LISTENER &&
			    g->ls[t->idx].addr.proto != PROTO_UDP)
				accept_ready(&g->ls[t->idx]);
			else if (t->kind == EV_CONN)
				conn_event(evs[i].data.ptr, evs[i].events);
		}
		conn_reap();
		worker_listen(0);
	}
	closed = 1;
	for (k = 0; k < g->nls; k++) {
		l = &g->ls[k];
		if (close(l->fd) == -1)
			log_debug("close %s: %s", l->addr.text,
			    strerror(errno));
		l->fd = -1;
	}
}

/* One connection accepted on l: counted, handed to conn.c. */
static int
accept_one(const struct listener *l)
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
			return -1;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			/* Stop accepting for a while rather than spin. */
			log_warn("%s: accept (pausing 1s)", l->addr.text);
			SB_ADD(sb->listeners[l->sb].errors, 1);
			worker_listen(0);
			return -1;
		default:
			log_warn("%s: accept", l->addr.text);
			SB_ADD(sb->listeners[l->sb].errors, 1);
			return -1;
		}
	}
	conn_accept(l, fd, &peer, len);
	return 0;
}

/* Accept until EAGAIN, the budget, or no room. */
static void
accept_ready(const struct listener *l)
{
	int i;

	for (i = 0; i < ACCEPT_BUDGET && conn_count() < worker_max; i++)
		if (accept_one(l) == -1)
			break;
}

/* Datagrams: what is there, within the budget, in batches. */
static void
recv_ready(const struct listener *l)
{
	struct sb_worker *w = &sb->workers[worker_slot];
	int n;

	if ((n = udp_batch_serve(l, UDP_BUDGET)) > 0) {
		w->accepts += (uint64_t)n;
		w->requests += (uint64_t)n;
	}
}

/* A listener is ready: accept, or read datagrams, while listening. */
static void
listener_ready(const struct evtag *t)
{
	const struct generation *g = worker_gen;
	const struct listener *l;

	if (!listening || t->idx >= g->nls)
		return;
	l = &g->ls[t->idx];
	if (l->addr.proto == PROTO_UDP)
		recv_ready(l);
	else
		accept_ready(l);
}

static void
worker_events(struct epoll_event *evs, int n)
{
	struct evtag *t;
	int i;

	for (i = 0; i < n; i++)
		if (((struct evtag *)evs[i].data.ptr)->kind == EV_LISTENER) {
			/* Woken for the listeners: what the herd test counts. */
			sb->workers[worker_slot].wakeups++;
			break;
		}
	if (worker_token) {
		/* Accept first, then let a sibling take the token. */
		for (i = 0; i < n; i++) {
			t = evs[i].data.ptr;
			if (t->kind != EV_LISTENER)
				continue;
			evs[i].data.ptr = NULL;
			listener_ready(t);
		}
		accept_token_give();
	}
	for (i = 0; i < n && !worker_stop_now; i++) {
		if ((t = evs[i].data.ptr) == NULL)
			continue;	/* done above */
		switch (t->kind) {
		case EV_CONN:
			conn_event(evs[i].data.ptr, evs[i].events);
			break;
		case EV_TASK:
			offload_complete();
			break;
		case EV_LIFE:
			if (!gone_said)
				log_notice("worker %d: master is gone, "
				    "exiting", worker_slot);
			gone_said = 1;
			leaving = 1;
			break;
		case EV_LISTENER:
			listener_ready(t);
			break;
		}
	}
	conn_reap();
}

static int
worker_epoll(const struct generation *g)
{
	struct epoll_event ev;
	size_t k;

	if ((worker_ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("worker %d: epoll_create1", worker_slot);
		return -1;
	}
	if ((ltags = calloc(g->nls ? g->nls : 1, sizeof(*ltags))) == NULL)
		return -1;
	for (k = 0; k < g->nls; k++) {
		ltags[k].kind = EV_LISTENER;
		ltags[k].idx = k;
	}
	worker_listen(1);
	if (!listening)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &lifetag;
	if (epoll_ctl(worker_ep, EPOLL_CTL_ADD, proc_life_fd(), &ev) == -1) {
		log_warn("worker %d: epoll_ctl life pipe", worker_slot);
		return -1;
	}
	return 0;
}

/* worker_connections, within what RLIMIT_NOFILE leaves. */
static int
worker_room(const struct generation *g)
{
	struct rlimit rl;
	rlim_t fit;
	int max = g->cfg->worker_connections;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		fit = rl.rlim_cur > (rlim_t)(g->nls + FD_RESERVE) ?
		    rl.rlim_cur - g->nls - FD_RESERVE : 1;
		if ((rlim_t)max > fit) {
			log_warnx("worker %d: worker_connections %d is more "
			    "than RLIMIT_NOFILE (%llu) allows: %llu", worker_slot,
			    max, (unsigned long long)rl.rlim_cur,
			    (unsigned long long)fit);
			max = (int)fit;
		}
	}
	return max;
}

/* The helper thread started (an upload to store): watch its fd. */
static void
worker_watch_tasks(void)
{
	struct epoll_event ev;

	if (task_watched || offload_fd() == -1)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &tasktag;
	if (epoll_ctl(worker_ep, EPOLL_CTL_ADD, offload_fd(), &ev) == -1)
		log_warn("worker %d: epoll_ctl helper thread", worker_slot);
	task_watched = 1;
}

/*
 * Is it time to go: asked to, or served its max_requests (jitter
 * included)?  Then it says so in its row, so that the master starts its
 * replacement while it finishes its connections.
 */
static int
worker_done(void)
{
	uint64_t served = sb->workers[worker_slot].requests;

	if (!leaving && worker_max_requests > 0 &&
	    served >= worker_max_requests) {
		log_info("worker %d: served %llu requests (max_requests), "
		    "recycling", worker_slot, (unsigned long long)served);
		__atomic_store_n(&sb->workers[worker_slot].recycle,
		    RECYCLE_REQUESTS, __ATOMIC_RELEASE);
		leaving = 1;
	}
	if (!worker_draining && !leaving)
		return 0;
	title_shutting_down();
	if (!gone_said && getppid() != worker_master) {
		/* The parent-death signal: the master is gone. */
		log_notice("worker %d: master is gone, exiting", worker_slot);
		gone_said = 1;
	}
	worker_close_listeners();
	return conn_drain();
}

void
worker_start(void *arg)
{
	const struct worker_args *a = arg;
	const struct generation *g = a->gen;
	struct epoll_event evs[NEVENTS];
	int n, timeout, was;
	pid_t master = getppid();
	uint64_t now;

	worker_slot = a->slot;
	worker_gen = g;
	worker_max_requests = a->max_requests;
	worker_master = master;
	title_name("netd-worker");
	worker_signals();
	/* The master gone, even while clients hold us: drain. */
	if (prctl(PR_SET_PDEATHSIG, SIGQUIT) == -1)
		log_warn("worker %d: prctl PR_SET_PDEATHSIG", worker_slot);
	if (getppid() != master)
		worker_draining = 1;
	title_set("worker %d starting", worker_slot);
	if (worker_close_fds(g) == -1) {
		log_warn("worker %d: close_range", worker_slot);
		worker_exit(WORKER_EXIT_FDS);
	}
	if (scoreboard_attach() == -1)
		worker_exit(WORKER_EXIT_SETUP);
	if (privs_drop(g->cfg) == -1)
		worker_exit(WORKER_EXIT_PRIVS);
	worker_max = worker_room(g);
	/* One connection at a time: the token would pass at every one. */
	worker_token = g->cfg->accept_mutex && worker_max > 1;
	accept_token_init(worker_slot);
	if (worker_epoll(g) == -1)
		worker_exit(WORKER_EXIT_SETUP);
	conn_init(worker_slot, worker_ep, worker_max, worker_has_room);
	dgram_init(worker_slot);
	worker_heartbeat();
	log_debug("worker %d (pid %d, generation %u) ready, %d connections",
	    worker_slot, (int)getpid(), g->id, worker_max);
	worker_set_idle();

	for (;;) {
		if (worker_stop_now) {
			offload_finish_all();
			conn_close_all("stopped");
			worker_exit(WORKER_EXIT_OK);
		}
		if (worker_done()) {
			offload_finish_all();
			worker_exit(WORKER_EXIT_OK);
		}
		/* Back at least once a slice: the master sees us alive. */
		now = monotonic_ms();
		timeout = timer_next(now);
		if (timeout < 0 || timeout > IO_SLICE_MS)
			timeout = IO_SLICE_MS;
		if (worker_token && !worker_draining && !leaving) {
			worker_listen(worker_may_listen());
			if (!listening && timeout > ACCEPT_TOKEN_RETRY_MS)
				timeout = ACCEPT_TOKEN_RETRY_MS;
		}
		was = conn_count();
		n = epoll_wait(worker_ep, evs, NEVENTS, timeout);
		worker_heartbeat();
		if (n == -1 && errno != EINTR) {
			log_warn("worker %d: epoll_wait", worker_slot);
			worker_exit(1);
		}
		if (n > 0)
			worker_events(evs, n);
		timer_run(monotonic_ms());
		conn_reap();
		worker_watch_tasks();
		/* Full: let the siblings accept; room again: take part. */
		if (!worker_draining && !leaving && !worker_token)
			worker_listen(conn_count() < worker_max);
		else if (worker_draining || leaving)
			accept_token_give();
		if (conn_count() == 0 && was > 0)
			worker_set_idle();
	}
}
