/*
 * Process titles: "netd: master -c FILE (N workers)", "netd: worker 3 idle",
 * "netd: worker 3 hello 127.0.0.1:51234".  libbsd prefixes the program name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "title.h"

static char *title_base;	/* argv[0], where the title is written */
static char *title_orig_nul;	/* the NUL that ended argv[0] */

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
title_set(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	setproctitle("%s", buf);
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
