/* SPDX-License-Identifier: ISC */
/*
 * The state of one service that outlives its workers: the spawn-rate window
 * and suspension, the running children, each source's recent connections,
 * and the counters. The master creates it in a sealed memfd and keeps it
 * across worker restarts (and reloads); every worker of the service maps it
 * and updates it under its lock. Any worker can write anything here, so
 * the master never takes the lock, follows nothing, and clamps every count
 * and index it reads: a worker can corrupt its own service's figures,
 * nothing else. nchildren, hwm and a slot's pid change atomically, because
 * the master frees an adopted child's slot without the lock.
 */
#ifndef SINETD_SVCSTATE_H
#define SINETD_SVCSTATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVCSTATE_MAGIC		0x73696e34u	/* "sin4" */
#define SVCSTATE_SOURCES	256	/* sources remembered: max-cpm, and
					   the children each one has */
#define SVCSTATE_BUCKETS	10	/* of 6 s: a sliding minute */
#define SVCSTATE_BUCKET_MS	6000
#define SVCSTATE_CHILDREN_DEFAULT 4096	/* children at once, no max-child */

/* A child slot's pid, but for a running child's. */
#define SVC_CHILD_FREE		0
#define SVC_CHILD_SPAWNING	(-1)	/* taken, its spawn under way */

struct svc_child {
	int32_t		pid;		/* SVC_CHILD_FREE, _SPAWNING, or */
					/* the child's */
	int32_t		worker;		/* the worker that spawned it */
	uint64_t	started_ms;	/* CLOCK_MONOTONIC */
	int64_t		started_epoch;	/* wall-clock seconds, for status */
	uint8_t		family;		/* AF_INET, AF_INET6, 0: none */
	uint8_t		addr[16];
	uint16_t	port;
	uint16_t	source;		/* sources[source - 1] counts it; 0: none */
};

struct svc_source {
	uint8_t		family;		/* 0: free */
	uint8_t		addr[16];
	uint32_t	bucket;		/* the bucket of the last connection */
	uint16_t	counts[SVCSTATE_BUCKETS];
	uint32_t	live;		/* children running from it (atomic) */
};

struct svc_counters {
	uint64_t	accepted;
	uint64_t	spawned;
	uint64_t	exec_failed;
	uint64_t	refused_suspended;
	uint64_t	refused_cpm;
	uint64_t	refused_perip;
	uint64_t	full;		/* times max-child stopped accepting */
	uint64_t	rate_trips;
	uint64_t	violations;	/* killed by their seccomp filter */
	uint64_t	refused_access;	/* only-from, no-access, -l */
	uint64_t	refused_guard;	/* the UDP guard, source port 20 */
	uint64_t	refused_disabled;
};

/*
 * What the log has said of a service, shared so that its workers say a
 * fault once between them, not once each. The flags change by atomic
 * exchange, so one worker opens a stretch; the rest under the lock.
 */
struct svc_said {
	uint32_t	exec_failing;	/* this burst of exec failures said */
	uint32_t	full_stretch;	/* this stretch at max-child begun */
	uint32_t	full_said;	/* max-child said at all */
	uint32_t	full_unsaid;	/* stretches not said since */
	uint64_t	full_said_at;	/* monotonic ms */
};

/* A counter of a service, from any of its processes. */
#define SVC_COUNT(st, field) \
	((st) != NULL ? (void)__atomic_add_fetch(&(st)->c.field, 1, \
	    __ATOMIC_RELAXED) : (void)0)

struct svcstate {
	uint32_t	 magic;
	uint32_t	 nslots;	/* children[] */
	pthread_mutex_t	 lock;		/* robust, shared between processes */
	uint64_t	 window_start;	/* spawn-rate window, monotonic ms */
	uint32_t	 window_spawns;
	uint32_t	 nchildren;
	uint64_t	 suspended_until; /* monotonic ms, 0: not suspended */
	uint32_t	 hwm;		/* no child at or above this slot */
	uint32_t	 unplaced;	/* children of a source with no entry */
	uint32_t	 disabled;	/* sinetctl disable: refuse all */
	struct svc_counters c;
	struct svc_said	 said;
	struct svc_source sources[SVCSTATE_SOURCES];
	struct svc_child children[];
};

size_t		 svcstate_size(uint32_t);
int		 svcstate_create(uint32_t, struct svcstate **);
struct svcstate	*svcstate_map(int, uint32_t);
void		 svcstate_unmap(struct svcstate *, uint32_t);
int		 svcstate_lock(struct svcstate *);
void		 svcstate_unlock(struct svcstate *);
void		 svcstate_release_slot(struct svcstate *, uint32_t, uint32_t);
int		 svcstate_release(struct svcstate *, uint32_t, int32_t);
bool		 svcstate_free_adopted(struct svcstate *, uint32_t, int32_t);
uint32_t	 svcstate_load_clamped(const uint32_t *, uint32_t);

#endif
