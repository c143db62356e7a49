/* SPDX-License-Identifier: ISC */
/*
 * hosts_access(5) files as Debian's libwrap (7.6.q) reads them, compiled
 * at load so that matching (hostsmatch.c) needs no file: tokens keep their
 * text (libwrap matches text: a suffix, a prefix, a wildcard, a name) and
 * how it is read, net/mask patterns are decoded once, and what sinetd
 * cannot do is marked to refuse.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostsaccess.h"
#include "util.h"

#define SEP	", \t\r\n"	/* libwrap's list separators */

struct parse {
	struct hosts_table *t;
	enum hosts_file	 file;
	const char	*path;
	unsigned	 line;
	struct errors	*err, *warn;
	int		 failed;
};

void
hosts_init(struct hosts_table *t, const char *allow, const char *deny)
{
	memset(t, 0, sizeof(*t));
	str_copy(t->path[HOSTS_ALLOW], allow, sizeof(t->path[0]));
	str_copy(t->path[HOSTS_DENY], deny, sizeof(t->path[0]));
	t->loaded = 1;
	t->ntext = 1;		/* offset 0: the empty string */
}

static void perr(struct parse *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parse *p, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_addv_at(p->err, p->path, (long)p->line, field, fmt, ap);
	va_end(ap);
	p->failed = 1;
}

static int
add_text(struct parse *p, const char *s, size_t len)
{
	struct hosts_table *t = p->t;
	int off = (int)t->ntext;

	if (len > UINT16_MAX || t->ntext + len + 1 > sizeof(t->text)) {
		perr(p, "rules", "more than %d bytes of patterns",
		    HOSTS_TEXT_MAX);
		return -1;
	}
	memcpy(t->text + t->ntext, s, len);
	t->text[t->ntext + len] = '\0';
	t->ntext += (uint32_t)len + 1;
	return off;
}

/* libwrap's split_at: the first delimiter outside [brackets], or NULL. */
static char *
split_at(char *s, int delim)
{
	int bracket = 0;

	for (; *s != '\0'; s++) {
		if (*s == '[')
			bracket++;
		else if (*s == ']')
			bracket--;
		else if (bracket == 0 && *s == delim) {
			*s = '\0';
			return s + 1;
		}
	}
	return NULL;
}

static int
dot_quad(const char *s, uint8_t out[4])
{
	unsigned long v;
	int i;
	char *end;

	for (i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno != 0 || v > 255 || end - s > 3)
			return -1;
		out[i] = (uint8_t)v;
		s = end;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

static int
prefix_len(const char *s, unsigned max)
{
	unsigned long v;

	if (!str_is_digits(s) || parse_ulong(s, 0, max, &v) == -1)
		return -1;
	return (int)v;
}

static void
mask_of(uint8_t *mask, unsigned bits, unsigned bytes)
{
	unsigned i;

	memset(mask, 0, 16);
	for (i = 0; i < bytes; i++, bits = bits > 8 ? bits - 8 : 0)
		mask[i] = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
}

/* A net/mask host pattern: "n.n.n.n/m.m.m.m", "n.n.n.n/len", "[v6]/len". */
static const char *
parse_net(char *tok, char *mask, struct hosts_pat *pat)
{
	char *close;
	int len;

	if (tok[0] == '[') {
		close = strchr(tok, ']');
		if (close == NULL || close[1] != '\0')
			return "an IPv6 net is written [address]/length";
		*close = '\0';
		if (inet_pton(AF_INET6, tok + 1, pat->net) != 1)
			return "not an IPv6 address";
		if ((len = prefix_len(mask, 128)) == -1)
			return "an IPv6 prefix length is 0 to 128";
		mask_of(pat->mask, (unsigned)len, 16);
		pat->kind = PAT_NET6;
		return NULL;
	}
	if (dot_quad(tok, pat->net) == -1)
		return "not an IPv4 address n.n.n.n";
	if (strchr(mask, '.') != NULL) {
		if (dot_quad(mask, pat->mask) == -1)
			return "not a netmask m.m.m.m";
		/* libwrap's inet_addr reads it as its error value */
		if (memcmp(pat->mask, "\xff\xff\xff\xff", 4) == 0)
			return "255.255.255.255 is not a valid mask: write "
			    "the address alone";
	} else if ((len = prefix_len(mask, 32)) == -1)
		return "an IPv4 mask is m.m.m.m or a length 0 to 32";
	else
		mask_of(pat->mask, (unsigned)len, 4);
	pat->kind = PAT_NET4;
	return NULL;
}

/* The host part of a client pattern, or of daemon@host. */
static void
parse_host(struct parse *p, const char *field, char *host,
    struct hosts_pat *pat, const char **refuse)
{
	char copy[HOSTS_LINE_MAX + 1], *mask;
	const char *why;

	pat->kind = PAT_TEXT;
	if (host[0] == '\0') {
		perr(p, field, "an empty host after '@'");
		return;
	}
	if (host[0] == '@') {
		pat->kind = PAT_REFUSE;
		*refuse = "NIS netgroups (@group) are not supported by sinetd";
		return;
	}
	if (host[0] == '/') {
		pat->kind = PAT_REFUSE;
		*refuse = "file patterns (/path) are not supported by sinetd";
		return;
	}
	str_copy(copy, host, sizeof(copy));
	if ((mask = split_at(copy, '/')) == NULL)
		return;
	if ((why = parse_net(copy, mask, pat)) != NULL)
		perr(p, field, "bad net/mask \"%.128s\": %s", host, why);
	else if (pat->kind == PAT_NET4 && ((pat->net[0] & ~pat->mask[0]) |
	    (pat->net[1] & ~pat->mask[1]) | (pat->net[2] & ~pat->mask[2]) |
	    (pat->net[3] & ~pat->mask[3])) != 0)
		errors_add(p->warn, "%s:%u: %s: net/mask \"%.128s\": the net "
		    "has bits outside the mask, so it matches no address (as "
		    "in libwrap)", p->path, p->line, field, host);
}

static int
brackets(const char *s)
{
	int depth = 0;

	for (; *s != '\0'; s++)
		if (*s == '[')
			depth++;
		else if (*s == ']' && --depth < 0)
			return -1;
	return depth;
}

/* In the order libwrap's string_match tries them. */
static uint8_t
str_class(const char *tok, size_t tl)
{
	if (memchr(tok, '*', tl) != NULL || memchr(tok, '?', tl) != NULL)
		return HOSTS_CLS_WILD;
	if (tok[0] == '.')
		return HOSTS_CLS_SUFFIX;
	if (tl == 3 && strncasecmp(tok, "ALL", 3) == 0)
		return HOSTS_CLS_ALL;
	if (tl == 5 && strncasecmp(tok, "KNOWN", 5) == 0)
		return HOSTS_CLS_KNOWN;
	if (tl > 0 && tok[tl - 1] == '.')
		return HOSTS_CLS_PREFIX;
	if (tok[0] == '[' && tl > 2 && tok[tl - 1] == ']' &&
	    tl - 2 <= INET6_ADDRSTRLEN)
		return HOSTS_CLS_V6;
	return HOSTS_CLS_EXACT;
}

/*
 * Could tok match a host name? libwrap tries every token that is not a
 * dotted quad against the name too, and so looks a name up for 10. or
 * [::1]; no name is all digits and dots, or holds '[' or ':', so sinetd
 * spares those the lookup.
 */
static bool
may_be_name(const char *tok)
{
	return tok[strspn(tok, "0123456789.")] != '\0' &&
	    strchr(tok, '[') == NULL && strchr(tok, ':') == NULL;
}

/* host_match's own words first, then string_match's. */
static uint8_t
host_class(const char *tok)
{
	if (strcasecmp(tok, "KNOWN") == 0)
		return HOSTS_CLS_HOST_KNOWN;
	if (strcasecmp(tok, "LOCAL") == 0)
		return HOSTS_CLS_HOST_LOCAL;
	return (uint8_t)(str_class(tok, strlen(tok)) |
	    (may_be_name(tok) ? HOSTS_CLS_NAME : 0));
}

/* One list: daemons (client false) or clients. */
static int
parse_list(struct parse *p, char *list, bool client, uint16_t *first,
    uint16_t *count, const char **refuse)
{
	const char *field = client ? "client_list" : "daemon_list";
	struct hosts_table *t = p->t;
	struct hosts_pat *pat;
	char *tok, *save = NULL, *at;
	int off;

	*first = (uint16_t)t->npats;
	*count = 0;
	for (tok = strtok_r(list, SEP, &save); tok != NULL;
	    tok = strtok_r(NULL, SEP, &save)) {
		if (t->npats >= HOSTS_PATS_MAX) {
			perr(p, field, "more than %d patterns in the files",
			    HOSTS_PATS_MAX);
			return -1;
		}
		if ((off = add_text(p, tok, strlen(tok))) == -1)
			return -1;
		pat = &t->pats[t->npats++];
		memset(pat, 0, sizeof(*pat));
		pat->off = (uint16_t)off;
		pat->len = (uint16_t)strlen(tok);
		(*count)++;
		if (strcasecmp(tok, "EXCEPT") == 0) {
			pat->kind = PAT_EXCEPT;
			continue;
		}
		pat->kind = PAT_TEXT;
		if (brackets(tok) != 0) {
			perr(p, field, "\"%.128s\": unbalanced [ ]", tok);
			continue;
		}
		/* libwrap looks for '@' past the first character. */
		at = strchr(tok + 1, '@');
		if (at != NULL && at - tok > UINT8_MAX) {
			perr(p, field, "a name before '@' is too long");
			continue;
		}
		if (at != NULL)
			pat->at = (uint8_t)(at - tok);
		pat->dcls = str_class(tok, at != NULL ? (size_t)(at - tok) :
		    strlen(tok));
		pat->hcls = host_class(at != NULL ? at + 1 : tok);
		if (!client) {
			if (at != NULL)
				parse_host(p, field, at + 1, pat, refuse);
			continue;
		}
		if (at != NULL && !(at - tok == 3 &&
		    strncasecmp(tok, "ALL", 3) == 0)) {
			/* ALL@host is host: ALL matches any user. */
			pat->kind = PAT_REFUSE;
			*refuse = "user@host needs an ident (rfc931) lookup, "
			    "which sinetd does not do";
			continue;
		}
		parse_host(p, field, at != NULL ? at + 1 : tok, pat, refuse);
	}
	if (*count == 0)
		perr(p, field, "empty");
	return 0;
}

static const char *const levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

/* A severity value: [facility.]level; the facility is the log's own. */
static int
severity_level(const char *v)
{
	const char *dot = strrchr(v, '.');
	size_t i;

	if (dot != NULL)
		v = dot + 1;
	for (i = 0; i < ARRAY_LEN(levels); i++)
		if (strcasecmp(v, levels[i]) == 0)
			return (int)i;
	if (strcasecmp(v, "warn") == 0)
		return 4;
	if (strcasecmp(v, "error") == 0)
		return 3;
	return -1;
}

static char *
chop(char *s)
{
	char *end;

	s += strspn(s, " \t\r\n");
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
		*--end = '\0';
	return s;
}

/*
 * hosts_options(5): fields split at ':' (a backslash quotes one), each
 * "name [=] value". libwrap runs them in order when the rule matches, and
 * a bad one refuses the connection: so does sinetd, for every option it
 * does not apply, and says so at load.
 */
static void
parse_options(struct parse *p, struct hosts_rule *r, char *opts)
{
	static const char *const refused[] = {
		"spawn", "twist", "banners", "rfc931", "keepalive", "linger",
		"nice", "setenv", "umask", "user", "group",
	};
	char field[HOSTS_LINE_MAX + 1], why[400], *name, *value;
	const char *s = opts, *reason = NULL;
	size_t i, n;
	int lvl;
	bool last;

	while (reason == NULL && s != NULL) {
		for (n = 0; *s != '\0' && *s != ':'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			field[n++] = *s;
		}
		field[n] = '\0';
		s = *s == ':' ? s + 1 : NULL;
		last = s == NULL;
		name = chop(field);
		value = name + strcspn(name, " \t\r\n=");
		if (*value != '\0') {
			bool eq = *value == '=';

			*value++ = '\0';
			value += strspn(value, " \t\r\n");
			if (!eq && *value == '=') {
				value++;
				value += strspn(value, " \t\r\n");
			}
		}
		if (*name == '\0') {
			reason = "missing option name";
			break;
		}
		if (strcasecmp(name, "allow") == 0 ||
		    strcasecmp(name, "deny") == 0) {
			if (*value != '\0')
				snprintf(why, sizeof(why), "option \"%s\" "
				    "requires no value", name);
			else if (!last)
				snprintf(why, sizeof(why), "option \"%s\" "
				    "must be at end", name);
			else {
				r->action = tolower((unsigned char)name[0]) ==
				    'a' ? HOSTS_OPT_ALLOW : HOSTS_OPT_DENY;
				return;
			}
			reason = why;
			break;
		}
		if (strcasecmp(name, "severity") == 0) {
			if ((lvl = severity_level(value)) == -1) {
				snprintf(why, sizeof(why), "severity \"%.200s\""
				    ": not a syslog level", value);
				reason = why;
			} else
				r->severity = (uint8_t)(lvl + 1);
			continue;
		}
		for (i = 0; i < ARRAY_LEN(refused); i++)
			if (strcasecmp(name, refused[i]) == 0)
				break;
		if (i < ARRAY_LEN(refused))
			snprintf(why, sizeof(why), "option \"%s\" is not "
			    "supported by sinetd", refused[i]);
		else
			snprintf(why, sizeof(why), "bad option name \"%.200s\"",
			    name);
		reason = why;
	}
	if (reason == NULL)
		return;
	errors_add(p->warn, "%s:%u: options: %s (the connections it matches "
	    "are refused)", p->path, p->line, reason);
	r->action = HOSTS_OPT_REFUSE;
	if ((lvl = add_text(p, reason, strlen(reason))) != -1)
		r->why = (uint16_t)lvl;
}

static void
parse_rule(struct parse *p, char *line)
{
	struct hosts_table *t = p->t;
	struct hosts_rule *r;
	const char *refuse = NULL;
	char *clients, *opts;
	int off;

	if (line[strspn(line, " \t\r\n")] == '\0' ||
	    line[strspn(line, " \t\r\n")] == '#')
		return;
	if (t->nrules >= HOSTS_RULES_MAX) {
		perr(p, "rules", "more than %d rules in the files",
		    HOSTS_RULES_MAX);
		return;
	}
	if ((clients = split_at(line, ':')) == NULL) {
		perr(p, "daemon_list", "missing \":\" separator");
		return;
	}
	opts = split_at(clients, ':');
	r = &t->rules[t->nrules];
	memset(r, 0, sizeof(*r));
	r->file = (uint8_t)p->file;
	r->line = p->line;
	if (parse_list(p, line, false, &r->dfirst, &r->dcount, &refuse) == -1 ||
	    parse_list(p, clients, true, &r->cfirst, &r->ccount, &refuse) == -1)
		return;
	if (refuse != NULL) {
		errors_add(p->warn, "%s:%u: client_list: %s (the connections "
		    "it matches are refused)", p->path, p->line, refuse);
		if ((off = add_text(p, refuse, strlen(refuse))) != -1)
			r->why = (uint16_t)off;
	}
	if (opts != NULL)
		parse_options(p, r, opts);
	t->nrules++;
}

/*
 * One file's text. Errors of form (no ':', an overlong line, a bad
 * net/mask) go to err and the table does not load; what parses but
 * cannot be applied goes to warn, and its rules refuse what they match.
 */
int
hosts_parse_text(struct hosts_table *t, enum hosts_file file,
    const char *path, const char *text, size_t len, struct errors *err,
    struct errors *warn)
{
	struct parse p = { t, file, path, 0, err, warn, 0 };
	char buf[HOSTS_LINE_MAX + 2];
	size_t i = 0, n = 0;
	bool too_long = false, nul = false;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t seg = nl != NULL ? (size_t)(nl - (text + i)) : len - i;

		p.line++;
		if (memchr(text + i, '\0', seg) != NULL && !nul) {
			perr(&p, "rules", "a NUL byte in the line");
			nul = true;	/* the line is dropped */
		}
		if (nul)
			;
		else if (!too_long && n + seg <= HOSTS_LINE_MAX) {
			memcpy(buf + n, text + i, seg);
			n += seg;
		} else
			too_long = true;
		i += seg + (nl != NULL);
		if (nl == NULL) {
			perr(&p, "rules", "missing newline at the end of the "
			    "file");
			break;
		}
		/* A backslash before the newline continues the line. */
		if (n > 0 && buf[n - 1] == '\\' && !too_long && !nul) {
			n--;
			continue;
		}
		buf[n] = '\0';
		if (nul)
			;
		else if (too_long)
			perr(&p, "rules", "line longer than %d bytes",
			    HOSTS_LINE_MAX);
		else
			parse_rule(&p, buf);
		n = 0;
		too_long = nul = false;
	}
	if (p.failed)
		t->loaded = 0;
	return p.failed ? -1 : 0;
}

/* A file that does not exist is empty, as libwrap has it. */
int
hosts_parse_file(struct hosts_table *t, enum hosts_file file,
    const char *path, struct errors *err, struct errors *warn)
{
	const char *why;
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	FILE *fp;
	int rc;

	errors_begin_file(err);
	errors_begin_file(warn);
	if ((fp = file_open_config(path, &why)) == NULL) {
		if (why == NULL && errno == ENOENT)
			return 0;
		errors_add(err, "%s: %s", path, why ? why : strerror(errno));
		t->loaded = 0;
		return -1;
	}
	do {
		if (len + 4096 > cap)
			text = xreallocarray(text, cap = cap * 2 + 8192, 1);
		got = fread(text + len, 1, cap - len, fp);
		len += got;
	} while (got > 0);
	if (ferror(fp)) {
		errors_add(err, "%s: %s", path, strerror(errno));
		fclose(fp);
		free(text);
		t->loaded = 0;
		return -1;
	}
	fclose(fp);
	rc = hosts_parse_text(t, file, path, text, len, err, warn);
	free(text);
	return rc;
}

/* One pattern: its text within the table, its classes what match reads. */
static bool
pat_ok(const struct hosts_table *t, const struct hosts_pat *p)
{
	unsigned hcls = p->hcls & ~HOSTS_CLS_NAME;
	size_t dlen, hlen;

	if ((uint32_t)p->off + p->len >= t->ntext ||
	    t->text[p->off + p->len] != '\0' ||
	    memchr(t->text + p->off, '\0', p->len) != NULL ||
	    p->len > HOSTS_LINE_MAX || (p->at != 0 && p->at >= p->len) ||
	    p->kind < PAT_TEXT || p->kind > PAT_REFUSE ||
	    p->dcls > HOSTS_CLS_V6 || hcls > HOSTS_CLS_HOST_LOCAL)
		return false;
	dlen = p->at != 0 ? p->at : p->len;
	hlen = p->at != 0 ? (size_t)(p->len - p->at - 1) : p->len;
	/* [v6] is read from between its brackets. */
	return (p->dcls != HOSTS_CLS_V6 || dlen >= 3) &&
	    (hcls != HOSTS_CLS_V6 || hlen >= 3);
}

/* The table as a worker received it: every offset within it. */
const char *
hosts_check(const struct hosts_table *t)
{
	uint32_t i;

	if (t->nrules > HOSTS_RULES_MAX || t->npats > HOSTS_PATS_MAX ||
	    t->ntext > HOSTS_TEXT_MAX || t->ntext == 0 || t->text[0] != '\0')
		return "hosts table: counts out of range";
	for (i = 0; i < 2; i++)
		if (memchr(t->path[i], '\0', sizeof(t->path[i])) == NULL)
			return "hosts table: a path not terminated";
	for (i = 0; i < t->npats; i++)
		if (!pat_ok(t, &t->pats[i]))
			return "hosts table: a bad pattern";
	for (i = 0; i < t->nrules; i++) {
		const struct hosts_rule *r = &t->rules[i];

		if (r->file > HOSTS_DENY || r->action > HOSTS_OPT_REFUSE ||
		    r->severity > 8 || r->why >= t->ntext ||
		    (uint32_t)r->dfirst + r->dcount > t->npats ||
		    (uint32_t)r->cfirst + r->ccount > t->npats)
			return "hosts table: a bad rule";
	}
	if (memchr(t->text + t->ntext - 1, '\0', 1) == NULL)
		return "hosts table: text not terminated";
	return NULL;
}
