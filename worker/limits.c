/* SPDX-License-Identifier: ISC */
/*
 * The limits of an external service, decided under its shared state's lock
 * before each spawn, so they hold per service however many workers it has:
 * the suspension after the spawn rate tripped (nowait.N, -R), max-child,
 * and per source max-cpm (a sliding minute) and max-perip (concurrent).
 * Each source's entry keeps the number of its children running, so a
 * connection costs the same however many children the service has.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "svcstate.h"
#include "worker.h"

#define RATE_WINDOW_MS	60000
#define SOURCE_PROBES	8

/*
 * The source's entry, found by hash and a few probes; a newcomer takes a
 * free entry or the stalest of those probed that has no child running
 * (its count of them must stay true), so the table never grows. NULL when
 * every entry probed has children: the caller counts the slow way.
 */
static struct svc_source *
source_entry(struct svcstate *st, uint8_t family, const uint8_t addr[16],
    uint32_t bucket)
{
	struct svc_source *e, *victim = NULL;
	uint32_t h = addr_pack_hash(family, addr);
	size_t i;

	for (i = 0; i < SOURCE_PROBES; i++) {
		e = &st->sources[(h + i) % SVCSTATE_SOURCES];
		if (e->family == family && memcmp(e->addr, addr, 16) == 0)
			return e;
		if (__atomic_load_n(&e->live, __ATOMIC_RELAXED) != 0)
			continue;
		if (victim == NULL || e->family == 0 ||
		    (victim->family != 0 && e->bucket < victim->bucket))
			victim = e;
	}
	if (victim == NULL)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->family = family;
	memcpy(victim->addr, addr, 16);
	victim->bucket = bucket;
	return victim;
}

/* Counts this connection and returns the source's count over the minute. */
static unsigned
source_count(struct svc_source *e, uint32_t bucket)
{
	unsigned sum = 0;
	uint32_t b;
	size_t i;

	/* Another worker's clock may be a moment ahead of ours (above). */
	if (bucket < e->bucket)
		bucket = e->bucket;
	if (bucket - e->bucket >= SVCSTATE_BUCKETS)
		memset(e->counts, 0, sizeof(e->counts));
	else
		for (b = e->bucket + 1; b <= bucket; b++)
			e->counts[b % SVCSTATE_BUCKETS] = 0;
	e->bucket = bucket;
	if (e->counts[bucket % SVCSTATE_BUCKETS] < UINT16_MAX)
		e->counts[bucket % SVCSTATE_BUCKETS]++;
	for (i = 0; i < SVCSTATE_BUCKETS; i++)
		sum += e->counts[i];
	return sum;
}

/*
 * The slow count of a source's children that no entry counts (they came
 * while every entry their hash probes had children running): the whole
 * table, under the lock, and only while there are such children.
 */
static unsigned
unplaced_from(const struct svcstate *st, uint32_t nslots, uint8_t family,
    const uint8_t addr[16])
{
	uint32_t i, hwm = svcstate_load_clamped(&st->hwm, nslots);
	unsigned n = 0;

	if (__atomic_load_n(&st->unplaced, __ATOMIC_RELAXED) == 0)
		return 0;
	for (i = 0; i < hwm; i++)
		if (st->children[i].pid != SVC_CHILD_FREE &&
		    st->children[i].source == 0 &&
		    st->children[i].family == family &&
		    memcmp(st->children[i].addr, addr, 16) == 0)
			n++;
	return n;
}

static int
slot_take(struct svcstate *st, const struct limits *lim, uint8_t family,
    const uint8_t addr[16], int port, struct svc_source *src, uint64_t now)
{
	uint32_t i, hwm = svcstate_load_clamped(&st->hwm, lim->nslots);
	struct svc_child *c;

	for (i = 0; i < hwm && __atomic_load_n(&st->children[i].pid,
	    __ATOMIC_RELAXED) != SVC_CHILD_FREE; i++)
		;
	if (i == lim->nslots)
		return -1;
	c = &st->children[i];
	/* Taken before hwm covers it: the master frees only a child's pid. */
	__atomic_store_n(&c->pid, SVC_CHILD_SPAWNING, __ATOMIC_RELAXED);
	if (i == hwm)
		__atomic_store_n(&st->hwm, i + 1, __ATOMIC_RELAXED);
	c->worker = (int32_t)getpid();
	c->started_ms = now;
	c->started_epoch = (int64_t)time(NULL);
	c->family = family;
	memcpy(c->addr, addr, 16);
	c->port = (uint16_t)port;
	c->source = 0;
	if (src != NULL) {
		c->source = (uint16_t)(src - st->sources + 1);
		__atomic_add_fetch(&src->live, 1, __ATOMIC_RELAXED);
	} else if (family != 0)
		__atomic_add_fetch(&st->unplaced, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->nchildren, 1, __ATOMIC_RELAXED);
	return (int)i;
}

/*
 * Whether a connection from peer (NULL for a wait service) may have a
 * child now. On LIMIT_SPAWN, *slot is reserved for it and *same_source is
 * how many children that source has, this one included.
 */
enum verdict
limits_admit(struct svcstate *st, const struct limits *lim,
    const struct sockaddr *peer, uint64_t now, int *slot,
    unsigned *same_source)
{
	uint32_t bucket = (uint32_t)(now / SVCSTATE_BUCKET_MS);
	uint32_t most = lim->max_child && lim->max_child < lim->nslots ?
	    lim->max_child : lim->nslots;
	uint8_t family = 0, addr[16] = { 0 };
	struct svc_source *src = NULL;
	enum verdict v = LIMIT_SPAWN;

	if (peer != NULL)
		family = addr_pack(peer, addr);
	if (svcstate_lock(st) == -1)
		return LIMIT_FULL;
	/*
	 * Each worker reads its clock once a loop turn: another may have
	 * opened the window a moment after the time we bring. For the
	 * shared window time never runs back, or "now - window_start"
	 * would wrap and open a window, and a budget, of its own.
	 */
	if (now < st->window_start)
		now = st->window_start;
	if (st->suspended_until > now) {
		st->c.refused_suspended++;
		v = LIMIT_SUSPENDED;
		goto out;
	}
	st->suspended_until = 0;
	if (__atomic_load_n(&st->nchildren, __ATOMIC_RELAXED) >= most) {
		st->c.full++;
		v = LIMIT_FULL;
		goto out;
	}
	/*
	 * The source's entry keeps its children's count, so this costs the
	 * same at one child or at thousands (s6-tcpserver keeps its per-IP
	 * counts so). A source the table cannot place is counted the slow
	 * way, and its minute goes uncounted.
	 */
	if (family != 0)
		src = source_entry(st, family, addr, bucket);
	if (src != NULL && lim->max_cpm &&
	    source_count(src, bucket) > lim->max_cpm) {
		st->c.refused_cpm++;
		v = LIMIT_CPM;
		goto out;
	}
	*same_source = family == 0 ? 1 : 1 + unplaced_from(st, lim->nslots,
	    family, addr) + (src != NULL ?
	    __atomic_load_n(&src->live, __ATOMIC_RELAXED) : 0);
	if (family != 0 && lim->max_perip && *same_source > lim->max_perip) {
		st->c.refused_perip++;
		v = LIMIT_PERIP;
		goto out;
	}
	if (st->window_spawns == 0 || now - st->window_start >= RATE_WINDOW_MS) {
		st->window_start = now;
		st->window_spawns = 0;
	}
	if (st->window_spawns >= lim->max_spawn) {
		st->suspended_until = now + lim->suspend_ms;
		st->window_spawns = 0;
		st->c.rate_trips++;
		st->c.refused_suspended++;
		v = LIMIT_RATE;
		goto out;
	}
	if ((*slot = slot_take(st, lim, family, addr,
	    peer ? addr_port(peer) : 0, src, now)) == -1) {
		st->c.full++;
		v = LIMIT_FULL;
		goto out;
	}
	st->window_spawns++;
out:
	svcstate_unlock(st);
	return v;
}

/* The child is running: its slot gets its pid. */
void
limits_spawned(struct svcstate *st, int slot, pid_t pid)
{
	__atomic_store_n(&st->children[slot].pid, (int32_t)pid,
	    __ATOMIC_RELEASE);
	__atomic_add_fetch(&st->c.spawned, 1, __ATOMIC_RELAXED);
}

/* The spawn failed: the reserved slot goes back. */
void
limits_abandon(struct svcstate *st, const struct limits *lim, int slot)
{
	if (svcstate_lock(st) == -1)
		return;
	svcstate_release_slot(st, lim->nslots, (uint32_t)slot);
	svcstate_unlock(st);
}

/* A child ended: a copy of its slot for the log, and the slot freed. */
int
limits_release(struct svcstate *st, const struct limits *lim, pid_t pid,
    struct svc_child *out)
{
	uint32_t i, hwm;
	int slot = -1;

	if (svcstate_lock(st) == -1)
		return -1;
	hwm = svcstate_load_clamped(&st->hwm, lim->nslots);
	for (i = 0; i < hwm; i++)
		if (__atomic_load_n(&st->children[i].pid, __ATOMIC_RELAXED) ==
		    pid) {
			*out = st->children[i];
			break;
		}
	if (i < hwm)
		slot = svcstate_release(st, lim->nslots, pid);
	svcstate_unlock(st);
	return slot;
}
