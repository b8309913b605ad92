/* What this host is, for the UDP guard: its addresses and its UDP servers. */
#ifndef NETD_UDP_LOCAL_H
#define NETD_UDP_LOCAL_H

#include <stdint.h>

/* Is a (host order) the broadcast address of one of our interfaces? */
int	udp_local_bcast(uint32_t a);

/* Is the address ours (loopback, or an interface's)?  IPv4 in host order. */
int	udp_local_addr4(uint32_t a);
int	udp_local_addr6(const unsigned char *a);

/*
 * Does a UDP server of this host hold port: a socket, of any process,
 * that is not connected and was bound on purpose (to one address, or to
 * a port outside the range the kernel hands to clients)?  Read from
 * /proc/self/net/udp and udp6 at most once a second.
 */
int	udp_local_server_port(uint16_t port);

/* Master, at start: warn of every rule the guard cannot apply here. */
void	udp_local_probe(void);

#endif
