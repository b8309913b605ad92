/* Listen addresses (tcp://, udp://, unix:), CIDR lists, numeric peer names. */
#ifndef NETD_ADDR_H
#define NETD_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

enum listen_proto {
	PROTO_TCP,
	PROTO_UDP,
	PROTO_UNIX,
};

#define ADDR_TEXT_MAX	128	/* "udp://[ffff:...]:65535", "unix:/path" */
#define PEER_TEXT_MAX	64	/* "[v6 address]:port" */

struct listen_addr {
	enum listen_proto	 proto;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 text[ADDR_TEXT_MAX];	/* canonical form */
};

struct cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	int		prefix;
};

/*
 * Parse "tcp://HOST:PORT", "udp://HOST:PORT" (IPv6 in brackets, HOST
 * numeric or "localhost") or "unix:/path".  A relative unix path is taken
 * relative to basedir.  Returns 0, or -1 with a message in err.
 */
int	listen_addr_parse(const char *s, const char *basedir,
	    struct listen_addr *la, char *err, size_t errlen);
/* Rebuild la->text from la->ss (after binding port 0, say). */
void	listen_addr_format(struct listen_addr *la);
const char *proto_name(enum listen_proto p);

int	cidr_parse(const char *s, struct cidr *c);
int	cidr_match(const struct cidr *c, const struct sockaddr *sa);
void	cidr_format(const struct cidr *c, char *buf, size_t len);

/* "127.0.0.1:51234", "[::1]:51234", "unix" — never resolves a name. */
void	sockaddr_format(const struct sockaddr *sa, socklen_t len,
	    char *buf, size_t buflen);
int	sockaddr_port(const struct sockaddr *sa);

#endif
