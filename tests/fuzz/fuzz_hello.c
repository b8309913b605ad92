/*
 * hello's framing (server/hello_frame.c) on any bytes, with a max_line
 * the input picks: the messages, and where a line is too long, are the
 * same whether the input is pushed whole, a byte at a time, or in chunks
 * the input seeds, and are what the rules say (a model below); with
 * pauses (flushes) between chunks, no message breaks the rules either.
 */
#include <string.h>

#include "fuzz.h"
#include "hello_frame.h"

static void
record(struct transcript *t, const struct hello_msg *m, size_t max_line)
{
	FUZZ_ASSERT(m->len <= max_line);
	FUZZ_ASSERT(memchr(m->text, '\n', m->len) == NULL);
	FUZZ_ASSERT(strcmp(m->eol, "\n") == 0 ||
	    strcmp(m->eol, "\r\n") == 0 || m->eol[0] == '\0');
	tr_printf(t, "M%zu %zu:", m->len, strlen(m->eol));
	tr_add(t, m->text, m->len);
}

enum split { WHOLE, BYTES, CHUNKS, PAUSES };

static void
run(const uint8_t *data, size_t size, size_t max_line, enum split how,
    struct splitter *sp, struct transcript *t)
{
	struct hello_frame f;
	struct hello_msg m;
	enum hello_event ev = HELLO_MORE;
	const char *p = (const char *)data;
	size_t chunk, left = size;

	FUZZ_ASSERT(hello_frame_init(&f, max_line) == 0);
	while (left > 0) {
		chunk = how == WHOLE ? left : how == BYTES ? 1 :
		    split_next(sp, left);
		left -= chunk;
		while ((ev = hello_frame_take(&f, &p, &chunk, &m)) ==
		    HELLO_MESSAGE)
			record(t, &m, max_line);
		if (ev == HELLO_TOO_LONG)
			break;
		FUZZ_ASSERT(chunk == 0);
		FUZZ_ASSERT(hello_frame_pending(&f) <= max_line + 1);
		if (how == PAUSES && (ev = hello_frame_flush(&f, &m)) ==
		    HELLO_MESSAGE)
			record(t, &m, max_line);
		/* As the server does after each read: nothing pending, the
		 * buffer goes back. */
		hello_frame_idle(&f);
		if (ev == HELLO_TOO_LONG)
			break;
	}
	/* The end of the stream: what came without a newline. */
	if (ev != HELLO_TOO_LONG && (ev = hello_frame_flush(&f, &m)) ==
	    HELLO_MESSAGE)
		record(t, &m, max_line);
	if (ev == HELLO_TOO_LONG)
		tr_printf(t, "T");
	hello_frame_free(&f);
}

/* The rules, read off the whole input: the model of a run. */
static void
model(const uint8_t *data, size_t size, size_t max_line,
    struct transcript *t)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct hello_msg m;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		m.eol = nl != NULL ? "\n" : "";
		if (nl != NULL && n > 0 && p[n - 1] == '\r') {
			m.eol = "\r\n";
			n--;
		}
		if (n > max_line) {
			tr_printf(t, "T");
			return;
		}
		m.text = p;
		m.len = n;
		record(t, &m, max_line);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transcript want = { 0 }, whole = { 0 }, bytes = { 0 },
	    chunks = { 0 }, pauses = { 0 };
	struct splitter sp;
	size_t max_line;

	if (size < 2)
		return 0;
	/* Small limits, so that lines are often too long. */
	max_line = (size_t)data[0] % 64 + 1;
	split_init(&sp, data[1]);
	data += 2;
	size -= 2;
	model(data, size, max_line, &want);
	run(data, size, max_line, WHOLE, NULL, &whole);
	run(data, size, max_line, BYTES, NULL, &bytes);
	run(data, size, max_line, CHUNKS, &sp, &chunks);
	run(data, size, max_line, PAUSES, &sp, &pauses);
	FUZZ_ASSERT(tr_same(&want, &whole));
	FUZZ_ASSERT(tr_same(&want, &bytes));
	FUZZ_ASSERT(tr_same(&want, &chunks));
	tr_free(&want);
	tr_free(&whole);
	tr_free(&bytes);
	tr_free(&chunks);
	tr_free(&pauses);
	return 0;
}
