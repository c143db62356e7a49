/* SPDX-License-Identifier: ISC */
/*
 * The state of one service that outlives its workers, in a sealed memfd
 * the master owns and each worker of the service maps.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "svcstate.h"

size_t
svcstate_size(uint32_t nslots)
{
	size_t len = sizeof(struct svcstate) +
	    (size_t)nslots * sizeof(struct svc_child);
	size_t page = 4096;

	return (len + page - 1) / page * page;
}

/*
 * Returns the memfd (close-on-exec) and maps it at *out. Its size is
 * sealed, so no worker can shrink it under the master and make a read
 * fault.
 */
int
svcstate_create(uint32_t nslots, struct svcstate **out)
{
	pthread_mutexattr_t ma;
	struct svcstate *st;
	size_t len = svcstate_size(nslots);
	int fd, saved;

	fd = memfd_create("sinetd-service", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd == -1)
		return -1;
	if (ftruncate(fd, (off_t)len) == -1 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL) == -1)
		goto fail;
	st = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (st == MAP_FAILED)
		goto fail;
	st->magic = SVCSTATE_MAGIC;
	st->nslots = nslots;
	if (pthread_mutexattr_init(&ma) != 0 ||
	    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&st->lock, &ma) != 0) {
		munmap(st, len);
		errno = EINVAL;
		goto fail;
	}
	pthread_mutexattr_destroy(&ma);
	*out = st;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* A worker's view: the size must be the one the master announced. */
struct svcstate *
svcstate_map(int fd, uint32_t nslots)
{
	struct svcstate *st;
	struct stat sb;
	size_t len = svcstate_size(nslots);

	if (fstat(fd, &sb) == -1)
		return NULL;
	if ((size_t)sb.st_size != len) {
		errno = EINVAL;
		return NULL;
	}
	st = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (st == MAP_FAILED)
		return NULL;
	if (st->magic != SVCSTATE_MAGIC || st->nslots != nslots) {
		munmap(st, len);
		errno = EINVAL;
		return NULL;
	}
	return st;
}

/* nslots: the caller's own idea of the size, never the shared copy. */
void
svcstate_unmap(struct svcstate *st, uint32_t nslots)
{
	if (st != NULL)
		munmap(st, svcstate_size(nslots));
}

/* A holder that died mid-update leaves counters, not a deadlock. */
int
svcstate_lock(struct svcstate *st)
{
	int rc = pthread_mutex_lock(&st->lock);

	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(&st->lock);
	return rc == 0 ? 0 : -1;
}

void
svcstate_unlock(struct svcstate *st)
{
	pthread_mutex_unlock(&st->lock);
}

/* A shared count, read once, never above what the reader knows is true. */
uint32_t
svcstate_load_clamped(const uint32_t *p, uint32_t most)
{
	uint32_t v = __atomic_load_n(p, __ATOMIC_RELAXED);

	return v < most ? v : most;
}

/* One fewer child, never below none, whoever else changes it meanwhile. */
static void
nchildren_dec(struct svcstate *st)
{
	uint32_t n = __atomic_load_n(&st->nchildren, __ATOMIC_RELAXED);

	while (n > 0 && !__atomic_compare_exchange_n(&st->nchildren, &n, n - 1,
	    false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void
atomic_dec_floor(uint32_t *v)
{
	uint32_t n = __atomic_load_n(v, __ATOMIC_RELAXED);

	while (n > 0 && !__atomic_compare_exchange_n(v, &n, n - 1, false,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* A child that ended: its source counts one fewer (never below none). */
static void
source_live_dec(struct svcstate *st, uint8_t family, uint16_t source)
{
	if (source >= 1 && source <= SVCSTATE_SOURCES)
		atomic_dec_floor(&st->sources[source - 1].live);
	else if (family != 0)
		atomic_dec_floor(&st->unplaced);
}

/*
 * Frees a slot; the caller (a worker) holds the lock. nslots is the
 * caller's own idea of the table size, never the shared copy, and hwm is
 * clamped to it: a sibling may have scribbled.
 */
void
svcstate_release_slot(struct svcstate *st, uint32_t nslots, uint32_t slot)
{
	uint32_t hwm = svcstate_load_clamped(&st->hwm, nslots);

	if (slot >= nslots)
		return;
	source_live_dec(st, st->children[slot].family,
	    st->children[slot].source);
	memset(&st->children[slot], 0, sizeof(st->children[slot]));
	nchildren_dec(st);
	while (hwm > 0 && __atomic_load_n(&st->children[hwm - 1].pid,
	    __ATOMIC_RELAXED) == SVC_CHILD_FREE)
		hwm--;
	__atomic_store_n(&st->hwm, hwm, __ATOMIC_RELAXED);
}

/*
 * Frees the slot of a child that ended, as svcstate_release_slot. Returns
 * the slot, or -1 if the pid is not in the table.
 */
int
svcstate_release(struct svcstate *st, uint32_t nslots, int32_t pid)
{
	uint32_t i, hwm = svcstate_load_clamped(&st->hwm, nslots);

	if (pid <= 0)
		return -1;
	for (i = 0; i < hwm; i++)
		if (__atomic_load_n(&st->children[i].pid, __ATOMIC_RELAXED) ==
		    pid) {
			svcstate_release_slot(st, nslots, i);
			return (int)i;
		}
	return -1;
}

/*
 * The master's release of an adopted child's slot: no lock (a worker may
 * hold it, or have broken it), only a compare-and-swap of that slot's pid,
 * so a slot a worker has meanwhile given to another child stays its. The
 * whole table is searched, whatever hwm says. Returns whether it was there.
 */
bool
svcstate_free_adopted(struct svcstate *st, uint32_t nslots, int32_t pid)
{
	uint32_t i;
	int32_t want;

	if (st == NULL || pid <= 0)
		return false;
	for (i = 0; i < nslots; i++) {
		/* Read first: once the pid is free, a worker may take it. */
		uint16_t source = __atomic_load_n(&st->children[i].source,
		    __ATOMIC_RELAXED);
		uint8_t family = __atomic_load_n(&st->children[i].family,
		    __ATOMIC_RELAXED);

		want = pid;
		if (__atomic_compare_exchange_n(&st->children[i].pid, &want,
		    SVC_CHILD_FREE, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			nchildren_dec(st);
			source_live_dec(st, family, source);
			return true;
		}
	}
	return false;
}

