/* SPDX-License-Identifier: ISC */
/*
 * The one table of what status says about a service (fields.h), the
 * readers behind it, and the running children it lists.
 */
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "buf.h"
#include "fields.h"
#include "master.h"
#include "policy.h"
#include "svcstate.h"
#include "util.h"

/* A time a worker may have written: "-" for one no calendar holds. */
void
field_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 0 ||
	    tm.tm_year > FIELD_YEAR_MAX - 1900 ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "-");
}

/* A monotonic deadline as a wall-clock time. */
static time_t
wall_of(uint64_t mono_ms)
{
	uint64_t now = now_ms();

	return time(NULL) + (time_t)(mono_ms > now ? (mono_ms - now) / 1000 : 0);
}

/*
 * From the shared state, which a worker can scribble on: a suspension is
 * never said to last longer than the service's own suspend time, and an
 * internal service is never suspended.
 */
void
field_view(const struct msvc *ms, struct field_view *fv)
{
	uint64_t now = now_ms(), end, most;

	fv->ms = ms;
	fv->until = 0;
	if (ms->status == MSVC_FAILED) {
		fv->state = "failed";
		return;
	}
	fv->state = "listening";
	if (ms->shared == NULL)
		return;
	if (__atomic_load_n(&ms->shared->disabled, __ATOMIC_RELAXED) != 0) {
		fv->state = "disabled";
		return;
	}
	end = __atomic_load_n(&ms->shared->suspended_until, __ATOMIC_RELAXED);
	most = now + pool_suspend_ms(ms);
	if (ms->svc->builtin == BUILTIN_NONE && end > now) {
		fv->until = wall_of(end < most ? end : most);
		fv->state = "suspended";
	}
}

static void
read_service(const struct field_view *fv, struct field_value *v)
{
	v->s = fv->ms->svc->name;
}

static void
read_proto(const struct field_view *fv, struct field_value *v)
{
	v->s = fv->ms->svc->proto;
}

static void
read_addr(const struct field_view *fv, struct field_value *v)
{
	v->s = addr_str(&fv->ms->svc->addr.sa, fv->ms->svc->addrlen, v->text,
	    sizeof(v->text));
}

static void
read_type(const struct field_view *fv, struct field_value *v)
{
	int t = fv->ms->svc->socktype;

	v->s = t == SOCK_STREAM ? "stream" : t == SOCK_DGRAM ? "dgram" :
	    "seqpacket";
}

static void
read_wait(const struct field_view *fv, struct field_value *v)
{
	v->n = fv->ms->svc->wait;
}

static void
read_user(const struct field_view *fv, struct field_value *v)
{
	v->s = fv->ms->svc->user;
}

static void
read_program(const struct field_view *fv, struct field_value *v)
{
	const struct service *s = fv->ms->svc;

	if (s->builtin != BUILTIN_NONE)
		snprintf(v->text, sizeof(v->text), "internal:%s",
		    builtin_name(s->builtin));
	else
		snprintf(v->text, sizeof(v->text), "%s", s->program);
	v->s = v->text;
}

static void
read_state(const struct field_view *fv, struct field_value *v)
{
	v->s = fv->state;
	v->n = strcmp(fv->state, "listening") == 0;
}

static void
read_until(const struct field_view *fv, struct field_value *v)
{
	if (fv->until == 0) {
		v->none = true;
		return;
	}
	v->n = (uint64_t)fv->until;
	field_time(fv->until, v->text, sizeof(v->text));
	v->s = v->text;
}

/* A word of ours for a suspension; a failure's message, quoted. */
static void
read_why(const struct field_view *fv, struct field_value *v)
{
	if (fv->ms->status == MSVC_FAILED) {
		v->s = fv->ms->why ? fv->ms->why : "?";
		v->quote = true;
	} else if (fv->until != 0)
		v->s = "spawn-rate";
	else
		v->none = true;
}

static void
read_policy(const struct field_view *fv, struct field_value *v)
{
	v->s = fv->ms->policy != NULL ? fv->ms->policy->name : "";
}

/* Services under the same confinement share one (sinetd(8), Pools). */
static void
read_pool(const struct field_view *fv, struct field_value *v)
{
	v->n = fv->ms->pool != NULL ? fv->ms->pool->id : 0;
}

/* Its pool's: the workers that serve it serve the pool's others too. */
static void
read_workers(const struct field_view *fv, struct field_value *v)
{
	unsigned i;

	v->w = msvc_workers(fv->ms, &v->nw);
	for (i = 0; i < v->nw; i++)
		v->n += v->w[i].pid != WORKER_NOT_RUNNING;
}

static void
read_children(const struct field_view *fv, struct field_value *v)
{
	const struct msvc *ms = fv->ms;

	v->n = ms->shared != NULL ?
	    svcstate_load_clamped(&ms->shared->nchildren, ms->nslots) : 0;
}

static void
read_counter(const struct field *f, const struct field_view *fv,
    struct field_value *v)
{
	const struct svcstate *st = fv->ms->shared;

	if (st != NULL)
		v->n = __atomic_load_n((const uint64_t *)(const void *)
		    ((const char *)&st->c + f->off), __ATOMIC_RELAXED);
}

/*
 * A row that says nothing of the metrics is METRIC_UNSAID, which
 * t/unit/test_fields.c refuses: each says one of these.
 */
#define NOT_METRIC(why)		{ METRIC_NONE, NULL, why }
#define CONFIGURED		NOT_METRIC("what the line says, not a measure")
#define LABEL			{ METRIC_LABEL, NULL, NULL }
#define GAUGE(name, help)	{ METRIC_GAUGE, name, help }
#define COUNTER(name, help)	{ METRIC_COUNTER, name, help }
#define REFUSAL(reason)		{ METRIC_REFUSAL, reason, NULL }
/* A counter of the shared state: no reader, its offset. */
#define COUNTED(c)		.key = #c, .type = FT_COUNTER, \
				.off = offsetof(struct svc_counters, c)

const struct field fields[NFIELDS] = {
	[F_SERVICE] = { .key = "service", .type = FT_WORD,
	    .read = read_service, .metric = LABEL },
	[F_PROTO] = { .key = "proto", .type = FT_WORD, .read = read_proto,
	    .metric = LABEL },
	[F_ADDR] = { .key = "addr", .type = FT_WORD, .read = read_addr,
	    .metric = LABEL },
	[F_TYPE] = { .key = "type", .json = "socket_type", .type = FT_WORD,
	    .read = read_type, .metric = CONFIGURED },
	[F_WAIT] = { .key = "wait", .type = FT_FLAG, .yes = "wait",
	    .no = "nowait", .read = read_wait, .metric = CONFIGURED },
	[F_USER] = { .key = "user", .type = FT_WORD, .read = read_user,
	    .metric = CONFIGURED },
	[F_PROGRAM] = { .key = "program", .type = FT_TEXT,
	    .read = read_program, .metric = CONFIGURED },
	[F_STATE] = { .key = "state", .type = FT_WORD, .read = read_state,
	    .metric = GAUGE("up", "1 while the service accepts.") },
	[F_UNTIL] = { .key = "until", .type = FT_TIME, .read = read_until,
	    .metric = NOT_METRIC("a time; sinetd_up says the service is off") },
	[F_WHY] = { .key = "why", .type = FT_WORD, .read = read_why,
	    .metric = NOT_METRIC("words; sinetd_up says the service is off") },
	[F_POLICY] = { .key = "policy", .type = FT_WORD, .read = read_policy,
	    .metric = CONFIGURED },
	[F_POOL] = { .key = "pool", .type = FT_COUNT, .read = read_pool,
	    .metric = NOT_METRIC("a name of this run's, not a measure") },
	[F_WORKERS] = { .key = "workers", .type = FT_PIDS,
	    .read = read_workers,
	    .metric = GAUGE("workers", "Worker processes running.") },
	[F_CHILDREN] = { .key = "children", .json = "children_running",
	    .type = FT_COUNT, .read = read_children,
	    .metric = GAUGE("children", "Child servers running.") },
	[F_ACCEPTED] = { COUNTED(accepted), .metric = COUNTER("accepted_total",
	    "Connections accepted (for an internal UDP service, datagrams).") },
	[F_SPAWNED] = { COUNTED(spawned), .metric = COUNTER("spawned_total",
	    "Child servers started.") },
	[F_EXEC_FAILED] = { COUNTED(exec_failed),
	    .metric = COUNTER("exec_failed_total",
	    "Child servers that could not be executed.") },
	[F_REFUSED_SUSPENDED] = { COUNTED(refused_suspended),
	    .metric = REFUSAL("suspended") },
	[F_REFUSED_CPM] = { COUNTED(refused_cpm),
	    .metric = REFUSAL("max-cpm") },
	[F_REFUSED_PERIP] = { COUNTED(refused_perip),
	    .metric = REFUSAL("max-perip") },
	[F_REFUSED_ACCESS] = { COUNTED(refused_access),
	    .metric = REFUSAL("access") },
	[F_REFUSED_GUARD] = { COUNTED(refused_guard),
	    .metric = REFUSAL("guard") },
	[F_REFUSED_DISABLED] = { COUNTED(refused_disabled),
	    .metric = REFUSAL("disabled") },
	[F_FULL] = { COUNTED(full), .metric = COUNTER("max_child_reached_total",
	    "Times max-child stopped the service accepting.") },
	[F_RATE_TRIPS] = { COUNTED(rate_trips),
	    .metric = COUNTER("rate_trips_total",
	    "Times the spawn rate suspended the service.") },
	[F_VIOLATIONS] = { COUNTED(violations),
	    .metric = COUNTER("violations_total",
	    "Processes killed by their seccomp filter.") },
};
_Static_assert(sizeof(struct svc_counters) ==
    (F_VIOLATIONS - F_ACCEPTED + 1) * sizeof(uint64_t),
    "every counter of struct svc_counters has its field");

void
field_read(enum field_id id, const struct field_view *fv,
    struct field_value *v)
{
	v->none = v->quote = false;
	v->s = "";
	v->n = 0;
	v->w = NULL;
	v->nw = 0;
	if (fields[id].read != NULL)
		fields[id].read(fv, v);
	else
		read_counter(&fields[id], fv, v);
}

const char *
field_json_name(const struct field *f)
{
	return f->json != NULL ? f->json : f->key;
}

/*
 * A value as key=value and the operator read it, unquoted; pids joined
 * by sep. What is empty is "-", so that a word is never missing.
 */
void
field_put(struct buf *b, const struct field *f, const struct field_value *v,
    const char *sep)
{
	unsigned i, k;

	switch (f->type) {
	case FT_WORD:
	case FT_TEXT:
	case FT_TIME:
		buf_printf(b, "%s", v->s[0] != '\0' ? v->s : "-");
		break;
	case FT_FLAG:
		buf_printf(b, "%s", v->n ? f->yes : f->no);
		break;
	case FT_PIDS:
		for (i = 0, k = 0; i < v->nw; i++)
			if (v->w[i].pid != 0)
				buf_printf(b, "%s%ld", k++ ? sep : "",
				    (long)v->w[i].pid);
		if (k == 0)
			buf_printf(b, "-");
		break;
	case FT_COUNT:
	case FT_COUNTER:
		buf_printf(b, "%llu", (unsigned long long)v->n);
		break;
	}
}

void
field_peer(const struct shown_child *c, char *buf, size_t len)
{
	if (addr_packed_str(c->family, c->addr, c->port, buf, len)[0] == '\0')
		snprintf(buf, len, "-");
}

/*
 * The running children of a service: the pids its shared table lists
 * (at most our own table size looked at), each shown only if we recorded
 * it for this service, with the peer and start time we recorded. A pid a
 * worker wrote there of its own accord, or twice, is not shown.
 */
size_t
field_sessions(const struct msvc *ms, struct shown_child *out, size_t max)
{
	const struct child_rec *r;
	uint32_t i, hwm;
	size_t n = 0, k;
	int32_t pid;

	if (ms->shared == NULL || ms->nslots == 0)
		return 0;
	hwm = svcstate_load_clamped(&ms->shared->hwm, ms->nslots);
	for (i = 0; i < hwm && n < max; i++) {
		pid = __atomic_load_n(&ms->shared->children[i].pid,
		    __ATOMIC_RELAXED);
		if (pid <= 0 || (r = children_find(pid)) == NULL ||
		    r->svc != ms->id || r->gone_at != 0)
			continue;
		for (k = 0; k < n && out[k].pid != pid; k++)
			;
		if (k < n)
			continue;
		out[n].pid = pid;
		out[n].family = r->family;
		memcpy(out[n].addr, r->addr, sizeof(out[n].addr));
		out[n].port = r->port;
		out[n++].started_epoch = r->started_epoch;
	}
	return n;
}
