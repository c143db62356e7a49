/* SPDX-License-Identifier: ISC */
/*
 * Admission: whether a peer may be served, decided here for every kind
 * (stream, dgram, external), so that a check added beside only-from holds
 * for all of them at once. Each refusal is counted in the service's state
 * and logged at most once a minute per source and reason (peerlog.c).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include "addr.h"
#include "log.h"
#include "policy.h"
#include "svcstate.h"
#include "worker.h"

/* sinetctl disable: the master sets the flag in the shared state. */
bool
service_disabled(const struct svcstate *st)
{
	return st != NULL && __atomic_load_n(&st->disabled, __ATOMIC_RELAXED);
}

/* A refusal's line, at most once a minute per source and reason. */
void
admit_log_refused(const struct sockaddr *sa, socklen_t len, const char *why,
    bool datagram, bool unmap)
{
	struct sockaddr_in v4;
	char addr[ADDR_STR_MAX];

	if (!peerlog_due(sa, why, loop_now()))
		return;
	/* A dual-stack socket's IPv4 client, as the client knows itself. */
	if (unmap && addr_unmap_v4(sa, &v4)) {
		sa = (const struct sockaddr *)&v4;
		len = sizeof(v4);
	}
	log_warnx("%s refused peer=%s reason=%s", datagram ? "udp request" :
	    "connection", addr_str(sa, len, addr, sizeof(addr)), why);
}

/*
 * guard: the kind's own reason to refuse this source (a constant, for the
 * log's rate limit), or NULL. datagram: the log says "udp request"; unmap:
 * the socket is dual-stack, its IPv4 peers are logged as IPv4.
 */
enum admission
admit_peer(struct svcstate *st, const struct policy *pol,
    const struct sockaddr *peer, socklen_t plen, const char *guard,
    bool datagram, bool unmap)
{
	const char *why;

	if (service_disabled(st)) {
		SVC_COUNT(st, refused_disabled);
		return ADMIT_DISABLED;
	}
	if (guard != NULL) {
		SVC_COUNT(st, refused_guard);
		admit_log_refused(peer, plen, guard, datagram, unmap);
		return ADMIT_REFUSED;
	}
	if ((why = policy_refuses_peer(pol, peer)) != NULL) {
		SVC_COUNT(st, refused_access);
		admit_log_refused(peer, plen, why, datagram, unmap);
		return ADMIT_REFUSED;
	}
	return ADMIT_OK;
}
