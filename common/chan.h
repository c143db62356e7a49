/* SPDX-License-Identifier: ISC */
/* Sending and receiving one typed record over a SOCK_SEQPACKET channel. */
#ifndef SINETD_CHAN_H
#define SINETD_CHAN_H

#include <stddef.h>
#include <stdalign.h>
#include <stdint.h>
#include <sys/types.h>

#include "msg.h"

/* hdr and u must stay adjacent: one record is read into both. */
struct chan_msg {
	struct msg_hdr	hdr;
	union {
		struct msg_service	service;
		struct msg_stop		stop;
		struct msg_log		log;
		struct msg_spawned	spawned;
		struct msg_violation	violation;
		struct msg_guard	guard;
		struct msg_sockets	sockets;
		struct msg_drop		drop;
		struct policy		policy;
		struct hosts_table	hosts;
		uint8_t			raw[MSG_MAX];
	} u;
	int		fd;		/* passed with the record, or -1 */
};
_Static_assert(offsetof(struct chan_msg, u) == sizeof(struct msg_hdr),
    "a record's payload follows its header");

int	chan_send(int, uint32_t, const void *, size_t, int);
int	chan_send_fd(int, uint32_t, const void *, size_t, int, int);
ssize_t	chan_recv(int, struct chan_msg *, int);
int	chan_expect(const struct chan_msg *, uint32_t, size_t);

#endif
