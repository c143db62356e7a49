/* SPDX-License-Identifier: ISC */
/*
 * What a receiver checks in a channel message before it trusts a field:
 * pure functions, shared by the master and the worker, and the same ones
 * the fuzzer (t/fuzz/fuzz_chan.c) drives.
 */
#include <sys/socket.h>

#include <string.h>
#include <syslog.h>

#include "msgcheck.h"
#include "service.h"

/* The program and its arguments: NUL-terminated, inside their buffers. */
static const char *
program_check(const struct msg_service *m)
{
	const char *a = m->args, *end = m->args + sizeof(m->args);
	uint32_t i;

	if (memchr(m->program, '\0', sizeof(m->program)) == NULL ||
	    m->program[0] != '/' || m->argc == 0 ||
	    m->argc > SERVICE_ARGV_MAX || m->max_spawn == 0)
		return "bad service description for an external service";
	for (i = 0; i < m->argc; i++) {
		const char *nul = memchr(a, '\0', (size_t)(end - a));

		if (nul == NULL)
			return "bad service description: arguments";
		a = nul + 1;
	}
	return NULL;
}

/* NULL when the description is whole; else why not. */
const char *
msg_service_check(const struct msg_service *m)
{
	if (m->version != MSG_VERSION)
		return "bad service description: version";
	if (m->internal > 1 || m->max_conns == 0 ||
	    m->ngroups > MSG_GROUPS_MAX)
		return "bad service description: kind, max_conns or groups";
	if (m->nsockets == 0 || m->nsockets > POOL_SOCKETS_MAX)
		return "bad service description: sockets";
	if (memchr(m->conf_path, '\0', sizeof(m->conf_path)) == NULL ||
	    memchr(m->policy_dir, '\0', sizeof(m->policy_dir)) == NULL ||
	    memchr(m->pidfile, '\0', sizeof(m->pidfile)) == NULL ||
	    memchr(m->ctl_socket, '\0', sizeof(m->ctl_socket)) == NULL ||
	    m->landlock_abi_max < -1)
		return "bad service description: sandbox paths";
	if (m->internal)
		return NULL;
	return program_check(m);
}

/*
 * A batch of a pool's sockets: each of the pool's kind, a builtin only
 * in the internal pool (TCP or UDP), a shared state for the external.
 */
const char *
msg_sockets_check(const struct msg_sockets *m, bool internal)
{
	const struct msg_socket *s;
	uint32_t i;

	if (m->n == 0 || m->n > MSG_SOCKETS_BATCH)
		return "bad socket list: count";
	for (i = 0; i < m->n; i++) {
		s = &m->s[i];
		if (s->slot >= POOL_SOCKETS_MAX || s->builtin > BUILTIN_TIME ||
		    (s->builtin != BUILTIN_NONE) != internal)
			return "bad socket list: slot or builtin";
		if (internal && ((s->socktype != SOCK_STREAM &&
		    s->socktype != SOCK_DGRAM) || s->nslots != 0))
			return "bad socket list: an internal socket";
		if (!internal && s->nslots == 0)
			return "bad socket list: an external socket";
	}
	return NULL;
}

/* Every string NUL-terminated and every count within its table. */
const char *
msg_policy_check(const struct policy *p)
{
	uint32_t i;

	if (p->kind > POLICY_DENY_LIST || p->action > ACTION_LOG ||
	    p->npaths > POLICY_PATHS_MAX || p->nbind > POLICY_PORTS_MAX ||
	    p->nconnect > POLICY_PORTS_MAX || p->nonly > POLICY_CIDRS_MAX ||
	    p->nnoaccess > POLICY_CIDRS_MAX ||
	    memchr(p->name, '\0', sizeof(p->name)) == NULL ||
	    memchr(p->chroot, '\0', sizeof(p->chroot)) == NULL)
		return "bad policy message";
	for (i = 0; i < p->npaths; i++)
		if (memchr(p->paths[i].path, '\0',
		    sizeof(p->paths[i].path)) == NULL)
			return "bad policy message: path";
	return NULL;
}

/*
 * A worker's log line as the master writes it: printable, terminated,
 * and never above LOG_CRIT (only the master decides an emergency).
 * Returns the priority.
 */
int
msg_log_clean(const struct msg_log *m, char *text, size_t len)
{
	size_t i, n = len < sizeof(m->text) ? len : sizeof(m->text);
	int prio = m->prio;

	memcpy(text, m->text, n);
	text[n - 1] = '\0';
	for (i = 0; text[i] != '\0'; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	if (prio < LOG_EMERG || prio > LOG_DEBUG)
		prio = LOG_WARNING;
	if (prio < LOG_CRIT)
		prio = LOG_CRIT;
	return prio;
}
