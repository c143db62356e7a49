/* SPDX-License-Identifier: ISC */
/*
 * The spawn-rate window a service's workers share: each worker reads its
 * clock once a loop turn, so the time one brings to the window may be a
 * moment older than the time another opened it with. Prints TAP.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "svcstate.h"
#include "tap.h"
#include "worker.h"

#define NSLOTS	16

int
main(void)
{
	struct limits lim = { .nslots = NSLOTS, .max_spawn = 3,
	    .suspend_ms = 2000 };
	struct svcstate *st;
	enum verdict v;
	unsigned same;
	int slot, i, spawned = 0;

	if (svcstate_create(NSLOTS, &st) == -1) {
		perror("svcstate_create");
		return 1;
	}
	/* Worker A opens the window at 10,000 ms and spends the budget. */
	for (i = 0; i < 3; i++) {
		v = limits_admit(st, &lim, NULL, 10000 + (uint64_t)i, &slot,
		    &same);
		spawned += v == LIMIT_SPAWN;
		if (v == LIMIT_SPAWN)
			limits_abandon(st, &lim, slot);
	}
	ok(spawned == 3, "the budget of 3 spawned (%d)", spawned);
	/* Worker B's clock, read a moment before A opened the window. */
	v = limits_admit(st, &lim, NULL, 9999, &slot, &same);
	ok(v != LIMIT_SPAWN, "an older clock does not open a new window "
	    "(verdict %d)", (int)v);
	v = limits_admit(st, &lim, NULL, 10005, &slot, &same);
	ok(v == LIMIT_SUSPENDED || v == LIMIT_RATE,
	    "the service is suspended (verdict %d)", (int)v);
	v = limits_admit(st, &lim, NULL, 10002 + 2000 + 1, &slot, &same);
	ok(v == LIMIT_SPAWN, "after the suspension, a new budget (verdict %d)",
	    (int)v);

	/* max-cpm: two a minute from one source, whoever's clock counts. */
	{
		struct limits cpm = { .nslots = NSLOTS, .max_spawn = 1000,
		    .max_cpm = 2, .suspend_ms = 2000 };
		struct sockaddr_in peer = { .sin_family = AF_INET,
		    .sin_addr.s_addr = htonl(0x7f000001) };
		struct svcstate *s2;

		if (svcstate_create(NSLOTS, &s2) == -1)
			return 1;
		for (i = 0, spawned = 0; i < 2; i++) {
			v = limits_admit(s2, &cpm, (struct sockaddr *)&peer,
			    60000, &slot, &same);
			spawned += v == LIMIT_SPAWN;
			if (v == LIMIT_SPAWN)
				limits_abandon(s2, &cpm, slot);
		}
		ok(spawned == 2, "max-cpm 2: two from one source (%d)",
		    spawned);
		/* A clock a moment older, in the bucket before. */
		v = limits_admit(s2, &cpm, (struct sockaddr *)&peer, 59999,
		    &slot, &same);
		ok(v == LIMIT_CPM, "an older clock does not forget the "
		    "minute: the third is refused (verdict %d)", (int)v);
	}
	printf("1..%d\n", test_num);
	return failures != 0;
}
