/* SPDX-License-Identifier: ISC */
/*
 * The kernel's process events (the proc connector): the family tree of
 * every pool, kept as it grows, so that a process a child server started
 * (login under in.telnetd) is known to be that service's even after it
 * is gone, and its death by SIGSYS is seen at all: no one reports it to
 * us, and by the time its audit record is read its parent has often
 * reaped it, so /proc no longer says whose it was. The events come in
 * order, with the kernel's own monotonic time, so a fork is always known
 * before the exit of what it made. A process a child server started that
 * ended is kept a while, with its life's span: an audit record of it may
 * come after its exit. Every fork and exit on the host wakes a listener,
 * so we listen only while an external pool exists or a process one
 * started still runs (procev_follow).
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/cn_proc.h>
#include <linux/filter.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "pidtab.h"
#include "util.h"

#define TRACK_MIN	256
#define TRACK_MAX	65536		/* entries; the table holds half */
#define RCVBUF		(4 << 20)
#define DEAD_KEEP_MS	3000		/* past violation.c's PENDING_MS */

struct tracked {
	pid_t		 pid;		/* a process (tgid); 0: free */
	pid_t		 top;		/* the child server it descends from */
	uint64_t	 svc;
	uint64_t	 born_ms;	/* CLOCK_MONOTONIC, the kernel's stamps */
	uint64_t	 died_ms;	/* 0: running */
	unsigned	 depth;		/* 1: a child server */
};

static struct pidtab table = { .esize = sizeof(struct tracked) };
static int fd = -1;
static bool full_said, cannot_said;
static uint64_t lost;
static size_t nrunning;			/* entries with died_ms 0 */
static bool gap;			/* since open: a fork may be untold */
static uint64_t recheck_at;		/* the next look at closing */

static bool	 procev_open(void);

/* The ended ones kept long enough; after a burst, the room it took. */
static void
sweep(void)
{
	uint64_t now = now_ms();
	size_t i = 0;

	while (i < table.cap) {
		const struct tracked *t = pidtab_at(&table, i);

		if (t->pid != 0 && t->died_ms != 0 &&
		    now - t->died_ms > DEAD_KEEP_MS)
			pidtab_remove_at(&table, i);	/* what moved in: next */
		else
			i++;
	}
	while (table.cap > TRACK_MIN && table.used < table.cap / 8)
		pidtab_grow(&table, table.cap / 2);
}

static void
track(const struct tracked *t)
{
	struct tracked *old;

	/* The pid of one that ended, or whose exit we missed: a new one. */
	if ((old = pidtab_get(&table, t->pid)) != NULL) {
		if (old->died_ms != 0)
			nrunning++;
		*old = *t;
		return;
	}
	if (table.cap == 0)
		pidtab_grow(&table, TRACK_MIN);
	if (table.used + 1 > table.cap / 2)
		sweep();
	if (table.used + 1 > table.cap / 2) {
		if (table.cap >= TRACK_MAX) {
			gap = true;
			if (!full_said)
				log_warnx("too many processes in the pools to "
				    "follow each: a violation of one started "
				    "by a child server may go uncounted");
			full_said = true;
			return;
		}
		pidtab_grow(&table, table.cap * 2);
	}
	pidtab_put(&table, t);
	nrunning++;
}

static void
forked(const struct proc_event *e)
{
	pid_t parent = e->event_data.fork.parent_tgid;
	struct tracked t = { .pid = e->event_data.fork.child_tgid,
		.born_ms = e->timestamp_ns / 1000000 };
	const struct tracked *p;
	struct msvc *ms;

	/* A new thread is no new process. */
	if (e->event_data.fork.child_pid != t.pid)
		return;
	/*
	 * An internal pool's workers start no child server: what they
	 * fork (the -l resolver) is theirs, and would keep us listening.
	 */
	if ((ms = pool_find_worker(parent)) != NULL) {
		if (ms->pool == NULL || ms->pool->internal)
			return;
		t.top = t.pid;
		t.svc = ms->id;
		t.depth = 1;
	} else if ((p = pidtab_get(&table, parent)) != NULL) {
		t.top = p->top;
		t.svc = p->svc;
		t.depth = p->depth < 255 ? p->depth + 1 : p->depth;
	} else
		return;
	track(&t);
}

/*
 * A child server's own death is the worker's to report (with its peer)
 * or ours as its subreaper (services.c); what it started has no one else.
 */
static void
exited(const struct proc_event *e)
{
	pid_t pid = e->event_data.exit.process_tgid;
	uint32_t code = e->event_data.exit.exit_code;
	struct tracked *t, copy;
	const struct child_rec *c;
	struct msvc *ms;

	if (e->event_data.exit.process_pid != pid ||
	    (t = pidtab_get(&table, pid)) == NULL || t->died_ms != 0)
		return;
	t->died_ms = e->timestamp_ns / 1000000;
	if (t->died_ms == 0)
		t->died_ms = 1;
	nrunning--;
	/*
	 * A child server's death is reported by its worker, or by our reap
	 * of it; its entry stays a while all the same, for the exact birth
	 * that report wants (violation.c's child_born).
	 */
	if (t->depth < 2)
		return;
	copy = *t;
	/* A pool of several: the child server's own service, as recorded. */
	if ((c = children_find(copy.top)) != NULL)
		copy.svc = c->svc;
	/* The wait status: the signal in the low 7 bits, 0x80 a core. */
	if ((code & 0x7f) != SIGSYS ||
	    (ms = services_find(copy.svc)) == NULL)
		return;
	violation_descendant(ms, pid, copy.top, copy.born_ms, copy.died_ms);
}

static void
procev_event(struct mev *ev, uint32_t events)
{
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *h;
	const struct cn_msg *c;
	struct proc_event pe;
	ssize_t n;
	size_t len;

	(void)ev;
	(void)events;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n == -1 && errno == ENOBUFS) {
			/* The kernel dropped some: the tree may have gaps. */
			gap = true;
			if (lost++ == 0)
				log_warnx("process events lost: a violation of "
				    "a process started by a child server may "
				    "go uncounted");
			continue;
		}
		if (n <= 0)
			return;
		len = (size_t)n;
		for (h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len);
		    h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type != NLMSG_DONE ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*c)))
				continue;
			c = NLMSG_DATA(h);
			if (c->id.idx != CN_IDX_PROC ||
			    c->id.val != CN_VAL_PROC ||
			    c->len < sizeof(pe) || h->nlmsg_len <
			    NLMSG_LENGTH(sizeof(*c) + sizeof(pe)))
				continue;
			memcpy(&pe, c->data, sizeof(pe));
			if (pe.what == PROC_EVENT_FORK)
				forked(&pe);
			else if (pe.what == PROC_EVENT_EXIT)
				exited(&pe);
		}
	}
}

static struct mev procev_mev = { .fn = procev_event };

/*
 * Only forks and exits wake us: the host's execs, and its changes of ids
 * and names, are dropped by the kernel. A word load reads in network
 * order, hence ntohl of what the kernel writes in ours.
 */
static int
only_fork_exit(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NLMSG_HDRLEN +
		    offsetof(struct cn_msg, data) +
		    offsetof(struct proc_event, what)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(PROC_EVENT_FORK), 2,
		    0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(PROC_EVENT_EXIT), 1,
		    0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
		.filter = f };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog));
}

/* False where the kernel will not tell us (no CAP_NET_ADMIN, say). */
static bool
procev_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
		.nl_groups = CN_IDX_PROC };
	struct {
		struct nlmsghdr		h;
		struct cn_msg		c;
		enum proc_cn_mcast_op	op;
	} __attribute__((packed)) req;
	int size = RCVBUF;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_CONNECTOR);
	if (fd == -1)
		return false;
	/* Bursts of forks: room for them while the loop is busy. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = NLMSG_DONE;
	req.c.id.idx = CN_IDX_PROC;
	req.c.id.val = CN_VAL_PROC;
	req.c.len = sizeof(req.op);
	req.op = PROC_CN_MCAST_LISTEN;
	if (only_fork_exit() == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    send(fd, &req, sizeof(req), 0) == -1 ||
	    master_epoll_add(fd, &procev_mev) == -1) {
		close(fd);
		fd = -1;
		return false;
	}
	return true;
}

/*
 * What we know of a process of a pool's tree: its service, its birth.
 * at (CLOCK_MONOTONIC ms, 0: now) must fall within its life, with slack
 * ms either side for the clocks' coarseness: an ended process's pid may
 * be another's since.
 */
bool
procev_find(pid_t pid, uint64_t at, uint64_t slack, uint64_t *svc,
    pid_t *top, uint64_t *born_ms)
{
	const struct tracked *t = pidtab_get(&table, pid);

	if (t == NULL || (at != 0 && (at + slack < t->born_ms ||
	    (t->died_ms != 0 && at > t->died_ms + slack))))
		return false;
	if (svc != NULL)
		*svc = t->svc;
	if (top != NULL)
		*top = t->top;
	if (born_ms != NULL)
		*born_ms = t->born_ms;
	return true;
}

/* Events already queued: read them before deciding a report. */
void
procev_poll(void)
{
	if (fd != -1)
		procev_event(&procev_mev, 0);
}

void
procev_close(void)
{
	if (fd != -1)
		close(fd);
	fd = -1;
	pidtab_free(&table);
	nrunning = 0;
	full_said = false;
	gap = false;
}

/* Whether the family trees are followed now. */
bool
procev_following(void)
{
	return fd != -1;
}

/*
 * An external pool is about to exist (needed), or none does (not
 * needed): listen from before its workers can fork, and stop once
 * nothing a pool started runs and what ended has been kept its while
 * (an audit record of it may still come), so a host's forks cost an idle
 * master nothing. Events lost since we opened keep us listening: a
 * process they told of may run, and a gap in the tree is worse than the
 * wake-ups. Returns when to look again.
 */
uint64_t
procev_follow(bool needed, uint64_t now)
{
	if (needed) {
		if (fd == -1 && !procev_open() && !cannot_said) {
			cannot_said = true;
			log_warnx("cannot follow the pools' processes (proc "
			    "connector): a violation of a process a child "
			    "server started is counted only while /proc "
			    "still shows it");
		}
		return UINT64_MAX;
	}
	if (fd == -1 || gap)
		return UINT64_MAX;
	if (now < recheck_at)
		return recheck_at;
	/* What is queued first: a fork told there is one more running. */
	procev_event(&procev_mev, 0);
	if (nrunning == 0 && table.used > 0)
		sweep();
	if (nrunning > 0 || table.used > 0) {
		recheck_at = now + 1000;
		return recheck_at;
	}
	procev_close();
	log_debug("process events: no external pool, and nothing one "
	    "started runs: not followed");
	return UINT64_MAX;
}
