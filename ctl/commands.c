/*
 * netctl's side of each command of the table (lib/cmd.c): send its
 * request line, print the reply for a person, choose the exit status.
 */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "netctl.h"
#include "proto.h"
#include "version.h"

#define REQUEST_TIMEOUT_MS	10000
#define STOP_WAIT_MS		120000
/* The master's own bound (60s, upgrade.h) and then some. */
#define UPGRADE_TIMEOUT_MS	(CONTROL_RELOAD_WAIT_MS + 3 * REQUEST_TIMEOUT_MS)

typedef int	ctl_fn(const struct cmd_req *);

static ctl_fn	do_simple, do_status, do_reload, do_scale, do_stop, do_help,
		do_upgrade;

/* Indexed by the table's ids. */
static ctl_fn *const runners[CMD_COUNT] = {
	[CMD_PING] = do_simple,
	[CMD_VERSION] = do_simple,
	[CMD_STATUS] = do_status,
	[CMD_CONFIG] = do_simple,
	[CMD_RELOAD] = do_reload,
	[CMD_SCALE] = do_scale,
	[CMD_STOP] = do_stop,
	[CMD_REOPEN] = do_simple,
	[CMD_WATCH] = ctl_watch,
	[CMD_UPGRADE] = do_upgrade,
	[CMD_HELP] = do_help,
};

int
ctl_run(const struct cmd_req *req)
{
	if (runners[req->id] == NULL)
		errx(EXIT_FAILED, "%s: not implemented in this netctl",
		    cmd_table[req->id].name);
	return runners[req->id](req);
}

/* The request line: the command's words without netctl's own flags. */
static const char *
wire(const struct cmd_req *req)
{
	static char line[128];

	if (cmd_format(req, line, sizeof(line)) == -1)
		errx(EXIT_FAILED, "%s: request too long",
		    cmd_table[req->id].name);
	return line;
}

/* Send, print --json verbatim, or hand back the reply when it is ok. */
static json_t *
request(const char *line, int timeout_ms, int *rc)
{
	json_t *reply;
	char *raw;

	reply = ctl_request(line, timeout_ms, &raw);
	if (opts.json)
		fputs(raw, stdout);
	free(raw);
	if (!json_is_true(json_object_get(reply, "ok"))) {
		*rc = ctl_failed(reply);
		json_decref(reply);
		return NULL;
	}
	*rc = EXIT_OK;
	return reply;
}

static int
do_help(const struct cmd_req *req)
{
	if (req->topic == CMD_NONE)
		ctl_usage(stdout);
	else
		ctl_help(req->topic, stdout);
	return EXIT_OK;
}

static int
do_simple(const struct cmd_req *req)
{
	json_t *r;
	int rc;

	if ((r = request(wire(req), REQUEST_TIMEOUT_MS, &rc)) == NULL)
		return rc;
	if (opts.json)
		goto out;
	switch (req->id) {
	case CMD_PING:
		printf("pong (netd pid %d)\n", (int)json_integer_value(
		    json_object_get(r, "pid")));
		break;
	case CMD_VERSION:
		printf("netd %s (control protocol %d), netctl %s\n",
		    json_string_value(json_object_get(r, "version")),
		    (int)json_integer_value(json_object_get(r, "protocol")),
		    NETD_VERSION);
		break;
	case CMD_CONFIG:
		config_print(r, stdout);
		break;
	default:
		printf("%s\n", json_string_value(json_object_get(r, "note")));
		break;
	}
out:
	json_decref(r);
	return rc;
}

static int
do_status(const struct cmd_req *req)
{
	json_t *r;
	int rc;

	if (req->flags & CMD_FL_WATCH)
		return status_watch(wire(req), req->watch);
	if ((r = request(wire(req), REQUEST_TIMEOUT_MS, &rc)) == NULL)
		return rc;
	if (!opts.json)
		status_print(r, stdout);
	json_decref(r);
	return rc;
}

static void
print_lines(json_t *arr, const char *prefix, FILE *fp)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		fprintf(fp, "%s%s\n", prefix, json_string_value(v));
}

/*
 * A request whose reply may carry "errors" (reload, upgrade): the reply
 * as it came with --json; on failure its exit status in *rc, the error
 * lines on stderr, and NULL.
 */
static json_t *
request_or_fail(const char *line, int timeout_ms, int *rc)
{
	json_t *r;
	char *raw;

	r = ctl_request(line, timeout_ms, &raw);
	if (opts.json)
		fputs(raw, stdout);
	free(raw);
	if (json_is_true(json_object_get(r, "ok")))
		return r;
	*rc = ctl_failed(r);
	if (!opts.json)
		print_lines(json_object_get(r, "errors"),
		    opts.err_prefix != NULL ? opts.err_prefix : "", stderr);
	json_decref(r);
	return NULL;
}

static int
do_reload(const struct cmd_req *req)
{
	int dry = (req->flags & CMD_FL_DRY_RUN) != 0, rc;
	json_t *r, *changes;

	if ((r = request_or_fail(wire(req), CONTROL_RELOAD_WAIT_MS +
	    REQUEST_TIMEOUT_MS, &rc)) == NULL)
		return rc;
	if (!opts.json) {
		changes = json_object_get(r, "changes");
		printf("%sgeneration %d -> %d\n", dry ? "dry run: " : "",
		    (int)json_integer_value(json_object_get(r, "from")),
		    (int)json_integer_value(json_object_get(r, "to")));
		if (json_array_size(changes) == 0)
			printf("  no listener or service changes\n");
		print_lines(changes, "  ", stdout);
	}
	json_decref(r);
	return EXIT_OK;
}

static int
do_scale(const struct cmd_req *req)
{
	json_t *r;
	int rc;

	if ((r = request(wire(req), REQUEST_TIMEOUT_MS, &rc)) == NULL)
		return rc;
	if (!opts.json)
		printf("pool size %d -> %d\n",
		    (int)json_integer_value(json_object_get(r, "from")),
		    (int)json_integer_value(json_object_get(r, "to")));
	json_decref(r);
	return rc;
}

/* Gone, or a zombie its parent has not reaped yet. */
static int
process_alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *fp;
	size_t n;

	if (kill(pid, 0) == -1 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return errno != ENOENT;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] == '\0')
		return 1;
	return p[2] != 'Z' && p[2] != 'X';
}

static int
do_stop(const struct cmd_req *req)
{
	int graceful = (req->flags & CMD_FL_GRACEFUL) != 0, rc;
	uint64_t deadline;
	json_t *r;
	pid_t pid;

	if ((r = request(wire(req), REQUEST_TIMEOUT_MS, &rc)) == NULL)
		return rc;
	pid = (pid_t)json_integer_value(json_object_get(r, "pid"));
	json_decref(r);
	if (!opts.json)
		printf("stopping netd (pid %d, %s)...\n", (int)pid,
		    graceful ? "graceful" : "fast");
	fflush(stdout);
	deadline = monotonic_ms() + STOP_WAIT_MS;
	while (process_alive(pid)) {
		if (monotonic_ms() > deadline) {
			warnx("netd (pid %d) still running "
			    "after %ds", (int)pid, STOP_WAIT_MS / 1000);
			return EXIT_FAILED;
		}
		(void)poll(NULL, 0, 50);
	}
	if (!opts.json)
		printf("stopped\n");
	return EXIT_OK;
}

/*
 * Synchronous, as reload: the answer comes once the new master serves
 * (exit 0) or has failed, the old one still serving (exit 1, why and
 * what the new master logged).  A relative PATH is taken from here.
 */
static int
do_upgrade(const struct cmd_req *req)
{
	struct cmd_req abs = *req;
	char path[PATH_MAX];
	json_t *r;
	int rc;

	if (req->path != NULL) {
		if (realpath(req->path, path) == NULL)
			err(EXIT_FAILED, "upgrade: %s", req->path);
		abs.path = path;
	}
	if ((r = request_or_fail(wire(&abs), UPGRADE_TIMEOUT_MS, &rc)) == NULL)
		return rc;
	if (!opts.json)
		printf("upgraded: master pid %d -> %d (%s)\n",
		    (int)json_integer_value(json_object_get(r, "old_pid")),
		    (int)json_integer_value(json_object_get(r, "new_pid")),
		    json_string_value(json_object_get(r, "binary")));
	json_decref(r);
	return EXIT_OK;
}
