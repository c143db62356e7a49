/* SPDX-License-Identifier: ISC */
/*
 * What report.c reads out of a running service for every form of status:
 * the state, the counters' table, the sessions, each clamped or checked
 * against the master's own records (a worker can scribble on the shared
 * state). status.c renders the operator's form from these.
 */
#ifndef SINETD_REPORT_H
#define SINETD_REPORT_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct msvc;

struct counter_def {
	const char	*name;		/* in key=value and JSON */
	size_t		 off;		/* in struct svc_counters */
	const char	*reason;	/* a refusal: its metrics label */
	const char	*metric;	/* else its own metrics family, */
	const char	*help;		/* and what that counts */
};
#define NCOUNTERS	12
extern const struct counter_def counter_defs[NCOUNTERS];

/* A running child as status shows it: from our records, never the table. */
struct shown_child {
	pid_t		 pid;
	uint8_t		 family;	/* of the peer, 0: unknown */
	uint8_t		 addr[16];
	uint16_t	 port;
	int64_t		 started_epoch;
};
#define CHILDREN_SHOWN	256

void		 report_counters(const struct msvc *, uint64_t[NCOUNTERS]);
unsigned	 report_workers(const struct msvc *);
unsigned long long report_pool(const struct msvc *);
unsigned	 report_children(const struct msvc *);
size_t		 report_sessions(const struct msvc *,
		    struct shown_child *, size_t);
void		 report_peer(const struct shown_child *, char *, size_t);
const char	*report_state(const struct msvc *, time_t *);
void		 report_time(time_t, char *, size_t);
void		 report_addr(const struct msvc *, char *, size_t);
void		 report_program(const struct msvc *, char *, size_t);
const char	*report_socktype(int);

/* status.c */
void		 status_human(struct buf *, struct msvc **, size_t, bool);

#endif
