/* Identity: resolve the configured user/group and drop to them in workers. */
#ifndef NETD_PRIVS_H
#define NETD_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* Check that user/group exist (when they matter); -1 with a message. */
int	privs_check(const struct netd_config *cfg, char *err, size_t errlen);
/* In a worker: become user/group if started as root and they are set. */
int	privs_drop(const struct netd_config *cfg);
/* May uid own the directories of netd's files?  Root, us, `user`. */
int	privs_trusted_uid(const struct netd_config *cfg, uid_t uid);
/* The uid and gid workers run as (the current ones if nothing changes). */
void	privs_target(const struct netd_config *cfg, uid_t *uid, gid_t *gid);

#endif
