/* SPDX-License-Identifier: ISC */
/*
 * hosts_access(5): /etc/hosts.allow and /etc/hosts.deny compiled by the
 * master into one fixed-layout table (no pointers; hostsaccess.c), sent to
 * the workers as it is, and matched there as libwrap matches (hostsmatch.c),
 * without a file or a resolver: a match that needs a host name says so,
 * and the caller asks.
 */
#ifndef SINETD_HOSTSACCESS_H
#define SINETD_HOSTSACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "errors.h"

#define HOSTS_RULES_MAX		256
#define HOSTS_PATS_MAX		1024
#define HOSTS_TEXT_MAX		16384
#define HOSTS_PATH_MAX		256
#define HOSTS_LINE_MAX		2047	/* libwrap's BUFLEN, less its newline */
#define HOSTS_NAME_MAX		256	/* a host name, or "unknown" */

enum hosts_file { HOSTS_ALLOW, HOSTS_DENY };

/* What a pattern is, decided at load; PAT_TEXT is matched as libwrap's */
/* string_match and host_match do, on the text. */
enum hosts_pat_kind {
	PAT_TEXT = 1,
	PAT_EXCEPT,
	PAT_NET4,		/* n.n.n.n/m.m.m.m or n.n.n.n/len */
	PAT_NET6,		/* [v6]/len */
	PAT_REFUSE,		/* what sinetd cannot match: refuses */
};

/*
 * How libwrap's string_match reads a token, decided once at load; host
 * parts have KNOWN and LOCAL of their own, and HOSTS_CLS_NAME when the
 * token may match a host name too.
 */
enum hosts_cls {
	HOSTS_CLS_EXACT,
	HOSTS_CLS_WILD,		/* '*' or '?' */
	HOSTS_CLS_SUFFIX,	/* .domain */
	HOSTS_CLS_ALL,
	HOSTS_CLS_KNOWN,
	HOSTS_CLS_PREFIX,	/* 10.1. */
	HOSTS_CLS_V6,		/* [v6] */
	HOSTS_CLS_HOST_KNOWN,
	HOSTS_CLS_HOST_LOCAL,
};
#define HOSTS_CLS_NAME	0x80

struct hosts_pat {
	uint8_t		kind;	/* of the host part: enum hosts_pat_kind */
	uint8_t		at;	/* daemon@host, user@host: where '@' is, 0 */
	uint16_t	len;
	uint16_t	off;	/* text, NUL-terminated */
	uint8_t		dcls;	/* the part before '@', or all of it */
	uint8_t		hcls;	/* the host part */
	uint8_t		net[16];
	uint8_t		mask[16];
};

enum hosts_action {
	HOSTS_MATCH = 0,	/* the file decides: allow or deny */
	HOSTS_OPT_ALLOW,	/* ": allow" */
	HOSTS_OPT_DENY,		/* ": deny" */
	HOSTS_OPT_REFUSE,	/* an option or pattern sinetd cannot apply */
};

struct hosts_rule {
	uint8_t		file;		/* enum hosts_file */
	uint8_t		action;		/* enum hosts_action */
	uint8_t		severity;	/* syslog level + 1, 0: the default */
	uint8_t		pad;
	uint32_t	line;		/* of a continued one, its last */
	uint16_t	dfirst, dcount;	/* daemon patterns */
	uint16_t	cfirst, ccount;	/* client patterns */
	uint16_t	why;		/* HOSTS_OPT_REFUSE: text offset */
	uint16_t	pad2;
};

struct hosts_table {
	uint32_t	loaded;		/* 0: the files did not load */
	uint32_t	nrules, npats, ntext;
	char		path[2][HOSTS_PATH_MAX];	/* allow, deny */
	struct hosts_rule rules[HOSTS_RULES_MAX];
	struct hosts_pat pats[HOSTS_PATS_MAX];
	char		text[HOSTS_TEXT_MAX];
};

/*
 * One connection. Addresses are text as libwrap has them (an IPv4 client
 * of a dual-stack socket as IPv4); names are NULL until looked up, then a
 * name, "unknown" (no reverse name) or "paranoid" (the name's addresses
 * do not include the address).
 */
struct hosts_query {
	const char	*daemon;
	const char	*client_addr;
	const char	*client_name;
	const char	*server_addr;	/* "": not known */
	const char	*server_name;
};

enum hosts_verdict {
	HOSTS_GRANT,
	HOSTS_REFUSE,
	HOSTS_NEED_CLIENT_NAME,		/* look it up, ask again */
	HOSTS_NEED_SERVER_NAME,
};

struct hosts_result {
	enum hosts_verdict verdict;
	int		 rule;		/* the deciding rule, -1: none */
	const char	*why;		/* "hosts.deny", "deny", what */
					/* sinetd cannot apply, … */
};

/* hostsaccess.c */
int	 hosts_parse_file(struct hosts_table *, enum hosts_file, const char *,
	    struct errors *, struct errors *);
int	 hosts_parse_text(struct hosts_table *, enum hosts_file, const char *,
	    const char *, size_t, struct errors *, struct errors *);
void	 hosts_init(struct hosts_table *, const char *, const char *);
const char *hosts_check(const struct hosts_table *);

/* hostsmatch.c */
void	 hosts_decide(const struct hosts_table *, const struct hosts_query *,
	    struct hosts_result *);
bool	 hosts_uses_server(const struct hosts_table *);
const char *hosts_rule_path(const struct hosts_table *, int);

#endif
