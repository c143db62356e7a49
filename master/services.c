/* SPDX-License-Identifier: ISC */
/*
 * The services the master runs, from their line to the end of the last
 * worker that served them: the one owner of a service's lifetime. Each
 * service joins the pool of its sandbox identity (pool.c); one a reload
 * moves or removes leaves its pool, and its record goes at once if the
 * pool serves others, or is kept, retired with the pool, until the
 * pool's last worker is gone (its children and counters are still
 * attributed to it).
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "msg.h"
#include "policy.h"
#include "svcstate.h"
#include "util.h"

static struct msvc **svcs;	/* ours */
static size_t nsvcs;
static struct msvc **retired;	/* ours, each with its retired pool */
static size_t nretired;

/*
 * A service for the line svc (which it now owns), its policy from set;
 * on policy errors it is failed, its errors added.
 */
struct msvc *
msvc_new(struct service *svc, struct policy_set *set, struct errors *err)
{
	static uint64_t last_id;
	struct msvc *ms = xcalloc(1, sizeof(*ms));

	ms->id = ++last_id;
	ms->svc = svc;
	ms->fd = -1;
	ms->shared_fd = -1;
	ms->reader = -1;
	ms->pset = set;
	policies_hold(set);
	if ((ms->policy = policies_get(set, svc, err)) == NULL) {
		ms->status = MSVC_FAILED;
		ms->why = xstrdup("its policy has errors");
	} else if (svc->builtin != BUILTIN_NONE && geteuid() == 0 &&
	    policies_empty_dir()[0] == '\0') {
		/* Fail closed: never an internal service outside its chroot. */
		ms->status = MSVC_FAILED;
		ms->why = xstrdup("no empty chroot for the internal services "
		    "(see the log)");
	}
	return ms;
}

#define BIND_RETRY_FIRST_MS	1000	/* then twice that each time, */
#define BIND_RETRY_MAX_MS	60000	/* up to a minute */

/*
 * Binds it and gives it its state; a failure is logged and kept, and a
 * failed bind is tried again with a back-off (services_tick): the address
 * may come up later (a boot's late interface), or the port be let go (a
 * wait server from before a restart still holding it).
 */
int
msvc_listen(struct msvc *ms)
{
	const char *what = "";

	if (ms->status == MSVC_FAILED)
		return -1;
	if ((ms->fd = listen_open(ms->svc, opts.backlog, &what)) == -1) {
		ms->status = MSVC_FAILED;
		free(ms->why);
		xasprintf(&ms->why, "%s: %s", what, strerror(errno));
		ms->bind_backoff_ms = ms->bind_backoff_ms == 0 ?
		    BIND_RETRY_FIRST_MS : ms->bind_backoff_ms * 2 >
		    BIND_RETRY_MAX_MS ? BIND_RETRY_MAX_MS :
		    ms->bind_backoff_ms * 2;
		ms->bind_retry_at = now_ms() + ms->bind_backoff_ms;
		ms->bind_attempts++;
		if (ms->bind_attempts == 1)
			log_err("cannot listen %s step=%s retry_in=%llums",
			    ms->svc->fields, what,
			    (unsigned long long)ms->bind_backoff_ms);
		return -1;
	}
	if (pool_shared_open(ms) == -1) {
		ms->status = MSVC_FAILED;
		free(ms->why);
		xasprintf(&ms->why, "service state: %s", strerror(errno));
		log_err("cannot create the service state %s", ms->svc->fields);
		listen_close(ms);
		return -1;
	}
	ms->status = MSVC_LISTENING;
	if (ms->bind_attempts > 0)
		log_info("listening after %u failed attempts %s",
		    ms->bind_attempts, ms->svc->fields);
	ms->bind_backoff_ms = 0;
	ms->bind_attempts = 0;
	return 0;
}

/*
 * The listening services of list, each into the pool of its identity:
 * pools of a new generation, started once every one has joined.
 */
uint64_t
services_place(struct msvc **list, size_t n)
{
	uint64_t generation = pool_generation();
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i]->status == MSVC_LISTENING && list[i]->pool == NULL)
			pool_join(list[i], generation);
	pool_start_generation(generation);
	return generation;
}

/* A failed bind whose time has come: once more; its pool if it works. */
static uint64_t
bind_retry(struct msvc *ms, uint64_t now)
{
	if (ms->bind_backoff_ms == 0)
		return UINT64_MAX;
	if (now < ms->bind_retry_at)
		return ms->bind_retry_at;
	ms->status = MSVC_LISTENING;	/* msvc_listen tries only those */
	if (msvc_listen(ms) == -1)
		return ms->bind_retry_at;
	services_place(&ms, 1);
	services_guard_ports();
	return UINT64_MAX;
}

/*
 * It can take a connection: its pool is cold (the first starts it), or
 * every worker started has said it is ready.
 */
bool
msvc_serving(const struct msvc *ms)
{
	const struct pool *p = ms->pool;
	unsigned i;

	if (ms->status != MSVC_LISTENING || p == NULL || !p->started ||
	    p->failed || p->nworkers == 0)
		return false;
	for (i = 0; i < p->nspawned; i++)
		if (!p->workers[i].ready)
			return false;
	return true;
}

/* The workers that serve it, its pool's: none before it has one. */
const struct mworker *
msvc_workers(const struct msvc *ms, unsigned *n)
{
	if (ms->pool != NULL && ms->reader >= 0 &&
	    (unsigned)ms->reader < ms->pool->nworkers) {
		*n = 1;
		return &ms->pool->workers[ms->reader];
	}
	*n = ms->pool != NULL ? ms->pool->nworkers : 0;
	return ms->pool != NULL ? ms->pool->workers : NULL;
}

void
msvc_free(struct msvc *ms)
{
	if (ms == NULL)
		return;
	pool_remove(ms, false);
	if (ms->fd != -1)
		listen_close(ms);
	pool_shared_close(ms);
	pool_release(ms->pool, ms);
	service_free(ms->svc);
	policies_release(ms->pset);
	free(ms->why);
	free(ms);
}

struct msvc **
services_all(size_t *n)
{
	*n = nsvcs;
	return svcs;
}

/* The new list of running services; the old array goes, not its entries. */
void
services_set(struct msvc **list, size_t n)
{
	free(svcs);
	svcs = list;
	nsvcs = n;
}

static void
retire(struct msvc *ms, uint64_t drain_ms)
{
	pool_retire(ms->pool, drain_ms);
	retired = xreallocarray(retired, nretired + 1, sizeof(*retired));
	retired[nretired++] = ms;
}

/*
 * A reload moved or removed it: its workers stop accepting on its socket
 * and serve the sessions they hold until they end or their idle timeout
 * closes them, with no deadline (a reload closes no session; the drain
 * time bounds a stop). Its record goes now if its pool serves others;
 * else the pool retires with it. A storm of reloads cannot pile pools
 * up: past RETIRED_GENERATIONS of one service, the oldest drains as on
 * a stop.
 */
void
services_retire_reload(struct msvc *ms)
{
	struct msvc *oldest = NULL;
	size_t i, same = 0;

	if (ms->pool == NULL || ms->pool->nlive > 1) {
		pool_remove(ms, true);
		msvc_free(ms);
		return;
	}
	pool_remove(ms, false);
	retire(ms, MSG_STOP_NO_DEADLINE);
	for (i = 0; i < nretired; i++) {
		if (retired[i]->id != ms->id ||
		    retired[i]->pool->retire_by != UINT64_MAX)
			continue;
		same++;
		if (oldest == NULL)
			oldest = retired[i];	/* in the order they retired */
	}
	if (same <= RETIRED_GENERATIONS || oldest == NULL)
		return;
	log_warnx("reload: more than %d old pools of one service serve on, "
	    "draining the oldest %s drain=%llums", RETIRED_GENERATIONS,
	    oldest->svc->fields, (unsigned long long)opts.drain_ms);
	pool_retire(oldest->pool, opts.drain_ms);
}

/*
 * The internal UDP services' ports, which none of them answers: after a
 * reload the running internal pools learn the new set.
 */
void
services_guard_ports(void)
{
	struct pool **all;
	size_t i, n;

	tell_clear_guard_ports();
	for (i = 0; i < nsvcs; i++)
		if (svcs[i]->status == MSVC_LISTENING &&
		    svcs[i]->svc->builtin != BUILTIN_NONE &&
		    svcs[i]->svc->socktype == SOCK_DGRAM)
			tell_set_guard_port(addr_port(&svcs[i]->svc->addr.sa));
	all = pools_all(&n);
	for (i = 0; i < n; i++)
		if (all[i]->internal && !all[i]->retired &&
		    pool_running(all[i]))
			tell_guard(all[i]);
}

/*
 * Due bind retries (none while stopping); the retired services whose
 * pool is done, freed; then the pools' own timers. Returns when next.
 */
uint64_t
services_tick(uint64_t now, bool stopping)
{
	uint64_t next = UINT64_MAX, t;
	size_t i;

	for (i = 0; i < nsvcs && !stopping; i++)
		if ((t = bind_retry(svcs[i], now)) < next)
			next = t;
	for (i = 0; i < nretired;) {
		if (!pool_running(retired[i]->pool)) {
			msvc_free(retired[i]);
			retired[i] = retired[--nretired];
			continue;
		}
		i++;
	}
	if ((t = pools_tick(now, stopping)) < next)
		next = t;
	return next;
}

bool
services_running(void)
{
	return pools_running() || nretired > 0;
}

/* Stop: every socket closed (new connections refused), every pool retired. */
void
services_stop(uint64_t drain_ms)
{
	size_t i;

	for (i = 0; i < nsvcs; i++) {
		listen_close(svcs[i]);
		if (svcs[i]->pool == NULL) {
			msvc_free(svcs[i]);
			continue;
		}
		retire(svcs[i], drain_ms);
	}
	/* A reload's old pools, serving without a deadline: one now. */
	pools_stop(drain_ms);
	services_set(NULL, 0);
}

/*
 * A service by its id: the running one, else a retired one (a reload
 * gives the new record of a service the id of the old).
 */
struct msvc *
services_find(uint64_t id)
{
	size_t i;

	for (i = 0; i < nsvcs; i++)
		if (svcs[i]->id == id)
			return svcs[i];
	for (i = 0; i < nretired; i++)
		if (retired[i]->id == id)
			return retired[i];
	return NULL;
}

/*
 * A child server whose worker died ended, handed to us as its subreaper:
 * attributed by our own record of it (children.c), and its slot freed in
 * whichever record of its service holds it. False: not one we recorded.
 */
bool
services_adopted_exit(pid_t pid, int status)
{
	struct child_rec r;
	struct msvc *ms, *o;
	size_t i;

	if (!children_ended(pid, &r) || (ms = services_find(r.svc)) == NULL)
		return false;
	for (i = 0; i < nsvcs + nretired; i++) {
		o = i < nsvcs ? svcs[i] : retired[i - nsvcs];
		if (o->id == r.svc &&
		    svcstate_free_adopted(o->shared, o->nslots, pid))
			break;
	}
	pool_adopted_exit(ms, &r, status);
	return true;
}

void
services_free(void)
{
	size_t i;

	for (i = 0; i < nsvcs; i++)
		msvc_free(svcs[i]);
	for (i = 0; i < nretired; i++)
		msvc_free(retired[i]);
	free(svcs);
	free(retired);
	svcs = retired = NULL;
	nsvcs = nretired = 0;
	pools_free();
}
