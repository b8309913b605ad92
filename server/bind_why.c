/*
 * Why a listener cannot be bound, in words an operator can act on: a
 * port below net.ipv4.ip_unprivileged_port_start without root or
 * CAP_NET_BIND_SERVICE, or a port another netd already serves (told by
 * the pid file, or by who holds the control socket's lock).  The same
 * privilege test lets `netd -t` warn before a start fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bind_why.h"
#include "pidfile.h"

#define CAP_BIND_BIT	10	/* CAP_NET_BIND_SERVICE */

/* The first line of path starting with key, its rest in buf. */
static int
proc_line(const char *path, const char *key, char *buf, size_t len)
{
	FILE *fp;
	char line[256];
	size_t klen = strlen(key);
	int found = 0;

	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, key, klen) == 0) {
			strlcpy(buf, line + klen, len);
			found = 1;
			break;
		}
	fclose(fp);
	return found ? 0 : -1;
}

/* The lowest port anyone may bind (1024 where /proc cannot tell). */
static unsigned
unprivileged_start(void)
{
	char buf[32];
	unsigned long v;

	if (proc_line("/proc/sys/net/ipv4/ip_unprivileged_port_start", "",
	    buf, sizeof(buf)) == -1)
		return 1024;
	v = strtoul(buf, NULL, 10);
	return v > 65536 ? 1024 : (unsigned)v;
}

/* May this process bind privileged ports (CAP_NET_BIND_SERVICE)? */
static int
may_bind_low(void)
{
	char buf[64];
	unsigned long long caps;

	if (proc_line("/proc/self/status", "CapEff:", buf, sizeof(buf)) == -1)
		return geteuid() == 0;
	caps = strtoull(buf, NULL, 16);
	return (caps >> CAP_BIND_BIT) & 1;
}

static unsigned
addr_port(const struct listen_addr *a)
{
	if (a->proto == PROTO_UNIX)
		return 0;
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

int
bind_why_privileged(const struct listen_addr *a, char *buf, size_t len)
{
	unsigned port = addr_port(a), start;

	if (port == 0 || port >= (start = unprivileged_start()) ||
	    may_bind_low())
		return 0;
	snprintf(buf, len, "port %u is below net.ipv4.ip_unprivileged_port_"
	    "start (%u): binding it needs root or CAP_NET_BIND_SERVICE "
	    "(systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE), or a lower "
	    "ip_unprivileged_port_start", port, start);
	return 1;
}

/*
 * Who holds an flock on path, from /proc/locks: "N: FLOCK ADVISORY WRITE
 * PID MAJ:MIN:INODE 0 EOF" (blocked waiters have "->" and are skipped).
 */
static pid_t
lock_holder(const char *path)
{
	struct stat st;
	FILE *fp;
	char line[256], kind[16], arrow[4];
	unsigned int maj, min;
	unsigned long long ino;
	int pid;
	pid_t who = 0;

	if (stat(path, &st) == -1 || (fp = fopen("/proc/locks", "re")) == NULL)
		return 0;
	while (who == 0 && fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%*d: %3s", arrow) == 1 &&
		    strcmp(arrow, "->") == 0)
			continue;
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", kind, &pid,
		    &maj, &min, &ino) != 5 || strcmp(kind, "FLOCK") != 0)
			continue;
		if (ino == (unsigned long long)st.st_ino &&
		    maj == major(st.st_dev) && min == minor(st.st_dev) &&
		    pid > 0 && pid != getpid())
			who = (pid_t)pid;
	}
	fclose(fp);
	return who;
}

int
bind_why_in_use(const struct netd_config *cfg, char *buf, size_t len)
{
	char lock[4096];
	const char *sock;
	pid_t pid;

	if ((pid = pidfile_other(cfg->pid_file)) > 0) {
		snprintf(buf, len, "another netd (pid %d) is running "
		    "(pid_file %s)", (int)pid, cfg->pid_file);
		return 1;
	}
	sock = cfg->control_socket != NULL ? cfg->control_socket :
	    NETD_DEFAULT_SOCKET;
	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", sock) >=
	    sizeof(lock))
		return 0;
	if ((pid = lock_holder(lock)) > 0) {
		snprintf(buf, len, "another netd (pid %d) is running "
		    "(control socket %s)", (int)pid, sock);
		return 1;
	}
	return 0;
}

int
bind_why_explain(const struct netd_config *cfg, const struct listen_addr *a,
    int err, char *buf, size_t len)
{
	if (err == EACCES)
		return bind_why_privileged(a, buf, len);
	if (err == EADDRINUSE && a->proto != PROTO_UNIX)
		return bind_why_in_use(cfg, buf, len);
	return 0;
}

int
bind_why_check(const struct netd_config *cfg,
    void (*warn)(const char *file, int line, const char *msg))
{
	const struct service_conf *svc;
	char why[512];
	size_t i, j;
	int n = 0;

	for (i = 0; i < cfg->nservices; i++) {
		svc = &cfg->services[i];
		for (j = 0; j < svc->nlistens; j++)
			if (bind_why_privileged(&svc->listens[j], why,
			    sizeof(why))) {
				warn(cfg->path, svc->listen_lines[j], why);
				n++;
			}
	}
	return n;
}
