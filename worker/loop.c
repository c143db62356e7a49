/* SPDX-License-Identifier: ISC */
/*
 * The worker's event loop: epoll, then a tick that runs whatever is due
 * (idle timeouts, deferred work, the drain) and says when to wake next.
 */
#include <sys/epoll.h>

#include <errno.h>

#include "log.h"
#include "util.h"
#include "worker.h"

#define EVENTS_MAX 256

static int epfd = -1;
static uint64_t cached_now;

void
loop_init(void)
{
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	cached_now = now_ms();
}

int
loop_add(int fd, uint32_t events, struct loop_ev *ev)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

/*
 * A listening socket is shared with the master and other workers, so
 * closing our descriptor would not take it out of the set: delete first.
 */
int
loop_del(int fd)
{
	return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

/*
 * Waits up to ms for any event, acting on none: a pause that needs no
 * call beyond the loop's own (the filter allows no other sleep).
 */
void
loop_sleep(int ms)
{
	struct epoll_event e;

	if (epfd != -1)
		(void)epoll_wait(epfd, &e, 1, ms);
}

/* The time at the start of this turn: one clock read serves every handler. */
uint64_t
loop_now(void)
{
	return cached_now;
}

void
loop_run(uint64_t (*tick)(uint64_t))
{
	struct epoll_event evs[EVENTS_MAX];
	uint64_t next;
	int n, i, timeout;

	for (;;) {
		next = tick(cached_now);
		if (next == UINT64_MAX)
			timeout = -1;
		else if (next <= cached_now)
			timeout = 0;
		else
			timeout = next - cached_now > 60000 ? 60000 :
			    (int)(next - cached_now);
		n = epoll_wait(epfd, evs, EVENTS_MAX, timeout);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		cached_now = now_ms();
		for (i = 0; i < n; i++) {
			struct loop_ev *ev = evs[i].data.ptr;

			ev->fn(ev, evs[i].events);
		}
	}
}
