/* SPDX-License-Identifier: ISC */
/*
 * The services the master runs now, and the pools it is retiring (after a
 * reload, or a stop): each retired pool drains, and what is left of it at
 * its deadline is killed, then it is freed.
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

#define STOP_GRACE_MS	1000	/* after the drain's TERM, before KILL */

static struct msvc **svcs;
static size_t nsvcs;
static struct msvc **retired;
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
	ms->state_fd = -1;
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
	if (pool_state_open(ms) == -1) {
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
	services_guard_ports();
	pool_start(ms);
	return UINT64_MAX;
}

/* Every worker of its pool has said it is ready. */
bool
msvc_serving(const struct msvc *ms)
{
	unsigned i;

	if (ms->status != MSVC_LISTENING || ms->nworkers == 0)
		return false;
	for (i = 0; i < ms->nworkers; i++)
		if (!ms->workers[i].ready)
			return false;
	return true;
}

void
msvc_free(struct msvc *ms)
{
	if (ms == NULL)
		return;
	if (ms->fd != -1)
		close(ms->fd);
	pool_state_close(ms);
	service_free(ms->svc);
	policies_release(ms->pset);
	free(ms->workers);
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

/*
 * When the master steps in on a draining pool: a grace past the drain
 * time, so that a worker whose own deadline came a little after ours
 * (it learned of the stop later) closes and reports its sessions itself.
 */
static uint64_t
drain_deadline(uint64_t drain_ms)
{
	return now_ms() + drain_ms + STOP_GRACE_MS;
}

/* Stops its pool accepting; its sessions drain, its children stay. */
void
services_retire(struct msvc *ms, uint64_t drain_ms)
{
	pool_stop(ms, drain_ms);
	ms->retire_by = drain_deadline(drain_ms);
	retired = xreallocarray(retired, nretired + 1, sizeof(*retired));
	retired[nretired++] = ms;
}

/*
 * A reload's old pool: it stops accepting and serves the sessions it
 * holds until they end or their idle timeout closes them, with no
 * deadline (a reload closes no session; the drain time bounds a stop).
 * A storm of reloads cannot pile them up: past RETIRED_GENERATIONS of
 * one service, the oldest drains as on a stop.
 */
void
services_retire_reload(struct msvc *ms)
{
	struct msvc *oldest = NULL;
	size_t i, same = 0;

	pool_stop(ms, MSG_STOP_NO_DEADLINE);
	ms->retire_by = UINT64_MAX;
	retired = xreallocarray(retired, nretired + 1, sizeof(*retired));
	retired[nretired++] = ms;
	for (i = 0; i < nretired; i++) {
		if (retired[i]->id != ms->id || retired[i]->retire_by !=
		    UINT64_MAX)
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
	pool_stop(oldest, opts.drain_ms);
	oldest->retire_by = drain_deadline(opts.drain_ms);
}

/*
 * The internal UDP services' ports, which none of them answers: after a
 * reload the running ones learn the new set.
 */
void
services_guard_ports(void)
{
	size_t i;

	pool_clear_guard_ports();
	for (i = 0; i < nsvcs; i++)
		if (svcs[i]->status == MSVC_LISTENING &&
		    svcs[i]->svc->builtin != BUILTIN_NONE &&
		    svcs[i]->svc->socktype == SOCK_DGRAM)
			pool_set_guard_port(addr_port(&svcs[i]->svc->addr.sa));
	for (i = 0; i < nsvcs; i++)
		if (svcs[i]->nworkers > 0 &&
		    svcs[i]->svc->builtin != BUILTIN_NONE &&
		    svcs[i]->svc->socktype == SOCK_DGRAM)
			pool_send_guard(svcs[i]);
}

/* What is left of a pool at its deadline: TERM, then after a grace, KILL. */
static void
escalate(struct msvc *ms, uint64_t now)
{
	int sig = ms->escalation == 0 ? SIGTERM : SIGKILL;
	unsigned j;

	for (j = 0; j < ms->nworkers; j++) {
		struct worker *w = &ms->workers[j];

		if (w->pid == 0)
			continue;
		log_warnx("worker did not drain in time, %s %s pid=%ld",
		    sig == SIGTERM ? "terminating it" : "killing it",
		    ms->svc->fields, (long)w->pid);
		kill(w->pid, sig);
	}
	ms->escalation++;
	ms->retire_by = now + STOP_GRACE_MS;
}

/*
 * Due restarts of running pools (none while stopping), and the retired
 * pools: freed once empty, escalated at their deadline. Returns when next.
 */
uint64_t
services_tick(uint64_t now, bool stopping)
{
	uint64_t next = UINT64_MAX, t;
	size_t i;

	for (i = 0; i < nsvcs && !stopping; i++) {
		if ((t = pool_timers(svcs[i], now)) < next)
			next = t;
		if ((t = bind_retry(svcs[i], now)) < next)
			next = t;
	}
	for (i = 0; i < nretired;) {
		struct msvc *ms = retired[i];

		if (!pool_running(ms)) {
			msvc_free(ms);
			retired[i] = retired[--nretired];
			continue;
		}
		if (ms->escalation < 2 && ms->retire_by != UINT64_MAX &&
		    now >= ms->retire_by)
			escalate(ms, now);
		if (ms->escalation < 2 && ms->retire_by < next)
			next = ms->retire_by;
		i++;
	}
	return next;
}

bool
services_running(void)
{
	size_t i;

	for (i = 0; i < nsvcs; i++)
		if (pool_running(svcs[i]))
			return true;
	return nretired > 0;
}

/* Stop: every socket closed (new connections refused), every pool retired. */
void
services_stop(uint64_t drain_ms)
{
	size_t i;

	for (i = 0; i < nsvcs; i++) {
		listen_close(svcs[i]);
		services_retire(svcs[i], drain_ms);
	}
	/* A reload's old pools, serving without a deadline: one now. */
	for (i = 0; i < nretired; i++)
		if (retired[i]->retire_by == UINT64_MAX) {
			pool_stop(retired[i], drain_ms);
			retired[i]->retire_by = drain_deadline(drain_ms);
		}
	services_set(NULL, 0);
}

/*
 * A service by its id: the running pool, else a retired one (a reload
 * gives the new pool of a service the id of the old).
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
 * whichever pool of its service holds it. False: not one we recorded.
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
		    svcstate_free_adopted(o->state, o->nslots, pid))
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
}
