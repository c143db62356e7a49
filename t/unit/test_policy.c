/* SPDX-License-Identifier: ISC */
/*
 * The policy language and the sandbox pieces, table-driven; prints TAP:
 * fixtures that parse, fixtures that must be rejected with their message,
 * the group table, one child per group (each allows its calls and no
 * other group's), and the built-in policies.
 */
#include <sys/mman.h>
#include <sys/personality.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "tap.h"
#include "util.h"

#define FILTERED	4000	/* an errno no real call returns */

static char dir[] = "/tmp/sinetd-policy-XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
}

static int
parse(const char *text, const struct policy *ceiling, struct policy *p,
    struct errors *err)
{
	char path[512];

	write_file("t.policy", text);
	snprintf(path, sizeof(path), "%s/t.policy", dir);
	return policy_parse_file(dir, path, ceiling, p, err);
}

static bool
has(const uint8_t *bits, const char *name)
{
	int nr = syscall_number(name);

	return nr >= 0 && policy_bit(bits, nr);
}

static void
accepts(void)
{
	struct errors err = { 0 };
	struct policy p;
	int rc;

	rc = parse("syscalls read write @io-event  # trailing comment\n"
	    "deny write\naction errno EACCES\n", NULL, &p, &err);
	ok(rc == 0 && p.kind == POLICY_ALLOW_LIST && has(p.allow, "read") &&
	    has(p.allow, "epoll_wait") && has(p.deny, "write") &&
	    p.action == ACTION_ERRNO && p.action_errno == EACCES,
	    "an allow-list with a group, a deny, errno EACCES");
	rc = parse("protect-system full\nprotect-proc invisible\n"
	    "protect-proc ptraceable\nprivate-tmp yes\nprivate-tmp no\n"
	    "tasks-max 64\nmemory-max 1m\nrefuse ENOSYS @keyring\n", NULL, &p,
	    &err);
	ok(rc == 0 && p.protect == (PROTECT_SYSTEM | PROTECT_SYSTEM_FULL |
	    PROTECT_PROC_PTRACE) && p.tasks_max == 64 &&
	    p.memory_max == 1024 * 1024 &&
	    p.refuse_errno[syscall_number("keyctl")] == ENOSYS,
	    "protections (the last line of each wins), pool bounds, refuse");
	rc = parse("deny @mount ptrace\n", NULL, &p, &err);
	ok(rc == 0 && p.kind == POLICY_DENY_LIST && has(p.deny, "mount") &&
	    has(p.deny, "ptrace") && p.action == ACTION_KILL,
	    "only deny lines: a deny-list, kill by default");
	rc = parse("caps setuid cap_setgid\nroot-caps sys_chroot\n"
	    "action log\n", NULL, &p, &err);
	ok(rc == 0 && p.kind == POLICY_NONE && p.action == ACTION_LOG &&
	    p.caps == ((1ULL << 7) | (1ULL << 6)) && p.root_caps == 1ULL << 18,
	    "caps with and without cap_, root-caps, action log");
	rc = parse("fs-read /usr /etc/passwd\nfs-exec /usr\n"
	    "fs-write /srv/tftp\n", NULL, &p, &err);
	ok(rc == 0 && p.npaths == 3 && p.paths[0].access == (FS_READ | FS_EXEC)
	    && p.paths[2].access == FS_WRITE && p.landlock_abi == 1,
	    "fs-* paths, one entry per path");
	rc = parse("net-bind 8080\nnet-connect 25 smtp\n", NULL, &p, &err);
	ok(rc == 0 && p.nbind == 1 && p.net_bind[0] == 8080 &&
	    p.nconnect == 2 && p.net_connect[1] == 25 && p.landlock_abi == 4,
	    "net-bind and net-connect, by number and by name");
	rc = parse("rlimit nofile 64\nrlimit as 256M\nrlimit cpu 10:20\n"
	    "rlimit core unlimited\n", NULL, &p, &err);
	ok(rc == 0 && p.rlimit[RLIMIT_NOFILE].cur == 64 &&
	    p.rlimit[RLIMIT_AS].max == 256UL << 20 &&
	    p.rlimit[RLIMIT_CPU].cur == 10 && p.rlimit[RLIMIT_CPU].max == 20 &&
	    p.rlimit[RLIMIT_CORE].cur == RLIM_INFINITY &&
	    p.rlimit_set == ((1U << RLIMIT_NOFILE) | (1U << RLIMIT_AS) |
	    (1U << RLIMIT_CPU) | (1U << RLIMIT_CORE)), "rlimits");
	rc = parse("nice -5\numask 027\nchroot /srv\nworkers 4\n"
	    "idle-timeout 30\nsuspend 5m\nno-exec-memory\n", NULL, &p, &err);
	ok(rc == 0 && p.nice == -5 && p.nice_set && p.umask == 027 &&
	    strcmp(p.chroot, "/srv") == 0 && p.workers == 4 &&
	    p.idle_timeout_ms == 30000 && p.suspend_ms == 300000 &&
	    p.no_exec_memory, "nice, umask, chroot, workers, durations");
	rc = parse("prefork 0\nisolate\n", NULL, &p, &err);
	ok(rc == 0 && p.prefork == 0 && p.prefork_set && p.isolate,
	    "prefork 0 is set, not the default; isolate");
	rc = parse("workers 2\n", NULL, &p, &err);
	ok(rc == 0 && !p.prefork_set && !p.isolate,
	    "without them: the default start, a shared pool");
	rc = parse("only-from 127.0.0.0/8 ::1\nno-access 127.0.0.2\n", NULL,
	    &p, &err);
	ok(rc == 0 && p.nonly == 2 && p.only_from[0].prefix == 8 &&
	    p.only_from[1].family == AF_INET6 && p.nnoaccess == 1 &&
	    p.no_access[0].prefix == 32, "only-from and no-access");
	write_file("base.policy", "deny @mount\nroot-caps setuid\n");
	rc = parse("include base.policy\nsyscalls read\n", NULL, &p, &err);
	ok(rc == 0 && p.kind == POLICY_ALLOW_LIST && has(p.deny, "mount") &&
	    has(p.allow, "read") && p.root_caps == 1ULL << 7,
	    "include reads as if its lines stood in its place");
	rc = parse("include base.policy\nroot-caps sys_chroot\n"
	    "root-caps setgid\n", NULL, &p, &err);
	ok(rc == 0 && p.root_caps == ((1ULL << 18) | (1ULL << 6)),
	    "a root-caps line replaces the included one's; lines add up");
	ok(err.n == 0, "no error from any of them");
	errors_free(&err);
}

struct reject {
	const char	*text;
	const char	*message;	/* after "…/t.policy:" */
	bool		 internal;
};

static const struct reject rejects[] = {
	{ "frobnicate yes\n", "1: frobnicate: unknown directive", false },
	{ "syscalls read notacall\n", "1: syscalls: unknown syscall "
	  "\"notacall\"", false },
	{ "\n\ndeny @nogroup\n", "3: deny: unknown group \"@nogroup\"",
	  false },
	{ "deny\n", "1: deny: names no syscall or group", false },
	{ "action maim\n", "1: action: expected kill, errno NAME or log",
	  false },
	{ "action errno EWHAT\n", "1: action: unknown errno \"EWHAT\"", false },
	{ "caps cap_fly\n", "1: caps: unknown capability \"cap_fly\"", false },
	{ "fs-read etc/passwd\n", "1: fs-read: \"etc/passwd\" is not an "
	  "absolute path", false },
	{ "net-bind 0\n", "1: net-bind: \"0\" is not a port", false },
	{ "net-connect 70000\n", "1: net-connect: \"70000\" is not a port",
	  false },
	{ "rlimit speed 1\n", "1: rlimit: unknown resource \"speed\"", false },
	{ "rlimit nofile many\n", "1: rlimit: \"many\" is not a number",
	  false },
	{ "rlimit nofile 10:5\n", "1: rlimit: the soft limit is above the "
	  "hard one", false },
	{ "rlimit nofile\n", "1: rlimit: expected NAME VALUE", false },
	{ "nice 30\n", "1: nice: expected a number from -20 to 19", false },
	{ "umask 999\n", "1: umask: expected an octal mask", false },
	{ "chroot srv\n", "1: chroot: \"srv\" is not an absolute path",
	  false },
	{ "workers 0\n", "1: workers: expected a number from 1 to 256",
	  false },
	{ "prefork many\n", "1: prefork: expected a number from 0 to 256",
	  false },
	{ "isolate yes\n", "1: isolate: takes no argument", false },
	{ "idle-timeout soon\n", "1: idle-timeout: expected a duration",
	  false },
	{ "only-from 300.1.1.1\n", "1: only-from: \"300.1.1.1\" is not an "
	  "address", false },
	{ "no-access 10.0.0.0/33\n", "1: no-access: \"10.0.0.0/33\" is not "
	  "an address", false },
	{ "allow notacall\n", "1: allow: unknown syscall \"notacall\"",
	  false },
	{ "allow\n", "1: allow: names no syscall or group", false },
	{ "allow socket\n", "1: allow: socket allows socket, wider than the "
	  "built-in policy", true },
	{ "include missing.policy\n", "1: include: cannot open", false },
	{ "no-exec-memory please\n", "1: no-exec-memory: takes no argument",
	  false },
	{ "caps sys_admin\n", "1: caps: sys_admin would let the service undo "
	  "its sandbox", false },
	{ "root-caps sys_ptrace\n", "1: root-caps: sys_ptrace would let the "
	  "service undo its sandbox", false },
	{ "protect-proc hidden\n", "1: protect-proc: expected ptraceable or "
	  "invisible or default", false },
	{ "private-tmp maybe\n", "1: private-tmp: expected yes or no", false },
	{ "tasks-max 0\n", "1: tasks-max: expected a number", false },
	{ "memory-max lots\n", "1: memory-max: expected a size", false },
	{ "refuse EWHAT keyctl\n", "1: refuse: unknown errno \"EWHAT\"",
	  false },
	{ "refuse ENOSYS\n", "1: refuse: expected an errno and the calls",
	  false },
	{ "syscalls accept openat\n", "1: syscalls: openat allows openat, "
	  "wider than the built-in policy", true },
	{ "syscalls @file-read\n", "1: syscalls: @file-read allows", true },
	{ "caps setuid\n", "1: caps: wider than the built-in policy", true },
	{ "action log\n", "1: action: log lets every syscall through", true },
	{ "fs-read /etc\n", "1: fs-read: wider than the built-in policy",
	  true },
	{ "chroot /srv\n", "1: chroot: wider than the built-in policy", true },
};

static void
rejections(void)
{
	struct policy p, internal;
	size_t i;

	policy_internal(&internal);
	for (i = 0; i < ARRAY_LEN(rejects); i++) {
		struct errors err = { 0 };
		const char *r = rejects[i].text;
		char want[512];
		bool good;

		parse(r, rejects[i].internal ? &internal : NULL, &p, &err);
		snprintf(want, sizeof(want), "%s/t.policy:%s", dir,
		    rejects[i].message);
		good = err.n >= 1 && strncmp(err.v[0], want, strlen(want)) == 0;
		ok(good, "rejects: %s", rejects[i].message);
		if (!good)
			printf("# got: %s\n", err.n ? err.v[0] : "(nothing)");
		errors_free(&err);
	}
}

static int
parse_named(const char *name, struct policy *p, struct errors *err)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return policy_parse_file(dir, path, NULL, p, err);
}

/* A service's file on a shipped one on default.policy, and what it lifts. */
static void
composes(void)
{
	struct errors err = { 0 }, twice = { 0 };
	struct policy p, internal;
	char want[1024], name[32], text[64];
	int rc, i;

	write_file("base.policy", "deny @mount keyctl\nroot-caps setuid\n"
	    "refuse ENOSYS @keyring\nfs-exec /usr/lib\n");
	write_file("shipped.policy", "include base.policy\n"
	    "root-caps setuid setgid\nfs-read /etc\n");
	write_file("site.policy", "include shipped.policy\nallow keyctl\n"
	    "deny ptrace\n");
	rc = parse_named("site.policy", &p, &err);
	ok(rc == 0 && err.n == 0 && p.kind == POLICY_DENY_LIST &&
	    has(p.deny, "mount") && has(p.deny, "ptrace") &&
	    p.root_caps == ((1ULL << 7) | (1ULL << 6)) && p.npaths == 2,
	    "an include two levels deep reads as if its lines stood there");
	ok(!has(p.deny, "keyctl") && p.refuse_errno[syscall_number("keyctl")]
	    == 0 && p.refuse_errno[syscall_number("add_key")] == ENOSYS,
	    "allow lifts an inherited deny and refuse of that call only");
	rc = parse("include base.policy\nallow keyctl\ndeny keyctl\n", NULL,
	    &p, &err);
	ok(rc == 0 && has(p.deny, "keyctl") && p.kind == POLICY_DENY_LIST,
	    "the last line naming a call wins");
	rc = parse("syscalls read\ndeny write\nallow write keyctl\n", NULL,
	    &p, &err);
	ok(rc == 0 && p.kind == POLICY_ALLOW_LIST && has(p.allow, "write") &&
	    has(p.allow, "keyctl") && !has(p.deny, "write"),
	    "in an allow-list, allow adds to what it allows");
	rc = parse("include base.policy\nallow @keyring\n", NULL, &p, &err);
	ok(rc == 0 && p.kind == POLICY_DENY_LIST && !has(p.deny, "keyctl") &&
	    p.refuse_errno[syscall_number("add_key")] == 0,
	    "allow keeps a deny-list a deny-list");
	rc = parse("deny @file-write\nallow @file-write\n", NULL, &p, &err);
	ok(rc == 0 && !p.no_write_open && !has(p.deny, "unlink"),
	    "allow @file-write lifts its open-for-writing rule too");
	policy_internal(&internal);
	write_file("internal.policy", "syscalls accept close\n");
	rc = parse("include internal.policy\ndeny accept\nallow accept\n",
	    &internal, &p, &err);
	ok(rc == 0 && !has(p.deny, "accept"),
	    "an internal service's file may lift its own deny");

	/* Deeper than the bound: the ninth include is refused. */
	for (i = 0; i < 9; i++) {
		snprintf(name, sizeof(name), "deep%d.policy", i);
		snprintf(text, sizeof(text), "include deep%d.policy\n", i + 1);
		write_file(name, text);
	}
	write_file("deep9.policy", "deny ptrace\n");
	errors_free(&err);
	rc = parse_named("deep0.policy", &p, &err);
	snprintf(want, sizeof(want), "%s/deep8.policy:1: include: include "
	    "nested too deep (more than 8 levels)", dir);
	ok(rc == -1 && err.n == 1 && strcmp(err.v[0], want) == 0,
	    "an include nested more than 8 levels is an error of its line");
	if (err.n > 0 && strcmp(err.v[0], want) != 0)
		printf("# got: %s\n", err.v[0]);
	errors_free(&err);

	/* A loop, read from either of its files, is one error, said once. */
	write_file("loopa.policy", "deny ptrace\ninclude loopb.policy\n");
	write_file("loopb.policy", "include loopc.policy\n");
	write_file("loopc.policy", "\ninclude loopa.policy\n");
	rc = parse_named("loopb.policy", &p, &err);
	parse_named("loopa.policy", &p, &twice);
	parse_named("loopc.policy", &p, &twice);
	snprintf(want, sizeof(want), "%s/loopa.policy:2: include: include "
	    "loop: %s/loopa.policy includes %s/loopb.policy includes "
	    "%s/loopc.policy includes %s/loopa.policy", dir, dir, dir, dir, dir);
	ok(rc == -1 && err.n == 1 && strcmp(err.v[0], want) == 0,
	    "an include loop is an error at its first file's include");
	if (err.n > 0 && strcmp(err.v[0], want) != 0)
		printf("# got: %s\n", err.v[0]);
	errors_append(&err, &twice);
	ok(twice.n == 2 && err.n == 1,
	    "and reads the same whichever file of the loop is read first");
	errors_free(&err);
	errors_free(&twice);
	rc = policy_parse_text("x.policy (built in)", "include base.policy\n",
	    &p, &err);
	ok(rc == -1 && err.n == 1 && strstr(err.v[0], "a built-in policy "
	    "includes nothing") != NULL, "a built-in text includes nothing");
	errors_free(&err);
}

static void
group_table(void)
{
	const struct syscall_group *g;
	size_t n, i, k;
	bool sorted = true, helped = true, known = true, native = true;

	g = groups_all(&n);
	for (i = 0; i < n; i++) {
		int here = 0;

		if (i > 0 && strcmp(g[i - 1].name, g[i].name) >= 0)
			sorted = false;
		if (g[i].help == NULL || strlen(g[i].help) < 10 ||
		    g[i].name[0] != '@')
			helped = false;
		for (k = 0; g[i].syscalls[k] != NULL; k++) {
			int nr = syscall_number(g[i].syscalls[k]);

			if (nr == -1) {
				printf("# unknown to libseccomp: %s in %s\n",
				    g[i].syscalls[k], g[i].name);
				known = false;
			}
			here += nr >= 0;
		}
		if (here == 0) {
			printf("# %s has no call on this architecture\n",
			    g[i].name);
			native = false;
		}
	}
	ok(sorted, "the groups are in alphabetical order");
	ok(helped, "every group has a name with @ and a help line");
	ok(known, "libseccomp knows every call of every group");
	ok(native, "every group has calls on this architecture");
}

/*
 * One harmless call per group: it fails on its arguments (or does
 * nothing) when allowed, and returns FILTERED when the filter refuses it.
 */
struct probe {
	const char	*group;
	const char	*call;
	long		 a[4];
};

static const struct probe probes[] = {
	{ "@aio", "io_destroy", { 0 } },
	{ "@basic-io", "close", { -1 } },
	{ "@chown", "fchown", { -1, -1, -1 } },
	{ "@clock", "clock_adjtime", { -1, 0 } },
	{ "@credentials", "getuid", { 0 } },
	{ "@debug", "kcmp", { 0, 0, 99, 0 } },
	{ "@file-read", "fstat", { -1, 0 } },
	{ "@file-write", "fchmod", { -1, 0 } },
	{ "@io-event", "epoll_ctl", { -1, 0, -1, 0 } },
	{ "@ipc", "msgctl", { -1, 0, 0 } },
	{ "@keyring", "keyctl", { -1 } },
	{ "@memory", "munmap", { 0, 0 } },
	{ "@module", "delete_module", { 0, 0 } },
	{ "@mount", "umount2", { 0, 0 } },
	{ "@namespace", "setns", { -1, 0 } },
	{ "@network-io", "getsockname", { -1, 0, 0 } },
	{ "@process", "getppid", { 0 } },
	{ "@raw-io", "ioperm", { 0, 0, 0 } },
	{ "@reboot", "reboot", { 0, 0, 0, 0 } },
	{ "@resources", "getpriority", { 0, 0 } },
	{ "@setuid", "setfsuid", { -1 } },
	{ "@signal", "rt_sigpending", { 0, 99 } },
	{ "@swap", "swapoff", { 0 } },
	{ "@sync", "fsync", { -1 } },
	{ "@time", "clock_getres", { 0, 0 } },
};

static void
group_children(void)
{
	const struct syscall_group *g;
	size_t n, i, k, pr;
	int *result;

	g = groups_all(&n);
	result = mmap(NULL, sizeof(int) * ARRAY_LEN(probes),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ok(ARRAY_LEN(probes) == n, "a probe for every group");
	for (i = 0; i < n; i++) {
		struct policy p;
		struct policy_filter f;
		char err[256], name[64];
		bool own = true, others = true;
		pid_t pid;
		int status;

		memset(&p, 0, sizeof(p));
		p.kind = POLICY_ALLOW_LIST;
		p.action = ACTION_ERRNO;
		p.action_errno = FILTERED;
		for (k = 0; g[i].syscalls[k] != NULL; k++) {
			int nr = syscall_number(g[i].syscalls[k]);

			if (nr >= 0)
				policy_bit_set(p.allow, nr);
		}
		policy_bit_set(p.allow, syscall_number("exit_group"));
#ifdef SINETD_SANITIZE
		/* ASan's runtime checks its signal stack (see the GNUmakefile). */
		policy_bit_set(p.allow, syscall_number("sigaltstack"));
#endif
		if (filter_compile(&p, &f, err, sizeof(err)) == -1) {
			ok(false, "%s: %s", g[i].name, err);
			continue;
		}
		memset(result, 0, sizeof(int) * ARRAY_LEN(probes));
		if ((pid = fork()) == 0) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
			    filter_load(&f, 0) == -1)
				_exit(2);
			for (pr = 0; pr < ARRAY_LEN(probes); pr++) {
				const struct probe *q = &probes[pr];
				long r = syscall(syscall_number(q->call),
				    q->a[0], q->a[1], q->a[2], q->a[3]);

				result[pr] = r == -1 && errno == FILTERED;
			}
			_exit(0);
		}
		waitpid(pid, &status, 0);
		for (pr = 0; pr < ARRAY_LEN(probes); pr++) {
			bool mine = strcmp(probes[pr].group, g[i].name) == 0;
			bool inside = false;

			for (k = 0; g[i].syscalls[k] != NULL; k++)
				if (strcmp(g[i].syscalls[k], probes[pr].call) ==
				    0)
					inside = true;
			if (mine && result[pr])
				own = false;
			if (!inside && !result[pr]) {
				printf("# %s let %s through\n", g[i].name,
				    probes[pr].call);
				others = false;
			}
		}
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && own &&
		    others, "%s allows %s and no other group's probe",
		    g[i].name, syscall_name(syscall_number(probes[i].call),
			name, sizeof(name)));
		free(f.prog);
	}
}

/*
 * What each group's help line says it refuses, proven by a child under
 * "deny GROUP": the phrase must be in the help line, the call refused.
 * An empty path argument is the fixture file, which exists.
 */
struct claim {
	const char	*group;
	const char	*phrase;
	const char	*call;
	long		 a[4];
	bool		 path;		/* a[1] is the fixture's path */
};

#define FIXTURE_ARG	0x5157	/* replaced by the fixture's path */

static const struct claim claims[] = {
	{ "@aio", "asynchronous I/O", "io_destroy", { 0 }, false },
	{ "@basic-io", "closing", "close", { -1 }, false },
	{ "@chown", "owner of files", "fchown", { -1, -1, -1 }, false },
	{ "@clock", "setting the system clock", "clock_adjtime", { -1, 0 },
	  false },
	{ "@credentials", "one's own ids", "getuid", { 0 }, false },
	{ "@debug", "reading other processes", "kcmp", { 0, 0, 99, 0 },
	  false },
	{ "@file-read", "metadata", "fstat", { -1, 0 }, false },
	{ "@file-write", "creating", "openat",
	  { AT_FDCWD, FIXTURE_ARG, O_WRONLY | O_CREAT | O_EXCL, 0600 }, true },
	{ "@file-write", "changing", "fchmod", { -1, 0 }, false },
	{ "@file-write", "removing", "unlinkat", { AT_FDCWD, FIXTURE_ARG, 0 },
	  true },
	{ "@file-write", "opening files for writing", "openat",
	  { AT_FDCWD, FIXTURE_ARG, O_WRONLY | O_APPEND }, true },
	{ "@file-write", "opening files for writing", "openat",
	  { AT_FDCWD, FIXTURE_ARG, O_RDWR }, true },
	{ "@file-write", "opening files for writing", "openat",
	  { AT_FDCWD, FIXTURE_ARG, O_RDONLY | O_TRUNC }, true },
	{ "@file-write", "opening files for writing", "open",
	  { FIXTURE_ARG, O_WRONLY }, true },
	{ "@file-write", "openat2", "openat2", { AT_FDCWD, FIXTURE_ARG, 0, 0 },
	  true },
	{ "@io-event", "waiting for descriptors", "epoll_ctl",
	  { -1, 0, -1, 0 }, false },
	{ "@ipc", "message queues", "msgctl", { -1, 0, 0 }, false },
	{ "@keyring", "key store", "keyctl", { -1 }, false },
	{ "@memory", "memory", "munmap", { 0, 0 }, false },
	{ "@module", "kernel modules", "delete_module", { 0, 0 }, false },
	{ "@mount", "mounting", "umount2", { 0, 0 }, false },
	{ "@namespace", "namespaces", "setns", { -1, 0 }, false },
	{ "@network-io", "sockets", "getsockname", { -1, 0, 0 }, false },
	{ "@process", "processes", "getppid", { 0 }, false },
	{ "@raw-io", "raw port", "ioperm", { 0, 0, 0 }, false },
	{ "@reboot", "rebooting", "reboot", { 0, 0, 0, 0 }, false },
	{ "@resources", "priorities", "getpriority", { 0, 0 }, false },
	{ "@setuid", "changing one's ids", "setfsuid", { -1 }, false },
	{ "@signal", "signals", "rt_sigpending", { 0, 99 }, false },
	{ "@swap", "swap", "swapoff", { 0 }, false },
	{ "@sync", "flushing files", "fsync", { -1 }, false },
	{ "@time", "reading the time", "clock_getres", { 0, 0 }, false },
};

/*
 * One call under "deny GROUP" with action errno FILTERED: whether it was
 * refused. The child may have lost exit_group itself (@process), so it
 * says it is done through shared memory and the parent kills it.
 */
static int
refused_under_deny(const char *group, const char *call, const long *arg)
{
	struct errors err = { 0 };
	struct policy p;
	struct policy_filter f;
	char text[64], ferr[256];
	volatile int *r;
	pid_t pid;
	int status, rc;

	snprintf(text, sizeof(text), "deny %s\n", group);
	if (parse(text, NULL, &p, &err) == -1)
		return -1;
	p.action = ACTION_ERRNO;
	p.action_errno = FILTERED;
	if (filter_compile(&p, &f, ferr, sizeof(ferr)) == -1)
		return -1;
	r = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return -1;
	r[0] = r[1] = 0;
	if ((pid = fork()) == 0) {
		long v;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    filter_load(&f, 0) == -1)
			_exit(2);
		v = syscall(syscall_number(call), arg[0], arg[1], arg[2],
		    arg[3]);
		/* openat2 without a filter would fail on its NULL how. */
		r[0] = v == -1 && (errno == FILTERED || (errno == ENOSYS &&
		    strcmp(call, "openat2") == 0));
		r[1] = 1;
		for (;;)
			;
	}
	while (pid > 0 && !r[1] && waitpid(pid, &status, WNOHANG) == 0)
		usleep(1000);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	rc = r[1] ? r[0] : -1;
	munmap((void *)r, 2 * sizeof(int));
	free(f.prog);
	return rc;
}

static void
group_claims(void)
{
	const struct syscall_group *g;
	char fixture[512];
	long a[4];
	size_t i, k;
	int fd, r;

	snprintf(fixture, sizeof(fixture), "%s/fixture", dir);
	for (i = 0; i < ARRAY_LEN(claims); i++) {
		const struct claim *c = &claims[i];

		if ((fd = open(fixture, O_WRONLY | O_CREAT, 0600)) != -1)
			close(fd);
		for (k = 0; k < 4; k++)
			a[k] = c->a[k] == FIXTURE_ARG ? (long)fixture : c->a[k];
		g = groups_find(c->group);
		r = refused_under_deny(c->group, c->call, a);
		ok(g != NULL && strstr(g->help, c->phrase) != NULL && r == 1,
		    "%s says \"%s\", and deny %s refuses %s%s", c->group,
		    c->phrase, c->group, c->call, c->path ? " (a file)" : "");
	}
	/* What it does not claim: reading a file stays open to all. */
	a[0] = AT_FDCWD;
	a[1] = (long)fixture;
	a[2] = O_RDONLY;
	a[3] = 0;
	ok(refused_under_deny("@file-write", "openat", a) == 0,
	    "deny @file-write still lets openat read a file");
	unlink(fixture);
}

static void
builtins(void)
{
	struct policy d, in;
	struct policy_filter f;
	char err[256];
	const char *never[] = { "open", "openat", "execve", "socket", "kill",
		"fork", "clone", "ptrace", "connect" };
	size_t i;
	bool clean = true;
	struct policy guarded;
	int status, *r;
	void *m;
	pid_t pid;

	policy_default(&d);
	policy_internal(&in);
	ok(d.kind == POLICY_DENY_LIST && has(d.deny, "init_module") &&
	    has(d.deny, "mount") && has(d.deny, "ptrace") &&
	    has(d.deny, "bpf") && has(d.deny, "io_uring_setup") &&
	    d.caps == 0 && d.root_caps != 0,
	    "the built-in default.policy: a deny-list, root-caps only");
	for (i = 0; i < ARRAY_LEN(never); i++)
		if (has(in.allow, never[i])) {
			printf("# internal allows %s\n", never[i]);
			clean = false;
		}
	ok(in.kind == POLICY_ALLOW_LIST && in.no_exec_memory && clean &&
	    has(in.allow, "accept4") && in.caps == 0 && in.npaths == 0,
	    "the built-in internal policy: no open, exec, socket, kill");

	/* A deny-list refuses what libseccomp does not know, too. */
	d.action = ACTION_ERRNO;
	d.action_errno = FILTERED;
	ok(filter_compile(&d, &f, err, sizeof(err)) == 0, "default compiles");
	r = mmap(NULL, 8 * sizeof(int), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if ((pid = fork()) == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    filter_load(&f, 0) == -1)
			_exit(2);
		r[0] = syscall(1000, 0) == -1 && errno == FILTERED;
		r[1] = syscall(SYS_getppid) > 0;
		r[2] = syscall(SYS_umount2, 0, 0) == -1 && errno == FILTERED;
		r[3] = syscall(SYS_clone3, 0, 0) == -1 && errno != ENOSYS &&
		    errno != FILTERED;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && r[0],
	    "a call unknown to libseccomp is refused by a deny-list");
	ok(r[1] && r[2], "a known call passes, a denied one does not");
	ok(r[3], "clone3 is let by, for the quiet filter to answer");
	free(f.prog);

	memset(&guarded, 0, sizeof(guarded));
	guarded.protect = RESTRICT_SUID_SGID | MEMORY_DENY_WX | LOCK_PERSONALITY;
	ok(filter_compile_guard(getpid(), &guarded, GUARD_UNSCOPED, &f, err,
	    sizeof(err)) == 0, "the guard compiles");
	if ((pid = fork()) == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    filter_load(&f, 0) == -1)
			_exit(2);
		r[0] = kill(getppid(), 0) == -1 && errno == EPERM;
		r[1] = kill(0, 0) == -1 && errno == EPERM;
		r[2] = kill(-1, 0) == -1 && errno == EPERM && kill(-getpgrp(),
		    0) == -1;
		r[3] = kill(getpid(), 0) == 0 && syscall(SYS_clone3, 0, 0) ==
		    -1 && errno != ENOSYS && syscall(SYS_pidfd_open, getpid(),
		    0) == -1 && errno == EPERM;
		r[4] = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0,
		    0) == -1 && errno == EPERM && unshare(CLONE_NEWNET) == -1 &&
		    errno == EPERM && setns(0, 0) == -1 && errno == EPERM;
		r[5] = fchmod(0, 04755) == -1 && errno == EPERM &&
		    chmod("/nonexistent", 02755) == -1 && errno == EPERM;
		r[6] = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
		    errno == EPERM && (m = mmap(NULL, 4096, PROT_READ |
		    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) !=
		    MAP_FAILED && mprotect(m, 4096, PROT_READ | PROT_EXEC) ==
		    -1 && errno == EPERM && mprotect(m, 4096, PROT_READ) == 0;
		r[7] = syscall(SYS_pidfd_send_signal, 0, 0, NULL, 0) == -1 &&
		    errno == EPERM && personality(0xffffffff) == 0 &&
		    personality(0) == 0 && personality(READ_IMPLIES_EXEC) ==
		    -1 && errno == EPERM;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(r[0], "the guard: no signal to the master");
	ok(r[1] && r[2], "the guard: none to pid 0, -1 or a process group");
	ok(r[3], "the guard: itself yes; clone3 the quiet filter's; no "
	    "pidfd_open");
	ok(r[4], "the guard: no new namespace by clone or unshare, no setns");
	ok(r[5], "restrict-suid-sgid: no setuid or setgid bit by chmod");
	ok(r[6], "memory-deny-write-execute: no W+X mapping, no exec by "
	    "mprotect; read-only is fine");
	ok(r[7], "without scopes, no signal by pidfd; lock-personality: "
	    "PER_LINUX and the query pass, READ_IMPLIES_EXEC does not");
	free(f.prog);
}

/*
 * Every errno the grammar takes applies, also where it is the answer of
 * a rule as well (a refuse line's): libseccomp refuses a rule whose
 * action is the default. And the quiet filter says clone3 is ENOSYS,
 * nothing else, under every policy: the policy lets clone3 by.
 */
static void
errno_actions(void)
{
	static const int errs[] = { ENOSYS, EPERM, EACCES };
	struct policy_filter f, q;
	struct policy d;
	char err[256];
	int status, rc, *r;
	size_t i;
	pid_t pid;

	r = mmap(NULL, 4 * sizeof(int), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ok(filter_compile_quiet(&q, err, sizeof(err)) == 0,
	    "the quiet filter compiles");
	for (i = 0; i < ARRAY_LEN(errs) + 1; i++) {
		/* The last round: action kill, as default.policy has it. */
		bool killing = i == ARRAY_LEN(errs);
		int e = killing ? EPERM : errs[i];

		policy_default(&d);
		if (!killing) {
			d.action = ACTION_ERRNO;
			d.action_errno = e;
		}
		/* default.policy's own: refuse ENOSYS @keyring. */
		d.refuse_errno[SYS_uname] = (uint16_t)e;
		d.refuse_errno[SYS_add_key] = ENOSYS;
		err[0] = '\0';
		rc = filter_compile(&d, &f, err, sizeof(err));
		ok(rc == 0, "action %s compiles beside rules of the same "
		    "errno%s%s", killing ? "kill" : strerrorname_np(e),
		    rc ? ": " : "", err);
		memset(r, 0, 4 * sizeof(int));
		if (f.len != 0 && (pid = fork()) == 0) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
			    filter_load(&q, 0) == -1 || filter_load(&f, 0) == -1)
				_exit(2);
			r[0] = killing || (syscall(SYS_umount2, 0, 0) == -1 &&
			    errno == e);
			r[1] = syscall(SYS_clone3, 0, 0) == -1 &&
			    errno == ENOSYS;
			r[2] = syscall(SYS_uname, 0) == -1 && errno == e;
			r[3] = syscall(SYS_getppid) > 0;
			_exit(0);
		} else if (f.len != 0)
			waitpid(pid, &status, 0);
		ok(WIFEXITED(status) && r[0] && r[1] && r[2] && r[3],
		    "and applies, the quiet filter before it: a denied call "
		    "%s, clone3 ENOSYS, a refused one %s, the rest pass",
		    killing ? "killed" : strerrorname_np(e),
		    strerrorname_np(e));
		free(f.prog);
	}

	memset(r, 0, 4 * sizeof(int));
	if ((pid = fork()) == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
		    filter_load(&q, 0) == -1)
			_exit(2);
		r[0] = syscall(SYS_clone3, 0, 0) == -1 && errno == ENOSYS;
		r[1] = syscall(SYS_getppid) > 0 && syscall(SYS_umount2, 0, 0) ==
		    -1 && errno != ENOSYS;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && r[0] && r[1],
	    "the quiet filter: clone3 ENOSYS, nothing else refused");
	free(q.prog);
	munmap(r, 4 * sizeof(int));
}

static void
peers(void)
{
	struct errors err = { 0 };
	struct policy p;
	union sockaddr_any a;

	parse("only-from 127.0.0.0/8 ::1\nno-access 127.0.0.2\n", NULL, &p,
	    &err);
	memset(&a, 0, sizeof(a));
	a.sin.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &a.sin.sin_addr);
	ok(policy_refuses_peer(&p, &a.sa) == NULL, "only-from lets 127.0.0.1");
	inet_pton(AF_INET, "127.0.0.2", &a.sin.sin_addr);
	ok(strcmp(policy_refuses_peer(&p, &a.sa), "no-access") == 0,
	    "no-access wins over only-from");
	inet_pton(AF_INET, "192.0.2.1", &a.sin.sin_addr);
	ok(strcmp(policy_refuses_peer(&p, &a.sa), "only-from") == 0,
	    "an address outside only-from is refused");
	memset(&a, 0, sizeof(a));
	a.sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.3", &a.sin6.sin6_addr);
	ok(policy_refuses_peer(&p, &a.sa) == NULL,
	    "a v4-mapped client is checked as the IPv4 it is");
	inet_pton(AF_INET6, "::2", &a.sin6.sin6_addr);
	ok(policy_refuses_peer(&p, &a.sa) != NULL, "::2 is not ::1");
	errors_free(&err);
}

static void
cleanup(void)
{
	const char *files[] = { "t.policy", "base.policy", "shipped.policy",
		"site.policy", "loopa.policy", "loopb.policy", "loopc.policy",
		"deep0.policy", "deep1.policy", "deep2.policy", "deep3.policy",
		"deep4.policy", "deep5.policy", "deep6.policy", "deep7.policy",
		"deep8.policy", "deep9.policy", "internal.policy" };
	char path[512];
	size_t i;

	for (i = 0; i < ARRAY_LEN(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	accepts();
	rejections();
	composes();
	group_table();
	group_children();
	group_claims();
	builtins();
	errno_actions();
	peers();
	printf("1..%d\n", test_num);
	cleanup();
	return failures ? 1 : 0;
}
