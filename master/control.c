/* SPDX-License-Identifier: ISC */
/*
 * The control socket sinetctl talks to: a unix stream socket, mode 0600,
 * for root and the daemon's own uid only (SO_PEERCRED), and never for a
 * descendant of a worker, root or not (peer_sandboxed). One request a
 * connection, one line of at most CTL_REQUEST_MAX bytes:
 *
 *	sinetctl/1 text|json|human COMMAND [ARGUMENT]
 *
 * and one reply: a line "ok" or "error REASON", then the body, then the
 * daemon closes. A request that is malformed, too long or too slow gets
 * an error and costs nothing else; a client that does not read its reply
 * is dropped at its deadline, never waited for.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlreq.h"
#include "log.h"
#include "master.h"
#include "policy.h"
#include "svcstate.h"
#include "util.h"

#define CTL_CLIENTS_MAX	16
#define CTL_BACKLOG	16	/* connections the kernel queues for accept */
#define CTL_TIMEOUT_MS	5000
#define CTL_RELOAD_MS	120000	/* a reload may take this long to apply */
#define CTL_REPLY_MAX	1024	/* a reply of reply_ok or reply_error */
#define CTL_MODE	0600	/* root, or the daemon's own uid (peer check) */
#define CTL_RUN_DIR	"/run/sinetd"	/* the default socket's directory */

/* What a refused connection is told before it is closed. */
#define REFUSED_PERMISSION	"error permission denied\n"
#define REFUSED_BUSY		"error busy\n"

struct client {
	struct mev	 ev;
	int		 fd;
	char		 in[CTL_REQUEST_MAX];
	size_t		 inlen;
	struct buf	 out;
	size_t		 sent;
	bool		 json;
	bool		 human;
	bool		 replying;
	bool		 waiting_reload;
	uint64_t	 reload_want;	/* the reload whose end it waits for */
	uint64_t	 deadline;
};

static int listen_fd = -1;
static struct client *clients[CTL_CLIENTS_MAX];

static void
client_close(struct client *c)
{
	size_t i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (clients[i] == c)
			clients[i] = NULL;
	close(c->fd);
	free(c->out.p);
	free(c);
}

/* Sends what it can; the rest when the socket is writable again. */
static void
client_flush(struct client *c)
{
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.p + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			client_close(c);
			return;
		}
		c->sent += (size_t)n;
	}
	client_close(c);
}

/* Sends what is in the reply buffer, now and as the socket drains. */
static void
send_reply(struct client *c)
{
	struct epoll_event e = { .events = EPOLLOUT, .data.ptr = &c->ev };

	c->replying = true;
	c->deadline = now_ms() + CTL_TIMEOUT_MS;
	master_epoll_mod(c->fd, &e);
	client_flush(c);
}

/* The first line ("ok" or "error REASON"), then the text, then it goes. */
static void
reply(struct client *c, bool ok, const char *fmt, va_list ap)
{
	char text[CTL_REPLY_MAX];

	vsnprintf(text, sizeof(text), fmt, ap);
	buf_printf(&c->out, ok ? "ok\n%s" : "error %s\n", text);
	send_reply(c);
}

static void __attribute__((format(printf, 2, 3)))
reply_error(struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(c, false, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
reply_ok(struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(c, true, fmt, ap);
	va_end(ap);
}

static void
do_status(struct client *c, const char *arg)
{
	struct msvc **list;
	size_t n = selector_services(arg, &list);

	if (arg != NULL && n == 0) {
		free(list);
		reply_error(c, "no service is %s", arg);
		return;
	}
	buf_printf(&c->out, "ok\n");
	report_status(&c->out, c->json ? REPORT_JSON : c->human ?
	    REPORT_HUMAN : REPORT_KV, list, n, arg != NULL);
	free(list);
	send_reply(c);
}

static void
do_enable(struct client *c, const char *arg, bool disable)
{
	struct msvc **list;
	size_t n = selector_services(arg, &list), i;

	if (n == 0) {
		free(list);
		reply_error(c, "no service is %s", arg);
		return;
	}
	for (i = 0; i < n; i++) {
		/* In the shared state: the workers read it, a reload keeps it. */
		if (list[i]->shared != NULL)
			__atomic_store_n(&list[i]->shared->disabled, disable,
			    __ATOMIC_RELAXED);
		log_info("%s by sinetctl %s", disable ? "disabled" : "enabled",
		    list[i]->svc->fields);
	}
	free(list);
	if (c->json)
		reply_ok(c, "{\"%s\":%zu}\n", disable ? "disabled" :
		    "enabled", n);
	else
		reply_ok(c, "%s %zu service%s\n", disable ? "disabled" :
		    "enabled", n, n == 1 ? "" : "s");
}

static void
do_metrics(struct client *c)
{
	struct msvc **list;
	size_t n = selector_services(NULL, &list);

	buf_printf(&c->out, "ok\n");
	report_metrics(&c->out, list, n);
	free(list);
	send_reply(c);
}

static void
answer_reload(struct client *c, bool ok, const char *result)
{
	if (!ok) {
		reply_error(c, "reload %s", result);
		return;
	}
	if (!c->json) {
		reply_ok(c, "reload %s\n", result);
		return;
	}
	buf_printf(&c->out, "ok\n{\"reload\":");
	buf_json(&c->out, result);
	buf_printf(&c->out, "}\n");
	send_reply(c);
}

static void
dispatch(struct client *c, const struct ctl_request *req)
{
	struct epoll_event idle = { .events = 0, .data.ptr = &c->ev };

	c->json = req->json;
	c->human = req->human;
	switch (req->cmd) {
	case CTL_STATUS:
		do_status(c, req->arg);
		break;
	case CTL_METRICS:
		do_metrics(c);
		break;
	case CTL_DISABLE:
	case CTL_ENABLE:
		do_enable(c, req->arg, req->cmd == CTL_DISABLE);
		break;
	case CTL_RELOAD:
		/*
		 * Waiting before it starts: a reload with nothing to wait for
		 * is done inside reload_request, and control_reload_done must
		 * find us to say whether a service failed. Nothing more is
		 * read meanwhile, so the socket is watched for nothing but
		 * its end (EPOLLHUP and EPOLLERR always come): a client that
		 * shut its side after the request would keep EPOLLIN ready
		 * and spin the loop until the answer.
		 */
		c->waiting_reload = true;
		c->reload_want = reload_next_serial();
		c->deadline = now_ms() + CTL_RELOAD_MS;
		master_epoll_mod(c->fd, &idle);
		/* Refused, queued or started: control_reload_done answers. */
		(void)reload_request("by=sinetctl");
		/* c may be gone: answered and closed by the barrier. */
		return;
	case CTL_STOP:
		reply_ok(c, "%s", c->json ? "{\"stopping\":true}\n" :
		    "stopping\n");
		master_stop("by=sinetctl");
		break;
	}
}

static void
client_event(struct mev *ev, uint32_t events)
{
	struct client *c = container_of(ev, struct client, ev);
	struct ctl_request req;
	const char *err;
	ssize_t n;

	if (c->replying) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			client_flush(c);
		return;
	}
	if (c->waiting_reload) {
		/* Gone altogether: no one is left to tell. */
		if (events & (EPOLLHUP | EPOLLERR))
			client_close(c);
		return;
	}
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen - 1,
	    MSG_DONTWAIT);
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n > 0)
		c->inlen += (size_t)n;
	switch (ctl_request_decode(c->in, c->inlen, &req, &err)) {
	case 1:
		dispatch(c, &req);
		break;
	case -1:
		if (req.word != NULL)
			reply_error(c, "%s: %s", err, req.word);
		else
			reply_error(c, "%s", err);
		break;
	}
}

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD	77
#endif

/*
 * Whether the peer descends from one of our workers, whatever master
 * started it: its mounts show the mark of a pool's namespace (mountns.c),
 * which nothing inside can remove. Where the kernel gives the peer's
 * pidfd (6.5), a peer that exits before we looked is not mistaken for
 * whoever has its pid now. A peer we cannot look at is refused.
 */
static bool
peer_sandboxed(int fd, pid_t pid)
{
	socklen_t len = sizeof(int);
	char path[64];
	int pidfd = -1, dir;
	bool yes;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == -1)
		pidfd = -1;
	snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
	if ((dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
		yes = true;
	else {
		yes = mountns_is_sandboxed(dir);
		close(dir);
	}
	if (pidfd != -1) {
		if (!yes && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) ==
		    -1 && errno == ESRCH)
			yes = true;
		close(pidfd);
	}
	return yes;
}

/* Said once, without waiting for a reader, and the connection closed. */
static void
refuse(int fd, const char *line)
{
	(void)send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
accept_event(struct mev *ev, uint32_t events)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	size_t i;
	int fd;

	(void)ev;
	(void)events;
	while ((fd = accept4(listen_fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
		    (cred.uid != 0 && cred.uid != geteuid())) {
			log_warnx("control connection refused peer_uid=%ld "
			    "peer_pid=%ld reason=not-root-or-ours",
			    (long)cred.uid, (long)cred.pid);
			refuse(fd, REFUSED_PERMISSION);
			continue;
		}
		if (peer_sandboxed(fd, cred.pid)) {
			log_warnx("control connection refused peer_uid=%ld "
			    "peer_pid=%ld reason=sandboxed", (long)cred.uid,
			    (long)cred.pid);
			refuse(fd, REFUSED_PERMISSION);
			continue;
		}
		for (i = 0; i < CTL_CLIENTS_MAX && clients[i] != NULL; i++)
			;
		if (i == CTL_CLIENTS_MAX) {
			refuse(fd, REFUSED_BUSY);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->ev.fn = client_event;
		c->deadline = now_ms() + CTL_TIMEOUT_MS;
		if (master_epoll_add(fd, &c->ev) == -1) {
			close(fd);
			free(c);
			continue;
		}
		clients[i] = c;
	}
}

static struct mev accept_mev = { .fn = accept_event };

/* Whether a daemon answers on this socket now. */
static bool
socket_in_use(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool used;

	if (fd == -1)
		return false;
	used = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return used;
}

/*
 * Binds -S: a stale socket there is replaced; one another daemon still
 * answers on, or any other file, is left alone, and we run without.
 */
int
control_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	mode_t old;

	if (!str_copy(sun.sun_path, opts.ctl_socket, sizeof(sun.sun_path))) {
		log_warnx("control socket path too long path=%s",
		    opts.ctl_socket);
		return -1;
	}
	/* The default's directory, which each pool's namespace hides. */
	if (strncmp(sun.sun_path, CTL_RUN_DIR "/", strlen(CTL_RUN_DIR "/")) ==
	    0 && mkdir(CTL_RUN_DIR, 0755) == -1 && errno != EEXIST)
		log_warn("cannot make " CTL_RUN_DIR);
	if (lstat(sun.sun_path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			log_warnx("control socket not made: path exists and is "
			    "not a socket path=%s", sun.sun_path);
			return -1;
		}
		if (socket_in_use(&sun)) {
			log_warnx("control socket not made: another daemon "
			    "answers on it path=%s", sun.sun_path);
			return -1;
		}
		unlink(sun.sun_path);
	}
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (listen_fd == -1)
		goto fail;
	old = umask(0777 & ~CTL_MODE);
	if (bind(listen_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (chmod(sun.sun_path, CTL_MODE) == -1 ||
	    listen(listen_fd, CTL_BACKLOG) == -1 ||
	    master_epoll_add(listen_fd, &accept_mev) == -1)
		goto fail;
	return 0;
fail:
	log_warn("control socket not made path=%s", sun.sun_path);
	if (listen_fd != -1)
		close(listen_fd);
	listen_fd = -1;
	return -1;
}

void
control_close(void)
{
	size_t i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (clients[i] != NULL)
			client_close(clients[i]);
	if (listen_fd == -1)
		return;
	close(listen_fd);
	listen_fd = -1;
	unlink(opts.ctl_socket);
}

/*
 * The reload numbered serial ended (its barrier, or a refusal): the
 * clients that asked for it, or for one before it, hear how it went.
 * A client that asked while another was applied waits for the queued one.
 */
void
control_reload_done(uint64_t serial, bool ok, const char *result)
{
	size_t i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		if (clients[i] != NULL && clients[i]->waiting_reload &&
		    clients[i]->reload_want <= serial) {
			clients[i]->waiting_reload = false;
			answer_reload(clients[i], ok, result);
		}
}

/* Clients past their deadline go; returns the next deadline. */
uint64_t
control_tick(uint64_t now)
{
	uint64_t next = UINT64_MAX;
	size_t i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++) {
		if (clients[i] == NULL)
			continue;
		if (now >= clients[i]->deadline) {
			if (!clients[i]->replying && !clients[i]->waiting_reload)
				reply_error(clients[i], "request too slow");
			else
				client_close(clients[i]);
			continue;
		}
		if (clients[i]->deadline < next)
			next = clients[i]->deadline;
	}
	return next;
}
