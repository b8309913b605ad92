/* The pid file: written once netd serves, removed at exit if still ours. */
#ifndef NETD_PIDFILE_H
#define NETD_PIDFILE_H

#include <sys/types.h>

#include "config.h"

/*
 * Write path (NULL: nothing to do) with our pid; -1, the reason logged
 * at err, if its directory is unsafe or it names another live netd.
 */
int	pidfile_create(const struct netd_config *cfg, const char *path);
/* The pid of another live netd that path names; 0 if none. */
pid_t	pidfile_other(const char *path);
/* Remove it if this process wrote it and it still names us. */
void	pidfile_unlink(void);

#endif
