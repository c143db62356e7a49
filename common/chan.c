/* Sending and receiving one typed record over a SOCK_SEQPACKET channel. */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <string.h>

#include "chan.h"

/* flags: MSG_DONTWAIT where the sender must never block (worker logs). */
int
chan_send(int fd, uint32_t type, const void *payload, size_t len, int flags)
{
	struct msg_hdr hdr = { .type = type, .len = (uint32_t)len };
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n;

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

/*
 * Returns the record's size, 0 at end of file, -1 with errno set. A record
 * whose header disagrees with its size, or that did not fit, is EBADMSG.
 */
ssize_t
chan_recv(int fd, struct chan_msg *m, int flags)
{
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = recvmsg(fd, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n;
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(m->hdr) ||
	    m->hdr.len != (size_t)n - sizeof(m->hdr)) {
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
