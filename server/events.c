/*
 * The master's event stream: the ring of recent events and the list of
 * subscribers (control connections that asked to watch).  Each event is
 * one JSON line, made once, appended to every subscriber's buffer and
 * written without blocking; a subscriber whose unsent lines pass
 * EVENTS_BUF_MAX is dropped, so that a reader that stops reading costs
 * the master nothing but that memory.  What a subscriber sends is read
 * and thrown away; its end of sending (socat's stdin done) is not the
 * end of listening: only its hang-up, or a failed write, closes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "io.h"
#include "log.h"

struct subscriber {
	int		 fd;		/* -1: free */
	uid_t		 uid;
	pid_t		 pid;
	int		 eof;		/* sent EOF: listens, says nothing */
	char		*buf;		/* unsent lines */
	size_t		 len, off, cap;
};

static const char *const names[EV_COUNT] = {
	[EV_SPAWN] = "spawn",
	[EV_EXIT] = "exit",
	[EV_BACKOFF] = "backoff",
	[EV_FAILED] = "failed",
	[EV_RELOAD_START] = "reload-start",
	[EV_RELOAD_END] = "reload-end",
	[EV_SCALE] = "scale",
	[EV_SATURATED] = "saturated",
	[EV_UNSATURATED] = "unsaturated",
	[EV_DRAIN] = "drain",
	[EV_STOP] = "stop",
};

static struct subscriber subs[EVENTS_MAX_SUBSCRIBERS] = {
	[0 ... EVENTS_MAX_SUBSCRIBERS - 1] = { .fd = -1 },
};
static char *ring[EVENTS_RING];	/* lines, oldest at ring_next */
static size_t ring_next;
static unsigned long long seq;

const char *
events_name(enum ev_type type)
{
	return type >= 0 && type < EV_COUNT ? names[type] : "unknown";
}

static void
sub_close(struct subscriber *s)
{
	if (s->fd == -1)
		return;
	close(s->fd);
	s->fd = -1;
	s->eof = 0;
	free(s->buf);
	s->buf = NULL;
	s->len = s->off = s->cap = 0;
}

static void
sub_gone(struct subscriber *s)
{
	log_info("watch: uid %u pid %d left", (unsigned)s->uid, (int)s->pid);
	sub_close(s);
}

/* Write what is buffered: 0, or -1 when the subscriber is gone. */
static int
sub_flush(struct subscriber *s)
{
	ssize_t n;

	while (s->off < s->len) {
		n = write(s->fd, s->buf + s->off, s->len - s->off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			sub_gone(s);
			return -1;
		}
		s->off += (size_t)n;
	}
	s->off = s->len = 0;
	return 0;
}

/* Queue a line (with its LF) and try to send it. */
static void
sub_send(struct subscriber *s, const char *line, size_t n)
{
	size_t cap;
	char *nb;

	if (s->off > 0 && s->off == s->len)
		s->off = s->len = 0;
	if (s->len - s->off + n > EVENTS_BUF_MAX) {
		log_warnx("watch: uid %u pid %d reads too slowly (%zu bytes "
		    "unsent): dropped", (unsigned)s->uid, (int)s->pid,
		    s->len - s->off);
		sub_close(s);
		return;
	}
	if (s->off > 0) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (s->len + n > s->cap) {
		for (cap = s->cap ? s->cap : 4096; cap < s->len + n;)
			cap *= 2;
		if ((nb = realloc(s->buf, cap)) == NULL) {
			log_warn("watch: uid %u pid %d: dropped",
			    (unsigned)s->uid, (int)s->pid);
			sub_close(s);
			return;
		}
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, line, n);
	s->len += n;
	(void)sub_flush(s);
}

/* "2026-12-01T13:50:01.123Z" */
static void
stamp(char *buf, size_t len)
{
	uint64_t ms = realtime_ms();
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		s[0] = '\0';
	snprintf(buf, len, "%s.%03uZ", s, (unsigned)(ms % 1000));
}

void
events_emit(enum ev_type type, json_t *fields)
{
	char when[48], *line, *nl;
	json_t *ev;
	size_t n, i;

	ev = json_object();
	stamp(when, sizeof(when));
	if (ev == NULL || json_object_set_new(ev, "time",
	    json_string(when)) == -1 || json_object_set_new(ev, "seq",
	    json_integer((json_int_t)++seq)) == -1 ||
	    json_object_set_new(ev, "event",
	    json_string(events_name(type))) == -1 ||
	    (fields != NULL && json_object_update(ev, fields) == -1) ||
	    (line = json_dumps(ev, JSON_COMPACT)) == NULL) {
		log_warnx("watch: out of memory: event %s lost",
		    events_name(type));
		json_decref(ev);
		json_decref(fields);
		return;
	}
	json_decref(ev);
	json_decref(fields);
	n = strlen(line);
	if ((nl = realloc(line, n + 2)) == NULL) {
		free(line);
		return;
	}
	line = nl;
	line[n++] = '\n';
	line[n] = '\0';
	free(ring[ring_next]);
	ring[ring_next] = line;
	ring_next = (ring_next + 1) % EVENTS_RING;
	for (i = 0; i < EVENTS_MAX_SUBSCRIBERS; i++)
		if (subs[i].fd != -1)
			sub_send(&subs[i], line, n);
}

int
events_subscribe(int fd, uid_t uid, pid_t pid)
{
	struct subscriber *s = NULL;
	const char *line;
	char head[128];
	size_t i, k, backlog = 0;
	int n;

	for (i = 0; i < EVENTS_MAX_SUBSCRIBERS && s == NULL; i++)
		if (subs[i].fd == -1)
			s = &subs[i];
	if (s == NULL)
		return -1;
	/* The newest events that fit in half a buffer, oldest first. */
	for (i = 0, k = 0; i < EVENTS_RING; i++) {
		line = ring[(ring_next + EVENTS_RING - 1 - i) % EVENTS_RING];
		if (line == NULL || (k += strlen(line)) > EVENTS_BUF_MAX / 2)
			break;
		backlog++;
	}
	s->fd = fd;
	s->uid = uid;
	s->pid = pid;
	n = snprintf(head, sizeof(head), "{\"ok\":true,\"watch\":true,"
	    "\"backlog\":%zu}\n", backlog);
	sub_send(s, head, (size_t)n);
	for (i = backlog; i > 0 && s->fd != -1; i--) {
		line = ring[(ring_next + EVENTS_RING - i) % EVENTS_RING];
		sub_send(s, line, strlen(line));
	}
	log_info("watch: uid %u pid %d subscribed", (unsigned)uid, (int)pid);
	return 0;
}

nfds_t
events_pollfds(struct pollfd *pfd, nfds_t max)
{
	nfds_t n = 0;
	size_t i;

	for (i = 0; i < EVENTS_MAX_SUBSCRIBERS && n < max; i++) {
		if (subs[i].fd == -1)
			continue;
		pfd[n].fd = subs[i].fd;
		pfd[n].events = (subs[i].eof ? 0 : POLLIN) |
		    (subs[i].len > subs[i].off ? POLLOUT : 0);
		n++;
	}
	return n;
}

/* Readable: what it sends is thrown away. */
static void
sub_read(struct subscriber *s)
{
	char junk[512];
	ssize_t n;

	n = read(s->fd, junk, sizeof(junk));
	if (n == 0)
		s->eof = 1;
	else if (n == -1 && errno != EAGAIN && errno != EINTR)
		sub_gone(s);
}

void
events_handle(struct pollfd *pfd, nfds_t n)
{
	struct subscriber *s;
	nfds_t i;
	size_t k;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		for (s = NULL, k = 0; k < EVENTS_MAX_SUBSCRIBERS; k++)
			if (subs[k].fd == pfd[i].fd)
				s = &subs[k];
		if (s == NULL)
			continue;
		if ((pfd[i].revents & POLLOUT) && sub_flush(s) == -1)
			continue;
		if (pfd[i].revents & (POLLHUP | POLLERR))
			sub_gone(s);
		else if (pfd[i].revents & POLLIN)
			sub_read(s);
	}
}

void
events_close_all(void)
{
	size_t i;

	for (i = 0; i < EVENTS_MAX_SUBSCRIBERS; i++) {
		if (subs[i].fd != -1)
			(void)sub_flush(&subs[i]);
		sub_close(&subs[i]);
	}
	for (i = 0; i < EVENTS_RING; i++) {
		free(ring[i]);
		ring[i] = NULL;
	}
}
