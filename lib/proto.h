/*
 * The control protocol between netctl and the master.  One request line
 * ("status\n", "scale +2\n", "reload --dry-run\n"), one JSON document back,
 * then the master closes.  Every reply has "ok" (true/false); failures add
 * "error" (one line for a person) and "code" (below); netctl maps codes
 * to exit statuses.  Bump CONTROL_PROTOCOL when any of this changes.
 */
#ifndef NETD_PROTO_H
#define NETD_PROTO_H

#define CONTROL_PROTOCOL	1
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
