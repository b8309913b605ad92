/*
 * A connection's output: what a service sends is written at once, and
 * only what the socket does not take is queued (copied, or referenced
 * when it stays valid until sent: conn_send_ref); the rest is written as
 * EPOLLOUT says the socket can take more.  Past CONN_OUT_HIGH queued the
 * connection stops reading (backpressure).  Bytes written are counted
 * through conn.c, which owns the epoll interest and the counters.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "conn.h"
#include "io.h"

/* Write what is queued; -1 if the connection is gone. */
int
conn_flush(struct conn *c)
{
	const char *p;
	size_t len;
	ssize_t n;

	while ((len = conn_queued(c)) > 0) {
		p = c->ref != NULL ? c->ref : c->out + c->outoff;
		n = send(c->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			/* The client leaving is chargen's normal end. */
			conn_set_result(c, errno == EPIPE ||
			    errno == ECONNRESET ? "peer gone" : "error");
			return -1;
		}
		conn_count_io(c, 0, (uint64_t)n);
		c->last_write = monotonic_ms();
		if (c->ref != NULL) {
			c->ref += n;
			if ((c->reflen -= (size_t)n) == 0)
				c->ref = NULL;
		} else if ((c->outoff += (size_t)n) == c->outlen)
			c->outoff = c->outlen = 0;
	}
	return 0;
}

size_t
conn_queued(const struct conn *c)
{
	return c->ref != NULL ? c->reflen : c->outlen - c->outoff;
}

static int
queue(struct conn *c, const void *buf, size_t len)
{
	size_t need;
	char *n;

	if (c->outoff > 0 && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	need = c->outlen + len;
	if (need > c->outcap) {
		if (c->outoff > 0) {
			memmove(c->out, c->out + c->outoff,
			    c->outlen - c->outoff);
			c->outlen -= c->outoff;
			c->outoff = 0;
			need = c->outlen + len;
		}
		if (need > c->outcap) {
			if ((n = realloc(c->out, need)) == NULL) {
				conn_set_result(c, "error");
				return -1;
			}
			c->out = n;
			c->outcap = need;
		}
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	return 0;
}

/* Queue what is given, behind what waits, then write what the socket takes. */
int
conn_sendv(struct conn *c, const struct iovec *iov, int iovcnt)
{
	const char *r;
	size_t rl;
	int i;

	if (c->dead)
		return -1;
	if (c->ref != NULL) {
		/* Behind a reference: copy it in first, in order. */
		r = c->ref;
		rl = c->reflen;
		c->ref = NULL;
		c->reflen = 0;
		if (queue(c, r, rl) == -1)
			return -1;
	}
	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len > 0 &&
		    queue(c, iov[i].iov_base, iov[i].iov_len) == -1)
			return -1;
	if (conn_queued(c) == 0)
		return 0;
	if (conn_flush(c) == -1)
		return -1;
	if (conn_queued(c) > 0) {
		conn_set_state(c, CONN_WRITING);
		if (conn_queued(c) > CONN_OUT_HIGH)
			c->paused = 1;
	}
	conn_rewatch(c);
	conn_rearm(c);
	return c->dead ? -1 : 0;
}

int
conn_send(struct conn *c, const void *buf, size_t len)
{
	struct iovec iov;

	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	return conn_sendv(c, &iov, 1);
}

int
conn_send_str(struct conn *c, const char *s)
{
	return conn_send(c, s, strlen(s));
}

int
conn_send_ref(struct conn *c, const void *buf, size_t len)
{
	if (conn_queued(c) > 0)
		return conn_send(c, buf, len);
	c->ref = buf;
	c->reflen = len;
	if (conn_flush(c) == -1)
		return -1;
	if (conn_queued(c) > 0)
		conn_set_state(c, CONN_WRITING);
	conn_rewatch(c);
	conn_rearm(c);
	return c->dead ? -1 : 0;
}
