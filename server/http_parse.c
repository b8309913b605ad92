/*
 * The HTTP/1.1 request head (RFC 9112): where it ends, whether it is
 * well formed, and what it asks.  Bytes are gathered in the parser until
 * a head is complete, so any split of the stream gives the same heads.
 * The body's length is checked even though no body is ever read: when
 * it is ambiguous (two different Content-Length values, one that does
 * not fit, Transfer-Encoding with Content-Length) the answer is 400 and
 * a close, so that no body can be taken for a request (6.1, 6.3).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"

static int
is_tchar(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* Does the comma-separated header value list contain token tok? */
static int
has_token(const char *v, size_t len, const char *tok)
{
	size_t i = 0, s, n = strlen(tok);

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - s == n && strncasecmp(v + s, tok, n) == 0)
			return 1;
		while (i < len && v[i] != ',')
			i++;
	}
	return 0;
}

/* A Content-Length value: digits only, at most INT64_MAX; 0 or -1. */
static int
content_length(const char *v, size_t len, uint64_t *n)
{
	size_t i;

	*n = 0;
	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		if (*n > (INT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return -1;
		*n = *n * 10 + (uint64_t)(v[i] - '0');
	}
	return 0;
}

/*
 * Parse the head in buf (NUL-terminated, lines split in place); returns
 * 0 with req filled, or an HTTP status for the error.
 */
static int
parse(char *buf, struct http_request *req)
{
	char *line, *next, *sp1, *sp2, *colon, *v, *p, *end;
	int hosts = 0, lengths = 0, chunked = 0;
	uint64_t length = 0, n;
	size_t vlen;

	line = buf;
	if ((next = strchr(line, '\n')) == NULL)
		return 400;
	*next++ = '\0';
	if (next - line >= 2 && next[-2] == '\r')
		next[-2] = '\0';
	/* method SP target SP HTTP/1.x */
	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' '))
		return 400;
	*sp1 = *sp2 = '\0';
	req->method = line;
	for (p = line; *p != '\0'; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	if (*line == '\0' || sp2 == sp1 + 1)
		return 400;
	for (p = sp1 + 1; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 400;
	if (strlen(sp1 + 1) > HTTP_URI_MAX)
		return 414;
	if (strncmp(sp2 + 1, "HTTP/", 5) != 0 || sp2[6] < '0' ||
	    sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9' ||
	    sp2[9] != '\0')
		return 400;
	if (sp2[6] != '1')
		return 505;
	req->minor = sp2[8] - '0';
	req->close = req->minor == 0;
	req->target = sp1 + 1;
	/* absolute-form: keep the path */
	if (strncasecmp(req->target, "http://", 7) == 0 ||
	    strncasecmp(req->target, "https://", 8) == 0) {
		p = strchr(req->target, ':') + 3;
		req->target = (p = strchr(p, '/')) != NULL ? p : "/";
	} else if (*req->target != '/' && strcmp(req->target, "*") != 0)
		return 400;
	if ((p = strchr(sp1 + 1, '?')) != NULL)
		*p = '\0';
	/* Headers, up to the empty line (its LF is the head's NUL). */
	for (line = next; *line != '\0' && strcmp(line, "\r") != 0;
	    line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			return 400;
		*next++ = '\0';
		end = next - 1;
		if (end > line && end[-1] == '\r')
			*--end = '\0';
		if ((colon = strchr(line, ':')) == NULL || colon == line)
			return 400;	/* also obs-fold: starts with SP */
		for (p = line; p < colon; p++)
			if (!is_tchar((unsigned char)*p))
				return 400;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		for (p = v; *p != '\0'; p++)
			if (((unsigned char)*p < ' ' && *p != '\t') ||
			    *p == 0x7f)
				return 400;
		vlen = strlen(v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		*colon = '\0';
		if (strcasecmp(line, "Host") == 0)
			hosts++;
		else if (strcasecmp(line, "Connection") == 0) {
			if (has_token(v, vlen, "close"))
				req->close = 1;
		} else if (strcasecmp(line, "Content-Length") == 0) {
			/* The same value twice is one length (6.3). */
			if (content_length(v, vlen, &n) == -1 ||
			    (lengths++ > 0 && n != length))
				return 400;
			length = n;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0)
			chunked = 1;
	}
	if (chunked && lengths > 0)
		return 400;	/* 6.1: which one frames the body? */
	if (req->minor >= 1 && hosts != 1)
		return 400;	/* RFC 9112 3.2: exactly one Host */
	if (hosts > 1)
		return 400;
	/* We read no bodies: after one, the stream is not a request. */
	req->body = chunked || length > 0;
	if (req->body)
		req->close = 1;
	req->head = strcmp(req->method, "HEAD") == 0;
	return 0;
}

/* Where the head ends (just past the empty line), or 0; from *from on. */
static size_t
head_end(const char *buf, size_t len, size_t *from)
{
	size_t i;

	for (i = *from; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	/* A "\n\r" at the end may yet be completed. */
	*from = len >= 2 ? len - 2 : 0;
	return 0;
}

void
http_parser_init(struct http_parser *p)
{
	p->len = p->scan = p->used = 0;
}

char *
http_parser_space(struct http_parser *p, size_t *room)
{
	*room = p->used > 0 ? 0 : sizeof(p->buf) - p->len;
	return p->buf + p->len;
}

void
http_parser_added(struct http_parser *p, size_t n)
{
	if (n > sizeof(p->buf) - p->len)
		n = sizeof(p->buf) - p->len;
	p->len += n;
}

size_t
http_parser_push(struct http_parser *p, const void *data, size_t len)
{
	size_t room;
	char *at;

	at = http_parser_space(p, &room);
	if (len > room)
		len = room;
	memcpy(at, data, len);
	http_parser_added(p, len);
	return len;
}

/* Drop the head handed out last, and the empty lines before the next. */
static void
drop(struct http_parser *p)
{
	size_t skip = p->used;

	while (skip < p->len && (p->buf[skip] == '\r' ||
	    p->buf[skip] == '\n'))
		skip++;
	if (skip == 0)
		return;
	memmove(p->buf, p->buf + skip, p->len - skip);
	p->len -= skip;
	p->scan = p->used > 0 || p->scan < skip ? 0 : p->scan - skip;
	p->used = 0;
}

int
http_parser_next(struct http_parser *p, struct http_request *req)
{
	size_t end;

	memset(req, 0, sizeof(*req));
	drop(p);
	if ((end = head_end(p->buf, p->len, &p->scan)) == 0) {
		if (p->len < sizeof(p->buf))
			return 0;
		/* Full, and no end: the request line or a header is long. */
		req->status = memchr(p->buf, '\n', p->len) == NULL ? 414 :
		    431;
		req->close = 1;
		p->used = p->len;
		return 1;
	}
	p->used = end;
	p->buf[end - 1] = '\0';
	if (memchr(p->buf, '\0', end - 1) != NULL)
		req->status = 400;
	else
		req->status = parse(p->buf, req);
	if (req->status != 0)
		req->close = 1;
	return 1;
}

size_t
http_parser_pending(const struct http_parser *p)
{
	return p->len - p->used;
}
