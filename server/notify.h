/* What the master tells systemd (sd_notify): state, status, watchdog, fds. */
#ifndef NETD_NOTIFY_H
#define NETD_NOTIFY_H

#include <stdint.h>
#include <sys/types.h>

struct generation;

/*
 * Once, at start: the watchdog and the fd store, from the environment.
 * main_pid 0: an upgrade's new master, silent until notify_on().
 */
void	notify_init(int main_pid);
/* Is there a service manager to tell, and may this master speak to it? */
int	notify_active(void);
/* The main pid is ours now (the old master named us), or another's. */
void	notify_on(void);
void	notify_off(void);
/* READY=1 with STATUS=, as the main pid (start, an upgrade's takeover). */
void	notify_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC=: a reload begins. */
void	notify_reloading(void);
/* READY=1 with STATUS=: a reload is over, applied or refused. */
void	notify_reloaded(const char *status);
/* STATUS=, when it changed. */
void	notify_status(const char *status);
void	notify_stopping(void);
/* EXTEND_TIMEOUT_USEC=: a stop needs ms more. */
void	notify_extend(uint64_t ms);
/* MAINPID=: a new master takes over. */
void	notify_mainpid(pid_t pid);
/* WATCHDOG=1 if it is time; ms until it is next (-1: no watchdog). */
int	notify_watchdog(void);
/* The watchdog interval (usec), to hand to a new master; 0: none. */
uint64_t notify_watchdog_usec(void);
/*
 * Keep systemd's fd store in step with generation g (FDSTORE=1 with the
 * listener's name; FDSTOREREMOVE=1 for names prev had and g has not).
 * prev NULL: at start, against what was passed back.
 */
void	notify_fdstore_sync(const struct generation *g,
	    const struct generation *prev);
/* Does systemd keep the listeners across restarts? */
int	notify_fdstore(void);

#endif
