/*
 * The HTTP request head parser (server/http_parse.c) on any bytes: the
 * heads that come out, and what is left pending, are the same whether
 * the input is pushed whole, a byte at a time, or in chunks whose sizes
 * the input's first byte seeds; every head answered 200 is well formed.
 */
#include <string.h>

#include "fuzz.h"
#include "http_parse.h"

static void
record(struct transcript *t, const struct http_request *r)
{
	tr_printf(t, "%d %d %d %d %d|", r->status, r->minor, r->close,
	    r->head, r->body);
	if (r->status != 0)
		return;
	/* A request to serve: the parts a service looks at. */
	FUZZ_ASSERT(r->method != NULL && r->method[0] != '\0');
	FUZZ_ASSERT(r->target != NULL);
	FUZZ_ASSERT(r->target[0] == '/' || strcmp(r->target, "*") == 0);
	FUZZ_ASSERT(strlen(r->target) <= HTTP_URI_MAX);
	FUZZ_ASSERT(strpbrk(r->target, " \r\n?") == NULL);
	FUZZ_ASSERT(strpbrk(r->method, " \r\n:/") == NULL);
	FUZZ_ASSERT(r->minor >= 0 && r->minor <= 9);
	FUZZ_ASSERT(!r->body || r->close);
	tr_add(t, r->method, strlen(r->method) + 1);
	tr_add(t, r->target, strlen(r->target) + 1);
}

/* Take every head available now. */
static void
drain(struct http_parser *p, struct transcript *t)
{
	struct http_request r;

	while (http_parser_next(p, &r)) {
		FUZZ_ASSERT(r.status == 0 || r.status == 400 ||
		    r.status == 414 || r.status == 431 || r.status == 505);
		FUZZ_ASSERT(r.status == 0 || r.close);
		record(t, &r);
	}
}

enum split { WHOLE, BYTES, CHUNKS };

/* Push the input whole, a byte at a time, or in chunks sp draws. */
static void
run(const uint8_t *data, size_t size, enum split how, struct splitter *sp,
    struct transcript *t)
{
	static struct http_parser p;
	size_t want, got;

	http_parser_init(&p);
	while (size > 0) {
		want = how == WHOLE ? size : how == BYTES ? 1 :
		    split_next(sp, size);
		while (want > 0) {
			/* Every head was taken: there is room. */
			got = http_parser_push(&p, data, want);
			FUZZ_ASSERT(got > 0);
			data += got;
			size -= got;
			want -= got;
			drain(&p, t);
		}
	}
	drain(&p, t);
	tr_printf(t, "pending %zu", http_parser_pending(&p));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transcript whole = { 0 }, bytes = { 0 }, chunks = { 0 };
	struct splitter sp;

	if (size < 1)
		return 0;
	split_init(&sp, data[0]);
	data++;
	size--;
	run(data, size, WHOLE, NULL, &whole);
	run(data, size, BYTES, NULL, &bytes);
	run(data, size, CHUNKS, &sp, &chunks);
	FUZZ_ASSERT(tr_same(&whole, &bytes));
	FUZZ_ASSERT(tr_same(&whole, &chunks));
	tr_free(&whole);
	tr_free(&bytes);
	tr_free(&chunks);
	return 0;
}
