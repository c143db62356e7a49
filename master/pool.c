/* SPDX-License-Identifier: ISC */
/*
 * Worker pools, one per sandbox identity: services that would run under
 * the same confinement (the same user and group, the same compiled
 * policy, internal or external) share one pool, and each of its workers
 * serves every socket of theirs, as nginx's workers do; external services
 * share one when their lines differ in their address alone (one program,
 * one set of limits, each with its own socket and state). A policy that
 * says isolate gets a pool of its own. A pool starts cold: the master watches
 * its sockets, accepts nothing, reads nothing, and starts its workers at
 * the first connection (prefork N starts N at once). The pools of one
 * start or reload are a generation; a later reload never adds a service
 * to a running pool, it makes new ones, so a running worker is never
 * disturbed by a service that was not its own.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

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

static struct pool **pools;	/* ours: pools_tick frees them */
static size_t npools;
static uint64_t last_generation, last_id;
static uid_t internal_uid;
static gid_t internal_gid;

void
pool_init(uid_t uid, gid_t gid, bool root)
{
	internal_uid = uid;
	internal_gid = gid;
	tell_init(uid, gid, root);
	spawn_init();
}

/* A new generation: the pools a start or a reload makes. */
uint64_t
pool_generation(void)
{
	return ++last_generation;
}

struct pool **
pools_all(size_t *n)
{
	*n = npools;
	return pools;
}

/*
 * The same confinement: compared in the compiled form the worker gets,
 * not by file name (two files may say the same), the name aside.
 */
static bool
same_policy(const struct policy *a, const struct policy *b)
{
	return memcmp((const char *)a + sizeof(a->name),
	    (const char *)b + sizeof(b->name),
	    sizeof(*a) - sizeof(a->name)) == 0;
}

/* What an external service runs, and under which limits: all but where. */
static bool
same_run(const struct service *a, const struct service *b)
{
	int i;

	if (a->wait != b->wait || a->max_spawn != b->max_spawn ||
	    a->max_child != b->max_child || a->max_cpm != b->max_cpm ||
	    a->max_perip != b->max_perip || a->argc != b->argc ||
	    strcmp(a->program, b->program) != 0 ||
	    strcmp(a->user, b->user) != 0)
		return false;
	for (i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b->argv[i]) != 0)
			return false;
	return true;
}

static bool
fits(const struct pool *p, const struct msvc *ms, uint64_t generation,
    uid_t uid, gid_t gid, uint64_t isolated)
{
	return p->generation == generation && !p->started && !p->retired &&
	    p->nslots < POOL_SOCKETS_MAX && p->isolated == 0 &&
	    isolated == 0 &&
	    p->internal == (ms->svc->builtin != BUILTIN_NONE) &&
	    p->uid == uid && p->gid == gid &&
	    same_policy(p->policy, ms->policy) &&
	    (p->internal || same_run(pool_lead(p)->svc, ms->svc));
}

/*
 * The pool of this generation with the service's identity, new if none:
 * the service is held by it until pool_remove.
 */
void
pool_join(struct msvc *ms, uint64_t generation)
{
	bool internal = ms->svc->builtin != BUILTIN_NONE;
	/* Internal services never need root, whatever the line says. */
	uid_t uid = internal ? internal_uid : ms->svc->uid;
	gid_t gid = internal ? internal_gid : ms->svc->gid;
	uint64_t isolated = ms->policy->isolate ? ms->id : 0;
	struct pool *p = NULL;
	size_t i;

	for (i = npools; i > 0 && p == NULL; i--)
		if (fits(pools[i - 1], ms, generation, uid, gid, isolated))
			p = pools[i - 1];
	if (p == NULL) {
		/* Its workers' children are followed from their first fork. */
		if (!internal)
			(void)procev_follow(true, 0);
		p = xcalloc(1, sizeof(*p));
		p->id = ++last_id;
		p->generation = generation;
		p->internal = internal;
		p->uid = uid;
		p->gid = gid;
		p->isolated = isolated;
		/* Its first service's, kept by holding the set that has it. */
		p->policy = ms->policy;
		p->pset = ms->pset;
		policies_hold(p->pset);
		pools = xreallocarray(pools, npools + 1, sizeof(*pools));
		pools[npools++] = p;
	}
	p->svcs = xreallocarray(p->svcs, p->nslots + 1, sizeof(*p->svcs));
	p->ids = xreallocarray(p->ids, p->nslots + 1, sizeof(*p->ids));
	ms->slot = p->nslots;
	ms->reader = -1;
	p->ids[p->nslots] = ms->id;
	p->svcs[p->nslots++] = ms;
	p->nlive++;
	p->refs++;
	ms->pool = p;
}

/* The first service it still serves, to name it; NULL: none left. */
struct msvc *
pool_lead(const struct pool *p)
{
	uint32_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->svcs[i] != NULL)
			return p->svcs[i];
	return NULL;
}

/* A datagram socket of internal services: one reader (pool_reads). */
static bool
one_reader(const struct pool *p, const struct msvc *ms)
{
	return p->internal && ms->svc->socktype == SOCK_DGRAM;
}

/*
 * A worker a CPU, as nginx's, where workers can share the load: internal
 * services, and nowait external ones, whose spawns then run side by side.
 * A wait service has one worker whatever its policy says: one child at a
 * time holds its socket, and a second worker would start a second. A
 * pool of datagram sockets alone has no more workers than sockets.
 */
static unsigned
pool_size(const struct pool *p)
{
	unsigned n = p->policy->workers ? p->policy->workers : opts.workers;
	uint32_t i, dgram = 0;

	if (!p->internal && pool_lead(p)->svc->wait)
		return 1;
	for (i = 0; i < p->nslots; i++) {
		if (p->svcs[i] == NULL)
			continue;
		if (!one_reader(p, p->svcs[i]))
			return n;
		dgram++;
	}
	return dgram > 0 && dgram < n ? dgram : n;
}

/*
 * A datagram of an internal service is answered in one call, so workers
 * waiting on one UDP socket only take turns at it, and cost a third more
 * CPU a request than one reader does (make bench: 9.7 against 7.2 us).
 * Each such socket has one reader, the pool's workers taking them in
 * turn; every other socket is every worker's.
 */
static void
assign_readers(struct pool *p)
{
	uint32_t i, dgram = 0;

	for (i = 0; i < p->nslots; i++)
		if (p->svcs[i] != NULL)
			p->svcs[i]->reader = one_reader(p, p->svcs[i]) ?
			    (int)(dgram++ % p->nworkers) : -1;
}

/* Whether this worker is given slot i's socket, now, to serve. */
bool
pool_reads(const struct mworker *w, uint32_t i)
{
	const struct pool *p = w->pool;
	const struct msvc *ms = i < p->nslots ? p->svcs[i] : NULL;

	if (ms == NULL || ms->fd == -1 || ms->shared_fd == -1 ||
	    ms->status != MSVC_LISTENING)
		return false;
	return ms->reader == -1 || ms->reader == (int)(w - p->workers);
}

static unsigned
pool_prefork(const struct pool *p)
{
	unsigned n = p->policy->prefork_set ? p->policy->prefork :
	    opts.prefork;

	return n < p->nworkers ? n : p->nworkers;
}

/* Every worker started has said READY, or the pool failed: said once. */
void
pool_settle(struct pool *p)
{
	if (p->settled)
		return;
	p->settled = true;
	master_pool_settled(p);
}

static void	 wake_event(struct mev *, uint32_t);

/* The master watches the socket for the pool's first connection. */
static void
watch(struct msvc *ms)
{
	if (ms->watched || ms->fd == -1)
		return;
	ms->wake.fn = wake_event;
	if (master_epoll_add(ms->fd, &ms->wake) == -1) {
		log_warn("cannot watch the socket, starting its pool %s",
		    ms->svc->fields);
		return;
	}
	ms->watched = true;
}

void
pool_unwatch(struct msvc *ms)
{
	if (!ms->watched)
		return;
	if (master_epoll_del(ms->fd) == -1)
		log_warn("epoll del %s", ms->svc->fields);
	ms->watched = false;
}

/* A service back in its pool (its successor failed): watched if cold. */
void
pool_watch_again(struct msvc *ms)
{
	if (ms->pool != NULL && ms->pool->cold)
		watch(ms);
}

static void
spawn_rest(struct pool *p)
{
	uint32_t i;

	for (i = 0; i < p->nslots; i++)
		if (p->svcs[i] != NULL)
			pool_unwatch(p->svcs[i]);
	p->cold = false;
	while (p->nspawned < p->nworkers)
		spawn_worker(&p->workers[p->nspawned++]);
}

/*
 * A cold pool's first connection (or datagram): its workers start and
 * take every socket; the connection waits in the backlog meanwhile.
 */
static void
wake_event(struct mev *ev, uint32_t events)
{
	struct msvc *ms = container_of(ev, struct msvc, wake);

	(void)events;
	if (ms->pool == NULL || !ms->pool->cold)
		return;
	log_debug("first connection, starting the pool %s pool=%llu",
	    ms->svc->fields, (unsigned long long)ms->pool->id);
	spawn_rest(ms->pool);
}

static void
pool_start(struct pool *p)
{
	struct msvc *lead = pool_lead(p);
	unsigned i, n;

	p->started = true;
	if (p->nslots == 1)
		p->label = xstrdup(lead->svc->fields);
	else
		xasprintf(&p->label, "%s pool=%llu services=%u",
		    lead->svc->fields, (unsigned long long)p->id, p->nslots);
	p->nworkers = pool_size(p);
	assign_readers(p);
	p->workers = xcalloc(p->nworkers, sizeof(*p->workers));
	for (i = 0; i < p->nworkers; i++) {
		p->workers[i].pool = p;
		p->workers[i].chan = -1;
	}
	n = pool_prefork(p);
	while (p->nspawned < n)
		spawn_worker(&p->workers[p->nspawned++]);
	if (p->nspawned < p->nworkers) {
		p->cold = true;
		for (i = 0; i < p->nslots; i++)
			if (p->svcs[i] != NULL)
				watch(p->svcs[i]);
	}
	if (p->nspawned == 0)
		pool_settle(p);
}

/* Every pool of the generation, now that all its services joined. */
void
pool_start_generation(uint64_t generation)
{
	size_t i;

	for (i = 0; i < npools; i++)
		if (pools[i]->generation == generation && !pools[i]->started)
			pool_start(pools[i]);
}

void
pool_worker_ready(struct mworker *w)
{
	struct pool *p = w->pool;
	unsigned i;

	w->ready = true;
	for (i = 0; i < p->nspawned; i++)
		if (!p->workers[i].ready)
			return;
	pool_settle(p);
}

/*
 * A worker that cannot set up (EXIT_NORESPAWN): none of its pool would,
 * so every service it serves is failed with its reason.
 */
void
pool_worker_failed(struct mworker *w)
{
	struct pool *p = w->pool;
	char quoted[sizeof(w->last_error) + 64];
	const char *why = w->last_error[0] ? w->last_error :
	    "worker could not set up";
	uint32_t i;

	p->failed = true;
	for (i = 0; i < p->nslots; i++) {
		struct msvc *ms = p->svcs[i];

		if (ms == NULL)
			continue;
		ms->status = MSVC_FAILED;
		free(ms->why);
		ms->why = xstrdup(why);
		/*
		 * No one will serve it: a client is refused at once, as
		 * openbsd-inetd does a looping service, not left waiting in
		 * a backlog no worker reads; a reload binds it afresh. But
		 * a reload's replacement gives its socket back to the one
		 * it replaces, which serves on (reload.c).
		 */
		if (ms->replaces == NULL)
			listen_close(ms);
		else
			pool_unwatch(ms);
		log_errx("service failed, not restarting it %s reason=%s",
		    ms->svc->fields, log_quote(ms->why, quoted,
			sizeof(quoted)));
	}
	for (i = 0; i < p->nworkers; i++)
		p->workers[i].restart_at = 0;
	p->cold = false;
	tell_stop(p, 0);
	pool_settle(p);
}

/*
 * The service leaves its pool (a reload moved or removed it): drop, its
 * workers stop accepting on its socket; their sessions on it go on.
 */
void
pool_remove(struct msvc *ms, bool drop)
{
	struct pool *p = ms->pool;

	if (p == NULL || ms->slot >= p->nslots || p->svcs[ms->slot] != ms)
		return;
	pool_unwatch(ms);
	if (p->nlive == 0)
		return;		/* the last: kept to name the retired pool */
	/* Told in one message for the whole reload (pools_tick). */
	if (drop && p->nlive > 1 && pool_running(p)) {
		if (p->drops == NULL)
			p->drops = xcalloc(1, POOL_SOCKETS_MAX / 8);
		p->drops[ms->slot / 8] |= (uint8_t)(1u << (ms->slot % 8));
		p->drops_due = true;
	}
	/* The last one names the pool while it drains: msvc_free clears it. */
	if (p->nlive > 1)
		p->svcs[ms->slot] = NULL;
	p->nlive--;
}

/* A service that pointed at it is freed (msvc_free). */
void
pool_release(struct pool *p, struct msvc *ms)
{
	if (p == NULL)
		return;
	if (ms->slot < p->nslots && p->svcs[ms->slot] == ms)
		p->svcs[ms->slot] = NULL;
	if (p->refs > 0)
		p->refs--;
}

static uint64_t
drain_deadline(uint64_t drain_ms)
{
	/*
	 * A grace past the drain time, so that a worker whose own deadline
	 * came a little after ours (it learned of the stop later) closes and
	 * reports its sessions itself.
	 */
	if (drain_ms == MSG_STOP_NO_DEADLINE)
		return UINT64_MAX;
	return now_ms() + drain_ms + STOP_GRACE_MS;
}

/*
 * Stops the pool accepting; its sessions drain (within drain_ms, or
 * without a deadline for a reload's), its child servers stay. A second
 * call may shorten the time, never lengthen it.
 */
void
pool_retire(struct pool *p, uint64_t drain_ms)
{
	uint32_t i;
	uint64_t by = drain_deadline(drain_ms);

	for (i = 0; i < p->nslots; i++)
		if (p->svcs[i] != NULL)
			pool_unwatch(p->svcs[i]);
	p->cold = false;
	if (p->retired && by >= p->retire_by)
		return;
	p->retired = true;
	p->retire_by = by;
	p->drops_due = false;	/* the stop says it all */
	for (i = 0; i < p->nworkers; i++)
		p->workers[i].restart_at = 0;
	tell_stop(p, drain_ms);
}

bool
pool_running(const struct pool *p)
{
	unsigned i;

	for (i = 0; i < p->nworkers; i++)
		if (p->workers[i].pid != WORKER_NOT_RUNNING)
			return true;
	return false;
}

unsigned
pool_workers_running(const struct pool *p)
{
	unsigned i, n = 0;

	for (i = 0; i < p->nworkers; i++)
		n += p->workers[i].pid != WORKER_NOT_RUNNING;
	return n;
}

struct mworker *
pool_worker_by_pid(pid_t pid)
{
	size_t i;
	unsigned k;

	if (pid <= 0)
		return NULL;
	for (i = 0; i < npools; i++)
		for (k = 0; k < pools[i]->nworkers; k++)
			if (pools[i]->workers[k].pid == pid)
				return &pools[i]->workers[k];
	return NULL;
}

/*
 * The service a worker's doings are counted against: its pool's first,
 * or for a retired pool the last it served (services.c keeps it).
 */
struct msvc *
pool_find_worker(pid_t pid)
{
	struct mworker *w = pool_worker_by_pid(pid);

	return w != NULL ? pool_lead(w->pool) : NULL;
}

/* What is left of a pool at its deadline: TERM, then after a grace, KILL. */
static void
escalate(struct pool *p, uint64_t now)
{
	int sig = p->escalation == 0 ? SIGTERM : SIGKILL;
	unsigned j;

	for (j = 0; j < p->nworkers; j++) {
		struct mworker *w = &p->workers[j];

		if (w->pid == WORKER_NOT_RUNNING)
			continue;
		log_warnx("worker did not drain in time, %s %s pid=%ld",
		    sig == SIGTERM ? "terminating it" : "killing it",
		    p->label, (long)w->pid);
		kill(w->pid, sig);
	}
	p->escalation++;
	p->retire_by = now + STOP_GRACE_MS;
}

static void
pool_free(struct pool *p)
{
	unsigned i;

	for (i = 0; i < p->nworkers; i++)
		monitor_close(&p->workers[i]);
	free(p->workers);
	free(p->svcs);
	free(p->ids);
	free(p->drops);
	policies_release(p->pset);
	free(p->label);
	free(p);
}

/*
 * Due restarts of serving pools (none while stopping), the retired ones
 * escalated at their deadline, and a pool no service points at and no
 * worker runs in, freed. Returns when next.
 */
uint64_t
pools_tick(uint64_t now, bool stopping)
{
	uint64_t next = UINT64_MAX, t;
	size_t i;

	for (i = 0; i < npools;) {
		struct pool *p = pools[i];

		if (p->drops_due && !p->retired) {
			tell_drop(p, p->drops);
			memset(p->drops, 0, POOL_SOCKETS_MAX / 8);
		}
		p->drops_due = false;
		if (!p->retired && !stopping && p->started &&
		    (t = restart_timers(p, now)) < next)
			next = t;
		if (p->retired && p->escalation < 2 && now >= p->retire_by &&
		    pool_running(p))
			escalate(p, now);
		if (p->retired && p->escalation < 2 && p->retire_by < next &&
		    pool_running(p))
			next = p->retire_by;
		if (p->refs == 0 && !pool_running(p)) {
			pool_free(p);
			pools[i] = pools[--npools];
			continue;
		}
		i++;
	}
	if (procev_following()) {
		for (i = 0; i < npools && pools[i]->internal; i++)
			;
		if (i == npools && (t = procev_follow(false, now)) < next)
			next = t;
	}
	return next;
}

/* Stop: every pool retired within the drain time. */
void
pools_stop(uint64_t drain_ms)
{
	size_t i;

	for (i = 0; i < npools; i++)
		pool_retire(pools[i], drain_ms);
}

bool
pools_running(void)
{
	size_t i;

	for (i = 0; i < npools; i++)
		if (pool_running(pools[i]))
			return true;
	return false;
}

void
pools_free(void)
{
	size_t i;

	for (i = 0; i < npools; i++)
		pool_free(pools[i]);
	free(pools);
	pools = NULL;
	npools = 0;
}

/* How long a tripped spawn rate keeps the service off. */
uint64_t
pool_suspend_ms(const struct msvc *ms)
{
	return ms->policy->suspend_ms ? ms->policy->suspend_ms :
	    (uint32_t)opts.suspend_ms;
}

/* The state that outlives the workers; internal services keep counters. */
int
pool_shared_open(struct msvc *ms)
{
	const struct service *s = ms->svc;

	/*
	 * Never fewer slots than the default, whatever max-child says: a
	 * reload that raises max-child then keeps the table, and with it
	 * the running children it counts. Pages are touched only up to the
	 * highest slot in use.
	 */
	ms->nslots = 0;
	if (s->builtin == BUILTIN_NONE)
		ms->nslots = s->max_child > SVCSTATE_CHILDREN_DEFAULT ?
		    s->max_child : SVCSTATE_CHILDREN_DEFAULT;
	ms->shared_fd = svcstate_create(ms->nslots, &ms->shared);
	if (ms->shared_fd == -1) {
		ms->shared = NULL;
		return -1;
	}
	return 0;
}

void
pool_shared_close(struct msvc *ms)
{
	svcstate_unmap(ms->shared, ms->nslots);
	ms->shared = NULL;
	if (ms->shared_fd != -1)
		close(ms->shared_fd);
	ms->shared_fd = -1;
}

/* An adopted child of this service ended (services_adopted_exit). */
void
pool_adopted_exit(struct msvc *ms, const struct child_rec *r, int status)
{
	char how[64], peer[ADDR_STR_MAX];

	wait_status_str(status, how, sizeof(how));
	if (addr_packed_str(r->family, r->addr, r->port, peer,
	    sizeof(peer))[0] == '\0')
		str_copy(peer, "-", sizeof(peer));
	/* No worker is left to report it: the kill is ours to count. */
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		violation_adopted(ms, r);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("child exited %s child=%ld %s adopted=yes peer=%s",
		    ms->svc->fields, (long)r->pid, how, peer);
	else
		log_info("child exited %s child=%ld %s adopted=yes peer=%s",
		    ms->svc->fields, (long)r->pid, how, peer);
}
