/* SPDX-License-Identifier: ISC */
/*
 * The seccomp filters, built with libseccomp once per worker before it
 * drops anything, exported as BPF, and loaded last with the raw syscall:
 * a spawn then costs no compile, and its children inherit them.
 *
 * Two filters stack, the strictest action winning:
 * - the policy's: an allow-list, or a deny-list turned into the allow-list
 *   of every call libseccomp knows but those denied, so that a newer
 *   kernel's calls are never allowed by accident;
 * - the guard every worker gets: no signal to the master (nor, where the
 *   kernel cannot scope signals, to pid 0, a process group or a pidfd),
 *   no pidfd_open, no new namespace, no setns, no userfaultfd by ioctl,
 *   and what the policy's protections add (no setuid bit, no memory both
 *   writable and executable).
 * Both are loaded with SECCOMP_FILTER_FLAG_LOG, so that what they refuse
 * reaches the audit log and the master names it. A third, the quiet one,
 * loaded first and without it, answers clone3 ENOSYS (its flags cannot be
 * read, so neither can its namespaces; glibc then falls back to clone):
 * the other two let clone3 pass, for the kernel logs a refusal as the
 * filter that gave it asks, and where several give one action the newest
 * is the one it takes. So glibc's designed fallback, at every thread and
 * spawn of every child server, costs no record, neither in our log nor
 * in the kernel's rate of them, that the records of real kills need.
 * Only the native architecture is allowed: any other kills the process.
 */
#include <sys/mman.h>
#include <sys/shm.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

static uint32_t
deny_action(const struct policy *p)
{
	switch (p->action) {
	case ACTION_ERRNO:
		return SCMP_ACT_ERRNO((uint16_t)p->action_errno);
	case ACTION_LOG:
		/* The master notes the call and lets it go on (learn.c). */
		return SCMP_ACT_NOTIFY;
	default:
		return SCMP_ACT_KILL_PROCESS;
	}
}

/*
 * A rule, unless its action is the filter's default: libseccomp refuses
 * such a rule (EACCES), and it changes nothing, for a call the rule
 * matches gets the default anyway. So `action errno ENOSYS' beside
 * default.policy's `refuse ENOSYS @keyring', or `refuse EPERM' beside
 * `action errno EPERM', applies.
 */
static int
rule_add(scmp_filter_ctx ctx, uint32_t def, uint32_t action, int nr,
    unsigned n, const struct scmp_arg_cmp *cmp)
{
	if (action == def)
		return 0;
	return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

static scmp_filter_ctx
new_ctx(uint32_t def, char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(def);

	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return NULL;
	}
	/* We set no_new_privs ourselves, in its place in the lock-down. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) != 0) {
		snprintf(err, errlen, "seccomp attributes refused");
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* The BPF libseccomp made, copied out through a memfd. */
static int
export(scmp_filter_ctx ctx, struct policy_filter *out, char *err,
    size_t errlen)
{
	struct stat sb;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = memfd_create("sinetd-filter", MFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	if (seccomp_export_bpf(ctx, fd) != 0 || fstat(fd, &sb) == -1 ||
	    sb.st_size == 0 || sb.st_size % sizeof(struct sock_filter) != 0 ||
	    sb.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		snprintf(err, errlen, "seccomp_export_bpf failed");
		goto out;
	}
	out->prog = malloc((size_t)sb.st_size);
	if (out->prog == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	n = pread(fd, out->prog, (size_t)sb.st_size, 0);
	if (n != sb.st_size) {
		snprintf(err, errlen, "reading the filter back failed");
		free(out->prog);
		out->prog = NULL;
		goto out;
	}
	out->len = (unsigned short)(sb.st_size / sizeof(struct sock_filter));
	rc = 0;
out:
	close(fd);
	return rc;
}

/* What open and openat may not have under deny @file-write. */
#define WRITE_OPEN_FLAGS	(O_ACCMODE | O_CREAT | O_TRUNC)

static int
allow(scmp_filter_ctx ctx, uint32_t def, const struct policy *p, int nr)
{
	struct scmp_arg_cmp write_open[] = {
		SCMP_A1(SCMP_CMP_MASKED_EQ, WRITE_OPEN_FLAGS, 0) };
	struct scmp_arg_cmp write_openat[] = {
		SCMP_A2(SCMP_CMP_MASKED_EQ, WRITE_OPEN_FLAGS, 0) };
	struct scmp_arg_cmp no_exec[] = {
		SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0) };

	/*
	 * deny @file-write: opening for reading only. The rest falls to the
	 * policy's action, as the group's own calls do.
	 */
	if (p->no_write_open && nr == SCMP_SYS(open))
		return rule_add(ctx, def, SCMP_ACT_ALLOW, nr, 1, write_open);
	if (p->no_write_open && nr == SCMP_SYS(openat))
		return rule_add(ctx, def, SCMP_ACT_ALLOW, nr, 1, write_openat);
	/* Its flags are in memory a filter cannot read: as clone3. */
	if (p->no_write_open && nr == SCMP_SYS(openat2))
		return rule_add(ctx, def, SCMP_ACT_ERRNO(ENOSYS), nr, 0, NULL);
	/* No executable memory: the PROT argument is the third of each. */
	if (p->no_exec_memory && (nr == SCMP_SYS(mmap) ||
	    nr == SCMP_SYS(mmap2) || nr == SCMP_SYS(mprotect) ||
	    nr == SCMP_SYS(pkey_mprotect)))
		return rule_add(ctx, def, SCMP_ACT_ALLOW, nr, 1, no_exec);
	return rule_add(ctx, def, SCMP_ACT_ALLOW, nr, 0, NULL);
}

/* out->len is 0 when the policy filters no syscall (only the guard). */
int
filter_compile(const struct policy *p, struct policy_filter *out, char *err,
    size_t errlen)
{
	uint32_t def = deny_action(p);
	scmp_filter_ctx ctx;
	char *name;
	int nr, rc = -1;
	bool known;

	memset(out, 0, sizeof(*out));
	if (p->kind == POLICY_NONE)
		return 0;
	if ((ctx = new_ctx(def, err, errlen)) == NULL)
		return -1;
	for (nr = 0; nr < POLICY_SYSCALLS_MAX; nr++) {
		if (nr == SCMP_SYS(clone3))
			continue;
		if (p->refuse_errno[nr] != 0) {
			if (rule_add(ctx, def,
			    SCMP_ACT_ERRNO(p->refuse_errno[nr]), nr, 0,
			    NULL) != 0) {
				snprintf(err, errlen, "seccomp rule for syscall "
				    "%d refused", nr);
				goto out;
			}
			continue;
		}
		if (policy_bit(p->deny, nr))
			continue;
		if (p->kind == POLICY_ALLOW_LIST) {
			if (!policy_bit(p->allow, nr))
				continue;
		} else {
			name = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, nr);
			known = name != NULL;
			free(name);
			if (!known)
				continue;
		}
		if (allow(ctx, def, p, nr) != 0) {
			snprintf(err, errlen, "seccomp rule for syscall %d "
			    "refused", nr);
			goto out;
		}
	}
	/* The quiet filter's to answer, whatever the policy says of it. */
	if (rule_add(ctx, def, SCMP_ACT_ALLOW, SCMP_SYS(clone3), 0,
	    NULL) != 0) {
		snprintf(err, errlen, "seccomp rule for clone3 refused");
		goto out;
	}
	rc = export(ctx, out, err, errlen);
out:
	seccomp_release(ctx);
	return rc;
}

static int
guard_rule(scmp_filter_ctx ctx, int err, int nr, unsigned arg, uint64_t mask,
    uint64_t value)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint16_t)err), nr, 1,
	    SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, value));
}

/* fcntl(fd, cmd, target): refused. */
static int
guard_rule2(scmp_filter_ctx ctx, int nr, uint32_t cmd, uint32_t target)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 2,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, cmd),
	    SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, target));
}

/* Any of these bits in the argument: refused. */
static int
guard_bits(scmp_filter_ctx ctx, int nr, unsigned arg, const uint64_t *bits,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (guard_rule(ctx, EPERM, nr, arg, bits[i], bits[i]) != 0)
			return -1;
	return 0;
}

/*
 * The guard: see the top of this file. GUARD_SCOPED: the worker and each
 * child server are in Landlock domains that scope signals (ABI 6), so the
 * kernel refuses a signal, a pidfd's or a SIGIO's, to anything outside;
 * below that, GUARD_EXTERNAL (an external service's worker and its
 * children, which must keep signalling their own children and groups):
 * nothing to the master or the worker, by pid, group, -1 or F_SETOWN,
 * and no pidfd signal; GUARD_UNSCOPED (internal workers): no signal to
 * pid 0 or any group either.
 */
int
filter_compile_guard(int master, const struct policy *p, enum guard_mode mode,
    struct policy_filter *out, char *err, size_t errlen)
{
	static const int senders[] = {
		SCMP_SYS(kill), SCMP_SYS(tkill), SCMP_SYS(tgkill),
		SCMP_SYS(rt_sigqueueinfo), SCMP_SYS(rt_tgsigqueueinfo),
	};
	/* clone takes the exit signal in its low byte: no CLONE_NEWTIME. */
	static const uint64_t ns_clone[] = {
		CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
		CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
	};
	static const uint64_t ns_unshare[] = {
		CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
		CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, 0x80 /* NEWTIME */,
	};
	static const uint64_t suid[] = { S_ISUID, S_ISGID };
	static const struct {
		int		nr;
		unsigned	mode_arg;
	} chmods[] = {
		{ SCMP_SYS(chmod), 1 }, { SCMP_SYS(fchmod), 1 },
		{ SCMP_SYS(fchmodat), 2 }, { 452 /* fchmodat2 */, 2 },
		{ SCMP_SYS(open), 2 }, { SCMP_SYS(openat), 3 },
		{ SCMP_SYS(creat), 1 }, { SCMP_SYS(mknod), 1 },
		{ SCMP_SYS(mknodat), 2 }, { SCMP_SYS(mkdir), 1 },
		{ SCMP_SYS(mkdirat), 2 },
	};
	static const struct {
		int		nr;
		unsigned	arg;	/* the pid: 0 is ourselves */
	} self_only[] = {
		{ SCMP_SYS(prlimit64), 0 }, { SCMP_SYS(setpriority), 1 },
		{ SCMP_SYS(sched_setaffinity), 0 },
		{ SCMP_SYS(sched_setscheduler), 0 },
		{ SCMP_SYS(sched_setparam), 0 }, { SCMP_SYS(sched_setattr), 0 },
		{ SCMP_SYS(ioprio_set), 1 },
	};
	int worker = (int)getpid();
	const uint32_t owners[] = { (uint32_t)master, (uint32_t)-master,
		(uint32_t)worker, (uint32_t)-worker };
	const size_t nowners = sizeof(owners) / sizeof(owners[0]);
	scmp_filter_ctx ctx;
	size_t i, k;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((ctx = new_ctx(SCMP_ACT_ALLOW, err, errlen)) == NULL)
		return -1;
	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
		/* The pid is an int: only its low 32 bits count. */
		if (guard_rule(ctx, EPERM, senders[i], 0, 0xffffffffu,
		    (uint32_t)master) != 0)
			goto fail;
		if (mode == GUARD_SCOPED)
			continue;
		/*
		 * -1 is everyone we may signal, -pid a group: the master's,
		 * the worker's (each is its group's leader), and the worker
		 * itself, which its children must not stop either.
		 */
		if (mode == GUARD_EXTERNAL) {
			if (guard_rule(ctx, EPERM, senders[i], 0, 0xffffffffu,
			    (uint32_t)-1) != 0)
				goto fail;
			/* owners[0], the master, has its rule above. */
			for (k = 1; k < nowners; k++)
				if (guard_rule(ctx, EPERM, senders[i], 0,
				    0xffffffffu, owners[k]) != 0)
					goto fail;
			continue;
		}
		if (guard_rule(ctx, EPERM, senders[i], 0, 0x80000000u,
		    0x80000000u) != 0 ||
		    guard_rule(ctx, EPERM, senders[i], 0, 0xffffffffu, 0) != 0)
			goto fail;
	}
	/* clone3 is the quiet filter's. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(pidfd_open),
	    0) != 0 || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(setns), 0) != 0)
		goto fail;
	/*
	 * SIGIO and SIGURG by F_SETOWN are signals too: never at the master
	 * or the worker; the calls that name the target by pointer, never.
	 */
	for (i = 0; mode == GUARD_EXTERNAL && i < nowners; i++)
		if (guard_rule2(ctx, SCMP_SYS(fcntl), F_SETOWN, owners[i]) != 0)
			goto fail;
	if (mode == GUARD_EXTERNAL && (guard_rule(ctx, EPERM, SCMP_SYS(fcntl),
	    1, 0xffffffffu, F_SETOWN_EX) != 0 || guard_rule(ctx, EPERM,
	    SCMP_SYS(ioctl), 1, 0xffffffffu, 0x8901 /* FIOSETOWN */) != 0 ||
	    guard_rule(ctx, EPERM, SCMP_SYS(ioctl), 1, 0xffffffffu,
	    0x8902 /* SIOCSPGRP */) != 0))
		goto fail;
	/* A pidfd from open("/proc/PID") signals too. */
	if (mode != GUARD_SCOPED && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(pidfd_send_signal), 0) != 0)
		goto fail;
	/* A new namespace of any kind: a user namespace is every capability. */
	if (guard_bits(ctx, SCMP_SYS(clone), 0, ns_clone,
	    sizeof(ns_clone) / sizeof(ns_clone[0])) != 0 ||
	    guard_bits(ctx, SCMP_SYS(unshare), 0, ns_unshare,
	    sizeof(ns_unshare) / sizeof(ns_unshare[0])) != 0)
		goto fail;
	/*
	 * What the same uid may do to another process without ptrace: its
	 * limits, its priority, its CPUs, its I/O class. Only our own.
	 */
	for (i = 0; i < sizeof(self_only) / sizeof(self_only[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    self_only[i].nr, 1, SCMP_CMP(self_only[i].arg,
		    SCMP_CMP_NE, 0, 0)) != 0)
			goto fail;
	if (guard_rule(ctx, EPERM, SCMP_SYS(setpriority), 0, 0xffffffffu,
	    PRIO_USER) != 0)
		goto fail;
	/* /dev/userfaultfd hands out what the userfaultfd deny keeps out. */
	if (guard_rule(ctx, EPERM, SCMP_SYS(ioctl), 1, 0xffffffffu,
	    0xaa00 /* USERFAULTFD_IOC_NEW */) != 0)
		goto fail;
	if (p->protect & RESTRICT_SUID_SGID) {
		for (i = 0; i < sizeof(chmods) / sizeof(chmods[0]); i++)
			if (guard_bits(ctx, chmods[i].nr, chmods[i].mode_arg,
			    suid, 2) != 0)
				goto fail;
		/* Its mode hides in a struct: as a kernel without it. */
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
		    SCMP_SYS(openat2), 0) != 0)
			goto fail;
	}
	if (p->protect & MEMORY_DENY_WX) {
		/* systemd's MemoryDenyWriteExecute: ld.so maps r-x at once. */
		if (guard_rule(ctx, EPERM, SCMP_SYS(mmap), 2,
		    PROT_WRITE | PROT_EXEC, PROT_WRITE | PROT_EXEC) != 0 ||
		    guard_rule(ctx, EPERM, SCMP_SYS(mprotect), 2, PROT_EXEC,
		    PROT_EXEC) != 0 ||
		    guard_rule(ctx, EPERM, SCMP_SYS(pkey_mprotect), 2,
		    PROT_EXEC, PROT_EXEC) != 0 ||
		    guard_rule(ctx, EPERM, SCMP_SYS(shmat), 2, SHM_EXEC,
		    SHM_EXEC) != 0)
			goto fail;
	}
	/*
	 * systemd's LockPersonality: a change of execution domain is refused
	 * (READ_IMPLIES_EXEC makes every readable page executable); PER_LINUX
	 * and the query (0xffffffff) pass.
	 */
	/* A rule per bit set, bit 31 clear (which the query has set). */
	for (i = 0; (p->protect & LOCK_PERSONALITY) && i < 31; i++)
		if (guard_rule(ctx, EPERM, SCMP_SYS(personality), 0,
		    0x80000000u | (1u << i), 1u << i) != 0)
			goto fail;
	rc = export(ctx, out, err, errlen);
	seccomp_release(ctx);
	return rc;
fail:
	snprintf(err, errlen, "seccomp guard rule refused");
	seccomp_release(ctx);
	return -1;
}

/* The quiet filter: see the top of this file. */
int
filter_compile_quiet(struct policy_filter *out, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((ctx = new_ctx(SCMP_ACT_ALLOW, err, errlen)) == NULL)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0) != 0) {
		snprintf(err, errlen, "seccomp rule for clone3 refused");
		seccomp_release(ctx);
		return -1;
	}
	rc = export(ctx, out, err, errlen);
	seccomp_release(ctx);
	return rc;
}

/*
 * Loads an exported filter: returns 0, or the notification descriptor
 * when flags asks for one (SECCOMP_FILTER_FLAG_NEW_LISTENER), or -1.
 */
int
filter_load(const struct policy_filter *f, unsigned flags)
{
	struct sock_fprog prog = { .len = f->len, .filter = f->prog };

	if (f->len == 0)
		return 0;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

