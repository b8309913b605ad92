/*
 * UTF-8 checks, repairs and cuts (RFC 3629): what makes text from
 * outside fit a JSON document, and fixed buffers end on whole characters.
 * Shared code: it never logs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define CONT(c)		(((c) & 0xc0) == 0x80)

size_t
utf8_char(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (len == 0 || s[0] == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;	/* continuation, overlong lead, or too high */
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	/* The second byte's range rules out overlongs and surrogates. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (!CONT(s[i]))
			return 0;
	return n;
}

int
utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_char(s + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

size_t
utf8_cut(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t k = 0, need;

	while (k < 3 && k < len && CONT(s[len - 1 - k]))
		k++;
	if (k == len || s[len - 1 - k] < 0xc0)
		return len;
	need = s[len - 1 - k] < 0xe0 ? 2 : s[len - 1 - k] < 0xf0 ? 3 : 4;
	return k + 1 < need ? len - 1 - k : len;
}

size_t
utf8_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src), m;

	if (n < size)
		memcpy(dst, src, n + 1);
	else if (size > 0) {
		m = utf8_cut(src, size - 1);
		memcpy(dst, src, m);
		dst[m] = '\0';
	}
	return n;
}

int
utf8_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	int rc;

	rc = vsnprintf(buf, size, fmt, ap);
	if (rc >= 0 && size > 0 && (size_t)rc >= size)
		buf[utf8_cut(buf, size - 1)] = '\0';
	return rc;
}

int
utf8_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = utf8_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return rc;
}

char *
utf8_clean(const char *s, size_t len)
{
	char *out, *o;
	size_t i = 0, n;

	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	o = out;
	while (i < len) {
		if ((n = utf8_char(s + i, len - i)) > 0) {
			memcpy(o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			i++;
		}
	}
	*o = '\0';
	return out;
}

json_t *
utf8_json_n(const char *s, size_t max)
{
	json_t *j;
	char *c;
	size_t len;

	if (s == NULL)
		return json_null();
	len = strnlen(s, max);
	if (utf8_valid(s, len))
		return json_stringn(s, len);
	if ((c = utf8_clean(s, len)) == NULL)
		return NULL;
	j = json_string(c);
	free(c);
	return j;
}

json_t *
utf8_json(const char *s)
{
	return utf8_json_n(s, SIZE_MAX);
}
