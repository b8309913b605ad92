/*
 * systemd's notify protocol, from the master (Type=notify,
 * NotifyAccess=main): READY=1 once the first workers serve; RELOADING=1
 * with MONOTONIC_USEC= when a reload begins and READY=1 when it is over,
 * applied or refused (STATUS= says which); a STATUS= line of the pool
 * whenever it changes, at most once a second (the master's loop calls);
 * WATCHDOG=1 from the loop when WatchdogSec= is set, so that a loop that
 * stops turning stops the petting; STOPPING=1 and EXTEND_TIMEOUT_USEC=
 * while a graceful stop drains; MAINPID= when an upgrade hands over.
 *
 * The fd store: when systemd keeps descriptors for the service (it says
 * so with $FDSTORE, from systemd 254 on; the unit sets it for older
 * ones), every listener that netd bound itself or was passed back is
 * stored under its name (FDSTORE=1, FDNAME=, FDPOLL=0), and a listener
 * that a reload closes is removed from the store (FDSTOREREMOVE=1).  On
 * a restart or after a crash systemd passes them back and clients wait in
 * their queues meanwhile.  A socket unit's sockets are never stored:
 * systemd has them already.
 *
 * systemd hears only the main pid (NotifyAccess=main): a master started
 * by an upgrade says nothing until the old one has named it the main pid
 * (notify_on), and the old one nothing after that (notify_off).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "generation.h"
#include "inherit.h"
#include "io.h"
#include "log.h"
#include "notify.h"

static int active;		/* NOTIFY_SOCKET set, and we are the main pid */
static int manager;		/* NOTIFY_SOCKET set */
static int fdstore;		/* systemd stores descriptors for us */
static uint64_t wd_usec;	/* WatchdogSec=, 0: none */
static uint64_t wd_last;	/* last WATCHDOG=1 (monotonic ms) */
static char last_status[512];

void
notify_init(int main_pid)
{
	const char *s = getenv("NOTIFY_SOCKET"), *fs = getenv("FDSTORE");
	uint64_t usec = 0;
	int r;

	manager = s != NULL && *s != '\0';
	active = manager && main_pid;
	if (!manager)
		return;
	fdstore = fs != NULL && strtol(fs, NULL, 10) > 0;
	/* Removed from the environment: no worker or successor sees it. */
	if ((r = sd_watchdog_enabled(1, &usec)) < 0) {
		errno = -r;
		log_warn("WATCHDOG_USEC");
	} else if (r > 0) {
		wd_usec = usec;
		log_info("systemd watchdog: every %llums",
		    (unsigned long long)(usec / 1000));
	}
}

int
notify_active(void)
{
	return active;
}

int
notify_fdstore(void)
{
	return active && fdstore;
}

void
notify_on(void)
{
	active = manager;
}

void
notify_off(void)
{
	active = 0;
	wd_usec = 0;
}

static void
notify_send(const char *msg)
{
	int r;

	if (!active)
		return;
	if ((r = sd_notify(0, msg)) < 0) {
		errno = -r;
		log_warn("sd_notify");
	}
}

/* A STATUS= value on one line: what a client sent cannot add a field. */
static void
status_line(char *dst, size_t len, const char *status)
{
	size_t i;

	strlcpy(dst, status, len);
	for (i = 0; dst[i] != '\0'; i++)
		if (dst[i] == '\n' || dst[i] == '\r')
			dst[i] = ' ';
}

void
notify_ready(const char *status)
{
	char msg[600];

	status_line(last_status, sizeof(last_status), status);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s\nMAINPID=%d",
	    last_status, (int)getpid());
	notify_send(msg);
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[128];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return;
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	notify_send(msg);
}

void
notify_reloaded(const char *status)
{
	char msg[600];

	status_line(last_status, sizeof(last_status), status);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", last_status);
	notify_send(msg);
}

void
notify_status(const char *status)
{
	char line[sizeof(last_status)], msg[600];

	status_line(line, sizeof(line), status);
	if (strcmp(line, last_status) == 0)
		return;
	strlcpy(last_status, line, sizeof(last_status));
	snprintf(msg, sizeof(msg), "STATUS=%s", last_status);
	notify_send(msg);
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void
notify_extend(uint64_t ms)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "EXTEND_TIMEOUT_USEC=%llu",
	    (unsigned long long)ms * 1000);
	notify_send(msg);
}

void
notify_mainpid(pid_t pid)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "MAINPID=%d", (int)pid);
	notify_send(msg);
}

int
notify_watchdog(void)
{
	uint64_t now = monotonic_ms(), every;

	if (!active || wd_usec == 0)
		return -1;
	/* Twice per interval, as sd_watchdog_enabled(3) advises. */
	every = wd_usec / 2000 > 0 ? wd_usec / 2000 : 1;
	if (now - wd_last >= every) {
		notify_send("WATCHDOG=1");
		wd_last = now;
	}
	return (int)(wd_last + every - now);
}

uint64_t
notify_watchdog_usec(void)
{
	return wd_usec;
}

static void
fdstore_add(const struct listener *l, const char *name)
{
	char msg[LISTENER_FDNAME_MAX + 64];
	int r;

	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDPOLL=0\nFDNAME=%s", name);
	if ((r = sd_pid_notify_with_fds(0, 0, msg, &l->fd, 1)) < 0) {
		errno = -r;
		log_warn("fd store: %s", l->addr.text);
	}
}

static void
fdstore_remove(const char *name)
{
	char msg[LISTENER_FDNAME_MAX + 64];

	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	notify_send(msg);
}

/* Does the listener belong in the store, and under which name? */
static int
stored_name(const struct listener *l, char *buf, size_t len)
{
	return l->origin != LISTENER_SOCKET_UNIT &&
	    listener_fdname(l, buf, len) == 0;
}

static int
has_name(const struct generation *g, const char *name)
{
	char buf[LISTENER_FDNAME_MAX];
	size_t i;

	for (i = 0; g != NULL && i < g->nls; i++)
		if (stored_name(&g->ls[i], buf, sizeof(buf)) &&
		    strcmp(buf, name) == 0)
			return 1;
	return 0;
}

void
notify_fdstore_sync(const struct generation *g, const struct generation *prev)
{
	char name[LISTENER_FDNAME_MAX];
	const char *old;
	size_t i;
	int k;

	if (!notify_fdstore())
		return;
	/* Names stored before and gone now: systemd must let them go. */
	if (prev == NULL) {
		for (k = 0; (old = inherit_own_name(k)) != NULL; k++)
			if (!has_name(g, old))
				fdstore_remove(old);
	} else
		for (i = 0; i < prev->nls; i++)
			if (stored_name(&prev->ls[i], name, sizeof(name)) &&
			    !has_name(g, name))
				fdstore_remove(name);
	/* Store the rest; a socket stored already is not stored twice. */
	for (i = 0; i < g->nls; i++)
		if (g->ls[i].fd != -1 &&
		    stored_name(&g->ls[i], name, sizeof(name)) &&
		    (prev == NULL || !has_name(prev, name)))
			fdstore_add(&g->ls[i], name);
}
