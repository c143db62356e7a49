/* SPDX-License-Identifier: ISC */
/*
 * The sandbox of a service: reading its policy file into the record
 * (policy_wire.h), choosing the file, and applying the record in a worker
 * (seccomp, capabilities, Landlock, the mount namespace).
 */
#ifndef SINETD_POLICY_H
#define SINETD_POLICY_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "errors.h"
#include "policy_wire.h"
#include "service.h"

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
