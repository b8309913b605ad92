/*
 * Logging: one line per write(2) to stderr so that lines from the master
 * and its workers never interleave.  Under systemd (JOURNAL_STREAM set) a
 * line is "<N>message" and journald keeps the priority and adds the time;
 * otherwise it carries its own timestamp, ident and level.  A line cut
 * short is cut on a character boundary (utf8.c).  A process may also send
 * its error messages to a socket (log_tee): how `netd -d` learns why a
 * start failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

static const char *log_ident = "netd";
static int log_level = LOG_LVL_INFO;
static int log_journal;
static pid_t log_pid;
static int log_tee_fd = -1;	/* err messages also go here */
static pid_t log_tee_pid;	/* ...from this process only */

static const struct {
	const char	*name;
	int		 level;
} log_levels[] = {
	{ "err",	LOG_LVL_ERR },
	{ "error",	LOG_LVL_ERR },
	{ "warning",	LOG_LVL_WARNING },
	{ "warn",	LOG_LVL_WARNING },
	{ "notice",	LOG_LVL_NOTICE },
	{ "info",	LOG_LVL_INFO },
	{ "debug",	LOG_LVL_DEBUG },
};

void
log_init(const char *ident)
{
	log_ident = ident;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_pid = getpid();
}

/* After fork: lines carry the new process's pid; the tee stays behind. */
void
log_pid_reset(void)
{
	log_pid = getpid();
	if (log_tee_pid != log_pid)
		log_tee_fd = -1;
}

void
log_tee(int fd)
{
	log_tee_fd = fd;
	log_tee_pid = getpid();
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcasecmp(name, log_levels[i].name) == 0)
			return log_levels[i].level;
	return -1;
}

const char *
log_level_name(int level)
{
	size_t i;

	for (i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "?";
}

/*
 * The level names a config may use, least severe first, for messages:
 * "debug, info, notice, warning, err".  Aliases (the rows after a level's
 * first) are left out.
 */
void
log_level_list(char *buf, size_t len)
{
	size_t i, n = sizeof(log_levels) / sizeof(log_levels[0]);

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = n; i-- > 0;) {
		if (i > 0 && log_levels[i - 1].level == log_levels[i].level)
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", len);
		strlcat(buf, log_levels[i].name, len);
	}
}

/*
 * The last guard of "one line per event": a control character that got
 * into a message (a client's bytes that missed lib/esc.c) is written as
 * "\xHH", so that it can neither end the line nor move the cursor of the
 * terminal that shows the log.  UTF-8 and other bytes pass.
 */
static void
log_controls(char *msg, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[1536];
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			break;
	if (msg[i] == '\0')
		return;
	for (i = 0; msg[i] != '\0' && o + 4 < sizeof(tmp); i++) {
		c = (unsigned char)msg[i];
		if (c >= 0x20 && c != 0x7f) {
			tmp[o++] = (char)c;
			continue;
		}
		tmp[o++] = '\\';
		tmp[o++] = 'x';
		tmp[o++] = hex[c >> 4];
		tmp[o++] = hex[c & 0xf];
	}
	tmp[o] = '\0';
	strlcpy(msg, tmp, len);
}

static void log_vwrite(int, const char *, va_list, int, int)
    __attribute__((format(printf, 2, 0)));

/* Send an error message down the tee; never block, never SIGPIPE. */
static void
log_tee_send(const char *msg)
{
	char line[1600];
	int n;

	if (log_tee_fd == -1 || getpid() != log_tee_pid)
		return;
	n = snprintf(line, sizeof(line), "%s\n", msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	while (send(log_tee_fd, line, (size_t)n, MSG_NOSIGNAL |
	    MSG_DONTWAIT) == -1 && errno == EINTR)
		;
}

/* plain: for a person at a terminal (netd -t), no time, ident or level. */
static void
log_vwrite(int level, const char *fmt, va_list ap, int errnum, int plain)
{
	char line[2048], msg[1536], ts[32];
	struct tm tm;
	time_t now;
	size_t len;
	int n, saved = errno;

	if (level > log_level && !plain)
		return;
	utf8_vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0) {
		len = strlen(msg);
		utf8_snprintf(msg + len, sizeof(msg) - len, ": %s",
		    strerror(errnum));
	}
	log_controls(msg, sizeof(msg));
	if (level <= LOG_LVL_ERR)
		log_tee_send(msg);
	if (log_journal) {
		n = snprintf(line, sizeof(line), "<%d>%s\n", level, msg);
	} else if (plain) {
		n = snprintf(line, sizeof(line), "%s\n", msg);
	} else {
		now = time(NULL);
		if (localtime_r(&now, &tm) == NULL ||
		    strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm) == 0)
			ts[0] = '\0';
		n = snprintf(line, sizeof(line), "%s %s[%d]: %s: %s\n", ts,
		    log_ident, (int)log_pid, log_level_name(level), msg);
	}
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)utf8_cut(line, sizeof(line) - 2);
		line[n++] = '\n';
	}
	/* One write: a short write to a pipe or tty only loses the tail. */
	while (write(STDERR_FILENO, line, (size_t)n) == -1 && errno == EINTR)
		;
	errno = saved;
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap, 0, 0);
	va_end(ap);
}

/* A line for a person (netd -t): the message only, <N> under journald. */
void
log_print(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(level, fmt, ap, 0, 1);
	va_end(ap);
}

/* Why netd cannot go on (it will exit or refuse): level err. */
void
log_err(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERR, fmt, ap, e, 0);
	va_end(ap);
}

void
log_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERR, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARNING, fmt, ap, e, 0);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_WARNING, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_INFO, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_NOTICE, fmt, ap, 0, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_DEBUG, fmt, ap, 0, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int e = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERR, fmt, ap, e, 0);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LVL_ERR, fmt, ap, 0, 0);
	va_end(ap);
	exit(1);
}
