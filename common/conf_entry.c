/* SPDX-License-Identifier: ISC */
/*
 * The fields of one inetd.conf entry, classic OpenBSD, FreeBSD and
 * Debian syntax, into the services it binds: one for each address its
 * host list expands to. What a name stands for is asked elsewhere:
 * users, groups and services of lookup.c, host names of the load's
 * resolver (resolve.c).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_entry.h"
#include "log.h"
#include "lookup.h"
#include "resolve.h"
#include "util.h"

#define ADDRS_MAX	64	/* addresses one line may expand to */
#define LIMIT_MAX	1000000	/* any count in the wait field */

enum families {
	FAM_BOTH,	/* tcp, udp: an IPv4 and an IPv6-only socket */
	FAM_V4,
	FAM_V6,		/* IPv6 only */
	FAM_DUAL,	/* tcp46, udp46: one dual-stack socket */
	FAM_UNIX,
};

static const struct proto_def {
	const char	*name;
	int		 protocol;
	enum families	 families;
} proto_defs[] = {
	{ "tcp", IPPROTO_TCP, FAM_BOTH },
	{ "tcp4", IPPROTO_TCP, FAM_V4 },
	{ "tcp6", IPPROTO_TCP, FAM_V6 },
	{ "tcp46", IPPROTO_TCP, FAM_DUAL },
	{ "udp", IPPROTO_UDP, FAM_BOTH },
	{ "udp4", IPPROTO_UDP, FAM_V4 },
	{ "udp6", IPPROTO_UDP, FAM_V6 },
	{ "udp46", IPPROTO_UDP, FAM_DUAL },
	{ "unix", 0, FAM_UNIX },
};

static const char *const field_names[CONF_FIELDS_MIN] = {
	"service", "socket-type", "protocol", "wait", "user", "server",
};

struct bind_addr {
	union sockaddr_any	 addr;
	socklen_t		 addrlen;
	bool			 v6only;
	bool			 implied;
};

/* The name of the entry's field at index, for its errors. */
const char *
conf_field_name(int index)
{
	return index < CONF_FIELDS_MIN ? field_names[index] : "arguments";
}

static int
parse_socktype(struct conf_parser *p, const struct conf_token *t,
    struct service *s)
{
	if (strcmp(t->text, "stream") == 0)
		s->socktype = SOCK_STREAM;
	else if (strcmp(t->text, "dgram") == 0)
		s->socktype = SOCK_DGRAM;
	else if (strcmp(t->text, "seqpacket") == 0)
		s->socktype = SOCK_SEQPACKET;
	else if (strcmp(t->text, "raw") == 0 || strcmp(t->text, "rdm") == 0) {
		conf_error(p, t->line, "socket-type",
		    "\"%s\" sockets are not supported", t->text);
		return -1;
	} else {
		conf_error(p, t->line, "socket-type",
		    "unknown socket type \"%s\" (stream, dgram or seqpacket)",
		    t->text);
		return -1;
	}
	return 0;
}

static int
parse_bufsize(struct conf_parser *p, const struct conf_token *t,
    const char *opt, const char *value, int *out)
{
	unsigned long v;

	if (*out != 0) {
		conf_error(p, t->line, "protocol", "%s given twice", opt);
		return -1;
	}
	if (parse_size(value, INT_MAX, &v) == -1) {
		conf_error(p, t->line, "protocol",
		    "%s=%s: not a size (bytes, or a number with k or m)", opt,
		    value);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* "tcp6,sndbuf=64k,rcvbuf=1m" */
static int
parse_protocol(struct conf_parser *p, const struct conf_token *t,
    struct service *s, enum families *families)
{
	char *copy = xstrdup(t->text), *opt, *rest;
	const struct proto_def *d = NULL;
	size_t i;
	int rc = -1;

	rest = copy;
	opt = strsep(&rest, ",");
	if (strncmp(opt, "rpc/", 4) == 0) {
		conf_error(p, t->line, "protocol",
		    "RPC services (%s) are not supported", opt);
		goto out;
	}
	for (i = 0; i < ARRAY_LEN(proto_defs); i++)
		if (strcmp(proto_defs[i].name, opt) == 0)
			d = &proto_defs[i];
	if (d == NULL) {
		conf_error(p, t->line, "protocol",
		    "unknown protocol \"%s\" (tcp, tcp4, tcp6, tcp46, udp, "
		    "udp4, udp6, udp46 or unix)", opt);
		goto out;
	}
	s->proto = xstrdup(d->name);
	s->protocol = d->protocol;
	*families = d->families;
	while ((opt = strsep(&rest, ",")) != NULL) {
		if (strncmp(opt, "sndbuf=", 7) == 0) {
			if (parse_bufsize(p, t, "sndbuf", opt + 7,
			    &s->sndbuf) == -1)
				goto out;
		} else if (strncmp(opt, "rcvbuf=", 7) == 0) {
			if (parse_bufsize(p, t, "rcvbuf", opt + 7,
			    &s->rcvbuf) == -1)
				goto out;
		} else {
			conf_error(p, t->line, "protocol",
			    "unknown option \"%s\" (sndbuf=SIZE or rcvbuf=SIZE)",
			    opt);
			goto out;
		}
	}
	if (d->families == FAM_UNIX) {
		rc = 0;
		goto out;
	}
	if (s->socktype == SOCK_STREAM && d->protocol != IPPROTO_TCP) {
		conf_error(p, t->line, "protocol",
		    "%s with a stream socket (use tcp)", d->name);
		goto out;
	}
	if (s->socktype == SOCK_DGRAM && d->protocol != IPPROTO_UDP) {
		conf_error(p, t->line, "protocol",
		    "%s with a dgram socket (use udp)", d->name);
		goto out;
	}
	if (s->socktype == SOCK_SEQPACKET) {
		conf_error(p, t->line, "protocol",
		    "seqpacket sockets are supported over unix only");
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* "nowait", "wait", "nowait.N" (OpenBSD), "nowait/C/CPM/PERIP" (FreeBSD) */
static int
parse_wait(struct conf_parser *p, const struct conf_token *t, struct service *s)
{
	char *copy = xstrdup(t->text), *rest = copy, *word, *lim;
	unsigned *limits[] = { &s->max_child, &s->max_cpm, &s->max_perip };
	static const char *const limit_names[] = {
		"max-child", "max-connections-per-ip-per-minute",
		"max-child-per-ip",
	};
	unsigned long v;
	size_t i;
	int rc = -1;

	word = strsep(&rest, "./");
	if (strcmp(word, "wait") == 0)
		s->wait = true;
	else if (strcmp(word, "nowait") == 0)
		s->wait = false;
	else {
		conf_error(p, t->line, "wait",
		    "\"%s\": expected wait or nowait", word);
		goto out;
	}
	if (rest == NULL) {
		rc = 0;
		goto out;
	}
	if (t->text[strlen(word)] == '.') {
		if (parse_ulong(rest, 1, LIMIT_MAX, &v) == -1) {
			conf_error(p, t->line, "wait",
			    "\"%s\": the spawn limit after the dot must be a "
			    "number from 1 to %d", rest, LIMIT_MAX);
			goto out;
		}
		s->max_spawn = (unsigned)v;
		rc = 0;
		goto out;
	}
	for (i = 0; (lim = strsep(&rest, "/")) != NULL; i++) {
		if (i == ARRAY_LEN(limits)) {
			conf_error(p, t->line, "wait",
			    "too many limits (wait/max-child/max-cpm/max-perip)");
			goto out;
		}
		if (parse_ulong(lim, 0, LIMIT_MAX, &v) == -1) {
			conf_error(p, t->line, "wait",
			    "%s \"%s\" is not a number from 0 to %d",
			    limit_names[i], lim, LIMIT_MAX);
			goto out;
		}
		*limits[i] = (unsigned)v;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/*
 * "user", "user.group" (split at the last dot unless the whole field names
 * a user, since names like "www.data" exist), "user:group" (FreeBSD).
 */
static int
parse_user(struct conf_parser *p, const struct conf_token *t, struct service *s)
{
	const char *field = t->text;
	char *sep;
	bool have_gid;

	if (strchr(field, '/') != NULL) {
		conf_error(p, t->line, "user", "\"%s\": login classes "
		    "(FreeBSD's user/class) are not supported; set limits in "
		    "the service's policy", field);
		return -1;
	}
	if ((sep = strchr(field, ':')) == NULL &&
	    !lookup_is_user(field) && !str_is_digits(field))
		sep = strrchr(field, '.');
	if (sep != NULL) {
		s->user = strndup(field, (size_t)(sep - field));
		if (s->user == NULL)
			fatal("strndup");
		s->group = xstrdup(sep + 1);
	} else
		s->user = xstrdup(field);
	if (*s->user == '\0' || (s->group != NULL && *s->group == '\0')) {
		conf_error(p, t->line, "user", "\"%s\": empty %s name", field,
		    *s->user == '\0' ? "user" : "group");
		return -1;
	}
	if (lookup_user(s->user, &s->uid, &s->gid, &have_gid) == -1) {
		conf_error(p, t->line, "user", "unknown user \"%s\"", s->user);
		return -1;
	}
	if (s->group != NULL) {
		if (lookup_group(s->group, &s->gid) == -1) {
			conf_error(p, t->line, "user", "unknown group \"%s\"",
			    s->group);
			return -1;
		}
	} else if (!have_gid) {
		conf_error(p, t->line, "user",
		    "uid %s has no passwd entry: name its group too "
		    "(%s:GROUP)", s->user, s->user);
		return -1;
	}
	return 0;
}

/* FreeBSD's ":user:group:mode:/path" for a unix socket, or just "/path". */
static int
parse_unix_path(struct conf_parser *p, const struct conf_token *t,
    struct service *s)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&s->addr;
	char *copy = xstrdup(t->text), *rest = copy, *user, *group, *mode;
	const char *path = t->text, *base;
	unsigned long v;
	bool have_gid;
	int rc = -1;

	s->sock_uid = geteuid();
	s->sock_gid = getegid();
	s->sock_mode = 0600;
	if (*rest == ':') {
		rest++;
		user = strsep(&rest, ":");
		group = strsep(&rest, ":");
		mode = strsep(&rest, ":");
		if (rest == NULL || *user == '\0' || *group == '\0' ||
		    *mode == '\0') {
			conf_error(p, t->line, "service",
			    "\"%s\": a unix socket prefix is :user:group:mode:",
			    t->text);
			goto out;
		}
		if (lookup_user(user, &s->sock_uid, &s->sock_gid,
		    &have_gid) == -1) {
			conf_error(p, t->line, "service",
			    "unknown socket owner \"%s\"", user);
			goto out;
		}
		if (lookup_group(group, &s->sock_gid) == -1) {
			conf_error(p, t->line, "service",
			    "unknown socket group \"%s\"", group);
			goto out;
		}
		if (strspn(mode, "01234567") != strlen(mode) ||
		    (v = strtoul(mode, NULL, 8)) > 0777) {
			conf_error(p, t->line, "service",
			    "socket mode \"%s\" is not an octal mode up to 0777",
			    mode);
			goto out;
		}
		s->sock_mode = (mode_t)v;
		s->unix_owner = true;
		path = t->text + (rest - copy);
	}
	if (*path != '/') {
		conf_error(p, t->line, "service",
		    "unix socket \"%s\" must be an absolute path", path);
		goto out;
	}
	if (strlen(path) >= sizeof(sun->sun_path)) {
		conf_error(p, t->line, "service",
		    "unix socket path longer than %zu bytes",
		    sizeof(sun->sun_path) - 1);
		goto out;
	}
	base = strrchr(path, '/') + 1;
	if (*base == '\0') {
		conf_error(p, t->line, "service",
		    "unix socket \"%s\" names a directory", path);
		goto out;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, strlen(path) + 1);
	s->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path) + 1);
	s->family = AF_UNIX;
	s->name = xstrdup(path);
	s->policy_name = xstrdup(base);
	rc = 0;
out:
	free(copy);
	return rc;
}

/* A port number, or a name from /etc/services for this transport. */
static int
parse_port(struct conf_parser *p, const struct conf_token *t, const char *name,
    struct service *s, int *port)
{
	const char *transport = s->protocol == IPPROTO_TCP ? "tcp" : "udp";
	const char *official;
	unsigned long v;

	if (*name == '\0') {
		conf_error(p, t->line, "service", "empty service name");
		return -1;
	}
	if (str_is_digits(name)) {
		if (parse_ulong(name, 1, 65535, &v) == -1) {
			conf_error(p, t->line, "service",
			    "port %s is not between 1 and 65535", name);
			return -1;
		}
		*port = (int)v;
		xasprintf(&s->policy_name, "%lu", v);
		return 0;
	}
	if ((official = lookup_service(name, transport, port)) == NULL) {
		conf_error(p, t->line, "service",
		    "unknown service \"%s/%s\" (not a port number, not in "
		    "/etc/services)", name, transport);
		return -1;
	}
	s->policy_name = xstrdup(official);
	return 0;
}

static int
add_bind_addr(struct conf_parser *p, const struct conf_token *t,
    struct bind_addr *ba, int *nba, const struct sockaddr *sa, socklen_t salen,
    int port, bool v6only, bool implied)
{
	struct bind_addr *b;
	int i;

	for (i = 0; i < *nba; i++)
		if (ba[i].addrlen == salen &&
		    memcmp(&ba[i].addr, sa, salen) == 0)
			return 0;	/* a name listed twice, or resolved twice */
	if (*nba == ADDRS_MAX) {
		conf_error(p, t->line, "service",
		    "more than %d addresses on one line", ADDRS_MAX);
		return -1;
	}
	b = &ba[(*nba)++];
	memset(b, 0, sizeof(*b));
	memcpy(&b->addr, sa, salen);
	b->addrlen = salen;
	if (sa->sa_family == AF_INET)
		b->addr.sin.sin_port = htons((uint16_t)port);
	else {
		b->addr.sin6.sin6_port = htons((uint16_t)port);
		b->v6only = v6only;
	}
	b->implied = implied;
	return 0;
}

/*
 * Expands one host of the address list into the addresses to bind: "*"
 * and "[literal]" here, a name by the load's resolver.
 */
static int
expand_host(struct conf_parser *p, const struct conf_token *t, const char *host,
    enum families fams, int socktype, int port, struct bind_addr *ba,
    int *nba)
{
	struct sockaddr_in any4 = { .sin_family = AF_INET };
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT };
	resolve_fn *resolve = p->conf->resolve ? p->conf->resolve :
	    resolve_host;
	struct addrinfo hints, *res, *ai;
	char name[NI_MAXHOST], why[512];
	size_t len = strlen(host);
	bool literal;
	int rc = 0;

	if (strcmp(host, "*") == 0 || len == 0) {
		if (fams == FAM_BOTH || fams == FAM_V4)
			rc = add_bind_addr(p, t, ba, nba,
			    (struct sockaddr *)&any4, sizeof(any4), port,
			    false, false);
		if (rc == 0 && fams != FAM_V4)
			rc = add_bind_addr(p, t, ba, nba,
			    (struct sockaddr *)&any6, sizeof(any6), port,
			    fams != FAM_DUAL, fams == FAM_BOTH);
		return rc;
	}
	literal = host[0] == '[';
	if (literal) {
		if (host[len - 1] != ']' || len - 2 >= sizeof(name)) {
			conf_error(p, t->line, "service",
			    "\"%s\": unbalanced brackets", host);
			return -1;
		}
		memcpy(name, host + 1, len - 2);
		name[len - 2] = '\0';
	} else if (!str_copy(name, host, sizeof(name))) {
		conf_error(p, t->line, "service", "host name too long");
		return -1;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_PASSIVE;
	if (literal)
		hints.ai_flags |= AI_NUMERICHOST;
	switch (fams) {
	case FAM_V4:
		hints.ai_family = AF_INET;
		break;
	case FAM_V6:
	case FAM_DUAL:
		hints.ai_family = AF_INET6;
		break;
	default:
		hints.ai_family = AF_UNSPEC;
		break;
	}
	if (resolve(name, host, &hints, &res, &p->conf->resolve_spent_ms,
	    why, sizeof(why)) == -1) {
		conf_error(p, t->line, "service", "%s", why);
		return -1;
	}
	for (ai = res; ai != NULL && rc == 0; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		rc = add_bind_addr(p, t, ba, nba, ai->ai_addr, ai->ai_addrlen,
		    port, fams != FAM_DUAL, false);
	}
	freeaddrinfo(res);
	return rc;
}

/*
 * svc[]'s twin of s by identity, or -1: an open-addressed index that
 * add_services keeps up to date, so a load of n lines costs n probes,
 * not n * n comparisons. At most one service has each identity.
 */
static ssize_t
identity_find(struct conf *c, const struct service *s)
{
	size_t mask, at;

	if (c->by_identity_cap < 2 * (c->nsvc + 1)) {
		size_t cap = c->by_identity_cap ? c->by_identity_cap : 64;

		while (cap < 2 * (c->nsvc + 1))
			cap *= 2;
		free(c->by_identity);
		c->by_identity = xcalloc(cap, sizeof(*c->by_identity));
		c->by_identity_cap = cap;
		c->by_identity_n = 0;
	}
	mask = c->by_identity_cap - 1;
	for (; c->by_identity_n < c->nsvc; c->by_identity_n++) {
		at = service_identity_hash(c->svc[c->by_identity_n]) & mask;
		while (c->by_identity[at] != 0)
			at = (at + 1) & mask;
		c->by_identity[at] = (uint32_t)c->by_identity_n + 1;
	}
	for (at = service_identity_hash(s) & mask; c->by_identity[at] != 0;
	    at = (at + 1) & mask) {
		size_t i = c->by_identity[at] - 1;

		if (service_same_identity(c->svc[i], s))
			return (ssize_t)i;
	}
	return -1;
}

/*
 * An explicit line wins over the implied IPv6 half of a plain "tcp" or
 * "udp" line, so a Debian file that lists both "tcp" and "tcp6" for a
 * service keeps working; any other repeat is an error of the later line.
 */
static void
add_services(struct conf_parser *p, const struct conf_token *t,
    struct service **news, int n)
{
	struct conf *c = p->conf;
	ssize_t i;
	int j, k;

	for (j = 0; j < n; j++) {
		const struct service *o;

		if (news[j]->implied || (i = identity_find(c, news[j])) == -1 ||
		    (o = c->svc[i])->implied)
			continue;
		char addr[ADDR_STR_MAX];

		conf_error(p, t->line, "service",
		    "%s/%s on %s is already configured at line %d",
		    news[j]->name, news[j]->proto,
		    addr_str(&news[j]->addr.sa, news[j]->addrlen, addr,
			sizeof(addr)), o->line);
		for (k = 0; k < n; k++)
			service_free(news[k]);
		return;
	}
	for (j = 0; j < n; j++) {
		if ((i = identity_find(c, news[j])) != -1) {
			/* The same slot, the same identity: the index holds. */
			if (!news[j]->implied) {
				service_free(c->svc[i]);
				c->svc[i] = news[j];
				news[j] = NULL;
			}
			service_free(news[j]);
			continue;
		}
		c->svc = xreallocarray(c->svc, c->nsvc + 1, sizeof(*c->svc));
		c->svc[c->nsvc++] = news[j];
	}
}

static int
split_host(struct conf_parser *p, const struct conf_token *t, char **host,
    char **name)
{
	const char *f = t->text, *colon = NULL, *q;
	int depth = 0;

	for (q = f; *q != '\0'; q++) {
		if (*q == '[')
			depth++;
		else if (*q == ']')
			depth--;
		else if (*q == ':' && depth == 0)
			colon = q;
	}
	if (depth != 0) {
		conf_error(p, t->line, "service", "\"%s\": unbalanced brackets",
		    f);
		return -1;
	}
	if (colon == NULL) {
		*host = xstrdup(p->default_host ? p->default_host : "*");
		*name = xstrdup(f);
	} else {
		*host = strndup(f, (size_t)(colon - f));
		if (*host == NULL)
			fatal("strndup");
		if (**host == '\0') {
			free(*host);
			*host = xstrdup("*");
		}
		*name = xstrdup(colon + 1);
	}
	return 0;
}

static int
parse_server(struct conf_parser *p, struct conf_entry *e, struct service *s)
{
	const struct conf_token *t = &e->tok[5];
	const char *name, *official;
	size_t len = 0;
	int i;

	s->program = xstrdup(t->text);
	if (strcmp(t->text, "internal") == 0) {
		if (s->family == AF_UNIX) {
			conf_error(p, t->line, "server",
			    "internal services run over tcp or udp only");
			return -1;
		}
		name = s->name;
		if (!str_is_digits(name) && (official = lookup_service(name,
		    s->protocol == IPPROTO_TCP ? "tcp" : "udp", NULL)) != NULL)
			name = official;
		s->builtin = builtin_lookup(name);
		if (s->builtin == BUILTIN_NONE) {
			if (e->ntok <= CONF_FIELDS_MIN) {
				conf_error(p, t->line, "server",
				    "\"%s\" is not a builtin: name one after "
				    "internal (echo, discard, chargen, daytime "
				    "or time)", s->name);
				return -1;
			}
			s->builtin = builtin_lookup(e->tok[6].text);
			if (s->builtin == BUILTIN_NONE) {
				conf_error(p, e->tok[6].line, "arguments",
				    "unknown builtin \"%s\" (echo, discard, "
				    "chargen, daytime or time)",
				    e->tok[6].text);
				return -1;
			}
		}
		s->argv[s->argc++] = xstrdup(builtin_name(s->builtin));
		return 0;
	}
	if (t->text[0] != '/') {
		conf_error(p, t->line, "server",
		    "\"%s\" must be an absolute path or internal", t->text);
		return -1;
	}
	if (strlen(t->text) >= PATH_MAX) {
		conf_error(p, t->line, "server", "path longer than %d bytes",
		    PATH_MAX - 1);
		return -1;
	}
	if (s->socktype == SOCK_DGRAM && !s->wait) {
		conf_error(p, e->tok[3].line, "wait",
		    "a dgram server must be wait: it shares the one socket, "
		    "and nothing tells when it has read its datagram");
		return -1;
	}
	for (i = CONF_FIELDS_MIN; i < e->ntok; i++) {
		len += strlen(e->tok[i].text) + 1;
		if (len > SERVICE_ARGS_MAX) {
			conf_error(p, e->tok[i].line, "arguments",
			    "longer than %d bytes", SERVICE_ARGS_MAX);
			return -1;
		}
		s->argv[s->argc++] = xstrdup(e->tok[i].text);
	}
	if (s->argc == 0)
		s->argv[s->argc++] = xstrdup(strrchr(t->text, '/') + 1);
	return 0;
}

/* One entry into the services it binds, or its errors. */
void
conf_entry_parse(struct conf_parser *p, struct conf_entry *e)
{
	struct service tmpl, *news[ADDRS_MAX];
	struct bind_addr ba[ADDRS_MAX];
	const struct conf_token *t = e->tok;
	enum families fams;
	char *hosts = NULL, *host, *rest;
	int nba = 0, port = 0, i;

	memset(&tmpl, 0, sizeof(tmpl));
	if (e->ntok < CONF_FIELDS_MIN) {
		conf_error(p, t[e->ntok - 1].line, field_names[e->ntok],
		    "missing (an entry has at least %d fields)",
		    CONF_FIELDS_MIN);
		return;
	}
	if (parse_socktype(p, &t[1], &tmpl) == -1 ||
	    parse_protocol(p, &t[2], &tmpl, &fams) == -1)
		goto out;
	if (fams == FAM_UNIX) {
		if (parse_unix_path(p, &t[0], &tmpl) == -1)
			goto out;
	} else {
		if (split_host(p, &t[0], &hosts, &tmpl.name) == -1 ||
		    parse_port(p, &t[0], tmpl.name, &tmpl, &port) == -1)
			goto out;
		tmpl.host = xstrdup(hosts);
	}
	if (parse_wait(p, &t[3], &tmpl) == -1 ||
	    parse_user(p, &t[4], &tmpl) == -1 ||
	    parse_server(p, e, &tmpl) == -1)
		goto out;

	if (fams != FAM_UNIX) {
		rest = hosts;
		while ((host = strsep(&rest, ",")) != NULL)
			if (expand_host(p, &t[0], host, fams, tmpl.socktype,
			    port, ba, &nba) == -1)
				goto out;
	}
	tmpl.file = (char *)p->file;
	tmpl.line = e->tok[0].line;
	if (fams == FAM_UNIX) {
		news[0] = service_dup(&tmpl);
		service_set_fields(news[0]);
		add_services(p, &t[0], news, 1);
		goto out;
	}
	for (i = 0; i < nba; i++) {
		news[i] = service_dup(&tmpl);
		news[i]->family = ba[i].addr.sa.sa_family;
		news[i]->addr = ba[i].addr;
		news[i]->addrlen = ba[i].addrlen;
		news[i]->v6only = ba[i].v6only;
		news[i]->implied = ba[i].implied;
		service_set_fields(news[i]);
	}
	add_services(p, &t[0], news, nba);
out:
	tmpl.file = NULL;
	free(hosts);
	free(tmpl.host);
	free(tmpl.name);
	free(tmpl.proto);
	free(tmpl.policy_name);
	free(tmpl.user);
	free(tmpl.group);
	free(tmpl.program);
	for (i = 0; i < tmpl.argc; i++)
		free(tmpl.argv[i]);
}
