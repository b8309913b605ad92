/*
 * upload: store what a client sends as a new file in `dir`
 * (upload_store.c: a temporary name, fsync, rename, fsync the directory).
 * At the client's EOF (half-close or close) the answer is
 * "OK <bytes> <sha256> <name>\n"; a client that closed without reading
 * (the classic lesson's client) never sees it, and its file is stored all
 * the same.  Too large (max_size), disk full, reset, timeout, too slow
 * (min_rate) or a stop (TERM) remove the temporary file, answer
 * "ERR <reason>\n" if the client may still listen, and log why.  After an
 * error the rest of what the client sends is read and dropped (to its
 * EOF, or for LINGER_MS) so that the answer is not lost to a reset.
 *
 * An EOF says only that the client's kernel closed the connection, also
 * for a client killed half-way: with upload_header the client may (or
 * must) say first how many bytes and which SHA-256 are coming
 * (upload_head.c), and an upload that does not match is not stored.  The
 * temporary file is made with the first byte of data, and an upload of
 * none (a port scanner's connect) is stored only with store_empty.
 *
 * The worker's loop never waits for the disk's fsync: storing runs on
 * the worker's helper thread (offload.c), and the answer follows.
 */
#include <errno.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "io.h"
#include "log.h"
#include "offload.h"
#include "service.h"
#include "upload_head.h"
#include "upload_store.h"

#define LINGER_MS	5000	/* after an error, read and drop this long */

enum { HEAD_NONE, HEAD_OPTIONAL, HEAD_REQUIRED };

struct upload {
	struct conn	*c;		/* NULL once the connection is gone */
	struct upload_file f;
	int		 mode;		/* HEAD_* */
	int		 head_done;	/* the header (or its absence) known */
	int		 refused;	/* answered ERR: drop the rest */
	int		 committing;	/* on the helper thread */
	int		 commit_rc, commit_errno;
	uint64_t	 size;
	SHA2_CTX	 sha;
	struct upload_head head;	/* what the client said is coming */
	size_t		 hlen;		/* header bytes waiting */
	char		 hbuf[UPLOAD_HEAD_MAX];
	char		 hex[SHA256_DIGEST_STRING_LENGTH];
};

static int
head_mode(const struct service_conf *svc)
{
	if (svc->upload_header == NULL ||
	    strcmp(svc->upload_header, "none") == 0)
		return HEAD_NONE;
	return strcmp(svc->upload_header, "required") == 0 ? HEAD_REQUIRED :
	    HEAD_OPTIONAL;
}

/*
 * After an error: answer, stop sending, and read and drop what still
 * comes (for up to LINGER_MS) so that the answer is not lost: a client
 * still sending would get a reset for data we did not read, and could
 * lose the answer with it.
 */
static void
upload_refuse(struct upload *u, const char *reason, int client_there)
{
	struct conn *c = u->c;
	char msg[80];

	upload_store_end(&u->f);
	snprintf(msg, sizeof(msg), "ERR %s\n", reason);
	conn_set_result(c, reason);
	u->refused = 1;
	conn_request_end(c);
	if (!client_there) {
		conn_close_after(c);
		return;
	}
	if (conn_send_str(c, msg) == -1)
		return;
	conn_until(c, monotonic_ms() + LINGER_MS);
	if (conn_queued(c) == 0 && shutdown(c->fd, SHUT_WR) == -1)
		conn_close_after(c);
}

/* Remove what was written so far, say why, and tell the client. */
static void
upload_fail(struct upload *u, const char *reason, int err, int client_there)
{
	if (err != 0)
		log_warnx("upload %s: %s: not stored (%s: %s) after %llu bytes",
		    u->c->svc->name, u->c->peer_text, reason, strerror(err),
		    (unsigned long long)u->size);
	else
		log_warnx("upload %s: %s: not stored (%s) after %llu bytes",
		    u->c->svc->name, u->c->peer_text, reason,
		    (unsigned long long)u->size);
	upload_refuse(u, reason, client_there);
}

static int
upload_create(struct upload *u)
{
	struct conn *c = u->c;

	if (upload_store_create(&u->f, &c->peer, c->peerlen,
	    c->svc->mode) == 0)
		return 0;
	log_warn("upload %s: create in %s", c->svc->name, c->svc->dir);
	upload_fail(u, upload_store_reason(errno), 0, 1);
	return -1;
}

/* Take n bytes of data: check the limits, write them.  -1 once refused. */
static int
upload_take(struct upload *u, const char *buf, size_t n)
{
	const struct service_conf *svc = u->c->svc;

	if (svc->max_size > 0 && (uint64_t)n > svc->max_size - u->size) {
		upload_fail(u, "too large", 0, 1);
		return -1;
	}
	if (u->head.has_size && (uint64_t)n > u->head.size - u->size) {
		upload_fail(u, "size mismatch", 0, 1);
		return -1;
	}
	if (u->f.fd == -1 && upload_create(u) == -1)
		return -1;
	SHA256Update(&u->sha, (const uint8_t *)buf, n);
	if (upload_store_write(&u->f, buf, n) == -1) {
		upload_fail(u, upload_store_reason(errno), errno, 1);
		return -1;
	}
	u->size += (uint64_t)n;
	return 0;
}

/*
 * With upload_header: the first bytes say whether a header is there.
 * Bytes are kept in hbuf until it is known; then the data after the
 * header is taken.  -1 once refused.
 */
static int
upload_head(struct upload *u, const char *data, size_t len, int eof)
{
	const struct service_conf *svc = u->c->svc;
	const char *why;
	size_t take, used;

	take = sizeof(u->hbuf) - u->hlen < len ? sizeof(u->hbuf) - u->hlen :
	    len;
	memcpy(u->hbuf + u->hlen, data, take);
	u->hlen += take;
	switch (upload_head_parse(u->hbuf, u->hlen, eof, &u->head, &used,
	    &why)) {
	case UPLOAD_HEAD_MORE:
		return 0;
	case UPLOAD_HEAD_OK:
		if (u->head.has_size && svc->max_size > 0 &&
		    u->head.size > svc->max_size) {
			upload_fail(u, "too large", 0, 1);
			return -1;
		}
		break;
	case UPLOAD_HEAD_NONE:
		used = 0;
		/* Nothing at all is an empty upload, refused as such. */
		if (u->mode == HEAD_REQUIRED && (u->hlen > 0 ||
		    strcmp(svc->store_empty, "yes") == 0)) {
			upload_fail(u, "header required", 0, 1);
			return -1;
		}
		break;
	case UPLOAD_HEAD_BAD:
		log_warnx("upload %s: %s: not stored (bad header: %s)",
		    svc->name, u->c->peer_text, why);
		upload_refuse(u, "bad header", 1);
		return -1;
	}
	u->head_done = 1;
	if (used < u->hlen && upload_take(u, u->hbuf + used,
	    u->hlen - used) == -1)
		return -1;
	if (take < len)
		return upload_take(u, data + take, len - take);
	return 0;
}

static int
upload_start(struct conn *c)
{
	struct upload *u;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		conn_set_result(c, "error");
		return -1;
	}
	c->priv = u;
	u->c = c;
	u->mode = head_mode(c->svc);
	u->head_done = u->mode == HEAD_NONE;
	SHA256Init(&u->sha);
	if (upload_store_begin(&u->f, c->svc->dir) == -1) {
		log_warn("upload %s: %s", c->svc->name, c->svc->dir);
		upload_refuse(u, "storage unavailable", 1);
		return 0;
	}
	/* The body's clock: request_timeout, then min_rate. */
	conn_request_begin(c);
	return 0;
}

static int
upload_input(struct conn *c, const char *data, size_t len)
{
	struct upload *u = c->priv;

	if (u->refused || u->committing)
		return 0;	/* lingering: dropped */
	if (!u->head_done)
		(void)upload_head(u, data, len, 0);
	else
		(void)upload_take(u, data, len);
	return 0;
}

/* On the helper thread: fsync, rename, fsync the directory. */
static void
upload_commit_work(void *arg)
{
	struct upload *u = arg;

	u->commit_rc = upload_store_commit(&u->f);
	u->commit_errno = errno;
}

static void
upload_free(struct upload *u)
{
	upload_store_end(&u->f);
	free(u);
}

/* Back on the loop: answer, or say why it was not stored. */
static void
upload_commit_done(void *arg)
{
	struct upload *u = arg;
	struct conn *c = u->c;
	char ok[256];

	u->committing = 0;
	if (c == NULL) {
		/* The connection ended meanwhile: the file is what counts. */
		if (u->commit_rc == 0)
			log_info("upload: stored %s, %llu bytes, sha256 %s "
			    "(client gone)", u->f.name,
			    (unsigned long long)u->size, u->hex);
		upload_free(u);
		return;
	}
	if (u->commit_rc == -1) {
		upload_fail(u, upload_store_reason(u->commit_errno),
		    u->commit_errno, 1);
		return;
	}
	log_info("upload %s: %s: stored %s/%s, %llu bytes, sha256 %s",
	    c->svc->name, c->peer_text, c->svc->dir, u->f.name,
	    (unsigned long long)u->size, u->hex);
	snprintf(ok, sizeof(ok), "OK %llu %s %s\n", (unsigned long long)u->size,
	    u->hex, u->f.name);
	/* A client that closed without reading is fine: the file is there. */
	(void)conn_send_str(c, ok);
	conn_set_result(c, "ok");
	conn_close_after(c);
}

/* At EOF: is the upload what the header said, and may it be stored? */
static int
upload_complete(struct upload *u)
{
	uint8_t digest[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256Final(digest, &u->sha);
	for (i = 0; i < sizeof(digest); i++)
		snprintf(u->hex + 2 * i, 3, "%02x", digest[i]);
	if (u->head.has_size && u->size != u->head.size) {
		upload_fail(u, "size mismatch", 0, 1);
		return -1;
	}
	if (u->head.has_sha256 &&
	    memcmp(digest, u->head.sha256, sizeof(digest)) != 0) {
		upload_fail(u, "digest mismatch", 0, 1);
		return -1;
	}
	if (u->size == 0) {
		if (strcmp(u->c->svc->store_empty, "yes") != 0) {
			/* A port scanner, a health check: not worth a line. */
			upload_refuse(u, "empty upload", 1);
			return -1;
		}
		if (upload_create(u) == -1)
			return -1;
	}
	return 0;
}

/* The client's EOF: the upload is complete; store it, off the loop. */
static int
upload_eof(struct conn *c)
{
	struct upload *u = c->priv;

	if (u->refused) {
		conn_close_after(c);
		return 0;
	}
	if (!u->head_done && upload_head(u, "", 0, 1) == -1)
		return 0;
	conn_request_end(c);
	if (upload_complete(u) == -1)
		return 0;
	u->committing = 1;
	if (offload_submit(upload_commit_work, upload_commit_done, u) == -1) {
		/* No helper: store it here, blocking the loop a moment. */
		upload_commit_work(u);
		upload_commit_done(u);
	}
	return 0;
}

/* The answer to a refusal went out: stop sending, read what comes. */
static int
upload_flushed(struct conn *c)
{
	struct upload *u = c->priv;

	if (u->refused && shutdown(c->fd, SHUT_WR) == -1)
		conn_close_after(c);
	return 0;
}

static int
upload_timeout(struct conn *c, int which)
{
	struct upload *u = c->priv;

	if (u->refused || u->committing)
		return -1;	/* lingered long enough; or storing */
	upload_fail(u, which == TMO_RATE ? "too slow" : "timeout", 0, 1);
	return 0;
}

/* The end: whatever was not stored is removed. */
static void
upload_finish(struct conn *c)
{
	struct upload *u = c->priv;

	if (u == NULL)
		return;
	c->priv = NULL;
	if (u->committing) {
		/* The helper thread has it: upload_commit_done() frees it. */
		u->c = NULL;
		return;
	}
	if (u->f.tmp[0] != '\0' && !u->refused) {
		if (strcmp(c->result, "stopped") == 0) {
			(void)send(c->fd, "ERR server stopping\n", 20,
			    MSG_DONTWAIT | MSG_NOSIGNAL);
			conn_set_result(c, "server stopping");
		} else if (strcmp(c->result, "reset") == 0)
			conn_set_result(c, "connection lost: Connection reset "
			    "by peer");
		log_warnx("upload %s: %s: not stored (%s) after %llu bytes",
		    c->svc->name, c->peer_text, c->result,
		    (unsigned long long)u->size);
	}
	upload_free(u);
}

static int
upload_check(const struct netd_config *cfg, const struct service_conf *svc,
    char *err, size_t errlen)
{
	/* The keys' values, the spool directory and its room. */
	return upload_store_check(cfg, svc, err, errlen);
}

const struct service_type svc_upload = {
	.type = SVC_UPLOAD,
	.start = upload_start,
	.input = upload_input,
	.eof = upload_eof,
	.flushed = upload_flushed,
	.timeout = upload_timeout,
	.finish = upload_finish,
	.check = upload_check,
};
