/* SPDX-License-Identifier: ISC */
/*
 * Reload: the new configuration, /etc/services and every policy are read
 * beside the running ones; any error and nothing changes. Otherwise each
 * service is matched by identity (address, port or path, protocol, socket
 * type): an unchanged one is not touched; a changed one keeps its socket,
 * which is never closed, and gets a new pool, and only once that pool
 * serves does the old one stop accepting and drain; a removed one closes
 * its socket and drains; an added one binds and starts. The changed and
 * added services go into new pools (pool.c), so no running pool is
 * touched but to drop the services that left it. The reload is a counted
 * barrier (relayd's sc_reload): the new pools that must start workers
 * are counted, each one's settling counts down, and "reload done" is
 * logged at zero. A reload asked for meanwhile (SIGHUP, sinetctl) is
 * queued, one for any number of asks, and starts once the barrier is
 * down: it reads the files as they are then, so no edit is left unread.
 */
#include <sys/socket.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "policy.h"
#include "svcstate.h"
#include "util.h"

static bool pending;		/* a reload waits for its pools */
static bool queued;		/* asked for while pending: runs after it */
static char queued_why[256];
static uint64_t serial;		/* of the last reload that ran (or was refused) */
static size_t nkept, nchanged, nadded, nremoved, nfailed;
static uint64_t generation;	/* of the pools it made */
static size_t unsettled;	/* of those, still starting */
static struct msvc **moved;	/* changed services: each replaces one */
static size_t nmoved;		/* (services.c owns both) */

static void	 finish(void);

/* For the status command: when the last one was asked for, and how it went. */
static time_t last_at;
static char last_result[512] = "none since start";
static uint64_t ndone, nrefused;

const char *
reload_last(time_t *at)
{
	*at = last_at;
	return last_result;
}

uint64_t
reload_count(bool done)
{
	return done ? ndone : nrefused;
}

bool
reload_pending(void)
{
	return pending;
}

/*
 * The reload that will read the files as they are now: the next to run,
 * whether it runs at once or queued behind a pending one. A client that
 * asks waits for this one's end (control_reload_done).
 */
uint64_t
reload_next_serial(void)
{
	return serial + 1;
}

/* Every field of the line and every byte of the policy the same. */
static bool
same_service(const struct msvc *o, const struct msvc *n)
{
	return o->policy != NULL && n->policy != NULL &&
	    service_equal(o->svc, n->svc) &&
	    memcmp(o->policy, n->policy, sizeof(*o->policy)) == 0;
}

/*
 * Its predecessor: first at the same place in the list (an edit rarely
 * moves lines, and a thousand services matched each against all was a
 * reload's time), then anywhere.
 */
static struct msvc *
find_old(struct msvc **old, size_t nold, bool *taken, const struct msvc *n,
    size_t at)
{
	size_t i;

	if (at < nold && !taken[at] &&
	    service_same_identity(old[at]->svc, n->svc) &&
	    old[at]->svc->socktype == n->svc->socktype) {
		taken[at] = true;
		return old[at];
	}
	for (i = 0; i < nold; i++)
		if (!taken[i] && service_same_identity(old[i]->svc, n->svc) &&
		    old[i]->svc->socktype == n->svc->socktype) {
			taken[i] = true;
			return old[i];
		}
	return NULL;
}

/*
 * A changed service takes over its predecessor's socket and state; it
 * starts at once and the old pool keeps serving until it is ready.
 */
static bool
take_over(struct msvc *n, struct msvc *o)
{
	const char *what = "";
	uint32_t want;

	if (o->status != MSVC_LISTENING || !listen_reusable(o->svc, n->svc))
		return false;
	/* The new pool watches it, if cold: one registration a socket. */
	pool_unwatch(o);
	/* It serves on with what it had: the reload did not all apply. */
	if (listen_update(o->fd, n->svc, &what) == -1) {
		log_err("reload: cannot update the socket, it serves as it "
		    "was %s step=%s", n->svc->fields, what);
		nfailed++;
	}
	n->fd = o->fd;
	o->fd = -1;
	/* The counters, the rate window and a suspension go on. */
	want = n->svc->builtin != BUILTIN_NONE ? 0 :
	    n->svc->max_child > SVCSTATE_CHILDREN_DEFAULT ?
	    n->svc->max_child : SVCSTATE_CHILDREN_DEFAULT;
	if (o->shared != NULL && o->nslots >= want) {
		n->shared = o->shared;
		n->shared_fd = o->shared_fd;
		n->nslots = o->nslots;
		o->shared = NULL;
		o->shared_fd = -1;
	} else if (pool_shared_open(n) == 0) {
		/* A table past the default size: the counters come along; */
		/* the old pool's children stay counted in the old one until */
		/* they end (sinetd.conf(5), max-child). */
		if (o->shared != NULL) {
			n->shared->c = o->shared->c;
			n->shared->window_start = o->shared->window_start;
			n->shared->window_spawns = o->shared->window_spawns;
			n->shared->suspended_until =
			    o->shared->suspended_until;
			n->shared->disabled = o->shared->disabled;
		}
	} else {
		log_err("reload: cannot create the service state %s",
		    n->svc->fields);
		o->fd = n->fd;
		n->fd = -1;
		pool_watch_again(o);
		return false;
	}
	n->status = MSVC_LISTENING;
	n->replaces = o;
	return true;
}

static void
add(struct msvc ***v, size_t *n, struct msvc *ms)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = ms;
}

/* Every error of the new configuration, or none: then it can apply. */
static size_t
check(struct conf *conf, struct policy_set *set, struct msvc ***out,
    size_t *nout)
{
	struct errors err = { 0 };
	struct msvc **list;
	size_t i, nerr;

	errors_append(&err, &conf->err);
	policy_check_dir(opts.policy_dir, &err);
	list = xcalloc(conf->nsvc ? conf->nsvc : 1, sizeof(*list));
	for (i = 0; i < conf->nsvc; i++) {
		list[i] = msvc_new(conf->svc[i], set, &err);
		conf->svc[i] = NULL;
	}
	for (i = 0; i < err.n; i++)
		log_errx("reload refused: %s", err.v[i]);
	if (err.more > 0)
		log_errx("reload refused: ... and %zu more errors", err.more);
	if (err.n > 0)
		snprintf(last_result, sizeof(last_result), "refused: %s%s",
		    err.v[0], err.n > 1 ? " (and more, see the log)" : "");
	nerr = errors_count(&err);
	errors_free(&err);
	*out = list;
	*nout = conf->nsvc;
	return nerr;
}

/* A reload that did not start: its clients hear why (last_result). */
static void
refused(void)
{
	nrefused++;
	sd_notify_status();
	control_reload_done(serial, false, last_result);
}

/*
 * Returns 0 when it started or was queued (the barrier will say when it
 * is done), -1 when it was refused; either way the clients waiting for
 * it (reload_next_serial) are answered by control_reload_done.
 */
int
reload_request(const char *why)
{
	struct conf conf = { 0 };
	struct policy_set *set;
	struct msvc **old, **list, *n, *o, **place = NULL;
	struct pool **all;
	const char *replaced;
	bool program;
	size_t nold, nlist, nplace = 0, npools, i;
	bool *taken;

	last_at = time(NULL);
	if (pending && master_running()) {
		/* One queued serves every ask: it reads what they all wrote. */
		if (!queued)
			log_info("reload queued: the last one is still being "
			    "applied %s", why);
		queued = true;
		str_copy(queued_why, why, sizeof(queued_why));
		return 0;
	}
	/* Whatever starts now reads the files: it is the queued one too. */
	serial++;
	queued = false;
	if (!master_running()) {
		log_warnx("reload refused: not running (starting or stopping) "
		    "%s", why);
		snprintf(last_result, sizeof(last_result), "refused: starting "
		    "or stopping");
		refused();
		return -1;
	}
	log_info("reload %s", why);
	/* The empty chroot fixed since: the internal services can start. */
	if (geteuid() == 0 && policies_empty_dir()[0] == '\0' &&
	    policies_make_empty_dir() == 0)
		log_info("reload: the empty chroot is made");
	/* What the watch saw so far, this load reads: no second reload. */
	watch_reload_started();
	if (hosts_reload_load() == -1) {
		snprintf(last_result, sizeof(last_result), "refused: "
		    "hosts_access files have errors");
		refused();
		watch_configuration();
		return -1;
	}
	conf_load(opts.conf_path, &conf);
	set = policies_new_set();
	if (check(&conf, set, &list, &nlist) > 0) {
		for (i = 0; i < nlist; i++)
			msvc_free(list[i]);
		free(list);
		policies_release(set);
		conf_free(&conf);
		/* What the parse took (a long line's buffer) goes back. */
		malloc_trim(0);
		refused();
		/* A file it named for the first time: its fix is noticed. */
		watch_configuration();
		return -1;
	}
	conf_free(&conf);
	sd_notify_state("RELOADING=1");

	old = services_all(&nold);
	taken = xcalloc(nold ? nold : 1, sizeof(*taken));
	nkept = nchanged = nadded = nremoved = nfailed = 0;
	for (i = 0; i < nlist; i++) {
		n = list[i];
		o = find_old(old, nold, taken, n, i);
		/* The same service: its children stay attributed to it. */
		if (o != NULL)
			n->id = o->id;
		replaced = o != NULL ? watch_replaced(o, &program) : NULL;
		if (o != NULL && o->status == MSVC_LISTENING &&
		    same_service(o, n) && replaced == NULL) {
			/* Unchanged: the running one stays, untouched. */
			o->svc->line = n->svc->line;
			msvc_free(n);
			list[i] = o;
			nkept++;
			continue;
		}
		/* Its pool's Landlock rules hold the old file's inode. */
		if (replaced != NULL && o->status == MSVC_LISTENING &&
		    program)
			log_info("reload: its program was replaced, new pool "
			    "%s program=%s", n->svc->fields, replaced);
		else if (replaced != NULL && o->status == MSVC_LISTENING)
			log_info("reload: a file its policy names was "
			    "replaced, new pool %s path=%s", n->svc->fields,
			    replaced);
		if (o != NULL && take_over(n, o)) {
			nchanged++;
			add(&place, &nplace, n);
			add(&moved, &nmoved, n);
			continue;
		}
		if (o != NULL) {
			/* Its socket cannot be kept (dual-stack changed, or */
			/* it never listened): the old one goes first. */
			listen_close(o);
			services_retire_reload(o);
		}
		if (msvc_listen(n) == -1) {
			nfailed++;
			continue;
		}
		if (o != NULL)
			nchanged++;
		else
			nadded++;
		add(&place, &nplace, n);
	}
	for (i = 0; i < nold; i++) {
		if (taken[i])
			continue;
		log_info("reload: removed %s", old[i]->svc->fields);
		listen_close(old[i]);
		services_retire_reload(old[i]);
		nremoved++;
	}
	free(taken);
	services_set(list, nlist);
	/* New pools for what changed or came: one per identity. */
	generation = services_place(place, nplace);
	free(place);
	services_guard_ports();
	hosts_reload_commit();
	policies_release(set);	/* the services that use it hold it */
	watch_replaced_clear();
	watch_configuration();
	/* The barrier: the new pools still starting workers, counted. */
	unsettled = 0;
	all = pools_all(&npools);
	for (i = 0; i < npools; i++)
		if (all[i]->generation == generation && !all[i]->settled)
			unsettled++;
	pending = true;
	if (unsettled == 0)
		finish();
	return 0;
}

/* A new pool's workers all said READY, or it failed: one less to wait for. */
void
reload_pool_settled(struct pool *p)
{
	if (!pending || p->generation != generation || unsettled == 0)
		return;
	if (--unsettled == 0)
		finish();
}

/*
 * A stop cancels a pending reload (its pools are retired with the rest)
 * and a queued one: a barrier that just came down leaves its queued one
 * to the loop's next turn, and a stop may come first.
 */
void
reload_cancel(void)
{
	size_t i;

	if (!pending && !queued)
		return;
	if (pending) {
		/* What each changed one replaces retires with the stop. */
		for (i = 0; i < nmoved; i++) {
			struct msvc *o = moved[i]->replaces;

			moved[i]->replaces = NULL;
			services_retire_reload(o);
		}
		free(moved);
		moved = NULL;
		nmoved = 0;
	}
	pending = false;
	queued = false;
	snprintf(last_result, sizeof(last_result), "cancelled by the stop");
	control_reload_done(UINT64_MAX, false, last_result);
}

/*
 * The barrier is down: the services the new pools took over leave their
 * old ones, which serve the sessions they hold. A changed service whose
 * new pool failed goes back to its old record, still serving.
 */
static void
finish(void)
{
	struct msvc **list;
	size_t i, k, n;

	list = services_all(&n);
	for (i = 0; i < nmoved; i++) {
		struct msvc *ms = moved[i], *o = ms->replaces;

		ms->replaces = NULL;
		if (msvc_serving(ms)) {
			services_retire_reload(o);
			continue;
		}
		log_errx("reload: the new pool did not start, the old one "
		    "serves on %s reason=\"%s\"", ms->svc->fields,
		    ms->why ? ms->why : "its workers died");
		pool_remove(ms, true);
		o->fd = ms->fd;
		ms->fd = -1;
		if (o->shared == NULL) {
			o->shared = ms->shared;
			o->shared_fd = ms->shared_fd;
			ms->shared = NULL;
			ms->shared_fd = -1;
		}
		pool_watch_again(o);
		for (k = 0; k < n; k++)
			if (list[k] == ms)
				list[k] = o;
		msvc_free(ms);
		nchanged--;
		nfailed++;
	}
	free(moved);
	moved = NULL;
	nmoved = 0;
	pending = false;
	snprintf(last_result, sizeof(last_result), "done: kept=%zu "
	    "changed=%zu added=%zu removed=%zu failed=%zu", nkept, nchanged,
	    nadded, nremoved, nfailed);
	log_info("reload done kept=%zu changed=%zu added=%zu removed=%zu "
	    "failed=%zu", nkept, nchanged, nadded, nremoved, nfailed);
	ndone++;
	sd_notify_state("READY=1");
	control_reload_done(serial, nfailed == 0, last_result);
}

/* The reload queued behind the last one, once that one is done. */
uint64_t
reload_tick(uint64_t now)
{
	char why[sizeof(queued_why)];

	(void)now;
	if (!queued || pending || !master_running())
		return UINT64_MAX;
	/* reload_request clears the queue as it starts. */
	str_copy(why, queued_why, sizeof(why));
	(void)reload_request(why);
	return UINT64_MAX;
}
