/*
 * The status document (server/status.c) built from a scoreboard filled
 * with any bytes: listener addresses, service names, peers, exit
 * reasons, the config path and the reload message, none of them sure to
 * be UTF-8 or even to end (a worker can write its row as it likes), and
 * states and counters out of range.  The document is there every time,
 * dumps, parses back equal, and its metrics (server/metrics.c) are
 * written, as valid UTF-8.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "metrics.h"
#include "scoreboard.h"
#include "status.h"
#include "utf8.h"

#define ROWS	6	/* of each table, filled from the input */

static int used_l[ROWS], used_s[ROWS], used_w[ROWS];

/* Empty what the last input filled (the tables are large). */
static void
reset(struct sb_view *v)
{
	int i;

	for (i = 0; i < ROWS; i++) {
		memset(&v->listeners[used_l[i]], 0, sizeof(v->listeners[0]));
		memset(&sb->listeners[used_l[i]], 0, sizeof(sb->listeners[0]));
		memset(&v->services[used_s[i]], 0, sizeof(v->services[0]));
		memset(&sb->services[used_s[i]], 0, sizeof(sb->services[0]));
		memset(&v->slots[used_w[i]], 0, sizeof(v->slots[0]));
		memset(&sb->workers[used_w[i]], 0, sizeof(sb->workers[0]));
	}
	memset(v, 0, offsetof(struct sb_view, slots));
}

static void
fill(struct sb_view *v, struct reader *r)
{
	int i, n;

	rd_bytes(r, v, offsetof(struct sb_view, slots));
	n = (int)(rd_byte(r) % (ROWS + 1));
	for (i = 0; i < n; i++) {
		used_l[i] = (int)(rd_u64(r) % SB_LISTENERS);
		rd_bytes(r, &v->listeners[used_l[i]],
		    sizeof(v->listeners[0]));
		v->listeners[used_l[i]].in_use = 1;
		rd_bytes(r, &sb->listeners[used_l[i]],
		    sizeof(sb->listeners[0]));
	}
	n = (int)(rd_byte(r) % (ROWS + 1));
	for (i = 0; i < n; i++) {
		used_s[i] = (int)(rd_u64(r) % SB_SERVICES);
		rd_bytes(r, &v->services[used_s[i]], sizeof(v->services[0]));
		v->services[used_s[i]].in_use = 1;
		rd_bytes(r, &sb->services[used_s[i]],
		    sizeof(sb->services[0]));
	}
	n = (int)(rd_byte(r) % (ROWS + 1));
	for (i = 0; i < n; i++) {
		used_w[i] = (int)(rd_u64(r) % SB_SLOTS);
		rd_bytes(r, &v->slots[used_w[i]], sizeof(v->slots[0]));
		if (v->slots[used_w[i]].state == SBV_FREE)
			v->slots[used_w[i]].state = SBV_RUNNING;
		rd_bytes(r, &sb->workers[used_w[i]],
		    sizeof(sb->workers[0]));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct reader r = { data, size };
	struct sb_view *v;
	json_t *doc, *back;
	char *s, *m = NULL;
	size_t mlen = 0;
	FILE *fp;

	if (!ready) {
		FUZZ_ASSERT(scoreboard_init() == 0);
		ready = 1;
	}
	v = scoreboard_view();
	reset(v);
	fill(v, &r);

	FUZZ_ASSERT((doc = status_json()) != NULL);
	FUZZ_ASSERT((s = json_dumps(doc, JSON_COMPACT)) != NULL);
	FUZZ_ASSERT(utf8_valid(s, strlen(s)));
	FUZZ_ASSERT((back = json_loads(s, 0, NULL)) != NULL);
	FUZZ_ASSERT(json_equal(doc, back));
	free(s);
	json_decref(back);

	FUZZ_ASSERT((fp = open_memstream(&m, &mlen)) != NULL);
	FUZZ_ASSERT(metrics_write(fp, doc) == 0);
	FUZZ_ASSERT(fclose(fp) == 0);
	FUZZ_ASSERT(utf8_valid(m, mlen));
	free(m);
	json_decref(doc);
	return 0;
}
