/*
 * discard (RFC 863): TCP reads and drops everything until the client
 * closes; UDP datagrams get no answer (no serve_dgram: service_dgram then
 * sends nothing).
 */
#include "conn.h"
#include "service.h"

#define DISCARD_CHUNK	(64 * 1024)

static void
discard_stream(struct conn *c)
{
	char buf[DISCARD_CHUNK];

	while (conn_read(c, buf, sizeof(buf)) > 0)
		;
}

const struct service_type svc_discard = {
	.type = SVC_DISCARD,
	.serve_stream = discard_stream,
};
