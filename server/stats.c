/*
 * What the master measures for status: the accept queue of each TCP
 * listener (TCP_INFO on the listening socket, which only the master
 * holds), rates from two samples of the counters a second apart, each
 * worker's CPU time and resident memory and the master's own process
 * figures, read from /proc.  All of it is published into the
 * scoreboard's view, where the http service's workers read it too.  A
 * worker's pid comes from the view the master wrote and is used only
 * while proc.c still holds it as an unreaped child, so /proc/PID is that
 * child: nothing here reads a pid from memory a worker can write.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "generation.h"
#include "io.h"
#include "log.h"
#include "proc.h"
#include "scoreboard.h"
#include "stats.h"

#define STATS_EVERY_MS	1000

static uint64_t last_ms;	/* monotonic, of the last sample */
static struct {
	uint64_t	 n, in, out;
	int		 seen;
} lprev[SB_LISTENERS];
static struct {
	pid_t		 pid;
	uint64_t	 cpu_ms, requests;
} sprev[SB_SLOTS];

/* A small /proc file, NUL-terminated: its length, or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (off < len - 1) {
		n = read(fd, buf + off, len - 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == -1)
				off = 0;
			break;
		}
		off += (size_t)n;
	}
	buf[off] = '\0';
	(void)close(fd);
	return off > 0 ? (ssize_t)off : -1;
}

/* User + system CPU time of a process, from /proc/PID/stat. */
static int
stats_cpu(pid_t pid, uint64_t *ms)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) == -1 || hz <= 0)
		return -1;
	/* The name may hold anything: the fields start after its ')'. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%lu %lu", &ut, &st) != 2)
		return -1;
	*ms = (uint64_t)(ut + st) * 1000 / (uint64_t)hz;
	return 0;
}

/* Virtual and resident size of a process, from /proc/PID/statm. */
static int
stats_mem(const char *pid, uint64_t *vsize, uint64_t *rss)
{
	char path[64], buf[256];
	unsigned long long size, res;
	long page = sysconf(_SC_PAGESIZE);

	snprintf(path, sizeof(path), "/proc/%s/statm", pid);
	if (read_small(path, buf, sizeof(buf)) == -1 || page <= 0 ||
	    sscanf(buf, "%llu %llu", &size, &res) != 2)
		return -1;
	*vsize = size * (uint64_t)page;
	*rss = res * (uint64_t)page;
	return 0;
}

/* The accept queue of a listening TCP socket: now, and its limit. */
static void
stats_queue(const struct listener *l, struct sbv_listener_stats *ls)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (l->addr.proto != PROTO_TCP || l->fd == -1)
		return;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(l->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    ti.tcpi_state != TCP_LISTEN) {
		ls->queue_known = 0;
		return;
	}
	/* For a listener, Linux reports these two as the queue (ss -lnt). */
	ls->queue_known = 1;
	ls->queue = ti.tcpi_unacked;
	ls->queue_limit = ti.tcpi_sacked;
	if (ls->queue > ls->queue_peak)
		ls->queue_peak = ls->queue;
}

static double
per_second(uint64_t now, uint64_t before, int seen, uint64_t dt)
{
	if (!seen || now < before || dt == 0)
		return 0;
	return (double)(now - before) * 1000 / (double)dt;
}

static void
stats_listeners(struct sb_view *v, uint64_t dt)
{
	struct sbv_listener_stats *ls;
	struct sb_listener_count *c;
	uint64_t n, in, out;
	int i;

	v->stats.in_rate = v->stats.out_rate = 0;
	for (i = 0; i < SB_LISTENERS; i++) {
		if (!v->listeners[i].in_use) {
			lprev[i].seen = 0;
			continue;
		}
		c = &sb->listeners[i];
		ls = &v->listener_stats[i];
		n = SB_LOAD(c->connections);
		in = SB_LOAD(c->bytes_in);
		out = SB_LOAD(c->bytes_out);
		ls->rate = per_second(n, lprev[i].n, lprev[i].seen, dt);
		ls->in_rate = per_second(in, lprev[i].in, lprev[i].seen, dt);
		ls->out_rate = per_second(out, lprev[i].out, lprev[i].seen,
		    dt);
		v->stats.in_rate += ls->in_rate;
		v->stats.out_rate += ls->out_rate;
		lprev[i].n = n;
		lprev[i].in = in;
		lprev[i].out = out;
		lprev[i].seen = 1;
	}
}

static void
stats_workers(struct sb_view *v, uint64_t dt)
{
	struct sbv_slot_stats *ss;
	uint64_t cpu, vsize, rss, req;
	char pid[16];
	pid_t p;
	int i, fresh;

	v->stats.requests_rate = 0;
	for (i = 0; i < SB_SLOTS; i++) {
		ss = &v->slot_stats[i];
		p = v->slots[i].pid;
		if (v->slots[i].state == SBV_FREE || p <= 0 ||
		    !proc_known(p)) {
			memset(ss, 0, sizeof(*ss));
			sprev[i].pid = 0;
			continue;
		}
		fresh = sprev[i].pid != p;
		req = SB_LOAD(sb->workers[i].requests);
		if (fresh) {
			memset(ss, 0, sizeof(*ss));
			sprev[i].pid = p;
			sprev[i].cpu_ms = 0;
			sprev[i].requests = 0;
		}
		ss->pid = p;
		snprintf(pid, sizeof(pid), "%d", (int)p);
		if (stats_cpu(p, &cpu) == 0) {
			ss->cpu = fresh ? 0 :
			    per_second(cpu, sprev[i].cpu_ms, 1, dt) / 1000;
			ss->cpu_ms = cpu;
			sprev[i].cpu_ms = cpu;
		}
		if (stats_mem(pid, &vsize, &rss) == 0)
			ss->rss = rss;
		ss->rate = per_second(req, sprev[i].requests, 1, dt);
		sprev[i].requests = req;
		v->stats.requests_rate += ss->rate;
	}
}

static int
count_fds(void)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	(void)closedir(dir);
	return n - 1;		/* the directory's own */
}

static void
stats_master(struct sb_view *v)
{
	struct rusage ru;
	struct rlimit rl;
	uint64_t vsize, rss;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		v->stats.cpu_ms = (uint64_t)ru.ru_utime.tv_sec * 1000 +
		    (uint64_t)ru.ru_utime.tv_usec / 1000 +
		    (uint64_t)ru.ru_stime.tv_sec * 1000 +
		    (uint64_t)ru.ru_stime.tv_usec / 1000;
	if (stats_mem("self", &vsize, &rss) == 0) {
		v->stats.vsize = vsize;
		v->stats.rss = rss;
	}
	v->stats.open_fds = count_fds();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		v->stats.max_fds = rl.rlim_cur == RLIM_INFINITY ? -1 :
		    (int64_t)rl.rlim_cur;
}

void
stats_tick(const struct generation *g)
{
	struct sb_view *v = scoreboard_view();
	uint64_t now = monotonic_ms(), dt;
	size_t i;

	/* The queues at every turn of the loop, for the peak. */
	for (i = 0; g != NULL && i < g->nls; i++)
		if (g->ls[i].sb >= 0 && g->ls[i].sb < SB_LISTENERS)
			stats_queue(&g->ls[i],
			    &v->listener_stats[g->ls[i].sb]);
	if (last_ms != 0 && now - last_ms < STATS_EVERY_MS)
		return;
	dt = last_ms != 0 ? now - last_ms : 0;
	last_ms = now;
	stats_listeners(v, dt);
	stats_workers(v, dt);
	stats_master(v);
}
