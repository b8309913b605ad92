/*
 * Reload: parse and check the configuration again, carry listeners over
 * (the same address keeps its socket and queue), bind new ones, close
 * removed ones, then swap generations: old workers drain, new ones start.
 * A configuration that fails any check changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "master.h"
#include "pool.h"
#include "privs.h"
#include "scoreboard.h"
#include "service.h"

static void
report_add(struct reload_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
report_add(struct reload_report *rep, const char *fmt, ...)
{
	char *s, **n;
	va_list ap;
	int rc;

	if (rep == NULL)
		return;
	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc == -1)
		return;
	if ((n = reallocarray(rep->lines, rep->nlines + 1,
	    sizeof(*n))) == NULL) {
		free(s);
		return;
	}
	rep->lines = n;
	rep->lines[rep->nlines++] = s;
}

void
reload_report_free(struct reload_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nlines; i++)
		free(rep->lines[i]);
	free(rep->lines);
	rep->lines = NULL;
	rep->nlines = 0;
}

void
listener_remove(struct listener *l)
{
	if (l->addr.proto == PROTO_UNIX &&
	    unlink(((struct sockaddr_un *)&l->addr.ss)->sun_path) == -1 &&
	    errno != ENOENT)
		log_warn("unlink %s", l->addr.text);
	listener_close(l);
	scoreboard_listener_free(l->sb);
}

static int
err_key_line(const struct service_conf *svc, const char *err)
{
	char key[32];

	if (sscanf(err, "key '%31[a-z_]'", key) == 1)
		return config_service_key_line(svc, key);
	return svc->line;
}

/* Counters for every configured service, made before workers fork. */
void
services_register(const struct netd_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nservices; i++)
		if (scoreboard_service_index(cfg->services[i].name, 1) == -1)
			log_warnx("service '%s': no room for its counters "
			    "(%d services since start)", cfg->services[i].name,
			    SB_SERVICES);
}

/* Checks a config needs beyond parsing: users exist, services can run. */
int
master_config_check(const struct netd_config *cfg, struct reload_report *rep)
{
	const struct service_type *st;
	char err[512];
	size_t i;
	int ok = 1, line;

	if (privs_check(cfg, err, sizeof(err)) == -1) {
		report_add(rep, "%s", err);
		log_warnx("%s", err);
		ok = 0;
	}
	for (i = 0; i < cfg->nservices; i++) {
		st = service_lookup(cfg->services[i].type);
		if (st == NULL) {
			report_add(rep, "%s:%d: service '%s': type %s is not "
			    "available in this build", cfg->path,
			    cfg->services[i].line, cfg->services[i].name,
			    svc_type_name(cfg->services[i].type));
			log_warnx("%s:%d: service '%s': type %s is not "
			    "available in this build", cfg->path,
			    cfg->services[i].line, cfg->services[i].name,
			    svc_type_name(cfg->services[i].type));
			ok = 0;
			continue;
		}
		if (st->check != NULL &&
		    st->check(cfg, &cfg->services[i], err, sizeof(err)) == -1) {
			/* err names the key ("key 'dir': ..."): its line */
			line = err_key_line(&cfg->services[i], err);
			report_add(rep, "%s:%d: %s", cfg->path, line, err);
			log_warnx("%s:%d: %s", cfg->path, line, err);
			ok = 0;
		}
	}
	return ok ? 0 : -1;
}

/*
 * Is old listener o the one configured as l?  The same configured text;
 * for port 0 (a port the kernel chose) also the same service, since the
 * text alone says nothing about which socket it was.
 */
static int
listener_same(const struct listener *o, const struct listener *l,
    const struct service_conf *svc)
{
	if (o->fd < 0 || strcmp(o->conf, l->conf) != 0)
		return 0;
	if (l->addr.proto == PROTO_UNIX ||
	    sockaddr_port((const struct sockaddr *)&l->addr.ss) != 0)
		return 1;
	return o->sb >= 0 &&
	    strcmp(sb->listeners[o->sb].service, svc->name) == 0;
}

/*
 * Build the listener set of cfg: reuse an open listener whose configured
 * address is the same (its queue carries over), bind the rest.  Old
 * listeners taken over get fd -1 in the old array.  On failure, nothing
 * newly bound stays open.
 */
int
listeners_build(const struct netd_config *cfg, struct listener *old,
    size_t nold, struct listener **out, size_t *nout, int dry_run,
    struct reload_report *rep)
{
	struct listener *ls = NULL, *l;
	const struct service_conf *svc;
	size_t i, j, k, n = 0, total = 0;
	char err[512];

	for (i = 0; i < cfg->nservices; i++)
		total += cfg->services[i].nlistens;
	if ((ls = calloc(total ? total : 1, sizeof(*ls))) == NULL) {
		report_add(rep, "out of memory");
		return -1;
	}
	for (i = 0; i < cfg->nservices; i++) {
		svc = &cfg->services[i];
		for (j = 0; j < svc->nlistens; j++) {
			l = &ls[n];
			l->addr = svc->listens[j];
			strlcpy(l->conf, svc->listens[j].text, sizeof(l->conf));
			l->svc = (int)i;
			l->fd = -1;
			l->sb = -1;
			for (k = 0; k < nold; k++)
				if (listener_same(&old[k], l, svc))
					break;
			if (k < nold) {
				l->addr = old[k].addr;
				l->sb = old[k].sb;
				l->fd = dry_run ? -2 : old[k].fd;
				if (!dry_run)
					old[k].fd = -1;
				else
					old[k].fd = -2 - old[k].fd;
				n++;
				continue;
			}
			if (dry_run) {
				report_add(rep, "would open %s (service %s)",
				    l->addr.text, svc->name);
				n++;
				continue;
			}
			if (listener_open(l, err, sizeof(err)) == -1) {
				report_add(rep, "%s:%d: key 'listen': cannot "
				    "listen on %s", cfg->path,
				    svc->listen_lines[j], err);
				log_warnx("%s:%d: key 'listen': cannot listen "
				    "on %s", cfg->path, svc->listen_lines[j],
				    err);
				goto fail;
			}
			l->sb = scoreboard_listener_alloc(l->addr.proto,
			    l->addr.text, svc->name);
			log_info("listening on %s (service %s)", l->addr.text,
			    svc->name);
			if (old != NULL)
				report_add(rep, "opened %s (service %s)",
				    l->addr.text, svc->name);
			n++;
		}
	}
	if (dry_run)	/* report what nobody took over, undo the marks */
		for (k = 0; k < nold; k++) {
			if (old[k].fd >= 0)
				report_add(rep, "would close %s",
				    old[k].addr.text);
			else if (old[k].fd <= -2)
				old[k].fd = -2 - old[k].fd;
		}
	*out = ls;
	*nout = n;
	return 0;
fail:
	for (k = 0; k < n; k++) {
		if (ls[k].fd < 0)
			continue;
		/* give taken-over listeners back, close new ones */
		for (i = 0; i < nold; i++)
			if (old[i].fd == -1 &&
			    strcmp(old[i].conf, ls[k].conf) == 0) {
				old[i].fd = ls[k].fd;
				break;
			}
		if (i == nold)
			listener_remove(&ls[k]);
	}
	free(ls);
	return -1;
}

static void
service_changes(const struct netd_config *a, const struct netd_config *b,
    struct reload_report *rep)
{
	const struct service_conf *s, *t;
	size_t i, j;

	for (i = 0; i < b->nservices; i++) {
		t = &b->services[i];
		for (j = 0; j < a->nservices; j++)
			if (strcmp(a->services[j].name, t->name) == 0)
				break;
		if (j == a->nservices) {
			report_add(rep, "service %s added", t->name);
			continue;
		}
		s = &a->services[j];
		if (config_service_diff(s, t, NULL, 0) > 0)
			report_add(rep, "service %s changed", t->name);
	}
	for (j = 0; j < a->nservices; j++) {
		for (i = 0; i < b->nservices; i++)
			if (strcmp(a->services[j].name,
			    b->services[i].name) == 0)
				break;
		if (i == b->nservices)
			report_add(rep, "service %s removed",
			    a->services[j].name);
	}
}

int
master_reload(int dry_run, struct reload_report *rep)
{
	struct netd_config *cfg;
	struct config_errors errs;
	struct listener *ls;
	size_t i, nls;

	memset(rep, 0, sizeof(*rep));
	rep->dry_run = dry_run;
	rep->from = rep->to = master.generation;
	if (master.stopping) {
		report_add(rep, "netd is stopping");
		return -1;
	}
	log_notice("%s configuration %s", dry_run ? "checking" : "reloading",
	    master.cfg->path);
	if ((cfg = config_load(master.cfg->path, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++) {
			report_add(rep, "%s", errs.msg[i]);
			log_warnx("%s", errs.msg[i]);
		}
		if (errs.n == 0)
			report_add(rep, "%s: cannot load", master.cfg->path);
		config_errors_free(&errs);
		goto refused;
	}
	if (master_config_check(cfg, rep) == -1 ||
	    listeners_build(cfg, master.ls, master.nls, &ls, &nls, dry_run,
	    rep) == -1) {
		config_free(cfg);
		goto refused;
	}
	service_changes(master.cfg, cfg, rep);
	if (dry_run) {
		free(ls);
		config_free(cfg);
		rep->ok = 1;
		rep->to = master.generation + 1;
		return 0;
	}
	/* Listeners no longer configured: close (old workers hold theirs). */
	for (i = 0; i < master.nls; i++) {
		if (master.ls[i].fd == -1)
			continue;
		log_info("closing %s", master.ls[i].addr.text);
		report_add(rep, "closed %s", master.ls[i].addr.text);
		listener_remove(&master.ls[i]);
	}
	for (i = 0; i < nls; i++)
		strlcpy(sb->listeners[ls[i].sb].service,
		    cfg->services[ls[i].svc].name,
		    sizeof(sb->listeners[0].service));
	free(master.ls);
	config_free(master.cfg);
	services_register(cfg);
	master.ls = ls;
	master.nls = nls;
	master.cfg = cfg;
	log_set_level(cfg->log_level);
	master.generation++;
	sb->generation = master.generation;
	pool.generation = master.generation;
	pool.target = cfg->workers;
	pool.min_spare = cfg->min_spare;
	pool.max_spare = cfg->max_spare;
	pool.max_workers = cfg->max_workers;
	pool.shutdown_timeout_ms = cfg->shutdown_timeout_ms;
	pool_drain_generation(master.generation, cfg->shutdown_timeout_ms);
	pool_maintain();
	rep->ok = 1;
	rep->to = master.generation;
	sb->master.reloads++;
	sb->master.reload_ok = 1;
	sb->master.reload_ms = realtime_ms();
	snprintf(sb->master.reload_msg, sizeof(sb->master.reload_msg),
	    "generation %u -> %u", rep->from, rep->to);
	log_notice("reloaded: generation %u -> %u", rep->from, rep->to);
	master_title();
	return 0;
refused:
	if (!dry_run) {
		sb->master.reload_failures++;
		sb->master.reload_ok = 0;
		sb->master.reload_ms = realtime_ms();
		snprintf(sb->master.reload_msg, sizeof(sb->master.reload_msg),
		    "refused: %s", rep->nlines > 0 ? rep->lines[0] : "error");
	}
	log_warnx("reload refused: configuration has errors; still serving "
	    "generation %u", master.generation);
	return -1;
}

