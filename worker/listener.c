/* SPDX-License-Identifier: ISC */
/*
 * A listening socket in the worker's loop: shared with the master and the
 * other workers of the pool (so it leaves the epoll set by EPOLL_CTL_DEL,
 * never by close alone), paused when the worker has no room or no
 * descriptors, resumed by the tick.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define EXHAUSTED_PAUSE_MS 100	/* out of descriptors: stop accepting */

static void
listener_ready(struct loop_ev *ev, uint32_t events)
{
	struct listener *l = container_of(ev, struct listener, ev);

	(void)events;
	if (!l->paused && !l->stopped)
		l->ready(l);
}

/* One shared socket, one worker woken per connection (EPOLLEXCLUSIVE). */
void
listener_start(struct listener *l, int fd)
{
	l->fd = fd;
	l->ev.fn = listener_ready;
	l->paused = l->stopped = l->exhausted = false;
	if (loop_add(fd, EPOLLIN | EPOLLEXCLUSIVE, &l->ev) == -1)
		fatal("epoll add listener");
}

void
listener_pause(struct listener *l, uint64_t resume_at)
{
	l->resume_at = resume_at;
	if (l->paused || l->stopped)
		return;
	if (loop_del(l->fd) == -1)
		fatal("epoll del listener");
	l->paused = true;
}

void
listener_resume(struct listener *l)
{
	if (!l->paused || l->stopped)
		return;
	if (loop_add(l->fd, EPOLLIN | EPOLLEXCLUSIVE, &l->ev) == -1)
		fatal("epoll add listener");
	l->paused = false;
}

/* Stop for good: our descriptor goes; the master and others keep theirs. */
void
listener_stop(struct listener *l)
{
	if (l->stopped || l->fd == -1)
		return;
	if (!l->paused)
		loop_del(l->fd);
	close(l->fd);
	l->stopped = true;
}

/*
 * accept4 with the errors sorted: -1 means stop this turn (nothing left,
 * or paused for want of descriptors, logged once per burst).
 */
int
listener_accept(struct listener *l, union sockaddr_any *peer, socklen_t *plen,
    int flags)
{
	int fd;

	for (;;) {
		*plen = sizeof(*peer);
		fd = accept4(l->fd, &peer->sa, plen, flags | SOCK_CLOEXEC);
		if (fd != -1) {
			l->exhausted = false;
			return fd;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
		case EPERM:
			continue;
		case EAGAIN:
			return -1;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			if (!l->exhausted)
				log_warn("accept: out of resources, pausing "
				    "pause=%dms", EXHAUSTED_PAUSE_MS);
			l->exhausted = true;
			listener_pause(l, loop_now() + EXHAUSTED_PAUSE_MS);
			return -1;
		default:
			log_warn("accept");
			return -1;
		}
	}
}

/*
 * Resumes a paused listener once its time has come and there is room;
 * returns when it is next due (UINT64_MAX: not paused, or waiting for
 * room, which the caller's own events bring).
 */
uint64_t
listener_tick(struct listener *l, uint64_t now, bool room)
{
	if (!l->paused || l->stopped)
		return UINT64_MAX;
	if (now < l->resume_at)
		return l->resume_at;
	if (room)
		listener_resume(l);
	return UINT64_MAX;
}
