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
	uint8_t		key[17];	/* family, then the address */
	const char	*reason;
	uint64_t	last;
};

static struct peerlog_slot slots[PEERLOG_SLOTS];

static size_t
peer_key(const struct sockaddr *sa, uint8_t key[17])
{
	memset(key, 0, 17);
	key[0] = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 5;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(key + 1, &((const struct sockaddr_in6 *)sa)->sin6_addr,
		    16);
		return 17;
	}
	return 1;
}

/* True when a line about this source and reason (a constant) may go now. */
int
peerlog_due(const struct sockaddr *sa, const char *reason, uint64_t now)
{
	uint8_t key[17];
	uint32_t h = 2166136261u;
	size_t len = peer_key(sa, key), i;
	struct peerlog_slot *s;

	for (i = 0; i < len; i++)
		h = (h ^ key[i]) * 16777619u;
	for (i = 0; reason[i] != '\0'; i++)
		h = (h ^ (uint8_t)reason[i]) * 16777619u;
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
