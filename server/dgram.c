/*
 * A datagram's way through a worker: the allow list, the UDP guard (no
 * amplification, rate per source), the service's one reply, which the
 * caller sends with others (udp_batch.c).  Nothing is kept between
 * datagrams.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dgram.h"
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

ssize_t
dgram_answer(const struct listener *l, const void *data, size_t len,
    const struct sockaddr_storage *peer, void *out, size_t outlen)
{
	struct sb_listener_count *lc = &sb->listeners[l->sb];
	struct sb_worker *w = &sb->workers[dgram_slot];
	int drop;

	SB_ADD(lc->connections, 1);
	SB_ADD(lc->bytes_in, len);
	w->bytes_in += len;
	if (!service_allows(l->svc, (const struct sockaddr *)peer)) {
		SB_ADD(lc->drops[DROP_DENIED], 1);
		return -1;
	}
	if (l->type == NULL || l->type->serve_dgram == NULL)
		return -1;	/* discard: no answer, nothing to guard */
	if ((drop = udp_guard(l->svc, (const struct sockaddr *)peer)) != -1) {
		SB_ADD(lc->drops[drop], 1);
		return -1;
	}
	return l->type->serve_dgram(l->svc, data, len, out, outlen);
}

void
dgram_sent(const struct listener *l, ssize_t n)
{
	struct sb_listener_count *lc = &sb->listeners[l->sb];

	if (n == -1) {
		SB_ADD(lc->errors, 1);
		log_debug("%s: sendmmsg: %s", l->svc->name, strerror(errno));
		return;
	}
	SB_ADD(lc->bytes_out, (uint64_t)n);
	sb->workers[dgram_slot].bytes_out += (uint64_t)n;
}
