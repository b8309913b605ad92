/*
 * The master's signals as bytes on a self-pipe: the handler writes the
 * signal's number and nothing else; the loop reads them and acts.  This
 * file owns the pipe and the handlers; SIGPIPE is ignored (a client gone
 * is an EPIPE where it is written to).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sigpipe.h"

static int sigpipe[2] = { -1, -1 };

static void
sigpipe_handler(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	/* Full: signals of that kind are already waiting to be read. */
	(void)!write(sigpipe[1], &c, 1);
	errno = saved;
}

int
sigpipe_init(const int *sigs, size_t n)
{
	struct sigaction sa;
	size_t i;

	if (pipe2(sigpipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_err("pipe");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = sigpipe_handler;
	for (i = 0; i < n; i++)
		if (sigaction(sigs[i], &sa, NULL) == -1) {
			log_err("sigaction");
			return -1;
		}
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1) {
		log_err("sigaction");
		return -1;
	}
	/* A master started by an upgrade comes with them all blocked. */
	sigemptyset(&sa.sa_mask);
	if (sigprocmask(SIG_SETMASK, &sa.sa_mask, NULL) == -1) {
		log_err("sigprocmask");
		return -1;
	}
	return 0;
}

int
sigpipe_fd(void)
{
	return sigpipe[0];
}

void
sigpipe_drain(void (*fn)(int))
{
	unsigned char sigs[64];
	ssize_t r, i;

	while ((r = read(sigpipe[0], sigs, sizeof(sigs))) > 0 ||
	    (r == -1 && errno == EINTR))
		for (i = 0; i < r; i++)
			fn(sigs[i]);
}
