/*
 * Configuration generations.  Start, `netd -t`, reload and a dry run all
 * load through generation_load(): parse, check what parsing cannot (users,
 * groups, what each service type needs), then build the listener set
 * from the previous generation, which is only read: a listener whose
 * configured address it already has is taken over (same socket, same
 * queue, same counters); the rest are bound.  The first generation takes
 * the sockets passed at start instead, where one matches (inherit.c).
 * generation_commit() then closes what the new generation did not take
 * over.  A generation that fails anywhere leaves the previous one exactly
 * as it was.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "bind_why.h"
#include "generation.h"
#include "inherit.h"
#include "log.h"
#include "privs.h"
#include "safedir.h"
#include "scoreboard.h"
#include "service.h"

/* The line of the key an error message names ("key 'dir': ..."). */
static int
err_key_line(const struct service_conf *svc, const char *err)
{
	char key[32];

	if (sscanf(err, "key '%31[a-z_]'", key) == 1)
		return config_service_key_line(svc, key);
	return svc->line;
}

/* "FILE:LINE: " or, for a key left at its default, "FILE: ". */
static void
path_error(const struct netd_config *cfg, int line, const char *key,
    const char *err, struct report *rep)
{
	if (line > 0)
		report_add(rep, "%s:%d: key '%s': %s", cfg->path, line, key,
		    err);
	else
		report_add(rep, "%s: key '%s' (default): %s", cfg->path, key,
		    err);
}

/* Is a directory d1 the same as d2 or one of its parents? */
static int
dir_within(const char *d1, const char *d2)
{
	size_t n = strlen(d1);

	return strncmp(d1, d2, n) == 0 && (d2[n] == '\0' || d2[n] == '/' ||
	    strcmp(d1, "/") == 0);
}

/*
 * The files netd makes, checked without making them: the control socket
 * fits a socket address; its directory, the pid file's and every unix
 * listener's are safe (safedir) and exist, except what netd makes at
 * start (the control socket's directory and its parents).
 */
static int
paths_check(const struct netd_config *cfg, struct report *rep)
{
	char sockdir[PATH_MAX], dir[PATH_MAX], err[512];
	const struct service_conf *svc;
	const struct sockaddr_un *sun;
	struct stat st;
	size_t i, j;
	int ok = 1, bad, flags;

	if (strlen(cfg->control_socket) >= sizeof(sun->sun_path)) {
		snprintf(err, sizeof(err), "%s: longer than %zu bytes",
		    cfg->control_socket, sizeof(sun->sun_path) - 1);
		path_error(cfg, config_key_line(cfg, "control_socket"),
		    "control_socket", err, rep);
		ok = 0;
	}
	safedir_of(cfg->control_socket, sockdir, sizeof(sockdir));
	if (safedir_check(cfg, sockdir, SAFEDIR_MAY_MISS, err,
	    sizeof(err)) == -1) {
		path_error(cfg, config_key_line(cfg, "control_socket"),
		    "control_socket", err, rep);
		ok = 0;
	}
	if (cfg->pid_file != NULL) {
		safedir_of(cfg->pid_file, dir, sizeof(dir));
		flags = dir_within(dir, sockdir) ? SAFEDIR_MAY_MISS : 0;
		bad = 0;
		if (stat(cfg->pid_file, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(err, sizeof(err), "%s is a directory",
			    cfg->pid_file);
			bad = 1;
		} else if (safedir_check(cfg, dir, flags, err,
		    sizeof(err)) == -1)
			bad = 1;
		if (bad) {
			path_error(cfg, config_key_line(cfg, "pid_file"),
			    "pid_file", err, rep);
			ok = 0;
		}
	}
	for (i = 0; i < cfg->nservices; i++) {
		svc = &cfg->services[i];
		for (j = 0; j < svc->nlistens; j++) {
			if (svc->listens[j].proto != PROTO_UNIX)
				continue;
			sun = (const struct sockaddr_un *)&svc->listens[j].ss;
			if (safedir_check(cfg, safedir_of(sun->sun_path, dir,
			    sizeof(dir)), 0, err, sizeof(err)) == -1) {
				path_error(cfg, svc->listen_lines[j], "listen",
				    err, rep);
				ok = 0;
			}
		}
	}
	return ok ? 0 : -1;
}

/* What a configuration needs beyond parsing: users, service types. */
static int
generation_check(const struct netd_config *cfg, struct report *rep)
{
	const struct service_conf *svc;
	const struct service_type *st;
	char err[512];
	size_t i, n;
	int ok = 1;

	if (privs_check(cfg, err, sizeof(err)) == -1) {
		report_add(rep, "%s", err);
		ok = 0;
	}
	if (paths_check(cfg, rep) == -1)
		ok = 0;
	if (cfg->nservices > NETD_MAX_SERVICES) {
		report_add(rep, "%s:%d: more than %d services", cfg->path,
		    cfg->services[NETD_MAX_SERVICES].line, NETD_MAX_SERVICES);
		ok = 0;
	}
	for (i = 0, n = 0; i < cfg->nservices; i++) {
		svc = &cfg->services[i];
		if (n <= NETD_MAX_LISTENERS &&
		    n + svc->nlistens > NETD_MAX_LISTENERS) {
			report_add(rep, "%s:%d: key 'listen': more than %d "
			    "listeners", cfg->path, svc->listen_lines[
			    NETD_MAX_LISTENERS - n], NETD_MAX_LISTENERS);
			ok = 0;
		}
		n += svc->nlistens;
	}
	for (i = 0; i < cfg->nservices; i++) {
		svc = &cfg->services[i];
		if ((st = service_type(svc->type)) == NULL) {
			report_add(rep, "%s:%d: service '%s': type %s is not "
			    "available in this build", cfg->path, svc->line,
			    svc->name, svc_type_name(svc->type));
			ok = 0;
			continue;
		}
		if (st->check != NULL &&
		    st->check(cfg, svc, err, sizeof(err)) == -1) {
			report_add(rep, "%s:%d: %s", cfg->path,
			    err_key_line(svc, err), err);
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
listener_same(const struct listener *o, const struct listener *l)
{
	if (strcmp(o->conf, l->conf) != 0)
		return 0;
	if (l->addr.proto == PROTO_UNIX ||
	    sockaddr_port((const struct sockaddr *)&l->addr.ss) != 0)
		return 1;
	return strcmp(o->svc->name, l->svc->name) == 0;
}

/* Undo a failed build: close what it opened, free its rows. */
static void
listeners_undo(struct generation *g, const struct generation *prev)
{
	size_t i, k;

	for (i = 0; i < g->nls; i++) {
		for (k = 0; prev != NULL && k < prev->nls; k++)
			if (prev->ls[k].fd == g->ls[i].fd)
				break;
		if (g->ls[i].fd < 0 || (prev != NULL && k < prev->nls))
			continue;	/* not ours, or taken over */
		/* A passed unix socket's file is still its sender's. */
		if (g->ls[i].origin == LISTENER_BOUND)
			listener_remove(&g->ls[i]);
		else
			listener_close(&g->ls[i]);
		scoreboard_listener_free(g->ls[i].sb);
	}
}

/* Bind, or take over from prev, every configured address. */
static int
listeners_build(struct generation *g, const struct generation *prev,
    int dry_run, struct report *rep)
{
	const struct netd_config *cfg = g->cfg;
	const struct service_conf *svc;
	struct listener *l;
	size_t i, j, k, total = 0;
	char *taken = NULL, err[512], why[512];

	for (i = 0; i < cfg->nservices; i++)
		total += cfg->services[i].nlistens;
	g->ls = calloc(total ? total : 1, sizeof(*g->ls));
	if (prev != NULL && prev->nls > 0)
		taken = calloc(prev->nls, 1);
	if (g->ls == NULL || (prev != NULL && prev->nls > 0 && taken == NULL)) {
		report_add(rep, "out of memory");
		free(taken);
		return -1;
	}
	for (i = 0; i < cfg->nservices; i++) {
		svc = &cfg->services[i];
		for (j = 0; j < svc->nlistens; j++) {
			l = &g->ls[g->nls];
			l->addr = svc->listens[j];
			strlcpy(l->conf, svc->listens[j].text, sizeof(l->conf));
			l->svc = svc;
			l->type = service_type(svc->type);
			l->fd = -1;
			l->sb = -1;
			l->svc_sb = -1;
			l->origin = LISTENER_BOUND;
			for (k = 0; prev != NULL && k < prev->nls; k++)
				if (!taken[k] && listener_same(&prev->ls[k], l))
					break;
			if (prev != NULL && k < prev->nls) {
				taken[k] = 1;
				l->addr = prev->ls[k].addr;
				l->fd = prev->ls[k].fd;
				l->sb = prev->ls[k].sb;
				l->origin = prev->ls[k].origin;
				g->nls++;
				continue;
			}
			if (dry_run) {
				report_add(rep, "would open %s (service %s)",
				    l->addr.text, svc->name);
				g->nls++;
				continue;
			}
			if (prev == NULL && (l->fd = inherit_listener(l)) != -1)
				;	/* passed at start: see inherit.c */
			else if (listener_open(l, err, sizeof(err)) == -1) {
				if (!bind_why_explain(cfg, &l->addr, errno,
				    why, sizeof(why)))
					why[0] = '\0';
				report_add(rep, "%s:%d: key 'listen': cannot "
				    "listen on %s%s%s", cfg->path,
				    svc->listen_lines[j], err,
				    why[0] != '\0' ? ": " : "", why);
				goto fail;
			}
			g->nls++;
			l->sb = scoreboard_listener_alloc(l->addr.proto,
			    l->addr.text, svc->name);
			if (l->sb == -1) {	/* cannot be: checked */
				report_add(rep, "%s:%d: key 'listen': no room "
				    "for its counters", cfg->path,
				    svc->listen_lines[j]);
				goto fail;
			}
			if (l->origin != LISTENER_BOUND)
				log_info("listening on %s (service %s), on the "
				    "socket %s", l->addr.text, svc->name,
				    l->origin == LISTENER_PASSED ? "passed "
				    "by the previous master or systemd's store"
				    : "of systemd's socket unit");
			else if (prev == NULL && inherit_any())
				log_notice("listening on %s (service %s), "
				    "bound by netd itself: no socket was "
				    "passed for it", l->addr.text, svc->name);
			else
				log_info("listening on %s (service %s)",
				    l->addr.text, svc->name);
			if (prev != NULL)
				report_add(rep, "opened %s (service %s)",
				    l->addr.text, svc->name);
		}
	}
	for (k = 0; dry_run && prev != NULL && k < prev->nls; k++)
		if (!taken[k])
			report_add(rep, "would close %s", prev->ls[k].addr.text);
	free(taken);
	return 0;
fail:
	listeners_undo(g, prev);
	free(taken);
	return -1;
}

/*
 * Counters for every service, found or made before workers fork.  The
 * table holds twice what a configuration may have, and commit frees the
 * rows of services gone, so there is always room.
 */
static int
services_resolve(struct generation *g, int create, struct report *rep)
{
	size_t i;

	for (i = 0; i < g->nls; i++) {
		g->ls[i].svc_sb = scoreboard_service_index(g->ls[i].svc->name,
		    create);
		if (g->ls[i].svc_sb == -1 && create) {
			report_add(rep, "%s:%d: service '%s': no room for its "
			    "counters", g->cfg->path, g->ls[i].svc->line,
			    g->ls[i].svc->name);
			return -1;
		}
	}
	return 0;
}

static void
service_changes(const struct netd_config *a, const struct netd_config *b,
    struct report *rep)
{
	const struct service_conf *t;
	char names[256];
	size_t i, j;

	for (i = 0; i < b->nservices; i++) {
		t = &b->services[i];
		for (j = 0; j < a->nservices; j++)
			if (strcmp(a->services[j].name, t->name) == 0)
				break;
		if (j == a->nservices)
			report_add(rep, "service %s added", t->name);
		else if (config_service_diff(&a->services[j], t, names,
		    sizeof(names)) > 0)
			report_add(rep, "service %s changed (%s)", t->name,
			    names);
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

struct generation *
generation_load(const char *path, const struct generation *prev, int flags,
    struct report *rep)
{
	struct generation *g;
	struct config_errors errs;
	size_t i;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		report_add(rep, "out of memory");
		return NULL;
	}
	g->id = prev != NULL ? prev->id + 1 : 1;
	if ((g->cfg = config_load(path, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			report_add(rep, "%s", errs.msg[i]);
		if (errs.n == 0)
			report_add(rep, "%s: cannot load", path);
		config_errors_free(&errs);
		free(g);
		return NULL;
	}
	if (generation_check(g->cfg, rep) == -1)
		goto fail;
	if (flags & GEN_CHECK)
		return g;
	if (listeners_build(g, prev, (flags & GEN_DRY_RUN) != 0, rep) == -1)
		goto fail;
	if (services_resolve(g, !(flags & GEN_DRY_RUN), rep) == -1) {
		listeners_undo(g, prev);
		goto fail;
	}
	if (prev != NULL)
		service_changes(prev->cfg, g->cfg, rep);
	return g;
fail:
	generation_free(g);
	return NULL;
}

void
generation_commit(struct generation *next, struct generation *prev,
    struct report *rep)
{
	size_t i, k;

	for (k = 0; k < prev->nls; k++) {
		for (i = 0; i < next->nls; i++)
			if (next->ls[i].fd == prev->ls[k].fd)
				break;
		if (i < next->nls)
			continue;
		/* Old workers hold their own copies until they leave. */
		log_info("closing %s", prev->ls[k].addr.text);
		report_add(rep, "closed %s", prev->ls[k].addr.text);
		if (prev->ls[k].origin == LISTENER_SOCKET_UNIT)
			listener_close(&prev->ls[k]);	/* systemd's file */
		else
			listener_remove(&prev->ls[k]);
		scoreboard_listener_free(prev->ls[k].sb);
	}
	/* A fixed address may have moved to another service. */
	for (i = 0; i < next->nls; i++)
		scoreboard_listener_rename(next->ls[i].sb,
		    next->ls[i].svc->name);
	/* The counters of services gone are free for new names. */
	for (k = 0; k < prev->nls; k++) {
		for (i = 0; i < next->nls; i++)
			if (next->ls[i].svc_sb == prev->ls[k].svc_sb)
				break;
		if (i == next->nls)
			scoreboard_service_free(prev->ls[k].svc_sb);
	}
}

void
generation_free(struct generation *g)
{
	if (g == NULL)
		return;
	config_free(g->cfg);
	free(g->ls);
	free(g);
}

void
generation_close(struct generation *g, int keep)
{
	size_t i;

	for (i = 0; i < g->nls; i++) {
		if (keep & (1 << g->ls[i].origin))
			listener_close(&g->ls[i]);
		else
			listener_remove(&g->ls[i]);
		scoreboard_listener_free(g->ls[i].sb);
	}
}
