/* SPDX-License-Identifier: ISC */
/*
 * Starting a child server, vfork-style: clone(CLONE_VM | CLONE_VFORK) on a
 * stack of our own, so a spawn costs no copy of the worker's page tables,
 * and the child runs our code between clone and exec (which posix_spawn
 * cannot do for the rlimits a policy sets). The parent sleeps until the
 * child has exec'd or failed; a failure's errno comes back through the
 * memory they share.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"
#include "worker.h"

#define CHILD_STACK	(64 * 1024)

static char child_stack[CHILD_STACK] __attribute__((aligned(64)));
static volatile int child_errno;
/* The signals whose disposition is not the default, once read. */
static int changed_sigs[NSIG];
static int nchanged = -1;

/*
 * The worker takes its signals from a signalfd and installs no handler:
 * what differs from the default is what the master's posix_spawn left
 * ignored (glibc's 32 and 33). Read once, at the first spawn, so a spawn
 * resets those few and not all 64, each a call through the worker's
 * seccomp filter; a disposition the worker changed later would be
 * missed, so it must not change one. A kernel sigaction's handler is its
 * first word.
 */
static void
read_changed_sigs(void)
{
	unsigned long old[4];
	int sig;

	nchanged = 0;
	for (sig = 1; sig < NSIG; sig++) {
		memset(old, 0, sizeof(old));
		if (syscall(SYS_rt_sigaction, sig, NULL, old,
		    (size_t)(NSIG - 1) / 8) == -1 ||
		    old[0] != (unsigned long)SIG_DFL)
			changed_sigs[nchanged++] = sig;
	}
}

/*
 * In the child, sharing our memory: only system calls, nothing that takes
 * a lock or allocates, and never a return.
 */
__attribute__((no_sanitize_address, noinline)) static int
child_main(void *arg)
{
	const struct spawn *sp = arg;
	const struct policy *p = sp->policy;
	unsigned long dfl[4];
	sigset_t none;
	int i, r;

	/*
	 * The raw call: glibc's sigaction refuses its own signals (32, 33).
	 * An all-zero kernel sigaction is SIG_DFL on every layout.
	 */
	memset(dfl, 0, sizeof(dfl));
	for (i = 0; i < nchanged; i++)
		(void)syscall(SYS_rt_sigaction, changed_sigs[i], dfl, NULL,
		    (size_t)(NSIG - 1) / 8);
	if (setsid() == -1)
		goto fail;
	umask(p->umask_set ? (mode_t)p->umask : 022);
	if (chdir("/") == -1)
		goto fail;
	for (r = 0; r < POLICY_RLIMITS; r++) {
		struct rlimit rl = { p->rlimit[r].cur, p->rlimit[r].max };

		if ((p->rlimit_set & (1U << r)) && setrlimit(r, &rl) == -1)
			goto fail;
	}
	if (p->nice_set && setpriority(PRIO_PROCESS, 0, p->nice) == -1)
		goto fail;
	if (dup2(sp->fd, 0) == -1 || dup2(sp->fd, 1) == -1 ||
	    dup2(sp->fd, 2) == -1)
		goto fail;
	/* A domain of its own: outside its worker's and its siblings'. */
	if (landlock_child_enter() == -1)
		goto fail;
	if (close_range(3, ~0U, 0) == -1)
		goto fail;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
		goto fail;
	execve(sp->path, sp->argv, sp->envp);
fail:
	child_errno = errno ? errno : EINVAL;
	_exit(127);
}

/*
 * Returns the child's pid, or -1 with *err the errno of the step that
 * failed (clone, or anything in the child up to and including exec).
 * sp->fd must be 3 or above: it becomes the child's 0, 1 and 2.
 */
pid_t
spawn_child(const struct spawn *sp, int *err)
{
	sigset_t all, old;
	pid_t pid;
	int saved;

	if (nchanged == -1)
		read_changed_sigs();
	/* No handler may run in the child on our stack before it resets. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	child_errno = 0;
	pid = clone(child_main, child_stack + CHILD_STACK,
	    CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)sp);
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		*err = saved;
		return -1;
	}
	if (child_errno != 0) {
		*err = child_errno;
		(void)waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}
