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

/* Which file (or built-in) a service's policy comes from: the cache key. */
static void
policy_key(const struct service *s, char *key, size_t len)
{
	char path[PATH_MAX];
	const char *dir = opts.policy_dir;

	if (s->builtin != BUILTIN_NONE) {
		snprintf(path, sizeof(path), "%s/%s.policy", dir,
		    s->policy_name);
		if (access(path, F_OK) == -1)
			snprintf(path, sizeof(path), "%s/%s.policy", dir,
			    builtin_name(s->builtin));
		snprintf(key, len, "internal:%s", access(path, F_OK) == 0 ?
		    path : "-");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s.policy", dir, s->policy_name);
	if (access(path, F_OK) == 0) {
		snprintf(key, len, "%s", path);
		return;
	}
	snprintf(key, len, "default");
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
const struct policy *
policies_get(struct policy_set *set, const struct service *s,
    struct errors *err)
{
	struct policy *p;
	struct errors mine = { 0 };
	char key[PATH_MAX + 16];
	size_t i;

	policy_key(s, key, sizeof(key));
	for (i = 0; i < set->ncache; i++)
		if (strcmp(set->cache[i].key, key) == 0)
			return set->cache[i].policy;
	p = xcalloc(1, sizeof(*p));
	if (policy_for_service(opts.policy_dir, s, p, &mine) == -1) {
		errors_append(err, &mine);
		free(p);
		p = NULL;
	} else if (s->builtin != BUILTIN_NONE && geteuid() == 0)
		str_copy(p->chroot, empty_dir, sizeof(p->chroot));
	errors_free(&mine);
	set->cache = xreallocarray(set->cache, set->ncache + 1,
	    sizeof(*set->cache));
	set->cache[set->ncache].key = xstrdup(key);
	set->cache[set->ncache].policy = p;
	set->ncache++;
	return p;
}
