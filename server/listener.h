/* Listening sockets: bind TCP, UDP and unix listeners, once, in the master. */
#ifndef NETD_LISTENER_H
#define NETD_LISTENER_H

#include <stddef.h>

#include "addr.h"
#include "config.h"

struct service_type;

/*
 * A listener knows everything a worker needs to serve on it, resolved by
 * the master before any worker forks: the service's settings, its type
 * and where its counters are.
 */
struct listener {
	struct listen_addr	 addr;		/* bound address */
	char			 conf[ADDR_TEXT_MAX]; /* as configured */
	int			 fd;
	int			 sb;		/* scoreboard listener row */
	int			 svc_sb;	/* scoreboard service row */
	const struct service_conf *svc;
	const struct service_type *type;
};

int	listener_open(struct listener *l, char *err, size_t errlen);
void	listener_close(struct listener *l);
/* Close, and remove a unix listener's socket file. */
void	listener_remove(struct listener *l);

#endif
