/* SPDX-License-Identifier: ISC */
/*
 * sinetd -n, the pre-flight: what start-up would refuse or meet, said
 * before it, one line a problem, file:line first. The configuration,
 * every file in the policy directory, and for each line the policy
 * start-up resolves for it, the programs it runs and whether that policy
 * lets them run, and its filters compiled as its workers compile them;
 * and the worker binary, without which nothing serves. -v SERVICE shows
 * how a line's policy came to be.
 */
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "policy.h"
#include "util.h"
#include "workerbin.h"

static const char *
errno_name(int e, char *buf, size_t len)
{
	const char *name = strerrorname_np(e);

	if (name != NULL)
		return name;
	snprintf(buf, len, "%d", e);
	return buf;
}

static const char *
chosen(const struct policy_trace *t)
{
	return t->chosen[0] ? t->chosen : "default.policy (built in)";
}

static bool
compiles(const struct policy *p, bool external, char *msg, size_t len)
{
	struct policy_filter pf, gf;

	if (policy_worker_filters(p, external, (int)getpid(), &pf, &gf, msg,
	    len) == -1)
		return false;
	free(pf.prog);
	free(gf.prog);
	return true;
}

/*
 * The filters a worker of this service would build: where start-up would
 * refuse them, the line to blame, found by asking which change of the
 * policy would let them build: without the calls refused with one errno
 * (the refuse line), or with kill for the action (the action line).
 */
static void
check_filters(const struct service *s, const struct policy *p,
    const struct policy_trace *t, struct errors *err)
{
	static struct policy q;
	bool external = s->builtin == BUILTIN_NONE;
	char msg[256], other[256], e1[16];
	int k, nr;

	if (compiles(p, external, msg, sizeof(msg)))
		return;
	for (k = 0; k < t->nrefuse; k++) {
		q = *p;
		for (nr = 0; nr < POLICY_SYSCALLS_MAX; nr++)
			if (q.refuse_errno[nr] == t->refuse[k].e)
				q.refuse_errno[nr] = 0;
		if (compiles(&q, external, other, sizeof(other))) {
			errors_add(err, "%s: refuse: %s cannot be applied: "
			    "start-up would refuse the filter (%s)",
			    t->refuse[k].at, errno_name(t->refuse[k].e, e1,
				sizeof(e1)), msg);
			return;
		}
	}
	q = *p;
	q.action = ACTION_KILL;
	if (p->action == ACTION_ERRNO && compiles(&q, external, other,
	    sizeof(other))) {
		errors_add(err, "%s: action: errno %s cannot be applied: "
		    "start-up would refuse the filter (%s)", t->action_at[0] ?
		    t->action_at : chosen(t), errno_name(p->action_errno, e1,
			sizeof(e1)), msg);
		return;
	}
	errors_add(err, "%s: start-up would refuse the filter: %s", chosen(t),
	    msg);
}

/*
 * Whether -v's SERVICE names this line: its service field (with or
 * without its address), the name its policy file goes by, its builtin,
 * or the program it serves; "/tcp", "/udp" narrow it.
 */
static bool
shown(const char *sel, const struct service *s)
{
	char copy[512], served[PATH_MAX], *slash;
	const char *want = NULL, *base;
	char both[512];

	if (!str_copy(copy, sel, sizeof(copy)))
		return false;
	if ((slash = strrchr(copy, '/')) != NULL &&
	    (strcmp(slash, "/tcp") == 0 || strcmp(slash, "/udp") == 0)) {
		want = slash + 1;
		*slash = '\0';
	}
	if (want != NULL && (s->family == AF_UNIX ||
	    (s->protocol == IPPROTO_TCP) != (strcmp(want, "tcp") == 0)))
		return false;
	snprintf(both, sizeof(both), "%s:%s", s->host ? s->host : "*",
	    s->name);
	if (strcmp(copy, s->name) == 0 || strcmp(copy, s->policy_name) == 0 ||
	    strcmp(copy, both) == 0 || (s->builtin != BUILTIN_NONE &&
	    strcmp(copy, builtin_name(s->builtin)) == 0))
		return true;
	if (!program_served(s, served, sizeof(served)))
		return false;
	base = strrchr(served, '/') ? strrchr(served, '/') + 1 : served;
	return strcmp(copy, served) == 0 || strcmp(copy, base) == 0;
}

/*
 * A file named after a port number that a TCP and a UDP line of it both
 * read, where /etc/services names the two differently (512: exec over
 * TCP, biff over UDP): two services sharing a policy by accident.
 */
static void
check_shared(struct conf *conf, char **chosen_by, struct errors *err)
{
	const struct service *a, *b;
	const char *base, *na, *nb;
	char name[256];
	size_t i, j;

	for (i = 0; i < conf->nsvc; i++) {
		a = conf->svc[i];
		/* A line's IPv6 half is its IPv4 one: said once a line. */
		if (chosen_by[i] == NULL || a->implied ||
		    !str_is_digits(a->name))
			continue;
		base = strrchr(chosen_by[i], '/') ? strrchr(chosen_by[i], '/') +
		    1 : chosen_by[i];
		if (strncmp(base, a->name, strlen(a->name)) != 0 ||
		    strcmp(base + strlen(a->name), ".policy") != 0)
			continue;
		for (j = 0; j < i; j++) {
			b = conf->svc[j];
			if (chosen_by[j] == NULL ||
			    strcmp(chosen_by[i], chosen_by[j]) != 0 ||
			    a->protocol == b->protocol)
				continue;
			/* getservbyport's answer is overwritten by the next. */
			if ((na = policy_port_name(a)) == NULL ||
			    !str_copy(name, na, sizeof(name)) ||
			    (nb = policy_port_name(b)) == NULL ||
			    strcmp(name, nb) == 0)
				continue;
			na = name;
			errors_add(err, "%s:%d: service: %s is also the policy "
			    "of %s:%d, but %s/%s is %s and %s/%s is %s: name "
			    "the file after each program, or %s.policy and "
			    "%s.policy", a->file, a->line, chosen_by[i],
			    b->file, b->line, a->name, a->proto, na, b->name,
			    b->proto, nb, na, nb);
			break;
		}
	}
}

/* The calls of bits, or with refuse, those refused with that errno. */
static void
show_calls(const char *label, const uint8_t *bits, const struct policy *p,
    int refuse)
{
	char name[64];
	int nr, n = 0;

	printf("%s:", label);
	for (nr = 0; nr < POLICY_SYSCALLS_MAX; nr++)
		if (refuse ? p->refuse_errno[nr] == refuse :
		    policy_bit(bits, nr)) {
			printf(" %s", syscall_name(nr, name, sizeof(name)));
			n++;
		}
	printf("%s\n", n ? "" : " none");
}

/* -v: the policy a line resolves to, and how. */
static void
show(const struct service *s, const struct policy *p,
    const struct policy_trace *t)
{
	static struct policy eff;
	char e1[16], label[64];
	uint32_t i;
	int k;

	printf("service: %s proto=%s (%s:%d)\n", s->name, s->proto, s->file,
	    s->line);
	printf("runs:");
	for (k = 0; k < s->argc; k++)
		printf(" %s", s->argv[k]);
	printf("%s%s\n", s->builtin != BUILTIN_NONE ? " (internal)" : " from ",
	    s->builtin != BUILTIN_NONE ? "" : s->program);
	printf("policy files tried, in order:");
	for (k = 0; k < t->ntried; k++)
		printf(" %s", t->tried[k]);
	printf("%s\n", t->chosen[0] ? "" : " (none there)");
	printf("policy: %s\n", t->chosen[0] ? t->chosen :
	    s->builtin != BUILTIN_NONE ? "internal.policy (built in)" :
	    "default.policy (built in)");
	printf("files read, in order:");
	for (k = 0; k < t->nfiles; k++)
		printf(" %s", t->files[k]);
	printf("%s\n", t->nfiles ? "" : " none (built in)");
	eff = *p;
	if (s->builtin == BUILTIN_NONE)
		policy_add_worker_needs(&eff);
	printf("kind: %s\n", eff.kind == POLICY_ALLOW_LIST ? "allow-list" :
	    eff.kind == POLICY_DENY_LIST ? "deny-list" : "no filter but the "
	    "guard");
	printf("action: %s%s\n", eff.action == ACTION_KILL ? "kill" :
	    eff.action == ACTION_LOG ? "log" : "errno ",
	    eff.action == ACTION_ERRNO ? errno_name(eff.action_errno, e1,
		sizeof(e1)) : "");
	if (eff.kind == POLICY_ALLOW_LIST)
		show_calls("allows", eff.allow, &eff, 0);
	else if (eff.kind == POLICY_DENY_LIST)
		printf("allows: every call libseccomp knows but those denied "
		    "or refused\n");
	if (eff.kind != POLICY_NONE)
		show_calls("denies", eff.deny, &eff, 0);
	for (k = 0; k < POLICY_SYSCALLS_MAX; k++) {
		int j;

		if (eff.refuse_errno[k] == 0)
			continue;
		for (j = 0; j < k && eff.refuse_errno[j] != eff.refuse_errno[k];
		    j++)
			;
		if (j < k)
			continue;
		snprintf(label, sizeof(label), "refuses %s",
		    errno_name(eff.refuse_errno[k], e1, sizeof(e1)));
		show_calls(label, NULL, &eff, eff.refuse_errno[k]);
	}
	for (k = 0; k < t->nexec; k++)
		printf("exec: %s (%s)%s\n", t->exec[k].path, t->exec[k].what,
		    p->npaths == 0 ? ": the policy confines no files" :
		    t->exec[k].added ? ": added to fs-exec" : ": in fs-exec");
	for (i = 0; i < p->npaths; i++)
		printf("fs: %s (%s%s%s)\n", p->paths[i].path,
		    p->paths[i].access & FS_READ ? "read" : "",
		    p->paths[i].access & FS_WRITE ? p->paths[i].access &
		    FS_READ ? ", write" : "write" : "",
		    p->paths[i].access & FS_EXEC ? p->paths[i].access &
		    (FS_READ | FS_WRITE) ? ", exec" : "exec" : "");
}

int
check_main(struct conf *conf, bool user_ok)
{
	struct policy_trace *t = xcalloc(1, sizeof(*t));
	struct policy *p = xcalloc(1, sizeof(*p));
	struct errors err = { 0 }, mine = { 0 };
	char **chosen_by = xcalloc(conf->nsvc + 1, sizeof(*chosen_by));
	char why[PATH_MAX + 160];
	size_t i, nshown = 0;
	int rc, fd;

	errors_append(&err, &conf->err);
	if ((fd = workerbin_open(why, sizeof(why))) == -1)
		errors_add(&err, "%s", why);
	else
		close(fd);
	if (!user_ok)
		errors_add(&err, "-u: unknown user \"%s\"",
		    opts.internal_user ? opts.internal_user : "");
	policy_check_dir(opts.policy_dir, &err);
	hosts_check_only(&err);
	for (i = 0; i < conf->nsvc; i++) {
		const struct service *s = conf->svc[i];
		/* A line's IPv6 half resolves as its IPv4 one: shown once. */
		bool asked = opts.show_service != NULL && !s->implied &&
		    shown(opts.show_service, s);

		memset(t, 0, sizeof(*t));
		if (policy_for_service(opts.policy_dir, s, p, t, &mine) == 0) {
			if (s->builtin == BUILTIN_NONE && t->chosen[0] != '\0')
				chosen_by[i] = xstrdup(t->chosen);
			program_problems(s, p, t, &mine);
			check_filters(s, p, t, &mine);
			if (asked)
				show(s, p, t);
		} else if (asked)
			printf("service: %s proto=%s (%s:%d)\npolicy: %s, "
			    "which has errors\n", s->name, s->proto, s->file,
			    s->line, chosen(t));
		nshown += asked;
		errors_append(&err, &mine);
		errors_free(&mine);
	}
	check_shared(conf, chosen_by, &err);
	for (i = 0; i < conf->nsvc; i++)
		free(chosen_by[i]);
	free(chosen_by);
	if (opts.show_service != NULL && nshown == 0)
		errors_add(&err, "-v %s: no line of %s serves it",
		    opts.show_service, opts.conf_path);
	fflush(stdout);
	for (i = 0; i < err.n; i++)
		fprintf(stderr, "%s\n", err.v[i]);
	if (err.more > 0)
		fprintf(stderr, "... and %zu more errors\n", err.more);
	rc = errors_count(&err) == 0 ? 0 : 1;
	if (rc == 0)
		printf("configuration OK\n");
	errors_free(&err);
	free(t);
	free(p);
	conf_free(conf);
	return rc;
}
