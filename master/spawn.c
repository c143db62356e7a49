/* SPDX-License-Identifier: ISC */
/*
 * Starting a worker: a fresh image of the worker binary, told our build,
 * with its channel and its pool's sockets at the numbers msg.h gives, and
 * its description sent.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildid.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "policy.h"
#include "util.h"
#include "workerbin.h"

#define TITLE_MAX	4096	/* of the services a worker's argv lists */

extern char **environ;

static int worker_bin_fd = -1;		/* open_worker_bin() */
static char build_arg[64];		/* build=ID, for the worker to check */

/*
 * The worker binary, opened once (workerbin.c): every worker is this
 * image, whatever replaces the file on disk later, and of our build.
 */
static void
open_worker_bin(void)
{
	char why[PATH_MAX + 160];

	if ((worker_bin_fd = workerbin_open(why, sizeof(why))) == -1)
		fatalx("cannot start workers: %s", why);
	snprintf(build_arg, sizeof(build_arg), BUILD_ARG_PREFIX "%s",
	    build_id);
}

void
spawn_init(void)
{
	open_worker_bin();
}

/*
 * What ps shows of a worker: its pool's services, as many as fit (so
 * that a worker is found by the service it serves).
 */
static char *
title(const struct pool *p)
{
	char *t = xcalloc(1, TITLE_MAX);
	size_t len = 0;
	uint32_t i;
	int n;

	t[0] = '\0';
	if (p->nslots > 1)
		len = (size_t)snprintf(t, TITLE_MAX, "pool=%llu ",
		    (unsigned long long)p->id);
	for (i = 0; i < p->nslots && len < TITLE_MAX; i++) {
		if (p->svcs[i] == NULL)
			continue;
		n = snprintf(t + len, TITLE_MAX - len, "%s%s", len > 0 &&
		    t[len - 1] != ' ' ? " " : "", p->svcs[i]->svc->fields);
		if (n < 0 || (size_t)n >= TITLE_MAX - len) {
			t[len] = '\0';
			break;
		}
		len += (size_t)n;
	}
	return t;
}

/*
 * The pool's sockets, in slot order, each with its shared state: those
 * this worker, started now, serves (a reload may have moved some away;
 * a UDP socket of internal services is one worker's, pool.c).
 */
static size_t
sockets_of(const struct mworker *w, int *fds)
{
	const struct pool *p = w->pool;
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < p->nslots; i++) {
		const struct msvc *ms = p->svcs[i];

		if (!pool_reads(w, i))
			continue;
		fds[2 * n] = ms->fd;
		fds[2 * n + 1] = ms->shared_fd;
		n++;
	}
	return n;
}

/*
 * A fresh image of the worker binary (open_worker_bin), told our build,
 * the channel at fd 3, the binary at fd 6 to execute it by (posix_spawn
 * has no fexecve: /proc/self/fd/6 is the same descriptor; the worker
 * closes it first thing), then each socket's listening descriptor and
 * state from fd 7 on (WORKER_LISTEN_FD), every other descriptor closed,
 * default signals, its own process group so a terminal's ^C reaches the
 * master alone.
 */
void
spawn_worker(struct mworker *w)
{
	struct pool *p = w->pool;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char *t = title(p);
	char *argv[] = { "sinetd-worker", build_arg, t, NULL };
	int *fds = xcalloc(2 * (size_t)p->nslots + 2, sizeof(*fds));
	int sv[2], rc, high, i, nfds;
	size_t n;
	pid_t pid;

	w->restart_at = 0;
	w->stopped_at = 0;
	w->started_at = now_ms();
	n = sockets_of(w, fds);
	if (n == 0) {
		/* Nothing left to serve: a reload took every socket. */
		free(fds);
		free(t);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair for worker %s", p->label);
		restart_schedule(w, w->started_at);
		free(fds);
		free(t);
		return;
	}
	nfds = (int)(2 * n);
	fds[nfds] = sv[1];
	fds[nfds + 1] = worker_bin_fd;
	/*
	 * In the child, every source first goes above both every source
	 * and every target, then to its target: no dup2 clobbers a
	 * descriptor another still needs.
	 */
	high = WORKER_LISTEN_FD(n);
	for (i = 0; i < nfds + 2; i++)
		if (fds[i] >= high)
			high = fds[i] + 1;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	for (i = 0; i < nfds + 2; i++)
		posix_spawn_file_actions_adddup2(&fa, fds[i], high + i);
	for (i = 0; i < nfds; i++)
		posix_spawn_file_actions_adddup2(&fa, high + i,
		    WORKER_FD_BASE + i);
	posix_spawn_file_actions_adddup2(&fa, high + nfds, WORKER_CHAN_FD);
	posix_spawn_file_actions_adddup2(&fa, high + nfds + 1, WORKER_SELF_FD);
	posix_spawn_file_actions_addclosefrom_np(&fa, WORKER_FD_BASE + nfds);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(&pid, WORKER_SELF_PATH, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(fds);
	free(t);
#ifdef SINETD_TEST_HOOKS
	/* build/t/sinetd-hooks only: the first worker lies, not its heirs. */
	if (rc == 0) {
		unsetenv("SINETD_TEST_FORGE");
		unsetenv("SINETD_TEST_EMFILE_AT_START");
		unsetenv("SINETD_TEST_FATAL_FULL");
	}
#endif
	close(sv[1]);
	if (rc != 0) {
		errno = rc;
		log_warn("cannot start worker %s", p->label);
		close(sv[0]);
		restart_schedule(w, w->started_at);
		return;
	}
	/* Before it reads its service, so before it can fork. */
	if (!p->internal && cgroup_attach(p->label, p->policy, pid) == -1)
		log_warn("cannot bound the pool's processes and memory %s",
		    p->label);
	w->pid = pid;
	monitor_start(w, sv[0]);
	if (fd_set_nonblock(w->chan, true) == -1 ||
	    master_epoll_add(w->chan, &w->ev) == -1)
		fatal("cannot watch worker channel");
	tell_description(w);
	log_debug("worker started %s pid=%ld", p->label, (long)pid);
}
