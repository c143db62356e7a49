/* SPDX-License-Identifier: ISC */
/*
 * What the names on an inetd.conf line stand for in the system's
 * databases: users and groups (passwd, group) and services
 * (/etc/services). Host names are resolve.c's.
 */
#ifndef SINETD_LOOKUP_H
#define SINETD_LOOKUP_H

#include <sys/types.h>

#include <stdbool.h>

void	 lookup_cache_begin(void);
void	 lookup_cache_end(void);
int	 lookup_user(const char *, uid_t *, gid_t *, bool *);
bool	 lookup_is_user(const char *);
int	 lookup_group(const char *, gid_t *);
const char *lookup_service(const char *, const char *, int *);

#endif
