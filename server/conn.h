/* One client connection or datagram in a worker, from accept to the access line. */
#ifndef NETD_CONN_H
#define NETD_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "addr.h"
#include "config.h"

struct listener;

struct conn {
	int			 fd;
	const struct listener	*l;
	const struct service_conf *svc;		/* l->svc */
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			 peer_text[PEER_TEXT_MAX];
	uint64_t		 start_ms;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	char			 result[64];	/* for the access line */
};

/* The worker's slot: the scoreboard row connections are counted in. */
void	conn_init(int slot);
/*
 * Serve a connection accepted on l: allow list, max_connections, the
 * busy title and state, the service, counters, the access line.  The
 * caller closes fd.
 */
void	conn_stream(const struct listener *l, int fd,
	    const struct sockaddr_storage *peer, socklen_t peerlen);
/*
 * One datagram received on l from peer: the allow list, the UDP guard
 * (rate limit per source), the service, the counters.  The reply goes to
 * out (outlen bytes of room); its length, or -1 to send nothing.  The
 * caller sends it (udp_batch.c) and reports with conn_dgram_sent().
 */
ssize_t	conn_dgram(const struct listener *l, const void *data, size_t len,
	    const struct sockaddr_storage *peer, void *out, size_t outlen);
/* A reply of n bytes went out on l; -1: it could not be sent (errno). */
void	conn_dgram_sent(const struct listener *l, ssize_t n);

/* I/O for services: idle timeout, byte counters, stop on TERM. */
ssize_t	conn_read(struct conn *c, void *buf, size_t len);
/* conn_read with a timeout of its own (ms; a deadline for a request). */
ssize_t	conn_read_ms(struct conn *c, void *buf, size_t len, int timeout_ms);
int	conn_write(struct conn *c, const void *buf, size_t len);
int	conn_write_str(struct conn *c, const char *s);
void	conn_set_result(struct conn *c, const char *result);

#endif
