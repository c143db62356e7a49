/* SPDX-License-Identifier: ISC */
/*
 * The policies that need no file: the baseline a service without one gets
 * (the text of policy/default.policy, built in, so the two cannot drift)
 * and the internal services' own (policy/internal.policy), which a file
 * of a builtin's name may narrow and never widen.
 */
#include <string.h>

#include "log.h"
#include "util.h"
#include "policy.h"

/* Generated from policy/default.policy and policy/internal.policy. */
extern const char policy_text_default[];
extern const char policy_text_internal[];

/* Parsed once; a built-in text with an error is a bug of the build. */
static void
builtin(const char *label, const char *text, struct policy *cache,
    bool *done, struct policy *p)
{
	struct errors err = { 0 };

	if (!*done) {
		if (policy_parse_text(label, text, cache, &err) == -1)
			fatalx("built-in %s: %s", label, err.v[0]);
		errors_free(&err);
		*done = true;
	}
	*p = *cache;
}

void
policy_default(struct policy *p)
{
	static struct policy cache;
	static bool done;

	builtin("default.policy (built in)", policy_text_default, &cache,
	    &done, p);
}

void
policy_internal(struct policy *p)
{
	static struct policy cache;
	static bool done;

	builtin("internal.policy (built in)", policy_text_internal, &cache,
	    &done, p);
}

/*
 * The calls every internal worker makes whatever its service: its event
 * loop, the channel to the master, its memory, resetting a refused
 * connection, leaving. A narrowing file cannot take them away.
 */
static const char *const internal_needs[] = {
	"brk", "close", "epoll_ctl", "epoll_pwait", "epoll_wait", "exit",
	"exit_group", "futex", "mmap", "munmap", "recvmsg", "restart_syscall",
	"rt_sigreturn", "sendmsg", "setsockopt",
};

/* Allows the named calls, whatever the policy said of them. */
static void
policy_keep(struct policy *p, const char *const *names, size_t n)
{
	size_t i;
	int nr;

	for (i = 0; i < n; i++) {
		if ((nr = syscall_number(names[i])) < 0 ||
		    nr >= POLICY_SYSCALLS_MAX)
			continue;
		p->deny[nr / 8] &= (uint8_t)~(1 << (nr % 8));
		p->refuse_errno[nr] = 0;
		if (p->kind == POLICY_ALLOW_LIST)
			policy_bit_set(p->allow, nr);
	}
}

/* A file of an internal service's name, checked not wider, applied. */
void
policy_narrow(struct policy *p, const struct policy *file)
{
	size_t i;

	if (file->kind == POLICY_ALLOW_LIST)
		for (i = 0; i < sizeof(p->allow); i++)
			p->allow[i] &= file->allow[i];
	for (i = 0; i < sizeof(p->allow); i++)
		p->allow[i] &= (uint8_t)~file->deny[i];
	if (file->action != ACTION_KILL || file->kind != POLICY_NONE) {
		p->action = file->action;
		p->action_errno = file->action_errno;
	}
	p->no_exec_memory |= file->no_exec_memory;
	p->no_write_open |= file->no_write_open;
	if (file->workers)
		p->workers = file->workers;
	if (file->prefork_set) {
		p->prefork = file->prefork;
		p->prefork_set = 1;
	}
	p->isolate |= file->isolate;
	if (file->idle_timeout_ms)
		p->idle_timeout_ms = file->idle_timeout_ms;
	if (file->suspend_ms)
		p->suspend_ms = file->suspend_ms;
	memcpy(p->only_from, file->only_from, sizeof(p->only_from));
	p->nonly = file->nonly;
	memcpy(p->no_access, file->no_access, sizeof(p->no_access));
	p->nnoaccess = file->nnoaccess;
	memcpy(p->name, file->name, sizeof(p->name));
	policy_keep(p, internal_needs, ARRAY_LEN(internal_needs));
}

/*
 * The calls a worker for an external service makes itself, to wait,
 * accept, start a child and reap it: an allow-list always has them (the
 * child starts under the same filter), and no policy can deny them.
 */
static const char *const worker_needs[] = {
	"accept", "accept4", "brk", "chdir", "clock_gettime", "clone", "close",
	"close_range", "dup2", "dup3", "epoll_ctl", "epoll_pwait", "epoll_wait",
	"execve", "exit", "exit_group", "futex", "getpid", "getsockname",
	"getsockopt", "gettimeofday", "landlock_restrict_self", "madvise",
	"mmap", "mprotect", "munmap",
	"prlimit64", "read", "recvfrom", "recvmsg", "restart_syscall",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sendmsg", "sendto",
	"setpriority", "setrlimit", "setsid", "setsockopt", "time", "umask",
	"wait4", "waitid",
};

/*
 * Under no-new-privileges no the filters are loaded while the worker is
 * still root (the kernel's condition without no_new_privs), so the calls
 * that then drop its ids and capabilities must pass them.
 */
static const char *const setuid_order_needs[] = {
	"capget", "capset", "prctl", "setgroups", "setresgid", "setresuid",
	"getppid",
};

void
policy_add_worker_needs(struct policy *p)
{
	policy_keep(p, worker_needs, ARRAY_LEN(worker_needs));
	if (p->protect & SETUID_SESSIONS)
		policy_keep(p, setuid_order_needs,
		    ARRAY_LEN(setuid_order_needs));
}
