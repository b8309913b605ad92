/*
 * loadgen: a closed-loop load generator for netd and its peers.  One
 * process, one epoll set, non-blocking sockets; C sessions are kept in
 * flight, and each one that ends (well or not) is replaced by a new one
 * until the duration or the session count is reached.  Then no new session
 * starts, those in flight finish (or time out), and it reports sessions/s,
 * failures by kind, latency percentiles and its own CPU time, so that the
 * reader can tell whether the generator was the bottleneck.
 *
 * Modes (a session is always connect ... close, and every byte is checked):
 *   hello    read the greeting line, send "bench\n", expect "Hello, bench!\n",
 *            send "exit\n", expect EOF with nothing more;
 *   daytime  read until the server closes: one line, printable, LF-ended;
 *   banner   the same, for a fixed text (-e TEXT checks it exactly);
 *   echo     send SIZE bytes, read the same SIZE bytes back, shut down the
 *            sending side, expect EOF with nothing more;
 *   bulk     one long session per client: send a 251-byte rotating pattern
 *            in 64 KiB writes while reading it back and checking it, until
 *            the duration is over; then half-close, read the rest, expect
 *            EOF.  The rate is MB/s echoed (read back and checked);
 *   http     -k N requests on one connection (keep-alive; the last one, or
 *            the only one, says "Connection: close"): GET PATH, expect
 *            "HTTP/1.x 200", a Content-Length, exactly that many body bytes
 *            (ending with -e TEXT if given), nothing more, and EOF after
 *            the last response.  The rate is requests/s;
 *   udp-echo a datagram of SIZE bytes (the first 16 a sequence number) on
 *            the client's own connected UDP socket, the same bytes back.
 *            A client keeps its socket (its source port) from one datagram
 *            to the next, and opens a new one after a failure, so that a
 *            late reply cannot be taken for the next one.  ICMP "port
 *            unreachable" counts as connect, no reply within -t as timeout.
 *
 * Addresses are numeric only: no name is ever looked up.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC	20000
#define MAX_SIZE	(1 << 20)
#define MAX_DURATION	3600.0
#define MAX_SESSIONS	100000000LL
#define MAX_LINE	1024
#define URI_MAX		1024
#define HELLO_NAME	"bench"
#define HELLO_REPLY	"Hello, " HELLO_NAME "!\n"
#define PATTERN_PERIOD	251		/* bulk: prime, so no buffer aligns */
#define BULK_CHUNK	65536
#define HTTP_HEAD_MAX	8192

enum mode { M_HELLO, M_DAYTIME, M_BANNER, M_ECHO, M_BULK, M_HTTP, M_UDP_ECHO,
	M_NMODES };

static const char *mode_names[M_NMODES] = { "hello", "daytime", "banner",
	"echo", "bulk", "http", "udp-echo" };

/* Where a session is; each state names what it waits for. */
enum state {
	S_FREE,
	S_CONNECT,	/* connect in progress */
	S_GREET,	/* hello: reading the greeting line */
	S_SEND,		/* hello: writing the message */
	S_REPLY,	/* hello: reading the reply */
	S_EXIT,		/* hello: writing "exit" */
	S_BANNER,	/* daytime/banner: reading until EOF */
	S_ECHO,		/* echo: writing and reading back */
	S_BULK,		/* bulk: streaming both ways */
	S_BULK_DRAIN,	/* bulk: half-closed, reading back the rest */
	S_HTTP_REQ,	/* http: writing a request */
	S_HTTP_HEAD,	/* http: reading the status line and headers */
	S_HTTP_BODY,	/* http: reading Content-Length bytes */
	S_DGRAM,	/* udp: waiting for the reply */
	S_EOF,		/* expecting the server's EOF and nothing else */
};

/* Why a session failed; one counter each. */
enum fail {
	F_CONNECT,	/* socket/connect failed or was refused */
	F_RESET,	/* ECONNRESET, EPIPE and other errors on an open socket */
	F_EOF,		/* the server closed before the session was done */
	F_WRONG,	/* bytes differ from what the protocol says */
	F_TIMEOUT,	/* no end within the session timeout */
	F_NKINDS
};

static const char *fail_names[F_NKINDS] = {
	"connect", "reset", "early_eof", "wrong_reply", "timeout",
};

struct session {
	int		 fd;
	enum state	 state;
	uint64_t	 start_ns;
	size_t		 woff;		/* bytes written in this state */
	size_t		 roff;		/* bytes read in this state */
	size_t		 total_in;
	uint64_t	 seq;		/* udp: datagrams sent on this socket */
	int		 reqs;		/* http: responses read */
	size_t		 body_left;	/* http: body bytes still to come */
	size_t		 tail;		/* http: body bytes kept in line */
	char		*head;		/* http: HTTP_HEAD_MAX + 1 bytes */
	char		 line[MAX_LINE + 1];	/* greeting or banner, kept */
};

static struct {
	enum mode	 mode;
	int		 conc;
	double		 duration;
	double		 warmup;
	long long	 max_sessions;
	double		 timeout;
	size_t		 size;
	const char	*greeting;	/* NULL: any line */
	const char	*expect;	/* banner text, NULL: any line */
	const char	*name;
	const char	*path;		/* http */
	int		 requests;	/* http: per connection */
	int		 json;
	const char	*host, *port;
} opt = {
	.mode = M_HELLO,
	.conc = 64,
	.duration = 5,
	.timeout = 5,
	.size = 64,
	.path = "/",
	.requests = 1,
};

static struct sockaddr_storage target;
static socklen_t targetlen;
static struct session *sessions;
static int ep;
static char *pattern;		/* echo payload; bulk: period + chunk */
static size_t greet_len, expect_len;
static char greet_line[MAX_LINE + 2];
static char http_req[2][URI_MAX + 128];	/* [1]: with Connection: close */
static size_t http_req_len[2];

/* Counters of the measured window (after the warm-up). */
static struct {
	long long	 started, ok, fails[F_NKINDS];
	long long	 requests;	/* http responses, udp replies */
	uint64_t	 bytes_in;
	uint64_t	 bulk_bytes;	/* bulk: echoed while measuring */
	uint64_t	 bulk_ns;	/* bulk: measured time until the stop */
	uint32_t	*lat_us;
	size_t		 nlat, latcap;
	char		 first_error[160];
} st;

static int measuring;
static int stopping;
static int by_count;
static volatile sig_atomic_t interrupted;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [-j] [-m hello|daytime|banner|echo|bulk|http|udp-echo]\n"
	    "               [-c CONC] [-d SECONDS | -n SESSIONS] [-w WARMUP]\n"
	    "               [-t TIMEOUT] [-s SIZE] [-g GREETING] [-e TEXT]\n"
	    "               [-k REQUESTS] [-p PATH] [-N NAME] HOST PORT\n");
	exit(2);
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
parse_num(const char *s, double lo, double hi, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		die("%s: '%s' is not a number in [%g, %g]", what, s, lo, hi);
	return v;
}

static void
record_latency(uint64_t ns)
{
	uint64_t us = ns / 1000;

	if (st.nlat == st.latcap) {
		size_t cap = st.latcap ? st.latcap * 2 : 65536;
		uint32_t *p = realloc(st.lat_us, cap * sizeof(*p));

		if (p == NULL)
			return;		/* keep counting; percentiles sample */
		st.lat_us = p;
		st.latcap = cap;
	}
	st.lat_us[st.nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void session_start(struct session *);
static void show(char *, size_t, const char *, size_t);

/* End a session: count it, close it, start the next one in its place. */
static void
session_end(struct session *s, int fail, const char *fmt, ...)
{
	uint64_t t = now_ns();
	va_list ap;

	if (measuring) {
		if (fail < 0) {
			st.ok++;
			record_latency(t - s->start_ns);
		} else {
			st.fails[fail]++;
			if (st.first_error[0] == '\0' && fmt != NULL) {
				va_start(ap, fmt);
				vsnprintf(st.first_error,
				    sizeof(st.first_error), fmt, ap);
				va_end(ap);
			}
		}
		st.bytes_in += s->total_in;
	}
	/* A UDP client keeps its socket (its port) while all goes well. */
	if (s->fd != -1 && (opt.mode != M_UDP_ECHO || fail >= 0 || stopping)) {
		close(s->fd);		/* leaves the epoll set with it */
		s->fd = -1;
	}
	s->state = S_FREE;
	if (!stopping && !(by_count && measuring &&
	    st.started >= opt.max_sessions))
		session_start(s);
}

static void
session_error(struct session *s, int err, const char *where)
{
	session_end(s, F_RESET, "%s: %s", where, strerror(err));
}

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
static void
udp_start(struct session *s)
{
	static char *buf;
	struct epoll_event ev;
	ssize_t n;
	int fd;

	s->state = S_DGRAM;
	if (buf == NULL && (buf = malloc(opt.size)) == NULL)
		die("out of memory");
	if (s->fd == -1) {
		fd = socket(target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1) {
			stopping = 1;
			session_end(s, F_CONNECT, "socket: %s", strerror(errno));
			return;
		}
		s->fd = fd;
		s->seq = 0;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = s;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
			die("epoll_ctl: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&target, targetlen) == -1) {
			session_end(s, F_CONNECT, "connect: %s",
			    strerror(errno));
			return;
		}
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
	if (measuring)
		st.requests++;
	session_end(s, -1, NULL);
}

static void
session_start(struct session *s)
{
	struct epoll_event ev;
	int fd;

	s->start_ns = now_ns();
	s->woff = s->roff = s->total_in = 0;
	s->reqs = 0;
	s->body_left = s->tail = 0;
	if (measuring)
		st.started++;
	if (opt.mode == M_UDP_ECHO) {
		udp_start(s);
		return;
	}
	s->state = S_CONNECT;
	fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		s->fd = -1;
		stopping = 1;	/* out of descriptors: no point going on */
		session_end(s, F_CONNECT, "socket: %s", strerror(errno));
		return;
	}
	s->fd = fd;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = s;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&target, targetlen) == -1 &&
	    errno != EINPROGRESS) {
		session_end(s, F_CONNECT, "connect: %s", strerror(errno));
		return;
	}
	/* The first edge (EPOLLOUT once connected) drives it from here. */
}

/* Write the rest of buf; 1 done, 0 would block, -1 ended the session. */
static int
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
static ssize_t
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

static void
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
static int
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
static int
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

/* Nothing more may come: the server closes. */
static int
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
		if (s->state == S_BULK && stopping) {
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
			if (measuring && !stopping)
				st.bulk_bytes += (uint64_t)n;
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
		if (measuring)
			st.requests++;
		return 1;
	}
}

/* Drive a session as far as it goes without blocking. */
static void
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

static void
check_timeouts(uint64_t t)
{
	uint64_t limit = (uint64_t)(opt.timeout * 1e9);
	int i;

	for (i = 0; i < opt.conc; i++) {
		struct session *s = &sessions[i];

		if (s->state != S_FREE && t - s->start_ns > limit)
			session_end(s, F_TIMEOUT, "no end after %gs (state %d)",
			    opt.timeout, (int)s->state);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(double p)
{
	size_t i;

	if (st.nlat == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)(st.nlat - 1) + 0.5);
	return st.lat_us[i] / 1000.0;
}

static void
json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
report(double elapsed, double cpu)
{
	long long fails = 0;
	double rate, rrate, mbps;
	int k;

	for (k = 0; k < F_NKINDS; k++)
		fails += st.fails[k];
	rate = elapsed > 0 ? (double)st.ok / elapsed : 0;
	rrate = elapsed > 0 ? (double)st.requests / elapsed : 0;
	mbps = st.bulk_ns > 0 ? (double)st.bulk_bytes * 1e3 /
	    (double)st.bulk_ns : 0;
	if (st.nlat > 0)
		qsort(st.lat_us, st.nlat, sizeof(*st.lat_us), cmp_u32);
	if (opt.json) {
		printf("{\"name\":");
		json_string(stdout, opt.name != NULL ? opt.name : "");
		printf(",\"mode\":\"%s\",\"conc\":%d,\"elapsed_s\":%.3f,"
		    "\"sessions\":%lld,\"sessions_per_s\":%.1f,"
		    "\"requests\":%lld,\"requests_per_s\":%.1f,"
		    "\"mb_per_s\":%.1f,\"failures\":%lld,",
		    mode_names[opt.mode], opt.conc, elapsed, st.ok, rate,
		    st.requests, rrate, mbps, fails);
		for (k = 0; k < F_NKINDS; k++)
			printf("\"fail_%s\":%lld,", fail_names[k], st.fails[k]);
		printf("\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
		    "\"max_ms\":%.3f,\"bytes_in\":%" PRIu64 ","
		    "\"cpu_s\":%.3f,\"cpu_pct\":%.1f,\"first_error\":",
		    pct_ms(50), pct_ms(90), pct_ms(99), pct_ms(100),
		    st.bytes_in, cpu, elapsed > 0 ? 100 * cpu / elapsed : 0);
		json_string(stdout, st.first_error);
		printf("}\n");
		return;
	}
	if (opt.name != NULL)
		printf("[%s] ", opt.name);
	printf("%s -c %d: %lld sessions in %.2fs = %.0f sessions/s",
	    mode_names[opt.mode], opt.conc, st.ok, elapsed, rate);
	if (opt.mode == M_HTTP || opt.mode == M_UDP_ECHO)
		printf(", %lld requests = %.0f/s", st.requests, rrate);
	if (opt.mode == M_BULK)
		printf(", %.1f MB/s echoed", mbps);
	printf("\n");
	printf("  failures: %lld", fails);
	for (k = 0; k < F_NKINDS; k++)
		if (st.fails[k])
			printf(" %s=%lld", fail_names[k], st.fails[k]);
	printf("\n  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
	    pct_ms(50), pct_ms(90), pct_ms(99), pct_ms(100));
	printf("  bytes in: %" PRIu64 "  loadgen cpu: %.2fs (%.0f%% of one "
	    "core)\n", st.bytes_in, cpu, elapsed > 0 ? 100 * cpu / elapsed : 0);
	if (st.first_error[0] != '\0')
		printf("  first failure: %s\n", st.first_error);
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
resolve(void)
{
	struct addrinfo hints, *res;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(opt.host, opt.port, &hints, &res)) != 0)
		die("%s port %s: %s (numeric addresses only)", opt.host,
		    opt.port, gai_strerror(rc));
	memcpy(&target, res->ai_addr, res->ai_addrlen);
	targetlen = res->ai_addrlen;
	freeaddrinfo(res);
}

static void
raise_nofile(void)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)opt.conc + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
		die("-c %d needs %llu descriptors, the limit is %llu",
		    opt.conc, (unsigned long long)need,
		    (unsigned long long)rl.rlim_cur);
}

int
main(int argc, char *argv[])
{
	struct epoll_event evs[256];
	uint64_t t0, t, deadline = 0, warm_end = 0;
	double cpu0 = 0, elapsed;
	size_t i, plen;
	uint64_t last_check = 0;
	int ch, n, k, active, dur_set = 0;

	while ((ch = getopt(argc, argv, "c:d:e:g:jk:m:n:N:p:s:t:w:h")) != -1) {
		switch (ch) {
		case 'c':
			opt.conc = (int)parse_num(optarg, 1, MAX_CONC, "-c");
			break;
		case 'd':
			opt.duration = parse_num(optarg, 0.01, MAX_DURATION,
			    "-d");
			dur_set = 1;
			break;
		case 'e':
			opt.expect = optarg;
			break;
		case 'g':
			opt.greeting = optarg;
			break;
		case 'j':
			opt.json = 1;
			break;
		case 'k':
			opt.requests = (int)parse_num(optarg, 1, 1000000, "-k");
			break;
		case 'm':
			for (k = 0; k < M_NMODES; k++)
				if (strcmp(optarg, mode_names[k]) == 0)
					break;
			if (k == M_NMODES)
				usage();
			opt.mode = (enum mode)k;
			break;
		case 'n':
			opt.max_sessions = (long long)parse_num(optarg, 1,
			    (double)MAX_SESSIONS, "-n");
			by_count = 1;
			break;
		case 'N':
			opt.name = optarg;
			break;
		case 'p':
			if (optarg[0] != '/' || strlen(optarg) > URI_MAX ||
			    strpbrk(optarg, " \r\n") != NULL)
				die("-p: a path, at most %d bytes", URI_MAX);
			opt.path = optarg;
			break;
		case 's':
			opt.size = (size_t)parse_num(optarg, 1, MAX_SIZE, "-s");
			break;
		case 't':
			opt.timeout = parse_num(optarg, 0.01, 600, "-t");
			break;
		case 'w':
			opt.warmup = parse_num(optarg, 0, 600, "-w");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	opt.host = argv[0];
	opt.port = argv[1];
	if (opt.greeting != NULL) {
		greet_len = (size_t)snprintf(greet_line, sizeof(greet_line),
		    "%s\n", opt.greeting);
		if (greet_len >= sizeof(greet_line) || greet_len > MAX_LINE)
			die("-g: greeting too long");
	}
	if (opt.expect != NULL) {
		expect_len = strlen(opt.expect);
		if (expect_len == 0 || expect_len > MAX_LINE)
			die("-e: text must be 1..%d bytes", MAX_LINE);
	}
	if (opt.mode == M_UDP_ECHO && opt.size > 65507)
		die("-s: a datagram holds at most 65507 bytes");
	for (k = 0; k < 2; k++)
		http_req_len[k] = (size_t)snprintf(http_req[k],
		    sizeof(http_req[k]), "GET %s HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: loadgen\r\n%s\r\n", opt.path, opt.host,
		    k ? "Connection: close\r\n" : "");
	resolve();
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	plen = opt.size > PATTERN_PERIOD + BULK_CHUNK ? opt.size :
	    PATTERN_PERIOD + BULK_CHUNK;
	if ((pattern = malloc(plen)) == NULL)
		die("out of memory");
	for (i = 0; i < plen; i++)
		pattern[i] = (char)('A' + i % PATTERN_PERIOD % 26);
	if ((sessions = calloc((size_t)opt.conc, sizeof(*sessions))) == NULL)
		die("out of memory");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));

	t0 = now_ns();
	if (opt.warmup > 0)
		warm_end = t0 + (uint64_t)(opt.warmup * 1e9);
	else {
		measuring = 1;
		cpu0 = cpu_seconds();
	}
	/* A count still has a time limit: it stops by itself. */
	if (by_count && !dur_set)
		opt.duration = 600;
	deadline = t0 + (uint64_t)((opt.warmup + opt.duration) * 1e9);
	for (k = 0; k < opt.conc; k++) {
		sessions[k].fd = -1;
		sessions[k].state = S_FREE;
	}
	for (k = 0; k < opt.conc && !stopping; k++)
		session_start(&sessions[k]);

	for (;;) {
		n = epoll_wait(ep, evs, 256, 100);
		if (n == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (k = 0; k < n; k++)
			session_advance(evs[k].data.ptr, evs[k].events);
		t = now_ns();
		if (!measuring && t >= warm_end) {
			measuring = 1;
			t0 = t;
			cpu0 = cpu_seconds();
		}
		if (!stopping && (interrupted || t >= deadline ||
		    (by_count && measuring &&
		    st.started >= opt.max_sessions))) {
			stopping = 1;
			if (measuring)
				st.bulk_ns = t - t0;
			/* Bulk sessions end now: half-close, drain. */
			for (k = 0; k < opt.conc; k++)
				if (sessions[k].state == S_BULK)
					session_advance(&sessions[k], 0);
		}
		if (t - last_check >= 50000000u) {
			check_timeouts(t);
			last_check = t;
		}
		if (by_count && measuring && st.started >= opt.max_sessions)
			stopping = 1;
		if (stopping) {
			for (active = 0, k = 0; k < opt.conc; k++)
				active += sessions[k].state != S_FREE;
			if (active == 0)
				break;
		}
	}
	elapsed = (double)(now_ns() - t0) / 1e9;
	report(elapsed, cpu_seconds() - cpu0);
	close(ep);
	return 0;
}
