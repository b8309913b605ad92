/* The upload header: an optional first line that says what is coming. */
#ifndef NETD_UPLOAD_HEAD_H
#define NETD_UPLOAD_HEAD_H

#include <stddef.h>
#include <stdint.h>

#define UPLOAD_HEAD_MAX		256	/* a header line, its newline included */
#define UPLOAD_SHA256_LEN	32

/* "SIZE n", "SHA256 hex" or both, space-separated, then LF or CRLF. */
struct upload_head {
	int		 has_size;
	uint64_t	 size;
	int		 has_sha256;
	uint8_t		 sha256[UPLOAD_SHA256_LEN];
};

enum upload_head_rc {
	UPLOAD_HEAD_MORE,	/* may be a header: give more bytes */
	UPLOAD_HEAD_NONE,	/* no header: the data starts at byte 0 */
	UPLOAD_HEAD_OK,		/* a header, *used bytes long */
	UPLOAD_HEAD_BAD,	/* a header, but wrong: *why says how */
};

/*
 * Parse the first len bytes of an upload; eof: there are no more.  MORE
 * only when eof is 0 and len < UPLOAD_HEAD_MAX.  Bytes that start with
 * "SIZE " or "SHA256 " are a header (or a bad one); any others are not.
 */
enum upload_head_rc upload_head_parse(const void *buf, size_t len, int eof,
	    struct upload_head *h, size_t *used, const char **why);

#endif
