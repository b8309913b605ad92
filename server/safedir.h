/* Directories root may put its files in: owned and writable by us only. */
#ifndef NETD_SAFEDIR_H
#define NETD_SAFEDIR_H

#include <stddef.h>

#include "config.h"

#define SAFEDIR_CREATE		0x1	/* make what is missing (mkdir -p) */
#define SAFEDIR_MAY_MISS	0x2	/* what is missing will be made: fine */

/*
 * Can only root and netd's users change what dir holds, or what its path
 * leads to?  0, or -1 with a message in err ("directory D is owned by
 * ...").  A missing directory is an error unless flags say otherwise.
 */
int	safedir_check(const struct netd_config *cfg, const char *dir, int flags,
	    char *err, size_t errlen);
/* The directory of an absolute path, in buf: "/run/netd" for .../x.sock. */
char	*safedir_of(const char *path, char *buf, size_t len);

#endif
