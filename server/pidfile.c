/*
 * The pid file.  Written only once netd is bound and holds its control
 * socket, so that a netd that fails to start never overwrites the file of
 * the one that runs; refused while it names another netd still alive.
 * Written atomically: a temporary file in the same directory, renamed
 * over the old name, so that a reader never sees half a pid and a link
 * planted at the name is replaced, never followed.  The directory must
 * be one only root and netd's users can write (safedir).  After an
 * upgrade the new master rewrites it; the old one leaves it alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "pidfile.h"
#include "safedir.h"

static char *pf_path;		/* the file we wrote */
static pid_t pf_pid;		/* by this process */

/* Up to len - 1 bytes of a small file, NUL-terminated; -1 if unreadable. */
static ssize_t
read_small(const char *path, int flags, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | flags)) == -1)
		return -1;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - (size_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/* The pid a pid file names, 0 if none; a link is not followed. */
static pid_t
pidfile_read(const char *path)
{
	char buf[32], *end;
	long v;

	if (read_small(path, O_NOFOLLOW, buf, sizeof(buf)) <= 0)
		return 0;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') ||
	    v <= 0 || v > INT_MAX)
		return 0;
	return (pid_t)v;
}

/* Is pid alive (not a zombie) and netd, by its name or its title? */
static int
netd_alive(pid_t pid)
{
	char path[64], buf[512], *lp, *rp;
	const char *base;

	if (pid == getpid() || (kill(pid, 0) == -1 && errno != EPERM))
		return 0;
	/* "PID (comm) STATE ..." */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, 0, buf, sizeof(buf)) <= 0 ||
	    (lp = strchr(buf, '(')) == NULL ||
	    (rp = strrchr(buf, ')')) == NULL || rp[1] != ' ' ||
	    rp[2] == 'Z' || rp[2] == 'X')
		return 0;
	*rp = '\0';
	if (strcmp(lp + 1, "netd") == 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (read_small(path, 0, buf, sizeof(buf)) <= 0)
		return 0;
	base = strrchr(buf, '/') != NULL ? strrchr(buf, '/') + 1 : buf;
	return strcmp(base, "netd") == 0 || strncmp(buf, "netd:", 5) == 0;
}

pid_t
pidfile_other(const char *path)
{
	pid_t pid;

	if (path == NULL || (pid = pidfile_read(path)) <= 0 ||
	    !netd_alive(pid))
		return 0;
	return pid;
}

int
pidfile_create(const struct netd_config *cfg, const char *path,
    pid_t predecessor)
{
	char dir[PATH_MAX], tmp[PATH_MAX], buf[32], err[512];
	const char *base;
	pid_t other;
	int fd, n;

	if (path == NULL)
		return 0;
	safedir_of(path, dir, sizeof(dir));
	if (safedir_check(cfg, dir, 0, err, sizeof(err)) == -1) {
		log_errx("pid file %s: %s", path, err);
		return -1;
	}
	if ((other = pidfile_read(path)) > 0 && other != predecessor &&
	    netd_alive(other)) {
		log_errx("pid file %s: another netd (pid %d) is running",
		    path, (int)other);
		return -1;
	}
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		log_errx("pid file %s: path too long", path);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		log_err("pid file %s: create %s", path, tmp);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (fchmod(fd, 0644) == -1 ||
	    io_write_all(fd, buf, (size_t)n, -1) != n) {
		log_err("pid file %s: write %s", path, tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		log_err("pid file %s", path);
		unlink(tmp);
		return -1;
	}
	if ((pf_path = strdup(path)) == NULL)
		log_warn("pid file %s: will not be removed at exit", path);
	pf_pid = getpid();
	return 0;
}

void
pidfile_unlink(void)
{
	if (pf_path == NULL || getpid() != pf_pid)
		return;
	if (pidfile_read(pf_path) == pf_pid && unlink(pf_path) == -1 &&
	    errno != ENOENT)
		log_warn("unlink %s", pf_path);
	free(pf_path);
	pf_path = NULL;
}

const char *
pidfile_path(void)
{
	return getpid() == pf_pid ? pf_path : NULL;
}

void
pidfile_disown(void)
{
	free(pf_path);
	pf_path = NULL;
}
