/* SPDX-License-Identifier: ISC */
/* The status an operator reads, which report.c hands the human form to. */
#ifndef SINETD_STATUS_H
#define SINETD_STATUS_H

#include <stdbool.h>
#include <stddef.h>

struct buf;
struct msvc;

void	 status_human(struct buf *, struct msvc **, size_t, bool);

#endif
