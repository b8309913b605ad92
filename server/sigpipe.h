/* The master's signals, read in its loop from a self-pipe. */
#ifndef NETD_SIGPIPE_H
#define NETD_SIGPIPE_H

#include <stddef.h>

/* Catch these n signals into the pipe; ignore SIGPIPE; unblock all. */
int	sigpipe_init(const int *sigs, size_t n);
/* The end to poll for POLLIN. */
int	sigpipe_fd(void);
/* Call fn for each signal caught since, in order. */
void	sigpipe_drain(void (*fn)(int));

#endif
