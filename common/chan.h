/* Sending and receiving one typed record over a SOCK_SEQPACKET channel. */
#ifndef SINETD_CHAN_H
#define SINETD_CHAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "msg.h"

struct chan_msg {
	struct msg_hdr	hdr;
	union {
		struct msg_service	service;
		struct msg_stop		stop;
		struct msg_log		log;
		struct msg_violation	violation;
		struct policy		policy;
		uint8_t			raw[MSG_MAX];
	} u;
};

int	chan_send(int, uint32_t, const void *, size_t, int);
ssize_t	chan_recv(int, struct chan_msg *, int);
int	chan_expect(const struct chan_msg *, uint32_t, size_t);

#endif
