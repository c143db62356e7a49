/* SPDX-License-Identifier: ISC */
/*
 * Rate-limits log lines about refused peers: at most one a minute for each
 * source address and reason, in a fixed table, so a flood of spoofed
 * sources costs a bounded amount of memory and log.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "util.h"
#include "worker.h"

#define PEERLOG_SLOTS		256
#define PEERLOG_INTERVAL_MS	60000

struct peerlog_slot {
	uint8_t		key[17];	/* family, then addr_pack's bytes */
	const char	*reason;
	uint64_t	last;
};

static struct peerlog_slot slots[PEERLOG_SLOTS];

/* True when a line about this source and reason (a constant) may go now. */
int
peerlog_due(const struct sockaddr *sa, const char *reason, uint64_t now)
{
	uint8_t key[17];
	uint32_t h;
	struct peerlog_slot *s;

	key[0] = addr_pack(sa, key + 1);
	h = fnv1a(addr_pack_hash(key[0], key + 1), reason, strlen(reason));
	s = &slots[h % PEERLOG_SLOTS];
	if (s->last != 0 && s->reason == reason &&
	    memcmp(s->key, key, sizeof(key)) == 0 &&
	    now - s->last < PEERLOG_INTERVAL_MS)
		return 0;
	memcpy(s->key, key, sizeof(key));
	s->reason = reason;
	s->last = now ? now : 1;
	return 1;
}
