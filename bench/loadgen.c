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

#include "loadgen.h"

struct options opt = {
	.mode = M_HELLO,
	.conc = 64,
	.duration = 5,
	.timeout = 5,
	.size = 64,
	.path = "/",
	.requests = 1,
};

const char *mode_names[M_NMODES] = { "hello", "daytime", "banner",
	"echo", "bulk", "http", "udp-echo" };
const char *fail_names[F_NKINDS] = {
	"connect", "reset", "early_eof", "wrong_reply", "timeout",
};

char *pattern;
size_t greet_len, expect_len;
char greet_line[MAX_LINE + 2];
char http_req[2][URI_MAX + 128];
size_t http_req_len[2];

static struct sockaddr_storage target;
static socklen_t targetlen;
static struct session *sessions;
static int ep;
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

void
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

uint64_t
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

/* End a session: count it, close it, start the next one in its place. */
void
session_end(struct session *s, int fail, const char *fmt, ...)
{
	va_list ap;

	if (measuring) {
		va_start(ap, fmt);
		stats_session(fail, now_ns() - s->start_ns, s->total_in, fmt,
		    ap);
		va_end(ap);
	}
	/* A UDP client keeps its socket (its port) while all goes well. */
	if (s->fd != -1 && (opt.mode != M_UDP_ECHO || fail >= 0 || stopping)) {
		close(s->fd);		/* leaves the epoll set with it */
		s->fd = -1;
	}
	s->state = S_FREE;
	if (!stopping && !(by_count && measuring &&
	    stats_started() >= opt.max_sessions))
		session_start(s);
}

void
session_error(struct session *s, int err, const char *where)
{
	session_end(s, F_RESET, "%s: %s", where, strerror(err));
}

/*
 * Open s's socket of this type, watched for events, and connect it (or
 * begin to); -1 when the session ended there (counted as F_CONNECT).
 */
int
session_socket(struct session *s, int type, uint32_t events)
{
	struct epoll_event ev;
	int fd;

	fd = socket(target.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		s->fd = -1;
		stopping = 1;	/* out of descriptors: no point going on */
		session_end(s, F_CONNECT, "socket: %s", strerror(errno));
		return -1;
	}
	s->fd = fd;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = s;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
		die("epoll_ctl: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&target, targetlen) == -1 &&
	    errno != EINPROGRESS) {
		session_end(s, F_CONNECT, "connect: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
session_start(struct session *s)
{
	s->start_ns = now_ns();
	s->woff = s->roff = s->total_in = 0;
	s->reqs = 0;
	s->body_left = s->tail = 0;
	if (measuring)
		stats_start();
	if (opt.mode == M_UDP_ECHO) {
		udp_start(s);
		return;
	}
	s->state = S_CONNECT;
	(void)session_socket(s, SOCK_STREAM,
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
	/* The first edge (EPOLLOUT once connected) drives it from here. */
}

int
session_measuring(void)
{
	return measuring;
}

int
session_stopping(void)
{
	return stopping;
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
		    stats_started() >= opt.max_sessions))) {
			stopping = 1;
			if (measuring)
				stats_bulk_time(t - t0);
			/* Bulk sessions end now: half-close, drain. */
			for (k = 0; k < opt.conc; k++)
				if (sessions[k].state == S_BULK)
					session_advance(&sessions[k], 0);
		}
		if (t - last_check >= 50000000u) {
			check_timeouts(t);
			last_check = t;
		}
		if (by_count && measuring && stats_started() >= opt.max_sessions)
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
