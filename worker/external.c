/* SPDX-License-Identifier: ISC */
/*
 * The external services: for nowait, accept and spawn the server with the
 * connection on fds 0, 1 and 2; for wait, hand the listening socket itself
 * to one child and stop polling it until that child exits. The limits are
 * decided before each spawn (limits.c); every child's end is reaped from a
 * signalfd, freed from its service's table and logged. A pool serves the
 * sockets of services whose lines differ in their address alone (the tcp
 * and tcp6 of one line, say): one program, one set of limits, and a state
 * and a listener each.
 */
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "policy.h"
#include "service.h"
#include "svcstate.h"
#include "worker.h"
#include "wrap.h"

#define ACCEPT_BURST	16
/*
 * At max-child: look again this often, for slots freed where no event of
 * ours says so (another worker's child, or one the master reaped). A
 * child of our own resumes the listener as soon as it is reaped.
 */
#define FULL_RECHECK_MS	250
#define FULL_LOG_MS	60000	/* max-child said at most this often */
#define REPORTS_MAX	1024	/* spawns and violations the channel refused */
#define REPORT_RETRY_MS	10

/* A socket of the pool: its service's state and what it is waiting for. */
struct esock {
	struct listener	 lst;
	struct wsock	*ws;		/* worker.c's */
	struct svcstate	*st;
	struct limits	 lim;
	pid_t		 wait_child;
	bool		 full_paused;	/* the listener waits for a slot */
	struct {
		int			fd;
		union sockaddr_any	peer;
		socklen_t		plen;
	}		 held;
};

static const struct msg_service *desc;
static const struct policy *pol;
static struct esock *socks;		/* this worker's life, never moved */
static size_t nsocks, nsocks_max;
static struct spawn sp;
static char *argv[SERVICE_ARGV_MAX + 1];
static int sigfd = -1;

/*
 * What the master must hear of each child, in order (a violation never
 * before its spawn): sent at once, or queued while the channel is full.
 */
static struct {
	uint32_t	type;
	int32_t		pid;
	uint32_t	slot;
} reports[REPORTS_MAX];
static size_t reports_head, reports_len;
static bool reports_lost_said;

static const char *const verdict_reason[] = {
	[LIMIT_SUSPENDED] = "suspended",
	[LIMIT_CPM] = "max-cpm",
	[LIMIT_PERIP] = "max-perip",
};

/* fd: a spawn's connection, for the master to ask its peer, or -1. */
static bool
report_send(uint32_t type, int32_t pid, uint32_t slot, int fd)
{
	struct msg_violation v = { .pid = pid };
	struct msg_spawned s = { .pid = pid, .slot = slot };

	if (type == MSG_SPAWNED)
		return chan_send_fd(WORKER_CHAN_FD, type, &s, sizeof(s),
		    MSG_DONTWAIT, fd) == 0;
	return chan_send(WORKER_CHAN_FD, type, &v, sizeof(v),
	    MSG_DONTWAIT) == 0;
}

/* Sends what is queued; true when nothing is left. */
static bool
reports_flush(void)
{
	while (reports_len > 0 && report_send(reports[reports_head].type,
	    reports[reports_head].pid, reports[reports_head].slot, -1)) {
		reports_head = (reports_head + 1) % REPORTS_MAX;
		reports_len--;
	}
	return reports_len == 0;
}

/*
 * A report the master must have: after those queued before it. A spawn
 * goes with the child's connection (fd, or -1), so the master can read
 * its peer even if the child is gone by then; queued, it goes without.
 * Past the queue's size a report is lost, and said once: the master will
 * then not know that child (its violation would be taken for a lie).
 */
static void
report(uint32_t type, pid_t pid, uint32_t slot, int fd)
{
	size_t at;

	if (reports_flush() && report_send(type, (int32_t)pid, slot, fd))
		return;
	if (reports_len == REPORTS_MAX) {
		if (!reports_lost_said)
			log_warnx("channel to the master full, a report is "
			    "lost child=%ld", (long)pid);
		reports_lost_said = true;
		return;
	}
	reports_lost_said = false;
	at = (reports_head + reports_len) % REPORTS_MAX;
	reports[at].type = type;
	reports[at].pid = (int32_t)pid;
	reports[at].slot = slot;
	reports_len++;
}

static void
log_rate_trip(const struct esock *es)
{
	log_errx("spawn rate exceeded, service suspended limit=%u/60s "
	    "suspend=%llus", es->lim.max_spawn,
	    (unsigned long long)(es->lim.suspend_ms / 1000));
}

static void
refuse(const struct esock *es, int fd, const union sockaddr_any *peer,
    socklen_t plen, enum verdict v)
{
	char addr[ADDR_STR_MAX];
	const char *why = verdict_reason[v];

	if (v == LIMIT_RATE)
		log_rate_trip(es);
	else if (why != NULL && peerlog_due(&peer->sa, why, loop_now()))
		log_warnx("connection refused peer=%s reason=%s",
		    addr_str(&peer->sa, plen, addr, sizeof(addr)), why);
	/* Refused at once, not left hanging: a suspended service resets. */
	if (v == LIMIT_RATE || v == LIMIT_SUSPENDED)
		refuse_reset(fd);
	else
		close(fd);
}

static void
exec_failed(struct esock *es, int err)
{
	SVC_COUNT(es->st, exec_failed);
	if (!__atomic_exchange_n(&es->st->said.exec_failing, 1,
	    __ATOMIC_ACQ_REL)) {
		errno = err;
		log_warn("cannot execute server program=%s", desc->program);
	}
}

/*
 * Over for every worker of the service: a burst of exec failures when a
 * child starts; a stretch at max-child when a connection is admitted,
 * which is before its spawn, so that a worker finding the service full
 * after this slot was taken opens the next stretch, not the one the
 * spawn would close. Read first, so that a busy service does not write
 * the shared line on every connection.
 */
static void
said_over(uint32_t *flag)
{
	if (__atomic_load_n(flag, __ATOMIC_RELAXED))
		__atomic_store_n(flag, 0, __ATOMIC_RELEASE);
}

static bool
full_now(const struct esock *es)
{
	uint32_t most = es->lim.max_child && es->lim.max_child <
	    es->lim.nslots ? es->lim.max_child : es->lim.nslots;

	return __atomic_load_n(&es->st->nchildren, __ATOMIC_RELAXED) >= most;
}

static bool spawn_for(struct esock *, int, const union sockaddr_any *,
	    socklen_t);
static void pause_full(struct esock *);

/* Its host name came (wrap.c): on, or held if the service filled. */
static void
spawn_resumed(void *ctx, int fd, const union sockaddr_any *peer,
    socklen_t plen, const void *data, size_t len)
{
	struct esock *es = ctx;

	(void)data;
	(void)len;
	/* Its service left this pool while the name was looked up. */
	if (es->lst.stopped) {
		refuse_reset(fd);
		return;
	}
	if (spawn_for(es, fd, peer, plen))
		return;
	if (es->held.fd != -1) {
		refuse_reset(fd);
		return;
	}
	es->held.fd = fd;
	es->held.peer = *peer;
	es->held.plen = plen;
	pause_full(es);		/* its recheck brings the held one */
}

/* Returns false when the connection must wait: the service is full. */
static bool
spawn_for(struct esock *es, int fd, const union sockaddr_any *peer,
    socklen_t plen)
{
	char addr[ADDR_STR_MAX];
	unsigned same = 1;
	enum verdict v;
	pid_t pid;
	int slot = -1, err;

	switch (admit_peer(es->st, pol, &peer->sa, plen, NULL, false, false)) {
	case ADMIT_DISABLED:
		refuse_reset(fd);
		return true;
	case ADMIT_REFUSED:
		close(fd);
		return true;
	case ADMIT_OK:
		break;
	}
	if (wrap_admit(es->ws, es, fd, peer, plen, NULL, 0, spawn_resumed) !=
	    WRAP_PASS)
		return true;
	v = limits_admit(es->st, &es->lim, &peer->sa, loop_now(), &slot,
	    &same);
	if (v == LIMIT_FULL)
		return false;
	if (v != LIMIT_SPAWN) {
		refuse(es, fd, peer, plen, v);
		return true;
	}
	said_over(&es->st->said.full_stretch);
	sp.fd = fd;
	sp.envp = env_for_peer(fd, &peer->sa, plen, same);
	if ((pid = spawn_child(&sp, &err)) == -1) {
		limits_abandon(es->st, &es->lim, slot);
		exec_failed(es, err);
		close(fd);
		return true;
	}
	said_over(&es->st->said.exec_failing);
	limits_spawned(es->st, slot, pid);
	report(MSG_SPAWNED, pid, es->ws->slot, fd);
	close(fd);
	if (desc->log_connections)
		log_info("connection peer=%s child=%ld",
		    addr_str(&peer->sa, plen, addr, sizeof(addr)), (long)pid);
	return true;
}

/*
 * At max-child no more is accepted: clients queue in the backlog. A
 * connection accepted just as another worker took the last slot is held
 * here, not refused, and goes first when a slot frees.
 */
static bool
try_held(struct esock *es)
{
	if (es->held.fd == -1)
		return true;
	if (!spawn_for(es, es->held.fd, &es->held.peer, es->held.plen))
		return false;
	es->held.fd = -1;
	return true;
}

/*
 * Said once per stretch at max-child, and at most once a minute, by one
 * worker of the service: a busy service at its limit reaches it on
 * every connection, in every worker. The next line says how many
 * stretches went unsaid.
 */
static void
pause_full(struct esock *es)
{
	struct svc_said *said = &es->st->said;
	char count[32] = "";
	bool say = false;

	if (!__atomic_exchange_n(&said->full_stretch, 1, __ATOMIC_ACQ_REL) &&
	    svcstate_lock(es->st) == 0) {
		/* Said by a worker whose clock is a moment ahead: so. */
		if (said->full_said && (loop_now() < said->full_said_at ||
		    loop_now() - said->full_said_at < FULL_LOG_MS))
			said->full_unsaid++;
		else {
			say = true;
			if (said->full_unsaid > 0)
				snprintf(count, sizeof(count), " count=%u",
				    said->full_unsaid + 1);
			said->full_said = 1;
			said->full_said_at = loop_now();
			said->full_unsaid = 0;
		}
		svcstate_unlock(es->st);
	}
	if (say)
		log_warnx("max-child reached, not accepting until a child "
		    "exits max_child=%u children=%u%s",
		    es->lim.max_child ? es->lim.max_child : es->lim.nslots,
		    __atomic_load_n(&es->st->nchildren, __ATOMIC_RELAXED),
		    count);
	es->full_paused = true;
	listener_pause(&es->lst, loop_now() + FULL_RECHECK_MS);
}

static void
accept_ready(struct listener *l)
{
	struct esock *es = container_of(l, struct esock, lst);
	union sockaddr_any peer;
	socklen_t plen;
	int i, fd;

	worker_log_about(es->ws);
	for (i = 0; i < ACCEPT_BURST && !l->paused && !l->stopped; i++) {
		if (!try_held(es) || full_now(es)) {
			pause_full(es);
			break;
		}
		if ((fd = listener_accept(l, &peer, &plen, 0)) == -1)
			break;
		SVC_COUNT(es->st, accepted);
		if (!spawn_for(es, fd, &peer, plen)) {
			es->held.fd = fd;
			es->held.peer = peer;
			es->held.plen = plen;
			pause_full(es);
			break;
		}
	}
	worker_log_about(NULL);
}

/* Throws away what is waiting on a wait service's socket. */
static void
drop_pending(const struct esock *es)
{
	union sockaddr_any peer;
	socklen_t plen = sizeof(peer);
	char buf[1];
	int fd;

	if (es->ws->socktype == SOCK_DGRAM) {
		while (recv(es->lst.fd, buf, sizeof(buf),
		    MSG_DONTWAIT | MSG_TRUNC) >= 0)
			;
		return;
	}
	while ((fd = accept4(es->lst.fd, &peer.sa, &plen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		close(fd);
		plen = sizeof(peer);
	}
}

/* The first datagram's sender has its name now: look at it again. */
static void
first_datagram_named(void *ctx, int fd, const union sockaddr_any *peer,
    socklen_t plen, const void *data, size_t len)
{
	struct esock *es = ctx;

	(void)fd;
	(void)peer;
	(void)plen;
	(void)data;
	(void)len;
	listener_pause(&es->lst, 0);	/* resumed by the tick */
}

/*
 * only-from and no-access for a dgram wait service: the datagram that
 * would start a server is looked at (MSG_PEEK) and thrown away if its
 * source is refused. Those the server reads itself, sinetd never sees.
 */
static bool
first_datagram_allowed(struct esock *es)
{
	union sockaddr_any peer;
	socklen_t plen = sizeof(peer);
	enum wrap_result w;
	char c;

	if (es->ws->socktype != SOCK_DGRAM || (pol->nonly == 0 &&
	    pol->nnoaccess == 0 && !desc->log_connections))
		return true;
	if (recvfrom(es->lst.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC,
	    &peer.sa, &plen) == -1)
		return false;
	/* Disabled was asked first (wait_ready): the peer's checks. */
	if (admit_peer(NULL, pol, &peer.sa, plen, NULL, true, false) ==
	    ADMIT_OK) {
		/* Parked: the datagram waits in the socket for its name. */
		if ((w = wrap_admit(es->ws, es, -1, &peer, plen, NULL, 0,
		    first_datagram_named)) == WRAP_PARKED)
			listener_pause(&es->lst, UINT64_MAX);
		else if (w == WRAP_REFUSED)
			(void)recv(es->lst.fd, &c, 1, MSG_DONTWAIT | MSG_TRUNC);
		return w == WRAP_PASS;
	}
	(void)recv(es->lst.fd, &c, 1, MSG_DONTWAIT | MSG_TRUNC);
	return false;
}

/* A wait service: the listening socket itself goes to one child. */
static void
wait_spawn(struct esock *es)
{
	struct listener *l = &es->lst;
	enum verdict v;
	pid_t pid;
	int slot = -1, err;
	unsigned same;

	if (service_disabled(es->st)) {
		SVC_COUNT(es->st, refused_disabled);
		drop_pending(es);
		listener_pause(l, loop_now() + FULL_RECHECK_MS);
		return;
	}
	if (!first_datagram_allowed(es))
		return;
	v = limits_admit(es->st, &es->lim, NULL, loop_now(), &slot, &same);
	if (v == LIMIT_RATE)
		log_rate_trip(es);
	if (v == LIMIT_RATE || v == LIMIT_SUSPENDED) {
		drop_pending(es);
		listener_pause(l, es->st->suspended_until);
		return;
	}
	if (v != LIMIT_SPAWN) {
		listener_pause(l, loop_now() + FULL_RECHECK_MS);
		return;
	}
	sp.fd = l->fd;
	sp.envp = env_plain();
	if ((pid = spawn_child(&sp, &err)) == -1) {
		limits_abandon(es->st, &es->lim, slot);
		exec_failed(es, err);
		/* Drop what the child was for, or we would spin on it. */
		drop_pending(es);
		return;
	}
	said_over(&es->st->said.exec_failing);
	limits_spawned(es->st, slot, pid);
	/* The listening socket: no peer. */
	report(MSG_SPAWNED, pid, es->ws->slot, -1);
	es->wait_child = pid;
	listener_pause(l, UINT64_MAX);
	if (desc->log_connections)
		log_info("started child=%ld", (long)pid);
}

static void
wait_ready(struct listener *l)
{
	struct esock *es = container_of(l, struct esock, lst);

	worker_log_about(es->ws);
	wait_spawn(es);
	worker_log_about(NULL);
}

static void
child_ended(pid_t pid, int status)
{
	struct esock *es = NULL;
	struct svc_child c;
	char addr[ADDR_STR_MAX] = "-", how[64];
	uint64_t ms = 0;
	bool failed;
	size_t i;

	/* Whose: the socket whose service's table holds it. */
	memset(&c, 0, sizeof(c));
	for (i = 0; i < nsocks && es == NULL; i++)
		if (limits_release(socks[i].st, &socks[i].lim, pid, &c) != -1)
			es = &socks[i];
	if (es != NULL) {
		worker_log_about(es->ws);
		ms = loop_now() - c.started_ms;
		if (addr_packed_str(c.family, c.addr, c.port, addr,
		    sizeof(addr))[0] == '\0')
			str_copy(addr, "-", sizeof(addr));
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		report(MSG_VIOLATION, pid, 0, -1);
	failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (failed || desc->log_connections) {
		wait_status_str(status, how, sizeof(how));
		(failed ? log_warnx : log_info)("child exited peer=%s "
		    "child=%ld %s duration=%llums", addr, (long)pid, how,
		    (unsigned long long)ms);
	}
	worker_log_about(NULL);
	for (i = 0; i < nsocks; i++)
		if (socks[i].wait_child == pid) {
			socks[i].wait_child = 0;
			/* Resumed by the tick. */
			listener_pause(&socks[i].lst, 0);
			return;
		}
	/* Our own slot is free now: no need to wait for the recheck. */
	if (es != NULL && es->full_paused)
		listener_pause(&es->lst, 0);
}

static void
children_ready(struct loop_ev *ev, uint32_t events)
{
	struct signalfd_siginfo si;
	pid_t pid;
	int status;

	(void)ev;
	(void)events;
	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		child_ended(pid, status);
}

static struct loop_ev children_ev = { .fn = children_ready };

#ifdef SINETD_TEST_HOOKS
/* Whether one of the line's arguments is what the variable names. */
static bool
test_hook_names(char *const *args, const char *var)
{
	const char *want = getenv(var);
	size_t i;

	for (i = 0; want != NULL && args[i] != NULL; i++)
		if (strcmp(args[i], want) == 0)
			return true;
	return false;
}
#endif

/* Before lock-down: the argument vector and what never changes. */
static void
external_prepare(const struct msg_service *m, const struct policy *p,
    size_t n)
{
	const char *a = m->args;
	sigset_t set;
	uint32_t i;

	socks = xcalloc(n, sizeof(*socks));
	nsocks_max = n;
	desc = m;
	for (i = 0; i < m->argc; i++) {
		argv[i] = (char *)a;
		a += strlen(a) + 1;
	}
	argv[m->argc] = NULL;
#ifdef SINETD_TEST_HOOKS
	/* build/t/sinetd-hooks only: a line with this argument cannot set up. */
	if (test_hook_names(argv, "SINETD_TEST_SETUP_FAILS_FOR"))
		fatalx("test hook: set-up fails for this line");
	/* ... and with this one, takes two seconds: a reload stays pending. */
	if (test_hook_names(argv, "SINETD_TEST_SLOW_SETUP_FOR"))
		(void)nanosleep(&(struct timespec){ .tv_sec = 2 }, NULL);
#endif
	sp.path = m->program;
	sp.argv = argv;
	sp.policy = pol = p;
	env_init(m->keep_env);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1 ||
	    loop_add(sigfd, EPOLLIN, &children_ev) == -1)
		fatal("signalfd");
}

static void
external_start(struct wsock *w)
{
	struct esock *es;

	if (nsocks == nsocks_max)
		fatalx("more sockets than the pool listed");
	es = &socks[nsocks++];
	es->ws = w;
	es->st = w->st;
	es->held.fd = -1;
	es->lim.nslots = w->nslots;
	es->lim.max_spawn = desc->max_spawn;
	es->lim.max_child = desc->max_child;
	es->lim.max_cpm = desc->max_cpm;
	es->lim.max_perip = desc->max_perip;
	es->lim.suspend_ms = desc->suspend_ms;
	es->lst.ready = desc->wait ? wait_ready : accept_ready;
	listener_start(&es->lst, w->fd);
}

static void
external_stop_accepting(struct wsock *w)
{
	size_t i;

	for (i = 0; i < nsocks; i++) {
		if (socks[i].ws != w)
			continue;
		listener_stop(&socks[i].lst);
		if (socks[i].held.fd != -1)
			close(socks[i].held.fd);
		socks[i].held.fd = -1;
	}
}

static uint64_t
external_tick(uint64_t now)
{
	uint64_t next = reports_flush() ? UINT64_MAX : now + REPORT_RETRY_MS;
	uint64_t t;
	size_t i;

	for (i = 0; i < nsocks; i++) {
		struct esock *es = &socks[i];
		struct listener *l = &es->lst;

		/* A wait service's socket is the child's until it exits. */
		if (l->paused && !l->stopped && now >= l->resume_at &&
		    desc->wait && es->wait_child != 0)
			continue;
		t = listener_tick(l, now, true);
		if (es->full_paused && !l->paused) {
			worker_log_about(es->ws);
			es->full_paused = false;
			/*
			 * A connection held at max-child goes now: the
			 * backlog may be empty, and no event of the
			 * listener would bring it.
			 */
			if (!l->stopped && !try_held(es)) {
				pause_full(es);
				t = l->resume_at;
			}
			worker_log_about(NULL);
		}
		if (t < next)
			next = t;
	}
	return next;
}

/* Child servers are not sessions to drain: they run on in their own. */
const struct kind kind_external = {
	.name = "external",
	.prepare = external_prepare,
	.start = external_start,
	.stop_accepting = external_stop_accepting,
	.tick = external_tick,
	.open = NULL,
};
