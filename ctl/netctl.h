/* netctl: shared declarations of the control client. */
#ifndef NETCTL_H
#define NETCTL_H

#include <stdio.h>

#include <jansson.h>

#include "cmd.h"

struct ctl_opts {
	const char	*socket;
	const char	*config;
	int		 json;
	const char	*err_prefix;	/* "<3>" when stderr is the journal */
};

extern struct ctl_opts opts;

/* What failed, and the exit status it calls for. */
struct ctl_err {
	int	 rc;
	char	 msg[512];
};

/* Send one request line, return the parsed reply; exits on failure. */
json_t	*ctl_request(const char *line, int timeout_ms, char **raw);
/* The same, but a failure is NULL with e filled in. */
json_t	*ctl_request_try(const char *line, int timeout_ms, char **raw,
	    struct ctl_err *e);
/* Connect; -1 with e filled in. */
int	ctl_connect_try(struct ctl_err *e);
/* Connect and send a request line: the connection, or -1 with e. */
int	ctl_open(const char *line, int timeout_ms, struct ctl_err *e);
/* status --watch (status_watch.c): the request line, every secs. */
int	status_watch(const char *line, double secs);
/* netctl watch (watch.c). */
int	ctl_watch(const struct cmd_req *req);
/* A failed reply: one line on stderr, exit status from its code. */
int	ctl_failed(json_t *reply);
/* Run a parsed command (commands.c): its exit status. */
int	ctl_run(const struct cmd_req *req);
/* Every command and option; one command's synopsis, flags and access. */
void	ctl_usage(FILE *fp);
void	ctl_help(enum cmd_id id, FILE *fp);

/* Human output of the status document. */
void	status_print(json_t *doc, FILE *fp);
void	config_print(json_t *doc, FILE *fp);

#endif
