/* SPDX-License-Identifier: ISC */
/*
 * The master's own record of the child servers its workers spawned: whose
 * worker, which service, and the peer the master read itself from the
 * child's descriptor 0. A violation report, an audit record or an adopted
 * child's exit is attributed from here, never from a worker's word or the
 * shared state a worker can write.
 */
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"
#include "master.h"
#include "pidtab.h"
#include "util.h"

#define TABLE_MIN	64		/* grown by doubling: a small daemon stays small */
#define TABLE_MAX	(1u << 20)	/* records, whatever the load */
#define SWEEP_STEP	4		/* records looked at per insertion */
/* A record outlives its child this long, for the report and audit after. */
#define GONE_KEEP_MS	10000

static struct pidtab table = { .esize = sizeof(struct child_rec) };
static size_t cursor;			/* where the sweep goes on */
static bool full_said;

/* The next space-separated field of a /proc stat line, or NULL. */
static const char *
next_field(const char *p)
{
	if ((p = strchr(p, ' ')) == NULL)
		return NULL;
	return p + 1;
}

/*
 * What /proc says of a pid: its parent, its start time (which with the
 * pid names one process, whatever reuses the number later) and its state.
 * Read once, whole, and parsed by hand: one spawn costs the master a few.
 */
int
children_proc_stat(pid_t pid, pid_t *ppid, unsigned long long *start,
    char *state)
{
	char path[64], buf[1024], *end;
	const char *p;
	unsigned long long v;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": the comm may hold anything, ")" too. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return -1;
	if (state != NULL)
		*state = p[2];
	if ((p = next_field(p + 2)) == NULL)
		return -1;
	v = strtoull(p, &end, 10);
	if (end == p)
		return -1;
	if (ppid != NULL)
		*ppid = (pid_t)v;
	/* starttime is field 22; ppid was field 4. */
	for (i = 4; i < 22 && p != NULL; i++)
		p = next_field(p);
	if (p == NULL)
		return -1;
	v = strtoull(p, &end, 10);
	if (end == p)
		return -1;
	if (start != NULL)
		*start = v;
	return 0;
}

/* The process a record names still runs (not a zombie, not reused). */
static bool
rec_running(const struct child_rec *r)
{
	unsigned long long start;
	char state;

	return children_proc_stat(r->pid, NULL, &start, &state) == 0 &&
	    start == r->start && state != 'Z' && state != 'X';
}

/*
 * A few records a turn, round the table: one whose child is gone is
 * marked, and dropped GONE_KEEP_MS later (all: once the table is full).
 */
static void
sweep(size_t n, bool all_gone)
{
	uint64_t now = now_ms();
	struct child_rec *r;

	while (n-- > 0 && table.used > 0) {
		cursor = (cursor + 1) & (table.cap - 1);
		r = pidtab_at(&table, cursor);
		/*
		 * Gone is for good (the pid with its start time names one
		 * process): only a record not yet seen gone costs a read of
		 * /proc, and at a high spawn rate nearly all are gone ones.
		 */
		if (r->pid == 0 || (r->gone_at == 0 && rec_running(r)))
			continue;
		if (r->gone_at == 0)
			r->gone_at = now;
		if (all_gone || now - r->gone_at >= GONE_KEEP_MS) {
			pidtab_remove_at(&table, cursor);
			/* What was shifted into it is looked at next. */
			cursor = (cursor - 1) & (table.cap - 1);
		}
	}
}

/* Room for one more; false when the table is at its bound and full. */
static bool
room(void)
{
	if (table.cap == 0)
		pidtab_grow(&table, TABLE_MIN);
	sweep(SWEEP_STEP, false);
	if (table.used + 1 <= table.cap / 2)
		return true;
	if (table.cap < TABLE_MAX) {
		pidtab_grow(&table, table.cap * 2);
		cursor = 0;
		return true;
	}
	sweep(table.cap, true);
	return table.used + 1 <= table.cap / 2;
}

/* Whether the service is bound to every address of its family. */
static bool
wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	return sa->sa_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(
	    &((const struct sockaddr_in6 *)sa)->sin6_addr);
}

static bool
same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return a->sa_family == AF_INET6 && memcmp(
	    &((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((const struct sockaddr_in6 *)b)->sin6_addr,
	    sizeof(struct in6_addr)) == 0;
}

/*
 * The client of a connection, asked of the socket itself (getpeername;
 * never a byte read). Only a connection accepted on the service's own
 * socket counts: its type, and its local address and port the service's.
 * No other socket can have those, for no one can bind beside the
 * listening socket; so a socket of another kind, or one a child (or a
 * worker) connected itself, tells nothing.
 */
static bool
peer_of(int fd, const struct msvc *ms, struct child_rec *r)
{
	const struct sockaddr *svc = &ms->svc->addr.sa;
	union sockaddr_any local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);
	socklen_t tlen = sizeof(int);
	int type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == -1 ||
	    type != ms->svc->socktype ||
	    getsockname(fd, &local.sa, &llen) == -1 ||
	    getpeername(fd, &peer.sa, &plen) == -1 ||
	    (peer.sa.sa_family != AF_INET && peer.sa.sa_family != AF_INET6) ||
	    local.sa.sa_family != svc->sa_family ||
	    addr_port(&local.sa) != addr_port(svc) ||
	    (!wildcard(svc) && !same_host(&local.sa, svc)))
		return false;
	r->port = (uint16_t)addr_port(&peer.sa);
	r->family = addr_pack(&peer.sa, r->addr);
	return true;
}

/*
 * The peer of the child's descriptor 0, read by us: a duplicate taken
 * with pidfd_getfd, asked (peer_of) and closed at once.
 */
static bool
child_peer(int pidfd, const struct msvc *ms, struct child_rec *r)
{
	bool ok;
	int fd;

	if ((fd = pidfd_getfd(pidfd, 0, 0)) == -1)
		return false;
	ok = peer_of(fd, ms, r);
	close(fd);
	return ok;
}

/*
 * The peer of the connection the worker handed over with its word, where
 * the child's own descriptor 0 could not be asked (it ended, or closed
 * it): still one of the service's sockets, read by us, or nothing.
 */
static void
handed_peer(int fd, const struct msvc *ms, struct child_rec *out)
{
	if (fd != -1 && ms != NULL)
		(void)peer_of(fd, ms, out);
}

static bool
worker_dead(const struct mworker *w)
{
	char state;

	return w->reaped ||
	    children_proc_stat(w->pid, NULL, NULL, &state) == -1 ||
	    state == 'Z' || state == 'X';
}

/*
 * A worker says it spawned pid, handing over (fd, or -1) the connection
 * it gave it. Returns CHILD_RECORDED; CHILD_GONE when the child ended
 * before we could look (nothing to check, nothing recorded; *out says
 * the peer of the connection handed over, if it is one of the service's);
 * or CHILD_LIE with *why: the pid is not that worker's child. The peer is
 * the child's descriptor 0's, else that of the connection handed over
 * (the child may have closed its own by now, as a child killed at once
 * has), never a word of the worker's.
 */
enum child_verdict
children_spawned(struct mworker *w, pid_t pid, uint32_t slot, int fd,
    struct child_rec *out, const char **why)
{
	const struct pool *p = w->pool;
	/* The service of that socket: it may have left the pool since. */
	const struct msvc *ms = slot < p->nslots ? p->svcs[slot] : NULL;
	struct child_rec *old;
	unsigned long long start;
	pid_t ppid;
	char state;
	int pidfd;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->worker = w->pid;
	out->started_epoch = (int64_t)time(NULL);
	if (pid <= 0) {
		*why = "a spawn of no pid";
		return CHILD_LIE;
	}
	if (slot >= p->nslots) {
		*why = "a spawn for a socket not its pool's";
		return CHILD_LIE;
	}
	out->svc = p->ids[slot];
	/*
	 * The pidfd first: /proc read after it, and the pidfd still alive
	 * after that, means /proc spoke of the very process it names.
	 */
	if ((pidfd = pidfd_open(pid, 0)) == -1) {
		/* EINVAL: a thread, not a process; else we cannot tell. */
		*why = "a spawn of what is not a process";
		if (errno == EINVAL)
			return CHILD_LIE;
		handed_peer(fd, ms, out);
		return CHILD_GONE;
	}
	if (children_proc_stat(pid, &ppid, &start, &state) == -1 ||
	    (pidfd_send_signal(pidfd, 0, NULL, 0) == -1 && errno == ESRCH)) {
		close(pidfd);
		handed_peer(fd, ms, out);
		return CHILD_GONE;
	}
	/*
	 * A worker that died has handed its children to us: one we reaped,
	 * or one whose SPAWNED we read after it died, before its SIGCHLD.
	 */
	if (ppid != w->pid && !(ppid == getpid() && worker_dead(w))) {
		close(pidfd);
		*why = "a spawn of a process that is not its child";
		return CHILD_LIE;
	}
	/* Each spawn is a new process: one we know already is no spawn. */
	if ((old = pidtab_get(&table, pid)) != NULL && old->start == start) {
		close(pidfd);
		*why = old->worker == w->pid ? "a second spawn of one child" :
		    "a spawn of another worker's child";
		return CHILD_LIE;
	}
	out->start = start;
	if (ms == NULL || !child_peer(pidfd, ms, out))
		handed_peer(fd, ms, out);
	close(pidfd);
	if (old == NULL && !room()) {
		if (!full_said)
			log_warnx("too many child servers to keep a record of "
			    "each: some are not attributed %s child=%ld",
			    w->pool->label, (long)pid);
		full_said = true;
		return CHILD_GONE;
	}
	full_said = false;
	pidtab_put(&table, out);
	return CHILD_RECORDED;
}

const struct child_rec *
children_find(pid_t pid)
{
	return pidtab_get(&table, pid);
}

/*
 * A worker says its child pid died by SIGSYS: NULL if that is a child we
 * recorded for this very worker and no longer runs (its record is then
 * copied to *out and dropped); else why not.
 */
const char *
children_violation(const struct mworker *w, pid_t pid, bool take,
    struct child_rec *out)
{
	struct child_rec *r = pidtab_get(&table, pid);

	if (r == NULL || r->worker != w->pid)
		return "a violation of a pid it never spawned";
	if (rec_running(r))
		return "a violation of a child that still runs";
	if (take) {
		*out = *r;
		pidtab_remove_at(&table, pidtab_index(&table, r));
	}
	return NULL;
}

/* An adopted child ended: its record, which goes. False: none. */
bool
children_ended(pid_t pid, struct child_rec *out)
{
	struct child_rec *r = pidtab_get(&table, pid);

	if (r == NULL)
		return false;
	*out = *r;
	pidtab_remove_at(&table, pidtab_index(&table, r));
	return true;
}

void
children_free(void)
{
	pidtab_free(&table);
	cursor = 0;
}
