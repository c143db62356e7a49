/* SPDX-License-Identifier: ISC */
/* -l: hosts_access(5) in a worker (wrap.c). */
#ifndef SINETD_WRAP_H
#define SINETD_WRAP_H

#include <stddef.h>
#include <sys/socket.h>

#include "addr.h"
#include "hostsaccess.h"
#include "msg.h"

struct svcstate;

enum wrap_result {
	WRAP_PASS,		/* go on */
	WRAP_REFUSED,		/* logged and counted; fd closed */
	WRAP_PARKED,		/* a name is looked up: fd (and the data) */
				/* are ours, resume is called again */
};

/*
 * Called again once the name is known, with the ctx wrap_admit had:
 * admit the connection anew.
 */
typedef void wrap_resume_fn(void *, int, const union sockaddr_any *,
	    socklen_t, const void *, size_t);

struct wsock;

/* Each socket is decided by its own daemon name and address. */
void	 wrap_receive(const struct msg_service *, const struct wsock *,
	    const struct hosts_table *);
void	 wrap_update(const struct hosts_table *);
void	 wrap_prepare(const struct msg_service *, const struct wsock *,
	    size_t);
enum wrap_result wrap_admit(const struct wsock *, void *, int,
	    const union sockaddr_any *, socklen_t, const void *, size_t,
	    wrap_resume_fn *);
uint64_t wrap_tick(uint64_t);

#endif
