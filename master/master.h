/* SPDX-License-Identifier: ISC */
/* The privileged master: what its files share. */
#ifndef SINETD_MASTER_H
#define SINETD_MASTER_H

#include <sys/types.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "conf.h"

struct options {
	const char	*conf_path;
	const char	*pidfile;
	const char	*policy_dir;
	const char	*ctl_socket;
	const char	*internal_user;
	bool		 foreground;	/* -d or -i */
	bool		 log_stderr;	/* -d */
	bool		 verbose;	/* -dd */
	bool		 check_only;	/* -n */
	const char	*show_service;	/* -v: -n shows its policy */
	bool		 log_connections; /* -l: and hosts_access(5) */
	const char	*hosts_allow;	/* -o hosts-allow= */
	const char	*hosts_deny;
	bool		 keep_env;	/* -E */
	bool		 no_refresh;	/* -W: edits wait for a reload */
	uint64_t	 refresh_delay_ms; /* after an edit's last write */
	int		 backlog;	/* -q */
	unsigned	 spawn_rate;	/* -R: spawns a minute */
	uint64_t	 idle_timeout_ms;
	uint64_t	 drain_ms;
	uint64_t	 suspend_ms;
	uint64_t	 restart_delay_ms;
	uint64_t	 stopped_ms;	/* then a stopped worker is killed */
	unsigned	 workers;	/* per internal pool */
	unsigned	 prefork;	/* -o prefork: workers started at once */
	unsigned	 max_conns;	/* per worker */
	int		 landlock_abi_max; /* -o landlock-abi, -1: the kernel's */
};

/* An event source in the master's epoll set. */
struct mev {
	void	(*fn)(struct mev *, uint32_t);
};

struct msvc;

/* A child server as the master recorded it (children.c). */
struct child_rec {
	pid_t		 pid;		/* 0: a free entry */
	pid_t		 worker;	/* whose child */
	uint64_t	 svc;		/* the service's id (services_find) */
	unsigned long long start;	/* with pid, names the process */
	int64_t		 started_epoch;	/* wall-clock seconds, for status */
	uint64_t	 gone_at;	/* first seen gone, 0: not yet */
	uint8_t		 family;	/* of the peer, 0: unknown */
	uint8_t		 addr[16];
	uint16_t	 port;
};

struct pool;

/* The master's record of one worker process; its pool holds and frees it. */
struct mworker {
	struct mev	 ev;
	struct pool	*pool;		/* the one it belongs to */
	pid_t		 pid;		/* WORKER_NOT_RUNNING: none */
	int		 chan;		/* -1: closed */
	bool		 ready;
	bool		 reaped;	/* dead: its last words are being read */
	uint32_t	 said;		/* the types it sent, by bit */
	struct child_rec gone[8];	/* children it spawned that ended */
	unsigned	 ngone;		/* before we could look at them */
	uint64_t	 started_at;
	uint64_t	 restart_at;	/* 0: no restart pending */
	uint64_t	 stopped_at;	/* by SIGSTOP or so; 0: running */
	uint64_t	 backoff_ms;
	unsigned	 quick_deaths;	/* restarts in a row, each before healthy */
	uint32_t	 log_tokens;
	bool		 last_words;	/* its one CRIT line past the limit */
	uint64_t	 log_refill_at;
	uint64_t	 log_rate_limited;	/* dropped here, not yet said */
	uint64_t	 log_channel_full;	/* dropped by the worker */
	uint64_t	 log_said_at;		/* the last count we logged */
	char		 last_error[256];
};
#define WORKER_NOT_RUNNING	0	/* an mworker's pid: not started, */
					/* or dead and reaped */

enum msvc_state {
	MSVC_LISTENING,
	MSVC_FAILED,
};

struct svcstate;
struct policy;
struct policy_set;

/* A configured service as the master runs it; services.c frees it. */
struct msvc {
	uint64_t	 id;		/* the service's, kept across a reload */
	struct service	*svc;		/* its own: msvc_free frees it */
	int		 fd;		/* listening socket, -1 if none */
	const struct policy *policy;	/* pset's */
	struct policy_set *pset;	/* held: msvc_free releases it */
	struct svcstate	*shared;	/* the shared state: outlives its */
	int		 shared_fd;	/* workers; pool_shared_close frees */
	uint32_t	 nslots;	/* our own copy: never read the shared one */
	enum msvc_state	 status;
	char		*why;		/* why it failed; its own */
	struct pool	*pool;		/* whose workers serve it: held (a */
					/* reference pool_release gives back) */
	uint32_t	 slot;		/* its place in the pool */
	int		 reader;	/* the one worker of the pool that */
					/* reads it, -1: every one (pool.c) */
	struct mev	 wake;		/* its socket, watched while the */
	bool		 watched;	/* pool is cold (pool.c) */
	struct msvc	*replaces;	/* reload: the one it takes over from, */
					/* which services.c still owns */
	uint64_t	 bind_retry_at;	/* its bind failed: try again then, */
	uint64_t	 bind_backoff_ms; /* 0: no retry pending */
	unsigned	 bind_attempts;
};

/* hosts.c: -l, hosts.allow and hosts.deny */
struct errors;
void	 hosts_start(void);
int	 hosts_reload_load(void);
void	 hosts_reload_commit(void);
void	 hosts_send(int);
void	 hosts_check_only(struct errors *);
void	 hosts_free(void);

/* master.c */
extern struct options opts;
int	 master_main(void);
int	 master_epoll_add(int, struct mev *);
struct epoll_event;
int	 master_epoll_mod(int, struct epoll_event *);
int	 master_epoll_del(int);
void	 master_pool_settled(struct pool *);
bool	 master_running(void);
time_t	 master_started(uint64_t *);
void	 master_stop(const char *);

/*
 * services.c: the services running now, and those retired with their
 * pool: a service's lifetime, from its line to the end of its pool's last
 * worker, has this one owner.
 */
struct msvc *msvc_new(struct service *, struct policy_set *,
	    struct errors *);
int	 msvc_listen(struct msvc *);
bool	 msvc_serving(const struct msvc *);
void	 msvc_free(struct msvc *);
const struct mworker *msvc_workers(const struct msvc *, unsigned *);
struct msvc **services_all(size_t *);
void	 services_set(struct msvc **, size_t);
uint64_t services_place(struct msvc **, size_t);
void	 services_retire_reload(struct msvc *);
#define RETIRED_GENERATIONS	4	/* old pools of one service at once */
void	 services_guard_ports(void);
uint64_t services_tick(uint64_t, bool);
bool	 services_running(void);
void	 services_stop(uint64_t);
bool	 services_adopted_exit(pid_t, int);
struct msvc *services_find(uint64_t);
void	 services_free(void);

/* reload.c */
int	 reload_request(const char *);
void	 reload_pool_settled(struct pool *);
void	 reload_cancel(void);
bool	 reload_pending(void);
uint64_t reload_next_serial(void);
uint64_t reload_tick(uint64_t);
const char *reload_last(time_t *);
uint64_t reload_count(bool);

/* notify.c: systemd's notify protocol and watchdog */
void	 sd_notify_state(const char *);
void	 sd_notify_status(void);
void	 notify_init(void);
uint64_t notify_tick(uint64_t);

/* watch.c: refresh on edit */
void	 watch_init(void);
void	 watch_open(void);
void	 watch_configuration(void);
void	 watch_reload_started(void);
const char *watch_replaced(const struct msvc *, bool *);
void	 watch_replaced_clear(void);
uint64_t watch_tick(uint64_t);
void	 watch_close(void);

/* selector.c: the services a selector such as "10007/tcp" names */
size_t	 selector_services(const char *, struct msvc ***);

/* report.c: what sinetctl is told (status.c: the operator's form) */
enum report_form {
	REPORT_KV,		/* key=value, a line a service: for scripts */
	REPORT_JSON,
	REPORT_HUMAN,		/* a header and a table, or the long form */
};
void	 report_status(struct buf *, enum report_form, struct msvc **, size_t,
	    bool);
void	 report_metrics(struct buf *, struct msvc **, size_t);

/* control.c: the control socket */
int	 control_open(void);
void	 control_close(void);
void	 control_reload_done(uint64_t, bool, const char *);
uint64_t control_tick(uint64_t);

/* listen.c */
int	 listen_open(const struct service *, int, const char **);
bool	 listen_reusable(const struct service *, const struct service *);
int	 listen_update(int, const struct service *, const char **);
void	 listen_close(struct msvc *);

/*
 * pool.c: a pool per sandbox identity (the same user and group, the same
 * policy, internal or external): the services it serves, its workers,
 * its cold start. pool.c owns the pools.
 */
struct pool {
	uint64_t	 id;		/* for status: pool=N */
	uint64_t	 generation;	/* the start or reload that made it */
	char		*label;		/* its log fields; its own */
	const struct policy *policy;	/* its services' (the same bytes): */
	struct policy_set *pset;	/* pset's, held until pool_free */
	bool		 internal;
	uid_t		 uid;
	gid_t		 gid;
	uint64_t	 isolated;	/* 0, or the one service's id */
	uint64_t	*ids;		/* by slot, the services' ids, kept */
					/* after they leave; its own */
	struct msvc	**svcs;		/* by slot; held by services.c, which */
	uint32_t	 nslots;	/* takes each out (pool_remove) before */
	uint32_t	 nlive;		/* it frees it; NULL: gone */
	unsigned	 refs;		/* services that point at it */
	uint8_t		*drops;		/* slots its workers are yet to be */
	bool		 drops_due;	/* told to drop, a bit each; its own */
	struct mworker	*workers;	/* its own */
	unsigned	 nworkers;
	unsigned	 nspawned;	/* started so far: the rest at the */
	bool		 started;	/* first connection */
	bool		 cold;		/* its sockets in the master's epoll */
	bool		 settled;	/* every worker started is ready */
	bool		 failed;
	bool		 retired;	/* no service left: it drains */
	uint64_t	 retire_by;	/* then TERM what is left, */
	int		 escalation;	/* then KILL: 0, 1 (TERMed), 2 (KILLed) */
};
void	 pool_init(uid_t, gid_t, bool);
uint64_t pool_generation(void);
void	 pool_join(struct msvc *, uint64_t);
void	 pool_start_generation(uint64_t);
void	 pool_remove(struct msvc *, bool);
void	 pool_unwatch(struct msvc *);
void	 pool_watch_again(struct msvc *);
void	 pool_release(struct pool *, struct msvc *);
void	 pool_retire(struct pool *, uint64_t);
void	 pool_worker_ready(struct mworker *);
void	 pool_settle(struct pool *);
void	 pool_worker_failed(struct mworker *);
struct msvc *pool_lead(const struct pool *);
bool	 pool_reads(const struct mworker *, uint32_t);
bool	 pool_running(const struct pool *);
struct pool **pools_all(size_t *);
struct msvc *pool_find_worker(pid_t);
struct mworker *pool_worker_by_pid(pid_t);
unsigned pool_workers_running(const struct pool *);
uint64_t pools_tick(uint64_t, bool);
void	 pools_stop(uint64_t);
bool	 pools_running(void);
void	 pools_free(void);
uint64_t pool_suspend_ms(const struct msvc *);
int	 pool_shared_open(struct msvc *);
void	 pool_shared_close(struct msvc *);
struct child_rec;
void	 pool_adopted_exit(struct msvc *, const struct child_rec *, int);

/* spawn.c: a worker process, started by exec of our own binary */
void	 spawn_init(void);
void	 spawn_worker(struct mworker *);

/* tell.c: what the master says to its workers over their channels */
void	 tell_init(uid_t, gid_t, bool);
void	 tell_init_paths(void);
void	 tell_set_guard_port(int);
void	 tell_clear_guard_ports(void);
void	 tell_guard(struct pool *);
void	 tell_description(struct mworker *);
void	 tell_stop(struct pool *, uint64_t);
void	 tell_drop(struct pool *, const uint8_t *);

/* restart.c: a worker's end, and its next start */
void	 restart_schedule(struct mworker *, uint64_t);
uint64_t restart_timers(struct pool *, uint64_t);
bool	 restart_reap(pid_t, int);
bool	 restart_stopped(pid_t, int);

/* monitor.c: what a worker may say, when and how often */
void	 monitor_start(struct mworker *, int);
void	 monitor_read(struct mworker *, int);
void	 monitor_close(struct mworker *);
void	 monitor_log_dropped(struct mworker *, uint64_t, bool);
uint64_t monitor_timer(struct mworker *, uint64_t);

/* children.c: the master's own record of the child servers (child_rec) */
enum child_verdict {
	CHILD_RECORDED,
	CHILD_GONE,		/* ended before we could look */
	CHILD_LIE,		/* not that worker's child */
};
int	 children_proc_stat(pid_t, pid_t *, unsigned long long *, char *);
enum child_verdict children_spawned(struct mworker *, pid_t, uint32_t,
	    int, struct child_rec *, const char **);
const struct child_rec *children_find(pid_t);
const char *children_violation(const struct mworker *, pid_t, bool,
	    struct child_rec *);
bool	 children_ended(pid_t, struct child_rec *);
void	 children_free(void);

/* check.c: sinetd -n */
int	 check_main(struct conf *, bool);

/* policies.c */
struct policy_set;
int	 policies_make_empty_dir(void);
const char *policies_empty_dir(void);
struct policy_set *policies_new_set(void);
void	 policies_hold(struct policy_set *);
void	 policies_release(struct policy_set *);
const struct policy *policies_get(struct policy_set *,
	    const struct service *, struct errors *);

/* audit.c: the kernel's seccomp records */
struct audit_record {
	pid_t		pid;
	int		syscall;
	int		sig;
	uint32_t	arch;
	uint32_t	code;		/* the filter's action */
	uint64_t	at_ms;		/* its stamp, on our CLOCK_MONOTONIC */
	char		comm[32];
};
bool	 audit_open(void);
void	 audit_poll(void);

/* procev.c: the kernel's process events, the pools' family trees */
uint64_t procev_follow(bool, uint64_t);
bool	 procev_following(void);
bool	 procev_find(pid_t, uint64_t, uint64_t, uint64_t *, pid_t *,
	    uint64_t *);
void	 procev_poll(void);
void	 procev_close(void);

/* violation.c */
struct msg_violation;
void	 violation_init(void);
void	 violation_record(const struct audit_record *);
void	 violation_child(struct msvc *, const struct child_rec *, bool,
	    uint64_t);
void	 violation_adopted(struct msvc *, const struct child_rec *);
void	 violation_worker(struct msvc *, pid_t, uint64_t);
void	 violation_descendant(struct msvc *, pid_t, pid_t, uint64_t, uint64_t);
void	 violation_learned(struct msvc *, int, const char *);
uint64_t violation_timers(uint64_t);
void	 violation_free(void);

/* learn.c */
void	 learn_add(struct msvc *, int);

/* cgroup.c: a cgroup per pool */
void	 cgroup_init(void);
int	 cgroup_attach(const char *, const struct policy *, pid_t);

/* pidfile.c */
int	 pidfile_lock(const char *);
void	 pidfile_write(int);
void	 pidfile_remove(const char *, int);

#endif
