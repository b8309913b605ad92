/*
 * netctl watch: the master's event stream (server/events.c), one JSON
 * line per event, printed as it came (--json) or as one line for a
 * person: its time, its name, what happened.  It ends when interrupted
 * (status 0), when netd stops (0 after its stop event, 1 otherwise).
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonget.h"
#include "netctl.h"
#include "proto.h"

#define WATCH_TIMEOUT_MS	10000	/* to send the request */
#define WATCH_LINE_MAX		(1024 * 1024)

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double
secs(json_t *ev, const char *key)
{
	return (double)jint(ev, key) / 1000;
}

/* The lines of an array, joined with "; ". */
static void
print_joined(json_t *arr, FILE *fp)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		fprintf(fp, "%s%s", i ? "; " : "",
		    json_is_string(v) ? json_string_value(v) : "?");
}

/* An event we do not know: its fields as key=value. */
static void
print_fields(json_t *ev, FILE *fp)
{
	const char *k;
	json_t *v;
	char *s;

	json_object_foreach(ev, k, v) {
		if (strcmp(k, "time") == 0 || strcmp(k, "seq") == 0 ||
		    strcmp(k, "event") == 0)
			continue;
		if ((s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) ==
		    NULL)
			continue;
		fprintf(fp, " %s=%s", k, s);
		free(s);
	}
}

static void
print_event(json_t *ev, FILE *fp)
{
	const char *name = jstr(ev, "event"), *phase;

	fprintf(fp, "%s %-12s ", jstr(ev, "time"), name);
	if (strcmp(name, "spawn") == 0)
		fprintf(fp, "worker %lld started: pid %lld, generation %lld",
		    jint(ev, "slot"), jint(ev, "pid"), jint(ev, "generation"));
	else if (strcmp(name, "exit") == 0)
		fprintf(fp, "worker %lld (pid %lld, generation %lld) %s after "
		    "%.1fs%s", jint(ev, "slot"), jint(ev, "pid"),
		    jint(ev, "generation"), jstr(ev, "reason"),
		    secs(ev, "lived_ms"), json_is_true(json_object_get(ev,
		    "leaving")) ? ", as asked" : "");
	else if (strcmp(name, "backoff") == 0)
		fprintf(fp, "worker %lld: next start in %.1fs (%lld failure%s "
		    "in a row)", jint(ev, "slot"), secs(ev, "retry_in_ms"),
		    jint(ev, "failures"), jint(ev, "failures") == 1 ? "" : "s");
	else if (strcmp(name, "failed") == 0)
		fprintf(fp, "worker %lld cannot start: %s; waits for a reload",
		    jint(ev, "slot"), jstr(ev, "reason"));
	else if (strcmp(name, "reload-start") == 0)
		fprintf(fp, "generation %lld: loading %s",
		    jint(ev, "generation"), jstr(ev, "config"));
	else if (strcmp(name, "reload-end") == 0) {
		if (json_is_true(json_object_get(ev, "ok"))) {
			fprintf(fp, "ok: generation %lld -> %lld",
			    jint(ev, "from"), jint(ev, "to"));
			if (json_array_size(json_object_get(ev, "changes")))
				fputs(": ", fp);
			print_joined(json_object_get(ev, "changes"), fp);
		} else {
			fprintf(fp, "refused, still generation %lld: ",
			    jint(ev, "from"));
			print_joined(json_object_get(ev, "errors"), fp);
		}
	} else if (strcmp(name, "scale") == 0)
		fprintf(fp, "pool size %lld -> %lld (by %s)", jint(ev, "from"),
		    jint(ev, "to"), jstr(ev, "by"));
	else if (strcmp(name, "saturated") == 0)
		fprintf(fp, "pool full: %lld of max_workers %lld, %lld busy; "
		    "clients wait in the accept queues", jint(ev, "workers"),
		    jint(ev, "max_workers"), jint(ev, "busy"));
	else if (strcmp(name, "unsaturated") == 0)
		fprintf(fp, "pool has room again after %.1fs",
		    secs(ev, "lasted_ms"));
	else if (strcmp(name, "drain") == 0) {
		phase = jstr(ev, "phase");
		if (strcmp(phase, "start") == 0)
			fprintf(fp, "%lld worker%s leaving (up to %.1fs)",
			    jint(ev, "left"), jint(ev, "left") == 1 ? "" : "s",
			    secs(ev, "timeout_ms"));
		else
			fprintf(fp, "pid %lld (generation %lld) gone; %lld "
			    "left%s", jint(ev, "pid"), jint(ev, "generation"),
			    jint(ev, "left"), strcmp(phase, "done") == 0 ?
			    ": drained" : "");
	} else if (strcmp(name, "stop") == 0)
		fprintf(fp, "netd stopping (%s), %lld worker%s",
		    jstr(ev, "how"), jint(ev, "workers"),
		    jint(ev, "workers") == 1 ? "" : "s");
	else
		print_fields(ev, fp);
	fputc('\n', fp);
}

/*
 * One line from the master: the reply first, then events.  Returns 0 to
 * go on, else the exit status + 1.
 */
static int
watch_line(char *line, int first, int *stopped)
{
	json_error_t jerr;
	json_t *doc;
	int rc = 0;

	if ((doc = json_loads(line, 0, &jerr)) == NULL ||
	    !json_is_object(doc)) {
		warnx("netd sent a line that is not JSON: %s", jerr.text);
		json_decref(doc);
		return EXIT_FAILED + 1;
	}
	if (opts.json)
		printf("%s\n", line);
	if (first && !json_is_true(json_object_get(doc, "ok")))
		rc = ctl_failed(doc) + 1;
	else if (!first && !opts.json)
		print_event(doc, stdout);
	if (!first && strcmp(jstr(doc, "event"), "stop") == 0)
		*stopped = 1;
	fflush(stdout);
	json_decref(doc);
	return rc;
}

int
ctl_watch(const struct cmd_req *req)
{
	struct sigaction sa;
	struct ctl_err e;
	struct pollfd pfd;
	char *buf = NULL, *nb, *nl, *p;
	size_t len = 0, cap = 0;
	int fd, rc = 0, first = 1, stopped = 0;
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1)
		err(EXIT_FAILED, "sigaction");
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		err(EXIT_FAILED, "sigaction");
	if ((fd = ctl_open(cmd_table[req->id].name, WATCH_TIMEOUT_MS,
	    &e)) == -1)
		errx(e.rc, "%s", e.msg);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (!interrupted && rc == 0) {
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(EXIT_FAILED, "poll");
		}
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if (cap > WATCH_LINE_MAX)
				errx(EXIT_FAILED, "netd sent a line longer "
				    "than %d bytes", WATCH_LINE_MAX);
			if ((nb = realloc(buf, cap)) == NULL)
				err(EXIT_FAILED, NULL);
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (errno != ECONNRESET)
				err(EXIT_FAILED, "read from netd");
			n = 0;
		}
		if (n == 0) {
			if (stopped)
				break;
			warnx("netd closed the event stream%s", first ?
			    " without an answer" : "");
			rc = EXIT_FAILED + 1;
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		for (p = buf; rc == 0 && (nl = strchr(p, '\n')) != NULL;
		    p = nl + 1) {
			*nl = '\0';
			rc = watch_line(p, first, &stopped);
			first = 0;
		}
		len -= (size_t)(p - buf);
		memmove(buf, p, len);
	}
	close(fd);
	free(buf);
	return rc == 0 ? EXIT_OK : rc - 1;
}
