/* EINTR-safe I/O with deadlines, descriptor flags and clocks, in one place. */
#ifndef NETD_IO_H
#define NETD_IO_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * When non-NULL and set by a signal handler, the blocking helpers below
 * give up with errno EINTR instead of retrying.  A worker points it at
 * its "stop now" flag.
 */
extern volatile sig_atomic_t *io_interrupt;

/*
 * When set, io_wait() calls it after a signal interrupts the wait and at
 * least every IO_SLICE_MS while it waits: a worker shows it is alive and
 * acts on a drain request there, even while a slow client holds it.
 */
#define IO_SLICE_MS	1000
extern void (*io_wait_hook)(void);

uint64_t monotonic_ms(void);
uint64_t realtime_ms(void);

int	fd_set_nonblock(int fd, int on);
int	fd_set_cloexec(int fd);

/* Wait until fd is readable (events POLLIN) or writable (POLLOUT). */
int	io_wait(int fd, short events, int timeout_ms);
/* Read once, waiting up to timeout_ms: >0 bytes, 0 EOF, -1 error/ETIMEDOUT. */
ssize_t	io_read(int fd, void *buf, size_t len, int timeout_ms);
/* Write everything, waiting up to timeout_ms for each step of progress. */
ssize_t	io_write_all(int fd, const void *buf, size_t len, int timeout_ms);

#endif
