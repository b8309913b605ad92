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
 * 505.  Responses are built whole, then written with one call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io.h"
#include "metrics.h"
#include "conn.h"
#include "http_parse.h"
#include "logfmt.h"
#include "service.h"
#include "status.h"
#include "status_page.h"
#include "version.h"

struct response {
	int		 status;
	const char	*type;
	char		*body;		/* malloc'd, or NULL */
	size_t		 len;
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

/* The body of one of our three resources; 0, or -1 (500). */
static int
resource(const char *path, const char *query, struct response *r)
{
	json_t *st;
	FILE *fp;
	char *s;
	int rc = 0;

	if (strcmp(path, "/") != 0 && strcmp(path, "/status") != 0 &&
	    strcmp(path, "/metrics") != 0) {
		r->status = 404;
		return 0;
	}
	if ((st = status_json()) == NULL)
		return -1;
	if (strcmp(path, "/status") == 0) {
		json_object_set_new(st, "ok", json_true());
		s = json_dumps(st, JSON_INDENT(2) |
		    JSON_REAL_PRECISION(15));
		json_decref(st);
		if (s == NULL)
			return -1;
		r->len = strlen(s);
		if ((r->body = realloc(s, r->len + 1)) == NULL) {
			free(s);
			return -1;
		}
		r->body[r->len++] = '\n';
		r->type = "application/json";
		r->status = 200;
		return 0;
	}
	if ((fp = open_memstream(&r->body, &r->len)) == NULL) {
		json_decref(st);
		return -1;
	}
	if (strcmp(path, "/metrics") == 0) {
		rc = metrics_write(fp, st);
		r->type = "text/plain; version=0.0.4; charset=utf-8";
	} else {
		status_page(fp, st, status_page_refresh(query));
		r->type = "text/html; charset=utf-8";
	}
	json_decref(st);
	if (fclose(fp) != 0 || rc == -1) {
		free(r->body);
		r->body = NULL;
		return -1;
	}
	r->status = 200;
	return 0;
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
	char date[64], *out = NULL;
	size_t outlen = 0;
	FILE *fp;
	int rc;

	if (r->body == NULL && r->status != 200) {
		/* A short text body saying what went wrong. */
		if (asprintf(&r->body, "%d %s\n", r->status,
		    reason(r->status)) == -1) {
			r->body = NULL;
			return -1;
		}
		r->len = strlen(r->body);
		r->type = "text/plain; charset=utf-8";
	}
	http_date(date, sizeof(date));
	if ((fp = open_memstream(&out, &outlen)) == NULL)
		return -1;
	fprintf(fp, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: netd/%s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
	    r->status, reason(r->status), date, NETD_VERSION,
	    r->type != NULL ? r->type : "text/plain", r->len);
	if (r->status == 405)
		fputs("Allow: GET, HEAD\r\n", fp);
	fputs(close ? "Connection: close\r\n\r\n" : "\r\n", fp);
	if (!head && r->len > 0)
		fwrite(r->body, 1, r->len, fp);
	if (fclose(fp) != 0) {
		free(out);
		return -1;
	}
	rc = conn_send(c, out, outlen);
	free(out);
	return rc;
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
	int status = req->status;
	uint64_t began, before;

	memset(&r, 0, sizeof(r));
	if (status == 0 && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0)
		status = 405;
	if (status == 0 && resource(req->target, req->query, &r) == -1)
		status = 500;
	if (status != 0) {
		free(r.body);
		memset(&r, 0, sizeof(r));
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
		free(r.body);
		conn_request_end(c);
		return -1;
	}
	http_log(c, req, r.status, (size_t)(c->bytes_out + conn_queued(c) -
	    before), began);
	conn_request_end(c);
	free(r.body);
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
		if ((h = calloc(1, sizeof(*h))) == NULL) {
			conn_set_result(c, "error");
			return -1;
		}
		http_parser_init(&h->p);
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
	free(r.body);
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
