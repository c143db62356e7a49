/* SPDX-License-Identifier: ISC */
/*
 * Where the master finds sinetd-worker: installed, where make install put
 * it (LIBEXECDIR, compiled in), also under a DESTDIR or an image mounted
 * elsewhere; anywhere else, as in the build tree, next to the master's
 * own binary. The master opens it once, at start, and executes every
 * worker through that descriptor.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workerbin.h"

#ifndef SINETD_SBINDIR
#error "SINETD_SBINDIR: the GNUmakefile defines it"
#endif
#ifndef SINETD_LIBEXECDIR
#error "SINETD_LIBEXECDIR: the GNUmakefile defines it"
#endif

#define WORKER_NAME	"sinetd-worker"

/*
 * Named through readlink rather than by opening /proc/self/exe, because
 * under valgrind that is valgrind's own binary and readlink is the call
 * valgrind answers with ours.
 */
const char *
workerbin_path(void)
{
	static char path[PATH_MAX];
	const char *sbin = SINETD_SBINDIR "/sinetd";
	char self[PATH_MAX], installed[PATH_MAX], *slash;
	size_t root;
	ssize_t n;

	if (path[0] != '\0')
		return path;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		/* No name of our own: only the installed one is left. */
		snprintf(path, sizeof(path), "%s/sinetd/" WORKER_NAME,
		    SINETD_LIBEXECDIR);
		return path;
	}
	self[n] = '\0';
	/* Through symbolic links, as /sbin is /usr/sbin on Debian. */
	if (realpath(sbin, installed) != NULL && strcmp(installed, self) == 0)
		snprintf(path, sizeof(path), "%s/sinetd/" WORKER_NAME,
		    SINETD_LIBEXECDIR);
	else if ((size_t)n > strlen(sbin) && sbin[0] == '/' &&
	    strcmp(self + (root = (size_t)n - strlen(sbin)), sbin) == 0)
		/* DESTDIR/usr/sbin/sinetd: DESTDIR/usr/libexec/sinetd/... */
		snprintf(path, sizeof(path), "%.*s%s/sinetd/" WORKER_NAME,
		    (int)root, self, SINETD_LIBEXECDIR);
	else {
		slash = strrchr(self, '/');
		snprintf(path, sizeof(path), "%.*s/" WORKER_NAME,
		    slash == NULL ? 1 : (int)(slash - self),
		    slash == NULL ? "." : self);
	}
	return path;
}

/*
 * The worker binary, O_PATH: whatever replaces the file on disk later,
 * every worker this master starts is this image, so an upgrade never
 * mixes versions. A worker runs as root until it locks down: the file is
 * refused unless it could have been put there only by root or by us.
 * Returns the descriptor, or -1 with why in why.
 */
int
workerbin_open(char *why, size_t len)
{
	const char *path = workerbin_path();
	char dir[PATH_MAX], *slash;
	struct stat st, dst;
	int fd;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(why, len, "%s: the worker binary: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0) {
		snprintf(why, len, "%s: the worker binary: not an executable "
		    "file", path);
		goto fail;
	}
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(why, len, "%s: the worker binary: owned by uid %ld "
		    "mode %04o: it must be root's or ours, and writable by its "
		    "owner alone", path, (long)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	/* A directory anyone may write to lets anyone put his own there. */
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(slash == NULL ? "." : dir, &dst) == 0 &&
	    (dst.st_mode & S_IWOTH) != 0 && (dst.st_mode & S_ISVTX) == 0) {
		snprintf(why, len, "%s: the worker binary: its directory is "
		    "writable by anyone", path);
		goto fail;
	}
	return fd;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}
