/* SPDX-License-Identifier: ISC */
/* Socket address formatting and the checks both master and workers need. */
#ifndef SINETD_ADDR_H
#define SINETD_ADDR_H

#include <sys/socket.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "[ffff:...:ffff]:65535" or a unix path, with room to spare. */
#define ADDR_STR_MAX 128

union sockaddr_any {
	struct sockaddr		 sa;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_storage	 ss;
};

const char	*addr_str(const struct sockaddr *, socklen_t, char *, size_t);
const char	*addr_packed_str(uint8_t, const uint8_t [16], uint16_t, char *,
		    size_t);
const char	*addr_host_str(const struct sockaddr *, char *, size_t);
int		 addr_port(const struct sockaddr *);
bool		 addr_unmap_v4(const struct sockaddr *, struct sockaddr_in *);
uint8_t		 addr_pack(const struct sockaddr *, uint8_t [16]);
uint32_t	 addr_pack_hash(uint8_t, const uint8_t [16]);

#endif
