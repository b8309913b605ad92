/* The worker process: waits on every listener, serves one client at a time. */
#ifndef NETD_WORKER_H
#define NETD_WORKER_H

#include <signal.h>

struct generation;

/*
 * A worker's exit status, read by the master (pool.c): 0 done (recycled,
 * drained, stopped); codes of WORKER_EXIT_PERMANENT and up mean it can
 * never start with this configuration (nginx's "fatal, do not respawn",
 * s6's 100): its slot stops until a reload.  Anything else is temporary
 * and backs off.
 */
#define WORKER_EXIT_OK		0
#define WORKER_EXIT_PERMANENT	100
#define WORKER_EXIT_PRIVS	100	/* cannot drop privileges */
#define WORKER_EXIT_SETUP	101	/* cannot set up its event loop */
#define WORKER_EXIT_FDS		102	/* cannot close inherited descriptors */

struct worker_args {
	int			 slot;
	const struct generation	*gen;
	uint64_t		 max_requests;	/* jitter included; 0: none */
};

/* The child side of a spawn: arg is a struct worker_args. */
void	worker_start(void *arg) __attribute__((noreturn));
/* Why a worker exited with code, if that is permanent; else NULL. */
const char *worker_exit_reason(int code);

#endif
