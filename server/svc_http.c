/*
 * http: a small HTTP/1.1 server for GET and HEAD on three resources: "/"
 * the status page (HTML, what `netctl status` shows), "/status" the status
 * document (JSON, as the control socket's status), "/metrics" Prometheus
 * text.  Connections are kept alive (HTTP/1.1, unless "Connection: close";
 * HTTP/1.0 closes).  A request head (request line and headers) must fit in
 * HEAD_MAX bytes and arrive within idle_timeout; the target is at most
 * URI_MAX bytes.  Errors: 400 malformed, 404, 405 (Allow: GET, HEAD), 408,
 * 414, 431, 505.  Responses are built whole, then written with one call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "io.h"
#include "metrics.h"
#include "jsonget.h"
#include "conn.h"
#include "service.h"
#include "status.h"
#include "version.h"

#define HEAD_MAX	8192
#define URI_MAX		2048

struct request {
	const char	*method;
	const char	*target;	/* the path, query cut off */
	int		 minor;		/* HTTP/1.minor */
	int		 close;		/* close after the response */
	int		 head;		/* HEAD: no body */
};

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

static int
is_tchar(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", ch) != NULL);
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

/*
 * Parse the head in buf (NUL-terminated, lines split in place); returns
 * 0 with req filled, or an HTTP status for the error.
 */
static int
parse(char *buf, struct request *req)
{
	char *line, *next, *sp1, *sp2, *colon, *v, *p, *end;
	int hosts = 0, body = 0;
	size_t vlen;

	memset(req, 0, sizeof(*req));
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
	if (strlen(sp1 + 1) > URI_MAX)
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
			if (vlen == 0 || strspn(v, "0123456789") != vlen)
				return 400;
			if (strspn(v, "0") != vlen)
				body = 1;
		} else if (strcasecmp(line, "Transfer-Encoding") == 0)
			body = 1;
	}
	if (req->minor >= 1 && hosts != 1)
		return 400;	/* RFC 9112 3.2: exactly one Host */
	if (hosts > 1)
		return 400;
	/* We read no bodies: after one, the stream is not a request. */
	if (body)
		req->close = 1;
	req->head = strcmp(req->method, "HEAD") == 0;
	return 0;
}

/* Where the head ends (just past the empty line), or NULL. */
static char *
head_end(char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return buf + i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return buf + i + 3;
	}
	return NULL;
}

/*
 * What was read and not yet answered: a head being read, or pipelined
 * requests waiting behind answers the client has not taken yet.  Kept
 * only while something is pending, as large as it needs (at most a head
 * and one read).
 */
struct http {
	size_t	 len, cap;
	char	*buf;
};

static void
http_forget(struct conn *c)
{
	struct http *h = c->priv;

	if (h != NULL)
		free(h->buf);
	free(h);
	c->priv = NULL;
}

/* Room for len more bytes (and a NUL): 0, or -1. */
static int
http_room(struct conn *c, size_t len)
{
	struct http *h = c->priv;
	size_t want;
	char *n;

	if (h == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL)
			return -1;
		c->priv = h;
	}
	want = h->len + len + 1;
	if (want <= h->cap)
		return 0;
	if (want < 1024)
		want = 1024;
	if ((n = realloc(h->buf, want)) == NULL)
		return -1;
	h->buf = n;
	h->cap = want;
	return 0;
}

/* An error answered, then the connection closes. */
static int
http_fail(struct conn *c, int status, const char *result)
{
	struct response r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	(void)respond(c, &r, 0, 1);
	free(r.body);
	conn_set_result(c, result);
	conn_request_end(c);
	conn_close_after(c);
	return 0;
}

/* Answer one complete head (used bytes of h->buf, NUL-terminated). */
static int
http_request(struct conn *c, char *head, size_t used)
{
	struct response r;
	struct request req;
	int status;

	memset(&r, 0, sizeof(r));
	memset(&req, 0, sizeof(req));
	status = memchr(head, '\0', used - 1) != NULL ? 400 :
	    parse(head, &req);
	if (status == 0 && strcmp(req.method, "GET") != 0 &&
	    strcmp(req.method, "HEAD") != 0)
		status = 405;
	if (status == 0 && resource(req.target, &r) == -1)
		status = 500;
	if (status != 0) {
		free(r.body);
		memset(&r, 0, sizeof(r));
		r.status = status;
		if (status != 404 && status != 405)
			req.close = 1;
	}
	/* The last request a connection may make says so. */
	if (c->requests + 1 >= (uint64_t)c->svc->keepalive_requests)
		req.close = 1;
	conn_request_end(c);
	if (respond(c, &r, req.head, req.close) == -1) {
		free(r.body);
		return -1;
	}
	free(r.body);
	if (req.close) {
		if (status >= 400)
			conn_set_result(c, "bad request");
		conn_close_after(c);
	}
	return 0;
}

/* Take the complete heads out of the buffer, in order. */
static int
http_heads(struct conn *c)
{
	struct http *h = c->priv;
	size_t used, skip;
	char *end;

	while (h != NULL && h->len > 0 && !c->close_after && !c->paused) {
		/* Empty lines before a request line are ignored. */
		h->buf[h->len] = '\0';
		if ((skip = strspn(h->buf, "\r\n")) > 0) {
			memmove(h->buf, h->buf + skip, h->len - skip + 1);
			h->len -= skip;
			if (h->len == 0)
				break;
		}
		conn_request_begin(c);
		end = head_end(h->buf, h->len < HEAD_MAX ? h->len : HEAD_MAX);
		if (end == NULL) {
			if (h->len >= HEAD_MAX)
				return http_fail(c, memchr(h->buf, '\n',
				    HEAD_MAX) == NULL ? 414 : 431,
				    memchr(h->buf, '\n', HEAD_MAX) == NULL ?
				    "uri too long" : "head too large");
			return 0;
		}
		used = (size_t)(end - h->buf);
		end[-1] = '\0';
		if (http_request(c, h->buf, used) == -1)
			return -1;
		memmove(h->buf, h->buf + used, h->len - used);
		h->len -= used;
	}
	if (h != NULL && h->len == 0 && !c->close_after) {
		http_forget(c);
		conn_set_state(c, CONN_KEEPALIVE);
		conn_rearm(c);
	}
	return 0;
}

static int
http_input(struct conn *c, const char *data, size_t len)
{
	struct http *h;

	if (c->close_after)
		return 0;
	if (c->state == CONN_KEEPALIVE)
		conn_set_state(c, CONN_READING);
	if (http_room(c, len) == -1) {
		conn_set_result(c, "error");
		return -1;
	}
	h = c->priv;
	memcpy(h->buf + h->len, data, len);
	h->len += len;
	return http_heads(c);
}

/* Answers went out: heads that waited behind them may go on. */
static int
http_flushed(struct conn *c)
{
	return http_heads(c);
}

/* A head begun and not finished in time gets 408; idle ones just close. */
static int
http_timeout(struct conn *c, int which)
{
	struct http *h = c->priv;
	struct response r;

	if (which == TMO_KEEPALIVE || h == NULL || h->len == 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.status = 408;
	(void)respond(c, &r, 0, 1);
	free(r.body);
	conn_set_result(c, "timeout");
	return 0;
}

const struct service_type svc_http = {
	.type = SVC_HTTP,
	.input = http_input,
	.flushed = http_flushed,
	.timeout = http_timeout,
	.finish = http_forget,
};
