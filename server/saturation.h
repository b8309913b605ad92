/* "Pool at its limit" episodes: detected by the master, counted, logged. */
#ifndef NETD_SATURATION_H
#define NETD_SATURATION_H

/*
 * Master, at every turn of its loop: is the pool at its limit (the
 * serving generation runs max_workers workers and none has a free
 * connection slot)?  A warning when an episode begins, a notice when it
 * ends; the state and the count of episodes go into the view.
 */
void	saturation_tick(void);

#endif
