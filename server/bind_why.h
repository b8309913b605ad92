/* Why a listener cannot be bound: privileged ports, another netd. */
#ifndef NETD_BIND_WHY_H
#define NETD_BIND_WHY_H

#include <stddef.h>

#include "addr.h"
#include "config.h"

/*
 * A bind of a that failed with err: what the operator can do about it,
 * in buf (1), or nothing more to say than strerror (0).
 */
int	bind_why_explain(const struct netd_config *cfg,
	    const struct listen_addr *a, int err, char *buf, size_t len);
/* a is a port this process may not bind: why, in buf (1); else 0. */
int	bind_why_privileged(const struct listen_addr *a, char *buf,
	    size_t len);
/* Another netd runs with cfg's pid file or control socket: who (1). */
int	bind_why_in_use(const struct netd_config *cfg, char *buf, size_t len);
/* For -t: warn about every listener this process could not bind. */
int	bind_why_check(const struct netd_config *cfg,
	    void (*warn)(const char *file, int line, const char *msg));

#endif
