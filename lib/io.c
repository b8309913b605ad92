/*
 * Blocking I/O on non-blocking descriptors: poll(2) for readiness with a
 * deadline, then one system call.  EINTR is retried unless io_interrupt
 * says the process must stop; short writes are continued.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

volatile sig_atomic_t *io_interrupt;
void (*io_wait_hook)(void);

uint64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
fd_set_nonblock(int fd, int on)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

int
fd_set_cloexec(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return -1;
	return fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

static int
interrupted(void)
{
	return io_interrupt != NULL && *io_interrupt;
}

int
io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd;
	uint64_t deadline = 0, now;
	int left, n;

	if (timeout_ms > 0)
		deadline = monotonic_ms() + (uint64_t)timeout_ms;
	for (;;) {
		if (interrupted()) {
			errno = EINTR;
			return -1;
		}
		left = timeout_ms;
		if (timeout_ms > 0) {
			now = monotonic_ms();
			if (now >= deadline) {
				errno = ETIMEDOUT;
				return -1;
			}
			left = (int)(deadline - now);
		}
		/* With a hook, it hears from us at least once a slice. */
		if (io_wait_hook != NULL && (left < 0 || left > IO_SLICE_MS))
			left = IO_SLICE_MS;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
		if (io_wait_hook != NULL)
			io_wait_hook();
		if (n == 0 && timeout_ms == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

ssize_t
io_read(int fd, void *buf, size_t len, int timeout_ms)
{
	ssize_t n;

	for (;;) {
		if (interrupted()) {
			errno = EINTR;
			return -1;
		}
		n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (io_wait(fd, POLLIN, timeout_ms) == -1)
			return -1;
	}
}

ssize_t
io_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (interrupted()) {
			errno = EINTR;
			return -1;
		}
		n = write(fd, p + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (io_wait(fd, POLLOUT, timeout_ms) == -1)
			return -1;
	}
	return (ssize_t)done;
}
