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

void
svcstate_unmap(struct svcstate *st)
{
	if (st != NULL)
		munmap(st, svcstate_size(st->nslots));
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

int
svcstate_trylock(struct svcstate *st)
{
	int rc = pthread_mutex_trylock(&st->lock);

	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(&st->lock);
	return rc == 0 ? 0 : -1;
}

void
svcstate_unlock(struct svcstate *st)
{
	pthread_mutex_unlock(&st->lock);
}

/*
 * Frees the slot of a child that ended; the caller holds the lock. nslots
 * is the caller's own idea of the table size, never the shared copy.
 * Returns the slot, or -1 if the pid is not in the table.
 */
int
svcstate_release(struct svcstate *st, uint32_t nslots, int32_t pid)
{
	uint32_t i, hwm = st->hwm < nslots ? st->hwm : nslots;

	if (pid <= 0)
		return -1;
	for (i = 0; i < hwm; i++) {
		if (st->children[i].pid != pid)
			continue;
		memset(&st->children[i], 0, sizeof(st->children[i]));
		st->ended[st->ended_next++ % SVCSTATE_ENDED] = pid;
		if (st->nchildren > 0)
			st->nchildren--;
		while (st->hwm > 0 && st->children[st->hwm - 1].pid == 0)
			st->hwm--;
		return (int)i;
	}
	return -1;
}

/*
 * Whether pid is a running child (or, with recent, one that ended lately)
 * of this service. Reads without the lock, as the master must: nslots is
 * the reader's own idea of the table size, never the shared copy.
 */
bool
svcstate_has_child(const struct svcstate *st, uint32_t nslots, int32_t pid,
    bool recent)
{
	uint32_t i, hwm;

	if (st == NULL || nslots == 0 || pid <= 0)
		return false;
	hwm = __atomic_load_n(&st->hwm, __ATOMIC_RELAXED);
	if (hwm > nslots)
		hwm = nslots;
	for (i = 0; i < hwm; i++)
		if (__atomic_load_n(&st->children[i].pid, __ATOMIC_RELAXED) ==
		    pid)
			return true;
	for (i = 0; recent && i < SVCSTATE_ENDED; i++)
		if (__atomic_load_n(&st->ended[i], __ATOMIC_RELAXED) == pid)
			return true;
	return false;
}
