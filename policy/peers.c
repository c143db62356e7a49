/* SPDX-License-Identifier: ISC */
/*
 * only-from and no-access, applied: whether a peer may reach a service,
 * checked before anything is answered or started.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "policy.h"

static bool
cidr_match(const struct policy_cidr *c, const struct sockaddr *sa)
{
	const uint8_t *a;
	unsigned bits = c->prefix, i;

	if (sa->sa_family != c->family)
		return false;
	a = sa->sa_family == AF_INET ?
	    (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr :
	    (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (a[i] != c->addr[i])
			return false;
	return bits == 0 ||
	    ((a[i] ^ c->addr[i]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

/*
 * only-from and no-access on a peer (an IPv4 client of a dual socket as
 * the IPv4 it is): why it is refused, or NULL.
 */
const char *
policy_refuses_peer(const struct policy *p, const struct sockaddr *sa)
{
	struct sockaddr_in v4;
	uint32_t i;

	if (addr_unmap_v4(sa, &v4))
		sa = (const struct sockaddr *)&v4;
	for (i = 0; i < p->nnoaccess; i++)
		if (cidr_match(&p->no_access[i], sa))
			return "no-access";
	if (p->nonly == 0)
		return NULL;
	for (i = 0; i < p->nonly; i++)
		if (cidr_match(&p->only_from[i], sa))
			return NULL;
	return "only-from";
}
