/* SPDX-License-Identifier: ISC */
/*
 * The two filters a worker loads, built the one way both its lock-down
 * and sinetd -n use, so that the check refuses exactly what start-up
 * would.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/*
 * The policy's filter and the guard, for a worker of an external service
 * (external) or an internal one, whose master is master_pid. On failure
 * neither is left allocated.
 */
int
policy_worker_filters(const struct policy *p, bool external, int master_pid,
    struct policy_filter *pf, struct policy_filter *gf, char *err,
    size_t errlen)
{
	static struct policy copy;	/* large: not on a worker's stack */

	copy = *p;
	if (external)
		policy_add_worker_needs(&copy);
#ifdef SINETD_SANITIZE
	/* See SANITIZE in the GNUmakefile; never in a normal build. */
	else if (syscall_number("sigaltstack") >= 0)
		policy_bit_set(copy.allow, syscall_number("sigaltstack"));
#endif
	memset(gf, 0, sizeof(*gf));
	if (filter_compile(&copy, pf, err, errlen) == -1)
		return -1;
	/*
	 * Landlock's signal scope keeps a child out of everything beyond its
	 * own domain; where a child has none of its own (below ABI 6 it is
	 * not scoped, under no-new-privileges no it shares the worker's), the
	 * guard keeps it off the worker.
	 */
	if (filter_compile_guard(master_pid, &copy, !external ?
	    (landlock_scoped() ? GUARD_SCOPED : GUARD_UNSCOPED) :
	    landlock_scoped() && !(p->protect & SETUID_SESSIONS) ?
	    GUARD_SCOPED : GUARD_EXTERNAL, gf, err, errlen) == -1) {
		free(pf->prog);
		memset(pf, 0, sizeof(*pf));
		return -1;
	}
	return 0;
}
