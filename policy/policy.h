/* SPDX-License-Identifier: ISC */
/*
 * The sandbox of a service: what its policy file says, parsed into one
 * fixed-layout record (no pointers), so the master can send it to a worker
 * as it is and compare two of them with memcmp on reload.
 */
#ifndef SINETD_POLICY_H
#define SINETD_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "errors.h"
#include "service.h"

#define POLICY_SYSCALLS_MAX	1024	/* native syscall numbers below this */
#define POLICY_PATHS_MAX	64
#define POLICY_PATH_MAX		256
#define POLICY_PORTS_MAX	32
#define POLICY_CIDRS_MAX	64
#define POLICY_RLIMITS		16	/* RLIM_NLIMITS */
#define POLICY_NAME_MAX		64

enum policy_kind {
	POLICY_NONE,		/* no syscall filter beyond the guards */
	POLICY_ALLOW_LIST,	/* action for every syscall not allowed */
	POLICY_DENY_LIST,	/* action for the denied and the unknown */
};

enum policy_action {
	ACTION_KILL,
	ACTION_ERRNO,
	ACTION_LOG,		/* learning mode: nothing is blocked */
};

/* Landlock access a path gets. */
#define FS_READ		0x1
#define FS_WRITE	0x2
#define FS_EXEC		0x4

struct policy_path {
	uint32_t	access;		/* FS_READ | FS_WRITE | FS_EXEC */
	char		path[POLICY_PATH_MAX];
};

struct policy_cidr {
	uint8_t		family;		/* AF_INET or AF_INET6 */
	uint8_t		prefix;
	uint8_t		addr[16];
};

struct policy {
	char		name[POLICY_NAME_MAX];	/* "tftp", "default", … */
	uint32_t	kind;			/* enum policy_kind */
	uint32_t	action;			/* enum policy_action */
	int32_t		action_errno;
	uint8_t		allow[POLICY_SYSCALLS_MAX / 8];
	uint8_t		deny[POLICY_SYSCALLS_MAX / 8];
	uint64_t	caps;			/* held, whatever the user */
	uint64_t	root_caps;		/* kept if the user is root */
	uint32_t	rlimit_set;		/* bit per resource */
	struct {
		uint64_t	cur, max;
	} rlimit[POLICY_RLIMITS];
	int32_t		nice;
	uint32_t	nice_set;
	uint32_t	umask;
	uint32_t	umask_set;
	char		chroot[POLICY_PATH_MAX];
	uint32_t	workers;		/* 0: the default */
	uint32_t	prefork;		/* workers started at once, */
	uint32_t	prefork_set;		/* if set; else -o prefork */
	uint32_t	isolate;		/* a pool of its own */
	uint32_t	idle_timeout_ms;	/* 0: the default */
	uint32_t	suspend_ms;		/* 0: the default */
	uint32_t	npaths;
	struct policy_path paths[POLICY_PATHS_MAX];
	uint32_t	nbind, nconnect;
	uint16_t	net_bind[POLICY_PORTS_MAX];
	uint16_t	net_connect[POLICY_PORTS_MAX];
	uint32_t	nonly, nnoaccess;
	struct policy_cidr only_from[POLICY_CIDRS_MAX];
	struct policy_cidr no_access[POLICY_CIDRS_MAX];
	uint32_t	landlock_abi;		/* the ABI its rules need */
	uint32_t	no_exec_memory;		/* mmap/mprotect never PROT_EXEC */
	uint32_t	no_write_open;		/* deny @file-write: open and */
						/* openat never for writing */
	uint32_t	protect;		/* PROTECT_*, what the pool's */
						/* mount namespace and filter add */
	uint64_t	tasks_max;		/* the pool's cgroup: 0, none */
	uint64_t	memory_max;		/* bytes, 0: none */
	uint16_t	refuse_errno[POLICY_SYSCALLS_MAX]; /* refuse: 0, or */
						/* the errno this call gets */
};

/*
 * The protections named after systemd's (sinetd.policy(5) has the table):
 * mounts in the pool's own namespace (root only) and rules in the guard.
 */
#define PROTECT_SYSTEM		0x001	/* /usr /boot /efi read-only */
#define PROTECT_SYSTEM_FULL	0x002	/* and /etc */
#define PROTECT_KERNEL		0x004	/* /proc/sys, /sys read-only, kmsg gone */
#define PROTECT_PROC		0x008	/* hidepid=invisible */
#define PROTECT_PROC_PTRACE	0x100	/* hidepid=ptraceable */
#define PRIVATE_TMP		0x010	/* /tmp and /var/tmp of the pool's own */
#define PRIVATE_DEVICES		0x020	/* /dev with the harmless nodes only */
#define RESTRICT_SUID_SGID	0x040	/* no setuid or setgid bit can be set */
#define MEMORY_DENY_WX		0x080	/* no memory both writable and exec */
#define LOCK_PERSONALITY	0x200	/* personality(2) stays PER_LINUX */
#define SETUID_SESSIONS		0x400	/* no no_new_privs: setuid programs
					   raise privileges (uucico) */

/*
 * Capabilities no policy can grant: each would let a service undo its
 * sandbox (sys_admin mounts and unmounts, sys_ptrace reaches past the
 * domains, sys_module, sys_rawio, sys_boot, mac_*, bpf reach the kernel).
 */
#define CAPS_NEVER	((1ULL << 16) | (1ULL << 17) | (1ULL << 19) | \
			 (1ULL << 21) | (1ULL << 22) | (1ULL << 32) | \
			 (1ULL << 33) | (1ULL << 39))

#define POLICY_TRACE_TRIED	5
#define POLICY_TRACE_FILES	16
#define POLICY_TRACE_EXEC	8
#define POLICY_WHERE_MAX	(PATH_MAX + 16)

/* A path the service's line executes, and why (program.c). */
struct program_path {
	char	path[PATH_MAX];
	char	what[PATH_MAX + 64];	/* "the server program", … */
	bool	added;			/* to fs-exec, by program_cover */
};

/*
 * How a service's policy came to be: the file names tried, the files
 * read, where the lines a later check may blame stand, and the paths the
 * line executes. What sinetd -n checks and -v shows.
 */
struct policy_trace {
	char	 tried[POLICY_TRACE_TRIED][PATH_MAX];	/* in order */
	int	 ntried;
	char	 chosen[PATH_MAX];	/* "": the built-in baseline */
	char	 files[POLICY_TRACE_FILES][PATH_MAX];	/* read, in order */
	int	 nfiles;
	char	 action_at[POLICY_WHERE_MAX];	/* the last action line */
	struct {
		int	 e;
		char	 at[POLICY_WHERE_MAX];
	}	 refuse[8];		/* each errno's first refuse line */
	int	 nrefuse;
	struct program_path exec[POLICY_TRACE_EXEC];
	int	 nexec;
};

/* parse.c */
int	 policy_parse_file(const char *, const char *, const struct policy *,
	    struct policy *, struct errors *);
int	 policy_parse_traced(const char *, const char *,
	    const struct policy *, struct policy *, struct policy_trace *,
	    struct errors *);
int	 policy_parse_text(const char *, const char *, struct policy *,
	    struct errors *);
int	 policy_check_dir(const char *, struct errors *);

/* choose.c: which file, in one place */
int	 policy_choose(const char *, const struct service *,
	    struct policy_trace *, struct errors *);
const char *policy_port_name(const struct service *);
int	 policy_load(const char *, const struct service *,
	    struct policy_trace *, struct policy *, struct errors *);
int	 policy_for_service(const char *, const struct service *,
	    struct policy *, struct policy_trace *, struct errors *);

/* program.c: what a line executes */
bool	 program_served(const struct service *, char *, size_t);
void	 program_paths(const struct service *, const char *,
	    struct policy_trace *);
int	 program_cover(struct policy *, struct policy_trace *,
	    struct errors *);
void	 program_problems(const struct service *, const struct policy *,
	    const struct policy_trace *, struct errors *);

/* peers.c: only-from and no-access */
const char *policy_refuses_peer(const struct policy *,
	    const struct sockaddr *);

/* builtin.c: what needs no file */
void	 policy_default(struct policy *);
void	 policy_internal(struct policy *);
void	 policy_narrow(struct policy *, const struct policy *);
void	 policy_add_worker_needs(struct policy *);

/* groups.c */
struct syscall_group {
	const char	*name;		/* "@basic-io" */
	const char	*help;
	const char	*const *syscalls;
};
const struct syscall_group *groups_find(const char *);
const struct syscall_group *groups_all(size_t *);
int	 syscall_number(const char *);
const char *syscall_name(int, char *, size_t);

/* filter.c: seccomp */
struct sock_filter;
struct policy_filter {
	struct sock_filter	*prog;
	unsigned short		 len;
};
int	 filter_compile(const struct policy *, struct policy_filter *, char *,
	    size_t);
/* What holds a worker's children's signals besides the guard. */
enum guard_mode {
	GUARD_UNSCOPED,		/* internal, below ABI 6: no pid 0, no group */
	GUARD_SCOPED,		/* Landlock scopes (ABI 6) */
	GUARD_EXTERNAL,		/* external, below ABI 6: not master, worker */
};
int	 filter_compile_guard(int, const struct policy *, enum guard_mode,
	    struct policy_filter *, char *, size_t);
int	 filter_compile_quiet(struct policy_filter *, char *, size_t);
int	 filter_load(const struct policy_filter *, unsigned);

/* compile.c: the filters as a worker builds them */
int	 policy_worker_filters(const struct policy *, bool, int,
	    struct policy_filter *, struct policy_filter *, char *, size_t);

/* caps.c */
int	 caps_from_name(const char *);
const char *caps_name(int);
int	 caps_keep_before_setuid(void);
int	 caps_apply(uint64_t, bool, bool, uint64_t *, char *, size_t);

/* landlock.c */
int	 landlock_abi(void);
int	 landlock_prepare(const struct policy *, bool, char *, size_t);
int	 landlock_enforce(char *, size_t);
int	 landlock_child_prepare(char *, size_t);
int	 landlock_child_enter(void);
int	 landlock_scoped(void);
void	 landlock_cap_abi(int);

/* mountns.c: the pool's own view of the filesystem (root only) */
struct mountns_protect {
	const char	*conf;		/* read-only, whatever the policy */
	const char	*policy_dir;
	const char	*pidfile;
	const char	*ctl_socket;	/* hidden */
};
#define MOUNTNS_MARK	"sinetd-sandbox"	/* a descendant's sign */
int	 mountns_enter(const struct policy *, const struct mountns_protect *,
	    char *, size_t);
bool	 mountns_is_sandboxed(int);

/* bits */
static inline void
policy_bit_set(uint8_t *bits, int nr)
{
	bits[nr / 8] |= (uint8_t)(1 << (nr % 8));
}

static inline bool
policy_bit(const uint8_t *bits, int nr)
{
	return (bits[nr / 8] >> (nr % 8)) & 1;
}

#endif
