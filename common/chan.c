/* SPDX-License-Identifier: ISC */
/* Sending and receiving one typed record over a SOCK_SEQPACKET channel. */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"

/*
 * flags: MSG_DONTWAIT where the sender must never block (worker logs).
 * passfd: a descriptor to send with the record, or -1.
 */
int
chan_send_fd(int fd, uint32_t type, const void *payload, size_t len,
    int flags, int passfd)
{
	struct msg_hdr hdr = { .type = type, .len = (uint32_t)len };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} ctl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (passfd != -1) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &passfd, sizeof(int));
	}
	do
		n = sendmsg(fd, &mh, flags | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n != sizeof(hdr) + len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

int
chan_send(int fd, uint32_t type, const void *payload, size_t len, int flags)
{
	return chan_send_fd(fd, type, payload, len, flags, -1);
}

/*
 * Returns the record's size, 0 at end of file, -1 with errno set. A record
 * whose header disagrees with its size, or that did not fit, is EBADMSG.
 * A descriptor sent with it lands in m->fd (close-on-exec), else -1: the
 * receiver closes one it did not ask for.
 */
ssize_t
chan_recv(int fd, struct chan_msg *m, int flags)
{
	struct iovec iov = { .iov_base = &m->hdr,
		.iov_len = sizeof(m->hdr) + sizeof(m->u) };
	union {
		char		buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;

	m->fd = -1;
	do
		n = recvmsg(fd, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)) && m->fd == -1)
			memcpy(&m->fd, CMSG_DATA(c), sizeof(int));
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(m->hdr) ||
	    m->hdr.len != (size_t)n - sizeof(m->hdr)) {
		if (m->fd != -1)
			close(m->fd);
		m->fd = -1;
		errno = EBADMSG;
		return -1;
	}
	return n;
}

/* The receiver's size check before it reads any field of the payload. */
int
chan_expect(const struct chan_msg *m, uint32_t type, size_t len)
{
	if (m->hdr.type != type || m->hdr.len != len) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}
