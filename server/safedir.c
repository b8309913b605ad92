/*
 * Directories root may put files in.  Whoever can write a directory can
 * swap a file root makes there for a link between two system calls, and
 * have root chown, chmod or truncate a file of their choice.  So every
 * directory from / down to the one holding the file must be owned by
 * root or netd's users (privs_trusted_uid) and writable by nobody else,
 * as OpenSSH's StrictModes and Postfix check.  A sticky directory such
 * as /tmp may be on the way, since nobody can rename there what another
 * made, but it cannot hold the file itself.  Symbolic links on the way
 * are followed and the directories their targets lead through checked
 * the same way.  Once a path passes, only trusted users can change where
 * it leads.
 */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privs.h"
#include "safedir.h"

#define SAFEDIR_LINKS	16	/* links followed, as the kernel's 40 */

static int
dir_ok(const struct netd_config *cfg, const char *path, const struct stat *st,
    int own, char *err, size_t errlen)
{
	struct passwd *pw;

	if (!S_ISDIR(st->st_mode)) {
		snprintf(err, errlen, "%s is not a directory", path);
		return -1;
	}
	if (!privs_trusted_uid(cfg, st->st_uid)) {
		pw = getpwuid(st->st_uid);
		snprintf(err, errlen, "directory %s is owned by uid %u (%s), "
		    "not by root or the daemon's user", path,
		    (unsigned)st->st_uid, pw != NULL ? pw->pw_name : "unknown");
		return -1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (own || (st->st_mode & S_ISVTX) == 0)) {
		snprintf(err, errlen, "directory %s is writable by group or "
		    "others (mode %04o)", path, (unsigned)(st->st_mode & 07777));
		return -1;
	}
	return 0;
}

/* Where the link at path points, as an absolute path. */
static int
link_target(const char *path, char *buf, size_t len, char *err,
    size_t errlen)
{
	char target[PATH_MAX];
	const char *slash;
	ssize_t n;
	int rc;

	if ((n = readlink(path, target, sizeof(target) - 1)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	target[n] = '\0';
	slash = strrchr(path, '/');
	if (target[0] == '/')
		rc = snprintf(buf, len, "%s", target);
	else
		rc = snprintf(buf, len, "%.*s/%s", (int)(slash - path), path,
		    target);
	if (rc < 0 || (size_t)rc >= len) {
		snprintf(err, errlen, "%s: link target too long", path);
		return -1;
	}
	return 0;
}

/* Check dir's every prefix; own: dir is where the file itself goes. */
static int
dir_walk(const struct netd_config *cfg, const char *dir, int flags, int own,
    int depth, char *err, size_t errlen)
{
	char path[PATH_MAX], next[PATH_MAX];
	size_t len = strlen(dir), i;
	struct stat st;
	int last;

	if (dir[0] != '/') {
		snprintf(err, errlen, "%s: not an absolute path", dir);
		return -1;
	}
	if (len >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	for (i = 1; i <= len; i++) {
		/* The prefixes "/", "/a", "/a/b", ... of "/a/b". */
		if (i > 1 && ((dir[i] != '/' && dir[i] != '\0') ||
		    dir[i - 1] == '/'))
			continue;
		memcpy(path, dir, i);
		path[i] = '\0';
		last = dir[i + strspn(dir + i, "/")] == '\0';
		if (lstat(path, &st) == -1) {
			if (errno != ENOENT) {
				snprintf(err, errlen, "%s: %s", path,
				    strerror(errno));
				return -1;
			}
			if (flags & SAFEDIR_MAY_MISS)
				return 0;	/* the rest will be ours */
			if (!(flags & SAFEDIR_CREATE)) {
				snprintf(err, errlen, "directory %s does not "
				    "exist", path);
				return -1;
			}
			if ((mkdir(path, 0755) == -1 && errno != EEXIST) ||
			    lstat(path, &st) == -1) {
				snprintf(err, errlen, "mkdir %s: %s", path,
				    strerror(errno));
				return -1;
			}
		}
		if (S_ISLNK(st.st_mode)) {
			if (depth >= SAFEDIR_LINKS) {
				snprintf(err, errlen, "%s: too many levels of "
				    "symbolic links", path);
				return -1;
			}
			if (link_target(path, next, sizeof(next), err,
			    errlen) == -1 ||
			    dir_walk(cfg, next, flags & ~SAFEDIR_CREATE,
			    own && last, depth + 1, err, errlen) == -1)
				return -1;
			continue;
		}
		if (dir_ok(cfg, path, &st, own && last, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
safedir_check(const struct netd_config *cfg, const char *dir, int flags,
    char *err, size_t errlen)
{
	return dir_walk(cfg, dir, flags, 1, 0, err, errlen);
}

char *
safedir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
	return buf;
}
