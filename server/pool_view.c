/*
 * What status sees of the pool: the master's slot table (pool_slot.h),
 * copied into the scoreboard's view, which workers map read-only, with
 * the pool's size, spare rules, stalls and recycling counts.
 */
#include <string.h>

#include "generation.h"
#include "io.h"
#include "pool.h"
#include "pool_slot.h"
#include "scoreboard.h"

void
pool_publish(void)
{
	struct sb_view *v = scoreboard_view();
	struct sbv_slot *o;
	const struct generation *gen;
	struct slot *s;
	int i;

	v->target = pool_target();
	v->stalls = pool_stalls();
	memcpy(v->recycled, pool_recycled(), sizeof(v->recycled));
	if ((gen = pool_generation()) != NULL) {
		v->min_spare = gen->cfg->min_spare;
		v->max_spare = gen->cfg->max_spare;
		v->max_workers = gen->cfg->max_workers;
	}
	for (i = 0; i < pool_nslots(); i++) {
		s = pool_slot(i);
		o = &v->slots[i];
		switch (s->state) {
		case SLOT_RUNNING:
			o->state = s->retiring ? SBV_RETIRING : SBV_RUNNING;
			break;
		case SLOT_DRAINING:
			o->state = s->stalled ? SBV_STALLED : SBV_DRAINING;
			break;
		case SLOT_BACKOFF:
			o->state = SBV_BACKOFF;
			break;
		case SLOT_FAILED:
			o->state = SBV_FAILED;
			break;
		default:
			o->state = SBV_FREE;
		}
		o->pid = s->state == SLOT_RUNNING || s->state == SLOT_DRAINING ?
		    s->pid : 0;
		o->generation = s->generation;
		o->started_ms = s->started_wall;
		o->deadline_ms = s->deadline_wall;
		o->retry_ms = s->retry_wall;
		o->fails = s->fails;
		strlcpy(o->last_exit, s->last_exit, sizeof(o->last_exit));
		o->recycle = s->recycle;
		o->limits = s->limits;
	}
}
