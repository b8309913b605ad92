/*
 * daytime (RFC 867): one line with the date and time, ended by CRLF.  TCP
 * sends it and closes; UDP answers any datagram with it.  `format` is an
 * strftime(3) format from the config (never from a client) and `timezone`
 * a zone name such as UTC or Europe/Berlin (default: the local time of
 * the daemon).  A worker is one thread, so the zone is switched with TZ
 * around the one localtime_r call and switched back at once: log lines
 * keep the daemon's own time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "conn.h"
#include "service.h"

#define DAYTIME_MAX	512	/* longest line, CRLF included */

/*
 * strftime with the configured format.  It comes from the config file,
 * written by the administrator, never from a client; strftime only fills
 * buf, and a format too long for it was refused by daytime_check().
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static size_t
daytime_format(char *buf, size_t len, const char *fmt, const struct tm *tm)
{
	return strftime(buf, len, fmt, tm);
}
#pragma GCC diagnostic pop

/*
 * Format the line with CRLF into buf; its length, or -1.  The zone is in
 * force for both localtime_r and strftime (%s, %z and %Z need it).
 */
static ssize_t
daytime_line(const struct service_conf *svc, time_t now, char *buf,
    size_t len)
{
	char *saved = NULL;
	const char *old;
	struct tm tm;
	size_t n = 0;
	int ok;

	if (len < 3)
		return -1;
	if (svc->timezone != NULL) {
		if ((old = getenv("TZ")) != NULL &&
		    (saved = strdup(old)) == NULL)
			return -1;
		if (setenv("TZ", svc->timezone, 1) == -1) {
			free(saved);
			return -1;
		}
		tzset();
	}
	/* 0 from a non-empty format: too long (check() rules that out). */
	ok = localtime_r(&now, &tm) != NULL &&
	    ((n = daytime_format(buf, len - 2, svc->format, &tm)) > 0 ||
	    svc->format[0] == '\0');
	if (svc->timezone != NULL) {
		if (saved != NULL)
			(void)setenv("TZ", saved, 1);
		else
			(void)unsetenv("TZ");
		tzset();
		free(saved);
	}
	if (!ok)
		return -1;
	buf[n++] = '\r';
	buf[n++] = '\n';
	return (ssize_t)n;
}

static int
daytime_start(struct conn *c)
{
	char buf[DAYTIME_MAX];
	ssize_t n;

	if ((n = daytime_line(c->svc, time(NULL), buf, sizeof(buf))) == -1) {
		conn_set_result(c, "error");
		return -1;
	}
	if (conn_send(c, buf, (size_t)n) == -1)
		return -1;
	conn_close_after(c);
	return 0;
}

/* Whatever the client sends is not asked for: ignored. */
static int
daytime_input(struct conn *c, const char *data, size_t len)
{
	(void)c;
	(void)data;
	(void)len;
	return 0;
}

static ssize_t
daytime_dgram(const struct service_conf *svc, const void *in, size_t inlen,
    void *out, size_t outlen)
{
	(void)in;
	(void)inlen;
	return daytime_line(svc, time(NULL), out,
	    outlen < DAYTIME_MAX ? outlen : DAYTIME_MAX);
}

/* The zone must be one the C library knows: a file in the zone database. */
static int
daytime_zone_ok(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[1024];
	struct stat st;
	int n;

	if (strcmp(tz, "UTC") == 0)
		return 1;
	if (*tz == '\0' || *tz == '/' || strstr(tz, "..") != NULL)
		return 0;
	n = snprintf(path, sizeof(path), "%s/%s", dir != NULL && *dir != '\0' ?
	    dir : "/usr/share/zoneinfo", tz);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int
daytime_check(const struct netd_config *cfg, const struct service_conf *svc,
    char *err, size_t errlen)
{
	/* Long month and day names, two-digit everything: a long date. */
	struct tm tm = { .tm_year = 126, .tm_mon = 8, .tm_mday = 30,
	    .tm_wday = 3, .tm_hour = 23, .tm_min = 59, .tm_sec = 59 };
	char buf[DAYTIME_MAX / 2];

	(void)cfg;
	if (svc->timezone != NULL && !daytime_zone_ok(svc->timezone)) {
		snprintf(err, errlen, "key 'timezone': unknown time zone '%s' "
		    "(a name from the zone database, like UTC or "
		    "Europe/Berlin)", svc->timezone);
		return -1;
	}
	if (svc->format[0] != '\0' &&
	    daytime_format(buf, sizeof(buf), svc->format, &tm) == 0) {
		snprintf(err, errlen, "key 'format': gives an empty line or "
		    "one longer than %zu bytes", sizeof(buf) - 1);
		return -1;
	}
	return 0;
}

const struct service_type svc_daytime = {
	.type = SVC_DAYTIME,
	.start = daytime_start,
	.input = daytime_input,
	.serve_dgram = daytime_dgram,
	.check = daytime_check,
};
