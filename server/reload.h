/* What reloads did: the history status shows, and their end event. */
#ifndef NETD_RELOAD_H
#define NETD_RELOAD_H

#include <stdint.h>

#include "report.h"

/* One reload, done (ok) or refused: counted, its message kept. */
void	reload_record(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The last reload's refusal, for systemd's STATUS=; NULL: it worked. */
void	reload_failed(const char *why);
/* That refusal, or "" . */
const char *reload_failure(void);
/*
 * The pool goes from size from to the new config's workers: say so,
 * above all when that undoes a scale (from is not the old workers).
 */
void	reload_pool_size(int from, int old_workers, int to,
	    struct report *rep);
/* The reload_end event: ok, the generations, changes or errors. */
void	reload_end(int ok, uint32_t from, uint32_t to,
	    const struct report *rep);

#endif
