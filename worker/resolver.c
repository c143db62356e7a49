/* SPDX-License-Identifier: ISC */
/*
 * The host-name lookups hosts_access(5) patterns need, in a process of
 * their own: a locked-down worker can neither read /etc/hosts nor reach a
 * name server, and a slow one must not stall its loop. A worker forks it
 * before it locks down; it drops to an unprivileged user, answers one
 * address at a time over a socketpair, and ends with its worker.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"
#include "resolver.h"

/*
 * What glibc's lookups (files, dns) need and no more: a reply crafted to
 * exploit the stub resolver gets EPERM for execve, fork, ptrace, kill.
 */
static const char resolver_policy[] =
    "syscalls @basic-io @file-read @io-event @memory @network-io @time\n"
    "syscalls exit exit_group getpid gettid getrandom uname rt_sigreturn\n"
    "syscalls rt_sigprocmask rt_sigaction restart_syscall prlimit64\n"
    "syscalls futex getuid geteuid getgid getegid sched_yield\n"
#ifdef SINETD_SANITIZE
    /* See SANITIZE in the GNUmakefile: ASan's runtime asks for it. */
    "syscalls sigaltstack\n"
#endif
    "action errno EPERM\n";

static void
confine(void)
{
	struct policy p;
	struct policy_filter f;
	struct errors err = { 0 };
	char why[256];

	if (policy_parse_text("resolver", resolver_policy, &p, &err) == -1 ||
	    filter_compile(&p, &f, why, sizeof(why)) == -1 ||
	    filter_load(&f, 0) == -1)
		_exit(1);
	errors_free(&err);
}

/*
 * libwrap's sock_hostname: the reverse name, kept only if looking the
 * name up again gives the same name and this address; else "paranoid".
 * No reverse name: "unknown".
 */
static void
lookup(const struct resolver_ask *q, struct resolver_answer *a)
{
	union {
		struct sockaddr_in	v4;
		struct sockaddr_in6	v6;
	} sa;
	struct addrinfo hints, *res = NULL, *ai;
	socklen_t len;
	bool found = false;

	memset(&sa, 0, sizeof(sa));
	if (q->family == AF_INET) {
		sa.v4.sin_family = AF_INET;
		memcpy(&sa.v4.sin_addr, q->addr, 4);
		len = sizeof(sa.v4);
	} else {
		sa.v6.sin6_family = AF_INET6;
		memcpy(&sa.v6.sin6_addr, q->addr, 16);
		len = sizeof(sa.v6);
	}
	if (getnameinfo((struct sockaddr *)&sa, len, a->name,
	    sizeof(a->name), NULL, 0, NI_NAMEREQD) != 0) {
		strcpy(a->name, "unknown");
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = q->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(a->name, NULL, &hints, &res) != 0 || res == NULL) {
		strcpy(a->name, "paranoid");
		return;
	}
	if ((res->ai_canonname == NULL ||
	    strcasecmp(res->ai_canonname, a->name) != 0) &&
	    strcasecmp(a->name, "localhost") != 0)
		found = false;	/* host name/name mismatch */
	else
		for (ai = res; ai != NULL && !found; ai = ai->ai_next)
			found = q->family == AF_INET ?
			    memcmp(&((struct sockaddr_in *)ai->ai_addr)->
			    sin_addr, q->addr, 4) == 0 :
			    memcmp(&((struct sockaddr_in6 *)ai->ai_addr)->
			    sin6_addr, q->addr, 16) == 0;
	freeaddrinfo(res);
	if (!found)
		strcpy(a->name, "paranoid");
}

static void
drop(bool change_ids)
{
	struct rlimit none = { 0, 0 }, few = { 64, 64 };
	struct passwd *pw;
	uid_t uid = 65534;
	gid_t gid = 65534;

	if (change_ids && geteuid() == 0) {
		if ((pw = getpwnam("nobody")) != NULL) {
			uid = pw->pw_uid;
			gid = pw->pw_gid;
		}
		if (setgroups(0, NULL) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			_exit(1);
	}
	/* The uid change cleared it; the worker is all it serves. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0) == -1)
		_exit(1);
	if (setrlimit(RLIMIT_NPROC, &none) == -1 ||
	    setrlimit(RLIMIT_NOFILE, &few) == -1)
		_exit(1);
	/* Before RLIMIT_FSIZE: the filter is exported through a memfd. */
	confine();
	if (setrlimit(RLIMIT_FSIZE, &none) == -1)
		_exit(1);
}

static void
serve(int fd)
{
	struct resolver_ask q;
	struct resolver_answer a;
	ssize_t n;

	for (;;) {
		n = recv(fd, &q, sizeof(q), 0);
		if (n == 0)
			_exit(0);	/* the worker is gone */
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(q) || (q.family != AF_INET &&
		    q.family != AF_INET6))
			_exit(1);
		memset(&a, 0, sizeof(a));
		a.id = q.id;
		a.family = q.family;
		memcpy(a.addr, q.addr, sizeof(a.addr));
		lookup(&q, &a);
		if (send(fd, &a, sizeof(a), MSG_NOSIGNAL) == -1)
			_exit(0);
	}
}

/* The worker's end of the socketpair, or -1. */
int
resolver_start(bool change_ids, pid_t *pidp)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* Nothing of the worker's: its listener, channel, state. */
		if (dup2(sv[1], 3) == -1)
			_exit(1);
		(void)close_range(4, ~0U, 0);
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		prctl(PR_SET_NAME, "sinetd-resolve");
		drop(change_ids);
		serve(3);
	}
	close(sv[1]);
	*pidp = pid;
	return sv[0];
}
