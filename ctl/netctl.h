/* netctl: shared declarations of the control client. */
#ifndef NETCTL_H
#define NETCTL_H

#include <jansson.h>

struct ctl_opts {
	const char	*socket;
	const char	*config;
	int		 json;
	const char	*err_prefix;	/* "<3>" when stderr is the journal */
};

extern struct ctl_opts opts;

/* Send one request line, return the parsed reply; exits on failure. */
json_t	*ctl_request(const char *line, int timeout_ms, char **raw);
/* A failed reply: one line on stderr, exit status from its code. */
int	ctl_failed(json_t *reply);
int	ctl_run_command(int argc, char *argv[]);
void	ctl_usage(FILE *fp);

/* Human output of the status document. */
void	status_print(json_t *doc, FILE *fp);
void	config_print(json_t *doc, FILE *fp);

#endif
