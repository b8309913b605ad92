/*
 * libFuzzer harness for the upload header's parser (server/upload_head.c):
 * any bytes, with and without more to come, and what the parser promises
 * about its answer checked.  Seeds in tests/fuzz/corpus/upload_head/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "upload_head.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct upload_head h;
	enum upload_head_rc rc;
	const char *why;
	size_t used;
	int eof;

	for (eof = 0; eof <= 1; eof++) {
		rc = upload_head_parse(data, size, eof, &h, &used, &why);
		switch (rc) {
		case UPLOAD_HEAD_MORE:
			if (eof || size >= UPLOAD_HEAD_MAX)
				__builtin_trap();
			break;
		case UPLOAD_HEAD_NONE:
			if (used != 0)
				__builtin_trap();
			break;
		case UPLOAD_HEAD_OK:
			if (used == 0 || used > size ||
			    used > UPLOAD_HEAD_MAX || data[used - 1] != '\n' ||
			    (!h.has_size && !h.has_sha256))
				__builtin_trap();
			break;
		case UPLOAD_HEAD_BAD:
			if (why == NULL || strlen(why) == 0)
				__builtin_trap();
			break;
		default:
			__builtin_trap();
		}
	}
	return 0;
}
