/* SPDX-License-Identifier: ISC */
/*
 * Policy violations made visible: a process killed by its filter is logged
 * with its service, pid, peer and the syscall's name, and counted once.
 * The pieces arrive apart: a death (the worker reports its child's SIGSYS,
 * the master has checked the pid is a child it recorded for that worker,
 * and the peer is the master's own record of it, children.c; we reap a
 * worker's, or an adopted child's; the process events say that of
 * anything a child server started, procev.c), and the kernel's audit
 * record that names the syscall (audit.c). Whichever comes first waits
 * for the other. A death takes only a record of its own process: the
 * same pid, a kill, and stamped within that process's life (a pid is
 * used again, and every seccomp record on the host comes here). With no
 * such record in time, the kernel dropped it (its rate limits): the line
 * says syscall=unknown, never another call's name.
 * Learning mode (learn.c) logs each syscall a service used, once;
 * refusals with errno are logged at most once a minute per call.
 */
#include <linux/seccomp.h>

#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "master.h"
#include "policy.h"
#include "svcstate.h"
#include "util.h"

#define RECENT_MAX	256
#define RECENT_KEEP_MS	10000
#define PENDING_MAX	64
#define PENDING_MS	2000
#define ERRNO_LOG_MS	60000
#define ANCESTORS_MAX	16
/*
 * A record's stamp is the kernel's coarse clock, up to a tick behind the
 * call, and /proc's start time is cut to a tick: the slack either side.
 * A birth from the kernel's fork event is exact, and wants only the
 * record's tick (HZ 100 at the coarsest), so a pid used again soon after
 * is not given its former holder's record.
 */
#define BEFORE_MS	25
#define BEFORE_EXACT_MS	10
#define AFTER_MS	5

/* A kill record no death has taken yet. pid 0: a free slot. */
struct recent {
	struct audit_record	 r;
};

/* A death waiting for its audit record: what its line needs, copied. */
struct pending {
	char			*fields;	/* NULL: free */
	char			*policy;
	pid_t			 pid;
	bool			 worker;
	char			 peer[ADDR_STR_MAX];
	uint64_t		 born;		/* its life, CLOCK_MONOTONIC ms; */
	uint64_t		 died;		/* born 0: not known */
	uint64_t		 before;	/* the slack before born */
	uint64_t		 due;
};

static struct recent recent[RECENT_MAX];
static struct pending pending[PENDING_MAX];
static bool have_audit;

/* Learning mode and errno refusals, per service (its id) and syscall. */
struct seen {
	uint64_t	 svc;
	int		 syscall;
	uint64_t	 at;
};
static struct seen *seen;
static size_t nseen;

void
violation_init(void)
{
	have_audit = audit_open();
	if (!have_audit)
		log_warnx("cannot read the kernel's audit records (/dev/kmsg, "
		    "netlink): a policy violation is logged without its "
		    "syscall");
}

/* /proc's start time (clock ticks since boot) on CLOCK_MONOTONIC. */
static uint64_t
ticks_ms(unsigned long long ticks)
{
	struct timespec ts;
	uint64_t boot, start, now = now_ms();
	long hz = sysconf(_SC_CLK_TCK);

	if (ticks == 0 || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &ts) == -1)
		return 0;
	boot = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	start = ticks * 1000 / (unsigned long long)hz;
	if (start >= boot)
		return now;
	return boot - start < now ? now - (boot - start) : 0;
}

static pid_t
parent_of(pid_t pid)
{
	pid_t ppid;

	return children_proc_stat(pid, &ppid, NULL, NULL) == 0 ? ppid : 0;
}

/* What a pid of ours is (owner). */
enum owned {
	OWNED_NONE,
	OWNED_WORKER,
	OWNED_CHILD,		/* a child server */
	OWNED_DESCENDANT,	/* a process a child server started */
};

/*
 * Whose is this pid, by our own records, and what is it (*how)? NULL:
 * not one of ours. The process events know it even once it is gone; else /proc,
 * while it is there and (at, if not 0) not younger than that moment.
 */
static struct msvc *
owner(pid_t pid, uint64_t at, enum owned *how)
{
	const struct child_rec *c;
	unsigned long long start;
	struct msvc *ms;
	uint64_t svc;
	pid_t top;
	int depth;

	if ((ms = pool_find_worker(pid)) != NULL) {
		*how = OWNED_WORKER;
		return ms;
	}
	/* In a pool of several, the child server's own service, recorded. */
	if (procev_find(pid, at, BEFORE_MS, &svc, &top, NULL) &&
	    ((c = children_find(top)) == NULL || (svc = c->svc) != 0) &&
	    (ms = services_find(svc)) != NULL) {
		*how = pid == top ? OWNED_CHILD : OWNED_DESCENDANT;
		return ms;
	}
	/* A process younger than the moment is not the one that was. */
	if (at != 0 && children_proc_stat(pid, NULL, &start, NULL) == 0 &&
	    ticks_ms(start) > at + BEFORE_MS)
		return NULL;
	for (depth = 0; depth < ANCESTORS_MAX && pid > 1; depth++) {
		if ((c = children_find(pid)) != NULL &&
		    (depth > 0 || at == 0 || c->start == 0 ||
		    ticks_ms(c->start) <= at + BEFORE_MS) &&
		    (ms = services_find(c->svc)) != NULL) {
			*how = depth == 0 ? OWNED_CHILD : OWNED_DESCENDANT;
			return ms;
		}
		if (depth > 0 && (ms = pool_find_worker(pid)) != NULL) {
			*how = OWNED_DESCENDANT;
			return ms;
		}
		pid = parent_of(pid);
	}
	return NULL;
}

static void
count(struct msvc *ms)
{
	if (ms->shared != NULL)
		__atomic_add_fetch(&ms->shared->c.violations, 1,
		    __ATOMIC_RELAXED);
}

/* The call's name in the record's own architecture. */
static void
record_name(const struct audit_record *r, char *buf, size_t len)
{
	uint32_t arch = r->arch != 0 ? r->arch : seccomp_arch_native();
	char *name = seccomp_syscall_resolve_num_arch(arch, r->syscall);

	if (name == NULL)
		snprintf(buf, len, "%d", r->syscall);
	else
		snprintf(buf, len, "%s", name);
	free(name);
}

static void
log_violation(const char *fields, const char *policy, pid_t pid,
    bool worker, const char *peer, const struct audit_record *r)
{
	char name[64] = "unknown";

	if (r != NULL)
		record_name(r, name, sizeof(name));
	log_errx("policy violation, killed %s %s=%ld peer=%s syscall=%s "
	    "policy=%s", fields, worker ? "worker" : "child", (long)pid,
	    peer[0] ? peer : "-", name, policy);
}

static void
pending_free(struct pending *p)
{
	free(p->fields);
	free(p->policy);
	p->fields = p->policy = NULL;
	p->due = 0;
}

/* Whether r can be the record of the process pid that lived born..died. */
static bool
fits(const struct audit_record *r, pid_t pid, uint64_t born, uint64_t before,
    uint64_t died)
{
	return r->pid == pid && r->at_ms <= died + AFTER_MS &&
	    (born == 0 || r->at_ms + before >= born);
}

/* The newest record of that process, taken: no other death can have it. */
static bool
recent_take(pid_t pid, uint64_t born, uint64_t before, uint64_t died,
    struct audit_record *out)
{
	uint64_t now = now_ms();
	size_t i, best = RECENT_MAX;

	for (i = 0; i < RECENT_MAX; i++) {
		if (recent[i].r.pid == 0 ||
		    now - recent[i].r.at_ms > RECENT_KEEP_MS ||
		    !fits(&recent[i].r, pid, born, before, died))
			continue;
		if (best == RECENT_MAX ||
		    recent[i].r.at_ms > recent[best].r.at_ms)
			best = i;
	}
	if (best == RECENT_MAX)
		return false;
	*out = recent[best].r;
	recent[best].r.pid = 0;
	return true;
}

/* Kept for the death that follows; the oldest gives way. */
static void
recent_put(const struct audit_record *r)
{
	uint64_t now = now_ms();
	size_t i, slot = 0;

	for (i = 0; i < RECENT_MAX; i++) {
		if (recent[i].r.pid == 0 ||
		    now - recent[i].r.at_ms > RECENT_KEEP_MS) {
			slot = i;
			break;
		}
		if (recent[i].r.at_ms < recent[slot].r.at_ms)
			slot = i;
	}
	recent[slot].r = *r;
}

/* True the first time, or once a minute with every_ms. */
static bool
first_seen(const struct msvc *ms, int syscall, uint64_t every_ms)
{
	uint64_t now = now_ms();
	size_t i;

	for (i = 0; i < nseen; i++)
		if (seen[i].svc == ms->id && seen[i].syscall == syscall) {
			if (every_ms == 0 || now - seen[i].at < every_ms)
				return false;
			seen[i].at = now;
			return true;
		}
	seen = xreallocarray(seen, nseen + 1, sizeof(*seen));
	seen[nseen].svc = ms->id;
	seen[nseen].syscall = syscall;
	seen[nseen].at = now;
	nseen++;
	return true;
}

/*
 * A refusal by errno: a soft answer, logged once a minute per call. Not
 * clone3: glibc asks it first of every thread and spawn and falls back to
 * clone on ENOSYS, by design (the quiet filter keeps its records from the
 * kernel's log; a record of it from elsewhere is no event of ours either).
 */
static void
refusal(const struct audit_record *r)
{
	struct msvc *ms;
	char name[64];
	enum owned how = OWNED_NONE;

	if (r->syscall == SCMP_SYS(clone3) &&
	    (r->arch == 0 || r->arch == seccomp_arch_native()))
		return;
	/* Its fork came before it: the tree knows it, gone or not. */
	procev_poll();
	if ((ms = owner(r->pid, r->at_ms, &how)) == NULL ||
	    !first_seen(ms, r->syscall, ERRNO_LOG_MS))
		return;
	record_name(r, name, sizeof(name));
	log_warnx("policy refused a call %s pid=%ld comm=%s syscall=%s "
	    "policy=%s", ms->svc->fields, (long)r->pid, r->comm, name,
	    ms->policy->name);
}

static bool
is_kill(const struct audit_record *r)
{
	uint32_t action = r->code & SECCOMP_RET_ACTION_FULL;

	return (action == SECCOMP_RET_KILL_PROCESS ||
	    action == SECCOMP_RET_KILL_THREAD) && r->sig == SIGSYS;
}

void
violation_record(const struct audit_record *r)
{
	unsigned long long start;
	struct audit_record mine;
	struct msvc *ms;
	size_t i;
	enum owned how = OWNED_NONE;

	if ((r->code & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO) {
		refusal(r);
		return;
	}
	if (!is_kill(r))
		return;
	for (i = 0; i < PENDING_MAX; i++)
		if (pending[i].fields != NULL && fits(r, pending[i].pid,
		    pending[i].born, pending[i].before, pending[i].died)) {
			log_violation(pending[i].fields, pending[i].policy,
			    r->pid, pending[i].worker, pending[i].peer, r);
			pending_free(&pending[i]);
			return;
		}
	/*
	 * Kept a while for the death that follows: of one of ours, or of a
	 * process we have no word of yet. All are: the host's records come.
	 */
	recent_put(r);
	/*
	 * Without process events no one tells us that a process a child
	 * server started died: said now, if /proc still shows it is ours
	 * and no younger than its record (its pid not yet used again).
	 */
	if (procev_following() || (ms = owner(r->pid, 0, &how)) == NULL ||
	    how != OWNED_DESCENDANT ||
	    children_proc_stat(r->pid, NULL, &start, NULL) == -1 ||
	    ticks_ms(start) > r->at_ms + BEFORE_MS ||
	    !recent_take(r->pid, 0, 0, r->at_ms, &mine))
		return;
	count(ms);
	log_violation(ms->svc->fields, ms->policy->name, r->pid, false, "",
	    &mine);
}

/* A death: counted now, logged once its record is here or overdue. */
static void
report(struct msvc *ms, pid_t pid, bool worker, const char *peer,
    uint64_t born, uint64_t before, uint64_t died)
{
	struct audit_record r;
	size_t i;

	count(ms);
	audit_poll();
	if (recent_take(pid, born, before, died, &r)) {
		log_violation(ms->svc->fields, ms->policy->name, pid, worker,
		    peer, &r);
		return;
	}
	if (!have_audit) {
		log_violation(ms->svc->fields, ms->policy->name, pid, worker,
		    peer, NULL);
		return;
	}
	for (i = 0; i < PENDING_MAX; i++)
		if (pending[i].fields == NULL) {
			pending[i].fields = xstrdup(ms->svc->fields);
			pending[i].policy = xstrdup(ms->policy->name);
			pending[i].pid = pid;
			pending[i].worker = worker;
			str_copy(pending[i].peer, peer, sizeof(pending[i].peer));
			pending[i].born = born;
			pending[i].before = before;
			pending[i].died = died;
			pending[i].due = now_ms() + PENDING_MS;
			return;
		}
	log_violation(ms->svc->fields, ms->policy->name, pid, worker, peer,
	    NULL);
}

/*
 * When a child server began: the kernel's event (exact), /proc's, or
 * floor; *before, the slack that one wants.
 */
static uint64_t
child_born(const struct child_rec *r, uint64_t floor, uint64_t *before)
{
	uint64_t born;

	*before = BEFORE_EXACT_MS;
	if (procev_find(r->pid, 0, 0, NULL, NULL, &born))
		return born;
	*before = BEFORE_MS;
	if (r->start != 0)
		return ticks_ms(r->start);
	return floor;
}

/* Learning mode: a call the policy does not allow was used (learn.c). */
void
violation_learned(struct msvc *ms, int syscall, const char *comm)
{
	char name[64];

	if (first_seen(ms, syscall, 0))
		log_info("policy learning, first use %s syscall=%s comm=%s "
		    "policy=%s", ms->svc->fields, syscall_name(syscall, name,
			sizeof(name)), comm, ms->policy->name);
}

/*
 * A worker says one of its child servers died by SIGSYS, and the monitor
 * found it in our records (r): counted, and logged with the peer we read
 * ourselves if the worker's log rate has room for it (logged). floor: no
 * child of that worker began before the worker did.
 */
void
violation_child(struct msvc *ms, const struct child_rec *r, bool logged,
    uint64_t floor)
{
	char addr[ADDR_STR_MAX];
	uint64_t born, before;

	if (!logged) {
		count(ms);
		return;
	}
	addr_packed_str(r->family, r->addr, r->port, addr, sizeof(addr));
	born = child_born(r, floor, &before);
	report(ms, r->pid, false, addr, born, before, now_ms());
}

/* A child server whose worker died, reaped by us: died by SIGSYS. */
void
violation_adopted(struct msvc *ms, const struct child_rec *r)
{
	char addr[ADDR_STR_MAX];
	uint64_t born, before;

	addr_packed_str(r->family, r->addr, r->port, addr, sizeof(addr));
	born = child_born(r, 0, &before);
	report(ms, r->pid, false, addr, born, before, now_ms());
}

/* We reaped a worker that died by SIGSYS; it began at started_at. */
void
violation_worker(struct msvc *ms, pid_t pid, uint64_t started_at)
{
	report(ms, pid, true, "", started_at, BEFORE_MS, now_ms());
}

/*
 * A process a child server (top) started died by SIGSYS, as the process
 * events say, with the kernel's times of its fork and its exit. Its peer
 * is that child server's, while we still hold its record.
 */
void
violation_descendant(struct msvc *ms, pid_t pid, pid_t top, uint64_t born,
    uint64_t died)
{
	const struct child_rec *c = children_find(top);
	char addr[ADDR_STR_MAX] = "";

	if (c != NULL && c->svc == ms->id)
		addr_packed_str(c->family, c->addr, c->port, addr,
		    sizeof(addr));
	report(ms, pid, false, addr, born, BEFORE_EXACT_MS, died);
}

/* Reports whose audit record never came; returns the next deadline. */
uint64_t
violation_timers(uint64_t now)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < PENDING_MAX; i++) {
		if (pending[i].fields == NULL)
			continue;
		if (pending[i].due <= now) {
			log_violation(pending[i].fields, pending[i].policy,
			    pending[i].pid, pending[i].worker, pending[i].peer,
			    NULL);
			pending_free(&pending[i]);
		} else if (pending[i].due < next)
			next = pending[i].due;
	}
	return next;
}

void
violation_free(void)
{
	size_t i;

	for (i = 0; i < PENDING_MAX; i++)
		pending_free(&pending[i]);
	procev_close();
	free(seen);
	seen = NULL;
	nseen = 0;
}
