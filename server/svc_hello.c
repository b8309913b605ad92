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
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "conn.h"
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
	size_t cap = c->svc->max_line + 2, len = 0, start, i, end;
	const char *eol;
	char *buf;
	ssize_t n;

	if ((buf = malloc(cap)) == NULL) {
		conn_set_result(c, "error");
		return;
	}
	/* One write, so that the greeting arrives as one segment. */
	if (c->svc->greeting[0] != '\0' &&
	    (size_t)snprintf(buf, cap, "%s\n", c->svc->greeting) < cap) {
		if (conn_write_str(c, buf) == -1)
			goto out;
	} else if (c->svc->greeting[0] != '\0' &&
	    (conn_write_str(c, c->svc->greeting) == -1 ||
	    conn_write_str(c, "\n") == -1))
		goto out;
	for (;;) {
		n = conn_read(c, buf + len, cap - len);
		if (n <= 0)
			break;		/* EOF, timeout, stop: result set */
		len += (size_t)n;
		start = 0;
		for (i = 0; i < len; i++) {
			if (buf[i] != '\n')
				continue;
			end = i;
			eol = "\n";
			if (end > start && buf[end - 1] == '\r') {
				end--;
				eol = "\r\n";
			}
			if (end - start > c->svc->max_line)
				goto too_long;
			if (!hello_message(c, buf + start, end - start, eol))
				goto out;
			start = i + 1;
		}
		memmove(buf, buf + start, len - start);
		len -= start;
		if (len == 0)
			continue;
		if (len > c->svc->max_line)
			goto too_long;
		if (len < cap && !hello_drained(c->fd))
			continue;
		/* A chunk without a newline, as the classic client sends. */
		if (!hello_message(c, buf, len, ""))
			goto out;
		len = 0;
	}
	goto out;
too_long:
	(void)conn_write_str(c, "ERR line too long\r\n");
	conn_set_result(c, "line too long");
out:
	free(buf);
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
