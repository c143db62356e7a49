/* SPDX-License-Identifier: ISC */
/*
 * Which services a selector names: "echo", "127.0.0.1:echo", "10007/tcp",
 * "[::1]:echo/udp", a unix path.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "master.h"
#include "util.h"

/* What a selector or a list of hosts may hold: longer selects nothing. */
#define SELECTOR_MAX	512

static bool
host_numeric(const char *h)
{
	struct in6_addr a6;
	struct in_addr a4;
	char copy[ADDR_STR_MAX];
	size_t len = strlen(h);

	if (inet_pton(AF_INET, h, &a4) == 1)
		return true;
	if (len >= 2 && h[0] == '[' && h[len - 1] == ']' &&
	    len - 2 < sizeof(copy)) {
		memcpy(copy, h + 1, len - 2);
		copy[len - 2] = '\0';
		h = copy;
	}
	return inet_pton(AF_INET6, h, &a6) == 1;
}

/* Is host (as a selector writes it) where this service listens? */
static bool
host_matches(const struct service *s, const char *host)
{
	char numeric[ADDR_STR_MAX], bracketed[ADDR_STR_MAX + 2];
	char list[SELECTOR_MAX], *item, *rest;

	addr_host_str(&s->addr.sa, numeric, sizeof(numeric));
	snprintf(bracketed, sizeof(bracketed), "[%s]", numeric);
	if (strcmp(host, numeric) == 0 || strcmp(host, bracketed) == 0)
		return true;
	if (s->host == NULL || !str_copy(list, s->host, sizeof(list)))
		return false;
	/*
	 * A name as written ("localhost") selects every address it gave.
	 * A numeric item of a list ("127.0.0.1,[::1]:") is one address:
	 * the line's other sockets are not it.
	 */
	for (rest = list; (item = strsep(&rest, ",")) != NULL;)
		if (strcmp(item, host) == 0 && !host_numeric(item))
			return true;
	return false;
}

/*
 * Does the selector name this service: the service field as written
 * (name or number, with or without its address), or the official name,
 * or a unix path; "/tcp", "/udp" or "/unix" narrows it.
 */
static bool
selects(const char *sel, const struct msvc *ms)
{
	const struct service *s = ms->svc;
	char copy[SELECTOR_MAX], *slash, *sep = NULL, *name;
	const char *want = NULL;

	if (!str_copy(copy, sel, sizeof(copy)))
		return false;
	if ((slash = strrchr(copy, '/')) != NULL &&
	    (strcmp(slash, "/tcp") == 0 || strcmp(slash, "/udp") == 0 ||
	    strcmp(slash, "/unix") == 0)) {
		want = slash + 1;
		*slash = '\0';
	}
	if (want != NULL && !((strcmp(want, "tcp") == 0 &&
	    s->protocol == IPPROTO_TCP) || (strcmp(want, "udp") == 0 &&
	    s->protocol == IPPROTO_UDP) || (strcmp(want, "unix") == 0 &&
	    s->family == AF_UNIX)))
		return false;
	if (s->family == AF_UNIX)
		return strcmp(copy, s->name) == 0;
	if (copy[0] == '[')
		sep = (sep = strstr(copy, "]:")) != NULL ? sep + 1 : NULL;
	else
		sep = strrchr(copy, ':');
	name = copy;
	if (sep != NULL) {
		*sep = '\0';
		name = sep + 1;
		if (!host_matches(s, copy))
			return false;
	}
	return strcmp(name, s->name) == 0 ||
	    strcmp(name, s->policy_name) == 0;
}

/* The services a selector names (all of them for NULL); 0: none. */
size_t
selector_services(const char *sel, struct msvc ***out)
{
	struct msvc **all, **list;
	size_t n, i, k = 0;

	all = services_all(&n);
	list = xcalloc(n ? n : 1, sizeof(*list));
	for (i = 0; i < n; i++)
		if (sel == NULL || selects(sel, all[i]))
			list[k++] = all[i];
	*out = list;
	return k;
}
