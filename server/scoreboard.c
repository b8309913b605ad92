/*
 * The scoreboard lives in an anonymous shared mapping made before the first
 * fork, so every worker writes its own slot and the master reads them all
 * for status.  Counters touched by several processes use atomics.
 */
#include <string.h>
#include <sys/mman.h>

#include "io.h"
#include "log.h"
#include "scoreboard.h"

struct scoreboard *sb;

int
scoreboard_init(void)
{
	void *p;

	p = mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("scoreboard: mmap %zu bytes", sizeof(*sb));
		return -1;
	}
	sb = p;
	memset(sb, 0, sizeof(*sb));
	return 0;
}

void
scoreboard_worker_reset(int slot, pid_t pid, uint32_t generation)
{
	struct sb_worker *w = &sb->workers[slot];

	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->generation = generation;
	w->state = SB_STARTING;
	w->listener = -1;
	w->service = -1;
	w->started_ms = w->since_ms = realtime_ms();
}

void
scoreboard_set_state(int slot, int state, const char *service,
    const char *peer)
{
	struct sb_worker *w = &sb->workers[slot];

	w->state = state;
	w->since_ms = realtime_ms();
	if (service != NULL)
		strlcpy(w->service_name, service, sizeof(w->service_name));
	else
		w->service_name[0] = '\0';
	if (peer != NULL)
		strlcpy(w->peer, peer, sizeof(w->peer));
	else
		w->peer[0] = '\0';
}

int
scoreboard_listener_alloc(int proto, const char *addr, const char *service)
{
	struct sb_listener *l;
	int i;

	for (i = 0; i < SB_LISTENERS; i++) {
		l = &sb->listeners[i];
		if (l->in_use)
			continue;
		memset(l, 0, sizeof(*l));
		l->in_use = 1;
		l->proto = proto;
		strlcpy(l->addr, addr, sizeof(l->addr));
		strlcpy(l->service, service, sizeof(l->service));
		return i;
	}
	return -1;
}

void
scoreboard_listener_free(int idx)
{
	if (idx >= 0 && idx < SB_LISTENERS)
		sb->listeners[idx].in_use = 0;
}

/*
 * The counters of a service by name.  Only the master creates entries
 * (create = 1), at start and reload, before workers fork: workers only
 * look them up, so no two processes race to create one.
 */
int
scoreboard_service_index(const char *name, int create)
{
	int i, free_idx = -1;

	for (i = 0; i < SB_SERVICES; i++) {
		if (sb->services[i].in_use) {
			if (strcmp(sb->services[i].name, name) == 0)
				return i;
		} else if (free_idx == -1)
			free_idx = i;
	}
	if (free_idx == -1 || !create)
		return -1;
	memset(&sb->services[free_idx], 0, sizeof(sb->services[0]));
	sb->services[free_idx].in_use = 1;
	strlcpy(sb->services[free_idx].name, name,
	    sizeof(sb->services[0].name));
	return free_idx;
}

const char *
sb_state_name(int state)
{
	switch (state) {
	case SB_EMPTY:
		return "empty";
	case SB_STARTING:
		return "starting";
	case SB_IDLE:
		return "idle";
	case SB_BUSY:
		return "busy";
	case SB_EXITING:
		return "exiting";
	}
	return "?";
}

/* What status calls slot i: the master's view first, then the worker's. */
const char *
slot_state_name(int i)
{
	const struct slot *s = &sb->slots[i];

	switch (s->state) {
	case SLOT_DRAINING:
		return "draining";
	case SLOT_BACKOFF:
		return "backoff";
	case SLOT_RUNNING:
		if (s->retiring)
			return "retiring";
		return sb_state_name(sb->workers[i].state);
	}
	return "free";
}
