/* SPDX-License-Identifier: ISC */
/*
 * sinetctl import-xinetd: reads an xinetd configuration (xinetd.conf with
 * its defaults, include and includedir, or a directory such as
 * /etc/xinetd.d) and writes the sinetd.conf(5) lines and sinetd.policy(5)
 * files that behave the same. Each attribute that has no equivalent is
 * named on standard error, "file:line: attribute: not carried over: why",
 * so that nothing is dropped without a word. It reads files only: no
 * daemon is asked, nothing is bound.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util.h"
#include "xconf.h"
#include "xinetd.h"

#define DEFAULT_CONF	"/etc/xinetd.conf"
#define RATE_MAX	1000000		/* sinetd.conf(5)'s nowait.max */

/* The flags, and why those that are not carried over are not. */
static const struct {
	const char	*name;
	const char	*lost;
} flags[] = {
	{ "INTERCEPT", "sinetd checks a peer before it starts a server, and "
	  "does not filter the connection after" },
	{ "NORETRY", "sinetd has no setting for retrying a failed fork" },
	{ "IDONLY", "sinetd makes no ident (RFC 1413) lookups" },
	{ "NAMEINARGS", NULL },
	{ "NODELAY", "sinetd sets no TCP_NODELAY on a connection; the server "
	  "can" },
	{ "KEEPALIVE", "sinetd sets no SO_KEEPALIVE on a connection; the "
	  "server can" },
	{ "NOLIBWRAP", NULL },
	{ "SENSOR", NULL },
	{ "IPv4", NULL },
	{ "IPv6", NULL },
	{ "LABELED", "sinetd does not change a server's SELinux context" },
	{ "REUSE", NULL },
};

/* A policy file, shared by the services of one name as sinetd shares it. */
struct xpolicy {
	char		*name;
	char		*text;
	const char	*file;		/* the service that made it */
	int		 line;
};

static struct xpolicy	*policies;
static size_t		 npolicies;

/*
 * One only_from or no_access entry as sinetd.policy(5) writes it:
 * 128.138.12.0 (trailing zeros are wildcards) as 128.138.12.0/24,
 * 128.138.{1,2} as two networks, a prefix as it is; a host name resolved
 * now. NULL with *why for what has no equivalent.
 */
static char *
access_entry(const char *e, const char **why, bool *resolved)
{
	char *out = NULL, *p, *brace, *list, *item, *save = NULL, *res;
	unsigned long parts[4];
	size_t n = 0, zeros;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *r;
	struct in6_addr a6;
	char host[INET6_ADDRSTRLEN];

	*why = NULL;
	*resolved = false;
	if (strchr(e, ':') != NULL) {
		char copy[INET6_ADDRSTRLEN + 8];

		if (!str_copy(copy, e, sizeof(copy))) {
			*why = "not an IPv6 address";
			return NULL;
		}
		if ((p = strchr(copy, '/')) != NULL)
			*p = '\0';
		if (inet_pton(AF_INET6, copy, &a6) != 1) {
			*why = "not an IPv6 address";
			return NULL;
		}
		return xstrdup(e);
	}
	if ((brace = strchr(e, '{')) != NULL) {
		/* a.b.{c,d}: each member a network of its own. */
		size_t plen = (size_t)(brace - e);
		char *close = strchr(brace, '}');

		if (close == NULL || close[1] != '\0' || plen == 0 ||
		    e[plen - 1] != '.') {
			*why = "a factorized address ends in {a,b,...}";
			return NULL;
		}
		list = xstrdup(brace + 1);
		list[close - brace - 1] = '\0';
		for (item = strtok_r(list, ",", &save); item != NULL;
		    item = strtok_r(NULL, ",", &save)) {
			char *one, *conv;
			const char *w2;
			bool r2;

			xasprintf(&one, "%.*s%s", (int)plen, e, item);
			conv = access_entry(one, &w2, &r2);
			free(one);
			if (conv == NULL) {
				free(list);
				free(out);
				*why = w2;
				return NULL;
			}
			if (out == NULL)
				out = conv;
			else {
				xasprintf(&one, "%s %s", out, conv);
				free(out);
				free(conv);
				out = one;
			}
		}
		free(list);
		if (out == NULL)
			*why = "an empty {} list";
		return out;
	}
	if (strspn(e, "0123456789./") == strlen(e)) {
		if (strchr(e, '/') != NULL)
			return xstrdup(e);
		/* Up to four parts; missing and trailing 0s match all. */
		p = list = xstrdup(e);
		while ((item = strsep(&p, ".")) != NULL) {
			if (n == 4 || parse_ulong(item, 0, 255, &parts[n]) ==
			    -1) {
				free(list);
				*why = "not an IPv4 address";
				return NULL;
			}
			n++;
		}
		free(list);
		while (n < 4)
			parts[n++] = 0;
		for (zeros = 0; zeros < 4 && parts[3 - zeros] == 0; zeros++)
			;
		xasprintf(&out, "%lu.%lu.%lu.%lu%s", parts[0], parts[1],
		    parts[2], parts[3], zeros == 0 ? "" : zeros == 1 ? "/24" :
		    zeros == 2 ? "/16" : zeros == 3 ? "/8" : "/0");
		return out;
	}
	if (e[0] == '.') {
		*why = "sinetd matches addresses, not the domain of a peer's "
		    "name";
		return NULL;
	}
	/*
	 * A host (or, for xinetd, a network) name: xinetd compares it with
	 * the peer's reverse lookup; sinetd compares addresses, so the
	 * name's addresses as they are now stand in for it.
	 */
	if (getaddrinfo(e, NULL, &hints, &ai) != 0) {
		*why = "a name that does not resolve here";
		return NULL;
	}
	for (r = ai; r != NULL; r = r->ai_next) {
		if (getnameinfo(r->ai_addr, r->ai_addrlen, host, sizeof(host),
		    NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		if (out != NULL && (strcmp(out, host) == 0 ||
		    strstr(out, host) != NULL))
			continue;
		if (out == NULL)
			out = xstrdup(host);
		else {
			xasprintf(&res, "%s %s", out, host);
			free(out);
			out = res;
		}
	}
	freeaddrinfo(ai);
	*resolved = out != NULL;
	if (out == NULL)
		*why = "a name that does not resolve here";
	return out;
}

/*
 * only_from or no_access as the words of a policy line, each entry one
 * or more (a {} list, a name's addresses); NULL if not given. Entries
 * with no equivalent are said (where report) and left out.
 */
static char *
access_words(const struct xval *x, bool report)
{
	const char *why;
	char *conv, *out, *more;
	size_t i;
	bool resolved;

	if (!x->given)
		return NULL;
	out = xstrdup("");
	for (i = 0; i < x->n; i++) {
		if ((conv = access_entry(x->v[i], &why, &resolved)) == NULL) {
			if (report)
				xconf_lost(x->file, x->line, x->v[i], "%s",
				    why);
			continue;
		}
		if (resolved && report)
			xconf_approx(x->file, x->line, x->v[i],
			    "resolved now to %s: xinetd matches the peer's "
			    "name, sinetd its address", conv);
		xasprintf(&more, "%s%s%s", out, *out ? " " : "", conv);
		free(out);
		free(conv);
		out = more;
	}
	return out;
}

struct cidr {
	int		 family;
	uint8_t		 a[16];
	int		 bits;
};

static bool
cidr_parse(const char *s, struct cidr *c)
{
	char copy[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long bits;

	if (!str_copy(copy, s, sizeof(copy)))
		return false;
	c->family = strchr(copy, ':') ? AF_INET6 : AF_INET;
	c->bits = c->family == AF_INET6 ? 128 : 32;
	if ((slash = strchr(copy, '/')) != NULL) {
		*slash++ = '\0';
		if (parse_ulong(slash, 0, (unsigned long)c->bits, &bits) == -1)
			return false;
		c->bits = (int)bits;
	}
	memset(c->a, 0, sizeof(c->a));
	return inet_pton(c->family, copy, c->a) == 1;
}

/* Is inner within outer? */
static bool
cidr_within(const struct cidr *inner, const struct cidr *outer)
{
	int i, bits = outer->bits;

	if (inner->family != outer->family || inner->bits < outer->bits)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (inner->a[i] != outer->a[i])
			return false;
	return bits == 0 || ((inner->a[i] ^ outer->a[i]) &
	    (uint8_t)(0xff << (8 - bits))) == 0;
}

/*
 * xinetd lets the more specific of only_from and no_access decide;
 * sinetd refuses what no-access names, whatever only-from says. They
 * differ where an only_from entry lies inside a no_access one.
 */
static void
access_overlap(const struct xsvc *s, const char *only, const char *deny)
{
	char *ol = xstrdup(only), *dl, *o, *d, *so = NULL, *sd;
	struct cidr co, cd;

	for (o = strtok_r(ol, " ", &so); o != NULL;
	    o = strtok_r(NULL, " ", &so)) {
		if (!cidr_parse(o, &co))
			continue;
		dl = xstrdup(deny);
		sd = NULL;
		for (d = strtok_r(dl, " ", &sd); d != NULL;
		    d = strtok_r(NULL, " ", &sd))
			if (cidr_parse(d, &cd) && cidr_within(&co, &cd))
				xconf_approx(s->a[A_NO_ACCESS].file,
				    s->a[A_NO_ACCESS].line, "no_access",
				    "%s takes in only_from's %s, which xinetd "
				    "lets in as the more specific and sinetd "
				    "refuses", d, o);
		free(dl);
	}
	free(ol);
}

/* The policy's only-from and no-access lines. */
static void
access_lines(const struct xsvc *s, FILE *pol)
{
	const struct xval *of = &s->a[A_ONLY_FROM], *na = &s->a[A_NO_ACCESS];
	char *only = access_words(of, !of->inherited);
	char *deny = access_words(na, !na->inherited);

	if (only != NULL && *only == '\0') {
		/*
		 * only_from empty is open to nobody; and one whose entries
		 * are all lost must not open the service to everyone.
		 */
		if (of->n > 0 && !of->inherited)
			xconf_lost(of->file, of->line, "only_from", "none of "
			    "it: the service is closed to all (no-access "
			    "0.0.0.0/0 ::/0) until its policy says otherwise");
		fprintf(pol, "no-access 0.0.0.0/0 ::/0\n");
	} else if (only != NULL)
		fprintf(pol, "only-from %s\n", only);
	if (deny != NULL && *deny != '\0')
		fprintf(pol, "no-access %s\n", deny);
	if (only != NULL && *only != '\0' && deny != NULL && *deny != '\0' &&
	    !(of->inherited && na->inherited))
		access_overlap(s, only, deny);
	free(only);
	free(deny);
}

/* An rlimit value: K and M as sinetd.policy(5) writes them. */
static void
rlimit_line(const struct xval *x, const char *resource, FILE *pol)
{
	char v[64];
	size_t i;

	if (!x->given || x->n == 0)
		return;
	if (!str_copy(v, x->v[0], sizeof(v)))
		return;
	for (i = 0; v[i] != '\0'; i++)
		if (v[i] == 'K' || v[i] == 'M' || v[i] == 'G')
			v[i] = (char)(v[i] - 'A' + 'a');
	fprintf(pol, "rlimit %s %s\n", resource, strcasecmp(v, "unlimited") ==
	    0 ? "unlimited" : v);
}

/* A limit: a number, or UNLIMITED (0 in sinetd.conf(5)); -1 if neither. */
static long
limit_of(const struct xsvc *s, enum attr a)
{
	const char *v = xconf_first(s, a);
	unsigned long n;

	if (v == NULL || strcasecmp(v, "UNLIMITED") == 0)
		return 0;
	if (parse_ulong(v, 0, RATE_MAX, &n) == -1) {
		xconf_lost(s->a[a].file, s->a[a].line, xconf_attrs[a].name,
		    "\"%s\" is not a number from 0 to %d or UNLIMITED", v,
		    RATE_MAX);
		return -1;
	}
	return (long)n;
}

static const char *const builtins[] = {
	"echo", "discard", "chargen", "daytime", "time",
};

/*
 * An argument as sinetd.conf(5) reads it: quotes group words there, so
 * one that holds a quote is quoted with the other kind.
 */
static int
put_arg(FILE *out, const char *a)
{
	if (strchr(a, '\'') != NULL && strchr(a, '"') != NULL)
		return -1;
	if (strchr(a, '\'') != NULL)
		return fprintf(out, " \"%s\"", a) < 0 ? -1 : 0;
	if (strchr(a, '"') != NULL)
		return fprintf(out, " '%s'", a) < 0 ? -1 : 0;
	return fprintf(out, " %s", a) < 0 ? -1 : 0;
}

/* disable, and the ids of defaults' enabled and disabled. */
static bool
is_disabled(const struct xsvc *s)
{
	const struct xval *off = &xconf_defaults.a[A_DISABLED];
	const struct xval *on = &xconf_defaults.a[A_ENABLED];
	const char *id = xconf_first(s, A_ID), *d = xconf_first(s, A_DISABLE);

	if (id == NULL)
		id = s->name;
	if (d != NULL && strcasecmp(d, "yes") == 0)
		return true;
	if (off->given && xconf_has(off, id))
		return true;
	if (on->given && !xconf_has(on, id))
		return true;
	return false;
}

/* What identifies a line to sinetd: the address, port and protocol. */
struct ident {
	char		 key[128];
	const char	*file;
	int		 line;
};
static struct ident *idents;
static size_t nidents;

static void
policy_add(const char *name, char *text, const struct xsvc *s)
{
	size_t i;

	for (i = 0; i < npolicies; i++) {
		if (strcmp(policies[i].name, name) != 0)
			continue;
		if (strcmp(policies[i].text, text) != 0)
			xconf_lost(s->file, s->line, "policy", "%s:%d gave "
			    "service %s other policy lines, and sinetd gives "
			    "the lines of one service name one policy, "
			    "%s.policy: that one's are kept", policies[i].file,
			    policies[i].line, name, name);
		free(text);
		return;
	}
	policies = xreallocarray(policies, npolicies + 1, sizeof(*policies));
	policies[npolicies].name = xstrdup(name);
	policies[npolicies].text = text;
	policies[npolicies].file = s->file;
	policies[npolicies].line = s->line;
	npolicies++;
}

/* Says every attribute of s with no equivalent (a default's, once). */
static void
report_lost(const struct xsvc *s)
{
	size_t a, i, k;

	for (a = 0; a < NATTRS; a++) {
		const struct xval *x = &s->a[a];

		if (!x->given || x->inherited)
			continue;
		if (xconf_attrs[a].lost != NULL)
			xconf_lost(x->file, x->line, xconf_attrs[a].name, "%s",
			    xconf_attrs[a].lost);
		if (a != A_FLAGS)
			continue;
		for (i = 0; i < x->n; i++) {
			for (k = 0; k < ARRAY_LEN(flags); k++)
				if (strcasecmp(flags[k].name, x->v[i]) == 0)
					break;
			if (k == ARRAY_LEN(flags))
				xconf_lost(x->file, x->line, "flags",
				    "%s: not a flag xinetd.conf(5) lists",
				    x->v[i]);
			else if (flags[k].lost != NULL)
				xconf_lost(x->file, x->line, "flags", "%s: %s",
				    flags[k].name, flags[k].lost);
		}
	}
	if (s->a[A_GROUPS].given && !s->a[A_GROUPS].inherited &&
	    xconf_first(s, A_GROUPS) != NULL &&
	    strcasecmp(xconf_first(s, A_GROUPS), "no") == 0)
		xconf_lost(s->a[A_GROUPS].file, s->a[A_GROUPS].line, "groups",
		    "no: sinetd gives a server its user's supplementary "
		    "groups");
}

/*
 * One service as a sinetd.conf(5) line on out (commented out with
 * Debian's "#<off># " if disabled), its policy among the policies; or a
 * comment saying why it is left out.
 */
static void
convert(struct xsvc *s, FILE *out)
{
	const struct xval *type = &s->a[A_TYPE], *fl = &s->a[A_FLAGS];
	const char *st = xconf_first(s, A_SOCKET_TYPE);
	const char *pr = xconf_first(s, A_PROTOCOL);
	const char *wait = xconf_first(s, A_WAIT);
	const char *user = xconf_first(s, A_USER);
	const char *group = xconf_first(s, A_GROUP);
	const char *server = xconf_first(s, A_SERVER);
	const char *port = xconf_first(s, A_PORT), *why = NULL, *bind;
	const char *builtin = NULL, *id = xconf_first(s, A_ID);
	bool internal = xconf_has(type, "INTERNAL"), is_wait, disabled;
	char field[64], pname[64], proto[8], limits[64] = "", *ptext = NULL;
	char key[128];
	struct servent *se;
	unsigned long pnum = 0;
	long inst, ps;
	size_t i, plen = 0;
	FILE *line, *pol;
	char *ltext = NULL;
	size_t llen = 0;

	/* interface is bind's synonym; the service's own beats a default. */
	if (s->a[A_INTERFACE].given && !s->a[A_INTERFACE].inherited)
		bind = xconf_first(s, A_INTERFACE);
	else if ((bind = xconf_first(s, A_BIND)) == NULL)
		bind = xconf_first(s, A_INTERFACE);
	report_lost(s);
	fprintf(out, "# %s:%d: service %s%s%s%s\n", s->file, s->line, s->name,
	    id ? " (id " : "", id ? id : "", id ? ")" : "");
	if (xconf_has(type, "RPC"))
		why = "type RPC: sinetd refuses RPC services";
	else if (xconf_has(type, "TCPMUX") || xconf_has(type, "TCPMUXPLUS"))
		why = "type TCPMUX: sinetd has no TCPMUX service";
	else if (xconf_has(fl, "SENSOR"))
		why = "flags SENSOR: sinetd has no sensor services";
	else if (st == NULL)
		why = "no socket_type";
	else if (strcmp(st, "raw") == 0)
		why = "socket_type raw: sinetd serves stream, dgram and "
		    "seqpacket sockets";
	else if (strcmp(st, "stream") != 0 && strcmp(st, "dgram") != 0 &&
	    strcmp(st, "seqpacket") != 0)
		why = "an unknown socket_type";
	if (why == NULL && strcmp(st, "seqpacket") == 0)
		why = "socket_type seqpacket: sinetd serves it over unix "
		    "sockets only, and xinetd over IP only";
	if (why == NULL) {
		if (pr == NULL)
			pr = strcmp(st, "dgram") == 0 ? "udp" : "tcp";
		if (strcmp(pr, "tcp") != 0 && strcmp(pr, "udp") != 0)
			why = "a protocol other than tcp and udp";
	}
	if (why == NULL && internal) {
		for (i = 0; i < ARRAY_LEN(builtins); i++)
			if (strcmp(s->name, builtins[i]) == 0)
				builtin = builtins[i];
		if (builtin == NULL)
			why = "type INTERNAL: sinetd's builtins are echo, "
			    "discard, chargen, daytime and time";
	}
	if (why == NULL && !internal) {
		if (server == NULL && s->a[A_REDIRECT].given)
			why = "redirect, and no server: sinetd does not "
			    "forward connections";
		else if (server == NULL)
			why = "no server";
		else if (server[0] != '/')
			why = "server is not an absolute path";
		else if (user == NULL)
			why = "no user";
	}
	if (why == NULL && port != NULL &&
	    parse_ulong(port, 1, 65535, &pnum) == -1)
		why = "port is not a number from 1 to 65535";
	if (why == NULL) {
		se = getservbyname(s->name, pr);
		if (se != NULL && (pnum == 0 ||
		    pnum == ntohs((uint16_t)se->s_port))) {
			snprintf(field, sizeof(field), "%s", s->name);
			/* The policy's name is the official one. */
			snprintf(pname, sizeof(pname), "%s", se->s_name);
			pnum = ntohs((uint16_t)se->s_port);
		} else if (pnum != 0) {
			snprintf(field, sizeof(field), "%lu", pnum);
			snprintf(pname, sizeof(pname), "%lu", pnum);
		} else
			why = "no port, and not a name in /etc/services";
	}
	if (why != NULL) {
		char what[128];

		fprintf(out, "# not imported: %s\n\n", why);
		snprintf(what, sizeof(what), "service %s", s->name);
		xconf_lost(s->file, s->line, what, "%s", why);
		return;
	}

	is_wait = wait != NULL ? strcasecmp(wait, "yes") == 0 :
	    strcmp(st, "dgram") == 0;
	snprintf(proto, sizeof(proto), "%s%s", pr, xconf_has(fl, "IPv4") ? "4" :
	    "");
	/*
	 * Limits: instances and per_source are FreeBSD's max-child and
	 * max-perip; cps is a rate, sinetd's nowait.N counts a minute. One
	 * line takes one form or the other.
	 */
	inst = limit_of(s, A_INSTANCES);
	ps = limit_of(s, A_PER_SOURCE);
	if (internal) {
		static const enum attr counted[] = {
			A_INSTANCES, A_PER_SOURCE, A_CPS,
		};

		for (i = 0; i < ARRAY_LEN(counted); i++)
			if (s->a[counted[i]].given &&
			    !s->a[counted[i]].inherited)
				xconf_lost(s->a[counted[i]].file,
				    s->a[counted[i]].line,
				    xconf_attrs[counted[i]].name,
				    "sinetd serves its internal services "
				    "inside its workers, with no server to "
				    "count (-o max-conns bounds a worker's "
				    "connections)");
	} else if (!is_wait && (inst > 0 || ps > 0)) {
		snprintf(limits, sizeof(limits), "/%ld/0/%ld", inst > 0 ? inst :
		    0, ps > 0 ? ps : 0);
		if (s->a[A_CPS].given && !s->a[A_CPS].inherited)
			xconf_lost(s->a[A_CPS].file, s->a[A_CPS].line, "cps",
			    "sinetd takes a spawn rate (nowait.N) or "
			    "instances and per_source "
			    "(nowait/max-child/max-cpm/max-perip) on one "
			    "line, not both: the limits are kept");
	} else if (s->a[A_CPS].given && s->a[A_CPS].n >= 1) {
		unsigned long rate;

		if (parse_ulong(s->a[A_CPS].v[0], 1, RATE_MAX / 60, &rate) ==
		    -1)
			xconf_lost(s->a[A_CPS].file, s->a[A_CPS].line, "cps",
			    "\"%s\" is not a number from 1 to %d",
			    s->a[A_CPS].v[0], RATE_MAX / 60);
		else {
			snprintf(limits, sizeof(limits), ".%lu", rate * 60);
			if (!s->a[A_CPS].inherited)
				xconf_approx(s->a[A_CPS].file, s->a[A_CPS].line,
				    "cps", "as .%lu, servers a minute: sinetd "
				    "counts a minute where xinetd counts a "
				    "second", rate * 60);
		}
	}
	/* A wait service runs one server at a time in both: nothing to say. */

	/* The policy: what confines and limits the servers. */
	if ((pol = open_memstream(&ptext, &plen)) == NULL) {
		perror("sinetctl: open_memstream");
		exit(1);
	}
	access_lines(s, pol);
	if (!internal) {
		if (xconf_first(s, A_NICE) != NULL)
			fprintf(pol, "nice %s\n", xconf_first(s, A_NICE));
		if (xconf_first(s, A_UMASK) != NULL)
			fprintf(pol, "umask %s\n", xconf_first(s, A_UMASK));
		rlimit_line(&s->a[A_RLIMIT_AS], "as", pol);
		rlimit_line(&s->a[A_RLIMIT_FILES], "nofile", pol);
		rlimit_line(&s->a[A_RLIMIT_CPU], "cpu", pol);
		rlimit_line(&s->a[A_RLIMIT_DATA], "data", pol);
		rlimit_line(&s->a[A_RLIMIT_RSS], "rss", pol);
		rlimit_line(&s->a[A_RLIMIT_STACK], "stack", pol);
		if (limits[0] == '.' && s->a[A_CPS].n >= 2)
			fprintf(pol, "suspend %ss\n", s->a[A_CPS].v[1]);
	} else {
		for (i = A_RLIMIT_AS; i <= A_RLIMIT_STACK; i++)
			if (s->a[i].given)
				xconf_lost(s->a[i].file, s->a[i].line,
				    xconf_attrs[i].name, "an internal service "
				    "starts no server to limit");
		if (s->a[A_NICE].given)
			xconf_lost(s->a[A_NICE].file, s->a[A_NICE].line, "nice",
			    "an internal service starts no server to renice");
		if (s->a[A_UMASK].given && !s->a[A_UMASK].inherited)
			xconf_lost(s->a[A_UMASK].file, s->a[A_UMASK].line,
			    "umask", "an internal service starts no server");
	}
	fclose(pol);

	/* The line itself. */
	if ((line = open_memstream(&ltext, &llen)) == NULL) {
		perror("sinetctl: open_memstream");
		exit(1);
	}
	disabled = is_disabled(s);
	if (bind != NULL)
		fprintf(line, strchr(bind, ':') ? "[%s]:" : "%s:", bind);
	fprintf(line, "%s\t%s\t%s\t%s%s\t%s%s%s\t", field, st, proto,
	    is_wait ? "wait" : "nowait", limits, user ? user : "nobody",
	    group ? ":" : "", group ? group : "");
	if (internal)
		fprintf(line, "internal%s%s", strcmp(field, builtin) == 0 ?
		    "" : " ", strcmp(field, builtin) == 0 ? "" : builtin);
	else {
		bool nameinargs = xconf_has(fl, "NAMEINARGS");
		const struct xval *args = &s->a[A_SERVER_ARGS];

		fprintf(line, "%s", server);
		if (!nameinargs || args->n == 0)
			put_arg(line, strrchr(server, '/') + 1);
		for (i = 0; i < args->n; i++)
			if (put_arg(line, args->v[i]) == -1)
				xconf_lost(args->file, args->line,
				    "server_args", "%s: holds both kinds of "
				    "quote, which sinetd.conf(5) cannot write "
				    "in one argument", args->v[i]);
	}
	fclose(line);

	/* Two lines of one address, port and protocol: sinetd refuses that. */
	snprintf(key, sizeof(key), "%s|%lu|%s", bind ? bind : "*", pnum, pr);
	if (!disabled) {
		for (i = 0; i < nidents; i++)
			if (strcmp(idents[i].key, key) == 0)
				break;
		if (i < nidents) {
			xconf_lost(s->file, s->line, s->name, "%s:%d already "
			    "serves port %lu/%s there; left commented out",
			    idents[i].file, idents[i].line, pnum, pr);
			disabled = true;
		} else {
			idents = xreallocarray(idents, nidents + 1,
			    sizeof(*idents));
			snprintf(idents[nidents].key, sizeof(idents[0].key),
			    "%s", key);
			idents[nidents].file = s->file;
			idents[nidents++].line = s->line;
		}
	}
	fprintf(out, "%s%s\n\n", disabled ? "#<off># " : "", ltext);
	free(ltext);

	/*
	 * A service with no policy lines is recorded too (as ""): where
	 * another of its name has some, it would get them in sinetd.
	 */
	if (plen > 0) {
		char *full;

		xasprintf(&full, "%s%s", internal ? "" :
		    "include default.policy\n", ptext);
		free(ptext);
		policy_add(pname, full, s);
	} else
		policy_add(pname, ptext, s);
}

static int
write_new(const char *path, const char *text)
{
	int fd;
	size_t len = strlen(text), off = 0;
	ssize_t n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) ==
	    -1) {
		fprintf(stderr, "sinetctl: %s: %s\n", path, errno == EEXIST ?
		    "exists: not overwritten" : strerror(errno));
		return -1;
	}
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sinetctl: %s: %s\n", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (close(fd) == -1) {
		fprintf(stderr, "sinetctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sinetctl import-xinetd [-o dir] "
	    "[file | dir]\n");
}

int
xinetd_import(int argc, char **argv)
{
	const char *outdir = NULL, *from = DEFAULT_CONF;
	char *conf = NULL, *path;
	size_t clen = 0, i;
	FILE *out;
	int ch, nerr, rc = 0;

	/* getopt would name the command word as the program. */
	optind = 1;
	opterr = 0;
	while ((ch = getopt(argc, argv, ":o:")) != -1) {
		switch (ch) {
		case 'o':
			outdir = optarg;
			break;
		case ':':
			fprintf(stderr, "sinetctl: import-xinetd: -%c needs a "
			    "directory\n", optopt);
			usage();
			return 2;
		default:
			fprintf(stderr, "sinetctl: import-xinetd: unknown "
			    "option -%c\n", optopt);
			usage();
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1) {
		usage();
		return 2;
	}
	if (argc == 1)
		from = argv[0];
	if ((nerr = xconf_read(from)) > 0) {
		fprintf(stderr, "sinetctl: %s: not imported (%d error%s)\n",
		    from, nerr, nerr == 1 ? "" : "s");
		return 1;
	}
	if (xconf_have_defaults) {
		/* Said once, where defaults set it, not for every service. */
		struct xsvc d = xconf_defaults;

		for (i = 0; i < NATTRS; i++)
			d.a[i].inherited = false;
		report_lost(&d);
		if ((out = fopen("/dev/null", "we")) != NULL) {
			access_lines(&d, out);
			fclose(out);
		}
		if (d.a[A_CPS].given && (d.a[A_INSTANCES].given ||
		    d.a[A_PER_SOURCE].given))
			xconf_lost(d.a[A_CPS].file, d.a[A_CPS].line, "cps",
			    "for the services that instances or per_source "
			    "limit: sinetd takes a spawn rate or those limits "
			    "on one line, not both");
	}
	if ((out = open_memstream(&conf, &clen)) == NULL) {
		perror("sinetctl: open_memstream");
		return 1;
	}
	fprintf(out, "# sinetd.conf(5), imported from %s by sinetctl "
	    "import-xinetd.\n# \"#<off># \" marks a service xinetd has "
	    "disabled.\n\n", from);
	for (i = 0; i < xconf_nsvcs; i++) {
		xconf_inherit(xconf_svcs[i]);
		convert(xconf_svcs[i], out);
	}
	xconf_flush();
	fclose(out);

	if (outdir == NULL) {
		fputs(conf, stdout);
		for (i = 0; i < npolicies; i++) {
			char *p = policies[i].text, *nl;

			if (*p == '\0')
				continue;
			printf("#\n# policy/%s.policy (written by -o DIR):\n",
			    policies[i].name);
			for (; *p != '\0'; p = nl + 1) {
				nl = strchr(p, '\n');
				printf("#\t%.*s\n", (int)(nl - p), p);
			}
		}
		if (fflush(stdout) == EOF || ferror(stdout)) {
			fprintf(stderr, "sinetctl: standard output: %s\n",
			    strerror(errno));
			rc = 1;
		}
	} else {
		if (mkdir(outdir, 0755) == -1 && errno != EEXIST) {
			fprintf(stderr, "sinetctl: %s: %s\n", outdir,
			    strerror(errno));
			free(conf);
			return 1;
		}
		xasprintf(&path, "%s/inetd.conf", outdir);
		if (write_new(path, conf) == -1)
			rc = 1;
		free(path);
		xasprintf(&path, "%s/policy", outdir);
		if (rc == 0 && npolicies > 0 && mkdir(path, 0755) == -1 &&
		    errno != EEXIST) {
			fprintf(stderr, "sinetctl: %s: %s\n", path,
			    strerror(errno));
			rc = 1;
		}
		free(path);
		for (i = 0; rc == 0 && i < npolicies; i++) {
			if (policies[i].text[0] == '\0')
				continue;
			xasprintf(&path, "%s/policy/%s.policy", outdir,
			    policies[i].name);
			if (write_new(path, policies[i].text) == -1)
				rc = 1;
			free(path);
		}
	}
	free(conf);
	return rc;
}
