/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: one record on the master-worker channel, as the
 * receiving side decodes it: chan_recv's framing, then for its type the
 * size check and the field checks both sides run before using a field.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "msgcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int sv[2] = { -1, -1 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct chan_msg m;
	char text[LOG_LINE_MAX];
	int bufsize = 1 << 20;

	if (sv[0] == -1) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) == -1)
			abort();
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &bufsize,
		    sizeof(bufsize));
	}
	if (size > sizeof(m) + 64)
		size = sizeof(m) + 64;	/* past the largest: one case */
	if (send(sv[0], data, size, MSG_DONTWAIT) != (ssize_t)size)
		return 0;
	if (chan_recv(sv[1], &m, MSG_DONTWAIT) <= 0)
		return 0;
	if (m.fd != -1)
		close(m.fd);
	switch (m.hdr.type) {
	case MSG_SERVICE:
		if (chan_expect(&m, MSG_SERVICE, sizeof(m.u.service)) == 0)
			(void)msg_service_check(&m.u.service);
		break;
	case MSG_SOCKETS:
		if (chan_expect(&m, MSG_SOCKETS, sizeof(m.u.sockets)) == 0) {
			(void)msg_sockets_check(&m.u.sockets, true);
			(void)msg_sockets_check(&m.u.sockets, false);
		}
		break;
	case MSG_POLICY:
		if (chan_expect(&m, MSG_POLICY, sizeof(m.u.policy)) == 0)
			(void)msg_policy_check(&m.u.policy);
		break;
	case MSG_LOG:
		if (chan_expect(&m, MSG_LOG, sizeof(m.u.log)) == 0)
			(void)msg_log_clean(&m.u.log, text, sizeof(text));
		break;
	/* A pid alone: the master checks it against its own records. */
	case MSG_VIOLATION:
		(void)chan_expect(&m, MSG_VIOLATION, sizeof(m.u.violation));
		break;
	case MSG_SPAWNED:
		(void)chan_expect(&m, MSG_SPAWNED, sizeof(m.u.spawned));
		break;
	default:
		(void)chan_expect(&m, m.hdr.type, 0);
		(void)chan_expect(&m, MSG_GUARD, sizeof(m.u.guard));
		(void)chan_expect(&m, MSG_STOP, sizeof(m.u.stop));
		(void)chan_expect(&m, MSG_DROP, sizeof(m.u.drop));
	}
	return 0;
}
