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

/*
 * Every field of a service, once: struct service is made of this list and
 * of nothing else, so no field can be added without saying what a reload
 * makes of a change to it. service_equal and service_same_identity read
 * the list, service_dup and service_free too; t/unit/test_service.c
 * changes each field in turn. F(type, name, array, how it compares, what
 * a change means):
 *   compares	VALUE, its bytes (a number, a flag); STRING, NULL or text;
 *		ADDRESS, family and address and port, or the unix path;
 *		ARGV, the first argc strings
 *   a change	IDENTITY: another thing bound (two lines the same in
 *		these are one service); RUNS: the socket or what runs
 *		differs, new workers; RUNS_EXTERNAL: the same for an
 *		external service only (an internal one runs as the internal
 *		uid whatever its line says); WRITTEN: only where or how the
 *		line was written; DERIVED: follows other fields
 */
#define SERVICE_FIELDS(F)						\
	/* Where the line was written. */				\
	F(char *, file, , STRING, WRITTEN)				\
	F(int, line, , VALUE, WRITTEN)					\
									\
	/* What is bound, as written and as meant: the host ("*", */	\
	/* "127.0.0.1", "localhost"), the service field without */	\
	/* its address; the protocol, "tcp6", without ,sndbuf=… */	\
	F(char *, host, , STRING, WRITTEN)				\
	F(char *, name, , STRING, RUNS)					\
	F(char *, proto, , STRING, RUNS)				\
	/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */			\
	F(int, socktype, , VALUE, RUNS)					\
	/* AF_INET, AF_INET6, AF_UNIX; IPPROTO_TCP, IPPROTO_UDP, 0 */	\
	F(int, family, , VALUE, IDENTITY)				\
	F(int, protocol, , VALUE, IDENTITY)				\
	F(bool, v6only, , VALUE, RUNS)					\
	/* the IPv6 half of a plain tcp/udp "*" */			\
	F(bool, implied, , VALUE, WRITTEN)				\
	F(union sockaddr_any, addr, , ADDRESS, IDENTITY)		\
	F(socklen_t, addrlen, , VALUE, DERIVED)				\
									\
	/* How the socket is set up: buffers (0: the kernel's */	\
	/* default), a unix socket's owner and mode (FreeBSD's */	\
	/* :user:group:mode:). */					\
	F(int, sndbuf, , VALUE, RUNS)					\
	F(int, rcvbuf, , VALUE, RUNS)					\
	F(bool, unix_owner, , VALUE, RUNS)				\
	F(uid_t, sock_uid, , VALUE, RUNS)				\
	F(gid_t, sock_gid, , VALUE, RUNS)				\
	F(mode_t, sock_mode, , VALUE, RUNS)				\
									\
	/* What runs: the policy's name (official name, number */	\
	/* or basename); nowait.N (0: the -R default) and the */	\
	/* FreeBSD limits (0: none); the user as written, its */	\
	/* group (NULL: the user's primary one); the program, */	\
	/* "internal" or an absolute path. */				\
	F(char *, policy_name, , STRING, RUNS)				\
	F(bool, wait, , VALUE, RUNS)					\
	F(unsigned, max_spawn, , VALUE, RUNS)				\
	F(unsigned, max_child, , VALUE, RUNS)				\
	F(unsigned, max_cpm, , VALUE, RUNS)				\
	F(unsigned, max_perip, , VALUE, RUNS)				\
	F(char *, user, , STRING, RUNS_EXTERNAL)			\
	F(char *, group, , STRING, RUNS_EXTERNAL)			\
	F(uid_t, uid, , VALUE, RUNS_EXTERNAL)				\
	F(gid_t, gid, , VALUE, RUNS_EXTERNAL)				\
	F(enum builtin, builtin, , VALUE, RUNS)				\
	F(char *, program, , STRING, RUNS)				\
	F(int, argc, , VALUE, RUNS)					\
	F(char *, argv, [SERVICE_ARGV_MAX + 1], ARGV, RUNS)		\
									\
	/* "service=echo proto=tcp addr=…", for the log */		\
	F(char *, fields, , STRING, DERIVED)

#define SERVICE_MEMBER(type, name, array, compares, change) \
	type name array;
struct service {
	SERVICE_FIELDS(SERVICE_MEMBER)
};

/* The list as data, for the code that walks every field (service.c). */
enum service_compares {
	SERVICE_VALUE,
	SERVICE_STRING,
	SERVICE_ADDRESS,
	SERVICE_ARGV,
};

enum service_change {
	SERVICE_IDENTITY,
	SERVICE_RUNS,
	SERVICE_RUNS_EXTERNAL,
	SERVICE_WRITTEN,
	SERVICE_DERIVED,
};

struct service_field {
	const char		*name;
	size_t			 offset;
	size_t			 size;
	size_t			 align;
	enum service_compares	 compares;
	enum service_change	 change;
};

const char	*builtin_name(enum builtin);
enum builtin	 builtin_lookup(const char *);
bool		 service_same_identity(const struct service *,
		    const struct service *);
uint32_t	 service_identity_hash(const struct service *);
bool		 service_equal(const struct service *, const struct service *);
void		 service_set_fields(struct service *);
struct service	*service_dup(const struct service *);
void		 service_free(struct service *);
const struct service_field *service_fields(size_t *);

#endif
