/* SPDX-License-Identifier: ISC */
/*
 * Lock-down, one function, in a fixed order, every step fatal: everything
 * is resolved first (time zone, policy, filters, the Landlock ruleset),
 * then rlimits, the pool's mount namespace, chroot, the ids, the
 * capabilities and bounding set, no_new_privs, Landlock, seccomp, and
 * last no more core dumps or ptrace by our own uid. A worker that cannot confine
 * itself exits with the "do not respawn" status and never serves.
 *
 * A policy that says no-new-privileges no (a session that runs setuid
 * programs, such as uucico) takes the second order: without no_new_privs
 * the kernel takes a seccomp filter or a Landlock domain only from a
 * holder of CAP_SYS_ADMIN, so both are entered while the worker is still
 * root, and the ids and capabilities are dropped under them. Its child
 * servers then get no Landlock domain of their own (they could not enter
 * one); the pool's domain, mount namespace, cgroup and filters hold them.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "policy.h"
#include "worker.h"

static struct policy_filter policy_filter, guard_filter, quiet_filter;

/* What must be read before the files are out of reach. */
void
lockdown_prepare(const struct msg_service *m, struct policy *p)
{
	char err[256];

	tzset();
	landlock_cap_abi(m->landlock_abi_max);
	if (policy_worker_filters(p, !m->internal,
	    m->master_pid, &policy_filter, &guard_filter, err,
	    sizeof(err)) == -1 ||
	    filter_compile_quiet(&quiet_filter, err, sizeof(err)) == -1)
		fatalx("lock-down: seccomp: %s", err);
}

static void
drop_ids(uid_t uid, gid_t gid, const uint32_t *groups, uint32_t ngroups)
{
	gid_t list[MSG_GROUPS_MAX];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	uint32_t i;

	for (i = 0; i < ngroups; i++)
		list[i] = groups[i];
	if (setgroups(ngroups, list) == -1)
		fatal("lock-down: setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("lock-down: setresgid gid=%lu", (unsigned long)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("lock-down: setresuid uid=%lu", (unsigned long)uid);
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		fatal("lock-down: getresuid");
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid)
		fatalx("lock-down: the privilege drop did not hold");
}

/*
 * The worker's own limits: an internal-service worker never starts a
 * process or writes a file. A child server's limits are its policy's,
 * set in the child (spawn.c).
 */
static void
own_rlimits(const struct msg_service *m)
{
	struct rlimit zero = { 0, 0 };

	if (!m->internal || !m->change_ids)
		return;
	if (setrlimit(RLIMIT_NPROC, &zero) == -1 ||
	    setrlimit(RLIMIT_FSIZE, &zero) == -1)
		fatal("lock-down: setrlimit");
}

/* Landlock, then the guard and the policy's filters. */
static void
confine(const struct policy *p)
{
	char err[256];
	int listener;

	if (landlock_enforce(err, sizeof(err)) == -1)
		fatalx("lock-down: landlock: %s", err);
	/*
	 * First, while seccomp(2) is ours to call, and unlogged: glibc's
	 * clone3 fallback is no event (filter.c).
	 */
	if (filter_load(&quiet_filter, 0) == -1)
		fatal("lock-down: seccomp quiet filter");
	/*
	 * SECCOMP_FILTER_FLAG_LOG: every action but allow reaches the audit
	 * log, which is how the master names the syscall of a violation.
	 */
	if (filter_load(&guard_filter, SECCOMP_FILTER_FLAG_LOG) == -1)
		fatal("lock-down: seccomp guard");
	if (p->action == ACTION_LOG && p->kind != POLICY_NONE) {
		/* Learning mode: the master hears of every other call. */
		/* No FLAG_LOG: the kernel would log every call again. */
		if ((listener = filter_load(&policy_filter,
		    SECCOMP_FILTER_FLAG_NEW_LISTENER)) == -1)
			fatal("lock-down: seccomp policy %s", p->name);
		if (chan_send_fd(WORKER_CHAN_FD, MSG_LEARN, NULL, 0, 0,
		    listener) == -1)
			fatal("lock-down: handing over the notifications");
		close(listener);
	} else if (filter_load(&policy_filter, SECCOMP_FILTER_FLAG_LOG) == -1)
		fatal("lock-down: seccomp policy %s", p->name);
}

void
lockdown(const struct msg_service *m, const struct policy *p)
{
	bool internal = m->internal;
	/* Only a root worker of an external service can take it. */
	bool setuid_order = !internal && (p->protect & SETUID_SESSIONS);
	uint64_t missing = 0, keep;
	char err[256];
	int i;

	if (setuid_order && (!m->change_ids || geteuid() != 0))
		fatalx("lock-down: no-new-privileges no needs sinetd to run "
		    "as root (policy=%s)", p->name);

	own_rlimits(m);
	/* The pool's own mounts, while we may still mount. */
	if (!internal && m->change_ids) {
		struct mountns_protect own = { .conf = m->conf_path,
			.policy_dir = m->policy_dir, .pidfile = m->pidfile,
			.ctl_socket = m->ctl_socket };

		if (mountns_enter(p, &own, err, sizeof(err)) == -1)
			fatalx("lock-down: mount namespace: %s", err);
	}
	if (p->chroot[0] != '\0' && m->change_ids) {
		if (chroot(p->chroot) == -1 || chdir("/") == -1)
			fatal("lock-down: chroot %s", p->chroot);
	}
	/* The paths are opened now, as root and inside any chroot. */
	if (landlock_prepare(p, internal, err, sizeof(err)) == -1 ||
	    (!internal && !setuid_order &&
	    landlock_child_prepare(err, sizeof(err)) == -1))
		fatalx("lock-down: landlock: %s", err);
	if (setuid_order)
		confine(p);
	if (m->change_ids) {
		if (caps_keep_before_setuid() == -1)
			fatal("lock-down: PR_SET_KEEPCAPS");
		drop_ids(m->uid, m->gid, m->groups, m->ngroups);
		keep = internal ? 0 : m->uid == 0 ? p->caps | p->root_caps :
		    p->caps;
		if (caps_apply(keep, true, m->uid != 0 && keep != 0, &missing,
		    err, sizeof(err)) == -1)
			fatalx("lock-down: capabilities: %s", err);
	}
	/* A change of ids clears the parent-death signal: set it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		fatal("lock-down: PR_SET_PDEATHSIG");
	if (getppid() != m->master_pid)
		exit(0);	/* the master died while we set up */
	if (!setuid_order && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1))
		fatal("lock-down: no_new_privs");
	/*
	 * Not even our own uid may read our memory or attach to us: a child
	 * server of the same user, or anything else on the host.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("lock-down: PR_SET_DUMPABLE");
	if (!setuid_order)
		confine(p);
	/* Said once we are confined: the channel is all we need for it. */
	for (i = 0; i < 64; i++)
		if (missing & (1ULL << i))
			log_info("capability left out: sinetd does not hold it "
			    "policy=%s cap=%s", p->name, caps_name(i));
}