/* SPDX-License-Identifier: ISC */
/*
 * The external services: for nowait, accept and spawn the server with the
 * connection on fds 0, 1 and 2; for wait, hand the listening socket itself
 * to one child and stop polling it until that child exits. The limits are
 * decided before each spawn (limits.c); every child's end is reaped from a
 * signalfd, freed from the service's table and logged.
 */
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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

static const struct msg_service *desc;
static const struct policy *pol;
static struct svcstate *st;
static struct limits lim;
static struct listener lst = { .fd = -1 };
static struct spawn sp;
static char *argv[SERVICE_ARGV_MAX + 1];
static int sigfd = -1;
static pid_t wait_child;
static bool exec_failing;	/* logged this burst of exec failures */
static bool full_logged;	/* logged this stretch at max-child */
static bool full_paused;	/* the listener waits for a slot */
static uint64_t full_said_at;	/* when max-child was last said */
static bool full_said;		/* said at all */
static unsigned full_unsaid;	/* stretches at max-child not said since */
static struct {
	int			fd;
	union sockaddr_any	peer;
	socklen_t		plen;
} held = { .fd = -1 };

/*
 * What the master must hear of each child, in order (a violation never
 * before its spawn): sent at once, or queued while the channel is full.
 */
static struct {
	uint32_t	type;
	int32_t		pid;
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
report_send(uint32_t type, int32_t pid, int fd)
{
	struct msg_violation v = { .pid = pid };
	struct msg_spawned s = { .pid = pid };

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
	    reports[reports_head].pid, -1)) {
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
report(uint32_t type, pid_t pid, int fd)
{
	if (reports_flush() && report_send(type, (int32_t)pid, fd))
		return;
	if (reports_len == REPORTS_MAX) {
		if (!reports_lost_said)
			log_warnx("channel to the master full, a report is "
			    "lost child=%ld", (long)pid);
		reports_lost_said = true;
		return;
	}
	reports_lost_said = false;
	reports[(reports_head + reports_len) % REPORTS_MAX].type = type;
	reports[(reports_head + reports_len) % REPORTS_MAX].pid = (int32_t)pid;
	reports_len++;
}

static void
log_rate_trip(void)
{
	log_errx("spawn rate exceeded, service suspended limit=%u/60s "
	    "suspend=%llus", lim.max_spawn,
	    (unsigned long long)(lim.suspend_ms / 1000));
}

static void
refuse(int fd, const union sockaddr_any *peer, socklen_t plen,
    enum verdict v)
{
	char addr[ADDR_STR_MAX];
	const char *why = verdict_reason[v];

	if (v == LIMIT_RATE)
		log_rate_trip();
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
exec_failed(int err)
{
	SVC_COUNT(st, exec_failed);
	if (!exec_failing) {
		errno = err;
		log_warn("cannot execute server program=%s", desc->program);
	}
	exec_failing = true;
}

static bool
full_now(void)
{
	uint32_t most = lim.max_child && lim.max_child < lim.nslots ?
	    lim.max_child : lim.nslots;

	return __atomic_load_n(&st->nchildren, __ATOMIC_RELAXED) >= most;
}

static bool spawn_for(int, const union sockaddr_any *, socklen_t);
static void pause_full(struct listener *);

/* Its host name came (wrap.c): on, or held if the service filled. */
static void
spawn_resumed(int fd, const union sockaddr_any *peer, socklen_t plen,
    const void *data, size_t len)
{
	(void)data;
	(void)len;
	if (spawn_for(fd, peer, plen))
		return;
	if (held.fd != -1) {
		refuse_reset(fd);
		return;
	}
	held.fd = fd;
	held.peer = *peer;
	held.plen = plen;
	pause_full(&lst);	/* its recheck brings the held one */
}

/* Returns false when the connection must wait: the service is full. */
static bool
spawn_for(int fd, const union sockaddr_any *peer, socklen_t plen)
{
	char addr[ADDR_STR_MAX];
	const char *why;
	unsigned same = 1;
	enum verdict v;
	pid_t pid;
	int slot = -1, err;

	if (service_disabled(st)) {
		SVC_COUNT(st, refused_disabled);
		refuse_reset(fd);
		return true;
	}
	if ((why = policy_refuses_peer(pol, &peer->sa)) != NULL) {
		SVC_COUNT(st, refused_access);
		if (peerlog_due(&peer->sa, why, loop_now()))
			log_warnx("connection refused peer=%s reason=%s",
			    addr_str(&peer->sa, plen, addr, sizeof(addr)), why);
		close(fd);
		return true;
	}
	if (wrap_admit(fd, peer, plen, NULL, 0, spawn_resumed) != WRAP_PASS)
		return true;
	v = limits_admit(st, &lim, &peer->sa, loop_now(), &slot, &same);
	if (v == LIMIT_FULL)
		return false;
	if (v != LIMIT_SPAWN) {
		refuse(fd, peer, plen, v);
		return true;
	}
	sp.fd = fd;
	sp.envp = env_for_peer(fd, &peer->sa, plen, same);
	if ((pid = spawn_child(&sp, &err)) == -1) {
		limits_abandon(st, &lim, slot);
		exec_failed(err);
		close(fd);
		return true;
	}
	exec_failing = full_logged = false;
	limits_spawned(st, slot, pid);
	report(MSG_SPAWNED, pid, fd);
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
try_held(void)
{
	if (held.fd == -1)
		return true;
	if (!spawn_for(held.fd, &held.peer, held.plen))
		return false;
	held.fd = -1;
	return true;
}

/*
 * Said once per stretch at max-child, and at most once a minute: a busy
 * service at its limit reaches it on every connection. The next line
 * says how many stretches went unsaid.
 */
static void
pause_full(struct listener *l)
{
	char count[32] = "";

	if (!full_logged && full_said &&
	    loop_now() - full_said_at < FULL_LOG_MS)
		full_unsaid++;
	else if (!full_logged) {
		if (full_unsaid > 0)
			snprintf(count, sizeof(count), " count=%u",
			    full_unsaid + 1);
		log_warnx("max-child reached, not accepting until a child "
		    "exits max_child=%u children=%u%s",
		    lim.max_child ? lim.max_child : lim.nslots,
		    __atomic_load_n(&st->nchildren, __ATOMIC_RELAXED), count);
		full_said = true;
		full_said_at = loop_now();
		full_unsaid = 0;
	}
	full_logged = true;
	full_paused = true;
	listener_pause(l, loop_now() + FULL_RECHECK_MS);
}

static void
accept_ready(struct listener *l)
{
	union sockaddr_any peer;
	socklen_t plen;
	int i, fd;

	for (i = 0; i < ACCEPT_BURST && !l->paused && !l->stopped; i++) {
		if (!try_held() || full_now()) {
			pause_full(l);
			return;
		}
		if ((fd = listener_accept(l, &peer, &plen, 0)) == -1)
			return;
		SVC_COUNT(st, accepted);
		if (!spawn_for(fd, &peer, plen)) {
			held.fd = fd;
			held.peer = peer;
			held.plen = plen;
			pause_full(l);
			return;
		}
	}
}

/* Throws away what is waiting on a wait service's socket. */
static void
drop_pending(void)
{
	union sockaddr_any peer;
	socklen_t plen = sizeof(peer);
	char buf[1];
	int fd;

	if (desc->socktype == SOCK_DGRAM) {
		while (recv(lst.fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC)
		    >= 0)
			;
		return;
	}
	while ((fd = accept4(lst.fd, &peer.sa, &plen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		close(fd);
		plen = sizeof(peer);
	}
}

/* The first datagram's sender has its name now: look at it again. */
static void
first_datagram_named(int fd, const union sockaddr_any *peer, socklen_t plen,
    const void *data, size_t len)
{
	(void)fd;
	(void)peer;
	(void)plen;
	(void)data;
	(void)len;
	listener_pause(&lst, 0);	/* resumed by the tick */
}

/*
 * only-from and no-access for a dgram wait service: the datagram that
 * would start a server is looked at (MSG_PEEK) and thrown away if its
 * source is refused. Those the server reads itself, sinetd never sees.
 */
static bool
first_datagram_allowed(void)
{
	union sockaddr_any peer;
	socklen_t plen = sizeof(peer);
	char addr[ADDR_STR_MAX], c;
	const char *why;

	enum wrap_result w;

	if (desc->socktype != SOCK_DGRAM || (pol->nonly == 0 &&
	    pol->nnoaccess == 0 && !desc->log_connections))
		return true;
	if (recvfrom(lst.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC,
	    &peer.sa, &plen) == -1)
		return false;
	if ((why = policy_refuses_peer(pol, &peer.sa)) == NULL) {
		/* Parked: the datagram waits in the socket for its name. */
		if ((w = wrap_admit(-1, &peer, plen, NULL, 0,
		    first_datagram_named)) == WRAP_PARKED)
			listener_pause(&lst, UINT64_MAX);
		else if (w == WRAP_REFUSED)
			(void)recv(lst.fd, &c, 1, MSG_DONTWAIT | MSG_TRUNC);
		return w == WRAP_PASS;
	}
	if (peerlog_due(&peer.sa, why, loop_now()))
		log_warnx("udp request refused peer=%s reason=%s",
		    addr_str(&peer.sa, plen, addr, sizeof(addr)), why);
	(void)recv(lst.fd, &c, 1, MSG_DONTWAIT | MSG_TRUNC);
	return false;
}

/* A wait service: the listening socket itself goes to one child. */
static void
wait_ready(struct listener *l)
{
	enum verdict v;
	pid_t pid;
	int slot = -1, err;
	unsigned same;

	if (service_disabled(st)) {
		SVC_COUNT(st, refused_disabled);
		drop_pending();
		listener_pause(l, loop_now() + FULL_RECHECK_MS);
		return;
	}
	if (!first_datagram_allowed())
		return;
	v = limits_admit(st, &lim, NULL, loop_now(), &slot, &same);
	if (v == LIMIT_RATE)
		log_rate_trip();
	if (v == LIMIT_RATE || v == LIMIT_SUSPENDED) {
		drop_pending();
		listener_pause(l, st->suspended_until);
		return;
	}
	if (v != LIMIT_SPAWN) {
		listener_pause(l, loop_now() + FULL_RECHECK_MS);
		return;
	}
	sp.fd = l->fd;
	sp.envp = env_plain();
	if ((pid = spawn_child(&sp, &err)) == -1) {
		limits_abandon(st, &lim, slot);
		exec_failed(err);
		/* Drop what the child was for, or we would spin on it. */
		drop_pending();
		return;
	}
	exec_failing = false;
	limits_spawned(st, slot, pid);
	report(MSG_SPAWNED, pid, -1);	/* the listening socket: no peer */
	wait_child = pid;
	listener_pause(l, UINT64_MAX);
	if (desc->log_connections)
		log_info("started child=%ld", (long)pid);
}

static void
child_ended(pid_t pid, int status)
{
	struct svc_child c;
	char addr[ADDR_STR_MAX] = "-", how[64];
	uint64_t ms = 0;
	bool failed, slot_freed = false;

	memset(&c, 0, sizeof(c));
	if (limits_release(st, &lim, pid, &c) != -1) {
		slot_freed = true;
		ms = loop_now() - c.started_ms;
		if (addr_packed_str(c.family, c.addr, c.port, addr,
		    sizeof(addr))[0] == '\0')
			str_copy(addr, "-", sizeof(addr));
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		report(MSG_VIOLATION, pid, -1);
	failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (failed || desc->log_connections) {
		wait_status_str(status, how, sizeof(how));
		(failed ? log_warnx : log_info)("child exited peer=%s "
		    "child=%ld %s duration=%llums", addr, (long)pid, how,
		    (unsigned long long)ms);
	}
	if (pid == wait_child) {
		wait_child = 0;
		listener_pause(&lst, 0);	/* resumed by the tick */
	} else if (full_paused && slot_freed) {
		/* Our own slot is free now: no need to wait for the recheck. */
		listener_pause(&lst, 0);
	}
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

/* Before lock-down: the argument vector and what never changes. */
void
external_prepare(const struct msg_service *m, const struct policy *p,
    struct svcstate *state)
{
	const char *a = m->args;
	sigset_t set;
	uint32_t i;

	desc = m;
	st = state;
	lim.nslots = m->nslots;
	lim.max_spawn = m->max_spawn;
	lim.max_child = m->max_child;
	lim.max_cpm = m->max_cpm;
	lim.max_perip = m->max_perip;
	lim.suspend_ms = m->suspend_ms;
	for (i = 0; i < m->argc; i++) {
		argv[i] = (char *)a;
		a += strlen(a) + 1;
	}
	argv[m->argc] = NULL;
	sp.path = m->program;
	sp.argv = argv;
	sp.policy = pol = p;
	env_init(m->keep_env);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) == -1)
		fatal("signalfd");
}

void
external_start(int fd)
{
	if (loop_add(sigfd, EPOLLIN, &children_ev) == -1)
		fatal("epoll add signalfd");
	lst.ready = desc->wait ? wait_ready : accept_ready;
	listener_start(&lst, fd);
}

void
external_stop_accepting(void)
{
	listener_stop(&lst);
	if (held.fd != -1)
		close(held.fd);
	held.fd = -1;
}

uint64_t
external_tick(uint64_t now)
{
	uint64_t next = reports_flush() ? UINT64_MAX : now + REPORT_RETRY_MS;
	uint64_t t;

	/* A wait service's socket is the child's until it exits. */
	if (lst.paused && !lst.stopped && now >= lst.resume_at &&
	    desc->wait && wait_child != 0)
		return next;
	t = listener_tick(&lst, now, true);
	if (full_paused && !lst.paused) {
		full_paused = false;
		/*
		 * A connection held at max-child goes now: the backlog may
		 * be empty, and no event of the listener would bring it.
		 */
		if (!lst.stopped && !try_held()) {
			pause_full(&lst);
			t = lst.resume_at;
		}
	}
	return t < next ? t : next;
}
