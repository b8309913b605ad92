/*
 * refserver: the benchmark's measuring stick, "the limit of this machine".
 * A plain single-process epoll server for echo, daytime and hello, over
 * TCP and UDP, with non-blocking sockets and nothing else: no config, no
 * pool, no limits, no timeouts.  It is not a product and must stay small
 * and obviously correct; what netd does beyond it (supervision, allow
 * lists, the UDP guard, counters) is what the ratio to it costs.
 *
 *   refserver [-P NPROC] [-a ADDR] [-g GREETING] [-l LOGFILE] SVC=PORT...
 *
 * SVC is hello, echo or daytime; each gets a TCP and a UDP socket on ADDR
 * (default 127.0.0.1) and PORT (0: any free port).  -P 2 runs two
 * processes, each with its own sockets bound with SO_REUSEPORT, so the
 * kernel spreads connections and datagrams between them.  -l writes one
 * access line per TCP connection with one write(2), as netd does.  When
 * every socket is bound it prints "SVC tcp|udp PORT" lines and "ready".
 *
 * Protocols, as netd's services speak them on the benchmark's path:
 *   echo     TCP: every byte back until EOF, then close; UDP: the datagram.
 *   daytime  TCP: one line "Weekday, Month DD, YYYY HH:MM:SS-ZONE\r\n",
 *            close; UDP: that line.
 *   hello    TCP: GREETING "\n", then "Hello, LINE!" plus the line's own
 *            ending (LF or CRLF) per line; "exit" closes; a line longer
 *            than 1024 bytes gets "ERR line too long\r\n" and a close.
 *            UDP: "Hello, DATAGRAM!" (a trailing LF or CRLF kept).
 *
 * Each loop drains what is ready: accept until EAGAIN, read a connection
 * until EAGAIN, recvfrom until EAGAIN (each within a budget, so that one
 * busy socket cannot starve the others), one system call per datagram
 * each way: the classic shape of a small event-driven server.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SVCS	8
#define MAX_PROCS	16
#define MAX_LINE	1024
#define BUDGET		64		/* accepts, reads, datagrams per event */
#define OUT_MAX		(1 << 20)	/* pending output cap per connection */

enum svc { HELLO, ECHO, DAYTIME };
static const char *svc_names[] = { "hello", "echo", "daytime" };

struct sock {
	int		 fd;
	enum svc	 svc;
	int		 udp;
};

/* What an epoll event points at: the first member of both. */
enum kind { K_CONN, K_LISTENER };

struct conn {
	enum kind	 kind;		/* K_CONN */
	int		 fd;
	enum svc	 svc;
	uint32_t	 watching;	/* events registered, 0: none yet */
	int		 closing;	/* close once out is flushed */
	char		 peer[64];	/* numeric host:port */
	struct timespec	 start;
	unsigned long long in, out_total;
	char		*out;		/* pending output */
	size_t		 outlen, outoff;
	size_t		 linelen;
	char		 line[MAX_LINE + 2];
};

struct lentry {
	enum kind	 kind;		/* K_LISTENER */
	struct sock	*s;
};

static const char *opt_addr = "127.0.0.1";
static const char *greeting = "Welcome!";
static int logfd = -1;
static int ep;
static volatile sig_atomic_t stop;
static char rbuf[65536];
static pid_t kids[MAX_PROCS];
static int nkids;

static void
die(const char *what)
{
	fprintf(stderr, "refserver: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
open_sock(enum svc svc, int udp, int port, int reuse)
{
	struct addrinfo hints, *res;
	char portstr[16];
	int fd, on = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if ((rc = getaddrinfo(opt_addr, portstr, &hints, &res)) != 0) {
		fprintf(stderr, "refserver: %s: %s\n", opt_addr,
		    gai_strerror(rc));
		exit(1);
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1)
		die("socket");
	if (!udp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof(on)) == -1)
		die("SO_REUSEADDR");
	if (reuse && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on,
	    sizeof(on)) == -1)
		die("SO_REUSEPORT");
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1) {
		fprintf(stderr, "refserver: bind %s %s %s:%d: %s\n",
		    svc_names[svc], udp ? "udp" : "tcp", opt_addr, port,
		    strerror(errno));
		exit(1);
	}
	freeaddrinfo(res);
	if (!udp && listen(fd, 511) == -1)
		die("listen");
	return fd;
}

static int
sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		die("getsockname");
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* The daytime line, RFC 867's example format, CRLF-ended. */
static size_t
daytime_line(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	if (localtime_r(&now, &tm) == NULL ||
	    (n = strftime(buf, len - 2, "%A, %B %d, %Y %H:%M:%S-%Z", &tm)) == 0)
		n = (size_t)snprintf(buf, len - 2, "%lld", (long long)now);
	buf[n++] = '\r';
	buf[n++] = '\n';
	return n;
}

/* "Hello, MSG!" and eol into out (room for MAX_LINE + 16); the length. */
static size_t
hello_reply(char *out, const char *msg, size_t len, const char *eol)
{
	size_t n = 0;

	memcpy(out, "Hello, ", 7);
	n = 7;
	memcpy(out + n, msg, len);
	n += len;
	out[n++] = '!';
	memcpy(out + n, eol, strlen(eol));
	return n + strlen(eol);
}

static void
conn_log(struct conn *c)
{
	struct timespec now;
	char line[256];
	double ms;
	int n;

	if (logfd == -1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (double)(now.tv_sec - c->start.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - c->start.tv_nsec) / 1e6;
	n = snprintf(line, sizeof(line), "%lld access %s peer=%s "
	    "duration=%.0fms in=%llu out=%llu\n", (long long)time(NULL),
	    svc_names[c->svc], c->peer, ms, c->in, c->out_total);
	if (n > 0 && write(logfd, line, (size_t)n) == -1 && errno != EINTR)
		logfd = -1;
}

static void
conn_close(struct conn *c)
{
	conn_log(c);
	close(c->fd);		/* leaves the epoll set with it */
	free(c->out);
	free(c);
}

/* Watch c for reading, or for writing while output is pending. */
static int
conn_watch(struct conn *c)
{
	struct epoll_event ev;
	uint32_t want = c->outlen > c->outoff ? EPOLLOUT : EPOLLIN;

	if (want == c->watching)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.ptr = c;
	if (epoll_ctl(ep, c->watching == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD,
	    c->fd, &ev) == -1)
		return -1;
	c->watching = want;
	return 0;
}

/*
 * Send p (and what is pending first); keep what the socket does not take.
 * 0, or -1 when the connection is gone.
 */
static int
conn_send(struct conn *c, const char *p, size_t len)
{
	ssize_t n;
	char *nb;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == -1)
			return -1;
		c->outoff += (size_t)n;
		c->out_total += (size_t)n;
	}
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	while (len > 0 && c->outlen == 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
		c->out_total += (size_t)n;
	}
	if (len == 0)
		return 0;
	if (c->outlen - c->outoff + len > OUT_MAX)
		return -1;
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if ((nb = realloc(c->out, c->outlen + len)) == NULL)
		return -1;
	c->out = nb;
	memcpy(c->out + c->outlen, p, len);
	c->outlen += len;
	return 0;
}

/* hello: answer every complete line in c->line; -1 to close. */
static int
hello_lines(struct conn *c)
{
	char reply[MAX_LINE + 16];
	size_t start = 0, i, end;
	const char *eol;

	for (i = 0; i < c->linelen; i++) {
		if (c->line[i] != '\n')
			continue;
		end = i;
		eol = "\n";
		if (end > start && c->line[end - 1] == '\r') {
			end--;
			eol = "\r\n";
		}
		if (end - start > MAX_LINE)
			goto too_long;
		if (end - start == 4 && memcmp(c->line + start, "exit",
		    4) == 0) {
			c->closing = 1;
			c->linelen = 0;
			return 0;
		}
		if (conn_send(c, reply, hello_reply(reply, c->line + start,
		    end - start, eol)) == -1)
			return -1;
		start = i + 1;
	}
	memmove(c->line, c->line + start, c->linelen - start);
	c->linelen -= start;
	if (c->linelen <= MAX_LINE)
		return 0;
too_long:
	c->closing = 1;
	c->linelen = 0;
	return conn_send(c, "ERR line too long\r\n", 19);
}

/* Readable (or writable): do what can be done now; -1 to close. */
static int
conn_io(struct conn *c)
{
	ssize_t n;
	size_t room;
	int i;

	if (conn_send(c, NULL, 0) == -1)
		return -1;
	for (i = 0; i < BUDGET && !c->closing && c->outlen == 0; i++) {
		if (c->svc == HELLO) {
			room = sizeof(c->line) - c->linelen;
			n = recv(c->fd, c->line + c->linelen, room, 0);
		} else
			n = recv(c->fd, rbuf, sizeof(rbuf), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;	/* EOF or error: done */
		c->in += (size_t)n;
		if (c->svc == ECHO) {
			if (conn_send(c, rbuf, (size_t)n) == -1)
				return -1;
		} else if (c->svc == HELLO) {
			c->linelen += (size_t)n;
			if (hello_lines(c) == -1)
				return -1;
		}
	}
	if (c->closing && c->outlen == 0)
		return -1;
	return conn_watch(c);
}

static void
conn_new(struct sock *s, int fd, struct sockaddr_storage *ss, socklen_t sl)
{
	char host[48], port[8], buf[MAX_LINE + 16];
	struct conn *c;
	size_t n;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->kind = K_CONN;
	c->fd = fd;
	c->svc = s->svc;
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	if (logfd != -1 && getnameinfo((struct sockaddr *)ss, sl, host,
	    sizeof(host), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(c->peer, sizeof(c->peer), "%s:%s", host, port);
	if (c->svc == DAYTIME) {
		c->closing = 1;
		n = daytime_line(buf, sizeof(buf));
	} else if (c->svc == HELLO)
		n = (size_t)snprintf(buf, sizeof(buf), "%s\n", greeting);
	else
		n = 0;
	if (n > 0 && conn_send(c, buf, n) == -1) {
		conn_close(c);
		return;
	}
	if (c->closing && c->outlen == 0) {
		conn_close(c);		/* daytime: said all, done */
		return;
	}
	if (conn_watch(c) == -1)
		conn_close(c);
}

static void
tcp_accept(struct sock *s)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int i, fd;

	for (i = 0; i < BUDGET; i++) {
		sl = sizeof(ss);
		fd = accept4(s->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE)
				usleep(10000);	/* let connections end */
			else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				perror("refserver: accept");
			return;
		}
		conn_new(s, fd, &ss, sl);
	}
}

static void
udp_serve(struct sock *s)
{
	char out[MAX_LINE + 16];
	struct sockaddr_storage ss;
	const char *eol;
	socklen_t sl;
	ssize_t n;
	size_t len;
	int i;

	for (i = 0; i < BUDGET; i++) {
		sl = sizeof(ss);
		n = recvfrom(s->fd, rbuf, sizeof(rbuf), 0,
		    (struct sockaddr *)&ss, &sl);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return;		/* EAGAIN, or an ICMP error: drop */
		len = (size_t)n;
		if (s->svc == DAYTIME) {
			n = (ssize_t)daytime_line(out, sizeof(out));
		} else if (s->svc == HELLO) {
			eol = "";
			if (len > 0 && rbuf[len - 1] == '\n') {
				len--;
				eol = "\n";
				if (len > 0 && rbuf[len - 1] == '\r') {
					len--;
					eol = "\r\n";
				}
			}
			if (len > MAX_LINE)
				continue;
			n = (ssize_t)hello_reply(out, rbuf, len, eol);
		}
		if (sendto(s->fd, s->svc == ECHO ? rbuf : out, (size_t)n, 0,
		    (struct sockaddr *)&ss, sl) == -1 && errno == EINTR)
			(void)sendto(s->fd, s->svc == ECHO ? rbuf : out,
			    (size_t)n, 0, (struct sockaddr *)&ss, sl);
	}
}

static void
serve(struct sock *socks, int nsocks)
{
	struct epoll_event ev, evs[64];
	struct lentry *le;
	int i, n;

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	for (i = 0; i < nsocks; i++) {
		if ((le = calloc(1, sizeof(*le))) == NULL)
			die("calloc");
		le->kind = K_LISTENER;
		le->s = &socks[i];
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = le;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, socks[i].fd, &ev) == -1)
			die("epoll_ctl");
	}
	while (!stop) {
		n = epoll_wait(ep, evs, 64, -1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			le = evs[i].data.ptr;
			if (le->kind == K_CONN) {
				if (conn_io((struct conn *)le) == -1)
					conn_close((struct conn *)le);
			} else if (le->s->udp)
				udp_serve(le->s);
			else
				tcp_accept(le->s);
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: refserver [-P NPROC] [-a ADDR] [-g GREETING] "
	    "[-l LOGFILE] hello|echo|daytime=PORT ...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static struct sock socks[MAX_PROCS][2 * MAX_SVCS];
	int ports[2 * MAX_SVCS], nsocks = 0, nproc = 1, ch, i, p, k, st;
	struct sigaction sa;
	struct rlimit rl;
	char *eq;
	pid_t pid;

	while ((ch = getopt(argc, argv, "a:g:l:P:")) != -1) {
		switch (ch) {
		case 'a':
			opt_addr = optarg;
			break;
		case 'g':
			greeting = optarg;
			if (strlen(greeting) > MAX_LINE)
				usage();
			break;
		case 'l':
			logfd = open(optarg, O_WRONLY | O_APPEND | O_CREAT |
			    O_CLOEXEC, 0644);
			if (logfd == -1)
				die(optarg);
			break;
		case 'P':
			nproc = atoi(optarg);
			if (nproc < 1 || nproc > MAX_PROCS)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > MAX_SVCS)
		usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Every socket of every process is bound before "ready". */
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL)
			usage();
		*eq = '\0';
		for (k = 0; k < 3; k++)
			if (strcmp(argv[i], svc_names[k]) == 0)
				break;
		if (k == 3)
			usage();
		for (p = 0; p < nproc; p++) {
			socks[p][nsocks].svc = socks[p][nsocks + 1].svc = k;
			socks[p][nsocks].udp = 0;
			socks[p][nsocks + 1].udp = 1;
			socks[p][nsocks].fd = open_sock(k, 0,
			    p == 0 ? atoi(eq + 1) : ports[nsocks], nproc > 1);
			ports[nsocks] = sock_port(socks[p][nsocks].fd);
			socks[p][nsocks + 1].fd = open_sock(k, 1,
			    p == 0 ? ports[nsocks] : ports[nsocks + 1],
			    nproc > 1);
			ports[nsocks + 1] = sock_port(socks[p][nsocks + 1].fd);
		}
		printf("%s tcp %d\n%s udp %d\n", svc_names[k], ports[nsocks],
		    svc_names[k], ports[nsocks + 1]);
		nsocks += 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	fflush(stdout);
	/* Process p serves socks[p]; the first one is this process. */
	for (p = 1; p < nproc; p++) {
		if ((pid = fork()) == -1)
			die("fork");
		if (pid == 0) {
			if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
				die("prctl");
			for (k = 0; k < nproc; k++)
				if (k != p)
					for (i = 0; i < nsocks; i++)
						close(socks[k][i].fd);
			nkids = 0;
			serve(socks[p], nsocks);
			_exit(0);
		}
		kids[nkids++] = pid;
	}
	for (k = 1; k < nproc; k++)
		for (i = 0; i < nsocks; i++)
			close(socks[k][i].fd);
	printf("ready\n");
	fflush(stdout);
	serve(socks[0], nsocks);
	for (i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < nkids; i++)
		while (waitpid(kids[i], &st, 0) == -1 && errno == EINTR)
			;
	return 0;
}
