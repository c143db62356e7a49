/* SPDX-License-Identifier: ISC */
/*
 * What the master says to its workers over their channels: the
 * description a new worker serves by (its pool, its policy, its sockets),
 * the internal UDP services' ports anew, a stop, and the sockets a reload
 * moved away. Every send is non-blocking: a worker that does not read its
 * channel is not ours to wait for.
 */
#include <sys/socket.h>

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "master.h"
#include "policy.h"
#include "util.h"

static uid_t internal_uid;
static gid_t internal_gid;
static bool change_ids;
static uint8_t guard_ports[GUARD_PORTS_BYTES];

/* What the pools' namespaces keep from the children, as absolute paths. */
static struct {
	char	conf[MSG_PATH_MAX], policy_dir[MSG_PATH_MAX];
	char	pidfile[MSG_PATH_MAX], ctl_socket[MSG_PATH_MAX];
} sandbox;

void
tell_init(uid_t uid, gid_t gid, bool root)
{
	internal_uid = uid;
	internal_gid = gid;
	change_ids = root;
}

static void
absolute(const char *path, char *out, size_t len)
{
	char cwd[MSG_PATH_MAX];

	if (path == NULL || path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		str_copy(out, path ? path : "", len);
	else if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len)
		out[0] = '\0';	/* too long to protect: said at start */
	if (path != NULL && out[0] == '\0')
		log_warnx("path too long to keep from the child servers: %s",
		    path);
}

/* Before daemonize() leaves the directory the paths are relative to. */
void
tell_init_paths(void)
{
	absolute(opts.conf_path, sandbox.conf, sizeof(sandbox.conf));
	absolute(opts.policy_dir, sandbox.policy_dir,
	    sizeof(sandbox.policy_dir));
	absolute(opts.pidfile, sandbox.pidfile, sizeof(sandbox.pidfile));
	absolute(opts.ctl_socket, sandbox.ctl_socket,
	    sizeof(sandbox.ctl_socket));
}

/* No internal UDP service ever answers a datagram from another one. */
void
tell_set_guard_port(int port)
{
	guard_ports[port / 8] |= (uint8_t)(1 << (port % 8));
}

void
tell_clear_guard_ports(void)
{
	memset(guard_ports, 0, sizeof(guard_ports));
}

static void
send_all(struct pool *p, uint32_t type, const void *m, size_t len,
    const char *what)
{
	unsigned i;

	for (i = 0; i < p->nworkers; i++)
		if (p->workers[i].pid != WORKER_NOT_RUNNING &&
		    p->workers[i].chan != -1 && chan_send(p->workers[i].chan,
		    type, m, len, MSG_DONTWAIT) == -1)
			log_warn("cannot %s %s pid=%ld", what, p->label,
			    (long)p->workers[i].pid);
}

/* A running internal pool learns the ports of the others anew. */
void
tell_guard(struct pool *p)
{
	static struct msg_guard m;

	memcpy(m.udp_guard_ports, guard_ports, sizeof(guard_ports));
	send_all(p, MSG_GUARD, &m, sizeof(m), "update the guard ports");
}

void
tell_stop(struct pool *p, uint64_t drain_ms)
{
	struct msg_stop m = { .drain_ms = (uint32_t)drain_ms };

	send_all(p, MSG_STOP, &m, sizeof(m), "tell worker to stop");
}

/*
 * Its workers stop accepting on those sockets (a bit per slot, all of a
 * reload's in one message); their sessions go on.
 */
void
tell_drop(struct pool *p, const uint8_t *slots)
{
	static struct msg_drop m;

	memcpy(m.slots, slots, sizeof(m.slots));
	send_all(p, MSG_DROP, &m, sizeof(m), "tell worker to drop a socket");
}

/* The user's supplementary groups, as initgroups(3) would set them. */
static uint32_t
service_groups(const struct service *s, uint32_t *out)
{
	gid_t list[MSG_GROUPS_MAX];
	int n = MSG_GROUPS_MAX, i;

	if (getgrouplist(s->user, s->gid, list, &n) == -1) {
		log_warnx("user in more than %d groups, the rest are not "
		    "set %s user=%s", MSG_GROUPS_MAX, s->fields, s->user);
		n = MSG_GROUPS_MAX;
	}
	for (i = 0; i < n; i++)
		out[i] = list[i];
	return (uint32_t)n;
}

/*
 * The sockets, in the order spawn.c placed their descriptors (slot
 * order, those it skipped skipped here alike), in batches.
 */
static int
send_sockets(struct mworker *w, uint32_t *count)
{
	static struct msg_sockets m;
	struct pool *p = w->pool;
	uint32_t i;

	*count = 0;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < p->nslots; i++) {
		const struct msvc *ms = p->svcs[i];
		struct msg_socket *e;

		if (!pool_reads(w, i))
			continue;
		e = &m.s[m.n++];
		e->slot = i;
		e->socktype = ms->svc->socktype;
		e->family = ms->svc->family;
		e->builtin = ms->svc->builtin;
		e->nslots = ms->nslots;
		(*count)++;
		if (m.n == MSG_SOCKETS_BATCH) {
			if (chan_send(w->chan, MSG_SOCKETS, &m, sizeof(m),
			    MSG_DONTWAIT) == -1)
				return -1;
			memset(&m, 0, sizeof(m));
		}
	}
	if (m.n > 0 && chan_send(w->chan, MSG_SOCKETS, &m, sizeof(m),
	    MSG_DONTWAIT) == -1)
		return -1;
	return 0;
}

static uint32_t
count_sockets(const struct mworker *w)
{
	uint32_t i, n = 0;

	for (i = 0; i < w->pool->nslots; i++)
		n += pool_reads(w, i);
	return n;
}

/*
 * Everything a new worker serves by: the pool (and, for an external
 * service, its program and limits), its policy, then its sockets.
 */
void
tell_description(struct mworker *w)
{
	static struct msg_service m;
	struct pool *p = w->pool;
	const struct msvc *lead = pool_lead(p);
	const struct service *s = lead->svc;
	uint32_t sent = 0;
	size_t off = 0;
	int i;

	memset(&m, 0, sizeof(m));
	m.version = MSG_VERSION;
	m.master_pid = getpid();
	m.internal = p->internal;
	m.nsockets = count_sockets(w);
	m.change_ids = change_ids;
	m.max_conns = opts.max_conns;
	m.idle_timeout_ms = p->policy->idle_timeout_ms ?
	    p->policy->idle_timeout_ms : (uint32_t)opts.idle_timeout_ms;
	m.log_connections = opts.log_connections;
	str_copy(m.title, p->label, sizeof(m.title));
	m.landlock_abi_max = opts.landlock_abi_max;
	memcpy(m.conf_path, sandbox.conf, sizeof(m.conf_path));
	memcpy(m.policy_dir, sandbox.policy_dir, sizeof(m.policy_dir));
	memcpy(m.pidfile, sandbox.pidfile, sizeof(m.pidfile));
	memcpy(m.ctl_socket, sandbox.ctl_socket, sizeof(m.ctl_socket));
	if (p->internal) {
		m.uid = internal_uid;
		m.gid = internal_gid;
		memcpy(m.udp_guard_ports, guard_ports, sizeof(guard_ports));
	} else {
		m.uid = s->uid;
		m.gid = s->gid;
		if (change_ids)
			m.ngroups = service_groups(s, m.groups);
		m.wait = s->wait;
		m.keep_env = opts.keep_env;
		m.max_spawn = s->max_spawn ? s->max_spawn : opts.spawn_rate;
		m.max_child = s->max_child;
		m.max_cpm = s->max_cpm;
		m.max_perip = s->max_perip;
		m.suspend_ms = (uint32_t)pool_suspend_ms(lead);
		str_copy(m.program, s->program, sizeof(m.program));
		m.argc = (uint32_t)s->argc;
		for (i = 0; i < s->argc; i++) {
			size_t len = strlen(s->argv[i]) + 1;

			memcpy(m.args + off, s->argv[i], len);
			off += len;
		}
	}
	if (chan_send(w->chan, MSG_SERVICE, &m, sizeof(m), MSG_DONTWAIT) == -1 ||
	    chan_send(w->chan, MSG_POLICY, p->policy, sizeof(*p->policy),
	    MSG_DONTWAIT) == -1 || send_sockets(w, &sent) == -1)
		log_warn("cannot send the service to worker %s pid=%ld",
		    p->label, (long)w->pid);
	hosts_send(w->chan);
}
