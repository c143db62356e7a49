/* SPDX-License-Identifier: ISC */
/*
 * hosts_access(5) matched as Debian's libwrap matches it (hosts_access.c:
 * table_match, list_match, server_match, client_match, host_match,
 * string_match), on the table hostsaccess.c compiled: no file, no
 * lookup; a match that needs a host name says so instead.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "hostsaccess.h"

/* The codes besides yes (1) and no (0) a match passes up. */
#define M_NEED_CLIENT	(-1)
#define M_NEED_SERVER	(-2)
#define M_REFUSE	(-3)	/* a pattern sinetd cannot match */

/* daemon@host anywhere: the worker needs its own address. */
bool
hosts_uses_server(const struct hosts_table *t)
{
	uint32_t i, j;

	for (i = 0; i < t->nrules; i++)
		for (j = 0; j < t->rules[i].dcount; j++)
			if (t->pats[t->rules[i].dfirst + j].at != 0)
				return true;
	return false;
}

const char *
hosts_rule_path(const struct hosts_table *t, int rule)
{
	return t->path[t->rules[rule].file];
}

static bool
name_known(const char *name)
{
	return strcasecmp(name, "unknown") != 0 &&
	    strcasecmp(name, "paranoid") != 0;
}

/* '*' and '?', as Debian's match_pattern_ylo. */
static bool
wild_match(const char *s, const char *pat)
{
	for (; *pat != '\0'; pat++, s++) {
		if (*pat == '*') {
			while (*pat == '*')
				pat++;
			if (*pat == '\0')
				return true;
			for (; *s != '\0'; s++)
				if (wild_match(s, pat))
					return true;
			return false;
		}
		if (*s == '\0')
			return false;
		if (*pat != '?' && tolower((unsigned char)*pat) !=
		    tolower((unsigned char)*s))
			return false;
	}
	return *s == '\0';
}

/* string_match on the first tl bytes of tok, read as cls says. */
static bool
string_match(unsigned cls, const char *tok, size_t tl, const char *s)
{
	size_t sl = strlen(s);
	uint8_t a[16], b[16];
	char buf[HOSTS_LINE_MAX + 1];

	switch (cls) {
	case HOSTS_CLS_WILD:
		memcpy(buf, tok, tl);
		buf[tl] = '\0';
		return wild_match(s, buf);
	case HOSTS_CLS_SUFFIX:
		return sl > tl && strncasecmp(tok, s + sl - tl, tl) == 0;
	case HOSTS_CLS_ALL:
		return true;
	case HOSTS_CLS_KNOWN:
		return strcasecmp(s, "unknown") != 0;
	case HOSTS_CLS_PREFIX:
		return strncasecmp(tok, s, tl) == 0;
	case HOSTS_CLS_V6:
		memcpy(buf, tok + 1, tl - 2);
		buf[tl - 2] = '\0';
		return inet_pton(AF_INET6, buf, a) == 1 &&
		    inet_pton(AF_INET6, s, b) == 1 && memcmp(a, b, 16) == 0;
	default:
		return sl == tl && strncasecmp(tok, s, tl) == 0;
	}
}

static bool
net_match(const struct hosts_pat *p, const char *addr)
{
	uint8_t a[16];
	int i, n;

	if (p->kind == PAT_NET4) {
		if (inet_pton(AF_INET, addr, a) != 1)
			return false;
		n = 4;
	} else {
		if (inet_pton(AF_INET6, addr, a) != 1)
			return false;
		n = 16;
	}
	for (i = 0; i < n; i++)
		if ((a[i] & p->mask[i]) != (p->kind == PAT_NET4 ? p->net[i] :
		    (p->net[i] & p->mask[i])))
			return false;
	return true;
}

static int
host_match(const struct hosts_pat *p, const char *tok, const char *addr,
    const char *name, int need)
{
	if (p->kind == PAT_REFUSE)
		return M_REFUSE;
	unsigned cls = p->hcls & ~HOSTS_CLS_NAME;
	size_t tl;

	if (p->kind == PAT_NET4 || p->kind == PAT_NET6)
		return net_match(p, addr);
	if (cls == HOSTS_CLS_HOST_KNOWN) {
		if (name == NULL)
			return need;
		return strcasecmp(addr, "unknown") != 0 && name_known(name);
	}
	if (cls == HOSTS_CLS_HOST_LOCAL) {
		if (name == NULL)
			return need;
		return strchr(name, '.') == NULL && name_known(name);
	}
	tl = strlen(tok);
	if (string_match(cls, tok, tl, addr))
		return 1;
	if (!(p->hcls & HOSTS_CLS_NAME))
		return 0;
	if (name == NULL)
		return need;
	return string_match(cls, tok, tl, name);
}

static int
server_match(const struct hosts_table *t, const struct hosts_pat *p,
    const struct hosts_query *q)
{
	const char *tok = t->text + p->off;

	if (!string_match(p->dcls, tok, p->at != 0 ? p->at : p->len,
	    q->daemon))
		return 0;
	if (p->at == 0)
		return 1;
	return host_match(p, tok + p->at + 1, q->server_addr[0] != '\0' ?
	    q->server_addr : "unknown", q->server_name, M_NEED_SERVER);
}

static int
client_match(const struct hosts_table *t, const struct hosts_pat *p,
    const struct hosts_query *q)
{
	const char *tok = t->text + p->off;

	if (p->at != 0)
		tok += p->at + 1;	/* ALL@host: the others refuse */
	return host_match(p, tok, q->client_addr, q->client_name,
	    M_NEED_CLIENT);
}

/* libwrap's list_match: a match, then "EXCEPT list" undoes it. */
static int
list_match(const struct hosts_table *t, uint32_t i, uint32_t end,
    const struct hosts_query *q, bool client)
{
	int m, sub;

	for (; i < end; i++) {
		if (t->pats[i].kind == PAT_EXCEPT)
			return 0;
		m = client ? client_match(t, &t->pats[i], q) :
		    server_match(t, &t->pats[i], q);
		if (m < 0)
			return m;
		if (m == 0)
			continue;
		while (++i < end && t->pats[i].kind != PAT_EXCEPT)
			;
		if (i >= end)
			return 1;
		if ((sub = list_match(t, i + 1, end, q, client)) < 0)
			return sub;
		return !sub;
	}
	return 0;
}

static void
decided(struct hosts_result *res, enum hosts_verdict v, int rule,
    const char *why)
{
	res->verdict = v;
	res->rule = rule;
	res->why = why;
}

/*
 * hosts.allow's first match grants, else hosts.deny's first match
 * refuses, else granted; options may say otherwise. A name it needs and
 * q lacks: NEED_*_NAME, and the caller asks again once it has it.
 */
void
hosts_decide(const struct hosts_table *t, const struct hosts_query *q,
    struct hosts_result *res)
{
	const struct hosts_rule *r;
	uint32_t i;
	int file, m;

	if (!t->loaded) {
		decided(res, HOSTS_REFUSE, -1, "the access control files did "
		    "not load");
		return;
	}
	for (file = HOSTS_ALLOW; file <= HOSTS_DENY; file++)
		for (i = 0; i < t->nrules; i++) {
			r = &t->rules[i];
			if (r->file != file)
				continue;
			m = list_match(t, r->dfirst, (uint32_t)r->dfirst +
			    r->dcount, q, false);
			if (m == 1)
				m = list_match(t, r->cfirst,
				    (uint32_t)r->cfirst + r->ccount, q, true);
			if (m == M_NEED_CLIENT || m == M_NEED_SERVER) {
				decided(res, m == M_NEED_CLIENT ?
				    HOSTS_NEED_CLIENT_NAME :
				    HOSTS_NEED_SERVER_NAME, (int)i, NULL);
				return;
			}
			if (m == M_REFUSE) {
				decided(res, HOSTS_REFUSE, (int)i,
				    t->text + r->why);
				return;
			}
			if (m == 0)
				continue;
			switch (r->action) {
			case HOSTS_OPT_ALLOW:
				decided(res, HOSTS_GRANT, (int)i, "allow");
				break;
			case HOSTS_OPT_DENY:
				decided(res, HOSTS_REFUSE, (int)i, "deny");
				break;
			case HOSTS_OPT_REFUSE:
				decided(res, HOSTS_REFUSE, (int)i,
				    t->text + r->why);
				break;
			default:
				decided(res, file == HOSTS_ALLOW ?
				    HOSTS_GRANT : HOSTS_REFUSE, (int)i,
				    file == HOSTS_ALLOW ? "hosts.allow" :
				    "hosts.deny");
			}
			return;
		}
	decided(res, HOSTS_GRANT, -1, NULL);
}
