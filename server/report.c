/*
 * Reports: the lines a configuration check, a reload or a dry run hands
 * back to whoever asked (netctl, `netd -t`).  A NULL report is allowed
 * everywhere and records nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"
#include "utf8.h"

void
report_add(struct report *rep, const char *fmt, ...)
{
	char *s, **n;
	va_list ap;
	int rc;

	if (rep == NULL)
		return;
	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc == -1)
		return;
	if ((n = reallocarray(rep->lines, rep->nlines + 1,
	    sizeof(*n))) == NULL) {
		free(s);
		return;
	}
	rep->lines = n;
	rep->lines[rep->nlines++] = s;
}

void
report_free(struct report *rep)
{
	size_t i;

	if (rep == NULL)
		return;
	for (i = 0; i < rep->nlines; i++)
		free(rep->lines[i]);
	free(rep->lines);
	rep->lines = NULL;
	rep->nlines = 0;
}

json_t *
report_json(const struct report *rep)
{
	json_t *lines = json_array();
	size_t i;

	for (i = 0; rep != NULL && i < rep->nlines; i++)
		json_array_append_new(lines, utf8_json(rep->lines[i]));
	return lines;
}
