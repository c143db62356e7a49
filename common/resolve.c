/* SPDX-License-Identifier: ISC */
/*
 * Host names resolved with a bound: a resolver that does not answer would
 * otherwise hold the master's loop (start-up, every reload, status and
 * signals with it) for as long as its own timeouts and retries last. The
 * lookup runs in a thread of its own; past the bound the caller is told
 * "no answer" and goes on, and the thread, left to finish on its own,
 * frees what it got.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "resolve.h"
#include "util.h"

struct lookup {
	pthread_mutex_t	 lock;
	pthread_cond_t	 done_cv;
	bool		 done;
	bool		 abandoned;	/* the caller gave up: ours to free */
	char		*name;
	struct addrinfo	 hints;
	struct addrinfo	*res;
	int		 err, saved_errno;
};

static void
lookup_free(struct lookup *l)
{
	if (l->res != NULL)
		freeaddrinfo(l->res);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->done_cv);
	free(l->name);
	free(l);
}

static void *
lookup_run(void *arg)
{
	struct lookup *l = arg;
	bool abandoned;

	l->err = getaddrinfo(l->name, NULL, &l->hints, &l->res);
	l->saved_errno = errno;
	pthread_mutex_lock(&l->lock);
	l->done = true;
	abandoned = l->abandoned;
	pthread_cond_signal(&l->done_cv);
	pthread_mutex_unlock(&l->lock);
	if (abandoned)
		lookup_free(l);
	return NULL;
}

/*
 * getaddrinfo(name, NULL, hints, res), waiting at most ms: RESOLVE_TIMEOUT
 * when no answer came in time, else what getaddrinfo returned (errno kept
 * for EAI_SYSTEM). A numeric host never starts a thread.
 */
int
resolve_bounded(const char *name, const struct addrinfo *hints,
    struct addrinfo **res, unsigned ms)
{
	struct addrinfo numeric = *hints;
	struct timespec until;
	struct lookup *l;
	pthread_attr_t attr;
	pthread_t t;
	int err;

	if (hints->ai_flags & AI_NUMERICHOST)
		return getaddrinfo(name, NULL, hints, res);
	numeric.ai_flags |= AI_NUMERICHOST;
	if (getaddrinfo(name, NULL, &numeric, res) == 0)
		return 0;
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->name = strdup(name)) == NULL) {
		free(l);
		return getaddrinfo(name, NULL, hints, res);
	}
	l->hints = *hints;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->done_cv, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, lookup_run, l) != 0) {
		pthread_attr_destroy(&attr);
		lookup_free(l);
		return getaddrinfo(name, NULL, hints, res);
	}
	pthread_attr_destroy(&attr);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&l->lock);
	while (!l->done)
		if (pthread_cond_timedwait(&l->done_cv, &l->lock, &until) ==
		    ETIMEDOUT)
			break;
	if (!l->done) {
		l->abandoned = true;
		pthread_mutex_unlock(&l->lock);
		return RESOLVE_TIMEOUT;
	}
	pthread_mutex_unlock(&l->lock);
	err = l->err;
	*res = l->res;
	l->res = NULL;
	errno = l->saved_errno;
	lookup_free(l);
	return err;
}

#define RESOLVE_SPENT	(-1001)

/*
 * One lookup, within what is left of the load's budget: a resolver that
 * never answers costs a reload RESOLVE_BUDGET_MS however many names the
 * files hold, not RESOLVE_MS for each of them.
 */
static int
lookup_within(const char *name, const struct addrinfo *hints,
    struct addrinfo **res, unsigned *spent_ms, bool *cut_short)
{
	unsigned left = *spent_ms < RESOLVE_BUDGET_MS ?
	    RESOLVE_BUDGET_MS - *spent_ms : 0;
	unsigned bound = left < RESOLVE_MS ? left : RESOLVE_MS;
	struct addrinfo numeric = *hints;
	uint64_t t0, spent;
	int err;

	/* An address, not a name: no lookup, nothing spent. */
	*cut_short = false;
	numeric.ai_flags |= AI_NUMERICHOST;
	if ((err = getaddrinfo(name, NULL, &numeric, res)) == 0 ||
	    (hints->ai_flags & AI_NUMERICHOST))
		return err;
	*cut_short = bound < RESOLVE_MS;
	if (bound == 0)
		return RESOLVE_SPENT;
	t0 = now_ms();
	err = resolve_bounded(name, hints, res, bound);
	spent = now_ms() - t0;
	/* A timeout costs its bound, not the scheduler's lateness too. */
	if (err == RESOLVE_TIMEOUT || spent > bound)
		spent = bound;
	*spent_ms += (unsigned)spent;
	return err;
}

int
resolve_host(const char *name, const char *shown,
    const struct addrinfo *hints, struct addrinfo **res, unsigned *spent_ms,
    char *why, size_t len)
{
	struct addrinfo probe = *hints, *ai;
	bool cut_short;
	int err;

	if ((err = lookup_within(name, hints, res, spent_ms,
	    &cut_short)) == 0)
		return 0;
	if (err == RESOLVE_SPENT) {
		snprintf(why, len, "cannot resolve \"%s\": not looked up, "
		    "this load's %u s for name lookups are spent", shown,
		    RESOLVE_BUDGET_MS / 1000);
		return -1;
	}
	if (err == RESOLVE_TIMEOUT) {
		snprintf(why, len, "cannot resolve \"%s\": no answer within "
		    "%s%u s", shown,
		    cut_short ? "what was left of this load's " : "",
		    (cut_short ? RESOLVE_BUDGET_MS : RESOLVE_MS) / 1000);
		return -1;
	}
	/* Say "wrong family" rather than "unknown host" when we can. */
	probe.ai_family = AF_UNSPEC;
	if (lookup_within(name, &probe, &ai, spent_ms, &cut_short) == 0) {
		freeaddrinfo(ai);
		snprintf(why, len, "\"%s\" has no %s address, as %s needs",
		    shown, hints->ai_family == AF_INET ? "IPv4" : "IPv6",
		    hints->ai_family == AF_INET ? "an IPv4-only protocol" :
		    "an IPv6 protocol");
	} else
		snprintf(why, len, "cannot resolve \"%s\": %s", shown,
		    err == EAI_SYSTEM ? strerror(errno) : gai_strerror(err));
	return -1;
}
