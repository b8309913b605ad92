/*
 * The scoreboard's two mappings.  The read-write one is anonymous shared
 * memory: every worker writes its row and the counters there.  The view
 * lives in a memfd: the master maps it read-write and then seals it
 * against any further writable mapping, so a worker, which maps it again
 * read-only and unmaps the copy fork gave it, cannot make it writable
 * (not with mprotect, not through a new mapping).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "scoreboard.h"

struct scoreboard *sb;
const struct sb_view *sbv;
struct sb_conn *sbconn;
static struct sb_view *view;	/* writable: the master's */
static int view_fd = -1;

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
	sb = p;		/* anonymous memory comes zeroed */
	/* Pages are only touched for rows in use: reserve no swap. */
	p = mmap(NULL, sizeof(*sbconn) * SB_SLOTS * SB_CONN_ROWS,
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE,
	    -1, 0);
	if (p == MAP_FAILED) {
		log_warn("scoreboard: mmap the connection table");
		return -1;
	}
	sbconn = p;
	view_fd = memfd_create("netd-view", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (view_fd == -1) {
		log_warn("scoreboard: memfd_create");
		return -1;
	}
	if (ftruncate(view_fd, (off_t)sizeof(*view)) == -1) {
		log_warn("scoreboard: ftruncate %zu bytes", sizeof(*view));
		return -1;
	}
	p = mmap(NULL, sizeof(*view), PROT_READ | PROT_WRITE, MAP_SHARED,
	    view_fd, 0);
	if (p == MAP_FAILED) {
		log_warn("scoreboard: mmap %zu bytes", sizeof(*view));
		return -1;
	}
	/* This mapping stays writable; no other can ever be. */
	if (fcntl(view_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) == -1) {
		log_warn("scoreboard: sealing the view");
		return -1;
	}
	view = p;
	sbv = view;
	return 0;
}

struct sb_view *
scoreboard_view(void)
{
	return view;
}

int
scoreboard_view_fd(void)
{
	return view_fd;
}

int
scoreboard_attach(void)
{
	void *p;

	p = mmap(NULL, sizeof(*view), PROT_READ, MAP_SHARED, view_fd, 0);
	if (p == MAP_FAILED) {
		log_warn("scoreboard: mmap the view read-only");
		return -1;
	}
	if (munmap(view, sizeof(*view)) == -1) {
		log_warn("scoreboard: munmap");
		return -1;
	}
	view = NULL;
	sbv = p;
	if (close(view_fd) == -1)
		log_warn("scoreboard: close");
	view_fd = -1;
	return 0;
}

static struct sb_conn *
conn_row(int slot, int row)
{
	if (slot < 0 || slot >= SB_SLOTS || row < 0 || row >= SB_CONN_ROWS)
		return NULL;
	return &sbconn[(size_t)slot * SB_CONN_ROWS + (size_t)row];
}

void
scoreboard_worker_reset(int slot)
{
	struct sb_worker *w = &sb->workers[slot];
	uint32_t hw = w->table_hw;

	if (hw > SB_CONN_ROWS)
		hw = SB_CONN_ROWS;
	if (hw > 0)
		memset(conn_row(slot, 0), 0, hw * sizeof(*sbconn));
	memset(w, 0, sizeof(*w));
	w->state = SB_STARTING;
	w->since_ms = realtime_ms();
}

void
scoreboard_worker_gone(int slot)
{
	struct sb_worker *w = &sb->workers[slot];
	uint32_t n, have;
	int i;

	for (i = 0; i < SB_SERVICES; i++) {
		if ((n = SB_LOAD(w->active[i])) == 0)
			continue;
		have = (uint32_t)SB_LOAD(sb->services[i].active);
		SB_SUB(sb->services[i].active, (int)(n < have ? n : have));
		w->active[i] = 0;
	}
	w->conns = 0;
	memset(w->conn_states, 0, sizeof(w->conn_states));
}

void
scoreboard_conn_open(int slot, int row, int service,
    const struct sockaddr_storage *peer, uint64_t since_ms)
{
	struct sb_conn *c = conn_row(slot, row);
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;

	if (c == NULL)
		return;
	memset(c, 0, sizeof(*c));
	c->service = (uint16_t)service;
	c->family = peer->ss_family;
	if (peer->ss_family == AF_INET) {
		memcpy(c->addr, &s4->sin_addr, 4);
		c->port = ntohs(s4->sin_port);
	} else if (peer->ss_family == AF_INET6) {
		memcpy(c->addr, &s6->sin6_addr, 16);
		c->port = ntohs(s6->sin6_port);
	}
	c->since_ms = since_ms;
	c->in_use = 1;
	if ((uint32_t)row + 1 > sb->workers[slot].table_hw)
		sb->workers[slot].table_hw = (uint32_t)row + 1;
}

void
scoreboard_conn_state(int slot, int row, int state)
{
	struct sb_conn *c = conn_row(slot, row);

	if (c != NULL)
		c->state = (uint8_t)state;
}

void
scoreboard_conn_bytes(int slot, int row, uint64_t in, uint64_t out)
{
	struct sb_conn *c = conn_row(slot, row);

	if (c != NULL) {
		c->bytes_in = in;
		c->bytes_out = out;
	}
}

void
scoreboard_conn_close(int slot, int row)
{
	struct sb_conn *c = conn_row(slot, row);

	if (c != NULL)
		c->in_use = 0;
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
scoreboard_worker_state(int slot)
{
	int st;

	if (slot < 0 || slot >= SB_SLOTS)
		return SB_EMPTY;
	st = SB_LOAD(sb->workers[slot].state);
	return st >= 0 && st < SB_NSTATES ? st : SB_EMPTY;
}

/* Master only: a row for a listener's name and counters. */
int
scoreboard_listener_alloc(int proto, const char *addr, const char *service)
{
	struct sbv_listener *l;
	int i;

	for (i = 0; i < SB_LISTENERS; i++) {
		l = &view->listeners[i];
		if (l->in_use)
			continue;
		memset(l, 0, sizeof(*l));
		memset(&sb->listeners[i], 0, sizeof(sb->listeners[i]));
		l->proto = proto;
		strlcpy(l->addr, addr, sizeof(l->addr));
		strlcpy(l->service, service, sizeof(l->service));
		l->in_use = 1;
		return i;
	}
	return -1;
}

void
scoreboard_listener_rename(int idx, const char *service)
{
	if (idx >= 0 && idx < SB_LISTENERS)
		strlcpy(view->listeners[idx].service, service,
		    sizeof(view->listeners[idx].service));
}

void
scoreboard_listener_free(int idx)
{
	if (idx >= 0 && idx < SB_LISTENERS)
		view->listeners[idx].in_use = 0;
}

/*
 * The counters of a service by name.  Only the master creates entries
 * (create = 1), at start and reload, before workers fork; workers get
 * the index with their listeners and never look a name up.
 */
int
scoreboard_service_index(const char *name, int create)
{
	int i, free_idx = -1;

	for (i = 0; i < SB_SERVICES; i++) {
		if (sbv->services[i].in_use) {
			if (strcmp(sbv->services[i].name, name) == 0)
				return i;
		} else if (free_idx == -1)
			free_idx = i;
	}
	if (free_idx == -1 || !create)
		return -1;
	memset(&sb->services[free_idx], 0, sizeof(sb->services[0]));
	strlcpy(view->services[free_idx].name, name,
	    sizeof(view->services[0].name));
	view->services[free_idx].in_use = 1;
	return free_idx;
}

void
scoreboard_service_free(int idx)
{
	if (idx >= 0 && idx < SB_SERVICES)
		view->services[idx].in_use = 0;
}

const char *
sb_state_name(int state)
{
	static const char *const names[SB_NSTATES] = {
		[SB_EMPTY] = "empty",
		[SB_STARTING] = "starting",
		[SB_IDLE] = "idle",
		[SB_BUSY] = "busy",
		[SB_EXITING] = "exiting",
	};

	return state >= 0 && state < SB_NSTATES ? names[state] : "?";
}

const char *
sbv_slot_state_name(int state)
{
	switch (state) {
	case SBV_RUNNING:
		return "running";
	case SBV_RETIRING:
		return "retiring";
	case SBV_DRAINING:
		return "draining";
	case SBV_BACKOFF:
		return "backoff";
	case SBV_FAILED:
		return "failed";
	case SBV_STALLED:
		return "stalled";
	}
	return "free";
}
