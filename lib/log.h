/* Logging with levels; access lines; targets in log_sink.h. */
#ifndef NETD_LOG_H
#define NETD_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void	log_init(const char *ident);
void	log_pid_reset(void);
/* Also send this process's err messages to fd (a socket); -1: stop. */
void	log_tee(int fd);
void	log_set_level(int level);
int	log_get_level(void);
int	log_level_parse(const char *name);
const char *log_level_name(int level);
void	log_level_list(char *buf, size_t len);

/* Which access lines are written (access_log_level). */
enum log_access_which {
	LOG_ACCESS_ALL,		/* every connection and request */
	LOG_ACCESS_FAILURES,	/* only those that did not end well */
	LOG_ACCESS_NONE,
};
void	log_set_access(int which);
int	log_access_parse(const char *name);
const char *log_access_name(int which);
/* An access line (logfmt fields); failure: it did not end well. */
void	log_access(int failure, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* "s" unless n is 1: "1 worker", "2 workers". */
static inline const char *
log_s(long long n)
{
	return n == 1 ? "" : "s";
}

void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_print(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
