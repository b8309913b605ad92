/*
 * A generation: one configuration, its listeners and its services, as a
 * unit that is built from the previous one, checked, committed and freed.
 */
#ifndef NETD_GENERATION_H
#define NETD_GENERATION_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "listener.h"
#include "report.h"

struct generation {
	uint32_t		 id;	/* 1 at start, +1 per reload */
	struct netd_config	*cfg;
	struct listener		*ls;
	size_t			 nls;
};

#define GEN_CHECK	0x1	/* parse and check only: bind nothing */
#define GEN_DRY_RUN	0x2	/* what a reload would change; bind nothing */

/*
 * Load path and build a generation from prev (NULL at start): listeners
 * whose configured address prev already has are taken over with their
 * queue, the others bound.  NULL, with every error in rep, if anything
 * is wrong; then nothing of prev was touched and nothing new stays open.
 */
struct generation *generation_load(const char *path,
	    const struct generation *prev, int flags, struct report *rep);
/* next replaces prev: close what next did not take over. */
void	generation_commit(struct generation *next, struct generation *prev,
	    struct report *rep);
/* Free the memory of a generation; its listeners stay as they are. */
void	generation_free(struct generation *g);
/*
 * At stop: close every listener and free its counters.  A unix
 * listener's file is removed unless keep has the bit (1 << origin) of
 * where its socket came from (enum listener_origin): a file that another
 * master or systemd still serves on stays.
 */
void	generation_close(struct generation *g, int keep);

#endif
