/* SPDX-License-Identifier: ISC */
/*
 * What sinetctl is told: the services' status (key=value or JSON; the
 * operator's form is status.c, from the accessors here), their counters in
 * the Prometheus text format, and which services a selector ("echo",
 * "127.0.0.1:echo", "10007/tcp", a unix path) names.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "policy.h"
#include "report.h"
#include "svcstate.h"
#include "util.h"

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL,
		    b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p != NULL && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
}

/* A JSON string, quoted and escaped. */
static void
buf_json(struct buf *b, const char *s)
{
	buf_printf(b, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			buf_printf(b, "\\u%04x", c);
		else
			buf_printf(b, "%c", c);
	}
	buf_printf(b, "\"");
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void
buf_label(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			buf_printf(b, "\\n");
		else
			buf_printf(b, "%c", *s);
	}
}

/* A time a worker may have written: "-" for one no calendar holds. */
void
report_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 0 ||
	    tm.tm_year > 9999 - 1900 ||
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
const char *
report_state(const struct msvc *ms, time_t *until)
{
	uint64_t now = now_ms(), end, most;

	*until = 0;
	if (ms->status == MSVC_FAILED)
		return "failed";
	if (ms->shared == NULL)
		return "listening";
	if (__atomic_load_n(&ms->shared->disabled, __ATOMIC_RELAXED) != 0)
		return "disabled";
	end = __atomic_load_n(&ms->shared->suspended_until, __ATOMIC_RELAXED);
	most = now + pool_suspend_ms(ms);
	if (ms->svc->builtin == BUILTIN_NONE && end > now) {
		*until = wall_of(end < most ? end : most);
		return "suspended";
	}
	return "listening";
}

void
report_addr(const struct msvc *ms, char *buf, size_t len)
{
	addr_str(&ms->svc->addr.sa, ms->svc->addrlen, buf, len);
}

const char *
report_socktype(int t)
{
	return t == SOCK_STREAM ? "stream" : t == SOCK_DGRAM ? "dgram" :
	    "seqpacket";
}

void
report_program(const struct msvc *ms, char *buf, size_t len)
{
	if (ms->svc->builtin != BUILTIN_NONE)
		snprintf(buf, len, "internal:%s", builtin_name(ms->svc->builtin));
	else
		snprintf(buf, len, "%s", ms->svc->program);
}

unsigned
report_children(const struct msvc *ms)
{
	return ms->shared != NULL ?
	    svcstate_load_clamped(&ms->shared->nchildren, ms->nslots) : 0;
}

/*
 * The counters, in one table that status (every form), JSON and the
 * metrics all read, so that a counter added or renamed cannot drop out of
 * one of them. A counter with a reason is a refusal: summed in the status
 * table, a series of sinetd_refused_total in the metrics; the others are
 * a family of their own.
 */
const struct counter_def counter_defs[NCOUNTERS] = {
#define C(f)	#f, offsetof(struct svc_counters, f)
	{ C(accepted), NULL, "accepted_total", "Connections accepted (for "
	  "an internal UDP service, datagrams)." },
	{ C(spawned), NULL, "spawned_total", "Child servers started." },
	{ C(exec_failed), NULL, "exec_failed_total", "Child servers that "
	  "could not be executed." },
	{ C(refused_suspended), "suspended", NULL, NULL },
	{ C(refused_cpm), "max-cpm", NULL, NULL },
	{ C(refused_perip), "max-perip", NULL, NULL },
	{ C(refused_access), "access", NULL, NULL },
	{ C(refused_guard), "guard", NULL, NULL },
	{ C(refused_disabled), "disabled", NULL, NULL },
	{ C(full), NULL, "max_child_reached_total", "Times max-child "
	  "stopped the service accepting." },
	{ C(rate_trips), NULL, "rate_trips_total", "Times the spawn rate "
	  "suspended the service." },
	{ C(violations), NULL, "violations_total", "Processes killed by "
	  "their seccomp filter." },
#undef C
};
_Static_assert(sizeof(struct svc_counters) == NCOUNTERS * sizeof(uint64_t),
    "every counter of struct svc_counters is in counter_defs");

void
report_counters(const struct msvc *ms, uint64_t v[NCOUNTERS])
{
	size_t i;

	for (i = 0; i < NCOUNTERS; i++) {
		const uint64_t *p;

		if (ms->shared == NULL) {
			v[i] = 0;
			continue;
		}
		p = (const uint64_t *)(const void *)((const char *)&ms->shared->c +
		    counter_defs[i].off);
		v[i] = __atomic_load_n(p, __ATOMIC_RELAXED);
	}
}

unsigned
report_workers(const struct msvc *ms)
{
	return ms->pool != NULL ? pool_workers_running(ms->pool) : 0;
}

/* The pool whose workers serve it (several services may share one). */
unsigned long long
report_pool(const struct msvc *ms)
{
	return ms->pool != NULL ? (unsigned long long)ms->pool->id : 0;
}

void
report_peer(const struct shown_child *c, char *buf, size_t len)
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
report_sessions(const struct msvc *ms, struct shown_child *out, size_t max)
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

static void
status_text(struct buf *b, const struct msvc *ms, bool children)
{
	struct shown_child kids[CHILDREN_SHOWN];
	uint64_t v[NCOUNTERS];
	char addr[ADDR_STR_MAX], prog[600], when[32], quoted[600];
	time_t until;
	const char *state = report_state(ms, &until);
	const struct mworker *w;
	unsigned nw;
	size_t i, n;

	report_addr(ms, addr, sizeof(addr));
	report_program(ms, prog, sizeof(prog));
	buf_printf(b, "service=%s proto=%s addr=%s type=%s wait=%s user=%s "
	    "program=%s state=%s", ms->svc->name, ms->svc->proto, addr,
	    report_socktype(ms->svc->socktype), ms->svc->wait ? "wait" : "nowait",
	    ms->svc->user, log_quote(prog, quoted, sizeof(quoted)), state);
	if (until) {
		report_time(until, when, sizeof(when));
		buf_printf(b, " until=%s why=spawn-rate", when);
	}
	if (ms->status == MSVC_FAILED)
		buf_printf(b, " why=%s", log_quote(ms->why ? ms->why : "?",
		    quoted, sizeof(quoted)));
	buf_printf(b, " policy=%s pool=%llu workers=", ms->policy != NULL &&
	    ms->policy->name[0] != '\0' ? ms->policy->name : "-",
	    report_pool(ms));
	w = msvc_workers(ms, &nw);
	for (i = 0, n = 0; i < nw; i++)
		if (w[i].pid != WORKER_NOT_RUNNING)
			buf_printf(b, "%s%ld", n++ ? "," : "", (long)w[i].pid);
	if (n == 0)
		buf_printf(b, "-");
	buf_printf(b, " children=%u", report_children(ms));
	report_counters(ms, v);
	for (i = 0; i < NCOUNTERS; i++)
		buf_printf(b, " %s=%llu", counter_defs[i].name,
		    (unsigned long long)v[i]);
	buf_printf(b, "\n");
	if (!children)
		return;
	n = report_sessions(ms, kids, CHILDREN_SHOWN);
	for (i = 0; i < n; i++) {
		report_peer(&kids[i], addr, sizeof(addr));
		report_time((time_t)kids[i].started_epoch, when, sizeof(when));
		buf_printf(b, "  child pid=%ld peer=%s started=%s\n",
		    (long)kids[i].pid, addr, when);
	}
}

static void
status_json(struct buf *b, const struct msvc *ms, bool children)
{
	struct shown_child kids[CHILDREN_SHOWN];
	uint64_t v[NCOUNTERS];
	char addr[ADDR_STR_MAX], prog[600], when[32];
	time_t until;
	const char *state = report_state(ms, &until);
	const struct mworker *w;
	unsigned nw;
	size_t i, n;

	report_addr(ms, addr, sizeof(addr));
	report_program(ms, prog, sizeof(prog));
	buf_printf(b, "{\"service\":");
	buf_json(b, ms->svc->name);
	buf_printf(b, ",\"proto\":");
	buf_json(b, ms->svc->proto);
	buf_printf(b, ",\"addr\":");
	buf_json(b, addr);
	buf_printf(b, ",\"socket_type\":\"%s\",\"wait\":%s,\"user\":",
	    report_socktype(ms->svc->socktype), ms->svc->wait ? "true" : "false");
	buf_json(b, ms->svc->user);
	buf_printf(b, ",\"program\":");
	buf_json(b, prog);
	buf_printf(b, ",\"state\":\"%s\",\"until\":", state);
	if (until) {
		report_time(until, when, sizeof(when));
		buf_json(b, when);
	} else
		buf_printf(b, "null");
	buf_printf(b, ",\"why\":");
	if (ms->status == MSVC_FAILED)
		buf_json(b, ms->why ? ms->why : "?");
	else if (until)
		buf_json(b, "spawn-rate");
	else
		buf_printf(b, "null");
	buf_printf(b, ",\"policy\":");
	buf_json(b, ms->policy ? ms->policy->name : "");
	buf_printf(b, ",\"pool\":%llu,\"workers\":[", report_pool(ms));
	w = msvc_workers(ms, &nw);
	for (i = 0, n = 0; i < nw; i++)
		if (w[i].pid != WORKER_NOT_RUNNING)
			buf_printf(b, "%s%ld", n++ ? "," : "", (long)w[i].pid);
	buf_printf(b, "],\"children_running\":%u,\"counters\":{",
	    report_children(ms));
	report_counters(ms, v);
	for (i = 0; i < NCOUNTERS; i++)
		buf_printf(b, "%s\"%s\":%llu", i ? "," : "",
		    counter_defs[i].name, (unsigned long long)v[i]);
	buf_printf(b, "}");
	if (children) {
		buf_printf(b, ",\"children\":[");
		n = report_sessions(ms, kids, CHILDREN_SHOWN);
		for (i = 0; i < n; i++) {
			report_peer(&kids[i], addr, sizeof(addr));
			report_time((time_t)kids[i].started_epoch, when,
			    sizeof(when));
			buf_printf(b, "%s{\"pid\":%ld,\"peer\":", i ? "," : "",
			    (long)kids[i].pid);
			buf_json(b, addr);
			buf_printf(b, ",\"started\":\"%s\"}", when);
		}
		buf_printf(b, "]");
	}
	buf_printf(b, "}");
}

static bool
host_numeric(const char *h)
{
	struct in6_addr a6;
	struct in_addr a4;
	char copy[ADDR_STR_MAX];
	size_t len = strlen(h);

	if (inet_pton(AF_INET, h, &a4) == 1)
		return true;
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']' &&
	    len - 2 < sizeof(copy)) {
		memcpy(copy, h + 1, len - 2);
		copy[len - 2] = '\0';
		h = copy;
	}
	return inet_pton(AF_INET6, h, &a6) == 1;
}

/* Is host (as a selector writes it) where this service listens? */
static bool
host_matches(const struct service *s, const char *host)
{
	char numeric[ADDR_STR_MAX], bracketed[ADDR_STR_MAX + 2];
	char list[512], *item, *rest;

	addr_host_str(&s->addr.sa, numeric, sizeof(numeric));
	snprintf(bracketed, sizeof(bracketed), "[%s]", numeric);
	if (strcmp(host, numeric) == 0 || strcmp(host, bracketed) == 0)
		return true;
	if (s->host == NULL || !str_copy(list, s->host, sizeof(list)))
		return false;
	/*
	 * A name as written ("localhost") selects every address it gave.
	 * A numeric item of a list ("127.0.0.1,[::1]:") is one address:
	 * the line's other sockets are not it.
	 */
	for (rest = list; (item = strsep(&rest, ",")) != NULL;)
		if (strcmp(item, host) == 0 && !host_numeric(item))
			return true;
	return false;
}

/*
 * Does the selector name this service: the service field as written
 * (name or number, with or without its address), or the official name,
 * or a unix path; "/tcp", "/udp" or "/unix" narrows it.
 */
static bool
selects(const char *sel, const struct msvc *ms)
{
	const struct service *s = ms->svc;
	char copy[512], *slash, *sep = NULL, *name;
	const char *want = NULL;

	if (!str_copy(copy, sel, sizeof(copy)))
		return false;
	if ((slash = strrchr(copy, '/')) != NULL &&
	    (strcmp(slash, "/tcp") == 0 || strcmp(slash, "/udp") == 0 ||
	    strcmp(slash, "/unix") == 0)) {
		want = slash + 1;
		*slash = '\0';
	}
	if (want != NULL && !((strcmp(want, "tcp") == 0 &&
	    s->protocol == IPPROTO_TCP) || (strcmp(want, "udp") == 0 &&
	    s->protocol == IPPROTO_UDP) || (strcmp(want, "unix") == 0 &&
	    s->family == AF_UNIX)))
		return false;
	if (s->family == AF_UNIX)
		return strcmp(copy, s->name) == 0;
	if (copy[0] == '[')
		sep = (sep = strstr(copy, "]:")) != NULL ? sep + 1 : NULL;
	else
		sep = strrchr(copy, ':');
	name = copy;
	if (sep != NULL) {
		*sep = '\0';
		name = sep + 1;
		if (!host_matches(s, copy))
			return false;
	}
	return strcmp(name, s->name) == 0 ||
	    strcmp(name, s->policy_name) == 0;
}

/* The services a selector names (all of them for NULL); 0: none. */
size_t
report_select(const char *sel, struct msvc ***out)
{
	struct msvc **all, **list;
	size_t n, i, k = 0;

	all = services_all(&n);
	list = xcalloc(n ? n : 1, sizeof(*list));
	for (i = 0; i < n; i++)
		if (sel == NULL || selects(sel, all[i]))
			list[k++] = all[i];
	*out = list;
	return k;
}

void
report_status(struct buf *b, enum report_form form, struct msvc **list,
    size_t n, bool children)
{
	char when[32] = "never";
	time_t at;
	const char *result = reload_last(&at);
	size_t i;

	if (form == REPORT_HUMAN) {
		status_human(b, list, n, children);
		return;
	}
	if (at)
		report_time(at, when, sizeof(when));
	if (form == REPORT_JSON) {
		buf_printf(b, "{\"version\":1,\"pid\":%ld,\"reload\":{\"at\":",
		    (long)getpid());
		if (at)
			buf_json(b, when);
		else
			buf_printf(b, "null");
		buf_printf(b, ",\"result\":");
		buf_json(b, result);
		buf_printf(b, "},\"services\":[");
		for (i = 0; i < n; i++) {
			if (i)
				buf_printf(b, ",");
			status_json(b, list[i], children);
		}
		buf_printf(b, "]}\n");
		return;
	}
	for (i = 0; i < n; i++)
		status_text(b, list[i], children);
	buf_printf(b, "reload at=%s result=\"%s\"\n", when, result);
}

static void
metric_head(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP sinetd_%s %s\n# TYPE sinetd_%s %s\n", name, help,
	    name, type);
}

static void
metric(struct buf *b, const char *name, const struct msvc *ms,
    const char *extra, uint64_t v)
{
	char addr[ADDR_STR_MAX];

	report_addr(ms, addr, sizeof(addr));
	buf_printf(b, "sinetd_%s{service=\"", name);
	buf_label(b, ms->svc->name);
	buf_printf(b, "\",proto=\"");
	buf_label(b, ms->svc->proto);
	buf_printf(b, "\",addr=\"");
	buf_label(b, addr);
	buf_printf(b, "\"%s} %llu\n", extra ? extra : "",
	    (unsigned long long)v);
}

/* The Prometheus text exposition format, one family after another. */
void
report_metrics(struct buf *b)
{
	struct msvc **all;
	uint64_t v[NCOUNTERS];
	char extra[64];
	size_t n, i, k;
	time_t until;

	all = services_all(&n);
	metric_head(b, "up", "gauge", "1 while the service accepts.");
	for (i = 0; i < n; i++)
		metric(b, "up", all[i], NULL, strcmp(report_state(all[i],
		    &until), "listening") == 0);
	metric_head(b, "workers", "gauge", "Worker processes running.");
	for (i = 0; i < n; i++)
		metric(b, "workers", all[i], NULL, report_workers(all[i]));
	metric_head(b, "children", "gauge", "Child servers running.");
	for (i = 0; i < n; i++)
		metric(b, "children", all[i], NULL, report_children(all[i]));
	for (k = 0; k < NCOUNTERS; k++) {
		if (counter_defs[k].metric == NULL)
			continue;
		metric_head(b, counter_defs[k].metric, "counter",
		    counter_defs[k].help);
		for (i = 0; i < n; i++) {
			report_counters(all[i], v);
			metric(b, counter_defs[k].metric, all[i], NULL, v[k]);
		}
	}
	metric_head(b, "refused_total", "counter", "Connections refused, by "
	    "reason.");
	for (i = 0; i < n; i++) {
		report_counters(all[i], v);
		for (k = 0; k < NCOUNTERS; k++) {
			if (counter_defs[k].reason == NULL)
				continue;
			snprintf(extra, sizeof(extra), ",reason=\"%s\"",
			    counter_defs[k].reason);
			metric(b, "refused_total", all[i], extra, v[k]);
		}
	}
	metric_head(b, "reloads_total", "counter", "Reloads, by result.");
	buf_printf(b, "sinetd_reloads_total{result=\"done\"} %llu\n",
	    (unsigned long long)reload_count(true));
	buf_printf(b, "sinetd_reloads_total{result=\"refused\"} %llu\n",
	    (unsigned long long)reload_count(false));
}
