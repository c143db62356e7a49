/* SPDX-License-Identifier: ISC */
/* A list of error lines ("file:line: field: reason") a parser collects. */
#ifndef SINETD_ERRORS_H
#define SINETD_ERRORS_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Only the first ERRORS_KEPT of each file are kept; the rest are counted:
 * a file of a million bad lines costs a million lines of log and its
 * memory otherwise. Per file, so that one file of garbage does not hide
 * the errors of the next.
 */
#define ERRORS_KEPT	20

struct errors {
	char	**v;		/* the first ones, n of them */
	size_t	  n;
	size_t	  more;		/* added past ERRORS_KEPT, counted only */
	size_t	  mark;		/* v[mark] is the current file's first */
};

void	errors_add(struct errors *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	errors_addv_at(struct errors *, const char *, long, const char *,
	    const char *, va_list) __attribute__((format(printf, 5, 0)));
void	errors_begin_file(struct errors *);
void	errors_append(struct errors *, const struct errors *);
size_t	errors_count(const struct errors *);
void	errors_truncate(struct errors *, size_t);
void	errors_free(struct errors *);

#endif
