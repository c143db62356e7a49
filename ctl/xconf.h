/* SPDX-License-Identifier: ISC */
/*
 * An xinetd configuration as xinetd.conf(5) writes it, read into services
 * and the defaults section (xconf.c), for import-xinetd (xinetd.c) to map;
 * and the notes both make on what is not carried over.
 */
#ifndef SINETCTL_XCONF_H
#define SINETCTL_XCONF_H

#include <stdbool.h>
#include <stddef.h>

#define XCONF_VALUES_MAX	256

enum attr {
	A_ID, A_TYPE, A_FLAGS, A_DISABLE, A_SOCKET_TYPE, A_PROTOCOL, A_WAIT,
	A_USER, A_GROUP, A_INSTANCES, A_NICE, A_SERVER, A_SERVER_ARGS,
	A_LIBWRAP, A_ONLY_FROM, A_NO_ACCESS, A_ACCESS_TIMES, A_LOG_TYPE,
	A_LOG_ON_SUCCESS, A_LOG_ON_FAILURE, A_RPC_VERSION, A_RPC_NUMBER,
	A_ENV, A_PASSENV, A_PORT, A_REDIRECT, A_BIND, A_INTERFACE, A_BANNER,
	A_BANNER_SUCCESS, A_BANNER_FAIL, A_PER_SOURCE, A_CPS, A_MAX_LOAD,
	A_GROUPS, A_MDNS, A_UMASK, A_ENABLED, A_DISABLED, A_RLIMIT_AS,
	A_RLIMIT_FILES, A_RLIMIT_CPU, A_RLIMIT_DATA, A_RLIMIT_RSS,
	A_RLIMIT_STACK, A_DENY_TIME,
	NATTRS
};

struct xconf_attr {
	const char	*name;
	bool		 set;		/* takes += and -= */
	bool		 in_defaults;
	bool		 in_service;
	const char	*lost;		/* why it is not carried over */
};
extern const struct xconf_attr xconf_attrs[NATTRS];

/* One attribute as the files set it. */
struct xval {
	char		*v[XCONF_VALUES_MAX];
	size_t		 n;
	const char	*file;
	int		 line;
	bool		 given;
	bool		 inherited;	/* from defaults: said there */
};

struct xsvc {
	char		*name;
	const char	*file;
	int		 line;
	struct xval	 a[NATTRS];
};

extern struct xsvc	**xconf_svcs;
extern size_t		  xconf_nsvcs;
extern struct xsvc	  xconf_defaults;
extern bool		  xconf_have_defaults;

int		 xconf_read(const char *);
void		 xconf_inherit(struct xsvc *);
const char	*xconf_first(const struct xsvc *, enum attr);
bool		 xconf_has(const struct xval *, const char *);
void		 xconf_lost(const char *, int, const char *, const char *,
		    ...) __attribute__((format(printf, 4, 5)));
void		 xconf_approx(const char *, int, const char *, const char *,
		    ...) __attribute__((format(printf, 4, 5)));
void		 xconf_flush(void);

#endif
