/*
 * http: a small HTTP/1.1 server for GET and HEAD on three resources: "/"
 * the status page (HTML, what `netctl status` shows), "/status" the status
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
#include "jsonget.h"
#include "conn.h"
#include "http_parse.h"
#include "service.h"
#include "status.h"
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

/* HTML text with &, <, >, " and ' escaped. */
static void
html(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&#39;", fp); break;
		default: fputc(*s, fp);
		}
}

static void
cell(FILE *fp, const char *s)
{
	fputs("<td>", fp);
	html(fp, s);
	fputs("</td>", fp);
}

static void
num(FILE *fp, long long v)
{
	fprintf(fp, "<td class=\"n\">%lld</td>", v);
}

static void
page_listeners(FILE *fp, json_t *ls)
{
	json_t *l, *d, *v;
	const char *k;
	long long dropped;
	size_t i;

	fputs("<h2>Listeners</h2>\n<table>\n<tr><th>address</th><th>proto"
	    "</th><th>service</th><th>connections</th><th>errors</th>"
	    "<th>refused</th><th>bytes in</th><th>bytes out</th>"
	    "<th>dropped</th></tr>\n", fp);
	json_array_foreach(ls, i, l) {
		dropped = 0;
		d = json_object_get(l, "drops");
		json_object_foreach(d, k, v)
			dropped += (long long)json_integer_value(v);
		fputs("<tr>", fp);
		cell(fp, jstr(l, "address"));
		cell(fp, jstr(l, "proto"));
		cell(fp, jstr(l, "service"));
		num(fp, jint(l, "connections"));
		num(fp, jint(l, "errors"));
		num(fp, jint(l, "refused"));
		num(fp, jint(l, "bytes_in"));
		num(fp, jint(l, "bytes_out"));
		num(fp, dropped);
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void
page_workers(FILE *fp, json_t *ws)
{
	json_t *w;
	size_t i;

	fputs("<h2>Workers</h2>\n<table>\n<tr><th>slot</th><th>pid</th>"
	    "<th>generation</th><th>state</th><th>service</th><th>peer</th>"
	    "<th>for (s)</th><th>served</th><th>bytes in</th>"
	    "<th>bytes out</th></tr>\n", fp);
	json_array_foreach(ws, i, w) {
		fputs("<tr>", fp);
		num(fp, jint(w, "slot"));
		if (json_is_integer(json_object_get(w, "pid")))
			num(fp, jint(w, "pid"));
		else
			cell(fp, "-");
		num(fp, jint(w, "generation"));
		cell(fp, jstr(w, "state"));
		cell(fp, jstr(w, "service"));
		cell(fp, jstr(w, "peer"));
		fprintf(fp, "<td class=\"n\">%.1f</td>",
		    json_number_value(json_object_get(w, "for")));
		num(fp, jint(w, "requests"));
		num(fp, jint(w, "bytes_in"));
		num(fp, jint(w, "bytes_out"));
		fputs("</tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void
page(FILE *fp, json_t *st)
{
	json_t *n = json_object_get(st, "netd"), *p = json_object_get(st,
	    "pool"), *lr = json_object_get(n, "last_reload");

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>netd status</title>\n"
	    "<style>body{font-family:sans-serif}table{border-collapse:"
	    "collapse}th,td{border:1px solid #bbb;padding:2px 8px}"
	    "td.n{text-align:right}</style>\n</head>\n<body>\n<h1>netd ", fp);
	html(fp, jstr(n, "version"));
	fputs(" &mdash; ", fp);
	html(fp, jstr(n, "state"));
	fprintf(fp, "</h1>\n<table>\n<tr><th>master</th><td>pid %lld, up "
	    "%.0f s (since ", jint(n, "pid"),
	    json_number_value(json_object_get(n, "uptime")));
	html(fp, jstr(n, "started"));
	fputs(")</td></tr>\n<tr><th>config</th><td>", fp);
	html(fp, jstr(n, "config"));
	fprintf(fp, "</td></tr>\n<tr><th>generation</th><td>%lld",
	    jint(n, "generation"));
	if (json_is_object(lr)) {
		fputs(" (last reload ", fp);
		html(fp, jstr(lr, "time"));
		fputs(": ", fp);
		html(fp, jstr(lr, "message"));
		fputs(")", fp);
	}
	fprintf(fp, "</td></tr>\n<tr><th>pool</th><td>%lld workers (target "
	    "%lld): %lld busy, %lld idle, %lld starting, %lld draining, "
	    "%lld backing off, %lld failed</td></tr>\n<tr><th>spares</th><td>"
	    "%lld..%lld idle, at most %lld workers</td></tr>\n</table>\n",
	    jint(p, "total"), jint(p, "target"), jint(p, "busy"),
	    jint(p, "idle"), jint(p, "starting"), jint(p, "draining"),
	    jint(p, "backoff"), jint(p, "failed"), jint(p, "min_spare"), jint(p, "max_spare"),
	    jint(p, "max_workers"));
	page_listeners(fp, json_object_get(st, "listeners"));
	page_workers(fp, json_object_get(st, "workers"));
	fputs("<p><a href=\"/status\">/status</a> (JSON) &middot; "
	    "<a href=\"/metrics\">/metrics</a> (Prometheus)</p>\n"
	    "</body>\n</html>\n", fp);
}

/* The body of one of our three resources; 0, or -1 (500). */
static int
resource(const char *path, struct response *r)
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
		s = json_dumps(st, JSON_INDENT(2));
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
		page(fp, st);
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
	case 408: return "timeout";
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

/* Answer one request head; 0, or -1 to close now. */
static int
http_answer(struct conn *c, struct http_request *req)
{
	struct response r;
	int status = req->status;

	memset(&r, 0, sizeof(r));
	if (status == 0 && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0)
		status = 405;
	if (status == 0 && resource(req->target, &r) == -1)
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
	conn_request_end(c);
	if (respond(c, &r, req->head, req->close) == -1) {
		free(r.body);
		return -1;
	}
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
	struct response r;

	if (which == TMO_KEEPALIVE || h == NULL ||
	    (http_parser_pending(&h->p) == 0 && h->restlen == 0))
		return -1;
	memset(&r, 0, sizeof(r));
	r.status = 408;
	(void)respond(c, &r, 0, 1);
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
