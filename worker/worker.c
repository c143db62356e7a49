/* SPDX-License-Identifier: ISC */
/*
 * The worker: started by the master with its channel on fd 3 and its
 * pool's listening sockets from fd 7 on, it learns what to serve, locks
 * itself down, reports ready, and serves every socket of its pool until
 * told to stop or until the master is gone.
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "msgcheck.h"
#include "service.h"
#include "policy.h"
#include "svcstate.h"
#include "util.h"
#include "worker.h"
#include "wrap.h"

#define NOFILE_SPARE 32	/* descriptors beyond the connection table */

/* What the master sends before the loop runs, one record at a time. */
static struct chan_msg setup_msg;
static struct msg_service desc;
static struct policy policy;
static struct wsock *socks;		/* the pool's, for our life */
static uint32_t nsocks;
static bool stopping;
static uint64_t drain_deadline;
static uint32_t log_dropped;
static uint32_t log_slot = MSG_LOG_POOL;

void
worker_log_about(const struct wsock *ws)
{
	log_slot = ws != NULL ? ws->slot : MSG_LOG_POOL;
}

#define LOG_RETRY_MS	100	/* a count the channel refused, sent again */
#define FATAL_SEND_MS	1000	/* a fatal line waits this long for room */
#define FATAL_RETRY_MS	10

/*
 * A sandboxed worker cannot reach syslog: its lines go to the master. The
 * send never blocks; a line that does not fit is counted, and the count
 * rides on the next line that does (or on its own, from the tick), so the
 * master can say how many were lost.
 */
/*
 * The line that says why we exit is the one the master needs most: it
 * waits for room, a short while. The channel is non-blocking once the
 * loop runs, so the wait is ours; before, SO_SNDTIMEO bounds it.
 */
static int
fatal_send(const struct msg_log *m)
{
	uint64_t end = now_ms() + FATAL_SEND_MS;

	while (chan_send(WORKER_CHAN_FD, MSG_LOG, m, sizeof(*m), 0) == -1) {
		if ((errno != EAGAIN && errno != EINTR) || now_ms() >= end)
			return -1;
		loop_sleep(FATAL_RETRY_MS);
	}
	return 0;
}

static void
chan_log_sink(int prio, const char *line)
{
	struct msg_log m;

	memset(&m, 0, sizeof(m));
	m.prio = prio;
	m.dropped = log_dropped;
	m.slot = log_slot;
	if (line != NULL)
		str_copy(m.text, line, sizeof(m.text));
	if (log_fatal_pending && fatal_send(&m) == 0)
		log_dropped = 0;
	else if (!log_fatal_pending && chan_send(WORKER_CHAN_FD, MSG_LOG, &m,
	    sizeof(m), MSG_DONTWAIT) == 0)
		log_dropped = 0;
	else if (line != NULL && log_dropped < UINT32_MAX)
		log_dropped++;
}

/* The count of lines dropped, when no line came to carry it. */
static uint64_t
log_dropped_tick(uint64_t now)
{
	if (log_dropped == 0)
		return UINT64_MAX;
	chan_log_sink(LOG_WARNING, NULL);
	return log_dropped == 0 ? UINT64_MAX : now + LOG_RETRY_MS;
}

static void
receive_service(void)
{
	struct chan_msg *m = &setup_msg;
	const char *why;
	ssize_t n;

	n = chan_recv(WORKER_CHAN_FD, m, 0);
	if (n == 0)
		exit(0);	/* the master is gone */
	if (n == -1)
		fatal("reading the service description");
	if (chan_expect(m, MSG_SERVICE, sizeof(m->u.service)) == -1)
		fatalx("bad service description type=%u len=%u", m->hdr.type,
		    m->hdr.len);
	if ((why = msg_service_check(&m->u.service)) != NULL)
		fatalx("%s", why);
	desc = m->u.service;
	desc.title[sizeof(desc.title) - 1] = '\0';
}

static void
receive_policy(void)
{
	struct chan_msg *m = &setup_msg;
	const char *why;

	if (chan_recv(WORKER_CHAN_FD, m, 0) <= 0 ||
	    chan_expect(m, MSG_POLICY, sizeof(m->u.policy)) == -1)
		fatalx("bad policy message type=%u len=%u", m->hdr.type,
		    m->hdr.len);
	if ((why = msg_policy_check(&m->u.policy)) != NULL)
		fatalx("%s", why);
	policy = m->u.policy;
}

/* -l: hosts.allow and hosts.deny, compiled by the master. */
static const struct hosts_table *
hosts_message(const struct chan_msg *m)
{
	const char *why;

	if (chan_expect(m, MSG_HOSTS, sizeof(m->u.hosts)) == -1 ||
	    !desc.log_connections)
		fatalx("bad hosts message type=%u len=%u", m->hdr.type,
		    m->hdr.len);
	if ((why = hosts_check(&m->u.hosts)) != NULL)
		fatalx("%s", why);
	return &m->u.hosts;
}

/* Under -l: the rules, which decide each socket by its daemon name. */
static void
receive_hosts(void)
{
	struct chan_msg *m = &setup_msg;

	if (!desc.log_connections)
		return;
	if (nsocks == 0)
		fatalx("hosts_access: a worker with no socket");
	if (chan_recv(WORKER_CHAN_FD, m, 0) <= 0)
		fatalx("no hosts message");
	wrap_receive(&desc, &socks[0], hosts_message(m));
}

enum { KIND_STREAM, KIND_DGRAM, KIND_EXTERNAL, KINDS };

/* The kinds, as relayd's table of processes: one entry each. */
static const struct kind *const kinds[KINDS] = {
	[KIND_STREAM] = &kind_stream,
	[KIND_DGRAM] = &kind_dgram,
	[KIND_EXTERNAL] = &kind_external,
};

static int
kind_of(const struct wsock *ws)
{
	if (ws->builtin == BUILTIN_NONE)
		return KIND_EXTERNAL;
	return ws->socktype == SOCK_STREAM ? KIND_STREAM : KIND_DGRAM;
}

/* The pool's sockets, in batches, each with its descriptors at its place. */
static void
receive_sockets(void)
{
	struct chan_msg *m = &setup_msg;
	const struct msg_socket *e;
	struct wsock *ws;
	const char *why;
	uint32_t i;

	socks = xcalloc(desc.nsockets, sizeof(*socks));
	while (nsocks < desc.nsockets) {
		if (chan_recv(WORKER_CHAN_FD, m, 0) <= 0 ||
		    chan_expect(m, MSG_SOCKETS, sizeof(m->u.sockets)) == -1)
			fatalx("bad socket list type=%u len=%u", m->hdr.type,
			    m->hdr.len);
		if ((why = msg_sockets_check(&m->u.sockets, desc.internal)) !=
		    NULL)
			fatalx("%s", why);
		if (m->u.sockets.n > desc.nsockets - nsocks)
			fatalx("bad socket list: more than the pool has");
		for (i = 0; i < m->u.sockets.n; i++) {
			e = &m->u.sockets.s[i];
			ws = &socks[nsocks];
			ws->slot = e->slot;
			ws->socktype = e->socktype;
			ws->family = e->family;
			ws->builtin = e->builtin;
			ws->nslots = e->nslots;
			ws->fd = WORKER_LISTEN_FD(nsocks);
			nsocks++;
		}
	}
}

/* Each kind the pool has, set up; each socket mapped and started. */
static void
start_sockets(void)
{
	size_t count[KINDS] = { 0 };
	uint32_t i;
	int k;

	for (i = 0; i < nsocks; i++) {
		if ((socks[i].st = svcstate_map(WORKER_STATE_FD(i),
		    socks[i].nslots)) == NULL)
			fatal("mapping the service state");
		/* Mapped: the descriptor is of no more use. */
		close(WORKER_STATE_FD(i));
		count[kind_of(&socks[i])]++;
	}
	for (k = 0; k < KINDS; k++)
		if (count[k] > 0)
			kinds[k]->prepare(&desc, &policy, count[k]);
	for (i = 0; i < nsocks; i++)
		kinds[kind_of(&socks[i])]->start(&socks[i]);
}

static void
stop_socket(struct wsock *ws)
{
	if (ws->stopped)
		return;
	ws->stopped = true;
	kinds[kind_of(ws)]->stop_accepting(ws);
}

/* Enough descriptors for the connection table, or a smaller table. */
static void
fit_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("setrlimit");
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)desc.max_conns + NOFILE_SPARE) {
		log_warnx("descriptor limit %llu is below max-conns %u: "
		    "serving at most %llu connections",
		    (unsigned long long)rl.rlim_cur, desc.max_conns,
		    (unsigned long long)(rl.rlim_cur > NOFILE_SPARE * 2 ?
		    rl.rlim_cur - NOFILE_SPARE : NOFILE_SPARE));
		desc.max_conns = rl.rlim_cur > NOFILE_SPARE * 2 ?
		    (uint32_t)(rl.rlim_cur - NOFILE_SPARE) : NOFILE_SPARE;
	}
}

static void
begin_drain(uint32_t drain_ms)
{
	uint32_t i;
	uint64_t deadline = drain_ms == MSG_STOP_NO_DEADLINE ? UINT64_MAX :
	    loop_now() + drain_ms;

	if (stopping) {
		/* A reload's old pool told to drain as on a stop. */
		if (deadline < drain_deadline)
			drain_deadline = deadline;
		return;
	}
	stopping = true;
	drain_deadline = deadline;
	for (i = 0; i < nsocks; i++)
		stop_socket(&socks[i]);
}

/*
 * A reload moved these sockets' services to another pool: no more
 * accepting on them, their sessions go on. With none left to accept on,
 * the worker drains as a reload's old pool does.
 */
static void
drop_sockets(const struct msg_drop *m)
{
	uint32_t i, left = 0;

	for (i = 0; i < nsocks; i++) {
		if (m->slots[socks[i].slot / 8] & (1u << (socks[i].slot % 8)))
			stop_socket(&socks[i]);
		left += !socks[i].stopped;
	}
	if (left == 0)
		begin_drain(MSG_STOP_NO_DEADLINE);
}

static void
chan_ready(struct loop_ev *ev, uint32_t events)
{
	static struct chan_msg m;
	ssize_t n;

	(void)ev;
	(void)events;
	for (;;) {
		n = chan_recv(WORKER_CHAN_FD, &m, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0)
			exit(0);	/* the master is gone: so are we */
		if (n == -1)
			fatal("channel");
		if (m.fd != -1)
			fatalx("unexpected descriptor on the channel");
		switch (m.hdr.type) {
		case MSG_GUARD:
			if (chan_expect(&m, MSG_GUARD, sizeof(m.u.guard)) == -1 ||
			    !desc.internal)
				fatalx("unexpected guard message len=%u",
				    m.hdr.len);
			guard_set_ports(m.u.guard.udp_guard_ports);
			break;
		case MSG_HOSTS:
			wrap_update(hosts_message(&m));
			break;
		case MSG_DROP:
			if (chan_expect(&m, MSG_DROP, sizeof(m.u.drop)) == -1)
				fatalx("bad drop message len=%u", m.hdr.len);
			drop_sockets(&m.u.drop);
			break;
		case MSG_STOP:
			if (chan_expect(&m, MSG_STOP, sizeof(m.u.stop)) == -1)
				fatalx("bad stop message len=%u", m.hdr.len);
			begin_drain(m.u.stop.drain_ms);
			break;
		default:
			fatalx("unexpected message type=%u", m.hdr.type);
		}
	}
}

static struct loop_ev chan_ev = { .fn = chan_ready };

/*
 * Child servers are not sessions to drain: they run on, in their own
 * sessions, whatever becomes of us.
 */
static uint64_t
worker_tick(uint64_t now)
{
	static bool present[KINDS];
	static bool counted;
	uint64_t next = UINT64_MAX, t;
	size_t open = 0;
	uint32_t i;
	int k;

	if (!counted) {
		for (i = 0; i < nsocks; i++)
			present[kind_of(&socks[i])] = true;
		counted = true;
	}
	for (k = 0; k < KINDS; k++) {
		if (!present[k])
			continue;
		if (kinds[k]->tick != NULL && (t = kinds[k]->tick(now)) < next)
			next = t;
		if (kinds[k]->open != NULL)
			open += kinds[k]->open();
	}
	if ((t = log_dropped_tick(now)) < next)
		next = t;
	if ((t = wrap_tick(now)) < next)
		next = t;
	if (stopping) {
		if (open == 0 || now >= drain_deadline) {
			if (open > 0)
				log_info("drain time over, closing "
				    "connections open=%zu", open);
			exit(0);
		}
		if (drain_deadline < next)
			next = drain_deadline;
	}
	return next;
}

int
worker_main(void)
{
	prctl(PR_SET_NAME, "sinetd-worker");
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		return EXIT_NORESPAWN;
	/*
	 * Before READY a failure is the configuration's or the lock-down's,
	 * and would fail again: not restarted. Running out of descriptors,
	 * memory or processes may pass: restarted, with the back-off.
	 */
	log_fatal_status = EXIT_NORESPAWN;
	log_fatal_transient_status = 1;
	if (setsockopt(WORKER_CHAN_FD, SOL_SOCKET, SO_SNDTIMEO,
	    &(struct timeval){ .tv_sec = FATAL_SEND_MS / 1000 },
	    sizeof(struct timeval)) == -1)
		return EXIT_NORESPAWN;
	log_set_sink(chan_log_sink);

	receive_service();
	receive_policy();
	receive_sockets();
	receive_hosts();
	/* Nothing past the pool's own descriptors. */
	(void)close_range(WORKER_LISTEN_FD(nsocks), ~0U, 0);
#ifdef SINETD_TEST_HOOKS
	/* build/t/sinetd-hooks only: a worker that dies as it starts. */
	if (getenv("SINETD_TEST_CRASH_AT_START") != NULL)
		raise(SIGKILL);
	/* A first worker out of descriptors before READY (pool.c). */
	if (getenv("SINETD_TEST_EMFILE_AT_START") != NULL) {
		errno = EMFILE;
		fatal("test hook: out of descriptors");
	}
#endif
	if (getppid() != desc.master_pid)
		exit(0);
	fit_nofile();
	lockdown_prepare(&desc, &policy);
	loop_init();
	if (fd_set_nonblock(WORKER_CHAN_FD, true) == -1 ||
	    loop_add(WORKER_CHAN_FD, EPOLLIN, &chan_ev) == -1)
		fatal("channel");
	/* Set up to serve, then lock down: after it, no file, no new fd. */
	start_sockets();
	/* Its lookups need files and sockets we are about to give up. */
	wrap_prepare(&desc, socks, nsocks);
	/* What compiling the filters took goes back: an idle pool costs less. */
	malloc_trim(0);
	/* A lock-down that fails is never worth a restart, whatever errno. */
	log_fatal_transient_status = -1;
	lockdown(&desc, &policy);
	log_fatal_transient_status = 1;
	if (chan_send(WORKER_CHAN_FD, MSG_READY, NULL, 0, 0) == -1)
		fatal("reporting ready");
	/* From here a failure is worth a restart: we did set up once. */
	log_fatal_status = 1;
#ifdef SINETD_TEST_HOOKS
	/* build/t/sinetd-hooks only: a worker that lies (forge.c). */
	forge(&desc, &socks[0]);
	/* A fatal line after the channel filled: it must still arrive. */
	if (getenv("SINETD_TEST_FATAL_FULL") != NULL) {
		struct msg_log m = { .prio = LOG_INFO };
		unsigned n = 0;

		str_copy(m.text, "test hook: filling the channel", sizeof(m.text));
		while (chan_send(WORKER_CHAN_FD, MSG_LOG, &m, sizeof(m),
		    MSG_DONTWAIT) == 0)
			n++;
		fatalx("test hook: fatal after %u lines filled the channel", n);
	}
#endif
	loop_run(worker_tick);
	return 0;
}
