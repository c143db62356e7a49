/* SPDX-License-Identifier: ISC */
/*
 * The privileged master: reads the configuration, binds every socket,
 * starts and supervises the worker pools, and handles signals in its loop.
 * It never reads a byte from the network.
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "policy.h"
#include "util.h"
#include "version.h"

struct options opts = {
	.conf_path = "/etc/inetd.conf",
	.pidfile = "/run/sinetd.pid",
	.policy_dir = "/etc/sinetd/policy",
	.ctl_socket = "/run/sinetd/sinetd.sock",
	.landlock_abi_max = -1,
	.hosts_allow = "/etc/hosts.allow",
	.hosts_deny = "/etc/hosts.deny",
	.internal_user = NULL,		/* internal_ids() */
	.backlog = 128,
	.spawn_rate = 256,
	.idle_timeout_ms = 300 * 1000,
	.drain_ms = 10 * 1000,
	.suspend_ms = 600 * 1000,
	.restart_delay_ms = 100,
	.refresh_delay_ms = 500,
	.stopped_ms = 10 * 1000,
	.max_conns = 4096,
};

static enum { PHASE_STARTING, PHASE_RUNNING, PHASE_STOPPING } phase;
static int epfd = -1;
static int ready_pipe = -1;	/* to the parent waiting for us to daemonize */
static time_t started_wall;		/* for status: the start, wall clock */
static uint64_t started_mono;	/* and monotonic, for the uptime */

int
master_epoll_add(int fd, struct mev *ev)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = ev };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

int
master_epoll_mod(int fd, struct epoll_event *e)
{
	return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, e);
}

int
master_epoll_del(int fd)
{
	return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

static size_t starting;		/* pools of the start not settled yet */
static uint64_t start_generation;
static void	 check_ready(void);

/* A pool's workers all said READY (or it failed): the barriers count it. */
void
master_pool_settled(struct pool *p)
{
	if (phase == PHASE_STARTING && p->generation == start_generation &&
	    starting > 0 && --starting == 0)
		check_ready();
	reload_pool_settled(p);
}

/* Started, and not stopping: a reload may apply. */
bool
master_running(void)
{
	return phase == PHASE_RUNNING;
}

/*
 * One line, once: every socket that could be bound is, and is watched
 * by a cold pool or served by a pool whose preforked workers are ready.
 */
static void
check_ready(void)
{
	struct msvc **svcs;
	size_t i, n, ok = 0, failed = 0;

	if (phase != PHASE_STARTING || starting > 0)
		return;
	svcs = services_all(&n);
	for (i = 0; i < n; i++) {
		if (msvc_serving(svcs[i]))
			ok++;
		else
			failed++;
	}
	phase = PHASE_RUNNING;
	if (failed)
		log_info("ready: %zu services, %zu failed", ok, failed);
	else
		log_info("ready: %zu services", ok);
	sd_notify_state("READY=1");
	if (ready_pipe != -1) {
		if (write(ready_pipe, "", 1) != 1)
			log_warn("cannot tell the parent we are ready");
		close(ready_pipe);
		ready_pipe = -1;
	}
}

/* why is the field that says who asked: signal=TERM, by=sinetctl. */
void
master_stop(const char *why)
{
	if (phase == PHASE_STOPPING)
		return;
	log_info("stopping %s drain=%llums", why,
	    (unsigned long long)opts.drain_ms);
	phase = PHASE_STOPPING;
	sd_notify_state("STOPPING=1");
	reload_cancel();
	services_stop(opts.drain_ms);
}

/*
 * Everything that ended, workers first: a child server handed to us is
 * waitable only once its worker is, and the worker's last words on its
 * channel (the child's spawn among them) are read when it is reaped, so
 * the child is found in our records. A worker that stops or continues is
 * noticed too: a stopped one serves no one.
 */
static void
reap_children(void)
{
	static struct {
		pid_t	pid;
		int	status;
	} *ended;
	static size_t cap;
	size_t n = 0, i;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED |
	    WCONTINUED)) > 0) {
		/* A child server's stop is its own business. */
		if (WIFSTOPPED(status) || WIFCONTINUED(status)) {
			restart_stopped(pid, status);
			continue;
		}
		if (restart_reap(pid, status))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			ended = xreallocarray(ended, cap, sizeof(*ended));
		}
		ended[n].pid = pid;
		ended[n++].status = status;
	}
	for (i = 0; i < n; i++)
		if (!services_adopted_exit(ended[i].pid, ended[i].status))
			log_debug("reaped pid=%ld", (long)ended[i].pid);
}

static int sigfd = -1;

/*
 * SIGUSR1, as xinetd's dump: the status, one line per service in the
 * key=value form sinetctl status prints (report.c, the one formatter).
 */
static void
dump_status(void)
{
	struct buf b = { 0 };
	struct msvc **list;
	size_t n = selector_services(NULL, &list);
	char *line, *save = NULL;

	log_info("dump signal=USR1 services=%zu", n);
	report_status(&b, REPORT_KV, list, n, false);
	free(list);
	if (b.p == NULL)
		return;
	for (line = strtok_r(b.p, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_info("dump: %s", line);
	free(b.p);
}

/* The name as kill(1) spells it; real-time ones relative to SIGRTMIN. */
static const char *
signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev != NULL)
		return abbrev;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, len, "RTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

static void
signal_event(struct mev *ev, uint32_t events)
{
	struct signalfd_siginfo si;
	char name[16], why[32];
	int sig;

	(void)ev;
	(void)events;
	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		sig = (int)si.ssi_signo;
		switch (sig) {
		case SIGTERM:
		case SIGINT:
			snprintf(why, sizeof(why), "signal=%s",
			    signal_name(sig, name, sizeof(name)));
			master_stop(why);
			break;
		case SIGHUP:
			reload_request("signal=HUP");
			break;
		case SIGCHLD:
			reap_children();
			break;
		case SIGUSR1:
			dump_status();
			break;
		default:
			log_info("signal ignored signal=%s sender_pid=%ld",
			    signal_name(sig, name, sizeof(name)),
			    (long)si.ssi_pid);
			break;
		}
	}
}

static struct mev signal_mev = { .fn = signal_event };

/* Signals are read in the loop, never handled in a handler. */
static void
signals_open(void)
{
	sigset_t set;

	/*
	 * Every signal whose default would end or stop us, so none is a
	 * silent death with a stale pidfile and socket; those without a
	 * meaning are logged and ignored. Not the ones a fault raises in
	 * the faulting thread (SEGV, BUS, FPE, ILL, TRAP, SYS) nor ABRT:
	 * blocked, they still kill, and a sanitizer needs them. The
	 * workers start with an empty mask and default actions (pool.c).
	 */
	static const int caught[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD,
	    SIGUSR1, SIGUSR2, SIGQUIT, SIGALRM, SIGVTALRM, SIGPROF, SIGIO,
	    SIGPWR, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGTSTP, SIGTTIN, SIGTTOU };
	size_t i;
	int rt;

	sigemptyset(&set);
	for (i = 0; i < ARRAY_LEN(caught); i++)
		sigaddset(&set, caught[i]);
	for (rt = SIGRTMIN; rt <= SIGRTMAX; rt++)
		sigaddset(&set, rt);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1 ||
	    master_epoll_add(sigfd, &signal_mev) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
}

static void
open_services(struct conf *conf)
{
	struct policy_set *set = policies_new_set();
	struct errors err = { 0 };
	struct msvc **list;
	struct pool **all;
	size_t i, logged = 0, npools;

	list = xcalloc(conf->nsvc ? conf->nsvc : 1, sizeof(*list));
	for (i = 0; i < conf->nsvc; i++) {
		list[i] = msvc_new(conf->svc[i], set, &err);
		conf->svc[i] = NULL;
		for (; logged < err.n; logged++)
			log_errx("%s", err.v[logged]);
		if (list[i]->status == MSVC_FAILED)
			log_errx("cannot start %s reason=\"%s\"",
			    list[i]->svc->fields, list[i]->why);
		else
			msvc_listen(list[i]);
	}
	if (err.more > 0)
		log_errx("... and %zu more errors", err.more);
	services_set(list, conf->nsvc);
	services_guard_ports();
	start_generation = services_place(list, conf->nsvc);
	all = pools_all(&npools);
	for (i = 0; i < npools; i++)
		if (all[i]->generation == start_generation && !all[i]->settled)
			starting++;
	policies_release(set);
	errors_free(&err);
}

/*
 * The parent stays until the daemon is ready, so that "sinetd" returns 0
 * only for a daemon that is serving, and 1 for one that died starting.
 */
/* Said once: what this kernel lets the sandbox close, and what not. */
static void
log_sandbox_level(bool root)
{
	int abi = landlock_abi();

	if (abi >= 6)
		log_info("sandbox: Landlock ABI %d: each child server in a "
		    "domain of its own, signals and abstract sockets scoped",
		    abi);
	else if (abi > 0)
		log_warnx("sandbox: Landlock ABI %d, scopes need 6: each child "
		    "server in a domain of its own (no ptrace, no /proc/PID/mem "
		    "across); the filter keeps signals and SIGIO off the master "
		    "and the worker; other processes of the same user, and "
		    "abstract sockets, stay open", abi);
	else
		log_warnx("sandbox: no Landlock: the filter keeps signals and "
		    "SIGIO off the master and the worker; other processes of "
		    "the same user, ptrace-mode access to a sibling session, "
		    "and abstract sockets stay open");
	if (!root)
		log_warnx("sandbox: without root, no mount namespace per "
		    "pool: the protect-*, private-* directives and the hiding "
		    "of the control socket are not applied");
}

static void
daemonize(void)
{
	int p[2], fd;
	char c;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	ready_pipe = p[1];
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	if (dup2(fd, 0) == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		fatal("dup2");
	if (fd > 2)
		close(fd);
}

/* For status: when this daemon started, and how long it has served. */
time_t
master_started(uint64_t *uptime_ms)
{
	*uptime_ms = now_ms() - started_mono;
	return started_wall;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("cannot raise the descriptor limit");
	}
}

static int
timeout_until(uint64_t when, uint64_t now)
{
	if (when == UINT64_MAX)
		return -1;
	if (when <= now)
		return 0;
	return when - now > 60000 ? 60000 : (int)(when - now);
}

static void
run_loop(void)
{
	struct epoll_event evs[64];
	uint64_t now, next, t;
	int n, k, timeout = 0;	/* once at once: a start with nothing to */
				/* wait for (every bind failed) is ready too */

	for (;;) {
		n = epoll_wait(epfd, evs, (int)ARRAY_LEN(evs), timeout);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		for (k = 0; k < n; k++) {
			struct mev *ev = evs[k].data.ptr;

			ev->fn(ev, evs[k].events);
		}
		now = now_ms();
		next = services_tick(now, phase == PHASE_STOPPING);
		if ((t = violation_timers(now)) < next)
			next = t;
		if ((t = control_tick(now)) < next)
			next = t;
		if ((t = watch_tick(now)) < next)
			next = t;
		if ((t = reload_tick(now)) < next)
			next = t;
		if ((t = notify_tick(now)) < next)
			next = t;
		check_ready();
		if (phase == PHASE_STOPPING && !services_running())
			return;
		timeout = timeout_until(next, now);
	}
}

/* sinetd -n: the configuration, then every policy file, used or not. */
#define INTERNAL_ACCOUNT	"sinetd"
#define DYNAMIC_FIRST		61184	/* systemd's DynamicUser= range */
#define DYNAMIC_LAST		65519

/*
 * The internal services' user, shared with no external service: -u, else
 * the account "sinetd" where the host has one, else, as systemd's
 * DynamicUser= does, a uid and gid of that range that no account or
 * group names (the same one each start, from the name), owning no file.
 * Returns false if -u names no user.
 */
static bool
internal_ids(uid_t *uid, gid_t *gid, const char **how)
{
	struct passwd *pw;
	uint32_t h = 2166136261u, span = DYNAMIC_LAST - DYNAMIC_FIRST + 1, i;
	const char *c;
	uid_t u;

	if (opts.internal_user != NULL) {
		if ((pw = getpwnam(opts.internal_user)) == NULL)
			return false;
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		*how = "-u";
		return true;
	}
	if ((pw = getpwnam(INTERNAL_ACCOUNT)) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		*how = "the account " INTERNAL_ACCOUNT;
		return true;
	}
	for (c = INTERNAL_ACCOUNT; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	for (i = 0; i < span; i++) {
		u = DYNAMIC_FIRST + (h + i) % span;
		if (getpwuid(u) == NULL && getgrgid(u) == NULL)
			break;
	}
	*uid = u;
	*gid = u;
	*how = "dynamic: no account " INTERNAL_ACCOUNT;
	return true;
}

/* Said at start: an external service must not share the internal uid. */
static void
check_internal_uid(const struct conf *conf, uid_t uid)
{
	size_t i;

	for (i = 0; i < conf->nsvc; i++)
		if (conf->svc[i]->builtin != BUILTIN_NONE) {
			log_info("the user field of an internal service is not "
			    "applied: every one runs as uid %ld (-u)",
			    (long)uid);
			break;
		}
	for (i = 0; i < conf->nsvc; i++)
		if (conf->svc[i]->builtin == BUILTIN_NONE &&
		    conf->svc[i]->uid == uid)
			log_warnx("an external service runs as the internal "
			    "services' uid %ld: their workers can signal each "
			    "other %s", (long)uid, conf->svc[i]->fields);
}

int
master_main(void)
{
	struct conf conf = { 0 };
	const char *how = "";
	uid_t uid = 0;
	gid_t gid = 0;
	bool user_ok;
	bool root = geteuid() == 0;
	size_t i;
	int pidfd;

	landlock_cap_abi(opts.landlock_abi_max);
	if (!opts.check_only)
		watch_init();
	conf_load(opts.conf_path, &conf);
	user_ok = internal_ids(&uid, &gid, &how);
	if (opts.check_only)
		return check_main(&conf, user_ok);
	log_init(opts.log_stderr ? LOG_TARGET_STDERR : LOG_TARGET_SYSLOG,
	    opts.verbose, !opts.foreground);
	/* (no pid: a daemon forks after this; the log line carries its own) */
	log_info("sinetd %s starting config=%s", SINETD_VERSION,
	    opts.conf_path);
	if (!user_ok)
		fatalx("-u: unknown user \"%s\" for the internal services",
		    opts.internal_user);
	if (root) {
		log_info("internal services run as uid %ld gid %ld (%s)",
		    (long)uid, (long)gid, how);
		check_internal_uid(&conf, uid);
	}
	for (i = 0; i < conf.err.n; i++)
		log_errx("%s%s", conf.err.v[i], conf.nsvc > 0 ?
		    " (line skipped)" : "");
	if (conf.err.more > 0)
		log_errx("... and %zu more errors (lines skipped)",
		    conf.err.more);

	pidfd = pidfile_lock(opts.pidfile);
	tell_init_paths();
	hosts_start();		/* its paths made absolute, before daemonize() */
	log_sandbox_level(root);
	if (!opts.foreground)
		daemonize();
	/* Our pid is final: the watchdog is for it, or for no one. */
	notify_init();
	if (!root)
		log_info("running as uid %ld, not root: every service runs as "
		    "this user; user fields and -u are not applied",
		    (long)geteuid());
	raise_nofile();
	/*
	 * Child servers whose worker died come to us, so they are still
	 * reaped, logged and counted against their service's limits.
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
		log_warn("cannot become the child servers' subreaper");
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	signals_open();
	watch_open();
#ifdef SINETD_SANITIZE
	{
		/* See SANITIZE in the GNUmakefile: workers, not us. */
		const char *o = getenv("ASAN_OPTIONS");
		char *v;

		xasprintf(&v, "%s%sdetect_leaks=0", o ? o : "", o ? ":" : "");
		setenv("ASAN_OPTIONS", v, 1);
		free(v);
	}
#endif
	pool_init(uid, gid, root);
	cgroup_init();
	if (root && policies_make_empty_dir() == -1)
		log_errx("no empty chroot: the internal services do not start "
		    "(a reload tries again)");
	started_wall = time(NULL);
	started_mono = now_ms();
	control_open();

	/* Before any worker starts: the process events follow its tree. */
	violation_init();
	open_services(&conf);
	conf_free(&conf);
	/* What the parse took goes back before the long idle (malloc_trim). */
	malloc_trim(0);
	watch_configuration();
	pidfile_write(pidfd);
	run_loop();

	watch_close();
	services_free();
	hosts_free();
	violation_free();
	children_free();
	control_close();
	log_info("stopped");
	pidfile_remove(opts.pidfile, pidfd);
	return 0;
}
