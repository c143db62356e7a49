/* SPDX-License-Identifier: ISC */
/*
 * -l: /etc/hosts.allow and /etc/hosts.deny, read by the master at start
 * and at each reload, compiled (common/hostsaccess.c) and sent to every
 * worker, which never reads them itself. They are read through
 * file_open_config, so the watch (watch.c) notices their edits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "hostsaccess.h"
#include "log.h"
#include "master.h"
#include "util.h"

static struct hosts_table *current, *pending;
static char allow_path[HOSTS_PATH_MAX], deny_path[HOSTS_PATH_MAX];

/* A reload runs in /, after daemonize(): the paths must not be relative. */
static const char *
absolute(const char *path, char *out, size_t len)
{
	char cwd[HOSTS_PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(out, len, "%s/%s", cwd, path) >= len)
		str_copy(out, path, len);
	return out;
}

/* Both files into t; errors and warnings into the lists. */
static int
load(struct hosts_table *t, struct errors *err, struct errors *warn)
{
	int rc;

	hosts_init(t, opts.hosts_allow, opts.hosts_deny);
	rc = hosts_parse_file(t, HOSTS_ALLOW, opts.hosts_allow, err, warn);
	if (hosts_parse_file(t, HOSTS_DENY, opts.hosts_deny, err, warn) == -1)
		rc = -1;
	if (rc == -1)
		t->loaded = 0;
	return rc;
}

static void
say(const struct errors *e, bool error)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		(error ? log_errx : log_warnx)("%s", e->v[i]);
	if (e->more > 0)
		(error ? log_errx : log_warnx)("... and %zu more", e->more);
}

/*
 * At start a file that does not load refuses every connection until a
 * reload loads it: access control that failed must not fail open.
 */
void
hosts_start(void)
{
	struct errors err = { 0 }, warn = { 0 };

	if (!opts.log_connections)
		return;
	opts.hosts_allow = absolute(opts.hosts_allow, allow_path,
	    sizeof(allow_path));
	opts.hosts_deny = absolute(opts.hosts_deny, deny_path,
	    sizeof(deny_path));
	current = xcalloc(1, sizeof(*current));
	if (load(current, &err, &warn) == -1) {
		say(&err, true);
		log_errx("hosts_access: %s and %s did not load: every "
		    "connection is refused until a reload loads them",
		    opts.hosts_allow, opts.hosts_deny);
	}
	say(&warn, false);
	log_info("hosts_access: rules=%u allow=%s deny=%s", current->nrules,
	    opts.hosts_allow, opts.hosts_deny);
	errors_free(&err);
	errors_free(&warn);
}

/* A reload reads them anew: with an error, the reload is refused. */
int
hosts_reload_load(void)
{
	struct errors err = { 0 }, warn = { 0 };
	int rc = 0;

	if (!opts.log_connections)
		return 0;
	if (pending == NULL)
		pending = xcalloc(1, sizeof(*pending));
	if (load(pending, &err, &warn) == -1) {
		say(&err, true);
		log_errx("reload refused: hosts_access files have errors");
		rc = -1;
	} else
		say(&warn, false);
	errors_free(&err);
	errors_free(&warn);
	return rc;
}

/* The reload is applied: every worker serving now decides by the new. */
void
hosts_reload_commit(void)
{
	struct hosts_table *t;
	struct pool **all;
	size_t i, n;
	unsigned j;

	if (!opts.log_connections || pending == NULL)
		return;
	t = current;
	current = pending;
	pending = t;
	all = pools_all(&n);
	for (i = 0; i < n; i++)
		for (j = 0; j < all[i]->nworkers; j++)
			if (!all[i]->retired && all[i]->workers[j].chan != -1)
				hosts_send(all[i]->workers[j].chan);
	log_info("hosts_access: rules=%u", current->nrules);
}

/* To a worker, after its service, policy and sockets (tell.c). */
void
hosts_send(int chan)
{
	if (!opts.log_connections || current == NULL)
		return;
	if (chan_send(chan, MSG_HOSTS, current, sizeof(*current),
	    MSG_DONTWAIT) == -1)
		log_warn("cannot send the hosts_access rules to a worker");
}

/* sinetd -n: the files' errors and warnings, and whether it loads. */
void
hosts_check_only(struct errors *err)
{
	struct errors warn = { 0 };
	struct hosts_table *t;
	size_t i;

	if (!opts.log_connections)
		return;
	t = xcalloc(1, sizeof(*t));
	(void)load(t, err, &warn);
	for (i = 0; i < warn.n; i++)
		fprintf(stderr, "%s\n", warn.v[i]);
	errors_free(&warn);
	free(t);
}

void
hosts_free(void)
{
	free(current);
	free(pending);
	current = pending = NULL;
}
