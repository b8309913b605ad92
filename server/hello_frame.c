/*
 * hello's framing: lines split at LF (a CR before it belongs to the
 * ending), bounded by max_line.  A line too long is known as soon as its
 * first max_line + 1 bytes are (max_line + 2 when they end in a CR that
 * an LF may follow), so memory stays bounded and the answer does not
 * depend on how the bytes were split.
 */
#include <stdlib.h>
#include <string.h>

#include "hello_frame.h"

int
hello_frame_init(struct hello_frame *f, size_t max_line)
{
	memset(f, 0, sizeof(*f));
	f->max_line = max_line;
	return 0;
}

void
hello_frame_free(struct hello_frame *f)
{
	free(f->buf);
	f->buf = NULL;
}

/* The message in buf, its ending stripped; too long, or a message. */
static enum hello_event
message(struct hello_frame *f, int newline, struct hello_msg *m)
{
	size_t n = f->len;

	m->eol = "";
	if (newline) {
		m->eol = "\n";
		if (n > 0 && f->buf[n - 1] == '\r') {
			m->eol = "\r\n";
			n--;
		}
	}
	if (n > f->max_line) {
		f->dead = 1;
		return HELLO_TOO_LONG;
	}
	m->text = f->buf != NULL ? f->buf : "";
	m->len = n;
	f->taken = 1;
	return HELLO_MESSAGE;
}

enum hello_event
hello_frame_take(struct hello_frame *f, const char **data, size_t *len,
    struct hello_msg *m)
{
	const char *nl;
	size_t n;

	if (f->dead)
		return HELLO_TOO_LONG;
	if (f->taken) {
		f->len = 0;
		f->taken = 0;
	}
	nl = memchr(*data, '\n', *len);
	n = nl != NULL ? (size_t)(nl - *data) : *len;
	if (n > f->max_line + 1 - f->len) {
		f->dead = 1;
		return HELLO_TOO_LONG;
	}
	/* The longest line, and the CR of its ending. */
	if (n > 0 && f->buf == NULL &&
	    (f->buf = malloc(f->max_line + 1)) == NULL)
		return HELLO_NOMEM;
	if (n > 0)
		memcpy(f->buf + f->len, *data, n);
	f->len += n;
	if (nl != NULL) {
		*data += n + 1;
		*len -= n + 1;
		return message(f, 1, m);
	}
	*data += n;
	*len = 0;
	/* max_line + 1 bytes: only a CR then an LF can still make a line. */
	if (f->len == f->max_line + 1 && f->buf[f->len - 1] != '\r') {
		f->dead = 1;
		return HELLO_TOO_LONG;
	}
	return HELLO_MORE;
}

enum hello_event
hello_frame_flush(struct hello_frame *f, struct hello_msg *m)
{
	if (f->dead)
		return HELLO_TOO_LONG;
	if (f->taken) {
		f->len = 0;
		f->taken = 0;
	}
	if (f->len == 0)
		return HELLO_MORE;
	return message(f, 0, m);
}

size_t
hello_frame_pending(const struct hello_frame *f)
{
	return f->taken ? 0 : f->len;
}

void
hello_frame_idle(struct hello_frame *f)
{
	if (hello_frame_pending(f) > 0)
		return;
	free(f->buf);
	f->buf = NULL;
	f->len = 0;
	f->taken = 0;
}
