/*
 * The control socket's file.  It lives in a directory that only root and
 * netd's users can write (safedir), made if missing.  A lock file beside
 * it (PATH.lock, flock'ed for the master's life, as tmux does) makes one
 * netd its owner, so that two netd starting at once cannot both take a
 * socket that nobody listens on yet for a dead one's.  Under the lock, a
 * socket nobody listens on is a dead netd's and is replaced; anything
 * else at the path (a file, a live listener, even one too busy to take
 * our probe) is left alone and the start refused.  The socket is bound
 * with its mode already right (umask), then given its group and ACL
 * through a descriptor of its own inode, never by path.
 *
 * An upgrade hands the listening socket and the lock's descriptor to the
 * new master (inherit.c).  flock(2) locks belong to the open file, which
 * both masters then share, so the lock is never free during the
 * hand-over and no third netd can take the path.  The new master checks
 * that what it got is the lock file and the socket its configuration
 * names; the files stay the old master's (it alone removes them) until
 * it hands over, then they are the new one's (control_sock_own).  The
 * old master closes its descriptors and leaves the files alone
 * (control_sock_disown).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "inherit.h"
#include "log.h"
#include "safedir.h"

#define SOCK_MODE_UMASK	0117	/* the socket is born 0660 */

static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static char lock_path[sizeof(sock_path) + 5];
static int lock_fd = -1;
static pid_t sock_owner;	/* the process that may remove them */

/* Take PATH.lock for good, or say that another netd has it. */
static int
sock_lock(const char *path)
{
	struct stat st, now;
	int fd, tries;

	snprintf(lock_path, sizeof(lock_path), "%s.lock", path);
	for (tries = 0; tries < 8; tries++) {
		fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW |
		    O_NONBLOCK | O_CLOEXEC, 0600);
		if (fd == -1) {
			log_err("control socket %s: open %s", path, lock_path);
			return -1;
		}
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
			log_errx("control socket %s: %s is not a regular file",
			    path, lock_path);
			close(fd);
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno == EWOULDBLOCK)
				log_errx("control socket %s: another netd is "
				    "running there (stop it, or set a "
				    "different control_socket)", path);
			else
				log_err("control socket %s: lock %s", path,
				    lock_path);
			close(fd);
			return -1;
		}
		/*
		 * A netd that stopped meanwhile removes the file it held:
		 * then ours is locked but nameless, and another netd could
		 * lock a new one.  Lock the file that has the name.
		 */
		if (stat(lock_path, &now) == 0 && now.st_dev == st.st_dev &&
		    now.st_ino == st.st_ino) {
			lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	log_errx("control socket %s: %s keeps changing", path, lock_path);
	return -1;
}

/* Under the lock: clear the way, or refuse. */
static int
sock_clear_stale(const struct sockaddr_un *sun)
{
	const char *path = sun->sun_path;
	struct stat st;
	int fd, rc, e;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_err("control socket %s", path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_errx("control socket %s: exists and is not a socket "
		    "(remove it, or set a different control_socket)", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_err("control socket");
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN) {
		/* EAGAIN: it listens, but its queue is full. */
		log_errx("control socket %s: another process listens there "
		    "(stop it, or set a different control_socket)", path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		errno = e;
		log_err("control socket %s: connect", path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		log_err("control socket %s: unlink the stale socket", path);
		return -1;
	}
	log_info("control socket %s: replaced a stale socket", path);
	return 0;
}

/*
 * admin_group members who are not in control_group must still reach the
 * socket: an ACL entry gives their group the same rw as control_group.
 */
static void
sock_acl(const char *fdpath, const struct netd_config *cfg)
{
	char text[256];
	acl_t acl;

	if (cfg->admin_group == NULL || (cfg->control_group != NULL &&
	    strcmp(cfg->admin_group, cfg->control_group) == 0) ||
	    getgrnam(cfg->admin_group) == NULL)
		return;
	snprintf(text, sizeof(text), "u::rw-,g::rw-,g:%s:rw-,m::rw-,o::---",
	    cfg->admin_group);
	if ((acl = acl_from_text(text)) == NULL) {
		log_warn("control socket: ACL for admin_group '%s'",
		    cfg->admin_group);
		return;
	}
	if (acl_set_file(fdpath, ACL_TYPE_ACCESS, acl) == -1)
		log_warn("control socket %s: cannot let admin_group '%s' in "
		    "(ACL)", sock_path, cfg->admin_group);
	acl_free(acl);
}

/*
 * Group and ACL of the socket just bound, through a descriptor of its
 * inode (O_PATH, the link not followed): what we change is what we made.
 */
static int
sock_own(const struct netd_config *cfg)
{
	char fdpath[64];
	struct group *gr;
	struct stat st;
	int fd;

	if ((fd = open(sock_path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_err("control socket %s", sock_path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    st.st_uid != geteuid()) {
		log_errx("control socket %s: replaced after bind", sock_path);
		close(fd);
		return -1;
	}
	if (cfg->control_group != NULL) {
		if ((gr = getgrnam(cfg->control_group)) == NULL)
			log_warnx("control_group '%s': no such group; socket "
			    "%s keeps group %u", cfg->control_group,
			    sock_path, (unsigned)st.st_gid);
		else if (st.st_gid != gr->gr_gid && fchownat(fd, "",
		    (uid_t)-1, gr->gr_gid, AT_EMPTY_PATH) == -1)
			log_warn("control socket %s: chown to group %s",
			    sock_path, cfg->control_group);
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	sock_acl(fdpath, cfg);
	close(fd);
	return 0;
}

/*
 * The socket and lock an upgrading master passed: checked to be the lock
 * file beside the configured path (same inode, and the lock is ours) and
 * a stream socket listening on that path.  The socket, or -1.
 */
static int
sock_adopt(const struct netd_config *cfg, int fd, int lfd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	struct stat st, now;
	int on = 0, type = 0;
	socklen_t olen = sizeof(on);

	snprintf(lock_path, sizeof(lock_path), "%s.lock", sock_path);
	if (lfd == -1 || fstat(lfd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    stat(lock_path, &now) == -1 || now.st_dev != st.st_dev ||
	    now.st_ino != st.st_ino || flock(lfd, LOCK_EX | LOCK_NB) == -1) {
		log_errx("control socket %s: the lock passed by the running "
		    "netd is not %s", sock_path, lock_path);
		goto fail;
	}
	memset(&sun, 0, sizeof(sun));
	if (getsockname(fd, (struct sockaddr *)&sun, &len) == -1 ||
	    sun.sun_family != AF_UNIX || getsockopt(fd, SOL_SOCKET,
	    SO_ACCEPTCONN, &on, &olen) == -1 || !on ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &olen) == -1 ||
	    type != SOCK_STREAM) {
		log_errx("control socket %s: the descriptor passed is not a "
		    "listening unix socket", sock_path);
		goto fail;
	}
	if (strncmp(sun.sun_path, sock_path, sizeof(sun.sun_path)) != 0) {
		log_errx("control socket: the running netd has %.*s, the "
		    "configuration says %s; an upgrade keeps the control "
		    "socket (restart netd to move it)",
		    (int)sizeof(sun.sun_path), sun.sun_path, sock_path);
		goto fail;
	}
	lock_fd = lfd;
	/* The group or ACL the new configuration asks for. */
	(void)sock_own(cfg);
	log_info("control socket %s: taken over from the running netd",
	    sock_path);
	return fd;
fail:
	close(fd);
	if (lfd != -1)
		close(lfd);
	return -1;
}

int
control_sock_open(const struct netd_config *cfg)
{
	char dir[sizeof(sock_path)], err[512];
	struct sockaddr_un sun;
	mode_t old;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, cfg->control_socket,
	    sizeof(sun.sun_path)) >= sizeof(sun.sun_path)) {
		log_errx("control socket %s: longer than %zu bytes",
		    cfg->control_socket, sizeof(sun.sun_path) - 1);
		return -1;
	}
	if (safedir_check(cfg, safedir_of(sun.sun_path, dir, sizeof(dir)),
	    SAFEDIR_CREATE, err, sizeof(err)) == -1) {
		log_errx("control socket %s: %s", sun.sun_path, err);
		return -1;
	}
	strlcpy(sock_path, sun.sun_path, sizeof(sock_path));
	if ((fd = inherit_take(INHERIT_CONTROL)) != -1) {
		sock_owner = 0;		/* the old master's until it hands over */
		return sock_adopt(cfg, fd, inherit_take(INHERIT_CONTROL_LOCK));
	}
	sock_owner = getpid();
	if (sock_lock(sock_path) == -1)
		return -1;
	if (sock_clear_stale(&sun) == -1)
		goto fail;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_err("control socket");
		goto fail;
	}
	old = umask(SOCK_MODE_UMASK);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1) {
		log_err("control socket %s: bind", sock_path);
		close(fd);
		goto fail;
	}
	if (sock_own(cfg) == -1)
		goto unbind;
	if (listen(fd, 128) == -1) {
		log_err("control socket %s: listen", sock_path);
		goto unbind;
	}
	return fd;
unbind:
	close(fd);
	unlink(sock_path);
fail:
	control_sock_close(-1);
	return -1;
}

int
control_sock_lock_fd(void)
{
	return lock_fd;
}

void
control_sock_own(void)
{
	sock_owner = getpid();
}

void
control_sock_disown(void)
{
	sock_owner = 0;
}

void
control_sock_close(int fd)
{
	if (fd != -1)
		close(fd);
	/* Only the master removes them, and only its own; lock last. */
	if (lock_fd != -1 && getpid() != sock_owner) {
		close(lock_fd);		/* a hand-over: the other one's now */
		lock_fd = -1;
	}
	if (lock_fd == -1)
		return;
	if (fd != -1 && unlink(sock_path) == -1 && errno != ENOENT)
		log_warn("unlink %s", sock_path);
	if (unlink(lock_path) == -1 && errno != ENOENT)
		log_warn("unlink %s", lock_path);
	close(lock_fd);
	lock_fd = -1;
}
