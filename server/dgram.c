/*
 * A datagram's way through a worker: the allow list, the UDP guard (no
 * amplification, rate per source), the service's one reply.  Nothing is
 * kept between datagrams.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "listener.h"
#include "log.h"
#include "scoreboard.h"
#include "service.h"
#include "udp_guard.h"

static int dgram_slot;

void
dgram_init(int slot)
{
	dgram_slot = slot;
}

static int
peer_allowed(const struct service_conf *svc, const struct sockaddr *sa)
{
	size_t i;

	if (svc->allow == NULL || sa->sa_family == AF_UNIX)
		return 1;
	for (i = 0; i < svc->nallow; i++)
		if (cidr_match(&svc->allow[i], sa))
			return 1;
	return 0;
}

void
dgram_serve(const struct listener *l, const void *data, size_t len,
    const struct sockaddr_storage *peer, socklen_t peerlen)
{
	struct sb_listener_count *lc = &sb->listeners[l->sb];
	struct sb_worker *w = &sb->workers[dgram_slot];
	static char out[65536];
	ssize_t n;
	int drop;

	SB_ADD(lc->connections, 1);
	SB_ADD(lc->bytes_in, len);
	w->bytes_in += len;
	if (!peer_allowed(l->svc, (const struct sockaddr *)peer)) {
		SB_ADD(lc->drops[DROP_DENIED], 1);
		return;
	}
	if (l->type == NULL || l->type->serve_dgram == NULL)
		return;		/* discard: no answer, nothing to guard */
	if ((drop = udp_guard(l->svc, (const struct sockaddr *)peer)) != -1) {
		SB_ADD(lc->drops[drop], 1);
		return;
	}
	n = l->type->serve_dgram(l->svc, data, len, out, sizeof(out));
	if (n < 0)
		return;
	if (sendto(l->fd, out, (size_t)n, MSG_DONTWAIT,
	    (const struct sockaddr *)peer, peerlen) == -1) {
		SB_ADD(lc->errors, 1);
		log_debug("%s: sendto: %s", l->svc->name, strerror(errno));
		return;
	}
	SB_ADD(lc->bytes_out, (uint64_t)n);
	w->bytes_out += (uint64_t)n;
}
