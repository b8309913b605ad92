/*
 * Descriptors passed at start.  systemd passes a socket unit's sockets
 * (socket activation) and what the service stored in its file-descriptor
 * store; a master that upgrades passes its listeners, its control socket
 * with the lock beside it, and a channel to itself (upgrade.c).  All come
 * the same way: descriptors from 3 on, LISTEN_FDS of them, for this pid
 * (LISTEN_PID), with LISTEN_FDNAMES.
 *
 * A configured listener takes a passed socket when:
 *  - the socket bears netd's own name for it (listener_fdname: service
 *    and configured address), which is how a port the kernel chose
 *    (port 0) finds its socket again; or
 *  - its configured address has a port (or is a unix path) and the
 *    socket is bound to exactly that address, whatever its name: how a
 *    socket unit's ListenStream= meets its listen = line.
 * In both cases the socket must be of the configured family and type,
 * and a stream socket must listen.  What no listener takes is closed and
 * logged; a socket unit keeps its own copy, so it still listens.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "inherit.h"
#include "log.h"

struct passed {
	int			 fd;		/* -1: taken or closed */
	char			*name;
	int			 kind;		/* 0 foreign, 1 ours, 2 unit's */
	char			 svc[NETD_NAME_MAX];
	char			 conf[ADDR_TEXT_MAX];
	int			 domain, type, listening;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

static struct passed *passed;
static int npassed;

static void
passed_probe(struct passed *p)
{
	socklen_t len = sizeof(int);

	p->domain = p->type = -1;
	if (getsockopt(p->fd, SOL_SOCKET, SO_DOMAIN, &p->domain, &len) == -1)
		return;		/* not a socket: matches no listener */
	len = sizeof(int);
	if (getsockopt(p->fd, SOL_SOCKET, SO_TYPE, &p->type, &len) == -1)
		p->type = -1;
	len = sizeof(int);
	if (p->type == SOCK_STREAM && getsockopt(p->fd, SOL_SOCKET,
	    SO_ACCEPTCONN, &p->listening, &len) == -1)
		p->listening = 0;
	p->sslen = sizeof(p->ss);
	if (getsockname(p->fd, (struct sockaddr *)&p->ss, &p->sslen) == -1)
		p->sslen = 0;
}

int
inherit_init(void)
{
	char **names = NULL;
	int n, i;

	if ((n = sd_listen_fds_with_names(1, &names)) < 0) {
		errno = -n;
		log_err("passed descriptors (LISTEN_FDS)");
		return -1;
	}
	if (n == 0)
		return 0;
	if ((passed = calloc((size_t)n, sizeof(*passed))) == NULL) {
		log_err("passed descriptors");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct passed *p = &passed[i];

		p->fd = SD_LISTEN_FDS_START + i;
		p->name = names != NULL && names[i] != NULL ? names[i] :
		    strdup("unknown");
		if (p->name == NULL) {
			log_err("passed descriptors");
			return -1;
		}
		p->kind = listener_fdname_parse(p->name, p->svc,
		    sizeof(p->svc), p->conf, sizeof(p->conf));
		passed_probe(p);
	}
	free(names);		/* the strings are ours now */
	npassed = n;
	log_info("%d descriptor%s passed at start", n, n == 1 ? "" : "s");
	return 0;
}

int
inherit_take(const char *name)
{
	int i, fd;

	for (i = 0; i < npassed; i++)
		if (passed[i].fd != -1 && strcmp(passed[i].name, name) == 0) {
			fd = passed[i].fd;
			passed[i].fd = -1;
			return fd;
		}
	return -1;
}

int
inherit_any(void)
{
	return npassed > 0;
}

/* Is the socket bound to exactly the configured address? */
static int
same_address(const struct passed *p, const struct listen_addr *a)
{
	const struct sockaddr_in *x4, *y4;
	const struct sockaddr_in6 *x6, *y6;
	const struct sockaddr_un *xu, *yu;

	if (p->sslen == 0 || p->ss.ss_family != a->ss.ss_family)
		return 0;
	switch (a->ss.ss_family) {
	case AF_INET:
		x4 = (const struct sockaddr_in *)&p->ss;
		y4 = (const struct sockaddr_in *)&a->ss;
		return x4->sin_port == y4->sin_port &&
		    x4->sin_addr.s_addr == y4->sin_addr.s_addr;
	case AF_INET6:
		x6 = (const struct sockaddr_in6 *)&p->ss;
		y6 = (const struct sockaddr_in6 *)&a->ss;
		return x6->sin6_port == y6->sin6_port &&
		    memcmp(&x6->sin6_addr, &y6->sin6_addr, 16) == 0;
	case AF_UNIX:
		xu = (const struct sockaddr_un *)&p->ss;
		yu = (const struct sockaddr_un *)&a->ss;
		return p->sslen > offsetof(struct sockaddr_un, sun_path) &&
		    xu->sun_path[0] != '\0' && strncmp(xu->sun_path,
		    yu->sun_path, sizeof(xu->sun_path)) == 0;
	}
	return 0;
}

/* Could this socket serve the listener at all? */
static int
same_kind(const struct passed *p, const struct listener *l)
{
	int type = l->addr.proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;

	return p->domain == l->addr.ss.ss_family && p->type == type &&
	    (type != SOCK_STREAM || p->listening);
}

static int
passed_matches(const struct passed *p, const struct listener *l)
{
	int fixed = l->addr.proto == PROTO_UNIX ||
	    sockaddr_port((const struct sockaddr *)&l->addr.ss) != 0;

	if (p->kind != 0 && strcmp(p->conf, l->conf) == 0 &&
	    (fixed || strcmp(p->svc, l->svc->name) == 0))
		return 1;
	return fixed && same_address(p, &l->addr);
}

int
inherit_listener(struct listener *l)
{
	struct passed *p;
	int i, fl, fd;

	for (i = 0; i < npassed; i++) {
		p = &passed[i];
		if (p->fd == -1 || !passed_matches(p, l))
			continue;
		if (!same_kind(p, l)) {
			log_warnx("%s: the socket passed as '%s' is not a %s "
			    "listening socket of that family; not used",
			    l->conf, p->name, proto_name(l->addr.proto));
			continue;
		}
		fd = p->fd;
		if ((fl = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
			log_warn("%s: passed socket '%s'", l->conf, p->name);
			continue;
		}
		p->fd = -1;
		l->origin = p->kind == 1 ? LISTENER_PASSED :
		    LISTENER_SOCKET_UNIT;
		if (l->addr.proto != PROTO_UNIX) {
			memcpy(&l->addr.ss, &p->ss, p->sslen);
			l->addr.sslen = p->sslen;
			listen_addr_format(&l->addr);
		}
		return fd;
	}
	return -1;
}

void
inherit_done(void)
{
	int i;

	for (i = 0; i < npassed; i++) {
		if (passed[i].fd == -1)
			continue;
		log_warnx("the descriptor passed as '%s' matches no listener "
		    "of the configuration: closed%s", passed[i].name,
		    passed[i].kind == 1 ? "" : " (a socket unit keeps its "
		    "own copy)");
		if (close(passed[i].fd) == -1)
			log_warn("close passed descriptor %d", passed[i].fd);
		passed[i].fd = -1;
	}
}

const char *
inherit_own_name(int i)
{
	int k;

	for (k = 0; k < npassed; k++)
		if (passed[k].kind == 1 && i-- == 0)
			return passed[k].name;
	return NULL;
}
