/* SPDX-License-Identifier: ISC */
/*
 * Refusing a connection at once: a disabled or suspended service resets
 * it, so the client hears no at once instead of waiting for nothing.
 */
#include <sys/socket.h>

#include <unistd.h>

#include "worker.h"

void
refuse_reset(int fd)
{
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
	close(fd);
}
