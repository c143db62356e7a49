/* SPDX-License-Identifier: ISC */
/*
 * Capabilities: a worker keeps exactly those its policy names, in the
 * effective, permitted and inheritable sets, and loses every other one
 * from the bounding set too, so no root program it executes gets one back.
 * A non-root worker hands its capabilities to its children through the
 * ambient set, the only way they survive an exec.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "policy.h"

/* "setuid" or "cap_setuid": the number, or -1. */
int
caps_from_name(const char *name)
{
	char buf[64];
	cap_value_t v;

	if (strncmp(name, "cap_", 4) == 0)
		snprintf(buf, sizeof(buf), "%s", name);
	else
		snprintf(buf, sizeof(buf), "cap_%s", name);
	if (cap_from_name(buf, &v) == -1 || v < 0 || v > 63 ||
	    !CAP_IS_SUPPORTED(v))
		return -1;
	return v;
}

/* setresuid away from 0 would clear the permitted set without this. */
int
caps_keep_before_setuid(void)
{
	return prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
}

static int
fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
}

/*
 * After the ids have changed. privileged: we could change ids (we are
 * root), so the bounding set can and must shrink; ambient: the worker is
 * not root and its children need the ambient set.
 */
int
caps_apply(uint64_t keep, bool privileged, bool ambient, uint64_t *missing,
    char *err, size_t errlen)
{
	cap_value_t setpcap = CAP_SETPCAP, v;
	cap_flag_value_t have;
	cap_t c;
	int last = (int)cap_max_bits() - 1, i;

	/*
	 * What we do not hold (a container's root may lack some) cannot be
	 * kept: the service runs without it, less privileged, never more.
	 */
	*missing = 0;
	if ((c = cap_get_proc()) == NULL)
		return fail(err, errlen, "cap_get_proc");
	for (i = 0; i <= last && i < 64; i++) {
		v = i;
		if ((keep & (1ULL << i)) && (cap_get_flag(c, v, CAP_PERMITTED,
		    &have) == -1 || have != CAP_SET)) {
			keep &= ~(1ULL << i);
			*missing |= 1ULL << i;
		}
	}
	cap_free(c);
	if (privileged) {
		/* Dropping from the bounding set needs CAP_SETPCAP. */
		if ((c = cap_get_proc()) == NULL ||
		    cap_set_flag(c, CAP_EFFECTIVE, 1, &setpcap, CAP_SET) == -1 ||
		    cap_set_proc(c) == -1) {
			if (c)
				cap_free(c);
			return fail(err, errlen, "raising CAP_SETPCAP");
		}
		cap_free(c);
		for (i = 0; i <= last; i++)
			if (!(keep & (1ULL << i)) &&
			    prctl(PR_CAPBSET_DROP, i, 0, 0, 0) == -1)
				return fail(err, errlen, "PR_CAPBSET_DROP");
	}
	if ((c = cap_init()) == NULL)
		return fail(err, errlen, "cap_init");
	for (i = 0; i <= last; i++) {
		if (!(keep & (1ULL << i)))
			continue;
		v = i;
		if (cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) == -1 ||
		    cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) == -1 ||
		    cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) == -1) {
			cap_free(c);
			return fail(err, errlen, "cap_set_flag");
		}
	}
	if (cap_set_proc(c) == -1) {
		cap_free(c);
		return fail(err, errlen, "setting the capability sets (a "
		    "capability the policy names is not held)");
	}
	cap_free(c);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		return fail(err, errlen, "clearing the ambient set");
	for (i = 0; ambient && i <= last; i++)
		if ((keep & (1ULL << i)) && prctl(PR_CAP_AMBIENT,
		    PR_CAP_AMBIENT_RAISE, i, 0, 0) == -1)
			return fail(err, errlen, "raising an ambient capability");
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		return fail(err, errlen, "PR_SET_KEEPCAPS");

	/* Trust, then verify: the bounding set holds nothing else. */
	for (i = 0; privileged && i <= last; i++)
		if (!(keep & (1ULL << i)) &&
		    prctl(PR_CAPBSET_READ, i, 0, 0, 0) != 0) {
			errno = EPERM;
			return fail(err, errlen, "the bounding set kept a "
			    "capability");
		}
	return 0;
}

const char *
caps_name(int cap)
{
	static char buf[64];
	char *name = cap_to_name(cap);

	snprintf(buf, sizeof(buf), "%s", name ? name : "?");
	cap_free(name);
	return buf;
}
