/*
 * What the UDP guard needs to know about this host, per worker and
 * cached: the addresses and broadcast addresses of its interfaces
 * (getifaddrs, every 10 seconds), and the ports its UDP servers hold
 * (/proc/net/udp and /proc/net/udp6, at most once a second, and only
 * when a datagram from a local address asks).
 *
 * A datagram "from" a local address and the port of a local UDP server
 * would have our reply land in that server, which may answer it, and so
 * on for ever: two netd with different ports, netd and a local DNS or
 * NTP server.  Which local sockets are servers?  Nothing in the kernel's
 * tables says, so we take the shape of the bind: a client's socket is
 * either connected, or bound by the kernel at its first send (the
 * wildcard address, a port from ip_local_port_range); any other
 * unconnected socket was bound on purpose, to an address or to a chosen
 * port, and is taken for a server.
 *
 * A worker that cannot read these says so at debug level only (every
 * worker would say it); the master tries the same at start and warns
 * once for each rule that is off (udp_local_probe): getifaddrs needs
 * AF_NETLINK, which a unit's RestrictAddressFamilies= may lack.  The
 * sockets are read from /proc/self/net, which a unit's ProcSubset=pid
 * leaves visible.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "log.h"
#include "udp_local.h"

#define IFADDR_REFRESH_MS	10000
#define SERVER_REFRESH_MS	1000
#define MAX_ADDRS		64

static struct {
	uint64_t	 at;		/* 0: never read */
	int		 nbcast, n4, n6;
	uint32_t	 bcast[MAX_ADDRS];	/* host order */
	unsigned char	 a4[MAX_ADDRS][4];
	unsigned char	 a6[MAX_ADDRS][16];
} ifs;

static struct {
	uint64_t	 at;		/* 0: never read */
	unsigned	 lo, hi;	/* ip_local_port_range */
	uint8_t		 ports[65536 / 8];
} srv;

static void
ifs_refresh(void)
{
	struct ifaddrs *ifa, *i;
	const struct sockaddr *sa;
	uint64_t now = monotonic_ms();

	if (ifs.at != 0 && now - ifs.at < IFADDR_REFRESH_MS)
		return;
	ifs.at = now;
	ifs.nbcast = ifs.n4 = ifs.n6 = 0;
	if (getifaddrs(&ifa) == -1) {
		log_debug("udp guard: getifaddrs: %s", strerror(errno));
		return;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if ((sa = i->ifa_addr) == NULL)
			continue;
		if (sa->sa_family == AF_INET && ifs.n4 < MAX_ADDRS)
			memcpy(ifs.a4[ifs.n4++], &((const struct sockaddr_in *)
			    sa)->sin_addr, 4);
		else if (sa->sa_family == AF_INET6 && ifs.n6 < MAX_ADDRS)
			memcpy(ifs.a6[ifs.n6++], &((const struct sockaddr_in6 *)
			    sa)->sin6_addr, 16);
		if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr !=
		    NULL && i->ifa_broadaddr->sa_family == AF_INET &&
		    ifs.nbcast < MAX_ADDRS)
			ifs.bcast[ifs.nbcast++] = ntohl(((struct sockaddr_in *)
			    i->ifa_broadaddr)->sin_addr.s_addr);
	}
	freeifaddrs(ifa);
}

int
udp_local_bcast(uint32_t a)
{
	int i;

	ifs_refresh();
	for (i = 0; i < ifs.nbcast; i++)
		if (a == ifs.bcast[i])
			return 1;
	return 0;
}

int
udp_local_addr4(uint32_t a)
{
	unsigned char b[4];
	int i;

	if ((a >> 24) == 127)
		return 1;
	b[0] = (unsigned char)(a >> 24);
	b[1] = (unsigned char)(a >> 16);
	b[2] = (unsigned char)(a >> 8);
	b[3] = (unsigned char)a;
	ifs_refresh();
	for (i = 0; i < ifs.n4; i++)
		if (memcmp(b, ifs.a4[i], 4) == 0)
			return 1;
	return 0;
}

int
udp_local_addr6(const unsigned char *a)
{
	int i;

	if (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)(const void *)a))
		return 1;
	ifs_refresh();
	for (i = 0; i < ifs.n6; i++)
		if (memcmp(a, ifs.a6[i], 16) == 0)
			return 1;
	return 0;
}

static void
port_range(void)
{
	FILE *f;

	srv.lo = 32768;		/* Linux's defaults */
	srv.hi = 60999;
	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re")) ==
	    NULL)
		return;
	if (fscanf(f, "%u %u", &srv.lo, &srv.hi) != 2 || srv.lo > srv.hi ||
	    srv.hi > 65535) {
		srv.lo = 32768;
		srv.hi = 60999;
	}
	fclose(f);
}

/*
 * One line of /proc/net/udp{,6}: "sl: LOCAL:PORT REMOTE:PORT st ...",
 * addresses in hex.  Marks the port of an unconnected socket bound on
 * purpose.
 */
static void
server_line(const char *line)
{
	char local[64], remote[64];
	const char *c;
	unsigned long port, rport;
	int wild;

	if (sscanf(line, " %*[^:]: %63s %63s", local, remote) != 2)
		return;
	if ((c = strchr(local, ':')) == NULL)
		return;
	port = strtoul(c + 1, NULL, 16);
	wild = strspn(local, "0") == (size_t)(c - local);
	if ((c = strchr(remote, ':')) == NULL)
		return;
	rport = strtoul(c + 1, NULL, 16);
	if (port == 0 || port > 65535 || rport != 0)
		return;		/* connected: a client */
	if (wild && port >= srv.lo && port <= srv.hi)
		return;		/* as the kernel binds a client */
	srv.ports[port / 8] |= (uint8_t)(1u << (port % 8));
}

static void
servers_refresh(void)
{
	static const char *const files[] = { "/proc/self/net/udp",
	    "/proc/self/net/udp6" };
	uint64_t now = monotonic_ms();
	char *line = NULL;
	size_t cap = 0, i;
	FILE *f;

	if (srv.at != 0 && now - srv.at < SERVER_REFRESH_MS)
		return;
	srv.at = now;
	memset(srv.ports, 0, sizeof(srv.ports));
	port_range();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((f = fopen(files[i], "re")) == NULL) {
			if (errno != ENOENT)	/* no IPv6 here */
				log_debug("udp guard: %s: %s", files[i],
				    strerror(errno));
			continue;
		}
		while (getline(&line, &cap, f) != -1)
			server_line(line);
		fclose(f);
	}
	free(line);
}

int
udp_local_server_port(uint16_t port)
{
	servers_refresh();
	return (srv.ports[port / 8] >> (port % 8)) & 1;
}

void
udp_local_probe(void)
{
	struct ifaddrs *ifa;
	FILE *f;

	if (getifaddrs(&ifa) == -1)
		log_warnx("udp guard: cannot list this host's addresses "
		    "(getifaddrs: %s): datagrams from an interface's "
		    "broadcast address or from a local UDP server are not "
		    "refused (under systemd, RestrictAddressFamilies= needs "
		    "AF_NETLINK)", strerror(errno));
	else
		freeifaddrs(ifa);
	if ((f = fopen("/proc/self/net/udp", "re")) == NULL)
		log_warnx("udp guard: cannot read /proc/self/net/udp (%s): "
		    "datagrams from local UDP servers are not refused",
		    strerror(errno));
	else
		fclose(f);
	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re")) ==
	    NULL)
		log_info("udp guard: ip_local_port_range unreadable (%s): "
		    "taking Linux's default, 32768-60999", strerror(errno));
	else
		fclose(f);
}
