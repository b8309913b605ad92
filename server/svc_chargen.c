/*
 * chargen (RFC 864): the 72-column rotating pattern of the 95 printable
 * ASCII characters (32..126), each line ended by CRLF, the next line
 * starting one character further on.  TCP streams it until the client
 * goes, through conn_write (poll, so a slow reader holds us back without
 * a busy loop), throwing away anything the client sends.  UDP answers a
 * datagram with the first 0..512 bytes of the stream, the length chosen
 * at random.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "service.h"

#define CHARGEN_FIRST	32
#define CHARGEN_NCHARS	95		/* ' ' .. '~' */
#define CHARGEN_WIDTH	72
#define CHARGEN_LINE	(CHARGEN_WIDTH + 2)
#define CHARGEN_CYCLE	(CHARGEN_NCHARS * CHARGEN_LINE)	/* then it repeats */
#define CHARGEN_REPEAT	8		/* cycles per write */
#define CHARGEN_UDP_MAX	512

static char chargen_ring[CHARGEN_REPEAT * CHARGEN_CYCLE];
static int chargen_ready;

static void
chargen_fill(void)
{
	size_t line, col, o = 0;

	if (chargen_ready)
		return;
	for (line = 0; line < CHARGEN_REPEAT * CHARGEN_NCHARS; line++) {
		for (col = 0; col < CHARGEN_WIDTH; col++)
			chargen_ring[o++] = (char)(CHARGEN_FIRST +
			    (line + col) % CHARGEN_NCHARS);
		chargen_ring[o++] = '\r';
		chargen_ring[o++] = '\n';
	}
	chargen_ready = 1;
}

static void
chargen_stream(struct conn *c)
{
	char in[4096];
	struct pollfd pfd;
	int reading = 1;
	ssize_t n;

	chargen_fill();
	for (;;) {
		/* Throw away what the client sent, without waiting for it. */
		while (reading) {
			pfd.fd = c->fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
				break;
			if ((n = conn_read(c, in, sizeof(in))) == 0)
				reading = 0;	/* half-closed: keep sending */
			else if (n == -1) {
				if (strcmp(c->result, "reset") == 0)
					conn_set_result(c, "ok");
				return;
			}
		}
		if (conn_write(c, chargen_ring, sizeof(chargen_ring)) == -1) {
			/* The client leaving is how chargen ends. */
			if (strcmp(c->result, "peer gone") == 0)
				conn_set_result(c, "ok");
			return;
		}
	}
}

static ssize_t
chargen_dgram(const struct service_conf *svc, const void *in, size_t inlen,
    void *out, size_t outlen)
{
	size_t n;

	(void)svc;
	(void)in;
	(void)inlen;
	chargen_fill();
	n = arc4random_uniform(CHARGEN_UDP_MAX + 1);
	if (n > outlen)
		n = outlen;
	memcpy(out, chargen_ring, n);
	return (ssize_t)n;
}

const struct service_type svc_chargen = {
	.type = SVC_CHARGEN,
	.serve_stream = chargen_stream,
	.serve_dgram = chargen_dgram,
};
