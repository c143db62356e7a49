/* SPDX-License-Identifier: ISC */
/*
 * The floor for internal echo: one process, one epoll, no privilege drop,
 * no limits, no logging. Each connection's bytes go straight back; a
 * connection ends when the client has sent everything and read it.
 *
 *   bare_epoll PORT
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event ev, evs[256];
	char buf[4096];
	int s, ep, one = 1, i, n, fd;
	ssize_t r;

	if (argc != 2) {
		fprintf(stderr, "usage: bare_epoll port\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 128) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("bare_epoll");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = s;
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == s) {
				while ((fd = accept4(s, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					ev.events = EPOLLIN | EPOLLRDHUP;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			/* A 32-byte exchange: what is read is written at once. */
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				if (write(fd, buf, (size_t)r) != r)
					break;
			if (r == 0 || (r == -1 && errno != EAGAIN))
				close(fd);	/* leaves the epoll set too */
		}
	}
}
