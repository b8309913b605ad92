/*
 * Human views of the master's documents: status as a header and aligned
 * tables (listeners, services, workers, connections), like systemctl
 * status and a server scoreboard, in the words of the JSON document and
 * the status page (STATUS FIELDS in netctl(8)); config as the INI it
 * amounts to.  Durations, byte counts and rates have one format each
 * (lib/human.c), shared with the page.
 */
#include <stdio.h>
#include <string.h>

#include "human.h"
#include "jsonget.h"
#include "netctl.h"
#include "table.h"

/* A number at key, integer or real; 0 if neither. */
static double
jnum(json_t *o, const char *k)
{
	return json_number_value(json_object_get(o, k));
}

static void
fmt_int(long long v, char *buf, size_t len)
{
	snprintf(buf, len, "%lld", v);
}

/* An integer field, or "-" where the document has none (null, absent). */
static void
fmt_opt(json_t *o, const char *k, char *buf, size_t len)
{
	json_t *v = json_object_get(o, k);

	if (json_is_integer(v))
		fmt_int((long long)json_integer_value(v), buf, len);
	else
		snprintf(buf, len, "-");
}

static void
listeners_table(json_t *arr, FILE *fp)
{
	static const char *const heads[] = { "LISTENER", "PROTO", "SERVICE",
	    "QUEUE", "PEAK", "CONNS", "DGRAMS", "RATE", "ERRORS", "REFUSED",
	    "DROPPED", "IN", "OUT" };
	static const int right[] = { 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	char q[48], pk[24], c[24], dg[24], rate[24], e[24], r[24], d[24],
	    in[24], out[24];
	struct table t;
	json_t *l, *drops, *v, *queue, *ps;
	const char *k;
	long long dropped;
	size_t i;

	table_init(&t, 13, heads, right);
	json_array_foreach(arr, i, l) {
		dropped = 0;
		drops = json_object_get(l, "drops");
		json_object_foreach(drops, k, v)
			dropped += json_integer_value(v);
		queue = json_object_get(l, "queue");
		if (json_is_object(queue)) {
			snprintf(q, sizeof(q), "%lld/%lld",
			    jint(queue, "length"), jint(queue, "limit"));
			fmt_int(jint(queue, "peak"), pk, sizeof(pk));
		} else {
			snprintf(q, sizeof(q), "-");
			snprintf(pk, sizeof(pk), "-");
		}
		fmt_opt(l, "connections", c, sizeof(c));
		fmt_opt(l, "datagrams", dg, sizeof(dg));
		ps = json_object_get(l, "per_second");
		human_rate(jnum(ps, "connections") + jnum(ps, "datagrams"),
		    rate, sizeof(rate));
		fmt_int(jint(l, "errors"), e, sizeof(e));
		fmt_int(jint(l, "refused"), r, sizeof(r));
		fmt_int(dropped, d, sizeof(d));
		human_bytes((uint64_t)jint(l, "bytes_in"), in, sizeof(in));
		human_bytes((uint64_t)jint(l, "bytes_out"), out, sizeof(out));
		table_add(&t, jstr(l, "address"), jstr(l, "proto"),
		    jstr(l, "service"), q, pk, c, dg, rate, e, r, d, in, out);
	}
	table_print(&t, fp);
	table_free(&t);
}

static void
services_table(json_t *arr, FILE *fp)
{
	static const char *const heads[] = { "SERVICE", "ACTIVE", "CONNS",
	    "REFUSED_BUSY" };
	static const int right[] = { 0, 1, 1, 1 };
	char a[24], c[24], r[24];
	struct table t;
	json_t *s;
	size_t i;

	table_init(&t, 4, heads, right);
	json_array_foreach(arr, i, s) {
		fmt_int(jint(s, "active"), a, sizeof(a));
		fmt_int(jint(s, "connections"), c, sizeof(c));
		fmt_int(jint(s, "refused_busy"), r, sizeof(r));
		table_add(&t, jstr(s, "name"), a, c, r);
	}
	table_print(&t, fp);
	table_free(&t);
}

static void
workers_table(json_t *arr, FILE *fp)
{
	static const char *const heads[] = { "SLOT", "PID", "GEN", "STATE",
	    "SERVICE", "PEER", "FOR", "REQUESTS", "RATE", "CPU", "RSS", "IN",
	    "OUT", "NOTE" };
	static const int right[] = { 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1,
	    0 };
	char slot[16], pid[16], gen[16], dur[24], reqs[24], rate[24],
	    cpu[24], rss[24], in[24], out[24], retry[24], note[160];
	struct table t;
	const char *state;
	json_t *w;
	size_t i;

	table_init(&t, 14, heads, right);
	json_array_foreach(arr, i, w) {
		state = jstr(w, "state");
		fmt_int(jint(w, "slot"), slot, sizeof(slot));
		fmt_int(jint(w, "generation"), gen, sizeof(gen));
		note[0] = '\0';
		if (strcmp(state, "backoff") == 0 ||
		    strcmp(state, "failed") == 0) {
			if (strcmp(state, "failed") == 0)
				snprintf(note, sizeof(note), "%s; until a "
				    "reload", jstr(w, "last_exit"));
			else {
				human_duration(jnum(w, "retry_in"), retry,
				    sizeof(retry));
				snprintf(note, sizeof(note), "%s; failures "
				    "%lld; retry in %s", jstr(w, "last_exit"),
				    jint(w, "failures"), retry);
			}
			table_add(&t, slot, "-", gen, state, "-", "-", "-",
			    "-", "-", "-", "-", "-", "-", note);
			continue;
		}
		if (strcmp(state, "draining") == 0)
			snprintf(note, sizeof(note), "until %s",
			    jstr(w, "deadline"));
		fmt_int(jint(w, "pid"), pid, sizeof(pid));
		human_duration(jnum(w, "for"), dur, sizeof(dur));
		fmt_int(jint(w, "requests"), reqs, sizeof(reqs));
		human_rate(jnum(json_object_get(w, "per_second"), "requests"),
		    rate, sizeof(rate));
		if (json_is_number(json_object_get(w, "cpu_seconds")))
			human_duration(jnum(w, "cpu_seconds"), cpu,
			    sizeof(cpu));
		else
			snprintf(cpu, sizeof(cpu), "-");
		if (json_is_integer(json_object_get(w, "rss_bytes")))
			human_bytes((uint64_t)jint(w, "rss_bytes"), rss,
			    sizeof(rss));
		else
			snprintf(rss, sizeof(rss), "-");
		human_bytes((uint64_t)jint(w, "bytes_in"), in, sizeof(in));
		human_bytes((uint64_t)jint(w, "bytes_out"), out, sizeof(out));
		table_add(&t, slot, pid, gen, state, jstr(w, "service"),
		    jstr(w, "peer"), dur, reqs, rate, cpu, rss, in, out, note);
	}
	table_print(&t, fp);
	table_free(&t);
}

static void
connections_table(json_t *arr, FILE *fp)
{
	static const char *const heads[] = { "SLOT", "PID", "SERVICE",
	    "PEER", "STATE", "FOR", "IN", "OUT" };
	static const int right[] = { 1, 1, 0, 0, 0, 1, 1, 1 };
	char slot[16], pid[16], dur[24], in[24], out[24];
	struct table t;
	json_t *c;
	size_t i;

	table_init(&t, 8, heads, right);
	json_array_foreach(arr, i, c) {
		fmt_int(jint(c, "slot"), slot, sizeof(slot));
		fmt_int(jint(c, "pid"), pid, sizeof(pid));
		human_duration(jnum(c, "for"), dur, sizeof(dur));
		human_bytes((uint64_t)jint(c, "bytes_in"), in, sizeof(in));
		human_bytes((uint64_t)jint(c, "bytes_out"), out, sizeof(out));
		table_add(&t, slot, pid, jstr(c, "service"), jstr(c, "peer"),
		    jstr(c, "state"), dur, in, out);
	}
	table_print(&t, fp);
	table_free(&t);
}

/* The pool's limit: reached now, or how often it was. */
static void
limit_line(json_t *p, FILE *fp)
{
	long long n = jint(p, "saturations");
	char d[32];

	if (json_is_true(json_object_get(p, "saturated")))
		fprintf(fp, "      Limit: at max_workers since %s (%lld "
		    "episode%s)\n", jstr(p, "saturated_since"), n,
		    n == 1 ? "" : "s");
	else if (n > 0) {
		human_duration(jnum(p, "saturated_seconds"), d, sizeof(d));
		fprintf(fp, "      Limit: below max_workers (%lld episode%s, "
		    "%s in all)\n", n, n == 1 ? "" : "s", d);
	} else
		fprintf(fp, "      Limit: below max_workers (0 episodes)\n");
}

static void
header(json_t *doc, FILE *fp)
{
	json_t *n = json_object_get(doc, "netd"), *p = json_object_get(doc,
	    "pool"), *lr = json_object_get(n, "last_reload"),
	    *pr = json_object_get(n, "process"),
	    *ps = json_object_get(p, "per_second");
	char up[32], cpu[32], rss[32], rq[32], in[32], out[32];

	human_duration(jnum(n, "uptime"), up, sizeof(up));
	fprintf(fp, "netd %s - %s\n", jstr(n, "version"), jstr(n, "state"));
	fprintf(fp, "     Master: pid %lld, up %s (since %s)\n",
	    jint(n, "pid"), up, jstr(n, "started"));
	fprintf(fp, "     Config: %s\n", jstr(n, "config"));
	fprintf(fp, " Generation: %lld", jint(n, "generation"));
	if (json_is_object(lr))
		fprintf(fp, " (last reload %s: %s, %s)", jstr(lr, "time"),
		    json_is_true(json_object_get(lr, "ok")) ? "ok" : "FAILED",
		    jstr(lr, "message"));
	fprintf(fp, "\n       Pool: %lld workers (target %lld): %lld busy, "
	    "%lld idle, %lld starting, %lld draining, %lld backoff\n",
	    jint(p, "total"), jint(p, "target"), jint(p, "busy"),
	    jint(p, "idle"), jint(p, "starting"), jint(p, "draining"),
	    jint(p, "backoff"));
	if (jint(p, "failed") > 0)
		fprintf(fp, "             %lld failed: see the workers' notes\n",
		    jint(p, "failed"));
	fprintf(fp, "     Spares: %lld..%lld idle, at most %lld workers\n",
	    jint(p, "min_spare"), jint(p, "max_spare"),
	    jint(p, "max_workers"));
	limit_line(p, fp);
	fprintf(fp, "Connections: %lld of %lld (%lld%%)\n",
	    jint(p, "connections"), jint(p, "capacity"),
	    jint(p, "capacity") > 0 ?
	    jint(p, "connections") * 100 / jint(p, "capacity") : 0);
	human_rate(jnum(ps, "requests"), rq, sizeof(rq));
	human_bytes_rate(jnum(ps, "bytes_in"), in, sizeof(in));
	human_bytes_rate(jnum(ps, "bytes_out"), out, sizeof(out));
	fprintf(fp, "    Traffic: requests %s, in %s, out %s\n", rq, in, out);
	if (json_is_object(pr)) {
		human_duration(jnum(pr, "cpu_seconds"), cpu, sizeof(cpu));
		human_bytes((uint64_t)jint(pr, "rss_bytes"), rss, sizeof(rss));
		fprintf(fp, "  Resources: master CPU %s, RSS %s, %lld of "
		    "%lld fds\n", cpu, rss, jint(pr, "open_fds"),
		    jint(pr, "max_fds"));
	}
}

void
status_print(json_t *doc, FILE *fp)
{
	header(doc, fp);
	fputc('\n', fp);
	listeners_table(json_object_get(doc, "listeners"), fp);
	fputc('\n', fp);
	services_table(json_object_get(doc, "services"), fp);
	fputc('\n', fp);
	workers_table(json_object_get(doc, "workers"), fp);
	if (json_is_array(json_object_get(doc, "connections"))) {
		fputc('\n', fp);
		connections_table(json_object_get(doc, "connections"), fp);
	}
}

static void
print_value(const char *k, json_t *v, FILE *fp)
{
	size_t i;
	json_t *e;

	if (json_is_null(v) || k == NULL || strcmp(k, "ok") == 0 ||
	    strcmp(k, "name") == 0)
		return;
	fprintf(fp, "%s = ", k);
	if (json_is_string(v))
		fputs(json_string_value(v), fp);
	else if (json_is_integer(v))
		fprintf(fp, "%lld", (long long)json_integer_value(v));
	else if (json_is_array(v))
		json_array_foreach(v, i, e)
			fprintf(fp, "%s%s", i ? " " : "",
			    json_string_value(e) ? json_string_value(e) : "?");
	fputc('\n', fp);
}

void
config_print(json_t *doc, FILE *fp)
{
	json_t *g = json_object_get(doc, "netd"), *s, *v;
	const char *k;
	size_t i;

	fprintf(fp, "; effective configuration of %s\n[netd]\n",
	    jstr(doc, "file"));
	json_object_foreach(g, k, v)
		print_value(k, v, fp);
	json_array_foreach(json_object_get(doc, "services"), i, s) {
		fprintf(fp, "\n[service %s]\n", jstr(s, "name"));
		json_object_foreach(s, k, v)
			print_value(k, v, fp);
	}
}
