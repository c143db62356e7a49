/* SPDX-License-Identifier: ISC */
/*
 * What a reload makes of a change to each field of a service: every field
 * of struct service, changed alone, against what SERVICE_FIELDS says of
 * it, and a few facts said by hand, so a list that says the wrong thing
 * fails too. Prints TAP.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"
#include "tap.h"
#include "util.h"

static struct service *
external(void)
{
	struct service s;

	memset(&s, 0, sizeof(s));
	s.file = "t.conf";
	s.line = 3;
	s.host = "127.0.0.1";
	s.name = "7000";
	s.proto = "tcp";
	s.socktype = SOCK_STREAM;
	s.family = AF_INET;
	s.protocol = IPPROTO_TCP;
	s.addr.sin.sin_family = AF_INET;
	s.addr.sin.sin_port = htons(7000);
	inet_pton(AF_INET, "127.0.0.1", &s.addr.sin.sin_addr);
	s.addrlen = sizeof(s.addr.sin);
	s.policy_name = "7000";
	s.user = "nobody";
	s.group = "nogroup";
	s.uid = 65534;
	s.gid = 65534;
	s.program = "/bin/cat";
	s.argc = 2;
	s.argv[0] = "cat";
	s.argv[1] = "-u";
	s.fields = "service=7000 proto=tcp addr=127.0.0.1:7000";
	return service_dup(&s);
}

/* The field f of s changed, and nothing else. */
static void
change(struct service *s, const struct service_field *f)
{
	char *at = (char *)s + f->offset, **str = (char **)at, *was;

	switch (f->compares) {
	case SERVICE_VALUE:
		at[0] ^= 1;		/* a flag flips, a number moves */
		break;
	case SERVICE_STRING:
		was = *str;
		xasprintf(str, "%s-changed", was != NULL ? was : "");
		free(was);
		break;
	case SERVICE_ADDRESS:
		s->addr.sin.sin_port = htons(7001);
		break;
	case SERVICE_ARGV:
		free(s->argv[s->argc - 1]);
		s->argv[s->argc - 1] = xstrdup("-changed");
		break;
	}
}

static bool
is_identity(const struct service_field *f)
{
	return f->change == SERVICE_IDENTITY;
}

static bool
changes_service(const struct service_field *f, bool internal)
{
	return f->change == SERVICE_IDENTITY || f->change == SERVICE_RUNS ||
	    (f->change == SERVICE_RUNS_EXTERNAL && !internal);
}

static bool
changed_alone(const char *name, bool internal, bool *same_identity)
{
	const struct service_field *all;
	struct service *a = external(), *b;
	size_t n, i;
	bool eq = true;

	if (internal) {
		a->builtin = BUILTIN_ECHO;
		free(a->program);
		a->program = xstrdup("internal");
	}
	all = service_fields(&n);
	for (i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0) {
			b = service_dup(a);
			change(b, &all[i]);
			eq = service_equal(a, b);
			*same_identity = service_same_identity(a, b);
			service_free(b);
		}
	service_free(a);
	return eq;
}

int
main(void)
{
	const struct service_field *all;
	size_t n, i, end = 0;
	bool eq, id, ordered = true, covered = true;
	struct service *a, *b;
	int k;

	all = service_fields(&n);
	ok(n > 30, "SERVICE_FIELDS lists %zu fields", n);

	/*
	 * No member beside the list: each row is where the compiler puts a
	 * member of its type right after the row before, and the last ends
	 * the struct. (A member hidden in padding alone would escape this;
	 * the struct is the list's expansion and nothing else.)
	 */
	for (i = 0; i < n; i++) {
		size_t at = (end + all[i].align - 1) / all[i].align *
		    all[i].align;

		if (all[i].offset < end)
			ordered = false;
		else if (all[i].offset != at)
			covered = false;
		end = all[i].offset + all[i].size;
	}
	ok(ordered && covered && (sizeof(struct service) - end) <
	    alignof(struct service), "the list is every member of struct "
	    "service, in order (%zu of %zu bytes)", end,
	    sizeof(struct service));

	/* Every field, changed alone, as the list says of it. */
	for (k = 0; k < 2; k++) {
		bool internal = k == 1;

		for (i = 0; i < n; i++) {
			a = external();
			if (internal) {
				a->builtin = BUILTIN_ECHO;
				free(a->program);
				a->program = xstrdup("internal");
			}
			b = service_dup(a);
			change(b, &all[i]);
			eq = service_equal(a, b);
			id = service_same_identity(a, b);
			ok(eq == !changes_service(&all[i], internal) &&
			    id == !is_identity(&all[i]),
			    "%s service, %s changed: %s", internal ? "an "
			    "internal" : "an external", all[i].name,
			    !changes_service(&all[i], internal) ? "the same" :
			    is_identity(&all[i]) ? "another service" :
			    "new workers");
			ok((service_identity_hash(a) ==
			    service_identity_hash(b)) == id,
			    "%s service, %s changed: its identity hash %s",
			    internal ? "an internal" : "an external",
			    all[i].name, id ? "is the same" : "differs");
			service_free(a);
			service_free(b);
		}
	}

	/* What the list must say, said again by hand. */
	ok(changed_alone("line", false, &id) && id,
	    "a line that moved in its file is the same service");
	ok(changed_alone("host", false, &id) && id,
	    "so is one whose address is spelt otherwise");
	ok(!changed_alone("program", false, &id) && id,
	    "another program: the same socket, new workers");
	ok(!changed_alone("argv", false, &id) && id,
	    "so is another argument");
	ok(!changed_alone("max_perip", false, &id) && id,
	    "so is another limit");
	ok(!changed_alone("uid", false, &id) && id,
	    "so is another user, for an external service");
	ok(changed_alone("uid", true, &id) && id,
	    "but not for an internal one, which runs as the internal uid");
	ok(!changed_alone("addr", false, &id) && !id,
	    "another port is another service");
	ok(!changed_alone("protocol", false, &id) && !id,
	    "so is another transport");
	printf("1..%d\n", test_num);
	return failures != 0;
}
