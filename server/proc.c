/*
 * The master's children as a private table: pid and pidfd of each, and
 * the last signal sent to it.  This is the only place that forks, reaps
 * or signals.  A child is signalled through its pidfd, and only while it
 * is in the table: it leaves the table when it is reaped, before its pid
 * can be reused, so the master can never signal a process it did not
 * fork.  Nothing here is read from memory a worker can write.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"

struct proc {
	pid_t	 pid;		/* 0: free */
	int	 pidfd;		/* -1 where the kernel has no pidfds */
	int	 sent;		/* last signal we sent, 0 if none */
};

static struct proc procs[PROC_MAX];
static int life[2] = { -1, -1 };
static int nprocs;

int
proc_init(void)
{
	if (pipe2(life, O_CLOEXEC) == -1) {
		log_warn("pipe");
		return -1;
	}
	return 0;
}

int
proc_life_fd(void)
{
	return life[0];
}

int
proc_count(void)
{
	return nprocs;
}

int
proc_known(pid_t pid)
{
	int i;

	for (i = 0; pid > 0 && i < PROC_MAX; i++)
		if (procs[i].pid == pid)
			return 1;
	return 0;
}

pid_t
proc_pid(int id)
{
	return id >= 0 && id < PROC_MAX ? procs[id].pid : 0;
}

/* In the child: nothing of the master's bookkeeping stays open. */
static void
proc_child_forget(void)
{
	int i;

	for (i = 0; i < PROC_MAX; i++) {
		if (procs[i].pidfd != -1 && procs[i].pid != 0)
			(void)close(procs[i].pidfd);
		procs[i].pid = 0;
		procs[i].pidfd = -1;
	}
	nprocs = 0;
	(void)close(life[1]);
	life[1] = -1;
}

int
proc_spawn(void (*fn)(void *), void *arg)
{
	sigset_t all, old;
	pid_t pid;
	int id;

	for (id = 0; id < PROC_MAX; id++)
		if (procs[id].pid == 0)
			break;
	if (id == PROC_MAX) {
		errno = EAGAIN;
		return -1;
	}
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid == 0) {
		log_pid_reset();
		proc_child_forget();
		fn(arg);
		_exit(1);	/* fn does not return */
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1)
		return -1;
	procs[id].pid = pid;
	procs[id].sent = 0;
	/*
	 * The child cannot be reaped before we call waitpid, so its pid
	 * names it until then: the pidfd is taken without a race.
	 */
	procs[id].pidfd = pidfd_open(pid, 0);
	if (procs[id].pidfd == -1 && errno != ENOSYS)
		log_warn("pidfd_open %d", (int)pid);
	nprocs++;
	return id;
}

int
proc_signal(int id, int sig)
{
	struct proc *p;

	if (id < 0 || id >= PROC_MAX || procs[id].pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	p = &procs[id];
	p->sent = sig;
	if (p->pidfd != -1)
		return pidfd_send_signal(p->pidfd, sig, NULL, 0);
	/* No pidfd: the pid is an unreaped child of ours, so still ours. */
	return kill(p->pid, sig);
}

int
proc_reap(int *id, int *status, int *sent)
{
	pid_t pid;
	int i;

	for (;;) {
		pid = waitpid(-1, status, WNOHANG);
		if (pid == 0)
			return 0;
		if (pid == -1) {
			if (errno == EINTR)
				continue;
			if (errno != ECHILD)
				log_warn("waitpid");
			return 0;
		}
		for (i = 0; i < PROC_MAX; i++)
			if (procs[i].pid == pid)
				break;
		if (i == PROC_MAX) {
			log_debug("reaped unknown child %d", (int)pid);
			continue;
		}
		if (procs[i].pidfd != -1 && close(procs[i].pidfd) == -1)
			log_warn("close pidfd");
		*id = i;
		*sent = procs[i].sent;
		procs[i].pid = 0;
		procs[i].pidfd = -1;
		procs[i].sent = 0;
		nprocs--;
		return 1;
	}
}

/*
 * How a child ended.  A signal the master sent itself is said as such; a
 * child killed by any other signal (a crash, the OOM killer, an operator)
 * is "killed by signal N (Name)", which is what tests and operators look
 * for.
 */
void
proc_describe(int status, int sent, char *buf, size_t len)
{
	int sig;

	if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
		return;
	}
	if (!WIFSIGNALED(status)) {
		snprintf(buf, len, "ended with wait status %#x", status);
		return;
	}
	sig = WTERMSIG(status);
	if (sig == sent)
		snprintf(buf, len, "ended by signal %d (%s) from the master",
		    sig, sigabbrev_np(sig) != NULL ? sigabbrev_np(sig) : "?");
	else
		snprintf(buf, len, "killed by signal %d (%s)%s", sig,
		    strsignal(sig), WCOREDUMP(status) ? ", core dumped" : "");
}

/*
 * Resident bytes of a child, from /proc/PID/statm (pages); 0 if unknown.
 * Its pid cannot be another's: it leaves the table only when reaped.
 */
uint64_t
proc_rss(int id)
{
	char path[64], buf[128];
	unsigned long long size, res;
	ssize_t n;
	long page;
	int fd;

	if (id < 0 || id >= PROC_MAX || procs[id].pid == 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)procs[id].pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n == -1 && errno == EINTR);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &res) != 2 ||
	    (page = sysconf(_SC_PAGESIZE)) <= 0)
		return 0;
	return (uint64_t)res * (uint64_t)page;
}
