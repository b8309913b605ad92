/*
 * netctl status --watch: status drawn again every SECONDS, with the
 * per-second rates between two rounds.  On a terminal each round clears
 * the screen first; into a file or a pipe, rounds follow one another
 * with no escape codes.  It follows netd through a restart: while netd
 * is not running it says so and keeps trying, and when it answers again
 * with another pid it says that netd restarted.  What it printed last
 * stays on the screen when it ends.
 */
#include <err.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "jsonget.h"
#include "netctl.h"
#include "proto.h"
#include "table.h"

#define WATCH_REQUEST_MS	10000

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* "1.5K/s": a rate in bytes or events per second. */
static void
fmt_rate(double v, int bytes, char *buf, size_t len)
{
	const char *unit = " KMGT";
	int i = 0;

	while (bytes && v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%.1f/s", v);
	else
		snprintf(buf, len, "%.1f%c/s", v, unit[i]);
}

/* A counter's growth per second; a counter that went back (a restart) is new. */
static double
rate(long long now, long long before, double secs)
{
	return now >= before ? (double)(now - before) / secs : 0;
}

static json_t *
listener_like(json_t *arr, json_t *l)
{
	json_t *o;
	size_t i;

	json_array_foreach(arr, i, o)
		if (strcmp(jstr(o, "address"), jstr(l, "address")) == 0 &&
		    strcmp(jstr(o, "service"), jstr(l, "service")) == 0)
			return o;
	return NULL;
}

/* Rates of each listener between the last round and this one. */
static void
rates_print(json_t *prev, json_t *cur, double secs, FILE *fp)
{
	static const char *const heads[] = { "LISTENER", "SERVICE",
	    "CONNS/S", "IN/S", "OUT/S" };
	static const int right[] = { 0, 0, 1, 1, 1 };
	char c[32], in[32], out[32];
	json_t *arr = json_object_get(cur, "listeners"), *l, *o;
	struct table t;
	size_t i;

	fprintf(fp, "\nRates over the last %.1fs:\n", secs);
	table_init(&t, 5, heads, right);
	json_array_foreach(arr, i, l) {
		if ((o = listener_like(json_object_get(prev, "listeners"),
		    l)) == NULL)
			continue;
		fmt_rate(rate(jint(l, "connections"), jint(o, "connections"),
		    secs), 0, c, sizeof(c));
		fmt_rate(rate(jint(l, "bytes_in"), jint(o, "bytes_in"), secs),
		    1, in, sizeof(in));
		fmt_rate(rate(jint(l, "bytes_out"), jint(o, "bytes_out"),
		    secs), 1, out, sizeof(out));
		table_add(&t, jstr(l, "address"), jstr(l, "service"), c, in,
		    out);
	}
	table_print(&t, fp);
	table_free(&t);
}

static void
now_text(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
}

int
status_watch(const char *line, double secs)
{
	struct sigaction sa;
	struct ctl_err e;
	json_t *r, *prev = NULL;
	uint64_t prev_ms = 0, now;
	long long pid = 0;
	int tty = isatty(STDOUT_FILENO), down = 0, rc;
	char restarted[160] = "", when[32];
	char *raw;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_interrupt;
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1)
		err(EXIT_FAILED, "sigaction");
	while (!interrupted) {
		r = ctl_request_try(line, WATCH_REQUEST_MS, &raw, &e);
		now = monotonic_ms();
		now_text(when, sizeof(when));
		if (r == NULL) {
			/* Gone: say so, keep trying; else it is an error. */
			if (e.rc != EXIT_NOT_RUNNING && e.rc != EXIT_FAILED)
				errx(e.rc, "%s", e.msg);
			if (!down)
				fprintf(stderr, "netctl: %s (%s); trying again "
				    "every %gs\n", e.msg, when, secs);
			down = 1;
			json_decref(prev);
			prev = NULL;
			goto next;
		}
		if (!json_is_true(json_object_get(r, "ok"))) {
			if (opts.json)
				fputs(raw, stdout);
			free(raw);
			json_decref(prev);
			rc = ctl_failed(r);
			json_decref(r);
			return rc;
		}
		if (pid != 0 && jint(json_object_get(r, "netd"), "pid") != pid)
			snprintf(restarted, sizeof(restarted), "netd restarted "
			    "at %s: pid %lld -> %lld", when, pid,
			    jint(json_object_get(r, "netd"), "pid"));
		else if (down && pid != 0)
			snprintf(restarted, sizeof(restarted), "netd answers "
			    "again at %s", when);
		if (restarted[0] != '\0' && down)
			fprintf(stderr, "netctl: %s\n", restarted);
		down = 0;
		pid = jint(json_object_get(r, "netd"), "pid");
		if (opts.json)
			fputs(raw, stdout);
		else {
			if (tty)
				fputs("\033[H\033[2J", stdout);	/* home, clear */
			status_print(r, stdout);
			if (prev != NULL && now > prev_ms)
				rates_print(prev, r, (double)(now - prev_ms) /
				    1000, stdout);
			if (restarted[0] != '\0')
				printf("\n%s\n", restarted);
			printf("\n%s, every %gs%s\n", when, secs, tty ?
			    "; Ctrl-C to quit" : "");
			if (!tty)
				printf("\n");
		}
		free(raw);
		json_decref(prev);
		prev = r;
		prev_ms = now;
next:
		fflush(stdout);
		(void)poll(NULL, 0, (int)(secs * 1000));
	}
	json_decref(prev);
	return EXIT_OK;
}
