/* Datagrams taken and answered in batches (recvmmsg, sendmmsg). */
#ifndef NETD_UDP_BATCH_H
#define NETD_UDP_BATCH_H

struct listener;

/*
 * Take up to budget datagrams queued on l, answer each (conn_dgram), send
 * the replies; the number taken (0: nothing was queued).
 */
int	udp_batch_serve(const struct listener *l, int budget);

#endif
