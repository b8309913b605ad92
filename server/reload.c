/*
 * The reload history: how many reloads were done and refused, the last
 * one's message and time (in the scoreboard's view, for status), the
 * last refusal (for systemd's STATUS= until a reload works), and the
 * event that ends each reload.  master.c decides; this file records.
 */
#include <stdarg.h>
#include <string.h>

#include "events.h"
#include "io.h"
#include "reload.h"
#include "scoreboard.h"
#include "utf8.h"

static char failed[256];

void
reload_record(int ok, const char *fmt, ...)
{
	struct sb_view *v = scoreboard_view();
	va_list ap;

	if (ok)
		v->reloads++;
	else
		v->reload_failures++;
	v->reload_ok = ok;
	v->reload_ms = realtime_ms();
	/* Cut on a character, so that the message stays readable. */
	va_start(ap, fmt);
	utf8_vsnprintf(v->reload_msg, sizeof(v->reload_msg), fmt, ap);
	va_end(ap);
}

void
reload_failed(const char *why)
{
	strlcpy(failed, why != NULL ? why : "", sizeof(failed));
}

const char *
reload_failure(void)
{
	return failed;
}

void
reload_pool_size(int from, int old_workers, int to, struct report *rep)
{
	if (from == to)
		return;
	if (from != old_workers)
		report_add(rep, "pool size %d -> %d (workers = %d; the size "
		    "set by scale is undone)", from, to, to);
	else
		report_add(rep, "pool size %d -> %d (workers = %d)", from, to,
		    to);
}

void
reload_end(int ok, uint32_t from, uint32_t to, const struct report *rep)
{
	events_emit(EV_RELOAD_END, json_pack("{s:b, s:i, s:i, s:o}", "ok", ok,
	    "from", (int)from, "to", (int)to, ok ? "changes" : "errors",
	    report_json(rep)));
}
