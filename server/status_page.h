/* The status page: the status document as HTML (GET / of http). */
#ifndef NETD_STATUS_PAGE_H
#define NETD_STATUS_PAGE_H

#include <stdio.h>

#include <jansson.h>

#define STATUS_PAGE_REFRESH_MIN	1	/* ?refresh=N, seconds */
#define STATUS_PAGE_REFRESH_MAX	3600

/* Write the page for status document st; refresh: seconds, 0 for none. */
void	status_page(FILE *fp, json_t *st, int refresh);
/* The refresh a query asks for (?refresh=N, bounded), or 0. */
int	status_page_refresh(const char *query);

#endif
