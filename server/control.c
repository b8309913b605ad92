/*
 * The control socket.  The master accepts netctl's connections without
 * ever blocking on one: clients are non-blocking, have a deadline to send
 * their request line, and are cut off past CONTROL_LINE_MAX.  The peer's
 * credentials decide what it may run: read-only commands for members of
 * control_group; everything for root, the daemon's user and members of
 * admin_group.  Refusals and mutating commands are audited in the log.
 * The socket's file, its directory and its lock are control_sock.c's.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "control.h"
#include "control_client.h"
#include "io.h"
#include "log.h"
#include "master.h"
#include "privs.h"
#include "proto.h"
#include "status.h"
#include "version.h"

static int ctl_fd = -1;
static int accepting = 1;	/* 0: new connections wait in the queue */
/*
 * The clients' table (64 request buffers, a quarter of a megabyte) is the
 * master's alone: mapped with MADV_DONTFORK, so that workers, which never
 * use it, do not inherit its pages and share none of them (each worker's
 * proportional share of them was a fifth of its memory with 4 workers).
 * A child that must use it cannot: anything forked from the master after
 * control_open() other than a worker execs at once.
 */
static struct client *clients;
static uint64_t accept_resume;	/* out of descriptors: accept again at */

static struct client *
control_table(void)
{
	size_t len = CONTROL_MAX_CLIENTS * sizeof(*clients);
	void *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("control socket: mmap %zu bytes", len);
		return NULL;
	}
	if (madvise(p, len, MADV_DONTFORK) == -1)
		log_warn("control socket: madvise");	/* only memory */
	return p;
}

int
control_open(const struct netd_config *cfg)
{
	int i;

	if (client_handlers_check() == -1)
		return -1;
	if (clients == NULL && (clients = control_table()) == NULL)
		return -1;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		clients[i].fd = -1;
	if ((ctl_fd = control_sock_open(cfg)) == -1)
		return -1;
	log_info("control socket %s", cfg->control_socket);
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

int
control_listen_fd(void)
{
	return ctl_fd;
}

void
control_accept(int on)
{
	accepting = on;
}

void
control_disown(void)
{
	accepting = 0;
	control_sock_disown();
	if (ctl_fd != -1) {
		control_sock_close(ctl_fd);
		ctl_fd = -1;
	}
}

int
control_pending(void)
{
	int i;

	for (i = 0; clients != NULL && i < CONTROL_MAX_CLIENTS; i++)
		if (clients[i].fd != -1 && clients[i].out != NULL)
			return 1;
	return 0;
}

void
client_release(struct client *c)
{
	free(c->out);
	c->out = NULL;
	if (c->pending != NULL)
		json_decref(c->pending);
	c->pending = NULL;
	c->waiting = 0;
	c->fd = -1;
}

void
control_close_all(void)
{
	int i;

	for (i = 0; clients != NULL && i < CONTROL_MAX_CLIENTS; i++)
		if (clients[i].fd != -1) {
			close(clients[i].fd);
			clients[i].fd = -1;
		}
	if (ctl_fd != -1) {
		control_sock_close(ctl_fd);
		ctl_fd = -1;
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

/*
 * A free entry for a new client, or NULL.  When the table is full, the
 * oldest client that has sent no whole request for CONTROL_IDLE_MS is
 * closed to make room, so that idle connections cannot lock an operator
 * out; clients busy with a request are never closed for another.  With
 * no room, new connections wait in the listen queue.
 */
static struct client *
client_slot(int evict)
{
	static uint64_t last_log;
	struct client *c, *old = NULL;
	uint64_t now = monotonic_ms();
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		c = &clients[i];
		if (c->fd == -1)
			return c;
		if (c->out != NULL || c->waiting ||
		    now - c->since < CONTROL_IDLE_MS)
			continue;
		if (old == NULL || c->since < old->since)
			old = c;
	}
	if (old == NULL || !evict)
		return old;
	if (now - last_log >= 1000) {
		last_log = now;
		log_warnx("control socket: %d clients connected; closing "
		    "the oldest one that sent nothing (uid %u pid %d)",
		    CONTROL_MAX_CLIENTS, (unsigned)old->uid, (int)old->pid);
	}
	client_close(old);
	return old;
}

/*
 * Out of descriptors (EMFILE, ENFILE): the connection stays queued and
 * poll would report it again at once.  Stop accepting for a while, as
 * workers do, and say so at most every CONTROL_EMFILE_LOG_MS.
 */
static void
accept_pause(int e)
{
	static uint64_t last_log;
	static unsigned pauses;
	uint64_t now = monotonic_ms();

	accept_resume = now + CONTROL_EMFILE_PAUSE_MS;
	pauses++;
	if (last_log != 0 && now - last_log < CONTROL_EMFILE_LOG_MS)
		return;
	log_warnx("control socket: accept: %s; not accepting for %dms "
	    "(%u time%s since the last such line)", strerror(e),
	    CONTROL_EMFILE_PAUSE_MS, pauses, pauses == 1 ? "" : "s");
	last_log = now;
	pauses = 0;
}

static void
client_accept(void)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	int fd;

	/* Take connections only while there is room for them. */
	while ((c = client_slot(1)) != NULL) {
		fd = accept4(ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE)
				accept_pause(errno);
			else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control socket: accept");
			return;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->since = monotonic_ms();
		c->deadline = c->since + CONTROL_TIMEOUT_MS;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &len) == -1) {
			log_warn("control socket: SO_PEERCRED");
			client_close(c);
			continue;
		}
		c->uid = cred.uid;
		c->gid = cred.gid;
		c->pid = cred.pid;
		c->access = peer_access(master_config(), cred.uid, cred.gid);
	}
}

/* Queue a JSON reply; the connection closes once it is written. */
void
client_reply(struct client *c, json_t *doc)
{
	char *s;

	s = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
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

	/*
	 * A full table of busy clients: new ones wait in the queue, and we
	 * look again soon (a client may turn idle long enough to close).
	 */
	if (ctl_fd != -1 && accepting && n < max) {
		if (now < accept_resume) {
			t = (int)(accept_resume - now);
			if (*timeout > t || *timeout < 0)
				*timeout = t;
		} else if (client_slot(0) != NULL) {
			pfd[n].fd = ctl_fd;
			pfd[n].events = POLLIN;
			n++;
		} else if (*timeout > 100 || *timeout < 0)
			*timeout = 100;
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
	int i;

	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		c = &clients[i];
		if (c->fd == -1)
			continue;
		if (c->waiting && client_waited(c, now >= c->deadline))
			continue;
		if (now < c->deadline)
			continue;
		log_info("control socket: uid %u pid %d timed out", (unsigned)
		    c->uid, (int)c->pid);
		client_close(c);
	}
}
