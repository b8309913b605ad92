/*
 * Datagrams in batches.  A worker woken for a UDP listener takes what is
 * queued with recvmmsg(2), up to UDP_BATCH datagrams a call and its
 * budget a wakeup; dgram.c judges and answers each datagram on its own
 * (allow list, the UDP guard and its rate limit per source, counters),
 * and the replies leave with one sendmmsg(2), each to its own source.
 * Three system calls per datagram (epoll_wait, recvfrom, sendto) become
 * about two per batch, and a burst costs one wakeup instead of one each.
 *
 * Memory: the receive slots are page-aligned, 64 KiB apiece so any
 * datagram fits, and a small datagram touches one page of its slot;
 * replies are packed one after the other into one arena, which is sent
 * whenever the next reply might not fit, so small replies share pages.
 * A worker that never serves UDP never touches any of it.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dgram.h"
#include "listener.h"
#include "log.h"
#include "udp_batch.h"

#define UDP_BATCH	16		/* datagrams per recvmmsg */
#define UDP_ROOM	65536		/* a slot; above any UDP payload */
#define ARENA		(2 * UDP_ROOM)	/* replies waiting for sendmmsg */

static char in_slot[UDP_BATCH][UDP_ROOM] __attribute__((aligned(4096)));
static char arena[ARENA] __attribute__((aligned(4096)));

/*
 * Send n replies.  sendmmsg stops at the first that fails and returns how
 * many went, or -1 if the first one failed: that one is counted as an
 * error (as a failed sendto was) and the rest go on.
 */
static void
udp_batch_send(const struct listener *l, struct mmsghdr *msgs, int n)
{
	int i = 0, k, sent;

	while (i < n) {
		sent = sendmmsg(l->fd, msgs + i, (unsigned int)(n - i),
		    MSG_DONTWAIT);
		if (sent == -1) {
			if (errno == EINTR)
				continue;
			dgram_sent(l, -1);
			i++;
			continue;
		}
		for (k = i; k < i + sent; k++)
			dgram_sent(l, (ssize_t)msgs[k].msg_len);
		i += sent;
	}
}

int
udp_batch_serve(const struct listener *l, int budget)
{
	struct sockaddr_storage peers[UDP_BATCH];
	struct mmsghdr in[UDP_BATCH], out[UDP_BATCH];
	struct iovec iin[UDP_BATCH], iout[UDP_BATCH];
	int taken = 0, want, got, i, nout;
	size_t used;
	ssize_t len;

	while (taken < budget) {
		want = budget - taken < UDP_BATCH ? budget - taken : UDP_BATCH;
		memset(in, 0, sizeof(in[0]) * (size_t)want);
		for (i = 0; i < want; i++) {
			iin[i].iov_base = in_slot[i];
			iin[i].iov_len = UDP_ROOM;
			in[i].msg_hdr.msg_name = &peers[i];
			in[i].msg_hdr.msg_namelen = sizeof(peers[i]);
			in[i].msg_hdr.msg_iov = &iin[i];
			in[i].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(l->fd, in, (unsigned int)want, MSG_DONTWAIT,
		    NULL);
		if (got == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("%s: recvmmsg", l->addr.text);
			break;
		}
		taken += got;
		used = 0;
		nout = 0;
		for (i = 0; i < got; i++) {
			if (ARENA - used < UDP_ROOM) {
				udp_batch_send(l, out, nout);
				used = 0;
				nout = 0;
			}
			len = dgram_answer(l, in_slot[i], in[i].msg_len, &peers[i],
			    arena + used, UDP_ROOM);
			if (len < 0)
				continue;
			iout[nout].iov_base = arena + used;
			iout[nout].iov_len = (size_t)len;
			memset(&out[nout], 0, sizeof(out[nout]));
			out[nout].msg_hdr.msg_name = &peers[i];
			out[nout].msg_hdr.msg_namelen = in[i].msg_hdr.msg_namelen;
			out[nout].msg_hdr.msg_iov = &iout[nout];
			out[nout].msg_hdr.msg_iovlen = 1;
			used += (size_t)len;
			nout++;
		}
		udp_batch_send(l, out, nout);
		if (got < want)
			break;		/* the queue was empty */
	}
	return taken;
}
