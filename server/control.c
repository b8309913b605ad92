/*
 * The control socket.  The master accepts netctl's connections without
 * ever blocking on one: clients are non-blocking, have a deadline to send
 * their request line, and are cut off past CONTROL_LINE_MAX.  The peer's
 * credentials decide what it may run: read-only commands for members of
 * control_group; everything for root, the daemon's user and members of
 * admin_group.  Refusals and mutating commands are audited in the log.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/acl.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "control.h"
#include "io.h"
#include "log.h"
#include "master.h"
#include "pool.h"
#include "privs.h"
#include "proto.h"
#include "status.h"
#include "version.h"

enum access { ACC_NONE, ACC_READ, ACC_ADMIN };

struct client {
	int		 fd;
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	enum access	 access;
	char		 in[CONTROL_LINE_MAX];
	size_t		 inlen;
	char		*out;		/* reply being written */
	size_t		 outlen, outoff;
	uint64_t	 deadline;	/* monotonic */
	int		 waiting;	/* reload: until the generation serves */
	json_t		*pending;	/* the reply to send when it does */
	char		 cmd[64];	/* for the audit line */
};

struct cmd {
	const char	*name;
	int		 mutating;
	void		(*fn)(struct client *, int, char **);
	const char	*args;
};

static int ctl_fd = -1;
static char ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct client clients[CONTROL_MAX_CLIENTS];

static void	cmd_ping(struct client *, int, char **);
static void	cmd_version(struct client *, int, char **);
static void	cmd_status(struct client *, int, char **);
static void	cmd_config(struct client *, int, char **);
static void	cmd_reload(struct client *, int, char **);
static void	cmd_scale(struct client *, int, char **);
static void	cmd_stop(struct client *, int, char **);
static void	cmd_reopen(struct client *, int, char **);

static const struct cmd commands[] = {
	{ "ping",	0, cmd_ping,	"" },
	{ "version",	0, cmd_version,	"" },
	{ "status",	0, cmd_status,	"" },
	{ "config",	0, cmd_config,	"" },
	{ "reload",	1, cmd_reload,	"[--dry-run]" },
	{ "scale",	1, cmd_scale,	"N|+N|-N" },
	{ "stop",	1, cmd_stop,	"[graceful|--graceful]" },
	{ "reopen",	1, cmd_reopen,	"" },
};

static int
mkdir_parent(const char *path)
{
	char dir[sizeof(ctl_path)], *slash;
	struct stat st;

	strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0)
		return 0;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("control socket: mkdir %s", dir);
		return -1;
	}
	return 0;
}

/*
 * admin_group members who are not in control_group must still reach the
 * socket: an ACL entry gives their group the same rw as control_group.
 */
static void
socket_acl(const char *path, const struct netd_config *cfg)
{
	char text[256];
	acl_t acl;

	if (cfg->admin_group == NULL || (cfg->control_group != NULL &&
	    strcmp(cfg->admin_group, cfg->control_group) == 0) ||
	    getgrnam(cfg->admin_group) == NULL)
		return;
	snprintf(text, sizeof(text), "u::rw-,g::rw-,g:%s:rw-,m::rw-,o::---",
	    cfg->admin_group);
	if ((acl = acl_from_text(text)) == NULL) {
		log_warn("control socket: ACL for admin_group '%s'",
		    cfg->admin_group);
		return;
	}
	if (acl_set_file(path, ACL_TYPE_ACCESS, acl) == -1)
		log_warn("control socket %s: cannot let admin_group '%s' in "
		    "(ACL)", path, cfg->admin_group);
	acl_free(acl);
}

int
control_open(const struct netd_config *cfg)
{
	struct sockaddr_un sun;
	struct group *gr;
	mode_t old;
	int fd, i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		clients[i].fd = -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, cfg->control_socket,
	    sizeof(sun.sun_path)) >= sizeof(sun.sun_path)) {
		log_warnx("control_socket %s: path longer than %zu bytes",
		    cfg->control_socket, sizeof(sun.sun_path) - 1);
		return -1;
	}
	if (mkdir_parent(sun.sun_path) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket");
		return -1;
	}
	/* A live netd answers: refuse.  A dead one's socket: replace. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_warnx("control socket %s: another netd is running there "
		    "(stop it, or set a different control_socket)",
		    sun.sun_path);
		close(fd);
		return -1;
	}
	if (errno == ECONNREFUSED || errno == EAGAIN) {
		if (unlink(sun.sun_path) == -1 && errno != ENOENT) {
			log_warn("control socket: unlink stale %s",
			    sun.sun_path);
			close(fd);
			return -1;
		}
		log_info("control socket %s: replaced a stale socket",
		    sun.sun_path);
	}
	close(fd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket");
		return -1;
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("control socket: bind %s", sun.sun_path);
		close(fd);
		return -1;
	}
	umask(old);
	if (cfg->control_group != NULL) {
		if ((gr = getgrnam(cfg->control_group)) == NULL)
			log_warnx("control_group '%s': no such group; socket "
			    "%s keeps group %u", cfg->control_group,
			    sun.sun_path, (unsigned)getegid());
		else if (chown(sun.sun_path, (uid_t)-1, gr->gr_gid) == -1)
			log_warn("control socket: chown %s", sun.sun_path);
	}
	if (chmod(sun.sun_path, 0660) == -1 || listen(fd, 16) == -1) {
		log_warn("control socket %s", sun.sun_path);
		close(fd);
		unlink(sun.sun_path);
		return -1;
	}
	socket_acl(sun.sun_path, cfg);
	strlcpy(ctl_path, sun.sun_path, sizeof(ctl_path));
	ctl_fd = fd;
	log_info("control socket %s", ctl_path);
	return 0;
}

static void
client_close(struct client *c)
{
	if (c->fd == -1)
		return;
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	if (c->pending != NULL)
		json_decref(c->pending);
	c->pending = NULL;
	c->waiting = 0;
}

void
control_close_all(void)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (clients[i].fd != -1) {
			close(clients[i].fd);
			clients[i].fd = -1;
		}
	if (ctl_fd != -1) {
		close(ctl_fd);
		ctl_fd = -1;
		/* Only the master removes the socket, and only its own. */
		if (getpid() == sb->master_pid && ctl_path[0] != '\0')
			unlink(ctl_path);
	}
}

static int
in_group(const char *group, uid_t uid, gid_t gid)
{
	struct passwd *pw;
	struct group *gr;
	gid_t groups[256];
	int n = 256, i;

	if (group == NULL || (gr = getgrnam(group)) == NULL)
		return 0;
	if (gr->gr_gid == gid)
		return 1;
	if ((pw = getpwuid(uid)) == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == gr->gr_gid)
			return 1;
	return 0;
}

static enum access
peer_access(const struct netd_config *cfg, uid_t uid, gid_t gid)
{
	uid_t wuid;
	gid_t wgid;

	privs_target(cfg, &wuid, &wgid);
	if (uid == 0 || uid == geteuid() || uid == wuid ||
	    in_group(cfg->admin_group, uid, gid))
		return ACC_ADMIN;
	if (in_group(cfg->control_group, uid, gid))
		return ACC_READ;
	return ACC_NONE;
}

static void
client_accept(void)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c = NULL;
	int fd, i;

	for (;;) {
		fd = accept4(ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control socket: accept");
			return;
		}
		for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
			if (clients[i].fd == -1) {
				c = &clients[i];
				break;
			}
		if (c == NULL) {
			log_warnx("control socket: %d clients already, "
			    "refusing one", CONTROL_MAX_CLIENTS);
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &len) == -1) {
			log_warn("control socket: SO_PEERCRED");
			client_close(c);
			continue;
		}
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->pid = cred.pid;
		c->access = peer_access(master.cfg, cred.uid, cred.gid);
		c->deadline = monotonic_ms() + CONTROL_TIMEOUT_MS;
		c = NULL;
	}
}

/* Queue a JSON reply; the connection closes once it is written. */
static void
client_reply(struct client *c, json_t *doc)
{
	char *s;

	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (s == NULL) {
		client_close(c);
		return;
	}
	c->outlen = strlen(s);
	c->out = realloc(s, c->outlen + 1);
	if (c->out == NULL)
		c->out = s;
	c->out[c->outlen++] = '\n';
	c->outoff = 0;
	c->deadline = monotonic_ms() + CONTROL_TIMEOUT_MS;
}

static void
reply_error(struct client *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reply_error(struct client *c, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	client_reply(c, json_pack("{s:b, s:s, s:s}", "ok", 0, "error", msg,
	    "code", code));
}

static void
audit(struct client *c, const char *result)
{
	log_notice("audit: uid=%u pid=%d command=\"%s\" result=%s",
	    (unsigned)c->uid, (int)c->pid, c->cmd, result);
}

static void
cmd_ping(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "pong", "pong",
	    "pid", (int)getpid()));
}

static void
cmd_version(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "version",
	    NETD_VERSION, "protocol", CONTROL_PROTOCOL));
}

static void
cmd_status(struct client *c, int argc, char **argv)
{
	json_t *doc;

	(void)argc;
	(void)argv;
	doc = status_json();
	json_object_set_new(doc, "ok", json_true());
	client_reply(c, doc);
}

static void
cmd_config(struct client *c, int argc, char **argv)
{
	json_t *doc;

	(void)argc;
	(void)argv;
	doc = config_json(master.cfg);
	json_object_set_new(doc, "ok", json_true());
	client_reply(c, doc);
}

static json_t *
report_json(const struct reload_report *rep)
{
	json_t *lines = json_array();
	size_t i;

	for (i = 0; i < rep->nlines; i++)
		json_array_append_new(lines, json_string(rep->lines[i]));
	return lines;
}

static void
cmd_reload(struct client *c, int argc, char **argv)
{
	struct reload_report rep;
	int dry = 0;

	if (argc == 2 && (strcmp(argv[1], "--dry-run") == 0 ||
	    strcmp(argv[1], "dry-run") == 0))
		dry = 1;
	else if (argc != 1) {
		reply_error(c, CODE_USAGE, "usage: reload [--dry-run]");
		return;
	}
	if (master_reload(dry, &rep) == -1) {
		client_reply(c, json_pack("{s:b, s:s, s:s, s:o, s:i}", "ok", 0,
		    "code", CODE_FAILED, "error", "reload refused: the "
		    "configuration has errors; nothing changed", "errors",
		    report_json(&rep), "generation", (int)rep.from));
		audit(c, "refused");
	} else if (dry) {
		client_reply(c, json_pack("{s:b, s:b, s:i, s:i, s:o}", "ok", 1,
		    "dry_run", 1, "from", (int)rep.from, "to", (int)rep.to,
		    "changes", report_json(&rep)));
		audit(c, "ok (dry run)");
	} else {
		/* Answer once the new generation serves (control_tick). */
		c->pending = json_pack("{s:b, s:i, s:i, s:o}", "ok", 1, "from",
		    (int)rep.from, "to", (int)rep.to, "changes",
		    report_json(&rep));
		c->waiting = 1;
		c->deadline = monotonic_ms() + CONTROL_RELOAD_WAIT_MS;
		audit(c, "ok");
	}
	reload_report_free(&rep);
}

static void
cmd_scale(struct client *c, int argc, char **argv)
{
	long v;
	char *end;
	int from = pool.target, to;

	if (argc != 2) {
		reply_error(c, CODE_USAGE, "usage: scale N|+N|-N");
		return;
	}
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (*argv[1] == '\0' || *end != '\0' || errno != 0 ||
	    v < -100000 || v > 100000) {
		reply_error(c, CODE_USAGE, "scale: '%s' is not N, +N or -N",
		    argv[1]);
		audit(c, "usage error");
		return;
	}
	to = (argv[1][0] == '+' || argv[1][0] == '-') ? from + (int)v :
	    (int)v;
	if (to < 1 || to > master.cfg->max_workers) {
		reply_error(c, CODE_FAILED, "scale: %d workers is outside 1.."
		    "%d (max_workers)", to, master.cfg->max_workers);
		audit(c, "refused");
		return;
	}
	master_scale(to);
	client_reply(c, json_pack("{s:b, s:i, s:i}", "ok", 1, "from", from,
	    "to", to));
	audit(c, "ok");
}

static void
cmd_stop(struct client *c, int argc, char **argv)
{
	int graceful = 0;

	if (argc == 2 && (strcmp(argv[1], "graceful") == 0 ||
	    strcmp(argv[1], "--graceful") == 0))
		graceful = 1;
	else if (argc != 1) {
		reply_error(c, CODE_USAGE, "usage: stop [graceful]");
		return;
	}
	client_reply(c, json_pack("{s:b, s:s, s:i}", "ok", 1, "stopping",
	    graceful ? "graceful" : "fast", "pid", (int)getpid()));
	audit(c, "ok");
	master_stop(graceful ? STOP_GRACEFUL : STOP_FAST);
}

static void
cmd_reopen(struct client *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	client_reply(c, json_pack("{s:b, s:s}", "ok", 1, "note",
	    "logs go to stderr; nothing to reopen"));
	audit(c, "ok");
}

static void
client_request(struct client *c)
{
	char *argv[8], *tok, *save = NULL;
	const struct cmd *cmd = NULL;
	size_t i;
	int argc = 0;

	strlcpy(c->cmd, c->in, sizeof(c->cmd));
	for (tok = strtok_r(c->in, " \t\r", &save); tok != NULL && argc < 8;
	    tok = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = tok;
	if (argc == 0) {
		reply_error(c, CODE_USAGE, "empty request: send a command "
		    "such as 'status'");
		return;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, argv[0]) == 0)
			cmd = &commands[i];
	if (cmd == NULL) {
		reply_error(c, CODE_USAGE, "unknown command '%.64s' (ping, "
		    "version, status, config, reload, scale, stop, reopen)",
		    argv[0]);
		return;
	}
	if (c->access == ACC_NONE ||
	    (cmd->mutating && c->access != ACC_ADMIN)) {
		reply_error(c, CODE_DENIED, "permission denied: uid %u may "
		    "not run '%s'%s", (unsigned)c->uid, cmd->name,
		    c->access == ACC_READ ? " (read-only access)" : "");
		audit(c, "denied");
		return;
	}
	cmd->fn(c, argc, argv);
}

static void
client_read(struct client *c)
{
	ssize_t n;
	char *nl;

	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(c);
		return;
	}
	if (n == 0) {
		client_close(c);
		return;
	}
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	if ((nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		*nl = '\0';
		if (strlen(c->in) != (size_t)(nl - c->in)) {
			reply_error(c, CODE_USAGE, "request contains a NUL");
			return;
		}
		client_request(c);
		return;
	}
	if (c->inlen >= sizeof(c->in) - 1) {
		log_warnx("control socket: uid %u pid %d sent %zu bytes "
		    "without a newline: cut off", (unsigned)c->uid,
		    (int)c->pid, c->inlen);
		reply_error(c, CODE_USAGE, "request line longer than %d bytes",
		    CONTROL_LINE_MAX - 1);
	}
}

static void
client_write(struct client *c)
{
	ssize_t n;

	n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen)
		client_close(c);
}

nfds_t
control_pollfds(struct pollfd *pfd, nfds_t max, int *timeout)
{
	uint64_t now = monotonic_ms();
	nfds_t n = 0;
	int i, t;

	if (ctl_fd != -1 && n < max) {
		pfd[n].fd = ctl_fd;
		pfd[n].events = POLLIN;
		n++;
	}
	for (i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++) {
		struct client *c = &clients[i];

		if (c->fd == -1)
			continue;
		pfd[n].fd = c->fd;
		pfd[n].events = c->out != NULL ? POLLOUT :
		    c->waiting ? 0 : POLLIN;
		n++;
		t = c->deadline > now ? (int)(c->deadline - now) : 0;
		if (c->waiting && t > 100)
			t = 100;	/* look at the pool often */
		if (t < *timeout)
			*timeout = t;
	}
	return n;
}

static struct client *
client_by_fd(int fd)
{
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (clients[i].fd == fd)
			return &clients[i];
	return NULL;
}

void
control_handle(struct pollfd *pfd, nfds_t n)
{
	struct client *c;
	nfds_t i;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == ctl_fd) {
			client_accept();
			continue;
		}
		if ((c = client_by_fd(pfd[i].fd)) == NULL)
			continue;
		if (c->out != NULL && (pfd[i].revents & (POLLOUT | POLLERR |
		    POLLHUP)))
			client_write(c);
		else if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			client_read(c);
	}
}

void
control_tick(void)
{
	uint64_t now = monotonic_ms();
	struct client *c;
	json_t *doc;
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		c = &clients[i];
		if (c->fd == -1)
			continue;
		if (c->waiting && pool_generation_ready()) {
			doc = c->pending;
			c->pending = NULL;
			c->waiting = 0;
			client_reply(c, doc);
			continue;
		}
		if (now < c->deadline)
			continue;
		if (c->waiting) {
			json_decref(c->pending);
			c->pending = NULL;
			c->waiting = 0;
			reply_error(c, CODE_FAILED, "reload applied, but the new "
			    "generation's workers did not start within %ds "
			    "(see the log)", CONTROL_RELOAD_WAIT_MS / 1000);
			continue;
		}
		log_info("control socket: uid %u pid %d timed out", (unsigned)
		    c->uid, (int)c->pid);
		client_close(c);
	}
}
