/* SPDX-License-Identifier: ISC */
/*
 * The forms of what sinetctl is told that programs read: status as
 * key=value lines or JSON, and the counters in the Prometheus text
 * format. Each is one loop over the table of fields (fields.h); the
 * operator's form is status.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fields.h"
#include "log.h"
#include "master.h"
#include "status.h"
#include "util.h"

/* log_quote's worst case: every byte escaped, two quotes, the NUL. */
#define QUOTED_MAX	(2 * FIELD_TEXT_MAX + 3)

/* The JSON form's: a change a reader must know of is a new one. */
#define STATUS_JSON_VERSION	1

/* The family every METRIC_REFUSAL field is a series of. */
#define REFUSED_FAMILY	"refused_total"
#define REFUSED_HELP	"Connections refused, by reason."

static void
status_kv(struct buf *b, const struct msvc *ms, bool children)
{
	struct shown_child kids[CHILDREN_SHOWN];
	struct field_view fv;
	struct field_value v;
	char peer[ADDR_STR_MAX], when[FIELD_TIME_MAX], quoted[QUOTED_MAX];
	const char *sep = "";
	size_t i, n;

	field_view(ms, &fv);
	for (i = 0; i < NFIELDS; i++) {
		field_read(i, &fv, &v);
		if (v.none)
			continue;
		buf_printf(b, "%s%s=", sep, fields[i].key);
		sep = " ";
		if (fields[i].type == FT_TEXT || v.quote)
			buf_printf(b, "%s", log_quote(v.s, quoted,
			    sizeof(quoted)));
		else
			field_put(b, &fields[i], &v, ",");
	}
	buf_printf(b, "\n");
	if (!children)
		return;
	n = field_sessions(ms, kids, CHILDREN_SHOWN);
	for (i = 0; i < n; i++) {
		field_peer(&kids[i], peer, sizeof(peer));
		field_time((time_t)kids[i].started_epoch, when, sizeof(when));
		buf_printf(b, "  child pid=%ld peer=%s started=%s\n",
		    (long)kids[i].pid, peer, when);
	}
}

static void
json_value(struct buf *b, const struct field *f, const struct field_value *v)
{
	unsigned i, k;

	if (v->none) {
		buf_printf(b, "null");
		return;
	}
	switch (f->type) {
	case FT_WORD:
	case FT_TEXT:
	case FT_TIME:
		buf_json(b, v->s);
		break;
	case FT_FLAG:
		buf_printf(b, "%s", v->n ? "true" : "false");
		break;
	case FT_PIDS:
		buf_printf(b, "[");
		for (i = 0, k = 0; i < v->nw; i++)
			if (v->w[i].pid != WORKER_NOT_RUNNING)
				buf_printf(b, "%s%ld", k++ ? "," : "",
				    (long)v->w[i].pid);
		buf_printf(b, "]");
		break;
	case FT_COUNT:
	case FT_COUNTER:
		buf_printf(b, "%llu", (unsigned long long)v->n);
		break;
	}
}

/* The fields in the order of the table; the counters in an object. */
static void
status_json(struct buf *b, const struct msvc *ms, bool children)
{
	struct shown_child kids[CHILDREN_SHOWN];
	struct field_view fv;
	struct field_value v;
	char peer[ADDR_STR_MAX], when[FIELD_TIME_MAX];
	size_t i, n, k;

	field_view(ms, &fv);
	buf_printf(b, "{");
	for (i = 0, k = 0; i < NFIELDS; i++) {
		if (fields[i].type == FT_COUNTER)
			continue;
		field_read(i, &fv, &v);
		buf_printf(b, "%s\"%s\":", k++ ? "," : "",
		    field_json_name(&fields[i]));
		json_value(b, &fields[i], &v);
	}
	buf_printf(b, ",\"counters\":{");
	for (i = 0, k = 0; i < NFIELDS; i++) {
		if (fields[i].type != FT_COUNTER)
			continue;
		field_read(i, &fv, &v);
		buf_printf(b, "%s\"%s\":", k++ ? "," : "",
		    field_json_name(&fields[i]));
		json_value(b, &fields[i], &v);
	}
	buf_printf(b, "}");
	if (children) {
		buf_printf(b, ",\"children\":[");
		n = field_sessions(ms, kids, CHILDREN_SHOWN);
		for (i = 0; i < n; i++) {
			field_peer(&kids[i], peer, sizeof(peer));
			field_time((time_t)kids[i].started_epoch, when,
			    sizeof(when));
			buf_printf(b, "%s{\"pid\":%ld,\"peer\":", i ? "," : "",
			    (long)kids[i].pid);
			buf_json(b, peer);
			buf_printf(b, ",\"started\":\"%s\"}", when);
		}
		buf_printf(b, "]");
	}
	buf_printf(b, "}");
}

void
report_status(struct buf *b, enum report_form form, struct msvc **list,
    size_t n, bool children)
{
	char when[FIELD_TIME_MAX] = "never";
	time_t at;
	const char *result = reload_last(&at);
	size_t i;

	if (form == REPORT_HUMAN) {
		status_human(b, list, n, children);
		return;
	}
	if (at)
		field_time(at, when, sizeof(when));
	if (form == REPORT_JSON) {
		buf_printf(b, "{\"version\":%d,\"pid\":%ld,\"reload\":"
		    "{\"at\":", STATUS_JSON_VERSION, (long)getpid());
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
		status_kv(b, list[i], children);
	buf_printf(b, "reload at=%s result=\"%s\"\n", when, result);
}

static void
metric_head(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP sinetd_%s %s\n# TYPE sinetd_%s %s\n", name, help,
	    name, type);
}

/* Every series of a service is labelled so: its METRIC_LABEL fields. */
static void
labels_of(struct buf *b, const struct field_view *fv)
{
	struct field_value v;
	size_t i, k;

	for (i = 0, k = 0; i < NFIELDS; i++) {
		if (fields[i].metric.kind != METRIC_LABEL)
			continue;
		field_read(i, fv, &v);
		buf_printf(b, "%s%s=\"", k++ ? "," : "", fields[i].key);
		buf_label(b, v.s);
		buf_printf(b, "\"");
	}
}

static void
series(struct buf *b, const char *name, const char *labels,
    const char *reason, uint64_t n)
{
	buf_printf(b, "sinetd_%s{%s", name, labels);
	if (reason != NULL)
		buf_printf(b, ",reason=\"%s\"", reason);
	buf_printf(b, "} %llu\n", (unsigned long long)n);
}

/*
 * The Prometheus text exposition format: the families of their own in
 * the table's order, then the refusals, one family of them all. Each
 * service is looked at once, so that its families agree.
 */
void
report_metrics(struct buf *b, struct msvc **all, size_t n)
{
	struct field_view *fv = xcalloc(n ? n : 1, sizeof(*fv));
	struct buf *labels = xcalloc(n ? n : 1, sizeof(*labels));
	struct field_value v;
	const struct field_metric *m;
	size_t i, k;

	for (i = 0; i < n; i++) {
		field_view(all[i], &fv[i]);
		labels_of(&labels[i], &fv[i]);
		if (labels[i].p == NULL)
			buf_printf(&labels[i], "%s", "");
	}
	for (k = 0; k < NFIELDS; k++) {
		m = &fields[k].metric;
		if (m->kind != METRIC_GAUGE && m->kind != METRIC_COUNTER)
			continue;
		metric_head(b, m->name, m->kind == METRIC_GAUGE ? "gauge" :
		    "counter", m->help);
		for (i = 0; i < n; i++) {
			field_read(k, &fv[i], &v);
			series(b, m->name, labels[i].p, NULL, v.n);
		}
	}
	metric_head(b, REFUSED_FAMILY, "counter", REFUSED_HELP);
	for (i = 0; i < n; i++)
		for (k = 0; k < NFIELDS; k++) {
			m = &fields[k].metric;
			if (m->kind != METRIC_REFUSAL)
				continue;
			field_read(k, &fv[i], &v);
			series(b, REFUSED_FAMILY, labels[i].p, m->name, v.n);
		}
	metric_head(b, "reloads_total", "counter", "Reloads, by result.");
	buf_printf(b, "sinetd_reloads_total{result=\"done\"} %llu\n",
	    (unsigned long long)reload_count(true));
	buf_printf(b, "sinetd_reloads_total{result=\"refused\"} %llu\n",
	    (unsigned long long)reload_count(false));
	for (i = 0; i < n; i++)
		free(labels[i].p);
	free(labels);
	free(fv);
}
