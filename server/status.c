/*
 * The status and config documents, built with jansson from the scoreboard
 * alone, so that the master (control socket) and a worker (http service)
 * produce the same thing.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "io.h"
#include "log.h"
#include "scoreboard.h"
#include "status.h"
#include "version.h"

static json_t *
iso_time(uint64_t ms)
{
	char buf[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(buf);
}

static const char *drop_names[DROP_NREASONS] = {
	"port", "loop", "broadcast", "rate", "denied",
};

static json_t *
listeners_json(void)
{
	json_t *arr = json_array(), *o, *d;
	struct sb_listener *l;
	const char *p;
	int i, j;

	for (i = 0; i < SB_LISTENERS; i++) {
		l = &sb->listeners[i];
		if (!l->in_use)
			continue;
		d = json_object();
		for (j = 0; j < DROP_NREASONS; j++)
			json_object_set_new(d, drop_names[j],
			    json_integer((json_int_t)SB_LOAD(l->drops[j])));
		p = strrchr(l->addr, ':');
		o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o}",
		    "address", l->addr,
		    "proto", proto_name(l->proto),
		    "service", l->service,
		    "connections", (json_int_t)SB_LOAD(l->connections),
		    "errors", (json_int_t)SB_LOAD(l->errors),
		    "refused", (json_int_t)SB_LOAD(l->refused),
		    "bytes_in", (json_int_t)SB_LOAD(l->bytes_in),
		    "bytes_out", (json_int_t)SB_LOAD(l->bytes_out),
		    "drops", d);
		if (o == NULL)
			continue;
		if (l->proto != PROTO_UNIX && p != NULL)
			json_object_set_new(o, "port", json_integer(atoi(p + 1)));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
services_json(void)
{
	json_t *arr = json_array(), *o;
	struct sb_service *s;
	int i;

	for (i = 0; i < SB_SERVICES; i++) {
		s = &sb->services[i];
		if (!s->in_use)
			continue;
		o = json_pack("{s:s, s:i, s:I, s:I}", "name", s->name,
		    "active", SB_LOAD(s->active),
		    "connections", (json_int_t)SB_LOAD(s->connections),
		    "refused_busy", (json_int_t)SB_LOAD(s->refused_busy));
		if (o != NULL)
			json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
workers_json(uint64_t now, int counts[6])
{
	json_t *arr = json_array(), *o;
	const struct sb_worker *w;
	const struct slot *s;
	const char *st;
	int i;

	for (i = 0; i < SB_SLOTS; i++) {
		s = &sb->slots[i];
		if (s->state == SLOT_FREE)
			continue;
		w = &sb->workers[i];
		st = slot_state_name(i);
		if (s->state == SLOT_BACKOFF) {
			counts[4]++;
			o = json_pack("{s:i, s:n, s:i, s:s, s:s, s:i, s:f, "
			    "s:o}", "slot", i, "pid", "generation",
			    (int)s->generation, "state", st,
			    "last_exit", s->last_exit, "failures", s->fails,
			    "retry_in", s->retry_wall > now ?
			    (double)(s->retry_wall - now) / 1000 : 0.0,
			    "retry_at", iso_time(s->retry_wall));
			if (o != NULL)
				json_array_append_new(arr, o);
			continue;
		}
		if (s->state == SLOT_DRAINING)
			counts[3]++;
		else if (w->state == SB_BUSY)
			counts[1]++;
		else if (w->state == SB_IDLE)
			counts[0]++;
		else
			counts[2]++;
		o = json_pack("{s:i, s:i, s:i, s:s, s:s?, s:s?, s:f, s:I, "
		    "s:I, s:I, s:I, s:I}",
		    "slot", i, "pid", (int)w->pid,
		    "generation", (int)s->generation, "state", st,
		    "service", w->service_name[0] ? w->service_name : NULL,
		    "peer", w->peer[0] ? w->peer : NULL,
		    "for", w->since_ms && now > w->since_ms ?
		    (double)(now - w->since_ms) / 1000 : 0.0,
		    "requests", (json_int_t)w->requests,
		    "bytes_in", (json_int_t)w->bytes_in,
		    "bytes_out", (json_int_t)w->bytes_out,
		    "wakeups", (json_int_t)w->wakeups,
		    "accepts", (json_int_t)w->accepts);
		if (o == NULL)
			continue;
		if (s->state == SLOT_DRAINING)
			json_object_set_new(o, "deadline",
			    iso_time(s->deadline_wall));
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *
status_json(void)
{
	uint64_t now = realtime_ms();
	const struct sb_master *m = &sb->master;
	json_t *doc, *workers, *reload = json_null();
	int counts[6] = { 0 };	/* idle busy starting draining backoff */

	workers = workers_json(now, counts);
	if (m->reload_ms != 0)
		reload = json_pack("{s:o, s:b, s:s}", "time",
		    iso_time(m->reload_ms), "ok", m->reload_ok, "message",
		    m->reload_msg);
	doc = json_pack("{s:{s:s, s:i, s:s, s:f, s:o, s:s, s:i, s:o, s:I, "
	    "s:I}, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}, "
	    "s:o, s:o, s:o}",
	    "netd",
	    "version", NETD_VERSION,
	    "pid", (int)sb->master_pid,
	    "state", m->stopping ? "stopping" : "running",
	    "uptime", (double)(now - sb->master_start_ms) / 1000,
	    "started", iso_time(sb->master_start_ms),
	    "config", m->config,
	    "generation", (int)sb->generation,
	    "last_reload", reload,
	    "reloads", (json_int_t)m->reloads,
	    "reload_failures", (json_int_t)m->reload_failures,
	    "pool",
	    "target", m->target,
	    "total", counts[0] + counts[1] + counts[2],
	    "busy", counts[1],
	    "idle", counts[0],
	    "starting", counts[2],
	    "draining", counts[3],
	    "backoff", counts[4],
	    "min_spare", m->min_spare,
	    "max_spare", m->max_spare,
	    "max_workers", m->max_workers,
	    "listeners", listeners_json(),
	    "services", services_json(),
	    "workers", workers);
	return doc;
}
