/*
 * The master's side of the control commands: a handler per row of the
 * command table (lib/cmd.c), which also says who may run each one and
 * whether it is audited; the request line is parsed by the same function
 * netctl parses its command line with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "config.h"
#include "control_client.h"
#include "esc.h"
#include "events.h"
#include "io.h"
#include "log.h"
#include "master.h"
#include "pool.h"
#include "proto.h"
#include "report.h"
#include "status.h"
#include "upgrade.h"
#include "utf8.h"
#include "version.h"

typedef void	cmd_fn(struct client *, const struct cmd_req *);

static cmd_fn	cmd_ping, cmd_version, cmd_status, cmd_config, cmd_reload,
		cmd_scale, cmd_stop, cmd_reopen, cmd_watch, cmd_upgrade;

/* Indexed by the table's ids; netctl's own commands (help) have none. */
static cmd_fn *const handlers[CMD_COUNT] = {
	[CMD_PING] = cmd_ping,
	[CMD_VERSION] = cmd_version,
	[CMD_STATUS] = cmd_status,
	[CMD_CONFIG] = cmd_config,
	[CMD_RELOAD] = cmd_reload,
	[CMD_SCALE] = cmd_scale,
	[CMD_STOP] = cmd_stop,
	[CMD_REOPEN] = cmd_reopen,
	[CMD_WATCH] = cmd_watch,
	[CMD_UPGRADE] = cmd_upgrade,
};

/*
 * A row added to the table without a handler here must not get as far
 * as a client: netd refuses to start (control_open() asks).
 */
int
client_handlers_check(void)
{
	int i;

	for (i = 0; i < CMD_COUNT; i++)
		if (!cmd_table[i].local && handlers[i] == NULL) {
			log_warnx("control command '%s' has no handler",
			    cmd_table[i].name);
			return -1;
		}
	return 0;
}

void
reply_error(struct client *c, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* Messages quote client words: any bytes, made valid here. */
	va_start(ap, fmt);
	utf8_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	client_reply(c, json_pack("{s:b, s:o, s:s}", "ok", 0, "error",
	    utf8_json(msg), "code", code));
}

static void
audit(struct client *c, const char *result)
{
	log_notice("audit: uid=%u pid=%d command=\"%s\" result=%s",
	    (unsigned)c->uid, (int)c->pid, c->cmd, result);
}

static void
cmd_ping(struct client *c, const struct cmd_req *req)
{
	(void)req;
	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "pong", "pong",
	    "pid", (int)getpid()));
}

static void
cmd_version(struct client *c, const struct cmd_req *req)
{
	(void)req;
	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "version",
	    NETD_VERSION, "protocol", CONTROL_PROTOCOL));
}

static void
cmd_status(struct client *c, const struct cmd_req *req)
{
	json_t *doc;

	if ((doc = status_json()) == NULL) {
		reply_error(c, CODE_FAILED, "status: out of memory");
		return;
	}
	if (req->flags & CMD_FL_CONNECTIONS)
		json_object_set_new(doc, "connections",
		    status_connections_json());
	json_object_set_new(doc, "ok", json_true());
	client_reply(c, doc);
}

static void
cmd_config(struct client *c, const struct cmd_req *req)
{
	json_t *doc;

	(void)req;
	if ((doc = config_json(master_config())) == NULL) {
		reply_error(c, CODE_FAILED, "config: out of memory");
		return;
	}
	json_object_set_new(doc, "ok", json_true());
	client_reply(c, doc);
}

static void
cmd_reload(struct client *c, const struct cmd_req *req)
{
	struct report rep = { 0 };
	uint32_t from = master_generation();
	int dry = (req->flags & CMD_FL_DRY_RUN) != 0;

	if (master_stopping()) {
		reply_error(c, CODE_FAILED, "netd is stopping: reload refused");
		audit(c, "refused (stopping)");
		return;
	}
	if (master_reload(dry, &rep) == -1) {
		client_reply(c, json_pack("{s:b, s:s, s:s, s:o, s:i}", "ok", 0,
		    "code", CODE_FAILED, "error", "reload refused: the "
		    "configuration has errors; nothing changed", "errors",
		    report_json(&rep), "generation", (int)from));
		audit(c, "refused");
	} else if (dry) {
		client_reply(c, json_pack("{s:b, s:b, s:i, s:i, s:o}", "ok", 1,
		    "dry_run", 1, "from", (int)from, "to", (int)from + 1,
		    "changes", report_json(&rep)));
		audit(c, "ok (dry run)");
	} else {
		/* Answer once the new generation serves (control_tick). */
		c->pending = json_pack("{s:b, s:i, s:i, s:o}", "ok", 1, "from",
		    (int)from, "to", (int)master_generation(), "changes",
		    report_json(&rep));
		c->waiting = CLIENT_WAIT_RELOAD;
		c->deadline = monotonic_ms() + CONTROL_RELOAD_WAIT_MS;
		audit(c, "ok");
	}
	report_free(&rep);
}

static void
cmd_scale(struct client *c, const struct cmd_req *req)
{
	int from = pool_target(), to;

	if (master_stopping()) {
		reply_error(c, CODE_FAILED, "netd is stopping: scale refused");
		audit(c, "refused (stopping)");
		return;
	}
	to = req->relative ? from + req->scale : req->scale;
	if (to < 1 || to > master_config()->max_workers) {
		reply_error(c, CODE_FAILED, "scale: %d workers is outside 1.."
		    "%d (max_workers)", to, master_config()->max_workers);
		audit(c, "refused");
		return;
	}
	(void)pool_scale(to, "scale");
	client_reply(c, json_pack("{s:b, s:i, s:i}", "ok", 1, "from", from,
	    "to", to));
	audit(c, "ok");
}

static void
cmd_stop(struct client *c, const struct cmd_req *req)
{
	int graceful = (req->flags & CMD_FL_GRACEFUL) != 0;

	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "stopping",
	    graceful ? "graceful" : "fast", "pid", (int)getpid()));
	audit(c, "ok");
	master_stop(graceful);
}

static void
cmd_reopen(struct client *c, const struct cmd_req *req)
{
	char msg[512];

	(void)req;
	if (master_reopen("reopen", msg, sizeof(msg)) == -1) {
		reply_error(c, CODE_FAILED, "%s", msg);
		audit(c, "failed");
		return;
	}
	client_reply(c, json_pack("{s:b, s:s}", "ok", 1, "note", msg));
	audit(c, "ok");
}

/*
 * The connection becomes a subscriber of the event stream (events.c),
 * which answers it from then on; its place among the clients is free.
 */
static void
cmd_watch(struct client *c, const struct cmd_req *req)
{
	(void)req;
	if (events_subscribe(c->fd, c->uid, c->pid) == -1) {
		reply_error(c, CODE_FAILED, "watch: %d watchers already; "
		    "no room for another", EVENTS_MAX_SUBSCRIBERS);
		return;
	}
	client_release(c);
}

/*
 * A binary given by path runs as the master: only root and the master's
 * own user, who could run it so anyway, may name one.  admin_group
 * members may start the installed binary.
 */
static void
cmd_upgrade(struct client *c, const struct cmd_req *req)
{
	char err[512];

	if (req->path != NULL && c->uid != 0 && c->uid != geteuid()) {
		reply_error(c, CODE_DENIED, "permission denied: uid %u may not "
		    "name the binary of an upgrade (only root or uid %u)",
		    (unsigned)c->uid, (unsigned)geteuid());
		audit(c, "denied");
		return;
	}
	if (master_upgrade(req->path, err, sizeof(err)) == -1) {
		reply_error(c, CODE_FAILED, "upgrade refused: %s", err);
		audit(c, "refused");
		return;
	}
	/* Answered once the new master serves, or has failed. */
	c->waiting = CLIENT_WAIT_UPGRADE;
	c->deadline = monotonic_ms() + UPGRADE_WAIT_MS + 10000;
	audit(c, "started");
}

int
client_waited(struct client *c, int late)
{
	json_t *doc;
	char why[128];

	if (c->waiting == CLIENT_WAIT_RELOAD && !master_serving() &&
	    master_cannot_serve(why, sizeof(why))) {
		/* No use waiting: every new worker stopped, failed. */
		json_decref(c->pending);
		c->pending = NULL;
		c->waiting = 0;
		reply_error(c, CODE_FAILED, "reload applied, but no worker of "
		    "the new generation can start: %s (see the log)", why);
		return 1;
	}
	if (c->waiting == CLIENT_WAIT_RELOAD && (master_serving() || late)) {
		doc = c->pending;
		c->pending = NULL;
		c->waiting = 0;
		if (!late) {
			client_reply(c, doc);
			return 1;
		}
		json_decref(doc);
		reply_error(c, CODE_FAILED, "reload applied, but the new "
		    "generation's workers did not start within %ds (see the "
		    "log)", CONTROL_RELOAD_WAIT_MS / 1000);
		return 1;
	}
	if (c->waiting != CLIENT_WAIT_UPGRADE)
		return 0;
	switch (upgrade_state()) {
	case UPGRADE_DONE:
		c->waiting = 0;
		client_reply(c, json_pack("{s:b, s:i, s:i, s:s}", "ok", 1,
		    "old_pid", (int)getpid(), "new_pid", (int)upgrade_pid(),
		    "binary", upgrade_binary()));
		return 1;
	case UPGRADE_FAILED:
		c->waiting = 0;
		client_reply(c, json_pack("{s:b, s:s, s:s+, s:o, s:i}", "ok", 0,
		    "code", CODE_FAILED, "error", "upgrade failed: ",
		    upgrade_why(), "errors", report_json(upgrade_errors()),
		    "pid", (int)getpid()));
		return 1;
	default:
		if (!late)
			return 0;
		c->waiting = 0;
		reply_error(c, CODE_FAILED, "upgrade: no outcome within %ds "
		    "(see the log)", UPGRADE_WAIT_MS / 1000 + 10);
		return 1;
	}
}

/*
 * The audit line shows the request line escaped (lib/esc.c), so that no
 * client can write a line of its own into the log; a request that parses
 * is shown as netctl would send it.
 */
static void
audit_escape(struct client *c)
{
	esc_str(c->cmd, sizeof(c->cmd), c->in);
}

void
client_request(struct client *c)
{
	char err[512], canon[sizeof(c->cmd)];
	const struct cmd_entry *cmd;
	struct cmd_req req;
	int parsed;

	audit_escape(c);
	parsed = cmd_parse_line(c->in, &req, err, sizeof(err)) == 0;
	if (req.id == CMD_NONE) {
		reply_error(c, CODE_USAGE, "%s", err);
		return;
	}
	cmd = &cmd_table[req.id];
	if (parsed && cmd_format(&req, canon, sizeof(canon)) == 0)
		memcpy(c->cmd, canon, sizeof(c->cmd));
	if (c->access == ACC_NONE ||
	    (cmd->access == CMD_ADMIN && c->access != ACC_ADMIN)) {
		reply_error(c, CODE_DENIED, "permission denied: uid %u may "
		    "not run '%s'%s", (unsigned)c->uid, cmd->name,
		    c->access == ACC_READ ? " (read-only access)" : "");
		audit(c, "denied");
		return;
	}
	if (!parsed) {
		reply_error(c, CODE_USAGE, "%s", err);
		if (cmd->audit)
			audit(c, "usage error");
		return;
	}
	handlers[req.id](c, &req);
}
