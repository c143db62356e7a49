/* SPDX-License-Identifier: ISC */
/*
 * The attacker of t/91-escape.t: a child server (run by sinetd as a
 * nowait stream service, the connection on 0, 1 and 2) that tries every
 * way out of its sandbox it knows and says, one line each, whether the
 * wall held. Built twice from this file: build/t/escape (static) and
 * build/t/escape-dyn (dynamic), for an ELF interpreter is one more path
 * a sandbox must grant.
 *
 * It reads one line:
 *   hold
 *	"held pid=PID", with an abstract unix socket "\0sinetd-escape-PID"
 *	listening, then waits for EOF: the sibling session the probe attacks.
 *   probe MASTER DECOY CTLSOCK CONF POLICYDIR PIDFILE [SIBLING [OTHER]]
 *	one line per attempt, "attempt NAME refused|ESCAPED|sent DETAIL",
 *	then "done N M" (N refused of M), exit 0. "sent" (the SIGIO
 *	attempts, with the time they were sent) is for the test to decide
 *	by what the decoy saw; it is not counted in N. SIBLING and OTHER
 *	(a worker of another service) are optional: without SIBLING, /proc
 *	is searched for a process of our name, and "no sibling visible"
 *	is a refusal.
 *
 * Every attempt proves access without using it: files are opened for
 * writing and closed unwritten (never O_TRUNC), creation is an O_TMPFILE
 * that leaves nothing behind, signals are signal 0 (SIGUSR1 only at the
 * test's own decoy), namespaces are made in a child that exits at once,
 * the fork bomb stops at 300 pausing children and kills them, the memory
 * bomb touches 1 GiB and unmaps it, ptrace is PTRACE_SEIZE (no stop; the
 * tracer's exit detaches). Each attempt runs in a child of its own that
 * reports through a pipe, so a call the filter kills (SIGSYS) costs that
 * attempt only: "refused killed-by-signal-N".
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW	_IO(0xAA, 0x00)
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY	1
#endif
#ifndef F_SETSIG
#define F_SETSIG		10
#endif

#define BOMB_PROCS		300
#define BOMB_BYTES		(1UL << 30)
#define ATTEMPT_MS		10000
#define BOMB_MS			30000
#define SIGIO_GAP_MS		300	/* between SIGIO attempts, for the decoy */

static struct {
	pid_t		 master, decoy, sibling, other, worker, probe;
	const char	*ctlsock, *conf, *policydir, *pidfile;
} cx;

enum verdict { REFUSED, ESCAPED, SENT };
static const char *const verdict_word[] = { "refused", "ESCAPED", "sent" };
static int res_fd = -1;
static int nrefused, nattempts;

/* The name of an errno value (EPERM), never NULL. */
static const char *
en(int e)
{
	static char num[16];
	const char *s = strerrorname_np(e);

	if (s != NULL)
		return s;
	snprintf(num, sizeof(num), "errno%d", e);
	return num;
}

/* In an attempt's child: its one line back to the probe, and the end. */
__attribute__((format(printf, 2, 3), noreturn)) static void
verdict(enum verdict v, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	size_t len;
	int n;

	buf[0] = "RES"[v];
	buf[1] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(buf + 2, sizeof(buf) - 2, fmt, ap);
	va_end(ap);
	len = n < 0 ? 2 : strlen(buf);
	for (size_t i = 2; i < len; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	if (write(res_fd, buf, len) < 0)
		_exit(2);
	_exit(0);
}
#define REFUSE(...)	verdict(REFUSED, __VA_ARGS__)
#define ESCAPE(...)	verdict(ESCAPED, __VA_ARGS__)

static void
out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (write(1, buf, (size_t)n) < 0)
		_exit(1);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Runs one attempt in a child and prints its line. A child that dies by a
 * signal before it reports was refused by that signal (SIGSYS: seccomp);
 * one that outlives its time is killed and refused "timeout".
 */
static void
run(const char *name, void (*fn)(void), int timeout_ms)
{
	char buf[600];
	size_t len = 0;
	long long end = now_ms() + timeout_ms;
	int p[2], status = 0, timed_out = 0;
	enum verdict v = REFUSED;
	const char *detail = "";
	char why[64];
	pid_t pid;

	nattempts++;
	if (pipe2(p, O_CLOEXEC) == -1) {
		nrefused++;
		out("attempt %s refused probe-error pipe %s\n", name, en(errno));
		return;
	}
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		nrefused++;
		out("attempt %s refused probe-error fork %s\n", name, en(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		res_fd = p[1];
		fn();
		REFUSE("no verdict");
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		long long left = end - now_ms();
		ssize_t n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	close(p[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	buf[len] = '\0';
	if (len >= 2 && buf[1] == ' ' && strchr("RES", buf[0]) != NULL) {
		v = buf[0] == 'E' ? ESCAPED : buf[0] == 'S' ? SENT : REFUSED;
		detail = buf + 2;
	} else if (timed_out) {
		detail = "timeout";
	} else if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "killed-by-signal-%d",
		    WTERMSIG(status));
		detail = why;
	} else {
		snprintf(why, sizeof(why), "no-verdict exit=%d",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		detail = why;
	}
	if (v == REFUSED)
		nrefused++;
	out("attempt %s %s %s\n", name, verdict_word[v], detail);
}

/* ---- helpers used in the children ---- */

static void
try_signal0(pid_t pid, const char *what)
{
	if (pid <= 0)
		REFUSE("no %s pid given", what);
	if (kill(pid, 0) == 0)
		ESCAPE("kill(%s %d, 0) = 0", what, (int)pid);
	REFUSE("kill(%s %d, 0): %s", what, (int)pid, en(errno));
}

static void
try_proc_mem(pid_t pid, const char *what)
{
	char path[64];
	int fd;

	if (pid <= 0)
		REFUSE("no %s pid given", what);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) >= 0)
		ESCAPE("%s (%s) opened O_RDWR", path, what);
	REFUSE("%s: %s", path, en(errno));
}

/* Opened for writing, nothing written, closed: never O_TRUNC. */
static void
try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		ESCAPE("%s opened O_WRONLY", path);
	}
	REFUSE("%s: %s", path, en(errno));
}

/* An unnamed file in dir: it is gone when closed. */
static void
try_tmpfile(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

	if (fd >= 0) {
		close(fd);
		ESCAPE("O_TMPFILE in %s made", dir);
	}
	REFUSE("O_TMPFILE in %s: %s", dir, en(errno));
}

static void
try_clone(unsigned long flags, const char *what)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);

	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		waitpid((pid_t)pid, NULL, 0);
		ESCAPE("clone(%s) made child %ld", what, pid);
	}
	REFUSE("clone(%s): %s", what, en(errno));
}

static void
try_mode_bit(mode_t bit, const char *what)
{
	static const char *const dirs[] = { "/tmp", "/dev/shm", "/var/tmp" };
	struct stat sb;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0)
			continue;
		if (fchmod(fd, 0755 | bit) == -1)
			REFUSE("fchmod %s in %s: %s", what, dirs[i], en(errno));
		if (fstat(fd, &sb) == -1)
			REFUSE("fstat: %s", en(errno));
		if (sb.st_mode & bit)
			ESCAPE("an O_TMPFILE in %s holds mode %04o", dirs[i],
			    (unsigned)(sb.st_mode & 07777));
		REFUSE("the %s bit did not hold: mode %04o", what,
		    (unsigned)(sb.st_mode & 07777));
	}
	REFUSE("no writable dir");
}

/* ---- the master ---- */

static void
a_kill_master(void)
{
	try_signal0(cx.master, "master");
}

static void
a_tgkill_master(void)
{
	if (syscall(SYS_tgkill, cx.master, cx.master, 0) == 0)
		ESCAPE("tgkill(%d, %d, 0) = 0", (int)cx.master, (int)cx.master);
	REFUSE("tgkill: %s", en(errno));
}

static void
a_sigqueue_master(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	if (syscall(SYS_rt_sigqueueinfo, cx.master, 0, &si) == 0)
		ESCAPE("rt_sigqueueinfo(%d, 0) = 0", (int)cx.master);
	REFUSE("rt_sigqueueinfo: %s", en(errno));
}

static void
a_kill_all(void)
{
	struct timespec ts;

	/*
	 * kill(-1) succeeds as soon as one process takes it, our own session
	 * included: only the decoy, outside, tells whether the wall holds.
	 * SIGCONT, since it harms nothing that gets it.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	if (kill(-1, SIGCONT) == -1 && errno != ESRCH)
		REFUSE("kill(-1, SIGCONT): %s", en(errno));
	verdict(SENT, "SIGCONT to every process t=%lld.%06ld",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

static void
a_pidfd_open_master(void)
{
	long fd = syscall(SYS_pidfd_open, cx.master, 0);

	if (fd < 0)
		REFUSE("pidfd_open: %s", en(errno));
	if (syscall(SYS_pidfd_send_signal, (int)fd, 0, NULL, 0) == 0)
		ESCAPE("pidfd_open + pidfd_send_signal(0) = 0");
	REFUSE("pidfd_send_signal: %s", en(errno));
}

static void
a_pidfd_proc_master(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)cx.master);
	if ((fd = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC)) < 0)
		REFUSE("open %s: %s", path, en(errno));
	if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0) == 0)
		ESCAPE("pidfd_send_signal(open(%s), 0) = 0", path);
	REFUSE("pidfd_send_signal(%s): %s", path, en(errno));
}

static void
a_proc_mem_master(void)
{
	try_proc_mem(cx.master, "master");
}

static void
a_prlimit_master(void)
{
	struct rlimit old;

	/* Reading: the same permission check as setting. */
	if (prlimit(cx.master, RLIMIT_CORE, NULL, &old) == 0)
		ESCAPE("prlimit(%d, RLIMIT_CORE) read: the master's limits "
		    "are ours to set", (int)cx.master);
	REFUSE("prlimit: %s", en(errno));
}

static void
a_oom_score_adj_master(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)cx.master);
	try_write(path);
}

static void
a_control_status(void)
{
	static const char req[] = "sinetctl/1 text status\n";
	struct sockaddr_un sun;
	char buf[256];
	size_t len = 0;
	ssize_t n;
	int s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(cx.ctlsock) >= sizeof(sun.sun_path))
		REFUSE("control socket path too long");
	strcpy(sun.sun_path, cx.ctlsock);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		REFUSE("socket: %s", en(errno));
	if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		REFUSE("connect %s: %s", cx.ctlsock, en(errno));
	if (write(s, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
		REFUSE("write: %s", en(errno));
	while (len < sizeof(buf) - 1 &&
	    (n = read(s, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strncmp(buf, "ok", 2) == 0)
		ESCAPE("status answered: %.60s", buf);
	REFUSE("reply: %.80s", len ? buf : "(none)");
}

/* ---- a decoy process of the test's, by SIGIO ---- */

static void
sigio(int ex)
{
	struct f_owner_ex owner = { F_OWNER_PID, cx.decoy };
	struct timespec ts;
	int sv[2], fl;

	if (cx.decoy <= 0)
		REFUSE("no decoy pid given");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		REFUSE("socketpair: %s", en(errno));
	if (ex ? fcntl(sv[0], F_SETOWN_EX, &owner) == -1 :
	    fcntl(sv[0], F_SETOWN, cx.decoy) == -1)
		REFUSE("%s: %s", ex ? "F_SETOWN_EX" : "F_SETOWN", en(errno));
	if (fcntl(sv[0], F_SETSIG, SIGUSR1) == -1)
		REFUSE("F_SETSIG: %s", en(errno));
	if ((fl = fcntl(sv[0], F_GETFL)) == -1 ||
	    fcntl(sv[0], F_SETFL, fl | O_ASYNC) == -1)
		REFUSE("O_ASYNC: %s", en(errno));
	clock_gettime(CLOCK_REALTIME, &ts);
	if (write(sv[1], "x", 1) != 1)
		REFUSE("write: %s", en(errno));
	verdict(SENT, "SIGUSR1 to decoy %d t=%lld.%06ld", (int)cx.decoy,
	    (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

static void
a_sigio_decoy(void)
{
	sigio(0);
}

static void
a_sigio_ex_decoy(void)
{
	sigio(1);
}

/* ---- the worker that spawned us ---- */

static void
a_kill_worker(void)
{
	try_signal0(cx.worker, "worker");
}

static void
a_proc_mem_worker(void)
{
	try_proc_mem(cx.worker, "worker");
}

static void
a_ptrace_worker(void)
{
	/* SEIZE: the permission of ATTACH without stopping the worker. */
	if (ptrace(PTRACE_SEIZE, cx.worker, NULL, NULL) == 0)
		ESCAPE("PTRACE_SEIZE of worker %d (detached as this child "
		    "exits)", (int)cx.worker);
	REFUSE("PTRACE_SEIZE of worker %d: %s", (int)cx.worker, en(errno));
}

static void
a_process_vm_readv_worker(void)
{
	char path[64], line[256], byte;
	unsigned long addr = 0;
	struct iovec local = { &byte, 1 }, remote;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)cx.worker);
	if ((fp = fopen(path, "re")) != NULL) {
		if (fgets(line, sizeof(line), fp) != NULL)
			addr = strtoul(line, NULL, 16);
		fclose(fp);
	}
	remote.iov_base = (void *)addr;
	remote.iov_len = 1;
	if (process_vm_readv(cx.worker, &local, 1, &remote, 1, 0) == 1)
		ESCAPE("read the worker's byte at %#lx", addr);
	/* EFAULT: the access check passed, the address did not. */
	if (errno == EFAULT)
		ESCAPE("process_vm_readv passed the access check (EFAULT "
		    "at %#lx)", addr);
	REFUSE("process_vm_readv: %s", en(errno));
}

/* ---- a sibling session of the same service ---- */

static pid_t
find_sibling(void)
{
	char me[32] = "", comm[32], path[64], stat[512];
	struct dirent *de;
	DIR *d;
	pid_t found = 0;
	FILE *fp;

	if (cx.sibling > 0)
		return cx.sibling;
	if ((fp = fopen("/proc/self/comm", "re")) == NULL)
		return 0;
	if (fgets(me, sizeof(me), fp) == NULL)
		me[0] = '\0';
	fclose(fp);
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (de = readdir(d)) != NULL) {
		pid_t pid = (pid_t)atoi(de->d_name);
		char *rp;

		if (pid <= 0 || pid == getpid() || pid == cx.probe)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if ((fp = fopen(path, "re")) == NULL)
			continue;
		if (fgets(comm, sizeof(comm), fp) == NULL)
			comm[0] = '\0';
		fclose(fp);
		if (strcmp(comm, me) != 0)
			continue;
		/* Not one of the probe's own attempts. */
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if ((fp = fopen(path, "re")) == NULL)
			continue;
		if (fgets(stat, sizeof(stat), fp) != NULL &&
		    (rp = strrchr(stat, ')')) != NULL &&
		    atoi(rp + 4) != (int)cx.probe)
			found = pid;
		fclose(fp);
	}
	closedir(d);
	return found;
}

static void
a_kill_sibling(void)
{
	pid_t sib = find_sibling();

	if (sib <= 0)
		REFUSE("no sibling visible");
	try_signal0(sib, "sibling");
}

static void
a_proc_mem_sibling(void)
{
	pid_t sib = find_sibling();

	if (sib <= 0)
		REFUSE("no sibling visible");
	try_proc_mem(sib, "sibling");
}

static void
a_abstract_sibling(void)
{
	struct sockaddr_un sun;
	socklen_t len;
	pid_t sib = find_sibling();
	int s, n;

	if (sib <= 0)
		REFUSE("no sibling visible");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "sinetd-escape-%d", (int)sib);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		REFUSE("socket: %s", en(errno));
	if (connect(s, (struct sockaddr *)&sun, len) == 0)
		ESCAPE("connected to @sinetd-escape-%d", (int)sib);
	REFUSE("connect @sinetd-escape-%d: %s", (int)sib, en(errno));
}

/* ---- a worker of another service ---- */

static void
a_kill_other_worker(void)
{
	try_signal0(cx.other, "other worker");
}

static void
a_proc_mem_other_worker(void)
{
	try_proc_mem(cx.other, "other worker");
}

/* ---- files ---- */

static void
a_write_conf(void)
{
	try_write(cx.conf);
}

static void
a_write_policy(void)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/default.policy", cx.policydir);
	try_write(path);
}

static void
a_create_policy(void)
{
	try_tmpfile(cx.policydir);
}

static void
a_write_pidfile(void)
{
	try_write(cx.pidfile);
}

static void
a_write_ctl_dir(void)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", cx.ctlsock);
	if ((slash = strrchr(dir, '/')) == NULL)
		REFUSE("control socket path has no directory");
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	try_tmpfile(dir);
}

static void
a_write_etc_passwd(void)
{
	try_write("/etc/passwd");
}

static void
a_create_etc(void)
{
	try_tmpfile("/etc");
}

static void
a_write_core_pattern(void)
{
	try_write("/proc/sys/kernel/core_pattern");
}

static void
a_write_sys(void)
{
	static const char *const attrs[] = {
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/kernel/mm/ksm/run",
		"/sys/kernel/uevent_helper",
	};
	int fd, first = 0;
	size_t i;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		fd = open(attrs[i], O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			ESCAPE("%s opened O_WRONLY", attrs[i]);
		}
		if (i == 0)
			first = errno;
	}
	REFUSE("%s: %s (and the others)", attrs[0], en(first));
}

static void
a_open_dev_mem(void)
{
	int fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		ESCAPE("/dev/mem opened");
	REFUSE("/dev/mem: %s%s", en(errno),
	    errno == ENOENT ? " (none on this host)" : "");
}

static void
a_open_dev_kmsg(void)
{
	try_write("/dev/kmsg");
}

/* Opens one block device, O_RDONLY: 1, or 0 with *first's errno set. */
static int
try_block(const char *path, int *tried, int *first, char *firstpath,
    size_t len)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) == -1 || !S_ISBLK(sb.st_mode))
		return 0;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) >= 0) {
		close(fd);
		return 1;
	}
	if ((*tried)++ == 0) {
		*first = errno;
		snprintf(firstpath, len, "%s", path);
	}
	return 0;
}

/*
 * Every /dev/sd*, vd*, nvme*, loop* block device in that order, until
 * one opens: an attacker tries them all, and a host may refuse one (its
 * root disk, say) for reasons of its own.
 */
static void
a_open_block_dev(void)
{
	static const char *const prefixes[] = { "sd", "vd", "nvme", "loop" };
	static const char *const fixed[] = { "sda", "vda", "nvme0n1", "loop0" };
	char path[300], firstpath[300] = "";
	struct dirent *de;
	int tried = 0, first = 0;
	size_t i;
	DIR *d;

	for (i = 0; i < 4; i++) {
		if ((d = opendir("/dev")) == NULL) {
			/* /dev unreadable: the usual first names. */
			snprintf(path, sizeof(path), "/dev/%s", fixed[i]);
			if (try_block(path, &tried, &first, firstpath,
			    sizeof(firstpath)))
				ESCAPE("%s opened O_RDONLY", path);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, prefixes[i],
			    strlen(prefixes[i])) != 0)
				continue;
			snprintf(path, sizeof(path), "/dev/%s", de->d_name);
			if (try_block(path, &tried, &first, firstpath,
			    sizeof(firstpath)))
				ESCAPE("%s opened O_RDONLY", path);
		}
		closedir(d);
	}
	if (tried == 0)
		REFUSE("none");
	REFUSE("%d block devices refused, %s: %s", tried, firstpath,
	    en(first));
}

static void
a_open_by_handle_at(void)
{
	struct {
		struct file_handle	fh;
		unsigned char		space[MAX_HANDLE_SZ];
	} h;
	int mid, root, fd;

	/* Shocker: a handle opened past a chroot, with dac_read_search. */
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, "/etc", &h.fh, &mid, 0) == -1)
		REFUSE("name_to_handle_at: %s", en(errno));
	if ((root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		REFUSE("open /: %s", en(errno));
	if ((fd = open_by_handle_at(root, &h.fh, O_RDONLY | O_CLOEXEC)) >= 0)
		ESCAPE("open_by_handle_at opened /etc by its handle");
	REFUSE("open_by_handle_at: %s", en(errno));
}

/* ---- namespaces, chroot, set-id bits ---- */

static void
a_clone_newuser(void)
{
	try_clone(CLONE_NEWUSER, "CLONE_NEWUSER");
}

static void
a_clone_newnet(void)
{
	try_clone(CLONE_NEWNET, "CLONE_NEWNET");
}

static void
a_clone3_newuser(void)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal,
		    stack, stack_size, tls;
	} args;
	long pid;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_NEWUSER;
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		waitpid((pid_t)pid, NULL, 0);
		ESCAPE("clone3(CLONE_NEWUSER) made child %ld", pid);
	}
	REFUSE("clone3(CLONE_NEWUSER): %s", en(errno));
}

/* This attempt's own child is the one that changes namespace, and exits. */
static void
a_unshare_newuser(void)
{
	if (unshare(CLONE_NEWUSER) == 0)
		ESCAPE("unshare(CLONE_NEWUSER) = 0");
	REFUSE("unshare(CLONE_NEWUSER): %s", en(errno));
}

static void
a_unshare_newns(void)
{
	if (unshare(CLONE_NEWNS) == 0)
		ESCAPE("unshare(CLONE_NEWNS) = 0");
	REFUSE("unshare(CLONE_NEWNS): %s", en(errno));
}

/*
 * Init's mount namespace; where init is out of reach (its capabilities
 * exceed ours), our own, so that setns itself is always tried.
 */
static void
a_setns(void)
{
	const char *ns = "/proc/1/ns/mnt";
	int fd = open(ns, O_RDONLY | O_CLOEXEC), e = errno;

	if (fd < 0) {
		ns = "/proc/self/ns/mnt";
		if ((fd = open(ns, O_RDONLY | O_CLOEXEC)) < 0)
			REFUSE("open /proc/1/ns/mnt: %s, /proc/self/ns/mnt: %s",
			    en(e), en(errno));
	}
	if (setns(fd, CLONE_NEWNS) == 0)
		ESCAPE("setns(%s) = 0", ns);
	REFUSE("setns(%s): %s", ns, en(errno));
}

static void
a_chroot(void)
{
	if (chroot("/") == 0)
		ESCAPE("chroot(\"/\") = 0: CAP_SYS_CHROOT is held");
	REFUSE("chroot: %s", en(errno));
}

static void
a_setuid_bit(void)
{
	try_mode_bit(S_ISUID, "setuid");
}

static void
a_setgid_bit(void)
{
	try_mode_bit(S_ISGID, "setgid");
}

/* ---- the filter: calls no classic server needs ---- */

static void
a_userfaultfd_syscall(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd >= 0)
		ESCAPE("userfaultfd(O_CLOEXEC) = fd");
	if (errno == EPERM &&
	    (fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY)) >= 0)
		ESCAPE("userfaultfd(UFFD_USER_MODE_ONLY) = fd");
	REFUSE("userfaultfd: %s", en(errno));
}

static void
a_userfaultfd_dev(void)
{
	int fd = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC), u;

	if (fd < 0)
		REFUSE("/dev/userfaultfd: %s", en(errno));
	if ((u = ioctl(fd, USERFAULTFD_IOC_NEW, O_CLOEXEC)) >= 0)
		ESCAPE("/dev/userfaultfd USERFAULTFD_IOC_NEW = fd");
	REFUSE("USERFAULTFD_IOC_NEW: %s", en(errno));
}

static void
a_keyctl(void)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
	    KEY_SPEC_USER_KEYRING, 1);

	if (id >= 0)
		ESCAPE("keyctl(KEYCTL_GET_KEYRING_ID) = %ld", id);
	REFUSE("keyctl: %s", en(errno));
}

static void
a_bpf(void)
{
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd >= 0)
		ESCAPE("bpf(BPF_MAP_CREATE) = fd");
	REFUSE("bpf: %s", en(errno));
}

static void
a_io_uring_setup(void)
{
	struct io_uring_params p;
	long fd;

	memset(&p, 0, sizeof(p));
	fd = syscall(SYS_io_uring_setup, 1, &p);
	if (fd >= 0)
		ESCAPE("io_uring_setup = fd");
	REFUSE("io_uring_setup: %s", en(errno));
}

static void
a_perf_event_open(void)
{
	struct perf_event_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_TASK_CLOCK;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1,
	    PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0)
		ESCAPE("perf_event_open(self, task-clock) = fd");
	REFUSE("perf_event_open: %s", en(errno));
}

static void
a_raw_socket(void)
{
	int p = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), pe = errno;
	int r = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP), re = errno;

	if (p >= 0 || r >= 0)
		ESCAPE("AF_PACKET: %s, AF_INET SOCK_RAW ICMP: %s",
		    p >= 0 ? "made" : en(pe), r >= 0 ? "made" : en(re));
	REFUSE("AF_PACKET: %s, AF_INET SOCK_RAW ICMP: %s", en(pe), en(re));
}

/* ---- memory ---- */

static void
a_wx_mprotect(void)
{
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		REFUSE("mmap RW: %s", en(errno));
	if (mprotect(m, 4096, PROT_READ | PROT_EXEC) == 0)
		ESCAPE("a written page made executable (mprotect RX)");
	REFUSE("mprotect RX: %s", en(errno));
}

static void
a_wx_mmap(void)
{
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m != MAP_FAILED)
		ESCAPE("mmap PROT_WRITE|PROT_EXEC");
	REFUSE("mmap WX: %s", en(errno));
}

/* READ_IMPLIES_EXEC: every readable mapping executable, W^X undone. */
static void
a_personality(void)
{
	int old = personality(0xffffffff);

	if (personality(READ_IMPLIES_EXEC) != -1) {
		personality((unsigned long)old);
		ESCAPE("personality(READ_IMPLIES_EXEC) taken");
	}
	REFUSE("personality(READ_IMPLIES_EXEC): %s", en(errno));
}

static void
a_wx_shm(void)
{
	/* Mode x: SHM_EXEC asks for it (or CAP_IPC_OWNER). */
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0700);
	void *keep, *m;

	if (id < 0)
		REFUSE("shmget: %s", en(errno));
	/*
	 * Attached plainly, then removed at once: it lives while attached,
	 * so it goes when this child exits, however it exits, and Linux
	 * still attaches a segment marked for removal.
	 */
	keep = shmat(id, NULL, 0);
	(void)shmctl(id, IPC_RMID, NULL);
	if (keep == (void *)-1)
		REFUSE("shmat: %s", en(errno));
	if ((m = shmat(id, NULL, SHM_EXEC)) != (void *)-1) {
		shmdt(m);
		ESCAPE("shmat SHM_EXEC: a writable, executable mapping");
	}
	REFUSE("shmat SHM_EXEC: %s", en(errno));
}

static void
a_fork_bomb(void)
{
	pid_t kids[BOMB_PROCS], me = getpid(), k;
	int n, i, err = 0;

	for (n = 0; n < BOMB_PROCS; n++) {
		if ((k = fork()) == 0) {
			/* Never left behind, whatever becomes of us. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != me)
				_exit(0);
			for (;;)
				pause();
		}
		if (k < 0) {
			err = errno;
			break;
		}
		kids[n] = k;
	}
	for (i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < n; i++)
		while (waitpid(kids[i], NULL, 0) == -1 && errno == EINTR)
			;
	if (n == BOMB_PROCS)
		ESCAPE("%d processes made (killed and reaped)", n);
	REFUSE("fork failed after %d processes: %s", n, en(err));
}

static void
a_memory_bomb(void)
{
	volatile char *m;
	size_t off;

	m = mmap(NULL, BOMB_BYTES, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (m == MAP_FAILED)
		REFUSE("mmap 1 GiB: %s", en(errno));
	for (off = 0; off < BOMB_BYTES; off += 4096)
		m[off] = 1;
	munmap((void *)m, BOMB_BYTES);
	ESCAPE("1 GiB mapped and every page touched (unmapped)");
}

/* ---- the two roles ---- */

static void
hold(void)
{
	struct sockaddr_un sun;
	socklen_t len;
	char buf[256];
	int s, n;

	/* Listening before the line: the test attacks it once it reads it. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "sinetd-escape-%d", (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    (size_t)n);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0 &&
	    (bind(s, (struct sockaddr *)&sun, len) == -1 ||
	    listen(s, 4) == -1)) {
		close(s);
		s = -1;
	}
	out("held pid=%d\n", (int)getpid());
	while ((n = (int)read(0, buf, sizeof(buf))) != 0)
		if (n < 0 && errno != EINTR)
			break;
	if (s >= 0)
		close(s);
}

static const struct {
	const char	*name;
	void		(*fn)(void);
	int		 timeout_ms;
	int		 gap_ms;	/* then wait this long */
} attempts[] = {
	{ "sigio_decoy",		a_sigio_decoy, ATTEMPT_MS, SIGIO_GAP_MS },
	{ "sigio_ex_decoy",		a_sigio_ex_decoy, ATTEMPT_MS, SIGIO_GAP_MS },
	{ "kill_master",		a_kill_master, ATTEMPT_MS, 0 },
	{ "tgkill_master",		a_tgkill_master, ATTEMPT_MS, 0 },
	{ "sigqueue_master",		a_sigqueue_master, ATTEMPT_MS, 0 },
	{ "kill_all",			a_kill_all, ATTEMPT_MS, 0 },
	{ "pidfd_open_master",		a_pidfd_open_master, ATTEMPT_MS, 0 },
	{ "pidfd_proc_master",		a_pidfd_proc_master, ATTEMPT_MS, 0 },
	{ "proc_mem_master",		a_proc_mem_master, ATTEMPT_MS, 0 },
	{ "prlimit_master",		a_prlimit_master, ATTEMPT_MS, 0 },
	{ "oom_score_adj_master",	a_oom_score_adj_master, ATTEMPT_MS, 0 },
	{ "control_status",		a_control_status, ATTEMPT_MS, 0 },
	{ "kill_worker",		a_kill_worker, ATTEMPT_MS, 0 },
	{ "proc_mem_worker",		a_proc_mem_worker, ATTEMPT_MS, 0 },
	{ "ptrace_worker",		a_ptrace_worker, ATTEMPT_MS, 0 },
	{ "process_vm_readv_worker",	a_process_vm_readv_worker, ATTEMPT_MS, 0 },
	{ "kill_sibling",		a_kill_sibling, ATTEMPT_MS, 0 },
	{ "proc_mem_sibling",		a_proc_mem_sibling, ATTEMPT_MS, 0 },
	{ "abstract_sibling",		a_abstract_sibling, ATTEMPT_MS, 0 },
	{ "kill_other_worker",		a_kill_other_worker, ATTEMPT_MS, 0 },
	{ "proc_mem_other_worker",	a_proc_mem_other_worker, ATTEMPT_MS, 0 },
	{ "write_conf",			a_write_conf, ATTEMPT_MS, 0 },
	{ "write_policy",		a_write_policy, ATTEMPT_MS, 0 },
	{ "create_policy",		a_create_policy, ATTEMPT_MS, 0 },
	{ "write_pidfile",		a_write_pidfile, ATTEMPT_MS, 0 },
	{ "write_ctl_dir",		a_write_ctl_dir, ATTEMPT_MS, 0 },
	{ "write_etc_passwd",		a_write_etc_passwd, ATTEMPT_MS, 0 },
	{ "create_etc",			a_create_etc, ATTEMPT_MS, 0 },
	{ "write_core_pattern",		a_write_core_pattern, ATTEMPT_MS, 0 },
	{ "write_sys",			a_write_sys, ATTEMPT_MS, 0 },
	{ "open_dev_mem",		a_open_dev_mem, ATTEMPT_MS, 0 },
	{ "open_dev_kmsg",		a_open_dev_kmsg, ATTEMPT_MS, 0 },
	{ "open_block_dev",		a_open_block_dev, ATTEMPT_MS, 0 },
	{ "open_by_handle_at",		a_open_by_handle_at, ATTEMPT_MS, 0 },
	{ "clone_newuser",		a_clone_newuser, ATTEMPT_MS, 0 },
	{ "clone_newnet",		a_clone_newnet, ATTEMPT_MS, 0 },
	{ "clone3_newuser",		a_clone3_newuser, ATTEMPT_MS, 0 },
	{ "unshare_newuser",		a_unshare_newuser, ATTEMPT_MS, 0 },
	{ "unshare_newns",		a_unshare_newns, ATTEMPT_MS, 0 },
	{ "setns",			a_setns, ATTEMPT_MS, 0 },
	{ "chroot",			a_chroot, ATTEMPT_MS, 0 },
	{ "setuid_bit",			a_setuid_bit, ATTEMPT_MS, 0 },
	{ "setgid_bit",			a_setgid_bit, ATTEMPT_MS, 0 },
	{ "userfaultfd_syscall",	a_userfaultfd_syscall, ATTEMPT_MS, 0 },
	{ "userfaultfd_dev",		a_userfaultfd_dev, ATTEMPT_MS, 0 },
	{ "keyctl",			a_keyctl, ATTEMPT_MS, 0 },
	{ "bpf",			a_bpf, ATTEMPT_MS, 0 },
	{ "io_uring_setup",		a_io_uring_setup, ATTEMPT_MS, 0 },
	{ "perf_event_open",		a_perf_event_open, ATTEMPT_MS, 0 },
	{ "raw_socket",			a_raw_socket, ATTEMPT_MS, 0 },
	{ "wx_mprotect",		a_wx_mprotect, ATTEMPT_MS, 0 },
	{ "wx_mmap",			a_wx_mmap, ATTEMPT_MS, 0 },
	{ "wx_shm",			a_wx_shm, ATTEMPT_MS, 0 },
	{ "personality",		a_personality, ATTEMPT_MS, 0 },
	{ "fork_bomb",			a_fork_bomb, BOMB_MS, 0 },
	{ "memory_bomb",		a_memory_bomb, BOMB_MS, 0 },
};

static pid_t
pid_field(const char *s)
{
	char *end;
	long v;

	if (s == NULL)
		return 0;
	v = strtol(s, &end, 10);
	return *end == '\0' && v > 0 && v < (1L << 22) ? (pid_t)v : 0;
}

static void
probe(char **f, int n)
{
	size_t i;

	if (n < 7) {
		out("error probe MASTER DECOY CTLSOCK CONF POLICYDIR PIDFILE "
		    "[SIBLING [OTHER]]\n");
		exit(1);
	}
	cx.master = pid_field(f[1]);
	cx.decoy = pid_field(f[2]);
	cx.ctlsock = f[3];
	cx.conf = f[4];
	cx.policydir = f[5];
	cx.pidfile = f[6];
	cx.sibling = n > 7 ? pid_field(f[7]) : 0;
	cx.other = n > 8 ? pid_field(f[8]) : 0;
	cx.worker = getppid();
	cx.probe = getpid();
	if (cx.master <= 0) {
		out("error MASTER must be a pid\n");
		exit(1);
	}
	for (i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		run(attempts[i].name, attempts[i].fn, attempts[i].timeout_ms);
		if (attempts[i].gap_ms)
			sleep_ms(attempts[i].gap_ms);
	}
	out("done %d %d\n", nrefused, nattempts);
}

int
main(void)
{
	static char line[8192];
	char *f[16], *save = NULL, *t;
	size_t len = 0;
	ssize_t r;
	int n = 0;

	/* One line, byte by byte: nothing after it is consumed. */
	while (len < sizeof(line) - 1) {
		r = read(0, line + len, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	for (t = strtok_r(line, " \t", &save); t != NULL && n < 16;
	    t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n == 1 && strcmp(f[0], "hold") == 0)
		hold();
	else if (n >= 1 && strcmp(f[0], "probe") == 0)
		probe(f, n);
	else {
		out("error expected \"hold\" or \"probe ...\"\n");
		return 1;
	}
	return 0;
}
