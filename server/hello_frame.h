/*
 * hello's framing, as bytes arrive: a message is a line (LF or CRLF) of
 * at most max_line bytes, or, when the caller says the client has paused
 * (hello_frame_flush), the bytes that came without a newline.  Push
 * bytes in however they were split, take messages out; independent of
 * sockets, it holds at most max_line + 1 bytes, allocated only while a
 * line is being gathered (hello_frame_idle gives them back).
 */
#ifndef NETD_HELLO_FRAME_H
#define NETD_HELLO_FRAME_H

#include <stddef.h>

enum hello_event {
	HELLO_MORE,		/* every byte taken, no message complete */
	HELLO_MESSAGE,		/* a message: see struct hello_msg */
	HELLO_TOO_LONG,		/* a line over max_line: the stream is over */
	HELLO_NOMEM,		/* no memory to gather a line */
};

struct hello_msg {
	const char	*text;		/* not NUL-terminated */
	size_t		 len;
	const char	*eol;		/* "\n", "\r\n", or "" (a flush) */
};

struct hello_frame {
	char		*buf;		/* the line being gathered */
	size_t		 len;
	size_t		 max_line;
	int		 taken;		/* buf was handed out: empty it */
	int		 dead;		/* a line was too long */
};

/* 0 (no memory is taken until a line must be gathered). */
int	hello_frame_init(struct hello_frame *f, size_t max_line);
void	hello_frame_free(struct hello_frame *f);
/*
 * Take bytes from *data (*len of them) up to the end of the next
 * message, advancing both past what was taken.  A message's text lives
 * in f until the next call.
 */
enum hello_event hello_frame_take(struct hello_frame *f, const char **data,
	    size_t *len, struct hello_msg *m);
/*
 * The bytes gathered without a newline as a message of their own (eol
 * ""): HELLO_MESSAGE, HELLO_MORE when there are none, HELLO_TOO_LONG.
 */
enum hello_event hello_frame_flush(struct hello_frame *f,
	    struct hello_msg *m);
/* Bytes gathered without a newline yet. */
size_t	hello_frame_pending(const struct hello_frame *f);
/* Nothing pending: give the buffer back (a message taken is forgotten). */
void	hello_frame_idle(struct hello_frame *f);

#endif
