/* SPDX-License-Identifier: ISC */
/*
 * Host names resolved with bounds on the time they take: each name's, and
 * a whole load's (every name of its files together).
 */
#ifndef SINETD_RESOLVE_H
#define SINETD_RESOLVE_H

#include <stddef.h>

struct addrinfo;

#define RESOLVE_MS		2000	/* per name: sinetd.conf(5) says so */
#define RESOLVE_BUDGET_MS	6000	/* per load, every name together */
#define RESOLVE_TIMEOUT		(-1000)	/* not a getaddrinfo error */

int	 resolve_bounded(const char *, const struct addrinfo *,
	    struct addrinfo **, unsigned);

/*
 * How a host of an address list becomes addresses: the name to look up,
 * the host as written (for the reason), the hints, the answer, the
 * milliseconds of the load's budget spent so far (added to), and the
 * reason on failure. 0, or -1 with the reason. resolve_host is the
 * system's resolver; a caller may bring its own (the grammar's fuzzer
 * answers address literals only, and never waits for a name server).
 */
typedef int resolve_fn(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **, unsigned *, char *, size_t);
int	 resolve_host(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **, unsigned *, char *, size_t);

#endif
