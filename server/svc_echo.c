/*
 * echo (RFC 862): TCP returns every byte until the client half-closes,
 * then closes; UDP returns the datagram.  One fixed buffer: read a chunk,
 * write all of it, repeat, so a client that sends without reading is held
 * back by TCP flow control rather than by our memory.
 */
#include <string.h>

#include "conn.h"
#include "service.h"

#define ECHO_CHUNK	(64 * 1024)

static void
echo_stream(struct conn *c)
{
	char buf[ECHO_CHUNK];
	ssize_t n;

	while ((n = conn_read(c, buf, sizeof(buf))) > 0)
		if (conn_write(c, buf, (size_t)n) == -1)
			return;		/* result set by conn_write */
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
	.serve_stream = echo_stream,
	.serve_dgram = echo_dgram,
};
