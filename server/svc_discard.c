/*
 * discard (RFC 863): TCP reads and drops everything until the client
 * closes; UDP datagrams get no answer (no serve_dgram).
 */
#include "conn.h"
#include "service.h"

static int
discard_input(struct conn *c, const char *data, size_t len)
{
	(void)c;
	(void)data;
	(void)len;
	return 0;
}

const struct service_type svc_discard = {
	.type = SVC_DISCARD,
	.input = discard_input,
};
