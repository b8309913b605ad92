/*
 * Log targets.  Two streams, the main log (log_file) and the access log
 * (access_log), each written to standard error (the default, and under
 * systemd with "<N>" priority prefixes for journald), a file, syslog or
 * the journal.  Every target is a descriptor of ours: syslog and the
 * journal are datagram sockets we connect and format for ourselves (RFC
 * 3164 on /dev/log; the journal's native protocol, KEY=value lines), not
 * syslog(3) or sd_journal_send(3), whose hidden descriptors would not
 * survive a worker closing every descriptor it does not know.
 *
 * Rotation: the master reopens files by name (log_sink_reopen) and
 * publishes the new file's device and inode; a worker, which may no
 * longer have the right to create the file, reopens it by name too
 * (log_sink_follow: never created, never through a symlink) and keeps it
 * only if it is the master's file.  The master makes the files it
 * creates its workers' user's, as nginx does.
 *
 * A line is one write (or one datagram), so that lines of the master and
 * its workers never interleave: files are opened O_APPEND.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log_sink.h"
#include "logfmt.h"
#include "utf8.h"

#define SYSLOG_PATH	"/dev/log"
#define JOURNAL_PATH	"/run/systemd/journal/socket"
#define FACILITY	(3 << 3)	/* LOG_DAEMON */

struct sink {
	int		 target;	/* enum log_target */
	int		 fd;		/* file or socket; -1 */
	char		*path;		/* a file's or a socket's name */
	uint64_t	 dev, ino;
};

static struct sink sinks[LOG_NSTREAMS] = {
	[LOG_MAIN] = { LOG_TO_STDERR, -1, NULL, 0, 0 },
	[LOG_ACCESS] = { LOG_TO_MAIN, -1, NULL, 0, 0 },
};
static const char *sink_ident = "netd";
static pid_t sink_pid;
static int sink_journal_stream;
static void (*sink_hook)(void);

void
log_sink_id(const char *ident, pid_t pid, int journal)
{
	sink_ident = ident;
	sink_pid = pid;
	sink_journal_stream = journal;
}

void
log_sink_hook(void (*fn)(void))
{
	sink_hook = fn;
}

int
log_sink_kind(const char *spec)
{
	if (spec == NULL || strcmp(spec, "stderr") == 0)
		return LOG_TO_STDERR;
	if (strcmp(spec, "syslog") == 0 || strncmp(spec, "syslog:", 7) == 0)
		return LOG_TO_SYSLOG;
	if (strcmp(spec, "journal") == 0 || strncmp(spec, "journal:", 8) == 0)
		return LOG_TO_JOURNAL;
	return LOG_TO_FILE;
}

/* The socket of "syslog[:PATH]" or "journal[:PATH]". */
static const char *
sock_path(int target, const char *spec)
{
	const char *colon = spec != NULL ? strchr(spec, ':') : NULL;

	if (colon != NULL && colon[1] != '\0')
		return colon + 1;
	return target == LOG_TO_SYSLOG ? SYSLOG_PATH : JOURNAL_PATH;
}

int
log_sink_separate(void)
{
	return sinks[LOG_ACCESS].target != LOG_TO_MAIN;
}

static int
file_open(const char *path, int create, uid_t uid, gid_t gid,
    struct stat *st)
{
	int fd, flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY |
	    O_NOFOLLOW;

	if (create)
		flags |= O_CREAT;
	do
		fd = open(path, flags, 0640);
	while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1 || S_ISDIR(st->st_mode) ||
	    (create && uid != (uid_t)-1 && geteuid() == 0 &&
	    S_ISREG(st->st_mode) && (st->st_uid != uid || st->st_gid != gid) &&
	    fchown(fd, uid, gid) == -1)) {
		if (S_ISDIR(st->st_mode))
			errno = EISDIR;
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int
dgram_open(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

static void
sink_close(struct sink *s)
{
	if (s->fd != -1)
		(void)close(s->fd);
	free(s->path);
	s->fd = -1;
	s->path = NULL;
	s->dev = s->ino = 0;
}

int
log_sink_set(int stream, const char *spec, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct sink *s = &sinks[stream], n = { 0, -1, NULL, 0, 0 };
	struct stat st;

	n.target = log_sink_kind(spec);
	if (spec == NULL && stream == LOG_ACCESS)
		n.target = LOG_TO_MAIN;
	switch (n.target) {
	case LOG_TO_FILE:
		if ((n.fd = file_open(spec, 1, uid, gid, &st)) == -1 ||
		    (n.path = strdup(spec)) == NULL) {
			snprintf(err, errlen, "cannot open %s: %s", spec,
			    strerror(errno));
			if (n.fd != -1)
				(void)close(n.fd);
			return -1;
		}
		n.dev = (uint64_t)st.st_dev;
		n.ino = (uint64_t)st.st_ino;
		break;
	case LOG_TO_SYSLOG:
	case LOG_TO_JOURNAL:
		spec = sock_path(n.target, spec);
		if ((n.fd = dgram_open(spec)) == -1 ||
		    (n.path = strdup(spec)) == NULL) {
			snprintf(err, errlen, "cannot connect to %s: %s", spec,
			    strerror(errno));
			if (n.fd != -1)
				(void)close(n.fd);
			return -1;
		}
		break;
	}
	sink_close(s);
	*s = n;
	return 0;
}

const char *
log_sink_file(int stream, uint64_t *dev, uint64_t *ino)
{
	const struct sink *s = &sinks[stream];

	*dev = s->dev;
	*ino = s->ino;
	return s->target == LOG_TO_FILE ? s->path : NULL;
}

/* Put fd where s->fd was: the descriptor number stays (workers keep it). */
static int
sink_replace(struct sink *s, int fd)
{
	if (dup3(fd, s->fd, O_CLOEXEC) == -1) {
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	return 0;
}

int
log_sink_reopen(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	struct sink *s;
	struct stat st;
	int i, fd, n = 0;

	for (i = 0; i < LOG_NSTREAMS; i++) {
		s = &sinks[i];
		if (s->target != LOG_TO_FILE)
			continue;
		if ((fd = file_open(s->path, 1, uid, gid, &st)) == -1 ||
		    sink_replace(s, fd) == -1) {
			snprintf(err, errlen, "cannot reopen %s: %s", s->path,
			    strerror(errno));
			return -1;
		}
		s->dev = (uint64_t)st.st_dev;
		s->ino = (uint64_t)st.st_ino;
		n++;
	}
	return n;
}

int
log_sink_follow(int stream, const char *path, uint64_t dev, uint64_t ino)
{
	struct sink *s = &sinks[stream];
	struct stat st;
	char *p;
	int fd;

	if (s->target != LOG_TO_FILE)
		return 0;
	if (s->dev == dev && s->ino == ino)
		return 0;
	if ((fd = file_open(path, 0, (uid_t)-1, (gid_t)-1, &st)) == -1)
		return -1;
	if ((uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino) {
		(void)close(fd);
		errno = ESTALE;
		return -1;
	}
	if (strcmp(path, s->path) != 0) {
		if ((p = strdup(path)) == NULL) {
			(void)close(fd);
			return -1;
		}
		free(s->path);
		s->path = p;
	}
	if (sink_replace(s, fd) == -1)
		return -1;
	s->dev = dev;
	s->ino = ino;
	return 0;
}

size_t
log_sink_fds(int *fds, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < LOG_NSTREAMS && k < n; i++)
		if (sinks[i].fd != -1)
			fds[k++] = sinks[i].fd;
	return k;
}

/* RFC 3339, local time with its offset, milliseconds. */
static void
stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	long off;
	char date[32];

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    localtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		strlcpy(buf, "-", len);
		return;
	}
	off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%s.%03d%c%02d:%02d", date,
	    (int)(ts.tv_nsec / 1000000) % 1000, off < 0 ? '-' : '+',
	    (int)(labs(off) / 60) % 100, (int)(labs(off) % 60));
}

/* Write or send len bytes in one call; EINTR retried, the rest lost. */
static int
out(int fd, int sock, const char *buf, size_t len)
{
	ssize_t n;

	do
		n = sock ? send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) :
		    write(fd, buf, len);
	while (n == -1 && errno == EINTR);
	return n == -1 ? -1 : 0;
}

/* syslogd restarted: connect again, on the same descriptor. */
static void
reconnect(struct sink *s)
{
	int fd;

	if (errno != ECONNREFUSED && errno != ENOTCONN && errno != ENOENT)
		return;
	fd = dgram_open(s->path);
	if (fd != -1)
		(void)sink_replace(s, fd);
}

/*
 * The journal's fields: the message, its priority and who says it, and
 * each key=value of the message as NETD_KEY (an access line's service,
 * peer, status...), so that `journalctl NETD_STATUS=404` finds lines.
 */
static size_t
journal_fields(char *buf, size_t len, int stream, int level,
    const char *msg)
{
	char key[64], val[1024];
	const char *p = msg;
	size_t o, i;
	int n;

	n = snprintf(buf, len, "MESSAGE=%s\nPRIORITY=%d\nSYSLOG_FACILITY=3\n"
	    "SYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%d\n%s", msg, level, sink_ident,
	    (int)sink_pid, stream == LOG_ACCESS ? "NETD_LOG=access\n" : "");
	if (n < 0 || (size_t)n >= len)
		return 0;
	o = (size_t)n;
	while (logfmt_next(&p, key, sizeof(key), val, sizeof(val))) {
		for (i = 0; key[i] != '\0'; i++) {
			if (key[i] >= 'a' && key[i] <= 'z')
				key[i] = (char)(key[i] - 'a' + 'A');
			else if ((key[i] < 'A' || key[i] > 'Z') &&
			    (key[i] < '0' || key[i] > '9'))
				key[i] = '_';
		}
		n = snprintf(buf + o, len - o, "NETD_%.50s=%s\n", key, val);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	return o;
}

void
log_sink_write(int stream, int level, const char *lname, const char *msg)
{
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct sink *s;
	char line[4096], ts[64];
	struct tm tm;
	time_t now;
	int n, saved = errno;
	size_t len;

	if (sink_hook != NULL)
		sink_hook();
	s = &sinks[stream];
	if (s->target == LOG_TO_MAIN)
		s = &sinks[LOG_MAIN];
	switch (s->target) {
	case LOG_TO_JOURNAL:
		if ((len = journal_fields(line, sizeof(line), stream, level,
		    msg)) == 0)
			break;
		if (out(s->fd, 1, line, len) == -1) {
			reconnect(s);
			(void)out(s->fd, 1, line, len);
		}
		break;
	case LOG_TO_SYSLOG:
		now = time(NULL);
		if (localtime_r(&now, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		n = snprintf(line, sizeof(line), "<%d>%s %2d %02d:%02d:%02d "
		    "%s[%d]: %s", FACILITY | level, months[tm.tm_mon % 12],
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, sink_ident,
		    (int)sink_pid, msg);
		if (n < 0)
			break;
		len = (size_t)n < sizeof(line) ? (size_t)n :
		    utf8_cut(line, sizeof(line) - 1);
		if (out(s->fd, 1, line, len) == -1) {
			reconnect(s);
			(void)out(s->fd, 1, line, len);
		}
		break;
	default:
		if (s->target == LOG_TO_STDERR && sink_journal_stream) {
			n = snprintf(line, sizeof(line), "<%d>%s\n", level,
			    msg);
		} else {
			stamp(ts, sizeof(ts));
			n = snprintf(line, sizeof(line), "%s %s[%d]: %s: %s\n",
			    ts, sink_ident, (int)sink_pid, lname, msg);
		}
		if (n < 0)
			break;
		len = (size_t)n;
		if (len >= sizeof(line)) {
			len = utf8_cut(line, sizeof(line) - 2);
			line[len++] = '\n';
		}
		/* One write: a short write to a pipe only loses the tail. */
		(void)out(s->target == LOG_TO_FILE ? s->fd : STDERR_FILENO, 0,
		    line, len);
		break;
	}
	errno = saved;
}
