/*
 * The bodies of the http service's three resources: "/" the status page
 * (HTML, status_page.c), "/status" the status document (JSON),
 * "/metrics" Prometheus text (metrics.c), all from one status_json().
 *
 * A worker renders each resource at most once every HTTP_RENDER_MS and
 * answers the requests in between with the same bytes, as a microcache
 * in front of a dynamic page does: a status page polled by many clients
 * (dashboards, health checks, a load test) costs one rendering per
 * worker per period, not one per request, and is never more than
 * HTTP_RENDER_MS old.  "/" is kept per refresh value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_render.h"
#include "io.h"
#include "metrics.h"
#include "status.h"
#include "status_page.h"

enum { R_PAGE, R_STATUS, R_METRICS, R_MAX };

static const char *const types[R_MAX] = {
	"text/html; charset=utf-8",
	"application/json",
	"text/plain; version=0.0.4; charset=utf-8",
};

static struct rendered {
	char		*body;
	size_t		 len;
	uint64_t	 at;		/* monotonic ms when rendered */
	int		 refresh;	/* of "/" */
} cache[R_MAX];

/* The status document as JSON text, with "ok": true and a newline. */
static int
render_status(json_t *st, char **body, size_t *len)
{
	char *s, *n;

	json_object_set_new(st, "ok", json_true());
	if ((s = json_dumps(st, JSON_INDENT(2) |
	    JSON_REAL_PRECISION(15))) == NULL)
		return -1;
	*len = strlen(s);
	if ((n = realloc(s, *len + 1)) == NULL) {
		free(s);
		return -1;
	}
	n[(*len)++] = '\n';
	*body = n;
	return 0;
}

static int
render(int which, int refresh, char **body, size_t *len)
{
	json_t *st;
	FILE *fp;
	int rc = 0;

	if ((st = status_json()) == NULL)
		return -1;
	if (which == R_STATUS) {
		rc = render_status(st, body, len);
		json_decref(st);
		return rc;
	}
	if ((fp = open_memstream(body, len)) == NULL) {
		json_decref(st);
		return -1;
	}
	if (which == R_METRICS)
		rc = metrics_write(fp, st);
	else
		status_page(fp, st, refresh);
	json_decref(st);
	if (fclose(fp) != 0 || rc == -1) {
		free(*body);
		*body = NULL;
		return -1;
	}
	return 0;
}

int
http_render(const char *path, const char *query, struct http_body *b)
{
	struct rendered *r;
	uint64_t now = monotonic_ms();
	int which, refresh = 0;

	if (strcmp(path, "/") == 0) {
		which = R_PAGE;
		refresh = status_page_refresh(query);
	} else if (strcmp(path, "/status") == 0)
		which = R_STATUS;
	else if (strcmp(path, "/metrics") == 0)
		which = R_METRICS;
	else {
		b->status = 404;
		return 0;
	}
	r = &cache[which];
	if (r->body == NULL || now - r->at >= HTTP_RENDER_MS ||
	    r->refresh != refresh) {
		free(r->body);
		r->body = NULL;
		if (render(which, refresh, &r->body, &r->len) == -1)
			return -1;
		r->at = now;
		r->refresh = refresh;
	}
	b->status = 200;
	b->type = types[which];
	b->body = r->body;
	b->len = r->len;
	return 0;
}
