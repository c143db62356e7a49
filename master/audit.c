/*
 * The kernel's seccomp audit records (type 1326): the only place that says
 * which syscall a filter refused, since a killed process's status says
 * only SIGSYS. Read from /dev/kmsg, where they go while no auditd runs,
 * and from the audit netlink multicast group, where they go while one
 * does; a record seen on both is counted once, by its serial number.
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

#define SERIALS_KEPT	64
#define RECORD_MAX	8192

static int kmsg_fd = -1, nl_fd = -1;
static unsigned long serials[SERIALS_KEPT];
static size_t next_serial;

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

/* "audit(1795675213.138:2): auid=… pid=3443 comm="sc" … syscall=110 …" */
static void
parse(const char *text)
{
	struct audit_record r;
	unsigned long serial, v;
	const char *p, *c;

	if ((p = strstr(text, "audit(")) == NULL ||
	    (p = strchr(p, ':')) == NULL)
		return;
	serial = strtoul(p + 1, NULL, 10);
	memset(&r, 0, sizeof(r));
	if (!field_ul(text, "pid", 10, &v))
		return;
	r.pid = (pid_t)v;
	if (!field_ul(text, "syscall", 10, &v))
		return;
	r.syscall = (int)v;
	if (field_ul(text, "arch", 16, &v))
		r.arch = (uint32_t)v;
	if (field_ul(text, "code", 16, &v))
		r.code = (uint32_t)v;
	if ((c = strstr(text, " comm=\"")) != NULL)
		snprintf(r.comm, sizeof(r.comm), "%.*s",
		    (int)strcspn(c + 7, "\""), c + 7);
	if (seen_before(serial))
		return;
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
	while ((n = recv(nl_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		if ((size_t)n < NLMSG_HDRLEN)
			continue;
		memcpy(&h, buf, sizeof(h));
		if (h.nlmsg_type != AUDIT_SECCOMP)
			continue;
		buf[n] = '\0';
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

	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd != -1 && (lseek(kmsg_fd, 0, SEEK_END) == -1 ||
	    master_epoll_add(kmsg_fd, &kmsg_mev) == -1)) {
		close(kmsg_fd);
		kmsg_fd = -1;
	}
	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_AUDIT);
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
