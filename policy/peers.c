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
cidr_match(const struct policy_cidr *c, uint8_t family, const uint8_t a[16])
{
	unsigned bits = c->prefix, i;

	if (family != c->family)
		return false;
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
	uint8_t a[16], family = addr_pack(sa, a);
	uint32_t i;

	for (i = 0; i < p->nnoaccess; i++)
		if (cidr_match(&p->no_access[i], family, a))
			return "no-access";
	if (p->nonly == 0)
		return NULL;
	for (i = 0; i < p->nonly; i++)
		if (cidr_match(&p->only_from[i], family, a))
			return NULL;
	return "only-from";
}
