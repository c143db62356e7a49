/* SPDX-License-Identifier: ISC */
/*
 * The internal services over UDP: one answer per datagram, and none to a
 * source the guard (guard.c) refuses.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "chan.h"
#include "log.h"
#include "policy.h"
#include "service.h"
#include "svcstate.h"
#include "util.h"
#include "worker.h"
#include "wrap.h"

#define DGRAM_BURST	64

/* A UDP socket of the pool. */
struct dsock {
	struct loop_ev	 ev;
	int		 fd;		/* -1: stopped */
	bool		 dual;		/* IPv6 socket taking IPv4 clients too */
	enum builtin	 builtin;
	struct svcstate	*st;
	struct wsock	*ws;		/* worker.c's */
};

static struct dsock *socks;		/* this worker's life, never moved */
static size_t nsocks, nsocks_max;
static const struct policy *pol;
static bool log_conns;
static char dgram_buf[65536];

#ifdef SINETD_TEST_HOOKS
/*
 * Only in build/t/sinetd-hooks, never in sinetd: a datagram "!open" or
 * "!exec" makes the worker try what its filter must refuse, so the tests
 * can see an internal worker killed for it.
 */
static void
test_hook(const char *buf, ssize_t n)
{
	static char big[MSG_MAX + 4096];
	char *args[] = { "true", NULL };

	if (n == 5 && memcmp(buf, "!open", 5) == 0)
		(void)open("/etc/passwd", O_RDONLY);
	if (n == 5 && memcmp(buf, "!exec", 5) == 0)
		(void)execv("/bin/true", args);
	/* Faults on the channel: the master must kill and restart us. */
	if (n == 8 && memcmp(buf, "!badtype", 8) == 0)
		(void)chan_send(WORKER_CHAN_FD, 99, "x", 1, 0);
	if (n == 7 && memcmp(buf, "!badlog", 7) == 0)
		(void)chan_send(WORKER_CHAN_FD, MSG_LOG, "short", 5, 0);
	if (n == 7 && memcmp(buf, "!bigmsg", 7) == 0)
		(void)send(WORKER_CHAN_FD, big, sizeof(big), 0);
}
#endif

static void
answer(struct dsock *dl, const union sockaddr_any *peer, socklen_t plen,
    const char *buf, size_t n)
{
	char addr[ADDR_STR_MAX];
	const char *out;
	ssize_t len;

	SVC_COUNT(dl->st, accepted);
#ifdef SINETD_TEST_HOOKS
	test_hook(buf, (ssize_t)n);
#endif
	if (log_conns)
		log_info("request peer=%s bytes=%zu",
		    addr_str(&peer->sa, plen, addr, sizeof(addr)), n);
	if ((len = builtin_datagram(dl->builtin, buf, n, &out)) == -1)
		return;
	/*
	 * The kernel refuses a directed broadcast we did not know
	 * of (EACCES without SO_BROADCAST): one more guard.
	 */
	if (sendto(dl->fd, out, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL,
	    &peer->sa, plen) == -1 && errno == EACCES)
		admit_log_refused(&peer->sa, plen, "broadcast", true, dl->dual);
}

/* Its sender's host name came (wrap.c): decided again, then answered. */
static void
named(void *ctx, int fd, const union sockaddr_any *peer, socklen_t plen,
    const void *data, size_t len)
{
	struct dsock *dl = ctx;

	(void)fd;
	if (dl->fd != -1 && wrap_admit(dl->ws, dl, -1, peer, plen, data, len,
	    named) == WRAP_PASS)
		answer(dl, peer, plen, data, len);
}

static void
dgram_ready(struct loop_ev *ev, uint32_t events)
{
	struct dsock *dl = container_of(ev, struct dsock, ev);
	struct svcstate *st = dl->st;
	union sockaddr_any peer;
	socklen_t plen;
	ssize_t n;
	int i;

	(void)events;
	worker_log_about(dl->ws);
	for (i = 0; i < DGRAM_BURST && dl->fd != -1; i++) {
		plen = sizeof(peer);
		n = recvfrom(dl->fd, dgram_buf, sizeof(dgram_buf), MSG_DONTWAIT,
		    &peer.sa, &plen);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNREFUSED)
				log_warn("recvfrom");
			break;
		}
		if (admit_peer(st, pol, &peer.sa, plen,
		    guard_check(&peer.sa, dl->dual), true, dl->dual) != ADMIT_OK)
			continue;
		if (wrap_admit(dl->ws, dl, -1, &peer, plen, dgram_buf,
		    (size_t)n, named) != WRAP_PASS)
			continue;
		answer(dl, &peer, plen, dgram_buf, (size_t)n);
	}
	worker_log_about(NULL);
}

static void
dgram_prepare(const struct msg_service *m, const struct policy *p, size_t n)
{
	socks = xcalloc(n, sizeof(*socks));
	nsocks_max = n;
	pol = p;
	log_conns = m->log_connections;
	guard_set_ports(m->udp_guard_ports);
	guard_read_broadcasts();
}

static void
dgram_start(struct wsock *ws)
{
	struct dsock *dl;
	int v6only = 1;
	socklen_t len = sizeof(v6only);

	if (nsocks == nsocks_max)
		fatalx("more datagram sockets than the pool listed");
	dl = &socks[nsocks++];
	dl->ws = ws;
	dl->builtin = ws->builtin;
	dl->st = ws->st;
	if (ws->family == AF_INET6 && getsockopt(ws->fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &v6only, &len) == 0)
		dl->dual = !v6only;
	dl->fd = ws->fd;
	dl->ev.fn = dgram_ready;
	if (loop_add(dl->fd, EPOLLIN | EPOLLEXCLUSIVE, &dl->ev) == -1)
		fatal("epoll add listener");
}

static void
dgram_stop_accepting(struct wsock *ws)
{
	size_t i;

	for (i = 0; i < nsocks; i++) {
		if (socks[i].ws != ws || socks[i].fd == -1)
			continue;
		loop_del(socks[i].fd);
		close(socks[i].fd);
		socks[i].fd = -1;
	}
}

/* A datagram is answered at once: nothing is open, nothing is due. */
const struct kind kind_dgram = {
	.name = "dgram",
	.prepare = dgram_prepare,
	.start = dgram_start,
	.stop_accepting = dgram_stop_accepting,
	.tick = NULL,
	.open = NULL,
};
