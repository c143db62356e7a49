/* SPDX-License-Identifier: ISC */
/*
 * The kernel's seccomp audit records (type 1326): the only place that says
 * which syscall a filter refused, since a killed process's status says
 * only SIGSYS. Read from the audit netlink multicast group, which gets
 * every record, auditd running or not, and from /dev/kmsg, which gets
 * only those the kernel's printk rate lets through (ten in five seconds,
 * for the whole host) and none while auditd runs; a record seen on both
 * is taken once, by its serial number. Once a record has come by
 * netlink, /dev/kmsg is closed: it can only add late copies. It stays
 * where netlink is silent (in another network namespace the kernel
 * multicasts nothing).
 */
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/netlink.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "util.h"

#define SERIALS_KEPT	1024
#define RECORD_MAX	8192
#define RCVBUF		(4 << 20)

static int kmsg_fd = -1, nl_fd = -1;
static unsigned long serials[SERIALS_KEPT];
static size_t next_serial;
static uint64_t lost;

static bool
seen_before(unsigned long serial)
{
	size_t i;

	for (i = 0; i < SERIALS_KEPT; i++)
		if (serials[i] == serial)
			return true;
	serials[next_serial++ % SERIALS_KEPT] = serial;
	return false;
}

static bool
field_ul(const char *text, const char *key, int base, unsigned long *out)
{
	char pat[32];
	const char *p;
	char *end;

	snprintf(pat, sizeof(pat), " %s=", key);
	if ((p = strstr(text, pat)) == NULL)
		return false;
	p += strlen(pat);
	*out = strtoul(p, &end, base);
	return end != p;
}

/*
 * The record's wall-clock stamp (the kernel's coarse clock, to the
 * millisecond) on our monotonic clock, as process lifetimes are kept.
 */
static uint64_t
stamp_ms(unsigned long sec, unsigned long msec)
{
	struct timespec ts;
	uint64_t now = now_ms(), real, rec;

	clock_gettime(CLOCK_REALTIME, &ts);
	real = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	rec = (uint64_t)sec * 1000 + msec;
	if (rec >= real)
		return now;
	return real - rec < now ? now - (real - rec) : 0;
}

/*
 * "audit(1795675213.138:2): auid=… pid=3443 comm="sc" … sig=31
 * arch=c000003e syscall=110 … code=0x80000000"
 */
static void
parse(const char *text)
{
	struct audit_record r;
	unsigned long serial, sec, msec, v;
	const char *p, *c;
	char *end;

	if ((p = strstr(text, "audit(")) == NULL)
		return;
	sec = strtoul(p + 6, &end, 10);
	if (*end != '.')
		return;
	msec = strtoul(end + 1, &end, 10);
	if (*end != ':')
		return;
	serial = strtoul(end + 1, NULL, 10);
	memset(&r, 0, sizeof(r));
	r.at_ms = stamp_ms(sec, msec);
	if (!field_ul(text, "pid", 10, &v))
		return;
	r.pid = (pid_t)v;
	if (!field_ul(text, "syscall", 10, &v))
		return;
	r.syscall = (int)v;
	if (field_ul(text, "arch", 16, &v))
		r.arch = (uint32_t)v;
	/* Without its action, a record is no evidence of anything. */
	if (!field_ul(text, "code", 16, &v))
		return;
	r.code = (uint32_t)v;
	if (field_ul(text, "sig", 10, &v))
		r.sig = (int)v;
	if ((c = strstr(text, " comm=\"")) != NULL)
		snprintf(r.comm, sizeof(r.comm), "%.*s",
		    (int)strcspn(c + 7, "\""), c + 7);
	if (seen_before(serial))
		return;
#ifdef SINETD_TEST_HOOKS
	/* t/90b: the kernel's rate limit, on demand, for one syscall. */
	{
		const char *lose = getenv("SINETD_TEST_LOSE_SYSCALL");

		if (lose != NULL && atoi(lose) == r.syscall)
			return;
	}
#endif
	violation_record(&r);
}

static void
kmsg_event(struct mev *ev, uint32_t events)
{
	char buf[RECORD_MAX];
	const char *msg;
	ssize_t n;

	(void)ev;
	(void)events;
	for (;;) {
		n = read(kmsg_fd, buf, sizeof(buf) - 1);
		if (n == -1 && errno == EPIPE)
			continue;	/* the ring overran us: go on */
		if (n <= 0)
			return;
		buf[n] = '\0';
		if ((msg = strchr(buf, ';')) != NULL &&
		    strstr(msg, "type=1326 ") != NULL)
			parse(msg);
	}
}

/*
 * One record a datagram. The kernel's nlmsg_len for audit multicast is
 * not to be trusted (it says so itself), so the datagram's size is used.
 */
static void
netlink_event(struct mev *ev, uint32_t events)
{
	char buf[RECORD_MAX];
	struct nlmsghdr h;
	ssize_t n;

	(void)ev;
	(void)events;
	for (;;) {
		n = recv(nl_fd, buf, sizeof(buf) - 1, 0);
		if (n == -1 && errno == ENOBUFS) {
			/* Those kills will say syscall=unknown. */
			if (lost++ == 0)
				log_warnx("audit records lost: our socket's "
				    "buffer was full");
			continue;
		}
		if (n <= 0)
			return;
		if ((size_t)n < NLMSG_HDRLEN)
			continue;
		memcpy(&h, buf, sizeof(h));
		if (h.nlmsg_type != AUDIT_SECCOMP)
			continue;
		buf[n] = '\0';
		if (kmsg_fd != -1) {
			close(kmsg_fd);
			kmsg_fd = -1;
		}
		parse(buf + NLMSG_HDRLEN);
	}
}

static struct mev kmsg_mev = { .fn = kmsg_event };
static struct mev netlink_mev = { .fn = netlink_event };

/* Returns false if neither source can be read (say, not root). */
bool
audit_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
		.nl_groups = AUDIT_NLGRP_READLOG };
	int size = RCVBUF;

	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd != -1 && (lseek(kmsg_fd, 0, SEEK_END) == -1 ||
	    master_epoll_add(kmsg_fd, &kmsg_mev) == -1)) {
		close(kmsg_fd);
		kmsg_fd = -1;
	}
	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_AUDIT);
	/* Every refusal on the host comes here: room for a burst. */
	if (nl_fd != -1 && setsockopt(nl_fd, SOL_SOCKET, SO_RCVBUFFORCE,
	    &size, sizeof(size)) == -1)
		(void)setsockopt(nl_fd, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	if (nl_fd != -1 && (bind(nl_fd, (struct sockaddr *)&sa,
	    sizeof(sa)) == -1 || master_epoll_add(nl_fd, &netlink_mev) == -1)) {
		close(nl_fd);
		nl_fd = -1;
	}
	return kmsg_fd != -1 || nl_fd != -1;
}

/* Records already queued for us: read them before deciding a report. */
void
audit_poll(void)
{
	if (kmsg_fd != -1)
		kmsg_event(&kmsg_mev, 0);
	if (nl_fd != -1)
		netlink_event(&netlink_mev, 0);
}
