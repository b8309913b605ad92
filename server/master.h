/* The master: binds, forks the pool, supervises, reloads, stops. */
#ifndef NETD_MASTER_H
#define NETD_MASTER_H

#include <stdint.h>

#include "config.h"
#include "report.h"

struct generation;

/* Serve g (loaded and bound by the caller) until stopped; exit status. */
int	master_run(struct generation *g) __attribute__((warn_unused_result));
const struct netd_config *master_config(void);
uint32_t master_generation(void);
/* 0 while running; a stop has begun otherwise. */
int	master_stopping(void);
/*
 * Load the configuration again and serve it: 0, or -1 with the errors
 * in rep and nothing changed.  A dry run applies nothing and reports
 * what would change.
 */
int	master_reload(int dry_run, struct report *rep);
/*
 * Start an upgrade: path (NULL: the installed binary) as a new master
 * (upgrade.c).  0 once started, -1 with the reason in err.
 */
int	master_upgrade(const char *path, char *err, size_t errlen);
/* Has the serving generation's pool started (a reload's answer waits)? */
int	master_serving(void);
/* Or can none of its workers start (why: one's last exit)? */
int	master_cannot_serve(char *why, size_t len);
void	master_stop(int graceful);
/* Reopen the log files; 0 with what was done in msg, or -1 (msg: why). */
int	master_reopen(const char *who, char *msg, size_t len);

#endif
