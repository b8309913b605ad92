/*
 * chargen (RFC 864): the 72-column rotating pattern of the 95 printable
 * ASCII characters (32..126), each line ended by CRLF, the next line
 * starting one character further on.  TCP streams it until the client
 * goes, a chunk at a time and only when the client has taken the last
 * one (never buffering more), throwing away anything the client sends.  UDP answers a
 * datagram with the first 0..512 bytes of the stream, the length chosen
 * at random.
 */
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

static int
chargen_start(struct conn *c)
{
	chargen_fill();
	conn_more(c, 1);
	return conn_send_ref(c, chargen_ring, sizeof(chargen_ring));
}

/* Sent: the next chunk, only once the client took the last one. */
static int
chargen_flushed(struct conn *c)
{
	return conn_send_ref(c, chargen_ring, sizeof(chargen_ring));
}

/* What the client sends is thrown away. */
static int
chargen_input(struct conn *c, const char *data, size_t len)
{
	(void)c;
	(void)data;
	(void)len;
	return 0;
}

/* Half-closed: keep sending until the client goes. */
static int
chargen_eof(struct conn *c)
{
	(void)c;
	return 0;
}

/* The client leaving is how chargen ends. */
static void
chargen_finish(struct conn *c)
{
	if (strcmp(c->result, "peer gone") == 0 ||
	    strcmp(c->result, "reset") == 0)
		conn_set_result(c, "ok");
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
	.start = chargen_start,
	.input = chargen_input,
	.eof = chargen_eof,
	.flushed = chargen_flushed,
	.finish = chargen_finish,
	.serve_dgram = chargen_dgram,
};
