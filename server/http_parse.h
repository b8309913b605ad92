/*
 * The HTTP/1.1 request head, parsed as its bytes arrive: push bytes in
 * however they were split, take complete heads out.  Independent of
 * sockets, so that a blocking service and an event loop feed it alike;
 * it holds at most HTTP_HEAD_MAX bytes.
 */
#ifndef NETD_HTTP_PARSE_H
#define NETD_HTTP_PARSE_H

#include <stddef.h>

#define HTTP_HEAD_MAX	8192	/* request line and headers */
#define HTTP_URI_MAX	2048	/* the request target */

struct http_request {
	int		 status;	/* 0, or the error to answer */
	const char	*method;
	const char	*target;	/* the path, query cut off */
	int		 minor;		/* HTTP/1.minor */
	int		 close;		/* close after the response */
	int		 head;		/* HEAD: no body */
	int		 body;		/* a body follows (never read) */
};

struct http_parser {
	char		 buf[HTTP_HEAD_MAX];
	size_t		 len;		/* bytes held */
	size_t		 scan;		/* the end of the head not before */
	size_t		 used;		/* the head last handed out */
};

void	http_parser_init(struct http_parser *p);
/*
 * Where bytes may be read into directly, and how many (room): then say
 * how many came with http_parser_added().  Room is 0 only when a head
 * waits to be taken with http_parser_next().
 */
char	*http_parser_space(struct http_parser *p, size_t *room);
void	http_parser_added(struct http_parser *p, size_t n);
/* Copy in what fits of data; returns how many bytes were taken. */
size_t	http_parser_push(struct http_parser *p, const void *data,
	    size_t len);
/*
 * The next request head: 1 with req filled, or 0 when more bytes are
 * needed.  req->status is 0 or the error to answer (400, 414, 431, 505;
 * then close).  req's strings point into p and last until the next call,
 * which drops that head; bytes after it (pipelined requests) are kept.
 * Empty lines before a request line are skipped (RFC 9112 2.2).
 */
int	http_parser_next(struct http_parser *p, struct http_request *req);
/* Bytes held of a head not yet complete: at a timeout, 408 or silence. */
size_t	http_parser_pending(const struct http_parser *p);

#endif
