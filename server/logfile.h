/* The log targets of the running config: opened, reopened, followed. */
#ifndef NETD_LOGFILE_H
#define NETD_LOGFILE_H

#include <stddef.h>

#include "config.h"

/*
 * Master: direct the logs as cfg says (log_file, access_log,
 * access_log_level), at start and at each reload.  0, or -1 with
 * "FILE:LINE: key 'log_file': cannot open ..." in err.
 */
int	logfile_apply(const struct netd_config *cfg, char *err,
	    size_t errlen);
/*
 * Master: reopen the log files (USR1, `netctl reopen`); workers follow.
 * The number of files reopened (0: none is a file), or -1 with err.
 */
int	logfile_reopen(const struct netd_config *cfg, char *err,
	    size_t errlen);

#endif
