/* SPDX-License-Identifier: ISC */
/* Socket address formatting and the checks both master and workers need. */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "util.h"

/* The host part alone: "127.0.0.1", "::1" (no brackets), or a unix path. */
const char *
addr_host_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_un *sun;

	switch (sa->sa_family) {
	case AF_INET:
		if (inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    buf, (socklen_t)len) == NULL)
			snprintf(buf, len, "?");
		break;
	case AF_INET6:
		if (inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
		    (socklen_t)len) == NULL)
			snprintf(buf, len, "?");
		break;
	case AF_UNIX:
		sun = (const struct sockaddr_un *)sa;
		snprintf(buf, len, "%.*s", (int)sizeof(sun->sun_path),
		    sun->sun_path[0] != '\0' ? sun->sun_path : "unix");
		break;
	default:
		snprintf(buf, len, "family-%d", sa->sa_family);
		break;
	}
	return buf;
}

int
addr_port(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return ntohs(((const struct sockaddr_in *)sa)->sin_port);
	case AF_INET6:
		return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	default:
		return 0;
	}
}

/* "127.0.0.1:7", "[::1]:7" or the unix path: the form every log line uses. */
const char *
addr_str(const struct sockaddr *sa, socklen_t salen, char *buf, size_t len)
{
	char host[ADDR_STR_MAX];

	if (salen < sizeof(sa->sa_family)) {
		snprintf(buf, len, "unnamed");
		return buf;
	}
	addr_host_str(sa, host, sizeof(host));
	switch (sa->sa_family) {
	case AF_INET:
		snprintf(buf, len, "%s:%d", host, addr_port(sa));
		break;
	case AF_INET6:
		snprintf(buf, len, "[%s]:%d", host, addr_port(sa));
		break;
	default:
		snprintf(buf, len, "%s", host);
		break;
	}
	return buf;
}

/*
 * A peer as the shared tables and the channel keep it (family, 16 address
 * bytes, port in host order), in addr_str's form; "" for no family.
 */
const char *
addr_packed_str(uint8_t family, const uint8_t addr[16], uint16_t port,
    char *buf, size_t len)
{
	union sockaddr_any a;

	memset(&a, 0, sizeof(a));
	buf[0] = '\0';
	if (family == AF_INET) {
		a.sin.sin_family = AF_INET;
		memcpy(&a.sin.sin_addr, addr, 4);
		a.sin.sin_port = htons(port);
		addr_str(&a.sa, sizeof(a.sin), buf, len);
	} else if (family == AF_INET6) {
		a.sin6.sin6_family = AF_INET6;
		memcpy(&a.sin6.sin6_addr, addr, 16);
		a.sin6.sin6_port = htons(port);
		addr_str(&a.sa, sizeof(a.sin6), buf, len);
	}
	return buf;
}

/*
 * A v4-mapped IPv6 source (::ffff:a.b.c.d) on a dual-stack socket is an IPv4
 * client: give back its IPv4 form so it gets the IPv4 checks and log form.
 */
bool
addr_unmap_v4(const struct sockaddr *sa, struct sockaddr_in *out)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	if (sa->sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return false;
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = sin6->sin6_port;
	memcpy(&out->sin_addr, &sin6->sin6_addr.s6_addr[12], 4);
	return true;
}

/*
 * A peer packed as the shared tables and the channel keep it (16 address
 * bytes, zeros after an IPv4 one), an IPv4 client of a dual socket as the
 * IPv4 it is, so it is one source whichever socket it came by. Returns
 * the family: 0 for one neither IPv4 nor IPv6, with no address.
 */
uint8_t
addr_pack(const struct sockaddr *sa, uint8_t addr[16])
{
	struct sockaddr_in v4;

	memset(addr, 0, 16);
	/* Read as the sockaddr_in it is: a cast to sockaddr would alias. */
	if (addr_unmap_v4(sa, &v4)) {
		memcpy(addr, &v4.sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return AF_INET6;
	}
	return 0;
}

/* The hash every per-source table finds a packed peer by. */
uint32_t
addr_pack_hash(uint8_t family, const uint8_t addr[16])
{
	return fnv1a(fnv1a(FNV1A_INIT, &family, 1), addr, 16);
}
