/*
 * An upload's file.  The bytes go to a temporary name in the spool
 * directory (".NAME.part", O_EXCL, `mode` exactly), are fsynced, renamed
 * to the final name and the directory is fsynced, so a file appears under
 * its final name only when complete and durable.  Names come from the
 * server (UTC time, peer address and port, 32 random bits), never from
 * the client.  Nothing here knows of connections: svc_upload.c speaks the
 * protocol, and runs the commit on the worker's helper thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"
#include "upload_store.h"

#define NAME_TRIES	4

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
store_names(struct upload_file *u, const struct sockaddr_storage *peer,
    socklen_t peerlen)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV], h[NI_MAXHOST], p[NI_MAXSERV];
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (peer->ss_family == AF_INET ||
	    peer->ss_family == AF_INET6) {
		if (getnameinfo((const struct sockaddr *)peer, peerlen,
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
const char *
upload_store_reason(int err)
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

int
upload_store_write(struct upload_file *f, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(f->fd, buf, len);
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

int
upload_store_begin(struct upload_file *f, const char *dir)
{
	f->fd = -1;
	f->tmp[0] = '\0';
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return f->dirfd == -1 ? -1 : 0;
}

int
upload_store_create(struct upload_file *u,
    const struct sockaddr_storage *peer, socklen_t peerlen, int mode)
{
	int i;

	for (i = 0; i < NAME_TRIES; i++) {
		if (store_names(u, peer, peerlen) == -1) {
			errno = EINVAL;
			return -1;
		}
		u->fd = openat(u->dirfd, u->tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
		if (u->fd != -1)
			break;
		if (errno != EEXIST)
			return -1;
	}
	if (u->fd == -1)
		return -1;
	/* The configured mode exactly, whatever the umask. */
	if (fchmod(u->fd, (mode_t)mode) == -1) {
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
int
upload_store_commit(struct upload_file *u)
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
	/* Not durable without the directory: undone if that fails. */
	strlcpy(u->tmp, u->name, sizeof(u->tmp));
	if (fsync(u->dirfd) == -1)
		return -1;
	u->tmp[0] = '\0';
	return 0;
}

void
upload_store_end(struct upload_file *f)
{
	if (f->fd != -1)
		(void)close(f->fd);
	f->fd = -1;
	if (f->tmp[0] != '\0' && f->dirfd != -1 &&
	    unlinkat(f->dirfd, f->tmp, 0) == -1 && errno != ENOENT)
		log_warn("upload: unlink %s", f->tmp);
	f->tmp[0] = '\0';
	if (f->dirfd != -1)
		(void)close(f->dirfd);
	f->dirfd = -1;
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
int
upload_store_check(const struct netd_config *cfg,
    const struct service_conf *svc, char *err, size_t errlen)
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

