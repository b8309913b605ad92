/*
 * Listening sockets.  Each is opened once by the master, non-blocking and
 * close-on-exec, and shared with every worker across fork.  IPv6 sockets
 * are IPv6-only so that 0.0.0.0:P and [::]:P can both be listed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

#define LISTEN_BACKLOG	511

/* A unix socket path in the way: remove it only if nobody listens. */
static int
unix_clear_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket",
		    sun->sun_path);
		errno = EEXIST;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s is in use by a running process",
		    sun->sun_path);
		errno = EADDRINUSE;
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

int
listener_open(struct listener *l, char *err, size_t errlen)
{
	struct listen_addr *a = &l->addr;
	int fd, on = 1, type, family = a->ss.ss_family, saved;
	socklen_t len = sizeof(a->ss);

	err[0] = '\0';
	type = a->proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "%s: socket: %s", a->text,
		    strerror(errno));
		return -1;
	}
	if (a->proto == PROTO_TCP && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR,
	    &on, sizeof(on)) == -1)
		goto fail;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == -1)
		goto fail;
	if (a->proto == PROTO_UNIX &&
	    unix_clear_stale((struct sockaddr_un *)&a->ss, err, errlen) == -1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&a->ss, a->sslen) == -1)
		goto fail;
	if (a->proto == PROTO_UNIX &&
	    chmod(((struct sockaddr_un *)&a->ss)->sun_path, 0666) == -1)
		goto fail;
	if (a->proto != PROTO_UDP && listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	if (a->proto != PROTO_UNIX) {
		if (getsockname(fd, (struct sockaddr *)&a->ss, &len) == -1)
			goto fail;
		a->sslen = len;
		listen_addr_format(a);
	}
	l->fd = fd;
	return 0;
fail:
	saved = errno;
	if (err[0] == '\0')
		snprintf(err, errlen, "%s: %s", a->text, strerror(errno));
	close(fd);
	errno = saved;		/* for the caller's explanation */
	return -1;
}

void
listener_remove(struct listener *l)
{
	if (l->addr.proto == PROTO_UNIX &&
	    unlink(((struct sockaddr_un *)&l->addr.ss)->sun_path) == -1 &&
	    errno != ENOENT)
		log_warn("unlink %s", l->addr.text);
	listener_close(l);
}

void
listener_close(struct listener *l)
{
	if (l->fd == -1)
		return;
	if (close(l->fd) == -1)
		log_warn("close %s", l->addr.text);
	l->fd = -1;
}
