/* SPDX-License-Identifier: ISC */
/*
 * The policy-file reader: one directive a line, "#" starts a comment,
 * "include" read as if its lines stood in its place (nested up to
 * INCLUDE_DEPTH_MAX, never in a loop), the bounds on a file, and sinetd
 * -n's check of every file of a directory. What each directive means is
 * directive.c's. Errors are "file:line: directive: reason".
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directive.h"
#include "log.h"
#include "policy.h"
#include "util.h"

#define WORDS_MAX	64
/*
 * A service's file, the shipped policy it builds on, and default.policy
 * under that: three levels are the common case; more is a mistake.
 */
#define INCLUDE_DEPTH_MAX	8

/* "file:line: directive: reason", an error of the line being read. */
void
perr(struct pparser *pp, const char *directive, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_addv_at(pp->err, pp->file, pp->line, directive, fmt, ap);
	va_end(ap);
}

static void
trace_file(struct policy_trace *t, const char *path)
{
	if (t != NULL && t->nfiles < POLICY_TRACE_FILES)
		str_copy(t->files[t->nfiles++], path, sizeof(t->files[0]));
}

static int parse_fp(struct pparser *, FILE *);

/*
 * An include that closes a loop: said at the line of the loop's file
 * whose name sorts first, naming the files from there, so the loop reads
 * the same whichever of its files was read first (sinetd -n reads each
 * of them) and is said once.
 */
static void
include_loop(struct pparser *pp, const struct pparser *target)
{
	const struct pparser *ring[INCLUDE_DEPTH_MAX + 2], *q, *at;
	char text[1024];
	size_t n = 0, i, first = 0, len;

	/* ring[i] includes ring[i + 1]; the last includes ring[0]. */
	for (q = pp; q != NULL && n < ARRAY_LEN(ring); q = q->up) {
		ring[n++] = q;
		if (q == target)
			break;
	}
	for (i = 0; i < n / 2; i++) {
		q = ring[i];
		ring[i] = ring[n - 1 - i];
		ring[n - 1 - i] = q;
	}
	for (i = 1; i < n; i++)
		if (strcmp(ring[i]->file, ring[first]->file) < 0)
			first = i;
	len = 0;
	text[0] = '\0';
	for (i = 0; i <= n; i++) {
		q = ring[(first + i) % n];
		len += (size_t)snprintf(text + len, len < sizeof(text) ?
		    sizeof(text) - len : 0, "%s%s", i ? " includes " : "",
		    q->file);
		if (len >= sizeof(text))
			break;
	}
	at = ring[first];
	errors_add(pp->err, "%s:%d: include: include loop: %s", at->file,
	    at->line, text);
}

static void
do_include(struct pparser *pp, char **w, int n)
{
	struct pparser sub, *q;
	char path[PATH_MAX];
	uint64_t caps, root;
	struct stat sb = { 0 };
	const char *why;
	FILE *fp;

	if (n != 1) {
		perr(pp, "include", "expected one file");
		return;
	}
	if (pp->no_include) {
		perr(pp, "include", "a built-in policy includes nothing");
		return;
	}
	if (pp->depth >= INCLUDE_DEPTH_MAX) {
		perr(pp, "include", "include nested too deep (more than %d "
		    "levels)", INCLUDE_DEPTH_MAX);
		return;
	}
	if (strchr(w[0], '/') != NULL)
		snprintf(path, sizeof(path), "%s", w[0]);
	else
		snprintf(path, sizeof(path), "%s/%s", pp->dir, w[0]);
	if ((fp = file_open_config(path, &why)) == NULL) {
		if (why != NULL)
			perr(pp, "include", "%s: %s", path, why);
		else
			perr(pp, "include", "cannot open %s: %s", path,
			    strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &sb) == 0)
		for (q = pp; q != NULL; q = q->up)
			if (q->dev == sb.st_dev && q->ino == sb.st_ino) {
				include_loop(pp, q);
				fclose(fp);
				return;
			}
	sub = *pp;
	sub.file = path;
	sub.line = 0;
	sub.depth = pp->depth + 1;
	sub.dev = sb.st_dev;
	sub.ino = sb.st_ino;
	sub.up = pp;
	sub.included_caps = sub.included_root = NULL;
	caps = pp->p->caps;
	root = pp->p->root_caps;
	trace_file(pp->trace, path);
	parse_fp(&sub, fp);
	fclose(fp);
	pp->saw_syscalls = sub.saw_syscalls;
	pp->saw_deny = sub.saw_deny;
	if (pp->p->caps != caps)
		pp->included_caps = &pp->p->caps;
	if (pp->p->root_caps != root)
		pp->included_root = &pp->p->root_caps;
}

static int
parse_fp(struct pparser *pp, FILE *fp)
{
	char *buf = NULL, *s, *hash, *w[WORDS_MAX];
	const char *over = NULL;
	size_t cap = 0;
	ssize_t len;
	off_t bytes = 0;
	int n;

	while ((len = getline(&buf, &cap, fp)) != -1) {
		pp->line++;
		/* As inetd.conf: bounded, and refused as a whole past it. */
		bytes += len;
		if (bytes > CONF_BYTES_MAX)
			over = "larger than " CONF_STR(CONF_BYTES_MAX) " bytes";
		else if (pp->line > CONF_LINES_MAX)
			over = "more than " CONF_STR(CONF_LINES_MAX) " lines";
		if (over != NULL) {
			errors_truncate(pp->err, pp->nerr0);
			errors_add(pp->err, "%s: %s", pp->file, over);
			break;
		}
		if (strlen(buf) != (size_t)len) {
			perr(pp, "line", "contains a NUL byte");
			continue;
		}
		if ((hash = strchr(buf, '#')) != NULL)
			*hash = '\0';
		n = 0;
		for (s = strtok(buf, " \t\r\n"); s != NULL;
		    s = strtok(NULL, " \t\r\n")) {
			if (n == WORDS_MAX) {
				perr(pp, w[0], "more than %d words on a line",
				    WORDS_MAX - 1);
				break;
			}
			w[n++] = s;
		}
		if (n > 0 && n <= WORDS_MAX && strcmp(w[0], "include") == 0)
			do_include(pp, w + 1, n - 1);
		else if (n > 0 && n <= WORDS_MAX)
			directive_apply(pp, w, n);
	}
	free(buf);
	return 0;
}

/*
 * Parses FILE (a path, shown as is in errors); includes are looked up in
 * dir. With a ceiling (an internal service's built-in policy), anything
 * wider is an error of its line. With a trace, the files read and where
 * the lines a later check may blame stand. Returns -1 if it added errors.
 */
int
policy_parse_traced(const char *dir, const char *file,
    const struct policy *ceiling, struct policy *p,
    struct policy_trace *trace, struct errors *err)
{
	struct pparser pp = { .dir = dir, .file = file, .p = p, .err = err,
		.nerr0 = errors_count(err), .ceiling = ceiling,
		.trace = trace };
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	const char *why;
	struct stat sb;
	FILE *fp;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%.*s",
	    (int)(strcspn(base, ".")), base);
	errors_begin_file(err);
	if ((fp = file_open_config(file, &why)) == NULL) {
		if (why != NULL)
			errors_add(err, "%s: %s", file, why);
		else
			errors_add(err, "%s: cannot open: %s", file,
			    strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &sb) == 0) {
		pp.dev = sb.st_dev;
		pp.ino = sb.st_ino;
	}
	trace_file(trace, file);
	parse_fp(&pp, fp);
	fclose(fp);
	directive_finish(&pp);
	return errors_count(err) == pp.nerr0 ? 0 : -1;
}

int
policy_parse_file(const char *dir, const char *file,
    const struct policy *ceiling, struct policy *p, struct errors *err)
{
	return policy_parse_traced(dir, file, ceiling, p, NULL, err);
}

/* The same, from text built into the binary. */
int
policy_parse_text(const char *label, const char *text, struct policy *p,
    struct errors *err)
{
	struct pparser pp = { .dir = "/nonexistent", .file = label, .p = p,
		.err = err, .nerr0 = errors_count(err), .no_include = true };
	FILE *fp = fmemopen((void *)text, strlen(text), "r");

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%.*s",
	    (int)(strcspn(label, ".")), label);
	if (fp == NULL)
		fatal("fmemopen");
	parse_fp(&pp, fp);
	fclose(fp);
	directive_finish(&pp);
	return errors_count(err) == pp.nerr0 ? 0 : -1;
}

/* sinetd -n: every file in the directory, used or not. */
int
policy_check_dir(const char *dir, struct errors *err)
{
	struct policy p, internal;
	struct errors mine = { 0 };
	struct dirent *de;
	char path[PATH_MAX];
	size_t nerr0 = errors_count(err), len;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			errors_add(err, "%s: %s", dir, strerror(errno));
		return errors_count(err) == nerr0 ? 0 : -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 7 || strcmp(de->d_name + len - 7, ".policy") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		de->d_name[len - 7] = '\0';
		policy_internal(&internal);
		/* A file two others include is the same error, said once. */
		policy_parse_file(dir, path,
		    builtin_lookup(de->d_name) != BUILTIN_NONE ? &internal :
		    NULL, &p, &mine);
		errors_append(err, &mine);
		errors_free(&mine);
	}
	closedir(d);
	return errors_count(err) == nerr0 ? 0 : -1;
}
