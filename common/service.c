/* SPDX-License-Identifier: ISC */
/*
 * The service model: one listening socket's worth of an inetd.conf line,
 * after its address list and host names have been expanded.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <stdalign.h>
#include <stddef.h>
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

#define SERVICE_ROW(type, field, array, how, change)			\
	{ #field, offsetof(struct service, field),			\
	  sizeof(((struct service *)NULL)->field), alignof(type),	\
	  SERVICE_##how, SERVICE_##change },
static const struct service_field fields[] = {
	SERVICE_FIELDS(SERVICE_ROW)
};

/* Every field of struct service, as SERVICE_FIELDS lists them. */
const struct service_field *
service_fields(size_t *n)
{
	*n = ARRAY_LEN(fields);
	return fields;
}

#define FIELD(s, f)	((const char *)(s) + (f)->offset)
#define STR(s, f)	(*(char *const *)FIELD(s, f))

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * The same address, port or path. Two services on one unix path collide
 * on the file whatever their socket types, so the type is not here.
 */
static bool
addr_same(const union sockaddr_any *a, const union sockaddr_any *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	switch (a->sa.sa_family) {
	case AF_INET:
		return a->sin.sin_port == b->sin.sin_port &&
		    a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	case AF_INET6:
		return a->sin6.sin6_port == b->sin6.sin6_port &&
		    memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr,
			sizeof(struct in6_addr)) == 0;
	case AF_UNIX:
		return strcmp(((const struct sockaddr_un *)a)->sun_path,
		    ((const struct sockaddr_un *)b)->sun_path) == 0;
	}
	return false;
}

static bool
field_same(const struct service *a, const struct service *b,
    const struct service_field *f)
{
	int i;

	switch (f->compares) {
	case SERVICE_VALUE:
		return memcmp(FIELD(a, f), FIELD(b, f), f->size) == 0;
	case SERVICE_STRING:
		return str_eq(STR(a, f), STR(b, f));
	case SERVICE_ADDRESS:
		return addr_same((const union sockaddr_any *)FIELD(a, f),
		    (const union sockaddr_any *)FIELD(b, f));
	case SERVICE_ARGV:
		if (a->argc != b->argc)
			return false;
		for (i = 0; i < a->argc; i++)
			if (!str_eq(a->argv[i], b->argv[i]))
				return false;
		return true;
	}
	return false;
}

/*
 * Two services are one if they would bind the same thing: the fields of
 * their identity (family, transport, address and port or path), so a
 * dual-stack [::] and an IPv6-only [::] on one port collide as well.
 */
bool
service_same_identity(const struct service *a, const struct service *b)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++)
		if (fields[i].change == SERVICE_IDENTITY &&
		    !field_same(a, b, &fields[i]))
			return false;
	return true;
}

/*
 * A hash of the fields service_same_identity compares, alike wherever
 * they compare alike, so a load finds a line's twin without comparing it
 * with every service before it.
 */
uint32_t
service_identity_hash(const struct service *s)
{
	uint32_t h = FNV1A_INIT;
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++) {
		const struct service_field *f = &fields[i];
		const union sockaddr_any *a;

		if (f->change != SERVICE_IDENTITY)
			continue;
		switch (f->compares) {
		case SERVICE_VALUE:
			h = fnv1a(h, FIELD(s, f), f->size);
			break;
		case SERVICE_STRING:
			if (STR(s, f) != NULL)
				h = fnv1a(h, STR(s, f), strlen(STR(s, f)));
			break;
		case SERVICE_ADDRESS:
			/* What addr_same looks at, and nothing else. */
			a = (const union sockaddr_any *)FIELD(s, f);
			h = fnv1a(h, &a->sa.sa_family, sizeof(a->sa.sa_family));
			if (a->sa.sa_family == AF_INET) {
				h = fnv1a(h, &a->sin.sin_port,
				    sizeof(a->sin.sin_port));
				h = fnv1a(h, &a->sin.sin_addr,
				    sizeof(a->sin.sin_addr));
			} else if (a->sa.sa_family == AF_INET6) {
				h = fnv1a(h, &a->sin6.sin6_port,
				    sizeof(a->sin6.sin6_port));
				h = fnv1a(h, &a->sin6.sin6_addr,
				    sizeof(a->sin6.sin6_addr));
			} else if (a->sa.sa_family == AF_UNIX) {
				const char *path =
				    ((const struct sockaddr_un *)a)->sun_path;

				h = fnv1a(h, path, strnlen(path,
				    sizeof(((struct sockaddr_un *)NULL)->sun_path)));
			}
			break;
		case SERVICE_ARGV:
			for (int k = 0; k < s->argc; k++)
				if (s->argv[k] != NULL)
					h = fnv1a(h, s->argv[k],
					    strlen(s->argv[k]) + 1);
			break;
		}
	}
	return h;
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
	char **p;
	size_t i;
	int k;

	*d = *s;
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		p = (char **)((char *)d + fields[i].offset);
		if (fields[i].compares == SERVICE_STRING && *p != NULL)
			*p = xstrdup(*p);
	}
	for (k = 0; k < s->argc; k++)
		d->argv[k] = xstrdup(s->argv[k]);
	d->argv[s->argc] = NULL;
	return d;
}

void
service_free(struct service *s)
{
	size_t i;
	int k;

	if (s == NULL)
		return;
	for (i = 0; i < ARRAY_LEN(fields); i++)
		if (fields[i].compares == SERVICE_STRING)
			free(STR(s, &fields[i]));
	for (k = 0; k < s->argc; k++)
		free(s->argv[k]);
	free(s);
}

/*
 * The same service in every respect a reload cares for: every field but
 * those of where its line stands and how its address was spelt, and
 * those that follow from others.
 */
bool
service_equal(const struct service *a, const struct service *b)
{
	const struct service_field *f;
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++) {
		f = &fields[i];
		if (f->change == SERVICE_WRITTEN ||
		    f->change == SERVICE_DERIVED ||
		    (f->change == SERVICE_RUNS_EXTERNAL &&
		    a->builtin != BUILTIN_NONE))
			continue;
		if (!field_same(a, b, f))
			return false;
	}
	return true;
}
