/*
 * Connections in a worker's event loop.  A connection is accepted, checked
 * (allow list, max_connections), given a row of the worker's table and
 * handed to its service, which is a set of callbacks: start, input, idle,
 * eof, flushed, timeout, finish.  This file owns the table, the epoll
 * interest and the counters; reads go through one buffer per worker.
 * What a service sends goes through conn_out.c; each connection has one
 * timer, set to the earliest of its deadlines (conn_timer.c); its access
 * line is written by conn_log.c.  A connection closed during a round of
 * events is freed after the round, so that no callback ever sees freed
 * memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "conn_limit.h"
#include "esc.h"
#include "io.h"
#include "listener.h"
#include "log.h"
#include "logfmt.h"
#include "scoreboard.h"
#include "service.h"
#include "title.h"

#define READ_BUDGET	4		/* reads per event: fairness */

_Static_assert(CONN_NSTATES == SB_CONN_STATES, "sb_worker.conn_states");

static int conn_slot, conn_ep = -1, conn_max;
static void (*conn_room)(void);		/* a full table gets room */
static struct conn **rows;		/* by row; NULL: free */
static int nconns, lowfree;
static struct conn *reaplist;		/* closed: free after the round */
static struct conn *closelist;		/* close after the callback */
static char rbuf[64 * 1024];		/* one read buffer for all */


void
conn_init(int slot, int epfd, int max, void (*room)(void))
{
	conn_slot = slot;
	conn_room = room;
	conn_limit_slot(slot);
	conn_ep = epfd;
	conn_max = max;
	/*
	 * Mapped, not taken from the heap the master wrote: a page of the
	 * table costs memory once a connection uses a row in it, so an idle
	 * worker with room for thousands holds one page of it, or none.
	 */
	rows = mmap(NULL, (size_t)max * sizeof(*rows), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rows == MAP_FAILED) {
		log_warn("worker %d: connection table", slot);
		rows = NULL;
		conn_max = 0;
	}
	sb->workers[slot].conn_max = (uint32_t)conn_max;
}

int
conn_count(void)
{
	return nconns;
}

const char *
conn_state_name(int state)
{
	static const char *const names[CONN_NSTATES] = {
		[CONN_READING] = "reading",
		[CONN_WRITING] = "writing",
		[CONN_KEEPALIVE] = "keepalive",
		[CONN_CLOSING] = "closing",
	};

	return state >= 0 && state < CONN_NSTATES ? names[state] : "?";
}

void
conn_set_result(struct conn *c, const char *result)
{
	strlcpy(c->result, result, sizeof(c->result));
}

static void
worker_counts(void)
{
	struct sb_worker *w = &sb->workers[conn_slot];

	__atomic_store_n(&w->conns, (uint32_t)nconns, __ATOMIC_RELAXED);
}

void
conn_set_state(struct conn *c, int state)
{
	struct sb_worker *w = &sb->workers[conn_slot];

	if (c->state == state)
		return;
	SB_SUB(w->conn_states[c->state], 1);
	SB_ADD(w->conn_states[state], 1);
	c->state = state;
	scoreboard_conn_state(conn_slot, c->row, state);
}

void
conn_count_io(struct conn *c, uint64_t in, uint64_t out)
{
	struct sb_worker *w = &sb->workers[conn_slot];
	struct sb_listener_count *l = &sb->listeners[c->l->sb];

	c->bytes_in += in;
	c->bytes_out += out;
	w->bytes_in += in;
	w->bytes_out += out;
	if (in)
		SB_ADD(l->bytes_in, in);
	if (out)
		SB_ADD(l->bytes_out, out);
	scoreboard_conn_bytes(conn_slot, c->row, c->bytes_in, c->bytes_out);
}

/* The title and the worker's row say how many connections it has. */
static void
worker_show(void)
{
	struct conn *c = NULL;
	int i;

	worker_counts();
	if (nconns == 1) {
		for (i = 0; i < conn_max && c == NULL; i++)
			c = rows[i];
		scoreboard_set_state(conn_slot, SB_BUSY, c->svc->name,
		    c->peer_text);
		title_set("worker %d %s %s", conn_slot, c->svc->name,
		    c->peer_text);
	} else if (nconns > 1) {
		scoreboard_set_state(conn_slot, SB_BUSY, NULL, NULL);
		title_set("worker %d (%d conns)", conn_slot, nconns);
	}
	/* No connection: the worker's loop says idle or draining. */
}

/* A connection no longer counted in its service's active. */
static void
service_leave(const struct listener *l)
{
	SB_SUB(sb->services[l->svc_sb].active, 1);
	SB_SUB(sb->workers[conn_slot].active[l->svc_sb], 1);
}

/* Refuse before anything is set up: write a last word if we can, close. */
static void
refuse(const struct listener *l, int fd, const char *peer, const char *why,
    const char *msg)
{
	struct conn c;

	if (msg != NULL)
		(void)send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
	if (close(fd) == -1)
		log_debug("close: %s", strerror(errno));
	memset(&c, 0, sizeof(c));
	c.l = l;
	c.svc = l->svc;
	c.start_ms = monotonic_ms();
	strlcpy(c.peer_text, peer, sizeof(c.peer_text));
	conn_set_result(&c, why);
	conn_access_line(&c);
}

/*
 * A connection joins the epoll set the first time it waits for something:
 * one that is answered and closed at once (daytime, time, a refusal by
 * the service) costs no epoll_ctl(2) at all.
 */
static int
watch(struct conn *c, unsigned events)
{
	struct epoll_event ev;

	if (c->events == events && (c->watched || events == 0))
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(conn_ep, c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    c->fd, &ev) == -1) {
		log_warn("epoll_ctl %s", c->peer_text);
		conn_set_result(c, "error");
		return -1;
	}
	c->watched = 1;
	c->events = events;
	return 0;
}

/* Watch for input unless paused or at EOF; for output while queued. */
void
conn_rewatch(struct conn *c)
{
	unsigned ev = 0;

	if (c->starting)
		return;		/* conn_accept() decides, after start */
	if (c->close_after && conn_queued(c) == 0)
		return;		/* on the close list, or told by EPOLLOUT */
	if (!c->paused && !c->eof && !c->close_after)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (conn_queued(c) > 0 || (c->more && !c->close_after))
		ev |= EPOLLOUT;
	if (watch(c, ev) == -1)
		conn_close(c);
}

void
conn_accept(const struct listener *l, int fd,
    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct sb_listener_count *lc = &sb->listeners[l->sb];
	struct sb_service_count *s;
	char text[PEER_TEXT_MAX];
	struct conn *c;
	int row, src = -1;

	sockaddr_format((const struct sockaddr *)peer, peerlen, text,
	    sizeof(text));
	SB_ADD(lc->connections, 1);
	sb->workers[conn_slot].accepts++;
	if (!service_allows(l->svc, (const struct sockaddr *)peer)) {
		SB_ADD(lc->refused, 1);
		SB_ADD(sb->workers[conn_slot].refused[REFUSE_DENIED], 1);
		refuse(l, fd, text, "denied", NULL);
		return;
	}
	s = &sb->services[l->svc_sb];
	SB_ADD(s->connections, 1);
	SB_ADD(sb->workers[conn_slot].active[l->svc_sb], 1);
	if (SB_ADD(s->active, 1) > l->svc->max_connections &&
	    l->svc->max_connections > 0) {
		service_leave(l);
		SB_ADD(s->refused_busy, 1);
		SB_ADD(lc->refused, 1);
		SB_ADD(sb->workers[conn_slot].refused[REFUSE_BUSY], 1);
		refuse(l, fd, text, "busy", "ERR busy\r\n");
		return;
	}
	if ((src = conn_limit_take(l, (const struct sockaddr *)peer)) == -2) {
		service_leave(l);
		SB_ADD(lc->refused, 1);
		SB_ADD(sb->workers[conn_slot].refused[REFUSE_SOURCE], 1);
		refuse(l, fd, text, "per source", "ERR too many connections "
		    "from your address\r\n");
		return;
	}
	for (row = lowfree; row < conn_max && rows[row] != NULL; row++)
		;
	if (row == conn_max || (c = calloc(1, sizeof(*c))) == NULL) {
		service_leave(l);
		conn_limit_give(src);
		SB_ADD(lc->errors, 1);
		refuse(l, fd, text, "no room", "ERR busy\r\n");
		return;
	}
	c->fd = fd;
	c->l = l;
	c->svc = l->svc;
	c->peer = *peer;
	c->peerlen = peerlen;
	c->row = row;
	c->source = src;
	c->start_ms = c->last_read = c->last_write = monotonic_ms();
	strlcpy(c->peer_text, text, sizeof(c->peer_text));
	conn_set_result(c, "ok");
	timer_init(&c->timer, conn_timer_fired);
	rows[row] = c;
	lowfree = row + 1;
	nconns++;
	c->state = CONN_READING;
	SB_ADD(sb->workers[conn_slot].conn_states[CONN_READING], 1);
	scoreboard_conn_open(conn_slot, row, l->svc_sb, peer,
	    realtime_ms());
	worker_show();
	conn_rearm(c);
	c->starting = 1;
	if (l->type->start != NULL && l->type->start(c) == -1) {
		c->starting = 0;
		conn_close(c);
		return;
	}
	c->starting = 0;
	if (!c->dead)
		conn_rewatch(c);
}

void
conn_pause(struct conn *c, int paused)
{
	c->paused = paused != 0;
	if (!c->dead)
		conn_rewatch(c);
}

/*
 * Close once the output is sent.  Never at once, even with nothing
 * queued: the service that asks is in a callback and may still use its
 * state; the connection is closed after the callback, in conn_reap().
 */
void
conn_more(struct conn *c, int on)
{
	c->more = on != 0;
	if (!c->dead)
		conn_rewatch(c);
}

void
conn_close_after(struct conn *c)
{
	if (c->dead || c->close_after)
		return;
	c->close_after = 1;
	conn_set_state(c, CONN_CLOSING);
	if (conn_queued(c) == 0) {
		c->close_next = closelist;
		closelist = c;
	} else
		conn_rewatch(c);
}

void
conn_request_begin(struct conn *c)
{
	if (c->in_request)
		return;
	c->in_request = 1;
	c->request_start = monotonic_ms();
	conn_rearm(c);
}

void
conn_request_end(struct conn *c)
{
	c->in_request = 0;
	c->requests++;
	conn_rearm(c);
}

void
conn_close(struct conn *c)
{
	struct sb_worker *w = &sb->workers[conn_slot];

	if (c->dead)
		return;
	c->dead = 1;
	timer_cancel(&c->timer);
	if (c->l->type->finish != NULL)
		c->l->type->finish(c);
	/*
	 * A full worker says it has room before the client sees the end
	 * of its session: a client that connects again once closed then
	 * finds this worker waiting with the others, rather than waking one
	 * of them and also finding this one as it comes back (two woken for
	 * one connection).
	 */
	if (nconns == conn_max && conn_room != NULL)
		conn_room();
	if (close(c->fd) == -1)
		log_debug("close %s: %s", c->peer_text, strerror(errno));
	service_leave(c->l);
	conn_limit_give(c->source);
	SB_SUB(w->conn_states[c->state], 1);
	if (strcmp(c->result, "error") == 0)
		SB_ADD(sb->listeners[c->l->sb].errors, 1);
	w->requests++;
	conn_access_line(c);
	scoreboard_conn_close(conn_slot, c->row);
	rows[c->row] = NULL;
	if (c->row < lowfree)
		lowfree = c->row;
	nconns--;
	worker_show();
	c->next = reaplist;
	reaplist = c;
}

void
conn_reap(void)
{
	struct conn *c;

	while ((c = closelist) != NULL) {
		closelist = c->close_next;
		if (!c->dead)
			conn_close(c);
	}
	while ((c = reaplist) != NULL) {
		reaplist = c->next;
		free(c->out);
		free(c);
	}
}

/* Read what is there, within the budget, and hand it to the service. */
static void
conn_input(struct conn *c)
{
	const struct service_type *st = c->l->type;
	int i, drained = 0;
	ssize_t n;

	for (i = 0; i < READ_BUDGET && !c->dead && !c->paused && !c->eof;
	    i++) {
		n = recv(c->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n > 0) {
			conn_count_io(c, (uint64_t)n, 0);
			c->last_read = monotonic_ms();
			if (st->input(c, rbuf, (size_t)n) == -1) {
				conn_close(c);
				return;
			}
			conn_rearm(c);
			if ((size_t)n < sizeof(rbuf)) {
				drained = 1;	/* nothing more, for now */
				break;
			}
			continue;
		}
		if (n == 0) {
			c->eof = 1;
			if (st->eof != NULL ? st->eof(c) == -1 : 0) {
				conn_close(c);
				return;
			}
			if (!c->dead && st->eof == NULL)
				conn_close_after(c);
			if (!c->dead)
				conn_rewatch(c);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			drained = 1;
			break;
		}
		conn_set_result(c, errno == ECONNRESET ? "reset" : "error");
		conn_close(c);
		return;
	}
	/* Nothing more pending right now (a hello chunk is a message). */
	if (drained && !c->dead && !c->paused && st->idle != NULL &&
	    st->idle(c) == -1)
		conn_close(c);
}

void
conn_event(struct conn *c, uint32_t events)
{
	const struct service_type *st = c->l->type;

	if (c->dead)
		return;
	if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
		if (conn_queued(c) > 0 && conn_flush(c) == -1) {
			conn_close(c);
			return;
		}
		if (conn_queued(c) == 0) {
			if (c->close_after) {
				conn_close(c);
				return;
			}
			if (c->state == CONN_WRITING)
				conn_set_state(c, CONN_READING);
			if (c->paused && conn_queued(c) <= CONN_OUT_HIGH / 2)
				c->paused = 0;
			if (st->flushed != NULL && st->flushed(c) == -1) {
				conn_close(c);
				return;
			}
		}
		if (c->dead)
			return;
		conn_rewatch(c);
		conn_rearm(c);
	}
	if (c->dead)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
		conn_input(c);
	if (!c->dead && (events & (EPOLLERR | EPOLLHUP)) && c->eof &&
	    conn_queued(c) > 0) {
		conn_set_result(c, "peer gone");
		conn_close(c);
	}
}

int
conn_drain(void)
{
	int i;

	for (i = 0; i < conn_max; i++)
		if (rows[i] != NULL && rows[i]->state == CONN_KEEPALIVE &&
		    conn_queued(rows[i]) == 0)
			conn_close(rows[i]);
	return nconns == 0;
}

/* TERM: every connection ends now, each with its access line. */
void
conn_close_all(const char *result)
{
	int i;

	for (i = 0; i < conn_max; i++)
		if (rows[i] != NULL && !rows[i]->dead) {
			conn_set_result(rows[i], result);
			conn_close(rows[i]);
		}
	conn_reap();
}
