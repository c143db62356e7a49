/* SPDX-License-Identifier: ISC */
/*
 * The sd_notify protocol, spoken directly (no libsystemd): READY=1 when
 * serving, RELOADING=1 and READY=1 around a reload, STOPPING=1; STATUS=
 * with the service count and the last reload's result; and WATCHDOG=1
 * from the master's loop, so that a master that hangs stops sending and
 * systemd restarts it (KillMode=process: the child servers stay).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "util.h"

static uint64_t watchdog_ms;	/* the interval systemd set, 0: none */
static uint64_t watchdog_next;
static bool failing;		/* the last message could not be sent */

static void
notify_send(const char *msg, size_t len)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t salen;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	/* Once until it works again: a ping twice a second would flood. */
	if (sendto(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&sun, salen) == -1) {
		if (!failing)
			log_warn("cannot notify systemd");
		failing = true;
	} else
		failing = false;
	close(fd);
}

/* What systemctl status shows: the count serving, the last reload. */
static int
status_line(char *buf, size_t len)
{
	struct msvc **svcs;
	size_t i, n, ok = 0;
	time_t at;

	svcs = services_all(&n);
	for (i = 0; i < n; i++)
		if (msvc_serving(svcs[i]))
			ok++;
	return snprintf(buf, len, "STATUS=serving %zu of %zu services; "
	    "last reload: %s", ok, n, reload_last(&at));
}

/* A state, with the STATUS= text when it says we serve. */
void
sd_notify_state(const char *state)
{
	struct timespec ts;
	char msg[1024];
	int n;

	n = snprintf(msg, sizeof(msg), "%s\n", state);
	if (strcmp(state, "READY=1") == 0) {
		n += status_line(msg + n, sizeof(msg) - (size_t)n);
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, "\n");
	}
	n += snprintf(msg + n, sizeof(msg) - (size_t)n, "MAINPID=%ld",
	    (long)getpid());
	if (strcmp(state, "RELOADING=1") == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		n += snprintf(msg + n, sizeof(msg) - (size_t)n,
		    "\nMONOTONIC_USEC=%llu", (unsigned long long)ts.tv_sec *
		    1000000 + (unsigned long long)ts.tv_nsec / 1000);
	}
	if ((size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	notify_send(msg, (size_t)n);
}

/* The STATUS= text alone: a reload refused changes no state. */
void
sd_notify_status(void)
{
	char msg[1024];
	int n = status_line(msg, sizeof(msg));

	if ((size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	notify_send(msg, (size_t)n);
}

/*
 * As sd_watchdog_enabled(3) reads it: WATCHDOG_USEC, for this process
 * if WATCHDOG_PID names one; both are then removed, so that no worker or
 * child server believes systemd watches it.
 */
void
notify_init(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	unsigned long v, p;

	if (usec == NULL)
		return;
	if (pid != NULL && (parse_ulong(pid, 1, (unsigned long)INT32_MAX,
	    &p) == -1 || (pid_t)p != getpid())) {
		log_info("watchdog: WATCHDOG_PID names another process, not "
		    "pinging");
		goto out;
	}
	if (parse_ulong(usec, 1, ULONG_MAX, &v) == -1) {
		log_warnx("watchdog: WATCHDOG_USEC is not a number of "
		    "microseconds, not pinging");
		goto out;
	}
	/* Half the interval, as systemd asks; never a busy loop. */
	watchdog_ms = v / 1000 / 2;
	if (watchdog_ms == 0)
		watchdog_ms = 1;
	watchdog_next = now_ms();
	log_info("watchdog: pinging systemd at half its interval every=%llums",
	    (unsigned long long)watchdog_ms);
out:
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* From the loop: a master stuck anywhere else stops sending. */
uint64_t
notify_tick(uint64_t now)
{
	if (watchdog_ms == 0)
		return UINT64_MAX;
	if (now >= watchdog_next) {
		notify_send("WATCHDOG=1", 10);
		watchdog_next = now + watchdog_ms;
	}
	return watchdog_next;
}
