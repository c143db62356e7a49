/* SPDX-License-Identifier: ISC */
/*
 * The service model: one listening socket's worth of an inetd.conf line,
 * after its address list and host names have been expanded.
 */
#ifndef SINETD_SERVICE_H
#define SINETD_SERVICE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdbool.h>

#include "addr.h"

#define SERVICE_ARGV_MAX 64
#define SERVICE_ARGS_MAX 4096	/* bytes of the arguments, NULs included */

enum builtin {
	BUILTIN_NONE = 0,
	BUILTIN_ECHO,
	BUILTIN_DISCARD,
	BUILTIN_CHARGEN,
	BUILTIN_DAYTIME,
	BUILTIN_TIME,
};

struct service {
	char		*file;		/* where the line was written */
	int		 line;

	/* Identity: what is bound. */
	char		*host;		/* as written: "*", "127.0.0.1", "localhost" */
	char		*name;		/* service field without address */
	char		*proto;		/* "tcp6", without ,sndbuf=… */
	int		 socktype;	/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	int		 family;	/* AF_INET, AF_INET6, AF_UNIX */
	int		 protocol;	/* IPPROTO_TCP, IPPROTO_UDP, 0 for unix */
	bool		 v6only;
	bool		 implied;	/* the IPv6 half of a plain tcp/udp "*" */
	union sockaddr_any addr;
	socklen_t	 addrlen;

	/* How the socket is set up. */
	int		 sndbuf, rcvbuf;	/* 0: kernel default */
	bool		 unix_owner;		/* FreeBSD :user:group:mode: given */
	uid_t		 sock_uid;
	gid_t		 sock_gid;
	mode_t		 sock_mode;

	/* What runs. */
	char		*policy_name;	/* official name, number, or basename */
	bool		 wait;
	unsigned	 max_spawn;	/* nowait.N; 0: the -R default */
	unsigned	 max_child;	/* FreeBSD limits; 0: unlimited */
	unsigned	 max_cpm;
	unsigned	 max_perip;
	char		*user;		/* as written */
	char		*group;		/* NULL: the user's primary group */
	uid_t		 uid;
	gid_t		 gid;
	enum builtin	 builtin;
	char		*program;	/* "internal" or an absolute path */
	int		 argc;
	char		*argv[SERVICE_ARGV_MAX + 1];

	char		*fields;	/* "service=echo proto=tcp addr=…" */
};

const char	*builtin_name(enum builtin);
enum builtin	 builtin_lookup(const char *);
bool		 service_same_identity(const struct service *,
		    const struct service *);
bool		 service_equal(const struct service *, const struct service *);
void		 service_set_fields(struct service *);
struct service	*service_dup(const struct service *);
void		 service_free(struct service *);

#endif
