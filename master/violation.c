/*
 * Policy violations made visible: a process killed by its filter is logged
 * with its service, pid, peer and the syscall's name, and counted. The
 * pieces arrive apart: the worker reports its child's SIGSYS (the master
 * has checked the pid is a child it recorded for that worker, and the
 * peer is the master's own record of it, children.c), we reap a worker's,
 * and the kernel's audit record (audit.c) names the syscall; whichever
 * comes first waits up to a second for the other.
 * Learning mode (learn.c) logs each syscall a service used, once;
 * refusals with errno are logged at most once a minute per call.
 */
#include <linux/seccomp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "master.h"
#include "policy.h"
#include "svcstate.h"
#include "util.h"

#define RECENT_MAX	128
#define PENDING_MAX	64
#define PENDING_MS	1000
#define ERRNO_LOG_MS	60000
#define ANCESTORS_MAX	16

struct recent {
	struct audit_record	 r;
	uint64_t		 at;
};

/* A report waiting for its audit record: what its line needs, copied. */
struct pending {
	char			*fields;	/* NULL: free */
	char			*policy;
	pid_t			 pid;
	bool			 worker;
	char			 peer[ADDR_STR_MAX];
	uint64_t		 due;
};

static struct recent recent[RECENT_MAX];
static size_t nrecent;
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

static pid_t
parent_of(pid_t pid)
{
	pid_t ppid;

	return children_proc_stat(pid, &ppid, NULL, NULL) == 0 ? ppid : 0;
}

/*
 * Whose is this pid, by our own records: a worker's (*how 1), a child
 * server's (2), or a process a child server started (3)? NULL: not one
 * of ours.
 */
static struct msvc *
owner(pid_t pid, int *how)
{
	const struct child_rec *c;
	struct msvc *ms;
	int depth;

	if ((ms = pool_find_worker(pid)) != NULL) {
		*how = 1;
		return ms;
	}
	for (depth = 0; depth < ANCESTORS_MAX && pid > 1; depth++) {
		if ((c = children_find(pid)) != NULL &&
		    (ms = services_find(c->svc)) != NULL) {
			*how = depth == 0 ? 2 : 3;
			return ms;
		}
		if (depth > 0 && (ms = pool_find_worker(pid)) != NULL) {
			*how = 3;
			return ms;
		}
		pid = parent_of(pid);
	}
	return NULL;
}

static void
count(struct msvc *ms)
{
	if (ms->state != NULL)
		__atomic_add_fetch(&ms->state->c.violations, 1,
		    __ATOMIC_RELAXED);
}

static void
log_violation(const char *fields, const char *policy, pid_t pid,
    bool worker, const char *peer, const struct audit_record *r)
{
	char name[64] = "unknown";

	if (r != NULL)
		syscall_name(r->syscall, name, sizeof(name));
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

static const struct audit_record *
recent_find(pid_t pid)
{
	size_t i;

	for (i = 0; i < RECENT_MAX && i < nrecent; i++)
		if (recent[i].r.pid == pid)
			return &recent[i].r;
	return NULL;
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

void
violation_record(const struct audit_record *r)
{
	uint32_t action = r->code & SECCOMP_RET_ACTION_FULL;
	struct msvc *ms;
	char name[64];
	size_t i;
	int how = 0;

	ms = owner(r->pid, &how);
	syscall_name(r->syscall, name, sizeof(name));
	if (action == SECCOMP_RET_ERRNO) {
		if (ms != NULL && first_seen(ms, r->syscall, ERRNO_LOG_MS))
			log_warnx("policy refused a call %s pid=%ld comm=%s "
			    "syscall=%s policy=%s", ms->svc->fields,
			    (long)r->pid, r->comm, name, ms->policy->name);
		return;
	}
	for (i = 0; i < PENDING_MAX; i++)
		if (pending[i].fields != NULL && pending[i].pid == r->pid) {
			log_violation(pending[i].fields, pending[i].policy,
			    r->pid, pending[i].worker, pending[i].peer, r);
			pending_free(&pending[i]);
			return;
		}
	if (ms != NULL && how == 3) {
		/* No one reaps it for us: say it now. */
		count(ms);
		log_violation(ms->svc->fields, ms->policy->name, r->pid, false,
		    "", r);
		return;
	}
	/*
	 * Kept a while for the report that follows: of one of ours, or of a
	 * child we have no record of (it ended before we could look).
	 */
	recent[nrecent % RECENT_MAX].r = *r;
	recent[nrecent % RECENT_MAX].at = now_ms();
	nrecent++;
}

static void
report(struct msvc *ms, pid_t pid, bool worker, const char *peer)
{
	const struct audit_record *r;
	size_t i;

	count(ms);
	audit_poll();
	if ((r = recent_find(pid)) != NULL || !have_audit) {
		log_violation(ms->svc->fields, ms->policy->name, pid, worker,
		    peer, r);
		return;
	}
	for (i = 0; i < PENDING_MAX; i++)
		if (pending[i].fields == NULL) {
			pending[i].fields = xstrdup(ms->svc->fields);
			pending[i].policy = xstrdup(ms->policy->name);
			pending[i].pid = pid;
			pending[i].worker = worker;
			str_copy(pending[i].peer, peer, sizeof(pending[i].peer));
			pending[i].due = now_ms() + PENDING_MS;
			return;
		}
	log_violation(ms->svc->fields, ms->policy->name, pid, worker, peer,
	    NULL);
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
 * ourselves if the worker's log rate has room for it (logged).
 */
void
violation_child(struct msvc *ms, const struct child_rec *r, bool logged)
{
	char addr[ADDR_STR_MAX];

	if (!logged) {
		count(ms);
		return;
	}
	addr_packed_str(r->family, r->addr, r->port, addr, sizeof(addr));
	report(ms, r->pid, false, addr);
}

/* We reaped a worker that died by SIGSYS. */
void
violation_worker(struct msvc *ms, pid_t pid)
{
	report(ms, pid, true, "");
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
	free(seen);
	seen = NULL;
	nseen = 0;
}
