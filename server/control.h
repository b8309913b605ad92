/* The control socket: netctl's requests, served from the master's loop. */
#ifndef NETD_CONTROL_H
#define NETD_CONTROL_H

#include <poll.h>

#include "config.h"

#define CONTROL_MAX_CLIENTS	64
#define CONTROL_IDLE_MS		1000	/* silent this long: may be closed for room */
#define CONTROL_EMFILE_PAUSE_MS	1000	/* out of descriptors: accept again in */
#define CONTROL_EMFILE_LOG_MS	10000	/* and say so at most this often */

int	control_open(const struct netd_config *cfg);
void	control_close_all(void);
/* The listening socket (to hand it over), or -1. */
int	control_listen_fd(void);
/* Take new connections, or leave them in the queue (0). */
void	control_accept(int on);
/* Handed over: close the socket, leave its files to the new master. */
void	control_disown(void);
/* A reply not yet written (a stopping master writes it first)? */
int	control_pending(void);
/*
 * The socket file (control_sock.c): its directory checked or made, the
 * lock beside it taken, a stale socket replaced; the listening socket,
 * or -1 with the reason logged at err.  Close removes both files, in
 * the process that made them only.
 */
int	control_sock_open(const struct netd_config *cfg);
void	control_sock_close(int fd);
/* The lock's descriptor, for a hand-over; -1 if none. */
int	control_sock_lock_fd(void);
/* After a hand-over: this master now may remove the files, or no more. */
void	control_sock_own(void);
void	control_sock_disown(void);
/* Fill pollfds for the socket and clients; may lower *timeout. */
nfds_t	control_pollfds(struct pollfd *pfd, nfds_t max, int *timeout);
void	control_handle(struct pollfd *pfd, nfds_t n);
/* Deadlines and replies that wait (reload, upgrade). */
void	control_tick(void);

#endif
