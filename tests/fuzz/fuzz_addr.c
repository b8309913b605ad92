/*
 * Listen addresses and CIDR lists (lib/addr.c) on any bytes: the first
 * line is the config's directory (relative unix paths), the rest a list
 * split as the config splits it.  A parsed address prints a canonical
 * text that parses back to the same address; a prefix prints and parses
 * back to the same prefix, and matches an address built from the input
 * without trouble.  Errors are NUL-terminated within their buffer.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "fuzz.h"

static void
listen_word(const char *w, const char *basedir)
{
	struct listen_addr la, back;
	char err[256];

	memset(err, 'x', sizeof(err));
	if (listen_addr_parse(w, basedir, &la, err, sizeof(err)) == -1) {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		return;
	}
	FUZZ_ASSERT(memchr(la.text, '\0', sizeof(la.text)) != NULL);
	FUZZ_ASSERT(la.proto == PROTO_TCP || la.proto == PROTO_UDP ||
	    la.proto == PROTO_UNIX);
	/* The text is absolute: it needs no directory. */
	FUZZ_ASSERT(listen_addr_parse(la.text, NULL, &back, err,
	    sizeof(err)) == 0);
	FUZZ_ASSERT(strcmp(la.text, back.text) == 0);
	FUZZ_ASSERT(la.proto == back.proto && la.sslen == back.sslen);
	FUZZ_ASSERT(memcmp(&la.ss, &back.ss, la.sslen) == 0);
	if (la.proto != PROTO_UNIX)
		FUZZ_ASSERT(sockaddr_port((struct sockaddr *)&la.ss) >= 0);
}

static void
cidr_word(const char *w, const struct sockaddr *sa)
{
	struct cidr c, back;
	char text[64];

	if (cidr_parse(w, &c) == -1)
		return;
	FUZZ_ASSERT(c.family == AF_INET || c.family == AF_INET6);
	FUZZ_ASSERT(c.prefix >= 0 &&
	    c.prefix <= (c.family == AF_INET ? 32 : 128));
	cidr_format(&c, text, sizeof(text));
	FUZZ_ASSERT(cidr_parse(text, &back) == 0);
	FUZZ_ASSERT(memcmp(&c, &back, sizeof(c)) == 0);
	(void)cidr_match(&c, sa);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct reader r = { data, size };
	char *text, *basedir, *list, *nl, *tok, *save = NULL;
	char peer[PEER_TEXT_MAX];

	/* A peer for cidr_match: v4, v6 (v4-mapped or not), or unix. */
	memset(&ss, 0, sizeof(ss));
	switch (rd_byte(&r) % 3) {
	case 0:
		sin->sin_family = AF_INET;
		rd_bytes(&r, &sin->sin_addr, sizeof(sin->sin_addr));
		break;
	case 1:
		sin6->sin6_family = AF_INET6;
		rd_bytes(&r, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
		break;
	default:
		ss.ss_family = AF_UNIX;
	}
	sockaddr_format((struct sockaddr *)&ss, sizeof(ss), peer,
	    sizeof(peer));
	FUZZ_ASSERT(memchr(peer, '\0', sizeof(peer)) != NULL);

	if ((text = malloc(r.left + 1)) == NULL)
		return 0;
	memcpy(text, r.p, r.left);
	text[r.left] = '\0';
	basedir = NULL;
	list = text;
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		basedir = text;
		list = nl + 1;
	}
	/* As config_keys.c splits listen and allow. */
	for (tok = strtok_r(list, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		listen_word(tok, basedir);
		cidr_word(tok, (struct sockaddr *)&ss);
	}
	free(text);
	return 0;
}
