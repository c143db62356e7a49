/* SPDX-License-Identifier: ISC */
/*
 * The policies the master hands its workers: one per service, read once
 * and shared by every service that resolves to the same file. A reload
 * reads a new set beside the running one; a set goes when the last
 * service holding it does. And the empty directory the internal services
 * are chrooted in.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "policy.h"
#include "util.h"

struct cached {
	char		*key;
	struct policy	*policy;	/* NULL: it had errors */
};

struct policy_set {
	struct cached	*cache;
	size_t		 ncache;
	unsigned	 refs;
};

static char empty_dir[PATH_MAX];

/*
 * The chroot of the internal services: <pidfile's directory>/sinetd-empty,
 * root's, mode 0555, empty. An existing one is used only if it is exactly
 * that. On failure the path is empty, and an internal service never
 * starts without it (msvc_new()): an empty path is no chroot at all.
 */
int
policies_make_empty_dir(void)
{
	char pid[PATH_MAX];
	struct stat sb;
	int fd;

	str_copy(pid, opts.pidfile, sizeof(pid));
	snprintf(empty_dir, sizeof(empty_dir), "%s/sinetd-empty", dirname(pid));
	if (mkdir(empty_dir, 0555) == -1 && errno != EEXIST) {
		log_warn("cannot make the empty chroot path=%s", empty_dir);
		empty_dir[0] = '\0';
		return -1;
	}
	if ((fd = open(empty_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 || fstat(fd, &sb) == -1 || sb.st_uid != 0 ||
	    (sb.st_mode & 07777) != 0555 || sb.st_nlink != 2) {
		if (fd != -1 && fchmod(fd, 0555) == 0 && fstat(fd, &sb) == 0 &&
		    sb.st_uid == 0 && sb.st_nlink == 2) {
			close(fd);
			return 0;
		}
		log_warnx("the empty chroot is not empty, root's and mode "
		    "0555 path=%s", empty_dir);
		if (fd != -1)
			close(fd);
		empty_dir[0] = '\0';
		return -1;
	}
	close(fd);
	return 0;
}

const char *
policies_empty_dir(void)
{
	return empty_dir;
}

/*
 * The cache key: the file chosen (policy_choose, the one place that
 * chooses) and, for an external service, the programs its fs-exec is
 * made to cover, so two lines that share a file but not a server never
 * share a policy.
 */
static void
policy_key(const struct service *s, const struct policy_trace *t, char *key,
    size_t len)
{
	char served[PATH_MAX];

	if (s->builtin != BUILTIN_NONE) {
		snprintf(key, len, "internal:%s", t->chosen[0] ? t->chosen :
		    "-");
		return;
	}
	if (!program_served(s, served, sizeof(served)))
		served[0] = '\0';
	snprintf(key, len, "%s\n%s\n%s", t->chosen[0] ? t->chosen : "default",
	    s->program, served);
}

struct policy_set *
policies_new_set(void)
{
	struct policy_set *set = xcalloc(1, sizeof(*set));

	set->refs = 1;
	return set;
}

void
policies_hold(struct policy_set *set)
{
	set->refs++;
}

void
policies_release(struct policy_set *set)
{
	size_t i;

	if (set == NULL || --set->refs > 0)
		return;
	for (i = 0; i < set->ncache; i++) {
		free(set->cache[i].key);
		free(set->cache[i].policy);
	}
	free(set->cache);
	free(set);
}

/*
 * The service's policy, or NULL with its errors added (each once, however
 * many services share the file).
 */
/*
 * A trace is some 200 kB, and a reload of a thousand services asks for a
 * thousand: one, reset, where zeroing each was most of a reload's time.
 * Only what policy_choose and policy_load fill is read back.
 */
static struct policy_trace *
trace_fresh(void)
{
	static struct policy_trace *t;

	if (t == NULL)
		t = xcalloc(1, sizeof(*t));
	t->ntried = t->nfiles = t->nrefuse = t->nexec = 0;
	t->chosen[0] = t->action_at[0] = '\0';
	return t;
}

const struct policy *
policies_get(struct policy_set *set, const struct service *s,
    struct errors *err)
{
	struct policy_trace *t = trace_fresh();
	struct policy *p = NULL;
	struct errors mine = { 0 }, warn = { 0 };
	char key[3 * PATH_MAX + 16];
	size_t i;

	if (policy_choose(opts.policy_dir, s, t, &mine) == -1) {
		errors_append(err, &mine);
		errors_free(&mine);
		return NULL;
	}
	policy_key(s, t, key, sizeof(key));
	for (i = 0; i < set->ncache; i++)
		if (strcmp(set->cache[i].key, key) == 0)
			return set->cache[i].policy;
	p = xcalloc(1, sizeof(*p));
	if (policy_load(opts.policy_dir, s, t, p, &mine) == -1) {
		errors_append(err, &mine);
		free(p);
		p = NULL;
	} else if (s->builtin != BUILTIN_NONE && geteuid() == 0)
		str_copy(p->chroot, empty_dir, sizeof(p->chroot));
	else if (!opts.check_only) {
		/* sinetd -n makes these errors (check.c); here, a warning. */
		program_problems(s, p, t, &warn);
		for (i = 0; i < warn.n; i++)
			log_warnx("%s", warn.v[i]);
	}
	errors_free(&mine);
	errors_free(&warn);
	set->cache = xreallocarray(set->cache, set->ncache + 1,
	    sizeof(*set->cache));
	set->cache[set->ncache].key = xstrdup(key);
	set->cache[set->ncache].policy = p;
	set->ncache++;
	return p;
}
