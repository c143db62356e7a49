/* SPDX-License-Identifier: ISC */
/*
 * The inetd.conf reader: a file into entries (lines, continuation lines,
 * comments, quotes, the "addr:" lines that set a default, a word on
 * xinetd syntax, the bounds on a file), each entry handed to
 * conf_entry.c, which knows its fields.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_entry.h"
#include "lookup.h"
#include "util.h"

/* "file:line: field: reason", the error of the file being read. */
void
conf_error(struct conf_parser *p, int line, const char *field, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	errors_addv_at(&p->conf->err, p->file, line, field, fmt, ap);
	va_end(ap);
}

/*
 * Splits one physical line into words. Quotes group words and are removed,
 * as FreeBSD does; there are no escapes.
 */
static void
tokenize(struct conf_parser *p, struct conf_entry *e, char *s, int line)
{
	while (!e->bad) {
		char *start, *w, quote = '\0';

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			return;
		start = w = s;
		while (*s != '\0' && (quote || (*s != ' ' && *s != '\t'))) {
			if (quote && *s == quote)
				quote = '\0';
			else if (!quote && (*s == '\'' || *s == '"'))
				quote = *s;
			else
				*w++ = *s;
			s++;
		}
		if (quote) {
			conf_error(p, line, conf_field_name(e->ntok),
			    "unterminated %s quote",
			    quote == '"' ? "double" : "single");
			e->bad = true;
			return;
		}
		if (*s != '\0')
			s++;
		*w = '\0';
		if (e->ntok == CONF_TOKENS_MAX) {
			conf_error(p, line, "arguments",
			    "more than %d arguments", SERVICE_ARGV_MAX);
			e->bad = true;
			return;
		}
		e->tok[e->ntok].text = xstrdup(start);
		e->tok[e->ntok].line = line;
		e->ntok++;
	}
}

/*
 * An entry no inetd.conf holds but xinetd.conf does: "service NAME",
 * "defaults", a brace, "include(dir) PATH", or "attribute = value". Each
 * would be an error of its own; one line that says what the file is
 * helps more than a "missing field" for each.
 */
static bool
xinetd_syntax(const struct conf_entry *e)
{
	const char *w0 = e->tok[0].text;

	return strcmp(w0, "{") == 0 || strcmp(w0, "}") == 0 ||
	    (e->ntok == 1 && strcmp(w0, "defaults") == 0) ||
	    (e->ntok == 2 && (strcmp(w0, "service") == 0 ||
	    strcmp(w0, "includedir") == 0)) ||
	    (e->ntok >= 2 && (strcmp(e->tok[1].text, "=") == 0 ||
	    strcmp(e->tok[1].text, "+=") == 0 ||
	    strcmp(e->tok[1].text, "-=") == 0));
}

/* A line "addr:" alone sets the address for the lines after it (OpenBSD). */
static void
end_entry(struct conf_parser *p, struct conf_entry *e)
{
	int i;

	/* Said once a file; the inetd.conf lines around are read as ever. */
	if (e->ntok > 0 && !e->bad && xinetd_syntax(e)) {
		if (!p->xinetd)
			conf_error(p, e->tok[0].line, "syntax", "this looks "
			    "like xinetd.conf syntax; see sinetctl "
			    "import-xinetd");
		p->xinetd = true;
		e->bad = true;
	}

	if (e->ntok == 1 && !e->bad) {
		size_t len = strlen(e->tok[0].text);

		if (len > 0 && e->tok[0].text[len - 1] == ':') {
			e->tok[0].text[len - 1] = '\0';
			free(p->default_host);
			p->default_host = NULL;
			if (len > 1 && strcmp(e->tok[0].text, "*") != 0)
				p->default_host = xstrdup(e->tok[0].text);
			e->bad = true;	/* consumed */
		}
	}
	if (e->ntok > 0 && !e->bad)
		conf_entry_parse(p, e);
	for (i = 0; i < e->ntok; i++)
		free(e->tok[i].text);
	e->ntok = 0;
	e->bad = false;
}

/*
 * An entry starts on a line that begins with a non-blank character and
 * continues on lines that begin with blanks (OpenBSD). An empty line or a
 * comment in column one ends it; an indented comment is ignored.
 */
int
conf_parse(FILE *fp, const char *file, struct conf *c)
{
	struct conf_parser p = { .conf = c, .file = file };
	struct conf_entry e;
	size_t nerr0 = errors_count(&c->err), nsvc0 = c->nsvc, cap = 0;
	char *buf = NULL, *s;
	const char *over = NULL;
	ssize_t n;
	off_t bytes = 0;
	int line = 0;
	bool indented, open = false;

	memset(&e, 0, sizeof(e));
	errors_begin_file(&c->err);
	while ((n = getline(&buf, &cap, fp)) != -1) {
		line++;
		/* The size again: a file can grow after its fstat. */
		bytes += n;
		if (bytes > CONF_BYTES_MAX)
			over = "larger than " CONF_STR(CONF_BYTES_MAX) " bytes";
		else if (line > CONF_LINES_MAX)
			over = "more than " CONF_STR(CONF_LINES_MAX) " lines";
		if (over != NULL)
			break;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			buf[--n] = '\0';
		if (strlen(buf) != (size_t)n) {
			conf_error(&p, line, "line", "contains a NUL byte");
			end_entry(&p, &e);
			open = false;
			continue;
		}
		indented = buf[0] == ' ' || buf[0] == '\t';
		for (s = buf; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '#' || *s == '\0') {
			if (!indented) {
				end_entry(&p, &e);
				open = false;
			}
			continue;
		}
		if (indented) {
			if (!open) {
				if (!p.xinetd)
					conf_error(&p, line, "line",
					    "continuation line without an "
					    "entry above it");
				continue;
			}
		} else {
			end_entry(&p, &e);
			open = true;
		}
		tokenize(&p, &e, s, line);
	}
	end_entry(&p, &e);
	if (over != NULL) {
		/* Refused as a whole: none of its services, one error. */
		while (c->nsvc > nsvc0)
			service_free(c->svc[--c->nsvc]);
		conf_forget_identities(c);
		errors_truncate(&c->err, nerr0);
		errors_add(&c->err, "%s: %s", file, over);
	} else if (ferror(fp))
		conf_error(&p, line, "line", "read error: %s", strerror(errno));
	free(buf);
	free(p.default_host);
	return errors_count(&c->err) == nerr0 ? 0 : -1;
}

int
conf_load(const char *path, struct conf *c)
{
	const char *why;
	FILE *fp;
	int rc;

	if ((fp = file_open_config(path, &why)) == NULL) {
		if (why != NULL)
			errors_add(&c->err, "%s: %s", path, why);
		else
			errors_add(&c->err, "%s: cannot open: %s", path,
			    strerror(errno));
		return -1;
	}
	lookup_cache_begin();
	rc = conf_parse(fp, path, c);
	lookup_cache_end();
	fclose(fp);
	return rc;
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nsvc; i++)
		service_free(c->svc[i]);
	free(c->svc);
	free(c->by_identity);
	errors_free(&c->err);
	memset(c, 0, sizeof(*c));
}

/* The identity index again from nothing, after svc[] lost entries. */
void
conf_forget_identities(struct conf *c)
{
	if (c->by_identity != NULL)
		memset(c->by_identity, 0,
		    c->by_identity_cap * sizeof(*c->by_identity));
	c->by_identity_n = 0;
}
