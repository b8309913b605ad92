/* logfmt values: key=value pairs that log tools can split. */
#ifndef NETD_LOGFMT_H
#define NETD_LOGFMT_H

#include <stddef.h>

/*
 * in as a logfmt value in out: escaped as lib/esc.c does (so it holds no
 * '"', '\' or control byte), then put in double quotes when it is empty
 * or holds a space or '='.  out is always terminated; returns out.
 */
const char *logfmt_val(char *out, size_t outlen, const char *in);

/*
 * The next key=value pair of a line written with logfmt_val, from *p on:
 * words without '=' are skipped.  1 with the key and the value (quotes
 * removed, cut to fit), 0 at the end of the line.
 */
int	logfmt_next(const char **p, char *key, size_t klen, char *val,
	    size_t vlen);

#endif
