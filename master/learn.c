/* SPDX-License-Identifier: ISC */
/*
 * Learning mode (action log): the policy's filter hands every call it does
 * not allow to us, through the seccomp notification descriptor its worker
 * passed us; we note the call's first use by the service and let it
 * continue. The kernel's own log of such calls is rate-limited and loses
 * most of them; this loses none. Nothing here comes from the network: the
 * kernel says which call, and we only ever answer "continue".
 */
#include <sys/epoll.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "util.h"

/* Outlives its pool while the filter's processes run: the service's id. */
struct learner {
	struct mev	 ev;
	int		 fd;
	uint64_t	 svc;
};

static struct seccomp_notif *req;
static struct seccomp_notif_resp *resp;

static void
learner_close(struct learner *l)
{
	close(l->fd);		/* leaves the epoll set: only we hold it */
	free(l);
}

/*
 * One notification a call: the receive would block on an empty queue,
 * and epoll (level-triggered) brings us back while any is pending.
 */
static void
learner_event(struct mev *ev, uint32_t events)
{
	struct learner *l = container_of(ev, struct learner, ev);
	char comm[32] = "?", path[64];
	struct msvc *ms;
	FILE *fp;

	if (!(events & EPOLLIN)) {
		/* The last process under the filter is gone. */
		learner_close(l);
		return;
	}
	memset(req, 0, sizeof(*req));
	if (seccomp_notify_receive(l->fd, req) != 0)
		return;		/* it died while waiting: nothing to answer */
	snprintf(path, sizeof(path), "/proc/%u/comm", req->pid);
	if ((fp = fopen(path, "re")) != NULL) {
		if (fgets(comm, sizeof(comm), fp) != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		fclose(fp);
	}
	if ((ms = services_find(l->svc)) != NULL)
		violation_learned(ms, req->data.nr, comm);
	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	(void)seccomp_notify_respond(l->fd, resp);
}

void
learn_add(struct msvc *ms, int fd)
{
	struct learner *l;

	if (req == NULL && seccomp_notify_alloc(&req, &resp) != 0)
		fatalx("seccomp_notify_alloc");
	l = xcalloc(1, sizeof(*l));
	l->fd = fd;
	l->svc = ms->id;
	l->ev.fn = learner_event;
	if (fd_set_nonblock(fd, true) == -1 || master_epoll_add(fd, &l->ev)) {
		log_warn("cannot watch a learning service %s", ms->svc->fields);
		learner_close(l);
	}
}
