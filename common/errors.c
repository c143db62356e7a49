/* SPDX-License-Identifier: ISC */
/* A list of error lines ("file:line: field: reason") a parser collects. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "util.h"

void
errors_add(struct errors *e, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (e->n - e->mark >= ERRORS_KEPT) {
		e->more++;
		return;
	}
	e->v = xreallocarray(e->v, e->n + 1, sizeof(*e->v));
	va_start(ap, fmt);
	if (vasprintf(&e->v[e->n], fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	/*
	 * A message quotes what a file said, and files can hold anything:
	 * no control character reaches a terminal or a log from here.
	 */
	for (p = e->v[e->n]; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	e->n++;
}

/* The errors added from now on are another file's. */
void
errors_begin_file(struct errors *e)
{
	e->mark = e->n;
}

/*
 * Adds src's errors to dst, but none dst already has: the same file read
 * twice (once by the check of the policy directory, once for the service
 * that uses it) is the same error, said once.
 */
void
errors_append(struct errors *dst, const struct errors *src)
{
	size_t i, j;

	errors_begin_file(dst);
	for (i = 0; i < src->n; i++) {
		for (j = 0; j < dst->n; j++)
			if (strcmp(dst->v[j], src->v[i]) == 0)
				break;
		if (j == dst->n)
			errors_add(dst, "%s", src->v[i]);
	}
	dst->more += src->more;
}

/* Every error added, kept or only counted: what tells success. */
size_t
errors_count(const struct errors *e)
{
	return e->n + e->more;
}

/* Back to the first count errors, as if the later ones were never added. */
void
errors_truncate(struct errors *e, size_t count)
{
	if (count >= errors_count(e))
		return;
	if (count >= e->n) {
		e->more = count - e->n;
		return;
	}
	while (e->n > count)
		free(e->v[--e->n]);
	e->more = 0;
	if (e->mark > e->n)
		e->mark = e->n;
}

void
errors_free(struct errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* "file:line: field: reason": the form every parser's errors take. */
void
errors_addv_at(struct errors *e, const char *file, long line,
    const char *field, const char *fmt, va_list ap)
{
	char reason[512];

	vsnprintf(reason, sizeof(reason), fmt, ap);
	errors_add(e, "%s:%ld: %s: %s", file, line, field, reason);
}
