/* The worker process: waits on every listener, serves one client at a time. */
#ifndef NETD_WORKER_H
#define NETD_WORKER_H

#include <signal.h>
#include <stdint.h>

#include "config.h"
#include "listener.h"

extern volatile sig_atomic_t worker_stop_now;	/* TERM: drop everything */

void	worker_main(int slot, uint32_t generation,
	    const struct netd_config *cfg, struct listener *ls, size_t nls,
	    int life_fd) __attribute__((noreturn));
void	worker_set_busy(const char *service, const char *peer);
void	worker_set_idle(void);

#endif
