/*
 * Log files across processes.  The master opens log_file and access_log
 * (as the user it started as, then makes a new file its workers' user's)
 * and workers inherit the descriptors at fork.  To rotate, the master
 * reopens the files by name and publishes each file's name, device and
 * inode in the scoreboard's view, bumping log_gen; a worker checks log_gen
 * before each line it writes and, when it moved, opens the published name
 * itself (never creating it, never through a symlink) and keeps it only if
 * it is the very file the master opened.  So nothing is passed between
 * processes, no signal is needed, a worker never writes to a file the
 * master did not choose, and an idle worker lets go of the old file at its
 * next line (the old file is complete once every worker has written one
 * or exited).  syslog and journal are sockets: nothing to reopen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "log_sink.h"
#include "logfile.h"
#include "privs.h"
#include "scoreboard.h"

static uint32_t seen;		/* the log_gen this process follows */
static char *cur[LOG_NSTREAMS];	/* the specs applied (master) */

static void
logfile_publish(void)
{
	struct sb_view *v = scoreboard_view();
	const char *p;
	uint64_t dev, ino;
	int i;

	if (v == NULL)
		return;
	for (i = 0; i < LOG_NSTREAMS; i++) {
		p = log_sink_file(i, &dev, &ino);
		strlcpy(v->logs[i].path, p != NULL ? p : "",
		    sizeof(v->logs[i].path));
		v->logs[i].dev = dev;
		v->logs[i].ino = ino;
	}
	seen = v->log_gen + 1;
	__atomic_store_n(&v->log_gen, seen, __ATOMIC_RELEASE);
}

/* Before each line: a worker follows a reopen the master published. */
static void
logfile_follow(void)
{
	uint32_t gen;
	int i, failed = 0;

	if (sbv == NULL ||
	    (gen = __atomic_load_n(&sbv->log_gen, __ATOMIC_ACQUIRE)) == seen)
		return;
	seen = gen;
	for (i = 0; i < LOG_NSTREAMS; i++)
		if (sbv->logs[i].path[0] != '\0' &&
		    log_sink_follow(i, sbv->logs[i].path, sbv->logs[i].dev,
		    sbv->logs[i].ino) == -1)
			failed = i + 1;
	if (failed)
		log_warn("cannot reopen %s; still writing to the old file",
		    sbv->logs[failed - 1].path);
}

static int
same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
logfile_apply(const struct netd_config *cfg, char *err, size_t errlen)
{
	const char *spec[LOG_NSTREAMS] = { cfg->log_file, cfg->access_log };
	const char *key[LOG_NSTREAMS] = { "log_file", "access_log" };
	char why[512];
	uid_t uid;
	gid_t gid;
	int i, changed = 0;

	log_set_access(cfg->access_log_level);
	privs_target(cfg, &uid, &gid);
	for (i = 0; i < LOG_NSTREAMS; i++) {
		if (same(spec[i], cur[i]))
			continue;
		if (log_sink_set(i, spec[i], uid, gid, why, sizeof(why)) ==
		    -1) {
			snprintf(err, errlen, "%s:%d: key '%s': %s", cfg->path,
			    config_key_line(cfg, key[i]), key[i], why);
			return -1;
		}
		free(cur[i]);
		cur[i] = spec[i] != NULL ? strdup(spec[i]) : NULL;
		changed = 1;
	}
	log_sink_hook(logfile_follow);
	if (changed)
		logfile_publish();
	return 0;
}

int
logfile_reopen(const struct netd_config *cfg, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;
	int n;

	privs_target(cfg, &uid, &gid);
	if ((n = log_sink_reopen(uid, gid, err, errlen)) > 0)
		logfile_publish();
	return n;
}
