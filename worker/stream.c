/* SPDX-License-Identifier: ISC */
/*
 * The internal services over TCP, served from the event loop out of a fixed
 * connection table shared by every stream socket of the pool: nothing is
 * allocated per connection. echo keeps at most
 * ECHO_BUF bytes in flight, chargen writes only when the socket is writable,
 * and a connection that makes no progress for the idle timeout is closed.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "policy.h"
#include "service.h"
#include "svcstate.h"
#include "util.h"
#include "worker.h"
#include "wrap.h"

#define ECHO_BUF	4096	/* echo bytes in flight per connection */
#define IO_BURST	16	/* reads or writes per connection per turn */
#define ACCEPT_BURST	64
#define DISCARD_CHUNK	(1 << 20)

struct conn {
	struct loop_ev	 ev;
	int		 fd;		/* -1: free, or closed this turn */
	enum builtin	 builtin;	/* of the socket it came from */
	uint32_t	 off, len;	/* echo: bytes of the buffer to send */
	uint32_t	 pos;		/* chargen: offset in the period */
	bool		 eof;		/* echo: the peer is done sending */
	bool		 queued;	/* on the run queue */
	uint64_t	 last_active;
	struct conn	*prev, *next;	/* idle order, or the free lists */
	struct conn	*runq_next;
};

/* A stream socket of the pool. */
struct ssock {
	struct listener	 lst;
	struct wsock	*ws;		/* worker.c's */
};

static struct ssock *socks;		/* this worker's life */
static size_t nsocks, nsocks_max;

static const struct policy *pol;
static uint64_t idle_ms;
static bool log_conns;
static struct conn *conns;
static char *echo_arena;
static struct conn *free_list;
/* Slots past conns_used were never touched: a fresh worker faults in none. */
static size_t conns_used, conns_max;
static struct conn *closed_list;	/* free again after this turn */
static struct conn idle = { .prev = &idle, .next = &idle };
static struct conn *runq_first, *runq_last;
static size_t nopen;

static bool
needs_slot(enum builtin b)
{
	return b != BUILTIN_DAYTIME && b != BUILTIN_TIME;
}

static void
idle_unlink(struct conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
}

static void
idle_append(struct conn *c)
{
	c->prev = idle.prev;
	c->next = &idle;
	idle.prev->next = c;
	idle.prev = c;
}

/* Progress: the connection moves to the young end of the idle order. */
static void
touch(struct conn *c)
{
	c->last_active = loop_now();
	if (idle.prev != c) {
		idle_unlink(c);
		idle_append(c);
	}
}

static void
runq_push(struct conn *c)
{
	if (c->queued)
		return;
	c->queued = true;
	c->runq_next = NULL;
	if (runq_last != NULL)
		runq_last->runq_next = c;
	else
		runq_first = c;
	runq_last = c;
}

/*
 * The descriptor goes now; the slot only after this turn, so an event
 * still queued for it in this batch cannot reach a new connection.
 */
static void
conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	idle_unlink(c);
	c->next = closed_list;
	closed_list = c;
	nopen--;
}

static void
echo_io(struct conn *c)
{
	char *buf = echo_arena + (size_t)(c - conns) * ECHO_BUF;
	int budget = IO_BURST;
	ssize_t n;

	for (;;) {
		while (c->off < c->len) {
			n = send(c->fd, buf + c->off, c->len - c->off,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n == -1) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN)
					conn_close(c);
				return;	/* EPOLLOUT brings us back */
			}
			c->off += (uint32_t)n;
			touch(c);
		}
		c->off = c->len = 0;
		if (c->eof) {
			conn_close(c);
			return;
		}
		if (budget-- == 0) {
			runq_push(c);
			return;
		}
		n = recv(c->fd, buf, ECHO_BUF, MSG_DONTWAIT);
		if (n > 0) {
			c->len = (uint32_t)n;
			touch(c);
		} else if (n == 0)
			c->eof = true;
		else if (errno == EAGAIN)
			return;
		else if (errno != EINTR) {
			conn_close(c);
			return;
		}
	}
}

/* MSG_TRUNC makes TCP drop the bytes without copying them to us. */
static int
drain_input(struct conn *c, bool *eof)
{
	int budget = IO_BURST;
	ssize_t n;

	while (budget-- > 0) {
		n = recv(c->fd, NULL, DISCARD_CHUNK, MSG_DONTWAIT | MSG_TRUNC);
		if (n > 0) {
			touch(c);
			continue;
		}
		if (n == 0) {
			*eof = true;
			return 0;
		}
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR)
			return -1;
	}
	return 1;	/* more to read: come back */
}

static void
discard_io(struct conn *c)
{
	bool eof = false;
	int rc = drain_input(c, &eof);

	if (rc == -1 || eof)
		conn_close(c);
	else if (rc == 1)
		runq_push(c);
}

/*
 * Reads are thrown away (RFC 864), and a peer that only half-closes still
 * gets characters; writes stop at a full socket buffer, so a client that
 * never reads costs no more than the kernel's buffer.
 */
static void
chargen_io(struct conn *c)
{
	bool eof = false;
	int budget = IO_BURST, rc;
	ssize_t n;

	if ((rc = drain_input(c, &eof)) == -1) {
		conn_close(c);
		return;
	}
	while (budget-- > 0) {
		n = send(c->fd, chargen_pattern + c->pos, CHARGEN_CHUNK,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close(c);
			else if (rc == 1)
				runq_push(c);
			return;
		}
		c->pos = (uint32_t)(((size_t)c->pos + (size_t)n) %
		    CHARGEN_PERIOD);
		touch(c);
	}
	runq_push(c);
}

static void
conn_serve(struct conn *c)
{
	switch (c->builtin) {
	case BUILTIN_ECHO:
		echo_io(c);
		break;
	case BUILTIN_DISCARD:
		discard_io(c);
		break;
	case BUILTIN_CHARGEN:
		chargen_io(c);
		break;
	default:
		conn_close(c);
		break;
	}
}

static void
conn_ready(struct loop_ev *ev, uint32_t events)
{
	struct conn *c = container_of(ev, struct conn, ev);

	(void)events;	/* the reads and writes themselves say what happened */
	if (c->fd != -1)
		conn_serve(c);
}

static bool
conn_available(void)
{
	return free_list != NULL || conns_used < conns_max;
}

static void
conn_open(int fd, enum builtin b)
{
	struct conn *c = free_list;

	if (c != NULL)
		free_list = c->next;
	else
		c = &conns[conns_used++];
	c->fd = fd;
	c->builtin = b;
	c->off = c->len = c->pos = 0;
	c->eof = false;
	c->last_active = loop_now();
	c->ev.fn = conn_ready;
	idle_append(c);
	nopen++;
	/* Edge-triggered: the handlers always run until EAGAIN or re-queue. */
	if (loop_add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	    &c->ev) == -1) {
		log_warn("epoll add connection");
		conn_close(c);
	}
}

/* The answer is the whole service: write it, drop any input, close. */
static void
answer_once(int fd, enum builtin b)
{
	char text[DAYTIME_MAX];
	uint32_t t;
	size_t len;

	if (b == BUILTIN_DAYTIME) {
		len = builtin_daytime(text, sizeof(text));
		if (len > 0)
			(void)send(fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} else {
		t = builtin_time();
		(void)send(fd, &t, sizeof(t), MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	/* Unread input would turn our FIN into a RST and lose the answer. */
	(void)recv(fd, NULL, DISCARD_CHUNK, MSG_DONTWAIT | MSG_TRUNC);
	close(fd);
}

static void
admitted(int fd, enum builtin b, const union sockaddr_any *peer,
    socklen_t plen)
{
	char addr[ADDR_STR_MAX];

	if (log_conns)
		log_info("connection peer=%s",
		    addr_str(&peer->sa, plen, addr, sizeof(addr)));
	/* chargen's pages are touched by a worker that serves it. */
	if (b == BUILTIN_CHARGEN)
		builtin_init(b);
	if (!needs_slot(b))
		answer_once(fd, b);
	else if (conn_available())
		conn_open(fd, b);
	else
		refuse_reset(fd);	/* filled while its name was looked up */
}

/* Its host name came (wrap.c): decided again, now that it is known. */
static void
named(void *ctx, int fd, const union sockaddr_any *peer, socklen_t plen,
    const void *data, size_t len)
{
	struct ssock *ss = ctx;

	(void)data;
	(void)len;
	/* Its service left this pool while the name was looked up. */
	if (ss->lst.stopped) {
		refuse_reset(fd);
		return;
	}
	if (wrap_admit(ss->ws, ss, fd, peer, plen, NULL, 0, named) ==
	    WRAP_PASS)
		admitted(fd, ss->ws->builtin, peer, plen);
}

static void
accept_ready(struct listener *l)
{
	struct ssock *ss = container_of(l, struct ssock, lst);
	struct svcstate *st = ss->ws->st;
	enum builtin b = ss->ws->builtin;
	union sockaddr_any peer;
	socklen_t plen;
	int i, fd;

	worker_log_about(ss->ws);
	for (i = 0; i < ACCEPT_BURST && !l->paused && !l->stopped; i++) {
		if (needs_slot(b) && !conn_available()) {
			listener_pause(l, 0);	/* clients wait in the backlog */
			break;
		}
		if ((fd = listener_accept(l, &peer, &plen, SOCK_NONBLOCK)) == -1)
			break;
		SVC_COUNT(st, accepted);
		/* The FTP bounce guard: nothing legitimate comes from 20. */
		switch (admit_peer(st, pol, &peer.sa, plen,
		    addr_port(&peer.sa) == 20 ? "source-port-20" : NULL, false,
		    false)) {
		case ADMIT_DISABLED:
			refuse_reset(fd);
			continue;
		case ADMIT_REFUSED:
			close(fd);
			continue;
		case ADMIT_OK:
			break;
		}
		if (wrap_admit(ss->ws, ss, fd, &peer, plen, NULL, 0, named) !=
		    WRAP_PASS)
			continue;
		admitted(fd, b, &peer, plen);
	}
	worker_log_about(NULL);
}

/* What every stream socket shares: the table, sized by max-conns. */
static void
stream_prepare(const struct msg_service *m, const struct policy *p, size_t n)
{
	/* Never moved: the loop holds pointers to their listeners. */
	socks = xcalloc(n, sizeof(*socks));
	nsocks_max = n;
	pol = p;
	idle_ms = m->idle_timeout_ms;
	log_conns = m->log_connections;
	conns = xcalloc(m->max_conns, sizeof(*conns));
	conns_max = m->max_conns;
}

/* echo's buffers, for a pool that serves echo: one per connection slot. */
static void
echo_reserve(void)
{
	if (echo_arena != NULL)
		return;
	/* Reserved, not touched: idle connections cost no memory. */
	echo_arena = mmap(NULL, conns_max * ECHO_BUF, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	/*
	 * Sized by max-conns, reserved, never touched: ENOMEM here is the
	 * configuration's (an address-space limit it exceeds), and would
	 * fail again. Not restarted, unlike fatal()'s.
	 */
	if (echo_arena == MAP_FAILED)
		fatalx("mmap echo buffers error=\"%s\"", strerror(errno));
}

static void
stream_start(struct wsock *ws)
{
	struct ssock *ss;

	if (nsocks == nsocks_max)
		fatalx("more stream sockets than the pool listed");
	ss = &socks[nsocks++];
	memset(ss, 0, sizeof(*ss));
	ss->ws = ws;
	if (ws->builtin == BUILTIN_ECHO)
		echo_reserve();
	ss->lst.ready = accept_ready;
	listener_start(&ss->lst, ws->fd);
}

static void
stream_stop_accepting(struct wsock *ws)
{
	size_t i;

	for (i = 0; i < nsocks; i++)
		if (socks[i].ws == ws)
			listener_stop(&socks[i].lst);
}

static size_t
stream_open_count(void)
{
	return nopen;
}

/* Deferred work, idle timeouts, freed slots; returns the next deadline. */
static uint64_t
stream_tick(uint64_t now)
{
	struct conn *c, *list;
	uint64_t next = UINT64_MAX, t;
	size_t i;

	list = runq_first;
	runq_first = runq_last = NULL;
	while ((c = list) != NULL) {
		list = c->runq_next;
		c->queued = false;
		if (c->fd != -1)
			conn_serve(c);
	}
	while (idle.next != &idle && idle.next->last_active + idle_ms <= now) {
		log_debug("idle timeout fd=%d", idle.next->fd);
		conn_close(idle.next);
	}
	while ((c = closed_list) != NULL) {
		closed_list = c->next;
		c->next = free_list;
		free_list = c;
	}
	/* Listeners paused for a slot, or for descriptors (listener.c). */
	for (i = 0; i < nsocks; i++) {
		struct listener *l = &socks[i].lst;
		bool room = !needs_slot(socks[i].ws->builtin) ||
		    conn_available();

		if (!l->paused)
			continue;
		if ((t = listener_tick(l, now, room)) < next)
			next = t;
	}
	if (runq_first != NULL)
		return now;
	if (idle.next != &idle && idle.next->last_active + idle_ms < next)
		return idle.next->last_active + idle_ms;
	return next;
}

const struct kind kind_stream = {
	.name = "stream",
	.prepare = stream_prepare,
	.start = stream_start,
	.stop_accepting = stream_stop_accepting,
	.tick = stream_tick,
	.open = stream_open_count,
};
