/* SPDX-License-Identifier: ISC */
/*
 * The syscall groups a policy may name, in one alphabetical table, each
 * with a line saying what it is for. Names are resolved by libseccomp, so
 * a group holds on every architecture it knows; a name that does not
 * exist on this one is skipped.
 */
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "util.h"

#define SYSCALLS(...) (const char *const[]){ __VA_ARGS__, NULL }

static const struct syscall_group groups[] = {
	{ "@aio", "asynchronous I/O (the POSIX kind, not io_uring)",
	  SYSCALLS("io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
	    "io_setup", "io_submit") },
	{ "@basic-io", "reading and writing descriptors one has, and "
	  "closing them",
	  SYSCALLS("_llseek", "close", "close_range", "dup", "dup2", "dup3",
	    "fcntl", "fcntl64", "ioctl", "lseek", "pread64", "preadv",
	    "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv",
	    "write", "writev") },
	{ "@chown", "changing the owner of files",
	  SYSCALLS("chown", "chown32", "fchown", "fchown32", "fchownat",
	    "lchown", "lchown32") },
	{ "@clock", "setting the system clock",
	  SYSCALLS("adjtimex", "clock_adjtime", "clock_adjtime64",
	    "clock_settime", "clock_settime64", "settimeofday", "stime") },
	{ "@credentials", "reading one's own ids and capabilities",
	  SYSCALLS("capget", "getegid", "getegid32", "geteuid", "geteuid32",
	    "getgid", "getgid32", "getgroups", "getgroups32", "getresgid",
	    "getresgid32", "getresuid", "getresuid32", "getuid",
	    "getuid32") },
	{ "@debug", "tracing and reading other processes",
	  SYSCALLS("kcmp", "lookup_dcookie", "perf_event_open", "pidfd_getfd",
	    "process_madvise", "process_vm_readv", "process_vm_writev",
	    "ptrace", "rtas", "s390_runtime_instr", "sys_debug_setcontext") },
	{ "@file-read", "opening files and reading files and directories "
	  "and their metadata (which files: Landlock's fs-* rules)",
	  SYSCALLS("access", "chdir", "faccessat", "faccessat2", "fadvise64",
	    "fadvise64_64", "fchdir", "fgetxattr", "flistxattr", "fstat",
	    "fstat64", "fstatat64", "fstatfs", "fstatfs64", "getcwd",
	    "getdents", "getdents64", "getxattr", "lgetxattr", "listxattr",
	    "llistxattr", "lstat", "lstat64", "newfstatat", "open", "openat",
	    "openat2", "readahead", "readlink", "readlinkat", "stat",
	    "stat64", "statfs", "statfs64", "statx") },
	{ "@file-write", "creating, changing and removing files and "
	  "directories; denied, also opening files for writing (open and "
	  "openat with a write flag, and openat2, which fails with ENOSYS)",
	  SYSCALLS("chmod", "creat", "fallocate", "fchmod", "fchmodat",
	    "fchmodat2", "fremovexattr", "fsetxattr", "ftruncate",
	    "ftruncate64", "futimesat", "link", "linkat", "lremovexattr",
	    "lsetxattr", "mkdir", "mkdirat", "mknod", "mknodat", "removexattr",
	    "rename", "renameat", "renameat2", "rmdir", "setxattr", "symlink",
	    "symlinkat", "truncate", "truncate64", "unlink", "unlinkat",
	    "utime", "utimensat", "utimensat_time64", "utimes") },
	{ "@io-event", "waiting for descriptors to be ready",
	  SYSCALLS("_newselect", "epoll_create", "epoll_create1", "epoll_ctl",
	    "epoll_pwait", "epoll_pwait2", "epoll_wait", "eventfd",
	    "eventfd2", "poll", "ppoll", "ppoll_time64", "pselect6",
	    "pselect6_time64", "select") },
	{ "@ipc", "pipes, System V and POSIX message queues, semaphores and "
	  "shared memory",
	  SYSCALLS("ipc", "memfd_create", "mq_getsetattr", "mq_notify",
	    "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
	    "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl",
	    "msgget", "msgrcv", "msgsnd", "pipe", "pipe2", "semctl", "semget",
	    "semop", "semtimedop", "semtimedop_time64", "shmat", "shmctl",
	    "shmdt", "shmget") },
	{ "@keyring", "the kernel's key store",
	  SYSCALLS("add_key", "keyctl", "request_key") },
	{ "@memory", "mapping and managing one's own memory",
	  SYSCALLS("brk", "madvise", "membarrier", "mincore", "mlock", "mlock2",
	    "mlockall", "mmap", "mmap2", "mprotect", "mremap", "msync",
	    "munlock", "munlockall", "munmap", "pkey_alloc", "pkey_free",
	    "pkey_mprotect") },
	{ "@module", "loading and unloading kernel modules",
	  SYSCALLS("delete_module", "finit_module", "init_module") },
	{ "@mount", "mounting, and the new mount API (chroot is not here)",
	  SYSCALLS("fsconfig", "fsmount", "fsopen", "fspick", "mount",
	    "mount_setattr", "move_mount", "open_tree", "pivot_root",
	    "umount", "umount2") },
	{ "@namespace", "entering and making namespaces",
	  SYSCALLS("setns", "unshare") },
	{ "@network-io", "sockets: making, naming, connecting, sending, "
	  "receiving",
	  SYSCALLS("accept", "accept4", "bind", "connect", "getpeername",
	    "getsockname", "getsockopt", "listen", "recv", "recvfrom",
	    "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg",
	    "sendmsg", "sendto", "setsockopt", "shutdown", "socket",
	    "socketcall", "socketpair") },
	{ "@process", "starting, running and ending processes, and their "
	  "attributes",
	  SYSCALLS("arch_prctl", "capset", "clone", "clone3", "execve",
	    "execveat", "exit", "exit_group", "fork", "get_robust_list",
	    "getpgid", "getpgrp", "getpid", "getppid", "getrandom", "getsid",
	    "gettid", "kill", "pidfd_open", "pidfd_send_signal", "prctl",
	    "rseq", "sched_getaffinity", "sched_yield", "set_robust_list",
	    "set_tid_address", "setpgid", "setsid", "tgkill", "tkill",
	    "uname", "vfork", "wait4", "waitid", "waitpid") },
	{ "@raw-io", "raw port and PCI access",
	  SYSCALLS("ioperm", "iopl", "pciconfig_iobase", "pciconfig_read",
	    "pciconfig_write", "s390_pci_mmio_read", "s390_pci_mmio_write") },
	{ "@reboot", "rebooting and loading a new kernel",
	  SYSCALLS("kexec_file_load", "kexec_load", "reboot") },
	{ "@resources", "resource limits, priorities and CPU placement",
	  SYSCALLS("getpriority", "getrlimit", "ioprio_get", "ioprio_set",
	    "prlimit64", "sched_get_priority_max", "sched_get_priority_min",
	    "sched_getattr", "sched_getparam", "sched_getscheduler",
	    "sched_setaffinity", "sched_setattr", "sched_setparam",
	    "sched_setscheduler", "setpriority", "setrlimit", "ugetrlimit") },
	{ "@setuid", "changing one's ids and groups",
	  SYSCALLS("setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
	    "setgid", "setgid32", "setgroups", "setgroups32", "setregid",
	    "setregid32", "setresgid", "setresgid32", "setresuid",
	    "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32") },
	{ "@signal", "handling, masking and waiting for signals",
	  SYSCALLS("pause", "rt_sigaction", "rt_sigpending",
	    "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
	    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
	    "rt_tgsigqueueinfo", "sigaction", "sigaltstack", "signal",
	    "signalfd", "signalfd4", "sigpending", "sigprocmask", "sigreturn",
	    "sigsuspend") },
	{ "@swap", "turning swap on and off",
	  SYSCALLS("swapoff", "swapon") },
	{ "@sync", "flushing files to disk",
	  SYSCALLS("fdatasync", "fsync", "sync", "sync_file_range",
	    "sync_file_range2", "syncfs") },
	{ "@time", "reading the time, sleeping, and timers",
	  SYSCALLS("alarm", "clock_getres", "clock_getres_time64",
	    "clock_gettime", "clock_gettime64", "clock_nanosleep",
	    "clock_nanosleep_time64", "getitimer", "gettimeofday",
	    "nanosleep", "setitimer", "time", "timer_create", "timer_delete",
	    "timer_getoverrun", "timer_gettime", "timer_gettime64",
	    "timer_settime", "timer_settime64", "timerfd_create",
	    "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
	    "timerfd_settime64", "times") },
};

const struct syscall_group *
groups_all(size_t *n)
{
	*n = ARRAY_LEN(groups);
	return groups;
}

const struct syscall_group *
groups_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(groups); i++)
		if (strcmp(groups[i].name, name) == 0)
			return &groups[i];
	return NULL;
}

/*
 * The native number of a syscall: -1 if libseccomp does not know the
 * name, -2 if it knows it but this architecture has no such call.
 */
int
syscall_number(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return -1;
	if (nr < 0)
		return -2;
	return nr;
}

const char *
syscall_name(int nr, char *buf, size_t len)
{
	char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

	if (name == NULL)
		snprintf(buf, len, "%d", nr);
	else {
		snprintf(buf, len, "%s", name);
		free(name);
	}
	return buf;
}
