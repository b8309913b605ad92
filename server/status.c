/*
 * The status and config documents, built with jansson from the scoreboard
 * alone, so that the master (control socket) and a worker (http service)
 * produce the same thing.  Every text in it goes through utf8_json_n(),
 * read within its array: a name, path or message that is not UTF-8 is
 * repaired, never a reason to drop the document, and a row a worker
 * scribbled over is read no further than its field.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "io.h"
#include "log.h"
#include "scoreboard.h"
#include "status.h"
#include "utf8.h"
#include "version.h"

/* A text field of the scoreboard: a char array, NUL or not. */
#define TEXT(field)	utf8_json_n((field), sizeof(field))

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
	const struct sbv_listener *m;
	struct sb_listener_count *l;
	char addr[sizeof(m->addr)], *p;
	int i, j;

	for (i = 0; i < SB_LISTENERS; i++) {
		m = &sbv->listeners[i];
		l = &sb->listeners[i];
		if (!m->in_use)
			continue;
		d = json_object();
		for (j = 0; j < DROP_NREASONS; j++)
			json_object_set_new(d, drop_names[j],
			    json_integer((json_int_t)SB_LOAD(l->drops[j])));
		/* A copy that surely ends, for its port. */
		memcpy(addr, m->addr, sizeof(addr));
		addr[sizeof(addr) - 1] = '\0';
		p = strrchr(addr, ':');
		o = json_pack("{s:o, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:o}",
		    "address", TEXT(m->addr),
		    "proto", proto_name(m->proto),
		    "service", TEXT(m->service),
		    "connections", (json_int_t)SB_LOAD(l->connections),
		    "errors", (json_int_t)SB_LOAD(l->errors),
		    "refused", (json_int_t)SB_LOAD(l->refused),
		    "bytes_in", (json_int_t)SB_LOAD(l->bytes_in),
		    "bytes_out", (json_int_t)SB_LOAD(l->bytes_out),
		    "drops", d);
		if (o == NULL)
			continue;
		if (m->proto != PROTO_UNIX && p != NULL)
			json_object_set_new(o, "port", json_integer(atoi(p + 1)));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
services_json(void)
{
	json_t *arr = json_array(), *o;
	struct sb_service_count *s;
	int i;

	for (i = 0; i < SB_SERVICES; i++) {
		if (!sbv->services[i].in_use)
			continue;
		s = &sb->services[i];
		o = json_pack("{s:o, s:i, s:I, s:I}", "name",
		    TEXT(sbv->services[i].name),
		    "active", SB_LOAD(s->active),
		    "connections", (json_int_t)SB_LOAD(s->connections),
		    "refused_busy", (json_int_t)SB_LOAD(s->refused_busy));
		if (o != NULL)
			json_array_append_new(arr, o);
	}
	return arr;
}

enum { N_IDLE, N_BUSY, N_STARTING, N_DRAINING, N_BACKOFF, N_FAILED,
	N_STALLED, N_MAX };

/* What status calls a slot: the master's view first, then the worker's. */
static const char *
slot_state(const struct sbv_slot *s, int worker_state)
{
	if (s->state == SBV_RUNNING)
		return sb_state_name(worker_state);
	return sbv_slot_state_name(s->state);
}

static uint64_t conns, capacity;	/* of the last workers_json() */

static json_t *
workers_json(uint64_t now, int counts[N_MAX])
{
	json_t *arr = json_array(), *o;
	const struct sb_worker *w;
	const struct sbv_slot *s;
	const char *st;
	int i, ws;

	conns = capacity = 0;
	for (i = 0; i < SB_SLOTS; i++) {
		s = &sbv->slots[i];
		if (s->state == SBV_FREE)
			continue;
		w = &sb->workers[i];
		ws = scoreboard_worker_state(i);
		st = slot_state(s, ws);
		if (s->state == SBV_BACKOFF || s->state == SBV_FAILED) {
			counts[s->state == SBV_BACKOFF ? N_BACKOFF :
			    N_FAILED]++;
			o = json_pack("{s:i, s:n, s:i, s:s, s:o, s:i, s:f, "
			    "s:o}", "slot", i, "pid", "generation",
			    (int)s->generation, "state", st,
			    "last_exit", TEXT(s->last_exit), "failures",
			    s->fails,
			    "retry_in", s->state == SBV_BACKOFF &&
			    s->retry_ms > now ?
			    (double)(s->retry_ms - now) / 1000 : 0.0,
			    "retry_at", s->state == SBV_BACKOFF ?
			    iso_time(s->retry_ms) : json_null());
			if (o != NULL)
				json_array_append_new(arr, o);
			continue;
		}
		if (s->state == SBV_STALLED)
			counts[N_STALLED]++;
		else if (s->state == SBV_DRAINING)
			counts[N_DRAINING]++;
		else if (ws == SB_BUSY)
			counts[N_BUSY]++;
		else if (ws == SB_IDLE)
			counts[N_IDLE]++;
		else
			counts[N_STARTING]++;
		conns += SB_LOAD(w->conns);
		if (s->state == SBV_RUNNING)
			capacity += SB_LOAD(w->conn_max);
		o = json_pack("{s:i, s:i, s:i, s:s, s:o, s:o, s:f, s:I, "
		    "s:I, s:I, s:I, s:I, s:i, s:i, s:{s:i, s:i, s:i, s:i}, "
		    "s:{s:I, s:I, s:I}}",
		    "slot", i, "pid", (int)s->pid,
		    "generation", (int)s->generation, "state", st,
		    "service", w->service_name[0] ? TEXT(w->service_name) :
		    json_null(),
		    "peer", w->peer[0] ? TEXT(w->peer) : json_null(),
		    "for", w->since_ms && now > w->since_ms ?
		    (double)(now - w->since_ms) / 1000 : 0.0,
		    "requests", (json_int_t)w->requests,
		    "bytes_in", (json_int_t)w->bytes_in,
		    "bytes_out", (json_int_t)w->bytes_out,
		    "wakeups", (json_int_t)w->wakeups,
		    "accepts", (json_int_t)w->accepts,
		    "connections", (int)SB_LOAD(w->conns),
		    "worker_connections", (int)SB_LOAD(w->conn_max),
		    "states",
		    "reading", (int)SB_LOAD(w->conn_states[0]),
		    "writing", (int)SB_LOAD(w->conn_states[1]),
		    "keepalive", (int)SB_LOAD(w->conn_states[2]),
		    "closing", (int)SB_LOAD(w->conn_states[3]),
		    "refused",
		    "denied", (json_int_t)SB_LOAD(w->refused[REFUSE_DENIED]),
		    "busy", (json_int_t)SB_LOAD(w->refused[REFUSE_BUSY]),
		    "per_source",
		    (json_int_t)SB_LOAD(w->refused[REFUSE_SOURCE]));
		if (o == NULL)
			continue;
		if (s->state == SBV_DRAINING)
			json_object_set_new(o, "deadline",
			    iso_time(s->deadline_ms));
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *
status_json(void)
{
	uint64_t now = realtime_ms();
	json_t *doc, *workers, *reload = json_null();
	int counts[N_MAX] = { 0 };

	workers = workers_json(now, counts);
	if (sbv->reload_ms != 0)
		reload = json_pack("{s:o, s:b, s:o}", "time",
		    iso_time(sbv->reload_ms), "ok", sbv->reload_ok, "message",
		    TEXT(sbv->reload_msg));
	doc = json_pack("{s:{s:s, s:i, s:s, s:f, s:o, s:o, s:i, s:o, s:I, "
	    "s:I}, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, "
	    "s:i, s:i, s:I, s:I, s:I}, s:o, s:o, s:o}",
	    "netd",
	    "version", NETD_VERSION,
	    "pid", (int)sbv->master_pid,
	    "state", sbv->stopping ? "stopping" : "running",
	    "uptime", (double)(now - sbv->master_start_ms) / 1000,
	    "started", iso_time(sbv->master_start_ms),
	    "config", TEXT(sbv->config),
	    "generation", (int)sbv->generation,
	    "last_reload", reload,
	    "reloads", (json_int_t)sbv->reloads,
	    "reload_failures", (json_int_t)sbv->reload_failures,
	    "pool",
	    "target", sbv->target,
	    "total", counts[N_IDLE] + counts[N_BUSY] + counts[N_STARTING],
	    "busy", counts[N_BUSY],
	    "idle", counts[N_IDLE],
	    "starting", counts[N_STARTING],
	    "draining", counts[N_DRAINING],
	    "backoff", counts[N_BACKOFF],
	    "failed", counts[N_FAILED],
	    "stalled", counts[N_STALLED],
	    "min_spare", sbv->min_spare,
	    "max_spare", sbv->max_spare,
	    "max_workers", sbv->max_workers,
	    "stalls", (json_int_t)sbv->stalls,
	    "connections", (json_int_t)conns,
	    "capacity", (json_int_t)capacity,
	    "listeners", listeners_json(),
	    "services", services_json(),
	    "workers", workers);
	return doc;
}

static const char *const conn_states[SB_CONN_STATES] = {
	"reading", "writing", "keepalive", "closing",
};

json_t *
status_connections_json(void)
{
	json_t *arr = json_array(), *o;
	const struct sb_conn *c;
	const struct sbv_slot *s;
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	uint64_t now = realtime_ms();
	char peer[PEER_TEXT_MAX];
	const char *svc;
	uint32_t hw, r;
	int i;

	for (i = 0; i < SB_SLOTS; i++) {
		s = &sbv->slots[i];
		if (s->state == SBV_FREE || s->pid == 0)
			continue;
		/* Only the rows it used: the rest of the table is untouched. */
		hw = SB_LOAD(sb->workers[i].table_hw);
		if (hw > SB_CONN_ROWS)
			hw = SB_CONN_ROWS;
		for (r = 0; r < hw; r++) {
			c = &sbconn[(size_t)i * SB_CONN_ROWS + r];
			if (!c->in_use)
				continue;
			memset(&ss, 0, sizeof(ss));
			ss.ss_family = c->family;
			if (c->family == AF_INET) {
				memcpy(&s4->sin_addr, c->addr, 4);
				s4->sin_port = htons(c->port);
			} else if (c->family == AF_INET6) {
				memcpy(&s6->sin6_addr, c->addr, 16);
				s6->sin6_port = htons(c->port);
			}
			sockaddr_format((struct sockaddr *)&ss, sizeof(ss),
			    peer, sizeof(peer));
			svc = c->service < SB_SERVICES &&
			    sbv->services[c->service].in_use ?
			    sbv->services[c->service].name : "?";
			o = json_pack("{s:i, s:i, s:s, s:s, s:s, s:f, s:I, s:I}",
			    "slot", i, "pid", (int)s->pid, "service", svc,
			    "peer", peer, "state", c->state < SB_CONN_STATES ?
			    conn_states[c->state] : "?",
			    "for", c->since_ms && now > c->since_ms ?
			    (double)(now - c->since_ms) / 1000 : 0.0,
			    "bytes_in", (json_int_t)c->bytes_in,
			    "bytes_out", (json_int_t)c->bytes_out);
			if (o != NULL)
				json_array_append_new(arr, o);
		}
	}
	return arr;
}
