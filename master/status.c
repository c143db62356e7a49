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
#include "buf.h"
#include "fields.h"
#include "master.h"
#include "service.h"
#include "status.h"
#include "util.h"
#include "version.h"

#define STATUS_WIDTH	80
#define CELL_MAX	128	/* a unix path (108) whole */
#define LINE_MAX_TEXT	1024	/* a line before it is cut to STATUS_WIDTH */
#define LABEL_WIDTH	17	/* the long form's: "refused_suspended" */
#define SPAN_MAX	32	/* "106751991167300d 15h" */
#define PID_WIDTH	8	/* the sessions table: a pid, */
#define PEER_WIDTH	28	/* a peer (a longer one pushes on) */

#define MINUTE		60
#define HOUR		(60 * MINUTE)
#define DAY		(24 * HOUR)

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
	enum field_id	 field;		/* whose text; NFIELDS: of several */
} columns[NCOLS] = {
	[COL_SERVICE]	= { "SERVICE", false, true, F_SERVICE },
	[COL_PROTO]	= { "PROTO", false, false, F_PROTO },
	[COL_ADDR]	= { "ADDRESS", false, true, F_ADDR },
	[COL_STATE]	= { "STATE", false, false, F_STATE },
	[COL_WAIT]	= { "WAIT", false, false, F_WAIT },
	[COL_USER]	= { "USER", false, true, F_USER },
	[COL_POLICY]	= { "POLICY", false, true, F_POLICY },
	[COL_WORKERS]	= { "WK", true, false, F_WORKERS },
	[COL_CHILDREN]	= { "CH", true, false, F_CHILDREN },
	[COL_ACCEPTED]	= { "ACCEPTED", true, false, F_ACCEPTED },
	[COL_REFUSED]	= { "REFUSED", true, false, NFIELDS },
};

typedef char row_t[NCOLS][CELL_MAX];

/* Every field of a service as the long form shows it, read at once. */
struct seen {
	struct field_view fv;
	char		 text[NFIELDS][CELL_MAX];	/* unquoted, "-" */
	uint64_t	 n[NFIELDS];
	bool		 none[NFIELDS];
	bool		 shown[NFIELDS];	/* the long form laid it out */
};

static void
seen_read(struct seen *sn, const struct msvc *ms)
{
	struct field_value v;
	struct buf t = { 0 };
	size_t i;

	field_view(ms, &sn->fv);
	for (i = 0; i < NFIELDS; i++) {
		field_read(i, &sn->fv, &v);
		t.len = 0;
		field_put(&t, &fields[i], &v, " ");
		snprintf(sn->text[i], CELL_MAX, "%s", t.p);
		sn->n[i] = v.n;
		sn->none[i] = v.none;
		sn->shown[i] = false;
	}
	free(t.p);
}

/* Its text, which the long form then does not list again. */
static const char *
shown(struct seen *sn, enum field_id id)
{
	sn->shown[id] = true;
	return sn->text[id];
}

/* A duration as an operator says it: "3d 4h", "2h 05m", "4m 09s", "7s". */
static void
span_str(uint64_t s, char *buf, size_t len)
{
	if (s >= DAY)
		snprintf(buf, len, "%llud %lluh", (unsigned long long)s / DAY,
		    (unsigned long long)s % DAY / HOUR);
	else if (s >= HOUR)
		snprintf(buf, len, "%lluh %02llum",
		    (unsigned long long)s / HOUR,
		    (unsigned long long)s % HOUR / MINUTE);
	else if (s >= MINUTE)
		snprintf(buf, len, "%llum %02llus",
		    (unsigned long long)s / MINUTE,
		    (unsigned long long)s % MINUTE);
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
	char text[LINE_MAX_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	line(b, text);
}

/* The REFUSED column: every refusal, whatever its reason. */
static uint64_t
refused_sum(const struct field_view *fv)
{
	struct field_value v;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (fields[i].metric.kind == METRIC_REFUSAL) {
			field_read(i, fv, &v);
			sum += v.n;
		}
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
	struct field_view fv;
	struct field_value v;
	struct buf t = { 0 };
	size_t c;

	field_view(ms, &fv);
	for (c = 0; c < NCOLS; c++) {
		if (columns[c].field == NFIELDS)
			continue;
		field_read(columns[c].field, &fv, &v);
		t.len = 0;
		field_put(&t, &fields[columns[c].field], &v, ",");
		snprintf(r[c], CELL_MAX, "%s", t.p);
		if (columns[c].field == F_WORKERS)
			snprintf(r[c], CELL_MAX, "%llu",
			    (unsigned long long)v.n);
	}
	free(t.p);
	/* Where the port is the service's name, and every refusal. */
	row_addr(ms, r[COL_ADDR], CELL_MAX);
	snprintf(r[COL_REFUSED], CELL_MAX, "%llu",
	    (unsigned long long)refused_sum(&fv));
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
	struct field_view fv;
	struct field_value v;
	uint64_t up_ms, workers = 0, children = 0, accepted = 0, refused = 0;
	static const char *const states[] = {
		"listening", "suspended", "disabled", "failed",
	};
	size_t nstate[ARRAY_LEN(states)] = { 0 };
	size_t i, k, len;
	char up[SPAN_MAX], since[FIELD_TIME_MAX], when[FIELD_TIME_MAX];
	char ago[SPAN_MAX], more[LINE_MAX_TEXT];
	time_t at;
	time_t started = master_started(&up_ms);
	const char *result = reload_last(&at);

	for (i = 0; i < n; i++) {
		field_view(list[i], &fv);
		/* A pool's workers once, however many services it serves. */
		for (k = 0; k < i && list[k]->pool != list[i]->pool; k++)
			;
		field_read(F_WORKERS, &fv, &v);
		if (k == i)
			workers += v.n;
		field_read(F_CHILDREN, &fv, &v);
		children += v.n;
		field_read(F_ACCEPTED, &fv, &v);
		accepted += v.n;
		refused += refused_sum(&fv);
		for (k = 0; k < ARRAY_LEN(states); k++)
			nstate[k] += strcmp(fv.state, states[k]) == 0;
	}
	span_str(up_ms / 1000, up, sizeof(up));
	field_time(started, since, sizeof(since));
	linef(b, "sinetd:    version %s, pid %ld", SINETD_VERSION,
	    (long)getpid());
	linef(b, "started:   %s, up %s", since, up);
	linef(b, "config:    %s", opts.conf_path);
	linef(b, "policies:  %s", opts.policy_dir);
	if (at) {
		field_time(at, when, sizeof(when));
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

/*
 * The long form: a "name  value" line a field, the ones it gathers on a
 * line first, with what only an operator is shown (argv, where the line
 * is, the limits); then every other field of the table, in its order.
 */
static void
long_form(struct buf *b, const struct msvc *ms)
{
	struct shown_child kids[CHILDREN_SHOWN];
	struct seen *sn = xcalloc(1, sizeof(*sn));
	char addr[ADDR_STR_MAX], when[FIELD_TIME_MAX], ago[SPAN_MAX];
	char wl[LINE_MAX_TEXT];
	const struct service *s = ms->svc;
	const char *state;
	time_t now = time(NULL);
	size_t i, n, len;
	int k;

	seen_read(sn, ms);
	linef(b, "%-*s %s", LABEL_WIDTH, "service", shown(sn, F_SERVICE));
	linef(b, "%-*s %s", LABEL_WIDTH, "address", shown(sn, F_ADDR));
	linef(b, "%-*s %s %s %s", LABEL_WIDTH, "proto", shown(sn, F_PROTO),
	    shown(sn, F_TYPE), shown(sn, F_WAIT));
	state = shown(sn, F_STATE);
	if (!sn->none[F_UNTIL])
		linef(b, "%-*s %s until %s (spawn rate)", LABEL_WIDTH, "state",
		    state, shown(sn, F_UNTIL));
	else if (!sn->none[F_WHY])
		linef(b, "%-*s %s: %s", LABEL_WIDTH, "state", state,
		    shown(sn, F_WHY));
	else
		linef(b, "%-*s %s", LABEL_WIDTH, "state", state);
	sn->shown[F_UNTIL] = sn->shown[F_WHY] = true;
	linef(b, "%-*s %s%s%s", LABEL_WIDTH, "user", shown(sn, F_USER),
	    s->group ? ":" : "", s->group ? s->group : "");
	linef(b, "%-*s %s", LABEL_WIDTH, "program", shown(sn, F_PROGRAM));
	if (s->builtin == BUILTIN_NONE) {
		wl[0] = '\0';
		for (k = 0, len = 0; k < s->argc && len < sizeof(wl); k++)
			len += (size_t)snprintf(wl + len, sizeof(wl) - len,
			    "%s%s", k ? " " : "", s->argv[k]);
		linef(b, "%-*s %s", LABEL_WIDTH, "argv", wl);
	}
	linef(b, "%-*s %s", LABEL_WIDTH, "policy", shown(sn, F_POLICY));
	linef(b, "%-*s %s:%d", LABEL_WIDTH, "defined at",
	    s->file ? s->file : "?", s->line);
	/* An internal service starts no server: none of these apply. */
	if (s->builtin != BUILTIN_NONE)
		;
	else if (s->wait)
		linef(b, "%-*s spawns/min %u", LABEL_WIDTH, "limits",
		    s->max_spawn ? s->max_spawn : opts.spawn_rate);
	else
		linef(b, "%-*s max-child %u, max-cpm %u, max-perip %u, "
		    "spawns/min %u (0: none)", LABEL_WIDTH, "limits",
		    s->max_child, s->max_cpm, s->max_perip, s->max_spawn ?
		    s->max_spawn : opts.spawn_rate);
	linef(b, "%-*s %s", LABEL_WIDTH, "pool", shown(sn, F_POOL));
	linef(b, "%-*s %s", LABEL_WIDTH, "workers", sn->n[F_WORKERS] ?
	    shown(sn, F_WORKERS) : "none");
	sn->shown[F_WORKERS] = true;
	linef(b, "%-*s %s", LABEL_WIDTH, "children", shown(sn, F_CHILDREN));
	for (i = 0; i < NFIELDS; i++)
		if (!sn->shown[i] && !sn->none[i])
			linef(b, "%-*s %s", LABEL_WIDTH, fields[i].key,
			    sn->text[i]);
	free(sn);
	n = field_sessions(ms, kids, CHILDREN_SHOWN);
	if (n == 0) {
		linef(b, "%-*s %s", LABEL_WIDTH, "sessions",
		    s->builtin != BUILTIN_NONE ?
		    "served inside the workers, no process each" : "none");
		return;
	}
	linef(b, "%-*s %zu", LABEL_WIDTH, "sessions", n);
	linef(b, "  %-*s %-*s %s", PID_WIDTH, "PID", PEER_WIDTH, "PEER",
	    "SINCE");
	for (i = 0; i < n; i++) {
		field_peer(&kids[i], addr, sizeof(addr));
		field_time((time_t)kids[i].started_epoch, when, sizeof(when));
		span_str(now > kids[i].started_epoch ?
		    (uint64_t)(now - kids[i].started_epoch) : 0, ago,
		    sizeof(ago));
		linef(b, "  %-*ld %-*s %s (%s)", PID_WIDTH, (long)kids[i].pid,
		    PEER_WIDTH, addr, when, ago);
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
