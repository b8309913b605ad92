/*
 * loadgen's protocols: a session's state machine (session_advance) and
 * each mode's exchange, every byte checked: UDP echo datagrams, a banner
 * (daytime), echo, bulk streaming, HTTP responses.  The modes are
 * described at the top of loadgen.c.
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

/* The datagram numbered seq: the pattern, the number in its first bytes. */
static void
udp_payload(char *buf, uint64_t seq)
{
	char num[24];

	memcpy(buf, pattern, opt.size);
	snprintf(num, sizeof(num), "%016" PRIx64, seq);
	memcpy(buf, num, opt.size < 16 ? opt.size : 16);
}

/* Send the next datagram on the client's socket (opened if need be). */
void
udp_start(struct session *s)
{
	static char *buf;
	ssize_t n;

	s->state = S_DGRAM;
	if (buf == NULL && (buf = malloc(opt.size)) == NULL)
		die("out of memory");
	if (s->fd == -1) {
		s->seq = 0;
		if (session_socket(s, SOCK_DGRAM, EPOLLIN) == -1)
			return;
	}
	udp_payload(buf, ++s->seq);
	while ((n = send(s->fd, buf, opt.size, 0)) == -1 && errno == EINTR)
		;
	if (n == -1)
		session_end(s, errno == ECONNREFUSED ? F_CONNECT : F_RESET,
		    "send: %s", strerror(errno));
	else if ((size_t)n != opt.size)
		session_end(s, F_RESET, "send: %zd of %zu bytes", n, opt.size);
}

/* The reply to the datagram in flight, checked byte for byte. */
static void
udp_reply(struct session *s)
{
	static char *want;
	char buf[65536], shown[96];
	ssize_t n;

	if (want == NULL && (want = malloc(opt.size)) == NULL)
		die("out of memory");
	while ((n = recv(s->fd, buf, sizeof(buf), 0)) == -1 && errno == EINTR)
		;
	if (n == -1) {
		if (errno == EAGAIN)
			return;
		/* ICMP port unreachable comes back as ECONNREFUSED. */
		session_end(s, errno == ECONNREFUSED ? F_CONNECT : F_RESET,
		    "recv: %s", strerror(errno));
		return;
	}
	s->total_in += (size_t)n;
	udp_payload(want, s->seq);
	if ((size_t)n != opt.size || memcmp(buf, want, opt.size) != 0) {
		show(shown, sizeof(shown), buf, (size_t)n);
		session_end(s, F_WRONG, "udp: datagram %" PRIu64 ": got '%s' "
		    "(%zd bytes)", s->seq, shown, n);
		return;
	}
	if (session_measuring())
		stats_request();
	session_end(s, -1, NULL);
}

/* Can the bytes p[0..n), at offset off of the banner, not be right? */
static int
banner_wrong(const char *p, size_t n, size_t off)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (opt.expect != NULL) {
			if (off + i >= expect_len || p[i] != opt.expect[off + i])
				return 1;
			continue;
		}
		if (p[i] == '\n')
			return i + 1 < n;	/* more after the line */
		if ((unsigned char)p[i] < 0x20 && p[i] != '\r' && p[i] != '\t')
			return 1;
	}
	return 0;
}

/*
 * A daytime or banner: everything until EOF, one printable LF line.  When
 * epoll already reported the peer's FIN (EPOLLRDHUP), everything it sent is
 * queued, so a read that does not fill the buffer was the last one: that
 * saves the generator the read that returns 0.
 */
static int
read_banner(struct session *s, uint32_t events)
{
	char shown[96], scratch[4096];
	size_t i, room;
	ssize_t n;

	for (;;) {
		if (s->roff < MAX_LINE) {
			room = MAX_LINE - s->roff;
			n = session_read(s, s->line + s->roff, room);
		} else {
			room = sizeof(scratch);
			n = session_read(s, scratch, room);
		}
		if (n == -1)
			return 0;
		if (n == -2)
			return -1;
		if (n == 0)
			break;
		if (s->roff < MAX_LINE) {
			/* Wrong already: say so now, not at a close. */
			if (banner_wrong(s->line + s->roff, (size_t)n,
			    s->roff))
				goto wrong;
			s->roff += (size_t)n;
		}
		if ((events & EPOLLRDHUP) && (size_t)n < room)
			break;
	}
	if (s->total_in == 0) {
		session_end(s, F_EOF, "banner: EOF before any byte");
		return -1;
	}
	if (opt.expect != NULL) {
		if (s->total_in != expect_len ||
		    memcmp(s->line, opt.expect, expect_len) != 0)
			goto wrong;
	} else {
		if (s->total_in == 0 || s->total_in > MAX_LINE ||
		    s->line[s->roff - 1] != '\n')
			goto wrong;
		for (i = 0; i + 1 < s->roff; i++)
			if ((unsigned char)s->line[i] < 0x20 &&
			    s->line[i] != '\r' && s->line[i] != '\t')
				goto wrong;
	}
	session_end(s, -1, NULL);
	return -1;
wrong:
	show(shown, sizeof(shown), s->line, s->roff);
	session_end(s, F_WRONG, "banner: got '%s' (%zu bytes)", shown,
	    s->total_in);
	return -1;
}

/* Echo: write the payload while reading it back; 1 when all came back. */
static int
echo_exchange(struct session *s)
{
	char shown[96], buf[16384];
	size_t want;
	ssize_t n;

	for (;;) {
		if (s->woff < opt.size && session_write(s, pattern,
		    opt.size) == -1)
			return -1;
		if (s->roff == opt.size)
			return 1;
		want = opt.size - s->roff;
		n = session_read(s, buf, want < sizeof(buf) ? want :
		    sizeof(buf));
		if (n == -2)
			return -1;
		if (n == -1)
			return 0;	/* the next edge brings more */
		if (n == 0) {
			session_end(s, F_EOF, "echo: EOF after %zu of %zu "
			    "bytes", s->roff, opt.size);
			return -1;
		}
		if (memcmp(buf, pattern + s->roff, (size_t)n) != 0) {
			show(shown, sizeof(shown), buf, (size_t)n);
			session_end(s, F_WRONG, "echo: byte mismatch at %zu: "
			    "'%s'", s->roff, shown);
			return -1;
		}
		s->roff += (size_t)n;
	}
}

/*
 * Bulk: write the pattern and read it back until the run stops, then
 * half-close and read the rest; -1 once the session ended, 0 would block.
 */
static int
bulk_exchange(struct session *s)
{
	char buf[BULK_CHUNK];
	int progress;
	ssize_t n;

	for (;;) {
		progress = 0;
		if (s->state == S_BULK && session_stopping()) {
			if (shutdown(s->fd, SHUT_WR) == -1) {
				session_error(s, errno, "shutdown");
				return -1;
			}
			s->state = S_BULK_DRAIN;
		}
		if (s->state == S_BULK) {
			n = send(s->fd, pattern + s->woff % PATTERN_PERIOD,
			    BULK_CHUNK, MSG_NOSIGNAL);
			if (n > 0) {
				s->woff += (size_t)n;
				progress = 1;
			} else if (n == -1 && errno != EINTR && errno != EAGAIN) {
				session_error(s, errno, "send");
				return -1;
			}
		}
		n = session_read(s, buf, sizeof(buf));
		if (n == -2)
			return -1;
		if (n == 0) {
			if (s->state == S_BULK_DRAIN && s->roff == s->woff)
				session_end(s, -1, NULL);
			else
				session_end(s, F_EOF, "bulk: EOF after %zu of "
				    "%zu bytes", s->roff, s->woff);
			return -1;
		}
		if (n > 0) {
			if (s->roff + (size_t)n > s->woff ||
			    memcmp(buf, pattern + s->roff % PATTERN_PERIOD,
			    (size_t)n) != 0) {
				session_end(s, F_WRONG, "bulk: bytes %zu-%zu "
				    "differ from those sent", s->roff,
				    s->roff + (size_t)n);
				return -1;
			}
			s->roff += (size_t)n;
			if (session_measuring() && !session_stopping())
				stats_bulk((uint64_t)n);
			progress = 1;
		}
		if (!progress)
			return 0;
	}
}

/* The head is complete in s->head[0..len): check it, get the body's size. */
static int
http_head(struct session *s, size_t len)
{
	char shown[96], *cl, *end;
	unsigned long long v;

	s->head[len] = '\0';
	if ((strncmp(s->head, "HTTP/1.1 200 ", 13) != 0 &&
	    strncmp(s->head, "HTTP/1.0 200 ", 13) != 0)) {
		end = strchr(s->head, '\r');
		show(shown, sizeof(shown), s->head, end != NULL ?
		    (size_t)(end - s->head) : len);
		session_end(s, F_WRONG, "http: status '%s'", shown);
		return -1;
	}
	if ((cl = strcasestr(s->head, "\r\nContent-Length:")) == NULL) {
		session_end(s, F_WRONG, "http: no Content-Length");
		return -1;
	}
	cl += 17;
	cl += strspn(cl, " \t");
	errno = 0;
	v = strtoull(cl, &end, 10);
	if (errno != 0 || end == cl || (*end != '\r' && *end != ' ')) {
		session_end(s, F_WRONG, "http: bad Content-Length");
		return -1;
	}
	s->body_left = (size_t)v;
	s->tail = 0;
	return 0;
}

/* Keep the last expect_len bytes of the body in s->line. */
static void
http_tail(struct session *s, const char *p, size_t n)
{
	size_t keep;

	if (opt.expect == NULL)
		return;
	if (n >= expect_len) {
		memcpy(s->line, p + n - expect_len, expect_len);
		s->tail = expect_len;
		return;
	}
	keep = s->tail + n > expect_len ? expect_len - n : s->tail;
	memmove(s->line, s->line + s->tail - keep, keep);
	memcpy(s->line + keep, p, n);
	s->tail = keep + n;
}

/*
 * Read one response: 1 when it is complete and right, 0 would block, -1
 * the session ended.
 */
static int
http_response(struct session *s)
{
	char buf[16384], shown[96], *p, *hit;
	size_t take, from, n;
	ssize_t r;

	if (s->head == NULL && (s->head = malloc(HTTP_HEAD_MAX + 1)) == NULL)
		die("out of memory");
	for (;;) {
		r = session_read(s, buf, sizeof(buf));
		if (r == -1)
			return 0;
		if (r == -2)
			return -1;
		if (r == 0) {
			session_end(s, F_EOF, "http: EOF in response %d",
			    s->reqs + 1);
			return -1;
		}
		p = buf;
		n = (size_t)r;
		if (s->state == S_HTTP_HEAD) {
			take = n < HTTP_HEAD_MAX - s->roff ? n :
			    HTTP_HEAD_MAX - s->roff;
			memcpy(s->head + s->roff, p, take);
			from = s->roff > 3 ? s->roff - 3 : 0;
			s->head[s->roff + take] = '\0';
			hit = memmem(s->head + from, s->roff + take - from,
			    "\r\n\r\n", 4);
			if (hit == NULL) {
				s->roff += take;
				/* Not even HTTP: say so now, not at a close. */
				if (memcmp(s->head, "HTTP/1.", s->roff < 7 ?
				    s->roff : 7) != 0) {
					show(shown, sizeof(shown), s->head,
					    s->roff);
					session_end(s, F_WRONG, "http: got "
					    "'%s'", shown);
					return -1;
				}
				if (s->roff == HTTP_HEAD_MAX) {
					session_end(s, F_WRONG, "http: head "
					    "over %d bytes", HTTP_HEAD_MAX);
					return -1;
				}
				continue;
			}
			take = (size_t)(hit + 4 - s->head) - s->roff;
			if (http_head(s, (size_t)(hit + 4 - s->head)) == -1)
				return -1;
			s->roff = 0;
			s->state = S_HTTP_BODY;
			p += take;
			n -= take;
		}
		take = n < s->body_left ? n : s->body_left;
		http_tail(s, p, take);
		s->body_left -= take;
		n -= take;
		if (s->body_left > 0)
			continue;
		if (n > 0) {
			show(shown, sizeof(shown), p + take, n);
			session_end(s, F_WRONG, "http: data after the body: "
			    "'%s'", shown);
			return -1;
		}
		if (opt.expect != NULL && (s->tail != expect_len ||
		    memcmp(s->line, opt.expect, expect_len) != 0)) {
			show(shown, sizeof(shown), s->line, s->tail);
			session_end(s, F_WRONG, "http: body ends with '%s'",
			    shown);
			return -1;
		}
		s->reqs++;
		if (session_measuring())
			stats_request();
		return 1;
	}
}

/* Drive a session as far as it goes without blocking. */
void
session_advance(struct session *s, uint32_t events)
{
	socklen_t len;
	int r, k, err;

	for (;;) {
		switch (s->state) {
		case S_FREE:
			return;
		case S_CONNECT:
			/*
			 * Connected, or refused: only an error edge costs a
			 * getsockopt; otherwise the first read or write tells.
			 * A connection accepted and reset at once reports its
			 * reset here too: that is a reset, not a refusal.
			 */
			if (events & EPOLLERR) {
				err = 0;
				len = sizeof(err);
				if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR,
				    &err, &len) == -1)
					err = errno;
				if (err == ECONNRESET || err == EPIPE)
					session_error(s, err, "recv");
				else
					session_end(s, F_CONNECT, "connect: "
					    "%s", strerror(err ? err :
					    ECONNREFUSED));
				return;
			}
			if (!(events & (EPOLLOUT | EPOLLIN | EPOLLHUP)))
				return;
			switch (opt.mode) {
			case M_HELLO:
				s->state = S_GREET;
				break;
			case M_ECHO:
				s->state = S_ECHO;
				break;
			case M_BULK:
				s->state = S_BULK;
				break;
			case M_HTTP:
				s->state = S_HTTP_REQ;
				break;
			default:
				s->state = S_BANNER;
				break;
			}
			continue;
		case S_GREET:
			r = opt.greeting != NULL ? expect_exact(s, greet_line,
			    greet_len, "greeting") : expect_line(s,
			    "greeting");
			if (r <= 0)
				return;
			s->state = S_SEND;
			continue;
		case S_SEND:
			r = session_write(s, HELLO_NAME "\n",
			    sizeof(HELLO_NAME "\n") - 1);
			if (r <= 0)
				return;
			s->woff = 0;
			s->state = S_REPLY;
			continue;
		case S_REPLY:
			r = expect_exact(s, HELLO_REPLY,
			    sizeof(HELLO_REPLY) - 1, "reply");
			if (r <= 0)
				return;
			s->state = S_EXIT;
			continue;
		case S_EXIT:
			r = session_write(s, "exit\n", 5);
			if (r <= 0)
				return;
			s->woff = 0;
			s->state = S_EOF;
			continue;
		case S_BANNER:
			(void)read_banner(s, events);
			return;
		case S_ECHO:
			r = echo_exchange(s);
			if (r <= 0)
				return;
			if (shutdown(s->fd, SHUT_WR) == -1) {
				session_error(s, errno, "shutdown");
				return;
			}
			s->state = S_EOF;
			continue;
		case S_BULK:
		case S_BULK_DRAIN:
			(void)bulk_exchange(s);
			return;
		case S_HTTP_REQ:
			k = s->reqs + 1 >= opt.requests;
			r = session_write(s, http_req[k], http_req_len[k]);
			if (r <= 0)
				return;
			s->woff = 0;
			s->roff = 0;
			s->state = S_HTTP_HEAD;
			continue;
		case S_HTTP_HEAD:
		case S_HTTP_BODY:
			if (http_response(s) <= 0)
				return;
			s->state = s->reqs >= opt.requests ? S_EOF :
			    S_HTTP_REQ;
			continue;
		case S_DGRAM:
			udp_reply(s);
			return;
		case S_EOF:
			(void)expect_eof(s);
			return;
		}
	}
}
