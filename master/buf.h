/* SPDX-License-Identifier: ISC */
/*
 * A growable string that the master's replies are written into, and the
 * two escapes they need: a JSON string and a Prometheus label value.
 */
#ifndef SINETD_BUF_H
#define SINETD_BUF_H

#include <stddef.h>

struct buf {
	char		*p;		/* owned: its holder frees it */
	size_t		 len, cap;
};

void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_json(struct buf *, const char *);
void	 buf_label(struct buf *, const char *);

#endif
