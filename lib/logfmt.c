/*
 * logfmt: how every log line spells its fields, `key=value`, a value in
 * double quotes when it holds a space or '=' (result="line too long"), so
 * that logfmt parsers and `grep key=value` read them whole.  Values are
 * escaped first (lib/esc.c), so a quoted value can never be closed early.
 * The reading side, logfmt_next, turns a line back into fields for the
 * journal.
 */
#include <string.h>

#include "esc.h"
#include "logfmt.h"

const char *
logfmt_val(char *out, size_t outlen, const char *in)
{
	size_t n;

	if (outlen < 3) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	esc_str(out + 1, outlen - 2, in);
	n = strlen(out + 1);
	if (n > 0 && strpbrk(out + 1, " =") == NULL) {
		memmove(out, out + 1, n + 1);
		return out;
	}
	out[0] = '"';
	out[n + 1] = '"';
	out[n + 2] = '\0';
	return out;
}

static void
copy(char *dst, size_t len, const char *src, size_t n)
{
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
logfmt_next(const char **p, char *key, size_t klen, char *val, size_t vlen)
{
	const char *s = *p, *k, *eq, *v, *end;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0') {
			*p = s;
			return 0;
		}
		k = s;
		while (*s != '\0' && *s != ' ' && *s != '=' && *s != '"')
			s++;
		if (*s == '=' && s > k)
			break;
		/* A word, or something unexpected: skip past it. */
		if (*s == '"')
			s = (end = strchr(s + 1, '"')) != NULL ? end + 1 :
			    s + strlen(s);
		while (*s != '\0' && *s != ' ')
			s++;
	}
	eq = s++;
	if (*s == '"') {
		v = s + 1;
		end = strchr(v, '"');
		if (end == NULL)
			end = v + strlen(v);
		s = *end == '"' ? end + 1 : end;
	} else {
		v = s;
		while (*s != '\0' && *s != ' ')
			s++;
		end = s;
	}
	copy(key, klen, k, (size_t)(eq - k));
	copy(val, vlen, v, (size_t)(end - v));
	*p = s;
	return 1;
}
