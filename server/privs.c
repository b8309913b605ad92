/*
 * Privileges.  The master keeps the identity it was started with, so that
 * a reload can still bind ports below 1024; workers, which talk to
 * clients, drop to `user`/`group` (supplementary groups reset with
 * initgroups) before they touch a socket.  Who is trusted with the
 * directories root puts files in: root, netd's own user and the user the
 * workers become.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"

static int
lookup(const struct netd_config *cfg, struct passwd **pw, gid_t *gid,
    char *err, size_t errlen)
{
	struct group *gr;

	*pw = NULL;
	*gid = getgid();
	if (cfg->user != NULL) {
		errno = 0;
		if ((*pw = getpwnam(cfg->user)) == NULL) {
			snprintf(err, errlen, "%s:%d: key 'user': no such "
			    "user '%s'", cfg->path,
			    config_key_line(cfg, "user"), cfg->user);
			return -1;
		}
		*gid = (*pw)->pw_gid;
	}
	if (cfg->group != NULL) {
		if ((gr = getgrnam(cfg->group)) == NULL) {
			snprintf(err, errlen, "%s:%d: key 'group': no such "
			    "group '%s'", cfg->path,
			    config_key_line(cfg, "group"), cfg->group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

int
privs_check(const struct netd_config *cfg, char *err, size_t errlen)
{
	struct passwd *pw;
	gid_t gid;

	return lookup(cfg, &pw, &gid, err, errlen);
}

void
privs_target(const struct netd_config *cfg, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	char err[256];

	*uid = getuid();
	*gid = getgid();
	if (geteuid() != 0 || lookup(cfg, &pw, gid, err, sizeof(err)) == -1) {
		*gid = getgid();
		return;
	}
	if (pw != NULL)
		*uid = pw->pw_uid;
}

int
privs_trusted_uid(const struct netd_config *cfg, uid_t uid)
{
	struct passwd *pw;

	if (uid == 0 || uid == geteuid())
		return 1;
	return cfg->user != NULL && (pw = getpwnam(cfg->user)) != NULL &&
	    pw->pw_uid == uid;
}

int
privs_drop(const struct netd_config *cfg)
{
	struct passwd *pw;
	char err[256];
	gid_t gid;

	if (geteuid() != 0 || (cfg->user == NULL && cfg->group == NULL))
		return 0;
	if (lookup(cfg, &pw, &gid, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (pw != NULL) {
		if (initgroups(pw->pw_name, gid) == -1) {
			log_warn("initgroups %s", pw->pw_name);
			return -1;
		}
	} else if (setgroups(1, &gid) == -1) {
		log_warn("setgroups");
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		log_warn("setresgid %u", (unsigned)gid);
		return -1;
	}
	if (pw != NULL && setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		log_warn("setresuid %u", (unsigned)pw->pw_uid);
		return -1;
	}
	if (pw != NULL && pw->pw_uid != 0 && setuid(0) != -1) {
		log_warnx("could drop privileges only partly");
		return -1;
	}
	return 0;
}
