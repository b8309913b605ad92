/*
 * Listening sockets.  Each is opened once by the master, non-blocking and
 * close-on-exec, and shared with every worker across fork.  IPv6 sockets
 * are IPv6-only so that 0.0.0.0:P and [::]:P can both be listed.  TCP and
 * UDP sockets are bound with IP_FREEBIND: a listener on a specific
 * address binds at boot even before the network has brought that
 * address up (it serves once the address exists), so the unit need not
 * wait for network-online.target.  A socket passed on to another master
 * or to systemd's store is named after its service and configured
 * address (listener_fdname).
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
	if (family == AF_INET && setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on,
	    sizeof(on)) == -1)
		goto fail;
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND,
	    &on, sizeof(on)) == -1 && (errno != ENOPROTOOPT ||
	    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof(on)) == -1))
		goto fail;	/* IPV6_FREEBIND: Linux 4.15 and later */
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

/* '%', '|', ':' and what is not printable ASCII as %XX; -1 if no room. */
static int
fdname_put(char *buf, size_t len, size_t *off, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c > 0x20 && c < 0x7f && c != '%' && c != '|' && c != ':') {
			if (*off + 1 >= len)
				return -1;
			buf[(*off)++] = (char)c;
			continue;
		}
		if (*off + 3 >= len)
			return -1;
		buf[(*off)++] = '%';
		buf[(*off)++] = hex[c >> 4];
		buf[(*off)++] = hex[c & 0xf];
	}
	buf[*off] = '\0';
	return 0;
}

int
listener_fdname(const struct listener *l, char *buf, size_t len)
{
	size_t off;

	if (len > LISTENER_FDNAME_MAX)
		len = LISTENER_FDNAME_MAX;
	off = strlcpy(buf, l->origin == LISTENER_SOCKET_UNIT ? "socket|" :
	    "listen|", len);
	if (off >= len || fdname_put(buf, len, &off, l->svc->name) == -1 ||
	    off + 1 >= len)
		return -1;
	buf[off++] = '|';
	return fdname_put(buf, len, &off, l->conf);
}

static int
unhex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One field up to '|' or the end, unescaped into out; its end, or NULL. */
static const char *
fdname_get(const char *s, char *out, size_t len)
{
	size_t n = 0;
	int hi, lo;

	for (; *s != '\0' && *s != '|'; s++) {
		if (n + 1 >= len)
			return NULL;
		if (*s != '%') {
			out[n++] = *s;
			continue;
		}
		if ((hi = unhex(s[1])) == -1 || (lo = unhex(s[2])) == -1 ||
		    (hi == 0 && lo == 0))
			return NULL;
		out[n++] = (char)(hi << 4 | lo);
		s += 2;
	}
	out[n] = '\0';
	return s;
}

int
listener_fdname_parse(const char *name, char *svc, size_t svclen,
    char *conf, size_t conflen)
{
	const char *p;
	int kind;

	if (strncmp(name, "listen|", 7) == 0)
		kind = 1;
	else if (strncmp(name, "socket|", 7) == 0)
		kind = 2;
	else
		return 0;
	if ((p = fdname_get(name + 7, svc, svclen)) == NULL || *p != '|' ||
	    (p = fdname_get(p + 1, conf, conflen)) == NULL || *p != '\0' ||
	    svc[0] == '\0' || conf[0] == '\0')
		return 0;
	return kind;
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
