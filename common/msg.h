/* SPDX-License-Identifier: ISC */
/*
 * The messages between the master and its workers: one enum of types, one
 * fixed-layout payload per type, one record per SOCK_SEQPACKET message.
 * The receiver checks the exact size before it reads a field, and treats a
 * type it does not expect as fatal (a worker that sends one is killed).
 */
#ifndef SINETD_MSG_H
#define SINETD_MSG_H

#include <stdint.h>

#include "hostsaccess.h"
#include "log.h"
#include "policy_wire.h"
#include "service.h"

#define MSG_VERSION		1

/*
 * Where a worker finds its descriptors after exec: the channel, the binary
 * it was executed through, then two for each socket of its pool, in the
 * order the master lists them (MSG_SOCKETS): the listening socket and the
 * service's shared state.
 */
#define WORKER_CHAN_FD		3
#define WORKER_SELF_FD		6	/* the binary, to execute: closed at once */
#define WORKER_SELF_PATH	"/proc/self/fd/6"
#define WORKER_FD_BASE		7
#define WORKER_LISTEN_FD(i)	(WORKER_FD_BASE + 2 * (i))
#define WORKER_STATE_FD(i)	(WORKER_FD_BASE + 2 * (i) + 1)

/* The sockets one pool serves at most: past it, another pool. */
#define POOL_SOCKETS_MAX	2048

#define MSG_PROGRAM_MAX		4096
#define MSG_PATH_MAX		1024
#define MSG_GROUPS_MAX		256

/* A worker that exits with this must not be restarted: it cannot set up. */
#define EXIT_NORESPAWN		78

enum msg_type {
	MSG_SERVICE = 1,	/* master -> worker: struct msg_service */
	MSG_STOP,		/* master -> worker: struct msg_stop */
	MSG_READY,		/* worker -> master: no payload */
	MSG_LOG,		/* worker -> master: struct msg_log */
	MSG_POLICY,		/* master -> worker: struct policy */
	MSG_VIOLATION,		/* worker -> master: struct msg_violation */
	MSG_LEARN,		/* worker -> master: no payload, the seccomp */
				/* notification fd of a learning policy */
	MSG_GUARD,		/* master -> worker: struct msg_guard */
	MSG_SPAWNED,		/* worker -> master: struct msg_spawned */
	MSG_SOCKETS,		/* master -> worker: struct msg_sockets */
	MSG_DROP,		/* master -> worker: struct msg_drop */
	MSG_HOSTS,		/* master -> worker: struct hosts_table (-l) */
};

/* A bit for each UDP port: the internal services' ports (the guard). */
#define GUARD_PORTS_BYTES	(65536 / 8)

/* The internal UDP services' ports, anew after a reload. */
struct msg_guard {
	uint8_t		udp_guard_ports[GUARD_PORTS_BYTES];
};

struct msg_hdr {
	uint32_t	type;
	uint32_t	len;		/* payload bytes after the header */
};

/*
 * Everything a worker needs to serve, sent once after exec: what every
 * socket of its pool shares (then MSG_POLICY, then the sockets).
 */
struct msg_service {
	uint32_t	version;
	int32_t		master_pid;
	uint32_t	internal;	/* the internal services' pool */
	uint32_t	nsockets;	/* MSG_SOCKETS entries to come */
	uint32_t	change_ids;	/* the master is root: drop to uid/gid */
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	max_conns;	/* per worker */
	uint32_t	idle_timeout_ms;
	uint32_t	log_connections;
	char		title[128];	/* the pool, for its log lines */
	uint8_t		udp_guard_ports[GUARD_PORTS_BYTES];	/* no reply to these */

	/* External services only. */
	uint32_t	wait;
	uint32_t	keep_env;	/* -E */
	uint32_t	max_spawn;	/* a minute */
	uint32_t	max_child;
	uint32_t	max_cpm;
	uint32_t	max_perip;
	uint32_t	suspend_ms;
	uint32_t	ngroups;
	uint32_t	groups[MSG_GROUPS_MAX];
	uint32_t	argc;
	char		program[MSG_PROGRAM_MAX];
	char		args[SERVICE_ARGS_MAX];	/* argc strings, each ends in NUL */

	/* The sandbox: what no child server may reach, whatever its policy. */
	int32_t		landlock_abi_max;	/* -1: what the kernel has */
	char		conf_path[MSG_PATH_MAX];	/* read-only */
	char		policy_dir[MSG_PATH_MAX];	/* read-only */
	char		pidfile[MSG_PATH_MAX];		/* read-only */
	char		ctl_socket[MSG_PATH_MAX];	/* hidden */
};

/* One socket of the pool, at WORKER_LISTEN_FD(its place in the list). */
struct msg_socket {
	uint32_t	slot;		/* the pool's name for it (MSG_DROP) */
	int32_t		socktype;
	int32_t		family;
	uint32_t	builtin;	/* enum builtin, BUILTIN_NONE if external */
	uint32_t	nslots;		/* children in its shared state */
};

#define MSG_SOCKETS_BATCH	64
struct msg_sockets {
	uint32_t	n;		/* entries used */
	struct msg_socket s[MSG_SOCKETS_BATCH];
};

/*
 * Stop accepting on these sockets (a bit per slot), as a reload moved
 * their services elsewhere; their open sessions go on to their end.
 */
struct msg_drop {
	uint8_t		slots[POOL_SOCKETS_MAX / 8];
};

/*
 * Stop accepting now; finish open sessions within drain_ms, then exit. A
 * second one may shorten the time, never lengthen it.
 */
#define MSG_STOP_NO_DEADLINE	UINT32_MAX	/* a reload's: until they end */
struct msg_stop {
	uint32_t	drain_ms;
};

/*
 * A child server was started: the master checks it is the worker's child
 * and reads its peer itself, from the child's descriptor 0.
 */
struct msg_spawned {
	int32_t		pid;
	uint32_t	slot;		/* the socket it came from (MSG_SOCKETS) */
};

/*
 * A child server died by SIGSYS: the master names the syscall, and the
 * peer from its own record of the child (never the worker's word).
 */
struct msg_violation {
	int32_t		pid;
};

/* A line about the pool as a whole, not one of its sockets. */
#define MSG_LOG_POOL		UINT32_MAX

struct msg_log {
	int32_t		prio;		/* syslog priority */
	uint32_t	dropped;	/* lines before it the channel refused */
	uint32_t	slot;		/* the socket it is about (MSG_SOCKETS), */
					/* or MSG_LOG_POOL */
	char		text[LOG_LINE_MAX];	/* "": only the count */
};

#define MSG_BIGGER(a, b)	((a) > (b) ? (a) : (b))
#define MSG_MAX	(sizeof(struct msg_hdr) + \
		 MSG_BIGGER(sizeof(struct hosts_table), \
		 MSG_BIGGER(sizeof(struct msg_service), sizeof(struct policy))))

#endif
