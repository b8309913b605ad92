/*
 * netd's command line: options, config check (-t), detaching (-d), the
 * descriptors passed at start (socket activation, systemd's fd store, an
 * upgrading master), then the master takes over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bind_why.h"
#include "config.h"
#include "detach.h"
#include "log.h"
#include "generation.h"
#include "inherit.h"
#include "master.h"
#include "pidfile.h"
#include "report.h"
#include "scoreboard.h"
#include "title.h"
#include "upgrade.h"
#include "version.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: netd [-c FILE] [-t] [-d] [-V] [-h]\n"
	    "  -c FILE  configuration file (default %s)\n"
	    "  -t       check the configuration and exit\n"
	    "  -d       detach from the terminal (writes pid_file)\n"
	    "  -V       print the version and exit\n"
	    "  -h       print this help and exit\n", NETD_DEFAULT_CONFIG);
}

/*
 * Print a refused configuration: plainly for -t (but with "<3>" under
 * journald, like every error), as log lines otherwise.
 */
static void
print_errors(const struct report *rep, int plain)
{
	size_t i;

	for (i = 0; i < rep->nlines; i++)
		if (plain)
			log_print(LOG_LVL_ERR, "%s", rep->lines[i]);
		else
			log_errx("%s", rep->lines[i]);
}

/* A -t warning, as FILE:LINE: key 'listen': warning: ... */
static void
warn_line(const char *file, int line, const char *msg)
{
	log_print(LOG_LVL_WARNING, "%s:%d: key 'listen': warning: %s", file,
	    line, msg);
}

int
main(int argc, char *argv[], char *envp[])
{
	const char *path = NETD_DEFAULT_CONFIG, *load = NULL;
	char *abspath = NULL;
	struct report rep = { 0 };
	struct generation *g;
	int ch, test = 0, daemonize = 0, rc;

	title_init(argc, argv, envp);
	log_init("netd");
	while ((ch = getopt(argc, argv, "c:tdVh")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'd':
			daemonize = 1;
			break;
		case 'V':
			printf("netd %s\n", NETD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	load = path;
	/* Absolute, so that a reload finds it after a chdir (-d). */
	if ((abspath = realpath(path, NULL)) != NULL)
		load = abspath;
	if (test) {
		g = generation_load(load, NULL, GEN_CHECK, &rep);
		free(abspath);
		if (g == NULL) {
			print_errors(&rep, 1);
			log_print(LOG_LVL_ERR, "netd: config %s has errors",
			    path);
			report_free(&rep);
			return 1;
		}
		/* Valid, but this user could not bind it: say so now. */
		(void)bind_why_check(g->cfg, warn_line);
		printf("netd: config %s ok\n", path);
		generation_free(g);
		return 0;
	}
	/* Detached, the caller waits to hear how the start went. */
	if (daemonize && detach() == -1)
		fatal("detach");
	/* Before anything opens a descriptor of its own. */
	if (inherit_init() == -1 || upgrade_child_init() == -1) {
		log_errx("not started: cannot take the passed descriptors");
		return 1;
	}
	if (scoreboard_init() == -1) {
		log_errx("not started: cannot set up the scoreboard");
		return 1;
	}
	g = generation_load(load, NULL, 0, &rep);
	free(abspath);		/* the config keeps its own copy */
	if (g == NULL) {
		print_errors(&rep, 0);
		log_errx("not started (config %s)", path);
		report_free(&rep);
		return 1;
	}
	if (daemonize && g->cfg->pid_file == NULL &&
	    (g->cfg->pid_file = strdup("/run/netd/netd.pid")) == NULL)
		fatal("strdup");
	/* The pid file of the master this one replaces (it ran with -d). */
	if (upgrade_predecessor() != 0 && g->cfg->pid_file == NULL &&
	    getenv(NETD_PIDFILE_ENV) != NULL &&
	    (g->cfg->pid_file = strdup(getenv(NETD_PIDFILE_ENV))) == NULL)
		fatal("strdup");
	unsetenv(NETD_PIDFILE_ENV);
	/* The master writes the pid file once it holds the control socket. */
	rc = master_run(g);
	pidfile_unlink();
	return rc;
}
