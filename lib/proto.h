/*
 * The control protocol between netctl and the master.  One request line
 * in, one JSON document back, then the master closes.
 *
 * A request line is a command and its arguments as netctl takes them on
 * its command line, separated by spaces or tabs, ended by LF (a CR before
 * it is ignored): "status", "reload --dry-run", "scale +2", "scale -1",
 * "stop --graceful".  The commands, their flags and arguments are the
 * rows of lib/cmd.c, which both sides parse with (netctl's own, such as
 * help and status --watch, are not requests).  At most CMD_ARGS_MAX words
 * and CONTROL_LINE_MAX - 1 bytes, NUL-free.
 *
 * Every reply has "ok" (true/false); failures add "error" (one line for
 * a person) and "code" (below); netctl maps codes to exit statuses.
 * Bump CONTROL_PROTOCOL when any of this changes.
 *
 * 2: flags are spelled as on the command line only: "stop graceful" and
 *    "reload dry-run" are usage errors now.
 */
#ifndef NETD_PROTO_H
#define NETD_PROTO_H

#define CONTROL_PROTOCOL	2
#define CONTROL_LINE_MAX	4096	/* longest request line */
#define CONTROL_TIMEOUT_MS	5000	/* to send a request line */
#define CONTROL_RELOAD_WAIT_MS	60000	/* new generation must serve by */

/* Values of "code" in a failed reply. */
#define CODE_FAILED		"failed"	/* exit 1 */
#define CODE_USAGE		"usage"		/* exit 2 */
#define CODE_DENIED		"permission"	/* exit 4 */

/* netctl exit statuses (LSB). */
#define EXIT_OK			0
#define EXIT_FAILED		1
#define EXIT_USAGE		2
#define EXIT_NOT_RUNNING	3
#define EXIT_DENIED		4

#endif
