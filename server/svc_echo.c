/*
 * echo (RFC 862): TCP returns every byte until the client half-closes,
 * then closes; UDP returns the datagram.  What cannot be written at once
 * is queued; past CONN_OUT_HIGH the connection stops reading, so a client
 * that sends without reading is held back by TCP flow control rather
 * than by our memory.
 */
#include <string.h>

#include "conn.h"
#include "service.h"

static int
echo_input(struct conn *c, const char *data, size_t len)
{
	return conn_send(c, data, len);
}

static ssize_t
echo_dgram(const struct service_conf *svc, const void *in, size_t inlen,
    void *out, size_t outlen)
{
	(void)svc;
	if (inlen > outlen)
		return -1;
	memcpy(out, in, inlen);
	return (ssize_t)inlen;
}

const struct service_type svc_echo = {
	.type = SVC_ECHO,
	.input = echo_input,
	.serve_dgram = echo_dgram,
};
