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

#include "lookup.h"
#include "util.h"

/*
 * A user by name, or by number (which needs no passwd entry). The
 * primary group comes with an entry: *have_gid says whether it came.
 */
int
lookup_user(const char *name, uid_t *uid, gid_t *gid, bool *have_gid)
{
	struct passwd *pw;
	unsigned long v;

	*have_gid = false;
	if ((pw = getpwnam(name)) != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
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
	return getpwnam(name) != NULL;
}

/* A group by name, or by number. */
int
lookup_group(const char *name, gid_t *gid)
{
	struct group *gr;
	unsigned long v;

	if ((gr = getgrnam(name)) != NULL) {
		*gid = gr->gr_gid;
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
