/*
 * The control command table and its one parser, used by netctl for its
 * command line, usage and help, and by the master for each request line.
 * Shared code: it never logs or exits; errors are one line in a buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "utf8.h"

#define STR(x)		STR1(x)
#define STR1(x)		#x

_Static_assert(CMD_SCALE_MAX == NETD_MAX_WORKERS,
    "scale is bounded by the most workers netd can run");

/* Flags, in the order synopses and request lines show them. */
const struct cmd_flag cmd_flags[] = {
	{ .bit = CMD_FL_DRY_RUN, .name = "--dry-run",
	    .help = "check the config, show what would change, apply nothing" },
	{ .bit = CMD_FL_GRACEFUL, .name = "--graceful",
	    .help = "let the workers finish their clients, up to "
	    "shutdown_timeout" },
	{ .bit = CMD_FL_WATCH, .name = "--watch", .value = "SECONDS",
	    .min = 0.1, .max = 3600, .dflt = 2, .local = 1,
	    .help = "draw it again every SECONDS (0.1 to 3600, default 2)" },
	{ .bit = CMD_FL_CONNECTIONS, .name = "--connections",
	    .help = "also every connection the workers hold" },
};
const size_t cmd_nflags = sizeof(cmd_flags) / sizeof(cmd_flags[0]);

/*
 * One row per command: name, argument, flags, access, audited, netctl's
 * own, help.  The order is the order of usage and of the master's list.
 */
const struct cmd_entry cmd_table[CMD_COUNT] = {
	[CMD_PING] = { "ping", CMD_ARG_NONE, 0, CMD_READ, 0, 0,
	    "is netd alive" },
	[CMD_VERSION] = { "version", CMD_ARG_NONE, 0, CMD_READ, 0, 0,
	    "netd's and netctl's versions" },
	[CMD_STATUS] = { "status", CMD_ARG_NONE,
	    CMD_FL_WATCH | CMD_FL_CONNECTIONS, CMD_READ, 0, 0,
	    "pool, listeners and workers" },
	[CMD_CONFIG] = { "config", CMD_ARG_NONE, 0, CMD_READ, 0, 0,
	    "the configuration in effect" },
	[CMD_RELOAD] = { "reload", CMD_ARG_NONE, CMD_FL_DRY_RUN, CMD_ADMIN,
	    1, 0, "load the config file again" },
	[CMD_SCALE] = { "scale", CMD_ARG_SCALE, 0, CMD_ADMIN, 1, 0,
	    "set the pool size" },
	[CMD_STOP] = { "stop", CMD_ARG_NONE, CMD_FL_GRACEFUL, CMD_ADMIN, 1, 0,
	    "stop netd (fast, or let clients finish)" },
	[CMD_REOPEN] = { "reopen", CMD_ARG_NONE, 0, CMD_ADMIN, 1, 0,
	    "reopen log files" },
	[CMD_WATCH] = { "watch", CMD_ARG_NONE, 0, CMD_READ, 0, 0,
	    "follow the pool's events as they happen" },
	[CMD_UPGRADE] = { "upgrade", CMD_ARG_PATH, 0, CMD_ADMIN, 1, 0,
	    "start the installed netd as a new master; the old one leaves" },
	[CMD_HELP] = { "help", CMD_ARG_TOPIC, 0, CMD_READ, 0, 1,
	    "the commands, or one command in full" },
};

static const struct {
	const char	*synopsis;
	const char	*help;
} args[] = {
	[CMD_ARG_NONE] = { NULL, NULL },
	[CMD_ARG_SCALE] = { "N|+N|-N",
	    "N workers, or N more (+N) or fewer (-N); N up to " STR(
	    CMD_SCALE_MAX) },
	[CMD_ARG_TOPIC] = { "[COMMAND]", "the command to describe" },
	[CMD_ARG_PATH] = { "[PATH]",
	    "the binary to start (default: where netd was started from)" },
};

#define NAME_MAX_LEN	15	/* longest command name, for cmd_suggest */
#define SHOWN_MAX	65	/* a word quoted in a message: 64 bytes */

/* A word as a message quotes it: 64 bytes at most, cut on a character. */
static const char *
shown(const char *word, char buf[SHOWN_MAX])
{
	utf8_strlcpy(buf, word, SHOWN_MAX);
	return buf;
}

const char *
cmd_arg_synopsis(enum cmd_arg arg)
{
	return args[arg].synopsis;
}

const char *
cmd_arg_help(enum cmd_arg arg)
{
	return args[arg].help;
}

static int
known(enum cmd_id id, enum cmd_side side)
{
	return side == CMD_CLI || !cmd_table[id].local;
}

/* The flags a command takes on this side. */
static unsigned
flags_on(enum cmd_id id, enum cmd_side side)
{
	unsigned mask = cmd_table[id].flags;
	size_t i;

	if (side == CMD_WIRE)
		for (i = 0; i < cmd_nflags; i++)
			if (cmd_flags[i].local)
				mask &= ~cmd_flags[i].bit;
	return mask;
}

enum cmd_id
cmd_lookup(const char *name, enum cmd_side side)
{
	int i;

	for (i = 0; i < CMD_COUNT; i++)
		if (known(i, side) && strcmp(cmd_table[i].name, name) == 0)
			return i;
	return CMD_NONE;
}

/* Edit distance counting a swap of neighbours as one (optimal alignment). */
static size_t
distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[NAME_MAX_LEN + 3][NAME_MAX_LEN + 1], i, j, v;

	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

/*
 * A name the word starts (when only one does), else the one name within
 * two edits (when only one is that close).  Short words are left alone:
 * "to" is two edits from "stop" without meaning it.
 */
const char *
cmd_suggest(const char *word, enum cmd_side side)
{
	const char *pick = NULL;
	size_t lw = strlen(word), ln, d, best = 3;
	int i, n = 0, tie = 0;

	for (i = 0; i < CMD_COUNT && lw > 0; i++)
		if (known(i, side) && strncmp(cmd_table[i].name, word,
		    lw) == 0) {
			pick = cmd_table[i].name;
			n++;
		}
	if (n == 1)
		return pick;
	pick = NULL;
	for (i = 0; i < CMD_COUNT; i++) {
		ln = strlen(cmd_table[i].name);
		if (!known(i, side) || ln > NAME_MAX_LEN ||
		    lw > ln + 2 || ln > lw + 2)
			continue;
		d = distance(word, lw, cmd_table[i].name, ln);
		if (d < best) {
			best = d;
			pick = cmd_table[i].name;
			tie = 0;
		} else if (d == best)
			tie = 1;
	}
	return pick != NULL && !tie && best < lw ? pick : NULL;
}

void
cmd_names(enum cmd_side side, char *buf, size_t len)
{
	size_t off = 0;
	int i, n;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < CMD_COUNT && off < len; i++) {
		if (!known(i, side))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
		    cmd_table[i].name);
		if (n < 0)
			return;
		off += (size_t)n;
	}
}

/* Append to the string in buf: 0, or -1 when it had to be cut short. */
static int
append(char *buf, size_t len, const char *s)
{
	size_t off = strnlen(buf, len), n = strlen(s);

	if (off + n >= len) {
		if (off < len)
			snprintf(buf + off, len - off, "%s", s);
		return -1;
	}
	memcpy(buf + off, s, n + 1);
	return 0;
}

void
cmd_synopsis(enum cmd_id id, enum cmd_side side, char *buf, size_t len)
{
	const struct cmd_flag *f;
	unsigned mask = flags_on(id, side);
	enum cmd_arg arg = cmd_table[id].arg;
	size_t i;

	if (len == 0)
		return;
	snprintf(buf, len, "%s", cmd_table[id].name);
	for (i = 0; i < cmd_nflags; i++) {
		f = &cmd_flags[i];
		if (!(mask & f->bit))
			continue;
		append(buf, len, " [");
		append(buf, len, f->name);
		if (f->value != NULL) {
			append(buf, len, " [");
			append(buf, len, f->value);
			append(buf, len, "]");
		}
		append(buf, len, "]");
	}
	if (args[arg].synopsis != NULL) {
		append(buf, len, " ");
		append(buf, len, args[arg].synopsis);
	}
}

static void
unknown(const char *word, enum cmd_side side, char *err, size_t errlen)
{
	const char *near = cmd_suggest(word, side);
	char names[256], w[SHOWN_MAX];

	if (side == CMD_WIRE) {
		cmd_names(side, names, sizeof(names));
		snprintf(err, errlen, "unknown command '%s' (%s)%s%s%s",
		    shown(word, w), names, near ? "; did you mean '" : "",
		    near ? near : "", near ? "'?" : "");
	} else
		snprintf(err, errlen, "unknown command '%s'%s%s%s",
		    shown(word, w), near ? "; did you mean '" : "",
		    near ? near : "", near ? "'?" : "");
}

/* A word's mistake, with the command's synopsis to show what is valid. */
static int
misuse(const struct cmd_req *req, enum cmd_side side, const char *what,
    const char *word, char *err, size_t errlen)
{
	const struct cmd_entry *e = &cmd_table[req->id];
	char syn[128], w[SHOWN_MAX];

	if (flags_on(req->id, side) == 0 && e->arg == CMD_ARG_NONE) {
		snprintf(err, errlen, "%s takes no arguments", e->name);
		return -1;
	}
	cmd_synopsis(req->id, side, syn, sizeof(syn));
	snprintf(err, errlen, "%s: %s '%s' (usage: %s)", e->name, what,
	    shown(word, w), syn);
	return -1;
}

/* N, +N or -N: 0 ok, -1 not that, -2 beyond CMD_SCALE_MAX. */
static int
scale_arg(const char *w, struct cmd_req *req)
{
	const char *p = w;
	long v = 0;
	int neg = 0;

	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		req->relative = 1;
		p++;
	}
	if (*p == '\0')
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v <= CMD_SCALE_MAX)		/* stays far from overflow */
			v = v * 10 + (*p - '0');
	}
	if (v > CMD_SCALE_MAX)
		return -2;
	req->scale = neg ? -(int)v : (int)v;
	return 0;
}

/* A flag's value in its bounds; strtod alone takes "nan" and "inf". */
static int
flag_value(const struct cmd_flag *f, const char *v, struct cmd_req *req,
    char *err, size_t errlen)
{
	char *end;
	double x;

	x = strtod(v, &end);
	if (end == v || *end != '\0' || !(x >= f->min && x <= f->max)) {
		snprintf(err, errlen, "%s takes %s from %g to %g", f->name,
		    f->value, f->min, f->max);
		return -1;
	}
	if (f->bit == CMD_FL_WATCH)
		req->watch = x;
	return 0;
}

static const struct cmd_flag *
flag_named(const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < cmd_nflags; i++)
		if (strlen(cmd_flags[i].name) == len &&
		    strncmp(cmd_flags[i].name, word, len) == 0)
			return &cmd_flags[i];
	return NULL;
}

int
cmd_parse(enum cmd_side side, int argc, char *const argv[],
    struct cmd_req *req, char *err, size_t errlen)
{
	const struct cmd_entry *e;
	const struct cmd_flag *f;
	const char *w, *eq;
	char syn[128], sw[SHOWN_MAX];
	unsigned mask;
	int i, nargs = 0, rc;

	memset(req, 0, sizeof(*req));
	req->id = req->topic = CMD_NONE;
	if (argc < 1) {
		snprintf(err, errlen, "no command");
		return -1;
	}
	if ((req->id = cmd_lookup(argv[0], side)) == CMD_NONE) {
		unknown(argv[0], side, err, errlen);
		return -1;
	}
	e = &cmd_table[req->id];
	mask = flags_on(req->id, side);
	for (i = 1; i < argc; i++) {
		w = argv[i];
		eq = strchr(w, '=');
		f = w[0] == '-' ? flag_named(w, eq ? (size_t)(eq - w) :
		    strlen(w)) : NULL;
		if (f != NULL && (mask & f->bit)) {
			if (req->flags & f->bit) {
				snprintf(err, errlen, "%s: %s given twice",
				    e->name, f->name);
				return -1;
			}
			req->flags |= f->bit;
			if (f->value == NULL && eq != NULL) {
				snprintf(err, errlen, "%s takes no value",
				    f->name);
				return -1;
			}
			if (f->value == NULL)
				continue;
			if (f->bit == CMD_FL_WATCH)
				req->watch = f->dflt;
			/* The value is optional: the next word, if no flag. */
			if (eq != NULL)
				w = eq + 1;
			else if (i + 1 < argc && argv[i + 1][0] != '-')
				w = argv[++i];
			else
				continue;
			if (flag_value(f, w, req, err, errlen) == -1)
				return -1;
			continue;
		}
		/* A word such as -2 is scale's argument, not a flag. */
		if (w[0] == '-' && w[1] != '\0' && e->arg != CMD_ARG_SCALE)
			return misuse(req, side, "unknown option", w, err,
			    errlen);
		if (e->arg == CMD_ARG_NONE || nargs++ > 0)
			return misuse(req, side, "unexpected argument", w,
			    err, errlen);
		switch (e->arg) {
		case CMD_ARG_SCALE:
			if ((rc = scale_arg(w, req)) == -1)
				snprintf(err, errlen, "%s: '%s' is not N, "
				    "+N or -N", e->name, shown(w, sw));
			else if (rc == -2)
				snprintf(err, errlen, "%s: '%s' is beyond "
				    "%d workers, the most netd runs", e->name,
				    shown(w, sw), CMD_SCALE_MAX);
			if (rc != 0)
				return -1;
			break;
		case CMD_ARG_TOPIC:
			if ((req->topic = cmd_lookup(w, side)) == CMD_NONE) {
				unknown(w, side, err, errlen);
				return -1;
			}
			break;
		case CMD_ARG_PATH:
			if (strpbrk(w, " \t\r\n") != NULL ||
			    (side == CMD_WIRE && w[0] != '/')) {
				snprintf(err, errlen, "%s: '%.64s' is not an "
				    "absolute path without blanks", e->name, w);
				return -1;
			}
			req->path = w;
			break;
		case CMD_ARG_NONE:
			break;
		}
	}
	if (e->arg == CMD_ARG_SCALE && nargs == 0) {
		cmd_synopsis(req->id, side, syn, sizeof(syn));
		snprintf(err, errlen, "usage: %s", syn);
		return -1;
	}
	return 0;
}

int
cmd_parse_line(char *line, struct cmd_req *req, char *err, size_t errlen)
{
	char *argv[CMD_ARGS_MAX], *tok, *save = NULL;
	int argc = 0;

	memset(req, 0, sizeof(*req));
	req->id = req->topic = CMD_NONE;
	for (tok = strtok_r(line, " \t\r", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t\r", &save)) {
		if (argc == CMD_ARGS_MAX) {
			snprintf(err, errlen, "request has more than %d words",
			    CMD_ARGS_MAX);
			return -1;
		}
		argv[argc++] = tok;
	}
	if (argc == 0) {
		snprintf(err, errlen, "empty request: send a command such as "
		    "'status'");
		return -1;
	}
	return cmd_parse(CMD_WIRE, argc, argv, req, err, errlen);
}

int
cmd_format(const struct cmd_req *req, char *buf, size_t len)
{
	char num[16];
	size_t i;
	int rc;

	if (req->id < 0 || req->id >= CMD_COUNT || len == 0)
		return -1;
	buf[0] = '\0';
	rc = append(buf, len, cmd_table[req->id].name);
	for (i = 0; i < cmd_nflags; i++)
		if ((req->flags & cmd_flags[i].bit) && !cmd_flags[i].local) {
			rc |= append(buf, len, " ");
			rc |= append(buf, len, cmd_flags[i].name);
		}
	if (cmd_table[req->id].arg == CMD_ARG_PATH && req->path != NULL) {
		rc |= append(buf, len, " ");
		rc |= append(buf, len, req->path);
	}
	if (cmd_table[req->id].arg == CMD_ARG_SCALE) {
		if (req->relative)
			snprintf(num, sizeof(num), " %+d", req->scale);
		else
			snprintf(num, sizeof(num), " %d", req->scale);
		rc |= append(buf, len, num);
	}
	return rc;
}
