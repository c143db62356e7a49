/* SPDX-License-Identifier: ISC */
/*
 * The one table of status fields (master/fields.c): every row says what
 * it is in the metrics, names are unique, every counter of the shared
 * state has its row; then a service with a distinct value in each
 * counter, rendered as key=value, JSON and metrics, shows every field
 * with its own value in each. Prints TAP.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fields.h"
#include "master.h"
#include "policy.h"
#include "svcstate.h"
#include "tap.h"
#include "util.h"

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* " key=value" in a key=value line, as a whole word. */
static bool
kv_has(const char *line, const char *key, size_t value)
{
	char want[128];
	const char *p;
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), " %s=%zu", key, value);
	for (p = line; (p = strstr(p, want)) != NULL; p++)
		if (p[n] == ' ' || p[n] == '\n')
			return true;
	return false;
}

/*
 * A sample of family name of the fixture's service (and reason, if
 * given) in the metrics, whatever other labels the table adds; its
 * value, or any if value is NULL.
 */
static bool
series_has(const char *text, const char *name, const char *reason,
    const char *value)
{
	char head[128], lab[128], tail[64];
	const char *p, *end;

	snprintf(head, sizeof(head), "\nsinetd_%s{", name);
	snprintf(lab, sizeof(lab), "reason=\"%s\"", reason ? reason : "");
	snprintf(tail, sizeof(tail), "} %s", value ? value : "");
	for (p = text; (p = strstr(p, head)) != NULL; p = end) {
		if ((end = strchr(p + 1, '\n')) == NULL)
			end = p + strlen(p);
		if (memmem(p, (size_t)(end - p), "service=\"echo\"", 14) ==
		    NULL || memmem(p, (size_t)(end - p), "addr=\"127.0.0.1:7\"",
		    18) == NULL)
			continue;
		if (reason != NULL && memmem(p, (size_t)(end - p), lab,
		    strlen(lab)) == NULL)
			continue;
		if (value == NULL ? memmem(p, (size_t)(end - p), "} ", 2) !=
		    NULL : (size_t)(end - p) > strlen(tail) &&
		    memcmp(end - strlen(tail), tail, strlen(tail)) == 0)
			return true;
	}
	return false;
}

static bool
has(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* What each row must say, whatever it is. */
static void
check_rows(void)
{
	size_t i, k, same, metric;

	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];
		const struct field_metric *m = &f->metric;
		const char *key = f->key ? f->key : "(no key)";

		ok(has(f->key), "field %zu has a key", i);
		ok(m->kind != METRIC_UNSAID, "%s says what it is in the "
		    "metrics (a family, a refusal, a label, or NOT_METRIC)",
		    key);
		switch (m->kind) {
		case METRIC_UNSAID:
			break;
		case METRIC_NONE:
			ok(has(m->help), "%s: not a metric, and why", key);
			break;
		case METRIC_LABEL:
			ok(f->type == FT_WORD, "%s: a label is a word", key);
			break;
		case METRIC_GAUGE:
		case METRIC_COUNTER:
			ok(has(m->name) && has(m->help),
			    "%s: its family has a name and a HELP", key);
			ok(ends_with(m->name, "_total") ==
			    (m->kind == METRIC_COUNTER),
			    "%s: %s ends _total if and only if a counter", key,
			    m->name);
			break;
		case METRIC_REFUSAL:
			ok(has(m->name), "%s: a refusal has a reason", key);
			break;
		}
		ok((f->type == FT_COUNTER) == (m->kind == METRIC_COUNTER ||
		    m->kind == METRIC_REFUSAL),
		    "%s: counted in the shared state exactly when a counter "
		    "in the metrics", key);
		ok((f->read == NULL) == (f->type == FT_COUNTER),
		    "%s: a reader, or (a counter) an offset", key);
		if (f->type == FT_FLAG)
			ok(has(f->yes) && has(f->no), "%s: its words", key);
		for (k = 0, same = 0, metric = 0; k < NFIELDS; k++) {
			const struct field *g = &fields[k];

			if (k == i || f->key == NULL || g->key == NULL)
				continue;
			same += strcmp(f->key, g->key) == 0 ||
			    strcmp(field_json_name(f), field_json_name(g)) == 0;
			metric += m->name != NULL && g->metric.name != NULL &&
			    (m->kind == METRIC_REFUSAL) ==
			    (g->metric.kind == METRIC_REFUSAL) &&
			    strcmp(m->name, g->metric.name) == 0;
		}
		ok(same == 0, "%s: a key and a JSON name of its own", key);
		ok(metric == 0, "%s: a metric of its own", key);
		/* Names report.c gives its own JSON members. */
		ok(strcmp(field_json_name(f), "counters") != 0 &&
		    strcmp(field_json_name(f), "children") != 0,
		    "%s: JSON name not one report.c uses", key);
	}
}

/* Each counter of struct svc_counters belongs to exactly one row. */
static void
check_counters(void)
{
	size_t off, i, n;

	for (off = 0; off < sizeof(struct svc_counters);
	    off += sizeof(uint64_t)) {
		for (i = 0, n = 0; i < NFIELDS; i++)
			n += fields[i].type == FT_COUNTER &&
			    fields[i].off == off;
		ok(n == 1, "the counter at offset %zu has one row (%zu)", off,
		    n);
	}
}

/* A service of ours: internal echo, its counters 101, 102, …. */
static struct msvc *
fixture(void)
{
	static struct service svc;
	static struct policy pol;
	struct msvc *ms = xcalloc(1, sizeof(*ms));
	struct sockaddr_in *sin = &svc.addr.sin;
	size_t i;

	svc.name = "echo";
	svc.proto = "tcp";
	svc.socktype = SOCK_STREAM;
	svc.family = AF_INET;
	svc.protocol = IPPROTO_TCP;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(7);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	svc.addrlen = sizeof(*sin);
	svc.user = "nobody";
	svc.builtin = BUILTIN_ECHO;
	svc.policy_name = "echo";
	snprintf(pol.name, sizeof(pol.name), "internal");
	ms->svc = &svc;
	ms->policy = &pol;
	ms->status = MSVC_LISTENING;
	ms->shared = xcalloc(1, sizeof(*ms->shared));
	for (i = 0; i < NFIELDS; i++)
		if (fields[i].type == FT_COUNTER)
			*(uint64_t *)(void *)((char *)&ms->shared->c +
			    fields[i].off) = 100 + i;
	return ms;
}

static void
check_forms(void)
{
	struct msvc *ms = fixture();
	struct buf kv = { 0 }, js = { 0 }, pm = { 0 };
	char want[256];
	size_t i;

	report_status(&kv, REPORT_KV, &ms, 1, false);
	report_status(&js, REPORT_JSON, &ms, 1, false);
	report_metrics(&pm, &ms, 1);
	ok(kv.p && js.p && pm.p, "every form says something");
	if (!kv.p || !js.p || !pm.p)
		return;
	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];
		const struct field_metric *m = &f->metric;

		if (f->key == NULL)
			continue;
		if (i == F_UNTIL || i == F_WHY)
			continue;	/* none while it listens */
		snprintf(want, sizeof(want), "%s%s=", i ? " " : "", f->key);
		ok(strstr(kv.p, want) != NULL, "key=value has %s", want);
		snprintf(want, sizeof(want), "\"%s\":", field_json_name(f));
		ok(strstr(js.p, want) != NULL, "JSON has %s", want);
		if (f->type == FT_COUNTER) {
			ok(kv_has(kv.p, f->key, 100 + i),
			    "key=value has %s=%zu: its own counter", f->key,
			    100 + i);
			snprintf(want, sizeof(want), "\"%s\":%zu",
			    field_json_name(f), 100 + i);
			ok(strstr(js.p, want) != NULL, "JSON has %s", want);
		}
		switch (m->kind) {
		case METRIC_GAUGE:
		case METRIC_COUNTER:
			snprintf(want, sizeof(want), "# TYPE sinetd_%s %s\n",
			    m->name, m->kind == METRIC_GAUGE ? "gauge" :
			    "counter");
			ok(strstr(pm.p, want) != NULL, "metrics: %.*s",
			    (int)strlen(want) - 1, want);
			ok(series_has(pm.p, m->name, NULL, NULL),
			    "metrics: sinetd_%s has the service's series",
			    m->name);
			snprintf(want, sizeof(want), "%zu", 100 + i);
			if (f->type == FT_COUNTER)
				ok(series_has(pm.p, m->name, NULL, want),
				    "metrics: sinetd_%s is %s's counter",
				    m->name, f->key);
			break;
		case METRIC_REFUSAL:
			snprintf(want, sizeof(want), "%zu", 100 + i);
			ok(series_has(pm.p, "refused_total", m->name, want),
			    "metrics: %s is refused_total{reason=\"%s\"}",
			    f->key, m->name);
			break;
		default:
			break;
		}
	}
	free(kv.p);
	free(js.p);
	free(pm.p);
	free(ms->shared);
	free(ms);
}

/* A program path of any length the worker can be given, shown whole. */
static void
check_long_program(void)
{
	struct msvc *ms = fixture();
	struct service *svc = ms->svc;
	struct buf kv = { 0 }, js = { 0 };
	char path[MSG_PROGRAM_MAX], want[MSG_PROGRAM_MAX + 16];

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	svc->builtin = BUILTIN_NONE;
	svc->program = path;
	report_status(&kv, REPORT_KV, &ms, 1, false);
	report_status(&js, REPORT_JSON, &ms, 1, false);
	snprintf(want, sizeof(want), " program=\"%s\" ", path);
	ok(kv.p && strstr(kv.p, want) != NULL,
	    "key=value: a program of %zu bytes, whole", strlen(path));
	snprintf(want, sizeof(want), "\"program\":\"%s\",", path);
	ok(js.p && strstr(js.p, want) != NULL,
	    "JSON: a program of %zu bytes, whole", strlen(path));
	svc->builtin = BUILTIN_ECHO;
	free(kv.p);
	free(js.p);
	free(ms->shared);
	free(ms);
}

int
main(void)
{
	check_rows();
	check_counters();
	check_forms();
	check_long_program();
	printf("1..%d\n", test_num);
	return failures != 0;
}
