/* SPDX-License-Identifier: ISC */
/*
 * The wire form of a compiled policy: what a service's policy file says,
 * as one fixed-layout record (no pointers), so the master can send it to
 * a worker as it is (MSG_POLICY) and compare two of them with memcmp on
 * reload. The channel owns the layout; policy/ fills it in and applies
 * it, so common/ never needs policy/.
 */
#ifndef SINETD_POLICY_WIRE_H
#define SINETD_POLICY_WIRE_H

#include <stdint.h>

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

#endif
