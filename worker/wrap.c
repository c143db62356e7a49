/* SPDX-License-Identifier: ISC */
/*
 * -l in a worker: the master's compiled hosts.allow and hosts.deny
 * decide each connection, as libwrap would for its socket's daemon name:
 * the builtin's, for each socket of an internal pool, or the program's,
 * which all the sockets of an external pool share (pool.c's same_run). A
 * rule that needs the client's (or our own) host name parks the
 * connection while the resolver process looks it up, so the loop serves
 * others.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "resolver.h"
#include "svcstate.h"
#include "worker.h"
#include "wrap.h"

#define WRAP_WAIT_MAX		64	/* connections parked at once */
#define WRAP_CACHE		128	/* names kept */
#define WRAP_CACHE_MS		10000	/* how long one is kept */
#define WRAP_LOOKUP_MS		5000	/* then the name is "unknown" */
#define WRAP_DATA_MAX		65536	/* a parked datagram */

static struct hosts_table table;
static bool enabled;		/* -l, and not a line through tcpd */
static char program_name[256];	/* an external pool's daemon name */
static int resolver_fd = -1;
static bool external;		/* its filter lets it ask getsockname */
static uint32_t next_id = 1;

/* What each socket of ours is to hosts_access, by its slot in the pool. */
struct wrap_sock {
	bool		 ip;		/* TCP or UDP: a peer to match */
	bool		 bound_known;	/* bound to one address, not a wildcard */
	union sockaddr_any bound;
};
static struct wrap_sock *wsocks;	/* by slot, for our life */
static uint32_t nwsocks;

struct name {
	uint8_t		 family;	/* 0: a free entry */
	uint8_t		 addr[16];
	bool		 answered;
	uint32_t	 id;
	uint64_t	 until;		/* answered: kept till; else given up */
	char		 name[HOSTS_NAME_MAX];
};
static struct name names[WRAP_CACHE];

struct parked {
	int		 used;
	const struct wsock *ws;		/* the socket it came on */
	void		*ctx;		/* its kind's own, for resume */
	int		 fd;
	union sockaddr_any peer;
	socklen_t	 plen;
	void		*data;
	size_t		 len;
	wrap_resume_fn	*resume;
	uint8_t		 family;	/* the address it waits for */
	uint8_t		 addr[16];
};
static struct parked parked[WRAP_WAIT_MAX];

static void resolver_ready(struct loop_ev *, uint32_t);
static struct loop_ev resolver_ev = { .fn = resolver_ready };

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/*
 * The table follows the service description when -l is on; ws is any
 * socket of the pool (all are internal, or all external).
 */
void
wrap_receive(const struct msg_service *m, const struct wsock *ws,
    const struct hosts_table *t)
{
	const char *argv0;

	table = *t;
	external = ws->builtin == BUILTIN_NONE;
	enabled = true;
	if (!external)
		return;
	/* tcpd checks the files itself: once is enough. */
	if (strcmp(base_name(m->program), "tcpd") == 0) {
		log_debug("hosts_access: left to tcpd program=%s", m->program);
		enabled = false;
		return;
	}
	argv0 = m->argc > 0 ? m->args : m->program;
	str_copy(program_name, base_name(argv0), sizeof(program_name));
}

/* The name libwrap would know this socket's daemon by. */
static const char *
daemon_of(const struct wsock *ws)
{
	return ws->builtin != BUILTIN_NONE ? builtin_name(ws->builtin) :
	    program_name;
}

static struct wrap_sock *
wsock_of(const struct wsock *ws)
{
	return ws->slot < nwsocks ? &wsocks[ws->slot] : NULL;
}

/* A reload's files: parked connections are decided by them. */
void
wrap_update(const struct hosts_table *t)
{
	table = *t;
}

/* Before lock-down: each socket's address, and the resolver. */
void
wrap_prepare(const struct msg_service *m, const struct wsock *ws, size_t n)
{
	struct wrap_sock *w;
	socklen_t len;
	size_t i;
	pid_t pid;

	if (!enabled || n == 0)
		return;
	for (i = 0; i < n; i++)
		if (ws[i].slot >= nwsocks)
			nwsocks = ws[i].slot + 1;
	wsocks = xcalloc(nwsocks, sizeof(*wsocks));
	for (i = 0; i < n; i++) {
		if ((w = wsock_of(&ws[i])) == NULL)
			continue;
		w->ip = ws[i].family == AF_INET || ws[i].family == AF_INET6;
		/*
		 * daemon@host: an internal worker may not ask getsockname
		 * once locked down; a listener bound to one address is that
		 * address.
		 */
		len = sizeof(w->bound);
		if (getsockname(ws[i].fd, &w->bound.sa, &len) == 0)
			w->bound_known = (w->bound.sa.sa_family == AF_INET &&
			    w->bound.sin.sin_addr.s_addr !=
			    htonl(INADDR_ANY)) ||
			    (w->bound.sa.sa_family == AF_INET6 &&
			    !IN6_IS_ADDR_UNSPECIFIED(&w->bound.sin6.sin6_addr));
	}
	if ((resolver_fd = resolver_start(m->change_ids, &pid)) == -1)
		fatal("hosts_access: starting the resolver");
	if (fd_set_nonblock(resolver_fd, true) == -1 ||
	    loop_add(resolver_fd, EPOLLIN, &resolver_ev) == -1)
		fatal("hosts_access: the resolver's socket");
	log_debug("hosts_access: resolver=%ld", (long)pid);
}

static int
host_of(const struct sockaddr *sa, uint8_t *family, uint8_t addr[16],
    char *text, size_t len)
{
	struct sockaddr_in v4;

	if (addr_unmap_v4(sa, &v4))
		sa = (const struct sockaddr *)&v4;
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET)
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else
		return -1;
	*family = (uint8_t)sa->sa_family;
	return inet_ntop(sa->sa_family, addr, text, (socklen_t)len) == NULL ?
	    -1 : 0;
}

static struct name *
name_find(uint8_t family, const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < WRAP_CACHE; i++)
		if (names[i].family == family &&
		    memcmp(names[i].addr, addr, 16) == 0)
			return &names[i];
	return NULL;
}

/* Asked for, or known: NULL while the lookup runs (or could not start). */
static const char *
name_of(uint8_t family, const uint8_t addr[16], uint64_t now, bool *asked)
{
	struct resolver_ask q;
	struct name *n = name_find(family, addr), *victim = NULL;
	size_t i;

	*asked = false;
	if (n != NULL && n->answered && n->until > now)
		return n->name;
	if (n != NULL && !n->answered) {
		*asked = true;
		return NULL;
	}
	if (n == NULL) {
		/* The oldest answered entry goes; never one being asked. */
		for (i = 0; i < WRAP_CACHE; i++) {
			if (names[i].family == 0) {
				victim = &names[i];
				break;
			}
			if (names[i].answered && (victim == NULL ||
			    names[i].until < victim->until))
				victim = &names[i];
		}
		if ((n = victim) == NULL)
			return NULL;
	}
	memset(&q, 0, sizeof(q));
	q.id = next_id++;
	q.family = family;
	memcpy(q.addr, addr, 16);
	if (send(resolver_fd, &q, sizeof(q), MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    -1)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->family = family;
	memcpy(n->addr, addr, 16);
	n->id = q.id;
	n->until = now + WRAP_LOOKUP_MS;
	*asked = true;
	return NULL;
}

static void
refused(const struct wsock *ws, int fd, const union sockaddr_any *peer,
    socklen_t plen, const struct hosts_result *res)
{
	const struct hosts_rule *r = res->rule >= 0 ? &table.rules[res->rule] :
	    NULL;
	char addr[ADDR_STR_MAX], line[LOG_LINE_MAX], q[300];
	int prio = r != NULL && r->severity ? r->severity - 1 : LOG_WARNING;

	SVC_COUNT(ws->st, refused_access);
	if (fd != -1)
		close(fd);
	if (!peerlog_due(&peer->sa, "hosts_access", loop_now()))
		return;
	addr_str(&peer->sa, plen, addr, sizeof(addr));
	if (r != NULL)
		snprintf(line, sizeof(line), "connection refused peer=%s "
		    "reason=hosts_access daemon=%s rule=%s:%u why=%s", addr,
		    daemon_of(ws), hosts_rule_path(&table, res->rule), r->line,
		    log_quote(res->why, q, sizeof(q)));
	else
		snprintf(line, sizeof(line), "connection refused peer=%s "
		    "reason=hosts_access daemon=%s why=%s", addr, daemon_of(ws),
		    log_quote(res->why, q, sizeof(q)));
	log_line(prio, line);
}

static enum wrap_result
park(const struct wsock *ws, void *ctx, int fd, const union sockaddr_any *peer,
    socklen_t plen, const void *data, size_t len, wrap_resume_fn *resume,
    uint8_t family, const uint8_t addr[16])
{
	struct parked *p = NULL;
	size_t i;

	for (i = 0; i < WRAP_WAIT_MAX && p == NULL; i++)
		if (!parked[i].used)
			p = &parked[i];
	if (p == NULL || len > WRAP_DATA_MAX)
		return WRAP_REFUSED;
	memset(p, 0, sizeof(*p));
	if (len > 0) {
		if ((p->data = malloc(len)) == NULL)
			return WRAP_REFUSED;
		memcpy(p->data, data, len);
	}
	p->used = 1;
	p->ws = ws;
	p->ctx = ctx;
	p->fd = fd;
	p->peer = *peer;
	p->plen = plen;
	p->len = len;
	p->resume = resume;
	p->family = family;
	memcpy(p->addr, addr, 16);
	return WRAP_PARKED;
}

/*
 * One call beside only-from at each place a connection or datagram is
 * admitted, on socket ws. fd is the connection (-1 for a datagram, whose
 * bytes are in data), and is closed when refused. A parked one comes back
 * through resume, with ctx.
 */
enum wrap_result
wrap_admit(const struct wsock *ws, void *ctx, int fd,
    const union sockaddr_any *peer, socklen_t plen, const void *data,
    size_t len, wrap_resume_fn *resume)
{
	char caddr[INET6_ADDRSTRLEN], saddr[INET6_ADDRSTRLEN] = "";
	uint8_t cfam, sfam = 0, ca[16], sa[16];
	union sockaddr_any self;
	socklen_t slen = sizeof(self);
	struct hosts_query q = { .daemon = daemon_of(ws) };
	struct hosts_result res;
	struct wrap_sock *w = wsock_of(ws);
	bool asked;

	if (!enabled)
		return WRAP_PASS;
	/* A socket we were never told of is refused: -l fails closed. */
	if (w == NULL) {
		res.verdict = HOSTS_REFUSE;
		res.rule = -1;
		res.why = "a socket unknown to hosts_access";
		refused(ws, fd, peer, plen, &res);
		return WRAP_REFUSED;
	}
	if (!w->ip)
		return WRAP_PASS;
	if (host_of(&peer->sa, &cfam, ca, caddr, sizeof(caddr)) == -1)
		return WRAP_PASS;	/* not an IP peer: no hosts to match */
	q.client_addr = caddr;
	q.server_addr = saddr;
	if (hosts_uses_server(&table)) {
		if (fd != -1 && external && getsockname(fd, &self.sa,
		    &slen) == 0)
			;
		else if (w->bound_known)
			self = w->bound;
		else
			self.sa.sa_family = AF_UNSPEC;
		if (host_of(&self.sa, &sfam, sa, saddr, sizeof(saddr)) == -1) {
			saddr[0] = '\0';
			sfam = 0;
		}
	}
	for (;;) {
		hosts_decide(&table, &q, &res);
		if (res.verdict == HOSTS_GRANT)
			return WRAP_PASS;
		if (res.verdict == HOSTS_REFUSE) {
			refused(ws, fd, peer, plen, &res);
			return WRAP_REFUSED;
		}
		if (res.verdict == HOSTS_NEED_CLIENT_NAME) {
			if ((q.client_name = name_of(cfam, ca, loop_now(),
			    &asked)) != NULL)
				continue;
			if (asked && park(ws, ctx, fd, peer, plen, data, len,
			    resume, cfam, ca) == WRAP_PARKED)
				return WRAP_PARKED;
		} else if (sfam != 0) {
			if ((q.server_name = name_of(sfam, sa, loop_now(),
			    &asked)) != NULL)
				continue;
			if (asked && park(ws, ctx, fd, peer, plen, data, len,
			    resume, sfam, sa) == WRAP_PARKED)
				return WRAP_PARKED;
		} else {
			q.server_name = "unknown";
			continue;
		}
		/* No room to wait: refused, as libwrap fails closed. */
		res.verdict = HOSTS_REFUSE;
		res.why = "too many host name lookups at once";
		refused(ws, fd, peer, plen, &res);
		return WRAP_REFUSED;
	}
}

/* Every connection waiting for this address, admitted again. */
static void
resume_waiting(uint8_t family, const uint8_t addr[16])
{
	struct parked p;
	size_t i;

	for (i = 0; i < WRAP_WAIT_MAX; i++) {
		if (!parked[i].used || parked[i].family != family ||
		    memcmp(parked[i].addr, addr, 16) != 0)
			continue;
		p = parked[i];
		parked[i].used = 0;
		/* What it logs is its own service's, not the pool's. */
		worker_log_about(p.ws);
		p.resume(p.ctx, p.fd, &p.peer, p.plen, p.data, p.len);
		worker_log_about(NULL);
		free(p.data);
	}
}

static void
resolver_ready(struct loop_ev *ev, uint32_t events)
{
	struct resolver_answer a;
	struct name *n;
	ssize_t got;

	(void)ev;
	for (;;) {
		got = recv(resolver_fd, &a, sizeof(a), MSG_DONTWAIT);
		if (got == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (got <= 0 || (events & (EPOLLHUP | EPOLLERR)) != 0)
			fatalx("hosts_access: the resolver is gone");
		if (got != (ssize_t)sizeof(a) || (a.family != AF_INET &&
		    a.family != AF_INET6))
			fatalx("hosts_access: a bad answer from the resolver");
		a.name[sizeof(a.name) - 1] = '\0';
		n = name_find((uint8_t)a.family, a.addr);
		if (n == NULL || n->answered || n->id != a.id)
			continue;	/* given up on already */
		str_copy(n->name, a.name, sizeof(n->name));
		n->answered = true;
		n->until = loop_now() + WRAP_CACHE_MS;
		resume_waiting(n->family, n->addr);
	}
}

/* A lookup past its time: the name is unknown, as when DNS fails. */
uint64_t
wrap_tick(uint64_t now)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < WRAP_CACHE; i++) {
		if (names[i].family == 0 || names[i].answered)
			continue;
		if (names[i].until <= now) {
			str_copy(names[i].name, "unknown",
			    sizeof(names[i].name));
			names[i].answered = true;
			names[i].until = now + WRAP_CACHE_MS;
			log_warnx("hosts_access: no host name within %d ms, "
			    "taken as unknown", WRAP_LOOKUP_MS);
			resume_waiting(names[i].family, names[i].addr);
		} else if (names[i].until < next)
			next = names[i].until;
	}
	return next;
}
