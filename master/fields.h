/* SPDX-License-Identifier: ISC */
/*
 * What status says about a service, in one table: for each field its
 * name in key=value and in JSON, its type, how it is read from the
 * service, and what it is in the metrics. Every form is rendered from
 * it (report.c: key=value, JSON, the metrics; status.c: the operator's
 * table and long form), looping over the table or naming a field by its
 * id, never by its name: a field renamed cannot drop out of one form,
 * and t/unit/test_fields.c refuses a field that does not say what it is
 * in the metrics.
 *
 * Adding a field is one id in enum field_id and one row in fields[]
 * (fields.c), at the same place, with a reader and its .metric; then
 * key=value, JSON, the long form and the metrics show it (a LABEL joins
 * every series' labels; NOT_METRIC leaves the metrics as they are).
 * Document it in sinetctl(8): t/70-docs.t checks.
 *
 * Every value is read from the master's own records, or from the shared
 * state clamped and checked against them: a worker can scribble on that.
 */
#ifndef SINETD_FIELDS_H
#define SINETD_FIELDS_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "msg.h"

struct buf;
struct msvc;
struct mworker;

/* In the order every form shows them. */
enum field_id {
	F_SERVICE, F_PROTO, F_ADDR, F_TYPE, F_WAIT, F_USER, F_PROGRAM,
	F_STATE, F_UNTIL, F_WHY, F_POLICY, F_POOL, F_WORKERS, F_CHILDREN,
	F_ACCEPTED, F_SPAWNED, F_EXEC_FAILED, F_REFUSED_SUSPENDED,
	F_REFUSED_CPM, F_REFUSED_PERIP, F_REFUSED_ACCESS, F_REFUSED_GUARD,
	F_REFUSED_DISABLED, F_FULL, F_RATE_TRIPS, F_VIOLATIONS,
	NFIELDS
};

enum field_type {
	FT_WORD,	/* as it is ("-" when empty), quoted if it says so */
	FT_TEXT,	/* free text: quoted in key=value */
	FT_FLAG,	/* its yes or no word; in JSON true or false */
	FT_TIME,	/* UTC, RFC 3339 */
	FT_PIDS,	/* a comma list ("-": none); in JSON an array */
	FT_COUNT,	/* a number that goes up and down */
	FT_COUNTER,	/* one that only goes up; in JSON's "counters" */
};

enum metric_kind {
	METRIC_UNSAID,	/* what a row that forgot gets: refused by the test */
	METRIC_NONE,	/* not a metric, for the reason in help */
	METRIC_LABEL,	/* a label of every series, named by the key */
	METRIC_GAUGE,	/* a family of its own */
	METRIC_COUNTER,	/* a family of its own, its name ending _total */
	METRIC_REFUSAL,	/* a series of sinetd_refused_total, reason=name */
};

struct field_metric {
	enum metric_kind kind;
	const char	*name;		/* after sinetd_; a refusal's reason */
	const char	*help;		/* its HELP; for METRIC_NONE, why not */
};

#define FIELD_TEXT_MAX	(sizeof("internal:") + MSG_PROGRAM_MAX)
#define FIELD_YEAR_MAX	9999	/* a time past it is shown as "-" */
#define FIELD_TIME_MAX	sizeof("9999-12-31T23:59:59Z")

/* A service as one status request sees it: read once, so its fields agree. */
struct field_view {
	const struct msvc *ms;
	const char	*state;
	time_t		 until;		/* of a suspension; 0: none */
};

struct field_value {
	bool		 none;		/* not in key=value; JSON: null */
	bool		 quote;		/* a message, not a word: quoted */
	const char	*s;		/* FT_WORD, FT_TEXT, FT_TIME */
	uint64_t	 n;		/* the number; the metric's sample */
	const struct mworker *w;	/* FT_PIDS: those of w[0..nw) running */
	unsigned	 nw;
	char		 text[FIELD_TEXT_MAX];	/* where s may point */
};

struct field {
	const char	*key;		/* key=value, the long form, labels */
	const char	*json;		/* JSON's name where it differs */
	enum field_type	 type;
	const char	*yes, *no;	/* FT_FLAG's words */
	void		(*read)(const struct field_view *,
			    struct field_value *);
	size_t		 off;		/* or, FT_COUNTER: in svc_counters */
	struct field_metric metric;
};
extern const struct field fields[NFIELDS];

void	 field_view(const struct msvc *, struct field_view *);
void	 field_read(enum field_id, const struct field_view *,
	    struct field_value *);
void	 field_put(struct buf *, const struct field *,
	    const struct field_value *, const char *);
const char *field_json_name(const struct field *);
void	 field_time(time_t, char *, size_t);

/* A running child as status shows it: from our records, never the table. */
struct shown_child {
	pid_t		 pid;
	uint8_t		 family;	/* of the peer, 0: unknown */
	uint8_t		 addr[16];
	uint16_t	 port;
	int64_t		 started_epoch;
};
#define CHILDREN_SHOWN	256

size_t	 field_sessions(const struct msvc *, struct shown_child *, size_t);
void	 field_peer(const struct shown_child *, char *, size_t);

#endif
