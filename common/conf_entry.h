/* SPDX-License-Identifier: ISC */
/*
 * Between the inetd.conf reader (conf.c: a file into entries) and the
 * fields of one entry (conf_entry.c: an entry into services).
 */
#ifndef SINETD_CONF_ENTRY_H
#define SINETD_CONF_ENTRY_H

#include <stdbool.h>

#include "conf.h"

#define CONF_FIELDS_MIN	6
#define CONF_TOKENS_MAX	(CONF_FIELDS_MIN + SERVICE_ARGV_MAX)

struct conf_token {
	char	*text;
	int	 line;
};

/* One configuration entry: a line and its continuation lines. */
struct conf_entry {
	struct conf_token tok[CONF_TOKENS_MAX];
	int		 ntok;
	bool		 bad;		/* already reported; skip it */
};

struct conf_parser {
	struct conf	*conf;
	const char	*file;
	char		*default_host;	/* OpenBSD "addr:" lines; NULL is "*" */
	bool		 xinetd;	/* said that it looks like xinetd.conf */
};

void	 conf_error(struct conf_parser *, int, const char *, const char *,
	    ...) __attribute__((format(printf, 4, 5)));
const char *conf_field_name(int);
void	 conf_entry_parse(struct conf_parser *, struct conf_entry *);

#endif
