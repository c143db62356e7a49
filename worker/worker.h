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

int	 worker_main(void);

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

/* external.c: spawning child servers */
void	 external_prepare(const struct msg_service *, const struct policy *,
	    struct svcstate *);
void	 external_start(int);
void	 external_stop_accepting(void);
uint64_t external_tick(uint64_t);

/* lockdown.c */
void	 lockdown_prepare(const struct msg_service *, struct policy *);
void	 lockdown(const struct msg_service *, const struct policy *);

/* stream.c: the internal services over TCP */
void	 stream_start(const struct msg_service *, const struct policy *,
	    struct svcstate *, int);
void	 stream_stop_accepting(void);
size_t	 stream_open_count(void);
uint64_t stream_tick(uint64_t);

/* dgram.c: the internal services over UDP */
void	 dgram_start(const struct msg_service *, const struct policy *,
	    struct svcstate *, int);
void	 dgram_stop(void);

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
bool	 service_disabled(const struct svcstate *);

/* peerlog.c: log a refused peer at most once a minute */
int	 peerlog_due(const struct sockaddr *, const char *, uint64_t);

#ifdef SINETD_TEST_HOOKS
/* forge.c: build/t/sinetd-hooks only, a worker that lies to the master */
void	 forge(const struct msg_service *, struct svcstate *);
#endif

#endif
