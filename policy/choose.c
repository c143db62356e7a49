/* SPDX-License-Identifier: ISC */
/*
 * Which policy a service gets, decided here and nowhere else (the
 * master's cache keys on it, sinetd -n shows it). An external service's
 * file follows the server it runs, then its service, then its port:
 *   1. PROGRAM.policy: the program that serves (on a tcpd line, the one
 *      tcpd runs), its file name without "in.": /usr/sbin/in.telnetd is
 *      telnetd.policy, wherever it lives and whatever port it serves;
 *   2. SERVICE.policy: the service field, the official name of a named
 *      service, the number of a numeric port (the files sites have);
 *   3. for a numeric port, the name /etc/services gives it for the line's
 *      protocol, so 512/udp (biff) and 512/tcp (exec) part there;
 *   4. default.policy, and without it the built-in baseline.
 * An internal service: SERVICE.policy, then its builtin's name, each
 * narrowing its built-in policy, which it gets without either.
 */
#include <sys/stat.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "util.h"

/*
 * Adds DIR/NAME.policy to the names tried: 1 if it exists, 0 if not, -1
 * (an error added) if it cannot be told.
 */
static int
candidate(const char *dir, const char *name, struct policy_trace *t,
    struct errors *err)
{
	char path[PATH_MAX];
	struct stat sb;
	int i;

	if (name == NULL || *name == '\0' || *name == '.' ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s.policy", dir, name) >=
	    sizeof(path))
		return 0;
	for (i = 0; i < t->ntried; i++)
		if (strcmp(t->tried[i], path) == 0)
			return 0;
	if (t->ntried < POLICY_TRACE_TRIED)
		str_copy(t->tried[t->ntried++], path, sizeof(t->tried[0]));
	if (stat(path, &sb) == 0) {
		str_copy(t->chosen, path, sizeof(t->chosen));
		return 1;
	}
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	errors_add(err, "%s: %s", path, strerror(errno));
	return -1;
}

/*
 * The name a program gives its file: its last component without "in.";
 * none where that would read another role's file (default, internal, a
 * builtin's, which narrow the internal services).
 */
static const char *
program_name(const struct service *s, char *buf, size_t len)
{
	char served[PATH_MAX];
	const char *base;

	if (!program_served(s, served, sizeof(served)))
		return NULL;
	base = strrchr(served, '/') ? strrchr(served, '/') + 1 : served;
	if (strncmp(base, "in.", 3) == 0 && base[3] != '\0')
		base += 3;
	if (strcmp(base, "default") == 0 || strcmp(base, "internal") == 0 ||
	    builtin_lookup(base) != BUILTIN_NONE || !str_copy(buf, base, len))
		return NULL;
	return buf;
}

/* What /etc/services calls a numeric port for the line's protocol. */
const char *
policy_port_name(const struct service *s)
{
	struct servent *se;
	int port;

	if (!str_is_digits(s->name) || s->family == AF_UNIX)
		return NULL;
	port = atoi(s->name);
	se = getservbyport(htons((uint16_t)port), s->protocol == IPPROTO_UDP ?
	    "udp" : "tcp");
	return se != NULL ? se->s_name : NULL;
}

/*
 * Fills t's names tried and the one chosen ("" for the built-in); 0, or
 * -1 with an error added.
 */
int
policy_choose(const char *dir, const struct service *s,
    struct policy_trace *t, struct errors *err)
{
	char prog[PATH_MAX];
	int r;

	t->ntried = 0;
	t->chosen[0] = '\0';
	if (s->builtin != BUILTIN_NONE) {
		if ((r = candidate(dir, s->policy_name, t, err)) == 0)
			r = candidate(dir, builtin_name(s->builtin), t, err);
		return r == -1 ? -1 : 0;
	}
	if ((r = candidate(dir, program_name(s, prog, sizeof(prog)), t,
	    err)) == 0 && (r = candidate(dir, s->policy_name, t, err)) == 0 &&
	    (r = candidate(dir, policy_port_name(s), t, err)) == 0)
		r = candidate(dir, "default", t, err);
	return r == -1 ? -1 : 0;
}

/*
 * The policy t's choice names, read; for an external service, its fs-exec
 * made to cover what the line executes.
 */
int
policy_load(const char *dir, const struct service *s, struct policy_trace *t,
    struct policy *out, struct errors *err)
{
	static struct policy file;	/* large */
	size_t nerr0 = errors_count(err);

	t->nfiles = t->nexec = t->nrefuse = 0;
	t->action_at[0] = '\0';
	if (s->builtin != BUILTIN_NONE) {
		policy_internal(out);
		if (t->chosen[0] != '\0' && policy_parse_traced(dir, t->chosen,
		    out, &file, t, err) == 0)
			policy_narrow(out, &file);
		return errors_count(err) == nerr0 ? 0 : -1;
	}
	if (t->chosen[0] == '\0')
		policy_default(out);
	else if (policy_parse_traced(dir, t->chosen, NULL, out, t, err) == -1)
		return -1;
	program_paths(s, geteuid() == 0 ? out->chroot : "", t);
	return program_cover(out, t, err);
}

/*
 * The policy of one service, and with a trace, how it came to be. Returns
 * -1 if it added errors.
 */
int
policy_for_service(const char *dir, const struct service *s,
    struct policy *out, struct policy_trace *trace, struct errors *err)
{
	struct policy_trace *t = trace;
	int rc;

	if (t == NULL)
		t = xcalloc(1, sizeof(*t));
	if ((rc = policy_choose(dir, s, t, err)) == 0)
		rc = policy_load(dir, s, t, out, err);
	if (trace == NULL)
		free(t);
	return rc;
}
