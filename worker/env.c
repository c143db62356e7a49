/* SPDX-License-Identifier: ISC */
/*
 * A child server's environment: a clean one (PATH only, as Debian's
 * openbsd-inetd does) or, with -E, the one sinetd inherited; then the peer
 * in the UCSPI form (PROTO, TCPREMOTEIP, …, UNIXREMOTEUID, …) and the
 * systemd form (REMOTE_ADDR, REMOTE_PORT). Built in fixed buffers: a
 * connection costs no allocation.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

#define CLEAN_PATH	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:" \
			"/usr/bin:/sbin:/bin"
#define PEER_VARS	9
#define VAR_MAX		(16 + ADDR_STR_MAX)

extern char **environ;

static const char *const peer_names[] = {
	"PROTO", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPLOCALIP", "TCPLOCALPORT",
	"TCPCONNNUM", "REMOTE_ADDR", "REMOTE_PORT", "UNIXREMOTEUID",
	"UNIXREMOTEGID", "UNIXREMOTEPID",
};

static char **envp;
static size_t nbase;
static char vars[PEER_VARS][VAR_MAX];

static bool
is_peer_var(const char *entry)
{
	size_t i, len;

	for (i = 0; i < ARRAY_LEN(peer_names); i++) {
		len = strlen(peer_names[i]);
		if (strncmp(entry, peer_names[i], len) == 0 &&
		    entry[len] == '=')
			return true;
	}
	return false;
}

/* Once, before lock-down: the part every child shares. */
void
env_init(bool keep)
{
	size_t n = 0, i;

	if (keep)
		while (environ[n] != NULL)
			n++;
	envp = xcalloc(n + 1 + PEER_VARS + 1, sizeof(*envp));
	if (keep) {
		/* What we set per connection must not come twice. */
		for (i = 0; i < n; i++)
			if (!is_peer_var(environ[i]))
				envp[nbase++] = environ[i];
	} else
		envp[nbase++] = CLEAN_PATH;
	envp[nbase] = NULL;
}

/* For a wait service: no single peer. */
char *const *
env_plain(void)
{
	envp[nbase] = NULL;
	return envp;
}

static void
add_var(size_t *n, const char *name, const char *value)
{
	snprintf(vars[*n], VAR_MAX, "%s=%s", name, value);
	envp[nbase + *n] = vars[*n];
	(*n)++;
}

/* For one accepted connection; fd is the connection. */
char *const *
env_for_peer(int fd, const struct sockaddr *peer, socklen_t plen,
    unsigned same_source)
{
	union sockaddr_any local, p4;
	struct ucred cred;
	socklen_t llen = sizeof(local), clen = sizeof(cred);
	char host[ADDR_STR_MAX], num[24];
	size_t n = 0;

	(void)plen;
	if (peer->sa_family == AF_UNIX) {
		add_var(&n, "PROTO", "UNIX");
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &clen) == 0) {
			snprintf(num, sizeof(num), "%u", (unsigned)cred.uid);
			add_var(&n, "UNIXREMOTEUID", num);
			snprintf(num, sizeof(num), "%u", (unsigned)cred.gid);
			add_var(&n, "UNIXREMOTEGID", num);
			snprintf(num, sizeof(num), "%ld", (long)cred.pid);
			add_var(&n, "UNIXREMOTEPID", num);
		}
		envp[nbase + n] = NULL;
		return envp;
	}
	/* A client of a dual-stack socket is shown as the IPv4 it is. */
	if (addr_unmap_v4(peer, &p4.sin))
		peer = &p4.sa;
	add_var(&n, "PROTO", "TCP");
	addr_host_str(peer, host, sizeof(host));
	add_var(&n, "TCPREMOTEIP", host);
	add_var(&n, "REMOTE_ADDR", host);
	snprintf(num, sizeof(num), "%d", addr_port(peer));
	add_var(&n, "TCPREMOTEPORT", num);
	add_var(&n, "REMOTE_PORT", num);
	if (getsockname(fd, &local.sa, &llen) == 0) {
		if (addr_unmap_v4(&local.sa, &p4.sin))
			local.sin = p4.sin;
		addr_host_str(&local.sa, host, sizeof(host));
		add_var(&n, "TCPLOCALIP", host);
		snprintf(num, sizeof(num), "%d", addr_port(&local.sa));
		add_var(&n, "TCPLOCALPORT", num);
	}
	snprintf(num, sizeof(num), "%u", same_source);
	add_var(&n, "TCPCONNNUM", num);
	envp[nbase + n] = NULL;
	return envp;
}
