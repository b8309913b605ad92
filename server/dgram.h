/* One datagram judged and answered: allow list, UDP guard, the service. */
#ifndef NETD_DGRAM_H
#define NETD_DGRAM_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

struct listener;

/* The worker's slot: the scoreboard row datagrams are counted in. */
void	dgram_init(int slot);
/*
 * One datagram received on l from peer: the reply goes to out (outlen
 * bytes of room); its length, or -1 to send nothing.  The caller sends
 * it and reports with dgram_sent().
 */
ssize_t	dgram_answer(const struct listener *l, const void *data, size_t len,
	    const struct sockaddr_storage *peer, void *out, size_t outlen);
/* A reply of n bytes went out on l; -1: it could not be sent (errno). */
void	dgram_sent(const struct listener *l, ssize_t n);

#endif
