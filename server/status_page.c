/*
 * The status page (GET / of the http service): the status document as
 * HTML an operator keeps open.  The same header lines and the same
 * tables, columns in the same order and under the same names, as
 * `netctl status`; durations, byte counts and rates in the one format of
 * lib/human.c; workers coloured by state; totals under each table;
 * listeners that have seen nothing folded into a <details>.  Optional
 * auto-refresh without JavaScript (?refresh=N: a meta refresh, N bounded).
 * Every text from the document is escaped; the page is plain HTML5 with
 * its style inline, and loads nothing else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "human.h"
#include "jsonget.h"
#include "status_page.h"

#define H(s)	html(fp, (s))

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

static double
jnum(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void
td(FILE *fp, const char *s)
{
	fputs("<td>", fp);
	H(s);
	fputs("</td>", fp);
}

/* A number or a figure: right-aligned. */
static void
tdn(FILE *fp, const char *s)
{
	fputs("<td class=\"n\">", fp);
	H(s);
	fputs("</td>", fp);
}

static void
tdi(FILE *fp, long long v)
{
	fprintf(fp, "<td class=\"n\">%lld</td>", v);
}

/* An integer field, or "-" where the document has none. */
static void
tdopt(FILE *fp, json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		tdi(fp, (long long)json_integer_value(v));
	else
		tdn(fp, "-");
}

static void
tdbytes(FILE *fp, uint64_t n)
{
	char b[32];

	human_bytes(n, b, sizeof(b));
	tdn(fp, b);
}

static void
thead(FILE *fp, const char *const *heads, size_t n)
{
	size_t i;

	fputs("<thead><tr>", fp);
	for (i = 0; i < n; i++) {
		fputs("<th>", fp);
		H(heads[i]);
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n", fp);
}

static const char *const listener_heads[] = { "LISTENER", "PROTO",
    "SERVICE", "QUEUE", "PEAK", "CONNS", "DGRAMS", "RATE", "ERRORS",
    "REFUSED", "DROPPED", "IN", "OUT" };
#define NLHEADS	(sizeof(listener_heads) / sizeof(listener_heads[0]))

static long long
dropped(json_t *l)
{
	json_t *v;
	const char *k;
	long long n = 0;

	json_object_foreach(json_object_get(l, "drops"), k, v)
		n += (long long)json_integer_value(v);
	return n;
}

/* Has a listener anything to show: traffic, trouble, a queue? */
static int
listener_active(json_t *l)
{
	json_t *q = json_object_get(l, "queue");

	return jint(l, "connections") + jint(l, "datagrams") +
	    jint(l, "errors") + jint(l, "refused") + dropped(l) +
	    jint(l, "bytes_in") + jint(l, "bytes_out") > 0 ||
	    (json_is_object(q) && jint(q, "peak") > 0);
}

static void
listener_row(FILE *fp, json_t *l)
{
	json_t *q = json_object_get(l, "queue"), *ps = json_object_get(l,
	    "per_second");
	char b[48];

	fputs("<tr>", fp);
	td(fp, jstr(l, "address"));
	td(fp, jstr(l, "proto"));
	td(fp, jstr(l, "service"));
	if (json_is_object(q)) {
		snprintf(b, sizeof(b), "%lld/%lld", jint(q, "length"),
		    jint(q, "limit"));
		tdn(fp, b);
		tdi(fp, jint(q, "peak"));
	} else {
		tdn(fp, "-");
		tdn(fp, "-");
	}
	tdopt(fp, l, "connections");
	tdopt(fp, l, "datagrams");
	human_rate(jnum(ps, "connections") + jnum(ps, "datagrams"), b,
	    sizeof(b));
	tdn(fp, b);
	tdi(fp, jint(l, "errors"));
	tdi(fp, jint(l, "refused"));
	tdi(fp, dropped(l));
	tdbytes(fp, (uint64_t)jint(l, "bytes_in"));
	tdbytes(fp, (uint64_t)jint(l, "bytes_out"));
	fputs("</tr>\n", fp);
}

static void
page_listeners(FILE *fp, json_t *ls)
{
	long long c = 0, d = 0, e = 0, r = 0, dr = 0, in = 0, out = 0;
	double rate = 0;
	size_t i, quiet = 0;
	json_t *l, *ps;
	char b[32];

	fputs("<h2>Listeners</h2>\n<table id=\"listeners\">\n", fp);
	thead(fp, listener_heads, NLHEADS);
	fputs("<tbody>\n", fp);
	json_array_foreach(ls, i, l) {
		ps = json_object_get(l, "per_second");
		c += jint(l, "connections");
		d += jint(l, "datagrams");
		e += jint(l, "errors");
		r += jint(l, "refused");
		dr += dropped(l);
		in += jint(l, "bytes_in");
		out += jint(l, "bytes_out");
		rate += jnum(ps, "connections") + jnum(ps, "datagrams");
		if (listener_active(l))
			listener_row(fp, l);
		else
			quiet++;
	}
	fputs("</tbody>\n<tfoot><tr><th colspan=\"5\">total</th>", fp);
	tdi(fp, c);
	tdi(fp, d);
	human_rate(rate, b, sizeof(b));
	tdn(fp, b);
	tdi(fp, e);
	tdi(fp, r);
	tdi(fp, dr);
	tdbytes(fp, (uint64_t)in);
	tdbytes(fp, (uint64_t)out);
	fputs("</tr></tfoot>\n</table>\n", fp);
	if (quiet == 0)
		return;
	fprintf(fp, "<details id=\"quiet\">\n<summary>%zu listener%s with "
	    "nothing to show</summary>\n<table>\n", quiet,
	    quiet == 1 ? "" : "s");
	thead(fp, listener_heads, NLHEADS);
	fputs("<tbody>\n", fp);
	json_array_foreach(ls, i, l)
		if (!listener_active(l))
			listener_row(fp, l);
	fputs("</tbody>\n</table>\n</details>\n", fp);
}

static void
page_services(FILE *fp, json_t *ss)
{
	static const char *const heads[] = { "SERVICE", "ACTIVE", "CONNS",
	    "REFUSED_BUSY" };
	json_t *s;
	size_t i;

	fputs("<h2>Services</h2>\n<table id=\"services\">\n", fp);
	thead(fp, heads, sizeof(heads) / sizeof(heads[0]));
	fputs("<tbody>\n", fp);
	json_array_foreach(ss, i, s) {
		fputs("<tr>", fp);
		td(fp, jstr(s, "name"));
		tdi(fp, jint(s, "active"));
		tdi(fp, jint(s, "connections"));
		tdi(fp, jint(s, "refused_busy"));
		fputs("</tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
}

/* A state as a CSS class: letters only, whatever the document says. */
static const char *
state_class(const char *st)
{
	static const char *const known[] = { "busy", "idle", "starting",
	    "draining", "retiring", "backoff", "failed", "stalled",
	    "exiting" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(st, known[i]) == 0)
			return known[i];
	return "other";
}

static void
worker_row(FILE *fp, json_t *w)
{
	const char *st = jstr(w, "state");
	char b[160], r[32];

	fprintf(fp, "<tr class=\"%s\">", state_class(st));
	tdi(fp, jint(w, "slot"));
	tdopt(fp, w, "pid");
	tdi(fp, jint(w, "generation"));
	fprintf(fp, "<td class=\"state\">");
	H(st);
	fputs("</td>", fp);
	if (strcmp(st, "backoff") == 0 || strcmp(st, "failed") == 0) {
		fputs("<td>-</td><td>-</td>", fp);
		for (int i = 0; i < 7; i++)
			tdn(fp, "-");
		if (strcmp(st, "backoff") == 0) {
			human_duration(jnum(w, "retry_in"), r, sizeof(r));
			snprintf(b, sizeof(b), "%s; failures %lld; retry in %s",
			    jstr(w, "last_exit"), jint(w, "failures"), r);
		} else
			snprintf(b, sizeof(b), "%s; until a reload",
			    jstr(w, "last_exit"));
		td(fp, b);
		fputs("</tr>\n", fp);
		return;
	}
	td(fp, jstr(w, "service"));
	td(fp, jstr(w, "peer"));
	human_duration(jnum(w, "for"), b, sizeof(b));
	tdn(fp, b);
	tdi(fp, jint(w, "requests"));
	human_rate(jnum(json_object_get(w, "per_second"), "requests"), b,
	    sizeof(b));
	tdn(fp, b);
	if (json_is_number(json_object_get(w, "cpu_seconds"))) {
		human_duration(jnum(w, "cpu_seconds"), b, sizeof(b));
		tdn(fp, b);
	} else
		tdn(fp, "-");
	if (json_is_integer(json_object_get(w, "rss_bytes")))
		tdbytes(fp, (uint64_t)jint(w, "rss_bytes"));
	else
		tdn(fp, "-");
	tdbytes(fp, (uint64_t)jint(w, "bytes_in"));
	tdbytes(fp, (uint64_t)jint(w, "bytes_out"));
	if (strcmp(st, "draining") == 0) {
		snprintf(b, sizeof(b), "until %s", jstr(w, "deadline"));
		td(fp, b);
	} else
		td(fp, "");
	fputs("</tr>\n", fp);
}

static void
page_workers(FILE *fp, json_t *ws, json_t *pool)
{
	static const char *const heads[] = { "SLOT", "PID", "GEN", "STATE",
	    "SERVICE", "PEER", "FOR", "REQUESTS", "RATE", "CPU", "RSS", "IN",
	    "OUT", "NOTE" };
	long long reqs = 0, rss = 0, in = 0, out = 0;
	double cpu = 0;
	json_t *w;
	size_t i;
	char b[32];

	fputs("<h2>Workers</h2>\n<table id=\"workers\">\n", fp);
	thead(fp, heads, sizeof(heads) / sizeof(heads[0]));
	fputs("<tbody>\n", fp);
	json_array_foreach(ws, i, w) {
		reqs += jint(w, "requests");
		rss += jint(w, "rss_bytes");
		in += jint(w, "bytes_in");
		out += jint(w, "bytes_out");
		cpu += jnum(w, "cpu_seconds");
		worker_row(fp, w);
	}
	fprintf(fp, "</tbody>\n<tfoot><tr><th colspan=\"7\">total</th>");
	tdi(fp, reqs);
	human_rate(jnum(json_object_get(pool, "per_second"), "requests"), b,
	    sizeof(b));
	tdn(fp, b);
	human_duration(cpu, b, sizeof(b));
	tdn(fp, b);
	tdbytes(fp, (uint64_t)rss);
	tdbytes(fp, (uint64_t)in);
	tdbytes(fp, (uint64_t)out);
	fputs("<td></td></tr></tfoot>\n</table>\n", fp);
}

/* A summary row: its label, and text already escaped or built here. */
static void
row(FILE *fp, const char *th, const char *id)
{
	fprintf(fp, "<tr><th>%s</th><td id=\"%s\">", th, id);
}

static void
page_pool(FILE *fp, json_t *p, json_t *pr)
{
	json_t *ps = json_object_get(p, "per_second");
	static const char *const states[] = { "busy", "idle", "starting",
	    "draining", "backoff", "failed" };
	char a[32], b[32], c[32];
	long long n;
	size_t i;

	row(fp, "Pool", "pool");
	fprintf(fp, "%lld workers (target %lld):", jint(p, "total"),
	    jint(p, "target"));
	/* A state is coloured where some worker is in it. */
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		fprintf(fp, "%s <span class=\"%s\">%lld %s</span>",
		    i ? "," : "", jint(p, states[i]) > 0 ? states[i] : "none",
		    jint(p, states[i]), states[i]);
	fputs("</td></tr>\n", fp);
	row(fp, "Spares", "spares");
	fprintf(fp, "%lld..%lld idle, at most %lld workers</td></tr>\n",
	    jint(p, "min_spare"), jint(p, "max_spare"),
	    jint(p, "max_workers"));
	n = jint(p, "saturations");
	if (json_is_true(json_object_get(p, "saturated"))) {
		fputs("<tr><th>Limit</th><td id=\"limit\" class=\"saturated\">"
		    "at max_workers since ", fp);
		H(jstr(p, "saturated_since"));
	} else {
		row(fp, "Limit", "limit");
		fputs("below max_workers", fp);
	}
	fprintf(fp, " (%lld episode%s)</td></tr>\n", n, n == 1 ? "" : "s");
	row(fp, "Connections", "connections");
	fprintf(fp, "%lld of %lld (%lld%%)</td></tr>\n", jint(p, "connections"),
	    jint(p, "capacity"), jint(p, "capacity") > 0 ?
	    jint(p, "connections") * 100 / jint(p, "capacity") : 0);
	human_rate(jnum(ps, "requests"), a, sizeof(a));
	human_bytes_rate(jnum(ps, "bytes_in"), b, sizeof(b));
	human_bytes_rate(jnum(ps, "bytes_out"), c, sizeof(c));
	row(fp, "Traffic", "traffic");
	fprintf(fp, "requests %s, in %s, out %s</td></tr>\n", a, b, c);
	if (!json_is_object(pr))
		return;
	human_duration(jnum(pr, "cpu_seconds"), a, sizeof(a));
	human_bytes((uint64_t)jint(pr, "rss_bytes"), b, sizeof(b));
	row(fp, "Resources", "resources");
	fprintf(fp, "master CPU %s, RSS %s, %lld of %lld fds</td></tr>\n", a,
	    b, jint(pr, "open_fds"), jint(pr, "max_fds"));
}

static const char style[] =
    "body{font-family:sans-serif;margin:1em 2em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.3em 0}"
    "th,td{border:1px solid #bbb;padding:2px 8px;text-align:left}"
    "thead th,tfoot th{background:#eee}td.n{text-align:right;"
    "font-variant-numeric:tabular-nums}tfoot td{font-weight:bold}"
    "tr.busy td{background:#ffe4a8}tr.idle td{background:#dcf2dc}"
    "tr.starting td{background:#e4ecf7}"
    "tr.draining td,tr.retiring td{background:#d6dcf5}"
    "tr.backoff td{background:#f7d0d0}"
    "tr.failed td,tr.stalled td{background:#eea0a0}"
    "span.busy{color:#8a5a00}span.idle{color:#1d6b1d}"
    "span.backoff,span.failed{color:#a01818}"
    "td.saturated{background:#f7d0d0;font-weight:bold}"
    "p.now{color:#555}";

void
status_page(FILE *fp, json_t *st, int refresh)
{
	json_t *n = json_object_get(st, "netd"), *p = json_object_get(st,
	    "pool"), *lr = json_object_get(n, "last_reload");
	char now[32], up[32];
	time_t t = time(NULL);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strlcpy(now, "?", sizeof(now));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n", fp);
	if (refresh > 0)
		fprintf(fp, "<meta http-equiv=\"refresh\" content=\"%d\">\n",
		    refresh);
	fprintf(fp, "<title>netd status</title>\n<style>%s</style>\n"
	    "</head>\n<body>\n<h1>netd ", style);
	H(jstr(n, "version"));
	fputs(" - ", fp);
	H(jstr(n, "state"));
	fprintf(fp, "</h1>\n<p class=\"now\">Current time: <time id=\"now\" "
	    "datetime=\"%s\">%s</time>", now, now);
	if (refresh > 0)
		fprintf(fp, "; refreshed every %ds (<a href=\"/\">stop</a>)",
		    refresh);
	else
		fputs("; refresh every <a href=\"/?refresh=5\">5s</a>, "
		    "<a href=\"/?refresh=30\">30s</a>", fp);
	fputs("</p>\n<table id=\"summary\">\n", fp);
	human_duration(jnum(n, "uptime"), up, sizeof(up));
	row(fp, "Master", "master");
	fprintf(fp, "pid %lld, up %s (since ", jint(n, "pid"), up);
	H(jstr(n, "started"));
	fputs(")</td></tr>\n", fp);
	row(fp, "Config", "config");
	H(jstr(n, "config"));
	fputs("</td></tr>\n", fp);
	row(fp, "Generation", "generation");
	fprintf(fp, "%lld", jint(n, "generation"));
	if (json_is_object(lr)) {
		fputs(" (last reload ", fp);
		H(jstr(lr, "time"));
		fputs(json_is_true(json_object_get(lr, "ok")) ? ": ok, " :
		    ": FAILED, ", fp);
		H(jstr(lr, "message"));
		fputs(")", fp);
	}
	fputs("</td></tr>\n", fp);
	page_pool(fp, p, json_object_get(n, "process"));
	fputs("</table>\n", fp);
	page_listeners(fp, json_object_get(st, "listeners"));
	page_services(fp, json_object_get(st, "services"));
	page_workers(fp, json_object_get(st, "workers"), p);
	fputs("<p><a href=\"/status\">/status</a> (JSON) &middot; "
	    "<a href=\"/metrics\">/metrics</a> (Prometheus)</p>\n"
	    "</body>\n</html>\n", fp);
}

/* ?refresh=N among the query's parameters: N bounded, or 0 for none. */
int
status_page_refresh(const char *query)
{
	const char *p = query;
	long n = 0;
	char *end;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "refresh=", 8) == 0) {
			n = strtol(p + 8, &end, 10);
			if (end == p + 8 || (*end != '\0' && *end != '&'))
				n = 0;
		}
		if ((p = strchr(p, '&')) != NULL)
			p++;
	}
	if (n <= 0)
		return 0;
	return n < STATUS_PAGE_REFRESH_MIN ? STATUS_PAGE_REFRESH_MIN :
	    n > STATUS_PAGE_REFRESH_MAX ? STATUS_PAGE_REFRESH_MAX : (int)n;
}
