/* SPDX-License-Identifier: ISC */
/*
 * A cgroup per pool, so a fork or memory bomb in one service meets a bound
 * the kernel keeps for root too (RLIMIT_NPROC is none: it is never enforced
 * for uid 0, and counts a uid across the whole host otherwise). On cgroup
 * v2, a subtree of the master's own cgroup (systemd: Delegate=yes), the
 * master moved to a leaf of its own so its pools may have controllers;
 * on v1, the pids and memory hierarchies. What cannot be written is said
 * once, and the pools run without the bound.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "policy.h"

#define V1_ROOT	"/sys/fs/cgroup"

enum { CG_NONE, CG_V1, CG_V2 };
static int mode = CG_NONE;
static char v2_base[1024];

static int
write_str(const char *path, const char *text)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int
make_dir(const char *path)
{
	return mkdir(path, 0755) == -1 && errno != EEXIST ? -1 : 0;
}

/* v2: our own cgroup, from /proc/self/cgroup's "0::PATH". */
static int
v2_init(void)
{
	char line[PATH_MAX], path[1200], pid[32];
	FILE *fp;
	bool found = false;

	if (access(V1_ROOT "/cgroup.controllers", F_OK) == -1 ||
	    (fp = fopen("/proc/self/cgroup", "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, "0::", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(v2_base, sizeof(v2_base), "%s%.900s", V1_ROOT,
			    strcmp(line + 3, "/") == 0 ? "" : line + 3);
			found = true;
		}
	fclose(fp);
	if (!found)
		return -1;
	/* No process may stay where the pools' controllers are enabled. */
	snprintf(path, sizeof(path), "%s/sinetd-master", v2_base);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (make_dir(path) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/sinetd-master/cgroup.procs", v2_base);
	if (write_str(path, pid) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", v2_base);
	return write_str(path, "+pids +memory");
}

static int
v1_init(void)
{
	if (make_dir(V1_ROOT "/pids/sinetd") == -1 ||
	    make_dir(V1_ROOT "/memory/sinetd") == -1)
		return -1;
	return 0;
}

void
cgroup_init(void)
{
	if (geteuid() != 0)
		return;
	if (v2_init() == 0)
		mode = CG_V2;
	else if (v1_init() == 0)
		mode = CG_V1;
	else
		log_warnx("sandbox: no cgroup can be made for the pools "
		    "(neither a delegated cgroup v2 nor v1's pids and memory): "
		    "tasks-max and memory-max are not applied");
}

/* A name the filesystem takes: what is not a letter or digit becomes -. */
static void
dir_name(const char *fields, char *out, size_t len)
{
	size_t i;

	for (i = 0; fields[i] != '\0' && i + 1 < len; i++)
		out[i] = (fields[i] >= 'a' && fields[i] <= 'z') ||
		    (fields[i] >= 'A' && fields[i] <= 'Z') ||
		    (fields[i] >= '0' && fields[i] <= '9') ? fields[i] : '-';
	out[i] = '\0';
}

static int
limit(const char *dir, const char *file, uint64_t v, const char *none)
{
	char path[PATH_MAX], text[32];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (v == 0)
		snprintf(text, sizeof(text), "%s", none);
	else
		snprintf(text, sizeof(text), "%" PRIu64, v);
	return write_str(path, text);
}

static int
join(const char *dir, pid_t pid)
{
	char path[PATH_MAX], text[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(text, sizeof(text), "%ld", (long)pid);
	return write_str(path, text);
}

/*
 * Puts a worker, just started and not yet able to fork, in its pool's
 * cgroup with the policy's bounds. Returns -1 (logged by the caller) if
 * a bound could not be set: a pool is never left unbounded in silence.
 */
int
cgroup_attach(const char *fields, const struct policy *p, pid_t pid)
{
	char name[200], dir[1400];

	if (mode == CG_NONE)
		return 0;
	dir_name(fields, name, sizeof(name));
	if (mode == CG_V2) {
		snprintf(dir, sizeof(dir), "%s/pool-%s", v2_base, name);
		if (make_dir(dir) == -1 ||
		    limit(dir, "pids.max", p->tasks_max, "max") == -1 ||
		    limit(dir, "memory.max", p->memory_max, "max") == -1)
			return -1;
		return join(dir, pid);
	}
	snprintf(dir, sizeof(dir), V1_ROOT "/pids/sinetd/%s", name);
	if (make_dir(dir) == -1 ||
	    limit(dir, "pids.max", p->tasks_max, "max") == -1 ||
	    join(dir, pid) == -1)
		return -1;
	snprintf(dir, sizeof(dir), V1_ROOT "/memory/sinetd/%s", name);
	if (make_dir(dir) == -1 ||
	    limit(dir, "memory.limit_in_bytes", p->memory_max, "-1") == -1)
		return -1;
	return join(dir, pid);
}
