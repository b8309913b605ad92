/*
 * Worker exits, as the master tells them: a reason for each (counted, for
 * status and /metrics, as systemd counts restarts), and what the worker
 * was serving when it went.  That last part comes from the scoreboard,
 * which the worker wrote: it is shown, escaped, never acted on; a service
 * index is checked against the master's own table of names, an address is
 * formatted from its bytes.  A client whose connection died with its
 * worker would have no access line at all: the master writes it.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "esc.h"
#include "exits.h"
#include "io.h"
#include "log.h"
#include "logfmt.h"
#include "scoreboard.h"

_Static_assert(EXIT_NREASONS == SB_EXIT_REASONS, "sb_view.exits");

static const char *const names[EXIT_NREASONS] = {
	[EXIT_RECYCLED] = "recycled",
	[EXIT_STOPPED] = "stopped",
	[EXIT_STALLED] = "stalled",
	[EXIT_CRASHED] = "crashed",
	[EXIT_KILLED] = "killed",
	[EXIT_FAILED] = "failed",
};

int
exits_reason(int status, int sent, int stalled, int leaving)
{
	int sig;

	if (stalled)
		return EXIT_STALLED;
	if (WIFEXITED(status))
		return WEXITSTATUS(status) != 0 ? EXIT_FAILED :
		    leaving ? EXIT_STOPPED : EXIT_RECYCLED;
	if (!WIFSIGNALED(status))
		return EXIT_FAILED;
	if ((sig = WTERMSIG(status)) == sent)
		return EXIT_STOPPED;
	switch (sig) {
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGABRT:
	case SIGSYS: case SIGTRAP:
		return EXIT_CRASHED;
	}
	return EXIT_KILLED;
}

const char *
exits_reason_name(int reason)
{
	return reason >= 0 && reason < EXIT_NREASONS ? names[reason] : "?";
}

void
exits_count(int reason)
{
	if (reason >= 0 && reason < EXIT_NREASONS)
		scoreboard_view()->exits[reason]++;
}

/* A row of the connection table as "peer" text; 0 if it makes no sense. */
static int
row_peer(const struct sb_conn *r, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;

	memset(&ss, 0, sizeof(ss));
	switch (r->family) {
	case AF_INET:
		in->sin_family = AF_INET;
		in->sin_port = htons(r->port);
		memcpy(&in->sin_addr, r->addr, 4);
		sl = sizeof(*in);
		break;
	case AF_INET6:
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(r->port);
		memcpy(&in6->sin6_addr, r->addr, 16);
		sl = sizeof(*in6);
		break;
	case AF_UNIX:
		strlcpy(buf, "unix", len);
		return 1;
	default:
		return 0;
	}
	sockaddr_format((struct sockaddr *)&ss, sl, buf, len);
	return 1;
}

int
exits_serving(int slot, const char *result, char *buf, size_t len)
{
	const struct sb_worker *w = &sb->workers[slot];
	const struct sb_conn *r;
	char peer[PEER_TEXT_MAX], epeer[PEER_TEXT_MAX * 4 + 3];
	char name[NETD_NAME_MAX * 4 + 3], first[512] = "", res[96];
	uint64_t now = realtime_ms(), since;
	uint32_t rows = SB_LOAD(w->table_hw), i;
	unsigned svc;
	int n = 0;

	if (rows > SB_CONN_ROWS)
		rows = SB_CONN_ROWS;
	for (i = 0; i < rows; i++) {
		r = &sbconn[(size_t)slot * SB_CONN_ROWS + i];
		if (!r->in_use)
			continue;
		svc = r->service;
		if (svc >= SB_SERVICES || !sbv->services[svc].in_use ||
		    !row_peer(r, peer, sizeof(peer)))
			continue;
		since = r->since_ms;
		logfmt_val(name, sizeof(name), sbv->services[svc].name);
		logfmt_val(epeer, sizeof(epeer), peer);
		log_access(1, "access service=%s proto=%s listen=- peer=%s "
		    "duration=%llums in=%llu out=%llu result=%s", name,
		    r->family == AF_UNIX ? "unix" : "tcp", epeer,
		    (unsigned long long)(since > 0 && since < now ?
		    now - since : 0), (unsigned long long)r->bytes_in,
		    (unsigned long long)r->bytes_out,
		    logfmt_val(res, sizeof(res), result));
		if (n++ == 0)
			snprintf(first, sizeof(first), "%s %s", name, epeer);
	}
	if (n > 0)
		snprintf(buf, len, "; serving %s%s (%d connection%s dropped)",
		    first, n > 1 ? " and others" : "", n, log_s(n));
	else if (SB_LOAD(w->state) == SB_BUSY && w->service_name[0] != '\0') {
		/* A datagram, or a connection beyond the table's rows. */
		esc_bytes(name, sizeof(name), w->service_name,
		    strnlen(w->service_name, sizeof(w->service_name)));
		esc_bytes(epeer, sizeof(epeer), w->peer,
		    strnlen(w->peer, sizeof(w->peer)));
		snprintf(buf, len, "; serving %s %s", name, epeer);
	} else
		snprintf(buf, len, "; idle");
	return n;
}
