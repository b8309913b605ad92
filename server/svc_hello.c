/*
 * hello: the greeting server of the classic lessons.  TCP sends `greeting`,
 * then answers every message with `reply`, where %s stands for the message
 * and %% for a percent sign; nothing else in the template is special, so a
 * client never reaches a format string.  A message is a line (LF or CRLF,
 * answered with the same ending) or a chunk that came without a newline and
 * was not followed at once by more data (answered without one); the
 * framing is hello_frame.c's.  "exit" closes.  The greeting ends with a
 * newline (LF: what line clients and print() both show cleanly).  UDP
 * answers each datagram the same way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* Answer one message; returns 1 to go on, 0 to close. */
static int
hello_message(struct conn *c, const char *msg, size_t len, const char *eol)
{
	size_t room;
	ssize_t n;
	char *out;
	int rc;

	if (len == 4 && memcmp(msg, "exit", 4) == 0) {
		conn_set_result(c, "ok");
		return 0;
	}
	room = hello_reply_room(c->svc->reply, len);
	if ((out = malloc(room)) == NULL) {
		conn_set_result(c, "error");
		return 0;
	}
	n = hello_expand(c->svc->reply, msg, len, eol, out, room);
	rc = n >= 0 && conn_write(c, out, (size_t)n) == 0;
	free(out);
	return rc;
}

/* Nothing more waiting in the socket right now? */
static int
hello_drained(int fd)
{
	int avail = 0;

	if (ioctl(fd, FIONREAD, &avail) == -1)
		return 1;
	return avail == 0;
}

static void
hello_stream(struct conn *c)
{
	struct hello_frame f;
	struct hello_msg m;
	enum hello_event ev;
	const char *p;
	char buf[4096];
	size_t left;
	ssize_t n;

	if (hello_frame_init(&f, c->svc->max_line) == -1) {
		conn_set_result(c, "error");
		return;
	}
	/* One write, so that the greeting arrives as one segment. */
	if (c->svc->greeting[0] != '\0' &&
	    (size_t)snprintf(buf, sizeof(buf), "%s\n", c->svc->greeting) <
	    sizeof(buf)) {
		if (conn_write_str(c, buf) == -1)
			goto out;
	} else if (c->svc->greeting[0] != '\0' &&
	    (conn_write_str(c, c->svc->greeting) == -1 ||
	    conn_write_str(c, "\n") == -1))
		goto out;
	for (;;) {
		n = conn_read(c, buf, sizeof(buf));
		if (n <= 0)
			break;		/* EOF, timeout, stop: result set */
		p = buf;
		left = (size_t)n;
		while ((ev = hello_frame_take(&f, &p, &left, &m)) ==
		    HELLO_MESSAGE)
			if (!hello_message(c, m.text, m.len, m.eol))
				goto out;
		if (ev == HELLO_TOO_LONG)
			goto too_long;
		if (hello_frame_pending(&f) == 0 || !hello_drained(c->fd))
			continue;
		/* A chunk without a newline, as the classic client sends. */
		if (hello_frame_flush(&f, &m) == HELLO_TOO_LONG)
			goto too_long;
		if (!hello_message(c, m.text, m.len, m.eol))
			goto out;
	}
	goto out;
too_long:
	(void)conn_write_str(c, "ERR line too long\r\n");
	conn_set_result(c, "line too long");
out:
	hello_frame_free(&f);
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
	.serve_stream = hello_stream,
	.serve_dgram = hello_dgram,
};
