/*
 * Where log lines go: the main log and the access log, each to standard
 * error, a file, syslog or the journal.
 */
#ifndef NETD_LOG_SINK_H
#define NETD_LOG_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum log_stream {
	LOG_MAIN,		/* everything (log_file) */
	LOG_ACCESS,		/* access lines (access_log) */
	LOG_NSTREAMS
};

enum log_target {
	LOG_TO_MAIN,		/* access lines: with the main log */
	LOG_TO_STDERR,
	LOG_TO_FILE,
	LOG_TO_SYSLOG,		/* /dev/log, facility daemon */
	LOG_TO_JOURNAL,		/* the journal's native protocol */
};

/* How lines are signed: ident[pid]; journal: "<N>" prefixes on stderr. */
void	log_sink_id(const char *ident, pid_t pid, int journal);
/*
 * "stderr", "syslog[:SOCKET]", "journal[:SOCKET]" or a path (a file);
 * NULL: the default.
 */
int	log_sink_kind(const char *spec);
/*
 * Send a stream to spec (NULL: stderr for the main log, the main log for
 * access lines).  A file is opened for appending, created 0640, owned by
 * uid:gid when we are root (uid -1: left alone), so that workers that
 * dropped privileges can reopen it.  What the stream had is closed only
 * once the new one is open.  0, or -1 with a message in err.
 */
int	log_sink_set(int stream, const char *spec, uid_t uid, gid_t gid,
	    char *err, size_t errlen);
/* The file a stream writes to, or NULL; its device and inode. */
const char *log_sink_file(int stream, uint64_t *dev, uint64_t *ino);
/*
 * Reopen every file by its name (after rotation), created if it is gone.
 * The number of files reopened, or -1 with err (the old files stay).
 */
int	log_sink_reopen(uid_t uid, gid_t gid, char *err, size_t errlen);
/*
 * In a worker: write to path from now on, if it is the file dev:ino (the
 * one the master opened); never creates.  0, or -1 with errno.
 */
int	log_sink_follow(int stream, const char *path, uint64_t dev,
	    uint64_t ino);
/* The descriptors the streams hold, for a child that closes the rest. */
size_t	log_sink_fds(int *fds, size_t n);
/* Called before each line is written (a worker checks for a reopen). */
void	log_sink_hook(void (*fn)(void));
/* The access stream has a target of its own (access_log). */
int	log_sink_separate(void);
/* Write one message (no newline) at level, named lname, to a stream. */
void	log_sink_write(int stream, int level, const char *lname,
	    const char *msg);

#endif
