/*
 * loadgen's parts, one job each: the driver (loadgen.c: options, the
 * loop, starting and ending sessions, timeouts), a session's socket I/O
 * and the checks every protocol shares (loadgen_io.c), the protocols
 * themselves (loadgen_proto.c) and the counters and report
 * (loadgen_stats.c).  What the driver sets up once (options, the payload
 * pattern, the texts to expect) the others only read.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* The options (loadgen.c parses them; read-only after). */
struct options {
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
};

extern struct options opt;
extern const char *mode_names[M_NMODES];
extern const char *fail_names[F_NKINDS];
/* Set up once by loadgen.c from the options. */
extern char *pattern;		/* echo payload; bulk: period + chunk */
extern size_t greet_len, expect_len;
extern char greet_line[MAX_LINE + 2];
extern char http_req[2][URI_MAX + 128];	/* [1]: with Connection: close */
extern size_t http_req_len[2];

/* loadgen.c */
void	die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
	    noreturn));
uint64_t now_ns(void);
void	session_start(struct session *s);
void	session_end(struct session *s, int fail, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	session_error(struct session *s, int err, const char *where);
int	session_socket(struct session *s, int type, uint32_t events);
int	session_measuring(void);
int	session_stopping(void);

/* loadgen_io.c */
int	session_write(struct session *s, const char *buf, size_t len);
ssize_t	session_read(struct session *s, char *buf, size_t len);
void	show(char *out, size_t outlen, const char *p, size_t n);
int	expect_exact(struct session *s, const char *want, size_t wantlen,
	    const char *what);
int	expect_line(struct session *s, const char *what);
int	expect_eof(struct session *s);

/* loadgen_proto.c */
void	udp_start(struct session *s);
void	session_advance(struct session *s, uint32_t events);

/* loadgen_stats.c: the measured window's counters. */
void	stats_session(int fail, uint64_t ns, uint64_t bytes_in,
	    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
void	stats_start(void);
long long stats_started(void);
void	stats_request(void);
void	stats_bulk(uint64_t n);
void	stats_bulk_time(uint64_t ns);
void	report(double elapsed, double cpu);

#endif
