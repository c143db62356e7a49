/* SPDX-License-Identifier: ISC */
/*
 * The policy language's directives: what each line sets in the record
 * (syscalls, deny, allow, refuse, action, caps, the fs-, net- and
 * protect- lines, limits, peers), and where a file for an internal
 * service may only narrow its built-in policy. parse.c reads the lines.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directive.h"
#include "policy.h"
#include "util.h"

static const struct {
	const char	*name;
	int		 resource;
	bool		 bytes;		/* takes k, m, g */
} rlimits[] = {
	{ "as", RLIMIT_AS, true },
	{ "core", RLIMIT_CORE, true },
	{ "cpu", RLIMIT_CPU, false },
	{ "data", RLIMIT_DATA, true },
	{ "fsize", RLIMIT_FSIZE, true },
	{ "locks", RLIMIT_LOCKS, false },
	{ "memlock", RLIMIT_MEMLOCK, true },
	{ "msgqueue", RLIMIT_MSGQUEUE, true },
	{ "nice", RLIMIT_NICE, false },
	{ "nofile", RLIMIT_NOFILE, false },
	{ "nproc", RLIMIT_NPROC, false },
	{ "rss", RLIMIT_RSS, true },
	{ "rtprio", RLIMIT_RTPRIO, false },
	{ "rttime", RLIMIT_RTTIME, false },
	{ "sigpending", RLIMIT_SIGPENDING, false },
	{ "stack", RLIMIT_STACK, true },
};

static const struct {
	const char	*name;
	int		 value;
} errnos[] = {
	{ "EACCES", EACCES }, { "EINVAL", EINVAL }, { "ENOSYS", ENOSYS },
	{ "EPERM", EPERM }, { "ENOTSUP", ENOTSUP }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "EAFNOSUPPORT", EAFNOSUPPORT }, { "ENOENT", ENOENT },
};

/* Where a line stands, for a check that comes after the parse. */
static void
trace_here(struct pparser *pp, char *where, size_t len)
{
	snprintf(where, len, "%s:%d", pp->file, pp->line);
}

/* A file for an internal service may narrow its built-in policy only. */
static bool
within_ceiling(struct pparser *pp, const char *directive, const char *what,
    int nr, bool widens)
{
	char name[64];

	if (pp->ceiling == NULL || !widens ||
	    policy_bit(pp->ceiling->allow, nr))
		return true;
	perr(pp, directive, "%s allows %s, wider than the built-in policy "
	    "of the internal services", what, syscall_name(nr, name,
		sizeof(name)));
	return false;
}

/* widens: the calls named are allowed (syscalls, allow). */
static void
add_syscalls(struct pparser *pp, const char *directive, char **w, int n,
    uint8_t *bits, bool widens)
{
	const struct syscall_group *g;
	int i, k, nr;

	if (n == 0)
		perr(pp, directive, "names no syscall or group");
	for (i = 0; i < n; i++) {
		if (w[i][0] == '@') {
			if ((g = groups_find(w[i])) == NULL) {
				perr(pp, directive, "unknown group \"%s\"",
				    w[i]);
				continue;
			}
			/*
			 * Denied, @file-write is also opening for writing,
			 * which its calls alone cannot say: open and openat
			 * are @file-read's, told apart by their flags.
			 */
			if (bits == pp->p->deny &&
			    strcmp(g->name, "@file-write") == 0)
				pp->p->no_write_open = 1;
			for (k = 0; g->syscalls[k] != NULL; k++)
				if ((nr = syscall_number(g->syscalls[k])) >= 0 &&
				    nr < POLICY_SYSCALLS_MAX &&
				    within_ceiling(pp, directive, w[i], nr,
				    widens))
					policy_bit_set(bits, nr);
			continue;
		}
		nr = syscall_number(w[i]);
		if (nr == -1)
			perr(pp, directive, "unknown syscall \"%s\"", w[i]);
		else if (nr >= POLICY_SYSCALLS_MAX)
			perr(pp, directive, "syscall \"%s\" is number %d, beyond "
			    "what a policy holds on this architecture", w[i], nr);
		else if (nr >= 0 && within_ceiling(pp, directive, w[i], nr,
		    widens))
			policy_bit_set(bits, nr);
		/* -2: known, but not on this architecture: nothing to do. */
	}
}

static void
set_action(struct pparser *pp, char **w, int n)
{
	unsigned long v;
	size_t i;

	if (pp->trace != NULL)
		trace_here(pp, pp->trace->action_at,
		    sizeof(pp->trace->action_at));

	if (n == 1 && strcmp(w[0], "kill") == 0) {
		pp->p->action = ACTION_KILL;
		return;
	}
	if (n == 1 && strcmp(w[0], "log") == 0) {
		if (pp->ceiling != NULL) {
			perr(pp, "action", "log lets every syscall through: "
			    "wider than the built-in policy of the internal "
			    "services");
			return;
		}
		pp->p->action = ACTION_LOG;
		return;
	}
	if (n == 2 && strcmp(w[0], "errno") == 0) {
		for (i = 0; i < ARRAY_LEN(errnos); i++)
			if (strcmp(errnos[i].name, w[1]) == 0) {
				pp->p->action = ACTION_ERRNO;
				pp->p->action_errno = errnos[i].value;
				return;
			}
		if (parse_ulong(w[1], 1, 4095, &v) == 0) {
			pp->p->action = ACTION_ERRNO;
			pp->p->action_errno = (int32_t)v;
			return;
		}
		perr(pp, "action", "unknown errno \"%s\"", w[1]);
		return;
	}
	perr(pp, "action", "expected kill, errno NAME or log");
}

/*
 * A caps (or root-caps) line replaces what an included file set, so a
 * service's file can narrow default.policy; lines of one file add up.
 */
static void
add_caps(struct pparser *pp, const char *directive, char **w, int n,
    uint64_t *set)
{
	int i, cap;

	if (set == pp->included_caps || set == pp->included_root) {
		*set = 0;
		if (set == pp->included_caps)
			pp->included_caps = NULL;
		else
			pp->included_root = NULL;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(w[i], "none") == 0 && n == 1)
			return;
		if ((cap = caps_from_name(w[i])) < 0) {
			perr(pp, directive, "unknown capability \"%s\"", w[i]);
			continue;
		}
		if ((1ULL << cap) & CAPS_NEVER) {
			perr(pp, directive, "%s would let the service undo "
			    "its sandbox (mounts, tracing, raw devices, the "
			    "filters): no policy can grant it", w[i]);
			continue;
		}
		*set |= 1ULL << cap;
	}
}

/*
 * refuse ERRNO NAME...: the call fails with that errno instead of meeting
 * the action, for calls a server's libraries try and do without (PAM's
 * keyring, say): a soft no, logged once a minute, never a kill.
 */
static void
add_refusals(struct pparser *pp, char **w, int n)
{
	uint8_t bits[POLICY_SYSCALLS_MAX / 8] = { 0 };
	struct policy_trace *t;
	unsigned long v;
	int e = 0, nr, k;
	size_t i;

	if (n < 2) {
		perr(pp, "refuse", "expected an errno and the calls it answers");
		return;
	}
	for (i = 0; i < ARRAY_LEN(errnos); i++)
		if (strcmp(errnos[i].name, w[0]) == 0)
			e = errnos[i].value;
	if (e == 0 && parse_ulong(w[0], 1, 4095, &v) == 0)
		e = (int)v;
	if (e == 0) {
		perr(pp, "refuse", "unknown errno \"%s\"", w[0]);
		return;
	}
	add_syscalls(pp, "refuse", w + 1, n - 1, bits, false);
	for (nr = 0; nr < POLICY_SYSCALLS_MAX; nr++)
		if (policy_bit(bits, nr))
			pp->p->refuse_errno[nr] = (uint16_t)e;
	if ((t = pp->trace) == NULL)
		return;
	for (k = 0; k < t->nrefuse; k++)
		if (t->refuse[k].e == e)
			return;
	if (k < (int)ARRAY_LEN(t->refuse)) {
		t->refuse[k].e = e;
		trace_here(pp, t->refuse[k].at, sizeof(t->refuse[k].at));
		t->nrefuse++;
	}
}

/*
 * allow NAME...: the calls are allowed whatever an earlier line (an
 * included default.policy's deny or refuse, say) said, and the policy
 * keeps its kind: a deny-list stays one, an allow-list gains them.
 */
static void
add_allowed(struct pparser *pp, char **w, int n)
{
	uint8_t bits[POLICY_SYSCALLS_MAX / 8] = { 0 };
	int i, nr;

	add_syscalls(pp, "allow", w, n, bits, true);
	for (nr = 0; nr < POLICY_SYSCALLS_MAX; nr++)
		if (policy_bit(bits, nr)) {
			policy_bit_set(pp->p->allow, nr);
			pp->p->deny[nr / 8] &= (uint8_t)~(1 << (nr % 8));
			pp->p->refuse_errno[nr] = 0;
		}
	/* What deny @file-write added beyond its calls goes with it. */
	for (i = 0; i < n; i++)
		if (strcmp(w[i], "@file-write") == 0)
			pp->p->no_write_open = 0;
}

/* tasks-max N, memory-max SIZE: the pool's cgroup; infinity lifts it. */
static void
set_pool_limit(struct pparser *pp, const char *directive, char **w, int n,
    bool bytes, uint64_t *out)
{
	unsigned long v;

	if (n == 1 && strcmp(w[0], "infinity") == 0) {
		*out = 0;
		return;
	}
	if (n != 1 || (bytes ? parse_size(w[0], ULONG_MAX / 2, &v) :
	    parse_ulong(w[0], 1, 4194304, &v)) == -1 || v == 0) {
		perr(pp, directive, "expected %s or infinity", bytes ?
		    "a size (k, m or g)" : "a number from 1 to 4194304");
		return;
	}
	*out = v;
}

/*
 * The protections named after systemd's: each directive decides the bits
 * it owns, and its last line wins, so a service's file changes what an
 * included default.policy set.
 */
#define YES_NO(bit)	{ { "yes", (bit) }, { "no", 0 } }
static const struct protection {
	const char	*directive;
	uint32_t	 owns;
	struct {
		const char	*word;
		uint32_t	 bits;
	} values[3];
} protections[] = {
	{ "protect-system", PROTECT_SYSTEM | PROTECT_SYSTEM_FULL,
	  { { "yes", PROTECT_SYSTEM },
	    { "full", PROTECT_SYSTEM | PROTECT_SYSTEM_FULL }, { "no", 0 } } },
	{ "protect-kernel", PROTECT_KERNEL, YES_NO(PROTECT_KERNEL) },
	{ "protect-proc", PROTECT_PROC | PROTECT_PROC_PTRACE,
	  { { "ptraceable", PROTECT_PROC_PTRACE },
	    { "invisible", PROTECT_PROC }, { "default", 0 } } },
	{ "private-tmp", PRIVATE_TMP, YES_NO(PRIVATE_TMP) },
	{ "private-devices", PRIVATE_DEVICES, YES_NO(PRIVATE_DEVICES) },
	{ "restrict-suid-sgid", RESTRICT_SUID_SGID, YES_NO(RESTRICT_SUID_SGID) },
	{ "memory-deny-write-execute", MEMORY_DENY_WX, YES_NO(MEMORY_DENY_WX) },
	{ "lock-personality", LOCK_PERSONALITY, YES_NO(LOCK_PERSONALITY) },
	{ "no-new-privileges", SETUID_SESSIONS,
	  { { "yes", 0 }, { "no", SETUID_SESSIONS } } },
};

/* Returns false if d is no protection's directive. */
static bool
set_protection(struct pparser *pp, const char *d, char **w, int n)
{
	const struct protection *pr;
	char words[64] = "";
	size_t i, k;

	for (i = 0; i < ARRAY_LEN(protections); i++)
		if (strcmp(d, protections[i].directive) == 0)
			break;
	if (i == ARRAY_LEN(protections))
		return false;
	pr = &protections[i];
	for (k = 0; k < 3 && pr->values[k].word != NULL; k++) {
		if (n == 1 && strcmp(w[0], pr->values[k].word) == 0) {
			pp->p->protect = (pp->p->protect & ~pr->owns) |
			    pr->values[k].bits;
			return true;
		}
		snprintf(words + strlen(words), sizeof(words) - strlen(words),
		    "%s%s", k ? " or " : "", pr->values[k].word);
	}
	perr(pp, d, "expected %s", words);
	return true;
}

static bool
check_path(struct pparser *pp, const char *directive, const char *path)
{
	if (path[0] != '/') {
		perr(pp, directive, "\"%s\" is not an absolute path", path);
		return false;
	}
	if (strlen(path) >= POLICY_PATH_MAX) {
		perr(pp, directive, "path longer than %d bytes",
		    POLICY_PATH_MAX - 1);
		return false;
	}
	return true;
}

static void
add_paths(struct pparser *pp, const char *directive, char **w, int n,
    uint32_t access)
{
	struct policy *p = pp->p;
	uint32_t k;
	int i;

	if (n == 0)
		perr(pp, directive, "names no path");
	for (i = 0; i < n; i++) {
		if (!check_path(pp, directive, w[i]))
			continue;
		for (k = 0; k < p->npaths; k++)
			if (strcmp(p->paths[k].path, w[i]) == 0)
				break;
		if (k == p->npaths) {
			if (p->npaths == POLICY_PATHS_MAX) {
				perr(pp, directive, "more than %d paths",
				    POLICY_PATHS_MAX);
				return;
			}
			str_copy(p->paths[k].path, w[i],
			    sizeof(p->paths[k].path));
			p->npaths++;
		}
		p->paths[k].access |= access;
	}
	if (p->landlock_abi < 1)
		p->landlock_abi = 1;
}

static void
add_ports(struct pparser *pp, const char *directive, char **w, int n,
    uint16_t *ports, uint32_t *count)
{
	unsigned long v;
	struct servent *se;
	int i;

	if (n == 0)
		perr(pp, directive, "names no port");
	for (i = 0; i < n; i++) {
		if (parse_ulong(w[i], 1, 65535, &v) == -1) {
			if ((se = getservbyname(w[i], "tcp")) == NULL) {
				perr(pp, directive, "\"%s\" is not a port", w[i]);
				continue;
			}
			v = ntohs((uint16_t)se->s_port);
		}
		if (*count == POLICY_PORTS_MAX) {
			perr(pp, directive, "more than %d ports",
			    POLICY_PORTS_MAX);
			return;
		}
		ports[(*count)++] = (uint16_t)v;
	}
	/* Landlock's TCP rules came with ABI 4. */
	if (pp->p->landlock_abi < 4)
		pp->p->landlock_abi = 4;
}

static int
parse_cidr(const char *s, struct policy_cidr *c)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long prefix;

	if (len == 0 || len >= sizeof(addr))
		return -1;
	memcpy(addr, s, len);
	addr[len] = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, addr, c->addr) == 1) {
		c->family = AF_INET;
		prefix = 32;
	} else if (inet_pton(AF_INET6, addr, c->addr) == 1) {
		c->family = AF_INET6;
		prefix = 128;
	} else
		return -1;
	if (slash != NULL &&
	    parse_ulong(slash + 1, 0, prefix, &prefix) == -1)
		return -1;
	c->prefix = (uint8_t)prefix;
	return 0;
}

static void
add_cidrs(struct pparser *pp, const char *directive, char **w, int n,
    struct policy_cidr *list, uint32_t *count)
{
	int i;

	if (n == 0)
		perr(pp, directive, "names no address");
	for (i = 0; i < n; i++) {
		if (*count == POLICY_CIDRS_MAX) {
			perr(pp, directive, "more than %d addresses",
			    POLICY_CIDRS_MAX);
			return;
		}
		if (parse_cidr(w[i], &list[*count]) == -1) {
			perr(pp, directive, "\"%s\" is not an address or "
			    "ADDRESS/PREFIX", w[i]);
			continue;
		}
		(*count)++;
	}
}

static void
set_rlimit(struct pparser *pp, char **w, int n)
{
	struct policy *p = pp->p;
	unsigned long v[2];
	char *parts[2];
	size_t i;
	int k;

	if (n != 2) {
		perr(pp, "rlimit", "expected NAME VALUE (VALUE, SOFT:HARD or "
		    "unlimited)");
		return;
	}
	for (i = 0; i < ARRAY_LEN(rlimits); i++)
		if (strcmp(rlimits[i].name, w[0]) == 0)
			break;
	if (i == ARRAY_LEN(rlimits)) {
		perr(pp, "rlimit", "unknown resource \"%s\"", w[0]);
		return;
	}
	parts[0] = w[1];
	if ((parts[1] = strchr(w[1], ':')) != NULL)
		*parts[1]++ = '\0';
	for (k = 0; k < 2; k++) {
		const char *part = parts[k];

		if (part == NULL) {
			v[1] = v[0];
			break;
		}
		if (strcmp(part, "unlimited") == 0)
			v[k] = (unsigned long)RLIM_INFINITY;
		else if ((rlimits[i].bytes ? parse_size(part, ULONG_MAX / 2,
		    &v[k]) : parse_ulong(part, 0, ULONG_MAX / 2, &v[k])) == -1) {
			perr(pp, "rlimit", "\"%s\" is not a %s", part,
			    rlimits[i].bytes ? "size (k, m or g)" : "number");
			return;
		}
	}
	if (v[0] > v[1]) {
		perr(pp, "rlimit", "the soft limit is above the hard one");
		return;
	}
	p->rlimit[rlimits[i].resource].cur = v[0];
	p->rlimit[rlimits[i].resource].max = v[1];
	p->rlimit_set |= 1U << rlimits[i].resource;
}

static void
set_number(struct pparser *pp, const char *directive, char **w, int n,
    unsigned long min, unsigned long max, uint32_t *out)
{
	unsigned long v;

	if (n != 1 || parse_ulong(w[0], min, max, &v) == -1) {
		perr(pp, directive, "expected a number from %lu to %lu", min,
		    max);
		return;
	}
	*out = (uint32_t)v;
}

static void
set_duration(struct pparser *pp, const char *directive, char **w, int n,
    uint32_t *out)
{
	uint64_t ms;

	if (n != 1 || parse_duration_ms(w[0], &ms) == -1 || ms == 0) {
		perr(pp, directive, "expected a duration (300, 300s, 5m)");
		return;
	}
	*out = (uint32_t)ms;
}

/* What an internal service never has, so a file of its name cannot ask. */
static const char *const not_internal[] = {
	"caps", "root-caps", "fs-read", "fs-write", "fs-exec", "net-bind", "net-connect",
	"rlimit", "nice", "umask", "chroot",
};

/* One line's words, its directive first, applied to the record. */
void
directive_apply(struct pparser *pp, char **w, int n)
{
	const char *d = w[0];
	struct policy *p = pp->p;
	size_t i;

	w++;
	n--;
	for (i = 0; pp->ceiling != NULL && i < ARRAY_LEN(not_internal); i++)
		if (strcmp(d, not_internal[i]) == 0) {
			perr(pp, d, "wider than the built-in policy of the "
			    "internal services, which have no capability, "
			    "file, connection or child server");
			return;
		}
	if (strcmp(d, "syscalls") == 0) {
		pp->saw_syscalls = true;
		add_syscalls(pp, d, w, n, p->allow, true);
	} else if (strcmp(d, "deny") == 0) {
		pp->saw_deny = true;
		add_syscalls(pp, d, w, n, p->deny, false);
	} else if (strcmp(d, "allow") == 0)
		add_allowed(pp, w, n); else if (strcmp(d, "action") == 0)
		set_action(pp, w, n);
	else if (strcmp(d, "caps") == 0)
		add_caps(pp, d, w, n, &p->caps);
	else if (strcmp(d, "root-caps") == 0)
		add_caps(pp, d, w, n, &p->root_caps);
	else if (strcmp(d, "fs-read") == 0)
		add_paths(pp, d, w, n, FS_READ);
	else if (strcmp(d, "fs-write") == 0)
		add_paths(pp, d, w, n, FS_WRITE);
	else if (strcmp(d, "fs-exec") == 0)
		add_paths(pp, d, w, n, FS_EXEC);
	else if (strcmp(d, "net-bind") == 0)
		add_ports(pp, d, w, n, p->net_bind, &p->nbind);
	else if (strcmp(d, "net-connect") == 0)
		add_ports(pp, d, w, n, p->net_connect, &p->nconnect);
	else if (strcmp(d, "rlimit") == 0)
		set_rlimit(pp, w, n);
	else if (strcmp(d, "nice") == 0) {
		long v2;
		char *end;

		v2 = n == 1 ? strtol(w[0], &end, 10) : 100;
		if (n != 1 || *end != '\0' || v2 < -20 || v2 > 19)
			perr(pp, d, "expected a number from -20 to 19");
		else {
			p->nice = (int32_t)v2;
			p->nice_set = 1;
		}
	} else if (strcmp(d, "umask") == 0) {
		if (n != 1 || strspn(w[0], "01234567") != strlen(w[0]) ||
		    strtoul(w[0], NULL, 8) > 0777)
			perr(pp, d, "expected an octal mask up to 0777");
		else {
			p->umask = (uint32_t)strtoul(w[0], NULL, 8);
			p->umask_set = 1;
		}
	} else if (strcmp(d, "chroot") == 0) {
		if (n != 1)
			perr(pp, d, "expected one directory");
		else if (check_path(pp, d, w[0]))
			str_copy(p->chroot, w[0], sizeof(p->chroot));
	} else if (strcmp(d, "workers") == 0)
		set_number(pp, d, w, n, 1, 256, &p->workers);
	else if (strcmp(d, "prefork") == 0) {
		set_number(pp, d, w, n, 0, 256, &p->prefork);
		p->prefork_set = 1;
	} else if (strcmp(d, "isolate") == 0) {
		if (n != 0)
			perr(pp, d, "takes no argument");
		else
			p->isolate = 1;
	}
	else if (strcmp(d, "idle-timeout") == 0)
		set_duration(pp, d, w, n, &p->idle_timeout_ms);
	else if (strcmp(d, "suspend") == 0)
		set_duration(pp, d, w, n, &p->suspend_ms);
	else if (strcmp(d, "only-from") == 0)
		add_cidrs(pp, d, w, n, p->only_from, &p->nonly);
	else if (strcmp(d, "no-access") == 0)
		add_cidrs(pp, d, w, n, p->no_access, &p->nnoaccess);
	else if (strcmp(d, "tasks-max") == 0)
		set_pool_limit(pp, d, w, n, false, &p->tasks_max);
	else if (strcmp(d, "memory-max") == 0)
		set_pool_limit(pp, d, w, n, true, &p->memory_max);
	else if (strcmp(d, "refuse") == 0)
		add_refusals(pp, w, n);
	else if (set_protection(pp, d, w, n))
		;
	else if (strcmp(d, "no-exec-memory") == 0) {
		if (n != 0)
			perr(pp, d, "takes no argument");
		p->no_exec_memory = 1;
	} else {
		perr(pp, d, "unknown directive");
		return;
	}
}

/* What the lines add up to, once the last is read: the kind of list. */
void
directive_finish(struct pparser *pp)
{
	struct policy *p = pp->p;
	int abi;

	if (pp->saw_syscalls)
		p->kind = POLICY_ALLOW_LIST;
	else if (pp->saw_deny)
		p->kind = POLICY_DENY_LIST;
	else
		p->kind = POLICY_NONE;
	if (p->landlock_abi > 0 && (abi = landlock_abi()) < (int)p->landlock_abi) {
		pp->line = 0;
		if (abi == 0)
			perr(pp, "landlock", "its fs-* or net-* rules need "
			    "Landlock, which this kernel does not have");
		else
			perr(pp, "landlock", "its net-bind or net-connect rules "
			    "need Landlock ABI %u, this kernel has %d",
			    p->landlock_abi, abi);
	}
}
