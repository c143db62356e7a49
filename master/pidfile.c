/* SPDX-License-Identifier: ISC */
/* The pidfile, locked for as long as sinetd runs, so that two cannot. */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

/*
 * Taken before daemonizing so a second instance hears why it cannot start;
 * the lock lives on the open file, so it survives the fork.
 */
int
pidfile_lock(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd == -1)
		fatal("cannot open pidfile path=%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			fatal("cannot lock pidfile path=%s", path);
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fatalx("another sinetd is running: pidfile %s is locked "
		    "(pid %s)", path, *buf ? buf : "unknown");
	}
	return fd;
}

void
pidfile_write(int fd)
{
	char buf[32];
	int len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)len, 0) != len)
		log_warn("cannot write pidfile");
}

/* Unlinked while still locked, so no second instance can take a stale one. */
void
pidfile_remove(const char *path, int fd)
{
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("cannot remove pidfile path=%s", path);
	close(fd);
}
