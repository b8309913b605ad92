/*
 * Descriptors found open at start, passed the systemd way (LISTEN_FDS,
 * LISTEN_PID, LISTEN_FDNAMES): listening sockets of a socket unit or of
 * systemd's file-descriptor store, or everything a master hands to the
 * one that replaces it (upgrade.c).
 */
#ifndef NETD_INHERIT_H
#define NETD_INHERIT_H

#include "listener.h"

/* Names of the descriptors a master hands to its successor. */
#define INHERIT_CONTROL		"netd-control"
#define INHERIT_CONTROL_LOCK	"netd-control-lock"
#define INHERIT_UPGRADE		"netd-upgrade"

/*
 * Take what was passed (once, at start; the variables are then removed
 * from the environment).  0, or -1 with the reason logged.
 */
int	inherit_init(void);
/* The descriptor passed under one of the names above, once; or -1. */
int	inherit_take(const char *name);
/*
 * A passed socket for the configured listener l: its descriptor (now
 * non-blocking, l->addr set to what it is bound to, l->origin to where it
 * came from), or -1 when none was passed for it.
 */
int	inherit_listener(struct listener *l);
/* Were sockets passed at all (to say which ones netd bound itself)? */
int	inherit_any(void);
/* The first generation is built: close what nobody took, saying so. */
void	inherit_done(void);
/* The names netd's own passed sockets came with, one by one (fd store). */
const char *inherit_own_name(int i);

#endif
