/* Why workers ended: counted by reason, told with what they were serving. */
#ifndef NETD_EXITS_H
#define NETD_EXITS_H

#include <stddef.h>
#include <stdint.h>

enum exit_reason {
	EXIT_RECYCLED,		/* left by itself, its work done (exit 0) */
	EXIT_STOPPED,		/* asked to leave: reload, scale, stop */
	EXIT_STALLED,		/* killed for not coming back to its loop */
	EXIT_CRASHED,		/* SEGV, BUS, ILL, FPE, ABRT, SYS, TRAP */
	EXIT_KILLED,		/* another signal, not the master's */
	EXIT_FAILED,		/* a non-zero exit status */
	EXIT_NREASONS
};

/* The reason of a wait status; sent: the master's last signal to it. */
int	exits_reason(int status, int sent, int stalled, int leaving);
const char *exits_reason_name(int reason);
/* Count an exit; the counts are published in the view (exits). */
void	exits_count(int reason);
/*
 * What the worker in slot was doing when it ended, from its scoreboard
 * row and connection table (written by the worker: bounds checked,
 * escaped), as "; serving hello 127.0.0.1:4000 (1 connection dropped)"
 * or "; idle".  Each connection it left open gets an access line with
 * result (the client was dropped).  Returns how many there were.
 */
int	exits_serving(int slot, const char *result, char *buf, size_t len);

#endif
