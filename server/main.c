/*
 * netd's command line: options, config check (-t), detaching (-d), then
 * the master takes over.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "generation.h"
#include "master.h"
#include "report.h"
#include "scoreboard.h"
#include "title.h"
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

static int
write_pid_file(const char *path)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_warn("pid file %s", path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) == -1) {
		log_warn("pid file %s", path);
		return -1;
	}
	return 0;
}

/*
 * Double fork, new session, stdin/stdout to /dev/null, inherited
 * descriptors closed; stderr is kept for the log.
 */
static int
detach(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		return -1;
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1)
		return -1;
	if (fd > STDERR_FILENO)
		close(fd);
	/* Nothing of ours is open yet: whatever else is, the caller's. */
	closefrom(STDERR_FILENO + 1);
	return 0;
}

/* Print a refused configuration: plainly for -t, as errors otherwise. */
static void
print_errors(const struct report *rep, int plain)
{
	size_t i;

	for (i = 0; i < rep->nlines; i++)
		if (plain)
			fprintf(stderr, "%s\n", rep->lines[i]);
		else
			log_msg(LOG_LVL_ERR, "%s", rep->lines[i]);
}

int
main(int argc, char *argv[], char *envp[])
{
	const char *path = NETD_DEFAULT_CONFIG, *load = NULL;
	char *abspath = NULL, *pid_file = NULL;
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
			fprintf(stderr, "netd: config %s has errors\n", path);
			report_free(&rep);
			return 1;
		}
		printf("netd: config %s ok\n", path);
		generation_free(g);
		return 0;
	}
	if (scoreboard_init() == -1)
		return 1;
	g = generation_load(load, NULL, 0, &rep);
	free(abspath);		/* the config keeps its own copy */
	if (g == NULL) {
		print_errors(&rep, 0);
		log_msg(LOG_LVL_ERR, "config %s has errors: not started", path);
		report_free(&rep);
		return 1;
	}
	if (daemonize) {
		if (g->cfg->pid_file == NULL &&
		    (g->cfg->pid_file = strdup("/run/netd/netd.pid")) == NULL)
			fatal("strdup");
		if (detach() == -1)
			fatal("detach");
		log_pid_reset();
	}
	if (g->cfg->pid_file != NULL) {
		if ((pid_file = strdup(g->cfg->pid_file)) == NULL)
			fatal("strdup");
		if (write_pid_file(pid_file) == -1)
			return 1;
	}
	rc = master_run(g);
	if (pid_file != NULL && unlink(pid_file) == -1 && errno != ENOENT)
		log_warn("unlink %s", pid_file);
	free(pid_file);
	return rc;
}
