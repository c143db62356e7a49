/*
 * The seccomp filters, built with libseccomp once per worker before it
 * drops anything, exported as BPF, and loaded last with the raw syscall:
 * a spawn then costs no compile, and its children inherit them.
 *
 * Two filters stack, the strictest action winning:
 * - the policy's: an allow-list, or a deny-list turned into the allow-list
 *   of every call libseccomp knows but those denied, so that a newer
 *   kernel's calls are never allowed by accident;
 * - the guard every worker gets: no signal to the master, to pid 0 or to
 *   a process group, no pidfd_open, and clone3 answers ENOSYS (its flags
 *   cannot be read, and glibc falls back to clone).
 * Only the native architecture is allowed: any other kills the process.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
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

static int
allow(scmp_filter_ctx ctx, const struct policy *p, int nr)
{
	/* No executable memory: the PROT argument is the third of each. */
	if (p->no_exec_memory && (nr == SCMP_SYS(mmap) ||
	    nr == SCMP_SYS(mmap2) || nr == SCMP_SYS(mprotect) ||
	    nr == SCMP_SYS(pkey_mprotect)))
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/* out->len is 0 when the policy filters no syscall (only the guard). */
int
filter_compile(const struct policy *p, struct policy_filter *out, char *err,
    size_t errlen)
{
	scmp_filter_ctx ctx;
	char *name;
	int nr, rc = -1;
	bool known;

	memset(out, 0, sizeof(*out));
	if (p->kind == POLICY_NONE)
		return 0;
	if ((ctx = new_ctx(deny_action(p), err, errlen)) == NULL)
		return -1;
	for (nr = 0; nr < POLICY_SYSCALLS_MAX; nr++) {
		if (policy_bit(p->deny, nr) || nr == SCMP_SYS(clone3))
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
		if (allow(ctx, p, nr) != 0) {
			snprintf(err, errlen, "seccomp rule for syscall %d "
			    "refused", nr);
			goto out;
		}
	}
	/* The guard says so too; here, so the strictest action is ENOSYS. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3),
	    0) != 0) {
		snprintf(err, errlen, "seccomp rule for clone3 refused");
		goto out;
	}
	rc = export(ctx, out, err, errlen);
out:
	seccomp_release(ctx);
	return rc;
}

/* The guard: see the top of this file. */
int
filter_compile_guard(int master, struct policy_filter *out, char *err,
    size_t errlen)
{
	static const int senders[] = {
		SCMP_SYS(kill), SCMP_SYS(tkill), SCMP_SYS(tgkill),
		SCMP_SYS(rt_sigqueueinfo), SCMP_SYS(rt_tgsigqueueinfo),
	};
	scmp_filter_ctx ctx;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((ctx = new_ctx(SCMP_ACT_ALLOW, err, errlen)) == NULL)
		return -1;
	for (i = 0; i < sizeof(senders) / sizeof(senders[0]); i++) {
		/* The pid is an int: only its low 32 bits count. */
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), senders[i], 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0x80000000u, 0x80000000u)) ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), senders[i], 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, 0)) ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), senders[i], 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
		    (uint32_t)master))) {
			snprintf(err, errlen, "seccomp guard rule refused");
			goto out;
		}
	}
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(pidfd_open),
	    0) != 0 || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0) != 0) {
		snprintf(err, errlen, "seccomp guard rule refused");
		goto out;
	}
	rc = export(ctx, out, err, errlen);
out:
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
