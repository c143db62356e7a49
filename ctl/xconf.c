/* SPDX-License-Identifier: ISC */
/*
 * Reads an xinetd configuration: service and defaults sections, their
 * attributes with =, += and -=, include and includedir, into the model
 * of xconf.h; a syntax error is "file:line: why" and counted. Also keeps
 * the notes on what is not carried over, said in the order of the lines
 * they are about.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "xconf.h"

#define INCLUDE_DEPTH	8

/*
 * Every attribute xinetd.conf(5) lists. A set takes += and -=; a default
 * may stand in the defaults section (where a set accumulates, as xinetd
 * does); lost is why it has no equivalent, NULL where it is carried over.
 */
const struct xconf_attr xconf_attrs[NATTRS] = {
	[A_ID] = { "id", false, false, true, NULL },
	[A_TYPE] = { "type", true, false, true, NULL },
	[A_FLAGS] = { "flags", true, false, true, NULL },
	[A_DISABLE] = { "disable", false, false, true, NULL },
	[A_SOCKET_TYPE] = { "socket_type", false, false, true, NULL },
	[A_PROTOCOL] = { "protocol", false, false, true, NULL },
	[A_WAIT] = { "wait", false, false, true, NULL },
	[A_USER] = { "user", false, false, true, NULL },
	[A_GROUP] = { "group", false, false, true, NULL },
	[A_INSTANCES] = { "instances", false, true, true, NULL },
	[A_NICE] = { "nice", false, false, true, NULL },
	[A_SERVER] = { "server", false, false, true, NULL },
	[A_SERVER_ARGS] = { "server_args", true, false, true, NULL },
	[A_LIBWRAP] = { "libwrap", false, false, true, "sinetd does not "
	    "call libwrap: a policy's only-from and no-access are its access "
	    "control" },
	[A_ONLY_FROM] = { "only_from", true, true, true, NULL },
	[A_NO_ACCESS] = { "no_access", true, true, true, NULL },
	[A_ACCESS_TIMES] = { "access_times", true, false, true, "sinetd has "
	    "no time-of-day access control (a timer that runs sinetctl "
	    "disable and enable does the same)" },
	[A_LOG_TYPE] = { "log_type", true, true, true, "sinetd logs every "
	    "service to syslog (stderr under -d), none to a file of its own" },
	[A_LOG_ON_SUCCESS] = { "log_on_success", true, true, true, "sinetd "
	    "logs each server's start and end with its pid, peer, status and "
	    "duration, whatever the service; there is no USERID (ident) "
	    "lookup" },
	[A_LOG_ON_FAILURE] = { "log_on_failure", true, true, true, "sinetd "
	    "logs each refusal with its peer and reason, whatever the "
	    "service; there is no USERID (ident) lookup" },
	[A_RPC_VERSION] = { "rpc_version", false, false, true, "sinetd "
	    "refuses RPC services" },
	[A_RPC_NUMBER] = { "rpc_number", false, false, true, "sinetd "
	    "refuses RPC services" },
	[A_ENV] = { "env", true, false, true, "sinetd sets no environment "
	    "of a service's own: a server gets the UCSPI variables (and, "
	    "under -E, sinetd's environment)" },
	[A_PASSENV] = { "passenv", true, true, true, "sinetd chooses no "
	    "variables per service: -E passes its whole environment to every "
	    "server" },
	[A_PORT] = { "port", false, false, true, NULL },
	[A_REDIRECT] = { "redirect", true, false, true, "sinetd does not "
	    "forward connections to another host" },
	[A_BIND] = { "bind", false, true, true, NULL },
	[A_INTERFACE] = { "interface", false, true, true, NULL },
	[A_BANNER] = { "banner", false, true, true, "sinetd writes nothing "
	    "to a client before its server does" },
	[A_BANNER_SUCCESS] = { "banner_success", false, true, true, "sinetd "
	    "writes nothing to a client before its server does" },
	[A_BANNER_FAIL] = { "banner_fail", false, true, true, "sinetd closes "
	    "a refused connection without a word" },
	[A_PER_SOURCE] = { "per_source", false, true, true, NULL },
	[A_CPS] = { "cps", true, true, true, NULL },
	[A_MAX_LOAD] = { "max_load", false, true, true, "sinetd has no "
	    "load-average limit" },
	[A_GROUPS] = { "groups", false, true, true, NULL },
	[A_MDNS] = { "mdns", false, false, true, "sinetd registers nothing "
	    "with mDNS (xinetd does only on Mac OS X)" },
	[A_UMASK] = { "umask", false, true, true, NULL },
	[A_ENABLED] = { "enabled", true, true, false, NULL },
	[A_DISABLED] = { "disabled", true, true, false, NULL },
	[A_RLIMIT_AS] = { "rlimit_as", false, false, true, NULL },
	[A_RLIMIT_FILES] = { "rlimit_files", false, false, true, NULL },
	[A_RLIMIT_CPU] = { "rlimit_cpu", false, false, true, NULL },
	[A_RLIMIT_DATA] = { "rlimit_data", false, false, true, NULL },
	[A_RLIMIT_RSS] = { "rlimit_rss", false, false, true, NULL },
	[A_RLIMIT_STACK] = { "rlimit_stack", false, false, true, NULL },
	[A_DENY_TIME] = { "deny_time", false, false, true, "sinetd has no "
	    "SENSOR services, so no list of sources to deny" },
};

struct xsvc	**xconf_svcs;
size_t		  xconf_nsvcs;
struct xsvc	  xconf_defaults;
bool		  xconf_have_defaults;
static int	  xconf_nerrors;

static void __attribute__((format(printf, 3, 4)))
syntax(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	xconf_nerrors++;
}

/*
 * What the import could not keep, or kept only in part: a line each on
 * standard error, held until the service is done so that they come in
 * the order of the lines they are about.
 */
struct note {
	const char	*file;
	size_t		 fileno;	/* in the order files were read */
	int		 line;
	size_t		 seq;
	char		*text;
};
static struct note	*notes;
static size_t		 nnotes;
static const char	**files;
static size_t		 nfiles;

static size_t
file_index(const char *file)
{
	size_t i;

	for (i = 0; i < nfiles; i++)
		if (files[i] == file)
			return i;
	return nfiles;
}

static void
note_v(const char *file, int line, const char *what, const char *kind,
    const char *fmt, va_list ap)
{
	char *body, *text;

	if (vasprintf(&body, fmt, ap) == -1) {
		perror("sinetctl");
		exit(1);
	}
	xasprintf(&text, "%s:%d: %s: %s: %s", file, line, what, kind, body);
	free(body);
	notes = xreallocarray(notes, nnotes + 1, sizeof(*notes));
	notes[nnotes].file = file;
	notes[nnotes].fileno = file_index(file);
	notes[nnotes].line = line;
	notes[nnotes].seq = nnotes;
	notes[nnotes++].text = text;
}

void __attribute__((format(printf, 4, 5)))
xconf_lost(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_v(file, line, what, "not carried over", fmt, ap);
	va_end(ap);
}

void __attribute__((format(printf, 4, 5)))
xconf_approx(const char *file, int line, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_v(file, line, what, "carried over approximately", fmt, ap);
	va_end(ap);
}

static int
note_cmp(const void *a, const void *b)
{
	const struct note *x = a, *y = b;

	if (x->fileno != y->fileno)
		return x->fileno < y->fileno ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
xconf_flush(void)
{
	size_t i;

	if (nnotes > 0)		/* qsort(NULL, 0, ...) is undefined */
		qsort(notes, nnotes, sizeof(*notes), note_cmp);
	for (i = 0; i < nnotes; i++) {
		fprintf(stderr, "%s\n", notes[i].text);
		free(notes[i].text);
	}
	nnotes = 0;
}

static int
attr_find(const char *name)
{
	int i;

	for (i = 0; i < NATTRS; i++)
		if (strcmp(xconf_attrs[i].name, name) == 0)
			return i;
	return -1;
}

bool
xconf_has(const struct xval *x, const char *word)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (strcasecmp(x->v[i], word) == 0)
			return true;
	return false;
}

const char *
xconf_first(const struct xsvc *s, enum attr a)
{
	return s->a[a].given && s->a[a].n > 0 ? s->a[a].v[0] : NULL;
}

static void
xval_clear(struct xval *x)
{
	while (x->n > 0)
		free(x->v[--x->n]);
}

/* "name op values..." inside a block; op is =, += or -=. */
static void
assign(struct xsvc *s, bool is_defaults, const char *file, int line,
    char *text)
{
	char *eq = strchr(text, '='), *name = text, *end, *w, *save = NULL;
	const struct xconf_attr *d;
	struct xval *x;
	char op = '=';
	int a;
	size_t i;

	if (eq == NULL) {
		syntax(file, line, "expected \"attribute = value\"");
		return;
	}
	*eq = '\0';
	for (end = eq; end > name && (end[-1] == ' ' || end[-1] == '\t');)
		*--end = '\0';
	if (end > name && (end[-1] == '+' || end[-1] == '-')) {
		op = end[-1];
		*--end = '\0';
		while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
	}
	if (*name == '\0' || strpbrk(name, " \t") != NULL) {
		syntax(file, line, "expected \"attribute = value\"");
		return;
	}
	if ((a = attr_find(name)) == -1) {
		xconf_lost(file, line, name, "not an attribute xinetd.conf(5) "
		    "lists");
		return;
	}
	d = &xconf_attrs[a];
	if ((is_defaults && !d->in_defaults) || (!is_defaults &&
	    !d->in_service)) {
		syntax(file, line, "%s: not allowed in %s", name, is_defaults ?
		    "defaults" : "a service");
		return;
	}
	if (op != '=' && !d->set) {
		syntax(file, line, "%s: takes = only", name);
		return;
	}
	x = &s->a[a];
	/* In defaults a set accumulates; in a service, = starts it again. */
	if (op == '=' && !(is_defaults && d->set))
		xval_clear(x);
	if (!x->given) {
		x->file = file;
		x->line = line;
	}
	x->given = true;
	for (w = strtok_r(eq + 1, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (op == '-') {
			for (i = 0; i < x->n; i++)
				if (strcmp(x->v[i], w) == 0) {
					free(x->v[i]);
					x->v[i] = x->v[--x->n];
					break;
				}
			continue;
		}
		if (x->n == XCONF_VALUES_MAX) {
			syntax(file, line, "%s: more than %d values", name,
			    XCONF_VALUES_MAX);
			return;
		}
		x->v[x->n++] = xstrdup(w);
	}
}

static int read_path(const char *, int);

/* includedir: every file without a dot or a trailing ~, in C order. */
static int
read_dir(const char *dir, int depth)
{
	struct dirent **list;
	char *path;
	int n, i, rc = 0;

	if ((n = scandir(dir, &list, NULL, alphasort)) == -1) {
		fprintf(stderr, "sinetctl: %s: %s\n", dir, strerror(errno));
		xconf_nerrors++;
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		size_t len = strlen(name);
		struct stat sb;

		if (strchr(name, '.') == NULL && len > 0 &&
		    name[len - 1] != '~') {
			/* Kept: its services name it for their file:line. */
			xasprintf(&path, "%s/%s", dir, name);
			if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
			    read_path(path, depth) == -1)
				rc = -1;
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

/* A path named in a file: relative to that file's directory. */
static char *
relative_to(const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');
	char *p;

	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	xasprintf(&p, "%.*s/%s", (int)(slash - file), file, path);
	return p;
}

/* path is ours to keep: services point at it for their file:line. */
static int
read_path(const char *path, int depth)
{
	enum { TOP, HEAD, BODY } state = TOP;
	struct xsvc *cur = NULL;
	const char *why;
	char *buf = NULL, *s, *w[3], *save, *sub;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;
	int line = 0, nw, head_line = 0, rc = 0;

	if (depth > INCLUDE_DEPTH) {
		fprintf(stderr, "sinetctl: %s: includes nested more than %d "
		    "deep\n", path, INCLUDE_DEPTH);
		xconf_nerrors++;
		return -1;
	}
	if ((fp = file_open_config(path, &why)) == NULL) {
		fprintf(stderr, "sinetctl: %s: %s\n", path, why ? why :
		    strerror(errno));
		xconf_nerrors++;
		return -1;
	}
	files = xreallocarray(files, nfiles + 1, sizeof(*files));
	files[nfiles++] = path;
	while ((len = getline(&buf, &cap, fp)) != -1) {
		line++;
		while (len > 0 && (buf[len - 1] == '\n' ||
		    buf[len - 1] == '\r'))
			buf[--len] = '\0';
		for (s = buf; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '#' || *s == '\0')
			continue;
		if (state == BODY) {
			if (strcmp(s, "}") == 0 || strncmp(s, "} ", 2) == 0 ||
			    strncmp(s, "}\t", 2) == 0) {
				state = TOP;
				cur = NULL;
			} else
				assign(cur, cur == &xconf_defaults, path, line,
				    s);
			continue;
		}
		save = NULL;
		for (nw = 0, sub = strtok_r(s, " \t", &save); sub != NULL &&
		    nw < 3; sub = strtok_r(NULL, " \t", &save))
			w[nw++] = sub;
		if (state == HEAD) {
			if (nw == 1 && strcmp(w[0], "{") == 0) {
				state = BODY;
				continue;
			}
			syntax(path, line, "expected \"{\" after line %d",
			    head_line);
			state = TOP;
			cur = NULL;
		}
		if (nw >= 2 && strcmp(w[0], "service") == 0 &&
		    (nw == 2 || strcmp(w[2], "{") == 0)) {
			cur = xcalloc(1, sizeof(*cur));
			cur->name = xstrdup(w[1]);
			cur->file = path;
			cur->line = line;
			xconf_svcs = xreallocarray(xconf_svcs, xconf_nsvcs + 1,
			    sizeof(*xconf_svcs));
			xconf_svcs[xconf_nsvcs++] = cur;
			state = nw == 3 ? BODY : HEAD;
			head_line = line;
		} else if (nw >= 1 && strcmp(w[0], "defaults") == 0 &&
		    (nw == 1 || strcmp(w[1], "{") == 0)) {
			if (xconf_have_defaults)
				syntax(path, line, "a second defaults "
				    "section (xinetd takes one); read as one");
			xconf_have_defaults = true;
			cur = &xconf_defaults;
			state = nw == 2 ? BODY : HEAD;
			head_line = line;
		} else if (nw == 2 && strcmp(w[0], "include") == 0) {
			sub = relative_to(path, w[1]);
			if (read_path(sub, depth + 1) == -1)
				rc = -1;
		} else if (nw == 2 && strcmp(w[0], "includedir") == 0) {
			sub = relative_to(path, w[1]);
			if (read_dir(sub, depth + 1) == -1)
				rc = -1;
			free(sub);
		} else
			syntax(path, line, "expected service NAME, defaults, "
			    "include FILE or includedir DIR");
	}
	if (state != TOP)
		syntax(path, line, "end of file inside the section of line "
		    "%d", head_line);
	free(buf);
	fclose(fp);
	return rc;
}

/*
 * Defaults stand in for what a service does not set (a set given in the
 * service replaces the default's, as xinetd does).
 */
void
xconf_inherit(struct xsvc *s)
{
	size_t a, i;

	if (!xconf_have_defaults)
		return;
	for (a = 0; a < NATTRS; a++) {
		struct xval *d = &xconf_defaults.a[a], *x = &s->a[a];

		if (!d->given || x->given || !xconf_attrs[a].in_service)
			continue;
		for (i = 0; i < d->n; i++)
			x->v[i] = xstrdup(d->v[i]);
		x->n = d->n;
		x->file = d->file;
		x->line = d->line;
		x->given = true;
		x->inherited = true;
	}
}

/* A file, or a directory read as includedir reads one; the errors. */
int
xconf_read(const char *from)
{
	struct stat sb;

	if (stat(from, &sb) == 0 && S_ISDIR(sb.st_mode))
		read_dir(from, 0);
	else
		read_path(xstrdup(from), 0);
	return xconf_nerrors;
}
