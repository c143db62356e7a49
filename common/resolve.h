/* SPDX-License-Identifier: ISC */
/* Host names resolved with a bound on the time it takes. */
#ifndef SINETD_RESOLVE_H
#define SINETD_RESOLVE_H

struct addrinfo;

#define RESOLVE_MS		2000	/* per name: sinetd.conf(5) says so */
#define RESOLVE_BUDGET_MS	6000	/* per load, every name together */
#define RESOLVE_TIMEOUT		(-1000)	/* not a getaddrinfo error */

int	 resolve_bounded(const char *, const struct addrinfo *,
	    struct addrinfo **, unsigned);

#endif
