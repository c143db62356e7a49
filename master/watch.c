/* SPDX-License-Identifier: ISC */
/*
 * Refresh on edit: inotify on the directories of every file the
 * configuration was read from (inetd.conf, the policies and what they
 * include, /etc/services) and of the files each pool's Landlock rules
 * hold (its program, the files its policy names). Once the writes have
 * settled, a change reloads by the same path as SIGHUP; a held file
 * replaced also gets its services new pools, whose rules then hold the
 * new inode. Directories, not files: an editor's
 * write-and-rename and update-inetd's move give the name a new inode,
 * which a watch on the old file would never see.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "policy.h"
#include "util.h"

/* What makes a name in a watched directory new, or its content. */
#define WATCH_MASK	(IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | \
			 IN_CREATE | IN_DELETE | IN_MOVED_FROM | \
			 IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
			 IN_ONLYDIR)
/* A held file is replaced only when its name gets another inode. */
#define HELD_MASK	(IN_CREATE | IN_MOVED_TO)
/* So a directory of held files only (/var/log, say) wakes us for those. */
#define HELD_DIR_MASK	(HELD_MASK | IN_DELETE_SELF | IN_MOVE_SELF | \
			 IN_ONLYDIR)
/* A file written without pause still reloads, this many delays late. */
#define SETTLE_MAX_DELAYS	10

enum watch_kind {
	WATCH_CONFIG,		/* a file the configuration was read from */
	WATCH_POLICY_DIR,	/* any NAME.policy in it */
	WATCH_HELD,		/* a file a pool's Landlock rules hold */
};

struct watch_name {
	char		*name;		/* in its directory; "" for a dir's */
	char		*path;		/* as the configuration names it */
	enum watch_kind	 kind;
};

struct watch_dir {
	int		  wd;		/* -1: not armed */
	uint32_t	  mask;		/* what its names need */
	uint32_t	  armed;	/* the mask wd has */
	char		 *path;
	struct watch_name *names;
	size_t		  nnames;
};

static int ifd = -1;
static struct watch_dir *dirs;
static size_t ndirs;
static bool failed_said;	/* the watch limit, said once */

/* Files opened before the watches could be armed (the first load). */
static char **noted;
static size_t nnoted;

/* A change seen, not yet reloaded. */
static uint64_t first_at, due;
static char trigger[PATH_MAX];
static char trigger_key[PATH_MAX + 16];
static char **others;		/* the other files that changed since, */
				/* by watch and name */
static size_t nothers;
static char **replaced;		/* held files with a new inode since */
static size_t nreplaced;

static struct watch_dir *
dir_get(const char *path)
{
	size_t i;

	for (i = 0; i < ndirs; i++)
		if (strcmp(dirs[i].path, path) == 0)
			return &dirs[i];
	dirs = xreallocarray(dirs, ndirs + 1, sizeof(*dirs));
	memset(&dirs[ndirs], 0, sizeof(dirs[ndirs]));
	dirs[ndirs].wd = -1;
	dirs[ndirs].path = xstrdup(path);
	return &dirs[ndirs++];
}

static void
dir_arm(struct watch_dir *d)
{
	if ((d->wd != -1 && d->armed == d->mask) || ifd == -1)
		return;
	/*
	 * Armed already, or the same directory by another name: the inode
	 * keeps one watch, whose mask only grows.
	 */
	if ((d->wd = inotify_add_watch(ifd, d->path, d->mask |
	    IN_MASK_ADD)) != -1) {
		d->armed = d->mask;
		return;
	}
	/* Not there yet: its parent is watched for it, where it is ours. */
	if (errno == ENOENT || errno == ENOTDIR)
		return;
	if (!failed_said)
		log_warn("refresh: cannot watch, edits there need a reload "
		    "path=%s", d->path);
	failed_said = true;
}

static void
dir_add_name(struct watch_dir *d, const char *name, const char *path,
    enum watch_kind kind)
{
	size_t i;

	for (i = 0; i < d->nnames; i++)
		if (d->names[i].kind == kind &&
		    strcmp(d->names[i].name, name) == 0 &&
		    strcmp(d->names[i].path, path) == 0)
			return;
	d->mask |= kind == WATCH_HELD ? HELD_DIR_MASK : WATCH_MASK;
	d->names = xreallocarray(d->names, d->nnames + 1, sizeof(*d->names));
	d->names[d->nnames].name = xstrdup(name);
	d->names[d->nnames].path = xstrdup(path);
	d->names[d->nnames++].kind = kind;
}

/* where's directory watched for its last component, known as path. */
static void
watch_name_in_parent(const char *where, const char *path,
    enum watch_kind kind)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(where, '/');

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == where)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - where),
		    where);
	if (slash != NULL && slash[1] == '\0')
		return;
	dir_add_name(dir_get(dir), slash ? slash + 1 : where, path, kind);
	dir_arm(dir_get(dir));
}

/*
 * Where a symbolic link points, an edit lands: watched there too, under
 * the name the configuration gives it.
 */
static void
watch_path(const char *path, enum watch_kind kind)
{
	char real[PATH_MAX];

	watch_name_in_parent(path, path, kind);
	if (realpath(path, real) != NULL && strcmp(real, path) != 0)
		watch_name_in_parent(real, path, kind);
}

/* file_open_config tells us each file it opens (util.c). */
static void
watch_note(const char *path)
{
	if (ifd != -1) {
		watch_path(path, WATCH_CONFIG);
		return;
	}
	noted = xreallocarray(noted, nnoted + 1, sizeof(*noted));
	noted[nnoted++] = xstrdup(path);
}

static void
others_clear(void)
{
	size_t i;

	for (i = 0; i < nothers; i++)
		free(others[i]);
	free(others);
	others = NULL;
	nothers = 0;
}

static void
others_add(const char *key)
{
	size_t i;

	if (strcmp(trigger_key, key) == 0)
		return;
	for (i = 0; i < nothers; i++)
		if (strcmp(others[i], key) == 0)
			return;
	others = xreallocarray(others, nothers + 1, sizeof(*others));
	others[nothers++] = xstrdup(key);
}

/*
 * A change of path, seen as ev (NULL: not a name's event). Files are
 * told apart by the watch and the name the kernel reports, not by the
 * path: one file may be known by two ("policy/x.policy" and its real
 * path), and counts once.
 */
static void
schedule(const char *path, const struct inotify_event *ev)
{
	uint64_t now = now_ms();
	char key[PATH_MAX + 16];

	if (ev != NULL && ev->len > 0)
		snprintf(key, sizeof(key), "%d/%s", ev->wd, ev->name);
	else
		snprintf(key, sizeof(key), "%s", path);
	if (due == 0) {
		first_at = now;
		snprintf(trigger, sizeof(trigger), "%s", path);
		snprintf(trigger_key, sizeof(trigger_key), "%s", key);
		others_clear();
	} else
		others_add(key);
	due = now + opts.refresh_delay_ms;
	if (due > first_at + SETTLE_MAX_DELAYS * opts.refresh_delay_ms)
		due = first_at + SETTLE_MAX_DELAYS * opts.refresh_delay_ms;
	if (due == 0)
		due = 1;
}

static void
note_replaced(const char *path)
{
	size_t i;

	for (i = 0; i < nreplaced; i++)
		if (strcmp(replaced[i], path) == 0)
			return;
	replaced = xreallocarray(replaced, nreplaced + 1, sizeof(*replaced));
	replaced[nreplaced++] = xstrdup(path);
}

static bool
is_policy_name(const char *name)
{
	size_t len = strlen(name);

	return len > 7 && strcmp(name + len - 7, ".policy") == 0;
}

static void
dir_event(struct watch_dir *d, const struct inotify_event *ev)
{
	size_t i;

	if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
		/* Gone or moved: the reload arms its path again, if there. */
		if (!(ev->mask & IN_IGNORED))
			inotify_rm_watch(ifd, d->wd);
		d->wd = -1;
		schedule(d->path, NULL);
		return;
	}
	if (ev->len == 0)
		return;
	for (i = 0; i < d->nnames; i++) {
		const struct watch_name *w = &d->names[i];

		switch (w->kind) {
		case WATCH_CONFIG:
			if (strcmp(w->name, ev->name) == 0)
				schedule(w->path, ev);
			break;
		case WATCH_POLICY_DIR:
			if (is_policy_name(ev->name)) {
				char path[PATH_MAX];

				snprintf(path, sizeof(path), "%s/%s", d->path,
				    ev->name);
				schedule(path, ev);
			}
			break;
		case WATCH_HELD:
			if (strcmp(w->name, ev->name) == 0 &&
			    (ev->mask & HELD_MASK)) {
				note_replaced(w->path);
				schedule(w->path, ev);
			}
			break;
		}
	}
}

static void
watch_event(struct mev *mev, uint32_t events)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;
	size_t i;

	(void)mev;
	(void)events;
	while ((n = read(ifd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events lost: whatever they were, reload. */
				log_warnx("refresh: the kernel's event queue "
				    "overflowed");
				schedule(opts.conf_path, NULL);
				continue;
			}
			/* Two names of one directory ("policy" and its */
			/* real path, /bin and /usr/bin) share one wd. */
			for (i = 0; i < ndirs; i++)
				if (dirs[i].wd == ev->wd)
					dir_event(&dirs[i], ev);
		}
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("refresh: cannot read the events");
}

static struct mev watch_mev = { .fn = watch_event };
static void watch_held(const struct msvc *);

/* Before the first load, so that its files are noted. */
void
watch_init(void)
{
	if (!opts.no_refresh)
		file_open_config_seen = watch_note;
}

/* Once the loop's epoll set exists; -W, or a failure, leaves it off. */
void
watch_open(void)
{
	if (opts.no_refresh)
		return;
	if ((ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("refresh: no inotify, edits need a reload");
		return;
	}
	if (master_epoll_add(ifd, &watch_mev) == -1) {
		log_warn("refresh: cannot poll inotify, edits need a reload");
		close(ifd);
		ifd = -1;
	}
}

/*
 * After each load, applied or refused: what it read, and the programs
 * of what runs now. Watches are only added (each is one name in a
 * directory, filtered here); one already armed stays as it is.
 */
void
watch_configuration(void)
{
	char path[PATH_MAX];
	struct msvc **list;
	size_t i, n;

	if (ifd == -1)
		return;
	for (i = 0; i < nnoted; i++) {
		watch_path(noted[i], WATCH_CONFIG);
		free(noted[i]);
	}
	free(noted);
	noted = NULL;
	nnoted = 0;
	watch_path(opts.conf_path, WATCH_CONFIG);
	watch_path("/etc/services", WATCH_CONFIG);
	/* The directory, for its files, and its parent, for itself. */
	watch_path(opts.policy_dir, WATCH_CONFIG);
	if (realpath(opts.policy_dir, path) == NULL)
		snprintf(path, sizeof(path), "%s", opts.policy_dir);
	dir_add_name(dir_get(path), "", path, WATCH_POLICY_DIR);
	dir_arm(dir_get(path));
	list = services_all(&n);
	for (i = 0; i < n; i++)
		watch_held(list[i]);
}

/*
 * A policy path that is a file, or not there yet (the rules left it
 * out): a rule on it holds its inode. A directory's rule holds the
 * directory, which an upgrade does not replace.
 */
static bool
is_held_file(const char *path)
{
	struct stat sb;

	if (path[0] != '/')
		return false;
	if (stat(path, &sb) == 0)
		return !S_ISDIR(sb.st_mode);
	return errno == ENOENT;
}

/*
 * What a pool's rules hold by inode: the program on its line (and, for
 * a tcpd line, the program tcpd runs, named by argv[0]) and every file
 * its policy names.
 */
static void
watch_held(const struct msvc *ms)
{
	const struct service *svc = ms->svc;
	uint32_t k;

	if (svc->builtin == BUILTIN_NONE && svc->program[0] == '/') {
		watch_path(svc->program, WATCH_HELD);
		if (svc->argc > 0 && svc->argv[0][0] == '/' &&
		    strcmp(svc->argv[0], svc->program) != 0)
			watch_path(svc->argv[0], WATCH_HELD);
	}
	if (ms->policy == NULL)
		return;
	for (k = 0; k < ms->policy->npaths && k < POLICY_PATHS_MAX; k++)
		if (is_held_file(ms->policy->paths[k].path))
			watch_path(ms->policy->paths[k].path, WATCH_HELD);
}

/*
 * A file this service's pool holds got a new inode since the last
 * reload; *program says whether it is the program it runs.
 */
const char *
watch_replaced(const struct msvc *ms, bool *program)
{
	const struct service *svc = ms->svc;
	size_t i;
	uint32_t k;

	for (i = 0; i < nreplaced; i++) {
		*program = svc->builtin == BUILTIN_NONE &&
		    (strcmp(replaced[i], svc->program) == 0 ||
		    (svc->argc > 0 && strcmp(replaced[i], svc->argv[0]) == 0));
		if (*program)
			return replaced[i];
		if (ms->policy == NULL)
			continue;
		for (k = 0; k < ms->policy->npaths && k < POLICY_PATHS_MAX;
		    k++)
			if (strcmp(replaced[i], ms->policy->paths[k].path) == 0)
				return replaced[i];
	}
	return NULL;
}

/* A reload applied: every service it kept holds its programs as they are. */
void
watch_replaced_clear(void)
{
	size_t i;

	for (i = 0; i < nreplaced; i++)
		free(replaced[i]);
	free(replaced);
	replaced = NULL;
	nreplaced = 0;
}

/*
 * A reload, by SIGHUP or by us, reads the files as they are now: what
 * the queue holds happened before, so it is read (a program replaced
 * counts for this reload) and needs no reload of its own.
 */
void
watch_reload_started(void)
{
	if (ifd != -1)
		watch_event(NULL, 0);
	due = 0;
	others_clear();
}

/* The reload, once settled; deferred while another is being applied. */
uint64_t
watch_tick(uint64_t now)
{
	char why[PATH_MAX + 64];

	if (due == 0)
		return UINT64_MAX;
	if (now < due)
		return due;
	if (!master_running() || reload_pending())
		return now + 100;
	if (nothers > 0)
		snprintf(why, sizeof(why), "by=refresh path=%s others=%zu",
		    trigger, nothers);
	else
		snprintf(why, sizeof(why), "by=refresh path=%s", trigger);
	due = 0;
	others_clear();
	reload_request(why);
	return UINT64_MAX;
}

void
watch_close(void)
{
	size_t i, k;

	if (ifd != -1)
		close(ifd);
	ifd = -1;
	for (i = 0; i < ndirs; i++) {
		for (k = 0; k < dirs[i].nnames; k++) {
			free(dirs[i].names[k].name);
			free(dirs[i].names[k].path);
		}
		free(dirs[i].names);
		free(dirs[i].path);
	}
	free(dirs);
	dirs = NULL;
	ndirs = 0;
	for (i = 0; i < nnoted; i++)
		free(noted[i]);
	free(noted);
	noted = NULL;
	nnoted = 0;
	watch_replaced_clear();
	others_clear();
	file_open_config_seen = NULL;
}
