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

#define DGRAM_BURST	64	/* datagrams a wake-up serves at most */
#define DGRAM_BATCH	8	/* taken and answered a system call at once */

static struct {
	struct loop_ev	 ev;
	int		 fd;
	bool		 dual;		/* IPv6 socket taking IPv4 clients too */
} dl = { .fd = -1 };

static enum builtin builtin;
static const struct policy *pol;
static struct svcstate *st;
static bool log_conns;

/*
 * recvmmsg and sendmmsg: two calls serve a batch where recvfrom and sendto
 * took two a datagram, and one more to learn the queue was empty. A slot's
 * pages are touched only as far as its datagrams reach.
 */
static char dgram_buf[DGRAM_BATCH][65536];
static union sockaddr_any dgram_peer[DGRAM_BATCH];
static struct iovec dgram_iov[DGRAM_BATCH], answer_iov[DGRAM_BATCH];
static struct mmsghdr dgram_msg[DGRAM_BATCH], answer_msg[DGRAM_BATCH];

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

/* Whether slot i's datagram gets an answer; a refusal counted and logged. */
static bool
admitted(int i)
{
	const struct sockaddr *sa = &dgram_peer[i].sa;
	socklen_t plen = dgram_msg[i].msg_hdr.msg_namelen;
	const char *why;

	if (service_disabled(st)) {
		SVC_COUNT(st, refused_disabled);
		return false;
	}
	if ((why = guard_check(sa, dl.dual)) != NULL) {
		SVC_COUNT(st, refused_guard);
		refused(sa, plen, why);
		return false;
	}
	if ((why = policy_refuses_peer(pol, sa)) != NULL) {
		SVC_COUNT(st, refused_access);
		refused(sa, plen, why);
		return false;
	}
	SVC_COUNT(st, accepted);
	return true;
}

/*
 * Sends the n answers of answer_msg; a failed one is skipped, as sendto's
 * failure skipped its datagram, and a full send buffer drops the rest.
 */
static void
send_answers(int n)
{
	const struct mmsghdr *m;
	int done = 0, r;

	while (done < n) {
		r = sendmmsg(dl.fd, answer_msg + done, (unsigned)(n - done),
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0) {
			done += r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno == EAGAIN)
			return;
		/*
		 * The kernel refuses a directed broadcast we did not know
		 * of (EACCES without SO_BROADCAST): one more guard.
		 */
		m = &answer_msg[done];
		if (r == -1 && errno == EACCES)
			refused(m->msg_hdr.msg_name, m->msg_hdr.msg_namelen,
			    "broadcast");
		done++;
	}
}

static void
dgram_ready(struct loop_ev *ev, uint32_t events)
{
	char addr[ADDR_STR_MAX];
	const char *out;
	ssize_t len;
	int got, i, n, total;

	(void)ev;
	(void)events;
	for (total = 0; total < DGRAM_BURST && dl.fd != -1; total += got) {
		for (i = 0; i < DGRAM_BATCH; i++)
			dgram_msg[i].msg_hdr.msg_namelen =
			    sizeof(dgram_peer[i]);
		got = recvmmsg(dl.fd, dgram_msg, DGRAM_BATCH, MSG_DONTWAIT,
		    NULL);
		if (got == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			if (errno != ECONNREFUSED)
				log_warn("recvmmsg");
			return;
		}
		for (i = 0, n = 0; i < got; i++) {
			if (!admitted(i))
				continue;
#ifdef SINETD_TEST_HOOKS
			test_hook(dgram_buf[i], (ssize_t)dgram_msg[i].msg_len);
#endif
			if (log_conns)
				log_info("request peer=%s bytes=%u",
				    addr_str(&dgram_peer[i].sa,
				    dgram_msg[i].msg_hdr.msg_namelen, addr,
				    sizeof(addr)), dgram_msg[i].msg_len);
			/*
			 * daytime's and time's answers are in one buffer of
			 * builtin.c: the batch's answers share the last one,
			 * computed within the same moment.
			 */
			if ((len = builtin_datagram(builtin, dgram_buf[i],
			    dgram_msg[i].msg_len, &out)) == -1)
				continue;
			answer_iov[n].iov_base = (void *)out;
			answer_iov[n].iov_len = (size_t)len;
			answer_msg[n].msg_hdr.msg_name = &dgram_peer[i];
			answer_msg[n].msg_hdr.msg_namelen =
			    dgram_msg[i].msg_hdr.msg_namelen;
			n++;
		}
		if (n > 0 && dl.fd != -1)
			send_answers(n);
		/* Fewer than asked for: the queue is empty; epoll says more. */
		if (got < DGRAM_BATCH)
			return;
	}
}

void
dgram_start(const struct msg_service *m, const struct policy *p,
    struct svcstate *state, int fd)
{
	int v6only = 1, i;
	socklen_t len = sizeof(v6only);

	builtin = m->builtin;
	pol = p;
	st = state;
	log_conns = m->log_connections;
	guard_set_ports(m->udp_guard_ports);
	builtin_init(builtin);
	for (i = 0; i < DGRAM_BATCH; i++) {
		dgram_iov[i].iov_base = dgram_buf[i];
		dgram_iov[i].iov_len = sizeof(dgram_buf[i]);
		dgram_msg[i].msg_hdr.msg_name = &dgram_peer[i];
		dgram_msg[i].msg_hdr.msg_iov = &dgram_iov[i];
		dgram_msg[i].msg_hdr.msg_iovlen = 1;
		answer_msg[i].msg_hdr.msg_iov = &answer_iov[i];
		answer_msg[i].msg_hdr.msg_iovlen = 1;
	}
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
