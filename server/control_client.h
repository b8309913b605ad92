/* A control client as the master holds it; shared by control.c and its commands. */
#ifndef NETD_CONTROL_CLIENT_H
#define NETD_CONTROL_CLIENT_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "proto.h"

enum access { ACC_NONE, ACC_READ, ACC_ADMIN };

/* What a client's reply waits for. */
#define CLIENT_WAIT_RELOAD	1	/* the new generation serves */
#define CLIENT_WAIT_UPGRADE	2	/* the new master serves, or failed */

struct client {
	int		 fd;
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	enum access	 access;
	char		 in[CONTROL_LINE_MAX];
	size_t		 inlen;
	char		*out;		/* reply being written */
	size_t		 outlen, outoff;
	uint64_t	 since;		/* connected at (monotonic) */
	uint64_t	 deadline;	/* monotonic */
	int		 waiting;	/* CLIENT_WAIT_*, 0: not waiting */
	json_t		*pending;	/* the reply to send when it does */
	char		 cmd[64];	/* for the audit line */
};

/* Queue a JSON reply (taking the reference); the connection then closes. */
void	client_reply(struct client *c, json_t *doc);
/* Forget a client whose connection another part of the master took. */
void	client_release(struct client *c);
/* Reply {"ok": false, "code": code, "error": message}. */
void	reply_error(struct client *c, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Does every command of the table have a handler?  -1 if not. */
int	client_handlers_check(void);
/*
 * A waiting client: reply if what it waits for happened, or (late) with
 * the failure; 1 if it got its reply (control_cmd.c).
 */
int	client_waited(struct client *c, int late);
/* One request line: check access, run the command (control_cmd.c). */
void	client_request(struct client *c);

#endif
