/*
 * The timer heap of a worker: an array of pointers ordered as a binary
 * min-heap on the deadline, each timer remembering its index so that it
 * can be moved or cancelled in O(log n) without a search.  One heap per
 * process (a worker is one thread).
 */
#include <stdlib.h>

#include "timer.h"

static struct timer **heap;
static size_t nheap, cap;

static void
place(size_t i, struct timer *t)
{
	heap[i] = t;
	t->idx = i;
}

static void
sift_up(size_t i)
{
	struct timer *t = heap[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (heap[parent]->at <= t->at)
			break;
		place(i, heap[parent]);
		i = parent;
	}
	place(i, t);
}

static void
sift_down(size_t i)
{
	struct timer *t = heap[i];
	size_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= nheap)
			break;
		if (child + 1 < nheap && heap[child + 1]->at < heap[child]->at)
			child++;
		if (t->at <= heap[child]->at)
			break;
		place(i, heap[child]);
		i = child;
	}
	place(i, t);
}

void
timer_init(struct timer *t, void (*fire)(struct timer *))
{
	t->at = 0;
	t->idx = TIMER_IDLE;
	t->fire = fire;
}

int
timer_armed(const struct timer *t)
{
	return t->idx != TIMER_IDLE;
}

int
timer_set(struct timer *t, uint64_t at)
{
	struct timer **n;
	uint64_t old = t->at;

	if (t->idx != TIMER_IDLE) {
		t->at = at;
		if (at < old)
			sift_up(t->idx);
		else
			sift_down(t->idx);
		return 0;
	}
	if (nheap == cap) {
		n = reallocarray(heap, cap ? cap * 2 : 64, sizeof(*heap));
		if (n == NULL)
			return -1;
		heap = n;
		cap = cap ? cap * 2 : 64;
	}
	t->at = at;
	place(nheap++, t);
	sift_up(t->idx);
	return 0;
}

void
timer_cancel(struct timer *t)
{
	size_t i = t->idx;
	struct timer *last;

	if (i == TIMER_IDLE)
		return;
	t->idx = TIMER_IDLE;
	last = heap[--nheap];
	if (i == nheap)
		return;
	place(i, last);
	if (i > 0 && heap[(i - 1) / 2]->at > last->at)
		sift_up(i);
	else
		sift_down(i);
}

int
timer_next(uint64_t now)
{
	uint64_t d;

	if (nheap == 0)
		return -1;
	if (heap[0]->at <= now)
		return 0;
	d = heap[0]->at - now;
	return d > 60000 ? 60000 : (int)d;
}

void
timer_run(uint64_t now)
{
	struct timer *t;

	while (nheap > 0 && heap[0]->at <= now) {
		t = heap[0];
		timer_cancel(t);
		t->fire(t);
	}
}

size_t
timer_count(void)
{
	return nheap;
}
