/*
 * Detaching (-d) for init systems that expect a daemon to fork: double
 * fork, a session of its own, stdin and stdout on /dev/null, inherited
 * descriptors closed; stderr is kept for the log.  The process that ran
 * `netd -d` does not exit at once: it waits on a socket pair for the
 * outcome, so that its exit status says whether netd serves.  The daemon
 * sends its error messages as it logs them (log_tee) and "ready" once its
 * first workers serve (detach_ready, from the master); its end closes
 * when it exits, ready or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "detach.h"
#include "io.h"
#include "log.h"

#define DETACH_WAIT_MS	90000	/* then the caller gives up waiting */
#define DETACH_READY	"ready"

static int report_fd = -1;	/* the daemon's end */

/*
 * The caller's side: read lines until "ready" (exit 0) or the end (exit
 * 1, with the first error the daemon logged).
 */
static void __attribute__((noreturn))
detach_wait(int fd, pid_t child)
{
	char buf[4096], first[1024] = "", *nl, *line;
	uint64_t deadline = monotonic_ms() + DETACH_WAIT_MS;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	int nerr = 0, rc;
	ssize_t n;

	(void)waitpid(child, NULL, 0);	/* the middle one exits at once */
	for (;;) {
		uint64_t now = monotonic_ms();

		if (now >= deadline) {
			fprintf(stderr, "netd: not serving after %ds%s%s\n",
			    DETACH_WAIT_MS / 1000, nerr > 0 ? ": " : "", first);
			exit(1);
		}
		rc = poll(&pfd, 1, (int)(deadline - now));
		if (rc == -1 && errno != EINTR) {
			fprintf(stderr, "netd: waiting for the daemon: %s\n",
			    strerror(errno));
			exit(1);
		}
		if (rc <= 0)
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		line = buf;
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			if (strcmp(line, DETACH_READY) == 0)
				exit(0);
			if (nerr++ == 0)
				strlcpy(first, line, sizeof(first));
			line = nl + 1;
		}
		len = strlen(line);
		memmove(buf, line, len + 1);
		if (len == sizeof(buf) - 1)
			len = 0;	/* a line too long: drop it */
	}
	if (nerr == 0)
		fprintf(stderr, "netd: not started: the daemon exited (see "
		    "its log)\n");
	else if (nerr == 1)
		fprintf(stderr, "netd: not started: %s\n", first);
	else
		fprintf(stderr, "netd: not started: %s (and %d more errors; "
		    "see the log)\n", first, nerr - 1);
	exit(1);
}

int
detach(void)
{
	int sv[2], fd;
	pid_t pid;

	/* Nothing of ours is open yet: whatever is, is the caller's. */
	closefrom(STDERR_FILENO + 1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		close(sv[1]);
		detach_wait(sv[0], pid);
	}
	close(sv[0]);
	if (setsid() == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return -1;
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1)
		return -1;
	if (fd > STDERR_FILENO)
		close(fd);
	log_pid_reset();
	report_fd = sv[1];
	log_tee(report_fd);
	return 0;
}

void
detach_ready(void)
{
	if (report_fd == -1)
		return;
	log_tee(-1);
	while (send(report_fd, DETACH_READY "\n", strlen(DETACH_READY) + 1,
	    MSG_NOSIGNAL) == -1 && errno == EINTR)
		;
	close(report_fd);
	report_fd = -1;
}
