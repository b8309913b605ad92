/*
 * A client connection in a worker's event loop, from accept to its access
 * line, and a datagram's short way through the same checks.  A worker
 * holds up to worker_connections of them; each is a small struct with
 * non-blocking I/O, an output queue, one timer and its service's state.
 */
#ifndef NETD_CONN_H
#define NETD_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "addr.h"
#include "config.h"
#include "timer.h"

struct listener;
struct service_type;

/* What a connection is doing, as status shows it. */
enum conn_state {
	CONN_READING,		/* waiting for, or reading, a request */
	CONN_WRITING,		/* output queued, waiting to write it */
	CONN_KEEPALIVE,		/* between requests (http) */
	CONN_CLOSING,		/* flushing its last bytes */
	CONN_NSTATES
};

/* Which deadline fired. */
enum conn_timeout {
	TMO_IDLE,		/* idle_timeout: nothing read for so long */
	TMO_REQUEST,		/* request_timeout: a request begun, not done */
	TMO_KEEPALIVE,		/* keepalive_timeout: no next request */
	TMO_WRITE,		/* the client does not read what we send */
	TMO_RATE,		/* an upload slower than its minimum rate */
	TMO_SERVICE,		/* the service's own (conn_until) */
};

struct conn {
	int			 kind;		/* EV_CONN: first, for epoll */
	int			 fd;
	const struct listener	*l;
	const struct service_conf *svc;		/* l->svc */
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			 peer_text[PEER_TEXT_MAX];
	int			 state;		/* enum conn_state */
	int			 row;		/* in the connection table */
	int			 source;	/* max_per_source entry, or -1 */
	unsigned		 events;	/* EPOLLIN/EPOLLOUT watched */
	int			 watched;	/* in the epoll set yet */
	int			 starting;	/* in its service's start */
	unsigned		 paused:1;	/* input held back */
	unsigned		 eof:1;		/* the client half-closed */
	unsigned		 close_after:1;	/* close once flushed */
	unsigned		 in_request:1;	/* request_timeout runs */
	unsigned		 dead:1;	/* closed, freed at the end */
	unsigned		 more:1;	/* the service has more to send */
	unsigned		 logged:1;	/* its requests have access lines */
	uint64_t		 start_ms;	/* accepted (monotonic) */
	uint64_t		 last_read;	/* monotonic */
	uint64_t		 last_write;	/* progress writing */
	uint64_t		 request_start;
	uint64_t		 until;		/* the service's deadline, or 0 */
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	uint64_t		 requests;	/* served on this connection */
	char			*out;		/* queued output (malloc'd) */
	size_t			 outlen, outoff, outcap;
	const char		*ref;		/* or output not ours to free */
	size_t			 reflen;
	struct timer		 timer;
	void			*priv;		/* the service's state */
	struct conn		*next;		/* closed, to free */
	struct conn		*close_next;	/* to close after a callback */
	char			 result[48];	/* for the access line */
};

/* What an epoll event's pointer points at: its first int says. */
enum ev_kind { EV_CONN, EV_LISTENER, EV_LIFE, EV_TASK };

/* Output held back beyond this: the service stops reading (backpressure). */
#define CONN_OUT_HIGH	(256 * 1024)

/*
 * The worker's slot and epoll set: where connections are counted,
 * watched; room() is called when a full table is about to have room.
 */
void	conn_init(int slot, int epfd, int max, void (*room)(void));
/* Connections open now. */
int	conn_count(void);
/*
 * Take a connection accepted on l: allow list, max_connections,
 * max_per_source, then the service starts it.  Closes fd on refusal.
 */
void	conn_accept(const struct listener *l, int fd,
	    const struct sockaddr_storage *peer, socklen_t peerlen);
/* An epoll event for c (the pointer in the event's data). */
void	conn_event(struct conn *c, uint32_t events);
/* Leaving: close connections idle between requests; 1 if none is left. */
int	conn_drain(void);
/* TERM: close every connection now, with this result. */
void	conn_close_all(const char *result);
/* Free connections closed during this round of events. */
void	conn_reap(void);
/* For services. */
int	conn_send(struct conn *c, const void *buf, size_t len);
int	conn_sendv(struct conn *c, const struct iovec *iov, int iovcnt);
int	conn_send_str(struct conn *c, const char *s);
/* Send len bytes at buf that stay valid until sent (no copy). */
int	conn_send_ref(struct conn *c, const void *buf, size_t len);
size_t	conn_queued(const struct conn *c);
void	conn_close_after(struct conn *c);	/* once the output is sent */
/* Now: only conn.c and the worker's loop, never from a service callback. */
void	conn_close(struct conn *c);
void	conn_pause(struct conn *c, int paused);
/*
 * The service produces output as the client takes it (chargen): while on,
 * its flushed() is called each time the socket can take more.
 */
void	conn_more(struct conn *c, int on);
void	conn_set_state(struct conn *c, int state);
/* request_timeout: a request (message, head, body) begins, or is done. */
void	conn_request_begin(struct conn *c);
void	conn_request_end(struct conn *c);
void	conn_set_result(struct conn *c, const char *result);
/*
 * An access line for one request of c: the connection's fields, then
 * fields (logfmt, escaped by the caller).  c's own line is then left out.
 */
void	conn_access_request(struct conn *c, int failure, const char *fields);
/* The connection's last access line (conn_log.c). */
void	conn_access_line(const struct conn *c);
/* Its timer went off (conn_timer.c). */
void	conn_timer_fired(struct timer *t);
/* A deadline of the service's own (monotonic ms; 0: none). */
void	conn_until(struct conn *c, uint64_t at);
/* Re-arm the connection's timer after the service changed a deadline. */
void	conn_rearm(struct conn *c);
/* Between conn.c and conn_out.c: write what is queued (-1: gone), */
int	conn_flush(struct conn *c);
/* count bytes read and written, watch what the connection waits for. */
void	conn_count_io(struct conn *c, uint64_t in, uint64_t out);
void	conn_rewatch(struct conn *c);
const char *conn_state_name(int state);

#endif
