/* SPDX-License-Identifier: ISC */
/*
 * Landlock: a service sees only the paths its policy names (fs-read,
 * fs-write, fs-exec) and binds or connects only the TCP ports it names.
 * The ruleset is built while the worker can still open every path, and
 * enforced after no_new_privs. A path that does not exist is left out:
 * it grants nothing that exists. Debian 12's headers stop at ABI 2, so
 * the newer constants are defined here.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/landlock.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)	/* ABI 3 */
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV	(1ULL << 15)	/* ABI 5 */
#endif
#define LL_NET_BIND_TCP		(1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)
#define LL_RULE_NET_PORT	2
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)

struct ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI 4 */
	uint64_t	scoped;			/* ABI 6 */
};

struct ll_net_port_attr {
	uint64_t	allowed_access;
	uint64_t	port;
} __attribute__((packed));

#define FS_READ_RIGHTS	(LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC_RIGHTS	(LANDLOCK_ACCESS_FS_EXECUTE | \
			 LANDLOCK_ACCESS_FS_READ_FILE)
#define FS_FILE_RIGHTS	(LANDLOCK_ACCESS_FS_EXECUTE | \
			 LANDLOCK_ACCESS_FS_WRITE_FILE | \
			 LANDLOCK_ACCESS_FS_READ_FILE | \
			 LANDLOCK_ACCESS_FS_TRUNCATE | \
			 LANDLOCK_ACCESS_FS_IOCTL_DEV)

static int ruleset = -1;
static int child_ruleset = -1;
static int abi_cap = -1;	/* -o landlock-abi: use no more than this */

/* For tests of older kernels: behave as if this were the kernel's ABI. */
void
landlock_cap_abi(int cap)
{
	abi_cap = cap;
}

int
landlock_abi(void)
{
	static int abi = -1;
	long v;

	if (abi == -1) {
		v = syscall(SYS_landlock_create_ruleset, NULL, 0,
		    LANDLOCK_CREATE_RULESET_VERSION);
		abi = v < 0 ? 0 : (int)v;
	}
	return abi_cap >= 0 && abi_cap < abi ? abi_cap : abi;
}

/* Whether every child server's domain scopes signals and abstract sockets. */
int
landlock_scoped(void)
{
	return landlock_abi() >= 6;
}

/* How much of the ruleset's attributes this kernel reads. */
static size_t
attr_size(int abi)
{
	return abi >= 6 ? sizeof(struct ll_ruleset_attr) : abi >= 4 ?
	    offsetof(struct ll_ruleset_attr, scoped) : sizeof(uint64_t);
}

/* Every filesystem right this kernel can handle. */
static uint64_t
fs_rights(int abi)
{
	uint64_t r = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1 */

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

static uint64_t
rights_for(uint32_t access, uint64_t handled)
{
	uint64_t r = 0;

	if (access & FS_READ)
		r |= FS_READ_RIGHTS;
	if (access & FS_EXEC)
		r |= FS_EXEC_RIGHTS;
	/* Writing is everything that changes the tree below the path. */
	if (access & FS_WRITE)
		r |= handled & ~(LANDLOCK_ACCESS_FS_EXECUTE | FS_READ_RIGHTS);
	return r & handled;
}

static int
fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	char what[256];

	snprintf(what, sizeof(what), fmt, arg);
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	if (ruleset != -1)
		close(ruleset);
	ruleset = -1;
	return -1;
}

/*
 * Builds the ruleset (not enforced yet). deny_files: handle every
 * filesystem right even with no fs-* line (the internal services, which
 * open nothing). Never partly: a right the policy needs that this kernel
 * lacks is an error.
 */
int
landlock_prepare(const struct policy *p, bool deny_files, char *err,
    size_t errlen)
{
	struct ll_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb;
	struct ll_net_port_attr np;
	struct stat sb;
	int abi = landlock_abi(), fd;
	uint32_t i;

	/*
	 * From ABI 6 every worker scopes itself too: a worker's signals and
	 * abstract sockets reach its own children and nothing outside.
	 */
	if (p->npaths == 0 && p->nbind == 0 && p->nconnect == 0 && !deny_files &&
	    abi < 6)
		return 0;
	if (abi < (int)p->landlock_abi || (abi == 0 && !deny_files &&
	    (p->npaths > 0 || p->nbind > 0 || p->nconnect > 0))) {
		errno = EOPNOTSUPP;
		return fail(err, errlen, "Landlock ABI %s is needed",
		    p->nbind || p->nconnect ? "4" : "1");
	}
	if (abi == 0)
		return 0;	/* deny_files is extra: without it, no less safe */
	if (p->npaths > 0 || deny_files)
		attr.handled_access_fs = fs_rights(abi);
	if (p->nbind > 0)
		attr.handled_access_net |= LL_NET_BIND_TCP;
	if (p->nconnect > 0)
		attr.handled_access_net |= LL_NET_CONNECT_TCP;
	if (abi >= 6)
		attr.scoped = LL_SCOPE_SIGNAL | LL_SCOPE_ABSTRACT_UNIX;
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    attr_size(abi), 0);
	if (ruleset == -1)
		return fail(err, errlen, "%s", "landlock_create_ruleset");
	for (i = 0; i < p->npaths; i++) {
		fd = open(p->paths[i].path, O_PATH | O_CLOEXEC);
		if (fd == -1) {
			if (errno == ENOENT || errno == ENOTDIR) {
				log_debug("landlock: no %s, left out",
				    p->paths[i].path);
				continue;
			}
			return fail(err, errlen, "opening %s", p->paths[i].path);
		}
		pb.parent_fd = fd;
		pb.allowed_access = rights_for(p->paths[i].access,
		    attr.handled_access_fs);
		/* A file takes only the rights a file can have. */
		if (fstat(fd, &sb) == 0 && !S_ISDIR(sb.st_mode))
			pb.allowed_access &= FS_FILE_RIGHTS;
		if (pb.allowed_access != 0 && syscall(SYS_landlock_add_rule,
		    ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1) {
			close(fd);
			return fail(err, errlen, "landlock rule for %s",
			    p->paths[i].path);
		}
		close(fd);
	}
	for (i = 0; i < p->nbind + p->nconnect; i++) {
		np.allowed_access = i < p->nbind ? LL_NET_BIND_TCP :
		    LL_NET_CONNECT_TCP;
		np.port = i < p->nbind ? p->net_bind[i] :
		    p->net_connect[i - p->nbind];
		if (syscall(SYS_landlock_add_rule, ruleset, LL_RULE_NET_PORT,
		    &np, 0) == -1)
			return fail(err, errlen, "%s", "landlock port rule");
	}
	return 0;
}

/* After no_new_privs. */
int
landlock_enforce(char *err, size_t errlen)
{
	if (ruleset == -1)
		return 0;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) == -1)
		return fail(err, errlen, "%s", "landlock_restrict_self");
	close(ruleset);
	ruleset = -1;
	return 0;
}

/*
 * The domain each child server enters before exec, made once per worker.
 * A domain of its own puts the child outside its worker's and its
 * siblings' domains, so the kernel refuses it ptrace-mode access to them
 * (/proc/PID/mem, ptrace, process_vm_*); from ABI 6 it also scopes
 * signals (kill, pidfd_send_signal, SIGIO and SIGURG by F_SETOWN) and
 * abstract unix sockets to the child's own session. Below ABI 6 the
 * domain handles every filesystem right and grants them all beneath /,
 * for the ptrace rule alone, and the guard keeps signals off the master
 * and the worker. Without Landlock there is no domain (logged at start).
 */
int
landlock_child_prepare(char *err, size_t errlen)
{
	struct ll_ruleset_attr attr = { 0 };
	struct landlock_path_beneath_attr pb;
	int abi = landlock_abi(), root;

	if (abi == 0)
		return 0;
	if (abi >= 6)
		attr.scoped = LL_SCOPE_SIGNAL | LL_SCOPE_ABSTRACT_UNIX;
	else
		attr.handled_access_fs = fs_rights(abi);
	child_ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr,
	    attr_size(abi), 0);
	if (child_ruleset == -1)
		goto fail;
	if (abi >= 6)
		return 0;
	if ((root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	pb.parent_fd = root;
	pb.allowed_access = attr.handled_access_fs;
	if (syscall(SYS_landlock_add_rule, child_ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1) {
		close(root);
		goto fail;
	}
	close(root);
	return 0;
fail:
	snprintf(err, errlen, "the child servers' domain: %s", strerror(errno));
	if (child_ruleset != -1)
		close(child_ruleset);
	child_ruleset = -1;
	return -1;
}

/* In the child, between clone and exec: one system call, no allocation. */
int
landlock_child_enter(void)
{
	if (child_ruleset == -1)
		return 0;
	return (int)syscall(SYS_landlock_restrict_self, child_ruleset, 0);
}
