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

void
errors_free(struct errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}
