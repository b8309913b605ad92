/*
 * The service interface: one file per service type, one row per type in
 * the table of service.c.  A TCP service serves one connection through
 * struct conn; a datagram service turns one datagram into one reply.
 */
#ifndef NETD_SERVICE_H
#define NETD_SERVICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "addr.h"
#include "config.h"

struct conn {
	int			 fd;
	int			 slot;		/* worker slot */
	int			 listener;	/* scoreboard listener index */
	const struct service_conf *svc;
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			 peer_text[PEER_TEXT_MAX];
	uint64_t		 start_ms;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	char			 result[64];	/* for the access line */
};

struct service_type {
	int	 type;			/* enum svc_type */
	/* Serve one TCP or unix connection; set c->result. */
	void	(*serve_stream)(struct conn *c);
	/*
	 * Answer one datagram: write the reply to out (outlen bytes of room)
	 * and return its length, or -1 to send nothing.
	 */
	ssize_t	(*serve_dgram)(const struct service_conf *svc,
		    const void *in, size_t inlen, void *out, size_t outlen);
	/* Checked at start and reload, before workers fork; NULL = none. */
	int	(*check)(const struct netd_config *cfg,
		    const struct service_conf *svc, char *err, size_t errlen);
};

const struct service_type *service_lookup(int type);

/* I/O for services: idle timeout, byte counters, stop on TERM. */
ssize_t	conn_read(struct conn *c, void *buf, size_t len);
/* conn_read with a timeout of its own (ms; a deadline for a request). */
ssize_t	conn_read_ms(struct conn *c, void *buf, size_t len, int timeout_ms);
int	conn_write(struct conn *c, const void *buf, size_t len);
int	conn_write_str(struct conn *c, const char *s);
void	conn_set_result(struct conn *c, const char *result);

/* The worker's entry points (service.c): limits, titles, access log. */
void	service_stream(int slot, int listener, int fd,
	    const struct service_conf *svc, struct sockaddr_storage *peer,
	    socklen_t peerlen);
void	service_dgram(int slot, int listener, int fd,
	    const struct service_conf *svc, const void *data, size_t len,
	    struct sockaddr_storage *peer, socklen_t peerlen);

/*
 * UDP anti-amplification (udp_guard.c): the shared rate-limit table is
 * mapped by the master before the first fork; -1 if it cannot be.
 */
int	udp_guard_init(void);

/* Each service's row, defined in its own file. */
extern const struct service_type svc_hello;
extern const struct service_type svc_echo;
extern const struct service_type svc_discard;
extern const struct service_type svc_daytime;
extern const struct service_type svc_chargen;
extern const struct service_type svc_time;
extern const struct service_type svc_upload;
extern const struct service_type svc_http;

#endif
