/*
 * Lock-down: everything the worker needs is resolved first, then it drops
 * to its user in a fixed order. Any failure is fatal and the worker is not
 * restarted: a worker that cannot confine itself must never serve.
 */
#include <sys/prctl.h>

#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

/* What must be read before the files are out of reach. */
void
lockdown_prepare(const struct msg_service *m)
{
	(void)m;
	tzset();
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
	if (uid != 0 && setresuid(0, 0, 0) != -1)
		fatalx("lock-down: could regain root after the drop");
}

void
lockdown(const struct msg_service *m)
{
	if (m->change_ids)
		drop_ids(m->uid, m->gid, m->groups, m->ngroups);
	/* A change of ids clears the parent-death signal: set it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		fatal("lock-down: PR_SET_PDEATHSIG");
	if (getppid() != m->master_pid)
		exit(0);	/* the master died while we set up */
}
