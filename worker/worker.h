/* SPDX-License-Identifier: ISC */
/* The unprivileged worker: what its files share. */
#ifndef SINETD_WORKER_H
#define SINETD_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

#include <stdbool.h>

#include "addr.h"
#include "msg.h"
#include "util.h"

struct wsock;

int	 worker_main(void);
/*
 * The socket the lines logged now are about, so the master names its
 * service: set by a kind while it handles one, MSG_LOG_POOL otherwise.
 */
void	 worker_log_about(const struct wsock *);

/* loop.c: one epoll loop; handlers run, then a tick that owns the timers. */
struct loop_ev {
	void	(*fn)(struct loop_ev *, uint32_t);
};
void	 loop_init(void);
int	 loop_add(int, uint32_t, struct loop_ev *);
int	 loop_del(int);
void	 loop_run(uint64_t (*)(uint64_t));
uint64_t loop_now(void);
void	 loop_sleep(int);

struct policy;
struct svcstate;

/* listener.c: a listening socket shared with the pool */
struct listener {
	struct loop_ev	 ev;
	int		 fd;
	bool		 paused;	/* out of the epoll set */
	bool		 stopped;
	bool		 exhausted;	/* logged this burst of EMFILE */
	uint64_t	 resume_at;
	void		(*ready)(struct listener *);
};
void	 listener_start(struct listener *, int);
void	 listener_pause(struct listener *, uint64_t);
void	 listener_resume(struct listener *);
void	 listener_stop(struct listener *);
int	 listener_accept(struct listener *, union sockaddr_any *,
	    socklen_t *, int);
uint64_t listener_tick(struct listener *, uint64_t, bool);

/* spawn.c: a child server, vfork-style */
struct spawn {
	const char	*path;
	char *const	*argv;
	char *const	*envp;
	int		 fd;		/* becomes the child's 0, 1 and 2 */
	const struct policy *policy;	/* rlimits, nice, umask */
};
pid_t	 spawn_child(const struct spawn *, int *);

/* limits.c: the limits of an external service, per service */
struct svcstate;
struct svc_child;
struct limits {
	uint32_t	 nslots;
	uint32_t	 max_spawn;	/* a minute */
	uint32_t	 max_child;	/* 0: the table size */
	uint32_t	 max_cpm;	/* 0: none */
	uint32_t	 max_perip;	/* 0: none */
	uint64_t	 suspend_ms;
};
enum verdict {
	LIMIT_SPAWN,
	LIMIT_SUSPENDED,
	LIMIT_RATE,		/* this one tripped the spawn rate */
	LIMIT_FULL,
	LIMIT_CPM,
	LIMIT_PERIP,
};
enum verdict limits_admit(struct svcstate *, const struct limits *,
	    const struct sockaddr *, uint64_t, int *, unsigned *);
void	 limits_spawned(struct svcstate *, int, pid_t);
void	 limits_abandon(struct svcstate *, const struct limits *, int);
int	 limits_release(struct svcstate *, const struct limits *, pid_t,
	    struct svc_child *);

/* env.c: a child server's environment */
void	 env_init(bool);
char *const *env_plain(void);
char *const *env_for_peer(int, const struct sockaddr *, socklen_t, unsigned);

/*
 * A socket of the pool, as the master listed it (MSG_SOCKETS): worker.c
 * holds the list for the worker's life; the kinds keep pointers into it.
 */
struct wsock {
	uint32_t	 slot;		/* the pool's name for it (MSG_DROP) */
	int		 fd;		/* WORKER_LISTEN_FD(its place) */
	int		 socktype;
	int		 family;
	enum builtin	 builtin;	/* BUILTIN_NONE: an external service */
	uint32_t	 nslots;
	struct svcstate	*st;		/* its service's shared state */
	bool		 stopped;	/* no longer accepting */
};

/*
 * A kind of socket a worker serves (relayd's process table, inside the
 * worker): set up once before lock-down for the n sockets of its kind the
 * pool has (if any), start each socket, stop accepting on one (a stop, or a reload that moved
 * its service), and the timers. open: the sessions a drain waits for.
 */
struct kind {
	const char	*name;
	void		(*prepare)(const struct msg_service *,
			    const struct policy *, size_t);
	void		(*start)(struct wsock *);
	void		(*stop_accepting)(struct wsock *);
	uint64_t	(*tick)(uint64_t);
	size_t		(*open)(void);
};
extern const struct kind kind_stream;	/* stream.c: internal, TCP */
extern const struct kind kind_dgram;	/* dgram.c: internal, UDP */
extern const struct kind kind_external;	/* external.c: child servers */

/* lockdown.c */
void	 lockdown_prepare(const struct msg_service *, struct policy *);
void	 lockdown(const struct msg_service *, const struct policy *);

/*
 * admit.c: whether a peer may be served, the one place every kind asks:
 * a disabled service, the kind's own guard (its reason, or NULL), then the
 * policy's only-from and no-access. Counted and logged here; what a
 * refusal does to the connection is the kind's.
 */
enum admission {
	ADMIT_OK,
	ADMIT_DISABLED,		/* sinetctl disable */
	ADMIT_REFUSED,		/* the guard, only-from or no-access */
};
enum admission admit_peer(struct svcstate *, const struct policy *,
	    const struct sockaddr *, socklen_t, const char *, bool, bool);
void	 admit_log_refused(const struct sockaddr *, socklen_t, const char *,
	    bool, bool);
bool	 service_disabled(const struct svcstate *);

/* guard.c: the UDP loop and reflection guard */
void	 guard_set_ports(const uint8_t [GUARD_PORTS_BYTES]);
void	 guard_add_broadcast(struct in_addr);
void	 guard_read_broadcasts(void);
const char *guard_check(const struct sockaddr *, bool);

/* builtin.c: the bytes the internal services send (RFC 862-868) */
#define CHARGEN_LINE_LEN	74	/* 72 characters, CR, LF */
#define CHARGEN_LINES		95	/* one line per printable start */
#define CHARGEN_PERIOD		(CHARGEN_LINE_LEN * CHARGEN_LINES)
#define CHARGEN_CHUNK		(16 * CHARGEN_PERIOD)	/* one write */
#define DAYTIME_MAX		64
extern char chargen_pattern[CHARGEN_CHUNK + CHARGEN_PERIOD];
void	 builtin_init(uint32_t);
size_t	 builtin_daytime(char *, size_t);
uint32_t builtin_time(void);
ssize_t	 builtin_datagram(uint32_t, const char *, size_t, const char **);

/* refuse.c: a connection refused at once, with a reset */
void	 refuse_reset(int);

/* peerlog.c: log a refused peer at most once a minute */
int	 peerlog_due(const struct sockaddr *, const char *, uint64_t);

#ifdef SINETD_TEST_HOOKS
/* forge.c: build/t/sinetd-hooks only, a worker that lies to the master */
void	 forge(const struct msg_service *, const struct wsock *);
#endif

#endif
