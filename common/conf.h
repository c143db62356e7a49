/* SPDX-License-Identifier: ISC */
/* The inetd.conf parser: classic OpenBSD, FreeBSD and Debian syntax. */
#ifndef SINETD_CONF_H
#define SINETD_CONF_H

#include <stdio.h>

#include "errors.h"
#include "resolve.h"
#include "service.h"

struct conf {
	struct service	**svc;
	size_t		  nsvc;
	struct errors	  err;		/* "file:line: field: reason" */
	unsigned	  resolve_spent_ms;	/* of RESOLVE_BUDGET_MS */
	resolve_fn	 *resolve;		/* NULL: resolve_host */
	/* svc[] by identity, for the load's duplicate check (conf_entry.c):
	 * an index + 1 per slot, 0 free; svc[0..by_identity_n) are in it. */
	uint32_t	 *by_identity;
	size_t		  by_identity_cap;	/* a power of two, or 0 */
	size_t		  by_identity_n;
};

int	conf_load(const char *, struct conf *);
int	conf_parse(FILE *, const char *, struct conf *);
void	conf_free(struct conf *);
void	conf_forget_identities(struct conf *);

#endif
