/* SPDX-License-Identifier: ISC */
/*
 * Until every port answers: the start-up and reload rows of bench/run.pl.
 *
 *   scan -p PORT -w daytime|time|echo [-d seconds] < addresses
 *
 * stdin holds one IPv4 loopback address a line; each address:PORT is
 * probed until it gives the answer -w names (daytime: a line of text,
 * time: exactly 4 bytes, echo: the byte sent comes back), so a port that
 * is bound but not served, or that still runs the service a reload
 * replaces, does not count. A refused or wrong answer is tried again a
 * millisecond later. At most WINDOW probes are in flight, taken in the
 * order of stdin: enough to go as fast as a server answers, few enough
 * that a server still starting does not lose a core to the probes.
 *
 * Prints "answered=N of=M seconds=S exchange_us=U": U is the successful
 * exchange of the last address to answer, from its connect to its answer
 * (with one address: the first connection a server answers). Exit 0 when
 * every address answered within -d seconds (default 120).
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WINDOW		8
#define RETRY_NS	1000000ull

enum want { W_DAYTIME, W_TIME, W_ECHO };

struct probe {
	struct in_addr	addr;
	int		fd;
	bool		done;
	bool		sent;
	size_t		got;
	uint64_t	start_ns;
	uint64_t	not_before_ns;
};

static enum want want = W_DAYTIME;
static int port, epfd;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
usage(void)
{
	fprintf(stderr, "usage: scan -p port -w daytime|time|echo "
	    "[-d seconds] < addresses\n");
	exit(2);
}

static void
probe_close(struct probe *p, uint64_t now)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	p->not_before_ns = now + RETRY_NS;
}

static void
probe_start(struct probe *p, uint64_t now)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = p->addr,
	    .sin_port = htons((uint16_t)port) };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET,
	    .data.ptr = p };

	p->got = 0;
	p->sent = false;
	p->start_ns = now;
	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd == -1) {
		perror("scan: socket");
		exit(1);
	}
	if ((connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
	    errno != EINPROGRESS) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, p->fd, &ev) == -1)
		probe_close(p, now);
}

/* Runs a probe as far as it goes: 1 when it answered, -1 when it failed. */
static int
probe_step(struct probe *p)
{
	char buf[512];
	ssize_t n;

	if (want == W_ECHO && !p->sent) {
		n = send(p->fd, "x", 1, MSG_NOSIGNAL);
		if (n == -1)
			return errno == EAGAIN ? 0 : -1;
		p->sent = true;
	}
	for (;;) {
		n = recv(p->fd, buf, sizeof(buf), 0);
		if (n == -1)
			return errno == EAGAIN ? 0 : -1;
		if (want == W_ECHO)
			return n == 1 && buf[0] == 'x' ? 1 : -1;
		if (n == 0)
			break;
		p->got += (size_t)n;
	}
	/* At the end of the answer: the length says which service it was. */
	if (want == W_TIME)
		return p->got == 4 ? 1 : -1;
	return p->got > 4 ? 1 : -1;
}

int
main(int argc, char *argv[])
{
	struct epoll_event evs[WINDOW];
	struct probe *probes = NULL;
	double seconds = 120;
	size_t nprobes = 0, cap = 0, answered = 0, head = 0, i, inflight;
	uint64_t t0, end, now, last_us = 0;
	char line[64];
	int ch, n, k, r;

	while ((ch = getopt(argc, argv, "d:p:w:")) != -1) {
		switch (ch) {
		case 'd':
			seconds = atof(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'w':
			if (strcmp(optarg, "daytime") == 0)
				want = W_DAYTIME;
			else if (strcmp(optarg, "time") == 0)
				want = W_TIME;
			else if (strcmp(optarg, "echo") == 0)
				want = W_ECHO;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (port <= 0 || port > 65535 || seconds <= 0)
		usage();
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (nprobes == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((probes = realloc(probes, cap * sizeof(*probes))) ==
			    NULL) {
				perror("scan");
				return 1;
			}
		}
		memset(&probes[nprobes], 0, sizeof(*probes));
		probes[nprobes].fd = -1;
		if (inet_pton(AF_INET, line, &probes[nprobes].addr) != 1 ||
		    (ntohl(probes[nprobes].addr.s_addr) >> 24) != 127) {
			fprintf(stderr, "scan: %s: loopback IPv4 addresses "
			    "only\n", line);
			return 2;
		}
		nprobes++;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("scan");
		return 1;
	}
	t0 = now_ns();
	end = t0 + (uint64_t)(seconds * 1e9);
	while (answered < nprobes && (now = now_ns()) < end) {
		while (head < nprobes && probes[head].done)
			head++;
		/* The WINDOW first unanswered addresses, in stdin's order. */
		inflight = 0;
		for (i = head; i < nprobes && inflight < WINDOW; i++) {
			if (probes[i].done)
				continue;
			inflight++;
			/* A queued connection never served: try again. */
			if (probes[i].fd != -1 &&
			    now - probes[i].start_ns > 1000000000ull)
				probe_close(&probes[i], now);
			if (probes[i].fd == -1 && now >= probes[i].not_before_ns)
				probe_start(&probes[i], now);
		}
		n = epoll_wait(epfd, evs, WINDOW, 1);
		now = now_ns();
		for (k = 0; k < n; k++) {
			struct probe *p = evs[k].data.ptr;

			if (p->fd == -1 || (r = probe_step(p)) == 0)
				continue;
			if (r == 1) {
				p->done = true;
				answered++;
				last_us = (now - p->start_ns) / 1000;
			}
			probe_close(p, now);
		}
	}
	printf("answered=%zu of=%zu seconds=%.4f exchange_us=%llu\n", answered,
	    nprobes, (double)(now_ns() - t0) / 1e9,
	    (unsigned long long)last_us);
	return answered == nprobes ? 0 : 1;
}
