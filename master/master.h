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
	unsigned	 workers;	/* per internal stream service */
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

struct worker {
	struct mev	 ev;
	struct msvc	*ms;
	pid_t		 pid;		/* 0: not running */
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

enum msvc_state {
	MSVC_LISTENING,
	MSVC_FAILED,
};

struct svcstate;
struct policy;
struct policy_set;

/* A configured service as the master runs it. */
struct msvc {
	uint64_t	 id;		/* the service's, kept across a reload */
	struct service	*svc;
	int		 fd;		/* listening socket, -1 if none */
	const struct policy *policy;
	struct policy_set *pset;	/* which holds the policy */
	struct svcstate	*state;		/* outlives its workers */
	int		 state_fd;
	uint32_t	 nslots;	/* our own copy: never read the shared one */
	enum msvc_state	 status;
	char		*why;		/* why it failed */
	struct worker	*workers;
	unsigned	 nworkers;
	bool		 settled;	/* all its workers ready, or failed */
	struct msvc	*replaces;	/* reload: the pool it takes over from */
	uint64_t	 retire_by;	/* retired: TERM what is left then, */
	int		 escalation;	/* then KILL: 0, 1 (TERMed), 2 (KILLed) */
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
void	 master_service_settled(struct msvc *);
bool	 master_running(void);
time_t	 master_started(uint64_t *);
void	 master_stop(const char *);

/* services.c: the services running now, and the pools being retired */
struct msvc *msvc_new(struct service *, struct policy_set *,
	    struct errors *);
int	 msvc_listen(struct msvc *);
bool	 msvc_serving(const struct msvc *);
void	 msvc_free(struct msvc *);
struct msvc **services_all(size_t *);
void	 services_set(struct msvc **, size_t);
void	 services_retire(struct msvc *, uint64_t);
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
void	 reload_check(void);
bool	 reload_pending(void);
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
void	 control_reload_done(bool, const char *);
uint64_t control_tick(uint64_t);

/* listen.c */
int	 listen_open(const struct service *, int, const char **);
bool	 listen_reusable(const struct service *, const struct service *);
int	 listen_update(int, const struct service *, const char **);
void	 listen_close(struct msvc *);

/* pool.c */
void	 pool_init(uid_t, gid_t, bool);
void	 pool_init_paths(void);
int	 pool_state_open(struct msvc *);
void	 pool_state_close(struct msvc *);
uint64_t pool_suspend_ms(const struct msvc *);
struct child_rec;
void	 pool_adopted_exit(struct msvc *, const struct child_rec *, int);
void	 pool_set_guard_port(int);
void	 pool_clear_guard_ports(void);
void	 pool_send_guard(struct msvc *);
void	 pool_start(struct msvc *);
void	 pool_stop(struct msvc *, uint64_t);
bool	 pool_running(const struct msvc *);
bool	 pool_reap(pid_t, int);
bool	 pool_stopped(pid_t, int);
struct msvc *pool_find_worker(pid_t);
uint64_t pool_timers(struct msvc *, uint64_t);

/* monitor.c: what a worker may say, when and how often */
void	 monitor_start(struct worker *, int);
void	 monitor_read(struct worker *, int);
void	 monitor_close(struct worker *);
void	 monitor_log_dropped(struct worker *, uint64_t, bool);
uint64_t monitor_timer(struct worker *, uint64_t);

/* children.c: the master's own record of the child servers (child_rec) */
enum child_verdict {
	CHILD_RECORDED,
	CHILD_GONE,		/* ended before we could look */
	CHILD_LIE,		/* not that worker's child */
};
int	 children_proc_stat(pid_t, pid_t *, unsigned long long *, char *);
enum child_verdict children_spawned(struct worker *, pid_t, int,
	    struct child_rec *, const char **);
const struct child_rec *children_find(pid_t);
const char *children_violation(const struct worker *, pid_t, bool,
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
bool	 procev_open(void);
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
