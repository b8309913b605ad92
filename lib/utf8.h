/*
 * UTF-8 for everything netd shows: text from outside (config values,
 * paths, client words) is made valid before it reaches a JSON document,
 * and a fixed buffer is never cut in the middle of a character.
 */
#ifndef NETD_UTF8_H
#define NETD_UTF8_H

#include <stdarg.h>
#include <stddef.h>

#include <jansson.h>

/*
 * The length (1 to 4) of the valid character that starts s (len bytes
 * long), or 0 when the bytes there are not one: a stray continuation
 * byte, an overlong form, a surrogate, beyond U+10FFFF, cut short, NUL.
 */
size_t	utf8_char(const char *s, size_t len);
/* Is all of s (len bytes) valid UTF-8 without NUL? */
int	utf8_valid(const char *s, size_t len);
/*
 * Where to end s (len bytes of a longer text) so that it does not end
 * in the first bytes of a character: len, or less by up to 3.
 */
size_t	utf8_cut(const char *s, size_t len);
/* strlcpy that cuts src short on a character boundary; strlen(src). */
size_t	utf8_strlcpy(char *dst, const char *src, size_t size);
/* vsnprintf and snprintf that cut on a character boundary. */
int	utf8_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	    __attribute__((format(printf, 3, 0)));
int	utf8_snprintf(char *buf, size_t size, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * A copy of s (len bytes) that is valid UTF-8: every byte that does not
 * start a valid character becomes U+FFFD.  malloc'd; NULL without memory.
 */
char	*utf8_clean(const char *s, size_t len);
/*
 * A JSON string of the text at s, read up to its NUL or max bytes (a
 * fixed array someone else writes need not hold a NUL), made valid
 * UTF-8; JSON null for a NULL s.  NULL only without memory.
 */
json_t	*utf8_json_n(const char *s, size_t max);
/* The same for a NUL-terminated string. */
json_t	*utf8_json(const char *s);

#endif
