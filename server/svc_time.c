/*
 * time (RFC 868): the time as 32 bits, big-endian, in seconds since
 * 1900-01-01 00:00 UTC.  TCP sends the four bytes and closes; UDP answers
 * any datagram with them.  The count wraps modulo 2^32 (in 2036), as the
 * RFC's clients expect.
 */
#include <string.h>
#include <time.h>

#include "conn.h"
#include "service.h"

#define SECS_1900_TO_1970	2208988800ULL

static void
time_now(unsigned char out[4])
{
	uint32_t t = (uint32_t)((uint64_t)time(NULL) + SECS_1900_TO_1970);

	out[0] = (unsigned char)(t >> 24);
	out[1] = (unsigned char)(t >> 16);
	out[2] = (unsigned char)(t >> 8);
	out[3] = (unsigned char)t;
}

static int
time_start(struct conn *c)
{
	unsigned char t[4];

	time_now(t);
	if (conn_send(c, t, sizeof(t)) == -1)
		return -1;
	conn_close_after(c);
	return 0;
}

/* Whatever the client sends is not asked for: ignored. */
static int
time_input(struct conn *c, const char *data, size_t len)
{
	(void)c;
	(void)data;
	(void)len;
	return 0;
}

static ssize_t
time_dgram(const struct service_conf *svc, const void *in, size_t inlen,
    void *out, size_t outlen)
{
	(void)svc;
	(void)in;
	(void)inlen;
	if (outlen < 4)
		return -1;
	time_now(out);
	return 4;
}

const struct service_type svc_time = {
	.type = SVC_TIME,
	.start = time_start,
	.input = time_input,
	.serve_dgram = time_dgram,
};
