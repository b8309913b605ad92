/*
 * A connection in a worker, from the moment it is taken to its access
 * line: the allow list, max_connections, the busy state and title, the
 * service, the byte counters of the worker and the listener, and the
 * line written when it ends.  A datagram goes the same way in miniature:
 * allow list, the UDP guard, the service's reply.  Everything a listener
 * needs (service settings, type, counter rows) was resolved by the master
 * before the worker forked.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "esc.h"
#include "io.h"
#include "listener.h"
#include "log.h"
#include "scoreboard.h"
#include "service.h"
#include "title.h"
#include "udp_guard.h"

static int conn_slot;

void
conn_init(int slot)
{
	conn_slot = slot;
}

static int
peer_allowed(const struct service_conf *svc, const struct sockaddr *sa)
{
	size_t i;

	if (svc->allow == NULL || sa->sa_family == AF_UNIX)
		return 1;
	for (i = 0; i < svc->nallow; i++)
		if (cidr_match(&svc->allow[i], sa))
			return 1;
	return 0;
}

void
conn_set_result(struct conn *c, const char *result)
{
	strlcpy(c->result, result, sizeof(c->result));
}

static void
conn_count(struct conn *c, uint64_t in, uint64_t out)
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
}

/* Read what is there, waiting up to idle_timeout: >0, 0 at EOF, -1. */
ssize_t
conn_read(struct conn *c, void *buf, size_t len)
{
	return conn_read_ms(c, buf, len, c->svc->idle_timeout_ms);
}

ssize_t
conn_read_ms(struct conn *c, void *buf, size_t len, int timeout_ms)
{
	ssize_t n;

	n = io_read(c->fd, buf, len, timeout_ms);
	if (n > 0)
		conn_count(c, (uint64_t)n, 0);
	else if (n == -1)
		/* A reset is the client's doing, not an error of ours. */
		conn_set_result(c, errno == ETIMEDOUT ? "timeout" :
		    errno == EINTR ? "stopped" : errno == ECONNRESET ?
		    "reset" : "error");
	return n;
}

int
conn_write(struct conn *c, const void *buf, size_t len)
{
	ssize_t n;

	n = io_write_all(c->fd, buf, len, c->svc->idle_timeout_ms);
	if (n == -1) {
		conn_set_result(c, errno == ETIMEDOUT ? "timeout" :
		    errno == EINTR ? "stopped" : "peer gone");
		return -1;
	}
	conn_count(c, 0, (uint64_t)n);
	return 0;
}

int
conn_write_str(struct conn *c, const char *s)
{
	return conn_write(c, s, strlen(s));
}

/*
 * The peer and the result may one day carry what a client said (a PROXY
 * header's address, a request's words): escaped like all such bytes.
 */
static void
access_line(const struct conn *c)
{
	char peer[sizeof(c->peer_text) * 4], result[sizeof(c->result) * 4];

	log_info("access %s %s %s peer=%s duration=%llums in=%llu out=%llu "
	    "result=%s", c->svc->name, proto_name(c->l->addr.proto),
	    c->l->addr.text, esc_str(peer, sizeof(peer), c->peer_text),
	    (unsigned long long)(monotonic_ms() - c->start_ms),
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out,
	    esc_str(result, sizeof(result), c->result));
}

void
conn_stream(const struct listener *l, int fd,
    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct sb_listener_count *lc = &sb->listeners[l->sb];
	struct sb_worker *w = &sb->workers[conn_slot];
	struct sb_service_count *s = NULL;
	struct conn c;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.l = l;
	c.svc = l->svc;
	c.peer = *peer;
	c.peerlen = peerlen;
	c.start_ms = monotonic_ms();
	sockaddr_format((const struct sockaddr *)peer, peerlen, c.peer_text,
	    sizeof(c.peer_text));
	conn_set_result(&c, "ok");
	SB_ADD(lc->connections, 1);

	if (!peer_allowed(c.svc, (const struct sockaddr *)peer)) {
		SB_ADD(lc->refused, 1);
		conn_set_result(&c, "denied");
		access_line(&c);
		return;
	}
	if (l->svc_sb != -1) {
		s = &sb->services[l->svc_sb];
		SB_ADD(s->connections, 1);
		w->service = l->svc_sb;
		if (SB_ADD(s->active, 1) > c.svc->max_connections &&
		    c.svc->max_connections > 0) {
			SB_ADD(s->refused_busy, 1);
			SB_ADD(lc->refused, 1);
			(void)conn_write_str(&c, "ERR busy\r\n");
			conn_set_result(&c, "busy");
			goto done;
		}
	}
	scoreboard_set_state(conn_slot, SB_BUSY, c.svc->name, c.peer_text);
	title_set("worker %d %s %s", conn_slot, c.svc->name, c.peer_text);
	if (l->type == NULL || l->type->serve_stream == NULL) {
		conn_set_result(&c, "no stream service");
		SB_ADD(lc->errors, 1);
	} else
		l->type->serve_stream(&c);
	if (strcmp(c.result, "error") == 0)
		SB_ADD(lc->errors, 1);
done:
	if (s != NULL) {
		SB_SUB(s->active, 1);
		w->service = -1;
	}
	access_line(&c);
}

ssize_t
conn_dgram(const struct listener *l, const void *data, size_t len,
    const struct sockaddr_storage *peer, void *out, size_t outlen)
{
	struct sb_listener_count *lc = &sb->listeners[l->sb];
	struct sb_worker *w = &sb->workers[conn_slot];
	int drop;

	SB_ADD(lc->connections, 1);
	SB_ADD(lc->bytes_in, len);
	w->bytes_in += len;
	if (!peer_allowed(l->svc, (const struct sockaddr *)peer)) {
		SB_ADD(lc->drops[DROP_DENIED], 1);
		return -1;
	}
	if (l->type == NULL || l->type->serve_dgram == NULL)
		return -1;	/* discard: no answer, nothing to guard */
	if ((drop = udp_guard(l->svc, (const struct sockaddr *)peer)) != -1) {
		SB_ADD(lc->drops[drop], 1);
		return -1;
	}
	return l->type->serve_dgram(l->svc, data, len, out, outlen);
}

void
conn_dgram_sent(const struct listener *l, ssize_t n)
{
	struct sb_listener_count *lc = &sb->listeners[l->sb];

	if (n == -1) {
		SB_ADD(lc->errors, 1);
		log_debug("%s: sendmmsg: %s", l->svc->name, strerror(errno));
		return;
	}
	SB_ADD(lc->bytes_out, (uint64_t)n);
	sb->workers[conn_slot].bytes_out += (uint64_t)n;
}
