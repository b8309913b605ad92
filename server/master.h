/* The master: binds, forks the pool, supervises, reloads, stops. */
#ifndef NETD_MASTER_H
#define NETD_MASTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "listener.h"

struct master {
	struct netd_config	*cfg;
	struct listener		*ls;
	size_t			 nls;
	uint32_t		 generation;
	int			 sigpipe[2];	/* signal handlers write here */
	int			 life[2];	/* workers see EOF when we die */
	int			 stopping;	/* 0, STOP_FAST, STOP_GRACEFUL */
	uint64_t		 stop_deadline;
	uint64_t		 start_ms;	/* wall clock */
	int			 announced;	/* "ready" said */
};

#define STOP_FAST	1
#define STOP_GRACEFUL	2

/* What a reload changed, or why it was refused. */
struct reload_report {
	int		 ok;
	int		 dry_run;
	uint32_t	 from, to;
	char		**lines;	/* "opened tcp://...", errors, ... */
	size_t		 nlines;
};

extern struct master master;

int	master_run(struct netd_config *cfg) __attribute__((warn_unused_result));
pid_t	master_spawn(int slot);
/* reload.c: also used by the master at start */
int	listeners_build(const struct netd_config *cfg, struct listener *old,
	    size_t nold, struct listener **out, size_t *nout, int dry_run,
	    struct reload_report *rep);
void	listener_remove(struct listener *l);
void	services_register(const struct netd_config *cfg);
int	master_config_check(const struct netd_config *cfg,
	    struct reload_report *rep);
int	master_reload(int dry_run, struct reload_report *rep);
void	reload_report_free(struct reload_report *rep);
void	master_stop(int how);
void	master_scale(int n);
void	master_title(void);

#endif
