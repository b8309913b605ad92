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
 * "ERR <reason>\n" if the client may still listen, and log why.
 *
 * An EOF says only that the client's kernel closed the connection, also
 * for a client killed half-way: with upload_header the client may (or
 * must) say first how many bytes and which SHA-256 are coming
 * (upload_head.c), and an upload that does not match is not stored.  The
 * temporary file is made with the first byte of data, and an upload of
 * none (a port scanner's connect) is stored only with store_empty.
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
#include "privs.h"
#include "conn.h"
#include "service.h"
#include "upload_head.h"

#define UPLOAD_CHUNK	(64 * 1024)
#define UPLOAD_NAME_MAX	128
#define LINGER_MS	5000	/* after an error, read and drop this long */
#define NAME_TRIES	4

struct upload {
	struct conn	*c;
	int		 dirfd;
	int		 fd;		/* the temporary file, or -1 */
	char		 name[UPLOAD_NAME_MAX];
	char		 tmp[UPLOAD_NAME_MAX + 8];
	uint64_t	 size;
	SHA2_CTX	 sha;
	struct upload_head head;	/* what the client said is coming */
};

enum { HEAD_NONE, HEAD_OPTIONAL, HEAD_REQUIRED };

static int
head_mode(const struct service_conf *svc)
{
	if (svc->upload_header == NULL ||
	    strcmp(svc->upload_header, "none") == 0)
		return HEAD_NONE;
	return strcmp(svc->upload_header, "required") == 0 ? HEAD_REQUIRED :
	    HEAD_OPTIONAL;
}

static int
stopping(void)
{
	return io_interrupt != NULL && *io_interrupt;
}

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

/* After an error: answer, then read and drop so the answer is not lost. */
static void
upload_refuse(struct upload *u, const char *reason, int client_there)
{
	struct conn *c = u->c;
	char msg[80], buf[UPLOAD_CHUNK];
	uint64_t deadline;
	int64_t left;

	snprintf(msg, sizeof(msg), "ERR %s\n", reason);
	if (client_there && !stopping() &&
	    conn_write_str(c, msg) == 0 && shutdown(c->fd, SHUT_WR) == 0) {
		/*
		 * A client still sending would get a reset for the data we
		 * did not read, and could lose the answer with it: take the
		 * rest (to its EOF, or for a few seconds) before closing.
		 */
		deadline = monotonic_ms() + LINGER_MS;
		while ((left = (int64_t)(deadline - monotonic_ms())) > 0 &&
		    conn_read_ms(c, buf, sizeof(buf), (int)left) > 0)
			;
	} else if (client_there)
		(void)send(c->fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
	conn_set_result(c, reason);
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
	if (stopping()) {
		errno = EINTR;
		return -1;
	}
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

/* A read failed: say why, remove what was written. */
static void
upload_read_failed(struct upload *u)
{
	if (errno == ETIMEDOUT)
		upload_fail(u, "timeout", 0, 1);
	else if (errno == EINTR)
		upload_fail(u, "server stopping", 0, 1);
	else
		upload_fail(u, "connection lost", errno, 0);
}

/*
 * With upload_header: read until the first bytes say whether a header
 * is there, and check it.  The bytes read are in buf[0..*have), the data
 * from buf[*off]; *eof if the client has sent all.  -1 once refused.
 */
static int
upload_head_read(struct upload *u, int mode, char *buf, size_t len,
    size_t *have, size_t *off, int *eof)
{
	const struct service_conf *svc = u->c->svc;
	const char *why;
	size_t used;
	ssize_t n;

	for (;;) {
		switch (upload_head_parse(buf, *have, *eof, &u->head, &used,
		    &why)) {
		case UPLOAD_HEAD_OK:
			*off = used;
			if (u->head.has_size && svc->max_size > 0 &&
			    u->head.size > svc->max_size) {
				upload_fail(u, "too large", 0, 1);
				return -1;
			}
			return 0;
		case UPLOAD_HEAD_NONE:
			*off = 0;
			/* Nothing at all is an empty upload, refused as such. */
			if (mode == HEAD_REQUIRED && (*have > 0 ||
			    strcmp(svc->store_empty, "yes") == 0)) {
				upload_fail(u, "header required", 0, 1);
				return -1;
			}
			return 0;
		case UPLOAD_HEAD_BAD:
			log_warnx("upload %s: %s: not stored (bad header: %s)",
			    svc->name, u->c->peer_text, why);
			upload_refuse(u, "bad header", 1);
			return -1;
		case UPLOAD_HEAD_MORE:
			break;
		}
		n = conn_read(u->c, buf + *have, len - *have);
		if (n == -1) {
			upload_read_failed(u);
			return -1;
		}
		if (n == 0)
			*eof = 1;
		*have += (size_t)n;
	}
}

/* Take n bytes of data: check the limits, write them.  -1 once refused. */
static int
upload_take(struct upload *u, const char *buf, size_t n)
{
	const struct service_conf *svc = u->c->svc;

	if (svc->max_size > 0 && (uint64_t)n > svc->max_size - u->size) {
		upload_fail(u, "too large", 0, 1);
		return -1;
	}
	if (u->head.has_size && (uint64_t)n > u->head.size - u->size) {
		upload_fail(u, "size mismatch", 0, 1);
		return -1;
	}
	if (u->fd == -1 && upload_open(u) == -1) {
		log_warn("upload %s: create in %s", svc->name, svc->dir);
		u->tmp[0] = '\0';	/* nothing of ours to remove */
		upload_fail(u, file_reason(errno), 0, 1);
		return -1;
	}
	SHA256Update(&u->sha, (const uint8_t *)buf, n);
	if (write_file(u->fd, buf, n) == -1) {
		upload_fail(u, file_reason(errno), errno, 1);
		return -1;
	}
	u->size += (uint64_t)n;
	return 0;
}

/* At EOF: is the upload what the header said, and may it be stored? */
static int
upload_complete(struct upload *u, char *hex, size_t hexlen)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256Final(digest, &u->sha);
	for (i = 0; i < sizeof(digest) && 2 * i + 2 < hexlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	if (u->head.has_size && u->size != u->head.size) {
		upload_fail(u, "size mismatch", 0, 1);
		return -1;
	}
	if (u->head.has_sha256 &&
	    memcmp(digest, u->head.sha256, sizeof(digest)) != 0) {
		upload_fail(u, "digest mismatch", 0, 1);
		return -1;
	}
	if (u->size == 0) {
		if (strcmp(u->c->svc->store_empty, "yes") != 0) {
			/* A port scanner, a health check: not worth a line. */
			upload_refuse(u, "empty upload", 1);
			return -1;
		}
		if (upload_open(u) == -1) {
			log_warn("upload %s: create in %s", u->c->svc->name,
			    u->c->svc->dir);
			u->tmp[0] = '\0';
			upload_fail(u, file_reason(errno), 0, 1);
			return -1;
		}
	}
	return 0;
}

static void
upload_stream(struct conn *c)
{
	const struct service_conf *svc = c->svc;
	char buf[UPLOAD_CHUNK], hex[SHA256_DIGEST_STRING_LENGTH], ok[256];
	struct upload u;
	size_t have = 0, off = 0;
	ssize_t n;
	int mode = head_mode(svc), eof = 0;

	memset(&u, 0, sizeof(u));
	u.c = c;
	u.fd = -1;
	SHA256Init(&u.sha);
	if ((u.dirfd = open(svc->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		log_warn("upload %s: %s", svc->name, svc->dir);
		upload_refuse(&u, "storage unavailable", 1);
		return;
	}
	if (mode != HEAD_NONE && upload_head_read(&u, mode, buf, sizeof(buf),
	    &have, &off, &eof) == -1)
		goto out;
	if (off < have && upload_take(&u, buf + off, have - off) == -1)
		goto out;
	while (!eof) {
		n = conn_read(c, buf, sizeof(buf));
		if (n == 0)
			break;
		if (n == -1) {
			upload_read_failed(&u);
			goto out;
		}
		if (upload_take(&u, buf, (size_t)n) == -1)
			goto out;
	}
	if (upload_complete(&u, hex, sizeof(hex)) == -1)
		goto out;
	if (upload_commit(&u) == -1) {
		if (errno == EINTR)
			upload_fail(&u, "server stopping", 0, 1);
		else
			upload_fail(&u, file_reason(errno), errno, 1);
		goto out;
	}
	log_info("upload %s: %s: stored %s/%s, %llu bytes, sha256 %s",
	    svc->name, c->peer_text, svc->dir, u.name,
	    (unsigned long long)u.size, hex);
	snprintf(ok, sizeof(ok), "OK %llu %s %s\n", (unsigned long long)u.size,
	    hex, u.name);
	/* A client that closed without reading is fine: the file is there. */
	(void)conn_write_str(c, ok);
	conn_set_result(c, "ok");
out:
	if (u.fd != -1)
		(void)close(u.fd);
	(void)close(u.dirfd);
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

	if (strcmp(svc->store_empty, "yes") != 0 &&
	    strcmp(svc->store_empty, "no") != 0) {
		snprintf(err, errlen, "key 'store_empty': '%s' is not yes or no",
		    svc->store_empty);
		return -1;
	}
	if (strcmp(svc->upload_header, "none") != 0 &&
	    strcmp(svc->upload_header, "optional") != 0 &&
	    strcmp(svc->upload_header, "required") != 0) {
		snprintf(err, errlen, "key 'upload_header': '%s' is not none, "
		    "optional or required", svc->upload_header);
		return -1;
	}
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
	.serve_stream = upload_stream,
	.check = upload_check,
};
