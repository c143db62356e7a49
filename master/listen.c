/* SPDX-License-Identifier: ISC */
/* Binding the listening sockets: the master's only contact with the network. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

static int
bind_unix(int fd, const struct service *s, const char **what)
{
	const char *path = ((const struct sockaddr_un *)&s->addr)->sun_path;
	struct stat st;
	mode_t old;
	int rc;

	/* A stale socket is ours to replace; any other file is not. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*what = "path exists and is not a socket";
			errno = EEXIST;
			return -1;
		}
		if (unlink(path) == -1) {
			*what = "unlink";
			return -1;
		}
	}
	/* Never visible with a wider mode than the one asked for. */
	old = umask(0177);
	rc = bind(fd, &s->addr.sa, s->addrlen);
	umask(old);
	if (rc == -1) {
		*what = "bind";
		return -1;
	}
	if (geteuid() == 0 && chown(path, s->sock_uid, s->sock_gid) == -1) {
		*what = "chown";
		return -1;
	}
	if (chmod(path, s->sock_mode) == -1) {
		*what = "chmod";
		return -1;
	}
	return 0;
}

/* Returns the socket, or -1 with errno and *what naming the step. */
int
listen_open(const struct service *s, int backlog, const char **what)
{
	int fd, on = 1, off = 0, saved;

	/*
	 * O_NONBLOCK lives on the open file, which a wait service's child
	 * shares: it gets a blocking socket, as every inetd gives it.
	 */
	fd = socket(s->family, s->socktype | SOCK_CLOEXEC |
	    (s->builtin == BUILTIN_NONE && s->wait ? 0 : SOCK_NONBLOCK),
	    s->protocol);
	if (fd == -1) {
		*what = "socket";
		return -1;
	}
	/*
	 * A stream socket may take its port back from connections in
	 * TIME_WAIT. A datagram one must not: with SO_REUSEADDR two daemons
	 * (or sinetd and a wait server from before its restart) would share
	 * the port's traffic in silence; without it a port held by anyone is
	 * an error, as for TCP.
	 */
	if (s->family != AF_UNIX) {
		if (s->socktype == SOCK_STREAM && setsockopt(fd, SOL_SOCKET,
		    SO_REUSEADDR, &on, sizeof(on)) == -1) {
			*what = "SO_REUSEADDR";
			goto fail;
		}
		if (s->family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
		    IPV6_V6ONLY, s->v6only ? &on : &off, sizeof(on)) == -1) {
			*what = "IPV6_V6ONLY";
			goto fail;
		}
	}
	if (s->sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s->sndbuf,
	    sizeof(s->sndbuf)) == -1) {
		*what = "SO_SNDBUF";
		goto fail;
	}
	if (s->rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &s->rcvbuf,
	    sizeof(s->rcvbuf)) == -1) {
		*what = "SO_RCVBUF";
		goto fail;
	}
	if (s->family == AF_UNIX) {
		if (bind_unix(fd, s, what) == -1)
			goto fail;
	} else if (bind(fd, &s->addr.sa, s->addrlen) == -1) {
		*what = "bind";
		goto fail;
	}
	if (s->socktype != SOCK_DGRAM && listen(fd, backlog) == -1) {
		*what = "listen";
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Whether a reload can hand old's socket to new: the same address was
 * bound, but an IPv6 socket cannot become dual-stack or stop being so.
 */
bool
listen_reusable(const struct service *old, const struct service *new)
{
	return old->family == new->family && old->socktype == new->socktype &&
	    (old->family != AF_INET6 || old->v6only == new->v6only);
}

/* What a reload may change on a socket it keeps: buffers, owner, mode. */
int
listen_update(int fd, const struct service *s, const char **what)
{
	const char *path = ((const struct sockaddr_un *)&s->addr)->sun_path;

	if (s->sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s->sndbuf,
	    sizeof(s->sndbuf)) == -1) {
		*what = "SO_SNDBUF";
		return -1;
	}
	if (s->rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &s->rcvbuf,
	    sizeof(s->rcvbuf)) == -1) {
		*what = "SO_RCVBUF";
		return -1;
	}
	if (s->family != AF_UNIX)
		return 0;
	if (geteuid() == 0 && chown(path, s->sock_uid, s->sock_gid) == -1) {
		*what = "chown";
		return -1;
	}
	if (chmod(path, s->sock_mode) == -1) {
		*what = "chmod";
		return -1;
	}
	return 0;
}

/* Closes the master's copy; a unix socket's path goes with it. */
void
listen_close(struct msvc *ms)
{
	if (ms->fd == -1)
		return;
	/* Workers hold the socket too: closed, it would stay watched. */
	pool_unwatch(ms);
	close(ms->fd);
	ms->fd = -1;
	if (ms->svc->family == AF_UNIX &&
	    unlink(((struct sockaddr_un *)&ms->svc->addr)->sun_path) == -1 &&
	    errno != ENOENT)
		log_warn("cannot remove socket %s", ms->svc->fields);
}

