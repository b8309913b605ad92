/*
 * Escaping for the log: everything a client sends (a control request, a
 * peer's address as it told it) goes through here before it is logged,
 * so that no client can end a log line, start one of its own, or send
 * the terminal that shows the log escape sequences.  One spelling,
 * "\xHH", for every byte that is not plain printable ASCII and for the
 * quote and the backslash, so that a quoted field cannot be closed and
 * an escape cannot be forged.
 */
#include <string.h>

#include "esc.h"

#define MORE	"..."

static int
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

size_t
esc_bytes(char *out, size_t outlen, const void *in, size_t inlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t o = 0, i, need, total = 0, limit;

	if (outlen == 0)
		return 0;
	for (i = 0; i < inlen; i++)
		total += plain(p[i]) ? 1 : 4;
	/* All of it, or as much as leaves room for "..." after it. */
	limit = outlen - 1;
	if (total > limit)
		limit = limit >= sizeof(MORE) - 1 ? limit - (sizeof(MORE) - 1) :
		    0;
	for (i = 0; i < inlen; i++) {
		need = plain(p[i]) ? 1 : 4;
		if (o + need > limit)
			break;
		if (need == 1)
			out[o++] = (char)p[i];
		else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 0xf];
		}
	}
	if (i < inlen && o + sizeof(MORE) - 1 <= outlen - 1) {
		memcpy(out + o, MORE, sizeof(MORE) - 1);
		o += sizeof(MORE) - 1;
	}
	out[o] = '\0';
	return o;
}

const char *
esc_str(char *out, size_t outlen, const char *in)
{
	esc_bytes(out, outlen, in, strlen(in));
	return out;
}
