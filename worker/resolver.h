/* SPDX-License-Identifier: ISC */
/* The lookup process a worker asks for host names (resolver.c). */
#ifndef SINETD_RESOLVER_H
#define SINETD_RESOLVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hostsaccess.h"

struct resolver_ask {
	uint32_t	id;
	uint32_t	family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];
};

/* name: the verified name, "unknown" or "paranoid". */
struct resolver_answer {
	uint32_t	id;
	uint32_t	family;
	uint8_t		addr[16];
	char		name[HOSTS_NAME_MAX];
};

int	 resolver_start(bool, pid_t *);

#endif
