/* SPDX-License-Identifier: ISC */
/*
 * The service model: one listening socket's worth of an inetd.conf line,
 * after its address list and host names have been expanded.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "service.h"
#include "util.h"

static const char *const builtin_names[] = {
	[BUILTIN_NONE] = "none",
	[BUILTIN_ECHO] = "echo",
	[BUILTIN_DISCARD] = "discard",
	[BUILTIN_CHARGEN] = "chargen",
	[BUILTIN_DAYTIME] = "daytime",
	[BUILTIN_TIME] = "time",
};

const char *
builtin_name(enum builtin b)
{
	if ((size_t)b >= ARRAY_LEN(builtin_names))
		return "unknown";
	return builtin_names[b];
}

enum builtin
builtin_lookup(const char *name)
{
	size_t i;

	for (i = 1; i < ARRAY_LEN(builtin_names); i++)
		if (strcmp(builtin_names[i], name) == 0)
			return (enum builtin)i;
	return BUILTIN_NONE;
}

/*
 * Two services are one if they would bind the same thing: family, address,
 * port or path, and transport (a dual-stack [::] and an IPv6-only [::] on one
 * port collide as well). Socket type matters only for unix, where stream and dgram on
 * one path still collide on the file, so it is left out.
 */
bool
service_same_identity(const struct service *a, const struct service *b)
{
	if (a->family != b->family || a->protocol != b->protocol)
		return false;
	switch (a->family) {
	case AF_INET:
		return a->addr.sin.sin_port == b->addr.sin.sin_port &&
		    a->addr.sin.sin_addr.s_addr == b->addr.sin.sin_addr.s_addr;
	case AF_INET6:
		return a->addr.sin6.sin6_port == b->addr.sin6.sin6_port &&
		    memcmp(&a->addr.sin6.sin6_addr, &b->addr.sin6.sin6_addr,
			sizeof(struct in6_addr)) == 0;
	case AF_UNIX:
		return strcmp(((const struct sockaddr_un *)&a->addr)->sun_path,
		    ((const struct sockaddr_un *)&b->addr)->sun_path) == 0;
	}
	return false;
}

/* The fields every log line about this service carries. */
void
service_set_fields(struct service *s)
{
	char addr[ADDR_STR_MAX];

	free(s->fields);
	addr_str(&s->addr.sa, s->addrlen, addr, sizeof(addr));
	xasprintf(&s->fields, "service=%s proto=%s addr=%s", s->name, s->proto,
	    addr);
}

struct service *
service_dup(const struct service *s)
{
	struct service *d = xcalloc(1, sizeof(*d));
	int i;

	*d = *s;
	d->file = xstrdup(s->file);
	d->host = s->host ? xstrdup(s->host) : NULL;
	d->name = xstrdup(s->name);
	d->proto = xstrdup(s->proto);
	d->policy_name = xstrdup(s->policy_name);
	d->user = xstrdup(s->user);
	d->group = s->group ? xstrdup(s->group) : NULL;
	d->program = xstrdup(s->program);
	for (i = 0; i < s->argc; i++)
		d->argv[i] = xstrdup(s->argv[i]);
	d->argv[s->argc] = NULL;
	d->fields = s->fields ? xstrdup(s->fields) : NULL;
	return d;
}

void
service_free(struct service *s)
{
	int i;

	if (s == NULL)
		return;
	free(s->file);
	free(s->host);
	free(s->name);
	free(s->proto);
	free(s->policy_name);
	free(s->user);
	free(s->group);
	free(s->program);
	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->fields);
	free(s);
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * The same service in every respect a reload cares for: all of its line
 * but where it stands in the file and how its address was spelt.
 */
bool
service_equal(const struct service *a, const struct service *b)
{
	int i;

	if (!service_same_identity(a, b) || a->socktype != b->socktype ||
	    a->v6only != b->v6only || a->sndbuf != b->sndbuf ||
	    a->rcvbuf != b->rcvbuf || a->unix_owner != b->unix_owner ||
	    a->sock_uid != b->sock_uid || a->sock_gid != b->sock_gid ||
	    a->sock_mode != b->sock_mode || a->wait != b->wait ||
	    a->max_spawn != b->max_spawn || a->max_child != b->max_child ||
	    a->max_cpm != b->max_cpm || a->max_perip != b->max_perip ||
	    a->builtin != b->builtin || a->argc != b->argc ||
	    !str_eq(a->name, b->name) || !str_eq(a->proto, b->proto) ||
	    !str_eq(a->policy_name, b->policy_name) ||
	    !str_eq(a->program, b->program))
		return false;
	/* An internal service runs as the internal uid, whatever its line. */
	if (a->builtin == BUILTIN_NONE && (a->uid != b->uid ||
	    a->gid != b->gid || !str_eq(a->user, b->user) ||
	    !str_eq(a->group, b->group)))
		return false;
	for (i = 0; i < a->argc; i++)
		if (!str_eq(a->argv[i], b->argv[i]))
			return false;
	return true;
}
