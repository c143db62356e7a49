/* SPDX-License-Identifier: ISC */
/*
 * A child server for t/90b-violations.t: does, in order, what its
 * arguments say, and says each on its socket (one line, written at once,
 * for the next step may kill it):
 *   clone3=N  N times what glibc does to start a process or a thread:
 *             clone3 first, then clone when it answers ENOSYS
 *   thread    a real pthread_create, which goes the same way
 *   refuse    uname, which the test's policy refuses with EPERM
 *   kill      keyctl, which the test's policy kills
 *   foreign   load a filter of its own that kills getppid, and call it:
 *             a seccomp kill of a process that is no sinetd's
 *   sub       the steps after it in a child of its own, waited for: a
 *             process a child server started, as login under in.telnetd
 *   orphan    wait (up to 20 s) until its parent, the worker, is gone and
 *             the master, the subreaper, has it
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)write(1, line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1);
}

/* glibc's __clone_internal: clone3, and clone only on ENOSYS. */
static void
clone3_then_clone(void)
{
	struct clone_args args;
	long pid;
	int status;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		waitpid((pid_t)pid, &status, 0);
		say("clone3=ran\n");
		return;
	}
	if (errno != ENOSYS) {
		say("clone3=%s\n", strerror(errno));
		return;
	}
	pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, &status, 0);
	say("clone3=ENOSYS fallback=%s\n", pid > 0 ? "ok" : strerror(errno));
}

static void *
nothing(void *arg)
{
	return arg;
}

static void
thread(void)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, nothing, NULL);

	if (rc == 0)
		pthread_join(t, NULL);
	say("thread=%s\n", rc == 0 ? "ok" : strerror(rc));
}

/* Not sinetd's: arch, then getppid kills, everything else passes. */
static void
foreign(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
		.filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == -1) {
		say("foreign=%s\n", strerror(errno));
		return;
	}
	say("foreign=loaded\n");
	syscall(SYS_getppid);
	say("foreign=alive\n");
}

static void
step(const char *what)
{
	struct utsname u;
	int i, n;

	if (strncmp(what, "clone3=", 7) == 0) {
		n = atoi(what + 7);
		for (i = 0; i < n; i++)
			clone3_then_clone();
	} else if (strcmp(what, "thread") == 0)
		thread();
	else if (strcmp(what, "refuse") == 0)
		say("uname=%s\n", uname(&u) == 0 ? "ok" : strerror(errno));
	else if (strcmp(what, "kill") == 0) {
		say("keyctl=calling\n");
		syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
		    KEY_SPEC_SESSION_KEYRING, 0);
		say("keyctl=alive %s\n", strerror(errno));
	} else if (strcmp(what, "foreign") == 0)
		foreign();
	else if (strcmp(what, "orphan") == 0) {
		pid_t parent = getppid();

		say("orphan=waiting\n");
		for (i = 0; i < 2000 && getppid() == parent; i++)
			usleep(10000);
		say("orphan=%s\n", getppid() != parent ? "adopted" : "not");
	}
	else
		say("unknown=%s\n", what);
}

int
main(int argc, char *argv[])
{
	int i, status;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "sub") != 0) {
			step(argv[i]);
			continue;
		}
		if ((pid = fork()) == -1) {
			say("sub=%s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			for (i++; i < argc; i++)
				step(argv[i]);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		say("sub=%ld %s=%d\n", (long)pid, WIFSIGNALED(status) ?
		    "signal" : "exit", WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status));
		break;
	}
	say("end\n");
	return 0;
}
