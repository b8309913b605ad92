/*
 * What the libFuzzer harnesses (tests/fuzz/fuzz_*.c) share: the entry
 * point's prototype, a transcript to compare two runs of a parser, the
 * splits of an input drawn from the input, and a reader of its bytes.
 * Header-only (static inline), so that each harness is one file.
 */
#ifndef NETD_FUZZ_H
#define NETD_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated property: say which, and crash so that libFuzzer keeps it. */
#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* What a run of a parser produced, to compare runs byte for byte. */
struct transcript {
	char	*s;
	size_t	 len, cap;
};

static inline void
tr_add(struct transcript *t, const void *p, size_t n)
{
	if (t->cap - t->len < n) {
		while (t->cap - t->len < n)
			t->cap = t->cap ? t->cap * 2 : 256;
		t->s = realloc(t->s, t->cap);
		FUZZ_ASSERT(t->s != NULL);
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
}

static inline void
tr_printf(struct transcript *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline void
tr_printf(struct transcript *t, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	FUZZ_ASSERT(n >= 0 && (size_t)n < sizeof(buf));
	tr_add(t, buf, (size_t)n);
}

static inline int
tr_same(const struct transcript *a, const struct transcript *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->s, b->s, a->len) == 0);
}

static inline void
tr_free(struct transcript *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/*
 * Chunk sizes for splitting an input, from a seed the input gives:
 * mostly short chunks (1 to 8 bytes), now and then a long one.
 */
struct splitter {
	uint64_t	 x;
};

static inline void
split_init(struct splitter *sp, uint64_t seed)
{
	sp->x = seed * 0x9e3779b97f4a7c15ULL + 1;
}

static inline size_t
split_next(struct splitter *sp, size_t left)
{
	size_t n;

	sp->x ^= sp->x << 13;
	sp->x ^= sp->x >> 7;
	sp->x ^= sp->x << 17;
	n = (sp->x >> 8) % 16 == 0 ? (size_t)(sp->x >> 16) % 4096 + 1 :
	    (size_t)(sp->x >> 16) % 8 + 1;
	return n < left ? n : left;
}

/* The bytes of an input, taken in order; zeros once it is used up. */
struct reader {
	const uint8_t	*p;
	size_t		 left;
};

static inline void
rd_bytes(struct reader *r, void *out, size_t n)
{
	size_t k = n < r->left ? n : r->left;

	memcpy(out, r->p, k);
	memset((char *)out + k, 0, n - k);
	r->p += k;
	r->left -= k;
}

static inline unsigned
rd_byte(struct reader *r)
{
	uint8_t b;

	rd_bytes(r, &b, 1);
	return b;
}

static inline uint64_t
rd_u64(struct reader *r)
{
	uint64_t v;

	rd_bytes(r, &v, sizeof(v));
	return v;
}

#endif
