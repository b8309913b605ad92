/* What a configuration load or reload says: changes, or why it failed. */
#ifndef NETD_REPORT_H
#define NETD_REPORT_H

#include <stddef.h>

#include <jansson.h>

struct report {
	char	**lines;	/* "opened tcp://...", "FILE:LINE: ..." */
	size_t	  nlines;
};

void	report_add(struct report *rep, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	report_free(struct report *rep);
/* The lines as a JSON array of strings, made valid UTF-8. */
json_t	*report_json(const struct report *rep);

#endif
