/*
 * The upload header's parser: bytes in, a header (or why not) out, and
 * nothing else, so that it can be fuzzed on its own
 * (tests/fuzz/fuzz_upload_head.c).  A header is one line at the start of
 * an upload:
 *
 *	header	= field *( " " field ) [ CR ] LF
 *	field	= "SIZE " 1*20DIGIT / "SHA256 " 64HEXDIG
 *
 * each field at most once, the whole line at most UPLOAD_HEAD_MAX bytes.
 * svc_upload.c checks the upload against it before anything is stored.
 */
#include <string.h>

#include "upload_head.h"

#define HEX_END	(7 + 2 * UPLOAD_SHA256_LEN)	/* "SHA256 " and the digits */

static const char *const keywords[] = { "SIZE ", "SHA256 " };

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Does buf start like a header?  1 yes, 0 no, -1 too short to tell. */
static int
head_start(const unsigned char *buf, size_t len)
{
	size_t i, k, n;
	int maybe = 0;

	for (k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
		n = strlen(keywords[k]);
		for (i = 0; i < n && i < len; i++)
			if (buf[i] != (unsigned char)keywords[k][i])
				break;
		if (i == n)
			return 1;
		if (i == len)
			maybe = 1;
	}
	return maybe ? -1 : 0;
}

/* A field at p (up to end); its length, or 0 if it is not one. */
static size_t
field(const unsigned char *p, const unsigned char *end,
    struct upload_head *h, const char **why)
{
	const unsigned char *q;
	uint64_t v = 0;
	size_t i, n;
	int hi, lo;

	if ((size_t)(end - p) >= 5 && memcmp(p, "SIZE ", 5) == 0) {
		if (h->has_size) {
			*why = "SIZE given twice";
			return 0;
		}
		for (q = p + 5; q < end && *q >= '0' && *q <= '9'; q++) {
			if (v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10) {
				*why = "SIZE too large";
				return 0;
			}
			v = v * 10 + (uint64_t)(*q - '0');
		}
		if (q == p + 5 || q - (p + 5) > 20 || (q < end && *q != ' ')) {
			*why = "SIZE is not a number";
			return 0;
		}
		h->has_size = 1;
		h->size = v;
		return (size_t)(q - p);
	}
	if ((size_t)(end - p) >= 7 && memcmp(p, "SHA256 ", 7) == 0) {
		if (h->has_sha256) {
			*why = "SHA256 given twice";
			return 0;
		}
		/* 64 digits, then the end of the line or a space */
		n = (size_t)(end - p);
		if (n < HEX_END || (n > HEX_END && p[HEX_END] != ' ')) {
			*why = "SHA256 is not 64 hex digits";
			return 0;
		}
		for (i = 0; i < UPLOAD_SHA256_LEN; i++) {
			hi = hexval(p[7 + 2 * i]);
			lo = hexval(p[7 + 2 * i + 1]);
			if (hi < 0 || lo < 0) {
				*why = "SHA256 is not 64 hex digits";
				return 0;
			}
			h->sha256[i] = (uint8_t)(hi << 4 | lo);
		}
		h->has_sha256 = 1;
		return HEX_END;
	}
	*why = "unknown field (SIZE n, SHA256 hex)";
	return 0;
}

enum upload_head_rc
upload_head_parse(const void *buf, size_t len, int eof,
    struct upload_head *h, size_t *used, const char **why)
{
	const unsigned char *b = buf, *p, *end, *nl;
	size_t n;
	int start;

	memset(h, 0, sizeof(*h));
	*used = 0;
	*why = NULL;
	start = head_start(b, len);
	if (start == 0 || (start == -1 && eof))
		return UPLOAD_HEAD_NONE;
	if (start == -1)
		return UPLOAD_HEAD_MORE;
	n = len < UPLOAD_HEAD_MAX ? len : UPLOAD_HEAD_MAX;
	if ((nl = memchr(b, '\n', n)) == NULL) {
		if (len < UPLOAD_HEAD_MAX && !eof)
			return UPLOAD_HEAD_MORE;
		*why = len < UPLOAD_HEAD_MAX ? "no newline after the header" :
		    "header line too long";
		return UPLOAD_HEAD_BAD;
	}
	end = nl;
	if (end > b && end[-1] == '\r')
		end--;
	for (p = b;;) {
		if ((n = field(p, end, h, why)) == 0)
			return UPLOAD_HEAD_BAD;
		p += n;
		if (p == end)
			break;
		if (*p != ' ' || p + 1 == end) {
			*why = "fields are separated by one space";
			return UPLOAD_HEAD_BAD;
		}
		p++;
	}
	*used = (size_t)(nl - b) + 1;
	return UPLOAD_HEAD_OK;
}
