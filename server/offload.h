/*
 * Blocking work off a worker's event loop: a helper thread runs it (an
 * upload's fsync and rename), the loop runs what follows once it is done.
 */
#ifndef NETD_OFFLOAD_H
#define NETD_OFFLOAD_H

/* The descriptor the loop watches (started on first use), or -1. */
int	offload_fd(void);
/*
 * Run work(arg) on the helper thread, then done(arg) on the loop, in
 * the order submitted.  -1 if it cannot be queued (then nothing runs).
 */
int	offload_submit(void (*work)(void *), void (*done)(void *), void *arg);
/* The loop: offload_fd() is readable; run the done() of finished work. */
void	offload_complete(void);
/* Leaving at once (TERM): wait for work in progress, run its done(). */
void	offload_finish_all(void);

#endif
