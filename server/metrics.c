/*
 * /metrics: the status document as Prometheus text exposition format
 * 0.0.4.  Every family has # HELP and # TYPE, counters end in _total,
 * label values are escaped (backslash, double quote, newline).  Taken
 * from status_json(), so /metrics, /status and `netctl status` agree.
 */
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static const char *drop_reasons[] = {
	"port", "loop", "broadcast", "rate", "denied",
};

static const char *pool_states[] = {
	"idle", "busy", "starting", "draining", "backoff", "failed", "stalled",
};

static long long
jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static void
family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \\, \" and \n escaped. */
static void
label(FILE *fp, const char *name, const char *value, int first)
{
	fprintf(fp, "%s%s=\"", first ? "" : ",", name);
	for (; *value != '\0'; value++) {
		if (*value == '\\' || *value == '"')
			fputc('\\', fp);
		if (*value == '\n')
			fputs("\\n", fp);
		else
			fputc(*value, fp);
	}
	fputc('"', fp);
}

/* name{listener=..,proto=..,service=..} value, for one listener field. */
static void
listener_sample(FILE *fp, const char *name, json_t *l, json_t *v)
{
	fprintf(fp, "%s{", name);
	label(fp, "listener", jstr(l, "address"), 1);
	label(fp, "proto", jstr(l, "proto"), 0);
	label(fp, "service", jstr(l, "service"), 0);
	fprintf(fp, "} %lld\n", (long long)json_integer_value(v));
}

#define L_ALL	0
#define L_STREAM 1	/* TCP and unix listeners: connections */
#define L_DGRAM	2	/* UDP listeners: datagrams */

static const struct {
	const char	*name;
	const char	*field;
	int		 which;
	const char	*help;
} listener_counters[] = {
	{ "netd_listener_connections_total", "connections", L_STREAM,
	    "Connections accepted (TCP and unix listeners)." },
	{ "netd_listener_datagrams_total", "datagrams", L_DGRAM,
	    "Datagrams received (UDP listeners)." },
	{ "netd_listener_received_bytes_total", "bytes_in", L_ALL,
	    "Bytes received from clients." },
	{ "netd_listener_sent_bytes_total", "bytes_out", L_ALL,
	    "Bytes sent to clients." },
	{ "netd_listener_errors_total", "errors", L_ALL,
	    "Accept and service errors." },
	{ "netd_listener_refused_total", "refused", L_ALL,
	    "Connections refused by allow or max_connections." },
};

/* The accept queue of TCP listeners, as the master reads it. */
static const struct {
	const char	*name, *field, *help;
} queue_gauges[] = {
	{ "netd_listener_queue_length", "length",
	    "Connections waiting in the accept queue." },
	{ "netd_listener_queue_limit", "limit",
	    "The accept queue's limit (the listen backlog)." },
	{ "netd_listener_queue_peak", "peak",
	    "The most connections seen waiting in the accept queue." },
};

static int
listener_is(json_t *l, int which)
{
	int udp = strcmp(jstr(l, "proto"), "udp") == 0;

	return which == L_ALL || (which == L_DGRAM) == udp;
}

static void
listeners(FILE *fp, json_t *ls)
{
	json_t *l, *drops, *q;
	size_t i, j, k;

	for (k = 0; k < sizeof(listener_counters) /
	    sizeof(listener_counters[0]); k++) {
		family(fp, listener_counters[k].name, "counter",
		    listener_counters[k].help);
		json_array_foreach(ls, i, l)
			if (listener_is(l, listener_counters[k].which))
				listener_sample(fp, listener_counters[k].name,
				    l, json_object_get(l,
				    listener_counters[k].field));
	}
	for (k = 0; k < sizeof(queue_gauges) / sizeof(queue_gauges[0]);
	    k++) {
		family(fp, queue_gauges[k].name, "gauge", queue_gauges[k].help);
		json_array_foreach(ls, i, l)
			if (json_is_object(q = json_object_get(l, "queue")))
				listener_sample(fp, queue_gauges[k].name, l,
				    json_object_get(q, queue_gauges[k].field));
	}
	family(fp, "netd_udp_drops_total", "counter",
	    "Datagrams not answered, by reason.");
	json_array_foreach(ls, i, l) {
		if (!listener_is(l, L_DGRAM))
			continue;
		drops = json_object_get(l, "drops");
		for (j = 0; j < sizeof(drop_reasons) / sizeof(drop_reasons[0]);
		    j++) {
			fputs("netd_udp_drops_total{", fp);
			label(fp, "listener", jstr(l, "address"), 1);
			label(fp, "service", jstr(l, "service"), 0);
			label(fp, "reason", drop_reasons[j], 0);
			fprintf(fp, "} %lld\n", jint(drops, drop_reasons[j]));
		}
	}
}

/* Per-service families: one row each, read from the status document. */
static const struct {
	const char	*name, *type, *help, *field;
} service_families[] = {
	{ "netd_service_active_connections", "gauge",
	    "Connections being served now.", "active" },
	{ "netd_service_connections_total", "counter",
	    "Connections served or refused as busy.", "connections" },
	{ "netd_service_busy_refused_total", "counter",
	    "Connections refused over max_connections.", "refused_busy" },
};

static void
services(FILE *fp, json_t *ss)
{
	json_t *s;
	size_t i, f;

	for (f = 0; f < sizeof(service_families) /
	    sizeof(service_families[0]); f++) {
		family(fp, service_families[f].name, service_families[f].type,
		    service_families[f].help);
		json_array_foreach(ss, i, s) {
			fprintf(fp, "%s{", service_families[f].name);
			label(fp, "service", jstr(s, "name"), 1);
			fprintf(fp, "} %lld\n", jint(s, service_families[f].field));
		}
	}
}

/* netd_worker_exits_total{reason=...}, from status's pool.exits. */
static void
worker_exits(FILE *fp, json_t *exits)
{
	const char *k;
	json_t *v;

	family(fp, "netd_worker_exits_total", "counter",
	    "Worker processes that ended, by reason.");
	json_object_foreach(exits, k, v) {
		fputs("netd_worker_exits_total{", fp);
		label(fp, "reason", k, 1);
		fprintf(fp, "} %lld\n", (long long)json_integer_value(v));
	}
}

/* Each worker's CPU time and memory, as the master reads them in /proc. */
static void
workers(FILE *fp, json_t *ws)
{
	static const struct {
		const char	*name, *type, *help, *field;
	} fams[] = {
		{ "netd_worker_cpu_seconds_total", "counter",
		    "User and system CPU time of the worker in a slot.",
		    "cpu_seconds" },
		{ "netd_worker_resident_memory_bytes", "gauge",
		    "Resident memory of the worker in a slot.", "rss_bytes" },
		{ "netd_worker_requests_total", "counter",
		    "Requests served by the worker in a slot.", "requests" },
	};
	json_t *w, *v;
	size_t i, f;

	for (f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family(fp, fams[f].name, fams[f].type, fams[f].help);
		json_array_foreach(ws, i, w) {
			if (!json_is_number(v = json_object_get(w,
			    fams[f].field)))
				continue;
			fprintf(fp, "%s{slot=\"%lld\"} ", fams[f].name,
			    jint(w, "slot"));
			if (json_is_integer(v))
				fprintf(fp, "%lld\n",
				    (long long)json_integer_value(v));
			else
				fprintf(fp, "%.3f\n", json_real_value(v));
		}
	}
}

/* The master's standard process_* families (Prometheus client style). */
static void
process(FILE *fp, json_t *p)
{
	family(fp, "process_cpu_seconds_total", "counter",
	    "Total user and system CPU time spent in seconds.");
	fprintf(fp, "process_cpu_seconds_total %.3f\n",
	    json_number_value(json_object_get(p, "cpu_seconds")));
	family(fp, "process_resident_memory_bytes", "gauge",
	    "Resident memory size in bytes.");
	fprintf(fp, "process_resident_memory_bytes %lld\n",
	    jint(p, "rss_bytes"));
	family(fp, "process_virtual_memory_bytes", "gauge",
	    "Virtual memory size in bytes.");
	fprintf(fp, "process_virtual_memory_bytes %lld\n",
	    jint(p, "virtual_bytes"));
	family(fp, "process_open_fds", "gauge",
	    "Number of open file descriptors.");
	fprintf(fp, "process_open_fds %lld\n", jint(p, "open_fds"));
	family(fp, "process_max_fds", "gauge",
	    "Maximum number of open file descriptors.");
	fprintf(fp, "process_max_fds %lld\n", jint(p, "max_fds"));
	family(fp, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.");
	fprintf(fp, "process_start_time_seconds %.3f\n",
	    json_number_value(json_object_get(p, "start_time")));
}

int
metrics_write(FILE *fp, json_t *status)
{
	json_t *n = json_object_get(status, "netd");
	json_t *pool = json_object_get(status, "pool");
	size_t i;

	family(fp, "netd_info", "gauge", "The running netd, by version.");
	fputs("netd_info{", fp);
	label(fp, "version", jstr(n, "version"), 1);
	fputs("} 1\n", fp);
	family(fp, "netd_uptime_seconds", "gauge",
	    "Seconds since the master started.");
	fprintf(fp, "netd_uptime_seconds %.3f\n",
	    json_number_value(json_object_get(n, "uptime")));
	family(fp, "netd_generation", "gauge",
	    "Configuration generation (1 at start, +1 per reload).");
	fprintf(fp, "netd_generation %lld\n", jint(n, "generation"));
	family(fp, "netd_reloads_total", "counter", "Successful reloads.");
	fprintf(fp, "netd_reloads_total %lld\n", jint(n, "reloads"));
	family(fp, "netd_reload_failures_total", "counter",
	    "Reloads refused because of configuration errors.");
	fprintf(fp, "netd_reload_failures_total %lld\n",
	    jint(n, "reload_failures"));
	family(fp, "netd_workers", "gauge", "Worker processes by state.");
	for (i = 0; i < sizeof(pool_states) / sizeof(pool_states[0]); i++) {
		fputs("netd_workers{", fp);
		label(fp, "state", pool_states[i], 1);
		fprintf(fp, "} %lld\n", jint(pool, pool_states[i]));
	}
	family(fp, "netd_workers_target", "gauge", "Pool size aimed at.");
	fprintf(fp, "netd_workers_target %lld\n", jint(pool, "target"));
	family(fp, "netd_workers_max", "gauge", "max_workers.");
	fprintf(fp, "netd_workers_max %lld\n", jint(pool, "max_workers"));
	worker_exits(fp, json_object_get(pool, "exits"));
	family(fp, "netd_pool_saturated", "gauge",
	    "1 while the pool is at its limit: max_workers reached, no free "
	    "connection slot.");
	fprintf(fp, "netd_pool_saturated %d\n",
	    json_is_true(json_object_get(pool, "saturated")));
	family(fp, "netd_pool_saturations_total", "counter",
	    "Episodes of the pool at its limit.");
	fprintf(fp, "netd_pool_saturations_total %lld\n",
	    jint(pool, "saturations"));
	family(fp, "netd_pool_saturated_seconds_total", "counter",
	    "Seconds the pool spent at its limit.");
	fprintf(fp, "netd_pool_saturated_seconds_total %.3f\n",
	    json_number_value(json_object_get(pool, "saturated_seconds")));
	listeners(fp, json_object_get(status, "listeners"));
	services(fp, json_object_get(status, "services"));
	workers(fp, json_object_get(status, "workers"));
	process(fp, json_object_get(n, "process"));
	return ferror(fp) ? -1 : 0;
}
