/*
 * The accept token (accept_mutex = on): the worker that holds it watches
 * the listeners; the others do not, so a new connection or datagram wakes
 * the holder, or nobody while it is busy, rather than a sibling that has
 * to be scheduled for it.  As nginx's accept_mutex: the holder takes the
 * token at the top of its loop, accepts what is ready and gives it back
 * before it serves its connections, so a sibling with events of its own
 * may take it meanwhile; idle siblings try again every
 * ACCEPT_TOKEN_RETRY_MS.  A worker near its worker_connections does not
 * take it (worker.c).
 *
 * The token is one word of the shared scoreboard: the holder's slot and
 * pid and a deadline, renewed at each take.  A holder that stops coming back
 * to its loop (stopped, stuck) loses it at the deadline; one that died
 * loses it as soon as the master's view shows its slot without a worker.
 * Only workers write the word, and a word out of range is taken as free:
 * it decides which worker accepts, never what the master does.
 */
#include <stdint.h>
#include <unistd.h>

#include "accept_token.h"
#include "io.h"
#include "scoreboard.h"

/* Past this without a take, the holder is taken for gone. */
#define TOKEN_TTL_MS	(2 * IO_SLICE_MS + 3000)

/*
 * The word: the deadline (monotonic ms, modulo 2^26: 18 hours, far
 * beyond the TTL), the slot + 1, the pid (below 2^22, the kernel's
 * limit).  0 is free.
 */
#define PID_BITS	22
#define SLOT_BITS	16
#define UNTIL_BITS	26
#define W_PID(w)	((pid_t)((w) & ((1u << PID_BITS) - 1)))
#define W_SLOT(w)	(((w) >> PID_BITS) & ((1u << SLOT_BITS) - 1))
#define W_UNTIL(w)	((w) >> (PID_BITS + SLOT_BITS))
#define UNTIL_MASK	((1u << UNTIL_BITS) - 1)

static int my_slot = -1;
static pid_t my_pid;

static uint64_t
word(uint64_t until, int slot, pid_t pid)
{
	return (until & UNTIL_MASK) << (PID_BITS + SLOT_BITS) |
	    (uint64_t)(slot + 1) << PID_BITS |
	    ((uint64_t)pid & ((1u << PID_BITS) - 1));
}

/* Is now past the word's deadline (modular: within half the range)? */
static int
expired(uint64_t w, uint64_t now)
{
	uint64_t late = (now - W_UNTIL(w)) & UNTIL_MASK;

	return late != 0 && late < (UNTIL_MASK + 1) / 2;
}

/*
 * Is the holder gone: past its deadline, or its slot, by the master's
 * view, has no worker or another one (it died and was replaced).
 */
static int
holder_gone(uint64_t w, uint64_t now)
{
	uint64_t h = W_SLOT(w);
	const struct sbv_slot *v;

	if (w == 0 || h == 0 || h > SB_SLOTS || expired(w, now))
		return 1;
	v = &sbv->slots[h - 1];
	if (v->pid != W_PID(w))
		return 1;
	switch (v->state) {
	case SBV_RUNNING:
	case SBV_RETIRING:
	case SBV_DRAINING:
		return 0;
	default:
		return 1;
	}
}

static int
mine(uint64_t w)
{
	return w != 0 && W_SLOT(w) == (uint64_t)my_slot + 1 &&
	    W_PID(w) == my_pid;
}

void
accept_token_init(int slot)
{
	my_slot = slot;
	my_pid = getpid();
}

int
accept_token_take(void)
{
	uint64_t now = monotonic_ms(), w;

	if (my_slot < 0)
		return 0;
	w = __atomic_load_n(&sb->accept_token, __ATOMIC_ACQUIRE);
	if (!mine(w) && !holder_gone(w, now))
		return 0;
	return __atomic_compare_exchange_n(&sb->accept_token, &w,
	    word(now + TOKEN_TTL_MS, my_slot, my_pid), 0, __ATOMIC_ACQ_REL,
	    __ATOMIC_ACQUIRE);
}

void
accept_token_give(void)
{
	uint64_t w;

	w = __atomic_load_n(&sb->accept_token, __ATOMIC_ACQUIRE);
	if (mine(w))
		(void)__atomic_compare_exchange_n(&sb->accept_token, &w, 0,
		    0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}
