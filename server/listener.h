/* Listening sockets: bind TCP, UDP and unix listeners, once, in the master. */
#ifndef NETD_LISTENER_H
#define NETD_LISTENER_H

#include <stddef.h>

#include "addr.h"

struct listener {
	struct listen_addr	 addr;		/* bound address */
	char			 conf[ADDR_TEXT_MAX]; /* as configured */
	int			 fd;
	int			 sb;		/* scoreboard listener index */
	int			 svc;		/* index in cfg->services */
};

int	listener_open(struct listener *l, char *err, size_t errlen);
void	listener_close(struct listener *l);

#endif
