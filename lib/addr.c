/*
 * Address handling shared by the daemon and netctl: listen specifications,
 * CIDR allow lists and numeric formatting.  Nothing here resolves a name.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"

const char *
proto_name(enum listen_proto p)
{
	switch (p) {
	case PROTO_TCP:
		return "tcp";
	case PROTO_UDP:
		return "udp";
	case PROTO_UNIX:
		return "unix";
	}
	return "?";
}

static int
parse_port(const char *s, int *port)
{
	char *end;
	long v;

	if (*s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > 65535 || s[0] == '-' || s[0] == '+')
		return -1;
	*port = (int)v;
	return 0;
}

int
listen_addr_parse(const char *s, const char *basedir, struct listen_addr *la,
    char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&la->ss;
	struct sockaddr_un *sun = (struct sockaddr_un *)&la->ss;
	char host[INET6_ADDRSTRLEN + 2], path[sizeof(sun->sun_path) + 1];
	const char *rest, *colon;
	size_t hlen;
	int port, n;

	memset(la, 0, sizeof(*la));
	if (strncmp(s, "unix:", 5) == 0) {
		rest = s + 5;
		if (*rest == '\0') {
			snprintf(err, errlen, "'%s': empty unix socket path", s);
			return -1;
		}
		if (rest[0] == '/' || basedir == NULL)
			n = snprintf(path, sizeof(path), "%s", rest);
		else
			n = snprintf(path, sizeof(path), "%s/%s", basedir, rest);
		if (n < 0 || (size_t)n >= sizeof(sun->sun_path)) {
			snprintf(err, errlen, "'%s': unix socket path longer "
			    "than %zu bytes", s, sizeof(sun->sun_path) - 1);
			return -1;
		}
		la->proto = PROTO_UNIX;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, path, (size_t)n + 1);
		la->sslen = sizeof(*sun);
		listen_addr_format(la);
		return 0;
	}
	if (strncmp(s, "tcp://", 6) == 0)
		la->proto = PROTO_TCP;
	else if (strncmp(s, "udp://", 6) == 0)
		la->proto = PROTO_UDP;
	else {
		snprintf(err, errlen, "'%s': expected tcp://HOST:PORT, "
		    "udp://HOST:PORT or unix:/path", s);
		return -1;
	}
	rest = s + 6;
	if (rest[0] == '[') {
		colon = strstr(rest, "]:");
		if (colon == NULL) {
			snprintf(err, errlen, "'%s': expected [IPV6]:PORT", s);
			return -1;
		}
		hlen = (size_t)(colon - rest - 1);
		if (hlen >= sizeof(host)) {
			snprintf(err, errlen, "'%s': bad IPv6 address", s);
			return -1;
		}
		memcpy(host, rest + 1, hlen);
		host[hlen] = '\0';
		colon++;
		if (parse_port(colon + 1, &port) == -1) {
			snprintf(err, errlen, "'%s': bad port", s);
			return -1;
		}
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			snprintf(err, errlen, "'%s': '%s' is not a numeric "
			    "IPv6 address", s, host);
			return -1;
		}
		/*
		 * netd's IPv6 sockets are IPv6-only (so that 0.0.0.0:P and
		 * [::]:P can both be listed): such a socket cannot take an
		 * IPv4 address in IPv6 clothes.  Say what to write instead.
		 */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			char v4[INET_ADDRSTRLEN];

			if (inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12],
			    v4, sizeof(v4)) == NULL)
				strlcpy(v4, "A.B.C.D", sizeof(v4));
			snprintf(err, errlen, "'%s': an IPv4-mapped address; "
			    "write %s://%s:%d", s, proto_name(la->proto), v4,
			    port);
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		la->sslen = sizeof(*sin6);
	} else {
		colon = strrchr(rest, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "'%s': missing :PORT", s);
			return -1;
		}
		hlen = (size_t)(colon - rest);
		if (hlen == 0 || hlen >= sizeof(host)) {
			snprintf(err, errlen, "'%s': missing host", s);
			return -1;
		}
		memcpy(host, rest, hlen);
		host[hlen] = '\0';
		if (parse_port(colon + 1, &port) == -1) {
			snprintf(err, errlen, "'%s': bad port", s);
			return -1;
		}
		if (strchr(host, ':') != NULL) {
			snprintf(err, errlen, "'%s': IPv6 addresses go in "
			    "brackets, as tcp://[::1]:PORT", s);
			return -1;
		}
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			snprintf(err, errlen, "'%s': '%s' is not a numeric "
			    "IPv4 address (names other than localhost are not "
			    "resolved)", s, host);
			return -1;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		la->sslen = sizeof(*sin);
	}
	listen_addr_format(la);
	return 0;
}

void
listen_addr_format(struct listen_addr *la)
{
	char peer[PEER_TEXT_MAX];

	if (la->proto == PROTO_UNIX) {
		snprintf(la->text, sizeof(la->text), "unix:%s",
		    ((struct sockaddr_un *)&la->ss)->sun_path);
		return;
	}
	sockaddr_format((struct sockaddr *)&la->ss, la->sslen, peer,
	    sizeof(peer));
	snprintf(la->text, sizeof(la->text), "%s://%s", proto_name(la->proto),
	    peer);
}

void
sockaddr_format(const struct sockaddr *sa, socklen_t len, char *buf,
    size_t buflen)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	char host[INET6_ADDRSTRLEN];

	(void)len;
	switch (sa->sa_family) {
	case AF_INET:
		if (inet_ntop(AF_INET, &sin->sin_addr, host,
		    sizeof(host)) == NULL)
			break;
		snprintf(buf, buflen, "%s:%u", host, ntohs(sin->sin_port));
		return;
	case AF_INET6:
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, host,
		    sizeof(host)) == NULL)
			break;
		snprintf(buf, buflen, "[%s]:%u", host, ntohs(sin6->sin6_port));
		return;
	case AF_UNIX:
		snprintf(buf, buflen, "unix");
		return;
	}
	snprintf(buf, buflen, "?");
}

int
sockaddr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	return -1;
}

int
cidr_parse(const char *s, struct cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long prefix;
	int max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	memset(c, 0, sizeof(*c));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else
		return -1;
	prefix = max;
	if (slash != NULL) {
		if (*slash == '\0')
			return -1;
		prefix = strtol(slash, &end, 10);
		if (*end != '\0' || prefix < 0 || prefix > max)
			return -1;
	}
	c->prefix = (int)prefix;
	return 0;
}

static int
prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int bytes = bits / 8, rem = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return 0;
	if (rem == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rem));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

int
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
	const unsigned char *a;

	if (sa->sa_family == AF_INET) {
		if (c->family != AF_INET)
			return 0;
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		return prefix_equal(a, c->addr, c->prefix);
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	a = (const unsigned char *)&sin6->sin6_addr;
	if (c->family == AF_INET6)
		return prefix_equal(a, c->addr, c->prefix);
	/* An IPv4-mapped IPv6 peer matches IPv4 rules. */
	if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return prefix_equal(a + 12, c->addr, c->prefix);
	return 0;
}

void
cidr_format(const struct cidr *c, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (inet_ntop(c->family, c->addr, host, sizeof(host)) == NULL)
		host[0] = '\0';
	snprintf(buf, len, "%s/%d", host, c->prefix);
}
