/*
 * Human views of the master's documents: status as a header and two
 * aligned tables (listeners, workers), like systemctl status and a server
 * scoreboard; config as the INI it amounts to.
 */
#include <stdio.h>
#include <string.h>

#include "jsonget.h"
#include "netctl.h"
#include "table.h"

static void
fmt_duration(double secs, char *buf, size_t len)
{
	long long s = (long long)secs;

	if (secs < 10)
		snprintf(buf, len, "%.1fs", secs);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

static void
fmt_bytes(long long n, char *buf, size_t len)
{
	const char *unit = "KMGT";
	double v = (double)n;
	int i = -1;

	if (n < 1024) {
		snprintf(buf, len, "%lld", n);
		return;
	}
	while (v >= 1024 && i < 3) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f%c", v, unit[i]);
}

static void
listeners_table(json_t *arr, FILE *fp)
{
	static const char *const heads[] = { "LISTENER", "PROTO", "SERVICE",
	    "CONNS", "ERRORS", "REFUSED", "DROPPED", "IN", "OUT" };
	static const int right[] = { 0, 0, 0, 1, 1, 1, 1, 1, 1 };
	char c[24], e[24], r[24], d[24], in[24], out[24];
	struct table t;
	json_t *l, *drops, *v;
	const char *k;
	long long dropped;
	size_t i;

	table_init(&t, 9, heads, right);
	json_array_foreach(arr, i, l) {
		dropped = 0;
		drops = json_object_get(l, "drops");
		json_object_foreach(drops, k, v)
			dropped += json_integer_value(v);
		snprintf(c, sizeof(c), "%lld", jint(l, "connections"));
		snprintf(e, sizeof(e), "%lld", jint(l, "errors"));
		snprintf(r, sizeof(r), "%lld", jint(l, "refused"));
		snprintf(d, sizeof(d), "%lld", dropped);
		fmt_bytes(jint(l, "bytes_in"), in, sizeof(in));
		fmt_bytes(jint(l, "bytes_out"), out, sizeof(out));
		table_add(&t, jstr(l, "address"), jstr(l, "proto"),
		    jstr(l, "service"), c, e, r, d, in, out);
	}
	table_print(&t, fp);
	table_free(&t);
}

static void
workers_table(json_t *arr, FILE *fp)
{
	static const char *const heads[] = { "SLOT", "PID", "GEN", "STATE",
	    "SERVICE", "PEER", "FOR", "SERVED", "IN", "OUT", "NOTE" };
	static const int right[] = { 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0 };
	char slot[16], pid[16], gen[16], dur[24], served[24], in[24],
	    out[24], note[160];
	struct table t;
	const char *state;
	json_t *w;
	size_t i;

	table_init(&t, 11, heads, right);
	json_array_foreach(arr, i, w) {
		state = jstr(w, "state");
		snprintf(slot, sizeof(slot), "%lld", jint(w, "slot"));
		snprintf(gen, sizeof(gen), "%lld", jint(w, "generation"));
		note[0] = '\0';
		if (strcmp(state, "backoff") == 0 ||
		    strcmp(state, "failed") == 0) {
			if (strcmp(state, "failed") == 0)
				snprintf(note, sizeof(note), "%s; until a "
				    "reload", jstr(w, "last_exit"));
			else
				snprintf(note, sizeof(note), "%s; failures "
				    "%lld; retry in %.1fs", jstr(w, "last_exit"),
				    jint(w, "failures"), json_real_value(
				    json_object_get(w, "retry_in")));
			table_add(&t, slot, "-", gen, state, "-", "-", "-",
			    "-", "-", "-", note);
			continue;
		}
		if (strcmp(state, "draining") == 0)
			snprintf(note, sizeof(note), "until %s",
			    jstr(w, "deadline"));
		snprintf(pid, sizeof(pid), "%lld", jint(w, "pid"));
		fmt_duration(json_real_value(json_object_get(w, "for")), dur,
		    sizeof(dur));
		snprintf(served, sizeof(served), "%lld", jint(w, "requests"));
		fmt_bytes(jint(w, "bytes_in"), in, sizeof(in));
		fmt_bytes(jint(w, "bytes_out"), out, sizeof(out));
		table_add(&t, slot, pid, gen, state, jstr(w, "service"),
		    jstr(w, "peer"), dur, served, in, out,
		    note[0] ? note : "");
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
		snprintf(slot, sizeof(slot), "%lld", jint(c, "slot"));
		snprintf(pid, sizeof(pid), "%lld", jint(c, "pid"));
		fmt_duration(json_real_value(json_object_get(c, "for")), dur,
		    sizeof(dur));
		fmt_bytes(jint(c, "bytes_in"), in, sizeof(in));
		fmt_bytes(jint(c, "bytes_out"), out, sizeof(out));
		table_add(&t, slot, pid, jstr(c, "service"), jstr(c, "peer"),
		    jstr(c, "state"), dur, in, out);
	}
	table_print(&t, fp);
	table_free(&t);
}

void
status_print(json_t *doc, FILE *fp)
{
	json_t *n = json_object_get(doc, "netd"), *p = json_object_get(doc,
	    "pool"), *lr = json_object_get(n, "last_reload");
	char up[32];

	fmt_duration(json_real_value(json_object_get(n, "uptime")), up,
	    sizeof(up));
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
	fprintf(fp, "Connections: %lld of %lld (%lld%%)\n\n",
	    jint(p, "connections"), jint(p, "capacity"),
	    jint(p, "capacity") > 0 ?
	    jint(p, "connections") * 100 / jint(p, "capacity") : 0);
	listeners_table(json_object_get(doc, "listeners"), fp);
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
