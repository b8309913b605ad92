/*
 * The control request line (lib/cmd.c cmd_parse_line, what the master
 * runs on each line) on any bytes, cut and checked as server/control.c
 * does (up to the first LF, no NUL, CONTROL_LINE_MAX): an error is one
 * NUL-terminated line that a reply can carry, and valid UTF-8 when the
 * request was; a request that parses is formatted the way netctl sends
 * it and parses again to the same request.  The same words go through
 * netctl's side (CMD_CLI) too.
 */
#include <string.h>

#include "cmd.h"
#include "fuzz.h"
#include "proto.h"
#include "utf8.h"

static void
check_error(const char *err, size_t errlen, int valid_in)
{
	size_t n = strnlen(err, errlen);
	json_t *j;

	FUZZ_ASSERT(n < errlen && n > 0);
	FUZZ_ASSERT(memchr(err, '\n', n) == NULL);
	/* A message quotes words cut on a character: valid stays valid. */
	if (valid_in)
		FUZZ_ASSERT(utf8_valid(err, n));
	FUZZ_ASSERT((j = utf8_json(err)) != NULL);
	json_decref(j);
}

static void
same_request(const struct cmd_req *a, const struct cmd_req *b)
{
	FUZZ_ASSERT(a->id == b->id);
	FUZZ_ASSERT(a->flags == b->flags);
	FUZZ_ASSERT(a->scale == b->scale);
	FUZZ_ASSERT(a->relative == b->relative);
	FUZZ_ASSERT(a->topic == b->topic);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CONTROL_LINE_MAX], copy[CONTROL_LINE_MAX], err[512],
	    canon[CONTROL_LINE_MAX], *argv[CMD_ARGS_MAX], *tok, *save = NULL;
	const char *nl;
	struct cmd_req req, again;
	int valid, argc = 0, rc;

	if ((nl = memchr(data, '\n', size)) != NULL)
		size = (size_t)(nl - (const char *)data);
	if (size >= sizeof(line) || memchr(data, '\0', size) != NULL)
		return 0;	/* control.c refuses these before parsing */
	memcpy(line, data, size);
	line[size] = '\0';
	memcpy(copy, line, size + 1);
	valid = utf8_valid(line, size);

	memset(err, 'x', sizeof(err));
	if (cmd_parse_line(line, &req, err, sizeof(err)) == -1) {
		check_error(err, sizeof(err), valid);
	} else {
		FUZZ_ASSERT(req.id >= 0 && req.id < CMD_COUNT);
		FUZZ_ASSERT(!cmd_table[req.id].local);
		FUZZ_ASSERT(req.scale >= -CMD_SCALE_MAX &&
		    req.scale <= CMD_SCALE_MAX);
		FUZZ_ASSERT(cmd_format(&req, canon, sizeof(canon)) == 0);
		rc = cmd_parse_line(canon, &again, err, sizeof(err));
		FUZZ_ASSERT(rc == 0);
		same_request(&req, &again);
	}

	/* netctl's side: the same words as its command line. */
	for (tok = strtok_r(copy, " \t\r", &save); tok != NULL &&
	    argc < CMD_ARGS_MAX; tok = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = tok;
	memset(err, 'x', sizeof(err));
	if (cmd_parse(CMD_CLI, argc, argv, &req, err, sizeof(err)) == -1)
		check_error(err, sizeof(err), valid);
	else
		FUZZ_ASSERT(req.id >= 0 && req.id < CMD_COUNT);
	if (argc > 0)
		(void)cmd_suggest(argv[0], CMD_CLI);
	return 0;
}
