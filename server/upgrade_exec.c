/*
 * The new binary of an upgrade (upgrade.c): which file may be run as
 * the master, and its start: the descriptors handed over become 3, 4,
 * ... in the order of their names (LISTEN_FDS, LISTEN_FDNAMES; the
 * pids, LISTEN_PID and WATCHDOG_PID, are the child's own), the
 * environment is the master's without what systemd passed to it, and
 * nothing else stays open but stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "generation.h"
#include "inherit.h"
#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "privs.h"
#include "proc.h"
#include "safedir.h"
#include "upgrade.h"

#define PID_VAR_LEN	32

/* What the child needs between fork and exec, made before the fork. */
static struct {
	const char	*path;
	char		*argv[4];
	char		**envp;
	int		*fds, *tmp;
	int		 nfds, chan;
	char		*listen_pid, *wd_pid;
} ex;

/*
 * The binary to start: an absolute path (by default where the running
 * binary was loaded from, which after a package upgrade is the new file),
 * a regular executable file owned by root or netd's users and writable by
 * nobody else, in a directory only they can change (safedir).
 */
int
upgrade_exec_resolve(const struct netd_config *cfg, const char *path,
    char *binary, size_t binlen, char *err, size_t errlen)
{
	char exe[PATH_MAX], real[PATH_MAX], dir[PATH_MAX], why[512];
	struct stat st;
	ssize_t n;
	size_t len;

	if (path == NULL) {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) ==
		    -1) {
			snprintf(err, errlen, "cannot tell which binary netd "
			    "runs (/proc/self/exe: %s)", strerror(errno));
			return -1;
		}
		exe[n] = '\0';
		len = strlen(exe);
		if (len > 10 && strcmp(exe + len - 10, " (deleted)") == 0)
			exe[len - 10] = '\0';	/* replaced on disk: good */
		path = exe;
	}
	if (path[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path", path);
		return -1;
	}
	if (realpath(path, real) == NULL || stat(real, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || access(real, X_OK) == -1) {
		snprintf(err, errlen, "%s is not an executable file", real);
		return -1;
	}
	if (!privs_trusted_uid(cfg, st.st_uid) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, mode %04o: it must "
		    "be root's or the daemon's user's and writable by nobody "
		    "else", real, (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (safedir_check(cfg, safedir_of(real, dir, sizeof(dir)), 0, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", real, why);
		return -1;
	}
	strlcpy(binary, real, binlen);
	return 0;
}

/* Is this variable one netd sets for its successor itself? */
static int
env_ours(const char *v)
{
	static const char *const names[] = { "LISTEN_PID=", "LISTEN_FDS=",
	    "LISTEN_FDNAMES=", "WATCHDOG_PID=", "WATCHDOG_USEC=",
	    NETD_PIDFILE_ENV "=" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(v, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

static void
ex_free(void)
{
	free(ex.envp);
	free(ex.fds);
	free(ex.tmp);
	free(ex.listen_pid);
	free(ex.wd_pid);
	memset(&ex, 0, sizeof(ex));
}

/*
 * The new master's environment: ours, without what systemd passed to us,
 * with the descriptors' count and names, the watchdog and the pid file;
 * the pids are filled in by the child.  environ's strings are only
 * pointed at; the added ones are freed after the fork.
 */
static char *added[4];

static int
ex_env(const char *names, int nfds, const char *pidfile)
{
	extern char **environ;
	uint64_t wd = notify_watchdog_usec();
	size_t n = 0, i, k = 0;

	for (i = 0; environ[i] != NULL; i++)
		n++;
	if ((ex.envp = calloc(n + 8, sizeof(char *))) == NULL ||
	    (ex.listen_pid = calloc(1, PID_VAR_LEN)) == NULL ||
	    (wd > 0 && (ex.wd_pid = calloc(1, PID_VAR_LEN)) == NULL))
		return -1;
	for (i = 0; environ[i] != NULL; i++)
		if (!env_ours(environ[i]))
			ex.envp[k++] = environ[i];
	if (asprintf(&added[0], "LISTEN_FDS=%d", nfds) == -1 ||
	    asprintf(&added[1], "LISTEN_FDNAMES=%s", names) == -1) {
		added[0] = added[1] = NULL;
		return -1;
	}
	ex.envp[k++] = added[0];
	ex.envp[k++] = added[1];
	ex.envp[k++] = ex.listen_pid;
	if (wd > 0) {
		if (asprintf(&added[2], "WATCHDOG_USEC=%llu",
		    (unsigned long long)wd) == -1) {
			added[2] = NULL;
			return -1;
		}
		ex.envp[k++] = added[2];
		ex.envp[k++] = ex.wd_pid;
	}
	if (pidfile != NULL) {
		if (asprintf(&added[3], "%s=%s", NETD_PIDFILE_ENV,
		    pidfile) == -1) {
			added[3] = NULL;
			return -1;
		}
		ex.envp[k++] = added[3];
	}
	ex.envp[k] = NULL;
	return 0;
}

static void
added_free(void)
{
	size_t i;

	for (i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
		free(added[i]);
		added[i] = NULL;
	}
}

/*
 * In the child (proc_spawn: signals blocked, the master's bookkeeping
 * closed): the passed descriptors become 3, 4, ... in order, nothing
 * else stays open but stdio, and the binary is run.  It unblocks the
 * signals itself once its handlers are set.
 */
static void
upgrade_exec(void *arg)
{
	char msg[PATH_MAX + 128];
	int i, n = ex.nfds, cfd = ex.fds[ex.chan], e, len;

	(void)arg;
	for (i = 0; i < n; i++)
		if ((ex.tmp[i] = fcntl(ex.fds[i], F_DUPFD_CLOEXEC, 3 + n)) ==
		    -1)
			goto fail;
	cfd = ex.tmp[ex.chan];
	for (i = 0; i < n; i++)
		if (dup2(ex.tmp[i], 3 + i) == -1)
			goto fail;
	closefrom(3 + n);
	cfd = 3 + ex.chan;
	snprintf(ex.listen_pid, PID_VAR_LEN, "LISTEN_PID=%d", (int)getpid());
	if (ex.wd_pid != NULL)
		snprintf(ex.wd_pid, PID_VAR_LEN, "WATCHDOG_PID=%d",
		    (int)getpid());
	execve(ex.path, ex.argv, ex.envp);
fail:
	e = errno;
	len = snprintf(msg, sizeof(msg), "cannot run %s: %s", ex.path,
	    strerror(e));
	if (len > 0)
		(void)send(cfd, msg, (size_t)len, MSG_NOSIGNAL);
	_exit(127);
}

int
upgrade_exec_spawn(const struct generation *g, const char *binary, int ctl,
    int lock, int chan, char *err, size_t errlen)
{
	char name[LISTENER_FDNAME_MAX], *names = NULL;
	size_t i, off = 0, cap;
	int id = -1;

	ex.nfds = (int)g->nls + 3;
	cap = ((size_t)ex.nfds) * LISTENER_FDNAME_MAX;
	if ((ex.fds = calloc((size_t)ex.nfds, sizeof(int))) == NULL ||
	    (ex.tmp = calloc((size_t)ex.nfds, sizeof(int))) == NULL ||
	    (names = malloc(cap)) == NULL)
		goto nomem;
	names[0] = '\0';
	for (i = 0; i < g->nls; i++) {
		if (listener_fdname(&g->ls[i], name, sizeof(name)) == -1) {
			/* Found again by address only (not with port 0). */
			log_warnx("upgrade: %s: no room for its name",
			    g->ls[i].addr.text);
			strlcpy(name, "listen", sizeof(name));
		}
		ex.fds[i] = g->ls[i].fd;
		off += (size_t)snprintf(names + off, cap - off, "%s:", name);
	}
	ex.fds[i++] = ctl;
	ex.fds[i++] = lock;
	ex.chan = (int)i;
	ex.fds[ex.chan] = chan;
	snprintf(names + off, cap - off, "%s:%s:%s", INHERIT_CONTROL,
	    INHERIT_CONTROL_LOCK, INHERIT_UPGRADE);
	if (ex_env(names, ex.nfds, pidfile_path()) == -1)
		goto nomem;
	ex.path = binary;
	ex.argv[0] = (char *)binary;
	ex.argv[1] = "-c";
	ex.argv[2] = g->cfg->path;
	ex.argv[3] = NULL;
	if ((id = proc_spawn(upgrade_exec, NULL)) == -1)
		snprintf(err, errlen, "fork: %s", strerror(errno));
	goto done;
nomem:
	snprintf(err, errlen, "out of memory");
done:
	free(names);
	added_free();
	ex_free();
	return id;
}
