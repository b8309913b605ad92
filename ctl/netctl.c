/*
 * netctl: argv -> one request line -> the master's JSON reply -> output
 * and an LSB exit status (0 ok, 1 failed, 2 usage, 3 not running,
 * 4 permission denied).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "io.h"
#include "netctl.h"
#include "proto.h"

struct ctl_opts opts;

static const char *
socket_path(void)
{
	static char *path;
	struct netd_config *cfg;
	struct config_errors errs;
	size_t i;

	if (opts.socket != NULL)
		return opts.socket;
	if (path != NULL)
		return path;
	if (opts.config != NULL) {
		if ((cfg = config_load(opts.config, &errs)) == NULL) {
			for (i = 0; i < errs.n; i++)
				fprintf(stderr, "%s\n", errs.msg[i]);
			warnx("cannot find the control "
			    "socket: %s has errors", opts.config);
			exit(EXIT_FAILED);
		}
		path = strdup(cfg->control_socket);
		config_free(cfg);
		if (path == NULL)
			err(EXIT_FAILED, NULL);
		return path;
	}
	if ((path = getenv("NETD_SOCKET")) != NULL && *path != '\0')
		return path;
	return path = NETD_DEFAULT_SOCKET;
}

static int
ctl_connect(void)
{
	struct sockaddr_un sun;
	const char *path = socket_path();
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(EXIT_USAGE, "socket path too long: %s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(EXIT_FAILED, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	switch (errno) {
	case ENOENT:
		errx(EXIT_NOT_RUNNING, "netd is not running (no socket at %s)",
		    path);
	case ECONNREFUSED:
		errx(EXIT_NOT_RUNNING, "netd is not running (nothing listens "
		    "on %s)", path);
	case EACCES:
	case EPERM:
		errx(EXIT_DENIED, "permission denied: cannot connect to %s "
		    "(needs control_group membership)", path);
	default:
		err(EXIT_FAILED, "connect %s", path);
	}
}

json_t *
ctl_request(const char *line, int timeout_ms, char **raw)
{
	struct sigaction sa, oldsa;
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	json_error_t jerr;
	json_t *doc;
	ssize_t n;
	int fd;

	/*
	 * A master that closes on us (it is stopping, or has all the control
	 * clients it takes) must not kill netctl with SIGPIPE, silently: a
	 * failed write says so like any other failure.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &oldsa);
	fd = ctl_connect();
	if (io_write_all(fd, line, strlen(line), timeout_ms) == -1 ||
	    io_write_all(fd, "\n", 1, timeout_ms) == -1) {
		if (errno == EPIPE || errno == ECONNRESET)
			errx(EXIT_FAILED, "netd closed the connection without "
			    "an answer");
		err(EXIT_FAILED, "send to netd");
	}
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL)
				err(EXIT_FAILED, NULL);
			buf = nb;
		}
		n = io_read(fd, buf + len, cap - len - 1, timeout_ms);
		if (n == -1) {
			if (errno == ETIMEDOUT)
				errx(EXIT_FAILED, "no answer from netd within "
				    "%ds", timeout_ms / 1000);
			if (errno == ECONNRESET && len == 0)
				errx(EXIT_FAILED, "netd closed the connection "
				    "without an answer");
			err(EXIT_FAILED, "read from netd");
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	sigaction(SIGPIPE, &oldsa, NULL);
	if (len == 0)
		errx(EXIT_FAILED, "netd closed the connection without an "
		    "answer");
	buf[len] = '\0';
	if ((doc = json_loads(buf, 0, &jerr)) == NULL ||
	    !json_is_object(doc))
		errx(EXIT_FAILED, "netd sent a reply that is not JSON: %s",
		    jerr.text);
	if (raw != NULL)
		*raw = buf;
	else
		free(buf);
	return doc;
}

int
ctl_failed(json_t *reply)
{
	const char *code = json_string_value(json_object_get(reply, "code"));
	const char *msg = json_string_value(json_object_get(reply, "error"));

	if (!opts.json)
		warnx("%s", msg != NULL ? msg : "failed");
	if (code != NULL && strcmp(code, CODE_DENIED) == 0)
		return EXIT_DENIED;
	if (code != NULL && strcmp(code, CODE_USAGE) == 0)
		return EXIT_USAGE;
	return EXIT_FAILED;
}

/*
 * Under systemd (ExecReload=netctl ...), stderr is the journal: give the
 * error lines netctl writes through err(3) and warnx(3) priority 3.
 */
static void
journal_prefix(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) == -1 ||
	    (unsigned long long)st.st_dev != dev ||
	    (unsigned long long)st.st_ino != ino)
		return;
	program_invocation_short_name = "<3>netctl";
	opts.err_prefix = "<3>";
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "socket",	required_argument,	NULL, 's' },
		{ "config",	required_argument,	NULL, 'c' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	int ch;

	journal_prefix();
	/* Options go before the command; the command's own follow it. */
	while ((ch = getopt_long(argc, argv, "+s:c:jh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			opts.socket = optarg;
			break;
		case 'c':
			opts.config = optarg;
			break;
		case 'j':
			opts.json = 1;
			break;
		case 'h':
			ctl_usage(stdout);
			return EXIT_OK;
		default:
			ctl_usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		ctl_usage(stderr);
		return EXIT_USAGE;
	}
	return ctl_run_command(argc, argv);
}
