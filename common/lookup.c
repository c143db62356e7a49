/* SPDX-License-Identifier: ISC */
/*
 * What the names on an inetd.conf line stand for in the system's
 * databases: users and groups by name or number, services by name. The
 * grammar (conf.c) decides what a field is; this finds what it names.
 */
#include <sys/types.h>
#include <netinet/in.h>

#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lookup.h"
#include "util.h"

/*
 * Every line of a load names a user, most of them the same few, and each
 * getpwnam reads /etc/passwd again (there is no nscd): between
 * lookup_cache_begin and lookup_cache_end, an answer by name is kept.
 * Nothing is kept from one load to the next, so an edit of passwd or
 * group counts at the next load, as before.
 */
#define LOOKUP_CACHED	32
struct cached {
	char	*name;		/* NULL: a free entry */
	bool	 group;		/* a group's name, not a user's */
	bool	 found;
	uid_t	 uid;
	gid_t	 gid;
};
static struct cached cache[LOOKUP_CACHED];
static unsigned next_entry;
static bool caching;

void
lookup_cache_begin(void)
{
	lookup_cache_end();
	caching = true;
}

void
lookup_cache_end(void)
{
	size_t i;

	for (i = 0; i < LOOKUP_CACHED; i++) {
		free(cache[i].name);
		cache[i].name = NULL;
	}
	next_entry = 0;
	caching = false;
}

/* The passwd or group entry of this name, as found now or this load. */
static struct cached
by_name(const char *name, bool group)
{
	struct cached c = { .group = group };
	struct passwd *pw;
	struct group *gr;
	size_t i;

	if (caching)
		for (i = 0; i < LOOKUP_CACHED; i++)
			if (cache[i].name != NULL && cache[i].group == group &&
			    strcmp(cache[i].name, name) == 0)
				return cache[i];
	if (group && (gr = getgrnam(name)) != NULL) {
		c.found = true;
		c.gid = gr->gr_gid;
	} else if (!group && (pw = getpwnam(name)) != NULL) {
		c.found = true;
		c.uid = pw->pw_uid;
		c.gid = pw->pw_gid;
	}
	if (caching) {
		struct cached *e = &cache[next_entry++ % LOOKUP_CACHED];

		free(e->name);
		*e = c;
		e->name = xstrdup(name);
	}
	return c;
}

/*
 * A user by name, or by number (which needs no passwd entry). The
 * primary group comes with an entry: *have_gid says whether it came.
 */
int
lookup_user(const char *name, uid_t *uid, gid_t *gid, bool *have_gid)
{
	struct cached c = by_name(name, false);
	struct passwd *pw;
	unsigned long v;

	*have_gid = false;
	if (c.found) {
		*uid = c.uid;
		*gid = c.gid;
		*have_gid = true;
		return 0;
	}
	if (parse_ulong(name, 0, UINT32_MAX - 1, &v) == -1)
		return -1;
	*uid = (uid_t)v;
	if ((pw = getpwuid(*uid)) != NULL) {
		*gid = pw->pw_gid;
		*have_gid = true;
	}
	return 0;
}

/* Whether a passwd entry has this name ("www.data" is a user, not a.b). */
bool
lookup_is_user(const char *name)
{
	return by_name(name, false).found;
}

/* A group by name, or by number. */
int
lookup_group(const char *name, gid_t *gid)
{
	struct cached c = by_name(name, true);
	unsigned long v;

	if (c.found) {
		*gid = c.gid;
		return 0;
	}
	if (parse_ulong(name, 0, UINT32_MAX - 1, &v) == -1)
		return -1;
	*gid = (gid_t)v;
	return 0;
}

/*
 * A service name of /etc/services for a transport ("tcp", "udp"): its
 * official name, valid until the next lookup, and its port (if port is
 * not NULL); NULL when the file does not name it.
 */
const char *
lookup_service(const char *name, const char *transport, int *port)
{
	struct servent *se;

	if ((se = getservbyname(name, transport)) == NULL)
		return NULL;
	if (port != NULL)
		*port = ntohs((uint16_t)se->s_port);
	return se->s_name;
}
