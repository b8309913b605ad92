/*
 * netctl: argv -> one request line -> the master's JSON reply -> output
 * and an LSB exit status (0 ok, 1 failed, 2 usage, 3 not running,
 * 4 permission denied).
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "io.h"
#include "netctl.h"
#include "proto.h"

struct ctl_opts opts;

static const char *
socket_path(void)
{
	static char *path;
	struct netd_config *cfg;
	struct config_errors errs;
	size_t i;

	if (opts.socket != NULL)
		return opts.socket;
	if (path != NULL)
		return path;
	if (opts.config != NULL) {
		if ((cfg = config_load(opts.config, &errs)) == NULL) {
			/* The summary first, then the details, as reload. */
			warnx("cannot find the control "
			    "socket: %s has errors", opts.config);
			for (i = 0; i < errs.n; i++)
				fprintf(stderr, "%s%s\n", opts.err_prefix !=
				    NULL ? opts.err_prefix : "", errs.msg[i]);
			exit(EXIT_FAILED);
		}
		path = strdup(cfg->control_socket);
		config_free(cfg);
		if (path == NULL)
			err(EXIT_FAILED, NULL);
		return path;
	}
	if ((path = getenv("NETD_SOCKET")) != NULL && *path != '\0')
		return path;
	return path = NETD_DEFAULT_SOCKET;
}

static int
ctl_connect(void)
{
	struct sockaddr_un sun;
	const char *path = socket_path();
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(EXIT_USAGE, "socket path too long: %s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(EXIT_FAILED, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	switch (errno) {
	case ENOENT:
		errx(EXIT_NOT_RUNNING, "netd is not running (no socket at %s)",
		    path);
	case ECONNREFUSED:
		errx(EXIT_NOT_RUNNING, "netd is not running (nothing listens "
		    "on %s)", path);
	case EACCES:
	case EPERM:
		errx(EXIT_DENIED, "permission denied: cannot connect to %s "
		    "(needs control_group membership)", path);
	default:
		err(EXIT_FAILED, "connect %s", path);
	}
}

json_t *
ctl_request(const char *line, int timeout_ms, char **raw)
{
	struct sigaction sa, oldsa;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	json_error_t jerr;
	json_t *doc;
	ssize_t n;
	int fd;

	/*
	 * A master that closes on us (it is stopping, or has all the control
	 * clients it takes) must not kill netctl with SIGPIPE, silently: a
	 * failed write says so like any other failure.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &oldsa);
	fd = ctl_connect();
	if (io_write_all(fd, line, strlen(line), timeout_ms) == -1 ||
	    io_write_all(fd, "\n", 1, timeout_ms) == -1) {
		if (errno == EPIPE || errno == ECONNRESET)
			errx(EXIT_FAILED, "netd closed the connection without "
			    "an answer");
		err(EXIT_FAILED, "send to netd");
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL)
				err(EXIT_FAILED, NULL);
			buf = nb;
		}
		n = io_read(fd, buf + len, cap - len - 1, timeout_ms);
		if (n == -1) {
			if (errno == ETIMEDOUT)
				errx(EXIT_FAILED, "no answer from netd within "
				    "%ds", timeout_ms / 1000);
			if (errno == ECONNRESET && len == 0)
				errx(EXIT_FAILED, "netd closed the connection "
				    "without an answer");
			err(EXIT_FAILED, "read from netd");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	sigaction(SIGPIPE, &oldsa, NULL);
	if (len == 0)
		errx(EXIT_FAILED, "netd closed the connection without an "
		    "answer");
	buf[len] = '\0';
	if ((doc = json_loads(buf, 0, &jerr)) == NULL ||
	    !json_is_object(doc))
		errx(EXIT_FAILED, "netd sent a reply that is not JSON: %s",
		    jerr.text);
	if (raw != NULL)
		*raw = buf;
	else
		free(buf);
	return doc;
}

int
ctl_failed(json_t *reply)
{
	const char *code = json_string_value(json_object_get(reply, "code"));
	const char *msg = json_string_value(json_object_get(reply, "error"));

	if (!opts.json)
		warnx("%s", msg != NULL ? msg : "failed");
	if (code != NULL && strcmp(code, CODE_DENIED) == 0)
		return EXIT_DENIED;
	if (code != NULL && strcmp(code, CODE_USAGE) == 0)
		return EXIT_USAGE;
	return EXIT_FAILED;
}

/*
 * Under systemd (ExecReload=netctl ...), stderr is the journal: give the
 * error lines netctl writes through err(3) and warnx(3) priority 3.
 * Either way they start with "netctl", not with the path it was run by.
 */
static void
program_name(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	program_invocation_name = program_invocation_short_name = "netctl";
	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1 ||
	    (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino)
		return;
	program_invocation_name = program_invocation_short_name =
	    "<3>netctl";
	opts.err_prefix = "<3>";
}

/* netctl's own options, which may stand before or after the command. */
static const struct ctl_option {
	char		 letter;
	const char	*name;
	const char	*value;		/* NULL: takes none */
	const char	*synopsis;	/* in the usage line, or NULL */
	const char	*help;
} options[] = {
	{ 's', "--socket", "SOCKET", "[-s SOCKET]",
	    "control socket (else $NETD_SOCKET, /run/netd/netd.sock)" },
	{ 'c', "--config", "CONFIG", "[-c CONFIG]",
	    "the control_socket of netd's config file CONFIG" },
	{ 'j', "--json", NULL, "[--json]",
	    "print netd's reply as it came, one JSON document" },
	{ 'h', "--help", NULL, NULL,
	    "this help; after a command, that command's help" },
};
#define NOPTIONS	(sizeof(options) / sizeof(options[0]))

static void
usage_line(FILE *fp, const char *what)
{
	size_t i;

	fprintf(fp, "usage: netctl");
	for (i = 0; i < NOPTIONS; i++)
		if (options[i].synopsis != NULL)
			fprintf(fp, " %s", options[i].synopsis);
	fprintf(fp, " %s\n", what);
}

void
ctl_usage(FILE *fp)
{
	char syn[128], opt[64];
	size_t i;

	usage_line(fp, "COMMAND [ARGS]");
	fprintf(fp, "\ncommands:\n");
	for (i = 0; i < CMD_COUNT; i++) {
		cmd_synopsis(i, CMD_CLI, syn, sizeof(syn));
		/* A synopsis too long for its column: help on the next line. */
		if (strlen(syn) > 30)
			fprintf(fp, "  %s\n  %-30s %s\n", syn, "",
			    cmd_table[i].help);
		else
			fprintf(fp, "  %-30s %s\n", syn, cmd_table[i].help);
	}
	fprintf(fp, "\noptions, before or after the command:\n");
	for (i = 0; i < NOPTIONS; i++) {
		snprintf(opt, sizeof(opt), "-%c, %s%s%s", options[i].letter,
		    options[i].name, options[i].value != NULL ? " " : "",
		    options[i].value != NULL ? options[i].value : "");
		fprintf(fp, "  %-20s %s\n", opt, options[i].help);
	}
	fprintf(fp, "\nnetctl help COMMAND, or netctl COMMAND --help: one "
	    "command in full\n");
	fprintf(fp, "exit status: 0 ok, 1 failed, 2 usage, 3 not running, "
	    "4 permission denied\n");
}

void
ctl_help(enum cmd_id id, FILE *fp)
{
	const struct cmd_entry *e = &cmd_table[id];
	const char *arg = cmd_arg_synopsis(e->arg);
	char syn[128];
	size_t i;

	cmd_synopsis(id, CMD_CLI, syn, sizeof(syn));
	usage_line(fp, syn);
	fprintf(fp, "\n%s\n", e->help);
	if (e->flags != 0 || arg != NULL)
		fprintf(fp, "\n");
	if (arg != NULL)
		fprintf(fp, "  %-16s %s\n", arg, cmd_arg_help(e->arg));
	for (i = 0; i < cmd_nflags; i++)
		if (e->flags & cmd_flags[i].bit) {
			snprintf(syn, sizeof(syn), "%s%s%s", cmd_flags[i].name,
			    cmd_flags[i].value != NULL ? " " : "",
			    cmd_flags[i].value != NULL ? cmd_flags[i].value :
			    "");
			fprintf(fp, "  %-16s %s\n", syn, cmd_flags[i].help);
		}
	if (e->local)
		fprintf(fp, "\nanswered by netctl; needs no netd\n");
	else if (e->access == CMD_ADMIN)
		fprintf(fp, "\naccess: admin (root, netd's user, admin_group); "
		    "audited\n");
	else
		fprintf(fp, "\naccess: read-only (control_group and up)\n");
}

/*
 * The option a word is, with its value in *v (the rest of the word, or
 * the next word); NULL when the word is no option of netctl's.
 */
static const struct ctl_option *
option(int argc, char *argv[], int *i, const char **v)
{
	const struct ctl_option *o;
	const char *w = argv[*i];
	size_t j, n;

	for (j = 0; j < NOPTIONS; j++) {
		o = &options[j];
		n = strlen(o->name);
		if (w[0] == '-' && w[1] == o->letter && (w[2] == '\0' ||
		    o->value != NULL))
			*v = w[2] != '\0' ? w + 2 : NULL;
		else if (strncmp(w, o->name, n) == 0 && (w[n] == '\0' ||
		    (w[n] == '=' && o->value != NULL)))
			*v = w[n] == '=' ? w + n + 1 : NULL;
		else
			continue;
		if (o->value != NULL && *v == NULL && *i + 1 < argc)
			*v = argv[++*i];
		if (o->value != NULL && *v == NULL) {
			warnx("option %s needs a value (%s)", w, o->value);
			ctl_usage(stderr);
			exit(EXIT_USAGE);
		}
		return o;
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	const struct ctl_option *o;
	const char *v;
	char **words, msg[512];
	struct cmd_req req;
	int i, n = 0, help = 0, dashdash = 0;
	enum cmd_id id;

	program_name();
	if ((words = calloc((size_t)argc + 1, sizeof(*words))) == NULL)
		err(EXIT_FAILED, NULL);
	/*
	 * netctl's options may stand anywhere (netctl status --json); what
	 * is left are the command's words, which the table parses, as the
	 * master does a request line.  "--" ends the options.
	 */
	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0)
			dashdash = 1;
		else if (!dashdash && (o = option(argc, argv, &i, &v)) !=
		    NULL) {
			switch (o->letter) {
			case 's':
				opts.socket = v;
				break;
			case 'c':
				opts.config = v;
				break;
			case 'j':
				opts.json = 1;
				break;
			case 'h':
				help = 1;
				break;
			}
		} else if (n == 0 && !dashdash && argv[i][0] == '-' &&
		    argv[i][1] != '\0') {
			warnx("unknown option '%s'", argv[i]);
			ctl_usage(stderr);
			return EXIT_USAGE;
		} else
			words[n++] = argv[i];
	}
	if (n == 0) {
		ctl_usage(help ? stdout : stderr);
		return help ? EXIT_OK : EXIT_USAGE;
	}
	if (help) {
		if ((id = cmd_lookup(words[0], CMD_CLI)) != CMD_NONE) {
			ctl_help(id, stdout);
			return EXIT_OK;
		}
		n = 1;		/* said below: unknown command */
	}
	if (cmd_parse(CMD_CLI, n, words, &req, msg, sizeof(msg)) == -1) {
		warnx("%s", msg);
		if (req.id == CMD_NONE)
			ctl_usage(stderr);
		return EXIT_USAGE;
	}
	return ctl_run(&req);
}
