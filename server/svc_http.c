/*
 * http: a small HTTP/1.1 server for GET and HEAD on three resources: "/"
 * the status page (HTML, what `netctl status` shows, status_page.c;
 * "/?refresh=N" reloads itself every N seconds), "/status" the status
 * document (JSON, as the control socket's status), "/metrics" Prometheus
 * text.  Connections are kept alive (HTTP/1.1, unless "Connection: close";
 * HTTP/1.0 closes; keepalive_timeout between requests, keepalive_requests
 * per connection), pipelined requests answered in order.  A request head
 * (request line and headers) must fit in HTTP_HEAD_MAX bytes and arrive
 * within request_timeout of its first byte; the target is at most
 * HTTP_URI_MAX bytes (http_parse.c reads heads, as they arrive).  Errors: 400 malformed or
 * an ambiguous body length, 404, 405 (Allow: GET, HEAD), 408, 414, 431,
 * 505.  A response is its head and a body (rendered by http_render.c),
 * written with one call.
 */
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io.h"
#include "conn.h"
#include "http_parse.h"
#include "http_render.h"
#include "logfmt.h"
#include "service.h"
#include "version.h"

struct response {
	int		 status;
	const char	*type;
	const char	*body;		/* a rendered resource, or err */
	size_t		 len;
	char		 err[64];	/* the text of an error */
};

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

static void
http_date(char *buf, size_t len)
{
	static const char *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL) {
		strlcpy(buf, "Thu, 01 Jan 1970 00:00:00 GMT", len);
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Send status line, headers and (unless HEAD) body in one write. */
static int
respond(struct conn *c, struct response *r, int head, int close)
{
	char date[64], hdr[512];
	struct iovec iov[2];
	int n;

	if (r->body == NULL && r->status != 200) {
		/* A short text body saying what went wrong. */
		n = snprintf(r->err, sizeof(r->err), "%d %s\n", r->status,
		    reason(r->status));
		r->body = r->err;
		r->len = n > 0 && (size_t)n < sizeof(r->err) ? (size_t)n : 0;
		r->type = "text/plain; charset=utf-8";
	}
	http_date(date, sizeof(date));
	n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "Server: netd/%s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
	    "%s%s",
	    r->status, reason(r->status), date, NETD_VERSION,
	    r->type != NULL ? r->type : "text/plain", r->len,
	    r->status == 405 ? "Allow: GET, HEAD\r\n" : "",
	    close ? "Connection: close\r\n\r\n" : "\r\n");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -1;
	iov[0].iov_base = hdr;
	iov[0].iov_len = (size_t)n;
	iov[1].iov_base = (void *)(uintptr_t)r->body;
	iov[1].iov_len = head || r->body == NULL ? 0 : r->len;
	return conn_sendv(c, iov, 2);
}

/* What the access line says of a request answered with an error. */
static const char *
failure(int status)
{
	switch (status) {
	case 408: return "request timeout";
	case 414: return "uri too long";
	case 431: return "head too large";
	}
	return "bad request";
}

/*
 * A connection's requests: the parser holds a head being read (and
 * pipelined bytes after it); what a read brought beyond its room waits in
 * rest, behind answers the client has not taken yet.  Kept only while
 * something is pending.
 */
struct http {
	struct http_parser	 p;
	char			*rest;
	size_t			 restlen;
};

static void
http_forget(struct conn *c)
{
	struct http *h = c->priv;

	if (h != NULL)
		free(h->rest);
	free(h);
	c->priv = NULL;
}

/*
 * The request's access line, as nginx's and Apache's: method, path
 * (without the query), status, bytes sent (head and body), user agent,
 * how long from its first byte to its answer, and its number on the
 * connection.  Everything the client wrote is escaped (logfmt_val).  A
 * failure is a status of 400 or more.
 */
static void
http_log(struct conn *c, const struct http_request *req, int status,
    size_t bytes, uint64_t began)
{
	char f[6 * 1024], method[64], path[HTTP_URI_MAX + 3], agent[1024];
	char res[64];

	snprintf(f, sizeof(f), "method=%s path=%s status=%d bytes=%zu "
	    "duration=%llums request=%llu agent=%s result=%s",
	    logfmt_val(method, sizeof(method), req->target != NULL ?
	    req->method : "-"),
	    logfmt_val(path, sizeof(path), req->target != NULL ?
	    req->target : "-"), status, bytes,
	    (unsigned long long)(monotonic_ms() - began),
	    (unsigned long long)c->requests + 1,
	    logfmt_val(agent, sizeof(agent), req->agent != NULL ?
	    req->agent : "-"),
	    logfmt_val(res, sizeof(res), status < 400 ? "ok" :
	    status == 404 ? "not found" : status == 405 ?
	    "method not allowed" : failure(status)));
	conn_access_request(c, status >= 400, f);
}

/* Answer one request head; 0, or -1 to close now. */
static int
http_answer(struct conn *c, struct http_request *req)
{
	struct response r;
	struct http_body b;
	int status = req->status;
	uint64_t began, before;

	memset(&r, 0, sizeof(r));
	if (status == 0 && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0)
		status = 405;
	if (status == 0 && http_render(req->target, req->query, &b) == -1)
		status = 500;
	else if (status == 0 && b.status != 200)
		status = b.status;
	if (status == 0) {
		r.status = 200;
		r.type = b.type;
		r.body = b.body;
		r.len = b.len;
	} else {
		r.status = status;
		if (status != 404 && status != 405)
			req->close = 1;
	}
	/* The last request a connection may make says so. */
	if (c->requests + 1 >= (uint64_t)c->svc->keepalive_requests)
		req->close = 1;
	began = c->in_request ? c->request_start : monotonic_ms();
	before = c->bytes_out + conn_queued(c);
	if (respond(c, &r, req->head, req->close) == -1) {
		conn_request_end(c);
		return -1;
	}
	http_log(c, req, r.status, (size_t)(c->bytes_out + conn_queued(c) -
	    before), began);
	conn_request_end(c);
	if (req->close) {
		if (status >= 400)
			conn_set_result(c, failure(status));
		conn_close_after(c);
	}
	return 0;
}

/* Move what waits in rest into the parser, as far as it has room. */
static void
http_refill(struct http *h)
{
	size_t n;

	if (h->restlen == 0)
		return;
	n = http_parser_push(&h->p, h->rest, h->restlen);
	memmove(h->rest, h->rest + n, h->restlen - n);
	h->restlen -= n;
}

/* Answer the complete heads, in order, while the client takes answers. */
static int
http_serve(struct conn *c)
{
	struct http *h = c->priv;
	struct http_request req;

	while (h != NULL && !c->close_after && !c->paused) {
		http_refill(h);
		if (!http_parser_next(&h->p, &req))
			break;
		if (http_answer(c, &req) == -1)
			return -1;
	}
	if (h == NULL || c->close_after)
		return 0;
	if (http_parser_pending(&h->p) > 0 || h->restlen > 0) {
		conn_request_begin(c);	/* a head has begun */
		return 0;
	}
	/* Nothing pending: between requests. */
	http_forget(c);
	conn_set_state(c, CONN_KEEPALIVE);
	conn_rearm(c);
	return 0;
}

static int
http_input(struct conn *c, const char *data, size_t len)
{
	struct http *h = c->priv;
	size_t n = 0;
	char *nr;

	if (c->close_after)
		return 0;
	if (c->state == CONN_KEEPALIVE)
		conn_set_state(c, CONN_READING);
	if (h == NULL) {
		if ((h = malloc(sizeof(*h))) == NULL) {
			conn_set_result(c, "error");
			return -1;
		}
		http_parser_init(&h->p);
		h->rest = NULL;
		h->restlen = 0;
		c->priv = h;
	}
	if (h->restlen == 0)
		n = http_parser_push(&h->p, data, len);
	if (n < len) {
		/* At most a read more than the head: what waits behind. */
		if ((nr = realloc(h->rest, h->restlen + len - n)) == NULL) {
			conn_set_result(c, "error");
			return -1;
		}
		h->rest = nr;
		memcpy(h->rest + h->restlen, data + n, len - n);
		h->restlen += len - n;
	}
	return http_serve(c);
}

/* Answers went out: heads that waited behind them may go on. */
static int
http_flushed(struct conn *c)
{
	return http_serve(c);
}

/* A head begun and not finished in time gets 408; idle ones just close. */
static int
http_timeout(struct conn *c, int which)
{
	struct http *h = c->priv;
	struct http_request req;
	struct response r;
	uint64_t before;

	if (which == TMO_KEEPALIVE || h == NULL ||
	    (http_parser_pending(&h->p) == 0 && h->restlen == 0))
		return -1;
	memset(&r, 0, sizeof(r));
	memset(&req, 0, sizeof(req));
	r.status = 408;
	before = c->bytes_out + conn_queued(c);
	(void)respond(c, &r, 0, 1);
	http_log(c, &req, 408, (size_t)(c->bytes_out + conn_queued(c) -
	    before), c->in_request ? c->request_start : c->last_read);
	conn_set_result(c, failure(408));
	return 0;
}

const struct service_type svc_http = {
	.type = SVC_HTTP,
	.input = http_input,
	.flushed = http_flushed,
	.timeout = http_timeout,
	.finish = http_forget,
};
