/* SPDX-License-Identifier: ISC */
/*
 * The load generator: a closed loop of N concurrent clients on one epoll,
 * against loopback only, bounded in time and in count. Each client runs
 * one exchange after another and the latency of each is kept.
 *
 *   load -m echo  -p PORT [-c 32] [-s 32]   connect, send s bytes, read
 *                                            them back, close
 *   load -m read  -p PORT                   connect, read to EOF (daytime)
 *   load -m ask   -p PORT [-s 32]           send a line of s bytes, read
 *                                            to EOF (a finger query)
 *   load -m udp   -p PORT [-s 32]           a datagram out, one back
 *   load -m drain -p PORT                   one client reads (chargen): MB/s
 *   load -m hold  -p PORT -c 10000          open c connections, hold them;
 *                                            "held=N errors=E" once all
 *                                            are settled, then hold on
 *
 * -j N splits the clients among N processes, each on its own epoll: one
 * process drives a datagram exchange at one CPU's worth, and would
 * measure itself, not the server.
 *
 * Prints one line of key=value: ops, seconds, rate, p50/p90/p99 in
 * microseconds, errors.
 */
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SAMPLES_MAX	(1 << 21)
#define EXCHANGE_NS	2000000000ull	/* longer is an error */

enum mode { M_ECHO, M_READ, M_UDP, M_DRAIN, M_HOLD, M_ASK };
enum state { S_IDLE, S_CONNECTING, S_SENDING, S_RECEIVING };

struct client {
	int		fd;
	enum state	state;
	size_t		done;		/* bytes sent or received */
	uint64_t	start_ns;
};

static enum mode mode = M_ECHO;
static struct sockaddr_storage target;
static socklen_t target_len;
static size_t size = 32;
static int concurrency = 32;
static int jobs = 1;
static double seconds = 5;
static long max_ops = -1;
static int epfd;
static char payload[65536], rbuf[1 << 16];
static uint32_t *samples;		/* this process's slice */
static long nsamples, ops, errors, samples_max = SAMPLES_MAX;
static uint64_t bytes;

/* What each process of -j counted, for the first to add up. */
struct tally {
	long		nsamples, ops, errors;
	uint64_t	bytes;
};

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
	fprintf(stderr, "usage: load -m echo|read|udp|drain|hold|ask -p port "
	    "[-h 127.0.0.1|::1] [-c clients] [-d seconds] [-j procs] "
	    "[-n ops] [-s bytes]\n");
	exit(2);
}

static void
set_target(const char *host, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&target;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&target;

	memset(&target, 0, sizeof(target));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
			goto refuse;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		target_len = sizeof(*sin);
		return;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		target_len = sizeof(*sin6);
		return;
	}
refuse:
	fprintf(stderr, "load: %s: loopback addresses only\n", host);
	exit(2);
}

static void
record(struct client *c)
{
	uint64_t us = (now_ns() - c->start_ns) / 1000;

	ops++;
	if (nsamples < samples_max)
		samples[nsamples++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void
client_close(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	c->state = S_IDLE;
}

static void
client_start(struct client *c)
{
	struct epoll_event ev = { .data.ptr = c };
	int type = mode == M_UDP ? SOCK_DGRAM : SOCK_STREAM;
	int one = 1;

	c->done = 0;
	c->start_ns = now_ns();
	c->fd = socket(target.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (c->fd == -1) {
		errors++;
		c->state = S_IDLE;
		return;
	}
	if (type == SOCK_STREAM)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&target, target_len) == -1 &&
	    errno != EINPROGRESS) {
		errors++;
		client_close(c);
		return;
	}
	c->state = mode == M_ECHO || mode == M_UDP || mode == M_ASK ?
	    S_SENDING : S_RECEIVING;
	if (mode == M_HOLD)
		c->state = S_CONNECTING;
	ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
	epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Runs the client as far as it can go; returns 1 when its exchange ended. */
static int
client_step(struct client *c, uint32_t events)
{
	ssize_t n;

	if (c->state == S_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(events & EPOLLOUT))
			return 0;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			errors++;
			client_close(c);
			return 1;
		}
		record(c);
		c->state = S_RECEIVING;	/* held: nothing more to do */
		return 0;
	}
	while (c->state == S_SENDING) {
		n = send(c->fd, payload + c->done, size - c->done,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN)
				return 0;
			errors++;
			client_close(c);
			return 1;
		}
		c->done += (size_t)n;
		if (c->done == size || mode == M_UDP) {
			if (mode == M_ECHO || mode == M_ASK)
				shutdown(c->fd, SHUT_WR);
			c->done = 0;
			c->state = S_RECEIVING;
		}
	}
	for (;;) {
		n = recv(c->fd, rbuf, sizeof(rbuf), 0);
		if (n > 0) {
			c->done += (size_t)n;
			bytes += (uint64_t)n;
			if (mode == M_UDP || (mode == M_ECHO && c->done >= size)) {
				record(c);
				client_close(c);
				return 1;
			}
			continue;
		}
		if (n == 0) {
			if ((mode == M_READ || mode == M_ASK) && c->done > 0)
				record(c);
			else
				errors++;
			client_close(c);
			return 1;
		}
		if (errno == EAGAIN)
			return 0;
		errors++;
		client_close(c);
		return 1;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t
pct(double p)
{
	long i = (long)(p * (double)(nsamples - 1));

	return nsamples ? samples[i] : 0;
}

int
main(int argc, char *argv[])
{
	const char *host = "127.0.0.1";
	struct epoll_event evs[256];
	struct client *clients;
	struct rlimit rl;
	uint64_t t0, end, t1;
	int ch, port = 0, i, n, job, total;
	bool held_said = false;
	uint32_t *all;
	struct tally *tallies;
	pid_t kids[64];

	while ((ch = getopt(argc, argv, "c:d:h:j:m:n:p:s:")) != -1) {
		switch (ch) {
		case 'j':
			jobs = atoi(optarg);
			break;
		case 'c':
			concurrency = atoi(optarg);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'h':
			host = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "echo") == 0)
				mode = M_ECHO;
			else if (strcmp(optarg, "read") == 0)
				mode = M_READ;
			else if (strcmp(optarg, "udp") == 0)
				mode = M_UDP;
			else if (strcmp(optarg, "drain") == 0)
				mode = M_DRAIN;
			else if (strcmp(optarg, "hold") == 0)
				mode = M_HOLD;
			else if (strcmp(optarg, "ask") == 0)
				mode = M_ASK;
			else
				usage();
			break;
		case 'n':
			max_ops = atol(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 's':
			size = (size_t)atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (port <= 0 || port > 65535 || concurrency < 1 || size < 1 ||
	    size > sizeof(payload) || seconds <= 0 || seconds > 3600 ||
	    jobs < 1 || jobs > 64 || jobs > concurrency ||
	    (jobs > 1 && (mode == M_HOLD || mode == M_DRAIN || max_ops >= 0)))
		usage();
	if (mode == M_DRAIN)
		concurrency = 1;
	set_target(host, port);
	memset(payload, 'x', sizeof(payload));
	/* ask: a request line (a finger query, a user name), then the answer. */
	if (mode == M_ASK && size >= 2)
		memcpy(payload + size - 2, "\r\n", 2);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	all = mmap(NULL, SAMPLES_MAX * sizeof(*samples), PROT_READ |
	    PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	tallies = mmap(NULL, (size_t)jobs * sizeof(*tallies), PROT_READ |
	    PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (all == MAP_FAILED || tallies == MAP_FAILED) {
		perror("load: mmap");
		return 1;
	}
	samples_max = SAMPLES_MAX / jobs;
	total = concurrency;
	t0 = now_ns();
	end = t0 + (uint64_t)(seconds * 1e9);
	/* Process 0 is this one; each takes its share of the clients. */
	for (job = 1; job < jobs; job++) {
		if ((kids[job] = fork()) == -1) {
			perror("load: fork");
			return 1;
		}
		if (kids[job] == 0)
			break;
	}
	if (job == jobs)
		job = 0;
	samples = all + (size_t)job * (size_t)samples_max;
	concurrency = concurrency / jobs + (job < concurrency % jobs);
	clients = calloc((size_t)concurrency, sizeof(*clients));
	if (clients == NULL || (epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("load");
		return 1;
	}
	for (i = 0; i < concurrency; i++) {
		clients[i].fd = -1;
		client_start(&clients[i]);
	}
	while ((t1 = now_ns()) < end && (max_ops < 0 || ops < max_ops)) {
		n = epoll_wait(epfd, evs, 256, 100);
		for (i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;

			if (c->fd == -1)
				continue;
			if (client_step(c, evs[i].events) && mode != M_HOLD &&
			    now_ns() < end && (max_ops < 0 || ops < max_ops))
				client_start(c);
		}
		if (mode == M_HOLD && !held_said && ops + errors >= concurrency) {
			printf("held=%ld errors=%ld\n", ops, errors);
			fflush(stdout);
			held_said = true;
		}
		/*
		 * A client that could not start, or whose exchange is lost
		 * (a datagram dropped), starts again.
		 */
		t1 = now_ns();
		for (i = 0; i < concurrency && mode != M_HOLD && t1 < end; i++) {
			struct client *c = &clients[i];

			if (c->fd != -1 && t1 - c->start_ns > EXCHANGE_NS) {
				errors++;
				client_close(c);
			}
			if (c->fd == -1 && (max_ops < 0 || ops < max_ops))
				client_start(c);
		}
	}
	t1 = now_ns();
	tallies[job] = (struct tally){ nsamples, ops, errors, bytes };
	if (job != 0)
		_exit(0);
	for (job = 1; job < jobs; job++) {
		while (waitpid(kids[job], NULL, 0) == -1 && errno == EINTR)
			;
		memmove(all + nsamples, all + (size_t)job * (size_t)samples_max,
		    (size_t)tallies[job].nsamples * sizeof(*all));
		nsamples += tallies[job].nsamples;
		ops += tallies[job].ops;
		errors += tallies[job].errors;
		bytes += tallies[job].bytes;
	}
	samples = all;
	concurrency = total;
	qsort(samples, (size_t)nsamples, sizeof(*samples), cmp_u32);
	printf("mode=%s clients=%d ops=%ld seconds=%.2f rate=%.0f "
	    "p50_us=%u p90_us=%u p99_us=%u errors=%ld mb_s=%.1f\n",
	    (const char *[]){ "echo", "read", "udp", "drain", "hold", "ask" }[mode],
	    concurrency, ops, (double)(t1 - t0) / 1e9,
	    (double)ops / ((double)(t1 - t0) / 1e9), pct(0.5), pct(0.9),
	    pct(0.99), errors,
	    (double)bytes / ((double)(t1 - t0) / 1e9) / 1e6);
	return 0;
}
