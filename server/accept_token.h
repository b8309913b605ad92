/*
 * accept_mutex: one worker at a time watches the listeners.  The token
 * is one word of the shared scoreboard, taken and given back by the
 * workers alone (the master never reads it).
 */
#ifndef NETD_ACCEPT_TOKEN_H
#define NETD_ACCEPT_TOKEN_H

/* A worker without the token tries again this often (ms). */
#define ACCEPT_TOKEN_RETRY_MS	100

/* This worker's slot (and pid): before the first take. */
void	accept_token_init(int slot);
/* Take or keep the token; 1 if this worker holds it now. */
int	accept_token_take(void);
/* Give it back if this worker holds it. */
void	accept_token_give(void);

#endif
