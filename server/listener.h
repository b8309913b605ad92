/*
 * Listening sockets: bind TCP, UDP and unix listeners, once, in the
 * master, or take them over from whoever passed them (inherit.c); the
 * name a listener's descriptor goes by when it is passed on.
 */
#ifndef NETD_LISTENER_H
#define NETD_LISTENER_H

#include <stddef.h>

#include "addr.h"
#include "config.h"

struct service_type;

/* Where a listener's socket came from. */
enum listener_origin {
	LISTENER_BOUND,		/* this master bound it */
	LISTENER_PASSED,	/* a master before this one (upgrade, fd store) */
	LISTENER_SOCKET_UNIT,	/* systemd's socket unit: never stored */
};

/*
 * Descriptor names (LISTEN_FDNAMES, FDNAME=): "listen|SERVICE|CONF" for
 * netd's own sockets, "socket|SERVICE|CONF" for a socket unit's passed
 * on, with '%', '|', ':' and anything not printable as %XX.  At most
 * LISTENER_FDNAME_MAX - 1 bytes (systemd's limit is 255).
 */
#define LISTENER_FDNAME_MAX	256

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
	int			 origin;	/* enum listener_origin */
	const struct service_conf *svc;
	const struct service_type *type;
};

int	listener_open(struct listener *l, char *err, size_t errlen);
/* Its descriptor name; -1 if it does not fit (then it has none). */
int	listener_fdname(const struct listener *l, char *buf, size_t len);
/*
 * A descriptor name back into service and configured address (unescaped);
 * the kind: 1 "listen|", 2 "socket|", 0 not one of ours.
 */
int	listener_fdname_parse(const char *name, char *svc, size_t svclen,
	    char *conf, size_t conflen);
void	listener_close(struct listener *l);
/* Close, and remove a unix listener's socket file. */
void	listener_remove(struct listener *l);

#endif
