/* SPDX-License-Identifier: ISC */
/*
 * Table-driven tests of the hosts_access(5) compiler and matcher: errors
 * by file:line, verdicts, which rule decided, and that a name is asked
 * for only when a rule needs it; prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostsaccess.h"
#include "tap.h"

struct decide_case {
	const char	*allow, *deny;
	const char	*daemon, *addr, *name;	/* name NULL: not looked up */
	enum hosts_verdict want;
	int		 line;		/* of the deciding rule, 0: none */
};

static const struct decide_case decide[] = {
	/* An address pattern decides without a name. */
	{ "ALL: 10.1.2.3\n", "ALL: ALL\n", "echo", "10.1.2.3", NULL,
	    HOSTS_GRANT, 1 },
	{ "ALL: 10.1.\n", "ALL: ALL\n", "echo", "10.9.2.3", NULL,
	    HOSTS_REFUSE, 1 },
	{ "ALL: 10.0.0.0/255.0.0.0\n", "", "echo", "10.1.2.3", NULL,
	    HOSTS_GRANT, 1 },
	{ "ALL: [2001:db8::]/32\n", "ALL: ALL\n", "echo", "2001:db8::5",
	    NULL, HOSTS_GRANT, 1 },
	{ "ALL: [2001:db8::]/32\n", "ALL: ALL\n", "echo", "10.0.0.1", NULL,
	    HOSTS_REFUSE, 1 },
	/* A name pattern asks for the name, then decides by it. */
	{ "ALL: .example.com\n", "ALL: ALL\n", "echo", "10.0.0.1", NULL,
	    HOSTS_NEED_CLIENT_NAME, 1 },
	{ "ALL: .example.com\n", "ALL: ALL\n", "echo", "10.0.0.1",
	    "a.example.com", HOSTS_GRANT, 1 },
	{ "ALL: .example.com\n", "ALL: ALL\n", "echo", "10.0.0.1",
	    "example.com", HOSTS_REFUSE, 1 },
	{ "ALL: LOCAL\n", "ALL: ALL\n", "echo", "10.0.0.1", "gamma",
	    HOSTS_GRANT, 1 },
	{ "ALL: LOCAL\n", "ALL: ALL\n", "echo", "10.0.0.1", "unknown",
	    HOSTS_REFUSE, 1 },
	{ "ALL: KNOWN\n", "ALL: ALL\n", "echo", "10.0.0.1", "paranoid",
	    HOSTS_REFUSE, 1 },
	{ "", "ALL: PARANOID\n", "echo", "10.0.0.1", "paranoid",
	    HOSTS_REFUSE, 1 },
	{ "", "ALL: UNKNOWN\n", "echo", "10.0.0.1", "unknown",
	    HOSTS_REFUSE, 1 },
	/* The daemon list decides first: no name for another daemon. */
	{ "ftpd: .example.com\n", "", "echo", "10.0.0.1", NULL,
	    HOSTS_GRANT, 0 },
	{ "ALL EXCEPT echo: ALL\n", "ALL: ALL\n", "echo", "10.0.0.1", NULL,
	    HOSTS_REFUSE, 1 },
	/* Nested EXCEPT: a EXCEPT (b EXCEPT c). */
	{ "ALL: ALL EXCEPT 10. EXCEPT 10.0.0.1\n", "ALL: ALL\n", "echo",
	    "10.0.0.1", NULL, HOSTS_GRANT, 1 },
	{ "ALL: ALL EXCEPT 10. EXCEPT 10.0.0.1\n", "ALL: ALL\n", "echo",
	    "10.0.0.2", NULL, HOSTS_REFUSE, 1 },
	/* Options: deny in allow, allow in deny, the last field. */
	{ "ALL: ALL: deny\n", "", "echo", "10.0.0.1", NULL, HOSTS_REFUSE,
	    1 },
	{ "", "ALL: ALL: allow\n", "echo", "10.0.0.1", NULL, HOSTS_GRANT,
	    1 },
	{ "ALL: ALL: allow : severity info\n", "", "echo", "10.0.0.1", NULL,
	    HOSTS_REFUSE, 1 },
	{ "ALL: ALL: spawn /bin/true\n", "", "echo", "10.0.0.1", NULL,
	    HOSTS_REFUSE, 1 },
	/* What cannot be matched refuses, even under EXCEPT. */
	{ "", "ALL: ALL EXCEPT @trusted\n", "echo", "10.0.0.1", NULL,
	    HOSTS_REFUSE, 1 },
	{ "ALL: @trusted\n", "", "echo", "10.0.0.1", NULL, HOSTS_REFUSE, 1 },
	/* The line of a continued rule is its last, as libwrap counts. */
	{ "# c\nALL: 10.0.0.9 \\\n 10.0.0.1 : deny\n", "", "echo", "10.0.0.1",
	    NULL, HOSTS_REFUSE, 3 },
	/* Case does not matter, but for the daemon's own name either. */
	{ "", "ECHO: .EXAMPLE.COM\n", "echo", "10.0.0.1", "a.example.com",
	    HOSTS_REFUSE, 1 },
	{ "ALL: a?.example.*\n", "ALL: ALL\n", "echo", "10.0.0.1",
	    "ab.example.org", HOSTS_GRANT, 1 },
};

struct error_case {
	const char	*text;
	const char	*want;		/* in the error line */
};

static const struct error_case errs[] = {
	{ "ALL ALL\n", "allow:1: daemon_list: missing \":\" separator" },
	{ "\n\nALL: 10.0.0.0/33\n", "allow:3: client_list: bad net/mask" },
	{ "ALL: 10.0.0.0/255.255.255.255\n", "not a valid mask" },
	{ "ALL: 10.0.0/8\n", "not an IPv4 address" },
	{ "ALL: [::1]/200\n", "prefix length" },
	{ "ALL: [::1/64\n", "unbalanced" },
	{ "ALL: ALL", "allow:1: rules: missing newline" },
	{ ": ALL\n", "allow:1: daemon_list: empty" },
	{ "ALL:\n", "allow:1: client_list: empty" },
	{ "ALL: ALL@\n", "an empty host" },
};

static void
load(struct hosts_table *t, const char *allow, const char *deny,
    struct errors *err, struct errors *warn)
{
	hosts_init(t, "allow", "deny");
	(void)hosts_parse_text(t, HOSTS_ALLOW, "allow", allow, strlen(allow),
	    err, warn);
	(void)hosts_parse_text(t, HOSTS_DENY, "deny", deny, strlen(deny), err,
	    warn);
}

int
main(void)
{
	static struct hosts_table t, bad;
	struct errors err = { 0 }, warn = { 0 };
	struct hosts_result r;
	size_t i;

	for (i = 0; i < sizeof(decide) / sizeof(decide[0]); i++) {
		const struct decide_case *c = &decide[i];
		struct hosts_query q = { c->daemon, c->addr, c->name, "",
		    "unknown" };

		load(&t, c->allow, c->deny, &err, &warn);
		ok(err.n == 0 && hosts_check(&t) == NULL, "case %zu loads", i);
		hosts_decide(&t, &q, &r);
		ok(r.verdict == c->want, "case %zu: verdict %d (want %d)", i,
		    r.verdict, c->want);
		ok(c->line == 0 ? r.rule == -1 :
		    r.rule >= 0 && t.rules[r.rule].line == (unsigned)c->line,
		    "case %zu: rule at line %d", i, c->line);
		errors_free(&err);
		errors_free(&warn);
	}
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct hosts_query q = { "echo", "10.0.0.1", "x", "", "x" };

		load(&t, errs[i].text, "", &err, &warn);
		ok(err.n > 0 && strstr(err.v[0], errs[i].want) != NULL,
		    "error %zu: %s", i, err.n ? err.v[0] : "(none)");
		hosts_decide(&t, &q, &r);
		ok(r.verdict == HOSTS_REFUSE && r.rule == -1,
		    "error %zu: a table that did not load refuses", i);
		errors_free(&err);
		errors_free(&warn);
	}
	/* Unsupported options are said, with their line. */
	load(&t, "\nALL: ALL : twist /bin/echo\n", "", &err, &warn);
	ok(err.n == 0 && warn.n == 1 && strstr(warn.v[0], "allow:2: options:"
	    " option \"twist\" is not supported") != NULL, "twist is said: %s",
	    warn.n ? warn.v[0] : "(none)");
	errors_free(&err);
	errors_free(&warn);

	/* What a worker receives is checked before it is used. */
	load(&t, "ALL: .example.com EXCEPT 10.0.0.0/8\n", "ALL: ALL\n", &err,
	    &warn);
	ok(hosts_check(&t) == NULL, "a compiled table passes the check");
	bad = t;
	bad.pats[0].off = HOSTS_TEXT_MAX - 1;
	ok(hosts_check(&bad) != NULL, "a pattern outside the text is refused");
	bad = t;
	bad.rules[0].cfirst = HOSTS_PATS_MAX;
	ok(hosts_check(&bad) != NULL, "a rule outside the patterns is refused");
	bad = t;
	bad.npats = HOSTS_PATS_MAX + 1;
	ok(hosts_check(&bad) != NULL, "a count out of range is refused");
	bad = t;
	bad.text[bad.pats[0].off + bad.pats[0].len] = 'x';
	ok(hosts_check(&bad) != NULL, "an unterminated pattern is refused");
	bad = t;
	bad.pats[0].hcls = HOSTS_CLS_HOST_LOCAL + 1;
	ok(hosts_check(&bad) != NULL, "a class out of range is refused");
	bad = t;
	bad.pats[0].hcls = HOSTS_CLS_V6;
	bad.pats[0].len = 2;
	bad.text[bad.pats[0].off + 2] = '\0';
	ok(hosts_check(&bad) != NULL, "a [v6] class on two bytes is refused");
	bad = t;
	memset(bad.path[0], 'x', sizeof(bad.path[0]));
	ok(hosts_check(&bad) != NULL, "an unterminated path is refused");
	errors_free(&err);
	errors_free(&warn);
	printf("1..%d\n", test_num);
	return failures == 0 ? 0 : 1;
}
