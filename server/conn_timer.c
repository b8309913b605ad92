/*
 * A connection's deadlines: one timer per connection (timer.c's heap),
 * set to the earliest of idle_timeout (since the last byte read),
 * keepalive_timeout (between HTTP requests), request_timeout (from a
 * message's first byte; stretched by min_rate for what it brought), the
 * write deadline (a client that takes nothing of what is queued) and the
 * service's own (conn_until).  When it fires, the deadline that is due
 * decides the result and whether the service says a last word.
 */
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "io.h"
#include "listener.h"
#include "service.h"
#include "timer.h"

/* The earliest deadline of c, and which it is. */
static uint64_t
deadline(const struct conn *c, int *which)
{
	const struct service_conf *svc = c->svc;
	uint64_t at, t;

	*which = TMO_IDLE;
	at = c->last_read + (uint64_t)svc->idle_timeout_ms;
	if (c->state == CONN_KEEPALIVE && svc->keepalive_timeout_ms > 0) {
		at = c->last_write > c->last_read ? c->last_write :
		    c->last_read;
		at += (uint64_t)svc->keepalive_timeout_ms;
		*which = TMO_KEEPALIVE;
	}
	if (c->in_request && svc->request_timeout_ms > 0) {
		t = c->request_start + (uint64_t)svc->request_timeout_ms;
		/* A body is given more time for what it brought (MinRate). */
		if (svc->min_rate > 0)
			t += c->bytes_in * 1000 / svc->min_rate;
		if (t < at) {
			at = t;
			*which = svc->min_rate > 0 ? TMO_RATE : TMO_REQUEST;
		}
	}
	if (c->until != 0 && c->until < at) {
		at = c->until;
		*which = TMO_SERVICE;
	}
	if (conn_queued(c) > 0) {
		t = c->last_write + (uint64_t)svc->idle_timeout_ms;
		/* Writing: the write deadline rules, not the read one. */
		if (*which == TMO_IDLE || t < at) {
			at = t;
			*which = TMO_WRITE;
		}
	}
	return at;
}

void
conn_until(struct conn *c, uint64_t at)
{
	c->until = at;
	conn_rearm(c);
}

void
conn_rearm(struct conn *c)
{
	int which;

	if (c->dead)
		return;
	if (timer_set(&c->timer, deadline(c, &which)) == -1) {
		conn_set_result(c, "error");
		conn_close(c);
	}
}

void
conn_timer_fired(struct timer *t)
{
	struct conn *c = (struct conn *)((char *)t -
	    offsetof(struct conn, timer));
	uint64_t now = monotonic_ms();
	int which;

	if (c->dead)
		return;
	if (deadline(c, &which) > now) {
		conn_rearm(c);	/* moved on since it was armed */
		return;
	}
	conn_set_result(c, which == TMO_KEEPALIVE ? "ok" :
	    which == TMO_REQUEST ? "request timeout" :
	    which == TMO_RATE ? "too slow" : "timeout");
	if (c->l->type->timeout != NULL && c->l->type->timeout(c, which) == 0 &&
	    !c->dead && conn_queued(c) > 0) {
		/* A last word (408): a short while to send it. */
		c->last_write = now;
		c->last_read = now;
		c->in_request = 0;
		conn_close_after(c);
		conn_rearm(c);
		return;
	}
	conn_close(c);
}
