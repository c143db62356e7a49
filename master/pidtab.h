/* SPDX-License-Identifier: ISC */
/*
 * A table of the master's own records, keyed by pid: open addressing
 * with backward-shift deletion (no tombstones, lookups stay short), a
 * power-of-two size the owner grows. Each record begins with its pid_t;
 * a pid of 0 is a free slot.
 */
#ifndef SINETD_PIDTAB_H
#define SINETD_PIDTAB_H

#include <sys/types.h>

#include <stddef.h>

struct pidtab {
	char	*slots;		/* cap records of esize bytes; owned */
	size_t	 esize, cap, used;
};

void	 pidtab_init(struct pidtab *, size_t);
void	*pidtab_get(const struct pidtab *, pid_t);
void	*pidtab_at(const struct pidtab *, size_t);
size_t	 pidtab_index(const struct pidtab *, const void *);
void	 pidtab_put(struct pidtab *, const void *);
void	 pidtab_remove_at(struct pidtab *, size_t);
void	 pidtab_grow(struct pidtab *, size_t);
void	 pidtab_free(struct pidtab *);

#endif
