/* SPDX-License-Identifier: ISC */
/*
 * Only in build/t/sinetd-hooks, never in sinetd: a worker that lies to the
 * master, so t/92-lying-worker.t can see the master believe none of it.
 * SINETD_TEST_FORGE names the lie; the master hands it to the first worker
 * it starts only, so the one that replaces a liar tells the truth.
 */
#ifdef SINETD_TEST_HOOKS
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "log.h"
#include "svcstate.h"
#include "worker.h"

#define FORGED_PEER	"203.0.113.9"

/* 400 reports of violations by pids of its choosing: 1 and the master. */
static void
forge_violations(const struct msg_service *desc)
{
	struct msg_violation v;
	int i;

	for (i = 0; i < 400; i++) {
		v.pid = i % 2 ? 1 : desc->master_pid;
		(void)chan_send(WORKER_CHAN_FD, MSG_VIOLATION, &v, sizeof(v),
		    MSG_DONTWAIT);
	}
}

/* Lines that try to set the line's own fields, or leave the quotes. */
static void
forge_logfields(void)
{
	struct msg_log m;

	log_warnx("connection refused peer=" FORGED_PEER " service=other "
	    "pid=1 reason=forged");
	log_warnx("x\" peer=" FORGED_PEER " service=other pid=1 "
	    "reason=forged msg=\"y");
	log_warnx("a backslash\\\" peer=" FORGED_PEER " reason=forged");
	log_warnx("a newline\n peer=" FORGED_PEER " reason=forged");
	/* Raw, unterminated, at the top priority there is. */
	memset(&m, 0, sizeof(m));
	m.prio = LOG_EMERG;
	memset(m.text, '"', sizeof(m.text));
	memcpy(m.text, " peer=" FORGED_PEER " ", strlen(" peer=" FORGED_PEER
	    " "));
	(void)chan_send(WORKER_CHAN_FD, MSG_LOG, &m, sizeof(m), MSG_DONTWAIT);
}

/* Everything in the shared state the master might read or lock. */
static void
forge_state(const struct msg_service *desc, const struct wsock *ws)
{
	struct svcstate *st = ws->st;
	size_t len = svcstate_size(ws->nslots), n, i;

	n = (len - offsetof(struct svcstate, children)) /
	    sizeof(struct svc_child);
	st->magic = 0;
	st->nslots = 0xffffffffu;
	memset(&st->lock, 0xa5, sizeof(st->lock));
	st->hwm = 0xffffffffu;
	st->nchildren = 0xffffffffu;
	st->suspended_until = UINT64_MAX;
	st->disabled = 7;
	st->window_spawns = 0xffffffffu;
	memset(&st->c, 0xff, sizeof(st->c));
	memset(st->sources, 0xff, sizeof(st->sources));
	for (i = 0; i < n; i++) {
		memset(&st->children[i], 0xff, sizeof(st->children[i]));
		st->children[i].pid = i % 2 ? 1 : desc->master_pid;
		st->children[i].family = AF_INET;
	}
}

/* Spawns of processes that are not its children: pid 1, the master. */
static void
forge_spawned(const struct msg_service *desc)
{
	struct msg_spawned s = { .pid = 1 };

	(void)chan_send(WORKER_CHAN_FD, MSG_SPAWNED, &s, sizeof(s),
	    MSG_DONTWAIT);
	s.pid = desc->master_pid;
	(void)chan_send(WORKER_CHAN_FD, MSG_SPAWNED, &s, sizeof(s),
	    MSG_DONTWAIT);
}

/* After lock-down and READY: what the lie is, if any (its first socket's). */
void
forge(const struct msg_service *desc, const struct wsock *ws)
{
	const char *what = getenv("SINETD_TEST_FORGE");

	if (what == NULL)
		return;
	if (strcmp(what, "violations") == 0)
		forge_violations(desc);
	else if (strcmp(what, "logfields") == 0)
		forge_logfields();
	else if (strcmp(what, "state") == 0)
		forge_state(desc, ws);
	else if (strcmp(what, "spawned") == 0)
		forge_spawned(desc);
}
#endif
