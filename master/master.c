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
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
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

#define STOP_GRACE_MS	2000	/* after the drain, before SIGKILL */

struct options opts = {
	.conf_path = "/etc/inetd.conf",
	.pidfile = "/run/sinetd.pid",
	.policy_dir = "/etc/sinetd/policy",
	.ctl_socket = "/run/sinetd.sock",
	.internal_user = "nobody",
	.backlog = 128,
	.spawn_rate = 256,
	.idle_timeout_ms = 300 * 1000,
	.drain_ms = 10 * 1000,
	.suspend_ms = 600 * 1000,
	.restart_delay_ms = 100,
	.max_conns = 4096,
};

static enum { PHASE_STARTING, PHASE_RUNNING, PHASE_STOPPING } phase;
static struct msvc *svcs;
static size_t nsvcs;
static int epfd = -1;
static int ready_pipe = -1;	/* to the parent waiting for us to daemonize */
static uint64_t stop_deadline;

int
master_epoll_add(int fd, struct mev *ev)
{
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = ev };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

void
master_service_settled(struct msvc *ms)
{
	ms->settled = true;
}

static void
sd_notify_ready(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char msg[64];
	socklen_t len;
	int fd, n;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	n = snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld", (long)getpid());
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    len) == -1)
		log_warn("cannot notify systemd");
	close(fd);
}

/* One line, once: every socket that could be bound is, every pool serves. */
static void
check_ready(void)
{
	size_t i, ok = 0, failed = 0;
	unsigned j;

	if (phase != PHASE_STARTING)
		return;
	for (i = 0; i < nsvcs; i++)
		if (svcs[i].status == MSVC_LISTENING && !svcs[i].settled)
			return;
	for (i = 0; i < nsvcs; i++) {
		bool serving = svcs[i].status == MSVC_LISTENING;

		for (j = 0; serving && j < svcs[i].nworkers; j++)
			serving = svcs[i].workers[j].ready;
		if (serving)
			ok++;
		else
			failed++;
	}
	phase = PHASE_RUNNING;
	if (failed)
		log_info("ready: %zu services, %zu failed", ok, failed);
	else
		log_info("ready: %zu services", ok);
	sd_notify_ready();
	if (ready_pipe != -1) {
		if (write(ready_pipe, "", 1) != 1)
			log_warn("cannot tell the parent we are ready");
		close(ready_pipe);
		ready_pipe = -1;
	}
}

static void
begin_stop(const char *why)
{
	size_t i;

	if (phase == PHASE_STOPPING)
		return;
	log_info("stopping signal=%s drain=%llums", why,
	    (unsigned long long)opts.drain_ms);
	phase = PHASE_STOPPING;
	stop_deadline = now_ms() + opts.drain_ms + STOP_GRACE_MS;
	for (i = 0; i < nsvcs; i++) {
		listen_close(&svcs[i]);
		pool_stop(&svcs[i], opts.drain_ms);
	}
}

static void
reap_children(void)
{
	pid_t pid;
	size_t i;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pool_reap(pid, status))
			continue;
		for (i = 0; i < nsvcs; i++)
			if (pool_adopted_exit(&svcs[i], pid, status))
				break;
		if (i == nsvcs)
			log_debug("reaped pid=%ld", (long)pid);
	}
}

static int sigfd = -1;

static void
signal_event(struct mev *ev, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)ev;
	(void)events;
	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			begin_stop(sigabbrev_np((int)si.ssi_signo));
			break;
		case SIGHUP:
			log_warnx("reload requested, but reload is not "
			    "implemented yet: configuration unchanged");
			break;
		case SIGCHLD:
			reap_children();
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

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1 ||
	    master_epoll_add(sigfd, &signal_mev) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
}

static void
open_services(struct conf *conf)
{
	struct errors err = { 0 };
	size_t i, logged = 0;

	svcs = xcalloc(conf->nsvc ? conf->nsvc : 1, sizeof(*svcs));
	nsvcs = conf->nsvc;
	for (i = 0; i < nsvcs; i++) {
		struct msvc *ms = &svcs[i];
		const char *what = "";

		ms->svc = conf->svc[i];
		ms->state_fd = -1;
		conf->svc[i] = NULL;
		if ((ms->policy = policies_get(ms->svc, &err)) == NULL) {
			ms->status = MSVC_FAILED;
			ms->why = xstrdup("its policy has errors");
			for (; logged < err.n; logged++)
				log_errx("%s", err.v[logged]);
			log_errx("cannot start %s reason=\"its policy has "
			    "errors\"", ms->svc->fields);
			continue;
		}
		ms->fd = listen_open(ms->svc, opts.backlog, &what);
		if (ms->fd == -1) {
			ms->status = MSVC_FAILED;
			xasprintf(&ms->why, "%s: %s", what, strerror(errno));
			log_err("cannot listen %s step=%s", ms->svc->fields,
			    what);
			continue;
		}
		if (pool_state_open(ms) == -1) {
			ms->status = MSVC_FAILED;
			xasprintf(&ms->why, "service state: %s", strerror(errno));
			log_err("cannot create the service state %s",
			    ms->svc->fields);
			listen_close(ms);
			continue;
		}
		ms->status = MSVC_LISTENING;
		if (ms->svc->builtin != BUILTIN_NONE &&
		    ms->svc->socktype == SOCK_DGRAM)
			pool_set_guard_port(addr_port(&ms->svc->addr.sa));
	}
	for (i = 0; i < nsvcs; i++)
		if (svcs[i].status == MSVC_LISTENING)
			pool_start(&svcs[i]);
	errors_free(&err);
}

/*
 * The parent stays until the daemon is ready, so that "sinetd" returns 0
 * only for a daemon that is serving, and 1 for one that died starting.
 */
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
stop_now(void)
{
	size_t i;
	unsigned j;

	for (i = 0; i < nsvcs; i++)
		for (j = 0; j < svcs[i].nworkers; j++) {
			struct worker *w = &svcs[i].workers[j];

			if (w->pid == 0)
				continue;
			log_warnx("worker did not drain in time, killing it %s "
			    "pid=%ld", svcs[i].svc->fields, (long)w->pid);
			kill(w->pid, SIGKILL);
		}
}

static bool
any_worker_running(void)
{
	size_t i;

	for (i = 0; i < nsvcs; i++)
		if (pool_running(&svcs[i]))
			return true;
	return false;
}

static void
run_loop(void)
{
	struct epoll_event evs[64];
	uint64_t now, next, t;
	bool killed = false;
	size_t i;
	int n, k, timeout = -1;

	for (;;) {
		n = epoll_wait(epfd, evs, (int)ARRAY_LEN(evs), timeout);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		for (k = 0; k < n; k++) {
			struct mev *ev = evs[k].data.ptr;

			ev->fn(ev, evs[k].events);
		}
		now = now_ms();
		next = UINT64_MAX;
		if (phase != PHASE_STOPPING)
			for (i = 0; i < nsvcs; i++) {
				t = pool_timers(&svcs[i], now);
				if (t < next)
					next = t;
			}
		if ((t = violation_timers(now)) < next)
			next = t;
		check_ready();
		if (phase == PHASE_STOPPING) {
			if (!any_worker_running())
				return;
			if (now >= stop_deadline && !killed) {
				stop_now();
				killed = true;
			}
			if (!killed)
				next = stop_deadline;
		}
		timeout = timeout_until(next, now);
	}
}

/* sinetd -n: the configuration, then every policy file, used or not. */
static int
check_only(struct conf *conf, bool user_ok)
{
	struct errors err = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < conf->err.n; i++)
		errors_add(&err, "%s", conf->err.v[i]);
	if (!user_ok)
		errors_add(&err, "-u: unknown user \"%s\"", opts.internal_user);
	policy_check_dir(opts.policy_dir, &err);
	for (i = 0; i < conf->nsvc; i++)
		policies_get(conf->svc[i], &err);
	for (i = 0; i < err.n; i++)
		fprintf(stderr, "%s\n", err.v[i]);
	rc = err.n == 0 ? 0 : 1;
	if (rc == 0)
		printf("configuration OK\n");
	errors_free(&err);
	policies_free();
	conf_free(conf);
	return rc;
}

int
master_main(void)
{
	struct conf conf = { 0 };
	struct passwd *pw;
	uid_t uid = 0;
	gid_t gid = 0;
	bool root = geteuid() == 0;
	size_t i;
	int pidfd;

	conf_load(opts.conf_path, &conf);
	if ((pw = getpwnam(opts.internal_user)) != NULL) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (opts.check_only)
		return check_only(&conf, pw != NULL);
	log_init(opts.log_stderr ? LOG_TARGET_STDERR : LOG_TARGET_SYSLOG,
	    opts.verbose, !opts.foreground);
	if (pw == NULL)
		fatalx("-u: unknown user \"%s\" for the internal services",
		    opts.internal_user);
	for (i = 0; i < conf.err.n; i++)
		log_errx("%s (line skipped)", conf.err.v[i]);

	pidfd = pidfile_lock(opts.pidfile);
	if (!opts.foreground)
		daemonize();
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
	if (root)
		policies_make_empty_dir();

	open_services(&conf);
	conf_free(&conf);
	violation_init(svcs, nsvcs);
	pidfile_write(pidfd);
	run_loop();

	for (i = 0; i < nsvcs; i++) {
		pool_state_close(&svcs[i]);
		service_free(svcs[i].svc);
		free(svcs[i].workers);
		free(svcs[i].why);
	}
	free(svcs);
	policies_free();
	violation_free();
	log_info("stopped");
	pidfile_remove(opts.pidfile, pidfd);
	return 0;
}
