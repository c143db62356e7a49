/* SPDX-License-Identifier: ISC */
/*
 * A pool's own view of the filesystem: a mount namespace its worker makes
 * while it is still root, before it drops anything, so every child server
 * it starts inherits it and cannot leave it (no CAP_SYS_ADMIN; setns and
 * new namespaces are refused by the guard; a Landlock domain refuses
 * mounts). The policy's protections (systemd's, by name) are mounted
 * first; what sinetd keeps out of every child's reach — its control
 * socket hidden, its configuration, policy directory and pidfile
 * read-only — last, so no policy undoes it. A tmpfs named MOUNTNS_MARK
 * over /run/sinetd marks the namespace: the master refuses a control
 * client whose mounts show it (control.c), whatever became of the master
 * that started it.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

#define MARK_DIR	"/run/sinetd"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY	0x00000001
struct mount_attr {
	uint64_t	attr_set, attr_clr, propagation, userns_fd;
};
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr	442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE		0x8000
#endif

struct ctx {
	char	*err;
	size_t	 errlen;
};

static int
fail(struct ctx *c, const char *what, const char *path)
{
	snprintf(c->err, c->errlen, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

/* A path that is not there is nothing to protect. */
static bool
missing(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == -1 && (errno == ENOENT || errno == ENOTDIR);
}

/* path and every mount below it read-only. */
static int
read_only(struct ctx *c, const char *path)
{
	struct mount_attr ma = { .attr_set = MOUNT_ATTR_RDONLY };

	if (missing(path))
		return 0;
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) == -1)
		return fail(c, "bind", path);
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &ma,
	    sizeof(ma)) == 0)
		return 0;
	/* Before 5.12: the top mount at least. */
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) ==
	    -1)
		return fail(c, "read-only", path);
	return 0;
}

/* What an O_PATH descriptor names, bound over path. */
static int
bind_fd(int fd, const char *path, unsigned long flags)
{
	char src[64];

	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	return mount(src, path, NULL, MS_BIND | flags, NULL);
}

/* A file, a socket or a node out of sight: /dev/null over it. */
static int
hide_file(struct ctx *c, const char *path, int devnull)
{
	if (missing(path))
		return 0;
	if (bind_fd(devnull, path, 0) == -1)
		return fail(c, "hide", path);
	return 0;
}

static int
tmpfs(struct ctx *c, const char *source, const char *path, const char *opts,
    unsigned long flags)
{
	if (missing(path))
		return 0;
	if (mount(source, path, "tmpfs", flags, opts) == -1)
		return fail(c, "tmpfs on", path);
	return 0;
}

/*
 * /dev with the nodes a classic server uses, bound from the host's (so no
 * mknod), the host's /dev/pts (comsat, talkd and login sessions need the
 * users' terminals, never a private devpts), a /dev/shm of its own, and
 * /dev/log as the host has it. Then the tmpfs goes read-only.
 */
static int
private_devices(struct ctx *c)
{
	static const char *const nodes[] = {
		"null", "zero", "full", "random", "urandom", "tty", "ptmx",
	};
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" }, { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
	};
	int fds[sizeof(nodes) / sizeof(nodes[0])], pts, log = -1, rc = -1, ptmx;
	char path[PATH_MAX], target[PATH_MAX];
	struct mount_attr ma = { .attr_set = MOUNT_ATTR_RDONLY };
	struct stat sb;
	ssize_t tlen = -1;
	size_t i;

	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(path, sizeof(path), "/dev/%s", nodes[i]);
		fds[i] = open(path, O_PATH | O_CLOEXEC);
	}
	pts = open("/dev/pts", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lstat("/dev/log", &sb) == 0) {
		if (S_ISLNK(sb.st_mode))
			tlen = readlink("/dev/log", target, sizeof(target) - 1);
		else
			log = open("/dev/log", O_PATH | O_CLOEXEC);
	}
	if (mount("sinetd-dev", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
	    "mode=0755,size=64k,nr_inodes=64") == -1) {
		fail(c, "tmpfs on", "/dev");
		goto out;
	}
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (fds[i] == -1)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", nodes[i]);
		if (mknod(path, S_IFREG | 0600, 0) == -1 ||
		    bind_fd(fds[i], path, 0) == -1) {
			fail(c, "bind", path);
			goto out;
		}
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "/dev/%s", links[i][0]);
		if (symlink(links[i][1], path) == -1) {
			fail(c, "symlink", path);
			goto out;
		}
	}
	if (pts != -1) {
		if (mkdir("/dev/pts", 0755) == -1 ||
		    bind_fd(pts, "/dev/pts", MS_REC) == -1) {
			fail(c, "bind", "/dev/pts");
			goto out;
		}
	}
	/*
	 * The host's ptmx finds its devpts as "pts" beside it; where that
	 * fails (devpts mounted twice over /dev/pts, as in some containers),
	 * the instance's own ptmx, which root opens whatever its mode.
	 */
	if ((ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)) != -1)
		close(ptmx);
	else if (umount2("/dev/ptmx", MNT_DETACH) == -1 ||
	    unlink("/dev/ptmx") == -1 || symlink("pts/ptmx", "/dev/ptmx") == -1) {
		fail(c, "symlink", "/dev/ptmx");
		goto out;
	}
	if (mkdir("/dev/shm", 01777) == -1 || chmod("/dev/shm", 01777) == -1 ||
	    tmpfs(c, "sinetd-shm", "/dev/shm", "mode=1777,size=16m",
	    MS_NOSUID | MS_NODEV) == -1)
		goto out;
	if (tlen > 0) {
		target[tlen] = '\0';
		if (symlink(target, "/dev/log") == -1) {
			fail(c, "symlink", "/dev/log");
			goto out;
		}
	} else if (log != -1) {
		if (mknod("/dev/log", S_IFREG | 0600, 0) == -1 ||
		    bind_fd(log, "/dev/log", 0) == -1) {
			fail(c, "bind", "/dev/log");
			goto out;
		}
	}
	/* No new node, file or link in /dev from here on. */
	if (syscall(SYS_mount_setattr, AT_FDCWD, "/dev", 0, &ma,
	    sizeof(ma)) == -1 && mount(NULL, "/dev", NULL, MS_REMOUNT |
	    MS_RDONLY | MS_NOSUID | MS_NOEXEC, "mode=0755") == -1) {
		fail(c, "read-only", "/dev");
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (fds[i] != -1)
			close(fds[i]);
	if (pts != -1)
		close(pts);
	if (log != -1)
		close(log);
	return rc;
}

/* systemd's ProtectKernelTunables and ProtectKernelLogs. */
static int
protect_kernel(struct ctx *c, int devnull)
{
	static const char *const ro[] = {
		"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus",
		"/proc/fs", "/proc/acpi", "/proc/latency_stats",
		"/proc/timer_list", "/proc/asound", "/sys",
	};
	static const char *const gone[] = {
		"/proc/kmsg", "/proc/kcore", "/dev/kmsg",
	};
	size_t i;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		if (read_only(c, ro[i]) == -1)
			return -1;
	for (i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		if (hide_file(c, gone[i], devnull) == -1)
			return -1;
	return 0;
}

int
mountns_enter(const struct policy *p, const struct mountns_protect *own,
    char *err, size_t errlen)
{
	static const char *const system[] = { "/usr", "/boot", "/efi" };
	struct ctx c = { err, errlen };
	const char *files[] = { own->conf, own->pidfile };
	int devnull = -1, rc = -1;
	size_t i;

	if (unshare(CLONE_NEWNS) == -1)
		return fail(&c, "unshare", "CLONE_NEWNS");
	/* The host's new mounts still reach us; none of ours reach it. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == -1)
		return fail(&c, "slave", "/");
	if ((devnull = open("/dev/null", O_PATH | O_CLOEXEC)) == -1)
		return fail(&c, "open", "/dev/null");
	if ((p->protect & PRIVATE_DEVICES) && private_devices(&c) == -1)
		goto out;
	/*
	 * invisible shows every process of the proc instance's group (gid 0:
	 * root's processes to a root child); ptraceable only those the child
	 * may trace, which its own Landlock domain keeps to its session.
	 */
	if ((p->protect & (PROTECT_PROC | PROTECT_PROC_PTRACE)) &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    (p->protect & PROTECT_PROC_PTRACE) ? "hidepid=ptraceable" :
	    "hidepid=invisible") == -1) {
		fail(&c, "proc on", "/proc");
		goto out;
	}
	if ((p->protect & PROTECT_KERNEL) && protect_kernel(&c, devnull) == -1)
		goto out;
	for (i = 0; (p->protect & PROTECT_SYSTEM) && i < 3; i++)
		if (read_only(&c, system[i]) == -1)
			goto out;
	if ((p->protect & PROTECT_SYSTEM_FULL) && read_only(&c, "/etc") == -1)
		goto out;
	if ((p->protect & PRIVATE_TMP) &&
	    (tmpfs(&c, "sinetd-tmp", "/tmp", "mode=1777", MS_NOSUID |
	    MS_NODEV) == -1 || tmpfs(&c, "sinetd-tmp", "/var/tmp",
	    "mode=1777", MS_NOSUID | MS_NODEV) == -1))
		goto out;
	/* sinetd's own, whatever the policy said. */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i] != NULL && files[i][0] == '/' &&
		    read_only(&c, files[i]) == -1)
			goto out;
	if (own->policy_dir != NULL && own->policy_dir[0] == '/' &&
	    read_only(&c, own->policy_dir) == -1)
		goto out;
	if (own->ctl_socket != NULL && own->ctl_socket[0] == '/' &&
	    hide_file(&c, own->ctl_socket, devnull) == -1)
		goto out;
	if (mkdir(MARK_DIR, 0755) == -1 && errno != EEXIST) {
		fail(&c, "mkdir", MARK_DIR);
		goto out;
	}
	if (tmpfs(&c, MOUNTNS_MARK, MARK_DIR, "mode=0,size=4k,nr_inodes=1",
	    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) == -1)
		goto out;
	rc = 0;
out:
	close(devnull);
	return rc;
}

/*
 * Whether the process behind a /proc/PID directory (dirfd) lives in a
 * pool's namespace: its mounts show the mark. Unreadable counts as yes.
 */
bool
mountns_is_sandboxed(int piddir)
{
	static const char needle[] = " - tmpfs " MOUNTNS_MARK " ";
	char buf[8192];
	size_t keep = 0;
	ssize_t n;
	int fd;

	if ((fd = openat(piddir, "mountinfo", O_RDONLY | O_CLOEXEC)) == -1)
		return true;
	/* Lines straddle reads: keep the tail of each for the next. */
	while ((n = read(fd, buf + keep, sizeof(buf) - 1 - keep)) > 0) {
		size_t len = keep + (size_t)n;

		buf[len] = '\0';
		if (strstr(buf, needle) != NULL) {
			close(fd);
			return true;
		}
		keep = len < sizeof(needle) - 1 ? len : sizeof(needle) - 1;
		memmove(buf, buf + len - keep, keep);
	}
	close(fd);
	return n < 0;
}
