/* SPDX-License-Identifier: ISC */
/* The little TAP the unit tests print: one "ok N - what" a check. */
#ifndef SINETD_TAP_H
#define SINETD_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int test_num, failures;

static bool __attribute__((format(printf, 2, 3)))
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++test_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failures++;
	return cond;
}

#endif
