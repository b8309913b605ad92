/* The pid file: written once netd serves, removed at exit if still ours. */
#ifndef NETD_PIDFILE_H
#define NETD_PIDFILE_H

#include <sys/types.h>

#include "config.h"

/*
 * The variable a master sets for the master that replaces it (upgrade.c):
 * the pid file it wrote, which the new one takes over when its own
 * configuration names none (as with -d).
 */
#define NETD_PIDFILE_ENV	"NETD_PIDFILE"

/*
 * Write path (NULL: nothing to do) with our pid; -1, the reason logged
 * at err, if its directory is unsafe or it names another live netd than
 * predecessor (the master this one replaces, 0 if none).
 */
int	pidfile_create(const struct netd_config *cfg, const char *path,
	    pid_t predecessor);
/* The pid of another live netd that path names; 0 if none. */
pid_t	pidfile_other(const char *path);
/* Remove it if this process wrote it and it still names us. */
void	pidfile_unlink(void);
/* The file this process wrote, or NULL. */
const char *pidfile_path(void);
/* Handed over: another master writes it now; leave it alone. */
void	pidfile_disown(void);

#endif
