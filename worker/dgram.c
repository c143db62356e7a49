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

static struct {
	struct loop_ev	 ev;
	int		 fd;
	bool		 dual;		/* IPv6 socket taking IPv4 clients too */
} dl = { .fd = -1 };

static enum builtin builtin;
static const struct policy *pol;
static struct svcstate *st;
static bool log_conns;
static char dgram_buf[65536];

static void
refused(const struct sockaddr *sa, socklen_t len, const char *why)
{
	struct sockaddr_in v4;
	char addr[ADDR_STR_MAX];

	if (!peerlog_due(sa, why, loop_now()))
		return;
	if (dl.dual && addr_unmap_v4(sa, &v4)) {
		sa = (const struct sockaddr *)&v4;
		len = sizeof(v4);
	}
	log_warnx("udp request refused peer=%s reason=%s",
	    addr_str(sa, len, addr, sizeof(addr)), why);
}

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
answer(const union sockaddr_any *peer, socklen_t plen, const char *buf,
    size_t n)
{
	char addr[ADDR_STR_MAX];
	const char *out;
	ssize_t len;

	SVC_COUNT(st, accepted);
#ifdef SINETD_TEST_HOOKS
	test_hook(buf, (ssize_t)n);
#endif
	if (log_conns)
		log_info("request peer=%s bytes=%zu",
		    addr_str(&peer->sa, plen, addr, sizeof(addr)), n);
	if ((len = builtin_datagram(builtin, buf, n, &out)) == -1)
		return;
	/*
	 * The kernel refuses a directed broadcast we did not know
	 * of (EACCES without SO_BROADCAST): one more guard.
	 */
	if (sendto(dl.fd, out, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL,
	    &peer->sa, plen) == -1 && errno == EACCES)
		refused(&peer->sa, plen, "broadcast");
}

/* Its sender's host name came (wrap.c): decided again, then answered. */
static void
named(int fd, const union sockaddr_any *peer, socklen_t plen,
    const void *data, size_t len)
{
	(void)fd;
	if (dl.fd != -1 && wrap_admit(-1, peer, plen, data, len, named) ==
	    WRAP_PASS)
		answer(peer, plen, data, len);
}

static void
dgram_ready(struct loop_ev *ev, uint32_t events)
{
	union sockaddr_any peer;
	const char *why;
	socklen_t plen;
	ssize_t n;
	int i;

	(void)ev;
	(void)events;
	for (i = 0; i < DGRAM_BURST && dl.fd != -1; i++) {
		plen = sizeof(peer);
		n = recvfrom(dl.fd, dgram_buf, sizeof(dgram_buf), MSG_DONTWAIT,
		    &peer.sa, &plen);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno != ECONNREFUSED)
				log_warn("recvfrom");
			return;
		}
		if (service_disabled(st)) {
			SVC_COUNT(st, refused_disabled);
			continue;
		}
		if ((why = guard_check(&peer.sa, dl.dual)) != NULL) {
			SVC_COUNT(st, refused_guard);
			refused(&peer.sa, plen, why);
			continue;
		}
		if ((why = policy_refuses_peer(pol, &peer.sa)) != NULL) {
			SVC_COUNT(st, refused_access);
			refused(&peer.sa, plen, why);
			continue;
		}
		if (wrap_admit(-1, &peer, plen, dgram_buf, (size_t)n, named) !=
		    WRAP_PASS)
			continue;
		answer(&peer, plen, dgram_buf, (size_t)n);
	}
}

void
dgram_start(const struct msg_service *m, const struct policy *p,
    struct svcstate *state, int fd)
{
	int v6only = 1;
	socklen_t len = sizeof(v6only);

	builtin = m->builtin;
	pol = p;
	st = state;
	log_conns = m->log_connections;
	guard_set_ports(m->udp_guard_ports);
	builtin_init(builtin);
	if (m->family == AF_INET6 && getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &v6only, &len) == 0)
		dl.dual = !v6only;
	dl.fd = fd;
	dl.ev.fn = dgram_ready;
	if (loop_add(fd, EPOLLIN | EPOLLEXCLUSIVE, &dl.ev) == -1)
		fatal("epoll add listener");
}

void
dgram_stop(void)
{
	if (dl.fd == -1)
		return;
	loop_del(dl.fd);
	close(dl.fd);
	dl.fd = -1;
}
