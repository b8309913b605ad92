/*
 * upload: store what a client sends as a new file in `dir`.  The bytes go
 * to a temporary name in the same directory (".NAME.part", O_EXCL, `mode`),
 * are fsynced, renamed to the final name and the directory is fsynced, so
 * a file appears under its final name only when complete and durable.
 * Names come from the server (UTC time, peer address and port, 32 random
 * bits), never from the client.  At the client's EOF (half-close or close)
 * the answer is "OK <bytes> <sha256> <name>\n"; a client that closed
 * without reading (the classic lesson's client) never sees it, and its
 * file is stored all the same.  Too large (max_size), disk full, reset,
 * timeout or a stop (TERM) remove the temporary file, answer
 * "ERR <reason>\n" if the client may still listen, and log why.  After
 * an error the rest of what the client sends is read and dropped (to its
 * EOF, or for LINGER_MS) so that the answer is not lost to a reset.
 * A body slower than min_rate (after request_timeout) is cut off.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "offload.h"
#include "privs.h"
#include "conn.h"
#include "service.h"

#define UPLOAD_CHUNK	(64 * 1024)
#define UPLOAD_NAME_MAX	128
#define LINGER_MS	5000	/* after an error, read and drop this long */
#define NAME_TRIES	4

struct upload {
	struct conn	*c;		/* NULL once the connection is gone */
	int		 refused;	/* answered ERR: drop the rest */
	int		 committing;	/* on the helper thread */
	int		 commit_rc, commit_errno;
	int		 dirfd;
	int		 fd;		/* the temporary file, or -1 */
	char		 name[UPLOAD_NAME_MAX];
	char		 tmp[UPLOAD_NAME_MAX + 8];
	uint64_t	 size;
	SHA2_CTX	 sha;
};

/* Copy s into out, keeping [0-9A-Za-z.] and turning the rest into '_'. */
static void
name_part(char *out, size_t len, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < len && s[i] != '\0'; i++)
		out[i] = (strchr("0123456789abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.", s[i]) != NULL) ? s[i] : '_';
	out[i] = '\0';
}

/* "20261122T031500Z-127.0.0.1-51234-1a2b3c4d.bin" and its temp name. */
static int
upload_names(struct upload *u)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV], h[NI_MAXHOST], p[NI_MAXSERV];
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (u->c->peer.ss_family == AF_INET ||
	    u->c->peer.ss_family == AF_INET6) {
		if (getnameinfo((struct sockaddr *)&u->c->peer, u->c->peerlen,
		    host, sizeof(host), serv, sizeof(serv),
		    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
			return -1;
	} else {
		strlcpy(host, "unix", sizeof(host));
		strlcpy(serv, "0", sizeof(serv));
	}
	name_part(h, sizeof(h), host);
	name_part(p, sizeof(p), serv);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -1;
	n = snprintf(u->name, sizeof(u->name), "%s-%s-%s-%08x.bin", stamp, h,
	    p, (unsigned)arc4random());
	if (n < 0 || (size_t)n >= sizeof(u->name))
		return -1;
	n = snprintf(u->tmp, sizeof(u->tmp), ".%s.part", u->name);
	if (n < 0 || (size_t)n >= sizeof(u->tmp))
		return -1;
	return 0;
}

/* The reason for the client and the log, from a failed file operation. */
static const char *
file_reason(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return "no space left";
	default:
		return "storage error";
	}
}

static int
write_file(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * After an error: answer, stop sending, and read and drop what still
 * comes (for up to LINGER_MS) so that the answer is not lost: a client
 * still sending would get a reset for data we did not read, and could
 * lose the answer with it.
 */
static void
upload_refuse(struct upload *u, const char *reason, int client_there)
{
	struct conn *c = u->c;
	char msg[80];

	snprintf(msg, sizeof(msg), "ERR %s\n", reason);
	conn_set_result(c, reason);
	u->refused = 1;
	if (!client_there) {
		conn_close_after(c);
		return;
	}
	if (conn_send_str(c, msg) == -1)
		return;
	/* Linger: a short deadline of its own, then close. */
	conn_request_end(c);
	conn_until(c, monotonic_ms() + LINGER_MS);
	if (conn_queued(c) == 0 && shutdown(c->fd, SHUT_WR) == -1)
		conn_close_after(c);
}

/* Remove what was written so far, say why, and tell the client. */
static void
upload_fail(struct upload *u, const char *reason, int err, int client_there)
{
	if (u->fd != -1) {
		(void)close(u->fd);
		u->fd = -1;
	}
	if (u->tmp[0] != '\0' && unlinkat(u->dirfd, u->tmp, 0) == -1 &&
	    errno != ENOENT)
		log_warn("upload %s: unlink %s/%s", u->c->svc->name,
		    u->c->svc->dir, u->tmp);
	u->tmp[0] = '\0';
	if (err != 0)
		log_warnx("upload %s: %s: not stored (%s: %s) after %llu bytes",
		    u->c->svc->name, u->c->peer_text, reason, strerror(err),
		    (unsigned long long)u->size);
	else
		log_warnx("upload %s: %s: not stored (%s) after %llu bytes",
		    u->c->svc->name, u->c->peer_text, reason,
		    (unsigned long long)u->size);
	upload_refuse(u, reason, client_there);
}

static int
upload_open(struct upload *u)
{
	int i;

	for (i = 0; i < NAME_TRIES; i++) {
		if (upload_names(u) == -1) {
			errno = EINVAL;
			return -1;
		}
		u->fd = openat(u->dirfd, u->tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, (mode_t)u->c->svc->mode);
		if (u->fd != -1)
			break;
		if (errno != EEXIST)
			return -1;
	}
	if (u->fd == -1)
		return -1;
	/* The configured mode exactly, whatever the umask. */
	if (fchmod(u->fd, (mode_t)u->c->svc->mode) == -1) {
		i = errno;
		(void)close(u->fd);
		(void)unlinkat(u->dirfd, u->tmp, 0);
		u->fd = -1;
		errno = i;
		return -1;
	}
	return 0;
}

/* fsync, rename to the final name, fsync the directory. */
static int
upload_commit(struct upload *u)
{
	int fd = u->fd;

	u->fd = -1;
	if (fsync(fd) == -1) {
		(void)close(fd);
		return -1;
	}
	if (close(fd) == -1)
		return -1;
	if (renameat2(u->dirfd, u->tmp, u->dirfd, u->name,
	    RENAME_NOREPLACE) == -1) {
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		/* No RENAME_NOREPLACE here; the name is new anyway. */
		if (renameat(u->dirfd, u->tmp, u->dirfd, u->name) == -1)
			return -1;
	}
	strlcpy(u->tmp, u->name, sizeof(u->tmp));	/* to undo, if need be */
	return fsync(u->dirfd);
}

static int
upload_start(struct conn *c)
{
	const struct service_conf *svc = c->svc;
	struct upload *u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		conn_set_result(c, "error");
		return -1;
	}
	c->priv = u;
	u->c = c;
	u->fd = -1;
	SHA256Init(&u->sha);
	if ((u->dirfd = open(svc->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		log_warn("upload %s: %s", svc->name, svc->dir);
		upload_refuse(u, "storage unavailable", 1);
		return 0;
	}
	if (upload_open(u) == -1) {
		log_warn("upload %s: create in %s", svc->name, svc->dir);
		u->tmp[0] = '\0';	/* nothing of ours to remove */
		upload_fail(u, file_reason(errno), 0, 1);
		return 0;
	}
	/* The body's clock: request_timeout, then min_rate. */
	conn_request_begin(c);
	return 0;
}

static int
upload_input(struct conn *c, const char *data, size_t len)
{
	const struct service_conf *svc = c->svc;
	struct upload *u = c->priv;

	if (u->refused)
		return 0;	/* lingering: dropped */
	if (svc->max_size > 0 && (uint64_t)len > svc->max_size - u->size) {
		upload_fail(u, "too large", 0, 1);
		return 0;
	}
	SHA256Update(&u->sha, (const uint8_t *)data, len);
	if (write_file(u->fd, data, len) == -1) {
		upload_fail(u, file_reason(errno), errno, 1);
		return 0;
	}
	u->size += (uint64_t)len;
	return 0;
}

/* On the helper thread: fsync, rename, fsync the directory. */
static void
upload_commit_work(void *arg)
{
	struct upload *u = arg;

	u->commit_rc = upload_commit(u);
	u->commit_errno = errno;
}

static void
upload_free(struct upload *u)
{
	if (u->fd != -1)
		(void)close(u->fd);
	if (u->dirfd != -1)
		(void)close(u->dirfd);
	free(u);
}

/* Back on the loop: answer, or say why it was not stored. */
static void
upload_commit_done(void *arg)
{
	struct upload *u = arg;
	struct conn *c = u->c;
	char hex[SHA256_DIGEST_STRING_LENGTH], ok[256];

	u->committing = 0;
	SHA256End(&u->sha, hex);
	if (c == NULL) {
		/* The connection ended meanwhile: the file is what counts. */
		if (u->commit_rc == 0)
			log_info("upload: stored %s, %llu bytes, sha256 %s "
			    "(client gone)", u->name,
			    (unsigned long long)u->size, hex);
		else if (u->tmp[0] != '\0')
			(void)unlinkat(u->dirfd, u->tmp, 0);
		upload_free(u);
		return;
	}
	if (u->commit_rc == -1) {
		upload_fail(u, file_reason(u->commit_errno), u->commit_errno,
		    1);
		return;
	}
	log_info("upload %s: %s: stored %s/%s, %llu bytes, sha256 %s",
	    c->svc->name, c->peer_text, c->svc->dir, u->name,
	    (unsigned long long)u->size, hex);
	snprintf(ok, sizeof(ok), "OK %llu %s %s\n", (unsigned long long)u->size,
	    hex, u->name);
	u->tmp[0] = '\0';		/* stored: nothing to remove */
	/* A client that closed without reading is fine: the file is there. */
	(void)conn_send_str(c, ok);
	conn_set_result(c, "ok");
	conn_close_after(c);
}

/* The client's EOF: the upload is complete; store it, off the loop. */
static int
upload_eof(struct conn *c)
{
	struct upload *u = c->priv;

	if (u->refused) {
		conn_close_after(c);
		return 0;
	}
	conn_request_end(c);
	u->committing = 1;
	if (offload_submit(upload_commit_work, upload_commit_done, u) == -1) {
		/* No helper: store it here, blocking the loop a moment. */
		upload_commit_work(u);
		upload_commit_done(u);
	}
	return 0;
}

/* The answer to a refusal went out: stop sending, read what comes. */
static int
upload_flushed(struct conn *c)
{
	struct upload *u = c->priv;

	if (u->refused && shutdown(c->fd, SHUT_WR) == -1)
		conn_close_after(c);
	return 0;
}

static int
upload_timeout(struct conn *c, int which)
{
	struct upload *u = c->priv;

	if (u->refused)
		return -1;	/* lingered long enough */
	if (u->committing)
		return -1;
	upload_fail(u, which == TMO_RATE ? "too slow" : "timeout", 0, 1);
	conn_set_result(c, which == TMO_RATE ? "too slow" : "timeout");
	return 0;
}

/* The end: whatever was not stored is removed. */
static void
upload_finish(struct conn *c)
{
	struct upload *u = c->priv;

	if (u == NULL)
		return;
	c->priv = NULL;
	if (u->committing) {
		/* The helper thread has it: upload_commit_done() frees it. */
		u->c = NULL;
		return;
	}
	if (u->tmp[0] != '\0') {
		if (u->fd != -1)
			(void)close(u->fd);
		u->fd = -1;
		if (unlinkat(u->dirfd, u->tmp, 0) == -1 && errno != ENOENT)
			log_warn("upload %s: unlink %s/%s", c->svc->name,
			    c->svc->dir, u->tmp);
		if (strcmp(c->result, "stopped") == 0) {
			(void)send(c->fd, "ERR server stopping\n", 20,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			conn_set_result(c, "server stopping");
		} else if (strcmp(c->result, "reset") == 0)
			conn_set_result(c, "connection lost: Connection reset "
			    "by peer");
		if (!u->refused)
			log_warnx("upload %s: %s: not stored (%s) after %llu "
			    "bytes", c->svc->name, c->peer_text, c->result,
			    (unsigned long long)u->size);
	}
	upload_free(u);
}

/* May uid/gid write into (and search) the directory st describes? */
static int
may_write(const struct stat *st, uid_t uid, gid_t gid)
{
	struct passwd *pw;
	gid_t groups[256];
	int ngroups = 256, i;

	if (uid == 0)
		return 1;
	if (st->st_uid == uid)
		return (st->st_mode & (S_IWUSR | S_IXUSR)) ==
		    (S_IWUSR | S_IXUSR);
	if (st->st_gid == gid)
		return (st->st_mode & (S_IWGRP | S_IXGRP)) ==
		    (S_IWGRP | S_IXGRP);
	if ((pw = getpwuid(uid)) != NULL &&
	    getgrouplist(pw->pw_name, gid, groups, &ngroups) != -1)
		for (i = 0; i < ngroups; i++)
			if (groups[i] == st->st_gid)
				return (st->st_mode & (S_IWGRP | S_IXGRP)) ==
				    (S_IWGRP | S_IXGRP);
	return (st->st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

/*
 * At start and reload: dir exists, is a directory, and the workers'
 * identity (from the configuration being checked) may create files in it.
 */
static int
upload_check(const struct netd_config *cfg, const struct service_conf *svc,
    char *err, size_t errlen)
{
	struct statvfs vfs;
	struct stat st;
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (stat(svc->dir, &st) == -1) {
		snprintf(err, errlen, "key 'dir': %s: %s", svc->dir,
		    strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "key 'dir': %s is not a directory",
		    svc->dir);
		return -1;
	}
	if (statvfs(svc->dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		snprintf(err, errlen, "key 'dir': %s is on a read-only file "
		    "system", svc->dir);
		return -1;
	}
	privs_target(cfg, &uid, &gid);
	if (uid == geteuid() && gid == getegid() ?
	    faccessat(AT_FDCWD, svc->dir, W_OK | X_OK, AT_EACCESS) == -1 :
	    !may_write(&st, uid, gid)) {
		snprintf(err, errlen, "key 'dir': %s is not writable by uid %u "
		    "gid %u (the workers' identity)", svc->dir, (unsigned)uid,
		    (unsigned)gid);
		return -1;
	}
	return 0;
}

const struct service_type svc_upload = {
	.type = SVC_UPLOAD,
	.start = upload_start,
	.input = upload_input,
	.eof = upload_eof,
	.flushed = upload_flushed,
	.timeout = upload_timeout,
	.finish = upload_finish,
	.check = upload_check,
};
