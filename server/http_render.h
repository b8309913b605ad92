/* The http service's resources, rendered at most every HTTP_RENDER_MS. */
#ifndef NETD_HTTP_RENDER_H
#define NETD_HTTP_RENDER_H

#include <stddef.h>

#define HTTP_RENDER_MS	10	/* the oldest body a worker answers with */

struct http_body {
	int		 status;	/* 200, or 404 for no such resource */
	const char	*type;		/* Content-Type */
	const char	*body;		/* valid until the next http_render() */
	size_t		 len;
};

/* The body of path (its query for "/"); 0, or -1 (answer 500). */
int	http_render(const char *path, const char *query, struct http_body *b);

#endif
