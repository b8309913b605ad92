/* UDP anti-amplification: whom a datagram service may answer, how often. */
#ifndef NETD_UDP_GUARD_H
#define NETD_UDP_GUARD_H

#include <sys/socket.h>

#include "config.h"

/*
 * The shared rate-limit table, mapped by the master before the first
 * fork; -1 if it cannot be.
 */
int	udp_guard_init(void);

/*
 * May svc answer a datagram from peer?  -1 if it may (and a reply is
 * counted against the peer's rate), otherwise the enum sb_drop reason.
 */
int	udp_guard(const struct service_conf *svc, const struct sockaddr *peer);

#endif
