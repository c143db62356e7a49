/* SPDX-License-Identifier: ISC */
/*
 * The UDP loop and reflection guard: no answer to a source that could be
 * another server (a reserved port, NFS, an internal UDP service) or that is
 * not one host (broadcast, multicast, 0/8, 255/8), since a spoofed datagram
 * could otherwise set two servers talking forever or make us an amplifier.
 * Loopback is an ordinary source.
 */
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>

#include <ifaddrs.h>
#include <string.h>

#include "addr.h"
#include "log.h"
#include "worker.h"

#define NFS_PORT	2049
#define BROADCASTS_MAX	64

static uint8_t guard_ports[GUARD_PORTS_BYTES];
static struct in_addr broadcasts[BROADCASTS_MAX];
static size_t nbroadcasts;

void
guard_set_ports(const uint8_t ports[GUARD_PORTS_BYTES])
{
	memcpy(guard_ports, ports, sizeof(guard_ports));
}

void
guard_add_broadcast(struct in_addr a)
{
	if (nbroadcasts < BROADCASTS_MAX)
		broadcasts[nbroadcasts++] = a;
}

/* The directed broadcast addresses of this host, read before lock-down. */
void
guard_read_broadcasts(void)
{
	struct ifaddrs *ifs, *ifa;

	if (getifaddrs(&ifs) == -1) {
		log_warn("getifaddrs: broadcast sources are refused by the "
		    "kernel's check alone");
		return;
	}
	for (ifa = ifs; ifa != NULL; ifa = ifa->ifa_next) {
		if (!(ifa->ifa_flags & IFF_BROADCAST) ||
		    ifa->ifa_broadaddr == NULL ||
		    ifa->ifa_broadaddr->sa_family != AF_INET)
			continue;
		guard_add_broadcast(
		    ((struct sockaddr_in *)ifa->ifa_broadaddr)->sin_addr);
	}
	freeifaddrs(ifs);
}

static const char *
guard_v4(const struct sockaddr_in *sin)
{
	uint32_t a = ntohl(sin->sin_addr.s_addr);
	size_t i;

	if (a == INADDR_BROADCAST)
		return "broadcast";
	if ((a >> 24) == 0)
		return "zero-network";
	if ((a >> 24) == 255)
		return "reserved-network";
	if (IN_MULTICAST(a))
		return "multicast";
	for (i = 0; i < nbroadcasts; i++)
		if (sin->sin_addr.s_addr == broadcasts[i].s_addr)
			return "broadcast";
	return NULL;
}

/*
 * Why a datagram from this source gets no answer, or NULL. dual: the
 * socket is dual-stack, so a v4-mapped source is a real IPv4 client.
 */
const char *
guard_check(const struct sockaddr *sa, bool dual)
{
	const struct in6_addr *a6;
	struct sockaddr_in v4;
	const char *why;
	int port;

	if (sa->sa_family == AF_INET6) {
		a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a6)) {
			if (!dual)
				return "v4-mapped";
			addr_unmap_v4(sa, &v4);
			sa = (const struct sockaddr *)&v4;
		} else if (IN6_IS_ADDR_V4COMPAT(a6))
			return "v4-compatible";
		else if (IN6_IS_ADDR_MULTICAST(a6))
			return "multicast";
		else if (IN6_IS_ADDR_UNSPECIFIED(a6))
			return "unspecified";
	}
	if (sa->sa_family == AF_INET &&
	    (why = guard_v4((const struct sockaddr_in *)sa)) != NULL)
		return why;
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return "not-inet";
	port = addr_port(sa);
	if (port < 1024)
		return "reserved-port";
	if (port == NFS_PORT)
		return "nfs-port";
	if (guard_ports[port / 8] & (1 << (port % 8)))
		return "internal-service-port";
	return NULL;
}
