/*
 * The control commands: one row each in the table, with whether it
 * changes anything (then it needs admin access and is audited).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "control_client.h"
#include "io.h"
#include "log.h"
#include "master.h"
#include "pool.h"
#include "proto.h"
#include "status.h"
#include "version.h"

struct cmd {
	const char	*name;
	int		 mutating;
	void		(*fn)(struct client *, int, char **);
	const char	*args;
};

static void	cmd_ping(struct client *, int, char **);
static void	cmd_version(struct client *, int, char **);
static void	cmd_status(struct client *, int, char **);
static void	cmd_config(struct client *, int, char **);
static void	cmd_reload(struct client *, int, char **);
static void	cmd_scale(struct client *, int, char **);
static void	cmd_stop(struct client *, int, char **);
static void	cmd_reopen(struct client *, int, char **);

static const struct cmd commands[] = {
	{ "ping",	0, cmd_ping,	"" },
	{ "version",	0, cmd_version,	"" },
	{ "status",	0, cmd_status,	"" },
	{ "config",	0, cmd_config,	"" },
	{ "reload",	1, cmd_reload,	"[--dry-run]" },
	{ "scale",	1, cmd_scale,	"N|+N|-N" },
	{ "stop",	1, cmd_stop,	"[graceful|--graceful]" },
	{ "reopen",	1, cmd_reopen,	"" },
};

void
reply_error(struct client *c, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	client_reply(c, json_pack("{s:b, s:s, s:s}", "ok", 0, "error", msg,
	    "code", code));
}

static void
audit(struct client *c, const char *result)
{
	log_notice("audit: uid=%u pid=%d command=\"%s\" result=%s",
	    (unsigned)c->uid, (int)c->pid, c->cmd, result);
}

static void
cmd_ping(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "pong", "pong",
	    "pid", (int)getpid()));
}

static void
cmd_version(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "version",
	    NETD_VERSION, "protocol", CONTROL_PROTOCOL));
}

static void
cmd_status(struct client *c, int argc, char **argv)
{
	json_t *doc;

	(void)argc;
	(void)argv;
	doc = status_json();
	json_object_set_new(doc, "ok", json_true());
	client_reply(c, doc);
}

static void
cmd_config(struct client *c, int argc, char **argv)
{
	json_t *doc;

	(void)argc;
	(void)argv;
	doc = config_json(master.cfg);
	json_object_set_new(doc, "ok", json_true());
	client_reply(c, doc);
}

static json_t *
report_json(const struct reload_report *rep)
{
	json_t *lines = json_array();
	size_t i;

	for (i = 0; i < rep->nlines; i++)
		json_array_append_new(lines, json_string(rep->lines[i]));
	return lines;
}

static void
cmd_reload(struct client *c, int argc, char **argv)
{
	struct reload_report rep;
	int dry = 0;

	if (master.stopping) {
		reply_error(c, CODE_FAILED, "netd is stopping: reload refused");
		audit(c, "refused (stopping)");
		return;
	}
	if (argc == 2 && (strcmp(argv[1], "--dry-run") == 0 ||
	    strcmp(argv[1], "dry-run") == 0))
		dry = 1;
	else if (argc != 1) {
		reply_error(c, CODE_USAGE, "usage: reload [--dry-run]");
		return;
	}
	if (master_reload(dry, &rep) == -1) {
		client_reply(c, json_pack("{s:b, s:s, s:s, s:o, s:i}", "ok", 0,
		    "code", CODE_FAILED, "error", "reload refused: the "
		    "configuration has errors; nothing changed", "errors",
		    report_json(&rep), "generation", (int)rep.from));
		audit(c, "refused");
	} else if (dry) {
		client_reply(c, json_pack("{s:b, s:b, s:i, s:i, s:o}", "ok", 1,
		    "dry_run", 1, "from", (int)rep.from, "to", (int)rep.to,
		    "changes", report_json(&rep)));
		audit(c, "ok (dry run)");
	} else {
		/* Answer once the new generation serves (control_tick). */
		c->pending = json_pack("{s:b, s:i, s:i, s:o}", "ok", 1, "from",
		    (int)rep.from, "to", (int)rep.to, "changes",
		    report_json(&rep));
		c->waiting = 1;
		c->deadline = monotonic_ms() + CONTROL_RELOAD_WAIT_MS;
		audit(c, "ok");
	}
	reload_report_free(&rep);
}

static void
cmd_scale(struct client *c, int argc, char **argv)
{
	long v;
	char *end;
	int from = pool.target, to;

	if (argc != 2) {
		reply_error(c, CODE_USAGE, "usage: scale N|+N|-N");
		return;
	}
	if (master.stopping) {
		reply_error(c, CODE_FAILED, "netd is stopping: scale refused");
		audit(c, "refused (stopping)");
		return;
	}
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || errno != 0 ||
	    v < -100000 || v > 100000) {
		reply_error(c, CODE_USAGE, "scale: '%s' is not N, +N or -N",
		    argv[1]);
		audit(c, "usage error");
		return;
	}
	to = (argv[1][0] == '+' || argv[1][0] == '-') ? from + (int)v :
	    (int)v;
	if (to < 1 || to > master.cfg->max_workers) {
		reply_error(c, CODE_FAILED, "scale: %d workers is outside 1.."
		    "%d (max_workers)", to, master.cfg->max_workers);
		audit(c, "refused");
		return;
	}
	master_scale(to);
	client_reply(c, json_pack("{s:b, s:i, s:i}", "ok", 1, "from", from,
	    "to", to));
	audit(c, "ok");
}

static void
cmd_stop(struct client *c, int argc, char **argv)
{
	int graceful = 0;

	if (argc == 2 && (strcmp(argv[1], "graceful") == 0 ||
	    strcmp(argv[1], "--graceful") == 0))
		graceful = 1;
	else if (argc != 1) {
		reply_error(c, CODE_USAGE, "usage: stop [graceful]");
		return;
	}
	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "stopping",
	    graceful ? "graceful" : "fast", "pid", (int)getpid()));
	audit(c, "ok");
	master_stop(graceful ? STOP_GRACEFUL : STOP_FAST);
}

static void
cmd_reopen(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	client_reply(c, json_pack("{s:b, s:s}", "ok", 1, "note",
	    "logs go to stderr; nothing to reopen"));
	audit(c, "ok");
}

void
client_request(struct client *c)
{
	char *argv[8], *tok, *save = NULL;
	const struct cmd *cmd = NULL;
	size_t i;
	int argc = 0;

	strlcpy(c->cmd, c->in, sizeof(c->cmd));
	for (tok = strtok_r(c->in, " \t\r", &save); tok != NULL && argc < 8;
	    tok = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = tok;
	if (argc == 0) {
		reply_error(c, CODE_USAGE, "empty request: send a command "
		    "such as 'status'");
		return;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		reply_error(c, CODE_USAGE, "unknown command '%.64s' (ping, "
		    "version, status, config, reload, scale, stop, reopen)",
		    argv[0]);
		return;
	}
	if (c->access == ACC_NONE ||
	    (cmd->mutating && c->access != ACC_ADMIN)) {
		reply_error(c, CODE_DENIED, "permission denied: uid %u may "
		    "not run '%s'%s", (unsigned)c->uid, cmd->name,
		    c->access == ACC_READ ? " (read-only access)" : "");
		audit(c, "denied");
		return;
	}
	cmd->fn(c, argc, argv);
}
