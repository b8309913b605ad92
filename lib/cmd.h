/*
 * The control commands, one table for netctl and the master: netctl
 * parses its command line and prints its help from it, the master parses
 * each request line with the same function, then takes access, audit and
 * dispatch from the same row.  A request line is the command's words as
 * a person types them ("scale +2", "stop --graceful"); see proto.h.
 */
#ifndef NETD_CMD_H
#define NETD_CMD_H

#include <stddef.h>

/* The ids index cmd_table[] and the handler arrays of both programs. */
enum cmd_id {
	CMD_NONE = -1,		/* not a command */
	CMD_PING,
	CMD_VERSION,
	CMD_STATUS,
	CMD_CONFIG,
	CMD_RELOAD,
	CMD_SCALE,
	CMD_STOP,
	CMD_REOPEN,
	CMD_WATCH,
	CMD_UPGRADE,
	CMD_HELP,
	CMD_COUNT
};

/* Who may run a command (the master maps peers to these). */
enum cmd_access {
	CMD_READ,		/* control_group members */
	CMD_ADMIN,		/* root, the daemon's user, admin_group */
};

/* What a command takes besides flags. */
enum cmd_arg {
	CMD_ARG_NONE,
	CMD_ARG_SCALE,		/* N, +N or -N, N at most CMD_SCALE_MAX */
	CMD_ARG_TOPIC,		/* [COMMAND] */
	CMD_ARG_PATH,		/* [PATH]: absolute on the wire, no blanks */
};

/* Where a parse happens: netctl's command line, or a request line. */
enum cmd_side {
	CMD_CLI,
	CMD_WIRE,
};

/* Flags, as bits: what a row accepts and what a request has. */
#define CMD_FL_DRY_RUN		0x01u
#define CMD_FL_GRACEFUL		0x02u
#define CMD_FL_WATCH		0x04u
#define CMD_FL_CONNECTIONS	0x08u

#define CMD_ARGS_MAX		8	/* words in a request line */
#define CMD_SCALE_MAX		512	/* NETD_MAX_WORKERS (asserted in cmd.c) */

struct cmd_flag {
	unsigned	 bit;
	const char	*name;		/* "--dry-run" */
	const char	*value;		/* "SECONDS", or NULL: takes none */
	double		 min, max, dflt; /* of the value, when it has one */
	int		 local;		/* netctl's own: never on the wire */
	const char	*help;
};

struct cmd_entry {
	const char	*name;
	enum cmd_arg	 arg;
	unsigned	 flags;		/* CMD_FL_* it accepts */
	enum cmd_access	 access;
	int		 audit;		/* an audit line for every request */
	int		 local;		/* answered by netctl, never sent */
	const char	*help;		/* one line */
};

/* A parsed command. */
struct cmd_req {
	enum cmd_id	 id;
	unsigned	 flags;		/* CMD_FL_* given */
	double		 watch;		/* --watch SECONDS */
	int		 scale;		/* N, or the change for +N and -N */
	int		 relative;	/* scale +N or -N */
	enum cmd_id	 topic;		/* help COMMAND, or CMD_NONE */
	const char	*path;		/* upgrade PATH (a word of argv), or NULL */
};

extern const struct cmd_entry	cmd_table[CMD_COUNT];
extern const struct cmd_flag	cmd_flags[];
extern const size_t		cmd_nflags;

/* The id of a command known on this side, or CMD_NONE. */
enum cmd_id cmd_lookup(const char *name, enum cmd_side side);
/* The one command name close to a mistyped one, or NULL. */
const char *cmd_suggest(const char *word, enum cmd_side side);
/*
 * Parse words (argv[0] is the command) into req.  Returns 0, or -1 with
 * a one-line message in err; req->id is CMD_NONE when the command itself
 * is unknown.  A request line and a command line go through here alike.
 */
int	cmd_parse(enum cmd_side side, int argc, char *const argv[],
	    struct cmd_req *req, char *err, size_t errlen);
/*
 * A request line as the master reads it (NUL-terminated, without its
 * LF): split in place into words at spaces, tabs and CRs, at most
 * CMD_ARGS_MAX, then cmd_parse(CMD_WIRE, ...).  req->id is CMD_NONE when
 * there is no command to speak of (empty, too many words, unknown).
 */
int	cmd_parse_line(char *line, struct cmd_req *req, char *err,
	    size_t errlen);
/* The request line for req, as netctl sends it; -1 if it does not fit. */
int	cmd_format(const struct cmd_req *req, char *buf, size_t len);
/* "reload [--dry-run]": the command and what it takes on this side. */
void	cmd_synopsis(enum cmd_id id, enum cmd_side side, char *buf,
	    size_t len);
/* The argument's synopsis and help ("N|+N|-N"), or NULL for none. */
const char *cmd_arg_synopsis(enum cmd_arg arg);
const char *cmd_arg_help(enum cmd_arg arg);
/* "ping, version, ...": the commands known on this side. */
void	cmd_names(enum cmd_side side, char *buf, size_t len);

#endif
