/* SPDX-License-Identifier: ISC */
/*
 * Worker pools: starting each worker from the worker binary, telling
 * it what to serve, hearing its reports, and restarting it when it dies.
 */
#include <sys/socket.h>
#include <sys/wait.h>

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
#include "chan.h"
#include <grp.h>
#include "policy.h"
#include "svcstate.h"
#include "log.h"
#include "master.h"
#include "util.h"
#include "workerbin.h"

#define HEALTHY_UPTIME_MS	10000	/* lived this long: restart at once */
#define RESTART_DELAY_MAX_MS	30000

extern char **environ;

static int worker_bin_fd = -1;		/* open_worker_bin() */
static char build_arg[64];		/* build=ID, for the worker to check */
static uid_t internal_uid;
static gid_t internal_gid;
static bool change_ids;
static uint8_t guard_ports[GUARD_PORTS_BYTES];

/* Running workers, to find one by pid when it is reaped. */
static struct worker **running;
static size_t nrunning;

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
pool_init(uid_t uid, gid_t gid, bool root)
{
	internal_uid = uid;
	internal_gid = gid;
	change_ids = root;
	open_worker_bin();
}

/* No internal UDP service ever answers a datagram from another one. */
void
pool_set_guard_port(int port)
{
	guard_ports[port / 8] |= (uint8_t)(1 << (port % 8));
}

void
pool_clear_guard_ports(void)
{
	memset(guard_ports, 0, sizeof(guard_ports));
}

/* A running internal UDP service learns the ports of the others anew. */
void
pool_send_guard(struct msvc *ms)
{
	static struct msg_guard m;
	unsigned i;

	memcpy(m.udp_guard_ports, guard_ports, sizeof(guard_ports));
	for (i = 0; i < ms->nworkers; i++)
		if (ms->workers[i].chan != -1 && chan_send(ms->workers[i].chan,
		    MSG_GUARD, &m, sizeof(m), MSG_DONTWAIT) == -1)
			log_warn("cannot update the guard ports %s pid=%ld",
			    ms->svc->fields, (long)ms->workers[i].pid);
}

static unsigned
pool_size(const struct msvc *ms)
{
	if (ms->policy->workers)
		return ms->policy->workers;
	/*
	 * daytime and time hold no connection: one worker answers at the
	 * rate of the accept queue, and a second would only contend for the
	 * listening socket's lock (measured: a tenth of the time in a spin).
	 */
	if (ms->svc->builtin == BUILTIN_DAYTIME ||
	    ms->svc->builtin == BUILTIN_TIME)
		return 1;
	if (ms->svc->builtin != BUILTIN_NONE && ms->svc->socktype == SOCK_STREAM)
		return opts.workers;
	return 1;
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
pool_state_open(struct msvc *ms)
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
	ms->state_fd = svcstate_create(ms->nslots, &ms->state);
	if (ms->state_fd == -1) {
		ms->state = NULL;
		return -1;
	}
	return 0;
}

void
pool_state_close(struct msvc *ms)
{
	svcstate_unmap(ms->state, ms->nslots);
	ms->state = NULL;
	if (ms->state_fd != -1)
		close(ms->state_fd);
	ms->state_fd = -1;
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

static void
running_add(struct worker *w)
{
	running = xreallocarray(running, nrunning + 1, sizeof(*running));
	running[nrunning++] = w;
}

struct msvc *
pool_find_worker(pid_t pid)
{
	size_t i;

	for (i = 0; i < nrunning; i++)
		if (running[i]->pid == pid)
			return running[i]->ms;
	return NULL;
}

/*
 * A worker stopped (SIGSTOP, a debugger) or continued. Stopped, it
 * serves no one: said once, and if it stays so past -o stopped, killed
 * (pool_timers) and replaced like any dead worker. False: not a worker.
 */
bool
pool_stopped(pid_t pid, int status)
{
	struct worker *w = NULL;
	const char *name;
	uint64_t now = now_ms();
	size_t i;

	for (i = 0; i < nrunning && w == NULL; i++)
		if (running[i]->pid == pid)
			w = running[i];
	if (w == NULL)
		return false;
	if (WIFSTOPPED(status)) {
		if (w->stopped_at != 0)
			return true;
		w->stopped_at = now;
		name = sigabbrev_np(WSTOPSIG(status));
		log_warnx("worker stopped %s pid=%ld signal=%s",
		    w->ms->svc->fields, (long)pid, name ? name : "?");
	} else if (w->stopped_at != 0) {
		log_info("worker continued %s pid=%ld stopped_for=%llums",
		    w->ms->svc->fields, (long)pid,
		    (unsigned long long)(now - w->stopped_at));
		w->stopped_at = 0;
	}
	return true;
}

static struct worker *
running_take(pid_t pid)
{
	struct worker *w;
	size_t i;

	for (i = 0; i < nrunning; i++) {
		if (running[i]->pid != pid)
			continue;
		w = running[i];
		running[i] = running[--nrunning];
		return w;
	}
	return NULL;
}

/* The user's supplementary groups, as initgroups(3) would set them. */
static uint32_t
service_groups(const struct service *s, uint32_t *out)
{
	gid_t list[MSG_GROUPS_MAX];
	int n = MSG_GROUPS_MAX, i;

	if (getgrouplist(s->user, s->gid, list, &n) == -1) {
		log_warnx("user in more than %d groups, the rest are not "
		    "set %s user=%s", MSG_GROUPS_MAX, s->fields, s->user);
		n = MSG_GROUPS_MAX;
	}
	for (i = 0; i < n; i++)
		out[i] = list[i];
	return (uint32_t)n;
}

/* What the pools' namespaces keep from the children, as absolute paths. */
static struct {
	char	conf[MSG_PATH_MAX], policy_dir[MSG_PATH_MAX];
	char	pidfile[MSG_PATH_MAX], ctl_socket[MSG_PATH_MAX];
} sandbox;

static void
absolute(const char *path, char *out, size_t len)
{
	char cwd[MSG_PATH_MAX];

	if (path == NULL || path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		str_copy(out, path ? path : "", len);
	else if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len)
		out[0] = '\0';	/* too long to protect: said at start */
	if (path != NULL && out[0] == '\0')
		log_warnx("path too long to keep from the child servers: %s",
		    path);
}

/* Before daemonize() leaves the directory the paths are relative to. */
void
pool_init_paths(void)
{
	absolute(opts.conf_path, sandbox.conf, sizeof(sandbox.conf));
	absolute(opts.policy_dir, sandbox.policy_dir,
	    sizeof(sandbox.policy_dir));
	absolute(opts.pidfile, sandbox.pidfile, sizeof(sandbox.pidfile));
	absolute(opts.ctl_socket, sandbox.ctl_socket,
	    sizeof(sandbox.ctl_socket));
}

static void
send_service(struct worker *w)
{
	static struct msg_service m;
	const struct service *s = w->ms->svc;
	size_t off = 0;
	int i;

	memset(&m, 0, sizeof(m));
	m.version = MSG_VERSION;
	m.master_pid = getpid();
	m.socktype = s->socktype;
	m.family = s->family;
	m.builtin = s->builtin;
	m.change_ids = change_ids;
	m.max_conns = opts.max_conns;
	m.idle_timeout_ms = w->ms->policy->idle_timeout_ms ?
	    w->ms->policy->idle_timeout_ms : (uint32_t)opts.idle_timeout_ms;
	m.log_connections = opts.log_connections;
	str_copy(m.title, s->fields, sizeof(m.title));
	m.landlock_abi_max = opts.landlock_abi_max;
	memcpy(m.conf_path, sandbox.conf, sizeof(m.conf_path));
	memcpy(m.policy_dir, sandbox.policy_dir, sizeof(m.policy_dir));
	memcpy(m.pidfile, sandbox.pidfile, sizeof(m.pidfile));
	memcpy(m.ctl_socket, sandbox.ctl_socket, sizeof(m.ctl_socket));
	if (s->builtin != BUILTIN_NONE) {
		/* Internal services never need root, whatever the line says. */
		m.uid = internal_uid;
		m.gid = internal_gid;
		memcpy(m.udp_guard_ports, guard_ports, sizeof(guard_ports));
	} else {
		m.uid = s->uid;
		m.gid = s->gid;
		if (change_ids)
			m.ngroups = service_groups(s, m.groups);
		m.wait = s->wait;
		m.keep_env = opts.keep_env;
		m.nslots = w->ms->nslots;
		m.max_spawn = s->max_spawn ? s->max_spawn : opts.spawn_rate;
		m.max_child = s->max_child;
		m.max_cpm = s->max_cpm;
		m.max_perip = s->max_perip;
		m.suspend_ms = (uint32_t)pool_suspend_ms(w->ms);
		str_copy(m.program, s->program, sizeof(m.program));
		m.argc = (uint32_t)s->argc;
		for (i = 0; i < s->argc; i++) {
			size_t len = strlen(s->argv[i]) + 1;

			memcpy(m.args + off, s->argv[i], len);
			off += len;
		}
	}
	if (chan_send(w->chan, MSG_SERVICE, &m, sizeof(m), MSG_DONTWAIT) == -1 ||
	    chan_send(w->chan, MSG_POLICY, w->ms->policy,
	    sizeof(*w->ms->policy), MSG_DONTWAIT) == -1)
		log_warn("cannot send the service to worker %s pid=%ld",
		    s->fields, (long)w->pid);
	hosts_send(w->chan);
}

/*
 * At once the first time, and after a healthy life; a restarted worker
 * that dies again before it has lived HEALTHY_UPTIME_MS waits
 * restart-delay, then twice that, up to a cap. (The death after a long
 * life is not the first of a quick pair: the second death at once, then
 * 0, 100 ms, was one step later than sinetd(8) says.)
 */
static void
schedule_restart(struct worker *w, uint64_t now)
{
	if (now - w->started_at >= HEALTHY_UPTIME_MS || w->quick_deaths == 0) {
		w->backoff_ms = 0;
		w->quick_deaths = 1;	/* restarted: the next death is quick */
	} else {
		w->backoff_ms = w->backoff_ms == 0 ? opts.restart_delay_ms :
		    w->backoff_ms * 2 > RESTART_DELAY_MAX_MS ?
		    RESTART_DELAY_MAX_MS : w->backoff_ms * 2;
		w->quick_deaths++;
	}
	w->restart_at = now + w->backoff_ms;
}

/*
 * A fresh image of the worker binary (open_worker_bin), told our build,
 * the channel at fd 3, the listening socket at fd 4, the service's state
 * at fd 5 and the binary at fd 6 to execute it by (posix_spawn has no
 * fexecve: /proc/self/fd/6 is the same descriptor; the worker closes it
 * first thing), every other descriptor closed, default signals, its own
 * process group so a terminal's ^C reaches the master alone.
 */
static void
worker_spawn(struct worker *w)
{
	const struct service *s = w->ms->svc;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char *argv[] = { "sinetd-worker", build_arg, s->fields, NULL };
	int sv[2], chan_tmp = -1, listen_tmp = -1, state_tmp = -1;
	int self_tmp = -1, rc;
	pid_t pid;

	w->restart_at = 0;
	w->stopped_at = 0;
	w->started_at = now_ms();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair for worker %s", s->fields);
		schedule_restart(w, w->started_at);
		return;
	}
	/* Above the target numbers, so neither dup2 clobbers the other. */
	chan_tmp = fcntl(sv[1], F_DUPFD_CLOEXEC, WORKER_SELF_FD + 1);
	listen_tmp = fcntl(w->ms->fd, F_DUPFD_CLOEXEC, WORKER_SELF_FD + 1);
	state_tmp = fcntl(w->ms->state_fd, F_DUPFD_CLOEXEC, WORKER_SELF_FD + 1);
	self_tmp = fcntl(worker_bin_fd, F_DUPFD_CLOEXEC, WORKER_SELF_FD + 1);
	if (chan_tmp == -1 || listen_tmp == -1 || state_tmp == -1 ||
	    self_tmp == -1) {
		log_warn("dup for worker %s", s->fields);
		rc = -1;
		goto out;
	}
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, chan_tmp, WORKER_CHAN_FD);
	posix_spawn_file_actions_adddup2(&fa, listen_tmp, WORKER_LISTEN_FD);
	posix_spawn_file_actions_adddup2(&fa, state_tmp, WORKER_STATE_FD);
	posix_spawn_file_actions_adddup2(&fa, self_tmp, WORKER_SELF_FD);
	posix_spawn_file_actions_addclosefrom_np(&fa, WORKER_SELF_FD + 1);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	rc = posix_spawn(&pid, WORKER_SELF_PATH, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
#ifdef SINETD_TEST_HOOKS
	/* build/t/sinetd-hooks only: the first worker lies, not its heirs. */
	if (rc == 0) {
		unsetenv("SINETD_TEST_FORGE");
		unsetenv("SINETD_TEST_EMFILE_AT_START");
		unsetenv("SINETD_TEST_FATAL_FULL");
	}
#endif
	if (rc != 0) {
		errno = rc;
		log_warn("cannot start worker %s", s->fields);
	}
out:
	if (chan_tmp != -1)
		close(chan_tmp);
	if (listen_tmp != -1)
		close(listen_tmp);
	if (state_tmp != -1)
		close(state_tmp);
	if (self_tmp != -1)
		close(self_tmp);
	close(sv[1]);
	if (rc != 0) {
		close(sv[0]);
		schedule_restart(w, w->started_at);
		return;
	}
	/* Before it reads its service, so before it can fork. */
	if (s->builtin == BUILTIN_NONE && cgroup_attach(s->fields,
	    w->ms->policy, pid) == -1)
		log_warn("cannot bound the pool's processes and memory %s",
		    s->fields);
	w->pid = pid;
	monitor_start(w, sv[0]);
	if (fd_set_nonblock(w->chan, true) == -1 ||
	    master_epoll_add(w->chan, &w->ev) == -1)
		fatal("cannot watch worker channel");
	running_add(w);
	send_service(w);
	log_debug("worker started %s pid=%ld", s->fields, (long)pid);
}

void
pool_start(struct msvc *ms)
{
	unsigned i;

	ms->nworkers = pool_size(ms);
	ms->workers = xcalloc(ms->nworkers, sizeof(*ms->workers));
	for (i = 0; i < ms->nworkers; i++) {
		ms->workers[i].ms = ms;
		ms->workers[i].chan = -1;
		worker_spawn(&ms->workers[i]);
	}
}

bool
pool_running(const struct msvc *ms)
{
	unsigned i;

	for (i = 0; i < ms->nworkers; i++)
		if (ms->workers[i].pid != 0)
			return true;
	return false;
}

void
pool_stop(struct msvc *ms, uint64_t drain_ms)
{
	struct msg_stop m = { .drain_ms = (uint32_t)drain_ms };
	unsigned i;

	for (i = 0; i < ms->nworkers; i++) {
		struct worker *w = &ms->workers[i];

		w->restart_at = 0;
		if (w->pid != 0 && w->chan != -1 &&
		    chan_send(w->chan, MSG_STOP, &m, sizeof(m),
		    MSG_DONTWAIT) == -1)
			log_warn("cannot tell worker to stop %s pid=%ld",
			    ms->svc->fields, (long)w->pid);
	}
}

/*
 * Restarts that are due, and counts of dropped log lines; returns when
 * the next is (or UINT64_MAX).
 */
uint64_t
pool_timers(struct msvc *ms, uint64_t now)
{
	uint64_t next = UINT64_MAX, t;
	unsigned i;

	for (i = 0; i < ms->nworkers; i++) {
		struct worker *w = &ms->workers[i];

		if ((t = monitor_timer(w, now)) < next)
			next = t;
		if (w->stopped_at != 0 && w->pid != 0) {
			if (now - w->stopped_at >= opts.stopped_ms) {
				log_errx("worker stayed stopped, killing it %s "
				    "pid=%ld stopped_for=%llums",
				    ms->svc->fields, (long)w->pid,
				    (unsigned long long)(now - w->stopped_at));
				kill(w->pid, SIGKILL);
				/* Its death, reaped, says the rest. */
				w->stopped_at = 0;
			} else if (w->stopped_at + opts.stopped_ms < next)
				next = w->stopped_at + opts.stopped_ms;
		}
		if (w->restart_at == 0)
			continue;
		if (w->restart_at <= now)
			worker_spawn(w);
		if (w->restart_at != 0 && w->restart_at < next)
			next = w->restart_at;
	}
	return next;
}

/* One of our children ended: if it was a worker, say why and heal. */
bool
pool_reap(pid_t pid, int status)
{
	struct worker *w = running_take(pid);
	struct msvc *ms;
	char how[64];

	if (w == NULL)
		return false;
	ms = w->ms;
	/* Its last words may still be in the channel, all of them. */
	w->reaped = true;
	if (w->chan != -1)
		monitor_read(w, 0);
	monitor_log_dropped(w, now_ms(), true);
	monitor_close(w);
	w->pid = 0;
	wait_status_str(status, how, sizeof(how));
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		violation_worker(ms, pid, w->started_at);
	if (ms->status == MSVC_FAILED || ms->fd == -1) {
		log_debug("worker exited %s pid=%ld %s", ms->svc->fields,
		    (long)pid, how);
		return true;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NORESPAWN) {
		char quoted[sizeof(w->last_error) + 64];
		unsigned i;

		ms->status = MSVC_FAILED;
		free(ms->why);
		ms->why = xstrdup(w->last_error[0] ? w->last_error :
		    "worker could not set up");
		log_errx("service failed, not restarting it %s reason=%s",
		    ms->svc->fields, log_quote(ms->why, quoted,
			sizeof(quoted)));
		for (i = 0; i < ms->nworkers; i++)
			ms->workers[i].restart_at = 0;
		pool_stop(ms, 0);
		master_service_settled(ms);
		return true;
	}
	schedule_restart(w, now_ms());
	log_warnx("worker died %s pid=%ld %s restart_in=%llums",
	    ms->svc->fields, (long)pid, how,
	    (unsigned long long)w->backoff_ms);
	if (!w->ready)
		master_service_settled(ms);
	w->ready = false;
	return true;
}
