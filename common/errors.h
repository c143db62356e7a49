/* A list of error lines ("file:line: field: reason") a parser collects. */
#ifndef SINETD_ERRORS_H
#define SINETD_ERRORS_H

#include <stddef.h>

struct errors {
	char	**v;
	size_t	  n;
};

void	errors_add(struct errors *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	errors_free(struct errors *);

#endif
