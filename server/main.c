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
#include "master.h"
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

int
main(int argc, char *argv[], char *envp[])
{
	const char *path = NETD_DEFAULT_CONFIG, *load = NULL;
	char *abspath = NULL;
	struct netd_config *cfg;
	struct config_errors errs;
	struct reload_report rep;
	int ch, test = 0, daemonize = 0, rc;
	size_t i;

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
	cfg = config_load(load, &errs);
	free(abspath);		/* config_load keeps its own copy */
	if (cfg == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		if (errs.n == 0)
			fprintf(stderr, "netd: %s: cannot load configuration\n",
			    path);
		fprintf(stderr, "netd: config %s has errors\n", path);
		config_errors_free(&errs);
		return 1;
	}
	if (test) {
		memset(&rep, 0, sizeof(rep));
		log_set_level(LOG_LVL_ERR - 1);	/* errors are printed below */
		if (master_config_check(cfg, &rep) == -1) {
			for (i = 0; i < rep.nlines; i++)
				fprintf(stderr, "%s\n", rep.lines[i]);
			fprintf(stderr, "netd: config %s has errors\n", path);
			reload_report_free(&rep);
			config_free(cfg);
			return 1;
		}
		printf("netd: config %s ok\n", path);
		config_free(cfg);
		return 0;
	}
	if (daemonize) {
		if (cfg->pid_file == NULL)
			cfg->pid_file = strdup("/run/netd/netd.pid");
		if (detach() == -1)
			fatal("detach");
		log_pid_reset();
	}
	if (cfg->pid_file != NULL && write_pid_file(cfg->pid_file) == -1)
		return 1;
	rc = master_run(cfg);
	return rc;
}
