/* SPDX-License-Identifier: ISC */
/*
 * What a worker may say to the master (OpenSSH's monitor): one table of
 * each message a worker sends, the phase it may come in and how often, and
 * its fields checked against what the master itself knows before anything
 * is believed. A message outside its entry is a protocol violation: the
 * worker is logged, killed and replaced.
 */
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"
#include "master.h"
#include "msgcheck.h"
#include "policy.h"
#include "util.h"

#define LOG_BURST		200	/* lines a worker may send at once, */
#define LOG_PER_SEC		50	/* and then per second */
#define LOG_DROPPED_EVERY_MS	1000	/* how often a flood's count is said */
#define EVENTS_PER_TURN		64

/* Phases: a worker sets up, says READY once, then serves. */
#define SETUP		0x1
#define SERVING		0x2

/* Which workers may send it. */
enum who {
	ANY,
	EXTERNAL,		/* a worker that spawns child servers */
	LEARNING,		/* a worker under a learning policy */
};

/* How often. */
enum rate {
	ONCE,			/* at most once in a worker's life */
	BUCKET,			/* through the worker's one log bucket */
	EACH,			/* once per what it reports (a spawn) */
};

/* A descriptor with it. */
enum fd {
	NO_FD,
	WITH_FD,
	MAY_FD,
};

struct rule {
	uint32_t	 type;
	const char	*name;
	size_t		 len;		/* the exact payload size */
	enum fd		 fd;
	unsigned	 phases;
	enum who	 who;
	enum rate	 rate;
	/* NULL if the fields hold against what we know; else why not. */
	const char	*(*check)(struct mworker *, const struct chan_msg *);
	/* Acts on it; under BUCKET, told whether a token was left for it. */
	void		 (*act)(struct mworker *, struct chan_msg *, bool);
};

static const char *check_spawned(struct mworker *, const struct chan_msg *);
static const char *check_violation(struct mworker *, const struct chan_msg *);
static void	 act_ready(struct mworker *, struct chan_msg *, bool);
static void	 act_log(struct mworker *, struct chan_msg *, bool);
static void	 act_learn(struct mworker *, struct chan_msg *, bool);
static void	 act_spawned(struct mworker *, struct chan_msg *, bool);
static void	 act_violation(struct mworker *, struct chan_msg *, bool);

static const struct rule rules[] = {
	{ MSG_READY, "READY", 0, NO_FD, SETUP, ANY, ONCE,
	  NULL, act_ready },
	{ MSG_LOG, "LOG", sizeof(struct msg_log), NO_FD, SETUP | SERVING,
	  ANY, BUCKET, NULL, act_log },
	{ MSG_LEARN, "LEARN", 0, WITH_FD, SETUP, LEARNING, ONCE,
	  NULL, act_learn },
	/* The connection it gave the child, if it still can. */
	{ MSG_SPAWNED, "SPAWNED", sizeof(struct msg_spawned), MAY_FD,
	  SERVING, EXTERNAL, EACH, check_spawned, act_spawned },
	{ MSG_VIOLATION, "VIOLATION", sizeof(struct msg_violation), NO_FD,
	  SERVING, EXTERNAL, BUCKET, check_violation, act_violation },
};

static void	 monitor_event(struct mev *, uint32_t);

/* A fresh worker on its channel: a full bucket, nothing said yet. */
void
monitor_start(struct mworker *w, int chan)
{
	w->chan = chan;
	w->ready = false;
	w->reaped = false;
	w->said = 0;
	w->ngone = 0;
	w->log_tokens = LOG_BURST;
	w->last_words = false;
	w->log_refill_at = w->started_at;
	w->ev.fn = monitor_event;
}

void
monitor_close(struct mworker *w)
{
	if (w->chan == -1)
		return;
	close(w->chan);	/* leaves the epoll set: only we hold it */
	w->chan = -1;
}

/* Whether a line (or a report) may go now: LOG_BURST, then LOG_PER_SEC. */
static bool
bucket_take(struct mworker *w, uint64_t now)
{
	uint64_t add = (now - w->log_refill_at) * LOG_PER_SEC / 1000;

	if (add > 0) {
		w->log_tokens = (uint32_t)(w->log_tokens + add > LOG_BURST ?
		    LOG_BURST : w->log_tokens + add);
		w->log_refill_at = now;
	}
	if (w->log_tokens == 0)
		return false;
	w->log_tokens--;
	return true;
}

/*
 * Lines a worker lost, to the rate limit here or to its full channel:
 * said at most once a second while a flood lasts, and once more after.
 */
void
monitor_log_dropped(struct mworker *w, uint64_t now, bool now_or_never)
{
	if (w->log_rate_limited == 0 && w->log_channel_full == 0)
		return;
	if (!now_or_never && now < w->log_said_at + LOG_DROPPED_EVERY_MS)
		return;
	log_warnx("worker log lines dropped count=%llu rate_limited=%llu "
	    "channel_full=%llu %s pid=%ld",
	    (unsigned long long)(w->log_rate_limited + w->log_channel_full),
	    (unsigned long long)w->log_rate_limited,
	    (unsigned long long)w->log_channel_full, w->pool->label,
	    (long)w->pid);
	w->log_rate_limited = 0;
	w->log_channel_full = 0;
	w->log_said_at = now;
}

/* When the next count of dropped lines is due (UINT64_MAX: none). */
uint64_t
monitor_timer(struct mworker *w, uint64_t now)
{
	if (w->log_rate_limited == 0 && w->log_channel_full == 0)
		return UINT64_MAX;
	monitor_log_dropped(w, now, false);
	if (w->log_rate_limited == 0 && w->log_channel_full == 0)
		return UINT64_MAX;
	return w->log_said_at + LOG_DROPPED_EVERY_MS;
}

static void
act_ready(struct mworker *w, struct chan_msg *m, bool token)
{
	(void)m;
	(void)token;
	pool_worker_ready(w);
}

/*
 * What a worker says goes to our log after fields of our own, quoted
 * whole: a "peer=" or "service=" in its text stays inside msg="...", and
 * no field of the line is the worker's.
 */
static void
act_log(struct mworker *w, struct chan_msg *m, bool token)
{
	char text[LOG_LINE_MAX], quoted[2 * LOG_LINE_MAX + 3];
	char line[sizeof(quoted) + 512];
	const char *about;
	uint32_t slot;
	int prio;

	/*
	 * A worker's fatal line is its last and says why it dies: one CRIT
	 * line in its life passes the limit (a worker that lies about that
	 * gains a single line).
	 */
	if (!token && m->u.log.prio == LOG_CRIT && !w->last_words)
		token = w->last_words = true;
	/* A count alone takes a token too, but is never lost for want of it. */
	w->log_channel_full += m->u.log.dropped;
	if (m->u.log.text[0] != '\0' && !token)
		w->log_rate_limited++;
	monitor_log_dropped(w, now_ms(), false);
	if (m->u.log.text[0] == '\0' || !token)
		return;
	prio = msg_log_clean(&m->u.log, text, sizeof(text));
	/*
	 * The service it is about, if the worker names one of its pool's
	 * (a worker can mislabel a line among its own pool's services, and
	 * nothing more); else the pool.
	 */
	slot = m->u.log.slot;
	about = slot < w->pool->nslots && w->pool->svcs[slot] != NULL ?
	    w->pool->svcs[slot]->svc->fields : w->pool->label;
	snprintf(line, sizeof(line), "from worker %s pid=%ld msg=%s", about,
	    (long)w->pid, log_quote(text, quoted, sizeof(quoted)));
	if (prio <= LOG_ERR)
		str_copy(w->last_error, text, sizeof(w->last_error));
	log_line(prio, line);
}

static void
act_learn(struct mworker *w, struct chan_msg *m, bool token)
{
	(void)token;
	learn_add(pool_lead(w->pool), m->fd);
	m->fd = -1;			/* learn.c's now */
}

/*
 * A spawn is checked at once, as the act of looking is the check: the
 * pid's parent must be this worker (children.c reads /proc, and the peer
 * from the child's descriptor 0 or the connection handed over, itself).
 * One that ended before we looked cannot be checked; it is remembered as
 * this worker's, with the peer of the connection if that is one of the
 * service's, so its violation report (the likeliest reason it ended so
 * soon) is not taken for a lie.
 */
static const char *
check_spawned(struct mworker *w, const struct chan_msg *m)
{
	struct child_rec r;
	const char *why = NULL;

	switch (children_spawned(w, m->u.spawned.pid, m->u.spawned.slot, m->fd,
	    &r, &why)) {
	case CHILD_RECORDED:
		return NULL;
	case CHILD_GONE:
		w->gone[w->ngone++ % ARRAY_LEN(w->gone)] = r;
		return NULL;
	case CHILD_LIE:
		break;
	}
	return why;
}

static void
act_spawned(struct mworker *w, struct chan_msg *m, bool token)
{
	(void)w;
	(void)m;
	(void)token;
}

/* Where pid is among the children that ended before we looked, or -1. */
static int
gone_slot(const struct mworker *w, pid_t pid)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(w->gone) && i < w->ngone; i++)
		if (w->gone[i].pid == pid)
			return (int)i;
	return -1;
}

/* The pid must be a child we recorded for this worker, and ended. */
static const char *
check_violation(struct mworker *w, const struct chan_msg *m)
{
	const char *why;

	if (m->u.violation.pid <= 0)
		return "a violation of no pid";
	why = children_violation(w, m->u.violation.pid, false, NULL);
	if (why != NULL && gone_slot(w, m->u.violation.pid) != -1)
		return NULL;
	return why;
}

/*
 * Counted whatever the rate; logged only with a token, else counted lost.
 * The peer is the one we read, never the worker's.
 */
static void
act_violation(struct mworker *w, struct chan_msg *m, bool token)
{
	struct child_rec r = { .pid = m->u.violation.pid };
	struct msvc *ms;
	int g;

	/* check_violation found it in one or the other. */
	if (children_violation(w, r.pid, true, &r) != NULL &&
	    (g = gone_slot(w, r.pid)) != -1) {
		/* Ended before we looked: what we could learn of it. */
		r = w->gone[g];
		w->gone[g].pid = 0;
	}
	if (!token)
		w->log_rate_limited++;
	/* The child's own service, by our record of it. */
	if ((ms = services_find(r.svc)) == NULL)
		ms = pool_lead(w->pool);
	violation_child(ms, &r, token, w->started_at);
	monitor_log_dropped(w, now_ms(), false);
}

static const struct rule *
rule_of(uint32_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(rules); i++)
		if (rules[i].type == type)
			return &rules[i];
	return NULL;
}

/* NULL when the message is within its table entry and acted on. */
static const char *
dispatch(struct mworker *w, struct chan_msg *m)
{
	const struct rule *r = rule_of(m->hdr.type);
	const char *why;
	bool token = true;

	if (r == NULL)
		return "a type no worker sends";
	if (chan_expect(m, r->type, r->len) == -1)
		return "the wrong size for its type";
	if (r->fd == WITH_FD && m->fd == -1)
		return "no descriptor with it";
	if (r->fd == NO_FD && m->fd != -1)
		return "a descriptor it should not have";
	if (!(r->phases & (w->ready ? SERVING : SETUP)))
		return w->ready ? "after READY" : "before READY";
	/* Its reports are counted against a service: it must have one. */
	if ((r->who != ANY && pool_lead(w->pool) == NULL) ||
	    (r->who == EXTERNAL && w->pool->internal) ||
	    (r->who == LEARNING && (w->pool->policy->action != ACTION_LOG ||
	    w->pool->policy->kind == POLICY_NONE)))
		return "from a worker that has none to send";
	if (r->rate == ONCE && (w->said & (1u << r->type)))
		return "a second time";
	if (r->check != NULL && (why = r->check(w, m)) != NULL)
		return why;
	w->said |= 1u << r->type;
	if (r->rate == BUCKET)
		token = bucket_take(w, now_ms());
	r->act(w, m, token);
	return NULL;
}

static const char *
type_name(uint32_t type)
{
	const struct rule *r = rule_of(type);

	return r != NULL ? r->name : "?";
}

/* Up to max messages from the worker (0: all there are). */
void
monitor_read(struct mworker *w, int max)
{
	static struct chan_msg m;
	char quoted[128];
	const char *why;
	int i;
	ssize_t n;

	for (i = 0; (max == 0 || i < max) && w->chan != -1; i++) {
		n = chan_recv(w->chan, &m, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0) {
			monitor_close(w);
			return;
		}
		why = n == -1 ? "a malformed record" : dispatch(w, &m);
		if (n > 0 && m.fd != -1)
			close(m.fd);	/* one we did not keep */
		if (why == NULL)
			continue;
		log_errx("worker broke the protocol, killing it %s pid=%ld "
		    "type=%u name=%s reason=%s", w->pool->label,
		    (long)w->pid, n == -1 ? 0 : m.hdr.type,
		    n == -1 ? "-" : type_name(m.hdr.type),
		    log_quote(why, quoted, sizeof(quoted)));
		kill(w->pid, SIGKILL);
		monitor_close(w);
		return;
	}
}

static void
monitor_event(struct mev *ev, uint32_t events)
{
	(void)events;
	monitor_read(container_of(ev, struct mworker, ev), EVENTS_PER_TURN);
}
