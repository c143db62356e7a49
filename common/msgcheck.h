/* SPDX-License-Identifier: ISC */
/* The checks a channel message passes before its fields are used. */
#ifndef SINETD_MSGCHECK_H
#define SINETD_MSGCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "msg.h"

const char	*msg_service_check(const struct msg_service *);
const char	*msg_sockets_check(const struct msg_sockets *, bool);
const char	*msg_policy_check(const struct policy *);
int		 msg_log_clean(const struct msg_log *, char *, size_t);

#endif
