/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "pidtab.h"
#include "util.h"

static pid_t
pid_at(const struct pidtab *t, size_t i)
{
	pid_t pid;

	memcpy(&pid, t->slots + i * t->esize, sizeof(pid));
	return pid;
}

static size_t
home_of(const struct pidtab *t, pid_t pid)
{
	return ((size_t)(uint32_t)pid * 2654435761u) & (t->cap - 1);
}

void
pidtab_init(struct pidtab *t, size_t esize)
{
	memset(t, 0, sizeof(*t));
	t->esize = esize;
}

void *
pidtab_at(const struct pidtab *t, size_t i)
{
	return t->slots + i * t->esize;
}

size_t
pidtab_index(const struct pidtab *t, const void *rec)
{
	return (size_t)((const char *)rec - t->slots) / t->esize;
}

void *
pidtab_get(const struct pidtab *t, pid_t pid)
{
	size_t i;

	if (t->cap == 0 || pid <= 0)
		return NULL;
	for (i = home_of(t, pid); pid_at(t, i) != 0; i = (i + 1) & (t->cap - 1))
		if (pid_at(t, i) == pid)
			return pidtab_at(t, i);
	return NULL;
}

/* The record for its pid, replaced or added: the caller made room. */
void
pidtab_put(struct pidtab *t, const void *rec)
{
	pid_t pid;
	size_t i;

	memcpy(&pid, rec, sizeof(pid));
	for (i = home_of(t, pid); pid_at(t, i) != 0 && pid_at(t, i) != pid;
	    i = (i + 1) & (t->cap - 1))
		;
	if (pid_at(t, i) == 0)
		t->used++;
	memcpy(pidtab_at(t, i), rec, t->esize);
}

/*
 * Frees slot i and shifts back what follows in its run, so that no
 * lookup stops early; what moved into i is the next to look at.
 */
void
pidtab_remove_at(struct pidtab *t, size_t i)
{
	size_t j = i, k;

	for (;;) {
		memset(pidtab_at(t, i), 0, t->esize);
		for (;;) {
			j = (j + 1) & (t->cap - 1);
			if (pid_at(t, j) == 0) {
				t->used--;
				return;
			}
			k = home_of(t, pid_at(t, j));
			/* Stays if its home lies cyclically in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		memcpy(pidtab_at(t, i), pidtab_at(t, j), t->esize);
		i = j;
	}
}

/* To ncap slots, up or down: a power of two, above what it holds. */
void
pidtab_grow(struct pidtab *t, size_t ncap)
{
	struct pidtab old = *t;
	size_t i;

	t->slots = xcalloc(ncap, t->esize);
	t->cap = ncap;
	t->used = 0;
	for (i = 0; i < old.cap; i++)
		if (pid_at(&old, i) != 0)
			pidtab_put(t, pidtab_at(&old, i));
	free(old.slots);
}

void
pidtab_free(struct pidtab *t)
{
	free(t->slots);
	pidtab_init(t, t->esize);
}
