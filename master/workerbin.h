/* SPDX-License-Identifier: ISC */
/* Where the master finds sinetd-worker (workerbin.c). */
#ifndef SINETD_WORKERBIN_H
#define SINETD_WORKERBIN_H

#include <stddef.h>

const char *workerbin_path(void);
int	 workerbin_open(char *, size_t);

#endif
