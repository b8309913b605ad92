/*
 * A loadgen session's socket I/O (write all, read what is there) and the
 * checks every protocol shares: an exact text, one line of any text, EOF
 * and nothing more.  A check that fails ends the session with its kind.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"

/* Write the rest of buf; 1 done, 0 would block, -1 ended the session. */
int
session_write(struct session *s, const char *buf, size_t len)
{
	ssize_t n;

	while (s->woff < len) {
		n = send(s->fd, buf + s->woff, len - s->woff, MSG_NOSIGNAL);
		if (n > 0) {
			s->woff += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		session_error(s, errno, "send");
		return -1;
	}
	return 1;
}

/*
 * Read what is there into buf; the count (0 at EOF), or -1 would block,
 * or -2 when the session was ended.
 */
ssize_t
session_read(struct session *s, char *buf, size_t len)
{
	ssize_t n;

	for (;;) {
		n = recv(s->fd, buf, len, 0);
		if (n >= 0) {
			s->total_in += (size_t)n;
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return -1;
		session_error(s, errno, "recv");
		return -2;
	}
}

void
show(char *out, size_t outlen, const char *p, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

/*
 * Read towards an exact text (want, wantlen) into s->line; 1 once it is
 * all there, 0 would block, -1 session ended.
 */
int
expect_exact(struct session *s, const char *want, size_t wantlen,
    const char *what)
{
	char shown[96];
	ssize_t n;

	while (s->roff < wantlen) {
		n = session_read(s, s->line + s->roff, wantlen - s->roff);
		if (n == -1)
			return 0;
		if (n == -2)
			return -1;
		if (n == 0) {
			show(shown, sizeof(shown), s->line, s->roff);
			session_end(s, F_EOF, "%s: EOF after '%s'", what,
			    shown);
			return -1;
		}
		if (memcmp(s->line + s->roff, want + s->roff, (size_t)n)) {
			show(shown, sizeof(shown), s->line, s->roff +
			    (size_t)n);
			session_end(s, F_WRONG, "%s: got '%s'", what, shown);
			return -1;
		}
		s->roff += (size_t)n;
	}
	s->roff = 0;
	return 1;
}

/* Read one LF-ended line of any text (at most MAX_LINE bytes). */
int
expect_line(struct session *s, const char *what)
{
	char shown[96], *nl;
	ssize_t n;

	for (;;) {
		if (s->roff == MAX_LINE) {
			session_end(s, F_WRONG, "%s: line too long", what);
			return -1;
		}
		n = session_read(s, s->line + s->roff, MAX_LINE - s->roff);
		if (n == -1)
			return 0;
		if (n == -2)
			return -1;
		if (n == 0) {
			show(shown, sizeof(shown), s->line, s->roff);
			session_end(s, F_EOF, "%s: EOF after '%s'", what,
			    shown);
			return -1;
		}
		nl = memchr(s->line + s->roff, '\n', (size_t)n);
		s->roff += (size_t)n;
		if (nl == NULL)
			continue;
		if (nl != s->line + s->roff - 1) {
			show(shown, sizeof(shown), s->line, s->roff);
			session_end(s, F_WRONG, "%s: data after the line: "
			    "'%s'", what, shown);
			return -1;
		}
		s->roff = 0;
		return 1;
	}
}

/* Nothing more may come: the server closes. */
int
expect_eof(struct session *s)
{
	char shown[96], buf[256];
	ssize_t n;

	n = session_read(s, buf, sizeof(buf));
	if (n == -1)
		return 0;
	if (n == -2)
		return -1;
	if (n > 0) {
		show(shown, sizeof(shown), buf, (size_t)n);
		session_end(s, F_WRONG, "extra bytes before EOF: '%s'", shown);
		return -1;
	}
	session_end(s, -1, NULL);
	return -1;
}
