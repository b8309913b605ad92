/*
 * The service table and what every service shares: the allow list,
 * max_connections, idle timeouts, byte counters, the busy/idle title and
 * the access line written when a connection ends.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "scoreboard.h"
#include "service.h"
#include "udp_guard.h"
#include "worker.h"

static const struct service_type *services[] = {
	&svc_hello,
	&svc_echo,
	&svc_discard,
	&svc_daytime,
	&svc_chargen,
	&svc_time,
	&svc_upload,
	&svc_http,
};

const struct service_type *
service_lookup(int type)
{
	size_t i;

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (services[i]->type == type)
			return services[i];
	return NULL;
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
	struct sb_worker *w = &sb->workers[c->slot];
	struct sb_listener *l = &sb->listeners[c->listener];

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

static void
access_line(struct conn *c, const char *proto)
{
	const struct sb_listener *l = &sb->listeners[c->listener];

	log_info("access %s %s %s peer=%s duration=%llums in=%llu out=%llu "
	    "result=%s", c->svc->name, proto, l->addr, c->peer_text,
	    (unsigned long long)(monotonic_ms() - c->start_ms),
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out,
	    c->result);
}

void
service_stream(int slot, int listener, int fd, const struct service_conf *svc,
    struct sockaddr_storage *peer, socklen_t peerlen)
{
	const struct service_type *st = service_lookup(svc->type);
	struct sb_listener *l = &sb->listeners[listener];
	struct sb_worker *w = &sb->workers[slot];
	struct sb_service *s = NULL;
	struct conn c;
	int si;

	memset(&c, 0, sizeof(c));
	c.fd = fd;
	c.slot = slot;
	c.listener = listener;
	c.svc = svc;
	c.peer = *peer;
	c.peerlen = peerlen;
	c.start_ms = monotonic_ms();
	sockaddr_format((struct sockaddr *)peer, peerlen, c.peer_text,
	    sizeof(c.peer_text));
	conn_set_result(&c, "ok");
	SB_ADD(l->connections, 1);

	if (!peer_allowed(svc, (struct sockaddr *)peer)) {
		SB_ADD(l->refused, 1);
		conn_set_result(&c, "denied");
		access_line(&c, "tcp");
		return;
	}
	si = scoreboard_service_index(svc->name, 0);
	if (si != -1) {
		s = &sb->services[si];
		SB_ADD(s->connections, 1);
		w->service = si;
		if (SB_ADD(s->active, 1) > svc->max_connections &&
		    svc->max_connections > 0) {
			SB_ADD(s->refused_busy, 1);
			SB_ADD(l->refused, 1);
			(void)conn_write_str(&c, "ERR busy\r\n");
			conn_set_result(&c, "busy");
			goto done;
		}
	}
	worker_set_busy(svc->name, c.peer_text);
	if (st == NULL || st->serve_stream == NULL) {
		conn_set_result(&c, "no stream service");
		SB_ADD(l->errors, 1);
	} else
		st->serve_stream(&c);
	if (strcmp(c.result, "error") == 0)
		SB_ADD(l->errors, 1);
done:
	if (s != NULL) {
		SB_SUB(s->active, 1);
		w->service = -1;
	}
	access_line(&c, l->proto == PROTO_UNIX ? "unix" : "tcp");
}

void
service_dgram(int slot, int listener, int fd, const struct service_conf *svc,
    const void *data, size_t len, struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	const struct service_type *st = service_lookup(svc->type);
	struct sb_listener *l = &sb->listeners[listener];
	struct sb_worker *w = &sb->workers[slot];
	static char out[65536];
	ssize_t n;
	int drop;

	SB_ADD(l->connections, 1);
	SB_ADD(l->bytes_in, len);
	w->bytes_in += len;
	if (!peer_allowed(svc, (struct sockaddr *)peer)) {
		SB_ADD(l->drops[DROP_DENIED], 1);
		return;
	}
	if (st == NULL || st->serve_dgram == NULL)
		return;		/* discard: no answer, nothing to guard */
	if ((drop = udp_guard(svc, (struct sockaddr *)peer)) != -1) {
		SB_ADD(l->drops[drop], 1);
		return;
	}
	n = st->serve_dgram(svc, data, len, out, sizeof(out));
	if (n < 0)
		return;
	if (sendto(fd, out, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)peer,
	    peerlen) == -1) {
		SB_ADD(l->errors, 1);
		log_debug("%s: sendto: %s", svc->name, strerror(errno));
		return;
	}
	SB_ADD(l->bytes_out, (uint64_t)n);
	w->bytes_out += (uint64_t)n;
}
