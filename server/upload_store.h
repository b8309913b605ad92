/* An upload's file: a temporary name, written, then made durable under its own. */
#ifndef NETD_UPLOAD_STORE_H
#define NETD_UPLOAD_STORE_H

#include <stddef.h>
#include <sys/socket.h>

#include "config.h"

#define UPLOAD_NAME_MAX	128

struct upload_file {
	int	 dirfd;			/* the spool, or -1 */
	int	 fd;			/* the temporary file, or -1 */
	char	 name[UPLOAD_NAME_MAX];	/* the final name */
	char	 tmp[UPLOAD_NAME_MAX + 8];	/* ".NAME.part"; "" once stored */
};

/* Open the spool directory; -1 (errno) if it cannot be. */
int	upload_store_begin(struct upload_file *f, const char *dir);
/* Create the temporary file, named after the peer, with mode exactly. */
int	upload_store_create(struct upload_file *f,
	    const struct sockaddr_storage *peer, socklen_t peerlen, int mode);
int	upload_store_write(struct upload_file *f, const char *buf, size_t len);
/* fsync, rename to the final name, fsync the directory (blocks). */
int	upload_store_commit(struct upload_file *f);
/* Remove the temporary file if there is one; close everything. */
void	upload_store_end(struct upload_file *f);
/* The reason for the client and the log, from a failed file operation. */
const char *upload_store_reason(int err);
/* At start and reload: may the workers create files in svc's dir? */
int	upload_store_check(const struct netd_config *cfg,
	    const struct service_conf *svc, char *err, size_t errlen);

#endif
