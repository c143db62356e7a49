/* SPDX-License-Identifier: ISC */
/*
 * The status an operator reads: a header about the daemon, then one row a
 * service, as AIX's lssrc -ls lists an inetd's sub-servers; or, for
 * "status SERVICE", every field, limit and counter of it and its open
 * sessions. Lines fit STATUS_WIDTH; a cell too long for its column ends
 * in '+', as top(1) marks one (a path begins with it: its end is kept).
 */
#include <sys/socket.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "master.h"
#include "policy.h"
#include "report.h"
#include "service.h"
#include "util.h"
#include "version.h"

#define STATUS_WIDTH	80
#define CELL_MAX	128	/* a unix path (108) whole */

enum {
	COL_SERVICE, COL_PROTO, COL_ADDR, COL_STATE, COL_WAIT, COL_USER,
	COL_POLICY, COL_WORKERS, COL_CHILDREN, COL_ACCEPTED, COL_REFUSED,
	NCOLS
};

/*
 * The table's columns. Only the flexible ones give up width when a row
 * would not fit; the others hold words and counts that must stay whole.
 */
static const struct column {
	const char	*head;
	bool		 right;		/* numbers, aligned right */
	bool		 flexible;
} columns[NCOLS] = {
	[COL_SERVICE]	= { "SERVICE", false, true },
	[COL_PROTO]	= { "PROTO", false, false },
	[COL_ADDR]	= { "ADDRESS", false, true },
	[COL_STATE]	= { "STATE", false, false },
	[COL_WAIT]	= { "WAIT", false, false },
	[COL_USER]	= { "USER", false, true },
	[COL_POLICY]	= { "POLICY", false, true },
	[COL_WORKERS]	= { "WK", true, false },
	[COL_CHILDREN]	= { "CH", true, false },
	[COL_ACCEPTED]	= { "ACCEPTED", true, false },
	[COL_REFUSED]	= { "REFUSED", true, false },
};

typedef char row_t[NCOLS][CELL_MAX];

/* A duration as an operator says it: "3d 4h", "2h 05m", "4m 09s", "7s". */
static void
span_str(uint64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%llud %lluh", (unsigned long long)s / 86400,
		    (unsigned long long)s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lluh %02llum",
		    (unsigned long long)s / 3600,
		    (unsigned long long)s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%llum %02llus", (unsigned long long)s / 60,
		    (unsigned long long)s % 60);
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
}

/* One line of at most STATUS_WIDTH characters: longer ends in '+'. */
static void
line(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n <= STATUS_WIDTH)
		buf_printf(b, "%s\n", s);
	else
		buf_printf(b, "%.*s+\n", STATUS_WIDTH - 1, s);
}

static void __attribute__((format(printf, 2, 3)))
linef(struct buf *b, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	line(b, text);
}

static uint64_t
refused_sum(const uint64_t v[NCOUNTERS])
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < NCOUNTERS; i++)
		if (counter_defs[i].reason != NULL)
			sum += v[i];
	return sum;
}

/* Where a row says a service listens: the host; the port is its name. */
static void
row_addr(const struct msvc *ms, char *buf, size_t len)
{
	if (ms->svc->family == AF_UNIX)
		snprintf(buf, len, "-");
	else
		addr_host_str(&ms->svc->addr.sa, buf, len);
}

static void
row_of(const struct msvc *ms, row_t r)
{
	uint64_t v[NCOUNTERS];
	time_t until;

	report_counters(ms, v);
	snprintf(r[COL_SERVICE], CELL_MAX, "%s", ms->svc->name);
	snprintf(r[COL_PROTO], CELL_MAX, "%s", ms->svc->proto);
	row_addr(ms, r[COL_ADDR], CELL_MAX);
	snprintf(r[COL_STATE], CELL_MAX, "%s", report_state(ms, &until));
	snprintf(r[COL_WAIT], CELL_MAX, "%s", ms->svc->wait ? "wait" :
	    "nowait");
	snprintf(r[COL_USER], CELL_MAX, "%s", ms->svc->user);
	snprintf(r[COL_POLICY], CELL_MAX, "%s", ms->policy != NULL &&
	    ms->policy->name[0] != '\0' ? ms->policy->name : "-");
	snprintf(r[COL_WORKERS], CELL_MAX, "%u", report_workers(ms));
	snprintf(r[COL_CHILDREN], CELL_MAX, "%u", report_children(ms));
	snprintf(r[COL_ACCEPTED], CELL_MAX, "%llu",
	    (unsigned long long)v[0]);
	snprintf(r[COL_REFUSED], CELL_MAX, "%llu",
	    (unsigned long long)refused_sum(v));
}

/*
 * Each column as wide as its widest cell; while a row would pass the
 * width, the widest flexible column gives up one character, down to its
 * heading's width.
 */
static void
widths(row_t *rows, size_t n, size_t w[NCOLS])
{
	size_t i, c, total, best;

	for (c = 0; c < NCOLS; c++) {
		w[c] = strlen(columns[c].head);
		for (i = 0; i < n; i++)
			if (strlen(rows[i][c]) > w[c])
				w[c] = strlen(rows[i][c]);
	}
	for (;;) {
		for (c = 0, total = NCOLS - 1; c < NCOLS; c++)
			total += w[c];
		if (total <= STATUS_WIDTH)
			return;
		for (c = 0, best = NCOLS; c < NCOLS; c++)
			if (columns[c].flexible &&
			    w[c] > strlen(columns[c].head) &&
			    (best == NCOLS || w[c] > w[best]))
				best = c;
		if (best == NCOLS)
			return;		/* line() cuts what is left */
		w[best]--;
	}
}

static void
table_row(struct buf *b, const char cells[NCOLS][CELL_MAX],
    const size_t w[NCOLS])
{
	char text[NCOLS * (CELL_MAX + 1)], *p = text;
	size_t c, len, width;

	for (c = 0; c < NCOLS; c++) {
		width = w[c] < CELL_MAX - 1 ? w[c] : CELL_MAX - 1;
		len = strlen(cells[c]);
		if (c > 0)
			*p++ = ' ';
		if (len > width && cells[c][0] == '/') {
			/* A unix socket's path: its end tells it apart. */
			*p = '+';
			memcpy(p + 1, cells[c] + len - (width - 1), width - 1);
			p += width;
		} else if (len > width) {
			memcpy(p, cells[c], width - 1);
			p[width - 1] = '+';
			p += width;
		} else if (columns[c].right) {
			p += sprintf(p, "%*s", (int)width, cells[c]);
		} else if (c == NCOLS - 1) {
			p += sprintf(p, "%s", cells[c]);
		} else {
			p += sprintf(p, "%-*s", (int)width, cells[c]);
		}
	}
	*p = '\0';
	line(b, text);
}

static void
header(struct buf *b, struct msvc **list, size_t n)
{
	uint64_t v[NCOUNTERS], up_ms, workers = 0, children = 0,
	    accepted = 0, refused = 0;
	static const char *const states[] = {
		"listening", "suspended", "disabled", "failed",
	};
	size_t nstate[ARRAY_LEN(states)] = { 0 };
	size_t i, k, len;
	char up[32], since[32], when[32], ago[32], more[128];
	time_t at, until;
	time_t started = master_started(&up_ms);
	const char *result = reload_last(&at), *state;

	for (i = 0; i < n; i++) {
		report_counters(list[i], v);
		/* A pool's workers once, however many services it serves. */
		for (k = 0; k < i && list[k]->pool != list[i]->pool; k++)
			;
		if (k == i)
			workers += report_workers(list[i]);
		children += report_children(list[i]);
		accepted += v[0];
		refused += refused_sum(v);
		state = report_state(list[i], &until);
		for (k = 0; k < ARRAY_LEN(states); k++)
			nstate[k] += strcmp(state, states[k]) == 0;
	}
	span_str(up_ms / 1000, up, sizeof(up));
	report_time(started, since, sizeof(since));
	linef(b, "sinetd:    version %s, pid %ld", SINETD_VERSION,
	    (long)getpid());
	linef(b, "started:   %s, up %s", since, up);
	linef(b, "config:    %s", opts.conf_path);
	linef(b, "policies:  %s", opts.policy_dir);
	if (at) {
		report_time(at, when, sizeof(when));
		span_str((uint64_t)(time(NULL) > at ? time(NULL) - at : 0), ago,
		    sizeof(ago));
		linef(b, "reload:    %s (%s ago)", when, ago);
		linef(b, "result:    %s", result);
	} else
		linef(b, "reload:    %s", result);
	linef(b, "totals:    %zu service%s, %llu worker%s, %llu child%s, "
	    "%llu accepted, %llu refused", n, n == 1 ? "" : "s",
	    (unsigned long long)workers, workers == 1 ? "" : "s",
	    (unsigned long long)children, children == 1 ? "" : "ren",
	    (unsigned long long)accepted, (unsigned long long)refused);
	len = 0;
	for (i = 0; i < ARRAY_LEN(states); i++)
		if (nstate[i] > 0)
			len += (size_t)snprintf(more + len, sizeof(more) - len,
			    "%s%zu %s", len ? ", " : "", nstate[i], states[i]);
	linef(b, "states:    %s", len ? more : "none");
}

static void
table(struct buf *b, struct msvc **list, size_t n)
{
	char heads[NCOLS][CELL_MAX];
	size_t w[NCOLS], i, c;
	row_t *rows = xcalloc(n ? n : 1, sizeof(*rows));

	for (i = 0; i < n; i++)
		row_of(list[i], rows[i]);
	for (c = 0; c < NCOLS; c++)
		snprintf(heads[c], CELL_MAX, "%s", columns[c].head);
	widths(rows, n, w);
	table_row(b, (const char (*)[CELL_MAX])heads, w);
	for (i = 0; i < n; i++)
		table_row(b, (const char (*)[CELL_MAX])rows[i], w);
	free(rows);
}

/* The long form: one "name  value" line a field, limit and counter. */
static void
long_form(struct buf *b, const struct msvc *ms)
{
	struct shown_child kids[CHILDREN_SHOWN];
	uint64_t v[NCOUNTERS];
	char addr[ADDR_STR_MAX], prog[600], when[32], ago[32], wl[512];
	const struct service *s = ms->svc;
	time_t until, now = time(NULL);
	const char *state = report_state(ms, &until);
	const struct mworker *w;
	unsigned nw;
	size_t i, n, len;
	int k;

	report_addr(ms, addr, sizeof(addr));
	report_program(ms, prog, sizeof(prog));
	linef(b, "service           %s", s->name);
	linef(b, "address           %s", addr);
	linef(b, "proto             %s %s %s", s->proto,
	    report_socktype(s->socktype), s->wait ? "wait" : "nowait");
	if (until) {
		report_time(until, when, sizeof(when));
		linef(b, "state             %s until %s (spawn rate)", state,
		    when);
	} else if (ms->status == MSVC_FAILED)
		linef(b, "state             %s: %s", state,
		    ms->why ? ms->why : "?");
	else
		linef(b, "state             %s", state);
	linef(b, "user              %s%s%s", s->user, s->group ? ":" : "",
	    s->group ? s->group : "");
	linef(b, "program           %s", prog);
	if (s->builtin == BUILTIN_NONE) {
		wl[0] = '\0';
		for (k = 0, len = 0; k < s->argc && len < sizeof(wl); k++)
			len += (size_t)snprintf(wl + len, sizeof(wl) - len,
			    "%s%s", k ? " " : "", s->argv[k]);
		linef(b, "argv              %s", wl);
	}
	linef(b, "policy            %s", ms->policy != NULL &&
	    ms->policy->name[0] != '\0' ? ms->policy->name : "-");
	linef(b, "defined at        %s:%d", s->file ? s->file : "?", s->line);
	/* An internal service starts no server: none of these apply. */
	if (s->builtin != BUILTIN_NONE)
		;
	else if (s->wait)
		linef(b, "limits            spawns/min %u", s->max_spawn ?
		    s->max_spawn : opts.spawn_rate);
	else
		linef(b, "limits            max-child %u, max-cpm %u, "
		    "max-perip %u, spawns/min %u (0: none)", s->max_child,
		    s->max_cpm, s->max_perip, s->max_spawn ? s->max_spawn :
		    opts.spawn_rate);
	len = 0;
	wl[0] = '\0';
	w = msvc_workers(ms, &nw);
	for (i = 0, n = 0; i < nw && len < sizeof(wl); i++)
		if (w[i].pid != WORKER_NOT_RUNNING)
			len += (size_t)snprintf(wl + len, sizeof(wl) - len,
			    "%s%ld", n++ ? " " : "", (long)w[i].pid);
	linef(b, "pool              %llu", report_pool(ms));
	linef(b, "workers           %s", n ? wl : "none");
	linef(b, "children          %u", report_children(ms));
	report_counters(ms, v);
	for (i = 0; i < NCOUNTERS; i++)
		linef(b, "%-17s %llu", counter_defs[i].name,
		    (unsigned long long)v[i]);
	n = report_sessions(ms, kids, CHILDREN_SHOWN);
	if (n == 0) {
		linef(b, "sessions          %s", s->builtin != BUILTIN_NONE ?
		    "served inside the workers, no process each" : "none");
		return;
	}
	linef(b, "sessions          %zu", n);
	linef(b, "  %-8s %-28s %s", "PID", "PEER", "SINCE");
	for (i = 0; i < n; i++) {
		report_peer(&kids[i], addr, sizeof(addr));
		report_time((time_t)kids[i].started_epoch, when, sizeof(when));
		span_str(now > kids[i].started_epoch ?
		    (uint64_t)(now - kids[i].started_epoch) : 0, ago,
		    sizeof(ago));
		linef(b, "  %-8ld %-28s %s (%s)", (long)kids[i].pid, addr,
		    when, ago);
	}
}

void
status_human(struct buf *b, struct msvc **list, size_t n, bool one)
{
	size_t i;

	if (!one) {
		header(b, list, n);
		buf_printf(b, "\n");
		table(b, list, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (i)
			buf_printf(b, "\n");
		long_form(b, list[i]);
	}
}
