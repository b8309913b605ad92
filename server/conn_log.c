/*
 * A connection's access lines, in logfmt: one when it ends, or one per
 * request for a service that logs its requests (http).  Every value a
 * client may have shaped is escaped (logfmt_val).
 */
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "io.h"
#include "listener.h"
#include "log.h"
#include "logfmt.h"
#include "service.h"

/*
 * What every access line of a connection begins with, as logfmt fields:
 * service, proto, listen, peer.  The peer and the result may one day
 * carry what a client said (a PROXY header's address, a request's
 * words): escaped like all such bytes (logfmt_val).
 */
static void
access_prefix(const struct conn *c, char *buf, size_t len)
{
	char name[NETD_NAME_MAX * 4 + 3], addr[ADDR_TEXT_MAX * 4 + 3];
	char peer[sizeof(c->peer_text) * 4 + 3];

	snprintf(buf, len, "service=%s proto=%s listen=%s peer=%s",
	    logfmt_val(name, sizeof(name), c->svc->name),
	    proto_name(c->l->addr.proto),
	    logfmt_val(addr, sizeof(addr), c->l->addr.text),
	    logfmt_val(peer, sizeof(peer), c->peer_text));
}

/*
 * The connection's access line, when it ends.  A service that logs its
 * requests (http) has said everything in them: its connection gets a
 * line of its own only if it carried no request.
 */
void
conn_access_line(const struct conn *c)
{
	char pre[1024], result[sizeof(c->result) * 4 + 3];

	if (c->logged)
		return;
	access_prefix(c, pre, sizeof(pre));
	log_access(strcmp(c->result, "ok") != 0, "access %s duration=%llums "
	    "in=%llu out=%llu result=%s", pre,
	    (unsigned long long)(monotonic_ms() - c->start_ms),
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out,
	    logfmt_val(result, sizeof(result), c->result));
}

void
conn_access_request(struct conn *c, int failure, const char *fields)
{
	char pre[1024];

	c->logged = 1;
	access_prefix(c, pre, sizeof(pre));
	log_access(failure, "access %s %s", pre, fields);
}
