/*
 * Binary upgrade, as nginx does on USR2 and HAProxy with -x: the master
 * starts the installed binary as a new master and hands it every
 * listening socket, the control socket with its lock, and one end of a
 * channel, as inherited descriptors named the systemd way (LISTEN_FDS,
 * LISTEN_FDNAMES; inherit.c takes them).  The new master loads and
 * checks its configuration, takes the sockets whose addresses it still
 * has, starts its pool, and says "ready" on the channel once its workers
 * serve.  The old master then hands over: under systemd it names the new
 * master the main pid (MAINPID=), tells it "go", stops accepting control
 * connections and drains its own workers, which finish their clients;
 * its files (control socket, lock, pid file, unix listeners) are the new
 * master's from then on.  Until "go", they stay the old master's, and a
 * new master that fails, crashes, or does not serve within
 * UPGRADE_WAIT_MS (then it is terminated) leaves the old one serving on
 * sockets it never closed; what the new one logged at err is the reason
 * netctl shows.
 *
 * The channel is a SOCK_SEQPACKET pair with SO_PASSCRED: each side acts
 * only on a message the kernel says the other master sent (its pid, not a
 * worker's), one record per message.  Records starting with \001 are the
 * protocol ("ready", "go"); the others are the new master's error lines
 * (log_tee).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "generation.h"
#include "inherit.h"
#include "io.h"
#include "log.h"
#include "proc.h"
#include "upgrade.h"

#define MARK		'\001'
#define ERRORS_MAX	32	/* error lines kept from the new master */

static struct {
	int		 state;		/* enum upgrade_state */
	int		 id;		/* old side: proc.c handle, -1 */
	pid_t		 pid;		/* old side: the new master */
	pid_t		 parent;	/* new side: the old master */
	int		 fd;		/* our end of the channel */
	uint64_t	 deadline;	/* monotonic */
	char		 binary[PATH_MAX];
	char		 why[512];
	struct report	 errors;
} up = { .id = -1, .fd = -1 };

int
upgrade_start(const struct generation *g, const char *path, char *err,
    size_t errlen)
{
	int sv[2] = { -1, -1 }, on = 1, id, ctl, lock, fl;

	if (upgrade_busy()) {
		snprintf(err, errlen, "an upgrade is under way (new master "
		    "pid %d)", (int)up.pid);
		return -1;
	}
	if (up.parent != 0) {
		snprintf(err, errlen, "this master is taking over from pid "
		    "%d: not yet", (int)up.parent);
		return -1;
	}
	if (upgrade_exec_resolve(g->cfg, path, up.binary, sizeof(up.binary),
	    err, errlen) == -1)
		return -1;
	ctl = control_listen_fd();
	lock = control_sock_lock_fd();
	if (ctl == -1 || lock == -1) {
		snprintf(err, errlen, "no control socket to hand over");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1 ||
	    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1 ||
	    (fl = fcntl(sv[0], F_GETFL)) == -1 ||
	    fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "channel: %s", strerror(errno));
		goto fail;
	}
	id = upgrade_exec_spawn(g, up.binary, ctl, lock, sv[1], err, errlen);
	if (id == -1)
		goto fail;
	close(sv[1]);
	report_free(&up.errors);
	up.state = UPGRADE_STARTING;
	up.id = id;
	up.pid = proc_pid(id);
	up.fd = sv[0];
	up.why[0] = '\0';
	up.deadline = monotonic_ms() + UPGRADE_WAIT_MS;
	log_notice("upgrade: started %s as pid %d, handing it %zu "
	    "listener%s and the control socket", up.binary, (int)up.pid,
	    g->nls, g->nls == 1 ? "" : "s");
	return 0;
fail:
	if (sv[0] != -1) {
		close(sv[0]);
		close(sv[1]);
	}
	return -1;
}

static void
upgrade_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
upgrade_fail(const char *fmt, ...)
{
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(up.why, sizeof(up.why), fmt, ap);
	va_end(ap);
	up.state = UPGRADE_FAILED;
	for (i = 0; i < up.errors.nlines; i++)
		log_warnx("upgrade: pid %d: %s", (int)up.pid,
		    up.errors.lines[i]);
	log_warnx("upgrade failed: %s; this master (pid %d) serves on",
	    up.why, (int)getpid());
}

int
upgrade_go(void)
{
	static const char go[] = { MARK, 'g', 'o' };

	if (up.fd == -1 || send(up.fd, go, sizeof(go), MSG_NOSIGNAL) == -1) {
		upgrade_fail("the new master (pid %d) cannot be told to take "
		    "over: %s", (int)up.pid, up.fd == -1 ? "channel closed" :
		    strerror(errno));
		(void)proc_signal(up.id, SIGTERM);
		return -1;
	}
	up.state = UPGRADE_DONE;
	close(up.fd);
	up.fd = -1;
	log_notice("upgrade: %s (pid %d) serves; this master (pid %d) hands "
	    "over, drains its workers and leaves", up.binary, (int)up.pid,
	    (int)getpid());
	return 0;
}

void
upgrade_abort(const char *why)
{
	if (up.state != UPGRADE_STARTING)
		return;
	/* The channel stays open: the new master must not think us gone. */
	(void)proc_signal(up.id, SIGTERM);
	upgrade_fail("%s: the new master (pid %d) was terminated", why,
	    (int)up.pid);
}

int
upgrade_reaped(int id, int status, int sent)
{
	char how[96];

	if (up.id == -1 || id != up.id)
		return 0;
	proc_describe(status, sent, how, sizeof(how));
	up.id = -1;
	if (up.fd != -1) {
		/* What it said before it went. */
		while (upgrade_handle() != UPGRADE_EV_NONE)
			;
		if (up.fd != -1)
			close(up.fd);
		up.fd = -1;
	}
	if (up.state == UPGRADE_STARTING)
		upgrade_fail("the new master (pid %d, %s) %s before it "
		    "served", (int)up.pid, up.binary, how);
	else if (up.state == UPGRADE_DONE)
		log_warnx("upgrade: the new master (pid %d) %s", (int)up.pid,
		    how);
	else
		log_info("upgrade: the new master (pid %d) %s", (int)up.pid,
		    how);
	return 1;
}

void
upgrade_tick(void)
{
	if (up.state == UPGRADE_STARTING && monotonic_ms() >= up.deadline) {
		(void)proc_signal(up.id, SIGTERM);
		upgrade_fail("the new master (pid %d) did not serve within "
		    "%ds; terminated", (int)up.pid, UPGRADE_WAIT_MS / 1000);
	}
}

int
upgrade_busy(void)
{
	return up.id != -1 && up.state != UPGRADE_DONE;
}

int
upgrade_state(void)
{
	return up.state;
}

pid_t
upgrade_pid(void)
{
	return up.pid;
}

const char *
upgrade_binary(void)
{
	return up.binary;
}

const char *
upgrade_why(void)
{
	return up.why;
}

const struct report *
upgrade_errors(void)
{
	return &up.errors;
}

int
upgrade_child_init(void)
{
	int fd, on = 1;

	if ((fd = inherit_take(INHERIT_UPGRADE)) == -1)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == -1) {
		log_err("upgrade channel");
		close(fd);
		return -1;
	}
	up.fd = fd;
	up.parent = getppid();
	/* Why this master does not start goes to the old one, for netctl. */
	log_tee(fd);
	log_info("upgrade: taking over from pid %d", (int)up.parent);
	return 0;
}

void
upgrade_child_ready(void)
{
	static const char ready[] = { MARK, 'r', 'e', 'a', 'd', 'y' };

	if (up.parent == 0 || up.state == UPGRADE_WAITING)
		return;
	up.state = UPGRADE_WAITING;
	if (up.fd != -1 && send(up.fd, ready, sizeof(ready), MSG_NOSIGNAL) ==
	    -1)
		log_warn("upgrade: telling pid %d", (int)up.parent);
}

pid_t
upgrade_predecessor(void)
{
	return up.parent;
}

void
upgrade_child_done(void)
{
	log_tee(-1);
	if (up.fd != -1)
		close(up.fd);
	up.fd = -1;
	up.parent = 0;
	up.state = UPGRADE_NONE;
}

int
upgrade_pollfd(struct pollfd *pfd)
{
	if (up.fd == -1)
		return 0;
	pfd->fd = up.fd;
	pfd->events = POLLIN;
	pfd->revents = 0;
	return 1;
}

/* Descriptors nobody should send: closed. */
static void
drop_rights(struct msghdr *mh)
{
	struct cmsghdr *cm;
	size_t i, n;
	int *fds;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		fds = (int *)(void *)CMSG_DATA(cm);
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++)
			close(fds[i]);
	}
}

static pid_t
sender(struct msghdr *mh)
{
	struct cmsghdr *cm;
	struct ucred uc;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(uc))) {
			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			return uc.pid;
		}
	return 0;
}

enum upgrade_event
upgrade_handle(void)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(struct ucred)) +
				    CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	char buf[2048];
	struct msghdr mh;
	struct iovec iov;
	pid_t from, peer = up.parent != 0 ? up.parent : up.pid;
	ssize_t n;

	while (up.fd != -1) {
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf) - 1;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		n = recvmsg(up.fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return UPGRADE_EV_NONE;
		if (n <= 0) {
			if (n == -1)
				log_warn("upgrade channel");
			close(up.fd);
			up.fd = -1;
			/* Old side: the reap says how the new one went. */
			return up.parent != 0 ? UPGRADE_EV_ORPHAN :
			    UPGRADE_EV_NONE;
		}
		drop_rights(&mh);
		if ((from = sender(&mh)) != peer) {
			log_warnx("upgrade channel: a message from pid %d, not "
			    "from pid %d: ignored", (int)from, (int)peer);
			continue;
		}
		buf[n] = '\0';
		if (n > 0 && buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		if (buf[0] == MARK) {
			if (up.parent == 0 && up.state == UPGRADE_STARTING &&
			    strcmp(buf + 1, "ready") == 0)
				return UPGRADE_EV_READY;
			if (up.parent != 0 && strcmp(buf + 1, "go") == 0)
				return UPGRADE_EV_GO;
			continue;
		}
		if (up.parent == 0 && up.errors.nlines < ERRORS_MAX)
			report_add(&up.errors, "%s", buf);
	}
	return UPGRADE_EV_NONE;
}
