/* -d: detach, and tell the caller whether the start went well. */
#ifndef NETD_DETACH_H
#define NETD_DETACH_H

/*
 * Fork into the background, in a session of its own.  Returns in the
 * daemon (0, or -1 if it could not detach); the process that called it
 * waits for the outcome and exits with it: 0 once the daemon serves,
 * 1, with the reason on stderr, if it exited before.
 */
int	detach(void);
/* In the master, once it serves: let the caller go (no-op without -d). */
void	detach_ready(void);

#endif
