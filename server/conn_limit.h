/* max_per_source: connections per client address and service, all workers. */
#ifndef NETD_CONN_LIMIT_H
#define NETD_CONN_LIMIT_H

#include <sys/socket.h>

struct listener;

/* Master, before the first fork: the shared table; -1 if it cannot be. */
int	conn_limit_init(void);
/* In a worker: the slot its entries are marked with. */
void	conn_limit_slot(int slot);
/*
 * Count a connection from sa on l: its entry (to give back), -1 when
 * nothing is counted (no limit, or no room to count), -2 when the
 * source is at max_per_source.
 */
int	conn_limit_take(const struct listener *l, const struct sockaddr *sa);
void	conn_limit_give(int entry);
/* Master: a worker gone; what it held is no longer counted. */
void	conn_limit_forget(int slot);

#endif
