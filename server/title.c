/*
 * Process titles: "netd: master -c FILE (N workers)", "netd: worker 3 idle",
 * "netd: worker 3 hello 127.0.0.1:51234"; once a worker leaves, each of
 * its titles ends in " (shutting down)", as nginx's "worker process is
 * shutting down".  libbsd prefixes the program name.  The kernel's short
 * name (/proc/PID/comm: ps -o comm, top, journald) is title_name()'s.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"

#include "title.h"

static char *title_base;	/* argv[0], where the title is written */
static char *title_orig_nul;	/* the NUL that ended argv[0] */
static char title_last[256];	/* the title without its suffix */
static int title_shutting;	/* " (shutting down)" after each */

void
title_init(int argc, char *argv[], char *envp[])
{
	if (argc > 0) {
		title_base = argv[0];
		title_orig_nul = argv[0] + strlen(argv[0]);
	}
	setproctitle_init(argc, argv, envp);
}

void
title_name(const char *name)
{
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1)
		log_warn("prctl PR_SET_NAME %s", name);
}

static void
title_apply(void)
{
	setproctitle("%s%s", title_last, title_shutting ?
	    " (shutting down)" : "");
	/*
	 * A title shorter than the original arguments gets a '.' marker at
	 * their old end from libbsd (for kernels that stop at the first NUL);
	 * current kernels show the whole area, so ps would print "title  .".
	 */
	if (title_base != NULL && title_orig_nul > title_base &&
	    (size_t)(title_orig_nul - title_base) > strlen(title_base) &&
	    *title_orig_nul == '.')
		*title_orig_nul = '\0';
}

void
title_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(title_last, sizeof(title_last), fmt, ap);
	va_end(ap);
	title_apply();
}

void
title_shutting_down(void)
{
	if (title_shutting)
		return;
	title_shutting = 1;
	title_apply();
}
