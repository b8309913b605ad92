/*
 * hello: the greeting server of the classic lessons.  TCP sends `greeting`,
 * then answers every message with `reply`, where %s stands for the message
 * and %% for a percent sign; nothing else in the template is special, so a
 * client never reaches a format string.  A message is a line (LF or CRLF,
 * answered with the same ending) or a chunk that came without a newline and
 * was not followed at once by more data (answered without one).  "exit"
 * closes.  The greeting ends with a newline (LF: what line clients and
 * print() both show cleanly).  UDP answers each datagram the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "hello_frame.h"
#include "service.h"

/* Expand the reply template around msg into out; the length, or -1. */
static ssize_t
hello_expand(const char *tmpl, const char *msg, size_t msglen,
    const char *eol, char *out, size_t outlen)
{
	size_t o = 0, n, eollen = strlen(eol);
	const char *p;

	for (p = tmpl; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's') {
			if (outlen - o < msglen)
				return -1;
			memcpy(out + o, msg, msglen);
			o += msglen;
			p++;
			continue;
		}
		if (p[0] == '%' && p[1] == '%')
			p++;
		if (o == outlen)
			return -1;
		out[o++] = *p;
	}
	n = eollen;
	if (outlen - o < n)
		return -1;
	memcpy(out + o, eol, n);
	return (ssize_t)(o + n);
}

static size_t
hello_reply_room(const char *tmpl, size_t msglen)
{
	const char *p;
	size_t n = strlen(tmpl) + 2;

	for (p = tmpl; (p = strstr(p, "%s")) != NULL; p += 2)
		n += msglen;
	return n;
}

/* Answer one message: 0, or -1 to close. */
static int
hello_message(struct conn *c, const char *msg, size_t len, const char *eol)
{
	size_t room;
	ssize_t n;
	char *out;
	int rc;

	conn_request_end(c);
	if (len == 4 && memcmp(msg, "exit", 4) == 0) {
		conn_set_result(c, "ok");
		conn_close_after(c);
		return 0;
	}
	room = hello_reply_room(c->svc->reply, len);
	if ((out = malloc(room)) == NULL) {
		conn_set_result(c, "error");
		return -1;
	}
	n = hello_expand(c->svc->reply, msg, len, eol, out, room);
	rc = n >= 0 ? conn_send(c, out, (size_t)n) : -1;
	free(out);
	return rc;
}

static int
hello_too_long(struct conn *c)
{
	(void)conn_send_str(c, "ERR line too long\r\n");
	conn_set_result(c, "line too long");
	conn_close_after(c);
	return 0;
}

static void
hello_forget(struct conn *c)
{
	struct hello_frame *f = c->priv;

	if (f != NULL) {
		hello_frame_free(f);
		free(f);
		c->priv = NULL;
	}
}

static int
hello_start(struct conn *c)
{
	size_t n = strlen(c->svc->greeting);
	char *g;
	int rc;

	if (n == 0)
		return 0;
	/* One write, so that the greeting arrives as one segment. */
	if ((g = malloc(n + 1)) == NULL) {
		conn_set_result(c, "error");
		return -1;
	}
	memcpy(g, c->svc->greeting, n);
	g[n] = '\n';
	rc = conn_send(c, g, n + 1);
	free(g);
	return rc;
}

/* What the framing said: 1 more to take, 0 done, -1 to close. */
static int
hello_event(struct conn *c, enum hello_event ev, const struct hello_msg *m)
{
	switch (ev) {
	case HELLO_MESSAGE:
		return hello_message(c, m->text, m->len, m->eol) == -1 ? -1 : 1;
	case HELLO_TOO_LONG:
		return hello_too_long(c);
	case HELLO_NOMEM:
		conn_set_result(c, "error");
		return -1;
	case HELLO_MORE:
		break;
	}
	return 0;
}

/*
 * Lines are answered as they complete (server/hello_frame.c frames them);
 * what is left of a line waits in a buffer of max_line + 1 bytes, held
 * only while something waits.
 */
static int
hello_input(struct conn *c, const char *data, size_t len)
{
	struct hello_frame *f = c->priv;
	struct hello_msg m;
	int rc = 0;

	if (f == NULL) {
		if ((f = malloc(sizeof(*f))) == NULL) {
			conn_set_result(c, "error");
			return -1;
		}
		(void)hello_frame_init(f, c->svc->max_line);
		c->priv = f;
	}
	while (!c->close_after &&
	    (rc = hello_event(c, hello_frame_take(f, &data, &len, &m), &m)) > 0)
		;
	if (rc < 0)
		return -1;
	if (!c->close_after && hello_frame_pending(f) > 0)
		conn_request_begin(c);	/* a message has begun */
	hello_frame_idle(f);
	return 0;
}

/*
 * Nothing more is pending: a chunk without a newline is a message, as
 * the classic client sends it ("Michael", then it waits).
 */
static int
hello_idle(struct conn *c)
{
	struct hello_frame *f = c->priv;
	struct hello_msg m;
	int rc;

	if (f == NULL || c->close_after)
		return 0;
	rc = hello_event(c, hello_frame_flush(f, &m), &m);
	hello_frame_idle(f);
	return rc < 0 ? -1 : 0;
}

static ssize_t
hello_dgram(const struct service_conf *svc, const void *in, size_t inlen,
    void *out, size_t outlen)
{
	const char *msg = in, *eol = "";

	if (inlen > 0 && msg[inlen - 1] == '\n') {
		inlen--;
		eol = "\n";
		if (inlen > 0 && msg[inlen - 1] == '\r') {
			inlen--;
			eol = "\r\n";
		}
	}
	return hello_expand(svc->reply, msg, inlen, eol, out, outlen);
}

const struct service_type svc_hello = {
	.type = SVC_HELLO,
	.start = hello_start,
	.input = hello_input,
	.idle = hello_idle,
	.finish = hello_forget,
	.serve_dgram = hello_dgram,
};
