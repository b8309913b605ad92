/*
 * The service interface: one file per service type, one row per type in
 * the table of service.c.  A stream service serves one connection through
 * struct conn (conn.h); a datagram service turns one datagram into one
 * reply.
 */
#ifndef NETD_SERVICE_H
#define NETD_SERVICE_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

struct conn;

/*
 * A stream service is a set of callbacks that the worker's loop calls for
 * each connection (conn.h); none may block.  Each returns 0, or -1 to
 * close the connection at once (with its result set).  Output goes
 * through conn_send(), which never blocks either.
 */
struct service_type {
	int	 type;			/* enum svc_type */
	/* Accepted: greet, or answer and conn_close_after(). */
	int	(*start)(struct conn *c);
	/* Bytes arrived (data is only valid during the call). */
	int	(*input)(struct conn *c, const char *data, size_t len);
	/* All that had arrived was read: nothing more pending now. */
	int	(*idle)(struct conn *c);
	/* The client half-closed; NULL: close once the output is sent. */
	int	(*eof)(struct conn *c);
	/* Everything queued was sent (chargen sends more). */
	int	(*flushed)(struct conn *c);
	/*
	 * A deadline passed (enum conn_timeout): queue a last word and
	 * return 0 to have it sent, or -1; NULL: close.
	 */
	int	(*timeout)(struct conn *c, int which);
	/* The connection ends: free what the service kept in c->priv. */
	void	(*finish)(struct conn *c);
	/*
	 * Answer one datagram: write the reply to out (outlen bytes of room)
	 * and return its length, or -1 to send nothing.  NULL: never answer.
	 */
	ssize_t	(*serve_dgram)(const struct service_conf *svc,
		    const void *in, size_t inlen, void *out, size_t outlen);
	/* Checked at start and reload, before workers fork; NULL = none. */
	int	(*check)(const struct netd_config *cfg,
		    const struct service_conf *svc, char *err, size_t errlen);
};

/* The row of a type, or NULL if this build has none. */
const struct service_type *service_type(int type);
struct sockaddr;
/* May a client at sa use svc (its allow list; unix peers always may)? */
int	service_allows(const struct service_conf *svc,
	    const struct sockaddr *sa);

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
