/* What the master measures for status: queues, rates, CPU, memory. */
#ifndef NETD_STATS_H
#define NETD_STATS_H

struct generation;

/*
 * Master, at every turn of its loop: sample the accept queues of g's TCP
 * listeners (their peak); once a second, the rates, the workers' CPU
 * time and memory and the master's own figures.  Published into the
 * scoreboard's view.
 */
void	stats_tick(const struct generation *g);

#endif
