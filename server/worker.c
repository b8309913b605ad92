/*
 * A worker waits on every listener through its own epoll set.  Listeners
 * are registered with EPOLLEXCLUSIVE, so a new connection or datagram
 * wakes one idle worker rather than all of them (no thundering herd).  The
 * scoreboard counts returns from epoll_wait ("wakeups") against what was
 * taken ("accepts"); a worker the kernel wakes and puts back to sleep
 * without epoll_wait returning is not seen there, so wakeups is a lower
 * bound (the tests also count context switches).  It serves one
 * connection at a time (conn.c) and datagrams in batches (udp_batch.c),
 * and per wakeup drains what is ready within a budget (see
 * worker_serve), recycles after max_requests, drains on QUIT, stops at
 * once on TERM, and leaves when the master is gone (the life pipe reads
 * EOF).
 *
 * Before anything else a worker closes every descriptor it inherited but
 * its listeners, the life pipe and stderr (the master's control socket
 * and clients, its pidfds), maps the scoreboard's view read-only, and
 * drops privileges.  A failure there is permanent: it exits with a code
 * from worker.h that tells the master not to try again until a reload.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "generation.h"
#include "io.h"
#include "log.h"
#include "privs.h"
#include "proc.h"
#include "scoreboard.h"
#include "title.h"
#include "udp_batch.h"
#include "worker.h"

#define LIFE_EVENT	UINT32_MAX
#define NEVENTS		16
#define BUDGET		64	/* connections or datagrams per wakeup */

static volatile sig_atomic_t worker_stop_now;	/* TERM: drop everything */
static volatile sig_atomic_t worker_draining;	/* QUIT: finish, leave */
static int worker_slot;
static int worker_ep = -1;
static const struct generation *worker_gen;
static int listening = 1;	/* listeners still open */

/* Connections taken when the listeners closed, served before leaving. */
static struct pending {
	const struct listener	*l;
	int			 fd;
	struct sockaddr_storage	 peer;
	socklen_t		 len;
} pending[NEVENTS];
static int npending;

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

static void
worker_set_idle(void)
{
	scoreboard_set_state(worker_slot, SB_IDLE, NULL, NULL);
	title_set("worker %d %s", worker_slot,
	    worker_draining ? "draining" : "idle");
}

static void
worker_heartbeat(void)
{
	__atomic_store_n(&sb->workers[worker_slot].heartbeat_ms,
	    monotonic_ms(), __ATOMIC_RELAXED);
}

/*
 * Leaving (QUIT, the master gone, max_requests): stop listening at once,
 * even while a client still holds this worker, so that a socket the new
 * generation no longer has, or that a stop closed, is really closed and
 * refuses clients rather than queueing them for nobody.  Connections
 * already ready on our epoll set are taken first (they may have woken
 * only us) and served before we leave.
 */
static void
worker_close_listeners(void)
{
	const struct generation *g = worker_gen;
	struct epoll_event evs[NEVENTS];
	struct pending *p;
	struct listener *l;
	int i, n;

	if (!listening)
		return;
	listening = 0;
	n = epoll_wait(worker_ep, evs, NEVENTS, 0);
	for (i = 0; i < n; i++) {
		if (evs[i].data.u32 >= g->nls)
			continue;
		l = &g->ls[evs[i].data.u32];
		if (l->addr.proto == PROTO_UDP)
			continue;	/* the socket stays open in siblings */
		while (npending < NEVENTS) {
			p = &pending[npending];
			p->len = sizeof(p->peer);
			p->fd = accept4(l->fd, (struct sockaddr *)&p->peer,
			    &p->len, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (p->fd == -1)
				break;
			p->l = l;
			npending++;
		}
	}
	for (i = 0; i < (int)g->nls; i++) {
		l = &g->ls[i];
		if (l->fd == -1)
			continue;
		if (epoll_ctl(worker_ep, EPOLL_CTL_DEL, l->fd, NULL) == -1)
			log_debug("epoll_ctl DEL %s: %s", l->addr.text,
			    strerror(errno));
		if (close(l->fd) == -1)
			log_debug("close %s: %s", l->addr.text,
			    strerror(errno));
		l->fd = -1;
	}
}

/* io_wait()'s hook: alive while a client holds us; drain if asked. */
static void
worker_waiting(void)
{
	worker_heartbeat();
	if (worker_draining)
		worker_close_listeners();
}

static void __attribute__((noreturn))
worker_exit(int code)
{
	scoreboard_set_state(worker_slot, SB_EXITING, NULL, NULL);
	_exit(code);
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

/* Keep stdio, the listeners, the life pipe and the view until mapped. */
static int
worker_close_fds(const struct generation *g)
{
	size_t i, n = 0;
	int *keep, rc;

	if ((keep = calloc(g->nls + 5, sizeof(*keep))) == NULL)
		return -1;
	keep[n++] = STDIN_FILENO;
	keep[n++] = STDOUT_FILENO;
	keep[n++] = STDERR_FILENO;
	keep[n++] = proc_life_fd();
	keep[n++] = scoreboard_view_fd();
	for (i = 0; i < g->nls; i++)
		keep[n++] = g->ls[i].fd;
	rc = close_others(keep, n);
	free(keep);
	return rc;
}

/* Take one connection from a stream listener; 1 if one was served. */
static int
worker_accept(const struct listener *l)
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
	conn_stream(l, fd, &peer, len);
	if (close(fd) == -1)
		log_debug("close: %s", strerror(errno));
	return 1;
}

/*
 * Count n connections or datagrams served; set *leaving at max_requests.
 * The heartbeat too: a run of connections that never block (io_wait's
 * hook beats for those that do) still shows this worker alive.
 */
static void
worker_served(const struct generation *g, int n, int *leaving)
{
	struct sb_worker *w = &sb->workers[worker_slot];

	w->requests += (uint64_t)n;
	worker_heartbeat();
	/* A datagram (or a refused peer) never made us busy. */
	if (w->state != SB_IDLE)
		worker_set_idle();
	if (g->cfg->max_requests > 0 &&
	    w->requests >= (uint64_t)g->cfg->max_requests && !*leaving) {
		log_info("worker %d: served %llu requests (max_requests), "
		    "recycling", worker_slot, (unsigned long long)w->requests);
		*leaving = 1;
	}
}

/*
 * Serve one ready listener, draining what is ready within the budget: a
 * stream listener's connections one after the other until accept finds
 * the queue empty, datagrams in batches until recvmmsg does.  Under load
 * the queue is never empty and the epoll_wait per connection or datagram
 * is saved; idle, a run costs one accept or recvmmsg that finds EAGAIN.
 *
 * Fairness: a connection is accepted only when the previous one is done,
 * so none waits inside this worker while a sibling is idle; what this
 * worker has not taken stays in the kernel's queue, and each new arrival
 * wakes an idle sibling (EPOLLEXCLUSIVE).  The budget bounds a run so
 * that the other listeners, the life pipe and signals get their turn,
 * and it never goes past max_requests.  A run stops as soon as the worker
 * is to leave: its listeners may already be closed (worker_waiting).
 * (An event-driven worker with many connections each replaces this.)
 */
static void
worker_serve(const struct generation *g, const struct listener *l,
    int *leaving)
{
	struct sb_worker *w = &sb->workers[worker_slot];
	int budget = BUDGET, n;
	uint64_t left;

	if (g->cfg->max_requests > 0) {
		left = w->requests < (uint64_t)g->cfg->max_requests ?
		    (uint64_t)g->cfg->max_requests - w->requests : 1;
		if (left < (uint64_t)budget)
			budget = (int)left;
	}
	if (l->addr.proto == PROTO_UDP) {
		if ((n = udp_batch_serve(l, budget)) > 0) {
			w->accepts += (uint64_t)n;
			worker_served(g, n, leaving);
		}
		return;
	}
	for (n = 0; n < budget; n++) {
		if (n > 0 && (worker_stop_now || worker_draining ||
		    *leaving || !listening))
			break;
		if (!worker_accept(l))
			break;
		worker_served(g, 1, leaving);
	}
}

/* Serve the ready listeners, each within the budget.  Sets *leaving. */
static void
worker_events(const struct generation *g, struct epoll_event *evs, int n,
    int *leaving)
{
	int i;

	for (i = 0; i < n && !worker_stop_now; i++) {
		if (evs[i].data.u32 == LIFE_EVENT) {
			if (!*leaving)
				log_notice("worker %d: master is gone, exiting",
				    worker_slot);
			*leaving = 1;
			continue;
		}
		if (evs[i].data.u32 >= g->nls || !listening ||
		    worker_draining)
			continue;
		worker_serve(g, &g->ls[evs[i].data.u32], leaving);
	}
}

static int
worker_epoll(const struct generation *g)
{
	struct epoll_event ev;
	size_t k;
	int ep;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_warn("worker %d: epoll_create1", worker_slot);
		return -1;
	}
	for (k = 0; k < g->nls; k++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u32 = (uint32_t)k;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, g->ls[k].fd, &ev) == -1) {
			log_warn("worker %d: epoll_ctl %s", worker_slot,
			    g->ls[k].addr.text);
			return -1;
		}
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = LIFE_EVENT;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, proc_life_fd(), &ev) == -1) {
		log_warn("worker %d: epoll_ctl life pipe", worker_slot);
		return -1;
	}
	return ep;
}

void
worker_start(void *arg)
{
	const struct worker_args *a = arg;
	const struct generation *g = a->gen;
	struct epoll_event evs[NEVENTS];
	int ep, n, i, leaving = 0;
	pid_t master = getppid();

	worker_slot = a->slot;
	worker_gen = g;
	conn_init(worker_slot);
	worker_signals();
	/* The master gone, even while a client holds us: drain. */
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
	if ((ep = worker_epoll(g)) == -1)
		worker_exit(WORKER_EXIT_SETUP);
	worker_ep = ep;
	io_wait_hook = worker_waiting;
	worker_heartbeat();
	log_debug("worker %d (pid %d, generation %u) ready", worker_slot,
	    (int)getpid(), g->id);
	worker_set_idle();

	for (;;) {
		if (worker_stop_now)
			worker_exit(WORKER_EXIT_OK);
		if (worker_draining || leaving) {
			/*
			 * Serve what is already pending before leaving: an
			 * exclusive wakeup this worker took reaches no
			 * sibling, and a client could wait on a queue
			 * nobody watches.
			 */
			worker_close_listeners();
			for (i = 0; i < npending && !worker_stop_now; i++) {
				conn_stream(pending[i].l, pending[i].fd,
				    &pending[i].peer, pending[i].len);
				(void)close(pending[i].fd);
			}
			worker_exit(WORKER_EXIT_OK);
		}
		/* Back at least once a slice: the master sees us alive. */
		n = epoll_wait(ep, evs, NEVENTS, IO_SLICE_MS);
		worker_heartbeat();
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("worker %d: epoll_wait", worker_slot);
			worker_exit(1);
		}
		if (n == 0)
			continue;
		sb->workers[worker_slot].wakeups++;
		worker_events(g, evs, n, &leaving);
	}
}
