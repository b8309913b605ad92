/*
 * netctl's commands: one row each, with its arguments and a line of help;
 * usage() is printed from the same table.
 */
#include <err.h>
#include <errno.h>
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

struct command {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*fn)(int, char **);
};

static int	do_simple(int, char **);
static int	do_status(int, char **);
static int	do_reload(int, char **);
static int	do_scale(int, char **);
static int	do_stop(int, char **);

static const struct command commands[] = {
	{ "status",  "[--watch [SECONDS]]", "pool, listeners and workers",
	    do_status },
	{ "ping",    "",		"is netd alive", do_simple },
	{ "version", "",		"netd's and netctl's versions",
	    do_simple },
	{ "config",  "",		"the configuration in effect",
	    do_simple },
	{ "reload",  "[--dry-run]",	"load the config file again",
	    do_reload },
	{ "scale",   "N|+N|-N",		"set the pool size", do_scale },
	{ "stop",    "[--graceful]",	"stop netd (fast, or let clients "
	    "finish)", do_stop },
	{ "reopen",  "",		"reopen log files", do_simple },
};

void
ctl_usage(FILE *fp)
{
	size_t i;
	char buf[64];

	fprintf(fp, "usage: netctl [-s SOCKET] [-c CONFIG] [--json] COMMAND "
	    "[ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		snprintf(buf, sizeof(buf), "%s %s", commands[i].name,
		    commands[i].args);
		fprintf(fp, "  %-30s %s\n", buf, commands[i].help);
	}
	fprintf(fp, "\nexit status: 0 ok, 1 failed, 2 usage, 3 not running, "
	    "4 permission denied\n");
}

int
ctl_run_command(int argc, char *argv[])
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			return commands[i].fn(argc, argv);
	warnx("unknown command '%s'", argv[0]);
	ctl_usage(stderr);
	return EXIT_USAGE;
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
no_args(int argc, char **argv)
{
	if (argc == 1)
		return 0;
	warnx("%s takes no arguments", argv[0]);
	return -1;
}

static int
do_simple(int argc, char **argv)
{
	json_t *r;
	int rc;

	if (no_args(argc, argv) == -1)
		return EXIT_USAGE;
	if ((r = request(argv[0], REQUEST_TIMEOUT_MS, &rc)) == NULL)
		return rc;
	if (opts.json)
		goto out;
	if (strcmp(argv[0], "ping") == 0)
		printf("pong (netd pid %d)\n", (int)json_integer_value(
		    json_object_get(r, "pid")));
	else if (strcmp(argv[0], "version") == 0)
		printf("netd %s (control protocol %d), netctl %s\n",
		    json_string_value(json_object_get(r, "version")),
		    (int)json_integer_value(json_object_get(r, "protocol")),
		    NETD_VERSION);
	else if (strcmp(argv[0], "config") == 0)
		config_print(r, stdout);
	else if (strcmp(argv[0], "reopen") == 0)
		printf("%s\n", json_string_value(json_object_get(r, "note")));
out:
	json_decref(r);
	return rc;
}

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int
do_status(int argc, char **argv)
{
	struct sigaction sa;
	double secs = 2;
	char *end;
	json_t *r;
	int rc, watch = 0;

	if (argc >= 2 && strcmp(argv[1], "--watch") == 0) {
		watch = 1;
		if (argc == 3) {
			secs = strtod(argv[2], &end);
			if (*end != '\0' || secs < 0.1 || secs > 3600) {
				warnx("--watch takes seconds "
				    "from 0.1 to 3600");
				return EXIT_USAGE;
			}
		} else if (argc > 3) {
			ctl_usage(stderr);
			return EXIT_USAGE;
		}
	} else if (no_args(argc, argv) == -1)
		return EXIT_USAGE;
	if (!watch) {
		if ((r = request("status", REQUEST_TIMEOUT_MS, &rc)) == NULL)
			return rc;
		if (!opts.json)
			status_print(r, stdout);
		json_decref(r);
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!interrupted) {
		if (!opts.json)
			fputs("\033[H\033[2J", stdout);	/* home, clear */
		if ((r = request("status", REQUEST_TIMEOUT_MS, &rc)) == NULL)
			return rc;
		if (!opts.json) {
			status_print(r, stdout);
			printf("\n(every %gs; Ctrl-C to quit)\n", secs);
		}
		json_decref(r);
		fflush(stdout);
		(void)poll(NULL, 0, (int)(secs * 1000));
	}
	return EXIT_OK;
}

static void
print_lines(json_t *arr, const char *prefix, FILE *fp)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		fprintf(fp, "%s%s\n", prefix, json_string_value(v));
}

static int
do_reload(int argc, char **argv)
{
	int dry = 0, rc;
	json_t *r, *changes;
	char *raw;

	if (argc == 2 && strcmp(argv[1], "--dry-run") == 0)
		dry = 1;
	else if (argc != 1) {
		warnx("usage: reload [--dry-run]");
		return EXIT_USAGE;
	}
	r = ctl_request(dry ? "reload --dry-run" : "reload",
	    CONTROL_RELOAD_WAIT_MS + REQUEST_TIMEOUT_MS, &raw);
	if (opts.json)
		fputs(raw, stdout);
	free(raw);
	if (!json_is_true(json_object_get(r, "ok"))) {
		rc = ctl_failed(r);
		if (!opts.json)
			print_lines(json_object_get(r, "errors"),
			    opts.err_prefix != NULL ? opts.err_prefix : "",
			    stderr);
		json_decref(r);
		return rc;
	}
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
do_scale(int argc, char **argv)
{
	char line[64];
	json_t *r;
	int rc;

	if (argc != 2) {
		warnx("usage: scale N|+N|-N");
		return EXIT_USAGE;
	}
	snprintf(line, sizeof(line), "scale %.40s", argv[1]);
	if ((r = request(line, REQUEST_TIMEOUT_MS, &rc)) == NULL)
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
do_stop(int argc, char **argv)
{
	int graceful = 0, rc;
	uint64_t deadline;
	json_t *r;
	pid_t pid;

	if (argc == 2 && (strcmp(argv[1], "--graceful") == 0 ||
	    strcmp(argv[1], "graceful") == 0))
		graceful = 1;
	else if (argc != 1) {
		warnx("usage: stop [--graceful]");
		return EXIT_USAGE;
	}
	if ((r = request(graceful ? "stop graceful" : "stop",
	    REQUEST_TIMEOUT_MS, &rc)) == NULL)
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
